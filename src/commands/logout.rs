//! `ado-scm logout`: removes your own host authentication tokens (never anyone else's) for
//! Azure DevOps hosts, on one runner or on every runner; `--gitpod` also forgets the stored
//! Gitpod API token.

use serde::Serialize;

use super::context::{is_azure_devops, Context, TokenOrigin};
use crate::cli::LogoutArgs;
use crate::clients::gitpod::TokenSource;
use crate::error::Result;
use crate::urls::AdoHost;

#[derive(Debug, Serialize)]
struct Removed {
    id: String,
    runner_id: String,
    host: String,
    source: &'static str,
}

pub fn run(ctx: &mut Context, args: LogoutArgs) -> Result<()> {
    let host = args
        .target
        .host
        .as_deref()
        .map(AdoHost::parse)
        .transpose()?
        .map(|h| h.as_saved());
    let runner = ctx.runner_id_filter(args.target.runner.as_deref())?;

    let spinner = ctx
        .deps
        .ui
        .spinner("Finding your host authentication tokens");
    let gitpod = ctx.gitpod()?;
    let me = gitpod.get_authenticated_identity()?;
    let tokens = gitpod.list_host_authentication_tokens(runner.as_deref(), Some(&me.subject.id))?;
    // Only tokens for hosts of Azure DevOps integrations: a GitHub token on the same runner is
    // not ours to remove.
    let runner_ids: Vec<String> = {
        let mut ids: Vec<String> = tokens.iter().map(|t| t.runner_id.clone()).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let ado_hosts: Vec<(String, String)> = if runner_ids.is_empty() {
        Vec::new()
    } else {
        gitpod
            .list_scm_integrations(&runner_ids)?
            .into_iter()
            .filter(|i| is_azure_devops(&i.scm_id))
            .map(|i| (i.runner_id, i.host.to_ascii_lowercase()))
            .collect()
    };
    let mut removed = Vec::new();
    for token in tokens {
        let mine = token.is_mine(&me);
        let token_host = token.host.to_ascii_lowercase();
        let is_ado = ado_hosts
            .iter()
            .any(|(r, h)| *r == token.runner_id && *h == token_host);
        let wanted_host = host
            .as_ref()
            .is_none_or(|h| h.eq_ignore_ascii_case(&token.host));
        let wanted_runner = runner.as_ref().is_none_or(|r| *r == token.runner_id);
        if mine && is_ado && wanted_host && wanted_runner {
            gitpod.delete_host_authentication_token(&token.id)?;
            removed.push(Removed {
                source: match token.source {
                    TokenSource::Pat => "pat",
                    TokenSource::Oauth => "oauth",
                    _ => "unknown",
                },
                id: token.id,
                runner_id: token.runner_id,
                host: token.host,
            });
        }
    }
    drop(spinner);
    drop(gitpod);

    let mut forgot_gitpod = false;
    if args.gitpod {
        let (_, origin) = ctx.gitpod_token()?;
        let key = ctx.gitpod_key();
        forgot_gitpod = ctx.store().delete(&key)?;
        if let TokenOrigin::Env(name) = origin {
            ctx.deps.ui.info(format!(
                "{name} is set in your environment: unset it yourself."
            ));
        }
    }

    ctx.deps.ui.json(&serde_json::json!({
        "removed": removed,
        "gitpod_token_forgotten": forgot_gitpod,
    }));
    if removed.is_empty() {
        ctx.deps
            .ui
            .result("No host authentication tokens of yours to remove.");
    }
    for r in &removed {
        ctx.deps.ui.result(format!(
            "Removed your {} token for {} on runner {}.",
            r.source, r.host, r.runner_id
        ));
    }
    if forgot_gitpod {
        ctx.deps.ui.result("Forgot the stored Gitpod API token.");
    }
    Ok(())
}
