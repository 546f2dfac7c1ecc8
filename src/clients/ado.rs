//! Azure DevOps REST: checking a PAT before it is handed to a runner, and finding the Entra ID
//! tenant an organization is connected to (<https://learn.microsoft.com/rest/api/azure/devops>).
//!
//! Every call sends `Accept: application/json` and `X-TFS-FedAuthRedirect: Suppress`; even so,
//! Azure DevOps may answer a bad credential with a redirect to a sign-in page or a `203` HTML
//! page instead of a `401`. [`Http`] never follows redirects, and any `203`, `3xx` or
//! `text/html` answer counts as "credential rejected".
//!
//! `--ado-url` replaces the scheme, host and port of every Azure DevOps API URL (a path on it is
//! put in front of the organization or collection path); URLs shown to people (the PAT page)
//! are never rewritten.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use reqwest::Method;
use serde::Deserialize;
use url::Url;
use zeroize::Zeroizing;

use crate::error::{Error, Remote, Result};
use crate::http::{Http, Request, Response};
use crate::secret::Secret;
use crate::urls;

const SERVICE: &str = "Azure DevOps";
const SERVICES_ROOT: &str = "https://dev.azure.com/";
const ZERO_GUID: &str = "00000000-0000-0000-0000-000000000000";

/// Which Azure DevOps a PAT belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdoTarget {
    /// Azure DevOps Services: `https://dev.azure.com/{org}`.
    Services { org: String },
    /// Azure DevOps Server: the collection URL as the user gave it, e.g.
    /// `https://ado.example.com/tfs/DefaultCollection`.
    Server { collection_url: Url },
}

impl AdoTarget {
    /// How messages name it.
    fn describe(&self) -> String {
        match self {
            AdoTarget::Services { org } => format!("organization `{org}`"),
            AdoTarget::Server { collection_url } => {
                format!("collection `{}`", trimmed(collection_url))
            }
        }
    }
}

/// Who a PAT belongs to, and how many repositories it can see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatIdentity {
    pub user_id: String,
    pub display_name: String,
    pub repositories: usize,
}

/// The Entra ID tenant of an Azure DevOps organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgTenant {
    /// The tenant's GUID, lower-case.
    Connected(String),
    /// The organization is not connected to Entra ID (Azure DevOps says the all-zero tenant).
    NotConnected,
}

pub struct AdoClient<'a> {
    http: &'a Http,
    url_override: Option<Url>,
}

impl<'a> AdoClient<'a> {
    /// `url_override` (`--ado-url`) replaces scheme, host and port of every API URL.
    pub fn new(http: &'a Http, url_override: Option<Url>) -> Self {
        AdoClient { http, url_override }
    }

    /// `https://dev.azure.com/{org}` or the collection URL (no trailing slash), with the
    /// override applied.
    pub fn base_url(&self, target: &AdoTarget) -> Url {
        self.rewrite(public_base(target))
    }

    /// The page where a person makes a PAT. Never rewritten by the override: people open it.
    pub fn pat_page_url(&self, target: &AdoTarget) -> String {
        urls::join(&public_base(target), "_usersSettings/tokens").to_string()
    }

