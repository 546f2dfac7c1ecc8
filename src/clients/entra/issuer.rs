//! Issuer URLs as admins paste them, and the tenant's OpenID discovery document.
//!
//! Two strings name the same Entra tenant: Gitpod's guide uses the portal's "OAuth 2.0" base
//! `https://login.microsoftonline.com/{tenant}/oauth2/v2.0`; the OIDC issuer (and Gitpod's
//! Terraform examples) is `https://login.microsoftonline.com/{tenant}/v2.0`. Both are accepted,
//! as are a trailing slash, a pasted authorize/token/device code endpoint (with its query) and
//! the discovery URL; what was changed is reported so the user sees it.
//!
//! Refused (usage error, exit 2, one line saying why): `common`, `organizations`, `consumers`
//! (a single-tenant integration needs one tenant), a host that is not one of Microsoft's login
//! hosts unless it is loopback or the `--authority-url` host, `http://` anywhere but loopback,
//! and the v1 endpoints.

use std::fmt;

use serde::Deserialize;
use url::Url;

use crate::clients::entra::{self, Flow, SERVICE};
use crate::error::{Error, Result};
use crate::http::{Http, Request};
use crate::urls::{check_scheme, is_loopback, redact_input, redact_url};

/// Microsoft's login hosts: global, US Government, China (and its alias).
pub const MICROSOFT_LOGIN_HOSTS: &[&str] = &[
    "login.microsoftonline.com",
    "login.microsoftonline.us",
    "login.partner.microsoftonline.cn",
    "login.chinacloudapi.cn",
];

/// The default authority.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com";

/// Tenant names that stand for many tenants.
const MULTI_TENANT: &[&str] = &["common", "organizations", "consumers"];

/// The consumer (personal Microsoft account) tenant's GUID: no organization lives there.
const CONSUMER_TENANT_ID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// Which of the two issuer strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IssuerForm {
    /// `…/{tenant}/oauth2/v2.0` (the portal's endpoints page, Gitpod's guide).
    OAuth2V2,
    /// `…/{tenant}/v2.0` (the OIDC `issuer`).
    OidcV2,
}

/// A normalised issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// Scheme, host, port and any path before the tenant, without a trailing slash
    /// (`https://login.microsoftonline.com`).
    pub authority: Url,
    /// A lower-case GUID or domain.
    pub tenant: String,
    pub form: IssuerForm,
    /// What was changed from the input, to tell the user ("removed the trailing /authorize").
    pub normalised_from: Option<String>,
}

impl Issuer {
    /// An issuer built from an authority and a tenant (`--tenant`).
    pub fn for_tenant(authority: &Url, tenant: &str, form: IssuerForm) -> Result<Issuer> {
        let tenant = parse_tenant(tenant, "--tenant")?;
        Ok(Issuer {
            authority: authority_base(authority),
            tenant,
            form,
            normalised_from: None,
        })
    }

    fn base(&self) -> String {
        self.authority.as_str().trim_end_matches('/').to_string()
    }

    /// `{authority}/{tenant}/oauth2/v2.0`
    pub fn oauth2_form(&self) -> String {
        format!("{}/{}/oauth2/v2.0", self.base(), self.tenant)
    }

    /// `{authority}/{tenant}/v2.0`
    pub fn oidc_form(&self) -> String {
        format!("{}/{}/v2.0", self.base(), self.tenant)
    }

    /// The issuer in its own form.
    pub fn url(&self) -> String {
        match self.form {
            IssuerForm::OAuth2V2 => self.oauth2_form(),
            IssuerForm::OidcV2 => self.oidc_form(),
        }
    }

    /// The other form (to retry a runner validation that rejected this one).
    pub fn other_form(&self) -> Issuer {
        Issuer {
            form: match self.form {
                IssuerForm::OAuth2V2 => IssuerForm::OidcV2,
                IssuerForm::OidcV2 => IssuerForm::OAuth2V2,
            },
            normalised_from: None,
            ..self.clone()
        }
    }

    /// The same issuer naming the tenant by its GUID (from discovery).
    pub fn with_tenant_id(&self, tenant_id: &str) -> Issuer {
        Issuer {
            tenant: tenant_id.to_ascii_lowercase(),
            ..self.clone()
        }
    }

