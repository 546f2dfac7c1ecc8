//! The one HTTP client of the binary: timeouts on every request and one deadline per call, no
//! redirects followed, retries with back-off, a size limit on answers, and a `-v` log line per
//! request with secrets redacted.
//!
//! Redirects are never followed here: token endpoints must not be redirected (a code or secret
//! would go elsewhere), and Azure DevOps answers a bad credential with a redirect to a sign-in
//! page, which the caller must see as "rejected". (The Gitpod client follows the API's own
//! 307/308 moves itself, under its rules.)
//!
//! What is retried, and why:
//! - a request marked idempotent (reads, updates that set values, deletes that count "gone" as
//!   done, upserts): on a failed connection, a timeout, 429 and 5xx;
//! - any other write: only when the service surely did nothing — 429 (the service refused it
//!   for the rate limit) and a connection that could not be opened. After a timeout or a 5xx
//!   the write may have happened: the error says so ([`Error::outcome_unknown`]) and the caller
//!   reads before it sends again.
//!
//! Waits follow the service's word when it gives one (`Retry-After`, `RateLimit-RetryAfter`,
//! or a hint the client reads from the body, see [`Request::retry_hint`]), else grow
//! exponentially; no wait is longer than [`HttpPolicy::max_retry_after`], and the whole call,
//! retries included, ends by [`HttpPolicy::deadline`].
//!
//! Texts built from an answer must never show a secret of the request that caused it (a
//! service may echo what it was sent): the answer's body is scrubbed of the request's secrets,
//! in every form they travelled in, before anyone reads it.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use reqwest::blocking::Client;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use url::Url;

use crate::clock::Clock;
use crate::error::{Error, ErrorKind, Remote, Result};
use crate::secret::Secret;
use crate::urls::redact_url;

/// The largest answer read: no answer of the services ado-scm calls comes near it.
pub const MAX_BODY_BYTES: u64 = 16 * 1024 * 1024;

/// Secrets shorter than this are not scrubbed from answers: such a value would match ordinary
/// text (no service issues secrets that short).
const MIN_SCRUBBED_LEN: usize = 8;

/// How long one attempt may take, and how retries back off.
#[derive(Debug, Clone)]
pub struct HttpPolicy {
    pub connect_timeout: Duration,
    /// One attempt, connection and answer.
    pub timeout: Duration,
    /// The whole call, every attempt and wait included.
    pub deadline: Duration,
    pub max_attempts: u32,
    pub base_backoff: Duration,
    /// Longest wait honoured from the service's word (`Retry-After`, …).
    pub max_retry_after: Duration,
    /// Certificate authorities trusted besides the system's and the bundled web roots.
    pub extra_roots: Vec<reqwest::Certificate>,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        HttpPolicy {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            deadline: Duration::from_secs(60),
            max_attempts: 4,
            base_backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(30),
            extra_roots: Vec::new(),
        }
    }
}

/// The certificate authorities of a PEM file (`--ca-cert`): an unreadable file, or one with no
/// certificate in it, is the user's mistake (exit 2), found before any request.
pub fn read_ca_file(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|err| {
        Error::usage(format!("--ca-cert: cannot read {shown}"))
            .caused_by(err)
            .with_hint("give a PEM file with the certificate authority to trust")
    })?;
    let certs = reqwest::Certificate::from_pem_bundle(&bytes).unwrap_or_default();
    if certs.is_empty() {
        return Err(
            Error::usage(format!("--ca-cert: {shown} holds no PEM certificate"))
                .with_hint("give a file with one or more -----BEGIN CERTIFICATE----- blocks"),
        );
    }
    Ok(certs)
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

/// Reads a service-specific "wait this long" from an answer's body (a Connect `RetryInfo`
/// detail, say), for the services that put it there; it wins over the headers.
pub type RetryHint = fn(&Response) -> Option<Duration>;

