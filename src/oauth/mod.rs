//! Signing people in to Microsoft Entra ID: the OAuth 2.0 / OpenID Connect client, on the
//! `oauth2` crate, driven through [`adapter::OAuthHttp`] over our one [`Http`] client.
//!
//! - [`sign_in_browser`]: authorization code + PKCE (S256) with a one-shot loopback listener
//!   ([`loopback`]), `state` checked, a nonce sent and checked in the ID token.
//! - [`sign_in_device`] ([`device`]): device code; `slow_down` adds 5 s to the interval, polling
//!   sleeps on the injected clock.
//! - [`refresh`]: a refresh token for new tokens; Entra rotates refresh tokens, so the returned
//!   set's `refresh_token` must replace the stored one.
//! - Client credentials live in [`crate::clients::entra::client_credentials`].
//! - [`graph_signin::graph_token`]: the admin's Microsoft Graph token for `setup`.
//!
//! Whenever an ID token comes back it is checked ([`id_token`]) before anything uses it.
//! Codes, verifiers and tokens are [`Secret`]s or stay inside the `oauth2` types (whose `Debug`
//! is redacted); no message is built from them.

pub mod adapter;
pub mod device;
pub mod graph_signin;
pub mod id_token;
pub mod loopback;

use std::fmt;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, CsrfToken, EndpointNotSet, EndpointSet,
    ErrorResponse, ExtraTokenFields, PkceCodeChallenge, RedirectUrl, RefreshToken,
    RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse, TokenResponse,
    TokenUrl,
};
use serde::{Deserialize, Serialize};
use url::Url;

pub use crate::clients::entra::{IdToken, IdTokenClaims, TokenSet};
pub use device::{sign_in_device, DeviceCodePrompt, DeviceOptions};
pub use loopback::{LoopbackListener, RedirectHost};

use crate::clients::entra::{self, EntraError, Flow, SERVICE};
use crate::error::{Error, Result};
use crate::http::Http;
use crate::issuer::Discovery;
use crate::secret::Secret;
use adapter::OAuthHttp;

/// How long the browser sign-in waits for the redirect by default.
pub const DEFAULT_SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

/// A public client (no secret) of one tenant.
#[derive(Debug, Clone)]
pub struct PublicClient {
    pub client_id: String,
    pub discovery: Discovery,
}

/// The ID token as the token endpoint sends it; `Debug` hides it.
#[derive(Clone, Deserialize, Serialize)]
#[serde(transparent)]
pub(crate) struct RawIdToken(String);

impl fmt::Debug for RawIdToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RawIdToken(<redacted>)")
    }
}

/// Entra's token answer beyond RFC 6749: the ID token.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub(crate) struct EntraTokenFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<RawIdToken>,
}

impl ExtraTokenFields for EntraTokenFields {}

pub(crate) type EntraTokenResponse = StandardTokenResponse<EntraTokenFields, BasicTokenType>;

pub(crate) type EntraClient<HasAuth, HasDevice, HasToken> = oauth2::Client<
    BasicErrorResponse,
    EntraTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    HasAuth,
    HasDevice,
    EndpointNotSet,
    EndpointNotSet,
    HasToken,
>;

impl PublicClient {
    pub fn new(client_id: impl Into<String>, discovery: Discovery) -> Self {
        PublicClient {
            client_id: client_id.into(),
            discovery,
        }
    }

    /// The `oauth2` client with the token endpoint; the client id goes in the body (a public
    /// client has no secret for Basic auth).
    pub(crate) fn oauth(&self) -> EntraClient<EndpointNotSet, EndpointNotSet, EndpointSet> {
        oauth2::Client::new(ClientId::new(self.client_id.clone()))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(TokenUrl::from_url(self.discovery.token_endpoint.clone()))
    }

