//! `ado-scm setup`: flags, environment and prompts become a [`SetupPlan`]; `flows::setup` does
//! the work; the summary goes to stdout (or `--json`).
//!
//! Everything that can be refused without the network is refused first (exit 2, nothing sent);
//! every question is asked before the first change. A run that may not prompt gets its answers
//! from flags: a missing one is an error naming the flag.
//!
//! `flags` checks the flags; `plan` asks what they leave open and builds the plan;
//! `interaction` answers the flow while it runs (the Graph sign-in, the go-ahead);
//! `summary` is what the admin reads at the end.

pub(crate) mod flags;
pub(crate) mod interaction;
mod plan;
mod summary;

use crate::cli::SetupArgs;
use crate::clients::ado::AdoClient;
use crate::error::Result;
use crate::flows::setup::{self, SetupPlan, SetupReport, SetupServices};

use super::context::Context;
use interaction::{sign_in_options, Answers};

/// Lifetime of a new client secret when `--secret-expiry-days` is not given: a year (Microsoft
/// recommends less than twelve months; Graph's own default is two years).
pub const DEFAULT_SECRET_EXPIRY_DAYS: u32 = 365;
/// The Server virtual directory when none is given.
pub const DEFAULT_VIRTUAL_DIRECTORY: &str = "/tfs";

pub fn run(ctx: &Context, args: SetupArgs) -> Result<()> {
    let checked = flags::check_args(&args, &ctx.settings, &ctx.deps.stdin)?;
    let given = plan::secrets_given(ctx, &args, &checked)?;

    // 1. Runner; then the rest of the answers.
    // The Gitpod token typed or given on stdin is kept from here on, whatever happens later.
    let runner = ctx.pick_runner(args.target.runner.as_deref())?;
    let plan = plan::build(ctx, &args, &checked, runner, given.client_secret)?;

    let (deps, settings) = (&ctx.deps, &ctx.settings);
    let gitpod = ctx.gitpod()?;
    let ado = AdoClient::new(&deps.http, settings.ado_url.clone());
    let services = SetupServices {
        http: &deps.http,
        ui: &deps.ui,
        interrupt: &deps.interrupt,
        gitpod: &gitpod,
        gitpod_url: &settings.gitpod_url,
        ado: &ado,
        authority: &settings.authority_url,
        graph_url: &settings.graph_url,
    };
    let mut answers = Answers {
        deps,
        open_browser: !settings.no_browser,
        given: given.graph_token,
        sign_in: sign_in_options(&args, &checked.graph_client_id, deps.ui.interactive()),
        yes: args.yes,
        declined: false,
    };
    let report = match setup::run(&plan, &services, &mut answers) {
        Ok(report) => report,
        Err(_) if answers.declined => {
            ctx.deps.ui.json(&serde_json::json!({
                "runner_id": plan.runner.runner_id,
                "declined": true,
                "changed": false,
            }));
            ctx.deps
                .ui
                .result("Nothing changed: you declined the changes.");
            return Ok(());
        }
        Err(err) => return Err(err),
    };

    ctx.deps
        .ui
        .json(&serde_json::to_value(&report.summary).unwrap_or_default());
    ctx.deps
        .ui
        .result(summary::summary_text(&plan, &report, &checked, &args));
    if !plan.dry_run {
        remember_defaults(ctx, &plan, &report);
    }
    Ok(())
}

/// The runner, host, organization, tenant and client id of this setup become the defaults of
/// the next command.
fn remember_defaults(ctx: &Context, plan: &SetupPlan, report: &SetupReport) {
    let client_id = report
        .summary
        .oauth
        .as_ref()
        .and_then(|o| o.client_id.clone());
    let tenant = report.tenant_id.clone();
    let host = plan.target.host().to_string();
    let org = plan.target.org().map(str::to_string);
    let runner_id = plan.runner.runner_id.clone();
    ctx.save_defaults(|config| {
        config.runner = Some(runner_id);
        config.host = Some(host);
        if org.is_some() {
            config.org = org;
        }
        if tenant.is_some() {
            config.tenant = tenant;
        }
        if client_id.is_some() {
            config.client_id = client_id;
        }
    });
}
