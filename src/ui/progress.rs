//! Spinners on network waits, and the rules that keep them out of the way: one spinner line at
//! most, saying the newest wait; never drawn while a prompt waits for an answer (a question
//! asked in the middle of a wait, such as the Gitpod token, stands alone on its line); and every
//! other line printed above it (the spinner's line cleared, the text written, the spinner drawn
//! again), so that no frame is left on screen. [`Ui`](super::Ui) owns one [`Progress`]; its
//! lines, its prompts and the `-v` log go through it.
//!
//! Drawn only on a terminal and never with `--json` or `-q` (the Ui prints the wait's message
//! once instead, so logs still say what was waited for).

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The spinner of a run and what it stands for.
pub(super) struct Progress {
    state: Mutex<State>,
    /// Where a spinner draws: the terminal (stderr), or nowhere (unit tests, which read
    /// [`Progress::drawn`] instead).
    target: fn() -> ProgressDrawTarget,
}

#[derive(Default)]
struct State {
    bar: Option<ProgressBar>,
    /// What is being waited for, oldest first, with the number each wait was given.
    waits: Vec<(u64, String)>,
    next_wait: u64,
    /// Prompts waiting for an answer right now.
    prompts: usize,
}

impl Progress {
    pub(super) fn on_stderr() -> Progress {
        Progress {
            state: Mutex::default(),
            target: ProgressDrawTarget::stderr,
        }
    }

    #[cfg(test)]
    pub(super) fn hidden() -> Progress {
        Progress {
            state: Mutex::default(),
            target: ProgressDrawTarget::hidden,
        }
    }

    /// A wait begins: the spinner says `message` until [`Progress::finish`] with the number
    /// returned.
    pub(super) fn start(&self, message: String) -> u64 {
        let mut state = self.state();
        let id = state.next_wait;
        state.next_wait += 1;
        state.waits.push((id, message));
        self.redraw(&mut state);
        id
    }

    /// The wait `id` is over: the spinner says the wait before it, or goes.
    pub(super) fn finish(&self, id: u64) {
        let mut state = self.state();
        state.waits.retain(|(wait, _)| *wait != id);
        self.redraw(&mut state);
    }

    /// Runs `ask`, a prompt, with no spinner on screen; a wait still going on gets its spinner
    /// back afterwards.
    pub(super) fn without_spinner<T>(&self, ask: impl FnOnce() -> T) -> T {
        struct Asking<'a>(&'a Progress);
        impl Drop for Asking<'_> {
            fn drop(&mut self) {
                let mut state = self.0.state();
                state.prompts -= 1;
                self.0.redraw(&mut state);
            }
        }
        {
            let mut state = self.state();
            state.prompts += 1;
            self.redraw(&mut state);
        }
        let _asking = Asking(self);
        ask()
    }

    /// Runs `write`, which prints whole lines on stderr, above the spinner: its line is cleared
    /// first and drawn again below the text.
    pub(super) fn above<T>(&self, write: impl FnOnce() -> T) -> T {
        let state = self.state();
        match &state.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }

    /// A spinner is on screen (or would be, on a hidden target).
    #[cfg(test)]
    pub(super) fn drawn(&self) -> bool {
        self.state().bar.is_some()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The spinner as the state says: the newest wait's message, unless a prompt is asking.
    fn redraw(&self, state: &mut State) {
        let wanted = match state.prompts {
            0 => state.waits.last().map(|(_, message)| message.clone()),
            _ => None,
        };
        match (wanted, &state.bar) {
            (None, Some(bar)) => {
                bar.finish_and_clear();
                state.bar = None;
            }
            (None, None) => {}
            (Some(message), Some(bar)) => bar.set_message(message),
            (Some(message), None) => {
                let bar = ProgressBar::with_draw_target(None, (self.target)());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_message(message);
                bar.enable_steady_tick(Duration::from_millis(100));
                state.bar = Some(bar);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_wait_is_shown_and_none_while_a_prompt_asks() {
        let progress = Progress::hidden();
        let outer = progress.start("Listing runners".into());
        let inner = progress.start("Reading the integrations".into());
        assert!(progress.drawn());
        let asked = progress.without_spinner(|| {
            // A prompt inside a prompt (a retry) keeps it away too.
            progress.without_spinner(|| progress.drawn())
        });
        assert!(!asked, "a spinner ran while a prompt asked");
        assert!(progress.drawn(), "the wait goes on after the answer");
        progress.finish(inner);
        assert!(progress.drawn());
        progress.finish(outer);
        assert!(!progress.drawn());
    }

    #[test]
    fn a_prompt_that_panics_gives_the_spinner_back() {
        let progress = Progress::hidden();
        progress.start("Listing runners".into());
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            progress.without_spinner(|| panic!("a prompt failed"))
        }));
        assert!(panicked.is_err());
        assert!(progress.drawn());
    }
}
