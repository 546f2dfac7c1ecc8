//! The runner's side of a developer's OAuth sign-in (`supportsOauth2.authUrl`).
//!
//! The real pages are not public. What is known: the browser goes to the runner, on to the
//! Entra authorize endpoint of the integration's issuer with the runner's callback as
//! `redirect_uri`, back to the callback with `code` and `state`; the runner redeems the code and
//! stores an OAuth host token for the user, which CheckAuthenticationForHost then reports.
//!
//! Two ways, chosen by the integration's issuer:
//! - the sandbox's own Entra stand-in: the redemption goes through the directory in-process,
//!   under the same rules as its token endpoint (redirect URI, code reuse, client secret);
//! - any other issuer (a real OpenID provider in the real-component suite): what a real runner
//!   does, over HTTP. OIDC discovery at `{authority}/{tenant}/v2.0/.well-known/openid-configuration`,
//!   the browser sent to the discovered `authorization_endpoint`, the code redeemed at the
//!   discovered `token_endpoint` with the integration's client id and its secret (opened with the
//!   runner's private key), sent in the body (`client_secret_post`).
//!
//! Either way each redemption is recorded in `gitpod.oauthRedemptions` (token endpoint, status,
//! hash of the access token obtained), so a test can tell where a host token came from.

use std::time::Duration as StdDuration;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::runners::callback_url;
use super::scm::{parse_issuer, Issuer};
use super::{
    tokens, HostToken, Integration, PendingConsent, Redemption, Subject, PRINCIPAL_USER,
    SOURCE_OAUTH,
};
use crate::html::page;
use crate::seed::ADO_RESOURCE_APP_ID;
use crate::world::directory::TokenGrant;
use crate::world::{hash_secret, lock, SharedWorld, World};

/// How long a started sign-in may take before its `state` is forgotten.
const CONSENT_TTL_MINUTES: i64 = 10;

/// Timeout of each HTTP request to an external issuer (discovery, token).
const HTTP_TIMEOUT: StdDuration = StdDuration::from_secs(15);