#[derive(Debug)]
pub struct Request {
    pub method: Method,
    pub url: Url,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Sent as `Authorization`; never logged.
    pub authorization: Option<Secret>,
    pub body: Body,
    /// Safe to send again whatever happened (see the module doc).
    pub idempotent: bool,
    /// Service name for messages ("Gitpod API", "Azure DevOps", …).
    pub service: &'static str,
    /// Secrets the request carries in its JSON body (the authorization and form secrets are
    /// known already): scrubbed from the answer.
    pub secrets: Vec<Secret>,
    pub retry_hint: Option<RetryHint>,
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
            secrets: Vec::new(),
            retry_hint: None,
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
        self.secrets.push(token.clone());
        self
    }

    /// A whole `Authorization` value; `credential` is the secret inside it (a PAT inside a
    /// Basic value), scrubbed from answers in every form.
    pub fn authorization(mut self, value: Secret, credential: &Secret) -> Self {
        self.authorization = Some(value);
        self.secrets.push(credential.clone());
        self
    }

    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    pub fn form(mut self, fields: Vec<(String, FormValue)>) -> Self {
        for (_, value) in &fields {
            if let FormValue::Secret(secret) = value {
                self.secrets.push(secret.clone());
            }
        }
        self.body = Body::Form(fields);
        self
    }

    /// A secret that travels in the JSON body.
    pub fn carrying(mut self, secret: &Secret) -> Self {
        self.secrets.push(secret.clone());
        self
    }

    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    pub fn retry_hint(mut self, hint: RetryHint) -> Self {
        self.retry_hint = Some(hint);
        self
    }

    /// The request as people may read it (`--dry-run`): method and URL (query values hidden,
    /// see [`redact_url`]), then the JSON body, indented, with every secret it carries
    /// replaced. Path segments are shown decoded, so that placeholders of objects not made yet
    /// stay readable.
    pub fn shown(&self) -> Vec<String> {
        let url = redact_url(&self.url)
            .replace("%27", "'")
            .replace("%28", "(")
            .replace("%29", ")");
        let mut lines = vec![format!("{} {url}", self.method)];
        if let Body::Json(body) = &self.body {
            let mut body = body.clone();
            hide_secrets(&mut body, &self.secrets);
            let text = serde_json::to_string_pretty(&body).unwrap_or_default();
            lines.extend(text.lines().map(str::to_string));
        }
        lines
    }
}

/// Replaces every string in `value` that is one of `secrets` by a placeholder.
fn hide_secrets(value: &mut serde_json::Value, secrets: &[Secret]) {
    match value {
        serde_json::Value::String(text) if secrets.iter().any(|s| s.expose() == text.as_str()) => {
            *text = SCRUBBED.to_string();
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| hide_secrets(v, secrets)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| hide_secrets(v, secrets)),
        _ => {}
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

    pub fn json<T: serde::de::DeserializeOwned>(&self, service: &'static str) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|err| {
            // serde's message may quote a value: only its position is kept.
            Error::service(format!("{service} sent an answer ado-scm cannot read"))
                .caused_by(format!("at line {} column {}", err.line(), err.column()))
                .with_remote(Remote::answered(service, self.status))
        })
    }

    /// The wait the service asked for: `Retry-After` (seconds or an HTTP date) or
    /// `RateLimit-RetryAfter` (seconds).
    fn asked_wait(&self, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
        for name in ["retry-after", "ratelimit-retryafter"] {
            let Some(value) = self.header(name).map(str::trim) else {
                continue;
            };
            if let Ok(secs) = value.parse::<u64>() {
                return Some(Duration::from_secs(secs));
            }
            if let Ok(at) = chrono::DateTime::parse_from_rfc2822(value) {
                let wait = at.with_timezone(&chrono::Utc) - now;
                return Some(wait.to_std().unwrap_or_default());
            }
        }
        None
    }
}

/// Why an attempt failed, for the retry decision.
enum Failure {
    /// The connection could not be opened: nothing was sent.
    NotSent(String),
    /// Sent, but no whole answer came back.
    NoAnswer(String),
    /// The TLS handshake refused the service's certificate (an unknown authority, another
    /// host's name, expired): nothing was sent, and asking again meets the same certificate.
    Untrusted(String),
    /// The answer is larger than [`MAX_BODY_BYTES`].
    TooLarge,
}

#[derive(Clone)]
pub struct Http {
    client: Client,
    clock: Arc<dyn Clock>,
    policy: HttpPolicy,
    /// Shared by every clone: the pauses services asked for.
    gate: RateGate,
}

