//! The file `apply` reads (and `export` writes): `[defaults]` and `[[integration]]` entries, as
//! the contract gives them. Parsed by serde into typed structs that refuse unknown keys; every
//! value keeps its place in the file, so that every error names the file, line and column.
//!
//! The whole file is checked here, before any request: value forms (hosts, organizations,
//! GUIDs, the virtual directory), options that contradict each other, and entries that name the
//! same runner and host twice. Whether the runners exist is checked next, against the
//! organization's runners (one read), by the caller.
//!
//! `[defaults]` may set any key of an entry. A default that does not apply to an entry (an
//! OAuth key on a Server entry, `app_name` beside the entry's `client_id`) is left out for it; a
//! key the entry itself sets that contradicts another is an error.

use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::clients::entra::issuer::{self, Issuer};
use crate::commands::context::RunnerRef;
use crate::commands::setup::flags::{display_name, server_host, virtual_directory};
use crate::commands::setup::{DEFAULT_SECRET_EXPIRY_DAYS, DEFAULT_VIRTUAL_DIRECTORY};
use crate::config::line_column;
use crate::error::{Error, Result};
use crate::flows::setup::Target;
use crate::guid::is_guid;
use crate::urls::{validate_org, AdoHost, ADO_SERVICES_HOST};

/// The longest secret lifetime and rotation margin, in days (as `--secret-expiry-days`).
const MAX_DAYS: u32 = 730;

/// One entry as written: every key optional, each value with its place in the file.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    runner: Option<Spanned<String>>,
    host: Option<Spanned<String>>,
    org: Option<Spanned<String>>,
    tenant: Option<Spanned<String>>,
    issuer_url: Option<Spanned<String>>,
    server: Option<Spanned<bool>>,
    virtual_directory: Option<Spanned<String>>,
    oauth: Option<Spanned<bool>>,
    pat: Option<Spanned<bool>>,
    app_name: Option<Spanned<String>>,
    client_id: Option<Spanned<String>>,
    secret_expiry_days: Option<Spanned<u32>>,
    rotate_before_days: Option<Spanned<u32>>,
    grant_admin_consent: Option<Spanned<bool>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    defaults: RawEntry,
    #[serde(default)]
    integration: Vec<Spanned<RawEntry>>,
}

/// One entry, checked: what setup's plan for it is built from.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `FILE:LINE:COLUMN` of the entry's runner, for messages.
    pub at: String,
    pub runner: RunnerRef,
    /// The runner as written (an id or a name).
    pub runner_written: String,
    pub target: Target,
    pub pat: bool,
    pub oauth: Option<OauthEntry>,
    /// Rotate a secret that expires sooner than this.
    pub rotate_before_days: Option<u32>,
}

/// The OAuth part of an entry.
#[derive(Debug, Clone)]
pub struct OauthEntry {
    pub tenant: Option<String>,
    pub issuer: Option<Issuer>,
    pub client_id: Option<String>,
    pub app_name: Option<String>,
    pub secret_expiry_days: u32,
    pub grant_admin_consent: bool,
}

/// A value from the entry or from `[defaults]`, with its place.
struct Val<T> {
    value: T,
    span: Range<usize>,
    inherited: bool,
}

/// The file being read: its name and text, for the places in messages.
pub struct Source<'a> {
    pub path: &'a Path,
    pub text: &'a str,
}

impl Source<'_> {
    /// `FILE:LINE:COLUMN` of a byte offset.
    pub fn at(&self, offset: usize) -> String {
        let (line, column) = line_column(self.text, offset);
        format!("{}:{line}:{column}", self.path.display())
    }

    /// A usage error at `offset`: one line naming the place, then what is wrong.
    fn error(&self, offset: usize, message: impl AsRef<str>) -> Error {
        Error::usage(format!("{}: {}", self.at(offset), message.as_ref()))
    }

    /// An error of a shared check, whose message names the flag (`--host: …`), as the key.
    fn rename(&self, offset: usize, err: Error, flag: &str, key: &str) -> Error {
        let message = match err.message.strip_prefix(flag) {
            Some(rest) => format!("{key}{rest}"),
            None => err.message,
        };
        let mut renamed = self.error(offset, message);
        renamed.hint = err.hint.map(|h| h.replace(flag, key));
        renamed
    }
}

