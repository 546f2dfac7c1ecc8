//! Each piece of the sandbox's timing realism (the real services lagging behind their own
//! writes: `Realism`) switched on alone, and met by ado-scm's handling of that piece: the run
//! succeeds, the request log shows the answer it met and the request asked again, and the
//! services hold what one clean run makes (one app, one service principal, one secret of ours,
//! one integration, one PAT). With the handling removed, each test here fails.
//!
//! Also held elsewhere: the runner asked again until it reports a new PAT
//! (`login_pat::a_runner_slow_to_show_the_new_token_is_asked_again`). Every piece at once is `real_services::a_first_setup_on_a_tenant_that_takes_its_time_succeeds`
//! (and the realism pass of `scripts/test` runs the whole suite under it).

use ado_scm_sandbox::{seed, Fault, FaultKind, LoggedRequest, Realism};
use serde_json::Value;

use crate::setup::{fresh_app, our_secret_name, password_names, run_ok, setup};
use crate::support::{TestEnv, LOGIN_PAT_ARGS};

/// `setup` for the fresh runner (a new app) with `realism` on, from the first request on.
fn setup_under(realism: Realism, extra: &[&str]) -> (TestEnv, Value, String) {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    env.sandbox.set_realism(realism);
    env.sandbox.clear_requests();
    let (doc, stderr) = run_ok(setup(&env, &token, extra));
    (env, doc, stderr)
}

/// The requests to `service` whose path contains `part`, in order.
fn calls(env: &TestEnv, service: &str, part: &str) -> Vec<LoggedRequest> {
    env.requests()
        .into_iter()
        .filter(|r| r.service == service && r.path.contains(part))
        .collect()
}

/// The statuses of those requests, in order.
fn statuses(requests: &[LoggedRequest]) -> Vec<Option<u16>> {
    requests.iter().map(|r| r.status).collect()
}

/// Client-credentials requests to Entra (ado-scm's proof of a secret, and the runner's own).
fn client_credentials(env: &TestEnv) -> Vec<LoggedRequest> {
    env.requests()
        .into_iter()
        .filter(|r| {
            r.service == "entra"
                && r.body
                    .as_ref()
                    .is_some_and(|b| b["grant_type"] == "client_credentials")
        })
        .collect()
}

/// What one clean setup of the fresh runner leaves: one app with one secret of ours, its one
/// service principal, one integration.
fn assert_one_of_each(env: &TestEnv, doc: &Value) {
    assert_eq!(doc["integration"], "created", "{doc:#}");
    assert_eq!(doc["oauth"]["secret"], "created", "{doc:#}");
    let app = fresh_app(env);
    let ours: Vec<_> = password_names(&app)
        .into_iter()
        .filter(|(_, name)| *name == our_secret_name())
        .collect();
    assert_eq!(ours.len(), 1, "{app:#}");
    let sps = env.service_principals_of(app["appId"].as_str().unwrap());
    assert_eq!(sps.len(), 1, "{sps:#?}");
    let integrations = env.integrations_of(seed::RUNNER_FRESH_ID);
    assert_eq!(integrations.len(), 1);
    // The issuer form of a clean run: a refusal while something replicates is no reason to
    // try the other form.
    let issuer = format!(
        "{}/{}/oauth2/v2.0",
        env.sandbox.authority_url(),
        seed::TENANT_ID
    );
    assert_eq!(integrations[0]["issuerUrl"], issuer);
}

#[test]
fn a_new_graph_object_that_reads_do_not_show_yet_is_asked_for_again() {
    let (env, doc, _) = setup_under(
        Realism {
            graph_read_misses_after_create: 2,
            ..Realism::default()
        },
        &["--grant-admin-consent"],
    );
    assert_one_of_each(&env, &doc);
    // The new app's first secret: Graph did not show the app twice (404), then made it once.
    let object_id = fresh_app(&env)["id"].as_str().unwrap().to_string();
    let adds = calls(&env, "graph", &format!("{object_id}/addPassword"));
    assert_eq!(
        statuses(&adds),
        [Some(404), Some(404), Some(200)],
        "{adds:#?}"
    );
    // The consent grants, made on the new service principal, are there once each.
    let sp_id =
        env.service_principals_of(doc["oauth"]["client_id"].as_str().unwrap())[0]["id"].clone();
    assert_eq!(env.grants_of(sp_id.as_str().unwrap()).len(), 2);
}

