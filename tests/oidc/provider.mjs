#!/usr/bin/env node
// A certified OpenID provider (panva/oidc-provider 9.x) serving Microsoft Entra ID v2.0-shaped
// paths on 127.0.0.1, for ado-scm's real-component tests.
//
//   node tests/oidc/provider.mjs [PORT]        (PORT or $OIDC_PORT; 0 or unset = random)
//
// Once listening it prints exactly one JSON line on stdout, e.g.
//   {"issuer":"http://127.0.0.1:P/<tenant>/v2.0","authority":"http://127.0.0.1:P","tenant":"<guid>",...}
// Everything else (oidc-provider's warnings, request logs) goes to stderr.
//
// Paths (T = tenant GUID, or a domain alias from $OIDC_TENANT_ALIASES, rewritten to the GUID):
//   GET  /T/v2.0/.well-known/openid-configuration   discovery (issuer http://127.0.0.1:P/T/v2.0)
//   GET  /T/oauth2/v2.0/authorize                   authorization endpoint
//   POST /T/oauth2/v2.0/token                       token endpoint
//   POST /T/oauth2/v2.0/devicecode                  device authorization endpoint
//   GET  /T/oauth2/v2.0/deviceauth                  device verification page (enter the user code)
//   GET  /T/discovery/v2.0/keys                     JWKS
//   GET  /T/oidc/userinfo                           userinfo
//   /interaction/:uid                               devInteractions login + consent pages
//
// Environment:
//   OIDC_PORT                     port (argv[2] wins); 0 = random
//   OIDC_TENANT                   tenant GUID (default: random)
//   OIDC_TENANT_ALIASES           comma-separated domains served as aliases of the tenant
//   OIDC_PUBLIC_CLIENT_ID         default 14d82eec-204b-4c2f-b7e8-296a70dab67e (Graph CLI Tools)
//   OIDC_PUBLIC_REDIRECT_URIS     comma-separated; default http://127.0.0.1/,http://localhost/
//                                 (any loopback port matches, RFC 8252 7.3; a URI without a path
//                                 matches the registered one with "/", as on Entra)
//   OIDC_CONFIDENTIAL_CLIENT_ID   default 5c8f2a1e-7d3b-4e6f-9a0c-1b2d3e4f5a6b
//   OIDC_CONFIDENTIAL_CLIENT_SECRET default smoke-test-client-secret
//   OIDC_CONFIDENTIAL_REDIRECT_URIS comma-separated redirect URIs of the confidential client
//                                 (the runner's OAuth callback); default http://127.0.0.1/callback;
//                                 loopback ones match on any port (see application_type below)
//   OIDC_CONFIDENTIAL_APPLICATION_TYPE native (default: loopback port ignored) or web (exact match)
//   OIDC_CLIENTS_FILE             JSON array of extra oidc-provider client metadata objects
//   OIDC_EXTRA_SCOPES             space/comma-separated extra scope values to accept
//   OIDC_DEVICE_INTERVAL          `interval` returned by the device code endpoint (default 5)
//   OIDC_PKCE_CONFIDENTIAL        1 = require PKCE for confidential clients too (default: public only)
//   OIDC_EXIT_ON_STDIN_EOF        1 = exit when stdin closes (parent died)
//   OIDC_LOG_REQUESTS             1 = log each request (method, path, status) to stderr
import { createServer } from 'node:http';
import { createHash, generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const env = process.env;
const list = (v, dflt) => (v === undefined || v.trim() === '' ? dflt : v.split(/[\s,]+/).filter(Boolean));

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const tenant = (env.OIDC_TENANT || randomUUID()).toLowerCase();
if (!GUID.test(tenant)) {
  console.error(`provider.mjs: OIDC_TENANT must be a GUID, got ${tenant}`);
  process.exit(2);
}
const aliases = new Set(list(env.OIDC_TENANT_ALIASES, []).map((a) => a.toLowerCase()));
const portArg = process.argv[2] ?? env.OIDC_PORT ?? '0';
const port = Number.parseInt(portArg, 10);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`provider.mjs: bad port ${portArg}`);
  process.exit(2);
}

const PUBLIC_CLIENT_ID = env.OIDC_PUBLIC_CLIENT_ID || '14d82eec-204b-4c2f-b7e8-296a70dab67e';
const CONF_CLIENT_ID = env.OIDC_CONFIDENTIAL_CLIENT_ID || '5c8f2a1e-7d3b-4e6f-9a0c-1b2d3e4f5a6b';
const CONF_CLIENT_SECRET = env.OIDC_CONFIDENTIAL_CLIENT_SECRET || 'smoke-test-client-secret';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const ADO = '499b84ac-1321-427f-aa17-267ca6975798';
const GRAPH = 'https://graph.microsoft.com';

