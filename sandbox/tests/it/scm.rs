//! SCM integrations: the Azure DevOps rules, the sealed secret, the destructive update.

use ado_scm_sandbox::{hash_secret, seed};
use serde_json::{json, Value};

use crate::support::{assert_connect_error, issuer, seal, Env};

fn validate(env: &Env, runner: &str, integration: Value) -> Value {
    env.alice(
        "RunnerConfigurationService/ValidateRunnerConfiguration",
        json!({"runnerId": runner, "scmIntegration": integration}),
    )["scmIntegration"]
        .clone()
}

fn entra_oauth(env: &Env, sealed: &str, issuer_url: &str) -> Value {
    json!({
        "scmId": "azuredevops_entra",
        "host": "dev.azure.com",
        "oauthClientId": seed::SEEDED_APP_CLIENT_ID,
        "oauthEncryptedClientSecret": sealed,
        "pat": true,
        "issuerUrl": issuer_url,
        "ignoredField": env.sb.gitpod_url(),
    })
}

#[test]
fn validation_opens_the_sealed_secret_and_checks_it_with_entra() {
    let env = Env::start();
    let key = env.public_key(seed::RUNNER_FRESH_ID);
    let good = seal(&key, seed::SEEDED_APP_SECRET);

    let both_forms = [
        issuer(&env),
        format!("{}/{}/v2.0/", env.sb.authority_url(), seed::TENANT_ID),
    ];
    for issuer_url in both_forms {
        let result = validate(
            &env,
            seed::RUNNER_FRESH_ID,
            entra_oauth(&env, &good, &issuer_url),
        );
        assert_eq!(result, json!({"valid": true}), "issuer {issuer_url}");
    }

    // A wrong secret: the runner opens it, Entra refuses it.
    let wrong = seal(&key, "not-the-secret");
    let result = validate(
        &env,
        seed::RUNNER_FRESH_ID,
        entra_oauth(&env, &wrong, &issuer(&env)),
    );
    assert!(result.get("valid").is_none(), "{result}");
    assert!(
        result["oauthError"]
            .as_str()
            .unwrap()
            .contains("AADSTS7000215"),
        "{result}"
    );

    // Sealed to another runner's key: this runner cannot open it.
    let other = seal(
        &env.public_key(seed::RUNNER_READY_ID),
        seed::SEEDED_APP_SECRET,
    );
    let result = validate(
        &env,
        seed::RUNNER_FRESH_ID,
        entra_oauth(&env, &other, &issuer(&env)),
    );
    assert_eq!(
        result["oauthError"],
        json!("cannot decrypt client secret"),
        "{result}"
    );

    // The plaintext form is accepted too.
    let mut plain = entra_oauth(&env, "", &issuer(&env));
    plain["oauthPlaintextClientSecret"] = json!(seed::SEEDED_APP_SECRET);
    assert_eq!(
        validate(&env, seed::RUNNER_FRESH_ID, plain),
        json!({"valid": true})
    );

    // An issuer the runner cannot reach (not the sandbox's Entra).
    let result = validate(
        &env,
        seed::RUNNER_FRESH_ID,
        entra_oauth(
            &env,
            &good,
            &format!(
                "https://login.microsoftonline.com/{}/oauth2/v2.0",
                seed::TENANT_ID
            ),
        ),
    );
    assert!(
        result["oauthError"]
            .as_str()
            .unwrap()
            .contains("cannot reach"),
        "{result}"
    );
}

