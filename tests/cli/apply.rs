//! `ado-scm apply` and `export` against the sandbox: a fleet of eleven runners (two sharing an
//! app registration, one Azure DevOps Server) applied from nothing, applied again (no request
//! that changes anything), changed (an entry edited, one added, one removed with `--prune`),
//! under a fault in one entry (the others converge, a re-run finishes the job), exported and
//! applied back (nothing changes); bad files are exit 2 with file, line and column, and send
//! nothing.

use std::path::PathBuf;

use ado_scm_sandbox::{seed, Breakage, Fault, FaultKind};
use serde_json::Value;

use crate::setup::{apps_named, callback};
use crate::support::{run_json, stdout_json, text, TestEnv};

const SHARED_APP: &str = "Ona runners (shared)";

/// A sandbox with eleven more ready runners (`runner-003` … `runner-013`), and the admin's
/// Graph token.
fn fleet_env() -> (TestEnv, String, Vec<String>) {
    let env = TestEnv::new();
    let ids = env.sandbox.add_ready_runners(11, false);
    let token = env.admin_graph_token();
    (env, token, ids)
}

/// The fleet: runners 003 to 012 (ten), 003 and 004 sharing one app, 006 with OAuth only,
/// 007 with PAT only, 012 on Azure DevOps Server and on dev.azure.com (PAT only).
fn fleet_file() -> String {
    let mut text = String::from("[defaults]\norg = \"acme\"\n");
    for n in 3..=11 {
        text.push_str(&format!(
            "\n[[integration]]\nrunner = \"runner-{n:03}\"\nhost = \"dev.azure.com/acme\"\n"
        ));
        match n {
            3 | 4 => text.push_str(&format!("app_name = \"{SHARED_APP}\"\n")),
            6 => text.push_str("pat = false\n"),
            7 => text.push_str("oauth = false\n"),
            _ => {}
        }
    }
    text.push_str(
        "\n[[integration]]\nrunner = \"runner-012\"\nserver = true\nhost = \"ado.example.com\"\n\n\
         [[integration]]\nrunner = \"runner-012\"\nhost = \"dev.azure.com/acme\"\noauth = false\n",
    );
    text
}

