//! What the admin reads: one block per integration, one row per check (status, name, detail,
//! and under a row that is not ok, its fix); the repair plan of `--fix` and what it did.

use crate::flows::doctor::{IntegrationReport, Status};

use super::fix::{FixOutcome, FixPlan};

/// Width of the check names column.
const NAME_WIDTH: usize = 18;

/// The table, with a closing line of counts.
pub(super) fn table(reports: &[IntegrationReport], color: bool) -> String {
    let mut out = Vec::new();
    for report in reports {
        out.push(format!(
            "{} · {} · {} (runner {})",
            report.runner_name, report.host, report.scm_id, report.runner_id
        ));
        for check in &report.checks {
            out.push(format!(
                "  {} {:<NAME_WIDTH$} {}",
                status(check.status, color),
                check.name,
                check.detail
            ));
            if let Some(fix) = &check.fix {
                out.push(format!("  {:8} {:<NAME_WIDTH$} fix: {fix}", "", ""));
            }
        }
        out.push(String::new());
    }
    let (fails, warns) = counts(reports);
    let skipped = reports
        .iter()
        .flat_map(|r| &r.checks)
        .filter(|c| c.status == Status::Skipped)
        .count();
    out.push(format!(
        "{} integration(s) checked: {fails} failed, {warns} warning(s), {skipped} skipped.",
        reports.len()
    ));
    let repairable: usize = reports.iter().map(|r| r.repairable().count()).sum();
    if repairable > 0 {
        out.push(format!(
            "`ado-scm doctor --fix` repairs {repairable} of them with setup's own steps."
        ));
    }
    out.join("\n")
}

/// (failed rows, warning rows).
pub(super) fn counts(reports: &[IntegrationReport]) -> (usize, usize) {
    let rows = || reports.iter().flat_map(|r| &r.checks);
    (
        rows().filter(|c| c.status == Status::Fail).count(),
        rows().filter(|c| c.status == Status::Warn).count(),
    )
}

/// The status, padded to one width, coloured at a terminal that wants colour.
fn status(status: Status, color: bool) -> String {
    let word = format!("{:<8}", status.as_str());
    if !color {
        return word;
    }
    let code = match status {
        Status::Ok => "32",
        Status::Warn => "33",
        Status::Fail => "31",
        Status::Skipped => "2",
    };
    format!("\x1b[{code}m{word}\x1b[0m")
}

/// The repairs, per integration, before the confirmation.
pub(super) fn fix_plan(plans: &[FixPlan]) -> String {
    let mut out = vec![String::from("\nPlan (through setup's own steps):")];
    for plan in plans {
        out.push(format!(
            "  {} · {}:",
            plan.setup.runner.name,
            plan.setup.target.host()
        ));
        for line in &plan.repairs {
            out.push(format!("    • {line}"));
        }
    }
    out.join("\n")
}

/// What each repair run did.
pub(super) fn fix_outcomes(outcomes: &[FixOutcome]) -> String {
    let mut out = vec![String::from("Repairs:")];
    for o in outcomes {
        let what = match &o.result {
            Ok(changes) => format!("done ({changes} change(s))"),
            Err(message) => format!("failed: {message}"),
        };
        out.push(format!("  {} · {}: {what}", o.runner_name, o.host));
    }
    out.join("\n")
}
