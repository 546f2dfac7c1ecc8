//! The Entra and Graph stand-ins over HTTP, as a client sees them: discovery, the AADSTS error
//! table of Entra's error reference, the four grants, device code, and the Graph app-registration calls,
//! with assertions on the state the directory keeps.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use reqwest::blocking::{Client, Response};
use reqwest::redirect::Policy;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use ado_scm_sandbox::directory::{self, Directory};
use ado_scm_sandbox::world::hash_secret;
use ado_scm_sandbox::{seed, Sandbox};

const GRAPH_ADMIN_SCOPE: &str = "https://graph.microsoft.com/Application.ReadWrite.All \
     https://graph.microsoft.com/DelegatedPermissionGrant.ReadWrite.All offline_access openid profile";
const LOOPBACK: &str = "http://localhost:53117";

fn http() -> Client {
    Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("reqwest client")
}

fn json_of(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn post_form(sb: &Sandbox, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
    json_of(
        http()
            .post(format!("{}{path}", sb.authority_url()))
            .form(form)
            .send()
            .expect("POST"),
    )
}

fn token(sb: &Sandbox, form: &[(&str, &str)]) -> (u16, Value) {
    post_form(sb, &format!("/{}/oauth2/v2.0/token", seed::TENANT_ID), form)
}

/// Asserts an Entra error body: status, `error`, first of `error_codes`, and the shape.
fn assert_aad(result: &(u16, Value), status: u16, error: &str, code: u64) {
    let (got_status, body) = result;
    assert_eq!(*got_status, status, "status of {body}");
    assert_eq!(body["error"], error, "{body}");
    assert_eq!(body["error_codes"][0], code, "{body}");
    let description = body["error_description"].as_str().unwrap();
    assert!(
        description.starts_with(&format!("AADSTS{code}: ")),
        "{description}"
    );
    let trace = body["trace_id"].as_str().unwrap();
    let correlation = body["correlation_id"].as_str().unwrap();
    let timestamp = body["timestamp"].as_str().unwrap();
    assert!(
        description.ends_with(&format!(
            "\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {timestamp}"
        )),
        "{description}"
    );
    // `YYYY-MM-DD HH:MM:SSZ`
    assert_eq!(timestamp.len(), 20, "{timestamp}");
    assert!(timestamp.ends_with('Z') && &timestamp[10..11] == " ");
    assert!(body["error_uri"]
        .as_str()
        .unwrap()
        .ends_with(&format!("code={code}")));
}

fn pkce() -> (String, String) {
    let verifier = URL_SAFE_NO_PAD.encode([7u8; 32]);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// GET authorize; returns the status and the Location (or the page body).
fn authorize(sb: &Sandbox, tenant: &str, params: &[(&str, &str)]) -> (u16, String) {
    let response = http()
        .get(format!(
            "{}/{tenant}/oauth2/v2.0/authorize",
            sb.authority_url()
        ))
        .query(params)
        .send()
        .expect("GET authorize");
    let status = response.status().as_u16();
    match response.headers().get("location") {
        Some(location) => (status, location.to_str().unwrap().to_string()),
        None => (status, response.text().unwrap_or_default()),
    }
}

fn query_param(location: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(location).expect("redirect URL");
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A code for the Graph tools (public client, PKCE) with `scope`.
fn public_code(sb: &Sandbox, scope: &str, extra: &[(&str, &str)]) -> (String, String) {
    let (verifier, challenge) = pkce();
    let mut params = vec![
        ("client_id", seed::GRAPH_CLI_CLIENT_ID),
        ("response_type", "code"),
        ("redirect_uri", LOOPBACK),
        ("response_mode", "query"),
        ("scope", scope),
        ("state", "st4te"),
        ("code_challenge", &challenge),
        ("code_challenge_method", "S256"),
    ];
    params.extend_from_slice(extra);
    let (status, location) = authorize(sb, seed::TENANT_ID, &params);
    assert_eq!(status, 302, "{location}");
    let code = query_param(&location, "code").unwrap_or_else(|| panic!("no code in {location}"));
    (code, verifier)
}

fn redeem_public(sb: &Sandbox, code: &str, verifier: &str) -> (u16, Value) {
    token(
        sb,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", seed::GRAPH_CLI_CLIENT_ID),
            ("code", code),
            ("redirect_uri", LOOPBACK),
            ("code_verifier", verifier),
        ],
    )
}

/// A delegated Graph token of the seeded admin (through the Graph tools, as a script would).
fn admin_graph_token(sb: &Sandbox) -> String {
    let (code, verifier) = public_code(sb, GRAPH_ADMIN_SCOPE, &[]);
    let (status, body) = redeem_public(sb, &code, &verifier);
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_string()
}

fn graph(
    sb: &Sandbox,
    method: &str,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = http().request(method, format!("{}/v1.0/{path}", sb.graph_url()));
    if let Some(bearer) = bearer {
        request = request.bearer_auth(bearer);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().expect("graph request");
    let status = response.status().as_u16();
    let text = response.text().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn assert_graph_error(result: &(u16, Value), status: u16, code: &str) {
    assert_eq!(result.0, status, "{}", result.1);
    assert_eq!(result.1["error"]["code"], code, "{}", result.1);
    assert!(result.1["error"]["message"].is_string());
    assert!(result.1["error"]["innerError"]["request-id"].is_string());
    assert!(result.1["error"]["innerError"]["date"].is_string());
}

fn decode_jwt(token: &str) -> (Value, Value, String, Vec<u8>) {
    let mut parts = token.split('.');
    let header = parts.next().unwrap();
    let claims = parts.next().unwrap();
    let signature = parts.next().unwrap();
    let decode = |s: &str| serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s).unwrap()).unwrap();
    (
        decode(header),
        decode(claims),
        format!("{header}.{claims}"),
        URL_SAFE_NO_PAD.decode(signature).unwrap(),
    )
}

fn directory_state(sb: &Sandbox) -> Value {
    sb.state()["directory"].clone()
}

fn with_directory<R>(sb: &Sandbox, f: impl FnOnce(&mut Directory) -> R) -> R {
    sb.with_world(|w| f(&mut w.directory))
}

// ---- discovery ----

#[test]
fn discovery_by_guid_or_domain() {
    let sb = Sandbox::start();
    let authority = sb.authority_url();
    for tenant in [seed::TENANT_ID, seed::TENANT_DOMAIN] {
        let (status, doc) = json_of(
            http()
                .get(format!(
                    "{authority}/{tenant}/v2.0/.well-known/openid-configuration"
                ))
                .send()
                .unwrap(),
        );
        assert_eq!(status, 200);
        let base = format!("{authority}/{}", seed::TENANT_ID);
        assert_eq!(doc["issuer"], format!("{base}/v2.0"));
        assert_eq!(
            doc["authorization_endpoint"],
            format!("{base}/oauth2/v2.0/authorize")
        );
        assert_eq!(doc["token_endpoint"], format!("{base}/oauth2/v2.0/token"));
        assert_eq!(
            doc["device_authorization_endpoint"],
            format!("{base}/oauth2/v2.0/devicecode")
        );
        assert_eq!(doc["jwks_uri"], format!("{base}/discovery/v2.0/keys"));
        assert_eq!(
            doc["id_token_signing_alg_values_supported"],
            json!(["RS256"])
        );
    }
    let (status, keys) = json_of(
        http()
            .get(format!(
                "{authority}/{}/discovery/v2.0/keys",
                seed::TENANT_ID
            ))
            .send()
            .unwrap(),
    );
    assert_eq!(status, 200);
    assert_eq!(keys["keys"][0]["kty"], "RSA");
    assert_eq!(keys["keys"][0]["kid"], directory::key_id());
}

#[test]
fn discovery_errors_for_unknown_and_malformed_tenants() {
    let sb = Sandbox::start();
    let get = |tenant: &str, correlation: Option<&str>| {
        let mut request = http().get(format!(
            "{}/{tenant}/v2.0/.well-known/openid-configuration",
            sb.authority_url()
        ));
        if let Some(c) = correlation {
            request = request.header("client-request-id", c);
        }
        json_of(request.send().unwrap())
    };
    let correlation = "0e0e0e0e-1111-4222-8333-444444444444";
    let unknown = get("11111111-2222-4333-8444-555555555555", Some(correlation));
    assert_aad(&unknown, 400, "invalid_tenant", 90002);
    assert_eq!(unknown.1["correlation_id"], correlation);
    assert_aad(
        &get("nobody.onmicrosoft.com", None),
        400,
        "invalid_tenant",
        90002,
    );
    assert_aad(&get("not_a_tenant", None), 400, "invalid_request", 900023);
    // ado-scm never asks a multi-tenant name: the sandbox serves none.
    assert_aad(&get("common", None), 400, "invalid_request", 900023);
}

// ---- token endpoint errors (Entra's AADSTS reference) ----

#[test]
fn token_endpoint_error_table() {
    let sb = Sandbox::start();
    let cc = |client: &str, secret: Option<&str>, scope: &str| {
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("scope", scope),
        ];
        if let Some(secret) = secret {
            form.push(("client_secret", secret));
        }
        token(&sb, &form)
    };
    let ado = "499b84ac-1321-427f-aa17-267ca6975798/.default";
    assert_aad(
        &cc(seed::SEEDED_APP_CLIENT_ID, Some("wrong"), ado),
        401,
        "invalid_client",
        7000215,
    );
    assert_aad(
        &cc(seed::SEEDED_APP_CLIENT_ID, None, ado),
        401,
        "invalid_client",
        7000218,
    );
    assert_aad(
        &cc("00000000-1111-4222-8333-444444444444", Some("x"), ado),
        400,
        "unauthorized_client",
        700016,
    );
    assert_aad(
        &cc(seed::GRAPH_CLI_CLIENT_ID, Some("x"), ado),
        401,
        "invalid_client",
        700025,
    );
    assert_aad(
        &cc(
            seed::SEEDED_APP_CLIENT_ID,
            Some(seed::SEEDED_APP_SECRET),
            "499b84ac-1321-427f-aa17-267ca6975798/vso.code",
        ),
        400,
        "invalid_scope",
        1002012,
    );
    assert_aad(
        &cc(
            seed::SEEDED_APP_CLIENT_ID,
            Some(seed::SEEDED_APP_SECRET),
            "https://nothing.example/.default",
        ),
        400,
        "invalid_resource",
        500011,
    );
    // Unknown and malformed tenants at the token endpoint.
    let (status, body) = post_form(
        &sb,
        "/nobody.onmicrosoft.com/oauth2/v2.0/token",
        &[("grant_type", "client_credentials")],
    );
    assert_aad(&(status, body), 400, "invalid_request", 90002);
    let (status, body) = post_form(
        &sb,
        "/bad_tenant/oauth2/v2.0/token",
        &[("grant_type", "client_credentials")],
    );
    assert_aad(&(status, body), 400, "invalid_request", 900023);
    // Missing and unsupported grant types, GET on the token endpoint.
    assert_aad(
        &token(&sb, &[("client_id", seed::SEEDED_APP_CLIENT_ID)]),
        400,
        "invalid_request",
        900144,
    );
    assert_aad(
        &token(
            &sb,
            &[
                ("grant_type", "password"),
                ("client_id", seed::SEEDED_APP_CLIENT_ID),
            ],
        ),
        400,
        "unsupported_grant_type",
        70003,
    );
    // Expired secret: move the directory's clock past the seeded secret's end.
    with_directory(&sb, |d| d.advance_clock(800 * 24 * 3600));
    assert_aad(
        &cc(
            seed::SEEDED_APP_CLIENT_ID,
            Some(seed::SEEDED_APP_SECRET),
            ado,
        ),
        401,
        "invalid_client",
        7000222,
    );
}

#[test]
fn client_credentials_in_body_or_basic_for_both_resources() {
    let sb = Sandbox::start();
    for scope in [
        "499b84ac-1321-427f-aa17-267ca6975798/.default",
        "https://graph.microsoft.com/.default",
    ] {
        let (status, body) = token(
            &sb,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", seed::SEEDED_APP_CLIENT_ID),
                ("client_secret", seed::SEEDED_APP_SECRET),
                ("scope", scope),
            ],
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["token_type"], "Bearer");
        assert!(body["expires_in"].as_i64().unwrap() > 0);
        assert!(body["ext_expires_in"].is_number());
        assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none());
    }
    let response = http()
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            sb.authority_url(),
            seed::TENANT_DOMAIN
        ))
        .basic_auth(seed::SEEDED_APP_CLIENT_ID, Some(seed::SEEDED_APP_SECRET))
        .form(&[
            ("grant_type", "client_credentials"),
            ("scope", "499b84ac-1321-427f-aa17-267ca6975798/.default"),
        ])
        .send()
        .unwrap();
    let (status, body) = json_of(response);
    assert_eq!(status, 200, "{body}");
    // An app-only token for Azure DevOps: no user in it.
    let (_, claims, _, _) = decode_jwt(body["access_token"].as_str().unwrap());
    assert_eq!(claims["aud"], seed::ADO_RESOURCE_APP_ID);
    assert_eq!(claims["appid"], seed::SEEDED_APP_CLIENT_ID);
    assert!(claims.get("oid").is_none() || claims["oid"] != seed::ENTRA_ADMIN_OID);
}

