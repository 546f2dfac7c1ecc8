//! The Microsoft sign-in against the sandbox's Entra ID stand-in, end to end over HTTP:
//! discovery by domain, code + PKCE through the loopback listener, refresh-token rotation,
//! device code (approved, and blocked by Conditional Access), client credentials, and the
//! admin's Graph token kept in a secret store. The "browser" is a plain HTTP client that
//! follows the authorize redirect to the listener, as a real one would.

use std::sync::Arc;
use std::time::Duration;

use ado_scm::clients::entra::issuer::{discover, parse_issuer, Discovery};
use ado_scm::clients::entra::{self, TokenSet};
use ado_scm::clients::entra::{
    refresh, sign_in_device, DeviceCodePrompt, DeviceOptions, PublicClient,
};
use ado_scm::clock::FakeClock;
use ado_scm::flows::graph_signin::{
    graph_scopes, graph_token, GraphSignIn, GraphTokenSource, SignInMethod, SignInUi,
    GRAPH_CLI_CLIENT_ID,
};
use ado_scm::http::{Http, HttpPolicy};
use ado_scm::oauth::{sign_in_browser, BrowserOptions, LoopbackListener};
use ado_scm::secret::Secret;
use ado_scm::store::{MemoryStore, SecretKey, SecretStore};
use ado_scm_sandbox::{seed, Sandbox};
use url::Url;

/// Real HTTP on a clock that starts now (ID tokens are checked against it) and never sleeps.
fn http() -> (Http, Arc<FakeClock>) {
    let clock = Arc::new(FakeClock::new(chrono::Utc::now()));
    let http = Http::new(clock.clone(), HttpPolicy::default()).expect("HTTP client");
    (http, clock)
}

fn tenant(sb: &Sandbox, http: &Http) -> Discovery {
    let authority = Url::parse(&sb.authority_url()).unwrap();
    let issuer = parse_issuer(
        &format!(
            "{}/{}/oauth2/v2.0/",
            sb.authority_url(),
            seed::TENANT_DOMAIN
        ),
        Some(&authority),
    )
    .unwrap();
    assert_eq!(
        issuer.normalised_from.as_deref(),
        Some("removed the trailing slash")
    );
    discover(http, &issuer).unwrap()
}

fn no_redirects() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The browser: asks the authorize endpoint (the seeded admin is signed in and consents at
/// once), then follows its redirect to the loopback listener.
fn browse(url: &Url) {
    let answer = no_redirects().get(url.as_str()).send().unwrap();
    assert_eq!(answer.status().as_u16(), 302, "{}", answer.text().unwrap());
    let location = Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.host_str(), Some("localhost"));
    // localhost is 127.0.0.1 here, where the listener is.
    let mut callback = location.clone();
    callback.set_host(Some("127.0.0.1")).unwrap();
    std::thread::spawn(move || {
        let page = no_redirects().get(callback.as_str()).send().unwrap();
        assert_eq!(page.status().as_u16(), 200);
        assert!(page.text().unwrap().contains("You are signed in"));
    });
}

#[test]
fn discovery_by_domain_gives_the_tenant_guid_and_an_unknown_tenant_fails_the_check() {
    let sb = Sandbox::start();
    let (http, _clock) = http();
    let found = tenant(&sb, &http);
    assert_eq!(found.tenant_id, seed::TENANT_ID);
    assert_eq!(
        found.issuer,
        format!("{}/{}/v2.0", sb.authority_url(), seed::TENANT_ID)
    );

    let issuer = parse_issuer(
        &format!("{}/nobody.example.com/v2.0", sb.authority_url()),
        None,
    )
    .unwrap();
    let err = discover(&http, &issuer).unwrap_err();
    assert_eq!(err.exit_code(), 4, "{err}");
    assert!(err.message.starts_with("tenant not found"), "{err}");
    assert!(err.to_string().contains("trace ID "), "{err}");
}

#[test]
fn browser_sign_in_then_refresh_rotates_and_the_old_refresh_token_dies() {
    let sb = Sandbox::start();
    let (http, _clock) = http();
    let client = PublicClient::new(GRAPH_CLI_CLIENT_ID, tenant(&sb, &http));
    let scopes = graph_scopes(false);
    let tokens = sign_in_browser(
        &http,
        &client,
        LoopbackListener::bind(None).unwrap(),
        &BrowserOptions::new(scopes.clone()),
        &mut |url| browse(url),
    )
    .unwrap();
    assert_eq!(tokens.username(), Some(seed::ENTRA_ADMIN_USER));
    let id = tokens.id_token.as_ref().unwrap();
    assert_eq!(id.claims.tid.as_deref(), Some(seed::TENANT_ID));
    let first_refresh = tokens.refresh_token.clone().expect("offline_access");

    let renewed = refresh(&http, &client, &first_refresh, &scopes).unwrap();
    let second_refresh = renewed.refresh_token.clone().unwrap();
    assert_ne!(second_refresh.expose(), first_refresh.expose());
    assert_ne!(renewed.access_token.expose(), tokens.access_token.expose());

    // Rotation: the old one no longer works, which is why the caller must store the new one.
    let err = refresh(&http, &client, &first_refresh, &scopes).unwrap_err();
    assert_eq!(err.exit_code(), 3, "{err}");
    assert!(err.message.contains("AADSTS"), "{err}");
    refresh(&http, &client, &second_refresh, &scopes).unwrap();
}

