//! The admin's Microsoft Graph token for `setup` (creating the app registration, its secret,
//! its service principal and, when asked, tenant-wide consent).
//!
//! In order:
//! 1. a token the caller was given (`--graph-token-stdin`, `ADO_SCM_GRAPH_TOKEN`) is used as is;
//! 2. a refresh token stored for this tenant and client is redeemed, and the rotated refresh
//!    token stored in its place, so that a second run does not sign in again;
//! 3. otherwise the admin signs in, in the browser (code + PKCE on a loopback port) or with a
//!    device code, and the refresh token is stored.
//!
//! The client is the Microsoft Graph Command Line Tools public client unless the organization
//! gives its own (`--graph-client-id`). Scopes: `Application.ReadWrite.All`, plus
//! `DelegatedPermissionGrant.ReadWrite.All` only when consent is to be granted, with
//! `offline_access openid profile`.
//!
//! The secret store is a cache here: a store that cannot be read or written is reported as a
//! warning and the sign-in goes on (the admin is then asked to sign in next time too).

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::clients::entra::{
    refresh, sign_in_device, DeviceCodePrompt, DeviceOptions, Discovery, PublicClient, TokenSet,
};
use crate::error::{Error, ErrorKind, Result};
use crate::http::Http;
use crate::oauth::{
    sign_in_browser, BrowserOptions, LoopbackListener, RedirectHost, DEFAULT_SIGN_IN_TIMEOUT,
};
use crate::secret::Secret;
use crate::store::{SecretKey, SecretStore};
use crate::ui::browser::Browser;
use crate::ui::Ui;

/// Microsoft Graph Command Line Tools: a Microsoft public client that admins' scripts use for
/// delegated Graph access (`http://localhost` redirect, public client flows allowed).
pub const GRAPH_CLI_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
pub const SCOPE_APPLICATION_READWRITE: &str =
    "https://graph.microsoft.com/Application.ReadWrite.All";
pub const SCOPE_GRANT_READWRITE: &str =
    "https://graph.microsoft.com/DelegatedPermissionGrant.ReadWrite.All";
/// The OIDC scopes that come with every admin sign-in.
pub const OIDC_SCOPES: &[&str] = &["offline_access", "openid", "profile"];

/// The scopes of the admin's sign-in.
pub fn graph_scopes(consent: bool) -> Vec<String> {
    let mut scopes = vec![SCOPE_APPLICATION_READWRITE.to_string()];
    if consent {
        scopes.push(SCOPE_GRANT_READWRITE.to_string());
    }
    scopes.extend(OIDC_SCOPES.iter().map(|s| s.to_string()));
    scopes
}

/// How the admin signs in when nothing stored works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInMethod {
    /// Code + PKCE on `127.0.0.1:{port}` (random when `None`).
    Browser { port: Option<u16> },
    /// `--device-code`.
    DeviceCode,
}

#[derive(Debug, Clone)]
pub struct GraphSignIn {
    /// [`GRAPH_CLI_CLIENT_ID`] unless `--graph-client-id`.
    pub client_id: String,
    /// `--grant-admin-consent`: also ask for `DelegatedPermissionGrant.ReadWrite.All`.
    pub consent: bool,
    pub method: SignInMethod,
    /// A person is there to sign in. When false and no given or stored token works, the error
    /// names the flags to pass (exit 2).
    pub interactive: bool,
    /// How long the browser sign-in waits.
    pub timeout: Duration,
    pub redirect_host: RedirectHost,
    pub login_hint: Option<String>,
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for GraphSignIn {
    fn default() -> Self {
        GraphSignIn {
            client_id: GRAPH_CLI_CLIENT_ID.to_string(),
            consent: false,
            method: SignInMethod::Browser { port: None },
            interactive: true,
            timeout: DEFAULT_SIGN_IN_TIMEOUT,
            redirect_host: RedirectHost::default(),
            login_hint: None,
            cancel: None,
        }
    }
}

/// Where the token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphTokenSource {
    /// `--graph-token-stdin` / `ADO_SCM_GRAPH_TOKEN`.
    Given,
    /// The stored refresh token.
    Stored,
    /// A sign-in just now.
    SignedIn,
}

#[derive(Debug, Clone)]
pub struct GraphToken {
    pub tokens: TokenSet,
    pub source: GraphTokenSource,
}

/// What the sign-in shows the person at the keyboard.
pub trait SignInUi {
    /// The authorize URL: print it, and open a browser if one may be opened.
    fn open_url(&mut self, url: &Url);
    /// The device code and where to enter it.
    fn device_code(&mut self, prompt: &DeviceCodePrompt);
    /// A warning (a store that failed, a stored sign-in that expired).
    fn warn(&mut self, text: &str);
}

