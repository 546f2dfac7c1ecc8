//! The harness every CLI test uses: a fresh sandbox, a private HOME, and the real `ado-scm`
//! binary pointed at the sandbox with nothing inherited from the developer's environment.

use std::path::{Path, PathBuf};

use ado_scm_sandbox::{seed, LoggedRequest, Realism, Sandbox};
use assert_cmd::Command;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use url::Url;

/// `login pat` for the seeded ready runner on dev.azure.com and the seeded organization: the
/// sign-in most tests run (the caller adds `--with-token`, `--json`, …).
pub const LOGIN_PAT_ARGS: [&str; 8] = [
    "login",
    "pat",
    "--runner",
    seed::RUNNER_READY_ID,
    "--host",
    "dev.azure.com",
    "--org",
    seed::ADO_ORG,
];

/// The delegated Graph permissions an admin signs in with to manage app registrations.
const ADMIN_SCOPE: &str = "https://graph.microsoft.com/Application.ReadWrite.All \
     https://graph.microsoft.com/DelegatedPermissionGrant.ReadWrite.All offline_access openid profile";
const LOOPBACK: &str = "http://localhost:53117";

/// The seeded admin's delegated Graph token, the way an admin's own script (or `setup`) gets
/// one: the Graph tools' public client, authorization code with PKCE (the sandbox signs the
/// admin in at once).
pub fn admin_graph_token(sandbox: &Sandbox) -> String {
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let verifier = URL_SAFE_NO_PAD.encode([7u8; 32]);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let authority = format!(
        "{}/{}/oauth2/v2.0",
        sandbox.authority_url(),
        seed::TENANT_ID
    );
    let response = client
        .get(format!("{authority}/authorize"))
        .query(&[
            ("client_id", seed::GRAPH_CLI_CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", LOOPBACK),
            ("response_mode", "query"),
            ("scope", ADMIN_SCOPE),
            ("state", "st4te"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 302);
    let location = Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    let body: Value = client
        .post(format!("{authority}/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", seed::GRAPH_CLI_CLIENT_ID),
            ("code", &code),
            ("redirect_uri", LOOPBACK),
            ("code_verifier", &verifier),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    body["access_token"].as_str().expect("access token").into()
}

pub struct TestEnv {
    pub sandbox: Sandbox,
    pub home: TempDir,
}

impl TestEnv {
    /// A fresh sandbox. With `ADO_SCM_TEST_REALISM=1` (the second pass of `scripts/test`) its
    /// timing realism is on ([`Realism::typical`]): new objects propagate slowly, reads lag
    /// writes, as the real services may.
    pub fn new() -> Self {
        let sandbox = Sandbox::start();
        if realism_pass() {
            sandbox.set_realism(Realism::typical());
        }
        TestEnv {
            sandbox,
            home: tempfile::tempdir().expect("temp HOME"),
        }
    }

    pub fn config_dir(&self) -> PathBuf {
        self.home.path().join("config").join("ado-scm")
    }

    pub fn config_path(&self) -> PathBuf {
        self.config_dir().join("config.toml")
    }

    /// `ado-scm` with the sandbox's URLs, a private HOME, the file store, Alice's API key and
    /// no retry waits. Nothing from the caller's environment leaks in.
    pub fn cmd(&self) -> Command {
        let mut cmd = self.bare_cmd();
        cmd.env("GITPOD_API_KEY", seed::ALICE_API_KEY);
        cmd
    }

    /// Like [`TestEnv::cmd`] without any Gitpod API token.
    pub fn bare_cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("ado-scm").expect("ado-scm binary");
        cmd.env_clear().envs(self.base_env());
        cmd
    }

    /// The binary as a plain `std::process::Command` (for a pseudo-terminal or a child the
    /// test talks to while it runs), with Alice's API key and the same clean environment.
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ado-scm"));
        cmd.env_clear()
            .envs(self.base_env())
            .env("TERM", "xterm-256color")
            .env("GITPOD_API_KEY", seed::ALICE_API_KEY);
        cmd
    }

    /// The environment every run gets: a private HOME, the file store, the sandbox's URLs, no
    /// browser and no retry waits.
    fn base_env(&self) -> Vec<(String, String)> {
        let home = self.home.path();
        let mut env = vec![
            (
                "PATH".to_string(),
                std::env::var("PATH").unwrap_or_default(),
            ),
            ("HOME".to_string(), home.display().to_string()),
            (
                "XDG_CONFIG_HOME".to_string(),
                home.join("config").display().to_string(),
            ),
            ("ADO_SCM_STORE".to_string(), "file".to_string()),
            ("ADO_SCM_RETRY_SLEEP_MS".to_string(), "0".to_string()),
            ("ADO_SCM_NO_BROWSER".to_string(), "1".to_string()),
        ];
        env.extend(self.sandbox.env());
        env
    }

    /// [`admin_graph_token`] from this sandbox.
    pub fn admin_graph_token(&self) -> String {
        admin_graph_token(&self.sandbox)
    }

    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.sandbox.requests()
    }

    /// Requests to a Gitpod method, e.g. `CreateHostAuthenticationToken`.
    pub fn gitpod_calls(&self, method: &str) -> Vec<LoggedRequest> {
        let suffix = format!("/{method}");
        self.requests()
            .into_iter()
            .filter(|r| r.service == "gitpod" && r.path.ends_with(&suffix))
            .collect()
    }

    /// Every request that could change state on a service.
    pub fn mutating_requests(&self) -> Vec<LoggedRequest> {
        const READS: [&str; 9] = [
            "/ListRunners",
            "/GetRunner",
            "/CheckAuthenticationForHost",
            "/GetAuthenticatedIdentity",
            "/ListSCMIntegrations",
            "/ListHostAuthenticationTokens",
            "/GetRunnerConfigurationSchema",
            "/ValidateRunnerConfiguration",
            "/GetSCMIntegration",
        ];
        self.requests()
            .into_iter()
            .filter(|r| {
                let read = r.method == "GET"
                    || r.path.starts_with("/_sandbox")
                    || READS.iter().any(|m| r.path.ends_with(m))
                    || (r.service == "entra" && r.path.ends_with("/token"));
                !read
            })
            .collect()
    }

    /// The changing requests the services carried out (answered 2xx). An upsert of a service
    /// principal that already existed (204) is left out: it changes nothing, and a re-run whose
    /// reads lag behind (the realism pass) cannot see the principal to skip it.
    pub fn effective_writes(&self) -> Vec<LoggedRequest> {
        self.mutating_requests()
            .into_iter()
            .filter(|r| r.status.is_some_and(|s| (200..300).contains(&s)))
            .filter(|r| {
                !(r.status == Some(204)
                    && r.method == "PATCH"
                    && r.path.contains("servicePrincipals(appId="))
            })
            .collect()
    }

    /// Asserts that no request that could change anything was sent.
    pub fn assert_nothing_sent_that_changes(&self) {
        let sent = self.mutating_requests();
        assert!(sent.is_empty(), "{sent:#?}");
    }

    /// Asserts that no changing request was carried out ([`TestEnv::effective_writes`]).
    pub fn assert_nothing_changed(&self) {
        let done = self.effective_writes();
        assert!(done.is_empty(), "{done:#?}");
    }

    pub fn state(&self) -> Value {
        self.sandbox.state()
    }

    /// The SCM integrations the Gitpod stand-in holds for a runner.
    pub fn integrations_of(&self, runner_id: &str) -> Vec<Value> {
        self.state()["gitpod"]["integrations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["runnerId"] == runner_id)
            .cloned()
            .collect()
    }

    /// Every host authentication token the Gitpod stand-in holds (the seed gives Bob one).
    pub fn all_host_tokens(&self) -> Vec<Value> {
        self.state()["gitpod"]["hostTokens"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The host authentication tokens of Alice, whose API key [`TestEnv::cmd`] uses.
    pub fn host_tokens(&self) -> Vec<Value> {
        self.all_host_tokens()
            .into_iter()
            .filter(|t| t["subject"]["id"] == seed::ALICE_USER_ID)
            .collect()
    }
}

/// The run with the sandbox's timing realism on (`ADO_SCM_TEST_REALISM=1`).
pub fn realism_pass() -> bool {
    std::env::var_os("ADO_SCM_TEST_REALISM").is_some_and(|v| v == "1")
}

/// Runs a command that prints one JSON document: (exit code, the document, stderr).
pub fn run_json(mut cmd: Command) -> (i32, Value, String) {
    let out = cmd.output().unwrap();
    let code = out.status.code().expect("an exit code");
    (code, stdout_json(&out), text(&out.stderr))
}

pub fn stdout_json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is not one JSON document ({err}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every file under a directory, recursively, as text (lossy).
pub fn all_file_text(dir: &Path) -> String {
    let mut out = String::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.push_str(&all_file_text(&path));
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.push_str(&String::from_utf8_lossy(&bytes));
            }
        }
    }
    out
}
