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
//! What must never happen:
//! - a secret in a message, a log line, the plan or the summary (secrets are [`Secret`]s; the
//!   dry-run bodies say `<redacted>`);
//! - an empty `oauthClientId` or `pat: false` sent to UpdateSCMIntegration unless the admin
//!   turned that method off and confirmed (they delete developers' sign-ins);
//! - removing a client secret ado-scm did not create (ours are named `ado-scm <runner-id>`);
//! - a second app, secret, service principal or integration on a re-run with the same answers.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};
use url::Url;

use crate::clients::ado::{AdoClient, OrgTenant};
use crate::clients::entra;
use crate::clients::gitpod::{
    GitpodClient, Runner, ScmIntegration, ScmIntegrationUpdate, ScmIntegrationWrite,
    ValidateIntegration, ValidationResult,
};
use crate::clients::graph::{
    self, Application, GraphClient, NewApplication, PermissionGrant, RequiredResourceAccess,
    ResourceAccess, ServicePrincipal, AZURE_DEVOPS_APP_ID, GRAPH_APP_ID,
};
use crate::error::{Error, ErrorKind, Result};
use crate::http::Http;
use crate::issuer::{self, Discovery, Issuer, IssuerForm};
use crate::seal::{self, RunnerPublicKey};
use crate::secret::Secret;
use crate::ui::Ui;
use crate::urls::join;

/// The scm id of Azure DevOps Services with Entra ID (same as `commands::context`).
pub const SCM_SERVICES: &str = "azuredevops_entra";
/// The scm id of Azure DevOps Server.
pub const SCM_SERVER: &str = "azuredevops_server";

/// The delegated permissions the app registration needs, per resource.
pub const GRAPH_SCOPES: [&str; 2] = ["openid", "offline_access"];
pub const AZURE_DEVOPS_SCOPES: [&str; 2] = ["vso.code", "vso.code_write"];

/// How long a new client secret may be refused (AADSTS7000215) while it replicates, and how
/// many times it is tried in that window.
const NEW_SECRET_RETRY: entra::ReplicationRetry = entra::ReplicationRetry {
    window: Duration::from_secs(120),
    attempts: 8,
};
/// Graph may not show a new object for a moment: how often a 404 right after a create is retried.
const NOT_FOUND_ATTEMPTS: u32 = 5;
const NOT_FOUND_WAIT: Duration = Duration::from_secs(2);

/// The display name of the client secrets ado-scm creates: how `--rotate-secret` recognises
/// the ones it may remove.
pub fn secret_display_name(runner_id: &str) -> String {
    format!("ado-scm {runner_id}")
}

/// The default name of the app registration of a runner.
pub fn default_app_name(runner_name: &str) -> String {
    format!("Ona runner {runner_name} (Azure DevOps)")
}

/// Which Azure DevOps the runner is connected to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Azure DevOps Services: `host` as integrations save it (`dev.azure.com` or
    /// `dev.azure.com/ORG`); `org` is the organization whose Entra tenant is checked.
    Services { host: String, org: Option<String> },
    /// Azure DevOps Server: PAT only, with its virtual directory (`/tfs`).
    Server {
        host: String,
        virtual_directory: String,
    },
}

impl Target {
    pub fn scm_id(&self) -> &'static str {
        match self {
            Target::Services { .. } => SCM_SERVICES,
            Target::Server { .. } => SCM_SERVER,
        }
    }

    pub fn host(&self) -> &str {
        match self {
            Target::Services { host, .. } | Target::Server { host, .. } => host,
        }
    }

    pub fn org(&self) -> Option<&str> {
        match self {
            Target::Services { org, .. } => org.as_deref(),
            Target::Server { .. } => None,
        }
    }

    fn virtual_directory(&self) -> Option<String> {
        match self {
            Target::Services { .. } => None,
            Target::Server {
                virtual_directory, ..
            } => Some(virtual_directory.clone()),
        }
    }
}

/// Every answer, resolved by the command.
#[derive(Debug)]
pub struct SetupPlan {
    pub runner: Runner,
    pub target: Target,
    pub pat: bool,
    /// `None`: OAuth off (always on Server).
    pub oauth: Option<OauthPlan>,
    pub dry_run: bool,
}

#[derive(Debug)]
pub struct OauthPlan {
    /// `--tenant`, checked (GUID or domain).
    pub tenant: Option<String>,
    /// `--issuer-url`, normalised.
    pub issuer: Option<Issuer>,
    /// `--client-id`: an existing app registration.
    pub client_id: Option<String>,
    /// `--app-name`, when given.
    pub app_name: Option<String>,
    /// The name used when none is given and no app is found otherwise.
    pub default_app_name: String,
    /// The existing app's secret (`--client-secret-stdin`, `ADO_SCM_CLIENT_SECRET`, prompt).
    pub client_secret: Option<Secret>,
    pub secret_expiry_days: u32,
    pub rotate_secret: bool,
    pub grant_admin_consent: bool,
}

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

// ---- The result --------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IntegrationOutcome {
    Created,
    Updated,
    Unchanged,
}

impl IntegrationOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            IntegrationOutcome::Created => "created",
            IntegrationOutcome::Updated => "updated",
            IntegrationOutcome::Unchanged => "unchanged",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretOutcome {
    /// ado-scm minted the first secret the integration uses.
    Created,
    /// The saved secret (or the one the admin gave) is used.
    Reused,
    /// A new secret replaced the saved one (`--rotate-secret`, or the saved one stopped working).
    Rotated,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OauthSummary {
    pub client_id: Option<String>,
    pub app_object_id: Option<String>,
    pub issuer_url: String,
    pub secret_expires_at: Option<DateTime<Utc>>,
    pub secret: SecretOutcome,
}

/// The contract's `setup --json` object.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub runner_id: String,
    pub scm_id: String,
    pub host: String,
    pub integration_id: Option<String>,
    pub integration: IntegrationOutcome,
    pub oauth: Option<OauthSummary>,
    pub pat: bool,
    pub checks: Vec<Check>,
    pub dry_run: bool,
}

/// The summary plus what the person at the terminal is told.
#[derive(Debug, Clone)]
pub struct SetupReport {
    pub summary: Summary,
    pub runner_name: String,
    /// The tenant's GUID (OAuth).
    pub tenant_id: Option<String>,
    pub app_name: Option<String>,
    pub app_created: bool,
    /// Drift repaired on an existing app (or, in a dry run, to be repaired).
    pub repairs: Vec<String>,
    /// Whether the app registration was checked through Graph.
    pub graph_checked: bool,
    /// Tenant-wide consent: granted now or earlier.
    pub consent_granted: bool,
    /// The secrets `--rotate-secret` removed (key ids).
    pub removed_secrets: Vec<String>,
    /// How many changing requests were (or in a dry run would be) sent.
    pub changes: usize,
}

// ---- The flow ----------------------------------------------------------------------------------

