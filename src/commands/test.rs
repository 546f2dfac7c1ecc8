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
use crate::clients::gitpod::{Runner, ScmIntegration};
use crate::error::{Error, Result};
use crate::flows::saved::{self, SavedValidation};
use crate::flows::setup::{runner_key, Check};

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
    let spinner = (integration.oauth.is_some()).then(|| {
        ctx.deps
            .ui
            .spinner("Reading the issuer's OpenID configuration")
    });
    let discovered =
        saved::issuer_discovery(&ctx.deps.http, &ctx.settings.authority_url, &integration);
    drop(spinner);
    match discovered {
        None => {}
        Some(Ok(d)) => checks.push(check(
            "issuer discovery",
            true,
            format!(
                "{} (tenant {})",
                integration_issuer(&integration),
                d.tenant_id
            ),
        )),
        Some(Err(err)) => checks.push(check("issuer discovery", false, err.message)),
    }
    let spinner = ctx
        .deps
        .ui
        .spinner("Asking the runner to validate the saved integration");
    let validation = saved::validate(&ctx.gitpod()?, &integration, None)?;
    drop(spinner);
    if !matches!(validation, SavedValidation::NoSealedSecret) {
        ctx.remember_gitpod_token()?;
    }
    let (ok, detail) = validation.verdict(integration.oauth.is_some());
    checks.push(check("runner validation", ok, detail));
    report(ctx, &runner, &integration, checks)
}

fn integration_issuer(integration: &ScmIntegration) -> &str {
    integration
        .oauth
        .as_ref()
        .and_then(|o| o.issuer_url.as_deref())
        .unwrap_or_default()
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
