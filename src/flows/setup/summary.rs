//! What a run reports: the `setup --json` document ([`Summary`]), and around it what
//! the person at the terminal is told ([`SetupReport`]); the checks that passed on the way.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{OauthLook, SetupPlan};
use crate::ui::Ui;

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

/// One check a run made, as `setup`'s summary and `ado-scm test` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

impl Check {
    /// The row people read: `✓ name: detail`, or `✗` when the check failed.
    pub fn row(&self) -> String {
        let mark = if self.ok { "✓" } else { "✗" };
        format!("{mark} {}", self.text())
    }

    /// The row without its mark: `name: detail`.
    pub fn text(&self) -> String {
        format!("{}: {}", self.name, self.detail)
    }

    /// Prints the row as a finished step ([`Ui::ok`]) or a failed one ([`Ui::bad`]).
    pub fn show(&self, ui: &Ui) {
        if self.ok {
            ui.ok(self.text());
        } else {
            ui.bad(self.text());
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct OauthSummary {
    pub client_id: Option<String>,
    pub app_object_id: Option<String>,
    pub issuer_url: String,
    pub secret_expires_at: Option<DateTime<Utc>>,
    pub secret: SecretOutcome,
}

/// The `setup --json` document.
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
    /// The integration's fields an update changed (or in a dry run would change), in words.
    pub integration_fields: Vec<String>,
}

impl SetupReport {
    /// The report of a run (real or dry); what it says of the tenant and the app registration
    /// comes from `oauth`.
    pub(super) fn new(
        summary: Summary,
        plan: &SetupPlan,
        oauth: Option<&OauthLook<'_>>,
        app_name: Option<String>,
        removed_secrets: Vec<String>,
        changes: usize,
    ) -> Self {
        SetupReport {
            summary,
            runner_name: plan.runner.name.clone(),
            tenant_id: oauth.map(|look| look.discovery.tenant_id.clone()),
            app_name,
            app_created: oauth.is_some_and(|look| look.app.is_create()),
            repairs: oauth
                .map(|look| look.app.repairs().to_vec())
                .unwrap_or_default(),
            graph_checked: oauth.is_some_and(|look| look.graph.is_some()),
            consent_granted: oauth.is_some_and(OauthLook::consent_wanted),
            removed_secrets,
            changes,
            integration_fields: Vec::new(),
        }
    }
}

pub fn check(name: &str, ok: bool, detail: impl Into<String>) -> Check {
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

pub fn date(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}
