//! `ado-scm status` and `ado-scm logout`, before and after a login.

use ado_scm_sandbox::seed;

use crate::support::{stdout_json, TestEnv, LOGIN_PAT_ARGS};

fn status(env: &TestEnv) -> (i32, serde_json::Value) {
    let out = env
        .cmd()
        .args([
            "status",
            "--runner",
            seed::RUNNER_READY_ID,
            "--host",
            "dev.azure.com",
            "--json",
        ])
        .output()
        .unwrap();
    (out.status.code().unwrap(), stdout_json(&out))
}

fn login(env: &TestEnv, api_key: &str) {
    env.cmd()
        .env("GITPOD_API_KEY", api_key)
        .args(LOGIN_PAT_ARGS)
        .arg("--with-token")
        .write_stdin(seed::PAT_VALID)
        .assert()
        .success();
}

#[test]
fn status_before_and_after_login_and_logout() {
    let env = TestEnv::new();
    let (code, doc) = status(&env);
    assert_eq!(code, 3, "{doc}");
    assert_eq!(doc["hosts"][0]["authenticated"], false);
    assert_eq!(doc["hosts"][0]["host"], "dev.azure.com");
    let methods = doc["hosts"][0]["methods"].as_array().unwrap();
    assert!(
        methods.contains(&"pat".into()) && methods.contains(&"oauth".into()),
        "{doc}"
    );

    login(&env, seed::ALICE_API_KEY);
    let (code, doc) = status(&env);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["hosts"][0]["authenticated"], true);
    assert_eq!(doc["hosts"][0]["via"], "pat");
    assert_eq!(doc["all_authenticated"], true);

    let out = env
        .cmd()
        .args([
            "logout",
            "--runner",
            seed::RUNNER_READY_ID,
            "--host",
            "dev.azure.com",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc = stdout_json(&out);
    assert_eq!(doc["removed"].as_array().unwrap().len(), 1, "{doc}");
    assert!(env.host_tokens().is_empty());
    assert_eq!(env.gitpod_calls("DeleteHostAuthenticationToken").len(), 1);

    let (code, doc) = status(&env);
    assert_eq!(code, 3, "{doc}");
}

#[test]
fn logout_removes_only_your_own_tokens() {
    let env = TestEnv::new();
    login(&env, seed::ALICE_API_KEY);
    login(&env, seed::BOB_API_KEY);
    let bobs = |env: &TestEnv| {
        env.all_host_tokens()
            .into_iter()
            .filter(|t| t["subject"]["id"] == seed::BOB_USER_ID)
            .count()
    };
    assert!(bobs(&env) >= 1);
    assert_eq!(env.host_tokens().len(), 1);
    env.cmd()
        .env("GITPOD_API_KEY", seed::BOB_API_KEY)
        .args(["logout"])
        .assert()
        .success();
    assert_eq!(bobs(&env), 0, "Bob's own tokens are gone");
    let left = env.host_tokens();
    assert_eq!(left.len(), 1, "Alice's token stays: {left:#?}");
}

#[test]
fn status_table_for_people() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .args(["status", "--runner", seed::RUNNER_READY_ID])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.starts_with("RUNNER"), "{table}");
    assert!(table.contains(seed::RUNNER_READY_NAME), "{table}");
    assert!(table.contains("dev.azure.com"), "{table}");
    assert!(table.contains(seed::ADO_SERVER_HOST), "{table}");
}

#[test]
fn logout_gitpod_forgets_the_stored_token() {
    let env = TestEnv::new();
    // --gitpod-token-stdin stores the token once the Gitpod API has accepted it.
    env.store_gitpod_token(seed::ALICE_API_KEY);
    let creds = env.config_dir().join("credentials.toml");
    assert!(std::fs::read_to_string(&creds)
        .unwrap()
        .contains(seed::ALICE_API_KEY));
    // The stored token works: status runs without GITPOD_API_KEY.
    let out = env
        .bare_cmd()
        .args(["status", "--runner", seed::RUNNER_READY_ID])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    env.bare_cmd()
        .args(["logout", "--gitpod"])
        .assert()
        .success();
    let after = std::fs::read_to_string(&creds).unwrap_or_default();
    assert!(!after.contains(seed::ALICE_API_KEY));
    // Without a token and without a terminal: exit 3 naming GITPOD_API_KEY.
    let out = env.bare_cmd().args(["status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("GITPOD_API_KEY"));
}

#[test]
fn the_environment_token_wins_and_the_stored_one_is_never_overwritten() {
    let env = TestEnv::new();
    env.store_gitpod_token(seed::BOB_API_KEY);
    let creds = env.config_dir().join("credentials.toml");
    let stored = std::fs::read(&creds).unwrap();
    env.sandbox.clear_requests();

    // GITPOD_API_KEY (Alice) takes precedence over the stored token (Bob)...
    login(&env, seed::ALICE_API_KEY);
    let bearer = format!(
        "Bearer {}",
        ado_scm_sandbox::hash_secret(seed::ALICE_API_KEY)
    );
    let gitpod: Vec<_> = env
        .requests()
        .into_iter()
        .filter(|r| r.service == "gitpod")
        .collect();
    assert!(!gitpod.is_empty());
    for r in &gitpod {
        assert_eq!(r.headers.get("authorization"), Some(&bearer), "{}", r.path);
    }
    // ...and is never written to the store.
    assert_eq!(std::fs::read(&creds).unwrap(), stored);
}

#[test]
fn a_corrupt_config_is_reported_with_its_line_and_left_alone() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.config_dir()).unwrap();
    let corrupt = "runner = \"a\"\nhost = = \"x\"\n";
    std::fs::write(env.config_path(), corrupt).unwrap();
    let out = env.cmd().args(["status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.contains(&env.config_path().display().to_string()),
        "{stderr}"
    );
    assert!(first.contains("line 2"), "{stderr}");
    assert_eq!(std::fs::read_to_string(env.config_path()).unwrap(), corrupt);
    assert!(env.requests().is_empty());
}
