//! What the person at the terminal sees: human text on stderr, the result on stdout, spinners
//! on network waits, prompts, the browser.
//!
//! The Ui knows whether a spinner is on screen (`progress.rs`), so everything else that shows up
//! on stderr goes through it: its own lines and the `-v` log are printed above the spinner, and
//! a prompt ([`Ui::prompter`]) asks with no spinner running.
//!
//! Every text a caller hands to [`Ui`] may hold a service's words, so each one is passed through
//! [`printable`] here, before the UI adds its own marks and colours: control characters never
//! reach the terminal (see `printable.rs`).

pub mod browser;
pub mod lines;
pub mod printable;
pub mod progress;
pub mod prompt;
pub(crate) mod screen;
pub mod terminal;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

pub use printable::printable;
use progress::Progress;
use prompt::{AskWithoutSpinner, Prompter};

/// How output is shaped, decided once from flags, environment and terminals.
#[derive(Debug, Clone, Copy, Default)]
pub struct UiMode {
    /// Prompts may be shown (stdin and stderr are terminals and `--non-interactive` is off).
    pub interactive: bool,
    /// `--json`: exactly one JSON document on stdout.
    pub json: bool,
    pub quiet: bool,
    /// stderr is a terminal: spinners may draw.
    pub stderr_tty: bool,
    pub color: bool,
}

pub struct Ui {
    pub mode: UiMode,
    out: Mutex<Box<dyn Write + Send>>,
    err: Mutex<Box<dyn Write + Send>>,
    /// `--json` promises exactly one document: set once one is printed.
    json_written: AtomicBool,
    /// With `--json` in a script, human lines wait here so that on failure the first stderr
    /// line is the error; they follow it (or, on success, come out at the end).
    deferred: Option<Mutex<Vec<String>>>,
    /// The spinner, shared with the prompter and the log writer this Ui hands out.
    progress: Arc<Progress>,
}

impl Ui {
    pub fn new(mode: UiMode, out: Box<dyn Write + Send>, err: Box<dyn Write + Send>) -> Self {
        Ui {
            mode,
            out: Mutex::new(out),
            err: Mutex::new(err),
            json_written: AtomicBool::new(false),
            deferred: (mode.json && !mode.interactive).then(|| Mutex::new(Vec::new())),
            progress: Arc::new(Progress::on_stderr()),
        }
    }

    /// A Ui whose spinners draw nowhere, for unit tests that check when one would be drawn.
    #[cfg(test)]
    pub(crate) fn with_hidden_spinner(mut self) -> Self {
        self.progress = Arc::new(Progress::hidden());
        self
    }

    /// `prompter`, asking with no spinner on screen: the only way prompts reach the person
    /// (`Deps` is built with it).
    pub fn prompter(&self, prompter: Box<dyn Prompter>) -> Box<dyn Prompter> {
        Box::new(AskWithoutSpinner::new(prompter, self.progress.clone()))
    }

    /// Where the `-v` log writes: stderr, above the spinner, control characters escaped.
    pub fn log_writer(&self) -> LogWriter {
        LogWriter {
            progress: self.progress.clone(),
        }
    }

    pub fn interactive(&self) -> bool {
        self.mode.interactive
    }

    /// Progress and explanations, on stderr; silent with `-q`.
    pub fn info(&self, text: impl AsRef<str>) {
        if !self.mode.quiet {
            self.err_line(&printable(text.as_ref()));
        }
    }

    /// A finished step: "✓ …".
    pub fn ok(&self, text: impl AsRef<str>) {
        let mark = if self.mode.color {
            "\x1b[32m✓\x1b[0m"
        } else {
            "✓"
        };
        if !self.mode.quiet {
            self.err_line(&format!("{mark} {}", printable(text.as_ref())));
        }
    }

    /// A failed check that is not (yet) an error: "✗ …".
    pub fn bad(&self, text: impl AsRef<str>) {
        let mark = if self.mode.color {
            "\x1b[31m✗\x1b[0m"
        } else {
            "✗"
        };
        self.err_line(&format!("{mark} {}", printable(text.as_ref())));
    }

    /// Shown even with `-q`.
    pub fn warn(&self, text: impl AsRef<str>) {
        let label = if self.mode.color {
            "\x1b[33mwarning:\x1b[0m"
        } else {
            "warning:"
        };
        self.err_line(&format!("{label} {}", printable(text.as_ref())));
    }

    /// A line the person must act on while the command runs (a code to enter elsewhere): on
    /// stderr at once, even with `-q` and while other lines are held back for `--json`.
    pub fn at_once(&self, text: impl AsRef<str>) {
        self.write_err(&printable(text.as_ref()));
    }

    /// The error, first on stderr, then whatever human text was held back.
    pub fn error(&self, text: impl AsRef<str>) {
        let label = if self.mode.color {
            "\x1b[1;31merror:\x1b[0m"
        } else {
            "error:"
        };
        self.write_err(&format!("{label} {}", printable(text.as_ref())));
        self.flush_deferred();
    }

