//! `ado-scm status`: per runner and Azure DevOps host, which methods the integration offers and
//! whether you are signed in, with what, until when; and which Gitpod account and token it
//! asked with. The table goes to stdout, everything else to stderr.
//!
//! Scope: `--runner` (and `--host`); else the runners and hosts you use (the saved default
//! runner, and every host you hold a token for); with none of those, or with `--all`, every
//! runner's Azure DevOps integrations. Exit 0 when every host in scope is signed in, 3 if not.
//!
//! Three round trips whatever the number of runners: the runners and who you are, at once; the
//! runners' integrations (in groups, at once) and your tokens; then the runner's own word for
//! each host you hold a token for (a host you hold none for is not signed in: no need to ask).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::context::{is_azure_devops, Context, RunnerRef, TokenOrigin};
use crate::cli::StatusArgs;
use crate::clients::gitpod::{
    GitpodClient, HostToken, Identity, Runner, ScmIntegration, TokenSource,
};
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

/// Which runners and hosts `status` looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// `--runner`: this one.
    Runner(String),
    /// The ones you use (the default).
    Mine,
    /// `--all`: every runner.
    All,
}

/// What `status` looks at: the scope and, with `--host`, one host.
#[derive(Debug)]
pub struct StatusOptions {
    pub scope: Scope,
    pub host: Option<AdoHost>,
}

/// `ado-scm status`: resolve, then ask the runners.
pub fn run(ctx: &Context, args: StatusArgs) -> Result<()> {
    let options = StatusOptions::resolve(ctx, args)?;
    execute(ctx, &options)
}

impl StatusOptions {
    /// `--host` and `--runner` checked before anything is asked.
    pub fn resolve(_ctx: &Context, args: StatusArgs) -> Result<StatusOptions> {
        let host = args
            .target
            .host
            .as_deref()
            .map(AdoHost::parse)
            .transpose()?;
        let scope = match (args.target.runner, args.all) {
            (Some(runner), _) => {
                RunnerRef::parse(&runner)?;
                Scope::Runner(runner)
            }
            (None, true) => Scope::All,
            (None, false) => Scope::Mine,
        };
        Ok(StatusOptions { scope, host })
    }
}

/// What the runners said, and what was asked with.
struct Answers {
    me: Identity,
    runners: Vec<Runner>,
    statuses: Vec<HostStatus>,
    /// The scope was the default one and nothing was yours: every runner was looked at.
    widened: bool,
}

/// Asks the runners about their Azure DevOps hosts and prints the table; exit 3 unless every
/// host in scope is signed in.
pub fn execute(ctx: &Context, options: &StatusOptions) -> Result<()> {
    let answers = ctx
        .deps
        .ui
        .waiting("Asking the runners", || ask(ctx, options))?;
    ctx.remember_gitpod_token()?;
    let ui = &ctx.deps.ui;
    let (_, origin) = ctx.gitpod_token()?;
    let account = account_line(ctx, &answers.me, origin);
    ui.info(&account);
    if answers.widened {
        ui.info("You hold no sign-in yet and have no default runner: showing every runner.");
    }
    let now = ctx.deps.clock.now();
    let statuses = answers.statuses;
    let all = statuses.iter().all(|status| status.authenticated);
    ui.json(&serde_json::json!({
        "gitpod": {
            "url": ctx.settings.gitpod_url.as_str(),
            "subject_id": answers.me.subject.id,
            "principal": answers.me.subject.principal,
            "organization_id": answers.me.organization_id,
            "token_source": origin.key(),
        },
        "hosts": statuses,
        "all_authenticated": all && !statuses.is_empty(),
    }));
    if statuses.is_empty() {
        return Err(
            Error::auth("no Azure DevOps integration found on the runners in scope").with_hint(
                if answers.runners.is_empty() {
                    "your Gitpod organization has no runners yet"
                } else {
                    "an admin connects a runner with `ado-scm setup`"
                },
            ),
        );
    }
    ui.result(render_table(&statuses, now));
    match statuses.iter().find(|status| !status.authenticated) {
        None => Ok(()),
        Some(first) => {
            let missing = statuses
                .iter()
                .filter(|status| !status.authenticated)
                .count();
            Err(Error::auth(format!(
                "not signed in for {missing} of {} Azure DevOps host{}",
                statuses.len(),
                if statuses.len() == 1 { "" } else { "s" }
            ))
            .with_hint(format!(
                "run `ado-scm login --runner {} --host {}`{}",
                first.runner_name,
                first.host,
                if missing > 1 {
                    " (and likewise for the others marked no)"
                } else {
                    ""
                }
            )))
        }
    }
}

