//! The man pages committed under `man/`: one for `ado-scm` and one per (sub)command, rendered
//! by clap_mangen from `src/cli.rs`, with the sections clap does not know about added: EXAMPLES
//! (the examples each command's help ends with), EXIT STATUS, ENVIRONMENT, FILES and SEE ALSO.

use std::io::Write;

use clap::CommandFactory;
use clap_mangen::roff::{bold, roman, Roff};
use clap_mangen::Man;

use crate::cli::Cli;

/// What every command's exit code means (the README's "Exit codes").
const EXIT_STATUS: [(&str, &str); 6] = [
    ("0", "Success."),
    (
        "1",
        "Failed: a service error or something unexpected (the message names the service).",
    ),
    ("2", "Usage or invalid input; nothing was changed anywhere."),
    ("3", "Not signed in, or a credential was rejected."),
    ("4", "A check, validation or precondition failed."),
    ("130", "Interrupted (Ctrl-C); nothing half-written."),
];

/// Variables every command reads besides the ones that stand for a flag.
const ENVIRONMENT: [(&str, &str); 6] = [
    (
        "GITPOD_API_KEY, ONA_API_KEY",
        "The Gitpod (Ona) API token (Gitpod: Settings, Personal access tokens), used as it is and \
         never stored; --gitpod-token-stdin takes precedence. Without either, the token in the \
         secret store is used, or ado-scm asks for one.",
    ),
    (
        "BROWSER",
        "The command that opens URLs (not used with --no-browser).",
    ),
    ("NO_COLOR", "Plain output without colours, like --no-color."),
    (
        "XDG_CONFIG_HOME",
        "Where the default config directory is: $XDG_CONFIG_HOME/ado-scm (else ~/.config/ado-scm).",
    ),
    (
        "ADO_SCM_HTTP_TIMEOUT",
        "Seconds to wait for each HTTP request [default: 30].",
    ),
    (
        "RUST_LOG",
        "Log filter for the messages on stderr (tracing's EnvFilter syntax), instead of the one \
         -v sets.",
    ),
];

/// Variables only `setup` reads (the Graph token also `doctor` and `apply`).
const SETUP_ENVIRONMENT: [(&str, &str); 2] = [
    (
        "ADO_SCM_CLIENT_SECRET",
        "The client secret of the app registration given with --client-id, instead of \
         --client-secret-stdin or the prompt.",
    ),
    (
        "ADO_SCM_GRAPH_TOKEN",
        "A Microsoft Graph access token, instead of --graph-token-stdin or signing in.",
    ),
];

const FILES: [(&str, &str); 2] = [
    (
        "$XDG_CONFIG_HOME/ado-scm/config.toml",
        "Non-secret defaults saved by the last successful run (Gitpod URL, runner, host, \
         organization, tenant, client id, store). Another file with --config or ADO_SCM_CONFIG.",
    ),
    (
        "credentials.toml",
        "Beside the config file, mode 0600: the secrets, only with --store file. Otherwise \
         secrets are kept in the OS keyring, under the service ado-scm.",
    ),
];

/// Every man page as (file name, roff).
pub fn man_pages() -> Vec<(String, Vec<u8>)> {
    let mut root = Cli::command();
    root.build();
    let mut pages = Vec::new();
    collect_pages(&root, "ado-scm", &[], &mut pages);
    pages
}

fn collect_pages(
    cmd: &clap::Command,
    name: &str,
    parents: &[String],
    pages: &mut Vec<(String, Vec<u8>)>,
) {
    pages.push((format!("{name}.1"), page(cmd, name, parents)));
    let mut lineage = parents.to_vec();
    lineage.push(name.to_string());
    for sub in documented_subcommands(cmd) {
        collect_pages(sub, &format!("{name}-{}", sub.get_name()), &lineage, pages);
    }
}

/// The subcommands that get a page: all but clap's `help`, which `--help` covers.
fn documented_subcommands(cmd: &clap::Command) -> impl Iterator<Item = &clap::Command> {
    cmd.get_subcommands().filter(|sub| sub.get_name() != "help")
}

