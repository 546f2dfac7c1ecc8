//! Every command-line type. The `///` comments are the help text, the man pages and the shell
//! completions: `completions/` and `man/` are generated from these definitions.

pub mod suggest;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::env::EnvVars;

/// Connect Azure DevOps to Gitpod (Ona) self-hosted runners.
///
/// Admins run `ado-scm setup` once per runner; developers run `ado-scm login` to let the runner
/// reach their Azure DevOps repositories.
#[derive(Debug, Parser)]
#[command(
    name = "ado-scm",
    version = VERSION,
    propagate_version = true,
    max_term_width = 100,
    after_help = examples::ROOT
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts, before or after the subcommand. Listed apart from each
/// command's own options in its help (as `gh` lists inherited flags).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = GLOBAL_OPTIONS)]
pub struct GlobalArgs {
    /// Config file [default: $XDG_CONFIG_HOME/ado-scm/config.toml]
    #[arg(long, global = true, env = EnvVars::ADO_SCM_CONFIG, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Never prompt; a missing value is an error naming the flag to pass. Implied when stdin or
    /// stderr is not a terminal
    #[arg(long, global = true, env = EnvVars::ADO_SCM_NON_INTERACTIVE, value_parser = clap::builder::BoolishValueParser::new(), num_args = 0, default_missing_value = "true", default_value = "false")]
    pub non_interactive: bool,

    /// Print exactly one JSON document on stdout (also on failure); human text goes to stderr
    #[arg(long, global = true)]
    pub json: bool,

    /// Print URLs instead of opening a browser
    #[arg(long, global = true, env = EnvVars::ADO_SCM_NO_BROWSER, value_parser = clap::builder::BoolishValueParser::new(), num_args = 0, default_missing_value = "true", default_value = "false")]
    pub no_browser: bool,

