//! `ado-scm doctor` against the sandbox: each breakage the sandbox can make (an aged or expired
//! secret, a mistyped redirect URI, a removed permission, a runner's new key, a missing service
//! principal) is reported, and `doctor --fix` repairs it through setup's flow, asserted on the
//! sandbox's state; the cron use (`--json`, `--strict`, no Graph sign-in) and the refusals.

use ado_scm_sandbox::gitpod::IssuerForm;
use ado_scm_sandbox::{seed, Breakage};
use serde_json::{json, Value};

use crate::setup::{apps_named, callback, setup};
use crate::support::{run_json, stdout_json, text, TestEnv};

const APP: &str = "Ona runner fresh-runner (Azure DevOps)";
const VSO_CODE: &str = "b325850d-aa53-41ed-b77a-c5036b2f39fa";

/// The fresh runner set up by `setup`, healthy; answers the admin's Graph token.
fn set_up() -> (TestEnv, String) {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    let out = setup(&env, &token, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    (env, token)
}

/// `doctor --non-interactive --json` for the fresh runner, with the Graph token, plus `extra`.
fn doctor(env: &TestEnv, token: &str, extra: &[&str]) -> (i32, Value, String) {
    let mut cmd = env.cmd();
    cmd.env("ADO_SCM_GRAPH_TOKEN", token)
        .args(["doctor", "--non-interactive", "--json"])
        .args(["--runner", seed::RUNNER_FRESH_ID, "--org", seed::ADO_ORG])
        .args(extra);
    run_json(cmd)
}

/// The row `name` of the only integration in a doctor document.
fn row(doc: &Value, name: &str) -> Value {
    let checks = doc["integrations"][0]["checks"].as_array().unwrap();
    checks
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no row {name}: {doc:#}"))
        .clone()
}

/// Asserts that `check`'s `field` (`detail` or `fix`) contains `part`.
fn says(check: &Value, field: &str, part: &str) {
    let text = check[field].as_str().unwrap_or_default();
    assert!(text.contains(part), "{field} lacks {part:?}: {check}");
}

fn app(env: &TestEnv) -> Value {
    let apps = apps_named(env, APP);
    assert_eq!(apps.len(), 1, "{apps:#?}");
    apps[0].clone()
}

/// The secrets named for the fresh runner: (key id, end).
fn our_secrets(env: &TestEnv) -> Vec<(String, String)> {
    let name = format!("ado-scm {}", seed::RUNNER_FRESH_ID);
    app(env)["passwordCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["displayName"] == name)
        .map(|p| {
            (
                p["keyId"].as_str().unwrap().to_string(),
                p["endDateTime"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn saved_secret_hash(env: &TestEnv) -> Value {
    env.integrations_of(seed::RUNNER_FRESH_ID)[0]["oauth"]["clientSecretHash"].clone()
}

/// `doctor --fix --yes`, which must end with every row ok.
fn fix(env: &TestEnv, token: &str) -> Value {
    let (code, doc, stderr) = doctor(env, token, &["--fix", "--yes"]);
    assert_eq!(code, 0, "{doc:#}\n{stderr}");
    assert_eq!(doc["ok"], true);
    for check in doc["integrations"][0]["checks"].as_array().unwrap() {
        assert!(
            check["status"] == "ok",
            "still not ok after --fix: {check}\n{stderr}"
        );
    }
    doc
}

#[test]
fn a_healthy_integration_passes_every_check_and_the_json_is_the_contracts() {
    let (env, token) = set_up();
    env.sandbox.clear_requests();
    let (code, doc, _) = doctor(&env, &token, &[]);
    assert_eq!(code, 0, "{doc:#}");
    assert_eq!(doc["ok"], true);
    let integration = &doc["integrations"][0];
    assert_eq!(integration["runner_id"], seed::RUNNER_FRESH_ID);
    assert_eq!(integration["runner_name"], seed::RUNNER_FRESH_NAME);
    assert_eq!(integration["host"], "dev.azure.com");
    assert_eq!(integration["scm_id"], "azuredevops_entra");
    for check in integration["checks"].as_array().unwrap() {
        let keys: Vec<&String> = check.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["detail", "fix", "name", "status"], "{check}");
        assert_eq!(check["status"], "ok", "{check}");
        assert_eq!(check["fix"], Value::Null);
    }
    assert_eq!(
        row(&doc, "redirect URI")["detail"],
        callback(&env, seed::RUNNER_FRESH_ID)
    );
    assert!(row(&doc, "issuer tenant")["detail"]
        .as_str()
        .unwrap()
        .contains(seed::TENANT_ID));
    // Reads only; the runner validated its own saved sealed secret.
    env.assert_nothing_sent_that_changes();
    let validate = env.gitpod_calls("ValidateRunnerConfiguration");
    let sealed = env.integrations_of(seed::RUNNER_FRESH_ID)[0]["oauth"]["encryptedClientSecret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        validate[0].body.as_ref().unwrap()["scmIntegration"]["oauthEncryptedClientSecret"],
        ado_scm_sandbox::hash_secret(&sealed)
    );
}

/// Setup's own Graph sign-in (`Application.ReadWrite.All`) may not list an app's consent
/// grants (Graph needs `Directory.Read.All` for that): the consent row is skipped with the
/// reason, every other row is checked, and the integration still passes.
#[test]
fn a_sign_in_that_may_not_read_consent_grants_skips_only_the_consent_row() {
    let (env, _) = set_up();
    let token = ado_scm_test_support::graph_token(
        &env.sandbox,
        "https://graph.microsoft.com/Application.ReadWrite.All offline_access openid profile",
    );
    let (code, doc, stderr) = doctor(&env, &token, &[]);
    assert_eq!(code, 0, "{doc:#}\n{stderr}");
    let consent = row(&doc, "consent");
    assert_eq!(consent["status"], "skipped", "{consent}");
    says(&consent, "detail", "Directory.Read.All");
    for check in doc["integrations"][0]["checks"].as_array().unwrap() {
        if check["name"] != "consent" {
            assert_eq!(check["status"], "ok", "{check}");
        }
    }
    // Graph refused the grant list, and only that.
    let denied: Vec<_> = env
        .requests()
        .into_iter()
        .filter(|r| r.service == "graph" && r.status == Some(403))
        .map(|r| r.path)
        .collect();
    assert_eq!(denied.len(), 1, "{denied:#?}");
    assert!(
        denied[0].ends_with("/oauth2PermissionGrants"),
        "{denied:#?}"
    );
}

#[test]
fn a_secret_near_its_end_warns_strict_fails_and_fix_rotates_it() {
    let (env, token) = set_up();
    let (old_key, _) = our_secrets(&env)[0].clone();
    let old_hash = saved_secret_hash(&env);
    assert!(env.sandbox.apply_breakage(Breakage::AgeSecret {
        key_id: old_key.clone(),
        days: 10
    }));

    let (code, doc, _) = doctor(&env, &token, &[]);
    assert_eq!(code, 0, "a warning alone passes: {doc:#}");
    assert_eq!(doc["ok"], true);
    let secret = row(&doc, "client secret");
    assert_eq!(secret["status"], "warn");
    // Aged to end 10 days from now: whole days left, counted a moment later, may say 9.
    let detail = secret["detail"].as_str().unwrap();
    assert!(
        detail.contains("in 9 days") || detail.contains("in 10 days"),
        "{secret}"
    );
    says(&secret, "fix", "doctor --fix");
    let (code, doc, stderr) = doctor(&env, &token, &["--strict"]);
    assert_eq!((code, &doc["ok"]), (4, &json!(false)), "{stderr}");
    assert!(stderr.starts_with("error: doctor:"), "{stderr}");
    let (code, doc, _) = doctor(&env, &token, &["--warn-days", "5"]);
    assert_eq!(row(&doc, "client secret")["status"], "ok");
    assert_eq!(code, 0);

    env.sandbox.clear_requests();
    let doc = fix(&env, &token);
    // A new secret, the integration updated, the old secret removed.
    assert_eq!(
        doc["repairs"],
        json!([{"runner_id": seed::RUNNER_FRESH_ID, "runner_name": "fresh-runner",
            "host": "dev.azure.com", "changes": 3}])
    );
    let secrets = our_secrets(&env);
    assert_eq!(secrets.len(), 1, "the old one removed: {secrets:#?}");
    assert_ne!(secrets[0].0, old_key, "a new secret");
    assert_ne!(
        saved_secret_hash(&env),
        old_hash,
        "the integration holds it"
    );
    assert!(env.gitpod_calls("UpdateSCMIntegration").len() == 1);
}

#[test]
fn an_expired_secret_fails_and_fix_rotates_it() {
    let (env, token) = set_up();
    let (old_key, _) = our_secrets(&env)[0].clone();
    assert!(env.sandbox.apply_breakage(Breakage::AgeSecret {
        key_id: old_key.clone(),
        days: -1
    }));
    let (code, doc, stderr) = doctor(&env, &token, &[]);
    assert_eq!(code, 4, "{stderr}");
    assert_eq!(doc["ok"], false);
    assert_eq!(row(&doc, "client secret")["status"], "fail");
    let validation = row(&doc, "runner validation");
    assert_eq!(validation["status"], "fail");
    says(&validation, "detail", "7000222");

    fix(&env, &token);
    let secrets = our_secrets(&env);
    assert_eq!(secrets.len(), 1, "{secrets:#?}");
    assert_ne!(secrets[0].0, old_key);
}

#[test]
fn a_mistyped_redirect_uri_is_reported_and_fix_adds_the_callback_back() {
    let (env, token) = set_up();
    let client_id = app(&env)["appId"].as_str().unwrap().to_string();
    let callback = callback(&env, seed::RUNNER_FRESH_ID);
    let keys_before = our_secrets(&env);
    assert!(env.sandbox.apply_breakage(Breakage::BreakRedirectUri {
        app: client_id,
        uri: callback.clone()
    }));
    let (code, doc, _) = doctor(&env, &token, &[]);
    assert_eq!(code, 4);
    let redirect = row(&doc, "redirect URI");
    assert_eq!(redirect["status"], "fail");
    says(&redirect, "detail", "-typo");

    fix(&env, &token);
    let uris = app(&env)["web"]["redirectUris"].clone();
    assert_eq!(
        uris,
        json!([format!("{callback}-typo"), callback]),
        "kept the other one"
    );
    assert_eq!(
        our_secrets(&env),
        keys_before,
        "no new secret for a drift repair"
    );
}

#[test]
fn a_removed_permission_is_reported_and_fix_adds_it_back() {
    let (env, token) = set_up();
    let client_id = app(&env)["appId"].as_str().unwrap().to_string();
    assert!(env.sandbox.apply_breakage(Breakage::RemovePermission {
        app: client_id,
        scope: VSO_CODE.into()
    }));
    let (code, doc, _) = doctor(&env, &token, &[]);
    assert_eq!(code, 4);
    assert_eq!(row(&doc, "permissions")["detail"], "missing: vso.code");

    fix(&env, &token);
    assert!(app(&env)["requiredResourceAccess"]
        .to_string()
        .contains(VSO_CODE));
}

#[test]
fn a_runner_with_a_new_key_fails_validation_and_fix_seals_a_new_secret_to_it() {
    let (env, token) = set_up();
    let (before_code, before, _) = doctor(&env, &token, &[]);
    assert_eq!(before_code, 0);
    let (old_key, _) = our_secrets(&env)[0].clone();
    assert!(env.sandbox.apply_breakage(Breakage::RotateRunnerKey {
        runner_id: seed::RUNNER_FRESH_ID.into()
    }));
    let (code, doc, _) = doctor(&env, &token, &[]);
    assert_eq!(code, 4);
    assert_ne!(
        row(&doc, "runner public key")["detail"],
        row(&before, "runner public key")["detail"],
        "the new key's fingerprint"
    );
    let validation = row(&doc, "runner validation");
    assert_eq!(validation["status"], "fail");
    says(&validation, "detail", "decrypt");

    fix(&env, &token);
    assert_ne!(our_secrets(&env)[0].0, old_key);
    // The runner opens what is saved now with its new key.
    let integration_id = env.integrations_of(seed::RUNNER_FRESH_ID)[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let opened = env
        .sandbox
        .with_world(|w| w.gitpod.open_client_secret(&integration_id));
    assert!(opened.is_some(), "sealed to the runner's new key");
}

#[test]
fn a_runner_taking_only_the_other_issuer_form_fails_and_fix_saves_that_form() {
    let (env, token) = set_up();
    let saved = env.integrations_of(seed::RUNNER_FRESH_ID)[0].clone();
    let oauth2_form = saved["issuerUrl"].as_str().unwrap().to_string();
    let oidc_form = oauth2_form.replace("/oauth2/v2.0", "/v2.0");
    assert_ne!(oidc_form, oauth2_form);
    assert!(env.sandbox.apply_breakage(Breakage::OnlyIssuerForm {
        runner_id: seed::RUNNER_FRESH_ID.into(),
        form: IssuerForm::V2,
    }));

    let (code, doc, _) = doctor(&env, &token, &[]);
    assert_eq!(code, 4);
    let validation = row(&doc, "runner validation");
    assert_eq!(validation["status"], "fail", "{validation}");
    says(&validation, "detail", "issuer did not match");
    says(
        &validation,
        "fix",
        &format!("the other form of the issuer, {oidc_form}"),
    );

    fix(&env, &token);
    let now = env.integrations_of(seed::RUNNER_FRESH_ID)[0].clone();
    assert_eq!(now["issuerUrl"], oidc_form);
    // Only the issuer changed: the same integration, client and sealed secret.
    assert_eq!(now["id"], saved["id"]);
    assert_eq!(now["oauth"], saved["oauth"]);
    assert_eq!(our_secrets(&env).len(), 1);
}

#[test]
fn a_missing_service_principal_is_reported_and_fix_creates_it() {
    let (env, token) = set_up();
    let client_id = app(&env)["appId"].as_str().unwrap().to_string();
    env.sandbox.with_world(|w| {
        w.directory
            .service_principals
            .retain(|sp| sp.app_id != client_id)
    });
    let (code, doc, _) = doctor(&env, &token, &[]);
    assert_eq!(code, 4);
    assert_eq!(row(&doc, "service principal")["status"], "fail");
    fix(&env, &token);
    assert_eq!(env.service_principals_of(&client_id).len(), 1);
}

#[test]
fn from_cron_without_a_graph_sign_in_the_app_checks_say_how_to_give_one() {
    let (env, _) = set_up();
    let out = env
        .cmd()
        .args([
            "doctor",
            "--non-interactive",
            "--json",
            "--runner",
            seed::RUNNER_FRESH_NAME,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc = stdout_json(&out);
    let app = row(&doc, "app registration");
    assert_eq!(app["status"], "skipped");
    says(&app, "detail", "ADO_SCM_GRAPH_TOKEN");
    assert_eq!(row(&doc, "client secret")["status"], "skipped");
    assert_eq!(row(&doc, "runner validation")["status"], "ok");
    // No --org and a host without one: the organization setup remembered is compared with.
    assert_eq!(
        row(&doc, "issuer tenant")["detail"],
        format!(
            "organization acme is connected to tenant {}",
            seed::TENANT_ID
        )
    );
}

#[test]
fn fix_in_a_script_needs_yes_and_changes_nothing_without_it() {
    let (env, token) = set_up();
    let (old_key, _) = our_secrets(&env)[0].clone();
    env.sandbox.apply_breakage(Breakage::AgeSecret {
        key_id: old_key,
        days: -3,
    });
    env.sandbox.clear_requests();
    let (code, _, stderr) = doctor(&env, &token, &["--fix"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.starts_with("error: doctor --fix changes"),
        "{stderr}"
    );
    env.assert_nothing_sent_that_changes();
}

#[test]
fn an_unknown_runner_or_a_host_with_nothing_to_check_is_said() {
    let (env, token) = set_up();
    let (code, _, stderr) = doctor(&env, &token, &["--host", "dev.azure.com/nowhere"]);
    assert_eq!(code, 4);
    assert!(
        stderr.starts_with("error: no Azure DevOps integration found"),
        "{stderr}"
    );
    let out = env
        .cmd()
        .args(["doctor", "--non-interactive", "--runner", "no-such-runner"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
