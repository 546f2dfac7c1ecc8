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

/// What `status` looks at: the runners in scope and, with `--host`, one host.
#[derive(Debug)]
pub struct StatusOptions {
    pub runners: Vec<Runner>,
    pub host: Option<AdoHost>,
}

/// `ado-scm status`: resolve, then ask the runners.
pub fn run(ctx: &Context, args: TargetArgs) -> Result<()> {
    let options = StatusOptions::resolve(ctx, args)?;
    execute(ctx, &options)
}

impl StatusOptions {
    /// `--host` checked; `--runner` looked up (by id or name), else every runner.
    pub fn resolve(ctx: &Context, args: TargetArgs) -> Result<StatusOptions> {
        let host = args.host.as_deref().map(AdoHost::parse).transpose()?;
        let runners = match args.runner.as_deref() {
            Some(runner) => vec![ctx.get_runner(runner)?],
            None => ctx.gitpod()?.list_runners()?,
        };
        Ok(StatusOptions { runners, host })
    }
}

/// Asks each runner about each of its Azure DevOps hosts and prints the table; exit 3 unless
/// every host is authenticated.
pub fn execute(ctx: &Context, options: &StatusOptions) -> Result<()> {
    let statuses = ctx.deps.ui.waiting("Asking the runners", || {
        let gitpod = ctx.gitpod()?;
        let me = gitpod.get_authenticated_identity()?;
        let runner_ids: Vec<String> = options
            .runners
            .iter()
            .map(|runner| runner.runner_id.clone())
            .collect();
        let integrations: Vec<ScmIntegration> = gitpod
            .list_scm_integrations(&runner_ids)?
            .into_iter()
            .filter(|integration| is_azure_devops(&integration.scm_id))
            .filter(|integration| {
                options
                    .host
                    .as_ref()
                    .is_none_or(|host| integration.host.eq_ignore_ascii_case(&host.as_saved()))
            })
            .collect();
        let tokens = gitpod.list_host_authentication_tokens(None, Some(&me.subject.id))?;
        check_all(&gitpod, &options.runners, &integrations, &tokens)
    })?;
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
    let all = statuses.iter().all(|status| status.authenticated);
    ctx.deps
        .ui
        .json(&serde_json::json!({ "hosts": statuses, "all_authenticated": all }));
    ctx.deps.ui.result(render_table(&statuses));
    match statuses.iter().find(|status| !status.authenticated) {
        None => Ok(()),
        Some(first) => {
            let missing = statuses
                .iter()
                .filter(|status| !status.authenticated)
                .count();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::test_server::StubServer;
    use crate::commands::test_support::*;

    #[test]
    fn options_are_resolved_from_the_flags() {
        let (refused, server) =
            resolve_in_script::<StatusOptions>(&["status", "--host", "https://"], Vec::new());
        assert_refused(
            "a --host that is no host: exit 2, nothing sent",
            refused,
            (
                2,
                "--host: `https://` is not an Azure DevOps host (empty)",
                Some("use dev.azure.com, dev.azure.com/ORG or a Server host like ado.example.com"),
            ),
        );
        server.finish();

        let (options, server) = resolve_in_script::<StatusOptions>(
            &[
                "status",
                "--runner",
                RUNNER_1,
                "--host",
                "dev.azure.com/acme",
            ],
            vec![get_runner(runner(RUNNER_1, "first"))],
        );
        let options = options.expect("--runner by id");
        assert_eq!(options.runners.len(), 1);
        assert_eq!(options.runners[0].runner_id, RUNNER_1);
        assert_eq!(options.host.unwrap().as_saved(), "dev.azure.com/acme");
        assert_eq!(
            sent(&server.finish(), "RunnerService/GetRunner")["runnerId"],
            RUNNER_1
        );

        let (options, server) = resolve_in_script::<StatusOptions>(
            &["status"],
            vec![list_runners(vec![
                runner(RUNNER_1, "first"),
                runner(RUNNER_2, "second"),
            ])],
        );
        let names: Vec<String> = options
            .expect("every runner")
            .runners
            .into_iter()
            .map(|runner| runner.name)
            .collect();
        assert_eq!(names, ["first", "second"]);
        server.finish();

        let (refused, server) = resolve_in_script::<StatusOptions>(
            &["status", "--runner", "third"],
            vec![list_runners(vec![
                runner(RUNNER_1, "first"),
                runner(RUNNER_2, "second"),
            ])],
        );
        assert_refused(
            "a --runner name nobody has: exit 2 naming the runners",
            refused,
            (
                2,
                "no runner named `third` in your Gitpod organization",
                Some("the runners are: first, second (or pass the runner's ID)"),
            ),
        );
        server.finish();
    }

    #[test]
    fn hosts_not_signed_in_are_a_table_and_exit_3_naming_the_first() {
        let server = StubServer::start(vec![
            identity(),
            list_integrations(vec![
                integration(RUNNER_1, "dev.azure.com/acme"),
                integration(RUNNER_1, "dev.azure.com/beta"),
            ]),
            list_tokens(Vec::new()),
            host_check(true, false, false),
            host_check(true, false, false),
        ]);
        let (harness, _) = TestRun::new(false).start(&server, &["status"]);
        let options = StatusOptions {
            runners: vec![serde_json::from_value(runner(RUNNER_1, "first")).unwrap()],
            host: None,
        };
        assert_refused(
            "two hosts, neither signed in",
            execute(&harness.ctx, &options),
            (
                3,
                "not authenticated for 2 of 2 Azure DevOps hosts",
                Some(
                    "run `ado-scm login --runner 01900000-0000-7000-8000-0000000000a1 --host \
                     dev.azure.com/acme` (and likewise for the others marked no)",
                ),
            ),
        );
        assert_eq!(
            harness.stdout.text(),
            "RUNNER  HOST                METHODS  AUTHENTICATED  VIA  EXPIRES\n\
             first   dev.azure.com/acme  pat      no             -    -\n\
             first   dev.azure.com/beta  pat      no             -    -\n"
        );
        drop(harness);
        server.finish();
    }
}
