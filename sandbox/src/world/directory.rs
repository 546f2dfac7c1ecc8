//! The Entra ID directory behind the Entra and Graph stand-ins: tenants, users, app
//! registrations, service principals, delegated permission grants, and the OAuth state (codes,
//! refresh tokens, access tokens, device codes) the token endpoint and Graph share.
//!
//! Written from Microsoft's identity platform and Graph references. The HTTP shapes live in
//! `src/entra.rs` and
//! `graph.rs`; the rules (who may sign in where, which secret is valid, what a token allows) live
//! here so that the runner's checks (`check_client_credentials`, `redeem_code_for_runner`) and
//! the HTTP endpoints can never disagree.
//!
//! Secrets are never kept in clear: a client secret is stored as its SHA-256 (plus the short
//! `world::hash_secret` form the request log uses, so a test can match the two), tokens and codes
//! are keyed by their SHA-256 and skipped from the state dump.
//!
//! Time is the wall clock plus `knobs.clock_offset_secs`, so a test can expire a code, a device
//! code or a secret by moving the clock instead of sleeping.

mod jwt;
mod oauth;

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU32, Ordering};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use rand_core::{OsRng, RngCore};
use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::seed;
use crate::world::ServiceUrls;

pub use jwt::{jwks, key_id, SIGNING_KEY_PEM};
pub use oauth::{description_with_trace, AuthorizeOutcome, DeviceLoginOutcome, TokenGrant};

/// Delegated permission ids of Microsoft Graph and Azure DevOps (Graph's permissions reference;
/// the two admin ones are the published ids of those Graph permissions).
pub mod scope_ids {
    pub const OPENID: &str = "37f7f235-527c-4136-accd-4a02d197296e";
    pub const OFFLINE_ACCESS: &str = "7427e0e9-2fba-42fe-b0c0-848c9e6a8182";
    pub const PROFILE: &str = "14dad69e-099b-42c9-810b-d002981feec1";
    pub const EMAIL: &str = "64a6cdd6-aab1-4aaf-94b8-3cc8405e90d0";
    pub const USER_READ: &str = "e1fe6dd8-ba31-4d61-89e7-88639da4683d";
    pub const APPLICATION_READ_ALL: &str = "c79f8feb-a9db-4090-85f9-90d820caa0eb";
    pub const APPLICATION_READWRITE_ALL: &str = "bdfbf15f-ee85-4955-8675-146e8e5296b5";
    pub const DELEGATED_PERMISSION_GRANT_READWRITE_ALL: &str =
        "41ce6ca6-6826-4807-84f1-1c82854f7ee5";
    pub const DIRECTORY_READ_ALL: &str = "06da0dbc-49e2-44d2-8312-53f166ab848a";
    pub const VSO_CODE: &str = "b325850d-aa53-41ed-b77a-c5036b2f39fa";
    pub const VSO_CODE_WRITE: &str = "028ffaf1-6f06-490a-979e-38011f92fb7c";
    pub const USER_IMPERSONATION: &str = "ee69721e-6c3a-468f-a9ec-302d16a4c599";
}

/// Written where the Gitpod listener's root goes in seeded redirect URIs; replaced by
/// [`Directory::bind_urls`] once the listeners have ports.
pub const GITPOD_ROOT_PLACEHOLDER: &str = "{gitpod}";
/// Roles that may grant tenant-wide (admin) consent to delegated permissions.
#[rustfmt::skip]
const CONSENT_ADMIN_ROLES: &[&str] = &[
    "Global Administrator", "Privileged Role Administrator", "Application Administrator",
    "Cloud Application Administrator",
];

/// Entra's lifetimes: access tokens about an hour, codes 10 minutes, device codes 15.
pub const ACCESS_TOKEN_LIFETIME_SECS: i64 = 3599;
pub const AUTH_CODE_LIFETIME_SECS: i64 = 600;
pub const DEVICE_CODE_LIFETIME_SECS: i64 = 900;

/// Switches that make the directory misbehave the way the real one sometimes does. All off (or
/// at Entra's real values) in a fresh sandbox; tests set them through the world.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Knobs {
    /// Conditional Access blocks device code sign-ins: approval on `/devicelogin` is refused and
    /// polling answers `invalid_grant` AADSTS53003.
    pub device_code_blocked_by_conditional_access: bool,
    /// `interval` of new device codes, in seconds (Entra: 5). Polling sooner answers `slow_down`.
    /// Tests set 0 to poll without waiting.
    pub device_code_interval_secs: u64,
    /// The next N authorize requests end with the user declining (`access_denied`, AADSTS65004).
    pub deny_next_authorizations: u32,
    /// Added to the wall clock everywhere in the directory ([`Directory::advance_clock`]).
    pub clock_offset_secs: i64,
}

