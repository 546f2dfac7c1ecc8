//! Property tests (proptest) of every parser that reads outside input: runner public keys,
//! issuer URLs, hosts and service URLs, the config and credentials files, ID tokens, and the
//! error answers of Entra ID, Microsoft Graph and the Gitpod API (Connect). Each runs a bounded
//! number of cases (a few seconds in all), with no failure file written: a crash found here is
//! copied into a regular test next to the parser.
//!
//! The property is always the same: whatever the input, the parser returns (a value or an error)
//! and never panics; a refusal of user input is a usage error (exit 2).

use std::sync::{Arc, Mutex};

use ado_scm::clients::entra::id_token::{verify, Expected, Jwks};
use ado_scm::clients::entra::issuer::{parse_issuer, parse_tenant};
use ado_scm::clients::entra::EntraError;
use ado_scm::clients::gitpod::GitpodClient;
use ado_scm::clients::graph::GraphClient;
use ado_scm::clock::FakeClock;
use ado_scm::http::{Http, HttpPolicy};
use ado_scm::seal::parse_public_key;
use ado_scm::secret::Secret;
use ado_scm::store::{FileStore, SecretKey, SecretStore};
use ado_scm::urls::{parse_service_url, redact_input, validate_collection, validate_org, AdoHost};
use proptest::prelude::*;
use proptest::test_runner::Config;
use url::Url;

/// `n` cases, or `PROPTEST_CASES` of them for a longer search by hand
/// (`PROPTEST_CASES=100000 cargo test --test fuzz_parsers`).
fn cases(n: u32) -> Config {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n);
    Config {
        cases: n,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Text shaped like a URL (schemes, user info, IPv6 brackets, ports, paths, queries), so that
/// cases get past the first check, mixed with anything at all.
fn url_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "(https?|ftp|file|javascript)?(://)?([a-zA-Z0-9:@%.-]{0,8}@)?(\\[[0-9a-fA-F:.]{0,12}\\]|[a-zA-Z0-9.-]{0,24})(:[0-9]{0,6})?(/[a-zA-Z0-9%._~{}-]{0,12}){0,5}/?(\\?[a-zA-Z0-9=&%_]{0,16})?(#[a-z]{0,4})?",
        "https://login\\.microsoftonline\\.com/(common|[0-9a-f-]{36}|[a-z.]{1,12})(/oauth2)?(/v2\\.0)?(/[a-z.-]{0,24}){0,2}/?(\\?[a-z=&]{0,12})?",
        any::<String>(),
    ]
}

/// JSON values up to a few levels deep.
fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        ".{0,24}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map("[a-z_]{1,12}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An error answer body: the fields the three services use, each holding any JSON, or bytes
/// that are not JSON at all.
fn error_body() -> impl Strategy<Value = Vec<u8>> {
    let field = || prop::option::of(json());
    prop_oneof![
        (field(), field(), field(), field(), field(), field()).prop_map(
            |(error, description, codes, code, message, details)| {
                let mut body = serde_json::Map::new();
                for (name, value) in [
                    ("error", error.clone()),
                    ("error_description", description),
                    ("error_codes", codes),
                    ("code", code),
                    ("message", message),
                    ("details", details),
                ] {
                    if let Some(value) = value {
                        body.insert(name.into(), value);
                    }
                }
                // Graph nests its error one level down.
                if let Some(error) = error.filter(|e| e.is_object()) {
                    body.insert("error".into(), error);
                }
                serde_json::Value::Object(body).to_string().into_bytes()
            }
        ),
        json().prop_map(|v| v.to_string().into_bytes()),
        prop::collection::vec(any::<u8>(), 0..64),
    ]
}