/// What the runner asks for: sign-in, a refresh token, and Azure DevOps code read/write, in
/// Entra's resource-qualified form (the real-component provider knows it too).
fn runner_scope() -> String {
    format!("openid offline_access {ADO_RESOURCE_APP_ID}/vso.code_write")
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StartQuery {
    host: String,
    user: String,
}

/// A page `start` answers instead of a redirect: status, title, text.
type Refusal = (StatusCode, &'static str, String);

/// What `start` takes from the world (under the lock) before it may have to go out to the issuer.
struct StartPlan {
    integration_id: String,
    host: String,
    client_id: String,
    issuer: Issuer,
    redirect_uri: String,
    /// The issuer is the sandbox's own Entra stand-in (no discovery, in-process redemption).
    own_issuer: bool,
}

fn plan_start(world: &World, runner_id: &str, query: &StartQuery) -> Result<StartPlan, Refusal> {
    let host = super::normalize_host(&query.host);
    if world.gitpod.runner(runner_id).is_none() {
        return Err((
            StatusCode::NOT_FOUND,
            "Runner not found",
            format!("No runner {runner_id}."),
        ));
    }
    if !world.gitpod.users.iter().any(|u| u.id == query.user) {
        return Err((
            StatusCode::BAD_REQUEST,
            "Unknown user",
            "The sign-in link names no known user.".into(),
        ));
    }
    let Some(integration) = world
        .gitpod
        .integration_for_host(runner_id, &host)
        .filter(|i| i.oauth.is_some())
    else {
        return Err((
            StatusCode::BAD_REQUEST,
            "OAuth not configured",
            format!("The runner has no OAuth integration for {host}."),
        ));
    };
    let oauth = integration.oauth.as_ref().expect("filtered on oauth");
    let Some(Ok(issuer)) = integration.issuer_url.as_deref().map(parse_issuer) else {
        return Err((
            StatusCode::BAD_REQUEST,
            "OAuth not configured",
            "The integration has no usable issuer URL.".into(),
        ));
    };
    Ok(StartPlan {
        integration_id: integration.id.clone(),
        host: integration.host.clone(),
        client_id: oauth.client_id.clone(),
        own_issuer: is_own_issuer(world, &issuer),
        issuer,
        redirect_uri: callback_url(world, runner_id),
    })
}

/// Whether `issuer` is the sandbox's Entra stand-in (same origin as its listener).
fn is_own_issuer(world: &World, issuer: &Issuer) -> bool {
    issuer
        .authority
        .eq_ignore_ascii_case(world.urls.authority.trim_end_matches('/'))
}

/// `GET /runners/{runnerId}/auth/oauth2/start?host=…&user=…` → 302 to the issuer.
pub async fn start(
    State(world): State<SharedWorld>,
    Path(runner_id): Path<String>,
    Query(query): Query<StartQuery>,
) -> Response {
    let plan = match plan_start(&lock(&world), &runner_id, &query) {
        Ok(plan) => plan,
        Err((status, title, body)) => return page(status, title, &[body]),
    };
    let (authorization_endpoint, token_endpoint) = if plan.own_issuer {
        let endpoint = format!(
            "{}/{}/oauth2/v2.0/authorize",
            plan.issuer.authority, plan.issuer.tenant
        );
        (endpoint, None)
    } else {
        match discover(&plan.issuer).await {
            Ok(found) => (found.authorization_endpoint, Some(found.token_endpoint)),
            Err(message) => return page(StatusCode::BAD_GATEWAY, "Sign-in failed", &[message]),
        }
    };
    let state = uuid::Uuid::new_v4().simple().to_string();
    {
        let mut world = lock(&world);
        let now = world.now();
        world
            .gitpod
            .pending_consents
            .retain(|p| now - p.created_at < Duration::minutes(CONSENT_TTL_MINUTES));
        world.gitpod.pending_consents.push(PendingConsent {
            state: state.clone(),
            runner_id: runner_id.clone(),
            integration_id: plan.integration_id,
            host: plan.host,
            user_id: query.user.clone(),
            created_at: now,
            token_endpoint,
        });
    }
    let authorize = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &plan.client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", &plan.redirect_uri)
        .append_pair("response_mode", "query")
        .append_pair("scope", &runner_scope())
        .append_pair("state", &state)
        .finish();
    // A discovered endpoint may carry a query of its own (RFC 6749 3.1): keep it.
    let separator = if authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    let location = format!("{authorization_endpoint}{separator}{authorize}");
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CallbackQuery {
    code: String,
    state: String,
    error: Option<String>,
    error_description: Option<String>,
}

/// What the callback needs to redeem a code at an external issuer, taken under the lock.
struct RemoteRedemption {
    pending: PendingConsent,
    token_endpoint: String,
    client_id: String,
    secret: String,
    redirect_uri: String,
}

/// `GET /runners/{runnerId}/auth/oauth2/callback?code=…&state=…` (or `error=…`).
pub async fn callback(
    State(shared): State<SharedWorld>,
    Path(runner_id): Path<String>,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let remote = {
        let mut world = lock(&shared);
        let now = world.now();
        let Some(index) = world.gitpod.pending_consents.iter().position(|p| {
            p.state == query.state
                && p.runner_id == runner_id
                && now - p.created_at < Duration::minutes(CONSENT_TTL_MINUTES)
        }) else {
            return page(
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                &["Unknown or expired sign-in state. Start the sign-in again."],
            );
        };
        // A state is good for one callback, whatever its outcome.
        let pending = world.gitpod.pending_consents.remove(index);
        if let Some(error) = &query.error {
            let description = query.error_description.clone().unwrap_or_default();
            return page(
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                &[format!("{error}: {description}")],
            );
        }
        if query.code.trim().is_empty() {
            return page(
                StatusCode::BAD_REQUEST,
                "Sign-in failed",
                &["No authorization code."],
            );
        }
        match pending.token_endpoint.clone() {
            // The sandbox's own issuer: everything in-process, under this lock.
            None => return callback_in_process(&mut world, pending, &query.code, now),
            Some(token_endpoint) => match plan_remote(&world, pending, token_endpoint) {
                Ok(remote) => remote,
                Err(message) => return page(StatusCode::BAD_REQUEST, "Sign-in failed", &[message]),
            },
        }
    };

    // An external issuer: the runner, a confidential client, redeems the code over HTTP.
    let (status, answer) = redeem_remote(&remote, &query.code).await;
    let mut world = lock(&shared);
    let now = world.now();
    let RemoteRedemption {
        pending,
        token_endpoint,
        ..
    } = remote;
    finish(
        &mut world,
        pending,
        (token_endpoint, true, status),
        answer,
        now,
    )
}

/// Records a redemption (where, whether over HTTP, the status) and, when it worked, stores the
/// signed-in user's OAuth host token; answers the page the browser shows.
fn finish(
    world: &mut World,
    pending: PendingConsent,
    (token_endpoint, remote, status): (String, bool, Option<u16>),
    answer: Result<TokenGrant, String>,
    now: DateTime<Utc>,
) -> Response {
    world.gitpod.oauth_redemptions.push(Redemption {
        runner_id: pending.runner_id.clone(),
        integration_id: pending.integration_id.clone(),
        user_id: pending.user_id.clone(),
        token_endpoint,
        remote,
        status,
        error: answer.as_ref().err().cloned(),
        access_token_hash: answer.as_ref().ok().map(|g| hash_secret(&g.access_token)),
        at: now,
    });
    match answer {
        Ok(grant) => {
            store_host_token(world, pending, grant, now);
            page(
                StatusCode::OK,
                "Signed in",
                &["The runner can now reach Azure DevOps for you. You can close this tab."],
            )
        }
        Err(message) => page(StatusCode::BAD_REQUEST, "Sign-in failed", &[message]),
    }
}

/// The callback for the sandbox's own issuer: the code redeemed through the directory.
fn callback_in_process(
    world: &mut World,
    pending: PendingConsent,
    code: &str,
    now: DateTime<Utc>,
) -> Response {
    // The runner, a confidential client, redeems the code at the issuer with its secret.
    let redeemed = redeem(world, &pending, code);
    let token_endpoint = world
        .gitpod
        .integration(&pending.integration_id)
        .and_then(|i| i.issuer_url.as_deref())
        .and_then(|url| parse_issuer(url).ok())
        .map(|i| format!("{}/{}/oauth2/v2.0/token", i.authority, i.tenant))
        .unwrap_or_default();
    let status = Some(if redeemed.is_ok() { 200 } else { 400 });
    finish(
        world,
        pending,
        (token_endpoint, false, status),
        redeemed,
        now,
    )
}

/// Stores the OAuth host token of the signed-in Gitpod user.
fn store_host_token(
    world: &mut World,
    pending: PendingConsent,
    grant: TokenGrant,
    now: DateTime<Utc>,
) {
    let token = HostToken {
        id: uuid::Uuid::new_v4().to_string(),
        runner_id: pending.runner_id,
        host: pending.host,
        source: SOURCE_OAUTH.into(),
        token_hash: hash_secret(&grant.access_token),
        token: grant.access_token,
        refresh_token_hash: grant.refresh_token.as_deref().map(hash_secret),
        refresh_token: grant.refresh_token,
        expires_at: Some(now + Duration::seconds(grant.expires_in)),
        integration_id: Some(pending.integration_id),
        scopes: grant.scope.split_whitespace().map(str::to_string).collect(),
        subject: Subject {
            id: pending.user_id,
            principal: PRINCIPAL_USER.into(),
        },
        created_at: now,
    };
    tokens::store(world, token);
}

/// The integration `pending` is for, while it still offers OAuth, and its client id.
fn oauth_integration<'w>(
    world: &'w World,
    pending: &PendingConsent,
) -> Result<(&'w Integration, String), String> {
    let integration = world
        .gitpod
        .integration(&pending.integration_id)
        .filter(|i| i.oauth.is_some())
        .ok_or("The integration no longer offers OAuth.")?;
    let client_id = integration
        .oauth
        .as_ref()
        .map(|o| o.client_id.clone())
        .unwrap_or_default();
    Ok((integration, client_id))
}

/// The integration's client secret opened with the runner's key, and the runner's callback (the
/// redirect URI the code was issued for).
fn opened_secret_and_callback(
    world: &World,
    pending: &PendingConsent,
) -> Result<(String, String), String> {
    let secret = world
        .gitpod
        .open_client_secret(&pending.integration_id)
        .ok_or("The runner cannot decrypt the client secret.")?;
    Ok((secret, callback_url(world, &pending.runner_id)))
}

/// Opens the integration's sealed secret with the runner's key and redeems `code` with it at the
/// directory's token endpoint logic (same rules as `POST /{tenant}/oauth2/v2.0/token`).
fn redeem(world: &mut World, pending: &PendingConsent, code: &str) -> Result<TokenGrant, String> {
    let (integration, client_id) = oauth_integration(world, pending)?;
    let issuer = integration
        .issuer_url
        .as_deref()
        .map(parse_issuer)
        .transpose()?
        .ok_or("The integration has no issuer URL.")?;
    let (secret, redirect_uri) = opened_secret_and_callback(world, pending)?;
    world
        .directory
        .redeem_code_for_runner(&issuer.tenant, &client_id, &secret, code, &redirect_uri)
        .map_err(|e| e.description())
}

/// The client id and the opened secret of the integration, for a redemption over HTTP.
fn plan_remote(
    world: &World,
    pending: PendingConsent,
    token_endpoint: String,
) -> Result<RemoteRedemption, String> {
    let (_, client_id) = oauth_integration(world, &pending)?;
    let (secret, redirect_uri) = opened_secret_and_callback(world, &pending)?;
    Ok(RemoteRedemption {
        pending,
        token_endpoint,
        client_id,
        secret,
        redirect_uri,
    })
}

// ---- HTTP to an external issuer ----

fn http_client() -> Result<reqwest::Client, String> {
    // One per request: sandboxes come and go with their runtimes, a pooled connection must not
    // outlive the runtime that drives it. Token requests never follow redirects.
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(HTTP_TIMEOUT)
        .no_proxy()
        .user_agent(concat!(
            "ado-scm-sandbox-runner/",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {}", error_chain(&e)))
}

/// An error with its causes (`error sending request: connection refused`).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// `error: error_description` of an OAuth error body, if it is one.
fn oauth_error(body: &Value) -> Option<String> {
    let error = body.get("error")?.as_str()?;
    match body.get("error_description").and_then(Value::as_str) {
        Some(description) => Some(format!("{error}: {description}")),
        None => Some(error.to_string()),
    }
}

struct Discovered {
    authorization_endpoint: String,
    token_endpoint: String,
}

/// OIDC discovery as the runner does it: the v2.0 document of the issuer's tenant; its `issuer`
/// must be on the issuer's origin (and name the tenant when the tenant is a GUID: a domain
/// resolves to the tenant's GUID), its endpoints must be http(s) URLs.
async fn discover(issuer: &Issuer) -> Result<Discovered, String> {
    let url = format!(
        "{}/{}/v2.0/.well-known/openid-configuration",
        issuer.authority, issuer.tenant
    );
    let fail = |why: String| format!("failed to fetch OpenID configuration from {url}: {why}");
    let response = http_client()
        .map_err(&fail)?
        .get(&url)
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| fail(error_chain(&e)))?;
    let status = response.status();
    let text = response.text().await.map_err(|e| fail(error_chain(&e)))?;
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    if !status.is_success() {
        let detail = oauth_error(&body)
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        return Err(fail(format!("HTTP {}{detail}", status.as_u16())));
    }
    let field = |name: &str| -> Result<String, String> {
        body.get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| fail(format!("the document has no {name}")))
    };
    let discovered_issuer = field("issuer")?;
    let origin_ok = discovered_issuer
        .to_ascii_lowercase()
        .starts_with(&format!("{}/", issuer.authority.to_ascii_lowercase()));
    let tenant_is_guid = uuid::Uuid::parse_str(&issuer.tenant).is_ok();
    let expected = format!("{}/{}/v2.0", issuer.authority, issuer.tenant);
    if !origin_ok || (tenant_is_guid && !discovered_issuer.eq_ignore_ascii_case(&expected)) {
        return Err(fail(format!(
            "the document is for issuer {discovered_issuer}, not {expected}"
        )));
    }
    let endpoint = |name: &str| -> Result<String, String> {
        let value = field(name)?;
        match url::Url::parse(&value) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(value),
            _ => Err(fail(format!("{name} {value:?} is not an http(s) URL"))),
        }
    };
    Ok(Discovered {
        authorization_endpoint: endpoint("authorization_endpoint")?,
        token_endpoint: endpoint("token_endpoint")?,
    })
}

/// The authorization code grant at the discovered token endpoint, the secret in the body.
/// Answers the HTTP status (`None` when the endpoint was not reached) and the tokens or the
/// reason, fit for the browser page.
async fn redeem_remote(
    remote: &RemoteRedemption,
    code: &str,
) -> (Option<u16>, Result<TokenGrant, String>) {
    let fail = |why: String| {
        format!(
            "The token endpoint {} refused the code: {why}",
            remote.token_endpoint
        )
    };
    let client = match http_client() {
        Ok(client) => client,
        Err(e) => return (None, Err(e)),
    };
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", remote.redirect_uri.as_str()),
        ("client_id", remote.client_id.as_str()),
        ("client_secret", remote.secret.as_str()),
    ];
    let response = match client
        .post(&remote.token_endpoint)
        .header(header::ACCEPT, "application/json")
        .form(&form)
        .send()
        .await
    {
        Ok(response) => response,
        Err(e) => {
            let why = format!(
                "cannot reach the token endpoint {}: {}",
                remote.token_endpoint,
                error_chain(&e)
            );
            return (None, Err(why));
        }
    };
    let status = response.status();
    let body: Value = match response.text().await {
        Ok(text) => serde_json::from_str(&text).unwrap_or(Value::Null),
        Err(e) => return (Some(status.as_u16()), Err(fail(error_chain(&e)))),
    };
    if !status.is_success() {
        let why = oauth_error(&body).unwrap_or_else(|| format!("HTTP {}", status.as_u16()));
        return (Some(status.as_u16()), Err(fail(why)));
    }
    (Some(status.as_u16()), token_grant(&body).map_err(fail))
}