/// Reads and checks the file (no request is sent).
pub fn read(path: &Path, authority: &Url) -> Result<(PathBuf, Vec<Entry>)> {
    let text = std::fs::read_to_string(path).map_err(|err| {
        Error::usage(format!("cannot read {}", path.display()))
            .caused_by(err)
            .with_hint("pass the file with -f FILE")
    })?;
    let entries = parse(&Source { path, text: &text }, authority)?;
    Ok((path.to_path_buf(), entries))
}

/// Parses and checks the text of the file.
pub fn parse(src: &Source<'_>, authority: &Url) -> Result<Vec<Entry>> {
    let raw: RawFile = toml::from_str(src.text).map_err(|err| {
        let offset = err.span().map_or(0, |s| s.start);
        src.error(offset, err.message().trim_end())
            .with_hint("see `ado-scm apply --help` and the README for the keys an entry takes")
    })?;
    if raw.integration.is_empty() {
        return Err(src
            .error(0, "the file has no [[integration]] entry")
            .with_hint("add one per runner and host, or run `ado-scm export` for a start"));
    }
    let mut entries: Vec<Entry> = Vec::new();
    let mut seen: Vec<(String, String, usize)> = Vec::new();
    for spanned in &raw.integration {
        let start = spanned.span().start;
        let entry = check_entry(src, authority, spanned.get_ref(), &raw.defaults, start)?;
        // The same runner (as written) and host twice: refused before any request; the same
        // runner by id and by name is found once the names are resolved.
        let key = (
            entry.runner_written.to_ascii_lowercase(),
            entry.target.host().to_ascii_lowercase(),
        );
        let offset = spanned
            .get_ref()
            .runner
            .as_ref()
            .map_or(start, |r| r.span().start);
        if let Some((_, _, first)) = seen.iter().find(|(r, h, _)| (r, h) == (&key.0, &key.1)) {
            return Err(twice(&src.at(offset), &entry, &src.at(*first)));
        }
        seen.push((key.0, key.1, offset));
        entries.push(entry);
    }
    Ok(entries)
}

/// The entry at `at` names the runner and host of the one at `first` again.
pub(super) fn twice(at: &str, entry: &Entry, first: &str) -> Error {
    Error::usage(format!(
        "{at}: runner {} and host {} are already set up by the entry at {first}",
        entry.runner_written,
        entry.target.host(),
    ))
    .with_hint("keep one entry per runner and host")
}

/// The entry's value of a key, else the default's.
fn pick<T: Clone>(entry: &Option<Spanned<T>>, default: &Option<Spanned<T>>) -> Option<Val<T>> {
    let from = |s: &Spanned<T>, inherited| Val {
        value: s.get_ref().clone(),
        span: s.span(),
        inherited,
    };
    match (entry, default) {
        (Some(s), _) => Some(from(s, false)),
        (None, Some(s)) => Some(from(s, true)),
        (None, None) => None,
    }
}

