//! The terminal a prompt borrows. A hidden prompt turns echo off, a choice reads keys one by one
//! and hides the cursor; each puts the terminal back when it returns. Ctrl-C may end the process
//! in the middle of one (`src/interrupt.rs`), where the prompt never returns: so the settings
//! the terminal had when the prompt began are kept here while it runs, and whoever ends the
//! process puts them back ([`give_back`]).
//!
//! What must not happen: the person's shell left without echo (typing invisible until `stty
//! sane`) or without a cursor; and settings put back while no prompt runs, which would undo
//! what another program sharing the terminal set (a pager reading ado-scm's output).

use std::sync::Mutex;

use crate::error::Result;

/// The settings to put back, while a prompt runs.
static LENT: Mutex<Option<Saved>> = Mutex::new(None);

/// Runs `prompt`, a prompt that takes over the terminal, keeping the terminal's settings until
/// it returns. A prompt that fails (Ctrl-C in a choice is an error, not a signal) may have left
/// the cursor hidden: it is shown again.
pub fn lend<T>(prompt: impl FnOnce() -> Result<T>) -> Result<T> {
    let saved = Saved::now();
    let on_a_terminal = saved.is_some();
    set_lent(saved);
    let answer = prompt();
    set_lent(None);
    if answer.is_err() && on_a_terminal {
        show_cursor();
    }
    answer
}

/// Puts back the terminal a prompt was using and shows the cursor; nothing when no prompt
/// runs. For the paths that end the process without returning (Ctrl-C).
pub fn give_back() {
    let lent = LENT.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(saved) = lent {
        saved.restore();
        show_cursor();
    }
}

fn set_lent(saved: Option<Saved>) {
    *LENT.lock().unwrap_or_else(|p| p.into_inner()) = saved;
}

fn show_cursor() {
    let _ = console::Term::stderr().show_cursor();
}

/// The terminal's settings at one moment, and the terminal they belong to.
#[cfg(unix)]
struct Saved {
    /// Where the prompts read: stdin when it is a terminal, else the controlling terminal
    /// (kept open here). The settings are the terminal's, not one descriptor's.
    tty: Tty,
    settings: libc::termios,
}

#[cfg(unix)]
enum Tty {
    Stdin,
    Opened(std::fs::File),
}

#[cfg(unix)]
impl Tty {
    fn find() -> Option<Tty> {
        use std::os::unix::fs::OpenOptionsExt;
        // SAFETY: isatty only reads the descriptor's kind.
        if unsafe { libc::isatty(libc::STDIN_FILENO) } == 1 {
            return Some(Tty::Stdin);
        }
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open("/dev/tty")
            .ok()
            .map(Tty::Opened)
    }

    fn fd(&self) -> std::os::unix::io::RawFd {
        use std::os::unix::io::AsRawFd;
        match self {
            Tty::Stdin => libc::STDIN_FILENO,
            Tty::Opened(file) => file.as_raw_fd(),
        }
    }
}

#[cfg(unix)]
impl Saved {
    /// The terminal's settings; none without a terminal.
    fn now() -> Option<Saved> {
        let tty = Tty::find()?;
        let mut settings = std::mem::MaybeUninit::<libc::termios>::uninit();
        // SAFETY: the descriptor is open for the call; `settings` is written by it in full
        // when it returns 0, and read only then.
        let settings = unsafe {
            if libc::tcgetattr(tty.fd(), settings.as_mut_ptr()) != 0 {
                return None;
            }
            settings.assume_init()
        };
        Some(Saved { tty, settings })
    }

    fn restore(&self) {
        // SAFETY: an open descriptor and settings read from the same terminal. Failing is
        // harmless (the terminal is gone): nothing more can be done for it.
        unsafe {
            libc::tcsetattr(self.tty.fd(), libc::TCSANOW, &self.settings);
        }
    }
}

/// Elsewhere the console puts its own mode back; only the cursor is shown again.
#[cfg(not(unix))]
struct Saved;

#[cfg(not(unix))]
impl Saved {
    fn now() -> Option<Saved> {
        Some(Saved)
    }

    fn restore(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn settings_are_kept_only_while_a_prompt_runs() {
        // No terminal in the hermetic suite: nothing to keep, and nothing is kept afterwards.
        let answer =
            lend(|| Ok::<_, Error>(LENT.lock().unwrap_or_else(|p| p.into_inner()).is_some()));
        assert!(answer.is_ok());
        assert!(LENT.lock().unwrap_or_else(|p| p.into_inner()).is_none());
        let failed: Result<()> = lend(|| Err(Error::interrupted()));
        assert_eq!(failed.unwrap_err().exit_code(), 130);
        assert!(LENT.lock().unwrap_or_else(|p| p.into_inner()).is_none());
        give_back();
    }
}
