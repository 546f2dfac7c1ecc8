//! Step 1, the runner: it must have registered its public key (secrets are sealed to it), and
//! its configuration schema must offer Azure DevOps, with an OAuth callback URL when OAuth is
//! wanted.

use crate::clients::gitpod::ConfigSchema;
use crate::error::{Error, Result};
use crate::seal::RunnerPublicKey;

use super::summary::{check, Check};
use super::{SetupPlan, SetupServices};

/// What step 1 found out about the runner.
pub(super) struct RunnerChecked {
    /// Client secrets are sealed to it.
    pub key: RunnerPublicKey,
    /// The OAuth callback URL the schema names (OAuth only).
    pub callback: Option<String>,
}

/// The runner's key and schema (as the runner's configuration service gave it), each a check
/// on the list.
pub(super) fn check_key_and_schema(
    plan: &SetupPlan,
    s: &SetupServices<'_>,
    schema: ConfigSchema,
    checks: &mut Vec<Check>,
) -> Result<RunnerChecked> {
    let ui = s.ui;
    let runner = &plan.runner;
    let scm_id = plan.target.scm_id();
    let key = runner.public_key()?;
    if runner.status.phase != "RUNNER_PHASE_ACTIVE" && !runner.status.phase.is_empty() {
        ui.warn(format!(
            "runner {} is {}, not active: it may not answer the validation",
            runner.name,
            runner.status.phase_name()
        ));
    }
    ui.ok(format!(
        "the runner has registered its public key ({})",
        key.fingerprint()
    ));
    checks.push(check("runner public key", true, key.fingerprint()));
    let callback = offered_by_schema(plan, &schema)?;
    let offered = match &callback {
        Some(url) => format!("{scm_id}, OAuth callback {url}"),
        None => scm_id.to_string(),
    };
    ui.ok(format!("the runner offers Azure DevOps ({offered})"));
    checks.push(check("runner offers Azure DevOps", true, offered));
    Ok(RunnerChecked { key, callback })
}

/// The schema must offer the scm id; with OAuth, its callback URL is returned.
fn offered_by_schema(plan: &SetupPlan, schema: &ConfigSchema) -> Result<Option<String>> {
    let runner = &plan.runner;
    let scm_id = plan.target.scm_id();
    let Some(entry) = schema.scm.iter().find(|e| e.scm_id == scm_id) else {
        let offered: Vec<&str> = schema.scm.iter().map(|e| e.scm_id.as_str()).collect();
        let offered = if offered.is_empty() {
            "nothing".to_string()
        } else {
            offered.join(", ")
        };
        return Err(Error::check(format!(
            "runner {} does not offer Azure DevOps ({scm_id}); its configuration schema offers: {offered}",
            runner.name
        ))
        .with_hint("update the runner to a version that supports Azure DevOps, then run again"));
    };
    if plan.oauth.is_none() {
        return Ok(None);
    }
    match entry.oauth.as_ref().map(|o| o.callback_url.trim()) {
        Some(url) if !url.is_empty() => Ok(Some(url.to_string())),
        _ => Err(Error::check(format!(
            "runner {} offers {scm_id} without OAuth (its schema has no OAuth callback URL)",
            runner.name
        ))
        .with_hint("run again with --no-oauth to set up PATs only, or update the runner")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::flows::setup::test_support::{plan, services, CALLBACK};
    use crate::flows::setup::SCM_SERVICES;

    #[test]
    fn a_schema_without_azure_devops_or_its_oauth_is_a_failed_check() {
        let schema =
            |value: serde_json::Value| -> ConfigSchema { serde_json::from_value(value).unwrap() };
        let with_oauth = plan(services(), true, true);
        let err = offered_by_schema(&with_oauth, &schema(json!({"scm": [{"scmId": "github"}]})))
            .unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert_eq!(
            err.message,
            "runner runner does not offer Azure DevOps (azuredevops_entra); its configuration \
             schema offers: github"
        );
        let without_oauth = schema(json!({"scm": [{"scmId": SCM_SERVICES}]}));
        let err = offered_by_schema(&with_oauth, &without_oauth).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err.message.contains("without OAuth"), "{}", err.message);
        assert!(err.hint.unwrap().contains("--no-oauth"));
        // PAT only needs no callback; with OAuth the callback comes back.
        assert_eq!(
            offered_by_schema(&plan(services(), true, false), &without_oauth).unwrap(),
            None
        );
        let offering = schema(json!({"scm": [{"scmId": SCM_SERVICES,
            "oauth": {"callbackUrl": CALLBACK}}]}));
        assert_eq!(
            offered_by_schema(&with_oauth, &offering)
                .unwrap()
                .as_deref(),
            Some(CALLBACK)
        );
    }
}
