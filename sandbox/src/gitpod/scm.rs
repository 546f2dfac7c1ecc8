//! SCM integrations: the Azure DevOps rules (as the Terraform provider for Ona enforces them),
//! validation by the runner, and
//! the destructive update semantics.

use base64::Engine as _;
use serde::Deserialize;
use serde_json::{json, Value};

use super::connect::{
    page, parse, Caller, Code, ConnectError, IdRequest, Pagination, RpcResult, Violations,
};
use super::runners::find_runner;
use super::{
    host_covers, normalize_host, Integration, IssuerForm, OAuthConfig, Runner, SCM_ENTRA,
    SCM_SERVER, SOURCE_OAUTH, SOURCE_PAT,
};
use crate::world::{hash_secret, World};

const KNOWN_SCMS: &[&str] = &["github", "gitlab", "bitbucket", SCM_ENTRA, SCM_SERVER];

/// The integration fields a request may carry. Every one is optional so Update can tell "not
/// sent" (keep) from "sent empty" (remove).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct Fields {
    id: Option<String>,
    runner_id: Option<String>,
    scm_id: Option<String>,
    host: Option<String>,
    oauth_client_id: Option<String>,
    oauth_plaintext_client_secret: Option<String>,
    /// proto `bytes`: base64 of the sealed box. Only Validate takes it.
    oauth_encrypted_client_secret: Option<String>,
    pat: Option<bool>,
    issuer_url: Option<String>,
    virtual_directory: Option<String>,
}

/// An integration as it would be after the request: what the rules look at.
#[derive(Debug, Default)]
struct Proposed {
    scm_id: String,
    host: String,
    oauth_client_id: Option<String>,
    has_secret: bool,
    pat: bool,
    issuer_url: Option<String>,
    virtual_directory: Option<String>,
}

/// Per-field problems, as ValidateRunnerConfiguration reports them.
#[derive(Debug, Default)]
struct Problems {
    scm_id: Option<String>,
    host: Option<String>,
    oauth: Option<String>,
    pat: Option<String>,
}

impl Problems {
    fn first(&self) -> Option<&str> {
        [&self.scm_id, &self.host, &self.oauth, &self.pat]
            .into_iter()
            .find_map(|p| p.as_deref())
    }

