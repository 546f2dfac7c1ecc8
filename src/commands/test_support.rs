//! What the unit tests of the commands share: a [`Context`] in which every dependency is a
//! test double (a scripted prompter, a recording browser, an in-memory secret store, stdin
//! given as text, a screen to read back, the real HTTP client on a fake clock) and the Gitpod
//! API and Azure DevOps are a stub server, plus the Gitpod API's answers the tests script.

use clap::Parser;
use serde_json::{json, Value};

use super::Context;
use crate::cli::{Cli, Command};
use crate::clients::test_server::{http, Recorded, Stub, StubServer};
use crate::config::Config;
use crate::deps::{Deps, LazyStore};
use crate::env::{Env, EnvVars};
use crate::interrupt::Interrupt;
use crate::settings::{Settings, Terminals};
use crate::stdin::Stdin;
use crate::store::MemoryStore;
use crate::ui::browser::RecordingBrowser;
use crate::ui::prompt::scripted::ScriptedPrompter;
use crate::ui::screen::Screen;
use crate::ui::Ui;

pub(crate) const GITPOD_TOKEN: &str = "gitpod-token-1";

/// How a test run is set up; [`TestRun::start`] parses the command line into a [`Context`].
pub(crate) struct TestRun {
    interactive: bool,
    prompter: ScriptedPrompter,
    stdin: String,
    config: Config,
    /// `GITPOD_API_KEY` is set.
    token_in_env: bool,
}

/// A command's context, and what a test reads back once the command has run.
pub(crate) struct Harness {
    pub ctx: Context,
    /// stderr: what the person was told.
    pub screen: Screen,
    /// stdout: the result.
    pub stdout: Screen,
    pub browser: RecordingBrowser,
    pub store: MemoryStore,
}

impl TestRun {
    /// A person at a terminal (`true`), or a script; nothing on stdin, no config, no question
    /// expected. The Gitpod API token is in `GITPOD_API_KEY`.
    pub(crate) fn new(interactive: bool) -> Self {
        TestRun {
            interactive,
            prompter: ScriptedPrompter::new(),
            stdin: String::new(),
            config: Config::default(),
            token_in_env: true,
        }
    }

    /// No Gitpod API token in the environment: it comes from stdin, the store or a question.
    pub(crate) fn without_token_in_env(mut self) -> Self {
        self.token_in_env = false;
        self
    }

    /// The questions the run must ask, with their answers.
    pub(crate) fn prompter(mut self, prompter: ScriptedPrompter) -> Self {
        self.prompter = prompter;
        self
    }

    pub(crate) fn stdin(mut self, text: &str) -> Self {
        self.stdin = text.to_string();
        self
    }

    /// The config file's defaults.
    pub(crate) fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// `ado-scm ARGS` against `server` (both the Gitpod API and Azure DevOps): the context and
    /// the command parsed.
    pub(crate) fn start(self, server: &StubServer, args: &[&str]) -> (Harness, Command) {
        let base = server.base().to_string();
        let argv = [
            "ado-scm",
            "--config",
            "/dev/null",
            "--gitpod-url",
            &base,
            "--ado-url",
            &base,
        ]
        .into_iter()
        .chain(args.iter().copied());
        let cli = Cli::try_parse_from(argv).expect("the test's command line parses");
        let env = if self.token_in_env {
            Env::from_pairs([(EnvVars::GITPOD_API_KEY, GITPOD_TOKEN)])
        } else {
            Env::default()
        };
        let terminals = Terminals {
            stdin: self.interactive,
            stdout: false,
            stderr: self.interactive,
        };
        let mut settings = Settings::resolve(&cli.global, &env, terminals).expect("settings");
        settings.config = self.config;
        // Spinners print their line instead of drawing, so the screen shows what was awaited;
        // no colours, so it reads as plain text.
        settings.mode.stderr_tty = false;
        settings.mode.color = false;
        let (screen, stdout) = (Screen::default(), Screen::default());
        let ui = Ui::new(
            settings.mode,
            Box::new(stdout.clone()),
            Box::new(screen.clone()),
        );
        let (http, clock) = http();
        let browser = RecordingBrowser::default();
        let store = MemoryStore::new();
        let prompter = ui.prompter(Box::new(self.prompter));
        let deps = Deps {
            env,
            ui,
            prompter,
            browser: Box::new(browser.clone()),
            clock,
            http,
            stdin: Stdin::new(Box::new(std::io::Cursor::new(self.stdin.into_bytes()))),
            interrupt: Interrupt::default(),
            secret_store: LazyStore::new({
                let store = store.clone();
                Box::new(move |_| Box::new(store.clone()))
            }),
        };
        let harness = Harness {
            ctx: Context::new(settings, deps),
            screen,
            stdout,
            browser,
            store,
        };
        (harness, cli.command)
    }

    /// `ado-scm ARGS` against `server`: the context, and the options resolved from them.
    pub(crate) fn resolve<T: ResolveFrom>(
        self,
        server: &StubServer,
        args: &[&str],
    ) -> (Harness, crate::error::Result<T>) {
        let (harness, command) = self.start(server, args);
        let options = T::resolve_from(&harness.ctx, command);
        (harness, options)
    }
}

/// Resolves `ado-scm ARGS` as a script would (no terminal) against a stub server answering
/// `stubs`; the server comes back for the test to finish.
pub(crate) fn resolve_in_script<T: ResolveFrom>(
    args: &[&str],
    stubs: Vec<Stub>,
) -> (crate::error::Result<T>, StubServer) {
    let server = StubServer::start(stubs);
    let (_, options) = TestRun::new(false).resolve(&server, args);
    (options, server)
}