/// The three rounds (see the module doc).
fn ask(ctx: &Context, options: &StatusOptions) -> Result<Answers> {
    let gitpod = ctx.gitpod()?;
    let (me, runners) = parallel::join(
        || gitpod.get_authenticated_identity(),
        || match &options.scope {
            Scope::Runner(raw) => ctx.get_runner(raw).map(|runner| vec![runner]),
            _ => gitpod.list_runners(),
        },
    );
    let (runners, me) = (runners?, me?);
    let runner_ids: Vec<String> = runners.iter().map(|r| r.runner_id.clone()).collect();
    let (integrations, tokens) = parallel::join(
        || gitpod.list_scm_integrations(&runner_ids),
        || gitpod.list_host_authentication_tokens(None, Some(&me.subject.id)),
    );
    let tokens: Vec<HostToken> = tokens?
        .into_iter()
        .filter(|token| token.is_mine(&me))
        .collect();
    let wanted_host = |integration: &ScmIntegration| {
        is_azure_devops(&integration.scm_id)
            && options
                .host
                .as_ref()
                .is_none_or(|host| integration.host.eq_ignore_ascii_case(&host.as_saved()))
    };
    let integrations: Vec<ScmIntegration> = integrations?
        .into_iter()
        .filter(|integration| wanted_host(integration))
        .collect();
    let default_runner = ctx.settings.config.runner.as_deref();
    let mine = |integration: &&ScmIntegration| {
        Some(integration.runner_id.as_str()) == default_runner
            || token_for(&tokens, integration).is_some()
    };
    let in_scope: Vec<&ScmIntegration> = match options.scope {
        Scope::Mine => integrations.iter().filter(mine).collect(),
        _ => integrations.iter().collect(),
    };
    let widened = options.scope == Scope::Mine && in_scope.is_empty();
    let in_scope = if widened {
        integrations.iter().collect()
    } else {
        in_scope
    };
    let statuses = check_all(&gitpod, &runners, &in_scope, &tokens)?;
    Ok(Answers {
        me,
        runners,
        statuses,
        widened,
    })
}

/// The Gitpod account asked with: who, where, with which token.
fn account_line(ctx: &Context, me: &Identity, origin: TokenOrigin) -> String {
    let who = match me.subject.principal.as_str() {
        "PRINCIPAL_SERVICE_ACCOUNT" => "service account",
        _ => "user",
    };
    format!(
        "Gitpod: {who} {} at {} (token from {})",
        me.subject.id,
        ctx.settings.gitpod_url,
        origin.describe()
    )
}

/// Host checks asked at once: they are independent; a bound keeps a large organization from
/// opening hundreds of connections.
const CONCURRENT_CHECKS: usize = 16;

/// The token of yours for an integration's runner and host, if you hold one.
fn token_for<'t>(tokens: &'t [HostToken], integration: &ScmIntegration) -> Option<&'t HostToken> {
    tokens.iter().find(|t| {
        t.runner_id == integration.runner_id && t.host.eq_ignore_ascii_case(&integration.host)
    })
}

