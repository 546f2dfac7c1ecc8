//! The harness both integration-test binaries (`tests/cli`, `tests/real`) use: a fresh sandbox,
//! a private HOME, and the real `ado-scm` binary pointed at the sandbox with nothing inherited
//! from the developer's environment.
//!
//! A crate of its own, so that the two binaries share it without including each other's files.

pub mod local_server;
pub mod shared_buffer;
pub mod tls_front;

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

/// `setup` of the seeded fresh runner for the seeded organization, without prompts (the caller
/// adds `--json`, a Graph token, …).
pub const SETUP_FRESH_ARGS: [&str; 6] = [
    "setup",
    "--non-interactive",
    "--runner",
    seed::RUNNER_FRESH_ID,
    "--org",
    seed::ADO_ORG,
];

/// `login oauth` for the seeded ready runner on dev.azure.com (the caller adds `--timeout`,
/// `--json`, …).
pub const LOGIN_OAUTH_ARGS: [&str; 6] = [
    "login",
    "oauth",
    "--runner",
    seed::RUNNER_READY_ID,
    "--host",
    "dev.azure.com",
];

/// Starts `cmd` as a child the test watches while it runs: no stdin, both outputs piped.
pub fn spawn_piped(cmd: &mut std::process::Command) -> std::process::Child {
    cmd.stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start ado-scm")
}

/// The delegated Graph permissions an admin signs in with to manage app registrations.
const ADMIN_SCOPE: &str = "https://graph.microsoft.com/Application.ReadWrite.All \
     https://graph.microsoft.com/DelegatedPermissionGrant.ReadWrite.All offline_access openid profile";
const LOOPBACK: &str = "http://localhost:53117";

/// The seeded admin's delegated Graph token, the way an admin's own script (or `setup`) gets
/// one: the Graph tools' public client, authorization code with PKCE (the sandbox signs the
/// admin in at once).
pub fn admin_graph_token(sandbox: &Sandbox) -> String {
    graph_token(sandbox, ADMIN_SCOPE)
}

