//! The browser side of signing in to Microsoft Entra ID: the authorization request opened in
//! the person's browser, and its redirect received on a one-shot loopback listener
//! ([`loopback`]), `state` checked there. What Entra itself is sent and answers (the authorize
//! URL, the code redemption, the ID token's nonce) is the Entra client's
//! (`src/clients/entra/`).

pub mod loopback;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

pub use loopback::{LoopbackListener, RedirectHost};

use crate::clients::entra::{AuthorizeRequest, PublicClient, TokenSet};
use crate::error::Result;
use crate::http::Http;

/// How long the browser sign-in waits for the redirect by default.
pub const DEFAULT_SIGN_IN_TIMEOUT: Duration = Duration::from_secs(300);

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
    let authorization = client.authorize(
        &listener.redirect_uri(options.redirect_host),
        &AuthorizeRequest {
            scopes: options.scopes.clone(),
            login_hint: options.login_hint.clone(),
            prompt: options.prompt.clone(),
        },
    )?;
    open(authorization.url());
    let code = listener.wait_for_code(
        authorization.state(),
        http.clock().as_ref(),
        options.timeout,
        options.cancel.as_deref(),
    )?;
    client.redeem_code(http, authorization, &code)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::clients::entra::test_support::{
        entra, entra_error, field, form, scopes, token_answer, CLIENT, MARKER,
    };
    use crate::clients::entra::{self, refresh};
    use crate::clients::test_server::{http as test_http, Recorded};
    use crate::secret::Secret;

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

    fn pkce_s256(verifier: &str) -> String {
        use base64::Engine;
        use sha2::Digest;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
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

    /// A browser sign-in whose token endpoint answers with `answer`, expected to fail.
    fn refused_sign_in(
        answer: impl Fn(&[(String, String)]) -> (u16, serde_json::Value) + Send + Sync + 'static,
        code: &str,
    ) -> crate::error::Error {
        let server = entra(answer);
        let (http, _clock) = test_http();
        let client = PublicClient::new(CLIENT, server.discovery());
        sign_in_browser(
            &http,
            &client,
            LoopbackListener::bind(None).unwrap(),
            &BrowserOptions::new(scopes()),
            &mut browser(Seen::default(), code.into()),
        )
        .unwrap_err()
    }

    #[test]
    fn an_id_token_with_another_nonce_is_refused() {
        let err = refused_sign_in(
            |_| (200, token_answer(Some((CLIENT, Some("someone-elses"))), "")),
            "c",
        );
        assert_eq!(err.exit_code(), 3);
        assert!(
            err.message.contains("nonce does not match"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_rejected_code_names_the_aadsts_code() {
        let err = refused_sign_in(
            |_| (400, entra_error("invalid_grant", 54005)),
            &format!("{MARKER}-code"),
        );
        assert_eq!(err.exit_code(), 3);
        let text = format!("{err}\n{err:?}");
        assert!(text.contains("already redeemed (AADSTS54005)"), "{text}");
        assert!(
            text.contains("trace ID trace-1, correlation ID corr-1"),
            "{text}"
        );
        assert!(!text.contains(MARKER), "{text}");
    }

    /// Captures everything logged at any level while `f` runs.
    fn capture_logs<T>(f: impl FnOnce() -> T) -> (T, String) {
        let buffer = ado_scm_test_support::shared_buffer::SharedBuffer::default();
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
        (out, buffer.text())
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
}