/// A token endpoint's success answer as a [`TokenGrant`].
fn token_grant(body: &Value) -> Result<TokenGrant, String> {
    let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::to_string);
    let access_token = text("access_token")
        .filter(|t| !t.is_empty())
        .ok_or("the answer has no access_token")?;
    if let Some(kind) = text("token_type") {
        if !kind.eq_ignore_ascii_case("bearer") {
            return Err(format!("token_type {kind:?} is not Bearer"));
        }
    }
    // A number as the RFC says; some servers send it as a string.
    let expires_in = match body.get("expires_in") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .unwrap_or(3600);
    Ok(TokenGrant {
        user_id: String::new(),
        access_token,
        refresh_token: text("refresh_token").filter(|t| !t.is_empty()),
        id_token: text("id_token"),
        // Without `scope` the granted scope is the requested one (RFC 6749 5.1).
        scope: text("scope").unwrap_or_else(runner_scope),
        expires_in,
    })
}

#[cfg(test)]
mod tests {
    //! The external-issuer path against a second sandbox's Entra stand-in, reached over HTTP
    //! like any other issuer (the real-component suite does the same with a real provider).

    use super::*;
    use crate::world::directory::AuthorizeOutcome;
    use crate::{seed, Sandbox};

    fn no_redirects() -> reqwest::blocking::Client {
        reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    fn start_url(runner: &Sandbox) -> String {
        format!(
            "{}/runners/{}/auth/oauth2/start?host=dev.azure.com&user={}",
            runner.urls().gitpod_root(),
            seed::RUNNER_READY_ID,
            seed::ALICE_USER_ID
        )
    }

    /// Points the seeded `dev.azure.com` integration of `runner` at `issuer_url`.
    fn set_issuer(runner: &Sandbox, issuer_url: &str) {
        runner.with_world(|w| {
            let integration = w
                .gitpod
                .integrations
                .iter_mut()
                .find(|i| i.id == seed::INTEGRATION_ENTRA_ID)
                .unwrap();
            integration.issuer_url = Some(issuer_url.to_string());
        });
    }

    fn query_pairs(url: &str) -> Vec<(String, String)> {
        url::Url::parse(url)
            .unwrap()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn oauth_tokens(runner: &Sandbox) -> Vec<HostToken> {
        runner.with_world(|w| {
            w.gitpod
                .host_tokens
                .iter()
                .filter(|t| t.source == SOURCE_OAUTH)
                .cloned()
                .collect()
        })
    }

    /// start → (discovery at the issuer) → 302 to the issuer's authorize; the issuer approves
    /// in-process; answers the callback URL the browser would be sent to.
    fn consent(runner: &Sandbox, issuer: &Sandbox) -> String {
        let http = no_redirects();
        let start = http.get(start_url(runner)).send().unwrap();
        assert_eq!(start.status().as_u16(), 302, "{}", start.text().unwrap());
        let location = start.headers()["location"].to_str().unwrap().to_string();
        assert!(
            location.starts_with(&format!(
                "{}/{}/oauth2/v2.0/authorize?",
                issuer.authority_url(),
                seed::TENANT_ID
            )),
            "{location}"
        );
        let params = query_pairs(&location);
        match issuer.with_world(|w| w.directory.authorize(seed::TENANT_ID, &params)) {
            AuthorizeOutcome::Redirect(callback) => callback,
            other => panic!("authorize did not redirect: {other:?}"),
        }
    }

    #[test]
    fn an_external_issuer_is_discovered_and_the_code_redeemed_over_http() {
        let runner = Sandbox::start();
        let issuer = Sandbox::start();
        // The OIDC issuer form (`…/{tenant}/v2.0`), the other one is seeded.
        set_issuer(
            &runner,
            &format!("{}/{}/v2.0", issuer.authority_url(), seed::TENANT_ID),
        );
        let callback = consent(&runner, &issuer);
        let discovery: Vec<_> = issuer
            .requests_to("entra")
            .into_iter()
            .filter(|r| r.path.ends_with("/v2.0/.well-known/openid-configuration"))
            .collect();
        assert_eq!(discovery.len(), 1, "one discovery per sign-in");
        assert!(
            runner.requests_to("entra").is_empty(),
            "own Entra not asked"
        );

        let done = no_redirects().get(&callback).send().unwrap();
        assert_eq!(done.status().as_u16(), 200);
        assert!(done.text().unwrap().contains("close this tab"));

        // The code went to the issuer's token endpoint with the integration's secret.
        let token_calls: Vec<_> = issuer
            .requests_to("entra")
            .into_iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/oauth2/v2.0/token"))
            .collect();
        assert_eq!(token_calls.len(), 1);
        let body = token_calls[0].body.clone().unwrap();
        assert_eq!(body["grant_type"], "authorization_code");
        assert_eq!(body["client_id"], seed::SEEDED_APP_CLIENT_ID);
        assert_eq!(body["client_secret"], hash_secret(seed::SEEDED_APP_SECRET));
        assert_eq!(token_calls[0].status, Some(200));

        // The stored token is the issuer's (its directory knows it, the runner's does not).
        let tokens = oauth_tokens(&runner);
        assert_eq!(tokens.len(), 1);
        assert_eq!(tokens[0].subject.id, seed::ALICE_USER_ID);
        assert!(tokens[0].refresh_token.is_some());
        assert!(tokens[0]
            .scopes
            .iter()
            .any(|s| s.ends_with("vso.code_write")));
        let access = tokens[0].token.clone();
        assert!(issuer.with_world(|w| w.directory.access_token(&access).is_ok()));
        assert!(runner.with_world(|w| w.directory.access_token(&access).is_err()));

        let state = runner.state();
        let redemptions = state["gitpod"]["oauthRedemptions"].as_array().unwrap();
        assert_eq!(redemptions.len(), 1);
        assert_eq!(
            redemptions[0]["tokenEndpoint"],
            format!(
                "{}/{}/oauth2/v2.0/token",
                issuer.authority_url(),
                seed::TENANT_ID
            )
        );
        assert_eq!(redemptions[0]["remote"], true);
        assert_eq!(redemptions[0]["status"], 200);
        assert_eq!(redemptions[0]["accessTokenHash"], hash_secret(&access));

        // The state is single use.
        let again = no_redirects().get(&callback).send().unwrap();
        assert_eq!(again.status().as_u16(), 400);
    }

    #[test]
    fn a_refused_redemption_at_an_external_issuer_stores_nothing() {
        let runner = Sandbox::start();
        let issuer = Sandbox::start();
        set_issuer(
            &runner,
            &format!("{}/{}/oauth2/v2.0", issuer.authority_url(), seed::TENANT_ID),
        );
        // The runner holds a secret the issuer does not know.
        runner.with_world(|w| {
            let sealed = w
                .gitpod
                .runner(seed::RUNNER_READY_ID)
                .unwrap()
                .seal("not-the-secret")
                .unwrap();
            let integration = w
                .gitpod
                .integrations
                .iter_mut()
                .find(|i| i.id == seed::INTEGRATION_ENTRA_ID)
                .unwrap();
            integration.oauth.as_mut().unwrap().encrypted_client_secret = sealed;
        });
        let callback = consent(&runner, &issuer);
        let done = no_redirects().get(&callback).send().unwrap();
        assert_eq!(done.status().as_u16(), 400);
        let text = done.text().unwrap();
        assert!(text.contains("invalid_client"), "{text}");
        assert!(!text.contains("not-the-secret"));
        assert!(oauth_tokens(&runner).is_empty());
        let state = runner.state();
        let redemption = &state["gitpod"]["oauthRedemptions"][0];
        assert_eq!(redemption["status"], 401);
        assert!(redemption["accessTokenHash"].is_null());
    }

    #[test]
    fn an_unreachable_or_unknown_issuer_fails_at_the_start() {
        let runner = Sandbox::start();
        let issuer = Sandbox::start();
        let http = no_redirects();

        // Nothing listens there.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let closed_url = format!("http://{}", closed.local_addr().unwrap());
        drop(closed);
        set_issuer(&runner, &format!("{closed_url}/{}/v2.0", seed::TENANT_ID));
        let start = http.get(start_url(&runner)).send().unwrap();
        assert_eq!(start.status().as_u16(), 502);
        assert!(start.text().unwrap().contains("OpenID configuration"));

        // A tenant the issuer does not know: its 400 is passed on.
        set_issuer(
            &runner,
            &format!(
                "{}/{}/v2.0",
                issuer.authority_url(),
                "00000000-0000-0000-0000-00000000beef"
            ),
        );
        let start = http.get(start_url(&runner)).send().unwrap();
        assert_eq!(start.status().as_u16(), 502);
        let text = start.text().unwrap();
        assert!(text.contains("HTTP 400"), "{text}");
        assert!(runner.with_world(|w| w.gitpod.pending_consents.is_empty()));
    }

    #[test]
    fn the_discovered_issuer_must_be_the_configured_one() {
        let runner = Sandbox::start();
        let issuer = Sandbox::start();
        let http = no_redirects();
        // Same listener, another origin: the document names http://127.0.0.1:P/… as issuer.
        let localhost = issuer.authority_url().replace("127.0.0.1", "localhost");
        set_issuer(&runner, &format!("{localhost}/{}/v2.0", seed::TENANT_ID));
        let start = http.get(start_url(&runner)).send().unwrap();
        assert_eq!(start.status().as_u16(), 502);
        let text = start.text().unwrap();
        assert!(text.contains("is for issuer"), "{text}");

        // A tenant domain resolves to the tenant's GUID in the document: accepted.
        set_issuer(
            &runner,
            &format!("{}/{}/v2.0", issuer.authority_url(), seed::TENANT_DOMAIN),
        );
        let start = http.get(start_url(&runner)).send().unwrap();
        assert_eq!(start.status().as_u16(), 302);
        let location = start.headers()["location"].to_str().unwrap();
        assert!(location.contains(seed::TENANT_ID), "{location}");
    }
}
