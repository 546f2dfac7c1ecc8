//! The Azure DevOps REST stand-in: Services organizations (`/{org}/…`) and one Server collection
//! (`/tfs/DefaultCollection/…`), with PAT authentication (Azure DevOps REST API reference).
//!
//! The traps of the real service are kept on purpose: a rejected credential comes back as
//! **203 with an HTML sign-in page** unless the client sends `X-TFS-FedAuthRedirect: Suppress`;
//! a PAT without the
//! Code scope passes `connectionData` but gets 401 on the repositories (403 on older servers,
//! `missing_scope_status`); a PAT for "all accessible organizations" is refused everywhere
//! (Microsoft retired global PATs on 1 December 2026); Server refuses API versions newer than
//! it knows.

use axum::extract::State as AxumState;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::world::ado::{Org, Project, Repo, State, SERVER_ORG};
use crate::world::{lock, SharedWorld, World};

pub fn router(world: SharedWorld) -> Router {
    Router::new().fallback(handle).with_state(world)
}

/// The PAT of a `Basic` `Authorization` (the password; the user name is ignored, usually
/// empty). `None` without one; `Some("")` for any other credential, which nothing accepts:
/// ado-scm talks to Azure DevOps with PATs only.
fn pat(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?;
    let decoded = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, rest)| {
            base64::engine::general_purpose::STANDARD
                .decode(rest.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(_, pat)| pat.to_string()));
    Some(decoded.unwrap_or_default())
}

/// The caller a PAT stands for.
struct Caller {
    user_id: String,
    name: String,
    /// Whether the PAT carries a Code scope.
    code: bool,
}

/// The caller of a PAT in `org`; `None` means rejected (unknown, expired, for another
/// organization, or global).
fn caller(world: &World, org: &Org, token: &str) -> Option<Caller> {
    let pat =
        world.ado.pats.iter().find(|p| {
            p.token == token && !p.expired && !p.all_orgs && p.orgs.contains(&org.name)
        })?;
    Some(Caller {
        user_id: pat.user_id.clone(),
        name: pat.user_name.clone(),
        code: pat.scopes.iter().any(|s| is_code_scope(s)),
    })
}

fn is_code_scope(scope: &str) -> bool {
    matches!(
        scope,
        "vso.code" | "vso.code_write" | "vso.code_manage" | "vso.code_full" | "app_token"
    )
}

/// Splits a path into the organization (or collection) it addresses and the rest.
fn split_org<'a>(state: &'a State, path: &'a str) -> Option<(&'a Org, &'a str)> {
    let trimmed = path.trim_start_matches('/');
    if let Some(rest) = trimmed.strip_prefix(SERVER_ORG) {
        if rest.is_empty() || rest.starts_with('/') {
            let org = state.orgs.iter().find(|o| o.server)?;
            return Some((org, rest.trim_start_matches('/')));
        }
    }
    let (name, rest) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    let org = state
        .orgs
        .iter()
        .find(|o| !o.server && o.name.eq_ignore_ascii_case(name))?;
    Some((org, rest))
}

/// The error body Azure DevOps uses everywhere.
fn vss_error(message: &str, type_key: &str) -> Value {
    json!({
        "$id": "1",
        "innerException": null,
        "message": message,
        "typeName": format!("Microsoft.TeamFoundation.Framework.Server.{type_key}, Microsoft.TeamFoundation.Framework.Server"),
        "typeKey": type_key,
        "errorCode": 0,
        "eventId": 3000,
    })
}

pub fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

