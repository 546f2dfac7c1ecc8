//! `ado-scm test [--runner ID] [--host HOST]`: re-check a saved Azure DevOps integration.
//!
//! What is checked:
//! 1. the runner has registered its public key (the saved OAuth secret is sealed to it);
//! 2. with OAuth: the saved issuer URL is well formed and its tenant's OpenID configuration is
//!    there, naming one tenant;
//! 3. the runner's own validation (ValidateRunnerConfiguration with the saved configuration,
//!    its client secret sent back to the runner sealed, as ListSCMIntegrations gives it): the
//!    runner opens it with its private key and, for OAuth, asks Entra ID for a token with it
//!    (client credentials). ado-scm never holds the saved secret in the clear, so it cannot run
//!    the Entra check itself: the runner does.
//!
//! Exit 0 when every check passes, 4 otherwise (the result is printed either way).

use serde_json::json;

use super::context::Context;
use crate::cli::TargetArgs;
use crate::clients::gitpod::{Runner, ScmIntegration, ValidateIntegration};
use crate::error::{Error, Result};
use crate::flows::setup::{runner_key, Check};
use crate::issuer;

pub fn run(ctx: &mut Context, args: TargetArgs) -> Result<()> {
    let runner = ctx.pick_runner(args.runner.as_deref())?;
    let integration = ctx.pick_integration(&runner, args.host.as_deref())?;
    let mut checks = Vec::new();
    let check = |name: &str, ok: bool, detail: String| Check {
        name: name.to_string(),
        ok,
        detail,
    };

    match runner_key(&runner) {
        Ok(key) => checks.push(check("runner public key", true, key.fingerprint())),
        Err(err) => checks.push(check("runner public key", false, err.message)),
    }
    if let Some(oauth) = &integration.oauth {
        match oauth.issuer_url.as_deref() {
            None => checks.push(check(
                "issuer discovery",
                false,
                "the integration has OAuth but no issuer URL".into(),
            )),
            Some(url) => {
                let found =
                    issuer::parse_issuer(url, Some(&ctx.settings.authority_url)).and_then(|i| {
                        let spinner = ctx
                            .deps
                            .ui
                            .spinner("Reading the issuer's OpenID configuration");
                        let d = issuer::discover(&ctx.deps.http, &i);
                        drop(spinner);
                        d
                    });
                match found {
                    Ok(d) => checks.push(check(
                        "issuer discovery",
                        true,
                        format!("{url} (tenant {})", d.tenant_id),
                    )),
                    Err(err) => checks.push(check("issuer discovery", false, err.message)),
                }
            }
        }
    }
    let sealed = integration
        .oauth
        .as_ref()
        .map(|o| o.encrypted_client_secret.clone())
        .filter(|sealed| !sealed.is_empty());
    if integration.oauth.is_some() && sealed.is_none() {
        // A client id without its secret is not a configuration the runner can check.
        checks.push(check(
            "runner validation",
            false,
            "the integration has OAuth but the runner returned no sealed client secret".into(),
        ));
        return report(ctx, &runner, &integration, checks);
    }
    let request = ValidateIntegration {
        id: Some(integration.id.clone()),
        scm_id: integration.scm_id.clone(),
        host: integration.host.clone(),
        oauth_client_id: integration.oauth.as_ref().map(|o| o.client_id.clone()),
        oauth_encrypted_client_secret: sealed,
        oauth_plaintext_client_secret: None,
        pat: integration.pat,
        issuer_url: integration
            .oauth
            .as_ref()
            .and_then(|o| o.issuer_url.clone()),
        virtual_directory: integration.virtual_directory.clone(),
    };
    let spinner = ctx
        .deps
        .ui
        .spinner("Asking the runner to validate the saved integration");
    let result = ctx
        .gitpod()?
        .validate_runner_configuration(&runner.runner_id, &request)?;
    drop(spinner);
    ctx.remember_gitpod_token()?;
    let detail = if result.valid {
        if integration.oauth.is_some() {
            "the runner opened the saved secret and Entra ID accepted it (client credentials)"
                .to_string()
        } else {
            "the runner accepts the saved configuration".to_string()
        }
    } else {
        result.reasons()
    };
    checks.push(check("runner validation", result.valid, detail));
    report(ctx, &runner, &integration, checks)
}

/// Prints the checks and their result document; exit 4 when one failed.
fn report(
    ctx: &Context,
    runner: &Runner,
    integration: &ScmIntegration,
    checks: Vec<Check>,
) -> Result<()> {
    let ok = checks.iter().all(|c| c.ok);
    let ui = &ctx.deps.ui;
    for c in &checks {
        if c.ok {
            ui.ok(format!("{}: {}", c.name, c.detail));
        } else {
            ui.bad(format!("{}: {}", c.name, c.detail));
        }
    }
    ui.json(&json!({
        "runner_id": runner.runner_id,
        "host": integration.host,
        "scm_id": integration.scm_id,
        "integration_id": integration.id,
        "ok": ok,
        "checks": checks,
    }));
    if ok {
        ui.result(format!(
            "The integration for {} on runner {} passes every check.",
            integration.host, runner.name
        ));
        return Ok(());
    }
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| format!("{}: {}", c.name, c.detail))
        .collect();
    Err(Error::check(format!(
        "the integration for {} on runner {} fails: {}",
        integration.host,
        runner.name,
        failed.join("; ")
    ))
    .with_hint("run `ado-scm setup` for this runner and host to repair it"))
}
