//! The setup steps on their own: `issuer check`, `secret seal`, `test`.

use ado_scm_sandbox::seed;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::setup::{graph, open_sealed, setup};
use crate::support::{stdout_json, text, TestEnv};

fn run(mut cmd: assert_cmd::Command) -> (Option<i32>, String, String) {
    let out = cmd.output().unwrap();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

// ---- issuer check ------------------------------------------------------------------------------

fn issuer_check(env: &TestEnv, url: &str, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = env.bare_cmd();
    cmd.args(["issuer", "check", url]).args(extra);
    cmd
}

#[test]
fn issuer_check_accepts_both_forms_and_finds_the_tenant() {
    let env = TestEnv::new();
    let authority = env.sandbox.authority_url();
    let guid = seed::TENANT_ID;
    for (url, normalised) in [
        (format!("{authority}/{guid}/oauth2/v2.0"), None),
        (format!("{authority}/{guid}/v2.0"), None),
        (
            format!("{authority}/{guid}/v2.0/"),
            Some("removed the trailing slash"),
        ),
        (
            format!("{authority}/{guid}/oauth2/v2.0/authorize?client_id=x"),
            Some("dropped the query, removed the endpoint /authorize"),
        ),
        (format!("{authority}/{}/v2.0", seed::TENANT_DOMAIN), None),
    ] {
        let (code, stdout, stderr) = run(issuer_check(&env, &url, &["--json"]));
        assert_eq!(code, Some(0), "{url}: {stderr}");
        let doc: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(doc["ok"], true);
        assert_eq!(doc["tenant_id"], guid, "{url}");
        assert_eq!(doc["normalised"], json!(normalised), "{url}");
        assert_eq!(
            doc["oauth2_form"],
            format!("{authority}/{guid}/oauth2/v2.0")
        );
        assert_eq!(doc["oidc_form"], format!("{authority}/{guid}/v2.0"));
        assert_eq!(doc["discovered_issuer"], format!("{authority}/{guid}/v2.0"));
    }
    // With the organization: same tenant.
    let url = format!("{authority}/{guid}/oauth2/v2.0");
    let (code, stdout, _) = run(issuer_check(&env, &url, &["--org", seed::ADO_ORG]));
    assert_eq!(code, Some(0));
    assert!(
        stdout.starts_with(&format!("Issuer URL OK: {url}")),
        "{stdout}"
    );
    assert!(env.mutating_requests().is_empty());
}

#[test]
fn issuer_check_failures_are_4_and_malformed_urls_2() {
    let env = TestEnv::new();
    let authority = env.sandbox.authority_url();
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
    let ok = format!("{authority}/{}/oauth2/v2.0", seed::TENANT_ID);
    let cases: Vec<(String, Vec<&str>, i32, String)> = vec![
        (
            format!("{authority}/nobody.example.com/v2.0"),
            vec![],
            4,
            "tenant not found".into(),
        ),
        (
            ok.clone(),
            vec!["--org", seed::ADO_ORG_UNCONNECTED],
            4,
            "Azure DevOps organization `lonely` is not connected to Microsoft Entra ID".into(),
        ),
        (
            format!("{authority}/{other}/v2.0"),
            vec!["--org", seed::ADO_ORG],
            4,
            format!(
                "tenant mismatch: the issuer names tenant {other}, but Azure DevOps organization `acme` is connected to tenant {}",
                seed::TENANT_ID
            ),
        ),
        (
            format!("{authority}/common/v2.0"),
            vec![],
            2,
            "stands for many tenants".into(),
        ),
        (
            "https://evil.example.com/x/v2.0".into(),
            vec![],
            2,
            "is not on a Microsoft login host".into(),
        ),
        (
            format!("{authority}/{}", seed::TENANT_ID),
            vec![],
            2,
            "does not end in /oauth2/v2.0 or /v2.0".into(),
        ),
        (ok.clone(), vec!["--org", "no spaces"], 2, "is not an Azure DevOps organization name".into()),
    ];
    for (url, extra, want, words) in cases {
        let mut args = extra.clone();
        args.push("--json");
        let (code, stdout, stderr) = run(issuer_check(&env, &url, &args));
        assert_eq!(code, Some(want), "{url} {extra:?}: {stderr}");
        let doc: Value = serde_json::from_str(&stdout).unwrap();
        let message = doc["error"]["message"].as_str().unwrap();
        assert!(message.contains(&words), "{url}: {message}");
        assert!(stderr.contains(&format!("error: {message}")), "{stderr}");
    }
}

// ---- secret seal -------------------------------------------------------------------------------

fn fresh_public_key() -> String {
    let key: [u8; 32] = STANDARD
        .decode(seed::RUNNER_FRESH_SECRET_KEY_B64)
        .unwrap()
        .try_into()
        .unwrap();
    STANDARD.encode(crypto_box::SecretKey::from(key).public_key().as_bytes())
}

fn seal(env: &TestEnv, key_args: &[&str], stdin: &str) -> (Option<i32>, String, String) {
    let mut cmd = env.cmd();
    cmd.args(["secret", "seal"])
        .args(key_args)
        .write_stdin(stdin);
    run(cmd)
}

#[test]
fn secret_seal_prints_a_box_the_runner_opens() {
    let env = TestEnv::new();
    let public = fresh_public_key();
    // One trailing newline goes, nothing else.
    for (input, want) in [
        ("s3cret\n", "s3cret"),
        ("s3cret\r\n", "s3cret"),
        ("s3cret", "s3cret"),
        ("s3cret\n\n", "s3cret\n"),
        (" spaced out ", " spaced out "),
    ] {
        let (code, stdout, stderr) = seal(&env, &["--public-key", &public], input);
        assert_eq!(code, Some(0), "{stderr}");
        assert!(
            stdout.ends_with('\n') && stdout.lines().count() == 1,
            "{stdout:?}"
        );
        assert_eq!(
            open_sealed(seed::RUNNER_FRESH_SECRET_KEY_B64, &stdout),
            want
        );
        assert!(
            !stderr.contains(want.trim()),
            "the secret was echoed: {stderr}"
        );
    }
    // The DER form, and @FILE holding PEM.
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00,
    ];
    der.extend(STANDARD.decode(&public).unwrap());
    let der_b64 = STANDARD.encode(&der);
    let (code, stdout, _) = seal(&env, &["--public-key", &der_b64], "x\n");
    assert_eq!(code, Some(0));
    assert_eq!(open_sealed(seed::RUNNER_FRESH_SECRET_KEY_B64, &stdout), "x");
    let pem = env.home.path().join("runner.pem");
    std::fs::write(
        &pem,
        format!("-----BEGIN PUBLIC KEY-----\n{der_b64}\n-----END PUBLIC KEY-----\n"),
    )
    .unwrap();
    let at = format!("@{}", pem.display());
    let (code, stdout, _) = seal(&env, &["--public-key", &at], "y\n");
    assert_eq!(code, Some(0));
    assert_eq!(open_sealed(seed::RUNNER_FRESH_SECRET_KEY_B64, &stdout), "y");

    // The runner's registered key, looked up; --json.
    let (code, stdout, stderr) = seal(&env, &["--runner", seed::RUNNER_FRESH_ID, "--json"], "z\n");
    assert_eq!(code, Some(0), "{stderr}");
    let doc: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["public_key"], public);
    assert_eq!(
        open_sealed(
            seed::RUNNER_FRESH_SECRET_KEY_B64,
            doc["sealed"].as_str().unwrap()
        ),
        "z"
    );
    assert!(env.mutating_requests().is_empty());
}

