//! `ado-scm setup` in a real terminal (a pseudo-terminal driven by rexpect): the wizard from the
//! first prompt to the summary, with a selection, a real browser sign-in (a `BROWSER` that
//! follows the sandbox's redirects), the hidden client secret, and Ctrl-C at a prompt leaving
//! nothing half-done.

use ado_scm_sandbox::{hash_secret, seed};
use rexpect::session::{spawn_command, PtySession};

use super::pty::exit_code;
use crate::components::require_curl;
use crate::support::TestEnv;

const TIMEOUT_MS: u64 = 30_000;
const DOWN: &str = "\x1b[B";

/// `setup` of the fresh runner for the seeded organization with both sign-in methods, every
/// choice given as a flag.
const SETUP_FRESH_RUNNER: [&str; 7] = [
    "setup",
    "--runner",
    seed::RUNNER_FRESH_ID,
    "--org",
    seed::ADO_ORG,
    "--oauth",
    "--pat",
];

/// `setup` of the fresh runner with an app registration the admin names: its client secret is
/// asked (hidden).
pub(super) const SETUP_WITH_CLIENT_ID: [&str; 8] = [
    "setup",
    "--runner",
    seed::RUNNER_FRESH_ID,
    "--org",
    seed::ADO_ORG,
    "--client-id",
    seed::SEEDED_APP_CLIENT_ID,
    "--pat",
];

/// Nothing was sent that changes anything, and the fresh runner has no integration.
fn assert_nothing_changed(env: &TestEnv) {
    assert!(
        env.mutating_requests().is_empty(),
        "{:#?}",
        env.mutating_requests()
    );
    assert!(env.integrations_of(seed::RUNNER_FRESH_ID).is_empty());
}

/// The binary in a pseudo-terminal. The browser is `curl`, which follows the sandbox's
/// authorize redirect back to ado-scm's loopback listener, as a browser would.
fn spawn(env: &TestEnv, args: &[&str]) -> PtySession {
    let mut cmd = env.std_cmd();
    cmd.env_remove("ADO_SCM_NO_BROWSER")
        .env("BROWSER", "curl -s -L -o /dev/null")
        .args(args);
    spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawn ado-scm in a pty")
}

#[test]
#[ignore = "drives a real terminal (a pseudo-terminal), curl as the browser; run scripts/e2e"]
fn the_wizard_from_the_first_prompt_to_the_summary() {
    require_curl();
    let env = TestEnv::new();
    let mut term = spawn(&env, &["setup"]);
    // The runner: three seeded ones; the second is the fresh one.
    term.exp_string("Runner").unwrap();
    term.exp_string(seed::RUNNER_UNREGISTERED_NAME).unwrap();
    term.send(DOWN).unwrap();
    term.send_line("").unwrap();
    term.flush().unwrap();
    term.exp_string("Which Azure DevOps?").unwrap();
    term.send_line("").unwrap();
    term.flush().unwrap();
    term.exp_string("How may developers sign in?").unwrap();
    term.send_line("").unwrap();
    term.flush().unwrap();
    term.exp_string("Azure DevOps organization").unwrap();
    term.send_line(seed::ADO_ORG).unwrap();
    term.flush().unwrap();
    // The admin signs in to Microsoft Graph in the "browser".
    term.exp_string("Sign in to Microsoft in your browser")
        .unwrap();
    term.exp_string("signed in to Microsoft Graph").unwrap();
    term.exp_string("Plan:").unwrap();
    term.exp_string("create the app registration").unwrap();
    term.exp_string("Make these changes?").unwrap();
    term.send_line("y").unwrap();
    term.flush().unwrap();
    term.exp_string("created the integration").unwrap();
    term.exp_string("Third-party application access via OAuth")
        .unwrap();
    term.exp_string("ado-scm login --runner").unwrap();
    term.exp_string("ado-scm setup --non-interactive").unwrap();
    term.exp_eof().unwrap();
    assert_eq!(exit_code(&mut term), 0);

    let integrations = env.integrations_of(seed::RUNNER_FRESH_ID);
    assert_eq!(integrations.len(), 1);
    assert_eq!(integrations[0]["scmId"], "azuredevops_entra");
    assert_eq!(integrations[0]["pat"], true);
    let config = std::fs::read_to_string(env.config_path()).unwrap();
    assert!(config.contains(seed::RUNNER_FRESH_ID));

    // The sign-in is remembered: a second run asks nothing of Microsoft and changes nothing.
    env.sandbox.clear_requests();
    let mut term = spawn(&env, &SETUP_FRESH_RUNNER);
    term.exp_string("remembered sign-in").unwrap();
    term.exp_string("Nothing to change").unwrap();
    term.exp_eof().unwrap();
    assert_eq!(exit_code(&mut term), 0);
    assert!(
        env.mutating_requests().is_empty(),
        "{:#?}",
        env.mutating_requests()
    );
}

