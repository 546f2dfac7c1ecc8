//! The Microsoft Graph stand-in: the app-registration part of `/v1.0` that ado-scm calls.
//!
//! - `applications` (list with `$filter … eq …`, create, get, patch, `addPassword`,
//!   `removePassword`; the alternate keys `applications(appId='…')` and
//!   `applications(uniqueName='…')`, the latter also as an upsert)
//! - `servicePrincipals` (list, create, get by id or `servicePrincipals(appId='…')`, patch, and
//!   the upsert by `appId`)
//! - `oauth2PermissionGrants` (list, create, patch)
//!
//! Every `GET` honours `$select`.
//!
//! Bearer tokens are the Entra stand-in's: a token Graph did not get from it, an expired one or
//! one for another resource is 401 `InvalidAuthenticationToken`; a token without the delegated
//! permission an operation needs is 403 `Authorization_RequestDenied`. Error bodies are Graph's:
//! `{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}`.
//!
//! Writes are validated strictly (unknown properties, client-generated secrets, malformed redirect
//! URIs are 400 `Request_BadRequest`) so that a client mistake fails here before it fails in a
//! customer's tenant.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::seed;
use crate::world::directory::{
    self, AccessTokenInfo, Application, Directory, OAuth2PermissionGrant, RequiredResourceAccess,
    ServicePrincipal, TokenRejection,
};
use crate::world::{lock, Realism, SharedWorld, World};

pub fn router(world: SharedWorld) -> Router {
    Router::new()
        .route("/v1.0/{*rest}", any(handle))
        .with_state(world)
}

/// A Graph error, before it gets its `innerError`.
#[derive(Debug)]
struct GraphError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl GraphError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> GraphError {
        GraphError {
            status,
            code,
            message: message.into(),
        }
    }

    fn bad_request(message: impl Into<String>) -> GraphError {
        GraphError::new(StatusCode::BAD_REQUEST, "Request_BadRequest", message)
    }

    fn not_found(id: &str) -> GraphError {
        GraphError::new(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            format!("Resource '{id}' does not exist or one of its queried reference-property objects are not present."),
        )
    }

    fn denied() -> GraphError {
        GraphError::new(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        )
    }

    fn unauthenticated(message: &str) -> GraphError {
        GraphError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        )
    }

    fn unknown_segment(segment: &str) -> GraphError {
        GraphError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!("Resource not found for the segment '{segment}'."),
        )
    }

    fn method_not_allowed() -> GraphError {
        GraphError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        )
    }
}

type GraphResult = Result<Response, GraphError>;

/// The request's context once authenticated.
struct Caller {
    token: AccessTokenInfo,
    graph: String,
    realism: Realism,
    /// `Prefer: create-if-missing`: a PATCH by alternate key creates what it does not find.
    create_if_missing: bool,
}

impl Caller {
    fn tenant(&self) -> &str {
        &self.token.tenant_id
    }

    /// Whether the token carries one of `permissions` (delegated scopes: the sandbox issues no
    /// app roles).
    fn require(&self, permissions: &[&str]) -> Result<(), GraphError> {
        let scopes = &self.token.scopes;
        if scopes
            .iter()
            .any(|s| permissions.iter().any(|p| p.eq_ignore_ascii_case(s)))
        {
            Ok(())
        } else {
            Err(GraphError::denied())
        }
    }

    fn context(&self, fragment: &str) -> String {
        format!("{}/v1.0/$metadata#{fragment}", self.graph)
    }
}

#[rustfmt::skip]
const READ_APPS: &[&str] = &[
    "Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const WRITE_APPS: &[&str] = &["Application.ReadWrite.All", "Directory.ReadWrite.All"];
/// Reading consent grants (`GET /oauth2PermissionGrants`, `…/{id}`, and a service principal's):
/// Microsoft's pages for those calls name `Directory.Read.All`, then
/// `DelegatedPermissionGrant.ReadWrite.All` and `Directory.ReadWrite.All`; no `Application.*`.
#[rustfmt::skip]
const READ_GRANTS: &[&str] = &[
    "Directory.Read.All", "Directory.ReadWrite.All", "DelegatedPermissionGrant.ReadWrite.All",
];
const WRITE_GRANTS: &[&str] = &["DelegatedPermissionGrant.ReadWrite.All"];
async fn handle(
    State(world): State<SharedWorld>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut guard = lock(&world);
    let world = &mut *guard;
    let World {
        directory,
        urls,
        realism,
        ..
    } = world;
    let create_if_missing = headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("create-if-missing"));
    let graph = urls.graph.trim_end_matches('/').to_string();
    let client_request_id = headers
        .get("client-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let request_id = directory::new_guid();
    let now = directory.now();
    let result = authenticate(directory, &headers).and_then(|token| {
        let caller = Caller {
            token,
            graph,
            realism: realism.clone(),
            create_if_missing,
        };
        route(directory, &caller, &method, &uri, &body)
    });
    let mut response = match result {
        Ok(response) => response,
        Err(err) => {
            let body = json!({
                "error": {
                    "code": err.code,
                    "message": err.message,
                    "innerError": {
                        "date": directory::iso(now).trim_end_matches('Z'),
                        "request-id": request_id,
                        "client-request-id": client_request_id.clone().unwrap_or_else(|| request_id.clone()),
                    }
                }
            });
            let mut response = (err.status, graph_json_headers(), body.to_string()).into_response();
            if err.status == StatusCode::UNAUTHORIZED {
                response.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(
                        "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
                    ),
                );
            }
            response
        }
    };
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        headers.insert("request-id", v);
    }
    if let Some(v) = client_request_id.and_then(|v| HeaderValue::from_str(&v).ok()) {
        headers.insert("client-request-id", v);
    }
    response
}

fn graph_json_headers() -> [(header::HeaderName, HeaderValue); 1] {
    [(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
        ),
    )]
}

fn ok_json(status: StatusCode, body: Value) -> Response {
    (status, graph_json_headers(), body.to_string()).into_response()
}

fn no_content() -> Response {
    StatusCode::NO_CONTENT.into_response()
}

