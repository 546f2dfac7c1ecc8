//! `ado-scm login [pat|oauth]`: flags and prompts become a [`LoginTarget`], then the flow in
//! `flows::login` does the work.

use std::time::Duration;

use url::Url;
use zeroize::Zeroize;

use super::context::{Context, RunnerRef};
use crate::cli::{LoginArgs, LoginCommon, LoginMethod};
use crate::clients::ado::{AdoClient, AdoTarget};
use crate::clients::gitpod::{input_error, HostAuthCheck, ScmIntegration, SCM_AZURE_DEVOPS_SERVER};
use crate::error::{Error, Result};
use crate::flows::login::{hand_over_pat, oauth_tokens_before, wait_for_oauth, LoginTarget};
use crate::secret::Secret;
use crate::urls::{validate_collection, validate_org, AdoHost};

/// How often the runner is asked whether the OAuth consent has completed.
const OAUTH_POLL_INTERVAL: Duration = Duration::from_secs(2);
/// `login` without a method: the default of `login oauth --timeout`.
const DEFAULT_OAUTH_TIMEOUT: Duration = Duration::from_secs(300);

pub fn run(ctx: &mut Context, args: LoginArgs) -> Result<()> {
    match args.method {
        Some(LoginMethod::Pat(pat)) => {
            let common = merge(&args.common, &pat.common);
            login_pat(ctx, &common, pat.with_token)
        }
        Some(LoginMethod::Oauth(oauth)) => {
            let common = merge(&args.common, &oauth.common);
            login_oauth(ctx, &common, Duration::from_secs(oauth.timeout))
        }
        None => {
            let resolved = resolve(ctx, &args.common)?;
            let check = &resolved.check;
            match (
                check.supports_pat.is_some(),
                check.supports_oauth2.is_some(),
            ) {
                (true, false) => login_pat_resolved(ctx, &args.common, resolved, false),
                (false, true) => login_oauth_resolved(ctx, resolved, DEFAULT_OAUTH_TIMEOUT),
                (false, false) => Err(no_method(&resolved.target.host)),
                (true, true) if !ctx.interactive() => Err(Error::usage(
                    "this integration offers both a PAT and OAuth: say which",
                )
                .with_hint("run `ado-scm login pat` or `ado-scm login oauth`")),
                (true, true) => {
                    let items = vec![
                        "OAuth: sign in with your Entra ID account in the browser".to_string(),
                        "PAT: paste a personal access token".to_string(),
                    ];
                    let choice =
                        ctx.deps
                            .prompter
                            .select("How do you want to sign in?", &items, 0)?;
                    if choice == 0 {
                        login_oauth_resolved(ctx, resolved, DEFAULT_OAUTH_TIMEOUT)
                    } else {
                        login_pat_resolved(ctx, &args.common, resolved, false)
                    }
                }
            }
        }
    }
}

/// `login --runner X pat` and `login pat --runner X` mean the same: the subcommand's value wins.
fn merge(outer: &LoginCommon, inner: &LoginCommon) -> LoginCommon {
    LoginCommon {
        target: crate::cli::TargetArgs {
            runner: inner
                .target
                .runner
                .clone()
                .or_else(|| outer.target.runner.clone()),
            host: inner
                .target
                .host
                .clone()
                .or_else(|| outer.target.host.clone()),
        },
        org: inner.org.clone().or_else(|| outer.org.clone()),
    }
}

fn no_method(host: &str) -> Error {
    Error::check(format!(
        "the integration for {host} offers neither a PAT nor OAuth"
    ))
    .with_hint("ask an admin to enable a method with `ado-scm setup`")
}

/// Runner, integration, and what the runner says about the host.
struct Resolved {
    target: LoginTarget,
    integration: ScmIntegration,
    check: HostAuthCheck,
}

