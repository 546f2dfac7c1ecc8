//! `ado-scm apply -f FILE`: makes the runners' Azure DevOps integrations match a TOML file,
//! reading today's state from the services themselves (no state file).
//!
//! In order:
//! 1. the file, checked whole before any request (`file`): exit 2 naming file, line, column;
//! 2. the runners it names (one list; an unknown or ambiguous one is exit 2), their
//!    integrations today, each OAuth entry's tenant and a Graph token for it, and for
//!    `rotate_before_days` the expiry of the runner's secret (`state`);
//! 3. one setup plan per entry, run through setup's own flow (`flows::fleet`), several runners
//!    at once, plans that share an app registration one after the other:
//!    - `--dry-run`: a dry run of every plan, which prints the plan and every request;
//!    - at a terminal without `--yes`: the dry runs first, one plan for the whole file, one
//!      confirmation, then the real runs of the entries that change;
//!    - otherwise (`--yes`, scripts): the real runs straight away (each looks before it
//!      changes); a change that deletes developers' sign-ins (a method turned off, `--prune`)
//!      needs `--yes` there, refused before anything changes;
//! 4. `--prune`: the file's runners' Azure DevOps integrations it does not name are removed,
//!    after a confirmation of their own.
//!
//! A failing entry stops no other; the summary says which converged. Exit 0 when all did, 4
//! when one did not, 2 for a bad file.

mod file;
mod state;
mod view;

use std::collections::HashMap;

use serde_json::json;

use super::graph_tokens::{self, Settled};
use super::Context;
use crate::cli::ApplyArgs;
use crate::clients::ado::AdoClient;
use crate::clients::gitpod::{Runner, ScmIntegration};
use crate::error::{Error, Result};
use crate::flows::doctor::GraphAccess;
use crate::flows::fleet::{self, RunResult, Stage};
use crate::flows::setup::{
    default_app_name, Interaction, OauthPlan, SetupPlan, SetupReport, SetupServices,
};
use crate::ui::lines::ItemLines;

use file::Entry;

/// Everything the runs share, read before them.
struct Fleet {
    entries: Vec<Entry>,
    runners: Vec<Runner>,
    integrations: Vec<ScmIntegration>,
    tokens: HashMap<String, GraphAccess>,
    /// Entries whose secret is to be rotated (`rotate_before_days`).
    rotate: Vec<bool>,
}

impl Fleet {
    /// Setup's plan for entry `i`.
    fn plan(&self, i: usize, dry_run: bool) -> SetupPlan {
        let entry = &self.entries[i];
        let runner = &self.runners[i];
        SetupPlan {
            runner: runner.clone(),
            target: entry.target.clone(),
            pat: entry.pat,
            oauth: entry.oauth.as_ref().map(|o| OauthPlan {
                tenant: o.tenant.clone(),
                issuer: o.issuer.clone(),
                client_id: o.client_id.clone(),
                app_name: o.app_name.clone(),
                default_app_name: default_app_name(&runner.name),
                client_secret: None,
                secret_expiry_days: o.secret_expiry_days,
                rotate_secret: self.rotate[i],
                grant_admin_consent: o.grant_admin_consent,
            }),
            dry_run,
        }
    }

    /// What may name entry `i`'s app registration: its name (given or the runner's default)
    /// and its client id (given, or the one the runner's integration saved).
    fn app_keys(&self, i: usize, dry: Option<&SetupReport>) -> Vec<String> {
        let Some(oauth) = &self.entries[i].oauth else {
            return Vec::new();
        };
        let mut keys = vec![format!(
            "name:{}",
            oauth
                .app_name
                .clone()
                .unwrap_or_else(|| default_app_name(&self.runners[i].name))
                .to_lowercase()
        )];
        let saved = state::saved(
            &self.integrations,
            &self.runners[i],
            &self.entries[i].target,
        )
        .and_then(|s| s.oauth.as_ref())
        .map(|o| o.client_id.clone());
        let found = dry.and_then(|r| r.summary.oauth.as_ref()?.client_id.clone());
        let named = dry.and_then(|r| r.app_name.as_ref().map(|n| n.to_lowercase()));
        keys.extend(
            oauth
                .client_id
                .iter()
                .chain(&saved)
                .chain(&found)
                .map(|id| format!("id:{id}")),
        );
        keys.extend(named.map(|n| format!("name:{n}")));
        keys
    }

