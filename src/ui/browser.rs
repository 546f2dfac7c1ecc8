//! Opening URLs: `BROWSER` first, `wslview` under WSL, the desktop's handler through the `open`
//! crate, and nothing at all on a headless machine or over SSH (the URL is printed anyway).

use std::process::{Command, Stdio};

use crate::env::{Env, EnvVars};

/// Opens a URL for the person at the keyboard. Failing to open is never an error: the caller
/// always prints the URL too.
pub trait Browser {
    fn open(&self, url: &str) -> std::result::Result<(), String>;
}

pub struct SystemBrowser {
    env: Env,
}

impl SystemBrowser {
    pub fn new(env: Env) -> Self {
        SystemBrowser { env }
    }

    /// No display to show a browser on: print only.
    fn headless(&self) -> bool {
        if !cfg!(target_os = "linux") {
            return false;
        }
        let ssh = self.env.is_set(EnvVars::SSH_CONNECTION) || self.env.is_set(EnvVars::SSH_TTY);
        let display =
            self.env.is_set(EnvVars::DISPLAY) || self.env.is_set(EnvVars::WAYLAND_DISPLAY);
        ssh || !display
    }

    fn wsl(&self) -> bool {
        self.env.is_set(EnvVars::WSL_DISTRO_NAME) || self.env.is_set(EnvVars::WSL_INTEROP)
    }
}

impl Browser for SystemBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        if let Some(browser) = self.env.get(EnvVars::BROWSER) {
            // Like xdg-open and git: a colon-separated list of commands, the first that starts
            // wins. The URL is an argument, never interpolated into a shell line.
            let mut last = String::new();
            for command in browser.split(':').filter(|c| !c.is_empty()) {
                match spawn(command, url) {
                    Ok(()) => return Ok(()),
                    Err(err) => last = err,
                }
            }
            return Err(last);
        }
        if self.wsl() && spawn("wslview", url).is_ok() {
            return Ok(());
        }
        if self.headless() {
            return Err("no display to open a browser on".into());
        }
        open::that_detached(url).map_err(|err| err.to_string())
    }
}

fn spawn(command: &str, url: &str) -> Result<(), String> {
    let mut parts = command.split_whitespace();
    let program = parts.next().ok_or("empty BROWSER command")?;
    Command::new(program)
        .args(parts)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(|_| ())
        .map_err(|err| format!("cannot start `{program}`: {err}"))
}

/// Never opens anything (`--no-browser`).
pub struct NoBrowser;

impl Browser for NoBrowser {
    fn open(&self, _url: &str) -> Result<(), String> {
        Err("--no-browser".into())
    }
}

/// The browser of the unit tests: remembers every URL it was asked to open.
#[cfg(test)]
#[derive(Clone, Default)]
pub(crate) struct RecordingBrowser {
    opened: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

#[cfg(test)]
impl RecordingBrowser {
    /// The URLs opened so far, in order.
    pub(crate) fn opened(&self) -> Vec<String> {
        self.opened.lock().expect("opened lock").clone()
    }
}

#[cfg(test)]
impl Browser for RecordingBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        self.opened
            .lock()
            .expect("opened lock")
            .push(url.to_string());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_os = "linux")]
    fn without_a_display_nothing_is_opened() {
        let browser = SystemBrowser::new(Env::from_pairs([("HOME", "/tmp")]));
        assert_eq!(
            browser.open("https://example.com"),
            Err("no display to open a browser on".into())
        );
        let over_ssh = SystemBrowser::new(Env::from_pairs([
            ("DISPLAY", ":0"),
            ("SSH_CONNECTION", "1.2.3.4 5 6.7.8.9 22"),
        ]));
        assert!(over_ssh.open("https://example.com").is_err());
    }

    #[test]
    fn browser_variable_is_tried_in_order_and_failures_are_reported() {
        let browser = SystemBrowser::new(Env::from_pairs([(
            "BROWSER",
            "/nonexistent/one:/nonexistent/two --flag",
        )]));
        let err = browser.open("https://example.com").unwrap_err();
        assert!(err.contains("/nonexistent/two"), "{err}");
        let ok = SystemBrowser::new(Env::from_pairs([("BROWSER", "true")]));
        assert_eq!(ok.open("https://example.com"), Ok(()));
    }
}
