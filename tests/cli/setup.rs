//! `ado-scm setup` against the sandbox: what ends up in the tenant and on the runner, what a
//! re-run does (nothing), drift repair, rotation, Server, dry run, and every failure an admin
//! can cause, asserted on the sandbox's state and request log.

use ado_scm_sandbox::gitpod::IssuerForm;
use ado_scm_sandbox::{hash_secret, seed, Breakage, Fault, FaultKind, Realism};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::support::{all_file_text, stdout_json, text, TestEnv};

const OPENID: &str = "37f7f235-527c-4136-accd-4a02d197296e";
const OFFLINE_ACCESS: &str = "7427e0e9-2fba-42fe-b0c0-848c9e6a8182";
const VSO_CODE: &str = "b325850d-aa53-41ed-b77a-c5036b2f39fa";
const VSO_CODE_WRITE: &str = "028ffaf1-6f06-490a-979e-38011f92fb7c";

/// A Graph request with the admin's token (to break or inspect the tenant behind ado-scm's back).
pub(crate) fn graph(
    env: &TestEnv,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let client = reqwest::blocking::Client::new();
    let mut request = client
        .request(method, format!("{}/v1.0/{path}", env.sandbox.graph_url()))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().unwrap();
    let status = response.status();
    let text = response.text().unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

pub(crate) fn callback(env: &TestEnv, runner_id: &str) -> String {
    format!(
        "{}/runners/{runner_id}/auth/oauth2/callback",
        env.sandbox.urls().gitpod_root()
    )
}

/// `ado-scm setup --non-interactive --json` for the fresh runner and organization `acme`, with
/// the admin's Graph token in `ADO_SCM_GRAPH_TOKEN`, plus `extra` flags.
pub(crate) fn setup(env: &TestEnv, token: &str, extra: &[&str]) -> assert_cmd::Command {
    setup_for_org(env, token, seed::ADO_ORG, extra)
}

pub(crate) fn setup_for_org(
    env: &TestEnv,
    token: &str,
    org: &str,
    extra: &[&str],
) -> assert_cmd::Command {
    let mut cmd = env.cmd();
    cmd.env("ADO_SCM_GRAPH_TOKEN", token).args([
        "setup",
        "--non-interactive",
        "--json",
        "--runner",
        seed::RUNNER_FRESH_ID,
        "--org",
        org,
    ]);
    cmd.args(extra);
    cmd
}

pub(crate) fn run_ok(mut cmd: assert_cmd::Command) -> (Value, String) {
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

/// Runs and expects a failure: (exit code, stderr), and no request that changes anything.
fn run_fails(env: &TestEnv, mut cmd: assert_cmd::Command, code: i32) -> String {
    let out = cmd.output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{stderr}",
        text(&out.stdout)
    );
    assert!(
        env.mutating_requests().is_empty(),
        "{:#?}",
        env.mutating_requests()
    );
    stderr
}

pub(crate) fn apps_named(env: &TestEnv, name: &str) -> Vec<Value> {
    env.state_items("/directory/applications", "displayName", name)
}

pub(crate) fn fresh_app(env: &TestEnv) -> Value {
    let apps = apps_named(env, "Ona runner fresh-runner (Azure DevOps)");
    assert_eq!(apps.len(), 1, "one app: {apps:#?}");
    apps[0].clone()
}

/// Opens a sealed box with a seeded runner's private key.
pub(crate) fn open_sealed(secret_key_b64: &str, sealed_b64: &str) -> String {
    let key: [u8; 32] = STANDARD.decode(secret_key_b64).unwrap().try_into().unwrap();
    let secret = crypto_box::SecretKey::from(key);
    let sealed = STANDARD.decode(sealed_b64.trim()).unwrap();
    String::from_utf8(secret.unseal(&sealed).expect("the sealed box opens")).unwrap()
}

fn scope_ids(app: &Value, resource: &str) -> Vec<String> {
    app["requiredResourceAccess"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["resourceAppId"] == resource)
        .flat_map(|r| r["resourceAccess"].as_array().unwrap().clone())
        .map(|a| {
            assert_eq!(a["type"], "Scope");
            a["id"].as_str().unwrap().to_string()
        })
        .collect()
}

pub(crate) fn password_names(app: &Value) -> Vec<(String, String)> {
    app["passwordCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["keyId"].as_str().unwrap().to_string(),
                p["displayName"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

pub(crate) fn our_secret_name() -> String {
    format!("ado-scm {}", seed::RUNNER_FRESH_ID)
}

#[test]
fn a_full_setup_registers_the_app_seals_the_secret_and_saves_the_integration() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    let mut cmd = setup(&env, &token, &[]);
    cmd.arg("-v");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc = stdout_json(&out);

    // The app registration: redirect URI = the runner's callback, ID tokens, single tenant, the
    // four delegated permissions, one secret named for ado-scm.
    let app = fresh_app(&env);
    assert_eq!(
        app["web"]["redirectUris"],
        json!([callback(&env, seed::RUNNER_FRESH_ID)])
    );
    assert_eq!(
        app["web"]["implicitGrantSettings"]["enableIdTokenIssuance"],
        true
    );
    assert_eq!(app["signInAudience"], "AzureADMyOrg");
    assert_eq!(
        scope_ids(&app, seed::GRAPH_APP_ID),
        vec![OPENID.to_string(), OFFLINE_ACCESS.to_string()]
    );
    assert_eq!(
        scope_ids(&app, seed::ADO_RESOURCE_APP_ID),
        vec![VSO_CODE.to_string(), VSO_CODE_WRITE.to_string()]
    );
    let passwords = app["passwordCredentials"].as_array().unwrap();
    assert_eq!(passwords.len(), 1);
    assert_eq!(passwords[0]["displayName"], our_secret_name());
    let secret_hash = passwords[0]["secretHash"].as_str().unwrap().to_string();

    // One service principal for it.
    assert_eq!(
        env.service_principals_of(app["appId"].as_str().unwrap())
            .len(),
        1
    );

    // One integration: right scm id, host, issuer, PAT; its secret is the app's, sealed to the
    // runner's key.
    let integrations = env.integrations_of(seed::RUNNER_FRESH_ID);
    assert_eq!(integrations.len(), 1, "{integrations:#?}");
    let integration = &integrations[0];
    assert_eq!(integration["scmId"], "azuredevops_entra");
    assert_eq!(integration["host"], "dev.azure.com");
    assert_eq!(integration["pat"], true);
    assert_eq!(integration["oauth"]["clientId"], app["appId"]);
    let issuer = format!(
        "{}/{}/oauth2/v2.0",
        env.sandbox.authority_url(),
        seed::TENANT_ID
    );
    assert_eq!(integration["issuerUrl"], issuer);
    assert_eq!(integration["virtualDirectory"], Value::Null);
    assert_eq!(integration["oauth"]["clientSecretHash"], secret_hash);
    let secret = open_sealed(
        seed::RUNNER_FRESH_SECRET_KEY_B64,
        integration["oauth"]["encryptedClientSecret"]
            .as_str()
            .unwrap(),
    );
    assert_eq!(hash_secret(&secret), secret_hash);

    // Validate received the sealed secret, never the plaintext; Create the plaintext (the
    // server seals it).
    let validates = env.gitpod_calls("ValidateRunnerConfiguration");
    let last = validates.last().unwrap().body.clone().unwrap();
    assert!(last["scmIntegration"]["oauthEncryptedClientSecret"].is_string());
    assert!(last["scmIntegration"]["oauthPlaintextClientSecret"].is_null());
    assert_eq!(last["scmIntegration"]["issuerUrl"], issuer);
    assert_ne!(
        last["scmIntegration"]["oauthEncryptedClientSecret"],
        json!(secret_hash)
    );
    let creates = env.gitpod_calls("CreateSCMIntegration");
    assert_eq!(creates.len(), 1);
    assert_eq!(
        creates[0].body.as_ref().unwrap()["oauthPlaintextClientSecret"],
        secret_hash
    );
    // Entra saw the client-credentials test for Azure DevOps.
    assert!(env.requests().iter().any(|r| r.service == "entra"
        && r.path.ends_with("/oauth2/v2.0/token")
        && r.body.as_ref().unwrap()["grant_type"] == "client_credentials"
        && r.body.as_ref().unwrap()["scope"] == "499b84ac-1321-427f-aa17-267ca6975798/.default"));

    // The summary of the contract.
    assert_eq!(doc["runner_id"], seed::RUNNER_FRESH_ID);
    assert_eq!(doc["scm_id"], "azuredevops_entra");
    assert_eq!(doc["host"], "dev.azure.com");
    assert_eq!(doc["integration_id"], integration["id"]);
    assert_eq!(doc["integration"], "created");
    assert_eq!(doc["oauth"]["client_id"], app["appId"]);
    assert_eq!(doc["oauth"]["app_object_id"], app["id"]);
    assert_eq!(doc["oauth"]["issuer_url"], issuer);
    assert_eq!(doc["oauth"]["secret"], "created");
    assert!(doc["oauth"]["secret_expires_at"]
        .as_str()
        .unwrap()
        .starts_with(&passwords[0]["endDateTime"].as_str().unwrap()[..10]));
    assert_eq!(doc["pat"], true);
    assert_eq!(doc["dry_run"], false);
    let checks = doc["checks"].as_array().unwrap();
    assert!(checks.len() >= 5);
    for c in checks {
        assert_eq!(c["ok"], true, "{c}");
        assert!(c["name"].is_string() && c["detail"].is_string());
    }
    let keys: Vec<&String> = doc.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "checks",
            "dry_run",
            "host",
            "integration",
            "integration_id",
            "oauth",
            "pat",
            "runner_id",
            "scm_id"
        ]
    );

    // Non-secret defaults saved; the secret nowhere: not in the output (-v included), the config
    // or the credentials file.
    let config = std::fs::read_to_string(env.config_path()).unwrap();
    assert!(config.contains(seed::RUNNER_FRESH_ID), "{config}");
    assert!(config.contains(app["appId"].as_str().unwrap()), "{config}");
    for place in [
        text(&out.stdout),
        text(&out.stderr),
        all_file_text(env.home.path()),
    ] {
        assert!(!place.contains(&secret), "the client secret leaked");
        assert!(!place.contains(&token), "the Graph token leaked");
    }
}

#[test]
fn a_rerun_with_the_same_answers_changes_and_creates_nothing() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    let (first, _) = run_ok(setup(&env, &token, &[]));
    let before = env.state();
    env.sandbox.clear_requests();

    let (second, stderr) = run_ok(setup(&env, &token, &[]));
    assert!(
        env.effective_writes().is_empty(),
        "{:#?}",
        env.effective_writes()
    );
    assert_eq!(second["integration"], "unchanged");
    assert_eq!(second["integration_id"], first["integration_id"]);
    assert_eq!(second["oauth"]["secret"], "reused");
    assert_eq!(second["oauth"]["client_id"], first["oauth"]["client_id"]);
    assert_eq!(
        second["oauth"]["secret_expires_at"],
        first["oauth"]["secret_expires_at"]
    );
    assert!(stderr.contains("Nothing to change"), "{stderr}");
    let after = env.state();
    for path in [
        "/directory/applications",
        "/directory/servicePrincipals",
        "/directory/oauth2PermissionGrants",
        "/gitpod/integrations",
    ] {
        assert_eq!(
            before.pointer(path).unwrap(),
            after.pointer(path).unwrap(),
            "{path} changed"
        );
    }
    // The runner validated the saved configuration with its own saved sealed secret (a
    // client id without a secret is not a configuration a runner validates).
    let saved = &env.integrations_of(seed::RUNNER_FRESH_ID)[0]["oauth"];
    let sealed = saved["encryptedClientSecret"].as_str().unwrap();
    let validate = env.gitpod_calls("ValidateRunnerConfiguration");
    assert_eq!(validate.len(), 1);
    let body = validate[0].body.as_ref().unwrap();
    assert_eq!(body["scmIntegration"]["id"], first["integration_id"]);
    assert_eq!(
        body["scmIntegration"]["oauthEncryptedClientSecret"],
        hash_secret(sealed)
    );
    assert_eq!(body["scmIntegration"]["oauthClientId"], saved["clientId"]);
}

