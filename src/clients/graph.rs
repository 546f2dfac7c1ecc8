//! Microsoft Graph (v1.0): the app registration, its client secrets, service principals and
//! tenant-wide consent grants (<https://learn.microsoft.com/graph/api/resources/application>).
//!
//! Reads (GET), PATCHes and the upserts (`PATCH …(uniqueName='…')` / `(appId='…')` with
//! `Prefer: create-if-missing`) are idempotent and retried by [`Http`]; `addPassword`,
//! `removePassword` and grant creation are retried only when Graph surely did nothing (429),
//! and their callers read back after a lost answer. Graph errors (`{"error":{"code",
//! "message","innerError":{"request-id","date"}}}`) become an [`Error`] whose message names
//! Microsoft Graph, what was being done, Graph's message and code; its status and code travel
//! as typed facts ([`Error::status`], [`Error::code`]), and a cause line carries the request id
//! (what Microsoft support asks for).

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::json;
use url::Url;
use zeroize::Zeroize;

use sha2::{Digest, Sha256};

use crate::error::{Error, ErrorKind, Remote, Result};
use crate::http::{Http, Request, Response};
use crate::secret::Secret;
use crate::urls::join;

/// Microsoft Graph's resource application id.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";
/// Azure DevOps' resource application id.
pub const AZURE_DEVOPS_APP_ID: &str = "499b84ac-1321-427f-aa17-267ca6975798";

/// Delegated scope ids to fall back on when a resource's service principal does not list a
/// scope: (resource app id, scope value, scope id).
pub const FALLBACK_SCOPE_IDS: &[(&str, &str, &str)] = &[
    (
        GRAPH_APP_ID,
        "openid",
        "37f7f235-527c-4136-accd-4a02d197296e",
    ),
    (
        GRAPH_APP_ID,
        "offline_access",
        "7427e0e9-2fba-42fe-b0c0-848c9e6a8182",
    ),
    (
        AZURE_DEVOPS_APP_ID,
        "vso.code",
        "b325850d-aa53-41ed-b77a-c5036b2f39fa",
    ),
    (
        AZURE_DEVOPS_APP_ID,
        "vso.code_write",
        "028ffaf1-6f06-490a-979e-38011f92fb7c",
    ),
];

const SERVICE: &str = "Microsoft Graph";
/// Prefix of the cause line that tells status, code and request id to people.
const CAUSE_PREFIX: &str = "Microsoft Graph answered HTTP ";
/// More pages than any tenant has apps with one name: a loop guard.
const MAX_PAGES: usize = 100;

const HINT_SIGN_IN: &str = "sign in again: the Microsoft Graph token has expired or is not \
                            valid for this tenant (or pass a fresh one with --graph-token-stdin)";
const HINT_APP_ADMIN: &str = "the signed-in account needs Application.ReadWrite.All and an admin \
                              role (Application Administrator / Cloud Application Administrator)";
const HINT_CONSENT_ADMIN: &str = "granting tenant-wide consent needs \
                                  DelegatedPermissionGrant.ReadWrite.All and an admin role that \
                                  may consent (Cloud Application Administrator, Application \
                                  Administrator or Privileged Role Administrator); or leave out \
                                  --grant-admin-consent and have an admin consent in the portal";

fn null_default<'de, D, T>(deserializer: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// An app registration (`application` resource), the fields ado-scm reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    /// The object id (used in paths).
    pub id: String,
    /// The client id.
    pub app_id: String,
    #[serde(default, deserialize_with = "null_default")]
    pub display_name: String,
    #[serde(default, deserialize_with = "null_default")]
    pub sign_in_audience: String,
    #[serde(default, deserialize_with = "null_default")]
    pub web: Web,
    #[serde(default, deserialize_with = "null_default")]
    pub required_resource_access: Vec<RequiredResourceAccess>,
    #[serde(default, deserialize_with = "null_default")]
    pub password_credentials: Vec<PasswordCredential>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Web {
    #[serde(default, deserialize_with = "null_default")]
    pub redirect_uris: Vec<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub implicit_grant_settings: ImplicitGrantSettings,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImplicitGrantSettings {
    #[serde(default, deserialize_with = "null_default")]
    pub enable_id_token_issuance: bool,
}

/// The API permissions of an app: one entry per resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequiredResourceAccess {
    pub resource_app_id: String,
    #[serde(default, deserialize_with = "null_default")]
    pub resource_access: Vec<ResourceAccess>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceAccess {
    pub id: String,
    /// `Scope` (delegated) or `Role` (application).
    #[serde(rename = "type")]
    pub type_: String,
}

impl ResourceAccess {
    /// A delegated permission.
    pub fn scope(id: impl Into<String>) -> Self {
        ResourceAccess {
            id: id.into(),
            type_: "Scope".to_string(),
        }
    }
}

/// A client secret as listed on the app (never its text).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordCredential {
    pub key_id: String,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub hint: Option<String>,
    #[serde(default)]
    pub end_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub start_date_time: Option<DateTime<Utc>>,
}

/// What [`GraphClient::upsert_application`] sends.
#[derive(Debug, Clone, PartialEq)]
pub struct NewApplication {
    pub display_name: String,
    /// The runner's OAuth callback URL (a Web redirect URI).
    pub redirect_uri: String,
    pub required_resource_access: Vec<RequiredResourceAccess>,
}

impl NewApplication {
    /// The request body: single tenant (`AzureADMyOrg`, sent explicitly), the Web redirect URI,
    /// ID tokens on, the API permissions.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "displayName": self.display_name,
            "signInAudience": "AzureADMyOrg",
            "web": {
                "redirectUris": [self.redirect_uri],
                "implicitGrantSettings": { "enableIdTokenIssuance": true },
            },
            "requiredResourceAccess": self.required_resource_access,
        })
    }
}

