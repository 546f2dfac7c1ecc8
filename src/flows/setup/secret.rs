//! Step 5, the client secret: keep the saved one while it still validates, take the admin's
//! (`--client-secret-stdin`), or mint one (addPassword) and prove it before anything depends on
//! it: Entra client credentials (a new secret may be refused while it replicates), then the
//! runner's validation with the secret sealed to its key. With `--rotate-secret`, the old
//! secrets ado-scm made go once the integration uses the new one.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clients::entra;
use crate::clients::gitpod::ScmIntegration;
use crate::clients::graph::{Application, GraphClient, NewPassword};
use crate::error::{Error, Result};
use crate::issuer::Discovery;
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

/// Step 5 before any change: the admin's secret is proven now (reads only); a saved secret
/// that still validates is kept; else a new one is planned.
pub(super) fn look(
    s: &SetupServices<'_>,
    facts: &SecretFacts<'_>,
    oauth: &OauthPlan,
    app_plan: &AppPlan,
    checks: &mut Vec<Check>,
) -> Result<SecretLook> {
    let ui = s.ui;
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
        .map(|o| o.client_id.clone());
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
        let issuer_used = prove_secret(s, facts, &client_id, given, Proof::Given, checks)?;
        if issuer_used != issuer.saved {
            validated_issuer = Some(issuer_used);
        }
        SecretPlan::Given(given.clone())
    } else if let (true, false, Some(sealed)) =
        (same_app, oauth.rotate_secret, saved_sealed_secret(existing))
    {
        // The runner checks its own saved secret: sent back to it sealed, as it was saved (a
        // client id without a secret is not a configuration the runner can validate).
        let spinner = ui.spinner("Asking the runner to validate the saved configuration");
        let result = validate(
            s,
            plan,
            existing.map(|i| i.id.clone()),
            Some((current_client.clone().unwrap_or_default(), Some(sealed))),
            Some(issuer.saved.clone()),
        )?;
        drop(spinner);
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
        .map(|o| o.encrypted_client_secret.clone())
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

/// Step 5's change: mints the planned secret and proves it (a secret that fails is removed
/// again); a reused or given secret needs nothing more.
pub(super) fn apply(
    s: &SetupServices<'_>,
    facts: &SecretFacts<'_>,
    o: &OauthLook<'_>,
    app: Option<&Application>,
    client_id: &str,
    changes: &mut usize,
    checks: &mut Vec<Check>,
) -> Result<SecretApplied> {
    let ui = s.ui;
    let mut expires_at = o.secret_expiry;
    let mut issuer = o.issuer_to_save();
    let mut to_send = None;
    let mut minted_key_id = None;
    let outcome = match &o.secret {
        SecretPlan::Reuse => SecretOutcome::Reused,
        SecretPlan::Given(given) => {
            to_send = Some(given.clone());
            SecretOutcome::Reused
        }
        SecretPlan::Mint { replaces } => {
            let replaces = *replaces;
            let (Some(graph), Some(app)) = (o.graph.as_ref(), app) else {
                return Err(Error::service(
                    "no app registration to add a client secret to",
                ));
            };
            let spinner = ui.spinner("Adding a client secret to the app registration");
            let end =
                s.http.clock().now() + chrono::Duration::days(i64::from(o.secret_expiry_days));
            let name = secret_display_name(&facts.plan.runner.runner_id);
            let added = add_password_once(s, graph, app, &name, end)?;
            drop(spinner);
            *changes += 1;
            expires_at = added.end_date_time.or(Some(end));
            ui.ok(format!(
                "added the client secret \"{name}\" (key {}), valid until {}",
                added.key_id,
                expires_at.map(date).unwrap_or_default()
            ));
            minted_key_id = Some(added.key_id.clone());
            // Seal and test: prove it works before anything depends on it; take it back if
            // it does not.
            let new_app = o.app.is_create();
            let proof = Proof::New { new_app };
            match prove_secret(s, facts, client_id, &added.secret_text, proof, checks) {
                Ok(accepted) => issuer = accepted,
                Err(err) => {
                    remove_new_secret(s, graph, &app.id, &added.key_id);
                    return Err(err);
                }
            }
            to_send = Some(added.secret_text.clone());
            if replaces {
                SecretOutcome::Rotated
            } else {
                SecretOutcome::Created
            }
        }
    };
    Ok(SecretApplied {
        outcome,
        to_send,
        expires_at,
        issuer,
        minted_key_id,
    })
}

/// Where a secret to prove comes from: Entra may not know a new one (or a new app) yet.
#[derive(Debug, Clone, Copy)]
pub(super) enum Proof {
    /// The admin's own secret.
    Given,
    /// Minted in this run; `new_app`: its app too.
    New { new_app: bool },
}

/// The admin's secret (or a new one): client credentials with Entra, then sealed to the runner
/// and validated by it. Returns the issuer string the runner accepted.
pub(super) fn prove_secret(
    s: &SetupServices<'_>,
    facts: &SecretFacts<'_>,
    client_id: &str,
    secret: &Secret,
    proof: Proof,
    checks: &mut Vec<Check>,
) -> Result<String> {
    let ui = s.ui;
    let SecretFacts {
        plan,
        discovery,
        issuer,
        key,
        existing,
    } = *facts;
    let spinner = ui.spinner("Testing the client ID and secret with Entra ID (client credentials)");
    let tested = if let Proof::New { new_app } = proof {
        client_credentials_new(s, discovery, client_id, secret, new_app)
    } else {
        entra::client_credentials(
            s.http,
            &discovery.token_endpoint,
            client_id,
            secret,
            entra::ADO_DEFAULT_SCOPE,
        )
        .map(|_| ())
    };
    drop(spinner);
    tested?;
    ui.ok("Entra ID issues a token for Azure DevOps to the app with this secret");
    checks.push(check(
        "client credentials",
        true,
        "Entra ID issued a token for Azure DevOps (client credentials)",
    ));

    let sealed = seal::seal(key, secret)?;
    integration::validate_sealed(s, plan, issuer, client_id, sealed, existing, checks)
}

/// Client credentials with a secret Graph just made: Entra may refuse it (AADSTS7000215), or a
/// new app (AADSTS700016), until they have replicated. Retried with back-off for a bounded
/// time, saying why.
fn client_credentials_new(
    s: &SetupServices<'_>,
    discovery: &Discovery,
    client_id: &str,
    secret: &Secret,
    new_app: bool,
) -> Result<()> {
    entra::client_credentials_new_secret(
        s.http,
        &discovery.token_endpoint,
        client_id,
        secret,
        entra::ADO_DEFAULT_SCOPE,
        new_app,
        NEW_SECRET_RETRY,
        &mut |wait, code| {
            let what = if code == entra::AADSTS_APP_UNKNOWN {
                "the new app"
            } else {
                "the new secret"
            };
            s.ui.info(format!(
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
    s: &SetupServices<'_>,
    graph: &GraphClient<'_>,
    app: &Application,
    name: &str,
    end: DateTime<Utc>,
) -> Result<NewPassword> {
    let add = || retry_not_found(s, || graph.add_password(&app.id, name, end));
    match add() {
        Err(err) if err.outcome_unknown() => {
            let before: Vec<&str> = app
                .password_credentials
                .iter()
                .map(|p| p.key_id.as_str())
                .collect();
            let now = retry_not_found(s, || graph.application(&app.id))?;
            for stray in now.password_credentials.iter().filter(|p| {
                p.display_name.as_deref() == Some(name) && !before.contains(&p.key_id.as_str())
            }) {
                remove_password_once(s, graph, &app.id, &stray.key_id)?;
            }
            add()
        }
        other => other,
    }
}

/// Removes a client secret; after a lost answer, the app is read to see whether it is gone.
pub(super) fn remove_password_once(
    s: &SetupServices<'_>,
    graph: &GraphClient<'_>,
    app_object_id: &str,
    key_id: &str,
) -> Result<()> {
    match graph.remove_password(app_object_id, key_id) {
        Err(err) if err.outcome_unknown() || err.status() == Some(404) => {
            let app = retry_not_found(s, || graph.application(app_object_id))?;
            if app.password_credentials.iter().any(|p| p.key_id == key_id) {
                graph.remove_password(app_object_id, key_id)
            } else {
                Ok(())
            }
        }
        other => other,
    }
}

fn remove_new_secret(s: &SetupServices<'_>, graph: &GraphClient<'_>, app_id: &str, key_id: &str) {
    match remove_password_once(s, graph, app_id, key_id) {
        Ok(()) => s.ui.info(format!(
            "  Removed the new client secret {key_id} again, since it cannot be used."
        )),
        Err(err) => s.ui.warn(format!(
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
    s: &SetupServices<'_>,
    o: &OauthLook<'_>,
    app: Option<&Application>,
    outcome: SecretOutcome,
    changes: &mut usize,
) -> Result<Vec<String>> {
    let minted = matches!(outcome, SecretOutcome::Rotated | SecretOutcome::Created);
    let (true, Some(app), Some(graph)) = (minted, app, o.graph.as_ref()) else {
        return Ok(Vec::new());
    };
    let ui = s.ui;
    let mut removed = Vec::new();
    for key_id in &o.our_old_secrets {
        if Some(key_id) == o.minted_key_id.as_ref() {
            continue;
        }
        let spinner = ui.spinner("Removing the old client secret");
        remove_password_once(s, graph, &app.id, key_id)?;
        drop(spinner);
        *changes += 1;
        ui.ok(format!(
            "removed the old client secret {key_id} that ado-scm had created"
        ));
        removed.push(key_id.clone());
    }
    Ok(removed)
}
