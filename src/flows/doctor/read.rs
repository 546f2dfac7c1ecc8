//! What doctor asks the services, with independent requests at once: what holds for many
//! integrations is read once (an issuer's discovery, an organization's tenant, a tenant's
//! permission ids), the rest per integration (the runner's schema and validation, the app).

use std::collections::{BTreeSet, HashMap};

use url::Url;

use crate::clients::ado::OrgTenant;
use crate::clients::entra::issuer::{self, Discovery};
use crate::clients::gitpod::{ConfigSchema, Runner, ScmIntegration};
use crate::clients::graph::{
    self, Application, GraphClient, PermissionGrant, RequiredResourceAccess, ServicePrincipal,
};
use crate::error::{Error, Result};
use crate::flows::read_back;
use crate::flows::saved::{self, SavedValidation};
use crate::flows::setup::required_permissions;
use crate::http::Http;
use crate::parallel;
use crate::urls::AdoHost;

use super::{DoctorServices, GraphAccess, Scope};

/// Integrations examined at once (each sends a few requests of its own at once).
const CONCURRENT_INTEGRATIONS: usize = 8;

/// What the services said about one integration.
pub(super) struct Facts {
    pub runner: Runner,
    pub integration: ScmIntegration,
    pub schema: Result<ConfigSchema>,
    pub validation: Result<SavedValidation>,
    /// When the runner named the issuer: the other form of the saved issuer, and what the
    /// runner said of it.
    pub other_form: Option<(String, Result<SavedValidation>)>,
    /// The organization the tenant is compared with, and its tenant.
    pub org: Option<(String, Result<OrgTenant>)>,
    /// `None`: the integration has no OAuth.
    pub app: Option<AppFacts>,
}

/// The app registration as Microsoft Graph shows it.
pub(super) enum AppFacts {
    /// No Graph access for the tenant (why), or its discovery failed.
    Skipped(String),
    Failed(Error),
    Read {
        app: Option<Box<Application>>,
        sp: Option<ServicePrincipal>,
        /// Err: Graph refused the sign-in the list (403): listing an app's consent grants
        /// needs `Directory.Read.All` or a grant-writing permission, which setup's own
        /// sign-in (`Application.ReadWrite.All`) does not have. The other rows do not need it.
        grants: Result<Vec<PermissionGrant>>,
        required: Vec<RequiredResourceAccess>,
    },
}