// ---- authorization code + PKCE ----

#[test]
fn authorization_code_with_pkce_end_to_end() {
    let sb = Sandbox::start();
    let (verifier, challenge) = pkce();
    let (status, location) = authorize(
        &sb,
        seed::TENANT_DOMAIN,
        &[
            ("client_id", seed::GRAPH_CLI_CLIENT_ID),
            ("response_type", "code"),
            // Registered as `http://localhost`: the port does not matter for loopback.
            ("redirect_uri", "http://localhost:61234"),
            ("scope", "openid profile email offline_access User.Read"),
            ("state", "xyz"),
            ("nonce", "n0nce"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("prompt", "select_account"),
        ],
    );
    assert_eq!(status, 302);
    // A redirect URI without a path comes back with a trailing slash.
    assert!(
        location.starts_with("http://localhost:61234/?code="),
        "{location}"
    );
    assert_eq!(query_param(&location, "state").as_deref(), Some("xyz"));
    let code = query_param(&location, "code").unwrap();

    let (status, body) = token(
        &sb,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", seed::GRAPH_CLI_CLIENT_ID),
            ("code", &code),
            ("redirect_uri", "http://localhost:61234"),
            ("code_verifier", &verifier),
            ("scope", "openid profile email offline_access User.Read"),
        ],
    );
    assert_eq!(status, 200, "{body}");
    assert!(body["refresh_token"].is_string());
    let scope = body["scope"].as_str().unwrap();
    assert!(
        scope.contains("https://graph.microsoft.com/User.Read"),
        "{scope}"
    );

    // The id_token: RS256 by the published key, with the OIDC claims.
    let (header, claims, input, signature) = decode_jwt(body["id_token"].as_str().unwrap());
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], directory::key_id());
    let keys = directory::jwks("x");
    let n = URL_SAFE_NO_PAD
        .decode(keys["keys"][0]["n"].as_str().unwrap())
        .unwrap();
    let e = URL_SAFE_NO_PAD
        .decode(keys["keys"][0]["e"].as_str().unwrap())
        .unwrap();
    ring::signature::RsaPublicKeyComponents { n: &n, e: &e }
        .verify(
            &ring::signature::RSA_PKCS1_2048_8192_SHA256,
            input.as_bytes(),
            &signature,
        )
        .expect("id_token signature");
    assert_eq!(
        claims["iss"],
        format!("{}/{}/v2.0", sb.authority_url(), seed::TENANT_ID)
    );
    assert_eq!(claims["aud"], seed::GRAPH_CLI_CLIENT_ID);
    assert_eq!(claims["tid"], seed::TENANT_ID);
    assert_eq!(claims["oid"], seed::ENTRA_ADMIN_OID);
    assert_eq!(claims["preferred_username"], seed::ENTRA_ADMIN_USER);
    assert_eq!(claims["nonce"], "n0nce");
    let now = chrono::Utc::now().timestamp();
    assert!(claims["exp"].as_i64().unwrap() > now && claims["nbf"].as_i64().unwrap() <= now + 1);

    // Graph accepts the access token (403 for want of a permission, not 401).
    let apps = graph(
        &sb,
        "GET",
        "applications",
        body["access_token"].as_str(),
        None,
    );
    assert_graph_error(&apps, 403, "Authorization_RequestDenied");

    // Codes are single-use.
    let reuse = token(
        &sb,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", seed::GRAPH_CLI_CLIENT_ID),
            ("code", &code),
            ("redirect_uri", "http://localhost:61234"),
            ("code_verifier", &verifier),
        ],
    );
    assert_aad(&reuse, 400, "invalid_grant", 54005);

    let state = directory_state(&sb);
    // The admin's consent is recorded as Graph does it: a Principal grant for the Graph tools.
    let grants = state["oauth2PermissionGrants"].as_array().unwrap();
    assert!(grants.iter().any(|g| g["clientId"] == seed::GRAPH_CLI_SP_ID
        && g["consentType"] == "Principal"
        && g["principalId"] == seed::ENTRA_ADMIN_OID
        && g["scope"].as_str().unwrap().contains("User.Read")));
}

