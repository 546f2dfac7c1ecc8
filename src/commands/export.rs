//! `ado-scm export [--runner ID|NAME]`: today's Azure DevOps integrations as a file `apply`
//! accepts, and that changes nothing when applied as it is.
//!
//! Each integration becomes an entry that leads setup back to what is saved: the runner by its
//! name (its id when another runner has the same name), the host, Server and its virtual
//! directory, the methods, and for OAuth the app by the client id the runner saved and the
//! tenant of the saved issuer (setup keeps the saved issuer when it names that tenant). The
//! client secret is not in it: apply keeps the saved one while it validates.

use super::context::{is_azure_devops, Context};
use crate::cli::ExportArgs;
use crate::clients::entra::issuer;
use crate::clients::gitpod::{Runner, ScmIntegration, SCM_AZURE_DEVOPS_SERVER};
use crate::error::{Error, Result};

pub fn run(ctx: &Context, args: ExportArgs) -> Result<()> {
    let all = ctx
        .deps
        .ui
        .waiting("Listing runners", || ctx.gitpod()?.list_runners())?;
    let runners: Vec<Runner> = match &args.runner {
        Some(raw) => vec![ctx.get_runner(raw)?],
        None => all.clone(),
    };
    let ids: Vec<String> = runners.iter().map(|r| r.runner_id.clone()).collect();
    let mut integrations: Vec<ScmIntegration> = ctx
        .deps
        .ui
        .waiting("Reading the runners' integrations", || {
            ctx.gitpod()?.list_scm_integrations(&ids)
        })?
        .into_iter()
        .filter(|i| is_azure_devops(&i.scm_id))
        .collect();
    ctx.remember_gitpod_token()?;
    if integrations.is_empty() {
        return Err(
            Error::check("no Azure DevOps integration found on the runners in scope")
                .with_hint("connect a runner with `ado-scm setup`, or check --runner"),
        );
    }
    // The runners' order, then the hosts': the same state exports the same file.
    integrations.sort_by_key(|i| {
        let at = runners.iter().position(|r| r.runner_id == i.runner_id);
        (at, i.host.to_ascii_lowercase())
    });
    let entries: Vec<String> = integrations.iter().map(|i| entry(ctx, &all, i)).collect();
    let text = format!(
        "# The Azure DevOps integrations of {} runner(s), as `ado-scm export` read them.\n\
         # `ado-scm apply -f FILE` makes the runners match this file; applied as it is, it changes\n\
         # nothing. Secrets are not in it: the runners keep theirs while they validate.\n\n{}",
        runners.len(),
        entries.join("\n")
    );
    ctx.deps.ui.json(&serde_json::json!({ "toml": text }));
    if !ctx.deps.ui.mode.json {
        ctx.deps.ui.raw(&text);
    }
    Ok(())
}

/// One `[[integration]]` table.
fn entry(ctx: &Context, all: &[Runner], i: &ScmIntegration) -> String {
    let name = all
        .iter()
        .find(|r| r.runner_id == i.runner_id)
        .map(|r| r.name.clone())
        .unwrap_or_default();
    let unique = !name.is_empty() && all.iter().filter(|r| r.name == name).count() == 1;
    let mut lines = vec!["[[integration]]".to_string()];
    if unique {
        lines.push(format!("runner = {}  # {}", quoted(&name), i.runner_id));
    } else {
        lines.push(format!("runner = {}", quoted(&i.runner_id)));
    }
    lines.push(format!("host = {}", quoted(&i.host)));
    if i.scm_id == SCM_AZURE_DEVOPS_SERVER {
        lines.push("server = true".into());
        if let Some(vdir) = &i.virtual_directory {
            lines.push(format!("virtual_directory = {}", quoted(vdir)));
        }
    } else {
        match &i.oauth {
            None => lines.push("oauth = false".into()),
            Some(oauth) => {
                lines.push(format!("client_id = {}", quoted(&oauth.client_id)));
                let host_names_org = i.host.contains('/');
                let tenant = oauth
                    .issuer_url
                    .as_deref()
                    .and_then(|u| issuer::parse_issuer(u, Some(&ctx.settings.authority_url)).ok())
                    .map(|parsed| parsed.tenant);
                match (host_names_org, tenant) {
                    (false, Some(tenant)) => lines.push(format!("tenant = {}", quoted(&tenant))),
                    (false, None) => lines.push(
                        "# org = \"ORG\"  # the saved issuer names no tenant: give the organization"
                            .into(),
                    ),
                    (true, _) => {}
                }
            }
        }
        if !i.pat {
            lines.push("pat = false".into());
        }
    }
    lines.push(String::new());
    lines.join("\n")
}

/// A TOML basic string, escaped.
fn quoted(value: &str) -> String {
    toml::Value::String(value.to_string()).to_string()
}
