//! `ado-scm setup` once every answer is known: the wizard's steps, in the order the admin sees
//! them. The command (`commands::setup`) turns flags and prompts into a [`SetupPlan`]; this
//! module does the work against the clients and reports progress through the [`Ui`].
//!
//! | step (on screen) | module | function |
//! | --- | --- | --- |
//! | 1. Runner: its key and configuration schema, its saved integration | `runner`, `integration` | `runner::check_key_and_schema`, `integration::find_saved` |
//! | 2. Azure DevOps: the organization's Entra tenant | `tenant` | `tenant::org_tenant` |
//! | 3. Sign-in methods (OAuth and/or PAT; PAT only: the runner's validation) | this file, `integration` | `run`, `integration::validate_pat_only` |
//! | 4. Issuer URL: discovery, the tenant checks, the form to save | `tenant` | `tenant::discover`, `tenant::check_discovery`, `tenant::choose_issuer` |
//! | 5. App registration: Graph sign-in, find or create, drift, service principal, consent | `app_registration` | `app_registration::read_graph`, `app_registration::look`, `app_registration::apply`, `app_registration::apply_sp_and_grants` |
//! | 6. Client secret: reuse, the admin's, or mint | `secret` | `secret::look`, `secret::mint` |
//! | 7. Seal and test: Entra client credentials, the runner's validation of the sealed secret | `secret`, `integration` | `secret::prove_secret`, `integration::validate_sealed` |
//! | 8. Save: update the match or create | `integration` | `integration::change`, `integration::save`, `secret::remove_replaced` |
//! | 9. Summary (on stdout) | `summary`; `commands::setup::summary` | `SetupReport` |
//!
//! The plan shown before the confirmation, and with `--dry-run` every request a real run would
//! send, are `dry_run`'s: the requests are built by the same client functions that send them.
//! Steps that do not apply are not shown, and the numbers on screen follow on without gaps
//! (PAT only: the runner's validation is step 4).
//!
//! It runs in two phases, so that nothing is changed before everything that can be checked has
//! been checked:
//! 1. **Look** (reads only): the runner, its saved integration, the organization's tenant, the
//!    issuer's discovery document, the app registration and its drift, the service principals,
//!    the consent grants, and whether the saved client secret still validates. Reads that do
//!    not wait on one another go out together. What would change is gathered and shown;
//!    `--dry-run` prints every request it would send and stops there.
//! 2. **Change**, after [`Interaction::confirm`]: create or repair the app, then its service
//!    principal and grants together with a new client secret when one is needed, prove the
//!    secret (Entra client credentials and the runner's validation, at once), save the
//!    integration (update the match or create), and remove the secrets ado-scm made for this
//!    runner before. Ctrl-C becomes a flag here, looked at between steps.
//!
//! What must never happen:
//! - a secret in a message, a log line, the plan or the summary (secrets are [`Secret`]services; the
//!   dry-run bodies say `<redacted>`);
//! - an empty `oauthClientId` or `pat: false` sent to UpdateSCMIntegration unless the admin
//!   turned that method off and confirmed (they delete developers' sign-ins);
//! - removing a client secret ado-scm did not create (ours are named `ado-scm <runner-id>`);
//! - a new client secret left on the app when the run ends without the integration holding it;
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

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use url::Url;

use crate::clients::ado::{AdoClient, OrgTenant};
use crate::clients::entra::issuer::{self, Discovery};
use crate::clients::gitpod::{ConfigSchema, GitpodClient, ScmIntegration};
use crate::clients::graph::{Application, GraphClient, ServicePrincipal};
use crate::error::{Error, ErrorKind, Result};
use crate::http::Http;
use crate::interrupt::Interrupt;
use crate::parallel;
use crate::secret::Secret;
use crate::ui::Ui;

use app_registration::{AppPlan, GrantPlan};
use runner::RunnerChecked;
use secret::{MintedSecret, SecretFacts, SecretPlan};
use tenant::IssuerChoice;

pub use app_registration::required_permissions;
pub use plan::{default_app_name, OauthPlan, SetupPlan, Target, SCM_SERVER, SCM_SERVICES};
pub use secret::secret_display_name;
pub use summary::{
    check, date, methods, Check, IntegrationOutcome, OauthSummary, SecretOutcome, SetupReport,
    Summary,
};

