//! `ado-scm setup` once every answer is known: the wizard's steps, in the order the admin sees
//! them (issue 4). The command (`commands::setup`) turns flags and prompts into a [`SetupPlan`];
//! this module does the work against the clients and reports progress through the [`Ui`].
//!
//! It runs in two phases, so that nothing is changed before everything that can be checked has
//! been checked:
//! 1. **Look** (reads only): the runner (public key, configuration schema, OAuth callback URL),
//!    its saved integration, the Azure DevOps organization's Entra tenant, the issuer's discovery
//!    document, the app registration and its drift, the service principals, the consent grants,
//!    and whether the saved client secret still validates. What would change is gathered into a
//!    list and shown; `--dry-run` prints every request it would send and stops there.
//! 2. **Change**, after [`Interaction::confirm`]: create or repair the app, its service
//!    principal and grants, mint a client secret when one is needed (and prove it works: Entra
//!    client credentials, then the runner's ValidateRunnerConfiguration with the secret sealed to
//!    the runner's key), save the integration (update the match or create), and with
//!    `--rotate-secret` remove the old secret ado-scm made.
//!
//! This file is the order of the steps; each step's work is in its own module: `runner`,
//! `tenant`, `app_registration`, `secret`, `integration`, and `dry_run` for the plan
//! on screen; `summary` is what a run reports.
//!
//! What must never happen:
//! - a secret in a message, a log line, the plan or the summary (secrets are [`Secret`]s; the
//!   dry-run bodies say `<redacted>`);
//! - an empty `oauthClientId` or `pat: false` sent to UpdateSCMIntegration unless the admin
//!   turned that method off and confirmed (they delete developers' sign-ins);
//! - removing a client secret ado-scm did not create (ours are named `ado-scm <runner-id>`);
//! - a second app, secret, service principal or integration on a re-run with the same answers.

mod app_registration;
mod dry_run;
mod integration;
mod plan;
mod runner;
mod secret;
mod summary;
mod tenant;
#[cfg(test)]
mod test_support;

use chrono::{DateTime, Utc};
use url::Url;

use crate::clients::ado::AdoClient;
use crate::clients::gitpod::{GitpodClient, ScmIntegration};
use crate::clients::graph::{Application, GraphClient, ServicePrincipal};
use crate::error::{Error, ErrorKind, Result};
use crate::http::Http;
use crate::issuer::Discovery;
use crate::secret::Secret;
use crate::ui::Ui;

use app_registration::{AppPlan, GrantPlan};
use runner::RunnerChecked;
use secret::{SecretFacts, SecretPlan};
use tenant::IssuerChoice;

pub use app_registration::required_permissions;
pub use plan::{default_app_name, OauthPlan, SetupPlan, Target, SCM_SERVER, SCM_SERVICES};
pub use runner::runner_key;
pub use secret::secret_display_name;
pub use summary::{
    date, methods, Check, IntegrationOutcome, OauthSummary, SecretOutcome, SetupReport, Summary,
};

/// The services and the screen.
pub struct SetupServices<'a> {
    pub http: &'a Http,
    pub ui: &'a Ui,
    pub gitpod: &'a GitpodClient<'a>,
    /// For the dry-run's request lines.
    pub gitpod_url: &'a Url,
    pub ado: &'a AdoClient<'a>,
    /// `--authority-url`: where issuers are built.
    pub authority: &'a Url,
    pub graph_url: &'a Url,
}

/// What the flow needs from the person (or the flags) at the points it cannot decide alone.
pub trait Interaction {
    /// The admin's Microsoft Graph token for the tenant. With `optional` (the admin gave the
    /// app's client id and secret), `Ok(None)` lets the flow go on without Graph.
    fn graph_token(&mut self, discovery: &Discovery, optional: bool) -> Result<Option<Secret>>;
    /// The plan has been shown: may it be carried out? `destructive` lists what would be
    /// deleted on the runner (developers' sign-ins); a run that may not ask must refuse those
    /// unless told `--yes`.
    fn confirm(&mut self, destructive: &[String]) -> Result<bool>;
}

