//! The OAuth 2.0 / OpenID Connect rules of Entra's v2.0 endpoints: authorize, token (four
//! grants), device code and the device login page. HTTP framing is `entra.rs`'s; everything
//! decided here is what Entra decides, with the AADSTS codes of Entra's error reference.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::Duration;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use url::Url;

use super::*;

const OIDC_SCOPES: &[&str] = &["openid", "profile", "email", "offline_access"];

/// What the authorize endpoint answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthorizeOutcome {
    /// 302 to this URL: a code, or an error the (validated) redirect URI may receive.
    Redirect(String),
    /// An error shown on Entra's own page: the redirect URI could not be trusted, or the user is
    /// stuck (admin approval needed).
    Page(AadError),
}

/// What the device login page answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceLoginOutcome {
    /// The user signed in and approved `client` (by display name).
    Approved { client: String, user: String },
    /// The user declined.
    Declined { client: String },
    /// The code was refused, or sign-in was blocked (the text the page shows).
    Refused(String),
}

/// Tokens from a successful grant, for in-process callers (the runner's callback).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenGrant {
    /// The signed-in user's object id (empty for app-only tokens).
    pub user_id: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    /// As in the token response (resource-qualified).
    pub scope: String,
    pub expires_in: i64,
}

/// A parsed `scope` parameter.
#[derive(Clone, Debug, Default)]
struct Scopes {
    /// `openid`, `profile`, `email`, `offline_access` as requested.
    oidc: Vec<String>,
    /// The resource's service principal object id (Graph when only OIDC scopes were asked for).
    resource: Option<String>,
    /// Canonical scope values on the resource.
    values: Vec<String>,
}

impl Scopes {
    fn has(&self, oidc: &str) -> bool {
        self.oidc.iter().any(|s| s == oidc)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RedirectKind {
    Web,
    Public,
}

/// Everything one token issuance needs.
struct Issue<'a> {
    tenant_id: &'a str,
    client: &'a ClientView,
    user_id: Option<&'a str>,
    /// Resource service principal object id.
    resource: &'a str,
    /// Delegated values (or empty for app-only).
    values: Vec<String>,
    oidc: Vec<String>,
    nonce: Option<String>,
    public: bool,
    refresh: bool,
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn non_empty<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    param(params, name).filter(|v| !v.trim().is_empty())
}

fn invalid_scope(message: impl Into<String>) -> AadError {
    AadError::new("invalid_scope", 70011, message)
}

fn malformed_grant() -> AadError {
    AadError::new(
        "invalid_grant",
        9002313,
        "Invalid request. Request is malformed or invalid.",
    )
}

/// `error_description` as a redirect carries it: the description plus the trace lines.
pub fn description_with_trace(
    err: &AadError,
    trace_id: &str,
    correlation_id: &str,
    timestamp: &str,
) -> String {
    format!(
        "{}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}",
        err.description()
    )
}

/// Whether `requested` may be used for the registered `registered` URI. Loopback redirects of
/// public clients match whatever the port (RFC 8252; Entra's redirect URI rules), only for `localhost` and
/// `127.0.0.1` written the same way as registered (`[::1]` is not supported); everything else
/// must match exactly (after URL normalisation: a missing path is `/`).
fn redirect_matches(registered: &str, requested: &Url, loopback_any_port: bool) -> bool {
    let Ok(registered) = Url::parse(registered) else {
        return false;
    };
    if registered.as_str() == requested.as_str() {
        return true;
    }
    let loopback = matches!(registered.host_str(), Some("localhost" | "127.0.0.1"));
    loopback_any_port
        && loopback
        && registered.scheme() == "http"
        && requested.scheme() == "http"
        && registered.host_str() == requested.host_str()
        && registered.path() == requested.path()
        && registered.query() == requested.query()
}

fn match_redirect(client: &ClientView, requested: &Url) -> Option<RedirectKind> {
    if requested.fragment().is_some() {
        return None;
    }
    if client
        .web_redirect_uris
        .iter()
        .any(|r| redirect_matches(r, requested, false))
    {
        return Some(RedirectKind::Web);
    }
    if client
        .public_redirect_uris
        .iter()
        .any(|r| redirect_matches(r, requested, true))
    {
        return Some(RedirectKind::Public);
    }
    // Sandbox convenience for the seeded runner app only: its runners' callbacks live under the
    // Gitpod listener, whose port is not known when the registration is seeded.
    if client.runner_prefix_rule
        && matches!(requested.scheme(), "http" | "https")
        && requested.path().contains("/runners/")
    {
        return Some(RedirectKind::Web);
    }
    None
}

fn normalise_uri(uri: &str) -> String {
    Url::parse(uri)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| uri.to_string())
}

fn pkce_s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A user code like Entra's: nine characters, letters and digits that read unambiguously.
fn new_user_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 9];
    OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|&b| ALPHABET[b as usize % ALPHABET.len()] as char)
        .collect()
}

impl Directory {
    fn authority(&self) -> String {
        self.urls.authority.trim_end_matches('/').to_string()
    }

    /// `{authority}/{tenant}/v2.0`: the OIDC issuer of id tokens.
    pub fn issuer(&self, tenant_id: &str) -> String {
        format!("{}/{tenant_id}/v2.0", self.authority())
    }

    /// The tenant a request runs in (its id, when the segment was a domain).
    fn request_tenant(&self, segment: &str, error: &'static str) -> Result<String, AadError> {
        self.lookup_tenant(segment)
            .map_err(|e| e.to_aad(segment, error))
    }

