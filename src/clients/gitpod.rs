//! The Gitpod (Ona) management API: Connect RPC, unary, JSON (the Connect protocol:
//! <https://connectrpc.com/docs/protocol>).
//!
//! Every call is `POST {base}/gitpod.v1.{Service}/{Method}` with a JSON body, the Connect
//! protocol header and the API token as a bearer token. Field names are lowerCamelCase, enums
//! travel as their full value names, timestamps as RFC 3339, and absent fields mean defaults:
//! every response type here reads absent fields as their defaults and ignores unknown ones.
//!
//! Secrets (the API token, a user's PAT, a plaintext client secret) are put into a request only
//! inside the call that sends it; no type here holds one outside a [`Secret`].
//!
//! Errors: a Connect error `{code, message}` becomes an [`Error`] (see [`ConnectError`] for the
//! mapping) carrying the Connect code and HTTP status as typed facts ([`Error::code`]), so that
//! callers can remap the errors their user's input caused (an `invalid_argument` on a host they
//! typed is a usage error, a `failed_precondition` "runner does not have a public key" is a
//! failed check).
//!
//! Rate limits: a 429 (`resource_exhausted`) is retried on every call, reads and writes alike
//! (the service did nothing), after the wait the service asks for: the `google.rpc.RetryInfo`
//! detail's `retryDelay`, else `RateLimit-RetryAfter` / `Retry-After` (see [`Http`]).
//!
//! The API may move: a 307/308 answer is followed (method and body kept, at most
//! [`MAX_REDIRECTS`] times) when its target passes the same URL rule as `--gitpod-url` and does
//! not leave https; the token never goes anywhere else. The new base URL is used for the rest
//! of the run, and the person is told to update `--gitpod-url`.

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Map, Value};
use url::Url;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::{Error, Remote, Result};
use crate::http::{Http, Request, Response};
use crate::parallel;
use crate::seal::{self, RunnerPublicKey};
use crate::secret::Secret;
use crate::ui::Ui;
use crate::urls;

/// The service name in messages.
const SERVICE: &str = "Gitpod API";
const PAGE_SIZE: u32 = 100;
/// A guard against a server that never stops paging.
const MAX_PAGES: usize = 1000;
/// The methods that save an integration (their requests are also shown by `setup --dry-run`).
pub const CREATE_SCM_INTEGRATION: &str = "RunnerConfigurationService/CreateSCMIntegration";
pub const UPDATE_SCM_INTEGRATION: &str = "RunnerConfigurationService/UpdateSCMIntegration";
/// Redirects of the API followed in one call.
pub const MAX_REDIRECTS: usize = 5;
/// `ListSCMIntegrationsRequest.filter.runnerIds` takes at most this many ids (its
/// `buf.validate` rule): longer lists are asked in groups.
pub const MAX_RUNNER_IDS_PER_LIST: usize = 25;
/// Groups asked at once.
const CONCURRENT_GROUPS: usize = 4;
const TOKEN_HINT: &str = "set GITPOD_API_KEY or run again to enter a new token";
const URL_HINT: &str =
    "check --gitpod-url (ADO_SCM_GITPOD_URL): it is the API's URL, e.g. https://app.gitpod.io/api";

/// A client of one Gitpod API (base URL) with one token. Shareable between threads: calls
/// that do not depend on each other may run at once.
pub struct GitpodClient<'a> {
    http: &'a Http,
    /// Changes when the API answers with a move (see the module doc); shared by the clients of
    /// one run, so that one move is followed once.
    base: Arc<Mutex<Url>>,
    token: Secret,
    /// Where to tell the person that the API moved.
    notices: Option<&'a Ui>,
}

impl<'a> GitpodClient<'a> {
    /// `base` is the API's URL, e.g. `https://app.gitpod.io/api`; methods are joined below it.
    pub fn new(http: &'a Http, base: Url, token: Secret) -> Self {
        GitpodClient {
            http,
            base: Arc::new(Mutex::new(base)),
            token,
            notices: None,
        }
    }

    /// A client whose base URL is `base`, shared with other clients of the run: a move one of
    /// them follows holds for all.
    pub fn with_shared_base(mut self, base: Arc<Mutex<Url>>) -> Self {
        self.base = base;
        self
    }

    /// Warnings (the API moved) go to `ui`.
    pub fn with_notices(mut self, ui: &'a Ui) -> Self {
        self.notices = Some(ui);
        self
    }

    /// The clock of the HTTP client (for waits between reads).
    pub fn clock(&self) -> &dyn crate::clock::Clock {
        self.http.clock().as_ref()
    }

    /// The API's base URL now (after any move).
    pub fn base(&self) -> Url {
        self.base.lock().expect("base lock").clone()
    }

    /// Every runner of the caller's organization (all pages).
    pub fn list_runners(&self) -> Result<Vec<Runner>> {
        self.list_paged("RunnerService/ListRunners", Map::new(), "runners")
    }

    pub fn get_runner(&self, runner_id: &str) -> Result<Runner> {
        #[derive(Deserialize)]
        struct Answer {
            #[serde(default)]
            runner: Option<Runner>,
        }
        let answer: Answer = self.call(
            "RunnerService/GetRunner",
            json!({ "runnerId": runner_id }),
            true,
        )?;
        answer.runner.ok_or_else(|| {
            Error::service(format!("{SERVICE} returned no runner for `{runner_id}`"))
        })
    }

    /// Whether the caller is authenticated for `host` on the runner, and how they can be.
    pub fn check_authentication_for_host(
        &self,
        runner_id: &str,
        host: &str,
    ) -> Result<HostAuthCheck> {
        self.call(
            "RunnerService/CheckAuthenticationForHost",
            json!({ "runnerId": runner_id, "host": host }),
            true,
        )
    }

    pub fn get_authenticated_identity(&self) -> Result<Identity> {
        self.call("IdentityService/GetAuthenticatedIdentity", json!({}), true)
    }

    /// The SCM integrations of the given runners (all pages); no runner ids: no filter. More
    /// than [`MAX_RUNNER_IDS_PER_LIST`] ids are asked in groups, several groups at once.
    pub fn list_scm_integrations(&self, runner_ids: &[String]) -> Result<Vec<ScmIntegration>> {
        let groups: Vec<&[String]> = if runner_ids.is_empty() {
            vec![&[]]
        } else {
            runner_ids.chunks(MAX_RUNNER_IDS_PER_LIST).collect()
        };
        let answers = parallel::map(&groups, CONCURRENT_GROUPS, |ids| {
            let mut body = Map::new();
            if !ids.is_empty() {
                body.insert("filter".into(), json!({ "runnerIds": ids }));
            }
            self.list_paged::<ScmIntegration>(
                "RunnerConfigurationService/ListSCMIntegrations",
                body,
                "integrations",
            )
        });
        let mut list = Vec::new();
        for answer in answers {
            list.extend(answer?);
        }
        for integration in &mut list {
            integration.normalize();
        }
        Ok(list)
    }

    /// Hands a token to the runner. Retried only after a 429: after a timeout or a 5xx the
    /// token may be stored already ([`Error::outcome_unknown`]); the caller reads before it
    /// sends again.
    pub fn create_host_authentication_token(&self, req: &NewHostToken) -> Result<HostToken> {
        let mut body = Map::new();
        body.insert("runnerId".into(), req.runner_id.clone().into());
        body.insert("host".into(), req.host.clone().into());
        body.insert("token".into(), req.token.expose().into());
        body.insert("source".into(), req.source.as_wire().into());
        if let Some(at) = req.expires_at {
            body.insert("expiresAt".into(), timestamp(at).into());
        }
        insert_some(&mut body, "integrationId", &req.integration_id);
        if !req.scopes.is_empty() {
            body.insert("scopes".into(), json!(req.scopes));
        }
        body.insert(
            "subject".into(),
            json!({ "id": req.subject.id, "principal": req.subject.principal }),
        );
        #[derive(Deserialize)]
        struct Answer {
            #[serde(default)]
            token: Option<HostToken>,
        }
        let answer: Answer = self.call_carrying(
            "RunnerConfigurationService/CreateHostAuthenticationToken",
            Value::Object(body),
            false,
            Some(&req.token),
        )?;
        answer.token.ok_or_else(|| {
            Error::service(format!(
                "{SERVICE} stored the token but did not describe it"
            ))
        })
    }

    /// Host authentication tokens (never their values), filtered by runner and/or subject.
    pub fn list_host_authentication_tokens(
        &self,
        runner_id: Option<&str>,
        subject_id: Option<&str>,
    ) -> Result<Vec<HostToken>> {
        let mut filter = Map::new();
        if let Some(id) = runner_id {
            filter.insert("runnerId".into(), id.into());
        }
        if let Some(id) = subject_id {
            filter.insert("subjectId".into(), id.into());
        }
        let mut body = Map::new();
        if !filter.is_empty() {
            body.insert("filter".into(), Value::Object(filter));
        }
        self.list_paged(
            "RunnerConfigurationService/ListHostAuthenticationTokens",
            body,
            "tokens",
        )
    }

