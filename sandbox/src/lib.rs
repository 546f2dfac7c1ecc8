//! Local stand-ins of the four services ado-scm talks to: the Gitpod (Ona) management API,
//! Microsoft Entra ID, Microsoft Graph and Azure DevOps REST.
//!
//! Written from `shared/protocols/*.md`. Each service listens on its own loopback port so that
//! ado-scm's URL overrides (`--gitpod-url`, `--authority-url`, `--graph-url`, `--ado-url`) can
//! point at it exactly as they would at the real hosts. All four share one [`World`]: an app
//! registration made through Graph is the client the Entra token endpoint knows, and the runner's
//! validation checks client credentials against the same directory.

pub mod ado;
pub mod directory;
pub mod entra;
pub mod gitpod;
pub mod graph;
mod record;
pub mod seed;
pub mod server;
pub mod world;

pub use server::Sandbox;
pub use world::{hash_secret, Fault, FaultKind, LoggedRequest, ServiceUrls, SharedWorld, World};
