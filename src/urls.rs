//! The URL rule every service URL obeys, and the Azure DevOps host forms users type.
//!
//! Rule: `https://` everywhere; `http://` only on loopback (127.0.0.0/8, [::1], localhost), where
//! the sandbox, tests and OAuth redirects live. Anything else is a usage error, found before any
//! request is sent.

use std::net::IpAddr;

use url::{Host, Url};

use crate::error::{Error, Result};

/// Parses a base URL given by flag or env var and applies the scheme rule. `what` names the
/// flag in the error, e.g. `--gitpod-url`.
pub fn parse_service_url(raw: &str, what: &str) -> Result<Url> {
    let url = Url::parse(raw.trim()).map_err(|err| {
        Error::usage(format!(
            "{what}: `{}` is not a valid URL ({err})",
            redact_input(raw)
        ))
        .with_hint("give a full URL such as https://example.com/path")
    })?;
    check_scheme(&url, what)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::usage(format!(
            "{what}: `{}` must not have a query or fragment",
            redact_url(&url)
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::usage(format!(
            "{what}: the URL must not carry credentials"
        )));
    }
    Ok(url)
}

/// https anywhere, http only on loopback.
pub fn check_scheme(url: &Url, what: &str) -> Result<()> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(Error::usage(format!(
            "{what}: `{}` uses http on a non-loopback host",
            redact_url(url)
        ))
        .with_hint("use https:// (http:// is only allowed on 127.0.0.1, [::1] and localhost)")),
        other => Err(
            Error::usage(format!("{what}: unsupported scheme `{other}`"))
                .with_hint("use an https:// URL"),
        ),
    }
}

pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// Query parameters whose values say nothing secret and help when reading `-v` output.
const SHOWN_QUERY_PARAMS: [&str; 5] =
    ["api-version", "$filter", "$select", "$top", "response_type"];

/// The URL without user info or fragment, and with every query value hidden except the few
/// known to be harmless: safe to log (a `code`, `state` or token never shows).
pub fn redact_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_fragment(None);
    shown.set_query(None);
    let mut text = shown.to_string();
    if url.query().is_some() {
        let pairs: Vec<String> = url
            .query_pairs()
            .map(|(name, value)| {
                if SHOWN_QUERY_PARAMS.contains(&name.as_ref()) {
                    format!("{name}={value}")
                } else {
                    format!("{name}=…")
                }
            })
            .collect();
        text.push('?');
        text.push_str(&pairs.join("&"));
    }
    text
}

/// A URL (or something meant as one) that a person gave, safe to quote in an error: the
/// [`redact_url`] form when it parses; otherwise the text before any query or fragment, without
/// user info, and `?…` where something was cut. A pasted URL may carry a code or token.
pub fn redact_input(raw: &str) -> String {
    let trimmed = raw.trim();
    if let Ok(url) = Url::parse(trimmed) {
        return redact_url(&url);
    }
    let kept = trimmed.split(['?', '#']).next().unwrap_or_default();
    let (scheme, rest) = match kept.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), kept),
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let host = authority.rsplit('@').next().unwrap_or_default();
    let mut shown = format!("{scheme}{host}{path}");
    if kept.len() < trimmed.len() || host.len() < authority.len() {
        shown.push_str("?…");
    }
    shown
}

/// Joins a path below a base URL, keeping the base's own path (`https://x/api` + `a/b` →
/// `https://x/api/a/b`).
pub fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    url.set_path(&joined);
    url
}

/// An Azure DevOps host as an integration saves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdoHost {
    /// `dev.azure.com` or a Server host (with port), lower-case.
    pub host: String,
    /// The organization when the host names one (`dev.azure.com/acme`).
    pub org: Option<String>,
}

pub const ADO_SERVICES_HOST: &str = "dev.azure.com";

