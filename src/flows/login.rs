//! The developer's sign-in, once every answer is known: hand a checked PAT to the runner, or
//! wait while the runner completes an OAuth consent.

use std::time::Duration;

use serde::Serialize;

use crate::clients::ado::{AdoClient, AdoTarget, PatIdentity};
use crate::clients::gitpod::{GitpodClient, HostToken, Identity, NewHostToken, TokenSource};
use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::flows::read_back;
use crate::parallel;
use crate::secret::Secret;
use crate::ui::Ui;

/// Which runner, integration and Azure DevOps organization a sign-in is for.
#[derive(Debug, Clone)]
pub struct LoginTarget {
    pub runner_id: String,
    pub runner_name: String,
    pub host: String,
    pub integration_id: String,
    pub scm_id: String,
}

#[derive(Debug, Serialize)]
pub struct PatOutcome {
    pub runner_id: String,
    pub host: String,
    pub method: &'static str,
    pub authenticated: bool,
    pub azure_devops_user: String,
    pub token_id: String,
    /// Older PAT tokens of yours for the same host that the new one replaced.
    pub replaced: Vec<String>,
}

/// What a caller may have asked ahead, at the same time as other reads: who the caller is, the
/// runner's tokens, Azure DevOps' answer about the PAT. `None` parts are asked by the hand-over.
#[derive(Debug, Default)]
pub struct Known {
    pub me: Option<Result<Identity>>,
    /// The runner's tokens (the caller's are picked out once the caller is known).
    pub mine: Option<Result<Vec<HostToken>>>,
    pub pat_check: Option<Result<PatIdentity>>,
}

/// Who the caller is, and the runner's tokens: asked at once (the list is filtered to the
/// runner, and the caller's tokens picked out afterwards, so it need not wait for the caller).
pub fn callers_tokens(
    gitpod: &GitpodClient<'_>,
    runner_id: &str,
) -> Result<(Identity, Vec<HostToken>)> {
    let (me, tokens) = parallel::join(
        || gitpod.get_authenticated_identity(),
        || gitpod.list_host_authentication_tokens(Some(runner_id), None),
    );
    Ok((me?, tokens?))
}

/// The PAT scope a runner needs: Code (Read & write), which includes Code (Read).
pub const PAT_SCOPE: &str = "vso.code_write";