    /// Where secrets are kept: the OS keyring, or credentials.toml beside the config (mode 0600)
    #[arg(
        long,
        global = true,
        env = EnvVars::ADO_SCM_STORE,
        value_enum,
        value_name = "STORE"
    )]
    pub store: Option<StoreKind>,

    /// More output; -v logs every HTTP request (method, URL, status, time) with secrets redacted
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Less output: only errors and the result
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Plain output without colours (also when NO_COLOR is set)
    #[arg(long, global = true)]
    pub no_color: bool,

    /// Gitpod (Ona) management API base URL [default: https://app.gitpod.io/api]
    #[arg(long, global = true, env = EnvVars::ADO_SCM_GITPOD_URL, value_name = "URL")]
    pub gitpod_url: Option<String>,

    /// Microsoft Entra ID login host [default: https://login.microsoftonline.com]
    #[arg(long, global = true, env = EnvVars::ADO_SCM_AUTHORITY_URL, value_name = "URL")]
    pub authority_url: Option<String>,

    /// Microsoft Graph base URL [default: https://graph.microsoft.com]
    #[arg(long, global = true, env = EnvVars::ADO_SCM_GRAPH_URL, value_name = "URL")]
    pub graph_url: Option<String>,

    /// Replaces the scheme and host of Azure DevOps URLs (organization and collection paths are
    /// kept) [default: https://{host}]
    #[arg(long, global = true, env = EnvVars::ADO_SCM_ADO_URL, value_name = "URL")]
    pub ado_url: Option<String>,

    /// Read the Gitpod API token from stdin instead of GITPOD_API_KEY / the store / a prompt
    #[arg(long, global = true)]
    pub gitpod_token_stdin: bool,

    /// Also trust the certificate authorities in this PEM file (an Azure DevOps Server or proxy
    /// behind an internal CA) [default: the system's and the bundled web roots]
    #[arg(long, global = true, env = EnvVars::ADO_SCM_CA_CERT, value_name = "FILE")]
    pub ca_cert: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StoreKind {
    /// The OS keyring (Secret Service, Keychain, Credential Manager)
    Keyring,
    /// credentials.toml beside the config file, mode 0600
    File,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Admin wizard: connect a runner to Azure DevOps (Entra app, secret, test, integration)
    #[command(after_help = examples::SETUP)]
    Setup(SetupArgs),
    /// Developer sign-in: let the runner reach your Azure DevOps repositories
    #[command(after_help = examples::LOGIN)]
    Login(LoginArgs),
    /// Show, per runner and host, how you are authenticated
    #[command(after_help = examples::STATUS)]
    Status(StatusArgs),
    /// Remove your own host authentication tokens
    #[command(after_help = examples::LOGOUT)]
    Logout(LogoutArgs),
    /// Check an Entra issuer URL (normalise, discover, compare tenants)
    #[command(subcommand, after_help = examples::ISSUER_CHECK)]
    Issuer(IssuerCommand),
    /// Seal a secret to a runner's public key
    #[command(subcommand, after_help = examples::SECRET_SEAL)]
    Secret(SecretCommand),
    /// Re-validate a saved integration (Entra credentials, runner validation)
    #[command(after_help = examples::TEST)]
    Test(TargetArgs),
    /// Check every Azure DevOps integration (runner, issuer, app, secret expiry); --fix repairs
    ///
    /// One row per check, per integration: the runner (phase, public key, schema), the issuer
    /// (discovery, the organization's tenant), the app registration through Microsoft Graph
    /// (redirect URI, ID tokens, the four permissions, single tenant, service principal,
    /// consent), the expiry of the client secret ado-scm made for the runner, the runner's
    /// validation of the saved configuration, and your own sign-in. Each is ok, warn, fail or
    /// skipped (with why). Exit 0 when nothing fails (--strict: nor warns), 4 otherwise.
    #[command(after_help = examples::DOCTOR)]
    Doctor(DoctorArgs),
    /// Make the runners' Azure DevOps integrations match a TOML file
    ///
    /// The file has [[integration]] entries and optional [defaults] (any key of an entry):
    /// runner (ID or name), host, org, tenant, issuer_url, server, virtual_directory, oauth,
    /// pat, app_name or client_id (runners may share one app: a redirect URI and a secret
    /// each), secret_expiry_days, rotate_before_days (rotate a secret that ends sooner),
    /// grant_admin_consent. The whole file is checked before any request: a bad key, value,
    /// runner or a repeated runner and host is exit 2 naming the file, line and column. Each
    /// entry runs setup's own steps, several runners at once; a failing entry stops no other
    /// (exit 4), and a re-run converges.
    #[command(after_help = examples::APPLY)]
    Apply(ApplyArgs),
    /// Print the runners' Azure DevOps integrations as a file `apply` accepts
    ///
    /// Applied as it is, the file changes nothing. It holds no secret: the runners keep theirs
    /// while they validate.
    #[command(after_help = examples::EXPORT)]
    Export(ExportArgs),
    /// Print shell completions
    #[command(after_help = examples::COMPLETIONS)]
    Completions(CompletionsArgs),
}

/// `status`: a runner and host, or every runner.
#[derive(Debug, Clone, Default, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Every runner of the organization, not only the ones you use [default: the saved
    /// runner and the hosts you hold a sign-in for]
    #[arg(long, conflicts_with = "runner")]
    pub all: bool,
}

/// Which runner and host a command is about.
#[derive(Debug, Clone, Default, Args)]
pub struct TargetArgs {
    /// The runner, by ID (a UUID) or name [default: from config; interactive: pick]
    #[arg(long, env = EnvVars::ADO_SCM_RUNNER, value_name = "ID|NAME")]
    pub runner: Option<String>,

    /// The integration's host as saved on the runner: dev.azure.com, dev.azure.com/ORG or an
    /// Azure DevOps Server host
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    #[command(subcommand)]
    pub method: Option<LoginMethod>,

    #[command(flatten)]
    pub common: LoginCommon,
}

