//! Everything a command needs from the outside world, built once in `main` and passed down.
//! Tests swap each piece: prompter, browser, clock, store, streams, environment.

use std::io::Read;
use std::sync::Arc;

use crate::clock::Clock;
use crate::env::Env;
use crate::error::{Error, Result};
use crate::http::Http;
use crate::interrupt::Interrupt;
use crate::secret::Secret;
use crate::ui::browser::Browser;
use crate::ui::prompt::Prompter;
use crate::ui::Ui;

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
