//! One module per command: each turns flags and prompts into the values a flow needs, runs
//! it, and prints the result.

pub mod apply;
pub mod completions;
pub mod context;
pub mod doctor;
pub mod export;
pub mod graph_tokens;
pub mod issuer;
pub mod login;
pub mod logout;
pub mod man_pages;
pub mod secret;
pub mod setup;
pub mod status;
pub mod test;
#[cfg(test)]
pub(crate) mod test_support;

pub use context::Context;

use crate::cli::Command;
use crate::error::Result;

/// Runs one command: each resolves what it was asked into its options (flags, config, then
/// questions), then carries them out.
pub fn run(ctx: &Context, command: Command) -> Result<()> {
    match command {
        Command::Login(args) => login::run(ctx, args),
        Command::Status(args) => status::run(ctx, args),
        Command::Logout(args) => logout::run(ctx, args),
        Command::Completions(args) => completions::run(ctx, args),
        Command::Setup(args) => setup::run(ctx, args),
        Command::Issuer(command) => issuer::run(ctx, command),
        Command::Secret(command) => secret::run(ctx, command),
        Command::Test(args) => test::run(ctx, args),
        Command::Doctor(args) => doctor::run(ctx, args),
        Command::Apply(args) => apply::run(ctx, args),
        Command::Export(args) => export::run(ctx, args),
    }
}
