//! `ado-scm login pat`: what the runner and Azure DevOps receive, and what they must not.

use ado_scm_sandbox::{hash_secret, seed, Fault, FaultKind, Realism};
use predicates::str::contains;

use crate::support::{stdout_json, text, TestEnv, LOGIN_PAT_ARGS};

fn login_pat(env: &TestEnv, pat: &str) -> assert_cmd::assert::Assert {
    env.cmd()
        .args(LOGIN_PAT_ARGS)
        .args(["--with-token", "--json"])
        .write_stdin(format!("{pat}\n"))
        .assert()
}

#[test]
fn a_valid_pat_reaches_the_runner_as_the_callers_host_token() {
    let env = TestEnv::new();
    let output = login_pat(&env, seed::PAT_VALID)
        .success()
        .get_output()
        .clone();
    let doc = stdout_json(&output);
    assert_eq!(doc["authenticated"], true);
    assert_eq!(doc["method"], "pat");

    let tokens = env.host_tokens();
    assert_eq!(tokens.len(), 1, "one host token: {tokens:#?}");
    let token = &tokens[0];
    assert_eq!(token["runnerId"], seed::RUNNER_READY_ID);
    assert_eq!(token["host"], "dev.azure.com");
    assert_eq!(token["source"], "HOST_AUTHENTICATION_TOKEN_SOURCE_PAT");
    assert_eq!(token["subject"]["id"], seed::ALICE_USER_ID);
    assert_eq!(token["subject"]["principal"], "PRINCIPAL_USER");
    let integration_id = env
        .integrations_of(seed::RUNNER_READY_ID)
        .into_iter()
        .find(|i| i["host"] == "dev.azure.com")
        .map(|i| i["id"].clone())
        .expect("seeded integration");
    assert_eq!(token["integrationId"], integration_id);

    // The runner received exactly the PAT that was typed (the log holds its hash).
    let creates = env.gitpod_calls("CreateHostAuthenticationToken");
    assert_eq!(creates.len(), 1);
    let body = creates[0].body.as_ref().expect("JSON body");
    assert_eq!(body["token"], hash_secret(seed::PAT_VALID));
    assert_eq!(body["source"], "HOST_AUTHENTICATION_TOKEN_SOURCE_PAT");

    // Azure DevOps saw the PAT first, as Basic auth, with the redirect suppressed.
    let ado: Vec<_> = env
        .requests()
        .into_iter()
        .filter(|r| r.service == "ado")
        .collect();
    assert!(
        ado.iter().any(|r| r.path == "/acme/_apis/connectionData"),
        "{ado:#?}"
    );
    assert!(
        ado.iter().any(|r| r.path == "/acme/_apis/git/repositories"),
        "{ado:#?}"
    );
    for r in &ado {
        assert_eq!(
            r.headers.get("x-tfs-fedauthredirect").map(String::as_str),
            Some("Suppress")
        );
    }
    let first_ado = env
        .requests()
        .iter()
        .position(|r| r.service == "ado")
        .unwrap();
    let first_create = env
        .requests()
        .iter()
        .position(|r| r.path.ends_with("/CreateHostAuthenticationToken"))
        .unwrap();
    assert!(
        first_ado < first_create,
        "the PAT is checked before the runner gets it"
    );
}

#[test]
fn running_login_again_replaces_the_token_instead_of_adding_one() {
    let env = TestEnv::new();
    login_pat(&env, seed::PAT_VALID).success();
    login_pat(&env, seed::PAT_VALID).success();
    let tokens = env.host_tokens();
    assert_eq!(tokens.len(), 1, "{tokens:#?}");
}

#[test]
fn a_rejected_pat_exits_3_and_nothing_reaches_the_runner() {
    let env = TestEnv::new();
    login_pat(&env, seed::PAT_EXPIRED)
        .code(3)
        .stderr(contains("Azure DevOps rejected the PAT"));
    assert!(env.gitpod_calls("CreateHostAuthenticationToken").is_empty());
    assert!(env.host_tokens().is_empty());
}

#[test]
fn an_unknown_pat_is_rejected_too() {
    let env = TestEnv::new();
    login_pat(
        &env,
        "notarealpatatall0000000000000000000000000000000000000",
    )
    .code(3)
    .stdout(contains("\"kind\": \"auth\""));
    assert!(env.gitpod_calls("CreateHostAuthenticationToken").is_empty());
}

#[test]
fn a_pat_without_the_code_scope_exits_3_naming_the_scope() {
    let env = TestEnv::new();
    login_pat(&env, seed::PAT_NO_CODE_SCOPE)
        .code(3)
        .stderr(contains("Code (Read & write)"));
    assert!(env.gitpod_calls("CreateHostAuthenticationToken").is_empty());
    assert!(env.host_tokens().is_empty());
}

