//! The `ado-scm-sandbox` binary prints the environment and serves.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use ado_scm_sandbox::seed;

#[test]
fn the_binary_prints_exports_and_serves_until_killed() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ado-scm-sandbox"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the sandbox binary");
    let stdout = child.stdout.take().unwrap();
    let lines: Vec<String> = BufReader::new(stdout)
        .lines()
        .take(5)
        .map(|l| l.unwrap())
        .collect();
    let value = |name: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("export {name}=")))
            .unwrap_or_else(|| panic!("{name} in {lines:?}"))
            .to_string()
    };
    assert_eq!(value("GITPOD_API_KEY"), seed::ALICE_API_KEY);
    let gitpod = value("ADO_SCM_GITPOD_URL");
    assert!(
        gitpod.starts_with("http://127.0.0.1:") && gitpod.ends_with("/api"),
        "{gitpod}"
    );
    value("ADO_SCM_AUTHORITY_URL");
    value("ADO_SCM_GRAPH_URL");
    let ado = value("ADO_SCM_ADO_URL");
    let response = reqwest::blocking::get(format!("{ado}/acme")).unwrap();
    assert_eq!(response.status().as_u16(), 401);
    child.kill().unwrap();
    child.wait().unwrap();

    let bad = Command::new(env!("CARGO_BIN_EXE_ado-scm-sandbox"))
        .arg("--port-base")
        .arg("nope")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn realistic_turns_the_typical_realism_on() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ado-scm-sandbox"))
        .arg("--realistic")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the sandbox binary");
    let stdout = child.stdout.take().unwrap();
    let ado = BufReader::new(stdout)
        .lines()
        .map(|l| l.unwrap())
        .find_map(|l| {
            l.strip_prefix("export ADO_SCM_ADO_URL=")
                .map(str::to_string)
        })
        .expect("the Azure DevOps URL");
    let state: serde_json::Value = reqwest::blocking::get(format!("{ado}/_sandbox/state"))
        .unwrap()
        .json()
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        state["realism"],
        serde_json::to_value(ado_scm_sandbox::Realism::typical()).unwrap()
    );
}
