//! The keyring store against a real Secret Service (gnome-keyring), not a mock.
//!
//! Part of the real-component suite: these tests do nothing unless `ADO_SCM_REAL_KEYRING=1`
//! (also under `CI=true`: the e2e script sets the variable when it has started a keyring).
//! Run them with
//!
//! ```text
//! ADO_SCM_REAL_KEYRING=1 scripts/with-secret-service cargo test --test keyring_real
//! ```
//!
//! which starts a private D-Bus session with an unlocked gnome-keyring in throw-away
//! directories. With the variable set, a missing Secret Service or `secret-tool` is a failure.
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

const ENABLE: &str = "ADO_SCM_REAL_KEYRING";
/// Set in the re-executed child: which test it is serving and what it should find.
const CHILD_URL: &str = "ADO_SCM_KEYRING_CHILD_URL";
const CHILD_EXPECT: &str = "ADO_SCM_KEYRING_CHILD_EXPECT";
const CHILD_MARKER: &str = "keyring-child-ran";

fn enabled() -> bool {
    if std::env::var(ENABLE).as_deref() == Ok("1") {
        return true;
    }
    eprintln!(
        "SKIPPED: real Secret Service tests need {ENABLE}=1 and a running Secret Service; \
         run `{ENABLE}=1 scripts/with-secret-service cargo test --test keyring_real` \
         (apt-get install -y --no-install-recommends gnome-keyring libsecret-tools dbus-x11)"
    );
    false
}

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

/// Runs one test of this binary in a new process with `env` added, and checks that it passed and
/// that its body ran (it printed [`CHILD_MARKER`]).
fn run_child(test: &str, env: &[(&str, &str)]) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", test, "--nocapture", "--test-threads=1"]);
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
fn stored_items_are_what_secret_tool_sees_and_delete_removes_them() {
    if !enabled() {
        return;
    }
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
fn graph_refresh_token_accounts_work_too() {
    if !enabled() {
        return;
    }
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
fn we_read_what_another_program_stored() {
    if !enabled() {
        return;
    }
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
fn a_second_process_reads_it_back() {
    if !enabled() {
        return;
    }
    let store = store();
    let key = unique_key("second-process");
    let SecretKey::GitpodToken { gitpod_url } = &key else {
        unreachable!()
    };
    store.set(&key, &Secret::new("across processes")).unwrap();

    run_child(
        "child_reads_back",
        &[(CHILD_URL, gitpod_url), (CHILD_EXPECT, "across processes")],
    );
    assert!(store.delete(&key).unwrap());
}

/// The child half of `a_second_process_reads_it_back`; does nothing on its own.
#[test]
fn child_reads_back() {
    let (Ok(url), Ok(expect)) = (std::env::var(CHILD_URL), std::env::var(CHILD_EXPECT)) else {
        return;
    };
    let key = SecretKey::GitpodToken { gitpod_url: url };
    assert_eq!(store().get(&key).unwrap(), Some(Secret::new(expect)));
    println!("{CHILD_MARKER}");
}

#[test]
fn without_a_session_bus_the_error_says_there_is_no_keyring() {
    if !enabled() {
        return;
    }
    run_child(
        "child_without_bus",
        &[
            (
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/ado-scm-bus",
            ),
            ("ADO_SCM_KEYRING_CHILD_NO_BUS", "1"),
        ],
    );
}

/// The child half of the test above; does nothing on its own.
#[test]
fn child_without_bus() {
    if std::env::var("ADO_SCM_KEYRING_CHILD_NO_BUS").as_deref() != Ok("1") {
        return;
    }
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
