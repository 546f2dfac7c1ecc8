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

/// The tenant's discovery document and the issuer to save, checked.
pub(super) fn tenant_and_issuer(
    plan: &SetupPlan,
    oauth: &OauthPlan,
    s: &SetupServices<'_>,
    existing: Option<&ScmIntegration>,
    checks: &mut Vec<Check>,
) -> Result<(Discovery, IssuerChoice)> {
    let discovery = tenant_and_discovery(plan, oauth, s, checks)?;
    let issuer = choose_issuer(oauth, s, &discovery, existing)?;
    s.ui.ok(format!(
        "issuer URL {} (checked by discovery{})",
        issuer.saved,
        if plan.target.org().is_some() {
            "; the organization's tenant"
        } else {
            ""
        }
    ));
    Ok((discovery, issuer))
}

/// Step 2 (Services with OAuth): the organization's tenant, the tenant of `--tenant` /
/// `--issuer-url`, and the discovery document of the issuer; every tenant named must be the
/// organization's.
fn tenant_and_discovery(
    plan: &SetupPlan,
    oauth: &OauthPlan,
    s: &SetupServices<'_>,
    checks: &mut Vec<Check>,
) -> Result<Discovery> {
    let ui = s.ui;
    let org = plan.target.org();
    let org_tenant = match org {
        Some(org) => {
            let spinner = ui.spinner(format!(
                "Asking Azure DevOps which Entra ID tenant organization {org} is connected to"
            ));
            let found = s.ado.discover_tenant(org)?;
            drop(spinner);
            match found {
                OrgTenant::Connected(guid) => {
                    ui.ok(format!(
                        "organization {org} is connected to Entra ID tenant {guid}"
                    ));
                    checks.push(check(
                        "organization connected to Entra ID",
                        true,
                        format!("{org}: tenant {guid}"),
                    ));
                    Some(guid)
                }
                OrgTenant::NotConnected => {
                    return Err(Error::check(format!(
                        "Azure DevOps organization `{org}` is not connected to Microsoft Entra ID"
                    ))
                    .with_hint(format!(
                        "an organization owner connects it in Azure DevOps under Organization \
                         settings → Microsoft Entra → Connect directory \
                         (https://dev.azure.com/{org}/_settings/organizationAad), choosing the \
                         tenant your developers sign in with; then run `ado-scm setup` again"
                    )))
                }
            }
        }
        None => {
            ui.warn(
                "no Azure DevOps organization given (--org): the tenant cannot be compared with \
                 the organization's",
            );
            None
        }
    };

    // The tenant the admin named, if any, resolved to its GUID.
    let named = match (&oauth.issuer, &oauth.tenant) {
        (Some(issuer), _) => Some(issuer.clone()),
        (None, Some(tenant)) => Some(Issuer::for_tenant(
            s.authority,
            tenant,
            IssuerForm::OAuth2V2,
        )?),
        (None, None) => None,
    };
    let base = match (&named, &org_tenant) {
        (Some(issuer), _) => issuer.clone(),
        (None, Some(guid)) => Issuer::for_tenant(s.authority, guid, IssuerForm::OAuth2V2)?,
        (None, None) => {
            return Err(Error::missing(
                "the Azure DevOps organization (to find its Entra ID tenant)",
                "--org ORG (or --tenant TENANT)",
            ))
        }
    };
    let spinner = ui.spinner("Reading the tenant's OpenID configuration");
    let discovery = issuer::discover(s.http, &base)?;
    drop(spinner);
    if let (Some(issuer), Some(tenant)) = (&oauth.issuer, &oauth.tenant) {
        let tenant_guid = if issuer::is_guid(tenant) {
            tenant.clone()
        } else {
            let d = issuer::discover(
                s.http,
                &Issuer::for_tenant(s.authority, tenant, IssuerForm::OAuth2V2)?,
            )?;
            d.tenant_id
        };
        if tenant_guid != discovery.tenant_id {
            return Err(Error::check(format!(
                "tenant mismatch: --tenant {tenant} is tenant {tenant_guid}, but --issuer-url {issuer} names tenant {}",
                discovery.tenant_id
            ))
            .with_hint("give one tenant: leave out --tenant or --issuer-url"));
        }
    }
    if let (Some(org_guid), Some(_)) = (&org_tenant, &named) {
        if *org_guid != discovery.tenant_id {
            let what = match (&oauth.issuer, &oauth.tenant) {
                (Some(i), _) => format!("--issuer-url {i}"),
                (None, Some(t)) => format!("--tenant {t}"),
                _ => "the tenant given".to_string(),
            };
            return Err(Error::check(format!(
                "tenant mismatch: {what} names Entra ID tenant {}, but Azure DevOps organization \
                 `{}` is connected to tenant {org_guid}",
                discovery.tenant_id,
                org.unwrap_or_default()
            ))
            .with_hint(
                "the app registration must live in the organization's tenant: leave out \
                 --tenant/--issuer-url to use it, or connect the organization to the other tenant",
            ));
        }
    }
    if let Some(note) = named.as_ref().and_then(|i| i.normalised_from.clone()) {
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

/// The issuer string to save: the admin's; else the saved one when it names this tenant (no
/// churn on a re-run); else the guide's form with the tenant's GUID.
fn choose_issuer(
    oauth: &OauthPlan,
    s: &SetupServices<'_>,
    discovery: &Discovery,
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
        .and_then(|o| o.issuer_url.clone());
    if let Some(saved) = saved {
        if let Ok(parsed) = issuer::parse_issuer(&saved, Some(s.authority)) {
            let same_tenant = parsed.tenant == discovery.tenant_id
                || oauth.tenant.as_deref() == Some(parsed.tenant.as_str());
            let same_authority = parsed.authority.as_str().trim_end_matches('/')
                == s.authority.as_str().trim_end_matches('/');
            if same_tenant && same_authority {
                return Ok(IssuerChoice {
                    issuer: parsed,
                    saved,
                });
            }
        }
    }
    let issuer = Issuer::for_tenant(s.authority, &discovery.tenant_id, IssuerForm::OAuth2V2)?;
    Ok(IssuerChoice {
        saved: issuer.url(),
        issuer,
    })
}
