//! The published Gitpod rules (the `buf.validate` annotations of the TS SDK's embedded protos),
//! answered in protovalidate's words, and the runner's Validate needing the secret itself.

use ado_scm_sandbox::{hash_secret, seed};
use serde_json::{json, Value};

use crate::support::{assert_connect_error, issuer, Env};

/// A UUID no object has.
const UNKNOWN_ID: &str = "0190ffff-0000-7000-8000-000000000000";

fn invalid(env: &Env, method: &str, body: Value) -> String {
    assert_connect_error(
        env.rpc(seed::ALICE_API_KEY, method, body),
        400,
        "invalid_argument",
    )
}

#[test]
fn every_runner_id_must_be_a_uuid() {
    let env = Env::start();
    let not_uuid = "validation error:\n - runner_id: value must be a valid UUID [string.uuid]";
    for method in [
        "RunnerService/GetRunner",
        "RunnerService/CheckAuthenticationForHost",
        "RunnerConfigurationService/GetRunnerConfigurationSchema",
        "RunnerConfigurationService/CreateSCMIntegration",
        "RunnerConfigurationService/ValidateRunnerConfiguration",
    ] {
        let body = json!({"runnerId": "acme-runner", "host": "dev.azure.com"});
        assert_eq!(invalid(&env, method, body), not_uuid, "{method}");
    }
    assert_eq!(
        invalid(&env, "RunnerService/GetRunner", json!({})),
        "validation error:\n - runner_id: value is empty, which is not a valid UUID [string.uuid_empty]"
    );
    assert_eq!(
        invalid(
            &env,
            "RunnerConfigurationService/ListSCMIntegrations",
            json!({"filter": {"runnerIds": [seed::RUNNER_READY_ID, "fresh-runner"]}}),
        ),
        "validation error:\n - filter.runner_ids[1]: value must be a valid UUID [string.uuid]"
    );
    assert_eq!(
        invalid(
            &env,
            "RunnerConfigurationService/ListHostAuthenticationTokens",
            json!({"filter": {"runnerId": "acme-runner"}}),
        ),
        "validation error:\n - filter.runner_id: value must be a valid UUID [string.uuid]"
    );
    // A well-formed id that names no runner is another matter.
    assert_connect_error(
        env.rpc(
            seed::ALICE_API_KEY,
            "RunnerService/GetRunner",
            json!({"runnerId": UNKNOWN_ID}),
        ),
        404,
        "not_found",
    );
    // Refused before any handler ran: nothing was created.
    let state = env.sb.state();
    assert_eq!(state["gitpod"]["integrations"].as_array().unwrap().len(), 3);
}

#[test]
fn create_host_token_reports_every_violation_at_once() {
    let env = Env::start();
    let scopes: Vec<String> = (0..102).map(|i| format!("scope{i}")).collect();
    let message = invalid(
        &env,
        "RunnerConfigurationService/CreateHostAuthenticationToken",
        json!({
            "runnerId": seed::RUNNER_READY_ID,
            "host": "",
            "token": "",
            "integrationId": "not-an-id",
            "scopes": scopes,
            "source": "HOST_AUTHENTICATION_TOKEN_SOURCE_PAT",
            "subject": {"id": seed::ALICE_USER_ID, "principal": "PRINCIPAL_USER"},
        }),
    );
    assert_eq!(
        message,
        "validation error:\n \
         - host: value length must be at least 1 characters [string.min_len]\n \
         - token: value length must be at least 1 characters [string.min_len]\n \
         - integration_id: value must be a valid UUID [string.uuid]\n \
         - scopes: value must contain no more than 101 item(s) [repeated.max_items]"
    );
    // An empty `integrationId` is unset (IGNORE_IF_UNPOPULATED), not a violation.
    let created = env.alice(
        "RunnerConfigurationService/CreateHostAuthenticationToken",
        json!({
            "runnerId": seed::RUNNER_READY_ID,
            "host": "dev.azure.com",
            "token": seed::PAT_VALID,
            "integrationId": "",
            "source": "HOST_AUTHENTICATION_TOKEN_SOURCE_PAT",
            "subject": {"id": seed::ALICE_USER_ID, "principal": "PRINCIPAL_USER"},
        }),
    );
    assert!(created["token"]["id"].is_string());
}

#[test]
fn integration_and_token_ids_must_be_uuids() {
    let env = Env::start();
    let not_uuid = "validation error:\n - id: value must be a valid UUID [string.uuid]";
    for method in [
        "RunnerConfigurationService/GetSCMIntegration",
        "RunnerConfigurationService/UpdateSCMIntegration",
        "RunnerConfigurationService/DeleteSCMIntegration",
        "RunnerConfigurationService/DeleteHostAuthenticationToken",
    ] {
        assert_eq!(
            invalid(&env, method, json!({"id": "nope"})),
            not_uuid,
            "{method}"
        );
        let unknown = env.rpc(seed::ALICE_API_KEY, method, json!({"id": UNKNOWN_ID}));
        assert_connect_error(unknown, 404, "not_found");
    }
}