// Resource scopes written the way Entra v2.0 takes them. oidc-provider keeps only scopes it knows
// (without resource indicators), so every one a test may ask for is listed here.
const resourceScopes = [
  `${ADO}/.default`, `${ADO}/vso.code`, `${ADO}/vso.code_write`, `${ADO}/user_impersonation`,
  `https://app.vssps.visualstudio.com/.default`, `https://app.vssps.visualstudio.com/user_impersonation`,
  `${GRAPH}/.default`, `${GRAPH}/Application.ReadWrite.All`,
  `${GRAPH}/DelegatedPermissionGrant.ReadWrite.All`, `${GRAPH}/User.Read`,
  'Application.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All', 'User.Read',
  'api://ado-scm-test/.default', 'api://ado-scm-test/access',
  ...list(env.OIDC_EXTRA_SCOPES, []),
];

const publicClient = {
  client_id: PUBLIC_CLIENT_ID,
  client_name: 'Microsoft Graph Command Line Tools',
  application_type: 'native', // loopback redirect URIs match on any port (RFC 8252 7.3)
  token_endpoint_auth_method: 'none',
  redirect_uris: list(env.OIDC_PUBLIC_REDIRECT_URIS, ['http://127.0.0.1/', 'http://localhost/']),
  grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT],
  response_types: ['code'],
};
const confidentialClient = {
  client_id: CONF_CLIENT_ID,
  client_secret: CONF_CLIENT_SECRET,
  client_name: 'ado-scm test runner',
  // native: its loopback redirect URIs match on any port too, so the runner stand-in may be
  // started after the provider on a random port. OIDC_CONFIDENTIAL_APPLICATION_TYPE=web for an
  // exact match.
  application_type: env.OIDC_CONFIDENTIAL_APPLICATION_TYPE || 'native',
  token_endpoint_auth_method: 'client_secret_post',
  redirect_uris: list(env.OIDC_CONFIDENTIAL_REDIRECT_URIS, ['http://127.0.0.1/callback']),
  grant_types: ['client_credentials', 'authorization_code', 'refresh_token'],
  response_types: ['code'],
};
const clients = [publicClient, confidentialClient];
if (env.OIDC_CLIENTS_FILE) {
  const extra = JSON.parse(readFileSync(env.OIDC_CLIENTS_FILE, 'utf8'));
  for (const c of Array.isArray(extra) ? extra : [extra]) {
    const i = clients.findIndex((x) => x.client_id === c.client_id);
    if (i >= 0) clients[i] = c; else clients.push(c);
  }
}
// oidc-provider takes one auth method per client; Entra takes the secret in the body or as HTTP
// Basic. Accept both: the registered method is rewritten per request below (see authMethod()).
const postClients = new Set(clients
  .filter((c) => c.client_secret && (c.token_endpoint_auth_method ?? 'client_secret_basic') === 'client_secret_post')
  .map((c) => c.client_id));

