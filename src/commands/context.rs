//! What every command shares: the resolved settings, the injected dependencies, the secret
//! store, and the questions most commands ask first (which Gitpod token, which runner, which
//! Azure DevOps integration).

use std::cell::{Cell, OnceCell};
use std::sync::{Arc, Mutex};

use url::Url;

use crate::clients::gitpod::{GitpodClient, Runner, ScmIntegration};
use crate::config;
use crate::deps::Deps;
use crate::env::EnvVars;
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;
use crate::settings::Settings;
use crate::store::{SecretKey, SecretStore};
use crate::ui::prompt::{ask_again, Try};
use crate::urls::org_from_paste;

pub use crate::clients::gitpod::is_azure_devops;

/// Where the Gitpod API token came from: decides whether it may be stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenOrigin {
    /// `ONA_API_KEY` / `GITPOD_API_KEY` (the variable named): respected, never stored or
    /// overwritten.
    Env(&'static str),
    Stdin,
    Store,
    Prompt,
}

impl TokenOrigin {
    /// How `status` and `-v` name it.
    pub fn describe(self) -> String {
        match self {
            TokenOrigin::Env(name) => format!("the environment ({name})"),
            TokenOrigin::Stdin => "stdin (--gitpod-token-stdin)".to_string(),
            TokenOrigin::Store => "the secret store".to_string(),
            TokenOrigin::Prompt => "the prompt".to_string(),
        }
    }

    /// How `status --json` names it: `env:ONA_API_KEY`, `stdin`, `store`, `prompt`.
    pub fn key(self) -> String {
        match self {
            TokenOrigin::Env(name) => format!("env:{name}"),
            TokenOrigin::Stdin => "stdin".to_string(),
            TokenOrigin::Store => "store".to_string(),
            TokenOrigin::Prompt => "prompt".to_string(),
        }
    }
}

/// How the runner picker marks a runner without a public key.
const NO_KEY: &str = "no key yet";

/// The environment variables that hold a Gitpod API token, the first set one winning: the
/// newest Gitpod SDK reads `ONA_API_KEY` before `GITPOD_API_KEY`.
const TOKEN_VARIABLES: [&str; 2] = [EnvVars::ONA_API_KEY, EnvVars::GITPOD_API_KEY];

pub struct Context {
    pub settings: Settings,
    pub deps: Deps,
    /// Resolved on first use (see [`Context::gitpod_token`]).
    gitpod_token: OnceCell<GitpodToken>,
    /// The Gitpod API's base URL for this run: `--gitpod-url`, or where the API moved to.
    gitpod_base: Arc<Mutex<Url>>,
}

/// The Gitpod API token of this run and where it came from; a token kept in the store once the
/// API accepted it counts as coming from the store from then on.
struct GitpodToken {
    token: Secret,
    origin: Cell<TokenOrigin>,
}

impl Context {
    pub fn new(settings: Settings, deps: Deps) -> Self {
        let gitpod_base = Arc::new(Mutex::new(settings.gitpod_url.clone()));
        Context {
            settings,
            deps,
            gitpod_token: OnceCell::new(),
            gitpod_base,
        }
    }

    pub fn interactive(&self) -> bool {
        self.deps.ui.interactive()
    }

    /// The secret store, opened on first use.
    pub fn store(&self) -> &dyn SecretStore {
        self.deps.store()
    }

    pub fn gitpod_key(&self) -> SecretKey {
        SecretKey::GitpodToken {
            gitpod_url: self.settings.gitpod_url.to_string(),
        }
    }

    /// The Gitpod API token: `--gitpod-token-stdin` (an explicit flag wins), `ONA_API_KEY`,
    /// `GITPOD_API_KEY`, the store, and last a hidden prompt.
    pub fn gitpod_token(&self) -> Result<(Secret, TokenOrigin)> {
        if let Some(found) = self.gitpod_token.get() {
            return Ok((found.token.clone(), found.origin.get()));
        }
        let (token, origin) = self.find_gitpod_token()?;
        tracing::info!("Gitpod API token from {}", origin.describe());
        let found = self.gitpod_token.get_or_init(|| GitpodToken {
            token,
            origin: Cell::new(origin),
        });
        Ok((found.token.clone(), found.origin.get()))
    }