/// The headers every unauthenticated answer carries: where to get a token, and (Services) the
/// organization's tenant.
fn add_challenge(response: &mut Response, org: &Org, authority: &str) {
    let headers = response.headers_mut();
    match &org.tenant_id {
        Some(tenant) => {
            if let Ok(v) = HeaderValue::from_str(tenant) {
                headers.insert("x-vss-resourcetenant", v);
            }
            if let Ok(v) = HeaderValue::from_str(&format!(
                "Bearer authorization_uri={}/{tenant}",
                authority.trim_end_matches('/')
            )) {
                headers.append(header::WWW_AUTHENTICATE, v);
            }
            headers.append(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"https://tfsprodweu5.visualstudio.com/\""),
            );
            headers.append(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("TFS-Federated"),
            );
        }
        None => {
            for v in [
                "Bearer",
                "Basic realm=\"ado.example.com\"",
                "Negotiate",
                "NTLM",
            ] {
                headers.append(header::WWW_AUTHENTICATE, HeaderValue::from_static(v));
            }
        }
    }
    headers.insert(
        "x-tfs-processid",
        HeaderValue::from_static("0a5e0000-0000-4000-8000-000000000001"),
    );
}

/// Answer for a request without an accepted credential.
fn rejected(world: &World, org: &Org, headers: &HeaderMap, anonymous: bool) -> Response {
    let suppress = headers
        .get("x-tfs-fedauthredirect")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("suppress"));
    let mut response = if suppress || anonymous {
        let message = if anonymous {
            "TF400813: Resource not available for anonymous access. Client authentication required."
        } else {
            "TF400813: The user '' is not authorized to access this resource."
        };
        json_response(
            StatusCode::UNAUTHORIZED,
            vss_error(message, "UnauthorizedRequestException"),
        )
    } else {
        // The infamous one: a bad credential "succeeds" with a sign-in page.
        let page = "<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title>\
                    </head><body><h1>Sign in</h1></body></html>";
        (StatusCode::NON_AUTHORITATIVE_INFORMATION, Html(page)).into_response()
    };
    add_challenge(&mut response, org, &world.urls.authority);
    response
}

/// `7.1`, `7.1-preview`, `7.1-preview.1` → (7, 1).
fn parse_api_version(v: &str) -> Option<(u32, u32)> {
    let number = v.split('-').next()?;
    let (major, minor) = number.split_once('.').unwrap_or((number, "0"));
    Some((major.parse().ok()?, minor.parse().ok()?))
}

fn api_version_problem(state: &State, org: &Org, uri: &Uri) -> Option<Response> {
    let query = uri.query().unwrap_or("");
    let requested = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k.eq_ignore_ascii_case("api-version"))
        .map(|(_, v)| v.into_owned())?;
    let max = if org.server {
        state.server_max_api_version
    } else {
        state.services_max_api_version
    };
    let problem = match parse_api_version(&requested) {
        None => format!("VS800071: The requested version \"{requested}\" of the resource is not in a valid format."),
        Some(v) if v > max => format!(
            "VS800071: The requested REST API version of {}.{} is out of range for this server. The latest REST API version this server supports is {}.{}.",
            v.0, v.1, max.0, max.1
        ),
        Some(_) => return None,
    };
    Some(json_response(
        StatusCode::BAD_REQUEST,
        vss_error(&problem, "VssVersionOutOfRangeException"),
    ))
}

async fn handle(
    AxumState(world): AxumState<SharedWorld>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let world = lock(&world);
    answer(&world, &method, &uri, &headers)
}

