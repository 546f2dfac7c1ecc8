//! What the Gitpod side knows: users, runners (with their key pairs), SCM integrations, host
//! tokens, the runner's pending OAuth consents; the seeded data and the rules on hosts.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use crypto_box::SecretKey;
use serde::{Deserialize, Serialize, Serializer};

use super::{hash_secret, ServiceUrls};
use crate::seed;

pub const SCM_ENTRA: &str = "azuredevops_entra";
pub const SCM_SERVER: &str = "azuredevops_server";

/// Everything the Gitpod side knows. Field names are what `Sandbox::state()["gitpod"]` shows.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    pub users: Vec<User>,
    pub runners: Vec<Runner>,
    pub integrations: Vec<Integration>,
    pub host_tokens: Vec<HostToken>,
    /// OAuth consents started at the runner and not yet called back.
    pub pending_consents: Vec<PendingConsent>,
    /// Every code the runner redeemed (or tried to) at an issuer's token endpoint, oldest first.
    pub oauth_redemptions: Vec<Redemption>,
    /// What a lagging read replica still shows (realism `gitpodReadLag`).
    #[serde(skip)]
    pub replica: Option<Replica>,
}

/// The integrations and host tokens as they were before a write, and how many more reads that
/// would show the write still see them.
#[derive(Debug, Clone)]
pub struct Replica {
    pub integrations: Vec<Integration>,
    pub host_tokens: Vec<HostToken>,
    pub reads_left: u32,
}

