//! Re-checks of an integration as the runner saved it, shared by `ado-scm test` and
//! `ado-scm doctor`: its issuer's discovery document, and the runner's own validation of the
//! saved configuration.
//!
//! The runner validates with the client secret it saved: ListSCMIntegrations returns it sealed
//! to the runner's key (`oauth.encryptedClientSecret`, standard base64) and it goes back as
//! `oauthEncryptedClientSecret`. Nothing public says the runner would look a saved secret up by
//! the integration's `id`, and a client id without a secret is not a configuration it can check
//! (see `protocols/gitpod.md`). ado-scm never holds that secret in the clear: the runner opens
//! it and, for OAuth, asks Entra ID for a token with it.

use url::Url;

use crate::clients::entra::issuer::{self, Discovery};
use crate::clients::gitpod::{GitpodClient, ScmIntegration, ValidateIntegration, ValidationResult};
use crate::error::Result;
use crate::http::Http;

/// The saved issuer URL, normalised and discovered. `None`: the integration has no OAuth;
/// `Some(Err)`: it has OAuth but no issuer, or the issuer is malformed or not discoverable.
pub fn issuer_discovery(
    http: &Http,
    authority: &Url,
    integration: &ScmIntegration,
) -> Option<Result<Discovery>> {
    let oauth = integration.oauth.as_ref()?;
    Some(match oauth.issuer_url.as_deref() {
        None => Err(crate::error::Error::check(
            "the integration has OAuth but no issuer URL",
        )),
        Some(url) => {
            issuer::parse_issuer(url, Some(authority)).and_then(|i| issuer::discover(http, &i))
        }
    })
}

/// What the runner said of its saved configuration.
#[derive(Debug, Clone)]
pub enum SavedValidation {
    /// The integration has OAuth, but the runner returned no sealed secret to send back.
    NoSealedSecret,
    Checked(ValidationResult),
}

/// ValidateRunnerConfiguration with the saved configuration and its sealed secret;
/// `issuer_url` replaces the saved issuer (to try its other form).
pub fn validate(
    gitpod: &GitpodClient<'_>,
    integration: &ScmIntegration,
    issuer_url: Option<&str>,
) -> Result<SavedValidation> {
    let oauth = integration.oauth.as_ref();
    let sealed = oauth
        .map(|o| o.encrypted_client_secret.clone())
        .filter(|sealed| !sealed.is_empty());
    if oauth.is_some() && sealed.is_none() {
        return Ok(SavedValidation::NoSealedSecret);
    }
    let request = ValidateIntegration {
        id: Some(integration.id.clone()),
        scm_id: integration.scm_id.clone(),
        host: integration.host.clone(),
        oauth_client_id: oauth.map(|o| o.client_id.clone()),
        oauth_encrypted_client_secret: sealed,
        oauth_plaintext_client_secret: None,
        pat: integration.pat,
        issuer_url: issuer_url
            .map(str::to_string)
            .or_else(|| oauth.and_then(|o| o.issuer_url.clone())),
        virtual_directory: integration.virtual_directory.clone(),
    };
    gitpod
        .validate_runner_configuration(&integration.runner_id, &request)
        .map(SavedValidation::Checked)
}

impl SavedValidation {
    /// Whether the runner accepts the saved configuration, and in words what it said.
    pub fn verdict(&self, oauth: bool) -> (bool, String) {
        match self {
            SavedValidation::NoSealedSecret => (
                false,
                "the integration has OAuth but the runner returned no sealed client secret".into(),
            ),
            SavedValidation::Checked(result) if result.valid && oauth => (
                true,
                "the runner opened the saved secret and Entra ID accepted it (client credentials)"
                    .into(),
            ),
            SavedValidation::Checked(result) if result.valid => {
                (true, "the runner accepts the saved configuration".into())
            }
            SavedValidation::Checked(result) => (false, result.reasons()),
        }
    }

    /// The runner named the issuer in its refusal (its words are the only signal: the runner
    /// is closed source).
    pub fn rejects_issuer(&self) -> bool {
        matches!(self, SavedValidation::Checked(r) if !r.valid
            && r.oauth_error.as_deref().is_some_and(|e| e.to_ascii_lowercase().contains("issuer")))
    }
}
