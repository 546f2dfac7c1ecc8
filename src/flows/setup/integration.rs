//! The runner's SCM integration: the one saved for this scm id and host (step 1), the
//! runner's validation of a configuration (step 7, with the secret sealed to its key), and the
//! save (step 8): update the match, or create one; never send what did not change.

use crate::clients::gitpod::{
    ScmIntegration, ScmIntegrationUpdate, ScmIntegrationWrite, ValidateIntegration,
    ValidationResult,
};
use crate::error::{Error, Result};
use crate::flows::read_back;
use crate::secret::Secret;

use super::summary::{check, Check, IntegrationOutcome};
use super::tenant::IssuerChoice;
use super::{SetupPlan, SetupServices};

/// The runner's integration for the plan's scm id and host among the runner's integrations,
/// if it has one.
pub(super) fn find_saved(
    plan: &SetupPlan,
    services: &SetupServices<'_>,
    integrations: Vec<ScmIntegration>,
) -> Option<ScmIntegration> {
    let ui = services.ui;
    let runner = &plan.runner;
    let scm_id = plan.target.scm_id();
    let host = plan.target.host();
    let found = integrations.into_iter().find(|i| {
        i.runner_id == runner.runner_id && i.scm_id == scm_id && i.host.eq_ignore_ascii_case(host)
    });
    match &found {
        Some(i) => ui.info(format!(
            "  The runner already has an integration for {host} ({}): it will be updated if needed.",
            i.id
        )),
        None => ui.info(format!(
            "  The runner has no {scm_id} integration for {host} yet."
        )),
    }
    found
}

/// PAT only: the runner validates the configuration before anything changes (a read).
pub(super) fn validate_pat_only(
    services: &SetupServices<'_>,
    plan: &SetupPlan,
    existing: Option<&ScmIntegration>,
    checks: &mut Vec<Check>,
) -> Result<()> {
    let result = validate(services, plan, existing.map(|i| i.id.clone()), None, None)?;
    expect_valid(&result, checks)?;
    services.ui.ok("the runner validates the configuration");
    Ok(())
}

/// ValidateRunnerConfiguration with the secret sealed to the runner's key (`ahead`: the
/// runner's answer with the issuer to save, when it was asked ahead; it counts when it accepts
/// or rejects the issuer, else the runner is asked again). A runner that rejects the issuer URL
/// is asked once more with the other form of the same issuer (runners differ in which form
/// they take); returns the issuer string the runner accepted.
#[allow(clippy::too_many_arguments)]
pub(super) fn validate_sealed(
    services: &SetupServices<'_>,
    plan: &SetupPlan,
    issuer: &IssuerChoice,
    client_id: &str,
    sealed: String,
    existing: Option<&ScmIntegration>,
    ahead: Option<ValidationResult>,
    checks: &mut Vec<Check>,
) -> Result<String> {
    let ui = services.ui;
    let mut used = issuer.saved.clone();
    let mut result = match ahead.filter(|r| r.valid || rejects_issuer(r)) {
        Some(result) => result,
        None => ui.waiting(
            "Asking the runner to validate the configuration with the sealed secret",
            || {
                validate(
                    services,
                    plan,
                    existing.map(|i| i.id.clone()),
                    Some((client_id.to_string(), Some(sealed.clone()))),
                    Some(used.clone()),
                )
            },
        )?,
    };
    if !result.valid && rejects_issuer(&result) {
        let other = issuer.issuer.other_form().url();
        ui.warn(format!(
            "the runner rejected the issuer URL {used} ({}); trying the other form {other}",
            result.oauth_error.as_deref().unwrap_or_default()
        ));
        let retried = validate(
            services,
            plan,
            existing.map(|i| i.id.clone()),
            Some((client_id.to_string(), Some(sealed))),
            Some(other.clone()),
        )?;
        if retried.valid {
            ui.ok(format!(
                "the runner accepts the issuer URL {other}: saving that form"
            ));
            used = other;
        }
        result = retried;
    }
    expect_valid(&result, checks)?;
    ui.ok("the runner opened the sealed secret and validates the configuration");
    Ok(used)
}

/// The runner's error about the issuer (the runner is closed source: its words are the only
/// signal, so any OAuth error naming the issuer counts).
fn rejects_issuer(result: &ValidationResult) -> bool {
    result
        .oauth_error
        .as_deref()
        .is_some_and(|e| e.to_ascii_lowercase().contains("issuer"))
}

