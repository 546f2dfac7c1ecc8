//! `ado-scm setup`: flags, environment and prompts become a [`SetupPlan`]; `flows::setup` does
//! the work; the summary goes to stdout (or `--json`).
//!
//! Everything that can be refused without the network is refused first (exit 2, nothing sent);
//! every question is asked before the first change. A run that may not prompt gets its answers
//! from flags: a missing one is an error naming the flag.

use std::time::Duration;

use crate::cli::{SetupArgs, StoreKind};
use crate::clients::ado::AdoClient;
use crate::clients::gitpod::GitpodClient;
use crate::deps::{Browser, Prompter};
use crate::error::{Error, ErrorKind, Result};
use crate::flows::setup::{
    self, date, default_app_name, methods, IntegrationOutcome, Interaction, OauthPlan,
    SecretOutcome, SetupPlan, SetupReport, SetupServices, Target,
};
use crate::http::Http;
use crate::interrupt::Interrupt;
use crate::issuer::{self, Discovery, Issuer};
use crate::oauth::graph_signin::{
    graph_token, GraphSignIn, GraphTokenSource, SignInMethod, TerminalSignInUi, GRAPH_CLI_CLIENT_ID,
};
use crate::secret::Secret;
use crate::settings::Settings;
use crate::store::{credentials_path, FileStore, KeyringStore, SecretStore};
use crate::ui::Ui;
use crate::urls::{validate_org, AdoHost, ADO_SERVICES_HOST};

use super::context::Context;

/// Lifetime of a new client secret when `--secret-expiry-days` is not given: a year (Microsoft
/// recommends less than twelve months; Graph's own default is two years).
pub const DEFAULT_SECRET_EXPIRY_DAYS: u32 = 365;
/// The Server virtual directory when none is given.
pub const DEFAULT_VIRTUAL_DIRECTORY: &str = "/tfs";
/// `ADO_SCM_CLIENT_SECRET`, `ADO_SCM_GRAPH_TOKEN`: secrets from the environment.
pub const ENV_CLIENT_SECRET: &str = "ADO_SCM_CLIENT_SECRET";
pub const ENV_GRAPH_TOKEN: &str = "ADO_SCM_GRAPH_TOKEN";

/// The flags, checked without the network.
#[derive(Debug)]
struct Checked {
    server: bool,
    host: Option<AdoHost>,
    org: Option<String>,
    oauth: Option<bool>,
    pat: bool,
    tenant: Option<String>,
    issuer: Option<Issuer>,
    client_id: Option<String>,
    app_name: Option<String>,
    virtual_directory: String,
    graph_client_id: String,
}