/// The `uniqueName` (Graph's client-provided alternate key) of the app ado-scm creates with
/// this display name: the same name gives the same key, so a create whose answer was lost can
/// be sent again and lands on the same app. Made of the name's hash: any display name gives a
/// short, plain key.
pub fn unique_name_for(display_name: &str) -> String {
    let digest = Sha256::digest(display_name.trim().to_lowercase().as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("ado-scm-{hex}")
}

/// A client secret just created: the text is shown once by Graph, never again.
#[derive(Debug, Clone)]
pub struct NewPassword {
    pub key_id: String,
    pub secret_text: Secret,
    pub hint: Option<String>,
    pub display_name: Option<String>,
    pub start_date_time: Option<DateTime<Utc>>,
    pub end_date_time: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewPasswordWire {
    key_id: String,
    secret_text: Option<String>,
    #[serde(default)]
    hint: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    start_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    end_date_time: Option<DateTime<Utc>>,
}

/// An enterprise application (service principal), with the delegated scopes it exposes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePrincipal {
    /// The object id.
    pub id: String,
    pub app_id: String,
    #[serde(default, deserialize_with = "null_default")]
    pub display_name: String,
    #[serde(default, deserialize_with = "null_default")]
    pub oauth2_permission_scopes: Vec<PermissionScope>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionScope {
    pub id: String,
    #[serde(default, deserialize_with = "null_default")]
    pub value: String,
    #[serde(default = "enabled")]
    pub is_enabled: bool,
}

fn enabled() -> bool {
    true
}

/// A delegated permission grant (`oauth2PermissionGrant`): consent for one client to one
/// resource, `scope` being space-separated scope values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionGrant {
    pub id: String,
    /// The client's service principal object id.
    pub client_id: String,
    /// `AllPrincipals` (tenant-wide, admin consent) or `Principal` (one user).
    pub consent_type: String,
    /// The resource's service principal object id.
    pub resource_id: String,
    #[serde(default, deserialize_with = "null_default")]
    pub scope: String,
    #[serde(default)]
    pub principal_id: Option<String>,
}

#[derive(Deserialize)]
struct Page<T> {
    #[serde(default = "Vec::new")]
    value: Vec<T>,
    #[serde(rename = "@odata.nextLink", default)]
    next_link: Option<String>,
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: GraphErrorBody,
}

#[derive(Deserialize)]
struct GraphErrorBody {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(rename = "innerError", alias = "innererror", default)]
    inner_error: Option<InnerError>,
}

#[derive(Deserialize)]
struct InnerError {
    #[serde(rename = "request-id", default)]
    request_id: Option<String>,
    #[serde(default)]
    date: Option<String>,
}

/// Which admin rights a call needs, for the 403 hint.
#[derive(Clone, Copy)]
enum Needs {
    AppAdmin,
    ConsentAdmin,
}

/// A Microsoft Graph client acting with the admin's delegated token.
#[derive(Clone)]
pub struct GraphClient<'a> {
    http: &'a Http,
    base: Url,
    token: Secret,
}

impl<'a> GraphClient<'a> {
    /// `base` is Graph's root (`https://graph.microsoft.com` or the sandbox's URL); requests go
    /// to `{base}/v1.0/…`.
    pub fn new(http: &'a Http, base: Url, token: Secret) -> Self {
        GraphClient { http, base, token }
    }

    /// Apps whose display name is exactly `display_name`.
    pub fn find_applications_by_name(&self, display_name: &str) -> Result<Vec<Application>> {
        let url = self.url_with_filter(
            "v1.0/applications",
            &format!("displayName eq {}", odata_string(display_name)),
        );
        self.list(
            url,
            &format!("look up applications named `{display_name}`"),
            Needs::AppAdmin,
        )
    }

    /// The app whose client id is `app_id`, if it exists in the tenant.
    pub fn find_application_by_app_id(&self, app_id: &str) -> Result<Option<Application>> {
        let url = self.url_with_filter(
            "v1.0/applications",
            &format!("appId eq {}", odata_string(app_id)),
        );
        let found: Vec<Application> = self.list(
            url,
            &format!("look up the application with client id {app_id}"),
            Needs::AppAdmin,
        )?;
        Ok(found.into_iter().next())
    }

    /// The app whose `uniqueName` is `unique_name`, if there is one.
    pub fn find_application_by_unique_name(
        &self,
        unique_name: &str,
    ) -> Result<Option<Application>> {
        let url = self.url(&format!(
            "v1.0/applications(uniqueName='{}')",
            encode(&unique_name.replace('\'', "''"))
        ));
        self.get_optional(url, &format!("look up the application {unique_name}"))
    }

    /// The app registration, created or updated with these properties (Graph's upsert:
    /// `PATCH /applications(uniqueName='…')` with `Prefer: create-if-missing`; 201 and the new
    /// app, or 204 when an app with that key existed, then read back). Sending it again after
    /// a lost answer lands on the same app. Returns the app and whether it was created.
    pub fn upsert_application(
        &self,
        unique_name: &str,
        new: &NewApplication,
    ) -> Result<(Application, bool)> {
        let request = self.upsert_application_request(unique_name, new);
        let action = format!("create the application `{}`", new.display_name);
        let response = self.send(&request, &action, Needs::AppAdmin)?;
        if response.status == 201 && !response.body.is_empty() {
            return Ok((response.json(SERVICE)?, true));
        }
        // 204: it existed (a first attempt whose answer was lost made it) and now has these
        // properties; Graph says no more, so it is read back.
        let app = self
            .find_application_by_unique_name(unique_name)?
            .ok_or_else(|| not_visible_yet(&action))?;
        Ok((app, response.status == 201))
    }

    /// The request [`GraphClient::upsert_application`] sends.
    pub fn upsert_application_request(&self, unique_name: &str, new: &NewApplication) -> Request {
        let url = self.url(&format!(
            "v1.0/applications(uniqueName='{}')",
            encode(&unique_name.replace('\'', "''"))
        ));
        self.request(Method::PATCH, url)
            .header("prefer", "create-if-missing")
            .json(new.to_json())
            .idempotent(true)
    }

    /// The app by its object id, as it is now.
    pub fn application(&self, object_id: &str) -> Result<Application> {
        let url = self.url(&format!("v1.0/applications/{}", encode(object_id)));
        let action = format!("read the application {object_id}");
        self.get_optional(url, &action)?
            .ok_or_else(|| not_visible_yet(&action))
    }

    /// Changes the given properties of an app (PATCH, 204). `patch` is Graph's camelCase JSON.
    pub fn update_application(&self, object_id: &str, patch: &serde_json::Value) -> Result<()> {
        let request = self.update_application_request(object_id, patch);
        self.send(
            &request,
            &format!("update the application {object_id}"),
            Needs::AppAdmin,
        )?;
        Ok(())
    }

    /// The request [`GraphClient::update_application`] sends.
    pub fn update_application_request(
        &self,
        object_id: &str,
        patch: &serde_json::Value,
    ) -> Request {
        self.request(
            Method::PATCH,
            self.url(&format!("v1.0/applications/{}", encode(object_id))),
        )
        .json(patch.clone())
        .idempotent(true)
    }

