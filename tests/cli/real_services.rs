//! The rules the real services publish, and their timing, met by ado-scm: runner ids and
//! names, the 25-id limit, rate limits on writes, the API's moves, the token variables, a new
//! app's propagation, method changes on an existing integration.

use ado_scm_sandbox::{seed, Fault, FaultKind, Realism};
use predicates::str::contains;
use serde_json::Value;

use crate::setup::setup;
use crate::support::{stdout_json, text, TestEnv, LOGIN_PAT_ARGS};

fn ok_json(mut cmd: assert_cmd::Command) -> (Value, String) {
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    (stdout_json(&out), text(&out.stderr))
}

#[test]
fn status_over_more_runners_than_one_list_takes_asks_in_groups_of_25() {
    let env = TestEnv::new();
    let ids = env.sandbox.add_ready_runners(32, true);
    let mut cmd = env.cmd();
    cmd.args(["status", "--json"]);
    let out = cmd.output().unwrap();
    let doc = stdout_json(&out);
    let hosts = doc["hosts"].as_array().unwrap();
    for id in &ids {
        assert!(
            hosts.iter().any(|h| h["runner_id"] == id.as_str()),
            "{id} missing: {}",
            text(&out.stderr)
        );
    }
    let lists = env.gitpod_calls("ListSCMIntegrations");
    assert!(lists.len() >= 2, "{}", lists.len());
    let mut asked = 0;
    for list in &lists {
        let n = list.body.as_ref().unwrap()["filter"]["runnerIds"]
            .as_array()
            .map_or(0, Vec::len);
        assert!(n <= 25, "{n} ids in one request");
        asked += n;
    }
    assert_eq!(
        asked,
        32 + 3,
        "every runner asked once (and the 3 seeded ones)"
    );
    assert!(lists.iter().all(|r| r.status == Some(200)));
}

#[test]
fn rate_limited_writes_are_sent_again_and_setup_converges() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    for (service, path) in [
        ("graph", "addPassword"),
        ("graph", "applications(uniqueName="),
        ("gitpod", "CreateSCMIntegration"),
    ] {
        env.sandbox
            .inject(Fault::new(Some(service), path, FaultKind::Status(429), 1));
    }
    let (doc, _) = ok_json(setup(&env, &token, &[]));
    assert_eq!(doc["integration"], "created");
    // Each refused write was sent once more, and there is one of each.
    let adds: Vec<_> = env
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/addPassword"))
        .collect();
    assert_eq!(adds[0].status, Some(429));
    let done = |calls: Vec<ado_scm_sandbox::LoggedRequest>| {
        calls.iter().filter(|r| r.status == Some(200)).count()
    };
    assert_eq!(done(adds), 1);
    let creates = env.gitpod_calls("CreateSCMIntegration");
    assert_eq!(creates[0].status, Some(429));
    assert_eq!(done(creates), 1);
    assert_eq!(env.integrations_of(seed::RUNNER_FRESH_ID).len(), 1);
    let apps = crate::setup::apps_named(&env, "Ona runner fresh-runner (Azure DevOps)");
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["passwordCredentials"].as_array().unwrap().len(), 1);
}

#[test]
fn a_first_setup_on_a_tenant_that_takes_its_time_succeeds() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    env.sandbox.set_realism(Realism::typical());
    let (doc, stderr) = ok_json(setup(&env, &token, &[]));
    assert_eq!(doc["integration"], "created");
    assert_eq!(doc["oauth"]["secret"], "created");
    assert!(
        stderr.contains("does not know the new app yet (AADSTS700016)"),
        "{stderr}"
    );
    // The service principal was refused while the app propagated, then made once.
    let sp_writes: Vec<_> = env
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH" && r.path.contains("servicePrincipals(appId="))
        .collect();
    assert!(sp_writes.iter().any(|r| r.status == Some(400)));
    let app_id = doc["oauth"]["client_id"].as_str().unwrap();
    assert_eq!(env.service_principals_of(app_id).len(), 1);
    // And a re-run, still on a slow tenant, creates nothing: the service principal it cannot
    // see yet is an idempotent upsert, nothing more.
    let before = env.state();
    env.sandbox.clear_requests();
    let (again, _) = ok_json(setup(&env, &token, &[]));
    assert_eq!(again["integration"], "unchanged");
    assert_eq!(again["oauth"]["secret"], "reused");
    let after = env.state();
    for path in [
        "/directory/applications",
        "/directory/servicePrincipals",
        "/gitpod/integrations",
    ] {
        assert_eq!(before.pointer(path), after.pointer(path), "{path} changed");
    }
    let writes: Vec<_> = env
        .mutating_requests()
        .into_iter()
        .filter(|r| !(r.method == "PATCH" && r.path.contains("servicePrincipals(appId=")))
        .collect();
    assert!(writes.is_empty(), "{writes:#?}");
}

