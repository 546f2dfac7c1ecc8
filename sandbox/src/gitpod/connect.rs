//! Connect's unary JSON protocol: content type, bearer auth, error shape, paging, dispatch.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::Replica;
use super::{runners, scm, tokens};
use crate::world::{lock, SharedWorld, World};

/// The Connect codes the API uses, with the HTTP status Connect maps each to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    InvalidArgument,
    Unauthenticated,
    PermissionDenied,
    NotFound,
    AlreadyExists,
    FailedPrecondition,
    ResourceExhausted,
    Unavailable,
    Unimplemented,
    DeadlineExceeded,
    Internal,
}

/// Each code's name and HTTP status (Connect protocol reference, "Error Codes").
const CODES: &[(Code, &str, u16)] = &[
    (Code::InvalidArgument, "invalid_argument", 400),
    (Code::FailedPrecondition, "failed_precondition", 400),
    (Code::Unauthenticated, "unauthenticated", 401),
    (Code::PermissionDenied, "permission_denied", 403),
    (Code::NotFound, "not_found", 404),
    (Code::AlreadyExists, "already_exists", 409),
    (Code::ResourceExhausted, "resource_exhausted", 429),
    (Code::Internal, "internal", 500),
    (Code::Unimplemented, "unimplemented", 501),
    (Code::Unavailable, "unavailable", 503),
    (Code::DeadlineExceeded, "deadline_exceeded", 504),
];

