//! The process environment: every variable ado-scm reads, named once in [`EnvVars`] with what
//! it does, and [`Env`], the values captured once in `main`.
//!
//! Code below `main.rs` reads variables only through an [`Env`] and only by an [`EnvVars`]
//! constant, so this file is the whole list; a test checks that each one is documented in the
//! README's configuration section or in `--help`.

use std::collections::{BTreeSet, HashMap};
use std::ffi::OsString;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// The names of the environment variables ado-scm reads.
pub struct EnvVars;

/// Declares each variable as a constant of [`EnvVars`] named like the variable, and lists them
/// all in [`EnvVars::ALL`] with their documentation. A variable without a doc comment does not
/// compile.
macro_rules! env_vars {
    ($( $(#[doc = $doc:literal])+ $name:ident, )*) => {
        impl EnvVars {
            $(
                $(#[doc = $doc])+
                pub const $name: &'static str = stringify!($name);
            )*

            /// Every variable, with its documentation.
            pub const ALL: &'static [(&'static str, &'static str)] =
                &[$((stringify!($name), concat!($($doc, "\n"),+)),)*];
        }
    };
}

env_vars! {
    /// `--config`: the config file.
    ADO_SCM_CONFIG,
    /// `--non-interactive`: never prompt.
    ADO_SCM_NON_INTERACTIVE,
    /// `--no-browser`: print URLs, open nothing.
    ADO_SCM_NO_BROWSER,
    /// `--store`: where secrets are kept (`keyring` or `file`).
    ADO_SCM_STORE,
    /// `--gitpod-url`: the Gitpod (Ona) management API.
    ADO_SCM_GITPOD_URL,
    /// `--authority-url`: the Microsoft Entra ID login host.
    ADO_SCM_AUTHORITY_URL,
    /// `--graph-url`: Microsoft Graph.
    ADO_SCM_GRAPH_URL,
    /// `--ado-url`: replaces the scheme and host of Azure DevOps URLs.
    ADO_SCM_ADO_URL,
    /// `--ca-cert`: a PEM file of certificate authorities to trust besides the system's.
    ADO_SCM_CA_CERT,
    /// A PEM file of certificate authorities that replaces the system's (read by the TLS
    /// library when it loads the system's authorities, as OpenSSL's tools do).
    SSL_CERT_FILE,
    /// `--runner`: the runner, by ID or name.
    ADO_SCM_RUNNER,
    /// `--org` of `login`: the Azure DevOps organization (or Server collection).
    ADO_SCM_ORG,
    /// Seconds each HTTP request may take (default 30, clamped to 1–3600).
    ADO_SCM_HTTP_TIMEOUT,
    /// Replaces every retry and polling wait with this many milliseconds (for tests).
    ADO_SCM_RETRY_SLEEP_MS,
    /// `setup`: the client secret of the app named by `--client-id` (a secret).
    ADO_SCM_CLIENT_SECRET,
    /// `setup`: a Microsoft Graph access token to use instead of signing in (a secret).
    ADO_SCM_GRAPH_TOKEN,
    /// The Gitpod API token, read before `GITPOD_API_KEY` (as the newest Gitpod SDK does);
    /// used as it is, never stored (a secret).
    ONA_API_KEY,
    /// The Gitpod API token when `ONA_API_KEY` is not set; never stored (a secret).
    GITPOD_API_KEY,
    /// The command that opens URLs: a colon-separated list, the first that starts wins.
    BROWSER,
    /// Set to anything: plain output without colours.
    NO_COLOR,
    /// A `tracing` filter for the log lines on stderr; overrides `-v`.
    RUST_LOG,
    /// The home directory: the config lives under `$HOME/.config` without `XDG_CONFIG_HOME`.
    HOME,
    /// Where the config directory `ado-scm/` lives (an absolute path; a relative one is ignored).
    XDG_CONFIG_HOME,
    /// Set by sshd: a browser opened here would be on the remote machine, so URLs are only
    /// printed.
    SSH_CONNECTION,
    /// Set by sshd for a session with a terminal: as `SSH_CONNECTION`.
    SSH_TTY,
    /// An X11 display: without it (or `WAYLAND_DISPLAY`) Linux has no browser to show, so URLs
    /// are only printed.
    DISPLAY,
    /// A Wayland display: as `DISPLAY`.
    WAYLAND_DISPLAY,
    /// Set under WSL: URLs are opened with `wslview`, in the Windows browser.
    WSL_DISTRO_NAME,
    /// Set under WSL: as `WSL_DISTRO_NAME`.
    WSL_INTEROP,
    /// `true` on a CI server: a real-component test whose component is missing fails instead
    /// of being skipped (read by the tests only).
    CI,
}

/// The variables that hold secrets. They are read once into [`Env`] and then removed from the
/// process's own environment ([`Env::keep_secrets_from_children`]), so that no child process
/// ado-scm starts (a browser, a launcher, a keyring helper) inherits them.
pub const SECRET_VARIABLES: [&str; 4] = [
    EnvVars::GITPOD_API_KEY,
    EnvVars::ONA_API_KEY,
    EnvVars::ADO_SCM_GRAPH_TOKEN,
    EnvVars::ADO_SCM_CLIENT_SECRET,
];

/// Whether ado-scm uses the value of a variable (so that a value it cannot read is an error,
/// not something to ignore). The display and session variables only count as set or not.
fn is_used(name: &str) -> bool {
    name.starts_with("ADO_SCM_")
        || SECRET_VARIABLES.contains(&name)
        || [
            EnvVars::BROWSER,
            EnvVars::HOME,
            EnvVars::XDG_CONFIG_HOME,
            EnvVars::RUST_LOG,
        ]
        .contains(&name)
}

/// The environment variables ado-scm reads, captured once in `main`.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: HashMap<String, String>,
    /// Variables ado-scm uses whose value is not UTF-8 (the value itself is not kept).
    unreadable: BTreeSet<String>,
}

impl Env {
    /// The process's environment. A value that is not UTF-8 never panics and is never shown:
    /// it is ignored, unless ado-scm uses that variable ([`Env::check_readable`] then fails).
    pub fn from_process() -> Self {
        Env::from_os_pairs(std::env::vars_os())
    }

    /// Like [`Env::from_process`], from given pairs.
    pub fn from_os_pairs(pairs: impl IntoIterator<Item = (OsString, OsString)>) -> Self {
        let mut env = Env::default();
        for (name, value) in pairs {
            // A name that is not UTF-8 cannot be one ado-scm reads.
            let Ok(name) = name.into_string() else {
                continue;
            };
            match value.into_string() {
                Ok(value) => {
                    env.vars.insert(name, value);
                }
                Err(_) if is_used(&name) => {
                    env.unreadable.insert(name);
                }
                Err(_) => {}
            }
        }
        env
    }

    /// Removes the [`SECRET_VARIABLES`] from the process's environment, once they are read
    /// into an [`Env`]. Called by `main` first thing, before any other thread exists (changing
    /// the environment while another thread reads it is undefined behaviour on some platforms).
    pub fn keep_secrets_from_children() {
        for name in SECRET_VARIABLES {
            std::env::remove_var(name);
        }
    }

    /// Fails (usage, exit 2) when a variable ado-scm uses is not UTF-8; names it, never its
    /// value (it may be a token).
    pub fn check_readable(&self) -> Result<()> {
        match self.unreadable.iter().next() {
            None => Ok(()),
            Some(name) => Err(Error::usage(format!(
                "the environment variable {name} is not valid UTF-8 (its value is not shown)"
            ))
            .with_hint(format!("set {name} to plain text, or unset it"))),
        }
    }

    pub fn from_pairs<I, K, V>(pairs: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Env {
            vars: pairs
                .into_iter()
                .map(|(name, value)| (name.into(), value.into()))
                .collect(),
            unreadable: BTreeSet::new(),
        }
    }

    /// A non-empty variable, named by an [`EnvVars`] constant.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|value| !value.is_empty())
    }

    /// Whether a variable is set to something (the display and session variables).
    pub fn is_set(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A variable holding a secret.
    pub fn secret(&self, name: &str) -> Option<Secret> {
        self.get(name)
            .map(|value| Secret::new(value.trim_end_matches(['\r', '\n'])))
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[cfg(unix)]
    fn bytes(raw: &[u8]) -> OsString {
        use std::os::unix::ffi::OsStringExt;
        OsString::from_vec(raw.to_vec())
    }

    #[cfg(unix)]
    #[test]
    fn a_value_that_is_not_utf8_is_ignored_unless_ado_scm_uses_it() {
        let secret = b"tok-\xff-MARKER";
        let env = Env::from_os_pairs([
            ("LANG".into(), bytes(b"\xfe\xff")),
            (bytes(b"\xff"), "x".into()),
            ("HOME".into(), "/home/u".into()),
        ]);
        assert_eq!(env.get(EnvVars::HOME), Some("/home/u"));
        assert_eq!(env.get("LANG"), None);
        env.check_readable().unwrap();

        for name in ["GITPOD_API_KEY", "ADO_SCM_RUNNER", "HOME", "BROWSER"] {
            let env = Env::from_os_pairs([(name.into(), bytes(secret))]);
            assert_eq!(env.get(name), None);
            let err = env.check_readable().unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert_eq!(
                err.message,
                format!(
                    "the environment variable {name} is not valid UTF-8 (its value is not shown)"
                )
            );
            assert!(!format!("{err}{err:?}").contains("MARKER"));
        }
    }

    /// The README's "Configuration" section, up to the next section.
    fn readme_configuration() -> &'static str {
        let readme = include_str!("../README.md");
        let start = readme
            .find("\n## Configuration\n")
            .expect("the README has a Configuration section");
        let rest = &readme[start + 1..];
        let end = rest[3..].find("\n## ").map_or(rest.len(), |at| at + 3);
        &rest[..end]
    }

    /// The long help of every command and subcommand, as `--help` prints it.
    fn all_help() -> String {
        fn collect(command: &mut clap::Command, out: &mut String) {
            out.push_str(&command.render_long_help().to_string());
            for sub in command.get_subcommands_mut() {
                collect(sub, out);
            }
        }
        let mut out = String::new();
        collect(&mut crate::cli::Cli::command(), &mut out);
        out
    }

    /// `name` as a word of its own in `text` (`HOME` is not in `XDG_CONFIG_HOME`).
    fn mentions(text: &str, name: &str) -> bool {
        let part_of_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
        text.match_indices(name).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + name.len()..].chars().next();
            !before.is_some_and(part_of_name) && !after.is_some_and(part_of_name)
        })
    }

    #[test]
    fn every_variable_is_documented_for_users() {
        let readme = readme_configuration();
        let help = all_help();
        let mut missing = Vec::new();
        for (name, doc) in EnvVars::ALL {
            assert!(!doc.trim().is_empty(), "{name} has no doc comment");
            let in_help = format!("[env: {name}=");
            if !mentions(readme, name) && !help.contains(&in_help) {
                missing.push(*name);
            }
        }
        assert!(
            missing.is_empty(),
            "not in the README's Configuration section nor in --help: {missing:?}"
        );
    }

    /// Variables are read through [`Env`] by an [`EnvVars`] constant only: a name spelled out
    /// anywhere else in `src/` would be a variable missing from the list.
    #[test]
    fn variables_are_named_only_here() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let readers = [
            "env.get(\"",
            "env.secret(\"",
            "env.is_set(\"",
            "env::var(\"",
            "env = \"",
        ];
        let mut found = Vec::new();
        let mut dirs = vec![src];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else if path.extension().is_some_and(|ext| ext == "rs")
                    && !path.ends_with("src/env.rs")
                {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for (number, line) in text.lines().enumerate() {
                        if readers.iter().any(|reader| line.contains(reader)) {
                            found.push(format!("{}:{}", path.display(), number + 1));
                        }
                    }
                }
            }
        }
        assert!(found.is_empty(), "use an EnvVars constant: {found:#?}");
    }
}
