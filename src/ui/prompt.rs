//! The terminal prompter (dialoguer, on stderr). Ctrl-C at a prompt becomes exit 130 with
//! nothing written: every prompt comes before the step that changes anything.

#[cfg(test)]
pub(crate) mod scripted;

use dialoguer::theme::ColorfulTheme;
use dialoguer::{Confirm, Input, Password, Select};

use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::ui::printable;

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
        Select::with_theme(&self.theme)
            .with_prompt(printable(prompt))
            .items(&items)
            .default(default)
            .interact_opt()
            .map_err(prompt_error)?
            .ok_or_else(Error::interrupted)
    }

    fn input(&self, prompt: &str, default: Option<&str>) -> Result<String> {
        let mut input = Input::<String>::with_theme(&self.theme).with_prompt(printable(prompt));
        if let Some(default) = default {
            input = input.default(default.to_string());
        }
        input.interact_text().map_err(prompt_error)
    }

    fn password(&self, prompt: &str) -> Result<Secret> {
        Password::with_theme(&self.theme)
            .with_prompt(printable(prompt))
            .interact()
            .map(Secret::new)
            .map_err(prompt_error)
    }

    fn confirm(&self, prompt: &str, default: bool) -> Result<bool> {
        Confirm::with_theme(&self.theme)
            .with_prompt(printable(prompt))
            .default(default)
            .interact_opt()
            .map_err(prompt_error)?
            .ok_or_else(Error::interrupted)
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
