//! Hostile surroundings: odd bytes in the environment, secrets a child could inherit, device
//! nodes and odd directories where files go, control characters from a service.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;
use std::time::{Duration, Instant};

use ado_scm_sandbox::seed;

use crate::support::{stdout_json, text, TestEnv, LOGIN_PAT_ARGS};

const MARKER: &str = "MARKER-9f3e1c";

fn not_utf8(prefix: &str) -> OsString {
    let mut bytes = prefix.as_bytes().to_vec();
    bytes.extend_from_slice(b"\xff\xfe");
    bytes.extend_from_slice(MARKER.as_bytes());
    OsString::from_vec(bytes)
}

#[test]
fn a_variable_that_is_not_utf8_is_ignored_unless_ado_scm_uses_it() {
    let env = TestEnv::new();
    // Some other program's variable: ignored, the run goes on.
    let out = env
        .cmd()
        .env("SOMEONE_ELSES", not_utf8("x"))
        .args(["status", "--runner", seed::RUNNER_READY_ID, "--json"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(101), "{}", text(&out.stderr));
    stdout_json(&out);

    // A variable ado-scm needs: one clear line, exit 2, its value never shown, nothing sent.
    let before = env.requests().len();
    let out = env
        .bare_cmd()
        .env("GITPOD_API_KEY", not_utf8("tok-"))
        .args(["status", "--runner", seed::RUNNER_READY_ID])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(
            "error: the environment variable GITPOD_API_KEY is not valid UTF-8 (its value is not shown)"
        ),
        "{stderr}"
    );
    assert!(
        !stderr.contains(MARKER) && !stderr.contains("tok-"),
        "{stderr}"
    );
    assert_eq!(env.requests().len(), before);
}

/// A `BROWSER` that writes its environment to `dump` and exits.
fn dumping_browser(dir: &Path, dump: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("dump-browser");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nenv > '{}.tmp'\nmv '{0}.tmp' '{0}'\n",
            dump.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    script
}

#[test]
fn the_browser_inherits_no_secret_from_the_environment() {
    let env = TestEnv::new();
    let dump = env.home.path().join("browser-env.txt");
    let browser = dumping_browser(env.home.path(), &dump);
    // ONA_API_KEY (Alice's, the one used) wins over GITPOD_API_KEY; neither may reach a child.
    let mut child = crate::support::spawn_piped(
        env.std_cmd()
            .env_remove("ADO_SCM_NO_BROWSER")
            .env("BROWSER", &browser)
            .env("ONA_API_KEY", seed::ALICE_API_KEY)
            .env("GITPOD_API_KEY", format!("{MARKER}-gitpod"))
            .env("ADO_SCM_GRAPH_TOKEN", format!("{MARKER}-graph"))
            .env("ADO_SCM_CLIENT_SECRET", format!("{MARKER}-client-secret"))
            .args(crate::support::LOGIN_OAUTH_ARGS)
            .args(["--timeout", "60"]),
    );
    // The browser opens (and dumps its environment) while ado-scm waits for the consent.
    let started = Instant::now();
    while !dump.exists() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the browser never ran"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "ado-scm stopped before the browser"
        );
        std::thread::yield_now();
    }
    // Then the consent the browser would make ends the wait.
    let url = crate::login_oauth::auth_url(&env, "dev.azure.com");
    assert!(reqwest::blocking::get(url).unwrap().status().is_success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let seen = std::fs::read_to_string(&dump).expect("the browser ran");
    assert!(seen.contains("HOME="), "a real dump: {seen}");
    for name in [
        "GITPOD_API_KEY",
        "ONA_API_KEY",
        "ADO_SCM_GRAPH_TOKEN",
        "ADO_SCM_CLIENT_SECRET",
    ] {
        assert!(
            !seen.contains(&format!("{name}=")),
            "{name} reached the browser"
        );
    }
    assert!(!seen.contains(MARKER) && !seen.contains(seed::ALICE_API_KEY));
}

#[test]
fn an_absurd_http_timeout_is_clamped_not_a_panic() {
    let env = TestEnv::new();
    for absurd in ["18446744073709551615", "0"] {
        let out = env
            .cmd()
            .env("ADO_SCM_HTTP_TIMEOUT", absurd)
            .args(["status", "--runner", seed::RUNNER_READY_ID, "--json"])
            .output()
            .unwrap();
        assert_ne!(out.status.code(), Some(101), "{}", text(&out.stderr));
        assert!(stdout_json(&out).get("error").is_none(), "{absurd}");
    }
}

/// A runner name a hostile (or broken) Gitpod could send: an OSC 52 clipboard write, a bell, a
/// carriage return that hides what came before it, a C1 CSI that clears the screen.
const HOSTILE_NAME: &str = "build\x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07\rok \u{9b}2J";

fn has_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
}