    /// Prints the human text held back under `--json` (at the end of a successful run).
    pub fn flush_deferred(&self) {
        if let Some(deferred) = &self.deferred {
            let lines = std::mem::take(&mut *deferred.lock().expect("deferred lock"));
            for line in lines {
                self.write_err(&line);
            }
        }
    }

    /// The command's result for people, on stdout (not with `--json`).
    pub fn result(&self, text: impl AsRef<str>) {
        if !self.mode.json {
            self.out_line(&printable(text.as_ref()));
        }
    }

    /// The command's one JSON document (only with `--json`; a second one is dropped, so a
    /// command that printed its result and then fails, like `status` with exit 3, still prints
    /// exactly one document).
    pub fn json(&self, value: &serde_json::Value) {
        if self.mode.json && !self.json_written.swap(true, Ordering::SeqCst) {
            let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
            self.out_line(&printable::json_escaped(&text));
        }
    }

    /// Plain data on stdout whatever the mode (completions, a sealed secret).
    pub fn raw(&self, text: &str) {
        let mut out = self.out.lock().expect("stdout lock");
        // A closed pipe (`| head`) is not an error worth reporting.
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }

    /// Runs `call` behind a spinner saying what is waited for; the spinner is gone when it
    /// returns, whatever it returns. Without a terminal to draw on (or with `--json`), the
    /// message is printed once instead; nothing with `-q`.
    pub fn waiting<T>(&self, message: impl Into<String>, call: impl FnOnce() -> T) -> T {
        let message = message.into();
        if self.mode.quiet {
            return call();
        }
        if !self.mode.stderr_tty || self.mode.json {
            self.info(format!("{message}…"));
            return call();
        }
        struct Waiting<'a>(&'a Progress, u64);
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.finish(self.1);
            }
        }
        let _waiting = Waiting(
            &self.progress,
            self.progress.start(printable(&message).into_owned()),
        );
        call()
    }

    fn out_line(&self, text: &str) {
        let mut out = self.out.lock().expect("stdout lock");
        let _ = writeln!(out, "{text}");
        let _ = out.flush();
    }

    fn err_line(&self, text: &str) {
        if let Some(deferred) = &self.deferred {
            deferred
                .lock()
                .expect("deferred lock")
                .push(text.to_string());
            return;
        }
        self.write_err(text);
    }

    fn write_err(&self, text: &str) {
        self.progress.above(|| {
            let mut err = self.err.lock().expect("stderr lock");
            let _ = writeln!(err, "{text}");
            let _ = err.flush();
        });
    }
}

/// The `-v` log's stderr (see [`Ui::log_writer`]); one clone per log line.
#[derive(Clone)]
pub struct LogWriter {
    progress: Arc<Progress>,
}

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // The log formatter hands over one whole line per call.
        self.progress
            .above(|| printable::PrintableWriter(std::io::stderr()).write(buf))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Result;
    use crate::secret::Secret;
    use screen::Screen;

    /// Answers yes, noting whether a spinner was on screen when asked.
    struct Spy {
        progress: Arc<Progress>,
        spinner_while_asked: Mutex<Vec<bool>>,
    }

    impl Prompter for Arc<Spy> {
        fn select(&self, _: &str, _: &[String], _: usize) -> Result<usize> {
            unreachable!()
        }
        fn input(&self, _: &str, _: Option<&str>) -> Result<String> {
            unreachable!()
        }
        fn password(&self, _: &str) -> Result<Secret> {
            unreachable!()
        }
        fn confirm(&self, _: &str, _: bool) -> Result<bool> {
            let drawn = self.progress.drawn();
            self.spinner_while_asked.lock().unwrap().push(drawn);
            Ok(true)
        }
    }

    #[test]
    fn a_prompt_asked_during_a_wait_has_no_spinner_beside_it() {
        let mode = UiMode {
            interactive: true,
            stderr_tty: true,
            ..UiMode::default()
        };
        let ui = Ui::new(
            mode,
            Box::new(Screen::default()),
            Box::new(Screen::default()),
        )
        .with_hidden_spinner();
        let spy = Arc::new(Spy {
            progress: ui.progress.clone(),
            spinner_while_asked: Mutex::default(),
        });
        let prompter = ui.prompter(Box::new(spy.clone()));
        let during = ui.waiting("Listing runners", || {
            let before = ui.progress.drawn();
            prompter.confirm("Use it?", true).unwrap();
            (before, ui.progress.drawn())
        });
        assert_eq!(during, (true, true), "the wait's spinner, before and after");
        assert_eq!(*spy.spinner_while_asked.lock().unwrap(), vec![false]);
        assert!(!ui.progress.drawn(), "gone once the wait is over");
    }
}
