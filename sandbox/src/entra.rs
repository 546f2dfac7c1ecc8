//! The Microsoft Entra ID stand-in: the v2.0 endpoints ado-scm uses (Microsoft identity platform
//! reference: OpenID Connect discovery, authorization code, device code, client credentials).
//!
//! - `GET  /{tenant}/v2.0/.well-known/openid-configuration` and `/{tenant}/discovery/v2.0/keys`
//! - `GET  /{tenant}/oauth2/v2.0/authorize` (the seeded admin signs in and consents at once)
//! - `POST /{tenant}/oauth2/v2.0/token` (authorization_code, refresh_token, client_credentials,
//!   device_code)
//! - `POST /{tenant}/oauth2/v2.0/devicecode` and the page `GET /devicelogin?user_code=…`
//!
//! The rules are the directory's (`directory.rs`); this file only speaks HTTP: form bodies, HTTP
//! Basic client authentication, Entra's error JSON with its trace lines, redirects and pages.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::html::page;
use crate::world::directory::{self, AadError, AuthorizeOutcome, DeviceLoginOutcome};
use crate::world::{lock, SharedWorld, World};

pub fn router(world: SharedWorld) -> Router {
    Router::new()
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery),
        )
        .route("/{tenant}/discovery/v2.0/keys", get(keys))
        .route("/{tenant}/oauth2/v2.0/authorize", get(authorize))
        .route("/{tenant}/oauth2/v2.0/token", post(token))
        .route("/{tenant}/oauth2/v2.0/devicecode", post(devicecode))
        .route("/devicelogin", get(devicelogin))
        .with_state(world)
}

fn authority(world: &World) -> String {
    world.urls.authority.trim_end_matches('/').to_string()
}

fn parse_form(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes).into_owned().collect()
}

/// Entra's error JSON: `error`, `error_description` ending with the trace lines, `error_codes`,
/// `timestamp`, `trace_id`, `correlation_id` (the caller's `client-request-id` when it sent
/// one, as Entra does), `error_uri`.
fn error_response(world: &World, headers: &HeaderMap, err: &AadError) -> Response {
    let now = world.directory.now();
    let trace_id = directory::new_guid();
    let correlation_id = correlation_id(headers);
    let timestamp = directory::entra_timestamp(now);
    let body = json!({
        "error": err.error,
        "error_description": directory::description_with_trace(err, &trace_id, &correlation_id, &timestamp),
        "error_codes": err.codes,
        "timestamp": timestamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": format!("{}/error?code={}", authority(world), err.code()),
    });
    let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::BAD_REQUEST);
    let mut response = (status, json_headers(), body.to_string()).into_response();
    add_ids(&mut response, &trace_id, &correlation_id);
    response
}

fn correlation_id(headers: &HeaderMap) -> String {
    headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| directory::is_guid(v))
        .map(str::to_string)
        .unwrap_or_else(directory::new_guid)
}

fn json_headers() -> [(header::HeaderName, HeaderValue); 3] {
    [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        ),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store, no-cache"),
        ),
        (header::PRAGMA, HeaderValue::from_static("no-cache")),
    ]
}