impl Default for Knobs {
    fn default() -> Knobs {
        Knobs {
            device_code_blocked_by_conditional_access: false,
            device_code_interval_secs: 5,
            deny_next_authorizations: 0,
            clock_offset_secs: 0,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tenant {
    pub id: String,
    pub display_name: String,
    /// Verified domains; the first is the default (`*.onmicrosoft.com`).
    pub domains: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The object id (`oid` claim).
    pub id: String,
    pub tenant_id: String,
    pub user_principal_name: String,
    pub display_name: String,
    pub mail: Option<String>,
    /// Entra directory roles by display name (e.g. `Application Administrator`).
    pub directory_roles: Vec<String>,
}

impl User {
    /// Whether this user may grant tenant-wide consent and consent to admin-only permissions.
    pub fn is_consent_admin(&self) -> bool {
        self.directory_roles
            .iter()
            .any(|role| CONSENT_ADMIN_ROLES.contains(&role.as_str()))
    }
}

/// A Microsoft-owned client that exists in every tenant without an app registration there.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FirstPartyClient {
    pub app_id: String,
    pub display_name: String,
    /// Public clients hold no secret (and must not send one).
    pub public_client: bool,
    pub redirect_uris: Vec<String>,
}

/// A counter that checks can decrement through `&self` (the runner's check holds only a shared
/// reference to the directory). Serializes as a plain number.
#[derive(Debug, Default)]
pub struct Countdown(AtomicU32);

impl Countdown {
    pub fn new(n: u32) -> Countdown {
        Countdown(AtomicU32::new(n))
    }
    pub fn get(&self) -> u32 {
        self.0.load(Ordering::SeqCst)
    }
    /// Uses one if any is left; says whether one was used.
    pub fn take(&self) -> bool {
        self.0
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

impl Clone for Countdown {
    fn clone(&self) -> Countdown {
        Countdown::new(self.get())
    }
}

impl Serialize for Countdown {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u32(self.get())
    }
}

/// Graph's `passwordCredential`, plus what the sandbox needs to check a secret.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordCredential {
    pub key_id: String,
    pub display_name: Option<String>,
    /// The first three characters of the secret (Graph shows them).
    pub hint: String,
    pub start_date_time: String,
    pub end_date_time: String,
    /// State dump only (stripped from Graph answers): `world::hash_secret` of the secret text,
    /// the same form the request log uses.
    pub secret_hash: String,
    /// State dump only: how many more authentications with this secret fail (replication).
    pub replication_failures_left: Countdown,
    #[serde(skip)]
    secret_sha256: String,
}

impl PasswordCredential {
    fn new(
        secret: &str,
        display_name: Option<String>,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        replication_failures: u32,
    ) -> PasswordCredential {
        PasswordCredential {
            key_id: new_guid(),
            display_name,
            hint: secret.chars().take(3).collect(),
            start_date_time: iso(start),
            end_date_time: iso(end),
            secret_hash: crate::world::hash_secret(secret),
            replication_failures_left: Countdown::new(replication_failures),
            secret_sha256: sha256_hex(secret),
        }
    }

    fn matches(&self, secret: &str) -> bool {
        self.secret_sha256 == sha256_hex(secret)
    }

    /// The Graph view: `secretText` is always null after creation.
    pub fn graph_json(&self) -> Value {
        json!({
            "displayName": self.display_name,
            "endDateTime": self.end_date_time,
            "hint": self.hint,
            "keyId": self.key_id,
            "secretText": null,
            "startDateTime": self.start_date_time,
        })
    }
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImplicitGrantSettings {
    pub enable_id_token_issuance: bool,
    pub enable_access_token_issuance: bool,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebApplication {
    pub redirect_uris: Vec<String>,
    pub implicit_grant_settings: ImplicitGrantSettings,
}

#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResourceAccess {
    pub id: String,
    /// `Scope` (delegated) or `Role` (application).
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Clone, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequiredResourceAccess {
    pub resource_app_id: String,
    pub resource_access: Vec<ResourceAccess>,
}

/// An app registration (Graph `application`). The properties ado-scm sends and Entra reads are
/// typed; other writable ones a client may send (`notes`, `publicClient`, …) are kept as given
/// in `other`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    /// The object id (Graph `id`).
    pub id: String,
    /// The client id.
    pub app_id: String,
    pub display_name: String,
    pub sign_in_audience: String,
    pub web: WebApplication,
    pub required_resource_access: Vec<RequiredResourceAccess>,
    pub password_credentials: Vec<PasswordCredential>,
    /// The client-chosen alternate key (`applications(uniqueName='…')`); set only at creation.
    pub unique_name: Option<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
    /// State dump only: the tenant the app is registered in.
    pub tenant_id: String,
    /// State dump only: object ids of the owners (the user who created it through Graph).
    pub owner_ids: Vec<String>,
}

impl Application {
    /// A registration with Graph's defaults (`signInAudience` as documented for v1.0 today).
    pub fn new(tenant: &Tenant, display_name: &str) -> Application {
        Application {
            id: new_guid(),
            app_id: new_guid(),
            display_name: display_name.to_string(),
            sign_in_audience: "AzureADandPersonalMicrosoftAccount".to_string(),
            web: WebApplication::default(),
            required_resource_access: Vec::new(),
            password_credentials: Vec::new(),
            unique_name: None,
            other: Map::new(),
            tenant_id: tenant.id.clone(),
            owner_ids: Vec::new(),
        }
    }

    /// The Graph view: bookkeeping fields removed, secrets as Graph shows them.
    pub fn graph_json(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.remove("tenantId");
            map.remove("ownerIds");
            map.insert(
                "passwordCredentials".into(),
                Value::Array(
                    self.password_credentials
                        .iter()
                        .map(PasswordCredential::graph_json)
                        .collect(),
                ),
            );
            map.insert("deletedDateTime".into(), Value::Null);
        }
        value
    }
}

/// Graph's `permissionScope` (an entry of `oauth2PermissionScopes`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionScope {
    pub id: String,
    pub value: String,
    /// `User` (users may consent) or `Admin` (needs an admin).
    #[serde(rename = "type")]
    pub kind: String,
    pub is_enabled: bool,
    pub admin_consent_display_name: String,
}

impl PermissionScope {
    fn new(id: &str, value: &str, kind: &str, display: &str) -> PermissionScope {
        PermissionScope {
            id: id.to_string(),
            value: value.to_string(),
            kind: kind.to_string(),
            is_enabled: true,
            admin_consent_display_name: display.to_string(),
        }
    }
}

/// An enterprise app in the tenant (Graph `servicePrincipal`).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    pub id: String,
    pub app_id: String,
    pub display_name: String,
    pub account_enabled: bool,
    /// The names a resource is known by in a scope (`https://graph.microsoft.com/...`).
    pub service_principal_names: Vec<String>,
    pub oauth2_permission_scopes: Vec<PermissionScope>,
    pub tags: Vec<String>,
    /// State dump only.
    pub tenant_id: String,
}

impl ServicePrincipal {
    pub fn graph_json(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.remove("tenantId");
            map.insert("deletedDateTime".into(), Value::Null);
            map.insert(
                "appDisplayName".into(),
                Value::String(self.display_name.clone()),
            );
        }
        value
    }

    fn scope(&self, value: &str) -> Option<&PermissionScope> {
        self.oauth2_permission_scopes
            .iter()
            .find(|s| s.is_enabled && s.value.eq_ignore_ascii_case(value))
    }

    /// Whether `identifier` (the part of a scope before the last `/`) names this resource.
    fn answers_to(&self, identifier: &str) -> bool {
        let wanted = identifier.trim_end_matches('/');
        wanted.eq_ignore_ascii_case(&self.app_id)
            || self
                .service_principal_names
                .iter()
                .any(|name| name.trim_end_matches('/').eq_ignore_ascii_case(wanted))
    }
}