#[test]
fn a_service_principal_refused_while_its_new_app_propagates_is_asked_for_again() {
    let (env, doc, _) = setup_under(
        Realism {
            sp_create_bad_request_after_app_create: 2,
            ..Realism::default()
        },
        &[],
    );
    assert_one_of_each(&env, &doc);
    let sp_writes: Vec<_> = calls(&env, "graph", "servicePrincipals(appId=")
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .collect();
    assert_eq!(
        statuses(&sp_writes),
        [Some(400), Some(400), Some(201)],
        "{sp_writes:#?}"
    );
}

/// Setup under `realism`, where Entra refuses client credentials with `refusal` (the HTTP
/// status) for a while: the wait is said (`said`), and the refusals end in a token.
fn entra_refusals_are_waited_for(realism: Realism, said: &str, refusal: u16) {
    let (env, doc, stderr) = setup_under(realism, &[]);
    assert_one_of_each(&env, &doc);
    assert!(stderr.contains(said), "{stderr}");
    // Refused (the runner's own check, which the log does not show, may have met one of the
    // two refusals), then accepted.
    let tries = client_credentials(&env);
    let refused = tries.iter().filter(|r| r.status == Some(refusal)).count();
    assert!((1..=2).contains(&refused), "{tries:#?}");
    assert_eq!(tries.last().unwrap().status, Some(200), "{tries:#?}");
}

#[test]
fn entra_not_knowing_a_new_app_yet_is_waited_for_saying_why() {
    entra_refusals_are_waited_for(
        Realism {
            entra_unknown_new_app: 2,
            ..Realism::default()
        },
        "Entra ID does not know the new app yet (AADSTS700016)",
        400,
    );
}

#[test]
fn a_new_secret_entra_does_not_know_yet_is_waited_for_saying_why() {
    entra_refusals_are_waited_for(
        Realism {
            secret_replication_failures: 2,
            ..Realism::default()
        },
        "Entra ID does not know the new secret yet (AADSTS7000215)",
        401,
    );
}

#[test]
fn a_lost_integration_create_is_read_back_past_a_lagging_read() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    env.sandbox.set_realism(Realism {
        gitpod_read_lag: 2,
        ..Realism::default()
    });
    // The integration is made, its answer lost; the next two reads still show the runner
    // without it.
    env.sandbox.inject(Fault::new(
        Some("gitpod"),
        "CreateSCMIntegration",
        FaultKind::StatusAfter(503),
        1,
    ));
    env.sandbox.clear_requests();
    let (doc, _) = run_ok(setup(&env, &token, &[]));
    assert_one_of_each(&env, &doc);
    assert_eq!(env.gitpod_calls("CreateSCMIntegration").len(), 1);
    let lists = env.gitpod_calls("ListSCMIntegrations");
    assert!(lists.len() >= 3, "read until it showed: {}", lists.len());
}

#[test]
fn a_lost_pat_hand_over_is_read_back_past_a_lagging_read() {
    let env = TestEnv::new();
    env.sandbox.set_realism(Realism {
        gitpod_read_lag: 2,
        ..Realism::default()
    });
    env.sandbox.inject(Fault::new(
        Some("gitpod"),
        "CreateHostAuthenticationToken",
        FaultKind::StatusAfter(503),
        1,
    ));
    env.cmd()
        .args(LOGIN_PAT_ARGS)
        .arg("--with-token")
        .write_stdin(seed::PAT_VALID)
        .assert()
        .success();
    assert_eq!(env.host_tokens().len(), 1, "{:#?}", env.host_tokens());
    assert_eq!(env.gitpod_calls("CreateHostAuthenticationToken").len(), 1);
}
