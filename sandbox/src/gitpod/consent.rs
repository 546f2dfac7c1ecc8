//! The runner's side of a developer's OAuth sign-in (`supportsOauth2.authUrl`).
//!
//! The real pages are not public. What is known: the browser goes to the runner, on to the
//! Entra authorize endpoint of the integration's issuer with the runner's callback as
//! `redirect_uri`, back to the callback with `code` and `state`; the runner redeems the code and
//! stores an OAuth host token for the user, which CheckAuthenticationForHost then reports.
//! Here the redemption goes through the Entra directory stand-in in-process, under the same
//! rules as its token endpoint (redirect URI, code reuse, client secret).

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::Duration;
use serde::Deserialize;

use super::runners::callback_url;
use super::scm::parse_issuer;
use super::{tokens, HostToken, PendingConsent, Subject, PRINCIPAL_USER, SOURCE_OAUTH};
use crate::directory::TokenGrant;
use crate::seed::ADO_RESOURCE_APP_ID;
use crate::world::{hash_secret, SharedWorld, World};

/// How long a started sign-in may take before its `state` is forgotten.
const CONSENT_TTL_MINUTES: i64 = 10;

#[derive(Deserialize)]
pub struct StartQuery {
    #[serde(default)]
    host: String,
    #[serde(default)]
    user: String,
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{body}</p></body></html>",
        title = escape(title),
        body = escape(body)
    );
    (status, Html(html)).into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /runners/{runnerId}/auth/oauth2/start?host=…&user=…` → 302 to Entra.
pub async fn start(
    State(world): State<SharedWorld>,
    Path(runner_id): Path<String>,
    Query(query): Query<StartQuery>,
) -> Response {
    let mut world = world.lock().unwrap_or_else(|e| e.into_inner());
    let host = super::normalize_host(&query.host);
    if world.gitpod.runner(&runner_id).is_none() {
        return page(
            StatusCode::NOT_FOUND,
            "Runner not found",
            &format!("No runner {runner_id}."),
        );
    }
    if !world.gitpod.users.iter().any(|u| u.id == query.user) {
        return page(
            StatusCode::BAD_REQUEST,
            "Unknown user",
            "The sign-in link names no known user.",
        );
    }
    let Some(integration) = world
        .gitpod
        .integration_for_host(&runner_id, &host)
        .filter(|i| i.oauth.is_some())
        .cloned()
    else {
        return page(
            StatusCode::BAD_REQUEST,
            "OAuth not configured",
            &format!("The runner has no OAuth integration for {host}."),
        );
    };
    let oauth = integration.oauth.as_ref().expect("filtered on oauth");
    let issuer = match integration.issuer_url.as_deref().map(parse_issuer) {
        Some(Ok(issuer)) => issuer,
        _ => {
            return page(
                StatusCode::BAD_REQUEST,
                "OAuth not configured",
                "The integration has no usable issuer URL.",
            )
        }
    };
    let state = uuid::Uuid::new_v4().simple().to_string();
    let now = world.now();
    world
        .gitpod
        .pending_consents
        .retain(|p| now - p.created_at < Duration::minutes(CONSENT_TTL_MINUTES));
    world.gitpod.pending_consents.push(PendingConsent {
        state: state.clone(),
        runner_id: runner_id.clone(),
        integration_id: integration.id.clone(),
        host: integration.host.clone(),
        user_id: query.user.clone(),
        created_at: now,
    });
    let authorize = form_urlencoded::Serializer::new(String::new())
        .append_pair("client_id", &oauth.client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", &callback_url(&world, &runner_id))
        .append_pair("response_mode", "query")
        .append_pair(
            "scope",
            &format!("openid offline_access {ADO_RESOURCE_APP_ID}/vso.code_write"),
        )
        .append_pair("state", &state)
        .finish();
    let location = format!(
        "{}/{}/oauth2/v2.0/authorize?{authorize}",
        issuer.authority, issuer.tenant
    );
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

/// `GET /runners/{runnerId}/auth/oauth2/callback?code=…&state=…` (or `error=…`).
pub async fn callback(
    State(world): State<SharedWorld>,
    Path(runner_id): Path<String>,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let mut world = world.lock().unwrap_or_else(|e| e.into_inner());
    let now = world.now();
    let Some(index) = world.gitpod.pending_consents.iter().position(|p| {
        p.state == query.state
            && p.runner_id == runner_id
            && now - p.created_at < Duration::minutes(CONSENT_TTL_MINUTES)
    }) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            "Unknown or expired sign-in state. Start the sign-in again.",
        );
    };
    // A state is good for one callback, whatever its outcome.
    let pending = world.gitpod.pending_consents.remove(index);
    if let Some(error) = query.error {
        let description = query.error_description.unwrap_or_default();
        return page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            &format!("{error}: {description}"),
        );
    }
    if query.code.trim().is_empty() {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            "No authorization code.",
        );
    }
    // The runner, a confidential client, redeems the code at the issuer with its secret.
    let redeemed = redeem(&mut world, &pending, &query.code);
    let grant = match redeemed {
        Ok(grant) => grant,
        Err(message) => return page(StatusCode::BAD_REQUEST, "Sign-in failed", &message),
    };
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
    tokens::store(&mut world, token);
    page(
        StatusCode::OK,
        "Signed in",
        "The runner can now reach Azure DevOps for you. You can close this tab.",
    )
}

/// Opens the integration's sealed secret with the runner's key and redeems `code` with it at the
/// directory's token endpoint logic (same rules as `POST /{tenant}/oauth2/v2.0/token`).
fn redeem(world: &mut World, pending: &PendingConsent, code: &str) -> Result<TokenGrant, String> {
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
    let issuer = integration
        .issuer_url
        .as_deref()
        .map(parse_issuer)
        .transpose()?
        .ok_or("The integration has no issuer URL.")?;
    let secret = world
        .gitpod
        .open_client_secret(&pending.integration_id)
        .ok_or("The runner cannot decrypt the client secret.")?;
    let redirect_uri = callback_url(world, &pending.runner_id);
    world
        .directory
        .redeem_code_for_runner_tokens(&issuer.tenant, &client_id, &secret, code, &redirect_uri)
        .map_err(|e| e.description())
}