    /// Changes to entry `i` that delete developers' sign-ins, in words.
    fn destructive(&self, i: usize) -> Vec<String> {
        let entry = &self.entries[i];
        let Some(saved) = state::saved(&self.integrations, &self.runners[i], &entry.target) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let on = format!("{} on runner {}", saved.host, self.runners[i].name);
        if saved.oauth.is_some() && entry.oauth.is_none() {
            out.push(format!(
                "turning OAuth off deletes every developer's OAuth sign-in for {on}"
            ));
        }
        if saved.pat && !entry.pat {
            out.push(format!(
                "turning PAT off deletes every developer's PAT for {on}"
            ));
        }
        out
    }

    /// The file's runners' Azure DevOps integrations that no entry names.
    fn unnamed(&self) -> Vec<(String, ScmIntegration)> {
        let mut out = Vec::new();
        for integration in &self.integrations {
            let named = self.entries.iter().zip(&self.runners).any(|(e, r)| {
                r.runner_id == integration.runner_id
                    && e.target.host().eq_ignore_ascii_case(&integration.host)
            });
            if named
                || out
                    .iter()
                    .any(|(_, i): &(String, ScmIntegration)| i.id == integration.id)
            {
                continue;
            }
            let runner = self
                .runners
                .iter()
                .find(|r| r.runner_id == integration.runner_id);
            let name = runner.map(|r| r.name.clone()).unwrap_or_default();
            out.push((name, integration.clone()));
        }
        out
    }
}

pub fn run(ctx: &Context, args: ApplyArgs) -> Result<()> {
    let (_, entries) = file::read(&args.file, &ctx.settings.authority_url)?;
    let given = graph_tokens::given(ctx, args.graph_token_stdin)?;
    let runners = state::runners(ctx, &entries)?;
    let integrations = state::integrations(ctx, &runners)?;
    ctx.remember_gitpod_token()?;
    let mut fleet = Fleet {
        rotate: vec![false; entries.len()],
        entries,
        runners,
        integrations,
        tokens: HashMap::new(),
    };
    let destructive: Vec<String> = (0..fleet.entries.len())
        .flat_map(|i| fleet.destructive(i))
        .collect();
    let prune = if args.prune {
        fleet.unnamed()
    } else {
        Vec::new()
    };
    let interactive = ctx.interactive();
    if !args.dry_run && !args.yes && !interactive {
        if let Some(first) = destructive.first() {
            return Err(Error::usage(format!(
                "this apply would delete developers' sign-ins ({first}), and this run may not ask"
            ))
            .with_hint("pass --yes to go ahead, or keep the method on in the file"));
        }
        if !prune.is_empty() {
            return Err(Error::usage(format!(
                "--prune would remove {} integration(s) the file does not name, and this run may not ask",
                prune.len()
            ))
            .with_hint("pass --yes to remove them, or run at a terminal to be asked"));
        }
    }

    let tenants = state::tenants_and_tokens(ctx, &fleet.entries, given)?;
    let ends = state::secret_ends(
        ctx,
        &fleet.entries,
        &fleet.runners,
        &fleet.integrations,
        &tenants,
    );
    let now = ctx.deps.clock.now();
    for (i, end) in ends.into_iter().enumerate() {
        let days = fleet.entries[i].rotate_before_days.unwrap_or(0);
        fleet.rotate[i] =
            end.is_some_and(|end| end < now + chrono::Duration::days(i64::from(days)));
    }
    fleet.tokens = tenants.graph;

    let concurrency = args.concurrency as usize;
    let all: Vec<usize> = (0..fleet.entries.len()).collect();
    if args.dry_run {
        let results = pass(ctx, &fleet, &all, None, concurrency, true, false);
        for (i, result) in all.iter().zip(&results) {
            ctx.deps.ui.info(format!(
                "\n── {} ({})",
                view::label(&fleet.plan(*i, true)),
                fleet.entries[*i].at
            ));
            ctx.deps.ui.info(result.log.trim_end());
        }
        let reports: Vec<Result<SetupReport>> = results.into_iter().map(|r| r.report).collect();
        let plans: Vec<SetupPlan> = all.iter().map(|&i| fleet.plan(i, true)).collect();
        ctx.deps.ui.result(view::plan(&plans, &reports, &prune));
        return finish(ctx, &fleet, &all, reports, true, Vec::new());
    }

    // At a terminal without --yes: the whole plan first, one confirmation.
    let mut dry: Vec<Option<Result<SetupReport>>> = all.iter().map(|_| None).collect();
    let mut confirmed = args.yes;
    if interactive && !args.yes {
        let results = pass(ctx, &fleet, &all, None, concurrency, true, false);
        let reports: Vec<Result<SetupReport>> = results.into_iter().map(|r| r.report).collect();
        let plans: Vec<SetupPlan> = all.iter().map(|&i| fleet.plan(i, true)).collect();
        ctx.deps.ui.info(view::plan(&plans, &reports, &prune));
        for warning in &destructive {
            ctx.deps.ui.warn(warning);
        }
        let changes = reports
            .iter()
            .any(|r| r.as_ref().is_ok_and(|r| r.changes > 0));
        if changes {
            let question = if destructive.is_empty() {
                "Apply these changes?"
            } else {
                "Apply these changes, deleting those sign-ins?"
            };
            if !ctx
                .deps
                .prompter
                .confirm(question, destructive.is_empty())?
            {
                return Err(Error::new(
                    crate::error::ErrorKind::Interrupted,
                    "apply cancelled at the confirmation: nothing was changed",
                ));
            }
            confirmed = true;
        }
        dry = reports.into_iter().map(Some).collect();
    }
    // Entries whose dry run found nothing to change, or could not plan, are not run again.
    let to_run: Vec<usize> = all
        .iter()
        .copied()
        .filter(|&i| match &dry[i] {
            None => true,
            Some(Ok(report)) => report.changes > 0,
            Some(Err(_)) => false,
        })
        .collect();
    let ran = pass(
        ctx,
        &fleet,
        &to_run,
        Some(&dry),
        concurrency,
        false,
        confirmed,
    );
    let mut reports: Vec<Result<SetupReport>> = dry
        .into_iter()
        .map(|d| d.unwrap_or_else(|| Err(Error::service("not run"))))
        .collect();
    for (i, result) in to_run.iter().zip(ran) {
        reports[*i] = result.report;
    }
    let pruned = prune_unnamed(ctx, &prune, args.yes)?;
    finish(ctx, &fleet, &all, reports, false, pruned)
}