    fn request_client(&self, tenant_id: &str, client_id: &str) -> Result<ClientView, AadError> {
        self.client(tenant_id, client_id)
            .ok_or_else(|| self.unknown_client(tenant_id, client_id))
    }

    fn resource_for(&self, tenant_id: &str, identifier: &str) -> Option<&ServicePrincipal> {
        let graph_alias = self.urls.graph.trim_end_matches('/');
        if !graph_alias.is_empty() && identifier.trim_end_matches('/') == graph_alias {
            return self.service_principal_by_app_id(tenant_id, seed::GRAPH_APP_ID);
        }
        self.resource_by_identifier(tenant_id, identifier)
    }

    /// Parses a delegated-flow `scope`: OIDC scopes plus the scopes of at most one resource.
    fn parse_scopes(&self, tenant_id: &str, raw: &str) -> Result<Scopes, AadError> {
        let mut scopes = Scopes::default();
        if raw.split_whitespace().next().is_none() {
            return Err(AadError::missing_parameter("scope"));
        }
        for token in raw.split_whitespace() {
            let lower = token.to_ascii_lowercase();
            if OIDC_SCOPES.contains(&lower.as_str()) {
                if !scopes.oidc.contains(&lower) {
                    scopes.oidc.push(lower);
                }
                continue;
            }
            let (sp, value) = match token.rsplit_once('/') {
                Some((identifier, value)) => {
                    let sp = self.resource_for(tenant_id, identifier).ok_or_else(|| {
                        AadError::new(
                            "invalid_resource",
                            500011,
                            format!(
                                "The resource principal named {identifier} was not found in the \
                                 tenant named {tenant_id}. This can happen if the application \
                                 has not been installed by the administrator of the tenant or \
                                 consented to by any user in the tenant. You might have sent \
                                 your authentication request to the wrong tenant."
                            ),
                        )
                    })?;
                    (sp, value)
                }
                // A bare value is a Microsoft Graph scope (`User.Read`).
                None => match self.service_principal_by_app_id(tenant_id, seed::GRAPH_APP_ID) {
                    Some(sp) => (sp, token),
                    None => {
                        return Err(invalid_scope(format!("The scope '{token}' is not valid.")))
                    }
                },
            };
            if scopes.resource.as_deref().is_some_and(|r| r != sp.id) {
                return Err(AadError::new(
                    "invalid_scope",
                    700022,
                    format!(
                        "The provided value for the input parameter scope is not valid because it \
                         contains more than one resource. Scope {raw} is not valid."
                    ),
                ));
            }
            scopes.resource = Some(sp.id.clone());
            // ado-scm asks `.default` only with client credentials (parsed there): in a
            // delegated flow the sandbox takes named scopes only.
            let scope = sp.scope(value).ok_or_else(|| {
                invalid_scope(format!(
                    "The provided value for the input parameter 'scope' is not valid. The \
                     scope '{token}' does not exist on the resource '{}'.",
                    sp.app_id
                ))
            })?;
            if !scopes.values.contains(&scope.value) {
                scopes.values.push(scope.value.clone());
            }
        }
        Ok(scopes)
    }

    /// The resource of a scope set: the named one, else Microsoft Graph (OIDC scopes alone get a
    /// Graph token, as with Entra).
    fn scopes_resource(&self, tenant_id: &str, scopes: &Scopes) -> Result<String, AadError> {
        scopes
            .resource
            .clone()
            .or_else(|| {
                self.service_principal_by_app_id(tenant_id, seed::GRAPH_APP_ID)
                    .map(|sp| sp.id.clone())
            })
            .ok_or_else(|| invalid_scope("Microsoft Graph is missing from the tenant."))
    }

    /// Makes sure `user` consented (or an admin consented for everyone) to `values` of the
    /// resource for `client`. With `record`, a missing consent the user may give is given (a
    /// `Principal` grant, creating the client's service principal if needed, as Entra does);
    /// without it (token endpoint, `prompt=none`) it is an error.
    fn ensure_consent(
        &mut self,
        tenant_id: &str,
        client: &ClientView,
        user_id: &str,
        resource_sp: &str,
        values: &[String],
        record: bool,
    ) -> Result<(), AadError> {
        let Some(resource) = self.service_principal(resource_sp).cloned() else {
            return Ok(());
        };
        let client_sp = self
            .service_principal_by_app_id(tenant_id, &client.app_id)
            .map(|sp| sp.id.clone());
        let consented = client_sp
            .as_deref()
            .map(|sp| self.consented_scopes(sp, resource_sp, Some(user_id)))
            .unwrap_or_default();
        let missing: Vec<&String> = values
            .iter()
            .filter(|v| !consented.contains(&v.to_ascii_lowercase()))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let is_admin = self.user(user_id).is_some_and(User::is_consent_admin);
        let admin_only = missing.iter().any(|v| {
            resource
                .scope(v)
                .is_some_and(|s| s.kind.eq_ignore_ascii_case("Admin"))
        });
        if !is_admin && admin_only {
            return Err(AadError::new(
                "access_denied",
                90094,
                format!(
                    "The grant requires admin permission. {} needs permission to access \
                     resources in your organization that only an admin can grant. Please ask an \
                     admin to grant permission to this app before you can use it.",
                    client.display_name
                ),
            ));
        }
        if !record {
            return Err(AadError::new(
                "invalid_grant",
                65001,
                format!(
                    "The user or administrator has not consented to use the application with ID \
                     '{}' named '{}'. Send an interactive authorization request for this user \
                     and resource.",
                    client.app_id, client.display_name
                ),
            ));
        }
        let client_sp = match client_sp {
            Some(id) => id,
            None => match self.create_service_principal(tenant_id, &client.app_id) {
                Some(id) => id,
                None => return Ok(()),
            },
        };
        let missing: Vec<String> = missing.into_iter().cloned().collect();
        if let Some(grant) = self.oauth2_permission_grants.iter_mut().find(|g| {
            g.client_id == client_sp
                && g.resource_id == resource_sp
                && g.consent_type == "Principal"
                && g.principal_id.as_deref() == Some(user_id)
        }) {
            let mut scope: Vec<String> = grant.scopes().map(str::to_string).collect();
            scope.extend(missing);
            grant.scope = scope.join(" ");
        } else {
            self.oauth2_permission_grants.push(OAuth2PermissionGrant {
                id: random_token(32),
                client_id: client_sp,
                consent_type: "Principal".into(),
                principal_id: Some(user_id.to_string()),
                resource_id: resource_sp.to_string(),
                scope: missing.join(" "),
                tenant_id: tenant_id.to_string(),
            });
        }
        Ok(())
    }

