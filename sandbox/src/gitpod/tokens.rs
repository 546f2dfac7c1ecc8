//! Host authentication tokens (a user's credential for an SCM host, held by the runner) and
//! RunnerService/CheckAuthenticationForHost.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::connect::{
    page, parse, Caller, ConnectError, IdRequest, Pagination, RpcResult, Violations,
};
use super::runners::{find_runner, runner};
use super::{
    host_covers, normalize_host, HostToken, Integration, Subject, PRINCIPAL_USER, SCM_ENTRA,
    SCM_SERVER, SOURCE_OAUTH, SOURCE_PAT,
};
use crate::world::{hash_secret, World};

const PAT_DOCS: &str = "https://learn.microsoft.com/en-us/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate";
const OAUTH_DOCS: &str = "https://ona.com/docs/ona/source-control/azure-devops";

fn scm_name(scm_id: &str) -> &str {
    match scm_id {
        SCM_ENTRA => "Azure DevOps (Microsoft Entra ID)",
        SCM_SERVER => "Azure DevOps Server",
        "github" => "GitHub",
        other => other,
    }
}

/// Whether `token` is a live credential of `caller` for `host` on `runner_id`.
pub fn usable(
    token: &HostToken,
    caller_id: &str,
    runner_id: &str,
    host: &str,
    now: DateTime<Utc>,
) -> bool {
    token.subject.id == caller_id
        && token.runner_id == runner_id
        && host_covers(&token.host, host)
        && token.expires_at.is_none_or(|at| at > now)
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct CheckRequest {
    runner_id: String,
    host: String,
}

pub fn check_authentication(world: &mut World, caller: &Caller, request: Value) -> RpcResult {
    let req: CheckRequest = parse(request)?;
    let runner = find_runner(world, &req.runner_id)?;
    let host = normalize_host(&req.host);
    if host.is_empty() {
        return Err(ConnectError::invalid("host: value is required"));
    }
    let integration = world
        .gitpod
        .integration_for_host(&runner.runner_id, &host)
        .ok_or_else(|| ConnectError::not_found(format!("no SCM integration for host {host}")))?;
    let now = world.now();
    let authenticated = world
        .gitpod
        .host_tokens
        .iter()
        .any(|t| usable(t, &caller.id, &runner.runner_id, &host, now));
    let mut out = json!({
        "authenticated": authenticated,
        "scmId": integration.scm_id,
        "scmName": scm_name(&integration.scm_id),
    });
    if integration.oauth.is_some() {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("host", &host)
            .append_pair("user", &caller.id)
            .finish();
        out["supportsOauth2"] = json!({
            "authUrl": format!(
                "{}/runners/{}/auth/oauth2/start?{query}",
                world.urls.gitpod_root(),
                runner.runner_id
            ),
            "docsUrl": OAUTH_DOCS,
        });
    }
    if integration.pat {
        out["supportsPat"] = supports_pat(integration, &host);
    }
    Ok(out)
}

fn supports_pat(integration: &Integration, host: &str) -> Value {
    let mut pat = json!({
        "docsUrl": PAT_DOCS,
        "example": "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6q7r8s9t0u1v2w3x4y5z6",
        "requiredScopes": ["vso.code_write"],
    });
    let create_url = match integration.scm_id.as_str() {
        // The PAT page is per organization: known only when the host names one.
        SCM_ENTRA => host
            .split_once('/')
            .map(|(_, org)| org.split('/').next().unwrap_or(org))
            .filter(|org| !org.is_empty())
            .map(|org| format!("https://dev.azure.com/{org}/_usersSettings/tokens")),
        SCM_SERVER => Some(format!(
            "https://{}{}/_usersSettings/tokens",
            integration.host,
            integration.virtual_directory.as_deref().unwrap_or("")
        )),
        _ => None,
    };
    if let Some(url) = create_url {
        pat["createUrl"] = json!(url);
    }
    pat
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct SubjectRequest {
    id: String,
    principal: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct CreateRequest {
    runner_id: String,
    host: String,
    token: String,
    source: Option<Value>,
    expires_at: Option<String>,
    refresh_token: Option<String>,
    integration_id: Option<String>,
    scopes: Vec<String>,
    subject: Option<SubjectRequest>,
}

/// proto3 JSON takes an enum as its name or its number.
fn parse_source(source: Option<&Value>) -> Result<&'static str, ConnectError> {
    match source {
        Some(Value::String(s)) if s == SOURCE_PAT => Ok(SOURCE_PAT),
        Some(Value::String(s)) if s == SOURCE_OAUTH => Ok(SOURCE_OAUTH),
        Some(Value::Number(n)) if n.as_i64() == Some(2) => Ok(SOURCE_PAT),
        Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(SOURCE_OAUTH),
        Some(Value::String(s)) if s != "HOST_AUTHENTICATION_TOKEN_SOURCE_UNSPECIFIED" => Err(
            ConnectError::invalid(format!("invalid value for enum field source: {s:?}")),
        ),
        _ => Err(ConnectError::invalid(
            "source: value must be one of HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH, HOST_AUTHENTICATION_TOKEN_SOURCE_PAT",
        )),
    }
}

fn parse_time(field: &str, value: &str) -> Result<DateTime<Utc>, ConnectError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            ConnectError::invalid(format!(
                "{field}: invalid RFC 3339 timestamp {value:?}: {e}"
            ))
        })
}

