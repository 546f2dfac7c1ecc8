//! Microsoft Entra ID, everything ado-scm sends it and reads from it:
//! - here: its error answers (AADSTS codes) in plain words, the tokens it hands out, and the
//!   client-credentials grant (the connection test of `setup` and `test`);
//! - `issuer`: issuer URLs (their forms, normalised) and the tenant's OpenID configuration;
//! - `public_client`: the admin's public client: the authorization code request and its
//!   redemption (PKCE, nonce), and the refresh grant; `device`: the device code grant;
//! - `id_token`: every ID token Entra returns is checked before anything uses it;
//! - `adapter`: the `oauth2` crate's HTTP client over our one [`Http`] client.
//!
//! Receiving a browser sign-in's redirect is not here: that is the loopback listener's job
//! (`src/oauth/`), which sits above this module.
//!
//! Errors are matched on HTTP status, `error` and `error_codes`, never on the description's
//! wording (Microsoft changes it). Every error shown to the user names the AADSTS code and the
//! trace and correlation ids, which admins paste into support requests. Nothing from a request
//! body (secrets, codes, tokens) ever goes into a message: messages are built from our own words
//! and the ids Entra sends back.
//!
//! Exit codes chosen per AADSTS code (see [`AADSTS_TABLE`]):
//! - a credential that was rejected, or a sign-in that did not complete (wrong or expired secret,
//!   code or refresh token no longer valid, declined, expired device code, Conditional Access,
//!   MFA, consent refused) → [`ErrorKind::Auth`], exit 3;
//! - something about the tenant or the app registration that has to be fixed first (unknown
//!   tenant or client id, a public/confidential client mismatch, scopes the app cannot ask for,
//!   an unregistered redirect URI, a disabled app) → [`ErrorKind::Check`], exit 4;
//! - input the user typed that cannot be a tenant (AADSTS900023) → [`ErrorKind::Usage`], exit 2;
//! - anything else Entra refuses → [`ErrorKind::Service`], exit 1.

pub mod adapter;
pub mod device;
pub mod id_token;
pub mod issuer;
mod public_client;
#[cfg(test)]
pub(crate) mod test_support;

use std::fmt;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::{Error, ErrorKind, Remote, Result};
use crate::http::{FormValue, Http, Request, Response};
use crate::secret::Secret;

pub use device::{sign_in_device, DeviceCodePrompt, DeviceOptions};
pub use issuer::Discovery;
pub use public_client::{refresh, Authorization, AuthorizeRequest, PublicClient};

/// The service name in messages and logs.
pub const SERVICE: &str = "Microsoft Entra ID";

/// The Azure DevOps resource's `.default` scope (client credentials against Azure DevOps).
pub const ADO_DEFAULT_SCOPE: &str = "499b84ac-1321-427f-aa17-267ca6975798/.default";

/// Microsoft Graph's `.default` scope.
pub const GRAPH_DEFAULT_SCOPE: &str = "https://graph.microsoft.com/.default";

/// Which request Entra answered: some codes mean different things to the user depending on it
/// (Conditional Access blocking a device code sign-in suggests the browser; blocking a browser
/// sign-in does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Fetching the tenant's OpenID configuration.
    Discovery,
    /// The client-credentials grant (connection test).
    ClientCredentials,
    /// Browser sign-in: the authorize redirect or the code redemption.
    Browser,
    /// Device code sign-in.
    DeviceCode,
    /// Redeeming a refresh token.
    Refresh,
}

impl Flow {
    /// What failed, as the start of a message.
    pub fn what(self) -> &'static str {
        match self {
            Flow::Discovery => "fetching the tenant's OpenID configuration",
            Flow::ClientCredentials => "signing in with the app's client secret",
            Flow::Browser => "Microsoft sign-in",
            Flow::DeviceCode => "Microsoft sign-in with a device code",
            Flow::Refresh => "renewing the Microsoft sign-in",
        }
    }
}

/// An error answer of Entra ID's token, device code or discovery endpoints (or of its authorize
/// redirect, which carries only `error` and `error_description`).
#[derive(Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct EntraError {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub error_codes: Vec<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_uri: Option<String>,
    /// The HTTP status it came with (0 for an authorize redirect).
    #[serde(skip)]
    pub status: u16,
}

impl fmt::Debug for EntraError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntraError")
            .field("status", &self.status)
            .field("error", &self.error)
            .field("code", &self.code())
            .field("trace_id", &self.trace_id())
            .field("correlation_id", &self.correlation_id())
            .finish()
    }
}

impl fmt::Display for EntraError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code() {
            Some(code) => write!(f, "{} (AADSTS{code})", self.error),
            None => f.write_str(&self.error),
        }
    }
}

impl std::error::Error for EntraError {}

impl EntraError {
    /// Reads an error answer; `None` when the body is not Entra's error JSON (an HTML error page
    /// of a proxy, an empty body).
    pub fn parse(status: u16, body: &[u8]) -> Option<EntraError> {
        let mut err: EntraError = serde_json::from_slice(body).ok()?;
        if err.error.is_empty() {
            return None;
        }
        err.status = status;
        Some(err)
    }

    /// From the query of the authorize redirect (`?error=…&error_description=…`).
    pub fn from_redirect(error: &str, description: Option<&str>) -> EntraError {
        EntraError {
            error: error.to_string(),
            error_description: description.map(str::to_string),
            ..EntraError::default()
        }
    }

