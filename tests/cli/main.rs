//! One integration-test binary: the real `ado-scm` against the sandbox.

mod docs;
mod hostile;
mod login_oauth;
mod login_pat;
mod setup;
mod status_logout;
mod steps;
mod support;
mod usage;