/// The status of each host: the runner's word (CheckAuthenticationForHost, concurrently) where
/// you hold a token; not signed in where you hold none.
fn check_all(
    gitpod: &GitpodClient<'_>,
    runners: &[Runner],
    integrations: &[&ScmIntegration],
    tokens: &[HostToken],
) -> Result<Vec<HostStatus>> {
    parallel::map(integrations, CONCURRENT_CHECKS, |integration| {
        let token = token_for(tokens, integration);
        let authenticated = match token {
            Some(_) => {
                gitpod
                    .check_authentication_for_host(&integration.runner_id, &integration.host)?
                    .authenticated
            }
            None => false,
        };
        let runner_name = runners
            .iter()
            .find(|r| r.runner_id == integration.runner_id)
            .map(|r| r.name.clone())
            .unwrap_or_default();
        let mut methods = Vec::new();
        if integration.oauth.is_some() {
            methods.push("oauth");
        }
        if integration.pat {
            methods.push("pat");
        }
        Ok(HostStatus {
            runner_id: integration.runner_id.clone(),
            runner_name,
            host: integration.host.clone(),
            scm_id: integration.scm_id.clone(),
            methods,
            authenticated,
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

/// When a sign-in ends, for people: an OAuth sign-in is renewed by the runner; a PAT really
/// ends, so its end is given relative to now.
fn expiry_text(status: &HostStatus, now: DateTime<Utc>) -> String {
    match (status.via, status.expires_at.as_deref()) {
        (Some("oauth"), _) => "renewed by the runner".to_string(),
        (_, Some(at)) => match DateTime::parse_from_rfc3339(at) {
            Ok(at) => relative(at.with_timezone(&Utc), now),
            Err(_) => at.to_string(),
        },
        (Some(_), None) => "no end date".to_string(),
        (None, _) => "-".to_string(),
    }
}

/// "in 3 days", "in 5 hours", "2 days ago".
fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (at - now).num_seconds();
    let span = seconds.unsigned_abs();
    let (n, unit) = match span {
        s if s < 3600 => ((s / 60).max(1), "minute"),
        s if s < 86_400 => (s / 3600, "hour"),
        s => (s / 86_400, "day"),
    };
    let plural = if n == 1 { "" } else { "s" };
    if seconds >= 0 {
        format!("ends in {n} {unit}{plural} ({})", at.format("%Y-%m-%d"))
    } else {
        format!("ended {n} {unit}{plural} ago")
    }
}

/// The runner's name and the start of its id (enough to tell two runners of one name apart).
fn runner_label(status: &HostStatus) -> String {
    let short: String = status.runner_id.chars().take(8).collect();
    format!("{} ({short})", status.runner_name)
}

fn render_table(statuses: &[HostStatus], now: DateTime<Utc>) -> String {
    let rows: Vec<[String; 6]> = statuses
        .iter()
        .map(|s| {
            [
                runner_label(s),
                s.host.clone(),
                s.methods.join("+"),
                if s.authenticated { "yes" } else { "no" }.to_string(),
                s.via.unwrap_or("-").to_string(),
                expiry_text(s, now),
            ]
        })
        .collect();
    let header = ["RUNNER", "HOST", "METHODS", "SIGNED IN", "VIA", "EXPIRES"].map(String::from);
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
    fn options_are_resolved_from_the_flags_before_anything_is_sent() {
        let cases: [(&str, &[&str], Result<Scope, Refusal<'_>>); 5] = [
            ("no flag: the runners you use", &["status"], Ok(Scope::Mine)),
            ("--all: every runner", &["status", "--all"], Ok(Scope::All)),
            (
                "--runner by id",
                &["status", "--runner", RUNNER_1],
                Ok(Scope::Runner(RUNNER_1.to_string())),
            ),
            (
                "a --host that is no host: exit 2",
                &["status", "--host", "https://"],
                Err((
                    2,
                    "--host: `https://` is not an Azure DevOps host (empty)",
                    Some(
                        "use dev.azure.com, dev.azure.com/ORG or a Server host like \
                         ado.example.com",
                    ),
                )),
            ),
            (
                "a mistyped runner id: exit 2",
                &["status", "--runner", "01900000-0000-7000-8000-0000000000a"],
                Err((
                    2,
                    "--runner: `01900000-0000-7000-8000-0000000000a` is not a valid runner ID",
                    Some(
                        "runner IDs are UUIDs such as 01900000-0000-7000-8000-0000000000a1; \
                         `ado-scm status --all` lists them (a runner's name works too)",
                    ),
                )),
            ),
        ];
        for (case, args, expected) in cases {
            let (resolved, server) = resolve_in_script::<StatusOptions>(args, Vec::new());
            match expected {
                Ok(scope) => assert_eq!(resolved.expect(case).scope, scope, "{case}"),
                Err(refusal) => assert_refused(case, resolved, refusal),
            }
            assert!(server.finish().is_empty(), "{case}: nothing is sent");
        }
    }

    fn first_runner() -> StatusOptions {
        StatusOptions {
            scope: Scope::Runner(RUNNER_1.to_string()),
            host: None,
        }
    }

    #[test]
    fn hosts_not_signed_in_are_a_table_and_exit_3_naming_the_first() {
        // No token of yours: the runner is not even asked about the hosts.
        let server = StubServer::start(vec![
            get_runner(runner(RUNNER_1, "first")),
            identity(),
            list_integrations(vec![
                integration(RUNNER_1, "dev.azure.com/acme"),
                integration(RUNNER_1, "dev.azure.com/beta"),
            ]),
            list_tokens(Vec::new()),
        ]);
        let (harness, _) = TestRun::new(false).start(&server, &["status"]);
        assert_refused(
            "two hosts, neither signed in",
            execute(&harness.ctx, &first_runner()),
            (
                3,
                "not signed in for 2 of 2 Azure DevOps hosts",
                Some(
                    "run `ado-scm login --runner first --host dev.azure.com/acme` (and \
                     likewise for the others marked no)",
                ),
            ),
        );
        assert_eq!(
            harness.stdout.text(),
            "RUNNER            HOST                METHODS  SIGNED IN  VIA  EXPIRES\n\
             first (01900000)  dev.azure.com/acme  pat      no         -    -\n\
             first (01900000)  dev.azure.com/beta  pat      no         -    -\n"
        );
        drop(harness);
        server.finish();
    }

    #[test]
    fn a_host_you_hold_a_token_for_is_asked_and_its_end_said_plainly() {
        let mut pat = host_token("t1", "dev.azure.com/acme", "PAT");
        pat["expiresAt"] = serde_json::json!("2025-01-04T00:00:00Z");
        let server = StubServer::start(vec![
            get_runner(runner(RUNNER_1, "first")),
            identity(),
            list_integrations(vec![integration(RUNNER_1, "dev.azure.com/acme")]),
            list_tokens(vec![pat]),
            host_check(true, false, true),
        ]);
        let (harness, _) = TestRun::new(false).start(&server, &["status"]);
        execute(&harness.ctx, &first_runner()).unwrap();
        let table = harness.stdout.text();
        assert!(table.contains("yes"), "{table}");
        assert!(table.contains("pat"), "{table}");
        assert!(table.contains("ends in 3 days (2025-01-04)"), "{table}");
        assert!(
            harness.screen.text().contains("Gitpod: user u1 at"),
            "{}",
            harness.screen.text()
        );
        drop(harness);
        server.finish();
    }

    #[test]
    fn relative_times() {
        let now = DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert_eq!(
            relative(at("2025-01-01T00:00:30Z"), now),
            "ends in 1 minute (2025-01-01)"
        );
        assert_eq!(
            relative(at("2025-01-01T05:00:00Z"), now),
            "ends in 5 hours (2025-01-01)"
        );
        assert_eq!(
            relative(at("2024-12-30T00:00:00Z"), now),
            "ended 2 days ago"
        );
    }
}