pub fn run(ctx: &mut Context, args: SetupArgs) -> Result<()> {
    let checked = check_args(&args, &ctx.settings)?;

    // Secrets given up front: stdin (one of them) or the environment.
    let mut client_secret = if args.client_secret_stdin {
        Some(ctx.deps.read_stdin_secret("client secret")?)
    } else {
        None
    };
    if client_secret.is_none() && checked.oauth != Some(false) && !checked.server {
        client_secret = ctx.deps.env.secret(ENV_CLIENT_SECRET);
        if client_secret.is_some() && checked.client_id.is_none() {
            return Err(Error::usage(format!(
                "{ENV_CLIENT_SECRET} is set, but no --client-id says which app it belongs to"
            ))
            .with_hint(format!(
                "pass --client-id with the app's client ID, or unset {ENV_CLIENT_SECRET} to let \
                 ado-scm manage the app's secret"
            )));
        }
    }
    let graph_token_given = if args.graph_token_stdin {
        Some(ctx.deps.read_stdin_secret("Microsoft Graph token")?)
    } else {
        ctx.deps.env.secret(ENV_GRAPH_TOKEN)
    };

    // 1. Runner.
    let runner = ctx.pick_runner(args.target.runner.as_deref())?;

    // 2. Services or Server, 3. methods.
    let server = match (checked.server, &checked.host) {
        (true, _) => true,
        (false, Some(_)) => false,
        // --org or any OAuth flag means Services: asked only when nothing says which.
        (false, None) if ctx.interactive() && args.org.is_none() && checked.oauth.is_none() => {
            let items = vec![
                "Azure DevOps Services (dev.azure.com), with Entra ID OAuth and/or PATs"
                    .to_string(),
                "Azure DevOps Server (your own host), with PATs".to_string(),
            ];
            ctx.deps.prompter.select("Which Azure DevOps?", &items, 0)? == 1
        }
        (false, None) => false,
    };
    let (oauth_on, pat_on) = if server {
        (false, true)
    } else {
        match checked.oauth {
            Some(on) => (on, checked.pat),
            None if ctx.interactive() && !args.pat && !args.no_pat => {
                let items = vec![
                    "OAuth (Entra ID) and PAT (recommended)".to_string(),
                    "OAuth (Entra ID) only".to_string(),
                    "PAT only".to_string(),
                ];
                match ctx
                    .deps
                    .prompter
                    .select("How may developers sign in?", &items, 0)?
                {
                    0 => (true, true),
                    1 => (true, false),
                    _ => (false, true),
                }
            }
            None => (true, checked.pat),
        }
    };
    if !oauth_on && !pat_on {
        return Err(
            Error::usage("with --no-oauth and --no-pat no sign-in method is left")
                .with_hint("leave out --no-oauth or --no-pat"),
        );
    }

    let target = if server {
        let host = match &checked.host {
            Some(h) => h.host.clone(),
            None if ctx.interactive() => {
                let typed = ctx
                    .deps
                    .prompter
                    .input("Azure DevOps Server host (e.g. ado.example.com)", None)?;
                server_host(&typed)?.host
            }
            None => {
                return Err(Error::missing(
                    "the Azure DevOps Server host",
                    "--host HOST with --server",
                ))
            }
        };
        Target::Server {
            host,
            virtual_directory: checked.virtual_directory.clone(),
        }
    } else {
        let host = checked.host.clone().unwrap_or(AdoHost {
            host: ADO_SERVICES_HOST.to_string(),
            org: None,
        });
        let mut org = checked.org.clone().or_else(|| host.org.clone());
        let tenant_named = checked.tenant.is_some() || checked.issuer.is_some();
        if org.is_none() && oauth_on {
            if let Some(saved) = ctx.settings.config.org.clone() {
                if validate_org(&saved).is_ok() {
                    ctx.deps.ui.info(format!(
                        "Azure DevOps organization: {saved} (from the config file)"
                    ));
                    org = Some(saved);
                }
            }
        }
        if org.is_none() && oauth_on && !tenant_named {
            if ctx.interactive() {
                let typed = ctx
                    .deps
                    .prompter
                    .input("Azure DevOps organization (dev.azure.com/ORG)", None)?;
                org = Some(validate_org(&typed)?);
            } else {
                return Err(Error::missing(
                    "the Azure DevOps organization (to find its Entra ID tenant)",
                    "--org ORG (or --tenant TENANT)",
                ));
            }
        }
        Target::Services {
            host: host.as_saved(),
            org,
        }
    };

    let oauth = if oauth_on {
        if let Some(client_id) = &checked.client_id {
            if client_secret.is_none() {
                if ctx.interactive() {
                    let typed = ctx
                        .deps
                        .prompter
                        .password(&format!("Client secret of the app {client_id} (hidden)"))?;
                    client_secret = Some(Secret::from_input(
                        typed.expose().to_string(),
                        "client secret",
                    )?);
                } else {
                    return Err(Error::missing(
                        &format!("the client secret of the app {client_id}"),
                        "--client-secret-stdin with the secret on stdin (or set \
                         ADO_SCM_CLIENT_SECRET), or leave out --client-id to let ado-scm manage \
                         the app and its secret",
                    ));
                }
            }
        }
        Some(OauthPlan {
            tenant: checked.tenant.clone(),
            issuer: checked.issuer.clone(),
            client_id: checked.client_id.clone(),
            app_name: checked.app_name.clone(),
            default_app_name: default_app_name(&runner.name),
            client_secret: client_secret.clone(),
            secret_expiry_days: args
                .secret_expiry_days
                .unwrap_or(DEFAULT_SECRET_EXPIRY_DAYS),
            rotate_secret: args.rotate_secret,
            grant_admin_consent: args.grant_admin_consent,
        })
    } else {
        None
    };
    let plan = SetupPlan {
        runner: runner.clone(),
        target,
        pat: pat_on,
        oauth,
        dry_run: args.dry_run,
    };

    let (token, _) = ctx.gitpod_token()?;
    let report = {
        let http = &ctx.deps.http;
        let ui = &ctx.deps.ui;
        let gitpod = GitpodClient::new(http, ctx.settings.gitpod_url.clone(), token);
        let ado = AdoClient::new(http, ctx.settings.ado_url.clone());
        let services = SetupServices {
            http,
            ui,
            gitpod: &gitpod,
            gitpod_url: &ctx.settings.gitpod_url,
            ado: &ado,
            authority: &ctx.settings.authority_url,
            graph_url: &ctx.settings.graph_url,
        };
        let mut answers = Answers {
            settings: &ctx.settings,
            ui,
            http,
            browser: ctx.deps.browser.as_ref(),
            prompter: ctx.deps.prompter.as_mut(),
            interrupt: &ctx.deps.interrupt,
            store: None,
            given: graph_token_given,
            sign_in: GraphSignIn {
                client_id: checked.graph_client_id.clone(),
                consent: args.grant_admin_consent,
                method: if args.device_code {
                    SignInMethod::DeviceCode
                } else {
                    SignInMethod::Browser { port: args.port }
                },
                interactive: ui.interactive(),
                ..GraphSignIn::default()
            },
            yes: args.yes,
        };
        setup::run(&plan, &services, &mut answers)?
    };
    ctx.remember_gitpod_token()?;

    ctx.deps
        .ui
        .json(&serde_json::to_value(&report.summary).unwrap_or_default());
    ctx.deps
        .ui
        .result(summary_text(&plan, &report, &checked, &args));
    if !plan.dry_run {
        let client_id = report
            .summary
            .oauth
            .as_ref()
            .and_then(|o| o.client_id.clone());
        let tenant = report.tenant_id.clone();
        let host = plan.target.host().to_string();
        let org = plan.target.org().map(str::to_string);
        let runner_id = runner.runner_id.clone();
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
    Ok(())
}

/// Everything about the flags that needs no network, in the order a person would fix it.
fn check_args(args: &SetupArgs, settings: &Settings) -> Result<Checked> {
    let oauth_only_flags: Vec<&str> = [
        (args.tenant.is_some(), "--tenant"),
        (args.client_id.is_some(), "--client-id"),
        (args.client_secret_stdin, "--client-secret-stdin"),
        (args.app_name.is_some(), "--app-name"),
        (args.secret_expiry_days.is_some(), "--secret-expiry-days"),
        (args.rotate_secret, "--rotate-secret"),
        (args.graph_token_stdin, "--graph-token-stdin"),
        (args.device_code, "--device-code"),
        (args.port.is_some(), "--port"),
        (args.graph_client_id.is_some(), "--graph-client-id"),
        (args.issuer_url.is_some(), "--issuer-url"),
        (args.grant_admin_consent, "--grant-admin-consent"),
    ]
    .into_iter()
    .filter_map(|(given, flag)| given.then_some(flag))
    .collect();

    if args.server {
        if args.oauth {
            return Err(Error::usage(
                "Azure DevOps Server works with PATs only: --oauth does not apply with --server",
            )
            .with_hint("leave out --oauth (Entra ID OAuth is for Azure DevOps Services)"));
        }
        if args.no_pat {
            return Err(Error::usage(
                "Azure DevOps Server works with PATs only: --no-pat would leave no method",
            )
            .with_hint("leave out --no-pat"));
        }
        if let Some(flag) = oauth_only_flags.first() {
            return Err(Error::usage(format!(
                "{flag} is for Entra ID OAuth, which Azure DevOps Server does not use"
            ))
            .with_hint(format!("leave out {flag} with --server")));
        }
        if args.org.is_some() {
            return Err(Error::usage(
                "--org names an Azure DevOps Services organization; with --server give the host",
            )
            .with_hint("leave out --org with --server (developers name their collection at `ado-scm login`)"));
        }
    }
    let oauth = if args.no_oauth {
        Some(false)
    } else if args.oauth {
        Some(true)
    } else if !oauth_only_flags.is_empty() {
        // An OAuth flag means OAuth.
        Some(true)
    } else {
        None
    };
    if oauth == Some(false) {
        if let Some(flag) = oauth_only_flags.first() {
            return Err(Error::usage(format!(
                "{flag} is for Entra ID OAuth, which --no-oauth turns off"
            ))
            .with_hint(format!("leave out {flag} or --no-oauth")));
        }
    }
    let pat = !args.no_pat;
    if oauth == Some(false) && !pat {
        return Err(
            Error::usage("with --no-oauth and --no-pat no sign-in method is left")
                .with_hint("leave out --no-oauth or --no-pat"),
        );
    }

    // Stdin can carry one secret.
    let stdin_users: Vec<&str> = [
        (args.client_secret_stdin, "--client-secret-stdin"),
        (args.graph_token_stdin, "--graph-token-stdin"),
        (settings.gitpod_token_stdin, "--gitpod-token-stdin"),
    ]
    .into_iter()
    .filter_map(|(given, flag)| given.then_some(flag))
    .collect();
    if stdin_users.len() > 1 {
        return Err(Error::usage(format!(
            "{} all want stdin, which can carry only one secret",
            stdin_users.join(" and ")
        ))
        .with_hint(
            "give the others through the environment: ADO_SCM_CLIENT_SECRET, \
             ADO_SCM_GRAPH_TOKEN, GITPOD_API_KEY",
        ));
    }
    if args.client_secret_stdin && args.client_id.is_none() {
        return Err(Error::usage(
            "--client-secret-stdin gives the secret of an existing app, but no --client-id says which",
        )
        .with_hint("pass --client-id with the app's client ID"));
    }
    if args.rotate_secret && args.client_secret_stdin {
        return Err(Error::usage(
            "--rotate-secret makes a new client secret, --client-secret-stdin gives one: pick one",
        ));
    }
    if args.device_code && args.port.is_some() {
        return Err(Error::usage(
            "--port is for the browser sign-in; --device-code needs no port",
        ));
    }

    let client_id = match &args.client_id {
        Some(raw) => Some(guid_flag(raw, "--client-id", "client ID")?),
        None => None,
    };
    let graph_client_id = match &args.graph_client_id {
        Some(raw) => guid_flag(raw, "--graph-client-id", "client ID")?,
        None => GRAPH_CLI_CLIENT_ID.to_string(),
    };
    let app_name = match &args.app_name {
        Some(raw) => {
            let name = raw.trim();
            if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
                return Err(Error::usage(format!(
                    "--app-name: `{raw}` is not a usable display name"
                ))
                .with_hint("give 1 to 120 printable characters"));
            }
            Some(name.to_string())
        }
        None => None,
    };
    let tenant = match &args.tenant {
        Some(raw) => Some(issuer::parse_tenant(raw, "--tenant")?),
        None => None,
    };
    let issuer = match &args.issuer_url {
        Some(raw) => Some(
            issuer::parse_issuer(raw, Some(&settings.authority_url)).map_err(|mut err| {
                if !err.message.starts_with("--issuer-url") {
                    err.message = format!("--issuer-url: {}", err.message);
                }
                err
            })?,
        ),
        None => None,
    };
    if let (Some(t), Some(i)) = (&tenant, &issuer) {
        if issuer::is_guid(t) && issuer::is_guid(&i.tenant) && *t != i.tenant {
            return Err(Error::usage(format!(
                "--tenant {t} and --issuer-url {i} name different tenants"
            ))
            .with_hint("give one of them"));
        }
    }

    let host = match &args.target.host {
        Some(raw) if args.server => Some(server_host(raw)?),
        Some(raw) => {
            let host = AdoHost::parse(raw)?;
            if !host.is_services() {
                return Err(Error::usage(format!(
                    "--host {raw} is not dev.azure.com: is it an Azure DevOps Server?"
                ))
                .with_hint("add --server for Azure DevOps Server (PATs only)"));
            }
            Some(host)
        }
        None => None,
    };
    let org = match &args.org {
        Some(raw) => Some(validate_org(raw)?),
        None => None,
    };
    if let (Some(org), Some(host_org)) = (&org, host.as_ref().and_then(|h| h.org.as_ref())) {
        if !org.eq_ignore_ascii_case(host_org) {
            return Err(Error::usage(format!(
                "--org {org} and --host {} name different organizations",
                host.as_ref().map(AdoHost::as_saved).unwrap_or_default()
            ))
            .with_hint("give the organization once"));
        }
    }
    let virtual_directory = match &args.virtual_directory {
        Some(raw) => virtual_directory(raw)?,
        None => DEFAULT_VIRTUAL_DIRECTORY.to_string(),
    };
    Ok(Checked {
        server: args.server,
        host,
        org,
        oauth,
        pat,
        tenant,
        issuer,
        client_id,
        app_name,
        virtual_directory,
        graph_client_id,
    })
}

