//! Spinners in a real terminal: none runs while a prompt waits for an answer, and a warning
//! printed during a wait goes above the spinner, leaving no frame on screen.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ado_scm_sandbox::seed;
use rexpect::session::spawn_command;

use super::tmux::Tmux;
use crate::support::local_server::{Answer, LocalServer, Received};
use crate::support::{self, TestEnv};

const TIMEOUT_MS: u64 = 20_000;

/// The spinner's frames (Braille patterns), as rexpect reads them: one char per byte.
fn has_spinner_frame(bytes_as_chars: &str) -> bool {
    let bytes: Vec<u8> = bytes_as_chars.chars().map(|c| c as u32 as u8).collect();
    String::from_utf8_lossy(&bytes)
        .chars()
        .any(|c| ('\u{2800}'..='\u{28ff}').contains(&c))
}

#[test]
#[ignore = "drives a real terminal (a pseudo-terminal); run scripts/e2e"]
fn no_spinner_runs_while_the_gitpod_token_is_asked_and_the_token_is_kept() {
    let env = TestEnv::new();
    let mut cmd = env.std_cmd();
    cmd.env_remove("GITPOD_API_KEY")
        .args(support::LOGIN_PAT_ARGS);
    let mut term = spawn_command(cmd, Some(TIMEOUT_MS)).unwrap();
    // Asked while the runner is looked up (the token is needed for that): first why, then
    // the prompt.
    term.exp_string("Personal access tokens).").unwrap();
    term.exp_string("Gitpod API token").unwrap();
    // A spinner ticks ten times a second: in 700 ms it would draw several frames.
    std::thread::sleep(Duration::from_millis(700));
    term.send_line(seed::ALICE_API_KEY).unwrap();
    term.flush().unwrap();
    // The answer is used: the run goes on to the PAT.
    let after = term.exp_string("Paste the PAT").unwrap();
    // What came while the prompt waited: up to the prompt's own line drawn again with the
    // answer hidden (dialoguer's "✔ Gitpod API token · ********").
    let meanwhile = &after[..after.find("Gitpod API token").expect("the answered prompt")];
    assert!(
        !has_spinner_frame(meanwhile) && !meanwhile.contains("Looking up the runner"),
        "a spinner ran while the prompt waited: {meanwhile:?}"
    );
    assert!(!env.gitpod_calls("GetRunner").is_empty());
    // The Gitpod API took the token: it is kept, though the run ends here (Ctrl-C).
    term.send_control('c').unwrap();
    term.flush().unwrap();
    assert_eq!(super::pty::exit_code(&mut term), 130);
    let out = env
        .bare_cmd()
        .args(["status", "--runner", seed::RUNNER_READY_ID, "--json"])
        .output()
        .unwrap();
    let doc = crate::support::stdout_json(&out);
    assert_eq!(doc["gitpod"]["token_source"], "store", "{doc}");
}

/// A Gitpod API that moved: every request to `/old/…` is answered, after `delay`, with a 307 to
/// `/new/…` on the same server, which forwards it to the sandbox.
fn moved_gitpod_api(env: &TestEnv, delay: Duration) -> (LocalServer, String) {
    let upstream = env.sandbox.gitpod_url();
    let own_url: Arc<OnceLock<String>> = Arc::default();
    let server = {
        let own_url = own_url.clone();
        LocalServer::start(move |request: &Received| {
            if let Some(rest) = request.target.strip_prefix("/old") {
                std::thread::sleep(delay);
                let base = own_url.get().expect("the server's URL");
                return Answer::redirect(307, &format!("{base}/new{rest}"));
            }
            let mut forwarded = request.clone();
            forwarded.target = request.target.trim_start_matches("/new").to_string();
            Answer::forwarded(&upstream, &forwarded)
        })
    };
    own_url.set(server.url().to_string()).unwrap();
    let old = format!("{}/old", server.url());
    (server, old)
}

#[test]
#[ignore = "drives a real terminal (tmux); run scripts/e2e"]
fn a_warning_during_a_wait_leaves_no_spinner_frame_on_screen() {
    let env = TestEnv::new();
    // The spinner has drawn for a while when the move is noticed and warned about.
    let (_server, old_url) = moved_gitpod_api(&env, Duration::from_millis(600));
    let mut cmd = env.std_cmd();
    cmd.args(support::LOGIN_PAT_ARGS)
        .args(["--gitpod-url", &old_url]);
    let tmux = Tmux::run(&cmd, env.home.path());
    let screen = tmux.wait_for("Paste the PAT");
    let warning = screen
        .lines()
        .find(|line| line.contains("the Gitpod API moved"))
        .unwrap_or_else(|| panic!("no warning on screen:\n{screen}"));
    assert!(
        warning.starts_with("warning: the Gitpod API moved"),
        "the warning shares its line:\n{screen}"
    );
    assert!(
        !screen
            .chars()
            .any(|c| ('\u{2800}'..='\u{28ff}').contains(&c))
            && !screen.contains("Looking up the runner"),
        "a spinner frame was left on screen:\n{screen}"
    );
}
