//! Bad input: one clear line, exit 2, and no request that changes anything.

use std::process::Output;

use ado_scm_sandbox::seed;
use predicates::prelude::*;
use predicates::str::contains;
use snapbox::str;

use crate::support::{stdout_json, text, TestEnv, LOGIN_PAT_ARGS};

#[test]
fn non_interactive_without_a_runner_names_the_flag() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .args(["login", "pat", "--with-token"])
        .write_stdin(seed::PAT_VALID)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--runner"),
        "{}",
        text(&out.stderr)
    );
    assert!(env.mutating_requests().is_empty());
}

#[test]
fn non_interactive_without_a_pat_names_with_token() {
    let env = TestEnv::new();
    env.cmd()
        .args([
            "login",
            "pat",
            "--runner",
            seed::RUNNER_READY_ID,
            "--host",
            "dev.azure.com",
        ])
        .assert()
        .code(2)
        .stderr(contains("--with-token"));
    assert!(env.requests().is_empty());
}

#[test]
fn login_without_a_method_when_both_are_offered_names_both() {
    let env = TestEnv::new();
    env.cmd()
        .args([
            "login",
            "--runner",
            seed::RUNNER_READY_ID,
            "--host",
            "dev.azure.com",
        ])
        .assert()
        .code(2)
        .stderr(contains("login pat").and(contains("login oauth")));
    assert!(env.mutating_requests().is_empty());
}