    /// Adds a client secret (200). Sent again only after a 429: after a lost answer a secret
    /// may have been made, and the caller reads the app before it tries again.
    pub fn add_password(
        &self,
        object_id: &str,
        display_name: &str,
        end: DateTime<Utc>,
    ) -> Result<NewPassword> {
        let request = self.add_password_request(object_id, display_name, end);
        let mut response = self.send(
            &request,
            &format!("add a client secret to the application {object_id}"),
            Needs::AppAdmin,
        )?;
        let parsed: Result<NewPasswordWire> = response.json(SERVICE);
        response.body.zeroize();
        let wire = parsed?;
        let secret_text = match wire.secret_text {
            Some(text) if !text.is_empty() => Secret::new(text),
            _ => {
                return Err(Error::service(
                    "Microsoft Graph created a client secret but did not return its text",
                )
                .with_hint(format!(
                    "remove the secret {} from the app registration in the Entra admin center, \
                     then run again",
                    wire.key_id
                )))
            }
        };
        Ok(NewPassword {
            key_id: wire.key_id,
            secret_text,
            hint: wire.hint,
            display_name: wire.display_name,
            start_date_time: wire.start_date_time,
            end_date_time: wire.end_date_time,
        })
    }

    /// The request [`GraphClient::add_password`] sends.
    pub fn add_password_request(
        &self,
        object_id: &str,
        display_name: &str,
        end: DateTime<Utc>,
    ) -> Request {
        self.request(
            Method::POST,
            self.url(&format!(
                "v1.0/applications/{}/addPassword",
                encode(object_id)
            )),
        )
        .json(json!({
            "passwordCredential": {
                "displayName": display_name,
                "endDateTime": end.to_rfc3339_opts(SecondsFormat::Secs, true),
            }
        }))
        .idempotent(false)
    }

    /// Removes one client secret of the app (204). After a lost answer the caller reads the app
    /// to know whether it is gone.
    pub fn remove_password(&self, object_id: &str, key_id: &str) -> Result<()> {
        let request = self.remove_password_request(object_id, key_id);
        self.send(
            &request,
            &format!("remove the client secret {key_id} from the application {object_id}"),
            Needs::AppAdmin,
        )?;
        Ok(())
    }

    /// The request [`GraphClient::remove_password`] sends.
    pub fn remove_password_request(&self, object_id: &str, key_id: &str) -> Request {
        self.request(
            Method::POST,
            self.url(&format!(
                "v1.0/applications/{}/removePassword",
                encode(object_id)
            )),
        )
        .json(json!({ "keyId": key_id }))
    }

    /// The service principal of `app_id` in the tenant, with its delegated scopes; `None` when
    /// the tenant has none (404).
    pub fn service_principal_by_app_id(&self, app_id: &str) -> Result<Option<ServicePrincipal>> {
        let mut url = self.service_principal_url(app_id);
        url.set_query(Some("$select=id,appId,displayName,oauth2PermissionScopes"));
        self.get_optional(url, &format!("look up the service principal of {app_id}"))
    }

    /// The service principal (enterprise application) of `app_id`, created if missing (Graph's
    /// upsert: `PATCH /servicePrincipals(appId='…')` with `Prefer: create-if-missing`; 201 and
    /// the new one, or 204 when it existed, then read back). Right after the app was created,
    /// Graph may refuse it for a moment (400 `Request_BadRequest`: the app is not visible yet);
    /// the caller retries that.
    pub fn upsert_service_principal(&self, app_id: &str) -> Result<ServicePrincipal> {
        let request = self.upsert_service_principal_request(app_id);
        let action = format!("create the service principal of {app_id}");
        let response = self.send(&request, &action, Needs::AppAdmin)?;
        if response.status == 201 && !response.body.is_empty() {
            return response.json(SERVICE);
        }
        self.service_principal_by_app_id(app_id)?
            .ok_or_else(|| not_visible_yet(&action))
    }

    /// The request [`GraphClient::upsert_service_principal`] sends.
    pub fn upsert_service_principal_request(&self, app_id: &str) -> Request {
        self.request(Method::PATCH, self.service_principal_url(app_id))
            .header("prefer", "create-if-missing")
            .json(json!({}))
            .idempotent(true)
    }

    fn service_principal_url(&self, app_id: &str) -> Url {
        self.url(&format!(
            "v1.0/servicePrincipals(appId='{}')",
            encode(&app_id.replace('\'', "''"))
        ))
    }

    /// A GET of one object; 404 is `None`.
    fn get_optional<T: DeserializeOwned>(&self, url: Url, action: &str) -> Result<Option<T>> {
        let response = self.http.send(&self.request(Method::GET, url))?;
        if response.status == 404 {
            return Ok(None);
        }
        let response = self.check(response, action, Needs::AppAdmin)?;
        response.json(SERVICE).map(Some)
    }

    /// The delegated permission grants of a client service principal.
    pub fn list_permission_grants(&self, client_sp_id: &str) -> Result<Vec<PermissionGrant>> {
        let url = self.url_with_filter(
            "v1.0/oauth2PermissionGrants",
            &format!("clientId eq {}", odata_string(client_sp_id)),
        );
        self.list(
            url,
            &format!("list the permission grants of the service principal {client_sp_id}"),
            Needs::ConsentAdmin,
        )
    }

    /// Grants tenant-wide consent (`AllPrincipals`) for `scope` (space-separated values) of one
    /// resource to the client (201).
    pub fn create_permission_grant(
        &self,
        client_sp_id: &str,
        resource_sp_id: &str,
        scope: &str,
    ) -> Result<PermissionGrant> {
        let request = self.create_permission_grant_request(client_sp_id, resource_sp_id, scope);
        let response = self.send(
            &request,
            &format!("grant admin consent for `{scope}`"),
            Needs::ConsentAdmin,
        )?;
        response.json(SERVICE)
    }

    /// Replaces the scopes of a grant (PATCH, 204).
    pub fn update_permission_grant(&self, id: &str, scope: &str) -> Result<()> {
        let request = self.update_permission_grant_request(id, scope);
        self.send(
            &request,
            &format!("update the admin consent to `{scope}`"),
            Needs::ConsentAdmin,
        )?;
        Ok(())
    }

    /// The request [`GraphClient::create_permission_grant`] sends.
    pub fn create_permission_grant_request(
        &self,
        client_sp_id: &str,
        resource_sp_id: &str,
        scope: &str,
    ) -> Request {
        self.request(Method::POST, self.url("v1.0/oauth2PermissionGrants"))
            .json(json!({
                "clientId": client_sp_id,
                "consentType": "AllPrincipals",
                "resourceId": resource_sp_id,
                "scope": scope,
            }))
    }

