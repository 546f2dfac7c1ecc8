//! Step 5, the client secret: keep the saved one while it still validates, take the admin's
//! (`--client-secret-stdin`), or mint one (addPassword) and prove it before anything depends on
//! it: Entra client credentials (a new secret may be refused while it replicates), then the
//! runner's validation with the secret sealed to its key. With `--rotate-secret`, the old
//! secrets ado-scm made go once the integration uses the new one.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clients::entra;
use crate::clients::entra::issuer::Discovery;
use crate::clients::gitpod::{ScmIntegration, ValidationResult};
use crate::clients::graph::{Application, GraphClient, NewPassword};
use crate::error::{Error, Result};
use crate::parallel;
use crate::seal::{self, RunnerPublicKey};
use crate::secret::Secret;

use super::app_registration::{retry_not_found, AppPlan};
use super::integration::{self, validate};
use super::summary::{check, date, Check, SecretOutcome};
use super::tenant::IssuerChoice;
use super::{OauthLook, OauthPlan, SetupPlan, SetupServices};

/// The display name of the client secrets ado-scm creates: how `--rotate-secret` recognises
/// the ones it may remove (and `ado-scm doctor` the one whose expiry it checks).
pub fn secret_display_name(runner_id: &str) -> String {
    format!("ado-scm {runner_id}")
}

/// How long a new client secret may be refused (AADSTS7000215) while it replicates, and how
/// many times it is tried in that window.
const NEW_SECRET_RETRY: entra::ReplicationRetry = entra::ReplicationRetry {
    window: Duration::from_secs(120),
    attempts: 8,
};

/// What to do about the client secret.
#[derive(Debug)]
pub(super) enum SecretPlan {
    /// The saved secret validates.
    Reuse,
    /// The admin's secret (checked already).
    Given(Secret),
    /// A new secret; `replaces`: the integration had one (rotation).
    Mint { replaces: bool },
}

impl SecretPlan {
    pub(super) fn sends_secret(&self) -> bool {
        !matches!(self, SecretPlan::Reuse)
    }
}

/// What each secret step proves a secret against, the same all run: one argument, not five.
pub(super) struct SecretFacts<'a> {
    pub plan: &'a SetupPlan,
    pub discovery: &'a Discovery,
    pub issuer: &'a IssuerChoice,
    /// The runner's key the secret is sealed to.
    pub key: &'a RunnerPublicKey,
    /// The runner's saved integration, if it has one.
    pub existing: Option<&'a ScmIntegration>,
}

/// What step 5 found, and what it would do.
pub(super) struct SecretLook {
    pub plan: SecretPlan,
    /// Set when the runner accepted the admin's secret only with the other issuer form.
    pub validated_issuer: Option<String>,
    /// The expiry of the secret in use, when known.
    pub expiry: Option<DateTime<Utc>>,
    /// Key ids of the secrets ado-scm made for this runner before (rotation removes them).
    pub our_old_secrets: Vec<String>,
}

/// The runner's validation of its saved configuration, asked ahead (with the reads that do not
/// wait on it): valid only for the client id and issuer it was asked with.
pub(super) struct SavedValidation {
    pub client_id: String,
    pub issuer: String,
    pub result: Result<ValidationResult>,
}

/// Asks the runner to validate the saved configuration as it is: the saved client id, the
/// issuer to save, the saved sealed secret. `None` when the integration holds no OAuth
/// configuration with a sealed secret (nothing to validate).
pub(super) fn validate_saved(
    services: &SetupServices<'_>,
    plan: &SetupPlan,
    existing: Option<&ScmIntegration>,
    issuer: &str,
) -> Option<SavedValidation> {
    let sealed = saved_sealed_secret(existing)?;
    let client_id = existing?.oauth.as_ref()?.client_id.clone();
    let result = validate(
        services,
        plan,
        existing.map(|i| i.id.clone()),
        Some((client_id.clone(), Some(sealed))),
        Some(issuer.to_string()),
    );
    Some(SavedValidation {
        client_id,
        issuer: issuer.to_string(),
        result,
    })
}

