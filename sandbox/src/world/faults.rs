//! How the sandbox misbehaves on purpose: injected faults, the real services' timing, and the
//! breakages a tenant or a runner drifts into after setup (a client secret near its end or past
//! it, a redirect URI mistyped in the portal, a permission removed, a runner reinstalled with a
//! new key pair).

use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::directory::iso;
use super::gitpod::{IssuerForm, Runner};
use super::World;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Fault {
    /// `gitpod`, `entra`, `graph`, `ado`; `None` matches every service.
    #[serde(default)]
    pub service: Option<String>,
    /// Substring of the request path (`ListRunners`, `/oauth2/v2.0/token`); empty matches all.
    #[serde(default)]
    pub path_contains: String,
    /// `GET`, `POST`, `PATCH`, … (any case); `None` matches every method.
    #[serde(default)]
    pub method: Option<String>,
    pub kind: FaultKind,
    /// How many matching requests it hits before it is used up.
    #[serde(default = "one")]
    pub times: u32,
    /// Matching requests let through untouched before the fault applies: `skip: 2` hits the
    /// third matching request.
    #[serde(default)]
    pub skip: u32,
    /// The `Retry-After` (`RateLimit-RetryAfter`, `RetryInfo`) a 429 or 503 fault announces;
    /// 2 seconds when absent.
    #[serde(default)]
    pub retry_after_secs: Option<u64>,
}

fn one() -> u32 {
    1
}

/// JSON: `{"status": 503}`, `{"status_after": 503}`, `{"delay": 1500}` (milliseconds),
/// `"reset"`, `"reset_after"`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// Answer with this status and the service's usual error body; the request is not handled.
    Status(u16),
    /// Handle the request (the write happens), then answer this status instead: a lost answer.
    StatusAfter(u16),
    /// Wait this many milliseconds, then answer normally.
    Delay(u64),
    /// Close the connection without answering; the request is not handled.
    Reset,
    /// Handle the request (the write happens), then close the connection without answering.
    ResetAfter,
}

/// A fault picked for one request: what to do, and the retry delay it announces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultHit {
    pub kind: FaultKind,
    pub retry_after_secs: u64,
}

impl Fault {
    pub fn new(service: Option<&str>, path_contains: &str, kind: FaultKind, times: u32) -> Fault {
        Fault {
            service: service.map(str::to_string),
            path_contains: path_contains.to_string(),
            method: None,
            kind,
            times,
            skip: 0,
            retry_after_secs: None,
        }
    }

    /// Only requests with this method (`POST`, `PATCH`, …).
    pub fn method(mut self, method: &str) -> Fault {
        self.method = Some(method.to_string());
        self
    }

    /// Lets the first `n` matching requests through.
    pub fn skip(mut self, n: u32) -> Fault {
        self.skip = n;
        self
    }

    /// The retry delay a 429 or 503 announces.
    pub fn retry_after_secs(mut self, secs: u64) -> Fault {
        self.retry_after_secs = Some(secs);
        self
    }

    pub fn matches(&self, service: &str, method: &str, path: &str) -> bool {
        self.times > 0
            && self.service.as_deref().is_none_or(|s| s == service)
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && path.contains(&self.path_contains)
    }
}

/// How the real services lag behind their own writes. Each count is how many times a fresh
/// object is not there yet; 0 (the default) means the sandbox answers at once.
///
/// JSON (`POST /_sandbox/realism`, camelCase): `{"graphReadMissesAfterCreate": 2, …}`; absent
/// fields are 0.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default, deny_unknown_fields)]
pub struct Realism {
    /// A new Graph object (application, service principal, grant) answers 404 to this many
    /// reads (Graph is eventually consistent: the Terraform azuread provider's Graph client
    /// retries a 404 right after each create for this reason).
    pub graph_read_misses_after_create: u32,
    /// Creating the service principal of a just-created app answers 400 `Request_BadRequest`
    /// "The appId '…' of the service principal does not reference a valid application object"
    /// this many times (the Azure CLI's tests mock exactly this as a replication error, and the
    /// azuread provider's client retries it as `ErrorServicePrincipalInvalidAppId`).
    pub sp_create_bad_request_after_app_create: u32,
    /// Client credentials for a just-created app answer 400 `unauthorized_client` AADSTS700016
    /// ("not found in the directory") this many times. Reported publicly; no Microsoft
    /// document gives a duration, hence a count a test chooses.
    pub entra_unknown_new_app: u32,
    /// A new client secret is refused with AADSTS7000215 this many times (replication; same
    /// standing as the one above).
    pub secret_replication_failures: u32,
    /// After a Gitpod write, this many reads that would show it answer from the state before
    /// the write (read replicas: the Terraform provider for Ona re-reads with back-off after
    /// each of its writes before it concludes anything).
    pub gitpod_read_lag: u32,
}

impl Realism {
    /// Every lag at 2: what the setup and login tests also run under.
    pub fn typical() -> Realism {
        Realism {
            graph_read_misses_after_create: 2,
            sp_create_bad_request_after_app_create: 2,
            entra_unknown_new_app: 2,
            secret_replication_failures: 2,
            gitpod_read_lag: 2,
        }
    }
}

