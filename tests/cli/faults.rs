//! The fault matrix: for every request `setup` and `login pat` make, one run with a single
//! fault on that request — a 429, a 503 before the service acts, a 503 after it acted (a lost
//! answer), a connection dropped before it acts and one dropped after — ends in success or a
//! clear failure (exit 1, 3 or 4, first stderr line `error: …`), and an immediate re-run
//! succeeds and converges: one app, one service principal, one secret made by ado-scm for the
//! runner, one integration; one PAT of the developer's for the host.

use ado_scm_sandbox::{seed, Fault, FaultKind, LoggedRequest};
use serde_json::Value;

use crate::setup::{apps_named, setup};
use crate::support::{text, TestEnv, LOGIN_PAT_ARGS};

const APP_NAME: &str = "Ona runner fresh-runner (Azure DevOps)";

fn kinds() -> [FaultKind; 5] {
    [
        FaultKind::Status(429),
        FaultKind::Status(503),
        FaultKind::StatusAfter(503),
        FaultKind::Reset,
        FaultKind::ResetAfter,
    ]
}

/// What a fault aims at: the request's service and method, and the part of its path that is the
/// same in every run (the text after an object id, or before it: ids are new in each run).
#[derive(Debug, Clone)]
struct Target {
    service: String,
    method: String,
    pattern: String,
}

impl Target {
    fn of(request: &LoggedRequest) -> Target {
        Target {
            service: request.service.clone(),
            method: request.method.clone(),
            pattern: stable_part(&request.path),
        }
    }

    fn matches(&self, request: &LoggedRequest) -> bool {
        request.service == self.service
            && request.method == self.method
            && request.path.contains(&self.pattern)
    }
}

/// The path without its run-specific ids: what follows the last GUID, else what precedes it.
fn stable_part(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut last_guid_end = None;
    let mut first_guid_start = None;
    let mut i = 0;
    while i + 36 <= bytes.len() {
        if ado_scm::guid::is_guid(&path[i..i + 36]) {
            first_guid_start.get_or_insert(i);
            last_guid_end = Some(i + 36);
            i += 36;
        } else {
            i += 1;
        }
    }
    match (first_guid_start, last_guid_end) {
        (Some(_), Some(end)) if path[end..].trim_matches(['\'', ')']).len() > 1 => {
            path[end..].trim_start_matches(['\'', ')']).to_string()
        }
        (Some(start), _) => path[..start].to_string(),
        _ => path.to_string(),
    }
}

/// Every request of a clean run, as targets, each with how many earlier requests its pattern
/// also matches (so the fault skips those and hits exactly this one).
fn targets(log: &[LoggedRequest]) -> Vec<(Target, u32)> {
    log.iter()
        .enumerate()
        .filter(|(_, r)| !r.path.starts_with("/_sandbox"))
        .map(|(k, r)| {
            let target = Target::of(r);
            let skip = log[..k].iter().filter(|e| target.matches(e)).count() as u32;
            (target, skip)
        })
        .collect()
}

fn fault(target: &Target, skip: u32, kind: &FaultKind) -> Fault {
    Fault::new(Some(&target.service), &target.pattern, kind.clone(), 1)
        .method(&target.method)
        .skip(skip)
        .retry_after_secs(1)
}

/// The run ended in success or a clear failure; returns its exit code.
fn ended_clearly(out: &std::process::Output, case: &str) -> i32 {
    let code = out.status.code().unwrap_or(-1);
    let stderr = text(&out.stderr);
    assert!(
        matches!(code, 0 | 1 | 3 | 4),
        "{case}: exit {code}\n{stderr}"
    );
    if code != 0 {
        let first = stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error: "),
            "{case}: first line {first:?}\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{case}\n{stderr}");
    }
    code
}

