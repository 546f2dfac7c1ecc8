//! The installed Debian package's completions, loaded by each shell on its own: no `source`, no
//! fpath of ours, only what a fresh user's shell does at start-up.
//!
//! Runs when `ADO_SCM_INSTALLED_PACKAGE=1`: scripts/deb-check sets it after `dpkg -i` of the
//! package built by `cargo deb` (and removes the package afterwards). Otherwise each test says
//! that it skipped and passes. The shells are driven as in tests/shell_completions.rs.

#[path = "common/shells.rs"]
mod shells;

use std::path::Path;

use shells::{assert_completes, clean_command, fish_init, installed, posix_rc, spawn};
use tempfile::TempDir;

const ENABLE: &str = "ADO_SCM_INSTALLED_PACKAGE";

fn enabled() -> bool {
    if std::env::var(ENABLE).as_deref() == Ok("1") {
        assert!(
            Path::new("/usr/bin/ado-scm").is_file(),
            "{ENABLE}=1 but the package is not installed (/usr/bin/ado-scm is missing)"
        );
        return true;
    }
    eprintln!("SKIPPED: the installed package's completions need {ENABLE}=1 and the .deb installed: run scripts/deb-check");
    false
}

#[test]
fn a_fresh_bash_completes_from_the_installed_file() {
    if !enabled() {
        return;
    }
    let Some(bash) = installed("bash") else {
        return;
    };
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
fn a_fresh_zsh_completes_from_the_installed_file() {
    if !enabled() {
        return;
    }
    let Some(zsh) = installed("zsh") else {
        return;
    };
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
fn a_fresh_fish_completes_from_the_installed_file() {
    if !enabled() {
        return;
    }
    let Some(fish) = installed("fish") else {
        return;
    };
    // fish loads /usr/share/fish/vendor_completions.d/ado-scm.fish when it first completes
    // `ado-scm`.
    let home = TempDir::new().unwrap();
    let init = fish_init("");
    let mut cmd = clean_command(&fish, home.path());
    cmd.args(["-i", "-C", &init]);
    assert_completes(spawn(cmd), "fish");
}
