//! The verdicts: what the services said about an integration, as rows. No I/O.
//!
//! A service that could not be asked makes its row `fail` (a health check that cannot reach
//! the runner is not healthy); `skipped` is for a check whose prerequisite is missing (no
//! Microsoft Graph sign-in, no app to look at, no organization to compare with).

use chrono::{DateTime, Utc};

use crate::clients::ado::OrgTenant;
use crate::clients::gitpod::TokenSource;
use crate::clients::graph::{self, Application, PermissionGrant, RequiredResourceAccess};
use crate::flows::setup::{date, secret_display_name};

use super::read::{AppFacts, Facts};
use super::{
    runner_secret_end, DoctorCheck, IntegrationReport, Remedy, RunnerSecret, Scope, Status,
};

/// The app's sign-in audience setup creates: this tenant only.
const SINGLE_TENANT: &str = "AzureADMyOrg";

fn row(name: &'static str, status: Status, detail: impl Into<String>) -> DoctorCheck {
    DoctorCheck {
        name,
        status,
        detail: detail.into(),
        fix: None,
        remedy: None,
    }
}

impl DoctorCheck {
    fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    fn remedy(mut self, remedy: Remedy) -> Self {
        self.remedy = Some(remedy);
        self
    }
}

/// Every row of one integration.
pub(super) fn report(facts: &Facts, scope: &Scope, now: DateTime<Utc>) -> IntegrationReport {
    let i = &facts.integration;
    let mut checks = runner_rows(facts);
    if let Some(oauth) = &i.oauth {
        let discovery = oauth.issuer_url.as_ref().and_then(|u| scope.issuers.get(u));
        checks.extend(issuer_rows(facts, oauth.issuer_url.as_deref(), discovery));
    }
    if let Some(app) = &facts.app {
        checks.extend(app_rows(facts, app, scope.warn_days, now));
    }
    checks.push(validation_row(facts));
    checks.push(sign_in_row(facts, scope));
    IntegrationReport {
        runner_id: i.runner_id.clone(),
        runner_name: facts.runner.name.clone(),
        host: i.host.clone(),
        scm_id: i.scm_id.clone(),
        checks,
    }
}

/// Phase, public key, schema.
fn runner_rows(facts: &Facts) -> Vec<DoctorCheck> {
    let runner = &facts.runner;
    let phase = match runner.status.phase.as_str() {
        "RUNNER_PHASE_ACTIVE" => row("runner phase", Status::Ok, "active"),
        "" => row("runner phase", Status::Ok, "not reported"),
        _ => row(
            "runner phase",
            Status::Warn,
            format!(
                "{}: it may not answer developers' sign-ins",
                runner.status.phase_name()
            ),
        )
        .fix("start the runner on its host; Gitpod shows it online under Settings → Runners"),
    };
    let key = match runner.public_key() {
        Ok(key) => row("runner public key", Status::Ok, key.fingerprint()),
        Err(err) => {
            row("runner public key", Status::Fail, err.message).fix(err.hint.unwrap_or_default())
        }
    };
    let scm_id = &facts.integration.scm_id;
    let schema = match &facts.schema {
        Err(err) => row(
            "runner schema",
            Status::Fail,
            format!("could not read it: {}", err.message),
        ),
        Ok(schema) => match schema.scm.iter().find(|e| e.scm_id == *scm_id) {
            None => row(
                "runner schema",
                Status::Fail,
                format!("the runner no longer offers {scm_id}"),
            )
            .fix("update the runner to a version that supports Azure DevOps"),
            Some(entry) if facts.integration.oauth.is_some() && callback_of(facts).is_none() => {
                row(
                    "runner schema",
                    Status::Fail,
                    format!("the runner offers {} without OAuth", entry.scm_id),
                )
                .fix("update the runner, or turn OAuth off for this host")
            }
            Some(_) => row("runner schema", Status::Ok, format!("offers {scm_id}")),
        },
    };
    vec![phase, key, schema]
}

