//! `ado-scm issuer check URL [--org ORG]`: normalise an issuer URL, fetch its OpenID discovery
//! document, and (with `--org`) check that the Azure DevOps organization is connected to the
//! same tenant. Exit 0 ok, 4 a check failed, 2 a malformed URL.

use serde_json::json;

use super::context::Context;
use crate::cli::{IssuerCheckArgs, IssuerCommand};
use crate::clients::ado::{AdoClient, OrgTenant};
use crate::clients::entra::issuer::{self, parse_issuer};
use crate::error::{Error, Result};
use crate::urls::validate_org;

pub fn run(ctx: &Context, command: IssuerCommand) -> Result<()> {
    match command {
        IssuerCommand::Check(args) => check(ctx, args),
    }
}

fn check(ctx: &Context, args: IssuerCheckArgs) -> Result<()> {
    let issuer = parse_issuer(&args.url, Some(&ctx.settings.authority_url))?;
    let org = args.org.as_deref().map(validate_org).transpose()?;
    let ui = &ctx.deps.ui;
    if let Some(note) = &issuer.normalised_from {
        ui.info(format!("Normalised the issuer URL ({note}): {issuer}"));
    }
    let discovery = ui.waiting("Reading the tenant's OpenID configuration", || {
        issuer::discover(&ctx.deps.http, &issuer)
    })?;
    ui.ok(format!(
        "OpenID configuration found: issuer {} (tenant {})",
        discovery.issuer, discovery.tenant_id
    ));

    let mut org_tenant = None;
    if let Some(org) = &org {
        let ado = AdoClient::new(&ctx.deps.http, ctx.settings.ado_url.clone());
        let found = ui.waiting(
            format!("Asking Azure DevOps which tenant organization {org} is connected to"),
            || ado.discover_tenant(org),
        )?;
        match found {
            OrgTenant::Connected(guid) if guid == discovery.tenant_id => {
                ui.ok(format!(
                    "organization {org} is connected to the same tenant ({guid})"
                ));
                org_tenant = Some(guid);
            }
            OrgTenant::Connected(guid) => {
                return Err(Error::check(format!(
                    "tenant mismatch: the issuer names tenant {}, but Azure DevOps organization \
                     `{org}` is connected to tenant {guid}",
                    discovery.tenant_id
                ))
                .with_hint(format!(
                    "use the organization's tenant: {}",
                    issuer.with_tenant_id(&guid).url()
                )));
            }
            OrgTenant::NotConnected => {
                return Err(Error::check(format!(
                    "Azure DevOps organization `{org}` is not connected to Microsoft Entra ID"
                ))
                .with_hint(format!(
                    "an organization owner connects it under Organization settings → Microsoft \
                     Entra (https://dev.azure.com/{org}/_settings/organizationAad)"
                )));
            }
        }
    }

    let by_guid = issuer.with_tenant_id(&discovery.tenant_id);
    ui.json(&json!({
        "issuer_url": issuer.url(),
        "normalised": issuer.normalised_from,
        "tenant": issuer.tenant,
        "tenant_id": discovery.tenant_id,
        "discovered_issuer": discovery.issuer,
        "oauth2_form": by_guid.oauth2_form(),
        "oidc_form": by_guid.oidc_form(),
        "org": org,
        "org_tenant_id": org_tenant,
        "ok": true,
    }));
    ui.result(format!(
        "Issuer URL OK: {issuer}\n  tenant {}\n  forms the runner accepts: {} or {}",
        discovery.tenant_id,
        by_guid.oauth2_form(),
        by_guid.oidc_form()
    ));
    Ok(())
}
