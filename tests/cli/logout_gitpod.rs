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
