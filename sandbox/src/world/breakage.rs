//! What goes wrong in a tenant or on a runner after setup, for `ado-scm doctor` to find: a
//! client secret that nears its end (or passed it), a redirect URI someone mistyped in the
//! portal, a permission someone removed, a runner reinstalled with a new key pair.

use chrono::Duration;
use serde::Deserialize;

use super::directory::iso;
use super::gitpod::Runner;
use super::World;

/// One breakage. JSON (`POST /_sandbox/break`): `{"ageSecret": {"keyId": "…", "days": -1}}`,
/// `{"breakRedirectUri": {"clientId": "…", "uri": "…"}}`, `{"removePermission": {"clientId":
/// "…", "scopeId": "…"}}`, `{"rotateRunnerKey": {"runnerId": "…"}}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(
    rename_all = "camelCase",
    rename_all_fields = "camelCase",
    deny_unknown_fields
)]
pub enum Breakage {
    /// The client secret `key_id` ends `days` from now (0 or less: it has ended).
    AgeSecret { key_id: String, days: i64 },
    /// The app's redirect URI `uri` becomes a mistyped one (`…-typo`).
    BreakRedirectUri { client_id: String, uri: String },
    /// The app loses the delegated permission `scope_id`.
    RemovePermission { client_id: String, scope_id: String },
    /// The runner gets a new key pair: what was sealed to the old key no longer opens.
    RotateRunnerKey { runner_id: String },
}

impl World {
    /// Applies `breakage`; `false` when what it names does not exist.
    pub fn apply_breakage(&mut self, breakage: Breakage) -> bool {
        let now = self.now();
        let apps = &mut self.directory.applications;
        let app = |id: &str| apps.iter().position(|a| a.app_id.eq_ignore_ascii_case(id));
        match breakage {
            Breakage::AgeSecret { key_id, days } => (apps.iter_mut())
                .flat_map(|a| &mut a.password_credentials)
                .find(|c| c.key_id == key_id)
                .map(|c| c.end_date_time = iso(now + Duration::days(days)))
                .is_some(),
            Breakage::BreakRedirectUri { client_id, uri } => app(&client_id)
                .and_then(|i| apps[i].web.redirect_uris.iter_mut().find(|u| **u == uri))
                .map(|u| u.push_str("-typo"))
                .is_some(),
            Breakage::RemovePermission {
                client_id,
                scope_id,
            } => app(&client_id).is_some_and(|i| {
                let mut removed = false;
                for r in &mut apps[i].required_resource_access {
                    removed |= r.resource_access.iter().any(|a| a.id == scope_id);
                    r.resource_access.retain(|a| a.id != scope_id);
                }
                removed
            }),
            Breakage::RotateRunnerKey { runner_id } => (self.gitpod.runners.iter_mut())
                .find(|r| r.runner_id == runner_id && r.public_key.is_some())
                .map(Runner::new_key)
                .is_some(),
        }
    }
}