/// The services and the screen.
pub struct SetupServices<'a> {
    pub http: &'a Http,
    pub ui: &'a Ui,
    /// Ctrl-C: during the changes it becomes a flag the steps look at.
    pub interrupt: &'a Interrupt,
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
    /// The Graph token given up front (flag or environment), if any: the flow may read Graph
    /// with it before [`Interaction::graph_token`] is asked (which then gives the same one).
    fn graph_token_given(&self) -> Option<Secret>;
    /// The plan has been shown: may it be carried out? `destructive` lists what would be
    /// deleted on the runner (developers' sign-ins); a run that may not ask must refuse those
    /// unless told `--yes`.
    fn confirm(&mut self, destructive: &[String]) -> Result<bool>;
}

/// Runs the wizard's steps (see the module doc).
pub fn run(
    plan: &SetupPlan,
    services: &SetupServices<'_>,
    ask: &mut dyn Interaction,
) -> Result<SetupReport> {
    let ui = services.ui;
    let mut checks = Vec::new();

    // ---- Phase 1: look. What the runner, its integrations and the organization say is asked
    // at once; each step then shows its part.
    let (schema, integrations, org_tenant) = ui.waiting(
        "Reading the runner's schema and integrations, and the organization's tenant",
        || read_first(plan, services),
    );
    // 1. Runner: its key, its schema, its saved integration.
    let steps = Steps::default();
    steps.start(
        ui,
        &format!("Runner {} ({})", plan.runner.name, plan.runner.runner_id),
    );
    let runner = runner::check_key_and_schema(plan, services, schema?, &mut checks)?;
    let existing = integration::find_saved(plan, services, integrations?);

    // 2. Azure DevOps (for OAuth, the organization's tenant) and 3. the sign-in methods;
    // for OAuth, 4. the issuer, 5. the app registration, 6. the client secret.
    steps.start(ui, &format!("Azure DevOps: {}", plan.target.describe()));
    let org_guid = match &plan.oauth {
        Some(_) => tenant::org_tenant(plan, services, org_tenant, &mut checks)?,
        None => None,
    };
    steps.start(
        ui,
        &format!(
            "Sign-in methods: {}",
            methods(plan.oauth.is_some(), plan.pat)
        ),
    );
    let mut oauth = match &plan.oauth {
        Some(answers) => Some(look_oauth(
            plan,
            answers,
            services,
            ask,
            &steps,
            &runner,
            existing.as_ref(),
            org_guid,
            &mut checks,
        )?),
        None => None,
    };
    if plan.oauth.is_none() {
        steps.start(ui, "The runner's validation");
        integration::validate_pat_only(services, plan, existing.as_ref(), &mut checks)?;
    }

    // The plan: what changes.
    let change = integration::change(
        plan,
        existing.as_ref(),
        oauth.as_ref().and_then(OauthLook::client_id),
        oauth
            .as_ref()
            .is_some_and(|look| look.secret.sends_secret()),
        oauth.as_ref().map(OauthLook::issuer_to_save).as_deref(),
    );
    dry_run::show_plan(ui, plan, oauth.as_ref(), &change);
    if plan.dry_run {
        let report = dry_run::report(
            plan,
            services,
            oauth.as_ref(),
            existing.as_ref(),
            &change,
            checks,
        );
        return Ok(report);
    }
    let has_changes = oauth.as_ref().is_some_and(OauthLook::has_changes) || !change.is_none();
    if has_changes && !ask.confirm(&change.destructive())? {
        return Err(Error::new(
            ErrorKind::Interrupted,
            "setup cancelled at the confirmation: nothing was changed",
        ));
    }

    // ---- Phase 2: change. Ctrl-C becomes a flag the steps look at, so that a secret made and
    // not yet in use is taken back before the run ends.
    if has_changes {
        ui.info("\nMaking the changes:");
    }
    let mut changes = 0usize;
    let (applied, id, outcome, removed) = services.interrupt.cancellable(|cancel| {
        let applied = match oauth.as_mut() {
            Some(look) => Some(apply_oauth(
                plan,
                services,
                look,
                &steps,
                &runner,
                existing.as_ref(),
                &mut changes,
                &mut checks,
                &cancel,
            )?),
            None => None,
        };
        stop_if_interrupted(&cancel)?;

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
        if !change.is_none() {
            steps.start(ui, "Save");
        }
        let (id, outcome) = integration::save(services, &change, secret)?;
        if outcome != IntegrationOutcome::Unchanged {
            changes += 1;
        }
        let mut applied = applied;
        if let Some(minted) = applied.as_mut().and_then(|a| a.minted.take()) {
            minted.keep();
        }

        // A new secret is in use: the old secrets ado-scm made for this runner go only now.
        let removed = match (&oauth, &applied) {
            (Some(look), Some(done)) => {
                let app = done.app.as_ref();
                secret::remove_replaced(services, look, app, done.summary.secret, &mut changes)?
            }
            _ => Vec::new(),
        };
        Ok::<_, Error>((applied, id, outcome, removed))
    })?;

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

/// The reads every setup starts with, at once: the runner's configuration schema and SCM
/// integrations, and (Services with OAuth) the Entra tenant of the Azure DevOps organization.
#[allow(clippy::type_complexity)]
fn read_first(
    plan: &SetupPlan,
    services: &SetupServices<'_>,
) -> (
    Result<ConfigSchema>,
    Result<Vec<ScmIntegration>>,
    Option<Result<OrgTenant>>,
) {
    let runner_id = &plan.runner.runner_id;
    std::thread::scope(|scope| {
        let schema = scope.spawn(|| services.gitpod.get_runner_configuration_schema(runner_id));
        let integrations = scope.spawn(|| {
            services
                .gitpod
                .list_scm_integrations(std::slice::from_ref(runner_id))
        });
        let org_tenant = match (&plan.oauth, plan.target.org()) {
            (Some(_), Some(org)) => Some(services.ado.discover_tenant(org)),
            _ => None,
        };
        (
            schema.join().expect("the read ran"),
            integrations.join().expect("the read ran"),
            org_tenant,
        )
    })
}

/// Phase 1 for OAuth: the tenant and the issuer, the admin's Microsoft Graph sign-in, the app
/// registration, the client secret.
///
/// The reads that wait only on the tenant go out together: the issuer's discovery document;
/// with a Graph token given up front, the app registration's lookups; and the runner's
/// validation of its saved configuration (its client id and issuer known without them).
#[allow(clippy::too_many_arguments)]
fn look_oauth<'a>(
    plan: &SetupPlan,
    answers: &OauthPlan,
    services: &SetupServices<'a>,
    ask: &mut dyn Interaction,
    steps: &Steps,
    runner: &RunnerChecked,
    existing: Option<&ScmIntegration>,
    org_guid: Option<String>,
    checks: &mut Vec<Check>,
) -> Result<OauthLook<'a>> {
    let base = tenant::issuer_to_discover(answers, services, org_guid.as_deref())?;
    // The tenant's GUID, when the issuer already names it: the issuer to save, and so the
    // runner's validation, do not wait on discovery then.
    let early_issuer = issuer::is_guid(&base.tenant)
        .then(|| tenant::choose_issuer(answers, services, &base.tenant, existing))
        .transpose()?;
    let validate_ahead = answers.client_secret.is_none() && !answers.rotate_secret;
    let given = ask.graph_token_given();
    let (discovered, graph_facts, validation) = services.ui.waiting(
        "Reading the tenant's OpenID configuration and the app registration",
        || {
            std::thread::scope(|scope| {
                let graph_facts = given.as_ref().map(|token| {
                    scope.spawn(move || {
                        let graph = GraphClient::new(
                            services.http,
                            services.graph_url.clone(),
                            token.clone(),
                        );
                        app_registration::read_graph(&graph, services, answers, existing)
                    })
                });
                let validation = early_issuer
                    .as_ref()
                    .filter(|_| validate_ahead)
                    .map(|issuer| {
                        scope.spawn(|| {
                            secret::validate_saved(services, plan, existing, &issuer.saved)
                        })
                    });
                let discovered = tenant::discover(answers, services, &base);
                (
                    discovered,
                    graph_facts.map(|h| h.join().expect("the reads ran")),
                    validation.and_then(|h| h.join().expect("the read ran")),
                )
            })
        },
    );
    steps.start(services.ui, "Issuer URL");
    let discovery = tenant::check_discovery(
        plan,
        answers,
        services,
        discovered?,
        org_guid.as_deref(),
        checks,
    )?;
    let issuer = match early_issuer {
        Some(issuer) if base.tenant == discovery.tenant_id => issuer,
        _ => tenant::choose_issuer(answers, services, &discovery.tenant_id, existing)?,
    };
    tenant::show_issuer(plan, services, &issuer);

    steps.start(services.ui, "App registration");
    let optional = answers.client_id.is_some() && answers.client_secret.is_some();
    let token = ask.graph_token(&discovery, optional)?;
    let graph = token.map(|t| GraphClient::new(services.http, services.graph_url.clone(), t));
    let facts = match (graph_facts, &graph) {
        (Some(facts), Some(_)) => Some(facts?),
        (_, Some(g)) => Some(services.ui.waiting("Reading the app registration", || {
            app_registration::read_graph(g, services, answers, existing)
        })?),
        (_, None) => None,
    };
    let callback = runner.callback.as_deref().unwrap_or_default();
    let registration = app_registration::look(
        graph.as_ref().zip(facts),
        services,
        answers,
        callback,
        checks,
    )?;

    // 5. Client secret: keep the saved one when it still validates.
    steps.start(services.ui, "Client secret");
    let facts = SecretFacts {
        plan,
        discovery: &discovery,
        issuer: &issuer,
        key: &runner.key,
        existing,
    };
    let secret = secret::look(
        services,
        &facts,
        answers,
        &registration.app,
        validation,
        checks,
    )?;

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
struct AppliedOauth<'s, 'a> {
    /// The app registration (`None` without Graph).
    app: Option<Application>,
    summary: OauthSummary,
    /// The secret to send with the integration (new, or the admin's).
    secret: Option<Secret>,
    /// The secret minted in this run, removed again unless the integration ends up holding it.
    minted: Option<MintedSecret<'s, 'a>>,
}