    fn find_gitpod_token(&self) -> Result<(Secret, TokenOrigin)> {
        if self.settings.gitpod_token_stdin {
            let token = self.deps.stdin.read_secret("Gitpod API token")?;
            return Ok((token, TokenOrigin::Stdin));
        }
        for name in TOKEN_VARIABLES {
            if let Some(token) = self.deps.env.secret(name) {
                return Ok((token, TokenOrigin::Env(name)));
            }
        }
        let key = self.gitpod_key();
        if let Some(token) = self.store().get(&key)? {
            return Ok((token, TokenOrigin::Store));
        }
        if !self.interactive() {
            return Err(Error::auth("no Gitpod API token").with_hint(
                "pass --gitpod-token-stdin with the token on stdin, or set ONA_API_KEY (or \
                 GITPOD_API_KEY) (create one under Settings → Personal access tokens in Gitpod)",
            ));
        }
        self.deps.ui.info(format!(
            "ado-scm needs a Gitpod API token for {} (Settings → Personal access tokens).",
            self.settings.gitpod_url
        ));
        let token = self.deps.prompter.password("Gitpod API token")?;
        if token.is_empty() {
            return Err(Error::usage("the Gitpod API token is empty"));
        }
        Ok((token, TokenOrigin::Prompt))
    }

