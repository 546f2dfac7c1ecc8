//! The `oauth2` crate's HTTP client trait over our [`Http`]: one reqwest for the whole binary,
//! no redirects ever followed (a token request redirected elsewhere would carry a code or a
//! secret with it), timeouts, and the `-v` log line with nothing secret in it.
//!
//! The form body the crate builds is split back into fields so that the sensitive ones (codes,
//! verifiers, refresh tokens, device codes, secrets) travel as [`FormValue::Secret`] and never
//! show up in a `Debug` of the request. Token requests are not retried: a code or a refresh
//! token is single-use, and sending one twice after a timeout would burn it.
//!
//! The crate reduces error answers to `error`/`error_description` (and the device flow to its
//! own enum); Entra's `error_codes`, trace and correlation ids are needed to explain them, so
//! the adapter keeps the last error answer's status and body for the caller to read.

use std::cell::RefCell;

use oauth2::http;
use oauth2::{HttpRequest, HttpResponse, SyncHttpClient};
use url::Url;

use crate::clients::entra::SERVICE;
use crate::error::{Error, Result};
use crate::http::{FormValue, Http, Request};
use crate::secret::Secret;

/// Form fields whose values are secrets.
const SECRET_FIELDS: &[&str] = &[
    "client_secret",
    "code",
    "code_verifier",
    "refresh_token",
    "device_code",
    "password",
    "client_assertion",
    "assertion",
];

pub struct OAuthHttp<'a> {
    http: &'a Http,
    last_error: RefCell<Option<(u16, Vec<u8>)>>,
}

impl<'a> OAuthHttp<'a> {
    pub fn new(http: &'a Http) -> Self {
        OAuthHttp {
            http,
            last_error: RefCell::new(None),
        }
    }

    /// The status and body of the last non-success answer, if the last answer was one.
    pub fn take_last_error(&self) -> Option<(u16, Vec<u8>)> {
        self.last_error.borrow_mut().take()
    }

    fn convert(&self, request: HttpRequest) -> Result<Request> {
        let url = Url::parse(&request.uri().to_string())
            .map_err(|_| Error::local("the OAuth client built a request with an unusable URL"))?;
        let method = reqwest::Method::from_bytes(request.method().as_str().as_bytes())
            .map_err(|_| Error::local("the OAuth client built a request with an odd method"))?;
        let mut converted = Request::new(SERVICE, method, url).idempotent(false);
        let content_type = request
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if let Some(auth) = request.headers().get(http::header::AUTHORIZATION) {
            let value = auth.to_str().map_err(|_| {
                Error::local("the OAuth client built an unusable Authorization header")
            })?;
            // HTTP Basic client authentication: the credential after the scheme is scrubbed
            // from answers.
            let credential = Secret::new(value.split_once(' ').map_or(value, |(_, c)| c));
            converted = converted.authorization(Secret::new(value), &credential);
        }
        let body = request.body();
        if !body.is_empty() {
            if !content_type.starts_with("application/x-www-form-urlencoded") {
                return Err(Error::local(
                    "the OAuth client built a request body that is not a form",
                ));
            }
            let fields = url::form_urlencoded::parse(body)
                .map(|(name, value)| {
                    let value = if SECRET_FIELDS.contains(&name.as_ref()) {
                        FormValue::Secret(Secret::new(value.into_owned()))
                    } else {
                        FormValue::Plain(value.into_owned())
                    };
                    (name.into_owned(), value)
                })
                .collect();
            converted = converted.form(fields);
        }
        Ok(converted)
    }
}

impl SyncHttpClient for OAuthHttp<'_> {
    type Error = Error;

    fn call(&self, request: HttpRequest) -> Result<HttpResponse> {
        self.last_error.borrow_mut().take();
        let converted = self.convert(request)?;
        let response = self.http.send(&converted)?;
        if !response.is_success() {
            *self.last_error.borrow_mut() = Some((response.status, response.body.clone()));
        }
        let mut builder = http::Response::builder().status(response.status);
        if let Some(content_type) = response.header("content-type") {
            builder = builder.header(http::header::CONTENT_TYPE, content_type);
        }
        builder
            .body(response.body)
            .map_err(|_| Error::service(format!("{SERVICE} sent an unusable HTTP answer")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::test_server::{http as test_http, Stub, StubServer};

    #[test]
    fn forms_go_through_with_secrets_marked_and_errors_kept() {
        let server = StubServer::start(vec![
            Stub::post("/token").json(serde_json::json!({"ok": true})),
            Stub::post("/token")
                .status(400)
                .json(serde_json::json!({"error": "invalid_grant"})),
        ]);
        let (http, _clock) = test_http();
        let adapter = OAuthHttp::new(&http);
        let request = |code: &str| {
            http::Request::builder()
                .method("POST")
                .uri(server.url("/token").as_str())
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("grant_type=authorization_code&code={code}").into_bytes())
                .unwrap()
        };
        let converted = adapter.convert(request("SECRETCODE")).unwrap();
        assert!(!format!("{converted:?}").contains("SECRETCODE"));
        let ok = adapter.call(request("a")).unwrap();
        assert_eq!(ok.status(), 200);
        assert!(adapter.take_last_error().is_none());
        let bad = adapter.call(request("b")).unwrap();
        assert_eq!(bad.status(), 400);
        let (status, body) = adapter.take_last_error().unwrap();
        assert_eq!(status, 400);
        assert!(String::from_utf8_lossy(&body).contains("invalid_grant"));
        let requests = server.finish();
        assert_eq!(
            requests[0].body,
            b"grant_type=authorization_code&code=a".to_vec()
        );
        assert_eq!(
            requests[0].header("content-type"),
            Some("application/x-www-form-urlencoded")
        );
    }
}
