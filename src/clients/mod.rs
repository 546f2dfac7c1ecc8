//! Typed clients, one per service.
pub mod ado;
pub mod gitpod;
