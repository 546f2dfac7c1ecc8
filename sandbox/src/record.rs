//! The middleware in front of every service: records each request (secrets hashed) and applies
//! the fault plan and the global latency.

use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::world::lock;
use crate::world::{
    redact_authorization, redact_form, redact_json, redact_query, FaultHit, FaultKind,
    LoggedRequest, SharedWorld,
};

/// Bodies larger than this are refused (413) rather than buffered: no client of ours sends one.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Headers worth seeing in the log.
#[rustfmt::skip]
const LOGGED_HEADERS: &[&str] = &[
    "authorization", "content-type", "accept", "connect-protocol-version",
    "x-tfs-fedauthredirect", "user-agent", "consistencylevel",
];

#[derive(Clone)]
pub struct Recorder {
    pub world: SharedWorld,
    /// `gitpod`, `entra`, `graph` or `ado`.
    pub service: &'static str,
}

/// Marks a response that must not be sent: the accept loop drops the connection instead.
#[derive(Clone, Copy, Debug)]
pub struct ResetConnection;

impl std::fmt::Display for ResetConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by sandbox fault")
    }
}

impl std::error::Error for ResetConnection {}

pub async fn record(State(rec): State<Recorder>, request: Request, next: Next) -> Response {
    // The control endpoints are the test's own channel: neither logged nor faulted.
    if request.uri().path().starts_with("/_sandbox/") {
        return next.run(request).await;
    }
    let started_ms = lock(&rec.world).elapsed_ms();
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return StatusCode::PAYLOAD_TOO_LARGE.into_response();
    };
    let path = parts.uri.path().to_string();
    let mut entry = LoggedRequest {
        service: rec.service.to_string(),
        method: parts.method.to_string(),
        path: path.clone(),
        query: parts.uri.query().map(redact_query).unwrap_or_default(),
        headers: logged_headers(&parts.headers),
        body: logged_body(&parts.headers, &bytes),
        status: None,
        fault: None,
        started_ms,
        finished_ms: started_ms,
    };
    let (fault, latency) = {
        let mut world = lock(&rec.world);
        let fault = world.take_fault(rec.service, parts.method.as_str(), &path);
        (fault, world.latency_ms)
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let request = Request::from_parts(parts, Body::from(bytes));
    let Some(FaultHit {
        kind,
        retry_after_secs,
    }) = fault
    else {
        let response = next.run(request).await;
        return push(&rec, entry, response);
    };
    entry.fault = Some(match &kind {
        FaultKind::Status(status) => format!("status {status}"),
        FaultKind::StatusAfter(status) => format!("status_after {status}"),
        FaultKind::Delay(ms) => format!("delay {ms}ms"),
        FaultKind::Reset => "reset".into(),
        FaultKind::ResetAfter => "reset_after".into(),
    });
    let response = match kind {
        FaultKind::Status(status) => fault_response(rec.service, status, retry_after_secs),
        FaultKind::StatusAfter(status) => {
            // The handler runs (and writes) first; only its answer is lost.
            next.run(request).await;
            fault_response(rec.service, status, retry_after_secs)
        }
        FaultKind::Delay(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(request).await
        }
        FaultKind::Reset => reset_connection(),
        FaultKind::ResetAfter => {
            next.run(request).await;
            reset_connection()
        }
    };
    push(&rec, entry, response)
}

/// A response the accept loop drops unanswered.
fn reset_connection() -> Response {
    let mut response = Response::new(Body::empty());
    response.extensions_mut().insert(ResetConnection);
    response
}

/// Logs the request with its answer (none for a reset) and the time it was ready.
fn push(rec: &Recorder, mut entry: LoggedRequest, response: Response) -> Response {
    let reset = response.extensions().get::<ResetConnection>().is_some();
    entry.status = (!reset).then(|| response.status().as_u16());
    let mut world = lock(&rec.world);
    entry.finished_ms = world.elapsed_ms();
    world.log.push(entry);
    response
}