/// A runner that takes only the OIDC form of the issuer (`…/v2.0`) refuses the form setup
/// proposes first (`…/oauth2/v2.0`): setup says so, asks again with the other form, saves the
/// form the runner took, and a re-run keeps it without changing anything.
#[test]
fn a_runner_taking_only_the_other_issuer_form_gets_that_form_saved_and_kept() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    assert!(env.sandbox.apply_breakage(Breakage::OnlyIssuerForm {
        runner_id: seed::RUNNER_FRESH_ID.into(),
        form: IssuerForm::V2,
    }));
    let base = format!("{}/{}", env.sandbox.authority_url(), seed::TENANT_ID);
    let (oauth2_form, oidc_form) = (format!("{base}/oauth2/v2.0"), format!("{base}/v2.0"));

    let (_, stderr) = run_ok(setup(&env, &token, &[]));
    assert!(
        stderr.contains(&format!("the runner rejected the issuer URL {oauth2_form}")),
        "{stderr}"
    );
    let asked: Vec<Value> = env
        .gitpod_calls("ValidateRunnerConfiguration")
        .iter()
        .map(|v| v.body.as_ref().unwrap()["scmIntegration"]["issuerUrl"].clone())
        .filter(|issuer| !issuer.is_null())
        .collect();
    assert_eq!(asked, [json!(oauth2_form), json!(oidc_form)]);
    let integrations = env.integrations_of(seed::RUNNER_FRESH_ID);
    assert_eq!(integrations.len(), 1);
    assert_eq!(integrations[0]["issuerUrl"], oidc_form);
    assert_eq!(password_names(&fresh_app(&env)).len(), 1, "one secret made");

    env.sandbox.clear_requests();
    let (again, _) = run_ok(setup(&env, &token, &[]));
    assert_eq!(again["integration"], "unchanged", "{again:#}");
    env.assert_nothing_sent_that_changes();
    assert_eq!(
        env.integrations_of(seed::RUNNER_FRESH_ID)[0]["issuerUrl"],
        oidc_form
    );
}