    /// Turns a token answer into a [`TokenSet`], checking the ID token when there is one.
    pub(crate) fn token_set(
        &self,
        http: &Http,
        response: &EntraTokenResponse,
        nonce: Option<&str>,
        old_refresh_token: Option<&Secret>,
    ) -> Result<TokenSet> {
        let now = http.clock().now();
        let id_token = match &response.extra_fields().id_token {
            Some(raw) => Some(id_token::check_id_token(
                http,
                &self.discovery.jwks_uri,
                Secret::new(raw.0.clone()),
                &id_token::Expected {
                    issuer: &self.discovery.issuer,
                    audience: &self.client_id,
                    nonce,
                    now,
                },
            )?),
            None => None,
        };
        Ok(TokenSet {
            access_token: Secret::new(response.access_token().secret().clone()),
            refresh_token: response
                .refresh_token()
                .map(|t| Secret::new(t.secret().clone()))
                .or_else(|| old_refresh_token.cloned()),
            id_token,
            expires_at: response
                .expires_in()
                .map(|lifetime| crate::clock::expires_at(now, lifetime)),
            scopes: response
                .scopes()
                .map(|s| s.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default(),
        })
    }
}

/// Turns the `oauth2` crate's error into ours, reading Entra's full error answer (codes, ids)
/// that the adapter kept. Never uses the crate's messages that could hold a response body.
pub(crate) fn token_error<TE: ErrorResponse + 'static>(
    err: RequestTokenError<Error, TE>,
    adapter: &OAuthHttp<'_>,
    flow: Flow,
) -> Error {
    if let RequestTokenError::Request(err) = err {
        return err;
    }
    if let Some((status, body)) = adapter.take_last_error() {
        return match EntraError::parse(status, &body) {
            Some(entra_err) => entra_err.to_error(flow),
            None => entra::error_from_status(status, flow),
        };
    }
    let detail = match err {
        // The path of the field, never serde's message (which can quote a value).
        RequestTokenError::Parse(parse, _) => format!("unreadable field `{}`", parse.path()),
        RequestTokenError::Other(message) => message,
        RequestTokenError::ServerResponse(_) => "an error answer".into(),
        RequestTokenError::Request(_) => unreachable!("handled above"),
    };
    Error::service(format!(
        "{} failed: {SERVICE} sent an answer ado-scm cannot use",
        flow.what()
    ))
    .caused_by(detail)
}

fn scopes_of(scopes: &[String]) -> Vec<Scope> {
    scopes.iter().map(|s| Scope::new(s.clone())).collect()
}

/// What the browser sign-in asks for and how long it waits.
#[derive(Debug, Clone)]
pub struct BrowserOptions {
    pub scopes: Vec<String>,
    pub timeout: Duration,
    pub redirect_host: RedirectHost,
    /// `login_hint`: the account to preselect.
    pub login_hint: Option<String>,
    /// `prompt`: `select_account`, `consent`, `login`.
    pub prompt: Option<String>,
    /// Set by a Ctrl-C handler: the wait ends with "interrupted".
    pub cancel: Option<Arc<AtomicBool>>,
}

impl BrowserOptions {
    pub fn new(scopes: Vec<String>) -> Self {
        BrowserOptions {
            scopes,
            timeout: DEFAULT_SIGN_IN_TIMEOUT,
            redirect_host: RedirectHost::default(),
            login_hint: None,
            prompt: None,
            cancel: None,
        }
    }
}

/// Authorization code + PKCE (S256) in the browser. `open` is handed the authorize URL: it
/// prints it and opens a browser (or, in tests, plays the browser). The listener is bound by the
/// caller (`--port`), so that binding errors come before anything is shown.
pub fn sign_in_browser(
    http: &Http,
    client: &PublicClient,
    listener: LoopbackListener,
    options: &BrowserOptions,
    open: &mut dyn FnMut(&Url),
) -> Result<TokenSet> {
    let redirect = listener.redirect_uri(options.redirect_host);
    let oauth = client
        .oauth()
        .set_auth_uri(AuthUrl::from_url(
            client.discovery.authorization_endpoint.clone(),
        ))
        .set_redirect_uri(
            RedirectUrl::new(redirect)
                .map_err(|_| Error::local("the loopback redirect URI is not a URL"))?,
        );
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let nonce = CsrfToken::new_random();
    let mut request = oauth
        .authorize_url(CsrfToken::new_random)
        .add_scopes(scopes_of(&options.scopes))
        .set_pkce_challenge(challenge)
        .add_extra_param("response_mode", "query")
        .add_extra_param("nonce", nonce.secret().clone());
    if let Some(hint) = &options.login_hint {
        request = request.add_extra_param("login_hint", hint.clone());
    }
    if let Some(prompt) = &options.prompt {
        request = request.add_extra_param("prompt", prompt.clone());
    }
    let (url, state) = request.url();
    open(&url);
    let code = listener.wait_for_code(
        state.secret(),
        http.clock().as_ref(),
        options.timeout,
        options.cancel.as_deref(),
    )?;
    let adapter = OAuthHttp::new(http);
    let response = oauth
        .exchange_code(AuthorizationCode::new(code.expose().to_string()))
        .set_pkce_verifier(verifier)
        .add_extra_param("scope", options.scopes.join(" "))
        .request(&adapter)
        .map_err(|err| token_error(err, &adapter, Flow::Browser))?;
    client.token_set(http, &response, Some(nonce.secret()), None)
}