/// One app, one service principal, one secret of ours, one integration that uses them.
fn assert_setup_converged(env: &TestEnv, case: &str) {
    let apps = apps_named(env, APP_NAME);
    assert_eq!(apps.len(), 1, "{case}: apps {apps:#?}");
    let app = &apps[0];
    let app_id = app["appId"].as_str().unwrap();
    let sps = env.service_principals_of(app_id);
    assert_eq!(sps.len(), 1, "{case}: service principals {sps:#?}");
    let ours = format!("ado-scm {}", seed::RUNNER_FRESH_ID);
    let secrets = app["passwordCredentials"].as_array().unwrap();
    assert_eq!(secrets.len(), 1, "{case}: secrets {secrets:#?}");
    assert_eq!(secrets[0]["displayName"], ours.as_str(), "{case}");
    let integrations = env.integrations_of(seed::RUNNER_FRESH_ID);
    assert_eq!(integrations.len(), 1, "{case}: integrations");
    assert_eq!(integrations[0]["oauth"]["clientId"], app_id, "{case}");
}

#[test]
fn setup_under_any_single_fault_fails_clearly_or_succeeds_and_a_rerun_converges() {
    let clean = TestEnv::new();
    let token = clean.admin_graph_token();
    clean.sandbox.clear_requests();
    assert!(setup(&clean, &token, &[])
        .output()
        .unwrap()
        .status
        .success());
    let targets = targets(&clean.sandbox.requests());
    assert!(targets.len() >= 10, "{targets:#?}");
    let mut cases = 0;
    for (target, skip) in &targets {
        for kind in kinds() {
            let case = format!(
                "{kind:?} on {} {} {} (skip {skip})",
                target.service, target.method, target.pattern
            );
            let env = TestEnv::new();
            let token = env.admin_graph_token();
            env.sandbox.clear_requests();
            env.sandbox.inject(fault(target, *skip, &kind));
            let out = setup(&env, &token, &[]).output().unwrap();
            ended_clearly(&out, &case);
            let hit = env.requests().iter().any(|r| r.fault.is_some());
            assert!(hit, "{case}: the fault never hit");
            let again = setup(&env, &token, &[]).output().unwrap();
            assert_eq!(
                again.status.code(),
                Some(0),
                "{case}: the re-run failed\n{}",
                text(&again.stderr)
            );
            assert_setup_converged(&env, &case);
            cases += 1;
        }
    }
    assert_eq!(cases, targets.len() * kinds().len());
}

#[test]
fn login_pat_under_any_single_fault_fails_clearly_or_succeeds_and_a_rerun_converges() {
    let login = |env: &TestEnv| {
        let mut cmd = env.cmd();
        cmd.args(LOGIN_PAT_ARGS)
            .args(["--with-token", "--json"])
            .write_stdin(seed::PAT_VALID);
        cmd.output().unwrap()
    };
    let clean = TestEnv::new();
    assert!(login(&clean).status.success());
    let targets = targets(&clean.sandbox.requests());
    assert!(targets.len() >= 5, "{targets:#?}");
    for (target, skip) in &targets {
        for kind in kinds() {
            let case = format!(
                "{kind:?} on {} {} {} (skip {skip})",
                target.service, target.method, target.pattern
            );
            let env = TestEnv::new();
            env.sandbox.inject(fault(target, *skip, &kind));
            ended_clearly(&login(&env), &case);
            assert!(
                env.requests().iter().any(|r| r.fault.is_some()),
                "{case}: no hit"
            );
            let again = login(&env);
            assert_eq!(
                again.status.code(),
                Some(0),
                "{case}\n{}",
                text(&again.stderr)
            );
            let mine: Vec<Value> = env
                .host_tokens()
                .into_iter()
                .filter(|t| t["runnerId"] == seed::RUNNER_READY_ID && t["host"] == "dev.azure.com")
                .collect();
            assert_eq!(mine.len(), 1, "{case}: {mine:#?}");
        }
    }
}

#[test]
fn the_stable_part_of_a_path_leaves_out_ids() {
    let id = "0b1ec700-0000-4000-8000-00000000c11e";
    assert_eq!(
        stable_part(&format!("/v1.0/applications/{id}/addPassword")),
        "/addPassword"
    );
    assert_eq!(
        stable_part(&format!("/v1.0/servicePrincipals(appId='{id}')")),
        "/v1.0/servicePrincipals(appId='"
    );
    assert_eq!(
        stable_part(&format!("/v1.0/applications/{id}")),
        "/v1.0/applications/"
    );
    assert_eq!(stable_part("/api/gitpod.v1.X/Y"), "/api/gitpod.v1.X/Y");
}
