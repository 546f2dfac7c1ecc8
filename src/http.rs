//! The one HTTP client of the binary: timeouts on every request, no redirects followed, retries
//! with back-off for idempotent calls, and a `-v` log line per request with secrets redacted.
//!
//! Redirects are never followed: token endpoints must not be redirected (a code or secret would
//! go elsewhere), and Azure DevOps answers a bad credential with a redirect to a sign-in page,
//! which the caller must see as "rejected".

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::blocking::Client;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use url::Url;

use crate::clock::Clock;
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;
use crate::urls::redact_url;

/// How long one attempt may take, and how retries back off.
#[derive(Debug, Clone)]
pub struct HttpPolicy {
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_attempts: u32,
    pub base_backoff: Duration,
    /// Longest wait honoured from a `Retry-After` header.
    pub max_retry_after: Duration,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        HttpPolicy {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_attempts: 4,
            base_backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(30),
        }
    }
}

#[derive(Debug)]
pub enum Body {
    Empty,
    Json(serde_json::Value),
    /// Form fields; values may be secrets, so the whole body is built only when sent.
    Form(Vec<(String, FormValue)>),
}

#[derive(Debug)]
pub enum FormValue {
    Plain(String),
    Secret(Secret),
}

#[derive(Debug)]
pub struct Request {
    pub method: Method,
    pub url: Url,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Sent as `Authorization`; never logged.
    pub authorization: Option<Secret>,
    pub body: Body,
    /// Safe to send again (reads, and writes the service deduplicates).
    pub idempotent: bool,
    /// Service name for messages ("Gitpod API", "Azure DevOps", …).
    pub service: &'static str,
}

impl Request {
    pub fn new(service: &'static str, method: Method, url: Url) -> Self {
        let idempotent = method == Method::GET || method == Method::HEAD;
        Request {
            method,
            url,
            headers: Vec::new(),
            authorization: None,
            body: Body::Empty,
            idempotent,
            service,
        }
    }

    pub fn header(mut self, name: &'static str, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.push((HeaderName::from_static(name), value));
        }
        self
    }

    pub fn bearer(mut self, token: &Secret) -> Self {
        self.authorization = Some(Secret::new(format!("Bearer {}", token.expose())));
        self
    }

    pub fn authorization(mut self, value: Secret) -> Self {
        self.authorization = Some(value);
        self
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    pub fn form(mut self, fields: Vec<(String, FormValue)>) -> Self {
        self.body = Body::Form(fields);
        self
    }

    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn is_html(&self) -> bool {
        self.header("content-type")
            .is_some_and(|ct| ct.to_ascii_lowercase().starts_with("text/html"))
    }

    pub fn json<T: serde::de::DeserializeOwned>(&self, service: &str) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|err| {
            Error::service(format!("{service} sent an answer ado-scm cannot read")).caused_by(err)
        })
    }
}

#[derive(Clone)]
pub struct Http {
    client: Client,
    clock: Arc<dyn Clock>,
    policy: HttpPolicy,
}

impl Http {
    pub fn new(clock: Arc<dyn Clock>, policy: HttpPolicy) -> Result<Self> {
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.timeout)
            .user_agent(concat!("ado-scm/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|err| Error::local("cannot set up the HTTP client").caused_by(err))?;
        Ok(Http {
            client,
            clock,
            policy,
        })
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Sends the request; idempotent requests are retried on connection failures, timeouts,
    /// 429 and 5xx, honouring `Retry-After`. Any HTTP status is returned as a [`Response`]:
    /// what a status means is the caller's business.
    pub fn send(&self, request: &Request) -> Result<Response> {
        let attempts = if request.idempotent {
            self.policy.max_attempts.max(1)
        } else {
            1
        };
        let mut attempt = 1;
        loop {
            let started = Instant::now();
            let outcome = self.send_once(request);
            let elapsed = started.elapsed().as_millis();
            let shown = redact_url(&request.url);
            match outcome {
                Ok(response) => {
                    tracing::info!(
                        "{} {} → {} ({} ms)",
                        request.method,
                        shown,
                        response.status,
                        elapsed
                    );
                    let retryable = response.status == 429 || response.status >= 500;
                    if retryable && attempt < attempts {
                        let wait = self.backoff(attempt, retry_after(&response));
                        tracing::info!(
                            "{} answered {}: retrying in {} ms (attempt {} of {})",
                            request.service,
                            response.status,
                            wait.as_millis(),
                            attempt + 1,
                            attempts
                        );
                        self.clock.sleep(wait);
                        attempt += 1;
                        continue;
                    }
                    return Ok(response);
                }
                Err(err) => {
                    tracing::info!(
                        "{} {} → failed ({} ms): {}",
                        request.method,
                        shown,
                        elapsed,
                        describe(&err)
                    );
                    if attempt < attempts {
                        let wait = self.backoff(attempt, None);
                        self.clock.sleep(wait);
                        attempt += 1;
                        continue;
                    }
                    return Err(Error::new(
                        ErrorKind::Network,
                        format!(
                            "cannot reach {} at {}",
                            request.service,
                            host_of(&request.url)
                        ),
                    )
                    .caused_by(describe(&err))
                    .with_hint("check the network, or the service URL (see `ado-scm --help`)"));
                }
            }
        }
    }

    fn send_once(&self, request: &Request) -> std::result::Result<Response, reqwest::Error> {
        let mut builder = self
            .client
            .request(request.method.clone(), request.url.clone())
            .header("accept", "application/json");
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(auth) = &request.authorization {
            let mut value = HeaderValue::from_str(auth.expose())
                .unwrap_or_else(|_| HeaderValue::from_static("invalid"));
            value.set_sensitive(true);
            builder = builder.header(reqwest::header::AUTHORIZATION, value);
        }
        builder = match &request.body {
            Body::Empty => builder,
            Body::Json(value) => builder.json(value),
            Body::Form(fields) => {
                let pairs: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, v)| match v {
                        FormValue::Plain(s) => (k.as_str(), s.as_str()),
                        FormValue::Secret(s) => (k.as_str(), s.expose()),
                    })
                    .collect();
                builder.form(&pairs)
            }
        };
        let response = builder.send()?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes()?.to_vec();
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.policy.max_retry_after);
        }
        self.policy.base_backoff * 2u32.saturating_pow(attempt - 1)
    }
}

fn retry_after(response: &Response) -> Option<Duration> {
    response
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => url.to_string(),
    }
}

/// reqwest's error chain without the URL (which could carry a query with a code in it).
fn describe(err: &reqwest::Error) -> String {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "connection failed"
    } else if err.is_body() || err.is_decode() {
        "the answer was cut off"
    } else {
        "request failed"
    };
    let mut source = std::error::Error::source(err);
    let mut detail = String::new();
    while let Some(cause) = source {
        detail = cause.to_string();
        source = cause.source();
    }
    if detail.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {detail}")
    }
}
