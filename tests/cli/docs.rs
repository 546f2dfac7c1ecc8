//! The committed completions and man pages match the CLI definition.

use std::path::Path;

#[test]
fn completions_and_man_pages_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let fresh = tempfile::tempdir().unwrap();
    ado_scm::commands::completions::write_all(fresh.path()).unwrap();
    for dir in ["completions", "man"] {
        let mut want: Vec<_> = std::fs::read_dir(fresh.path().join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        want.sort();
        for name in &want {
            let generated = std::fs::read(fresh.path().join(dir).join(name)).unwrap();
            let committed = std::fs::read(root.join(dir).join(name)).unwrap_or_default();
            assert!(
                generated == committed,
                "{dir}/{} is stale: run `cargo run --example gen-docs` and commit the result",
                name.to_string_lossy()
            );
        }
        let mut have: Vec<_> = std::fs::read_dir(root.join(dir))
            .map(|d| d.map(|e| e.unwrap().file_name()).collect())
            .unwrap_or_default();
        have.sort();
        assert_eq!(
            have, want,
            "{dir}/ holds files the CLI no longer generates: run `cargo run --example gen-docs`"
        );
    }
}

#[test]
fn cli_definition_is_consistent() {
    use clap::CommandFactory;
    let cmd = ado_scm::cli::Cli::command();
    cmd.clone().debug_assert();
    fn every_arg_has_help(cmd: &clap::Command, path: &str) {
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if id == "help" || id == "version" {
                continue;
            }
            assert!(arg.get_help().is_some(), "{path} --{id} has no help text");
        }
        for sub in cmd.get_subcommands() {
            assert!(
                sub.get_about().is_some(),
                "{path} {} has no description",
                sub.get_name()
            );
            every_arg_has_help(sub, &format!("{path} {}", sub.get_name()));
        }
    }
    every_arg_has_help(&cmd, "ado-scm");
}

#[test]
fn completions_command_prints_the_committed_scripts() {
    use ado_scm::commands::completions::{completion_file_name, SHELLS};
    let env = crate::support::TestEnv::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for shell in SHELLS {
        let out = env
            .cmd()
            .args(["completions", &shell.to_string()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "completions {shell}");
        let committed =
            std::fs::read(root.join("completions").join(completion_file_name(shell))).unwrap();
        assert!(
            out.stdout == committed,
            "`ado-scm completions {shell}` differs from completions/{}",
            completion_file_name(shell)
        );
    }
}