/// Runs the wizard's steps (see the module doc).
pub fn run(
    plan: &SetupPlan,
    s: &SetupServices<'_>,
    ask: &mut dyn Interaction,
) -> Result<SetupReport> {
    let ui = s.ui;
    let mut checks = Vec::new();

    // ---- Phase 1: look.
    // 1. Runner: its key, its schema, its saved integration.
    ui.info(format!(
        "\n1. Runner {} ({})",
        plan.runner.name, plan.runner.runner_id
    ));
    let runner = runner::check_key_and_schema(plan, s, &mut checks)?;
    let existing = integration::find_saved(plan, s)?;

    // 2. Azure DevOps and 3. the sign-in methods; for OAuth, 2. the tenant, 6. the issuer,
    // 4. the app registration, 5. the client secret.
    ui.info(format!("\n2. Azure DevOps: {}", plan.target.describe()));
    ui.info(format!(
        "   Sign-in methods: {}",
        methods(plan.oauth.is_some(), plan.pat)
    ));
    let mut oauth = match &plan.oauth {
        Some(answers) => Some(look_oauth(
            plan,
            answers,
            s,
            ask,
            &runner,
            existing.as_ref(),
            &mut checks,
        )?),
        None => None,
    };
    if plan.oauth.is_none() {
        integration::validate_pat_only(s, plan, existing.as_ref(), &mut checks)?;
    }

    // The plan: what changes.
    let change = integration::change(
        plan,
        existing.as_ref(),
        oauth.as_ref().and_then(OauthLook::client_id),
        oauth.as_ref().is_some_and(|o| o.secret.sends_secret()),
        oauth.as_ref().map(OauthLook::issuer_to_save).as_deref(),
    );
    dry_run::show_plan(ui, plan, oauth.as_ref(), &change);
    if plan.dry_run {
        let report = dry_run::report(plan, s, oauth.as_ref(), existing.as_ref(), &change, checks);
        return Ok(report);
    }
    let has_changes = oauth.as_ref().is_some_and(OauthLook::has_changes) || !change.is_none();
    if has_changes && !ask.confirm(&change.destructive())? {
        return Err(Error::new(
            ErrorKind::Interrupted,
            "setup cancelled at the confirmation: nothing was changed",
        ));
    }

    // ---- Phase 2: change.
    if has_changes {
        ui.info("\nMaking the changes:");
    }
    let mut changes = 0usize;
    let applied = match oauth.as_mut() {
        Some(o) => Some(apply_oauth(
            plan,
            s,
            o,
            &runner,
            existing.as_ref(),
            &mut changes,
            &mut checks,
        )?),
        None => None,
    };

    // 8. Save.
    let change = integration::change(
        plan,
        existing.as_ref(),
        applied
            .as_ref()
            .and_then(|a| a.summary.client_id.as_deref()),
        applied.as_ref().is_some_and(|a| a.secret.is_some()),
        applied.as_ref().map(|a| a.summary.issuer_url.as_str()),
    );
    let secret = applied.as_ref().and_then(|a| a.secret.as_ref());
    let (id, outcome) = integration::save(s, &change, secret)?;
    if outcome != IntegrationOutcome::Unchanged {
        changes += 1;
    }

    // A new secret is in use: the old secrets ado-scm made for this runner go only now.
    let removed = match (&oauth, &applied) {
        (Some(o), Some(done)) => {
            let app = done.app.as_ref();
            secret::remove_replaced(s, o, app, done.summary.secret, &mut changes)?
        }
        _ => Vec::new(),
    };

    let app_name = applied
        .as_ref()
        .and_then(|a| a.app.as_ref())
        .map(|a| a.display_name.clone());
    let summary = Summary {
        runner_id: plan.runner.runner_id.clone(),
        scm_id: plan.target.scm_id().to_string(),
        host: plan.target.host().to_string(),
        integration_id: Some(id),
        integration: outcome,
        oauth: applied.map(|a| a.summary),
        pat: plan.pat,
        checks,
        dry_run: false,
    };
    let mut report = SetupReport::new(summary, plan, oauth.as_ref(), app_name, removed, changes);
    report.integration_fields = change.fields();
    Ok(report)
}

/// What phase 1 found for OAuth, and what phase 2 would change.
struct OauthLook<'a> {
    discovery: Discovery,
    issuer: IssuerChoice,
    /// Set when the runner accepted only the other issuer form.
    validated_issuer: Option<String>,
    graph: Option<GraphClient<'a>>,
    app: AppPlan,
    /// Our app's service principal: `None` = to be created (or unchecked without Graph).
    sp: Option<ServicePrincipal>,
    grants: Vec<GrantPlan>,
    secret: SecretPlan,
    secret_expiry_days: u32,
    /// The expiry of the secret in use, when known.
    secret_expiry: Option<DateTime<Utc>>,
    /// Key ids of the secrets ado-scm made for this runner before (rotation removes them).
    our_old_secrets: Vec<String>,
    /// The secret minted in this run.
    minted_key_id: Option<String>,
}

