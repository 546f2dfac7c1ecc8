//! Device code sign-in (RFC 8628), for machines without a browser (`--device-code`).
//!
//! Shows the code and the URL, then polls the token endpoint at Entra's `interval` (5 s),
//! sleeping on the injected clock: `authorization_pending` keeps polling, `slow_down` adds 5 s to
//! the interval (both handled by the `oauth2` crate's loop), `authorization_declined` and
//! `expired_token` end it, and Conditional Access (AADSTS53003, 50005), which often blocks device
//! code sign-ins, is said in so many words with the browser sign-in suggested.
//!
//! What the server says is bounded before anyone uses it: the `interval` to at most
//! [`MAX_POLL_INTERVAL`] (a hostile or broken server could ask for years, or for an interval
//! whose `slow_down` increase overflows), the code's lifetime (`expires_in`) to at most
//! [`MAX_DEVICE_CODE_LIFETIME`]. Every wait between polls ends at once on Ctrl-C.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use oauth2::{DeviceAuthorizationUrl, ExtraDeviceAuthorizationFields, RequestTokenError, Scope};
use serde::{Deserialize, Serialize};
use url::Url;

use super::adapter::OAuthHttp;
use super::public_client::token_error;
use super::{EntraError, Flow, PublicClient, TokenSet};
use crate::error::{Error, Result};
use crate::http::Http;

/// The longest wait between two polls, whatever the server's `interval` (and its `slow_down`s).
pub const MAX_POLL_INTERVAL: Duration = Duration::from_secs(60);

/// The longest a device code is waited for, whatever its `expires_in` (Entra gives 15 minutes).
pub const MAX_DEVICE_CODE_LIFETIME: Duration = Duration::from_secs(3600);