    // ---- authorize ----

    /// `GET /{tenant}/oauth2/v2.0/authorize`. The seeded admin (or the user `login_hint` names)
    /// signs in and approves at once; `knobs.deny_next_authorizations` make the user decline.
    pub fn authorize(
        &mut self,
        tenant_segment: &str,
        params: &[(String, String)],
    ) -> AuthorizeOutcome {
        let tenant_id = match self.request_tenant(tenant_segment, "invalid_tenant") {
            Ok(t) => t,
            Err(e) => return AuthorizeOutcome::Page(e),
        };
        let Some(client_id) = non_empty(params, "client_id") else {
            return AuthorizeOutcome::Page(AadError::missing_parameter("client_id"));
        };
        self.authorize_inner(&tenant_id, client_id, params)
    }

    fn authorize_inner(
        &mut self,
        tenant_id: &str,
        client_id: &str,
        params: &[(String, String)],
    ) -> AuthorizeOutcome {
        let client = match self.request_client(tenant_id, client_id) {
            Ok(c) => c,
            Err(e) => return AuthorizeOutcome::Page(e),
        };
        // The redirect URI first: until it is known good, errors stay on Entra's page. (Entra
        // would use the first registered one when none is sent; ado-scm and the runner always
        // send one.)
        let Some(uri) = non_empty(params, "redirect_uri") else {
            return AuthorizeOutcome::Page(AadError::missing_parameter("redirect_uri"));
        };
        let Some((redirect, kind)) = Url::parse(uri)
            .ok()
            .and_then(|u| match_redirect(&client, &u).map(|k| (u, k)))
        else {
            return AuthorizeOutcome::Page(AadError::new(
                "invalid_request",
                50011,
                format!(
                    "The redirect URI '{uri}' specified in the request does not match the \
                     redirect URIs configured for the application '{}'. Make sure the redirect \
                     URI sent in the request matches one added to your application in the Azure \
                     portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more \
                     about how to fix this.",
                    client.app_id
                ),
            ));
        };
        // ado-scm asks for `response_mode=query` (or none, the same for a code): Entra's
        // `fragment` and `form_post` are not served here.
        if let Some(other) = param(params, "response_mode").filter(|m| *m != "query") {
            let err = AadError::new(
                "invalid_request",
                900131,
                format!("The response_mode '{other}' is not supported by the sandbox."),
            );
            return self.error_redirect(&redirect, params, &err);
        }
        let fail = |this: &Self, err: AadError| this.error_redirect(&redirect, params, &err);

        // ado-scm and the runner use the authorization code flow only.
        match non_empty(params, "response_type") {
            Some("code") => {}
            None => return fail(self, AadError::missing_parameter("response_type")),
            Some(other) => {
                let message =
                    format!("response_type '{other}' is not enabled for the application.");
                return fail(
                    self,
                    AadError::new("unsupported_response_type", 700054, message),
                );
            }
        }
        let Some(raw_scope) = non_empty(params, "scope") else {
            return fail(self, AadError::missing_parameter("scope"));
        };
        let scopes = match self.parse_scopes(tenant_id, raw_scope) {
            Ok(s) => s,
            Err(e) => return fail(self, e),
        };

        // PKCE: S256 or plain as RFC 7636 allows; required of public clients (they cannot keep a
        // secret, so the verifier is what binds the code to them).
        let public = client.public_only || kind != RedirectKind::Web;
        let challenge = non_empty(params, "code_challenge");
        let method = match (challenge, param(params, "code_challenge_method")) {
            (None, _) => None,
            (Some(_), None) => Some("plain".to_string()),
            (Some(_), Some(m)) if m == "S256" || m == "plain" => Some(m.to_string()),
            (Some(_), Some(m)) => {
                let err = AadError::new(
                    "invalid_request",
                    501491,
                    format!("Invalid code_challenge_method '{m}': use S256."),
                );
                return fail(self, err);
            }
        };
        if public && challenge.is_none() {
            let err = AadError::new(
                "invalid_request",
                9002325,
                "Proof Key for Code Exchange is required for cross-origin authorization code \
                 redemption.",
            );
            return fail(self, err);
        }
        if method.as_deref() == Some("S256") && challenge.is_some_and(|c| c.len() != 43) {
            let err = AadError::new(
                "invalid_request",
                501491,
                "Invalid size of Code_Challenge parameter.",
            );
            return fail(self, err);
        }

        // Sign-in: the seeded admin unless the request names another user of the tenant.
        let hinted = param(params, "login_hint");
        let user = hinted
            .and_then(|upn| self.user_by_upn(tenant_id, upn))
            .or_else(|| self.user_by_upn(tenant_id, seed::ENTRA_ADMIN_USER))
            .or_else(|| self.users.iter().find(|u| u.tenant_id == tenant_id))
            .cloned();
        let Some(user) = user else {
            let err = AadError::new(
                "access_denied",
                50034,
                "The user account does not exist in the directory.",
            );
            return fail(self, err);
        };

        if self.knobs.deny_next_authorizations > 0 {
            self.knobs.deny_next_authorizations -= 1;
            let err = AadError::new(
                "access_denied",
                65004,
                "User declined to consent to access the app.",
            );
            return fail(self, err);
        }

        let resource = match self.scopes_resource(tenant_id, &scopes) {
            Ok(r) => r,
            Err(e) => return fail(self, e),
        };
        // The user consents to what is missing, if they may; Entra shows "Need admin approval"
        // on its own page, no redirect.
        let values = scopes.values.clone();
        if let Err(err) =
            self.ensure_consent(tenant_id, &client, &user.id, &resource, &values, true)
        {
            return AuthorizeOutcome::Page(err);
        }

        let code = format!("1.A{}", random_token(96));
        self.secrets.codes.insert(
            sha256_hex(&code),
            AuthCode {
                tenant_id: tenant_id.to_string(),
                client_id: client.app_id.clone(),
                redirect_uri: redirect.to_string(),
                public_redirect: public,
                user_id: user.id.clone(),
                scope: raw_scope.to_string(),
                code_challenge: challenge.map(str::to_string),
                code_challenge_method: method,
                nonce: param(params, "nonce").map(str::to_string),
                expires: self.now() + Duration::seconds(AUTH_CODE_LIFETIME_SECS),
                redeemed: false,
            },
        );
        let mut fields = vec![("code".to_string(), code)];
        if let Some(state) = param(params, "state") {
            fields.push(("state".into(), state.to_string()));
        }
        fields.push(("session_state".into(), new_guid()));
        respond(&redirect, fields)
    }