    /// The AADSTS code: the first of `error_codes`, else the `AADSTS<n>` the description starts
    /// with (redirect errors carry no `error_codes`).
    pub fn code(&self) -> Option<u64> {
        if let Some(code) = self.error_codes.first() {
            return Some(*code);
        }
        let description = self.error_description.as_deref()?;
        let start = description.find("AADSTS")? + "AADSTS".len();
        let digits: String = description[start..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    }

    pub fn trace_id(&self) -> Option<String> {
        self.trace_id
            .clone()
            .or_else(|| self.description_field("Trace ID:"))
    }

    pub fn correlation_id(&self) -> Option<String> {
        self.correlation_id
            .clone()
            .or_else(|| self.description_field("Correlation ID:"))
    }

    pub fn timestamp(&self) -> Option<String> {
        self.timestamp
            .clone()
            .or_else(|| self.description_field("Timestamp:"))
    }

    /// `Trace ID: …` and friends at the end of the description.
    fn description_field(&self, label: &str) -> Option<String> {
        let description = self.error_description.as_deref()?;
        let start = description.find(label)? + label.len();
        let value: String = description[start..]
            .trim_start()
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        (!value.is_empty()).then_some(value)
    }

    /// The description's first line ("AADSTS7000215: Invalid client secret provided. …"),
    /// without the trace/correlation/timestamp lines.
    fn description_head(&self) -> Option<String> {
        let description = self.error_description.as_deref()?;
        let head = description.lines().next()?.trim();
        (!head.is_empty()).then(|| head.chars().take(300).collect())
    }

    /// `AADSTS7000215, trace ID …, correlation ID …, at …`: what an admin pastes into a support
    /// request.
    pub fn ids(&self) -> String {
        let mut parts = Vec::new();
        parts.push(match self.code() {
            Some(code) => format!("AADSTS{code}"),
            None => format!("error `{}`", self.error),
        });
        parts.push(format!(
            "trace ID {}",
            self.trace_id().unwrap_or_else(|| "(none given)".into())
        ));
        parts.push(format!(
            "correlation ID {}",
            self.correlation_id()
                .unwrap_or_else(|| "(none given)".into())
        ));
        if let Some(at) = self.timestamp() {
            parts.push(format!("at {at}"));
        }
        parts.join(", ")
    }

    /// What the error means in plain words, with the exit code ado-scm uses for it.
    pub fn meaning(&self, flow: Flow) -> Meaning {
        explain(self.code(), &self.error, flow)
    }

    /// The error to show: `<what failed>: <plain words> (AADSTS<code>)`, the ids as a cause
    /// line, and a hint when there is a fix.
    pub fn to_error(&self, flow: Flow) -> Error {
        let meaning = self.meaning(flow);
        let tag = match self.code() {
            Some(code) => format!("AADSTS{code}"),
            None => self.error.clone(),
        };
        let mut err = Error::new(
            meaning.kind,
            format!("{} failed: {} ({tag})", flow.what(), meaning.plain),
        )
        .caused_by(format!("{SERVICE}: {}", self.ids()));
        if !meaning.known {
            if let Some(head) = self.description_head() {
                err = err.caused_by(head);
            }
        }
        if let Some(hint) = meaning.hint {
            err = err.with_hint(hint);
        }
        err.with_remote(Remote {
            service: SERVICE,
            status: (self.status != 0).then_some(self.status),
            code: Some(self.error.clone()),
            aadsts: self.code(),
        })
    }
}

/// An error's meaning: plain words, the kind (hence the exit code), a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meaning {
    pub plain: &'static str,
    pub kind: ErrorKind,
    pub hint: Option<&'static str>,
    /// Found by its AADSTS code (the description then adds nothing).
    pub known: bool,
}

/// One row of the AADSTS table: code, the `error` Entra sends with it, the kind, plain words,
/// a hint.
pub type AadstsRow = (
    u64,
    &'static str,
    ErrorKind,
    &'static str,
    Option<&'static str>,
);

const HINT_SIGN_IN_AGAIN: Option<&str> = Some("sign in again");
const HINT_ROTATE: Option<&str> =
    Some("create a new secret with `ado-scm setup --rotate-secret`, or pass the current one");

