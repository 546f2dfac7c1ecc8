//! Host authentication tokens, CheckAuthenticationForHost and the runner's OAuth consent leg.

use ado_scm_sandbox::directory::AuthorizeOutcome;
use ado_scm_sandbox::{hash_secret, seed};
use serde_json::{json, Value};

use crate::support::{assert_connect_error, Env};

fn check(env: &Env, key: &str, host: &str) -> (u16, Value) {
    env.rpc(
        key,
        "RunnerService/CheckAuthenticationForHost",
        json!({"runnerId": seed::RUNNER_READY_ID, "host": host}),
    )
}

fn pat_token(subject: &str) -> Value {
    json!({
        "runnerId": seed::RUNNER_READY_ID,
        "host": "dev.azure.com/acme",
        "token": seed::PAT_VALID,
        "source": "HOST_AUTHENTICATION_TOKEN_SOURCE_PAT",
        "scopes": ["vso.code_write"],
        "subject": {"id": subject, "principal": "PRINCIPAL_USER"},
    })
}

#[test]
fn check_offers_the_integration_methods_with_their_urls() {
    let env = Env::start();
    let (status, body) = check(&env, seed::ALICE_API_KEY, "dev.azure.com/acme");
    assert_eq!(status, 200, "{body}");
    assert!(
        body.get("authenticated").is_none(),
        "false is left out: {body}"
    );
    assert_eq!(body["scmId"], json!("azuredevops_entra"));
    assert_eq!(
        body["supportsPat"]["createUrl"],
        json!("https://dev.azure.com/acme/_usersSettings/tokens")
    );
    assert_eq!(
        body["supportsPat"]["requiredScopes"],
        json!(["vso.code_write"])
    );
    let auth_url = body["supportsOauth2"]["authUrl"].as_str().unwrap();
    assert!(
        auth_url.starts_with(&format!(
            "{}/runners/{}/auth/oauth2/start?",
            env.sb.gitpod_url().trim_end_matches("/api"),
            seed::RUNNER_READY_ID
        )),
        "{auth_url}"
    );

    // Without the organization in the host there is no PAT page to point at.
    let (_, body) = check(&env, seed::ALICE_API_KEY, "dev.azure.com");
    assert!(body["supportsPat"].get("createUrl").is_none(), "{body}");

    let (_, server) = check(&env, seed::ALICE_API_KEY, "ado.example.com");
    assert_eq!(server["scmId"], json!("azuredevops_server"));
    assert!(server.get("supportsOauth2").is_none());
    assert_eq!(
        server["supportsPat"]["createUrl"],
        json!("https://ado.example.com/tfs/_usersSettings/tokens")
    );

    let message = assert_connect_error(
        check(&env, seed::ALICE_API_KEY, "gitlab.example.com"),
        404,
        "not_found",
    );
    assert!(message.contains("no SCM integration for host"));
}

#[test]
fn a_pat_token_authenticates_its_owner_only_and_is_never_echoed() {
    let env = Env::start();
    let create = "RunnerConfigurationService/CreateHostAuthenticationToken";
    let (status, body) = env.rpc(seed::ALICE_API_KEY, create, pat_token(seed::ALICE_USER_ID));
    assert_eq!(status, 200, "{body}");
    assert!(!body.to_string().contains(seed::PAT_VALID));
    let token = &body["token"];
    assert_eq!(
        token["source"],
        json!("HOST_AUTHENTICATION_TOKEN_SOURCE_PAT")
    );
    assert_eq!(token["subject"]["id"], json!(seed::ALICE_USER_ID));
    assert_eq!(token["host"], json!("dev.azure.com/acme"));

    assert_eq!(
        check(&env, seed::ALICE_API_KEY, "dev.azure.com/acme").1["authenticated"],
        json!(true)
    );
    // A token for one organization does not cover every organization.
    assert!(check(&env, seed::ALICE_API_KEY, "dev.azure.com")
        .1
        .get("authenticated")
        .is_none());
    // Bob's own seeded token covers dev.azure.com and below.
    assert_eq!(
        check(&env, seed::BOB_API_KEY, "dev.azure.com/acme").1["authenticated"],
        json!(true)
    );

    let stored = env.sb.state()["gitpod"]["hostTokens"].clone();
    assert!(stored
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["tokenHash"] == json!(hash_secret(seed::PAT_VALID))));

    // Logging in again replaces the token rather than piling them up.
    env.alice(create, pat_token(seed::ALICE_USER_ID));
    let mine = env.alice(
        "RunnerConfigurationService/ListHostAuthenticationTokens",
        json!({"filter": {"runnerId": seed::RUNNER_READY_ID}}),
    );
    assert_eq!(
        mine["tokens"].as_array().unwrap().len(),
        1,
        "only Alice's own: {mine}"
    );

    // Even asking for Bob's tokens shows none of them.
    let bobs = env.alice(
        "RunnerConfigurationService/ListHostAuthenticationTokens",
        json!({"filter": {"subjectId": seed::BOB_USER_ID}}),
    );
    assert!(bobs.get("tokens").is_none(), "{bobs}");
}