    fn error_redirect(
        &self,
        redirect: &Url,
        params: &[(String, String)],
        err: &AadError,
    ) -> AuthorizeOutcome {
        let now = self.now();
        let description =
            description_with_trace(err, &new_guid(), &new_guid(), &entra_timestamp(now));
        let mut fields = vec![
            ("error".to_string(), err.error.to_string()),
            ("error_description".to_string(), description),
        ];
        if let Some(state) = param(params, "state") {
            fields.push(("state".into(), state.to_string()));
        }
        respond(redirect, fields)
    }

    // ---- token ----

    /// `POST /{tenant}/oauth2/v2.0/token`: the JSON of a successful answer, or the error.
    /// `basic`: client id and secret from an HTTP Basic `Authorization` header.
    pub fn token(
        &mut self,
        tenant_segment: &str,
        params: &[(String, String)],
        basic: Option<(String, String)>,
    ) -> Result<Value, AadError> {
        self.token_inner(tenant_segment, params, basic)
            .map(|(response, _)| response)
    }

    pub(super) fn token_grant(
        &mut self,
        tenant_segment: &str,
        params: &[(String, String)],
        basic: Option<(String, String)>,
    ) -> Result<TokenGrant, AadError> {
        let (response, user_id) = self.token_inner(tenant_segment, params, basic)?;
        let text = |k: &str| response.get(k).and_then(Value::as_str).map(str::to_string);
        Ok(TokenGrant {
            user_id: user_id.unwrap_or_default(),
            access_token: text("access_token").unwrap_or_default(),
            refresh_token: text("refresh_token"),
            id_token: text("id_token"),
            scope: text("scope").unwrap_or_default(),
            expires_in: response
                .get("expires_in")
                .and_then(Value::as_i64)
                .unwrap_or_default(),
        })
    }

    fn token_inner(
        &mut self,
        tenant_segment: &str,
        params: &[(String, String)],
        basic: Option<(String, String)>,
    ) -> Result<(Value, Option<String>), AadError> {
        let tenant_id = self.request_tenant(tenant_segment, "invalid_request")?;
        let grant_type = non_empty(params, "grant_type")
            .ok_or_else(|| AadError::missing_parameter("grant_type"))?
            .to_string();
        if param(params, "client_assertion").is_some() {
            return Err(AadError::new(
                "invalid_client",
                7000215,
                "The sandbox accepts client secrets only (no client_assertion).",
            ));
        }
        let body_id = non_empty(params, "client_id");
        let (client_id, secret) = match &basic {
            Some((id, secret)) => {
                if body_id.is_some_and(|b| b != id) {
                    return Err(AadError::new(
                        "invalid_request",
                        9002313,
                        "Invalid request. Request is malformed or invalid. (client_id in the body \
                         differs from the one in the Authorization header.)",
                    ));
                }
                (id.clone(), Some(secret.clone()))
            }
            None => {
                let id = body_id.ok_or_else(|| AadError::missing_parameter("client_id"))?;
                (
                    id.to_string(),
                    param(params, "client_secret").map(str::to_string),
                )
            }
        };
        let client = self.request_client(&tenant_id, &client_id)?;
        let ctx = GrantContext {
            tenant_id: &tenant_id,
            client: &client,
            secret: secret.as_deref(),
        };
        match grant_type.as_str() {
            "authorization_code" => self.grant_authorization_code(&ctx, params),
            "refresh_token" => self.grant_refresh_token(&ctx, params),
            "client_credentials" => self.grant_client_credentials(&ctx, params),
            "urn:ietf:params:oauth:grant-type:device_code" | "device_code" => {
                self.grant_device_code(&ctx, params)
            }
            other => Err(AadError::new(
                "unsupported_grant_type",
                70003,
                format!("The app requested an unsupported grant type '{other}'."),
            )),
        }
    }