fn add_ids(response: &mut Response, trace_id: &str, correlation_id: &str) {
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(trace_id) {
        headers.insert("x-ms-request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(correlation_id) {
        headers.insert("client-request-id", v);
    }
}

fn json_ok(headers: &HeaderMap, body: &Value) -> Response {
    let mut response = (StatusCode::OK, json_headers(), body.to_string()).into_response();
    add_ids(
        &mut response,
        &directory::new_guid(),
        &correlation_id(headers),
    );
    response
}

// ---- discovery ----

async fn discovery(
    State(world): State<SharedWorld>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Response {
    let world = lock(&world);
    // Endpoints and issuer carry the tenant GUID (a domain resolves to it).
    let tenant_id = match world.directory.lookup_tenant(&tenant) {
        Ok(id) => id,
        Err(e) => return error_response(&world, &headers, &e.to_aad(&tenant, "invalid_tenant")),
    };
    let authority = authority(&world);
    let base = format!("{authority}/{tenant_id}");
    // The fields a client reads; the real document has more (claims, logout, cloud names).
    let doc = json!({
        "issuer": format!("{authority}/{tenant_id}/v2.0"),
        "authorization_endpoint": format!("{base}/oauth2/v2.0/authorize"),
        "token_endpoint": format!("{base}/oauth2/v2.0/token"),
        "device_authorization_endpoint": format!("{base}/oauth2/v2.0/devicecode"),
        "jwks_uri": format!("{base}/discovery/v2.0/keys"),
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
    });
    json_ok(&headers, &doc)
}

async fn keys(
    State(world): State<SharedWorld>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
) -> Response {
    let world = lock(&world);
    let issuer = match world.directory.lookup_tenant(&tenant) {
        Ok(id) => world.directory.issuer(&id),
        Err(e) => return error_response(&world, &headers, &e.to_aad(&tenant, "invalid_tenant")),
    };
    json_ok(&headers, &directory::jwks(&issuer))
}

// ---- authorize ----

async fn authorize(
    State(world): State<SharedWorld>,
    Path(tenant): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let params = parse_form(query.unwrap_or_default().as_bytes());
    authorize_with(&world, &tenant, &params)
}

fn authorize_with(world: &SharedWorld, tenant: &str, params: &[(String, String)]) -> Response {
    let mut world = lock(world);
    match world.directory.authorize(tenant, params) {
        AuthorizeOutcome::Redirect(location) => match HeaderValue::from_str(&location) {
            Ok(value) => (StatusCode::FOUND, [(header::LOCATION, value)]).into_response(),
            Err(_) => page(
                StatusCode::BAD_REQUEST,
                "Sign in",
                &["The redirect URI cannot be used in a Location header."],
            ),
        },
        AuthorizeOutcome::Page(err) => {
            let now = world.directory.now();
            let description = directory::description_with_trace(
                &err,
                &directory::new_guid(),
                &directory::new_guid(),
                &directory::entra_timestamp(now),
            );
            let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::BAD_REQUEST);
            page(
                status,
                "Sign in",
                &[
                    "Sorry, but we're having trouble signing you in.".into(),
                    description,
                ],
            )
        }
    }
}

// ---- token and device code ----

/// Client id and secret from `Authorization: Basic base64(urlencode(id):urlencode(secret))`
/// (RFC 6749 §2.3.1). A malformed header counts as absent.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unescape = |s: &str| -> String {
        form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Some((unescape(id), unescape(secret)))
}

async fn token(
    State(world): State<SharedWorld>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = parse_form(&body);
    let mut world = lock(&world);
    let basic = basic_credentials(&headers);
    let result = world.directory.token(&tenant, &params, basic);
    match result {
        Ok(body) => json_ok(&headers, &body),
        Err(err) => error_response(&world, &headers, &err),
    }
}

async fn devicecode(
    State(world): State<SharedWorld>,
    Path(tenant): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = parse_form(&body);
    let mut world = lock(&world);
    let result = world.directory.device_code(&tenant, &params);
    match result {
        Ok(body) => json_ok(&headers, &body),
        Err(err) => error_response(&world, &headers, &err),
    }
}

// ---- device login page ----

async fn devicelogin(State(world): State<SharedWorld>, RawQuery(query): RawQuery) -> Response {
    let params = parse_form(query.unwrap_or_default().as_bytes());
    device_login_with(&world, &params)
}

/// `user_code` approves as the seeded admin, or as the user named by `user`; `deny=1` declines.
/// Without a code: the page asking for one.
fn device_login_with(world: &SharedWorld, params: &[(String, String)]) -> Response {
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    };
    let Some(code) = get("user_code") else {
        let text = ["Enter the code displayed on your app or device."];
        return page(StatusCode::OK, "Enter code", &text);
    };
    let user = get("user");
    let deny = matches!(get("deny"), Some("1" | "true"));
    let mut world = lock(world);
    match world.directory.device_login(code, user, deny) {
        DeviceLoginOutcome::Approved { client, user } => page(
            StatusCode::OK,
            &client,
            &[
                format!("You have signed in to the {client} application on your device as {user}."),
                "You may now close this window.".into(),
            ],
        ),
        DeviceLoginOutcome::Declined { client } => page(
            StatusCode::OK,
            &client,
            &["You have declined to sign in to the application on your device."],
        ),
        DeviceLoginOutcome::Refused(message) => {
            page(StatusCode::BAD_REQUEST, "Sign in", &[message])
        }
    }
}
