//! What every command shares: the resolved settings, the injected dependencies, the secret
//! store, and the questions most commands ask first (which Gitpod token, which runner, which
//! Azure DevOps integration).

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
    /// `GITPOD_API_KEY` / `ONA_API_KEY`: respected, never stored or overwritten.
    Env,
    Stdin,
    Store,
    Prompt,
}

pub struct Context {
    pub settings: Settings,
    pub deps: Deps,
    store: Option<Box<dyn SecretStore>>,
    gitpod_token: Option<(Secret, TokenOrigin)>,
}

impl Context {
    pub fn new(settings: Settings, deps: Deps) -> Self {
        Context {
            settings,
            deps,
            store: None,
            gitpod_token: None,
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

    /// The Gitpod API token: `GITPOD_API_KEY`, `ONA_API_KEY`, `--gitpod-token-stdin`, the
    /// store, and last a hidden prompt.
    pub fn gitpod_token(&mut self) -> Result<(Secret, TokenOrigin)> {
        if let Some(found) = &self.gitpod_token {
            return Ok(found.clone());
        }
        let found = self.find_gitpod_token()?;
        self.gitpod_token = Some(found.clone());
        Ok(found)
    }

    fn find_gitpod_token(&mut self) -> Result<(Secret, TokenOrigin)> {
        for name in ["GITPOD_API_KEY", "ONA_API_KEY"] {
            if let Some(token) = self.deps.env.secret(name) {
                return Ok((token, TokenOrigin::Env));
            }
        }
        if self.settings.gitpod_token_stdin {
            let token = self.deps.read_stdin_secret("Gitpod API token")?;
            return Ok((token, TokenOrigin::Stdin));
        }
        let key = self.gitpod_key();
        if let Some(token) = self.store().get(&key)? {
            return Ok((token, TokenOrigin::Store));
        }
        if !self.interactive() {
            return Err(Error::auth("no Gitpod API token").with_hint(
                "set GITPOD_API_KEY, or pass --gitpod-token-stdin with the token on stdin \
                 (create one under Settings → Personal access tokens in Gitpod)",
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

    /// The runner: `--runner`, the config's default, or (interactive) a choice; a script must
    /// name it, even when there is only one, so that it keeps meaning the same runner.
    pub fn pick_runner(&mut self, flag: Option<&str>) -> Result<Runner> {
        let wanted = flag
            .map(str::to_string)
            .or_else(|| self.settings.config.runner.clone());
        if let Some(id) = wanted {
            return self.get_runner(&id);
        }
        if !self.interactive() {
            return Err(Error::missing(
                "the runner",
                "--runner ID (or set ADO_SCM_RUNNER)",
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

    /// One runner by id; an id the organization does not have is the user's mistake (exit 2).
    pub fn get_runner(&mut self, raw_id: &str) -> Result<Runner> {
        let id = validate_runner_id(raw_id)?;
        let spinner = self.deps.ui.spinner("Looking up the runner");
        let found = self.gitpod()?.get_runner(&id);
        drop(spinner);
        found.map_err(|err| {
            if crate::clients::gitpod::connect_code(&err) == Some("not_found") {
                Error::usage(format!(
                    "runner `{id}` not found in your Gitpod organization"
                ))
                .with_hint("`ado-scm status` lists the runners you can use")
            } else {
                err
            }
        })
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

/// Runner ids are UUIDs in Gitpod; accept any plain token-like id but refuse what could not be
/// one (spaces, slashes, quotes), so a typo is a usage error and not a confusing API error.
pub fn validate_runner_id(raw: &str) -> Result<String> {
    let id = raw.trim();
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(id.to_string())
    } else {
        Err(Error::usage(format!("--runner: `{raw}` is not a runner ID"))
            .with_hint("runner IDs look like 01900000-0000-7000-8000-0000000000a1; `ado-scm status` lists them"))
    }
}
