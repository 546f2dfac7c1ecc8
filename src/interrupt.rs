//! Ctrl-C. Outside a cancellable wait, the process ends at once with exit 130: every write
//! ado-scm makes is atomic (temporary file + rename) or a single request, so nothing is left
//! half-done; the terminal a prompt was using gets its settings back (echo, cursor: see
//! `ui/terminal.rs`) and the person reads `error: interrupted` (with `--json`, the error
//! document on stdout too). Inside a cancellable wait (a sign-in listener, device-code polling),
//! the flag is set instead, and the wait returns "interrupted" (exit 130) after closing what it
//! opened.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::Error;

#[derive(Clone, Default)]
pub struct Interrupt {
    flag: Arc<AtomicBool>,
    armed: Arc<AtomicBool>,
    /// `--json`: the error document goes to stdout as well.
    json: Arc<AtomicBool>,
}

impl Interrupt {
    /// Installs the process-wide handler (once, from `main`). A second call, or a platform
    /// without signals, leaves the default behaviour, which also ends the process.
    pub fn install() -> Interrupt {
        let interrupt = Interrupt::default();
        let handler = interrupt.clone();
        let _ = ctrlc::set_handler(move || {
            if handler.armed.load(Ordering::SeqCst) {
                handler.flag.store(true, Ordering::SeqCst);
            } else {
                handler.end_now();
            }
        });
        interrupt
    }

    /// With `--json`, an interruption also prints the error document on stdout.
    pub fn report_as_json(&self, json: bool) {
        self.json.store(json, Ordering::SeqCst);
    }

    /// Runs `wait` with Ctrl-C turned into the flag it is given.
    pub fn cancellable<T>(&self, wait: impl FnOnce(Arc<AtomicBool>) -> T) -> T {
        self.flag.store(false, Ordering::SeqCst);
        self.armed.store(true, Ordering::SeqCst);
        let result = wait(self.flag.clone());
        self.armed.store(false, Ordering::SeqCst);
        result
    }

    /// Ends the process as an interrupted run ends: the terminal given back, the error said.
    fn end_now(&self) -> ! {
        crate::ui::terminal::give_back();
        let error = Error::interrupted();
        // A new line first: the cursor is where the prompt or the spinner left it.
        let _ = writeln!(std::io::stderr(), "\nerror: {}", error.message);
        if self.json.load(Ordering::SeqCst) {
            let _ = writeln!(std::io::stdout(), "{}", error.to_json());
        }
        std::process::exit(error.exit_code());
    }
}
