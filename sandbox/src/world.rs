//! The state all four stand-ins share, the request log and the fault plan.
//!
//! One `World` behind one mutex: the services are tiny and every handler finishes its work under
//! the lock without awaiting, so there is no lock ordering to get wrong. Handlers that need to
//! wait (latency, delay faults) do it before they take the lock.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub type SharedWorld = Arc<Mutex<World>>;

pub struct World {
    pub gitpod: crate::gitpod::State,
    pub ado: crate::ado::State,
    pub directory: crate::directory::Directory,
    pub log: Vec<LoggedRequest>,
    pub faults: Vec<Fault>,
    pub latency_ms: u64,
    pub urls: ServiceUrls,
    /// Timing behaviour of the real services, all off unless a test turns it on.
    pub realism: Realism,
    /// `Some(307 | 308)`: the Gitpod API answers that redirect to `{root}/moved/api/…`
    /// ([`crate::Sandbox::move_gitpod_api`]).
    pub gitpod_moved: Option<u16>,
    /// When the sandbox started: the origin of [`LoggedRequest::started_ms`] (kept by `reset`).
    pub started: Instant,
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

/// Base URLs of the four listeners, as a client would configure them.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ServiceUrls {
    /// The Gitpod API base, including `/api` (what `ADO_SCM_GITPOD_URL` takes).
    pub gitpod: String,
    pub authority: String,
    pub graph: String,
    pub ado: String,
}

impl ServiceUrls {
    /// The Gitpod listener's root (no `/api`): where the runner's own pages (OAuth callback) live.
    pub fn gitpod_root(&self) -> &str {
        self.gitpod.strip_suffix("/api").unwrap_or(&self.gitpod)
    }
}

/// One request as a service received it, secrets hashed (see [`hash_secret`]).
#[derive(Clone, Debug, Serialize)]
pub struct LoggedRequest {
    /// `gitpod`, `entra`, `graph` or `ado`.
    pub service: String,
    pub method: String,
    pub path: String,
    /// The query string with secret parameters hashed; empty when there was none.
    pub query: String,
    /// Lower-case names; only the headers a test may care about.
    pub headers: BTreeMap<String, String>,
    /// JSON or form body (as a JSON object), secrets hashed; `None` when empty or neither.
    pub body: Option<Value>,
    /// Status answered; `None` when the connection was reset by a fault.
    pub status: Option<u16>,
    /// The fault applied to this request, if any (e.g. `status 503`, `status_after 503`,
    /// `delay 200ms`, `reset`, `reset_after`).
    pub fault: Option<String>,
    /// Milliseconds since the sandbox started (monotonic) when the request arrived and when its
    /// answer (or reset) was ready: two requests overlap when their intervals do, so a test can
    /// find the longest chain of requests a client made one after the other.
    pub started_ms: u64,
    pub finished_ms: u64,
}

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

impl World {
    /// A fresh world with the seeded data, whose URLs point at the given listeners.
    pub fn seeded(urls: ServiceUrls) -> World {
        let mut directory = crate::directory::Directory::seeded();
        directory.bind_urls(&urls);
        World {
            gitpod: crate::gitpod::State::seeded(&urls),
            ado: crate::ado::State::seeded(),
            directory,
            log: Vec::new(),
            faults: Vec::new(),
            latency_ms: 0,
            urls,
            realism: Realism::default(),
            gitpod_moved: None,
            started: Instant::now(),
        }
    }

    /// Milliseconds since the sandbox started, on the monotonic clock.
    pub fn elapsed_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// The world's clock: the directory's (wall time plus the offset a test may add with
    /// `directory.advance_clock`), so host tokens expire together with Entra's tokens.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.directory.now()
    }

    /// Back to the seeded data; keeps the URLs (the listeners stay where they are) and the
    /// clock of the request log.
    pub fn reset(&mut self) {
        let started = self.started;
        *self = World::seeded(self.urls.clone());
        self.started = started;
    }

    /// Takes one use of the first fault matching this request, if any. A fault still skipping
    /// lets this request through (and counts it).
    pub fn take_fault(&mut self, service: &str, method: &str, path: &str) -> Option<FaultHit> {
        let index = self
            .faults
            .iter()
            .position(|f| f.matches(service, method, path))?;
        let fault = &mut self.faults[index];
        if fault.skip > 0 {
            fault.skip -= 1;
            return None;
        }
        fault.times -= 1;
        let hit = FaultHit {
            kind: fault.kind.clone(),
            retry_after_secs: fault.retry_after_secs.unwrap_or(2),
        };
        if fault.times == 0 {
            self.faults.remove(index);
        }
        Some(hit)
    }

    /// Everything but the request log, for assertions and `GET /_sandbox/state`.
    pub fn state_json(&self) -> Value {
        json!({
            "gitpod": self.gitpod,
            "ado": self.ado,
            "directory": self.directory,
            "faults": self.faults,
            "latencyMs": self.latency_ms,
            "realism": self.realism,
            "gitpodMoved": self.gitpod_moved,
            "urls": self.urls,
        })
    }
}

