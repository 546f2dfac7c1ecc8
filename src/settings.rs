//! The global options resolved once: flag, then environment (clap reads both), then the config
//! file, then the built-in default. Every URL is checked here, before any request is sent.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use url::Url;

use crate::cli::{GlobalArgs, StoreKind};
use crate::config::{self, Config};
use crate::env::{Env, EnvVars};
use crate::error::{Error, Result};
use crate::files::{self, Existing};
use crate::ui::UiMode;
use crate::urls::parse_service_url;

pub const DEFAULT_GITPOD_URL: &str = "https://app.gitpod.io/api";
pub const DEFAULT_AUTHORITY_URL: &str = "https://login.microsoftonline.com";
pub const DEFAULT_GRAPH_URL: &str = "https://graph.microsoft.com";

#[derive(Debug, Clone)]
pub struct Settings {
    pub config_path: PathBuf,
    pub config: Config,
    pub gitpod_url: Url,
    pub authority_url: Url,
    pub graph_url: Url,
    /// Replaces scheme and host of Azure DevOps URLs (tests, the sandbox, a proxy).
    pub ado_url: Option<Url>,
    pub store: StoreKind,
    pub mode: UiMode,
    pub no_browser: bool,
    pub gitpod_token_stdin: bool,
    /// `--ca-cert`: more certificate authorities to trust, read and checked up front.
    pub ca_roots: Vec<reqwest::Certificate>,
    /// Said once the UI is up (a config directory others can write to).
    pub warnings: Vec<String>,
}

/// Terminals as the process sees them; passed in so tests can pretend.
#[derive(Debug, Clone, Copy)]
pub struct Terminals {
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
}

impl Terminals {
    pub fn detect() -> Self {
        Terminals {
            stdin: std::io::stdin().is_terminal(),
            stdout: std::io::stdout().is_terminal(),
            stderr: std::io::stderr().is_terminal(),
        }
    }
}

impl Settings {
    pub fn resolve(args: &GlobalArgs, env: &Env, terminals: Terminals) -> Result<Settings> {
        let config_path = match &args.config {
            Some(path) => path.clone(),
            None => config::default_path(env).ok_or_else(|| {
                Error::usage(
                    "cannot tell where the config file lives (HOME is not set, or not an absolute path)",
                )
                .with_hint("pass --config PATH or set ADO_SCM_CONFIG (or HOME) to an absolute path")
            })?,
        };
        let config = config::load(&config_path)?;
        let config_dir = files::parent_dir(&config_path);
        let warnings: Vec<String> = files::unsafe_dir(config_dir)
            .map(|why| format!("{why}: another user could change ado-scm's config; run `chmod go-w` on it, or pass --config in a private directory"))
            .into_iter()
            .collect();

        let gitpod_url = match (&args.gitpod_url, &config.gitpod_url) {
            (Some(flag), _) => parse_service_url(flag, "--gitpod-url")?,
            (None, Some(saved)) => parse_service_url(saved, "gitpod_url in the config file")?,
            (None, None) => parse_service_url(DEFAULT_GITPOD_URL, "--gitpod-url")?,
        };
        let authority_url = parse_service_url(
            args.authority_url
                .as_deref()
                .unwrap_or(DEFAULT_AUTHORITY_URL),
            "--authority-url",
        )?;
        let graph_url = parse_service_url(
            args.graph_url.as_deref().unwrap_or(DEFAULT_GRAPH_URL),
            "--graph-url",
        )?;
        let ado_url = args
            .ado_url
            .as_deref()
            .map(|raw| parse_service_url(raw, "--ado-url"))
            .transpose()?;

        let store = match (args.store, config.store.as_deref()) {
            (Some(kind), _) => kind,
            (None, Some("file")) => StoreKind::File,
            (None, Some("keyring")) | (None, None) => StoreKind::Keyring,
            (None, Some(other)) => {
                return Err(Error::usage(format!(
                    "store = \"{other}\" in {} is not keyring or file",
                    config_path.display()
                )))
            }
        };

        if store == StoreKind::File {
            check_file_store_dir(&config_path)?;
        }

        let interactive = !args.non_interactive && terminals.stdin && terminals.stderr;
        let color = !args.no_color && !env.is_set(EnvVars::NO_COLOR) && terminals.stderr;
        let mode = UiMode {
            interactive,
            json: args.json,
            quiet: args.quiet,
            stderr_tty: terminals.stderr,
            color,
        };
        Ok(Settings {
            config_path,
            config,
            gitpod_url,
            authority_url,
            graph_url,
            ado_url,
            store,
            mode,
            no_browser: args.no_browser,
            gitpod_token_stdin: args.gitpod_token_stdin,
            ca_roots: match &args.ca_cert {
                Some(path) => crate::http::read_ca_file(path)?,
                None => Vec::new(),
            },
            warnings,
        })
    }
}

/// `--store file` keeps secrets in `credentials.toml` beside the config file, so that directory
/// must be one nobody else controls, named by an absolute path (a relative `--config` would put
/// the secrets in whatever directory the command runs in, unnoticed), and a real one.
fn check_file_store_dir(config_path: &Path) -> Result<()> {
    let hint = "pass --config with an absolute path in a directory only you can write to, or use --store keyring";
    if files::existing(config_path)? == Existing::NullDevice {
        return Err(Error::usage(
            "--store file keeps secrets beside the config file, and there is none (the config is the null device)",
        )
        .with_hint(hint));
    }
    if !config_path.is_absolute() {
        return Err(Error::usage(format!(
            "--store file keeps secrets beside the config file, and `{}` is a relative path",
            config_path.display()
        ))
        .with_hint(hint));
    }
    if let Some(why) = files::unsafe_dir(files::parent_dir(config_path)) {
        return Err(
            Error::usage(format!("--store file will not keep secrets there: {why}"))
                .with_hint(hint),
        );
    }
    Ok(())
}
