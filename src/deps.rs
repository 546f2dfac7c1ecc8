//! Everything a command needs from the outside world, built once in `main` and passed down.
//! Tests swap each piece: prompter, browser, clock, store, streams, environment.

use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;
use std::io::Read;
use std::sync::Arc;

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::http::Http;
use crate::interrupt::Interrupt;
use crate::secret::Secret;
use crate::ui::Ui;

/// Questions asked of a person. The real one is dialoguer on the terminal; the test double
/// answers by prompt text and fails on any question nobody expected.
pub trait Prompter {
    /// Index of the chosen item.
    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize>;
    fn input(&mut self, prompt: &str, default: Option<&str>) -> Result<String>;
    /// Hidden input.
    fn password(&mut self, prompt: &str) -> Result<Secret>;
    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool>;
}

/// Opens a URL for the person at the keyboard. Failing to open is never an error: the URL is
/// always printed too.
pub trait Browser {
    fn open(&self, url: &str) -> std::result::Result<(), String>;
}

/// The variables that hold secrets. They are read once into [`Env`] and then removed from the
/// process's own environment ([`Env::keep_secrets_from_children`]), so that no child process
/// ado-scm starts (a browser, a launcher, a keyring helper) inherits them.
pub const SECRET_VARIABLES: [&str; 4] = [
    "GITPOD_API_KEY",
    "ONA_API_KEY",
    "ADO_SCM_GRAPH_TOKEN",
    "ADO_SCM_CLIENT_SECRET",
];

/// Whether ado-scm uses the value of a variable (so that a value it cannot read is an error,
/// not something to ignore).
fn is_used(name: &str) -> bool {
    name.starts_with("ADO_SCM_")
        || SECRET_VARIABLES.contains(&name)
        || ["BROWSER", "HOME", "XDG_CONFIG_HOME", "RUST_LOG"].contains(&name)
}

/// The environment variables ado-scm reads, captured once in `main`.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
    /// Variables ado-scm uses whose value is not UTF-8 (the value itself is not kept).
    unreadable: BTreeSet<String>,
}

impl Env {
    /// The process's environment. A value that is not UTF-8 never panics and is never shown:
    /// it is ignored, unless ado-scm uses that variable ([`Env::check_readable`] then fails).
    pub fn from_process() -> Self {
        Env::from_os_pairs(std::env::vars_os())
    }

    /// Like [`Env::from_process`], from given pairs.
    pub fn from_os_pairs(pairs: impl IntoIterator<Item = (OsString, OsString)>) -> Self {
        let mut env = Env::default();
        for (name, value) in pairs {
            // A name that is not UTF-8 cannot be one ado-scm reads.
            let Ok(name) = name.into_string() else {
                continue;
            };
            match value.into_string() {
                Ok(value) => {
                    env.vars.insert(name, value);
                }
                Err(_) if is_used(&name) => {
                    env.unreadable.insert(name);
                }
                Err(_) => {}
            }
        }
        env
    }

    /// Removes the [`SECRET_VARIABLES`] from the process's environment, once they are read
    /// into an [`Env`]. Called by `main` first thing, before any other thread exists (changing
    /// the environment while another thread reads it is undefined behaviour on some platforms).
    pub fn keep_secrets_from_children() {
        for name in SECRET_VARIABLES {
            std::env::remove_var(name);
        }
    }

    /// Fails (usage, exit 2) when a variable ado-scm uses is not UTF-8; names it, never its
    /// value (it may be a token).
    pub fn check_readable(&self) -> Result<()> {
        match self.unreadable.iter().next() {
            None => Ok(()),
            Some(name) => Err(Error::usage(format!(
                "the environment variable {name} is not valid UTF-8 (its value is not shown)"
            ))
            .with_hint(format!("set {name} to plain text, or unset it"))),
        }
    }

    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Env {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            unreadable: BTreeSet::new(),
        }
    }

    /// A non-empty variable.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// A variable holding a secret.
    pub fn secret(&self, name: &str) -> Option<Secret> {
        self.get(name)
            .map(|v| Secret::new(v.trim_end_matches(['\r', '\n'])))
    }
}

pub struct Deps {
    pub env: Env,
    pub ui: Ui,
    pub prompter: Box<dyn Prompter>,
    pub browser: Box<dyn Browser>,
    pub clock: Arc<dyn Clock>,
    pub http: Http,
    pub stdin: Box<dyn Read>,
    pub interrupt: Interrupt,
}

impl Deps {
    /// Reads all of stdin as a secret (one trailing newline removed; empty refused).
    pub fn read_stdin_secret(&mut self, what: &str) -> Result<Secret> {
        let raw = self.read_stdin(what)?;
        Secret::from_input(raw, what)
    }

    /// All of stdin as it came; the caller turns it into a [`Secret`] by its own rules and
    /// zeroizes it.
    pub fn read_stdin(&mut self, what: &str) -> Result<String> {
        let mut raw = String::new();
        self.stdin.read_to_string(&mut raw).map_err(|err| {
            Error::usage(format!("cannot read the {what} from stdin")).caused_by(err)
        })?;
        Ok(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn bytes(raw: &[u8]) -> OsString {
        use std::os::unix::ffi::OsStringExt;
        OsString::from_vec(raw.to_vec())
    }

    #[cfg(unix)]
    #[test]
    fn a_value_that_is_not_utf8_is_ignored_unless_ado_scm_uses_it() {
        let secret = b"tok-\xff-MARKER";
        let env = Env::from_os_pairs([
            ("LANG".into(), bytes(b"\xfe\xff")),
            (bytes(b"\xff"), "x".into()),
            ("HOME".into(), "/home/u".into()),
        ]);
        assert_eq!(env.get("HOME"), Some("/home/u"));
        assert_eq!(env.get("LANG"), None);
        env.check_readable().unwrap();

        for name in ["GITPOD_API_KEY", "ADO_SCM_RUNNER", "HOME", "BROWSER"] {
            let env = Env::from_os_pairs([(name.into(), bytes(secret))]);
            assert_eq!(env.get(name), None);
            let err = env.check_readable().unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert_eq!(
                err.message,
                format!(
                    "the environment variable {name} is not valid UTF-8 (its value is not shown)"
                )
            );
            assert!(!format!("{err}{err:?}").contains("MARKER"));
        }
    }
}