/// `sha256:` and the first 16 hex digits of the SHA-256 of `secret`: enough to tell which secret
/// was sent, useless to anyone reading a log.
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Field names (JSON bodies, form bodies, query parameters) whose string values are secrets.
const SECRET_FIELDS: &[&str] = &[
    "token",
    "secret",
    "password",
    "clientsecret",
    "oauthplaintextclientsecret",
    "oauthencryptedclientsecret",
    "encryptedclientsecret",
    "refreshtoken",
    "client_secret",
    "code",
    "code_verifier",
    "refresh_token",
    "access_token",
    "id_token",
    "device_code",
    "secrettext",
    "pat",
    "assertion",
    "client_assertion",
    "apikey",
    "api_key",
];

pub fn is_secret_field(name: &str) -> bool {
    SECRET_FIELDS.contains(&name.to_ascii_lowercase().as_str())
}

/// Replaces every string under a secret field name with its hash, at any depth. Non-string
/// values stay (`"pat": true` on a Gitpod integration is a flag, not a token).
pub fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Value::String(s) if is_secret_field(key) => *s = hash_secret(s),
                    _ => redact_json(v),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// Parses `a=1&b=2` into a JSON object (last value wins), secrets hashed.
pub fn redact_form(form: &[u8]) -> Value {
    let mut map = serde_json::Map::new();
    for (key, value) in form_urlencoded::parse(form) {
        let value = if is_secret_field(&key) {
            hash_secret(&value)
        } else {
            value.into_owned()
        };
        map.insert(key.into_owned(), Value::String(value));
    }
    Value::Object(map)
}

/// The query string with secret parameters hashed.
pub fn redact_query(query: &str) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (key, value) in form_urlencoded::parse(query.as_bytes()) {
        if is_secret_field(&key) {
            out.append_pair(&key, &hash_secret(&value));
        } else {
            out.append_pair(&key, &value);
        }
    }
    out.finish()
}

/// An `Authorization` value with its credential hashed: `Bearer sha256:…`; for `Basic`, the
/// user name stays and the password is hashed: `Basic :sha256:…` for an Azure DevOps PAT sent
/// as `base64(":" + PAT)`, so `hash_secret(PAT)` finds it.
pub fn redact_authorization(value: &str) -> String {
    use base64::Engine as _;
    let (scheme, credential) = value.split_once(' ').unwrap_or(("", value));
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(credential.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok());
        if let Some((user, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) {
            return format!("{scheme} {user}:{}", hash_secret(password));
        }
    }
    if scheme.is_empty() {
        return hash_secret(credential);
    }
    format!("{scheme} {}", hash_secret(credential.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_prefixed_and_short() {
        let h = hash_secret("abc");
        assert_eq!(h, "sha256:ba7816bf8f01cfea");
    }

    #[test]
    fn json_secrets_are_hashed_at_any_depth_but_flags_stay() {
        let mut v = json!({"pat": true, "oauthPlaintextClientSecret": "s3", "nested": [{"token": "t"}], "host": "h"});
        redact_json(&mut v);
        assert_eq!(v["pat"], json!(true));
        assert_eq!(v["oauthPlaintextClientSecret"], json!(hash_secret("s3")));
        assert_eq!(v["nested"][0]["token"], json!(hash_secret("t")));
        assert_eq!(v["host"], json!("h"));
    }

    #[test]
    fn basic_authorization_keeps_user_and_hashes_password() {
        use base64::Engine as _;
        let b = base64::engine::general_purpose::STANDARD.encode(":mypat");
        assert_eq!(
            redact_authorization(&format!("Basic {b}")),
            format!("Basic :{}", hash_secret("mypat"))
        );
        assert_eq!(
            redact_authorization("Bearer xyz"),
            format!("Bearer {}", hash_secret("xyz"))
        );
    }

    #[test]
    fn query_and_form_secrets_are_hashed() {
        assert_eq!(
            redact_query("code=abc&state=s"),
            format!("code={}&state=s", hash_secret("abc").replace(':', "%3A"))
        );
        let f = redact_form(b"grant_type=client_credentials&client_secret=x");
        assert_eq!(f["client_secret"], json!(hash_secret("x")));
        assert_eq!(f["grant_type"], json!("client_credentials"));
    }

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
