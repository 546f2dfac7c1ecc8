//! `doctor --fix`: the rows that setup can repair become one setup plan per integration, run
//! through setup's own flow (`flows::setup::run`): drift on the app, a missing service
//! principal or app (setup as it is), an expiring or expired secret (`rotate_secret`), the
//! other issuer form (given as the issuer to save). Nothing here repairs anything itself.

use crate::clients::entra::issuer;
use crate::clients::gitpod::{ScmIntegration, SCM_AZURE_DEVOPS_SERVER};
use crate::error::Result;
use crate::flows::doctor::{IntegrationReport, Remedy, Scope};
use crate::flows::fleet;
use crate::flows::read_back;
use crate::flows::setup::{default_app_name, IntegrationOutcome, OauthPlan, SetupPlan, Target};
use crate::urls::AdoHost;

use super::super::apply::run_plans;
use super::super::setup::{DEFAULT_SECRET_EXPIRY_DAYS, DEFAULT_VIRTUAL_DIRECTORY};
use super::Context;

/// One integration's repairs: the plan for setup's flow, and the repairs in words.
pub(super) struct FixPlan {
    pub setup: SetupPlan,
    pub repairs: Vec<String>,
}

/// What one repair run ended with: the changes made, or why it failed.
pub(super) struct FixOutcome {
    pub runner_id: String,
    pub runner_name: String,
    pub host: String,
    pub result: std::result::Result<usize, String>,
    /// Setup wrote the runner's integration.
    pub saved: bool,
}

impl FixOutcome {
    /// `{"runner_id", "runner_name", "host", "changes": N}`, or `"error"` instead of `changes`.
    pub(super) fn to_json(&self) -> serde_json::Value {
        let mut doc = serde_json::json!({
            "runner_id": self.runner_id,
            "runner_name": self.runner_name,
            "host": self.host,
        });
        match &self.result {
            Ok(changes) => doc["changes"] = (*changes).into(),
            Err(message) => doc["error"] = message.as_str().into(),
        }
        doc
    }
}

/// A plan for every integration with a repairable row.
pub(super) fn plans(
    scope: &Scope,
    reports: &[IntegrationReport],
    authority: &url::Url,
) -> Result<Vec<FixPlan>> {
    let mut plans = Vec::new();
    for report in reports {
        let remedies: Vec<_> = report.repairable().collect();
        if remedies.is_empty() {
            continue;
        }
        let Some(integration) = scope
            .integrations
            .iter()
            .find(|i| i.runner_id == report.runner_id && i.host == report.host)
        else {
            continue;
        };
        let Some(runner) = scope
            .runners
            .iter()
            .find(|r| r.runner_id == report.runner_id)
        else {
            continue;
        };
        let mut rotate = false;
        let mut issuer_form = None;
        let mut repairs = Vec::new();
        for check in &remedies {
            match &check.remedy {
                Some(Remedy::RotateSecret) => {
                    rotate = true;
                    repairs.push(format!(
                        "a new client secret, as {}: {}",
                        check.name, check.detail
                    ));
                }
                Some(Remedy::IssuerForm(url)) => {
                    issuer_form = Some(issuer::parse_issuer(url, Some(authority))?);
                    repairs.push(format!(
                        "save the issuer URL {url}, which the runner accepts"
                    ));
                }
                Some(Remedy::Setup) | None => {
                    repairs.push(format!("{}: {}", check.name, check.detail));
                }
            }
        }
        let target = target_of(integration, scope.org.as_deref());
        let tenant = match target.org() {
            Some(_) => None,
            // No organization to find the tenant by: the saved issuer's tenant.
            None => integration
                .oauth
                .as_ref()
                .and_then(|o| o.issuer_url.as_ref())
                .and_then(|u| scope.issuers.get(u))
                .and_then(|d| d.as_ref().ok())
                .map(|d| d.tenant_id.clone()),
        };
        let oauth = integration.oauth.as_ref().map(|_| OauthPlan {
            tenant,
            issuer: issuer_form.clone(),
            client_id: None,
            app_name: None,
            default_app_name: default_app_name(&runner.name),
            client_secret: None,
            secret_expiry_days: DEFAULT_SECRET_EXPIRY_DAYS,
            rotate_secret: rotate,
            grant_admin_consent: false,
        });
        plans.push(FixPlan {
            setup: SetupPlan {
                runner: runner.clone(),
                target,
                pat: integration.pat,
                oauth,
                dry_run: false,
            },
            repairs,
        });
    }
    Ok(plans)
}

