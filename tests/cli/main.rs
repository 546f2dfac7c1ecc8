//! One integration-test binary: the real `ado-scm` against the sandbox (hermetic: needs only
//! Rust). The real components (terminal, keyring, OpenID provider, Chromium, libsodium) are the
//! other binary, `tests/real`.

mod apply;
mod ca_cert;
mod docs;
mod doctor;
mod faults;
mod fuzz_parsers;
mod graph_client;
mod help;
mod hostile;
mod hostile_runner;
mod login_oauth;
mod login_pat;
mod logout_gitpod;
mod oauth_client;
mod real_services;
mod realism;
mod redirects;
mod saved_defaults;
mod seal_keys;
mod secrets_never_leak;
mod setup;
mod setup_secret;
mod speed;
mod status_logout;
mod steps;
mod tokens_kept;
mod usage;
mod version;

/// The shared harness (`tests/support`), under the name every module uses.
use ado_scm_test_support as support;