/// Graph `oAuth2PermissionGrant`: delegated permissions a client may use on a resource, for all
/// users (`AllPrincipals`, admin consent) or one (`Principal`, user consent).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuth2PermissionGrant {
    pub id: String,
    /// Object id of the client's service principal.
    pub client_id: String,
    pub consent_type: String,
    pub principal_id: Option<String>,
    /// Object id of the resource's service principal.
    pub resource_id: String,
    /// Space-separated scope values.
    pub scope: String,
    /// State dump only.
    pub tenant_id: String,
}

impl OAuth2PermissionGrant {
    pub fn graph_json(&self) -> Value {
        let mut value = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut value {
            map.remove("tenantId");
        }
        value
    }

    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split_whitespace()
    }
}

/// What an access token the sandbox issued stands for (the bearer Graph and Azure DevOps check).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenInfo {
    pub tenant_id: String,
    /// The client (`appid` claim).
    pub client_id: String,
    /// The signed-in user's object id; `None` for an app-only (client credentials) token.
    pub user_id: Option<String>,
    /// The resource's app id (`00000003-…` Graph, `499b84ac-…` Azure DevOps).
    pub resource: String,
    /// Delegated scope values (`scp`), without the resource prefix.
    pub scopes: Vec<String>,
    pub expires_at: DateTime<Utc>,
}

/// Why a bearer token was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenRejection {
    /// Not a token this directory issued (or garbage).
    Unknown,
    Expired,
}

#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum DeviceStatus {
    Pending,
    Approved,
    Declined,
    BlockedByConditionalAccess,
    Redeemed,
}

/// A device code flow in progress (the device code itself only as a hash).
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceAuthorization {
    pub user_code: String,
    pub tenant_id: String,
    pub client_id: String,
    pub scope: String,
    pub status: DeviceStatus,
    pub user_id: Option<String>,
    pub expires_at: String,
    pub interval_secs: u64,
    #[serde(skip)]
    device_code_sha256: String,
    #[serde(skip)]
    expires: DateTime<Utc>,
    #[serde(skip)]
    last_poll: Option<DateTime<Utc>>,
}

/// An authorization code (kept only as its hash).
#[derive(Clone, Debug)]
struct AuthCode {
    tenant_id: String,
    client_id: String,
    redirect_uri: String,
    /// The redirect was a public-client (or SPA) redirect: redemption without a secret.
    public_redirect: bool,
    user_id: String,
    scope: String,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    nonce: Option<String>,
    expires: DateTime<Utc>,
    redeemed: bool,
}

#[derive(Clone, Debug)]
struct RefreshToken {
    tenant_id: String,
    client_id: String,
    user_id: String,
    scope: String,
    public: bool,
    expires: DateTime<Utc>,
    /// Replaced by a newer refresh token (rotation): no longer accepted.
    revoked: bool,
}

/// Codes and tokens, keyed by the SHA-256 (hex) of their value.
#[derive(Clone, Debug, Default)]
struct Secrets {
    codes: HashMap<String, AuthCode>,
    refresh_tokens: HashMap<String, RefreshToken>,
    access_tokens: HashMap<String, AccessTokenInfo>,
}

/// An AADSTS error as the token endpoint (and the runner's check) reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AadError {
    pub status: u16,
    /// The OAuth `error` (`invalid_client`, `invalid_grant`, …).
    pub error: &'static str,
    /// `error_codes`; the first is the AADSTS number of the description.
    pub codes: Vec<u32>,
    /// Without the `AADSTSnnnn: ` prefix and without the trace lines.
    pub message: String,
}

impl AadError {
    /// Entra answers `invalid_client` with 401, every other OAuth error with 400.
    pub fn new(error: &'static str, code: u32, message: impl Into<String>) -> Self {
        AadError {
            status: if error == "invalid_client" { 401 } else { 400 },
            error,
            codes: vec![code],
            message: message.into(),
        }
    }

    pub fn code(&self) -> u32 {
        self.codes.first().copied().unwrap_or(0)
    }

    /// `AADSTS7000215: Invalid client secret provided. …`
    pub fn description(&self) -> String {
        format!("AADSTS{}: {}", self.code(), self.message)
    }

    fn missing_parameter(name: &str) -> AadError {
        AadError::new(
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    }
}

impl std::fmt::Display for AadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.description())
    }
}

/// Why a `{tenant}` path segment resolved to nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TenantLookupError {
    /// Well-formed GUID or domain that no tenant has (AADSTS90002).
    NotFound,
    /// Neither a GUID nor a DNS name (AADSTS900023).
    Malformed,
}

impl TenantLookupError {
    /// The AADSTS error for this segment; `error` differs by endpoint (`invalid_tenant` at
    /// discovery, `invalid_request` at the token endpoint).
    pub fn to_aad(self, segment: &str, error: &'static str) -> AadError {
        match self {
            TenantLookupError::NotFound => AadError::new(
                error,
                90002,
                format!(
                    "Tenant '{segment}' not found. Check to make sure you have the correct tenant ID \
                     and are signing into the correct cloud. Check with your subscription \
                     administrator, this may happen if there are no active subscriptions for the \
                     tenant."
                ),
            ),
            TenantLookupError::Malformed => AadError::new(
                "invalid_request",
                900023,
                format!(
                    "Specified tenant identifier '{segment}' is neither a valid DNS name, nor a \
                     valid external domain."
                ),
            ),
        }
    }
}

/// A client the token endpoint knows, as the flows need it (a snapshot: no borrow of the
/// directory while the flow mutates it).
#[derive(Clone, Debug)]
pub struct ClientView {
    pub app_id: String,
    pub display_name: String,
    /// Microsoft first-party (no registration in the tenant).
    pub first_party: bool,
    /// A first-party public client: never has a secret (apps registered here are always
    /// confidential web clients: ado-scm registers no other kind).
    pub public_only: bool,
    pub sign_in_audience: String,
    pub web_redirect_uris: Vec<String>,
    pub public_redirect_uris: Vec<String>,
    /// The seeded runner app accepts any redirect under `/runners/` (see [`Directory::seeded`]).
    pub runner_prefix_rule: bool,
}