/// One pass over the entries `which` (dry or real), with a line per entry.
fn pass(
    ctx: &Context,
    fleet: &Fleet,
    which: &[usize],
    dry: Option<&[Option<Result<SetupReport>>]>,
    concurrency: usize,
    dry_run: bool,
    destructive_ok: bool,
) -> Vec<RunResult> {
    if which.is_empty() {
        return Vec::new();
    }
    let plans: Vec<SetupPlan> = which.iter().map(|&i| fleet.plan(i, dry_run)).collect();
    let groups = if dry_run {
        (0..which.len()).collect()
    } else {
        let keys: Vec<Vec<String>> = which
            .iter()
            .map(|&i| {
                let report = dry
                    .and_then(|d| d[i].as_ref())
                    .and_then(|r| r.as_ref().ok());
                fleet.app_keys(i, report)
            })
            .collect();
        fleet::groups_by_app(&keys)
    };
    run_plans(
        ctx,
        &plans,
        &groups,
        concurrency,
        &fleet.tokens,
        destructive_ok,
    )
}

/// Setup's own flow for each of `plans`, at most `concurrency` at once, the plans of one group
/// (`groups[i]`, see [`fleet::groups_by_app`]) one after the other, with a line per plan: the
/// passes of `apply`, and the repairs of `doctor --fix`. The Gitpod API is asked for nothing
/// when its token cannot be found (each plan then fails saying so).
pub(crate) fn run_plans(
    ctx: &Context,
    plans: &[SetupPlan],
    groups: &[usize],
    concurrency: usize,
    tokens: &HashMap<String, GraphAccess>,
    destructive_ok: bool,
) -> Vec<RunResult> {
    let gitpod = match ctx.gitpod() {
        Ok(gitpod) => gitpod,
        Err(err) => {
            return plans
                .iter()
                .map(|_| RunResult {
                    report: Err(err.clone()),
                    log: String::new(),
                })
                .collect()
        }
    };
    let ado = AdoClient::new(&ctx.deps.http, ctx.settings.ado_url.clone());
    let services = SetupServices {
        http: &ctx.deps.http,
        ui: &ctx.deps.ui,
        interrupt: &ctx.deps.interrupt,
        gitpod: &gitpod,
        gitpod_url: &ctx.settings.gitpod_url,
        ado: &ado,
        authority: &ctx.settings.authority_url,
        graph_url: &ctx.settings.graph_url,
    };
    let dry_run = plans.first().is_some_and(|p| p.dry_run);
    let mut distinct = groups.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    ctx.deps.ui.info(format!(
        "{} {} runner integration(s), {} at a time:",
        if dry_run { "Planning" } else { "Setting up" },
        plans.len(),
        concurrency.min(distinct.len())
    ));
    let lines = ItemLines::new(
        &ctx.deps.ui,
        plans.iter().map(view::label).collect(),
        "waiting",
    );
    let running = if dry_run {
        "planning…"
    } else {
        "setting up…"
    };
    let interaction = |_: usize| -> Box<dyn Interaction + '_> {
        Box::new(Settled {
            tokens,
            destructive_ok,
        })
    };
    let progress = |i: usize, stage: Stage<'_>| match stage {
        Stage::Running => lines.update(i, running),
        Stage::Finished(result) => lines.finish(
            i,
            &match &result.report {
                Ok(report) => view::outcome(report),
                Err(err) => format!("failed: {}", err.message),
            },
        ),
    };
    fleet::run_all(
        plans,
        groups,
        concurrency,
        &services,
        &interaction,
        &progress,
    )
}

