//! One module per command: each turns flags and prompts into the values a flow needs, runs
//! it, and prints the result.

pub mod completions;
pub mod context;
pub mod login;
pub mod logout;
pub mod status;

pub use context::Context;

use crate::cli::Command;
use crate::error::{Error, Result};

pub fn run(ctx: &mut Context, command: Command) -> Result<()> {
    match command {
        Command::Login(args) => login::run(ctx, args),
        Command::Status(args) => status::run(ctx, args),
        Command::Logout(args) => logout::run(ctx, args),
        Command::Completions(args) => {
            let text = completions::completions(args.shell);
            ctx.deps.ui.raw(&String::from_utf8_lossy(&text));
            Ok(())
        }
        Command::Setup(_) | Command::Issuer(_) | Command::Secret(_) | Command::Test(_) => Err(
            Error::usage("this command is not available in this build yet"),
        ),
    }
}
