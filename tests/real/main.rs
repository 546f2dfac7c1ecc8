//! One integration-test binary for the real components, the parts of the world no one here
//! wrote: a real terminal (a pseudo-terminal), a real Secret Service (gnome-keyring), a certified
//! OpenID provider with Chromium, and libsodium (PyNaCl).
//!
//! Every test is `#[ignore = "needs …; run scripts/e2e"]`, so `cargo test` lists it as ignored
//! instead of passing it without running it. `scripts/e2e` installs or starts each component,
//! then runs that component's module with `--include-ignored`. A test that runs checks its
//! component first ([`components::require`]) and fails, naming what to install, when it is
//! missing: under `CI=true` nothing is skipped.
//!
//! | module | component | filter `scripts/e2e` runs |
//! | --- | --- | --- |
//! | `terminal` | a pseudo-terminal (rexpect); curl as the wizard's browser | `terminal::` |
//! | `keyring` | gnome-keyring on a private D-Bus session (`scripts/with-secret-service`) | `keyring::` |
//! | `oidc` | `tests/oidc/provider.mjs` (panva oidc-provider) and Chromium | `oidc::` |
//! | `libsodium` | PyNaCl's `SealedBox` (Debian `python3-nacl`) | `libsodium::` |
//! | `shells` | bash, zsh, fish, elvish; the installed `.deb` (`scripts/deb-check` runs those) | `shells::committed::`, `shells::installed::` |

mod components;
mod keyring;
mod libsodium;
mod oidc;
mod shells;
mod terminal;

/// The shared harness (`tests/support`), under the name every module uses.
use ado_scm_test_support as support;