/// The integration's Azure DevOps as setup's plan names it.
pub(crate) fn target_of(integration: &ScmIntegration, org: Option<&str>) -> Target {
    if integration.scm_id == SCM_AZURE_DEVOPS_SERVER {
        return Target::Server {
            host: integration.host.clone(),
            virtual_directory: integration
                .virtual_directory
                .clone()
                .unwrap_or_else(|| DEFAULT_VIRTUAL_DIRECTORY.to_string()),
        };
    }
    let host_org = AdoHost::parse(&integration.host).ok().and_then(|h| h.org);
    Target::Services {
        host: integration.host.clone(),
        org: host_org.or_else(|| org.map(str::to_string)),
    }
}

/// Repairs run at once (plans that share an app registration one after the other).
const CONCURRENT_REPAIRS: usize = 4;

/// Runs setup's own flow for each plan, through the runner `apply` uses (a line per
/// integration); a failed repair does not stop the others.
pub(super) fn apply(ctx: &Context, scope: &Scope, plans: Vec<FixPlan>) -> Vec<FixOutcome> {
    let plans: Vec<SetupPlan> = plans.into_iter().map(|p| p.setup).collect();
    // Integrations of one app are repaired one after the other (see flows/fleet.rs).
    let keys: Vec<Vec<String>> = plans
        .iter()
        .map(|p| {
            let saved = scope
                .integrations
                .iter()
                .find(|i| i.runner_id == p.runner.runner_id && i.host == p.target.host());
            let id = saved
                .and_then(|i| i.oauth.as_ref())
                .map(|o| o.client_id.clone());
            id.map(|id| format!("id:{id}")).into_iter().collect()
        })
        .collect();
    let groups = fleet::groups_by_app(&keys);
    let ran = run_plans(
        ctx,
        &plans,
        &groups,
        CONCURRENT_REPAIRS,
        &scope.graph,
        false,
    );
    plans
        .iter()
        .zip(ran)
        .map(|(plan, ran)| FixOutcome {
            runner_id: plan.runner.runner_id.clone(),
            runner_name: plan.runner.name.clone(),
            host: plan.target.host().to_string(),
            saved: ran
                .report
                .as_ref()
                .is_ok_and(|r| r.summary.integration != IntegrationOutcome::Unchanged),
            result: ran.report.map(|r| r.changes).map_err(|e| e.message),
        })
        .collect()
}

/// The Gitpod API's reads can lag its writes (read replicas): before checking again, the
/// integrations setup saved are read until each shows the change, as `flows::read_back` does
/// after every write (and if one never does, the check says what it sees).
pub(super) fn await_saved(ctx: &Context, scope: &Scope, outcomes: &[FixOutcome]) -> Result<()> {
    let saved: Vec<&FixOutcome> = outcomes.iter().filter(|o| o.saved).collect();
    if saved.is_empty() {
        return Ok(());
    }
    let runner_ids: Vec<String> = saved.iter().map(|o| o.runner_id.clone()).collect();
    let find = |list: &[ScmIntegration], o: &FixOutcome| {
        list.iter()
            .find(|i| i.runner_id == o.runner_id && i.host.eq_ignore_ascii_case(&o.host))
            .cloned()
    };
    let clock = ctx.deps.http.clock().clone();
    let gitpod = ctx.gitpod()?;
    read_back::until_found(clock.as_ref(), || {
        let now = gitpod.list_scm_integrations(&runner_ids)?;
        let shown = saved
            .iter()
            .all(|o| find(&now, o) != find(&scope.integrations, o));
        Ok(shown.then_some(()))
    })?;
    Ok(())
}