#[derive(Debug, Clone, Default, Args)]
pub struct LoginCommon {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Azure DevOps organization (or Server collection) to check a PAT against when the host
    /// does not include it
    #[arg(long, env = EnvVars::ADO_SCM_ORG, value_name = "ORG")]
    pub org: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum LoginMethod {
    /// Hand the runner a personal access token (checked against Azure DevOps first)
    #[command(after_help = examples::LOGIN_PAT)]
    Pat(LoginPatArgs),
    /// Authorize the runner in the browser with Entra ID OAuth
    #[command(after_help = examples::LOGIN_OAUTH)]
    Oauth(LoginOauthArgs),
}

#[derive(Debug, Args)]
pub struct LoginPatArgs {
    #[command(flatten)]
    pub common: LoginCommon,

    /// Read the PAT from stdin (one trailing newline is removed)
    #[arg(long)]
    pub with_token: bool,
}

#[derive(Debug, Args)]
pub struct LoginOauthArgs {
    #[command(flatten)]
    pub common: LoginCommon,

    /// Seconds to wait for the consent to complete (1–86400)
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Also forget the stored Gitpod API token
    #[arg(long)]
    pub gitpod: bool,
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    #[command(flatten)]
    pub target: TargetArgs,

    /// Azure DevOps organization (Services)
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,

    /// Azure DevOps Server: scm azuredevops_server, PAT only
    #[arg(long)]
    pub server: bool,

    /// Virtual directory of the Azure DevOps Server [default: /tfs]
    #[arg(long, value_name = "PATH", requires = "server")]
    pub virtual_directory: Option<String>,

    /// Enable Entra ID OAuth (default on Services)
    #[arg(long, conflicts_with = "no_oauth")]
    pub oauth: bool,
    /// Disable Entra ID OAuth
    #[arg(long)]
    pub no_oauth: bool,

    /// Enable personal access tokens (default on)
    #[arg(long, conflicts_with = "no_pat")]
    pub pat: bool,
    /// Disable personal access tokens
    #[arg(long)]
    pub no_pat: bool,

    /// Entra tenant (GUID or domain) [default: discovered from the organization]
    #[arg(long, value_name = "TENANT")]
    pub tenant: Option<String>,

    /// Use an existing app registration (client ID) instead of creating one
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,

    /// Read the existing app's client secret from stdin (or ADO_SCM_CLIENT_SECRET)
    #[arg(long, requires = "client_id")]
    pub client_secret_stdin: bool,

    /// Display name of the app registration to create or reuse
    #[arg(long, value_name = "NAME")]
    pub app_name: Option<String>,

    /// Lifetime of a new client secret, in days (1–730) [default: 365]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=730))]
    pub secret_expiry_days: Option<u32>,

    /// Mint a new client secret even when the saved one validates; then remove the old one
    /// ado-scm created
    #[arg(long, conflicts_with = "client_secret_stdin")]
    pub rotate_secret: bool,

    /// Read a Microsoft Graph access token from stdin (or ADO_SCM_GRAPH_TOKEN) instead of
    /// signing in
    #[arg(long)]
    pub graph_token_stdin: bool,

    /// Sign in with the device code flow instead of the browser
    #[arg(long, conflicts_with = "port")]
    pub device_code: bool,

    /// Fixed loopback port for the browser sign-in (to forward it over SSH; 1–65535) [default: a
    /// free port]
    #[arg(long, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,

    /// Public client used for the Graph sign-in [default: Microsoft Graph Command Line Tools]
    #[arg(long, value_name = "ID")]
    pub graph_client_id: Option<String>,

    /// Issuer URL to use instead of the one built from the tenant
    #[arg(long, value_name = "URL")]
    pub issuer_url: Option<String>,

    /// Also grant tenant-wide admin consent for the app's permissions
    #[arg(long)]
    pub grant_admin_consent: bool,

    /// Show the plan and every request it would send; change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Accept every confirmation
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Only this runner's integrations, by ID (a UUID) or name [default: every runner]
    #[arg(long, value_name = "ID|NAME")]
    pub runner: Option<String>,

