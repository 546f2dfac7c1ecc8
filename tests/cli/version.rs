//! `ado-scm --version` names the commit the binary was built from (build.rs), and a build
//! outside a git checkout falls back to the package version.

use std::path::Path;
use std::process::Command;

use crate::support::{text, TestEnv};

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| text(&out.stdout).trim().to_string())
}

#[test]
fn version_names_the_commit_of_this_checkout() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // Only the top of a work tree names its commit: a copy of the sources placed inside some
    // other checkout (as a mutation-testing scratch tree may be) is not that checkout.
    let top = git(root, &["rev-parse", "--show-toplevel"])
        .and_then(|top| Path::new(&top).canonicalize().ok())
        .filter(|top| Some(top) == root.canonicalize().ok().as_ref());
    let commit = top.and_then(|_| git(root, &["rev-parse", "--short=12", "HEAD"]));
    let want = match commit {
        Some(commit) => format!("ado-scm {} (commit {commit})\n", env!("CARGO_PKG_VERSION")),
        None => {
            eprintln!("not the top of a git checkout: expecting the package version alone");
            format!("ado-scm {}\n", env!("CARGO_PKG_VERSION"))
        }
    };
    let env = TestEnv::new();
    for flag in ["--version", "-V"] {
        let out = env.bare_cmd().arg(flag).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        assert_eq!(text(&out.stdout), want, "{flag}");
    }
    assert!(env.requests().is_empty());
}

/// Compiles build.rs on its own and runs it the way cargo does, in `manifest_dir`; returns the
/// version text it hands to the compiler.
fn build_script_version(manifest_dir: &Path, work: &Path) -> String {
    let script = work.join("build-script");
    if !script.exists() {
        let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
        let status = Command::new(rustc)
            .args(["--edition", "2021", "-O", "-o"])
            .arg(&script)
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("build.rs"))
            .status()
            .unwrap();
        assert!(status.success(), "rustc build.rs");
    }
    let out = Command::new(&script)
        .env("CARGO_MANIFEST_DIR", manifest_dir)
        .env("CARGO_PKG_VERSION", "9.8.7")
        .env_remove("ADO_SCM_BUILD_COMMIT")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("cargo:rustc-env=ADO_SCM_VERSION="))
        .expect("build.rs sets ADO_SCM_VERSION")
        .to_string()
}

#[test]
fn build_script_falls_back_to_the_version_outside_a_checkout() {
    let Some(_) = git(Path::new("."), &["--version"]) else {
        eprintln!("SKIPPED: git is not installed (the fallback without git is the same path)");
        return;
    };
    let work = tempfile::tempdir().unwrap();
    // An unpacked source tarball: no git at all.
    let tarball = tempfile::tempdir().unwrap();
    assert_eq!(build_script_version(tarball.path(), work.path()), "9.8.7");

    // A checkout of its own: its commit.
    let repo = tempfile::tempdir().unwrap();
    let r = repo.path();
    for args in [
        &["init", "-q"][..],
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "x",
        ],
    ] {
        git(r, args).expect("git in a temporary repository");
    }
    let commit = git(r, &["rev-parse", "--short=12", "HEAD"]).unwrap();
    assert_eq!(
        build_script_version(r, work.path()),
        format!("9.8.7 (commit {commit})")
    );

    // A tarball unpacked inside some other repository: not that repository's commit.
    let nested = r.join("vendor").join("ado-scm-9.8.7");
    std::fs::create_dir_all(&nested).unwrap();
    assert_eq!(build_script_version(&nested, work.path()), "9.8.7");
}