/// When a service answers 429, it asks the caller to wait: every request of this run to that
/// service waits out the same pause, so that the requests a batch sends at once (`apply`'s
/// runners) back off together instead of each finding the limit with a 429 of its own.
#[derive(Clone, Default)]
struct RateGate(Arc<Mutex<HashMap<&'static str, DateTime<Utc>>>>);

impl RateGate {
    /// `service` asked for quiet until `until`.
    fn hold(&self, service: &'static str, until: DateTime<Utc>) {
        let mut held = self.0.lock().expect("rate gate lock");
        let entry = held.entry(service).or_insert(until);
        *entry = (*entry).max(until);
    }

    /// How long a request to `service` must still wait at `now`.
    fn pause(&self, service: &'static str, now: DateTime<Utc>) -> Option<Duration> {
        let held = self.0.lock().expect("rate gate lock");
        let until = *held.get(service)?;
        (until > now).then(|| (until - now).to_std().unwrap_or_default())
    }
}

impl Http {
    /// The client trusts the system's certificate authorities (`SSL_CERT_FILE` replaces them,
    /// as OpenSSL's tools do), the bundled web roots, and the policy's extra ones.
    pub fn new(clock: Arc<dyn Clock>, policy: HttpPolicy) -> Result<Self> {
        let mut builder = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.timeout)
            .user_agent(concat!("ado-scm/", env!("CARGO_PKG_VERSION")));
        for root in &policy.extra_roots {
            builder = builder.add_root_certificate(root.clone());
        }
        let client = builder
            .build()
            .map_err(|err| Error::local("cannot set up the HTTP client").caused_by(err))?;
        Ok(Http {
            client,
            clock,
            policy,
            gate: RateGate::default(),
        })
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Sends the request, retrying what the module doc says. Any HTTP status is returned as a
    /// [`Response`]: what a status means is the caller's business.
    pub fn send(&self, request: &Request) -> Result<Response> {
        let started = self.clock.now();
        let deadline = started + chrono_duration(self.policy.deadline);
        let attempts = self.policy.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            let remaining = (deadline - self.clock.now()).to_std().unwrap_or_default();
            let timeout = self
                .policy
                .timeout
                .min(remaining.max(Duration::from_secs(1)));
            if let Some(pause) = self.gate.pause(request.service, self.clock.now()) {
                if self.clock.now() + chrono_duration(pause) < deadline {
                    tracing::info!(
                        "{}: waiting {} ms, as the service asked another request",
                        request.service,
                        pause.as_millis()
                    );
                    self.clock.sleep(pause);
                }
            }
            let begun = Instant::now();
            let outcome = self.send_once(request, timeout);
            let elapsed = begun.elapsed().as_millis();
            let shown = redact_url(&request.url);
            // `last`: what the call returns if it is not tried again.
            let (retryable, asked, last) = match outcome {
                Ok(response) => {
                    tracing::info!(
                        "{} {} → {} ({} ms)",
                        request.method,
                        shown,
                        response.status,
                        elapsed
                    );
                    let status = response.status;
                    let retryable = status == 429 || (request.idempotent && status >= 500);
                    let asked = request
                        .retry_hint
                        .and_then(|hint| hint(&response))
                        .or_else(|| response.asked_wait(self.clock.now()));
                    if status == 429 {
                        let wait = self.backoff(attempt, asked);
                        self.gate
                            .hold(request.service, self.clock.now() + chrono_duration(wait));
                    }
                    if !retryable || attempt >= attempts {
                        return Ok(response);
                    }
                    // Kept: if the wait does not fit before the deadline, this is the answer.
                    (true, asked, Ok(response))
                }
                Err(failure) => {
                    let (retryable, detail) = match &failure {
                        Failure::NotSent(detail) => (true, detail.clone()),
                        Failure::Untrusted(detail) => (false, detail.clone()),
                        Failure::NoAnswer(detail) => (request.idempotent, detail.clone()),
                        Failure::TooLarge => (false, "answer too large".to_string()),
                    };
                    tracing::info!(
                        "{} {} → failed ({} ms): {}",
                        request.method,
                        shown,
                        elapsed,
                        detail
                    );
                    (retryable, None, Err(self.failure_error(request, failure)))
                }
            };
            let wait = self.backoff(attempt, asked);
            let in_time = self.clock.now() + chrono_duration(wait) < deadline;
            if !retryable || attempt >= attempts || !in_time {
                return last;
            }
            tracing::info!(
                "{}: retrying in {} ms (attempt {} of {})",
                request.service,
                wait.as_millis(),
                attempt + 1,
                attempts
            );
            self.clock.sleep(wait);
            attempt += 1;
        }
    }

    fn failure_error(&self, request: &Request, failure: Failure) -> Error {
        let remote = Remote::unanswered(request.service);
        match failure {
            Failure::TooLarge => Error::service(format!(
                "{} sent an answer too large to read (over {} MiB)",
                request.service,
                MAX_BODY_BYTES / (1024 * 1024)
            ))
            .with_hint("check the service URL: no API answer of this service is that large"),
            Failure::Untrusted(detail) => Error::new(
                ErrorKind::Network,
                format!(
                    "{} at {} has a certificate ado-scm does not trust",
                    request.service,
                    host_of(&request.url)
                ),
            )
            .caused_by(detail)
            .with_hint(
                "if the service's certificate comes from an internal certificate authority, \
                 pass --ca-cert FILE (or set SSL_CERT_FILE) with that authority's PEM",
            ),
            Failure::NotSent(detail) | Failure::NoAnswer(detail) => Error::new(
                ErrorKind::Network,
                format!(
                    "cannot reach {} at {}",
                    request.service,
                    host_of(&request.url)
                ),
            )
            .caused_by(detail)
            .with_hint("check the network, or the service URL (see `ado-scm --help`)"),
        }
        .with_remote(remote)
    }

    fn send_once(&self, request: &Request, timeout: Duration) -> Result<Response, Failure> {
        let mut builder = self
            .client
            .request(request.method.clone(), request.url.clone())
            .timeout(timeout)
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
        let response = builder.send().map_err(|err| {
            if certificate_refused(&err) {
                Failure::Untrusted(describe(&err))
            } else if err.is_connect() {
                Failure::NotSent(describe(&err))
            } else {
                Failure::NoAnswer(describe(&err))
            }
        })?;
        if response
            .content_length()
            .is_some_and(|len| len > MAX_BODY_BYTES)
        {
            return Err(Failure::TooLarge);
        }
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        response
            .take(MAX_BODY_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|err| Failure::NoAnswer(format!("the answer was cut off: {err}")))?;
        if body.len() as u64 > MAX_BODY_BYTES {
            return Err(Failure::TooLarge);
        }
        scrub(&mut body, &request.secrets);
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    fn backoff(&self, attempt: u32, asked: Option<Duration>) -> Duration {
        if let Some(wait) = asked {
            return wait.min(self.policy.max_retry_after);
        }
        self.policy
            .base_backoff
            .saturating_mul(2u32.saturating_pow(attempt - 1))
            .min(self.policy.max_retry_after)
    }
}

fn chrono_duration(wait: Duration) -> chrono::Duration {
    chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX)
}

