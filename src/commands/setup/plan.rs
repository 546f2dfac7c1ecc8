//! What the flags leave open, asked in the wizard's order (or refused, naming the flag, in a
//! run that may not ask), and the [`SetupPlan`] built from the flags and the answers: Services
//! or Server, the sign-in methods, the host and organization, the client secret of an app the
//! admin named. The runner is picked before, by the context.

use crate::cli::SetupArgs;
use crate::clients::gitpod::Runner;
use crate::error::{Error, Result};
use crate::flows::setup::{default_app_name, OauthPlan, SetupPlan, Target};
use crate::secret::Secret;
use crate::ui::prompt::{ask_again, Try};
use crate::urls::{validate_org, AdoHost, ADO_SERVICES_HOST};

use super::flags::{server_host, virtual_directory, Checked};
use super::{Context, DEFAULT_SECRET_EXPIRY_DAYS};
use crate::env::EnvVars;

/// Secrets given up front: on stdin (one of them) or in the environment.
pub(super) struct GivenSecrets {
    pub client_secret: Option<Secret>,
    pub graph_token: Option<Secret>,
}

pub(super) fn secrets_given(
    ctx: &Context,
    args: &SetupArgs,
    checked: &Checked,
) -> Result<GivenSecrets> {
    let mut client_secret = if args.client_secret_stdin {
        Some(ctx.deps.stdin.read_secret("client secret")?)
    } else {
        None
    };
    if client_secret.is_none() && checked.oauth != Some(false) && !checked.server {
        const VARIABLE: &str = EnvVars::ADO_SCM_CLIENT_SECRET;
        client_secret = ctx.deps.env.secret(VARIABLE);
        if client_secret.is_some() && checked.client_id.is_none() {
            return Err(Error::usage(format!(
                "{VARIABLE} is set, but no --client-id says which app it belongs to"
            ))
            .with_hint(format!(
                "pass --client-id with the app's client ID, or unset {VARIABLE} to let \
                 ado-scm manage the app's secret"
            )));
        }
    }
    let graph_token = if args.graph_token_stdin {
        Some(ctx.deps.stdin.read_secret("Microsoft Graph token")?)
    } else {
        ctx.deps.env.secret(EnvVars::ADO_SCM_GRAPH_TOKEN)
    };
    Ok(GivenSecrets {
        client_secret,
        graph_token,
    })
}

/// The plan for `runner`; `client_secret`: the one given up front, if any.
pub(super) fn build(
    ctx: &Context,
    args: &SetupArgs,
    checked: &Checked,
    runner: Runner,
    client_secret: Option<Secret>,
) -> Result<SetupPlan> {
    // 2. Services or Server, 3. methods.
    let server = choose_server(ctx, args, checked)?;
    let (oauth_on, pat_on) = choose_methods(ctx, args, checked, server)?;
    let target = if server {
        server_target(ctx, args, checked)?
    } else {
        services_target(ctx, checked, oauth_on)?
    };
    let oauth = if oauth_on {
        Some(oauth_plan(ctx, args, checked, &runner.name, client_secret)?)
    } else {
        None
    };
    Ok(SetupPlan {
        runner,
        target,
        pat: pat_on,
        oauth,
        dry_run: args.dry_run,
    })
}

/// Azure DevOps Server (`true`) or Services.
fn choose_server(ctx: &Context, args: &SetupArgs, checked: &Checked) -> Result<bool> {
    Ok(match (checked.server, &checked.host) {
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
    })
}

/// (OAuth, PAT): Server takes PATs only. Never both off: the flags cannot say so
/// (`flags::check_args` refuses it) and no answer does.
fn choose_methods(
    ctx: &Context,
    args: &SetupArgs,
    checked: &Checked,
    server: bool,
) -> Result<(bool, bool)> {
    Ok(if server {
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
    })
}

fn server_target(ctx: &Context, args: &SetupArgs, checked: &Checked) -> Result<Target> {
    let mut virtual_directory = checked.virtual_directory.clone();
    let host = match &checked.host {
        Some(h) => h.host.clone(),
        None if ctx.interactive() => {
            let (host, pasted_directory) = ask_again(&ctx.deps.ui, || {
                let typed = ctx.deps.prompter.input(
                    "Azure DevOps Server host or address (e.g. ado.example.com)",
                    None,
                )?;
                Ok(match server_from_paste(&typed) {
                    Ok(found) => Try::Take(found),
                    Err(why) => Try::Again(why),
                })
            })?;
            // An address with its virtual directory (https://ado.example.com/tfs/Coll): the
            // directory is taken from it unless --virtual-directory named one.
            if let (Some(pasted), None) = (pasted_directory, &args.virtual_directory) {
                ctx.deps
                    .ui
                    .info(format!("Virtual directory: {pasted} (from the address)"));
                virtual_directory = pasted;
            }
            host.host
        }
        None => {
            return Err(Error::missing(
                "the Azure DevOps Server host",
                "--host HOST with --server",
            ))
        }
    };
    Ok(Target::Server {
        host,
        virtual_directory,
    })
}

/// A Server host from what a person pastes: `ado.example.com[:port]`, or an address with a
/// path (`https://ado.example.com/tfs/DefaultCollection`), whose first segment is the virtual
/// directory (the collection after it is the developers' to name at `ado-scm login`).
fn server_from_paste(raw: &str) -> Result<(AdoHost, Option<String>)> {
    let text = raw.trim();
    let without_scheme = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
        .unwrap_or(text);
    let (host, path) = without_scheme
        .split_once('/')
        .unwrap_or((without_scheme, ""));
    let host = server_host(host, "the host", "Azure DevOps Server")?;
    let directory = path
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .split('/')
        .find(|segment| !segment.is_empty())
        .map(|segment| virtual_directory(segment, "the address's virtual directory"))
        .transpose()?;
    Ok((host, directory))
}