    /// `{authority}/{tenant}/v2.0/.well-known/openid-configuration`
    pub fn discovery_url(&self) -> Url {
        let raw = format!("{}/.well-known/openid-configuration", self.oidc_form());
        Url::parse(&raw).expect("an issuer's URL stays a URL")
    }

    pub fn tenant_is_guid(&self) -> bool {
        is_guid(&self.tenant)
    }
}

impl fmt::Display for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.url())
    }
}

/// `scheme://host[:port]/prefix` without a trailing slash, query or fragment.
fn authority_base(url: &Url) -> Url {
    let mut base = url.clone();
    base.set_query(None);
    base.set_fragment(None);
    let path = base.path().trim_end_matches('/').to_string();
    base.set_path(&path);
    base
}

/// Parses and normalises an issuer URL (`--issuer-url`, `issuer check URL`).
/// `authority_override` is `--authority-url`: its host is accepted as well as Microsoft's.
pub fn parse_issuer(raw: &str, authority_override: Option<&Url>) -> Result<Issuer> {
    let what = "issuer URL";
    let trimmed = raw.trim();
    let shown = redact_input(trimmed);
    let bad = |why: &str| {
        Error::usage(format!("{what}: `{shown}` {why}"))
            .with_hint("use https://login.microsoftonline.com/TENANT/oauth2/v2.0 (TENANT: the tenant's GUID or domain)")
    };
    if trimmed.is_empty() {
        return Err(Error::usage(format!("{what}: it is empty"))
            .with_hint("use https://login.microsoftonline.com/TENANT/oauth2/v2.0"));
    }
    let url = Url::parse(trimmed).map_err(|_| bad("is not a URL"))?;
    check_scheme(&url, what)?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::usage(format!(
            "{what}: the URL must not carry credentials"
        )));
    }
    check_host(&url, authority_override)?;

    let mut changes: Vec<&str> = Vec::new();
    if url.query().is_some() || url.fragment().is_some() {
        changes.push("dropped the query");
    }
    let mut segments: Vec<String> = url
        .path_segments()
        .map(|s| s.map(str::to_string).collect())
        .unwrap_or_default();
    if segments.last().is_some_and(String::is_empty) {
        segments.pop();
        if !segments.is_empty() {
            changes.push("removed the trailing slash");
        }
    }
    let ends_with = |segments: &[String], tail: &[&str]| {
        segments.len() >= tail.len()
            && segments[segments.len() - tail.len()..]
                .iter()
                .zip(tail)
                .all(|(a, b)| a.eq_ignore_ascii_case(b))
    };

    let form;
    if ends_with(&segments, &["v2.0", ".well-known", "openid-configuration"]) {
        segments.truncate(segments.len() - 2);
        changes.push("removed the discovery path /.well-known/openid-configuration");
        form = IssuerForm::OidcV2;
    } else if ends_with(&segments, &[".well-known", "openid-configuration"]) {
        return Err(bad(
            "is the v1.0 discovery URL; use the v2.0 one (…/TENANT/v2.0/.well-known/openid-configuration)",
        ));
    } else if let Some(endpoint) = ["authorize", "token", "devicecode", "logout"]
        .iter()
        .find(|e| ends_with(&segments, &["oauth2", "v2.0", e]))
    {
        segments.pop();
        changes.push(match *endpoint {
            "authorize" => "removed the endpoint /authorize",
            "token" => "removed the endpoint /token",
            "devicecode" => "removed the endpoint /devicecode",
            _ => "removed the endpoint /logout",
        });
        form = IssuerForm::OAuth2V2;
    } else if ends_with(&segments, &["oauth2", "v2.0"]) {
        form = IssuerForm::OAuth2V2;
    } else if ends_with(&segments, &["v2.0"]) {
        form = IssuerForm::OidcV2;
    } else if ends_with(&segments, &["oauth2", "authorize"])
        || ends_with(&segments, &["oauth2", "token"])
        || ends_with(&segments, &["oauth2"])
        || url.host_str() == Some("sts.windows.net")
    {
        return Err(bad("is a v1.0 endpoint; use the v2.0 issuer"));
    } else {
        return Err(bad(
            "does not end in /oauth2/v2.0 or /v2.0 after the tenant",
        ));
    }
    let suffix_len = match form {
        IssuerForm::OAuth2V2 => 2,
        IssuerForm::OidcV2 => 1,
    };
    segments.truncate(segments.len() - suffix_len);
    let Some(tenant_raw) = segments.pop() else {
        return Err(bad("names no tenant"));
    };
    let tenant = parse_tenant(&tenant_raw, what)?;
    if segments.iter().any(String::is_empty) {
        return Err(bad("has an empty path segment"));
    }
    let prefix = segments.join("/");
    // A path before the tenant only makes sense on a stand-in (`--authority-url` with a path).
    if !prefix.is_empty() && !is_loopback(&url) && authority_override.is_none() {
        return Err(bad("has a path before the tenant"));
    }
    let mut authority = url.clone();
    authority.set_query(None);
    authority.set_fragment(None);
    authority.set_path(&prefix);
    let authority = authority_base(&authority);

    Ok(Issuer {
        authority,
        tenant,
        form,
        normalised_from: (!changes.is_empty()).then(|| changes.join(", ")),
    })
}