#[test]
fn device_code_sign_in_and_conditional_access() {
    let sb = Sandbox::start();
    sb.with_world(|w| w.directory.knobs.device_code_interval_secs = 0);
    let (http, _clock) = http();
    let client = PublicClient::new(GRAPH_CLI_CLIENT_ID, tenant(&sb, &http));
    let options = DeviceOptions {
        scopes: graph_scopes(false),
        cancel: None,
    };
    let approve = |prompt: &DeviceCodePrompt| {
        let page = no_redirects()
            .get(prompt.verification_uri.as_str())
            .query(&[("user_code", prompt.user_code.as_str())])
            .send()
            .unwrap();
        page.status().as_u16()
    };
    let mut shown = Vec::new();
    let tokens = sign_in_device(&http, &client, &options, &mut |prompt| {
        shown.push(prompt.clone());
        assert_eq!(approve(prompt), 200);
    })
    .unwrap();
    assert_eq!(tokens.username(), Some(seed::ENTRA_ADMIN_USER));
    assert_eq!(
        shown[0].verification_uri.as_str(),
        format!("{}/devicelogin", sb.authority_url())
    );

    sb.with_world(|w| w.directory.knobs.device_code_blocked_by_conditional_access = true);
    let err = sign_in_device(&http, &client, &options, &mut |prompt| {
        approve(prompt);
    })
    .unwrap_err();
    assert_eq!(err.exit_code(), 3, "{err}");
    assert!(err.message.contains("Conditional Access"), "{err}");
    assert!(err.message.contains("AADSTS53003"), "{err}");
    assert!(err.hint.unwrap().contains("without --device-code"));
}

#[test]
fn client_credentials_prove_the_app_and_its_secret() {
    let sb = Sandbox::start();
    let (http, _clock) = http();
    let found = tenant(&sb, &http);
    let tokens: TokenSet = entra::client_credentials(
        &http,
        &found.token_endpoint,
        seed::SEEDED_APP_CLIENT_ID,
        &Secret::new(seed::SEEDED_APP_SECRET),
        entra::ADO_DEFAULT_SCOPE,
    )
    .unwrap();
    assert!(!tokens.access_token.is_empty());
    assert!(tokens.expires_at.is_some());

    let err = entra::client_credentials(
        &http,
        &found.token_endpoint,
        seed::SEEDED_APP_CLIENT_ID,
        &Secret::new("not-the-secret"),
        entra::ADO_DEFAULT_SCOPE,
    )
    .unwrap_err();
    assert_eq!(err.exit_code(), 3);
    assert!(err.message.contains("(AADSTS7000215)"), "{err}");
    assert!(!format!("{err}{err:?}").contains("not-the-secret"));
}

#[derive(Default)]
struct Ui {
    opened: usize,
    warnings: Vec<String>,
}

impl SignInUi for Ui {
    fn open_url(&mut self, url: &Url) {
        self.opened += 1;
        browse(url);
    }
    fn device_code(&mut self, _: &DeviceCodePrompt) {
        panic!("no device code expected");
    }
    fn warn(&mut self, text: &str) {
        self.warnings.push(text.to_string());
    }
}

#[test]
fn the_admin_signs_in_once_and_the_second_run_uses_the_stored_refresh_token() {
    let sb = Sandbox::start();
    let (http, _clock) = http();
    let found = tenant(&sb, &http);
    let store = MemoryStore::new();
    let key = SecretKey::GraphRefreshToken {
        tenant: seed::TENANT_ID.into(),
        client_id: GRAPH_CLI_CLIENT_ID.into(),
    };
    let options = GraphSignIn {
        method: SignInMethod::Browser { port: None },
        timeout: Duration::from_secs(60),
        ..GraphSignIn::default()
    };
    let mut ui = Ui::default();
    let first = graph_token(&http, &found, &store, None, &options, &mut ui).unwrap();
    assert_eq!(first.source, GraphTokenSource::SignedIn);
    let stored = store.get(&key).unwrap().unwrap();

    let second = graph_token(&http, &found, &store, None, &options, &mut ui).unwrap();
    assert_eq!(second.source, GraphTokenSource::Stored);
    assert_eq!(ui.opened, 1, "signed in once");
    assert_ne!(store.get(&key).unwrap().unwrap().expose(), stored.expose());
    assert!(ui.warnings.is_empty(), "{:?}", ui.warnings);

    // The token works against the Graph stand-in.
    let me = no_redirects()
        .get(format!("{}/v1.0/applications", sb.graph_url()))
        .bearer_auth(second.tokens.access_token.expose())
        .send()
        .unwrap();
    assert_eq!(me.status().as_u16(), 200, "{}", me.text().unwrap());
}