    /// Deletes a host authentication token. Retried like a read; `not_found` counts as done:
    /// the token is gone either way, and a retry after a first attempt that did delete it (but
    /// whose answer was lost) can only answer `not_found`.
    pub fn delete_host_authentication_token(&self, id: &str) -> Result<()> {
        self.delete_by_id(
            "RunnerConfigurationService/DeleteHostAuthenticationToken",
            id,
        )
    }

    /// Deletes an SCM integration, and with it every developer's sign-in for its host on the
    /// runner (`apply --prune`). Retried like a read; `not_found` counts as done, as above.
    pub fn delete_scm_integration(&self, id: &str) -> Result<()> {
        self.delete_by_id("RunnerConfigurationService/DeleteSCMIntegration", id)
    }

    /// A delete method that takes only the object's `id`.
    fn delete_by_id(&self, method: &str, id: &str) -> Result<()> {
        match self.send(method, json!({ "id": id }), true, None) {
            Ok(_) => Ok(()),
            Err(err) if err.code() == Some("not_found") => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// What the runner offers: its SCMs (the Azure DevOps ids, the OAuth callback URL).
    pub fn get_runner_configuration_schema(&self, runner_id: &str) -> Result<ConfigSchema> {
        #[derive(Deserialize)]
        struct Answer {
            #[serde(default)]
            schema: ConfigSchema,
        }
        let answer: Answer = self.call(
            "RunnerConfigurationService/GetRunnerConfigurationSchema",
            json!({ "runnerId": runner_id }),
            true,
        )?;
        Ok(answer.schema)
    }

    /// Asks the runner to check an integration before it is saved. With both secret forms
    /// given, only the sealed one is sent (the request takes one of them): the runner then
    /// proves it can open what will be saved.
    pub fn validate_runner_configuration(
        &self,
        runner_id: &str,
        integration: &ValidateIntegration,
    ) -> Result<ValidationResult> {
        let i = integration;
        let mut scm = Map::new();
        insert_some(&mut scm, "id", &i.id);
        scm.insert("scmId".into(), i.scm_id.clone().into());
        scm.insert("host".into(), i.host.clone().into());
        insert_some(&mut scm, "oauthClientId", &i.oauth_client_id);
        let mut carried = None;
        if let Some(sealed) = non_empty(&i.oauth_encrypted_client_secret) {
            scm.insert("oauthEncryptedClientSecret".into(), sealed.into());
        } else if let Some(secret) = &i.oauth_plaintext_client_secret {
            scm.insert("oauthPlaintextClientSecret".into(), secret.expose().into());
            carried = Some(secret);
        }
        scm.insert("pat".into(), i.pat.into());
        insert_some(&mut scm, "issuerUrl", &i.issuer_url);
        insert_some(&mut scm, "virtualDirectory", &i.virtual_directory);
        #[derive(Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Answer {
            #[serde(default)]
            scm_integration: ValidationResult,
        }
        let answer: Answer = self.call_carrying(
            "RunnerConfigurationService/ValidateRunnerConfiguration",
            json!({ "runnerId": runner_id, "scmIntegration": scm }),
            true,
            carried,
        )?;
        Ok(answer.scm_integration)
    }

    /// Creates an integration and returns its id. Retried only after a 429 (see
    /// [`GitpodClient::create_host_authentication_token`]). Whether the service refuses a
    /// duplicate (same runner, SCM and host) is not public: list first and update a match.
    pub fn create_scm_integration(&self, req: &ScmIntegrationWrite) -> Result<String> {
        let body = req.body(SecretInBody::Sent);
        #[derive(Deserialize)]
        struct Answer {
            #[serde(default)]
            id: String,
        }
        let answer: Answer = self.call_carrying(
            CREATE_SCM_INTEGRATION,
            body,
            false,
            req.oauth_plaintext_client_secret.as_ref(),
        )?;
        if answer.id.is_empty() {
            return Err(Error::service(format!(
                "{SERVICE} created the SCM integration but returned no id"
            )));
        }
        Ok(answer.id)
    }

    /// Updates an integration, sending only the fields that are `Some` (see
    /// [`ScmIntegrationUpdate`] for what some values delete). Sending the same update twice
    /// leaves the same integration: retried like a read.
    pub fn update_scm_integration(&self, id: &str, req: &ScmIntegrationUpdate) -> Result<()> {
        let body = req.body(id, SecretInBody::Sent);
        self.send(
            UPDATE_SCM_INTEGRATION,
            body,
            true,
            req.oauth_plaintext_client_secret.as_ref(),
        )?;
        Ok(())
    }

    /// The request a call sends (before any move of the API), for showing it (`--dry-run`):
    /// the method's URL and the body given (built by the same function the call uses).
    pub fn request_shown(&self, method: &str, body: Value) -> Request {
        Request::new(
            SERVICE,
            Method::POST,
            urls::join(&self.base(), &format!("gitpod.v1.{method}")),
        )
        .json(body)
    }

    /// Calls a method and reads its answer.
    fn call<T: DeserializeOwned>(&self, method: &str, body: Value, idempotent: bool) -> Result<T> {
        self.call_carrying(method, body, idempotent, None)
    }

    /// [`GitpodClient::call`] for a request that carries a secret in its body.
    fn call_carrying<T: DeserializeOwned>(
        &self,
        method: &str,
        body: Value,
        idempotent: bool,
        secret: Option<&Secret>,
    ) -> Result<T> {
        let response = self.send(method, body, idempotent, secret)?;
        read_answer(&response, method)
    }

    /// Calls every page of a list method and gathers the `field` arrays.
    fn list_paged<T: DeserializeOwned>(
        &self,
        method: &str,
        body: Map<String, Value>,
        field: &str,
    ) -> Result<Vec<T>> {
        let mut items = Vec::new();
        let mut token = String::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..MAX_PAGES {
            let mut page = body.clone();
            let mut pagination = json!({ "pageSize": PAGE_SIZE });
            if !token.is_empty() {
                pagination["token"] = token.clone().into();
            }
            page.insert("pagination".into(), pagination);
            let answer: Value = self.call(method, Value::Object(page), true)?;
            if let Some(list) = answer.get(field).filter(|v| !v.is_null()) {
                let list: Vec<T> = serde_json::from_value(list.clone()).map_err(|err| {
                    Error::service(format!(
                        "{SERVICE} sent an answer to {method} that ado-scm cannot read"
                    ))
                    .caused_by(err)
                })?;
                items.extend(list);
            }
            let next = answer
                .get("pagination")
                .and_then(|p| p.get("nextToken"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            if next.is_empty() {
                return Ok(items);
            }
            if !seen.insert(next.to_string()) {
                return Err(Error::service(format!(
                    "{SERVICE} sent the same page of {method} twice"
                )));
            }
            token = next.to_string();
        }
        Err(Error::service(format!(
            "{SERVICE} kept paging {method} past {MAX_PAGES} pages"
        )))
    }

    /// Sends one call, following the API's moves; a non-2xx answer becomes an error.
    fn send(
        &self,
        method: &str,
        body: Value,
        idempotent: bool,
        secret: Option<&Secret>,
    ) -> Result<Response> {
        let path = format!("gitpod.v1.{method}");
        let mut url = urls::join(&self.base(), &path);
        let mut moves = 0;
        let response = loop {
            let mut request = Request::new(SERVICE, Method::POST, url.clone())
                .header("content-type", "application/json")
                .header("connect-protocol-version", "1")
                .bearer(&self.token)
                .json(body.clone())
                .idempotent(idempotent)
                .retry_hint(retry_info_delay);
            if let Some(secret) = secret {
                request = request.carrying(secret);
            }
            let response = self.http.send(&request)?;
            if !matches!(response.status, 307 | 308) || moves >= MAX_REDIRECTS {
                break response;
            }
            url = moved_to(&url, &response, method)?;
            moves += 1;
            self.note_move(&url, &path);
        };
        if response.is_success() {
            if response.is_html() {
                return Err(Error::service(format!(
                    "the {SERVICE} URL answered {method} with a web page, not the API"
                ))
                .with_hint(URL_HINT)
                .with_remote(Remote::answered(SERVICE, response.status)));
            }
            return Ok(response);
        }
        Err(error_from(&response, method))
    }
}

/// A Connect error as the service sent it.
///
/// Mapping to [`Error`] (exit codes in brackets):
/// - `unauthenticated` → Auth [3] "the Gitpod API rejected the token: …", hint to set
///   `GITPOD_API_KEY` or run again to enter a new token;
/// - `permission_denied` → Auth [3] "Gitpod API: permission_denied: …";
/// - everything else (`invalid_argument`, `not_found`, `failed_precondition`, `already_exists`,
///   `unavailable`, …) → Service [1] "Gitpod API: <code>: <message>". Callers remap the ones
///   their user's input caused, reading the code with [`Error::code`].
///
/// `unavailable` and `resource_exhausted` (HTTP 503/429) have already been retried by
/// [`Http`] when the call was idempotent.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ConnectError {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

impl ConnectError {
    fn into_error(self, status: u16) -> Error {
        let ConnectError { code, message } = self;
        let with_message = |head: String| {
            if message.is_empty() {
                head
            } else {
                format!("{head}: {message}")
            }
        };
        let err = match code.as_str() {
            "unauthenticated" => {
                Error::auth(with_message("the Gitpod API rejected the token".into()))
                    .with_hint(TOKEN_HINT)
            }
            "permission_denied" => Error::auth(with_message(format!("{SERVICE}: {code}")))
                .with_hint(
                    "use the token of a user allowed to do this (configuring a runner needs an \
                     organization admin)",
                ),
            "unavailable" | "resource_exhausted" | "deadline_exceeded" => {
                Error::service(with_message(format!("{SERVICE}: {code}")))
                    .with_hint("the Gitpod API is busy or down: try again in a minute")
            }
            _ => Error::service(with_message(format!("{SERVICE}: {code}"))),
        };
        err.with_remote(Remote::answered(SERVICE, status).with_code(code))
    }
}

/// An error the user's own input caused (a malformed host, a value the API's rules refuse):
/// the API's `invalid_argument` becomes a usage error (exit 2) with `hint`; anything else
/// stays as it is.
pub fn input_error(err: Error, hint: &str) -> Error {
    if err.code() == Some("invalid_argument") {
        let mut usage = Error::usage(err.message.clone()).with_hint(hint);
        usage.remote = err.remote;
        usage
    } else {
        err
    }
}

/// The wait a `resource_exhausted` error asks for in its `google.rpc.RetryInfo` detail: Connect
/// JSON carries the detail as `{"type": "google.rpc.RetryInfo", "value": base64(proto bytes)}`,
/// where `RetryInfo { google.protobuf.Duration retry_delay = 1; }` and `Duration { int64 seconds
/// = 1; int32 nanos = 2; }`. Some servers add a `debug` object with `retryDelay` ("1.5s"): it
/// is read when the bytes are not.
fn retry_info_delay(response: &Response) -> Option<Duration> {
    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        details: Vec<Detail>,
    }
    #[derive(Deserialize)]
    struct Detail {
        #[serde(default, rename = "type")]
        kind: String,
        #[serde(default)]
        value: String,
        #[serde(default)]
        debug: Option<Value>,
    }
    let body: Body = serde_json::from_slice(&response.body).ok()?;
    let detail = body
        .details
        .into_iter()
        .find(|d| d.kind.trim_start_matches("type.googleapis.com/") == "google.rpc.RetryInfo")?;
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD_NO_PAD;
    let bytes = engine.decode(detail.value.trim_end_matches('=')).ok();
    bytes.and_then(|b| proto_retry_delay(&b)).or_else(|| {
        let text = detail.debug?.get("retryDelay")?.as_str()?.to_string();
        let secs: f64 = text.strip_suffix('s')?.parse().ok()?;
        (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(3600.0)))
    })
}

/// `RetryInfo.retry_delay` from its protobuf encoding (only the fields above; anything else is
/// skipped or ends the read).
fn proto_retry_delay(bytes: &[u8]) -> Option<Duration> {
    let mut fields = ProtoFields { bytes, at: 0 };
    while let Some((number, value)) = fields.next_field()? {
        if let (1, ProtoValue::Bytes(duration)) = (number, value) {
            let mut inner = ProtoFields {
                bytes: duration,
                at: 0,
            };
            let (mut seconds, mut nanos) = (0u64, 0u64);
            while let Some((n, v)) = inner.next_field()? {
                match (n, v) {
                    (1, ProtoValue::Varint(s)) => seconds = s,
                    (2, ProtoValue::Varint(n)) => nanos = n,
                    _ => {}
                }
            }
            let seconds = seconds.min(3600);
            return Some(Duration::new(seconds, (nanos % 1_000_000_000) as u32));
        }
    }
    None
}

enum ProtoValue<'b> {
    Varint(u64),
    Bytes(&'b [u8]),
}

/// Reads protobuf fields of wire types varint (0) and length-delimited (2).
struct ProtoFields<'b> {
    bytes: &'b [u8],
    at: usize,
}