/// The seeded admin's delegated Graph token for `scope` (space-separated), as
/// [`admin_graph_token`] gets it.
pub fn graph_token(sandbox: &Sandbox, scope: &str) -> String {
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
            ("scope", scope),
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

impl Default for TestEnv {
    fn default() -> Self {
        TestEnv::new()
    }
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
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("ado-scm"));
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

    /// `login pat` as Alice on the ready runner for `host`, the PAT checked against `org` (an
    /// organization, or a Server collection), the valid PAT on stdin.
    pub fn login_pat_for(&self, host: &str, org: &str) -> assert_cmd::assert::Assert {
        self.cmd()
            .args(["login", "pat", "--runner", seed::RUNNER_READY_ID])
            .args(["--host", host, "--org", org, "--with-token"])
            .write_stdin(seed::PAT_VALID)
            .assert()
    }

    /// Stores `api_key` as the Gitpod token the way a person does once: `--gitpod-token-stdin`
    /// with no token in the environment (the file store keeps it once the Gitpod API accepted
    /// it; `status` itself exits 3, nobody being signed in).
    pub fn store_gitpod_token(&self, api_key: &str) {
        self.bare_cmd()
            .args([
                "--gitpod-token-stdin",
                "status",
                "--runner",
                seed::RUNNER_READY_ID,
            ])
            .write_stdin(format!("{api_key}\n"))
            .assert()
            .code(3);
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

    /// One call of the Gitpod API as the user of `api_key`, the way any other client of the API
    /// makes it (Connect over HTTP with JSON), e.g. to give a user a token ado-scm must leave
    /// alone; `method` is `service/Method` (`gitpod.v1.RunnerService/GetRunner`). Panics unless
    /// the API answers 200; returns its JSON.
    pub fn gitpod_rpc(&self, api_key: &str, method: &str, body: Value) -> Value {
        gitpod_rpc(&self.sandbox.gitpod_url(), api_key, method, body)
    }

    /// A host authentication token that the user of `api_key` (`user_id`) hands to the ready
    /// runner through the API, as the Gitpod UI would; its id.
    pub fn give_host_token(
        &self,
        api_key: &str,
        user_id: &str,
        host: &str,
        source: &str,
    ) -> String {
        let created = self.gitpod_rpc(
            api_key,
            "gitpod.v1.RunnerConfigurationService/CreateHostAuthenticationToken",
            serde_json::json!({
                "runnerId": seed::RUNNER_READY_ID,
                "host": host,
                "token": format!("a-token-for-{host}-of-{user_id}"),
                "source": source,
                "subject": {"id": user_id, "principal": "PRINCIPAL_USER"},
            }),
        );
        created["token"]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no token id in {created}"))
            .to_string()
    }

    /// The objects of the sandbox's state list at `list` (a JSON pointer, e.g.
    /// `/directory/applications`) whose `field` is `value`.
    pub fn state_items(&self, list: &str, field: &str, value: &str) -> Vec<Value> {
        let state = self.state();
        let items = state.pointer(list).and_then(Value::as_array);
        let items = items.unwrap_or_else(|| panic!("no list at {list} in the sandbox's state"));
        items
            .iter()
            .filter(|item| item[field] == value)
            .cloned()
            .collect()
    }

    /// The SCM integrations the Gitpod stand-in holds for a runner.
    pub fn integrations_of(&self, runner_id: &str) -> Vec<Value> {
        self.state_items("/gitpod/integrations", "runnerId", runner_id)
    }

    /// The tenant's service principals of the app whose client id is `app_id`.
    pub fn service_principals_of(&self, app_id: &str) -> Vec<Value> {
        self.state_items("/directory/servicePrincipals", "appId", app_id)
    }

    /// The consent grants whose client is the service principal `sp_id`.
    pub fn grants_of(&self, sp_id: &str) -> Vec<Value> {
        self.state_items("/directory/oauth2PermissionGrants", "clientId", sp_id)
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

/// [`TestEnv::gitpod_rpc`] on the Gitpod API at `gitpod_url`.
pub fn gitpod_rpc(gitpod_url: &str, api_key: &str, method: &str, body: Value) -> Value {
    let answer = reqwest::blocking::Client::new()
        .post(format!("{gitpod_url}/{method}"))
        .bearer_auth(api_key)
        .header("connect-protocol-version", "1")
        .json(&body)
        .send()
        .unwrap_or_else(|e| panic!("{method}: {e}"));
    let status = answer.status().as_u16();
    let text = answer.text().unwrap();
    assert_eq!(status, 200, "{method}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method}: {e}: {text}"))
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

/// The sandbox's Gitpod API behind a stand-in runner that changes one answer: the JSON of
/// CheckAuthenticationForHost goes through `alter` (a hostile runner's PAT or consent page).
/// Everything else is the sandbox's own answer. Pass [`HostileRunner::gitpod_url`] as
/// `--gitpod-url`.
pub struct HostileRunner {
    server: local_server::LocalServer,
}

impl HostileRunner {
    pub fn start(env: &TestEnv, alter: impl Fn(&mut Value) + Send + Sync + 'static) -> Self {
        use local_server::{Answer, LocalServer};
        let sandbox = env.sandbox.gitpod_url();
        let root = sandbox.strip_suffix("/api").unwrap_or(&sandbox).to_string();
        let server = LocalServer::start(move |request| {
            let mut answer = Answer::forwarded(&root, request);
            if request.target.ends_with("/CheckAuthenticationForHost") && answer.status == 200 {
                let mut body: Value = serde_json::from_slice(&answer.body).expect("JSON");
                alter(&mut body);
                answer.body = body.to_string().into_bytes();
            }
            answer
        });
        HostileRunner { server }
    }

    /// The Gitpod API's base URL through the stand-in.
    pub fn gitpod_url(&self) -> String {
        format!("{}/api", self.server.url())
    }
}

/// A `BROWSER` (a script in `dir`) that notes each argument it is given, one per line, in
/// [`RecordingBrowser::opened`]: what ado-scm handed to the browser.
pub struct RecordingBrowser {
    pub command: PathBuf,
    log: PathBuf,
}

impl RecordingBrowser {
    pub fn new(dir: &Path) -> Self {
        use std::os::unix::fs::PermissionsExt;
        let command = dir.join("recording-browser");
        let log = dir.join("browser-opened.txt");
        std::fs::write(
            &command,
            format!(
                "#!/bin/sh\nfor arg in \"$@\"; do printf '%s\\n' \"$arg\" >> '{}'; done\n",
                log.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&command, std::fs::Permissions::from_mode(0o755)).unwrap();
        RecordingBrowser { command, log }
    }

    /// What the browser was given, once it has been started at least once (ado-scm does not
    /// wait for the browser it starts); fails after 10 s.
    pub fn wait_opened(&self) -> Vec<String> {
        let start = std::time::Instant::now();
        loop {
            let opened = self.opened();
            if !opened.is_empty() {
                return opened;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(10),
                "the browser was never started"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Every argument the browser was given so far.
    pub fn opened(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}
