//! A stub HTTP server for the clients' unit tests (test builds only), on the tests' recording
//! loopback server (`tests/support`, tiny_http).
//!
//! Each stub answers one request matching its method and path (a stub path with `?` must match
//! the query too), in the order they were added. Every request is recorded. A request no stub
//! matches is answered 418 and fails the test; so does a stub nobody used. Both are checked by
//! [`StubServer::finish`], which also returns the requests, and otherwise when the server is
//! dropped (not while the test is already failing: one panic, not two), the way GitHub CLI's
//! `httpmock` registry verifies its stubs.

// Shared by every client's tests: not each of them uses every piece.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use ado_scm_test_support::local_server::{Answer, LocalServer, Received};
use url::Url;

use crate::clock::FakeClock;
use crate::http::{Http, HttpPolicy};

/// The real HTTP client on a fake clock: retries back off without waiting.
pub fn http() -> (Http, Arc<FakeClock>) {
    http_with(HttpPolicy::default())
}

/// [`http`] with its own retry policy (attempts, deadline, back-off).
pub fn http_with(policy: HttpPolicy) -> (Http, Arc<FakeClock>) {
    let start = chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
        .expect("start time")
        .with_timezone(&chrono::Utc);
    let clock = Arc::new(FakeClock::new(start));
    let http = Http::new(clock.clone(), policy).expect("HTTP client");
    (http, clock)
}

