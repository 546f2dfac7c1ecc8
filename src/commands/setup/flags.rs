//! The flags, checked without the network and in the order a person would fix them: what
//! contradicts what (`--server` with an OAuth flag, two secrets on stdin), and each value's
//! form (GUIDs, hosts, the virtual directory). Nothing here asks or sends anything.

use crate::cli::SetupArgs;
use crate::clients::entra::issuer::{self, Issuer};
use crate::error::{Error, Result};
use crate::flows::graph_signin::GRAPH_CLI_CLIENT_ID;
use crate::settings::Settings;
use crate::stdin::{Stdin, StdinUser};
use crate::urls::{validate_org, AdoHost};

use super::DEFAULT_VIRTUAL_DIRECTORY;

/// The flags, checked without the network.
#[derive(Debug)]
pub(super) struct Checked {
    pub server: bool,
    pub host: Option<AdoHost>,
    pub org: Option<String>,
    pub oauth: Option<bool>,
    pub pat: bool,
    pub tenant: Option<String>,
    pub issuer: Option<Issuer>,
    pub client_id: Option<String>,
    pub app_name: Option<String>,
    pub virtual_directory: String,
    pub graph_client_id: String,
}

/// Everything about the flags that needs no network, in the order a person would fix it.
pub(super) fn check_args(args: &SetupArgs, settings: &Settings, stdin: &Stdin) -> Result<Checked> {
    let oauth_only_flags: Vec<&str> = [
        (args.tenant.is_some(), "--tenant"),
        (args.client_id.is_some(), "--client-id"),
        (args.client_secret_stdin, "--client-secret-stdin"),
        (args.app_name.is_some(), "--app-name"),
        (args.secret_expiry_days.is_some(), "--secret-expiry-days"),
        (args.rotate_secret, "--rotate-secret"),
        (args.graph_token_stdin, "--graph-token-stdin"),
        (args.device_code, "--device-code"),
        (args.port.is_some(), "--port"),
        (args.graph_client_id.is_some(), "--graph-client-id"),
        (args.issuer_url.is_some(), "--issuer-url"),
        (args.grant_admin_consent, "--grant-admin-consent"),
    ]
    .into_iter()
    .filter_map(|(given, flag)| given.then_some(flag))
    .collect();

    if args.server {
        if args.oauth {
            return Err(Error::usage(
                "Azure DevOps Server works with PATs only: --oauth does not apply with --server",
            )
            .with_hint("leave out --oauth (Entra ID OAuth is for Azure DevOps Services)"));
        }
        if args.no_pat {
            return Err(Error::usage(
                "Azure DevOps Server works with PATs only: --no-pat would leave no method",
            )
            .with_hint("leave out --no-pat"));
        }
        if let Some(flag) = oauth_only_flags.first() {
            return Err(Error::usage(format!(
                "{flag} is for Entra ID OAuth, which Azure DevOps Server does not use"
            ))
            .with_hint(format!("leave out {flag} with --server")));
        }
        if args.org.is_some() {
            return Err(Error::usage(
                "--org names an Azure DevOps Services organization; with --server give the host",
            )
            .with_hint("leave out --org with --server (developers name their collection at `ado-scm login`)"));
        }
    }
    let oauth = if args.no_oauth {
        Some(false)
    } else if args.oauth {
        Some(true)
    } else if !oauth_only_flags.is_empty() {
        // An OAuth flag means OAuth.
        Some(true)
    } else {
        None
    };
    if oauth == Some(false) {
        if let Some(flag) = oauth_only_flags.first() {
            return Err(Error::usage(format!(
                "{flag} is for Entra ID OAuth, which --no-oauth turns off"
            ))
            .with_hint(format!("leave out {flag} or --no-oauth")));
        }
    }
    let pat = !args.no_pat;
    if oauth == Some(false) && !pat {
        return Err(
            Error::usage("with --no-oauth and --no-pat no sign-in method is left")
                .with_hint("leave out --no-oauth or --no-pat"),
        );
    }

    stdin.claim(&[
        (args.client_secret_stdin, StdinUser::CLIENT_SECRET),
        (args.graph_token_stdin, StdinUser::GRAPH_TOKEN),
        (settings.gitpod_token_stdin, StdinUser::GITPOD_TOKEN),
    ])?;

    let client_id = match &args.client_id {
        Some(raw) => Some(guid_flag(raw, "--client-id", "client ID")?),
        None => None,
    };
    let graph_client_id = match &args.graph_client_id {
        Some(raw) => guid_flag(raw, "--graph-client-id", "client ID")?,
        None => GRAPH_CLI_CLIENT_ID.to_string(),
    };
    let app_name = match &args.app_name {
        Some(raw) => Some(display_name(raw, "--app-name")?),
        None => None,
    };
    let tenant = match &args.tenant {
        Some(raw) => Some(issuer::parse_tenant(raw, "--tenant")?),
        None => None,
    };
    let issuer = match &args.issuer_url {
        Some(raw) => Some(
            issuer::parse_issuer(raw, Some(&settings.authority_url)).map_err(|mut err| {
                if !err.message.starts_with("--issuer-url") {
                    err.message = format!("--issuer-url: {}", err.message);
                }
                err
            })?,
        ),
        None => None,
    };
    if let (Some(tenant), Some(issuer_url)) = (&tenant, &issuer) {
        if issuer::is_guid(tenant)
            && issuer::is_guid(&issuer_url.tenant)
            && *tenant != issuer_url.tenant
        {
            return Err(Error::usage(format!(
                "--tenant {tenant} and --issuer-url {issuer_url} name different tenants"
            ))
            .with_hint("give one of them"));
        }
    }

    let host = match &args.target.host {
        Some(raw) if args.server => Some(server_host(raw, "--host", "--server")?),
        Some(raw) => {
            let host = AdoHost::parse(raw)?;
            if !host.is_services() {
                return Err(Error::usage(format!(
                    "--host {raw} is not dev.azure.com: is it an Azure DevOps Server?"
                ))
                .with_hint("add --server for Azure DevOps Server (PATs only)"));
            }
            Some(host)
        }
        None => None,
    };
    let org = match &args.org {
        Some(raw) => Some(validate_org(raw)?),
        None => None,
    };
    if let (Some(org), Some(host_org)) = (&org, host.as_ref().and_then(|h| h.org.as_ref())) {
        if !org.eq_ignore_ascii_case(host_org) {
            return Err(Error::usage(format!(
                "--org {org} and --host {} name different organizations",
                host.as_ref().map(AdoHost::as_saved).unwrap_or_default()
            ))
            .with_hint("give the organization once"));
        }
    }
    let virtual_directory = match &args.virtual_directory {
        Some(raw) => virtual_directory(raw, "--virtual-directory")?,
        None => DEFAULT_VIRTUAL_DIRECTORY.to_string(),
    };
    Ok(Checked {
        server: args.server,
        host,
        org,
        oauth,
        pat,
        tenant,
        issuer,
        client_id,
        app_name,
        virtual_directory,
        graph_client_id,
    })
}