#[test]
fn the_runner_refusing_the_token_exits_1_with_its_message() {
    let env = TestEnv::new();
    env.sandbox.inject(Fault::new(
        Some("gitpod"),
        "CreateHostAuthenticationToken",
        FaultKind::Status(409),
        1,
    ));
    let out = login_pat(&env, seed::PAT_VALID)
        .code(1)
        .get_output()
        .clone();
    let err = text(&out.stderr);
    assert!(err.contains("Gitpod API"), "{err}");
    assert!(env.host_tokens().is_empty());
    // A refusal (not a lost answer) is final: sent once.
    assert_eq!(env.gitpod_calls("CreateHostAuthenticationToken").len(), 1);
}

#[test]
fn a_lost_answer_to_the_hand_over_is_read_back_and_never_stores_two_tokens() {
    for (kind, sent) in [
        // The runner failed before storing it: read back, nothing there, sent again.
        (FaultKind::Status(503), 2),
        // Stored, then the answer was lost: read back, found, not sent again.
        (FaultKind::StatusAfter(503), 1),
        (FaultKind::ResetAfter, 1),
    ] {
        let env = TestEnv::new();
        env.sandbox.inject(Fault::new(
            Some("gitpod"),
            "CreateHostAuthenticationToken",
            kind.clone(),
            1,
        ));
        login_pat(&env, seed::PAT_VALID).success();
        assert_eq!(env.host_tokens().len(), 1, "{kind:?}");
        assert_eq!(
            env.gitpod_calls("CreateHostAuthenticationToken").len(),
            sent,
            "{kind:?}"
        );
        assert!(
            !env.gitpod_calls("ListHostAuthenticationTokens").is_empty(),
            "read back: {kind:?}"
        );
    }
}

#[test]
fn a_runner_slow_to_show_the_new_token_is_asked_again() {
    let env = TestEnv::new();
    env.sandbox.set_realism(Realism {
        gitpod_read_lag: 2,
        ..Realism::default()
    });
    login_pat(&env, seed::PAT_VALID).success();
    assert_eq!(env.host_tokens().len(), 1);
    let checks = env.gitpod_calls("CheckAuthenticationForHost");
    assert!(
        checks.len() >= 3,
        "asked until the write showed: {}",
        checks.len()
    );
}

#[test]
fn reads_are_retried_after_a_503() {
    let env = TestEnv::new();
    env.sandbox.inject(Fault::new(
        Some("gitpod"),
        "ListSCMIntegrations",
        FaultKind::Status(503),
        2,
    ));
    login_pat(&env, seed::PAT_VALID).success();
    assert_eq!(env.gitpod_calls("ListSCMIntegrations").len(), 3);
    assert_eq!(env.host_tokens().len(), 1);
}

#[test]
fn an_empty_pat_on_stdin_is_a_usage_error_before_any_check() {
    let env = TestEnv::new();
    login_pat(&env, "  ")
        .code(2)
        .stderr(contains("the PAT is empty"));
    assert!(env.requests().iter().all(|r| r.service != "ado"));
    assert!(env.mutating_requests().is_empty());
}

#[test]
fn azure_devops_server_pats_are_checked_against_the_collection() {
    let env = TestEnv::new();
    env.login_pat_for(seed::ADO_SERVER_HOST, "DefaultCollection")
        .success();
    let ado: Vec<_> = env
        .requests()
        .into_iter()
        .filter(|r| r.service == "ado")
        .collect();
    assert!(
        ado.iter()
            .any(|r| r.path == "/tfs/DefaultCollection/_apis/connectionData"),
        "{ado:#?}"
    );
    let tokens = env.host_tokens();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["host"], seed::ADO_SERVER_HOST);
}

#[test]
fn no_secret_appears_in_any_output_file_or_log() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .arg("-vv")
        .args(LOGIN_PAT_ARGS)
        .arg("--with-token")
        .write_stdin(seed::PAT_VALID)
        .assert()
        .success()
        .get_output()
        .clone();
    let status = env.cmd().args(["status", "--json", "-v"]).output().unwrap();
    let files = crate::support::all_file_text(env.home.path());
    for secret in [seed::PAT_VALID, seed::ALICE_API_KEY] {
        for (what, haystack) in [
            ("stdout", text(&out.stdout)),
            ("stderr", text(&out.stderr)),
            ("status stdout", text(&status.stdout)),
            ("status stderr", text(&status.stderr)),
            ("files under HOME", files.clone()),
        ] {
            assert!(!haystack.contains(secret), "a secret leaked into {what}");
        }
    }
    // -v did log the requests (so the check above looked at real log lines).
    assert!(text(&out.stderr).contains("POST"), "{}", text(&out.stderr));
}

#[test]
fn the_defaults_of_a_successful_login_are_saved_without_secrets() {
    let env = TestEnv::new();
    login_pat(&env, seed::PAT_VALID).success();
    let saved = std::fs::read_to_string(env.config_path()).expect("config written");
    assert!(saved.contains(seed::RUNNER_READY_ID), "{saved}");
    assert!(saved.contains("dev.azure.com"), "{saved}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(env.config_path())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The next run needs no flags for runner and host.
    env.cmd()
        .args(["login", "pat", "--with-token"])
        .write_stdin(seed::PAT_VALID)
        .assert()
        .success();
}
