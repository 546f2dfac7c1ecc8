//! Spinners on network waits. Drawn only on a terminal and never with `--json` or `-q`;
//! otherwise the message is printed once so logs still say what was waited for.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::{printable, Ui};

/// Cleared when dropped.
pub(super) struct Spinner {
    bar: Option<ProgressBar>,
}

impl Spinner {
    pub(super) fn start(ui: &Ui, message: String) -> Spinner {
        if ui.mode.quiet {
            return Spinner { bar: None };
        }
        if !ui.mode.stderr_tty || ui.mode.json {
            ui.info(format!("{message}…"));
            return Spinner { bar: None };
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(printable(&message).into_owned());
        bar.enable_steady_tick(Duration::from_millis(100));
        Spinner { bar: Some(bar) }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