#[test]
fn a_pat_for_all_organizations_is_refused_and_the_hint_asks_for_one_organization() {
    let env = TestEnv::new();
    let mut cmd = env.cmd();
    cmd.args(LOGIN_PAT_ARGS)
        .arg("--with-token")
        .write_stdin(seed::GLOBAL_PAT);
    cmd.assert()
        .code(3)
        .stderr(contains("in organization `acme` itself"))
        .stderr(contains("All accessible organizations").and(contains("no longer works")));
    assert!(env.host_tokens().is_empty());
    assert!(env.gitpod_calls("CreateHostAuthenticationToken").is_empty());
}

use predicates::prelude::PredicateBooleanExt;

#[test]
fn the_pat_page_guidance_names_the_one_organization() {
    let env = TestEnv::new();
    let mut cmd = env.cmd();
    // Interactive guidance is printed before the PAT is asked for; without a terminal the
    // guidance is not shown at all with --with-token.
    cmd.args(LOGIN_PAT_ARGS)
        .arg("--with-token")
        .write_stdin(seed::PAT_VALID);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains("Create a personal access token"),
        "{stderr}"
    );
}

#[test]
fn a_runner_is_named_by_id_or_by_name_in_every_command() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    // setup by name
    let mut cmd = env.cmd();
    cmd.env("ADO_SCM_GRAPH_TOKEN", &token).args([
        "setup",
        "--non-interactive",
        "--json",
        "--runner",
        seed::RUNNER_FRESH_NAME,
        "--org",
        seed::ADO_ORG,
    ]);
    let (doc, _) = ok_json(cmd);
    assert_eq!(doc["runner_id"], seed::RUNNER_FRESH_ID);
    // login, status, test, logout by name
    let mut login = env.cmd();
    login
        .args([
            "login",
            "pat",
            "--runner",
            seed::RUNNER_READY_NAME,
            "--host",
            "dev.azure.com",
            "--org",
            seed::ADO_ORG,
            "--with-token",
            "--json",
        ])
        .write_stdin(seed::PAT_VALID);
    let (doc, _) = ok_json(login);
    assert_eq!(doc["runner_id"], seed::RUNNER_READY_ID);
    for args in [
        vec![
            "status",
            "--runner",
            seed::RUNNER_READY_NAME,
            "--host",
            "dev.azure.com",
        ],
        vec![
            "test",
            "--runner",
            seed::RUNNER_READY_NAME,
            "--host",
            "dev.azure.com",
        ],
        vec![
            "logout",
            "--runner",
            seed::RUNNER_READY_NAME,
            "--host",
            "dev.azure.com",
        ],
    ] {
        let mut cmd = env.cmd();
        cmd.args(&args).arg("--json");
        let out = cmd.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert!(
        env.host_tokens().is_empty(),
        "logout by name removed the PAT"
    );
    // secret seal by name
    let mut seal = env.cmd();
    seal.args(["secret", "seal", "--runner", seed::RUNNER_READY_NAME])
        .write_stdin("s3cret-value");
    seal.assert().success();
}

#[test]
fn an_unknown_or_ambiguous_name_or_a_malformed_id_is_exit_2_naming_the_candidates() {
    let env = TestEnv::new();
    // Unknown name: only the runner list was read.
    let mut cmd = env.cmd();
    cmd.args(["status", "--runner", "not-a-guid"]);
    cmd.assert()
        .code(2)
        .stderr(contains("no runner named `not-a-guid`"))
        .stderr(contains(seed::RUNNER_READY_NAME));
    // Only reads: the runner list (and who you are, asked at the same time).
    let sent: Vec<String> = env.requests().iter().map(|r| r.path.clone()).collect();
    assert!(sent.iter().any(|p| p.ends_with("/ListRunners")), "{sent:?}");
    assert!(env.mutating_requests().is_empty(), "{sent:?}");
    // A mistyped id: refused before any request.
    env.sandbox.clear_requests();
    for command in ["setup", "login", "status", "logout", "test"] {
        let mut cmd = env.cmd();
        cmd.args([
            command,
            "--non-interactive",
            "--runner",
            "01900000-0000-7000-8000-0000000000a",
        ]);
        cmd.assert()
            .code(2)
            .stderr(contains("is not a valid runner ID"));
    }
    assert!(env.requests().is_empty(), "{:#?}", env.requests());
    // Two runners with one name: exit 2 with both ids.
    env.sandbox.with_world(|w| {
        for runner in w.gitpod.runners.iter_mut() {
            if runner.runner_id == seed::RUNNER_FRESH_ID {
                runner.name = seed::RUNNER_READY_NAME.to_string();
            }
        }
    });
    let mut cmd = env.cmd();
    cmd.args(["status", "--runner", seed::RUNNER_READY_NAME]);
    cmd.assert()
        .code(2)
        .stderr(contains("2 runners are named"))
        .stderr(contains(seed::RUNNER_FRESH_ID))
        .stderr(contains(seed::RUNNER_READY_ID));
}

