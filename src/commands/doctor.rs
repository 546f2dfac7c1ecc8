//! `ado-scm doctor`: checks every Azure DevOps integration the caller can see (or the ones
//! `--runner` / `--host` name) and prints one row per check; `--fix` repairs what setup can.
//!
//! The command gathers the scope (runners, integrations, each saved issuer's discovery, one
//! Microsoft Graph token per tenant, the caller's host tokens), `flows::doctor` judges it, and
//! `render` prints it. Exit 0 when nothing fails (warnings allowed; `--strict` counts them), 4
//! otherwise; with `--json` the document is printed either way.

mod fix;
mod render;

use std::collections::{BTreeMap, HashSet};

use serde_json::json;

use super::context::{is_azure_devops, Context};
use super::graph_tokens;
use crate::cli::DoctorArgs;
use crate::clients::ado::AdoClient;
use crate::clients::entra::issuer::Discovery;
use crate::error::{Error, Result};
use crate::flows::doctor::{self, DoctorServices, IntegrationReport, Scope, Status};
use crate::secret::Secret;
use crate::urls::{validate_org, AdoHost};

/// The flags, checked before any request.
struct Checked {
    host: Option<String>,
    org: Option<String>,
    graph_token: Option<Secret>,
}

pub fn run(ctx: &Context, args: DoctorArgs) -> Result<()> {
    let checked = check_args(ctx, &args)?;
    let (scope, mut reports) = examine(ctx, &args, &checked, checked.graph_token.clone())?;
    let ui = &ctx.deps.ui;
    if !args.fix {
        ui.result(render::table(&reports, ui.mode.color));
        return verdict(ctx, &reports, &[], args.strict);
    }

    let plans = fix::plans(&scope, &reports, &ctx.settings.authority_url)?;
    if plans.is_empty() {
        ui.result(render::table(&reports, ui.mode.color));
        ui.info("\nNothing --fix can repair.");
        return verdict(ctx, &reports, &[], args.strict);
    }
    ui.info(render::table(&reports, ui.mode.color));
    ui.info(render::fix_plan(&plans));
    if !confirm(ctx, &args)? {
        return Err(Error::new(
            crate::error::ErrorKind::Interrupted,
            "doctor --fix cancelled at the confirmation: nothing was changed",
        ));
    }
    let outcomes = fix::apply(ctx, &scope, plans);
    fix::await_saved(ctx, &scope, &outcomes)?;
    // Check again: the repairs show, or what is still wrong does.
    ctx.deps.ui.info("\nChecking again…");
    let given = checked.graph_token.clone();
    let (_, after) = examine(ctx, &args, &checked, given)?;
    reports = after;
    let ui = &ctx.deps.ui;
    ui.result(render::table(&reports, ui.mode.color));
    ui.result(render::fix_outcomes(&outcomes));
    verdict(ctx, &reports, &outcomes, args.strict)
}

fn check_args(ctx: &Context, args: &DoctorArgs) -> Result<Checked> {
    let host = args
        .host
        .as_deref()
        .map(|raw| AdoHost::parse(raw).map(|h| h.as_saved()))
        .transpose()?;
    let org = match &args.org {
        Some(raw) => Some(validate_org(raw)?),
        None => ctx
            .settings
            .config
            .org
            .clone()
            .filter(|o| validate_org(o).is_ok()),
    };
    let graph_token = graph_tokens::given(ctx, args.graph_token_stdin)?;
    Ok(Checked {
        host,
        org,
        graph_token,
    })
}