#[test]
fn secret_seal_refuses_bad_keys_empty_secrets_and_unregistered_runners() {
    let env = TestEnv::new();
    let public = fresh_public_key();
    let short = STANDARD.encode([1u8; 31]);
    let missing = format!("@{}", env.home.path().join("nope.pem").display());
    let cases: Vec<(Vec<&str>, &str, i32, &str)> = vec![
        (vec!["--public-key", "abc"], "x\n", 2, "--public-key"),
        (
            vec!["--public-key", &short],
            "x\n",
            2,
            "decodes to 31 bytes",
        ),
        (vec!["--public-key", &missing], "x\n", 2, "not found"),
        (vec!["--public-key", &public], "", 2, "the secret is empty"),
        (
            vec!["--public-key", &public],
            "\n",
            2,
            "the secret is empty",
        ),
        (vec![], "x\n", 2, "--runner"),
        (
            vec!["--runner", seed::RUNNER_UNREGISTERED_ID],
            "x\n",
            4,
            "has no public key yet",
        ),
        (
            vec!["--runner", "01900000-0000-7000-8000-0000000000ff"],
            "x\n",
            2,
            "not found in your Gitpod organization",
        ),
    ];
    for (args, stdin, want, words) in cases {
        let (code, stdout, stderr) = seal(&env, &args, stdin);
        assert_eq!(code, Some(want), "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(stderr.contains(words), "{args:?}: {words}\n{stderr}");
    }
}

// ---- test --------------------------------------------------------------------------------------

fn test_cmd(env: &TestEnv, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = env.cmd();
    cmd.args(["test", "--non-interactive", "--json"]).args(args);
    cmd
}

#[test]
fn test_revalidates_saved_integrations() {
    let env = TestEnv::new();
    for host in ["dev.azure.com", seed::ADO_SERVER_HOST] {
        let out = test_cmd(&env, &["--runner", seed::RUNNER_READY_ID, "--host", host])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let doc = stdout_json(&out);
        assert_eq!(doc["ok"], true);
        assert_eq!(doc["host"], host);
        let names: Vec<&str> = doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        if host == "dev.azure.com" {
            assert_eq!(
                names,
                ["runner public key", "issuer discovery", "runner validation"]
            );
        } else {
            assert_eq!(names, ["runner public key", "runner validation"]);
        }
    }
    // The runner checked the saved configuration with its own sealed secret, sent back as
    // ListSCMIntegrations gave it; never a plaintext one.
    let saved = env
        .integrations_of(seed::RUNNER_READY_ID)
        .into_iter()
        .find(|i| i["id"] == seed::INTEGRATION_ENTRA_ID)
        .unwrap();
    let sealed = saved["oauth"]["encryptedClientSecret"].as_str().unwrap();
    let validate = env.gitpod_calls("ValidateRunnerConfiguration");
    let body = validate[0].body.as_ref().unwrap();
    assert_eq!(body["scmIntegration"]["id"], seed::INTEGRATION_ENTRA_ID);
    assert_eq!(
        body["scmIntegration"]["oauthEncryptedClientSecret"],
        ado_scm_sandbox::hash_secret(sealed)
    );
    assert!(body["scmIntegration"]["oauthPlaintextClientSecret"].is_null());
    assert!(env.mutating_requests().is_empty());
}

#[test]
fn test_fails_with_4_when_the_saved_secret_no_longer_works() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    graph(
        &env,
        &token,
        reqwest::Method::POST,
        &format!("applications/{}/removePassword", seed::SEEDED_APP_OBJECT_ID),
        Some(json!({"keyId": seed::SEEDED_APP_SECRET_KEY_ID})),
    );
    let out = test_cmd(
        &env,
        &["--runner", seed::RUNNER_READY_ID, "--host", "dev.azure.com"],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(4));
    let doc = stdout_json(&out);
    assert_eq!(doc["ok"], false);
    let validation = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "runner validation")
        .unwrap()
        .clone();
    assert_eq!(validation["ok"], false);
    assert!(
        validation["detail"]
            .as_str()
            .unwrap()
            .starts_with("oauth: "),
        "{validation}"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error: the integration for dev.azure.com on runner acme-runner fails: runner validation: oauth:"),
        "{stderr}"
    );
    assert!(stderr.contains("run `ado-scm setup`"), "{stderr}");
}

#[test]
fn test_without_an_integration_or_a_runner() {
    let env = TestEnv::new();
    let (code, _, stderr) = run(test_cmd(&env, &["--runner", seed::RUNNER_FRESH_ID]));
    assert_eq!(code, Some(4));
    assert!(
        stderr.contains("runner fresh-runner has no Azure DevOps integration"),
        "{stderr}"
    );
    let (code, _, stderr) = run(test_cmd(&env, &[]));
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--runner"), "{stderr}");
}

#[test]
fn test_passes_after_setup() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    let out = setup(&env, &token, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = test_cmd(&env, &["--runner", seed::RUNNER_FRESH_ID])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(stdout_json(&out)["ok"], true);
}
