//! What every command shares: the resolved settings, the injected dependencies, the secret
//! store, and the questions most commands ask first (which Gitpod token, which runner, which
//! Azure DevOps integration).

use std::sync::{Arc, Mutex};

use url::Url;

use crate::cli::StoreKind;
use crate::clients::gitpod::{GitpodClient, Runner, ScmIntegration};
use crate::config;
use crate::deps::Deps;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::settings::Settings;
use crate::store::{credentials_path, FileStore, KeyringStore, SecretKey, SecretStore};
use crate::ui::Ui;

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
}

/// The environment variables that hold a Gitpod API token, the first set one winning: the
/// newest Gitpod SDK reads `ONA_API_KEY` before `GITPOD_API_KEY`.
const TOKEN_VARIABLES: [&str; 2] = ["ONA_API_KEY", "GITPOD_API_KEY"];

pub struct Context {
    pub settings: Settings,
    pub deps: Deps,
    store: Option<Box<dyn SecretStore>>,
    gitpod_token: Option<(Secret, TokenOrigin)>,
    /// The Gitpod API's base URL for this run: `--gitpod-url`, or where the API moved to.
    gitpod_base: Arc<Mutex<Url>>,
}

impl Context {
    pub fn new(settings: Settings, deps: Deps) -> Self {
        let gitpod_base = Arc::new(Mutex::new(settings.gitpod_url.clone()));
        Context {
            settings,
            deps,
            store: None,
            gitpod_token: None,
            gitpod_base,
        }
    }

    /// For tests: a given store instead of the one the settings name.
    pub fn with_store(mut self, store: Box<dyn SecretStore>) -> Self {
        self.store = Some(store);
        self
    }

    pub fn interactive(&self) -> bool {
        self.deps.ui.interactive()
    }

    /// The secret store, opened on first use (the keyring is not touched by commands that do
    /// not need it).
    pub fn store(&mut self) -> &dyn SecretStore {
        open_store(&mut self.store, &self.settings, &self.deps.ui)
    }

    /// The secret store, still unopened, with the settings and the dependencies, borrowed
    /// apart: for a flow that prompts and prints throughout but needs the store only on some
    /// paths (setup's Microsoft Graph sign-in), which `store()`, borrowing the whole context,
    /// would not allow.
    pub fn store_on_demand_and_deps(&mut self) -> (StoreOnDemand<'_>, &Settings, &mut Deps) {
        let store = StoreOnDemand {
            slot: &mut self.store,
            settings: &self.settings,
        };
        (store, &self.settings, &mut self.deps)
    }

    pub fn gitpod_key(&self) -> SecretKey {
        SecretKey::GitpodToken {
            gitpod_url: self.settings.gitpod_url.to_string(),
        }
    }

    /// The Gitpod API token: `--gitpod-token-stdin` (an explicit flag wins), `ONA_API_KEY`,
    /// `GITPOD_API_KEY`, the store, and last a hidden prompt.
    pub fn gitpod_token(&mut self) -> Result<(Secret, TokenOrigin)> {
        if let Some(found) = &self.gitpod_token {
            return Ok(found.clone());
        }
        let found = self.find_gitpod_token()?;
        tracing::info!("Gitpod API token from {}", found.1.describe());
        self.gitpod_token = Some(found.clone());
        Ok(found)
    }

    fn find_gitpod_token(&mut self) -> Result<(Secret, TokenOrigin)> {
        if self.settings.gitpod_token_stdin {
            let token = self.deps.read_stdin_secret("Gitpod API token")?;
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

    /// A Gitpod client with the resolved token.
    pub fn gitpod(&mut self) -> Result<GitpodClient<'_>> {
        let (token, _) = self.gitpod_token()?;
        Ok(self.gitpod_with(token))
    }

    /// A Gitpod client borrowing the context only immutably, for flows that also need the
    /// clock or the UI: resolve the token with [`Context::gitpod_token`] first.
    pub fn gitpod_with(&self, token: Secret) -> GitpodClient<'_> {
        GitpodClient::new(&self.deps.http, self.settings.gitpod_url.clone(), token)
            .with_shared_base(self.gitpod_base.clone())
            .with_notices(&self.deps.ui)
    }

    /// Keeps a token typed at the prompt or given with `--gitpod-token-stdin` once the Gitpod
    /// API has accepted it, so the next run needs neither. Tokens from the environment are
    /// never stored.
    pub fn remember_gitpod_token(&mut self) -> Result<()> {
        if let Some((token, TokenOrigin::Prompt | TokenOrigin::Stdin)) = self.gitpod_token.clone() {
            let key = self.gitpod_key();
            self.store().set(&key, &token)?;
            let place = self.store().describe();
            self.deps
                .ui
                .info(format!("Saved the Gitpod API token in {place}."));
            self.gitpod_token = Some((token, TokenOrigin::Store));
        }
        Ok(())
    }

