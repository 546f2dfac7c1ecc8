//! `ado-scm --store keyring` against a real Secret Service: the Gitpod token asked for in a real
//! terminal is stored where `secret-tool` finds it, a second process reads it, `logout --gitpod`
//! removes it.

use std::ffi::OsString;
use std::process::Command;

use ado_scm_sandbox::seed;
use rexpect::session::spawn_command;

use crate::components::require_secret_service;
use crate::support::{TestEnv, LOGIN_PAT_ARGS};

fn secret_tool_lookup(account: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", "ado-scm", "username", account])
        .output()
        .expect("secret-tool");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim_end().to_string())
}

fn clear(account: &str) {
    let _ = Command::new("secret-tool")
        .args(["clear", "service", "ado-scm", "username", account])
        .status();
}

/// `ado-scm` with the keyring store, no Gitpod token in the environment, and the real session
/// bus of the caller (HOME stays the test's own temp dir for the config).
fn keyring_cmd(env: &TestEnv) -> assert_cmd::Command {
    let mut cmd = env.bare_cmd();
    cmd.env("ADO_SCM_STORE", "keyring").envs(session_bus());
    cmd
}

/// What a child needs to find the caller's Secret Service: the caller's own values of these.
fn session_bus() -> impl Iterator<Item = (&'static str, OsString)> {
    ["DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"]
        .into_iter()
        .filter_map(|name| Some((name, std::env::var_os(name)?)))
}

#[test]
#[ignore = "needs a Secret Service (gnome-keyring); run scripts/e2e"]
fn login_pat_stores_the_gitpod_token_in_the_keyring_and_a_second_process_reads_it() {
    require_secret_service();
    let env = TestEnv::new();
    let account = format!("gitpod-token:{}", env.sandbox.gitpod_url());
    clear(&account);

    // Interactive login in a real terminal: the Gitpod token is asked for (hidden) and stored.
    let mut cmd = env.std_cmd();
    cmd.env_remove("GITPOD_API_KEY")
        .env("ADO_SCM_STORE", "keyring")
        .args(LOGIN_PAT_ARGS)
        .envs(session_bus());
    let mut term = spawn_command(cmd, Some(20_000)).unwrap();
    term.exp_string("Gitpod API token").unwrap();
    term.send_line(seed::ALICE_API_KEY).unwrap();
    term.flush().unwrap();
    term.exp_string("Saved the Gitpod API token in the OS keyring")
        .unwrap();
    term.exp_string("Paste the PAT").unwrap();
    term.send_line(seed::PAT_VALID).unwrap();
    term.flush().unwrap();
    term.exp_string("Signed in").unwrap();
    term.exp_eof().unwrap();

    assert_eq!(
        secret_tool_lookup(&account).as_deref(),
        Some(seed::ALICE_API_KEY)
    );

    // A second process, with no token in its environment, reads it back from the keyring.
    keyring_cmd(&env)
        .args([
            "status",
            "--runner",
            seed::RUNNER_READY_ID,
            "--host",
            "dev.azure.com",
        ])
        .assert()
        .success();

    // logout --gitpod removes it from the keyring.
    keyring_cmd(&env)
        .args(["logout", "--gitpod"])
        .assert()
        .success();
    assert_eq!(secret_tool_lookup(&account), None);
}

#[test]
#[ignore = "needs a Secret Service (gnome-keyring); run scripts/e2e"]
fn gitpod_token_from_stdin_is_stored_in_the_keyring() {
    require_secret_service();
    let env = TestEnv::new();
    let account = format!("gitpod-token:{}", env.sandbox.gitpod_url());
    clear(&account);
    keyring_cmd(&env)
        .args([
            "--gitpod-token-stdin",
            "status",
            "--runner",
            seed::RUNNER_READY_ID,
        ])
        .write_stdin(format!("{}\n", seed::BOB_API_KEY))
        .assert()
        .code(3);
    assert_eq!(
        secret_tool_lookup(&account).as_deref(),
        Some(seed::BOB_API_KEY)
    );
    clear(&account);
}
