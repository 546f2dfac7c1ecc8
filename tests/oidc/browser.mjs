#!/usr/bin/env node
// A headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core) that plays the
// person at the browser during an OAuth sign-in against tests/oidc/provider.mjs.
//
//   browser.mjs URL                   open URL (what ado-scm hands to $BROWSER), sign in and consent
//                                     on the provider's pages until it lands on a page that is not
//                                     the provider's (the loopback redirect, "You can close this tab")
//   browser.mjs --device URL [CODE]   open the device verification page, enter CODE, confirm, sign
//                                     in, consent, until the provider says "Sign-in Success"
//
// Usable as BROWSER: by default it detaches itself (a new session, no stdio) and exits 0 at once,
// so whoever launched it need not wait; the detached copy runs the flow to the end on its own.
// `--foreground` (or BROWSER_DRIVER_FOREGROUND=1) runs the flow in this process and exits 0 on
// success, 1 on failure.
//
// Environment:
//   BROWSER_DRIVER_LOG        file to append the log to (default: $TMPDIR/ado-scm-browser-driver.log);
//                             nothing is ever written to stdout
//   BROWSER_DRIVER_RESULT     file written when the flow ends: {"ok":true|false,"final_url":...,"error":...}
//   BROWSER_LOGIN             login typed on the sign-in page (default admin@example.test);
//                             the provider's devInteractions accept any login and any password
//   BROWSER_PASSWORD          password typed (default: password)
//   BROWSER_DRIVER_ACTION     approve (default) or deny: deny aborts at the consent/confirm step
//   BROWSER_DRIVER_TIMEOUT_MS whole-flow timeout (default 60000)
//   BROWSER_DRIVER_CHROMIUM   Chromium binary (default /usr/bin/chromium)
//   BROWSER_DRIVER_SCREENSHOT file to save a PNG of the last page to (optional)
//
// Only loopback addresses are reachable: every other request is aborted, and host names other
// than localhost resolve to nothing.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const env = process.env;
const LOG = env.BROWSER_DRIVER_LOG || join(tmpdir(), 'ado-scm-browser-driver.log');
const SECRET_PARAMS = /([?&#](?:code|state|code_challenge|code_verifier|user_code|access_token|id_token|refresh_token|client_secret|nonce|session_state)=)[^&#\s"]*/gi;
const redact = (s) => String(s).replace(SECRET_PARAMS, '$1<redacted>');
const log = (...parts) => {
  try {
    appendFileSync(LOG, `${new Date().toISOString()} [browser.mjs ${process.pid}] ${redact(parts.join(' '))}\n`);
  } catch {
    // logging must never break the flow
  }
};

function usage(msg) {
  log(`usage error: ${msg}`);
  process.stderr.write(`browser.mjs: ${msg}\nusage: browser.mjs [--foreground] URL | browser.mjs [--foreground] --device URL [CODE]\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
let foreground = env.BROWSER_DRIVER_FOREGROUND === '1';
let device = false;
const positional = [];
for (const a of argv) {
  if (a === '--foreground') foreground = true;
  else if (a === '--device') device = true;
  else if (a.startsWith('--')) usage(`unknown option ${a}`);
  else positional.push(a);
}
if (positional.length < 1 || positional.length > (device ? 2 : 1)) usage('wrong number of arguments');
const [startUrl, userCode] = positional;
if (!URL.canParse(startUrl)) usage(`not a URL: ${startUrl}`);

if (!foreground) {
  // Detach: a new session with no stdio, so the launcher neither waits for us nor kills us.
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--foreground', ...argv], {
    detached: true,
    stdio: 'ignore',
    env: { ...env, BROWSER_DRIVER_FOREGROUND: '1' },
  });
  child.unref();
  log(`detached pid ${child.pid} for ${startUrl}`);
  process.exit(0);
}

const LOGIN = env.BROWSER_LOGIN || 'admin@example.test';
const PASSWORD = env.BROWSER_PASSWORD || 'password';
const ACTION = env.BROWSER_DRIVER_ACTION || 'approve';
const TIMEOUT = Number.parseInt(env.BROWSER_DRIVER_TIMEOUT_MS || '60000', 10);
const CHROMIUM = env.BROWSER_DRIVER_CHROMIUM || '/usr/bin/chromium';
if (!['approve', 'deny'].includes(ACTION)) usage(`BROWSER_DRIVER_ACTION must be approve or deny, got ${ACTION}`);

const isLoopback = (u) => {
  try {
    const { hostname, protocol } = new URL(u);
    if (protocol === 'data:' || protocol === 'about:') return true;
    return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
  } catch {
    return false;
  }
};

function writeResult(result) {
  if (env.BROWSER_DRIVER_RESULT) {
    try {
      writeFileSync(env.BROWSER_DRIVER_RESULT, `${JSON.stringify(result)}\n`);
    } catch (e) {
      log(`cannot write result file: ${e.message}`);
    }
  }
}

// What is on the page now, as far as the flow is concerned.
async function classify(page) {
  return page.evaluate(() => {
    const q = (s) => document.querySelector(s);
    const text = (document.body?.innerText || '').replace(/\s+/g, ' ').trim();
    if (q('input[name=prompt][value=login]') && q('input[name=login]')) return { kind: 'login', text };
    if (q('input[name=prompt][value=consent]')) return { kind: 'consent', text };
    if (q('form[id="op.deviceInputForm"]') || q('input[name=user_code]:not([type=hidden])')) return { kind: 'device-input', text };
    if (q('form[id="op.deviceConfirmForm"]')) return { kind: 'device-confirm', text };
    if (/^Sign-in Success/i.test(document.title) || /Sign-in Success/i.test(text)) return { kind: 'device-success', text };
    if (/^Sign-in error/i.test(document.title) || /^oops! something went wrong/i.test(text)) return { kind: 'provider-error', text };
    return { kind: 'other', text };
  });
}

// Runs `act` and waits until the main frame has loaded a new document (works for POSTs answered
// at the same URL, and for redirect chains).
async function acting(page, what, act) {
  log(`${what} on ${page.url()}`);
  await Promise.all([page.waitForNavigation({ waitUntil: 'load', timeout: TIMEOUT }), act()]);
}

async function run(page) {
  let sawProvider = false;
  let enteredCode = false;
  let aborted = false;
  const startOrigin = new URL(startUrl).origin;
  log(`goto ${startUrl}`);
  await page.goto(startUrl, { waitUntil: 'load', timeout: TIMEOUT });
  for (let step = 0; step < 40; step += 1) {
    const url = page.url();
    const { kind, text } = await classify(page);
    log(`step ${step}: ${kind} at ${url}`);
    switch (kind) {
      case 'login':
        sawProvider = true;
        await page.fill('input[name=login]', LOGIN);
        await page.fill('input[name=password]', PASSWORD);
        await acting(page, `sign in as ${LOGIN}`, () => page.click('form button[type=submit]'));
        break;
      case 'consent':
        sawProvider = true;
        if (ACTION === 'deny') {
          aborted = true;
          // devInteractions' consent page has an abort link ("[ Cancel ]").
          await acting(page, 'deny consent', () => page.click('a[href*="/abort"]'));
        } else {
          await acting(page, 'consent', () => page.click('form:has(input[name=prompt][value=consent]) button[type=submit]'));
        }
        break;
      case 'device-input': {
        sawProvider = true;
        if (!userCode) throw new Error('device verification page asks for a code and none was given');
        if (enteredCode) {
          // Back on the code page after entering the code: refused, or aborted on purpose.
          if (ACTION === 'deny' && aborted) return { ok: true, final_url: url, text: text.slice(0, 300) };
          throw new Error(`the device code page came back: ${text.slice(0, 300)}`);
        }
        enteredCode = true;
        await page.fill('input[name=user_code]', userCode);
        await acting(page, 'enter user code', () => page.click('button[type=submit][form="op.deviceInputForm"], form[id="op.deviceInputForm"] button[type=submit]'));
        break;
      }
      case 'device-confirm':
        sawProvider = true;
        if (ACTION === 'deny') {
          aborted = true;
          await acting(page, 'abort device', () => page.click('button[name=abort]'));
        } else {
          await acting(page, 'confirm device', () => page.click('button[type=submit][form="op.deviceConfirmForm"]:not([name=abort])'));
        }
        break;
      case 'device-success':
        return { ok: true, final_url: url, text: text.slice(0, 200) };
      case 'provider-error':
        if (device && ACTION === 'deny' && aborted) {
          return { ok: true, final_url: url, text: text.slice(0, 300) };
        }
        throw new Error(`the provider shows an error page: ${text.slice(0, 500)}`);
      default: {
        // Not a provider page. The end, if we went through the provider (or were redirected
        // away from where we started) and this is a loopback page of someone else.
        const here = new URL(url);
        const redirected = here.origin !== startOrigin || url !== startUrl;
        const closeTab = /close this (tab|window|page)/i.test(text);
        if (closeTab || (isLoopback(url) && (sawProvider || redirected))) {
          const error = here.searchParams.get('error');
          if (error && ACTION !== 'deny') {
            throw new Error(`landed on ${url} with error=${error}: ${text.slice(0, 300)}`);
          }
          return { ok: true, final_url: url, text: text.slice(0, 300) };
        }
        if (device) throw new Error(`unexpected page in device mode: ${text.slice(0, 300)}`);
        // A page that is neither the provider's nor a landing page yet (say a JS redirect): wait
        // for the next navigation.
        log(`waiting for a navigation away from ${url}`);
        await page.waitForNavigation({ waitUntil: 'load', timeout: TIMEOUT });
      }
    }
  }
  throw new Error('too many steps without reaching the end of the flow');
}

function chromiumEnv(profile) {
  const e = { ...env, HOME: profile, XDG_CONFIG_HOME: join(profile, '.config'), XDG_CACHE_HOME: join(profile, '.cache') };
  delete e.DBUS_SESSION_BUS_ADDRESS;
  return e;
}

async function main() {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'ado-scm-chromium-'));
  let browser;
  let context;
  const timer = setTimeout(() => {
    log(`timeout after ${TIMEOUT} ms`);
    writeResult({ ok: false, error: `timeout after ${TIMEOUT} ms` });
    try { rmSync(profile, { recursive: true, force: true }); } catch { /* ignore */ }
    process.exit(1);
  }, TIMEOUT + 5000);
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: TIMEOUT,
      // Chromium keeps crash reports and caches under HOME/XDG dirs: point them into the temp
      // profile, and keep it off the session bus (the keyring tests own that one).
      env: chromiumEnv(profile),
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--disable-domain-reliability', '--disable-client-side-phishing-detection',
        '--no-pings', '--no-default-browser-check', '--disable-default-apps',
        '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1, EXCLUDE [::1]',
      ],
    });
    browser = context.browser();
    await context.route('**/*', (route) => {
      const u = route.request().url();
      if (isLoopback(u)) return route.continue();
      log(`blocked ${u}`);
      return route.abort('blockedbyclient');
    });
    const page = context.pages()[0] || await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    let result;
    try {
      result = await run(page);
    } finally {
      if (env.BROWSER_DRIVER_SCREENSHOT) {
        await page.screenshot({ path: env.BROWSER_DRIVER_SCREENSHOT }).catch((e) => log(`screenshot failed: ${e.message}`));
      }
    }
    log(`done: ${result.final_url} (${result.text})`);
    writeResult({ ok: true, final_url: redact(result.final_url) });
    return 0;
  } catch (e) {
    log(`FAILED: ${e.stack || e.message}`);
    writeResult({ ok: false, error: redact(e.message) });
    return 1;
  } finally {
    clearTimeout(timer);
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    try { rmSync(profile, { recursive: true, force: true }); } catch { /* ignore */ }
  }
}

process.exitCode = await main();