impl<'b> ProtoFields<'b> {
    /// `Some(None)` at the end; `None` on a malformed or unsupported field.
    fn next_field(&mut self) -> Option<Option<(u64, ProtoValue<'b>)>> {
        if self.at >= self.bytes.len() {
            return Some(None);
        }
        let key = self.varint()?;
        let value = match key & 7 {
            0 => ProtoValue::Varint(self.varint()?),
            2 => {
                let len = usize::try_from(self.varint()?).ok()?;
                let end = self
                    .at
                    .checked_add(len)
                    .filter(|&e| e <= self.bytes.len())?;
                let slice = &self.bytes[self.at..end];
                self.at = end;
                ProtoValue::Bytes(slice)
            }
            _ => return None,
        };
        Some(Some((key >> 3, value)))
    }

    fn varint(&mut self) -> Option<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.at)?;
            self.at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    }
}

impl GitpodClient<'_> {
    /// The API answered a call with a move: later calls go straight to the new base.
    fn note_move(&self, url: &Url, path: &str) {
        let Some(new_base) = url
            .as_str()
            .strip_suffix(path)
            .and_then(|b| Url::parse(b.trim_end_matches('/')).ok())
        else {
            return;
        };
        let mut base = self.base.lock().expect("base lock");
        if *base == new_base {
            return;
        }
        *base = new_base.clone();
        drop(base);
        if let Some(ui) = self.notices {
            ui.warn(format!(
                "the Gitpod API moved to {new_base}: pass --gitpod-url {new_base} (or set \
                 ADO_SCM_GITPOD_URL) to go there directly"
            ));
        }
    }
}

/// Where a 307/308 answer sends the call, when the move may be followed: the target must pass
/// the URL rule of `--gitpod-url` (https, or http on loopback) and must not go from https to
/// http. Anything else is an error that names the target (never followed with the token).
fn moved_to(from: &Url, response: &Response, method: &str) -> Result<Url> {
    let status = response.status;
    let refuse = |why: String| {
        Error::service(format!(
            "{SERVICE} answered {method} with HTTP {status} (moved){why}: not followed"
        ))
        .with_hint(URL_HINT)
        .with_remote(Remote::answered(SERVICE, status))
    };
    let Some(location) = response.header("location") else {
        return Err(refuse(" without saying where".into()));
    };
    let target = from
        .join(location)
        .map_err(|_| refuse(" to an unusable URL".into()))?;
    let shown = urls::redact_url(&target);
    if urls::check_scheme(&target, "the moved Gitpod API").is_err() || !target.username().is_empty()
    {
        return Err(refuse(format!(
            " to {shown}, which is neither https nor loopback"
        )));
    }
    if from.scheme() == "https" && target.scheme() != "https" {
        return Err(refuse(format!(" to {shown}, which is not https")));
    }
    // Plain http is only ever a local stand-in's: a move there stays on its origin.
    if target.scheme() != "https" && target.origin() != from.origin() {
        return Err(refuse(format!(" to {shown}, which is not https")));
    }
    Ok(target)
}

fn error_from(response: &Response, method: &str) -> Error {
    if let Ok(connect) = serde_json::from_slice::<ConnectError>(&response.body) {
        if !connect.code.is_empty() {
            return connect.into_error(response.status);
        }
    }
    // Not a Connect answer: a proxy, a load balancer, or a URL that is not the API.
    let status = response.status;
    let head = format!("{SERVICE} answered {method} with HTTP {status}");
    let err = match status {
        401 => Error::auth(format!("the Gitpod API rejected the token (HTTP {status})"))
            .with_hint(TOKEN_HINT),
        300..=399 => {
            let target = response
                .header("location")
                .map(|l| format!(" to {l}"))
                .unwrap_or_default();
            Error::service(format!("{head} (a redirect{target})")).with_hint(URL_HINT)
        }
        404 | 405 => Error::service(head).with_hint(URL_HINT),
        _ => {
            let err = Error::service(head);
            match plain_text(response) {
                Some(text) => err.caused_by(text),
                None => err,
            }
        }
    };
    err.with_remote(Remote::answered(SERVICE, status))
}

/// A short plain-text error body worth showing (never an HTML page).
fn plain_text(response: &Response) -> Option<String> {
    if response.is_html() {
        return None;
    }
    let text = String::from_utf8_lossy(&response.body);
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    if line.starts_with('<') {
        return None;
    }
    Some(line.chars().take(200).collect())
}