    /// Only the integrations for this host (dev.azure.com, dev.azure.com/ORG or a Server host)
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,

    /// Azure DevOps organization whose tenant the issuer must match, for hosts that name none
    /// [default: from config]
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,

    /// Warn when a client secret expires within this many days (0–3650)
    #[arg(long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub warn_days: u32,

    /// Repair what setup can (drift, service principal, secret rotation, issuer form), after
    /// showing the plan and asking; then check again
    #[arg(long)]
    pub fix: bool,

    /// Accept the confirmation of --fix
    #[arg(long, short = 'y', requires = "fix")]
    pub yes: bool,

    /// Count warnings as failures (exit 4)
    #[arg(long)]
    pub strict: bool,

    /// Read a Microsoft Graph access token from stdin (or ADO_SCM_GRAPH_TOKEN) to check the app
    /// registrations [default: the remembered sign-in; interactive: asked]
    #[arg(long)]
    pub graph_token_stdin: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The TOML file: [defaults] and [[integration]] entries (see `ado-scm export`)
    #[arg(long, short = 'f', value_name = "FILE")]
    pub file: PathBuf,

    /// Show the plan and every request it would send; change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Accept the confirmations (the plan, and with --prune the removals)
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Also remove the Azure DevOps integrations of the file's runners that the file does not
    /// name (asked separately)
    #[arg(long)]
    pub prune: bool,

    /// Runners set up at once (1–32)
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=32))]
    pub concurrency: u32,

    /// Read a Microsoft Graph access token from stdin (or ADO_SCM_GRAPH_TOKEN) instead of
    /// signing in [default: the remembered sign-in; interactive: sign in]
    #[arg(long)]
    pub graph_token_stdin: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Only this runner's integrations, by ID (a UUID) or name [default: every runner]
    #[arg(long, value_name = "ID|NAME")]
    pub runner: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum IssuerCommand {
    /// Normalise an issuer URL, fetch its discovery document, check the tenant
    #[command(after_help = examples::ISSUER_CHECK)]
    Check(IssuerCheckArgs),
}

#[derive(Debug, Args)]
pub struct IssuerCheckArgs {
    /// The issuer URL, e.g. https://login.microsoftonline.com/TENANT/oauth2/v2.0
    #[arg(value_name = "URL")]
    pub url: String,

    /// Azure DevOps organization whose tenant must match the issuer's
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Read a secret on stdin and print it sealed (base64) to a runner's public key
    #[command(after_help = examples::SECRET_SEAL)]
    Seal(SealArgs),
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("recipient").required(true).args(["runner", "public_key"]))]
pub struct SealArgs {
    /// Seal to the registered public key of this runner (its ID or name)
    #[arg(long, value_name = "ID|NAME")]
    pub runner: Option<String>,

    /// Base64 X25519 key (32 raw bytes or 44-byte PKIX DER), or @FILE holding it (or PEM)
    #[arg(long, value_name = "KEY")]
    pub public_key: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to print completions for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The heading global options are listed under, apart from each command's own options.
pub const GLOBAL_OPTIONS: &str = "Global options";

/// `ado-scm --version`: the package version and, when built from a git checkout, the commit it
/// was built from (build.rs; a build from a source tarball says only the version).
pub const VERSION: &str = env!("ADO_SCM_VERSION");

/// The examples each command's help ends with (the man pages' EXAMPLES section too). Each
/// example is a `# what it does` line, then the command line.
pub mod examples {
    pub const ROOT: &str = "\
Examples:
  # An admin connects a runner to Azure DevOps (the wizard)
  ado-scm setup

  # A developer lets the runner reach their repositories, then checks
  ado-scm login
  ado-scm status";

    pub const SETUP: &str = "\
Examples:
  # The wizard: asks for what it needs, shows the plan, then changes
  ado-scm setup

