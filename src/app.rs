//! The whole program as a function of its inputs: arguments, environment, terminals and
//! streams in, an exit code out. `main` only calls it with the real ones.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

use crate::cli::Cli;
use crate::clock::{Clock, SystemClock};
use crate::commands::{self, Context};
use crate::deps::{Browser, Deps, Env, Prompter};
use crate::error::{Error, Result};
use crate::http::{Http, HttpPolicy};
use crate::settings::{Settings, Terminals};
use crate::ui::browser::{NoBrowser, SystemBrowser};
use crate::ui::prompt::{NoPrompter, TerminalPrompter};
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
        Err(err) => return usage_error(err, json_requested, io),
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
    init_logging(cli.global.verbose, cli.global.quiet, &env);
    let ui = Ui::new(settings.mode, stdout, stderr);
    let deps = match real_deps(&settings, env, ui, stdin, interrupt) {
        Ok(deps) => deps,
        Err(err) => {
            eprintln!("error: {err}");
            return err.exit_code();
        }
    };
    let mut ctx = Context::new(settings, deps);
    match commands::run(&mut ctx, cli.command) {
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
        .get("ADO_SCM_RETRY_SLEEP_MS")
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock { fixed_sleep });
    let mut policy = HttpPolicy::default();
    if let Some(secs) = env
        .get("ADO_SCM_HTTP_TIMEOUT")
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
    let browser: Box<dyn Browser> = if settings.no_browser {
        Box::new(NoBrowser)
    } else {
        Box::new(SystemBrowser::new(env.clone()))
    };
    Ok(Deps {
        env,
        ui,
        prompter,
        browser,
        clock,
        http,
        stdin,
        interrupt,
    })
}

/// Prints the error the way the contract says (first stderr line says what is wrong; with
/// `--json` one error document on stdout) and returns its exit code.
fn report(ui: &Ui, err: &Error) -> i32 {
    ui.error(err.to_string());
    ui.json(&err.to_json());
    err.exit_code()
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
                let first = rendered
                    .lines()
                    .next()
                    .unwrap_or("invalid usage")
                    .trim_start_matches("error: ")
                    .to_string();
                let doc = Error::usage(first).to_json();
                let _ = writeln!(stdout, "{doc}");
            }
            2
        }
    }
}

fn init_logging(verbose: u8, quiet: bool, env: &Env) {
    use tracing_subscriber::EnvFilter;
    let filter = match (env.get("RUST_LOG"), verbose, quiet) {
        (Some(spec), _, _) => EnvFilter::try_new(spec).unwrap_or_else(|_| EnvFilter::new("warn")),
        (None, 0, _) => EnvFilter::new("off"),
        (None, 1, _) => EnvFilter::new("ado_scm=info"),
        (None, _, _) => EnvFilter::new("ado_scm=debug"),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .with_ansi(false)
        .try_init();
}
