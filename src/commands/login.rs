//! `ado-scm login [pat|oauth]`: the flags, the config and the answers to its questions become
//! [`LoginOptions`]; [`execute`] then has the flow in `flows::login` do the work.

use std::time::Duration;

use url::Url;
use zeroize::Zeroize;

use super::context::{unknown_runner, Context, RunnerRef};
use crate::cli::{LoginArgs, LoginCommon, LoginMethod};
use crate::clients::ado::{AdoClient, AdoTarget, PatIdentity};
use crate::clients::gitpod::{input_error, HostAuthCheck, ScmIntegration, SCM_AZURE_DEVOPS_SERVER};
use crate::error::{Error, ErrorKind, Result};
use crate::flows::login::{
    callers_tokens, hand_over_pat, oauth_tokens_before, wait_for_oauth, Known, LoginTarget,
};
use crate::secret::Secret;
use crate::stdin::StdinUser;
use crate::ui::browser::WebUrl;
use crate::ui::prompt::{ask_again, Try};
use crate::urls::{redact_url, validate_collection, validate_org, AdoHost, ADO_SERVICES_HOST};

/// How often the runner is asked whether the OAuth consent has completed.
const OAUTH_POLL_INTERVAL: Duration = Duration::from_secs(2);
/// `login` without a method: the default of `login oauth --timeout`.
const DEFAULT_OAUTH_TIMEOUT: Duration = Duration::from_secs(300);

/// What `login` does, once every question is answered.
#[derive(Debug)]
pub struct LoginOptions {
    pub target: LoginTarget,
    pub method: SignInWith,
    /// What `login pat --with-token` read and asked while it resolved the target.
    pub ahead: Option<Ahead>,
}

/// `login pat --with-token` asks nobody anything, so it reads the PAT first and asks what the
/// hand-over needs together with the runner and its integrations (see
/// [`pat_from_stdin_options`]).
#[derive(Debug)]
pub struct Ahead {
    pub pat: Secret,
    pub known: Known,
}

/// The sign-in method, with what it needs.
#[derive(Debug, PartialEq, Eq)]
pub enum SignInWith {
    /// Hand the runner a personal access token, checked against Azure DevOps first.
    Pat {
        /// The organization or collection the PAT is checked against.
        ado_target: AdoTarget,
        /// Where the PAT is made: shown, and opened, when it is typed.
        page: String,
        /// `--with-token`: the PAT comes on stdin, not from a hidden prompt.
        from_stdin: bool,
        /// The organization (or Server collection) saved as the next run's default.
        org_to_save: Option<String>,
    },
    /// Consent in the browser, then wait until the runner holds the Entra ID sign-in.
    Oauth {
        /// The runner's consent page.
        auth_url: Url,
        /// The runner called the host authenticated before the browser opened.
        authenticated_before: bool,
        timeout: Duration,
    },
}

/// `ado-scm login`: resolve, then sign in.
pub fn run(ctx: &Context, args: LoginArgs) -> Result<()> {
    let options = LoginOptions::resolve(ctx, args)?;
    execute(ctx, options)
}

impl LoginOptions {
    /// Checks the flags (every one before the first request), then asks the runner, the
    /// integration and, when they leave it open, the person: runner, host, method, organization.
    pub fn resolve(ctx: &Context, args: LoginArgs) -> Result<LoginOptions> {
        match args.method {
            Some(LoginMethod::Pat(pat)) => {
                let common = merge(&args.common, &pat.common);
                ctx.deps.stdin.claim(&[
                    (pat.with_token, StdinUser::PAT),
                    (ctx.settings.gitpod_token_stdin, StdinUser::GITPOD_TOKEN),
                ])?;
                if pat.with_token {
                    return pat_from_stdin_options(ctx, &common);
                }
                if !pat.with_token && !ctx.interactive() {
                    return Err(Error::missing(
                        "the PAT",
                        "--with-token and the PAT on stdin",
                    ));
                }
                let resolved = resolve_target(ctx, &common)?;
                pat_options(ctx, &common, resolved, pat.with_token)
            }
            Some(LoginMethod::Oauth(oauth)) => {
                let common = merge(&args.common, &oauth.common);
                let resolved = resolve_target(ctx, &common)?;
                oauth_options(resolved, Duration::from_secs(oauth.timeout))
            }
            None => {
                let resolved = resolve_target(ctx, &args.common)?;
                let check = &resolved.check;
                match (
                    check.supports_pat.is_some(),
                    check.supports_oauth2.is_some(),
                ) {
                    (true, false) => pat_options(ctx, &args.common, resolved, false),
                    (false, true) => oauth_options(resolved, DEFAULT_OAUTH_TIMEOUT),
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
                            oauth_options(resolved, DEFAULT_OAUTH_TIMEOUT)
                        } else {
                            pat_options(ctx, &args.common, resolved, false)
                        }
                    }
                }
            }
        }
    }
}

