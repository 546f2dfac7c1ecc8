//! One integration-test binary: the real `ado-scm` against the sandbox.

mod apply;
mod docs;
mod doctor;
mod faults;
mod help;
mod hostile;
mod login_oauth;
mod login_pat;
mod real_services;
mod setup;
mod speed;
mod status_logout;
mod steps;
mod support;
mod usage;
mod version;