impl Replica {
    /// Trades this state for the live one (twice restores both).
    pub fn swap_with(&mut self, state: &mut State) {
        std::mem::swap(&mut self.integrations, &mut state.integrations);
        std::mem::swap(&mut self.host_tokens, &mut state.host_tokens);
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub name: String,
    #[serde(skip)]
    pub api_key: String,
    /// May change runner configuration (SCM integrations).
    pub admin: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Runner {
    pub runner_id: String,
    pub name: String,
    /// `RUNNER_PHASE_ACTIVE`, `RUNNER_PHASE_CREATED` (never registered), …
    pub phase: String,
    pub version: Option<String>,
    pub region: String,
    #[serde(serialize_with = "b64_opt")]
    pub public_key: Option<[u8; 32]>,
    /// The runner's X25519 private key: only the runner has it, so it never leaves the process.
    #[serde(skip)]
    pub secret_key: Option<SecretKey>,
    pub created_at: DateTime<Utc>,
    /// Set by the breakage `onlyIssuerForm`: the runner checks the issuer URL as an OpenID
    /// Connect library does (go-oidc: the discovery document's `issuer` must equal the URL it
    /// was given), and so takes only this form. `None`: either form (nothing published says
    /// which one a real runner refuses).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub only_issuer_form: Option<IssuerForm>,
}

/// The two ways to write an Entra issuer URL after `{authority}/{tenant}/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IssuerForm {
    /// `…/oauth2/v2.0`: the portal's "Endpoints" and Gitpod's guide.
    #[serde(rename = "oauth2/v2.0")]
    OAuth2V2,
    /// `…/v2.0`: the `issuer` of Entra's v2.0 discovery document.
    #[serde(rename = "v2.0")]
    V2,
}

impl IssuerForm {
    /// The path after the tenant.
    pub fn path(self) -> &'static str {
        match self {
            IssuerForm::OAuth2V2 => "oauth2/v2.0",
            IssuerForm::V2 => "v2.0",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    pub id: String,
    pub runner_id: String,
    pub scm_id: String,
    pub host: String,
    pub oauth: Option<OAuthConfig>,
    pub pat: bool,
    pub virtual_directory: Option<String>,
    /// Kept apart from `oauth` because a client may send one without the other; the API shows
    /// it inside `oauth`.
    pub issuer_url: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuthConfig {
    pub client_id: String,
    /// Standard base64 of the secret sealed to the runner's key, as the API returns it.
    pub encrypted_client_secret: String,
    /// Sandbox-only: `hash_secret(plaintext)`, so tests can check which secret was saved.
    pub client_secret_hash: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HostToken {
    pub id: String,
    pub runner_id: String,
    pub host: String,
    /// `HOST_AUTHENTICATION_TOKEN_SOURCE_PAT` or `…_OAUTH`.
    pub source: String,
    #[serde(skip)]
    pub token: String,
    /// `hash_secret(token)`.
    pub token_hash: String,
    #[serde(skip)]
    pub refresh_token: Option<String>,
    pub refresh_token_hash: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub integration_id: Option<String>,
    pub scopes: Vec<String>,
    pub subject: Subject,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    pub id: String,
    pub principal: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingConsent {
    pub state: String,
    pub runner_id: String,
    pub integration_id: String,
    pub host: String,
    pub user_id: String,
    pub created_at: DateTime<Utc>,
    /// The token endpoint found by OIDC discovery when the integration's issuer is not the
    /// sandbox's own Entra stand-in (the code is then redeemed there over HTTP); `None` for the
    /// sandbox's own issuer (redeemed in-process).
    pub token_endpoint: Option<String>,
}

/// One code redemption by the runner, as a test may want to check it: where, and what came back.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Redemption {
    pub runner_id: String,
    pub integration_id: String,
    pub user_id: String,
    /// The token endpoint URL the code went to (for the sandbox's own issuer, the Entra stand-in's
    /// `…/{tenant}/oauth2/v2.0/token`, reached in-process).
    pub token_endpoint: String,
    /// Whether the redemption went over HTTP to an external issuer.
    pub remote: bool,
    /// The token endpoint's HTTP status; `None` when it could not be reached.
    pub status: Option<u16>,
    /// `error: description` when the redemption failed.
    pub error: Option<String>,
    /// `hash_secret` of the access token obtained.
    pub access_token_hash: Option<String>,
    pub at: DateTime<Utc>,
}

pub const SOURCE_PAT: &str = "HOST_AUTHENTICATION_TOKEN_SOURCE_PAT";
pub const SOURCE_OAUTH: &str = "HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH";
pub const PRINCIPAL_USER: &str = "PRINCIPAL_USER";
pub const PHASE_ACTIVE: &str = "RUNNER_PHASE_ACTIVE";
pub const PHASE_CREATED: &str = "RUNNER_PHASE_CREATED";

fn b64_opt<S: Serializer>(key: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
    match key {
        Some(k) => s.serialize_str(&b64(k)),
        None => s.serialize_none(),
    }
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn key_from_b64(b64: &str) -> SecretKey {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("seed keys are valid base64");
    let bytes: [u8; 32] = bytes.try_into().expect("seed keys are 32 bytes");
    SecretKey::from(bytes)
}

impl Runner {
    fn seeded(id: &str, name: &str, secret_key_b64: Option<&str>) -> Runner {
        let secret_key = secret_key_b64.map(key_from_b64);
        Runner {
            runner_id: id.to_string(),
            name: name.to_string(),
            phase: if secret_key.is_some() {
                PHASE_ACTIVE
            } else {
                PHASE_CREATED
            }
            .to_string(),
            version: secret_key.as_ref().map(|_| "20250701.42".to_string()),
            region: "local".to_string(),
            public_key: secret_key.as_ref().map(|k| k.public_key().to_bytes()),
            secret_key,
            created_at: seed_time(),
            only_issuer_form: None,
        }
    }

    /// A fresh key pair, as the runner makes when it registers (or is reinstalled).
    pub fn new_key(&mut self) {
        let key = SecretKey::generate(&mut rand_core::OsRng);
        self.public_key = Some(key.public_key().to_bytes());
        self.secret_key = Some(key);
    }

    /// Seals `plaintext` to this runner's key, as the Gitpod server does on Create/Update.
    pub fn seal(&self, plaintext: &str) -> Option<String> {
        let public = crypto_box::PublicKey::from(self.public_key?);
        let sealed = public
            .seal(&mut rand_core::OsRng, plaintext.as_bytes())
            .ok()?;
        Some(b64(&sealed))
    }

    /// Opens a base64 sealed box with this runner's private key, as the runner does.
    pub fn unseal(&self, sealed_b64: &str) -> Option<String> {
        let sealed = base64::engine::general_purpose::STANDARD
            .decode(sealed_b64.trim())
            .ok()?;
        let plain = self.secret_key.as_ref()?.unseal(&sealed).ok()?;
        String::from_utf8(plain).ok()
    }
}

fn seed_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-07-01T09:00:00Z")
        .expect("valid literal")
        .with_timezone(&Utc)
}

impl State {
    pub fn seeded(urls: &ServiceUrls) -> State {
        let users = vec![
            User {
                id: seed::ALICE_USER_ID.into(),
                name: seed::ALICE_NAME.into(),
                api_key: seed::ALICE_API_KEY.into(),
                admin: true,
            },
            User {
                id: seed::BOB_USER_ID.into(),
                name: seed::BOB_NAME.into(),
                api_key: seed::BOB_API_KEY.into(),
                admin: false,
            },
        ];
        let ready = Runner::seeded(
            seed::RUNNER_READY_ID,
            seed::RUNNER_READY_NAME,
            Some(seed::RUNNER_READY_SECRET_KEY_B64),
        );
        let oauth = |client_id: &str, secret: &str| OAuthConfig {
            client_id: client_id.into(),
            encrypted_client_secret: ready.seal(secret).expect("ready runner has a key"),
            client_secret_hash: hash_secret(secret),
        };
        let integrations = vec![
            Integration {
                id: seed::INTEGRATION_ENTRA_ID.into(),
                runner_id: seed::RUNNER_READY_ID.into(),
                scm_id: SCM_ENTRA.into(),
                host: "dev.azure.com".into(),
                oauth: Some(oauth(seed::SEEDED_APP_CLIENT_ID, seed::SEEDED_APP_SECRET)),
                pat: true,
                virtual_directory: None,
                issuer_url: Some(format!(
                    "{}/{}/oauth2/v2.0",
                    urls.authority,
                    seed::TENANT_ID
                )),
            },
            Integration {
                id: seed::INTEGRATION_SERVER_ID.into(),
                runner_id: seed::RUNNER_READY_ID.into(),
                scm_id: SCM_SERVER.into(),
                host: seed::ADO_SERVER_HOST.into(),
                oauth: None,
                pat: true,
                virtual_directory: Some(seed::SERVER_VIRTUAL_DIRECTORY.into()),
                issuer_url: None,
            },
            Integration {
                id: seed::INTEGRATION_GITHUB_ID.into(),
                runner_id: seed::RUNNER_READY_ID.into(),
                scm_id: "github".into(),
                host: "github.com".into(),
                oauth: Some(oauth(seed::GITHUB_OAUTH_CLIENT_ID, "github-sandbox-secret")),
                pat: true,
                virtual_directory: None,
                issuer_url: None,
            },
        ];
        let bob_pat = "sandbox-bob-pat-0000000000000000000000000000000000000";
        let host_tokens = vec![HostToken {
            id: seed::BOB_HOST_TOKEN_ID.into(),
            runner_id: seed::RUNNER_READY_ID.into(),
            host: "dev.azure.com".into(),
            source: SOURCE_PAT.into(),
            token: bob_pat.into(),
            token_hash: hash_secret(bob_pat),
            refresh_token: None,
            refresh_token_hash: None,
            expires_at: None,
            integration_id: Some(seed::INTEGRATION_ENTRA_ID.into()),
            scopes: vec!["vso.code_write".into()],
            subject: Subject {
                id: seed::BOB_USER_ID.into(),
                principal: PRINCIPAL_USER.into(),
            },
            created_at: seed_time(),
        }];
        State {
            users,
            runners: vec![
                ready,
                Runner::seeded(
                    seed::RUNNER_FRESH_ID,
                    seed::RUNNER_FRESH_NAME,
                    Some(seed::RUNNER_FRESH_SECRET_KEY_B64),
                ),
                Runner::seeded(
                    seed::RUNNER_UNREGISTERED_ID,
                    seed::RUNNER_UNREGISTERED_NAME,
                    None,
                ),
            ],
            integrations,
            host_tokens,
            pending_consents: Vec::new(),
            oauth_redemptions: Vec::new(),
            replica: None,
        }
    }

    /// See [`crate::Sandbox::add_ready_runners`]. Ids follow the seeded ones' pattern.
    pub fn add_ready_runners(&mut self, n: usize, with_integration: bool) -> Vec<String> {
        let mut ids = Vec::new();
        for _ in 0..n {
            let index = self.runners.len();
            let id = format!("01900000-0000-7000-8000-{:012x}", 0x0001_0000 + index);
            let mut runner = Runner::seeded(&id, &format!("runner-{index:03}"), None);
            runner.phase = PHASE_ACTIVE.into();
            runner.version = Some("20250701.42".into());
            runner.new_key();
            self.runners.push(runner);
            if with_integration {
                self.integrations.push(Integration {
                    id: uuid::Uuid::new_v4().to_string(),
                    runner_id: id.clone(),
                    scm_id: SCM_ENTRA.into(),
                    host: "dev.azure.com".into(),
                    oauth: None,
                    pat: true,
                    virtual_directory: None,
                    issuer_url: None,
                });
            }
            ids.push(id);
        }
        ids
    }

    pub fn user_by_api_key(&self, key: &str) -> Option<&User> {
        self.users.iter().find(|u| u.api_key == key)
    }

    pub fn runner(&self, id: &str) -> Option<&Runner> {
        self.runners.iter().find(|r| r.runner_id == id)
    }

    pub fn integration(&self, id: &str) -> Option<&Integration> {
        self.integrations.iter().find(|i| i.id == id)
    }

    /// The plaintext client secret of an integration, opened with its runner's key (for tests).
    pub fn open_client_secret(&self, integration_id: &str) -> Option<String> {
        let integration = self.integration(integration_id)?;
        let oauth = integration.oauth.as_ref()?;
        self.runner(&integration.runner_id)?
            .unseal(&oauth.encrypted_client_secret)
    }

    /// The integration of `runner_id` serving `host`: the most specific one whose host covers it
    /// (`dev.azure.com` serves `dev.azure.com/acme`).
    pub fn integration_for_host(&self, runner_id: &str, host: &str) -> Option<&Integration> {
        self.integrations
            .iter()
            .filter(|i| i.runner_id == runner_id && host_covers(&i.host, host))
            .max_by_key(|i| i.host.len())
    }
}

/// Lower-cased host without scheme and trailing slash: `https://Dev.Azure.com/acme/` →
/// `dev.azure.com/acme`.
pub fn normalize_host(host: &str) -> String {
    let h = host.trim();
    let h = h
        .strip_prefix("https://")
        .or_else(|| h.strip_prefix("http://"))
        .unwrap_or(h);
    h.trim_end_matches('/').to_ascii_lowercase()
}

/// Whether a credential or integration for `general` also serves `specific`: equal, or
/// `specific` is `general` plus a path (`dev.azure.com` covers `dev.azure.com/acme`).
pub fn host_covers(general: &str, specific: &str) -> bool {
    let general = normalize_host(general);
    let specific = normalize_host(specific);
    specific == general
        || specific
            .strip_prefix(&general)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_cover_rules() {
        assert!(host_covers("dev.azure.com", "dev.azure.com/acme"));
        assert!(host_covers("dev.azure.com", "https://DEV.azure.com/"));
        assert!(!host_covers("dev.azure.com/acme", "dev.azure.com"));
        assert!(!host_covers("dev.azure.com", "dev.azure.company.com"));
    }

    #[test]
    fn seeded_secret_opens_with_the_runner_key() {
        let state = State::seeded(&ServiceUrls::default());
        assert_eq!(
            state
                .open_client_secret(seed::INTEGRATION_ENTRA_ID)
                .as_deref(),
            Some(seed::SEEDED_APP_SECRET)
        );
        let unregistered = state.runner(seed::RUNNER_UNREGISTERED_ID).unwrap();
        assert!(unregistered.public_key.is_none());
    }
}
