//! `ado-scm completions SHELL`, and the generators for the committed `completions/` and `man/`.

use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::PowerShell,
    Shell::Elvish,
];

pub fn completions(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ado-scm", &mut out);
    out
}

/// The file name each shell's completions are committed under.
pub fn completion_file_name(shell: Shell) -> String {
    match shell {
        Shell::Bash => "ado-scm.bash".into(),
        Shell::Zsh => "_ado-scm".into(),
        Shell::Fish => "ado-scm.fish".into(),
        Shell::PowerShell => "_ado-scm.ps1".into(),
        Shell::Elvish => "ado-scm.elv".into(),
        _ => format!("ado-scm.{shell}"),
    }
}

/// Every man page: one for `ado-scm` and one per (sub)command, as (file name, roff).
pub fn man_pages() -> Vec<(String, Vec<u8>)> {
    let mut pages = Vec::new();
    let mut root = Cli::command();
    root.build();
    collect_pages(&root, "ado-scm", &mut pages);
    pages
}

fn collect_pages(cmd: &clap::Command, name: &str, pages: &mut Vec<(String, Vec<u8>)>) {
    let mut out = Vec::new();
    let page_cmd = cmd.clone().name(name.to_string());
    if clap_mangen::Man::new(page_cmd).render(&mut out).is_ok() {
        pages.push((format!("{name}.1"), out));
    }
    for sub in cmd.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        collect_pages(sub, &format!("{name}-{}", sub.get_name()), pages);
    }
}

/// Writes `completions/` and `man/` under `root` (used by `cargo run --example gen-docs`-style
/// tooling and by the staleness test).
pub fn write_all(root: &Path) -> std::io::Result<()> {
    let completions_dir = root.join("completions");
    let man_dir = root.join("man");
    std::fs::create_dir_all(&completions_dir)?;
    std::fs::create_dir_all(&man_dir)?;
    for shell in SHELLS {
        std::fs::write(
            completions_dir.join(completion_file_name(shell)),
            completions(shell),
        )?;
    }
    for (name, page) in man_pages() {
        std::fs::write(man_dir.join(name), page)?;
    }
    Ok(())
}