#[test]
fn drift_on_the_app_is_repaired_in_place_and_listed() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    run_ok(setup(&env, &token, &[]));
    let app = fresh_app(&env);
    let object_id = app["id"].as_str().unwrap();
    // Someone "tidied up" the app in the portal.
    graph(
        &env,
        &token,
        reqwest::Method::PATCH,
        &format!("applications/{object_id}"),
        Some(json!({
            "web": {"redirectUris": ["https://elsewhere.example.com/cb"],
                    "implicitGrantSettings": {"enableIdTokenIssuance": false}},
            "requiredResourceAccess": [{
                "resourceAppId": seed::ADO_RESOURCE_APP_ID,
                "resourceAccess": [{"id": VSO_CODE, "type": "Scope"}]
            }]
        })),
    );
    env.sandbox.clear_requests();

    let (doc, stderr) = run_ok(setup(&env, &token, &[]));
    let mutating = env.effective_writes();
    assert_eq!(mutating.len(), 1, "{mutating:#?}");
    assert_eq!(mutating[0].method, "PATCH");
    assert_eq!(mutating[0].path, format!("/v1.0/applications/{object_id}"));
    let app = fresh_app(&env);
    assert_eq!(
        app["web"]["redirectUris"],
        json!([
            "https://elsewhere.example.com/cb",
            callback(&env, seed::RUNNER_FRESH_ID)
        ]),
        "the other redirect URI is kept"
    );
    assert_eq!(
        app["web"]["implicitGrantSettings"]["enableIdTokenIssuance"],
        true
    );
    assert_eq!(
        scope_ids(&app, seed::GRAPH_APP_ID),
        vec![OPENID.to_string(), OFFLINE_ACCESS.to_string()]
    );
    assert_eq!(
        scope_ids(&app, seed::ADO_RESOURCE_APP_ID),
        vec![VSO_CODE.to_string(), VSO_CODE_WRITE.to_string()]
    );
    assert_eq!(doc["integration"], "unchanged");
    assert_eq!(doc["oauth"]["secret"], "reused");
    for words in [
        "add the Web redirect URI",
        "turn on ID tokens",
        "add the permission openid",
        "add the permission offline_access",
        "add the permission vso.code_write",
        "repaired:",
    ] {
        assert!(stderr.contains(words), "{words}: {stderr}");
    }
    let detail = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "app registration")
        .unwrap()["detail"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(detail.contains("repaired"), "{detail}");
}

#[test]
fn rotate_secret_replaces_ours_and_leaves_other_secrets_alone() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    let (first, _) = run_ok(setup(&env, &token, &[]));
    let app = fresh_app(&env);
    let object_id = app["id"].as_str().unwrap().to_string();
    let (old_key, _) = password_names(&app)[0].clone();
    // A secret someone else made on the same app.
    graph(
        &env,
        &token,
        reqwest::Method::POST,
        &format!("applications/{object_id}/addPassword"),
        Some(json!({"passwordCredential": {"displayName": "CI pipeline"}})),
    );
    env.sandbox.clear_requests();

    let (doc, stderr) = run_ok(setup(&env, &token, &["--rotate-secret"]));
    assert_eq!(doc["oauth"]["secret"], "rotated");
    assert_eq!(doc["integration"], "updated");
    assert_eq!(doc["integration_id"], first["integration_id"]);
    let app = fresh_app(&env);
    let names = password_names(&app);
    assert_eq!(names.len(), 2, "{names:#?}");
    assert!(names.iter().any(|(_, n)| n == "CI pipeline"));
    let ours: Vec<_> = names
        .iter()
        .filter(|(_, n)| *n == our_secret_name())
        .collect();
    assert_eq!(ours.len(), 1);
    assert_ne!(ours[0].0, old_key, "a new secret");
    // The integration holds the new secret.
    let new_hash = app["passwordCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["displayName"] == our_secret_name())
        .unwrap()["secretHash"]
        .clone();
    let integration = &env.integrations_of(seed::RUNNER_FRESH_ID)[0];
    assert_eq!(integration["oauth"]["clientSecretHash"], new_hash);
    // Removed only after the integration was updated, and only the old one of ours.
    let log = env.mutating_requests();
    let update = log
        .iter()
        .position(|r| r.path.ends_with("/UpdateSCMIntegration"))
        .unwrap();
    let removes: Vec<_> = log
        .iter()
        .enumerate()
        .filter(|(_, r)| r.path.ends_with("/removePassword"))
        .collect();
    assert_eq!(removes.len(), 1);
    assert!(removes[0].0 > update);
    assert_eq!(removes[0].1.body.as_ref().unwrap()["keyId"], old_key);
    assert!(stderr.contains("removed the old client secret"), "{stderr}");
}

