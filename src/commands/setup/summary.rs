//! What the admin reads at the end of `ado-scm setup`: what is in place now (or would be, after
//! a dry run), the checks, what no API can do, what to tell developers, and the same setup as
//! one command line without questions.

use crate::cli::SetupArgs;
use crate::flows::setup::{
    date, methods, IntegrationOutcome, SecretOutcome, SetupPlan, SetupReport, Target,
};

use super::flags::Checked;

pub(super) fn summary_text(
    plan: &SetupPlan,
    report: &SetupReport,
    checked: &Checked,
    args: &SetupArgs,
) -> String {
    let summary = &report.summary;
    let mut out = Vec::new();
    let runner = format!("{} ({})", report.runner_name, summary.runner_id);
    if summary.dry_run {
        out.push(format!(
            "Dry run for runner {runner}: nothing was changed; {} request(s) would be sent (listed above).",
            report.changes
        ));
    } else {
        out.push(format!(
            "Runner {runner} is connected to Azure DevOps at {} ({}).",
            summary.host,
            methods(summary.oauth.is_some(), summary.pat)
        ));
    }
    out.push(String::new());
    out.push(if summary.dry_run {
        "Would be in place:".to_string()
    } else {
        "Now in place:".to_string()
    });
    if let Some(oauth) = &summary.oauth {
        let app = match (&report.app_name, &oauth.client_id) {
            (Some(name), Some(id)) => format!("\"{name}\", client ID {id}"),
            (Some(name), None) => format!("\"{name}\" (to be created)"),
            (None, Some(id)) => format!("client ID {id}"),
            (None, None) => "to be created".to_string(),
        };
        let verb = if report.app_created {
            if summary.dry_run {
                " (to create)"
            } else {
                " (created)"
            }
        } else {
            ""
        };
        out.push(format!("  App registration   {app}{verb}"));
        if let Some(object_id) = &oauth.app_object_id {
            out.push(format!("                     object ID {object_id}"));
        }
        if let Some(tenant) = &report.tenant_id {
            out.push(format!("                     tenant {tenant}"));
        }
        if !report.repairs.is_empty() {
            out.push(format!(
                "                     {}: {}",
                if summary.dry_run {
                    "to repair"
                } else {
                    "repaired"
                },
                report.repairs.join("; ")
            ));
        }
        let secret = match oauth.secret {
            SecretOutcome::Created => "new",
            SecretOutcome::Reused => "kept",
            SecretOutcome::Rotated => "new (rotated)",
        };
        let expiry = oauth
            .secret_expires_at
            .map(|at| format!(", expires {}", date(at)))
            .unwrap_or_default();
        out.push(format!(
            "  Client secret      {secret}{expiry} (sealed to the runner's key; never shown)"
        ));
        if !report.removed_secrets.is_empty() {
            out.push(format!(
                "                     removed the old one(s) ado-scm had made: {}",
                report.removed_secrets.join(", ")
            ));
        }
        out.push(format!("  Issuer URL         {}", oauth.issuer_url));
        if report.consent_granted {
            out.push("  Admin consent      granted for the whole tenant".to_string());
        }
    }
    let what = match (summary.dry_run, summary.integration) {
        (true, IntegrationOutcome::Created) => "to create",
        (true, IntegrationOutcome::Updated) => "to update",
        (_, outcome) => outcome.as_str(),
    };
    let id = match &summary.integration_id {
        Some(id) => format!("{id} ({what})"),
        None => what.to_string(),
    };
    out.push(format!(
        "  Integration        {id}: {}, host {}, {}",
        summary.scm_id,
        summary.host,
        methods(summary.oauth.is_some(), summary.pat)
    ));
    for check in &summary.checks {
        out.push(format!("  {}", check.row()));
    }

    out.push(String::new());
    if summary.oauth.is_some() {
        let org = plan.target.org();
        out.push("Left for you (no API can do these):".to_string());
        let policy = match org {
            Some(org) => format!("https://dev.azure.com/{org}/_settings/organizationPolicy"),
            None => "https://dev.azure.com/ORG/_settings/organizationPolicy".to_string(),
        };
        out.push(
            "  • Azure DevOps: turn on \"Third-party application access via OAuth\" under \
             Organization settings → Security → Policies"
                .to_string(),
        );
        out.push(format!("    ({policy})."));
        if !report.consent_granted {
            out.push(
                "  • Consent: each developer consents on first sign-in, unless an Entra admin \
                 grants it for everyone (Entra admin center → App registrations → the app → API \
                 permissions → Grant admin consent, or run again with --grant-admin-consent)."
                    .to_string(),
            );
        }
        if !report.graph_checked {
            out.push(
                "  • The app registration was not checked through Microsoft Graph: make sure its \
                 Web redirect URI is the runner's callback URL, ID tokens are on, and it has \
                 openid, offline_access, vso.code and vso.code_write."
                    .to_string(),
            );
        }
    } else {
        out.push("Left for you: nothing (PATs need no app registration).".to_string());
    }
    out.push(String::new());
    out.push("Tell your developers to run:".to_string());
    out.push(format!(
        "  ado-scm login --runner {} --host {}",
        summary.runner_id, summary.host
    ));
    out.push(String::new());
    out.push("The same setup without questions (e.g. in a script):".to_string());
    out.push(format!(
        "  {}",
        equivalent_command(plan, report, checked, args)
    ));
    if plan.oauth.is_some() && checked.client_id.is_none() {
        out.push(
            "  (with ADO_SCM_GRAPH_TOKEN set, or --device-code to sign in from the script, or after \
             one run that signed in, whose Microsoft sign-in ado-scm remembers)"
                .to_string(),
        );
    }
    out.join("\n")
}

