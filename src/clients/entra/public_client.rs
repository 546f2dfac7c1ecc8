//! A public client of one tenant (no secret: the admin's Microsoft Graph sign-in), on the
//! `oauth2` crate driven through [`OAuthHttp`] over our one [`Http`] client: the authorization
//! request and its code redemption (PKCE S256, `state`, a nonce checked in the ID token), and
//! the refresh grant. The device code grant is in `device.rs`; receiving the redirect in a
//! browser sign-in is the loopback listener's job (`src/oauth/`).
//!
//! Codes, verifiers and tokens are [`Secret`]s or stay inside the `oauth2` types (whose `Debug`
//! is redacted); no message is built from them.

use std::fmt;

use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, CsrfToken, EndpointNotSet, EndpointSet,
    ErrorResponse, ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    RefreshToken, RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse,
    TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use url::Url;

use super::adapter::OAuthHttp;
use super::id_token;
use super::issuer::Discovery;
use super::{error_from_status, EntraError, Flow, TokenSet, SERVICE};
use crate::error::{Error, Result};
use crate::http::Http;
use crate::secret::Secret;

/// A public client (no secret) of one tenant.
#[derive(Debug, Clone)]
pub struct PublicClient {
    pub client_id: String,
    pub discovery: Discovery,
}

/// The ID token as the token endpoint sends it; `Debug` hides it.
#[derive(Clone, Deserialize, Serialize)]
#[serde(transparent)]
pub(crate) struct RawIdToken(String);

impl fmt::Debug for RawIdToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RawIdToken(<redacted>)")
    }
}

/// Entra's token answer beyond RFC 6749: the ID token.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub(crate) struct EntraTokenFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<RawIdToken>,
}

impl ExtraTokenFields for EntraTokenFields {}

pub(crate) type EntraTokenResponse = StandardTokenResponse<EntraTokenFields, BasicTokenType>;

pub(crate) type EntraClient<HasAuth, HasDevice, HasToken> = oauth2::Client<
    BasicErrorResponse,
    EntraTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    HasAuth,
    HasDevice,
    EndpointNotSet,
    EndpointNotSet,
    HasToken,
>;

impl PublicClient {
    pub fn new(client_id: impl Into<String>, discovery: Discovery) -> Self {
        PublicClient {
            client_id: client_id.into(),
            discovery,
        }
    }

    /// The `oauth2` client with the token endpoint; the client id goes in the body (a public
    /// client has no secret for Basic auth).
    pub(crate) fn oauth(&self) -> EntraClient<EndpointNotSet, EndpointNotSet, EndpointSet> {
        oauth2::Client::new(ClientId::new(self.client_id.clone()))
            .set_auth_type(AuthType::RequestBody)
            .set_token_uri(TokenUrl::from_url(self.discovery.token_endpoint.clone()))
    }

    /// Turns a token answer into a [`TokenSet`], checking the ID token when there is one.
    pub(crate) fn token_set(
        &self,
        http: &Http,
        response: &EntraTokenResponse,
        nonce: Option<&str>,
        old_refresh_token: Option<&Secret>,
    ) -> Result<TokenSet> {
        let now = http.clock().now();
        let id_token = match &response.extra_fields().id_token {
            Some(raw) => Some(id_token::check_id_token(
                http,
                &self.discovery.jwks_uri,
                Secret::new(raw.0.clone()),
                &id_token::Expected {
                    issuer: &self.discovery.issuer,
                    audience: &self.client_id,
                    nonce,
                    now,
                },
            )?),
            None => None,
        };
        Ok(TokenSet {
            access_token: Secret::new(response.access_token().secret().clone()),
            refresh_token: response
                .refresh_token()
                .map(|t| Secret::new(t.secret().clone()))
                .or_else(|| old_refresh_token.cloned()),
            id_token,
            expires_at: response
                .expires_in()
                .map(|lifetime| crate::clock::expires_at(now, lifetime)),
            scopes: response
                .scopes()
                .map(|s| s.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default(),
        })
    }
}

/// Turns the `oauth2` crate's error into ours, reading Entra's full error answer (codes, ids)
/// that the adapter kept. Never uses the crate's messages that could hold a response body.
pub(crate) fn token_error<TE: ErrorResponse + 'static>(
    err: RequestTokenError<Error, TE>,
    adapter: &OAuthHttp<'_>,
    flow: Flow,
) -> Error {
    if let RequestTokenError::Request(err) = err {
        return err;
    }
    if let Some((status, body)) = adapter.take_last_error() {
        return match EntraError::parse(status, &body) {
            Some(entra_err) => entra_err.to_error(flow),
            None => error_from_status(status, flow),
        };
    }
    let detail = match err {
        // The path of the field, never serde's message (which can quote a value).
        RequestTokenError::Parse(parse, _) => format!("unreadable field `{}`", parse.path()),
        RequestTokenError::Other(message) => message,
        RequestTokenError::ServerResponse(_) => "an error answer".into(),
        RequestTokenError::Request(_) => unreachable!("handled above"),
    };
    Error::service(format!(
        "{} failed: {SERVICE} sent an answer ado-scm cannot use",
        flow.what()
    ))
    .caused_by(detail)
}

