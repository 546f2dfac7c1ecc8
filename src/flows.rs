//! The multi-step work, written against the clients; progress goes through the injected `Ui`.
pub mod doctor;
pub mod fleet;
pub mod graph_signin;
pub mod login;
pub mod read_back;
pub mod saved;
pub mod setup;