/// dev.azure.com (or `--host`), and for OAuth the organization whose tenant is checked: the
/// flag, the host's, the config file's, or asked, unless a tenant is named instead.
fn services_target(ctx: &Context, checked: &Checked, oauth_on: bool) -> Result<Target> {
    let host = checked.host.clone().unwrap_or(AdoHost {
        host: ADO_SERVICES_HOST.to_string(),
        org: None,
    });
    let mut org = checked.org.clone().or_else(|| host.org.clone());
    let tenant_named = checked.tenant.is_some() || checked.issuer.is_some();
    if org.is_none() && oauth_on {
        if let Some(saved) = ctx.settings.config.org.clone() {
            if validate_org(&saved).is_ok()
                && ctx.keep_saved("Azure DevOps organization", &saved)?
            {
                org = Some(saved);
            }
        }
    }
    if org.is_none() && oauth_on && !tenant_named {
        if ctx.interactive() {
            org = Some(ctx.ask_organization()?);
        } else {
            return Err(Error::missing(
                "the Azure DevOps organization (to find its Entra ID tenant)",
                "--org ORG (or --tenant TENANT)",
            ));
        }
    }
    Ok(Target::Services {
        host: host.as_saved(),
        org,
    })
}

/// The OAuth answers; the client secret of an app named by `--client-id` is asked now when it
/// was not given.
fn oauth_plan(
    ctx: &Context,
    args: &SetupArgs,
    checked: &Checked,
    runner_name: &str,
    mut client_secret: Option<Secret>,
) -> Result<OauthPlan> {
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
    Ok(OauthPlan {
        tenant: checked.tenant.clone(),
        issuer: checked.issuer.clone(),
        client_id: checked.client_id.clone(),
        app_name: checked.app_name.clone(),
        default_app_name: default_app_name(runner_name),
        client_secret,
        secret_expiry_days: args
            .secret_expiry_days
            .unwrap_or(DEFAULT_SECRET_EXPIRY_DAYS),
        rotate_secret: args.rotate_secret,
        grant_admin_consent: args.grant_admin_consent,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command;
    use crate::clients::test_server::StubServer;
    use crate::commands::test_support::*;
    use crate::ui::prompt::scripted::ScriptedPrompter;

    /// The plan the wizard builds for `args` (after `setup`) with `prompter`'s answers, and what
    /// it showed.
    fn plan_with(prompter: ScriptedPrompter, args: &[&str]) -> (Result<SetupPlan>, String) {
        let server = StubServer::start(Vec::new());
        let argv: Vec<&str> = ["setup", "--runner", RUNNER_1]
            .into_iter()
            .chain(args.iter().copied())
            .collect();
        let (harness, command) = TestRun::new(true).prompter(prompter).start(&server, &argv);
        let Command::Setup(setup) = command else {
            panic!("not setup")
        };
        let ctx = &harness.ctx;
        let checked =
            super::super::flags::check_args(&setup, &ctx.settings, &ctx.deps.stdin).expect("flags");
        let runner = serde_json::from_value(runner(RUNNER_1, "first")).unwrap();
        let plan = build(ctx, &setup, &checked, runner, None);
        let screen = harness.screen.text();
        drop(harness);
        server.finish();
        (plan, screen)
    }

    #[test]
    fn an_organization_pasted_as_an_address_is_taken_and_a_wrong_one_asked_again() {
        let prompter = ScriptedPrompter::new()
            .expect_input(
                "Azure DevOps organization (dev.azure.com/ORG)",
                "github.com/acme",
            )
            .expect_input(
                "Azure DevOps organization (dev.azure.com/ORG)",
                "https://dev.azure.com/acme/",
            );
        let (plan, screen) = plan_with(prompter, &["--oauth", "--no-pat"]);
        assert_eq!(
            plan.unwrap().target,
            Target::Services {
                host: "dev.azure.com".into(),
                org: Some("acme".into())
            }
        );
        assert!(
            screen.contains(
                "✗ `github.com/acme` is not an Azure DevOps organization (give its name, e.g. \
                 acme, or its address, e.g. https://dev.azure.com/acme): try again\n"
            ),
            "{screen}"
        );
    }

    #[test]
    fn a_server_address_with_its_virtual_directory_is_split() {
        let prompter = ScriptedPrompter::new().expect_input(
            "Azure DevOps Server host or address (e.g. ado.example.com)",
            "https://ado.example.com:8443/tfs/DefaultCollection/",
        );
        let (plan, screen) = plan_with(prompter, &["--server"]);
        assert_eq!(
            plan.unwrap().target,
            Target::Server {
                host: "ado.example.com:8443".into(),
                virtual_directory: "/tfs".into()
            }
        );
        assert!(
            screen.contains("Virtual directory: /tfs (from the address)"),
            "{screen}"
        );
    }

    #[test]
    fn three_wrong_answers_end_the_run_with_the_last_reason() {
        let question = "Azure DevOps organization (dev.azure.com/ORG)";
        let prompter = ScriptedPrompter::new()
            .expect_input(question, "a b")
            .expect_input(question, "https://github.com/x")
            .expect_input(question, "");
        let (plan, _) = plan_with(prompter, &["--oauth", "--no-pat"]);
        let err = plan.unwrap_err();
        assert_eq!(
            (err.exit_code(), err.message.as_str()),
            (2, "no organization given")
        );
    }
}
