//! Ctrl-C. Outside a cancellable wait, the process ends at once with exit 130: every write
//! ado-scm makes is atomic (temporary file + rename) or a single request, so nothing is left
//! half-done, and the terminal's cursor is shown again in case a prompt hid it. Inside a
//! cancellable wait (a sign-in listener, device-code polling), the flag is set instead, and the
//! wait returns "interrupted" (exit 130) after closing what it opened.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[derive(Clone, Default)]
pub struct Interrupt {
    flag: Arc<AtomicBool>,
    armed: Arc<AtomicBool>,
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
                let _ = console::Term::stderr().show_cursor();
                eprintln!();
                std::process::exit(130);
            }
        });
        interrupt
    }

    /// Runs `wait` with Ctrl-C turned into the flag it is given.
    pub fn cancellable<T>(&self, wait: impl FnOnce(Arc<AtomicBool>) -> T) -> T {
        self.flag.store(false, Ordering::SeqCst);
        self.armed.store(true, Ordering::SeqCst);
        let result = wait(self.flag.clone());
        self.armed.store(false, Ordering::SeqCst);
        result
    }
}