#[test]
fn a_new_secret_refused_while_it_replicates_is_retried_saying_why() {
    let env = TestEnv::new();
    env.sandbox.set_realism(Realism {
        secret_replication_failures: 2,
        ..Realism::default()
    });
    let token = env.admin_graph_token();
    let (doc, stderr) = run_ok(setup(&env, &token, &[]));
    assert_eq!(doc["integration"], "created");
    assert!(
        stderr.contains("does not know the new secret yet (AADSTS7000215)"),
        "{stderr}"
    );
    let tries = env
        .requests()
        .into_iter()
        .filter(|r| {
            r.service == "entra"
                && r.body
                    .as_ref()
                    .is_some_and(|b| b["grant_type"] == "client_credentials")
        })
        .count();
    // The runner's own check of the secret (which it makes itself) may meet one of the
    // refusals: ado-scm asked at least twice, and the last time it was accepted.
    assert!(tries >= 2, "{tries}");
}

#[test]
fn grant_admin_consent_grants_once_per_resource() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    let (doc, _) = run_ok(setup(&env, &token, &["--grant-admin-consent"]));
    let app = fresh_app(&env);
    let sp_id = env.service_principals_of(app["appId"].as_str().unwrap())[0]["id"].clone();
    let sp_id = sp_id.as_str().unwrap();
    let grants = env.grants_of(sp_id);
    assert_eq!(grants.len(), 2, "{grants:#?}");
    for g in &grants {
        assert_eq!(g["consentType"], "AllPrincipals");
    }
    assert!(grants
        .iter()
        .any(|g| g["resourceId"] == seed::ADO_SP_ID && g["scope"] == "vso.code vso.code_write"));
    assert!(grants
        .iter()
        .any(|g| g["resourceId"] == seed::GRAPH_SP_ID && g["scope"] == "openid offline_access"));
    assert_eq!(doc["integration"], "created");

    env.sandbox.clear_requests();
    run_ok(setup(&env, &token, &["--grant-admin-consent"]));
    assert!(
        env.effective_writes().is_empty(),
        "{:#?}",
        env.effective_writes()
    );
    let after = env.grants_of(sp_id);
    assert_eq!(after, grants, "no second grant");
}

#[test]
fn server_is_pat_only_with_its_virtual_directory_and_no_microsoft_at_all() {
    let env = TestEnv::new();
    let (doc, _) = run_ok({
        let mut cmd = env.cmd();
        cmd.args([
            "setup",
            "--non-interactive",
            "--json",
            "--runner",
            seed::RUNNER_FRESH_ID,
            "--server",
            "--host",
            "ado.example.com",
            "--virtual-directory",
            "tfs/",
        ]);
        cmd
    });
    let integrations = env.integrations_of(seed::RUNNER_FRESH_ID);
    assert_eq!(integrations.len(), 1);
    let i = &integrations[0];
    assert_eq!(i["scmId"], "azuredevops_server");
    assert_eq!(i["host"], "ado.example.com");
    assert_eq!(i["virtualDirectory"], "/tfs");
    assert_eq!(i["pat"], true);
    assert_eq!(i["oauth"], Value::Null);
    assert_eq!(i["issuerUrl"], Value::Null);
    assert_eq!(doc["scm_id"], "azuredevops_server");
    assert_eq!(doc["oauth"], Value::Null);
    assert_eq!(doc["pat"], true);
    assert_eq!(doc["integration"], "created");
    assert!(
        env.requests()
            .iter()
            .all(|r| r.service == "gitpod" || r.path.starts_with("/_sandbox")),
        "Server needs no Entra, Graph or Azure DevOps call"
    );
    // The runner checked the configuration before it was created.
    let log = env.requests();
    let at = |method: &str| log.iter().position(|r| r.path.ends_with(method));
    let validated = at("/ValidateRunnerConfiguration").expect("the runner was asked");
    let sent = &log[validated].body.as_ref().unwrap()["scmIntegration"];
    assert_eq!(
        (&sent["scmId"], &sent["pat"], &sent["virtualDirectory"]),
        (&json!("azuredevops_server"), &json!(true), &json!("/tfs")),
        "{sent:#}"
    );
    assert!(validated < at("/CreateSCMIntegration").unwrap());
    // Re-run: unchanged.
    env.sandbox.clear_requests();
    let (again, _) = run_ok({
        let mut cmd = env.cmd();
        cmd.args([
            "setup",
            "--non-interactive",
            "--json",
            "--runner",
            seed::RUNNER_FRESH_ID,
            "--server",
            "--host",
            "ado.example.com",
        ]);
        cmd
    });
    assert_eq!(again["integration"], "unchanged");
    assert!(env.mutating_requests().is_empty());
}

#[test]
fn pat_only_on_services_needs_no_app_registration() {
    let env = TestEnv::new();
    let (doc, stderr) = run_ok({
        let mut cmd = env.cmd();
        cmd.args([
            "setup",
            "--non-interactive",
            "--json",
            "--runner",
            seed::RUNNER_FRESH_ID,
            "--host",
            "dev.azure.com/acme",
            "--no-oauth",
        ]);
        cmd
    });
    assert_eq!(doc["oauth"], Value::Null);
    assert_eq!(doc["host"], "dev.azure.com/acme");
    let i = &env.integrations_of(seed::RUNNER_FRESH_ID)[0];
    assert_eq!(i["scmId"], "azuredevops_entra");
    assert_eq!(i["pat"], true);
    assert_eq!(i["oauth"], Value::Null);
    assert!(env
        .requests()
        .iter()
        .all(|r| r.service != "graph" && r.service != "entra"));
    // No Graph sign-in, so the secret store (here `--store file`) is never opened.
    assert!(!stderr.contains("plain file"), "{stderr}");
}