impl Code {
    fn entry(self) -> &'static (Code, &'static str, u16) {
        CODES
            .iter()
            .find(|c| c.0 == self)
            .expect("every code is listed")
    }

    pub fn as_str(self) -> &'static str {
        self.entry().1
    }

    pub fn status(self) -> StatusCode {
        StatusCode::from_u16(self.entry().2).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The code a Connect server answers with for an HTTP status (used by status faults).
    pub fn for_status(status: u16) -> Code {
        match status {
            408 => Code::DeadlineExceeded,
            502..=504 => Code::Unavailable,
            _ => CODES
                .iter()
                .find(|c| c.2 == status)
                .map_or(Code::Internal, |c| c.0),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectError {
    pub code: Code,
    pub message: String,
    /// When to come back (throttling): sent as `RateLimit-RetryAfter` and a `RetryInfo` detail.
    pub retry_after_secs: Option<u64>,
}

impl ConnectError {
    pub fn new(code: Code, message: impl Into<String>) -> ConnectError {
        ConnectError {
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }
    pub fn invalid(message: impl Into<String>) -> ConnectError {
        ConnectError::new(Code::InvalidArgument, message)
    }
    pub fn not_found(message: impl Into<String>) -> ConnectError {
        ConnectError::new(Code::NotFound, message)
    }
    pub fn denied(message: impl Into<String>) -> ConnectError {
        ConnectError::new(Code::PermissionDenied, message)
    }
    pub fn precondition(message: impl Into<String>) -> ConnectError {
        ConnectError::new(Code::FailedPrecondition, message)
    }
}

/// What the Gitpod API answers for a status fault. A 429 is `resource_exhausted` saying when to
/// come back, the two ways Ona's own API client reads it (the `RetryInfo` detail first, then
/// the `RateLimit-RetryAfter` header).
pub fn fault_error(status: u16, retry_after_secs: u64) -> ConnectError {
    let code = Code::for_status(status);
    let message = match code {
        Code::Unavailable => "service unavailable, try again later",
        Code::ResourceExhausted => "rate limit exceeded",
        _ => "injected failure",
    };
    ConnectError {
        retry_after_secs: (code == Code::ResourceExhausted).then_some(retry_after_secs),
        ..ConnectError::new(code, message)
    }
}

/// The protobuf bytes of `google.rpc.RetryInfo { retry_delay: Duration { seconds } }`, written
/// by hand: field 1 (message) holding field 1 (varint).
pub fn retry_info_bytes(seconds: u64) -> Vec<u8> {
    let mut duration = Vec::new();
    if seconds > 0 {
        duration.push(0x08);
        let mut n = seconds;
        while n >= 0x80 {
            duration.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
        duration.push(n as u8);
    }
    let mut out = vec![0x0a, duration.len() as u8];
    out.extend(duration);
    out
}

impl IntoResponse for ConnectError {
    fn into_response(self) -> Response {
        let mut body = json!({"code": self.code.as_str(), "message": self.message});
        if let Some(secs) = self.retry_after_secs {
            // Connect's JSON error detail: the type name and the message bytes, base64 without
            // padding (the Connect protocol reference, "Error end-stream").
            body["details"] = json!([{
                "type": "google.rpc.RetryInfo",
                "value": base64::engine::general_purpose::STANDARD_NO_PAD.encode(retry_info_bytes(secs)),
            }]);
        }
        let mut response = (
            self.code.status(),
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert("ratelimit-retryafter", HeaderValue::from(secs));
        }
        response
    }
}

/// protovalidate's rule violations of one request, reported the way its Connect interceptor
/// does: `invalid_argument` with "validation error:" and one ` - field: message [rule]` line
/// each (protovalidate-go `ValidationError.Error()`; messages and rule ids from
/// `buf/validate/validate.proto`).
#[derive(Default)]
pub struct Violations(Vec<String>);

impl Violations {
    fn push(&mut self, field: &str, message: &str, rule: &str) {
        self.0.push(format!("{field}: {message} [{rule}]"));
    }

    /// `(buf.validate.field).string.uuid = true`: empty is a violation of its own.
    pub fn uuid(&mut self, field: &str, value: &str) {
        if value.is_empty() {
            self.push(
                field,
                "value is empty, which is not a valid UUID",
                "string.uuid_empty",
            );
        } else if !is_uuid(value) {
            self.push(field, "value must be a valid UUID", "string.uuid");
        }
    }

    /// A UUID rule with `ignore = IGNORE_IF_UNPOPULATED`, or on an `optional` field: checked
    /// only when set.
    pub fn uuid_if_set(&mut self, field: &str, value: Option<&str>, empty_is_unset: bool) {
        match value {
            Some("") if empty_is_unset => {}
            Some(v) => self.uuid(field, v),
            None => {}
        }
    }

    pub fn min_len(&mut self, field: &str, value: &str, min: usize) {
        if value.chars().count() < min {
            let message = format!("value length must be at least {min} characters");
            self.push(field, &message, "string.min_len");
        }
    }

    pub fn max_items(&mut self, field: &str, len: usize, max: usize) {
        if len > max {
            let message = format!("value must contain no more than {max} item(s)");
            self.push(field, &message, "repeated.max_items");
        }
    }

    /// `PaginationRequest.page_size`: `int32 = {gte: 0, lte: 100}`.
    pub fn page_size(&mut self, pagination: Option<&Pagination>) {
        if let Some(size) = pagination.and_then(|p| p.page_size) {
            if !(0..=MAX_PAGE_SIZE).contains(&size) {
                self.push(
                    "pagination.page_size",
                    &format!("value must be greater than or equal to 0 and less than or equal to {MAX_PAGE_SIZE}"),
                    "int32.gte_lte",
                );
            }
        }
    }

    pub fn check(self) -> Result<(), ConnectError> {
        if self.0.is_empty() {
            return Ok(());
        }
        Err(ConnectError::invalid(format!(
            "validation error:\n - {}",
            self.0.join("\n - ")
        )))
    }
}

/// protovalidate's `string.uuid`: 8-4-4-4-12 hex digits, any case.
pub fn is_uuid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

pub type RpcResult = Result<Value, ConnectError>;

/// The authenticated caller of an RPC.
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: String,
    pub admin: bool,
}

/// `POST /api/{service}/{method}`; once the API has moved ([`crate::Sandbox::move_gitpod_api`]),
/// a 307 or 308 to the same path under `/moved/api`, method and body to be kept by the client.
pub async fn handle(
    State(world): State<SharedWorld>,
    Path((service, method)): Path<(String, String)>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let moved = {
        let world = lock(&world);
        world
            .gitpod_moved
            .map(|status| (status, world.urls.gitpod_root().to_string()))
    };
    if let Some((status, root)) = moved {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::PERMANENT_REDIRECT);
        return (status, [(header::LOCATION, format!("{root}/moved{uri}"))]).into_response();
    }
    serve(world, service, method, headers, body)
}

/// `POST /moved/api/{service}/{method}`: where a moved API answers.
pub async fn handle_moved(
    State(world): State<SharedWorld>,
    Path((service, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    serve(world, service, method, headers, body)
}

fn serve(
    world: SharedWorld,
    service: String,
    method: String,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Connect checks the codec before any interceptor (auth) runs, and answers 415 with the
    // types it takes.
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            [("accept-post", "application/json")],
            format!("unsupported content-type {content_type:?}: this API takes application/json"),
        )
            .into_response();
    }
    match handle_inner(&world, &service, &method, &headers, &body) {
        Ok(mut value) => {
            omit_defaults(&mut value);
            (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                value.to_string(),
            )
                .into_response()
        }
        Err(err) => err.into_response(),
    }
}

/// proto3 JSON leaves out fields holding their default (`false`, `""`, `[]`, unset): a client
/// must read a missing `authenticated`, `valid` or `pat` as `false`, as the real API makes it.
fn omit_defaults(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| {
                !matches!(v, Value::Null | Value::Bool(false))
                    && v.as_str() != Some("")
                    && v.as_array().is_none_or(|a| !a.is_empty())
            });
            map.values_mut().for_each(omit_defaults);
        }
        Value::Array(items) => items.iter_mut().for_each(omit_defaults),
        _ => {}
    }
}