// Deterministic Entra-like object id for a sign-in name.
const oidFor = (login) => {
  const h = createHash('sha256').update(`${tenant}:${login}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };

const esc = (v) => String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title, body) => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;max-width:30em;margin:2em auto}.error{color:#b00}</style></head>
<body>${body}</body></html>`;

const T = `/${tenant}`;
const configuration = {
  clients,
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomUUID(), randomUUID()] },
  routes: {
    authorization: `${T}/oauth2/v2.0/authorize`,
    token: `${T}/oauth2/v2.0/token`,
    device_authorization: `${T}/oauth2/v2.0/devicecode`,
    code_verification: `${T}/oauth2/v2.0/deviceauth`,
    jwks: `${T}/discovery/v2.0/keys`,
    userinfo: `${T}/oidc/userinfo`,
    end_session: `${T}/oauth2/v2.0/logout`,
    revocation: `${T}/oauth2/v2.0/revoke`,
    introspection: `${T}/oauth2/v2.0/introspect`,
    pushed_authorization_request: `${T}/oauth2/v2.0/par`,
    registration: `${T}/oauth2/v2.0/register`,
    backchannel_authentication: `${T}/oauth2/v2.0/bc-authorize`,
    challenge: `${T}/oauth2/v2.0/challenge`,
    credential: `${T}/oauth2/v2.0/credential`,
  },
  features: {
    devInteractions: { enabled: true }, // built-in login/consent pages: any login signs in
    deviceFlow: {
      enabled: true,
      // The built-in pages pull a web font from the internet; these are the same forms without it.
      userCodeInputSource(ctx, form, _out, err) {
        let msg = '<p>Enter the code displayed on your device</p>';
        if (err && (err.userCode || err.name === 'NoCodeError')) {
          msg = '<p class="error">The code you entered is incorrect. Try again</p>';
        } else if (err && err.name === 'AbortedError') {
          msg = '<p class="error">The Sign-in request was interrupted</p>';
        } else if (err) {
          msg = '<p class="error">There was an error processing your request</p>';
        }
        ctx.body = page('Sign-in', `<h1>Sign-in</h1>${msg}${form}
          <button type="submit" form="op.deviceInputForm">Continue</button>`);
      },
      userCodeConfirmSource(ctx, form, client, _deviceInfo, userCode) {
        ctx.body = page('Device Login Confirmation', `<h1>Confirm Device</h1>
          <p><strong>${esc(client.clientName || client.clientId)}</strong></p>
          <p>The following code should be displayed on your device: <code>${esc(userCode)}</code></p>
          ${form}
          <button autofocus type="submit" form="op.deviceConfirmForm">Continue</button>
          <button type="submit" form="op.deviceConfirmForm" value="yes" name="abort">[ Abort ]</button>`);
      },
      successSource(ctx) {
        const client = ctx.oidc.client;
        ctx.body = page('Sign-in Success', `<h1>Sign-in Success</h1>
          <p>Your sign-in with ${esc(client?.clientName || client?.clientId || 'the device')} was successful, you can now close this page.</p>`);
      },
    },
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
  },
  pkce: {
    required: (_ctx, client) => client.clientAuthMethod === 'none' || env.OIDC_PKCE_CONFIDENTIAL === '1',
  },
  scopes: ['openid', 'profile', 'email', 'offline_access', ...resourceScopes],
  claims: {
    openid: ['sub', 'tid'],
    profile: ['name', 'preferred_username', 'oid'],
    email: ['email'],
  },
  // Entra puts the scope's claims (preferred_username, oid, ...) in the id_token itself.
  conformIdTokenClaims: false,
  async findAccount(_ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        const login = sub.includes('@') ? sub : `${sub}@example.test`;
        return {
          sub, tid: tenant, oid: oidFor(sub), name: sub, preferred_username: login, email: login,
        };
      },
    };
  },
  issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token')
    && code.scopes.has('offline_access'),
  rotateRefreshToken: () => true, // Entra hands out a new refresh token on every refresh
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 600,
    ClientCredentials: 3600,
    DeviceCode: 900,
    IdToken: 3600,
    RefreshToken: 24 * 3600,
    Interaction: 3600,
    Session: 24 * 3600,
    Grant: 24 * 3600,
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page('Sign-in error', `<h1>Sign-in error</h1>${
      Object.entries(out).map(([k, v]) => `<p><strong>${esc(k)}</strong>: ${esc(v)}</p>`).join('')}`);
  },
};

const authority = (p) => `http://127.0.0.1:${p}`;