/// What `--prune` removed (or failed to): (runner name, integration, error).
type Pruned = Vec<(String, ScmIntegration, Option<Error>)>;

/// Removes the integrations no entry names, after their own confirmation.
fn prune_unnamed(ctx: &Context, unnamed: &[(String, ScmIntegration)], yes: bool) -> Result<Pruned> {
    if unnamed.is_empty() {
        return Ok(Vec::new());
    }
    let ui = &ctx.deps.ui;
    ui.info("\n--prune: integrations of the file's runners that the file does not name:");
    for (runner, i) in unnamed {
        ui.info(format!(
            "  - {runner} · {} ({}, {})",
            i.host, i.scm_id, i.id
        ));
    }
    if !yes {
        let ok = ctx.deps.prompter.confirm(
            "Remove them? Developers' sign-ins for those hosts go with them",
            false,
        )?;
        if !ok {
            ctx.deps.ui.info("Nothing removed.");
            return Ok(Vec::new());
        }
    }
    let gitpod = ctx.gitpod()?;
    Ok(unnamed
        .iter()
        .map(|(runner, i)| {
            let result = gitpod.delete_scm_integration(&i.id).err();
            (runner.clone(), i.clone(), result)
        })
        .collect())
}

/// The summary, the JSON document, and the exit code.
fn finish(
    ctx: &Context,
    fleet: &Fleet,
    which: &[usize],
    reports: Vec<Result<SetupReport>>,
    dry_run: bool,
    pruned: Pruned,
) -> Result<()> {
    let ui = &ctx.deps.ui;
    let results: Vec<serde_json::Value> = which
        .iter()
        .zip(&reports)
        .map(|(&i, r)| view::result_json(&fleet.plan(i, dry_run), r, dry_run))
        .collect();
    let pruned_json: Vec<serde_json::Value> = pruned
        .iter()
        .map(|(_, i, err)| {
            json!({
                "runner_id": i.runner_id,
                "host": i.host,
                "integration_id": i.id,
                "removed": err.is_none(),
                "error": err.as_ref().map(|e| e.message.clone()),
            })
        })
        .collect();
    ui.json(&json!({ "dry_run": dry_run, "results": results, "pruned": pruned_json }));
    let failed: Vec<String> = which
        .iter()
        .zip(&reports)
        .filter_map(|(&i, r)| {
            let err = r.as_ref().err()?;
            Some(format!(
                "{} ({})",
                view::label(&fleet.plan(i, dry_run)),
                err.message
            ))
        })
        .chain(pruned.iter().filter_map(|(runner, i, err)| {
            Some(format!(
                "removing {runner} · {} ({})",
                i.host,
                err.as_ref()?.message
            ))
        }))
        .collect();
    let converged = reports.iter().filter(|r| r.is_ok()).count();
    let mut lines = vec![if dry_run {
        format!(
            "Dry run: nothing was changed; {converged} of {} entries planned.",
            reports.len()
        )
    } else {
        format!("{converged} of {} entries converged.", reports.len())
    }];
    for (runner, i, err) in &pruned {
        lines.push(match err {
            None => format!("Removed {runner} · {} ({}).", i.host, i.id),
            Some(e) => format!("Could not remove {runner} · {}: {}", i.host, e.message),
        });
    }
    ui.result(lines.join("\n"));
    if failed.is_empty() {
        return Ok(());
    }
    Err(Error::check(format!(
        "apply: {} of {} entries failed: {}",
        failed.len(),
        reports.len() + pruned.len(),
        failed.join("; ")
    ))
    .with_hint(
        "fix what each says and run the same apply again: the entries that converged change nothing then",
    ))
}
