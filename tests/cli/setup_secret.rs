//! The client secret `setup` makes, as the tenant holds it: its lifetime is the one asked for
//! (checked against the test's own clock, not against what ado-scm sent), and `--rotate-secret`
//! removes exactly the secret ado-scm made for this runner before, not every secret whose name
//! merely looks like one of ours; a saved secret the runner no longer accepts is replaced. A
//! lost or refused answer to adding or removing a secret leaves exactly the secrets it should,
//! and the expiry reported is the one of the secret the runner holds.

use ado_scm_sandbox::{seed, Fault, FaultKind, LoggedRequest};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::setup::{fresh_app, graph, our_secret_name, password_names, run_ok, setup};
use crate::support::{run_json, TestEnv};

/// The app's only secret named `name`, as the tenant holds it.
fn the_secret_named<'a>(app: &'a Value, name: &str) -> &'a Value {
    let secrets = app["passwordCredentials"].as_array().unwrap();
    let ours: Vec<_> = secrets
        .iter()
        .filter(|p| p["displayName"] == name)
        .collect();
    assert_eq!(ours.len(), 1, "{secrets:#?}");
    ours[0]
}

/// The end date of the app's secret named `name`, as the tenant holds it.
fn end_of(app: &Value, name: &str) -> DateTime<Utc> {
    let end = the_secret_named(app, name)["endDateTime"].as_str().unwrap();
    DateTime::parse_from_rfc3339(end)
        .unwrap()
        .with_timezone(&Utc)
}

/// `end` lies `days` days after a moment between `before` and `after` (the run), give or take
/// the second the tenant rounds to.
fn assert_lifetime(end: DateTime<Utc>, days: i64, before: DateTime<Utc>, after: DateTime<Utc>) {
    let earliest = before + Duration::days(days) - Duration::seconds(1);
    let latest = after + Duration::days(days) + Duration::seconds(1);
    assert!(
        earliest <= end && end <= latest,
        "the secret ends {end}, not {days} days after the run ({before} … {after})"
    );
}

/// A first setup of the fresh runner: the sandbox, the admin's Graph token, the app it made.
fn set_up() -> (TestEnv, String, Value) {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    run_ok(setup(&env, &token, &[]));
    let app = fresh_app(&env);
    (env, token, app)
}

#[test]
fn a_new_secret_lives_as_many_days_as_asked() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    let before = Utc::now();
    let (doc, _) = run_ok(setup(&env, &token, &["--secret-expiry-days", "30"]));
    let after = Utc::now();
    let end = end_of(&fresh_app(&env), &our_secret_name());
    assert_lifetime(end, 30, before, after);
    // The summary reports that expiry, not another.
    let reported =
        DateTime::parse_from_rfc3339(doc["oauth"]["secret_expires_at"].as_str().unwrap()).unwrap();
    assert!(
        (reported.with_timezone(&Utc) - end).num_seconds().abs() <= 1,
        "{doc}"
    );

    // A rotated secret too.
    let before = Utc::now();
    run_ok(setup(
        &env,
        &token,
        &["--rotate-secret", "--secret-expiry-days", "45"],
    ));
    let after = Utc::now();
    let end = end_of(&fresh_app(&env), &our_secret_name());
    assert_lifetime(end, 45, before, after);
}

#[test]
fn rotate_secret_removes_only_the_secret_named_for_this_runner() {
    let (env, token, app) = set_up();
    let object_id = app["id"].as_str().unwrap().to_string();
    let (old_key, _) = password_names(&app)[0].clone();
    // Secrets whose names start like ours: another runner's, a look-alike, and an admin's own.
    let look_alikes = [
        format!("ado-scm {}", seed::RUNNER_READY_ID),
        "ado-scm-foo".to_string(),
        "admin's".to_string(),
    ];
    for name in &look_alikes {
        graph(
            &env,
            &token,
            reqwest::Method::POST,
            &format!("applications/{object_id}/addPassword"),
            Some(json!({"passwordCredential": {"displayName": name}})),
        );
    }
    let before: Vec<(String, String)> = password_names(&fresh_app(&env));
    env.sandbox.clear_requests();

    let (doc, _) = run_ok(setup(&env, &token, &["--rotate-secret"]));
    assert_eq!(doc["oauth"]["secret"], "rotated");

    // Exactly one removal, of the old secret of ours; every look-alike is still there, as it was.
    let removes: Vec<_> = env
        .mutating_requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/removePassword"))
        .collect();
    assert_eq!(removes.len(), 1, "{removes:#?}");
    assert_eq!(removes[0].body.as_ref().unwrap()["keyId"], old_key);
    let after = password_names(&fresh_app(&env));
    for kept in before.iter().filter(|(key, _)| *key != old_key) {
        assert!(after.contains(kept), "{kept:?} was removed: {after:#?}");
    }
    let ours: Vec<_> = after
        .iter()
        .filter(|(_, name)| *name == our_secret_name())
        .collect();
    assert_eq!(ours.len(), 1, "{after:#?}");
    assert_ne!(ours[0].0, old_key, "a new secret of ours");
    assert_eq!(after.len(), look_alikes.len() + 1, "{after:#?}");
}

