//! `ado-scm`: parse, build the real dependencies, run, exit with the command's code.

use ado_scm::app::{run, Io};
use ado_scm::env::Env;
use ado_scm::settings::Terminals;

fn main() {
    // Read first, then hidden from every child process, before any thread starts.
    let env = Env::from_process();
    Env::keep_secrets_from_children();
    let io = Io {
        interrupt: ado_scm::interrupt::Interrupt::install(),
        stdin: Box::new(std::io::stdin()),
        stdout: Box::new(std::io::stdout()),
        stderr: Box::new(std::io::stderr()),
        terminals: Terminals::detect(),
    };
    let code = run(std::env::args_os().collect(), env, io);
    std::process::exit(code);
}