#[test]
fn code_redemption_errors_pkce_redirect_expiry() {
    let sb = Sandbox::start();
    // Wrong verifier.
    let (code, _) = public_code(&sb, "openid User.Read", &[]);
    assert_aad(
        &redeem_public(&sb, &code, "wrong-verifier-wrong-verifier-wrong-verifier"),
        400,
        "invalid_grant",
        501481,
    );
    // Redirect URI different from the authorization request.
    let (code, verifier) = public_code(&sb, "openid User.Read", &[]);
    let other = token(
        &sb,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", seed::GRAPH_CLI_CLIENT_ID),
            ("code", &code),
            ("redirect_uri", "http://localhost:1/other"),
            ("code_verifier", &verifier),
        ],
    );
    assert_aad(&other, 400, "invalid_grant", 70002);
    // Expired (10 minutes).
    let (code, verifier) = public_code(&sb, "openid User.Read", &[]);
    with_directory(&sb, |d| d.advance_clock(601));
    assert_aad(
        &redeem_public(&sb, &code, &verifier),
        400,
        "invalid_grant",
        70008,
    );
    // Garbage.
    assert_aad(
        &redeem_public(&sb, "not-a-code", &verifier),
        400,
        "invalid_grant",
        9002313,
    );
}

/// Authorize parameters for `client` and `redirect`, scope `openid User.Read`, state `s1`.
fn authorize_params<'a>(
    client: &'a str,
    redirect: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut params = vec![
        ("client_id", client),
        ("response_type", "code"),
        ("redirect_uri", redirect),
        ("scope", "openid User.Read"),
        ("state", "s1"),
    ];
    for (k, v) in extra {
        params.retain(|(key, _)| key != k);
        params.push((k, v));
    }
    params
}