/// The OAuth callback URL the runner's schema names: the app's redirect URI.
fn callback_of(facts: &Facts) -> Option<&str> {
    let schema = facts.schema.as_ref().ok()?;
    let entry = schema
        .scm
        .iter()
        .find(|e| e.scm_id == facts.integration.scm_id)?;
    entry
        .oauth
        .as_ref()
        .map(|o| o.callback_url.trim())
        .filter(|u| !u.is_empty())
}

/// Discovery of the saved issuer, and its tenant against the organization's.
fn issuer_rows(
    facts: &Facts,
    saved: Option<&str>,
    discovery: Option<&crate::error::Result<crate::clients::entra::issuer::Discovery>>,
) -> Vec<DoctorCheck> {
    let setup_hint = setup_command(facts);
    let found = match (saved, discovery) {
        (None, _) => row(
            "issuer discovery",
            Status::Fail,
            "the integration has OAuth but no issuer URL",
        )
        .fix(format!("run `{setup_hint}` to save one")),
        (Some(url), Some(Ok(d))) => row(
            "issuer discovery",
            Status::Ok,
            format!("{url} (tenant {})", d.tenant_id),
        ),
        (Some(url), Some(Err(err))) => row(
            "issuer discovery",
            Status::Fail,
            format!("{url}: {}", err.message),
        )
        .fix(format!("run `{setup_hint}` to save a working issuer URL")),
        (Some(url), None) => row(
            "issuer discovery",
            Status::Fail,
            format!("{url} was not read"),
        ),
    };
    let tenant = match (discovery, &facts.org) {
        (Some(Ok(_)), None) => row(
            "issuer tenant",
            Status::Skipped,
            "the host names no Azure DevOps organization to compare with: pass --org ORG",
        ),
        (Some(Ok(d)), Some((org, Ok(OrgTenant::Connected(guid))))) if *guid == d.tenant_id => row(
            "issuer tenant",
            Status::Ok,
            format!("organization {org} is connected to tenant {guid}"),
        ),
        (Some(Ok(d)), Some((org, Ok(OrgTenant::Connected(guid))))) => row(
            "issuer tenant",
            Status::Fail,
            format!(
                "the issuer names tenant {}, but organization {org} is connected to tenant {guid}",
                d.tenant_id
            ),
        )
        .fix(format!(
            "the app registration must live in the organization's tenant: run `{setup_hint}` \
             without --tenant/--issuer-url"
        )),
        (Some(Ok(_)), Some((org, Ok(OrgTenant::NotConnected)))) => row(
            "issuer tenant",
            Status::Fail,
            format!("organization {org} is not connected to Microsoft Entra ID"),
        )
        .fix(format!(
            "an organization owner connects it under Organization settings → Microsoft Entra \
             (https://dev.azure.com/{org}/_settings/organizationAad)"
        )),
        (Some(Ok(_)), Some((org, Err(err)))) => row(
            "issuer tenant",
            Status::Fail,
            format!(
                "could not ask Azure DevOps for the tenant of {org}: {}",
                err.message
            ),
        ),
        _ => row(
            "issuer tenant",
            Status::Skipped,
            "the issuer could not be discovered",
        ),
    };
    vec![found, tenant]
}