#[test]
fn tokens_for_someone_else_or_bad_input_are_refused() {
    let env = Env::start();
    let create = |body: Value| {
        env.rpc(
            seed::ALICE_API_KEY,
            "RunnerConfigurationService/CreateHostAuthenticationToken",
            body,
        )
    };
    assert_connect_error(
        create(pat_token(seed::BOB_USER_ID)),
        403,
        "permission_denied",
    );
    let mut no_subject = pat_token(seed::ALICE_USER_ID);
    no_subject.as_object_mut().unwrap().remove("subject");
    assert_connect_error(create(no_subject), 400, "invalid_argument");
    let mut empty = pat_token(seed::ALICE_USER_ID);
    empty["token"] = json!("");
    assert_connect_error(create(empty), 400, "invalid_argument");
    let mut unspecified = pat_token(seed::ALICE_USER_ID);
    unspecified["source"] = json!("HOST_AUTHENTICATION_TOKEN_SOURCE_UNSPECIFIED");
    assert_connect_error(create(unspecified), 400, "invalid_argument");
    let mut no_integration = pat_token(seed::ALICE_USER_ID);
    no_integration["runnerId"] = json!(seed::RUNNER_FRESH_ID);
    assert_connect_error(create(no_integration), 404, "not_found");
    let mut bad_time = pat_token(seed::ALICE_USER_ID);
    bad_time["expiresAt"] = json!("tomorrow");
    assert_connect_error(create(bad_time), 400, "invalid_argument");
    let mut oauth_on_server = pat_token(seed::ALICE_USER_ID);
    oauth_on_server["host"] = json!("ado.example.com");
    oauth_on_server["source"] = json!("HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH");
    assert_connect_error(create(oauth_on_server), 400, "failed_precondition");
}

#[test]
fn delete_only_your_own_tokens() {
    let env = Env::start();
    let delete = |key: &str, id: &str| {
        env.rpc(
            key,
            "RunnerConfigurationService/DeleteHostAuthenticationToken",
            json!({"id": id}),
        )
    };
    assert_connect_error(
        delete(seed::ALICE_API_KEY, seed::BOB_HOST_TOKEN_ID),
        403,
        "permission_denied",
    );
    let unknown = "0190ffff-0000-7000-8000-000000000000";
    assert_connect_error(delete(seed::ALICE_API_KEY, unknown), 404, "not_found");
    assert_eq!(delete(seed::BOB_API_KEY, seed::BOB_HOST_TOKEN_ID).0, 200);
    assert!(check(&env, seed::BOB_API_KEY, "dev.azure.com")
        .1
        .get("authenticated")
        .is_none());
}

#[test]
fn expired_tokens_do_not_authenticate() {
    let env = Env::start();
    let mut token = pat_token(seed::ALICE_USER_ID);
    token["expiresAt"] = json!("2030-01-01T00:00:00Z");
    env.alice(
        "RunnerConfigurationService/CreateHostAuthenticationToken",
        token,
    );
    assert_eq!(
        check(&env, seed::ALICE_API_KEY, "dev.azure.com/acme").1["authenticated"],
        json!(true)
    );
    // Move the world's clock past the expiry instead of waiting.
    env.sb
        .with_world(|w| w.directory.advance_clock(10 * 365 * 24 * 3600));
    assert!(check(&env, seed::ALICE_API_KEY, "dev.azure.com/acme")
        .1
        .get("authenticated")
        .is_none());
}