#[test]
fn authorize_errors_on_page_and_by_redirect() {
    let sb = Sandbox::start();
    let (_, challenge) = pkce();
    let cli = seed::GRAPH_CLI_CLIENT_ID;
    // Unknown client, unregistered redirect, [::1], 127.0.0.1 for a `localhost` registration,
    // unknown tenant: Entra's own page, no redirect.
    for (client, redirect, tenant, code) in [
        (
            "00000000-1111-4222-8333-444444444444",
            LOOPBACK,
            seed::TENANT_ID,
            "AADSTS700016",
        ),
        (
            cli,
            "https://evil.example/cb",
            seed::TENANT_ID,
            "AADSTS50011",
        ),
        (cli, "http://[::1]:5000", seed::TENANT_ID, "AADSTS50011"),
        (cli, "http://127.0.0.1:5000", seed::TENANT_ID, "AADSTS50011"),
        (cli, LOOPBACK, "nobody.onmicrosoft.com", "AADSTS90002"),
    ] {
        let (status, page) = authorize(&sb, tenant, &authorize_params(client, redirect, &[]));
        assert_eq!(status, 400, "{redirect}: {page}");
        assert!(page.contains(code), "{code}: {page}");
    }

    // With a good redirect URI, errors go back to it, with the state.
    let redirect_error = |params: Vec<(&str, &str)>| {
        let (status, location) = authorize(&sb, seed::TENANT_ID, &params);
        assert_eq!(status, 302, "{location}");
        assert!(location.starts_with(LOOPBACK), "{location}");
        assert_eq!(query_param(&location, "state").as_deref(), Some("s1"));
        (
            query_param(&location, "error").unwrap_or_default(),
            query_param(&location, "error_description").unwrap_or_default(),
        )
    };
    // A public client without PKCE.
    let (error, description) = redirect_error(authorize_params(cli, LOOPBACK, &[]));
    assert_eq!(error, "invalid_request");
    assert!(description.contains("\r\nTrace ID: "), "{description}");
    let pkce_params = [
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut all: Vec<(&str, &str)> = pkce_params.to_vec();
        all.extend_from_slice(extra);
        authorize_params(cli, LOOPBACK, &all)
    };
    with_directory(&sb, |d| d.knobs.deny_next_authorizations = 1);
    let (error, description) = redirect_error(with(&[]));
    assert_eq!(error, "access_denied");
    assert!(description.starts_with("AADSTS65004"), "{description}");
    let (status, location) = authorize(&sb, seed::TENANT_ID, &with(&[]));
    assert_eq!(status, 302);
    assert!(
        query_param(&location, "code").is_some(),
        "the knob is used up: {location}"
    );

    let (error, description) = redirect_error(with(&[(
        "scope",
        "https://graph.microsoft.com/No.Such.Scope",
    )]));
    assert_eq!(error, "invalid_scope");
    assert!(description.starts_with("AADSTS70011"), "{description}");
    let (error, description) = redirect_error(with(&[(
        "scope",
        "User.Read 499b84ac-1321-427f-aa17-267ca6975798/vso.code",
    )]));
    assert_eq!(error, "invalid_scope");
    assert!(description.starts_with("AADSTS700022"), "{description}");
    let (error, _) = redirect_error(with(&[("response_type", "token")]));
    assert_eq!(error, "unsupported_response_type");
}

#[test]
fn refresh_tokens_rotate_and_the_old_one_dies() {
    let sb = Sandbox::start();
    let (code, verifier) = public_code(&sb, "openid offline_access User.Read", &[]);
    let (_, first) = redeem_public(&sb, &code, &verifier);
    let old = first["refresh_token"].as_str().unwrap().to_string();
    let refresh = |rt: &str| {
        token(
            &sb,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", seed::GRAPH_CLI_CLIENT_ID),
                ("refresh_token", rt),
                ("scope", "openid offline_access User.Read"),
            ],
        )
    };
    let (status, second) = refresh(&old);
    assert_eq!(status, 200, "{second}");
    let new = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(new, old);
    assert_ne!(second["access_token"], first["access_token"]);
    assert_aad(&refresh(&old), 400, "invalid_grant", 50173);
    let (status, third) = refresh(&new);
    assert_eq!(status, 200, "{third}");
    // Azure DevOps, which the Graph tools were never consented to: needs an interactive request.
    let third_rt = third["refresh_token"].as_str().unwrap();
    let other_resource = token(
        &sb,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", seed::GRAPH_CLI_CLIENT_ID),
            ("refresh_token", third_rt),
            ("scope", "499b84ac-1321-427f-aa17-267ca6975798/vso.code"),
        ],
    );
    assert_aad(&other_resource, 400, "invalid_grant", 65001);
    let (status, body) = token(
        &sb,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", seed::GRAPH_CLI_CLIENT_ID),
            ("refresh_token", "1.ARgarbage"),
        ],
    );
    assert_aad(&(status, body), 400, "invalid_grant", 9002313);
}

// ---- device code ----

#[test]
fn device_code_pending_slow_down_approved() {
    let sb = Sandbox::start();
    let (status, dc) = post_form(
        &sb,
        &format!("/{}/oauth2/v2.0/devicecode", seed::TENANT_ID),
        &[
            ("client_id", seed::GRAPH_CLI_CLIENT_ID),
            ("scope", GRAPH_ADMIN_SCOPE),
        ],
    );
    assert_eq!(status, 200, "{dc}");
    assert_eq!(
        dc["verification_uri"],
        format!("{}/devicelogin", sb.authority_url())
    );
    assert_eq!(dc["expires_in"], 900);
    assert_eq!(dc["interval"], 5);
    assert!(dc.get("verification_uri_complete").is_none());
    let user_code = dc["user_code"].as_str().unwrap().to_string();
    assert!(dc["message"].as_str().unwrap().contains(&user_code));
    let device_code = dc["device_code"].as_str().unwrap().to_string();
    let poll = || {
        token(
            &sb,
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", seed::GRAPH_CLI_CLIENT_ID),
                ("device_code", &device_code),
            ],
        )
    };
    assert_aad(&poll(), 400, "authorization_pending", 70016);
    // Again at once, inside the 5 s interval.
    let (status, body) = poll();
    assert_eq!((status, body["error"].as_str()), (400, Some("slow_down")));
    // Tests poll without waiting: interval 0 (also for codes already handed out).
    with_directory(&sb, |d| {
        d.knobs.device_code_interval_secs = 0;
        d.device_authorizations
            .iter_mut()
            .for_each(|a| a.interval_secs = 0);
    });
    assert_aad(&poll(), 400, "authorization_pending", 70016);

    let page = http()
        .get(format!("{}/devicelogin", sb.authority_url()))
        .query(&[("user_code", user_code.as_str())])
        .send()
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().unwrap().contains("You have signed in"));
    let (status, body) = poll();
    assert_eq!(status, 200, "{body}");
    let (_, claims, _, _) = decode_jwt(body["access_token"].as_str().unwrap());
    assert!(claims["scp"]
        .as_str()
        .unwrap()
        .contains("Application.ReadWrite.All"));
    assert_aad(&poll(), 400, "invalid_grant", 54005);
    let state = directory_state(&sb);
    assert_eq!(state["deviceAuthorizations"][0]["status"], "redeemed");
}