/// The app registration and its parts, and the expiry of the client secret.
fn app_rows(facts: &Facts, app: &AppFacts, warn_days: u32, now: DateTime<Utc>) -> Vec<DoctorCheck> {
    let client_id = facts
        .integration
        .oauth
        .as_ref()
        .map(|o| o.client_id.as_str())
        .unwrap_or_default();
    let (found, why_not) = match app {
        AppFacts::Skipped(why) => (
            row("app registration", Status::Skipped, why.clone()),
            "no Microsoft Graph access".to_string(),
        ),
        AppFacts::Failed(err) => (
            row(
                "app registration",
                Status::Fail,
                format!("could not read it through Microsoft Graph: {}", err.message),
            ),
            "the app registration could not be read".to_string(),
        ),
        AppFacts::Read { app: None, .. } => (
            row(
                "app registration",
                Status::Fail,
                format!("no app registration with client ID {client_id} in the tenant"),
            )
            .fix("`ado-scm doctor --fix` runs setup, which finds or creates the runner's app and saves its client ID")
            .remedy(Remedy::Setup),
            "the app registration was not found".to_string(),
        ),
        AppFacts::Read {
            app: Some(app),
            sp,
            grants,
            required,
        } => {
            let mut rows = vec![row(
                "app registration",
                Status::Ok,
                format!("{} (client ID {})", app.display_name, app.app_id),
            )];
            rows.push(redirect_row(facts, app));
            rows.push(if app.web.implicit_grant_settings.enable_id_token_issuance {
                row("ID tokens", Status::Ok, "on")
            } else {
                row("ID tokens", Status::Fail, "off")
                    .fix("`ado-scm doctor --fix` turns them on")
                    .remedy(Remedy::Setup)
            });
            rows.push(permissions_row(app, required));
            rows.push(if app.sign_in_audience == SINGLE_TENANT {
                row("single tenant", Status::Ok, "this tenant only")
            } else {
                row(
                    "single tenant",
                    Status::Warn,
                    format!("sign-in audience {}", app.sign_in_audience),
                )
                .fix(
                    "Entra admin center → App registrations → the app → Authentication → \
                     Supported account types: this organizational directory only (setup leaves \
                     it as it is)",
                )
            });
            rows.push(match sp {
                Some(sp) => row("service principal", Status::Ok, sp.id.clone()),
                None => row("service principal", Status::Fail, "missing: nobody can consent to the app")
                    .fix("`ado-scm doctor --fix` creates it")
                    .remedy(Remedy::Setup),
            });
            rows.push(consent_row(grants));
            rows.push(secret_row(facts, app, warn_days, now));
            return rows;
        }
    };
    let mut rows = vec![found];
    for name in [
        "redirect URI",
        "ID tokens",
        "permissions",
        "single tenant",
        "service principal",
        "consent",
        "client secret",
    ] {
        rows.push(row(name, Status::Skipped, why_not.clone()));
    }
    rows
}

fn redirect_row(facts: &Facts, app: &Application) -> DoctorCheck {
    let Some(callback) = callback_of(facts) else {
        return row(
            "redirect URI",
            Status::Skipped,
            "the runner's schema names no OAuth callback URL",
        );
    };
    if app.web.redirect_uris.iter().any(|u| u == callback) {
        return row("redirect URI", Status::Ok, callback);
    }
    let listed = if app.web.redirect_uris.is_empty() {
        "none".to_string()
    } else {
        app.web.redirect_uris.join(", ")
    };
    row(
        "redirect URI",
        Status::Fail,
        format!("the runner's callback {callback} is missing (the app lists: {listed})"),
    )
    .fix("`ado-scm doctor --fix` adds it (the app's other redirect URIs are kept)")
    .remedy(Remedy::Setup)
}

fn permissions_row(app: &Application, required: &[RequiredResourceAccess]) -> DoctorCheck {
    let mut present = Vec::new();
    let mut missing = Vec::new();
    for want in required {
        let have = app.required_resource_access.iter().find(|r| {
            r.resource_app_id
                .eq_ignore_ascii_case(&want.resource_app_id)
        });
        for scope in &want.resource_access {
            let name = graph::scope_value(&scope.id);
            let found = have.is_some_and(|r| {
                r.resource_access
                    .iter()
                    .any(|a| a.id.eq_ignore_ascii_case(&scope.id) && a.type_ == "Scope")
            });
            if found {
                present.push(name);
            } else {
                missing.push(name);
            }
        }
    }
    if missing.is_empty() {
        row("permissions", Status::Ok, present.join(", "))
    } else {
        row(
            "permissions",
            Status::Fail,
            format!("missing: {}", missing.join(", ")),
        )
        .fix("`ado-scm doctor --fix` adds them (the app's other permissions are kept)")
        .remedy(Remedy::Setup)
    }
}

