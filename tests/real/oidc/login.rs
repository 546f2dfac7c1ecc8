//! Real components: `ado-scm login oauth` end to end with a certified OpenID provider and a real
//! browser. The sandbox runner's `authUrl` sends headless Chromium (`tests/oidc/browser.mjs` as
//! `BROWSER`) to the provider (`tests/oidc/provider.mjs`, panva `oidc-provider` with Entra v2.0
//! paths), which signs the user in on its own pages and asks for consent; the runner discovers the
//! provider, redeems the code at its token endpoint over HTTP with the integration's secret, and
//! ado-scm reports the host authenticated.
//!
//! `ADO_SCM_OIDC_PROVIDER` holds the provider's JSON line: `scripts/e2e` starts it with
//! `OIDC_CONFIDENTIAL_REDIRECT_URIS=http://127.0.0.1/runners/<ready runner>/auth/oauth2/callback`,
//! so the sandbox runner's callback on any loopback port is a registered redirect URI.

use std::io::Read as _;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use ado_scm_sandbox::{hash_secret, seed, Sandbox};
use serde_json::{json, Value};

use super::provider::{browser_script, provider, Provider};
use crate::components::require_chromium;
use crate::support::{self, gitpod_rpc};

/// A sandbox whose runner's `dev.azure.com` integration uses the provider: changed by Alice
/// through the Gitpod API, as an admin would (client id, plaintext secret sealed by the server,
/// issuer URL).
fn sandbox_using(provider: &Provider, issuer_url: &str) -> Sandbox {
    let sandbox = Sandbox::start();
    gitpod_rpc(
        &sandbox.gitpod_url(),
        seed::ALICE_API_KEY,
        "gitpod.v1.RunnerConfigurationService/UpdateSCMIntegration",
        json!({
            "id": seed::INTEGRATION_ENTRA_ID,
            "oauthClientId": provider.confidential_client_id,
            "oauthPlaintextClientSecret": provider.confidential_client_secret,
            "issuerUrl": issuer_url,
        }),
    );
    sandbox
}

/// One `ado-scm login oauth` run with Chromium as the browser, and what the driver left behind.
struct Run {
    output: Output,
    elapsed: Duration,
    driver_log: String,
    driver_result: Value,
}

impl Run {
    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    /// Everything a failed assertion should show.
    fn diagnostics(&self) -> String {
        format!(
            "exit {:?} after {:.1} s\n--- stdout\n{}\n--- stderr\n{}\n--- browser driver result\n{}\n--- browser driver log\n{}",
            self.output.status.code(),
            self.elapsed.as_secs_f64(),
            self.stdout(),
            self.stderr(),
            self.driver_result,
            self.driver_log
        )
    }
}