/// ValidateRunnerConfiguration for the plan. `oauth`: client id and the sealed secret (`None`:
/// the runner uses the saved one of integration `id`).
pub(super) fn validate(
    services: &SetupServices<'_>,
    plan: &SetupPlan,
    id: Option<String>,
    oauth: Option<(String, Option<String>)>,
    issuer: Option<String>,
) -> Result<ValidationResult> {
    let (client_id, sealed) = match oauth {
        Some((c, sealed)) => (Some(c), sealed),
        None => (None, None),
    };
    let request = ValidateIntegration {
        id,
        scm_id: plan.target.scm_id().to_string(),
        host: plan.target.host().to_string(),
        oauth_client_id: client_id,
        oauth_encrypted_client_secret: sealed,
        oauth_plaintext_client_secret: None,
        pat: plan.pat,
        issuer_url: issuer,
        virtual_directory: plan.target.virtual_directory(),
    };
    services
        .gitpod
        .validate_runner_configuration(&plan.runner.runner_id, &request)
}

fn expect_valid(result: &ValidationResult, checks: &mut Vec<Check>) -> Result<()> {
    if result.valid {
        checks.push(check(
            "runner validation",
            true,
            "the runner validates the configuration",
        ));
        return Ok(());
    }
    let why = result.reasons();
    Err(Error::check(format!("the runner rejects the configuration: {why}")).with_hint(
        "fix what the runner names (the app's secret, the issuer URL, the host) and run again; \
         nothing was saved on the runner",
    ))
}

/// What the integration save will do.
#[derive(Debug, Clone)]
pub(super) enum IntegrationChange {
    Create(ScmIntegrationWrite),
    Update {
        id: String,
        update: ScmIntegrationUpdate,
        fields: Vec<String>,
        destructive: Vec<String>,
    },
    Unchanged(String),
}

impl IntegrationChange {
    pub(super) fn is_none(&self) -> bool {
        matches!(self, IntegrationChange::Unchanged(_))
    }

    pub(super) fn destructive(&self) -> Vec<String> {
        match self {
            IntegrationChange::Update { destructive, .. } => destructive.clone(),
            _ => Vec::new(),
        }
    }

    pub(super) fn fields(&self) -> Vec<String> {
        match self {
            IntegrationChange::Update { fields, .. } => fields.clone(),
            _ => Vec::new(),
        }
    }
}

/// Compares the saved integration with the wanted one. `client_id`: the app's (unknown for an
/// app still to be created); `secret`: a secret will be sent (new or given).
pub(super) fn change(
    plan: &SetupPlan,
    existing: Option<&ScmIntegration>,
    client_id: Option<&str>,
    secret: bool,
    issuer: Option<&str>,
) -> IntegrationChange {
    let oauth = plan.oauth.is_some();
    let Some(existing) = existing else {
        return IntegrationChange::Create(ScmIntegrationWrite {
            runner_id: plan.runner.runner_id.clone(),
            scm_id: plan.target.scm_id().to_string(),
            host: plan.target.host().to_string(),
            oauth_client_id: oauth.then(|| {
                client_id
                    .unwrap_or("<client ID of the new app>")
                    .to_string()
            }),
            oauth_plaintext_client_secret: None,
            pat: plan.pat,
            issuer_url: if oauth {
                issuer.map(str::to_string)
            } else {
                None
            },
            virtual_directory: plan.target.virtual_directory(),
        });
    };
    let mut update = ScmIntegrationUpdate::default();
    let mut fields = Vec::new();
    let mut destructive = Vec::new();
    let saved = existing.oauth.as_ref();
    if oauth {
        let wanted = client_id.unwrap_or("<client ID of the new app>");
        if saved.map(|saved| saved.client_id.as_str()) != Some(wanted) {
            update.oauth_client_id = Some(wanted.to_string());
            fields.push("OAuth client ID".to_string());
        }
        if secret {
            fields.push("client secret".to_string());
        }
        let saved_issuer = saved.and_then(|saved| saved.issuer_url.as_deref());
        if let Some(issuer) = issuer {
            if saved_issuer != Some(issuer) {
                update.issuer_url = Some(issuer.to_string());
                fields.push("issuer URL".to_string());
            }
        }
    } else if saved.is_some() {
        update.oauth_client_id = Some(String::new());
        fields.push("OAuth turned off".to_string());
        destructive.push(format!(
            "turning OAuth off deletes every developer's OAuth sign-in for {} on this runner",
            existing.host
        ));
    }
    if existing.pat != plan.pat {
        update.pat = Some(plan.pat);
        if plan.pat {
            fields.push("PAT turned on".to_string());
        } else {
            fields.push("PAT turned off".to_string());
            destructive.push(format!(
                "turning PAT off deletes every developer's PAT for {} on this runner",
                existing.host
            ));
        }
    }
    let vdir = plan.target.virtual_directory();
    if vdir.is_some() && existing.virtual_directory != vdir {
        update.virtual_directory = vdir;
        fields.push("virtual directory".to_string());
    }
    if fields.is_empty() {
        IntegrationChange::Unchanged(existing.id.clone())
    } else {
        IntegrationChange::Update {
            id: existing.id.clone(),
            update,
            fields,
            destructive,
        }
    }
}

