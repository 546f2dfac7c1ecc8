//! Driving real shells in a pseudo-terminal to see what their completion does: what the shell
//! completion tests (`committed`, `installed`) share.
//!
//! Each test defines `ado-scm` in the shell as a function that prints its arguments between
//! `ARGS<` and `>`, types a line, presses Tab, then Enter: the printed arguments are the line
//! completion left. Shells pick completions by command name, so the function gets ado-scm's.

use std::path::{Path, PathBuf};
use std::process::Command;

use rexpect::session::{spawn_command, PtySession};

use crate::components::require;

const TIMEOUT_MS: u64 = 15_000;

/// The prompt each test gives its shell.
pub const PROMPT: &str = "READY> ";

/// The completions the README promises, as (typed before Tab, the arguments run afterwards).
pub const CASES: [(&str, &str); 2] = [
    ("ado-scm login pat --w", "login pat --with-token"),
    ("ado-scm setup --ru", "setup --runner"),
];

/// Where `program` is on PATH; the test fails, naming what to install, when it is not there.
pub fn installed(program: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
    });
    require(
        found.is_some(),
        program,
        &format!("run scripts/install-real-components (or apt-get install -y {program})"),
    );
    found.expect("required")
}

/// A shell command with nothing inherited from the developer's environment: a private HOME
/// (and XDG directories inside it), a plain terminal type and the system PATH.
pub fn clean_command(program: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("HOME", home)
        .env("TERM", "xterm")
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .env("INPUTRC", "/dev/null")
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .current_dir(home);
    cmd
}

/// Lines for a bash or zsh start-up file: the prompt and the `ado-scm` function.
pub fn posix_rc() -> String {
    format!("PS1='{PROMPT}'\nado-scm() {{ printf 'ARGS<%s>\\n' \"$*\"; }}\n")
}

/// fish's start-up commands (for `-C`): the prompt, no greeting, the `ado-scm` function, then
/// `then`.
pub fn fish_init(then: &str) -> String {
    format!(
        "function fish_prompt; echo -n '{PROMPT}'; end; \
         function fish_greeting; end; \
         function ado-scm; echo \"ARGS<$argv>\"; end; {then}"
    )
}

pub fn spawn(cmd: Command) -> PtySession {
    spawn_command(cmd, Some(TIMEOUT_MS)).expect("start the shell in a pseudo-terminal")
}

/// Waits for the prompt, then types each of [`CASES`], presses Tab and Enter, and checks the
/// arguments `ado-scm` got.
pub fn assert_completes(mut shell: PtySession, name: &str) {
    shell
        .exp_string(PROMPT)
        .unwrap_or_else(|e| panic!("{name} did not show its prompt: {e}"));
    for (typed, want) in CASES {
        shell.send(typed).unwrap();
        shell.send("\t").unwrap();
        shell.flush().unwrap();
        shell.send("\r").unwrap();
        shell.flush().unwrap();
        let (_, line) = shell
            .exp_regex(r"ARGS<[^>]*>")
            .unwrap_or_else(|e| panic!("{name}: `{typed}<Tab>` ran nothing: {e}"));
        assert_eq!(
            line,
            format!("ARGS<{want}>"),
            "{name}: `{typed}<Tab>` did not complete"
        );
        shell.exp_string(PROMPT).unwrap();
    }
    shell.send_control('d').ok();
}
