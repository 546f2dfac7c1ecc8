//! `ado-scm secret seal (--runner ID | --public-key KEY)`: read a secret on stdin (or, at a
//! terminal, a hidden prompt) and print it sealed to the runner's X25519 public key, as
//! standard base64: what ValidateRunnerConfiguration takes as `oauthEncryptedClientSecret`.
//!
//! The key is checked before the secret is read: a bad key is exit 2 with nothing read.

use serde_json::json;

use super::context::Context;
use crate::cli::{SealArgs, SecretCommand};
use crate::error::{Error, Result};
use crate::seal::{self, parse_public_key};
use crate::secret::Secret;
use crate::stdin::StdinUser;

pub fn run(ctx: &Context, command: SecretCommand) -> Result<()> {
    match command {
        SecretCommand::Seal(args) => seal_secret(ctx, args),
    }
}

fn seal_secret(ctx: &Context, args: SealArgs) -> Result<()> {
    let key = match (&args.public_key, &args.runner) {
        (Some(raw), _) => parse_public_key(raw, |path| std::fs::read(path))?,
        (None, Some(id)) => {
            ctx.deps.stdin.claim(&[
                (ctx.settings.gitpod_token_stdin, StdinUser::GITPOD_TOKEN),
                (!ctx.interactive(), StdinUser::SECRET_TO_SEAL),
            ])?;
            let runner = ctx.get_runner(id)?;
            ctx.remember_gitpod_token()?;
            runner.public_key()?
        }
        (None, None) => {
            return Err(Error::usage("say whom to seal to")
                .with_hint("pass --runner ID or --public-key KEY"))
        }
    };
    let secret: Secret = if ctx.interactive() {
        let typed = ctx.deps.prompter.password("Secret to seal (hidden)")?;
        Secret::from_input(typed.expose().to_string(), "secret")?
    } else {
        ctx.deps.stdin.read_secret("secret")?
    };
    let sealed = seal::seal(&key, &secret)?;
    let ui = &ctx.deps.ui;
    ui.info(format!("Sealed to the key {}.", key.fingerprint()));
    if ui.mode.json {
        ui.json(&json!({
            "sealed": sealed,
            "public_key": key.to_base64(),
            "fingerprint": key.fingerprint(),
        }));
    } else {
        ui.raw(&format!("{sealed}\n"));
    }
    Ok(())
}