#[test]
#[ignore = "drives a real terminal (a pseudo-terminal); run scripts/e2e"]
fn the_client_secret_is_asked_hidden() {
    let env = TestEnv::new();
    let mut term = spawn(&env, &SETUP_WITH_CLIENT_ID);
    term.exp_string("Client secret of the app").unwrap();
    term.send_line(seed::SEEDED_APP_SECRET).unwrap();
    term.flush().unwrap();
    // Graph is optional with a client id and its secret: decline.
    let (typed, _) = term
        .exp_regex("Sign in to Microsoft Graph to check the app registration")
        .unwrap();
    term.send_line("n").unwrap();
    term.flush().unwrap();
    term.exp_string("Make these changes?").unwrap();
    term.send_line("y").unwrap();
    term.flush().unwrap();
    let (rest, _) = term
        .exp_regex("created the integration [0-9a-f-]+")
        .unwrap();
    term.exp_eof().unwrap();
    assert_eq!(exit_code(&mut term), 0);
    assert!(
        !typed.contains(seed::SEEDED_APP_SECRET) && !rest.contains(seed::SEEDED_APP_SECRET),
        "the secret was echoed"
    );
    let integrations = env.integrations_of(seed::RUNNER_FRESH_ID);
    assert_eq!(
        integrations[0]["oauth"]["clientSecretHash"],
        hash_secret(seed::SEEDED_APP_SECRET)
    );
    assert!(env.requests().iter().all(|r| r.service != "graph"));
}

#[test]
#[ignore = "drives a real terminal (a pseudo-terminal), curl as the browser; run scripts/e2e"]
fn ctrl_c_at_a_prompt_leaves_nothing_half_done() {
    require_curl();
    let env = TestEnv::new();
    // At the first question.
    let mut term = spawn(&env, &["setup"]);
    term.exp_string("Runner").unwrap();
    term.send_control('c').unwrap();
    term.flush().unwrap();
    assert_eq!(exit_code(&mut term), 130);

    // At the go-ahead, after the Graph sign-in and every check.
    let mut term = spawn(&env, &SETUP_FRESH_RUNNER);
    term.exp_string("Make these changes?").unwrap();
    term.send_control('c').unwrap();
    term.flush().unwrap();
    assert_eq!(exit_code(&mut term), 130);
    assert_nothing_changed(&env);
    assert!(!env.config_path().exists(), "nothing saved on Ctrl-C");
}

#[test]
#[ignore = "drives a real terminal (a pseudo-terminal), curl as the browser; run scripts/e2e"]
fn declining_the_changes_is_exit_0_with_nothing_changed() {
    require_curl();
    let env = TestEnv::new();
    let mut term = spawn(&env, &SETUP_FRESH_RUNNER);
    term.exp_string("Make these changes?").unwrap();
    term.send_line("n").unwrap();
    term.flush().unwrap();
    term.exp_string("Nothing changed: you declined the changes.")
        .unwrap();
    term.exp_eof().unwrap();
    assert_eq!(exit_code(&mut term), 0);
    assert_nothing_changed(&env);
}