    /// Checks a PAT the way the runner will use it: `connectionData` says whose it is (an
    /// anonymous answer means Azure DevOps did not take it), and listing Git repositories
    /// proves the Code scope. The two questions are asked at once; the answer of
    /// `connectionData` decides how the other is read.
    ///
    /// Errors: rejected (401, 403, 203, 3xx, HTML, anonymous on `connectionData`) → Auth
    /// "Azure DevOps rejected the PAT …"; accepted by `connectionData` but refused by the
    /// repository list (401 or 403: Azure DevOps answers both for a scope a PAT lacks) → Auth
    /// "the PAT lacks the Code scope …"; 404 on `connectionData` → Usage "… not found" (the
    /// organization or collection the user named does not exist: their input, nothing
    /// changed); other statuses → Service naming the status and Azure DevOps's `message`.
    pub fn check_pat(&self, target: &AdoTarget, pat: &Secret) -> Result<PatIdentity> {
        let base = self.base_url(target);
        let services = matches!(target, AdoTarget::Services { .. });

        let mut identity_url = urls::join(&base, "_apis/connectionData");
        if services {
            // A preview API; Server answers without a version (and would refuse a newer one).
            identity_url
                .query_pairs_mut()
                .append_pair("api-version", "7.1-preview");
        }
        let mut repos_url = urls::join(&base, "_apis/git/repositories");
        repos_url
            .query_pairs_mut()
            .append_pair("api-version", if services { "7.1" } else { "5.0" });
        let (identity, repos) = std::thread::scope(|scope| {
            let repos = scope.spawn(|| self.get(repos_url, Some(pat)));
            let identity = self.get(identity_url, Some(pat));
            (identity, repos.join().expect("the repository check ran"))
        });

        let response = identity?;
        if response.status == 404 {
            return Err(not_found(target));
        }
        if response.status == 403 {
            return Err(rejected(target, &response, None));
        }
        self.expect_json(&response, target, "connectionData")?;
        let data: ConnectionData = response.json(SERVICE)?;
        let user = match data.authenticated_user {
            Some(user) if !user.is_anonymous() => user,
            _ => {
                return Err(rejected(
                    target,
                    &response,
                    Some("Azure DevOps answered as if no credential was sent"),
                ))
            }
        };

        let response = repos?;
        if matches!(response.status, 401 | 403) {
            let err = Error::auth(format!(
                "the PAT lacks the Code scope: Azure DevOps knows it but refused to list the \
                 repositories of {}",
                target.describe()
            ))
            .with_hint(
                "make a PAT with the scope Code (Read & write) (`vso.code_write`) and try again",
            )
            .with_remote(Remote::answered(SERVICE, response.status));
            return Err(match error_message(&response) {
                Some(message) => err.caused_by(message),
                None => err,
            });
        }
        self.expect_json(&response, target, "the repository list")?;
        let repos: RepositoryList = response.json(SERVICE)?;
        let repositories = if repos.value.is_empty() {
            repos.count
        } else {
            repos.value.len()
        };
        Ok(PatIdentity {
            display_name: user.display_name(),
            user_id: user.id,
            repositories,
        })
    }

    /// The Entra ID tenant of a Services organization, asked anonymously: Azure DevOps names it
    /// in `X-VSS-ResourceTenant` (possibly a comma list: the first non-zero GUID wins), or else
    /// in `WWW-Authenticate: Bearer authorization_uri=https://login.microsoftonline.com/{tenant}`.
    /// Only zeros: [`OrgTenant::NotConnected`]. 404: Usage "… does not exist". No tenant in
    /// the answer at all: Service (the caller can ask for `--tenant`).
    pub fn discover_tenant(&self, org: &str) -> Result<OrgTenant> {
        let target = AdoTarget::Services {
            org: org.to_string(),
        };
        let url = urls::join(&self.base_url(&target), "_apis/connectionData");
        let response = self.get(url, None)?;
        if response.status == 404 {
            return Err(
                Error::usage(format!("Azure DevOps organization `{org}` does not exist"))
                    .with_hint(format!(
                "check the name in https://dev.azure.com/{org} (pass --org, or --tenant to skip \
                 the lookup)"
            )),
            );
        }
        let mut saw_zero = false;
        let from_header = response
            .headers
            .get_all("x-vss-resourcetenant")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim);
        let from_challenge = response
            .headers
            .get_all("www-authenticate")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(challenge_tenant);
        for candidate in from_header.map(str::to_string).chain(from_challenge) {
            let Some(guid) = guid(&candidate) else {
                continue;
            };
            if guid == ZERO_GUID {
                saw_zero = true;
            } else {
                return Ok(OrgTenant::Connected(guid));
            }
        }
        if saw_zero {
            return Ok(OrgTenant::NotConnected);
        }
        Err(Error::service(format!(
            "Azure DevOps did not say which Entra ID tenant organization `{org}` belongs to \
             (HTTP {})",
            response.status
        ))
        .with_hint("pass --tenant with the tenant's GUID or domain"))
    }

    /// A GET with the PAT, if any, as HTTP Basic.
    fn get(&self, url: Url, pat: Option<&Secret>) -> Result<Response> {
        // `Accept: application/json` is sent by `Http` on every request.
        let mut request =
            Request::new(SERVICE, Method::GET, url).header("x-tfs-fedauthredirect", "Suppress");
        if let Some(pat) = pat {
            request = request.authorization(basic(pat), pat);
        }
        self.http.send(&request)
    }

    /// A 2xx JSON answer, or the error it means.
    fn expect_json(&self, response: &Response, target: &AdoTarget, what: &str) -> Result<()> {
        let status = response.status;
        if status == 203 || (300..400).contains(&status) || status == 401 {
            return Err(rejected(target, response, None));
        }
        if response.is_html() {
            let page = "Azure DevOps answered with a sign-in page";
            return Err(rejected(target, response, Some(page)));
        }
        if !response.is_success() {
            let head = format!(
                "Azure DevOps answered HTTP {status} for {what} of {}",
                target.describe()
            );
            return Err(Error::service(match error_message(response) {
                Some(message) => format!("{head}: {message}"),
                None => head,
            })
            .with_remote(Remote::answered(SERVICE, status)));
        }
        Ok(())
    }

    /// Applies `--ado-url`: its scheme, host and port replace the URL's; its path, if any, is
    /// put in front of the URL's path.
    fn rewrite(&self, url: Url) -> Url {
        let Some(over) = &self.url_override else {
            return url;
        };
        let mut out = over.clone();
        let prefix = over.path().trim_end_matches('/');
        out.set_path(&format!("{prefix}{}", url.path()));
        out.set_query(url.query());
        out.set_fragment(None);
        out
    }
}

