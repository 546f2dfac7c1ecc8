//! One error type for the whole tool, with a stable kind and exit code.
//!
//! Clients turn a service's answer into an [`Error`] with the service named in the message, so
//! that `main` only has to print it (`error: …`, `Caused by:` lines, a hint) and exit with
//! [`Error::exit_code`]. Messages never contain secrets: they are built from our own words and
//! the services' error texts, never from request bodies.
//!
//! What a service answered travels as typed facts ([`Remote`]: the HTTP status, the service's
//! error code, the AADSTS number). Retries, exit codes and the callers' remapping read those
//! fields; the message is for people and is never parsed back.

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
    /// What the service answered, when the error came from a request (boxed: most errors
    /// have none, and `Result`s stay small).
    pub remote: Option<Box<Remote>>,
}

/// A service's answer as machine facts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Remote {
    /// The service's name in messages ("Gitpod API", "Microsoft Graph", …).
    pub service: &'static str,
    /// The HTTP status; `None` when no answer came (the connection failed, timed out or was
    /// cut), so a write may or may not have been carried out.
    pub status: Option<u16>,
    /// The service's own error code: a Connect code (`not_found`), Graph's `error.code`
    /// (`Request_BadRequest`), Entra's `error` (`invalid_client`).
    pub code: Option<String>,
    /// Entra's AADSTS number (the first of `error_codes`).
    pub aadsts: Option<u64>,
}

impl Remote {
    /// No answer came from `service`.
    pub fn unanswered(service: &'static str) -> Remote {
        Remote {
            service,
            ..Remote::default()
        }
    }

    /// `service` answered HTTP `status`.
    pub fn answered(service: &'static str, status: u16) -> Remote {
        Remote {
            service,
            status: Some(status),
            ..Remote::default()
        }
    }

    pub fn with_code(mut self, code: impl Into<String>) -> Remote {
        self.code = Some(code.into());
        self
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            hint: None,
            causes: Vec::new(),
            remote: None,
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

    pub fn with_remote(mut self, remote: Remote) -> Self {
        self.remote = Some(Box::new(remote));
        self
    }

    pub fn exit_code(&self) -> i32 {
        self.kind.exit_code()
    }

    /// The HTTP status the service answered with, if this error came from an answer.
    pub fn status(&self) -> Option<u16> {
        self.remote.as_ref().and_then(|r| r.status)
    }

    /// The service's error code (Connect code, Graph `error.code`, Entra `error`).
    pub fn code(&self) -> Option<&str> {
        self.remote.as_ref().and_then(|r| r.code.as_deref())
    }

    /// Entra's AADSTS number.
    pub fn aadsts(&self) -> Option<u64> {
        self.remote.as_ref().and_then(|r| r.aadsts)
    }

    /// The service may have carried out the request although this error came back: no answer
    /// arrived (timeout, cut connection), or a 5xx (a gateway may fail after the write). A
    /// write that ends so is read back before it is sent again.
    pub fn outcome_unknown(&self) -> bool {
        self.remote
            .as_ref()
            .is_some_and(|r| r.status.is_none_or(|s| s >= 500))
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
