//! What the unit tests of the setup flow share: a runner and a plan, an app as it should be,
//! and a screen to read what the flow said.

use url::Url;

use crate::clients::ado::AdoClient;
use crate::clients::entra::issuer::{Discovery, Issuer, IssuerForm};
use crate::clients::gitpod::{GitpodClient, Runner, RunnerStatus};
use crate::clients::graph::{self, Application, RequiredResourceAccess};
use crate::clients::test_server::{http, Stub, StubServer};
use crate::http::Http;
use crate::seal::RunnerPublicKey;
use crate::secret::Secret;
use crate::ui::screen::Screen;
use crate::ui::{Ui, UiMode};

use super::app_registration::fallback_required_access;
use super::tenant::IssuerChoice;
use super::{OauthPlan, SetupPlan, SetupServices, Target};

pub(super) const CALLBACK: &str = "https://runner.example.com/auth/oauth2/callback";

pub(super) const TENANT: &str = "7e5a17c0-5a1d-4b0c-9e11-acde00000001";

pub(super) fn ui() -> (Ui, Screen) {
    let screen = Screen::default();
    let ui = Ui::new(
        UiMode::default(),
        Box::new(std::io::sink()),
        Box::new(screen.clone()),
    );
    (ui, screen)
}

pub(super) fn required() -> Vec<RequiredResourceAccess> {
    fallback_required_access()
}

pub(super) fn app() -> Application {
    Application {
        id: "obj".into(),
        app_id: "client".into(),
        display_name: "app".into(),
        sign_in_audience: "AzureADMyOrg".into(),
        web: graph::Web {
            redirect_uris: vec![CALLBACK.into()],
            implicit_grant_settings: graph::ImplicitGrantSettings {
                enable_id_token_issuance: true,
            },
        },
        required_resource_access: required(),
        password_credentials: Vec::new(),
    }
}

pub(super) fn plan(target: Target, pat: bool, oauth: bool) -> SetupPlan {
    SetupPlan {
        runner: Runner {
            runner_id: "r1".into(),
            name: "runner".into(),
            status: RunnerStatus {
                phase: "RUNNER_PHASE_ACTIVE".into(),
                ..RunnerStatus::default()
            },
            ..Runner::default()
        },
        target,
        pat,
        oauth: oauth.then(|| OauthPlan {
            tenant: None,
            issuer: None,
            client_id: None,
            app_name: None,
            default_app_name: "app".into(),
            client_secret: None,
            secret_expiry_days: 30,
            rotate_secret: false,
            grant_admin_consent: false,
        }),
        dry_run: false,
    }
}

pub(super) fn services() -> Target {
    Target::Services {
        host: "dev.azure.com".into(),
        org: Some("acme".into()),
    }
}

/// What [`SetupServices`] borrow, pointed at a stub server (Gitpod, Graph and the authority
/// all at its base URL); `screen` shows what the flow said.
pub(super) struct Stubbed {
    pub http: Http,
    pub ui: Ui,
    pub screen: Screen,
    pub base: Url,
    pub authority: Url,
    pub interrupt: crate::interrupt::Interrupt,
}

impl Stubbed {
    pub(super) fn new(server: &StubServer) -> Self {
        let (http, _clock) = http();
        let (ui, screen) = ui();
        let base = server.base();
        Stubbed {
            http,
            ui,
            screen,
            authority: base.clone(),
            base,
            interrupt: crate::interrupt::Interrupt::default(),
        }
    }

    /// The Gitpod and Azure DevOps clients the services borrow.
    pub(super) fn clients(&self) -> (GitpodClient<'_>, AdoClient<'_>) {
        let gitpod = GitpodClient::new(&self.http, self.base.clone(), Secret::new("gitpod-token"));
        (gitpod, AdoClient::new(&self.http, None))
    }

    pub(super) fn services<'a>(
        &'a self,
        gitpod: &'a GitpodClient<'a>,
        ado: &'a AdoClient<'a>,
    ) -> SetupServices<'a> {
        SetupServices {
            http: &self.http,
            ui: &self.ui,
            interrupt: &self.interrupt,
            gitpod,
            gitpod_url: &self.base,
            ado,
            authority: &self.authority,
            graph_url: &self.base,
        }
    }
}

/// What the secret step reads besides the plan: the tenant's issuer at the stub server (the
/// guide's form saved), its discovery document, and a runner key pair (`runner_key` opens
/// what was sealed to `key`).
pub(super) struct SecretFixture {
    pub issuer: Issuer,
    pub choice: IssuerChoice,
    pub discovery: Discovery,
    pub runner_key: crypto_box::SecretKey,
    pub key: RunnerPublicKey,
}

impl SecretFixture {
    /// The stub's authority becomes the issuer's (Entra's paths on the stub server).
    pub(super) fn new(server: &StubServer, stub: &mut Stubbed) -> Self {
        stub.authority = Url::parse(stub.base.as_str().trim_end_matches('/')).unwrap();
        let issuer = Issuer::for_tenant(&stub.authority, TENANT, IssuerForm::OAuth2V2).unwrap();
        let discovery = Discovery {
            issuer: issuer.oidc_form(),
            tenant_id: TENANT.into(),
            authorization_endpoint: server.url(&format!("{TENANT}/oauth2/v2.0/authorize")),
            token_endpoint: server.url(&format!("{TENANT}/oauth2/v2.0/token")),
            device_authorization_endpoint: None,
            jwks_uri: server.url(&format!("{TENANT}/discovery/v2.0/keys")),
        };
        let runner_key = crypto_box::SecretKey::generate(&mut rand_core::OsRng);
        let key =
            RunnerPublicKey::from_key_bytes(runner_key.public_key().as_bytes(), "test").unwrap();
        SecretFixture {
            choice: IssuerChoice {
                saved: issuer.url(),
                issuer: issuer.clone(),
            },
            issuer,
            discovery,
            runner_key,
            key,
        }
    }
}

pub(super) const VALIDATE: &str =
    "/gitpod.v1.RunnerConfigurationService/ValidateRunnerConfiguration";

/// Entra issues a token for the client; the runner (one that takes only the other issuer form)
/// rejects the issuer URL it is first sent, then accepts.
pub(super) fn runner_taking_the_other_issuer_form() -> Vec<Stub> {
    vec![
        Stub::post(&format!("/{TENANT}/oauth2/v2.0/token")).json(
            serde_json::json!({"access_token": "t", "token_type": "Bearer", "expires_in": 3599}),
        ),
        Stub::post(VALIDATE).json(serde_json::json!({"scmIntegration": {
            "oauthError": "issuer URL does not match the token issuer"}})),
        Stub::post(VALIDATE).json(serde_json::json!({"scmIntegration": {"valid": true}})),
    ]
}