/// The terminal's [`SignInUi`]: text on stderr through [`Ui`], the browser through [`Browser`]
/// unless `--no-browser`. A browser that fails to open is a warning: the URL is printed anyway.
pub struct TerminalSignInUi<'a> {
    pub ui: &'a Ui,
    pub browser: &'a dyn Browser,
    pub open_browser: bool,
}

impl SignInUi for TerminalSignInUi<'_> {
    fn open_url(&mut self, url: &Url) {
        self.ui
            .info("Sign in to Microsoft in your browser. If it does not open, open this link:");
        self.ui.info(format!("  {url}"));
        if self.open_browser {
            let page = crate::ui::browser::WebUrl::new(url.clone());
            if let Err(err) = page.and_then(|page| self.browser.open(&page)) {
                self.ui.warn(format!(
                    "could not open a browser ({err}); open the link above"
                ));
            }
        }
        self.ui.info("Waiting for the sign-in to finish…");
    }

    fn device_code(&mut self, prompt: &DeviceCodePrompt) {
        // Needed now, on a terminal or not (a script or CI log may be where the admin reads
        // it), whatever else is held back.
        self.ui.at_once(format!(
            "To sign in, open {} and enter the code {}",
            prompt.verification_uri, prompt.user_code
        ));
        self.ui.at_once(format!(
            "The code expires at {}. Waiting for the sign-in to finish…",
            prompt.expires_at.format("%H:%M:%S UTC")
        ));
    }

    fn warn(&mut self, text: &str) {
        self.ui.warn(text);
    }
}

/// The admin's Graph token: given, refreshed from the store, or signed in (see the module doc).
/// `discovery` is the tenant's (its GUID keys the stored refresh token).
pub fn graph_token(
    http: &Http,
    discovery: &Discovery,
    store: &dyn SecretStore,
    given: Option<Secret>,
    options: &GraphSignIn,
    ui: &mut dyn SignInUi,
) -> Result<GraphToken> {
    if let Some(token) = given {
        return Ok(GraphToken {
            tokens: TokenSet::from_access_token(token),
            source: GraphTokenSource::Given,
        });
    }
    let client = PublicClient::new(options.client_id.clone(), discovery.clone());
    let key = SecretKey::GraphRefreshToken {
        tenant: discovery.tenant_id.clone(),
        client_id: options.client_id.clone(),
    };
    let scopes = graph_scopes(options.consent);

    let stored = match store.get(&key) {
        Ok(stored) => stored,
        Err(err) => {
            ui.warn(&format!(
                "cannot read {} from {}: {}",
                key.label(),
                store.describe(),
                err.message
            ));
            None
        }
    };
    if let Some(refresh_token) = stored {
        match refresh(http, &client, &refresh_token, &scopes) {
            Ok(tokens) => {
                save(store, &key, &tokens, ui);
                return Ok(GraphToken {
                    tokens,
                    source: GraphTokenSource::Stored,
                });
            }
            // The stored sign-in will not do here (expired, revoked, or no consent to a scope
            // this run asks for): sign in again. It stays stored until a new sign-in replaces
            // it, because it may still serve runs that ask for less (a script that cannot sign
            // in again must not lose it). Anything else (network, a service error) is not the
            // stored token's fault and stops here.
            Err(err) if err.kind == ErrorKind::Auth || err.kind == ErrorKind::Check => {
                ui.warn(&format!(
                    "the stored Microsoft sign-in cannot be used for this run ({})",
                    err.message
                ));
            }
            Err(err) => return Err(err),
        }
    }

    if !options.interactive {
        return Err(Error::usage(
            "a Microsoft Graph sign-in is needed, and this run may not ask for one",
        )
        .with_hint(
            "pass --graph-token-stdin or set ADO_SCM_GRAPH_TOKEN, or run `ado-scm setup` interactively once",
        ));
    }
    let tokens = match &options.method {
        SignInMethod::Browser { port } => {
            let listener = LoopbackListener::bind(*port)?;
            let browser_options = BrowserOptions {
                scopes,
                timeout: options.timeout,
                redirect_host: options.redirect_host,
                login_hint: options.login_hint.clone(),
                // Entra asks for consent by itself when a scope is new to this user and client;
                // forcing `prompt=consent` would ask every time.
                prompt: None,
                cancel: options.cancel.clone(),
            };
            sign_in_browser(http, &client, listener, &browser_options, &mut |url| {
                ui.open_url(url)
            })
            .map_err(|err| when_consent_declined(err, options))?
        }
        SignInMethod::DeviceCode => {
            let device_options = DeviceOptions {
                scopes,
                cancel: options.cancel.clone(),
            };
            sign_in_device(http, &client, &device_options, &mut |prompt| {
                ui.device_code(prompt)
            })
            .map_err(|err| when_consent_declined(err, options))?
        }
    };
    save(store, &key, &tokens, ui);
    Ok(GraphToken {
        tokens,
        source: GraphTokenSource::SignedIn,
    })
}