/// Step 5 before any change: the admin's secret is proven now (reads only); a saved secret
/// that still validates is kept (`asked`: the runner's answer when it was asked ahead, used if
/// it was asked about this client id and issuer); else a new one is planned.
pub(super) fn look(
    services: &SetupServices<'_>,
    facts: &SecretFacts<'_>,
    oauth: &OauthPlan,
    app_plan: &AppPlan,
    asked: Option<SavedValidation>,
    checks: &mut Vec<Check>,
) -> Result<SecretLook> {
    let ui = services.ui;
    let SecretFacts {
        plan,
        issuer,
        existing,
        ..
    } = *facts;
    let ours = secret_display_name(&plan.runner.runner_id);
    let our_old_secrets: Vec<String> = match app_plan {
        AppPlan::Existing { app, .. } => app
            .password_credentials
            .iter()
            .filter(|p| p.display_name.as_deref() == Some(ours.as_str()))
            .map(|p| p.key_id.clone())
            .collect(),
        _ => Vec::new(),
    };
    let saved_client = existing
        .and_then(|i| i.oauth.as_ref())
        .map(|saved| saved.client_id.clone());
    let current_client = match app_plan {
        AppPlan::Existing { app, .. } => Some(app.app_id.clone()),
        AppPlan::Unchecked(id) => Some(id.clone()),
        AppPlan::Create(_) => None,
    };
    let same_app = saved_client.is_some() && saved_client == current_client;
    let mut validated_issuer = None;
    let secret = if let Some(given) = &oauth.client_secret {
        // The admin's secret: check it now (reads only), before anything is changed.
        let client_id = current_client.clone().unwrap_or_default();
        let issuer_used = prove_secret(services, facts, &client_id, given, Proof::Given, checks)?;
        if issuer_used != issuer.saved {
            validated_issuer = Some(issuer_used);
        }
        SecretPlan::Given(given.clone())
    } else if let (true, false, true) = (
        same_app,
        oauth.rotate_secret,
        saved_sealed_secret(existing).is_some(),
    ) {
        // The runner checks its own saved secret: sent back to it sealed, as it was saved (a
        // client id without a secret is not a configuration the runner can validate).
        let current = current_client.clone().unwrap_or_default();
        let answer = match asked {
            Some(a) if a.client_id == current && a.issuer == issuer.saved => Some(a),
            _ => ui.waiting(
                "Asking the runner to validate the saved configuration",
                || validate_saved(services, plan, existing, &issuer.saved),
            ),
        };
        let Some(SavedValidation { result, .. }) = answer else {
            return Err(Error::service(
                "the runner's saved configuration has no sealed secret",
            ));
        };
        let result = result?;
        if result.valid {
            ui.ok("the saved client secret still validates: no new secret is needed");
            checks.push(check(
                "runner validation",
                true,
                "the runner validates the saved configuration (its saved secret, checked with \
                 Entra ID by the runner)",
            ));
            SecretPlan::Reuse
        } else {
            ui.warn(format!(
                "the saved configuration does not validate ({}): a new client secret will be created",
                result.reasons()
            ));
            SecretPlan::Mint { replaces: true }
        }
    } else {
        if oauth.rotate_secret && same_app {
            ui.info("  --rotate-secret: a new client secret will replace the saved one.");
        } else if same_app {
            ui.info(
                "  The runner's saved configuration holds no sealed secret to check: a new \
                 client secret will be created.",
            );
        } else {
            ui.info(format!(
                "  A new client secret \"{ours}\" will be created, valid {} days.",
                oauth.secret_expiry_days
            ));
        }
        SecretPlan::Mint { replaces: same_app }
    };
    let expiry = match (app_plan, &secret) {
        (AppPlan::Existing { app, .. }, SecretPlan::Reuse) => app
            .password_credentials
            .iter()
            .filter(|p| p.display_name.as_deref() == Some(ours.as_str()))
            .filter_map(|p| p.end_date_time)
            .max()
            .or_else(|| single_expiry(app)),
        (AppPlan::Existing { app, .. }, SecretPlan::Given(given)) => {
            let hint: String = given.expose().chars().take(3).collect();
            let matching: Vec<_> = app
                .password_credentials
                .iter()
                .filter(|p| p.hint.as_deref() == Some(hint.as_str()))
                .collect();
            if matching.len() == 1 {
                matching[0].end_date_time
            } else {
                None
            }
        }
        _ => None,
    };
    Ok(SecretLook {
        plan: secret,
        validated_issuer,
        expiry,
        our_old_secrets,
    })
}