    fn grant_authorization_code(
        &mut self,
        ctx: &GrantContext<'_>,
        params: &[(String, String)],
    ) -> Result<(Value, Option<String>), AadError> {
        let code = non_empty(params, "code").ok_or_else(|| AadError::missing_parameter("code"))?;
        let key = sha256_hex(code);
        let found = self.secrets.codes.get(&key).cloned();
        let public = ctx.client.public_only || found.as_ref().is_some_and(|c| c.public_redirect);
        self.authenticate_client(ctx.tenant_id, ctx.client, ctx.secret, public)?;
        let rec = found.ok_or_else(malformed_grant)?;
        if rec.tenant_id != ctx.tenant_id {
            return Err(AadError::new(
                "invalid_grant",
                700005,
                "Provided Authorization Code is intended to use against other tenant, thus \
                 rejected.",
            ));
        }
        if !rec.client_id.eq_ignore_ascii_case(&ctx.client.app_id) {
            return Err(AadError {
                codes: vec![70002, 70000],
                ..AadError::new(
                    "invalid_grant",
                    70002,
                    "Error validating credentials. AADSTS70000: The provided access grant is \
                     invalid or malformed (the code was issued to another client).",
                )
            });
        }
        if rec.redeemed {
            return Err(AadError::new(
                "invalid_grant",
                54005,
                "OAuth2 Authorization code was already redeemed, please retry with a new valid \
                 code or use an existing refresh token.",
            ));
        }
        if rec.expires <= self.now() {
            return Err(AadError::new(
                "invalid_grant",
                70008,
                "The provided authorization code or refresh token has expired due to inactivity. \
                 Send a new interactive authorization request for this user and resource.",
            ));
        }
        let redirect = non_empty(params, "redirect_uri")
            .ok_or_else(|| AadError::missing_parameter("redirect_uri"))?;
        if normalise_uri(redirect) != rec.redirect_uri {
            return Err(AadError {
                codes: vec![70002, 70000],
                ..AadError::new(
                    "invalid_grant",
                    70002,
                    "Error validating credentials. AADSTS70000: The provided access grant is \
                     invalid or malformed (redirect_uri differs from the authorization request).",
                )
            });
        }
        if let Some(challenge) = &rec.code_challenge {
            let verifier = param(params, "code_verifier").unwrap_or_default();
            let computed = match rec.code_challenge_method.as_deref() {
                Some("S256") => pkce_s256(verifier),
                _ => verifier.to_string(),
            };
            if verifier.is_empty() || &computed != challenge {
                return Err(AadError::new(
                    "invalid_grant",
                    501481,
                    "The Code_Verifier does not match the code_challenge supplied in the \
                     authorization request.",
                ));
            }
        }
        // Single use, whatever happens next.
        if let Some(stored) = self.secrets.codes.get_mut(&key) {
            stored.redeemed = true;
        }
        let raw_scope = non_empty(params, "scope").unwrap_or(&rec.scope).to_string();
        self.delegated_issue(ctx, &rec.user_id, &raw_scope, rec.nonce.clone(), public)
    }

    /// Issues tokens for a user-delegated grant (code, refresh, device code).
    fn delegated_issue(
        &mut self,
        ctx: &GrantContext<'_>,
        user_id: &str,
        raw_scope: &str,
        nonce: Option<String>,
        public: bool,
    ) -> Result<(Value, Option<String>), AadError> {
        let scopes = self.parse_scopes(ctx.tenant_id, raw_scope)?;
        let resource = self.scopes_resource(ctx.tenant_id, &scopes)?;
        let values = scopes.values.clone();
        self.ensure_consent(
            ctx.tenant_id,
            ctx.client,
            user_id,
            &resource,
            &values,
            false,
        )?;
        let refresh = scopes.has("offline_access");
        let response = self.issue(Issue {
            tenant_id: ctx.tenant_id,
            client: ctx.client,
            user_id: Some(user_id),
            resource: &resource,
            values,
            oidc: scopes.oidc.clone(),
            nonce,
            public,
            refresh,
        });
        if refresh {
            // Remember what the refresh token may be redeemed for.
            if let Some(rt) = response.get("refresh_token").and_then(Value::as_str) {
                if let Some(stored) = self.secrets.refresh_tokens.get_mut(&sha256_hex(rt)) {
                    stored.scope = raw_scope.to_string();
                }
            }
        }
        Ok((response, Some(user_id.to_string())))
    }

