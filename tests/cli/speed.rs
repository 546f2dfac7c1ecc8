//! Speed is structure: each command's longest chain of sequential requests, read from the
//! sandbox's request log (start and end of each request, `longest_chain`), never wall time. With some latency on
//! every request, requests made at once overlap; a request that waits for an unrelated one
//! lengthens the chain and fails these tests.

use ado_scm_sandbox::{longest_chain, seed, Realism};

use crate::setup::setup;
use crate::support::{TestEnv, LOGIN_PAT_ARGS};

/// Enough for requests made at once to overlap even on a busy machine (a thread that starts a
/// few milliseconds late must not look like one that waited), short enough for a quick suite.
const LATENCY_MS: u64 = 60;

fn chain_of(env: &TestEnv, mut cmd: assert_cmd::Command) -> usize {
    // The floor is measured on services that answer at once (no propagation lag to wait out).
    env.sandbox.set_realism(Realism::default());
    env.sandbox.clear_requests();
    env.sandbox.set_latency_ms(LATENCY_MS);
    let out = cmd.output().unwrap();
    env.sandbox.set_latency_ms(0);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    longest_chain(&env.sandbox.requests())
}

#[test]
fn setup_of_a_new_app_and_integration_takes_at_most_7_round_trips_and_a_rerun_3() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    let first = chain_of(&env, setup(&env, &token, &[]));
    let again = chain_of(&env, setup(&env, &token, &[]));
    eprintln!("setup: {first} round trips; again: {again}");
    assert!(
        first <= 7,
        "a new setup took {first} sequential round trips"
    );
    assert!(
        again <= 3,
        "a setup re-run took {again} sequential round trips"
    );
}

#[test]
fn status_takes_at_most_3_round_trips_whatever_the_number_of_runners() {
    let env = TestEnv::new();
    env.sandbox.add_ready_runners(32, true);
    // Signed in on one host: that one is asked about, the others are known not to be.
    let mut login = env.cmd();
    login
        .args(["login", "pat", "--runner", seed::RUNNER_READY_ID])
        .args([
            "--host",
            "dev.azure.com",
            "--org",
            seed::ADO_ORG,
            "--with-token",
        ])
        .write_stdin(seed::PAT_VALID);
    login.assert().success();
    for args in [
        &["status", "--json"][..],
        &["status", "--all", "--json"][..],
    ] {
        env.sandbox.set_realism(Realism::default());
        env.sandbox.clear_requests();
        env.sandbox.set_latency_ms(LATENCY_MS);
        let mut cmd = env.cmd();
        cmd.args(args);
        let out = cmd.output().unwrap();
        env.sandbox.set_latency_ms(0);
        assert!(matches!(out.status.code(), Some(0 | 3)));
        let chain = longest_chain(&env.sandbox.requests());
        assert!(chain <= 3, "{args:?} took {chain} sequential round trips");
    }
}

#[test]
fn login_pat_with_token_takes_at_most_3_round_trips() {
    let env = TestEnv::new();
    let mut cmd = env.cmd();
    cmd.args(LOGIN_PAT_ARGS)
        .arg("--with-token")
        .write_stdin(seed::PAT_VALID);
    let chain = chain_of(&env, cmd);
    assert!(chain <= 3, "login pat took {chain} sequential round trips");
    // And the same once more: a re-run replaces the PAT, still in 3.
    let mut again = env.cmd();
    again
        .args(LOGIN_PAT_ARGS)
        .arg("--with-token")
        .write_stdin(seed::PAT_VALID);
    let chain = chain_of(&env, again);
    assert!(
        chain <= 3,
        "login pat again took {chain} sequential round trips"
    );
    assert_eq!(env.host_tokens().len(), 1);
}

/// Ten runners set up four at a time take about as many sequential round trips as three
/// setups, not ten.
#[test]
fn apply_of_ten_runners_takes_the_round_trips_of_about_three_setups() {
    let env = TestEnv::new();
    env.sandbox.add_ready_runners(10, false);
    let token = env.admin_graph_token();
    let file = env.home.path().join("ten.toml");
    let entries: String = (3..=12)
        .map(|n| {
            format!(
                "[[integration]]\nrunner = \"runner-{n:03}\"\nhost = \"dev.azure.com/acme\"\n\n"
            )
        })
        .collect();
    std::fs::write(&file, entries).unwrap();
    let mut cmd = env.cmd();
    cmd.env("ADO_SCM_GRAPH_TOKEN", &token)
        .args(["apply", "--non-interactive", "-f"])
        .arg(&file);
    let chain = chain_of(&env, cmd);
    eprintln!("apply of ten runners: {chain} round trips");
    // A new setup takes at most 7 (above), three of them 21; apply's own reads come ahead
    // (runners, integrations, the organization's tenant, discovery: 4).
    assert!(
        chain <= 3 * 7 + 4,
        "apply of ten runners took {chain} sequential round trips"
    );
}