/// Phase 2 for OAuth: the app (4); then its service principal and consent, and the client
/// secret (5), which wait only on the app, at once; the secret proven (7).
#[allow(clippy::too_many_arguments)]
fn apply_oauth<'s, 'a>(
    plan: &SetupPlan,
    services: &'s SetupServices<'a>,
    look: &mut OauthLook<'a>,
    steps: &Steps,
    runner: &RunnerChecked,
    existing: Option<&ScmIntegration>,
    changes: &mut usize,
    checks: &mut Vec<Check>,
    cancel: &AtomicBool,
) -> Result<AppliedOauth<'s, 'a>> {
    let app = app_registration::apply(services, look, changes, checks)?;
    stop_if_interrupted(cancel)?;
    let shared: &OauthLook<'a> = look;
    let (principal, minted) = parallel::join(
        || app_registration::apply_sp_and_grants(services, shared, app.as_ref()),
        || secret::mint(services, shared, app.as_ref(), &plan.runner.runner_id),
    );
    let minted = minted?;
    let (sp, made) = principal?;
    *changes += made + usize::from(minted.is_some());
    if let Some(sp) = sp {
        look.sp = Some(sp);
    }
    stop_if_interrupted(cancel)?;
    let client_id = app
        .as_ref()
        .map(|a| a.app_id.clone())
        .or_else(|| look.client_id().map(str::to_string))
        .unwrap_or_default();
    let facts = SecretFacts {
        plan,
        discovery: &look.discovery,
        issuer: &look.issuer,
        key: &runner.key,
        existing,
    };
    if minted.is_some() {
        steps.start(services.ui, "Seal and test");
    }
    let secret = secret::apply(
        services,
        &facts,
        look,
        minted.as_ref(),
        &client_id,
        cancel,
        checks,
    )?;
    look.minted_key_id = secret.minted_key_id;
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
        minted,
    })
}

/// The numbered headings on screen: numbers follow on without gaps whatever steps a run
/// needs.
#[derive(Default)]
struct Steps(std::cell::Cell<u32>);

impl Steps {
    fn start(&self, ui: &Ui, title: &str) {
        let n = self.0.get() + 1;
        self.0.set(n);
        ui.info(format!("\n{n}. {title}"));
    }
}

/// Ctrl-C during the changes ends them at the next step (exit 130), after what was made and not
/// yet in use is taken back.
fn stop_if_interrupted(cancel: &AtomicBool) -> Result<()> {
    if cancel.load(Ordering::SeqCst) {
        Err(Error::interrupted())
    } else {
        Ok(())
    }
}