/// Saves the integration as `change` says, with the secret when one is to be sent.
pub(super) fn save(
    services: &SetupServices<'_>,
    change: &IntegrationChange,
    secret: Option<&Secret>,
) -> Result<(String, IntegrationOutcome)> {
    let ui = services.ui;
    match change {
        IntegrationChange::Create(write) => {
            let mut write = write.clone();
            write.oauth_plaintext_client_secret = secret.cloned();
            let id = ui.waiting("Creating the runner's SCM integration", || {
                create_once(services, &write)
            })?;
            ui.ok(format!("created the integration {id}"));
            Ok((id, IntegrationOutcome::Created))
        }
        IntegrationChange::Update { id, update, .. } => {
            let mut update = update.clone();
            update.oauth_plaintext_client_secret = secret.cloned();
            ui.waiting("Updating the runner's SCM integration", || {
                services.gitpod.update_scm_integration(id, &update)
            })?;
            ui.ok(format!(
                "updated the integration {id} ({})",
                change.fields().join(", ")
            ));
            Ok((id.clone(), IntegrationOutcome::Updated))
        }
        IntegrationChange::Unchanged(id) => Ok((id.clone(), IntegrationOutcome::Unchanged)),
    }
}

/// Creates the integration. A lost answer (a timeout, a 5xx) may hide one that was made: the
/// runner's integrations are read back (reads can lag, so a few times) before it is sent
/// again, so there is never a second one.
fn create_once(services: &SetupServices<'_>, write: &ScmIntegrationWrite) -> Result<String> {
    match services.gitpod.create_scm_integration(write) {
        Err(err) if err.outcome_unknown() => {
            let made = read_back::until_found(services.http.clock().as_ref(), || {
                Ok(services
                    .gitpod
                    .list_scm_integrations(std::slice::from_ref(&write.runner_id))?
                    .into_iter()
                    .find(|i| {
                        i.runner_id == write.runner_id
                            && i.scm_id == write.scm_id
                            && i.host.eq_ignore_ascii_case(&write.host)
                    }))
            })?;
            match made {
                Some(found) => {
                    tracing::info!("the integration was made although its answer was lost");
                    Ok(found.id)
                }
                None => services.gitpod.create_scm_integration(write),
            }
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::clients::gitpod::ScmOauth;
    use crate::clients::test_server::{Stub, StubServer};
    use crate::flows::setup::secret::{prove_secret, Proof, SecretFacts};
    use crate::flows::setup::test_support::{
        plan, runner_taking_the_other_issuer_form, services, SecretFixture, Stubbed, VALIDATE,
    };
    use crate::flows::setup::{Target, SCM_SERVER, SCM_SERVICES};

    fn saved(oauth: bool, pat: bool) -> ScmIntegration {
        ScmIntegration {
            id: "i1".into(),
            runner_id: "r1".into(),
            scm_id: SCM_SERVICES.into(),
            host: "dev.azure.com".into(),
            oauth: oauth.then(|| ScmOauth {
                client_id: "client".into(),
                encrypted_client_secret: "sealed".into(),
                issuer_url: Some("https://issuer".into()),
            }),
            pat,
            virtual_directory: None,
        }
    }

    #[test]
    fn the_same_answers_leave_the_integration_unchanged() {
        let p = plan(services(), true, true);
        let change = change(
            &p,
            Some(&saved(true, true)),
            Some("client"),
            false,
            Some("https://issuer"),
        );
        assert!(change.is_none(), "{change:?}");
    }

    #[test]
    fn updates_send_only_what_changed_and_name_what_they_delete() {
        // A new secret alone: no client id, no pat, no issuer in the update.
        let p = plan(services(), true, true);
        let IntegrationChange::Update {
            update,
            destructive,
            fields,
            ..
        } = change(
            &p,
            Some(&saved(true, true)),
            Some("client"),
            true,
            Some("https://issuer"),
        )
        else {
            panic!("an update");
        };
        assert_eq!(update.oauth_client_id, None);
        assert_eq!(update.pat, None);
        assert_eq!(update.issuer_url, None);
        assert!(destructive.is_empty());
        assert_eq!(fields, ["client secret"]);

        // OAuth off: the empty client id, announced as destructive.
        let p = plan(services(), true, false);
        let IntegrationChange::Update {
            update,
            destructive,
            ..
        } = change(&p, Some(&saved(true, true)), None, false, None)
        else {
            panic!("an update");
        };
        assert_eq!(update.oauth_client_id.as_deref(), Some(""));
        assert_eq!(update.pat, None);
        assert_eq!(destructive.len(), 1);
        assert!(destructive[0].contains("OAuth sign-in"));

        // PAT off: pat false, announced.
        let p = plan(services(), false, true);
        let IntegrationChange::Update {
            update,
            destructive,
            ..
        } = change(
            &p,
            Some(&saved(true, true)),
            Some("client"),
            false,
            Some("https://issuer"),
        )
        else {
            panic!("an update");
        };
        assert_eq!(update.pat, Some(false));
        assert_eq!(update.oauth_client_id, None);
        assert!(destructive[0].contains("PAT"));

        // PAT on for an OAuth-only integration: not destructive.
        let p = plan(services(), true, true);
        let change = change(
            &p,
            Some(&saved(true, false)),
            Some("client"),
            false,
            Some("https://issuer"),
        );
        assert!(change.destructive().is_empty());
        assert_eq!(change.fields(), ["PAT turned on"]);
    }

    #[test]
    fn server_integrations_carry_the_virtual_directory_and_no_oauth() {
        let p = plan(
            Target::Server {
                host: "ado.example.com".into(),
                virtual_directory: "/tfs".into(),
            },
            true,
            false,
        );
        let IntegrationChange::Create(write) = change(&p, None, None, false, None) else {
            panic!("a create");
        };
        assert_eq!(write.scm_id, SCM_SERVER);
        assert_eq!(write.virtual_directory.as_deref(), Some("/tfs"));
        assert_eq!(write.oauth_client_id, None);
        assert_eq!(write.issuer_url, None);
        assert!(write.pat);
    }

    /// The sandbox's runner takes both issuer forms; a runner that takes only one is stubbed:
    /// setup retries with the other form, says so, and saves the one that validated.
    #[test]
    fn a_rejected_issuer_is_retried_in_the_other_form() {
        let validate = VALIDATE;
        let server = StubServer::start(runner_taking_the_other_issuer_form());
        let mut stub = Stubbed::new(&server);
        let fixture = SecretFixture::new(&server, &mut stub);
        let (gitpod, ado) = stub.clients();
        let setup_services = stub.services(&gitpod, &ado);
        let SecretFixture {
            issuer,
            choice,
            discovery,
            runner_key: secret_key,
            key,
        } = fixture;
        let mut checks = Vec::new();
        let p = plan(services(), true, true);
        let facts = SecretFacts {
            plan: &p,
            discovery: &discovery,
            issuer: &choice,
            key: &key,
            existing: None,
        };
        let used = prove_secret(
            &setup_services,
            &facts,
            "client",
            &Secret::new("the-secret"),
            Proof::Given,
            &mut checks,
        )
        .unwrap();
        assert_eq!(used, issuer.oidc_form());
        // Entra's check and the runner's first answer are asked at once: in either order.
        let validations: Vec<_> = server
            .finish()
            .into_iter()
            .filter(|r| r.path == validate)
            .collect();
        assert_eq!(validations.len(), 2);
        let first = validations[0].json();
        let second = validations[1].json();
        assert_eq!(first["scmIntegration"]["issuerUrl"], issuer.oauth2_form());
        assert_eq!(second["scmIntegration"]["issuerUrl"], issuer.oidc_form());
        // The same sealed secret both times, and it opens with the runner's key.
        let sealed = second["scmIntegration"]["oauthEncryptedClientSecret"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            first["scmIntegration"]["oauthEncryptedClientSecret"],
            sealed
        );
        let opened = secret_key
            .unseal(
                &base64::Engine::decode(&base64::engine::general_purpose::STANDARD, sealed)
                    .unwrap(),
            )
            .unwrap();
        assert_eq!(opened, b"the-secret");
        let text = stub.screen.text();
        assert!(
            text.contains(&format!(
                "the runner rejected the issuer URL {} (issuer URL does not match the token issuer); trying the other form {}",
                issuer.oauth2_form(),
                issuer.oidc_form()
            )),
            "{text}"
        );
        assert!(!text.contains("the-secret"));
        assert_eq!(checks.last().unwrap().name, "runner validation");
    }

    #[test]
    fn a_rejection_that_is_not_about_the_issuer_is_not_retried() {
        let method = "/gitpod.v1.RunnerConfigurationService/ValidateRunnerConfiguration";
        let server = StubServer::start(vec![Stub::post(method).json(json!({"scmIntegration": {
            "hostError": "host is required"}}))]);
        let stub = Stubbed::new(&server);
        let (gitpod, ado) = stub.clients();
        let setup_services = stub.services(&gitpod, &ado);
        let p = plan(services(), true, false);
        let result = validate(&setup_services, &p, None, None, None).unwrap();
        let mut checks = Vec::new();
        let err = expect_valid(&result, &mut checks).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert_eq!(
            err.message,
            "the runner rejects the configuration: host: host is required"
        );
        server.finish();
    }
}
