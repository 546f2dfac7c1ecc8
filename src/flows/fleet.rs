//! Setup for many runners at once (`ado-scm apply`): setup's own flow per plan, several at a
//! time, each telling its story to a screen of its own (kept for the summary and the dry run,
//! so that the terminal shows one line per runner, not their steps interleaved).
//!
//! Plans that share an app registration must not change it at once: a PATCH of the app's
//! `web.redirectUris` replaces the whole list, so two runs adding their own callback at the same
//! time would each drop the other's. Plans of one group run one after the other, in their order;
//! groups run side by side, at most `concurrency` at a time. One failing plan stops nothing but
//! itself.

use crate::error::Result;
use crate::parallel;
use crate::ui::screen::Screen;
use crate::ui::{Ui, UiMode};

use super::setup::{self, Interaction, SetupPlan, SetupReport, SetupServices};

/// Where a run is, for the progress lines.
#[derive(Debug, Clone, Copy)]
pub enum Stage<'r> {
    /// Its turn came: it is looking (and then changing).
    Running,
    /// It ended so.
    Finished(&'r RunResult),
}

/// What one run ended with, and what it told its screen.
#[derive(Debug)]
pub struct RunResult {
    pub report: Result<SetupReport>,
    pub log: String,
}

/// Runs `plans[i]` for each `i`, the plans of one group (`groups[i]`) one after the other,
/// at most `concurrency` groups at once, with the services `s` (but each on a screen of its
/// own, not `s.ui`); `interaction` answers each run's questions, `progress(i, stage)` hears
/// where each run is. The results come in the plans' order.
pub fn run_all<'i>(
    plans: &[SetupPlan],
    groups: &[usize],
    concurrency: usize,
    s: &SetupServices<'_>,
    interaction: &(dyn Fn(usize) -> Box<dyn Interaction + 'i> + Sync),
    progress: &(dyn Fn(usize, Stage<'_>) + Sync),
) -> Vec<RunResult> {
    let mut order: Vec<Vec<usize>> = Vec::new();
    for (index, group) in groups.iter().enumerate() {
        match order
            .iter_mut()
            .find(|members| groups[members[0]] == *group)
        {
            Some(members) => members.push(index),
            None => order.push(vec![index]),
        }
    }
    let done = parallel::map(&order, concurrency, |members| {
        members
            .iter()
            .map(|&index| {
                progress(index, Stage::Running);
                let result = run_one(&plans[index], s, interaction(index).as_mut());
                progress(index, Stage::Finished(&result));
                (index, result)
            })
            .collect::<Vec<_>>()
    });
    let mut results: Vec<Option<RunResult>> = plans.iter().map(|_| None).collect();
    for (index, result) in done.into_iter().flatten() {
        results[index] = Some(result);
    }
    results
        .into_iter()
        .map(|r| r.expect("every plan ran"))
        .collect()
}

/// Setup's flow for one plan, on a screen of its own.
fn run_one(plan: &SetupPlan, s: &SetupServices<'_>, ask: &mut dyn Interaction) -> RunResult {
    let screen = Screen::default();
    let ui = Ui::new(
        UiMode::default(),
        Box::new(std::io::sink()),
        Box::new(screen.clone()),
    );
    let services = SetupServices { ui: &ui, ..*s };
    let report = setup::run(plan, &services, ask);
    RunResult {
        report,
        log: screen.text(),
    }
}

/// Groups of plans that share an app registration: the same client id, or the same display
/// name (a new app is known only by its name), as `keys[i]` lists them for plan `i`; a plan with
/// no key is a group of its own. Answers the group of each plan.
pub fn groups_by_app(keys: &[Vec<String>]) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..keys.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for i in 0..keys.len() {
        for j in 0..i {
            if keys[i].iter().any(|k| keys[j].contains(k)) {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    (0..keys.len()).map(|i| root(&mut parent, i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_sharing_an_app_by_id_or_name_share_a_group() {
        let keys = vec![
            vec!["name:shared".to_string()],
            vec!["id:1".to_string()],
            vec!["name:shared".to_string(), "id:2".to_string()],
            vec![],
            vec!["id:2".to_string()],
            vec!["name:other".to_string(), "id:1".to_string()],
        ];
        assert_eq!(groups_by_app(&keys), vec![0, 1, 0, 3, 0, 1]);
    }
}