#[test]
fn page_sizes_run_from_0_to_100() {
    let env = Env::start();
    assert_eq!(
        invalid(
            &env,
            "RunnerService/ListRunners",
            json!({"pagination": {"pageSize": 101}}),
        ),
        "validation error:\n - pagination.page_size: value must be greater than or equal to 0 and less than or equal to 100 [int32.gte_lte]"
    );
    for size in [0, 100] {
        let listed = env.alice(
            "RunnerService/ListRunners",
            json!({"pagination": {"pageSize": size}}),
        );
        assert_eq!(listed["runners"].as_array().unwrap().len(), 3);
    }
}

#[test]
fn list_integrations_takes_at_most_25_runner_ids() {
    let env = Env::start();
    let mut ids = env.sb.add_ready_runners(26, true);
    assert_eq!(
        invalid(
            &env,
            "RunnerConfigurationService/ListSCMIntegrations",
            json!({"filter": {"runnerIds": ids}}),
        ),
        "validation error:\n - filter.runner_ids: value must contain no more than 25 item(s) [repeated.max_items]"
    );
    ids.pop();
    let listed = env.alice(
        "RunnerConfigurationService/ListSCMIntegrations",
        json!({"filter": {"runnerIds": ids}, "pagination": {"pageSize": 100}}),
    );
    let integrations = listed["integrations"].as_array().unwrap();
    assert_eq!(integrations.len(), 25);
    assert!(integrations
        .iter()
        .all(|i| i["scmId"] == "azuredevops_entra"
            && i["pat"] == true
            && i.get("oauth").is_none()));
}

#[test]
fn added_runners_are_registered_with_their_own_keys() {
    let env = Env::start();
    let ids = env.sb.add_ready_runners(2, false);
    assert_eq!(ids.len(), 2);
    let keys: Vec<Value> = ids
        .iter()
        .map(|id| {
            let runner = env.alice("RunnerService/GetRunner", json!({"runnerId": id}));
            assert_eq!(runner["runner"]["status"]["phase"], "RUNNER_PHASE_ACTIVE");
            runner["runner"]["status"]["publicKey"].clone()
        })
        .collect();
    assert!(keys[0].is_string() && keys[0] != keys[1]);
    let listed = env.alice(
        "RunnerConfigurationService/ListSCMIntegrations",
        json!({"filter": {"runnerIds": ids}}),
    );
    assert!(listed.get("integrations").is_none(), "{listed}");
    let all = env.alice("RunnerService/ListRunners", json!({}));
    assert_eq!(all["runners"].as_array().unwrap().len(), 5);
}

#[test]
fn validate_with_a_client_id_needs_the_secret_itself() {
    let env = Env::start();
    let integration = |extra: Value| {
        let mut fields = json!({
            "id": seed::INTEGRATION_ENTRA_ID,
            "scmId": "azuredevops_entra",
            "host": "dev.azure.com",
            "oauthClientId": seed::SEEDED_APP_CLIENT_ID,
            "issuerUrl": issuer(&env),
            "pat": true,
        });
        fields
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        env.alice(
            "RunnerConfigurationService/ValidateRunnerConfiguration",
            json!({"runnerId": seed::RUNNER_READY_ID, "scmIntegration": fields}),
        )["scmIntegration"]
            .clone()
    };
    // The saved integration's id does not stand in for its secret.
    let without = integration(json!({}));
    assert!(without.get("valid").is_none(), "{without}");
    assert_eq!(without["oauthError"], "OAuth client secret is required");
    // Its own saved secret, as ListSCMIntegrations shows it, does.
    let listed = env.alice(
        "RunnerConfigurationService/GetSCMIntegration",
        json!({"id": seed::INTEGRATION_ENTRA_ID}),
    );
    let saved = listed["integration"]["oauth"]["encryptedClientSecret"].clone();
    let with_saved = integration(json!({"oauthEncryptedClientSecret": saved}));
    assert_eq!(with_saved["valid"], true, "{with_saved}");
    // The request log shows what the runner was given: the sealed secret, hashed.
    let validate = env
        .sb
        .requests()
        .into_iter()
        .rfind(|r| r.path.ends_with("ValidateRunnerConfiguration"))
        .unwrap();
    let sent = &validate.body.unwrap()["scmIntegration"]["oauthEncryptedClientSecret"];
    assert_eq!(*sent, json!(hash_secret(saved.as_str().unwrap())));
}
