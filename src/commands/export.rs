//! `ado-scm export`.
use super::Context;
use crate::cli::ExportArgs;
use crate::error::Result;

pub fn run(_ctx: &mut Context, _args: ExportArgs) -> Result<()> {
    todo!()
}