/// The discovery document of each distinct saved issuer URL, read at once.
pub fn discover_issuers(
    http: &Http,
    authority: &Url,
    integrations: &[ScmIntegration],
) -> HashMap<String, Result<Discovery>> {
    let urls: Vec<String> = integrations
        .iter()
        .filter_map(|i| i.oauth.as_ref()?.issuer_url.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let found = parallel::map(&urls, CONCURRENT_INTEGRATIONS, |url| {
        issuer::parse_issuer(url, Some(authority)).and_then(|i| issuer::discover(http, &i))
    });
    urls.into_iter().zip(found).collect()
}

/// The organization whose tenant an integration's issuer must match: the host's, else the one
/// given; none for Server.
pub(super) fn org_of(integration: &ScmIntegration, given: Option<&str>) -> Option<String> {
    integration.oauth.as_ref()?;
    let host = AdoHost::parse(&integration.host).ok()?;
    host.org.or_else(|| given.map(str::to_string))
}

/// The facts of every integration in `scope`, in its order.
pub(super) fn facts(s: &DoctorServices<'_>, scope: &Scope) -> Vec<Facts> {
    let orgs: Vec<String> = (scope.integrations.iter())
        .filter_map(|i| org_of(i, scope.org.as_deref()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let tenants: Vec<(String, GraphClient<'_>)> = (scope.graph.iter())
        .filter_map(|(tenant, access)| match access {
            GraphAccess::Token(token) => Some((
                tenant.clone(),
                GraphClient::new(s.http, s.graph_url.clone(), token.clone()),
            )),
            GraphAccess::Skipped(_) => None,
        })
        .collect();
    let (org_tenants, permissions) = parallel::join(
        || {
            parallel::map(&orgs, CONCURRENT_INTEGRATIONS, |org| {
                s.ado.discover_tenant(org)
            })
        },
        || {
            parallel::map(&tenants, CONCURRENT_INTEGRATIONS, |(_, g)| {
                required_permissions(g)
            })
        },
    );
    let org_tenants: HashMap<&String, Result<OrgTenant>> = orgs.iter().zip(org_tenants).collect();
    let graph: HashMap<&String, (&GraphClient<'_>, Result<Vec<RequiredResourceAccess>>)> = tenants
        .iter()
        .zip(permissions)
        .map(|((tenant, client), required)| (tenant, (client, required)))
        .collect();

    parallel::map(
        &scope.integrations,
        CONCURRENT_INTEGRATIONS,
        |integration| {
            let runner = (scope.runners.iter())
                .find(|r| r.runner_id == integration.runner_id)
                .cloned()
                .unwrap_or_default();
            let ((schema, (validation, other_form)), app) = parallel::join(
                || {
                    parallel::join(
                        || s.gitpod.get_runner_configuration_schema(&runner.runner_id),
                        || validation(s, integration),
                    )
                },
                || {
                    integration.oauth.as_ref().map(|oauth| {
                        let discovery =
                            oauth.issuer_url.as_ref().and_then(|u| scope.issuers.get(u));
                        let tenant = match discovery {
                            Some(Ok(d)) => &d.tenant_id,
                            _ => {
                                return AppFacts::Skipped(
                                    "the saved issuer could not be discovered".into(),
                                )
                            }
                        };
                        match (graph.get(tenant), scope.graph.get(tenant)) {
                            (Some((client, required)), _) => {
                                read_app(s.http, client, &oauth.client_id, required)
                            }
                            (None, Some(GraphAccess::Skipped(why))) => {
                                AppFacts::Skipped(why.clone())
                            }
                            (None, _) => AppFacts::Skipped(
                                "no Microsoft Graph sign-in for this tenant".into(),
                            ),
                        }
                    })
                },
            );
            let org = org_of(integration, scope.org.as_deref()).map(|org| {
                let tenant = org_tenants.get(&org).cloned().unwrap_or_else(|| {
                    Err(Error::service("the organization's tenant was not read"))
                });
                (org, tenant)
            });
            Facts {
                runner,
                integration: integration.clone(),
                schema,
                validation,
                other_form,
                org,
                app,
            }
        },
    )
}

/// The runner's validation of the saved configuration; when it names the issuer, also of the
/// other form of the saved issuer (runners differ in which form they take).
fn validation(
    s: &DoctorServices<'_>,
    integration: &ScmIntegration,
) -> (
    Result<SavedValidation>,
    Option<(String, Result<SavedValidation>)>,
) {
    let result = saved::validate(s.gitpod, integration, None);
    let rejects_issuer = result.as_ref().is_ok_and(SavedValidation::rejects_issuer);
    let saved_issuer = integration
        .oauth
        .as_ref()
        .and_then(|o| o.issuer_url.as_deref());
    let other = match (rejects_issuer, saved_issuer) {
        (true, Some(url)) => issuer::parse_issuer(url, Some(s.authority))
            .ok()
            .map(|i| i.other_form().url()),
        _ => None,
    };
    let other_form = other.map(|url| {
        let retried = saved::validate(s.gitpod, integration, Some(&url));
        (url, retried)
    });
    (result, other_form)
}

/// The app of `client_id`, its service principal and that principal's consent grants.
fn read_app(
    http: &Http,
    graph: &GraphClient<'_>,
    client_id: &str,
    required: &Result<Vec<RequiredResourceAccess>>,
) -> AppFacts {
    // The runner uses this app, so it and its service principal were made earlier: one that
    // Graph does not show may only not have reached this replica yet (as setup reads it).
    let clock = http.clock().as_ref();
    let read = || -> Result<AppFacts> {
        let required = required.clone()?;
        let (app, sp) = parallel::join(
            || read_back::until_found(clock, || graph.find_application_by_app_id(client_id)),
            || read_back::until_found(clock, || graph.service_principal_by_app_id(client_id)),
        );
        let sp = sp?;
        let grants = match &sp {
            Some(sp) => match graph.list_permission_grants(&sp.id) {
                Err(err) if graph::is_denied(&err) => Err(err),
                Err(err) => return Err(err),
                Ok(grants) => Ok(grants),
            },
            None => Ok(Vec::new()),
        };
        Ok(AppFacts::Read {
            app: app?.map(Box::new),
            sp,
            grants,
            required,
        })
    };
    read().unwrap_or_else(AppFacts::Failed)
}
