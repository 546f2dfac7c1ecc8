//! Everything a command needs from the outside world, built once in `main` and passed down.
//! Tests swap each piece: prompter, browser, clock, store, streams, environment.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;

use crate::clock::Clock;
use crate::error::Result;
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

/// The environment variables ado-scm reads, captured once in `main`.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
}

impl Env {
    pub fn from_process() -> Self {
        Env {
            vars: std::env::vars().collect(),
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
            crate::error::Error::usage(format!("cannot read the {what} from stdin")).caused_by(err)
        })?;
        Ok(raw)
    }
}