/// The placeholder that replaces a secret found in an answer.
pub const SCRUBBED: &str = "<redacted>";

/// Replaces every form a secret of the request can take in an answer: as sent, JSON-escaped,
/// URL-encoded, base64, and base64 of `:secret` (HTTP Basic, as Azure DevOps takes a PAT).
fn scrub(body: &mut Vec<u8>, secrets: &[Secret]) {
    for secret in secrets {
        let plain = secret.expose();
        if plain.len() < MIN_SCRUBBED_LEN {
            continue;
        }
        let mut forms = vec![
            plain.to_string(),
            STANDARD.encode(plain),
            STANDARD.encode(format!(":{plain}")),
        ];
        let json = serde_json::to_string(plain).unwrap_or_default();
        forms.push(json.trim_matches('"').to_string());
        forms.push(url::form_urlencoded::byte_serialize(plain.as_bytes()).collect());
        for form in forms {
            replace_all(body, form.as_bytes(), SCRUBBED.as_bytes());
        }
    }
}

fn replace_all(haystack: &mut Vec<u8>, needle: &[u8], with: &[u8]) {
    if needle.is_empty() || haystack.len() < needle.len() {
        return;
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    let mut found = false;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
            found = true;
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    if found {
        *haystack = out;
    }
}

fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => url.to_string(),
    }
}

