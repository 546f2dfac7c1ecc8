//! `--help` for every command: its own options apart from the global ones, defaults and ranges,
//! examples at the end; and the suggestions a mistyped subcommand or flag gets.

use crate::support::{text, TestEnv};

/// Every command that has a help page of its own.
const COMMANDS: [&[&str]; 15] = [
    &[],
    &["setup"],
    &["login"],
    &["login", "pat"],
    &["login", "oauth"],
    &["status"],
    &["logout"],
    &["issuer"],
    &["issuer", "check"],
    &["secret", "seal"],
    &["test"],
    &["doctor"],
    &["apply"],
    &["export"],
    &["completions"],
];

fn help(env: &TestEnv, command: &[&str], flag: &str) -> String {
    let out = env.cmd().args(command).arg(flag).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{command:?} {flag}");
    text(&out.stdout)
}

/// The lines of one section of a help page ("Options:", "Global options:", "Examples:").
fn section<'a>(page: &'a str, heading: &str) -> Vec<&'a str> {
    page.lines()
        .skip_while(|line| *line != heading)
        .skip(1)
        .take_while(|line| line.is_empty() || line.starts_with(' '))
        .collect()
}

fn lists_flag(lines: &[&str], flag: &str) -> bool {
    lines
        .iter()
        .any(|line| line.trim_start().split([' ', ',']).any(|word| word == flag))
}

#[test]
fn every_help_lists_global_options_apart_and_ends_with_examples() {
    let env = TestEnv::new();
    for command in COMMANDS {
        for flag in ["-h", "--help"] {
            let page = help(&env, command, flag);
            let global = section(&page, "Global options:");
            let own = section(&page, "Options:");
            for global_flag in [
                "--json",
                "--config",
                "--gitpod-token-stdin",
                "--non-interactive",
            ] {
                assert!(
                    lists_flag(&global, global_flag),
                    "{command:?} {flag}: {global_flag} not under Global options:\n{page}"
                );
                assert!(
                    !lists_flag(&own, global_flag),
                    "{command:?} {flag}: {global_flag} among the own options:\n{page}"
                );
            }
            let examples = section(&page, "Examples:");
            assert!(
                examples
                    .iter()
                    .any(|line| line.trim_start().starts_with("ado-scm ")
                        || line.contains("| ado-scm ")),
                "{command:?} {flag}: no example command:\n{page}"
            );
            assert!(
                page.trim_end()
                    .ends_with(examples.last().unwrap().trim_end()),
                "{command:?} {flag}: the examples are not the end of the help"
            );
        }
    }
    // A command's own flags stay under "Options:".
    let pat = help(&env, &["login", "pat"], "--help");
    assert!(
        lists_flag(&section(&pat, "Options:"), "--with-token"),
        "{pat}"
    );
    let setup = help(&env, &["setup"], "--help");
    assert!(
        lists_flag(&section(&setup, "Options:"), "--dry-run"),
        "{setup}"
    );
    assert!(env.requests().is_empty());
}

/// `text` with its line breaks and runs of spaces as single spaces (help wraps at the terminal).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn help_shows_ranges_and_defaults() {
    let env = TestEnv::new();
    for flag in ["-h", "--help"] {
        let setup = one_line(&help(&env, &["setup"], flag));
        assert!(
            setup.contains("--secret-expiry-days <N> Lifetime of a new client secret, in days (1–730) [default: 365]"),
            "setup {flag}: {setup}"
        );
        let oauth = one_line(&help(&env, &["login", "oauth"], flag));
        assert!(
            oauth.contains("(1–86400) [default: 300]"),
            "login oauth {flag}: {oauth}"
        );
    }
}

/// Runs `args`, expects a usage error (exit 2, nothing sent anywhere), returns stderr.
fn usage_error(env: &TestEnv, args: &[&str]) -> String {
    let out = env.cmd().args(args).output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(env.requests().is_empty(), "{args:?} sent requests");
    stderr
}

#[test]
fn a_mistyped_subcommand_gets_the_nearest_one() {
    let env = TestEnv::new();
    let stderr = usage_error(&env, &["login", "pta"]);
    assert!(
        stderr.contains(
            "error: unrecognized subcommand 'pta'\n\n  tip: a similar subcommand exists: 'pat'\n"
        ),
        "{stderr}"
    );
    let stderr = usage_error(&env, &["stup"]);
    assert!(
        stderr.contains("error: unrecognized subcommand 'stup'\n\n  tip: a similar subcommand exists: 'setup'\n"),
        "{stderr}"
    );
    let stderr = usage_error(&env, &["staus"]);
    assert!(
        stderr.contains("  tip: a similar subcommand exists: 'status'\n"),
        "{stderr}"
    );
}

#[test]
fn a_mistyped_with_token_is_never_pointed_at_the_gitpod_token() {
    let env = TestEnv::new();
    for typo in ["--with-tokne", "--withtoken", "--token", "--token-stdin"] {
        let stderr = usage_error(&env, &["login", "pat", typo]);
        assert!(
            stderr.contains(&format!(
                "error: unexpected argument '{typo}' found\n\n  tip: a similar argument exists: '--with-token'\n"
            )),
            "login pat {typo}: {stderr}"
        );
        assert!(
            !stderr.contains("gitpod-token-stdin"),
            "login pat {typo}: {stderr}"
        );
    }
    // `--with-token` belongs to `login pat`.
    let stderr = usage_error(&env, &["login", "--with-token"]);
    assert!(
        stderr.contains("  tip: 'ado-scm login pat --with-token' exists\n"),
        "{stderr}"
    );
    assert!(!stderr.contains("gitpod-token-stdin"), "{stderr}");
    let stderr = usage_error(&env, &["status", "--with-token"]);
    assert!(!stderr.contains("gitpod-token-stdin"), "{stderr}");
    assert!(
        stderr.contains("Usage: ado-scm status [OPTIONS]"),
        "{stderr}"
    );
    // The global flag is still suggested for its own typos.
    let stderr = usage_error(&env, &["status", "--gitpod-token"]);
    assert!(
        stderr.contains("  tip: a similar argument exists: '--gitpod-token-stdin'\n"),
        "{stderr}"
    );
}
