//! RunnerService/ListRunners, GetRunner; RunnerConfigurationService/GetRunnerConfigurationSchema;
//! IdentityService/GetAuthenticatedIdentity.

use serde::Deserialize;
use serde_json::{json, Value};

use super::connect::{page, parse, Caller, ConnectError, Pagination, RpcResult, Violations};
use super::{b64, Runner, PRINCIPAL_USER, SCM_ENTRA, SCM_SERVER};
use crate::seed;
use crate::world::World;

/// A runner as the API shows it.
pub fn runner_json(runner: &Runner) -> Value {
    let created = runner
        .created_at
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut status = json!({
        "phase": runner.phase,
        "region": runner.region,
        "updatedAt": created,
    });
    if let Some(version) = &runner.version {
        status["version"] = json!(version);
    }
    match &runner.public_key {
        Some(key) => status["publicKey"] = json!(b64(key)),
        None => status["message"] = json!("runner has not registered yet"),
    }
    json!({
        "runnerId": runner.runner_id,
        "name": runner.name,
        "kind": "RUNNER_KIND_REMOTE",
        "provider": "RUNNER_PROVIDER_LINUX_HOST",
        "createdAt": created,
        "updatedAt": created,
        "status": status,
    })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListRunnersRequest {
    pagination: Option<Pagination>,
}

pub fn list(world: &mut World, _caller: &Caller, request: Value) -> RpcResult {
    let req: ListRunnersRequest = parse(request)?;
    let all: Vec<Value> = world.gitpod.runners.iter().map(runner_json).collect();
    let (runners, pagination) = page(&all, req.pagination.as_ref())?;
    Ok(json!({"runners": runners, "pagination": pagination}))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct RunnerIdRequest {
    pub runner_id: String,
}

/// Finds the runner a request's `runner_id` names, after the `string.uuid` rule every such
/// field carries in the published protos (`GetRunnerRequest`, `CheckAuthenticationForHostRequest`,
/// `GetRunnerConfigurationSchemaRequest`, `CreateSCMIntegrationRequest`, …).
pub fn find_runner<'w>(world: &'w World, runner_id: &str) -> Result<&'w Runner, ConnectError> {
    let mut violations = Violations::default();
    violations.uuid("runner_id", runner_id);
    violations.check()?;
    runner(world, runner_id)
}

/// The runner with this id, or `not_found`.
pub fn runner<'w>(world: &'w World, runner_id: &str) -> Result<&'w Runner, ConnectError> {
    world
        .gitpod
        .runner(runner_id)
        .ok_or_else(|| ConnectError::not_found(format!("runner {runner_id} not found")))
}

pub fn get(world: &mut World, _caller: &Caller, request: Value) -> RpcResult {
    let req: RunnerIdRequest = parse(request)?;
    let runner = find_runner(world, &req.runner_id)?;
    Ok(json!({"runner": runner_json(runner)}))
}

/// The OAuth redirect URI of a runner: what the Entra app must list as a redirect URI.
pub fn callback_url(world: &World, runner_id: &str) -> String {
    format!(
        "{}/runners/{runner_id}/auth/oauth2/callback",
        world.urls.gitpod_root()
    )
}

pub fn schema(world: &mut World, _caller: &Caller, request: Value) -> RpcResult {
    let req: RunnerIdRequest = parse(request)?;
    let runner = find_runner(world, &req.runner_id)?;
    let callback = callback_url(world, &runner.runner_id);
    let oauth = json!({"callbackUrl": callback});
    let scm = json!([
        {
            "scmId": "github",
            "name": "GitHub",
            "defaultHosts": ["github.com"],
            "oauth": oauth,
            "pat": {
                "description": "Create a fine-grained or classic personal access token with the repo scope.",
                "docsLink": "https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/managing-your-personal-access-tokens",
            },
        },
        {
            "scmId": SCM_ENTRA,
            "name": "Azure DevOps (Microsoft Entra ID)",
            "defaultHosts": ["dev.azure.com"],
            "oauth": oauth,
            "pat": {
                "description": "Create a personal access token with the Code (Read & write) scope.",
                "docsLink": "https://learn.microsoft.com/en-us/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate",
            },
        },
        {
            "scmId": SCM_SERVER,
            "name": "Azure DevOps Server",
            "defaultHosts": [],
            "pat": {
                "description": "Create a personal access token with the Code (Read & write) scope.",
                "docsLink": "https://learn.microsoft.com/en-us/azure/devops/organizations/accounts/use-personal-access-tokens-to-authenticate?view=azure-devops-2022",
            },
        },
    ]);
    Ok(json!({
        "schema": {
            "version": runner.version.clone().unwrap_or_default(),
            "scm": scm,
            "environmentClasses": [],
            "runnerConfig": [],
        }
    }))
}

pub fn identity(_world: &mut World, caller: &Caller, _request: Value) -> RpcResult {
    Ok(json!({
        "subject": {"id": caller.id, "principal": PRINCIPAL_USER},
        "organizationId": seed::GITPOD_ORG_ID,
    }))
}
