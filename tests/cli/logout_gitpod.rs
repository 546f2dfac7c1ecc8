//! `logout --gitpod` forgets the stored Gitpod token, and says what it cannot do: a token from the
//! environment is the caller's to unset.

use ado_scm_sandbox::seed;

use crate::support::{text, TestEnv};

const UNSET_IT: &str = "GITPOD_API_KEY is set in your environment: unset it yourself.";

#[test]
fn a_token_from_the_environment_is_left_to_the_caller_to_unset() {
    let env = TestEnv::new();
    let out = env.cmd().args(["logout", "--gitpod"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stderr).contains(UNSET_IT),
        "{}",
        text(&out.stderr)
    );

    // A stored token is forgotten, with nothing to unset.
    env.store_gitpod_token(seed::ALICE_API_KEY);
    let out = env
        .bare_cmd()
        .args(["logout", "--gitpod"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!said.contains(UNSET_IT), "{said}");
    assert!(
        said.contains("Forgot the stored Gitpod API token."),
        "{said}"
    );
}

/// The `--store file` notice.
const PLAIN_FILE: &str = "secrets are kept in a plain file";

#[test]
fn the_plain_file_store_is_announced_once_per_run_and_not_with_quiet() {
    let env = TestEnv::new();
    // A run that reads the store, then keeps the token it was given there.
    let run = |quiet: bool| {
        let mut cmd = env.bare_cmd();
        if quiet {
            cmd.arg("-q");
        }
        cmd.args(["--gitpod-token-stdin", "status", "--runner"])
            .arg(seed::RUNNER_READY_ID)
            .write_stdin(format!("{}\n", seed::ALICE_API_KEY))
            .output()
            .unwrap()
    };
    let out = run(false);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.matches(PLAIN_FILE).count(), 1, "{stderr}");
    let stored = env.config_dir().join("credentials.toml");
    std::fs::remove_file(&stored).expect("the token was kept in the file");

    let out = run(true);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(!stderr.contains(PLAIN_FILE), "-q: {stderr}");
    assert!(stored.exists(), "-q keeps the token all the same");
}
