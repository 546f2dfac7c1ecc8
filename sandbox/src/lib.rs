//! Local stand-ins of the four services ado-scm talks to: the Gitpod (Ona) management API,
//! Microsoft Entra ID, Microsoft Graph and Azure DevOps REST.
//!
//! Written from the services' published references. Each service listens on its own loopback port so that
//! ado-scm's URL overrides (`--gitpod-url`, `--authority-url`, `--graph-url`, `--ado-url`) can
//! point at it exactly as they would at the real hosts. All four share one [`World`]: an app
//! registration made through Graph is the client the Entra token endpoint knows, and the runner's
//! validation checks client credentials against the same directory.
//!
//! Tests start one with [`Sandbox::start`] and assert on [`Sandbox::state`] (the world as JSON:
//! `gitpod.integrations`, `gitpod.hostTokens`, `directory.applications`, …) and
//! [`Sandbox::requests`] (every request, secrets replaced by [`hash_secret`]). Every listener
//! also answers, unlogged and unfaulted:
//!
//! | request | does |
//! | --- | --- |
//! | `GET /_sandbox/state` | the state dump |
//! | `GET /_sandbox/requests` | the request log |
//! | `POST /_sandbox/faults` | adds faults: `{"service":"gitpod","path_contains":"ListRunners","kind":{"status":503},"times":2}` (or a list); kinds `{"status":N}`, `{"status_after":N}` (handled, then answered N), `{"delay":MS}`, `"reset"`, `"reset_after"` (handled, then dropped); optional `method`, `skip` (let that many matching requests through first), `retry_after_secs` (default 2) |
//! | `DELETE /_sandbox/faults` | clears them |
//! | `POST /_sandbox/latency` | `{"ms":N}` added to every request |
//! | `POST /_sandbox/realism` | the real services' timing ([`Realism`], camelCase): `{"gitpodReadLag":2,…}` |
//! | `POST /_sandbox/break` | breaks what `ado-scm doctor` checks ([`Breakage`], camelCase): `{"ageSecret": {"keyId": "…", "days": 5}}` |
//! | `POST /_sandbox/reset` | back to the seeded data, log and faults cleared |

pub mod ado;
pub mod entra;
pub mod gitpod;
pub mod graph;
mod html;
mod record;
pub mod seed;
pub mod server;
pub mod world;

pub use world::directory;

pub use server::Sandbox;
pub use world::{
    hash_secret, longest_chain, Breakage, Fault, FaultHit, FaultKind, LoggedRequest, Realism,
    ServiceUrls, SharedWorld, World,
};