fn authenticate(directory: &Directory, headers: &HeaderMap) -> Result<AccessTokenInfo, GraphError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .trim();
    let token = match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
        _ => "",
    };
    if token.is_empty() {
        return Err(GraphError::unauthenticated("Access token is empty."));
    }
    let info = directory.access_token(token).map_err(|e| match e {
        TokenRejection::Expired => {
            GraphError::unauthenticated("Lifetime validation failed, the token is expired.")
        }
        TokenRejection::Unknown => GraphError::unauthenticated(
            "IDX14100: JWT is not well formed, or not issued by this tenant's authority.",
        ),
    })?;
    if info.resource != seed::GRAPH_APP_ID {
        return Err(GraphError::unauthenticated(
            "Access token validation failure. Invalid audience.",
        ));
    }
    Ok(info.clone())
}

/// Percent-decodes a path segment (`servicePrincipals(appId=%27…%27)`); a `%` not followed by
/// two hex digits stays as it is.
fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `name(key='value')` → (`name`, `key`, `value`).
fn alternate_key(segment: &str) -> Option<(&str, &str, String)> {
    let (name, rest) = segment.split_once('(')?;
    let inner = rest.strip_suffix(')')?;
    let (key, value) = inner.split_once('=')?;
    let value = value.trim().strip_prefix('\'')?.strip_suffix('\'')?;
    Some((name, key.trim(), value.replace("''", "'")))
}

/// Query options (`$filter`, `$select`).
#[derive(Default)]
struct Query {
    filter: Option<String>,
    select: Option<Vec<String>>,
}

fn parse_query(uri: &Uri) -> Result<Query, GraphError> {
    let mut query = Query::default();
    for (key, value) in form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes()) {
        match key.trim_start_matches('$').to_ascii_lowercase().as_str() {
            "filter" => query.filter = Some(value.into_owned()),
            "select" => {
                query.select = Some(
                    value
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                )
            }
            _ => {}
        }
    }
    Ok(query)
}

fn route(
    directory: &mut Directory,
    caller: &Caller,
    method: &Method,
    uri: &Uri,
    body: &[u8],
) -> GraphResult {
    let path = uri.path().strip_prefix("/v1.0/").unwrap_or_default();
    let segments: Vec<String> = path
        .trim_end_matches('/')
        .split('/')
        .map(percent_decode)
        .collect();
    let query = parse_query(uri)?;
    let seg: Vec<&str> = segments.iter().map(String::as_str).collect();
    match seg.as_slice() {
        ["applications"] => match *method {
            Method::GET => list_applications(directory, caller, &query),
            Method::POST => create_application(directory, caller, body, None),
            _ => Err(GraphError::method_not_allowed()),
        },
        ["applications", id] => application_item(directory, caller, method, id, &query, body),
        [one] if one.starts_with("applications(") => {
            application_item(directory, caller, method, one, &query, body)
        }
        ["applications", id, action] => app_action(directory, caller, method, id, action, body),
        [key, action] if key.starts_with("applications(") => {
            app_action(directory, caller, method, key, action, body)
        }
        ["servicePrincipals"] => match *method {
            Method::GET => list_service_principals(directory, caller, &query),
            Method::POST => create_service_principal(directory, caller, body),
            _ => Err(GraphError::method_not_allowed()),
        },
        ["servicePrincipals", id] => sp_item(directory, caller, method, id, &query, body),
        [one] if one.starts_with("servicePrincipals(") => {
            sp_item(directory, caller, method, one, &query, body)
        }
        ["oauth2PermissionGrants"] => match *method {
            Method::GET => list_grants(directory, caller, &query),
            Method::POST => create_grant(directory, caller, body),
            _ => Err(GraphError::method_not_allowed()),
        },
        ["oauth2PermissionGrants", id] => match *method {
            Method::PATCH => patch_grant(directory, caller, id, body),
            _ => Err(GraphError::method_not_allowed()),
        },
        _ => {
            let known = [
                "applications",
                "servicePrincipals",
                "oauth2PermissionGrants",
            ];
            let first_unknown = seg.iter().find(|s| !known.contains(s)).unwrap_or(&"");
            Err(GraphError::unknown_segment(first_unknown))
        }
    }
}

/// `POST applications/{id}/addPassword` and `removePassword` (also with the
/// `microsoft.graph.` prefix Graph accepts on actions).
fn app_action(
    directory: &mut Directory,
    caller: &Caller,
    method: &Method,
    id: &str,
    action: &str,
    body: &[u8],
) -> GraphResult {
    match (method, action.trim_start_matches("microsoft.graph.")) {
        (&Method::POST, "addPassword") => add_password(directory, caller, id, body),
        (&Method::POST, "removePassword") => remove_password(directory, caller, id, body),
        (_, "addPassword" | "removePassword") => Err(GraphError::method_not_allowed()),
        _ => Err(GraphError::unknown_segment(action)),
    }
}

// ---- helpers: objects as Graph shows them ----

/// Keeps the `$select`ed properties (all when there is no `$select`); unknown names are 400.
fn project(value: Value, select: Option<&[String]>, type_name: &str) -> Result<Value, GraphError> {
    let Some(select) = select else {
        return Ok(value);
    };
    let Value::Object(map) = value else {
        return Ok(value);
    };
    let mut out = Map::new();
    for name in select {
        match map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)) {
            Some((k, v)) => {
                out.insert(k.clone(), v.clone());
            }
            None => {
                return Err(GraphError::new(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    format!("Could not find a property named '{name}' on type 'microsoft.graph.{type_name}'."),
                ))
            }
        }
    }
    Ok(Value::Object(out))
}

fn with_context(mut value: Value, context: String) -> Value {
    if let Value::Object(map) = &mut value {
        let mut out = Map::new();
        out.insert("@odata.context".into(), Value::String(context));
        out.append(map);
        return Value::Object(out);
    }
    value
}

fn select_suffix(select: Option<&[String]>) -> String {
    select
        .map(|s| format!("({})", s.join(",")))
        .unwrap_or_default()
}

