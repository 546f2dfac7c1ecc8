//! Steps 2 and 6 for OAuth: the Entra ID tenant of the Azure DevOps organization, and the
//! issuer URL the integration saves. Every tenant named (`--tenant`, `--issuer-url`) must be
//! the organization's, and the issuer is checked by its discovery document.

use crate::clients::ado::OrgTenant;
use crate::clients::entra::issuer::{self, Discovery, Issuer, IssuerForm};
use crate::clients::gitpod::ScmIntegration;
use crate::error::{Error, Result};

use super::summary::{check, Check};
use super::{OauthPlan, SetupPlan, SetupServices};

/// The issuer: `saved` is the string the integration gets (the admin's, the saved one if it
/// names the same tenant, else the guide's form built from the tenant GUID).
#[derive(Debug, Clone)]
pub(super) struct IssuerChoice {
    pub issuer: Issuer,
    pub saved: String,
}

/// Step 2's answer from Azure DevOps (asked with the runner's reads): the organization's
/// tenant, shown and checked. `None` when no organization was given.
pub(super) fn org_tenant(
    plan: &SetupPlan,
    services: &SetupServices<'_>,
    found: Option<Result<OrgTenant>>,
    checks: &mut Vec<Check>,
) -> Result<Option<String>> {
    let ui = services.ui;
    let (Some(org), Some(found)) = (plan.target.org(), found) else {
        ui.warn(
            "no Azure DevOps organization given (--org, or `org` in an apply file): the \
             tenant cannot be compared with the organization's",
        );
        return Ok(None);
    };
    match found? {
        OrgTenant::Connected(guid) => {
            ui.ok(format!(
                "organization {org} is connected to Entra ID tenant {guid}"
            ));
            checks.push(check(
                "organization connected to Entra ID",
                true,
                format!("{org}: tenant {guid}"),
            ));
            Ok(Some(guid))
        }
        OrgTenant::NotConnected => Err(Error::check(format!(
            "Azure DevOps organization `{org}` is not connected to Microsoft Entra ID"
        ))
        .with_hint(format!(
            "an organization owner connects it in Azure DevOps under Organization settings → \
             Microsoft Entra → Connect directory (https://dev.azure.com/{org}/_settings/organizationAad), \
             choosing the tenant your developers sign in with; then run `ado-scm setup` again"
        ))),
    }
}

/// The issuer whose discovery document is read: the one the admin named (`--issuer-url`, or
/// built from `--tenant`), else the organization's tenant's.
pub(super) fn issuer_to_discover(
    oauth: &OauthPlan,
    services: &SetupServices<'_>,
    org_guid: Option<&str>,
) -> Result<Issuer> {
    match (&oauth.issuer, &oauth.tenant, org_guid) {
        (Some(issuer), _, _) => Ok(issuer.clone()),
        (None, Some(tenant), _) => {
            Issuer::for_tenant(services.authority, tenant, IssuerForm::OAuth2V2)
        }
        (None, None, Some(guid)) => {
            Issuer::for_tenant(services.authority, guid, IssuerForm::OAuth2V2)
        }
        (None, None, None) => Err(Error::missing(
            "the Azure DevOps organization (to find its Entra ID tenant)",
            "--org ORG (or --tenant TENANT)",
        )),
    }
}

/// What the discovery documents say: the issuer's, and with both `--issuer-url` and a
/// `--tenant` domain, that domain's tenant GUID. Reads only; checked by [`check_discovery`].
pub(super) struct Discovered {
    discovery: Discovery,
    named_tenant_guid: Option<String>,
}

/// Reads the discovery documents (see [`Discovered`]); nothing is shown.
pub(super) fn discover(
    oauth: &OauthPlan,
    services: &SetupServices<'_>,
    base: &Issuer,
) -> Result<Discovered> {
    let discovery = issuer::discover(services.http, base)?;
    let named_tenant_guid = match (&oauth.issuer, &oauth.tenant) {
        (Some(_), Some(tenant)) if !issuer::is_guid(tenant) => Some(
            issuer::discover(
                services.http,
                &Issuer::for_tenant(services.authority, tenant, IssuerForm::OAuth2V2)?,
            )?
            .tenant_id,
        ),
        (Some(_), Some(tenant)) => Some(tenant.clone()),
        _ => None,
    };
    Ok(Discovered {
        discovery,
        named_tenant_guid,
    })
}

