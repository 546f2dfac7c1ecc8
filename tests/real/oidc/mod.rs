//! A certified OpenID provider (`tests/oidc/provider.mjs`, panva `oidc-provider` serving Entra ID
//! v2.0 paths) and a real browser (Debian Chromium driven by `tests/oidc/browser.mjs`):
//! `login oauth` through the sandbox runner (`login`), and ado-scm's own OAuth client (`client`).
//! Run with `--test-threads=1` (one Chromium at a time).

mod client;
mod login;
mod provider;
