//! The committed completion scripts (`completions/`) in real shells: each shell starts in a
//! pseudo-terminal with the script loaded the way that shell loads it, a line is typed, Tab is
//! pressed, and the line the shell then runs is read back.
//!
//! `ado-scm` is defined in each shell as a function that prints its arguments, so pressing
//! Enter shows exactly what completion put on the line (shells pick completions by command
//! name, so the function gets the script's completions).
//!
//! A shell that is not installed fails the test, naming what to install
//! (`scripts/install-real-components` installs them all). The harness is `harness.rs` here.
//! PowerShell is not packaged for Debian 12 and has no test here.

use std::path::{Path, PathBuf};

use super::harness::{
    assert_completes, clean_command, fish_init, installed, posix_rc, spawn, PROMPT,
};
use tempfile::TempDir;

fn committed(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("completions")
        .join(file)
}

#[test]
#[ignore = "needs real shells (bash, zsh, fish, elvish); run scripts/e2e"]
fn bash_completes_subcommand_flags_from_the_committed_script() {
    let bash = installed("bash");
    let home = TempDir::new().unwrap();
    let rc = home.path().join("bashrc");
    std::fs::write(
        &rc,
        format!(
            "{}source '{}'\n",
            posix_rc(),
            committed("ado-scm.bash").display()
        ),
    )
    .unwrap();
    let mut cmd = clean_command(&bash, home.path());
    cmd.args(["--noprofile", "--rcfile"]).arg(&rc).arg("-i");
    assert_completes(spawn(cmd), "bash");
}

#[test]
#[ignore = "needs real shells (bash, zsh, fish, elvish); run scripts/e2e"]
fn zsh_completes_subcommand_flags_from_the_committed_script() {
    let zsh = installed("zsh");
    let home = TempDir::new().unwrap();
    // zsh finds `_ado-scm` on its fpath, as in /usr/share/zsh/vendor-completions.
    let functions = home.path().join("functions");
    std::fs::create_dir(&functions).unwrap();
    std::fs::copy(committed("_ado-scm"), functions.join("_ado-scm")).unwrap();
    std::fs::write(
        home.path().join(".zshrc"),
        format!(
            "fpath=('{}' $fpath)\n\
             autoload -Uz compinit && compinit -u -D\n{}",
            functions.display(),
            posix_rc()
        ),
    )
    .unwrap();
    let mut cmd = clean_command(&zsh, home.path());
    // -d: no system-wide startup files, only the .zshrc above.
    cmd.env("ZDOTDIR", home.path()).args(["-d", "-i"]);
    assert_completes(spawn(cmd), "zsh");
}

#[test]
#[ignore = "needs real shells (bash, zsh, fish, elvish); run scripts/e2e"]
fn fish_completes_subcommand_flags_from_the_committed_script() {
    let fish = installed("fish");
    let home = TempDir::new().unwrap();
    let init = fish_init(&format!("source '{}'", committed("ado-scm.fish").display()));
    let mut cmd = clean_command(&fish, home.path());
    cmd.args(["--no-config", "-i", "-C", &init]);
    assert_completes(spawn(cmd), "fish");
}

#[test]
#[ignore = "needs real shells (bash, zsh, fish, elvish); run scripts/e2e"]
fn elvish_completes_subcommand_flags_from_the_committed_script() {
    let elvish = installed("elvish");
    let home = TempDir::new().unwrap();
    let script = std::fs::read_to_string(committed("ado-scm.elv")).unwrap();
    let rc = home.path().join("rc.elv");
    std::fs::write(
        &rc,
        format!(
            "{script}\n\
             set edit:prompt = {{ put '{PROMPT}' }}\n\
             set edit:rprompt = {{ put '' }}\n\
             fn ado-scm {{|@args| echo 'ARGS<'(str:join ' ' $args)'>' }}\n"
        ),
    )
    .unwrap();
    let mut cmd = clean_command(&elvish, home.path());
    cmd.arg("-rc").arg(&rc);
    assert_completes(spawn(cmd), "elvish");
}
