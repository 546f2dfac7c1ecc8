//! A small HTTP server on 127.0.0.1 (tiny_http) that records every request and answers each with
//! what the test's closure says: a canned answer (the clients' stub server in `src/` is built on
//! it), a redirect, or the sandbox's own answer, forwarded, for a service that misbehaves in a
//! way the sandbox does not offer.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tiny_http::{Header, Response, Server};

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

/// What the server answers.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(status: u16, body: &serde_json::Value) -> Answer {
        Answer {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// A redirect of `status` to `location`.
    pub fn redirect(status: u16, location: &str) -> Answer {
        Answer {
            status,
            headers: vec![("location".into(), location.into())],
            body: Vec::new(),
        }
    }

    /// What `upstream` (a base URL) answers to the same request, its redirects not followed.
    pub fn forwarded(upstream: &str, request: &Received) -> Answer {
        let client = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).unwrap();
        let mut outgoing = client
            .request(method, format!("{upstream}{}", request.target))
            .body(request.body.clone());
        for (name, value) in &request.headers {
            if !matches!(name.as_str(), "host" | "content-length" | "connection") {
                outgoing = outgoing.header(name, value);
            }
        }
        let answer = outgoing.send().expect("the upstream answers");
        let status = answer.status().as_u16();
        let headers = answer
            .headers()
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "content-length" | "connection"))
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_string()))
            .collect();
        Answer {
            status,
            headers,
            body: answer.bytes().unwrap().to_vec(),
        }
    }
}

type Handler = dyn Fn(&Received) -> Answer + Send + Sync;

pub struct LocalServer {
    url: String,
    server: Arc<Server>,
    received: Arc<Mutex<Vec<Received>>>,
    thread: Option<JoinHandle<()>>,
}

impl LocalServer {
    /// A server answering every request with `answer(request)`.
    pub fn start(answer: impl Fn(&Received) -> Answer + Send + Sync + 'static) -> LocalServer {
        let server = Arc::new(Server::http("127.0.0.1:0").expect("bind a loopback port"));
        let addr = server.server_addr().to_ip().expect("an IP listener");
        let received = Arc::new(Mutex::new(Vec::new()));
        let answer: Arc<Handler> = Arc::new(answer);
        let thread = {
            let (server, received) = (Arc::clone(&server), Arc::clone(&received));
            std::thread::spawn(move || {
                // Ends when `Drop` unblocks it.
                while let Ok(request) = server.recv() {
                    serve(request, &received, answer.as_ref());
                }
            })
        };
        LocalServer {
            url: format!("http://{addr}"),
            server,
            received,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Stops answering: the listener closes and its thread ends. Idempotent.
    pub fn stop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve(mut request: tiny_http::Request, received: &Mutex<Vec<Received>>, answer: &Handler) {
    let mut body = Vec::new();
    let _ = request.as_reader().read_to_end(&mut body);
    let got = Received {
        method: request.method().as_str().to_string(),
        target: request.url().to_string(),
        headers: request
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_ascii_lowercase(),
                    h.value.as_str().to_string(),
                )
            })
            .collect(),
        body,
    };
    received.lock().unwrap().push(got.clone());
    let Answer {
        status,
        headers,
        body,
    } = answer(&got);
    let response = headers.iter().fold(
        Response::from_data(body).with_status_code(status),
        |response, (name, value)| {
            response.with_header(Header::from_bytes(name.as_bytes(), value.as_bytes()).unwrap())
        },
    );
    let _ = request.respond(response);
}
