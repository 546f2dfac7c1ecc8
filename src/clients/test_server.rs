//! A tiny HTTP stub server for the clients' unit tests (std only, test builds only).
//!
//! Each stub answers one request matching its method and path (a stub path with `?` must match
//! the query too), in the order they were added. Every request is recorded. [`StubServer::finish`]
//! fails the test on a request no stub matched and on a stub nobody used, the way GitHub CLI's
//! `httpmock` registry does. Answers always close the connection, so each request is one
//! connection and the server stays a simple loop.

// Shared by every client's tests: not each of them uses every piece.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use url::Url;

use crate::clock::FakeClock;
use crate::http::{Http, HttpPolicy};

/// The real HTTP client on a fake clock: retries back off without waiting.
pub fn http() -> (Http, Arc<FakeClock>) {
    let start = chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
        .expect("start time")
        .with_timezone(&chrono::Utc);
    let clock = Arc::new(FakeClock::new(start));
    let http = Http::new(clock.clone(), HttpPolicy::default()).expect("HTTP client");
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

#[derive(Default)]
struct State {
    stubs: Vec<(Stub, bool)>,
    requests: Vec<Recorded>,
    unmatched: Vec<String>,
}

pub struct StubServer {
    base: Url,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl StubServer {
    pub fn start(stubs: Vec<Stub>) -> StubServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(Mutex::new(State {
            stubs: stubs.into_iter().map(|s| (s, false)).collect(),
            ..State::default()
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        // A broken connection is the client's business (and shows up in its
                        // result); the server just moves on.
                        let _ = serve(stream, &state);
                    }
                }
            })
        };
        StubServer {
            base: Url::parse(&format!("http://{addr}/")).expect("base URL"),
            state,
            stop,
            thread: Some(thread),
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
        self.state.lock().expect("stub state").requests.clone()
    }

    /// Fails on any request no stub matched and on any stub nobody used; returns the requests.
    pub fn finish(mut self) -> Vec<Recorded> {
        self.shutdown();
        let state = self.state.lock().expect("stub state");
        assert!(
            state.unmatched.is_empty(),
            "requests no stub matched: {:?}",
            state.unmatched
        );
        let unused: Vec<String> = state
            .stubs
            .iter()
            .filter(|(_, used)| !used)
            .map(|(s, _)| format!("{} {}", s.method, s.path))
            .collect();
        assert!(unused.is_empty(), "stubs never used: {unused:?}");
        state.requests.clone()
    }

    fn shutdown(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.stop.store(true, Ordering::SeqCst);
            // Wake the accept loop up so that it sees the flag.
            let _ = TcpStream::connect(self.base.socket_addrs(|| None).expect("addr")[0]);
            let _ = thread.join();
        }
    }
}

impl Drop for StubServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn serve(stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Ok(());
    };
    let (method, target) = (method.to_string(), target.to_string());
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), Some(q.to_string())),
        None => (target.clone(), None),
    };

    let answer = {
        let mut state = state.lock().expect("stub state");
        state.requests.push(Recorded {
            method: method.clone(),
            path: path.clone(),
            query: query.clone(),
            headers,
            body,
        });
        let found = state
            .stubs
            .iter_mut()
            .find(|(stub, used)| !used && stub.matches(&method, &path, query.as_deref()));
        match found {
            Some((stub, used)) => {
                *used = true;
                Some(stub.clone())
            }
            None => {
                state.unmatched.push(format!("{method} {target}"));
                None
            }
        }
    };
    let stub = answer.unwrap_or_else(|| {
        Stub::new(&method, &path)
            .status(418)
            .body("no stub matched this request")
    });
    let mut out = format!("HTTP/1.1 {} Stub\r\n", stub.status);
    for (name, value) in &stub.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        stub.body.len()
    ));
    let mut stream = stream;
    stream.write_all(out.as_bytes())?;
    stream.write_all(&stub.body)?;
    stream.flush()
}
