//! Step 4, the app registration in Entra ID (through Microsoft Graph, with the admin's
//! sign-in): find it or plan to create it, list its drift from what the runner needs (the Web
//! redirect URI, ID tokens, the four delegated permissions) and repair it in place; its service
//! principal; with `--grant-admin-consent`, tenant-wide consent per resource (widened, never
//! narrowed).

use std::time::Duration;

use serde_json::{json, Value};

use crate::clients::gitpod::ScmIntegration;
use crate::clients::graph::{
    self, Application, GraphClient, NewApplication, PermissionGrant, RequiredResourceAccess,
    ResourceAccess, ServicePrincipal, AZURE_DEVOPS_APP_ID, GRAPH_APP_ID,
};
use crate::error::{Error, Result};
use crate::flows::read_back;
use crate::ui::Ui;

use super::summary::{check, Check};
use super::{OauthLook, OauthPlan, SetupServices};

/// The delegated permissions the app registration needs, per resource.
const GRAPH_SCOPES: [&str; 2] = ["openid", "offline_access"];
const AZURE_DEVOPS_SCOPES: [&str; 2] = ["vso.code", "vso.code_write"];

/// A new object takes a moment to reach every Graph replica: how often an answer that means
/// "not there yet" is tried again, and the first wait (doubled each time, at most 8 services).
const SETTLING_ATTEMPTS: u32 = 6;
const SETTLING_FIRST_WAIT: Duration = Duration::from_secs(1);

/// What to do about the app registration.
#[derive(Debug)]
pub(super) enum AppPlan {
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
    pub(super) fn is_create(&self) -> bool {
        matches!(self, AppPlan::Create(_))
    }
    pub(super) fn repairs(&self) -> &[String] {
        match self {
            AppPlan::Existing { repairs, .. } => repairs,
            _ => &[],
        }
    }
}

#[derive(Debug)]
pub(super) struct GrantPlan {
    pub resource: &'static str,
    pub resource_sp_id: String,
    /// The existing tenant-wide grant and its scopes, when there is one.
    pub existing: Option<PermissionGrant>,
    pub scope: String,
}

impl GrantPlan {
    pub(super) fn needs_change(&self) -> bool {
        match &self.existing {
            None => true,
            Some(g) => missing_scopes(&g.scope, &self.scope).is_some(),
        }
    }
}

/// What step 4 found, and what it would change.
pub(super) struct Registration {
    pub app: AppPlan,
    /// Our app's service principal: `None` = to be created (or unchecked without Graph).
    pub sp: Option<ServicePrincipal>,
    pub grants: Vec<GrantPlan>,
}

/// What Microsoft Graph says about step 4, read at once: the permission ids of Graph and Azure
/// DevOps (their service principals), the app (by `--client-id`, `--app-name`, the runner's
/// saved client id or the default name) and its service principal.
pub(super) struct GraphFacts {
    graph_sp: Option<ServicePrincipal>,
    ado_sp: Option<ServicePrincipal>,
    app: Option<Application>,
    app_sp: Option<ServicePrincipal>,
}