/// The target's base as people know it (no override).
fn public_base(target: &AdoTarget) -> Url {
    match target {
        AdoTarget::Services { org } => {
            let mut url = Url::parse(SERVICES_ROOT).expect("constant URL");
            if let Ok(mut segments) = url.path_segments_mut() {
                segments.pop_if_empty().push(org);
            }
            url
        }
        AdoTarget::Server { collection_url } => trimmed(collection_url),
    }
}

/// The URL without a trailing slash, query or fragment.
fn trimmed(url: &Url) -> Url {
    let mut url = url.clone();
    let path = url.path().trim_end_matches('/').to_string();
    url.set_path(&path);
    url.set_query(None);
    url.set_fragment(None);
    url
}

/// `Basic base64(":" + PAT)`, built only here and kept only in a [`Secret`].
fn basic(pat: &Secret) -> Secret {
    let pair = Zeroizing::new(format!(":{}", pat.expose()));
    let encoded = Zeroizing::new(BASE64.encode(pair.as_bytes()));
    Secret::new(format!("Basic {}", encoded.as_str()))
}

/// Azure DevOps did not take the PAT. Since 1 December 2026 a PAT made for "all accessible
/// organizations" no longer works: the hint asks for one made in the organization itself.
/// `detail` says what was wrong with an answer whose status looks fine.
fn rejected(target: &AdoTarget, response: &Response, detail: Option<&str>) -> Error {
    let where_made = match target {
        AdoTarget::Services { org } => format!(
            "was made in organization `{org}` itself (a PAT for \"All accessible \
             organizations\" no longer works)"
        ),
        AdoTarget::Server { .. } => "was made on this server".to_string(),
    };
    let status = response.status;
    let detail = detail
        .map(str::to_string)
        .or_else(|| error_message(response))
        .unwrap_or_else(|| format!("Azure DevOps answered HTTP {status}"));
    Error::auth(format!(
        "Azure DevOps rejected the PAT for {}",
        target.describe()
    ))
    .with_hint(format!(
        "check that the PAT {where_made}, has not expired or been revoked, and was copied whole"
    ))
    .caused_by(detail)
    .with_remote(Remote::answered(SERVICE, status))
}

fn not_found(target: &AdoTarget) -> Error {
    match target {
        AdoTarget::Services { org } => {
            Error::usage(format!("Azure DevOps organization `{org}` not found")).with_hint(format!(
                "check the name in https://dev.azure.com/{org} and pass it with --org"
            ))
        }
        AdoTarget::Server { collection_url } => Error::usage(format!(
            "Azure DevOps Server collection `{}` not found",
            trimmed(collection_url)
        ))
        .with_hint("give the collection URL, e.g. https://ado.example.com/tfs/DefaultCollection"),
    }
}

