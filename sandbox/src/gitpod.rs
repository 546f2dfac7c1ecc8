//! The Gitpod (Ona) management API stand-in, and the runners behind it.
//!
//! Connect RPC with JSON (the Gitpod SDKs' protos): `POST /api/gitpod.v1.{Service}/{Method}`.
//! The runner is closed source; where its behaviour is not public (duplicate integrations, the
//! OAuth consent pages) this stand-in picks the strict reading so that a client relying on a
//! lenient runner fails here first. Each choice is named where it is made.
//!
//! The runner's part (opening sealed secrets, checking client credentials against the Entra
//! directory, redeeming the OAuth code) happens in-process: the "runner" is the key pair and the
//! logic below, sharing the world with the Entra stand-in. One exception: when an integration's
//! issuer is not the sandbox's own Entra (a real OpenID provider in the real-component suite), the
//! consent leg does what a real runner does, over HTTP: discovery, authorize, code redemption.

mod connect;
mod consent;
mod runners;
mod scm;
mod tokens;

use axum::routing::{get, post};
use axum::Router;

use crate::world::SharedWorld;

pub use crate::world::gitpod::*;
pub use connect::{fault_error, Code, ConnectError};

pub fn router(world: SharedWorld) -> Router {
    Router::new()
        .route("/api/{service}/{method}", post(connect::handle))
        .route("/moved/api/{service}/{method}", post(connect::handle_moved))
        .route(
            "/runners/{runner_id}/auth/oauth2/start",
            get(consent::start),
        )
        .route(
            "/runners/{runner_id}/auth/oauth2/callback",
            get(consent::callback),
        )
        .with_state(world)
}