fn guid_flag(raw: &str, flag: &str, what: &str) -> Result<String> {
    let value = raw.trim().to_ascii_lowercase();
    if issuer::is_guid(&value) {
        Ok(value)
    } else {
        Err(
            Error::usage(format!("{flag}: `{raw}` is not a {what} (a GUID)")).with_hint(
                "a client ID looks like 11111111-2222-3333-4444-555555555555 (Entra admin center → \
             App registrations → Application (client) ID)",
            ),
        )
    }
}

/// A Server host: a host name (and port), not dev.azure.com, no path.
fn server_host(raw: &str) -> Result<AdoHost> {
    let host = AdoHost::parse(raw)?;
    if host.is_services() || host.host.ends_with(".visualstudio.com") {
        return Err(Error::usage(format!(
            "--host {raw} is Azure DevOps Services, not a Server"
        ))
        .with_hint("leave out --server for dev.azure.com"));
    }
    Ok(host)
}

/// `/tfs`, `tfs/` → `/tfs`; one or more plain path segments.
fn virtual_directory(raw: &str) -> Result<String> {
    let trimmed = raw.trim().trim_matches('/');
    let ok = !trimmed.is_empty()
        && trimmed.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        });
    if ok {
        Ok(format!("/{trimmed}"))
    } else {
        Err(Error::usage(format!(
            "--virtual-directory: `{raw}` is not a path like /tfs"
        ))
        .with_hint("give the path the server's collections live under, e.g. /tfs"))
    }
}

