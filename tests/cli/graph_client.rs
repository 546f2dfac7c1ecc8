//! `GraphClient` against the sandbox's Microsoft Graph stand-in, with a delegated admin token
//! from the sandbox's Entra stand-in (the Graph tools' public client, PKCE), as `setup` gets one.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use serde_json::json;
use url::Url;

use ado_scm::clients::graph::{
    self, GraphClient, NewApplication, RequiredResourceAccess, ResourceAccess, AZURE_DEVOPS_APP_ID,
    GRAPH_APP_ID,
};
use ado_scm::clock::SystemClock;
use ado_scm::error::{ErrorKind, Result};
use ado_scm::http::{Http, HttpPolicy};
use ado_scm::secret::Secret;
use ado_scm_sandbox::Sandbox;

use crate::support;

fn http() -> Http {
    let clock = Arc::new(SystemClock {
        fixed_sleep: Some(Duration::from_millis(10)),
    });
    Http::new(clock, HttpPolicy::default()).expect("HTTP client")
}

/// The seeded admin's delegated Graph token, through authorize + token with PKCE.
fn admin_token(sb: &Sandbox) -> Secret {
    Secret::new(support::admin_graph_token(sb))
}

/// Reads again while a new object is not visible yet (eventual consistency: the sandbox's
/// realism hides a new object from a set number of reads, not for a time).
fn eventually<T>(mut read: impl FnMut() -> Result<Option<T>>) -> T {
    for _ in 0..20 {
        match read() {
            Ok(Some(found)) => return found,
            Ok(None) => {}
            Err(err) if graph::is_not_found(&err) => {}
            Err(err) => panic!("{err}"),
        }
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

    let new = NewApplication {
        display_name: name.to_string(),
        redirect_uri: "https://runner.example.com/auth/oauth/callback".to_string(),
        required_resource_access: vec![
            access(GRAPH_APP_ID, &graph_scopes),
            access(AZURE_DEVOPS_APP_ID, &ado_scopes),
        ],
    };
    let key = graph::unique_name_for(name);
    let (created, made) = graph.upsert_application(&key, &new).unwrap();
    assert!(made);
    // The same upsert again (a lost answer, say) lands on the same app.
    let (again, made_again) = graph.upsert_application(&key, &new).unwrap();
    assert!(!made_again);
    assert_eq!(again.id, created.id);
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
    let sp = graph.upsert_service_principal(&created.app_id).unwrap();
    assert_eq!(sp.app_id, created.app_id);
    let again = graph.upsert_service_principal(&created.app_id).unwrap();
    assert_eq!(again.id, sp.id, "no second service principal");
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