/// The expiry of the secret ado-scm made for this runner (or of the app's only secret).
fn secret_row(facts: &Facts, app: &Application, warn_days: u32, now: DateTime<Utc>) -> DoctorCheck {
    let (which, end) = match runner_secret_end(app, &facts.runner.runner_id) {
        Some((RunnerSecret::Ours, end)) => ("the secret ado-scm made", end),
        Some((RunnerSecret::Only, end)) => ("the app's only secret", end),
        None => {
            return row(
                "client secret",
                Status::Skipped,
                format!(
                    "the app has no secret named \"{}\": the integration uses a secret you \
                     manage (check its expiry in the Entra admin center)",
                    secret_display_name(&facts.runner.runner_id)
                ),
            )
        }
    };
    let Some(end) = end else {
        return row(
            "client secret",
            Status::Ok,
            format!("{which} has no end date"),
        );
    };
    let days = (end - now).num_days();
    let rotate = "`ado-scm doctor --fix` makes a new one, saves it and removes the old one";
    if end <= now {
        row(
            "client secret",
            Status::Fail,
            format!("{which} expired on {}", date(end)),
        )
        .fix(rotate)
        .remedy(Remedy::RotateSecret)
    } else if days < i64::from(warn_days) {
        row(
            "client secret",
            Status::Warn,
            format!("{which} expires on {} (in {days} days)", date(end)),
        )
        .fix(rotate)
        .remedy(Remedy::RotateSecret)
    } else {
        row(
            "client secret",
            Status::Ok,
            format!("{which} expires on {} (in {days} days)", date(end)),
        )
    }
}

/// Whether the app's delegated permissions are granted for the whole tenant (for information:
/// either way developers can sign in).
fn consent_row(grants: &crate::error::Result<Vec<PermissionGrant>>) -> DoctorCheck {
    let grants = match grants {
        Ok(grants) => grants,
        Err(_) => {
            return row(
                "consent",
                Status::Skipped,
                "your Microsoft Graph sign-in may not list consent grants (that needs \
                 Directory.Read.All)",
            )
            .fix(
                "see it in the Entra admin center (Enterprise applications → the app → \
                 Permissions), or give doctor a Graph token with Directory.Read.All \
                 (ADO_SCM_GRAPH_TOKEN)",
            )
        }
    };
    let tenant_wide: Vec<&str> = grants
        .iter()
        .filter(|g| g.consent_type == "AllPrincipals")
        .map(|g| g.scope.trim())
        .filter(|s| !s.is_empty())
        .collect();
    if tenant_wide.is_empty() {
        row(
            "consent",
            Status::Ok,
            "not granted tenant-wide: each developer consents at first sign-in \
             (`ado-scm setup --grant-admin-consent` grants it for all)",
        )
    } else {
        row(
            "consent",
            Status::Ok,
            format!("granted tenant-wide: {}", tenant_wide.join("; ")),
        )
    }
}

