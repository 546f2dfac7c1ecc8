//! What the real-terminal suites (`terminal`, `terminal_setup`) share: the switch that runs them
//! and the exit code of the binary in the pseudo-terminal.

use rexpect::process::wait::WaitStatus;
use rexpect::session::PtySession;

/// Whether to drive a real terminal: `ADO_SCM_REAL_TERMINAL` is set (scripts/e2e sets it);
/// otherwise a notice, and the test passes without running.
pub fn enabled() -> bool {
    if std::env::var_os("ADO_SCM_REAL_TERMINAL").is_some() {
        return true;
    }
    eprintln!("skipped: set ADO_SCM_REAL_TERMINAL=1 (scripts/e2e does) to drive a real terminal");
    false
}

/// The exit code of the process in `term`, once it ends (128 + the signal if a signal ended it).
pub fn exit_code(term: &mut PtySession) -> i32 {
    match term.process.wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        WaitStatus::Signaled(_, sig, _) => 128 + sig as i32,
        other => panic!("unexpected {other:?}"),
    }
}