/// The hash of the app's secret named `name` (what the sandbox keeps of a secret's text).
fn hash_of(app: &Value, name: &str) -> Value {
    the_secret_named(app, name)["secretHash"].clone()
}

#[test]
fn a_saved_secret_the_runner_calls_invalid_is_replaced_by_a_new_one() {
    let (env, token, app) = set_up();
    let object_id = app["id"].as_str().unwrap().to_string();
    let (old_key, _) = password_names(&app)[0].clone();
    let old_hash = hash_of(&app, &our_secret_name());
    let saved = |env: &TestEnv| env.integrations_of(seed::RUNNER_FRESH_ID)[0].clone();
    assert_eq!(saved(&env)["oauth"]["clientSecretHash"], old_hash);
    // An admin removes the secret in the Entra admin center, behind ado-scm's back: the
    // runner's sealed copy of it no longer signs in.
    graph(
        &env,
        &token,
        reqwest::Method::POST,
        &format!("applications/{object_id}/removePassword"),
        Some(json!({"keyId": old_key})),
    );
    env.sandbox.clear_requests();

    let (doc, stderr) = run_ok(setup(&env, &token, &[]));
    assert!(
        stderr.contains("the saved configuration does not validate"),
        "{stderr}"
    );
    assert_eq!(doc["oauth"]["secret"], "rotated", "{doc:#}");
    assert_eq!(doc["integration"], "updated", "{doc:#}");
    // A new secret of ours in the tenant, and the integration holds it, not the invalid one.
    let adds: Vec<_> = env
        .mutating_requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/addPassword"))
        .collect();
    assert_eq!(adds.len(), 1, "{adds:#?}");
    let app = fresh_app(&env);
    let new_hash = hash_of(&app, &our_secret_name());
    assert_ne!(new_hash, old_hash);
    assert_eq!(saved(&env)["oauth"]["clientSecretHash"], new_hash);
    assert!(
        password_names(&app).iter().all(|(key, _)| *key != old_key),
        "{app:#}"
    );

    // The runner accepts what it holds now: the next run keeps it and changes nothing.
    env.sandbox.clear_requests();
    let (again, _) = run_ok(setup(&env, &token, &[]));
    assert_eq!(again["oauth"]["secret"], "reused", "{again:#}");
    assert_eq!(saved(&env)["oauth"]["clientSecretHash"], new_hash);
}

/// The secret and integration writes of the log, in order: `addPassword`, `removePassword KEY`,
/// `UpdateSCMIntegration`.
fn secret_steps(requests: &[LoggedRequest]) -> Vec<String> {
    requests
        .iter()
        .filter_map(|r| {
            let last = r.path.rsplit('/').next().unwrap_or_default();
            match last {
                "addPassword" | "UpdateSCMIntegration" => Some(last.to_string()),
                "removePassword" => Some(format!(
                    "removePassword {}",
                    r.body.as_ref().unwrap()["keyId"].as_str().unwrap()
                )),
                _ => None,
            }
        })
        .collect()
}

/// The keys of the fresh app's secrets named for this runner.
fn our_keys(env: &TestEnv) -> Vec<String> {
    password_names(&fresh_app(env))
        .into_iter()
        .filter(|(_, name)| *name == our_secret_name())
        .map(|(key, _)| key)
        .collect()
}

#[test]
fn add_password_lost_or_refused_leaves_no_stray_and_the_old_secret_until_the_runner_holds_the_new()
{
    let (env, token, _) = set_up();
    let old_key = our_keys(&env)[0].clone();

    // The secret is made but its answer is lost: the one made unseen is removed before one
    // more is asked for, and the old secret goes only once the integration holds the new one.
    env.sandbox.clear_requests();
    env.sandbox.inject(
        Fault::new(
            Some("graph"),
            "/addPassword",
            FaultKind::StatusAfter(503),
            1,
        )
        .method("POST"),
    );
    let (doc, _) = run_ok(setup(&env, &token, &["--rotate-secret"]));
    assert_eq!(doc["oauth"]["secret"], "rotated", "{doc:#}");
    let ours = our_keys(&env);
    assert_eq!(ours.len(), 1, "{ours:?}");
    let new_key = ours[0].clone();
    assert_ne!(new_key, old_key);
    let steps = secret_steps(&env.requests());
    assert_eq!(steps.len(), 5, "{steps:#?}");
    assert_eq!(steps[0], "addPassword");
    let stray = steps[1]
        .strip_prefix("removePassword ")
        .expect("the stray removed");
    assert!(stray != old_key && stray != new_key, "{steps:#?}");
    assert_eq!(
        steps[2..],
        [
            "addPassword".to_string(),
            "UpdateSCMIntegration".to_string(),
            format!("removePassword {old_key}"),
        ],
        "{steps:#?}"
    );

    // Refused outright (no secret made): nothing is read back or asked again, nothing changes.
    env.sandbox.clear_requests();
    env.sandbox.inject(
        Fault::new(Some("graph"), "/addPassword", FaultKind::Status(403), 1).method("POST"),
    );
    let (code, _, stderr) = run_json(setup(&env, &token, &["--rotate-secret"]));
    assert_ne!(code, 0, "{stderr}");
    assert_eq!(secret_steps(&env.requests()), ["addPassword"], "{stderr}");
    assert_eq!(our_keys(&env), [new_key]);
}