/// The Entra directory: everything the Entra and Graph stand-ins know. Serializes (camelCase) as
/// the `directory` part of the sandbox state dump, secrets hashed or left out.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Directory {
    pub tenants: Vec<Tenant>,
    pub users: Vec<User>,
    pub first_party_clients: Vec<FirstPartyClient>,
    pub applications: Vec<Application>,
    pub service_principals: Vec<ServicePrincipal>,
    pub oauth2_permission_grants: Vec<OAuth2PermissionGrant>,
    pub device_authorizations: Vec<DeviceAuthorization>,
    pub knobs: Knobs,
    /// Reads a new object still misses (realism `graphReadMissesAfterCreate`), by object id.
    pub pending_visibility: HashMap<String, u32>,
    /// Service principal creations a new app still refuses (realism
    /// `spCreateBadRequestAfterAppCreate`), by app id.
    pub sp_refusals_left: HashMap<String, u32>,
    /// Client-credentials requests a new app is still unknown to (realism
    /// `entraUnknownNewApp`), by app id.
    pub unknown_app_left: HashMap<String, Countdown>,
    #[serde(skip)]
    secrets: Secrets,
    /// The listeners' URLs (issuer, verification URI), from [`Directory::bind_urls`].
    #[serde(skip)]
    urls: ServiceUrls,
}

impl Default for Directory {
    fn default() -> Directory {
        Directory::seeded()
    }
}

impl Directory {
    /// Tenant `seed::TENANT_ID` (`seed::TENANT_DOMAIN`) with its admin and a developer; the
    /// Microsoft resources and public clients every tenant has; the app registration behind the
    /// seeded `dev.azure.com` OAuth integration with its secret, service principal and
    /// tenant-wide consent to Azure DevOps.
    pub fn seeded() -> Directory {
        let now = Utc::now();
        let tenant = Tenant {
            id: seed::TENANT_ID.into(),
            display_name: seed::TENANT_NAME.into(),
            domains: vec![seed::TENANT_DOMAIN.into()],
        };
        let users = vec![
            User {
                id: seed::ENTRA_ADMIN_OID.into(),
                tenant_id: tenant.id.clone(),
                user_principal_name: seed::ENTRA_ADMIN_USER.into(),
                display_name: "Acme Admin".into(),
                mail: Some(seed::ENTRA_ADMIN_USER.into()),
                directory_roles: vec!["Application Administrator".into()],
            },
            User {
                id: seed::ENTRA_DEV_OID.into(),
                tenant_id: tenant.id.clone(),
                user_principal_name: seed::ENTRA_DEV_USER.into(),
                display_name: "Dana Developer".into(),
                mail: Some(seed::ENTRA_DEV_USER.into()),
                directory_roles: Vec::new(),
            },
        ];
        let first_party_clients = vec![FirstPartyClient {
            app_id: seed::GRAPH_CLI_CLIENT_ID.into(),
            display_name: "Microsoft Graph Command Line Tools".into(),
            public_client: true,
            redirect_uris: vec![
                "http://localhost".into(),
                "https://login.microsoftonline.com/common/oauth2/nativeclient".into(),
                format!(
                    "ms-appx-web://microsoft.aad.brokerplugin/{}",
                    seed::GRAPH_CLI_CLIENT_ID
                ),
            ],
        }];

        let mut app = Application::new(&tenant, seed::SEEDED_APP_DISPLAY_NAME);
        app.id = seed::SEEDED_APP_OBJECT_ID.into();
        app.app_id = seed::SEEDED_APP_CLIENT_ID.into();
        app.sign_in_audience = "AzureADMyOrg".into();
        app.owner_ids = vec![seed::ENTRA_ADMIN_OID.into()];
        app.web.redirect_uris = vec![format!(
            "{GITPOD_ROOT_PLACEHOLDER}/runners/{}/auth/oauth2/callback",
            seed::RUNNER_READY_ID
        )];
        app.web.implicit_grant_settings.enable_id_token_issuance = true;
        app.required_resource_access = vec![
            RequiredResourceAccess {
                resource_app_id: seed::ADO_RESOURCE_APP_ID.into(),
                resource_access: vec![
                    scope_access(scope_ids::VSO_CODE),
                    scope_access(scope_ids::VSO_CODE_WRITE),
                ],
            },
            RequiredResourceAccess {
                resource_app_id: seed::GRAPH_APP_ID.into(),
                resource_access: vec![
                    scope_access(scope_ids::OPENID),
                    scope_access(scope_ids::PROFILE),
                    scope_access(scope_ids::EMAIL),
                    scope_access(scope_ids::OFFLINE_ACCESS),
                ],
            },
        ];
        let mut credential = PasswordCredential::new(
            seed::SEEDED_APP_SECRET,
            Some("ado-scm".into()),
            now - Duration::days(1),
            now + Duration::days(729),
            0,
        );
        credential.key_id = seed::SEEDED_APP_SECRET_KEY_ID.into();
        app.password_credentials.push(credential);

        let service_principals = vec![
            graph_service_principal(&tenant.id),
            ado_service_principal(&tenant.id),
            first_party_client_sp(&tenant.id, seed::GRAPH_CLI_SP_ID, &first_party_clients[0]),
            {
                let mut sp = ServicePrincipal::for_application(&app);
                sp.id = seed::SEEDED_APP_SP_ID.into();
                sp
            },
        ];
        let grants = vec![OAuth2PermissionGrant {
            id: seed::SEEDED_APP_GRANT_ID.into(),
            client_id: seed::SEEDED_APP_SP_ID.into(),
            consent_type: "AllPrincipals".into(),
            principal_id: None,
            resource_id: seed::ADO_SP_ID.into(),
            scope: "vso.code vso.code_write".into(),
            tenant_id: tenant.id.clone(),
        }];

        Directory {
            tenants: vec![tenant],
            users,
            first_party_clients,
            applications: vec![app],
            service_principals,
            oauth2_permission_grants: grants,
            device_authorizations: Vec::new(),
            knobs: Knobs::default(),
            pending_visibility: HashMap::new(),
            sp_refusals_left: HashMap::new(),
            unknown_app_left: HashMap::new(),
            secrets: Secrets::default(),
            urls: ServiceUrls::default(),
        }
    }

