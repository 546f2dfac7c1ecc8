//! `GraphClient` against the sandbox's Microsoft Graph stand-in, with a delegated admin token
//! from the sandbox's Entra stand-in (the Graph tools' public client, PKCE), as `setup` gets one.

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::Utc;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use url::Url;

use ado_scm::clients::graph::{
    self, GraphClient, NewApplication, RequiredResourceAccess, ResourceAccess, AZURE_DEVOPS_APP_ID,
    GRAPH_APP_ID,
};
use ado_scm::clock::SystemClock;
use ado_scm::error::{ErrorKind, Result};
use ado_scm::http::{Http, HttpPolicy};
use ado_scm::secret::Secret;
use ado_scm_sandbox::{seed, Sandbox};

const ADMIN_SCOPE: &str = "https://graph.microsoft.com/Application.ReadWrite.All \
     https://graph.microsoft.com/DelegatedPermissionGrant.ReadWrite.All offline_access openid profile";
const LOOPBACK: &str = "http://localhost:53117";

fn http() -> Http {
    let clock = Arc::new(SystemClock {
        fixed_sleep: Some(Duration::from_millis(10)),
    });
    Http::new(clock, HttpPolicy::default()).expect("HTTP client")
}

/// The seeded admin's delegated Graph token, through authorize + token with PKCE.
fn admin_token(sb: &Sandbox) -> Secret {
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let verifier = URL_SAFE_NO_PAD.encode([7u8; 32]);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let authority = format!("{}/{}/oauth2/v2.0", sb.authority_url(), seed::TENANT_ID);
    let response = client
        .get(format!("{authority}/authorize"))
        .query(&[
            ("client_id", seed::GRAPH_CLI_CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", LOOPBACK),
            ("response_mode", "query"),
            ("scope", ADMIN_SCOPE),
            ("state", "st4te"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 302);
    let location = Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code");
    let body: Value = client
        .post(format!("{authority}/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", seed::GRAPH_CLI_CLIENT_ID),
            ("code", &code),
            ("redirect_uri", LOOPBACK),
            ("code_verifier", &verifier),
        ])
        .send()
        .unwrap()
        .json()
        .unwrap();
    Secret::new(body["access_token"].as_str().expect("access token"))
}

/// Retries a read that may not see a new object yet (eventual consistency).
fn eventually<T>(mut read: impl FnMut() -> Result<Option<T>>) -> T {
    for _ in 0..20 {
        match read() {
            Ok(Some(found)) => return found,
            Ok(None) => {}
            Err(err) if graph::is_not_found(&err) => {}
            Err(err) => panic!("{err}"),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("never became visible");
}

#[test]
fn app_registration_end_to_end() {
    let sb = Sandbox::start();
    let http = http();
    let base = Url::parse(&sb.graph_url()).unwrap();
    let graph = GraphClient::new(&http, base, admin_token(&sb));

    let name = "ado-scm O'Brien test";
    assert!(graph.find_applications_by_name(name).unwrap().is_empty());

    // Scope ids from the tenant's service principals.
    let graph_sp = graph
        .service_principal_by_app_id(GRAPH_APP_ID)
        .unwrap()
        .expect("Graph's service principal");
    let ado_sp = graph
        .service_principal_by_app_id(AZURE_DEVOPS_APP_ID)
        .unwrap()
        .expect("Azure DevOps' service principal");
    let graph_scopes = graph::resolve_scope_ids(&graph_sp, &["openid", "offline_access"]).unwrap();
    let ado_scopes = graph::resolve_scope_ids(&ado_sp, &["vso.code", "vso.code_write"]).unwrap();
    let access = |resource: &str, scopes: &[(String, String)]| RequiredResourceAccess {
        resource_app_id: resource.to_string(),
        resource_access: scopes
            .iter()
            .map(|(_, id)| ResourceAccess::scope(id.clone()))
            .collect(),
    };

    let created = graph
        .create_application(&NewApplication {
            display_name: name.to_string(),
            redirect_uri: "https://runner.example.com/auth/oauth/callback".to_string(),
            required_resource_access: vec![
                access(GRAPH_APP_ID, &graph_scopes),
                access(AZURE_DEVOPS_APP_ID, &ado_scopes),
            ],
        })
        .unwrap();
    assert_eq!(created.display_name, name);
    assert_eq!(created.sign_in_audience, "AzureADMyOrg");
    assert!(created.web.implicit_grant_settings.enable_id_token_issuance);
    assert_eq!(created.required_resource_access.len(), 2);

    let found = eventually(|| graph.find_application_by_app_id(&created.app_id));
    assert_eq!(found.id, created.id);
    let by_name = graph.find_applications_by_name(name).unwrap();
    assert_eq!(by_name.len(), 1);

    // Repair drift in place.
    graph
        .update_application(
            &created.id,
            &json!({"web": {
                "redirectUris": ["https://runner.example.com/auth/oauth/callback", "https://other.example.com/cb"],
                "implicitGrantSettings": {"enableIdTokenIssuance": true}
            }}),
        )
        .unwrap();
    let found = graph
        .find_application_by_app_id(&created.app_id)
        .unwrap()
        .unwrap();
    assert_eq!(found.web.redirect_uris.len(), 2);

    // A client secret, listed without its text, then removed.
    let end = Utc::now() + chrono::Duration::days(30);
    let password = graph.add_password(&created.id, "ado-scm", end).unwrap();
    assert!(!password.secret_text.expose().is_empty());
    let found = graph
        .find_application_by_app_id(&created.app_id)
        .unwrap()
        .unwrap();
    assert_eq!(found.password_credentials.len(), 1);
    assert_eq!(found.password_credentials[0].key_id, password.key_id);
    graph
        .remove_password(&created.id, &password.key_id)
        .unwrap();
    let found = graph
        .find_application_by_app_id(&created.app_id)
        .unwrap()
        .unwrap();
    assert!(found.password_credentials.is_empty());

    // Service principal and admin consent.
    let sp = graph.create_service_principal(&created.app_id).unwrap();
    assert_eq!(sp.app_id, created.app_id);
    assert!(graph.list_permission_grants(&sp.id).unwrap().is_empty());
    let grant = graph
        .create_permission_grant(&sp.id, &ado_sp.id, "vso.code")
        .unwrap();
    assert_eq!(grant.consent_type, "AllPrincipals");
    graph
        .update_permission_grant(&grant.id, "vso.code vso.code_write")
        .unwrap();
    let grants = graph.list_permission_grants(&sp.id).unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].scope, "vso.code vso.code_write");
    assert_eq!(grants[0].resource_id, ado_sp.id);
}

#[test]
fn graph_errors_map_to_kinds() {
    let sb = Sandbox::start();
    let http = http();
    let base = Url::parse(&sb.graph_url()).unwrap();

    let bad = GraphClient::new(&http, base.clone(), Secret::new("not-a-token"));
    let err = bad.find_applications_by_name("x").unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth, "{err}");
    assert_eq!(err.exit_code(), 3);
    assert!(
        err.message.starts_with("Microsoft Graph could not"),
        "{err}"
    );
    assert!(err.hint.as_deref().unwrap().contains("sign in again"));

    let graph = GraphClient::new(&http, base, admin_token(&sb));
    assert!(graph
        .service_principal_by_app_id("00000000-1111-2222-3333-444444444444")
        .unwrap()
        .is_none());
    let err = graph
        .update_application("00000000-1111-2222-3333-444444444444", &json!({}))
        .unwrap_err();
    assert!(graph::is_not_found(&err), "{err}");
    assert_eq!(err.kind, ErrorKind::Service);
    assert!(err.causes[0].contains("request-id"), "{err}");
}
