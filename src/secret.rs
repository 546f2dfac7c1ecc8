//! A secret value: tokens, PATs, client secrets, refresh tokens.
//!
//! No `Display`, a redacted `Debug`, zeroed on drop, and one way out: [`Secret::expose`], used
//! only where the value leaves the process (an HTTP header or body, the store, the sealer).

use zeroize::{Zeroize, Zeroizing};

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Zeroizing::new(value.into()))
    }

    /// The secret's value, for the one place it must be sent or stored.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Builds a secret from what a user typed or piped: one trailing newline (`\n` or `\r\n`)
    /// is removed and nothing else (a secret may end in a space); an empty result is refused.
    pub fn from_input(mut raw: String, what: &str) -> crate::error::Result<Self> {
        if raw.ends_with('\n') {
            raw.pop();
            if raw.ends_with('\r') {
                raw.pop();
            }
        }
        let secret = Secret::new(std::mem::take(&mut raw));
        raw.zeroize();
        if secret.is_empty() {
            return Err(crate::error::Error::usage(format!("the {what} is empty"))
                .with_hint(format!("pass a non-empty {what}")));
        }
        Ok(secret)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?}"), "Secret(<redacted>)");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn input_loses_exactly_one_trailing_newline() {
        let cases = [
            ("abc\n", "abc"),
            ("abc\r\n", "abc"),
            ("abc\n\n", "abc\n"),
            (" abc ", " abc "),
            ("abc", "abc"),
        ];
        for (raw, want) in cases {
            let s = Secret::from_input(raw.to_string(), "token").unwrap();
            assert_eq!(s.expose(), want, "input {raw:?}");
        }
    }

    #[test]
    fn empty_input_is_a_usage_error() {
        for raw in ["", "\n", "\r\n"] {
            let err = Secret::from_input(raw.to_string(), "token").unwrap_err();
            assert_eq!(err.exit_code(), 2);
            assert!(err.message.contains("token is empty"));
        }
    }
}
