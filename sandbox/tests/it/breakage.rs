//! The breakages `ado-scm doctor` is tested against: each one changes what the services show and
//! what they accept, through `Sandbox::apply_breakage` and through `POST /_sandbox/break`.

use ado_scm_sandbox::{seed, Breakage};
use serde_json::{json, Value};

use crate::support::{issuer, status_json, Env};

const VSO_CODE: &str = "b325850d-aa53-41ed-b77a-c5036b2f39fa";

fn seeded_app(env: &Env) -> Value {
    env.sb.state()["directory"]["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["appId"] == seed::SEEDED_APP_CLIENT_ID)
        .cloned()
        .expect("the seeded app")
}

/// Client credentials with the seeded app's secret: the AADSTS code of a refusal, 0 if issued.
fn client_credentials(env: &Env) -> u64 {
    let answer: Value = env
        .http
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            env.sb.authority_url(),
            seed::TENANT_ID
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", seed::SEEDED_APP_CLIENT_ID),
            ("client_secret", seed::SEEDED_APP_SECRET),
            ("scope", "499b84ac-1321-427f-aa17-267ca6975798/.default"),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    answer["error_codes"][0].as_u64().unwrap_or(0)
}

/// The runner's validation of the seeded integration with its saved sealed secret.
fn validate_saved(env: &Env) -> Value {
    let saved = env.alice(
        "RunnerConfigurationService/GetSCMIntegration",
        json!({"id": seed::INTEGRATION_ENTRA_ID}),
    );
    let sealed = saved["integration"]["oauth"]["encryptedClientSecret"].clone();
    env.alice(
        "RunnerConfigurationService/ValidateRunnerConfiguration",
        json!({"runnerId": seed::RUNNER_READY_ID, "scmIntegration": {
            "scmId": "azuredevops_entra", "host": "dev.azure.com", "pat": true,
            "oauthClientId": seed::SEEDED_APP_CLIENT_ID, "oauthEncryptedClientSecret": sealed,
            "issuerUrl": issuer(env)}}),
    )["scmIntegration"]
        .clone()
}

#[test]
fn an_aged_secret_ends_when_told_and_is_then_refused_as_expired() {
    let env = Env::start();
    let key_id = seeded_app(&env)["passwordCredentials"][0]["keyId"]
        .as_str()
        .unwrap()
        .to_string();
    let now = chrono::Utc::now();
    assert!(env.sb.apply_breakage(Breakage::AgeSecret {
        key_id: key_id.clone(),
        days: 5
    }));
    let end = seeded_app(&env)["passwordCredentials"][0]["endDateTime"]
        .as_str()
        .unwrap()
        .parse::<chrono::DateTime<chrono::Utc>>()
        .unwrap();
    assert!(
        (end - now - chrono::Duration::days(5)).num_seconds().abs() < 60,
        "{end}"
    );
    assert_eq!(client_credentials(&env), 0, "still valid for 5 days");

    assert!(env
        .sb
        .apply_breakage(Breakage::AgeSecret { key_id, days: -1 }));
    assert_eq!(client_credentials(&env), 7000222);
    assert_eq!(
        validate_saved(&env)["valid"],
        Value::Null,
        "valid: false is left out"
    );
    assert!(!env.sb.apply_breakage(Breakage::AgeSecret {
        key_id: "no-such-key".into(),
        days: 1
    }));
}

#[test]
fn a_broken_redirect_uri_and_a_removed_permission_show_in_the_app() {
    let env = Env::start();
    let before = seeded_app(&env);
    let uri = before["web"]["redirectUris"][0]
        .as_str()
        .unwrap()
        .to_string();
    assert!(env.sb.apply_breakage(Breakage::BreakRedirectUri {
        app: seed::SEEDED_APP_CLIENT_ID.into(),
        uri: uri.clone(),
    }));
    let after = seeded_app(&env);
    assert_eq!(after["web"]["redirectUris"][0], format!("{uri}-typo"));
    assert!(!after["web"]["redirectUris"]
        .as_array()
        .unwrap()
        .contains(&json!(uri)));

    let has_vso_code = |app: &Value| app["requiredResourceAccess"].to_string().contains(VSO_CODE);
    assert!(has_vso_code(&after));
    let remove = || Breakage::RemovePermission {
        app: seed::SEEDED_APP_CLIENT_ID.into(),
        scope: VSO_CODE.into(),
    };
    assert!(env.sb.apply_breakage(remove()));
    assert!(!has_vso_code(&seeded_app(&env)));
    assert!(!env.sb.apply_breakage(remove()), "nothing left to remove");
}

#[test]
fn a_runner_with_a_new_key_cannot_open_what_was_sealed_to_the_old_one() {
    let env = Env::start();
    let old_key = env.public_key(seed::RUNNER_READY_ID);
    assert_eq!(validate_saved(&env)["valid"], true);
    assert!(env.sb.apply_breakage(Breakage::RotateRunnerKey {
        runner_id: seed::RUNNER_READY_ID.into(),
    }));
    assert_ne!(env.public_key(seed::RUNNER_READY_ID), old_key);
    let result = validate_saved(&env);
    assert_eq!(result["valid"], Value::Null, "valid: false is left out");
    assert!(
        result["oauthError"].as_str().unwrap().contains("decrypt"),
        "{result}"
    );
    // A runner that never registered has no key to replace.
    assert!(!env.sb.apply_breakage(Breakage::RotateRunnerKey {
        runner_id: seed::RUNNER_UNREGISTERED_ID.into(),
    }));
}

#[test]
fn the_break_endpoint_takes_a_breakage_and_says_when_it_names_nothing() {
    let env = Env::start();
    let root = env.sb.urls().gitpod_root().to_string();
    let post = |body: Value| {
        status_json(
            env.http
                .post(format!("{root}/_sandbox/break"))
                .json(&body)
                .send()
                .unwrap(),
        )
    };
    let old_key = env.public_key(seed::RUNNER_READY_ID);
    let (status, body) = post(json!({"rotateRunnerKey": {"runnerId": seed::RUNNER_READY_ID}}));
    assert_eq!((status, body), (200, json!({"broken": true})));
    assert_ne!(env.public_key(seed::RUNNER_READY_ID), old_key);
    let (status, _) = post(json!({"ageSecret": {"keyId": "nope", "days": 3}}));
    assert_eq!(status, 404);
    let (status, _) = post(json!({"ageSecret": {"keyId": "nope"}}));
    assert_eq!(status, 400);
    let logged = env.sb.requests();
    assert!(
        logged.iter().all(|r| !r.path.starts_with("/_sandbox")),
        "control calls are not logged: {logged:?}"
    );
}
