//! Connect's unary JSON protocol: content type, bearer auth, error shape, paging, dispatch.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Value};

use super::{runners, scm, tokens};
use crate::world::{SharedWorld, World};

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

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidArgument => "invalid_argument",
            Code::Unauthenticated => "unauthenticated",
            Code::PermissionDenied => "permission_denied",
            Code::NotFound => "not_found",
            Code::AlreadyExists => "already_exists",
            Code::FailedPrecondition => "failed_precondition",
            Code::ResourceExhausted => "resource_exhausted",
            Code::Unavailable => "unavailable",
            Code::Unimplemented => "unimplemented",
            Code::DeadlineExceeded => "deadline_exceeded",
            Code::Internal => "internal",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            Code::InvalidArgument | Code::FailedPrecondition => StatusCode::BAD_REQUEST,
            Code::Unauthenticated => StatusCode::UNAUTHORIZED,
            Code::PermissionDenied => StatusCode::FORBIDDEN,
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::AlreadyExists => StatusCode::CONFLICT,
            Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
            Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
            Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
            Code::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The code a Connect server answers with for an HTTP status (used by status faults).
    pub fn for_status(status: u16) -> Code {
        match status {
            400 => Code::InvalidArgument,
            401 => Code::Unauthenticated,
            403 => Code::PermissionDenied,
            404 => Code::NotFound,
            409 => Code::AlreadyExists,
            429 => Code::ResourceExhausted,
            501 => Code::Unimplemented,
            502..=504 => Code::Unavailable,
            408 => Code::DeadlineExceeded,
            _ => Code::Internal,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectError {
    pub code: Code,
    pub message: String,
}

impl ConnectError {
    pub fn new(code: Code, message: impl Into<String>) -> ConnectError {
        ConnectError {
            code,
            message: message.into(),
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

impl IntoResponse for ConnectError {
    fn into_response(self) -> Response {
        let mut response = (
            self.code.status(),
            [(header::CONTENT_TYPE, "application/json")],
            json!({"code": self.code.as_str(), "message": self.message}).to_string(),
        )
            .into_response();
        if self.code == Code::ResourceExhausted {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, "1".parse().expect("static header"));
        }
        response
    }
}

pub type RpcResult = Result<Value, ConnectError>;

/// The authenticated caller of an RPC.
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: String,
    pub admin: bool,
}

/// `POST /api/{service}/{method}`.
pub async fn handle(
    State(world): State<SharedWorld>,
    Path((service, method)): Path<(String, String)>,
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
    let mut world = world.lock().unwrap_or_else(|e| e.into_inner());
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
    dispatch(&mut world, &caller, service, method, request)
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
#[serde(rename_all = "camelCase")]
pub struct Pagination {
    #[serde(default)]
    pub page_size: Option<i64>,
    #[serde(default)]
    pub token: Option<String>,
}

const DEFAULT_PAGE_SIZE: usize = 25;
const MAX_PAGE_SIZE: i64 = 100;

/// One page of `items` and the `pagination` object of the response. The token is an opaque
/// string holding the offset; a token the server did not hand out is `invalid_argument`.
pub fn page<T: Clone>(
    items: &[T],
    pagination: Option<&Pagination>,
) -> Result<(Vec<T>, Value), ConnectError> {
    let size = match pagination.and_then(|p| p.page_size) {
        None | Some(0) => DEFAULT_PAGE_SIZE,
        Some(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n as usize,
        Some(n) => {
            return Err(ConnectError::invalid(format!(
                "pagination.page_size: value must be greater than or equal to 0 and less than or equal to 100 (got {n})"
            )))
        }
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