/// Azure DevOps's own `message` from a JSON error body ([`Http`] has scrubbed the PAT out of
/// it, should it ever be echoed).
fn error_message(response: &Response) -> Option<String> {
    #[derive(Deserialize)]
    struct Body {
        #[serde(default)]
        message: String,
    }
    if response.is_html() {
        return None;
    }
    let body: Body = serde_json::from_slice(&response.body).ok()?;
    let message = body.message.trim();
    if message.is_empty() {
        return None;
    }
    Some(message.to_string())
}

/// The tenant segment of `Bearer authorization_uri=https://login.microsoftonline.com/{tenant}`.
fn challenge_tenant(header: &str) -> Option<String> {
    let start = header.find("authorization_uri=")? + "authorization_uri=".len();
    let rest = header[start..].trim_start_matches('"');
    let end = rest
        .find(|c: char| c == '"' || c == ',' || c.is_whitespace())
        .unwrap_or(rest.len());
    let uri = Url::parse(&rest[..end]).ok()?;
    uri.path_segments()?
        .find(|s| !s.is_empty())
        .map(str::to_string)
}

/// A GUID (8-4-4-4-12 hex digits, optional braces), lower-cased.
fn guid(raw: &str) -> Option<String> {
    let raw = raw.trim().trim_start_matches('{').trim_end_matches('}');
    crate::guid::is_guid(raw).then(|| raw.to_ascii_lowercase())
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct ConnectionData {
    authenticated_user: Option<AdoIdentity>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct AdoIdentity {
    id: String,
    descriptor: String,
    provider_display_name: String,
    custom_display_name: Option<String>,
}

impl AdoIdentity {
    /// The identity Azure DevOps reports when it took no credential: its descriptor is of the
    /// type `Microsoft.TeamFoundation.UnauthenticatedIdentity` (display name "Anonymous").
    fn is_anonymous(&self) -> bool {
        let id = self.id.trim();
        let descriptor = self.descriptor.to_ascii_lowercase();
        id.is_empty()
            || guid(id).is_some_and(|g| g == ZERO_GUID)
            || descriptor.starts_with("microsoft.teamfoundation.unauthenticatedidentity")
            || descriptor.contains("anonymousprincipal")
            || (descriptor.is_empty() && self.provider_display_name == "Anonymous")
    }

    fn display_name(&self) -> String {
        self.custom_display_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| self.provider_display_name.clone())
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RepositoryList {
    count: usize,
    value: Vec<serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::test_server::{http as fake_http, Stub, StubServer};
    use crate::error::ErrorKind;
    use serde_json::json;

    const PAT: &str = "pat-abc-123";
    const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

    fn identity(id: &str, descriptor: &str, provider: &str, custom: Option<&str>) -> AdoIdentity {
        AdoIdentity {
            id: id.into(),
            descriptor: descriptor.into(),
            provider_display_name: provider.into(),
            custom_display_name: custom.map(str::to_string),
        }
    }

    /// Each sign by which Azure DevOps says "no credential taken" counts on its own.
    #[test]
    fn an_anonymous_identity_is_known_by_any_one_of_its_signs() {
        let person = "Microsoft.IdentityModel.Claims.ClaimsIdentity;t\\ada@contoso.com";
        let some_id = "0d5a1b2c-0000-4000-8000-000000000001";
        for (id, descriptor, provider, anonymous) in [
            (some_id, person, "Ada", false),
            ("", person, "Ada", true),
            (ZERO_GUID, person, "Ada", true),
            (
                some_id,
                "Microsoft.TeamFoundation.UnauthenticatedIdentity;S-1-0-0",
                "Ada",
                true,
            ),
            (some_id, "System:AnonymousPrincipal", "Ada", true),
            (some_id, "", "Anonymous", true),
            (some_id, "", "Ada", false),
        ] {
            assert_eq!(
                identity(id, descriptor, provider, None).is_anonymous(),
                anonymous,
                "{id:?} {descriptor:?} {provider:?}"
            );
        }
    }

    #[test]
    fn the_display_name_is_the_custom_one_unless_it_is_blank() {
        let named = |custom| identity("i", "d", "Ada Lovelace", custom).display_name();
        assert_eq!(named(Some("Ada L.")), "Ada L.");
        assert_eq!(named(Some("  ")), "Ada Lovelace");
        assert_eq!(named(None), "Ada Lovelace");
    }

    fn user() -> serde_json::Value {
        json!({"authenticatedUser": {"id": "0d5a1b2c-0000-4000-8000-000000000001",
               "descriptor": "Microsoft.IdentityModel.Claims.ClaimsIdentity;t\\ada@contoso.com",
               "providerDisplayName": "Ada Lovelace", "isActive": true}})
    }

    fn connection_data() -> Stub {
        Stub::get("/acme/_apis/connectionData?api-version=7.1-preview")
    }

    fn repositories() -> Stub {
        Stub::get("/acme/_apis/git/repositories?api-version=7.1")
    }

    fn acme() -> AdoTarget {
        AdoTarget::Services { org: "acme".into() }
    }

    fn check(
        stubs: Vec<Stub>,
    ) -> (
        Result<PatIdentity>,
        Vec<crate::clients::test_server::Recorded>,
    ) {
        let server = StubServer::start(stubs);
        let (http, _) = fake_http();
        let ado = AdoClient::new(&http, Some(server.base()));
        let result = ado.check_pat(&acme(), &Secret::new(PAT));
        (result, server.finish())
    }

    #[test]
    fn urls_keep_paths_and_the_pat_page_is_never_overridden() {
        let (http, _) = fake_http();
        let plain = AdoClient::new(&http, None);
        assert_eq!(
            plain.base_url(&acme()).as_str(),
            "https://dev.azure.com/acme"
        );
        let server = AdoTarget::Server {
            collection_url: Url::parse("https://ado.example.com:8443/tfs/DefaultCollection/")
                .unwrap(),
        };
        assert_eq!(
            plain.base_url(&server).as_str(),
            "https://ado.example.com:8443/tfs/DefaultCollection"
        );

        let over = AdoClient::new(&http, Some(Url::parse("http://127.0.0.1:9000").unwrap()));
        assert_eq!(
            over.base_url(&acme()).as_str(),
            "http://127.0.0.1:9000/acme"
        );
        assert_eq!(
            over.base_url(&server).as_str(),
            "http://127.0.0.1:9000/tfs/DefaultCollection"
        );
        let prefixed = AdoClient::new(
            &http,
            Some(Url::parse("http://127.0.0.1:9000/ado/").unwrap()),
        );
        assert_eq!(
            prefixed.base_url(&acme()).as_str(),
            "http://127.0.0.1:9000/ado/acme"
        );

        assert_eq!(
            over.pat_page_url(&acme()),
            "https://dev.azure.com/acme/_usersSettings/tokens"
        );
        assert_eq!(
            over.pat_page_url(&server),
            "https://ado.example.com:8443/tfs/DefaultCollection/_usersSettings/tokens"
        );
    }

    #[test]
    fn a_good_pat_names_its_user_and_counts_repositories() {
        let (result, requests) = check(vec![
            connection_data().json(user()),
            repositories().json(json!({"count": 2, "value": [{"id": "a"}, {"id": "b"}]})),
        ]);
        let identity = result.unwrap();
        assert_eq!(
            identity,
            PatIdentity {
                user_id: "0d5a1b2c-0000-4000-8000-000000000001".into(),
                display_name: "Ada Lovelace".into(),
                repositories: 2,
            }
        );
        let basic = format!("Basic {}", BASE64.encode(format!(":{PAT}")));
        for r in &requests {
            assert_eq!(r.header("authorization"), Some(basic.as_str()));
            assert_eq!(r.header("accept"), Some("application/json"));
            assert_eq!(r.headers.iter().filter(|(n, _)| n == "accept").count(), 1);
            assert_eq!(r.header("x-tfs-fedauthredirect"), Some("Suppress"));
        }
    }

    #[test]
    fn a_throttled_check_is_asked_again_after_the_wait_azure_devops_names() {
        // Azure DevOps' rate limits answer 429 with `Retry-After` in seconds.
        let server = StubServer::start(vec![
            connection_data()
                .status(429)
                .header("retry-after", "12")
                .json(json!({"message": "TF400733: request blocked"})),
            connection_data().json(user()),
            repositories().json(json!({"count": 0, "value": []})),
        ]);
        let (http, clock) = fake_http();
        let ado = AdoClient::new(&http, Some(server.base()));
        let identity = ado.check_pat(&acme(), &Secret::new(PAT)).unwrap();
        assert_eq!(identity.display_name, "Ada Lovelace");
        assert_eq!(clock.sleeps(), [std::time::Duration::from_secs(12)]);
        assert_eq!(server.finish().len(), 3);
    }

    #[test]
    fn server_uses_its_collection_and_older_api_versions() {
        let server = StubServer::start(vec![
            Stub::get("/tfs/DefaultCollection/_apis/connectionData").json(user()),
            Stub::get("/tfs/DefaultCollection/_apis/git/repositories?api-version=5.0")
                .json(json!({"count": 0, "value": []})),
        ]);
        let (http, _) = fake_http();
        let ado = AdoClient::new(&http, Some(server.base()));
        let target = AdoTarget::Server {
            collection_url: Url::parse("https://ado.example.com/tfs/DefaultCollection").unwrap(),
        };
        let identity = ado.check_pat(&target, &Secret::new(PAT)).unwrap();
        assert_eq!(identity.repositories, 0);
        let requests = server.finish();
        let identity = requests
            .iter()
            .find(|r| r.path.ends_with("connectionData"))
            .unwrap();
        assert_eq!(identity.query, None, "Server is asked without a version");
    }

    #[test]
    fn a_rejected_pat_is_an_auth_error_whatever_shape_the_rejection_takes() {
        let cases = [
            connection_data().status(401).json(json!({
                "message": "TF400813: The user '' is not authorized to access this resource.",
                "typeKey": "UnauthorizedRequestException"})),
            connection_data()
                .status(203)
                .header("content-type", "text/html; charset=utf-8")
                .body("<html>Sign in</html>"),
            connection_data().status(302).header(
                "location",
                "https://spsprodweu5.vssps.visualstudio.com/_signin",
            ),
            connection_data()
                .header("content-type", "text/html")
                .body("<html>Sign in</html>"),
            connection_data().json(json!({"authenticatedUser": {
                "id": "aa442b5a-0000-0000-0000-000000000000",
                "descriptor": "Microsoft.TeamFoundation.UnauthenticatedIdentity;S-1-0-0",
                "providerDisplayName": "Anonymous"}})),
            connection_data().json(json!({"instanceId": "x"})),
            connection_data()
                .status(403)
                .json(json!({"message": "VS403403"})),
        ];
        for stub in cases {
            let shown = format!("{stub:?}");
            // Both questions are asked at once; a rejected identity decides.
            let refused = repositories()
                .status(401)
                .json(json!({"message": "TF400813"}));
            let (result, requests) = check(vec![stub, refused]);
            let err = result.unwrap_err();
            assert_eq!(err.kind, ErrorKind::Auth, "{shown}");
            assert_eq!(err.exit_code(), 3);
            assert_eq!(
                err.message, "Azure DevOps rejected the PAT for organization `acme`",
                "{shown}"
            );
            assert!(err.hint.as_deref().unwrap().contains("expired"), "{shown}");
            assert!(!err.to_string().contains(PAT));
            assert!(!err.to_string().contains("<html"));
            assert_eq!(requests.len(), 2, "{shown}");
        }
    }

    #[test]
    fn a_pat_without_code_scope_is_named_so_whether_401_or_403() {
        for status in [401, 403] {
            let (result, _) = check(vec![
                connection_data().json(user()),
                repositories().status(status).json(json!({
                    "message": format!("VS403403: access denied for token {PAT}")})),
            ]);
            let err = result.unwrap_err();
            assert_eq!(err.status(), Some(status));
            assert_code_scope_error(&err);
        }
    }

    fn assert_code_scope_error(err: &Error) {
        assert_eq!(err.kind, ErrorKind::Auth);
        assert!(
            err.message.starts_with("the PAT lacks the Code scope: "),
            "{}",
            err.message
        );
        assert!(err.hint.as_deref().unwrap().contains("Code (Read & write)"));
        assert!(!err.to_string().contains(PAT), "{err}");
        assert!(err.to_string().contains("<redacted>"));
    }

    #[test]
    fn a_rejected_pat_never_suggests_a_pat_for_all_organizations() {
        let (result, _) = check(vec![
            connection_data().status(401),
            repositories().status(401),
        ]);
        let hint = result.unwrap_err().hint.unwrap();
        assert!(hint.contains("in organization `acme` itself"), "{hint}");
        assert!(hint.contains("no longer works"), "{hint}");
    }

    #[test]
    fn unknown_org_and_other_statuses() {
        let (result, _) = check(vec![
            connection_data().status(404),
            repositories().status(404),
        ]);
        let err = result.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Usage);
        assert_eq!(err.message, "Azure DevOps organization `acme` not found");

        let (result, _) = check(vec![
            connection_data().json(user()),
            repositories()
                .status(400)
                .json(json!({"message": "VS800075: bad"})),
        ]);
        let err = result.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Service);
        assert_eq!(
            err.message,
            "Azure DevOps answered HTTP 400 for the repository list of organization `acme`: \
             VS800075: bad"
        );
    }

    fn discover(
        stub: Stub,
    ) -> (
        Result<OrgTenant>,
        Vec<crate::clients::test_server::Recorded>,
    ) {
        let server = StubServer::start(vec![stub]);
        let (http, _) = fake_http();
        let ado = AdoClient::new(&http, Some(server.base()));
        let result = ado.discover_tenant("acme");
        (result, server.finish())
    }

    #[test]
    fn tenant_from_the_resource_tenant_header() {
        let upper = TENANT.to_ascii_uppercase();
        let (result, requests) = discover(
            Stub::get("/acme/_apis/connectionData")
                .status(401)
                .header("x-vss-resourcetenant", &format!("{ZERO_GUID}, {upper}")),
        );
        assert_eq!(result.unwrap(), OrgTenant::Connected(TENANT.into()));
        assert_eq!(
            requests[0].header("authorization"),
            None,
            "asked anonymously"
        );
        assert_eq!(
            requests[0].header("x-tfs-fedauthredirect"),
            Some("Suppress")
        );
    }

    #[test]
    fn tenant_from_the_bearer_challenge() {
        let (result, _) = discover(
            Stub::get("/acme/_apis/connectionData")
                .status(401)
                .header("www-authenticate", "Basic realm=\"https://dev.azure.com/\"")
                .header(
                    "www-authenticate",
                    &format!(
                        "Bearer authorization_uri=https://login.microsoftonline.com/{TENANT}, \
                         Basic realm=\"x\""
                    ),
                ),
        );
        assert_eq!(result.unwrap(), OrgTenant::Connected(TENANT.into()));
    }

    #[test]
    fn all_zeros_is_not_connected_and_nothing_is_an_error() {
        let (result, _) = discover(
            Stub::get("/acme/_apis/connectionData")
                .status(401)
                .header("x-vss-resourcetenant", ZERO_GUID)
                .header(
                    "www-authenticate",
                    &format!(
                        "Bearer authorization_uri=https://login.microsoftonline.com/{ZERO_GUID}"
                    ),
                ),
        );
        assert_eq!(result.unwrap(), OrgTenant::NotConnected);

        let (result, _) = discover(
            Stub::get("/acme/_apis/connectionData")
                .status(401)
                .header("x-vss-resourcetenant", "not-a-guid"),
        );
        let err = result.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Service);
        assert!(err.hint.unwrap().contains("--tenant"));

        let (result, _) = discover(Stub::get("/acme/_apis/connectionData").status(404));
        let err = result.unwrap_err();
        assert_eq!(err.kind, ErrorKind::Usage);
        assert_eq!(
            err.message,
            "Azure DevOps organization `acme` does not exist"
        );
    }

    #[test]
    fn guids_are_checked() {
        assert_eq!(guid(&TENANT.to_ascii_uppercase()).as_deref(), Some(TENANT));
        assert_eq!(guid(&format!("{{{TENANT}}}")).as_deref(), Some(TENANT));
        for bad in [
            "",
            "common",
            "72f988bf-86f1-41af-91ab-2d7cd011db4",
            "g2f988bf-86f1-41af-91ab-2d7cd011db47",
        ] {
            assert_eq!(guid(bad), None, "{bad}");
        }
    }
}