fn handle_inner(
    world: &SharedWorld,
    service: &str,
    method: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> RpcResult {
    let mut world = lock(world);
    let caller = authenticate(&world, headers)?;
    // connect-go refuses a zero-length body: an empty message is `{}`.
    if body.is_empty() {
        return Err(ConnectError::invalid(
            "zero-length payload is not a valid JSON object",
        ));
    }
    let request: Value = serde_json::from_slice(body)
        .map_err(|e| ConnectError::invalid(format!("unmarshal request: {e}")))?;
    if !request.is_object() {
        return Err(ConnectError::invalid("request must be a JSON object"));
    }
    dispatch_with_lag(&mut world, &caller, service, method, request)
}

/// The writes after which a lagging read replica still shows the old state.
#[rustfmt::skip]
const REPLICATED_WRITES: &[&str] = &[
    "CreateHostAuthenticationToken", "DeleteHostAuthenticationToken", "CreateSCMIntegration",
    "UpdateSCMIntegration", "DeleteSCMIntegration",
];
/// The reads a lagging replica answers.
#[rustfmt::skip]
const REPLICA_READS: &[&str] = &[
    "ListHostAuthenticationTokens", "CheckAuthenticationForHost", "ListSCMIntegrations",
    "GetSCMIntegration",
];

/// [`dispatch`] with the realism `gitpodReadLag`: a write remembers the state before it, and
/// the next reads whose answer would show the write answer from that state instead, until
/// `gitpod_read_lag` of them have. A read the write does not change counts for nothing.
fn dispatch_with_lag(
    world: &mut World,
    caller: &Caller,
    service: &str,
    method: &str,
    request: Value,
) -> RpcResult {
    let lag = world.realism.gitpod_read_lag;
    if lag > 0 && REPLICATED_WRITES.contains(&method) {
        let before = Replica {
            integrations: world.gitpod.integrations.clone(),
            host_tokens: world.gitpod.host_tokens.clone(),
            reads_left: lag,
        };
        let result = dispatch(world, caller, service, method, request);
        if result.is_ok() {
            // The replica may still be behind an earlier write: it keeps that older state.
            world.gitpod.replica.get_or_insert(before).reads_left = lag;
        }
        return result;
    }
    let Some(mut replica) = world
        .gitpod
        .replica
        .take()
        .filter(|_| REPLICA_READS.contains(&method))
    else {
        return dispatch(world, caller, service, method, request);
    };
    let fresh = dispatch(world, caller, service, method, request.clone());
    replica.swap_with(&mut world.gitpod);
    let stale = dispatch(world, caller, service, method, request);
    replica.swap_with(&mut world.gitpod);
    let answer = if stale != fresh {
        replica.reads_left -= 1;
        stale
    } else {
        fresh
    };
    if replica.reads_left > 0 {
        world.gitpod.replica = Some(replica);
    }
    answer
}

fn authenticate(world: &World, headers: &HeaderMap) -> Result<Caller, ConnectError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ConnectError::new(Code::Unauthenticated, "missing Authorization header"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .ok_or_else(|| {
            ConnectError::new(
                Code::Unauthenticated,
                "Authorization header must be a Bearer token",
            )
        })?;
    let user = world.gitpod.user_by_api_key(token).ok_or_else(|| {
        ConnectError::new(Code::Unauthenticated, "invalid or expired access token")
    })?;
    Ok(Caller {
        id: user.id.clone(),
        admin: user.admin,
    })
}

fn dispatch(
    world: &mut World,
    caller: &Caller,
    service: &str,
    method: &str,
    request: Value,
) -> RpcResult {
    match (service, method) {
        ("gitpod.v1.RunnerService", "ListRunners") => runners::list(world, caller, request),
        ("gitpod.v1.RunnerService", "GetRunner") => runners::get(world, caller, request),
        ("gitpod.v1.RunnerService", "CheckAuthenticationForHost") => {
            tokens::check_authentication(world, caller, request)
        }
        ("gitpod.v1.IdentityService", "GetAuthenticatedIdentity") => {
            runners::identity(world, caller, request)
        }
        ("gitpod.v1.RunnerConfigurationService", m) => match m {
            "GetRunnerConfigurationSchema" => runners::schema(world, caller, request),
            "ValidateRunnerConfiguration" => scm::validate(world, caller, request),
            "CreateSCMIntegration" => scm::create(world, caller, request),
            "UpdateSCMIntegration" => scm::update(world, caller, request),
            "ListSCMIntegrations" => scm::list(world, caller, request),
            "GetSCMIntegration" => scm::get(world, caller, request),
            "DeleteSCMIntegration" => scm::delete(world, caller, request),
            "CreateHostAuthenticationToken" => tokens::create(world, caller, request),
            "ListHostAuthenticationTokens" => tokens::list(world, caller, request),
            "DeleteHostAuthenticationToken" => tokens::delete(world, caller, request),
            _ => Err(unimplemented(service, method)),
        },
        _ => Err(unimplemented(service, method)),
    }
}

fn unimplemented(service: &str, method: &str) -> ConnectError {
    ConnectError::new(
        Code::Unimplemented,
        format!("{service}.{method} is not implemented"),
    )
}

/// Decodes a request into its message type; unknown fields are ignored (proto3 JSON rules), a
/// wrong type is `invalid_argument`.
pub fn parse<T: DeserializeOwned>(request: Value) -> Result<T, ConnectError> {
    serde_json::from_value(request)
        .map_err(|e| ConnectError::invalid(format!("invalid request: {e}")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Pagination {
    pub page_size: Option<i64>,
    pub token: Option<String>,
}

/// The request of the methods that take only an object's `id`.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct IdRequest {
    pub id: String,
}

const DEFAULT_PAGE_SIZE: usize = 25;
const MAX_PAGE_SIZE: i64 = 100;

/// One page of `items` and the `pagination` object of the response. The token is an opaque
/// string holding the offset; a token the server did not hand out is `invalid_argument`.
pub fn page<T: Clone>(
    items: &[T],
    pagination: Option<&Pagination>,
) -> Result<(Vec<T>, Value), ConnectError> {
    let mut violations = Violations::default();
    violations.page_size(pagination);
    violations.check()?;
    let size = match pagination.and_then(|p| p.page_size) {
        Some(n) if n > 0 => n as usize,
        _ => DEFAULT_PAGE_SIZE,
    };
    let start = match pagination.and_then(|p| p.token.as_deref()) {
        None | Some("") => 0,
        Some(token) => token
            .strip_prefix("offset:")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= items.len())
            .ok_or_else(|| ConnectError::invalid("pagination.token: invalid page token"))?,
    };
    let end = (start + size).min(items.len());
    let next = if end < items.len() {
        format!("offset:{end}")
    } else {
        String::new()
    };
    Ok((items[start..end].to_vec(), json!({"nextToken": next})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_info_is_a_duration_in_a_message() {
        assert_eq!(retry_info_bytes(2), [0x0a, 0x02, 0x08, 0x02]);
        assert_eq!(retry_info_bytes(300), [0x0a, 0x03, 0x08, 0xac, 0x02]);
        assert_eq!(retry_info_bytes(0), [0x0a, 0x00]);
    }

    #[test]
    fn uuids_are_five_groups_of_hex() {
        assert!(is_uuid("01900000-0000-7000-8000-0000000000A1"));
        assert!(!is_uuid("01900000000070008000000000000a1"));
        assert!(!is_uuid("0190000-00000-7000-8000-0000000000a1"));
        assert!(!is_uuid("g1900000-0000-7000-8000-0000000000a1"));
    }

    #[test]
    fn paging_walks_all_items() {
        let items: Vec<u32> = (0..5).collect();
        let p = Pagination {
            page_size: Some(2),
            token: None,
        };
        let (first, next) = page(&items, Some(&p)).unwrap();
        assert_eq!(first, vec![0, 1]);
        let p = Pagination {
            page_size: Some(2),
            token: next["nextToken"].as_str().map(String::from),
        };
        let (second, _) = page(&items, Some(&p)).unwrap();
        assert_eq!(second, vec![2, 3]);
        let bad = Pagination {
            page_size: Some(101),
            token: None,
        };
        assert_eq!(
            page(&items, Some(&bad)).unwrap_err().code,
            Code::InvalidArgument
        );
    }
}