/// Gathers the scope and judges it.
fn examine(
    ctx: &Context,
    args: &DoctorArgs,
    checked: &Checked,
    graph_token: Option<Secret>,
) -> Result<(Scope, Vec<IntegrationReport>)> {
    let runners = match &args.runner {
        Some(raw) => vec![ctx.get_runner(raw)?],
        None => ctx
            .deps
            .ui
            .waiting("Listing runners", || ctx.gitpod()?.list_runners())?,
    };
    let runner_ids: Vec<String> = runners.iter().map(|r| r.runner_id.clone()).collect();
    let gitpod = ctx.gitpod()?;
    let (integrations, my_tokens) = ctx.deps.ui.waiting(
        "Reading the runners' integrations and your sign-ins",
        || {
            crate::parallel::join(
                || gitpod.list_scm_integrations(&runner_ids),
                || {
                    let me = gitpod.get_authenticated_identity()?;
                    gitpod.list_host_authentication_tokens(None, Some(&me.subject.id))
                },
            )
        },
    );
    let integrations: Vec<_> = integrations?
        .into_iter()
        .filter(|i| is_azure_devops(&i.scm_id))
        .filter(|i| (checked.host.as_ref()).is_none_or(|h| i.host.eq_ignore_ascii_case(h)))
        .collect();
    ctx.remember_gitpod_token()?;
    if integrations.is_empty() {
        ctx.deps
            .ui
            .json(&json!({ "ok": false, "integrations": [] }));
        return Err(
            Error::check("no Azure DevOps integration found on the runners in scope")
                .with_hint("check --runner and --host, or connect a runner with `ado-scm setup`"),
        );
    }

    let issuers = ctx
        .deps
        .ui
        .waiting("Reading the issuers' OpenID configuration", || {
            doctor::discover_issuers(&ctx.deps.http, &ctx.settings.authority_url, &integrations)
        });
    let tenants: BTreeMap<String, Discovery> = issuers
        .values()
        .filter_map(|d| d.as_ref().ok())
        .map(|d| (d.tenant_id.clone(), d.clone()))
        .collect();
    let tenants: Vec<Discovery> = tenants.into_values().collect();
    let graph = graph_tokens::for_tenants(ctx, &tenants, graph_token, true, &HashSet::new())?;

    let scope = Scope {
        runners,
        integrations,
        issuers,
        graph,
        my_tokens,
        org: checked.org.clone(),
        warn_days: args.warn_days,
    };
    let ado = AdoClient::new(&ctx.deps.http, ctx.settings.ado_url.clone());
    let services = DoctorServices {
        http: &ctx.deps.http,
        gitpod: &gitpod,
        ado: &ado,
        authority: &ctx.settings.authority_url,
        graph_url: &ctx.settings.graph_url,
    };
    let reports = ctx.deps.ui.waiting(
        format!("Checking {} integration(s)", scope.integrations.len()),
        || doctor::examine(&services, &scope),
    );
    Ok((scope, reports))
}

/// `--yes`, or the admin's answer; a script must pass `--yes`.
fn confirm(ctx: &Context, args: &DoctorArgs) -> Result<bool> {
    if args.yes {
        return Ok(true);
    }
    if !ctx.interactive() {
        return Err(Error::usage(
            "doctor --fix changes the app registrations and integrations above, and this run may not ask",
        )
        .with_hint("pass --yes to make the changes, or run without --fix to only check"));
    }
    ctx.deps.prompter.confirm("Make these changes?", true)
}

/// The JSON document (with `--fix`, what each repair run did under `repairs`), then exit 4
/// when a row fails (or, with `--strict`, warns).
fn verdict(
    ctx: &Context,
    reports: &[IntegrationReport],
    repairs: &[fix::FixOutcome],
    strict: bool,
) -> Result<()> {
    let failing =
        |r: &IntegrationReport| r.worst() == Status::Fail || (strict && r.worst() == Status::Warn);
    let ok = !reports.iter().any(failing);
    let mut doc = json!({ "ok": ok, "integrations": reports });
    if !repairs.is_empty() {
        doc["repairs"] = repairs.iter().map(fix::FixOutcome::to_json).collect();
    }
    ctx.deps.ui.json(&doc);
    if ok {
        return Ok(());
    }
    let (fails, warns) = render::counts(reports);
    let what = if strict && warns > 0 {
        format!("{fails} check(s) failed and {warns} warned (--strict)")
    } else {
        format!("{fails} check(s) failed")
    };
    let fixable = reports.iter().any(|r| r.repairable().next().is_some());
    Err(Error::check(format!(
        "doctor: {what} on {} of {} integration(s)",
        reports.iter().filter(|r| failing(r)).count(),
        reports.len()
    ))
    .with_hint(if fixable {
        "`ado-scm doctor --fix` repairs what setup can; each row's fix says what to do"
    } else {
        "each failed row's fix says what to do"
    }))
}
