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
    /// Empty when the organization no longer lists the runner.
    runner_name: String,
    host: String,
    source: &'static str,
}

impl Removed {
    /// "Removed your PAT for dev.azure.com/acme on runner acme-eu (0190…)."
    fn sentence(&self) -> String {
        let what = match self.source {
            "pat" => "PAT",
            "oauth" => "OAuth (Entra ID) sign-in",
            _ => "token",
        };
        let runner = if self.runner_name.is_empty() {
            self.runner_id.clone()
        } else {
            format!("{} ({})", self.runner_name, self.runner_id)
        };
        format!("Removed your {what} for {} on runner {runner}.", self.host)
    }
}

/// Whose tokens `logout` removes: the caller's, for Azure DevOps hosts, narrowed by these.
#[derive(Debug, PartialEq, Eq)]
pub struct LogoutOptions {
    /// `--host`, as the runner saves it.
    pub host: Option<String>,
    /// `--runner`'s id (a name is looked up).
    pub runner_id: Option<String>,
    /// `--gitpod`: also forget the stored Gitpod API token.
    pub forget_gitpod_token: bool,
}

/// `ado-scm logout`: resolve, then remove.
pub fn run(ctx: &Context, args: LogoutArgs) -> Result<()> {
    let options = LogoutOptions::resolve(ctx, args)?;
    execute(ctx, &options)
}

impl LogoutOptions {
    /// `--host` checked; `--runner` an id as given, or a name looked up.
    pub fn resolve(ctx: &Context, args: LogoutArgs) -> Result<LogoutOptions> {
        let host = args
            .target
            .host
            .as_deref()
            .map(AdoHost::parse)
            .transpose()?
            .map(|host| host.as_saved());
        let runner_id = ctx.runner_id_filter(args.target.runner.as_deref())?;
        Ok(LogoutOptions {
            host,
            runner_id,
            forget_gitpod_token: args.gitpod,
        })
    }
}