    fn grant_refresh_token(
        &mut self,
        ctx: &GrantContext<'_>,
        params: &[(String, String)],
    ) -> Result<(Value, Option<String>), AadError> {
        let token = non_empty(params, "refresh_token")
            .ok_or_else(|| AadError::missing_parameter("refresh_token"))?;
        let key = sha256_hex(token);
        let found = self.secrets.refresh_tokens.get(&key).cloned();
        let public = ctx.client.public_only || found.as_ref().is_some_and(|r| r.public);
        self.authenticate_client(ctx.tenant_id, ctx.client, ctx.secret, public)?;
        let rec = found.ok_or_else(malformed_grant)?;
        if !rec.client_id.eq_ignore_ascii_case(&ctx.client.app_id) || rec.tenant_id != ctx.tenant_id
        {
            return Err(AadError::new(
                "invalid_grant",
                70000,
                "The provided value for the 'refresh_token' is not valid for this client.",
            ));
        }
        if rec.revoked {
            // Entra keeps rotated refresh tokens usable for a while; the sandbox revokes them at
            // once so that a client that forgets to store the new one fails in tests.
            return Err(AadError::new(
                "invalid_grant",
                50173,
                "The provided grant has expired due to it being revoked, a fresh auth token is \
                 needed. (The sandbox revokes a refresh token as soon as it has been used.)",
            ));
        }
        if rec.expires <= self.now() {
            return Err(AadError::new(
                "invalid_grant",
                700082,
                "The refresh token has expired due to inactivity.",
            ));
        }
        let raw_scope = non_empty(params, "scope").unwrap_or(&rec.scope).to_string();
        // Refreshing always keeps offline access: a new refresh token replaces the old one.
        let raw_scope = if raw_scope
            .split_whitespace()
            .any(|s| s.eq_ignore_ascii_case("offline_access"))
        {
            raw_scope
        } else {
            format!("{raw_scope} offline_access")
        };
        let result = self.delegated_issue(ctx, &rec.user_id, &raw_scope, None, public)?;
        if let Some(stored) = self.secrets.refresh_tokens.get_mut(&key) {
            stored.revoked = true;
        }
        Ok(result)
    }

    fn grant_client_credentials(
        &mut self,
        ctx: &GrantContext<'_>,
        params: &[(String, String)],
    ) -> Result<(Value, Option<String>), AadError> {
        self.refuse_new_app(ctx.tenant_id, &ctx.client.app_id)?;
        self.authenticate_client(ctx.tenant_id, ctx.client, ctx.secret, false)?;
        let raw = non_empty(params, "scope").ok_or_else(|| AadError::missing_parameter("scope"))?;
        let tokens: Vec<&str> = raw.split_whitespace().collect();
        let identifier = match tokens.as_slice() {
            [single] => single.strip_suffix("/.default"),
            _ => None,
        };
        let Some(identifier) = identifier else {
            return Err(AadError::new(
                "invalid_scope",
                1002012,
                format!(
                    "The provided value for scope {raw} is not valid. Client credential flows \
                     must have a scope value with /.default suffixed to the resource identifier \
                     (application ID URI)."
                ),
            ));
        };
        let resource = self
            .resource_for(ctx.tenant_id, identifier)
            .map(|sp| sp.id.clone())
            .ok_or_else(|| {
                AadError::new(
                    "invalid_resource",
                    500011,
                    format!(
                        "The resource principal named {identifier} was not found in the tenant \
                         named {}. This can happen if the application has not been installed by \
                         the administrator of the tenant or consented to by any user in the \
                         tenant. You might have sent your authentication request to the wrong \
                         tenant.",
                        ctx.tenant_id
                    ),
                )
            })?;
        let response = self.issue(Issue {
            tenant_id: ctx.tenant_id,
            client: ctx.client,
            user_id: None,
            resource: &resource,
            values: Vec::new(),
            oidc: Vec::new(),
            nonce: None,
            public: false,
            refresh: false,
        });
        Ok((response, None))
    }

    fn grant_device_code(
        &mut self,
        ctx: &GrantContext<'_>,
        params: &[(String, String)],
    ) -> Result<(Value, Option<String>), AadError> {
        let code = non_empty(params, "device_code")
            .or_else(|| non_empty(params, "code"))
            .ok_or_else(|| AadError::missing_parameter("device_code"))?;
        let public = ctx.client.public_only;
        self.authenticate_client(ctx.tenant_id, ctx.client, ctx.secret, public)?;
        let key = sha256_hex(code);
        let now = self.now();
        let index = self
            .device_authorizations
            .iter()
            .position(|d| d.device_code_sha256 == key)
            .ok_or_else(|| {
                AadError::new(
                    "invalid_grant",
                    70000,
                    "The provided value for the input parameter 'device_code' is not valid.",
                )
            })?;
        let device = &mut self.device_authorizations[index];
        if !device.client_id.eq_ignore_ascii_case(&ctx.client.app_id) {
            return Err(AadError::new(
                "invalid_grant",
                70000,
                "The provided value for the input parameter 'device_code' is not valid for this \
                 client.",
            ));
        }
        let too_soon = device
            .last_poll
            .is_some_and(|last| now - last < Duration::seconds(device.interval_secs as i64));
        device.last_poll = Some(now);
        if device.expires <= now && device.status != DeviceStatus::Redeemed {
            return Err(AadError::new(
                "expired_token",
                70019,
                "Verification code expired.",
            ));
        }
        match device.status {
            DeviceStatus::Redeemed => {
                return Err(AadError::new(
                    "invalid_grant",
                    54005,
                    "The device code was already redeemed.",
                ))
            }
            DeviceStatus::Declined => {
                // The AADSTS number is not documented; clients match on `error`.
                return Err(AadError::new(
                    "authorization_declined",
                    70017,
                    "The end user denied the authorization request.",
                ));
            }
            DeviceStatus::BlockedByConditionalAccess => {
                return Err(AadError::new(
                    "invalid_grant",
                    53003,
                    "Access has been blocked by Conditional Access policies. The access policy \
                     does not allow token issuance.",
                ));
            }
            DeviceStatus::Pending if too_soon => {
                // RFC 8628 §3.5: the client must add 5 s to its interval. Entra documents only
                // authorization_pending; the code is that of pending.
                return Err(AadError::new(
                    "slow_down",
                    70016,
                    "OAuth 2.0 device flow error. Polling too fast: slow down.",
                ));
            }
            DeviceStatus::Pending => {
                return Err(AadError::new(
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                ));
            }
            DeviceStatus::Approved => {}
        }
        let user_id = device.user_id.clone().unwrap_or_default();
        let scope = device.scope.clone();
        device.status = DeviceStatus::Redeemed;
        self.delegated_issue(ctx, &user_id, &scope, None, public)
    }