    /// The request [`GraphClient::update_permission_grant`] sends.
    pub fn update_permission_grant_request(&self, id: &str, scope: &str) -> Request {
        self.request(
            Method::PATCH,
            self.url(&format!("v1.0/oauth2PermissionGrants/{}", encode(id))),
        )
        .json(json!({ "scope": scope }))
        .idempotent(true)
    }

    fn url(&self, path: &str) -> Url {
        join(&self.base, path)
    }

    fn url_with_filter(&self, path: &str, filter: &str) -> Url {
        let mut url = self.url(path);
        url.set_query(Some(&format!("$filter={}", encode(filter))));
        url
    }

    fn request(&self, method: Method, url: Url) -> Request {
        Request::new(SERVICE, method, url).bearer(&self.token)
    }

    fn send(&self, request: &Request, action: &str, needs: Needs) -> Result<Response> {
        let response = self.http.send(request)?;
        self.check(response, action, needs)
    }

    fn check(&self, response: Response, action: &str, needs: Needs) -> Result<Response> {
        if response.is_success() {
            Ok(response)
        } else {
            Err(graph_error(&response, action, needs))
        }
    }

    /// GETs `url` and follows `@odata.nextLink` (on Graph's own origin only: the token must
    /// not go anywhere else).
    fn list<T: DeserializeOwned>(&self, url: Url, action: &str, needs: Needs) -> Result<Vec<T>> {
        let mut items = Vec::new();
        let mut next = Some(url);
        let mut pages = 0;
        while let Some(url) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(Error::service(format!(
                    "Microsoft Graph sent more than {MAX_PAGES} pages while trying to {action}"
                )));
            }
            let response = self.send(&self.request(Method::GET, url), action, needs)?;
            let page: Page<T> = response.json(SERVICE)?;
            items.extend(page.value);
            if let Some(link) = page.next_link {
                let link = Url::parse(&link).map_err(|err| {
                    Error::service("Microsoft Graph sent a next-page link that is not a URL")
                        .caused_by(err)
                })?;
                if link.origin() != self.base.origin() {
                    return Err(Error::service(format!(
                        "Microsoft Graph sent a next-page link to another host ({}); not \
                         following it with the admin's token",
                        link.host_str().unwrap_or("?")
                    )));
                }
                next = Some(link);
            }
        }
        Ok(items)
    }
}

fn graph_error(response: &Response, action: &str, needs: Needs) -> Error {
    let status = response.status;
    let body: Option<GraphErrorBody> = serde_json::from_slice::<ErrorEnvelope>(&response.body)
        .ok()
        .map(|envelope| envelope.error);
    let code = body.as_ref().and_then(|b| b.code.clone());
    let graph_message = body
        .as_ref()
        .and_then(|b| b.message.clone())
        .filter(|m| !m.trim().is_empty());
    let inner = body.as_ref().and_then(|b| b.inner_error.as_ref());
    let request_id = inner
        .and_then(|i| i.request_id.clone())
        .or_else(|| response.header("request-id").map(str::to_string));
    let date = inner.and_then(|i| i.date.clone());

    let mut message = format!("Microsoft Graph could not {action}");
    match (&graph_message, &code) {
        (Some(m), Some(c)) => message.push_str(&format!(": {} ({c})", m.trim())),
        (Some(m), None) => message.push_str(&format!(": {}", m.trim())),
        (None, Some(c)) => message.push_str(&format!(": {c}")),
        (None, None) => message.push_str(&format!(": HTTP {status}")),
    }
    let kind = match status {
        401 | 403 => ErrorKind::Auth,
        _ => ErrorKind::Service,
    };
    let mut cause = format!("{CAUSE_PREFIX}{status}");
    if let Some(code) = &code {
        cause.push_str(&format!("; code {code}"));
    }
    if let Some(id) = &request_id {
        cause.push_str(&format!("; request-id {id}"));
    }
    if let Some(date) = &date {
        cause.push_str(&format!("; date {date}"));
    }
    let mut remote = Remote::answered(SERVICE, status);
    remote.code = code;
    let error = Error::new(kind, message)
        .caused_by(cause)
        .with_remote(remote);
    match status {
        401 => error.with_hint(HINT_SIGN_IN),
        403 => error.with_hint(match needs {
            Needs::AppAdmin => HINT_APP_ADMIN,
            Needs::ConsentAdmin => HINT_CONSENT_ADMIN,
        }),
        429 => error.with_hint("Microsoft Graph is throttling requests: wait a minute and retry"),
        s if s >= 500 => {
            error.with_hint("Microsoft Graph had a problem: retry in a moment (it was retried)")
        }
        _ => error,
    }
}

/// Graph answered, after a write, that the object is not there (yet): it may still be on its way
/// to every replica, so the caller may retry.
fn not_visible_yet(action: &str) -> Error {
    Error::service(format!(
        "Microsoft Graph could not {action}: the object is not visible yet"
    ))
    .with_remote(Remote::answered(SERVICE, 404).with_code("Request_ResourceNotFound"))
}

/// True when Graph answered 404 (`Request_ResourceNotFound`): right after a create, the new
/// object may not be visible yet, and the caller may retry.
pub fn is_not_found(err: &Error) -> bool {
    err.status() == Some(404) || err.code() == Some("Request_ResourceNotFound")
}

/// True when Graph refused the call to the signed-in account's permissions (403
/// `Authorization_RequestDenied`: the sign-in's scopes or the account's role do not cover it).
pub fn is_denied(err: &Error) -> bool {
    err.status() == Some(403) && err.code() == Some("Authorization_RequestDenied")
}

/// True when Graph refused to make a service principal because its app is not visible yet
/// (400 `Request_BadRequest` right after the app was created).
pub fn is_app_not_visible_yet(err: &Error) -> bool {
    err.status() == Some(400) && err.code() == Some("Request_BadRequest")
}

/// The fallback id of a well-known delegated scope of a resource (see [`FALLBACK_SCOPE_IDS`]).
pub fn fallback_scope_id(resource_app_id: &str, value: &str) -> Option<&'static str> {
    FALLBACK_SCOPE_IDS
        .iter()
        .find(|(app, v, _)| app.eq_ignore_ascii_case(resource_app_id) && *v == value)
        .map(|(_, _, id)| *id)
}