/// One `$filter` condition: `prop eq 'value'` (all ado-scm asks).
#[derive(Debug, PartialEq, Eq)]
struct Condition(String, String);

/// Parses the `and` of `eq` conditions; string literals use `''` for a quote. Other operators
/// are refused as Graph refuses what a property does not support.
fn parse_filter(
    filter: &str,
    allowed: &[&str],
    resource: &str,
) -> Result<Vec<Condition>, GraphError> {
    let unsupported = |what: &str| {
        GraphError::new(
            StatusCode::BAD_REQUEST,
            "Request_UnsupportedQuery",
            format!("Unsupported or invalid query filter clause specified for property '{what}' of resource '{resource}'."),
        )
    };
    let mut conditions = Vec::new();
    let mut rest = filter.trim();
    loop {
        let mut parts = rest.splitn(3, ' ');
        let prop = parts.next().unwrap_or_default();
        let op = parts.next().unwrap_or_default();
        let tail = parts.next().unwrap_or_default();
        if !op.eq_ignore_ascii_case("eq") || !allowed.iter().any(|a| a.eq_ignore_ascii_case(prop)) {
            return Err(unsupported(prop));
        }
        let (literal, after) =
            string_literal(tail.trim_start()).ok_or_else(|| unsupported(prop))?;
        conditions.push(Condition(prop.to_string(), literal));
        let after = after.trim();
        if after.is_empty() {
            return Ok(conditions);
        }
        rest = after
            .strip_prefix("and ")
            .ok_or_else(|| unsupported(after))?
            .trim_start();
    }
}

/// `'it''s'…` → (`it's`, rest after the closing quote).
fn string_literal(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('\'')?;
    let mut out = String::new();
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if matches!(chars.peek(), Some((_, '\''))) {
                out.push('\'');
                chars.next();
                continue;
            }
            return Some((out, &body[i + 1..]));
        }
        out.push(c);
    }
    None
}

/// Whether a Graph object (as JSON) meets every condition (string comparison ignores case, as
/// Graph's does on these properties).
fn matches_all(value: &Value, conditions: &[Condition]) -> bool {
    conditions.iter().all(|Condition(prop, wanted)| {
        let actual = value
            .as_object()
            .and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case(prop)))
            .and_then(|(_, v)| v.as_str());
        actual.is_some_and(|a| a.eq_ignore_ascii_case(wanted))
    })
}

fn parse_body(body: &[u8]) -> Result<Map<String, Value>, GraphError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )),
    }
}

fn no_such_property(name: &str, type_name: &str) -> GraphError {
    GraphError::bad_request(format!(
        "Property '{name}' does not exist on type 'microsoft.graph.{type_name}'. Make sure to only use property names that are defined by the type."
    ))
}

fn invalid_value(property: &str, resource: &str) -> GraphError {
    GraphError::bad_request(format!(
        "Invalid value specified for property '{property}' of resource '{resource}'."
    ))
}

/// A serde error inside a typed sub-object, in Graph's words.
fn typed<T: for<'de> Deserialize<'de>>(
    value: &Value,
    property: &str,
    type_name: &str,
) -> Result<T, GraphError> {
    serde_json::from_value(value.clone()).map_err(|e| {
        let text = e.to_string();
        match text
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split_once('`'))
        {
            Some((field, _)) => no_such_property(field, type_name),
            None => invalid_value(property, "Application"),
        }
    })
}

/// What a collection's `GET` needs to know of it.
struct Listing {
    /// The entity set, as `@odata.context` names it (`applications`).
    entity_set: &'static str,
    /// The type `$select` projects onto (`application`).
    entity_type: &'static str,
    /// The type `$filter` errors name (`Application`).
    filter_type: &'static str,
    /// The properties `$filter` may name.
    filterable: &'static [&'static str],
}

/// One entity's `GET`: its Graph JSON projected by `$select`, with the `@odata.context` that
/// names it in `entity_set` (`entity_type` is the type `$select` projects onto).
fn entity(
    caller: &Caller,
    query: &Query,
    value: Value,
    entity_set: &str,
    entity_type: &str,
) -> GraphResult {
    let select = query.select.as_deref();
    let value = project(value, select, entity_type)?;
    Ok(ok_json(
        StatusCode::OK,
        with_context(
            value,
            caller.context(&format!("{entity_set}{}/$entity", select_suffix(select))),
        ),
    ))
}

/// A collection's `GET`: `objects` (id and Graph JSON, the caller's tenant's) narrowed by
/// `$filter`, then by what is visible yet (eventual consistency), projected by `$select`.
fn list(
    directory: &mut Directory,
    caller: &Caller,
    query: &Query,
    listing: &Listing,
    objects: Vec<(String, Value)>,
) -> GraphResult {
    let conditions = match &query.filter {
        Some(f) => parse_filter(f, listing.filterable, listing.filter_type)?,
        None => Vec::new(),
    };
    let select = query.select.as_deref();
    let mut values = Vec::new();
    for (id, value) in objects {
        if matches_all(&value, &conditions) && directory.visible(&id) {
            values.push(project(value, select, listing.entity_type)?);
        }
    }
    Ok(ok_json(
        StatusCode::OK,
        json!({
            "@odata.context": caller.context(&format!("{}{}", listing.entity_set, select_suffix(select))),
            "value": values,
        }),
    ))
}

/// An object's keys: tenant, object id, and its alternate keys by name (`appId`, `uniqueName`).
type Keys<'a> = (&'a str, &'a str, Vec<(&'static str, Option<&'a str>)>);

