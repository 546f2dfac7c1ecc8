//! The terminal prompter (dialoguer, on stderr). Ctrl-C at a prompt becomes exit 130 with
//! nothing written (every prompt comes before the step that changes anything) and the terminal
//! as the prompt found it (`terminal.rs`).

#[cfg(test)]
pub(crate) mod scripted;

use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Input, Password, Select};

use crate::error::{Error, Result};
use crate::secret::Secret;
use std::sync::Arc;

use crate::ui::progress::Progress;
use crate::ui::{printable, terminal, Ui};

/// Questions asked of a person. The real one is dialoguer on the terminal ([`TerminalPrompter`]);
/// a run that may not ask gets [`NoPrompter`]; tests script the answers by prompt text.
pub trait Prompter {
    /// Index of the chosen item.
    fn select(&self, prompt: &str, items: &[String], default: usize) -> Result<usize>;
    fn input(&self, prompt: &str, default: Option<&str>) -> Result<String>;
    /// Hidden input.
    fn password(&self, prompt: &str) -> Result<Secret>;
    fn confirm(&self, prompt: &str, default: bool) -> Result<bool>;
}

pub struct TerminalPrompter {
    theme: ColorfulTheme,
}

impl TerminalPrompter {
    pub fn new() -> Self {
        TerminalPrompter {
            theme: ColorfulTheme::default(),
        }
    }
}

impl Default for TerminalPrompter {
    fn default() -> Self {
        Self::new()
    }
}

fn prompt_error(err: dialoguer::Error) -> Error {
    match err {
        dialoguer::Error::IO(io) if io.kind() == std::io::ErrorKind::Interrupted => {
            Error::interrupted()
        }
        dialoguer::Error::IO(io) => Error::local("cannot read from the terminal").caused_by(io),
    }
}

impl Prompter for TerminalPrompter {
    fn select(&self, prompt: &str, items: &[String], default: usize) -> Result<usize> {
        // The items are often a service's names (runners, hosts).
        let items: Vec<String> = items.iter().map(|i| printable(i).into_owned()).collect();
        terminal::lend(|| {
            Select::with_theme(&self.theme)
                .with_prompt(printable(prompt))
                .items(&items)
                .default(default)
                .interact_opt()
                .map_err(prompt_error)?
                .ok_or_else(Error::interrupted)
        })
    }

    fn input(&self, prompt: &str, default: Option<&str>) -> Result<String> {
        let mut input = Input::<String>::with_theme(&self.theme).with_prompt(printable(prompt));
        if let Some(default) = default {
            input = input.default(default.to_string());
        }
        terminal::lend(|| input.interact_text().map_err(prompt_error))
    }

    fn password(&self, prompt: &str) -> Result<Secret> {
        terminal::lend(|| {
            Password::with_theme(&self.theme)
                .with_prompt(printable(prompt))
                .interact()
                .map(Secret::new)
                .map_err(prompt_error)
        })
    }

    fn confirm(&self, prompt: &str, default: bool) -> Result<bool> {
        terminal::lend(|| {
            Confirm::with_theme(&self.theme)
                .with_prompt(printable(prompt))
                .default(default)
                .interact_opt()
                .map_err(prompt_error)?
                .ok_or_else(Error::interrupted)
        })
    }
}

/// For runs that may not prompt: any question is a bug in the caller, which must have turned
/// the missing value into an error naming the flag first.
pub struct NoPrompter;

impl Prompter for NoPrompter {
    fn select(&self, prompt: &str, _: &[String], _: usize) -> Result<usize> {
        Err(Error::usage(format!(
            "cannot ask `{prompt}` when not running interactively"
        )))
    }
    fn input(&self, prompt: &str, _: Option<&str>) -> Result<String> {
        Err(Error::usage(format!(
            "cannot ask `{prompt}` when not running interactively"
        )))
    }
    fn password(&self, prompt: &str) -> Result<Secret> {
        Err(Error::usage(format!(
            "cannot ask `{prompt}` when not running interactively"
        )))
    }
    fn confirm(&self, prompt: &str, _: bool) -> Result<bool> {
        Err(Error::usage(format!(
            "cannot ask `{prompt}` when not running interactively"
        )))
    }
}

/// A prompter asking with no spinner on screen: a question asked in the middle of a wait (the
/// Gitpod token while the runners are listed) must not sit behind the wait's spinner. Built by
/// [`Ui::prompter`](crate::ui::Ui::prompter), which owns the spinner.
pub(super) struct AskWithoutSpinner {
    inner: Box<dyn Prompter>,
    progress: Arc<Progress>,
}

impl AskWithoutSpinner {
    pub(super) fn new(inner: Box<dyn Prompter>, progress: Arc<Progress>) -> Self {
        AskWithoutSpinner { inner, progress }
    }
}

impl Prompter for AskWithoutSpinner {
    fn select(&self, prompt: &str, items: &[String], default: usize) -> Result<usize> {
        self.progress
            .without_spinner(|| self.inner.select(prompt, items, default))
    }

    fn input(&self, prompt: &str, default: Option<&str>) -> Result<String> {
        self.progress
            .without_spinner(|| self.inner.input(prompt, default))
    }

    fn password(&self, prompt: &str) -> Result<Secret> {
        self.progress
            .without_spinner(|| self.inner.password(prompt))
    }

    fn confirm(&self, prompt: &str, default: bool) -> Result<bool> {
        self.progress
            .without_spinner(|| self.inner.confirm(prompt, default))
    }
}

/// What one try at a question came to: an answer to take, or a wrong one (why it is wrong) to
/// show before asking again.
pub enum Try<T> {
    Take(T),
    Again(Error),
}

/// How often a question whose answers are refused is asked before the last reason ends the
/// run: enough for a typo or a paste of the wrong thing, not a loop a script could hang in.
pub const TRIES: usize = 3;

/// Asks again, with the reason, instead of ending the run and losing every earlier answer:
/// `attempt` asks once and checks the answer; a [`Try::Again`] is shown (its message and hint)
/// and the question asked anew, [`TRIES`] times in all, after which that reason is the error.
/// An error of `attempt` itself (Ctrl-C, a service down) ends at once.
pub fn ask_again<T>(ui: &Ui, mut attempt: impl FnMut() -> Result<Try<T>>) -> Result<T> {
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt()? {
            Try::Take(answer) => return Ok(answer),
            Try::Again(why) if tries >= TRIES => return Err(why),
            Try::Again(why) => {
                let hint = why
                    .hint
                    .as_deref()
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default();
                ui.bad(format!("{}{hint}: try again", why.message));
            }
        }
    }
}
