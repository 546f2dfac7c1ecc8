//! What `apply` shows: each entry's outcome in a few words (the progress lines, the plan, the
//! summary), the plan before the confirmation, and the `--json` results.

use serde_json::{json, Value};

use crate::clients::gitpod::ScmIntegration;
use crate::error::Error;
use crate::flows::setup::{IntegrationOutcome, SecretOutcome, SetupPlan, SetupReport};

/// `runner-name · host`, the label of an entry's line.
pub(super) fn label(plan: &SetupPlan) -> String {
    format!("{} · {}", plan.runner.name, plan.target.host())
}

/// What a run did (or, dry, would do), in a few words.
pub(super) fn outcome(report: &SetupReport) -> String {
    let s = &report.summary;
    let dry = s.dry_run;
    let fields = report.integration_fields.join(", ");
    let mut parts = vec![match (dry, s.integration) {
        (true, IntegrationOutcome::Created) => "create the integration".to_string(),
        (false, IntegrationOutcome::Created) => "created the integration".to_string(),
        (true, IntegrationOutcome::Updated) => format!("update the integration ({fields})"),
        (false, IntegrationOutcome::Updated) => format!("updated the integration ({fields})"),
        (_, IntegrationOutcome::Unchanged) if report.changes == 0 => "unchanged".to_string(),
        (_, IntegrationOutcome::Unchanged) => "integration unchanged".to_string(),
    }];
    let app = report.app_name.as_deref().unwrap_or("the app");
    if report.app_created {
        parts.push(format!(
            "{} app \"{app}\"",
            if dry { "create" } else { "created" }
        ));
    } else if !report.repairs.is_empty() {
        parts.push(format!(
            "{} app \"{app}\" ({})",
            if dry { "repair" } else { "repaired" },
            report.repairs.join("; ")
        ));
    }
    match s.oauth.as_ref().map(|o| o.secret) {
        Some(SecretOutcome::Created) => parts.push(
            if dry {
                "make a client secret"
            } else {
                "made a client secret"
            }
            .into(),
        ),
        Some(SecretOutcome::Rotated) => parts.push(
            if dry {
                "rotate the client secret"
            } else {
                "rotated the client secret"
            }
            .into(),
        ),
        _ => {}
    }
    parts.join("; ")
}

/// The plan of a dry pass: one line per entry (`+` create, `~` change, `=` nothing, `!` cannot),
/// the removals of `--prune`, and the counts.
pub(super) fn plan(
    plans: &[SetupPlan],
    results: &[crate::error::Result<SetupReport>],
    prune: &[(String, ScmIntegration)],
) -> String {
    let labels: Vec<String> = plans.iter().map(label).collect();
    let width = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let mut out = vec![String::from("Plan:")];
    let (mut create, mut change, mut same, mut failing) = (0, 0, 0, 0);
    for (label, result) in labels.iter().zip(results) {
        let (mark, text) = match result {
            Err(err) => {
                failing += 1;
                ("!", format!("cannot be applied: {}", err.message))
            }
            Ok(r) if r.summary.integration == IntegrationOutcome::Created => {
                create += 1;
                ("+", outcome(r))
            }
            Ok(r) if r.changes > 0 => {
                change += 1;
                ("~", outcome(r))
            }
            Ok(r) => {
                same += 1;
                ("=", outcome(r))
            }
        };
        out.push(format!("  {mark} {label:<width$}  {text}"));
    }
    for (runner_name, i) in prune {
        out.push(format!(
            "  - {:<width$}  remove the integration {} (--prune; asked separately)",
            format!("{runner_name} · {}", i.host),
            i.id
        ));
    }
    out.push(format!(
        "{create} to create, {change} to change, {same} unchanged{}{}.",
        if failing > 0 {
            format!(", {failing} that cannot be applied")
        } else {
            String::new()
        },
        if prune.is_empty() {
            String::new()
        } else {
            format!(", {} to remove", prune.len())
        }
    ));
    out.join("\n")
}

/// An entry's `--json` result: setup's summary, plus `error` when it failed.
pub(super) fn result_json(
    plan: &SetupPlan,
    result: &crate::error::Result<SetupReport>,
    dry_run: bool,
) -> Value {
    match result {
        Ok(report) => {
            let mut value = serde_json::to_value(&report.summary).unwrap_or_default();
            value["dry_run"] = json!(dry_run);
            value
        }
        Err(err) => json!({
            "runner_id": plan.runner.runner_id,
            "scm_id": plan.target.scm_id(),
            "host": plan.target.host(),
            "integration_id": null,
            "integration": null,
            "oauth": null,
            "pat": plan.pat,
            "checks": [],
            "dry_run": dry_run,
            "error": error_json(err),
        }),
    }
}

fn error_json(err: &Error) -> Value {
    let mut value = err.to_json()["error"].clone();
    if let Some(map) = value.as_object_mut() {
        map.remove("exit_code");
    }
    value
}