/// Runs the wizard's steps (see the module doc).
pub fn run(
    plan: &SetupPlan,
    s: &SetupServices<'_>,
    ask: &mut dyn Interaction,
) -> Result<SetupReport> {
    let mut checks = Vec::new();
    let ui = s.ui;
    let runner = &plan.runner;
    let scm_id = plan.target.scm_id();
    let host = plan.target.host().to_string();

    // 1. Runner: its key, its schema, its saved integration.
    ui.info(format!(
        "\n1. Runner {} ({})",
        runner.name, runner.runner_id
    ));
    let key = runner_key(runner)?;
    if runner.status.phase != "RUNNER_PHASE_ACTIVE" && !runner.status.phase.is_empty() {
        ui.warn(format!(
            "runner {} is {}, not active: it may not answer the validation",
            runner.name,
            short_phase(&runner.status.phase)
        ));
    }
    ui.ok(format!(
        "the runner has registered its public key ({})",
        key.fingerprint()
    ));
    checks.push(check("runner public key", true, key.fingerprint()));
    let callback = runner_schema(plan, s)?;
    let offered = match &callback {
        Some(url) => format!("{scm_id}, OAuth callback {url}"),
        None => scm_id.to_string(),
    };
    ui.ok(format!("the runner offers Azure DevOps ({offered})"));
    checks.push(check("runner offers Azure DevOps", true, offered));
    let spinner = ui.spinner("Reading the runner's SCM integrations");
    let existing = s
        .gitpod
        .list_scm_integrations(std::slice::from_ref(&runner.runner_id))?
        .into_iter()
        .find(|i| {
            i.runner_id == runner.runner_id
                && i.scm_id == scm_id
                && i.host.eq_ignore_ascii_case(&host)
        });
    drop(spinner);
    match &existing {
        Some(i) => ui.info(format!(
            "  The runner already has an integration for {host} ({}): it will be updated if needed.",
            i.id
        )),
        None => ui.info(format!(
            "  The runner has no {scm_id} integration for {host} yet."
        )),
    }

    // 2. Azure DevOps and the sign-in methods (3); for OAuth, the tenant and issuer (6).
    ui.info(format!(
        "\n2. Azure DevOps: {}",
        describe_target(&plan.target)
    ));
    ui.info(format!(
        "   Sign-in methods: {}",
        methods(plan.oauth.is_some(), plan.pat)
    ));

    let mut dry = DryRun::new(s, plan.dry_run);
    let oauth = match &plan.oauth {
        Some(oauth) => Some(look_oauth(
            plan,
            oauth,
            s,
            ask,
            &key,
            callback.as_deref().unwrap_or_default(),
            existing.as_ref(),
            &mut checks,
        )?),
        None => None,
    };

    // PAT only: the runner validates the configuration now (a read).
    if plan.oauth.is_none() {
        let result = validate(s, plan, existing.as_ref().map(|i| i.id.clone()), None, None)?;
        expect_valid(&result, &mut checks)?;
        ui.ok("the runner validates the configuration");
    }

    // The plan: what changes.
    let desired_issuer = oauth.as_ref().map(OauthLook::issuer_to_save);
    let change = integration_change(
        plan,
        existing.as_ref(),
        oauth.as_ref().and_then(|o| o.client_id()),
        oauth.as_ref().is_some_and(|o| o.secret.sends_secret()),
        desired_issuer.as_deref(),
    );
    let destructive = change.destructive();
    show_plan(ui, plan, oauth.as_ref(), &change);

    if plan.dry_run {
        let report = dry_run_report(plan, s, &mut dry, oauth, existing.as_ref(), &change, checks);
        return Ok(report);
    }
    let has_changes = oauth.as_ref().is_some_and(OauthLook::has_changes) || !change.is_none();
    if has_changes && !ask.confirm(&destructive)? {
        return Err(Error::new(
            ErrorKind::Interrupted,
            "setup cancelled at the confirmation: nothing was changed",
        ));
    }

    // ---- Phase 2: change.
    let mut oauth = oauth;
    let mut changes = 0usize;
    let mut new_secret: Option<Secret> = None;
    let mut app: Option<Application> = None;
    let mut oauth_summary = None;
    let mut issuer_saved = oauth.as_ref().map(OauthLook::issuer_to_save);
    let mut outcome_secret = None;
    if has_changes {
        ui.info("\nMaking the changes:");
    }
    if let Some(o) = oauth.as_mut() {
        app = apply_app(s, o, &mut changes)?;
        if let (Some(app), true) = (&app, o.app.is_create()) {
            if let Some(c) = checks.iter_mut().find(|c| c.name == "app registration") {
                c.detail = format!("created: {} ({})", app.display_name, app.app_id);
            }
        }
        if let (AppPlan::Existing { repairs, .. }, false) = (&o.app, o.app.repairs().is_empty()) {
            if let Some(c) = checks.iter_mut().find(|c| c.name == "app registration") {
                c.detail = format!(
                    "{}; repaired: {}",
                    c.detail.split("; repair:").next().unwrap_or_default(),
                    repairs.join("; ")
                );
            }
        }
        apply_sp_and_grants(s, o, app.as_ref(), &mut changes)?;
        let client_id = app
            .as_ref()
            .map(|a| a.app_id.clone())
            .or_else(|| o.client_id().map(str::to_string))
            .unwrap_or_default();

        let mut expires_at = o.secret_expiry;
        let outcome = match &o.secret {
            SecretPlan::Reuse => SecretOutcome::Reused,
            SecretPlan::Given(given) => {
                new_secret = Some(given.clone());
                SecretOutcome::Reused
            }
            SecretPlan::Mint { replaces } => {
                let replaces = *replaces;
                let (Some(graph), Some(app)) = (o.graph.as_ref(), app.as_ref()) else {
                    return Err(Error::service(
                        "no app registration to add a client secret to",
                    ));
                };
                let spinner = ui.spinner("Adding a client secret to the app registration");
                let end =
                    s.http.clock().now() + chrono::Duration::days(i64::from(o.secret_expiry_days));
                let name = secret_display_name(&runner.runner_id);
                let added = retry_not_found(s, || graph.add_password(&app.id, &name, end))?;
                drop(spinner);
                changes += 1;
                expires_at = added.end_date_time.or(Some(end));
                ui.ok(format!(
                    "added the client secret \"{name}\" (key {}), valid until {}",
                    added.key_id,
                    expires_at.map(date).unwrap_or_default()
                ));
                o.minted_key_id = Some(added.key_id.clone());
                // Seal and test: prove it works before anything depends on it; take it back if
                // it does not.
                match prove_secret(
                    s,
                    plan,
                    &o.discovery,
                    &o.issuer,
                    &key,
                    &client_id,
                    &added.secret_text,
                    existing.as_ref(),
                    true,
                    &mut checks,
                ) {
                    Ok(issuer) => issuer_saved = Some(issuer),
                    Err(err) => {
                        remove_new_secret(s, graph, &app.id, &added.key_id);
                        return Err(err);
                    }
                }
                new_secret = Some(added.secret_text.clone());
                if replaces {
                    SecretOutcome::Rotated
                } else {
                    SecretOutcome::Created
                }
            }
        };
        outcome_secret = Some(outcome);
        oauth_summary = Some(OauthSummary {
            client_id: Some(client_id),
            app_object_id: app.as_ref().map(|a| a.id.clone()),
            issuer_url: issuer_saved.clone().unwrap_or_default(),
            secret_expires_at: expires_at,
            secret: outcome,
        });
    }

    // 8. Save.
    let change = integration_change(
        plan,
        existing.as_ref(),
        oauth_summary.as_ref().and_then(|o| o.client_id.as_deref()),
        new_secret.is_some(),
        issuer_saved.as_deref(),
    );
    let (id, outcome) = save(s, &change, new_secret.as_ref())?;
    if outcome != IntegrationOutcome::Unchanged {
        changes += 1;
    }
    match outcome {
        IntegrationOutcome::Created => ui.ok(format!("created the integration {id}")),
        IntegrationOutcome::Updated => ui.ok(format!(
            "updated the integration {id} ({})",
            change.fields().join(", ")
        )),
        IntegrationOutcome::Unchanged => {}
    }

    // --rotate-secret: the old secrets ado-scm made go only now that nothing uses them.
    let mut removed = Vec::new();
    let rotating = plan.oauth.as_ref().is_some_and(|p| p.rotate_secret);
    if let (Some(o), Some(app), Some(SecretOutcome::Rotated), true) =
        (oauth.as_ref(), app.as_ref(), outcome_secret, rotating)
    {
        if let Some(graph) = o.graph.as_ref() {
            for key_id in &o.our_old_secrets {
                if Some(key_id) == o.minted_key_id.as_ref() {
                    continue;
                }
                let spinner = ui.spinner("Removing the old client secret");
                graph.remove_password(&app.id, key_id)?;
                drop(spinner);
                changes += 1;
                ui.ok(format!(
                    "removed the old client secret {key_id} that ado-scm had created"
                ));
                removed.push(key_id.clone());
            }
        }
    }

    Ok(SetupReport {
        summary: Summary {
            runner_id: runner.runner_id.clone(),
            scm_id: scm_id.to_string(),
            host,
            integration_id: Some(id),
            integration: outcome,
            oauth: oauth_summary,
            pat: plan.pat,
            checks,
            dry_run: false,
        },
        runner_name: runner.name.clone(),
        tenant_id: oauth.as_ref().map(|o| o.discovery.tenant_id.clone()),
        app_name: app.as_ref().map(|a| a.display_name.clone()),
        app_created: oauth.as_ref().is_some_and(|o| o.app.is_create()),
        repairs: oauth
            .as_ref()
            .map(|o| o.app.repairs().to_vec())
            .unwrap_or_default(),
        graph_checked: oauth.as_ref().is_some_and(|o| o.graph.is_some()),
        consent_granted: oauth.as_ref().is_some_and(OauthLook::consent_wanted),
        removed_secrets: removed,
        changes,
    })
}

