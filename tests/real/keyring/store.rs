//! The keyring store against a real Secret Service (gnome-keyring), not a mock. `scripts/e2e`
//! runs these inside `scripts/with-secret-service`, which starts a private D-Bus session with an
//! unlocked gnome-keyring in throw-away directories:
//!
//! ```text
//! scripts/with-secret-service cargo test --test real keyring:: -- --include-ignored
//! ```
//!
//! What is checked: ado-scm's items carry the attributes other tools look for
//! (`service=ado-scm`, `username=<account>`, plus keyring's `target=default` and
//! `application=rust-keyring`), `secret-tool` (libsecret, another process) reads what we stored
//! and we read what it stored, a re-executed copy of this binary reads it back, and a session
//! without a reachable bus gives our "no OS keyring" error.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ado_scm::secret::Secret;
use ado_scm::store::{KeyringStore, SecretKey, SecretStore, KEYRING_SERVICE};

use crate::components::require_secret_service;

/// Set in a re-executed test ([`run_child`]): what the child should find.
const CHILD_URL: &str = "ADO_SCM_KEYRING_CHILD_URL";
const CHILD_EXPECT: &str = "ADO_SCM_KEYRING_CHILD_EXPECT";
const CHILD_NO_BUS: &str = "ADO_SCM_KEYRING_CHILD_NO_BUS";
const CHILD_MARKER: &str = "keyring-child-ran";

/// A key no earlier run can have left behind.
fn unique_key(test: &str) -> SecretKey {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    SecretKey::GitpodToken {
        gitpod_url: format!(
            "https://keyring-test.invalid/{test}/{}-{nanos}",
            std::process::id()
        ),
    }
}

fn store() -> KeyringStore {
    // Generous: the first call may start gnome-keyring's collection on a slow CI machine.
    KeyringStore::new(Duration::from_secs(20))
}

fn secret_tool(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new("secret-tool")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("secret-tool must be installed (libsecret-tools)");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

/// `secret-tool lookup service ado-scm username <account>`: the value, or `None` (exit 1).
fn lookup(account: &str) -> Option<String> {
    let out = secret_tool(
        &["lookup", "service", KEYRING_SERVICE, "username", account],
        None,
    );
    if out.status.success() {
        Some(String::from_utf8(out.stdout).unwrap())
    } else {
        assert_eq!(
            out.status.code(),
            Some(1),
            "secret-tool lookup failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        None
    }
}

/// The items `secret-tool search --all` finds for the account, each with the attributes found
/// (a single item's attributes when there is one, which is what the tests assert).
fn items(account: &str) -> Vec<BTreeMap<String, String>> {
    let out = secret_tool(
        &[
            "search",
            "--all",
            "service",
            KEYRING_SERVICE,
            "username",
            account,
        ],
        None,
    );
    // secret-tool prints each item's header (`[/path]`), label and secret on stdout and its
    // `attribute.NAME = VALUE` lines on stderr, so items are counted from stdout and the
    // attributes (of all items together) read from stderr.
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let count = stdout.lines().filter(|l| l.starts_with('[')).count();
    let mut attributes = BTreeMap::new();
    for line in stderr.lines() {
        if let Some(rest) = line.strip_prefix("attribute.") {
            let (name, value) = rest.split_once(" = ").unwrap();
            attributes.insert(name.to_string(), value.to_string());
        }
    }
    let items = vec![attributes; count];
    items
}

/// Runs the test `name` of this module again, in a new process with `env` added, and checks that
/// it passed and that its child part ran (it printed [`CHILD_MARKER`]). The test finds `env` set
/// and plays the child instead of the parent.
fn run_child(name: &str, env: &[(&str, &str)]) {
    // The test's path in this binary: this module's path without the crate's name.
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let test = format!("{module}::{name}");
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        &test,
        "--include-ignored",
        "--nocapture",
        "--test-threads=1",
    ]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(CHILD_MARKER),
        "the child did not run: {stdout}"
    );
}