    /// Mints the tokens and records the issuance.
    fn issue(&mut self, req: Issue<'_>) -> Value {
        let now = self.now();
        let lifetime = ACCESS_TOKEN_LIFETIME_SECS;
        let exp = now + Duration::seconds(lifetime);
        let Some(resource) = self.service_principal(req.resource).cloned() else {
            return Value::Null;
        };
        let user = req.user_id.and_then(|id| self.user(id)).cloned();
        let graph = resource.app_id == seed::GRAPH_APP_ID;
        let audience = if graph {
            "https://graph.microsoft.com".to_string()
        } else {
            resource.app_id.clone()
        };
        let prefix = if graph {
            "https://graph.microsoft.com/".to_string()
        } else {
            format!("{}/", resource.app_id)
        };

        let mut claims = Map::new();
        claims.insert("aud".into(), json!(audience));
        claims.insert(
            "iss".into(),
            json!(format!("https://sts.windows.net/{}/", req.tenant_id)),
        );
        claims.insert("iat".into(), json!(now.timestamp()));
        claims.insert("nbf".into(), json!(now.timestamp()));
        claims.insert("exp".into(), json!(exp.timestamp()));
        claims.insert("appid".into(), json!(req.client.app_id));
        claims.insert("appidacr".into(), json!(if req.public { "0" } else { "1" }));
        claims.insert("tid".into(), json!(req.tenant_id));
        claims.insert("uti".into(), json!(random_token(16)));
        claims.insert("ver".into(), json!("1.0"));
        match &user {
            Some(user) => {
                claims.insert("idtyp".into(), json!("user"));
                claims.insert("oid".into(), json!(user.id));
                claims.insert(
                    "sub".into(),
                    json!(pairwise_sub(&user.id, &resource.app_id)),
                );
                claims.insert("upn".into(), json!(user.user_principal_name));
                claims.insert("name".into(), json!(user.display_name));
                // Graph tokens also list the OIDC permissions (they are Graph's); not
                // offline_access, which is about the refresh token.
                let mut scp = req.values.clone();
                if graph {
                    scp.extend(
                        req.oidc
                            .iter()
                            .filter(|o| o.as_str() != "offline_access")
                            .cloned(),
                    );
                }
                claims.insert("scp".into(), json!(scp.join(" ")));
            }
            None => {
                let sp_id = self
                    .service_principal_by_app_id(req.tenant_id, &req.client.app_id)
                    .map(|sp| sp.id.clone())
                    .unwrap_or_default();
                claims.insert("idtyp".into(), json!("app"));
                claims.insert("oid".into(), json!(sp_id));
                claims.insert("sub".into(), json!(sp_id));
            }
        }
        let access_token = jwt::sign(&Value::Object(claims));
        self.secrets.access_tokens.insert(
            sha256_hex(&access_token),
            AccessTokenInfo {
                tenant_id: req.tenant_id.to_string(),
                client_id: req.client.app_id.clone(),
                user_id: user.as_ref().map(|u| u.id.clone()),
                resource: resource.app_id.clone(),
                scopes: req.values.clone(),
                expires_at: exp,
            },
        );

        let mut response = Map::new();
        response.insert("token_type".into(), json!("Bearer"));
        if user.is_some() {
            let mut scope: Vec<String> =
                req.values.iter().map(|v| format!("{prefix}{v}")).collect();
            for oidc in OIDC_SCOPES {
                if req.oidc.iter().any(|o| o == oidc) {
                    scope.push(oidc.to_string());
                }
            }
            response.insert("scope".into(), json!(scope.join(" ")));
        }
        response.insert("expires_in".into(), json!(lifetime));
        response.insert("ext_expires_in".into(), json!(lifetime));
        response.insert("access_token".into(), json!(access_token));

        if let Some(user) = &user {
            if req.refresh {
                let refresh = format!("1.AR{}", random_token(96));
                self.secrets.refresh_tokens.insert(
                    sha256_hex(&refresh),
                    RefreshToken {
                        tenant_id: req.tenant_id.to_string(),
                        client_id: req.client.app_id.clone(),
                        user_id: user.id.clone(),
                        scope: String::new(),
                        public: req.public,
                        expires: now + Duration::days(90),
                        revoked: false,
                    },
                );
                response.insert("refresh_token".into(), json!(refresh));
            }
            if req.oidc.iter().any(|o| o == "openid") {
                let mut id = Map::new();
                id.insert("aud".into(), json!(req.client.app_id));
                id.insert("iss".into(), json!(self.issuer(req.tenant_id)));
                id.insert("iat".into(), json!(now.timestamp()));
                id.insert("nbf".into(), json!(now.timestamp()));
                id.insert("exp".into(), json!(exp.timestamp()));
                id.insert(
                    "sub".into(),
                    json!(pairwise_sub(&user.id, &req.client.app_id)),
                );
                id.insert("tid".into(), json!(req.tenant_id));
                id.insert("ver".into(), json!("2.0"));
                if let Some(nonce) = &req.nonce {
                    id.insert("nonce".into(), json!(nonce));
                }
                // `oid` and `preferred_username` need `profile` (Entra's ID token claims reference).
                if req.oidc.iter().any(|o| o == "profile") {
                    id.insert("oid".into(), json!(user.id));
                    id.insert("preferred_username".into(), json!(user.user_principal_name));
                    id.insert("name".into(), json!(user.display_name));
                }
                if req.oidc.iter().any(|o| o == "email") {
                    if let Some(mail) = &user.mail {
                        id.insert("email".into(), json!(mail));
                    }
                }
                response.insert("id_token".into(), json!(jwt::sign(&Value::Object(id))));
            }
        }

        Value::Object(response)
    }

