//! What the tests of the Entra clients and of the sign-ins built on them share: a stand-in of
//! Entra's token, device code and keys endpoints whose answers are computed per request, and
//! Entra-shaped token and error answers.

use std::sync::{Arc, Mutex};

use url::Url;

use super::id_token::tests as jwt;
use super::issuer::Discovery;
use crate::clients::test_server::Recorded;

pub(crate) const MARKER: &str = "MARKER-SECRET-8c1f";
pub(crate) const CLIENT: &str = "client-1";

type Handler = dyn Fn(&Recorded) -> (u16, serde_json::Value) + Send + Sync;

/// A stand-in whose answers are computed per request (the ID token must carry the nonce of
/// the authorize URL, only known once the sign-in has started). Records every request.
pub(crate) struct DynServer {
    base: Url,
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl DynServer {
    pub(crate) fn start(
        handler: impl Fn(&Recorded) -> (u16, serde_json::Value) + Send + Sync + 'static,
    ) -> DynServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Box<Handler> = Box::new(handler);
        let thread = {
            let server = server.clone();
            let requests = requests.clone();
            std::thread::spawn(move || {
                while let Ok(mut rq) = server.recv() {
                    let mut body = Vec::new();
                    let _ = std::io::Read::read_to_end(rq.as_reader(), &mut body);
                    let url = rq.url().to_string();
                    let (path, query) = match url.split_once('?') {
                        Some((p, q)) => (p.to_string(), Some(q.to_string())),
                        None => (url.clone(), None),
                    };
                    let recorded = Recorded {
                        method: rq.method().to_string(),
                        path,
                        query,
                        headers: rq
                            .headers()
                            .iter()
                            .map(|h| {
                                (
                                    h.field.to_string().to_ascii_lowercase(),
                                    h.value.to_string(),
                                )
                            })
                            .collect(),
                        body,
                    };
                    let (status, json) = handler(&recorded);
                    requests.lock().unwrap().push(recorded);
                    let header = tiny_http::Header::from_bytes(
                        "Content-Type",
                        "application/json; charset=utf-8",
                    )
                    .unwrap();
                    let _ = rq.respond(
                        tiny_http::Response::from_string(json.to_string())
                            .with_status_code(status)
                            .with_header(header),
                    );
                }
            })
        };
        DynServer {
            base: Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap(),
            server,
            thread: Some(thread),
            requests,
        }
    }

    pub(crate) fn url(&self, path: &str) -> Url {
        self.base.join(path).unwrap()
    }

    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub(crate) fn discovery(&self) -> Discovery {
        Discovery {
            issuer: jwt::ISS.to_string(),
            tenant_id: "72f988bf-86f1-41af-91ab-2d7cd011db47".into(),
            authorization_endpoint: self.url("/tenant/oauth2/v2.0/authorize"),
            token_endpoint: self.url("/tenant/oauth2/v2.0/token"),
            device_authorization_endpoint: Some(self.url("/tenant/oauth2/v2.0/devicecode")),
            jwks_uri: self.url("/tenant/discovery/v2.0/keys"),
        }
    }
}

impl Drop for DynServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

pub(crate) fn form(request: &Recorded) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body)
        .into_owned()
        .collect()
}

pub(crate) fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A token answer; with `nonce`, an ID token for `aud` carrying it.
pub(crate) fn token_answer(
    id_token: Option<(&str, Option<&str>)>,
    refresh: &str,
) -> serde_json::Value {
    let mut answer = serde_json::json!({
        "token_type": "Bearer",
        "scope": "https://graph.microsoft.com/Application.ReadWrite.All openid profile",
        "expires_in": 3600,
        "ext_expires_in": 3600,
        "access_token": format!("{MARKER}-access"),
    });
    if !refresh.is_empty() {
        answer["refresh_token"] = refresh.into();
    }
    if let Some((aud, nonce)) = id_token {
        answer["id_token"] = jwt::sign(
            serde_json::json!({"alg": "RS256", "typ": "JWT", "kid": jwt::KID}),
            jwt::claims(aud, nonce),
        )
        .into();
    }
    answer
}

pub(crate) fn entra_error(error: &str, code: u64) -> serde_json::Value {
    serde_json::json!({
        "error": error,
        "error_description": format!("AADSTS{code}: Something.\r\nTrace ID: trace-1\r\nCorrelation ID: corr-1\r\nTimestamp: 2025-01-01 00:00:00Z"),
        "error_codes": [code],
        "trace_id": "trace-1",
        "correlation_id": "corr-1",
        "timestamp": "2025-01-01 00:00:00Z",
    })
}

/// Token endpoint + JWKS: `token` computes the answer to a token request.
pub(crate) fn entra(
    token: impl Fn(&[(String, String)]) -> (u16, serde_json::Value) + Send + Sync + 'static,
) -> DynServer {
    DynServer::start(move |rq| match rq.path.as_str() {
        "/tenant/discovery/v2.0/keys" => (200, jwt::jwks_json()),
        "/tenant/oauth2/v2.0/token" | "/tenant/oauth2/v2.0/devicecode" => token(&form(rq)),
        _ => (404, serde_json::json!({"error": "not_found"})),
    })
}

/// The scopes of an admin's Graph sign-in.
pub(crate) fn scopes() -> Vec<String> {
    vec![
        "https://graph.microsoft.com/Application.ReadWrite.All".into(),
        "offline_access".into(),
        "openid".into(),
        "profile".into(),
    ]
}