/// Final statuses only: an informational one (1xx) is not an answer, and the client would wait
/// for the real one until its timeout.
fn status() -> impl Strategy<Value = u16> {
    prop_oneof![
        Just(200u16),
        Just(400),
        Just(401),
        Just(403),
        Just(404),
        Just(409),
        Just(429),
        Just(500),
        200u16..600
    ]
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn issuer_urls_and_tenants(raw in url_like(), authority in prop::option::of(url_like())) {
        let authority = authority.and_then(|a| Url::parse(&a).ok());
        if let Err(err) = parse_issuer(&raw, authority.as_ref()) {
            prop_assert_eq!(err.exit_code(), 2, "{}", err);
        }
        if let Err(err) = parse_tenant(&raw, "--tenant") {
            prop_assert_eq!(err.exit_code(), 2);
        }
    }

    #[test]
    fn service_urls_hosts_and_names(raw in url_like()) {
        if let Err(err) = parse_service_url(&raw, "--gitpod-url") {
            prop_assert_eq!(err.exit_code(), 2);
            // An error quotes the URL without its query's values.
            if let Some((_, query)) = raw.split_once('?') {
                let query = query.split('#').next().unwrap_or_default();
                for value in query.split('&').filter_map(|pair| pair.split_once('=')).map(|(_, v)| v) {
                    if value.len() > 4 {
                        prop_assert!(!err.message.contains(value), "{}", err.message);
                    }
                }
            }
        }
        if let Err(err) = AdoHost::parse(&raw) {
            prop_assert_eq!(err.exit_code(), 2);
        }
        let _ = validate_org(&raw);
        let _ = validate_collection(&raw);
        let _ = redact_input(&raw);
    }

    #[test]
    fn runner_public_keys(
        raw in prop_oneof![
            "[A-Za-z0-9+/=_-]{0,64}",
            "@[a-z]{0,8}",
            any::<String>(),
        ],
        file in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..80),
            "(-----BEGIN [A-Z ]{0,12}-----\n)?[A-Za-z0-9+/=\n]{0,80}(-----END [A-Z ]{0,12}-----)?"
                .prop_map(String::into_bytes),
        ],
    ) {
        let file = file.clone();
        if let Err(err) = parse_public_key(&raw, move |_| Ok(file.clone())) {
            prop_assert_eq!(err.exit_code(), 2, "{}", err);
        }
    }

    #[test]
    fn entra_error_answers(status in status(), body in error_body()) {
        if let Some(err) = EntraError::parse(status, &body) {
            let _ = err.to_string();
            let _ = format!("{err:?}");
            let _ = (err.code(), err.trace_id(), err.correlation_id(), err.timestamp(), err.ids());
            for flow in [
                ado_scm::clients::entra::Flow::Browser,
                ado_scm::clients::entra::Flow::ClientCredentials,
                ado_scm::clients::entra::Flow::DeviceCode,
            ] {
                let _ = err.to_error(flow).to_string();
            }
        }
    }

    #[test]
    fn id_tokens(
        raw in prop_oneof![
            "[A-Za-z0-9_-]{0,40}\\.[A-Za-z0-9_-]{0,60}\\.[A-Za-z0-9_-]{0,40}",
            any::<String>(),
        ],
    ) {
        let jwks: Jwks = serde_json::from_value(serde_json::json!({"keys": [
            {"kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB"},
        ]}))
        .unwrap();
        let expected = Expected {
            issuer: "https://login.microsoftonline.com/x/v2.0",
            audience: "client",
            nonce: Some("n"),
            now: chrono::DateTime::from_timestamp(1_735_689_600, 0).unwrap(),
        };
        prop_assert!(verify(&raw, &jwks, &expected).is_err());
    }
}

