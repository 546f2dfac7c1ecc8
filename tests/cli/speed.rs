//! Speed is structure: each command's longest chain of sequential requests, read from the
//! sandbox's request log (start and end of each request, `longest_chain`), never wall time. With some latency on
//! every request, requests made at once overlap; a request that waits for an unrelated one
//! lengthens the chain and fails these tests.

use ado_scm_sandbox::{longest_chain, Realism};

use crate::setup::setup;
use crate::support::TestEnv;

/// Enough for requests made at once to overlap, short enough for a quick suite.
const LATENCY_MS: u64 = 25;

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
