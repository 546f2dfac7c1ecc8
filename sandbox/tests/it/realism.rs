//! The real services' timing (`Realism`), and a Gitpod API that moved.

use ado_scm_sandbox::{seed, Realism};
use serde_json::{json, Value};

use crate::support::{assert_connect_error, Env};

fn lagging(lag: u32) -> Env {
    let env = Env::start();
    env.sb.set_realism(Realism {
        gitpod_read_lag: lag,
        ..Realism::default()
    });
    env
}

fn alice_tokens(env: &Env) -> usize {
    let listed = env.alice(
        "RunnerConfigurationService/ListHostAuthenticationTokens",
        json!({"filter": {"subjectId": seed::ALICE_USER_ID}}),
    );
    listed["tokens"].as_array().map_or(0, Vec::len)
}

fn create_alice_pat(env: &Env) -> Value {
    env.alice(
        "RunnerConfigurationService/CreateHostAuthenticationToken",
        json!({
            "runnerId": seed::RUNNER_READY_ID,
            "host": "dev.azure.com",
            "token": seed::PAT_VALID,
            "source": "HOST_AUTHENTICATION_TOKEN_SOURCE_PAT",
            "subject": {"id": seed::ALICE_USER_ID, "principal": "PRINCIPAL_USER"},
        }),
    )
}

fn authenticated(env: &Env) -> bool {
    let check = env.alice(
        "RunnerService/CheckAuthenticationForHost",
        json!({"runnerId": seed::RUNNER_READY_ID, "host": "dev.azure.com"}),
    );
    check.get("authenticated").is_some()
}

#[test]
fn gitpod_reads_lag_behind_a_token_write_as_many_times_as_asked() {
    let env = lagging(2);
    let token = create_alice_pat(&env);
    assert!(token["token"]["id"].is_string());
    // The write happened; the replica does not show it yet.
    let state = env.sb.state();
    assert_eq!(state["gitpod"]["hostTokens"].as_array().unwrap().len(), 2);
    // A read the write does not change costs nothing.
    let integrations = env.alice("RunnerConfigurationService/ListSCMIntegrations", json!({}));
    assert_eq!(integrations["integrations"].as_array().unwrap().len(), 3);
    assert!(!authenticated(&env));
    assert_eq!(alice_tokens(&env), 0);
    assert_eq!(alice_tokens(&env), 1);
    assert!(authenticated(&env));

    // A delete lags the same way.
    let id = token["token"]["id"].as_str().unwrap();
    env.alice(
        "RunnerConfigurationService/DeleteHostAuthenticationToken",
        json!({"id": id}),
    );
    assert!(authenticated(&env));
    assert!(authenticated(&env));
    assert!(!authenticated(&env));
}

#[test]
fn a_new_integration_is_not_found_until_the_replica_catches_up() {
    let env = lagging(1);
    let created = env.alice(
        "RunnerConfigurationService/CreateSCMIntegration",
        json!({
            "runnerId": seed::RUNNER_FRESH_ID,
            "scmId": "azuredevops_entra",
            "host": "dev.azure.com",
            "pat": true,
        }),
    );
    let get = || {
        env.rpc(
            seed::ALICE_API_KEY,
            "RunnerConfigurationService/GetSCMIntegration",
            json!({"id": created["id"]}),
        )
    };
    assert_connect_error(get(), 404, "not_found");
    assert_eq!(get().0, 200);
}

#[test]
fn without_realism_reads_see_writes_at_once() {
    let env = Env::start();
    create_alice_pat(&env);
    assert_eq!(alice_tokens(&env), 1);
    assert!(authenticated(&env));
}

#[test]
fn the_realism_endpoint_sets_it_and_the_state_shows_it() {
    let env = Env::start();
    let root = env.sb.urls().gitpod_root().to_string();
    let set = env
        .http
        .post(format!("{root}/_sandbox/realism"))
        .json(&json!({"gitpodReadLag": 1, "entraUnknownNewApp": 3}))
        .send()
        .unwrap();
    assert_eq!(set.status().as_u16(), 200);
    let realism = &env.sb.state()["realism"];
    assert_eq!(realism["gitpodReadLag"], 1);
    assert_eq!(realism["entraUnknownNewApp"], 3);
    assert_eq!(realism["secretReplicationFailures"], 0);
    let bad = env
        .http
        .post(format!("{root}/_sandbox/realism"))
        .json(&json!({"gitpodReadLagg": 1}))
        .send()
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
    env.sb.set_realism(Realism::typical());
    assert_eq!(env.sb.state()["realism"]["graphReadMissesAfterCreate"], 2);
    env.sb.reset();
    assert_eq!(env.sb.state()["realism"]["gitpodReadLag"], 0);
}

#[test]
fn a_moved_api_redirects_to_the_same_path_under_moved() {
    for status in [307, 308] {
        let env = Env::start();
        env.sb.move_gitpod_api(status);
        let root = env.sb.urls().gitpod_root().to_string();
        let old = env
            .http
            .post(format!("{root}/api/gitpod.v1.RunnerService/ListRunners"))
            .bearer_auth(seed::ALICE_API_KEY)
            .header("Content-Type", "application/json")
            .body("{}")
            .send()
            .unwrap();
        assert_eq!(old.status().as_u16(), status);
        let location = old.headers()["location"].to_str().unwrap().to_string();
        assert_eq!(
            location,
            format!("{root}/moved/api/gitpod.v1.RunnerService/ListRunners")
        );
        let moved = env
            .http
            .post(&location)
            .bearer_auth(seed::ALICE_API_KEY)
            .header("Content-Type", "application/json")
            .body("{}")
            .send()
            .unwrap();
        assert_eq!(moved.status().as_u16(), 200);
        let logged: Vec<(String, Option<u16>)> = env
            .sb
            .requests_to("gitpod")
            .into_iter()
            .map(|r| (r.path, r.status))
            .collect();
        assert_eq!(
            logged,
            vec![
                (
                    "/api/gitpod.v1.RunnerService/ListRunners".to_string(),
                    Some(status)
                ),
                (
                    "/moved/api/gitpod.v1.RunnerService/ListRunners".to_string(),
                    Some(200)
                ),
            ]
        );
    }
}
