//! `apply` and `doctor --fix` in a real terminal (a pseudo-terminal driven by rexpect): the whole
//! plan first, one question, then the changes with a line per runner; a re-run asks nothing.

use ado_scm_sandbox::{seed, Breakage};
use rexpect::session::{spawn_command, PtySession};

use super::pty::exit_code;
use crate::support::TestEnv;

const TIMEOUT_MS: u64 = 30_000;

fn spawn(env: &TestEnv, token: &str, args: &[&str]) -> PtySession {
    let mut cmd = env.std_cmd();
    cmd.env("ADO_SCM_GRAPH_TOKEN", token).args(args);
    spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawn ado-scm in a pty")
}

#[test]
#[ignore = "drives a real terminal (a pseudo-terminal); run scripts/e2e"]
fn apply_at_a_terminal_shows_the_whole_plan_then_asks_once() {
    let env = TestEnv::new();
    let ids = env.sandbox.add_ready_runners(3, false);
    let token = env.admin_graph_token();
    let file = env.home.path().join("fleet.toml");
    let text: String = (3..=5)
        .map(|n| {
            format!(
                "[[integration]]\nrunner = \"runner-{n:03}\"\nhost = \"dev.azure.com/acme\"\n\n"
            )
        })
        .collect();
    std::fs::write(&file, text).unwrap();
    let path = file.display().to_string();

    let mut term = spawn(&env, &token, &["apply", "-f", &path]);
    term.exp_string("Plan:").unwrap();
    // (rexpect reads bytes one by one: the plan's "·" is matched around, not through.)
    term.exp_string("+ runner-003").unwrap();
    term.exp_string("dev.azure.com/acme  create the integration")
        .unwrap();
    term.exp_string("3 to create, 0 to change, 0 unchanged.")
        .unwrap();
    term.exp_string("Apply these changes?").unwrap();
    assert!(
        env.mutating_requests().is_empty(),
        "nothing changes before the answer: {:#?}",
        env.mutating_requests()
    );
    term.send_line("y").unwrap();
    term.flush().unwrap();
    term.exp_string("created the integration").unwrap();
    term.exp_string("3 of 3 entries converged.").unwrap();
    term.exp_eof().unwrap();
    assert_eq!(exit_code(&mut term), 0);
    for id in &ids {
        assert_eq!(env.integrations_of(id).len(), 1, "{id}");
    }

    // Again: the plan says nothing changes, and nothing is asked.
    env.sandbox.clear_requests();
    let mut term = spawn(&env, &token, &["apply", "-f", &path]);
    term.exp_string("= runner-004").unwrap();
    term.exp_string("dev.azure.com/acme  unchanged").unwrap();
    term.exp_string("0 to create, 0 to change, 3 unchanged.")
        .unwrap();
    term.exp_string("3 of 3 entries converged.").unwrap();
    term.exp_eof().unwrap();
    assert_eq!(exit_code(&mut term), 0);
    assert!(env.mutating_requests().is_empty());
}

#[test]
#[ignore = "drives a real terminal (a pseudo-terminal); run scripts/e2e"]
fn doctor_fix_at_a_terminal_shows_the_repairs_and_asks() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    let setup = env
        .std_cmd()
        .env("ADO_SCM_GRAPH_TOKEN", &token)
        .args(crate::support::SETUP_FRESH_ARGS)
        .output()
        .unwrap();
    assert!(setup.status.success());
    let fresh_app = || {
        let name = "Ona runner fresh-runner (Azure DevOps)";
        env.state_items("/directory/applications", "displayName", name)[0].clone()
    };
    let key = fresh_app()["passwordCredentials"][0]["keyId"]
        .as_str()
        .unwrap()
        .to_string();
    env.sandbox.apply_breakage(Breakage::AgeSecret {
        key_id: key.clone(),
        days: -1,
    });

    let mut term = spawn(
        &env,
        &token,
        &["doctor", "--fix", "--runner", seed::RUNNER_FRESH_NAME],
    );
    term.exp_string("client secret").unwrap();
    term.exp_string("Plan (through setup's own steps):")
        .unwrap();
    term.exp_string("a new client secret").unwrap();
    term.exp_string("Make these changes?").unwrap();
    term.send_line("y").unwrap();
    term.flush().unwrap();
    term.exp_string("Checking again").unwrap();
    term.exp_string("0 failed").unwrap();
    term.exp_eof().unwrap();
    assert_eq!(exit_code(&mut term), 0);
    let keys: Vec<String> = fresh_app()["passwordCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["keyId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(keys.len(), 1);
    assert_ne!(keys[0], key);
}
