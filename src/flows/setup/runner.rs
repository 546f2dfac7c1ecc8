//! Step 1, the runner: it must have registered its public key (secrets are sealed to it), and
//! its configuration schema must offer Azure DevOps, with an OAuth callback URL when OAuth is
//! wanted.

use crate::clients::gitpod::{ConfigSchema, Runner};
use crate::error::{Error, Result};
use crate::seal::{self, RunnerPublicKey};

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
    let key = runner_key(runner)?;
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

/// The runner's public key: present (else the runner has not registered: exit 4) and usable.
pub fn runner_key(runner: &Runner) -> Result<RunnerPublicKey> {
    let Some(raw) = runner.status.public_key.as_deref() else {
        return Err(Error::check(format!(
            "runner {} ({}) has no public key yet: it has not registered with Gitpod",
            runner.name, runner.runner_id
        ))
        .with_hint(
            "start the runner on its host (finish its installation if needed) and wait until \
             Gitpod shows it as online under Settings → Runners: it registers its key when it \
             first connects. Then run `ado-scm setup` again",
        ));
    };
    seal::parse_public_key(raw, |_| Err(std::io::Error::other("not a file"))).map_err(|err| {
        Error::check(format!(
            "runner {} published a public key ado-scm cannot use: {}",
            runner.name, err.message
        ))
        .with_hint("re-register the runner, or report this to Gitpod support")
    })
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
    fn a_runner_without_a_key_is_a_failed_check() {
        let mut runner = plan(services(), true, true).runner;
        let err = runner_key(&runner).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(
            err.message.contains("has no public key yet"),
            "{}",
            err.message
        );
        runner.status.public_key = Some("AAAA".into());
        let err = runner_key(&runner).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err.message.contains("cannot use"), "{}", err.message);
    }

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
