//! The defaults a sign-in saves (runner, host, organization in `config.toml`) are saved only when
//! the sign-in succeeded: a PAT that Azure DevOps rejects, or that the runner refuses, leaves the
//! file as it was (absent, or byte for byte and mode for mode).

use ado_scm_sandbox::{seed, Fault, FaultKind};

use crate::support::{text, TestEnv, LOGIN_PAT_ARGS};

/// `login pat` of the standard arguments (dev.azure.com, organization `acme`) with `pat` on stdin.
fn login_pat(env: &TestEnv, pat: &str) -> std::process::Output {
    env.cmd()
        .args(LOGIN_PAT_ARGS)
        .arg("--with-token")
        .write_stdin(format!("{pat}\n"))
        .output()
        .unwrap()
}

/// The config file's bytes and permission bits, or `None` when there is none.
fn config_file(env: &TestEnv) -> Option<(Vec<u8>, u32)> {
    use std::os::unix::fs::PermissionsExt;
    let bytes = std::fs::read(env.config_path()).ok()?;
    let mode = std::fs::metadata(env.config_path())
        .unwrap()
        .permissions()
        .mode();
    Some((bytes, mode & 0o777))
}

#[test]
fn a_rejected_pat_saves_no_defaults() {
    let env = TestEnv::new();
    let out = login_pat(&env, seed::PAT_EXPIRED);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(config_file(&env), None, "a config file was written");
    // Nothing else appeared where the config goes either.
    let left: Vec<_> = std::fs::read_dir(env.config_dir())
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_rejected_pat_leaves_the_saved_defaults_as_they_were() {
    let env = TestEnv::new();
    // A successful sign-in on the Server host saves its defaults.
    env.login_pat_for(seed::ADO_SERVER_HOST, "DefaultCollection")
        .success();
    let before = config_file(&env).expect("the successful sign-in saved its defaults");
    let saved = String::from_utf8_lossy(&before.0).into_owned();
    assert!(saved.contains(seed::ADO_SERVER_HOST), "{saved}");

    // A sign-in with other answers that Azure DevOps rejects changes nothing of it.
    let out = login_pat(&env, seed::PAT_EXPIRED);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(config_file(&env), Some(before.clone()));

    // Nor does one the runner refuses after Azure DevOps accepted the PAT.
    env.sandbox.inject(Fault::new(
        Some("gitpod"),
        "CreateHostAuthenticationToken",
        FaultKind::Status(409),
        1,
    ));
    let out = login_pat(&env, seed::PAT_VALID);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(config_file(&env), Some(before));
}

#[test]
fn unknown_keys_in_the_config_file_are_named_under_v_when_it_is_saved_and_only_they() {
    let env = TestEnv::new();
    std::fs::create_dir_all(env.config_dir()).unwrap();
    let said = |config: &str| {
        std::fs::write(env.config_path(), config).unwrap();
        let out = env
            .cmd()
            .arg("-v")
            .args(LOGIN_PAT_ARGS)
            .arg("--with-token")
            .write_stdin(format!("{}\n", seed::PAT_VALID))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stderr)
            .lines()
            .filter(|l| l.contains("unknown keys"))
            .map(|l| l.trim().to_string())
            .collect::<Vec<_>>()
    };
    let known = format!("runner = \"{}\"\n", seed::RUNNER_READY_ID);
    assert_eq!(
        said(&format!("{known}colour = \"red\"\n")),
        [format!(
            "WARN config file {} has unknown keys, ignored: colour",
            env.config_path().display()
        )]
    );
    // Kept, as the file is saved with the new defaults.
    let saved = std::fs::read_to_string(env.config_path()).unwrap();
    assert!(saved.contains("colour = \"red\""), "{saved}");
    assert_eq!(said(&known), Vec::<String>::new());
}