fn logged_headers(headers: &HeaderMap) -> std::collections::BTreeMap<String, String> {
    LOGGED_HEADERS
        .iter()
        .filter_map(|name| {
            let value = headers.get(*name)?.to_str().unwrap_or("<non-ascii>");
            let value = if *name == "authorization" {
                redact_authorization(value)
            } else {
                value.to_string()
            };
            Some((name.to_string(), value))
        })
        .collect()
}

fn logged_body(headers: &HeaderMap, bytes: &[u8]) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return Some(redact_form(bytes));
    }
    // JSON by content type or by shape (a client may forget the header; the log should still
    // show what it sent).
    match serde_json::from_slice::<Value>(bytes) {
        Ok(mut value) => {
            redact_json(&mut value);
            Some(value)
        }
        // Not logged verbatim: it might be a secret in a format we do not parse.
        Err(_) => Some(Value::String(format!(
            "<{} bytes of {content_type}>",
            bytes.len()
        ))),
    }
}

/// What each real service answers with for a given status. A 429 (and a 503) says when to
/// come back, `retry_after_secs` from now, the way each service does.
pub fn fault_response(service: &str, status: u16, retry_after_secs: u64) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let retry_after = matches!(status, 429 | 503);
    let response = match service {
        "gitpod" => return crate::gitpod::fault_error(status, retry_after_secs).into_response(),
        "entra" => {
            let (error, aadsts, text) = match status {
                401 => ("invalid_client", 7000215, "Invalid client secret provided."),
                400 => ("invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'."),
                429 => ("temporarily_unavailable", 50196, "The server terminated an operation because it encountered a client request loop."),
                _ => ("temporarily_unavailable", 90033, "A transient error has occurred. Please try again."),
            };
            json_with_status(code, entra_error(error, aadsts, text))
        }
        "graph" => {
            let graph_code = match status {
                400 => "Request_BadRequest",
                401 => "InvalidAuthenticationToken",
                403 => "Authorization_RequestDenied",
                404 => "Request_ResourceNotFound",
                429 => "TooManyRequests",
                503 => "serviceNotAvailable",
                _ => "generalException",
            };
            json_with_status(
                code,
                json!({"error": {
                    "code": graph_code,
                    "message": "Injected failure.",
                    "innerError": {
                        "request-id": uuid::Uuid::new_v4().to_string(),
                        "date": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string(),
                        "client-request-id": uuid::Uuid::new_v4().to_string(),
                    }
                }}),
            )
        }
        _ => {
            let (message, type_key) = match status {
                429 => ("TF400733: The request has been canceled: Request was blocked due to exceeding usage of resource 'ATCPU' in namespace 'User'.", "RequestBlockedException"),
                503 => ("TF400716: The service is temporarily unavailable. Try again later.", "ServiceUnavailableException"),
                _ => ("TF400898: An Internal Error Occurred.", "VssServiceException"),
            };
            crate::ado::json_response(
                code,
                json!({"$id": "1", "innerException": null, "message": message, "typeKey": type_key, "errorCode": 0, "eventId": 3000}),
            )
        }
    };
    // Graph's throttling guidance, Entra and Azure DevOps's rate limits: `Retry-After` in
    // seconds on 429 (and on 503).
    with_retry_after(response, retry_after.then_some(retry_after_secs))
}

fn with_retry_after(mut response: Response, secs: Option<u64>) -> Response {
    if let Some(secs) = secs {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
    }
    response
}

fn json_with_status(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

/// An Entra (AADSTS) error body with the trace and correlation ids admins paste into support.
fn entra_error(error: &str, code: u32, text: &str) -> Value {
    let trace = uuid::Uuid::new_v4().to_string();
    let correlation = uuid::Uuid::new_v4().to_string();
    let now = chrono::Utc::now();
    let timestamp = now.format("%Y-%m-%d %H:%M:%SZ").to_string();
    json!({
        "error": error,
        "error_description": format!("AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {timestamp}"),
        "error_codes": [code],
        "timestamp": timestamp,
        "trace_id": trace,
        "correlation_id": correlation,
        "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
    })
}