    /// Puts the listeners' base URLs into seeded data that needs them (the seeded app's runner
    /// callback); the world does it when it seeds the directory.
    pub fn bind_urls(&mut self, urls: &ServiceUrls) {
        self.urls = urls.clone();
        let root = urls.gitpod_root().trim_end_matches('/');
        if root.is_empty() {
            return;
        }
        for app in &mut self.applications {
            for uri in &mut app.web.redirect_uris {
                if let Some(rest) = uri.strip_prefix(GITPOD_ROOT_PLACEHOLDER) {
                    *uri = format!("{root}{rest}");
                }
            }
        }
    }

    /// The directory's clock: wall time plus `knobs.clock_offset_secs`.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::seconds(self.knobs.clock_offset_secs)
    }

    /// Moves the directory's clock forward (expire codes, device codes, secrets, tokens).
    pub fn advance_clock(&mut self, secs: i64) {
        self.knobs.clock_offset_secs += secs;
    }

    // ---- lookups ----

    /// Resolves a `{tenant}` path segment, a tenant GUID or one of its domains, to the tenant's
    /// id. The multi-tenant names (`common`, `organizations`, `consumers`) are not served:
    /// ado-scm refuses them itself (`src/clients/entra/issuer.rs`), so here they are malformed.
    pub fn lookup_tenant(&self, segment: &str) -> Result<String, TenantLookupError> {
        let lower = segment.to_ascii_lowercase();
        let found = if is_guid(&lower) {
            self.tenants
                .iter()
                .find(|t| t.id.eq_ignore_ascii_case(&lower))
        } else if is_dns_name(&lower) {
            self.tenants
                .iter()
                .find(|t| t.domains.iter().any(|d| d.eq_ignore_ascii_case(&lower)))
        } else {
            return Err(TenantLookupError::Malformed);
        };
        found
            .map(|t| t.id.clone())
            .ok_or(TenantLookupError::NotFound)
    }

    pub fn tenant(&self, id: &str) -> Option<&Tenant> {
        self.tenants.iter().find(|t| t.id == id)
    }

    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn user_by_upn(&self, tenant_id: &str, upn: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.tenant_id == tenant_id && u.user_principal_name.eq_ignore_ascii_case(upn))
    }

    pub fn application(&self, object_id: &str) -> Option<&Application> {
        self.applications.iter().find(|a| a.id == object_id)
    }

    pub fn application_by_app_id(&self, tenant_id: &str, app_id: &str) -> Option<&Application> {
        self.applications
            .iter()
            .find(|a| a.tenant_id == tenant_id && a.app_id.eq_ignore_ascii_case(app_id))
    }

    pub fn service_principal(&self, object_id: &str) -> Option<&ServicePrincipal> {
        self.service_principals.iter().find(|s| s.id == object_id)
    }

    pub fn service_principal_by_app_id(
        &self,
        tenant_id: &str,
        app_id: &str,
    ) -> Option<&ServicePrincipal> {
        self.service_principals
            .iter()
            .find(|s| s.tenant_id == tenant_id && s.app_id.eq_ignore_ascii_case(app_id))
    }

    /// The resource a scope prefix names (`https://graph.microsoft.com`, an app id, …).
    fn resource_by_identifier(
        &self,
        tenant_id: &str,
        identifier: &str,
    ) -> Option<&ServicePrincipal> {
        self.service_principals
            .iter()
            .find(|s| s.tenant_id == tenant_id && s.answers_to(identifier))
    }

    /// A client the token endpoint knows in `tenant_id`: a Microsoft first-party client, or an
    /// app registration of that tenant.
    pub fn client(&self, tenant_id: &str, client_id: &str) -> Option<ClientView> {
        if let Some(fp) = self
            .first_party_clients
            .iter()
            .find(|c| c.app_id.eq_ignore_ascii_case(client_id))
        {
            return Some(ClientView {
                app_id: fp.app_id.clone(),
                display_name: fp.display_name.clone(),
                first_party: true,
                public_only: fp.public_client,
                sign_in_audience: "AzureADandPersonalMicrosoftAccount".into(),
                web_redirect_uris: Vec::new(),
                public_redirect_uris: fp.redirect_uris.clone(),
                runner_prefix_rule: false,
            });
        }
        let app = self.application_by_app_id(tenant_id, client_id)?;
        Some(ClientView {
            app_id: app.app_id.clone(),
            display_name: app.display_name.clone(),
            first_party: false,
            public_only: false,
            sign_in_audience: app.sign_in_audience.clone(),
            web_redirect_uris: app.web.redirect_uris.clone(),
            public_redirect_uris: Vec::new(),
            runner_prefix_rule: app.app_id == seed::SEEDED_APP_CLIENT_ID,
        })
    }

    fn unknown_client(&self, tenant_id: &str, client_id: &str) -> AadError {
        let tenant_name = self
            .tenant(tenant_id)
            .map(|t| t.display_name.clone())
            .unwrap_or_else(|| tenant_id.to_string());
        AadError::new(
            "unauthorized_client",
            700016,
            format!(
                "Application with identifier '{client_id}' was not found in the directory \
                 '{tenant_name}'. This can happen if the application has not been installed by \
                 the administrator of the tenant or consented to by any user in the tenant. You \
                 may have sent your authentication request to the wrong tenant."
            ),
        )
    }

    /// Checks a confidential client's secret: right, wrong (7000215), expired (7000222), just
    /// created and not yet replicated (7000215 while `replication_failures_left` lasts).
    fn verify_secret(&self, tenant_id: &str, app_id: &str, secret: &str) -> Result<(), AadError> {
        let wrong = || {
            AadError::new(
                "invalid_client",
                7000215,
                format!(
                    "Invalid client secret provided. Ensure the secret being sent in the request \
                     is the client secret value, not the client secret ID, for a secret added to \
                     app '{app_id}'."
                ),
            )
        };
        let app = self
            .application_by_app_id(tenant_id, app_id)
            .ok_or_else(wrong)?;
        let credential = app
            .password_credentials
            .iter()
            .find(|c| c.matches(secret))
            .ok_or_else(wrong)?;
        let now = self.now();
        if parse_time(&credential.end_date_time).is_some_and(|end| end <= now) {
            return Err(AadError::new(
                "invalid_client",
                7000222,
                format!(
                    "The provided client secret keys for app '{app_id}' are expired. Visit the \
                     Azure portal to create new keys for your app: \
                     https://aka.ms/NewClientSecret, or consider using certificate credentials \
                     for added security: https://aka.ms/certCreds."
                ),
            ));
        }
        if parse_time(&credential.start_date_time).is_some_and(|start| start > now) {
            return Err(wrong());
        }
        if credential.replication_failures_left.take() {
            return Err(wrong());
        }
        Ok(())
    }

    /// Authenticates a client at the token endpoint. `public_flow`: the grant may be used
    /// without a secret by this client (a public client, a public redirect, a fallback-public
    /// app's device code).
    fn authenticate_client(
        &self,
        tenant_id: &str,
        client: &ClientView,
        secret: Option<&str>,
        public_flow: bool,
    ) -> Result<(), AadError> {
        match secret.filter(|s| !s.is_empty()) {
            // A public client, or an app configured as public using a public flow, has no secret
            // to send: Entra refuses one rather than ignoring it.
            Some(_) if client.public_only => Err(AadError::new(
                "invalid_client",
                700025,
                "Client is public so neither 'client_assertion' nor 'client_secret' should be \
                     presented.",
            )),
            Some(s) => self.verify_secret(tenant_id, &client.app_id, s),
            None if client.public_only || public_flow => Ok(()),
            None => Err(missing_secret()),
        }
    }

    /// The runner's `ValidateRunnerConfiguration` check: would `client_id` with `secret` get a
    /// client-credentials token in `tenant` (a GUID or a domain)? `Err` carries the AADSTS
    /// description the token endpoint would send. Uses up one replication failure of a fresh
    /// secret, as a real token request would.
    pub fn check_client_credentials(
        &self,
        tenant: &str,
        client_id: &str,
        secret: &str,
    ) -> Result<(), String> {
        let tenant_id = self
            .lookup_tenant(tenant)
            .map_err(|e| e.to_aad(tenant, "invalid_request").description())?;
        let client = self
            .client(&tenant_id, client_id)
            .ok_or_else(|| self.unknown_client(&tenant_id, client_id).description())?;
        self.refuse_new_app(&tenant_id, &client.app_id)
            .map_err(|e| e.description())?;
        self.authenticate_client(&tenant_id, &client, Some(secret), false)
            .map_err(|e| e.description())
    }

    /// The runner's OAuth callback leg: the runner (a confidential web client) redeems `code`
    /// with its client secret, as at `POST /{tenant}/oauth2/v2.0/token`; the grant names the
    /// signed-in user (the subject the runner stores the host token for).
    pub fn redeem_code_for_runner(
        &mut self,
        tenant: &str,
        client_id: &str,
        secret: &str,
        code: &str,
        redirect_uri: &str,
    ) -> Result<TokenGrant, AadError> {
        let params: Vec<(String, String)> = vec![
            ("grant_type".into(), "authorization_code".into()),
            ("client_id".into(), client_id.into()),
            ("client_secret".into(), secret.into()),
            ("code".into(), code.into()),
            ("redirect_uri".into(), redirect_uri.into()),
        ];
        self.token_grant(tenant, &params, None)
    }

    /// What a bearer token stands for, if this directory issued it and it has not expired.
    pub fn access_token(&self, token: &str) -> Result<&AccessTokenInfo, TokenRejection> {
        let info = self
            .secrets
            .access_tokens
            .get(&sha256_hex(token))
            .ok_or(TokenRejection::Unknown)?;
        if info.expires_at <= self.now() {
            return Err(TokenRejection::Expired);
        }
        Ok(info)
    }

    // ---- changes (Graph and tests) ----

    /// Adds a secret to the app with object id `object_id`; returns the credential and the
    /// secret text (shown once). The new secret is refused `failures` times (realism
    /// `secretReplicationFailures`).
    pub fn add_password(
        &mut self,
        object_id: &str,
        display_name: Option<String>,
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
        failures: u32,
    ) -> Option<(PasswordCredential, String)> {
        let now = self.now();
        let app = self.applications.iter_mut().find(|a| a.id == object_id)?;
        let secret = new_client_secret();
        let start = start.unwrap_or(now);
        // Graph's default lifetime: two years.
        let end = end.unwrap_or(start + Duration::days(730));
        let credential = PasswordCredential::new(&secret, display_name, start, end, failures);
        app.password_credentials.push(credential.clone());
        Some((credential, secret))
    }

    /// A service principal for an app registration of `tenant_id` (what `POST /servicePrincipals`
    /// and a first user consent create). `None` when the app id is unknown.
    fn create_service_principal(&mut self, tenant_id: &str, app_id: &str) -> Option<String> {
        let app = self.application_by_app_id(tenant_id, app_id)?;
        let sp = ServicePrincipal::for_application(app);
        let id = sp.id.clone();
        self.service_principals.push(sp);
        Some(id)
    }

    /// Marks a new object as not yet visible to `misses` Graph reads.
    pub fn note_created(&mut self, object_id: &str, misses: u32) {
        if misses > 0 {
            self.pending_visibility
                .insert(object_id.to_string(), misses);
        }
    }

    /// Marks a just-created app as not yet known where the realism says so: its service
    /// principal refused `sp_refusals` times, client credentials `unknown_to_entra` times.
    pub fn note_new_app(&mut self, app_id: &str, sp_refusals: u32, unknown_to_entra: u32) {
        let key = app_id.to_ascii_lowercase();
        if sp_refusals > 0 {
            self.sp_refusals_left.insert(key.clone(), sp_refusals);
        }
        if unknown_to_entra > 0 {
            self.unknown_app_left
                .insert(key, Countdown::new(unknown_to_entra));
        }
    }

    /// Uses up one refusal of a new app's service principal, if any is left.
    pub fn refuse_new_sp(&mut self, app_id: &str) -> bool {
        match self.sp_refusals_left.get_mut(&app_id.to_ascii_lowercase()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }

    /// AADSTS700016 for an app Entra does not know yet (realism `entraUnknownNewApp`).
    pub(crate) fn refuse_new_app(&self, tenant_id: &str, app_id: &str) -> Result<(), AadError> {
        match self.unknown_app_left.get(&app_id.to_ascii_lowercase()) {
            Some(left) if left.take() => Err(self.unknown_client(tenant_id, app_id)),
            _ => Ok(()),
        }
    }

    /// Whether a Graph read sees `object_id` now; uses up one miss if it does not.
    pub fn visible(&mut self, object_id: &str) -> bool {
        match self.pending_visibility.get_mut(object_id) {
            Some(n) if *n > 0 => {
                *n -= 1;
                if *n == 0 {
                    self.pending_visibility.remove(object_id);
                }
                false
            }
            _ => true,
        }
    }

    /// Scopes consented for `client_sp` on `resource_sp`: tenant-wide grants, plus the user's own
    /// when `user_id` is given.
    fn consented_scopes(
        &self,
        client_sp: &str,
        resource_sp: &str,
        user_id: Option<&str>,
    ) -> BTreeSet<String> {
        self.oauth2_permission_grants
            .iter()
            .filter(|g| g.client_id == client_sp && g.resource_id == resource_sp)
            .filter(|g| {
                g.consent_type == "AllPrincipals"
                    || (g.consent_type == "Principal" && g.principal_id.as_deref() == user_id)
            })
            .flat_map(|g| g.scopes().map(str::to_ascii_lowercase).collect::<Vec<_>>())
            .collect()
    }
}