/// What the flow asks of the person: the Graph sign-in and the go-ahead.
struct Answers<'a> {
    settings: &'a Settings,
    ui: &'a Ui,
    http: &'a Http,
    browser: &'a dyn Browser,
    prompter: &'a mut dyn Prompter,
    interrupt: &'a Interrupt,
    store: Option<Box<dyn SecretStore>>,
    given: Option<Secret>,
    sign_in: GraphSignIn,
    yes: bool,
}

impl Answers<'_> {
    fn sign_in(&mut self, discovery: &Discovery, interactive: bool) -> Result<Secret> {
        if self.store.is_none() {
            self.store = Some(open_store(self.settings, self.ui));
        }
        let store = self.store.as_deref().expect("opened above");
        let options = GraphSignIn {
            interactive,
            ..self.sign_in.clone()
        };
        let mut sign_in_ui = TerminalSignInUi {
            ui: self.ui,
            browser: self.browser,
            open_browser: !self.settings.no_browser,
        };
        let spinner = (!interactive).then(|| self.ui.spinner("Signing in to Microsoft Graph"));
        // Ctrl-C during the sign-in's wait closes the listener and ends with exit 130.
        let http = self.http;
        let token = self.interrupt.cancellable(|cancel| {
            let options = GraphSignIn {
                cancel: Some(cancel),
                ..options
            };
            graph_token(http, discovery, store, None, &options, &mut sign_in_ui)
        })?;
        drop(spinner);
        let who = token
            .tokens
            .username()
            .map(|u| format!(" as {u}"))
            .unwrap_or_default();
        match token.source {
            GraphTokenSource::Stored => self.ui.ok(format!(
                "signed in to Microsoft Graph{who} (remembered sign-in)"
            )),
            GraphTokenSource::SignedIn => self.ui.ok(format!(
                "signed in to Microsoft Graph{who}; the sign-in is kept in {}",
                store.describe()
            )),
            GraphTokenSource::Given => {}
        }
        Ok(token.tokens.access_token)
    }
}