/// The sealed client secret the runner saved with the integration (standard base64, as
/// ListSCMIntegrations returns it), if any.
fn saved_sealed_secret(existing: Option<&ScmIntegration>) -> Option<String> {
    existing
        .and_then(|i| i.oauth.as_ref())
        .map(|saved| saved.encrypted_client_secret.clone())
        .filter(|sealed| !sealed.is_empty())
}

fn single_expiry(app: &Application) -> Option<DateTime<Utc>> {
    match app.password_credentials.as_slice() {
        [only] => only.end_date_time,
        _ => None,
    }
}

/// What step 5 did.
pub(super) struct SecretApplied {
    pub outcome: SecretOutcome,
    /// The secret to send with the integration (new, or the admin's); `None`: the saved one
    /// stays.
    pub to_send: Option<Secret>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The issuer string the runner accepted.
    pub issuer: String,
    /// The key id of the secret minted in this run.
    pub minted_key_id: Option<String>,
}

/// A client secret minted in this run, until the integration holds it. Dropped any other way
/// (an error, Ctrl-C, a panic unwinding), it is removed from the app again: no run leaves an
/// unused secret of ours behind.
pub(super) struct MintedSecret<'s, 'a> {
    services: &'s SetupServices<'a>,
    graph: GraphClient<'a>,
    app_object_id: String,
    pub password: NewPassword,
    /// When Graph says it ends (or when it was asked to end).
    pub expires_at: DateTime<Utc>,
    kept: bool,
}

impl MintedSecret<'_, '_> {
    /// The integration holds it now: it stays.
    pub(super) fn keep(mut self) {
        self.kept = true;
    }
}

impl Drop for MintedSecret<'_, '_> {
    fn drop(&mut self) {
        if !self.kept {
            remove_new_secret(
                self.services,
                &self.graph,
                &self.app_object_id,
                &self.password.key_id,
            );
        }
    }
}

/// Step 5's first change: mints the planned secret (`None` when none is planned).
pub(super) fn mint<'s, 'a>(
    services: &'s SetupServices<'a>,
    look: &OauthLook<'a>,
    app: Option<&Application>,
    runner_id: &str,
) -> Result<Option<MintedSecret<'s, 'a>>> {
    if !matches!(look.secret, SecretPlan::Mint { .. }) {
        return Ok(None);
    }
    let (Some(graph), Some(app)) = (look.graph.as_ref(), app) else {
        return Err(Error::service(
            "no app registration to add a client secret to",
        ));
    };
    let end = crate::clock::later(
        services.http.clock().now(),
        std::time::Duration::from_secs(u64::from(look.secret_expiry_days) * 24 * 3600),
    );
    let name = secret_display_name(runner_id);
    let added = services
        .ui
        .waiting("Adding a client secret to the app registration", || {
            add_password_once(services, graph, app, &name, end)
        })?;
    let expires_at = added.end_date_time.unwrap_or(end);
    services.ui.ok(format!(
        "added the client secret \"{name}\" (key {}), valid until {}",
        added.key_id,
        date(expires_at)
    ));
    Ok(Some(MintedSecret {
        services,
        graph: graph.clone(),
        app_object_id: app.id.clone(),
        password: added,
        expires_at,
        kept: false,
    }))
}