/// The index in `objects` of the one in the caller's tenant that an `{id}` segment names: an
/// object id, or an alternate key `(appId='…')`, `(uniqueName='…')` that `keys` lists for it;
/// `entity_set` names the collection in the error for another alternate key.
fn find_by_key<T>(
    objects: &[T],
    keys: impl Fn(&T) -> Keys<'_>,
    caller: &Caller,
    id: &str,
    entity_set: &str,
) -> Result<usize, GraphError> {
    let found = match alternate_key(id) {
        Some((_, key, value)) => {
            let supported = objects.first().is_none_or(|o| {
                keys(o)
                    .2
                    .iter()
                    .any(|(name, _)| name.eq_ignore_ascii_case(key))
            });
            if !supported {
                return Err(GraphError::bad_request(format!(
                    "The alternate key '{key}' is not supported for {entity_set}."
                )));
            }
            objects.iter().position(|o| {
                let (tenant, _, alternates) = keys(o);
                tenant == caller.tenant()
                    && alternates.iter().any(|(name, v)| {
                        name.eq_ignore_ascii_case(key)
                            && v.is_some_and(|v| v.eq_ignore_ascii_case(&value))
                    })
            })
        }
        None => {
            if !directory::is_guid(id) {
                return Err(GraphError::bad_request(format!(
                    "Invalid object identifier '{id}'."
                )));
            }
            objects.iter().position(|o| {
                let (tenant, object_id, _) = keys(o);
                tenant == caller.tenant() && object_id.eq_ignore_ascii_case(id)
            })
        }
    };
    found.ok_or_else(|| GraphError::not_found(id))
}

// ---- applications ----

/// The app an `{id}` segment names: an object id, `applications(appId='…')` or
/// `applications(uniqueName='…')`.
fn find_application(directory: &Directory, caller: &Caller, id: &str) -> Result<usize, GraphError> {
    find_by_key(
        &directory.applications,
        |a| {
            let alternates = vec![
                ("appId", Some(a.app_id.as_str())),
                ("uniqueName", a.unique_name.as_deref()),
            ];
            (&a.tenant_id, &a.id, alternates)
        },
        caller,
        id,
        "applications",
    )
}

/// The `uniqueName` an `applications(uniqueName='…')` segment names.
fn unique_name_key(id: &str) -> Option<String> {
    alternate_key(id)
        .filter(|(_, key, _)| key.eq_ignore_ascii_case("uniqueName"))
        .map(|(_, _, value)| value)
}

/// Like [`find_application`], honouring the eventual-consistency knob for reads and writes.
fn visible_application(
    directory: &mut Directory,
    caller: &Caller,
    id: &str,
) -> Result<usize, GraphError> {
    let index = find_application(directory, caller, id)?;
    let object_id = directory.applications[index].id.clone();
    if !directory.visible(&object_id) {
        return Err(GraphError::not_found(id));
    }
    Ok(index)
}

/// Owners and admins may change an app; other users may not (Entra's default).
fn may_change(directory: &Directory, caller: &Caller, app: &Application) -> bool {
    match caller.token.user_id.as_deref() {
        None => true,
        Some(user) => {
            app.owner_ids.iter().any(|o| o == user)
                || directory.user(user).is_some_and(|u| u.is_consent_admin())
        }
    }
}

fn list_applications(directory: &mut Directory, caller: &Caller, query: &Query) -> GraphResult {
    caller.require(READ_APPS)?;
    let objects = directory
        .applications
        .iter()
        .filter(|a| a.tenant_id == caller.tenant())
        .map(|a| (a.id.clone(), a.graph_json()))
        .collect();
    let listing = Listing {
        entity_set: "applications",
        entity_type: "application",
        filter_type: "Application",
        filterable: &["displayName", "appId", "id"],
    };
    list(directory, caller, query, &listing, objects)
}

fn application_item(
    directory: &mut Directory,
    caller: &Caller,
    method: &Method,
    id: &str,
    query: &Query,
    body: &[u8],
) -> GraphResult {
    match *method {
        Method::GET => {
            caller.require(READ_APPS)?;
            let index = visible_application(directory, caller, id)?;
            let value = directory.applications[index].graph_json();
            entity(caller, query, value, "applications", "application")
        }
        Method::PATCH => {
            caller.require(WRITE_APPS)?;
            // An upsert's key is unique in the directory, so it finds even an app that reads
            // do not show yet; `Prefer: create-if-missing` creates what it does not find
            // (Microsoft Learn, "Upsert application": 201 with the new app, else 204; without
            // the header a missing app is 404).
            let index = match unique_name_key(id) {
                Some(unique_name) => match find_application(directory, caller, id) {
                    Err(e) if e.status == StatusCode::NOT_FOUND && caller.create_if_missing => {
                        return create_application(directory, caller, body, Some(unique_name));
                    }
                    found => found?,
                },
                None => visible_application(directory, caller, id)?,
            };
            if !may_change(directory, caller, &directory.applications[index]) {
                return Err(GraphError::denied());
            }
            let input = parse_body(body)?;
            let mut app = directory.applications[index].clone();
            apply_application(&mut app, &input, false)?;
            // The app's service principal follows its display name.
            for sp in directory
                .service_principals
                .iter_mut()
                .filter(|s| s.tenant_id == app.tenant_id && s.app_id == app.app_id)
            {
                sp.display_name = app.display_name.clone();
            }
            directory.applications[index] = app;
            Ok(no_content())
        }
        _ => Err(GraphError::method_not_allowed()),
    }
}

/// `POST /applications`, or the creating branch of an upsert (`unique_name` from its key).
fn create_application(
    directory: &mut Directory,
    caller: &Caller,
    body: &[u8],
    unique_name: Option<String>,
) -> GraphResult {
    caller.require(WRITE_APPS)?;
    let input = parse_body(body)?;
    let display_name = input
        .get("displayName")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| invalid_value("displayName", "Application"))?;
    let tenant = directory
        .tenant(caller.tenant())
        .cloned()
        .ok_or_else(|| GraphError::not_found(caller.tenant()))?;
    let mut app = Application::new(&tenant, display_name);
    app.unique_name = unique_name;
    apply_application(&mut app, &input, true)?;
    if let Some(name) = &app.unique_name {
        let taken = directory.applications.iter().any(|a| {
            a.tenant_id == app.tenant_id
                && a.unique_name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
        });
        if taken {
            // Not documented; by analogy with a service principal's duplicate app id.
            return Err(GraphError::new(
                StatusCode::CONFLICT,
                "Request_MultipleObjectsWithSameKeyValue",
                format!("Another object with the same value for property uniqueName already exists: {name}."),
            ));
        }
    }
    if let Some(user) = &caller.token.user_id {
        app.owner_ids.push(user.clone());
    }
    let value = app.graph_json();
    let id = app.id.clone();
    let realism = &caller.realism;
    directory.note_new_app(
        &app.app_id,
        realism.sp_create_bad_request_after_app_create,
        realism.entra_unknown_new_app,
    );
    directory.applications.push(app);
    directory.note_created(&id, realism.graph_read_misses_after_create);
    let mut response = ok_json(
        StatusCode::CREATED,
        with_context(value, caller.context("applications/$entity")),
    );
    if let Ok(location) = HeaderValue::from_str(&format!("{}/v1.0/applications/{id}", caller.graph))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ImplicitPatch {
    enable_id_token_issuance: Option<bool>,
    enable_access_token_issuance: Option<bool>,
}

