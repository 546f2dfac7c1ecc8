//! The interactive commands in a real terminal (a pseudo-terminal driven by rexpect): the
//! selection prompts, the hidden PAT input, the result. Part of the real-component suite:
//! these run when `ADO_SCM_REAL_TERMINAL=1` (scripts/e2e sets it) and are skipped otherwise.

#[path = "cli/support.rs"]
#[allow(dead_code)]
mod support;

#[path = "common/pty.rs"]
mod pty;

use ado_scm_sandbox::{hash_secret, seed};
use pty::{enabled, exit_code};
use rexpect::session::{spawn_command, PtySession};
use support::TestEnv;

const TIMEOUT_MS: u64 = 20_000;

/// The binary in a pseudo-terminal, with the same clean environment as the other CLI tests.
fn spawn(env: &TestEnv, args: &[&str]) -> PtySession {
    let mut cmd = env.std_cmd();
    cmd.args(args);
    spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawn ado-scm in a pty")
}

#[test]
fn login_pat_interactively_selects_asks_and_hides_the_pat() {
    if !enabled() {
        return;
    }
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
    term.exp_eof().unwrap();
    assert!(
        !before.contains(seed::PAT_VALID),
        "the PAT was echoed: {before}"
    );

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
fn ctrl_c_at_the_pat_prompt_exits_130_and_hands_nothing_over() {
    if !enabled() {
        return;
    }
    let env = TestEnv::new();
    let mut term = spawn(&env, &support::LOGIN_PAT_ARGS);
    term.exp_string("Paste the PAT").unwrap();
    term.send_control('c').unwrap();
    term.flush().unwrap();
    assert_eq!(exit_code(&mut term), 130);
    assert!(env.gitpod_calls("CreateHostAuthenticationToken").is_empty());
    assert!(!env.config_path().exists(), "nothing saved on Ctrl-C");
}
