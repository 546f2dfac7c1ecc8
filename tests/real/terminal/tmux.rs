//! A program in tmux, for what only a rendered screen shows: rexpect sees the bytes a program
//! writes, tmux applies them (cursor moves, line clears) as a terminal does, and
//! `capture-pane` returns the screen a person sees.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::components::{on_path, require};

pub struct Tmux {
    /// A server of its own (`tmux -L`), so the test neither sees nor touches anyone else's.
    socket: String,
}

impl Tmux {
    /// `cmd` (its program, arguments and environment, nothing else inherited) in a detached
    /// 100×30 tmux window; a script in `dir` starts it and then waits, so the screen stays for
    /// [`Tmux::screen`] after the program ends (`exit=CODE` on the last line).
    pub fn run(cmd: &Command, dir: &Path) -> Tmux {
        require(
            on_path("tmux"),
            "tmux",
            "apt-get install -y tmux, then scripts/e2e",
        );
        let mut script = String::from("#!/bin/bash\n");
        for (name, value) in cmd.get_envs() {
            if let Some(value) = value {
                script += &format!(
                    "export {}={}\n",
                    name.to_string_lossy(),
                    quoted(&value.to_string_lossy())
                );
            }
        }
        script += &quoted(&cmd.get_program().to_string_lossy());
        for arg in cmd.get_args() {
            script += " ";
            script += &quoted(&arg.to_string_lossy());
        }
        script += "\necho \"exit=$?\"\nsleep 600\n";
        let path = dir.join("in-tmux.sh");
        std::fs::write(&path, script).unwrap();
        let socket = format!("ado-scm-test-{}-{}", std::process::id(), unique());
        let started = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", "100", "-y", "30", "bash"])
            .arg(&path)
            .env("TERM", "xterm-256color")
            .status()
            .unwrap();
        assert!(started.success(), "tmux new-session failed");
        Tmux { socket }
    }

    /// The screen as a person sees it now, one string per line.
    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen once it shows `text` (fails after 20 s, showing the screen).
    pub fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "`{text}` never showed; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// `value` in single quotes for bash.
fn quoted(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// A number no other test of this process has.
fn unique() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::SeqCst)
}