/// CreateHostAuthenticationToken, after the published proto's rules: `runner_id` a UUID,
/// `host` and `token` at least one character, `integration_id` and `subject.id` UUIDs when set,
/// at most 101 `scopes`. (The deprecated `user_id` is not read: `subject` replaced it.)
pub fn create(world: &mut World, caller: &Caller, request: Value) -> RpcResult {
    let req: CreateRequest = parse(request)?;
    let mut violations = Violations::default();
    violations.uuid("runner_id", &req.runner_id);
    violations.min_len("host", &req.host, 1);
    violations.min_len("token", &req.token, 1);
    violations.uuid_if_set("integration_id", req.integration_id.as_deref(), true);
    violations.max_items("scopes", req.scopes.len(), 101);
    let subject_id = req.subject.as_ref().map(|s| s.id.as_str());
    violations.uuid_if_set("subject.id", subject_id, true);
    violations.check()?;
    let runner_id = runner(world, &req.runner_id)?.runner_id.clone();
    let host = normalize_host(&req.host);
    if host.is_empty() {
        return Err(ConnectError::invalid("host: value is required"));
    }
    let source = parse_source(req.source.as_ref())?;
    let subject_id = match &req.subject {
        Some(s) if !s.id.is_empty() => s.id.clone(),
        _ => return Err(ConnectError::invalid("subject: value is required")),
    };
    let principal_ok = match req.subject.as_ref().and_then(|s| s.principal.as_ref()) {
        None => true,
        Some(Value::String(p)) => p == PRINCIPAL_USER,
        Some(_) => false,
    };
    if subject_id != caller.id || !principal_ok {
        return Err(ConnectError::denied(
            "you can only create host authentication tokens for yourself",
        ));
    }
    let expires_at = req
        .expires_at
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| parse_time("expires_at", s))
        .transpose()?;
    let integration = world
        .gitpod
        .integration_for_host(&runner_id, &host)
        .ok_or_else(|| {
            ConnectError::not_found(format!(
                "no SCM integration for host {host} on runner {runner_id}"
            ))
        })?;
    if let Some(id) = req.integration_id.as_deref().filter(|id| !id.is_empty()) {
        if id != integration.id {
            return Err(ConnectError::invalid(format!(
                "integration_id {id} is not the SCM integration for host {host} on runner {runner_id}"
            )));
        }
    }
    if source == SOURCE_PAT && !integration.pat {
        return Err(ConnectError::precondition(format!(
            "PAT authentication is not enabled for host {host} on runner {runner_id}"
        )));
    }
    if source == SOURCE_OAUTH && integration.oauth.is_none() {
        return Err(ConnectError::precondition(format!(
            "OAuth is not enabled for host {host} on runner {runner_id}"
        )));
    }
    let token = HostToken {
        id: uuid::Uuid::new_v4().to_string(),
        runner_id,
        host,
        source: source.to_string(),
        token_hash: hash_secret(&req.token),
        token: req.token,
        refresh_token_hash: req
            .refresh_token
            .as_deref()
            .filter(|t| !t.is_empty())
            .map(hash_secret),
        refresh_token: req.refresh_token.filter(|t| !t.is_empty()),
        expires_at,
        integration_id: req.integration_id.filter(|id| !id.is_empty()),
        scopes: req.scopes,
        subject: Subject {
            id: subject_id,
            principal: PRINCIPAL_USER.into(),
        },
        created_at: world.now(),
    };
    let json = token_json(&token);
    store(world, token);
    Ok(json!({"token": json}))
}

