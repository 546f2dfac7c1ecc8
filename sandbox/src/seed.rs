//! The fixed data every sandbox starts with. Tests and the README refer to these names, so they
//! are constants: change one and the tests that rely on it say so.

/// The Gitpod organization every seeded user belongs to.
pub const GITPOD_ORG_ID: &str = "0a1b2c3d-0000-4000-8000-00000000a11e";

/// Gitpod users and their API keys (`GITPOD_API_KEY`).
pub const ALICE_USER_ID: &str = "a11ce000-0000-4000-8000-000000000001";
pub const ALICE_API_KEY: &str = "gitpod_sandbox_alice_key";
pub const BOB_USER_ID: &str = "b0b00000-0000-4000-8000-000000000002";
pub const BOB_API_KEY: &str = "gitpod_sandbox_bob_key";

/// A registered, active runner with an X25519 key pair and Azure DevOps integrations
/// (`dev.azure.com`: OAuth + PAT; `ado.example.com`: Azure DevOps Server, PAT, `/tfs`).
pub const RUNNER_READY_ID: &str = "01900000-0000-7000-8000-0000000000a1";
pub const RUNNER_READY_NAME: &str = "acme-runner";
/// A registered, active runner with a key pair and no integration yet (for `setup`).
pub const RUNNER_FRESH_ID: &str = "01900000-0000-7000-8000-0000000000b2";
pub const RUNNER_FRESH_NAME: &str = "fresh-runner";
/// A runner that was created but never registered: no public key.
pub const RUNNER_UNREGISTERED_ID: &str = "01900000-0000-7000-8000-0000000000c3";
pub const RUNNER_UNREGISTERED_NAME: &str = "unregistered-runner";

/// The seeded runner's fixed X25519 secret key (base64 of 32 bytes). Fixed so that a sealed
/// secret in a test failure message can be opened by hand.
pub const RUNNER_READY_SECRET_KEY_B64: &str = "cnVubmVyLXJlYWR5LXNlY3JldC1rZXktMzJieXRlcyE=";
pub const RUNNER_FRESH_SECRET_KEY_B64: &str = "cnVubmVyLWZyZXNoLXNlY3JldC1rZXktMzJieXRlcyE=";

/// Azure DevOps Services organization connected to the Entra tenant below.
pub const ADO_ORG: &str = "acme";
/// Azure DevOps Services organization not connected to Entra ID (tenant all zeros).
pub const ADO_ORG_UNCONNECTED: &str = "lonely";
pub const ZERO_TENANT: &str = "00000000-0000-0000-0000-000000000000";
/// Azure DevOps Server host and collection (reached through `--ado-url`).
pub const ADO_SERVER_HOST: &str = "ado.example.com";
pub const ADO_SERVER_COLLECTION_PATH: &str = "/tfs/DefaultCollection";

/// PATs the Azure DevOps stand-in knows (for org `acme` and the Server collection).
pub const PAT_VALID: &str = "sandboxpatvalidcodewrite0000000000000000000000000000";
pub const PAT_EXPIRED: &str = "sandboxpatexpired00000000000000000000000000000000000";
pub const PAT_NO_CODE_SCOPE: &str = "sandboxpatnocodescope0000000000000000000000000000000";
/// The Azure DevOps identity the PATs belong to.
pub const ADO_USER_ID: &str = "ad0a1ce0-0000-4000-8000-000000000001";
pub const ADO_USER_NAME: &str = "Alice Admin";

/// The Entra tenant of organization `acme`, and its domain alias.
pub const TENANT_ID: &str = "7e5a17c0-5a1d-4b0c-9e11-acde00000001";
pub const TENANT_DOMAIN: &str = "acme.onmicrosoft.com";
/// The Entra user the authorize endpoint signs in automatically (admin of the tenant).
pub const ENTRA_ADMIN_USER: &str = "admin@acme.onmicrosoft.com";
pub const ENTRA_ADMIN_OID: &str = "e0a1ce00-0000-4000-8000-000000000009";

/// The app registration behind the seeded `dev.azure.com` OAuth integration.
pub const SEEDED_APP_CLIENT_ID: &str = "5eed0000-0000-4000-8000-00000000c11e";
pub const SEEDED_APP_SECRET: &str = "sandbox~seeded~app~secret~value~00000";