/// Step 5's proof: a minted secret is tested with Entra ID and validated by the runner before
/// anything depends on it (if it fails, the caller drops it, which removes it); a reused or
/// given secret needs nothing more.
pub(super) fn apply(
    services: &SetupServices<'_>,
    facts: &SecretFacts<'_>,
    look: &OauthLook<'_>,
    minted: Option<&MintedSecret<'_, '_>>,
    client_id: &str,
    cancel: &AtomicBool,
    checks: &mut Vec<Check>,
) -> Result<SecretApplied> {
    let applied = |outcome, to_send, expires_at, issuer, minted_key_id| SecretApplied {
        outcome,
        to_send,
        expires_at,
        issuer,
        minted_key_id,
    };
    match (&look.secret, minted) {
        (SecretPlan::Reuse, _) => Ok(applied(
            SecretOutcome::Reused,
            None,
            look.secret_expiry,
            look.issuer_to_save(),
            None,
        )),
        (SecretPlan::Given(given), _) => Ok(applied(
            SecretOutcome::Reused,
            Some(given.clone()),
            look.secret_expiry,
            look.issuer_to_save(),
            None,
        )),
        (SecretPlan::Mint { replaces }, Some(minted)) => {
            let proof = Proof::New {
                new_app: look.app.is_create(),
                cancel,
            };
            let secret = &minted.password.secret_text;
            let issuer = prove_secret(services, facts, client_id, secret, proof, checks)?;
            let outcome = if *replaces {
                SecretOutcome::Rotated
            } else {
                SecretOutcome::Created
            };
            Ok(applied(
                outcome,
                Some(secret.clone()),
                Some(minted.expires_at),
                issuer,
                Some(minted.password.key_id.clone()),
            ))
        }
        (SecretPlan::Mint { .. }, None) => Err(Error::service("no client secret was minted")),
    }
}

/// Where a secret to prove comes from: Entra may not know a new one (or a new app) yet, and
/// waits for it end on `cancel` (Ctrl-C).
#[derive(Debug, Clone, Copy)]
pub(super) enum Proof<'c> {
    /// The admin's own secret.
    Given,
    /// Minted in this run; `new_app`: its app too.
    New {
        new_app: bool,
        cancel: &'c AtomicBool,
    },
}

/// The admin's secret (or a new one): client credentials with Entra, and sealed to the runner
/// and validated by it. Returns the issuer string the runner accepted.
///
/// The two questions do not wait on each other: asked at once. The runner's answer counts
/// only when it accepts; otherwise the runner is asked again once Entra ID has accepted the
/// secret (a new secret may not have reached Entra when the runner tried it), trying the other
/// issuer form if it rejects the issuer.
pub(super) fn prove_secret(
    services: &SetupServices<'_>,
    facts: &SecretFacts<'_>,
    client_id: &str,
    secret: &Secret,
    proof: Proof<'_>,
    checks: &mut Vec<Check>,
) -> Result<String> {
    let ui = services.ui;
    let SecretFacts {
        plan,
        discovery,
        issuer,
        key,
        existing,
    } = *facts;
    let sealed = seal::seal(key, secret)?;
    let (tested, first) = ui.waiting(
        "Testing the client ID and secret with Entra ID and the runner",
        || {
            parallel::join(
                || match proof {
                    Proof::New { new_app, cancel } => client_credentials_new(
                        services, discovery, client_id, secret, new_app, cancel,
                    ),
                    Proof::Given => entra::client_credentials(
                        services.http,
                        &discovery.token_endpoint,
                        client_id,
                        secret,
                        entra::ADO_DEFAULT_SCOPE,
                    )
                    .map(|_| ()),
                },
                || {
                    integration::validate(
                        services,
                        plan,
                        existing.map(|i| i.id.clone()),
                        Some((client_id.to_string(), Some(sealed.clone()))),
                        Some(issuer.saved.clone()),
                    )
                },
            )
        },
    );
    tested?;
    ui.ok("Entra ID issues a token for Azure DevOps to the app with this secret");
    checks.push(check(
        "client credentials",
        true,
        "Entra ID issued a token for Azure DevOps (client credentials)",
    ));
    integration::validate_sealed(
        services,
        plan,
        issuer,
        client_id,
        sealed,
        existing,
        first.ok(),
        checks,
    )
}

