//! `ado-scm doctor`: is every Azure DevOps integration still healthy? Reads only.
//!
//! For each integration: the runner (phase, public key, a schema that still offers the scm
//! id), the saved issuer (discovery, and that its tenant is the organization's), the app
//! registration through Microsoft Graph (it exists, the runner's callback is a redirect URI, ID
//! tokens on, the four permissions, single tenant, its service principal, consent), the expiry
//! of the client secret ado-scm made for this runner, the runner's own validation of the saved
//! configuration, and the caller's own sign-in for the host. Each is a row: `ok`, `warn`,
//! `fail`, or `skipped` with why.
//!
//! `read` asks the services (independent requests at once); `judge` turns what they said into
//! the rows, with no I/O, so that every verdict is unit-tested. A row that `doctor --fix` can
//! repair carries a [`Remedy`]: the command turns those into a plan for setup's own flow, never
//! a second implementation of setup's steps.

mod judge;
mod read;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

use crate::clients::ado::AdoClient;
use crate::clients::entra::issuer::Discovery;
use crate::clients::gitpod::{GitpodClient, HostToken, Runner, ScmIntegration};
use crate::clients::graph::Application;
use crate::error::Result;
use crate::flows::setup::secret_display_name;
use crate::http::Http;
use crate::secret::Secret;

pub use read::discover_issuers;

/// The services doctor reads.
pub struct DoctorServices<'a> {
    pub http: &'a Http,
    pub gitpod: &'a GitpodClient<'a>,
    pub ado: &'a AdoClient<'a>,
    /// `--authority-url`: where saved issuers are read.
    pub authority: &'a Url,
    pub graph_url: &'a Url,
}

/// What one run examines, gathered by the command: the integrations and their runners, what
/// was found once for all of them, and the thresholds.
pub struct Scope {
    pub runners: Vec<Runner>,
    pub integrations: Vec<ScmIntegration>,
    /// The discovery document of each saved issuer URL ([`discover_issuers`]).
    pub issuers: HashMap<String, Result<Discovery>>,
    /// Microsoft Graph per tenant GUID.
    pub graph: HashMap<String, GraphAccess>,
    /// The caller's own host tokens.
    pub my_tokens: Result<Vec<HostToken>>,
    /// The organization to compare tenants with when a host names none (`--org`, config).
    pub org: Option<String>,
    /// A secret that ends within this many days is a warning.
    pub warn_days: u32,
}

/// Whether the app registrations of a tenant can be read.
#[derive(Debug, Clone)]
pub enum GraphAccess {
    Token(Secret),
    /// Why not: no sign-in at hand, and how to give one.
    Skipped(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Skipped,
    Warn,
    Fail,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Skipped => "skipped",
            Status::Warn => "warn",
            Status::Fail => "fail",
        }
    }
}

/// What `doctor --fix` does about a row, always through setup's own flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remedy {
    /// Setup as it is repairs it: drift on the app, a missing service principal, a missing app.
    Setup,
    /// A new client secret (setup's `--rotate-secret`).
    RotateSecret,
    /// The runner accepts the other form of the saved issuer URL: save that one.
    IssuerForm(String),
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DoctorCheck {
    pub name: &'static str,
    pub status: Status,
    pub detail: String,
    /// How to repair it (`null` when nothing is wrong).
    pub fix: Option<String>,
    #[serde(skip)]
    pub remedy: Option<Remedy>,
}

/// The rows of one integration.
#[derive(Debug, Clone, Serialize)]
pub struct IntegrationReport {
    pub runner_id: String,
    pub runner_name: String,
    pub host: String,
    pub scm_id: String,
    pub checks: Vec<DoctorCheck>,
}

impl IntegrationReport {
    /// The worst status of its rows.
    pub fn worst(&self) -> Status {
        self.checks
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(Status::Ok)
    }

    /// The failed or warning rows `--fix` can repair.
    pub fn repairable(&self) -> impl Iterator<Item = &DoctorCheck> {
        self.checks
            .iter()
            .filter(|c| matches!(c.status, Status::Fail | Status::Warn) && c.remedy.is_some())
    }
}

/// Which of an app's client secrets is the runner's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunnerSecret {
    /// Made by ado-scm for the runner (`ado-scm <runner-id>`); the latest end if several.
    Ours,
    /// No secret is named for the runner, and the app has just one.
    Only,
}

/// The runner's client secret on its app and when it ends (`None`: no end date); `None` when
/// the app has no secret named for the runner and more than one other (the admin's own).
pub fn runner_secret_end(
    app: &Application,
    runner_id: &str,
) -> Option<(RunnerSecret, Option<DateTime<Utc>>)> {
    let ours = secret_display_name(runner_id);
    let mine: Vec<_> = (app.password_credentials.iter())
        .filter(|p| p.display_name.as_deref() == Some(ours.as_str()))
        .collect();
    match (mine.as_slice(), app.password_credentials.as_slice()) {
        ([], [only]) => Some((RunnerSecret::Only, only.end_date_time)),
        ([], _) => None,
        (mine, _) => Some((
            RunnerSecret::Ours,
            mine.iter().filter_map(|p| p.end_date_time).max(),
        )),
    }
}

/// The rows of every integration in `scope`, in its order.
pub fn examine(s: &DoctorServices<'_>, scope: &Scope) -> Vec<IntegrationReport> {
    let now = s.http.clock().now();
    read::facts(s, scope)
        .into_iter()
        .map(|facts| judge::report(&facts, scope, now))
        .collect()
}