impl ServicePrincipal {
    /// The enterprise app of a registration, in the registration's tenant.
    pub fn for_application(app: &Application) -> ServicePrincipal {
        ServicePrincipal {
            id: new_guid(),
            app_id: app.app_id.clone(),
            display_name: app.display_name.clone(),
            account_enabled: true,
            service_principal_names: vec![app.app_id.clone()],
            oauth2_permission_scopes: Vec::new(),
            tags: Vec::new(),
            tenant_id: app.tenant_id.clone(),
        }
    }
}

fn missing_secret() -> AadError {
    AadError::new(
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or \
         'client_secret'.",
    )
}

fn scope_access(id: &str) -> ResourceAccess {
    ResourceAccess {
        id: id.into(),
        kind: "Scope".into(),
    }
}

fn microsoft_sp(
    tenant_id: &str,
    id: &str,
    app_id: &str,
    name: &str,
    names: &[&str],
    scopes: Vec<PermissionScope>,
) -> ServicePrincipal {
    ServicePrincipal {
        id: id.into(),
        app_id: app_id.into(),
        display_name: name.into(),
        account_enabled: true,
        service_principal_names: names.iter().map(|s| s.to_string()).collect(),
        oauth2_permission_scopes: scopes,
        tags: Vec::new(),
        tenant_id: tenant_id.into(),
    }
}

