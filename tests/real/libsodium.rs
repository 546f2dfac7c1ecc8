//! libsodium itself (PyNaCl's `SealedBox`, `scripts/check-sealed-box.py`) opens what
//! `ado-scm secret seal` prints. The library-level round trip both ways is `src/seal.rs`'s
//! `libsodium_opens_what_we_seal_and_we_open_what_it_seals`, which `scripts/e2e` runs too.

use std::io::Write as _;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::components::{require_pynacl, PYTHON};
use crate::support::{text, TestEnv};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/check-sealed-box.py");

#[test]
#[ignore = "needs libsodium (PyNaCl, Debian python3-nacl); run scripts/e2e"]
fn libsodium_opens_what_secret_seal_prints() {
    require_pynacl();
    let env = TestEnv::new();
    let keys: Value = serde_json::from_slice(
        &Command::new(PYTHON)
            .args([SCRIPT, "keygen"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let out = env
        .cmd()
        .args([
            "secret",
            "seal",
            "--public-key",
            keys["public_key"].as_str().unwrap(),
        ])
        .write_stdin("hunter2 with spaces\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let sealed = text(&out.stdout);
    let mut open = Command::new(PYTHON)
        .args([
            SCRIPT,
            "open",
            "--private-key",
            keys["private_key"].as_str().unwrap(),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    open.stdin
        .take()
        .unwrap()
        .write_all(sealed.as_bytes())
        .unwrap();
    let out = open.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "hunter2 with spaces");
}
