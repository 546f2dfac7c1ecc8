//! Real components: ado-scm's OAuth 2.0 / OpenID Connect client (the library, over the real
//! `Http` on the wall clock) against a certified OpenID provider (`tests/oidc/provider.mjs`,
//! panva `oidc-provider` serving Entra ID v2.0 paths), with headless Chromium
//! (`tests/oidc/browser.mjs`, playwright-core) as the person at the browser:
//!
//! - discovery of `{authority}/{tenant}/v2.0/.well-known/openid-configuration` through
//!   `parse_issuer` + `discover`, from every issuer form an admin may paste;
//! - authorization code + PKCE: `sign_in_browser` on a real loopback listener; the authorize URL
//!   goes through the terminal sign-in UI and `SystemBrowser`, which starts the driver as
//!   `$BROWSER`; Chromium signs in and consents on the provider's own pages and lands on the
//!   listener (with the provider's extra `iss` parameter); the ID token is verified against the
//!   JWKS; then refresh with rotation, the old refresh token refused; a consent the user cancels;
//! - device code: Chromium completes the verification page while ado-scm polls; a declined one;
//! - client credentials with the confidential client, right and wrong secret;
//! - a marker check on each: no token, code, verifier, device code or secret in anything the
//!   flows printed (a `Ui` writing into a buffer), logged (a `tracing` subscriber writing into a
//!   buffer) or returned as an error.
//!
//! The public client's token endpoint is reached through a transparent recording hop ([`Tap`]):
//! it forwards each request's body (with its content type) and the provider's answer (status,
//! content type, body) unchanged, and lets the test see the code, the PKCE verifier and the
//! device code ado-scm sent (random values the marker check must look for, and the PKCE proof).
//! Everything else (discovery, JWKS, authorize, device authorization, the confidential client's
//! token requests) talks to the provider directly.
//!
//! `ADO_SCM_OIDC_PROVIDER` holds the provider's JSON line (`scripts/e2e` starts it, with
//! `OIDC_DEVICE_INTERVAL=1` to keep the device flow short).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::support::shared_buffer::SharedBuffer;
use ado_scm::clients::entra::id_token::{self, Expected, IdTokenError};
use ado_scm::clients::entra::issuer::{discover, parse_issuer, Discovery, IssuerForm};
use ado_scm::clients::entra::{self, TokenSet};
use ado_scm::clients::entra::{
    refresh, sign_in_device, DeviceCodePrompt, DeviceOptions, PublicClient,
};
use ado_scm::clock::SystemClock;
use ado_scm::env::Env;
use ado_scm::error::{Error, ErrorKind};
use ado_scm::flows::graph_signin::{graph_scopes, SignInUi, TerminalSignInUi};
use ado_scm::http::{Http, HttpPolicy};
use ado_scm::oauth::{sign_in_browser, BrowserOptions, LoopbackListener};
use ado_scm::secret::Secret;
use ado_scm::ui::browser::SystemBrowser;
use ado_scm::ui::{Ui, UiMode};
use base64::Engine as _;
use serde_json::Value;
use sha2::Digest as _;
use url::Url;

use super::provider::{self as oidc_provider, browser_script, Provider};
use crate::components::require_chromium;

const GRAPH_APP_RW: &str = "https://graph.microsoft.com/Application.ReadWrite.All";

// ---------------------------------------------------------------------------------------------
// The provider

/// The provider ([`oidc_provider::provider`]); from here on everything ado-scm logs is captured.
fn provider() -> Provider {
    let provider = oidc_provider::provider();
    logs();
    provider
}

/// ado-scm's HTTP client on the wall clock, as the binary builds it.
fn http() -> Http {
    Http::new(
        Arc::new(SystemClock { fixed_sleep: None }),
        HttpPolicy::default(),
    )
    .expect("HTTP client")
}

/// Discovery from the `…/{tenant}/oauth2/v2.0` form (the one the Entra portal shows).
fn discovered(p: &Provider, http: &Http) -> Discovery {
    let issuer = parse_issuer(&format!("{}/{}/oauth2/v2.0", p.authority, p.tenant), None)
        .expect("the provider's issuer parses");
    discover(http, &issuer).expect("discovery")
}

/// The public client ("Microsoft Graph Command Line Tools"), its token endpoint through `tap`.
fn public_client(p: &Provider, http: &Http, tap: &Tap) -> PublicClient {
    let mut discovery = discovered(p, http);
    assert_eq!(tap.upstream, discovery.token_endpoint);
    discovery.token_endpoint = tap.url.clone();
    PublicClient::new(p.public_client_id.clone(), discovery)
}

fn token_endpoint(p: &Provider) -> Url {
    Url::parse(&format!("{}/{}/oauth2/v2.0/token", p.authority, p.tenant)).unwrap()
}

// ---------------------------------------------------------------------------------------------
// What ado-scm printed and logged

/// Everything logged through `tracing` by this test binary, at every level, from every thread.
fn logs() -> &'static SharedBuffer {
    static LOGS: OnceLock<SharedBuffer> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = SharedBuffer::default();
        let writer = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one global subscriber");
        buffer
    })
}