impl AdoHost {
    /// Parses `dev.azure.com`, `dev.azure.com/ORG`, `https://dev.azure.com/ORG/`, or a Server
    /// host `ado.example.com[:port]`. Refuses paths beyond an organization and odd characters.
    pub fn parse(raw: &str) -> Result<AdoHost> {
        let bad = |why: &str| {
            Error::usage(format!(
                "--host: `{}` is not an Azure DevOps host ({why})",
                redact_input(raw)
            ))
            .with_hint("use dev.azure.com, dev.azure.com/ORG or a Server host like ado.example.com")
        };
        let trimmed = raw.trim();
        let without_scheme = trimmed
            .strip_prefix("https://")
            .or_else(|| trimmed.strip_prefix("http://"))
            .unwrap_or(trimmed)
            .trim_end_matches('/');
        if without_scheme.is_empty() {
            return Err(bad("empty"));
        }
        let (host, rest) = match without_scheme.split_once('/') {
            Some((h, r)) => (h, Some(r)),
            None => (without_scheme, None),
        };
        let parsed =
            Url::parse(&format!("https://{host}/")).map_err(|_| bad("invalid host name"))?;
        let host_norm = match (parsed.host_str(), parsed.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => return Err(bad("invalid host name")),
        };
        if host_norm != host.to_ascii_lowercase() {
            return Err(bad("invalid host name"));
        }
        let org = match rest {
            None => None,
            Some(path) => {
                if host_norm != ADO_SERVICES_HOST {
                    return Err(bad(
                        "a Server host is given without a path; pass the collection with --org",
                    ));
                }
                if path.contains('/') {
                    return Err(bad(
                        "only one path segment, the organization, may follow the host",
                    ));
                }
                Some(validate_org(path)?)
            }
        };
        Ok(AdoHost {
            host: host_norm,
            org,
        })
    }

    pub fn is_services(&self) -> bool {
        self.host == ADO_SERVICES_HOST
    }

    /// The host string as integrations save it.
    pub fn as_saved(&self) -> String {
        match &self.org {
            Some(org) => format!("{}/{}", self.host, org),
            None => self.host.clone(),
        }
    }
}

/// An Azure DevOps Services organization name: letters, digits and hyphens, not starting or
/// ending with a hyphen, at most 50 characters.
pub fn validate_org(raw: &str) -> Result<String> {
    let org = raw.trim();
    let ok = !org.is_empty()
        && org.len() <= 50
        && org.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !org.starts_with('-')
        && !org.ends_with('-');
    if ok {
        Ok(org.to_string())
    } else {
        Err(Error::usage(format!(
            "--org: `{raw}` is not an Azure DevOps organization name"
        ))
        .with_hint("use the name from https://dev.azure.com/ORG (letters, digits and hyphens)"))
    }
}

/// The organization in what a person pastes at the organization prompt: its name (`acme`), or
/// an address of it or of anything in it (`https://dev.azure.com/acme/`,
/// `dev.azure.com/acme/project/_git/repo`, `https://acme.visualstudio.com/`).
pub fn org_from_paste(raw: &str) -> Result<String> {
    let text = raw.trim();
    let refused = || {
        Error::usage(format!(
            "`{}` is not an Azure DevOps organization",
            redact_input(text)
        ))
        .with_hint("give its name, e.g. acme, or its address, e.g. https://dev.azure.com/acme")
    };
    if text.is_empty() {
        return Err(Error::usage("no organization given").with_hint(
            "give its name, e.g. acme, or its address, e.g. https://dev.azure.com/acme",
        ));
    }
    let name = if text.contains('/') || text.contains('.') {
        let with_scheme = if text.contains("://") {
            text.to_string()
        } else {
            format!("https://{text}")
        };
        let url = Url::parse(&with_scheme).map_err(|_| refused())?;
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let first = url
            .path_segments()
            .and_then(|mut segments| segments.next())
            .unwrap_or_default()
            .to_string();
        if host == ADO_SERVICES_HOST {
            first
        } else if let Some(org) = host.strip_suffix(".visualstudio.com") {
            org.to_string()
        } else {
            return Err(refused());
        }
    } else {
        text.to_string()
    };
    validate_org(&name).map_err(|_| refused())
}