    // ---- device code ----

    /// `POST /{tenant}/oauth2/v2.0/devicecode`.
    pub fn device_code(
        &mut self,
        tenant_segment: &str,
        params: &[(String, String)],
    ) -> Result<Value, AadError> {
        let tenant_id = self.request_tenant(tenant_segment, "invalid_request")?;
        let client_id = non_empty(params, "client_id")
            .ok_or_else(|| AadError::missing_parameter("client_id"))?;
        let client = self.request_client(&tenant_id, client_id)?;
        let raw_scope =
            non_empty(params, "scope").ok_or_else(|| AadError::missing_parameter("scope"))?;
        self.parse_scopes(&tenant_id, raw_scope)?;

        let device_code = format!("DAQABAAEAAA{}", random_token(96));
        let user_code = new_user_code();
        let now = self.now();
        let lifetime = DEVICE_CODE_LIFETIME_SECS;
        let expires = now + Duration::seconds(lifetime);
        let interval = self.knobs.device_code_interval_secs;
        self.device_authorizations.push(DeviceAuthorization {
            user_code: user_code.clone(),
            tenant_id: tenant_id.clone(),
            client_id: client.app_id.clone(),
            scope: raw_scope.to_string(),
            status: DeviceStatus::Pending,
            user_id: None,
            expires_at: iso(expires),
            interval_secs: interval,
            device_code_sha256: sha256_hex(&device_code),
            expires,
            last_poll: None,
        });
        let verification_uri = format!("{}/devicelogin", self.authority());
        Ok(json!({
            "user_code": user_code,
            "device_code": device_code,
            "verification_uri": verification_uri,
            "expires_in": lifetime,
            "interval": interval,
            "message": format!(
                "To sign in, use a web browser to open the page {verification_uri} and enter the \
                 code {user_code} to authenticate."
            ),
        }))
    }

    /// The device login page: the user (the seeded admin unless `user` names another) enters
    /// `user_code` and approves, or declines with `deny`.
    pub fn device_login(
        &mut self,
        user_code: &str,
        user: Option<&str>,
        deny: bool,
    ) -> DeviceLoginOutcome {
        let wanted: String = user_code
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_uppercase();
        let now = self.now();
        let refused = || {
            DeviceLoginOutcome::Refused(
                "That code didn't work. Check the code and try again.".into(),
            )
        };
        let Some(index) = self
            .device_authorizations
            .iter()
            .position(|d| d.user_code == wanted)
        else {
            return refused();
        };
        let device = self.device_authorizations[index].clone();
        if device.status != DeviceStatus::Pending || device.expires <= now {
            return refused();
        }
        let Some(client) = self.client(&device.tenant_id, &device.client_id) else {
            return refused();
        };
        let signed_in = user
            .and_then(|upn| self.user_by_upn(&device.tenant_id, upn))
            .or_else(|| self.user_by_upn(&device.tenant_id, seed::ENTRA_ADMIN_USER))
            .or_else(|| self.users.iter().find(|u| u.tenant_id == device.tenant_id))
            .cloned();
        let Some(signed_in) = signed_in else {
            return refused();
        };
        if deny {
            let d = &mut self.device_authorizations[index];
            d.status = DeviceStatus::Declined;
            d.user_id = Some(signed_in.id);
            return DeviceLoginOutcome::Declined {
                client: client.display_name,
            };
        }
        if self.knobs.device_code_blocked_by_conditional_access {
            let d = &mut self.device_authorizations[index];
            d.status = DeviceStatus::BlockedByConditionalAccess;
            d.user_id = Some(signed_in.id);
            return DeviceLoginOutcome::Refused(
                "AADSTS53003: Access has been blocked by Conditional Access policies. The access \
                 policy does not allow token issuance."
                    .into(),
            );
        }
        let consent = self
            .parse_scopes(&device.tenant_id, &device.scope)
            .and_then(|scopes| {
                let resource = self.scopes_resource(&device.tenant_id, &scopes)?;
                let values = scopes.values.clone();
                Ok((resource, values))
            })
            .and_then(|(resource, values)| {
                self.ensure_consent(
                    &device.tenant_id,
                    &client,
                    &signed_in.id,
                    &resource,
                    &values,
                    true,
                )
            });
        if let Err(err) = consent {
            return DeviceLoginOutcome::Refused(err.description());
        }
        let d = &mut self.device_authorizations[index];
        d.status = DeviceStatus::Approved;
        d.user_id = Some(signed_in.id);
        DeviceLoginOutcome::Approved {
            client: client.display_name,
            user: signed_in.user_principal_name,
        }
    }
}

/// Who is asking, at the token endpoint.
struct GrantContext<'a> {
    tenant_id: &'a str,
    client: &'a ClientView,
    secret: Option<&'a str>,
}

/// `sub` is pairwise in Entra (differs per app); derive it from the user and the audience.
fn pairwise_sub(user_id: &str, audience: &str) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(format!("{user_id}|{audience}").as_bytes())[..32])
}

fn respond(redirect: &Url, fields: Vec<(String, String)>) -> AuthorizeOutcome {
    let mut url = redirect.clone();
    url.query_pairs_mut().extend_pairs(fields.iter());
    AuthorizeOutcome::Redirect(url.to_string())
}
