//! `ado-scm login pat` in a real terminal: the selection prompts, the hidden PAT input, the
//! result, Ctrl-C at the PAT prompt, and a hostile runner's PAT page kept from the browser.

use ado_scm_sandbox::{hash_secret, seed};
use rexpect::session::{spawn_command, PtySession};

use super::pty::exit_code;
use crate::support::{self, HostileRunner, RecordingBrowser, TestEnv};

const TIMEOUT_MS: u64 = 20_000;

/// The binary in a pseudo-terminal, with the same clean environment as the other CLI tests.
fn spawn(env: &TestEnv, args: &[&str]) -> PtySession {
    let mut cmd = env.std_cmd();
    cmd.args(args);
    spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawn ado-scm in a pty")
}

#[test]
#[ignore = "drives a real terminal (a pseudo-terminal); run scripts/e2e"]
fn login_pat_interactively_selects_asks_and_hides_the_pat() {
    let env = TestEnv::new();
    let mut term = spawn(&env, &["login", "pat"]);
    // Runner: the seeded runners are listed; pick the first (acme-runner).
    term.exp_string("Runner").unwrap();
    term.exp_string(seed::RUNNER_READY_NAME).unwrap();
    term.send_line("").unwrap();
    term.flush().unwrap();
    // Host: dev.azure.com and the Server host; the first is dev.azure.com.
    term.exp_string("Azure DevOps host").unwrap();
    term.send_line("").unwrap();
    term.flush().unwrap();
    // The host names no organization: asked for.
    term.exp_string("Azure DevOps organization").unwrap();
    term.send_line(seed::ADO_ORG).unwrap();
    term.flush().unwrap();
    term.exp_string("Code (Read & write)").unwrap();
    term.exp_string("Paste the PAT").unwrap();
    term.send_line(seed::PAT_VALID).unwrap();
    term.flush().unwrap();
    let (before, _) = term.exp_regex("Signed in: runner .*").unwrap();
    let after = term.exp_eof().unwrap();
    for shown in [&before, &after] {
        assert!(
            !shown.contains(seed::PAT_VALID),
            "the PAT was echoed: {shown}"
        );
    }

    let tokens = env.host_tokens();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0]["host"], "dev.azure.com");
    let creates = env.gitpod_calls("CreateHostAuthenticationToken");
    assert_eq!(
        creates[0].body.as_ref().unwrap()["token"],
        hash_secret(seed::PAT_VALID)
    );
}

#[test]
#[ignore = "drives a real terminal (a pseudo-terminal); run scripts/e2e"]
fn ctrl_c_at_the_pat_prompt_exits_130_and_hands_nothing_over() {
    let env = TestEnv::new();
    let mut term = spawn(&env, &support::LOGIN_PAT_ARGS);
    term.exp_string("Paste the PAT").unwrap();
    term.send_control('c').unwrap();
    term.flush().unwrap();
    assert_eq!(exit_code(&mut term), 130);
    assert!(env.gitpod_calls("CreateHostAuthenticationToken").is_empty());
    assert!(!env.config_path().exists(), "nothing saved on Ctrl-C");
}

#[test]
#[ignore = "drives a real terminal (a pseudo-terminal); run scripts/e2e"]
fn a_hostile_pat_page_is_not_opened_and_the_built_one_is() {
    let env = TestEnv::new();
    let hostile = "--renderer-cmd-prefix=sh -c 'touch /tmp/owned'";
    let runner = HostileRunner::start(&env, move |answer| {
        answer["supportsPat"]["createUrl"] = hostile.into();
    });
    let browser = RecordingBrowser::new(env.home.path());
    let mut cmd = env.std_cmd();
    cmd.env_remove("ADO_SCM_NO_BROWSER")
        .env("BROWSER", &browser.command)
        .args(support::LOGIN_PAT_ARGS)
        .args(["--gitpod-url", &runner.gitpod_url()]);
    let mut term = spawn_command(cmd, Some(TIMEOUT_MS)).unwrap();
    term.exp_string("the runner's PAT page").unwrap();
    term.exp_string("showing the one ado-scm builds instead")
        .unwrap();
    let guidance = term.exp_string("Paste the PAT").unwrap();
    const BUILT: &str = "https://dev.azure.com/acme/_usersSettings/tokens";
    assert!(guidance.contains(BUILT), "{guidance}");
    term.send_line(seed::PAT_VALID).unwrap();
    term.flush().unwrap();
    term.exp_regex("Signed in: runner .*").unwrap();
    term.exp_eof().unwrap();
    assert_eq!(exit_code(&mut term), 0);
    assert_eq!(browser.wait_opened(), vec![BUILT.to_string()]);
    assert_eq!(env.host_tokens().len(), 1);
}

#[test]
#[ignore = "drives a real terminal (a pseudo-terminal); run scripts/e2e"]
fn the_last_runs_runner_is_shown_and_can_be_changed() {
    let env = TestEnv::new();
    // A first sign-in saves its runner, host and organization.
    env.login_pat_for("dev.azure.com", seed::ADO_ORG).success();
    let mut term = spawn(&env, &["login", "pat"]);
    term.exp_string("Runner: acme-runner (from your last run)")
        .unwrap();
    // No: the picker comes, as without a saved runner.
    term.send("n").unwrap();
    term.flush().unwrap();
    term.exp_string("fresh-runner").unwrap();
    term.send_control('c').unwrap();
    term.flush().unwrap();
    assert_eq!(exit_code(&mut term), 130);
}