/// Redeems a refresh token. The answer's refresh token (Entra rotates them) replaces the old
/// one in the caller's store; if Entra sent none, the old one is kept in the set.
pub fn refresh(
    http: &Http,
    client: &PublicClient,
    refresh_token: &Secret,
    scopes: &[String],
) -> Result<TokenSet> {
    let adapter = OAuthHttp::new(http);
    let token = RefreshToken::new(refresh_token.expose().to_string());
    let response = client
        .oauth()
        .exchange_refresh_token(&token)
        .add_scopes(scopes_of(scopes))
        .request(&adapter)
        .map_err(|err| token_error(err, &adapter, Flow::Refresh))?;
    client.token_set(http, &response, None, Some(refresh_token))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::clients::test_server::{http as test_http, Recorded};
    use crate::oauth::id_token::tests as jwt;
    use std::sync::Mutex;

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

    /// The authorize URL the "browser" was given, shared with the token endpoint's handler.
    #[derive(Clone, Default)]
    pub(crate) struct Seen(Arc<Mutex<Option<Url>>>);

    impl Seen {
        pub(crate) fn param(&self, name: &str) -> Option<String> {
            let url = self.0.lock().unwrap().clone()?;
            let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
            field(&q, name).map(str::to_string)
        }
    }

    /// Plays the browser: remembers the authorize URL and follows its redirect_uri with
    /// `code` and the URL's state.
    pub(crate) fn browser(seen: Seen, code: String) -> impl FnMut(&Url) {
        move |url: &Url| {
            *seen.0.lock().unwrap() = Some(url.clone());
            let state = seen.param("state").unwrap();
            let redirect = Url::parse(&seen.param("redirect_uri").unwrap()).unwrap();
            assert_eq!(redirect.host_str(), Some("localhost"));
            let port = redirect.port().unwrap();
            let code = code.clone();
            std::thread::spawn(move || {
                let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
                loopback::tests::get(
                    addr,
                    &format!("/?code={code}&state={state}&session_state=x"),
                )
            });
        }
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

    fn pkce_s256(verifier: &str) -> String {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
    }

    fn scopes() -> Vec<String> {
        vec![
            "https://graph.microsoft.com/Application.ReadWrite.All".into(),
            "offline_access".into(),
            "openid".into(),
            "profile".into(),
        ]
    }

    #[test]
    fn browser_sign_in_sends_pkce_and_checks_the_id_token() {
        let seen = Seen::default();
        let server = {
            let seen = seen.clone();
            entra(move |form| {
                assert_eq!(field(form, "grant_type"), Some("authorization_code"));
                let nonce = seen.param("nonce").unwrap();
                (
                    200,
                    token_answer(Some((CLIENT, Some(&nonce))), &format!("{MARKER}-refresh")),
                )
            })
        };
        let (http, _clock) = test_http();
        let client = PublicClient::new(CLIENT, server.discovery());
        let listener = LoopbackListener::bind(None).unwrap();
        let port = listener.port();
        let options = BrowserOptions {
            login_hint: Some("admin@contoso.com".into()),
            ..BrowserOptions::new(scopes())
        };
        let tokens = sign_in_browser(
            &http,
            &client,
            listener,
            &options,
            &mut browser(seen.clone(), format!("{MARKER}-code")),
        )
        .unwrap();
        assert_eq!(tokens.access_token.expose(), format!("{MARKER}-access"));
        assert_eq!(
            tokens.refresh_token.as_ref().unwrap().expose(),
            format!("{MARKER}-refresh")
        );
        assert_eq!(tokens.username(), Some("admin@contoso.com"));
        assert_eq!(tokens.scopes.len(), 3);
        assert_eq!(
            tokens.expires_at.unwrap().to_rfc3339(),
            "2025-01-01T01:00:00+00:00"
        );
        assert!(!format!("{tokens:?}").contains(MARKER), "{tokens:?}");

        // The authorize request.
        let p = |n: &str| seen.param(n).unwrap_or_default();
        assert_eq!(p("client_id"), CLIENT);
        assert_eq!(p("response_type"), "code");
        assert_eq!(p("response_mode"), "query");
        assert_eq!(p("code_challenge_method"), "S256");
        assert_eq!(p("redirect_uri"), format!("http://localhost:{port}"));
        assert_eq!(p("scope"), scopes().join(" "));
        assert_eq!(p("login_hint"), "admin@contoso.com");
        assert!(p("state").len() >= 16 && p("nonce").len() >= 16);

        // The code redemption: verifier matching the challenge, same redirect URI, no secret.
        let token_requests: Vec<Recorded> = server
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("/token"))
            .collect();
        assert_eq!(token_requests.len(), 1);
        let f = form(&token_requests[0]);
        assert_eq!(field(&f, "code"), Some(format!("{MARKER}-code").as_str()));
        assert_eq!(
            pkce_s256(field(&f, "code_verifier").unwrap()),
            p("code_challenge")
        );
        assert_eq!(
            field(&f, "redirect_uri"),
            Some(format!("http://localhost:{port}").as_str())
        );
        assert_eq!(field(&f, "client_id"), Some(CLIENT));
        assert_eq!(field(&f, "scope"), Some(scopes().join(" ").as_str()));
        assert_eq!(field(&f, "client_secret"), None);
    }

    #[test]
    fn an_id_token_with_another_nonce_is_refused() {
        let server = entra(|_| (200, token_answer(Some((CLIENT, Some("someone-elses"))), "")));
        let (http, _clock) = test_http();
        let client = PublicClient::new(CLIENT, server.discovery());
        let err = sign_in_browser(
            &http,
            &client,
            LoopbackListener::bind(None).unwrap(),
            &BrowserOptions::new(scopes()),
            &mut browser(Seen::default(), "c".into()),
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert!(
            err.message.contains("nonce does not match"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_rejected_code_names_the_aadsts_code() {
        let server = entra(|_| (400, entra_error("invalid_grant", 54005)));
        let (http, _clock) = test_http();
        let client = PublicClient::new(CLIENT, server.discovery());
        let err = sign_in_browser(
            &http,
            &client,
            LoopbackListener::bind(None).unwrap(),
            &BrowserOptions::new(scopes()),
            &mut browser(Seen::default(), format!("{MARKER}-code")),
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 3);
        let text = format!("{err}\n{err:?}");
        assert!(text.contains("already redeemed (AADSTS54005)"), "{text}");
        assert!(
            text.contains("trace ID trace-1, correlation ID corr-1"),
            "{text}"
        );
        assert!(!text.contains(MARKER), "{text}");
    }

    #[test]
    fn refresh_returns_the_rotated_token_or_keeps_the_old_one() {
        let calls = Arc::new(Mutex::new(0));
        let server = {
            let calls = calls.clone();
            entra(move |form| {
                assert_eq!(field(form, "grant_type"), Some("refresh_token"));
                let mut n = calls.lock().unwrap();
                *n += 1;
                let answer = if *n == 1 {
                    token_answer(Some((CLIENT, None)), "rotated")
                } else {
                    token_answer(None, "")
                };
                (200, answer)
            })
        };
        let (http, _clock) = test_http();
        let client = PublicClient::new(CLIENT, server.discovery());
        let old = Secret::new("old-refresh");
        let first = refresh(&http, &client, &old, &scopes()).unwrap();
        assert_eq!(first.refresh_token.as_ref().unwrap().expose(), "rotated");
        assert_eq!(first.username(), Some("admin@contoso.com"));
        let second = refresh(&http, &client, &old, &scopes()).unwrap();
        assert_eq!(second.refresh_token.unwrap().expose(), "old-refresh");
        let f = form(&server.requests()[0]);
        assert_eq!(field(&f, "refresh_token"), Some("old-refresh"));
    }

    #[test]
    fn an_expired_refresh_token_is_an_auth_error() {
        let server = entra(|_| (400, entra_error("invalid_grant", 700082)));
        let (http, _clock) = test_http();
        let client = PublicClient::new(CLIENT, server.discovery());
        let err = refresh(&http, &client, &Secret::new(MARKER), &scopes()).unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert!(err.message.contains("AADSTS700082"));
        assert!(!format!("{err}{err:?}").contains(MARKER));
    }

    #[test]
    fn a_non_json_answer_names_the_status() {
        let server = DynServer::start(|_| (502, serde_json::json!("bad gateway")));
        let (http, _clock) = test_http();
        let client = PublicClient::new(CLIENT, server.discovery());
        let err = refresh(&http, &client, &Secret::new(MARKER), &scopes()).unwrap_err();
        assert_eq!(err.exit_code(), 1);
        assert!(err.message.contains("HTTP 502"), "{}", err.message);
    }

    /// Captures everything logged at any level while `f` runs.
    pub(crate) fn capture_logs<T>(f: impl FnOnce() -> T) -> (T, String) {
        #[derive(Clone, Default)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buffer {
            fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(data);
                Ok(data.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        // With a single subscriber alive, tracing asks the thread that first reaches a log
        // call site whether anybody listens, and caches the answer: another test's thread
        // (which has no subscriber) would cache "nobody" for the HTTP client's log lines. A
        // second subscriber kept alive makes tracing ask every subscriber instead.
        static SECOND: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
        SECOND.get_or_init(|| tracing::Dispatch::new(tracing::subscriber::NoSubscriber::default()));
        let out = tracing::subscriber::with_default(subscriber, f);
        let logs = String::from_utf8_lossy(&buffer.0.lock().unwrap()).into_owned();
        (out, logs)
    }

    /// No token, code, verifier or secret in any log line, Debug output or error text.
    #[test]
    fn marker_never_appears_in_logs_debug_or_errors() {
        let seen = Seen::default();
        let calls = Arc::new(Mutex::new(0));
        let server = {
            let seen = seen.clone();
            let calls = calls.clone();
            entra(move |form| {
                let mut n = calls.lock().unwrap();
                *n += 1;
                match *n {
                    1 => {
                        let nonce = seen.param("nonce").unwrap();
                        (
                            200,
                            token_answer(
                                Some((CLIENT, Some(&nonce))),
                                &format!("{MARKER}-refresh"),
                            ),
                        )
                    }
                    2 => {
                        assert_eq!(
                            field(form, "refresh_token"),
                            Some(format!("{MARKER}-refresh").as_str())
                        );
                        (400, entra_error("invalid_grant", 70008))
                    }
                    _ => (401, entra_error("invalid_client", 7000215)),
                }
            })
        };
        let (http, _clock) = test_http();
        let client = PublicClient::new(CLIENT, server.discovery());
        let (texts, logs) = capture_logs(|| {
            let mut texts = Vec::new();
            let tokens = sign_in_browser(
                &http,
                &client,
                LoopbackListener::bind(None).unwrap(),
                &BrowserOptions::new(scopes()),
                &mut browser(seen.clone(), format!("{MARKER}-code")),
            )
            .unwrap();
            texts.push(format!("{tokens:?}"));
            let err = refresh(
                &http,
                &client,
                tokens.refresh_token.as_ref().unwrap(),
                &scopes(),
            )
            .unwrap_err();
            texts.push(format!("{err}\n{err:?}\n{}", err.to_json()));
            let err = entra::client_credentials(
                &http,
                &client.discovery.token_endpoint,
                CLIENT,
                &Secret::new(format!("{MARKER}-client-secret")),
                entra::ADO_DEFAULT_SCOPE,
            )
            .unwrap_err();
            texts.push(format!("{err}\n{err:?}\n{}", err.to_json()));
            texts
        });
        assert!(logs.contains("POST"), "the requests were logged: {logs}");
        assert!(!logs.contains(MARKER), "{logs}");
        // The verifier is random: find it in the request and look for it too.
        let first_request = form(&server.requests()[0]);
        let verifier = field(&first_request, "code_verifier").unwrap().to_string();
        assert!(!logs.contains(&verifier));
        for text in texts {
            assert!(!text.contains(MARKER), "{text}");
            assert!(!text.contains(&verifier), "{text}");
        }
    }

    /// An `expires_in` that would overflow the date arithmetic, from the token endpoint of a
    /// refresh, and of the client-credentials grant: clamped, no panic.
    #[test]
    fn an_absurd_expires_in_is_clamped() {
        for absurd in [9_000_000_000_000u64, u64::MAX] {
            let server = entra(move |form| {
                let mut answer = token_answer(None, "refresh-2");
                answer["expires_in"] = absurd.into();
                if field(form, "grant_type") == Some("client_credentials") {
                    answer.as_object_mut().unwrap().remove("refresh_token");
                }
                (200, answer)
            });
            let (http, clock) = test_http();
            let client = PublicClient::new(CLIENT, server.discovery());
            let now = crate::clock::Clock::now(clock.as_ref());
            let longest = Some(crate::clock::later(now, crate::clock::MAX_EXPIRES_IN));
            let tokens = refresh(&http, &client, &Secret::new("refresh-1"), &scopes()).unwrap();
            assert_eq!(tokens.expires_at, longest, "{absurd}");
            let tokens = entra::client_credentials(
                &http,
                &client.discovery.token_endpoint,
                CLIENT,
                &Secret::new("secret"),
                entra::ADO_DEFAULT_SCOPE,
            )
            .unwrap();
            assert_eq!(tokens.expires_at, longest, "{absurd}");
        }
    }
}