#[test]
fn control_characters_from_a_service_never_reach_the_terminal() {
    let env = TestEnv::new();
    env.sandbox.with_world(|world| {
        let runner = world
            .gitpod
            .runners
            .iter_mut()
            .find(|r| r.runner_id == seed::RUNNER_READY_ID)
            .unwrap();
        runner.name = HOSTILE_NAME.to_string();
    });
    for verbose in [false, true] {
        let mut cmd = env.cmd();
        cmd.args(["status", "--runner", seed::RUNNER_READY_ID]);
        if verbose {
            cmd.arg("-vv");
        }
        let out = cmd.output().unwrap();
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert!(
            stdout.contains("build\\u{1b}]52;c;") || stderr.contains("build\\u{1b}]52;c;"),
            "the name is shown, escaped: {stdout}{stderr}"
        );
        assert!(!has_control(&stdout), "stdout: {stdout:?}");
        assert!(!has_control(&stderr), "stderr: {stderr:?}");
    }
    // In JSON the name is data: kept exactly, escaped by JSON itself.
    let out = env
        .cmd()
        .args(["status", "--runner", seed::RUNNER_READY_ID, "--json"])
        .output()
        .unwrap();
    assert!(!has_control(&text(&out.stdout)));
    assert!(
        text(&out.stdout).contains("build\\u001b]52;c;"),
        "{}",
        text(&out.stdout)
    );
}

/// A node of the null device in `dir` (root can make one; CI runs as root). Elsewhere a loud
/// notice and `None`; under `CI=true` a failure.
fn null_device_in(dir: &Path) -> Option<std::path::PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    let path = dir.join("null");
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid C string and plain integers.
    if unsafe { libc::mknod(c_path.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) } == 0 {
        return Some(path);
    }
    let err = std::io::Error::last_os_error();
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "cannot make a device node under CI: {err}"
    );
    eprintln!("NOTICE: cannot make a device node here ({err}; root can): test skipped");
    None
}

#[test]
fn config_on_the_null_device_means_no_config_and_the_device_stays() {
    use std::os::unix::fs::FileTypeExt;
    let env = TestEnv::new();
    let Some(null) = null_device_in(env.home.path()) else {
        return;
    };
    // `login pat` saves its defaults: there is nowhere to save them, and that is fine.
    env.cmd()
        .env("ADO_SCM_STORE", "keyring")
        .args(["--config"])
        .arg(&null)
        .args(LOGIN_PAT_ARGS)
        .arg("--with-token")
        .write_stdin(seed::PAT_VALID)
        .assert()
        .success();
    assert_eq!(env.host_tokens().len(), 1, "the login happened");
    assert!(std::fs::metadata(&null)
        .unwrap()
        .file_type()
        .is_char_device());
    let names: Vec<_> = std::fs::read_dir(env.home.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with("null.") || n.starts_with(".ado-scm")),
        "{names:?}"
    );

    // `--store file` has nowhere to keep secrets: one line, exit 2, nothing sent.
    let before = env.requests().len();
    assert_refused(
        env.cmd()
            .args(["--store", "file", "--config"])
            .arg(&null)
            .args(["status", "--runner", seed::RUNNER_READY_ID]),
        "--store file keeps secrets beside the config file, and there is none",
    );
    assert_eq!(env.requests().len(), before);
}

#[test]
fn nothing_is_written_under_the_current_directory_by_surprise() {
    let env = TestEnv::new();
    let cwd = tempfile::tempdir().unwrap();
    // A relative HOME and no XDG_CONFIG_HOME: no config directory can be told.
    assert_refused(
        env.cmd()
            .current_dir(cwd.path())
            .env("HOME", "relative-home")
            .env_remove("XDG_CONFIG_HOME")
            .args(LOGIN_PAT_ARGS)
            .arg("--with-token")
            .write_stdin(seed::PAT_VALID),
        "cannot tell where the config file lives",
    );
    // A relative --config with the file store would put credentials.toml right here.
    assert_refused(
        env.cmd()
            .current_dir(cwd.path())
            .args(["--store", "file", "--config", "./x/config.toml"])
            .args(LOGIN_PAT_ARGS)
            .arg("--with-token")
            .write_stdin(seed::PAT_VALID),
        "--store file keeps secrets beside the config file, and `./x/config.toml` is a relative path",
    );
    assert_eq!(
        std::fs::read_dir(cwd.path()).unwrap().count(),
        0,
        "nothing written here"
    );
    assert!(env.host_tokens().is_empty());
}

#[test]
fn a_config_directory_others_can_write_to_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let shared = env.home.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o777)).unwrap();
    let config = shared.join("config.toml");
    let out = env
        .cmd()
        .env("ADO_SCM_STORE", "keyring")
        .arg("--config")
        .arg(&config)
        .args(["status", "--runner", seed::RUNNER_READY_ID])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "warning: {} can be written by other users (mode 0777)",
            shared.display()
        )),
        "{stderr}"
    );
    // The file store refuses it outright.
    assert_refused(
        env.cmd()
            .arg("--config")
            .arg(&config)
            .args(["status", "--runner", seed::RUNNER_READY_ID]),
        "--store file will not keep secrets there",
    );
}

/// Runs `cmd` and checks it was refused as bad input: exit 2, and the first line of stderr is
/// the error starting with `message`.
fn assert_refused(cmd: &mut assert_cmd::Command, message: &str) {
    let out = cmd.output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with(&format!("error: {message}")), "{stderr}");
}
