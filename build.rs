//! Names the commit the binary is built from, for `ado-scm --version` (src/cli.rs `VERSION`).
//!
//! From a git checkout of this repository: `0.1.0 (commit 1a2b3c4d5e6f)`. Elsewhere (a source
//! tarball, a crate download, no git installed) only the package version, unless the packager
//! names the commit in `ADO_SCM_BUILD_COMMIT`. The text is fixed at build time, so `--version`
//! costs nothing at run time.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=ADO_SCM_BUILD_COMMIT");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let commit = std::env::var("ADO_SCM_BUILD_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| commit_of_checkout(&manifest_dir));
    let version = std::env::var("CARGO_PKG_VERSION").unwrap();
    let text = match commit {
        Some(commit) => format!("{version} (commit {})", commit.trim()),
        None => version,
    };
    println!("cargo:rustc-env=ADO_SCM_VERSION={text}");
}

/// The short commit of HEAD when `dir` is the top of a git work tree (not merely somewhere
/// inside another repository, as an unpacked tarball may be), and tells cargo to run this
/// script again when HEAD moves.
fn commit_of_checkout(dir: &Path) -> Option<String> {
    let top = git(dir, &["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != dir.canonicalize().ok()? {
        return None;
    }
    let commit = git(dir, &["rev-parse", "--short=12", "HEAD"])?;
    // HEAD names the branch; the branch's ref file (or packed-refs) moves on each commit.
    let git_dir = absolute(dir, git(dir, &["rev-parse", "--git-dir"])?);
    let common_dir = absolute(dir, git(dir, &["rev-parse", "--git-common-dir"])?);
    let mut watched = vec![git_dir.join("HEAD"), common_dir.join("packed-refs")];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        watched.push(common_dir.join(branch));
    }
    for path in watched.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    Some(commit)
}

fn absolute(dir: &Path, path: String) -> PathBuf {
    let path = PathBuf::from(path);
    if path.is_absolute() {
        path
    } else {
        dir.join(path)
    }
}

/// One line of `git ARGS` output run in `dir`, or `None` when git is missing or fails.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}