#[test]
#[ignore = "needs a Secret Service (gnome-keyring); run scripts/e2e"]
fn stored_items_are_what_secret_tool_sees_and_delete_removes_them() {
    require_secret_service();
    let store = store();
    let key = unique_key("round-trip");
    let account = key.account();

    assert_eq!(store.get(&key).unwrap(), None);
    assert!(!store.delete(&key).unwrap());

    store.set(&key, &Secret::new("first value")).unwrap();
    assert_eq!(store.get(&key).unwrap(), Some(Secret::new("first value")));
    assert_eq!(lookup(&account).as_deref(), Some("first value"));

    let found = items(&account);
    assert_eq!(found.len(), 1, "{found:?}");
    let expected: BTreeMap<String, String> = [
        ("application", "rust-keyring"),
        ("service", KEYRING_SERVICE),
        ("target", "default"),
        ("username", account.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(found[0], expected);

    // Replacing updates the one item; it does not add a second.
    store.set(&key, &Secret::new("second value")).unwrap();
    assert_eq!(lookup(&account).as_deref(), Some("second value"));
    assert_eq!(items(&account).len(), 1);

    assert!(store.delete(&key).unwrap());
    assert_eq!(store.get(&key).unwrap(), None);
    assert_eq!(lookup(&account), None);
    assert!(!store.delete(&key).unwrap());
}

#[test]
#[ignore = "needs a Secret Service (gnome-keyring); run scripts/e2e"]
fn graph_refresh_token_accounts_work_too() {
    require_secret_service();
    let store = store();
    let key = SecretKey::GraphRefreshToken {
        tenant: format!("tenant-{}.onmicrosoft.com", std::process::id()),
        client_id: "14d82eec-204b-4c2f-b7e8-296a70dab67e".into(),
    };
    store.set(&key, &Secret::new("refresh")).unwrap();
    assert_eq!(lookup(&key.account()).as_deref(), Some("refresh"));
    assert!(store.delete(&key).unwrap());
}

#[test]
#[ignore = "needs a Secret Service (gnome-keyring); run scripts/e2e"]
fn we_read_what_another_program_stored() {
    require_secret_service();
    let store = store();
    let key = unique_key("from-secret-tool");
    let account = key.account();
    let out = secret_tool(
        &[
            "store",
            "--label=stored by secret-tool",
            "service",
            KEYRING_SERVICE,
            "username",
            &account,
        ],
        Some("from secret-tool"),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        store.get(&key).unwrap(),
        Some(Secret::new("from secret-tool"))
    );
    assert!(store.delete(&key).unwrap());
    assert_eq!(lookup(&account), None);
}

#[test]
#[ignore = "needs a Secret Service (gnome-keyring); run scripts/e2e"]
fn a_second_process_reads_it_back() {
    if let (Ok(url), Ok(expect)) = (std::env::var(CHILD_URL), std::env::var(CHILD_EXPECT)) {
        // The child, started by the parent below.
        let key = SecretKey::GitpodToken { gitpod_url: url };
        assert_eq!(store().get(&key).unwrap(), Some(Secret::new(expect)));
        println!("{CHILD_MARKER}");
        return;
    }
    require_secret_service();
    let store = store();
    let key = unique_key("second-process");
    let SecretKey::GitpodToken { gitpod_url } = &key else {
        unreachable!()
    };
    store.set(&key, &Secret::new("across processes")).unwrap();

    run_child(
        "a_second_process_reads_it_back",
        &[(CHILD_URL, gitpod_url), (CHILD_EXPECT, "across processes")],
    );
    assert!(store.delete(&key).unwrap());
}

/// Needs no Secret Service (it checks what happens without one), but belongs with the others.
#[test]
#[ignore = "part of the Secret Service suite; run scripts/e2e"]
fn without_a_session_bus_the_error_says_there_is_no_keyring() {
    if std::env::var(CHILD_NO_BUS).as_deref() != Ok("1") {
        run_child(
            "without_a_session_bus_the_error_says_there_is_no_keyring",
            &[
                (
                    "DBUS_SESSION_BUS_ADDRESS",
                    "unix:path=/nonexistent/ado-scm-bus",
                ),
                (CHILD_NO_BUS, "1"),
            ],
        );
        return;
    }
    // The child, on a bus that is not there.
    let key = unique_key("no-bus");
    let err = store().set(&key, &Secret::new("never stored")).unwrap_err();
    assert_eq!(err.exit_code(), 1);
    assert!(
        err.message.starts_with("no OS keyring is available: "),
        "{}",
        err.message
    );
    assert!(
        err.hint.as_deref().unwrap().contains("pass --store file"),
        "{err}"
    );
    assert!(!err.to_string().contains("never stored"));
    let err = store().get(&key).unwrap_err();
    assert!(
        err.message.starts_with("no OS keyring is available: "),
        "{}",
        err.message
    );
    println!("{CHILD_MARKER}: {}", err.message);
}
