//! One line per item of a batch (`apply`'s runners). At a terminal, indicatif's multi-progress
//! redraws each item's line in place as it moves on (a spinner while it works); elsewhere
//! (scripts, `--json`, `-q`) each item's final state is printed once, as a plain line.

use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{printable, Ui};

pub struct ItemLines<'a> {
    ui: &'a Ui,
    labels: Vec<String>,
    width: usize,
    /// Drawn at a terminal only.
    bars: Option<(MultiProgress, Vec<ProgressBar>)>,
}

impl<'a> ItemLines<'a> {
    /// A line per label, each `waiting` at first (at a terminal).
    pub fn new(ui: &'a Ui, labels: Vec<String>, waiting: &str) -> Self {
        let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
        let drawn = ui.mode.stderr_tty && !ui.mode.json && !ui.mode.quiet;
        let bars = drawn.then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{spinner} {prefix} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            let bars = labels
                .iter()
                .map(|label| {
                    let bar = multi.add(ProgressBar::new_spinner());
                    bar.set_style(style.clone());
                    bar.set_prefix(format!("{:<width$}", printable(label)));
                    bar.set_message(waiting.to_string());
                    bar
                })
                .collect();
            (multi, bars)
        });
        ItemLines {
            ui,
            labels,
            width,
            bars,
        }
    }

    /// Item `index` is at `state` now (shown at a terminal only).
    pub fn update(&self, index: usize, state: &str) {
        if let Some((_, bars)) = &self.bars {
            bars[index].enable_steady_tick(Duration::from_millis(100));
            bars[index].set_message(printable(state).into_owned());
        }
    }

    /// Item `index` ended at `state`.
    pub fn finish(&self, index: usize, state: &str) {
        match &self.bars {
            Some((_, bars)) => bars[index].finish_with_message(printable(state).into_owned()),
            None => self.ui.info(format!(
                "  {:<width$}  {state}",
                self.labels[index],
                width = self.width
            )),
        }
    }
}
