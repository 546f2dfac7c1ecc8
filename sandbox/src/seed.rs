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
/// A PAT made for "All accessible organizations" (Code scope): refused everywhere since
/// Microsoft retired global PATs on 1 December 2026.
pub const GLOBAL_PAT: &str = "sandboxpatglobalallorgs000000000000000000000000000000";
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

/// Gitpod users' display names; Alice is an organization admin (may change runner
/// configuration), Bob a member (may only manage his own host tokens).
pub const ALICE_NAME: &str = "Alice Admin";
pub const BOB_NAME: &str = "Bob Builder";

/// The seeded integrations of the ready runner.
/// `dev.azure.com`, `azuredevops_entra`, OAuth (the seeded app, issuer in the
/// `…/{tenant}/oauth2/v2.0` form) and PAT.
pub const INTEGRATION_ENTRA_ID: &str = "01900000-0000-7000-8000-0000000001e1";
/// `ado.example.com`, `azuredevops_server`, PAT only, virtual directory `/tfs`.
pub const INTEGRATION_SERVER_ID: &str = "01900000-0000-7000-8000-0000000001e2";
/// `github.com`, `github`, OAuth and PAT: an integration ado-scm must leave alone.
pub const INTEGRATION_GITHUB_ID: &str = "01900000-0000-7000-8000-0000000001e3";
pub const GITHUB_OAUTH_CLIENT_ID: &str = "Iv1.5a9db0c0ffee0001";
pub const SERVER_VIRTUAL_DIRECTORY: &str = "/tfs";

/// Bob's PAT host token on the ready runner for `dev.azure.com` (so tests can check that Alice
/// never sees or deletes it, and that disabling PAT deletes it).
pub const BOB_HOST_TOKEN_ID: &str = "01900000-0000-7000-8000-00000000070b";

/// Azure DevOps projects and repositories the PATs can list.
pub const ADO_PROJECT: &str = "Platform";
pub const ADO_REPOS: &[&str] = &["api", "web"];
pub const ADO_SERVER_PROJECT: &str = "Legacy";
pub const ADO_SERVER_REPOS: &[&str] = &["monolith"];

/// The Azure DevOps resource (and the scope a runner asks for).
pub const ADO_RESOURCE_APP_ID: &str = "499b84ac-1321-427f-aa17-267ca6975798";

// ---- Entra directory and Graph (directory.rs, entra.rs, graph.rs) ----

/// Microsoft Graph, the resource of every Graph scope (`https://graph.microsoft.com/...`).
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Microsoft Graph Command Line Tools: Microsoft's public client (no secret; loopback redirects
/// and device code), what an admin's script signs in with to call Graph.
pub const GRAPH_CLI_CLIENT_ID: &str = "14d82eec-204b-4c2f-b7e8-296a70dab67e";
/// The tenant's display name.
pub const TENANT_NAME: &str = "Acme";
/// A second Entra user with no admin role (may not consent to admin-only permissions).
pub const ENTRA_DEV_USER: &str = "dev@acme.onmicrosoft.com";
pub const ENTRA_DEV_OID: &str = "de7e1000-0000-4000-8000-00000000000d";

/// Object ids of the seeded tenant's service principals (enterprise apps).
pub const GRAPH_SP_ID: &str = "5b000000-0000-4000-8000-00000000a001";
pub const ADO_SP_ID: &str = "5b000000-0000-4000-8000-00000000a002";
pub const GRAPH_CLI_SP_ID: &str = "5b000000-0000-4000-8000-00000000a003";
/// The seeded app registration's object id (Graph `id`), its service principal, its secret's
/// `keyId` and its tenant-wide consent to Azure DevOps (`vso.code vso.code_write`).
pub const SEEDED_APP_OBJECT_ID: &str = "0b1ec700-0000-4000-8000-00000000c11e";
pub const SEEDED_APP_SP_ID: &str = "5b000000-0000-4000-8000-00000000c11e";
pub const SEEDED_APP_SECRET_KEY_ID: &str = "6e7c0000-0000-4000-8000-00000000c11e";
pub const SEEDED_APP_DISPLAY_NAME: &str = "Ona runner acme-runner (Azure DevOps)";
pub const SEEDED_APP_GRANT_ID: &str = "seededGrantAllPrincipalsAdoAcmeRunner0000000";