// ---- Step 1: the runner ------------------------------------------------------------------------

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
fn runner_schema(plan: &SetupPlan, s: &SetupServices<'_>) -> Result<Option<String>> {
    let runner = &plan.runner;
    let scm_id = plan.target.scm_id();
    let spinner = s.ui.spinner("Reading the runner's configuration schema");
    let schema = s
        .gitpod
        .get_runner_configuration_schema(&runner.runner_id)?;
    drop(spinner);
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

// ---- Steps 2, 4, 5, 6 for OAuth: look before changing -----------------------------------------

/// What to do about the app registration.
#[derive(Debug)]
enum AppPlan {
    Create(NewApplication),
    Existing {
        app: Application,
        patch: Option<Value>,
        repairs: Vec<String>,
    },
    /// No Graph access: the admin's client id, not checked.
    Unchecked(String),
}

impl AppPlan {
    fn is_create(&self) -> bool {
        matches!(self, AppPlan::Create(_))
    }
    fn repairs(&self) -> &[String] {
        match self {
            AppPlan::Existing { repairs, .. } => repairs,
            _ => &[],
        }
    }
}

#[derive(Debug)]
enum SecretPlan {
    /// The saved secret validates.
    Reuse,
    /// The admin's secret (checked already).
    Given(Secret),
    /// A new secret; `replaces`: the integration had one (rotation).
    Mint { replaces: bool },
}

impl SecretPlan {
    fn sends_secret(&self) -> bool {
        !matches!(self, SecretPlan::Reuse)
    }
}

#[derive(Debug)]
struct GrantPlan {
    resource: &'static str,
    resource_sp_id: String,
    /// The existing tenant-wide grant and its scopes, when there is one.
    existing: Option<PermissionGrant>,
    scope: String,
}

/// The issuer: `saved` is the string the integration gets (the admin's, the saved one if it
/// names the same tenant, else the guide's form built from the tenant GUID).
#[derive(Debug, Clone)]
struct IssuerChoice {
    issuer: Issuer,
    saved: String,
}

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

impl GrantPlan {
    fn needs_change(&self) -> bool {
        match &self.existing {
            None => true,
            Some(g) => missing_scopes(&g.scope, &self.scope).is_some(),
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn look_oauth<'a>(
    plan: &SetupPlan,
    oauth: &OauthPlan,
    s: &SetupServices<'a>,
    ask: &mut dyn Interaction,
    key: &RunnerPublicKey,
    callback: &str,
    existing: Option<&ScmIntegration>,
    checks: &mut Vec<Check>,
) -> Result<OauthLook<'a>> {
    let ui = s.ui;
    // 2. The organization's tenant, and the tenant the issuer names.
    let discovery = tenant_and_discovery(plan, oauth, s, checks)?;
    let issuer = choose_issuer(oauth, s, &discovery, existing)?;
    ui.ok(format!(
        "issuer URL {} (checked by discovery{})",
        issuer.saved,
        if plan.target.org().is_some() {
            "; the organization's tenant"
        } else {
            ""
        }
    ));

    // 4. App registration.
    ui.info("\n4. App registration");
    let optional = oauth.client_id.is_some() && oauth.client_secret.is_some();
    let token = ask.graph_token(&discovery, optional)?;
    let graph = token.map(|t| GraphClient::new(s.http, s.graph_url.clone(), t));
    let required = match &graph {
        Some(g) => required_access(g, s)?,
        None => fallback_required_access(),
    };
    let app_plan = match &graph {
        Some(g) => find_app(g, s, oauth, existing, callback, &required)?,
        None => {
            let id = oauth.client_id.clone().unwrap_or_default();
            ui.warn(format!(
                "not checking the app registration {id} through Microsoft Graph (no sign-in): make \
                 sure it has the Web redirect URI {callback}, ID tokens on, and the delegated \
                 permissions openid, offline_access, vso.code and vso.code_write"
            ));
            AppPlan::Unchecked(id)
        }
    };
    match &app_plan {
        AppPlan::Create(new) => {
            ui.info(format!(
                "  No app registration found: \"{}\" will be created (redirect URI {callback}, ID \
                 tokens on, single tenant, permissions openid, offline_access, vso.code, \
                 vso.code_write).",
                new.display_name
            ));
            checks.push(check(
                "app registration",
                true,
                format!("to create: {}", new.display_name),
            ));
        }
        AppPlan::Existing { app, repairs, .. } => {
            ui.ok(format!(
                "found the app registration \"{}\" (client ID {})",
                app.display_name, app.app_id
            ));
            if app.sign_in_audience != "AzureADMyOrg" && !app.sign_in_audience.is_empty() {
                ui.warn(format!(
                    "the app's sign-in audience is {}, not AzureADMyOrg (this tenant only); \
                     ado-scm leaves it as it is",
                    app.sign_in_audience
                ));
            }
            if repairs.is_empty() {
                ui.ok("its redirect URI, ID tokens and permissions are as they should be");
            } else {
                for r in repairs {
                    ui.info(format!("  drift to repair: {r}"));
                }
            }
            let detail = if repairs.is_empty() {
                format!("{} ({})", app.display_name, app.app_id)
            } else {
                format!(
                    "{} ({}); repair: {}",
                    app.display_name,
                    app.app_id,
                    repairs.join("; ")
                )
            };
            checks.push(check("app registration", true, detail));
        }
        AppPlan::Unchecked(id) => {
            checks.push(check(
                "app registration",
                true,
                format!("{id} (not checked: no Microsoft Graph sign-in)"),
            ));
        }
    }

    // Its service principal, and the tenant-wide consent when asked.
    let app_id = match &app_plan {
        AppPlan::Existing { app, .. } => Some(app.app_id.clone()),
        _ => None,
    };
    let sp = match (&graph, &app_id) {
        (Some(g), Some(app_id)) => {
            let found = g.service_principal_by_app_id(app_id)?;
            match &found {
                Some(sp) => ui.ok(format!("its service principal exists ({})", sp.id)),
                None => {
                    ui.info("  Its service principal (enterprise application) will be created.")
                }
            }
            found
        }
        _ => None,
    };
    let grants = match (&graph, oauth.grant_admin_consent) {
        (Some(g), true) => grant_plans(g, s, sp.as_ref())?,
        (None, true) => {
            ui.warn("--grant-admin-consent needs a Microsoft Graph sign-in: no consent granted");
            Vec::new()
        }
        _ => Vec::new(),
    };

    // 5. Client secret: keep the saved one when it still validates.
    ui.info("\n5. Client secret");
    let ours = secret_display_name(&plan.runner.runner_id);
    let our_old_secrets: Vec<String> = match &app_plan {
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
    let current_client = match &app_plan {
        AppPlan::Existing { app, .. } => Some(app.app_id.clone()),
        AppPlan::Unchecked(id) => Some(id.clone()),
        AppPlan::Create(_) => None,
    };
    let same_app = saved_client.is_some() && saved_client == current_client;
    let mut validated_issuer = None;
    let secret = if let Some(given) = &oauth.client_secret {
        // The admin's secret: check it now (reads only), before anything is changed.
        let client_id = current_client.clone().unwrap_or_default();
        let issuer_used = prove_secret(
            s, plan, &discovery, &issuer, key, &client_id, given, existing, false, checks,
        )?;
        if issuer_used != issuer.saved {
            validated_issuer = Some(issuer_used);
        }
        SecretPlan::Given(given.clone())
    } else if same_app && !oauth.rotate_secret {
        let spinner = ui.spinner("Asking the runner to validate the saved configuration");
        let result = validate(
            s,
            plan,
            existing.map(|i| i.id.clone()),
            Some((current_client.clone().unwrap_or_default(), None)),
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
                validation_errors(&result)
            ));
            SecretPlan::Mint { replaces: true }
        }
    } else {
        if oauth.rotate_secret && same_app {
            ui.info("  --rotate-secret: a new client secret will replace the saved one.");
        } else {
            ui.info(format!(
                "  A new client secret \"{ours}\" will be created, valid {} days.",
                oauth.secret_expiry_days
            ));
        }
        SecretPlan::Mint { replaces: same_app }
    };
    let secret_expiry = match (&app_plan, &secret) {
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

    Ok(OauthLook {
        discovery,
        issuer,
        validated_issuer,
        graph,
        app: app_plan,
        sp,
        grants,
        secret,
        secret_expiry_days: oauth.secret_expiry_days,
        secret_expiry,
        our_old_secrets,
        minted_key_id: None,
    })
}

fn single_expiry(app: &Application) -> Option<DateTime<Utc>> {
    match app.password_credentials.as_slice() {
        [only] => only.end_date_time,
        _ => None,
    }
}

/// Step 2 (Services with OAuth): the organization's tenant, the tenant of `--tenant` /
/// `--issuer-url`, and the discovery document of the issuer; every tenant named must be the
/// organization's.
fn tenant_and_discovery(
    plan: &SetupPlan,
    oauth: &OauthPlan,
    s: &SetupServices<'_>,
    checks: &mut Vec<Check>,
) -> Result<Discovery> {
    let ui = s.ui;
    let org = plan.target.org();
    let org_tenant = match org {
        Some(org) => {
            let spinner = ui.spinner(format!(
                "Asking Azure DevOps which Entra ID tenant organization {org} is connected to"
            ));
            let found = s.ado.discover_tenant(org)?;
            drop(spinner);
            match found {
                OrgTenant::Connected(guid) => {
                    ui.ok(format!(
                        "organization {org} is connected to Entra ID tenant {guid}"
                    ));
                    checks.push(check(
                        "organization connected to Entra ID",
                        true,
                        format!("{org}: tenant {guid}"),
                    ));
                    Some(guid)
                }
                OrgTenant::NotConnected => {
                    return Err(Error::check(format!(
                        "Azure DevOps organization `{org}` is not connected to Microsoft Entra ID"
                    ))
                    .with_hint(format!(
                        "an organization owner connects it in Azure DevOps under Organization \
                         settings → Microsoft Entra → Connect directory \
                         (https://dev.azure.com/{org}/_settings/organizationAad), choosing the \
                         tenant your developers sign in with; then run `ado-scm setup` again"
                    )))
                }
            }
        }
        None => {
            ui.warn(
                "no Azure DevOps organization given (--org): the tenant cannot be compared with \
                 the organization's",
            );
            None
        }
    };

    // The tenant the admin named, if any, resolved to its GUID.
    let named = match (&oauth.issuer, &oauth.tenant) {
        (Some(issuer), _) => Some(issuer.clone()),
        (None, Some(tenant)) => Some(Issuer::for_tenant(
            s.authority,
            tenant,
            IssuerForm::OAuth2V2,
        )?),
        (None, None) => None,
    };
    let base = match (&named, &org_tenant) {
        (Some(issuer), _) => issuer.clone(),
        (None, Some(guid)) => Issuer::for_tenant(s.authority, guid, IssuerForm::OAuth2V2)?,
        (None, None) => {
            return Err(Error::missing(
                "the Azure DevOps organization (to find its Entra ID tenant)",
                "--org ORG (or --tenant TENANT)",
            ))
        }
    };
    let spinner = ui.spinner("Reading the tenant's OpenID configuration");
    let discovery = issuer::discover(s.http, &base)?;
    drop(spinner);
    if let (Some(issuer), Some(tenant)) = (&oauth.issuer, &oauth.tenant) {
        let tenant_guid = if issuer::is_guid(tenant) {
            tenant.clone()
        } else {
            let d = issuer::discover(
                s.http,
                &Issuer::for_tenant(s.authority, tenant, IssuerForm::OAuth2V2)?,
            )?;
            d.tenant_id
        };
        if tenant_guid != discovery.tenant_id {
            return Err(Error::check(format!(
                "tenant mismatch: --tenant {tenant} is tenant {tenant_guid}, but --issuer-url {issuer} names tenant {}",
                discovery.tenant_id
            ))
            .with_hint("give one tenant: leave out --tenant or --issuer-url"));
        }
    }
    if let (Some(org_guid), Some(_)) = (&org_tenant, &named) {
        if *org_guid != discovery.tenant_id {
            let what = match (&oauth.issuer, &oauth.tenant) {
                (Some(i), _) => format!("--issuer-url {i}"),
                (None, Some(t)) => format!("--tenant {t}"),
                _ => "the tenant given".to_string(),
            };
            return Err(Error::check(format!(
                "tenant mismatch: {what} names Entra ID tenant {}, but Azure DevOps organization \
                 `{}` is connected to tenant {org_guid}",
                discovery.tenant_id,
                org.unwrap_or_default()
            ))
            .with_hint(
                "the app registration must live in the organization's tenant: leave out \
                 --tenant/--issuer-url to use it, or connect the organization to the other tenant",
            ));
        }
    }
    if let Some(note) = named.as_ref().and_then(|i| i.normalised_from.clone()) {
        ui.info(format!("  Issuer URL normalised: {note}."));
    }
    ui.ok(format!(
        "the tenant's OpenID configuration names issuer {}",
        discovery.issuer
    ));
    checks.push(check(
        "issuer discovery",
        true,
        format!("{} (tenant {})", discovery.issuer, discovery.tenant_id),
    ));
    Ok(discovery)
}

/// The issuer string to save: the admin's; else the saved one when it names this tenant (no
/// churn on a re-run); else the guide's form with the tenant's GUID.
fn choose_issuer(
    oauth: &OauthPlan,
    s: &SetupServices<'_>,
    discovery: &Discovery,
    existing: Option<&ScmIntegration>,
) -> Result<IssuerChoice> {
    if let Some(issuer) = &oauth.issuer {
        return Ok(IssuerChoice {
            issuer: issuer.clone(),
            saved: issuer.url(),
        });
    }
    let saved = existing
        .and_then(|i| i.oauth.as_ref())
        .and_then(|o| o.issuer_url.clone());
    if let Some(saved) = saved {
        if let Ok(parsed) = issuer::parse_issuer(&saved, Some(s.authority)) {
            let same_tenant = parsed.tenant == discovery.tenant_id
                || oauth.tenant.as_deref() == Some(parsed.tenant.as_str());
            let same_authority = parsed.authority.as_str().trim_end_matches('/')
                == s.authority.as_str().trim_end_matches('/');
            if same_tenant && same_authority {
                return Ok(IssuerChoice {
                    issuer: parsed,
                    saved,
                });
            }
        }
    }
    let issuer = Issuer::for_tenant(s.authority, &discovery.tenant_id, IssuerForm::OAuth2V2)?;
    Ok(IssuerChoice {
        saved: issuer.url(),
        issuer,
    })
}

/// The four delegated permissions, their ids resolved from the tenant's service principals
/// (the documented constants when a tenant does not list one).
fn required_access(
    graph: &GraphClient<'_>,
    s: &SetupServices<'_>,
) -> Result<Vec<RequiredResourceAccess>> {
    let spinner =
        s.ui.spinner("Resolving the permission ids of Microsoft Graph and Azure DevOps");
    let graph_sp = graph
        .service_principal_by_app_id(GRAPH_APP_ID)?
        .unwrap_or_else(|| stand_in_sp(GRAPH_APP_ID, "Microsoft Graph"));
    let ado_sp = graph
        .service_principal_by_app_id(AZURE_DEVOPS_APP_ID)?
        .unwrap_or_else(|| stand_in_sp(AZURE_DEVOPS_APP_ID, "Azure DevOps"));
    drop(spinner);
    let graph_ids = graph::resolve_scope_ids(&graph_sp, &GRAPH_SCOPES)?;
    let ado_ids = graph::resolve_scope_ids(&ado_sp, &AZURE_DEVOPS_SCOPES)?;
    Ok(vec![
        access(GRAPH_APP_ID, &graph_ids),
        access(AZURE_DEVOPS_APP_ID, &ado_ids),
    ])
}

fn fallback_required_access() -> Vec<RequiredResourceAccess> {
    let resolve = |app: &str, values: &[&str]| -> Vec<(String, String)> {
        values
            .iter()
            .filter_map(|v| {
                graph::fallback_scope_id(app, v).map(|id| (v.to_string(), id.to_string()))
            })
            .collect()
    };
    vec![
        access(GRAPH_APP_ID, &resolve(GRAPH_APP_ID, &GRAPH_SCOPES)),
        access(
            AZURE_DEVOPS_APP_ID,
            &resolve(AZURE_DEVOPS_APP_ID, &AZURE_DEVOPS_SCOPES),
        ),
    ]
}

fn stand_in_sp(app_id: &str, name: &str) -> ServicePrincipal {
    ServicePrincipal {
        id: String::new(),
        app_id: app_id.to_string(),
        display_name: name.to_string(),
        oauth2_permission_scopes: Vec::new(),
    }
}

fn access(resource: &str, ids: &[(String, String)]) -> RequiredResourceAccess {
    RequiredResourceAccess {
        resource_app_id: resource.to_string(),
        resource_access: ids
            .iter()
            .map(|(_, id)| ResourceAccess::scope(id))
            .collect(),
    }
}

fn scope_name(id: &str) -> String {
    graph::FALLBACK_SCOPE_IDS
        .iter()
        .find(|(_, _, known)| known.eq_ignore_ascii_case(id))
        .map(|(_, value, _)| value.to_string())
        .unwrap_or_else(|| id.to_string())
}

/// Finds the app: `--client-id`; `--app-name`; the app of the saved integration; the default
/// name. None found: create one with the given or default name.
fn find_app(
    graph: &GraphClient<'_>,
    s: &SetupServices<'_>,
    oauth: &OauthPlan,
    existing: Option<&ScmIntegration>,
    callback: &str,
    required: &[RequiredResourceAccess],
) -> Result<AppPlan> {
    let spinner = s.ui.spinner("Looking for the app registration");
    let found = if let Some(client_id) = &oauth.client_id {
        Some(
            graph
                .find_application_by_app_id(client_id)?
                .ok_or_else(|| {
                    Error::check(format!(
                "no app registration with client ID {client_id} in this tenant"
            ))
            .with_hint(
                "check --client-id (Entra admin center → App registrations → Application (client) \
                 ID), or leave it out to let ado-scm create the app",
            )
                })?,
        )
    } else if let Some(name) = &oauth.app_name {
        by_name(graph, name)?
    } else {
        let saved = existing
            .and_then(|i| i.oauth.as_ref())
            .map(|o| o.client_id.clone());
        let by_saved = match saved {
            Some(client_id) => graph.find_application_by_app_id(&client_id)?,
            None => None,
        };
        match by_saved {
            Some(app) => Some(app),
            None => by_name(graph, &oauth.default_app_name)?,
        }
    };
    drop(spinner);
    Ok(match found {
        Some(app) => {
            let (patch, repairs) = drift(&app, callback, required);
            AppPlan::Existing {
                app,
                patch,
                repairs,
            }
        }
        None => AppPlan::Create(NewApplication {
            display_name: oauth
                .app_name
                .clone()
                .unwrap_or_else(|| oauth.default_app_name.clone()),
            redirect_uri: callback.to_string(),
            required_resource_access: required.to_vec(),
        }),
    })
}

fn by_name(graph: &GraphClient<'_>, name: &str) -> Result<Option<Application>> {
    let mut apps = graph.find_applications_by_name(name)?;
    match apps.len() {
        0 => Ok(None),
        1 => Ok(apps.pop()),
        n => Err(Error::usage(format!(
            "{n} app registrations in this tenant are named \"{name}\": ado-scm cannot tell which to use"
        ))
        .with_hint(format!(
            "pass --client-id with the client ID of the one to use ({})",
            apps.iter().map(|a| a.app_id.as_str()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// What differs from what the runner needs: the PATCH body and the repairs in words.
fn drift(
    app: &Application,
    callback: &str,
    required: &[RequiredResourceAccess],
) -> (Option<Value>, Vec<String>) {
    let mut repairs = Vec::new();
    let mut patch = serde_json::Map::new();
    let mut uris = app.web.redirect_uris.clone();
    let mut web = false;
    if !uris.iter().any(|u| u == callback) {
        uris.push(callback.to_string());
        repairs.push(format!("add the Web redirect URI {callback}"));
        web = true;
    }
    if !app.web.implicit_grant_settings.enable_id_token_issuance {
        repairs.push("turn on ID tokens".to_string());
        web = true;
    }
    if web {
        patch.insert(
            "web".into(),
            json!({
                "redirectUris": uris,
                "implicitGrantSettings": {"enableIdTokenIssuance": true},
            }),
        );
    }
    let mut access = app.required_resource_access.clone();
    let mut changed = false;
    for want in required {
        let index = match access.iter().position(|a| {
            a.resource_app_id
                .eq_ignore_ascii_case(&want.resource_app_id)
        }) {
            Some(i) => i,
            None => {
                access.push(RequiredResourceAccess {
                    resource_app_id: want.resource_app_id.clone(),
                    resource_access: Vec::new(),
                });
                access.len() - 1
            }
        };
        for scope in &want.resource_access {
            let have = access[index]
                .resource_access
                .iter()
                .any(|a| a.id.eq_ignore_ascii_case(&scope.id) && a.type_ == "Scope");
            if !have {
                access[index].resource_access.push(scope.clone());
                repairs.push(format!("add the permission {}", scope_name(&scope.id)));
                changed = true;
            }
        }
    }
    if changed {
        patch.insert("requiredResourceAccess".into(), json!(access));
    }
    let patch = (!patch.is_empty()).then_some(Value::Object(patch));
    (patch, repairs)
}

/// Tenant-wide consent, per resource: what to create or widen.
fn grant_plans(
    graph: &GraphClient<'_>,
    s: &SetupServices<'_>,
    our_sp: Option<&ServicePrincipal>,
) -> Result<Vec<GrantPlan>> {
    let spinner = s.ui.spinner("Reading the admin consent already granted");
    let mut plans = Vec::new();
    let existing = match our_sp {
        Some(sp) => graph.list_permission_grants(&sp.id)?,
        None => Vec::new(),
    };
    for (resource, app_id, scopes) in [
        (
            "Azure DevOps",
            AZURE_DEVOPS_APP_ID,
            &AZURE_DEVOPS_SCOPES[..],
        ),
        ("Microsoft Graph", GRAPH_APP_ID, &GRAPH_SCOPES[..]),
    ] {
        let resource_sp = graph.service_principal_by_app_id(app_id)?.ok_or_else(|| {
            Error::check(format!(
                "this tenant has no service principal for {resource} ({app_id}), so consent \
                 cannot be granted for it"
            ))
            .with_hint(
                "sign in to Azure DevOps once with an account of this tenant (that adds it), or \
                 leave out --grant-admin-consent and consent in the Entra admin center",
            )
        })?;
        let found = existing
            .iter()
            .find(|g| g.consent_type == "AllPrincipals" && g.resource_id == resource_sp.id)
            .cloned();
        plans.push(GrantPlan {
            resource,
            resource_sp_id: resource_sp.id,
            existing: found,
            scope: scopes.join(" "),
        });
    }
    drop(spinner);
    for p in &plans {
        if p.needs_change() {
            s.ui.info(format!(
                "  Tenant-wide consent for {} ({}) will be granted.",
                p.resource, p.scope
            ));
        } else {
            s.ui.ok(format!("consent for {} is already granted", p.resource));
        }
    }
    Ok(plans)
}

/// The scopes of `want` missing from `have` (space-separated), or `None`; with them, the union.
fn missing_scopes(have: &str, want: &str) -> Option<String> {
    let have: Vec<&str> = have.split_whitespace().collect();
    let missing: Vec<&str> = want
        .split_whitespace()
        .filter(|w| !have.contains(w))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let mut all = have.clone();
    all.extend(missing);
    Some(all.join(" "))
}

// ---- Steps 5-7: secrets, sealing, validation --------------------------------------------------

/// The admin's secret (or a new one): client credentials with Entra, then sealed to the runner
/// and validated by it. Returns the issuer string the runner accepted.
#[allow(clippy::too_many_arguments)]
fn prove_secret(
    s: &SetupServices<'_>,
    plan: &SetupPlan,
    discovery: &Discovery,
    issuer: &IssuerChoice,
    key: &RunnerPublicKey,
    client_id: &str,
    secret: &Secret,
    existing: Option<&ScmIntegration>,
    new: bool,
    checks: &mut Vec<Check>,
) -> Result<String> {
    let ui = s.ui;
    let spinner = ui.spinner("Testing the client ID and secret with Entra ID (client credentials)");
    let tested = if new {
        client_credentials_new(s, discovery, client_id, secret)
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
    let mut used = issuer.saved.clone();
    let spinner =
        ui.spinner("Asking the runner to validate the configuration with the sealed secret");
    let mut result = validate(
        s,
        plan,
        existing.map(|i| i.id.clone()),
        Some((client_id.to_string(), Some(sealed.clone()))),
        Some(used.clone()),
    )?;
    drop(spinner);
    if !result.valid && rejects_issuer(&result) {
        let other = issuer.issuer.other_form().url();
        ui.warn(format!(
            "the runner rejected the issuer URL {used} ({}); trying the other form {other}",
            result.oauth_error.as_deref().unwrap_or_default()
        ));
        let retried = validate(
            s,
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

/// Client credentials with a secret Graph just made: Entra may refuse it (AADSTS7000215) until
/// it has replicated. Retried with back-off for a bounded time, saying why.
fn client_credentials_new(
    s: &SetupServices<'_>,
    discovery: &Discovery,
    client_id: &str,
    secret: &Secret,
) -> Result<()> {
    entra::client_credentials_new_secret(
        s.http,
        &discovery.token_endpoint,
        client_id,
        secret,
        entra::ADO_DEFAULT_SCOPE,
        NEW_SECRET_RETRY,
        &mut |wait| {
            s.ui.info(format!(
                "  Entra ID does not accept the new secret yet (AADSTS7000215): a new secret \
                 takes a moment to reach every Entra ID server. Trying again in {} s…",
                wait.as_secs()
            ))
        },
    )
    .map(|_| ())
    .map_err(|err| {
        if entra::is_secret_not_replicated(&err) {
            err.with_hint(
                "the new client secret was still refused after waiting; Entra ID may be slow \
                 to replicate: run `ado-scm setup` again in a few minutes",
            )
        } else {
            err
        }
    })
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
fn validate(
    s: &SetupServices<'_>,
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
    s.gitpod
        .validate_runner_configuration(&plan.runner.runner_id, &request)
}

fn validation_errors(result: &ValidationResult) -> String {
    let parts: Vec<String> = [
        ("scm", &result.scm_id_error),
        ("host", &result.host_error),
        ("oauth", &result.oauth_error),
        ("pat", &result.pat_error),
    ]
    .into_iter()
    .filter_map(|(name, e)| e.as_ref().map(|e| format!("{name}: {e}")))
    .collect();
    if parts.is_empty() {
        "not valid, no reason given".to_string()
    } else {
        parts.join("; ")
    }
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
    let why = validation_errors(result);
    Err(Error::check(format!("the runner rejects the configuration: {why}")).with_hint(
        "fix what the runner names (the app's secret, the issuer URL, the host) and run again; \
         nothing was saved on the runner",
    ))
}

fn remove_new_secret(s: &SetupServices<'_>, graph: &GraphClient<'_>, app_id: &str, key_id: &str) {
    match graph.remove_password(app_id, key_id) {
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

// ---- Phase 2 helpers ---------------------------------------------------------------------------

/// Creates or repairs the app; returns it (`None` without Graph).
fn apply_app(
    s: &SetupServices<'_>,
    o: &mut OauthLook<'_>,
    changes: &mut usize,
) -> Result<Option<Application>> {
    let ui = s.ui;
    let Some(graph) = o.graph.as_ref() else {
        return Ok(None);
    };
    match &o.app {
        AppPlan::Create(new) => {
            let spinner = ui.spinner("Creating the app registration");
            let app = graph.create_application(new)?;
            drop(spinner);
            *changes += 1;
            ui.ok(format!(
                "created the app registration \"{}\" (client ID {}, object ID {})",
                app.display_name, app.app_id, app.id
            ));
            Ok(Some(app))
        }
        AppPlan::Existing {
            app,
            patch,
            repairs,
        } => {
            if let Some(patch) = patch {
                let spinner = ui.spinner("Repairing the app registration");
                retry_not_found(s, || graph.update_application(&app.id, patch))?;
                drop(spinner);
                *changes += 1;
                for r in repairs {
                    ui.ok(format!("repaired: {r}"));
                }
            } else {
                ui.ok(format!(
                    "app registration \"{}\" unchanged",
                    app.display_name
                ));
            }
            Ok(Some(app.clone()))
        }
        AppPlan::Unchecked(_) => Ok(None),
    }
}

fn apply_sp_and_grants(
    s: &SetupServices<'_>,
    o: &mut OauthLook<'_>,
    app: Option<&Application>,
    changes: &mut usize,
) -> Result<()> {
    let ui = s.ui;
    let (Some(graph), Some(app)) = (o.graph.as_ref(), app) else {
        return Ok(());
    };
    let sp = match &o.sp {
        Some(sp) => sp.clone(),
        None => {
            let spinner = ui.spinner("Creating the app's service principal");
            let sp = retry_not_found(s, || graph.create_service_principal(&app.app_id))?;
            drop(spinner);
            *changes += 1;
            ui.ok(format!("created the service principal {}", sp.id));
            o.sp = Some(sp.clone());
            sp
        }
    };
    for grant in &o.grants {
        match &grant.existing {
            None => {
                let spinner = ui.spinner(format!("Granting admin consent for {}", grant.resource));
                retry_not_found(s, || {
                    graph.create_permission_grant(&sp.id, &grant.resource_sp_id, &grant.scope)
                })?;
                drop(spinner);
                *changes += 1;
                ui.ok(format!(
                    "granted tenant-wide consent for {} ({})",
                    grant.resource, grant.scope
                ));
            }
            Some(existing) => {
                if let Some(scope) = missing_scopes(&existing.scope, &grant.scope) {
                    graph.update_permission_grant(&existing.id, &scope)?;
                    *changes += 1;
                    ui.ok(format!(
                        "widened the tenant-wide consent for {} to {scope}",
                        grant.resource
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Retries a Graph call that answered 404 (a new object not visible yet).
fn retry_not_found<T>(s: &SetupServices<'_>, mut call: impl FnMut() -> Result<T>) -> Result<T> {
    let mut attempt = 1;
    loop {
        match call() {
            Err(err) if graph::is_not_found(&err) && attempt < NOT_FOUND_ATTEMPTS => {
                tracing::info!("Microsoft Graph does not show a new object yet; retrying");
                s.http.clock().sleep(NOT_FOUND_WAIT);
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// What the integration save will do.
#[derive(Debug, Clone)]
enum IntegrationChange {
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
    fn is_none(&self) -> bool {
        matches!(self, IntegrationChange::Unchanged(_))
    }

    fn destructive(&self) -> Vec<String> {
        match self {
            IntegrationChange::Update { destructive, .. } => destructive.clone(),
            _ => Vec::new(),
        }
    }

    fn fields(&self) -> Vec<String> {
        match self {
            IntegrationChange::Update { fields, .. } => fields.clone(),
            _ => Vec::new(),
        }
    }
}

/// Compares the saved integration with the wanted one. `client_id`: the app's (unknown for an
/// app still to be created); `secret`: a secret will be sent (new or given).
fn integration_change(
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
        if saved.map(|o| o.client_id.as_str()) != Some(wanted) {
            update.oauth_client_id = Some(wanted.to_string());
            fields.push("OAuth client ID".to_string());
        }
        if secret {
            fields.push("client secret".to_string());
        }
        let saved_issuer = saved.and_then(|o| o.issuer_url.as_deref());
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

fn save(
    s: &SetupServices<'_>,
    change: &IntegrationChange,
    secret: Option<&Secret>,
) -> Result<(String, IntegrationOutcome)> {
    let ui = s.ui;
    match change {
        IntegrationChange::Create(write) => {
            let mut write = write.clone();
            write.oauth_plaintext_client_secret = secret.cloned();
            let spinner = ui.spinner("Creating the runner's SCM integration");
            let id = s.gitpod.create_scm_integration(&write)?;
            drop(spinner);
            Ok((id, IntegrationOutcome::Created))
        }
        IntegrationChange::Update { id, update, .. } => {
            let mut update = update.clone();
            update.oauth_plaintext_client_secret = secret.cloned();
            let spinner = ui.spinner("Updating the runner's SCM integration");
            s.gitpod.update_scm_integration(id, &update)?;
            drop(spinner);
            Ok((id.clone(), IntegrationOutcome::Updated))
        }
        IntegrationChange::Unchanged(id) => Ok((id.clone(), IntegrationOutcome::Unchanged)),
    }
}

// ---- The plan on screen, and the dry run -------------------------------------------------------

fn show_plan(ui: &Ui, plan: &SetupPlan, oauth: Option<&OauthLook<'_>>, change: &IntegrationChange) {
    let mut lines = Vec::new();
    if let Some(o) = oauth {
        match &o.app {
            AppPlan::Create(new) => lines.push(format!(
                "create the app registration \"{}\" in tenant {}",
                new.display_name, o.discovery.tenant_id
            )),
            AppPlan::Existing {
                app,
                patch: Some(_),
                repairs,
            } => lines.push(format!(
                "repair the app registration \"{}\": {}",
                app.display_name,
                repairs.join("; ")
            )),
            _ => {}
        }
        if o.graph.is_some() && o.sp.is_none() {
            lines.push("create the app's service principal (enterprise application)".into());
        }
        for g in o.grants.iter().filter(|g| g.needs_change()) {
            lines.push(format!(
                "grant tenant-wide consent for {} ({})",
                g.resource, g.scope
            ));
        }
        if let SecretPlan::Mint { replaces } = &o.secret {
            lines.push(format!(
                "add a client secret \"{}\" valid {} days{}",
                secret_display_name(&plan.runner.runner_id),
                o.secret_expiry_days,
                if *replaces {
                    ", then replace the saved one with it"
                } else {
                    ""
                }
            ));
            lines.push(
                "test it (Entra client credentials) and have the runner validate it, sealed to \
                 its public key"
                    .into(),
            );
        }
    }
    match change {
        IntegrationChange::Create(_) => lines.push(format!(
            "create the runner's {} integration for {} ({})",
            plan.target.scm_id(),
            plan.target.host(),
            methods(plan.oauth.is_some(), plan.pat)
        )),
        IntegrationChange::Update { fields, .. } => lines.push(format!(
            "update the runner's integration for {}: {}",
            plan.target.host(),
            fields.join(", ")
        )),
        IntegrationChange::Unchanged(_) => {}
    }
    if let Some(o) = oauth {
        let rotating = plan.oauth.as_ref().is_some_and(|p| p.rotate_secret);
        if rotating
            && matches!(o.secret, SecretPlan::Mint { replaces: true })
            && !o.our_old_secrets.is_empty()
        {
            lines.push(format!(
                "then remove the old client secret(s) ado-scm created: {}",
                o.our_old_secrets.join(", ")
            ));
        }
    }
    if lines.is_empty() {
        ui.info("\nNothing to change: everything is already in place.");
        return;
    }
    ui.info(if plan.dry_run {
        "\nPlan (dry run: nothing will be changed):"
    } else {
        "\nPlan:"
    });
    for line in lines {
        ui.info(format!("  • {line}"));
    }
}

struct DryRun<'a, 'b> {
    s: &'b SetupServices<'a>,
    on: bool,
    count: usize,
}

impl<'a, 'b> DryRun<'a, 'b> {
    fn new(s: &'b SetupServices<'a>, on: bool) -> Self {
        DryRun { s, on, count: 0 }
    }

    fn request(&mut self, what: &str, method: &str, url: &str, body: Option<&Value>) {
        if !self.on {
            return;
        }
        self.count += 1;
        let ui = self.s.ui;
        ui.info(format!("  {}. {what}", self.count));
        ui.info(format!("     {method} {url}"));
        if let Some(body) = body {
            let text = serde_json::to_string_pretty(body).unwrap_or_default();
            for line in text.lines() {
                ui.info(format!("     {line}"));
            }
        }
    }

    /// As a string: the placeholders of objects not made yet (`{id of the new app}`) stay
    /// readable.
    fn graph(&self, path: &str) -> String {
        format!("{}/{path}", self.s.graph_url.as_str().trim_end_matches('/'))
    }

    fn gitpod(&self, method: &str) -> String {
        join(self.s.gitpod_url, &format!("gitpod.v1.{method}")).to_string()
    }
}

const REDACTED_SECRET: &str = "<redacted: the client secret>";

#[allow(clippy::too_many_arguments)]
fn dry_run_report(
    plan: &SetupPlan,
    s: &SetupServices<'_>,
    dry: &mut DryRun<'_, '_>,
    oauth: Option<OauthLook<'_>>,
    existing: Option<&ScmIntegration>,
    change: &IntegrationChange,
    checks: Vec<Check>,
) -> SetupReport {
    let ui = s.ui;
    ui.info("\nRequests a real run would send (secrets redacted):");
    let runner_id = plan.runner.runner_id.clone();
    let mut oauth_summary = None;
    let mut app_name = None;
    let mut app_created = false;
    let mut repairs = Vec::new();
    let mut graph_checked = false;
    let mut consent = false;
    let mut tenant_id = None;
    if let Some(o) = &oauth {
        tenant_id = Some(o.discovery.tenant_id.clone());
        graph_checked = o.graph.is_some();
        consent = o.consent_wanted();
        let new_object = "{id of the new app}";
        let (object_id, client_id) = match &o.app {
            AppPlan::Create(new) => {
                app_created = true;
                app_name = Some(new.display_name.clone());
                dry.request(
                    "create the app registration",
                    "POST",
                    &dry.graph("v1.0/applications"),
                    Some(&new.to_json()),
                );
                (None, None)
            }
            AppPlan::Existing {
                app,
                patch,
                repairs: r,
            } => {
                app_name = Some(app.display_name.clone());
                repairs = r.clone();
                if let Some(patch) = patch {
                    dry.request(
                        "repair the app registration",
                        "PATCH",
                        &dry.graph(&format!("v1.0/applications/{}", app.id)),
                        Some(patch),
                    );
                }
                (Some(app.id.clone()), Some(app.app_id.clone()))
            }
            AppPlan::Unchecked(id) => (None, Some(id.clone())),
        };
        if o.graph.is_some() && o.sp.is_none() {
            dry.request(
                "create the app's service principal",
                "POST",
                &dry.graph("v1.0/servicePrincipals"),
                Some(&json!({"appId": client_id.clone().unwrap_or_else(|| "{appId of the new app}".into())})),
            );
        }
        let sp_id =
            o.sp.as_ref()
                .map(|sp| sp.id.clone())
                .unwrap_or_else(|| "{id of the new service principal}".into());
        for g in &o.grants {
            match &g.existing {
                None => dry.request(
                    &format!("grant tenant-wide consent for {}", g.resource),
                    "POST",
                    &dry.graph("v1.0/oauth2PermissionGrants"),
                    Some(&json!({
                        "clientId": sp_id,
                        "consentType": "AllPrincipals",
                        "resourceId": g.resource_sp_id,
                        "scope": g.scope,
                    })),
                ),
                Some(existing) => {
                    if let Some(scope) = missing_scopes(&existing.scope, &g.scope) {
                        dry.request(
                            &format!("widen the tenant-wide consent for {}", g.resource),
                            "PATCH",
                            &dry.graph(&format!("v1.0/oauth2PermissionGrants/{}", existing.id)),
                            Some(&json!({"scope": scope})),
                        );
                    }
                }
            }
        }
        let outcome = match &o.secret {
            SecretPlan::Reuse | SecretPlan::Given(_) => SecretOutcome::Reused,
            SecretPlan::Mint { replaces } => {
                let end =
                    s.http.clock().now() + chrono::Duration::days(i64::from(o.secret_expiry_days));
                dry.request(
                    "add a client secret (then test it with Entra ID and have the runner \
                     validate it sealed: reads, not shown)",
                    "POST",
                    &dry.graph(&format!(
                        "v1.0/applications/{}/addPassword",
                        object_id.as_deref().unwrap_or(new_object)
                    )),
                    Some(&json!({"passwordCredential": {
                        "displayName": secret_display_name(&runner_id),
                        "endDateTime": end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    }})),
                );
                if *replaces {
                    SecretOutcome::Rotated
                } else {
                    SecretOutcome::Created
                }
            }
        };
        oauth_summary = Some(OauthSummary {
            client_id: client_id.clone(),
            app_object_id: object_id.clone(),
            issuer_url: o
                .validated_issuer
                .clone()
                .unwrap_or_else(|| o.issuer.saved.clone()),
            secret_expires_at: if matches!(o.secret, SecretPlan::Mint { .. }) {
                None
            } else {
                o.secret_expiry
            },
            secret: outcome,
        });
    }
    let secret_sent = oauth.as_ref().is_some_and(|o| o.secret.sends_secret());
    let with_secret = |mut body: Value| {
        if secret_sent {
            body["oauthPlaintextClientSecret"] = json!(REDACTED_SECRET);
        }
        body
    };
    let outcome = match change {
        IntegrationChange::Create(write) => {
            let mut body = json!({
                "runnerId": write.runner_id,
                "scmId": write.scm_id,
                "host": write.host,
                "pat": write.pat,
            });
            if let Some(c) = &write.oauth_client_id {
                body["oauthClientId"] = json!(c);
            }
            if let Some(i) = &write.issuer_url {
                body["issuerUrl"] = json!(i);
            }
            if let Some(v) = &write.virtual_directory {
                body["virtualDirectory"] = json!(v);
            }
            dry.request(
                "create the runner's SCM integration",
                "POST",
                &dry.gitpod("RunnerConfigurationService/CreateSCMIntegration"),
                Some(&with_secret(body)),
            );
            IntegrationOutcome::Created
        }
        IntegrationChange::Update { id, update, .. } => {
            let mut body = json!({"id": id});
            if let Some(c) = &update.oauth_client_id {
                body["oauthClientId"] = json!(c);
            }
            if let Some(p) = update.pat {
                body["pat"] = json!(p);
            }
            if let Some(i) = &update.issuer_url {
                body["issuerUrl"] = json!(i);
            }
            if let Some(v) = &update.virtual_directory {
                body["virtualDirectory"] = json!(v);
            }
            dry.request(
                "update the runner's SCM integration",
                "POST",
                &dry.gitpod("RunnerConfigurationService/UpdateSCMIntegration"),
                Some(&with_secret(body)),
            );
            IntegrationOutcome::Updated
        }
        IntegrationChange::Unchanged(_) => IntegrationOutcome::Unchanged,
    };
    if let (Some(o), Some(p)) = (&oauth, &plan.oauth) {
        if p.rotate_secret {
            if let AppPlan::Existing { app, .. } = &o.app {
                for key_id in &o.our_old_secrets {
                    dry.request(
                        "remove the old client secret ado-scm created",
                        "POST",
                        &dry.graph(&format!("v1.0/applications/{}/removePassword", app.id)),
                        Some(&json!({"keyId": key_id})),
                    );
                }
            }
        }
    }
    if dry.count == 0 {
        ui.info("  none: everything is already in place");
    }
    SetupReport {
        summary: Summary {
            runner_id,
            scm_id: plan.target.scm_id().to_string(),
            host: plan.target.host().to_string(),
            integration_id: existing.map(|i| i.id.clone()),
            integration: outcome,
            oauth: oauth_summary,
            pat: plan.pat,
            checks,
            dry_run: true,
        },
        runner_name: plan.runner.name.clone(),
        tenant_id,
        app_name,
        app_created,
        repairs,
        graph_checked,
        consent_granted: consent,
        removed_secrets: Vec::new(),
        changes: dry.count,
    }
}

// ---- Small helpers -----------------------------------------------------------------------------

fn check(name: &str, ok: bool, detail: impl Into<String>) -> Check {
    Check {
        name: name.to_string(),
        ok,
        detail: detail.into(),
    }
}

pub fn methods(oauth: bool, pat: bool) -> &'static str {
    match (oauth, pat) {
        (true, true) => "OAuth (Entra ID) and PAT",
        (true, false) => "OAuth (Entra ID) only",
        (false, true) => "PAT only",
        (false, false) => "none",
    }
}

fn describe_target(target: &Target) -> String {
    match target {
        Target::Services { host, org } => match org {
            Some(org) => format!("Services, host {host}, organization {org}"),
            None => format!("Services, host {host}"),
        },
        Target::Server {
            host,
            virtual_directory,
        } => format!("Server, host {host}, virtual directory {virtual_directory}"),
    }
}

fn short_phase(phase: &str) -> String {
    phase
        .strip_prefix("RUNNER_PHASE_")
        .unwrap_or(phase)
        .to_ascii_lowercase()
}

pub fn date(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::clients::gitpod::{RunnerStatus, ScmOauth};
    use crate::clients::test_server::{http, Stub, StubServer};
    use crate::ui::UiMode;

    const CALLBACK: &str = "https://runner.example.com/auth/oauth2/callback";
    const TENANT: &str = "7e5a17c0-5a1d-4b0c-9e11-acde00000001";

    #[derive(Clone, Default)]
    struct Screen(Arc<Mutex<Vec<u8>>>);

    impl Write for Screen {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Screen {
        fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
        }
    }

    fn ui() -> (Ui, Screen) {
        let screen = Screen::default();
        let ui = Ui::new(
            UiMode::default(),
            Box::new(std::io::sink()),
            Box::new(screen.clone()),
        );
        (ui, screen)
    }

    fn required() -> Vec<RequiredResourceAccess> {
        fallback_required_access()
    }

    fn app() -> Application {
        Application {
            id: "obj".into(),
            app_id: "client".into(),
            display_name: "app".into(),
            sign_in_audience: "AzureADMyOrg".into(),
            web: graph::Web {
                redirect_uris: vec![CALLBACK.into()],
                implicit_grant_settings: graph::ImplicitGrantSettings {
                    enable_id_token_issuance: true,
                },
            },
            required_resource_access: required(),
            password_credentials: Vec::new(),
        }
    }

    fn plan(target: Target, pat: bool, oauth: bool) -> SetupPlan {
        SetupPlan {
            runner: Runner {
                runner_id: "r1".into(),
                name: "runner".into(),
                status: RunnerStatus {
                    phase: "RUNNER_PHASE_ACTIVE".into(),
                    ..RunnerStatus::default()
                },
                ..Runner::default()
            },
            target,
            pat,
            oauth: oauth.then(|| OauthPlan {
                tenant: None,
                issuer: None,
                client_id: None,
                app_name: None,
                default_app_name: "app".into(),
                client_secret: None,
                secret_expiry_days: 30,
                rotate_secret: false,
                grant_admin_consent: false,
            }),
            dry_run: false,
        }
    }

    fn services() -> Target {
        Target::Services {
            host: "dev.azure.com".into(),
            org: Some("acme".into()),
        }
    }

    #[test]
    fn an_app_as_it_should_be_has_no_drift() {
        let (patch, repairs) = drift(&app(), CALLBACK, &required());
        assert_eq!(patch, None);
        assert!(repairs.is_empty());
    }

    #[test]
    fn drift_keeps_what_is_there_and_adds_what_is_missing() {
        let mut broken = app();
        broken.web.redirect_uris = vec!["https://other.example.com/cb".into()];
        broken.web.implicit_grant_settings.enable_id_token_issuance = false;
        broken.required_resource_access = vec![RequiredResourceAccess {
            resource_app_id: AZURE_DEVOPS_APP_ID.to_uppercase(),
            resource_access: vec![
                ResourceAccess::scope("b325850d-aa53-41ed-b77a-c5036b2f39fa"),
                ResourceAccess {
                    id: "11111111-0000-0000-0000-000000000000".into(),
                    type_: "Role".into(),
                },
            ],
        }];
        let (patch, repairs) = drift(&broken, CALLBACK, &required());
        let patch = patch.expect("a patch");
        assert_eq!(
            patch["web"],
            json!({"redirectUris": ["https://other.example.com/cb", CALLBACK],
                   "implicitGrantSettings": {"enableIdTokenIssuance": true}})
        );
        let access: Vec<RequiredResourceAccess> =
            serde_json::from_value(patch["requiredResourceAccess"].clone()).unwrap();
        assert_eq!(access.len(), 2);
        assert_eq!(access[0].resource_access.len(), 3, "the role is kept");
        assert_eq!(access[1].resource_app_id, GRAPH_APP_ID);
        assert_eq!(
            repairs,
            [
                format!("add the Web redirect URI {CALLBACK}"),
                "turn on ID tokens".to_string(),
                "add the permission openid".to_string(),
                "add the permission offline_access".to_string(),
                "add the permission vso.code_write".to_string(),
            ]
        );
        // Only what drifted is sent.
        let mut ids_off = app();
        ids_off.web.implicit_grant_settings.enable_id_token_issuance = false;
        let (patch, _) = drift(&ids_off, CALLBACK, &required());
        assert!(patch.unwrap().get("requiredResourceAccess").is_none());
    }

    #[test]
    fn scopes_are_widened_never_narrowed() {
        assert_eq!(missing_scopes("vso.code vso.code_write", "vso.code"), None);
        assert_eq!(
            missing_scopes("vso.code profile", "vso.code vso.code_write").as_deref(),
            Some("vso.code profile vso.code_write")
        );
        assert_eq!(missing_scopes("", "openid").as_deref(), Some("openid"));
    }

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
        let change = integration_change(
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
        } = integration_change(
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
        } = integration_change(&p, Some(&saved(true, true)), None, false, None)
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
        } = integration_change(
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
        let change = integration_change(
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
        let IntegrationChange::Create(write) = integration_change(&p, None, None, false, None)
        else {
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
        let validate = "/gitpod.v1.RunnerConfigurationService/ValidateRunnerConfiguration";
        let server = StubServer::start(vec![
            Stub::post(&format!("/{TENANT}/oauth2/v2.0/token"))
                .json(json!({"access_token": "t", "token_type": "Bearer", "expires_in": 3599})),
            Stub::post(validate).json(json!({"scmIntegration": {
                "oauthError": "issuer URL does not match the token issuer"}})),
            Stub::post(validate).json(json!({"scmIntegration": {"valid": true}})),
        ]);
        let (http, _clock) = http();
        let (ui, screen) = ui();
        let base = server.base();
        let gitpod = GitpodClient::new(&http, base.clone(), Secret::new("gitpod-token"));
        let ado = AdoClient::new(&http, None);
        let authority = Url::parse(base.as_str().trim_end_matches('/')).unwrap();
        let s = SetupServices {
            http: &http,
            ui: &ui,
            gitpod: &gitpod,
            gitpod_url: &base,
            ado: &ado,
            authority: &authority,
            graph_url: &base,
        };
        let issuer = Issuer::for_tenant(&authority, TENANT, IssuerForm::OAuth2V2).unwrap();
        let discovery = Discovery {
            issuer: issuer.oidc_form(),
            tenant_id: TENANT.into(),
            authorization_endpoint: server.url(&format!("{TENANT}/oauth2/v2.0/authorize")),
            token_endpoint: server.url(&format!("{TENANT}/oauth2/v2.0/token")),
            device_authorization_endpoint: None,
            jwks_uri: server.url(&format!("{TENANT}/discovery/v2.0/keys")),
        };
        let secret_key = crypto_box::SecretKey::generate(&mut rand_core::OsRng);
        let key =
            RunnerPublicKey::from_key_bytes(secret_key.public_key().as_bytes(), "test").unwrap();
        let choice = IssuerChoice {
            saved: issuer.url(),
            issuer: issuer.clone(),
        };
        let mut checks = Vec::new();
        let used = prove_secret(
            &s,
            &plan(services(), true, true),
            &discovery,
            &choice,
            &key,
            "client",
            &Secret::new("the-secret"),
            None,
            false,
            &mut checks,
        )
        .unwrap();
        assert_eq!(used, issuer.oidc_form());
        let requests = server.finish();
        let first = requests[1].json();
        let second = requests[2].json();
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
        let text = screen.text();
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
        let (http, _clock) = http();
        let (ui, _) = ui();
        let base = server.base();
        let gitpod = GitpodClient::new(&http, base.clone(), Secret::new("gitpod-token"));
        let ado = AdoClient::new(&http, None);
        let s = SetupServices {
            http: &http,
            ui: &ui,
            gitpod: &gitpod,
            gitpod_url: &base,
            ado: &ado,
            authority: &base,
            graph_url: &base,
        };
        let p = plan(services(), true, false);
        let result = validate(&s, &p, None, None, None).unwrap();
        let mut checks = Vec::new();
        let err = expect_valid(&result, &mut checks).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert_eq!(
            err.message,
            "the runner rejects the configuration: host: host is required"
        );
        server.finish();
    }

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
        let method = "/gitpod.v1.RunnerConfigurationService/GetRunnerConfigurationSchema";
        let server = StubServer::start(vec![
            Stub::post(method).json(json!({"schema": {"scm": [{"scmId": "github"}]}})),
            Stub::post(method).json(json!({"schema": {"scm": [{"scmId": SCM_SERVICES}]}})),
            Stub::post(method).json(json!({"schema": {"scm": [{"scmId": SCM_SERVICES}]}})),
            Stub::post(method).json(json!({"schema": {"scm": [{"scmId": SCM_SERVICES,
                "oauth": {"callbackUrl": CALLBACK}}]}})),
        ]);
        let (http, _clock) = http();
        let (ui, _) = ui();
        let base = server.base();
        let gitpod = GitpodClient::new(&http, base.clone(), Secret::new("gitpod-token"));
        let ado = AdoClient::new(&http, None);
        let s = SetupServices {
            http: &http,
            ui: &ui,
            gitpod: &gitpod,
            gitpod_url: &base,
            ado: &ado,
            authority: &base,
            graph_url: &base,
        };
        let with_oauth = plan(services(), true, true);
        let err = runner_schema(&with_oauth, &s).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert_eq!(
            err.message,
            "runner runner does not offer Azure DevOps (azuredevops_entra); its configuration \
             schema offers: github"
        );
        let err = runner_schema(&with_oauth, &s).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err.message.contains("without OAuth"), "{}", err.message);
        assert!(err.hint.unwrap().contains("--no-oauth"));
        // PAT only needs no callback; with OAuth the callback comes back.
        assert_eq!(
            runner_schema(&plan(services(), true, false), &s).unwrap(),
            None
        );
        assert_eq!(
            runner_schema(&with_oauth, &s).unwrap().as_deref(),
            Some(CALLBACK)
        );
        server.finish();
    }

    #[test]
    fn the_scm_ids_are_the_contexts() {
        assert_eq!(SCM_SERVICES, crate::commands::context::SCM_ADO_SERVICES);
        assert_eq!(SCM_SERVER, crate::commands::context::SCM_ADO_SERVER);
    }
}