/// What goes wrong in a tenant or on a runner after setup, for `ado-scm doctor` to find. JSON
/// (`POST /_sandbox/break`): `{"ageSecret": {"keyId": "…", "days": -1}}`, `{"breakRedirectUri":
/// {"app": CLIENT_ID, "uri": "…"}}`, `{"removePermission": {"app": CLIENT_ID, "scope": SCOPE_ID}}`,
/// `{"rotateRunnerKey": {"runnerId": "…"}}`, `{"onlyIssuerForm": {"runnerId": "…", "form":
/// "v2.0"}}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum Breakage {
    /// The client secret `key_id` ends `days` from now (0 or less: it has ended).
    AgeSecret { key_id: String, days: i64 },
    /// The redirect URI `uri` of the app (its client id) becomes a mistyped one (`…-typo`), as
    /// someone editing it in the portal might leave it.
    BreakRedirectUri { app: String, uri: String },
    /// The app (its client id) loses the delegated permission `scope` (its id).
    RemovePermission { app: String, scope: String },
    /// The runner gets a new key pair: what was sealed to the old key no longer opens.
    RotateRunnerKey { runner_id: String },
    /// The runner takes the issuer URL in `form` only (`"oauth2/v2.0"` or `"v2.0"`) and its
    /// validation refuses the other form, as a runner checking the issuer the way an OpenID
    /// Connect library does would.
    OnlyIssuerForm { runner_id: String, form: IssuerForm },
}

impl World {
    /// Applies `breakage`; `false` when what it names does not exist.
    pub fn apply_breakage(&mut self, breakage: Breakage) -> bool {
        let now = self.now();
        let apps = &mut self.directory.applications;
        let find = |id: &str| apps.iter().position(|a| a.app_id.eq_ignore_ascii_case(id));
        match breakage {
            Breakage::AgeSecret { key_id, days } => (apps.iter_mut())
                .flat_map(|a| &mut a.password_credentials)
                .find(|c| c.key_id == key_id)
                .map(|c| c.end_date_time = iso(now + Duration::days(days)))
                .is_some(),
            Breakage::BreakRedirectUri { app, uri } => find(&app)
                .and_then(|i| apps[i].web.redirect_uris.iter_mut().find(|u| **u == uri))
                .map(|u| u.push_str("-typo"))
                .is_some(),
            Breakage::RemovePermission { app, scope } => find(&app).is_some_and(|i| {
                let access = &mut apps[i].required_resource_access;
                let found =
                    (access.iter()).any(|r| r.resource_access.iter().any(|a| a.id == scope));
                access
                    .iter_mut()
                    .for_each(|r| r.resource_access.retain(|a| a.id != scope));
                found
            }),
            Breakage::RotateRunnerKey { runner_id } => (self.gitpod.runners.iter_mut())
                .find(|r| r.runner_id == runner_id && r.public_key.is_some())
                .map(Runner::new_key)
                .is_some(),
            Breakage::OnlyIssuerForm { runner_id, form } => (self.gitpod.runners.iter_mut())
                .find(|r| r.runner_id == runner_id)
                .map(|r| r.only_issuer_form = Some(form))
                .is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::{ServiceUrls, World};
    use serde_json::json;

    #[test]
    fn faults_are_used_up() {
        let mut faults = [Fault::new(
            Some("gitpod"),
            "ListRunners",
            FaultKind::Status(503),
            2,
        )];
        let path = "/api/gitpod.v1.RunnerService/ListRunners";
        assert!(faults[0].matches("gitpod", "POST", path));
        assert!(!faults[0].matches("ado", "POST", path));
        let post_only = faults[0].clone().method("post");
        assert!(post_only.matches("gitpod", "POST", path));
        assert!(!post_only.matches("gitpod", "GET", path));
        faults[0].times = 0;
        assert!(!faults[0].matches("gitpod", "POST", path));
    }

    #[test]
    fn a_skipping_fault_hits_the_kth_matching_request() {
        let mut world = World::seeded(ServiceUrls::default());
        world.faults.push(
            Fault::new(Some("graph"), "addPassword", FaultKind::ResetAfter, 1)
                .method("POST")
                .skip(2),
        );
        let take =
            |w: &mut World| w.take_fault("graph", "POST", "/v1.0/applications/x/addPassword");
        assert_eq!(take(&mut world), None);
        assert_eq!(take(&mut world), None);
        assert_eq!(
            take(&mut world),
            Some(FaultHit {
                kind: FaultKind::ResetAfter,
                retry_after_secs: 2
            })
        );
        assert_eq!(take(&mut world), None);
        assert!(world.faults.is_empty());
    }

    #[test]
    fn fault_and_realism_json_names() {
        let fault: Fault = serde_json::from_value(json!({
            "service": "gitpod", "method": "POST", "kind": {"status_after": 503},
            "skip": 1, "retry_after_secs": 7
        }))
        .unwrap();
        assert_eq!(fault.kind, FaultKind::StatusAfter(503));
        assert_eq!(
            (fault.skip, fault.times, fault.retry_after_secs),
            (1, 1, Some(7))
        );
        let reset: FaultKind = serde_json::from_value(json!("reset_after")).unwrap();
        assert_eq!(reset, FaultKind::ResetAfter);
        let realism: Realism =
            serde_json::from_value(json!({"gitpodReadLag": 3, "entraUnknownNewApp": 1})).unwrap();
        assert_eq!(realism.gitpod_read_lag, 3);
        assert_eq!(realism.entra_unknown_new_app, 1);
        assert_eq!(realism.secret_replication_failures, 0);
        assert_eq!(
            serde_json::to_value(Realism::typical()).unwrap(),
            json!({
                "graphReadMissesAfterCreate": 2, "spCreateBadRequestAfterAppCreate": 2,
                "entraUnknownNewApp": 2, "secretReplicationFailures": 2, "gitpodReadLag": 2
            })
        );
    }
}