/// A Server collection path such as `DefaultCollection` or `tfs/DefaultCollection`.
pub fn validate_collection(raw: &str) -> Result<String> {
    let path = raw.trim().trim_matches('/');
    let ok = !path.is_empty()
        && path.split('/').all(|seg| {
            !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ' '))
                && seg != ".."
                && seg != "."
        });
    if ok {
        Ok(path.to_string())
    } else {
        Err(
            Error::usage(format!("--org: `{raw}` is not a collection path"))
                .with_hint("use the collection as in https://server/tfs/DefaultCollection"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_organization_is_found_in_what_people_paste() {
        for pasted in [
            "acme",
            " acme ",
            "https://dev.azure.com/acme/",
            "https://dev.azure.com/acme",
            "dev.azure.com/acme",
            "https://dev.azure.com/acme/Project%20X/_git/repo?path=/",
            "https://acme.visualstudio.com/",
            "acme.visualstudio.com",
        ] {
            assert_eq!(org_from_paste(pasted).unwrap(), "acme", "{pasted}");
        }
        assert_eq!(
            org_from_paste("  ").unwrap_err().message,
            "no organization given"
        );
        for wrong in [
            "https://dev.azure.com/",
            "https://github.com/acme",
            "acme corp",
        ] {
            let err = org_from_paste(wrong).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{wrong}");
            assert!(err.message.ends_with("is not an Azure DevOps organization"));
        }
    }

    #[test]
    fn scheme_rule() {
        let ok = [
            "https://app.gitpod.io/api",
            "http://127.0.0.1:8080/api",
            "http://127.5.6.7/",
            "http://localhost:1",
            "http://[::1]:99/x",
        ];
        for raw in ok {
            assert!(parse_service_url(raw, "--x").is_ok(), "{raw}");
        }
        let bad = [
            "http://example.com",
            "http://10.0.0.1",
            "ftp://example.com",
            "example.com",
            "https://user:pw@example.com",
            "https://example.com/?a=b",
            "",
        ];
        for raw in bad {
            let err = parse_service_url(raw, "--x").unwrap_err();
            assert_eq!(err.exit_code(), 2, "{raw}");
            assert!(err.message.starts_with("--x"), "{raw}: {}", err.message);
        }
    }

    #[test]
    fn logged_urls_hide_credentials_and_query_values() {
        let url = Url::parse(
            "https://u:pw@x.example/a/_apis/git?api-version=7.1&code=SECRETCODE&state=S#frag",
        )
        .unwrap();
        let shown = redact_url(&url);
        assert_eq!(
            shown,
            "https://x.example/a/_apis/git?api-version=7.1&code=…&state=…"
        );
        assert!(!shown.contains("SECRETCODE") && !shown.contains("pw"));
    }

    #[test]
    fn errors_quote_a_given_url_without_its_query_or_credentials() {
        let cases = [
            (
                "https://x.example/api?token=SECRET1",
                "--x: `https://x.example/api?token=…` must not have a query or fragment",
            ),
            (
                "https://x.example/api#SECRET1",
                "--x: `https://x.example/api` must not have a query or fragment",
            ),
            (
                "https://u:SECRET1@[bad/api?code=SECRET2",
                "--x: `https://[bad/api?…` is not a valid URL (invalid IPv6 address)",
            ),
            (
                "not a url?code=SECRET1",
                "--x: `not a url?…` is not a valid URL (relative URL without a base)",
            ),
        ];
        for (raw, message) in cases {
            let err = parse_service_url(raw, "--x").unwrap_err();
            assert_eq!(err.message, message);
            assert!(!err.to_string().contains("SECRET"), "{err}");
        }
        let err = AdoHost::parse("dev.azure.com/acme/x?pat=SECRET1").unwrap_err();
        assert!(
            err.message.starts_with("--host: `dev.azure.com/acme/x?…`"),
            "{}",
            err.message
        );
    }

    #[test]
    fn join_keeps_base_path() {
        let base = Url::parse("http://127.0.0.1:1/api/").unwrap();
        assert_eq!(
            join(&base, "/gitpod.v1.RunnerService/ListRunners").as_str(),
            "http://127.0.0.1:1/api/gitpod.v1.RunnerService/ListRunners"
        );
    }

    #[test]
    fn ado_hosts() {
        let h = AdoHost::parse("dev.azure.com").unwrap();
        assert_eq!((h.host.as_str(), h.org.as_deref()), ("dev.azure.com", None));
        let h = AdoHost::parse("https://Dev.Azure.com/acme/").unwrap();
        assert_eq!(h.as_saved(), "dev.azure.com/acme");
        let h = AdoHost::parse("ado.example.com:8443").unwrap();
        assert_eq!(h.as_saved(), "ado.example.com:8443");
        assert!(!h.is_services());
        for bad in [
            "",
            "dev.azure.com/a/b",
            "bad host",
            "dev.azure.com/-x",
            "ado.example.com/tfs",
        ] {
            let err = AdoHost::parse(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn org_names() {
        assert_eq!(validate_org("acme-1").unwrap(), "acme-1");
        for bad in ["", "a b", "-a", "a/b", "x".repeat(51).as_str()] {
            assert!(validate_org(bad).is_err(), "{bad}");
        }
    }
}