/// The OAuth keys: they do not apply to a Server entry nor with `oauth = false`.
fn oauth_keys(e: &RawEntry) -> [(&'static str, Option<Range<usize>>); 8] {
    [
        ("org", e.org.as_ref().map(Spanned::span)),
        ("tenant", e.tenant.as_ref().map(Spanned::span)),
        ("issuer_url", e.issuer_url.as_ref().map(Spanned::span)),
        ("client_id", e.client_id.as_ref().map(Spanned::span)),
        ("app_name", e.app_name.as_ref().map(Spanned::span)),
        (
            "secret_expiry_days",
            e.secret_expiry_days.as_ref().map(Spanned::span),
        ),
        (
            "rotate_before_days",
            e.rotate_before_days.as_ref().map(Spanned::span),
        ),
        (
            "grant_admin_consent",
            e.grant_admin_consent.as_ref().map(Spanned::span),
        ),
    ]
}

fn check_entry(
    src: &Source<'_>,
    authority: &Url,
    e: &RawEntry,
    d: &RawEntry,
    start: usize,
) -> Result<Entry> {
    let Some(runner) = pick(&e.runner, &d.runner) else {
        return Err(src
            .error(start, "the entry names no runner")
            .with_hint("add runner = \"NAME\" (or the runner's ID)"));
    };
    let runner_ref = RunnerRef::parse(&runner.value)
        .map_err(|err| src.rename(runner.span.start, err, "--runner", "runner"))?;
    let server = pick(&e.server, &d.server).is_some_and(|v| v.value);
    let host = pick(&e.host, &d.host);
    let pat = pick(&e.pat, &d.pat);

    let (target, oauth_on) = if server {
        let Some(host) = host else {
            return Err(src
                .error(start, "a Server entry (server = true) names no host")
                .with_hint("add host = \"ado.example.com\""));
        };
        let parsed = server_host(&host.value, "host", "server = true")
            .map_err(|err| src.rename(host.span.start, err, "--host", "host"))?;
        if let Some(oauth) = e.oauth.as_ref().filter(|o| *o.get_ref()) {
            return Err(src.error(
                oauth.span().start,
                "Azure DevOps Server works with PATs only: oauth = true does not apply with server = true",
            ));
        }
        if let Some(p) = pat.as_ref().filter(|p| !p.value && !p.inherited) {
            return Err(src.error(
                p.span.start,
                "Azure DevOps Server works with PATs only: pat = false would leave no method",
            ));
        }
        if let Some((key, Some(span))) = oauth_keys(e).into_iter().find(|(_, s)| s.is_some()) {
            return Err(src
                .error(
                    span.start,
                    format!("{key} is for Entra ID OAuth, which Azure DevOps Server does not use"),
                )
                .with_hint(format!("leave out {key} in a Server entry")));
        }
        let vdir = match pick(&e.virtual_directory, &d.virtual_directory) {
            Some(v) => virtual_directory(&v.value, "virtual_directory")
                .map_err(|err| src.error(v.span.start, err.message))?,
            None => DEFAULT_VIRTUAL_DIRECTORY.to_string(),
        };
        let target = Target::Server {
            host: parsed.host,
            virtual_directory: vdir,
        };
        (target, false)
    } else {
        if let Some(v) = &e.virtual_directory {
            return Err(src
                .error(
                    v.span().start,
                    "virtual_directory is for Azure DevOps Server",
                )
                .with_hint("add server = true, or leave out virtual_directory"));
        }
        let (host_text, host_at) = match &host {
            Some(h) => (h.value.clone(), h.span.start),
            None => (ADO_SERVICES_HOST.to_string(), start),
        };
        let parsed =
            AdoHost::parse(&host_text).map_err(|err| src.rename(host_at, err, "--host", "host"))?;
        if !parsed.is_services() {
            return Err(src
                .error(
                    host_at,
                    format!("host {host_text} is not dev.azure.com: is it an Azure DevOps Server?"),
                )
                .with_hint("add server = true for Azure DevOps Server (PATs only)"));
        }
        let oauth_on = pick(&e.oauth, &d.oauth).is_none_or(|v| v.value);
        let pat_on = pat.as_ref().is_none_or(|v| v.value);
        if !oauth_on && !pat_on {
            let at = pat.as_ref().map_or(start, |p| p.span.start);
            return Err(src
                .error(
                    at,
                    "with oauth = false and pat = false no sign-in method is left",
                )
                .with_hint("turn one of them on"));
        }
        if !oauth_on {
            if let Some((key, Some(span))) = oauth_keys(e).into_iter().find(|(_, s)| s.is_some()) {
                return Err(src
                    .error(
                        span.start,
                        format!("{key} is for Entra ID OAuth, which oauth = false turns off"),
                    )
                    .with_hint(format!("leave out {key} or oauth = false")));
            }
        }
        let target = Target::Services {
            host: parsed.as_saved(),
            org: None,
        };
        (target, oauth_on)
    };
    let pat = server || pat.is_none_or(|v| v.value);

    let mut target = target;
    let oauth = if oauth_on {
        let (oauth, org) = check_oauth(src, authority, e, d, start, &target)?;
        if let Target::Services { org: slot, .. } = &mut target {
            *slot = org;
        }
        Some(oauth)
    } else {
        None
    };
    let rotate_before_days = match (oauth_on, pick(&e.rotate_before_days, &d.rotate_before_days)) {
        (true, Some(v)) => {
            let lifetime = oauth
                .as_ref()
                .map_or(DEFAULT_SECRET_EXPIRY_DAYS, |o| o.secret_expiry_days);
            if v.value == 0 || v.value >= lifetime {
                return Err(src
                    .error(
                        v.span.start,
                        format!(
                            "rotate_before_days = {} must be 1 or more and less than the secret's lifetime ({lifetime} days)",
                            v.value
                        ),
                    )
                    .with_hint("or every run would make a new secret"));
            }
            Some(v.value)
        }
        _ => None,
    };
    Ok(Entry {
        at: src.at(runner.span.start),
        runner: runner_ref,
        runner_written: runner.value.trim().to_string(),
        target,
        pat,
        oauth,
        rotate_before_days,
    })
}

/// The OAuth keys of a Services entry, and the organization whose tenant is used.
fn check_oauth(
    src: &Source<'_>,
    authority: &Url,
    e: &RawEntry,
    d: &RawEntry,
    start: usize,
    target: &Target,
) -> Result<(OauthEntry, Option<String>)> {
    let host_org = AdoHost::parse(target.host()).ok().and_then(|h| h.org);
    let org = match pick(&e.org, &d.org) {
        Some(v) => {
            let org = validate_org(&v.value)
                .map_err(|err| src.rename(v.span.start, err, "--org", "org"))?;
            match &host_org {
                Some(h) if !h.eq_ignore_ascii_case(&org) && !v.inherited => {
                    return Err(src.error(
                        v.span.start,
                        format!(
                            "org {org} and host {} name different organizations",
                            target.host()
                        ),
                    ))
                }
                Some(h) => Some(h.clone()),
                None => Some(org),
            }
        }
        None => host_org,
    };
    let tenant = match pick(&e.tenant, &d.tenant) {
        Some(v) => Some(
            issuer::parse_tenant(&v.value, "tenant")
                .map_err(|err| src.error(v.span.start, err.message))?,
        ),
        None => None,
    };
    let issuer = match pick(&e.issuer_url, &d.issuer_url) {
        Some(v) => Some(
            issuer::parse_issuer(&v.value, Some(authority))
                .map_err(|err| src.error(v.span.start, format!("issuer_url: {}", err.message)))?,
        ),
        None => None,
    };
    if org.is_none() && tenant.is_none() && issuer.is_none() {
        return Err(src
            .error(start, "the entry names no Azure DevOps organization (to find its Entra ID tenant)")
            .with_hint("add org = \"ORG\" (here or under [defaults]), use host = \"dev.azure.com/ORG\", or give tenant"));
    }
    // Both from the entry, or both from [defaults]: which one is meant is not clear. One from
    // each: the entry's wins.
    let (client_id, app_name) = match (pick(&e.client_id, &d.client_id), pick(&e.app_name, &d.app_name)) {
        (Some(c), Some(a)) if c.inherited == a.inherited => {
            return Err(src
                .error(a.span.start, "app_name and client_id both name the app registration")
                .with_hint("keep one: client_id for an app that exists, app_name to find or create one by name"))
        }
        (Some(c), Some(a)) if c.inherited => (None, Some(a)),
        (Some(c), Some(_)) => (Some(c), None),
        (c, a) => (c, a),
    };
    let client_id = match client_id {
        Some(v) => {
            let id = v.value.trim().to_ascii_lowercase();
            if !is_guid(&id) {
                return Err(src.error(
                    v.span.start,
                    format!("client_id: `{}` is not a client ID (a GUID)", v.value),
                ));
            }
            Some(id)
        }
        None => None,
    };
    let app_name = match app_name {
        Some(v) => Some(
            display_name(&v.value, "app_name")
                .map_err(|err| src.error(v.span.start, err.message))?,
        ),
        None => None,
    };
    let secret_expiry_days = match pick(&e.secret_expiry_days, &d.secret_expiry_days) {
        Some(v) if !(1..=MAX_DAYS).contains(&v.value) => {
            return Err(src.error(
                v.span.start,
                format!(
                    "secret_expiry_days = {} is not between 1 and {MAX_DAYS}",
                    v.value
                ),
            ))
        }
        Some(v) => v.value,
        None => DEFAULT_SECRET_EXPIRY_DAYS,
    };
    let grant_admin_consent =
        pick(&e.grant_admin_consent, &d.grant_admin_consent).is_some_and(|v| v.value);
    Ok((
        OauthEntry {
            tenant,
            issuer,
            client_id,
            app_name,
            secret_expiry_days,
            grant_admin_consent,
        },
        org,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authority() -> Url {
        Url::parse("https://login.microsoftonline.com").unwrap()
    }

    fn parse_text(text: &str) -> Result<Vec<Entry>> {
        parse(
            &Source {
                path: Path::new("fleet.toml"),
                text,
            },
            &authority(),
        )
    }

    fn error(text: &str) -> String {
        let err = parse_text(text).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{err}");
        err.message
    }

    const CONTRACT_EXAMPLE: &str = r#"
[defaults]                      # any key of an [[integration]] may be set here
org = "acme"
oauth = true
pat = true
secret_expiry_days = 180
rotate_before_days = 30         # rotate a secret that expires sooner than this

[[integration]]
runner = "build-eu"             # id or name
host = "dev.azure.com"
app_name = "Ona runners (Azure DevOps)"   # runners may share one app

[[integration]]
runner = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"
server = true
host = "ado.example.com"
virtual_directory = "/tfs"
"#;

    #[test]
    fn the_contracts_example_reads_with_its_defaults_where_they_apply() {
        let entries = parse_text(CONTRACT_EXAMPLE).unwrap();
        assert_eq!(entries.len(), 2);
        let eu = &entries[0];
        assert_eq!(eu.runner, RunnerRef::Name("build-eu".into()));
        assert_eq!(eu.at, "fleet.toml:10:10");
        assert_eq!(
            eu.target,
            Target::Services {
                host: "dev.azure.com".into(),
                org: Some("acme".into())
            }
        );
        let oauth = eu.oauth.as_ref().unwrap();
        assert_eq!(
            oauth.app_name.as_deref(),
            Some("Ona runners (Azure DevOps)")
        );
        assert_eq!(oauth.secret_expiry_days, 180);
        assert_eq!(eu.rotate_before_days, Some(30));
        assert!(eu.pat);
        // The Server entry leaves the OAuth defaults out.
        let server = &entries[1];
        assert_eq!(
            server.runner,
            RunnerRef::Id("3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b".into())
        );
        assert_eq!(
            server.target,
            Target::Server {
                host: "ado.example.com".into(),
                virtual_directory: "/tfs".into()
            }
        );
        assert!(server.oauth.is_none() && server.pat && server.rotate_before_days.is_none());
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_the_file_line_and_column() {
        let message = error("[[integration]]\nrunner = \"a\"\nrotate_days = 3\n");
        assert!(
            message.starts_with("fleet.toml:3:1: unknown field `rotate_days`"),
            "{message}"
        );
        let message = error("[[integration]]\nrunner = \"a\"\npat = \"yes\"\n");
        assert!(
            message.starts_with("fleet.toml:3:7: invalid type: string"),
            "{message}"
        );
        let message = error("[default]\norg = \"acme\"\n");
        assert!(message.starts_with("fleet.toml:1:"), "{message}");
        assert!(message.contains("unknown field `default`"), "{message}");
        assert_eq!(
            error("[defaults]\norg = \"acme\"\n"),
            "fleet.toml:1:1: the file has no [[integration]] entry"
        );
    }

    #[test]
    fn the_same_runner_and_host_twice_is_refused_at_the_second() {
        let message = error(
            "[defaults]\norg = \"acme\"\n[[integration]]\nrunner = \"a\"\n\n[[integration]]\nrunner = \"A\"\nhost = \"DEV.azure.com\"\n",
        );
        assert_eq!(
            message,
            "fleet.toml:7:10: runner A and host dev.azure.com are already set up by the entry at fleet.toml:4:10"
        );
        // The same runner on two hosts is two entries.
        parse_text("[defaults]\norg = \"acme\"\n[[integration]]\nrunner = \"a\"\n[[integration]]\nrunner = \"a\"\nserver = true\nhost = \"ado.example.com\"\n").unwrap();
    }

    #[test]
    fn options_that_contradict_each_other_are_refused_at_the_key() {
        let cases = [
            (
                "[[integration]]\nrunner = \"a\"\nserver = true\nhost = \"ado.example.com\"\noauth = true\n",
                "fleet.toml:5:9: Azure DevOps Server works with PATs only: oauth = true does not apply with server = true",
            ),
            (
                "[[integration]]\nrunner = \"a\"\nserver = true\nhost = \"ado.example.com\"\norg = \"acme\"\n",
                "fleet.toml:5:7: org is for Entra ID OAuth, which Azure DevOps Server does not use",
            ),
            (
                "[[integration]]\nrunner = \"a\"\nserver = true\nhost = \"dev.azure.com\"\n",
                "fleet.toml:4:8: host dev.azure.com is Azure DevOps Services, not a Server",
            ),
            (
                "[[integration]]\nrunner = \"a\"\noauth = false\npat = false\n",
                "fleet.toml:4:7: with oauth = false and pat = false no sign-in method is left",
            ),
            (
                "[[integration]]\nrunner = \"a\"\noauth = false\napp_name = \"x\"\n",
                "fleet.toml:4:12: app_name is for Entra ID OAuth, which oauth = false turns off",
            ),
            (
                "[[integration]]\nrunner = \"a\"\norg = \"acme\"\nvirtual_directory = \"/tfs\"\n",
                "fleet.toml:4:21: virtual_directory is for Azure DevOps Server",
            ),
            (
                "[[integration]]\nrunner = \"a\"\norg = \"acme\"\napp_name = \"x\"\nclient_id = \"5eed0000-0000-4000-8000-00000000c11e\"\n",
                "fleet.toml:4:12: app_name and client_id both name the app registration",
            ),
            (
                "[[integration]]\nrunner = \"a\"\norg = \"acme\"\nrotate_before_days = 400\n",
                "fleet.toml:4:22: rotate_before_days = 400 must be 1 or more and less than the secret's lifetime (365 days)",
            ),
            (
                "[[integration]]\nrunner = \"a\"\nhost = \"dev.azure.com/acme\"\norg = \"other\"\n",
                "fleet.toml:4:7: org other and host dev.azure.com/acme name different organizations",
            ),
            (
                "[[integration]]\nrunner = \"a\"\n",
                "fleet.toml:1:1: the entry names no Azure DevOps organization (to find its Entra ID tenant)",
            ),
            (
                "[[integration]]\nhost = \"dev.azure.com\"\n",
                "fleet.toml:1:1: the entry names no runner",
            ),
            (
                "[[integration]]\nrunner = \"0190000-0000-7000-8000-0000000000a1\"\n",
                "fleet.toml:2:10: runner: `0190000-0000-7000-8000-0000000000a1` is not a valid runner ID",
            ),
            (
                "[[integration]]\nrunner = \"a\"\norg = \"acme\"\nsecret_expiry_days = 0\n",
                "fleet.toml:4:22: secret_expiry_days = 0 is not between 1 and 730",
            ),
            (
                "[[integration]]\nrunner = \"a\"\nhost = \"dev.azure.com/a/b\"\n",
                "fleet.toml:3:8: host: `dev.azure.com/a/b` is not an Azure DevOps host (only one path segment, the organization, may follow the host)",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(error(text), expected, "{text}");
        }
    }

    #[test]
    fn an_entrys_own_key_wins_over_a_default_that_contradicts_it() {
        let entries = parse_text(
            "[defaults]\norg = \"acme\"\napp_name = \"Shared\"\n[[integration]]\nrunner = \"a\"\nclient_id = \"5EED0000-0000-4000-8000-00000000C11E\"\n[[integration]]\nrunner = \"b\"\noauth = false\n",
        )
        .unwrap();
        let oauth = entries[0].oauth.as_ref().unwrap();
        assert_eq!(
            oauth.client_id.as_deref(),
            Some("5eed0000-0000-4000-8000-00000000c11e")
        );
        assert_eq!(oauth.app_name, None);
        assert!(entries[1].oauth.is_none());
    }
}