#[test]
fn dry_run_shows_every_request_and_sends_none_that_changes_anything() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    let (doc, stderr) = run_ok(setup(&env, &token, &["--dry-run", "--grant-admin-consent"]));
    assert!(
        env.mutating_requests().is_empty(),
        "{:#?}",
        env.mutating_requests()
    );
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["integration"], "created");
    assert_eq!(doc["integration_id"], Value::Null);
    assert_eq!(doc["oauth"]["secret"], "created");
    let graph_url = env.sandbox.graph_url();
    for line in [
        format!(
            "PATCH {graph_url}/v1.0/applications(uniqueName='{}')",
            ado_scm::clients::graph::unique_name_for("Ona runner fresh-runner (Azure DevOps)")
        ),
        format!("PATCH {graph_url}/v1.0/servicePrincipals(appId='NEW-APP-CLIENT-ID')"),
        format!("POST {graph_url}/v1.0/oauth2PermissionGrants"),
        format!("POST {graph_url}/v1.0/applications/NEW-APP-OBJECT-ID/addPassword"),
        format!(
            "POST {}/gitpod.v1.RunnerConfigurationService/CreateSCMIntegration",
            env.sandbox.gitpod_url()
        ),
    ] {
        assert!(stderr.contains(&line), "{line}\n{stderr}");
    }
    assert!(stderr.contains("\"oauthPlaintextClientSecret\": \"<redacted"));
    assert!(stderr.contains(&callback(&env, seed::RUNNER_FRESH_ID)));
    assert!(env.integrations_of(seed::RUNNER_FRESH_ID).is_empty());
    assert!(apps_named(&env, "Ona runner fresh-runner (Azure DevOps)").is_empty());
    assert!(!env.config_path().exists(), "a dry run saves no defaults");

    // After a real run, a dry run with --rotate-secret lists the rotation.
    run_ok(setup(&env, &token, &[]));
    env.sandbox.clear_requests();
    let (doc, stderr) = run_ok(setup(&env, &token, &["--dry-run", "--rotate-secret"]));
    assert!(env.mutating_requests().is_empty());
    assert_eq!(doc["integration"], "updated");
    assert_eq!(doc["oauth"]["secret"], "rotated");
    assert!(stderr.contains("/addPassword"), "{stderr}");
    assert!(stderr.contains("/removePassword"), "{stderr}");
    assert!(stderr.contains("UpdateSCMIntegration"), "{stderr}");
}

#[test]
fn an_existing_app_and_secret_can_be_brought_along() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    // The seeded app of the ready runner, its secret on stdin; Graph checks and repairs it.
    let mut cmd = env.cmd();
    cmd.env("ADO_SCM_GRAPH_TOKEN", &token)
        .args([
            "setup",
            "--non-interactive",
            "--json",
            "-v",
            "--runner",
            seed::RUNNER_FRESH_ID,
            "--org",
            seed::ADO_ORG,
            "--client-id",
            seed::SEEDED_APP_CLIENT_ID,
            "--client-secret-stdin",
        ])
        .write_stdin(format!("{}\n", seed::SEEDED_APP_SECRET));
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc = stdout_json(&out);
    assert_eq!(doc["oauth"]["client_id"], seed::SEEDED_APP_CLIENT_ID);
    assert_eq!(doc["oauth"]["secret"], "reused");
    assert!(doc["oauth"]["secret_expires_at"].is_string());
    let i = &env.integrations_of(seed::RUNNER_FRESH_ID)[0];
    assert_eq!(
        i["oauth"]["clientSecretHash"],
        hash_secret(seed::SEEDED_APP_SECRET)
    );
    assert!(env
        .requests()
        .iter()
        .all(|r| !r.path.ends_with("/addPassword")));
    let apps = apps_named(&env, seed::SEEDED_APP_DISPLAY_NAME);
    let uris = apps[0]["web"]["redirectUris"].as_array().unwrap();
    assert!(uris.contains(&json!(callback(&env, seed::RUNNER_FRESH_ID))));
    assert!(uris.contains(&json!(callback(&env, seed::RUNNER_READY_ID))));
    for place in [
        text(&out.stdout),
        text(&out.stderr),
        all_file_text(env.home.path()),
    ] {
        assert!(
            !place.contains(seed::SEEDED_APP_SECRET),
            "the secret leaked"
        );
    }
}

#[test]
fn without_graph_an_existing_app_is_checked_by_entra_and_the_runner_only() {
    let env = TestEnv::new();
    let mut cmd = env.cmd();
    cmd.env("ADO_SCM_CLIENT_SECRET", seed::SEEDED_APP_SECRET)
        .args(crate::support::SETUP_FRESH_ARGS)
        .args(["--json", "--client-id", seed::SEEDED_APP_CLIENT_ID]);
    let (doc, stderr) = run_ok(cmd);
    assert_eq!(doc["integration"], "created");
    assert_eq!(doc["oauth"]["app_object_id"], Value::Null);
    assert!(
        stderr.contains("not checking the app registration"),
        "{stderr}"
    );
    assert!(env.requests().iter().all(|r| r.service != "graph"));
}

#[test]
fn turning_a_method_off_deletes_sign_ins_so_a_script_must_say_yes() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    run_ok(setup(&env, &token, &[]));
    env.sandbox.clear_requests();
    let stderr = run_fails(&env, setup(&env, &token, &["--no-pat"]), 2);
    assert!(stderr.contains("deletes every developer's PAT"), "{stderr}");
    assert!(stderr.contains("--yes"), "{stderr}");
    let (doc, _) = run_ok(setup(&env, &token, &["--no-pat", "--yes"]));
    assert_eq!(doc["integration"], "updated");
    assert_eq!(doc["pat"], false);
    let update = env.gitpod_calls("UpdateSCMIntegration");
    assert_eq!(update.len(), 1);
    let body = update[0].body.as_ref().unwrap();
    assert_eq!(body["pat"], false);
    assert!(body.get("oauthClientId").is_none(), "{body}");
    assert!(body.get("oauthPlaintextClientSecret").is_none(), "{body}");
}