#[test]
fn validation_applies_the_azure_devops_rules() {
    let env = Env::start();
    let key = env.public_key(seed::RUNNER_FRESH_ID);
    let good = seal(&key, seed::SEEDED_APP_SECRET);
    let runner = seed::RUNNER_FRESH_ID;

    let mut no_issuer = entra_oauth(&env, &good, "");
    no_issuer.as_object_mut().unwrap().remove("issuerUrl");
    let result = validate(&env, runner, no_issuer);
    assert!(
        result["oauthError"]
            .as_str()
            .unwrap()
            .contains("issuer URL is required"),
        "{result}"
    );

    let mut vdir = entra_oauth(&env, &good, &issuer(&env));
    vdir["virtualDirectory"] = json!("/tfs");
    assert!(validate(&env, runner, vdir)["hostError"].is_string());

    let mut no_host = entra_oauth(&env, &good, &issuer(&env));
    no_host["host"] = json!("");
    assert_eq!(
        validate(&env, runner, no_host)["hostError"],
        json!("host is required")
    );

    // PAT only needs no issuer.
    let pat_only = json!({"scmId": "azuredevops_entra", "host": "dev.azure.com/acme", "pat": true});
    assert_eq!(validate(&env, runner, pat_only), json!({"valid": true}));

    let server = json!({"scmId": "azuredevops_server", "host": "ado.example.com", "pat": true, "virtualDirectory": "/tfs"});
    assert_eq!(
        validate(&env, runner, server.clone()),
        json!({"valid": true})
    );
    let mut server_no_vdir = server.clone();
    server_no_vdir
        .as_object_mut()
        .unwrap()
        .remove("virtualDirectory");
    assert!(validate(&env, runner, server_no_vdir)["hostError"]
        .as_str()
        .unwrap()
        .contains("virtual directory"));
    let mut server_issuer = server.clone();
    server_issuer["issuerUrl"] = json!(issuer(&env));
    assert!(validate(&env, runner, server_issuer)["oauthError"].is_string());
    let mut server_oauth = server.clone();
    server_oauth["oauthClientId"] = json!(seed::SEEDED_APP_CLIENT_ID);
    server_oauth["oauthEncryptedClientSecret"] = json!(good);
    assert!(validate(&env, runner, server_oauth)["oauthError"]
        .as_str()
        .unwrap()
        .contains("not supported"));
    let mut server_no_pat = server;
    server_no_pat["pat"] = json!(false);
    assert!(validate(&env, runner, server_no_pat)["patError"].is_string());

    let unknown = json!({"scmId": "azuredevops", "host": "dev.azure.com", "pat": true});
    assert!(validate(&env, runner, unknown)["scmIdError"].is_string());
}

fn create(env: &Env, key: &str, body: Value) -> (u16, Value) {
    env.rpc(key, "RunnerConfigurationService/CreateSCMIntegration", body)
}

fn entra_create(env: &Env, runner: &str) -> Value {
    json!({
        "runnerId": runner,
        "scmId": "azuredevops_entra",
        "host": "dev.azure.com",
        "oauthClientId": seed::SEEDED_APP_CLIENT_ID,
        "oauthPlaintextClientSecret": seed::SEEDED_APP_SECRET,
        "pat": true,
        "issuerUrl": issuer(env),
    })
}