/// The name (`vso.code`) of a well-known delegated scope, by its id (see
/// [`FALLBACK_SCOPE_IDS`]); an id it does not know, as it is.
pub fn scope_value(id: &str) -> String {
    FALLBACK_SCOPE_IDS
        .iter()
        .find(|(_, _, known)| known.eq_ignore_ascii_case(id))
        .map(|(_, value, _)| value.to_string())
        .unwrap_or_else(|| id.to_string())
}

/// `(value, id)` of each delegated scope of the resource, in the order asked: from the service
/// principal's `oauth2PermissionScopes`, else the fallback constants. A scope that is disabled
/// or unknown is a check failure.
pub fn resolve_scope_ids(sp: &ServicePrincipal, values: &[&str]) -> Result<Vec<(String, String)>> {
    values
        .iter()
        .map(|&value| {
            let listed = sp
                .oauth2_permission_scopes
                .iter()
                .find(|s| s.value == value);
            match listed {
                Some(scope) if scope.is_enabled => Ok((value.to_string(), scope.id.clone())),
                Some(_) => Err(Error::check(format!(
                    "the delegated permission `{value}` of {} ({}) is disabled in this tenant",
                    sp.display_name, sp.app_id
                ))),
                None => fallback_scope_id(&sp.app_id, value)
                    .map(|id| (value.to_string(), id.to_string()))
                    .ok_or_else(|| {
                        Error::check(format!(
                            "{} ({}) offers no delegated permission `{value}`",
                            sp.display_name, sp.app_id
                        ))
                    }),
            }
        })
        .collect()
}