/// The AADSTS codes ado-scm knows, from Microsoft's list of Entra error codes
/// (<https://learn.microsoft.com/entra/identity-platform/reference-error-codes>) and what users
/// commonly meet. Conditional Access (53003, 50005) is explained by [`explain`] per flow.
pub const AADSTS_TABLE: &[AadstsRow] = &[
    (
        90002,
        "invalid_tenant",
        ErrorKind::Check,
        "the tenant was not found",
        Some("check the tenant GUID or domain (--tenant, --issuer-url)"),
    ),
    (
        900023,
        "invalid_request",
        ErrorKind::Usage,
        "the tenant is not a valid tenant GUID or domain name",
        Some("give the tenant as a GUID or a domain such as contoso.onmicrosoft.com"),
    ),
    (
        7000215,
        "invalid_client",
        ErrorKind::Auth,
        "the client secret is wrong",
        Some("pass the secret's value (not its ID); a secret created moments ago can take a minute to be accepted"),
    ),
    (
        7000222,
        "invalid_client",
        ErrorKind::Auth,
        "the client secret has expired",
        HINT_ROTATE,
    ),
    (
        700016,
        "unauthorized_client",
        ErrorKind::Check,
        "no application with this client ID exists in the tenant",
        Some("check --client-id and the tenant: the app may have been deleted or registered in another tenant"),
    ),
    (
        7000218,
        "invalid_client",
        ErrorKind::Check,
        "the application requires a client secret (public client flows are not allowed for it)",
        Some("in the app registration's Authentication page, set \"Allow public client flows\" to Yes, or use another client"),
    ),
    (
        700025,
        "invalid_client",
        ErrorKind::Check,
        "the application is a public client and must not be sent a client secret",
        Some("use a web (confidential) app registration for the runner's integration"),
    ),
    (
        70011,
        "invalid_scope",
        ErrorKind::Check,
        "a requested scope is not valid for this application",
        None,
    ),
    (
        700022,
        "invalid_scope",
        ErrorKind::Check,
        "the request asked for scopes of more than one resource",
        None,
    ),
    (
        501481,
        "invalid_grant",
        ErrorKind::Auth,
        "the PKCE code verifier did not match the sign-in",
        HINT_SIGN_IN_AGAIN,
    ),
    (
        54005,
        "invalid_grant",
        ErrorKind::Auth,
        "the authorization code was already redeemed",
        HINT_SIGN_IN_AGAIN,
    ),
    (
        70008,
        "invalid_grant",
        ErrorKind::Auth,
        "the authorization code or refresh token has expired",
        HINT_SIGN_IN_AGAIN,
    ),
    (
        70016,
        "authorization_pending",
        ErrorKind::Auth,
        "the sign-in was not completed",
        HINT_SIGN_IN_AGAIN,
    ),
    (
        70017,
        "authorization_declined",
        ErrorKind::Auth,
        "the sign-in was declined",
        HINT_SIGN_IN_AGAIN,
    ),
    (
        70019,
        "expired_token",
        ErrorKind::Auth,
        "the device code expired before the sign-in was completed",
        Some("run the command again and complete the sign-in within the time shown"),
    ),
    (
        65001,
        "invalid_grant",
        ErrorKind::Auth,
        "nobody has consented to the permissions the application asks for",
        Some("sign in interactively to consent, or have an administrator grant consent"),
    ),
    (
        65004,
        "access_denied",
        ErrorKind::Auth,
        "consent to the application's permissions was declined",
        HINT_SIGN_IN_AGAIN,
    ),
    (
        50076,
        "invalid_grant",
        ErrorKind::Auth,
        "multi-factor authentication is required",
        Some("sign in interactively in the browser"),
    ),
    (
        700082,
        "invalid_grant",
        ErrorKind::Auth,
        "the stored sign-in expired after a long time unused",
        HINT_SIGN_IN_AGAIN,
    ),
    (
        50173,
        "invalid_grant",
        ErrorKind::Auth,
        "the stored sign-in is no longer valid (password changed or sessions revoked)",
        HINT_SIGN_IN_AGAIN,
    ),
    (
        50126,
        "invalid_grant",
        ErrorKind::Auth,
        "the user name or password is wrong",
        HINT_SIGN_IN_AGAIN,
    ),
    (
        50020,
        "invalid_request",
        ErrorKind::Auth,
        "the account is not a member of this tenant",
        Some("sign in with an account of the tenant the integration belongs to"),
    ),
    (
        50011,
        "invalid_request",
        ErrorKind::Check,
        "the redirect URI is not registered for the application",
        Some("register http://localhost as a \"Mobile and desktop\" redirect URI, or use --device-code"),
    ),
    (
        90094,
        "invalid_grant",
        ErrorKind::Auth,
        "an administrator has to consent to the application's permissions (users may not consent in this tenant)",
        Some("sign in as an administrator who can grant consent, or ask one to grant it"),
    ),
    (
        50034,
        "invalid_grant",
        ErrorKind::Auth,
        "the account does not exist in this tenant",
        Some("sign in with an account of the tenant the integration belongs to"),
    ),
    (
        500011,
        "invalid_resource",
        ErrorKind::Check,
        "the resource the scope names has no service principal in this tenant",
        Some("for Azure DevOps, check that the organization is connected to this tenant"),
    ),
    (
        500113,
        "invalid_request",
        ErrorKind::Check,
        "no redirect URI is registered for the application",
        None,
    ),
    (
        7000112,
        "unauthorized_client",
        ErrorKind::Check,
        "the application is disabled",
        Some("enable the app in Microsoft Entra ID (Enterprise applications → Properties)"),
    ),
];

/// Conditional Access codes: a policy blocked the sign-in.
pub const CONDITIONAL_ACCESS_CODES: &[u64] = &[53003, 50005];