// ---- Failures an admin can cause: message, exit code, nothing changed -------------------------

#[test]
fn a_runner_that_never_registered_is_explained() {
    let env = TestEnv::new();
    let mut cmd = env.cmd();
    cmd.args([
        "setup",
        "--non-interactive",
        "--runner",
        seed::RUNNER_UNREGISTERED_ID,
        "--org",
        seed::ADO_ORG,
    ]);
    let stderr = run_fails(&env, cmd, 4);
    assert!(
        stderr.contains("error: runner unregistered-runner (01900000-0000-7000-8000-0000000000c3) has no public key yet"),
        "{stderr}"
    );
    assert!(stderr.contains("Settings → Runners"), "{stderr}");
}

/// `setup --non-interactive --device-code --json` for the fresh runner, plus `extra`: the
/// admin enters the code shown on the sandbox's sign-in page, which approves it. Returns the
/// exit code, the JSON document and stderr.
pub(crate) fn setup_by_device_code(env: &TestEnv, extra: &[&str]) -> (i32, Value, String) {
    use std::io::{BufRead, BufReader};
    let mut child = env
        .std_cmd()
        .args(["setup", "--non-interactive", "--device-code", "--json"])
        .args(["--runner", seed::RUNNER_FRESH_ID, "--org", seed::ADO_ORG])
        .args(extra)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The code and where to enter it come at once, though --json holds other lines back.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let (url, code) = loop {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "no device code shown"
        );
        if let Some(rest) = line.trim().strip_prefix("To sign in, open ") {
            let (url, code) = rest
                .split_once(" and enter the code ")
                .expect("URL and code");
            break (url.to_string(), code.to_string());
        }
    };
    let page = reqwest::blocking::get(format!("{url}?user_code={code}")).unwrap();
    assert!(page.status().is_success(), "{}", page.status());
    let out = child.wait_with_output().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    (out.status.code().unwrap(), stdout_json(&out), rest)
}

#[test]
fn device_code_signs_the_admin_in_without_a_terminal() {
    let env = TestEnv::new();
    let (code, doc, stderr) = setup_by_device_code(&env, &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(doc["integration"], "created", "{doc}");
    assert_eq!(env.integrations_of(seed::RUNNER_FRESH_ID).len(), 1);
}

#[test]
fn a_gitpod_token_the_api_accepted_is_kept_though_setup_then_fails() {
    let env = TestEnv::new();
    let out = env
        .bare_cmd()
        .args(["--gitpod-token-stdin", "setup", "--non-interactive"])
        .args([
            "--runner",
            seed::RUNNER_UNREGISTERED_ID,
            "--org",
            seed::ADO_ORG,
        ])
        .write_stdin(format!("{}\n", seed::ALICE_API_KEY))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    // The next run, with no token given, asks the Gitpod API with the stored one.
    let out = env
        .bare_cmd()
        .args(["status", "--runner", seed::RUNNER_READY_ID, "--json"])
        .output()
        .unwrap();
    let doc = stdout_json(&out);
    assert_eq!(doc["gitpod"]["token_source"], "store", "{doc}");
}

#[test]
fn an_organization_not_connected_to_entra_says_where_to_connect_it() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    let mut cmd = setup_for_org(&env, &token, seed::ADO_ORG_UNCONNECTED, &[]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    let doc = stdout_json(&out);
    assert_eq!(doc["error"]["kind"], "check");
    assert_eq!(
        doc["error"]["message"],
        "Azure DevOps organization `lonely` is not connected to Microsoft Entra ID"
    );
    let hint = doc["error"]["hint"].as_str().unwrap();
    assert!(
        hint.contains("Organization settings → Microsoft Entra"),
        "{hint}"
    );
    assert!(hint.contains("https://dev.azure.com/lonely/_settings/organizationAad"));
    assert!(env.mutating_requests().is_empty());
}

#[test]
fn a_tenant_other_than_the_organizations_is_refused() {
    let env = TestEnv::new();
    let other = "0123abcd-0000-4000-8000-0000000000ff";
    env.sandbox.with_world(|w| {
        w.directory
            .tenants
            .push(ado_scm_sandbox::directory::Tenant {
                id: other.into(),
                display_name: "Other".into(),
                domains: vec!["other.onmicrosoft.com".into()],
            })
    });
    let token = env.admin_graph_token();
    let issuer = format!("{}/{other}/v2.0", env.sandbox.authority_url());
    for flag in [
        ["--tenant", other],
        ["--tenant", "other.onmicrosoft.com"],
        ["--issuer-url", issuer.as_str()],
    ] {
        let stderr = run_fails(&env, setup(&env, &token, &flag), 4);
        assert!(
            stderr.contains(&format!(
                "tenant mismatch: {} {} names Entra ID tenant {other}, but Azure DevOps organization `acme` is connected to tenant {}",
                flag[0], flag[1], seed::TENANT_ID
            )),
            "{stderr}"
        );
    }
}

#[test]
fn bad_issuer_urls_are_usage_errors() {
    let env = TestEnv::new();
    for (issuer, words) in [
        (
            "https://evil.example.com/x/v2.0".to_string(),
            "is not on a Microsoft login host",
        ),
        (
            "https://login.microsoftonline.com/common/v2.0".to_string(),
            "stands for many tenants",
        ),
        ("not a url".to_string(), "is not a URL"),
    ] {
        let mut cmd = env.cmd();
        cmd.args([
            "setup",
            "--non-interactive",
            "--runner",
            seed::RUNNER_FRESH_ID,
            "--issuer-url",
            &issuer,
        ]);
        let stderr = run_fails(&env, cmd, 2);
        assert!(stderr.contains("--issuer-url"), "{stderr}");
        assert!(stderr.contains(words), "{words}: {stderr}");
    }
    // Well formed, but the tenant does not exist: a failed check.
    let mut cmd = env.cmd();
    cmd.args([
        "setup",
        "--non-interactive",
        "--runner",
        seed::RUNNER_FRESH_ID,
        "--issuer-url",
        &format!("{}/nobody.example.com/v2.0", env.sandbox.authority_url()),
    ]);
    let stderr = run_fails(&env, cmd, 4);
    assert!(stderr.contains("tenant not found"), "{stderr}");
}

#[test]
fn missing_answers_in_a_script_name_the_flag_before_anything_is_sent() {
    let env = TestEnv::new();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec![], "pass --runner ID"),
        (vec!["--runner", seed::RUNNER_FRESH_ID], "pass --org ORG"),
        (
            vec!["--runner", seed::RUNNER_FRESH_ID, "--server"],
            "pass --host HOST with --server",
        ),
        (
            vec![
                "--runner",
                seed::RUNNER_FRESH_ID,
                "--org",
                "acme",
                "--client-id",
                seed::SEEDED_APP_CLIENT_ID,
            ],
            "pass --client-secret-stdin",
        ),
        (
            vec!["--runner", seed::RUNNER_FRESH_ID, "--org", "acme"],
            "pass --graph-token-stdin or set ADO_SCM_GRAPH_TOKEN",
        ),
    ];
    for (args, words) in cases {
        let mut cmd = env.cmd();
        cmd.args(["setup", "--non-interactive"]).args(&args);
        let stderr = run_fails(&env, cmd, 2);
        assert!(stderr.contains(words), "{args:?}: {words}\n{stderr}");
    }
}

