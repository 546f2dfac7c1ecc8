//! A service behind a private certificate authority (an Azure DevOps Server or a proxy of a
//! company's own): the Gitpod API served over HTTPS with a certificate only the test authority
//! of `tests/fixtures/tls` signed. Trusted when that authority is given (`--ca-cert`,
//! `ADO_SCM_CA_CERT`, or `SSL_CERT_FILE` in place of the system's); refused otherwise, at once
//! (never retried) and with the hint that names `--ca-cert`.

use std::net::SocketAddr;
use std::process::Output;

use ado_scm_sandbox::seed;
use ado_scm_test_support::tls_front::{test_authority_pem, TlsFront};

use crate::support::{stdout_json, text, TestEnv};

/// HTTPS in front of the sandbox's Gitpod API.
fn https_gitpod(env: &TestEnv) -> TlsFront {
    let plain = url::Url::parse(&env.sandbox.gitpod_url()).unwrap();
    let upstream: SocketAddr = format!("{}:{}", plain.host_str().unwrap(), plain.port().unwrap())
        .parse()
        .unwrap();
    TlsFront::start(upstream)
}

/// `status --json -v` for the ready runner with the Gitpod API at `front`, plus `setting`
/// (an environment variable, or a flag when its name starts with `--`).
fn status(env: &TestEnv, front: &TlsFront, setting: Option<(&str, &str)>) -> Output {
    let mut cmd = env.cmd();
    cmd.env("ADO_SCM_GITPOD_URL", format!("{}/api", front.url()))
        .args(["status", "--runner", seed::RUNNER_READY_ID, "--json", "-v"]);
    match setting {
        Some((flag, value)) if flag.starts_with("--") => cmd.args([flag, value]),
        Some((name, value)) => cmd.env(name, value),
        None => &mut cmd,
    };
    cmd.output().unwrap()
}

#[test]
fn the_private_authority_is_trusted_when_given_by_flag_variable_or_ssl_cert_file() {
    let authority = test_authority_pem();
    let authority = authority.to_str().unwrap();
    for setting in [
        ("--ca-cert", authority),
        ("ADO_SCM_CA_CERT", authority),
        ("SSL_CERT_FILE", authority),
    ] {
        let env = TestEnv::new();
        let front = https_gitpod(&env);
        let out = status(&env, &front, Some(setting));
        // Exit 3: Alice is not signed in to the runner's hosts (what status found out through
        // the HTTPS API).
        assert_eq!(
            out.status.code(),
            Some(3),
            "{setting:?}: {}",
            text(&out.stderr)
        );
        let doc = stdout_json(&out);
        assert!(doc.to_string().contains(seed::RUNNER_READY_ID), "{doc:#}");
        // Every request went through TLS to the sandbox.
        let reached = env.requests().len();
        assert!(reached > 0, "{setting:?}");
        assert_eq!(front.passed_on(), reached, "{setting:?}");
    }
}

#[test]
fn an_untrusted_certificate_is_refused_once_with_the_hint_and_nothing_is_sent() {
    let env = TestEnv::new();
    let front = https_gitpod(&env);
    let out = status(&env, &front, None);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "Gitpod API at {} has a certificate ado-scm does not trust",
            front.url().trim_start_matches("https://")
        )),
        "{stderr}"
    );
    assert!(stderr.contains("pass --ca-cert FILE"), "{stderr}");
    // Each request (status asks two at once) met one refused handshake and was not sent again:
    // the same certificate would come back.
    let attempts: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("→ failed"))
        .map(|line| line.split(" → ").next().unwrap())
        .collect();
    let requests: std::collections::BTreeSet<&str> = attempts.iter().copied().collect();
    assert!(!attempts.is_empty(), "{stderr}");
    assert_eq!(attempts.len(), requests.len(), "asked again: {attempts:#?}");
    assert_eq!(front.connections(), attempts.len(), "{stderr}");
    assert_eq!(front.passed_on(), 0);
    assert!(env.requests().is_empty(), "{:#?}", env.requests());
}
