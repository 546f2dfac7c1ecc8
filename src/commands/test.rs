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
use crate::flows::setup::{check, Check};

/// The integration `test` re-checks.
#[derive(Debug)]
pub struct TestOptions {
    pub runner: Runner,
    pub integration: ScmIntegration,
}

/// `ado-scm test`: resolve, then check.
pub fn run(ctx: &Context, args: TargetArgs) -> Result<()> {
    let options = TestOptions::resolve(ctx, args)?;
    execute(ctx, &options)
}

impl TestOptions {
    /// The runner and its Azure DevOps integration: named, the config's, the only one, or
    /// asked.
    pub fn resolve(ctx: &Context, args: TargetArgs) -> Result<TestOptions> {
        let runner = ctx.pick_runner(args.runner.as_deref())?;
        let integration = ctx.pick_integration(&runner, args.host.as_deref())?;
        Ok(TestOptions {
            runner,
            integration,
        })
    }
}

/// Runs the checks (see the module doc) and reports them; exit 4 when one failed.
pub fn execute(ctx: &Context, options: &TestOptions) -> Result<()> {
    let TestOptions {
        runner,
        integration,
    } = options;
    let mut checks = Vec::new();

    match runner.public_key() {
        Ok(key) => checks.push(check("runner public key", true, key.fingerprint())),
        Err(err) => checks.push(check("runner public key", false, err.message)),
    }
    if let Some(oauth) = &integration.oauth {
        let discovered = ctx
            .deps
            .ui
            .waiting("Reading the issuer's OpenID configuration", || {
                saved::issuer_discovery(&ctx.deps.http, &ctx.settings.authority_url, integration)
            });
        let url = oauth.issuer_url.as_deref().unwrap_or_default();
        checks.push(match discovered {
            Some(Ok(discovery)) => check(
                "issuer discovery",
                true,
                format!("{url} (tenant {})", discovery.tenant_id),
            ),
            Some(Err(err)) => check("issuer discovery", false, err.message),
            None => unreachable!("the integration has OAuth"),
        });
    }
    let validation = ctx.deps.ui.waiting(
        "Asking the runner to validate the saved integration",
        || saved::validate(&ctx.gitpod()?, integration, None),
    )?;
    if !matches!(validation, SavedValidation::NoSealedSecret) {
        ctx.remember_gitpod_token()?;
    }
    let (ok, detail) = validation.verdict(integration.oauth.is_some());
    checks.push(check("runner validation", ok, detail));
    report(ctx, runner, integration, checks)
}

/// Prints the checks and their result document; exit 4 when one failed.
fn report(
    ctx: &Context,
    runner: &Runner,
    integration: &ScmIntegration,
    checks: Vec<Check>,
) -> Result<()> {
    let ok = checks.iter().all(|check| check.ok);
    let ui = &ctx.deps.ui;
    for check in &checks {
        check.show(ui);
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
        .filter(|check| !check.ok)
        .map(Check::text)
        .collect();
    Err(Error::check(format!(
        "the integration for {} on runner {} fails: {}",
        integration.host,
        runner.name,
        failed.join("; ")
    ))
    .with_hint("run `ado-scm setup` for this runner and host to repair it"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::clients::test_server::StubServer;
    use crate::commands::test_support::*;
    use crate::ui::prompt::scripted::ScriptedPrompter;

    fn two_hosts() -> crate::clients::test_server::Stub {
        list_integrations(vec![
            integration(RUNNER_1, "dev.azure.com/acme"),
            integration(RUNNER_1, "dev.azure.com/beta"),
        ])
    }

    #[test]
    fn the_host_is_named_asked_or_refused() {
        let stubs = || vec![get_runner(runner(RUNNER_1, "first")), two_hosts()];

        let (refused, server) =
            resolve_in_script::<TestOptions>(&["test", "--runner", RUNNER_1], stubs());
        assert_refused(
            "no terminal, two hosts, no --host: exit 2 naming --host",
            refused,
            (
                2,
                "the Azure DevOps host is required when not running interactively",
                Some("pass --host HOST"),
            ),
        );
        server.finish();

        let server = StubServer::start(stubs());
        let prompter = ScriptedPrompter::new().expect_select("Azure DevOps host", "beta");
        let (harness, options) = TestRun::new(true)
            .prompter(prompter)
            .resolve::<TestOptions>(&server, &["test", "--runner", RUNNER_1]);
        let options = options.expect("interactive, two hosts");
        assert_eq!(options.integration.host, "dev.azure.com/beta");
        drop(harness);
        server.finish();
    }

    #[test]
    fn a_failed_check_is_a_row_of_its_own_and_exit_4() {
        let server = StubServer::start(vec![gitpod(
            "RunnerConfigurationService/ValidateRunnerConfiguration",
            json!({"scmIntegration": {"valid": true}}),
        )]);
        let (harness, _) = TestRun::new(false).start(&server, &["test"]);
        let options = TestOptions {
            runner: serde_json::from_value(runner(RUNNER_1, "first")).unwrap(),
            integration: serde_json::from_value(integration(RUNNER_1, "dev.azure.com/acme"))
                .unwrap(),
        };
        let no_key = format!(
            "runner public key: runner first ({RUNNER_1}) has no public key yet: it has not \
             registered with Gitpod"
        );
        assert_refused(
            "a runner without a key",
            execute(&harness.ctx, &options),
            (
                4,
                &format!("the integration for dev.azure.com/acme on runner first fails: {no_key}"),
                Some("run `ado-scm setup` for this runner and host to repair it"),
            ),
        );
        let screen = harness.screen.text();
        assert!(screen.contains(&format!("✗ {no_key}\n")), "{screen}");
        assert!(
            screen.contains("✓ runner validation: the runner accepts the saved configuration\n"),
            "{screen}"
        );
        drop(harness);
        let validated = sent(
            &server.finish(),
            "RunnerConfigurationService/ValidateRunnerConfiguration",
        );
        assert_eq!(validated["scmIntegration"]["host"], "dev.azure.com/acme");
        assert_eq!(validated["scmIntegration"]["pat"], true);
    }
}