#[test]
fn device_code_declined_expired_and_blocked() {
    let sb = Sandbox::start();
    with_directory(&sb, |d| d.knobs.device_code_interval_secs = 0);
    let start = || {
        let (_, dc) = post_form(
            &sb,
            &format!("/{}/oauth2/v2.0/devicecode", seed::TENANT_ID),
            &[
                ("client_id", seed::GRAPH_CLI_CLIENT_ID),
                ("scope", "openid User.Read"),
            ],
        );
        (
            dc["device_code"].as_str().unwrap().to_string(),
            dc["user_code"].as_str().unwrap().to_string(),
        )
    };
    let poll = |device_code: &str| {
        token(
            &sb,
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", seed::GRAPH_CLI_CLIENT_ID),
                ("device_code", device_code),
            ],
        )
    };
    let login = |user_code: &str, extra: &[(&str, &str)]| {
        let mut form = vec![("user_code", user_code)];
        form.extend_from_slice(extra);
        http()
            .get(format!("{}/devicelogin", sb.authority_url()))
            .query(&form)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };

    let (declined, user_code) = start();
    assert_eq!(login(&user_code, &[("deny", "1")]), 200);
    assert_aad(&poll(&declined), 400, "authorization_declined", 70017);

    let (blocked, user_code) = start();
    with_directory(&sb, |d| {
        d.knobs.device_code_blocked_by_conditional_access = true
    });
    assert_eq!(login(&user_code, &[]), 400);
    assert_aad(&poll(&blocked), 400, "invalid_grant", 53003);
    with_directory(&sb, |d| {
        d.knobs.device_code_blocked_by_conditional_access = false
    });

    let (expired, user_code) = start();
    with_directory(&sb, |d| d.advance_clock(901));
    assert_aad(&poll(&expired), 400, "expired_token", 70019);
    assert_eq!(
        login(&user_code, &[]),
        400,
        "an expired code cannot be approved"
    );

    // A web-only app registration is confidential: device code needs its secret.
    let (_, dc) = post_form(
        &sb,
        &format!("/{}/oauth2/v2.0/devicecode", seed::TENANT_ID),
        &[
            ("client_id", seed::SEEDED_APP_CLIENT_ID),
            ("scope", "openid"),
        ],
    );
    let device_code = dc["device_code"].as_str().unwrap();
    let result = token(
        &sb,
        &[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", seed::SEEDED_APP_CLIENT_ID),
            ("device_code", device_code),
        ],
    );
    assert_aad(&result, 401, "invalid_client", 7000218);
}

// ---- the runner's view ----

#[test]
fn the_runner_redeems_a_code_for_the_seeded_app() {
    let sb = Sandbox::start();
    let callback = format!(
        "{}/runners/{}/auth/oauth2/callback",
        sb.gitpod_url().trim_end_matches("/api"),
        seed::RUNNER_READY_ID
    );
    let scope = format!(
        "openid offline_access {}/vso.code_write",
        seed::ADO_RESOURCE_APP_ID
    );
    let (status, location) = authorize(
        &sb,
        seed::TENANT_ID,
        &[
            ("client_id", seed::SEEDED_APP_CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", &callback),
            ("scope", &scope),
            ("state", "r"),
            // A developer without admin roles: the admin's tenant-wide consent covers vso.code_write.
            ("login_hint", seed::ENTRA_DEV_USER),
        ],
    );
    assert_eq!(status, 302, "{location}");
    assert!(location.starts_with(&callback));
    let code = query_param(&location, "code").unwrap();
    let wrong = with_directory(&sb, |d| {
        d.redeem_code_for_runner(
            seed::TENANT_ID,
            seed::SEEDED_APP_CLIENT_ID,
            "nope",
            &code,
            &callback,
        )
    });
    assert_eq!(wrong.unwrap_err().code(), 7000215);
    let subject = with_directory(&sb, |d| {
        d.redeem_code_for_runner(
            seed::TENANT_ID,
            seed::SEEDED_APP_CLIENT_ID,
            seed::SEEDED_APP_SECRET,
            &code,
            &callback,
        )
    });
    assert_eq!(subject.unwrap().user_id, seed::ENTRA_DEV_OID);
    let again = with_directory(&sb, |d| {
        d.redeem_code_for_runner(
            seed::TENANT_ID,
            seed::SEEDED_APP_CLIENT_ID,
            seed::SEEDED_APP_SECRET,
            &code,
            &callback,
        )
    });
    assert_eq!(again.unwrap_err().code(), 54005);
}

#[test]
fn admin_only_permissions_need_an_admin() {
    let sb = Sandbox::start();
    let (_, challenge) = pkce();
    let (status, page) = authorize(
        &sb,
        seed::TENANT_ID,
        &[
            ("client_id", seed::GRAPH_CLI_CLIENT_ID),
            ("response_type", "code"),
            ("redirect_uri", LOOPBACK),
            (
                "scope",
                "https://graph.microsoft.com/Application.ReadWrite.All",
            ),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("login_hint", seed::ENTRA_DEV_USER),
        ],
    );
    assert_eq!(status, 400);
    assert!(page.contains("AADSTS90094"), "{page}");
}

// ---- Graph ----

#[test]
fn graph_rejects_missing_bad_and_underprivileged_tokens() {
    let sb = Sandbox::start();
    assert_graph_error(
        &graph(&sb, "GET", "applications", None, None),
        401,
        "InvalidAuthenticationToken",
    );
    assert_graph_error(
        &graph(&sb, "GET", "applications", Some("garbage"), None),
        401,
        "InvalidAuthenticationToken",
    );
    // An Azure DevOps token is for another audience.
    let (_, ado) = token(
        &sb,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", seed::SEEDED_APP_CLIENT_ID),
            ("client_secret", seed::SEEDED_APP_SECRET),
            ("scope", "499b84ac-1321-427f-aa17-267ca6975798/.default"),
        ],
    );
    assert_graph_error(
        &graph(
            &sb,
            "GET",
            "applications",
            ado["access_token"].as_str(),
            None,
        ),
        401,
        "InvalidAuthenticationToken",
    );
    // A Graph token with User.Read only.
    let (code, verifier) = public_code(&sb, "openid User.Read", &[]);
    let (_, body) = redeem_public(&sb, &code, &verifier);
    let user_read = body["access_token"].as_str().unwrap().to_string();
    assert_graph_error(
        &graph(&sb, "GET", "applications", Some(&user_read), None),
        403,
        "Authorization_RequestDenied",
    );
    assert_graph_error(
        &graph(
            &sb,
            "POST",
            "applications",
            Some(&user_read),
            Some(json!({"displayName": "x"})),
        ),
        403,
        "Authorization_RequestDenied",
    );
    // Expired.
    let admin = admin_graph_token(&sb);
    with_directory(&sb, |d| d.advance_clock(3600));
    assert_graph_error(
        &graph(&sb, "GET", "applications", Some(&admin), None),
        401,
        "InvalidAuthenticationToken",
    );
}