impl Interaction for Answers<'_> {
    fn graph_token(&mut self, discovery: &Discovery, optional: bool) -> Result<Option<Secret>> {
        if let Some(token) = &self.given {
            self.ui.ok(
                "using the Microsoft Graph token given (--graph-token-stdin / ADO_SCM_GRAPH_TOKEN)",
            );
            return Ok(Some(token.clone()));
        }
        let interactive = self.ui.interactive();
        if optional {
            if interactive {
                let sign_in = self.prompter.confirm(
                    "Sign in to Microsoft Graph to check the app registration (redirect URI, ID \
                     tokens, permissions)?",
                    true,
                )?;
                if !sign_in {
                    return Ok(None);
                }
            } else {
                // A remembered sign-in only: this run may not ask for one.
                return match self.sign_in(discovery, false) {
                    Ok(token) => Ok(Some(token)),
                    Err(err) if err.kind == ErrorKind::Usage => Ok(None),
                    Err(err) => Err(err),
                };
            }
        }
        self.sign_in(discovery, interactive).map(Some)
    }

    fn confirm(&mut self, destructive: &[String]) -> Result<bool> {
        for warning in destructive {
            self.ui.warn(warning);
        }
        if self.yes {
            return Ok(true);
        }
        if !self.ui.interactive() {
            if destructive.is_empty() {
                return Ok(true);
            }
            return Err(Error::usage(
                "this setup would delete developers' sign-ins on the runner, and this run may not ask",
            )
            .with_hint("pass --yes to go ahead, or keep the method on"));
        }
        let question = if destructive.is_empty() {
            "Make these changes?"
        } else {
            "Make these changes, deleting those sign-ins?"
        };
        self.prompter.confirm(question, destructive.is_empty())
    }
}

