//! The sandbox's own tests: each starts a `Sandbox` in-process and talks HTTP to it with a
//! blocking client, asserting the protocol rules ado-scm's tests will rely on.

mod ado;
mod binary;
mod breakage;
mod control;
mod gitpod;
mod host_tokens;
mod realism;
mod rules;
mod scm;
mod support;