/// `web`: the redirect URIs and the implicit-grant switches are kept; the other properties of
/// `webApplication` are accepted and dropped; anything else is refused.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WebPatch {
    redirect_uris: Option<Vec<String>>,
    implicit_grant_settings: Option<ImplicitPatch>,
    #[serde(rename = "homePageUrl")]
    _home_page_url: Option<Value>,
    #[serde(rename = "logoutUrl")]
    _logout_url: Option<Value>,
    #[serde(rename = "redirectUriSettings")]
    _redirect_uri_settings: Option<Value>,
}

/// Writable application properties ado-scm does not send, kept as given so that a client
/// sending one is not refused for a property Graph knows.
#[rustfmt::skip]
const PASSTHROUGH_APP_PROPERTIES: &[&str] = &[
    "addIns", "api", "appRoles", "authenticationBehaviors", "certification", "defaultRedirectUri",
    "description", "groupMembershipClaims", "identifierUris", "info", "isDeviceOnlyAuthSupported",
    "isFallbackPublicClient", "logo", "nativeAuthenticationApisEnabled", "notes",
    "oauth2RequirePostResponse", "optionalClaims", "parentalControlSettings", "publicClient",
    "requestSignatureVerification", "samlMetadataUrl", "serviceManagementReference",
    "servicePrincipalLockConfiguration", "spa", "tags", "tokenEncryptionKeyId",
];

#[rustfmt::skip]
const SIGN_IN_AUDIENCES: &[&str] = &[
    "AzureADMyOrg", "AzureADMultipleOrgs", "AzureADandPersonalMicrosoftAccount",
    "PersonalMicrosoftAccount",
];

/// Web redirect URIs: absolute, `https`, or `http` on a loopback host only; no fragment.
fn check_redirect_uris(uris: &[String]) -> Result<(), GraphError> {
    for uri in uris {
        let ok = url::Url::parse(uri).is_ok_and(|url| {
            let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1"));
            url.fragment().is_none()
                && (url.scheme() == "https" || (url.scheme() == "http" && loopback))
        });
        if !ok {
            return Err(invalid_value("web.redirectUris", "Application"));
        }
    }
    Ok(())
}

fn string_list(value: &Value, property: &str) -> Result<Vec<String>, GraphError> {
    serde_json::from_value::<Vec<String>>(value.clone())
        .map_err(|_| invalid_value(property, "Application"))
}