#[test]
fn create_seals_the_secret_to_the_runner_and_lists_it() {
    let env = Env::start();
    let created = create(
        &env,
        seed::ALICE_API_KEY,
        entra_create(&env, seed::RUNNER_FRESH_ID),
    );
    assert_eq!(created.0, 200, "{}", created.1);
    let id = created.1["id"].as_str().unwrap().to_string();

    let listed = env.alice(
        "RunnerConfigurationService/ListSCMIntegrations",
        json!({"filter": {"runnerIds": [seed::RUNNER_FRESH_ID]}}),
    );
    let integrations = listed["integrations"].as_array().unwrap();
    assert_eq!(integrations.len(), 1, "{listed}");
    let integration = &integrations[0];
    assert_eq!(integration["id"], json!(id));
    assert_eq!(integration["host"], json!("dev.azure.com"));
    assert_eq!(integration["pat"], json!(true));
    assert_eq!(
        integration["oauth"]["clientId"],
        json!(seed::SEEDED_APP_CLIENT_ID)
    );
    assert_eq!(integration["oauth"]["issuerUrl"], json!(issuer(&env)));
    assert!(integration["oauth"]["encryptedClientSecret"].is_string());

    // The runner's key opens what the server sealed.
    let opened = env.sb.with_world(|w| w.gitpod.open_client_secret(&id));
    assert_eq!(opened.as_deref(), Some(seed::SEEDED_APP_SECRET));
    let state = env.sb.state();
    let saved = state["gitpod"]["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == json!(id))
        .unwrap()
        .clone();
    assert_eq!(
        saved["oauth"]["clientSecretHash"],
        json!(hash_secret(seed::SEEDED_APP_SECRET))
    );

    let got = env.alice(
        "RunnerConfigurationService/GetSCMIntegration",
        json!({"id": id}),
    );
    assert_eq!(&got["integration"], integration);

    // Same runner, scm and host again.
    let duplicate = create(
        &env,
        seed::ALICE_API_KEY,
        entra_create(&env, seed::RUNNER_FRESH_ID),
    );
    assert_connect_error(duplicate, 409, "already_exists");
}

#[test]
fn create_refuses_what_the_rules_and_the_runner_refuse() {
    let env = Env::start();
    let message = assert_connect_error(
        create(
            &env,
            seed::ALICE_API_KEY,
            entra_create(&env, seed::RUNNER_UNREGISTERED_ID),
        ),
        400,
        "failed_precondition",
    );
    assert_eq!(message, "runner does not have a public key");

    assert_connect_error(
        create(
            &env,
            seed::BOB_API_KEY,
            entra_create(&env, seed::RUNNER_FRESH_ID),
        ),
        403,
        "permission_denied",
    );

    let mut no_issuer = entra_create(&env, seed::RUNNER_FRESH_ID);
    no_issuer.as_object_mut().unwrap().remove("issuerUrl");
    assert_connect_error(
        create(&env, seed::ALICE_API_KEY, no_issuer),
        400,
        "invalid_argument",
    );

    // Create takes the plaintext secret only: a sealed one alone means no secret.
    let mut sealed_only = entra_create(&env, seed::RUNNER_FRESH_ID);
    sealed_only
        .as_object_mut()
        .unwrap()
        .remove("oauthPlaintextClientSecret");
    sealed_only["oauthEncryptedClientSecret"] = json!("AAAA");
    let message = assert_connect_error(
        create(&env, seed::ALICE_API_KEY, sealed_only),
        400,
        "invalid_argument",
    );
    assert!(message.contains("client secret is required"), "{message}");

    let server_without_vdir = json!({"runnerId": seed::RUNNER_FRESH_ID, "scmId": "azuredevops_server", "host": "ado.example.com", "pat": true});
    assert_connect_error(
        create(&env, seed::ALICE_API_KEY, server_without_vdir),
        400,
        "invalid_argument",
    );

    // PAT only on a runner without a key is fine: nothing to seal.
    let pat_only = json!({"runnerId": seed::RUNNER_UNREGISTERED_ID, "scmId": "azuredevops_entra", "host": "dev.azure.com", "pat": true});
    assert_eq!(create(&env, seed::ALICE_API_KEY, pat_only).0, 200);
}

fn tokens_of(env: &Env, source: &str) -> Vec<Value> {
    env.sb.state()["gitpod"]["hostTokens"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            t["integrationId"] == json!(seed::INTEGRATION_ENTRA_ID) && t["source"] == json!(source)
        })
        .cloned()
        .collect()
}

fn alice_oauth_token(env: &Env) {
    env.alice(
        "RunnerConfigurationService/CreateHostAuthenticationToken",
        json!({
            "runnerId": seed::RUNNER_READY_ID,
            "host": "dev.azure.com",
            "token": "an-oauth-access-token",
            "source": "HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH",
            "integrationId": seed::INTEGRATION_ENTRA_ID,
            "subject": {"id": seed::ALICE_USER_ID, "principal": "PRINCIPAL_USER"},
        }),
    );
}

