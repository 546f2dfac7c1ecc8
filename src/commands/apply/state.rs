//! What `apply` reads before it plans: the runners the file names (one list, names resolved),
//! their Azure DevOps integrations today, each OAuth entry's tenant and the admin's Graph token
//! for it, and the expiry of the secrets `rotate_before_days` looks at.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::file::{self, Entry};
use crate::clients::ado::{AdoClient, OrgTenant};
use crate::clients::entra::issuer::{self, Discovery, Issuer, IssuerForm};
use crate::clients::gitpod::{is_azure_devops, Runner, ScmIntegration};
use crate::clients::graph::GraphClient;
use crate::commands::context::{runner_named, RunnerRef};
use crate::commands::graph_tokens::{self, NO_SIGN_IN};
use crate::commands::Context;
use crate::error::{Error, Result};
use crate::flows::doctor::{runner_secret_end, GraphAccess};
use crate::flows::setup::Target;
use crate::parallel;
use crate::secret::Secret;

/// Requests of one kind sent at once while reading.
const CONCURRENT_READS: usize = 8;

/// The runner each entry names, from one list of the organization's runners. A runner the
/// organization does not have, a name two runners share, or two entries for the same runner
/// (once by id, once by name) and host: exit 2 at the entry, nothing changed.
pub(super) fn runners(ctx: &Context, entries: &[Entry]) -> Result<Vec<Runner>> {
    let all = ctx
        .deps
        .ui
        .waiting("Listing runners", || ctx.gitpod()?.list_runners())?;
    let mut found: Vec<Runner> = Vec::new();
    for entry in entries {
        let at = |err: Error| Error {
            message: format!("{}: {}", entry.at, err.message),
            ..err
        };
        let runner = match &entry.runner {
            RunnerRef::Id(id) => {
                all.iter()
                    .find(|r| r.runner_id == *id)
                    .cloned()
                    .ok_or_else(|| {
                        Error::usage(format!(
                            "runner `{id}` not found in your Gitpod organization"
                        ))
                        .with_hint("`ado-scm status --all` lists the runners you can use")
                    })
            }
            RunnerRef::Name(name) => runner_named(all.clone(), name),
        }
        .map_err(at)?;
        let twin = entries.iter().zip(&found).find(|(other, r)| {
            r.runner_id == runner.runner_id
                && other
                    .target
                    .host()
                    .eq_ignore_ascii_case(entry.target.host())
        });
        if let Some((first, _)) = twin {
            return Err(file::twice(&entry.at, entry, &first.at));
        }
        found.push(runner);
    }
    Ok(found)
}

/// The Azure DevOps integrations of `runners` today.
pub(super) fn integrations(ctx: &Context, runners: &[Runner]) -> Result<Vec<ScmIntegration>> {
    let mut ids: Vec<String> = runners.iter().map(|r| r.runner_id.clone()).collect();
    ids.sort();
    ids.dedup();
    let all = ctx
        .deps
        .ui
        .waiting("Reading the runners' integrations", || {
            ctx.gitpod()?.list_scm_integrations(&ids)
        })?;
    Ok(all
        .into_iter()
        .filter(|i| is_azure_devops(&i.scm_id))
        .collect())
}

/// The saved integration an entry is about, if there is one.
pub(super) fn saved<'a>(
    integrations: &'a [ScmIntegration],
    runner: &Runner,
    target: &Target,
) -> Option<&'a ScmIntegration> {
    integrations.iter().find(|i| {
        i.runner_id == runner.runner_id
            && i.scm_id == target.scm_id()
            && i.host.eq_ignore_ascii_case(target.host())
    })
}

/// Each entry's tenant GUID (`None` without OAuth, or where it cannot be found now: the entry's
/// own setup then says why), and Microsoft Graph per tenant.
pub(super) struct Tenants {
    pub of_entry: Vec<Option<String>>,
    pub graph: HashMap<String, GraphAccess>,
}