fn resolve(ctx: &mut Context, common: &LoginCommon) -> Result<Resolved> {
    // Every flag is checked before the first request.
    if let Some(org) = &common.org {
        validate_org_or_collection(org)?;
    }
    if let Some(host) = &common.target.host {
        AdoHost::parse(host)?;
    }
    if let Some(runner) = &common.target.runner {
        RunnerRef::parse(runner)?;
    }
    let runner = ctx.pick_runner(common.target.runner.as_deref())?;
    let integration = ctx.pick_integration(&runner, common.target.host.as_deref())?;
    let spinner = ctx
        .deps
        .ui
        .spinner("Asking the runner how it can reach Azure DevOps");
    let check = ctx
        .gitpod()?
        .check_authentication_for_host(&runner.runner_id, &integration.host)
        .map_err(|err| input_error(err, "check --host (e.g. dev.azure.com/ORG)"))?;
    drop(spinner);
    ctx.remember_gitpod_token()?;
    let target = LoginTarget {
        runner_id: runner.runner_id.clone(),
        runner_name: runner.name.clone(),
        host: integration.host.clone(),
        integration_id: integration.id.clone(),
        scm_id: integration.scm_id.clone(),
    };
    Ok(Resolved {
        target,
        integration,
        check,
    })
}

fn validate_org_or_collection(raw: &str) -> Result<()> {
    if raw.contains('/') {
        validate_collection(raw).map(|_| ())
    } else {
        validate_org(raw).map(|_| ())
    }
}

fn login_pat(ctx: &mut Context, common: &LoginCommon, with_token: bool) -> Result<()> {
    if with_token && ctx.settings.gitpod_token_stdin {
        return Err(
            Error::usage("--with-token and --gitpod-token-stdin both want stdin")
                .with_hint("give the Gitpod token through ONA_API_KEY (or GITPOD_API_KEY) instead"),
        );
    }
    if !with_token && !ctx.interactive() {
        return Err(Error::missing(
            "the PAT",
            "--with-token and the PAT on stdin",
        ));
    }
    let resolved = resolve(ctx, common)?;
    login_pat_resolved(ctx, common, resolved, with_token)
}

fn login_pat_resolved(
    ctx: &mut Context,
    common: &LoginCommon,
    resolved: Resolved,
    with_token: bool,
) -> Result<()> {
    let Resolved {
        target,
        integration,
        check,
    } = resolved;
    let Some(pat_support) = check.supports_pat.clone() else {
        return Err(Error::usage(format!(
            "the integration for {} does not accept personal access tokens",
            target.host
        ))
        .with_hint("use `ado-scm login oauth`"));
    };
    if !with_token && !ctx.interactive() {
        return Err(Error::missing(
            "the PAT",
            "`ado-scm login pat --with-token` with the PAT on stdin",
        ));
    }
    let ado_target = ado_target(ctx, common, &integration)?;
    let page = Some(pat_support.create_url.clone())
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| {
            AdoClient::new(&ctx.deps.http, ctx.settings.ado_url.clone()).pat_page_url(&ado_target)
        });
    if !with_token {
        show_pat_guidance(ctx, &target, &ado_target, &page);
        open_browser(ctx, &page);
    }

    let pat = if with_token {
        read_pat_from_stdin(ctx)?
    } else {
        let typed = ctx.deps.prompter.password("Paste the PAT (hidden)")?;
        clean_pat(typed.expose().to_string())?
    };

    let (token, _) = ctx.gitpod_token()?;
    let gitpod = ctx.gitpod_with(token);
    let ado = AdoClient::new(&ctx.deps.http, ctx.settings.ado_url.clone());
    let outcome = hand_over_pat(&gitpod, &ado, &ctx.deps.ui, &target, &ado_target, &pat)?;
    ctx.deps
        .ui
        .json(&serde_json::to_value(&outcome).unwrap_or_default());
    ctx.deps.ui.result(format!(
        "Signed in: runner {} reaches {} with your PAT.",
        target.runner_name, target.host
    ));
    let org = match &ado_target {
        AdoTarget::Services { org } => Some(org.clone()),
        AdoTarget::Server { .. } => common.org.clone(),
    };
    ctx.save_defaults(|config| {
        config.runner = Some(target.runner_id.clone());
        config.host = Some(target.host.clone());
        if org.is_some() {
            config.org = org;
        }
    });
    Ok(())
}