    fn to_json(&self) -> Value {
        let mut out = json!({"valid": self.first().is_none()});
        for (key, problem) in [
            ("scmIdError", &self.scm_id),
            ("hostError", &self.host),
            ("oauthError", &self.oauth),
            ("patError", &self.pat),
        ] {
            if let Some(p) = problem {
                out[key] = json!(p);
            }
        }
        out
    }
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A parsed Entra issuer URL: both `{authority}/{tenant}/oauth2/v2.0` (the portal's and Gitpod's
/// guide) and `{authority}/{tenant}/v2.0` (the OIDC issuer), trailing slash allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issuer {
    /// `scheme://host[:port]`
    pub authority: String,
    pub tenant: String,
    pub form: IssuerForm,
}

impl Issuer {
    /// This issuer written in `form`.
    pub fn url(&self, form: IssuerForm) -> String {
        format!("{}/{}/{}", self.authority, self.tenant, form.path())
    }
}

pub fn parse_issuer(url: &str) -> Result<Issuer, String> {
    let shape_hint = "issuer URL must look like https://login.microsoftonline.com/{tenant}/oauth2/v2.0 or https://login.microsoftonline.com/{tenant}/v2.0";
    let url = url.trim().trim_end_matches('/');
    let (scheme, rest) = url.split_once("://").ok_or(shape_hint)?;
    if scheme != "https" && scheme != "http" {
        return Err(shape_hint.to_string());
    }
    let (host, path) = rest.split_once('/').ok_or(shape_hint)?;
    let (tenant, version) = path.split_once('/').ok_or(shape_hint)?;
    let form = match version {
        "oauth2/v2.0" => IssuerForm::OAuth2V2,
        "v2.0" => IssuerForm::V2,
        _ => return Err(shape_hint.to_string()),
    };
    if tenant.is_empty() || host.is_empty() {
        return Err(shape_hint.to_string());
    }
    if ["common", "organizations", "consumers"].contains(&tenant.to_ascii_lowercase().as_str()) {
        return Err(format!(
            "issuer URL must name a single tenant, not {tenant:?}"
        ));
    }
    Ok(Issuer {
        authority: format!("{scheme}://{host}"),
        tenant: tenant.to_string(),
        form,
    })
}

fn check_rules(p: &Proposed) -> Problems {
    let mut problems = Problems::default();
    if p.scm_id.is_empty() {
        problems.scm_id = Some("scm_id is required".into());
    } else if !KNOWN_SCMS.contains(&p.scm_id.as_str()) {
        problems.scm_id = Some(format!("unknown SCM ID {:?}", p.scm_id));
    }
    if p.host.is_empty() {
        problems.host = Some("host is required".into());
    } else if p.host.contains("://") || p.host.contains(char::is_whitespace) {
        problems.host = Some(format!(
            "host {:?} must be a host name, optionally with a path (e.g. dev.azure.com), without scheme",
            p.host
        ));
    }
    let oauth = p.oauth_client_id.is_some();
    if oauth && !p.has_secret {
        problems.oauth = Some("OAuth client secret is required".into());
    }
    if !oauth && p.has_secret {
        problems.oauth = Some("OAuth client ID is required with a client secret".into());
    }
    if !oauth && !p.pat {
        problems.pat = Some("at least one of OAuth or PAT must be enabled".into());
    }
    match p.scm_id.as_str() {
        SCM_ENTRA => {
            if p.virtual_directory.is_some() {
                problems.host.get_or_insert_with(|| {
                    "virtual directory is only supported for Azure DevOps Server".into()
                });
            }
            match &p.issuer_url {
                None if oauth => {
                    problems.oauth.get_or_insert_with(|| {
                        "issuer URL is required for Azure DevOps (Microsoft Entra ID) OAuth".into()
                    });
                }
                Some(url) => {
                    if let Err(e) = parse_issuer(url) {
                        problems.oauth.get_or_insert(e);
                    }
                }
                None => {}
            }
        }
        SCM_SERVER => {
            if oauth {
                problems.oauth =
                    Some("OAuth is not supported for Azure DevOps Server; use PAT".into());
            } else if p.issuer_url.is_some() {
                problems.oauth = Some("issuer URL is not supported for Azure DevOps Server".into());
            }
            if !p.pat {
                problems.pat = Some("PAT must be enabled for Azure DevOps Server".into());
            }
            match &p.virtual_directory {
                None => {
                    problems.host.get_or_insert_with(|| {
                        "virtual directory is required for Azure DevOps Server (e.g. /tfs)".into()
                    });
                }
                Some(v) if !v.starts_with('/') => {
                    problems.host.get_or_insert_with(|| {
                        format!("virtual directory {v:?} must start with /")
                    });
                }
                Some(_) => {}
            }
            if normalize_host(&p.host).starts_with("dev.azure.com") {
                problems.host.get_or_insert_with(|| {
                    "dev.azure.com is Azure DevOps Services: use azuredevops_entra".into()
                });
            }
        }
        _ => {}
    }
    problems
}

fn require_admin(caller: &Caller) -> Result<(), ConnectError> {
    if caller.admin {
        Ok(())
    } else {
        Err(ConnectError::denied(
            "only organization admins can change runner configuration",
        ))
    }
}

fn decode_bytes(b64: &str) -> Result<Vec<u8>, ConnectError> {
    let engines = [
        &base64::engine::general_purpose::STANDARD,
        &base64::engine::general_purpose::URL_SAFE,
    ];
    engines
        .iter()
        .find_map(|e| e.decode(b64.trim()).ok())
        .ok_or_else(|| {
            ConnectError::invalid("oauth_encrypted_client_secret: invalid base64 for bytes field")
        })
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ValidateRequest {
    runner_id: String,
    scm_integration: Option<Fields>,
}

/// ValidateRunnerConfiguration: the runner checks the integration as it would use it — it opens
/// the sealed secret with its private key and asks the issuer's tenant for a client-credentials
/// token.
///
/// Only the secret sent counts. The published definition says of `oauth_client_id` "If
/// configured, oauth_client_secret must also be set", and of `oauth_encrypted_client_secret`
/// that it "can be used to e.g. validate an already encrypted client secret of an existing SCM
/// integration"; nothing says the runner looks a saved secret up by `id`. A client id without a
/// secret is therefore `valid: false` with an `oauthError`: the request message has
/// `(buf.validate.message).disabled = true` in the published descriptor, so no protovalidate
/// `invalid_argument` answers it, and the response carries one error per field. (For the same
/// reason a malformed `runner_id` here is not protovalidate's to refuse; the sandbox refuses it
/// in the same words as everywhere else, the real answer is not public.)
pub fn validate(world: &mut World, _caller: &Caller, request: Value) -> RpcResult {
    let req: ValidateRequest = parse(request)?;
    let runner = find_runner(world, &req.runner_id)?;
    let Some(fields) = req.scm_integration else {
        return Err(ConnectError::invalid(
            "one of environment_class or scm_integration is required",
        ));
    };

    // The secret as the runner would hold it: sealed (opened here) or plaintext.
    let mut secret_problem = None;
    let secret: Option<String> =
        if let Some(sealed) = non_empty(&fields.oauth_encrypted_client_secret) {
            let sealed = decode_bytes(&sealed)?;
            match runner.unseal(&super::b64(&sealed)) {
                Some(s) => Some(s),
                None => {
                    secret_problem = Some("cannot decrypt client secret".to_string());
                    None
                }
            }
        } else {
            non_empty(&fields.oauth_plaintext_client_secret)
        };

    let proposed = Proposed {
        scm_id: non_empty(&fields.scm_id).unwrap_or_default(),
        host: non_empty(&fields.host).unwrap_or_default(),
        oauth_client_id: non_empty(&fields.oauth_client_id),
        has_secret: secret.is_some() || secret_problem.is_some(),
        pat: fields.pat.unwrap_or(false),
        issuer_url: non_empty(&fields.issuer_url),
        virtual_directory: non_empty(&fields.virtual_directory),
    };
    let mut problems = check_rules(&proposed);
    if problems.oauth.is_none() {
        problems.oauth = secret_problem;
    }
    if problems.oauth.is_none() && proposed.scm_id == SCM_ENTRA {
        if let (Some(client_id), Some(secret), Some(issuer)) =
            (&proposed.oauth_client_id, &secret, &proposed.issuer_url)
        {
            problems.oauth = check_issuer_form(runner, issuer)
                .and_then(|()| check_credentials(world, issuer, client_id, secret))
                .err();
        }
    }
    Ok(json!({"scmIntegration": problems.to_json()}))
}

/// A runner that takes one form of the issuer (breakage `onlyIssuerForm`) refuses the other in
/// go-oidc's words (`NewProvider`: the discovery document names the issuer in that form).
fn check_issuer_form(runner: &Runner, issuer_url: &str) -> Result<(), String> {
    let (Some(form), Ok(issuer)) = (runner.only_issuer_form, parse_issuer(issuer_url)) else {
        return Ok(());
    };
    if issuer.form == form {
        return Ok(());
    }
    Err(format!(
        "oidc: issuer did not match the issuer returned by provider, expected {:?} got {:?}",
        issuer_url,
        issuer.url(form)
    ))
}

/// The runner fetches the issuer's discovery document and asks for a token: in the sandbox the
/// issuer must be the sandbox's own Entra stand-in, and the directory answers.
fn check_credentials(
    world: &World,
    issuer_url: &str,
    client_id: &str,
    secret: &str,
) -> Result<(), String> {
    let issuer = parse_issuer(issuer_url)?;
    let authority = world.urls.authority.trim_end_matches('/');
    if !issuer.authority.eq_ignore_ascii_case(authority) {
        return Err(format!(
            "failed to fetch OpenID configuration for issuer {issuer_url}: the runner cannot reach {}",
            issuer.authority
        ));
    }
    world
        .directory
        .check_client_credentials(&issuer.tenant, client_id, secret)
}

pub fn create(world: &mut World, caller: &Caller, request: Value) -> RpcResult {
    let fields: Fields = parse(request)?;
    require_admin(caller)?;
    let runner_id = fields.runner_id.clone().unwrap_or_default();
    let runner = find_runner(world, &runner_id)?;
    // Create takes only the plaintext secret (the server seals it): a sealed one is not read.
    let secret = non_empty(&fields.oauth_plaintext_client_secret);
    let proposed = Proposed {
        scm_id: non_empty(&fields.scm_id).unwrap_or_default(),
        host: non_empty(&fields.host).unwrap_or_default(),
        oauth_client_id: non_empty(&fields.oauth_client_id),
        has_secret: secret.is_some(),
        pat: fields.pat.unwrap_or(false),
        issuer_url: non_empty(&fields.issuer_url),
        virtual_directory: non_empty(&fields.virtual_directory),
    };
    if let Some(problem) = check_rules(&proposed).first() {
        return Err(ConnectError::invalid(problem));
    }
    let oauth = match (&proposed.oauth_client_id, &secret) {
        (Some(client_id), Some(secret)) => Some(OAuthConfig {
            client_id: client_id.clone(),
            encrypted_client_secret: runner.seal(secret).ok_or_else(no_public_key)?,
            client_secret_hash: hash_secret(secret),
        }),
        _ => None,
    };
    let host = normalize_host(&proposed.host);
    // Not public whether the real server refuses duplicates; refusing is the strict reading.
    if world.gitpod.integrations.iter().any(|i| {
        i.runner_id == runner_id && i.scm_id == proposed.scm_id && normalize_host(&i.host) == host
    }) {
        return Err(ConnectError::new(
            Code::AlreadyExists,
            format!(
                "an SCM integration for {} on host {host} already exists on runner {runner_id}",
                proposed.scm_id
            ),
        ));
    }
    let id = uuid::Uuid::new_v4().to_string();
    world.gitpod.integrations.push(Integration {
        id: id.clone(),
        runner_id,
        scm_id: proposed.scm_id,
        host,
        oauth,
        pat: proposed.pat,
        virtual_directory: proposed.virtual_directory,
        issuer_url: proposed.issuer_url,
    });
    Ok(json!({"id": id}))
}

fn no_public_key() -> ConnectError {
    ConnectError::precondition("runner does not have a public key")
}

/// UpdateSCMIntegration. Destructive on purpose, like the real API: an empty `oauthClientId`
/// removes OAuth and deletes every user's OAuth token of the integration; `pat: false` deletes
/// every user's PAT token. A client must send neither by accident.
pub fn update(world: &mut World, caller: &Caller, request: Value) -> RpcResult {
    let fields: Fields = parse(request)?;
    require_admin(caller)?;
    let id = fields.id.clone().unwrap_or_default();
    check_id(&id)?;
    let current = world
        .gitpod
        .integration(&id)
        .cloned()
        .ok_or_else(|| ConnectError::not_found(format!("SCM integration {id} not found")))?;
    let runner = find_runner(world, &current.runner_id)?;

    let remove_oauth = matches!(fields.oauth_client_id.as_deref().map(str::trim), Some(""));
    let client_id = if remove_oauth {
        None
    } else {
        non_empty(&fields.oauth_client_id)
            .or_else(|| current.oauth.as_ref().map(|o| o.client_id.clone()))
    };
    let new_secret = non_empty(&fields.oauth_plaintext_client_secret);
    let issuer_url = match fields.issuer_url.as_deref().map(str::trim) {
        None => current.issuer_url.clone(),
        Some("") => None,
        Some(url) => Some(url.to_string()),
    };
    let virtual_directory = match fields.virtual_directory.as_deref().map(str::trim) {
        None => current.virtual_directory.clone(),
        Some("") => None,
        Some(v) => Some(v.to_string()),
    };
    let pat = fields.pat.unwrap_or(current.pat);
    let proposed = Proposed {
        scm_id: current.scm_id.clone(),
        host: current.host.clone(),
        // A secret sent along with the removal is moot; otherwise the saved one still counts.
        has_secret: !remove_oauth
            && (new_secret.is_some() || (client_id.is_some() && current.oauth.is_some())),
        oauth_client_id: client_id.clone(),
        pat,
        // Removing OAuth drops its issuer with it.
        issuer_url: if remove_oauth && fields.issuer_url.is_none() {
            None
        } else {
            issuer_url
        },
        virtual_directory,
    };
    if let Some(problem) = check_rules(&proposed).first() {
        return Err(ConnectError::invalid(problem));
    }
    let oauth = match (&client_id, &new_secret) {
        (None, _) => None,
        (Some(client_id), Some(secret)) => Some(OAuthConfig {
            client_id: client_id.clone(),
            encrypted_client_secret: runner.seal(secret).ok_or_else(no_public_key)?,
            client_secret_hash: hash_secret(secret),
        }),
        (Some(client_id), None) => current.oauth.clone().map(|o| OAuthConfig {
            client_id: client_id.clone(),
            ..o
        }),
    };

    if remove_oauth {
        delete_tokens_of(world, &current, SOURCE_OAUTH);
    }
    if fields.pat == Some(false) {
        delete_tokens_of(world, &current, SOURCE_PAT);
    }
    if let Some(integration) = world.gitpod.integrations.iter_mut().find(|i| i.id == id) {
        integration.oauth = oauth;
        integration.pat = proposed.pat;
        integration.issuer_url = proposed.issuer_url;
        integration.virtual_directory = proposed.virtual_directory;
    }
    Ok(json!({}))
}

/// Whether a host token belongs to an integration: linked by id, or (unlinked) on the same
/// runner for a host the integration serves.
pub fn token_of(token: &super::HostToken, integration: &Integration) -> bool {
    match &token.integration_id {
        Some(id) => *id == integration.id,
        None => {
            token.runner_id == integration.runner_id && host_covers(&integration.host, &token.host)
        }
    }
}

fn delete_tokens_of(world: &mut World, integration: &Integration, source: &str) {
    world
        .gitpod
        .host_tokens
        .retain(|t| !(t.source == source && token_of(t, integration)));
}

/// An integration as the API shows it.
pub fn integration_json(i: &Integration) -> Value {
    let mut out = json!({
        "id": i.id,
        "runnerId": i.runner_id,
        "scmId": i.scm_id,
        "host": i.host,
        "pat": i.pat,
    });
    if let Some(oauth) = &i.oauth {
        out["oauth"] = json!({
            "clientId": oauth.client_id,
            "encryptedClientSecret": oauth.encrypted_client_secret,
        });
        if let Some(issuer) = &i.issuer_url {
            out["oauth"]["issuerUrl"] = json!(issuer);
        }
    }
    if let Some(v) = &i.virtual_directory {
        out["virtualDirectory"] = json!(v);
    }
    out
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListFilter {
    runner_ids: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct ListRequest {
    filter: Option<ListFilter>,
    pagination: Option<Pagination>,
}

/// ListSCMIntegrations. `filter.runner_ids`: `repeated = {max_items: 25, items: {string: {uuid:
/// true}}}` in the published proto.
pub fn list(world: &mut World, _caller: &Caller, request: Value) -> RpcResult {
    let req: ListRequest = parse(request)?;
    let runner_ids = req.filter.map(|f| f.runner_ids).unwrap_or_default();
    let mut violations = Violations::default();
    violations.max_items("filter.runner_ids", runner_ids.len(), 25);
    for (i, id) in runner_ids.iter().enumerate() {
        violations.uuid(&format!("filter.runner_ids[{i}]"), id);
    }
    violations.check()?;
    let all: Vec<Value> = world
        .gitpod
        .integrations
        .iter()
        .filter(|i| runner_ids.is_empty() || runner_ids.contains(&i.runner_id))
        .map(integration_json)
        .collect();
    let (integrations, pagination) = page(&all, req.pagination.as_ref())?;
    Ok(json!({"integrations": integrations, "pagination": pagination}))
}

/// `id` of Get, Update and DeleteSCMIntegration: `string.uuid` in the published protos.
fn check_id(id: &str) -> Result<(), ConnectError> {
    let mut violations = Violations::default();
    violations.uuid("id", id);
    violations.check()
}

fn find<'w>(world: &'w World, id: &str) -> Result<&'w Integration, ConnectError> {
    check_id(id)?;
    world
        .gitpod
        .integration(id)
        .ok_or_else(|| ConnectError::not_found(format!("SCM integration {id} not found")))
}

pub fn get(world: &mut World, _caller: &Caller, request: Value) -> RpcResult {
    let req: IdRequest = parse(request)?;
    Ok(json!({"integration": integration_json(find(world, &req.id)?)}))
}

pub fn delete(world: &mut World, caller: &Caller, request: Value) -> RpcResult {
    let req: IdRequest = parse(request)?;
    require_admin(caller)?;
    let integration = find(world, &req.id)?.clone();
    world
        .gitpod
        .host_tokens
        .retain(|t| !token_of(t, &integration));
    world.gitpod.integrations.retain(|i| i.id != integration.id);
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entra() -> Proposed {
        Proposed {
            scm_id: SCM_ENTRA.into(),
            host: "dev.azure.com".into(),
            oauth_client_id: Some("c".into()),
            has_secret: true,
            pat: true,
            issuer_url: Some("https://login.microsoftonline.com/t/oauth2/v2.0".into()),
            virtual_directory: None,
        }
    }

    #[test]
    fn issuer_forms() {
        let a = parse_issuer("http://127.0.0.1:9/t1/oauth2/v2.0/").unwrap();
        assert_eq!(a.authority, "http://127.0.0.1:9");
        assert_eq!(a.tenant, "t1");
        assert_eq!(a.form, IssuerForm::OAuth2V2);
        let b = parse_issuer("https://x/t1/v2.0").unwrap();
        assert_eq!((b.tenant.as_str(), b.form), ("t1", IssuerForm::V2));
        assert_eq!(b.url(IssuerForm::OAuth2V2), "https://x/t1/oauth2/v2.0");
        assert!(parse_issuer("https://x/t1/oauth2/v2.0/authorize").is_err());
        assert!(parse_issuer("https://x/common/v2.0").is_err());
        assert!(parse_issuer("x/t1/v2.0").is_err());
    }

    #[test]
    fn entra_rules() {
        assert!(check_rules(&entra()).first().is_none());
        let no_issuer = Proposed {
            issuer_url: None,
            ..entra()
        };
        assert!(check_rules(&no_issuer)
            .oauth
            .unwrap()
            .contains("issuer URL is required"));
        let pat_only = Proposed {
            issuer_url: None,
            oauth_client_id: None,
            has_secret: false,
            ..entra()
        };
        assert!(check_rules(&pat_only).first().is_none());
        let vdir = Proposed {
            virtual_directory: Some("/tfs".into()),
            ..entra()
        };
        assert!(check_rules(&vdir).host.is_some());
        let empty_host = Proposed {
            host: String::new(),
            ..entra()
        };
        assert_eq!(
            check_rules(&empty_host).host.as_deref(),
            Some("host is required")
        );
    }

    #[test]
    fn server_rules() {
        let ok = Proposed {
            scm_id: SCM_SERVER.into(),
            host: "ado.example.com".into(),
            pat: true,
            virtual_directory: Some("/tfs".into()),
            ..Default::default()
        };
        assert!(check_rules(&ok).first().is_none());
        let oauth = Proposed {
            oauth_client_id: Some("c".into()),
            has_secret: true,
            ..Default::default()
        };
        let oauth = Proposed {
            scm_id: SCM_SERVER.into(),
            host: "h".into(),
            pat: true,
            virtual_directory: Some("/tfs".into()),
            ..oauth
        };
        assert!(check_rules(&oauth).oauth.is_some());
        let no_vdir = Proposed {
            virtual_directory: None,
            ..ok
        };
        assert!(check_rules(&no_vdir)
            .host
            .unwrap()
            .contains("virtual directory is required"));
    }
}
