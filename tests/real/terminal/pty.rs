//! What the real-terminal tests share: the exit code of the binary in the pseudo-terminal, and
//! the binary run by a shell in the same terminal, so that the test can read back what the
//! binary left the terminal in once it is gone.

use std::process::Command;

use rexpect::process::wait::WaitStatus;
use rexpect::session::{spawn_command, PtySession};

/// The exit code of the process in `term`, once it ends (128 + the signal if a signal ended it).
pub fn exit_code(term: &mut PtySession) -> i32 {
    match term.process.wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        WaitStatus::Signaled(_, sig, _) => 128 + sig as i32,
        other => panic!("unexpected {other:?}"),
    }
}

/// `cmd` run by bash in a pseudo-terminal; once it ends, bash prints `exit=CODE` and then the
/// terminal's settings (`stty -a`) in the same terminal: what a person's shell gets back.
/// bash traps SIGINT so that a Ctrl-C meant for `cmd` does not end the shell too, and first
/// turns echo on, as a person's shell has it (rexpect starts its terminal without).
pub fn spawn_in_shell(cmd: &Command, timeout_ms: u64) -> PtySession {
    let mut shell = Command::new("bash");
    shell.env_clear();
    for (name, value) in cmd.get_envs() {
        if let Some(value) = value {
            shell.env(name, value);
        }
    }
    shell
        .arg("-c")
        .arg(r#"stty echo; trap : INT; "$@"; echo "exit=$?"; stty -a; echo "stty-done""#)
        .arg("bash")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    spawn_command(shell, Some(timeout_ms)).expect("spawn bash in a pty")
}

/// After [`spawn_in_shell`]'s command ended: what it printed last, its exit code, and whether
/// the terminal echoes what is typed (`stty -a` says `echo`, not `-echo`).
pub fn exit_and_echo(term: &mut PtySession) -> (String, i32, bool) {
    let (said, code) = term.exp_regex(r"exit=\d+").unwrap();
    let code = code.trim_start_matches("exit=").parse().unwrap();
    let settings = term.exp_string("stty-done").unwrap();
    let flags: Vec<&str> = settings.split_whitespace().collect();
    let echo = flags.contains(&"echo");
    assert!(
        echo || flags.contains(&"-echo"),
        "no echo flag in stty -a: {settings}"
    );
    (said, code, echo)
}

/// `text` without its CSI escape sequences (colours, cursor moves): what a person reads.
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            // Parameters and intermediates, then one final byte in @..~.
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}
