//! The Azure DevOps REST stand-in: Services organizations (`/{org}/…`) and one Server collection
//! (`/tfs/DefaultCollection/…`), with PAT authentication (`shared/protocols/microsoft.md`).
//!
//! The traps of the real service are kept on purpose: a rejected credential comes back as
//! **203 with an HTML sign-in page** unless the client sends `X-TFS-FedAuthRedirect: Suppress`;
//! a browser-like anonymous request is redirected (302) to a sign-in page; a PAT without the
//! Code scope passes `connectionData` but gets 401 on the repositories (403 on older servers,
//! `missing_scope_status`); a PAT for "all accessible organizations" is refused everywhere
//! (Microsoft retired global PATs on 1 December 2026); Server refuses API versions newer than
//! it knows.

use axum::extract::State as AxumState;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use base64::Engine as _;
use serde::Serialize;
use serde_json::{json, Value};

use crate::seed;
use crate::world::{hash_secret, SharedWorld, World};

pub fn router(world: SharedWorld) -> Router {
    Router::new().fallback(handle).with_state(world)
}

/// Organizations, the Server collection and the PATs they accept.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    pub orgs: Vec<Org>,
    pub pats: Vec<Pat>,
    /// Newest REST API version the Server collection accepts (Azure DevOps Server 2022: 7.0).
    pub server_max_api_version: (u32, u32),
    /// Newest version Services accepts (7.2 at the time of writing; previews included).
    pub services_max_api_version: (u32, u32),
    /// What a credential without the Code scope gets from `git/repositories`: 401 as Azure
    /// DevOps answers today (Microsoft Q&A, "Unauthorized for Source Providers API": a PAT one
    /// API accepts gets 401 from another whose scope it lacks), 403 as older servers did.
    pub missing_scope_status: u16,
}

/// A Services organization or the Server collection.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Org {
    /// `acme`, or the collection path `tfs/DefaultCollection` for Server.
    pub name: String,
    /// Entra tenant; `None` for Server (no `X-VSS-ResourceTenant` there).
    pub tenant_id: Option<String>,
    pub server: bool,
    pub instance_id: String,
    pub projects: Vec<Project>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: String,
    pub name: String,
    pub repos: Vec<Repo>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Repo {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pat {
    #[serde(skip)]
    pub token: String,
    pub token_hash: String,
    /// Organization names (or the Server collection path) it is valid in.
    pub orgs: Vec<String>,
    /// `vso.code_write`, `vso.code`, … (`app_token` is full access).
    pub scopes: Vec<String>,
    pub expired: bool,
    /// Made for "All accessible organizations": refused since global PATs were retired.
    pub all_orgs: bool,
    pub user_id: String,
    pub user_name: String,
}

const SERVER_ORG: &str = "tfs/DefaultCollection";

impl State {
    pub fn seeded() -> State {
        let repos = |names: &[&str], n: u8| -> Vec<Repo> {
            names
                .iter()
                .enumerate()
                .map(|(i, name)| Repo {
                    id: format!("7e90{n:02x}{i:02x}-0000-4000-8000-0000000000{n:01}{i:01}"),
                    name: name.to_string(),
                })
                .collect()
        };
        let pat = |token: &str, scopes: &[&str], expired: bool| Pat {
            token: token.into(),
            token_hash: hash_secret(token),
            orgs: vec![seed::ADO_ORG.into(), SERVER_ORG.into()],
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            expired,
            all_orgs: token == seed::GLOBAL_PAT,
            user_id: seed::ADO_USER_ID.into(),
            user_name: seed::ADO_USER_NAME.into(),
        };
        State {
            orgs: vec![
                Org {
                    name: seed::ADO_ORG.into(),
                    tenant_id: Some(seed::TENANT_ID.into()),
                    server: false,
                    instance_id: "ac3e0000-0000-4000-8000-0000000000a0".into(),
                    projects: vec![Project {
                        id: "9a0c0000-0000-4000-8000-0000000000b1".into(),
                        name: seed::ADO_PROJECT.into(),
                        repos: repos(seed::ADO_REPOS, 1),
                    }],
                },
                Org {
                    name: seed::ADO_ORG_UNCONNECTED.into(),
                    tenant_id: Some(seed::ZERO_TENANT.into()),
                    server: false,
                    instance_id: "10e1e000-0000-4000-8000-0000000000a1".into(),
                    projects: Vec::new(),
                },
                Org {
                    name: SERVER_ORG.into(),
                    tenant_id: None,
                    server: true,
                    instance_id: "5e5e0000-0000-4000-8000-0000000000a2".into(),
                    projects: vec![Project {
                        id: "9a0c0000-0000-4000-8000-0000000000b2".into(),
                        name: seed::ADO_SERVER_PROJECT.into(),
                        repos: repos(seed::ADO_SERVER_REPOS, 2),
                    }],
                },
            ],
            pats: vec![
                pat(seed::PAT_VALID, &["vso.code_write"], false),
                pat(seed::PAT_EXPIRED, &["vso.code_write"], true),
                pat(seed::PAT_NO_CODE_SCOPE, &["vso.work"], false),
                pat(seed::GLOBAL_PAT, &["vso.code_write"], false),
            ],
            server_max_api_version: (7, 0),
            services_max_api_version: (7, 2),
            missing_scope_status: 401,
        }
    }

    /// Adds a PAT (tests: other scopes, other organizations).
    pub fn add_pat(&mut self, token: &str, orgs: &[&str], scopes: &[&str]) {
        self.pats.push(Pat {
            token: token.into(),
            token_hash: hash_secret(token),
            orgs: orgs.iter().map(|s| s.to_string()).collect(),
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            expired: false,
            all_orgs: false,
            user_id: seed::ADO_USER_ID.into(),
            user_name: seed::ADO_USER_NAME.into(),
        });
    }
}

/// What the request carried in `Authorization`.
enum Credential {
    Anonymous,
    Pat(String),
    /// An Entra access token (Services only).
    Bearer(String),
    /// Anything this stand-in cannot accept (another scheme, garbage).
    Unusable,
}

fn credential(headers: &HeaderMap) -> Credential {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Credential::Anonymous;
    };
    let Ok(value) = value.to_str() else {
        return Credential::Unusable;
    };
    let Some((scheme, rest)) = value.split_once(' ') else {
        return Credential::Unusable;
    };
    if scheme.eq_ignore_ascii_case("bearer") {
        return Credential::Bearer(rest.trim().to_string());
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return Credential::Unusable;
    }
    // A PAT goes in the password; the user name is ignored (usually empty).
    base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.split_once(':').map(|(_, pat)| pat.to_string()))
        .map_or(Credential::Unusable, Credential::Pat)
}