/// An OData string literal: quoted, `'` doubled.
fn odata_string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// Percent-encodes everything but the unreserved characters (spaces as `%20`, never `+`,
/// which OData may read literally).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::test_server::{http, Stub, StubServer};

    const APP_ID: &str = "11111111-2222-3333-4444-555555555555";
    const OBJECT_ID: &str = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";

    fn app_json(name: &str) -> serde_json::Value {
        json!({
            "id": OBJECT_ID,
            "appId": APP_ID,
            "displayName": name,
            "signInAudience": "AzureADMyOrg",
            "web": {
                "redirectUris": ["https://runner.example.com/auth/oauth/callback"],
                "implicitGrantSettings": {
                    "enableIdTokenIssuance": true,
                    "enableAccessTokenIssuance": false
                },
                "homePageUrl": null
            },
            "requiredResourceAccess": [{
                "resourceAppId": AZURE_DEVOPS_APP_ID,
                "resourceAccess": [{"id": "b325850d-aa53-41ed-b77a-c5036b2f39fa", "type": "Scope"}]
            }],
            "passwordCredentials": [{
                "keyId": "k1",
                "displayName": null,
                "hint": "abc",
                "secretText": null,
                "customKeyIdentifier": null,
                "startDateTime": "2025-01-01T00:00:00Z",
                "endDateTime": "2027-01-01T00:00:00.1234567Z"
            }]
        })
    }

    fn graph_error_json(code: &str, message: &str) -> serde_json::Value {
        json!({"error": {
            "code": code,
            "message": message,
            "innerError": {"date": "2025-01-01T00:00:00", "request-id": "req-123", "client-request-id": "req-123"}
        }})
    }

    fn client<'a>(http: &'a Http, server: &StubServer) -> GraphClient<'a> {
        GraphClient::new(http, server.base(), Secret::new("graph-token"))
    }

    /// Answers one connection per body, in order, with 200 and the body built from the server's
    /// own base URL (so that `@odata.nextLink` can point back at it); returns the request heads.
    fn page_server(
        bodies: impl FnOnce(&Url) -> Vec<serde_json::Value>,
    ) -> (Url, std::thread::JoinHandle<Vec<String>>) {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let bodies = bodies(&base);
        let thread = std::thread::spawn(move || {
            let mut heads = Vec::new();
            for body in bodies {
                let (mut stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut head = String::new();
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if line.trim().is_empty() {
                        break;
                    }
                    head.push_str(&line);
                }
                heads.push(head);
                let body = body.to_string();
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                stream.write_all(answer.as_bytes()).unwrap();
            }
            heads
        });
        (base, thread)
    }

    #[test]
    fn find_by_name_quotes_the_filter_follows_pages_and_sends_the_token() {
        let (base, thread) = page_server(|base| {
            let next = base.join("v1.0/applications?$skiptoken=page2").unwrap();
            vec![
                json!({"value": [app_json("O'Brien app")], "@odata.nextLink": next.as_str()}),
                json!({"value": [app_json("O'Brien app")]}),
            ]
        });
        let (http, _) = http();
        let apps = GraphClient::new(&http, base, Secret::new("graph-token"))
            .find_applications_by_name("O'Brien app")
            .unwrap();
        assert_eq!(apps.len(), 2);
        let app = &apps[0];
        assert_eq!(app.id, OBJECT_ID);
        assert_eq!(app.app_id, APP_ID);
        assert_eq!(app.sign_in_audience, "AzureADMyOrg");
        assert!(app.web.implicit_grant_settings.enable_id_token_issuance);
        assert_eq!(
            app.web.redirect_uris,
            ["https://runner.example.com/auth/oauth/callback"]
        );
        assert_eq!(
            app.required_resource_access[0].resource_access[0].type_,
            "Scope"
        );
        let secret = &app.password_credentials[0];
        assert_eq!(secret.key_id, "k1");
        assert_eq!(secret.display_name, None);
        assert_eq!(secret.hint.as_deref(), Some("abc"));
        assert_eq!(
            secret
                .end_date_time
                .unwrap()
                .to_rfc3339_opts(SecondsFormat::Secs, true),
            "2027-01-01T00:00:00Z"
        );
        let heads = thread.join().unwrap();
        assert!(
            heads[0].starts_with(
                "GET /v1.0/applications?$filter=displayName%20eq%20%27O%27%27Brien%20app%27 "
            ),
            "{}",
            heads[0]
        );
        assert!(heads[1].starts_with("GET /v1.0/applications?$skiptoken=page2 "));
        for head in heads {
            let head = head.to_ascii_lowercase();
            assert!(
                head.contains("authorization: bearer graph-token\r\n"),
                "{head}"
            );
            assert!(head.contains("accept: application/json\r\n"), "{head}");
        }
    }

    #[test]
    fn find_by_app_id() {
        let filter = format!("/v1.0/applications?$filter=appId%20eq%20%27{APP_ID}%27");
        let server = StubServer::start(vec![
            Stub::get(&filter).json(json!({"value": [app_json("ado")]})),
            Stub::get(&filter).json(json!({"value": []})),
        ]);
        let (http, _) = http();
        let graph = client(&http, &server);
        let app = graph.find_application_by_app_id(APP_ID).unwrap().unwrap();
        assert_eq!(app.display_name, "ado");
        assert!(graph.find_application_by_app_id(APP_ID).unwrap().is_none());
        server.finish();
    }

    #[test]
    fn null_and_missing_fields_are_tolerated() {
        let server = StubServer::start(vec![Stub::get(
            "/v1.0/applications?$filter=displayName%20eq%20%27x%27",
        )
        .json(json!({"value": [{
            "id": "o", "appId": "a", "displayName": "x", "web": null,
            "requiredResourceAccess": null
        }]}))]);
        let (http, _) = http();
        let apps = client(&http, &server)
            .find_applications_by_name("x")
            .unwrap();
        assert_eq!(apps[0].web, Web::default());
        assert!(apps[0].required_resource_access.is_empty());
        assert!(apps[0].password_credentials.is_empty());
        server.finish();
    }

    #[test]
    fn create_application_sends_the_whole_registration_as_an_upsert() {
        let key = unique_name_for("Gitpod ADO");
        let server = StubServer::start(vec![Stub::new(
            "PATCH",
            &format!("/v1.0/applications(uniqueName='{key}')"),
        )
        .status(201)
        .json(app_json("Gitpod ADO"))]);
        let (http, _) = http();
        let new = NewApplication {
            display_name: "Gitpod ADO".into(),
            redirect_uri: "https://runner.example.com/auth/oauth/callback".into(),
            required_resource_access: vec![
                RequiredResourceAccess {
                    resource_app_id: GRAPH_APP_ID.into(),
                    resource_access: vec![
                        ResourceAccess::scope("37f7f235-527c-4136-accd-4a02d197296e"),
                        ResourceAccess::scope("7427e0e9-2fba-42fe-b0c0-848c9e6a8182"),
                    ],
                },
                RequiredResourceAccess {
                    resource_app_id: AZURE_DEVOPS_APP_ID.into(),
                    resource_access: vec![ResourceAccess::scope(
                        "b325850d-aa53-41ed-b77a-c5036b2f39fa",
                    )],
                },
            ],
        };
        let (app, created) = client(&http, &server)
            .upsert_application(&key, &new)
            .unwrap();
        assert_eq!(app.app_id, APP_ID);
        assert!(created);
        let requests = server.finish();
        assert_eq!(requests[0].header("prefer"), Some("create-if-missing"));
        assert_eq!(
            requests[0].json(),
            json!({
                "displayName": "Gitpod ADO",
                "signInAudience": "AzureADMyOrg",
                "web": {
                    "redirectUris": ["https://runner.example.com/auth/oauth/callback"],
                    "implicitGrantSettings": {"enableIdTokenIssuance": true}
                },
                "requiredResourceAccess": [
                    {"resourceAppId": GRAPH_APP_ID, "resourceAccess": [
                        {"id": "37f7f235-527c-4136-accd-4a02d197296e", "type": "Scope"},
                        {"id": "7427e0e9-2fba-42fe-b0c0-848c9e6a8182", "type": "Scope"}
                    ]},
                    {"resourceAppId": AZURE_DEVOPS_APP_ID, "resourceAccess": [
                        {"id": "b325850d-aa53-41ed-b77a-c5036b2f39fa", "type": "Scope"}
                    ]}
                ]
            })
        );
        assert_eq!(
            requests[0].header("authorization"),
            Some("Bearer graph-token")
        );
        assert!(requests[0]
            .header("content-type")
            .unwrap()
            .starts_with("application/json"));
    }

    #[test]
    fn an_upsert_of_an_existing_app_reads_it_back_and_is_retried_like_a_read() {
        let key = unique_name_for("x");
        assert_eq!(
            key,
            unique_name_for(" X "),
            "the same name gives the same key"
        );
        assert!(key.starts_with("ado-scm-") && key.len() == 32, "{key}");
        let path = format!("/v1.0/applications(uniqueName='{key}')");
        let server = StubServer::start(vec![
            Stub::new("PATCH", &path)
                .status(503)
                .json(graph_error_json("serviceNotAvailable", "try later")),
            Stub::new("PATCH", &path).status(204),
            Stub::get(&path).json(app_json("x")),
        ]);
        let (http, _) = http();
        let new = NewApplication {
            display_name: "x".into(),
            redirect_uri: "https://r/cb".into(),
            required_resource_access: vec![],
        };
        let (app, created) = client(&http, &server)
            .upsert_application(&key, &new)
            .unwrap();
        assert!(!created, "204: it existed");
        assert_eq!(app.app_id, APP_ID);
        assert_eq!(server.finish().len(), 3);
    }

    #[test]
    fn a_secret_is_added_again_only_after_a_429() {
        let path = format!("/v1.0/applications/{OBJECT_ID}/addPassword");
        let server = StubServer::start(vec![
            Stub::post(&path)
                .status(429)
                .header("retry-after", "4")
                .json(graph_error_json("TooManyRequests", "slow down")),
            Stub::post(&path)
                .status(503)
                .json(graph_error_json("serviceNotAvailable", "try later")),
        ]);
        let (http, clock) = http();
        let end = Utc::now();
        let err = client(&http, &server)
            .add_password(OBJECT_ID, "ado-scm r1", end)
            .unwrap_err();
        assert_eq!(clock.sleeps(), vec![std::time::Duration::from_secs(4)]);
        assert!(err.outcome_unknown(), "a 503 may hide a made secret");
        assert_eq!(server.finish().len(), 2);
    }

    #[test]
    fn update_application_patches() {
        let server = StubServer::start(vec![Stub::new(
            "PATCH",
            &format!("/v1.0/applications/{OBJECT_ID}"),
        )
        .status(204)]);
        let (http, _) = http();
        let patch = json!({"web": {"redirectUris": ["https://a/cb", "https://b/cb"]}});
        client(&http, &server)
            .update_application(OBJECT_ID, &patch)
            .unwrap();
        assert_eq!(server.finish()[0].json(), patch);
    }

    #[test]
    fn add_password_returns_the_secret_once_and_is_not_retried() {
        let path = format!("/v1.0/applications/{OBJECT_ID}/addPassword");
        let server = StubServer::start(vec![
            Stub::post(&path).json(json!({
                "customKeyIdentifier": null,
                "displayName": "ado-scm 2025-01-01",
                "endDateTime": "2025-07-01T00:00:00Z",
                "hint": "Q~a",
                "keyId": "key-1",
                "secretText": "Q~abcdefsecret",
                "startDateTime": "2025-01-01T00:00:00Z"
            })),
            Stub::post(&path).status(500).body("oops"),
        ]);
        let (http, _) = http();
        let graph = client(&http, &server);
        let end = DateTime::parse_from_rfc3339("2025-07-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let new = graph
            .add_password(OBJECT_ID, "ado-scm 2025-01-01", end)
            .unwrap();
        assert_eq!(new.key_id, "key-1");
        assert_eq!(new.secret_text.expose(), "Q~abcdefsecret");
        assert_eq!(new.hint.as_deref(), Some("Q~a"));
        assert_eq!(new.end_date_time, Some(end));
        assert!(!format!("{new:?}").contains("abcdefsecret"));
        let err = graph.add_password(OBJECT_ID, "again", end).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Service);
        assert!(err.message.contains("HTTP 500"), "{}", err.message);
        let requests = server.finish();
        assert_eq!(requests.len(), 2, "the 500 was not retried");
        assert_eq!(
            requests[0].json(),
            json!({"passwordCredential": {
                "displayName": "ado-scm 2025-01-01",
                "endDateTime": "2025-07-01T00:00:00Z"
            }})
        );
    }

    #[test]
    fn add_password_without_text_is_an_error() {
        let server = StubServer::start(vec![Stub::post(&format!(
            "/v1.0/applications/{OBJECT_ID}/addPassword"
        ))
        .json(json!({"keyId": "key-9", "secretText": null}))]);
        let (http, _) = http();
        let err = client(&http, &server)
            .add_password(OBJECT_ID, "x", Utc::now())
            .unwrap_err();
        assert!(err.message.contains("did not return its text"));
        assert!(err.hint.unwrap().contains("key-9"));
        server.finish();
    }

    #[test]
    fn remove_password_sends_the_key_id() {
        let server = StubServer::start(vec![Stub::post(&format!(
            "/v1.0/applications/{OBJECT_ID}/removePassword"
        ))
        .status(204)]);
        let (http, _) = http();
        client(&http, &server)
            .remove_password(OBJECT_ID, "key-1")
            .unwrap();
        assert_eq!(server.finish()[0].json(), json!({"keyId": "key-1"}));
    }

    #[test]
    fn service_principals() {
        let path = format!(
            "/v1.0/servicePrincipals(appId='{AZURE_DEVOPS_APP_ID}')?$select=id,appId,displayName,oauth2PermissionScopes"
        );
        let server = StubServer::start(vec![
            Stub::get(&path).json(json!({
                "@odata.context": "…",
                "id": "sp-ado",
                "appId": AZURE_DEVOPS_APP_ID,
                "displayName": "Azure DevOps",
                "oauth2PermissionScopes": [
                    {"id": "id-code", "value": "vso.code", "isEnabled": true, "type": "User"},
                    {"id": "id-off", "value": "vso.off", "isEnabled": false, "type": "User"}
                ]
            })),
            Stub::get(&path).status(404).json(graph_error_json(
                "Request_ResourceNotFound",
                "Resource '499b…' does not exist",
            )),
            Stub::new(
                "PATCH",
                &format!("/v1.0/servicePrincipals(appId='{APP_ID}')"),
            )
            .status(201)
            .json(json!({"id": "sp-new", "appId": APP_ID, "displayName": "Gitpod ADO"})),
        ]);
        let (http, _) = http();
        let graph = client(&http, &server);
        let sp = graph
            .service_principal_by_app_id(AZURE_DEVOPS_APP_ID)
            .unwrap()
            .unwrap();
        assert_eq!(sp.id, "sp-ado");
        assert_eq!(sp.oauth2_permission_scopes.len(), 2);
        assert!(graph
            .service_principal_by_app_id(AZURE_DEVOPS_APP_ID)
            .unwrap()
            .is_none());
        let created = graph.upsert_service_principal(APP_ID).unwrap();
        assert_eq!(created.id, "sp-new");
        assert!(created.oauth2_permission_scopes.is_empty());
        let requests = server.finish();
        assert_eq!(requests[2].json(), json!({}));
        assert_eq!(requests[2].header("prefer"), Some("create-if-missing"));
    }

    #[test]
    fn permission_grants() {
        let server =
            StubServer::start(vec![
            Stub::get("/v1.0/oauth2PermissionGrants?$filter=clientId%20eq%20%27sp-client%27").json(
                json!({"value": [{
                    "id": "g1", "clientId": "sp-client", "consentType": "AllPrincipals",
                    "principalId": null, "resourceId": "sp-ado", "scope": "vso.code"
                }]}),
            ),
            Stub::post("/v1.0/oauth2PermissionGrants").status(201).json(json!({
                "id": "g2", "clientId": "sp-client", "consentType": "AllPrincipals",
                "principalId": null, "resourceId": "sp-graph", "scope": "openid offline_access"
            })),
            Stub::new("PATCH", "/v1.0/oauth2PermissionGrants/g1").status(204),
        ]);
        let (http, _) = http();
        let graph = client(&http, &server);
        let grants = graph.list_permission_grants("sp-client").unwrap();
        assert_eq!(grants[0].resource_id, "sp-ado");
        assert_eq!(grants[0].scope, "vso.code");
        let grant = graph
            .create_permission_grant("sp-client", "sp-graph", "openid offline_access")
            .unwrap();
        assert_eq!(grant.id, "g2");
        graph
            .update_permission_grant("g1", "vso.code vso.code_write")
            .unwrap();
        let requests = server.finish();
        assert_eq!(
            requests[1].json(),
            json!({"clientId": "sp-client", "consentType": "AllPrincipals",
                   "resourceId": "sp-graph", "scope": "openid offline_access"})
        );
        assert_eq!(
            requests[2].json(),
            json!({"scope": "vso.code vso.code_write"})
        );
    }

    fn error_for(status: u16, body: serde_json::Value) -> Error {
        let server = StubServer::start(vec![Stub::new(
            "PATCH",
            &format!("/v1.0/servicePrincipals(appId='{APP_ID}')"),
        )
        .status(status)
        .json(body)]);
        let (http, _) = http();
        let err = client(&http, &server)
            .upsert_service_principal(APP_ID)
            .unwrap_err();
        server.finish();
        err
    }

    #[test]
    fn error_mapping() {
        let err = error_for(
            401,
            graph_error_json("InvalidAuthenticationToken", "Lifetime validation failed"),
        );
        assert_eq!(err.exit_code(), 3);
        assert_eq!(
            err.message,
            format!(
                "Microsoft Graph could not create the service principal of {APP_ID}: Lifetime \
                 validation failed (InvalidAuthenticationToken)"
            )
        );
        assert!(err.hint.as_deref().unwrap().contains("sign in again"));
        assert_eq!(
            err.causes[0],
            "Microsoft Graph answered HTTP 401; code InvalidAuthenticationToken; request-id \
             req-123; date 2025-01-01T00:00:00"
        );

        let err = error_for(
            403,
            graph_error_json("Authorization_RequestDenied", "Insufficient privileges"),
        );
        assert_eq!(err.exit_code(), 3);
        assert!(err
            .hint
            .as_deref()
            .unwrap()
            .contains("needs Application.ReadWrite.All and an admin role (Application Administrator / Cloud Application Administrator)"));
        assert_eq!(err.code(), Some("Authorization_RequestDenied"));
        assert!(is_denied(&err));

        let err = error_for(404, graph_error_json("Request_ResourceNotFound", "gone"));
        assert_eq!(err.kind, ErrorKind::Service);
        assert!(is_not_found(&err));
        assert!(!is_denied(&err));
        assert_eq!(err.status(), Some(404));

        let err = error_for(
            400,
            graph_error_json("Request_BadRequest", "Invalid value specified"),
        );
        assert_eq!(err.exit_code(), 1);
        assert!(!is_not_found(&err));
        assert!(is_app_not_visible_yet(&err));
        assert_eq!(err.code(), Some("Request_BadRequest"));
        assert!(err
            .message
            .contains("Invalid value specified (Request_BadRequest)"));

        // Not Graph's error shape.
        let err = error_for(409, json!({"unexpected": true}));
        assert_eq!(err.kind, ErrorKind::Service);
        assert!(err.message.ends_with(": HTTP 409"), "{}", err.message);
        assert_eq!(err.code(), None);
        assert_eq!(err.status(), Some(409));
        assert!(!is_not_found(&Error::service("x")));
    }

    #[test]
    fn consent_calls_have_their_own_403_hint() {
        let server = StubServer::start(vec![Stub::post("/v1.0/oauth2PermissionGrants")
            .status(403)
            .json(graph_error_json("Authorization_RequestDenied", "no"))]);
        let (http, _) = http();
        let err = client(&http, &server)
            .create_permission_grant("a", "b", "vso.code")
            .unwrap_err();
        assert_eq!(err.exit_code(), 3);
        assert!(err
            .hint
            .unwrap()
            .contains("DelegatedPermissionGrant.ReadWrite.All"));
        server.finish();
    }

    #[test]
    fn reads_are_retried() {
        let filter = "/v1.0/applications?$filter=displayName%20eq%20%27x%27";
        let server = StubServer::start(vec![
            Stub::get(filter).status(503).body("busy"),
            Stub::get(filter)
                .status(429)
                .header("retry-after", "2")
                .body("slow down"),
            Stub::get(filter).json(json!({"value": []})),
        ]);
        let (http, clock) = http();
        let apps = client(&http, &server)
            .find_applications_by_name("x")
            .unwrap();
        assert!(apps.is_empty());
        assert_eq!(server.finish().len(), 3);
        assert_eq!(clock.sleeps().len(), 2);
    }

    #[test]
    fn next_links_to_other_hosts_are_not_followed() {
        let server = StubServer::start(vec![Stub::get(
            "/v1.0/applications?$filter=displayName%20eq%20%27x%27",
        )
        .json(json!({
            "value": [],
            "@odata.nextLink": "https://evil.example.com/v1.0/applications?$skiptoken=1"
        }))]);
        let (http, _) = http();
        let err = client(&http, &server)
            .find_applications_by_name("x")
            .unwrap_err();
        assert!(err.message.contains("another host (evil.example.com)"));
        assert_eq!(server.finish().len(), 1);
    }

    #[test]
    fn unreadable_success_is_a_service_error() {
        let server = StubServer::start(vec![Stub::new(
            "PATCH",
            &format!("/v1.0/servicePrincipals(appId='{APP_ID}')"),
        )
        .status(201)
        .body("<html>")]);
        let (http, _) = http();
        let err = client(&http, &server)
            .upsert_service_principal(APP_ID)
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Service);
        assert!(err.message.contains("Microsoft Graph"));
        server.finish();
    }

    fn sp(app_id: &str, scopes: &[(&str, &str, bool)]) -> ServicePrincipal {
        ServicePrincipal {
            id: "sp".into(),
            app_id: app_id.into(),
            display_name: "Resource".into(),
            oauth2_permission_scopes: scopes
                .iter()
                .map(|(value, id, on)| PermissionScope {
                    id: id.to_string(),
                    value: value.to_string(),
                    is_enabled: *on,
                })
                .collect(),
        }
    }

    #[test]
    fn scope_ids_resolve_from_the_service_principal_then_the_constants() {
        let ado = sp(AZURE_DEVOPS_APP_ID, &[("vso.code", "live-code-id", true)]);
        assert_eq!(
            resolve_scope_ids(&ado, &["vso.code", "vso.code_write"]).unwrap(),
            vec![
                ("vso.code".to_string(), "live-code-id".to_string()),
                (
                    "vso.code_write".to_string(),
                    "028ffaf1-6f06-490a-979e-38011f92fb7c".to_string()
                ),
            ]
        );
        let graph = sp(GRAPH_APP_ID, &[]);
        assert_eq!(
            resolve_scope_ids(&graph, &["openid", "offline_access"]).unwrap(),
            vec![
                (
                    "openid".to_string(),
                    "37f7f235-527c-4136-accd-4a02d197296e".to_string()
                ),
                (
                    "offline_access".to_string(),
                    "7427e0e9-2fba-42fe-b0c0-848c9e6a8182".to_string()
                ),
            ]
        );
        let err = resolve_scope_ids(&graph, &["vso.code"]).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(err
            .message
            .contains("offers no delegated permission `vso.code`"));
        let off = sp(AZURE_DEVOPS_APP_ID, &[("vso.code", "x", false)]);
        let err = resolve_scope_ids(&off, &["vso.code"]).unwrap_err();
        assert!(err.message.contains("is disabled"));
        assert_eq!(
            fallback_scope_id(AZURE_DEVOPS_APP_ID, "vso.code"),
            Some("b325850d-aa53-41ed-b77a-c5036b2f39fa")
        );
    }

    #[test]
    fn encoding() {
        assert_eq!(odata_string("it's"), "'it''s'");
        assert_eq!(encode("a b'c+/é"), "a%20b%27c%2B%2F%C3%A9");
    }
}