/// Signs in as the options say.
pub fn execute(ctx: &Context, options: LoginOptions) -> Result<()> {
    let LoginOptions {
        target,
        method,
        ahead,
    } = options;
    match method {
        SignInWith::Pat {
            ado_target,
            page,
            from_stdin,
            org_to_save,
        } => login_pat(
            ctx,
            &target,
            &ado_target,
            &page,
            from_stdin,
            org_to_save,
            ahead,
        ),
        SignInWith::Oauth {
            auth_url,
            authenticated_before,
            timeout,
        } => login_oauth(ctx, &target, &auth_url, authenticated_before, timeout),
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

/// Every flag is checked before the first request.
fn check_flags(common: &LoginCommon) -> Result<()> {
    if let Some(org) = &common.org {
        validate_org_or_collection(org)?;
    }
    if let Some(host) = &common.target.host {
        AdoHost::parse(host)?;
    }
    if let Some(runner) = &common.target.runner {
        RunnerRef::parse(runner)?;
    }
    Ok(())
}

fn resolve_target(ctx: &Context, common: &LoginCommon) -> Result<Resolved> {
    check_flags(common)?;
    let runner = ctx.pick_runner(common.target.runner.as_deref())?;
    let integration = ctx.pick_integration(&runner, common.target.host.as_deref())?;
    let check = ctx
        .deps
        .ui
        .waiting("Asking the runner how it can reach Azure DevOps", || {
            ctx.gitpod()?
                .check_authentication_for_host(&runner.runner_id, &integration.host)
        })
        .map_err(|err| input_error(err, "check --host (e.g. dev.azure.com/ORG)"))?;
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

/// The runner's PAT page (`createUrl`), if it gave one: a web page on the integration's host or
/// on dev.azure.com, or why it is not used. The runner's word is not trusted with the browser:
/// anything else (another site, a local file, a script, a browser flag) is replaced by the page
/// ado-scm builds.
fn runners_pat_page(create_url: &str, integration_host: &str) -> Option<Result<WebUrl, String>> {
    if create_url.is_empty() {
        return None;
    }
    let checked = WebUrl::parse(create_url).and_then(|page| {
        let url = page.url();
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let at = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        };
        let integration = AdoHost::parse(integration_host).ok().map(|h| h.host);
        if at == ADO_SERVICES_HOST || integration.as_deref() == Some(at.as_str()) {
            Ok(page)
        } else {
            Err(format!(
                "`{}` is on {at}, not on {integration_host} or {ADO_SERVICES_HOST}",
                redact_url(url)
            ))
        }
    });
    Some(checked)
}

/// The PAT options for the integration `resolved` found: it must take PATs; the organization
/// or collection the PAT is checked against is asked when nothing names it.
fn pat_options(
    ctx: &Context,
    common: &LoginCommon,
    resolved: Resolved,
    from_stdin: bool,
) -> Result<LoginOptions> {
    let Resolved {
        target,
        integration,
        check,
    } = resolved;
    let Some(pat_support) = check.supports_pat else {
        return Err(no_pat(&target.host));
    };
    if !from_stdin && !ctx.interactive() {
        return Err(Error::missing(
            "the PAT",
            "`ado-scm login pat --with-token` with the PAT on stdin",
        ));
    }
    let ado_target = ado_target(ctx, common, &integration)?;
    let built = AdoClient::new(&ctx.deps.http, ctx.settings.ado_url.clone());
    let page = match runners_pat_page(&pat_support.create_url, &integration.host) {
        Some(Ok(page)) => page.as_str().to_string(),
        None => built.pat_page_url(&ado_target),
        Some(Err(why)) => {
            ctx.deps.ui.warn(format!(
                "the runner's PAT page {why}: showing the one ado-scm builds instead"
            ));
            built.pat_page_url(&ado_target)
        }
    };
    let org_to_save = match &ado_target {
        AdoTarget::Services { org } => Some(org.clone()),
        AdoTarget::Server { .. } => common.org.clone(),
    };
    Ok(LoginOptions {
        target,
        ahead: None,
        method: SignInWith::Pat {
            ado_target,
            page,
            from_stdin,
            org_to_save,
        },
    })
}

/// `login pat --with-token`. The PAT is read first; then the runner, its integrations, who the
/// caller is and the runner's tokens are asked at once, and Azure DevOps is asked about the PAT
/// at the same time when the flags name the organization (or the saved one does): the
/// hand-over then only writes.
fn pat_from_stdin_options(ctx: &Context, common: &LoginCommon) -> Result<LoginOptions> {
    check_flags(common)?;
    let wanted = common
        .target
        .runner
        .clone()
        .or_else(|| ctx.settings.config.runner.clone());
    let by_name = match wanted.as_deref().map(RunnerRef::parse).transpose()? {
        Some(RunnerRef::Id(id)) => Err(id),
        _ => Ok(ctx.pick_runner(common.target.runner.as_deref())?),
    };
    let runner_id = match &by_name {
        Ok(runner) => runner.runner_id.clone(),
        Err(id) => id.clone(),
    };
    let ado_ahead = services_target_from_flags(ctx, common);
    // Read now only when Azure DevOps can be asked about it now; else once the integration
    // said where to check it (so that what the flags lack is said first).
    let read_pat = || -> Result<Secret> { clean_pat(ctx.deps.stdin.read("PAT")?) };
    let pat_now = ado_ahead.as_ref().map(|_| read_pat()).transpose()?;
    let gitpod = ctx.gitpod()?;
    let ado = AdoClient::new(&ctx.deps.http, ctx.settings.ado_url.clone());
    let (runner, integrations, caller, pat_check) = ctx.deps.ui.waiting(
        "Reading the runner and its integrations, and checking the PAT",
        || {
            std::thread::scope(|scope| {
                let caller = scope.spawn(|| callers_tokens(&gitpod, &runner_id));
                let pat_check = ado_ahead
                    .as_ref()
                    .zip(pat_now.as_ref())
                    .map(|(target, pat)| scope.spawn(|| ado.check_pat(target, pat)));
                let integrations =
                    scope.spawn(|| gitpod.list_scm_integrations(std::slice::from_ref(&runner_id)));
                let runner = match &by_name {
                    Ok(runner) => Ok(runner.clone()),
                    Err(id) => gitpod.get_runner(id).map_err(|err| unknown_runner(err, id)),
                };
                (
                    runner,
                    integrations.join().expect("the read ran"),
                    caller.join().expect("the read ran"),
                    pat_check.map(|h| h.join().expect("the check ran")),
                )
            })
        },
    );
    let runner = runner?;
    ctx.remember_gitpod_token()?;
    let integration =
        ctx.choose_integration(&runner, integrations?, common.target.host.as_deref())?;
    if !integration.pat {
        return Err(no_pat(&integration.host));
    }
    let ado_target = ado_target(ctx, common, &integration)?;
    let pat = match pat_now {
        Some(pat) => pat,
        None => read_pat()?,
    };
    let (me, mine) = match caller {
        Ok((me, mine)) => (Some(Ok(me)), Some(Ok(mine))),
        Err(err) => (Some(Err(err.clone())), Some(Err(err))),
    };
    let known = Known {
        me,
        mine,
        // Asked about the organization this integration is checked against: kept.
        pat_check: pat_check.filter(|_| ado_ahead.as_ref() == Some(&ado_target)),
    };
    let target = LoginTarget {
        runner_id: runner.runner_id.clone(),
        runner_name: runner.name.clone(),
        host: integration.host.clone(),
        integration_id: integration.id.clone(),
        scm_id: integration.scm_id.clone(),
    };
    let org_to_save = match &ado_target {
        AdoTarget::Services { org } => Some(org.clone()),
        AdoTarget::Server { .. } => common.org.clone(),
    };
    Ok(LoginOptions {
        target,
        method: SignInWith::Pat {
            ado_target,
            page: String::new(),
            from_stdin: true,
            org_to_save,
        },
        ahead: Some(Ahead { pat, known }),
    })
}

/// The Services organization a PAT is checked against when the flags (or the saved defaults)
/// alone name it: a `--host dev.azure.com/ORG`, or `--host dev.azure.com` (or none) with an
/// organization. `None` when the integration must say (a Server host, no organization).
fn services_target_from_flags(ctx: &Context, common: &LoginCommon) -> Option<AdoTarget> {
    let host = common
        .target
        .host
        .clone()
        .or_else(|| ctx.settings.config.host.clone())?;
    let host = AdoHost::parse(&host).ok()?;
    if !host.is_services() {
        return None;
    }
    let org = match host.org {
        Some(org) => org,
        None => validate_org(
            &common
                .org
                .clone()
                .or_else(|| ctx.settings.config.org.clone())?,
        )
        .ok()?,
    };
    Some(AdoTarget::Services { org })
}

fn no_pat(host: &str) -> Error {
    Error::usage(format!(
        "the integration for {host} does not accept personal access tokens"
    ))
    .with_hint("use `ado-scm login oauth`")
}

/// Shows where to make the PAT (unless it comes on stdin), reads it, checks it, hands it over.
#[allow(clippy::too_many_arguments)]
fn login_pat(
    ctx: &Context,
    target: &LoginTarget,
    ado_target: &AdoTarget,
    page: &str,
    from_stdin: bool,
    org_to_save: Option<String>,
    ahead: Option<Ahead>,
) -> Result<()> {
    if !from_stdin {
        show_pat_guidance(ctx, target, ado_target, page);
        open_browser(ctx, page);
    }

    let ado = AdoClient::new(&ctx.deps.http, ctx.settings.ado_url.clone());
    let (pat, known) = match ahead {
        Some(Ahead { pat, known }) => (pat, Some(known)),
        None if from_stdin => (clean_pat(ctx.deps.stdin.read("PAT")?)?, None),
        None => {
            let (pat, accepted) = typed_pat(ctx, &ado, ado_target)?;
            let known = Known {
                pat_check: Some(Ok(accepted)),
                ..Known::default()
            };
            (pat, Some(known))
        }
    };

    let gitpod = ctx.gitpod()?;
    let outcome = hand_over_pat(&gitpod, &ado, &ctx.deps.ui, target, ado_target, &pat, known)?;
    signed_in(ctx, target, &outcome, "your PAT", org_to_save);
    Ok(())
}

/// A sign-in done: its document (`--json`), its line, and the runner, host (and organization)
/// saved as the next run's defaults.
fn signed_in(
    ctx: &Context,
    target: &LoginTarget,
    outcome: &impl serde::Serialize,
    with: &str,
    org_to_save: Option<String>,
) {
    ctx.deps
        .ui
        .json(&serde_json::to_value(outcome).unwrap_or_default());
    ctx.deps.ui.result(format!(
        "Signed in: runner {} reaches {} with {with}.",
        target.runner_name, target.host
    ));
    ctx.save_defaults(|config| {
        config.runner = Some(target.runner_id.clone());
        config.host = Some(target.host.clone());
        if org_to_save.is_some() {
            config.org = org_to_save;
        }
    });
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

/// The OAuth options for the integration `resolved` found: it must offer OAuth, with a
/// consent URL that is one.
fn oauth_options(resolved: Resolved, timeout: Duration) -> Result<LoginOptions> {
    let Resolved { target, check, .. } = resolved;
    let Some(oauth) = check
        .supports_oauth2
        .filter(|oauth| !oauth.auth_url.is_empty())
    else {
        return Err(Error::usage(format!(
            "the integration for {} does not offer OAuth",
            target.host
        ))
        .with_hint("use `ado-scm login pat`"));
    };
    // The runner's consent page goes to the browser: a web page, or nothing at all.
    let auth_url = WebUrl::parse(&oauth.auth_url)
        .map_err(|why| {
            Error::service(format!(
                "the runner's OAuth sign-in page {why}: ado-scm does not open it"
            ))
            .with_hint("ask an admin to check the runner; `ado-scm login pat` works meanwhile")
        })?
        .url()
        .clone();
    Ok(LoginOptions {
        target,
        ahead: None,
        method: SignInWith::Oauth {
            auth_url,
            authenticated_before: check.authenticated,
            timeout,
        },
    })
}

/// Opens the consent page and waits until the runner holds the sign-in; says so instead when
/// the person is signed in through Entra ID already.
fn login_oauth(
    ctx: &Context,
    target: &LoginTarget,
    auth_url: &Url,
    authenticated_before: bool,
    timeout: Duration,
) -> Result<()> {
    let gitpod = ctx.gitpod()?;
    // What the runner holds before the consent: a PAT already in place (or an older Entra
    // sign-in) must not be taken for the sign-in about to happen.
    let watch = oauth_tokens_before(&gitpod, target, authenticated_before)?;
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
        target,
        &watch,
        timeout,
        OAUTH_POLL_INTERVAL,
    )?;
    signed_in(ctx, target, &outcome, "your Entra ID account", None);
    Ok(())
}

/// The PAT typed at the prompt and Azure DevOps' word on it: one it rejects (or that lacks the
/// Code scope, or is not a PAT at all) is asked for again, with the reason, a few times.
fn typed_pat(
    ctx: &Context,
    ado: &AdoClient<'_>,
    ado_target: &AdoTarget,
) -> Result<(Secret, PatIdentity)> {
    ask_again(&ctx.deps.ui, || {
        let typed = ctx.deps.prompter.password("Paste the PAT (hidden)")?;
        let pat = match clean_pat(typed.expose().to_string()) {
            Ok(pat) => pat,
            Err(why) => return Ok(Try::Again(why)),
        };
        let checked = ctx
            .deps
            .ui
            .waiting("Checking the PAT with Azure DevOps", || {
                ado.check_pat(ado_target, &pat)
            });
        match checked {
            Ok(accepted) => Ok(Try::Take((pat, accepted))),
            // Rejected, or without the Code scope: another PAT may do.
            Err(why) if why.kind == ErrorKind::Auth => Ok(Try::Again(why)),
            Err(err) => Err(err),
        }
    })
}

fn open_browser(ctx: &Context, url: &str) {
    if ctx.settings.no_browser {
        return;
    }
    let page = WebUrl::parse(url);
    if let Err(why) = page.and_then(|page| ctx.deps.browser.open(&page)) {
        ctx.deps.ui.warn(format!(
            "could not open a browser ({why}); open the URL above yourself"
        ));
    }
}

/// Where to check the PAT: the organization in the host, `--org`, the saved one, or a prompt.
fn ado_target(
    ctx: &Context,
    common: &LoginCommon,
    integration: &ScmIntegration,
) -> Result<AdoTarget> {
    let host = AdoHost::parse(&integration.host)?;
    let server = integration.scm_id == SCM_AZURE_DEVOPS_SERVER;
    // The flag, else the last run's (shown to a person, who may give another), else asked.
    let saved = match ctx.settings.config.org.clone() {
        Some(org) if host.org.is_none() => {
            let what = if server {
                "Collection"
            } else {
                "Azure DevOps organization"
            };
            ctx.keep_saved(what, &org)?.then_some(org)
        }
        _ => None,
    };
    let from_flags = common.org.clone().or(saved);
    if server {
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
        (None, None) if ctx.interactive() => ctx.ask_organization()?,
        (None, None) => {
            return Err(Error::missing(
                "the Azure DevOps organization",
                "--org ORG (or set ADO_SCM_ORG)",
            ))
        }
    };
    Ok(AdoTarget::Services { org })
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
    use serde_json::json;

    use super::*;
    use crate::clients::test_server::{Stub, StubServer};
    use crate::commands::test_support::*;
    use crate::config::Config;
    use crate::ui::prompt::scripted::ScriptedPrompter;

    /// What a case expects of [`LoginOptions::resolve`].
    enum Expect {
        Refused(Refusal<'static>),
        Resolved(fn(&LoginOptions)),
    }

    struct Case {
        name: &'static str,
        interactive: bool,
        args: &'static [&'static str],
        config: Config,
        prompter: ScriptedPrompter,
        stubs: Vec<Stub>,
        expect: Expect,
    }

    impl Case {
        fn new(name: &'static str, interactive: bool, args: &'static [&'static str]) -> Case {
            Case {
                name,
                interactive,
                args,
                config: Config::default(),
                prompter: ScriptedPrompter::new(),
                stubs: Vec::new(),
                expect: Expect::Resolved(|_| {}),
            }
        }
    }

    fn acme() -> serde_json::Value {
        integration(RUNNER_1, "dev.azure.com/acme")
    }

    fn cases() -> Vec<Case> {
        vec![
            Case {
                expect: Expect::Refused((
                    2,
                    "the PAT is required when not running interactively",
                    Some("pass --with-token and the PAT on stdin"),
                )),
                ..Case::new(
                    "no terminal, pat without --with-token: exit 2 naming --with-token, nothing sent",
                    false,
                    &["login", "pat", "--runner", RUNNER_1],
                )
            },
            Case {
                expect: Expect::Refused((
                    2,
                    "--with-token and --gitpod-token-stdin both want stdin, which can carry \
                     only one secret",
                    Some(
                        "keep one on stdin and give the others through the environment: the \
                         Gitpod API token in ONA_API_KEY (or GITPOD_API_KEY)",
                    ),
                )),
                ..Case::new(
                    "--with-token and --gitpod-token-stdin: exit 2, stdin holds one secret",
                    false,
                    &["--gitpod-token-stdin", "login", "pat", "--with-token"],
                )
            },
            Case {
                expect: Expect::Refused((
                    2,
                    "the runner is required when not running interactively",
                    Some("pass --runner ID|NAME (or set ADO_SCM_RUNNER)"),
                )),
                ..Case::new(
                    "no terminal, no runner: exit 2 naming --runner",
                    false,
                    &["login"],
                )
            },
            Case {
                prompter: ScriptedPrompter::new().expect_select("Runner", "second"),
                stubs: vec![
                    two_runners(),
                    list_integrations(vec![integration(RUNNER_2, "dev.azure.com/acme")]),
                    host_check(true, false, false),
                ],
                expect: Expect::Resolved(|options| {
                    assert_eq!(options.target.runner_id, RUNNER_2);
                    assert_eq!(options.target.runner_name, "second");
                    assert_eq!(
                        options.method,
                        SignInWith::Pat {
                            ado_target: AdoTarget::Services { org: "acme".into() },
                            page: "https://dev.azure.com/acme/_usersSettings/tokens".into(),
                            from_stdin: false,
                            org_to_save: Some("acme".into()),
                        }
                    );
                }),
                ..Case::new("interactive, two runners: asks Runner", true, &["login", "pat"])
            },
            Case {
                prompter: ScriptedPrompter::new()
                    .expect_select("How do you want to sign in?", "OAuth"),
                stubs: vec![
                    get_runner(runner(RUNNER_1, "first")),
                    list_integrations(vec![acme()]),
                    host_check(true, true, false),
                ],
                expect: Expect::Resolved(|options| {
                    assert_eq!(
                        options.method,
                        SignInWith::Oauth {
                            auth_url: Url::parse("https://runner.example.com/auth/oauth2/start")
                                .unwrap(),
                            authenticated_before: false,
                            timeout: DEFAULT_OAUTH_TIMEOUT,
                        }
                    );
                }),
                ..Case::new(
                    "interactive, both methods offered: asks how to sign in",
                    true,
                    &["login", "--runner", RUNNER_1],
                )
            },
            Case {
                stubs: vec![
                    get_runner(runner(RUNNER_1, "first")),
                    list_integrations(vec![acme()]),
                    host_check(true, true, false),
                ],
                expect: Expect::Refused((
                    2,
                    "this integration offers both a PAT and OAuth: say which",
                    Some("run `ado-scm login pat` or `ado-scm login oauth`"),
                )),
                ..Case::new(
                    "no terminal, both methods offered: exit 2 asking to say which",
                    false,
                    &["login", "--runner", RUNNER_1],
                )
            },
            Case {
                prompter: ScriptedPrompter::new()
                    .expect_input("Azure DevOps organization (dev.azure.com/ORG)", "acme"),
                stubs: vec![
                    get_runner(runner(RUNNER_1, "first")),
                    list_integrations(vec![integration(RUNNER_1, "dev.azure.com")]),
                    host_check(true, false, false),
                ],
                expect: Expect::Resolved(|options| {
                    let SignInWith::Pat {
                        ado_target,
                        org_to_save,
                        ..
                    } = &options.method
                    else {
                        panic!("a PAT sign-in: {options:?}")
                    };
                    assert_eq!(*ado_target, AdoTarget::Services { org: "acme".into() });
                    assert_eq!(org_to_save.as_deref(), Some("acme"));
                }),
                ..Case::new(
                    "interactive, host without organization: asks the organization",
                    true,
                    &["login", "pat", "--runner", RUNNER_1],
                )
            },
            Case {
                // --with-token: the runner, its integrations, the caller and the runner's
                // tokens are asked at once (no question can come between them).
                stubs: vec![
                    get_runner(runner(RUNNER_1, "first")),
                    list_integrations(vec![json!({"id": "i1", "runnerId": RUNNER_1,
                        "scmId": "azuredevops_server", "host": "ado.example.com",
                        "virtualDirectory": "/tfs", "pat": true})]),
                    identity(),
                    list_tokens(Vec::new()),
                ],
                expect: Expect::Refused((
                    2,
                    "the Azure DevOps Server collection is required when not running \
                     interactively",
                    Some("pass --org COLLECTION (or set ADO_SCM_ORG)"),
                )),
                ..Case::new(
                    "no terminal, Server without --org: exit 2 naming --org",
                    false,
                    &["login", "pat", "--with-token", "--runner", RUNNER_1],
                )
            },
            Case {
                stubs: vec![
                    get_runner(runner(RUNNER_1, "first")),
                    list_integrations(vec![acme()]),
                    host_check(false, true, false),
                ],
                expect: Expect::Refused((
                    2,
                    "the integration for dev.azure.com/acme does not accept personal access \
                     tokens",
                    Some("use `ado-scm login oauth`"),
                )),
                ..Case::new(
                    "OAuth only, login pat: exit 2 pointing to login oauth",
                    true,
                    &["login", "pat", "--runner", RUNNER_1],
                )
            },
            Case {
                config: Config {
                    runner: Some(RUNNER_1.into()),
                    host: Some("dev.azure.com/acme".into()),
                    ..Config::default()
                },
                stubs: vec![
                    get_runner(runner(RUNNER_1, "first")),
                    list_integrations(vec![integration(RUNNER_1, "dev.azure.com/other"), acme()]),
                    host_check(false, true, true),
                ],
                expect: Expect::Resolved(|options| {
                    assert_eq!(options.target.runner_id, RUNNER_1);
                    assert_eq!(options.target.host, "dev.azure.com/acme");
                    assert!(matches!(
                        options.method,
                        SignInWith::Oauth {
                            authenticated_before: true,
                            timeout,
                            ..
                        } if timeout == Duration::from_secs(300)
                    ));
                }),
                prompter: ScriptedPrompter::new()
                    .expect_confirm("Runner: first (from your last run) — use it?", true)
                    .expect_confirm(
                        "Azure DevOps host: dev.azure.com/acme (from your last run) — use it?",
                        true,
                    ),
                ..Case::new(
                    "interactive, config names runner and host: shown, and taken when confirmed",
                    true,
                    &["login", "oauth"],
                )
            },
            Case {
                config: Config {
                    runner: Some(RUNNER_1.into()),
                    host: Some("dev.azure.com/acme".into()),
                    org: Some("acme".into()),
                    ..Config::default()
                },
                stubs: vec![
                    get_runner(runner(RUNNER_1, "first")),
                    list_runners(vec![
                        runner(RUNNER_1, "first"),
                        json!({"runnerId": RUNNER_2, "name": "second",
                               "status": {"phase": "RUNNER_PHASE_ACTIVE", "publicKey": KEY}}),
                    ]),
                    list_integrations(vec![
                        integration(RUNNER_2, "dev.azure.com/acme"),
                        integration(RUNNER_2, "dev.azure.com"),
                    ]),
                    host_check(true, false, false),
                ],
                prompter: ScriptedPrompter::new()
                    .expect_confirm("Runner: first (from your last run) — use it?", false)
                    .expect_select("Runner", "second")
                    .expect_confirm(
                        "Azure DevOps host: dev.azure.com/acme (from your last run) — use it?",
                        false,
                    )
                    .expect_select("Azure DevOps host", "dev.azure.com (")
                    .expect_confirm(
                        "Azure DevOps organization: acme (from your last run) — use it?",
                        false,
                    )
                    .expect_input(
                        "Azure DevOps organization (dev.azure.com/ORG)",
                        "https://dev.azure.com/other/",
                    ),
                expect: Expect::Resolved(|options| {
                    assert_eq!(options.target.runner_id, RUNNER_2);
                    assert_eq!(options.target.host, "dev.azure.com");
                    let SignInWith::Pat { ado_target, .. } = &options.method else {
                        panic!("a PAT sign-in: {options:?}")
                    };
                    assert_eq!(*ado_target, AdoTarget::Services { org: "other".into() });
                }),
                ..Case::new(
                    "interactive, the last run's runner, host and organization declined: asked",
                    true,
                    &["login", "pat"],
                )
            },
            Case {
                stubs: vec![
                    two_runners(),
                    list_integrations(vec![integration(RUNNER_2, "dev.azure.com/acme")]),
                    host_check(false, true, false),
                ],
                expect: Expect::Resolved(|options| {
                    assert_eq!(options.target.runner_id, RUNNER_2);
                }),
                ..Case::new(
                    "no terminal, --runner by name: found among the runners",
                    false,
                    &["login", "oauth", "--runner", "Second", "--timeout", "60"],
                )
            },
        ]
    }

    #[test]
    fn options_are_resolved_from_flags_config_and_questions() {
        for case in cases() {
            let server = StubServer::start(case.stubs);
            let (harness, resolved) = TestRun::new(case.interactive)
                .prompter(case.prompter)
                .config(case.config)
                .resolve::<LoginOptions>(&server, case.args);
            match case.expect {
                Expect::Refused(refusal) => assert_refused(case.name, resolved, refusal),
                Expect::Resolved(check) => check(&resolved.expect(case.name)),
            }
            drop(harness);
            server.finish();
        }
    }

    const ACME: &str = "dev.azure.com/acme";
    /// A runner's public key (any 32 bytes, base64).
    const KEY: &str = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
    const PAT_PAGE: &str = "https://dev.azure.com/acme/_usersSettings/tokens";

    fn target() -> LoginTarget {
        LoginTarget {
            runner_id: RUNNER_1.into(),
            runner_name: "first".into(),
            host: ACME.into(),
            integration_id: "i1".into(),
            scm_id: "azuredevops_entra".into(),
        }
    }

    fn pat_options(from_stdin: bool) -> LoginOptions {
        LoginOptions {
            target: target(),
            ahead: None,
            method: SignInWith::Pat {
                ado_target: AdoTarget::Services { org: "acme".into() },
                page: PAT_PAGE.into(),
                from_stdin,
                org_to_save: Some("acme".into()),
            },
        }
    }

    /// Azure DevOps accepting the PAT, then the runner taking it.
    fn pat_accepted() -> Vec<Stub> {
        vec![
            Stub::get("/acme/_apis/connectionData?api-version=7.1-preview").json(json!({
                "authenticatedUser": {"id": "a1", "providerDisplayName": "Ada", "isActive": true}
            })),
            Stub::get("/acme/_apis/git/repositories?api-version=7.1")
                .json(json!({"count": 1, "value": [{"id": "repo"}]})),
            identity(),
            list_tokens(Vec::new()),
            gitpod(
                "RunnerConfigurationService/CreateHostAuthenticationToken",
                json!({ "token": host_token("t-new", ACME, "PAT") }),
            ),
            host_check(true, false, true),
        ]
    }

    #[test]
    fn a_typed_pat_comes_after_the_page_is_shown_and_opened() {
        let server = StubServer::start(pat_accepted());
        let prompter = ScriptedPrompter::new().expect_password("Paste the PAT (hidden)", "pat-1");
        let (harness, _) = TestRun::new(true)
            .prompter(prompter)
            .start(&server, &["login"]);
        execute(&harness.ctx, pat_options(false)).unwrap();
        assert_eq!(harness.browser.opened(), vec![PAT_PAGE]);
        let screen = harness.screen.text();
        assert!(
            screen.contains(&format!(
                "Create a personal access token for {ACME}:\n  page:         {PAT_PAGE}\n"
            )),
            "{screen}"
        );
        assert_eq!(
            harness.stdout.text(),
            format!("Signed in: runner first reaches {ACME} with your PAT.\n")
        );
        drop(harness);
        let created = sent(
            &server.finish(),
            "RunnerConfigurationService/CreateHostAuthenticationToken",
        );
        assert_eq!(created["token"], "pat-1");
        assert_eq!(created["runnerId"], RUNNER_1);
    }

    /// Azure DevOps rejecting a PAT: both questions of the check answered 401.
    fn pat_rejected() -> Vec<Stub> {
        vec![
            Stub::get("/acme/_apis/connectionData?api-version=7.1-preview").status(401),
            Stub::get("/acme/_apis/git/repositories?api-version=7.1").status(401),
        ]
    }

    #[test]
    fn a_pat_azure_devops_rejects_is_asked_for_again_with_the_reason() {
        let mut stubs = pat_rejected();
        stubs.extend(pat_accepted());
        let server = StubServer::start(stubs);
        let prompter = ScriptedPrompter::new()
            .expect_password("Paste the PAT (hidden)", "pat-typo")
            .expect_password("Paste the PAT (hidden)", "pat-1");
        let (harness, _) = TestRun::new(true)
            .prompter(prompter)
            .start(&server, &["login"]);
        execute(&harness.ctx, pat_options(false)).unwrap();
        let screen = harness.screen.text();
        assert!(
            screen.contains("✗ Azure DevOps rejected the PAT"),
            "the reason is shown: {screen}"
        );
        assert!(screen.contains(": try again\n"), "{screen}");
        drop(harness);
        let requests = server.finish();
        let created = sent(
            &requests,
            "RunnerConfigurationService/CreateHostAuthenticationToken",
        );
        assert_eq!(
            created["token"], "pat-1",
            "only the accepted PAT is handed over"
        );
    }

    #[test]
    fn a_pat_rejected_three_times_ends_the_run_with_nothing_handed_over() {
        let stubs: Vec<Stub> = (0..3).flat_map(|_| pat_rejected()).collect();
        let server = StubServer::start(stubs);
        let prompter = ScriptedPrompter::new()
            .expect_password("Paste the PAT (hidden)", "pat-a")
            .expect_password("Paste the PAT (hidden)", "pat-b")
            .expect_password("Paste the PAT (hidden)", "pat-c");
        let (harness, _) = TestRun::new(true)
            .prompter(prompter)
            .start(&server, &["login"]);
        let err = execute(&harness.ctx, pat_options(false)).unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert!(
            err.message.starts_with("Azure DevOps rejected the PAT"),
            "{}",
            err.message
        );
        assert_eq!(harness.screen.text().matches(": try again").count(), 2);
        drop(harness);
        assert!(server
            .finish()
            .iter()
            .all(|request| !request.path.starts_with("/gitpod.v1.")));
    }

    #[test]
    fn a_pat_on_stdin_opens_nothing_and_asks_nothing() {
        let server = StubServer::start(pat_accepted());
        let (harness, _) = TestRun::new(false)
            .stdin("pat-2 \n")
            .start(&server, &["login"]);
        execute(&harness.ctx, pat_options(true)).unwrap();
        assert_eq!(harness.browser.opened(), Vec::<String>::new());
        assert!(!harness
            .screen
            .text()
            .contains("Create a personal access token"));
        drop(harness);
        let created = sent(
            &server.finish(),
            "RunnerConfigurationService/CreateHostAuthenticationToken",
        );
        assert_eq!(created["token"], "pat-2", "trailing whitespace trimmed");
    }

    fn oauth_options() -> LoginOptions {
        LoginOptions {
            target: target(),
            ahead: None,
            method: SignInWith::Oauth {
                auth_url: Url::parse("https://runner.example.com/auth/oauth2/start").unwrap(),
                authenticated_before: false,
                timeout: Duration::from_secs(60),
            },
        }
    }

    /// The runner holding no sign-in, then one after a poll.
    fn consent_given() -> Vec<Stub> {
        vec![
            identity(),
            list_tokens(Vec::new()),
            list_tokens(Vec::new()),
            list_tokens(vec![host_token("t-oauth", ACME, "OAUTH")]),
            host_check(false, true, true),
        ]
    }

    #[test]
    fn oauth_opens_the_consent_page_and_waits_for_the_runner() {
        let server = StubServer::start(consent_given());
        let (harness, _) = TestRun::new(true).start(&server, &["login"]);
        execute(&harness.ctx, oauth_options()).unwrap();
        assert_eq!(
            harness.browser.opened(),
            vec!["https://runner.example.com/auth/oauth2/start"]
        );
        assert_eq!(
            harness.stdout.text(),
            format!("Signed in: runner first reaches {ACME} with your Entra ID account.\n")
        );
        drop(harness);
        server.finish();
    }

    #[test]
    fn no_browser_prints_the_consent_page_and_opens_nothing() {
        let server = StubServer::start(consent_given());
        let (harness, _) = TestRun::new(true).start(&server, &["--no-browser", "login"]);
        execute(&harness.ctx, oauth_options()).unwrap();
        assert_eq!(harness.browser.opened(), Vec::<String>::new());
        assert!(harness
            .screen
            .text()
            .contains("\n  https://runner.example.com/auth/oauth2/start\n"));
        drop(harness);
        server.finish();
    }

    /// What a hostile runner might give as its PAT page or its consent page.
    const HOSTILE_PAGES: [&str; 8] = [
        "--renderer-cmd-prefix=sh -c 'touch /tmp/owned'",
        "file:///etc/passwd",
        "javascript:alert(document.cookie)",
        r"C:\Windows\System32\calc.exe",
        "https://evil.example/acme/_usersSettings/tokens",
        "http://dev.azure.com/acme/_usersSettings/tokens",
        "https://dev.azure.com@evil.example/acme/_usersSettings/tokens",
        " https://dev.azure.com/acme/_usersSettings/tokens",
    ];

    /// CheckAuthenticationForHost offering a PAT with `create_url` as its page.
    fn host_check_with_pat_page(create_url: &str) -> Stub {
        gitpod(
            "RunnerService/CheckAuthenticationForHost",
            json!({"authenticated": false, "scmId": "azuredevops_entra",
                   "supportsPat": {"createUrl": create_url}}),
        )
    }

    #[test]
    fn a_pat_page_from_the_runner_off_azure_devops_is_replaced_and_said() {
        for hostile in HOSTILE_PAGES {
            let mut stubs = vec![
                get_runner(runner(RUNNER_1, "first")),
                list_integrations(vec![acme()]),
                host_check_with_pat_page(hostile),
            ];
            stubs.extend(pat_accepted());
            let server = StubServer::start(stubs);
            let prompter =
                ScriptedPrompter::new().expect_password("Paste the PAT (hidden)", "pat-1");
            let (harness, resolved) = TestRun::new(true)
                .prompter(prompter)
                .resolve::<LoginOptions>(&server, &["login", "pat", "--runner", RUNNER_1]);
            execute(&harness.ctx, resolved.expect(hostile)).expect(hostile);
            assert_eq!(harness.browser.opened(), vec![PAT_PAGE], "{hostile}");
            let screen = harness.screen.text();
            assert!(
                screen.contains("warning: the runner's PAT page `")
                    && screen.contains(": showing the one ado-scm builds instead\n")
                    && screen.contains(&format!("  page:         {PAT_PAGE}\n")),
                "{hostile}: {screen}"
            );
            drop(harness);
            server.finish();
        }
    }

    #[test]
    fn a_pat_page_on_the_integrations_host_or_dev_azure_com_is_used() {
        for (host, page) in [
            (
                "dev.azure.com/acme",
                "https://dev.azure.com/acme/_usersSettings/tokens",
            ),
            (
                "ado.example.com:8443",
                "https://ado.example.com:8443/tfs/_usersSettings/tokens",
            ),
        ] {
            assert_eq!(
                runners_pat_page(page, host).map(|p| p.map(|p| p.as_str().to_string())),
                Some(Ok(page.to_string()))
            );
        }
        assert_eq!(runners_pat_page("", ACME), None);
        let elsewhere = runners_pat_page("https://ado.example.com/tfs/", ACME);
        assert_eq!(
            elsewhere.unwrap().unwrap_err(),
            "`https://ado.example.com/tfs/` is on ado.example.com, not on dev.azure.com/acme \
             or dev.azure.com"
        );
    }

    #[test]
    fn a_consent_page_from_the_runner_that_is_not_a_web_page_is_refused() {
        for hostile in HOSTILE_PAGES
            .iter()
            .filter(|page| !page.contains("evil.example/acme/_user"))
        {
            let server = StubServer::start(vec![
                get_runner(runner(RUNNER_1, "first")),
                list_integrations(vec![acme()]),
                gitpod(
                    "RunnerService/CheckAuthenticationForHost",
                    json!({"authenticated": false, "scmId": "azuredevops_entra",
                           "supportsOauth2": {"authUrl": hostile}}),
                ),
            ]);
            let (harness, resolved) = TestRun::new(true)
                .resolve::<LoginOptions>(&server, &["login", "oauth", "--runner", RUNNER_1]);
            let err = resolved.expect_err(hostile);
            assert_eq!(err.exit_code(), 1, "{hostile}");
            assert!(
                err.message.starts_with("the runner's OAuth sign-in page `")
                    && err.message.ends_with(": ado-scm does not open it"),
                "{hostile}: {}",
                err.message
            );
            assert_eq!(harness.browser.opened(), Vec::<String>::new());
            drop(harness);
            server.finish();
        }
    }

    #[test]
    fn pat_input_is_trimmed_at_the_end_only() {
        assert_eq!(clean_pat("abc \n".into()).unwrap().expose(), "abc");
        assert_eq!(clean_pat("abc\r\n".into()).unwrap().expose(), "abc");
        assert_eq!(clean_pat("\n".into()).unwrap_err().exit_code(), 2);
        assert_eq!(clean_pat("a b".into()).unwrap_err().exit_code(), 2);
        assert_eq!(clean_pat(" ab".into()).unwrap_err().exit_code(), 2);
    }
}