  # The plan and every request it would send; changes nothing
  ado-scm setup --dry-run

  # In a script (a Graph token on stdin, or an app registration of your own)
  ado-scm setup --non-interactive --runner \"$RUNNER\" --org acme --graph-token-stdin --json
  ado-scm setup --non-interactive --runner \"$RUNNER\" --org acme \\
      --client-id \"$CLIENT_ID\" --client-secret-stdin

  # Azure DevOps Server (PAT only)
  ado-scm setup --runner \"$RUNNER\" --server --host ado.example.com --virtual-directory /tfs";

    pub const LOGIN: &str = "\
Examples:
  # Picks the method the integration offers, or asks
  ado-scm login

  # With a PAT (read hidden) or with Entra ID in the browser
  ado-scm login pat
  ado-scm login oauth";

    pub const LOGIN_PAT: &str = "\
Examples:
  # Shows where to create the PAT, reads it hidden, checks it, hands it over
  ado-scm login pat

  # In a script: the PAT on stdin
  printf '%s' \"$PAT\" | ado-scm login pat --runner \"$RUNNER\" --host dev.azure.com/acme --with-token";

    pub const LOGIN_OAUTH: &str = "\
Examples:
  # Opens the runner's consent page and waits until the runner says you are in
  ado-scm login oauth

  # On a machine without a browser: print the URL, wait up to 10 minutes
  ado-scm login oauth --no-browser --timeout 600";

    pub const STATUS: &str = "\
Examples:
  # Per runner and host: the methods, whether you are signed in, until when
  ado-scm status

  # In a script
  ado-scm status --json | jq '.all_authenticated'";

    pub const LOGOUT: &str = "\
Examples:
  # Remove your token for one runner and host
  ado-scm logout --runner \"$RUNNER\" --host dev.azure.com/acme

  # Also forget the stored Gitpod API token
  ado-scm logout --gitpod";

    pub const ISSUER_CHECK: &str = "\
Examples:
  # Normalise, discover and compare with the organization's tenant
  ado-scm issuer check \"https://login.microsoftonline.com/$TENANT_ID/v2.0\" --org acme";

    pub const SECRET_SEAL: &str = "\
Examples:
  # Seal a client secret to a runner's registered public key
  printf '%s' \"$SECRET\" | ado-scm secret seal --runner \"$RUNNER\"

  # Seal to a key you have (base64, or @FILE)
  printf '%s' \"$SECRET\" | ado-scm secret seal --public-key @runner.pub";

    pub const TEST: &str = "\
Examples:
  # Re-check a saved integration: Entra credentials, then the runner's validation
  ado-scm test --runner \"$RUNNER\" --host dev.azure.com";

    pub const DOCTOR: &str = "\
Examples:
  # Check every integration you can see; repair what setup can
  ado-scm doctor
  ado-scm doctor --fix

  # From cron: alert two weeks before a client secret expires (exit 4 on a warning)
  ado-scm doctor --non-interactive --json --strict --warn-days 14 > doctor.json";

    pub const APPLY: &str = "\
Examples:
  # The plan for a fleet of runners and every request; changes nothing
  ado-scm apply -f runners.toml --dry-run

  # Apply it, six runners at once, removing integrations the file no longer names
  ado-scm apply -f runners.toml --concurrency 6 --prune --yes";

    pub const EXPORT: &str = "\
Examples:
  # Today's integrations as a file, to keep in git and apply later
  ado-scm export > runners.toml
  ado-scm apply -f runners.toml --dry-run";

    pub const COMPLETIONS: &str = "\
Examples:
  # Load bash completions into this shell, or install them for your user
  source <(ado-scm completions bash)
  ado-scm completions bash > ~/.local/share/bash-completion/completions/ado-scm

  # zsh: a directory on your $fpath; fish: its completions directory
  ado-scm completions zsh > ~/.zfunc/_ado-scm
  ado-scm completions fish > ~/.config/fish/completions/ado-scm.fish";
}