/// One canned answer.
#[derive(Debug, Clone)]
pub struct Stub {
    method: String,
    path: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Stub {
    pub fn new(method: &str, path: &str) -> Stub {
        Stub {
            method: method.to_string(),
            path: path.to_string(),
            status: 200,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn post(path: &str) -> Stub {
        Stub::new("POST", path)
    }

    pub fn get(path: &str) -> Stub {
        Stub::new("GET", path)
    }

    pub fn status(mut self, status: u16) -> Stub {
        self.status = status;
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Stub {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json(self, body: serde_json::Value) -> Stub {
        self.header("content-type", "application/json")
            .body(body.to_string())
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Stub {
        self.body = body.into();
        self
    }

    fn matches(&self, method: &str, path: &str, query: Option<&str>) -> bool {
        if !self.method.eq_ignore_ascii_case(method) {
            return false;
        }
        match self.path.split_once('?') {
            Some((p, q)) => p == path && Some(q) == query,
            None => self.path == path,
        }
    }

    fn answer(&self) -> Answer {
        Answer {
            status: self.status,
            headers: self.headers.clone(),
            body: self.body.clone(),
        }
    }
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

impl From<&Received> for Recorded {
    fn from(received: &Received) -> Recorded {
        let (path, query) = match received.target.split_once('?') {
            Some((p, q)) => (p.to_string(), Some(q.to_string())),
            None => (received.target.clone(), None),
        };
        Recorded {
            method: received.method.clone(),
            path,
            query,
            headers: received.headers.clone(),
            body: received.body.clone(),
        }
    }
}

#[derive(Default)]
struct State {
    stubs: Vec<(Stub, bool)>,
    unmatched: Vec<String>,
}

impl State {
    /// Takes the first unused stub that matches the request, if any.
    fn answer(&mut self, request: &Recorded) -> Option<Stub> {
        let found = self.stubs.iter_mut().find(|(stub, used)| {
            !used && stub.matches(&request.method, &request.path, request.query.as_deref())
        });
        match found {
            Some((stub, used)) => {
                *used = true;
                Some(stub.clone())
            }
            None => {
                let query = request
                    .query
                    .as_deref()
                    .map(|q| format!("?{q}"))
                    .unwrap_or_default();
                self.unmatched
                    .push(format!("{} {}{query}", request.method, request.path));
                None
            }
        }
    }

    /// Panics on a request no stub matched and on a stub nobody used.
    fn verify(&self) {
        assert!(
            self.unmatched.is_empty(),
            "requests no stub matched: {:?}",
            self.unmatched
        );
        let unused: Vec<String> = self
            .stubs
            .iter()
            .filter(|(_, used)| !used)
            .map(|(s, _)| format!("{} {}", s.method, s.path))
            .collect();
        assert!(unused.is_empty(), "stubs never used: {unused:?}");
    }
}

pub struct StubServer {
    base: Url,
    server: LocalServer,
    state: Arc<Mutex<State>>,
    /// Set once the stubs were checked ([`StubServer::finish`]), so drop does not check again.
    verified: bool,
}

impl StubServer {
    pub fn start(stubs: Vec<Stub>) -> StubServer {
        let state = Arc::new(Mutex::new(State {
            stubs: stubs.into_iter().map(|s| (s, false)).collect(),
            ..State::default()
        }));
        let server = {
            let state = Arc::clone(&state);
            LocalServer::start(move |received| {
                let request = Recorded::from(received);
                let stub = state.lock().expect("stub state").answer(&request);
                stub.unwrap_or_else(|| {
                    Stub::new(&request.method, &request.path)
                        .status(418)
                        .body("no stub matched this request")
                })
                .answer()
            })
        };
        StubServer {
            base: Url::parse(&format!("{}/", server.url())).expect("base URL"),
            server,
            state,
            verified: false,
        }
    }

    /// `http://127.0.0.1:PORT/`
    pub fn base(&self) -> Url {
        self.base.clone()
    }

    /// The server's URL with `path` (and query) appended to the root.
    pub fn url(&self, path: &str) -> Url {
        self.base.join(path).expect("stub URL")
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.server.received().iter().map(Recorded::from).collect()
    }

    /// Fails on any request no stub matched and on any stub nobody used; returns the requests.
    pub fn finish(mut self) -> Vec<Recorded> {
        self.server.stop();
        self.verified = true;
        self.state.lock().expect("stub state").verify();
        self.requests()
    }
}

impl Drop for StubServer {
    fn drop(&mut self) {
        self.server.stop();
        // Checked here too when the test did not call `finish`; never while the test is already
        // failing (a second panic would abort the test binary and hide the first).
        if !self.verified && !std::thread::panicking() {
            if let Ok(state) = self.state.lock() {
                state.verify();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(url: &Url) -> u16 {
        reqwest::blocking::get(url.as_str())
            .expect("the stub server answers")
            .status()
            .as_u16()
    }

    #[test]
    fn a_stub_answers_once_with_its_status_headers_and_body() {
        let server = StubServer::start(vec![Stub::get("/a?x=1")
            .status(201)
            .header("x-stub", "yes")
            .json(serde_json::json!({"ok": true}))]);
        let answer = reqwest::blocking::get(server.url("/a?x=1").as_str()).unwrap();
        assert_eq!(answer.status().as_u16(), 201);
        assert_eq!(answer.headers()["x-stub"], "yes");
        assert_eq!(answer.headers()["content-type"], "application/json");
        assert_eq!(answer.text().unwrap(), r#"{"ok":true}"#);
        // Used up: the same request again matches nothing.
        assert_eq!(get(&server.url("/a?x=1")), 418);
        let requests = server.requests();
        assert_eq!(requests.len(), 2);
        assert_eq!(requests[0].path, "/a");
        assert_eq!(requests[0].query.as_deref(), Some("x=1"));
        // Checked here, without a panic to catch: the unmatched second request is reported.
        let err =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.finish())).unwrap_err();
        let message = err.downcast_ref::<String>().unwrap();
        assert!(
            message.contains("requests no stub matched: [\"GET /a?x=1\"]"),
            "{message}"
        );
    }

    #[test]
    fn requests_are_recorded_with_lower_cased_header_names_and_their_body() {
        let server = StubServer::start(vec![Stub::post("/p")]);
        reqwest::blocking::Client::new()
            .post(server.url("/p").as_str())
            .header("X-Custom", "Value")
            .body("payload")
            .send()
            .unwrap();
        let requests = server.finish();
        assert_eq!(requests[0].method, "POST");
        assert_eq!(requests[0].header("x-custom"), Some("Value"));
        assert!(requests[0].headers.iter().any(|(n, _)| n == "x-custom"));
        assert_eq!(requests[0].body, b"payload");
    }

    #[test]
    fn dropping_the_server_checks_that_every_stub_was_used() {
        let unused = std::panic::catch_unwind(|| {
            let _server = StubServer::start(vec![Stub::get("/never")]);
        })
        .unwrap_err();
        let message = unused.downcast_ref::<String>().unwrap();
        assert!(
            message.contains("stubs never used: [\"GET /never\"]"),
            "{message}"
        );

        let unmatched = std::panic::catch_unwind(|| {
            let server = StubServer::start(Vec::new());
            assert_eq!(get(&server.url("/stray")), 418);
        })
        .unwrap_err();
        let message = unmatched.downcast_ref::<String>().unwrap();
        assert!(message.contains("GET /stray"), "{message}");
    }

    #[test]
    fn a_test_already_failing_gets_its_own_panic_not_the_servers() {
        let failed = std::panic::catch_unwind(|| {
            let _server = StubServer::start(vec![Stub::get("/never")]);
            panic!("the test's own failure");
        })
        .unwrap_err();
        assert_eq!(
            failed.downcast_ref::<&str>(),
            Some(&"the test's own failure")
        );
    }
}