/// The meaning of an AADSTS code (falling back on the `error` field for unknown codes).
pub fn explain(code: Option<u64>, error: &str, flow: Flow) -> Meaning {
    if let Some(code) = code {
        if CONDITIONAL_ACCESS_CODES.contains(&code) {
            return if flow == Flow::DeviceCode {
                Meaning {
                    plain: "Conditional Access blocks sign-in with a device code here",
                    kind: ErrorKind::Auth,
                    hint: Some("run again without --device-code to sign in in the browser"),
                    known: true,
                }
            } else {
                Meaning {
                    plain: "a Conditional Access policy blocked the sign-in",
                    kind: ErrorKind::Auth,
                    hint: Some("ask a Microsoft Entra administrator which policy applies (give them the IDs below)"),
                    known: true,
                }
            };
        }
        if let Some(row) = AADSTS_TABLE.iter().find(|row| row.0 == code) {
            return Meaning {
                plain: row.3,
                kind: row.2,
                hint: row.4,
                known: true,
            };
        }
    }
    let (plain, kind, hint) = match error {
        "invalid_tenant" => (
            "the tenant was not found",
            ErrorKind::Check,
            Some("check the tenant GUID or domain"),
        ),
        // Without an AADSTS code (a standard OAuth provider, a proxy) this is all there is to
        // go on: for the client-credentials grant, a wrong client ID or secret.
        "invalid_client" => (
            "the application's credentials were rejected",
            ErrorKind::Auth,
            (flow == Flow::ClientCredentials)
                .then_some("check the client ID and the client secret (its value, not its ID)"),
        ),
        "unauthorized_client" => (
            "the application may not sign in this way",
            ErrorKind::Check,
            None,
        ),
        "invalid_grant" => (
            "the sign-in grant was rejected",
            ErrorKind::Auth,
            HINT_SIGN_IN_AGAIN,
        ),
        "invalid_scope" => ("a requested scope is not valid", ErrorKind::Check, None),
        "access_denied" => (
            "access was denied (the sign-in or consent was refused)",
            ErrorKind::Auth,
            HINT_SIGN_IN_AGAIN,
        ),
        "consent_required" | "interaction_required" | "login_required" => (
            "the sign-in needs you in the browser",
            ErrorKind::Auth,
            Some("sign in interactively in the browser"),
        ),
        "authorization_pending" => (
            "the sign-in was not completed",
            ErrorKind::Auth,
            HINT_SIGN_IN_AGAIN,
        ),
        "authorization_declined" => (
            "the sign-in was declined",
            ErrorKind::Auth,
            HINT_SIGN_IN_AGAIN,
        ),
        "expired_token" => (
            "the device code expired before the sign-in was completed",
            ErrorKind::Auth,
            Some("run the command again and complete the sign-in within the time shown"),
        ),
        "temporarily_unavailable" | "server_error" => (
            "Microsoft Entra ID is having trouble",
            ErrorKind::Service,
            Some("try again in a few minutes"),
        ),
        _ => (
            "Microsoft Entra ID refused the request",
            ErrorKind::Service,
            None,
        ),
    };
    Meaning {
        plain,
        kind,
        hint,
        known: false,
    }
}

/// The error for a non-success answer: Entra's error JSON when there is one, else the status.
pub fn error_from_response(response: &Response, flow: Flow) -> Error {
    match EntraError::parse(response.status, &response.body) {
        Some(err) => err.to_error(flow),
        None => error_from_status(response.status, flow),
    }
}

/// A non-success answer without Entra's error JSON (a proxy's page, an empty body).
pub fn error_from_status(status: u16, flow: Flow) -> Error {
    Error::service(format!(
        "{} failed: {SERVICE} answered HTTP {status}",
        flow.what()
    ))
    .with_hint(if status >= 500 {
        "try again in a few minutes"
    } else {
        "check --authority-url (or ADO_SCM_AUTHORITY_URL) and the network's proxy"
    })
}

// ---------------------------------------------------------------------------------------------
// Tokens

/// The claims of a verified ID token that ado-scm uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct IdTokenClaims {
    pub iss: String,
    #[serde(default)]
    pub sub: String,
    /// Entra sends one audience as a string; lists are read too.
    #[serde(deserialize_with = "one_or_many")]
    pub aud: Vec<String>,
    pub exp: i64,
    #[serde(default)]
    pub nbf: Option<i64>,
    #[serde(default)]
    pub iat: Option<i64>,
    #[serde(default)]
    pub nonce: Option<String>,
    /// Tenant id.
    #[serde(default)]
    pub tid: Option<String>,
    /// The user's object id.
    #[serde(default)]
    pub oid: Option<String>,
    #[serde(default)]
    pub preferred_username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

fn one_or_many<'de, D>(deserializer: D) -> std::result::Result<Vec<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(deserializer)? {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
    })
}

/// An ID token whose signature and claims were checked (see `id_token.rs`).
#[derive(Debug, Clone)]
pub struct IdToken {
    /// The compact JWT, for whoever needs to pass it on.
    pub raw: Secret,
    pub claims: IdTokenClaims,
}

/// What a token request returned. `Debug` shows no token: they are all [`Secret`]s.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: Secret,
    /// With `offline_access`. Entra rotates it on every use: store the new one, drop the old.
    pub refresh_token: Option<Secret>,
    /// With `openid`, once verified.
    pub id_token: Option<IdToken>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The scopes granted, when Entra said.
    pub scopes: Vec<String>,
}

impl TokenSet {
    /// A bare access token (given on stdin or in the environment): nothing else is known.
    pub fn from_access_token(access_token: Secret) -> TokenSet {
        TokenSet {
            access_token,
            refresh_token: None,
            id_token: None,
            expires_at: None,
            scopes: Vec::new(),
        }
    }