fn check_host(url: &Url, authority_override: Option<&Url>) -> Result<()> {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    if MICROSOFT_LOGIN_HOSTS.contains(&host.as_str()) || is_loopback(url) {
        return Ok(());
    }
    if let Some(authority) = authority_override {
        let same = authority.scheme() == url.scheme()
            && authority.host_str().map(str::to_ascii_lowercase) == Some(host.clone())
            && authority.port_or_known_default() == url.port_or_known_default();
        if same {
            return Ok(());
        }
    }
    if host == "sts.windows.net" {
        return Err(Error::usage(format!(
            "issuer URL: `{}` is the v1.0 issuer; use the v2.0 one",
            redact_url(url)
        ))
        .with_hint("use https://login.microsoftonline.com/TENANT/oauth2/v2.0"));
    }
    Err(Error::usage(format!(
        "issuer URL: `{}` is not on a Microsoft login host ({})",
        redact_url(url),
        MICROSOFT_LOGIN_HOSTS.join(", ")
    ))
    .with_hint(
        "pass --authority-url (or ADO_SCM_AUTHORITY_URL) to use another identity provider host",
    ))
}

/// A tenant: a GUID (lower-cased) or a domain name; never one of the multi-tenant names.
pub fn parse_tenant(raw: &str, what: &str) -> Result<String> {
    let tenant = raw.trim().to_ascii_lowercase();
    if MULTI_TENANT.contains(&tenant.as_str()) {
        return Err(Error::usage(format!(
            "{what}: `{tenant}` stands for many tenants; a single-tenant integration needs one"
        ))
        .with_hint("give your tenant's GUID or domain (e.g. contoso.onmicrosoft.com)"));
    }
    if tenant == CONSUMER_TENANT_ID {
        return Err(Error::usage(format!(
            "{what}: `{tenant}` is the tenant of personal Microsoft accounts, not an organization's"
        ))
        .with_hint("give your organization's tenant GUID or domain"));
    }
    if is_guid(&tenant) || is_domain(&tenant) {
        return Ok(tenant);
    }
    Err(Error::usage(format!(
        "{what}: `{}` is not a tenant GUID or domain",
        raw.trim()
    ))
    .with_hint("give the tenant as a GUID or a domain such as contoso.onmicrosoft.com"))
}

pub use crate::guid::is_guid;

fn is_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && s.len() <= 253
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().any(|c| c.is_ascii_alphabetic()))
}

// ---------------------------------------------------------------------------------------------
// Discovery

/// The fields of the v2.0 discovery document ado-scm uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    /// `https://login.microsoftonline.com/{tenant-guid}/v2.0`
    pub issuer: String,
    /// The tenant's GUID, from `issuer`.
    pub tenant_id: String,
    pub authorization_endpoint: Url,
    pub token_endpoint: Url,
    /// Missing from some providers' documents.
    pub device_authorization_endpoint: Option<Url>,
    pub jwks_uri: Url,
}

