//! `ado-scm apply -f FILE`.
use super::Context;
use crate::cli::ApplyArgs;
use crate::error::Result;

pub fn run(_ctx: &mut Context, _args: ApplyArgs) -> Result<()> {
    todo!()
}