    /// The signed-in account, from the ID token.
    pub fn username(&self) -> Option<&str> {
        self.id_token
            .as_ref()
            .and_then(|t| t.claims.preferred_username.as_deref())
    }

    /// Still valid for at least `margin` at `now` (unknown expiry counts as valid).
    pub fn is_fresh(&self, now: DateTime<Utc>, margin: Duration) -> bool {
        match self.expires_at {
            Some(at) => at > now + chrono::Duration::from_std(margin).unwrap_or_default(),
            None => true,
        }
    }
}

#[derive(Deserialize)]
struct ClientCredentialsAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    scope: Option<String>,
}

/// The client-credentials grant: proves the app exists in the tenant and the secret is right.
/// `scope` is a resource's `.default` ([`ADO_DEFAULT_SCOPE`], [`GRAPH_DEFAULT_SCOPE`]). The
/// secret goes in the form body (`client_secret`), never in a URL or a log line.
pub fn client_credentials(
    http: &Http,
    token_endpoint: &Url,
    client_id: &str,
    secret: &Secret,
    scope: &str,
) -> Result<TokenSet> {
    let request = Request::new(SERVICE, reqwest::Method::POST, token_endpoint.clone())
        .form(vec![
            (
                "grant_type".into(),
                FormValue::Plain("client_credentials".into()),
            ),
            ("client_id".into(), FormValue::Plain(client_id.into())),
            ("client_secret".into(), FormValue::Secret(secret.clone())),
            ("scope".into(), FormValue::Plain(scope.into())),
        ])
        // Nothing is consumed by this grant: a retry after a timeout or a 5xx is harmless.
        .idempotent(true);
    let response = http.send(&request)?;
    if response.status != 200 {
        return Err(error_from_response(&response, Flow::ClientCredentials));
    }
    let answer: ClientCredentialsAnswer =
        serde_json::from_slice(&response.body).map_err(|err| {
            // serde's message may quote a value: only its position is kept.
            Error::service(format!("{SERVICE} sent a token answer ado-scm cannot read"))
                .caused_by(format!("at line {} column {}", err.line(), err.column()))
        })?;
    let now = http.clock().now();
    Ok(TokenSet {
        access_token: Secret::new(answer.access_token),
        refresh_token: None,
        id_token: None,
        expires_at: answer
            .expires_in
            .map(|s| crate::clock::expires_at(now, Duration::from_secs(s))),
        scopes: answer
            .scope
            .map(|s| s.split_whitespace().map(str::to_string).collect())
            .unwrap_or_else(|| vec![scope.to_string()]),
    })
}

/// How long, and how many times at most, [`client_credentials_new_secret`] tries a new secret.
/// Both bound the loop: the count alone when sleeps are shortened (`ADO_SCM_RETRY_SLEEP_MS=0`
/// in tests), where the window would let it send requests until the wall clock caught up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplicationRetry {
    pub window: Duration,
    pub attempts: u32,
}

/// [`client_credentials`] right after a secret (and maybe its app) was created: Entra can
/// reject a new secret (AADSTS7000215), and a new app (AADSTS700016, "not found in the
/// directory", with `new_app`), for a short while until they have replicated. Retries those
/// answers with back-off (2, 4, 8, … s, at most 15 s apart) while `retry` allows (another
/// attempt, and the wait still inside its window), calling `on_retry` with the wait and the
/// AADSTS code before each retry so that the caller can say so on screen. Any other answer, or
/// the last refusal, is returned as is ([`is_not_replicated`] tells the caller which it was).
#[allow(clippy::too_many_arguments)]
pub fn client_credentials_new_secret(
    http: &Http,
    token_endpoint: &Url,
    client_id: &str,
    secret: &Secret,
    scope: &str,
    new_app: bool,
    retry: ReplicationRetry,
    cancel: &AtomicBool,
    on_retry: &mut dyn FnMut(Duration, u64),
) -> Result<TokenSet> {
    let clock = http.clock().clone();
    let deadline = clock.now() + wait_chrono(retry.window);
    let mut wait = Duration::from_secs(2);
    let mut attempt = 1;
    loop {
        match client_credentials(http, token_endpoint, client_id, secret, scope) {
            Err(err)
                if is_not_replicated(&err, new_app)
                    && attempt < retry.attempts
                    && clock.now() + wait_chrono(wait) <= deadline =>
            {
                on_retry(wait, err.aadsts().unwrap_or_default());
                if clock.sleep_unless(wait, cancel) {
                    return Err(Error::interrupted());
                }
                wait = (wait * 2).min(Duration::from_secs(15));
                attempt += 1;
            }
            other => return other,
        }
    }
}

fn wait_chrono(wait: Duration) -> chrono::Duration {
    chrono::Duration::from_std(wait).unwrap_or_default()
}

/// A new secret Entra does not know yet (AADSTS7000215).
pub const AADSTS_SECRET_UNKNOWN: u64 = 7000215;
/// A new app Entra does not know yet (AADSTS700016).
pub const AADSTS_APP_UNKNOWN: u64 = 700016;