#[derive(Deserialize)]
struct DiscoveryDocument {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    #[serde(default)]
    device_authorization_endpoint: Option<String>,
    jwks_uri: String,
}

/// Fetches `{authority}/{tenant}/v2.0/.well-known/openid-configuration` and checks it: an issuer
/// naming one tenant by GUID (the same as the one asked for when it was a GUID), endpoints that
/// obey the URL rule. An unknown tenant is a failed check (exit 4, "tenant not found").
pub fn discover(http: &Http, issuer: &Issuer) -> Result<Discovery> {
    let url = issuer.discovery_url();
    let response = http.send(&Request::new(SERVICE, reqwest::Method::GET, url.clone()))?;
    if !response.is_success() {
        if let Some(err) = entra::EntraError::parse(response.status, &response.body) {
            let mut shown = err.to_error(Flow::Discovery);
            if err.code() == Some(90002) || err.error == "invalid_tenant" {
                shown.message = format!(
                    "tenant not found: Microsoft Entra ID knows no tenant `{}` (AADSTS90002)",
                    issuer.tenant
                );
            }
            return Err(shown);
        }
        if response.status == 404 {
            return Err(Error::check(format!(
                "no OpenID configuration at {}: {SERVICE} answered HTTP 404",
                redact_url(&url)
            ))
            .with_hint("check the issuer URL and the tenant"));
        }
        return Err(entra::error_from_status(response.status, Flow::Discovery));
    }
    let doc: DiscoveryDocument = response.json(SERVICE)?;
    let bad_doc = |why: String| {
        Error::check(format!(
            "the OpenID configuration at {} {why}",
            redact_url(&url)
        ))
    };
    if doc.issuer.contains("{tenantid}") {
        return Err(bad_doc(
            "is for many tenants; a single-tenant integration needs one tenant".into(),
        ));
    }
    let issuer_url = Url::parse(&doc.issuer)
        .map_err(|_| bad_doc(format!("has an issuer that is not a URL: `{}`", doc.issuer)))?;
    let segments: Vec<&str> = issuer_url
        .path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let tenant_id = match segments.as_slice() {
        [.., tenant, "v2.0"] if is_guid(tenant) => tenant.to_ascii_lowercase(),
        _ => {
            return Err(bad_doc(format!(
                "has issuer `{}`, which is not a v2.0 issuer naming a tenant GUID",
                doc.issuer
            )))
        }
    };
    if issuer.tenant_is_guid() && tenant_id != issuer.tenant {
        return Err(bad_doc(format!(
            "belongs to tenant {tenant_id}, not {}",
            issuer.tenant
        )));
    }
    let endpoint = |raw: &str, name: &str| -> Result<Url> {
        let parsed =
            Url::parse(raw).map_err(|_| bad_doc(format!("has a {name} that is not a URL")))?;
        check_scheme(&parsed, name).map_err(|err| Error::check(err.message))?;
        Ok(parsed)
    };
    let found = Discovery {
        authorization_endpoint: endpoint(&doc.authorization_endpoint, "authorization_endpoint")?,
        token_endpoint: endpoint(&doc.token_endpoint, "token_endpoint")?,
        device_authorization_endpoint: doc
            .device_authorization_endpoint
            .as_deref()
            .map(|raw| endpoint(raw, "device_authorization_endpoint"))
            .transpose()?,
        jwks_uri: endpoint(&doc.jwks_uri, "jwks_uri")?,
        issuer: doc.issuer.clone(),
        tenant_id,
    };
    // OpenID Connect Discovery 1.0 §4.3: the issuer must be the one the document was fetched
    // for (here: the same authority, and the tenant asked for, or its GUID when a domain was
    // asked for). A document naming another issuer would have ID tokens checked against it.
    let expected = Url::parse(&issuer.with_tenant_id(&found.tenant_id).oidc_form())
        .expect("an issuer's URL stays a URL");
    if !same_issuer(&issuer_url, &expected) {
        return Err(bad_doc(format!(
            "names issuer `{}`, not {} for which it was fetched",
            redact_url(&issuer_url),
            redact_url(&expected)
        )));
    }
    // Tokens, codes and keys stay with the issuer: an endpoint on another host would receive
    // the authorization code and PKCE verifier, or serve keys that sign anything.
    let endpoints = [
        (
            "authorization_endpoint",
            Some(&found.authorization_endpoint),
        ),
        ("token_endpoint", Some(&found.token_endpoint)),
        (
            "device_authorization_endpoint",
            found.device_authorization_endpoint.as_ref(),
        ),
        ("jwks_uri", Some(&found.jwks_uri)),
    ];
    for (name, url) in endpoints {
        if let Some(url) = url.filter(|url| !same_authority(url, &expected)) {
            return Err(bad_doc(format!(
                "has a {name} on another host ({}) than its issuer",
                redact_url(url)
            )));
        }
    }
    Ok(found)
}

