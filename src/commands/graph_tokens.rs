//! The admin's Microsoft Graph tokens for the commands that work on many integrations at once
//! (`doctor`, `apply`): one per tenant, settled before the concurrent work starts, since a
//! sign-in may need the person at the terminal. They come the way setup gets its one
//! (`commands/setup/interaction.rs`): the token given (`--graph-token-stdin`,
//! `ADO_SCM_GRAPH_TOKEN`), the remembered sign-in, or (interactive) a sign-in.
//!
//! [`Settled`] then answers setup's flow from what was settled: each run finds its tenant's
//! token, and the go-ahead the command already asked for.

use std::collections::{HashMap, HashSet};

use super::setup::interaction::{sign_in_options_for, Answers};
use super::Context;
use crate::clients::entra::issuer::Discovery;
use crate::env::EnvVars;
use crate::error::{Error, ErrorKind, Result};
use crate::flows::doctor::GraphAccess;
use crate::flows::setup::Interaction;
use crate::secret::Secret;
use crate::stdin::StdinUser;

/// Why a script has no Graph access, and how to give it.
pub const NO_SIGN_IN: &str = "no Microsoft Graph sign-in at hand: pass --graph-token-stdin or set \
     ADO_SCM_GRAPH_TOKEN, or sign in once at a terminal (ado-scm remembers it)";

/// The Graph token given up front: on stdin with `--graph-token-stdin` (which stdin must be
/// free for), else in `ADO_SCM_GRAPH_TOKEN`.
pub fn given(ctx: &Context, stdin: bool) -> Result<Option<Secret>> {
    ctx.deps.stdin.claim(&[
        (stdin, StdinUser::GRAPH_TOKEN),
        (ctx.settings.gitpod_token_stdin, StdinUser::GITPOD_TOKEN),
    ])?;
    if stdin {
        return Ok(Some(ctx.deps.stdin.read_secret("Microsoft Graph token")?));
    }
    Ok(ctx.deps.env.secret(EnvVars::ADO_SCM_GRAPH_TOKEN))
}

/// A token per tenant of `tenants` (their discovery documents). `optional`: a run may go on
/// without one (doctor); interactively the admin is then asked whether to sign in.
/// `consent_in`: the tenants whose sign-in must also grant consent (as `setup
/// --grant-admin-consent` asks).
pub fn for_tenants(
    ctx: &Context,
    tenants: &[Discovery],
    given: Option<Secret>,
    optional: bool,
    consent_in: &HashSet<String>,
) -> Result<HashMap<String, GraphAccess>> {
    let mut found = HashMap::new();
    let interactive = ctx.interactive();
    let mut answers = Answers {
        deps: &ctx.deps,
        open_browser: !ctx.settings.no_browser,
        given,
        sign_in: sign_in_options_for(interactive),
        yes: false,
        declined: false,
    };
    for discovery in tenants {
        if found.contains_key(&discovery.tenant_id) {
            continue;
        }
        answers.sign_in.consent = consent_in.contains(&discovery.tenant_id);
        let access = match answers.graph_token(discovery, optional) {
            Ok(Some(token)) => GraphAccess::Token(token),
            Ok(None) => GraphAccess::Skipped(NO_SIGN_IN.into()),
            Err(err) if err.kind == ErrorKind::Usage && !interactive => {
                GraphAccess::Skipped(NO_SIGN_IN.into())
            }
            Err(err) => return Err(err),
        };
        found.insert(discovery.tenant_id.clone(), access);
    }
    Ok(found)
}

/// Setup's questions answered from what the command settled before: the token of each
/// tenant, and the go-ahead (already asked for the whole plan).
pub struct Settled<'a> {
    pub tokens: &'a HashMap<String, GraphAccess>,
    /// Changes that delete developers' sign-ins may go ahead (`--yes`, or confirmed).
    pub destructive_ok: bool,
}

impl Interaction for Settled<'_> {
    fn graph_token(&mut self, discovery: &Discovery, optional: bool) -> Result<Option<Secret>> {
        match self.tokens.get(&discovery.tenant_id) {
            Some(GraphAccess::Token(token)) => Ok(Some(token.clone())),
            _ if optional => Ok(None),
            Some(GraphAccess::Skipped(why)) => Err(Error::usage(format!(
                "a Microsoft Graph sign-in is needed for tenant {}",
                discovery.tenant_id
            ))
            .with_hint(why.clone())),
            None => Err(Error::usage(format!(
                "a Microsoft Graph sign-in is needed for tenant {}, which the plan did not foresee",
                discovery.tenant_id
            ))
            .with_hint("run again: the plan reads each entry's tenant first")),
        }
    }

    /// With one tenant, its token: the flow may then read the app ahead of discovery. With
    /// several, none (which one is the run's is known only once its tenant is).
    fn graph_token_given(&self) -> Option<Secret> {
        match self.tokens.values().collect::<Vec<_>>().as_slice() {
            [GraphAccess::Token(token)] => Some(token.clone()),
            _ => None,
        }
    }

    fn confirm(&mut self, destructive: &[String]) -> Result<bool> {
        if destructive.is_empty() || self.destructive_ok {
            return Ok(true);
        }
        Err(Error::usage(format!(
            "this change would delete developers' sign-ins ({}), and was not confirmed",
            destructive.join("; ")
        ))
        .with_hint("pass --yes to go ahead"))
    }
}