fn scopes_of(scopes: &[String]) -> Vec<Scope> {
    scopes.iter().map(|s| Scope::new(s.clone())).collect()
}

/// What the authorization request asks for, besides the client and the redirect.
#[derive(Debug, Clone, Default)]
pub struct AuthorizeRequest {
    pub scopes: Vec<String>,
    /// `login_hint`: the account to preselect.
    pub login_hint: Option<String>,
    /// `prompt`: `select_account`, `consent`, `login`.
    pub prompt: Option<String>,
}

/// An authorization request on its way: the URL to open, and what its answer must match and
/// its redemption must carry. Only the URL and `state` are shown to anyone.
pub struct Authorization {
    url: Url,
    state: CsrfToken,
    verifier: PkceCodeVerifier,
    nonce: CsrfToken,
    redirect_uri: RedirectUrl,
    scopes: Vec<String>,
}

impl fmt::Debug for Authorization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorization")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

impl Authorization {
    /// The authorize URL: authorization code with PKCE (S256), `response_mode=query`, a fresh
    /// `state` and nonce.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The `state` the redirect must carry back.
    pub fn state(&self) -> &str {
        self.state.secret()
    }
}

impl PublicClient {
    /// Starts an authorization code + PKCE request that comes back to `redirect_uri`.
    pub fn authorize(
        &self,
        redirect_uri: &str,
        request: &AuthorizeRequest,
    ) -> Result<Authorization> {
        let redirect_uri = RedirectUrl::new(redirect_uri.to_string())
            .map_err(|_| Error::local("the loopback redirect URI is not a URL"))?;
        let oauth = self
            .oauth()
            .set_auth_uri(AuthUrl::from_url(
                self.discovery.authorization_endpoint.clone(),
            ))
            .set_redirect_uri(redirect_uri.clone());
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let nonce = CsrfToken::new_random();
        let mut authorize = oauth
            .authorize_url(CsrfToken::new_random)
            .add_scopes(scopes_of(&request.scopes))
            .set_pkce_challenge(challenge)
            .add_extra_param("response_mode", "query")
            .add_extra_param("nonce", nonce.secret().clone());
        if let Some(hint) = &request.login_hint {
            authorize = authorize.add_extra_param("login_hint", hint.clone());
        }
        if let Some(prompt) = &request.prompt {
            authorize = authorize.add_extra_param("prompt", prompt.clone());
        }
        let (url, state) = authorize.url();
        Ok(Authorization {
            url,
            state,
            verifier,
            nonce,
            redirect_uri,
            scopes: request.scopes.clone(),
        })
    }

    /// Redeems the code the redirect of `authorization` brought: with its PKCE verifier and
    /// redirect URI, and its nonce expected in the ID token.
    pub fn redeem_code(
        &self,
        http: &Http,
        authorization: Authorization,
        code: &Secret,
    ) -> Result<TokenSet> {
        let Authorization {
            verifier,
            nonce,
            redirect_uri,
            scopes,
            ..
        } = authorization;
        let adapter = OAuthHttp::new(http);
        let response = self
            .oauth()
            .set_redirect_uri(redirect_uri)
            .exchange_code(AuthorizationCode::new(code.expose().to_string()))
            .set_pkce_verifier(verifier)
            .add_extra_param("scope", scopes.join(" "))
            .request(&adapter)
            .map_err(|err| token_error(err, &adapter, Flow::Browser))?;
        self.token_set(http, &response, Some(nonce.secret()), None)
    }
}

