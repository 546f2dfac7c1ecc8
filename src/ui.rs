//! What the person at the terminal sees: human text on stderr, the result on stdout, spinners
//! on network waits, prompts, the browser.
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

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

pub use printable::printable;
use progress::Spinner;

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
}

impl Ui {
    pub fn new(mode: UiMode, out: Box<dyn Write + Send>, err: Box<dyn Write + Send>) -> Self {
        Ui {
            mode,
            out: Mutex::new(out),
            err: Mutex::new(err),
            json_written: AtomicBool::new(false),
            deferred: (mode.json && !mode.interactive).then(|| Mutex::new(Vec::new())),
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
    /// returns, whatever it returns.
    pub fn waiting<T>(&self, message: impl Into<String>, call: impl FnOnce() -> T) -> T {
        let _spinner = Spinner::start(self, message.into());
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
        let mut err = self.err.lock().expect("stderr lock");
        let _ = writeln!(err, "{text}");
        let _ = err.flush();
    }
}