    /// The runner: `--runner` (id or name), the config's default, or (interactive) a choice;
    /// a script must name it, even when there is only one, so that it keeps meaning the same
    /// runner.
    pub fn pick_runner(&mut self, flag: Option<&str>) -> Result<Runner> {
        let wanted = flag
            .map(str::to_string)
            .or_else(|| self.settings.config.runner.clone());
        if let Some(raw) = wanted {
            return self.get_runner(&raw);
        }
        if !self.interactive() {
            return Err(Error::missing(
                "the runner",
                "--runner ID|NAME (or set ADO_SCM_RUNNER)",
            ));
        }
        let spinner = self.deps.ui.spinner("Listing runners");
        let runners = self.gitpod()?.list_runners()?;
        drop(spinner);
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
                let items: Vec<String> = runners
                    .iter()
                    .map(|r| format!("{} ({}, {})", r.name, r.runner_id, r.status.phase_name()))
                    .collect();
                let index = self.deps.prompter.select("Runner", &items, 0)?;
                Ok(runners.into_iter().nth(index).expect("index from the list"))
            }
        }
    }

    /// One runner, named by id or by name (see [`RunnerRef`]); one the organization does not
    /// have is the user's mistake (exit 2).
    pub fn get_runner(&mut self, raw: &str) -> Result<Runner> {
        match RunnerRef::parse(raw)? {
            RunnerRef::Id(id) => {
                let spinner = self.deps.ui.spinner("Looking up the runner");
                let found = self.gitpod()?.get_runner(&id);
                drop(spinner);
                found.map_err(|err| {
                    if err.code() == Some("not_found") {
                        Error::usage(format!(
                            "runner `{id}` not found in your Gitpod organization"
                        ))
                        .with_hint("`ado-scm status --all` lists the runners you can use")
                    } else {
                        err
                    }
                })
            }
            RunnerRef::Name(name) => {
                let spinner = self.deps.ui.spinner("Looking up the runner by name");
                let runners = self.gitpod()?.list_runners()?;
                drop(spinner);
                runner_named(runners, &name)
            }
        }
    }

    /// The runner ids `--runner` names, if it does: an id is checked locally, a name is
    /// resolved (for commands that only filter by runner).
    pub fn runner_id_filter(&mut self, flag: Option<&str>) -> Result<Option<String>> {
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
    pub fn pick_integration(
        &mut self,
        runner: &Runner,
        flag: Option<&str>,
    ) -> Result<ScmIntegration> {
        let spinner = self
            .deps
            .ui
            .spinner("Reading the runner's Azure DevOps integrations");
        let integrations: Vec<ScmIntegration> = self
            .gitpod()?
            .list_scm_integrations(std::slice::from_ref(&runner.runner_id))?
            .into_iter()
            .filter(|i| is_azure_devops(&i.scm_id))
            .collect();
        drop(spinner);
        if let Some(raw) = flag {
            let host = crate::urls::AdoHost::parse(raw)?.as_saved();
            return integrations
                .into_iter()
                .find(|i| i.host.eq_ignore_ascii_case(&host))
                .ok_or_else(|| {
                    Error::usage(format!(
                        "runner {} has no Azure DevOps integration for host `{host}`",
                        runner.name
                    ))
                    .with_hint("ask an admin to run `ado-scm setup`, or check --host")
                });
        }
        if let Some(saved) = self.settings.config.host.clone() {
            if let Some(found) = integrations
                .iter()
                .find(|i| i.host.eq_ignore_ascii_case(&saved))
            {
                return Ok(found.clone());
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
                    .map(|i| format!("{} ({})", i.host, i.scm_id))
                    .collect();
                let index = self.deps.prompter.select("Azure DevOps host", &items, 0)?;
                Ok(integrations
                    .into_iter()
                    .nth(index)
                    .expect("index from the list"))
            }
        }
    }

    /// Saves non-secret defaults for the next run; a failure here is only a warning, since
    /// the work itself is done.
    pub fn save_defaults(&mut self, change: impl FnOnce(&mut config::Config)) {
        if let Err(err) = config::update(&self.settings.config_path, change) {
            self.deps
                .ui
                .warn(format!("could not save defaults: {}", err.message));
        }
    }
}

/// The context's secret store, opened (as [`Context::store`] opens it) only when asked for.
pub struct StoreOnDemand<'a> {
    slot: &'a mut Option<Box<dyn SecretStore>>,
    settings: &'a Settings,
}

impl StoreOnDemand<'_> {
    /// The store, opened on the first call; `ui` gets the warnings about a plain file.
    pub fn open(&mut self, ui: &Ui) -> &dyn SecretStore {
        open_store(self.slot, self.settings, ui)
    }
}

/// The store the settings name, opened into `slot` unless it is open already; `--store file`
/// is announced (a plain file) on `ui`.
fn open_store<'s>(
    slot: &'s mut Option<Box<dyn SecretStore>>,
    settings: &Settings,
    ui: &Ui,
) -> &'s dyn SecretStore {
    if slot.is_none() {
        let store: Box<dyn SecretStore> = match settings.store {
            StoreKind::Keyring => Box::new(KeyringStore::new(std::time::Duration::from_secs(5))),
            StoreKind::File => {
                let path = credentials_path(&settings.config_path);
                ui.warn(format!(
                    "secrets are kept in a plain file, {} (mode 0600), as --store file asks",
                    path.display()
                ));
                let store = FileStore::new(path);
                if let Some(warning) = store.permission_warning() {
                    ui.warn(warning);
                }
                Box::new(store)
            }
        };
        *slot = Some(store);
    }
    slot.as_deref().expect("store opened above")
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
    let exact: Vec<&Runner> = runners.iter().filter(|r| r.name == name).collect();
    let matches = if exact.is_empty() {
        runners
            .iter()
            .filter(|r| r.name.eq_ignore_ascii_case(name))
            .collect()
    } else {
        exact
    };
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let mut names: Vec<&str> = runners.iter().map(|r| r.name.as_str()).collect();
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
            let ids: Vec<&str> = several.iter().map(|r| r.runner_id.as_str()).collect();
            Err(Error::usage(format!(
                "{} runners are named `{name}`: pass the runner's ID instead",
                several.len()
            ))
            .with_hint(format!("their IDs: {}", ids.join(", "))))
        }
    }
}
