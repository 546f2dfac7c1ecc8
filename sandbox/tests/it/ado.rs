//! Azure DevOps: tenant discovery, PAT checks, the 401/203/302 behaviour.

use ado_scm_sandbox::seed;
use serde_json::json;

use crate::support::{status_json, Env};

#[test]
fn anonymous_requests_reveal_the_tenant() {
    let env = Env::start();
    for path in ["/acme", "/acme/_apis/connectionData"] {
        let response = env.ado_get(path, None, true);
        assert_eq!(response.status().as_u16(), 401, "{path}");
        assert_eq!(response.headers()["x-vss-resourcetenant"], seed::TENANT_ID);
        let challenges: Vec<_> = response
            .headers()
            .get_all("www-authenticate")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        assert!(
            challenges.contains(&format!(
                "Bearer authorization_uri={}/{}",
                env.sb.authority_url(),
                seed::TENANT_ID
            )),
            "{challenges:?}"
        );
        let (_, body) = status_json(response);
        assert_eq!(body["typeKey"], json!("UnauthorizedRequestException"));
        assert!(body["message"].as_str().unwrap().starts_with("TF400813"));
    }
    let lonely = env.ado_get("/lonely", None, true);
    assert_eq!(lonely.headers()["x-vss-resourcetenant"], seed::ZERO_TENANT);
    assert_eq!(
        env.ado_get("/no-such-org/_apis/connectionData", None, true)
            .status()
            .as_u16(),
        404
    );
}

#[test]
fn a_valid_pat_sees_connection_data_and_repositories() {
    let env = Env::start();
    let (status, data) =
        status_json(env.ado_get("/acme/_apis/connectionData", Some(seed::PAT_VALID), true));
    assert_eq!(status, 200, "{data}");
    assert_eq!(data["authenticatedUser"]["id"], json!(seed::ADO_USER_ID));
    assert_eq!(
        data["authenticatedUser"]["providerDisplayName"],
        json!(seed::ADO_USER_NAME)
    );
    assert_eq!(data["deploymentType"], json!("hosted"));
    let (status, repos) = status_json(env.ado_get(
        "/acme/_apis/git/repositories?api-version=7.1",
        Some(seed::PAT_VALID),
        true,
    ));
    assert_eq!(status, 200, "{repos}");
    assert_eq!(repos["count"], json!(seed::ADO_REPOS.len()));
    assert_eq!(
        repos["value"][0]["project"]["name"],
        json!(seed::ADO_PROJECT)
    );
    // The PAT is for acme only.
    assert_eq!(
        env.ado_get("/lonely/_apis/connectionData", Some(seed::PAT_VALID), true)
            .status()
            .as_u16(),
        401
    );
}

#[test]
fn a_pat_without_code_scope_passes_connection_data_but_gets_401_on_repositories() {
    let env = Env::start();
    let pat = Some(seed::PAT_NO_CODE_SCOPE);
    assert_eq!(
        env.ado_get("/acme/_apis/connectionData", pat, true)
            .status()
            .as_u16(),
        200
    );
    let repositories = "/acme/_apis/git/repositories?api-version=7.1";
    let (status, body) = status_json(env.ado_get(repositories, pat, true));
    assert_eq!(status, 401);
    assert_eq!(body["typeKey"], "UnauthorizedRequestException");
    assert!(
        body["message"].as_str().unwrap().starts_with("VS403403"),
        "{body}"
    );
    // Older servers answered 403: the knob brings that back.
    env.sb.with_world(|w| w.ado.missing_scope_status = 403);
    assert_eq!(status_json(env.ado_get(repositories, pat, true)).0, 403);
    // The Code scope passes.
    let valid = env.ado_get(repositories, Some(seed::PAT_VALID), true);
    assert_eq!(valid.status().as_u16(), 200);
}

#[test]
fn a_pat_for_all_accessible_organizations_is_refused_everywhere() {
    let env = Env::start();
    let pat = Some(seed::GLOBAL_PAT);
    for path in [
        "/acme/_apis/connectionData",
        "/acme/_apis/git/repositories?api-version=7.1",
    ] {
        let (status, body) = status_json(env.ado_get(path, pat, true));
        assert_eq!(status, 401, "{path}");
        assert_eq!(body["typeKey"], "UnauthorizedRequestException", "{path}");
        assert!(body["message"].as_str().unwrap().starts_with("TF400813"));
    }
    // Without `X-TFS-FedAuthRedirect: Suppress`, the usual trap: 203 and a sign-in page.
    let trap = env.ado_get("/acme/_apis/connectionData", pat, false);
    assert_eq!(trap.status().as_u16(), 203);
}

#[test]
fn a_bad_pat_is_401_with_suppress_and_203_html_without() {
    let env = Env::start();
    let path = "/acme/_apis/connectionData";
    for pat in [seed::PAT_EXPIRED, "unknown-pat"] {
        let suppressed = env.ado_get(path, Some(pat), true);
        assert_eq!(suppressed.status().as_u16(), 401);
        assert_eq!(
            suppressed.headers()["x-vss-resourcetenant"],
            seed::TENANT_ID
        );
        let plain = env.ado_get(path, Some(pat), false);
        assert_eq!(plain.status().as_u16(), 203);
        assert!(plain.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        assert!(plain.text().unwrap().contains("Sign In"));
    }
}

#[test]
fn the_server_collection_takes_pats_and_refuses_newer_api_versions() {
    let env = Env::start();
    let collection = seed::ADO_SERVER_COLLECTION_PATH;
    let anonymous = env.ado_get(&format!("{collection}/_apis/connectionData"), None, true);
    assert_eq!(anonymous.status().as_u16(), 401);
    assert!(anonymous.headers().get("x-vss-resourcetenant").is_none());
    let (status, data) = status_json(env.ado_get(
        &format!("{collection}/_apis/connectionData"),
        Some(seed::PAT_VALID),
        true,
    ));
    assert_eq!(status, 200);
    assert_eq!(data["deploymentType"], json!("onPremises"));
    let (status, repos) = status_json(env.ado_get(
        &format!("{collection}/_apis/git/repositories?api-version=7.0"),
        Some(seed::PAT_VALID),
        true,
    ));
    assert_eq!(status, 200, "{repos}");
    assert_eq!(repos["value"][0]["name"], json!(seed::ADO_SERVER_REPOS[0]));
    let (status, body) = status_json(env.ado_get(
        &format!("{collection}/_apis/git/repositories?api-version=7.1"),
        Some(seed::PAT_VALID),
        true,
    ));
    assert_eq!(status, 400);
    assert!(
        body["message"].as_str().unwrap().contains("out of range"),
        "{body}"
    );
}