    /// A Gitpod client with the resolved token; the clients of one run share the API's base
    /// URL (a move followed once holds for all) and tell the person of a move.
    pub fn gitpod(&self) -> Result<GitpodClient<'_>> {
        let (token, _) = self.gitpod_token()?;
        Ok(
            GitpodClient::new(&self.deps.http, self.settings.gitpod_url.clone(), token)
                .with_shared_base(self.gitpod_base.clone())
                .with_notices(&self.deps.ui),
        )
    }

    /// Keeps a token typed at the prompt or given with `--gitpod-token-stdin` once the Gitpod
    /// API has accepted it, so the next run needs neither. Tokens from the environment are
    /// never stored.
    pub fn remember_gitpod_token(&self) -> Result<()> {
        let Some(found) = self.gitpod_token.get() else {
            return Ok(());
        };
        if matches!(found.origin.get(), TokenOrigin::Prompt | TokenOrigin::Stdin) {
            let store = self.store();
            store.set(&self.gitpod_key(), &found.token)?;
            self.deps.ui.info(format!(
                "Saved the Gitpod API token in {}.",
                store.describe()
            ));
            found.origin.set(TokenOrigin::Store);
        }
        Ok(())
    }

    /// The runner: `--runner` (id or name), the config's default, or (interactive) a choice;
    /// a script must name it, even when there is only one, so that it keeps meaning the same
    /// runner.
    pub fn pick_runner(&self, flag: Option<&str>) -> Result<Runner> {
        let runner = self.choose_runner(flag)?;
        // The Gitpod API has taken the token: a typed one is kept now, whatever comes next
        // (another question, a failed step, Ctrl-C).
        self.remember_gitpod_token()?;
        Ok(runner)
    }

    fn choose_runner(&self, flag: Option<&str>) -> Result<Runner> {
        if let Some(raw) = flag {
            return self.get_runner(raw);
        }
        if let Some(saved) = self.settings.config.runner.clone() {
            if !self.interactive() {
                return self.get_runner(&saved);
            }
            // Shown, and can be changed: an interactive run never uses it silently.
            match self.get_runner(&saved) {
                Ok(runner) => {
                    if self.keep_saved("Runner", &runner.name)? {
                        return Ok(runner);
                    }
                }
                Err(err) if err.kind == ErrorKind::Usage => self.deps.ui.warn(format!(
                    "the runner of your last run ({saved}) is not in your organization any more"
                )),
                Err(err) => return Err(err),
            }
        }
        if !self.interactive() {
            return Err(Error::missing(
                "the runner",
                "--runner ID|NAME (or set ADO_SCM_RUNNER)",
            ));
        }
        let runners = self
            .deps
            .ui
            .waiting("Listing runners", || self.gitpod()?.list_runners())?;
        match runners.len() {
            0 => Err(Error::check("your Gitpod organization has no runners")
                .with_hint("create a runner in Gitpod (Settings → Runners) first")),
            1 => {
                let runner = runners.into_iter().next().expect("one runner");
                self.deps
                    .ui
                    .info(format!("Runner: {} ({})", runner.name, runner.runner_id));
                Ok(runner)
            }
            _ => {
                let unusable = runners
                    .iter()
                    .filter(|runner| runner.status.public_key.is_none())
                    .count();
                if unusable > 0 {
                    // Said before the question, so that nobody picks one and learns why only
                    // after every other answer.
                    self.deps.ui.info(format!(
                        "{unusable} of these runners ({NO_KEY}) cannot be set up yet: a runner \
                         registers its key when it first connects; start it and wait until \
                         Gitpod shows it online under Settings → Runners."
                    ));
                }
                let items = runner_items(&runners);
                let index = self.deps.prompter.select("Runner", &items, 0)?;
                Ok(runners.into_iter().nth(index).expect("index from the list"))
            }
        }
    }

    /// One runner, named by id or by name (see [`RunnerRef`]); one the organization does not
    /// have is the user's mistake (exit 2).
    pub fn get_runner(&self, raw: &str) -> Result<Runner> {
        let ui = &self.deps.ui;
        match RunnerRef::parse(raw)? {
            RunnerRef::Id(id) => {
                let found = ui.waiting("Looking up the runner", || self.gitpod()?.get_runner(&id));
                found.map_err(|err| unknown_runner(err, &id))
            }
            RunnerRef::Name(name) => {
                let runners = ui.waiting("Looking up the runner by name", || {
                    self.gitpod()?.list_runners()
                })?;
                runner_named(runners, &name)
            }
        }
    }

    /// The runner ids `--runner` names, if it does: an id is checked locally, a name is
    /// resolved (for commands that only filter by runner).
    pub fn runner_id_filter(&self, flag: Option<&str>) -> Result<Option<String>> {
        match flag.map(RunnerRef::parse).transpose()? {
            None => Ok(None),
            Some(RunnerRef::Id(id)) => Ok(Some(id)),
            Some(RunnerRef::Name(_)) => {
                let raw = flag.expect("a name was given");
                Ok(Some(self.get_runner(raw)?.runner_id))
            }
        }
    }

    /// The runner's Azure DevOps integration: `--host`, the config's default host when the
    /// runner has it, the only one, or a choice.
    pub fn pick_integration(&self, runner: &Runner, flag: Option<&str>) -> Result<ScmIntegration> {
        let integrations =
            self.deps
                .ui
                .waiting("Reading the runner's Azure DevOps integrations", || {
                    self.gitpod()?
                        .list_scm_integrations(std::slice::from_ref(&runner.runner_id))
                })?;
        self.choose_integration(runner, integrations, flag)
    }

    /// The runner's Azure DevOps integration among its integrations (see
    /// [`Context::pick_integration`]).
    pub fn choose_integration(
        &self,
        runner: &Runner,
        integrations: Vec<ScmIntegration>,
        flag: Option<&str>,
    ) -> Result<ScmIntegration> {
        let integrations: Vec<ScmIntegration> = integrations
            .into_iter()
            .filter(|integration| is_azure_devops(&integration.scm_id))
            .collect();
        if let Some(raw) = flag {
            let host = crate::urls::AdoHost::parse(raw)?.as_saved();
            return integrations
                .into_iter()
                .find(|integration| integration.host.eq_ignore_ascii_case(&host))
                .ok_or_else(|| {
                    Error::usage(format!(
                        "runner {} has no Azure DevOps integration for host `{host}`",
                        runner.name
                    ))
                    .with_hint("ask an admin to run `ado-scm setup`, or check --host")
                });
        }
        if let Some(saved) = &self.settings.config.host {
            if let Some(found) = integrations
                .iter()
                .find(|integration| integration.host.eq_ignore_ascii_case(saved))
            {
                // With one integration there is nothing else to choose.
                if integrations.len() == 1 || self.keep_saved("Azure DevOps host", &found.host)? {
                    return Ok(found.clone());
                }
            }
        }
        match integrations.len() {
            0 => Err(Error::check(format!(
                "runner {} has no Azure DevOps integration",
                runner.name
            ))
            .with_hint("an admin connects it with `ado-scm setup`")),
            1 => Ok(integrations.into_iter().next().expect("one integration")),
            _ if !self.interactive() => Err(Error::missing("the Azure DevOps host", "--host HOST")),
            _ => {
                let items: Vec<String> = integrations
                    .iter()
                    .map(|integration| format!("{} ({})", integration.host, integration.scm_id))
                    .collect();
                let index = self.deps.prompter.select("Azure DevOps host", &items, 0)?;
                Ok(integrations
                    .into_iter()
                    .nth(index)
                    .expect("index from the list"))
            }
        }
    }

    /// Whether to use `value`, the `what` of the last run (the config file): a script does; a
    /// person is shown it and may choose again ("Runner: acme-eu (from your last run) — use
    /// it?").
    pub fn keep_saved(&self, what: &str, value: &str) -> Result<bool> {
        if !self.interactive() {
            return Ok(true);
        }
        self.deps.prompter.confirm(
            &format!("{what}: {value} (from your last run) — use it?"),
            true,
        )
    }

    /// The Azure DevOps organization, asked until an answer names one: its name, or a pasted
    /// address of it (`https://dev.azure.com/acme/` → `acme`); a wrong answer is asked again
    /// with the reason.
    pub fn ask_organization(&self) -> Result<String> {
        ask_again(&self.deps.ui, || {
            let typed = self
                .deps
                .prompter
                .input("Azure DevOps organization (dev.azure.com/ORG)", None)?;
            Ok(match org_from_paste(&typed) {
                Ok(org) => Try::Take(org),
                Err(why) => Try::Again(why),
            })
        })
    }

    /// Saves non-secret defaults for the next run; a failure here is only a warning, since
    /// the work itself is done.
    pub fn save_defaults(&self, change: impl FnOnce(&mut config::Config)) {
        if let Err(err) = config::update(&self.settings.config_path, change) {
            self.deps
                .ui
                .warn(format!("could not save defaults: {}", err.message));
        }
    }
}