/// A command's options, resolved from its parsed command line.
pub(crate) trait ResolveFrom: Sized {
    fn resolve_from(ctx: &Context, command: Command) -> crate::error::Result<Self>;
}

/// [`ResolveFrom`] for the options of the commands whose `Options::resolve` takes the
/// subcommand's arguments.
macro_rules! resolve_from {
    ($($options:ty => $variant:ident,)*) => {
        $(impl ResolveFrom for $options {
            fn resolve_from(ctx: &Context, command: Command) -> crate::error::Result<Self> {
                match command {
                    Command::$variant(args) => <$options>::resolve(ctx, args),
                    other => panic!("not {}: {other:?}", stringify!($variant)),
                }
            }
        })*
    };
}

resolve_from! {
    super::login::LoginOptions => Login,
    super::status::StatusOptions => Status,
    super::logout::LogoutOptions => Logout,
    super::test::TestOptions => Test,
}

/// Runner ids (Gitpod's are UUIDs).
pub(crate) const RUNNER_1: &str = "01900000-0000-7000-8000-0000000000a1";
pub(crate) const RUNNER_2: &str = "01900000-0000-7000-8000-0000000000a2";

/// `/gitpod.v1.{method}`, answered with `body`.
pub(crate) fn gitpod(method: &str, body: Value) -> Stub {
    Stub::post(&format!("/gitpod.v1.{method}")).json(body)
}

/// A runner as the Gitpod API lists it.
pub(crate) fn runner(id: &str, name: &str) -> Value {
    json!({"runnerId": id, "name": name, "status": {"phase": "RUNNER_PHASE_ACTIVE"}})
}

/// ListRunners answering runners "first" (`RUNNER_1`) and "second" (`RUNNER_2`).
pub(crate) fn two_runners() -> Stub {
    list_runners(vec![runner(RUNNER_1, "first"), runner(RUNNER_2, "second")])
}

/// ListRunners answering `runners` on one page.
pub(crate) fn list_runners(runners: Vec<Value>) -> Stub {
    gitpod("RunnerService/ListRunners", json!({ "runners": runners }))
}

/// An Azure DevOps integration of runner `runner_id` for `host` (Services).
pub(crate) fn integration(runner_id: &str, host: &str) -> Value {
    json!({"id": format!("i-{host}"), "runnerId": runner_id, "scmId": "azuredevops_entra",
           "host": host, "pat": true})
}

/// ListSCMIntegrations answering `integrations`.
pub(crate) fn list_integrations(integrations: Vec<Value>) -> Stub {
    gitpod(
        "RunnerConfigurationService/ListSCMIntegrations",
        json!({ "integrations": integrations }),
    )
}

/// CheckAuthenticationForHost: the methods the runner offers for the host.
pub(crate) fn host_check(pat: bool, oauth: bool, authenticated: bool) -> Stub {
    let mut answer = json!({"authenticated": authenticated, "scmId": "azuredevops_entra"});
    if pat {
        answer["supportsPat"] =
            json!({"createUrl": "https://dev.azure.com/acme/_usersSettings/tokens"});
    }
    if oauth {
        answer["supportsOauth2"] =
            json!({"authUrl": "https://runner.example.com/auth/oauth2/start"});
    }
    gitpod("RunnerService/CheckAuthenticationForHost", answer)
}

/// GetRunner answering `runner`.
pub(crate) fn get_runner(runner: Value) -> Stub {
    gitpod("RunnerService/GetRunner", json!({ "runner": runner }))
}

/// GetAuthenticatedIdentity: the caller is user `u1`.
pub(crate) fn identity() -> Stub {
    gitpod(
        "IdentityService/GetAuthenticatedIdentity",
        json!({"subject": {"id": "u1", "principal": "PRINCIPAL_USER"}}),
    )
}

/// A host token of user `u1` on `RUNNER_1`; `source`: `PAT` or `OAUTH`.
pub(crate) fn host_token(id: &str, host: &str, source: &str) -> Value {
    json!({"id": id, "runnerId": RUNNER_1, "host": host,
           "source": format!("HOST_AUTHENTICATION_TOKEN_SOURCE_{source}"),
           "subject": {"id": "u1", "principal": "PRINCIPAL_USER"}})
}

/// ListHostAuthenticationTokens answering `tokens`.
pub(crate) fn list_tokens(tokens: Vec<Value>) -> Stub {
    gitpod(
        "RunnerConfigurationService/ListHostAuthenticationTokens",
        json!({ "tokens": tokens }),
    )
}

/// The request the server received for `/gitpod.v1.{method}`, as JSON.
pub(crate) fn sent(requests: &[Recorded], method: &str) -> Value {
    let path = format!("/gitpod.v1.{method}");
    requests
        .iter()
        .find(|request| request.path == path)
        .unwrap_or_else(|| panic!("no {method} request"))
        .json()
}

/// A refusal as a table case states it: exit code, message, hint.
pub(crate) type Refusal<'a> = (i32, &'a str, Option<&'a str>);

/// Checks that `result` is the refusal `expected`, naming the table case.
pub(crate) fn assert_refused<T: std::fmt::Debug>(
    case: &str,
    result: crate::error::Result<T>,
    expected: Refusal<'_>,
) {
    let err = result.expect_err(case);
    let (exit_code, message, hint) = expected;
    assert_eq!(
        (err.exit_code(), err.message.as_str(), err.hint.as_deref()),
        (exit_code, message, hint),
        "{case}"
    );
}