/// Reads [`GraphFacts`]. The lookups that do not wait on one another go out together: both
/// resource principals, the app by each way it may be named, and the principal of an app whose
/// client id is known already (the runner's saved one); an app found only by its name has its
/// principal read after it.
pub(super) fn read_graph(
    graph: &GraphClient<'_>,
    services: &SetupServices<'_>,
    oauth: &OauthPlan,
    existing: Option<&ScmIntegration>,
) -> Result<GraphFacts> {
    let saved = existing
        .and_then(|i| i.oauth.as_ref())
        .map(|saved| saved.client_id.clone());
    // The client id the app will have if it is found by id (`--client-id`, else the saved one
    // when no name is given): its principal can be read at once.
    let known_id = oauth
        .client_id
        .clone()
        .or_else(|| saved.clone().filter(|_| oauth.app_name.is_none()));
    let (graph_sp, ado_sp, app, app_sp) = {
        std::thread::scope(|scope| {
            let graph_sp = scope.spawn(|| graph.service_principal_by_app_id(GRAPH_APP_ID));
            let ado_sp = scope.spawn(|| graph.service_principal_by_app_id(AZURE_DEVOPS_APP_ID));
            let app_sp = scope.spawn(|| match &known_id {
                Some(id) => sp_of_app_in_use(graph, services, id, saved.as_deref() == Some(id)),
                None => Ok(None),
            });
            let app = find_app(graph, oauth, saved.as_deref(), scope);
            (
                graph_sp.join().expect("the lookup ran"),
                ado_sp.join().expect("the lookup ran"),
                app,
                app_sp.join().expect("the lookup ran"),
            )
        })
    };
    let app = app?;
    let app_sp = match (&app, app_sp?) {
        (Some(found), Some(sp)) if sp.app_id == found.app_id => Some(sp),
        (Some(found), _) if Some(&found.app_id) != known_id.as_ref() => sp_of_app_in_use(
            graph,
            services,
            &found.app_id,
            saved.as_deref() == Some(&found.app_id),
        )?,
        _ => None,
    };
    Ok(GraphFacts {
        graph_sp: graph_sp?,
        ado_sp: ado_sp?,
        app,
        app_sp,
    })
}

/// The service principal of an app. The app the runner already uses (`in_use`) had its
/// principal made by an earlier run: one Graph does not show may only not have reached this
/// replica yet, so it is looked for a few times before it is planned anew.
fn sp_of_app_in_use(
    graph: &GraphClient<'_>,
    services: &SetupServices<'_>,
    app_id: &str,
    in_use: bool,
) -> Result<Option<ServicePrincipal>> {
    let find = || graph.service_principal_by_app_id(app_id);
    if in_use {
        read_back::until_found(services.http.clock().as_ref(), find)
    } else {
        find()
    }
}