/// `url`'s query parameters.
fn query_of(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    url_pairs(query)
}

fn url_pairs(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://x/?{query}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("{name} in {pairs:?}"))
}

#[test]
fn oauth_consent_at_the_runner_stores_an_oauth_token() {
    let env = Env::start();
    let (_, body) = check(&env, seed::ALICE_API_KEY, "dev.azure.com/acme");
    let auth_url = body["supportsOauth2"]["authUrl"]
        .as_str()
        .unwrap()
        .to_string();

    // The runner sends the browser to Entra with its own callback as redirect URI.
    let start = env.http.get(&auth_url).send().unwrap();
    assert_eq!(start.status().as_u16(), 302);
    let location = start.headers()["location"].to_str().unwrap().to_string();
    let authorize_prefix = format!(
        "{}/{}/oauth2/v2.0/authorize?",
        env.sb.authority_url(),
        seed::TENANT_ID
    );
    assert!(location.starts_with(&authorize_prefix), "{location}");
    let params = query_of(&location);
    assert_eq!(param(&params, "client_id"), seed::SEEDED_APP_CLIENT_ID);
    assert_eq!(
        param(&params, "redirect_uri"),
        format!(
            "{}/runners/{}/auth/oauth2/callback",
            env.sb.gitpod_url().trim_end_matches("/api"),
            seed::RUNNER_READY_ID
        )
    );
    assert!(param(&params, "scope").contains("vso.code_write"));

    // Entra signs the user in and redirects back with a code (driven in-process so this test
    // does not depend on the Entra listener's pages).
    let outcome = env
        .sb
        .with_world(|w| w.directory.authorize(seed::TENANT_ID, &params));
    let AuthorizeOutcome::Redirect(callback) = outcome else {
        panic!("authorize did not redirect: {outcome:?}");
    };
    let done = env.http.get(&callback).send().unwrap();
    assert_eq!(done.status().as_u16(), 200);
    assert!(done.text().unwrap().contains("close this tab"));

    assert_eq!(
        check(&env, seed::ALICE_API_KEY, "dev.azure.com/acme").1["authenticated"],
        json!(true)
    );
    let tokens = env.alice(
        "RunnerConfigurationService/ListHostAuthenticationTokens",
        json!({}),
    );
    assert_eq!(
        tokens["tokens"][0]["source"],
        json!("HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH")
    );
    assert_eq!(
        tokens["tokens"][0]["integrationId"],
        json!(seed::INTEGRATION_ENTRA_ID)
    );

    // The state is single use.
    let again = env.http.get(&callback).send().unwrap();
    assert_eq!(again.status().as_u16(), 400);
}

#[test]
fn a_refused_consent_stores_nothing() {
    let env = Env::start();
    let (_, body) = check(&env, seed::ALICE_API_KEY, "dev.azure.com");
    let start = env
        .http
        .get(body["supportsOauth2"]["authUrl"].as_str().unwrap())
        .send()
        .unwrap();
    let location = start.headers()["location"].to_str().unwrap().to_string();
    let state = param(&query_of(&location), "state").to_string();
    let callback = format!(
        "{}/runners/{}/auth/oauth2/callback?error=access_denied&error_description=AADSTS65004&state={state}",
        env.sb.gitpod_url().trim_end_matches("/api"),
        seed::RUNNER_READY_ID
    );
    assert_eq!(
        env.http.get(&callback).send().unwrap().status().as_u16(),
        400
    );
    let forged = callback
        .replace("error=access_denied", "code=anything")
        .replace(&state, "forged");
    assert_eq!(env.http.get(&forged).send().unwrap().status().as_u16(), 400);
    assert!(check(&env, seed::ALICE_API_KEY, "dev.azure.com")
        .1
        .get("authenticated")
        .is_none());
}