/// Scheme, host and port.
fn same_authority(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

/// The same authority and path (a trailing slash and the case of the tenant aside).
fn same_issuer(a: &Url, b: &Url) -> bool {
    let path = |u: &Url| u.path().trim_end_matches('/').to_ascii_lowercase();
    same_authority(a, b) && path(a) == path(b) && a.query().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::test_server::{http, Stub, StubServer};

    const GUID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const MS: &str = "https://login.microsoftonline.com";

    /// input → (authority, tenant, form, normalised?)
    #[test]
    fn normalisation_table() {
        use IssuerForm::*;
        let guid_upper = GUID.to_ascii_uppercase();
        let cases: Vec<(String, &str, &str, IssuerForm, Option<&str>)> = vec![
            (format!("{MS}/{GUID}/oauth2/v2.0"), MS, GUID, OAuth2V2, None),
            (
                format!("{MS}/{GUID}/oauth2/v2.0/"),
                MS,
                GUID,
                OAuth2V2,
                Some("removed the trailing slash"),
            ),
            (format!("{MS}/{GUID}/v2.0"), MS, GUID, OidcV2, None),
            (
                format!("{MS}/{GUID}/v2.0/"),
                MS,
                GUID,
                OidcV2,
                Some("removed the trailing slash"),
            ),
            (format!("  {MS}/{GUID}/v2.0  "), MS, GUID, OidcV2, None),
            (
                format!("{MS}/{GUID}/oauth2/v2.0/authorize"),
                MS,
                GUID,
                OAuth2V2,
                Some("removed the endpoint /authorize"),
            ),
            (
                format!("{MS}/{GUID}/oauth2/v2.0/authorize?client_id=abc&response_type=code"),
                MS,
                GUID,
                OAuth2V2,
                Some("dropped the query, removed the endpoint /authorize"),
            ),
            (
                format!("{MS}/{GUID}/oauth2/v2.0/token"),
                MS,
                GUID,
                OAuth2V2,
                Some("removed the endpoint /token"),
            ),
            (
                format!("{MS}/{GUID}/oauth2/v2.0/devicecode"),
                MS,
                GUID,
                OAuth2V2,
                Some("removed the endpoint /devicecode"),
            ),
            (
                format!("{MS}/{GUID}/v2.0/.well-known/openid-configuration"),
                MS,
                GUID,
                OidcV2,
                Some("removed the discovery path /.well-known/openid-configuration"),
            ),
            (
                format!("{MS}/{guid_upper}/oauth2/v2.0"),
                MS,
                GUID,
                OAuth2V2,
                None,
            ),
            (
                format!("{MS}/contoso.onmicrosoft.com/oauth2/v2.0"),
                MS,
                "contoso.onmicrosoft.com",
                OAuth2V2,
                None,
            ),
            (
                format!("{MS}/Contoso.com/v2.0"),
                MS,
                "contoso.com",
                OidcV2,
                None,
            ),
            (
                format!("HTTPS://LOGIN.MICROSOFTONLINE.COM/{GUID}/v2.0"),
                MS,
                GUID,
                OidcV2,
                None,
            ),
            (
                format!("https://login.microsoftonline.us/{GUID}/v2.0"),
                "https://login.microsoftonline.us",
                GUID,
                OidcV2,
                None,
            ),
            (
                format!("https://login.partner.microsoftonline.cn/{GUID}/oauth2/v2.0"),
                "https://login.partner.microsoftonline.cn",
                GUID,
                OAuth2V2,
                None,
            ),
            (
                format!("https://login.chinacloudapi.cn/{GUID}/v2.0"),
                "https://login.chinacloudapi.cn",
                GUID,
                OidcV2,
                None,
            ),
            (
                format!("http://127.0.0.1:8080/{GUID}/v2.0"),
                "http://127.0.0.1:8080",
                GUID,
                OidcV2,
                None,
            ),
            (
                format!("http://localhost:9/entra/{GUID}/oauth2/v2.0"),
                "http://localhost:9/entra",
                GUID,
                OAuth2V2,
                None,
            ),
            (
                format!("{MS}/{GUID}/v2.0#frag"),
                MS,
                GUID,
                OidcV2,
                Some("dropped the query"),
            ),
        ];
        assert!(cases.len() >= 15);
        for (raw, authority, tenant, form, note) in &cases {
            let issuer = parse_issuer(raw, None).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(
                issuer.authority.as_str().trim_end_matches('/'),
                *authority,
                "{raw}"
            );
            assert_eq!(issuer.tenant, *tenant, "{raw}");
            assert_eq!(issuer.form, *form, "{raw}");
            assert_eq!(issuer.normalised_from.as_deref(), *note, "{raw}");
            assert_eq!(
                issuer.oauth2_form(),
                format!("{authority}/{tenant}/oauth2/v2.0")
            );
            assert_eq!(issuer.oidc_form(), format!("{authority}/{tenant}/v2.0"));
            assert_eq!(
                issuer.discovery_url().as_str(),
                format!("{authority}/{tenant}/v2.0/.well-known/openid-configuration")
            );
        }
    }

    #[test]
    fn refused_inputs_are_usage_errors_with_one_clear_line() {
        let cases: Vec<(String, &str)> = vec![
            (String::new(), "empty"),
            ("login.microsoftonline.com/x".into(), "is not a URL"),
            (
                format!("{MS}/common/oauth2/v2.0"),
                "stands for many tenants",
            ),
            (
                format!("{MS}/organizations/v2.0"),
                "stands for many tenants",
            ),
            (format!("{MS}/Consumers/v2.0"), "stands for many tenants"),
            (
                format!("{MS}/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"),
                "personal Microsoft accounts",
            ),
            (
                format!("https://evil.example.com/{GUID}/v2.0"),
                "not on a Microsoft login host",
            ),
            (
                format!("http://login.microsoftonline.com/{GUID}/v2.0"),
                "uses http on a non-loopback host",
            ),
            (
                format!("ftp://login.microsoftonline.com/{GUID}/v2.0"),
                "unsupported scheme",
            ),
            (
                format!("{MS}/{GUID}"),
                "does not end in /oauth2/v2.0 or /v2.0",
            ),
            (format!("{MS}/{GUID}/oauth2/authorize"), "v1.0 endpoint"),
            (
                format!("{MS}/{GUID}/.well-known/openid-configuration"),
                "v1.0 discovery URL",
            ),
            (format!("https://sts.windows.net/{GUID}/"), "v1.0 issuer"),
            (format!("{MS}/v2.0"), "names no tenant"),
            (format!("{MS}/oauth2/v2.0"), "names no tenant"),
            (
                format!("{MS}/not_a tenant/v2.0"),
                "is not a tenant GUID or domain",
            ),
            (format!("{MS}/prefix/{GUID}/v2.0"), "path before the tenant"),
            (
                format!("https://user:pw@login.microsoftonline.com/{GUID}/v2.0"),
                "must not carry credentials",
            ),
        ];
        for (raw, words) in cases {
            let err = parse_issuer(&raw, None).expect_err(&raw);
            assert_eq!(err.exit_code(), 2, "{raw}");
            assert!(err.message.contains(words), "{raw}: {}", err.message);
            assert!(!err.message.contains('\n'), "{raw}: {}", err.message);
        }
    }

    #[test]
    fn the_authority_url_host_is_accepted() {
        let authority = Url::parse("https://idp.example.com").unwrap();
        let issuer = parse_issuer(
            &format!("https://idp.example.com/{GUID}/oauth2/v2.0"),
            Some(&authority),
        )
        .unwrap();
        assert_eq!(issuer.authority.as_str(), "https://idp.example.com/");
        // Another port is another host.
        let err = parse_issuer(
            &format!("https://idp.example.com:8443/{GUID}/v2.0"),
            Some(&authority),
        )
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn forms_convert() {
        let issuer = parse_issuer(&format!("{MS}/contoso.com/oauth2/v2.0/"), None).unwrap();
        assert_eq!(issuer.to_string(), format!("{MS}/contoso.com/oauth2/v2.0"));
        assert_eq!(
            issuer.other_form().to_string(),
            format!("{MS}/contoso.com/v2.0")
        );
        assert_eq!(
            issuer.with_tenant_id(GUID).to_string(),
            format!("{MS}/{GUID}/oauth2/v2.0")
        );
        let built = Issuer::for_tenant(&Url::parse(MS).unwrap(), "Contoso.com", IssuerForm::OidcV2)
            .unwrap();
        assert_eq!(built.to_string(), format!("{MS}/contoso.com/v2.0"));
        assert!(
            Issuer::for_tenant(&Url::parse(MS).unwrap(), "common", IssuerForm::OidcV2).is_err()
        );
    }

    fn document(base: &str, tenant: &str) -> serde_json::Value {
        serde_json::json!({
            "issuer": format!("{base}/{tenant}/v2.0"),
            "authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/authorize"),
            "token_endpoint": format!("{base}/{tenant}/oauth2/v2.0/token"),
            "device_authorization_endpoint": format!("{base}/{tenant}/oauth2/v2.0/devicecode"),
            "jwks_uri": format!("{base}/{tenant}/discovery/v2.0/keys"),
            "response_types_supported": ["code", "id_token"],
        })
    }

    #[test]
    fn an_issuer_error_never_quotes_the_query_of_a_pasted_url() {
        let err = parse_issuer(
            &format!("{MS}/{GUID}/oauth2/authorize?code=SECRET1&client_secret=SECRET2"),
            None,
        )
        .unwrap_err();
        assert_eq!(
            err.message,
            format!("issuer URL: `{MS}/{GUID}/oauth2/authorize?code=…&client_secret=…` is a v1.0 endpoint; use the v2.0 issuer")
        );
        let err = parse_issuer("not a url?code=SECRET1", None).unwrap_err();
        assert!(!err.to_string().contains("SECRET"), "{err}");
    }

    /// A discovery stand-in whose document is built for the address it was fetched at.
    fn serve(
        doc: impl Fn(&str) -> serde_json::Value + Send + Sync + 'static,
    ) -> crate::clients::entra::test_support::DynServer {
        crate::clients::entra::test_support::DynServer::start(move |request| {
            let host = request
                .headers
                .iter()
                .find(|(name, _)| name == "host")
                .map(|(_, value)| value.clone())
                .expect("a Host header");
            (200, doc(&format!("http://{host}")))
        })
    }

    #[test]
    fn discovery_takes_the_tenant_guid_from_the_issuer() {
        let server = serve(|base| document(base, GUID));
        let (http, _clock) = http();
        let issuer = parse_issuer(
            server.url("/contoso.onmicrosoft.com/oauth2/v2.0").as_str(),
            None,
        )
        .unwrap();
        let found = discover(&http, &issuer).unwrap();
        assert_eq!(found.tenant_id, GUID);
        assert!(found
            .token_endpoint
            .as_str()
            .ends_with("/oauth2/v2.0/token"));
        assert!(found.device_authorization_endpoint.is_some());
        assert_eq!(
            server.requests()[0].path,
            "/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"
        );
    }

    /// OpenID Connect Discovery §4.3: a document for another issuer, or sending tokens, codes or
    /// key look-ups to another host, is refused.
    #[test]
    fn a_document_for_another_issuer_or_with_endpoints_elsewhere_is_refused() {
        type Tamper = fn(&str, &mut serde_json::Value);
        let cases: [(Tamper, &str); 6] = [
            (
                |_, doc| doc["issuer"] = format!("https://login.microsoftonline.com/{GUID}/v2.0").into(),
                "names issuer `https://login.microsoftonline.com/",
            ),
            (
                |base, doc| doc["issuer"] = format!("{base}/prefix/{GUID}/v2.0").into(),
                "names issuer",
            ),
            (
                |_, doc| doc["token_endpoint"] = "https://evil.example.com/t?x=1".into(),
                "has a token_endpoint on another host (https://evil.example.com/t?x=…) than its issuer",
            ),
            (
                |_, doc| doc["jwks_uri"] = "https://evil.example.com/keys".into(),
                "has a jwks_uri on another host",
            ),
            (
                |_, doc| doc["authorization_endpoint"] = "http://127.0.0.2:1/authorize".into(),
                "has a authorization_endpoint on another host",
            ),
            (
                |base, doc| {
                    doc["device_authorization_endpoint"] =
                        format!("{}/devicecode", base.replace("127.0.0.1", "localhost")).into()
                },
                "has a device_authorization_endpoint on another host",
            ),
        ];
        for (tamper, words) in cases {
            let server = serve(move |base| {
                let mut doc = document(base, GUID);
                tamper(base, &mut doc);
                doc
            });
            let (http, _clock) = http();
            let issuer = parse_issuer(server.url(&format!("/{GUID}/v2.0")).as_str(), None).unwrap();
            let err = discover(&http, &issuer).unwrap_err();
            assert_eq!(err.exit_code(), 4, "{words}: {err}");
            assert!(err.message.contains(words), "{words}: {}", err.message);
        }
    }

    #[test]
    fn unknown_tenant_is_a_failed_check() {
        let server = StubServer::start(vec![Stub::get(
            "/nobody.example.com/v2.0/.well-known/openid-configuration",
        )
        .status(400)
        .json(serde_json::json!({
            "error": "invalid_tenant",
            "error_description": "AADSTS90002: Tenant 'nobody.example.com' not found.",
            "error_codes": [90002],
            "trace_id": "t", "correlation_id": "c",
        }))]);
        let (http, _clock) = http();
        let issuer =
            parse_issuer(&format!("{}nobody.example.com/v2.0", server.base()), None).unwrap();
        let err = discover(&http, &issuer).unwrap_err();
        assert_eq!(err.exit_code(), 4);
        assert!(
            err.message.starts_with("tenant not found"),
            "{}",
            err.message
        );
        assert!(err.to_string().contains("trace ID t, correlation ID c"));
        server.finish();
    }

    #[test]
    fn multi_tenant_or_mismatched_documents_are_refused() {
        let other = "00000000-1111-2222-3333-444444444444";
        let cases = [
            (
                serde_json::json!({"issuer": "https://login.microsoftonline.com/{tenantid}/v2.0", "authorization_endpoint": "https://a/x", "token_endpoint": "https://a/t", "jwks_uri": "https://a/k"}),
                "many tenants",
            ),
            (
                document("https://login.microsoftonline.com", other),
                "belongs to tenant",
            ),
            (
                serde_json::json!({"issuer": format!("https://sts.windows.net/{GUID}/"), "authorization_endpoint": "https://a/x", "token_endpoint": "https://a/t", "jwks_uri": "https://a/k"}),
                "not a v2.0 issuer",
            ),
            (
                serde_json::json!({"issuer": format!("https://login.microsoftonline.com/{GUID}/v2.0"), "authorization_endpoint": "https://a/x", "token_endpoint": "http://evil.example.com/t", "jwks_uri": "https://a/k"}),
                "http on a non-loopback host",
            ),
        ];
        for (doc, words) in cases {
            let server = StubServer::start(vec![Stub::get(&format!(
                "/{GUID}/v2.0/.well-known/openid-configuration"
            ))
            .json(doc)]);
            let (http, _clock) = http();
            let issuer = parse_issuer(&format!("{}{GUID}/v2.0", server.base()), None).unwrap();
            let err = discover(&http, &issuer).unwrap_err();
            assert_eq!(err.exit_code(), 4, "{words}: {err}");
            assert!(err.message.contains(words), "{words}: {}", err.message);
            server.finish();
        }
    }
}