fn guid_flag(raw: &str, flag: &str, what: &str) -> Result<String> {
    // As pasted from the Entra admin center, PowerShell (`{…}`) or a quoted string.
    let value = raw
        .trim()
        .trim_matches(|c| matches!(c, '{' | '}' | '"' | '\''))
        .to_ascii_lowercase();
    if issuer::is_guid(&value) {
        Ok(value)
    } else {
        Err(
            Error::usage(format!("{flag}: `{raw}` is not a {what} (a GUID)")).with_hint(
                "a client ID looks like 11111111-2222-3333-4444-555555555555 (Entra admin center → \
             App registrations → Application (client) ID)",
            ),
        )
    }
}

/// An app registration's display name: 1 to 120 printable characters (`what` names the flag or
/// key it came from).
pub(crate) fn display_name(raw: &str, what: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > 120 || name.chars().any(char::is_control) {
        return Err(
            Error::usage(format!("{what}: `{raw}` is not a usable display name"))
                .with_hint("give 1 to 120 printable characters"),
        );
    }
    Ok(name.to_string())
}

/// A Server host: a host name (and port), not dev.azure.com, no path. `host` and `server` name
/// the flags (or keys) it came with.
pub(crate) fn server_host(raw: &str, host_flag: &str, server_flag: &str) -> Result<AdoHost> {
    let host = AdoHost::parse(raw)?;
    if host.is_services() || host.host.ends_with(".visualstudio.com") {
        return Err(Error::usage(format!(
            "{host_flag} {raw} is Azure DevOps Services, not a Server"
        ))
        .with_hint(format!("leave out {server_flag} for dev.azure.com")));
    }
    Ok(host)
}

/// `/tfs`, `tfs/` → `/tfs`; one or more plain path segments (`what` names the flag or key).
pub(crate) fn virtual_directory(raw: &str, what: &str) -> Result<String> {
    let trimmed = raw.trim().trim_matches('/');
    let ok = !trimmed.is_empty()
        && trimmed.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        });
    if ok {
        Ok(format!("/{trimmed}"))
    } else {
        Err(
            Error::usage(format!("{what}: `{raw}` is not a path like /tfs"))
                .with_hint("give the path the server's collections live under, e.g. /tfs"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_directories_are_normalised() {
        let vdir = |raw| virtual_directory(raw, "--virtual-directory");
        assert_eq!(vdir("/tfs").unwrap(), "/tfs");
        assert_eq!(vdir("tfs/").unwrap(), "/tfs");
        assert_eq!(vdir("/a/b").unwrap(), "/a/b");
        for bad in ["", "/", "/a b", "/../x", "C:\\tfs"] {
            assert_eq!(vdir(bad).unwrap_err().exit_code(), 2, "{bad}");
        }
    }

    #[test]
    fn client_ids_must_be_guids() {
        assert_eq!(
            guid_flag(
                " 5EED0000-0000-4000-8000-00000000C11E ",
                "--client-id",
                "client ID"
            )
            .unwrap(),
            "5eed0000-0000-4000-8000-00000000c11e"
        );
        assert_eq!(
            guid_flag(
                "{5EED0000-0000-4000-8000-00000000C11E}",
                "--client-id",
                "client ID"
            )
            .unwrap(),
            "5eed0000-0000-4000-8000-00000000c11e",
            "pasted with braces"
        );
        let err = guid_flag("my-app", "--client-id", "client ID").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.message.contains("is not a client ID"),
            "{}",
            err.message
        );
    }
}