/// The secret store for the admin's Graph sign-in. `Context::store` would hold the whole
/// context borrowed while the flow runs, so setup opens its own, the same way.
fn open_store(settings: &Settings, ui: &Ui) -> Box<dyn SecretStore> {
    match settings.store {
        StoreKind::Keyring => Box::new(KeyringStore::new(Duration::from_secs(5))),
        StoreKind::File => {
            let store = FileStore::new(credentials_path(&settings.config_path));
            if let Some(warning) = store.permission_warning() {
                ui.warn(warning);
            }
            Box::new(store)
        }
    }
}

// ---- The summary for people --------------------------------------------------------------------

fn summary_text(
    plan: &SetupPlan,
    report: &SetupReport,
    checked: &Checked,
    args: &SetupArgs,
) -> String {
    let s = &report.summary;
    let mut out = Vec::new();
    let runner = format!("{} ({})", report.runner_name, s.runner_id);
    if s.dry_run {
        out.push(format!(
            "Dry run for runner {runner}: nothing was changed; {} request(s) would be sent (listed above).",
            report.changes
        ));
    } else {
        out.push(format!(
            "Runner {runner} is connected to Azure DevOps at {} ({}).",
            s.host,
            methods(s.oauth.is_some(), s.pat)
        ));
    }
    out.push(String::new());
    out.push(if s.dry_run {
        "Would be in place:".to_string()
    } else {
        "Now in place:".to_string()
    });
    if let Some(o) = &s.oauth {
        let app = match (&report.app_name, &o.client_id) {
            (Some(name), Some(id)) => format!("\"{name}\", client ID {id}"),
            (Some(name), None) => format!("\"{name}\" (to be created)"),
            (None, Some(id)) => format!("client ID {id}"),
            (None, None) => "to be created".to_string(),
        };
        let verb = if report.app_created {
            if s.dry_run {
                " (to create)"
            } else {
                " (created)"
            }
        } else {
            ""
        };
        out.push(format!("  App registration   {app}{verb}"));
        if let Some(object_id) = &o.app_object_id {
            out.push(format!("                     object ID {object_id}"));
        }
        if let Some(tenant) = &report.tenant_id {
            out.push(format!("                     tenant {tenant}"));
        }
        if !report.repairs.is_empty() {
            out.push(format!(
                "                     {}: {}",
                if s.dry_run { "to repair" } else { "repaired" },
                report.repairs.join("; ")
            ));
        }
        let secret = match o.secret {
            SecretOutcome::Created => "new",
            SecretOutcome::Reused => "kept",
            SecretOutcome::Rotated => "new (rotated)",
        };
        let expiry = o
            .secret_expires_at
            .map(|at| format!(", expires {}", date(at)))
            .unwrap_or_default();
        out.push(format!(
            "  Client secret      {secret}{expiry} (sealed to the runner's key; never shown)"
        ));
        if !report.removed_secrets.is_empty() {
            out.push(format!(
                "                     removed the old one(s) ado-scm had made: {}",
                report.removed_secrets.join(", ")
            ));
        }
        out.push(format!("  Issuer URL         {}", o.issuer_url));
        if report.consent_granted {
            out.push("  Admin consent      granted for the whole tenant".to_string());
        }
    }
    let what = match (s.dry_run, s.integration) {
        (true, IntegrationOutcome::Created) => "to create",
        (true, IntegrationOutcome::Updated) => "to update",
        (_, outcome) => outcome.as_str(),
    };
    let id = match &s.integration_id {
        Some(id) => format!("{id} ({what})"),
        None => what.to_string(),
    };
    out.push(format!(
        "  Integration        {id}: {}, host {}, {}",
        s.scm_id,
        s.host,
        methods(s.oauth.is_some(), s.pat)
    ));
    for c in &s.checks {
        out.push(format!(
            "  {} {}: {}",
            if c.ok { "✓" } else { "✗" },
            c.name,
            c.detail
        ));
    }

    out.push(String::new());
    if s.oauth.is_some() {
        let org = plan.target.org();
        out.push("Left for you (no API can do these):".to_string());
        let policy = match org {
            Some(org) => format!("https://dev.azure.com/{org}/_settings/organizationPolicy"),
            None => "https://dev.azure.com/ORG/_settings/organizationPolicy".to_string(),
        };
        out.push(
            "  • Azure DevOps: turn on \"Third-party application access via OAuth\" under \
             Organization settings → Security → Policies"
                .to_string(),
        );
        out.push(format!("    ({policy})."));
        if !report.consent_granted {
            out.push(
                "  • Consent: each developer consents on first sign-in, unless an Entra admin \
                 grants it for everyone (Entra admin center → App registrations → the app → API \
                 permissions → Grant admin consent, or run again with --grant-admin-consent)."
                    .to_string(),
            );
        }
        if !report.graph_checked {
            out.push(
                "  • The app registration was not checked through Microsoft Graph: make sure its \
                 Web redirect URI is the runner's callback URL, ID tokens are on, and it has \
                 openid, offline_access, vso.code and vso.code_write."
                    .to_string(),
            );
        }
    } else {
        out.push("Left for you: nothing (PATs need no app registration).".to_string());
    }
    out.push(String::new());
    out.push("Tell your developers to run:".to_string());
    out.push(format!(
        "  ado-scm login --runner {} --host {}",
        s.runner_id, s.host
    ));
    out.push(String::new());
    out.push("The same setup without questions (e.g. in a script):".to_string());
    out.push(format!(
        "  {}",
        equivalent_command(plan, report, checked, args)
    ));
    if plan.oauth.is_some() && checked.client_id.is_none() {
        out.push(
            "  (with ADO_SCM_GRAPH_TOKEN set, or after one interactive run, whose Microsoft sign-in \
             ado-scm remembers)"
                .to_string(),
        );
    }
    out.join("\n")
}

