//! A hostile runner: the pages it names go to the person's browser, so ado-scm hands a browser
//! only web pages (`https://`, or `http://` on loopback, no user info), never a browser flag, a
//! local file or a script. The runner here is a stand-in in front of the sandbox that changes
//! CheckAuthenticationForHost's answer; the browser is a script that records its arguments.

use std::time::Duration;

use ado_scm_sandbox::seed;

use crate::support::{text, HostileRunner, RecordingBrowser, TestEnv};

#[test]
fn a_consent_page_that_is_not_a_web_page_is_never_opened() {
    let env = TestEnv::new();
    for hostile in [
        "--renderer-cmd-prefix=sh -c 'touch /tmp/owned'",
        "file:///etc/passwd",
        "javascript:alert(document.cookie)",
        r"C:\Windows\System32\calc.exe",
        "https://dev.azure.com@evil.example/consent",
    ] {
        let runner = HostileRunner::start(&env, move |answer| {
            answer["supportsOauth2"]["authUrl"] = hostile.into();
        });
        let browser = RecordingBrowser::new(env.home.path());
        let out = env
            .cmd()
            .env_remove("ADO_SCM_NO_BROWSER")
            .env("BROWSER", &browser.command)
            .args(["login", "oauth", "--runner", seed::RUNNER_READY_ID])
            .args(["--host", "dev.azure.com", "--timeout", "5"])
            .args(["--gitpod-url", &runner.gitpod_url()])
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{hostile}: {stderr}");
        let error = stderr
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or("");
        assert!(
            error.starts_with("error: the runner's OAuth sign-in page `")
                && error.ends_with(": ado-scm does not open it"),
            "{hostile}: {stderr}"
        );
        assert_eq!(browser.opened(), Vec::<String>::new(), "{hostile}");
        assert!(env.host_tokens().is_empty());
    }
}