/// Checks the PAT against Azure DevOps, then hands it to the runner. A PAT Azure DevOps
/// rejects never reaches the runner.
///
/// The runner's answers are read with their lag in mind: a token whose create answer was lost
/// is looked for before another is sent, and "authenticated" is asked again a few times before
/// a missing one counts (see `flows/read_back.rs`).
pub fn hand_over_pat(
    gitpod: &GitpodClient<'_>,
    ado: &AdoClient<'_>,
    ui: &Ui,
    target: &LoginTarget,
    ado_target: &AdoTarget,
    pat: &Secret,
    known: Option<Known>,
) -> Result<PatOutcome> {
    // What was not asked ahead is asked now, at once: Azure DevOps about the PAT, Gitpod about
    // the caller and the tokens the runner holds already.
    let Known {
        me,
        mine,
        pat_check,
    } = known.unwrap_or_default();
    let (identity, caller) = ui.waiting("Checking the PAT with Azure DevOps", || {
        parallel::join(
            || pat_check.unwrap_or_else(|| ado.check_pat(ado_target, pat)),
            || -> Result<(Identity, Vec<HostToken>)> {
                match (me, mine) {
                    (Some(me), Some(mine)) => Ok((me?, mine?)),
                    _ => callers_tokens(gitpod, &target.runner_id),
                }
            },
        )
    });
    let identity: PatIdentity = identity?;
    ui.ok(format!(
        "Azure DevOps accepts the PAT ({}; {} repositories visible)",
        identity.display_name, identity.repositories
    ));
    let (me, before) = caller?;
    let before: Vec<HostToken> = before.into_iter().filter(|t| t.is_mine(&me)).collect();

    let new_token = NewHostToken {
        runner_id: target.runner_id.clone(),
        host: target.host.clone(),
        token: pat.clone(),
        source: TokenSource::Pat,
        expires_at: None,
        integration_id: Some(target.integration_id.clone()),
        scopes: vec![PAT_SCOPE.to_string()],
        subject: me.subject.clone(),
    };
    let (created, deleted, authenticated) = ui.waiting("Handing the PAT to the runner", || {
        let created = create_token_once(gitpod, &new_token, &me, &before)?;
        // A re-run replaces, never piles up: remove this user's older PAT tokens for the host
        // (found before the new one was made, so the new one is never among them).
        let old: Vec<&HostToken> = before
            .iter()
            .filter(|token| {
                token.is_mine(&me) && token.is_pat_for(&target.host) && token.id != created.id
            })
            .collect();
        let (deleted, authenticated) = parallel::join(
            || -> Result<Vec<String>> {
                let results = parallel::map(&old, 4, |token| {
                    gitpod.delete_host_authentication_token(&token.id)
                });
                results.into_iter().collect::<Result<Vec<()>>>()?;
                Ok(old.iter().map(|token| token.id.clone()).collect())
            },
            || {
                read_back::until_found(gitpod.clock(), || {
                    let check =
                        gitpod.check_authentication_for_host(&target.runner_id, &target.host)?;
                    Ok(check.authenticated.then_some(()))
                })
            },
        );
        Ok::<_, Error>((created, deleted, authenticated))
    })?;
    let replaced = deleted?;
    if authenticated?.is_none() {
        return Err(Error::auth(format!(
            "the runner took the PAT but does not report {} as authenticated",
            target.host
        ))
        .with_hint(
            "run `ado-scm status` in a minute; if it persists, ask an admin to run `ado-scm test`",
        ));
    }
    ui.ok(format!(
        "Runner {} can now reach {} with your PAT",
        target.runner_name, target.host
    ));
    Ok(PatOutcome {
        runner_id: target.runner_id.clone(),
        host: target.host.clone(),
        method: "pat",
        authenticated: true,
        azure_devops_user: identity.display_name,
        token_id: created.id,
        replaced,
    })
}

/// Hands the token over. A lost answer (a timeout, a 5xx) may hide a token that was stored:
/// the runner's tokens are read back (a few times: reads lag) for a new one of ours before it
/// is sent again, so the runner never holds two.
fn create_token_once(
    gitpod: &GitpodClient<'_>,
    new_token: &NewHostToken,
    me: &Identity,
    before: &[HostToken],
) -> Result<HostToken> {
    match gitpod.create_host_authentication_token(new_token) {
        Err(err) if err.outcome_unknown() => {
            let made = read_back::until_found(gitpod.clock(), || {
                Ok(gitpod
                    .list_host_authentication_tokens(
                        Some(&new_token.runner_id),
                        Some(&me.subject.id),
                    )?
                    .into_iter()
                    .find(|token| {
                        token.is_mine(me)
                            && token.is_pat_for(&new_token.host)
                            && before.iter().all(|earlier| earlier.id != token.id)
                    }))
            })?;
            match made {
                Some(token) => Ok(token),
                None => gitpod.create_host_authentication_token(new_token),
            }
        }
        other => other,
    }
}

#[derive(Debug, Serialize)]
pub struct OauthOutcome {
    pub runner_id: String,
    pub host: String,
    pub method: &'static str,
    pub authenticated: bool,
    pub waited_seconds: u64,
}

/// The caller's OAuth tokens for the host before the browser opened, and whether the runner
/// called the host authenticated then: the wait looks for an Entra sign-in made since, so a PAT
/// already in place is never taken for it.
pub fn oauth_tokens_before(
    gitpod: &GitpodClient<'_>,
    target: &LoginTarget,
    authenticated: bool,
) -> Result<OauthWatch> {
    let me = gitpod.get_authenticated_identity()?;
    let before = gitpod
        .list_host_authentication_tokens(Some(&target.runner_id), Some(&me.subject.id))?
        .into_iter()
        .filter(|token| token.is_mine(&me) && token.is_oauth_for(&target.host))
        .collect();
    Ok(OauthWatch {
        me,
        before,
        authenticated,
    })
}

