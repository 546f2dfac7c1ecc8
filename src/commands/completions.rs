//! `ado-scm completions SHELL`, and the generators for the committed `completions/` and `man/`.

use std::path::Path;

use clap::CommandFactory;
use clap_complete::Shell;

use super::Context;
use crate::cli::{Cli, CompletionsArgs};
use crate::error::Result;

pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::PowerShell,
    Shell::Elvish,
];

/// The name the completions register for (the installed binary's name).
pub const BIN_NAME: &str = "ado-scm";

/// `ado-scm completions SHELL`: the script on stdout, whatever the output mode.
pub fn run(ctx: &Context, args: CompletionsArgs) -> Result<()> {
    let script = completions(args.shell);
    ctx.deps.ui.raw(&String::from_utf8_lossy(&script));
    Ok(())
}

/// The completion script for `shell`: what `ado-scm completions SHELL` prints and what
/// `cargo run --example gen-docs` commits under `completions/`.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), BIN_NAME, &mut out);
    if shell == Shell::Bash {
        out = bash_state_labels_fixed(&String::from_utf8_lossy(&out), BIN_NAME).into_bytes();
    }
    out
}

/// Repairs clap_complete's bash script for a binary name with a hyphen.
///
/// The script walks the words typed so far and names the command reached, escaping the binary
/// name's `-` as `__` (`ado__scm__subcmd__login`); its `case` arms escape the same `-` as the
/// subcommand separator (`ado__subcmd__scm__subcmd__login`), so no arm past the first word ever
/// matches and nothing completes after a subcommand. The arms are renamed the way the walk
/// spells them. Harmless when the generator already agrees (the prefix is then not found).
fn bash_state_labels_fixed(script: &str, bin_name: &str) -> String {
    const SEPARATOR: &str = "__subcmd__";
    let walk_prefix = format!("{}{SEPARATOR}", bin_name.replace('-', "__"));
    let arm_prefix = format!("{}{SEPARATOR}", bin_name.replace('-', SEPARATOR));
    script
        .split_inclusive('\n')
        .map(|line| {
            let label = line.trim_start();
            let indent = &line[..line.len() - label.len()];
            match label.strip_prefix(&arm_prefix) {
                Some(rest) if label.trim_end().ends_with(')') => {
                    format!("{indent}{walk_prefix}{rest}")
                }
                _ => line.to_string(),
            }
        })
        .collect()
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
    for (name, page) in super::man_pages::man_pages() {
        std::fs::write(man_dir.join(name), page)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The states the bash script's word walk assigns (`cmd="…"`) and the ones its `case` arms
    /// handle: every state reached must have an arm, or completion stops there.
    fn bash_states(script: &str) -> (Vec<String>, Vec<String>) {
        let mut assigned: Vec<String> = script
            .lines()
            .filter_map(|l| l.trim().strip_prefix("cmd=\""))
            .filter_map(|l| l.strip_suffix('"'))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let dispatch = script
            .split("case \"${cmd}\" in")
            .nth(1)
            .expect("the dispatch on the command reached");
        let mut handled: Vec<String> = dispatch
            .lines()
            .filter(|l| l.starts_with("        ") && !l.starts_with("         "))
            .filter_map(|l| l.trim().strip_suffix(')'))
            .map(str::to_string)
            .collect();
        assigned.sort();
        assigned.dedup();
        handled.sort();
        (assigned, handled)
    }

    #[test]
    fn every_bash_state_reached_has_its_case_arm() {
        let script = String::from_utf8(completions(Shell::Bash)).unwrap();
        let (assigned, handled) = bash_states(&script);
        assert!(assigned.contains(&"ado__scm__subcmd__login__subcmd__pat".to_string()));
        assert_eq!(assigned, handled);
    }

    #[test]
    fn bash_repair_leaves_agreeing_scripts_alone() {
        let script = "    case \"${cmd}\" in\n        tool__subcmd__run)\n";
        assert_eq!(bash_state_labels_fixed(script, "tool"), script);
    }
}
