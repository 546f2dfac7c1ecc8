//! Ctrl-C at a prompt, in a real terminal: a hidden prompt turned echo off and a choice hid the
//! cursor, so the terminal must get both back however ado-scm ends, or the person's shell stays
//! invisible until `stty sane`. Each case runs ado-scm from bash in one pseudo-terminal and
//! reads the terminal's settings back with `stty -a` once ado-scm is gone.

use super::pty::{exit_and_echo, plain, spawn_in_shell};
use crate::support::{self, TestEnv};

const TIMEOUT_MS: u64 = 20_000;

/// Runs `args` (with `cmd`'s environment changed by `adjust`), waits for the prompt `prompt`,
/// presses Ctrl-C, and checks what a person sees and gets back.
fn ctrl_c_at(
    case: &str,
    env: &TestEnv,
    args: &[&str],
    adjust: impl FnOnce(&mut std::process::Command),
    prompt: &str,
) {
    let mut cmd = env.std_cmd();
    adjust(&mut cmd);
    cmd.args(args);
    let mut term = spawn_in_shell(&cmd, TIMEOUT_MS);
    term.exp_string(prompt)
        .unwrap_or_else(|e| panic!("{case}: no `{prompt}`: {e}"));
    term.send_control('c').unwrap();
    term.flush().unwrap();
    let (said, code, echo) = exit_and_echo(&mut term);
    assert_eq!(code, 130, "{case}: {said}");
    assert!(echo, "{case}: the terminal was left with echo off");
    const HIDE: &str = "\x1b[?25l";
    const SHOW: &str = "\x1b[?25h";
    if let Some(hidden) = said.rfind(HIDE) {
        assert!(
            said[hidden..].contains(SHOW),
            "{case}: the cursor was left hidden: {said:?}"
        );
    }
    assert!(
        plain(&said).ends_with("\r\nerror: interrupted\r\n"),
        "{case}: `error: interrupted` is not the last line: {said:?}"
    );
}

#[test]
#[ignore = "drives a real terminal (a pseudo-terminal) and bash; run scripts/e2e"]
fn ctrl_c_at_the_pat_prompt_gives_the_terminal_back() {
    let env = TestEnv::new();
    ctrl_c_at(
        "login pat",
        &env,
        &support::LOGIN_PAT_ARGS,
        |_| {},
        "Paste the PAT",
    );
    assert!(env.gitpod_calls("CreateHostAuthenticationToken").is_empty());
}

#[test]
#[ignore = "drives a real terminal (a pseudo-terminal) and bash; run scripts/e2e"]
fn ctrl_c_at_the_gitpod_token_prompt_gives_the_terminal_back() {
    let env = TestEnv::new();
    ctrl_c_at(
        "the Gitpod API token",
        &env,
        &support::LOGIN_PAT_ARGS,
        |cmd| {
            cmd.env_remove("GITPOD_API_KEY");
        },
        "Gitpod API token",
    );
    assert!(env.requests().iter().all(|r| r.service != "gitpod"));
}

#[test]
#[ignore = "drives a real terminal (a pseudo-terminal) and bash; run scripts/e2e"]
fn ctrl_c_at_the_client_secret_prompt_gives_the_terminal_back() {
    let env = TestEnv::new();
    ctrl_c_at(
        "setup's client secret",
        &env,
        &super::setup::SETUP_WITH_CLIENT_ID,
        |_| {},
        "Client secret of the app",
    );
    assert!(env.mutating_requests().is_empty());
}

#[test]
#[ignore = "drives a real terminal (a pseudo-terminal) and bash; run scripts/e2e"]
fn ctrl_c_at_a_choice_gives_the_cursor_back() {
    let env = TestEnv::new();
    ctrl_c_at("the runner", &env, &["login", "pat"], |_| {}, "Runner");
}

#[test]
#[ignore = "drives a real terminal (a pseudo-terminal) and bash; run scripts/e2e"]
fn ctrl_c_with_json_also_prints_the_error_document() {
    let env = TestEnv::new();
    let mut cmd = env.std_cmd();
    cmd.arg("--json").args(support::LOGIN_PAT_ARGS);
    let mut term = super::pty::spawn_in_shell(&cmd, TIMEOUT_MS);
    term.exp_string("Paste the PAT").unwrap();
    term.send_control('c').unwrap();
    term.flush().unwrap();
    let (said, code, echo) = exit_and_echo(&mut term);
    assert_eq!(code, 130);
    assert!(echo, "the terminal was left with echo off");
    assert!(
        said.contains(
            r#"{"error":{"exit_code":130,"kind":"interrupted","message":"interrupted"}}"#
        ),
        "{said:?}"
    );
}
