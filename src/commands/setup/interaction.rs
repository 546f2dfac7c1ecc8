//! What the setup flow asks of the admin while it runs: the Microsoft Graph sign-in (a token
//! given up front, a remembered sign-in, or the browser or device code), and the go-ahead for
//! the changes, which a run that may not ask gives only for harmless ones or with `--yes`.

use crate::cli::SetupArgs;
use crate::clients::entra::issuer::Discovery;
use crate::deps::Deps;
use crate::error::{Error, ErrorKind, Result};
use crate::flows::graph_signin::{
    graph_token, GraphSignIn, GraphTokenSource, SignInMethod, TerminalSignInUi,
};
use crate::flows::setup::Interaction;
use crate::secret::Secret;

/// The Graph sign-in of a command without setup's sign-in flags: the browser on a random
/// port, the Microsoft Graph Command Line Tools client.
pub(crate) fn sign_in_options_for(interactive: bool) -> GraphSignIn {
    GraphSignIn {
        interactive,
        ..GraphSignIn::default()
    }
}

/// The Graph sign-in `--graph-client-id`, `--grant-admin-consent`, `--device-code` and
/// `--port` ask for. A device-code sign-in needs no terminal (the code and the URL are printed,
/// the admin enters them on any device), so with `--device-code` a script may sign in too.
pub(super) fn sign_in_options(
    args: &SetupArgs,
    graph_client_id: &str,
    interactive: bool,
) -> GraphSignIn {
    GraphSignIn {
        client_id: graph_client_id.to_string(),
        consent: args.grant_admin_consent,
        method: if args.device_code {
            SignInMethod::DeviceCode
        } else {
            SignInMethod::Browser { port: args.port }
        },
        interactive: interactive || args.device_code,
        ..GraphSignIn::default()
    }
}

/// What the flow asks of the person: the Graph sign-in and the go-ahead. The secret store,
/// where the admin's Graph sign-in is kept, is opened only by a sign-in, so a run that needs
/// none (PAT only, Server, a given Graph token) does not touch it.
pub(crate) struct Answers<'a> {
    pub deps: &'a Deps,
    /// `--no-browser` not given.
    pub open_browser: bool,
    pub given: Option<Secret>,
    pub sign_in: GraphSignIn,
    pub yes: bool,
    /// The admin answered no to the go-ahead: the run ends with nothing changed, and that is
    /// not a failure (exit 0; Ctrl-C is the one that exits 130).
    pub declined: bool,
}

impl Answers<'_> {
    fn sign_in(&self, discovery: &Discovery, interactive: bool) -> Result<Secret> {
        let deps = self.deps;
        let store = deps.store();
        let options = GraphSignIn {
            interactive,
            ..self.sign_in.clone()
        };
        let mut sign_in_ui = TerminalSignInUi {
            ui: &deps.ui,
            browser: deps.browser.as_ref(),
            open_browser: self.open_browser,
        };
        // Ctrl-C during the sign-in's wait closes the listener and ends with exit 130.
        let sign_in = || {
            deps.interrupt.cancellable(|cancel| {
                let options = GraphSignIn {
                    cancel: Some(cancel),
                    ..options
                };
                graph_token(
                    &deps.http,
                    discovery,
                    store,
                    None,
                    &options,
                    &mut sign_in_ui,
                )
            })
        };
        // A sign-in that may not ask (a remembered one only) shows what it waits for.
        let token = if interactive {
            sign_in()?
        } else {
            deps.ui.waiting("Signing in to Microsoft Graph", sign_in)?
        };
        let who = token
            .tokens
            .username()
            .map(|username| format!(" as {username}"))
            .unwrap_or_default();
        match token.source {
            GraphTokenSource::Stored => deps.ui.ok(format!(
                "signed in to Microsoft Graph{who} (remembered sign-in)"
            )),
            GraphTokenSource::SignedIn => deps.ui.ok(format!(
                "signed in to Microsoft Graph{who}; the sign-in is kept in {}",
                store.describe()
            )),
            GraphTokenSource::Given => {}
        }
        Ok(token.tokens.access_token)
    }
}