#[test]
fn graph_app_registration_lifecycle() {
    let sb = Sandbox::start();
    let admin = admin_graph_token(&sb);
    let t = Some(admin.as_str());
    let callback = format!(
        "{}/runners/{}/auth/oauth2/callback",
        sb.gitpod_url().trim_end_matches("/api"),
        seed::RUNNER_FRESH_ID
    );

    // Secrets cannot be added at creation; unknown properties are refused.
    let refused = graph(
        &sb,
        "POST",
        "applications",
        t,
        Some(json!({"displayName": "x", "passwordCredentials": [{"displayName": "s"}]})),
    );
    assert_graph_error(&refused, 400, "Request_BadRequest");
    let refused = graph(
        &sb,
        "POST",
        "applications",
        t,
        Some(json!({"displayName": "x", "redirectUris": []})),
    );
    assert_graph_error(&refused, 400, "Request_BadRequest");
    let refused = graph(
        &sb,
        "POST",
        "applications",
        t,
        Some(json!({"displayName": "x", "web": {"redirectUri": []}})),
    );
    assert_graph_error(&refused, 400, "Request_BadRequest");
    let refused = graph(
        &sb,
        "POST",
        "applications",
        t,
        Some(json!({"displayName": "x", "web": {"redirectUris": ["http://example.com/cb"]}})),
    );
    assert_graph_error(&refused, 400, "Request_BadRequest");

    let (status, app) = graph(
        &sb,
        "POST",
        "applications",
        t,
        Some(json!({
            "displayName": "Ona runner fresh-runner (Azure DevOps)",
            "signInAudience": "AzureADMyOrg",
            "web": {"redirectUris": [callback], "implicitGrantSettings": {"enableIdTokenIssuance": true}},
            "requiredResourceAccess": [{
                "resourceAppId": seed::ADO_RESOURCE_APP_ID,
                "resourceAccess": [{"id": "028ffaf1-6f06-490a-979e-38011f92fb7c", "type": "Scope"}]
            }]
        })),
    );
    assert_eq!(status, 201, "{app}");
    assert!(app["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("$metadata#applications/$entity"));
    let id = app["id"].as_str().unwrap().to_string();
    let app_id = app["appId"].as_str().unwrap().to_string();
    assert_ne!(id, app_id);
    assert_eq!(app["signInAudience"], "AzureADMyOrg");
    assert_eq!(app["web"]["redirectUris"], json!([callback]));
    assert_eq!(
        app["web"]["implicitGrantSettings"]["enableIdTokenIssuance"],
        true
    );
    assert_eq!(
        app["web"]["implicitGrantSettings"]["enableAccessTokenIssuance"],
        false
    );
    assert_eq!(app["passwordCredentials"], json!([]));

    // Find it by name and by app id.
    for filter in [
        "displayName eq 'Ona runner fresh-runner (Azure DevOps)'".to_string(),
        format!("appId eq '{app_id}'"),
    ] {
        let (status, list) = graph(
            &sb,
            "GET",
            &format!("applications?$filter={}", urlencode(&filter)),
            t,
            None,
        );
        assert_eq!(status, 200, "{list}");
        assert!(list["@odata.context"].is_string());
        assert_eq!(
            list["value"].as_array().unwrap().len(),
            1,
            "{filter}: {list}"
        );
        assert_eq!(list["value"][0]["id"], id);
    }
    let (_, none) = graph(
        &sb,
        "GET",
        &format!(
            "applications?$filter={}",
            urlencode("displayName eq 'nope'")
        ),
        t,
        None,
    );
    assert_eq!(none["value"], json!([]));
    assert_graph_error(
        &graph(
            &sb,
            "GET",
            &format!("applications?$filter={}", urlencode("notes eq 'x'")),
            t,
            None,
        ),
        400,
        "Request_UnsupportedQuery",
    );

    // Patch in place.
    let (status, _) = graph(
        &sb,
        "PATCH",
        &format!("applications/{id}"),
        t,
        Some(json!({"web": {"redirectUris": [callback, "https://example.com/cb"]}})),
    );
    assert_eq!(status, 204);
    let (_, got) = graph(&sb, "GET", &format!("applications/{id}"), t, None);
    assert_eq!(got["web"]["redirectUris"].as_array().unwrap().len(), 2);
    assert_eq!(
        got["web"]["implicitGrantSettings"]["enableIdTokenIssuance"], true,
        "merge keeps the rest of web"
    );
    let (_, by_app_id) = graph(
        &sb,
        "GET",
        &format!("applications(appId='{app_id}')?$select=id,appId"),
        t,
        None,
    );
    assert_eq!(by_app_id["id"], id);
    assert!(by_app_id.get("web").is_none());

    // A secret: shown once, then only its hint; it works at the token endpoint.
    let (status, secret) = graph(
        &sb,
        "POST",
        &format!("applications/{id}/addPassword"),
        t,
        Some(
            json!({"passwordCredential": {"displayName": "ado-scm", "endDateTime": "2099-01-01T00:00:00Z"}}),
        ),
    );
    assert_eq!(status, 200, "{secret}");
    let text = secret["secretText"].as_str().unwrap().to_string();
    let key_id = secret["keyId"].as_str().unwrap().to_string();
    assert_eq!(secret["hint"].as_str().unwrap(), &text[..3]);
    assert_eq!(secret["endDateTime"], "2099-01-01T00:00:00Z");
    let (_, got) = graph(&sb, "GET", &format!("applications/{id}"), t, None);
    assert_eq!(got["passwordCredentials"][0]["keyId"], key_id.as_str());
    assert!(got["passwordCredentials"][0]["secretText"].is_null());
    let cc = |secret: &str| {
        token(
            &sb,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &app_id),
                ("client_secret", secret),
                ("scope", "499b84ac-1321-427f-aa17-267ca6975798/.default"),
            ],
        )
    };
    assert_eq!(cc(&text).0, 200);
    assert_eq!(
        with_directory(&sb, |d| d.check_client_credentials(
            seed::TENANT_DOMAIN,
            &app_id,
            &text
        )),
        Ok(())
    );

    // Enterprise app, duplicate refused with Graph's 409.
    let (status, sp) = graph(
        &sb,
        "POST",
        "servicePrincipals",
        t,
        Some(json!({"appId": app_id})),
    );
    assert_eq!(status, 201, "{sp}");
    let sp_id = sp["id"].as_str().unwrap().to_string();
    assert_graph_error(
        &graph(
            &sb,
            "POST",
            "servicePrincipals",
            t,
            Some(json!({"appId": app_id})),
        ),
        409,
        "Request_MultipleObjectsWithSameKeyValue",
    );
    assert_graph_error(
        &graph(
            &sb,
            "POST",
            "servicePrincipals",
            t,
            Some(json!({"appId": "00000000-1111-4222-8333-444444444444"})),
        ),
        400,
        "Request_BadRequest",
    );

    // Resolve Azure DevOps' scope ids at run time.
    let (status, ado) = graph(
        &sb,
        "GET",
        &format!(
            "servicePrincipals(appId='{}')?$select=id,appId,oauth2PermissionScopes",
            seed::ADO_RESOURCE_APP_ID
        ),
        t,
        None,
    );
    assert_eq!(status, 200, "{ado}");
    assert_eq!(ado["id"], seed::ADO_SP_ID);
    assert!(ado.get("displayName").is_none());
    let scopes = ado["oauth2PermissionScopes"].as_array().unwrap();
    let id_of = |v: &str| scopes.iter().find(|s| s["value"] == v).unwrap()["id"].clone();
    assert_eq!(id_of("vso.code"), "b325850d-aa53-41ed-b77a-c5036b2f39fa");
    assert_eq!(
        id_of("vso.code_write"),
        "028ffaf1-6f06-490a-979e-38011f92fb7c"
    );
    let (_, list) = graph(
        &sb,
        "GET",
        &format!(
            "servicePrincipals?$filter={}",
            urlencode(&format!("appId eq '{app_id}'"))
        ),
        t,
        None,
    );
    assert_eq!(list["value"][0]["id"], sp_id);
    assert_graph_error(
        &graph(
            &sb,
            "GET",
            "servicePrincipals(appId='00000000-1111-4222-8333-444444444444')",
            t,
            None,
        ),
        404,
        "Request_ResourceNotFound",
    );

    // Tenant-wide consent to Azure DevOps.
    let grant_body = json!({"clientId": sp_id, "consentType": "AllPrincipals", "resourceId": seed::ADO_SP_ID, "scope": "vso.code"});
    let (status, grant) = graph(
        &sb,
        "POST",
        "oauth2PermissionGrants",
        t,
        Some(grant_body.clone()),
    );
    assert_eq!(status, 201, "{grant}");
    let grant_id = grant["id"].as_str().unwrap().to_string();
    assert_graph_error(
        &graph(&sb, "POST", "oauth2PermissionGrants", t, Some(grant_body)),
        409,
        "Request_MultipleObjectsWithSameKeyValue",
    );
    let bad_scope = json!({"clientId": sp_id, "consentType": "AllPrincipals", "resourceId": seed::GRAPH_SP_ID, "scope": "vso.code"});
    assert_graph_error(
        &graph(&sb, "POST", "oauth2PermissionGrants", t, Some(bad_scope)),
        400,
        "Request_BadRequest",
    );
    let (status, _) = graph(
        &sb,
        "PATCH",
        &format!("oauth2PermissionGrants/{grant_id}"),
        t,
        Some(json!({"scope": "vso.code vso.code_write"})),
    );
    assert_eq!(status, 204);
    let (_, grants) = graph(
        &sb,
        "GET",
        &format!(
            "oauth2PermissionGrants?$filter={}",
            urlencode(&format!("clientId eq '{sp_id}'"))
        ),
        t,
        None,
    );
    assert_eq!(grants["value"].as_array().unwrap().len(), 1);
    assert_eq!(grants["value"][0]["scope"], "vso.code vso.code_write");
    assert_eq!(grants["value"][0]["principalId"], Value::Null);

    // The state dump: what tests of ado-scm assert on.
    let state = directory_state(&sb);
    let dumped = state["applications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(dumped["appId"], app_id.as_str());
    assert_eq!(dumped["web"]["redirectUris"][0], callback.as_str());
    assert_eq!(
        dumped["requiredResourceAccess"][0]["resourceAccess"][0]["id"],
        "028ffaf1-6f06-490a-979e-38011f92fb7c"
    );
    assert_eq!(
        dumped["passwordCredentials"][0]["secretHash"],
        hash_secret(&text)
    );
    assert_eq!(dumped["ownerIds"], json!([seed::ENTRA_ADMIN_OID]));
    assert!(
        !state.to_string().contains(&text),
        "no secret in clear in the dump"
    );
    assert!(state["servicePrincipals"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["id"] == sp_id.as_str()));
    assert!(state["oauth2PermissionGrants"]
        .as_array()
        .unwrap()
        .iter()
        .any(|g| g["id"] == grant_id.as_str()
            && g["consentType"] == "AllPrincipals"
            && g["resourceId"] == seed::ADO_SP_ID));

    // Remove the secret: it stops working.
    let (status, _) = graph(
        &sb,
        "POST",
        &format!("applications/{id}/removePassword"),
        t,
        Some(json!({"keyId": key_id})),
    );
    assert_eq!(status, 204);
    assert_aad(&cc(&text), 401, "invalid_client", 7000215);
}

#[test]
fn graph_edge_cases_consistency_replication_and_roles() {
    let sb = Sandbox::start();
    let admin = admin_graph_token(&sb);
    let t = Some(admin.as_str());
    sb.set_realism(ado_scm_sandbox::Realism {
        graph_read_misses_after_create: 1,
        secret_replication_failures: 2,
        ..Default::default()
    });
    let (_, app) = graph(
        &sb,
        "POST",
        "applications",
        t,
        Some(json!({"displayName": "eventual"})),
    );
    let id = app["id"].as_str().unwrap().to_string();
    let app_id = app["appId"].as_str().unwrap().to_string();
    assert_eq!(
        app["signInAudience"], "AzureADandPersonalMicrosoftAccount",
        "Graph's default"
    );
    assert_graph_error(
        &graph(&sb, "GET", &format!("applications/{id}"), t, None),
        404,
        "Request_ResourceNotFound",
    );
    assert_eq!(
        graph(&sb, "GET", &format!("applications/{id}"), t, None).0,
        200
    );

    // A fresh secret is refused twice (replication), then accepted.
    let (_, secret) = graph(
        &sb,
        "POST",
        &format!("applications/{id}/addPassword"),
        t,
        Some(json!({})),
    );
    let text = secret["secretText"].as_str().unwrap().to_string();
    let cc = || {
        token(
            &sb,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &app_id),
                ("client_secret", &text),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
    };
    assert_aad(&cc(), 401, "invalid_client", 7000215);
    assert_aad(&cc(), 401, "invalid_client", 7000215);
    assert_eq!(cc().0, 200);
    // Default lifetime: two years.
    let start =
        chrono::DateTime::parse_from_rfc3339(secret["startDateTime"].as_str().unwrap()).unwrap();
    let end =
        chrono::DateTime::parse_from_rfc3339(secret["endDateTime"].as_str().unwrap()).unwrap();
    assert_eq!((end - start).num_days(), 730);

    // Unknown segments, malformed ids, methods.
    assert_graph_error(
        &graph(&sb, "GET", "nothingHere", t, None),
        400,
        "BadRequest",
    );
    assert_graph_error(
        &graph(&sb, "GET", "applications/not-a-guid", t, None),
        400,
        "Request_BadRequest",
    );
    assert_graph_error(
        &graph(&sb, "PUT", "applications", t, None),
        405,
        "Request_BadRequest",
    );
    assert_graph_error(
        &graph(&sb, "POST", "applications", t, Some(json!([1, 2]))),
        400,
        "BadRequest",
    );
    assert_graph_error(
        &graph(
            &sb,
            "POST",
            &format!("applications/{id}/removePassword"),
            t,
            Some(json!({"keyId": "00000000-1111-4222-8333-444444444444"})),
        ),
        400,
        "Request_BadRequest",
    );
    assert_graph_error(
        &graph(
            &sb,
            "POST",
            &format!("applications/{id}/addPassword"),
            t,
            Some(json!({"passwordCredential": {"secretText": "mine"}})),
        ),
        400,
        "Request_BadRequest",
    );

    // A user without an admin role may not grant tenant-wide consent, nor change others' apps.
    let (code, verifier) = public_code(
        &sb,
        "https://graph.microsoft.com/User.Read",
        &[("login_hint", seed::ENTRA_DEV_USER)],
    );
    let (_, body) = redeem_public(&sb, &code, &verifier);
    let dev = body["access_token"].as_str().unwrap().to_string();
    assert_graph_error(
        &graph(&sb, "GET", "applications", Some(&dev), None),
        403,
        "Authorization_RequestDenied",
    );
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

// ---- upserts and the propagation of new objects ----

/// A Graph request with `Prefer: create-if-missing`.
fn upsert(sb: &Sandbox, path: &str, bearer: &str, body: Value) -> (u16, Value) {
    let response = http()
        .patch(format!("{}/v1.0/{path}", sb.graph_url()))
        .bearer_auth(bearer)
        .header("Prefer", "create-if-missing")
        .json(&body)
        .send()
        .expect("graph request");
    let status = response.status().as_u16();
    let text = response.text().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[test]
fn application_upsert_creates_then_updates_by_unique_name() {
    let sb = Sandbox::start();
    let admin = admin_graph_token(&sb);
    let t = Some(admin.as_str());
    let key = "applications(uniqueName='ado-scm-acme-runner')";
    // Without the header, a missing app is not created.
    assert_graph_error(
        &graph(
            &sb,
            "PATCH",
            key,
            t,
            Some(json!({"displayName": "ado-scm"})),
        ),
        404,
        "Request_ResourceNotFound",
    );
    assert_graph_error(
        &graph(&sb, "GET", key, t, None),
        404,
        "Request_ResourceNotFound",
    );
    // Creating needs a displayName.
    assert_graph_error(
        &upsert(&sb, key, &admin, json!({})),
        400,
        "Request_BadRequest",
    );

    let (status, created) = upsert(&sb, key, &admin, json!({"displayName": "ado-scm"}));
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["uniqueName"], "ado-scm-acme-runner");
    assert_eq!(created["displayName"], "ado-scm");
    assert!(created["appId"].is_string() && created["id"].is_string());

    // Sent again (a lost answer): updated in place, no second app.
    let (status, body) = upsert(&sb, key, &admin, json!({"displayName": "ado-scm 2"}));
    assert_eq!((status, body), (204, Value::Null));
    let (status, found) = graph(&sb, "GET", key, t, None);
    assert_eq!(status, 200);
    assert_eq!(found["id"], created["id"]);
    assert_eq!(found["displayName"], "ado-scm 2");
    let named = directory_state(&sb)["applications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["uniqueName"] == "ado-scm-acme-runner")
        .count();
    assert_eq!(named, 1);

    // uniqueName is set once.
    assert_graph_error(
        &graph(&sb, "PATCH", key, t, Some(json!({"uniqueName": "other"}))),
        400,
        "Request_BadRequest",
    );
    let id = created["id"].as_str().unwrap();
    assert_graph_error(
        &graph(
            &sb,
            "PATCH",
            &format!("applications/{id}"),
            t,
            Some(json!({"uniqueName": "other"})),
        ),
        400,
        "Request_BadRequest",
    );
}

#[test]
fn service_principal_upsert_creates_then_updates_by_app_id() {
    let sb = Sandbox::start();
    let admin = admin_graph_token(&sb);
    let t = Some(admin.as_str());
    let (_, app) = graph(
        &sb,
        "POST",
        "applications",
        t,
        Some(json!({"displayName": "sp"})),
    );
    let key = format!(
        "servicePrincipals(appId='{}')",
        app["appId"].as_str().unwrap()
    );
    assert_graph_error(
        &graph(&sb, "PATCH", &key, t, Some(json!({}))),
        404,
        "Request_ResourceNotFound",
    );
    let (status, created) = upsert(&sb, &key, &admin, json!({}));
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["appId"], app["appId"]);
    let (status, _) = upsert(&sb, &key, &admin, json!({"tags": ["x"]}));
    assert_eq!(status, 204);
    let sps: Vec<Value> = directory_state(&sb)["servicePrincipals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["appId"] == app["appId"])
        .cloned()
        .collect();
    assert_eq!(sps.len(), 1);
    assert_eq!(sps[0]["tags"], json!(["x"]));
}

#[test]
fn a_new_app_is_not_everywhere_at_once() {
    let sb = Sandbox::start();
    let admin = admin_graph_token(&sb);
    let t = Some(admin.as_str());
    sb.set_realism(ado_scm_sandbox::Realism {
        sp_create_bad_request_after_app_create: 2,
        entra_unknown_new_app: 2,
        ..Default::default()
    });
    let (_, app) = graph(
        &sb,
        "POST",
        "applications",
        t,
        Some(json!({"displayName": "new"})),
    );
    let app_id = app["appId"].as_str().unwrap().to_string();
    let id = app["id"].as_str().unwrap().to_string();

    // Its service principal: refused twice, by POST or by upsert alike, then created.
    let refused = format!(
        "The appId '{app_id}' of the service principal does not reference a valid application object."
    );
    let post = || {
        graph(
            &sb,
            "POST",
            "servicePrincipals",
            t,
            Some(json!({"appId": app_id})),
        )
    };
    let first = post();
    assert_graph_error(&first, 400, "Request_BadRequest");
    assert_eq!(first.1["error"]["message"], refused);
    let key = format!("servicePrincipals(appId='{app_id}')");
    let second = upsert(&sb, &key, &admin, json!({}));
    assert_graph_error(&second, 400, "Request_BadRequest");
    assert_eq!(post().0, 201);

    // Client credentials: unknown twice, then the secret is checked as usual.
    let (_, secret) = graph(
        &sb,
        "POST",
        &format!("applications/{id}/addPassword"),
        t,
        Some(json!({"passwordCredential": {"displayName": "x"}})),
    );
    let secret = secret["secretText"].as_str().unwrap().to_string();
    let cc = || {
        token(
            &sb,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", app_id.as_str()),
                ("client_secret", secret.as_str()),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
    };
    assert_aad(&cc(), 400, "unauthorized_client", 700016);
    assert_aad(&cc(), 400, "unauthorized_client", 700016);
    assert_eq!(cc().0, 200);
    // An app made before the realism was on is known at once.
    let seeded = token(
        &sb,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", seed::SEEDED_APP_CLIENT_ID),
            ("client_secret", seed::SEEDED_APP_SECRET),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    );
    assert_eq!(seeded.0, 200);
}

#[test]
fn removing_a_secret_the_app_does_not_have_is_a_400() {
    let sb = Sandbox::start();
    let admin = admin_graph_token(&sb);
    let unknown = "0b0b0b0b-0000-4000-8000-000000000000";
    let result = graph(
        &sb,
        "POST",
        &format!("applications/{}/removePassword", seed::SEEDED_APP_OBJECT_ID),
        Some(&admin),
        Some(json!({"keyId": unknown})),
    );
    assert_graph_error(&result, 400, "Request_BadRequest");
    assert_eq!(
        result.1["error"]["message"],
        format!("No password credential found with keyId {unknown}.")
    );
    let apps = directory_state(&sb)["applications"].clone();
    assert_eq!(apps[0]["passwordCredentials"].as_array().unwrap().len(), 1);
}