/// What to make on the PAT page. The page takes no parameters to fill these in.
fn show_pat_guidance(ctx: &Context, target: &LoginTarget, ado_target: &AdoTarget, page: &str) {
    let ui = &ctx.deps.ui;
    ui.info(format!(
        "Create a personal access token for {}:",
        target.host
    ));
    ui.info(format!("  page:         {page}"));
    if let AdoTarget::Services { org } = ado_target {
        // Since 1 December 2026 a PAT for "All accessible organizations" no longer works.
        ui.info(format!(
            "  organization: {org} (not \"All accessible organizations\": such PATs no longer work)"
        ));
    }
    ui.info(format!(
        "  name:         Gitpod runner {}",
        target.runner_name
    ));
    ui.info("  scopes:       Code (Read & write)   [Custom defined → Code → Read & write]");
    ui.info(
        "  expiry:       the longest your organization allows (you will run `ado-scm login \
         pat` again then)",
    );
}

fn login_oauth(ctx: &mut Context, common: &LoginCommon, timeout: Duration) -> Result<()> {
    let resolved = resolve(ctx, common)?;
    login_oauth_resolved(ctx, resolved, timeout)
}

fn login_oauth_resolved(ctx: &mut Context, resolved: Resolved, timeout: Duration) -> Result<()> {
    let Resolved { target, check, .. } = resolved;
    let Some(oauth) = check
        .supports_oauth2
        .clone()
        .filter(|o| !o.auth_url.is_empty())
    else {
        return Err(Error::usage(format!(
            "the integration for {} does not offer OAuth",
            target.host
        ))
        .with_hint("use `ado-scm login pat`"));
    };
    let auth_url = Url::parse(&oauth.auth_url).map_err(|err| {
        Error::service("the runner sent an OAuth URL that is not a URL").caused_by(err)
    })?;
    crate::urls::check_scheme(&auth_url, "the runner's OAuth URL")?;
    let (token, _) = ctx.gitpod_token()?;
    let gitpod = ctx.gitpod_with(token);
    // What the runner holds before the consent: a PAT already in place (or an older Entra
    // sign-in) must not be taken for the sign-in about to happen.
    let watch = oauth_tokens_before(&gitpod, &target, check.authenticated)?;
    if let Some(token) = watch.signed_in_already() {
        let until = token
            .expires_at
            .map(|at| format!(" (until {})", at.format("%Y-%m-%d %H:%M UTC")))
            .unwrap_or_default();
        ctx.deps.ui.json(&serde_json::json!({
            "runner_id": target.runner_id,
            "host": target.host,
            "method": "oauth",
            "authenticated": true,
            "already": true,
        }));
        ctx.deps.ui.result(format!(
            "Already signed in: runner {} reaches {} with your Entra ID account{until}.",
            target.runner_name, target.host
        ));
        ctx.deps.ui.info(format!(
            "To sign in again, run `ado-scm logout --runner {} --host {}` first.",
            target.runner_id, target.host
        ));
        return Ok(());
    }
    ctx.deps.ui.info(format!(
        "Sign in with your Entra ID account and consent, so runner {} can reach {}:",
        target.runner_name, target.host
    ));
    ctx.deps.ui.info(format!("  {auth_url}"));
    open_browser(ctx, auth_url.as_str());
    let outcome = wait_for_oauth(
        &gitpod,
        ctx.deps.clock.as_ref(),
        &ctx.deps.ui,
        &target,
        &watch,
        timeout,
        OAUTH_POLL_INTERVAL,
    )?;
    ctx.deps
        .ui
        .json(&serde_json::to_value(&outcome).unwrap_or_default());
    ctx.deps.ui.result(format!(
        "Signed in: runner {} reaches {} with your Entra ID account.",
        target.runner_name, target.host
    ));
    ctx.save_defaults(|config| {
        config.runner = Some(target.runner_id.clone());
        config.host = Some(target.host.clone());
    });
    Ok(())
}