/// The runner's validation of the saved configuration.
fn validation_row(facts: &Facts) -> DoctorCheck {
    let oauth = facts.integration.oauth.is_some();
    let verdict = match &facts.validation {
        Err(err) => {
            return row(
                "runner validation",
                Status::Fail,
                format!("could not ask the runner: {}", err.message),
            )
        }
        Ok(v) => v.verdict(oauth),
    };
    match verdict {
        (true, detail) => row("runner validation", Status::Ok, detail),
        (false, detail) => {
            let failed = row("runner validation", Status::Fail, detail);
            let other = facts
                .other_form
                .as_ref()
                .filter(|(_, v)| v.as_ref().is_ok_and(|v| v.verdict(oauth).0));
            match (other, oauth) {
                (Some((url, _)), _) => failed
                    .fix(format!(
                        "the runner accepts the other form of the issuer, {url}: `ado-scm doctor --fix` saves it"
                    ))
                    .remedy(Remedy::IssuerForm(url.clone())),
                (None, true) => failed
                    .fix("`ado-scm doctor --fix` makes a new client secret, has the runner validate it and saves it")
                    .remedy(Remedy::RotateSecret),
                (None, false) => failed.fix(format!(
                    "fix what the runner names, then run `{}`",
                    setup_command(facts)
                )),
            }
        }
    }
}

/// The caller's own sign-in for the host (for information: never a warning).
fn sign_in_row(facts: &Facts, scope: &Scope) -> DoctorCheck {
    let i = &facts.integration;
    let tokens = match &scope.my_tokens {
        Ok(tokens) => tokens,
        Err(err) => {
            return row(
                "your sign-in",
                Status::Skipped,
                format!("could not list your tokens: {}", err.message),
            )
        }
    };
    let token = tokens
        .iter()
        .find(|t| t.runner_id == i.runner_id && t.host.eq_ignore_ascii_case(&i.host));
    let detail = match token {
        None => format!(
            "you are not signed in for this host (`ado-scm login --runner {} --host {}`)",
            i.runner_id, i.host
        ),
        Some(t) => {
            let via = match t.source {
                TokenSource::Pat => "PAT",
                TokenSource::Oauth => "OAuth",
                _ => "a token",
            };
            match t.expires_at {
                Some(at) => format!("signed in with {via}, until {}", date(at)),
                None => format!("signed in with {via}, no expiry"),
            }
        }
    };
    row("your sign-in", Status::Ok, detail)
}

