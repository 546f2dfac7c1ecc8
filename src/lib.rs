//! ado-scm: connect Azure DevOps to Gitpod (Ona) self-hosted runners.
//!
//! Layers, each importing only the ones below it:
//! `commands` (flags and prompts → a plan) → `flows` (the multi-step work) → `clients` (one typed
//! client per service) → core pieces (`config`, `store`, `seal`, `urls`, `http`, `error`,
//! `secret`) and `ui`. `main.rs` and `deps.rs` are the only places that touch the process's
//! environment, streams and clock.

pub mod app;
pub mod cli;
pub mod clients;
pub mod clock;
pub mod commands;
pub mod config;
pub mod deps;
pub mod error;
pub mod files;
pub mod flows;
pub mod guid;
pub mod http;
pub mod interrupt;
pub mod issuer;
pub mod oauth;
pub mod parallel;
pub mod seal;
pub mod secret;
pub mod settings;
pub mod store;
pub mod ui;
pub mod urls;
