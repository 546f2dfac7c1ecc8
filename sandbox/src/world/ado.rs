//! What the Azure DevOps side knows: Services organizations, one Server collection, and the
//! PATs they accept; the seeded data.

use serde::Serialize;

use super::hash_secret;
use crate::seed;

/// Organizations, the Server collection and the PATs they accept.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct State {
    pub orgs: Vec<Org>,
    pub pats: Vec<Pat>,
    /// Newest REST API version the Server collection accepts (Azure DevOps Server 2022: 7.0).
    pub server_max_api_version: (u32, u32),
    /// Newest version Services accepts (7.2 at the time of writing; previews included).
    pub services_max_api_version: (u32, u32),
    /// What a credential without the Code scope gets from `git/repositories`: 401 as Azure
    /// DevOps answers today (Microsoft Q&A, "Unauthorized for Source Providers API": a PAT one
    /// API accepts gets 401 from another whose scope it lacks), 403 as older servers did.
    pub missing_scope_status: u16,
}

/// A Services organization or the Server collection.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Org {
    /// `acme`, or the collection path `tfs/DefaultCollection` for Server.
    pub name: String,
    /// Entra tenant; `None` for Server (no `X-VSS-ResourceTenant` there).
    pub tenant_id: Option<String>,
    pub server: bool,
    pub instance_id: String,
    pub projects: Vec<Project>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: String,
    pub name: String,
    pub repos: Vec<Repo>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Repo {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pat {
    #[serde(skip)]
    pub token: String,
    pub token_hash: String,
    /// Organization names (or the Server collection path) it is valid in.
    pub orgs: Vec<String>,
    /// `vso.code_write`, `vso.code`, … (`app_token` is full access).
    pub scopes: Vec<String>,
    pub expired: bool,
    /// Made for "All accessible organizations": refused since global PATs were retired.
    pub all_orgs: bool,
    pub user_id: String,
    pub user_name: String,
}

pub const SERVER_ORG: &str = "tfs/DefaultCollection";

impl State {
    pub fn seeded() -> State {
        let repos = |names: &[&str], n: u8| -> Vec<Repo> {
            names
                .iter()
                .enumerate()
                .map(|(i, name)| Repo {
                    id: format!("7e90{n:02x}{i:02x}-0000-4000-8000-0000000000{n:01}{i:01}"),
                    name: name.to_string(),
                })
                .collect()
        };
        let pat = |token: &str, scopes: &[&str], expired: bool| Pat {
            token: token.into(),
            token_hash: hash_secret(token),
            orgs: vec![seed::ADO_ORG.into(), SERVER_ORG.into()],
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            expired,
            all_orgs: token == seed::GLOBAL_PAT,
            user_id: seed::ADO_USER_ID.into(),
            user_name: seed::ADO_USER_NAME.into(),
        };
        State {
            orgs: vec![
                Org {
                    name: seed::ADO_ORG.into(),
                    tenant_id: Some(seed::TENANT_ID.into()),
                    server: false,
                    instance_id: "ac3e0000-0000-4000-8000-0000000000a0".into(),
                    projects: vec![Project {
                        id: "9a0c0000-0000-4000-8000-0000000000b1".into(),
                        name: seed::ADO_PROJECT.into(),
                        repos: repos(seed::ADO_REPOS, 1),
                    }],
                },
                Org {
                    name: seed::ADO_ORG_UNCONNECTED.into(),
                    tenant_id: Some(seed::ZERO_TENANT.into()),
                    server: false,
                    instance_id: "10e1e000-0000-4000-8000-0000000000a1".into(),
                    projects: Vec::new(),
                },
                Org {
                    name: SERVER_ORG.into(),
                    tenant_id: None,
                    server: true,
                    instance_id: "5e5e0000-0000-4000-8000-0000000000a2".into(),
                    projects: vec![Project {
                        id: "9a0c0000-0000-4000-8000-0000000000b2".into(),
                        name: seed::ADO_SERVER_PROJECT.into(),
                        repos: repos(seed::ADO_SERVER_REPOS, 2),
                    }],
                },
            ],
            pats: vec![
                pat(seed::PAT_VALID, &["vso.code_write"], false),
                pat(seed::PAT_EXPIRED, &["vso.code_write"], true),
                pat(seed::PAT_NO_CODE_SCOPE, &["vso.work"], false),
                pat(seed::GLOBAL_PAT, &["vso.code_write"], false),
            ],
            server_max_api_version: (7, 0),
            services_max_api_version: (7, 2),
            missing_scope_status: 401,
        }
    }
}