/// Step 2's checks on what discovery said: every tenant named (`--tenant`, `--issuer-url`) must
/// be the organization's; the issuer's discovery works.
pub(super) fn check_discovery(
    plan: &SetupPlan,
    oauth: &OauthPlan,
    services: &SetupServices<'_>,
    found: Discovered,
    org_guid: Option<&str>,
    checks: &mut Vec<Check>,
) -> Result<Discovery> {
    let ui = services.ui;
    let Discovered {
        discovery,
        named_tenant_guid,
    } = found;
    if let (Some(issuer), Some(tenant), Some(tenant_guid)) =
        (&oauth.issuer, &oauth.tenant, &named_tenant_guid)
    {
        if *tenant_guid != discovery.tenant_id {
            return Err(Error::check(format!(
                "tenant mismatch: --tenant {tenant} is tenant {tenant_guid}, but --issuer-url {issuer} names tenant {}",
                discovery.tenant_id
            ))
            .with_hint("give one tenant: leave out --tenant or --issuer-url"));
        }
    }
    let named = oauth.issuer.is_some() || oauth.tenant.is_some();
    if let (Some(org_guid), true) = (org_guid, named) {
        if org_guid != discovery.tenant_id {
            let what = match (&oauth.issuer, &oauth.tenant) {
                (Some(i), _) => format!("--issuer-url {i}"),
                (None, Some(t)) => format!("--tenant {t}"),
                _ => "the tenant given".to_string(),
            };
            return Err(Error::check(format!(
                "tenant mismatch: {what} names Entra ID tenant {}, but Azure DevOps organization \
                 `{}` is connected to tenant {org_guid}",
                discovery.tenant_id,
                plan.target.org().unwrap_or_default()
            ))
            .with_hint(
                "the app registration must live in the organization's tenant: leave out \
                 --tenant/--issuer-url to use it, or connect the organization to the other tenant",
            ));
        }
    }
    if let Some(note) = oauth
        .issuer
        .as_ref()
        .and_then(|i| i.normalised_from.clone())
    {
        ui.info(format!("  Issuer URL normalised: {note}."));
    }
    ui.ok(format!(
        "the tenant's OpenID configuration names issuer {}",
        discovery.issuer
    ));
    checks.push(check(
        "issuer discovery",
        true,
        format!("{} (tenant {})", discovery.issuer, discovery.tenant_id),
    ));
    Ok(discovery)
}

/// Shows the issuer chosen (step 6's line).
pub(super) fn show_issuer(plan: &SetupPlan, services: &SetupServices<'_>, issuer: &IssuerChoice) {
    services.ui.ok(format!(
        "issuer URL {} (checked by discovery{})",
        issuer.saved,
        if plan.target.org().is_some() {
            "; the organization's tenant"
        } else {
            ""
        }
    ));
}

/// The issuer string to save: the admin's; else the saved one when it names this tenant (no
/// churn on a re-run); else the guide's form with the tenant's GUID.
pub(super) fn choose_issuer(
    oauth: &OauthPlan,
    services: &SetupServices<'_>,
    tenant_id: &str,
    existing: Option<&ScmIntegration>,
) -> Result<IssuerChoice> {
    if let Some(issuer) = &oauth.issuer {
        return Ok(IssuerChoice {
            issuer: issuer.clone(),
            saved: issuer.url(),
        });
    }
    let saved = existing
        .and_then(|i| i.oauth.as_ref())
        .and_then(|saved| saved.issuer_url.clone());
    if let Some(saved) = saved {
        if let Ok(parsed) = issuer::parse_issuer(&saved, Some(services.authority)) {
            let same_tenant = parsed.tenant == tenant_id
                || oauth.tenant.as_deref() == Some(parsed.tenant.as_str());
            let same_authority = parsed.authority.as_str().trim_end_matches('/')
                == services.authority.as_str().trim_end_matches('/');
            if same_tenant && same_authority {
                return Ok(IssuerChoice {
                    issuer: parsed,
                    saved,
                });
            }
        }
    }
    let issuer = Issuer::for_tenant(services.authority, tenant_id, IssuerForm::OAuth2V2)?;
    Ok(IssuerChoice {
        saved: issuer.url(),
        issuer,
    })
}