/// A sign-in that ended because consent was declined (by the admin, or because the tenant
/// lets only administrators consent) gets a hint that says what to do instead of "sign in
/// again", which alone would end the same way.
fn when_consent_declined(err: Error, options: &GraphSignIn) -> Error {
    // AADSTS65004: declined; 65001: no consent given; 90094/90095: an administrator must
    // approve. Without a number: the OAuth codes a refusal comes with.
    let declined = matches!(err.aadsts(), Some(65004 | 65001 | 90094 | 90095))
        || (err.aadsts().is_none()
            && matches!(
                err.code(),
                Some("access_denied" | "consent_required" | "authorization_declined")
            ));
    if !declined {
        return err;
    }
    let permissions = if options.consent {
        "Application.ReadWrite.All and DelegatedPermissionGrant.ReadWrite.All"
    } else {
        "Application.ReadWrite.All"
    };
    let app = if options.client_id == GRAPH_CLI_CLIENT_ID {
        format!("Microsoft Graph Command Line Tools ({GRAPH_CLI_CLIENT_ID})")
    } else {
        format!("the app {}", options.client_id)
    };
    err.with_hint(format!(
        "setup signs you in to Microsoft Graph with {app} to manage the app registration, which \
         needs your consent to {permissions}: run setup again and accept; if only an \
         administrator may consent in your tenant, ask one to grant it (Entra admin center → \
         Enterprise applications → that app → Permissions), or pass a Graph token \
         (--graph-token-stdin), or use an app registration you manage (--client-id with \
         --client-secret-stdin)"
    ))
}