#[test]
fn ona_api_key_wins_over_gitpod_api_key_and_an_explicit_flag_wins_over_both() {
    let env = TestEnv::new();
    // ONA_API_KEY (Alice) over GITPOD_API_KEY (a key the API refuses); -v says which.
    let mut cmd = env.bare_cmd();
    cmd.env("ONA_API_KEY", seed::ALICE_API_KEY)
        .env("GITPOD_API_KEY", "not-a-key")
        .args([
            "status",
            "-v",
            "--runner",
            seed::RUNNER_READY_ID,
            "--host",
            "dev.azure.com",
        ]);
    let out = cmd.output().unwrap();
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("Gitpod API token from the environment (ONA_API_KEY)"),
        "{stderr}"
    );
    assert!(!stderr.contains("rejected the token"), "{stderr}");
    // --gitpod-token-stdin over both.
    let mut cmd = env.bare_cmd();
    cmd.env("ONA_API_KEY", "not-a-key")
        .env("GITPOD_API_KEY", "not-a-key-either")
        .args([
            "status",
            "-v",
            "--gitpod-token-stdin",
            "--runner",
            seed::RUNNER_READY_ID,
            "--host",
            "dev.azure.com",
        ])
        .write_stdin(seed::ALICE_API_KEY);
    let out = cmd.output().unwrap();
    let stderr = text(&out.stderr);
    assert!(stderr.contains("Gitpod API token from stdin"), "{stderr}");
    assert!(!stderr.contains("rejected the token"), "{stderr}");
}

#[test]
fn a_moved_gitpod_api_is_followed_and_the_user_told_the_new_url() {
    for status in [307, 308] {
        let env = TestEnv::new();
        env.sandbox.move_gitpod_api(status);
        let mut cmd = env.cmd();
        cmd.args(LOGIN_PAT_ARGS)
            .args(["--with-token", "--json"])
            .write_stdin(seed::PAT_VALID);
        let out = cmd.output().unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(stderr.contains("the Gitpod API moved to"), "{stderr}");
        assert!(stderr.contains("/moved/api"), "{stderr}");
        assert_eq!(env.host_tokens().len(), 1);
        // The old place only ever answered with the move (the first calls, made at once, each
        // met it); the person is told once.
        let at_old: Vec<_> = env
            .requests()
            .into_iter()
            .filter(|r| r.service == "gitpod" && r.path.starts_with("/api/"))
            .collect();
        assert!(!at_old.is_empty());
        assert!(
            at_old.iter().all(|r| r.status == Some(status)),
            "{at_old:#?}"
        );
        assert_eq!(
            stderr.matches("the Gitpod API moved to").count(),
            1,
            "{stderr}"
        );
        // The write went to the new place with its body.
        let create = env.gitpod_calls("CreateHostAuthenticationToken");
        assert!(create[0].path.starts_with("/moved/api/"));
    }
}

#[test]
fn every_method_change_on_an_existing_integration_works() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    let integration = |env: &TestEnv| env.integrations_of(seed::RUNNER_FRESH_ID)[0].clone();
    // PAT only, then both, then OAuth only, then PAT only again.
    ok_json(setup(&env, &token, &["--no-oauth"]));
    let i = integration(&env);
    assert_eq!(
        (i["pat"].as_bool(), i["oauth"].is_null()),
        (Some(true), true)
    );

    let (doc, _) = ok_json(setup(&env, &token, &[]));
    assert_eq!(doc["integration"], "updated");
    let i = integration(&env);
    assert_eq!(i["pat"], true);
    assert!(!i["oauth"]["clientId"].as_str().unwrap().is_empty());

    let (doc, _) = ok_json(setup(&env, &token, &["--no-pat", "--yes"]));
    assert_eq!(doc["integration"], "updated");
    let i = integration(&env);
    assert_eq!(i["pat"], false);
    assert!(!i["oauth"]["clientId"].as_str().unwrap().is_empty());

    let (doc, _) = ok_json(setup(&env, &token, &["--no-oauth", "--pat", "--yes"]));
    assert_eq!(doc["integration"], "updated");
    let i = integration(&env);
    assert_eq!(i["pat"], true);
    assert!(i["oauth"].is_null() || i["oauth"]["clientId"] == "", "{i}");
    assert_eq!(env.integrations_of(seed::RUNNER_FRESH_ID).len(), 1);
}