/// Removes the tokens the options select (never another person's, never one for a host that
/// is not an Azure DevOps integration's) and, with `--gitpod`, the stored Gitpod API token.
pub fn execute(ctx: &Context, options: &LogoutOptions) -> Result<()> {
    let removed = ctx
        .deps
        .ui
        .waiting("Finding your host authentication tokens", || {
            remove_tokens(ctx, options)
        })?;

    let mut forgot_gitpod = false;
    if options.forget_gitpod_token {
        let (_, origin) = ctx.gitpod_token()?;
        forgot_gitpod = ctx.store().delete(&ctx.gitpod_key())?;
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
    for token in &removed {
        ctx.deps.ui.result(token.sentence());
    }
    if forgot_gitpod {
        ctx.deps.ui.result("Forgot the stored Gitpod API token.");
    }
    Ok(())
}

/// Deletes the caller's tokens for Azure DevOps hosts that the options select.
fn remove_tokens(ctx: &Context, options: &LogoutOptions) -> Result<Vec<Removed>> {
    let gitpod = ctx.gitpod()?;
    let me = gitpod.get_authenticated_identity()?;
    let tokens = gitpod
        .list_host_authentication_tokens(options.runner_id.as_deref(), Some(&me.subject.id))?;
    // Only tokens for hosts of Azure DevOps integrations: a GitHub token on the same runner is
    // not ours to remove.
    let runner_ids: Vec<String> = {
        let mut ids: Vec<String> = tokens.iter().map(|token| token.runner_id.clone()).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    // The integrations tell which hosts are Azure DevOps ones; the runners' names are for the
    // sentences. Asked at once.
    let (integrations, runners) = if runner_ids.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        let (integrations, runners) = crate::parallel::join(
            || gitpod.list_scm_integrations(&runner_ids),
            || gitpod.list_runners(),
        );
        (integrations?, runners?)
    };
    let ado_hosts: Vec<(String, String)> = integrations
        .into_iter()
        .filter(|integration| is_azure_devops(&integration.scm_id))
        .map(|integration| (integration.runner_id, integration.host.to_ascii_lowercase()))
        .collect();
    let runner_name = |id: &str| {
        runners
            .iter()
            .find(|runner| runner.runner_id == id)
            .map(|runner| runner.name.clone())
            .unwrap_or_default()
    };
    let mut removed = Vec::new();
    for token in tokens {
        let mine = token.is_mine(&me);
        let token_host = token.host.to_ascii_lowercase();
        let is_ado = ado_hosts
            .iter()
            .any(|(runner_id, host)| *runner_id == token.runner_id && *host == token_host);
        let wanted_host = options
            .host
            .as_ref()
            .is_none_or(|host| host.eq_ignore_ascii_case(&token.host));
        let wanted_runner = options
            .runner_id
            .as_ref()
            .is_none_or(|runner_id| *runner_id == token.runner_id);
        if mine && is_ado && wanted_host && wanted_runner {
            gitpod.delete_host_authentication_token(&token.id)?;
            removed.push(Removed {
                source: match token.source {
                    TokenSource::Pat => "pat",
                    TokenSource::Oauth => "oauth",
                    _ => "unknown",
                },
                runner_name: runner_name(&token.runner_id),
                id: token.id,
                runner_id: token.runner_id,
                host: token.host,
            });
        }
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::clients::test_server::{Stub, StubServer};
    use crate::commands::test_support::*;

    #[test]
    fn options_are_resolved_from_the_flags() {
        let cases: Vec<(&str, Vec<&str>, Vec<Stub>, LogoutOptions)> = vec![
            (
                "--runner by id: no lookup",
                vec!["logout", "--runner", RUNNER_1],
                Vec::new(),
                LogoutOptions {
                    host: None,
                    runner_id: Some(RUNNER_1.into()),
                    forget_gitpod_token: false,
                },
            ),
            (
                "--runner by name: looked up; --host as the runner saves it; --gitpod",
                vec![
                    "logout",
                    "--runner",
                    "second",
                    "--host",
                    "https://dev.azure.com/acme/",
                    "--gitpod",
                ],
                vec![list_runners(vec![
                    runner(RUNNER_1, "first"),
                    runner(RUNNER_2, "second"),
                ])],
                LogoutOptions {
                    host: Some("dev.azure.com/acme".into()),
                    runner_id: Some(RUNNER_2.into()),
                    forget_gitpod_token: true,
                },
            ),
        ];
        for (name, args, stubs, expected) in cases {
            let (options, server) = resolve_in_script::<LogoutOptions>(&args, stubs);
            assert_eq!(options.expect(name), expected, "{name}");
            server.finish();
        }
        let (refused, server) = resolve_in_script::<LogoutOptions>(
            &["logout", "--runner", "0190000-0000-7000-8000-0000000000a1"],
            Vec::new(),
        );
        assert_refused(
            "a mistyped runner id: exit 2, nothing sent",
            refused,
            (
                2,
                "--runner: `0190000-0000-7000-8000-0000000000a1` is not a valid runner ID",
                Some(
                    "runner IDs are UUIDs such as 01900000-0000-7000-8000-0000000000a1; \
                     `ado-scm status --all` lists them (a runner's name works too)",
                ),
            ),
        );
        server.finish();
    }

    #[test]
    fn only_my_tokens_for_azure_devops_hosts_are_removed() {
        let mut someone_elses = host_token("t-other", "dev.azure.com/acme", "PAT");
        someone_elses["subject"] = json!({"id": "u2", "principal": "PRINCIPAL_USER"});
        let server = StubServer::start(vec![
            identity(),
            list_tokens(vec![
                host_token("t-mine", "dev.azure.com/acme", "PAT"),
                host_token("t-github", "github.com", "OAUTH"),
                someone_elses,
            ]),
            list_integrations(vec![integration(RUNNER_1, "dev.azure.com/acme")]),
            two_runners(),
            gitpod(
                "RunnerConfigurationService/DeleteHostAuthenticationToken",
                json!({}),
            ),
        ]);
        let (harness, _) = TestRun::new(false).start(&server, &["logout"]);
        let options = LogoutOptions {
            host: None,
            runner_id: None,
            forget_gitpod_token: false,
        };
        execute(&harness.ctx, &options).unwrap();
        assert_eq!(
            harness.stdout.text(),
            format!("Removed your PAT for dev.azure.com/acme on runner first ({RUNNER_1}).\n")
        );
        drop(harness);
        let requests = server.finish();
        assert_eq!(
            sent(
                &requests,
                "RunnerConfigurationService/DeleteHostAuthenticationToken"
            ),
            json!({"id": "t-mine"})
        );
    }
}
