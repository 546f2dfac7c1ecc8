//! What a run will change, before it changes anything: the plan on screen ahead of the
//! confirmation, and with `--dry-run` every request a real run would send (bodies with the
//! client secret redacted), then the report of what would be in place. Nothing here sends a
//! changing request.

use serde_json::{json, Value};

use crate::clients::gitpod::{ScmIntegration, SecretInBody};
use crate::clients::graph;
use crate::ui::Ui;
use crate::urls::join;

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

/// Numbers and prints the requests a real run would send.
struct DryRun<'a, 'b> {
    s: &'b SetupServices<'a>,
    count: usize,
}

impl<'a, 'b> DryRun<'a, 'b> {
    fn new(s: &'b SetupServices<'a>) -> Self {
        DryRun { s, count: 0 }
    }

    fn request(&mut self, what: &str, method: &str, url: &str, body: Option<&Value>) {
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

/// `--dry-run`: the requests, in the order a real run would send them, and the report.
pub(super) fn report(
    plan: &SetupPlan,
    s: &SetupServices<'_>,
    oauth: Option<&OauthLook<'_>>,
    existing: Option<&ScmIntegration>,
    change: &IntegrationChange,
    checks: Vec<Check>,
) -> SetupReport {
    let ui = s.ui;
    ui.info("\nRequests a real run would send (secrets redacted):");
    let mut dry = DryRun::new(s);
    let (oauth_summary, app_name) = match oauth {
        Some(o) => {
            let (summary, app_name) = oauth_requests(&mut dry, plan, o);
            (Some(summary), app_name)
        }
        None => (None, None),
    };
    let secret_sent = oauth.is_some_and(|o| o.secret.sends_secret());
    let outcome = integration_request(&mut dry, change, secret_sent);
    if let Some(o) = oauth {
        if matches!(o.secret, SecretPlan::Mint { .. }) {
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
    o: &OauthLook<'_>,
) -> (OauthSummary, Option<String>) {
    let mut app_name = None;
    let new_object = "{id of the new app}";
    let (object_id, client_id) = match &o.app {
        AppPlan::Create(new) => {
            app_name = Some(new.display_name.clone());
            let key = graph::unique_name_for(&new.display_name);
            dry.request(
                "create the app registration (an upsert on its unique name, with Prefer: \
                 create-if-missing)",
                "PATCH",
                &dry.graph(&format!("v1.0/applications(uniqueName='{key}')")),
                Some(&new.to_json()),
            );
            (None, None)
        }
        AppPlan::Existing { app, patch, .. } => {
            app_name = Some(app.display_name.clone());
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
        let app_id = client_id
            .clone()
            .unwrap_or_else(|| "{appId of the new app}".into());
        dry.request(
            "create the app's service principal (an upsert, with Prefer: create-if-missing)",
            "PATCH",
            &dry.graph(&format!("v1.0/servicePrincipals(appId='{app_id}')")),
            Some(&json!({})),
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
                dry.s.http.clock().now() + chrono::Duration::days(i64::from(o.secret_expiry_days));
            dry.request(
                "add a client secret (then test it with Entra ID and have the runner \
                 validate it sealed: reads, not shown)",
                "POST",
                &dry.graph(&format!(
                    "v1.0/applications/{}/addPassword",
                    object_id.as_deref().unwrap_or(new_object)
                )),
                Some(&json!({"passwordCredential": {
                    "displayName": secret_display_name(&plan.runner.runner_id),
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
    let summary = OauthSummary {
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
    };
    (summary, app_name)
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
    match change {
        IntegrationChange::Create(write) => {
            let body = write.body(SecretInBody::Shown(REDACTED_SECRET));
            dry.request(
                "create the runner's SCM integration",
                "POST",
                &dry.gitpod("RunnerConfigurationService/CreateSCMIntegration"),
                Some(&with_secret(body)),
            );
            IntegrationOutcome::Created
        }
        IntegrationChange::Update { id, update, .. } => {
            let body = update.body(id, SecretInBody::Shown(REDACTED_SECRET));
            dry.request(
                "update the runner's SCM integration",
                "POST",
                &dry.gitpod("RunnerConfigurationService/UpdateSCMIntegration"),
                Some(&with_secret(body)),
            );
            IntegrationOutcome::Updated
        }
        IntegrationChange::Unchanged(_) => IntegrationOutcome::Unchanged,
    }
}
