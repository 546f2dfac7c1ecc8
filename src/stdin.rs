//! Standard input, which carries one secret at most. Every flag that reads it is a
//! [`StdinUser`]; a command names the ones its flags ask for with [`Stdin::claim`] before it
//! reads or sends anything, so that two of them are refused up front (exit 2) instead of one
//! reading what the other expected.

use std::cell::RefCell;
use std::io::Read;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// Something that reads stdin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StdinUser {
    /// How the person asked for it: a flag, or what is read.
    pub name: &'static str,
    /// Where the same value can come from instead, if anywhere.
    pub instead: Option<&'static str>,
}

impl StdinUser {
    pub const GITPOD_TOKEN: StdinUser = StdinUser {
        name: "--gitpod-token-stdin",
        instead: Some("the Gitpod API token in ONA_API_KEY (or GITPOD_API_KEY)"),
    };
    pub const CLIENT_SECRET: StdinUser = StdinUser {
        name: "--client-secret-stdin",
        instead: Some("the client secret in ADO_SCM_CLIENT_SECRET"),
    };
    pub const GRAPH_TOKEN: StdinUser = StdinUser {
        name: "--graph-token-stdin",
        instead: Some("the Microsoft Graph token in ADO_SCM_GRAPH_TOKEN"),
    };
    pub const PAT: StdinUser = StdinUser {
        name: "--with-token",
        instead: None,
    };
    /// `secret seal` without a terminal reads the secret to seal.
    pub const SECRET_TO_SEAL: StdinUser = StdinUser {
        name: "the secret",
        instead: None,
    };
}

/// The process's standard input (or, in tests, given bytes).
pub struct Stdin {
    reader: RefCell<Box<dyn Read>>,
}

impl Stdin {
    pub fn new(reader: Box<dyn Read>) -> Self {
        Stdin {
            reader: RefCell::new(reader),
        }
    }

    /// Refuses (usage, exit 2) when more than one of the users whose flag is given (`true`)
    /// wants stdin, naming them in the order given.
    pub fn claim(&self, wanted: &[(bool, StdinUser)]) -> Result<()> {
        let users: Vec<StdinUser> = wanted
            .iter()
            .filter(|(given, _)| *given)
            .map(|(_, user)| *user)
            .collect();
        let names: Vec<&str> = users.iter().map(|user| user.name).collect();
        let who = match names.as_slice() {
            [] | [_] => return Ok(()),
            [first, second] => format!("{first} and {second} both"),
            [rest @ .., last] => format!("{} and {last} all", rest.join(", ")),
        };
        let elsewhere: Vec<&str> = users.iter().filter_map(|user| user.instead).collect();
        Err(
            Error::usage(format!("{who} want stdin, which can carry only one secret")).with_hint(
                format!(
                    "keep one on stdin and give the others through the environment: {}",
                    elsewhere.join(", ")
                ),
            ),
        )
    }

    /// All of stdin as it came; the caller turns it into a [`Secret`] by its own rules and
    /// zeroizes it.
    pub fn read(&self, what: &str) -> Result<String> {
        let mut raw = String::new();
        self.reader
            .borrow_mut()
            .read_to_string(&mut raw)
            .map_err(|err| {
                Error::usage(format!("cannot read the {what} from stdin")).caused_by(err)
            })?;
        Ok(raw)
    }

    /// All of stdin as a secret (one trailing newline removed; empty refused).
    pub fn read_secret(&self, what: &str) -> Result<Secret> {
        Secret::from_input(self.read(what)?, what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stdin(text: &str) -> Stdin {
        Stdin::new(Box::new(std::io::Cursor::new(text.as_bytes().to_vec())))
    }

    #[test]
    fn one_user_or_none_may_have_stdin() {
        let input = stdin("");
        input.claim(&[]).unwrap();
        input
            .claim(&[(true, StdinUser::PAT), (false, StdinUser::GITPOD_TOKEN)])
            .unwrap();
    }

    #[test]
    fn two_users_are_named_with_where_else_their_values_can_come_from() {
        let err = stdin("")
            .claim(&[(true, StdinUser::PAT), (true, StdinUser::GITPOD_TOKEN)])
            .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert_eq!(
            err.message,
            "--with-token and --gitpod-token-stdin both want stdin, which can carry only one secret"
        );
        assert_eq!(
            err.hint.as_deref(),
            Some(
                "keep one on stdin and give the others through the environment: the Gitpod API \
                 token in ONA_API_KEY (or GITPOD_API_KEY)"
            )
        );
        let err = stdin("")
            .claim(&[
                (true, StdinUser::CLIENT_SECRET),
                (true, StdinUser::GRAPH_TOKEN),
                (true, StdinUser::GITPOD_TOKEN),
            ])
            .unwrap_err();
        assert_eq!(
            err.message,
            "--client-secret-stdin, --graph-token-stdin and --gitpod-token-stdin all want stdin, \
             which can carry only one secret"
        );
    }

    #[test]
    fn a_secret_on_stdin_loses_one_trailing_newline() {
        assert_eq!(
            stdin("s3cret\n").read_secret("PAT").unwrap().expose(),
            "s3cret"
        );
        let err = stdin("\n").read_secret("PAT").unwrap_err();
        assert_eq!(err.message, "the PAT is empty");
    }
}