/// `ado-scm setup --non-interactive …` with the answers of this run (never a secret).
fn equivalent_command(
    plan: &SetupPlan,
    report: &SetupReport,
    checked: &Checked,
    args: &SetupArgs,
) -> String {
    let mut parts: Vec<String> = vec![
        "ado-scm setup --non-interactive".into(),
        format!("--runner {}", plan.runner.runner_id),
    ];
    match &plan.target {
        Target::Server {
            host,
            virtual_directory,
        } => {
            parts.push("--server".into());
            parts.push(format!("--host {}", shell_quote(host)));
            parts.push(format!(
                "--virtual-directory {}",
                shell_quote(virtual_directory)
            ));
        }
        Target::Services { host, org } => {
            parts.push(format!("--host {}", shell_quote(host)));
            let host_has_org = host.contains('/');
            if let (Some(org), false) = (org, host_has_org) {
                parts.push(format!("--org {}", shell_quote(org)));
            }
            match (plan.oauth.is_some(), plan.pat) {
                (true, false) => parts.push("--no-pat".into()),
                (false, _) => parts.push("--no-oauth".into()),
                _ => {}
            }
        }
    }
    if let Some(oauth) = &plan.oauth {
        if let Some(tenant) = &checked.tenant {
            parts.push(format!("--tenant {}", shell_quote(tenant)));
        }
        if let Some(issuer) = &checked.issuer {
            parts.push(format!("--issuer-url {}", shell_quote(&issuer.url())));
        }
        match &oauth.client_id {
            Some(id) => {
                parts.push(format!("--client-id {id}"));
                parts.push("--client-secret-stdin".into());
            }
            None => {
                if let Some(name) = &report.app_name {
                    parts.push(format!("--app-name {}", shell_quote(name)));
                }
            }
        }
        if let Some(days) = args.secret_expiry_days {
            parts.push(format!("--secret-expiry-days {days}"));
        }
        if oauth.grant_admin_consent {
            parts.push("--grant-admin-consent".into());
        }
    }
    parts.join(" ")
}

fn shell_quote(value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':' | '@'));
    if plain && !value.is_empty() {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_names_one_word() {
        assert_eq!(shell_quote("dev.azure.com/acme"), "dev.azure.com/acme");
        assert_eq!(
            shell_quote("Ona runner x (Azure DevOps)"),
            "'Ona runner x (Azure DevOps)'"
        );
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
    }
}
