//! The installed Debian package's completions, loaded by each shell on its own: no `source`, no
//! fpath of ours, only what a fresh user's shell does at start-up.
//!
//! scripts/deb-check runs these (`shells::installed::`, `--include-ignored`) after `dpkg -i` of
//! the package built by `cargo deb`, and removes the package afterwards. The shells are driven as
//! in `committed.rs`.

use std::path::Path;

use tempfile::TempDir;

use super::harness::{assert_completes, clean_command, fish_init, installed, posix_rc, spawn};
use crate::components::require;

/// The package `scripts/deb-check` built and installed with `dpkg -i`; the test fails without it.
fn require_installed_package() {
    require(
        Path::new("/usr/bin/ado-scm").is_file(),
        "the installed Debian package (/usr/bin/ado-scm)",
        "run scripts/deb-check, which builds it with cargo deb, installs it, runs these tests and \
         removes it",
    );
}

#[test]
#[ignore = "needs the installed Debian package and real shells; run scripts/deb-check"]
fn a_fresh_bash_completes_from_the_installed_file() {
    require_installed_package();
    let bash = installed("bash");
    // A new user's home, as adduser makes it: Debian's /etc/skel/.bashrc turns on
    // bash-completion, which loads /usr/share/bash-completion/completions/ado-scm on first Tab.
    let home = TempDir::new().unwrap();
    let skel = std::fs::read_to_string("/etc/skel/.bashrc").expect("/etc/skel/.bashrc");
    assert!(
        Path::new("/usr/share/bash-completion/bash_completion").is_file(),
        "bash-completion is not installed (scripts/install-real-components installs it)"
    );
    std::fs::write(
        home.path().join(".bashrc"),
        format!("{skel}\n{}", posix_rc()),
    )
    .unwrap();
    let mut cmd = clean_command(&bash, home.path());
    cmd.arg("-i");
    assert_completes(spawn(cmd), "bash");
}

#[test]
#[ignore = "needs the installed Debian package and real shells; run scripts/deb-check"]
fn a_fresh_zsh_completes_from_the_installed_file() {
    require_installed_package();
    let zsh = installed("zsh");
    // The .zshrc of anyone with completion on (zsh-newuser-install writes the same): compinit
    // finds _ado-scm on zsh's default fpath (/usr/share/zsh/vendor-completions); no fpath of ours.
    let home = TempDir::new().unwrap();
    std::fs::write(
        home.path().join(".zshrc"),
        format!("autoload -Uz compinit && compinit\n{}", posix_rc()),
    )
    .unwrap();
    let mut cmd = clean_command(&zsh, home.path());
    cmd.env("ZDOTDIR", home.path()).arg("-i");
    assert_completes(spawn(cmd), "zsh");
}

#[test]
#[ignore = "needs the installed Debian package and real shells; run scripts/deb-check"]
fn a_fresh_fish_completes_from_the_installed_file() {
    require_installed_package();
    let fish = installed("fish");
    // fish loads /usr/share/fish/vendor_completions.d/ado-scm.fish when it first completes
    // `ado-scm`.
    let home = TempDir::new().unwrap();
    let init = fish_init("");
    let mut cmd = clean_command(&fish, home.path());
    cmd.args(["-i", "-C", &init]);
    assert_completes(spawn(cmd), "fish");
}