/// Stores the (rotated) refresh token; a failure is a warning.
fn save(store: &dyn SecretStore, key: &SecretKey, tokens: &TokenSet, ui: &mut dyn SignInUi) {
    if let Some(refresh_token) = &tokens.refresh_token {
        if let Err(err) = store.set(key, refresh_token) {
            ui.warn(&format!(
                "cannot keep {} in {} ({}); you will be asked to sign in again next time",
                key.label(),
                store.describe(),
                err.message
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::entra::test_support::{entra, entra_error, field, token_answer, MARKER};
    use crate::clients::test_server::http as test_http;
    use crate::oauth::tests::{browser, Seen};
    use crate::store::MemoryStore;
    use std::sync::Mutex;

    type Play = Box<dyn FnMut(&Url)>;

    #[derive(Default)]
    struct RecordingUi {
        opened: Vec<Url>,
        codes: Vec<DeviceCodePrompt>,
        warnings: Vec<String>,
        play: Option<Play>,
    }

    impl SignInUi for RecordingUi {
        fn open_url(&mut self, url: &Url) {
            self.opened.push(url.clone());
            if let Some(play) = &mut self.play {
                play(url);
            }
        }
        fn device_code(&mut self, prompt: &DeviceCodePrompt) {
            self.codes.push(prompt.clone());
        }
        fn warn(&mut self, text: &str) {
            self.warnings.push(text.to_string());
        }
    }

    fn key(discovery: &Discovery) -> SecretKey {
        SecretKey::GraphRefreshToken {
            tenant: discovery.tenant_id.clone(),
            client_id: GRAPH_CLI_CLIENT_ID.into(),
        }
    }

    #[test]
    fn scopes_ask_for_grants_only_with_consent() {
        assert_eq!(
            graph_scopes(false),
            vec![
                SCOPE_APPLICATION_READWRITE,
                "offline_access",
                "openid",
                "profile"
            ]
        );
        assert_eq!(
            graph_scopes(true),
            vec![
                SCOPE_APPLICATION_READWRITE,
                SCOPE_GRANT_READWRITE,
                "offline_access",
                "openid",
                "profile"
            ]
        );
    }

    #[test]
    fn a_given_token_skips_sign_in() {
        let server = entra(|_| panic!("no request expected"));
        let (http, _clock) = test_http();
        let store = MemoryStore::new();
        let mut ui = RecordingUi::default();
        let token = graph_token(
            &http,
            &server.discovery(),
            &store,
            Some(Secret::new(MARKER)),
            &GraphSignIn::default(),
            &mut ui,
        )
        .unwrap();
        assert_eq!(token.source, GraphTokenSource::Given);
        assert_eq!(token.tokens.access_token.expose(), MARKER);
        assert!(ui.opened.is_empty() && store.accounts().is_empty());
    }

    #[test]
    fn the_first_run_signs_in_and_the_second_refreshes_with_the_rotated_token() {
        let seen = Seen::default();
        let counter = Arc::new(Mutex::new(0));
        let server = {
            let seen = seen.clone();
            let counter = counter.clone();
            entra(move |form| {
                let mut n = counter.lock().unwrap();
                *n += 1;
                match *n {
                    1 => {
                        assert_eq!(field(form, "grant_type"), Some("authorization_code"));
                        assert_eq!(field(form, "client_id"), Some(GRAPH_CLI_CLIENT_ID));
                        let nonce = seen.param("nonce").unwrap();
                        (
                            200,
                            token_answer(Some((GRAPH_CLI_CLIENT_ID, Some(&nonce))), "refresh-1"),
                        )
                    }
                    2 => {
                        assert_eq!(field(form, "grant_type"), Some("refresh_token"));
                        assert_eq!(field(form, "refresh_token"), Some("refresh-1"));
                        (200, token_answer(None, "refresh-2"))
                    }
                    _ => panic!("one sign-in and one refresh expected"),
                }
            })
        };
        let (http, _clock) = test_http();
        let discovery = server.discovery();
        let store = MemoryStore::new();
        let mut ui = RecordingUi {
            play: Some(Box::new(browser(seen.clone(), "code-1".into()))),
            ..RecordingUi::default()
        };
        let sign_in = |ui: &mut RecordingUi| {
            graph_token(&http, &discovery, &store, None, &GraphSignIn::default(), ui).unwrap()
        };
        let first = sign_in(&mut ui);
        assert_eq!(first.source, GraphTokenSource::SignedIn);
        assert_eq!(ui.opened.len(), 1);
        assert_eq!(seen.param("scope").unwrap(), graph_scopes(false).join(" "));
        assert_eq!(seen.param("prompt"), None);
        assert_eq!(
            store.get(&key(&discovery)).unwrap().unwrap().expose(),
            "refresh-1"
        );

        let second = sign_in(&mut ui);
        assert_eq!(second.source, GraphTokenSource::Stored);
        assert_eq!(ui.opened.len(), 1, "no second sign-in");
        assert_eq!(
            store.get(&key(&discovery)).unwrap().unwrap().expose(),
            "refresh-2"
        );
        assert!(ui.warnings.is_empty(), "{:?}", ui.warnings);
    }

    #[test]
    fn an_expired_stored_token_falls_back_to_a_device_code_sign_in() {
        let counter = Arc::new(Mutex::new(0));
        let server = {
            let counter = counter.clone();
            entra(move |form| {
                let mut n = counter.lock().unwrap();
                *n += 1;
                match (*n, field(form, "grant_type")) {
                    (1, Some("refresh_token")) => (400, entra_error("invalid_grant", 700082)),
                    (2, None) => (
                        200,
                        serde_json::json!({
                            "user_code": "CODE-1", "device_code": "dc",
                            "verification_uri": "https://microsoft.com/devicelogin",
                            "expires_in": 900, "interval": 5,
                        }),
                    ),
                    (3, Some("urn:ietf:params:oauth:grant-type:device_code")) => {
                        (200, token_answer(None, "refresh-new"))
                    }
                    other => panic!("unexpected request {other:?}"),
                }
            })
        };
        let (http, _clock) = test_http();
        let discovery = server.discovery();
        let store = MemoryStore::new().with(key(&discovery), Secret::new("refresh-old"));
        let mut ui = RecordingUi::default();
        let options = GraphSignIn {
            method: SignInMethod::DeviceCode,
            consent: true,
            ..GraphSignIn::default()
        };
        let token = graph_token(&http, &discovery, &store, None, &options, &mut ui).unwrap();
        assert_eq!(token.source, GraphTokenSource::SignedIn);
        assert_eq!(ui.codes.len(), 1);
        assert_eq!(ui.codes[0].user_code, "CODE-1");
        assert_eq!(ui.warnings.len(), 1);
        assert!(ui.warnings[0].contains("AADSTS700082"), "{:?}", ui.warnings);
        assert_eq!(
            store.get(&key(&discovery)).unwrap().unwrap().expose(),
            "refresh-new"
        );
    }

    /// A run that asks for more than the stored sign-in was consented to, and may not sign in
    /// again, fails; the stored sign-in stays for the runs that ask for less.
    #[test]
    fn a_stored_sign_in_too_narrow_for_a_script_is_kept() {
        let server = entra(|form| {
            assert_eq!(field(form, "grant_type"), Some("refresh_token"));
            (400, entra_error("invalid_grant", 65001))
        });
        let (http, _clock) = test_http();
        let discovery = server.discovery();
        let store = MemoryStore::new().with(key(&discovery), Secret::new("refresh-old"));
        let mut ui = RecordingUi::default();
        let options = GraphSignIn {
            consent: true,
            interactive: false,
            ..GraphSignIn::default()
        };
        let err = graph_token(&http, &discovery, &store, None, &options, &mut ui).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{err}");
        assert!(ui.warnings[0].contains("AADSTS65001"), "{:?}", ui.warnings);
        assert_eq!(
            store.get(&key(&discovery)).unwrap().unwrap().expose(),
            "refresh-old"
        );
    }

    /// The error of a sign-in with nothing stored that must fail before any token request.
    fn failed_sign_in(options: &GraphSignIn, ui: &mut RecordingUi) -> Error {
        let server = entra(|_| panic!("no token request expected"));
        let (http, _clock) = test_http();
        graph_token(
            &http,
            &server.discovery(),
            &MemoryStore::new(),
            None,
            options,
            ui,
        )
        .unwrap_err()
    }

    /// The browser of a person who declines consent: Entra redirects back with the error.
    fn declining_browser(url: &Url) {
        let param = |name: &str| {
            url.query_pairs()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.into_owned())
                .unwrap()
        };
        let state = param("state");
        let port = Url::parse(&param("redirect_uri")).unwrap().port().unwrap();
        std::thread::spawn(move || {
            let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
            crate::oauth::loopback::tests::get(
                addr,
                &format!(
                    "/?error=access_denied&error_description=AADSTS65004%3A+User+declined+\
                     to+consent+to+access+the+app.&state={state}"
                ),
            )
        });
    }

    #[test]
    fn a_declined_consent_says_what_to_do() {
        let mut ui = RecordingUi {
            play: Some(Box::new(declining_browser)),
            ..RecordingUi::default()
        };
        let options = GraphSignIn {
            consent: true,
            ..GraphSignIn::default()
        };
        let err = failed_sign_in(&options, &mut ui);
        assert_eq!(err.exit_code(), 3);
        assert!(err.message.contains("AADSTS65004"), "{}", err.message);
        let hint = err.hint.unwrap();
        for says in [
            "needs your consent to Application.ReadWrite.All and \
             DelegatedPermissionGrant.ReadWrite.All",
            "run setup again and accept",
            "Microsoft Graph Command Line Tools (14d82eec-204b-4c2f-b7e8-296a70dab67e)",
            "--graph-token-stdin",
            "--client-id with --client-secret-stdin",
        ] {
            assert!(hint.contains(says), "{says}: {hint}");
        }
    }

    #[test]
    fn other_sign_in_failures_keep_their_own_hint() {
        let expired = Error::auth("sign-in failed").with_hint("sign in again");
        let kept = when_consent_declined(expired, &GraphSignIn::default());
        assert_eq!(kept.hint.as_deref(), Some("sign in again"));
    }

    #[test]
    fn non_interactive_without_a_token_names_the_flags() {
        let options = GraphSignIn {
            interactive: false,
            ..GraphSignIn::default()
        };
        let err = failed_sign_in(&options, &mut RecordingUi::default());
        assert_eq!(err.exit_code(), 2);
        assert!(err.hint.unwrap().contains("--graph-token-stdin"));
    }

    #[test]
    fn a_broken_store_is_a_warning_not_a_failure() {
        let server = entra(|form| match field(form, "grant_type") {
            None => (
                200,
                serde_json::json!({
                    "user_code": "C", "device_code": "dc",
                    "verification_uri": "https://microsoft.com/devicelogin",
                    "expires_in": 900, "interval": 5,
                }),
            ),
            Some(_) => (200, token_answer(None, "r")),
        });
        let (http, _clock) = test_http();
        let store = MemoryStore::new().failing(Error::local("keyring locked"));
        let mut ui = RecordingUi::default();
        let options = GraphSignIn {
            method: SignInMethod::DeviceCode,
            ..GraphSignIn::default()
        };
        let token =
            graph_token(&http, &server.discovery(), &store, None, &options, &mut ui).unwrap();
        assert_eq!(token.source, GraphTokenSource::SignedIn);
        assert_eq!(ui.warnings.len(), 2, "{:?}", ui.warnings);
        assert!(ui.warnings.iter().all(|w| w.contains("keyring locked")));
    }
}