/// The [`Tenants`] of the entries, with a Graph token for each. Without one in a script:
/// exit 2 naming the entry.
pub(super) fn tenants_and_tokens(
    ctx: &Context,
    entries: &[Entry],
    given: Option<Secret>,
) -> Result<Tenants> {
    let (issuers, discovered) = ctx
        .deps
        .ui
        .waiting("Finding each organization's Entra ID tenant", || {
            discover_tenants(ctx, entries)
        });
    let tenants: Vec<Option<String>> = issuers
        .iter()
        .map(|i| Some(discovered.get(&i.as_ref()?.url())?.tenant_id.clone()))
        .collect();
    let mut to_sign_in: Vec<Discovery> = discovered.into_values().collect();
    to_sign_in.sort_by(|a, b| a.tenant_id.cmp(&b.tenant_id));
    to_sign_in.dedup_by(|a, b| a.tenant_id == b.tenant_id);
    // An entry that grants admin consent needs its tenant's sign-in to write (and read)
    // consent grants, which setup's own scope does not cover.
    let consent_in: HashSet<String> = (entries.iter().zip(&tenants))
        .filter(|(entry, _)| entry.oauth.as_ref().is_some_and(|o| o.grant_admin_consent))
        .filter_map(|(_, tenant)| tenant.clone())
        .collect();
    let tokens = graph_tokens::for_tenants(ctx, &to_sign_in, given, false, &consent_in)?;
    let unsigned = entries.iter().zip(&tenants).find(|(_, tenant)| {
        tenant
            .as_ref()
            .is_some_and(|t| matches!(tokens.get(t), Some(GraphAccess::Skipped(_))))
    });
    if let Some((entry, tenant)) = unsigned {
        let tenant = tenant.as_deref().unwrap_or_default();
        let hint = if consent_in.contains(tenant) {
            CONSENT_SIGN_IN
        } else {
            NO_SIGN_IN
        };
        return Err(Error::usage(format!(
            "{}: the entry's app registration needs a Microsoft Graph sign-in for tenant {tenant}",
            entry.at,
        ))
        .with_hint(hint));
    }
    Ok(Tenants {
        of_entry: tenants,
        graph: tokens,
    })
}

/// Why a tenant where an entry grants admin consent has no sign-in, and how to give one.
const CONSENT_SIGN_IN: &str = "an entry of this tenant grants admin consent, so its sign-in must \
     also hold DelegatedPermissionGrant.ReadWrite.All: pass a Graph token that does \
     (--graph-token-stdin or ADO_SCM_GRAPH_TOKEN), or run this apply once at a terminal to sign \
     in with it (ado-scm remembers the sign-in)";

/// The issuer each OAuth entry's tenant is discovered at (`None` where it cannot be found: an
/// organization not connected, say), and the discovery document of each, read at once.
fn discover_tenants(
    ctx: &Context,
    entries: &[Entry],
) -> (Vec<Option<Issuer>>, HashMap<String, Discovery>) {
    let http = &ctx.deps.http;
    let orgs: Vec<String> = entries
        .iter()
        .filter_map(|e| {
            let o = e.oauth.as_ref()?;
            (o.tenant.is_none() && o.issuer.is_none())
                .then(|| e.target.org().map(str::to_string))
                .flatten()
        })
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let ado = AdoClient::new(http, ctx.settings.ado_url.clone());
    let found = parallel::map(&orgs, CONCURRENT_READS, |org| ado.discover_tenant(org));
    let org_tenants: HashMap<&String, Result<OrgTenant>> = orgs.iter().zip(found).collect();
    let issuers: Vec<Option<Issuer>> = entries
        .iter()
        .map(|e| {
            let o = e.oauth.as_ref()?;
            if let Some(issuer) = &o.issuer {
                return Some(issuer.clone());
            }
            let tenant = match (&o.tenant, e.target.org()) {
                (Some(t), _) => t.clone(),
                (None, Some(org)) => match org_tenants.get(&org.to_string()) {
                    Some(Ok(OrgTenant::Connected(guid))) => guid.clone(),
                    _ => return None,
                },
                (None, None) => return None,
            };
            Issuer::for_tenant(&ctx.settings.authority_url, &tenant, IssuerForm::OAuth2V2).ok()
        })
        .collect();
    let distinct: BTreeMap<String, &Issuer> =
        issuers.iter().flatten().map(|i| (i.url(), i)).collect();
    let list: Vec<&Issuer> = distinct.values().copied().collect();
    let found = parallel::map(&list, CONCURRENT_READS, |i| issuer::discover(http, i));
    let discovered = list
        .iter()
        .zip(found)
        .filter_map(|(i, d)| Some((i.url(), d.ok()?)))
        .collect();
    (issuers, discovered)
}

/// When the runner's secret on the app its integration uses ends, for the entries with
/// `rotate_before_days` (`None`: unknown, or no such entry). Read at once.
pub(super) fn secret_ends(
    ctx: &Context,
    entries: &[Entry],
    runners: &[Runner],
    integrations: &[ScmIntegration],
    tenants: &Tenants,
) -> Vec<Option<DateTime<Utc>>> {
    let wanted: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].rotate_before_days.is_some())
        .collect();
    let http = &ctx.deps.http;
    let graph_url = &ctx.settings.graph_url;
    let ends = parallel::map(&wanted, CONCURRENT_READS, |&i| {
        let saved = saved(integrations, &runners[i], &entries[i].target)?;
        let client_id = &saved.oauth.as_ref()?.client_id;
        let token = match tenants.graph.get(tenants.of_entry[i].as_ref()?)? {
            GraphAccess::Token(token) => token.clone(),
            GraphAccess::Skipped(_) => return None,
        };
        let graph = GraphClient::new(http, graph_url.clone(), token);
        let app = graph.find_application_by_app_id(client_id).ok()??;
        runner_secret_end(&app, &runners[i].runner_id)?.1
    });
    let mut out = vec![None; entries.len()];
    for (i, end) in wanted.into_iter().zip(ends) {
        out[i] = end;
    }
    out
}