fn write(env: &TestEnv, name: &str, text: &str) -> PathBuf {
    let path = env.home.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// `apply -f FILE --non-interactive --json` with the Graph token, plus `extra`:
/// (exit code, the JSON document, stderr).
fn apply(env: &TestEnv, token: &str, file: &PathBuf, extra: &[&str]) -> (i32, Value, String) {
    let mut cmd = env.cmd();
    cmd.env("ADO_SCM_GRAPH_TOKEN", token)
        .args(["apply", "--non-interactive", "--json", "-f"])
        .arg(file)
        .args(extra);
    run_json(cmd)
}

fn apply_ok(env: &TestEnv, token: &str, file: &PathBuf, extra: &[&str]) -> Value {
    let (code, doc, stderr) = apply(env, token, file, extra);
    assert_eq!(code, 0, "{doc:#}\n{stderr}");
    doc
}

/// The Azure DevOps integrations the sandbox holds for a runner.
fn ado_integrations(env: &TestEnv, runner_id: &str) -> Vec<Value> {
    env.integrations_of(runner_id)
        .into_iter()
        .filter(|i| i["scmId"].as_str().unwrap().starts_with("azuredevops"))
        .collect()
}

fn secret_names(app: &Value) -> Vec<String> {
    let mut names: Vec<String> = app["passwordCredentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["displayName"].as_str().unwrap_or_default().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn a_fleet_is_applied_from_nothing_then_again_without_a_change() {
    let (env, token, ids) = fleet_env();
    let file = write(&env, "fleet.toml", &fleet_file());
    let doc = apply_ok(&env, &token, &file, &[]);
    assert_eq!(doc["dry_run"], false);
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 11);
    assert!(
        results.iter().all(|r| r["integration"] == "created"),
        "{doc:#}"
    );

    // Every runner has its integration; the Server one with its virtual directory, PAT only.
    for id in &ids[..10] {
        assert!(!ado_integrations(&env, id).is_empty(), "{id}");
    }
    let r012 = ado_integrations(&env, &ids[9]);
    assert_eq!(r012.len(), 2);
    let server = r012
        .iter()
        .find(|i| i["host"] == "ado.example.com")
        .unwrap();
    assert_eq!(server["scmId"], "azuredevops_server");
    assert_eq!(server["virtualDirectory"], "/tfs");
    assert_eq!(server["oauth"], Value::Null);
    assert!(
        ado_integrations(&env, &ids[10]).is_empty(),
        "runner-013 is not in the file"
    );

    // Runners 003 and 004 share one app: a redirect URI and a secret each.
    let shared = apps_named(&env, SHARED_APP);
    assert_eq!(shared.len(), 1, "{shared:#?}");
    let shared = &shared[0];
    let mut uris: Vec<String> =
        serde_json::from_value(shared["web"]["redirectUris"].clone()).unwrap();
    uris.sort();
    let mut expected = vec![callback(&env, &ids[0]), callback(&env, &ids[1])];
    expected.sort();
    assert_eq!(uris, expected);
    let mut names = vec![format!("ado-scm {}", ids[0]), format!("ado-scm {}", ids[1])];
    names.sort();
    assert_eq!(secret_names(shared), names);
    for id in &ids[..2] {
        assert_eq!(
            ado_integrations(&env, id)[0]["oauth"]["clientId"],
            shared["appId"]
        );
    }
    // The others have an app of their own (PAT-only ones none).
    assert_eq!(
        apps_named(&env, "Ona runner runner-005 (Azure DevOps)").len(),
        1
    );
    assert!(apps_named(&env, "Ona runner runner-007 (Azure DevOps)").is_empty());
    let r006 = &ado_integrations(&env, &ids[3])[0];
    assert_eq!(
        (r006["pat"].clone(), r006["oauth"].is_object()),
        (Value::Bool(false), true)
    );

    // Again: nothing changes, nothing is created.
    env.sandbox.clear_requests();
    let doc = apply_ok(&env, &token, &file, &[]);
    env.assert_nothing_changed();
    let results = doc["results"].as_array().unwrap();
    assert!(
        results.iter().all(|r| r["integration"] == "unchanged"),
        "{doc:#}"
    );
}

#[test]
fn a_changed_file_edits_adds_and_with_prune_removes() {
    let (env, token, ids) = fleet_env();
    let file = write(&env, "fleet.toml", &fleet_file());
    apply_ok(&env, &token, &file, &[]);
    let server_id = ado_integrations(&env, &ids[9])
        .into_iter()
        .find(|i| i["host"] == "ado.example.com")
        .unwrap()["id"]
        .clone();
    let before = env.state();

    // runner-006 gets PAT back; runner-013 is added; runner-012's Server entry goes.
    let changed = fleet_file()
        .replace(
            "runner = \"runner-006\"\nhost = \"dev.azure.com/acme\"\npat = false\n",
            "runner = \"runner-006\"\nhost = \"dev.azure.com/acme\"\npat = true\n",
        )
        .replace(
            "\n[[integration]]\nrunner = \"runner-012\"\nserver = true\nhost = \"ado.example.com\"\n",
            "",
        )
        + "\n[[integration]]\nrunner = \"runner-013\"\nhost = \"dev.azure.com/acme\"\n";
    let file = write(&env, "changed.toml", &changed);

    // In a script, --prune needs --yes: refused before anything changes.
    env.sandbox.clear_requests();
    let (code, _, stderr) = apply(&env, &token, &file, &["--prune"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.starts_with("error: --prune would remove 1 integration(s)"),
        "{stderr}"
    );
    env.assert_nothing_sent_that_changes();

    let doc = apply_ok(&env, &token, &file, &["--prune", "--yes"]);
    let by_runner = |id: &str| {
        doc["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["runner_id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(by_runner(&ids[3])["integration"], "updated");
    assert_eq!(ado_integrations(&env, &ids[3])[0]["pat"], true);
    assert_eq!(by_runner(&ids[10])["integration"], "created");
    assert_eq!(ado_integrations(&env, &ids[10]).len(), 1);
    assert_eq!(doc["pruned"][0]["integration_id"], server_id);
    assert_eq!(doc["pruned"][0]["removed"], true);
    let r012 = ado_integrations(&env, &ids[9]);
    assert_eq!(r012.len(), 1, "the Server integration is gone: {r012:#?}");
    assert_eq!(r012[0]["host"], "dev.azure.com/acme");
    // The other entries did not move: their apps are as they were.
    let after = env.state();
    for name in [SHARED_APP, "Ona runner runner-005 (Azure DevOps)"] {
        let find = |state: &Value| {
            state["directory"]["applications"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["displayName"] == name)
                .cloned()
        };
        assert_eq!(find(&before), find(&after), "{name}");
    }
    let deletes = env.gitpod_calls("DeleteSCMIntegration");
    assert_eq!(deletes.len(), 1);
}

#[test]
fn a_fault_in_one_entry_stops_only_it_and_a_rerun_finishes_the_job() {
    let (env, token, ids) = fleet_env();
    let file = write(&env, "fleet.toml", &fleet_file());
    // The fourth integration to be created is refused, whichever entry it is.
    env.sandbox.inject(
        Fault::new(
            Some("gitpod"),
            "CreateSCMIntegration",
            FaultKind::Status(400),
            1,
        )
        .skip(3),
    );
    let (code, doc, stderr) = apply(&env, &token, &file, &[]);
    assert_eq!(code, 4, "{stderr}");
    let results = doc["results"].as_array().unwrap();
    let failed: Vec<&Value> = results.iter().filter(|r| r["error"].is_object()).collect();
    assert_eq!(failed.len(), 1, "{doc:#}");
    assert_eq!(
        results
            .iter()
            .filter(|r| r["integration"] == "created")
            .count(),
        10
    );
    let first = stderr.lines().next().unwrap();
    assert!(
        first.starts_with("error: apply: 1 of 11 entries failed"),
        "{first}"
    );

    let doc = apply_ok(&env, &token, &file, &[]);
    let failed_runner = failed[0]["runner_id"].as_str().unwrap();
    let redone = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["integration"] == "created")
        .collect::<Vec<_>>();
    assert_eq!(redone.len(), 1, "{doc:#}");
    assert_eq!(redone[0]["runner_id"], failed_runner);
    // Converged: one integration per entry, one secret per runner on each app.
    for id in &ids[..9] {
        assert_eq!(ado_integrations(&env, id).len(), 1, "{id}");
    }
    let shared = &apps_named(&env, SHARED_APP)[0];
    assert_eq!(secret_names(shared).len(), 2, "{shared:#}");
    env.sandbox.clear_requests();
    apply_ok(&env, &token, &file, &[]);
    env.assert_nothing_changed();
}

#[test]
fn rotating_one_runners_secret_on_a_shared_app_leaves_the_others() {
    let (env, token, ids) = fleet_env();
    let file = write(&env, "fleet.toml", &fleet_file());
    apply_ok(&env, &token, &file, &[]);
    let secret_of = |id: &str| {
        apps_named(&env, SHARED_APP)[0]["passwordCredentials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["displayName"] == format!("ado-scm {id}"))
            .unwrap()["keyId"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (old_003, old_004) = (secret_of(&ids[0]), secret_of(&ids[1]));
    assert!(env.sandbox.apply_breakage(Breakage::AgeSecret {
        key_id: old_003.clone(),
        days: 10
    }));
    let rotating = fleet_file().replace(
        "org = \"acme\"\n",
        "org = \"acme\"\nrotate_before_days = 30\n",
    );
    let file = write(&env, "rotating.toml", &rotating);
    let doc = apply_ok(&env, &token, &file, &[]);
    let rotated: Vec<&Value> = doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["oauth"]["secret"] == "rotated")
        .collect();
    assert_eq!(rotated.len(), 1, "{doc:#}");
    assert_eq!(rotated[0]["runner_id"], ids[0].as_str());
    assert_ne!(secret_of(&ids[0]), old_003);
    assert_eq!(
        secret_of(&ids[1]),
        old_004,
        "the other runner's secret is untouched"
    );
    let shared = &apps_named(&env, SHARED_APP)[0];
    assert_eq!(secret_names(shared).len(), 2);
    assert_eq!(shared["web"]["redirectUris"].as_array().unwrap().len(), 2);
}

#[test]
fn export_prints_a_file_that_apply_accepts_and_that_changes_nothing() {
    let (env, token, ids) = fleet_env();
    let file = write(&env, "fleet.toml", &fleet_file());
    apply_ok(&env, &token, &file, &[]);
    let out = env.cmd().arg("export").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let exported = text(&out.stdout);
    // The seeded runner's two integrations, and the fleet's eleven.
    assert_eq!(
        exported.matches("[[integration]]").count(),
        13,
        "{exported}"
    );
    assert!(
        exported.contains(&format!("runner = \"runner-012\"  # {}", ids[9])),
        "{exported}"
    );
    assert!(
        exported.contains("server = true\nvirtual_directory = \"/tfs\""),
        "{exported}"
    );
    let path = write(&env, "exported.toml", &exported);

    env.sandbox.clear_requests();
    let doc = apply_ok(&env, &token, &path, &[]);
    env.assert_nothing_changed();
    assert_eq!(doc["results"].as_array().unwrap().len(), 13);

    let one = env
        .cmd()
        .args(["export", "--runner", "runner-006"])
        .output()
        .unwrap();
    let one = text(&one.stdout);
    assert_eq!(one.matches("[[integration]]").count(), 1, "{one}");
    assert!(one.contains("pat = false"), "{one}");
}

#[test]
fn a_dry_run_prints_the_plan_and_every_request_and_sends_none_that_changes() {
    let (env, token, _) = fleet_env();
    let file = write(&env, "fleet.toml", &fleet_file());
    let (code, doc, stderr) = apply(&env, &token, &file, &["--dry-run"]);
    assert_eq!(code, 0, "{stderr}");
    env.assert_nothing_sent_that_changes();
    assert_eq!(doc["dry_run"], true);
    assert!(doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["dry_run"] == true));
    assert!(stderr.contains("CreateSCMIntegration"), "{stderr}");
    assert!(
        stderr.contains("── runner-003 · dev.azure.com/acme"),
        "{stderr}"
    );
    let out = env
        .cmd()
        .env("ADO_SCM_GRAPH_TOKEN", &token)
        .args(["apply", "--non-interactive", "--dry-run", "-f"])
        .arg(&file)
        .output()
        .unwrap();
    let plan = text(&out.stdout);
    assert!(plan.contains("  + runner-012 · ado.example.com"), "{plan}");
    assert!(
        plan.contains("11 to create, 0 to change, 0 unchanged."),
        "{plan}"
    );
}

#[test]
fn in_a_script_each_entry_gets_a_plain_progress_line() {
    let (env, token, _) = fleet_env();
    let file = write(&env, "fleet.toml", &fleet_file());
    let (_, _, stderr) = apply(&env, &token, &file, &[]);
    for n in 3..=11 {
        let line = format!("  runner-{n:03} · dev.azure.com/acme");
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&line) && l.contains("created the integration")),
            "{line}\n{stderr}"
        );
    }
    assert!(
        stderr.contains("Setting up 11 runner integration(s), 4 at a time:"),
        "{stderr}"
    );
}

#[test]
fn turning_a_method_off_in_a_script_needs_yes() {
    let (env, token, _) = fleet_env();
    let file = write(&env, "fleet.toml", &fleet_file());
    apply_ok(&env, &token, &file, &[]);
    let off = fleet_file().replace(
        "runner = \"runner-005\"\nhost = \"dev.azure.com/acme\"\n",
        "runner = \"runner-005\"\nhost = \"dev.azure.com/acme\"\npat = false\n",
    );
    let file = write(&env, "off.toml", &off);
    env.sandbox.clear_requests();
    let (code, _, stderr) = apply(&env, &token, &file, &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("turning PAT off deletes every developer's PAT"),
        "{stderr}"
    );
    env.assert_nothing_sent_that_changes();
    let doc = apply_ok(&env, &token, &file, &["--yes"]);
    assert!(doc["results"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["integration"] == "updated"));
}

/// Runs apply on a bad file: exit 2, the first stderr line naming FILE:LINE:COLUMN.
fn refused(env: &TestEnv, body: &str) -> String {
    let path = write(env, "bad.toml", body);
    let out = env
        .cmd()
        .args(["apply", "--non-interactive", "--json", "-f"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stdout_json(&out)["error"]["kind"], "usage");
    let first = stderr.lines().next().unwrap().to_string();
    assert!(
        first.starts_with(&format!("error: {}:", path.display())),
        "{first}"
    );
    first.replacen(&format!("error: {}:", path.display()), "", 1)
}

#[test]
fn a_bad_file_is_exit_2_with_its_place_and_sends_nothing() {
    let env = TestEnv::new();
    let entry = "[[integration]]\nrunner = \"fresh-runner\"\nhost = \"dev.azure.com/acme\"\n";
    let unknown = refused(&env, &format!("{entry}secret_days = 3\n"));
    assert!(
        unknown.starts_with("4:1: unknown field `secret_days`"),
        "{unknown}"
    );
    let wrong = refused(&env, &format!("{entry}oauth = \"yes\"\n"));
    assert!(wrong.starts_with("4:9: invalid type: string"), "{wrong}");
    let twice = refused(&env, &format!("{entry}\n{entry}"));
    assert_eq!(
        twice,
        "6:10: runner fresh-runner and host dev.azure.com/acme are already set up by the entry at "
            .to_string()
            + &format!("{}:2:10", env.home.path().join("bad.toml").display())
    );
    assert!(env.requests().is_empty(), "{:#?}", env.requests());

    // An unknown runner needs the list of runners, and nothing else.
    let nobody = refused(&env, &entry.replace("fresh-runner", "nobody"));
    assert_eq!(
        nobody,
        "2:10: no runner named `nobody` in your Gitpod organization"
    );
    let sent: Vec<String> = env.requests().iter().map(|r| r.path.clone()).collect();
    assert_eq!(sent, ["/api/gitpod.v1.RunnerService/ListRunners"]);
    // The same runner by name and by id.
    env.sandbox.clear_requests();
    let twin = refused(
        &env,
        &format!(
            "{entry}\n{}",
            entry.replace("fresh-runner", seed::RUNNER_FRESH_ID)
        ),
    );
    assert!(twin.starts_with("6:10: runner 01900000"), "{twin}");
    env.assert_nothing_sent_that_changes();
}

/// An entry that grants admin consent needs a sign-in that may write consent grants, which
/// setup's own (remembered) sign-in may not: a script is told so before anything changes; with
/// a remembered sign-in that may (setup `--grant-admin-consent` made it), apply asks it for that
/// permission and makes the grants.
#[test]
fn an_entry_granting_consent_asks_the_sign_in_for_the_grant_permission() {
    let env = TestEnv::new();
    let (code, _, stderr) = crate::setup::setup_by_device_code(&env, &[]);
    assert_eq!(code, 0, "{stderr}");
    let file = write(
        &env,
        "consent.toml",
        &format!(
            "[[integration]]\nrunner = \"{}\"\nhost = \"dev.azure.com/acme\"\n\
             grant_admin_consent = true\n",
            seed::RUNNER_FRESH_NAME
        ),
    );
    let apply = || {
        env.cmd()
            .args(["apply", "--non-interactive", "--yes", "-f"])
            .arg(&file)
            .output()
            .unwrap()
    };
    env.sandbox.clear_requests();
    let out = apply();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("needs a Microsoft Graph sign-in for tenant"),
        "{stderr}"
    );
    assert!(
        stderr.contains("must also hold DelegatedPermissionGrant.ReadWrite.All"),
        "{stderr}"
    );
    env.assert_nothing_sent_that_changes();
    // The remembered sign-in is kept for the runs that ask for less: setup's own scope.
    let out = env
        .cmd()
        .args(crate::support::SETUP_FRESH_ARGS)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let (code, _, stderr) = crate::setup::setup_by_device_code(&env, &["--grant-admin-consent"]);
    assert_eq!(code, 0, "{stderr}");
    // The app's tenant-wide grants undone (the admin's own consent to the Graph tools stays).
    env.sandbox.with_world(|w| {
        (w.directory.oauth2_permission_grants).retain(|g| g.consent_type != "AllPrincipals")
    });
    let out = apply();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let tenant_wide = env.state_items(
        "/directory/oauth2PermissionGrants",
        "consentType",
        "AllPrincipals",
    );
    assert_eq!(tenant_wide.len(), 2, "one per resource: {tenant_wide:#?}");
}
