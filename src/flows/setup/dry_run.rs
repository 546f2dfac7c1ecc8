//! What a run will change, before it changes anything: the plan on screen ahead of the
//! confirmation, and with `--dry-run` every request a real run would send (bodies with the
//! client secret redacted), then the report of what would be in place. Nothing here sends a
//! changing request.

use serde_json::{json, Value};

use crate::clients::gitpod::{
    ScmIntegration, SecretInBody, CREATE_SCM_INTEGRATION, UPDATE_SCM_INTEGRATION,
};
use crate::clients::graph;
use crate::http::Request;
use crate::ui::Ui;

use super::app_registration::{missing_scopes, AppPlan};
use super::integration::IntegrationChange;
use super::secret::{secret_display_name, SecretPlan};
use super::summary::{methods, Check, IntegrationOutcome, OauthSummary, SecretOutcome, Summary};
use super::{OauthLook, SetupPlan, SetupReport, SetupServices};

/// The changes, one line each ("Nothing to change" when there are none).
pub(super) fn show_plan(
    ui: &Ui,
    plan: &SetupPlan,
    oauth: Option<&OauthLook<'_>>,
    change: &IntegrationChange,
) {
    let mut lines = Vec::new();
    if let Some(look) = oauth {
        match &look.app {
            AppPlan::Create(new) => lines.push(format!(
                "create the app registration \"{}\" in tenant {}",
                new.display_name, look.discovery.tenant_id
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
        if look.graph.is_some() && look.sp.is_none() {
            lines.push("create the app's service principal (enterprise application)".into());
        }
        for g in look.grants.iter().filter(|g| g.needs_change()) {
            lines.push(format!(
                "grant tenant-wide consent for {} ({})",
                g.resource, g.scope
            ));
        }
        if let SecretPlan::Mint { replaces } = &look.secret {
            lines.push(format!(
                "add a client secret \"{}\" valid {} days{}",
                secret_display_name(&plan.runner.runner_id),
                look.secret_expiry_days,
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
    if let Some(look) = oauth {
        // As the run does it: once the integration holds a new secret, the earlier ones
        // ado-scm made for this runner go.
        if matches!(look.secret, SecretPlan::Mint { .. }) && !look.our_old_secrets.is_empty() {
            lines.push(format!(
                "then remove the old client secret(s) ado-scm created: {}",
                look.our_old_secrets.join(", ")
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

/// Numbers and prints the requests a real run would send, as the clients build them.
struct DryRun<'a, 'b> {
    services: &'b SetupServices<'a>,
    count: usize,
}

impl<'a, 'b> DryRun<'a, 'b> {
    fn new(services: &'b SetupServices<'a>) -> Self {
        DryRun { services, count: 0 }
    }

    fn request(&mut self, what: &str, request: &Request) {
        self.count += 1;
        let ui = self.services.ui;
        ui.info(format!("  {}. {what}", self.count));
        for line in request.shown() {
            ui.info(format!("     {line}"));
        }
    }
}

/// Stand-ins for ids of objects a real run would make first.
const NEW_APP_OBJECT_ID: &str = "NEW-APP-OBJECT-ID";
const NEW_APP_CLIENT_ID: &str = "NEW-APP-CLIENT-ID";
const NEW_SERVICE_PRINCIPAL_ID: &str = "NEW-SERVICE-PRINCIPAL-ID";

const REDACTED_SECRET: &str = "<redacted: the client secret>";

/// `--dry-run`: the requests, in the order a real run would send them, and the report.
pub(super) fn report(
    plan: &SetupPlan,
    services: &SetupServices<'_>,
    oauth: Option<&OauthLook<'_>>,
    existing: Option<&ScmIntegration>,
    change: &IntegrationChange,
    checks: Vec<Check>,
) -> SetupReport {
    let ui = services.ui;
    ui.info("\nRequests a real run would send (secrets redacted):");
    let mut dry = DryRun::new(services);
    let (oauth_summary, app_name) = match oauth {
        Some(look) => {
            let (summary, app_name) = oauth_requests(&mut dry, plan, look);
            (Some(summary), app_name)
        }
        None => (None, None),
    };
    let secret_sent = oauth.is_some_and(|look| look.secret.sends_secret());
    let outcome = integration_request(&mut dry, change, secret_sent);
    if let Some(look) = oauth {
        if let (SecretPlan::Mint { .. }, AppPlan::Existing { app, .. }, Some(graph)) =
            (&look.secret, &look.app, &look.graph)
        {
            for key_id in &look.our_old_secrets {
                dry.request(
                    "remove the old client secret ado-scm created",
                    &graph.remove_password_request(&app.id, key_id),
                );
            }
        }
    }
    if dry.count == 0 {
        ui.info("  none: everything is already in place");
    }
    let summary = Summary {
        runner_id: plan.runner.runner_id.clone(),
        scm_id: plan.target.scm_id().to_string(),
        host: plan.target.host().to_string(),
        integration_id: existing.map(|i| i.id.clone()),
        integration: outcome,
        oauth: oauth_summary,
        pat: plan.pat,
        checks,
        dry_run: true,
    };
    let mut report = SetupReport::new(summary, plan, oauth, app_name, Vec::new(), dry.count);
    report.integration_fields = change.fields();
    report
}

/// The app registration (create or repair), its service principal, consent, a new secret;
/// with the app's name and the OAuth part of the summary.
fn oauth_requests(
    dry: &mut DryRun<'_, '_>,
    plan: &SetupPlan,
    look: &OauthLook<'_>,
) -> (OauthSummary, Option<String>) {
    let mut app_name = None;
    let (object_id, client_id) = match &look.app {
        AppPlan::Create(new) => {
            app_name = Some(new.display_name.clone());
            if let Some(graph) = &look.graph {
                let key = graph::unique_name_for(&new.display_name);
                dry.request(
                    "create the app registration (an upsert on its unique name, with Prefer: \
                     create-if-missing)",
                    &graph.upsert_application_request(&key, new),
                );
            }
            (None, None)
        }
        AppPlan::Existing { app, patch, .. } => {
            app_name = Some(app.display_name.clone());
            if let (Some(patch), Some(graph)) = (patch, &look.graph) {
                dry.request(
                    "repair the app registration",
                    &graph.update_application_request(&app.id, patch),
                );
            }
            (Some(app.id.clone()), Some(app.app_id.clone()))
        }
        AppPlan::Unchecked(id) => (None, Some(id.clone())),
    };
    let Some(graph) = &look.graph else {
        return (
            oauth_summary(look, client_id, object_id, SecretOutcome::Reused),
            app_name,
        );
    };
    if look.sp.is_none() {
        let app_id = client_id.as_deref().unwrap_or(NEW_APP_CLIENT_ID);
        dry.request(
            "create the app's service principal (an upsert, with Prefer: create-if-missing)",
            &graph.upsert_service_principal_request(app_id),
        );
    }
    let sp_id = look
        .sp
        .as_ref()
        .map_or(NEW_SERVICE_PRINCIPAL_ID, |sp| sp.id.as_str());
    for g in &look.grants {
        match &g.existing {
            None => dry.request(
                &format!("grant tenant-wide consent for {}", g.resource),
                &graph.create_permission_grant_request(sp_id, &g.resource_sp_id, &g.scope),
            ),
            Some(existing) => {
                if let Some(scope) = missing_scopes(&existing.scope, &g.scope) {
                    dry.request(
                        &format!("widen the tenant-wide consent for {}", g.resource),
                        &graph.update_permission_grant_request(&existing.id, &scope),
                    );
                }
            }
        }
    }
    let outcome = match &look.secret {
        SecretPlan::Reuse | SecretPlan::Given(_) => SecretOutcome::Reused,
        SecretPlan::Mint { replaces } => {
            let end = dry.services.http.clock().now()
                + chrono::Duration::days(i64::from(look.secret_expiry_days));
            dry.request(
                "add a client secret (then test it with Entra ID and have the runner \
                 validate it sealed: reads, not shown)",
                &graph.add_password_request(
                    object_id.as_deref().unwrap_or(NEW_APP_OBJECT_ID),
                    &secret_display_name(&plan.runner.runner_id),
                    end,
                ),
            );
            if *replaces {
                SecretOutcome::Rotated
            } else {
                SecretOutcome::Created
            }
        }
    };
    (oauth_summary(look, client_id, object_id, outcome), app_name)
}

/// The OAuth part of the dry run's summary: what would be in place.
fn oauth_summary(
    look: &OauthLook<'_>,
    client_id: Option<String>,
    object_id: Option<String>,
    outcome: SecretOutcome,
) -> OauthSummary {
    OauthSummary {
        client_id,
        app_object_id: object_id,
        issuer_url: look
            .validated_issuer
            .clone()
            .unwrap_or_else(|| look.issuer.saved.clone()),
        secret_expires_at: if matches!(look.secret, SecretPlan::Mint { .. }) {
            None
        } else {
            look.secret_expiry
        },
        secret: outcome,
    }
}

/// The integration's create or update, the secret redacted.
fn integration_request(
    dry: &mut DryRun<'_, '_>,
    change: &IntegrationChange,
    secret_sent: bool,
) -> IntegrationOutcome {
    let with_secret = |mut body: Value| {
        if secret_sent {
            body["oauthPlaintextClientSecret"] = json!(REDACTED_SECRET);
        }
        body
    };
    let shown = SecretInBody::Shown(REDACTED_SECRET);
    let (method, what, body, outcome) = match change {
        IntegrationChange::Create(write) => (
            CREATE_SCM_INTEGRATION,
            "create the runner's SCM integration",
            write.body(shown),
            IntegrationOutcome::Created,
        ),
        IntegrationChange::Update { id, update, .. } => (
            UPDATE_SCM_INTEGRATION,
            "update the runner's SCM integration",
            update.body(id, shown),
            IntegrationOutcome::Updated,
        ),
        IntegrationChange::Unchanged(_) => return IntegrationOutcome::Unchanged,
    };
    let request = dry.services.gitpod.request_shown(method, with_secret(body));
    dry.request(what, &request);
    outcome
}