/// Step 4 before any change, from what Graph said (`None` without a Graph sign-in: the admin's
/// client id is taken as it is, with a warning saying what to check by hand).
pub(super) fn look(
    graph: Option<(&GraphClient<'_>, GraphFacts)>,
    services: &SetupServices<'_>,
    oauth: &OauthPlan,
    callback: &str,
    checks: &mut Vec<Check>,
) -> Result<Registration> {
    let ui = services.ui;
    let Some((graph, facts)) = graph else {
        let id = oauth.client_id.clone().unwrap_or_default();
        ui.warn(format!(
            "not checking the app registration {id} through Microsoft Graph (no sign-in): make \
             sure it has the Web redirect URI {callback}, ID tokens on, and the delegated \
             permissions openid, offline_access, vso.code and vso.code_write"
        ));
        if oauth.grant_admin_consent {
            ui.warn("--grant-admin-consent needs a Microsoft Graph sign-in: no consent granted");
        }
        let app = AppPlan::Unchecked(id);
        show_app(ui, &app, callback, checks);
        return Ok(Registration {
            app,
            sp: None,
            grants: Vec::new(),
        });
    };
    let required = required_access(facts.graph_sp.as_ref(), facts.ado_sp.as_ref())?;
    let app = match facts.app {
        Some(app) => {
            let (patch, repairs) = drift(&app, callback, &required);
            AppPlan::Existing {
                app,
                patch,
                repairs,
            }
        }
        None => {
            if let Some(client_id) = &oauth.client_id {
                return Err(Error::check(format!(
                    "no app registration with client ID {client_id} in this tenant"
                ))
                .with_hint(
                    "check --client-id (Entra admin center → App registrations → Application \
                     (client) ID), or leave it out to let ado-scm create the app",
                ));
            }
            AppPlan::Create(NewApplication {
                display_name: oauth
                    .app_name
                    .clone()
                    .unwrap_or_else(|| oauth.default_app_name.clone()),
                redirect_uri: callback.to_string(),
                required_resource_access: required,
            })
        }
    };
    show_app(ui, &app, callback, checks);

    // Its service principal, and the tenant-wide consent when asked.
    let sp = match &app {
        AppPlan::Existing { .. } => {
            match &facts.app_sp {
                Some(sp) => ui.ok(format!("its service principal exists ({})", sp.id)),
                None => {
                    ui.info("  Its service principal (enterprise application) will be created.")
                }
            }
            facts.app_sp
        }
        _ => None,
    };
    let grants = if oauth.grant_admin_consent {
        let resources = [
            (
                "Azure DevOps",
                AZURE_DEVOPS_APP_ID,
                &AZURE_DEVOPS_SCOPES[..],
                facts.ado_sp.as_ref(),
            ),
            (
                "Microsoft Graph",
                GRAPH_APP_ID,
                &GRAPH_SCOPES[..],
                facts.graph_sp.as_ref(),
            ),
        ];
        grant_plans(graph, services, sp.as_ref(), &resources)?
    } else {
        Vec::new()
    };
    Ok(Registration { app, sp, grants })
}

/// What was found about the app, on screen and as the "app registration" check.
fn show_app(ui: &Ui, app_plan: &AppPlan, callback: &str, checks: &mut Vec<Check>) {
    match app_plan {
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
}

/// The four delegated permissions, their ids resolved from the tenant's service principals
/// (the documented constants when a tenant does not list one).
fn required_access(
    graph_sp: Option<&ServicePrincipal>,
    ado_sp: Option<&ServicePrincipal>,
) -> Result<Vec<RequiredResourceAccess>> {
    let graph_sp = graph_sp
        .cloned()
        .unwrap_or_else(|| stand_in_sp(GRAPH_APP_ID, "Microsoft Graph"));
    let ado_sp = ado_sp
        .cloned()
        .unwrap_or_else(|| stand_in_sp(AZURE_DEVOPS_APP_ID, "Azure DevOps"));
    let graph_ids = graph::resolve_scope_ids(&graph_sp, &GRAPH_SCOPES)?;
    let ado_ids = graph::resolve_scope_ids(&ado_sp, &AZURE_DEVOPS_SCOPES)?;
    Ok(vec![
        access(GRAPH_APP_ID, &graph_ids),
        access(AZURE_DEVOPS_APP_ID, &ado_ids),
    ])
}

/// The four delegated permissions the runner's app needs (`openid`, `offline_access`,
/// `vso.code`, `vso.code_write`), their ids resolved from the tenant's service principals (read
/// at once; the documented constants when a tenant does not list one): what `ado-scm doctor`
/// checks an app against.
pub fn required_permissions(graph: &GraphClient<'_>) -> Result<Vec<RequiredResourceAccess>> {
    let (graph_sp, ado_sp) = crate::parallel::join(
        || graph.service_principal_by_app_id(GRAPH_APP_ID),
        || graph.service_principal_by_app_id(AZURE_DEVOPS_APP_ID),
    );
    required_access(graph_sp?.as_ref(), ado_sp?.as_ref())
}

/// The same four permissions with the documented ids, for when Graph cannot be asked.
#[cfg(test)]
pub(super) fn fallback_required_access() -> Vec<RequiredResourceAccess> {
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

/// Finds the app: `--client-id`; `--app-name`; the app of the saved integration; the default
/// name. Without flags, the saved client id and the default name are asked at once (the first
/// found wins, in that order).
fn find_app<'scope>(
    graph: &'scope GraphClient<'_>,
    oauth: &'scope OauthPlan,
    saved: Option<&'scope str>,
    scope: &'scope std::thread::Scope<'scope, '_>,
) -> Result<Option<Application>> {
    if let Some(client_id) = &oauth.client_id {
        return graph.find_application_by_app_id(client_id);
    }
    if let Some(name) = &oauth.app_name {
        return by_name(graph, name);
    }
    let by_default_name = scope.spawn(|| by_name(graph, &oauth.default_app_name));
    let by_saved = match saved {
        Some(client_id) => graph.find_application_by_app_id(client_id)?,
        None => None,
    };
    let by_default_name = by_default_name.join().expect("the lookup ran");
    match by_saved {
        Some(app) => Ok(Some(app)),
        None => by_default_name,
    }
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
                repairs.push(format!(
                    "add the permission {}",
                    graph::scope_value(&scope.id)
                ));
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

/// The resources consent is granted for: name, app id, scopes, and the tenant's principal of it.
type ConsentResource<'a> = (
    &'static str,
    &'static str,
    &'static [&'static str],
    Option<&'a ServicePrincipal>,
);

/// Tenant-wide consent, per resource: what to create or widen.
fn grant_plans(
    graph: &GraphClient<'_>,
    services: &SetupServices<'_>,
    our_sp: Option<&ServicePrincipal>,
    resources: &[ConsentResource<'_>],
) -> Result<Vec<GrantPlan>> {
    let existing = match our_sp {
        Some(sp) => services
            .ui
            .waiting("Reading the admin consent already granted", || {
                graph.list_permission_grants(&sp.id)
            })?,
        None => Vec::new(),
    };
    let mut plans = Vec::new();
    for &(resource, app_id, scopes, resource_sp) in resources {
        let resource_sp = resource_sp.ok_or_else(|| {
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
            resource_sp_id: resource_sp.id.clone(),
            existing: found,
            scope: scopes.join(" "),
        });
    }
    for p in &plans {
        if p.needs_change() {
            services.ui.info(format!(
                "  Tenant-wide consent for {} ({}) will be granted.",
                p.resource, p.scope
            ));
        } else {
            services
                .ui
                .ok(format!("consent for {} is already granted", p.resource));
        }
    }
    Ok(plans)
}

/// The scopes of `want` missing from `have` (space-separated), or `None`; with them, the union.
pub(super) fn missing_scopes(have: &str, want: &str) -> Option<String> {
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

/// Step 4's changes: creates or repairs the app (and says so on its check), creates its service
/// principal, grants consent. Returns the app (`None` without Graph).
pub(super) fn apply(
    services: &SetupServices<'_>,
    look: &mut OauthLook<'_>,
    changes: &mut usize,
    checks: &mut [Check],
) -> Result<Option<Application>> {
    let app = apply_app(services, look, changes)?;
    if let (Some(app), true) = (&app, look.app.is_create()) {
        if let Some(c) = checks.iter_mut().find(|c| c.name == "app registration") {
            c.detail = format!("created: {} ({})", app.display_name, app.app_id);
        }
    }
    if let (AppPlan::Existing { repairs, .. }, false) = (&look.app, look.app.repairs().is_empty()) {
        if let Some(c) = checks.iter_mut().find(|c| c.name == "app registration") {
            c.detail = format!(
                "{}; repaired: {}",
                c.detail.split("; repair:").next().unwrap_or_default(),
                repairs.join("; ")
            );
        }
    }
    Ok(app)
}

/// Creates or repairs the app; returns it (`None` without Graph).
fn apply_app(
    services: &SetupServices<'_>,
    look: &OauthLook<'_>,
    changes: &mut usize,
) -> Result<Option<Application>> {
    let ui = services.ui;
    let Some(graph) = look.graph.as_ref() else {
        return Ok(None);
    };
    match &look.app {
        AppPlan::Create(new) => {
            // An upsert on a key made from the name: sent again after a lost answer, it finds
            // the app the first attempt made instead of making a second one.
            let key = graph::unique_name_for(&new.display_name);
            let (app, _) = ui.waiting("Creating the app registration", || {
                retry_not_found(services, || graph.upsert_application(&key, new))
            })?;
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
                ui.waiting("Repairing the app registration", || {
                    retry_not_found(services, || graph.update_application(&app.id, patch))
                })?;
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

/// The app's service principal, when it has none yet, and the consent grants. Returns the
/// principal it made (if any) and how many changes it made.
pub(super) fn apply_sp_and_grants(
    services: &SetupServices<'_>,
    look: &OauthLook<'_>,
    app: Option<&Application>,
) -> Result<(Option<ServicePrincipal>, usize)> {
    let ui = services.ui;
    let (Some(graph), Some(app)) = (look.graph.as_ref(), app) else {
        return Ok((None, 0));
    };
    let mut changes = 0;
    let new_app = look.app.is_create();
    let mut made = None;
    let sp = match &look.sp {
        Some(sp) => sp.clone(),
        None => {
            // Right after the app was made, Graph may refuse its service principal with 400
            // until the app has reached every replica: retried then, and only then.
            let settling = |err: &Error| {
                graph::is_not_found(err) || (new_app && graph::is_app_not_visible_yet(err))
            };
            let sp = ui.waiting("Creating the app's service principal", || {
                retry_settling(services, settling, || {
                    graph.upsert_service_principal(&app.app_id)
                })
            })?;
            changes += 1;
            ui.ok(format!("created the service principal {}", sp.id));
            made = Some(sp.clone());
            sp
        }
    };
    for grant in &look.grants {
        match &grant.existing {
            None => {
                ui.waiting(
                    format!("Granting admin consent for {}", grant.resource),
                    || create_grant_once(services, graph, &sp.id, grant),
                )?;
                changes += 1;
                ui.ok(format!(
                    "granted tenant-wide consent for {} ({})",
                    grant.resource, grant.scope
                ));
            }
            Some(existing) => {
                if let Some(scope) = missing_scopes(&existing.scope, &grant.scope) {
                    graph.update_permission_grant(&existing.id, &scope)?;
                    changes += 1;
                    ui.ok(format!(
                        "widened the tenant-wide consent for {} to {scope}",
                        grant.resource
                    ));
                }
            }
        }
    }
    Ok((made, changes))
}

/// Creates a tenant-wide grant. A lost answer may hide a grant that was made, and a grant the
/// lagging list did not show may exist (Graph answers 409): the grants are read back (a few
/// times) and the one found is widened if it must be; there is never a second one.
fn create_grant_once(
    services: &SetupServices<'_>,
    graph: &GraphClient<'_>,
    client_sp_id: &str,
    grant: &GrantPlan,
) -> Result<()> {
    let create = || {
        retry_not_found(services, || {
            graph.create_permission_grant(client_sp_id, &grant.resource_sp_id, &grant.scope)
        })
    };
    let err = match create() {
        Ok(_) => return Ok(()),
        Err(err) if err.outcome_unknown() || err.status() == Some(409) => err,
        Err(err) => return Err(err),
    };
    let found = read_back::until_found(services.http.clock().as_ref(), || {
        Ok(graph
            .list_permission_grants(client_sp_id)?
            .into_iter()
            .find(|g| g.resource_id == grant.resource_sp_id && g.consent_type == "AllPrincipals"))
    })?;
    match (found, err.status()) {
        (Some(existing), _) => match missing_scopes(&existing.scope, &grant.scope) {
            Some(scope) => graph.update_permission_grant(&existing.id, &scope),
            None => Ok(()),
        },
        // Lost, and not there: it was never made.
        (None, status) if status != Some(409) => create().map(|_| ()),
        (None, _) => Err(err),
    }
}

/// Retries a Graph call that answered 404 (a new object not visible yet).
pub(super) fn retry_not_found<T>(
    services: &SetupServices<'_>,
    call: impl FnMut() -> Result<T>,
) -> Result<T> {
    retry_settling(services, graph::is_not_found, call)
}

/// Retries a call while its error means "a new object has not reached every replica yet"
/// (`settling`), a bounded number of times with growing waits.
pub(super) fn retry_settling<T>(
    services: &SetupServices<'_>,
    settling: impl Fn(&Error) -> bool,
    mut call: impl FnMut() -> Result<T>,
) -> Result<T> {
    let mut attempt = 1;
    let mut wait = SETTLING_FIRST_WAIT;
    loop {
        match call() {
            Err(err) if settling(&err) && attempt < SETTLING_ATTEMPTS => {
                tracing::info!("Microsoft Graph does not show a new object yet; retrying");
                services.http.clock().sleep(wait);
                wait = (wait * 2).min(Duration::from_secs(8));
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::flows::setup::test_support::{app, required, CALLBACK};

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
}
