//! The answers `ado-scm setup` works from, resolved by the command from flags, the
//! environment and prompts: which runner, which Azure DevOps, which sign-in methods, and for
//! OAuth what is known about the app registration.

use crate::clients::entra::issuer::Issuer;
use crate::clients::gitpod::Runner;
use crate::secret::Secret;

pub use crate::clients::gitpod::SCM_AZURE_DEVOPS_SERVER as SCM_SERVER;
pub use crate::clients::gitpod::SCM_AZURE_DEVOPS_SERVICES as SCM_SERVICES;

/// The default name of the app registration of a runner.
pub fn default_app_name(runner_name: &str) -> String {
    format!("Ona runner {runner_name} (Azure DevOps)")
}

/// Which Azure DevOps the runner is connected to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Azure DevOps Services: `host` as integrations save it (`dev.azure.com` or
    /// `dev.azure.com/ORG`); `org` is the organization whose Entra tenant is checked.
    Services { host: String, org: Option<String> },
    /// Azure DevOps Server: PAT only, with its virtual directory (`/tfs`).
    Server {
        host: String,
        virtual_directory: String,
    },
}

impl Target {
    pub fn scm_id(&self) -> &'static str {
        match self {
            Target::Services { .. } => SCM_SERVICES,
            Target::Server { .. } => SCM_SERVER,
        }
    }

    pub fn host(&self) -> &str {
        match self {
            Target::Services { host, .. } | Target::Server { host, .. } => host,
        }
    }

    pub fn org(&self) -> Option<&str> {
        match self {
            Target::Services { org, .. } => org.as_deref(),
            Target::Server { .. } => None,
        }
    }

    pub(super) fn virtual_directory(&self) -> Option<String> {
        match self {
            Target::Services { .. } => None,
            Target::Server {
                virtual_directory, ..
            } => Some(virtual_directory.clone()),
        }
    }

    /// For the step's heading: which Azure DevOps, where.
    pub fn describe(&self) -> String {
        match self {
            Target::Services { host, org } => match org {
                Some(org) => format!("Services, host {host}, organization {org}"),
                None => format!("Services, host {host}"),
            },
            Target::Server {
                host,
                virtual_directory,
            } => format!("Server, host {host}, virtual directory {virtual_directory}"),
        }
    }
}

/// Every answer, resolved by the command.
#[derive(Debug)]
pub struct SetupPlan {
    pub runner: Runner,
    pub target: Target,
    pub pat: bool,
    /// `None`: OAuth off (always on Server).
    pub oauth: Option<OauthPlan>,
    pub dry_run: bool,
}

#[derive(Debug)]
pub struct OauthPlan {
    /// `--tenant`, checked (GUID or domain).
    pub tenant: Option<String>,
    /// `--issuer-url`, normalised.
    pub issuer: Option<Issuer>,
    /// `--client-id`: an existing app registration.
    pub client_id: Option<String>,
    /// `--app-name`, when given.
    pub app_name: Option<String>,
    /// The name used when none is given and no app is found otherwise.
    pub default_app_name: String,
    /// The existing app's secret (`--client-secret-stdin`, `ADO_SCM_CLIENT_SECRET`, prompt).
    pub client_secret: Option<Secret>,
    pub secret_expiry_days: u32,
    pub rotate_secret: bool,
    pub grant_admin_consent: bool,
}
