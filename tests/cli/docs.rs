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

/// The committed man pages, as (file name, text with roff's `\-` and font escapes undone).
fn man_pages() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let mut pages: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let roff = std::fs::read_to_string(&path).unwrap();
            let plain = roff
                .replace("\\-", "-")
                .replace("\\fB", "")
                .replace("\\fI", "")
                .replace("\\fR", "");
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                plain,
            )
        })
        .collect();
    pages.sort();
    pages
}

#[test]
fn man_pages_have_examples_exit_status_environment_and_files() {
    let pages = man_pages();
    assert!(pages.len() >= 10, "{pages:?}");
    for (name, page) in &pages {
        let sections: Vec<&str> = page
            .lines()
            .filter_map(|line| line.strip_prefix(".SH "))
            .map(|heading| heading.trim_matches('"'))
            .collect();
        for wanted in [
            "NAME",
            "SYNOPSIS",
            "OPTIONS",
            "GLOBAL OPTIONS",
            "EXAMPLES",
            "EXIT STATUS",
            "ENVIRONMENT",
            "FILES",
        ] {
            assert!(
                sections.contains(&wanted),
                "{name} has no {wanted} section: {sections:?}"
            );
        }
        let examples = page.split(".SH EXAMPLES").nth(1).unwrap();
        assert!(
            examples.contains("ado-scm "),
            "{name}: EXAMPLES holds no command"
        );
        assert!(page.contains("\n130\n"), "{name}: EXIT STATUS lacks 130");
        assert!(
            page.contains("\nGITPOD_API_KEY, ONA_API_KEY\n"),
            "{name}: ENVIRONMENT lacks the API key"
        );
        assert!(
            page.contains("\n$XDG_CONFIG_HOME/ado-scm/config.toml\n"),
            "{name}: FILES lacks the config"
        );
    }
    let setup = &pages
        .iter()
        .find(|(n, _)| n == "ado-scm-setup.1")
        .unwrap()
        .1;
    assert!(setup.contains("\nADO_SCM_CLIENT_SECRET\n") && setup.contains("\nADO_SCM_RUNNER\n"));
}

#[test]
fn man_pages_refer_only_to_pages_that_exist() {
    let pages = man_pages();
    let names: Vec<String> = pages.iter().map(|(name, _)| name.clone()).collect();
    let mut references = 0;
    for (name, page) in &pages {
        // Every `word(1)` in the page: a reference to another manual page.
        for (at, _) in page.match_indices("(1)") {
            let word: String = page[..at]
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if word.is_empty() {
                continue;
            }
            references += 1;
            assert!(
                names.contains(&format!("{word}.1")),
                "{name} refers to {word}(1), which does not exist"
            );
        }
    }
    assert!(
        references > 10,
        "no references found: the parsing is broken"
    );
}
