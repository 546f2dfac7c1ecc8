//! No redirect is followed, by any client: a token, a PAT, a code or a client secret must never
//! travel to where a redirect points. Each test puts a local server in front of one service that
//! answers every request with a redirect to a second local server, which would answer; the second
//! server must receive nothing. (A redirect to a host that does not resolve would prove nothing:
//! a followed redirect would fail there too.)

use std::sync::Arc;

use ado_scm::clients::entra;
use ado_scm::clients::entra::issuer::{discover, parse_issuer};
use ado_scm::clients::entra::{refresh, PublicClient};
use ado_scm::clock::FakeClock;
use ado_scm::flows::graph_signin::{graph_scopes, GRAPH_CLI_CLIENT_ID};
use ado_scm::http::{Http, HttpPolicy};
use ado_scm::secret::Secret;
use ado_scm_sandbox::seed;
use serde_json::json;
use url::Url;

use crate::support::local_server::{Answer, LocalServer};
use crate::support::{text, TestEnv, LOGIN_PAT_ARGS};

/// Every redirect status a server may send.
const REDIRECTS: [u16; 5] = [301, 302, 303, 307, 308];

/// A server that would answer anything (200, an empty JSON object), and one in front of it that
/// redirects every request there, same path, with `status`.
struct Detour {
    front: LocalServer,
    elsewhere: LocalServer,
}

impl Detour {
    fn new(status: u16) -> Detour {
        let elsewhere = LocalServer::start(|_| Answer::json(200, &json!({})));
        let target = elsewhere.url().to_string();
        let front = LocalServer::start(move |request| {
            Answer::redirect(status, &format!("{target}{}", request.target))
        });
        Detour { front, elsewhere }
    }

    /// The redirect was sent (so the test saw one) and not followed.
    fn assert_not_followed(&self, what: &str) {
        assert!(
            !self.front.received().is_empty(),
            "{what}: the client never asked the redirecting server"
        );
        assert!(
            self.elsewhere.received().is_empty(),
            "{what}: a redirect was followed: {:#?}",
            self.elsewhere.received()
        );
    }
}

#[test]
fn the_gitpod_api_redirecting_is_an_error_and_not_followed() {
    let env = TestEnv::new();
    for status in REDIRECTS {
        let detour = Detour::new(status);
        let out = env
            .cmd()
            .args(["status", "--runner", seed::RUNNER_READY_ID])
            .args(["--gitpod-url", detour.front.url()])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{status}: {}",
            text(&out.stderr)
        );
        detour.assert_not_followed(&format!("Gitpod API, {status}"));
    }
}

#[test]
fn azure_devops_redirecting_rejects_the_pat_and_is_not_followed() {
    let env = TestEnv::new();
    for status in REDIRECTS {
        let detour = Detour::new(status);
        let out = env
            .cmd()
            .args(LOGIN_PAT_ARGS)
            .args(["--with-token", "--ado-url", detour.front.url()])
            .write_stdin(seed::PAT_VALID)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(3),
            "{status}: {}",
            text(&out.stderr)
        );
        detour.assert_not_followed(&format!("Azure DevOps, {status}"));
    }
    assert!(env.gitpod_calls("CreateHostAuthenticationToken").is_empty());
    assert!(env.host_tokens().is_empty());
}

#[test]
fn microsoft_graph_redirecting_stops_setup_and_is_not_followed() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    for status in REDIRECTS {
        let detour = Detour::new(status);
        let out = crate::setup::setup(&env, &token, &["--graph-url", detour.front.url()])
            .output()
            .unwrap();
        assert_ne!(
            out.status.code(),
            Some(0),
            "{status}: {}",
            text(&out.stderr)
        );
        detour.assert_not_followed(&format!("Microsoft Graph, {status}"));
        // The bearer token went to the redirecting server only.
        for request in detour.front.received() {
            assert_eq!(
                request
                    .headers
                    .iter()
                    .find(|(n, _)| n == "authorization")
                    .map(|(_, v)| v.as_str()),
                Some(format!("Bearer {token}").as_str())
            );
        }
    }
    assert!(
        env.mutating_requests().is_empty(),
        "{:#?}",
        env.mutating_requests()
    );
    assert!(env.integrations_of(seed::RUNNER_FRESH_ID).is_empty());
}

/// The HTTP client the binary uses, on a clock that never sleeps.
fn http() -> Http {
    let clock = Arc::new(FakeClock::new(chrono::Utc::now()));
    Http::new(clock, HttpPolicy::default()).expect("HTTP client")
}

#[test]
fn entras_token_endpoint_redirecting_is_an_error_and_not_followed() {
    let env = TestEnv::new();
    let http = http();
    for status in REDIRECTS {
        let detour = Detour::new(status);
        let token_endpoint = Url::parse(&format!(
            "{}/{}/oauth2/v2.0/token",
            detour.front.url(),
            seed::TENANT_ID
        ))
        .unwrap();

        // Client credentials: the client secret.
        let err = entra::client_credentials(
            &http,
            &token_endpoint,
            seed::SEEDED_APP_CLIENT_ID,
            &Secret::new(seed::SEEDED_APP_SECRET),
            entra::ADO_DEFAULT_SCOPE,
        )
        .unwrap_err();
        assert!(!err.to_string().contains(seed::SEEDED_APP_SECRET), "{err}");

        // A refresh: the refresh token.
        let authority = Url::parse(&env.sandbox.authority_url()).unwrap();
        let issuer = parse_issuer(
            &format!("{}/{}/v2.0", env.sandbox.authority_url(), seed::TENANT_ID),
            Some(&authority),
        )
        .unwrap();
        let mut discovery = discover(&http, &issuer).unwrap();
        discovery.token_endpoint = token_endpoint.clone();
        let client = PublicClient::new(GRAPH_CLI_CLIENT_ID, discovery);
        refresh(
            &http,
            &client,
            &Secret::new("a-refresh-token-that-must-stay-here"),
            &graph_scopes(false),
        )
        .unwrap_err();

        detour.assert_not_followed(&format!("Entra token endpoint, {status}"));
        let posts = detour.front.received();
        assert_eq!(posts.len(), 2, "{posts:#?}");
        assert!(posts.iter().all(|r| r.method == "POST"));
    }
}