/// Entra refused a client secret it does not know yet (AADSTS7000215), or, for an app made
/// moments ago (`new_app`), the app itself (AADSTS700016): both mean "not replicated yet".
pub fn is_not_replicated(err: &Error, new_app: bool) -> bool {
    match err.aadsts() {
        Some(AADSTS_SECRET_UNKNOWN) => true,
        Some(AADSTS_APP_UNKNOWN) => new_app,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::test_server::{http, Stub, StubServer};

    const MARKER: &str = "MARKER-SECRET-d41d8cd9";

    fn entra_error(error: &str, code: u64) -> serde_json::Value {
        serde_json::json!({
            "error": error,
            "error_description": format!("AADSTS{code}: Something happened.\r\nTrace ID: 11111111-aaaa-bbbb-cccc-000000000001\r\nCorrelation ID: 22222222-aaaa-bbbb-cccc-000000000002\r\nTimestamp: 2025-01-01 00:00:00Z"),
            "error_codes": [code],
            "timestamp": "2025-01-01 00:00:00Z",
            "trace_id": "11111111-aaaa-bbbb-cccc-000000000001",
            "correlation_id": "22222222-aaaa-bbbb-cccc-000000000002",
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        })
    }

    /// Every row of microsoft.md's table: status, `error`, code → plain words and exit code.
    #[test]
    fn each_table_error_is_mapped_to_its_message_and_exit_code() {
        let cases: &[(u16, &str, u64, Flow, &str, i32)] = &[
            (
                400,
                "invalid_tenant",
                90002,
                Flow::Discovery,
                "the tenant was not found",
                4,
            ),
            (
                400,
                "invalid_request",
                90002,
                Flow::ClientCredentials,
                "the tenant was not found",
                4,
            ),
            (
                400,
                "invalid_request",
                900023,
                Flow::Discovery,
                "not a valid tenant GUID or domain",
                2,
            ),
            (
                401,
                "invalid_client",
                7000215,
                Flow::ClientCredentials,
                "the client secret is wrong",
                3,
            ),
            (
                401,
                "invalid_client",
                7000222,
                Flow::ClientCredentials,
                "the client secret has expired",
                3,
            ),
            (
                400,
                "unauthorized_client",
                700016,
                Flow::ClientCredentials,
                "no application with this client ID",
                4,
            ),
            (
                401,
                "invalid_client",
                7000218,
                Flow::DeviceCode,
                "requires a client secret",
                4,
            ),
            (
                400,
                "invalid_client",
                700025,
                Flow::Browser,
                "public client and must not be sent a client secret",
                4,
            ),
            (
                401,
                "invalid_client",
                700025,
                Flow::Browser,
                "public client and must not be sent a client secret",
                4,
            ),
            (
                400,
                "invalid_scope",
                70011,
                Flow::Browser,
                "scope is not valid",
                4,
            ),
            (
                400,
                "invalid_scope",
                700022,
                Flow::Browser,
                "scopes of more than one resource",
                4,
            ),
            (
                400,
                "invalid_grant",
                501481,
                Flow::Browser,
                "PKCE code verifier did not match",
                3,
            ),
            (
                400,
                "invalid_grant",
                54005,
                Flow::Browser,
                "already redeemed",
                3,
            ),
            (400, "invalid_grant", 70008, Flow::Refresh, "has expired", 3),
            (
                400,
                "authorization_pending",
                70016,
                Flow::DeviceCode,
                "not completed",
                3,
            ),
            (
                400,
                "authorization_declined",
                70017,
                Flow::DeviceCode,
                "declined",
                3,
            ),
            (
                400,
                "expired_token",
                70019,
                Flow::DeviceCode,
                "device code expired",
                3,
            ),
            (
                400,
                "invalid_grant",
                53003,
                Flow::DeviceCode,
                "Conditional Access blocks sign-in with a device code",
                3,
            ),
            (
                400,
                "invalid_grant",
                50005,
                Flow::DeviceCode,
                "Conditional Access blocks sign-in with a device code",
                3,
            ),
            (
                400,
                "invalid_grant",
                53003,
                Flow::Browser,
                "Conditional Access policy blocked",
                3,
            ),
        ];
        for &(status, error, code, flow, words, exit) in cases {
            let body = entra_error(error, code).to_string();
            let err = EntraError::parse(status, body.as_bytes()).expect("parses");
            assert_eq!(err.code(), Some(code));
            let shown = err.to_error(flow);
            let text = shown.to_string();
            assert_eq!(shown.exit_code(), exit, "AADSTS{code}: {text}");
            assert!(shown.message.contains(words), "AADSTS{code}: {text}");
            assert!(shown.message.contains(&format!("(AADSTS{code})")), "{text}");
            assert!(
                text.contains("trace ID 11111111-aaaa-bbbb-cccc-000000000001"),
                "{text}"
            );
            assert!(
                text.contains("correlation ID 22222222-aaaa-bbbb-cccc-000000000002"),
                "{text}"
            );
            assert!(!shown.message.contains('\n'), "one line: {}", shown.message);
        }
        // Conditional Access on a device code sign-in suggests the browser.
        let err = EntraError::parse(
            400,
            entra_error("invalid_grant", 53003).to_string().as_bytes(),
        )
        .unwrap()
        .to_error(Flow::DeviceCode);
        assert!(err.hint.unwrap().contains("without --device-code"));
    }

    #[test]
    fn every_table_row_has_words_and_a_deliberate_exit_code() {
        for row in AADSTS_TABLE {
            let meaning = explain(Some(row.0), row.1, Flow::Browser);
            assert!(meaning.known);
            assert!(!meaning.plain.is_empty());
            assert!(matches!(meaning.kind.exit_code(), 2..=4), "AADSTS{}", row.0);
        }
    }

    #[test]
    fn unknown_codes_fall_back_on_the_error_field_and_show_the_description() {
        let body = serde_json::json!({
            "error": "invalid_grant",
            "error_description": "AADSTS9999999: Something new.\r\nTrace ID: t-1\r\nCorrelation ID: c-1\r\nTimestamp: 2025-01-01 00:00:00Z",
            "error_codes": [9999999],
        })
        .to_string();
        let err = EntraError::parse(400, body.as_bytes()).unwrap();
        // trace/correlation ids are read from the description when the fields are missing.
        assert_eq!(err.trace_id().as_deref(), Some("t-1"));
        assert_eq!(err.correlation_id().as_deref(), Some("c-1"));
        let shown = err.to_error(Flow::Refresh);
        assert_eq!(shown.exit_code(), 3);
        let text = shown.to_string();
        assert!(text.contains("AADSTS9999999: Something new."), "{text}");
        assert!(text.contains("trace ID t-1, correlation ID c-1"), "{text}");

        for (error, exit) in [
            ("temporarily_unavailable", 1),
            ("whatever", 1),
            ("invalid_client", 3),
        ] {
            let err = EntraError::from_redirect(error, None).to_error(Flow::Browser);
            assert_eq!(err.exit_code(), exit, "{error}");
            assert!(err.to_string().contains("trace ID (none given)"));
        }

        // A standard provider's wrong client secret: no AADSTS code, still a hint.
        let body =
            br#"{"error":"invalid_client","error_description":"client authentication failed"}"#;
        let err = EntraError::parse(401, body)
            .unwrap()
            .to_error(Flow::ClientCredentials);
        assert_eq!(err.exit_code(), 3);
        assert_eq!(
            err.message,
            "signing in with the app's client secret failed: the application's credentials were rejected (invalid_client)"
        );
        assert!(err.hint.as_deref().unwrap().contains("client secret"));
        assert!(err
            .causes
            .iter()
            .any(|c| c == "client authentication failed"));
    }

    #[test]
    fn redirect_errors_take_the_code_from_the_description() {
        let err = EntraError::from_redirect(
            "access_denied",
            Some("AADSTS65004: User declined to consent to access the app.\r\nTrace ID: abc\r\nCorrelation ID: def\r\nTimestamp: 2025-01-01 00:00:00Z"),
        );
        assert_eq!(err.code(), Some(65004));
        let shown = err.to_error(Flow::Browser);
        assert_eq!(shown.exit_code(), 3);
        assert!(shown.message.contains("consent"), "{}", shown.message);
        assert!(shown
            .to_string()
            .contains("trace ID abc, correlation ID def"));
    }

    #[test]
    fn non_json_answers_name_the_status() {
        assert!(EntraError::parse(502, b"<html>bad gateway</html>").is_none());
        assert!(EntraError::parse(400, b"{}").is_none());
        let err = error_from_status(502, Flow::ClientCredentials);
        assert_eq!(err.exit_code(), 1);
        assert!(err.message.contains("HTTP 502"));
    }

    #[test]
    fn client_credentials_sends_the_secret_in_the_body_and_reads_the_token() {
        let server = StubServer::start(vec![Stub::post("/t1/oauth2/v2.0/token").json(
            serde_json::json!({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": "access-token-1"}),
        )]);
        let (http, _clock) = http();
        let tokens = client_credentials(
            &http,
            &server.url("/t1/oauth2/v2.0/token"),
            "client-1",
            &Secret::new(MARKER),
            ADO_DEFAULT_SCOPE,
        )
        .unwrap();
        assert_eq!(tokens.access_token.expose(), "access-token-1");
        assert_eq!(
            tokens.expires_at.unwrap().to_rfc3339(),
            "2025-01-01T00:59:59+00:00"
        );
        assert!(!format!("{tokens:?}").contains(MARKER));
        let requests = server.finish();
        let form: Vec<(String, String)> = url::form_urlencoded::parse(&requests[0].body)
            .into_owned()
            .collect();
        let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("grant_type"), Some("client_credentials"));
        assert_eq!(get("client_id"), Some("client-1"));
        assert_eq!(get("client_secret"), Some(MARKER));
        assert_eq!(get("scope"), Some(ADO_DEFAULT_SCOPE));
    }

    #[test]
    fn a_throttled_token_request_is_sent_again_at_the_time_entra_names() {
        // Entra's throttling: 429 with `Retry-After`, here as an HTTP date (the fake clock
        // starts at 2025-01-01T00:00:00Z: nine seconds later).
        let path = "/t1/oauth2/v2.0/token";
        let server = StubServer::start(vec![
            Stub::post(path)
                .status(429)
                .header("retry-after", "Wed, 01 Jan 2025 00:00:09 GMT")
                .json(entra_error("temporarily_unavailable", 50196)),
            Stub::post(path).json(serde_json::json!({"expires_in": 60, "access_token": "a"})),
        ]);
        let (http, clock) = http();
        let tokens = client_credentials(
            &http,
            &server.url(path),
            "client-1",
            &Secret::new(MARKER),
            ADO_DEFAULT_SCOPE,
        )
        .unwrap();
        assert_eq!(tokens.access_token.expose(), "a");
        assert_eq!(clock.sleeps(), [Duration::from_secs(9)]);
        assert_eq!(server.finish().len(), 2);
    }

    #[test]
    fn client_credentials_errors_carry_the_ids_and_never_the_secret() {
        let server = StubServer::start(vec![Stub::post("/t1/oauth2/v2.0/token")
            .status(401)
            .json(entra_error("invalid_client", 7000215))]);
        let (http, _clock) = http();
        let err = client_credentials(
            &http,
            &server.url("/t1/oauth2/v2.0/token"),
            "client-1",
            &Secret::new(MARKER),
            ADO_DEFAULT_SCOPE,
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 3);
        let text = format!("{err}\n{err:?}\n{}", err.to_json());
        assert!(text.contains("AADSTS7000215"));
        assert!(!text.contains(MARKER), "{text}");
        server.finish();
    }

    /// A token request Entra refuses because the secret has not replicated yet.
    fn not_replicated_yet() -> Stub {
        Stub::post("/t/token")
            .status(401)
            .json(entra_error("invalid_client", 7000215))
    }

    fn try_new_secret(
        http: &Http,
        server: &StubServer,
        window: Duration,
        attempts: u32,
        on_retry: &mut dyn FnMut(Duration),
    ) -> Result<TokenSet> {
        try_new(http, server, false, window, attempts, &mut |wait, _| {
            on_retry(wait)
        })
    }

    fn try_new(
        http: &Http,
        server: &StubServer,
        new_app: bool,
        window: Duration,
        attempts: u32,
        on_retry: &mut dyn FnMut(Duration, u64),
    ) -> Result<TokenSet> {
        let retry = ReplicationRetry { window, attempts };
        let endpoint = server.url("/t/token");
        let secret = Secret::new("s");
        client_credentials_new_secret(
            http,
            &endpoint,
            "c",
            &secret,
            ADO_DEFAULT_SCOPE,
            new_app,
            retry,
            &AtomicBool::new(false),
            on_retry,
        )
    }

    fn app_not_replicated_yet() -> Stub {
        Stub::post("/t/token")
            .status(400)
            .json(entra_error("unauthorized_client", 700016))
    }

    #[test]
    fn a_new_app_is_retried_while_it_replicates_an_old_one_is_not() {
        let server = StubServer::start(vec![
            app_not_replicated_yet(),
            not_replicated_yet(),
            Stub::post("/t/token").json(serde_json::json!({"access_token": "x", "expires_in": 60})),
        ]);
        let (http, _clock) = http();
        let mut codes = Vec::new();
        let hour = Duration::from_secs(3600);
        try_new(&http, &server, true, hour, 8, &mut |_, code| {
            codes.push(code)
        })
        .unwrap();
        assert_eq!(codes, [AADSTS_APP_UNKNOWN, AADSTS_SECRET_UNKNOWN]);
        server.finish();

        // An app that was not just made and is unknown is a real error, at once.
        let server = StubServer::start(vec![app_not_replicated_yet()]);
        let err = try_new(&http, &server, false, hour, 8, &mut |_, _| {
            panic!("no retry")
        })
        .unwrap_err();
        assert_eq!(err.aadsts(), Some(AADSTS_APP_UNKNOWN));
        assert_eq!(err.status(), Some(400));
        assert_eq!(err.code(), Some("unauthorized_client"));
        server.finish();
    }

    #[test]
    fn a_new_secret_is_retried_while_it_replicates() {
        let server = StubServer::start(vec![
            not_replicated_yet(),
            not_replicated_yet(),
            Stub::post("/t/token").json(serde_json::json!({"access_token": "x", "expires_in": 60})),
        ]);
        let (http, clock) = http();
        let mut waits = Vec::new();
        let tokens = try_new_secret(&http, &server, Duration::from_secs(60), 8, &mut |w| {
            waits.push(w)
        })
        .unwrap();
        assert_eq!(tokens.access_token.expose(), "x");
        assert_eq!(waits, vec![Duration::from_secs(2), Duration::from_secs(4)]);
        assert_eq!(clock.sleeps(), waits);
        server.finish();

        // A window too short for another try gives the error back.
        let server = StubServer::start(vec![not_replicated_yet()]);
        let err = try_new_secret(&http, &server, Duration::from_secs(1), 8, &mut |_| {
            panic!("no retry")
        })
        .unwrap_err();
        assert_eq!(err.exit_code(), 3);
        server.finish();
    }

    /// With `ADO_SCM_RETRY_SLEEP_MS=0` the sleeps take no time and the window hardly moves: the
    /// number of attempts ends the loop (here a window too long to matter stands for that).
    #[test]
    fn a_new_secret_is_tried_a_bounded_number_of_times() {
        let server = StubServer::start(vec![
            not_replicated_yet(),
            not_replicated_yet(),
            not_replicated_yet(),
        ]);
        let (http, _clock) = http();
        let mut retries = 0;
        let day = Duration::from_secs(24 * 3600);
        let err = try_new_secret(&http, &server, day, 3, &mut |_| retries += 1).unwrap_err();
        assert!(is_not_replicated(&err, false), "{err:?}");
        assert_eq!(retries, 2);
        server.finish();
    }
}