fn read_answer<T: DeserializeOwned>(response: &Response, method: &str) -> Result<T> {
    let body: &[u8] = if response.body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        &response.body
    };
    serde_json::from_slice(body).map_err(|err| {
        Error::service(format!(
            "{SERVICE} sent an answer to {method} that ado-scm cannot read"
        ))
        .caused_by(err)
    })
}

/// How a request body carries the client secret: the value itself (the request being sent),
/// or a placeholder (the request being shown, as `setup --dry-run` does).
#[derive(Debug, Clone, Copy)]
pub enum SecretInBody<'a> {
    Sent,
    Shown(&'a str),
}

impl SecretInBody<'_> {
    fn value(self, secret: &Secret) -> Value {
        match self {
            SecretInBody::Sent => secret.expose().into(),
            SecretInBody::Shown(placeholder) => placeholder.into(),
        }
    }
}

impl ScmIntegrationWrite {
    /// The CreateSCMIntegration body: empty optional fields are left out; `pat` always goes.
    pub fn body(&self, secret: SecretInBody<'_>) -> Value {
        let mut body = Map::new();
        body.insert("runnerId".into(), self.runner_id.clone().into());
        body.insert("scmId".into(), self.scm_id.clone().into());
        body.insert("host".into(), self.host.clone().into());
        insert_some(&mut body, "oauthClientId", &self.oauth_client_id);
        if let Some(value) = &self.oauth_plaintext_client_secret {
            body.insert("oauthPlaintextClientSecret".into(), secret.value(value));
        }
        body.insert("pat".into(), self.pat.into());
        insert_some(&mut body, "issuerUrl", &self.issuer_url);
        insert_some(&mut body, "virtualDirectory", &self.virtual_directory);
        Value::Object(body)
    }
}

impl ScmIntegrationUpdate {
    /// The UpdateSCMIntegration body: only the fields that are `Some`.
    pub fn body(&self, id: &str, secret: SecretInBody<'_>) -> Value {
        let mut body = Map::new();
        body.insert("id".into(), id.into());
        if let Some(client_id) = &self.oauth_client_id {
            body.insert("oauthClientId".into(), client_id.clone().into());
        }
        if let Some(value) = &self.oauth_plaintext_client_secret {
            body.insert("oauthPlaintextClientSecret".into(), secret.value(value));
        }
        if let Some(pat) = self.pat {
            body.insert("pat".into(), pat.into());
        }
        if let Some(issuer) = &self.issuer_url {
            body.insert("issuerUrl".into(), issuer.clone().into());
        }
        if let Some(dir) = &self.virtual_directory {
            body.insert("virtualDirectory".into(), dir.clone().into());
        }
        Value::Object(body)
    }
}