fn page(cmd: &clap::Command, name: &str, parents: &[String]) -> Vec<u8> {
    // The page names the package version only: the commit in `--version` would make the
    // committed pages stale at every commit.
    let cmd = cmd
        .clone()
        .name(name.to_string())
        .version(env!("CARGO_PKG_VERSION"))
        .mut_subcommands(|sub| {
            let is_help = sub.get_name() == "help";
            sub.hide(is_help)
        });
    let man = Man::new(cmd.clone())
        .source(format!("ado-scm {}", env!("CARGO_PKG_VERSION")))
        .manual("ado-scm manual");
    let mut out = Vec::new();
    let rendered: std::io::Result<()> = (|| {
        man.render_title(&mut out)?;
        man.render_name_section(&mut out)?;
        man.render_synopsis_section(&mut out)?;
        man.render_description_section(&mut out)?;
        if cmd.get_arguments().any(|arg| !arg.is_hide_set()) {
            man.render_options_section(&mut out)?;
        }
        if cmd.get_subcommands().any(|sub| !sub.is_hide_set()) {
            man.render_subcommands_section(&mut out)?;
        }
        let mut roff = Roff::new();
        examples(&mut roff, &cmd);
        definitions(&mut roff, "EXIT STATUS", &EXIT_STATUS);
        environment(&mut roff, &cmd, name);
        definitions(&mut roff, "FILES", &FILES);
        see_also(&mut roff, parents);
        roff.to_writer(&mut out)?;
        man.render_version_section(&mut out)?;
        out.flush()
    })();
    rendered.expect("rendering a man page into memory");
    out
}

/// The examples the command's help ends with (`after_help`, after its "Examples:" line).
fn examples(roff: &mut Roff, cmd: &clap::Command) {
    let Some(text) = cmd.get_after_help().map(|help| help.to_string()) else {
        return;
    };
    roff.control("SH", ["EXAMPLES"]);
    roff.control("nf", []);
    for line in text.lines().skip_while(|line| line.ends_with(':')) {
        roff.text([roman(line.strip_prefix("  ").unwrap_or(line))]);
    }
    roff.control("fi", []);
}

/// The command's own environment variables (those of its flags), then the ones every command
/// reads, then `setup`'s (and the Graph token of `doctor` and `apply`).
fn environment(roff: &mut Roff, cmd: &clap::Command, name: &str) {
    let mut entries: Vec<(String, String)> = Vec::new();
    for arg in cmd.get_arguments().filter(|arg| !arg.is_hide_set()) {
        let (Some(var), Some(long)) = (arg.get_env(), arg.get_long()) else {
            continue;
        };
        entries.push((
            var.to_string_lossy().into_owned(),
            format!("Same as --{long}."),
        ));
    }
    let extra = match name {
        "ado-scm-setup" => &SETUP_ENVIRONMENT[..],
        // The Graph token, which doctor and apply read as setup does.
        "ado-scm-doctor" | "ado-scm-apply" => &SETUP_ENVIRONMENT[1..],
        _ => &[],
    };
    for (var, meaning) in ENVIRONMENT.iter().chain(extra) {
        entries.push((var.to_string(), meaning.to_string()));
    }
    roff.control("SH", ["ENVIRONMENT"]);
    for (var, meaning) in entries {
        roff.control("TP", []);
        roff.text([bold(var)]);
        roff.text([roman(meaning)]);
    }
}

fn definitions(roff: &mut Roff, heading: &str, entries: &[(&str, &str)]) {
    roff.control("SH", [heading]);
    for (term, meaning) in entries {
        roff.control("TP", []);
        roff.text([bold(*term)]);
        roff.text([roman(*meaning)]);
    }
}

/// The pages above this one (the subcommands' pages are listed under SUBCOMMANDS).
fn see_also(roff: &mut Roff, parents: &[String]) {
    if parents.is_empty() {
        return;
    }
    roff.control("SH", ["SEE ALSO"]);
    let mut line = Vec::new();
    for (i, parent) in parents.iter().enumerate() {
        if i > 0 {
            line.push(roman(", "));
        }
        line.push(bold(parent.as_str()));
        line.push(roman("(1)"));
    }
    roff.text(line);
}
