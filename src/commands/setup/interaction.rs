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

/// The Graph sign-in `--graph-client-id`, `--grant-admin-consent`, `--device-code` and
/// `--port` ask for.
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
        interactive,
        ..GraphSignIn::default()
    }
}

/// What the flow asks of the person: the Graph sign-in and the go-ahead. The secret store,
/// where the admin's Graph sign-in is kept, is opened only by a sign-in, so a run that needs
/// none (PAT only, Server, a given Graph token) does not touch it.
pub(super) struct Answers<'a> {
    pub deps: &'a Deps,
    /// `--no-browser` not given.
    pub open_browser: bool,
    pub given: Option<Secret>,
    pub sign_in: GraphSignIn,
    pub yes: bool,
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
        let interactive = self.deps.ui.interactive();
        if optional {
            if interactive {
                let sign_in = self.deps.prompter.confirm(
                    "Sign in to Microsoft Graph to check the app registration (redirect URI, ID \
                     tokens, permissions)?",
                    true,
                )?;
                if !sign_in {
                    return Ok(None);
                }
            } else {
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
        self.deps.prompter.confirm(question, destructive.is_empty())
    }
}