fn insert_some(body: &mut Map<String, Value>, name: &str, value: &Option<String>) {
    if let Some(value) = non_empty(value) {
        body.insert(name.into(), value.into());
    }
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Reads an absent, `null` or empty string as `None` (proto3 leaves defaults out).
fn opt_string<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

// ---- Types. Responses read camelCase; those that print with `--json` write snake_case, the
// ---- way the rest of ado-scm's JSON output is spelled.

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"), default)]
pub struct Runner {
    pub runner_id: String,
    pub name: String,
    /// `RUNNER_KIND_…`
    pub kind: String,
    /// `RUNNER_PROVIDER_…`
    pub provider: String,
    pub status: RunnerStatus,
}

impl Runner {
    /// The runner's public key, which client secrets are sealed to: present (else the runner has
    /// not registered: exit 4) and usable.
    pub fn public_key(&self) -> Result<RunnerPublicKey> {
        let Some(raw) = self.status.public_key.as_deref() else {
            return Err(Error::check(format!(
                "runner {} ({}) has no public key yet: it has not registered with Gitpod",
                self.name, self.runner_id
            ))
            .with_hint(
                "start the runner on its host (finish its installation if needed) and wait until \
                 Gitpod shows it as online under Settings → Runners: it registers its key when it \
                 first connects. Then run `ado-scm setup` again",
            ));
        };
        seal::parse_public_key(raw, |_| Err(std::io::Error::other("not a file"))).map_err(|err| {
            Error::check(format!(
                "runner {} published a public key ado-scm cannot use: {}",
                self.name, err.message
            ))
            .with_hint("re-register the runner, or report this to Gitpod support")
        })
    }
}

/// The scm id of Azure DevOps Services integrations (OAuth through Entra ID, and/or PAT).
pub const SCM_AZURE_DEVOPS_SERVICES: &str = "azuredevops_entra";
/// The scm id of Azure DevOps Server integrations (PAT only, with a virtual directory).
pub const SCM_AZURE_DEVOPS_SERVER: &str = "azuredevops_server";

pub fn is_azure_devops(scm_id: &str) -> bool {
    scm_id == SCM_AZURE_DEVOPS_SERVICES || scm_id == SCM_AZURE_DEVOPS_SERVER
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"), default)]
pub struct RunnerStatus {
    /// `RUNNER_PHASE_{UNSPECIFIED, CREATED, INACTIVE, ACTIVE, DELETING, DELETED, DEGRADED}`
    pub phase: String,
    pub version: String,
    pub region: String,
    /// Standard base64 of the runner's X25519 key; `None` until the runner has registered.
    #[serde(deserialize_with = "opt_string")]
    pub public_key: Option<String>,
}

impl RunnerStatus {
    /// The phase for people: `RUNNER_PHASE_ACTIVE` → `active`.
    pub fn phase_name(&self) -> String {
        self.phase
            .strip_prefix("RUNNER_PHASE_")
            .unwrap_or(&self.phase)
            .to_ascii_lowercase()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"), default)]
pub struct HostAuthCheck {
    pub authenticated: bool,
    pub scm_id: String,
    pub scm_name: String,
    pub supports_oauth2: Option<SupportsOauth2>,
    pub supports_pat: Option<SupportsPat>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"), default)]
pub struct SupportsOauth2 {
    pub auth_url: String,
    pub docs_url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"), default)]
pub struct SupportsPat {
    pub create_url: String,
    pub docs_url: String,
    pub example: String,
    pub required_scopes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"), default)]
pub struct Identity {
    pub subject: Subject,
    pub organization_id: String,
}

/// Who a token belongs to: `principal` is e.g. `PRINCIPAL_USER`, `PRINCIPAL_SERVICE_ACCOUNT`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Subject {
    pub id: String,
    pub principal: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"), default)]
pub struct ScmIntegration {
    pub id: String,
    pub runner_id: String,
    pub scm_id: String,
    pub host: String,
    /// `None` when OAuth is off (absent, or present with an empty client id).
    pub oauth: Option<ScmOauth>,
    pub pat: bool,
    #[serde(deserialize_with = "opt_string")]
    pub virtual_directory: Option<String>,
}

impl ScmIntegration {
    fn normalize(&mut self) {
        if self.oauth.as_ref().is_some_and(|o| o.client_id.is_empty()) {
            self.oauth = None;
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"), default)]
pub struct ScmOauth {
    pub client_id: String,
    /// Standard base64 of the sealed secret (not a secret itself: only the runner opens it).
    pub encrypted_client_secret: String,
    #[serde(deserialize_with = "opt_string")]
    pub issuer_url: Option<String>,
}

/// Where a host token came from. Reads the wire names
/// (`HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH`, `…_PAT`, `…_UNSPECIFIED`), the short names it
/// writes (`oauth`, `pat`, `unspecified`, `other`) and proto enum numbers; any value it does not
/// know is [`TokenSource::Other`], never a parse failure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TokenSource {
    Oauth,
    Pat,
    #[default]
    Unspecified,
    /// A source this version of ado-scm does not know.
    Other,
}

impl TokenSource {
    /// The name the API uses.
    pub fn as_wire(self) -> &'static str {
        match self {
            TokenSource::Oauth => "HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH",
            TokenSource::Pat => "HOST_AUTHENTICATION_TOKEN_SOURCE_PAT",
            TokenSource::Unspecified | TokenSource::Other => {
                "HOST_AUTHENTICATION_TOKEN_SOURCE_UNSPECIFIED"
            }
        }
    }

    /// The short name ado-scm shows and writes in `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenSource::Oauth => "oauth",
            TokenSource::Pat => "pat",
            TokenSource::Unspecified => "unspecified",
            TokenSource::Other => "other",
        }
    }
}

impl Serialize for TokenSource {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TokenSource {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::String(s) => match s.as_str() {
                "HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH" | "oauth" => TokenSource::Oauth,
                "HOST_AUTHENTICATION_TOKEN_SOURCE_PAT" | "pat" => TokenSource::Pat,
                "HOST_AUTHENTICATION_TOKEN_SOURCE_UNSPECIFIED" | "unspecified" | "" => {
                    TokenSource::Unspecified
                }
                _ => TokenSource::Other,
            },
            Value::Number(n) => match n.as_u64() {
                Some(0) => TokenSource::Unspecified,
                Some(1) => TokenSource::Oauth,
                Some(2) => TokenSource::Pat,
                _ => TokenSource::Other,
            },
            Value::Null => TokenSource::Unspecified,
            _ => TokenSource::Other,
        })
    }
}

/// A token to hand to the runner. `token` is sent once and kept nowhere.
#[derive(Debug, Clone)]
pub struct NewHostToken {
    pub runner_id: String,
    pub host: String,
    pub token: Secret,
    pub source: TokenSource,
    pub expires_at: Option<DateTime<Utc>>,
    pub integration_id: Option<String>,
    pub scopes: Vec<String>,
    pub subject: Subject,
}

/// A host token as the API describes it; it never holds the token's value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"), default)]
pub struct HostToken {
    pub id: String,
    pub runner_id: String,
    pub host: String,
    pub source: TokenSource,
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(deserialize_with = "opt_string")]
    pub integration_id: Option<String>,
    pub scopes: Vec<String>,
    pub subject: Option<Subject>,
}

impl HostToken {
    /// The token belongs to the caller (never touch anyone else's).
    pub fn is_mine(&self, me: &Identity) -> bool {
        self.subject.as_ref().is_some_and(|s| s.id == me.subject.id)
    }

    /// A PAT for exactly this host.
    pub fn is_pat_for(&self, host: &str) -> bool {
        self.source == TokenSource::Pat && self.host.eq_ignore_ascii_case(host)
    }

    /// An OAuth token for exactly this host.
    pub fn is_oauth_for(&self, host: &str) -> bool {
        self.source == TokenSource::Oauth && self.host.eq_ignore_ascii_case(host)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"), default)]
pub struct ConfigSchema {
    pub scm: Vec<ScmSchema>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"), default)]
pub struct ScmSchema {
    /// e.g. `azuredevops_entra`, `azuredevops_server`
    pub scm_id: String,
    pub name: String,
    pub default_hosts: Vec<String>,
    /// Present when the SCM supports OAuth; `callback_url` is the redirect URI to register.
    pub oauth: Option<ScmSchemaOauth>,
    pub pat: Option<ScmSchemaPat>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"), default)]
pub struct ScmSchemaOauth {
    pub callback_url: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"), default)]
pub struct ScmSchemaPat {
    pub description: String,
    pub docs_link: String,
}

/// An integration to validate. Empty or `None` optional fields are not sent.
#[derive(Debug, Clone, Default)]
pub struct ValidateIntegration {
    /// The integration being changed, when there is one.
    pub id: Option<String>,
    pub scm_id: String,
    pub host: String,
    pub oauth_client_id: Option<String>,
    /// Standard base64 of the secret sealed to the runner's key (preferred: the runner proves
    /// it can open it).
    pub oauth_encrypted_client_secret: Option<String>,
    /// Sent only when no sealed form is given.
    pub oauth_plaintext_client_secret: Option<Secret>,
    pub pat: bool,
    pub issuer_url: Option<String>,
    pub virtual_directory: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all(deserialize = "camelCase"), default)]
pub struct ValidationResult {
    pub valid: bool,
    #[serde(deserialize_with = "opt_string")]
    pub scm_id_error: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub host_error: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub oauth_error: Option<String>,
    #[serde(deserialize_with = "opt_string")]
    pub pat_error: Option<String>,
}

impl ValidationResult {
    /// The runner's reasons for rejecting a configuration, named by field.
    pub fn reasons(&self) -> String {
        let parts: Vec<String> = [
            ("scm", &self.scm_id_error),
            ("host", &self.host_error),
            ("oauth", &self.oauth_error),
            ("pat", &self.pat_error),
        ]
        .into_iter()
        .filter_map(|(name, e)| e.as_ref().map(|e| format!("{name}: {e}")))
        .collect();
        if parts.is_empty() {
            "not valid, no reason given".to_string()
        } else {
            parts.join("; ")
        }
    }
}

/// A new integration. Empty or `None` optional fields are not sent; `pat` always is.
#[derive(Debug, Clone, Default)]
pub struct ScmIntegrationWrite {
    pub runner_id: String,
    pub scm_id: String,
    pub host: String,
    pub oauth_client_id: Option<String>,
    /// The server seals it to the runner's key; it fails with `failed_precondition` when the
    /// runner has no public key yet.
    pub oauth_plaintext_client_secret: Option<Secret>,
    pub pat: bool,
    pub issuer_url: Option<String>,
    pub virtual_directory: Option<String>,
}

/// Changes to an integration. Only `Some` fields are sent; `None` leaves a field as it is.
///
/// Careful, these values delete things on the runner (Gitpod's update semantics):
/// - `oauth_client_id: Some("")` removes OAuth from the integration **and deletes every user's
///   OAuth token** for it;
/// - `pat: Some(false)` turns PAT off **and deletes every user's PAT** for it.
///
/// Build an update from what must change, never from a full desired state with defaults
/// filled in: `Default::default()` is the empty update, which changes nothing.
#[derive(Debug, Clone, Default)]
pub struct ScmIntegrationUpdate {
    pub oauth_client_id: Option<String>,
    pub oauth_plaintext_client_secret: Option<Secret>,
    pub pat: Option<bool>,
    pub issuer_url: Option<String>,
    pub virtual_directory: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::test_server::{http as fake_http, Stub, StubServer};
    use crate::error::ErrorKind;

    const TOKEN: &str = "gitpod-token-123";

    #[test]
    fn a_runner_without_a_usable_key_is_a_failed_check() {
        let mut runner = Runner {
            runner_id: "r1".into(),
            name: "runner".into(),
            ..Runner::default()
        };
        let err = runner.public_key().unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert_eq!(
            err.message,
            "runner runner (r1) has no public key yet: it has not registered with Gitpod"
        );
        runner.status.public_key = Some("AAAA".into());
        let err = runner.public_key().unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(
            err.message
                .starts_with("runner runner published a public key ado-scm cannot use: "),
            "{}",
            err.message
        );
        use base64::Engine;
        let key = crypto_box::SecretKey::generate(&mut rand_core::OsRng).public_key();
        runner.status.public_key =
            Some(base64::engine::general_purpose::STANDARD.encode(key.as_bytes()));
        assert_eq!(runner.public_key().unwrap().as_bytes(), key.as_bytes());
    }

    fn path(method: &str) -> String {
        format!("/api/gitpod.v1.{method}")
    }

    fn client<'a>(http: &'a Http, server: &StubServer) -> GitpodClient<'a> {
        GitpodClient::new(http, server.url("api"), Secret::new(TOKEN))
    }

    fn connect_error(method: &str, status: u16, code: &str, message: &str) -> Stub {
        Stub::post(&path(method))
            .status(status)
            .json(json!({ "code": code, "message": message }))
    }

    #[test]
    fn list_runners_pages_until_next_token_is_empty() {
        let server = StubServer::start(vec![
            Stub::post(&path("RunnerService/ListRunners")).json(json!({
                "runners": [
                    {"runnerId": "r1", "name": "one", "kind": "RUNNER_KIND_REMOTE",
                     "provider": "RUNNER_PROVIDER_AWS_EC2",
                     "status": {"phase": "RUNNER_PHASE_ACTIVE", "version": "1.2",
                                "region": "eu-west-1", "publicKey": "AAAA", "extra": 1}},
                    {"runnerId": "r2"}
                ],
                "pagination": {"nextToken": "page-2"}
            })),
            Stub::post(&path("RunnerService/ListRunners")).json(json!({
                "runners": [{"runnerId": "r3", "status": {"publicKey": ""}}],
                "pagination": {"nextToken": ""}
            })),
        ]);
        let (http, _) = fake_http();
        let runners = client(&http, &server).list_runners().unwrap();
        let ids: Vec<&str> = runners.iter().map(|r| r.runner_id.as_str()).collect();
        assert_eq!(ids, ["r1", "r2", "r3"]);
        assert_eq!(runners[0].status.phase, "RUNNER_PHASE_ACTIVE");
        assert_eq!(runners[0].status.public_key.as_deref(), Some("AAAA"));
        assert_eq!(runners[0].provider, "RUNNER_PROVIDER_AWS_EC2");
        assert_eq!(runners[1].status, RunnerStatus::default());
        assert_eq!(runners[2].status.public_key, None, "empty key is no key");

        let requests = server.finish();
        assert_eq!(requests[0].json(), json!({"pagination": {"pageSize": 100}}));
        assert_eq!(
            requests[1].json(),
            json!({"pagination": {"pageSize": 100, "token": "page-2"}})
        );
        for r in &requests {
            assert_eq!(r.method, "POST");
            assert_eq!(r.path, "/api/gitpod.v1.RunnerService/ListRunners");
            assert_eq!(r.header("authorization"), Some("Bearer gitpod-token-123"));
            assert_eq!(r.header("connect-protocol-version"), Some("1"));
            assert_eq!(r.header("content-type"), Some("application/json"));
            let content_types = r.headers.iter().filter(|(n, _)| n == "content-type");
            assert_eq!(content_types.count(), 1, "one Content-Type header");
        }
    }

    #[test]
    fn a_repeated_page_token_stops_the_loop() {
        let page = json!({"runners": [], "pagination": {"nextToken": "same"}});
        let server = StubServer::start(vec![
            Stub::post(&path("RunnerService/ListRunners")).json(page.clone()),
            Stub::post(&path("RunnerService/ListRunners")).json(page),
        ]);
        let (http, _) = fake_http();
        let err = client(&http, &server).list_runners().unwrap_err();
        assert_eq!(err.kind, ErrorKind::Service);
        assert!(err.message.contains("same page"), "{}", err.message);
        server.finish();
    }

    #[test]
    fn connect_errors_map_to_kinds_and_keep_their_code() {
        let cases = [
            (
                401,
                "unauthenticated",
                ErrorKind::Auth,
                "the Gitpod API rejected the token: bad token",
            ),
            (
                403,
                "permission_denied",
                ErrorKind::Auth,
                "Gitpod API: permission_denied: bad token",
            ),
            (
                400,
                "invalid_argument",
                ErrorKind::Service,
                "Gitpod API: invalid_argument: bad token",
            ),
            (
                404,
                "not_found",
                ErrorKind::Service,
                "Gitpod API: not_found: bad token",
            ),
            (
                400,
                "failed_precondition",
                ErrorKind::Service,
                "Gitpod API: failed_precondition: bad token",
            ),
            (
                409,
                "already_exists",
                ErrorKind::Service,
                "Gitpod API: already_exists: bad token",
            ),
            (
                500,
                "internal",
                ErrorKind::Service,
                "Gitpod API: internal: bad token",
            ),
        ];
        for (status, code, kind, message) in cases {
            let server = StubServer::start(vec![connect_error(
                "RunnerConfigurationService/CreateSCMIntegration",
                status,
                code,
                "bad token",
            )]);
            let (http, _) = fake_http();
            let err = client(&http, &server)
                .create_scm_integration(&ScmIntegrationWrite::default())
                .unwrap_err();
            assert_eq!(err.kind, kind, "{code}");
            assert_eq!(err.message, message, "{code}");
            assert_eq!(err.code(), Some(code));
            assert_eq!(err.status(), Some(status));
            if code == "unauthenticated" {
                assert_eq!(err.exit_code(), 3);
                assert_eq!(err.hint.as_deref(), Some(TOKEN_HINT));
            }
            server.finish();
        }
    }

    #[test]
    fn reads_are_retried_on_unavailable_writes_are_not() {
        let method = "RunnerService/GetRunner";
        let server = StubServer::start(vec![
            connect_error(method, 503, "unavailable", "busy"),
            connect_error(method, 503, "unavailable", "busy"),
            Stub::post(&path(method)).json(json!({"runner": {"runnerId": "r1", "name": "n"}})),
        ]);
        let (http, clock) = fake_http();
        let runner = client(&http, &server).get_runner("r1").unwrap();
        assert_eq!(runner.name, "n");
        assert_eq!(clock.sleeps().len(), 2, "retried twice on the fake clock");
        let requests = server.finish();
        assert_eq!(requests.len(), 3);
        assert_eq!(requests[0].json(), json!({"runnerId": "r1"}));

        let create = "RunnerConfigurationService/CreateHostAuthenticationToken";
        let server = StubServer::start(vec![connect_error(create, 503, "unavailable", "busy")]);
        let (http, _) = fake_http();
        let err = client(&http, &server)
            .create_host_authentication_token(&new_token())
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Service);
        assert_eq!(err.code(), Some("unavailable"));
        assert!(err.outcome_unknown(), "a 503 may hide a done write");
        assert_eq!(server.finish().len(), 1, "a create is sent once");
    }

    #[test]
    fn answers_that_are_not_connect_errors() {
        let method = "RunnerConfigurationService/CreateSCMIntegration";
        let cases = [
            (
                Stub::post(&path(method))
                    .status(502)
                    .header("content-type", "text/html")
                    .body("<html>Bad gateway</html>"),
                ErrorKind::Service,
                "Gitpod API answered RunnerConfigurationService/CreateSCMIntegration with HTTP 502",
            ),
            (
                Stub::post(&path(method)).status(404),
                ErrorKind::Service,
                "Gitpod API answered RunnerConfigurationService/CreateSCMIntegration with HTTP 404",
            ),
            (
                Stub::post(&path(method)).status(401),
                ErrorKind::Auth,
                "the Gitpod API rejected the token (HTTP 401)",
            ),
            (
                Stub::post(&path(method))
                    .header("content-type", "text/html; charset=utf-8")
                    .body("<!doctype html><title>Gitpod</title>"),
                ErrorKind::Service,
                "the Gitpod API URL answered RunnerConfigurationService/CreateSCMIntegration \
                 with a web page, not the API",
            ),
        ];
        for (stub, kind, message) in cases {
            let server = StubServer::start(vec![stub]);
            let (http, _) = fake_http();
            let err = client(&http, &server)
                .create_scm_integration(&ScmIntegrationWrite::default())
                .unwrap_err();
            assert_eq!((err.kind, err.message.as_str()), (kind, message));
            assert_eq!(err.code(), None);
            assert!(err.status().is_some());
            assert!(!err.to_string().contains("<html"), "{err}");
            server.finish();
        }
    }

    fn new_token() -> NewHostToken {
        NewHostToken {
            runner_id: "r1".into(),
            host: "dev.azure.com/acme".into(),
            token: Secret::new("pat-secret-value"),
            source: TokenSource::Pat,
            expires_at: Some(
                DateTime::parse_from_rfc3339("2025-03-01T12:00:00Z")
                    .unwrap()
                    .with_timezone(&Utc),
            ),
            integration_id: Some("i1".into()),
            scopes: vec!["vso.code_write".into()],
            subject: Subject {
                id: "u1".into(),
                principal: "PRINCIPAL_USER".into(),
            },
        }
    }

    fn rate_limited(method: &str, header: Option<(&'static str, &str)>, details: Value) -> Stub {
        let mut stub = Stub::post(&path(method)).status(429).json(json!({
            "code": "resource_exhausted",
            "message": "rate limit exceeded",
            "details": details,
        }));
        if let Some((name, value)) = header {
            stub = stub.header(name, value);
        }
        stub
    }

    #[test]
    fn a_rate_limited_write_is_sent_again_after_the_wait_the_service_asks_for() {
        let create = "RunnerConfigurationService/CreateSCMIntegration";
        let server = StubServer::start(vec![
            rate_limited(create, Some(("ratelimit-retryafter", "3")), json!([])),
            Stub::post(&path(create)).json(json!({"id": "i1"})),
        ]);
        let (http, clock) = fake_http();
        let id = client(&http, &server)
            .create_scm_integration(&ScmIntegrationWrite::default())
            .unwrap();
        assert_eq!(id, "i1");
        assert_eq!(clock.sleeps(), vec![Duration::from_secs(3)]);
        assert_eq!(server.finish().len(), 2);
    }

    #[test]
    fn the_retry_info_detail_wins_over_the_header() {
        // RetryInfo { retry_delay: Duration { seconds: 7, nanos: 500_000_000 } }
        let bytes = [0x0a, 0x07, 0x08, 0x07, 0x10, 0x80, 0xca, 0xb5, 0xee, 0x01];
        use base64::Engine as _;
        let value = base64::engine::general_purpose::STANDARD.encode(&bytes[..]);
        assert_eq!(
            proto_retry_delay(&bytes),
            None,
            "a truncated Duration is not read"
        );
        // The same with the right length prefix.
        let bytes = [0x0a, 0x08, 0x08, 0x07, 0x10, 0x80, 0xca, 0xb5, 0xee, 0x01];
        let value_ok = base64::engine::general_purpose::STANDARD.encode(bytes);
        assert_eq!(proto_retry_delay(&bytes), Some(Duration::from_millis(7500)));
        let method = "RunnerService/GetRunner";
        let detail = |v: &str| json!([{"type": "google.rpc.RetryInfo", "value": v}]);
        let server = StubServer::start(vec![
            rate_limited(
                method,
                Some(("ratelimit-retryafter", "3")),
                detail(&value_ok),
            ),
            // A malformed detail falls back on the header.
            rate_limited(method, Some(("retry-after", "2")), detail(&value)),
            // The debug form.
            rate_limited(
                method,
                None,
                json!([{"type": "google.rpc.RetryInfo", "debug": {"retryDelay": "1.5s"}}]),
            ),
            Stub::post(&path(method)).json(json!({"runner": {"runnerId": "r1"}})),
        ]);
        let (http, clock) = fake_http();
        client(&http, &server).get_runner("r1").unwrap();
        assert_eq!(
            clock.sleeps(),
            vec![
                Duration::from_millis(7500),
                Duration::from_secs(2),
                Duration::from_millis(1500)
            ]
        );
        server.finish();
    }

    #[test]
    fn more_than_25_runner_ids_are_asked_in_groups_of_25() {
        let ids: Vec<String> = (0..60)
            .map(|n| format!("01900000-0000-7000-8000-{n:012x}"))
            .collect();
        let list = "RunnerConfigurationService/ListSCMIntegrations";
        let stubs = (0..3)
            .map(|_| Stub::post(&path(list)).json(json!({"integrations": []})))
            .collect();
        let server = StubServer::start(stubs);
        let (http, _) = fake_http();
        client(&http, &server).list_scm_integrations(&ids).unwrap();
        let mut asked: Vec<Vec<String>> = server
            .finish()
            .iter()
            .map(|r| serde_json::from_value(r.json()["filter"]["runnerIds"].clone()).unwrap())
            .collect();
        asked.sort_by_key(|group| group[0].clone());
        let sizes: Vec<usize> = asked.iter().map(Vec::len).collect();
        assert_eq!(sizes, [25, 25, 10]);
        assert_eq!(asked.concat(), ids, "every id asked once, none twice");
    }

    #[test]
    fn a_moved_api_is_followed_with_the_same_body_and_used_from_then_on() {
        let get = "RunnerService/GetRunner";
        let server = StubServer::start(vec![
            Stub::post(&path(get))
                .status(308)
                .header("location", &format!("/moved/api/gitpod.v1.{get}")),
            Stub::post(&format!("/moved/api/gitpod.v1.{get}"))
                .json(json!({"runner": {"runnerId": "r1"}})),
            Stub::post(&format!("/moved/api/gitpod.v1.{get}"))
                .json(json!({"runner": {"runnerId": "r2"}})),
        ]);
        let (http, _) = fake_http();
        let gitpod = client(&http, &server);
        gitpod.get_runner("r1").unwrap();
        assert_eq!(gitpod.base(), server.url("moved/api"));
        gitpod.get_runner("r2").unwrap();
        let requests = server.finish();
        assert_eq!(
            requests.len(),
            3,
            "the second call goes straight to the new base"
        );
        assert_eq!(requests[1].json(), json!({"runnerId": "r1"}), "same body");
        assert_eq!(
            requests[1].header("authorization"),
            Some("Bearer gitpod-token-123")
        );
    }

    #[test]
    fn a_move_to_plain_http_elsewhere_is_not_followed() {
        let get = "RunnerService/GetRunner";
        for location in [
            "http://example.com/api/gitpod.v1.RunnerService/GetRunner",
            "ftp://127.0.0.1/x",
        ] {
            let server = StubServer::start(vec![Stub::post(&path(get))
                .status(307)
                .header("location", location)]);
            let (http, _) = fake_http();
            let err = client(&http, &server).get_runner("r1").unwrap_err();
            assert_eq!(err.kind, ErrorKind::Service, "{location}");
            assert!(err.message.contains("not followed"), "{}", err.message);
            assert_eq!(server.finish().len(), 1);
        }
        let from = Url::parse("https://app.gitpod.io/api/x").unwrap();
        let response = Response {
            status: 308,
            headers: {
                let mut h = reqwest::header::HeaderMap::new();
                h.insert("location", "http://127.0.0.1:1/api/x".parse().unwrap());
                h
            },
            body: Vec::new(),
        };
        let err = moved_to(&from, &response, "M").unwrap_err();
        assert!(err.message.contains("not https"), "{}", err.message);
        let ok = Response {
            headers: {
                let mut h = reqwest::header::HeaderMap::new();
                h.insert("location", "https://app.ona.com/api/x".parse().unwrap());
                h
            },
            ..response
        };
        assert_eq!(
            moved_to(&from, &ok, "M").unwrap().as_str(),
            "https://app.ona.com/api/x"
        );
    }

    #[test]
    fn invalid_argument_from_the_users_input_is_a_usage_error() {
        let check = "RunnerService/CheckAuthenticationForHost";
        let server = StubServer::start(vec![connect_error(
            check,
            400,
            "invalid_argument",
            "validation error: host: value length must be at most 255 characters",
        )]);
        let (http, _) = fake_http();
        let err = client(&http, &server)
            .check_authentication_for_host("r1", "h")
            .map_err(|e| input_error(e, "check --host"))
            .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert_eq!(err.hint.as_deref(), Some("check --host"));
        assert_eq!(err.code(), Some("invalid_argument"));
        server.finish();
    }

    #[test]
    fn create_host_token_sends_camel_case_and_enum_names() {
        let method = "RunnerConfigurationService/CreateHostAuthenticationToken";
        let server = StubServer::start(vec![Stub::post(&path(method)).json(json!({
            "token": {"id": "t1", "runnerId": "r1", "host": "dev.azure.com/acme",
                      "source": "HOST_AUTHENTICATION_TOKEN_SOURCE_PAT",
                      "expiresAt": "2025-03-01T12:00:00Z", "integrationId": "i1",
                      "scopes": ["vso.code_write"],
                      "subject": {"id": "u1", "principal": "PRINCIPAL_USER"}}
        }))]);
        let (http, _) = fake_http();
        let req = new_token();
        assert!(!format!("{req:?}").contains("pat-secret-value"));
        let token = client(&http, &server)
            .create_host_authentication_token(&req)
            .unwrap();
        assert_eq!(token.id, "t1");
        assert_eq!(token.source, TokenSource::Pat);
        assert_eq!(token.expires_at, req.expires_at);
        assert_eq!(token.subject.as_ref().unwrap().id, "u1");
        let requests = server.finish();
        assert_eq!(
            requests[0].json(),
            json!({
                "runnerId": "r1", "host": "dev.azure.com/acme", "token": "pat-secret-value",
                "source": "HOST_AUTHENTICATION_TOKEN_SOURCE_PAT",
                "expiresAt": "2025-03-01T12:00:00Z", "integrationId": "i1",
                "scopes": ["vso.code_write"],
                "subject": {"id": "u1", "principal": "PRINCIPAL_USER"}
            })
        );
        assert_eq!(
            requests[0].header("authorization"),
            Some("Bearer gitpod-token-123")
        );

        // What --json prints: snake_case, short source names, no token value.
        let printed = serde_json::to_value(&token).unwrap();
        assert_eq!(printed["runner_id"], "r1");
        assert_eq!(printed["source"], "pat");
        assert_eq!(printed["expires_at"], "2025-03-01T12:00:00Z");
        assert!(!printed.to_string().contains("pat-secret-value"));
        let back: HostToken = serde_json::from_value(json!({
            "id": "t1", "runnerId": "r1", "source": "pat"
        }))
        .unwrap();
        assert_eq!(back.source, TokenSource::Pat);
    }

    #[test]
    fn token_sources_never_fail_to_parse() {
        let cases = [
            (
                json!("HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH"),
                TokenSource::Oauth,
            ),
            (
                json!("HOST_AUTHENTICATION_TOKEN_SOURCE_PAT"),
                TokenSource::Pat,
            ),
            (
                json!("HOST_AUTHENTICATION_TOKEN_SOURCE_UNSPECIFIED"),
                TokenSource::Unspecified,
            ),
            (
                json!("HOST_AUTHENTICATION_TOKEN_SOURCE_SOMETHING_NEW"),
                TokenSource::Other,
            ),
            (json!(2), TokenSource::Pat),
            (json!(17), TokenSource::Other),
            (json!(null), TokenSource::Unspecified),
        ];
        for (value, want) in cases {
            let got: TokenSource = serde_json::from_value(value.clone()).unwrap();
            assert_eq!(got, want, "{value}");
        }
        let token: HostToken = serde_json::from_value(json!({"id": "t"})).unwrap();
        assert_eq!(token.source, TokenSource::Unspecified);
        assert_eq!(token.subject, None);
    }

    #[test]
    fn list_host_tokens_filters_and_pages() {
        let method = "RunnerConfigurationService/ListHostAuthenticationTokens";
        let server = StubServer::start(vec![
            Stub::post(&path(method)).json(json!({
                "tokens": [{"id": "t1", "source": "HOST_AUTHENTICATION_TOKEN_SOURCE_OAUTH"}],
                "pagination": {"nextToken": "n"}
            })),
            Stub::post(&path(method)).json(json!({"tokens": [{"id": "t2"}]})),
        ]);
        let (http, _) = fake_http();
        let tokens = client(&http, &server)
            .list_host_authentication_tokens(Some("r1"), Some("u1"))
            .unwrap();
        assert_eq!(tokens.len(), 2);
        assert_eq!(tokens[0].source, TokenSource::Oauth);
        let requests = server.finish();
        assert_eq!(
            requests[0].json(),
            json!({"filter": {"runnerId": "r1", "subjectId": "u1"},
                   "pagination": {"pageSize": 100}})
        );
        assert_eq!(requests[1].json()["pagination"]["token"], "n");
    }

    #[test]
    fn delete_treats_not_found_as_done() {
        let method = "RunnerConfigurationService/DeleteHostAuthenticationToken";
        let server = StubServer::start(vec![
            Stub::post(&path(method)).json(json!({})),
            connect_error(method, 404, "not_found", "no such token"),
            connect_error(method, 403, "permission_denied", "not yours"),
        ]);
        let (http, _) = fake_http();
        let gitpod = client(&http, &server);
        gitpod.delete_host_authentication_token("t1").unwrap();
        gitpod.delete_host_authentication_token("t1").unwrap();
        let err = gitpod.delete_host_authentication_token("t2").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Auth);
        let requests = server.finish();
        assert_eq!(requests[0].json(), json!({"id": "t1"}));
    }

    #[test]
    fn update_sends_only_the_fields_given() {
        let method = "RunnerConfigurationService/UpdateSCMIntegration";
        let server = StubServer::start(vec![
            Stub::post(&path(method)),
            Stub::post(&path(method)).json(json!({})),
            Stub::post(&path(method)),
        ]);
        let (http, _) = fake_http();
        let gitpod = client(&http, &server);
        gitpod
            .update_scm_integration("i1", &ScmIntegrationUpdate::default())
            .unwrap();
        gitpod
            .update_scm_integration(
                "i1",
                &ScmIntegrationUpdate {
                    pat: Some(true),
                    ..Default::default()
                },
            )
            .unwrap();
        gitpod
            .update_scm_integration(
                "i1",
                &ScmIntegrationUpdate {
                    oauth_client_id: Some("c1".into()),
                    oauth_plaintext_client_secret: Some(Secret::new("s3cret")),
                    issuer_url: Some("https://login.microsoftonline.com/t/oauth2/v2.0".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        let requests = server.finish();
        assert_eq!(requests[0].json(), json!({"id": "i1"}));
        assert_eq!(requests[1].json(), json!({"id": "i1", "pat": true}));
        assert_eq!(
            requests[2].json(),
            json!({"id": "i1", "oauthClientId": "c1", "oauthPlaintextClientSecret": "s3cret",
                   "issuerUrl": "https://login.microsoftonline.com/t/oauth2/v2.0"})
        );
    }

    #[test]
    fn create_integration_sends_the_write_and_returns_the_id() {
        let method = "RunnerConfigurationService/CreateSCMIntegration";
        let server = StubServer::start(vec![
            Stub::post(&path(method)).json(json!({"id": "i9"})),
            Stub::post(&path(method)).json(json!({})),
        ]);
        let (http, _) = fake_http();
        let gitpod = client(&http, &server);
        let write = ScmIntegrationWrite {
            runner_id: "r1".into(),
            scm_id: "azuredevops_server".into(),
            host: "ado.example.com".into(),
            pat: true,
            virtual_directory: Some("/tfs".into()),
            issuer_url: Some(String::new()),
            ..Default::default()
        };
        assert_eq!(gitpod.create_scm_integration(&write).unwrap(), "i9");
        let err = gitpod.create_scm_integration(&write).unwrap_err();
        assert!(err.message.contains("no id"), "{}", err.message);
        let requests = server.finish();
        assert_eq!(
            requests[0].json(),
            json!({"runnerId": "r1", "scmId": "azuredevops_server", "host": "ado.example.com",
                   "pat": true, "virtualDirectory": "/tfs"})
        );
    }

    #[test]
    fn validate_prefers_the_sealed_secret_and_reads_errors() {
        let method = "RunnerConfigurationService/ValidateRunnerConfiguration";
        let server = StubServer::start(vec![Stub::post(&path(method)).json(json!({
            "scmIntegration": {"oauthError": "cannot open the secret", "hostError": ""}
        }))]);
        let (http, _) = fake_http();
        let result = client(&http, &server)
            .validate_runner_configuration(
                "r1",
                &ValidateIntegration {
                    id: Some("i1".into()),
                    scm_id: "azuredevops_entra".into(),
                    host: "dev.azure.com".into(),
                    oauth_client_id: Some("c1".into()),
                    oauth_encrypted_client_secret: Some("c2VhbGVk".into()),
                    oauth_plaintext_client_secret: Some(Secret::new("plain")),
                    pat: false,
                    issuer_url: Some("https://issuer".into()),
                    virtual_directory: None,
                },
            )
            .unwrap();
        assert!(!result.valid);
        assert_eq!(
            result.oauth_error.as_deref(),
            Some("cannot open the secret")
        );
        assert_eq!(result.host_error, None);
        let requests = server.finish();
        assert_eq!(
            requests[0].json(),
            json!({"runnerId": "r1", "scmIntegration": {
                "id": "i1", "scmId": "azuredevops_entra", "host": "dev.azure.com",
                "oauthClientId": "c1", "oauthEncryptedClientSecret": "c2VhbGVk",
                "pat": false, "issuerUrl": "https://issuer"}})
        );
    }

    #[test]
    fn reads_integrations_schema_identity_and_host_checks() {
        let server = StubServer::start(vec![
            Stub::post(&path("RunnerConfigurationService/ListSCMIntegrations")).json(json!({
                "integrations": [
                    {"id": "i1", "runnerId": "r1", "scmId": "azuredevops_entra",
                     "host": "dev.azure.com", "pat": true,
                     "oauth": {"clientId": "c1", "encryptedClientSecret": "AAA",
                               "issuerUrl": "https://login.microsoftonline.com/t/v2.0"}},
                    {"id": "i2", "scmId": "azuredevops_server", "host": "ado.example.com",
                     "oauth": {"clientId": ""}, "virtualDirectory": "/tfs", "pat": true}
                ]
            })),
            Stub::post(&path(
                "RunnerConfigurationService/GetRunnerConfigurationSchema",
            ))
            .json(json!({"schema": {"scm": [
                {"scmId": "azuredevops_entra", "name": "Azure DevOps",
                 "defaultHosts": ["dev.azure.com"],
                 "oauth": {"callbackUrl": "https://runner/auth/callback"},
                 "pat": {"description": "d", "docsLink": "https://docs"}},
                {"scmId": "azuredevops_server"}
            ]}})),
            Stub::post(&path("IdentityService/GetAuthenticatedIdentity")).json(json!({
                "subject": {"id": "u1", "principal": "PRINCIPAL_USER"}, "organizationId": "o1"
            })),
            Stub::post(&path("RunnerService/CheckAuthenticationForHost")).json(json!({
                "scmId": "azuredevops_entra", "scmName": "Azure DevOps",
                "supportsOauth2": {"authUrl": "https://runner/auth", "docsUrl": "https://d"},
                "supportsPat": {"createUrl": "https://dev.azure.com/acme/_usersSettings/tokens",
                                "requiredScopes": ["vso.code_write"], "example": "x"}
            })),
        ]);
        let (http, _) = fake_http();
        let gitpod = client(&http, &server);
        let list = gitpod.list_scm_integrations(&["r1".into()]).unwrap();
        assert_eq!(list[0].oauth.as_ref().unwrap().client_id, "c1");
        assert_eq!(
            list[0].oauth.as_ref().unwrap().issuer_url.as_deref(),
            Some("https://login.microsoftonline.com/t/v2.0")
        );
        assert_eq!(list[1].oauth, None, "an empty client id means no OAuth");
        assert_eq!(list[1].virtual_directory.as_deref(), Some("/tfs"));

        let schema = gitpod.get_runner_configuration_schema("r1").unwrap();
        assert_eq!(
            schema.scm[0].oauth.as_ref().unwrap().callback_url,
            "https://runner/auth/callback"
        );
        assert_eq!(
            schema.scm[0].pat.as_ref().unwrap().docs_link,
            "https://docs"
        );
        assert_eq!(schema.scm[1].oauth, None);

        let me = gitpod.get_authenticated_identity().unwrap();
        assert_eq!(
            (me.subject.id.as_str(), me.organization_id.as_str()),
            ("u1", "o1")
        );

        let check = gitpod
            .check_authentication_for_host("r1", "dev.azure.com")
            .unwrap();
        assert!(!check.authenticated);
        assert_eq!(
            check.supports_oauth2.unwrap().auth_url,
            "https://runner/auth"
        );
        assert_eq!(
            check.supports_pat.unwrap().required_scopes,
            ["vso.code_write"]
        );

        let requests = server.finish();
        assert_eq!(
            requests[0].json(),
            json!({"filter": {"runnerIds": ["r1"]}, "pagination": {"pageSize": 100}})
        );
        assert_eq!(requests[2].json(), json!({}));
        assert_eq!(
            requests[3].json(),
            json!({"runnerId": "r1", "host": "dev.azure.com"})
        );
    }
}
