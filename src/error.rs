//! One error type for the whole tool, with a stable kind and exit code.
//!
//! Clients turn a service's answer into an [`Error`] with the service named in the message, so
//! that `main` only has to print it (`error: …`, `Caused by:` lines, a hint) and exit with
//! [`Error::exit_code`]. Messages never contain secrets: they are built from our own words and
//! the services' error texts, never from request bodies.

use std::fmt;

/// What went wrong, as scripts see it (exit code and the `kind` of the JSON error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Usage or invalid input; nothing was changed anywhere. Exit 2.
    Usage,
    /// Not signed in, or a credential was rejected. Exit 3.
    Auth,
    /// A check, validation or precondition failed. Exit 4.
    Check,
    /// A service answered with an error. Exit 1.
    Service,
    /// A service could not be reached (connection, timeout, TLS). Exit 1.
    Network,
    /// Reading or writing a local file or the keyring failed. Exit 1.
    Local,
    /// Ctrl-C. Exit 130.
    Interrupted,
}

impl ErrorKind {
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::Usage => 2,
            ErrorKind::Auth => 3,
            ErrorKind::Check => 4,
            ErrorKind::Service | ErrorKind::Network | ErrorKind::Local => 1,
            ErrorKind::Interrupted => 130,
        }
    }

    /// The `kind` field of `{"error":{"kind":…}}`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Usage => "usage",
            ErrorKind::Auth => "auth",
            ErrorKind::Check => "check",
            ErrorKind::Service => "service",
            ErrorKind::Network => "network",
            ErrorKind::Local => "local",
            ErrorKind::Interrupted => "interrupted",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    /// One line: what is wrong.
    pub message: String,
    /// How to fix it, when we know.
    pub hint: Option<String>,
    /// Underlying causes, outermost first.
    pub causes: Vec<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            hint: None,
            causes: Vec::new(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage, message)
    }

    pub fn auth(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Auth, message)
    }

    pub fn check(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Check, message)
    }

    pub fn service(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Service, message)
    }

    pub fn local(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Local, message)
    }

    pub fn interrupted() -> Self {
        Self::new(ErrorKind::Interrupted, "interrupted")
    }

    /// A value the user must give but did not, in a run that may not prompt.
    pub fn missing(what: &str, flag: &str) -> Self {
        Self::usage(format!("{what} is required when not running interactively"))
            .with_hint(format!("pass {flag}"))
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn caused_by(mut self, cause: impl fmt::Display) -> Self {
        self.causes.push(cause.to_string());
        self
    }

    pub fn exit_code(&self) -> i32 {
        self.kind.exit_code()
    }

    /// The JSON document printed on stdout with `--json`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut error = serde_json::json!({
            "kind": self.kind.as_str(),
            "message": self.message,
            "exit_code": self.exit_code(),
        });
        if let Some(hint) = &self.hint {
            error["hint"] = hint.clone().into();
        }
        if !self.causes.is_empty() {
            error["causes"] = self.causes.clone().into();
        }
        serde_json::json!({ "error": error })
    }
}

impl fmt::Display for Error {
    /// `error: …` is added by the printer; this is the message, the causes and the hint, the
    /// first line alone being enough to know what is wrong.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        for cause in &self.causes {
            write!(f, "\n\nCaused by:\n  {cause}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::Interrupted {
            return Error::interrupted();
        }
        Error::local(err.to_string())
    }
}