/// What the person must do, shown before polling starts. The user code is meant to be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCodePrompt {
    pub user_code: String,
    pub verification_uri: Url,
    pub expires_at: DateTime<Utc>,
    /// Entra's own sentence ("To sign in, use a web browser to open …").
    pub message: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DeviceOptions {
    pub scopes: Vec<String>,
    /// Set by a Ctrl-C handler: polling stops with "interrupted".
    pub cancel: Option<Arc<AtomicBool>>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
struct EntraDeviceFields {
    #[serde(default)]
    message: Option<String>,
}

impl ExtraDeviceAuthorizationFields for EntraDeviceFields {}

/// Signs in with a device code; `show` is called once with the code and URL.
pub fn sign_in_device(
    http: &Http,
    client: &PublicClient,
    options: &DeviceOptions,
    show: &mut dyn FnMut(&DeviceCodePrompt),
) -> Result<TokenSet> {
    let endpoint = client
        .discovery
        .device_authorization_endpoint
        .clone()
        .ok_or_else(|| {
            Error::check("the tenant's OpenID configuration has no device code endpoint")
                .with_hint("sign in in the browser instead (leave out --device-code)")
        })?;
    let oauth = client
        .oauth()
        .set_device_authorization_url(DeviceAuthorizationUrl::from_url(endpoint));
    let adapter = OAuthHttp::new(http);
    let scopes: Vec<Scope> = options.scopes.iter().cloned().map(Scope::new).collect();
    let details: DeviceDetails = oauth
        .exchange_device_code()
        .add_scopes(scopes)
        .request(&adapter)
        .map_err(|err| token_error(err, &adapter, Flow::DeviceCode))?;

    let details = bounded(details)?;
    let clock = http.clock().clone();
    let expires_at = crate::clock::later(clock.now(), details.expires_in());
    show(&DeviceCodePrompt {
        user_code: details.user_code().secret().clone(),
        verification_uri: details.verification_uri().url().clone(),
        expires_at,
        message: details.extra_fields().message.clone(),
    });

    let cancel = options.cancel.clone();
    let cancelled = move || cancel.as_ref().is_some_and(|c| c.load(Ordering::SeqCst));
    let time_clock = clock.clone();
    let time_cancelled = cancelled.clone();
    let outcome = oauth
        .exchange_device_access_token(&details)
        // A cancelled sign-in looks, to the crate's loop, like time running out.
        .set_time_fn(move || {
            if time_cancelled() {
                DateTime::<Utc>::MAX_UTC
            } else {
                time_clock.now()
            }
        })
        .request(
            &adapter,
            |wait| {
                let wait = wait.min(MAX_POLL_INTERVAL);
                match &options.cancel {
                    Some(cancel) => {
                        clock.sleep_unless(wait, cancel);
                    }
                    None => clock.sleep(wait),
                }
            },
            Some(details.expires_in()),
        );
    if cancelled() {
        return Err(Error::interrupted());
    }
    let response = match outcome {
        Ok(response) => response,
        Err(RequestTokenError::ServerResponse(answer))
            if *answer.error() == oauth2::DeviceCodeErrorResponseType::ExpiredToken =>
        {
            // Either Entra said so, or the crate's own deadline passed while Entra still
            // said "pending": both are an expired device code.
            let said = adapter
                .take_last_error()
                .and_then(|(status, body)| EntraError::parse(status, &body))
                .filter(|e| e.error != "authorization_pending")
                .unwrap_or_else(|| EntraError::from_redirect("expired_token", None));
            return Err(said.to_error(Flow::DeviceCode));
        }
        Err(err) => return Err(token_error(err, &adapter, Flow::DeviceCode)),
    };
    client.token_set(http, &response, None, None)
}

type DeviceDetails = oauth2::DeviceAuthorizationResponse<EntraDeviceFields>;

/// The device code answer with its `interval` and `expires_in` bounded (see the module doc). The
/// `oauth2` crate keeps both private and reads them in its polling loop, so the bounded values
/// are written back through its own (de)serialization.
fn bounded(details: DeviceDetails) -> Result<DeviceDetails> {
    let unreadable = || {
        Error::service(format!(
            "{} failed: the device code answer cannot be read back",
            Flow::DeviceCode.what()
        ))
    };
    let mut fields = serde_json::to_value(&details).map_err(|_| unreadable())?;
    // At least a second: an interval of zero would poll as fast as the network allows.
    let interval = details
        .interval()
        .clamp(Duration::from_secs(1), MAX_POLL_INTERVAL);
    let lifetime = details.expires_in().min(MAX_DEVICE_CODE_LIFETIME);
    fields["interval"] = interval.as_secs().into();
    fields["expires_in"] = lifetime.as_secs().into();
    serde_json::from_value(fields).map_err(|_| unreadable())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::entra::test_support::{
        entra, entra_error, field, token_answer, DynServer, CLIENT, MARKER,
    };
    use crate::clients::test_server::http as test_http;
    use std::sync::Mutex;

    fn device_answer() -> serde_json::Value {
        serde_json::json!({
            "user_code": "ABCD-EFGH",
            "device_code": format!("{MARKER}-device"),
            "verification_uri": "https://microsoft.com/devicelogin",
            "expires_in": 900,
            "interval": 5,
            "message": "To sign in, use a web browser to open the page https://microsoft.com/devicelogin and enter the code ABCD-EFGH to authenticate.",
        })
    }

    fn options() -> DeviceOptions {
        DeviceOptions {
            scopes: vec!["openid".into(), "offline_access".into()],
            cancel: None,
        }
    }

    /// Entra's answers to successive polls, after the device code request.
    fn script(polls: Vec<(u16, serde_json::Value)>) -> DynServer {
        let polls = Mutex::new(polls.into_iter());
        entra(move |form| {
            if field(form, "grant_type").is_none() {
                assert_eq!(field(form, "client_id"), Some(CLIENT));
                assert_eq!(field(form, "scope"), Some("openid offline_access"));
                return (200, device_answer());
            }
            assert_eq!(
                field(form, "grant_type"),
                Some("urn:ietf:params:oauth:grant-type:device_code")
            );
            assert_eq!(
                field(form, "device_code"),
                Some(format!("{MARKER}-device").as_str())
            );
            polls
                .lock()
                .unwrap()
                .next()
                .expect("no more polls expected")
        })
    }

    fn pending() -> (u16, serde_json::Value) {
        (400, entra_error("authorization_pending", 70016))
    }

    #[test]
    fn slow_down_adds_five_seconds_on_the_injected_clock() {
        let server = script(vec![
            pending(),
            (
                400,
                serde_json::json!({"error": "slow_down", "error_codes": [70016]}),
            ),
            pending(),
            (200, token_answer(Some((CLIENT, None)), "refresh")),
        ]);
        let (http, clock) = test_http();
        let client = PublicClient::new(CLIENT, server.discovery());
        let mut shown = Vec::new();
        let tokens =
            sign_in_device(&http, &client, &options(), &mut |p| shown.push(p.clone())).unwrap();
        assert_eq!(tokens.username(), Some("admin@contoso.com"));
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].user_code, "ABCD-EFGH");
        assert_eq!(
            shown[0].verification_uri.as_str(),
            "https://microsoft.com/devicelogin"
        );
        assert_eq!(
            shown[0].expires_at.to_rfc3339(),
            "2025-01-01T00:15:00+00:00"
        );
        assert!(shown[0].message.as_deref().unwrap().contains("ABCD-EFGH"));
        let secs: Vec<u64> = clock.sleeps().iter().map(Duration::as_secs).collect();
        assert_eq!(secs, vec![5, 10, 10]);
    }

    #[test]
    fn declined_and_expired_end_the_polling() {
        let cases = [
            (entra_error("authorization_declined", 70017), "declined", 3),
            (
                entra_error("expired_token", 70019),
                "device code expired",
                3,
            ),
            (
                serde_json::json!({"error": "authorization_declined"}),
                "declined",
                3,
            ),
            (
                serde_json::json!({"error": "expired_token"}),
                "device code expired",
                3,
            ),
        ];
        for (answer, words, exit) in cases {
            let server = script(vec![pending(), (400, answer)]);
            let (http, _clock) = test_http();
            let client = PublicClient::new(CLIENT, server.discovery());
            let err = sign_in_device(&http, &client, &options(), &mut |_| {}).unwrap_err();
            assert_eq!(err.exit_code(), exit, "{err}");
            assert!(err.message.contains(words), "{words}: {}", err.message);
            assert!(!err.to_string().contains(MARKER));
        }
    }

    #[test]
    fn conditional_access_suggests_the_browser() {
        for code in [53003, 50005] {
            let server = script(vec![(400, entra_error("invalid_grant", code))]);
            let (http, _clock) = test_http();
            let client = PublicClient::new(CLIENT, server.discovery());
            let err = sign_in_device(&http, &client, &options(), &mut |_| {}).unwrap_err();
            assert_eq!(err.exit_code(), 3);
            assert!(
                err.message.contains("Conditional Access"),
                "{}",
                err.message
            );
            assert!(err.message.contains(&format!("AADSTS{code}")));
            assert!(err
                .hint
                .as_deref()
                .unwrap()
                .contains("without --device-code"));
            assert!(err
                .to_string()
                .contains("trace ID trace-1, correlation ID corr-1"));
        }
    }

    #[test]
    fn the_code_expires_on_the_clock_while_still_pending() {
        // 900 s at 5 s a poll: 181 polls, all pending.
        let server = script((0..200).map(|_| pending()).collect());
        let (http, clock) = test_http();
        let client = PublicClient::new(CLIENT, server.discovery());
        let err = sign_in_device(&http, &client, &options(), &mut |_| {}).unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert!(
            err.message.contains("device code expired"),
            "{}",
            err.message
        );
        let waited: u64 = clock.sleeps().iter().map(Duration::as_secs).sum();
        assert!((900..=905).contains(&waited), "{waited}");
    }

    #[test]
    fn public_client_flows_disabled_is_a_check_failure() {
        let server = entra(|_| (401, entra_error("invalid_client", 7000218)));
        let (http, _clock) = test_http();
        let client = PublicClient::new(CLIENT, server.discovery());
        let err =
            sign_in_device(&http, &client, &options(), &mut |_| panic!("no prompt")).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err.message.contains("AADSTS7000218"));
    }

    #[test]
    fn cancel_stops_polling() {
        let server = script((0..5).map(|_| pending()).collect());
        let (http, _clock) = test_http();
        let client = PublicClient::new(CLIENT, server.discovery());
        let cancel = Arc::new(AtomicBool::new(false));
        let opts = DeviceOptions {
            cancel: Some(cancel.clone()),
            ..options()
        };
        let err = sign_in_device(&http, &client, &opts, &mut |_| {
            cancel.store(true, Ordering::SeqCst)
        })
        .unwrap_err();
        assert_eq!(err.exit_code(), 130);
    }

    #[test]
    fn an_absurd_interval_and_lifetime_are_bounded() {
        let polls = Mutex::new(
            vec![
                pending(),
                (
                    400,
                    serde_json::json!({"error": "slow_down", "error_codes": [70016]}),
                ),
                pending(),
                (200, token_answer(Some((CLIENT, None)), "refresh")),
            ]
            .into_iter(),
        );
        let server = entra(move |form| {
            if field(form, "grant_type").is_none() {
                let mut answer = device_answer();
                answer["expires_in"] = 9_000_000_000_000u64.into();
                answer["interval"] = u64::MAX.into();
                return (200, answer);
            }
            polls
                .lock()
                .unwrap()
                .next()
                .expect("no more polls expected")
        });
        let (http, clock) = test_http();
        let client = PublicClient::new(CLIENT, server.discovery());
        let mut shown = Vec::new();
        sign_in_device(&http, &client, &options(), &mut |p| shown.push(p.clone())).unwrap();
        // The code is waited for an hour at most, and no wait is longer than a minute.
        assert_eq!(
            shown[0].expires_at.to_rfc3339(),
            "2025-01-01T01:00:00+00:00"
        );
        assert_eq!(clock.sleeps(), vec![MAX_POLL_INTERVAL; 3]);
    }

    #[test]
    fn ctrl_c_during_the_wait_between_polls_ends_it_at_once() {
        let cancel = Arc::new(AtomicBool::new(false));
        let pressed = cancel.clone();
        let server = entra(move |form| {
            if field(form, "grant_type").is_none() {
                return (200, device_answer());
            }
            // Ctrl-C while the first answer is on its way: the wait after it must not happen.
            pressed.store(true, Ordering::SeqCst);
            pending()
        });
        let (http, clock) = test_http();
        let client = PublicClient::new(CLIENT, server.discovery());
        let opts = DeviceOptions {
            cancel: Some(cancel),
            ..options()
        };
        let err = sign_in_device(&http, &client, &opts, &mut |_| {}).unwrap_err();
        assert_eq!(err.exit_code(), 130);
        assert_eq!(clock.sleeps(), Vec::<Duration>::new(), "no wait was slept");
    }
}