/// The terminal as ado-scm's commands use it, writing stdout and stderr into one buffer.
fn terminal() -> (Ui, SharedBuffer) {
    let buffer = SharedBuffer::default();
    let ui = Ui::new(
        UiMode::default(),
        Box::new(buffer.clone()),
        Box::new(buffer.clone()),
    );
    (ui, buffer)
}

/// Everything an error shows: the message with causes and hint, its Debug, its `--json` form.
fn error_text(err: &Error) -> String {
    format!("{err}\n{err:?}\n{}", err.to_json())
}

/// The marker check: none of `secrets` (name, value) in any of `outputs` (name, text).
fn assert_nothing_leaks(secrets: &[(&str, String)], outputs: &[(&str, String)]) {
    for (name, value) in secrets {
        assert!(
            value.len() >= 16,
            "{name} is too short to look for ({} chars)",
            value.len()
        );
        for (where_, text) in outputs {
            assert!(
                !text.contains(value.as_str()),
                "the {name} appears in {where_}:\n{text}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The browser driver

/// One run of `browser.mjs`: its log and result files.
struct Driver {
    _dir: tempfile::TempDir,
    log: PathBuf,
    result: PathBuf,
    env: Vec<(String, String)>,
}

impl Driver {
    fn new(settings: &[(&str, &str)]) -> Driver {
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join("browser.log");
        let result = dir.path().join("browser-result.json");
        let mut env = vec![
            ("BROWSER_DRIVER_LOG".to_string(), path_str(&log)),
            ("BROWSER_DRIVER_RESULT".to_string(), path_str(&result)),
            ("BROWSER_DRIVER_TIMEOUT_MS".to_string(), "60000".to_string()),
        ];
        env.extend(settings.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        Driver {
            _dir: dir,
            log,
            result,
            env,
        }
    }

    /// `$BROWSER` for ado-scm: the driver's absolute path, its settings passed through `env`
    /// (ado-scm runs `$BROWSER` as a command line split on spaces, the URL appended).
    fn browser_env(&self) -> Env {
        let mut command = vec!["env".to_string()];
        for (k, v) in &self.env {
            assert!(!v.contains(char::is_whitespace), "{k}={v}");
            command.push(format!("{k}={v}"));
        }
        command.push(path_str(&browser_script()));
        Env::from_pairs([("BROWSER", command.join(" "))])
    }

    /// The driver's result once its flow ended (`Null` if it never wrote one within `limit`).
    fn wait_result(&self, limit: Duration) -> Value {
        let started = Instant::now();
        while !self.result.exists() && started.elapsed() < limit {
            std::thread::sleep(Duration::from_millis(100));
        }
        // Written in one go, but give a writer that just created it a moment.
        std::thread::sleep(Duration::from_millis(50));
        self.read_result().unwrap_or(Value::Null)
    }

    fn read_result(&self) -> Option<Value> {
        read_result(&self.result)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn read_result(path: &Path) -> Option<Value> {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
}

/// The driver wrote a result that is not a success.
fn driver_failed(result: &Path) -> bool {
    read_result(result).is_some_and(|r| r["ok"] != true)
}

fn path_str(path: &Path) -> String {
    path.to_str().expect("a UTF-8 path").to_string()
}

/// Sets `cancel` when `failed()` says the other side gave up, or after `limit`: a broken browser
/// leg ends the sign-in's wait at once (as Ctrl-C would) instead of at its timeout.
struct Watchdog {
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watchdog {
    fn start(
        cancel: Arc<AtomicBool>,
        limit: Duration,
        failed: impl Fn() -> bool + Send + 'static,
    ) -> Watchdog {
        let done = Arc::new(AtomicBool::new(false));
        let thread = {
            let done = done.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                while !done.load(Ordering::SeqCst) {
                    if failed() || started.elapsed() > limit {
                        cancel.store(true, Ordering::SeqCst);
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
        };
        Watchdog {
            done,
            thread: Some(thread),
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The recording hop in front of the token endpoint

/// A form as sent: name-value pairs in order.
type Form = Vec<(String, String)>;

/// A transparent hop on 127.0.0.1 in front of the provider's token endpoint: forwards each
/// request (method, content type, authorization, body) and returns the provider's answer as it
/// came (status, content type, body), recording the forms sent.
struct Tap {
    url: Url,
    upstream: Url,
    server: Arc<tiny_http::Server>,
    thread: Option<std::thread::JoinHandle<()>>,
    forms: Arc<Mutex<Vec<Form>>>,
}

impl Tap {
    fn start(upstream: Url) -> Tap {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("tap listens"));
        let port = server.server_addr().to_ip().unwrap().port();
        let forms = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let server = server.clone();
            let forms = forms.clone();
            let upstream = upstream.clone();
            std::thread::spawn(move || {
                let client = reqwest::blocking::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .timeout(Duration::from_secs(30))
                    .build()
                    .unwrap();
                while let Ok(mut rq) = server.recv() {
                    let mut body = Vec::new();
                    let _ = rq.as_reader().read_to_end(&mut body);
                    forms.lock().unwrap().push(
                        url::form_urlencoded::parse(&body)
                            .into_owned()
                            .collect::<Vec<_>>(),
                    );
                    let method = reqwest::Method::from_bytes(rq.method().as_str().as_bytes())
                        .expect("an HTTP method");
                    let mut forward = client.request(method, upstream.clone()).body(body);
                    for header in rq.headers() {
                        let name = header.field.as_str().as_str().to_ascii_lowercase();
                        if matches!(
                            name.as_str(),
                            "content-type" | "authorization" | "accept" | "user-agent"
                        ) {
                            forward = forward.header(name, header.value.as_str());
                        }
                    }
                    let reply = match forward.send() {
                        Ok(answer) => {
                            let status = answer.status().as_u16();
                            let content_type = answer
                                .headers()
                                .get("content-type")
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or("application/octet-stream")
                                .to_string();
                            let bytes = answer.bytes().map(|b| b.to_vec()).unwrap_or_default();
                            tiny_http::Response::from_data(bytes)
                                .with_status_code(status)
                                .with_header(
                                    tiny_http::Header::from_bytes("Content-Type", content_type)
                                        .unwrap(),
                                )
                        }
                        Err(err) => {
                            tiny_http::Response::from_data(format!("tap: {err}").into_bytes())
                                .with_status_code(502)
                        }
                    };
                    let _ = rq.respond(reply);
                }
            })
        };
        Tap {
            url: Url::parse(&format!("http://127.0.0.1:{port}/token")).unwrap(),
            upstream,
            server,
            thread: Some(thread),
            forms,
        }
    }

    /// The forms sent with `grant_type`.
    fn forms(&self, grant_type: &str) -> Vec<Form> {
        self.forms
            .lock()
            .unwrap()
            .iter()
            .filter(|f| field(f, "grant_type") == Some(grant_type))
            .cloned()
            .collect()
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn query(url: &Url, name: &str) -> String {
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    field(&pairs, name)
        .unwrap_or_else(|| panic!("no {name} in {url}"))
        .to_string()
}

/// The provider's userinfo endpoint with an access token: its claims, or the status.
fn userinfo(p: &Provider, access_token: &Secret) -> Result<Value, u16> {
    let answer = reqwest::blocking::Client::new()
        .get(format!("{}/{}/oidc/userinfo", p.authority, p.tenant))
        .bearer_auth(access_token.expose())
        .send()
        .expect("userinfo");
    match answer.status().as_u16() {
        200 => Ok(answer.json().unwrap()),
        status => Err(status),
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Discovery

#[test]
#[ignore = "needs the OpenID provider (tests/oidc); run scripts/e2e"]
fn discovery_from_every_issuer_form_finds_the_entra_shaped_endpoints() {
    let p = provider();
    let http = http();
    let authority = Url::parse(&p.authority).unwrap();
    let base = format!("{}/{}", p.authority, p.tenant);
    let forms = [
        (format!("{base}/oauth2/v2.0"), IssuerForm::OAuth2V2),
        (format!("{base}/oauth2/v2.0/"), IssuerForm::OAuth2V2),
        (p.issuer.clone(), IssuerForm::OidcV2),
        (p.discovery.clone(), IssuerForm::OidcV2),
        (
            format!("{base}/oauth2/v2.0/authorize"),
            IssuerForm::OAuth2V2,
        ),
        (format!("{base}/oauth2/v2.0/token"), IssuerForm::OAuth2V2),
    ];
    let mut seen = Vec::new();
    for (raw, form) in &forms {
        for authority_override in [None, Some(&authority)] {
            let issuer = parse_issuer(raw, authority_override)
                .unwrap_or_else(|e| panic!("{raw}: {}", error_text(&e)));
            assert_eq!(issuer.form, *form, "{raw}");
            assert_eq!(issuer.tenant, p.tenant, "{raw}");
            assert_eq!(issuer.discovery_url().as_str(), p.discovery, "{raw}");
            let found =
                discover(&http, &issuer).unwrap_or_else(|e| panic!("{raw}: {}", error_text(&e)));
            seen.push(found);
        }
    }
    let found = &seen[0];
    assert!(seen.iter().all(|d| d == found), "{seen:#?}");
    assert_eq!(found.issuer, p.issuer);
    assert_eq!(found.tenant_id, p.tenant);
    assert_eq!(
        found.authorization_endpoint.as_str(),
        format!("{base}/oauth2/v2.0/authorize")
    );
    assert_eq!(
        found.token_endpoint.as_str(),
        format!("{base}/oauth2/v2.0/token")
    );
    assert_eq!(
        found
            .device_authorization_endpoint
            .as_ref()
            .map(Url::as_str),
        Some(format!("{base}/oauth2/v2.0/devicecode").as_str())
    );
    assert_eq!(
        found.jwks_uri.as_str(),
        format!("{base}/discovery/v2.0/keys")
    );
    // The keys are there and are RSA signing keys.
    let jwks = id_token::fetch_jwks(&http, &found.jwks_uri).unwrap();
    assert!(jwks.keys.iter().any(|k| k.kty == "RSA"), "{jwks:?}");

    // A tenant the provider does not know: its Entra-shaped AADSTS90002 answer is a failed
    // check (exit 4) naming the tenant.
    let nobody = "00000000-1111-2222-3333-444444444444";
    let issuer = parse_issuer(&format!("{}/{nobody}/v2.0", p.authority), None).unwrap();
    let err = discover(&http, &issuer).unwrap_err();
    assert_eq!(err.exit_code(), 4, "{}", error_text(&err));
    assert!(
        err.message.starts_with("tenant not found") && err.message.contains(nobody),
        "{}",
        error_text(&err)
    );
}

// ---------------------------------------------------------------------------------------------
// 2 + 5. Authorization code + PKCE in Chromium, then refresh

/// A browser sign-in with Chromium at the other end, as it went.
struct BrowserRun {
    outcome: ado_scm::error::Result<TokenSet>,
    /// Every authorize URL ado-scm opened.
    authorize_urls: Vec<Url>,
    started: Instant,
    /// How long the sign-in took.
    elapsed: Duration,
    /// The driver's result file (waited for after the sign-in).
    driver_result: Value,
    /// The terminal, the driver's result and its log, for assertion messages.
    diag: String,
}

/// `sign_in_browser` as the commands run it: the terminal sign-in UI prints the link and opens
/// it through `$BROWSER` (Chromium, driven by `driver`); a watchdog cancels the wait as soon as
/// the driver fails (or after 100 s) instead of at the 90 s timeout.
fn browser_run(
    http: &Http,
    client: &PublicClient,
    listener: LoopbackListener,
    scopes: Vec<String>,
    driver: &Driver,
    ui: &Ui,
    screen: &SharedBuffer,
) -> BrowserRun {
    let browser = SystemBrowser::new(driver.browser_env());
    let cancel = Arc::new(AtomicBool::new(false));
    let options = BrowserOptions {
        timeout: Duration::from_secs(90),
        cancel: Some(cancel.clone()),
        ..BrowserOptions::new(scopes)
    };
    let mut authorize_urls = Vec::new();
    let started = Instant::now();
    let outcome = {
        let result = driver.result.clone();
        let _watchdog = Watchdog::start(cancel, Duration::from_secs(100), move || {
            driver_failed(&result)
        });
        let mut sign_in_ui = TerminalSignInUi {
            ui,
            browser: &browser,
            open_browser: true,
        };
        sign_in_browser(http, client, listener, &options, &mut |url| {
            authorize_urls.push(url.clone());
            sign_in_ui.open_url(url);
        })
    };
    let elapsed = started.elapsed();
    let driver_result = driver.wait_result(Duration::from_secs(70));
    let diag = format!(
        "--- terminal\n{}\n--- browser driver result\n{driver_result}\n--- browser driver log\n{}",
        screen.text(),
        driver.log()
    );
    BrowserRun {
        outcome,
        authorize_urls,
        started,
        elapsed,
        driver_result,
        diag,
    }
}

#[test]
#[ignore = "needs the OpenID provider (tests/oidc) and Chromium; run scripts/e2e"]
fn browser_sign_in_with_chromium_then_refresh_rotates_and_the_old_refresh_token_is_refused() {
    let p = provider();
    require_chromium();
    let http = http();
    let tap = Tap::start(token_endpoint(&p));
    let client = public_client(&p, &http, &tap);
    let login = "admin@contoso.example";
    let driver = Driver::new(&[("BROWSER_LOGIN", login)]);
    let (ui, screen) = terminal();
    let scopes = graph_scopes(false);

    let listener = LoopbackListener::bind(None).unwrap();
    let port = listener.port();
    assert_eq!(
        listener.local_addr().ip(),
        std::net::IpAddr::from([127, 0, 0, 1])
    );
    let BrowserRun {
        outcome,
        authorize_urls,
        started,
        elapsed: signed_in,
        driver_result,
        diag,
    } = browser_run(
        &http,
        &client,
        listener,
        scopes.clone(),
        &driver,
        &ui,
        &screen,
    );
    let tokens = outcome.unwrap_or_else(|e| panic!("{}\n{diag}", error_text(&e)));

    // ado-scm printed the link and opened it through $BROWSER: Chromium signed in and consented
    // on the provider's pages, and landed on ado-scm's listener with the provider's `iss`.
    let printed = screen.text();
    assert!(
        printed.contains("Sign in to Microsoft in your browser"),
        "{diag}"
    );
    assert!(!printed.contains("could not open a browser"), "{diag}");
    assert_eq!(authorize_urls.len(), 1);
    let authorize = &authorize_urls[0];
    assert!(printed.contains(authorize.as_str()), "{diag}");
    assert_eq!(driver_result["ok"], true, "{diag}");
    let driver_log = driver.log();
    assert!(driver_log.contains(": login at"), "{diag}");
    assert!(driver_log.contains(": consent at"), "{diag}");
    assert!(
        driver_log.contains("You are signed in to Microsoft"),
        "{diag}"
    );
    let landed = Url::parse(driver_result["final_url"].as_str().unwrap()).unwrap();
    assert_eq!(landed.port(), Some(port), "{diag}");
    assert_eq!(landed.path(), "/", "{diag}");
    assert_eq!(query(&landed, "iss"), p.issuer, "{diag}");

    // The authorize request: PKCE S256, a nonce, the loopback redirect URI without a path.
    assert_eq!(
        authorize.as_str().split('?').next(),
        Some(format!("{}/{}/oauth2/v2.0/authorize", p.authority, p.tenant).as_str())
    );
    assert_eq!(query(authorize, "client_id"), p.public_client_id);
    assert_eq!(query(authorize, "code_challenge_method"), "S256");
    assert_eq!(
        query(authorize, "redirect_uri"),
        format!("http://localhost:{port}")
    );
    let nonce = query(authorize, "nonce");

    // The code redemption, as the provider received it: the verifier matches the challenge,
    // the same redirect URI, no secret.
    let redemptions = tap.forms("authorization_code");
    assert_eq!(redemptions.len(), 1, "{redemptions:?}");
    let redemption = &redemptions[0];
    let code = field(redemption, "code").unwrap().to_string();
    let verifier = field(redemption, "code_verifier").unwrap().to_string();
    assert_eq!(
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(&verifier)),
        query(authorize, "code_challenge")
    );
    assert_eq!(
        field(redemption, "redirect_uri"),
        Some(format!("http://localhost:{port}").as_str())
    );
    assert_eq!(
        field(redemption, "client_id"),
        Some(p.public_client_id.as_str())
    );
    assert_eq!(field(redemption, "client_secret"), None);

    // The tokens: the ID token was verified (signature by the JWKS, iss, aud, nonce) and names
    // the account Chromium signed in with; the scopes asked for were granted; the access token
    // is the provider's (its userinfo endpoint takes it).
    let id = tokens.id_token.as_ref().expect("an ID token with openid");
    assert_eq!(id.claims.iss, p.issuer);
    assert_eq!(id.claims.aud, vec![p.public_client_id.clone()]);
    assert_eq!(id.claims.nonce.as_deref(), Some(nonce.as_str()));
    assert_eq!(id.claims.tid.as_deref(), Some(p.tenant.as_str()));
    assert_eq!(tokens.username(), Some(login));
    for scope in [GRAPH_APP_RW, "openid", "profile", "offline_access"] {
        assert!(
            tokens.scopes.iter().any(|s| s == scope),
            "{scope} not granted: {:?}",
            tokens.scopes
        );
    }
    let lifetime = tokens.expires_at.unwrap() - chrono::Utc::now();
    assert!(
        (3500..=3600).contains(&lifetime.num_seconds()),
        "{lifetime}"
    );
    assert_eq!(userinfo(&p, &tokens.access_token).unwrap()["sub"], login);

    // ado-scm's ID token check on the real token: a tampered signature, another nonce, another
    // audience are each refused.
    let jwks = id_token::fetch_jwks(&http, &client.discovery.jwks_uri).unwrap();
    let raw = id.raw.expose();
    let expected = Expected {
        issuer: &p.issuer,
        audience: &p.public_client_id,
        nonce: Some(&nonce),
        now: chrono::Utc::now(),
    };
    assert_eq!(id_token::verify(raw, &jwks, &expected).unwrap(), id.claims);
    let (signed, signature) = raw.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let tampered = format!("{signed}.{flipped}{}", &signature[1..]);
    assert_eq!(
        id_token::verify(&tampered, &jwks, &expected),
        Err(IdTokenError::BadSignature)
    );
    let other_nonce = Expected {
        nonce: Some("another-sign-in"),
        ..expected.clone()
    };
    assert_eq!(
        id_token::verify(raw, &jwks, &other_nonce),
        Err(IdTokenError::Nonce)
    );
    let other_app = Expected {
        audience: &p.confidential_client_id,
        ..expected.clone()
    };
    assert!(matches!(
        id_token::verify(raw, &jwks, &other_app),
        Err(IdTokenError::Audience { .. })
    ));

    // Refresh: new tokens and a rotated refresh token, which works in turn; the old one is
    // refused with a sign-in error (exit 3).
    let first_refresh = tokens.refresh_token.clone().expect("offline_access");
    let renewed = refresh(&http, &client, &first_refresh, &scopes)
        .unwrap_or_else(|e| panic!("{}", error_text(&e)));
    let second_refresh = renewed.refresh_token.clone().unwrap();
    assert_ne!(second_refresh.expose(), first_refresh.expose());
    assert_ne!(renewed.access_token.expose(), tokens.access_token.expose());
    assert_eq!(renewed.username(), Some(login), "the refreshed ID token");
    assert_eq!(userinfo(&p, &renewed.access_token).unwrap()["sub"], login);
    let third = refresh(&http, &client, &second_refresh, &scopes)
        .unwrap_or_else(|e| panic!("{}", error_text(&e)));
    let third_refresh = third.refresh_token.clone().unwrap();
    assert_ne!(third_refresh.expose(), second_refresh.expose());

    let replayed = refresh(&http, &client, &first_refresh, &scopes).unwrap_err();
    assert_eq!(replayed.kind, ErrorKind::Auth, "{}", error_text(&replayed));
    assert_eq!(
        replayed.message,
        "renewing the Microsoft sign-in failed: the sign-in grant was rejected (invalid_grant)"
    );
    assert_eq!(replayed.hint.as_deref(), Some("sign in again"));
    let refreshes = tap.forms("refresh_token");
    assert_eq!(refreshes.len(), 3);
    assert!(refreshes.iter().all(|f| field(f, "client_secret").is_none()
        && field(f, "client_id") == Some(p.public_client_id.as_str())));

    // The marker check.
    let mut secrets = vec![
        ("authorization code", code),
        ("PKCE verifier", verifier),
        ("ID token", id.raw.expose().to_string()),
    ];
    for (access_name, refresh_name, set) in [
        ("access token", "refresh token", &tokens),
        ("refreshed access token", "rotated refresh token", &renewed),
        (
            "twice refreshed access token",
            "twice rotated refresh token",
            &third,
        ),
    ] {
        secrets.push((access_name, set.access_token.expose().to_string()));
        let refresh_token = set.refresh_token.as_ref().unwrap().expose().to_string();
        secrets.push((refresh_name, refresh_token));
    }
    let outputs = [
        ("the terminal", screen.text()),
        ("the logs", logs().text()),
        ("the refused refresh's error", error_text(&replayed)),
        (
            "Debug of the token sets",
            format!("{tokens:?}{renewed:?}{third:?}"),
        ),
    ];
    assert!(outputs[1].1.contains("POST"), "requests are logged");
    assert!(
        outputs[1]
            .1
            .contains("sign-in listener: the callback brought a code"),
        "the listener logged"
    );
    assert_nothing_leaks(&secrets, &outputs);
    eprintln!(
        "browser sign-in with Chromium took {:.1} s, the whole test {:.1} s",
        signed_in.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
}

#[test]
#[ignore = "needs the OpenID provider (tests/oidc) and Chromium; run scripts/e2e"]
fn consent_cancelled_in_chromium_ends_the_browser_sign_in_with_access_denied() {
    let p = provider();
    require_chromium();
    let http = http();
    let tap = Tap::start(token_endpoint(&p));
    let client = public_client(&p, &http, &tap);
    let driver = Driver::new(&[("BROWSER_DRIVER_ACTION", "deny")]);
    let (ui, screen) = terminal();
    let BrowserRun {
        outcome,
        elapsed,
        driver_result,
        diag,
        ..
    } = browser_run(
        &http,
        &client,
        LoopbackListener::bind(None).unwrap(),
        graph_scopes(false),
        &driver,
        &ui,
        &screen,
    );
    let err = match outcome {
        Ok(_) => panic!("signed in although the consent was cancelled\n{diag}"),
        Err(err) => err,
    };
    // The provider's error redirect (error=access_denied, state, iss) ended the wait at once.
    assert_eq!(err.exit_code(), 3, "{}\n{diag}", error_text(&err));
    assert_eq!(
        err.message,
        "Microsoft sign-in failed: access was denied (the sign-in or consent was refused) (access_denied)",
        "{diag}"
    );
    assert_eq!(err.hint.as_deref(), Some("sign in again"));
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}\n{diag}");
    assert_eq!(driver_result["ok"], true, "{diag}");
    assert!(driver.log().contains("deny consent"), "{diag}");
    assert!(
        driver.log().contains("Sign-in failed"),
        "Chromium shows ado-scm's failure page\n{diag}"
    );
    let landed = Url::parse(driver_result["final_url"].as_str().unwrap()).unwrap();
    assert_eq!(query(&landed, "error"), "access_denied");
    assert_eq!(query(&landed, "iss"), p.issuer);
    assert!(
        tap.forms("authorization_code").is_empty(),
        "no code, no redemption"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Device code

/// `browser.mjs --device URI CODE` in the foreground, as a child of the test; `cancel` is set if
/// it fails, so the polling stops.
fn complete_on_the_verification_page(
    driver: &Driver,
    prompt: &DeviceCodePrompt,
    cancel: Arc<AtomicBool>,
) -> std::thread::JoinHandle<std::process::ExitStatus> {
    let mut child: Child = Command::new(browser_script())
        .args([
            "--foreground",
            "--device",
            prompt.verification_uri.as_str(),
            &prompt.user_code,
        ])
        .envs(driver.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start browser.mjs --device");
    std::thread::spawn(move || {
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                if !status.success() {
                    cancel.store(true, Ordering::SeqCst);
                }
                return status;
            }
            if started.elapsed() > Duration::from_secs(90) {
                let _ = child.kill();
                cancel.store(true, Ordering::SeqCst);
                return child.wait().unwrap();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    })
}

struct DeviceRun {
    outcome: ado_scm::error::Result<TokenSet>,
    prompts: Vec<DeviceCodePrompt>,
    driver_status: Option<std::process::ExitStatus>,
    elapsed: Duration,
    screen: String,
    diag: String,
}

fn device_sign_in(p: &Provider, http: &Http, tap: &Tap, driver: &Driver) -> DeviceRun {
    let client = public_client(p, http, tap);
    let (ui, screen) = terminal();
    let browser = SystemBrowser::new(Env::default());
    let cancel = Arc::new(AtomicBool::new(false));
    let options = DeviceOptions {
        scopes: graph_scopes(false),
        cancel: Some(cancel.clone()),
    };
    let mut prompts = Vec::new();
    let mut completing = None;
    let started = Instant::now();
    let outcome = {
        let mut sign_in_ui = TerminalSignInUi {
            ui: &ui,
            browser: &browser,
            open_browser: false,
        };
        sign_in_device(http, &client, &options, &mut |prompt| {
            prompts.push(prompt.clone());
            sign_in_ui.device_code(prompt);
            completing = Some(complete_on_the_verification_page(
                driver,
                prompt,
                cancel.clone(),
            ));
        })
    };
    let elapsed = started.elapsed();
    let driver_status = completing.map(|t| t.join().unwrap());
    let diag = format!(
        "{:?} after {:.1} s\n--- terminal\n{}\n--- browser driver exit {driver_status:?}, result\n{}\n--- browser driver log\n{}",
        outcome.as_ref().map_err(error_text),
        elapsed.as_secs_f64(),
        screen.text(),
        driver.wait_result(Duration::from_secs(5)),
        driver.log()
    );
    DeviceRun {
        outcome,
        prompts,
        driver_status,
        elapsed,
        screen: screen.text(),
        diag,
    }
}

#[test]
#[ignore = "needs the OpenID provider (tests/oidc) and Chromium; run scripts/e2e"]
fn device_code_sign_in_completed_by_chromium_on_the_verification_page() {
    let p = provider();
    require_chromium();
    let http = http();
    let tap = Tap::start(token_endpoint(&p));
    let login = "device.user@contoso.example";
    let driver = Driver::new(&[("BROWSER_LOGIN", login)]);
    let run = device_sign_in(&p, &http, &tap, &driver);
    let diag = &run.diag;
    let tokens = match &run.outcome {
        Ok(tokens) => tokens,
        Err(_) => panic!("{diag}"),
    };
    assert_eq!(run.driver_status.map(|s| s.success()), Some(true), "{diag}");
    assert!(driver.log().contains("Sign-in Success"), "{diag}");

    // What ado-scm showed: the provider's verification page and code, and when it expires.
    assert_eq!(run.prompts.len(), 1);
    let prompt = &run.prompts[0];
    assert_eq!(
        prompt.verification_uri.as_str(),
        format!("{}/{}/oauth2/v2.0/deviceauth", p.authority, p.tenant)
    );
    assert!(prompt
        .message
        .as_deref()
        .is_some_and(|m| m.contains(&prompt.user_code)));
    let expires_in = prompt.expires_at - chrono::Utc::now();
    assert!(
        (600..=900).contains(&expires_in.num_seconds()),
        "{expires_in}"
    );
    assert!(
        run.screen.contains(&format!(
            "To sign in, open {} and enter the code {}",
            prompt.verification_uri, prompt.user_code
        )),
        "{diag}"
    );

    // The tokens: the ID token verified and naming the account, a refresh token that works.
    let id = tokens.id_token.as_ref().expect("an ID token with openid");
    assert_eq!(id.claims.iss, p.issuer);
    assert_eq!(id.claims.aud, vec![p.public_client_id.clone()]);
    assert_eq!(tokens.username(), Some(login));
    assert!(
        tokens.scopes.iter().any(|s| s == GRAPH_APP_RW),
        "{:?}",
        tokens.scopes
    );
    assert_eq!(userinfo(&p, &tokens.access_token).unwrap()["sub"], login);
    let client = public_client(&p, &http, &tap);
    let renewed = refresh(
        &http,
        &client,
        tokens.refresh_token.as_ref().expect("offline_access"),
        &graph_scopes(false),
    )
    .unwrap_or_else(|e| panic!("{}", error_text(&e)));

    // ado-scm polled the token endpoint with the device code until Chromium was done.
    let polls = tap.forms("urn:ietf:params:oauth:grant-type:device_code");
    assert!(!polls.is_empty());
    let device_code = field(&polls[0], "device_code").unwrap().to_string();
    assert!(polls
        .iter()
        .all(|f| field(f, "device_code") == Some(device_code.as_str())
            && field(f, "client_secret").is_none()));

    let secrets = [
        ("device code", device_code),
        ("access token", tokens.access_token.expose().to_string()),
        (
            "refresh token",
            tokens.refresh_token.as_ref().unwrap().expose().to_string(),
        ),
        ("ID token", id.raw.expose().to_string()),
        (
            "renewed access token",
            renewed.access_token.expose().to_string(),
        ),
    ];
    assert_nothing_leaks(
        &secrets,
        &[
            ("the terminal", run.screen.clone()),
            ("the logs", logs().text()),
            ("Debug of the token sets", format!("{tokens:?}{renewed:?}")),
        ],
    );
    eprintln!(
        "device code sign-in with Chromium took {:.1} s ({} polls)",
        run.elapsed.as_secs_f64(),
        polls.len()
    );
}

#[test]
#[ignore = "needs the OpenID provider (tests/oidc) and Chromium; run scripts/e2e"]
fn device_code_declined_on_the_verification_page_is_a_sign_in_error() {
    let p = provider();
    require_chromium();
    let http = http();
    let tap = Tap::start(token_endpoint(&p));
    let driver = Driver::new(&[("BROWSER_DRIVER_ACTION", "deny")]);
    let run = device_sign_in(&p, &http, &tap, &driver);
    let diag = &run.diag;
    let err = match &run.outcome {
        Ok(_) => panic!("signed in although the device was declined\n{diag}"),
        Err(err) => err,
    };
    assert_eq!(run.driver_status.map(|s| s.success()), Some(true), "{diag}");
    assert!(driver.log().contains("abort device"), "{diag}");
    // The provider says `access_denied` (Entra: `authorization_declined`): a sign-in error,
    // exit 3, in plain words, and the polling stopped there.
    assert_eq!(err.exit_code(), 3, "{diag}");
    assert_eq!(
        err.message,
        "Microsoft sign-in with a device code failed: access was denied (the sign-in or consent was refused) (access_denied)",
        "{diag}"
    );
    assert!(run.elapsed < Duration::from_secs(60), "{diag}");
    let polls = tap.forms("urn:ietf:params:oauth:grant-type:device_code");
    assert!(!polls.is_empty());
    let device_code = field(&polls[0], "device_code").unwrap().to_string();
    assert_nothing_leaks(
        &[("device code", device_code)],
        &[
            ("the terminal", run.screen.clone()),
            ("the logs", logs().text()),
            ("the error", error_text(err)),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Client credentials

#[test]
#[ignore = "needs the OpenID provider (tests/oidc); run scripts/e2e"]
fn client_credentials_with_the_right_secret_and_a_wrong_one() {
    let p = provider();
    let http = http();
    let found = discovered(&p, &http);
    let secret = Secret::new(p.confidential_client_secret.clone());
    let tokens = entra::client_credentials(
        &http,
        &found.token_endpoint,
        &p.confidential_client_id,
        &secret,
        entra::ADO_DEFAULT_SCOPE,
    )
    .unwrap_or_else(|e| panic!("{}", error_text(&e)));
    assert!(!tokens.access_token.is_empty());
    assert!(tokens.refresh_token.is_none() && tokens.id_token.is_none());
    assert_eq!(tokens.scopes, vec![entra::ADO_DEFAULT_SCOPE.to_string()]);
    let lifetime = tokens.expires_at.unwrap() - chrono::Utc::now();
    assert!(
        (3500..=3600).contains(&lifetime.num_seconds()),
        "{lifetime}"
    );

    // A wrong secret: a rejected credential (exit 3) in plain words, though the provider's
    // answer has no AADSTS code, trace or correlation id.
    let wrong = "not-the-secret-5b0e7d1c9a";
    let err = entra::client_credentials(
        &http,
        &found.token_endpoint,
        &p.confidential_client_id,
        &Secret::new(wrong),
        entra::ADO_DEFAULT_SCOPE,
    )
    .unwrap_err();
    let text = error_text(&err);
    assert_eq!(err.exit_code(), 3, "{text}");
    assert_eq!(
        err.message,
        "signing in with the app's client secret failed: the application's credentials were rejected (invalid_client)",
        "{text}"
    );
    assert_eq!(
        err.hint.as_deref(),
        Some("check the client ID and the client secret (its value, not its ID)"),
        "{text}"
    );
    // The provider's own words come along.
    assert!(
        err.causes
            .iter()
            .any(|c| c == "client authentication failed"),
        "{text}"
    );

    // An unknown client id is refused the same way by a standard provider.
    let err_unknown = entra::client_credentials(
        &http,
        &found.token_endpoint,
        "00000000-0000-0000-0000-00000000beef",
        &secret,
        entra::ADO_DEFAULT_SCOPE,
    )
    .unwrap_err();
    assert_eq!(err_unknown.exit_code(), 3, "{}", error_text(&err_unknown));

    assert_nothing_leaks(
        &[
            ("client secret", p.confidential_client_secret.clone()),
            ("wrong secret", wrong.to_string()),
            ("access token", tokens.access_token.expose().to_string()),
        ],
        &[
            ("the logs", logs().text()),
            ("the wrong secret's error", text),
            ("the unknown client's error", error_text(&err_unknown)),
            ("Debug of the token set", format!("{tokens:?}")),
        ],
    );
}
