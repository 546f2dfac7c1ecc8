//! How a real-component test finds its component: present, the test runs; missing, it fails
//! naming what to install. There is no "skip" here: a test of this binary runs only when asked
//! to (`--include-ignored`, as `scripts/e2e` does), and a test that was asked to run and cannot
//! is a failure, under `CI=true` and everywhere else. `scripts/e2e` is what skips a missing
//! component on a developer's machine, loudly, by not running its module.

use std::path::Path;
use std::process::{Command, Stdio};

/// Fails the test when `found` is false: `component` is missing, `install` says how to get it.
pub fn require(found: bool, component: &str, install: &str) {
    if found {
        return;
    }
    let ci = if std::env::var("CI").as_deref() == Ok("true") {
        " (CI=true: a missing component fails the run)"
    } else {
        ""
    };
    panic!("{component} is missing{ci}: {install}");
}

/// Whether `program args…` runs and exits 0 (output discarded).
pub fn runs(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether `program` is an executable file in a directory of `PATH` (for a program without a
/// harmless option such as `--version` to try it with).
pub fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            std::fs::metadata(dir.join(program))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// The system Python with PyNaCl (libsodium's reference `SealedBox`).
pub const PYTHON: &str = "/usr/bin/python3";

/// libsodium through PyNaCl, for the sealed-box interop tests.
pub fn require_pynacl() {
    require(
        runs(PYTHON, &["-c", "import nacl.public"]),
        "libsodium (PyNaCl for /usr/bin/python3)",
        "apt-get install -y python3-nacl (scripts/install-real-components does), then scripts/e2e",
    );
}

/// A Secret Service on the session bus and `secret-tool` to look into it.
pub fn require_secret_service() {
    let bus_has_secrets = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.NameHasOwner",
            "string:org.freedesktop.secrets",
        ])
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"));
    require(
        bus_has_secrets && on_path("secret-tool"),
        "a Secret Service (org.freedesktop.secrets on the session bus, and secret-tool)",
        "apt-get install -y --no-install-recommends gnome-keyring libsecret-tools dbus-x11, then \
         scripts/e2e (or scripts/with-secret-service cargo test --test real keyring:: -- --include-ignored)",
    );
}

/// Headless Chromium and its driver (`tests/oidc/browser.mjs`, playwright-core).
pub fn require_chromium() {
    let driver =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc/node_modules/playwright-core");
    require(
        Path::new("/usr/bin/chromium").exists() && driver.is_dir() && runs("node", &["--version"]),
        "Chromium with its driver (/usr/bin/chromium, node, tests/oidc/node_modules)",
        "scripts/install-real-components (apt-get install -y chromium; npm ci --prefix tests/oidc), then scripts/e2e",
    );
}

/// curl, the stand-in browser of the setup wizard in a terminal.
pub fn require_curl() {
    require(
        runs("curl", &["--version"]),
        "curl",
        "apt-get install -y curl, then scripts/e2e",
    );
}
