//! What the setup flow asks of the admin while it runs: the Microsoft Graph sign-in (a token
//! given up front, a remembered sign-in, or the browser or device code), and the go-ahead for
//! the changes, which a run that may not ask gives only for harmless ones or with `--yes`.

use crate::cli::SetupArgs;
use crate::commands::context::StoreOnDemand;
use crate::deps::{Browser, Prompter};
use crate::error::{Error, ErrorKind, Result};
use crate::flows::setup::Interaction;
use crate::http::Http;
use crate::interrupt::Interrupt;
use crate::issuer::Discovery;
use crate::oauth::graph_signin::{
    graph_token, GraphSignIn, GraphTokenSource, SignInMethod, TerminalSignInUi,
};
use crate::secret::Secret;
use crate::ui::Ui;

/// The Graph sign-in of a command without setup's sign-in flags: the browser on a random
/// port, the Microsoft Graph Command Line Tools client.
pub(crate) fn sign_in_options_for(interactive: bool) -> GraphSignIn {
    GraphSignIn {
        interactive,
        ..GraphSignIn::default()
    }
}

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

/// What the flow asks of the person: the Graph sign-in and the go-ahead.
pub(crate) struct Answers<'a> {
    pub ui: &'a Ui,
    pub http: &'a Http,
    pub browser: &'a dyn Browser,
    pub prompter: &'a mut dyn Prompter,
    pub interrupt: &'a Interrupt,
    /// Where the admin's Graph sign-in is kept: opened only by a sign-in, so a run that
    /// needs none (PAT only, Server, a given Graph token) does not touch it.
    pub store: StoreOnDemand<'a>,
    /// `--no-browser` not given.
    pub open_browser: bool,
    pub given: Option<Secret>,
    pub sign_in: GraphSignIn,
    pub yes: bool,
}

impl Answers<'_> {
    fn sign_in(&mut self, discovery: &Discovery, interactive: bool) -> Result<Secret> {
        let store = self.store.open(self.ui);
        let options = GraphSignIn {
            interactive,
            ..self.sign_in.clone()
        };
        let mut sign_in_ui = TerminalSignInUi {
            ui: self.ui,
            browser: self.browser,
            open_browser: self.open_browser,
        };
        let spinner = (!interactive).then(|| self.ui.spinner("Signing in to Microsoft Graph"));
        // Ctrl-C during the sign-in's wait closes the listener and ends with exit 130.
        let http = self.http;
        let token = self.interrupt.cancellable(|cancel| {
            let options = GraphSignIn {
                cancel: Some(cancel),
                ..options
            };
            graph_token(http, discovery, store, None, &options, &mut sign_in_ui)
        })?;
        drop(spinner);
        let who = token
            .tokens
            .username()
            .map(|u| format!(" as {u}"))
            .unwrap_or_default();
        match token.source {
            GraphTokenSource::Stored => self.ui.ok(format!(
                "signed in to Microsoft Graph{who} (remembered sign-in)"
            )),
            GraphTokenSource::SignedIn => self.ui.ok(format!(
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
            self.ui.ok(
                "using the Microsoft Graph token given (--graph-token-stdin / ADO_SCM_GRAPH_TOKEN)",
            );
            return Ok(Some(token.clone()));
        }
        let interactive = self.ui.interactive();
        if optional {
            if interactive {
                let sign_in = self.prompter.confirm(
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
            self.ui.warn(warning);
        }
        if self.yes {
            return Ok(true);
        }
        if !self.ui.interactive() {
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
        self.prompter.confirm(question, destructive.is_empty())
    }
}