/// Redeems a refresh token. The answer's refresh token (Entra rotates them) replaces the old
/// one in the caller's store; if Entra sent none, the old one is kept in the set.
pub fn refresh(
    http: &Http,
    client: &PublicClient,
    refresh_token: &Secret,
    scopes: &[String],
) -> Result<TokenSet> {
    let adapter = OAuthHttp::new(http);
    let token = RefreshToken::new(refresh_token.expose().to_string());
    let response = client
        .oauth()
        .exchange_refresh_token(&token)
        .add_scopes(scopes_of(scopes))
        .request(&adapter)
        .map_err(|err| token_error(err, &adapter, Flow::Refresh))?;
    client.token_set(http, &response, None, Some(refresh_token))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::clients::entra::test_support::{
        entra, entra_error, field, form, scopes, token_answer, DynServer, CLIENT, MARKER,
    };
    use crate::clients::entra::{client_credentials, ADO_DEFAULT_SCOPE};
    use crate::clients::test_server::http as test_http;

    #[test]
    fn refresh_returns_the_rotated_token_or_keeps_the_old_one() {
        let calls = Arc::new(Mutex::new(0));
        let server = {
            let calls = calls.clone();
            entra(move |form| {
                assert_eq!(field(form, "grant_type"), Some("refresh_token"));
                let mut n = calls.lock().unwrap();
                *n += 1;
                let answer = if *n == 1 {
                    token_answer(Some((CLIENT, None)), "rotated")
                } else {
                    token_answer(None, "")
                };
                (200, answer)
            })
        };
        let (http, _clock) = test_http();
        let client = PublicClient::new(CLIENT, server.discovery());
        let old = Secret::new("old-refresh");
        let first = refresh(&http, &client, &old, &scopes()).unwrap();
        assert_eq!(first.refresh_token.as_ref().unwrap().expose(), "rotated");
        assert_eq!(first.username(), Some("admin@contoso.com"));
        let second = refresh(&http, &client, &old, &scopes()).unwrap();
        assert_eq!(second.refresh_token.unwrap().expose(), "old-refresh");
        let f = form(&server.requests()[0]);
        assert_eq!(field(&f, "refresh_token"), Some("old-refresh"));
    }

    #[test]
    fn an_expired_refresh_token_is_an_auth_error() {
        let server = entra(|_| (400, entra_error("invalid_grant", 700082)));
        let (http, _clock) = test_http();
        let client = PublicClient::new(CLIENT, server.discovery());
        let err = refresh(&http, &client, &Secret::new(MARKER), &scopes()).unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert!(err.message.contains("AADSTS700082"));
        assert!(!format!("{err}{err:?}").contains(MARKER));
    }

    #[test]
    fn a_non_json_answer_names_the_status() {
        let server = DynServer::start(|_| (502, serde_json::json!("bad gateway")));
        let (http, _clock) = test_http();
        let client = PublicClient::new(CLIENT, server.discovery());
        let err = refresh(&http, &client, &Secret::new(MARKER), &scopes()).unwrap_err();
        assert_eq!(err.exit_code(), 1);
        assert!(err.message.contains("HTTP 502"), "{}", err.message);
    }

    /// An `expires_in` that would overflow the date arithmetic, from the token endpoint of a
    /// refresh, and of the client-credentials grant: clamped, no panic.
    #[test]
    fn an_absurd_expires_in_is_clamped() {
        for absurd in [9_000_000_000_000u64, u64::MAX] {
            let server = entra(move |form| {
                let mut answer = token_answer(None, "refresh-2");
                answer["expires_in"] = absurd.into();
                if field(form, "grant_type") == Some("client_credentials") {
                    answer.as_object_mut().unwrap().remove("refresh_token");
                }
                (200, answer)
            });
            let (http, clock) = test_http();
            let client = PublicClient::new(CLIENT, server.discovery());
            let now = crate::clock::Clock::now(clock.as_ref());
            let longest = Some(crate::clock::later(now, crate::clock::MAX_EXPIRES_IN));
            let tokens = refresh(&http, &client, &Secret::new("refresh-1"), &scopes()).unwrap();
            assert_eq!(tokens.expires_at, longest, "{absurd}");
            let tokens = client_credentials(
                &http,
                &client.discovery.token_endpoint,
                CLIENT,
                &Secret::new("secret"),
                ADO_DEFAULT_SCOPE,
            )
            .unwrap();
            assert_eq!(tokens.expires_at, longest, "{absurd}");
        }
    }
}