impl OauthLook<'_> {
    fn client_id(&self) -> Option<&str> {
        match &self.app {
            AppPlan::Create(_) => None,
            AppPlan::Existing { app, .. } => Some(&app.app_id),
            AppPlan::Unchecked(id) => Some(id),
        }
    }

    fn has_changes(&self) -> bool {
        let app = match &self.app {
            AppPlan::Create(_) => true,
            AppPlan::Existing { patch, .. } => patch.is_some(),
            AppPlan::Unchecked(_) => false,
        };
        let sp = self.graph.is_some() && self.sp.is_none();
        let grants = self.grants.iter().any(|g| g.needs_change());
        app || sp || grants || matches!(self.secret, SecretPlan::Mint { .. })
    }

    fn issuer_to_save(&self) -> String {
        self.validated_issuer
            .clone()
            .unwrap_or_else(|| self.issuer.saved.clone())
    }

    fn consent_wanted(&self) -> bool {
        !self.grants.is_empty()
    }
}

/// Phase 1 for OAuth: the tenant and the issuer, the admin's Microsoft Graph sign-in, the app
/// registration, the client secret.
fn look_oauth<'a>(
    plan: &SetupPlan,
    answers: &OauthPlan,
    s: &SetupServices<'a>,
    ask: &mut dyn Interaction,
    runner: &RunnerChecked,
    existing: Option<&ScmIntegration>,
    checks: &mut Vec<Check>,
) -> Result<OauthLook<'a>> {
    let (discovery, issuer) = tenant::tenant_and_issuer(plan, answers, s, existing, checks)?;

    s.ui.info("\n4. App registration");
    let optional = answers.client_id.is_some() && answers.client_secret.is_some();
    let token = ask.graph_token(&discovery, optional)?;
    let graph = token.map(|t| GraphClient::new(s.http, s.graph_url.clone(), t));
    let callback = runner.callback.as_deref().unwrap_or_default();
    let registration =
        app_registration::look(graph.as_ref(), s, answers, existing, callback, checks)?;

    // 5. Client secret: keep the saved one when it still validates.
    s.ui.info("\n5. Client secret");
    let facts = SecretFacts {
        plan,
        discovery: &discovery,
        issuer: &issuer,
        key: &runner.key,
        existing,
    };
    let secret = secret::look(s, &facts, answers, &registration.app, checks)?;

    Ok(OauthLook {
        discovery,
        issuer,
        validated_issuer: secret.validated_issuer,
        graph,
        app: registration.app,
        sp: registration.sp,
        grants: registration.grants,
        secret: secret.plan,
        secret_expiry_days: answers.secret_expiry_days,
        secret_expiry: secret.expiry,
        our_old_secrets: secret.our_old_secrets,
        minted_key_id: None,
    })
}

/// What phase 2 did for OAuth.
struct AppliedOauth {
    /// The app registration (`None` without Graph).
    app: Option<Application>,
    summary: OauthSummary,
    /// The secret to send with the integration (new, or the admin's).
    secret: Option<Secret>,
}

/// Phase 2 for OAuth: the app, its service principal and consent (4); the client secret,
/// minted and proven when one is needed (5, 7).
fn apply_oauth(
    plan: &SetupPlan,
    s: &SetupServices<'_>,
    o: &mut OauthLook<'_>,
    runner: &RunnerChecked,
    existing: Option<&ScmIntegration>,
    changes: &mut usize,
    checks: &mut Vec<Check>,
) -> Result<AppliedOauth> {
    let app = app_registration::apply(s, o, changes, checks)?;
    let client_id = app
        .as_ref()
        .map(|a| a.app_id.clone())
        .or_else(|| o.client_id().map(str::to_string))
        .unwrap_or_default();
    let facts = SecretFacts {
        plan,
        discovery: &o.discovery,
        issuer: &o.issuer,
        key: &runner.key,
        existing,
    };
    let secret = secret::apply(s, &facts, o, app.as_ref(), &client_id, changes, checks)?;
    o.minted_key_id = secret.minted_key_id;
    Ok(AppliedOauth {
        summary: OauthSummary {
            client_id: Some(client_id),
            app_object_id: app.as_ref().map(|a| a.id.clone()),
            issuer_url: secret.issuer,
            secret_expires_at: secret.expires_at,
            secret: secret.outcome,
        },
        app,
        secret: secret.to_send,
    })
}
