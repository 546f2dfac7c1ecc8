//! Faults, latency, the request log and the HTTP control endpoints.

use std::time::{Duration, Instant};

use ado_scm_sandbox::{hash_secret, seed, Fault, FaultKind, Sandbox};
use serde_json::json;

use crate::support::{assert_connect_error, basic, Env};

#[test]
fn status_faults_answer_like_the_service_then_wear_off() {
    let env = Env::start();
    env.sb.inject(Fault::new(
        Some("gitpod"),
        "ListRunners",
        FaultKind::Status(503),
        1,
    ));
    env.sb.inject(Fault::new(
        Some("gitpod"),
        "GetRunner",
        FaultKind::Status(429),
        2,
    ));
    let list = || env.rpc(seed::ALICE_API_KEY, "RunnerService/ListRunners", json!({}));
    assert_connect_error(list(), 503, "unavailable");
    assert_eq!(list().0, 200);

    let get = || {
        env.http
            .post(format!(
                "{}/gitpod.v1.RunnerService/GetRunner",
                env.sb.gitpod_url()
            ))
            .bearer_auth(seed::ALICE_API_KEY)
            .header("Content-Type", "application/json")
            .body(json!({"runnerId": seed::RUNNER_READY_ID}).to_string())
            .send()
            .unwrap()
    };
    for _ in 0..2 {
        let throttled = get();
        assert_eq!(throttled.status().as_u16(), 429);
        assert_eq!(throttled.headers()["ratelimit-retryafter"], "2");
        assert_eq!(
            throttled.json::<serde_json::Value>().unwrap()["code"],
            json!("resource_exhausted")
        );
    }
    assert_eq!(get().status().as_u16(), 200);

    // Other services answer in their own shape.
    env.sb.inject(Fault::new(
        Some("ado"),
        "connectionData",
        FaultKind::Status(503),
        1,
    ));
    let ado = env.ado_get("/acme/_apis/connectionData", Some(seed::PAT_VALID), true);
    assert_eq!(ado.status().as_u16(), 503);
    assert!(ado.json::<serde_json::Value>().unwrap()["message"].is_string());

    let faulted: Vec<_> = env
        .sb
        .requests()
        .into_iter()
        .filter(|r| r.fault.is_some())
        .collect();
    assert_eq!(faulted.len(), 4);
    assert_eq!(faulted[0].fault.as_deref(), Some("status 503"));
}

#[test]
fn reset_closes_the_connection_unanswered_and_delay_waits() {
    let env = Env::start();
    env.sb
        .inject(Fault::new(None, "ListRunners", FaultKind::Reset, 1));
    let result = env
        .http
        .post(format!(
            "{}/gitpod.v1.RunnerService/ListRunners",
            env.sb.gitpod_url()
        ))
        .bearer_auth(seed::ALICE_API_KEY)
        .header("Content-Type", "application/json")
        .body("{}")
        .send();
    assert!(
        result.is_err(),
        "expected a broken connection, got {result:?}"
    );
    let logged = env.sb.requests();
    assert_eq!(logged.last().unwrap().fault.as_deref(), Some("reset"));
    assert_eq!(logged.last().unwrap().status, None);

    env.sb
        .inject(Fault::new(Some("ado"), "", FaultKind::Delay(300), 1));
    let started = Instant::now();
    assert_eq!(env.ado_get("/acme", None, true).status().as_u16(), 401);
    assert!(started.elapsed() >= Duration::from_millis(300));

    env.sb.set_latency_ms(150);
    let started = Instant::now();
    env.rpc(
        seed::ALICE_API_KEY,
        "IdentityService/GetAuthenticatedIdentity",
        json!({}),
    );
    assert!(started.elapsed() >= Duration::from_millis(150));
}

#[test]
fn the_log_keeps_requests_with_secrets_hashed() {
    let env = Env::start();
    env.alice(
        "RunnerConfigurationService/CreateHostAuthenticationToken",
        json!({
            "runnerId": seed::RUNNER_READY_ID,
            "host": "dev.azure.com",
            "token": seed::PAT_VALID,
            "refreshToken": "a-refresh-token",
            "source": "HOST_AUTHENTICATION_TOKEN_SOURCE_PAT",
            "subject": {"id": seed::ALICE_USER_ID, "principal": "PRINCIPAL_USER"},
        }),
    );
    env.ado_get("/acme/_apis/connectionData", Some(seed::PAT_VALID), true);

    let log = env.sb.requests();
    let create = log
        .iter()
        .find(|r| r.path.ends_with("CreateHostAuthenticationToken"))
        .unwrap();
    assert_eq!(create.service, "gitpod");
    assert_eq!(create.method, "POST");
    assert_eq!(create.status, Some(200));
    assert_eq!(
        create.headers["authorization"],
        format!("Bearer {}", hash_secret(seed::ALICE_API_KEY))
    );
    let body = create.body.as_ref().unwrap();
    assert_eq!(body["token"], json!(hash_secret(seed::PAT_VALID)));
    assert_eq!(body["refreshToken"], json!(hash_secret("a-refresh-token")));
    assert_eq!(body["host"], json!("dev.azure.com"));

    let ado = env.sb.requests_to("ado");
    assert_eq!(
        ado[0].headers["authorization"],
        format!("Basic :{}", hash_secret(seed::PAT_VALID))
    );
    assert_eq!(ado[0].headers["x-tfs-fedauthredirect"], "Suppress");

    let everything = serde_json::to_string(&log).unwrap();
    for secret in [
        seed::PAT_VALID,
        seed::ALICE_API_KEY,
        "a-refresh-token",
        basic(seed::PAT_VALID).as_str(),
    ] {
        assert!(!everything.contains(secret), "{secret} leaked into the log");
    }
    // The state dump keeps no secret in clear either.
    let state = env.sb.state().to_string();
    for secret in [
        seed::PAT_VALID,
        seed::ALICE_API_KEY,
        seed::SEEDED_APP_SECRET,
    ] {
        assert!(!state.contains(secret), "{secret} leaked into the state");
    }
}