const server = createServer();
server.listen(port, '127.0.0.1', () => {
  const actualPort = server.address().port;
  const issuer = `${authority(actualPort)}${T}/v2.0`;
  const provider = new Provider(issuer, configuration);

  // A redirect URI without a path matches the registered one with "/" (Entra does the same).
  const origAllowed = provider.Client.prototype.redirectUriAllowed;
  provider.Client.prototype.redirectUriAllowed = function redirectUriAllowed(value) {
    if (origAllowed.call(this, value)) return true;
    const parsed = URL.parse(value);
    return !!parsed && parsed.href !== value && origAllowed.call(this, parsed.href);
  };

  const interval = Number.parseInt(env.OIDC_DEVICE_INTERVAL || '5', 10);
  provider.use(async (ctx, next) => {
    await next();
    const route = ctx.oidc?.route;
    if (route === 'device_authorization' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      // Entra's device code answer: interval + message, no verification_uri_complete.
      const body = { ...ctx.body };
      delete body.verification_uri_complete;
      body.interval = interval;
      body.message = `To sign in, use a web browser to open the page ${body.verification_uri} and enter the code ${body.user_code} to authenticate.`;
      ctx.body = body;
    } else if (route === 'token' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object' && ctx.body.expires_in) {
      ctx.body = { ...ctx.body, ext_expires_in: ctx.body.expires_in };
    }
  });

  provider.on('server_error', (_ctx, err) => console.error('provider.mjs: server_error', err));

  const callback = provider.callback();
  const discoveryPath = /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/;
  server.on('request', (req, res) => {
    const started = Date.now();
    const url = new URL(req.url, 'http://127.0.0.1');
    // Domain aliases of the tenant: /contoso.onmicrosoft.com/... -> /<guid>/...
    const first = url.pathname.split('/')[1]?.toLowerCase();
    if (first && aliases.has(first)) {
      url.pathname = `${T}${url.pathname.slice(first.length + 1)}`;
    }
    const m = discoveryPath.exec(url.pathname);
    if (m) {
      if (m[1].toLowerCase() !== tenant) {
        // Entra's answer for a tenant it does not know.
        const now = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
        const trace = randomUUID();
        const corr = randomUUID();
        res.writeHead(400, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({
          error: 'invalid_tenant',
          error_description: `AADSTS90002: Tenant '${m[1]}' not found.\r\nTrace ID: ${trace}\r\nCorrelation ID: ${corr}\r\nTimestamp: ${now}`,
          error_codes: [90002],
          timestamp: now,
          trace_id: trace,
          correlation_id: corr,
          error_uri: `${authority(actualPort)}/error?code=90002`,
        }));
        return;
      }
      url.pathname = '/.well-known/openid-configuration';
    }
    if (url.pathname === `${T}/oauth2/v2.0/authorize` && req.method === 'GET') {
      // Entra issues a refresh token for offline_access without prompt=consent; OpenID Connect
      // Core (and so oidc-provider) only with it. Ask for consent explicitly in that case (the
      // consent page is shown to a fresh session anyway). Entra's prompt=select_account has no
      // counterpart here: it becomes prompt=login.
      const q = url.searchParams;
      const prompts = new Set((q.get('prompt') || '').split(' ').filter(Boolean)
        .map((p) => (p === 'select_account' ? 'login' : p)));
      if ((q.get('scope') || '').split(' ').includes('offline_access') && !prompts.has('none')) {
        prompts.add('consent');
      }
      if (prompts.size) q.set('prompt', [...prompts].join(' '));
    }
    req.url = `${url.pathname}${url.search}`;
    // HTTP Basic for a client registered with client_secret_post (and vice versa): oidc-provider
    // binds one method per client, Entra accepts both. Move Basic credentials into the body.
    if (req.method === 'POST' && url.pathname.startsWith(`${T}/oauth2/v2.0/`)
      && /^basic /i.test(req.headers.authorization || '')) {
      basicToBody(req, res, callback);
    } else {
      callback(req, res);
    }
    if (env.OIDC_LOG_REQUESTS === '1') {
      res.on('finish', () => console.error(`provider.mjs: ${req.method} ${url.pathname} -> ${res.statusCode} (${Date.now() - started} ms)`));
    }
  });

  process.stdout.write(`${JSON.stringify({
    issuer,
    authority: authority(actualPort),
    tenant,
    discovery: `${issuer}/.well-known/openid-configuration`,
    public_client_id: PUBLIC_CLIENT_ID,
    confidential_client_id: CONF_CLIENT_ID,
    confidential_client_secret: CONF_CLIENT_SECRET,
    pid: process.pid,
  })}\n`);
});

// Rewrites `Authorization: Basic` client credentials into client_id/client_secret form fields, so
// clients registered for client_secret_post also accept Basic (as Entra does). oidc-provider reads
// an already-consumed request's body from req.body.
function basicToBody(req, res, callback) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('error', () => res.destroy());
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    const decoded = Buffer.from(req.headers.authorization.slice(6).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const unform = (s) => {
      try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch { return s; }
    };
    const id = i >= 0 ? unform(decoded.slice(0, i)) : '';
    const form = new URLSearchParams(raw);
    if (postClients.has(id) && (req.headers['content-type'] || '').startsWith('application/x-www-form-urlencoded')
      && !form.has('client_secret')) {
      form.set('client_id', id);
      form.set('client_secret', unform(decoded.slice(i + 1)));
      delete req.headers.authorization;
    }
    req.body = form.toString();
    callback(req, res);
  });
}

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (env.OIDC_EXIT_ON_STDIN_EOF === '1') {
  process.stdin.on('end', () => process.exit(0));
  process.stdin.on('close', () => process.exit(0));
  process.stdin.resume();
}