/// What [`wait_for_oauth`] compares against.
pub struct OauthWatch {
    me: Identity,
    before: Vec<HostToken>,
    /// The runner called the host authenticated before the browser opened.
    authenticated: bool,
}

impl OauthWatch {
    /// Already signed in through Entra ID: an OAuth token of the caller's, and the runner
    /// calling the host authenticated.
    pub fn signed_in_already(&self) -> Option<&HostToken> {
        self.before.first().filter(|_| self.authenticated)
    }

    /// An OAuth token of the caller's for the host made by this sign-in: one that was not there
    /// before (or was renewed); when the host was not authenticated before, any (a consent that
    /// ended just before the tokens were first read counts too).
    fn new_token<'t>(&self, tokens: &'t [HostToken], host: &str) -> Option<&'t HostToken> {
        tokens.iter().find(|token| {
            token.is_mine(&self.me)
                && token.is_oauth_for(host)
                && (!self.authenticated
                    || !self.before.iter().any(|earlier| {
                        earlier.id == token.id && earlier.expires_at == token.expires_at
                    }))
        })
    }
}

/// Polls the runner until it holds an OAuth token of the caller's for the host (made by the
/// consent in the browser) and reports the host as authenticated, or the timeout passes
/// (exit 3). The clock is injected: tests never wait for real.
pub fn wait_for_oauth(
    gitpod: &GitpodClient<'_>,
    clock: &dyn Clock,
    ui: &Ui,
    target: &LoginTarget,
    watch: &OauthWatch,
    timeout: Duration,
    interval: Duration,
) -> Result<OauthOutcome> {
    let started = clock.now();
    let deadline = started + chrono::Duration::from_std(timeout).unwrap_or(chrono::Duration::MAX);
    let waited = ui.waiting("Waiting for the consent in the browser to complete", || {
        loop {
            let tokens = gitpod.list_host_authentication_tokens(
                Some(&target.runner_id),
                Some(&watch.me.subject.id),
            )?;
            if watch.new_token(&tokens, &target.host).is_some() {
                let check =
                    gitpod.check_authentication_for_host(&target.runner_id, &target.host)?;
                if check.authenticated {
                    return Ok((clock.now() - started).num_seconds().max(0) as u64);
                }
            }
            if clock.now() >= deadline {
                return Err(Error::auth(format!(
                    "the runner did not report an Entra ID sign-in for {} within {} s",
                    target.host,
                    timeout.as_secs()
                ))
                .with_hint(
                    "finish the consent in the browser, or run again with a longer --timeout",
                ));
            }
            clock.sleep(interval);
        }
    })?;
    ui.ok(format!(
        "Runner {} can now reach {} with your Entra ID account",
        target.runner_name, target.host
    ));
    Ok(OauthOutcome {
        runner_id: target.runner_id.clone(),
        host: target.host.clone(),
        method: "oauth",
        authenticated: true,
        waited_seconds: waited,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::test_server::{http, Stub, StubServer};
    use crate::ui::UiMode;

    const CHECK: &str = "/gitpod.v1.RunnerService/CheckAuthenticationForHost";

    fn target() -> LoginTarget {
        LoginTarget {
            runner_id: "r1".into(),
            runner_name: "runner".into(),
            host: "dev.azure.com".into(),
            integration_id: "i1".into(),
            scm_id: "azuredevops_entra".into(),
        }
    }

    fn quiet_ui() -> Ui {
        Ui::new(
            UiMode {
                quiet: true,
                ..UiMode::default()
            },
            Box::new(std::io::sink()),
            Box::new(std::io::sink()),
        )
    }

    const TOKENS: &str = "/gitpod.v1.RunnerConfigurationService/ListHostAuthenticationTokens";

    fn me() -> Identity {
        serde_json::from_value(serde_json::json!({
            "subject": {"id": "u1", "principal": "PRINCIPAL_USER"}
        }))
        .unwrap()
    }

    fn token(id: &str, source: &str) -> serde_json::Value {
        serde_json::json!({
            "id": id, "runnerId": "r1", "host": "dev.azure.com",
            "source": source, "subject": {"id": "u1"}
        })
    }

    fn tokens(list: Vec<serde_json::Value>) -> Stub {
        Stub::post(TOKENS).json(serde_json::json!({ "tokens": list }))
    }

    #[test]
    fn oauth_wait_polls_at_the_interval_until_an_oauth_token_of_mine_appears() {
        let pat = token("t-pat", "HOST_AUTHENTICATION_TOKEN_SOURCE_PAT");
        let server = StubServer::start(vec![
            // A PAT already in place: authenticated, but not through OAuth.
            tokens(vec![pat.clone()]),
            tokens(vec![pat.clone()]),
            tokens(vec![
                pat,
                token("t-oauth", "HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH"),
            ]),
            Stub::post(CHECK).json(serde_json::json!({ "authenticated": true })),
        ]);
        let (http, clock) = http();
        let gitpod = GitpodClient::new(&http, server.base(), Secret::new("k"));
        let watch = OauthWatch {
            me: me(),
            before: Vec::new(),
            authenticated: true,
        };
        let outcome = wait_for_oauth(
            &gitpod,
            clock.as_ref(),
            &quiet_ui(),
            &target(),
            &watch,
            Duration::from_secs(60),
            Duration::from_secs(2),
        )
        .unwrap();
        assert!(outcome.authenticated);
        assert_eq!(outcome.waited_seconds, 4);
        assert_eq!(clock.sleeps(), vec![Duration::from_secs(2); 2]);
        server.finish();
    }

    #[test]
    fn an_oauth_token_renewed_by_the_consent_is_the_new_sign_in_an_unchanged_one_is_not() {
        let at = |id: &str, expires: &str| -> HostToken {
            let mut token = token(id, "HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH");
            token["expiresAt"] = serde_json::json!(expires);
            serde_json::from_value(token).unwrap()
        };
        let watch = OauthWatch {
            me: me(),
            before: vec![at("t1", "2025-01-01T10:00:00Z")],
            authenticated: true,
        };
        let found = |tokens: &[HostToken]| {
            watch
                .new_token(tokens, "dev.azure.com")
                .map(|t| (t.id.clone(), t.expires_at))
        };
        assert_eq!(found(&[at("t1", "2025-01-01T10:00:00Z")]), None);
        let renewed = at("t1", "2025-01-02T10:00:00Z");
        assert_eq!(
            found(std::slice::from_ref(&renewed)),
            Some(("t1".into(), renewed.expires_at))
        );
        let other = at("t2", "2025-01-01T10:00:00Z");
        assert_eq!(
            found(std::slice::from_ref(&other)),
            Some(("t2".into(), other.expires_at))
        );
        // Not authenticated before: any OAuth token of mine is the sign-in.
        let first = OauthWatch {
            authenticated: false,
            ..watch
        };
        assert!(first
            .new_token(&[at("t1", "2025-01-01T10:00:00Z")], "dev.azure.com")
            .is_some());
    }

    #[test]
    fn oauth_wait_gives_up_at_the_timeout_with_exit_3() {
        // 10 s timeout, 2 s interval: looks at 0, 2, 4, 6, 8, 10, then give up. The OAuth
        // token that was there before the consent does not count.
        let old = token("t-old", "HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH");
        let stubs = (0..6).map(|_| tokens(vec![old.clone()])).collect();
        let server = StubServer::start(stubs);
        let (http, clock) = http();
        let gitpod = GitpodClient::new(&http, server.base(), Secret::new("k"));
        let watch = OauthWatch {
            me: me(),
            before: vec![serde_json::from_value(old).unwrap()],
            authenticated: true,
        };
        let err = wait_for_oauth(
            &gitpod,
            clock.as_ref(),
            &quiet_ui(),
            &target(),
            &watch,
            Duration::from_secs(10),
            Duration::from_secs(2),
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert!(err.message.contains("within 10 s"), "{}", err.message);
        assert_eq!(clock.sleeps().len(), 5);
        server.finish();
    }
}
