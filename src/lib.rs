//! ado-scm: connect Azure DevOps to Gitpod (Ona) self-hosted runners.
//!
//! Layers, each importing only the ones below it:
//! `commands` (flags, config and questions → options, then a run) → `flows` (the multi-step
//! work) → `oauth` (the browser side of a sign-in) → `clients` (one typed client per service;
//! all of Entra ID in `clients::entra`) → core pieces (`config`, `store`, `seal`, `urls`,
//! `http`, `error`, `secret`, `stdin`, `env`) and `ui`. `main.rs` and `app.rs` are the only
//! places that touch the process's environment, streams and clock; everything below gets them
//! through [`deps::Deps`], and reads environment variables only by an [`env::EnvVars`] name.

pub mod app;
pub mod cli;
pub mod clients;
pub mod clock;
pub mod commands;
pub mod config;
pub mod deps;
pub mod env;
pub mod error;
pub mod files;
pub mod flows;
pub mod guid;
pub mod http;
pub mod interrupt;
pub mod oauth;
pub mod parallel;
pub mod seal;
pub mod secret;
pub mod settings;
pub mod stdin;
pub mod store;
pub mod ui;
pub mod urls;