/// Stores a token, replacing the subject's earlier one of the same source for the same runner
/// and host (a new login replaces the old credential).
pub fn store(world: &mut World, token: HostToken) {
    world.gitpod.host_tokens.retain(|t| {
        !(t.subject == token.subject
            && t.runner_id == token.runner_id
            && t.host == token.host
            && t.source == token.source)
    });
    world.gitpod.host_tokens.push(token);
}

/// A token as the API shows it: never its value.
pub fn token_json(t: &HostToken) -> Value {
    let mut out = json!({
        "id": t.id,
        "runnerId": t.runner_id,
        "host": t.host,
        "source": t.source,
        "scopes": t.scopes,
        "subject": {"id": t.subject.id, "principal": t.subject.principal},
        "userId": t.subject.id,
        "createdAt": t.created_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
    });
    if let Some(at) = t.expires_at {
        out["expiresAt"] = json!(at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
    }
    if let Some(id) = &t.integration_id {
        out["integrationId"] = json!(id);
    }
    out
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListFilter {
    runner_id: Option<String>,
    subject_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListRequest {
    filter: Option<ListFilter>,
    pagination: Option<Pagination>,
}

/// ListHostAuthenticationTokens; the filter's `runner_id` and `subject_id` are `optional` UUIDs
/// in the published proto (checked when present, even empty).
pub fn list(world: &mut World, caller: &Caller, request: Value) -> RpcResult {
    let req: ListRequest = parse(request)?;
    let filter = req.filter.unwrap_or_default();
    let mut violations = Violations::default();
    violations.uuid_if_set("filter.runner_id", filter.runner_id.as_deref(), false);
    violations.uuid_if_set("filter.subject_id", filter.subject_id.as_deref(), false);
    violations.check()?;
    let want =
        |v: &Option<String>, actual: &str| v.as_deref().is_none_or(|w| w.is_empty() || w == actual);
    // Whatever the filter says, a caller only ever sees their own tokens.
    let all: Vec<Value> = world
        .gitpod
        .host_tokens
        .iter()
        .filter(|t| t.subject.id == caller.id)
        .filter(|t| want(&filter.runner_id, &t.runner_id))
        .filter(|t| want(&filter.subject_id, &t.subject.id))
        .map(token_json)
        .collect();
    let (tokens, pagination) = page(&all, req.pagination.as_ref())?;
    Ok(json!({"tokens": tokens, "pagination": pagination}))
}

/// DeleteHostAuthenticationToken; `id` is a UUID in the published proto.
pub fn delete(world: &mut World, caller: &Caller, request: Value) -> RpcResult {
    let req: IdRequest = parse(request)?;
    let mut violations = Violations::default();
    violations.uuid("id", &req.id);
    violations.check()?;
    let token = world
        .gitpod
        .host_tokens
        .iter()
        .find(|t| t.id == req.id)
        .ok_or_else(|| {
            ConnectError::not_found(format!("host authentication token {} not found", req.id))
        })?;
    if token.subject.id != caller.id {
        return Err(ConnectError::denied(
            "you can only delete your own host authentication tokens",
        ));
    }
    world.gitpod.host_tokens.retain(|t| t.id != req.id);
    Ok(json!({}))
}