/// Applies a create or PATCH body: unknown properties, read-only ones and secrets are refused;
/// `web` merges, `requiredResourceAccess` replaces. `uniqueName` may only be given when
/// `creating` (or repeated unchanged).
fn apply_application(
    app: &mut Application,
    input: &Map<String, Value>,
    creating: bool,
) -> Result<(), GraphError> {
    for (key, value) in input {
        if key.contains('@') {
            // `@odata.type`, `owners@odata.bind`: annotations, not properties.
            continue;
        }
        match key.as_str() {
            "displayName" => match value.as_str().filter(|s| !s.trim().is_empty()) {
                Some(s) => app.display_name = s.to_string(),
                None => return Err(invalid_value("displayName", "Application")),
            },
            "signInAudience" => match value.as_str().filter(|s| SIGN_IN_AUDIENCES.contains(s)) {
                Some(s) => app.sign_in_audience = s.to_string(),
                None => return Err(invalid_value("signInAudience", "Application")),
            },
            "web" => {
                let patch: WebPatch = typed(value, "web", "webApplication")?;
                if let Some(uris) = patch.redirect_uris {
                    check_redirect_uris(&uris)?;
                    app.web.redirect_uris = uris;
                }
                if let Some(implicit) = patch.implicit_grant_settings {
                    let settings = &mut app.web.implicit_grant_settings;
                    if let Some(b) = implicit.enable_id_token_issuance {
                        settings.enable_id_token_issuance = b;
                    }
                    if let Some(b) = implicit.enable_access_token_issuance {
                        settings.enable_access_token_issuance = b;
                    }
                }
            }
            "requiredResourceAccess" => {
                let list: Vec<RequiredResourceAccess> =
                    typed(value, "requiredResourceAccess", "requiredResourceAccess")?;
                for entry in &list {
                    if !directory::is_guid(&entry.resource_app_id)
                        || entry.resource_access.iter().any(|a| {
                            !directory::is_guid(&a.id)
                                || !matches!(a.kind.as_str(), "Scope" | "Role")
                        })
                    {
                        return Err(invalid_value("requiredResourceAccess", "Application"));
                    }
                }
                app.required_resource_access = list;
            }
            "uniqueName" => match (app.unique_name.as_deref(), value.as_str()) {
                (Some(current), Some(new)) if current == new => {}
                (None, Some(new)) if creating && !new.trim().is_empty() => {
                    app.unique_name = Some(new.to_string())
                }
                // Microsoft Learn, application resource: `uniqueName` is immutable.
                _ => {
                    return Err(GraphError::bad_request(
                        "Property 'uniqueName' is read-only and cannot be set.",
                    ))
                }
            },
            // Graph makes secrets itself (`addPassword`): a client-made one is refused.
            "passwordCredentials" | "keyCredentials" => {
                if value.as_array().is_some_and(|a| !a.is_empty()) {
                    return Err(GraphError::bad_request(format!(
                        "Property '{key}' cannot be set here: credentials are added with addPassword/addKey, and the server generates keyId and secretText."
                    )));
                }
            }
            "id" | "appId" | "createdDateTime" | "publisherDomain" | "deletedDateTime" => {
                return Err(GraphError::bad_request(format!(
                    "Property '{key}' is read-only and cannot be set."
                )))
            }
            other if PASSTHROUGH_APP_PROPERTIES.contains(&other) => {
                app.other.insert(other.to_string(), value.clone());
            }
            other => return Err(no_such_property(other, "application")),
        }
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PasswordCredentialInput {
    display_name: Option<String>,
    start_date_time: Option<String>,
    end_date_time: Option<String>,
}

fn add_password(directory: &mut Directory, caller: &Caller, id: &str, body: &[u8]) -> GraphResult {
    caller.require(WRITE_APPS)?;
    let index = visible_application(directory, caller, id)?;
    if !may_change(directory, caller, &directory.applications[index]) {
        return Err(GraphError::denied());
    }
    let input = parse_body(body)?;
    let mut credential = PasswordCredentialInput {
        display_name: None,
        start_date_time: None,
        end_date_time: None,
    };
    for (key, value) in &input {
        match key.as_str() {
            "passwordCredential" => {
                credential = serde_json::from_value(value.clone()).map_err(|e| {
                    let text = e.to_string();
                    match text.strip_prefix("unknown field `").and_then(|r| r.split_once('`')) {
                        // keyId, secretText, hint: generated by the server.
                        Some((field, _)) => GraphError::bad_request(format!(
                            "Property '{field}' of 'microsoft.graph.passwordCredential' cannot be set by the client in addPassword."
                        )),
                        None => invalid_value("passwordCredential", "PasswordCredential"),
                    }
                })?;
            }
            other => return Err(no_such_property(other, "application.addPassword")),
        }
    }
    let parse = |v: &Option<String>,
                 name: &str|
     -> Result<Option<chrono::DateTime<chrono::Utc>>, GraphError> {
        match v {
            None => Ok(None),
            Some(s) => directory::parse_time(s)
                .map(Some)
                .ok_or_else(|| invalid_value(name, "PasswordCredential")),
        }
    };
    let start = parse(&credential.start_date_time, "startDateTime")?;
    let end = parse(&credential.end_date_time, "endDateTime")?;
    let effective_start = start.unwrap_or_else(|| directory.now());
    if end.is_some_and(|end| end <= effective_start) {
        return Err(GraphError::bad_request(
            "Invalid value specified for property 'endDateTime' of resource 'PasswordCredential': it must be later than startDateTime.",
        ));
    }
    let object_id = directory.applications[index].id.clone();
    let failures = caller.realism.secret_replication_failures;
    let (created, secret) = directory
        .add_password(&object_id, credential.display_name, start, end, failures)
        .ok_or_else(|| GraphError::not_found(id))?;
    let mut value = created.graph_json();
    value["secretText"] = Value::String(secret);
    Ok(ok_json(
        StatusCode::OK,
        with_context(value, caller.context("microsoft.graph.passwordCredential")),
    ))
}

fn remove_password(
    directory: &mut Directory,
    caller: &Caller,
    id: &str,
    body: &[u8],
) -> GraphResult {
    caller.require(WRITE_APPS)?;
    let index = visible_application(directory, caller, id)?;
    if !may_change(directory, caller, &directory.applications[index]) {
        return Err(GraphError::denied());
    }
    let input = parse_body(body)?;
    if let Some(other) = input.keys().find(|k| k.as_str() != "keyId") {
        return Err(no_such_property(other, "application.removePassword"));
    }
    let key_id = input
        .get("keyId")
        .and_then(Value::as_str)
        .filter(|k| directory::is_guid(k))
        .ok_or_else(|| invalid_value("keyId", "PasswordCredential"))?;
    let app = &mut directory.applications[index];
    let before = app.password_credentials.len();
    app.password_credentials
        .retain(|c| !c.key_id.eq_ignore_ascii_case(key_id));
    if app.password_credentials.len() == before {
        // Not in the reference page. Graph refuses a keyId the app does not have with a 400
        // "No password credential found with keyId …": HashiCorp Vault's Azure secrets engine
        // matches that text to treat the secret as already removed, and public reports of
        // removePassword racing addPassword quote it with a 400.
        return Err(GraphError::bad_request(format!(
            "No password credential found with keyId {key_id}."
        )));
    }
    Ok(no_content())
}

// ---- service principals ----

/// The service principal an `{id}` segment names: an object id, or
/// `servicePrincipals(appId='…')`.
fn find_sp(directory: &Directory, caller: &Caller, id: &str) -> Result<usize, GraphError> {
    find_by_key(
        &directory.service_principals,
        |s| {
            (
                &s.tenant_id,
                &s.id,
                vec![("appId", Some(s.app_id.as_str()))],
            )
        },
        caller,
        id,
        "servicePrincipals",
    )
}

fn list_service_principals(
    directory: &mut Directory,
    caller: &Caller,
    query: &Query,
) -> GraphResult {
    caller.require(READ_APPS)?;
    let objects = directory
        .service_principals
        .iter()
        .filter(|s| s.tenant_id == caller.tenant())
        .map(|s| (s.id.clone(), s.graph_json()))
        .collect();
    let listing = Listing {
        entity_set: "servicePrincipals",
        entity_type: "servicePrincipal",
        filter_type: "ServicePrincipal",
        filterable: &["appId", "displayName", "id", "servicePrincipalType"],
    };
    list(directory, caller, query, &listing, objects)
}

fn sp_item(
    directory: &mut Directory,
    caller: &Caller,
    method: &Method,
    id: &str,
    query: &Query,
    body: &[u8],
) -> GraphResult {
    match *method {
        Method::GET => {
            caller.require(READ_APPS)?;
            let index = find_sp(directory, caller, id)?;
            let object_id = directory.service_principals[index].id.clone();
            if !directory.visible(&object_id) {
                return Err(GraphError::not_found(id));
            }
            let value = directory.service_principals[index].graph_json();
            entity(
                caller,
                query,
                value,
                "servicePrincipals",
                "servicePrincipal",
            )
        }
        Method::PATCH => {
            caller.require(WRITE_APPS)?;
            let input = parse_body(body)?;
            // Microsoft Learn, "Upsert servicePrincipal": with `Prefer: create-if-missing` a
            // missing one is created (201), an existing one updated (204).
            let index = match find_sp(directory, caller, id) {
                Err(e) if e.status == StatusCode::NOT_FOUND && caller.create_if_missing => {
                    let key =
                        alternate_key(id).filter(|(_, key, _)| key.eq_ignore_ascii_case("appId"));
                    match key {
                        Some((_, _, app_id)) => {
                            return create_sp(directory, caller, &app_id, &input)
                        }
                        None => return Err(e),
                    }
                }
                found => found?,
            };
            apply_sp(&mut directory.service_principals[index], &input)?;
            Ok(no_content())
        }
        _ => Err(GraphError::method_not_allowed()),
    }
}

/// The writable service principal properties a body may carry (checked, mostly not modeled).
#[rustfmt::skip]
const SP_PROPERTIES: &[&str] = &[
    "accountEnabled", "tags", "appRoleAssignmentRequired", "notes", "description",
    "notificationEmailAddresses", "preferredSingleSignOnMode", "loginUrl", "homepage",
];

/// Applies a service principal body: `accountEnabled` and `tags` are kept, the other known
/// properties accepted, anything else refused.
fn apply_sp(sp: &mut ServicePrincipal, input: &Map<String, Value>) -> Result<(), GraphError> {
    for (key, value) in input {
        match key.as_str() {
            "accountEnabled" => {
                sp.account_enabled = value
                    .as_bool()
                    .ok_or_else(|| invalid_value(key, "ServicePrincipal"))?
            }
            "tags" => sp.tags = string_list(value, key)?,
            "appId" => {}
            other if other.contains('@') || SP_PROPERTIES.contains(&other) => {}
            other => return Err(no_such_property(other, "servicePrincipal")),
        }
    }
    Ok(())
}

fn create_service_principal(
    directory: &mut Directory,
    caller: &Caller,
    body: &[u8],
) -> GraphResult {
    caller.require(WRITE_APPS)?;
    let input = parse_body(body)?;
    let app_id = input
        .get("appId")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_value("appId", "ServicePrincipal"))?
        .to_string();
    create_sp(directory, caller, &app_id, &input)
}

/// `POST /servicePrincipals`, or the creating branch of an upsert.
fn create_sp(
    directory: &mut Directory,
    caller: &Caller,
    app_id: &str,
    input: &Map<String, Value>,
) -> GraphResult {
    if input
        .get("appId")
        .and_then(Value::as_str)
        .is_some_and(|a| !a.eq_ignore_ascii_case(app_id))
    {
        return Err(invalid_value("appId", "ServicePrincipal"));
    }
    if directory
        .service_principals
        .iter()
        .any(|s| s.tenant_id == caller.tenant() && s.app_id.eq_ignore_ascii_case(app_id))
    {
        // Graph answers 409 (Terraform's and Azure PowerShell's reports of this exact error).
        return Err(GraphError::new(
            StatusCode::CONFLICT,
            "Request_MultipleObjectsWithSameKeyValue",
            format!("The service principal cannot be created, updated, or restored because the service principal name {app_id} is already in use."),
        ));
    }
    let no_backing_app = || {
        GraphError::bad_request(format!(
            "The appId '{app_id}' of the service principal does not reference a valid application object."
        ))
    };
    // A just-created app is refused this way for a while (realism).
    if directory.refuse_new_sp(app_id) {
        return Err(no_backing_app());
    }
    let Some(app) = directory.application_by_app_id(caller.tenant(), app_id) else {
        return Err(no_backing_app());
    };
    let mut sp = ServicePrincipal::for_application(app);
    apply_sp(&mut sp, input)?;
    let value = sp.graph_json();
    let id = sp.id.clone();
    directory.service_principals.push(sp);
    directory.note_created(&id, caller.realism.graph_read_misses_after_create);
    Ok(ok_json(
        StatusCode::CREATED,
        with_context(value, caller.context("servicePrincipals/$entity")),
    ))
}

// ---- oauth2PermissionGrants ----

/// Granting consent needs the permission and, for a user, an admin role.
fn require_grant_writer(directory: &Directory, caller: &Caller) -> Result<(), GraphError> {
    caller.require(WRITE_GRANTS)?;
    if let Some(user) = caller.token.user_id.as_deref() {
        if !directory.user(user).is_some_and(|u| u.is_consent_admin()) {
            return Err(GraphError::denied());
        }
    }
    Ok(())
}

fn list_grants(directory: &mut Directory, caller: &Caller, query: &Query) -> GraphResult {
    caller.require(READ_GRANTS)?;
    let objects = directory
        .oauth2_permission_grants
        .iter()
        .filter(|g| g.tenant_id == caller.tenant())
        .map(|g| (g.id.clone(), g.graph_json()))
        .collect();
    let listing = Listing {
        entity_set: "oauth2PermissionGrants",
        entity_type: "oAuth2PermissionGrant",
        filter_type: "OAuth2PermissionGrant",
        filterable: &["clientId", "resourceId", "consentType", "principalId", "id"],
    };
    list(directory, caller, query, &listing, objects)
}

/// Every value of `scope` must be a delegated permission the resource publishes.
fn check_grant_scope(
    directory: &Directory,
    resource_id: &str,
    scope: &str,
) -> Result<String, GraphError> {
    let resource = directory
        .service_principal(resource_id)
        .ok_or_else(|| invalid_value("resourceId", "OAuth2PermissionGrant"))?;
    let mut values = Vec::new();
    for value in scope.split_whitespace() {
        let known = resource
            .oauth2_permission_scopes
            .iter()
            .find(|s| s.value.eq_ignore_ascii_case(value))
            .ok_or_else(|| {
                GraphError::bad_request(format!(
                    "Invalid value specified for property 'scope' of resource 'OAuth2PermissionGrant': '{value}' is not a delegated permission of {}.",
                    resource.display_name
                ))
            })?;
        if !values.contains(&known.value) {
            values.push(known.value.clone());
        }
    }
    Ok(values.join(" "))
}

fn create_grant(directory: &mut Directory, caller: &Caller, body: &[u8]) -> GraphResult {
    require_grant_writer(directory, caller)?;
    let input = parse_body(body)?;
    for key in input.keys() {
        match key.as_str() {
            "clientId" | "consentType" | "principalId" | "resourceId" | "scope" | "startTime"
            | "expiryTime" => {}
            other if other.contains('@') => {}
            other => return Err(no_such_property(other, "oAuth2PermissionGrant")),
        }
    }
    let text = |k: &str| input.get(k).and_then(Value::as_str).map(str::to_string);
    let client_id =
        text("clientId").ok_or_else(|| invalid_value("clientId", "OAuth2PermissionGrant"))?;
    let resource_id =
        text("resourceId").ok_or_else(|| invalid_value("resourceId", "OAuth2PermissionGrant"))?;
    let consent_type =
        text("consentType").ok_or_else(|| invalid_value("consentType", "OAuth2PermissionGrant"))?;
    let principal_id = text("principalId");
    let in_tenant = |id: &str| {
        directory
            .service_principal(id)
            .is_some_and(|s| s.tenant_id == caller.tenant())
    };
    if !in_tenant(&client_id) {
        return Err(invalid_value("clientId", "OAuth2PermissionGrant"));
    }
    if !in_tenant(&resource_id) {
        return Err(invalid_value("resourceId", "OAuth2PermissionGrant"));
    }
    match (consent_type.as_str(), principal_id.as_deref()) {
        ("AllPrincipals", None) => {}
        ("Principal", Some(p)) if directory.user(p).is_some() => {}
        ("Principal", _) => return Err(invalid_value("principalId", "OAuth2PermissionGrant")),
        ("AllPrincipals", Some(_)) => {
            return Err(invalid_value("principalId", "OAuth2PermissionGrant"))
        }
        _ => return Err(invalid_value("consentType", "OAuth2PermissionGrant")),
    }
    let scope = check_grant_scope(directory, &resource_id, &text("scope").unwrap_or_default())?;
    if directory.oauth2_permission_grants.iter().any(|g| {
        g.client_id == client_id
            && g.resource_id == resource_id
            && g.consent_type == consent_type
            && g.principal_id == principal_id
    }) {
        // One grant per (client, resource, principal): change the existing one's scope instead.
        return Err(GraphError::new(
            StatusCode::CONFLICT,
            "Request_MultipleObjectsWithSameKeyValue",
            "Permission entry already exists.",
        ));
    }
    let grant = OAuth2PermissionGrant {
        id: directory::random_token(32),
        client_id,
        consent_type,
        principal_id,
        resource_id,
        scope,
        tenant_id: caller.tenant().to_string(),
    };
    let value = grant.graph_json();
    let id = grant.id.clone();
    directory.oauth2_permission_grants.push(grant);
    directory.note_created(&id, caller.realism.graph_read_misses_after_create);
    Ok(ok_json(
        StatusCode::CREATED,
        with_context(value, caller.context("oauth2PermissionGrants/$entity")),
    ))
}

/// `PATCH oauth2PermissionGrants/{id}`: only `scope` changes.
fn patch_grant(directory: &mut Directory, caller: &Caller, id: &str, body: &[u8]) -> GraphResult {
    require_grant_writer(directory, caller)?;
    let index = directory
        .oauth2_permission_grants
        .iter()
        .position(|g| g.id == id && g.tenant_id == caller.tenant())
        .ok_or_else(|| GraphError::not_found(id))?;
    let input = parse_body(body)?;
    let mut new_scope = None;
    for (key, value) in &input {
        match key.as_str() {
            "scope" => {
                let scope = value
                    .as_str()
                    .ok_or_else(|| invalid_value("scope", "OAuth2PermissionGrant"))?;
                let resource = directory.oauth2_permission_grants[index]
                    .resource_id
                    .clone();
                new_scope = Some(check_grant_scope(directory, &resource, scope)?);
            }
            "startTime" | "expiryTime" => {}
            "clientId" | "consentType" | "principalId" | "resourceId" | "id" => {
                return Err(GraphError::bad_request(format!(
                    "Property '{key}' is read-only and cannot be set."
                )))
            }
            other => return Err(no_such_property(other, "oAuth2PermissionGrant")),
        }
    }
    if let Some(scope) = new_scope {
        directory.oauth2_permission_grants[index].scope = scope;
    }
    Ok(no_content())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_equality_and_quotes() {
        let c = parse_filter(
            "displayName eq 'it''s' and appId eq 'x'",
            &["displayName", "appId"],
            "Application",
        )
        .unwrap();
        assert_eq!(
            c,
            vec![
                Condition("displayName".into(), "it's".into()),
                Condition("appId".into(), "x".into())
            ]
        );
        assert_eq!(
            parse_filter("notes eq 'x'", &["displayName"], "Application")
                .unwrap_err()
                .code,
            "Request_UnsupportedQuery"
        );
        assert!(parse_filter("displayName eq 'open", &["displayName"], "Application").is_err());
        assert!(parse_filter(
            "startswith(displayName,'a')",
            &["displayName"],
            "Application"
        )
        .is_err());
        assert!(parse_filter("", &["displayName"], "Application").is_err());
    }

    #[test]
    fn alternate_keys_and_percent_decoding() {
        assert_eq!(
            alternate_key("servicePrincipals(appId='abc')"),
            Some(("servicePrincipals", "appId", "abc".to_string()))
        );
        assert_eq!(percent_decode("a%27b%2"), "a'b%2");
        assert_eq!(percent_decode("%e2%82%ac"), "€");
        assert_eq!(alternate_key("applications"), None);
    }
}