#[test]
fn flags_that_cannot_work_are_refused_with_one_line() {
    let env = TestEnv::new();
    let runner = seed::RUNNER_FRESH_ID;
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--secret-expiry-days", "0"], "--secret-expiry-days"),
        (vec!["--secret-expiry-days", "731"], "--secret-expiry-days"),
        (
            vec!["--client-id", "my-app"],
            "--client-id: `my-app` is not a client ID (a GUID)",
        ),
        (
            vec!["--server", "--oauth", "--host", "h.example.com"],
            "Azure DevOps Server works with PATs only",
        ),
        (
            vec!["--server", "--host", "dev.azure.com"],
            "is Azure DevOps Services, not a Server",
        ),
        (
            vec!["--host", "ado.example.com"],
            "is it an Azure DevOps Server?",
        ),
        (
            vec![
                "--server",
                "--host",
                "h.example.com",
                "--tenant",
                "acme.onmicrosoft.com",
            ],
            "--tenant is for Entra ID OAuth",
        ),
        (vec!["--no-oauth", "--no-pat"], "no sign-in method is left"),
        (
            vec!["--no-oauth", "--client-id", seed::SEEDED_APP_CLIENT_ID],
            "which --no-oauth turns off",
        ),
        (
            vec!["--client-secret-stdin"],
            "error: the following required arguments were not provided:\n  --client-id <ID>\n",
        ),
        (
            vec![
                "--client-id",
                seed::SEEDED_APP_CLIENT_ID,
                "--client-secret-stdin",
                "--graph-token-stdin",
            ],
            "--client-secret-stdin and --graph-token-stdin both want stdin, which can carry \
             only one secret",
        ),
        (
            vec!["--org", "acme", "--host", "dev.azure.com/other"],
            "name different organizations",
        ),
        (
            vec!["--org", "not an org"],
            "is not an Azure DevOps organization name",
        ),
        (vec!["--tenant", "common"], "stands for many tenants"),
        (vec!["--app-name", "  "], "is not a usable display name"),
        (
            vec![
                "--server",
                "--host",
                "h.example.com",
                "--virtual-directory",
                "/a b",
            ],
            "is not a path like /tfs",
        ),
        (
            vec!["--oauth", "--no-oauth"],
            "error: the argument '--oauth' cannot be used with '--no-oauth'\n",
        ),
        (
            vec!["--no-pat", "--pat"],
            "error: the argument '--no-pat' cannot be used with '--pat'\n",
        ),
        (
            vec!["--device-code", "--port", "8400"],
            "error: the argument '--device-code' cannot be used with '--port <PORT>'\n",
        ),
        (
            vec![
                "--rotate-secret",
                "--client-id",
                seed::SEEDED_APP_CLIENT_ID,
                "--client-secret-stdin",
            ],
            "error: the argument '--rotate-secret' cannot be used with '--client-secret-stdin'\n",
        ),
    ];
    for (args, words) in cases {
        let mut cmd = env.cmd();
        cmd.args(["setup", "--non-interactive", "--runner", runner])
            .args(&args)
            .write_stdin("x\n");
        let stderr = run_fails(&env, cmd, 2);
        assert!(stderr.contains(words), "{args:?}: {words}\n{stderr}");
        assert!(
            env.requests()
                .iter()
                .all(|r| r.path.starts_with("/_sandbox")),
            "{args:?}: no request at all: {:#?}",
            env.requests()
        );
    }
}

#[test]
fn an_unknown_client_id_or_a_wrong_secret_stops_before_any_change() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    let unknown = "0000aaaa-0000-4000-8000-000000000001";
    let mut cmd = env.cmd();
    cmd.env("ADO_SCM_GRAPH_TOKEN", &token)
        .env("ADO_SCM_CLIENT_SECRET", "whatever")
        .args([
            "setup",
            "--non-interactive",
            "--runner",
            seed::RUNNER_FRESH_ID,
            "--org",
            "acme",
            "--client-id",
            unknown,
        ]);
    let stderr = run_fails(&env, cmd, 4);
    assert!(
        stderr.contains(&format!("no app registration with client ID {unknown}")),
        "{stderr}"
    );

    let mut cmd = env.cmd();
    cmd.env("ADO_SCM_GRAPH_TOKEN", &token)
        .env("ADO_SCM_CLIENT_SECRET", "not-the-secret")
        .args([
            "setup",
            "--non-interactive",
            "--runner",
            seed::RUNNER_FRESH_ID,
            "--org",
            "acme",
            "--client-id",
            seed::SEEDED_APP_CLIENT_ID,
        ]);
    let stderr = run_fails(&env, cmd, 3);
    assert!(stderr.contains("AADSTS7000215"), "{stderr}");
    assert!(!stderr.contains("not-the-secret"));
}

