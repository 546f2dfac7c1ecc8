//! The state all four stand-ins share, the request log and the fault plan.
//!
//! One `World` behind one mutex: the services are tiny and every handler finishes its work under
//! the lock without awaiting, so there is no lock ordering to get wrong. Handlers that need to
//! wait (latency, delay faults) do it before they take the lock.

pub mod ado;
pub mod directory;
mod faults;
pub mod gitpod;
mod log;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use serde::Serialize;
use serde_json::{json, Value};

pub use faults::{Breakage, Fault, FaultHit, FaultKind, Realism};
pub use log::{
    hash_secret, is_secret_field, longest_chain, redact_authorization, redact_form, redact_json,
    redact_query, LoggedRequest,
};

pub type SharedWorld = Arc<Mutex<World>>;

/// Locks the world. Every handler finishes its work under the lock without awaiting; one that
/// panicked leaves the world as it was, still usable.
pub fn lock(world: &SharedWorld) -> MutexGuard<'_, World> {
    world.lock().unwrap_or_else(|e| e.into_inner())
}

pub struct World {
    pub gitpod: gitpod::State,
    pub ado: ado::State,
    pub directory: directory::Directory,
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

impl World {
    /// A fresh world with the seeded data, whose URLs point at the given listeners.
    pub fn seeded(urls: ServiceUrls) -> World {
        let mut directory = directory::Directory::seeded();
        directory.bind_urls(&urls);
        World {
            gitpod: gitpod::State::seeded(&urls),
            ado: ado::State::seeded(),
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