/// Client credentials with a secret Graph just made: Entra may refuse it (AADSTS7000215), or a
/// new app (AADSTS700016), until they have replicated. Retried with back-off for a bounded
/// time, saying why.
fn client_credentials_new(
    services: &SetupServices<'_>,
    discovery: &Discovery,
    client_id: &str,
    secret: &Secret,
    new_app: bool,
    cancel: &AtomicBool,
) -> Result<()> {
    entra::client_credentials_new_secret(
        services.http,
        &discovery.token_endpoint,
        client_id,
        secret,
        entra::ADO_DEFAULT_SCOPE,
        new_app,
        NEW_SECRET_RETRY,
        cancel,
        &mut |wait, code| {
            let what = if code == entra::AADSTS_APP_UNKNOWN {
                "the new app"
            } else {
                "the new secret"
            };
            services.ui.info(format!(
                "  Entra ID does not know {what} yet (AADSTS{code}): a new object takes a \
                 moment to reach every Entra ID server. Trying again in {} s…",
                wait.as_secs()
            ))
        },
    )
    .map(|_| ())
    .map_err(|err| {
        if entra::is_not_replicated(&err, new_app) {
            err.with_hint(
                "the new app or client secret was still refused after waiting; Entra ID may \
                 be slow to replicate: run `ado-scm setup` again in a few minutes",
            )
        } else {
            err
        }
    })
}

/// Adds the client secret. A lost answer (a timeout, a 5xx) may hide a secret that was made but
/// whose text never arrived: the app is read back, such a secret (ours by name, not there
/// before) is removed, and one more is asked for. So a run never leaves a stray secret.
fn add_password_once(
    services: &SetupServices<'_>,
    graph: &GraphClient<'_>,
    app: &Application,
    name: &str,
    end: DateTime<Utc>,
) -> Result<NewPassword> {
    let add = || retry_not_found(services, || graph.add_password(&app.id, name, end));
    match add() {
        Err(err) if err.outcome_unknown() => {
            let before: Vec<&str> = app
                .password_credentials
                .iter()
                .map(|p| p.key_id.as_str())
                .collect();
            let now = retry_not_found(services, || graph.application(&app.id))?;
            for stray in now.password_credentials.iter().filter(|p| {
                p.display_name.as_deref() == Some(name) && !before.contains(&p.key_id.as_str())
            }) {
                remove_password_once(services, graph, &app.id, &stray.key_id)?;
            }
            add()
        }
        other => other,
    }
}

/// Removes a client secret; after a lost answer, the app is read to see whether it is gone.
pub(super) fn remove_password_once(
    services: &SetupServices<'_>,
    graph: &GraphClient<'_>,
    app_object_id: &str,
    key_id: &str,
) -> Result<()> {
    match graph.remove_password(app_object_id, key_id) {
        Err(err) if err.outcome_unknown() || err.status() == Some(404) => {
            let app = retry_not_found(services, || graph.application(app_object_id))?;
            if app.password_credentials.iter().any(|p| p.key_id == key_id) {
                graph.remove_password(app_object_id, key_id)
            } else {
                Ok(())
            }
        }
        other => other,
    }
}

fn remove_new_secret(
    services: &SetupServices<'_>,
    graph: &GraphClient<'_>,
    app_id: &str,
    key_id: &str,
) {
    match remove_password_once(services, graph, app_id, key_id) {
        Ok(()) => services.ui.info(format!(
            "  Removed the new client secret {key_id} again, since it cannot be used."
        )),
        Err(err) => services.ui.warn(format!(
            "could not remove the unused new client secret {key_id} ({}); remove it in the Entra \
             admin center",
            err.message
        )),
    }
}