#[test]
fn http_control_endpoints_work_on_every_listener() {
    let env = Env::start();
    let root = env.sb.gitpod_url().trim_end_matches("/api").to_string();
    for base in [
        root.clone(),
        env.sb.authority_url(),
        env.sb.graph_url(),
        env.sb.ado_url(),
    ] {
        let state: serde_json::Value = env
            .http
            .get(format!("{base}/_sandbox/state"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert_eq!(
            state["gitpod"]["runners"].as_array().unwrap().len(),
            3,
            "{base}"
        );
    }
    let added = env
        .http
        .post(format!("{}/_sandbox/faults", env.sb.ado_url()))
        .json(&json!({"service": "gitpod", "path_contains": "ListRunners", "kind": {"status": 503}, "times": 1}))
        .send()
        .unwrap();
    assert_eq!(added.status().as_u16(), 200);
    assert_connect_error(
        env.rpc(seed::ALICE_API_KEY, "RunnerService/ListRunners", json!({})),
        503,
        "unavailable",
    );

    let requests: serde_json::Value = env
        .http
        .get(format!("{root}/_sandbox/requests"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        requests.as_array().unwrap().len(),
        1,
        "control calls are not logged: {requests}"
    );

    env.alice(
        "RunnerConfigurationService/DeleteSCMIntegration",
        json!({"id": seed::INTEGRATION_ENTRA_ID}),
    );
    let reset = env
        .http
        .post(format!("{root}/_sandbox/reset"))
        .send()
        .unwrap();
    assert_eq!(reset.status().as_u16(), 200);
    assert!(env.sb.requests().is_empty());
    env.alice(
        "RunnerConfigurationService/GetSCMIntegration",
        json!({"id": seed::INTEGRATION_ENTRA_ID}),
    );

    let bad = env
        .http
        .post(format!("{root}/_sandbox/faults"))
        .json(&json!({"kind": "explode"}))
        .send()
        .unwrap();
    assert_eq!(bad.status().as_u16(), 400);
}

#[test]
fn env_points_at_the_listeners_and_drop_stops_them() {
    let sb = Sandbox::start();
    let env: std::collections::HashMap<_, _> = sb.env().into_iter().collect();
    assert_eq!(env["ADO_SCM_GITPOD_URL"], sb.gitpod_url());
    assert!(sb.gitpod_url().ends_with("/api"));
    assert_eq!(env["ADO_SCM_AUTHORITY_URL"], sb.authority_url());
    assert_eq!(env["ADO_SCM_GRAPH_URL"], sb.graph_url());
    assert_eq!(env["ADO_SCM_ADO_URL"], sb.ado_url());
    let addr = sb.ado_url().trim_start_matches("http://").to_string();
    assert!(std::net::TcpStream::connect(&addr).is_ok());
    drop(sb);
    // Give the runtime's threads a moment to let go of the socket.
    let deadline = Instant::now() + Duration::from_secs(5);
    while std::net::TcpStream::connect(&addr).is_ok() {
        assert!(Instant::now() < deadline, "listener still open after drop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_429_says_when_to_come_back_in_each_service_s_own_way() {
    use base64::Engine as _;
    let env = Env::start();
    for service in ["gitpod", "entra", "graph", "ado"] {
        env.sb
            .inject(Fault::new(Some(service), "", FaultKind::Status(429), 1).retry_after_secs(7));
    }
    let gitpod = env
        .http
        .post(format!(
            "{}/gitpod.v1.RunnerService/ListRunners",
            env.sb.gitpod_url()
        ))
        .bearer_auth(seed::ALICE_API_KEY)
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(gitpod.status().as_u16(), 429);
    assert_eq!(gitpod.headers()["ratelimit-retryafter"], "7");
    assert!(gitpod.headers().get("retry-after").is_none());
    let body: serde_json::Value = gitpod.json().unwrap();
    assert_eq!(body["code"], "resource_exhausted");
    assert_eq!(body["details"][0]["type"], "google.rpc.RetryInfo");
    let value = body["details"][0]["value"].as_str().unwrap();
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(value)
        .unwrap();
    // RetryInfo { retry_delay (1): Duration { seconds (1): 7 } }
    assert_eq!(bytes, [0x0a, 0x02, 0x08, 0x07]);

    let entra = env
        .http
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            env.sb.authority_url(),
            seed::TENANT_ID
        ))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .unwrap();
    assert_eq!(entra.status().as_u16(), 429);
    assert_eq!(entra.headers()["retry-after"], "7");
    let graph = env
        .http
        .get(format!("{}/v1.0/applications", env.sb.graph_url()))
        .send()
        .unwrap();
    assert_eq!(graph.status().as_u16(), 429);
    assert_eq!(graph.headers()["retry-after"], "7");
    let graph: serde_json::Value = graph.json().unwrap();
    assert_eq!(graph["error"]["code"], "TooManyRequests");
    let ado = env.ado_get("/acme/_apis/connectionData", Some(seed::PAT_VALID), true);
    assert_eq!(ado.status().as_u16(), 429);
    assert_eq!(ado.headers()["retry-after"], "7");
}

#[test]
fn after_faults_let_the_write_happen_and_lose_the_answer() {
    let env = Env::start();
    env.sb.inject(Fault::new(
        Some("gitpod"),
        "CreateHostAuthenticationToken",
        FaultKind::StatusAfter(503),
        1,
    ));
    let create = json!({
        "runnerId": seed::RUNNER_READY_ID,
        "host": "dev.azure.com",
        "token": seed::PAT_VALID,
        "source": "HOST_AUTHENTICATION_TOKEN_SOURCE_PAT",
        "subject": {"id": seed::ALICE_USER_ID, "principal": "PRINCIPAL_USER"},
    });
    let answer = env.rpc(
        seed::ALICE_API_KEY,
        "RunnerConfigurationService/CreateHostAuthenticationToken",
        create,
    );
    assert_connect_error(answer, 503, "unavailable");
    let alice_token = || {
        env.sb.state()["gitpod"]["hostTokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["subject"]["id"] == seed::ALICE_USER_ID)
            .cloned()
    };
    let token = alice_token().expect("the write happened");

    env.sb.inject(Fault::new(
        Some("gitpod"),
        "DeleteHostAuthenticationToken",
        FaultKind::ResetAfter,
        1,
    ));
    let dropped = env
        .http
        .post(format!(
            "{}/gitpod.v1.RunnerConfigurationService/DeleteHostAuthenticationToken",
            env.sb.gitpod_url()
        ))
        .bearer_auth(seed::ALICE_API_KEY)
        .header("Content-Type", "application/json")
        .body(json!({"id": token["id"]}).to_string())
        .send();
    assert!(
        dropped.is_err(),
        "expected a broken connection: {dropped:?}"
    );
    assert!(alice_token().is_none(), "the delete happened");

    let log = env.sb.requests();
    let faults: Vec<(Option<&str>, Option<u16>)> =
        log.iter().map(|r| (r.fault.as_deref(), r.status)).collect();
    assert_eq!(
        faults,
        vec![
            (Some("status_after 503"), Some(503)),
            (Some("reset_after"), None)
        ]
    );
}

#[test]
fn method_and_skip_pick_exactly_one_request() {
    let env = Env::start();
    env.sb.inject(
        Fault::new(Some("ado"), "connectionData", FaultKind::Status(503), 1)
            .method("get")
            .skip(1),
    );
    let get = || {
        env.ado_get("/acme/_apis/connectionData", Some(seed::PAT_VALID), true)
            .status()
            .as_u16()
    };
    let head = || {
        env.http
            .head(format!("{}/acme/_apis/connectionData", env.sb.ado_url()))
            .header("Authorization", basic(seed::PAT_VALID))
            .header("X-TFS-FedAuthRedirect", "Suppress")
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(head(), 200, "another method does not match");
    assert_eq!(get(), 200, "the first GET is let through");
    assert_eq!(get(), 503, "the second GET is hit");
    assert_eq!(get(), 200, "then the fault is used up");
    assert!(env.sb.state()["faults"].as_array().unwrap().is_empty());
}

#[test]
fn logged_requests_carry_when_they_started_and_finished() {
    let env = Env::start();
    env.sb
        .inject(Fault::new(Some("ado"), "", FaultKind::Delay(120), 1));
    env.ado_get("/acme", None, true);
    env.rpc(seed::ALICE_API_KEY, "RunnerService/ListRunners", json!({}));
    let log = env.sb.requests();
    assert_eq!(log.len(), 2);
    assert!(log[0].finished_ms - log[0].started_ms >= 120, "{log:?}");
    // One after the other: the second started once the first had finished.
    assert!(log[1].started_ms >= log[0].finished_ms, "{log:?}");
    assert!(log[1].finished_ms >= log[1].started_ms);
    let json = serde_json::to_value(&log[0]).unwrap();
    assert!(json["started_ms"].is_u64() && json["finished_ms"].is_u64());
}