/// `ado-scm setup --non-interactive …` with the answers of this run (never a secret).
fn equivalent_command(
    plan: &SetupPlan,
    report: &SetupReport,
    checked: &Checked,
    args: &SetupArgs,
) -> String {
    let mut parts: Vec<String> = vec![
        "ado-scm setup --non-interactive".into(),
        format!("--runner {}", plan.runner.runner_id),
    ];
    match &plan.target {
        Target::Server {
            host,
            virtual_directory,
        } => {
            parts.push("--server".into());
            parts.push(format!("--host {}", shell_quote(host)));
            parts.push(format!(
                "--virtual-directory {}",
                shell_quote(virtual_directory)
            ));
        }
        Target::Services { host, org } => {
            parts.push(format!("--host {}", shell_quote(host)));
            let host_has_org = host.contains('/');
            if let (Some(org), false) = (org, host_has_org) {
                parts.push(format!("--org {}", shell_quote(org)));
            }
            match (plan.oauth.is_some(), plan.pat) {
                (true, false) => parts.push("--no-pat".into()),
                (false, _) => parts.push("--no-oauth".into()),
                _ => {}
            }
        }
    }
    if let Some(o) = &plan.oauth {
        if let Some(t) = &checked.tenant {
            parts.push(format!("--tenant {}", shell_quote(t)));
        }
        if let Some(i) = &checked.issuer {
            parts.push(format!("--issuer-url {}", shell_quote(&i.url())));
        }
        match &o.client_id {
            Some(id) => {
                parts.push(format!("--client-id {id}"));
                parts.push("--client-secret-stdin".into());
            }
            None => {
                if let Some(name) = &report.app_name {
                    parts.push(format!("--app-name {}", shell_quote(name)));
                }
            }
        }
        if let Some(days) = args.secret_expiry_days {
            parts.push(format!("--secret-expiry-days {days}"));
        }
        if o.grant_admin_consent {
            parts.push("--grant-admin-consent".into());
        }
    }
    parts.join(" ")
}

fn shell_quote(value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '@'));
    if plain && !value.is_empty() {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_directories_are_normalised() {
        assert_eq!(virtual_directory("/tfs").unwrap(), "/tfs");
        assert_eq!(virtual_directory("tfs/").unwrap(), "/tfs");
        assert_eq!(virtual_directory("/a/b").unwrap(), "/a/b");
        for bad in ["", "/", "/a b", "/../x", "C:\\tfs"] {
            assert_eq!(virtual_directory(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn quoting_keeps_names_one_word() {
        assert_eq!(shell_quote("dev.azure.com/acme"), "dev.azure.com/acme");
        assert_eq!(
            shell_quote("Ona runner x (Azure DevOps)"),
            "'Ona runner x (Azure DevOps)'"
        );
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }

    #[test]
    fn client_ids_must_be_guids() {
        assert_eq!(
            guid_flag(
                " 5EED0000-0000-4000-8000-00000000C11E ",
                "--client-id",
                "client ID"
            )
            .unwrap(),
            "5eed0000-0000-4000-8000-00000000c11e"
        );
        let err = guid_flag("my-app", "--client-id", "client ID").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.message.contains("is not a client ID"),
            "{}",
            err.message
        );
    }
}