#[test]
fn update_keeps_what_is_not_sent_and_destroys_what_is_switched_off() {
    let env = Env::start();
    alice_oauth_token(&env);
    let update = |body: Value| {
        env.rpc(
            seed::ALICE_API_KEY,
            "RunnerConfigurationService/UpdateSCMIntegration",
            body,
        )
    };
    let before_secret = env
        .sb
        .with_world(|w| w.gitpod.open_client_secret(seed::INTEGRATION_ENTRA_ID));

    // Only a new issuer: OAuth, PAT and every token stay.
    let new_issuer = format!("{}/{}/v2.0", env.sb.authority_url(), seed::TENANT_ID);
    assert_eq!(
        update(json!({"id": seed::INTEGRATION_ENTRA_ID, "issuerUrl": new_issuer})).0,
        200
    );
    let got = env.alice(
        "RunnerConfigurationService/GetSCMIntegration",
        json!({"id": seed::INTEGRATION_ENTRA_ID}),
    );
    assert_eq!(got["integration"]["oauth"]["issuerUrl"], json!(new_issuer));
    assert_eq!(got["integration"]["pat"], json!(true));
    assert_eq!(
        env.sb
            .with_world(|w| w.gitpod.open_client_secret(seed::INTEGRATION_ENTRA_ID)),
        before_secret
    );
    assert_eq!(
        tokens_of(&env, "HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH").len(),
        1
    );
    assert_eq!(
        tokens_of(&env, "HOST_AUTHENTICATION_TOKEN_SOURCE_PAT").len(),
        1
    );

    // A new secret is sealed again.
    assert_eq!(
        update(json!({"id": seed::INTEGRATION_ENTRA_ID, "oauthPlaintextClientSecret": "rotated"}))
            .0,
        200
    );
    assert_eq!(
        env.sb
            .with_world(|w| w.gitpod.open_client_secret(seed::INTEGRATION_ENTRA_ID))
            .as_deref(),
        Some("rotated")
    );

    // pat: false deletes everyone's PAT tokens (Bob's seeded one too).
    assert_eq!(
        update(json!({"id": seed::INTEGRATION_ENTRA_ID, "pat": false})).0,
        200
    );
    assert!(tokens_of(&env, "HOST_AUTHENTICATION_TOKEN_SOURCE_PAT").is_empty());
    assert_eq!(
        tokens_of(&env, "HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH").len(),
        1
    );
    let got = env.alice(
        "RunnerConfigurationService/GetSCMIntegration",
        json!({"id": seed::INTEGRATION_ENTRA_ID}),
    );
    assert!(
        got["integration"].get("pat").is_none(),
        "false is left out: {got}"
    );

    // Removing OAuth with PAT off would leave nothing: refused, nothing deleted.
    assert_connect_error(
        update(json!({"id": seed::INTEGRATION_ENTRA_ID, "oauthClientId": ""})),
        400,
        "invalid_argument",
    );
    assert_eq!(
        tokens_of(&env, "HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH").len(),
        1
    );

    // An empty client id removes OAuth and its users' tokens.
    assert_eq!(
        update(json!({"id": seed::INTEGRATION_ENTRA_ID, "oauthClientId": "", "pat": true})).0,
        200
    );
    assert!(tokens_of(&env, "HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH").is_empty());
    let got = env.alice(
        "RunnerConfigurationService/GetSCMIntegration",
        json!({"id": seed::INTEGRATION_ENTRA_ID}),
    );
    assert!(got["integration"].get("oauth").is_none(), "{got}");

    let unknown = "0190ffff-0000-7000-8000-000000000000";
    assert_connect_error(update(json!({"id": unknown})), 404, "not_found");
    assert_connect_error(
        env.rpc(
            seed::BOB_API_KEY,
            "RunnerConfigurationService/UpdateSCMIntegration",
            json!({"id": seed::INTEGRATION_ENTRA_ID, "pat": true}),
        ),
        403,
        "permission_denied",
    );
}

#[test]
fn delete_removes_the_integration_and_its_tokens() {
    let env = Env::start();
    assert_eq!(
        env.rpc(
            seed::BOB_API_KEY,
            "RunnerConfigurationService/DeleteSCMIntegration",
            json!({"id": seed::INTEGRATION_ENTRA_ID})
        )
        .0,
        403
    );
    env.alice(
        "RunnerConfigurationService/DeleteSCMIntegration",
        json!({"id": seed::INTEGRATION_ENTRA_ID}),
    );
    assert!(env.sb.state()["gitpod"]["hostTokens"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_connect_error(
        env.rpc(
            seed::ALICE_API_KEY,
            "RunnerConfigurationService/GetSCMIntegration",
            json!({"id": seed::INTEGRATION_ENTRA_ID}),
        ),
        404,
        "not_found",
    );
}

#[test]
fn list_integrations_pages() {
    let env = Env::start();
    let first = env.alice(
        "RunnerConfigurationService/ListSCMIntegrations",
        json!({"pagination": {"pageSize": 2}}),
    );
    assert_eq!(first["integrations"].as_array().unwrap().len(), 2);
    let token = first["pagination"]["nextToken"].as_str().unwrap();
    let rest = env.alice(
        "RunnerConfigurationService/ListSCMIntegrations",
        json!({"pagination": {"pageSize": 2, "token": token}}),
    );
    assert_eq!(rest["integrations"].as_array().unwrap().len(), 1);
    let none = env.alice(
        "RunnerConfigurationService/ListSCMIntegrations",
        json!({"filter": {"runnerIds": [seed::RUNNER_FRESH_ID]}}),
    );
    assert!(
        none.get("integrations").is_none(),
        "empty lists are left out: {none}"
    );
}