#[test]
fn the_ready_runner_is_already_set_up() {
    // The seeded integration (dev.azure.com, the seeded app, OAuth + PAT) is what setup would
    // make: with its client id given back, nothing changes.
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    let mut cmd = env.cmd();
    cmd.env("ADO_SCM_GRAPH_TOKEN", &token).args([
        "setup",
        "--non-interactive",
        "--json",
        "--runner",
        seed::RUNNER_READY_ID,
        "--org",
        seed::ADO_ORG,
    ]);
    let (doc, _) = run_ok(cmd);
    assert_eq!(doc["integration"], "unchanged", "{doc:#}");
    assert_eq!(doc["integration_id"], seed::INTEGRATION_ENTRA_ID);
    assert_eq!(doc["oauth"]["client_id"], seed::SEEDED_APP_CLIENT_ID);
    assert_eq!(doc["oauth"]["secret"], "reused");
    assert!(
        env.mutating_requests().is_empty(),
        "{:#?}",
        env.mutating_requests()
    );
}

#[test]
fn ctrl_c_while_a_new_secret_propagates_takes_the_secret_back() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    // Entra keeps refusing the new secret, and every wait is long: the run sits in the wait.
    env.sandbox.set_realism(Realism {
        secret_replication_failures: 100,
        ..Realism::default()
    });
    let mut child = env
        .std_cmd()
        .env("ADO_SCM_GRAPH_TOKEN", &token)
        .env("ADO_SCM_RETRY_SLEEP_MS", "60000")
        .args(crate::support::SETUP_FRESH_ARGS)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let refused = |env: &TestEnv| {
        env.requests()
            .iter()
            .any(|r| r.service == "entra" && r.path.ends_with("/token") && r.status == Some(401))
    };
    while !refused(&env) {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "never waited"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "it ended before the wait"
        );
        std::thread::yield_now();
    }
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    let app = fresh_app(&env);
    assert_eq!(
        app["passwordCredentials"].as_array().unwrap().len(),
        0,
        "the new secret was taken back: {app:#}"
    );
    assert!(env.integrations_of(seed::RUNNER_FRESH_ID).is_empty());
    assert!(text(&out.stderr).contains("Removed the new client secret"));
}

#[test]
fn the_runners_other_integrations_are_neither_taken_for_its_own_nor_changed() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    // Made through the API before setup runs: GitLab, and Azure DevOps on another host.
    for (scm, host) in [
        ("gitlab", "gitlab.com"),
        ("azuredevops_entra", "acme.visualstudio.com"),
    ] {
        env.gitpod_rpc(
            seed::ALICE_API_KEY,
            "gitpod.v1.RunnerConfigurationService/CreateSCMIntegration",
            json!({"runnerId": seed::RUNNER_FRESH_ID, "scmId": scm, "host": host, "pat": true}),
        );
    }
    let others = env.integrations_of(seed::RUNNER_FRESH_ID);
    assert_eq!(others.len(), 2);
    env.sandbox.clear_requests();
    // And the create fails before the runner made anything (a 503): the read-back that follows
    // must not take one of those for the one it looks for.
    env.sandbox.inject(Fault::new(
        Some("gitpod"),
        "CreateSCMIntegration",
        FaultKind::Status(503),
        1,
    ));
    let (doc, stderr) = run_ok(setup(&env, &token, &[]));
    assert_eq!(doc["integration"], "created", "{doc:#}");
    assert!(
        stderr.contains("The runner has no azuredevops_entra integration for dev.azure.com yet"),
        "{stderr}"
    );
    let now = env.integrations_of(seed::RUNNER_FRESH_ID);
    assert_eq!(now.len(), 3, "{now:#?}");
    for other in &others {
        assert!(now.contains(other), "{other:#} was changed: {now:#?}");
    }
    assert!(env.gitpod_calls("UpdateSCMIntegration").is_empty());
    let creates = env.gitpod_calls("CreateSCMIntegration");
    assert_eq!(
        creates.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(503), Some(200)]
    );
}

#[test]
fn a_create_the_runner_refuses_is_not_sent_again_nor_looked_for() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    env.sandbox.inject(Fault::new(
        Some("gitpod"),
        "CreateSCMIntegration",
        FaultKind::Status(400),
        1,
    ));
    let out = setup(&env, &token, &[]).output().unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let log = env.requests();
    let create = log
        .iter()
        .position(|r| r.path.ends_with("/CreateSCMIntegration"))
        .unwrap();
    let after: Vec<_> = log[create + 1..]
        .iter()
        .filter(|r| r.service == "gitpod")
        .map(|r| r.path.rsplit('/').next().unwrap().to_string())
        .collect();
    assert!(
        !after
            .iter()
            .any(|m| m == "CreateSCMIntegration" || m == "ListSCMIntegrations"),
        "{after:?}"
    );
    assert!(env.integrations_of(seed::RUNNER_FRESH_ID).is_empty());
}

#[test]
fn a_runner_that_cannot_open_the_sealed_secret_stops_setup_and_the_new_secret_goes() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    // The runner lost the private half of the key the API still shows (reinstalled without
    // registering again): what ado-scm seals to it, it cannot open.
    env.sandbox.with_world(|w| {
        let runner = w
            .gitpod
            .runners
            .iter_mut()
            .find(|r| r.runner_id == seed::RUNNER_FRESH_ID)
            .unwrap();
        let shown = runner.public_key;
        runner.new_key();
        runner.public_key = shown;
    });
    let out = setup(&env, &token, &[]).output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("cannot decrypt client secret"), "{stderr}");
    // Not an issuer the runner refused: the other form of the issuer is never tried.
    assert!(!stderr.contains("rejected the issuer URL"), "{stderr}");
    let issuers: std::collections::BTreeSet<String> = env
        .gitpod_calls("ValidateRunnerConfiguration")
        .iter()
        .map(|r| r.body.as_ref().unwrap()["scmIntegration"]["issuerUrl"].to_string())
        .collect();
    assert_eq!(issuers.len(), 1, "{issuers:?}");
    // Nothing depends on the new secret: it is removed, and no integration was made.
    assert!(env.integrations_of(seed::RUNNER_FRESH_ID).is_empty());
    assert!(
        password_names(&fresh_app(&env)).is_empty(),
        "{:#}",
        fresh_app(&env)
    );
}