#[test]
fn malformed_urls_are_refused_before_any_request() {
    let env = TestEnv::new();
    for (flag, value) in [
        ("--gitpod-url", "http://gitpod.example.com/api"),
        ("--gitpod-url", "not a url"),
        ("--ado-url", "ftp://127.0.0.1"),
        ("--authority-url", "http://10.1.2.3"),
    ] {
        let out = env
            .cmd()
            .args(["status", flag, value, "--json"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        let first = text(&out.stderr)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        assert!(first.contains(flag), "{flag} {value}: {first}");
        assert_eq!(stdout_json(&out)["error"]["kind"], "usage");
    }
    assert!(env.requests().is_empty());
}

#[test]
fn malformed_hosts_runners_and_orgs_are_usage_errors() {
    let env = TestEnv::new();
    for args in [
        vec!["login", "pat", "--runner", "not a runner", "--with-token"],
        vec![
            "login",
            "pat",
            "--runner",
            seed::RUNNER_READY_ID,
            "--host",
            "dev.azure.com/a/b",
            "--with-token",
        ],
        vec![
            "login",
            "pat",
            "--runner",
            seed::RUNNER_READY_ID,
            "--org",
            "bad org!",
            "--with-token",
        ],
        vec!["status", "--host", "bad host"],
    ] {
        let out = env
            .cmd()
            .args(&args)
            .write_stdin(seed::PAT_VALID)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert!(env.mutating_requests().is_empty());
}

#[test]
fn unknown_flags_with_json_print_an_error_document() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .args(["status", "--json", "--frobnicate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc = stdout_json(&out);
    assert_eq!(doc["error"]["kind"], "usage");
    assert!(doc["error"]["message"]
        .as_str()
        .unwrap()
        .contains("--frobnicate"));
}

#[test]
fn a_rejected_gitpod_token_exits_3() {
    let env = TestEnv::new();
    env.cmd()
        .env("GITPOD_API_KEY", "not-a-key")
        .args(["status"])
        .assert()
        .code(3)
        .stderr(contains("Gitpod API"));
}

#[test]
fn an_unknown_runner_is_a_usage_error() {
    let env = TestEnv::new();
    env.cmd()
        .args(["status", "--runner", "01900000-0000-7000-8000-00000000dead"])
        .assert()
        .code(2)
        .stderr(contains("not found"));
    env.cmd()
        .args([
            "login",
            "pat",
            "--runner",
            "01900000-0000-7000-8000-00000000dead",
            "--with-token",
        ])
        .write_stdin(seed::PAT_VALID)
        .assert()
        .code(2)
        .stderr(contains("not found"));
}

#[test]
fn global_options_work_after_the_subcommand_too() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .args(["--json", "status", "--runner", seed::RUNNER_READY_ID])
        .output()
        .unwrap();
    stdout_json(&out);
    let out = env
        .cmd()
        .args(["status", "--runner", seed::RUNNER_READY_ID, "--json"])
        .output()
        .unwrap();
    stdout_json(&out);
}

#[test]
fn completions_print_for_every_shell() {
    let env = TestEnv::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = env.cmd().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        assert!(text(&out.stdout).contains("ado-scm"), "{shell}");
    }
    env.cmd().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn a_runner_without_an_azure_devops_integration_is_a_failed_precondition() {
    let env = TestEnv::new();
    env.cmd()
        .args([
            "login",
            "pat",
            "--runner",
            seed::RUNNER_FRESH_ID,
            "--with-token",
        ])
        .write_stdin(seed::PAT_VALID)
        .assert()
        .code(4)
        .stderr(contains("ado-scm setup"));
    assert!(env.mutating_requests().is_empty());
}

#[test]
fn a_gitpod_api_that_keeps_failing_is_exit_1_naming_the_service() {
    let env = TestEnv::new();
    env.sandbox.inject(ado_scm_sandbox::Fault::new(
        Some("gitpod"),
        "GetRunner",
        ado_scm_sandbox::FaultKind::Status(503),
        10,
    ));
    env.cmd()
        .args(["status", "--runner", seed::RUNNER_READY_ID])
        .assert()
        .code(1)
        .stderr(contains("Gitpod API"));
    // Retried with back-off, then gave up: four attempts.
    assert_eq!(env.gitpod_calls("GetRunner").len(), 4);
}

#[test]
fn with_json_the_first_stderr_line_of_a_failure_is_the_error() {
    let env = TestEnv::new();
    let out = env
        .cmd()
        .args(LOGIN_PAT_ARGS)
        .args(["--with-token", "--json"])
        .write_stdin(seed::PAT_EXPIRED)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let stderr = text(&out.stderr);
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: Azure DevOps rejected the PAT"),
        "{stderr}"
    );
    // The progress lines still reach stderr, after the error.
    assert!(
        stderr.contains("Checking the PAT with Azure DevOps"),
        "{stderr}"
    );
    assert_eq!(stdout_json(&out)["error"]["kind"], "auth");
}

// ---- exact wording ------------------------------------------------------------------------------
// The error line is what a person reads and a script may match: these hold it exactly, with the
// exit code. Each runs with `--json`, which makes the error the first stderr line (progress lines
// follow it); the line is the same without `--json`. `SNAPSHOTS=overwrite cargo test --test cli
// usage::exact` rewrites the expected text after a deliberate change of wording.

/// The exit code, the first stderr line of `out` and its `hint:` line (how to fix it), compared
/// with `expected` exactly, the volatile parts redacted: the sandbox's URLs (their ports change
/// every run) and the test's HOME.
fn assert_exit_and_first_line(env: &TestEnv, out: &Output, expected: impl snapbox::IntoData) {
    let mut redactions = snapbox::Redactions::new();
    for (placeholder, value) in [
        ("[GITPOD_URL]", env.sandbox.gitpod_url()),
        ("[ADO_URL]", env.sandbox.ado_url()),
        ("[AUTHORITY_URL]", env.sandbox.authority_url()),
        ("[GRAPH_URL]", env.sandbox.graph_url()),
        ("[HOME]", env.home.path().display().to_string()),
    ] {
        redactions.insert(placeholder, value).unwrap();
    }
    let stderr = text(&out.stderr);
    let mut actual = format!(
        "exit {}\n{}\n",
        out.status.code().map_or("none".into(), |c| c.to_string()),
        stderr.lines().next().unwrap_or_default()
    );
    if let Some(hint) = stderr.lines().find(|l| l.starts_with("hint: ")) {
        actual.push_str(hint);
        actual.push('\n');
    }
    snapbox::Assert::new()
        .action_env(snapbox::assert::DEFAULT_ACTION_ENV)
        .redact_with(redactions)
        .eq(actual, expected);
}

/// `cmd` with `--json`, `stdin` on its standard input.
fn run(mut cmd: assert_cmd::Command, stdin: &str) -> Output {
    cmd.arg("--json").write_stdin(stdin).output().unwrap()
}

#[test]
fn exact_error_lines() {
    let env = TestEnv::new();
    let both = ["--runner", seed::RUNNER_READY_ID, "--host", "dev.azure.com"];
    let cases: Vec<(&str, Vec<&str>, &str, snapbox::data::Inline)> = vec![
        (
            "login pat without a runner in a script",
            vec!["login", "pat", "--with-token"],
            seed::PAT_VALID,
            str![[r#"
exit 2
error: the runner is required when not running interactively
hint: pass --runner ID|NAME (or set ADO_SCM_RUNNER)

"#]],
        ),
        (
            "login pat without --with-token in a script",
            [&["login", "pat"][..], &both].concat(),
            "",
            str![[r#"
exit 2
error: the PAT is required when not running interactively
hint: pass --with-token and the PAT on stdin

"#]],
        ),
        (
            "login without a method when both are offered",
            [&["login"][..], &both].concat(),
            "",
            str![[r#"
exit 2
error: this integration offers both a PAT and OAuth: say which
hint: run `ado-scm login pat` or `ado-scm login oauth`

"#]],
        ),
        (
            "a Gitpod URL that is not https",
            vec!["status", "--gitpod-url", "http://gitpod.example.com/api"],
            "",
            str![[r#"
exit 2
error: --gitpod-url: `http://gitpod.example.com/api` uses http on a non-loopback host
hint: use https:// (http:// is only allowed on 127.0.0.1, [::1] and localhost)

"#]],
        ),
        (
            "an unknown runner",
            vec!["status", "--runner", "01900000-0000-7000-8000-00000000dead"],
            "",
            str![[r#"
exit 2
error: runner `01900000-0000-7000-8000-00000000dead` not found in your Gitpod organization
hint: `ado-scm status --all` lists the runners you can use

"#]],
        ),
        (
            "a rejected PAT",
            [&LOGIN_PAT_ARGS[..], &["--with-token"]].concat(),
            seed::PAT_EXPIRED,
            str![[r#"
exit 3
error: Azure DevOps rejected the PAT for organization `acme`
hint: check that the PAT was made in organization `acme` itself (a PAT for "All accessible organizations" no longer works), has not expired or been revoked, and was copied whole

"#]],
        ),
        (
            "a runner without an Azure DevOps integration",
            vec![
                "login",
                "pat",
                "--runner",
                seed::RUNNER_FRESH_ID,
                "--with-token",
            ],
            seed::PAT_VALID,
            str![[r#"
exit 4
error: runner fresh-runner has no Azure DevOps integration
hint: an admin connects it with `ado-scm setup`

"#]],
        ),
    ];
    for (case, args, stdin, expected) in cases {
        eprintln!("case: {case}");
        let mut cmd = env.cmd();
        cmd.args(args);
        assert_exit_and_first_line(&env, &run(cmd, stdin), expected);
    }
}

#[test]
fn exact_a_rejected_gitpod_token() {
    let env = TestEnv::new();
    let mut cmd = env.cmd();
    cmd.env("GITPOD_API_KEY", "not-a-key").args(["status"]);
    assert_exit_and_first_line(
        &env,
        &run(cmd, ""),
        str![[r#"
exit 3
error: the Gitpod API rejected the token: invalid or expired access token
hint: set GITPOD_API_KEY or run again to enter a new token

"#]],
    );
}

#[test]
fn exact_a_corrupt_config() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.config_dir()).unwrap();
    std::fs::write(env.config_path(), "runner = \"a\"\nhost = = \"x\"\n").unwrap();
    let mut cmd = env.cmd();
    cmd.args(["status"]);
    assert_exit_and_first_line(
        &env,
        &run(cmd, ""),
        str![[r#"
exit 1
error: config file [HOME]/config/ado-scm/config.toml is not valid TOML at line 2, column 8: invalid string/u{a}expected `"`, `'`
hint: fix or remove it

"#]],
    );
}
