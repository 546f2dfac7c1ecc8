//! The certified OpenID provider of the OIDC tests (`login`, `client`): the JSON line
//! `tests/oidc/provider.mjs` prints, read from `ADO_SCM_OIDC_PROVIDER` (`scripts/e2e` starts the
//! provider and sets it), and the Chromium driver `tests/oidc/browser.mjs`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::components::require;

/// The provider's JSON line, as `provider.mjs` prints it.
pub struct Provider {
    pub issuer: String,
    pub authority: String,
    pub tenant: String,
    pub discovery: String,
    pub public_client_id: String,
    pub confidential_client_id: String,
    pub confidential_client_secret: String,
}

/// The provider; the test fails when `ADO_SCM_OIDC_PROVIDER` is not set (no provider started).
pub fn provider() -> Provider {
    let line = std::env::var("ADO_SCM_OIDC_PROVIDER").unwrap_or_default();
    require(
        !line.is_empty(),
        "the OpenID provider (ADO_SCM_OIDC_PROVIDER, the JSON line tests/oidc/provider.mjs prints)",
        "run scripts/e2e, which starts tests/oidc/provider.mjs and sets it \
         (scripts/install-real-components installs its node_modules)",
    );
    let doc: Value = serde_json::from_str(line.trim())
        .unwrap_or_else(|e| panic!("ADO_SCM_OIDC_PROVIDER is not the provider's JSON line: {e}"));
    let field = |name: &str| {
        doc[name]
            .as_str()
            .unwrap_or_else(|| panic!("ADO_SCM_OIDC_PROVIDER has no {name}"))
            .to_string()
    };
    Provider {
        issuer: field("issuer"),
        authority: field("authority"),
        tenant: field("tenant"),
        discovery: field("discovery"),
        public_client_id: field("public_client_id"),
        confidential_client_id: field("confidential_client_id"),
        confidential_client_secret: field("confidential_client_secret"),
    }
}

/// The Chromium driver (`tests/oidc/browser.mjs`), run as `$BROWSER` or by hand.
pub fn browser_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc/browser.mjs")
}
