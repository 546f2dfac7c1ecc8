//! `ado-scm login oauth`: the runner's consent URL, the wait, the result. The "browser" here is
//! the test itself following the runner's `authUrl` (the Entra stand-in approves the seeded
//! user); the real-component suite does the same with Chromium.

use std::time::{Duration, Instant};

use ado_scm_sandbox::seed;
use predicates::str::contains;

use crate::support::{spawn_piped, stdout_json, TestEnv, LOGIN_OAUTH_ARGS};

/// Asks the runner, as Alice, for the OAuth URL of a host.
pub(crate) fn auth_url(env: &TestEnv, host: &str) -> String {
    let answer = env.gitpod_rpc(
        seed::ALICE_API_KEY,
        "gitpod.v1.RunnerService/CheckAuthenticationForHost",
        serde_json::json!({ "runnerId": seed::RUNNER_READY_ID, "host": host }),
    );
    answer["supportsOauth2"]["authUrl"]
        .as_str()
        .expect("the seeded integration offers OAuth")
        .to_string()
}

#[test]
fn login_oauth_waits_until_the_runner_reports_the_consent() {
    let env = TestEnv::new();
    let mut child =
        spawn_piped(
            env.std_cmd()
                .args(LOGIN_OAUTH_ARGS)
                .args(["--timeout", "60", "--json"]),
        );

    // The person in the browser, once ado-scm waits (it has read the tokens the runner holds,
    // then printed the URL): runner → Entra (approves) → the runner's callback.
    let waiting = Instant::now();
    while env.gitpod_calls("ListHostAuthenticationTokens").len() < 2 {
        assert!(
            waiting.elapsed() < Duration::from_secs(30),
            "it never waited"
        );
        std::thread::yield_now();
    }
    let url = auth_url(&env, "dev.azure.com");
    let page = reqwest::blocking::get(&url).unwrap();
    assert!(
        page.status().is_success(),
        "consent leg failed: {}",
        page.status()
    );

    let started = Instant::now();
    let output = loop {
        if let Some(_status) = child.try_wait().unwrap() {
            break child.wait_with_output().unwrap();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "login oauth never finished"
        );
        std::thread::yield_now();
    };
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let doc = stdout_json(&output);
    assert_eq!(doc["authenticated"], true);
    assert_eq!(doc["method"], "oauth");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/auth/oauth2/start"),
        "the URL is printed: {stderr}"
    );

    let tokens = env.host_tokens();
    assert_eq!(tokens.len(), 1, "{tokens:#?}");
    assert_eq!(
        tokens[0]["source"],
        "HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH"
    );
    assert_eq!(tokens[0]["host"], "dev.azure.com");
    // ado-scm itself only asked; it never created a token for OAuth.
    assert!(env.gitpod_calls("CreateHostAuthenticationToken").is_empty());
}

#[test]
fn login_oauth_on_a_pat_only_integration_suggests_login_pat() {
    let env = TestEnv::new();
    env.cmd()
        .args([
            "login",
            "oauth",
            "--runner",
            seed::RUNNER_READY_ID,
            "--host",
            seed::ADO_SERVER_HOST,
        ])
        .assert()
        .code(2)
        .stderr(contains("login pat"));
    assert!(env.mutating_requests().is_empty());
}

#[test]
fn login_without_a_method_picks_the_only_one_offered() {
    let env = TestEnv::new();
    // The Server integration offers only PATs: `login` goes straight to the PAT flow.
    env.cmd()
        .args([
            "login",
            "--runner",
            seed::RUNNER_READY_ID,
            "--host",
            seed::ADO_SERVER_HOST,
            "--org",
            "DefaultCollection",
        ])
        .assert()
        .code(2)
        .stderr(contains("--with-token"));
}

#[test]
fn a_pat_in_place_is_not_taken_for_the_entra_sign_in() {
    let env = TestEnv::new();
    let mut pat = env.cmd();
    pat.args(crate::support::LOGIN_PAT_ARGS)
        .arg("--with-token")
        .write_stdin(seed::PAT_VALID);
    pat.assert().success();
    env.sandbox.clear_requests();
    let mut child =
        spawn_piped(
            env.std_cmd()
                .args(LOGIN_OAUTH_ARGS)
                .args(["--timeout", "60", "--json"]),
        );
    // Authenticated already (the PAT), but no consent yet: it keeps waiting.
    let started = Instant::now();
    while env.gitpod_calls("ListHostAuthenticationTokens").len() < 5 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "it never polled"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "it stopped before any consent"
        );
        std::thread::yield_now();
    }
    assert!(
        child.try_wait().unwrap().is_none(),
        "a PAT was taken for the sign-in"
    );
    // The consent in the browser: then it ends, signed in through OAuth.
    let page = reqwest::blocking::get(auth_url(&env, "dev.azure.com")).unwrap();
    assert!(page.status().is_success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(stdout_json(&output)["method"], "oauth");
    assert!(env
        .host_tokens()
        .iter()
        .any(|t| t["source"] == "HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH"));
}

#[test]
fn signed_in_through_entra_already_says_so_and_opens_nothing() {
    let env = TestEnv::new();
    // The consent, as the browser would make it, before ado-scm is run at all.
    let page = reqwest::blocking::get(auth_url(&env, "dev.azure.com")).unwrap();
    assert!(page.status().is_success());
    let mut cmd = env.cmd();
    cmd.args(LOGIN_OAUTH_ARGS)
        .arg("--json")
        // Were it to wait for a consent after all, it would give up (exit 3) soon.
        .args(["--timeout", "5"]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc = stdout_json(&out);
    assert_eq!(doc["already"], true);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("ado-scm logout --runner"), "{stderr}");
}
