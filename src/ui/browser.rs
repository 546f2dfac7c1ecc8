//! Opening URLs: `BROWSER` first, `wslview` under WSL, the desktop's handler through the `open`
//! crate, and nothing at all on a headless machine or over SSH (the URL is printed anyway).
//!
//! What must not happen: a browser (or whatever `BROWSER` or the desktop runs) handed anything
//! but a web page. URLs often come from a service (the runner's PAT and consent pages), and a
//! browser's command line also takes flags (`--renderer-cmd-prefix=…` runs a command), local
//! files (`file://`, a Windows path) and scripts (`javascript:`). So [`Browser::open`] takes only
//! a [`WebUrl`]: parsed, `https://` (or `http://` on loopback), without user info.

use std::process::{Command, Stdio};

use url::Url;

use crate::env::{Env, EnvVars};
use crate::urls::{is_loopback, redact_input};

/// Opens a URL for the person at the keyboard. Failing to open is never an error: the caller
/// always prints the URL too.
pub trait Browser {
    fn open(&self, url: &WebUrl) -> std::result::Result<(), String>;
}

/// A URL a browser may be given: a parsed `https://` URL, or `http://` on loopback (the sandbox,
/// a sign-in's local redirect), with no user info (`https://dev.azure.com@evil.example/` shows
/// one host and opens another). Its text starts with the scheme, never with `-`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebUrl(Url);

impl WebUrl {
    /// `raw` as a web page, or why it is not one (the reason quotes it redacted).
    pub fn parse(raw: &str) -> Result<WebUrl, String> {
        let shown = redact_input(raw);
        // The URL parser forgives leading spaces and control characters; a browser's command
        // line must not get a chance to.
        if raw.trim() != raw || raw.starts_with('-') {
            return Err(format!("`{shown}` is not a web address"));
        }
        let url = Url::parse(raw).map_err(|_| format!("`{shown}` is not a web address"))?;
        WebUrl::new(url)
    }

    /// `url`, if it is a web page.
    pub fn new(url: Url) -> Result<WebUrl, String> {
        let shown = redact_input(url.as_str());
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => return Err(format!("`{shown}` is plain http on a non-loopback host")),
            other => return Err(format!("`{shown}` is a `{other}:` address, not a web page")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("`{shown}` carries user info"));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(format!("`{shown}` names no host"));
        }
        Ok(WebUrl(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn url(&self) -> &Url {
        &self.0
    }
}

impl std::fmt::Display for WebUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
    fn open(&self, url: &WebUrl) -> Result<(), String> {
        let url = url.as_str();
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
    // A `WebUrl` starts with its scheme; this keeps a flag out of argv should that ever change.
    if url.starts_with('-') {
        return Err("refusing to pass a flag as a URL".into());
    }
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
    fn open(&self, _url: &WebUrl) -> Result<(), String> {
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
    fn open(&self, url: &WebUrl) -> Result<(), String> {
        self.opened
            .lock()
            .expect("opened lock")
            .push(url.as_str().to_string());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(raw: &str) -> WebUrl {
        WebUrl::parse(raw).unwrap()
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn without_a_display_nothing_is_opened() {
        let browser = SystemBrowser::new(Env::from_pairs([("HOME", "/tmp")]));
        assert_eq!(
            browser.open(&page("https://example.com")),
            Err("no display to open a browser on".into())
        );
        let over_ssh = SystemBrowser::new(Env::from_pairs([
            ("DISPLAY", ":0"),
            ("SSH_CONNECTION", "1.2.3.4 5 6.7.8.9 22"),
        ]));
        assert!(over_ssh.open(&page("https://example.com")).is_err());
    }

    #[test]
    fn browser_variable_is_tried_in_order_and_failures_are_reported() {
        let browser = SystemBrowser::new(Env::from_pairs([(
            "BROWSER",
            "/nonexistent/one:/nonexistent/two --flag",
        )]));
        let err = browser.open(&page("https://example.com")).unwrap_err();
        assert!(err.contains("/nonexistent/two"), "{err}");
        let ok = SystemBrowser::new(Env::from_pairs([("BROWSER", "true")]));
        assert_eq!(ok.open(&page("https://example.com")), Ok(()));
    }

    #[test]
    fn only_web_pages_reach_a_browser() {
        for (raw, why) in [
            (
                "--renderer-cmd-prefix=sh -c 'id > /tmp/x'",
                "is not a web address",
            ),
            (" https://dev.azure.com/", "is not a web address"),
            ("file:///etc/passwd", "is a `file:` address"),
            ("javascript:alert(1)", "is a `javascript:` address"),
            (r"C:\Windows\System32\calc.exe", "is a `c:` address"),
            (r"\\evil\share\x.exe", "is not a web address"),
            (
                "http://dev.azure.com/acme",
                "plain http on a non-loopback host",
            ),
            ("https://dev.azure.com@evil.example/", "carries user info"),
            ("data:text/html,<script>x</script>", "is a `data:` address"),
        ] {
            let err = WebUrl::parse(raw).unwrap_err();
            assert!(err.contains(why), "{raw}: {err}");
        }
        for fine in [
            "https://dev.azure.com/acme/_usersSettings/tokens",
            "http://127.0.0.1:8080/callback",
            "http://localhost:53117/",
        ] {
            assert_eq!(page(fine).as_str(), fine);
        }
    }
}