/// The runner picker's items: name, id, phase, and the mark of a runner without a key.
fn runner_items(runners: &[Runner]) -> Vec<String> {
    runners
        .iter()
        .map(|runner| {
            let no_key = match runner.status.public_key {
                None => format!(" — {NO_KEY}"),
                Some(_) => String::new(),
            };
            format!(
                "{} ({}, {}){no_key}",
                runner.name,
                runner.runner_id,
                runner.status.phase_name()
            )
        })
        .collect()
}

/// GetRunner's `not_found` for an id the user gave is the user's mistake (exit 2).
pub fn unknown_runner(err: Error, id: &str) -> Error {
    if err.code() == Some("not_found") {
        Error::usage(format!(
            "runner `{id}` not found in your Gitpod organization"
        ))
        .with_hint("`ado-scm status --all` lists the runners you can use")
    } else {
        err
    }
}

/// How a person named a runner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunnerRef {
    /// A runner id: Gitpod's `runnerId` fields must be UUIDs (their `buf.validate` rule).
    Id(String),
    /// A runner's name, resolved through ListRunners.
    Name(String),
}

impl RunnerRef {
    /// A UUID is an id; something that is almost one (only hex digits and dashes, about a
    /// UUID's length) is a mistyped id and refused here, before any request; anything else is
    /// a name.
    pub fn parse(raw: &str) -> Result<RunnerRef> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(Error::usage("--runner: the runner is empty")
                .with_hint("give the runner's ID or name (`ado-scm status --all` lists them)"));
        }
        if crate::guid::is_guid(value) {
            return Ok(RunnerRef::Id(value.to_ascii_lowercase()));
        }
        let id_like = value.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
            && value.contains('-')
            && (30..=40).contains(&value.len());
        if id_like {
            return Err(
                Error::usage(format!("--runner: `{value}` is not a valid runner ID")).with_hint(
                    "runner IDs are UUIDs such as 01900000-0000-7000-8000-0000000000a1; \
                         `ado-scm status --all` lists them (a runner's name works too)",
                ),
            );
        }
        if value.chars().any(char::is_control) {
            return Err(Error::usage(
                "--runner: the runner name has control characters",
            ));
        }
        Ok(RunnerRef::Name(value.to_string()))
    }
}

