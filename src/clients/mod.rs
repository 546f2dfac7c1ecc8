//! Typed clients, one per service.
pub mod ado;
pub mod gitpod;

#[cfg(test)]
pub(crate) mod test_server;
