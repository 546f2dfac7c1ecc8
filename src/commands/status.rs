//! `ado-scm status`: per runner and Azure DevOps host, which methods the integration offers and
//! whether you are authenticated, with what, until when. Exit 0 when every host is
//! authenticated, 3 otherwise.

use serde::Serialize;

use super::context::{is_azure_devops, Context};
use crate::cli::TargetArgs;
use crate::clients::gitpod::{GitpodClient, HostToken, Runner, ScmIntegration, TokenSource};
use crate::error::{Error, Result};
use crate::parallel;
use crate::urls::AdoHost;

#[derive(Debug, Serialize)]
pub struct HostStatus {
    pub runner_id: String,
    pub runner_name: String,
    pub host: String,
    pub scm_id: String,
    pub methods: Vec<&'static str>,
    pub authenticated: bool,
    /// `pat` or `oauth`, when a token of yours is found.
    pub via: Option<&'static str>,
    pub expires_at: Option<String>,
}

pub fn run(ctx: &mut Context, args: TargetArgs) -> Result<()> {
    let host_filter = args.host.as_deref().map(AdoHost::parse).transpose()?;
    let runners = runners_in_scope(ctx, args.runner.as_deref())?;
    let spinner = ctx.deps.ui.spinner("Asking the runners");
    let gitpod = ctx.gitpod()?;
    let me = gitpod.get_authenticated_identity()?;
    let runner_ids: Vec<String> = runners.iter().map(|r| r.runner_id.clone()).collect();
    let integrations: Vec<ScmIntegration> = gitpod
        .list_scm_integrations(&runner_ids)?
        .into_iter()
        .filter(|i| is_azure_devops(&i.scm_id))
        .filter(|i| {
            host_filter
                .as_ref()
                .is_none_or(|h| i.host.eq_ignore_ascii_case(&h.as_saved()))
        })
        .collect();
    let tokens = gitpod.list_host_authentication_tokens(None, Some(&me.subject.id))?;
    let statuses = check_all(&gitpod, &runners, &integrations, &tokens)?;
    drop(spinner);
    drop(gitpod);
    ctx.remember_gitpod_token()?;

    if statuses.is_empty() {
        ctx.deps
            .ui
            .json(&serde_json::json!({ "hosts": [], "all_authenticated": false }));
        return Err(
            Error::auth("no Azure DevOps integration found on the runners in scope")
                .with_hint("an admin connects a runner with `ado-scm setup`"),
        );
    }
    let all = statuses.iter().all(|s| s.authenticated);
    ctx.deps
        .ui
        .json(&serde_json::json!({ "hosts": statuses, "all_authenticated": all }));
    ctx.deps.ui.result(render_table(&statuses));
    match statuses.iter().find(|s| !s.authenticated) {
        None => Ok(()),
        Some(first) => {
            let missing = statuses.iter().filter(|s| !s.authenticated).count();
            Err(Error::auth(format!(
                "not authenticated for {missing} of {} Azure DevOps hosts",
                statuses.len()
            ))
            .with_hint(format!(
                "run `ado-scm login --runner {} --host {}` (and likewise for the others marked no)",
                first.runner_id, first.host
            )))
        }
    }
}

fn runners_in_scope(ctx: &mut Context, flag: Option<&str>) -> Result<Vec<Runner>> {
    match flag {
        Some(id) => Ok(vec![ctx.get_runner(id)?]),
        None => ctx.gitpod()?.list_runners(),
    }
}

/// Host checks asked at once: they are independent; a bound keeps a large organization from
/// opening hundreds of connections.
const CONCURRENT_CHECKS: usize = 16;

/// One CheckAuthenticationForHost per host, run concurrently.
fn check_all(
    gitpod: &GitpodClient<'_>,
    runners: &[Runner],
    integrations: &[ScmIntegration],
    tokens: &[HostToken],
) -> Result<Vec<HostStatus>> {
    parallel::map(integrations, CONCURRENT_CHECKS, |integration| {
        let check =
            gitpod.check_authentication_for_host(&integration.runner_id, &integration.host)?;
        let runner_name = runners
            .iter()
            .find(|r| r.runner_id == integration.runner_id)
            .map(|r| r.name.clone())
            .unwrap_or_default();
        let mut methods = Vec::new();
        if integration.oauth.is_some() || check.supports_oauth2.is_some() {
            methods.push("oauth");
        }
        if integration.pat || check.supports_pat.is_some() {
            methods.push("pat");
        }
        let token = tokens.iter().find(|t| {
            t.runner_id == integration.runner_id && t.host.eq_ignore_ascii_case(&integration.host)
        });
        Ok(HostStatus {
            runner_id: integration.runner_id.clone(),
            runner_name,
            host: integration.host.clone(),
            scm_id: integration.scm_id.clone(),
            methods,
            authenticated: check.authenticated,
            via: token.and_then(|t| match t.source {
                TokenSource::Pat => Some("pat"),
                TokenSource::Oauth => Some("oauth"),
                _ => None,
            }),
            expires_at: token.and_then(|t| t.expires_at).map(|t| t.to_rfc3339()),
        })
    })
    .into_iter()
    .collect()
}

fn render_table(statuses: &[HostStatus]) -> String {
    let rows: Vec<[String; 6]> = statuses
        .iter()
        .map(|s| {
            [
                s.runner_name.clone(),
                s.host.clone(),
                s.methods.join("+"),
                if s.authenticated { "yes" } else { "no" }.to_string(),
                s.via.unwrap_or("-").to_string(),
                s.expires_at.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let header = [
        "RUNNER",
        "HOST",
        "METHODS",
        "AUTHENTICATED",
        "VIA",
        "EXPIRES",
    ]
    .map(String::from);
    let mut widths = header.clone().map(|h| h.len());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    std::iter::once(&header)
        .chain(rows.iter())
        .map(|row| {
            row.iter()
                .zip(widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