/// `ado-scm setup …` for this runner and host, for the fixes that are the admin's to make.
fn setup_command(facts: &Facts) -> String {
    format!(
        "ado-scm setup --runner {} --host {}",
        facts.integration.runner_id, facts.integration.host
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::entra::issuer::Discovery;
    use crate::clients::gitpod::{
        ConfigSchema, HostToken, Runner, RunnerStatus, ScmIntegration, ScmOauth, ScmSchema,
        ScmSchemaOauth, ValidationResult,
    };
    use crate::clients::graph::{
        ImplicitGrantSettings, PasswordCredential, ResourceAccess, ServicePrincipal, Web,
    };
    use crate::flows::saved::SavedValidation;
    use std::collections::HashMap;

    const RUNNER: &str = "01900000-0000-7000-8000-0000000000a1";
    const CALLBACK: &str = "https://runner.example.com/auth/oauth2/callback";
    const TENANT: &str = "7e5a17c0-5a1d-4b0c-9e11-acde00000001";
    const ISSUER: &str =
        "https://login.microsoftonline.com/7e5a17c0-5a1d-4b0c-9e11-acde00000001/oauth2/v2.0";
    const KEY: &str = "cnVubmVyLXJlYWR5LXNlY3JldC1rZXktMzJieXRlcyE=";

    fn now() -> DateTime<Utc> {
        "2026-03-01T00:00:00Z".parse().unwrap()
    }

    fn required() -> Vec<RequiredResourceAccess> {
        let ids = |resource: &str, names: &[&str]| RequiredResourceAccess {
            resource_app_id: resource.into(),
            resource_access: names
                .iter()
                .map(|n| ResourceAccess::scope(graph::fallback_scope_id(resource, n).unwrap()))
                .collect(),
        };
        vec![
            ids(graph::GRAPH_APP_ID, &["openid", "offline_access"]),
            ids(graph::AZURE_DEVOPS_APP_ID, &["vso.code", "vso.code_write"]),
        ]
    }

    /// A healthy OAuth integration, its runner, its app.
    fn healthy() -> (Facts, Scope) {
        let public = crypto_box::SecretKey::from(
            <[u8; 32]>::try_from(
                base64::Engine::decode(&base64::engine::general_purpose::STANDARD, KEY).unwrap(),
            )
            .unwrap(),
        )
        .public_key();
        let runner = Runner {
            runner_id: RUNNER.into(),
            name: "acme-runner".into(),
            status: RunnerStatus {
                phase: "RUNNER_PHASE_ACTIVE".into(),
                public_key: Some(base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    public.as_bytes(),
                )),
                ..RunnerStatus::default()
            },
            ..Runner::default()
        };
        let integration = ScmIntegration {
            id: "i1".into(),
            runner_id: RUNNER.into(),
            scm_id: "azuredevops_entra".into(),
            host: "dev.azure.com/acme".into(),
            oauth: Some(ScmOauth {
                client_id: "c1".into(),
                encrypted_client_secret: "c2VhbGVk".into(),
                issuer_url: Some(ISSUER.into()),
            }),
            pat: true,
            virtual_directory: None,
        };
        let app = Application {
            id: "o1".into(),
            app_id: "c1".into(),
            display_name: "Ona runner acme-runner (Azure DevOps)".into(),
            sign_in_audience: SINGLE_TENANT.into(),
            web: Web {
                redirect_uris: vec![CALLBACK.into()],
                implicit_grant_settings: ImplicitGrantSettings {
                    enable_id_token_issuance: true,
                },
            },
            required_resource_access: required(),
            password_credentials: vec![PasswordCredential {
                key_id: "k1".into(),
                display_name: Some(secret_display_name(RUNNER)),
                hint: None,
                end_date_time: Some(now() + chrono::Duration::days(200)),
                start_date_time: None,
            }],
        };
        let schema = ConfigSchema {
            scm: vec![ScmSchema {
                scm_id: "azuredevops_entra".into(),
                oauth: Some(ScmSchemaOauth {
                    callback_url: CALLBACK.into(),
                }),
                ..ScmSchema::default()
            }],
        };
        let facts = Facts {
            runner,
            integration,
            schema: Ok(schema),
            validation: Ok(SavedValidation::Checked(ValidationResult {
                valid: true,
                ..ValidationResult::default()
            })),
            other_form: None,
            org: Some(("acme".into(), Ok(OrgTenant::Connected(TENANT.into())))),
            app: Some(AppFacts::Read {
                app: Some(Box::new(app)),
                sp: Some(ServicePrincipal {
                    id: "sp1".into(),
                    app_id: "c1".into(),
                    display_name: String::new(),
                    oauth2_permission_scopes: Vec::new(),
                }),
                grants: Ok(Vec::new()),
                required: required(),
            }),
        };
        let endpoint = |path: &str| {
            url::Url::parse(&format!(
                "https://login.microsoftonline.com/{TENANT}/{path}"
            ))
            .unwrap()
        };
        let discovery = Discovery {
            issuer: format!("https://login.microsoftonline.com/{TENANT}/v2.0"),
            tenant_id: TENANT.into(),
            authorization_endpoint: endpoint("oauth2/v2.0/authorize"),
            token_endpoint: endpoint("oauth2/v2.0/token"),
            device_authorization_endpoint: None,
            jwks_uri: endpoint("discovery/v2.0/keys"),
        };
        let scope = Scope {
            runners: Vec::new(),
            integrations: Vec::new(),
            issuers: HashMap::from([(ISSUER.to_string(), Ok(discovery))]),
            graph: HashMap::new(),
            my_tokens: Ok(vec![HostToken {
                runner_id: RUNNER.into(),
                host: "dev.azure.com/acme".into(),
                source: TokenSource::Pat,
                ..HostToken::default()
            }]),
            org: None,
            warn_days: 30,
        };
        (facts, scope)
    }

    fn app_mut(facts: &mut Facts) -> &mut Application {
        match &mut facts.app {
            Some(AppFacts::Read { app: Some(app), .. }) => app,
            _ => unreachable!(),
        }
    }

    fn the(report: &IntegrationReport, name: &str) -> DoctorCheck {
        report
            .checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no row {name}: {report:#?}"))
            .clone()
    }

    #[test]
    fn a_healthy_integration_is_ok_on_every_row() {
        let (facts, scope) = healthy();
        let report = report(&facts, &scope, now());
        let names: Vec<&str> = report.checks.iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            [
                "runner phase",
                "runner public key",
                "runner schema",
                "issuer discovery",
                "issuer tenant",
                "app registration",
                "redirect URI",
                "ID tokens",
                "permissions",
                "single tenant",
                "service principal",
                "consent",
                "client secret",
                "runner validation",
                "your sign-in",
            ]
        );
        assert!(
            report
                .checks
                .iter()
                .all(|c| c.status == Status::Ok && c.fix.is_none()),
            "{report:#?}"
        );
        assert_eq!(report.worst(), Status::Ok);
        assert_eq!(
            the(&report, "permissions").detail,
            "openid, offline_access, vso.code, vso.code_write"
        );
        assert_eq!(
            the(&report, "client secret").detail,
            "the secret ado-scm made expires on 2026-09-17 (in 200 days)"
        );
        assert_eq!(
            the(&report, "your sign-in").detail,
            "signed in with PAT, no expiry"
        );
    }

    #[test]
    fn a_secret_is_a_warning_inside_warn_days_and_a_failure_once_expired() {
        let (mut facts, scope) = healthy();
        let end = |facts: &mut Facts, days| {
            app_mut(facts).password_credentials[0].end_date_time =
                Some(now() + chrono::Duration::days(days))
        };
        end(&mut facts, 10);
        let warned = the(&report(&facts, &scope, now()), "client secret");
        assert_eq!(warned.status, Status::Warn);
        assert_eq!(
            warned.detail,
            "the secret ado-scm made expires on 2026-03-11 (in 10 days)"
        );
        assert_eq!(warned.remedy, Some(Remedy::RotateSecret));
        end(&mut facts, 30);
        assert_eq!(
            the(&report(&facts, &scope, now()), "client secret").status,
            Status::Ok
        );
        end(&mut facts, -1);
        let failed = the(&report(&facts, &scope, now()), "client secret");
        assert_eq!(failed.status, Status::Fail);
        assert_eq!(
            failed.detail,
            "the secret ado-scm made expired on 2026-02-28"
        );
        // Someone else's secrets only: not ours to judge.
        app_mut(&mut facts).password_credentials[0].display_name = Some("theirs".into());
        app_mut(&mut facts)
            .password_credentials
            .push(PasswordCredential {
                key_id: "k2".into(),
                display_name: None,
                hint: None,
                end_date_time: None,
                start_date_time: None,
            });
        let skipped = the(&report(&facts, &scope, now()), "client secret");
        assert_eq!(skipped.status, Status::Skipped);
        assert!(
            skipped.detail.contains("a secret you manage"),
            "{}",
            skipped.detail
        );
    }

    #[test]
    fn drift_on_the_app_fails_with_setup_as_the_remedy() {
        let (mut facts, scope) = healthy();
        let app = app_mut(&mut facts);
        app.web.redirect_uris = vec![format!("{CALLBACK}-typo")];
        app.web.implicit_grant_settings.enable_id_token_issuance = false;
        app.required_resource_access[1].resource_access.remove(0);
        app.sign_in_audience = "AzureADMultipleOrgs".into();
        let report = report(&facts, &scope, now());
        let redirect = the(&report, "redirect URI");
        assert_eq!(redirect.status, Status::Fail);
        assert_eq!(
            redirect.detail,
            format!("the runner's callback {CALLBACK} is missing (the app lists: {CALLBACK}-typo)")
        );
        assert_eq!(the(&report, "ID tokens").remedy, Some(Remedy::Setup));
        assert_eq!(the(&report, "permissions").detail, "missing: vso.code");
        let audience = the(&report, "single tenant");
        assert_eq!((audience.status, audience.remedy), (Status::Warn, None));
        let repairable: Vec<&str> = report.repairable().map(|c| c.name).collect();
        assert_eq!(repairable, ["redirect URI", "ID tokens", "permissions"]);
    }

    #[test]
    fn a_missing_app_or_graph_access_skips_the_app_rows_saying_why() {
        let (mut facts, scope) = healthy();
        facts.app = Some(AppFacts::Skipped(
            "no sign-in: pass --graph-token-stdin".into(),
        ));
        let report = report(&facts, &scope, now());
        assert_eq!(the(&report, "app registration").status, Status::Skipped);
        assert_eq!(
            the(&report, "app registration").detail,
            "no sign-in: pass --graph-token-stdin"
        );
        assert_eq!(the(&report, "client secret").status, Status::Skipped);
        assert_eq!(report.worst(), Status::Skipped);

        facts.app = Some(AppFacts::Read {
            app: None,
            sp: None,
            grants: Ok(Vec::new()),
            required: required(),
        });
        let report = super::report(&facts, &scope, now());
        let missing = the(&report, "app registration");
        assert_eq!(
            (missing.status, missing.remedy),
            (Status::Fail, Some(Remedy::Setup))
        );
        assert_eq!(the(&report, "redirect URI").status, Status::Skipped);
    }

    #[test]
    fn a_refused_validation_names_the_remedy_the_runner_points_at() {
        let (mut facts, scope) = healthy();
        let refused = |error: &str| {
            Ok(SavedValidation::Checked(ValidationResult {
                valid: false,
                oauth_error: Some(error.into()),
                ..ValidationResult::default()
            }))
        };
        facts.validation = refused("AADSTS7000222: the client secret keys are expired");
        let row = the(&report(&facts, &scope, now()), "runner validation");
        assert_eq!(row.status, Status::Fail);
        assert_eq!(
            row.detail,
            "oauth: AADSTS7000222: the client secret keys are expired"
        );
        assert_eq!(row.remedy, Some(Remedy::RotateSecret));

        let other = "https://login.microsoftonline.com/t/v2.0".to_string();
        facts.validation = refused("invalid issuer");
        facts.other_form = Some((
            other.clone(),
            Ok(SavedValidation::Checked(ValidationResult {
                valid: true,
                ..ValidationResult::default()
            })),
        ));
        let row = the(&report(&facts, &scope, now()), "runner validation");
        assert_eq!(row.remedy, Some(Remedy::IssuerForm(other)));

        // PAT only: nothing setup could rotate.
        facts.integration.oauth = None;
        facts.app = None;
        facts.other_form = None;
        facts.validation = refused("pat: not allowed");
        let report = report(&facts, &scope, now());
        assert_eq!(the(&report, "runner validation").remedy, None);
        assert!(report.checks.iter().all(|c| c.name != "issuer discovery"));
    }

    #[test]
    fn the_tenant_is_compared_with_the_organizations_or_skipped_without_one() {
        let (mut facts, scope) = healthy();
        facts.org = Some(("acme".into(), Ok(OrgTenant::Connected("other".into()))));
        let row = the(&report(&facts, &scope, now()), "issuer tenant");
        assert_eq!(row.status, Status::Fail);
        assert!(
            row.detail.contains("connected to tenant other"),
            "{}",
            row.detail
        );
        facts.org = None;
        let row = the(&report(&facts, &scope, now()), "issuer tenant");
        assert_eq!(row.status, Status::Skipped);
        assert!(row.detail.contains("--org"), "{}", row.detail);
    }
}
