//! Typed clients, one per service.
pub mod ado;
pub mod entra;
pub mod gitpod;
pub mod graph;

#[cfg(test)]
pub(crate) mod test_server;