impl Interaction for Answers<'_> {
    fn graph_token(&mut self, discovery: &Discovery, optional: bool) -> Result<Option<Secret>> {
        if let Some(token) = &self.given {
            self.deps.ui.ok(
                "using the Microsoft Graph token given (--graph-token-stdin / ADO_SCM_GRAPH_TOKEN)",
            );
            return Ok(Some(token.clone()));
        }
        // A person at a terminal, or a device code a person can enter elsewhere.
        let interactive = self.deps.ui.interactive() || self.sign_in.interactive;
        if optional {
            if self.deps.ui.interactive() {
                let sign_in = self.deps.prompter.confirm(
                    "Sign in to Microsoft Graph to check the app registration (redirect URI, ID \
                     tokens, permissions)?",
                    true,
                )?;
                if !sign_in {
                    return Ok(None);
                }
            } else if !interactive {
                // A remembered sign-in only: this run may not ask for one.
                return match self.sign_in(discovery, false) {
                    Ok(token) => Ok(Some(token)),
                    Err(err) if err.kind == ErrorKind::Usage => Ok(None),
                    Err(err) => Err(err),
                };
            }
        }
        self.sign_in(discovery, interactive).map(Some)
    }

    fn graph_token_given(&self) -> Option<Secret> {
        self.given.clone()
    }

    fn confirm(&mut self, destructive: &[String]) -> Result<bool> {
        for warning in destructive {
            self.deps.ui.warn(warning);
        }
        if self.yes {
            return Ok(true);
        }
        if !self.deps.ui.interactive() {
            if destructive.is_empty() {
                return Ok(true);
            }
            return Err(Error::usage(
                "this setup would delete developers' sign-ins on the runner, and this run may not ask",
            )
            .with_hint("pass --yes to go ahead, or keep the method on"));
        }
        let question = if destructive.is_empty() {
            "Make these changes?"
        } else {
            "Make these changes, deleting those sign-ins?"
        };
        let go = self
            .deps
            .prompter
            .confirm(question, destructive.is_empty())?;
        self.declined = !go;
        Ok(go)
    }
}

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;
    use crate::clients::test_server::StubServer;
    use crate::commands::test_support::{assert_refused, Harness, TestRun};
    use crate::ui::prompt::scripted::ScriptedPrompter;

    const DESTRUCTIVE: &str = "turning OAuth off deletes 2 developers' OAuth sign-ins";

    fn answers<'a>(harness: &'a Harness, yes: bool, given: Option<&str>) -> Answers<'a> {
        Answers {
            deps: &harness.ctx.deps,
            open_browser: true,
            given: given.map(Secret::new),
            sign_in: GraphSignIn::default(),
            yes,
            declined: false,
        }
    }

    /// A run against a server that must receive nothing.
    fn quiet_run(interactive: bool, prompter: ScriptedPrompter) -> (Harness, StubServer) {
        let server = StubServer::start(Vec::new());
        let (harness, _) = TestRun::new(interactive)
            .prompter(prompter)
            .start(&server, &["setup"]);
        (harness, server)
    }

    #[test]
    fn the_go_ahead_is_asked_or_given_by_the_flags() {
        struct Case {
            name: &'static str,
            interactive: bool,
            yes: bool,
            deletes: bool,
            /// The question asked and its answer.
            asks: Option<(&'static str, bool)>,
            goes_ahead: bool,
        }
        let cases = [
            Case {
                name: "--yes: nothing asked",
                interactive: true,
                yes: true,
                deletes: true,
                asks: None,
                goes_ahead: true,
            },
            Case {
                name: "no terminal, nothing deleted: go ahead",
                interactive: false,
                yes: false,
                deletes: false,
                asks: None,
                goes_ahead: true,
            },
            Case {
                name: "interactive, nothing deleted: asks",
                interactive: true,
                yes: false,
                deletes: false,
                asks: Some(("Make these changes?", true)),
                goes_ahead: true,
            },
            Case {
                name: "interactive, sign-ins deleted: asks, and no is no",
                interactive: true,
                yes: false,
                deletes: true,
                asks: Some(("Make these changes, deleting those sign-ins?", false)),
                goes_ahead: false,
            },
        ];
        let destructive = [DESTRUCTIVE.to_string()];
        for case in cases {
            let prompter = match case.asks {
                Some((prompt, answer)) => ScriptedPrompter::new().expect_confirm(prompt, answer),
                None => ScriptedPrompter::new(),
            };
            let deleted: &[String] = if case.deletes { &destructive } else { &[] };
            let (harness, server) = quiet_run(case.interactive, prompter);
            let answer = answers(&harness, case.yes, None).confirm(deleted);
            assert_eq!(answer.unwrap(), case.goes_ahead, "{}", case.name);
            let warned = harness
                .screen
                .text()
                .contains(&format!("warning: {DESTRUCTIVE}"));
            assert_eq!(warned, case.deletes, "{}", case.name);
            drop(harness);
            server.finish();
        }

        let (harness, server) = quiet_run(false, ScriptedPrompter::new());
        assert_refused(
            "no terminal, sign-ins deleted, no --yes: exit 2",
            answers(&harness, false, None).confirm(&destructive),
            (
                2,
                "this setup would delete developers' sign-ins on the runner, and this run may not ask",
                Some("pass --yes to go ahead, or keep the method on"),
            ),
        );
        drop(harness);
        server.finish();
    }

    fn discovery() -> Discovery {
        let url = |path: &str| Url::parse(&format!("https://login.example.com/t/{path}")).unwrap();
        Discovery {
            issuer: "https://login.example.com/t/v2.0".into(),
            tenant_id: "7e5a17c0-5a1d-4b0c-9e11-acde00000001".into(),
            authorization_endpoint: url("oauth2/v2.0/authorize"),
            token_endpoint: url("oauth2/v2.0/token"),
            device_authorization_endpoint: None,
            jwks_uri: url("discovery/v2.0/keys"),
        }
    }

    #[test]
    fn a_given_graph_token_is_used_and_an_optional_sign_in_may_be_declined() {
        let (harness, server) = quiet_run(true, ScriptedPrompter::new());
        let token = answers(&harness, false, Some("given-token"))
            .graph_token(&discovery(), false)
            .unwrap();
        assert_eq!(token.unwrap().expose(), "given-token");
        assert!(harness
            .screen
            .text()
            .contains("✓ using the Microsoft Graph token given"));
        drop(harness);
        server.finish();

        let prompter = ScriptedPrompter::new().expect_confirm(
            "Sign in to Microsoft Graph to check the app registration (redirect URI, ID tokens, \
             permissions)?",
            false,
        );
        let (harness, server) = quiet_run(true, prompter);
        let token = answers(&harness, false, None)
            .graph_token(&discovery(), true)
            .unwrap();
        assert!(token.is_none(), "declined: setup goes on without Graph");
        assert_eq!(harness.browser.opened(), Vec::<String>::new());
        assert_eq!(harness.store.accounts(), Vec::<String>::new());
        drop(harness);
        server.finish();
    }
}