fn open_browser(ctx: &Context, url: &str) {
    if ctx.settings.no_browser {
        return;
    }
    if let Err(why) = ctx.deps.browser.open(url) {
        ctx.deps.ui.warn(format!(
            "could not open a browser ({why}); open the URL above yourself"
        ));
    }
}

/// Where to check the PAT: the organization in the host, `--org`, the saved one, or a prompt.
fn ado_target(
    ctx: &mut Context,
    common: &LoginCommon,
    integration: &ScmIntegration,
) -> Result<AdoTarget> {
    let host = AdoHost::parse(&integration.host)?;
    let from_flags = common
        .org
        .clone()
        .or_else(|| ctx.settings.config.org.clone());
    if integration.scm_id == SCM_AZURE_DEVOPS_SERVER {
        let collection = match from_flags {
            Some(c) => validate_collection(&c)?,
            None if ctx.interactive() => {
                let typed = ctx.deps.prompter.input(
                    "Collection (e.g. DefaultCollection)",
                    Some("DefaultCollection"),
                )?;
                validate_collection(&typed)?
            }
            None => {
                return Err(Error::missing(
                    "the Azure DevOps Server collection",
                    "--org COLLECTION (or set ADO_SCM_ORG)",
                ))
            }
        };
        let directory = integration.virtual_directory.clone().unwrap_or_default();
        let directory = directory.trim_matches('/');
        let path = if directory.is_empty() {
            collection
        } else {
            format!("{directory}/{collection}")
        };
        let raw = format!("https://{}/{}", host.host, path);
        let collection_url = Url::parse(&raw).map_err(|err| {
            Error::usage(format!("`{raw}` is not a collection URL")).caused_by(err)
        })?;
        return Ok(AdoTarget::Server { collection_url });
    }
    let org = match (host.org, from_flags) {
        (Some(org), _) => org,
        (None, Some(org)) => validate_org(&org)?,
        (None, None) if ctx.interactive() => {
            let typed = ctx
                .deps
                .prompter
                .input("Azure DevOps organization (dev.azure.com/ORG)", None)?;
            validate_org(&typed)?
        }
        (None, None) => {
            return Err(Error::missing(
                "the Azure DevOps organization",
                "--org ORG (or set ADO_SCM_ORG)",
            ))
        }
    };
    Ok(AdoTarget::Services { org })
}

/// `--with-token`: the whole of stdin, trailing newline and spaces trimmed.
fn read_pat_from_stdin(ctx: &mut Context) -> Result<Secret> {
    clean_pat(ctx.deps.read_stdin("PAT")?)
}

/// A PAT is one printable word: trailing whitespace goes, anything else odd is refused before
/// any request is sent.
fn clean_pat(mut raw: String) -> Result<Secret> {
    let trimmed_len = raw.trim_end().len();
    raw.truncate(trimmed_len);
    let result = if raw.is_empty() {
        Err(Error::usage("the PAT is empty").with_hint("paste the token Azure DevOps showed you"))
    } else if !raw.chars().all(|c| c.is_ascii_graphic()) {
        Err(
            Error::usage("the PAT contains spaces or characters a PAT never has")
                .with_hint("copy the token again, exactly as Azure DevOps showed it"),
        )
    } else {
        Ok(Secret::new(raw.clone()))
    };
    raw.zeroize();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pat_input_is_trimmed_at_the_end_only() {
        assert_eq!(clean_pat("abc \n".into()).unwrap().expose(), "abc");
        assert_eq!(clean_pat("abc\r\n".into()).unwrap().expose(), "abc");
        assert_eq!(clean_pat("\n".into()).unwrap_err().exit_code(), 2);
        assert_eq!(clean_pat("a b".into()).unwrap_err().exit_code(), 2);
        assert_eq!(clean_pat(" ab".into()).unwrap_err().exit_code(), 2);
    }
}
