//! What the real-terminal tests share: the exit code of the binary in the pseudo-terminal.

use rexpect::process::wait::WaitStatus;
use rexpect::session::PtySession;

/// The exit code of the process in `term`, once it ends (128 + the signal if a signal ended it).
pub fn exit_code(term: &mut PtySession) -> i32 {
    match term.process.wait().unwrap() {
        WaitStatus::Exited(_, code) => code,
        WaitStatus::Signaled(_, sig, _) => 128 + sig as i32,
        other => panic!("unexpected {other:?}"),
    }
}