/// A resource's delegated permissions: id, value, who may consent (`User`, `Admin`), name.
type ScopeRow = (&'static str, &'static str, &'static str, &'static str);

#[rustfmt::skip]
const GRAPH_SCOPES: &[ScopeRow] = &[
    (scope_ids::OPENID, "openid", "User", "Sign users in"),
    (scope_ids::OFFLINE_ACCESS, "offline_access", "User", "Maintain access to data"),
    (scope_ids::PROFILE, "profile", "User", "View users' basic profile"),
    (scope_ids::EMAIL, "email", "User", "View users' email address"),
    (scope_ids::USER_READ, "User.Read", "User", "Sign in and read user profile"),
    (scope_ids::APPLICATION_READ_ALL, "Application.Read.All", "Admin", "Read applications"),
    (scope_ids::APPLICATION_READWRITE_ALL, "Application.ReadWrite.All", "Admin", "Read and write all applications"),
    (scope_ids::DELEGATED_PERMISSION_GRANT_READWRITE_ALL, "DelegatedPermissionGrant.ReadWrite.All", "Admin", "Manage all delegated permission grants"),
    (scope_ids::DIRECTORY_READ_ALL, "Directory.Read.All", "Admin", "Read directory data"),
];

#[rustfmt::skip]
const ADO_SCOPES: &[ScopeRow] = &[
    (scope_ids::VSO_CODE, "vso.code", "User", "Code (read)"),
    (scope_ids::VSO_CODE_WRITE, "vso.code_write", "User", "Code (read and write)"),
    (scope_ids::USER_IMPERSONATION, "user_impersonation", "User", "Have full access to Azure DevOps REST APIs"),
];

/// One of Microsoft's resources (Graph, Azure DevOps) as every tenant has it.
fn resource_sp(
    tenant_id: &str,
    (id, app_id, name): (&str, &str, &str),
    names: &[&str],
    rows: &[ScopeRow],
) -> ServicePrincipal {
    let scopes = rows
        .iter()
        .map(|(id, value, kind, display)| PermissionScope::new(id, value, kind, display))
        .collect();
    microsoft_sp(tenant_id, id, app_id, name, names, scopes)
}

fn graph_service_principal(tenant_id: &str) -> ServicePrincipal {
    let names = [
        seed::GRAPH_APP_ID,
        "https://graph.microsoft.com",
        "https://graph.microsoft.com/",
    ];
    let keys = (seed::GRAPH_SP_ID, seed::GRAPH_APP_ID, "Microsoft Graph");
    resource_sp(tenant_id, keys, &names, GRAPH_SCOPES)
}

fn ado_service_principal(tenant_id: &str) -> ServicePrincipal {
    let names = [
        seed::ADO_RESOURCE_APP_ID,
        "https://app.vssps.visualstudio.com",
    ];
    let keys = (seed::ADO_SP_ID, seed::ADO_RESOURCE_APP_ID, "Azure DevOps");
    resource_sp(tenant_id, keys, &names, ADO_SCOPES)
}

fn first_party_client_sp(tenant_id: &str, id: &str, client: &FirstPartyClient) -> ServicePrincipal {
    let names = [client.app_id.as_str()];
    microsoft_sp(
        tenant_id,
        id,
        &client.app_id,
        &client.display_name,
        &names,
        Vec::new(),
    )
}

// ---- small helpers shared by the directory, Entra and Graph ----

/// `2025-01-31T12:00:00Z`: how Graph writes dates.
pub fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `2025-01-31 12:00:00Z`: how Entra writes `timestamp` in errors.
pub fn entra_timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%SZ").to_string()
}

