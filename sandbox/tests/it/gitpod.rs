//! Connect transport, runners, schema, identity.

use ado_scm_sandbox::seed;
use serde_json::json;

use crate::support::{assert_connect_error, status_json, Env};

#[test]
fn calls_without_a_valid_api_key_are_unauthenticated() {
    let env = Env::start();
    let list = "RunnerService/ListRunners";
    assert_connect_error(
        env.rpc("not-a-key", list, json!({})),
        401,
        "unauthenticated",
    );
    let response = env
        .http
        .post(format!("{}/gitpod.v1.{list}", env.sb.gitpod_url()))
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .unwrap();
    assert_connect_error(status_json(response), 401, "unauthenticated");
    assert_eq!(env.rpc(seed::BOB_API_KEY, list, json!({})).0, 200);
}

#[test]
fn transport_rules_content_type_empty_and_malformed_bodies() {
    let env = Env::start();
    let url = format!(
        "{}/gitpod.v1.RunnerService/ListRunners",
        env.sb.gitpod_url()
    );
    let send = |content_type: &str, body: &str| {
        env.http
            .post(&url)
            .bearer_auth(seed::ALICE_API_KEY)
            .header("Content-Type", content_type)
            .body(body.to_string())
            .send()
            .unwrap()
    };
    assert_eq!(send("text/plain", "{}").status().as_u16(), 415);
    assert_connect_error(
        status_json(send("application/json", "")),
        400,
        "invalid_argument",
    );
    assert_connect_error(
        status_json(send("application/json", "{\"pagination\":")),
        400,
        "invalid_argument",
    );
    assert_connect_error(
        status_json(send(
            "application/json",
            "{\"pagination\":{\"pageSize\":\"many\"}}",
        )),
        400,
        "invalid_argument",
    );
    // Unknown fields are ignored (proto3 JSON), charset parameters are fine.
    assert_eq!(
        send("application/json; charset=utf-8", "{\"whatever\":1}")
            .status()
            .as_u16(),
        200
    );
    let unknown = env.rpc(seed::ALICE_API_KEY, "RunnerService/NoSuchMethod", json!({}));
    assert_connect_error(unknown, 501, "unimplemented");
}

#[test]
fn list_runners_pages_with_next_token() {
    let env = Env::start();
    let first = env.alice(
        "RunnerService/ListRunners",
        json!({"pagination": {"pageSize": 2}}),
    );
    assert_eq!(first["runners"].as_array().unwrap().len(), 2);
    let token = first["pagination"]["nextToken"]
        .as_str()
        .expect("a next token")
        .to_string();
    let second = env.alice(
        "RunnerService/ListRunners",
        json!({"pagination": {"pageSize": 2, "token": token}}),
    );
    let runners = second["runners"].as_array().unwrap();
    assert_eq!(runners.len(), 1);
    // proto3 JSON: an empty next token is left out.
    assert!(second["pagination"].get("nextToken").is_none(), "{second}");
    let all = env.alice("RunnerService/ListRunners", json!({}));
    assert_eq!(all["runners"].as_array().unwrap().len(), 3);
    assert_connect_error(
        env.rpc(
            seed::ALICE_API_KEY,
            "RunnerService/ListRunners",
            json!({"pagination": {"pageSize": 500}}),
        ),
        400,
        "invalid_argument",
    );
    assert_connect_error(
        env.rpc(
            seed::ALICE_API_KEY,
            "RunnerService/ListRunners",
            json!({"pagination": {"token": "forged"}}),
        ),
        400,
        "invalid_argument",
    );
}

#[test]
fn get_runner_shows_the_public_key_only_once_registered() {
    let env = Env::start();
    let ready = env.alice(
        "RunnerService/GetRunner",
        json!({"runnerId": seed::RUNNER_READY_ID}),
    );
    let runner = &ready["runner"];
    assert_eq!(runner["name"], json!(seed::RUNNER_READY_NAME));
    assert_eq!(runner["kind"], json!("RUNNER_KIND_REMOTE"));
    assert_eq!(runner["status"]["phase"], json!("RUNNER_PHASE_ACTIVE"));
    // The key is the X25519 public key of the seeded secret key.
    let key = env.public_key(seed::RUNNER_READY_ID);
    use base64::Engine as _;
    let secret: [u8; 32] = base64::engine::general_purpose::STANDARD
        .decode(seed::RUNNER_READY_SECRET_KEY_B64)
        .unwrap()
        .try_into()
        .unwrap();
    assert_eq!(key, crypto_box::SecretKey::from(secret).public_key());

    let unregistered = env.alice(
        "RunnerService/GetRunner",
        json!({"runnerId": seed::RUNNER_UNREGISTERED_ID}),
    );
    assert!(
        unregistered["runner"]["status"].get("publicKey").is_none(),
        "{unregistered}"
    );
    assert_eq!(
        unregistered["runner"]["status"]["phase"],
        json!("RUNNER_PHASE_CREATED")
    );

    let get = |id: &str| {
        env.rpc(
            seed::ALICE_API_KEY,
            "RunnerService/GetRunner",
            json!({"runnerId": id}),
        )
    };
    assert_connect_error(
        get("01900000-0000-7000-8000-000000000fff"),
        404,
        "not_found",
    );
    assert_connect_error(get("not-a-uuid"), 400, "invalid_argument");
    assert_connect_error(get(""), 400, "invalid_argument");
}

#[test]
fn schema_offers_both_azure_devops_flavours_with_the_callback_url() {
    let env = Env::start();
    let schema = env.alice(
        "RunnerConfigurationService/GetRunnerConfigurationSchema",
        json!({"runnerId": seed::RUNNER_FRESH_ID}),
    );
    let scm = schema["schema"]["scm"].as_array().unwrap();
    let find = |id: &str| {
        scm.iter()
            .find(|s| s["scmId"] == json!(id))
            .unwrap_or_else(|| panic!("{id} in {schema}"))
    };
    let entra = find("azuredevops_entra");
    assert_eq!(entra["name"], json!("Azure DevOps (Microsoft Entra ID)"));
    assert_eq!(entra["defaultHosts"], json!(["dev.azure.com"]));
    let root = env.sb.gitpod_url().trim_end_matches("/api").to_string();
    assert_eq!(
        entra["oauth"]["callbackUrl"],
        json!(format!(
            "{root}/runners/{}/auth/oauth2/callback",
            seed::RUNNER_FRESH_ID
        ))
    );
    assert!(entra["pat"]["docsLink"].is_string());
    let server = find("azuredevops_server");
    assert!(server.get("oauth").is_none());
    assert!(server["pat"].is_object());
    find("github");
}

#[test]
fn identity_is_the_caller() {
    let env = Env::start();
    let me = env.alice("IdentityService/GetAuthenticatedIdentity", json!({}));
    assert_eq!(
        me["subject"],
        json!({"id": seed::ALICE_USER_ID, "principal": "PRINCIPAL_USER"})
    );
    assert_eq!(me["organizationId"], json!(seed::GITPOD_ORG_ID));
    let (_, bob) = env.rpc(
        seed::BOB_API_KEY,
        "IdentityService/GetAuthenticatedIdentity",
        json!({}),
    );
    assert_eq!(bob["subject"]["id"], json!(seed::BOB_USER_ID));
}