/// Once the integration holds a secret minted in this run: removes the secrets ado-scm made
/// for this runner before (the one the runner used, rotated out, or a stray of an interrupted
/// run), never the one just made nor any other secret of the app. Returns their key ids (none
/// when no secret was minted).
pub(super) fn remove_replaced(
    services: &SetupServices<'_>,
    look: &OauthLook<'_>,
    app: Option<&Application>,
    outcome: SecretOutcome,
    changes: &mut usize,
) -> Result<Vec<String>> {
    let minted = matches!(outcome, SecretOutcome::Rotated | SecretOutcome::Created);
    let (true, Some(app), Some(graph)) = (minted, app, look.graph.as_ref()) else {
        return Ok(Vec::new());
    };
    let ui = services.ui;
    let mut removed = Vec::new();
    for key_id in &look.our_old_secrets {
        if Some(key_id) == look.minted_key_id.as_ref() {
            continue;
        }
        ui.waiting("Removing the old client secret", || {
            remove_password_once(services, graph, &app.id, key_id)
        })?;
        *changes += 1;
        ui.ok(format!(
            "removed the old client secret {key_id} that ado-scm had created"
        ));
        removed.push(key_id.clone());
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::clients::gitpod::ScmOauth;
    use crate::clients::test_server::{Stub, StubServer};
    use crate::flows::setup::test_support::{
        plan, runner_taking_the_other_issuer_form, services, SecretFixture, Stubbed, VALIDATE,
    };

    fn minted<'s, 'a>(
        services: &'s SetupServices<'a>,
        graph: &GraphClient<'a>,
    ) -> MintedSecret<'s, 'a> {
        MintedSecret {
            services,
            graph: graph.clone(),
            app_object_id: "obj".into(),
            password: NewPassword {
                key_id: "key-new".into(),
                secret_text: Secret::new("new-secret-text"),
                hint: None,
                display_name: Some("ado-scm r1".into()),
                start_date_time: None,
                end_date_time: None,
            },
            expires_at: Utc::now(),
            kept: false,
        }
    }

    #[test]
    fn a_minted_secret_not_kept_is_removed_however_the_run_ends() {
        let remove = "/v1.0/applications/obj/removePassword";
        // Dropped (an error), then unwound by a panic: removed each time; kept: left alone.
        let server = StubServer::start(vec![
            Stub::post(remove).status(204),
            Stub::post(remove).status(204),
        ]);
        let stub = Stubbed::new(&server);
        let (gitpod, ado) = stub.clients();
        let services = stub.services(&gitpod, &ado);
        let graph = GraphClient::new(&stub.http, stub.base.clone(), Secret::new("graph-token"));

        drop(minted(&services, &graph));
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _guard = minted(&services, &graph);
            panic!("a step panicked");
        }));
        assert!(unwound.is_err());
        minted(&services, &graph).keep();

        let requests = server.finish();
        assert_eq!(requests.len(), 2);
        for r in &requests {
            assert_eq!(r.json(), json!({"keyId": "key-new"}));
        }
        assert!(stub
            .screen
            .text()
            .contains("Removed the new client secret key-new again"));
    }

    /// `look` for the app `client` (its id given, not read through Graph) with the plan's
    /// OAuth answers.
    fn look_for_client(
        services: &SetupServices<'_>,
        fixture: &SecretFixture,
        plan: &SetupPlan,
        existing: Option<&ScmIntegration>,
        asked: Option<SavedValidation>,
    ) -> SecretLook {
        let facts = SecretFacts {
            plan,
            discovery: &fixture.discovery,
            issuer: &fixture.choice,
            key: &fixture.key,
            existing,
        };
        let oauth = plan.oauth.as_ref().unwrap();
        let client = AppPlan::Unchecked("client".into());
        look(services, &facts, oauth, &client, asked, &mut Vec::new()).unwrap()
    }

    /// The runner's OAuth integration of the app `client`: its sealed secret and issuer.
    fn saved_oauth(encrypted_client_secret: String, issuer: String) -> ScmIntegration {
        ScmIntegration {
            id: "i1".into(),
            runner_id: "r1".into(),
            scm_id: crate::flows::setup::SCM_SERVICES.into(),
            host: "dev.azure.com".into(),
            oauth: Some(ScmOauth {
                client_id: "client".into(),
                encrypted_client_secret,
                issuer_url: Some(issuer),
            }),
            pat: false,
            virtual_directory: None,
        }
    }

    /// The admin's secret, proven with a runner that takes only the other issuer form: the
    /// integration is to be saved with the form the runner accepted.
    #[test]
    fn a_given_secret_keeps_the_issuer_form_the_runner_accepted() {
        let server = StubServer::start(runner_taking_the_other_issuer_form());
        let mut stub = Stubbed::new(&server);
        let fixture = SecretFixture::new(&server, &mut stub);
        let (gitpod, ado) = stub.clients();
        let setup_services = stub.services(&gitpod, &ado);
        let mut p = plan(services(), false, true);
        let oauth = p.oauth.as_mut().unwrap();
        oauth.client_id = Some("client".into());
        oauth.client_secret = Some(Secret::new("the-secret"));
        let found = look_for_client(&setup_services, &fixture, &p, None, None);
        assert!(matches!(found.plan, SecretPlan::Given(_)));
        assert_eq!(fixture.choice.saved, fixture.issuer.oauth2_form());
        assert_eq!(found.validated_issuer, Some(fixture.issuer.oidc_form()));
        server.finish();
    }

    /// The runner's answer asked ahead counts only for the client id and issuer it was asked
    /// with: asked about another issuer, the runner is asked again about this one.
    #[test]
    fn a_validation_asked_for_another_issuer_is_asked_again() {
        let server = StubServer::start(vec![Stub::post(VALIDATE).json(json!({
            "scmIntegration": {"oauthError": "invalid client secret"}}))]);
        let mut stub = Stubbed::new(&server);
        let fixture = SecretFixture::new(&server, &mut stub);
        let (gitpod, ado) = stub.clients();
        let setup_services = stub.services(&gitpod, &ado);
        let p = plan(services(), false, true);
        let saved = saved_oauth("c2VhbGVk".into(), fixture.issuer.oidc_form());
        let asked_elsewhere = SavedValidation {
            client_id: "client".into(),
            issuer: fixture.issuer.oidc_form(),
            result: Ok(ValidationResult {
                valid: true,
                ..ValidationResult::default()
            }),
        };
        let found = look_for_client(
            &setup_services,
            &fixture,
            &p,
            Some(&saved),
            Some(asked_elsewhere),
        );
        assert!(matches!(found.plan, SecretPlan::Mint { replaces: true }));
        let asked = server.finish();
        assert_eq!(asked.len(), 1);
        assert_eq!(
            asked[0].json()["scmIntegration"]["issuerUrl"],
            fixture.choice.saved
        );
    }

    /// A saved configuration of the same app without a sealed secret: a new secret replaces
    /// it, and the screen says why (not that a rotation was asked for).
    #[test]
    fn a_saved_configuration_without_a_sealed_secret_gets_a_new_one_and_says_why() {
        let server = StubServer::start(Vec::new());
        let mut stub = Stubbed::new(&server);
        let fixture = SecretFixture::new(&server, &mut stub);
        let (gitpod, ado) = stub.clients();
        let setup_services = stub.services(&gitpod, &ado);
        let p = plan(services(), false, true);
        let saved = saved_oauth(String::new(), fixture.choice.saved.clone());
        let found = look_for_client(&setup_services, &fixture, &p, Some(&saved), None);
        assert!(matches!(found.plan, SecretPlan::Mint { replaces: true }));
        let text = stub.screen.text();
        assert!(
            text.contains("The runner's saved configuration holds no sealed secret to check"),
            "{text}"
        );
        assert!(!text.contains("--rotate-secret"), "{text}");
        assert!(server.finish().is_empty(), "nothing asked of the runner");
    }
}