/// Whether TLS refused the service's certificate somewhere in reqwest's error chain. The
/// connector hands rustls' error over wrapped in `io::Error`s (two of them today), whose
/// `source` skips what they wrap: each is opened with `get_ref`.
fn certificate_refused(err: &reqwest::Error) -> bool {
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let mut wrapped: Option<&(dyn std::error::Error + 'static)> = Some(cause);
        while let Some(error) = wrapped {
            if matches!(
                error.downcast_ref::<rustls::Error>(),
                Some(rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented)
            ) {
                return true;
            }
            wrapped = (error.downcast_ref::<std::io::Error>())
                .and_then(|io| io.get_ref())
                .map(|inner| inner as &(dyn std::error::Error + 'static));
        }
        source = cause.source();
    }
    false
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::test_server::{http_with, Stub, StubServer};

    /// What a dry run prints of a request: its secrets hidden wherever they sit in the body,
    /// everything else as it is.
    #[test]
    fn a_shown_request_hides_its_secrets_at_any_depth_and_nothing_else() {
        let secret = Secret::new("the-client-secret-value");
        let request = Request::new(
            "Gitpod API",
            Method::POST,
            Url::parse("https://app.gitpod.io/api/x").unwrap(),
        )
        .carrying(&secret)
        .json(serde_json::json!({
            "top": "the-client-secret-value",
            "list": ["keep", "the-client-secret-value"],
            "nested": {"deeper": {"value": "the-client-secret-value"}, "name": "runner"},
        }));
        let shown = request.shown().join("\n");
        assert!(!shown.contains("the-client-secret-value"), "{shown}");
        assert_eq!(shown.matches(SCRUBBED).count(), 3, "{shown}");
        for kept in ["\"keep\"", "\"runner\"", "POST https://app.gitpod.io/api/x"] {
            assert!(shown.contains(kept), "{kept} missing: {shown}");
        }
    }

    #[test]
    fn a_pause_one_request_was_asked_for_holds_the_services_other_requests() {
        let (http, clock) = http_with(HttpPolicy {
            max_attempts: 1,
            ..HttpPolicy::default()
        });
        let server = StubServer::start(vec![
            Stub::get("/a").status(429).header("retry-after", "3"),
            Stub::get("/b"),
            Stub::get("/c"),
        ]);
        let get = |path: &str, service: &'static str| {
            let url = server.url(path);
            http.send(&Request::new(service, Method::GET, url)).unwrap()
        };
        assert_eq!(get("/a", "Gitpod API").status, 429);
        assert!(clock.sleeps().is_empty(), "one attempt only: no retry");
        // Another service is not held; the same one waits out the pause first.
        get("/c", "Microsoft Graph");
        assert!(clock.sleeps().is_empty());
        get("/b", "Gitpod API");
        assert_eq!(clock.sleeps(), vec![Duration::from_secs(3)]);
        server.finish();
    }

    /// `--ca-cert` takes every certificate of a PEM bundle (two self-signed test authorities,
    /// made for this test and trusted nowhere else).
    #[test]
    fn a_ca_file_gives_every_certificate_it_holds() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/testdata/two-test-cas.pem");
        assert_eq!(read_ca_file(&path).unwrap().len(), 2);
        let empty = tempfile::NamedTempFile::new().unwrap();
        let err = read_ca_file(empty.path()).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.message.ends_with("holds no PEM certificate"),
            "{}",
            err.message
        );
    }

    /// 16 MiB, written out: the limit the tests hold the constant to.
    const SIXTEEN_MIB: usize = 16 * 1024 * 1024;

    #[test]
    fn an_answer_of_16_mib_is_read_and_a_larger_one_refused_unread() {
        let (http, _clock) = crate::clients::test_server::http();
        let server = StubServer::start(vec![
            Stub::get("/fits").body(vec![b'a'; SIXTEEN_MIB]),
            Stub::get("/over").body(vec![b'a'; SIXTEEN_MIB + 1]),
        ]);
        let get =
            |path: &str| http.send(&Request::new("Gitpod API", Method::GET, server.url(path)));
        assert_eq!(get("/fits").unwrap().body.len(), SIXTEEN_MIB);
        let err = get("/over").unwrap_err();
        assert_eq!(
            err.message,
            "Gitpod API sent an answer too large to read (over 16 MiB)"
        );
        server.finish();
    }

    /// Without a Content-Length (chunked), the answer is read up to the limit and no further.
    #[test]
    fn a_chunked_answer_over_16_mib_is_refused() {
        use std::io::Write;
        let (url, serve) = serve_once(|stream| {
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n");
            let chunk = vec![b'a'; 1024 * 1024];
            // One chunk more than the limit holds; the client may hang up before the end.
            for _ in 0..=16 {
                let _ = write!(stream, "{:x}\r\n", chunk.len());
                let _ = stream.write_all(&chunk);
                let _ = stream.write_all(b"\r\n");
            }
            let _ = stream.write_all(b"0\r\n\r\n");
        });
        let (http, _clock) = crate::clients::test_server::http();
        let err = http
            .send(&Request::new("Gitpod API", Method::GET, url))
            .unwrap_err();
        assert_eq!(
            err.message,
            "Gitpod API sent an answer too large to read (over 16 MiB)"
        );
        serve.join().unwrap();
    }

    /// A pause the service asked for is waited out only when it ends before the call's
    /// deadline; one that reaches it is not waited for at all (the call goes now, or fails).
    #[test]
    fn a_pause_reaching_the_deadline_is_not_waited_for() {
        for (retry_after, waited) in [("9", true), ("10", false), ("60", false)] {
            let (http, clock) = http_with(HttpPolicy {
                max_attempts: 1,
                deadline: Duration::from_secs(10),
                ..HttpPolicy::default()
            });
            let server = StubServer::start(vec![
                Stub::get("/a")
                    .status(429)
                    .header("retry-after", retry_after),
                Stub::get("/b"),
            ]);
            let get = |path: &str| {
                http.send(&Request::new("Gitpod API", Method::GET, server.url(path)))
                    .unwrap()
            };
            assert_eq!(get("/a").status, 429);
            get("/b");
            let slept: Vec<Duration> = clock.sleeps();
            let expected = if waited {
                vec![Duration::from_secs(retry_after.parse().unwrap())]
            } else {
                Vec::new()
            };
            assert_eq!(slept, expected, "Retry-After {retry_after}");
            server.finish();
        }
    }

    /// A retry goes only when its wait ends before the call's deadline, and never beyond the
    /// attempts allowed.
    #[test]
    fn a_retry_is_made_only_within_the_deadline_and_the_attempts() {
        for (retry_after, attempts, sent) in [("9", 3, 2), ("10", 3, 1), ("60", 3, 1), ("1", 1, 1)]
        {
            let (http, _clock) = http_with(HttpPolicy {
                max_attempts: attempts,
                deadline: Duration::from_secs(10),
                ..HttpPolicy::default()
            });
            let mut stubs = vec![Stub::get("/a")
                .status(503)
                .header("retry-after", retry_after)];
            if sent == 2 {
                stubs.push(Stub::get("/a"));
            }
            let server = StubServer::start(stubs);
            let answer = http.send(&Request::new("Gitpod API", Method::GET, server.url("/a")));
            let expected_status = if sent == 2 { 200 } else { 503 };
            assert_eq!(
                answer.unwrap().status,
                expected_status,
                "Retry-After {retry_after}"
            );
            assert_eq!(server.finish().len(), sent, "Retry-After {retry_after}");
        }
    }

    /// Without a word from the service, the waits double from the base back-off.
    #[test]
    fn back_off_doubles_from_the_base_wait() {
        let (http, clock) = http_with(HttpPolicy {
            max_attempts: 4,
            base_backoff: Duration::from_millis(500),
            ..HttpPolicy::default()
        });
        let server = StubServer::start(vec![
            Stub::get("/a").status(503),
            Stub::get("/a").status(503),
            Stub::get("/a").status(503),
            Stub::get("/a"),
        ]);
        let answer = http.send(&Request::new("Gitpod API", Method::GET, server.url("/a")));
        assert_eq!(answer.unwrap().status, 200);
        assert_eq!(
            clock.sleeps(),
            [500, 1000, 2000].map(Duration::from_millis).to_vec()
        );
        server.finish();
    }

    /// Serves one connection: reads the request's head, then `answer` writes what it will.
    fn serve_once(
        answer: impl FnOnce(&mut std::net::TcpStream) + Send + 'static,
    ) -> (Url, std::thread::JoinHandle<()>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = Url::parse(&format!("http://{}/x", listener.local_addr().unwrap())).unwrap();
        let serve = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut head = [0u8; 1024];
            let _ = stream.read(&mut head).unwrap();
            answer(&mut stream);
        });
        (url, serve)
    }

    /// A Content-Length over the limit is refused from the head alone (no body is sent here:
    /// reading one would wait for it); one at the limit is read.
    #[test]
    fn a_content_length_over_16_mib_is_refused_unread_and_one_of_16_mib_read() {
        use std::io::Write;
        let (http, _clock) = crate::clients::test_server::http();
        let (url, serve) = serve_once(|stream| {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n",
                SIXTEEN_MIB + 1
            );
            let _ = stream.write_all(head.as_bytes());
        });
        let err = http
            .send(&Request::new("Gitpod API", Method::GET, url))
            .unwrap_err();
        assert_eq!(
            err.message,
            "Gitpod API sent an answer too large to read (over 16 MiB)"
        );
        serve.join().unwrap();

        let (url, serve) = serve_once(|stream| {
            let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {SIXTEEN_MIB}\r\n\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&vec![b'a'; SIXTEEN_MIB]);
        });
        let answer = http.send(&Request::new("Gitpod API", Method::GET, url));
        assert_eq!(answer.unwrap().body.len(), SIXTEEN_MIB);
        serve.join().unwrap();
    }

    #[test]
    fn replace_all_takes_a_whole_match_and_ignores_an_empty_needle() {
        let mut body = b"the-secret-value".to_vec();
        replace_all(&mut body, b"the-secret-value", b"<x>");
        assert_eq!(body, b"<x>");
        let mut body = b"short".to_vec();
        replace_all(&mut body, b"longer than the body", b"<x>");
        assert_eq!(body, b"short");
        let mut body = b"anything".to_vec();
        replace_all(&mut body, b"", b"<x>");
        assert_eq!(body, b"anything");
    }

    /// A refused connection names the service and where it was looked for, and says why.
    #[test]
    fn an_unreachable_service_is_named_with_its_host_and_port() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let (http, _clock) = http_with(HttpPolicy {
            max_attempts: 1,
            ..HttpPolicy::default()
        });
        for (url, at) in [
            (
                format!("http://127.0.0.1:{port}/x"),
                format!("127.0.0.1:{port}"),
            ),
            ("http://[::1]:1/x".to_string(), "[::1]:1".to_string()),
        ] {
            let url = Url::parse(&url).unwrap();
            let err = http
                .send(&Request::new("Gitpod API", Method::GET, url))
                .unwrap_err();
            assert_eq!(err.message, format!("cannot reach Gitpod API at {at}"));
            assert!(
                err.causes
                    .iter()
                    .any(|c| c.starts_with("connection failed: ")),
                "{:?}",
                err.causes
            );
        }
        assert_eq!(
            host_of(&Url::parse("https://dev.azure.com/acme").unwrap()),
            "dev.azure.com"
        );
    }

    /// Secrets of 8 characters and more are scrubbed from answers; shorter ones would match
    /// ordinary text.
    #[test]
    fn secrets_from_8_characters_are_scrubbed() {
        let mut body = b"a 12345678 and a 1234567".to_vec();
        scrub(
            &mut body,
            &[Secret::new("12345678"), Secret::new("1234567")],
        );
        assert_eq!(body, format!("a {SCRUBBED} and a 1234567").as_bytes());
    }

    #[test]
    fn the_longest_pause_asked_holds() {
        let gate = RateGate::default();
        let now: DateTime<Utc> = "2025-01-01T00:00:00Z".parse().unwrap();
        gate.hold("s", now + chrono::Duration::seconds(5));
        gate.hold("s", now + chrono::Duration::seconds(2));
        assert_eq!(gate.pause("s", now), Some(Duration::from_secs(5)));
        assert_eq!(gate.pause("s", now + chrono::Duration::seconds(5)), None);
        assert_eq!(gate.pause("other", now), None);
    }
}