/// Parses an RFC 3339 date-time (what Graph accepts).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub fn new_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// `n` random bytes, base64url without padding.
pub fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A client secret shaped like Entra's: 40 characters, three random ones, `8Q~`, then 34 of
/// `[A-Za-z0-9_.~-]` (so the hint, the first three, is random).
fn new_client_secret() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.~-";
    let mut bytes = [0u8; 37];
    OsRng.fill_bytes(&mut bytes);
    let pick = |b: u8| ALPHABET[b as usize % ALPHABET.len()] as char;
    let mut secret: String = bytes[..3].iter().map(|&b| pick(b)).collect();
    secret.push_str("8Q~");
    secret.extend(bytes[3..].iter().map(|&b| pick(b)));
    secret
}

pub fn is_guid(s: &str) -> bool {
    s.len() == 36 && uuid::Uuid::try_parse(s).is_ok()
}

/// A plausible DNS name: labels of letters, digits and hyphens, at least one dot.
fn is_dns_name(s: &str) -> bool {
    s.contains('.')
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenants_resolve_by_guid_or_domain() {
        let d = Directory::seeded();
        assert_eq!(d.lookup_tenant(seed::TENANT_ID), Ok(seed::TENANT_ID.into()));
        assert_eq!(
            d.lookup_tenant("ACME.onmicrosoft.com"),
            Ok(seed::TENANT_ID.into())
        );
        assert_eq!(d.lookup_tenant("common"), Err(TenantLookupError::Malformed));
        assert_eq!(
            d.lookup_tenant("11111111-1111-1111-1111-111111111111"),
            Err(TenantLookupError::NotFound)
        );
        assert_eq!(
            d.lookup_tenant("nowhere.example"),
            Err(TenantLookupError::NotFound)
        );
        assert_eq!(
            d.lookup_tenant("not a tenant"),
            Err(TenantLookupError::Malformed)
        );
        assert_eq!(d.lookup_tenant("acme"), Err(TenantLookupError::Malformed));
    }

    #[test]
    fn seeded_secret_is_checked_like_the_token_endpoint() {
        let d = Directory::seeded();
        let ok = d.check_client_credentials(
            seed::TENANT_DOMAIN,
            seed::SEEDED_APP_CLIENT_ID,
            seed::SEEDED_APP_SECRET,
        );
        assert_eq!(ok, Ok(()));
        let wrong = d
            .check_client_credentials(seed::TENANT_ID, seed::SEEDED_APP_CLIENT_ID, "nope")
            .unwrap_err();
        assert!(wrong.starts_with("AADSTS7000215:"), "{wrong}");
        let unknown = d
            .check_client_credentials(seed::TENANT_ID, &new_guid(), "x")
            .unwrap_err();
        assert!(unknown.starts_with("AADSTS700016:"), "{unknown}");
        let empty = d
            .check_client_credentials(seed::TENANT_ID, seed::SEEDED_APP_CLIENT_ID, "")
            .unwrap_err();
        assert!(empty.starts_with("AADSTS7000218:"), "{empty}");
        let public = d
            .check_client_credentials(seed::TENANT_ID, seed::GRAPH_CLI_CLIENT_ID, "x")
            .unwrap_err();
        assert!(public.starts_with("AADSTS700025:"), "{public}");
        let tenant = d
            .check_client_credentials("other.onmicrosoft.com", seed::SEEDED_APP_CLIENT_ID, "x")
            .unwrap_err();
        assert!(tenant.starts_with("AADSTS90002:"), "{tenant}");
    }

    #[test]
    fn secrets_expire_and_replicate() {
        let mut d = Directory::seeded();
        let (credential, secret) = d
            .add_password(seed::SEEDED_APP_OBJECT_ID, None, None, None, 2)
            .unwrap();
        assert_eq!(credential.hint, secret[..3]);
        assert_eq!(secret.len(), 40);
        let check = |d: &Directory| {
            d.check_client_credentials(seed::TENANT_ID, seed::SEEDED_APP_CLIENT_ID, &secret)
        };
        assert!(check(&d).unwrap_err().starts_with("AADSTS7000215"));
        assert!(check(&d).unwrap_err().starts_with("AADSTS7000215"));
        assert_eq!(check(&d), Ok(()));
        d.advance_clock(731 * 24 * 3600);
        assert!(check(&d).unwrap_err().starts_with("AADSTS7000222"));
    }

    #[test]
    fn a_new_app_is_unknown_to_client_credentials_as_many_times_as_asked() {
        let mut d = Directory::seeded();
        d.note_new_app(seed::SEEDED_APP_CLIENT_ID, 1, 2);
        let check = |d: &Directory| {
            d.check_client_credentials(
                seed::TENANT_ID,
                seed::SEEDED_APP_CLIENT_ID,
                seed::SEEDED_APP_SECRET,
            )
        };
        assert!(check(&d).unwrap_err().starts_with("AADSTS700016:"));
        assert!(check(&d).unwrap_err().starts_with("AADSTS700016:"));
        assert_eq!(check(&d), Ok(()));
        assert!(d.refuse_new_sp(seed::SEEDED_APP_CLIENT_ID));
        assert!(!d.refuse_new_sp(seed::SEEDED_APP_CLIENT_ID));
    }

    #[test]
    fn the_dump_never_holds_a_secret_in_clear() {
        let d = Directory::seeded();
        let dump = serde_json::to_string(&d).unwrap();
        assert!(!dump.contains(seed::SEEDED_APP_SECRET));
        assert!(dump.contains(&crate::world::hash_secret(seed::SEEDED_APP_SECRET)));
        let graph = d.applications[0].graph_json().to_string();
        assert!(!graph.contains("secretHash") && !graph.contains("tenantId"));
    }

    #[test]
    fn bind_urls_resolves_the_seeded_callback() {
        let mut d = Directory::seeded();
        let urls = ServiceUrls {
            gitpod: "http://127.0.0.1:9/api".into(),
            ..ServiceUrls::default()
        };
        d.bind_urls(&urls);
        assert_eq!(
            d.applications[0].web.redirect_uris,
            vec![format!(
                "http://127.0.0.1:9/runners/{}/auth/oauth2/callback",
                seed::RUNNER_READY_ID
            )]
        );
    }
}