/// The caller a credential stands for.
struct Caller {
    user_id: String,
    name: String,
    /// Whether the credential carries a Code scope.
    code: bool,
}

/// Resolves a credential in `org`; `None` means rejected.
fn caller(world: &World, org: &Org, credential: &Credential) -> Option<Caller> {
    match credential {
        Credential::Pat(token) => {
            let pat = world.ado.pats.iter().find(|p| {
                p.token == *token && !p.expired && !p.all_orgs && p.orgs.contains(&org.name)
            })?;
            Some(Caller {
                user_id: pat.user_id.clone(),
                name: pat.user_name.clone(),
                code: pat.scopes.iter().any(|s| is_code_scope(s)),
            })
        }
        // Entra OAuth does not apply to Server; on Services the token must be a user token for
        // Azure DevOps from the organization's own tenant.
        Credential::Bearer(token) if !org.server => {
            let info = world.directory.access_token(token).ok()?;
            let user_id = info.user_id.clone()?;
            if info.resource != seed::ADO_RESOURCE_APP_ID
                || org.tenant_id.as_deref() != Some(info.tenant_id.as_str())
            {
                return None;
            }
            let name = world
                .directory
                .user(&user_id)
                .map(|u| u.display_name.clone())
                .unwrap_or_else(|| user_id.clone());
            Some(Caller {
                user_id,
                name,
                code: info
                    .scopes
                    .iter()
                    .any(|s| is_code_scope(s) || s == "user_impersonation"),
            })
        }
        _ => None,
    }
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

fn sign_in_page() -> String {
    "<!DOCTYPE html><html><head><title>Azure DevOps Services | Sign In</title></head>\
     <body><h1>Sign in</h1><p>Sign in to your account to continue to Azure DevOps.</p>\
     <form method=\"post\" action=\"/_signin\"><input type=\"email\" name=\"loginfmt\"/></form>\
     </body></html>"
        .to_string()
}

/// Answer for a request without an accepted credential.
fn rejected(world: &World, org: &Org, headers: &HeaderMap, uri: &Uri, anonymous: bool) -> Response {
    let suppress = headers
        .get("x-tfs-fedauthredirect")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("suppress"));
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let mut response = if suppress {
        let message = if anonymous {
            "TF400813: Resource not available for anonymous access. Client authentication required."
        } else {
            "TF400813: The user '' is not authorized to access this resource."
        };
        json_response(
            StatusCode::UNAUTHORIZED,
            vss_error(message, "UnauthorizedRequestException"),
        )
    } else if anonymous && wants_html {
        let reply_to = format!("{}{}", world.urls.ado, uri);
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("realm", "dev.azure.com")
            .append_pair("reply_to", &reply_to)
            .append_pair("redirect", "1")
            .finish();
        let location = format!("{}/_signin?{query}", world.urls.ado);
        (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
    } else if anonymous {
        json_response(
            StatusCode::UNAUTHORIZED,
            vss_error(
                "TF400813: Resource not available for anonymous access. Client authentication required.",
                "UnauthorizedRequestException",
            ),
        )
    } else {
        // The infamous one: a bad credential "succeeds" with a sign-in page.
        (
            StatusCode::NON_AUTHORITATIVE_INFORMATION,
            Html(sign_in_page()),
        )
            .into_response()
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
    let world = world.lock().unwrap_or_else(|e| e.into_inner());
    answer(&world, &method, &uri, &headers)
}

fn answer(world: &World, method: &Method, uri: &Uri, headers: &HeaderMap) -> Response {
    let path = uri.path();
    if path == "/_signin" {
        return (StatusCode::OK, Html(sign_in_page())).into_response();
    }
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
    let credential = credential(headers);
    let anonymous = matches!(credential, Credential::Anonymous);
    let Some(caller) = caller(world, org, &credential) else {
        return rejected(world, org, headers, uri, anonymous);
    };
    if let Some(problem) = api_version_problem(state, org, uri) {
        return problem;
    }
    let rest = rest.trim_end_matches('/');
    let base = format!("{}/{}", world.urls.ado.trim_end_matches('/'), org.name);
    match rest {
        "" => (StatusCode::OK, Html(format!("<!DOCTYPE html><html><head><title>{} - Overview</title></head><body></body></html>", org.name))).into_response(),
        "_apis/connectionData" => json_response(StatusCode::OK, connection_data(org, &caller)),
        "_apis/git/repositories" => repositories(state, org, &caller, None, &base),
        _ => match rest.strip_suffix("/_apis/git/repositories") {
            Some(project) if !project.contains('/') => repositories(state, org, &caller, Some(project), &base),
            _ => json_response(
                StatusCode::NOT_FOUND,
                vss_error(
                    &format!("The controller for path '/{}/{rest}' was not found or does not implement IController.", org.name),
                    "NotFoundException",
                ),
            ),
        },
    }
}

fn identity(org: &Org, caller: &Caller) -> Value {
    let account = if org.server {
        "ACME\\alice".to_string()
    } else {
        "alice@acme.onmicrosoft.com".to_string()
    };
    json!({
        "id": caller.user_id,
        "descriptor": format!("Microsoft.IdentityModel.Claims.ClaimsIdentity;{}\\{account}", org.tenant_id.as_deref().unwrap_or("ACME")),
        "subjectDescriptor": "aad.ZTBhMWNlMDAtMDAwMC00MDAwLTgwMDAtMDAwMDAwMDAwMDA5",
        "providerDisplayName": caller.name,
        "isActive": true,
        "properties": {"Account": {"$type": "System.String", "$value": account}},
        "resourceVersion": 2,
        "metaTypeId": 0,
    })
}

fn connection_data(org: &Org, caller: &Caller) -> Value {
    json!({
        "authenticatedUser": identity(org, caller),
        "authorizedUser": identity(org, caller),
        "instanceId": org.instance_id,
        "deploymentId": "d3b10000-0000-4000-8000-0000000000d1",
        "deploymentType": if org.server { "onPremises" } else { "hosted" },
        "locationServiceData": {
            "serviceOwner": "00025394-6065-48ca-87d9-7f5672854ef7",
            "defaultAccessMappingMoniker": "PublicAccessMapping",
            "lastChangeId": 1234567,
            "lastChangeId64": 1234567,
        },
    })
}

fn repositories(
    state: &State,
    org: &Org,
    caller: &Caller,
    project: Option<&str>,
    base: &str,
) -> Response {
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
    let projects: Vec<&Project> = match project {
        None => org.projects.iter().collect(),
        Some(p) => {
            let found: Vec<&Project> = org
                .projects
                .iter()
                .filter(|x| x.name.eq_ignore_ascii_case(p) || x.id == p)
                .collect();
            if found.is_empty() {
                return json_response(
                    StatusCode::NOT_FOUND,
                    vss_error(
                        &format!("TF200016: The following project does not exist: {p}. Verify that the name of the project is correct and that the project exists on the specified Azure DevOps Server."),
                        "ProjectDoesNotExistWithNameException",
                    ),
                );
            }
            found
        }
    };
    let value: Vec<Value> = projects
        .iter()
        .flat_map(|p| p.repos.iter().map(move |r| repo_json(org, p, r, base)))
        .collect();
    json_response(
        StatusCode::OK,
        json!({"count": value.len(), "value": value}),
    )
}

fn repo_json(org: &Org, project: &Project, repo: &Repo, base: &str) -> Value {
    let web = format!("{base}/{}/_git/{}", project.name, repo.name);
    json!({
        "id": repo.id,
        "name": repo.name,
        "url": format!("{base}/{}/_apis/git/repositories/{}", project.id, repo.id),
        "project": {
            "id": project.id,
            "name": project.name,
            "url": format!("{base}/_apis/projects/{}", project.id),
            "state": "wellFormed",
            "revision": 11,
            "visibility": "private",
            "lastUpdateTime": "2025-06-01T10:00:00.000Z",
        },
        "defaultBranch": "refs/heads/main",
        "size": 48213,
        "remoteUrl": web,
        "sshUrl": if org.server {
            format!("ssh://{}:22/{}/{}/_git/{}", seed::ADO_SERVER_HOST, org.name, project.name, repo.name)
        } else {
            format!("git@ssh.dev.azure.com:v3/{}/{}/{}", org.name, project.name, repo.name)
        },
        "webUrl": web,
        "isDisabled": false,
        "isInMaintenance": false,
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