fn answer(world: &World, method: &Method, uri: &Uri, headers: &HeaderMap) -> Response {
    let path = uri.path();
    let state = &world.ado;
    let Some((org, rest)) = split_org(state, path) else {
        let name = path.trim_start_matches('/').split('/').next().unwrap_or("");
        return json_response(
            StatusCode::NOT_FOUND,
            vss_error(
                &format!(
                    "The organization '{name}' does not exist or you do not have access to it."
                ),
                "HostDoesNotExistException",
            ),
        );
    };
    if method != Method::GET && method != Method::HEAD {
        return json_response(
            StatusCode::METHOD_NOT_ALLOWED,
            vss_error(
                "The requested resource does not support this HTTP method.",
                "HttpMethodNotAllowedException",
            ),
        );
    }
    let pat = pat(headers);
    let Some(caller) = pat.as_deref().and_then(|p| caller(world, org, p)) else {
        return rejected(world, org, headers, pat.is_none());
    };
    if let Some(problem) = api_version_problem(state, org, uri) {
        return problem;
    }
    let rest = rest.trim_end_matches('/');
    let base = format!("{}/{}", world.urls.ado.trim_end_matches('/'), org.name);
    match rest {
        "" => (StatusCode::OK, Html(format!("<!DOCTYPE html><html><head><title>{} - Overview</title></head><body></body></html>", org.name))).into_response(),
        "_apis/connectionData" => json_response(StatusCode::OK, connection_data(org, &caller)),
        "_apis/git/repositories" => repositories(state, org, &caller, &base),
        _ => json_response(
            StatusCode::NOT_FOUND,
            vss_error(
                &format!("The controller for path '/{}/{rest}' was not found or does not implement IController.", org.name),
                "NotFoundException",
            ),
        ),
    }
}

/// The caller as `connectionData` shows it (the fields a client reads).
fn identity(org: &Org, caller: &Caller) -> Value {
    let account = if org.server {
        "ACME\\alice"
    } else {
        "alice@acme.onmicrosoft.com"
    };
    let domain = org.tenant_id.as_deref().unwrap_or("ACME");
    json!({
        "id": caller.user_id,
        "descriptor": format!("Microsoft.IdentityModel.Claims.ClaimsIdentity;{domain}\\{account}"),
        "providerDisplayName": caller.name,
        "isActive": true,
    })
}

fn connection_data(org: &Org, caller: &Caller) -> Value {
    json!({
        "authenticatedUser": identity(org, caller),
        "authorizedUser": identity(org, caller),
        "instanceId": org.instance_id,
        "deploymentType": if org.server { "onPremises" } else { "hosted" },
    })
}

fn repositories(state: &State, org: &Org, caller: &Caller, base: &str) -> Response {
    if !caller.code {
        // The wording is the sandbox's; only the status is known (see `missing_scope_status`).
        let status =
            StatusCode::from_u16(state.missing_scope_status).unwrap_or(StatusCode::UNAUTHORIZED);
        return json_response(
            status,
            vss_error(
                "VS403403: The access token used does not have the scope needed for this request (vso.code).",
                "UnauthorizedRequestException",
            ),
        );
    }
    let value: Vec<Value> = org
        .projects
        .iter()
        .flat_map(|p| p.repos.iter().map(move |r| repo_json(p, r, base)))
        .collect();
    json_response(
        StatusCode::OK,
        json!({"count": value.len(), "value": value}),
    )
}

fn repo_json(project: &Project, repo: &Repo, base: &str) -> Value {
    let web = format!("{base}/{}/_git/{}", project.name, repo.name);
    json!({
        "id": repo.id,
        "name": repo.name,
        "url": format!("{base}/{}/_apis/git/repositories/{}", project.id, repo.id),
        "project": {"id": project.id, "name": project.name, "state": "wellFormed"},
        "defaultBranch": "refs/heads/main",
        "remoteUrl": web,
        "webUrl": web,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_parse() {
        assert_eq!(parse_api_version("7.1"), Some((7, 1)));
        assert_eq!(parse_api_version("7.1-preview.1"), Some((7, 1)));
        assert_eq!(parse_api_version("6"), Some((6, 0)));
        assert_eq!(parse_api_version("x"), None);
    }

    #[test]
    fn paths_split_into_org_and_rest() {
        let state = State::seeded();
        let (org, rest) = split_org(&state, "/tfs/DefaultCollection/_apis/connectionData").unwrap();
        assert!(org.server);
        assert_eq!(rest, "_apis/connectionData");
        let (org, rest) = split_org(&state, "/ACME").unwrap();
        assert_eq!(org.name, "acme");
        assert_eq!(rest, "");
        assert!(split_org(&state, "/nope/_apis/connectionData").is_none());
    }
}