/// TOML-shaped text: known and unknown keys with values of every kind, broken lines, tables.
fn toml_like() -> impl Strategy<Value = String> {
    let value = prop_oneof![
        "\"[^\"\\\\\n]{0,12}\"",
        "'[^'\n]{0,12}'",
        "-?[0-9]{1,20}",
        "[0-9]{1,4}\\.[0-9]{1,6}",
        "(true|false)",
        "\\[[0-9, \"a]{0,10}\\]",
        "\\{ ?[a-z]{1,4} = [0-9]{1,3} ?\\}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?",
        ".{0,8}",
    ];
    let key = prop_oneof![
        Just("runner".to_string()),
        Just("store".to_string()),
        Just("gitpod_url".to_string()),
        Just("\"gitpod-token:https://app.gitpod.io/api\"".to_string()),
        "[a-z_]{1,10}",
        "\"[^\"\n]{0,10}\"",
    ];
    prop_oneof![
        prop::collection::vec((key, value), 0..6).prop_map(|lines| {
            lines
                .into_iter()
                .map(|(k, v)| format!("{k} = {v}\n"))
                .collect::<String>()
        }),
        "(\\[[a-z.]{0,8}\\]\n)?([a-z]{1,6} ?=? ?.{0,10}\n){0,4}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn config_and_credentials_files(text in toml_like(), bytes in prop::collection::vec(any::<u8>(), 0..48)) {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.toml");
        for contents in [text.as_bytes(), &bytes[..]] {
            std::fs::write(&config, contents).unwrap();
            if let Err(err) = ado_scm::config::load(&config) {
                prop_assert!(err.message.starts_with("config file "), "{}", err.message);
            }
            let store = FileStore::new(dir.path().join("credentials.toml"));
            std::fs::write(store.path(), contents).unwrap();
            let key = SecretKey::GitpodToken { gitpod_url: "https://app.gitpod.io/api".into() };
            if let Err(err) = store.get(&key) {
                prop_assert!(err.message.starts_with("credentials file "), "{}", err.message);
            }
        }
    }
}

/// One HTTP stand-in for the cases of a test: answers every request with the current case's
/// status and body.
struct Answering {
    server: Arc<tiny_http::Server>,
    answer: Arc<Mutex<(u16, Vec<u8>)>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Answering {
    fn start() -> Answering {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let answer = Arc::new(Mutex::new((200, Vec::new())));
        let thread = {
            let (server, answer) = (server.clone(), answer.clone());
            std::thread::spawn(move || {
                while let Ok(mut request) = server.recv() {
                    let mut body = Vec::new();
                    let _ = request.as_reader().read_to_end(&mut body);
                    let (status, bytes) = answer.lock().unwrap().clone();
                    let header =
                        tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap();
                    let _ = request.respond(
                        tiny_http::Response::from_data(bytes)
                            .with_status_code(status)
                            .with_header(header),
                    );
                }
            })
        };
        Answering {
            server,
            answer,
            thread: Some(thread),
        }
    }

    fn base(&self) -> Url {
        let port = self.server.server_addr().to_ip().unwrap().port();
        Url::parse(&format!("http://127.0.0.1:{port}/")).unwrap()
    }

    fn set(&self, status: u16, body: Vec<u8>) {
        *self.answer.lock().unwrap() = (status, body);
    }
}

impl Drop for Answering {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The real HTTP client, one attempt per call (no retry waits).
fn http() -> Http {
    let clock = Arc::new(FakeClock::new(
        chrono::DateTime::from_timestamp(1_735_689_600, 0).unwrap(),
    ));
    let policy = HttpPolicy {
        max_attempts: 1,
        ..HttpPolicy::default()
    };
    Http::new(clock, policy).unwrap()
}

proptest! {
    #![proptest_config(cases(128))]

    /// The Graph and Gitpod (Connect) error parsers are private to their clients: they are
    /// reached through a call of each client that the stand-in answers with the case.
    #[test]
    fn graph_and_gitpod_answers(status in status(), body in error_body()) {
        thread_local! {
            static SERVER: Answering = Answering::start();
            static HTTP: Http = http();
        }
        SERVER.with(|server| HTTP.with(|http| {
            server.set(status, body.clone());
            let graph = GraphClient::new(http, server.base(), Secret::new("token"));
            if let Err(err) = graph.find_application_by_app_id("00000000-0000-0000-0000-000000000001") {
                let _ = (err.to_string(), err.to_json());
                let _ = (err.code(), err.status());
            }
            let gitpod = GitpodClient::new(http, server.base(), Secret::new("token"));
            if let Err(err) = gitpod.get_runner("r1") {
                let _ = (err.to_string(), err.to_json());
                let _ = err.code();
            }
        }));
    }
}