#[test]
fn remove_password_lost_missing_or_refused_removes_the_old_secret_exactly_once_or_says_so() {
    let (env, token, _) = set_up();
    let rotate = |fault: FaultKind| {
        let old_key = our_keys(&env)[0].clone();
        env.sandbox.clear_requests();
        env.sandbox
            .inject(Fault::new(Some("graph"), "/removePassword", fault, 1).method("POST"));
        let (code, _, stderr) = run_json(setup(&env, &token, &["--rotate-secret"]));
        let removals: Vec<String> = secret_steps(&env.requests())
            .into_iter()
            .filter(|s| s.starts_with("removePassword"))
            .collect();
        (code, stderr, old_key, removals)
    };

    // The removal happened but its answer was lost: the app read back shows it gone, it is
    // not asked again.
    let (code, stderr, old_key, removals) = rotate(FaultKind::StatusAfter(503));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(removals, [format!("removePassword {old_key}")]);
    assert!(!password_names(&fresh_app(&env))
        .iter()
        .any(|(k, _)| *k == old_key));

    // A 404 while the secret is still there (Graph's replicas): read back, removed again.
    let (code, stderr, old_key, removals) = rotate(FaultKind::Status(404));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(removals, vec![format!("removePassword {old_key}"); 2]);
    assert!(!password_names(&fresh_app(&env))
        .iter()
        .any(|(k, _)| *k == old_key));

    // Refused: not asked again; the run fails and the old secret is still on the app.
    let (code, stderr, old_key, removals) = rotate(FaultKind::Status(403));
    assert_ne!(code, 0, "{stderr}");
    assert_eq!(removals, [format!("removePassword {old_key}")]);
    assert!(password_names(&fresh_app(&env))
        .iter()
        .any(|(k, _)| *k == old_key));
}

/// The end date of the seeded app's secret, as the tenant holds it.
fn seeded_secret_end(env: &TestEnv) -> Value {
    let apps = crate::setup::apps_named(env, seed::SEEDED_APP_DISPLAY_NAME);
    apps[0]["passwordCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["keyId"] == seed::SEEDED_APP_SECRET_KEY_ID)
        .unwrap()["endDateTime"]
        .clone()
}

fn expiry_reported(doc: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(doc["oauth"]["secret_expires_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn the_expiry_reported_is_the_one_of_the_secret_the_runner_holds() {
    let env = TestEnv::new();
    let token = env.admin_graph_token();
    let seeded_end = seeded_secret_end(&env);
    let seeded_end = DateTime::parse_from_rfc3339(seeded_end.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc);
    let bring_the_seeded_secret = || {
        let mut cmd = setup(
            &env,
            &token,
            &[
                "--client-id",
                seed::SEEDED_APP_CLIENT_ID,
                "--client-secret-stdin",
            ],
        );
        cmd.write_stdin(format!("{}\n", seed::SEEDED_APP_SECRET));
        run_ok(cmd).0
    };
    // The admin's secret, the app's only one.
    assert_eq!(expiry_reported(&bring_the_seeded_secret()), seeded_end);

    // Beside another secret with another end: still the admin's, found by its hint.
    let other = graph(
        &env,
        &token,
        reqwest::Method::POST,
        &format!("applications/{}/addPassword", seed::SEEDED_APP_OBJECT_ID),
        Some(json!({"passwordCredential": {"displayName": "another",
            "endDateTime": (seeded_end - Duration::days(100)).to_rfc3339()}})),
    );
    assert_eq!(expiry_reported(&bring_the_seeded_secret()), seeded_end);

    // Kept by a later run (the runner still validates it): the app's only secret, again.
    graph(
        &env,
        &token,
        reqwest::Method::POST,
        &format!("applications/{}/removePassword", seed::SEEDED_APP_OBJECT_ID),
        Some(json!({"keyId": other["keyId"]})),
    );
    let (doc, _) = run_ok(setup(&env, &token, &[]));
    assert_eq!(doc["oauth"]["secret"], "reused", "{doc:#}");
    assert_eq!(expiry_reported(&doc), seeded_end);
}

#[test]
fn a_kept_secret_of_ours_reports_its_own_end_beside_another() {
    let (env, token, app) = set_up();
    let ours_end = end_of(&app, &our_secret_name());
    // An admin's own secret on the same app, ending later.
    graph(
        &env,
        &token,
        reqwest::Method::POST,
        &format!("applications/{}/addPassword", app["id"].as_str().unwrap()),
        Some(json!({"passwordCredential": {"displayName": "admin's",
            "endDateTime": (ours_end + Duration::days(100)).to_rfc3339()}})),
    );
    let (doc, _) = run_ok(setup(&env, &token, &[]));
    assert_eq!(doc["oauth"]["secret"], "reused", "{doc:#}");
    assert_eq!(expiry_reported(&doc), ours_end);
}