fn login_oauth(sandbox: &Sandbox, timeout_secs: u64, driver_env: &[(&str, &str)]) -> Run {
    let work = tempfile::tempdir().expect("temp dir");
    let home = work.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let driver_log = work.path().join("browser.log");
    let driver_result = work.path().join("browser-result.json");
    let mut command = Command::new(env!("CARGO_BIN_EXE_ado-scm"));
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("TMPDIR", work.path())
        .env("ADO_SCM_STORE", "file")
        .env("GITPOD_API_KEY", seed::ALICE_API_KEY)
        // Set explicitly, so ado-scm runs it even without a display.
        .env("BROWSER", browser_script())
        .env("BROWSER_DRIVER_LOG", &driver_log)
        .env("BROWSER_DRIVER_RESULT", &driver_result)
        .env("BROWSER_DRIVER_TIMEOUT_MS", "60000")
        .envs(sandbox.env())
        .envs(driver_env.iter().copied())
        .args(support::LOGIN_OAUTH_ARGS)
        .args(["--timeout", &timeout_secs.to_string(), "--json"]);
    let started = Instant::now();
    let mut child = support::spawn_piped(&mut command);
    // Read both pipes on threads so a chatty child never blocks on a full pipe.
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let limit = Duration::from_secs(timeout_secs + 30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        // A browser flow that failed (say the provider refused the redirect URI) will not
        // finish the sign-in: no point in waiting for ado-scm's timeout.
        if started.elapsed() > limit || driver_failed(&driver_result) {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let elapsed = started.elapsed();
    let output = Output {
        status,
        stdout: out_reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    };
    // The detached driver writes its result when its flow ends: wait for it, so no Chromium
    // outlives the test and the log is complete.
    let waited = Instant::now();
    while !driver_result.exists() && waited.elapsed() < Duration::from_secs(70) {
        std::thread::sleep(Duration::from_millis(100));
    }
    let driver_result = std::fs::read_to_string(&driver_result)
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    Run {
        output,
        elapsed,
        driver_log: std::fs::read_to_string(&driver_log).unwrap_or_default(),
        driver_result,
    }
}

/// Whether the driver wrote a result that is not a success.
fn driver_failed(result_file: &Path) -> bool {
    std::fs::read_to_string(result_file)
        .ok()
        .and_then(|s| serde_json::from_str::<Value>(&s).ok())
        .is_some_and(|r| r["ok"] != true)
}

fn alice_oauth_tokens(sandbox: &Sandbox) -> Vec<ado_scm_sandbox::gitpod::HostToken> {
    sandbox.with_world(|w| {
        w.gitpod
            .host_tokens
            .iter()
            .filter(|t| {
                t.subject.id == seed::ALICE_USER_ID
                    && t.source == ado_scm_sandbox::gitpod::SOURCE_OAUTH
            })
            .cloned()
            .collect()
    })
}

#[test]
#[ignore = "needs the OpenID provider (tests/oidc) and Chromium; run scripts/e2e"]
fn login_oauth_through_the_runner_and_a_real_provider_with_chromium() {
    let provider = provider();
    require_chromium();
    // The form the Gitpod guide and the Entra portal show: `…/{tenant}/oauth2/v2.0`.
    let sandbox = sandbox_using(
        &provider,
        &format!("{}/{}/oauth2/v2.0", provider.authority, provider.tenant),
    );
    let login = "alice@acme.example";
    let run = login_oauth(&sandbox, 120, &[("BROWSER_LOGIN", login)]);
    let diag = run.diagnostics();

    assert_eq!(run.output.status.code(), Some(0), "{diag}");
    let doc: Value =
        serde_json::from_str(run.stdout().trim()).unwrap_or_else(|e| panic!("{e}: {diag}"));
    assert_eq!(doc["authenticated"], true, "{diag}");
    assert_eq!(doc["method"], "oauth", "{diag}");
    assert_eq!(doc["host"], "dev.azure.com", "{diag}");

    // Chromium went through the provider's own sign-in and consent pages and ended on the
    // runner's callback page.
    assert_eq!(run.driver_result["ok"], true, "{diag}");
    assert!(run.driver_log.contains(": login at"), "{diag}");
    assert!(run.driver_log.contains(": consent at"), "{diag}");
    let final_url = run.driver_result["final_url"].as_str().unwrap_or_default();
    assert!(
        final_url.starts_with(&format!(
            "{}/runners/{}/auth/oauth2/callback?",
            sandbox.urls().gitpod_root(),
            seed::RUNNER_READY_ID
        )),
        "{diag}"
    );

    // The runner redeemed the code at the provider's token endpoint, not at its own Entra.
    let state = sandbox.state();
    let redemptions = state["gitpod"]["oauthRedemptions"].as_array().unwrap();
    assert_eq!(redemptions.len(), 1, "{redemptions:#?}");
    let redemption = &redemptions[0];
    assert_eq!(
        redemption["tokenEndpoint"],
        format!(
            "{}/{}/oauth2/v2.0/token",
            provider.authority, provider.tenant
        )
    );
    assert_eq!(redemption["remote"], true);
    assert_eq!(redemption["status"], 200);
    assert_eq!(redemption["userId"], seed::ALICE_USER_ID);
    assert!(
        sandbox.requests_to("entra").is_empty(),
        "the sandbox's own Entra was asked: {:#?}",
        sandbox.requests_to("entra")
    );

    // Alice holds an OAuth host token, and it is the provider's: its userinfo endpoint takes it
    // and names the account Chromium signed in with.
    let tokens = alice_oauth_tokens(&sandbox);
    assert_eq!(tokens.len(), 1, "{tokens:#?}");
    let token = &tokens[0];
    assert_eq!(token.host, "dev.azure.com");
    assert_eq!(
        token.integration_id.as_deref(),
        Some(seed::INTEGRATION_ENTRA_ID)
    );
    assert_eq!(redemption["accessTokenHash"], hash_secret(&token.token));
    assert!(
        token.refresh_token.is_some(),
        "offline_access gives a refresh token"
    );
    assert!(
        token.scopes.iter().any(|s| s.ends_with("/vso.code_write")),
        "{:?}",
        token.scopes
    );
    let userinfo = reqwest::blocking::Client::new()
        .get(format!(
            "{}/{}/oidc/userinfo",
            provider.authority, provider.tenant
        ))
        .bearer_auth(&token.token)
        .send()
        .expect("userinfo");
    assert_eq!(userinfo.status().as_u16(), 200);
    let claims: Value = userinfo.json().unwrap();
    assert_eq!(claims["sub"], login, "{claims}");
    assert_eq!(claims["tid"], provider.tenant.as_str(), "{claims}");
    assert!(provider
        .issuer
        .ends_with(&format!("/{}/v2.0", provider.tenant)));

    // Neither the token nor the client secret shows in what ado-scm printed.
    for secret in [
        token.token.as_str(),
        provider.confidential_client_secret.as_str(),
    ] {
        assert!(!run.stdout().contains(secret) && !run.stderr().contains(secret));
    }
    eprintln!(
        "login oauth with Chromium and the provider took {:.1} s",
        run.elapsed.as_secs_f64()
    );
}

#[test]
#[ignore = "needs the OpenID provider (tests/oidc) and Chromium; run scripts/e2e"]
fn login_oauth_denied_in_the_browser_times_out_and_stores_nothing() {
    let provider = provider();
    require_chromium();
    // The OpenID issuer form: `…/{tenant}/v2.0`.
    let sandbox = sandbox_using(&provider, &provider.issuer);
    let timeout = 15;
    let run = login_oauth(&sandbox, timeout, &[("BROWSER_DRIVER_ACTION", "deny")]);
    let diag = run.diagnostics();

    assert_eq!(run.output.status.code(), Some(3), "{diag}");
    assert!(run.elapsed >= Duration::from_secs(timeout), "{diag}");
    assert!(run.stderr().contains("--timeout"), "{diag}");
    // The driver cancelled at the provider's consent page; the provider sent the browser back
    // to the runner with the error.
    assert_eq!(run.driver_result["ok"], true, "{diag}");
    assert!(run.driver_log.contains("deny consent"), "{diag}");
    let final_url = run.driver_result["final_url"].as_str().unwrap_or_default();
    assert!(
        final_url.contains("/auth/oauth2/callback?") && final_url.contains("error=access_denied"),
        "{diag}"
    );

    assert!(alice_oauth_tokens(&sandbox).is_empty());
    let state = sandbox.state();
    assert_eq!(
        state["gitpod"]["oauthRedemptions"],
        json!([]),
        "no code, no redemption"
    );
    assert_eq!(
        state["gitpod"]["pendingConsents"],
        json!([]),
        "the state was used up"
    );
}