/// The one runner called `name` (exactly; else the one whose name matches ignoring case).
pub(crate) fn runner_named(runners: Vec<Runner>, name: &str) -> Result<Runner> {
    let exact: Vec<&Runner> = runners
        .iter()
        .filter(|runner| runner.name == name)
        .collect();
    let matches = if exact.is_empty() {
        runners
            .iter()
            .filter(|runner| runner.name.eq_ignore_ascii_case(name))
            .collect()
    } else {
        exact
    };
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let mut names: Vec<&str> = runners.iter().map(|runner| runner.name.as_str()).collect();
            names.sort_unstable();
            let known = if names.is_empty() {
                "your organization has no runners".to_string()
            } else {
                format!("the runners are: {}", names.join(", "))
            };
            Err(Error::usage(format!(
                "no runner named `{name}` in your Gitpod organization"
            ))
            .with_hint(format!("{known} (or pass the runner's ID)")))
        }
        several => {
            let ids: Vec<&str> = several
                .iter()
                .map(|runner| runner.runner_id.as_str())
                .collect();
            Err(Error::usage(format!(
                "{} runners are named `{name}`: pass the runner's ID instead",
                several.len()
            ))
            .with_hint(format!("their IDs: {}", ids.join(", "))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::test_server::StubServer;
    use crate::commands::test_support::*;
    use crate::ui::prompt::scripted::ScriptedPrompter;

    #[test]
    fn a_typed_gitpod_token_is_kept_once_the_api_took_it_and_asked_for_once() {
        let server = StubServer::start(vec![list_runners(Vec::new()), list_runners(Vec::new())]);
        let prompter = ScriptedPrompter::new().expect_password("Gitpod API token", "typed-token");
        let (harness, _) = TestRun::new(true)
            .without_token_in_env()
            .prompter(prompter)
            .start(&server, &["status"]);
        let ctx = &harness.ctx;
        ctx.gitpod().unwrap().list_runners().unwrap();
        assert_eq!(
            harness.store.accounts(),
            Vec::<String>::new(),
            "not before it is accepted"
        );
        ctx.remember_gitpod_token().unwrap();
        ctx.remember_gitpod_token().unwrap();
        assert_eq!(ctx.gitpod_token().unwrap().1, TokenOrigin::Store);
        ctx.gitpod().unwrap().list_runners().unwrap();
        let key = ctx.gitpod_key();
        assert_eq!(
            harness.store.get(&key).unwrap().unwrap().expose(),
            "typed-token"
        );
        assert_eq!(
            harness
                .screen
                .text()
                .matches("Saved the Gitpod API token in memory.")
                .count(),
            1
        );
        drop(harness);
        for request in server.finish() {
            assert_eq!(request.header("authorization"), Some("Bearer typed-token"));
        }
    }

    #[test]
    fn the_runner_picker_marks_runners_without_a_key_and_says_why() {
        let key = "AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
        let server = StubServer::start(vec![list_runners(vec![
            runner(RUNNER_1, "first"),
            serde_json::json!({"runnerId": RUNNER_2, "name": "second",
                   "status": {"phase": "RUNNER_PHASE_ACTIVE", "publicKey": key}}),
        ])]);
        // The item offered for `first` carries the mark; `second` does not.
        let prompter = ScriptedPrompter::new().expect_select("Runner", "first (");
        let (harness, _) = TestRun::new(true)
            .prompter(prompter)
            .start(&server, &["setup"]);
        let picked = harness.ctx.pick_runner(None).unwrap();
        assert_eq!(picked.runner_id, RUNNER_1);
        let screen = harness.screen.text();
        assert!(
            screen.contains(
                "1 of these runners (no key yet) cannot be set up yet: a runner registers its \
                 key when it first connects"
            ),
            "{screen}"
        );
        drop(harness);
        server.finish();
        let items = runner_items(&[
            serde_json::from_value(runner(RUNNER_1, "first")).unwrap(),
            serde_json::from_value(serde_json::json!({"runnerId": RUNNER_2, "name": "second",
                "status": {"phase": "RUNNER_PHASE_ACTIVE", "publicKey": key}}))
            .unwrap(),
        ]);
        assert_eq!(
            items,
            vec![
                format!("first ({RUNNER_1}, active) — no key yet"),
                format!("second ({RUNNER_2}, active)"),
            ]
        );
    }

    #[test]
    fn a_script_without_a_gitpod_token_is_told_where_to_put_one() {
        let server = StubServer::start(Vec::new());
        let (harness, _) = TestRun::new(false)
            .without_token_in_env()
            .start(&server, &["status"]);
        assert_refused(
            "no token anywhere, no terminal",
            harness.ctx.gitpod_token(),
            (
                3,
                "no Gitpod API token",
                Some(
                    "pass --gitpod-token-stdin with the token on stdin, or set ONA_API_KEY (or \
                     GITPOD_API_KEY) (create one under Settings → Personal access tokens in Gitpod)",
                ),
            ),
        );
        drop(harness);
        server.finish();
    }
}
