//! "Did you mean" for mistyped subcommands and flags.
//!
//! clap ranks its suggestions by similarity of spelling only, which misleads here: `login pta`
//! gets no suggestion at all, `stup` lists `status` before `setup`, and a mistyped `--with-token`
//! is pointed at `--gitpod-token-stdin` (which would send a PAT to the Gitpod API as its token).
//! [`corrected`] replaces clap's suggestions in those errors with ranks a person expects: a
//! near spelling first (a swap of two letters counts as one edit), then the command's own flags
//! before the global ones, and a flag of a subcommand (`login --with-token` → `login pat
//! --with-token`) before a global flag that only shares a word.

use std::ffi::OsString;

use clap::builder::StyledStr;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::CommandFactory;

use super::Cli;

/// Words that say how a flag reads its value, not what the value is: `--token-stdin` means
/// the same token as `--with-token`.
const MANNER_WORDS: [&str; 1] = ["stdin"];

/// `err` with its suggestions replaced by ours, when it is about an unknown subcommand or flag.
pub fn corrected(mut err: clap::Error, args: &[OsString]) -> clap::Error {
    match err.kind() {
        ErrorKind::InvalidSubcommand => {
            let Some(ContextValue::String(typed)) = err.get(ContextKind::InvalidSubcommand) else {
                return err;
            };
            let typed = typed.clone();
            let mut root = Cli::command();
            root.build();
            let cmd = command_reached(&root, args, &typed);
            let names: Vec<&str> = cmd.get_subcommands().map(|s| s.get_name()).collect();
            let suggestions = subcommand_suggestions(&typed, &names);
            if suggestions.is_empty() {
                err.remove(ContextKind::SuggestedSubcommand);
            } else {
                err.insert(
                    ContextKind::SuggestedSubcommand,
                    ContextValue::Strings(suggestions),
                );
            }
            err
        }
        ErrorKind::UnknownArgument => {
            let Some(ContextValue::String(typed)) = err.get(ContextKind::InvalidArg) else {
                return err;
            };
            let typed = typed.clone();
            let Some(name) = typed.strip_prefix("--") else {
                return err;
            };
            let name = name.split('=').next().unwrap_or_default().to_string();
            let mut root = Cli::command();
            root.build();
            let cmd = command_reached(&root, args, &typed);
            let suggestion = flag_suggestion(&name, cmd);
            // clap's own tips, less the ones about flags; "to pass it as a value" stays.
            let mut tips: Vec<StyledStr> = match err.remove(ContextKind::Suggested) {
                Some(ContextValue::StyledStrs(tips)) => tips
                    .into_iter()
                    .filter(|tip| tip.to_string().starts_with("to pass"))
                    .collect(),
                _ => Vec::new(),
            };
            err.remove(ContextKind::SuggestedArg);
            match suggestion {
                Some(FlagSuggestion::Here(flag)) => {
                    err.insert(
                        ContextKind::SuggestedArg,
                        ContextValue::String(format!("--{flag}")),
                    );
                }
                Some(FlagSuggestion::InSubcommand(command, flag)) => {
                    tips.push(format!("'{command} --{flag}' exists").into());
                }
                None => {}
            }
            if !tips.is_empty() {
                err.insert(ContextKind::Suggested, ContextValue::StyledStrs(tips));
            }
            // clap's usage line spells out the flag it suggested; show the command's own.
            err.insert(
                ContextKind::Usage,
                ContextValue::StyledStr(cmd.clone().render_usage()),
            );
            err
        }
        _ => err,
    }
}

/// The (sub)command the words before `stop` lead to.
fn command_reached<'a>(
    root: &'a clap::Command,
    args: &[OsString],
    stop: &str,
) -> &'a clap::Command {
    let mut cmd = root;
    for arg in args.iter().skip(1) {
        let arg = arg.to_string_lossy();
        if arg == stop || arg == "--" || arg.starts_with(&format!("{stop}=")) {
            break;
        }
        if let Some(sub) = cmd.find_subcommand(arg.as_ref()) {
            cmd = sub;
        }
    }
    cmd
}

/// Edits allowed for a name to count as a typo of another: one for short names, up to three.
fn max_edits(typed: &str) -> usize {
    (typed.chars().count() / 3).clamp(1, 3)
}

/// The subcommands `typed` may have meant, nearest first: a few edits away (a swap of two
/// letters is one), or a name it begins.
pub fn subcommand_suggestions(typed: &str, names: &[&str]) -> Vec<String> {
    let mut near: Vec<(usize, &str)> = names
        .iter()
        .map(|name| (strsim::osa_distance(typed, name), *name))
        .filter(|(edits, name)| {
            *edits <= max_edits(typed) || (typed.len() >= 2 && name.starts_with(typed))
        })
        .collect();
    near.sort();
    near.into_iter().map(|(_, name)| name.to_string()).collect()
}

#[derive(Debug, PartialEq, Eq)]
pub enum FlagSuggestion {
    /// A flag of the command itself (its own or a global one), without `--`.
    Here(String),
    /// A flag of one of its subcommands: the subcommand's full command line and the flag.
    InSubcommand(String, String),
}

/// The flag `typed` (without `--`) probably meant, for `cmd`:
/// 1. a flag of `cmd` a few edits away (its own before a global one at the same distance);
/// 2. else a flag of a subcommand, spelled alike or naming the same things;
/// 3. else a flag of `cmd` whose name holds every word of `typed` (its own first).
pub fn flag_suggestion(typed: &str, cmd: &clap::Command) -> Option<FlagSuggestion> {
    let flags = long_flags(cmd);
    let typo = flags
        .iter()
        .map(|(name, global)| (strsim::osa_distance(typed, name), *global, name))
        .filter(|(edits, _, _)| *edits <= max_edits(typed))
        .min();
    if let Some((_, _, name)) = typo {
        return Some(FlagSuggestion::Here(name.clone()));
    }
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let own = long_flags(sub).into_iter().filter(|(_, global)| !global);
        if let Some((name, _)) = own.into_iter().find(|(name, _)| {
            strsim::osa_distance(typed, name) <= max_edits(typed)
                || same_words(typed, name).is_some()
        }) {
            let command = sub
                .get_bin_name()
                .map(str::to_string)
                .unwrap_or_else(|| sub.get_name().to_string());
            return Some(FlagSuggestion::InSubcommand(command, name));
        }
    }
    flags
        .iter()
        .filter_map(|(name, global)| same_words(typed, name).map(|extra| (*global, extra, name)))
        .min()
        .map(|(_, _, name)| FlagSuggestion::Here(name.clone()))
}

/// Every visible long flag of `cmd`, with whether it is a global one.
fn long_flags(cmd: &clap::Command) -> Vec<(String, bool)> {
    cmd.get_arguments()
        .filter(|arg| !arg.is_hide_set())
        .filter_map(|arg| {
            let global = arg.get_help_heading() == Some(super::GLOBAL_OPTIONS);
            arg.get_long().map(|long| (long.to_string(), global))
        })
        .collect()
}

/// When every word of `typed` (but how-it-is-read words) is a word of `flag`, or begins one,
/// how many words `flag` has besides.
fn same_words(typed: &str, flag: &str) -> Option<usize> {
    let words = |s: &str| -> Vec<String> {
        s.split(['-', '_'])
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let typed_words: Vec<String> = words(typed)
        .into_iter()
        .filter(|w| !MANNER_WORDS.contains(&w.as_str()))
        .collect();
    let flag_words = words(flag);
    if typed_words.is_empty() {
        return None;
    }
    let all_found = typed_words.iter().all(|typed| {
        flag_words
            .iter()
            .any(|word| word == typed || (typed.len() >= 3 && word.starts_with(typed.as_str())))
    });
    all_found.then(|| flag_words.len().saturating_sub(typed_words.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(path: &[&str]) -> clap::Command {
        let mut root = Cli::command();
        root.build();
        let mut cmd = &root;
        for name in path {
            cmd = cmd.find_subcommand(name).unwrap();
        }
        cmd.clone()
    }

    fn here(flag: &str) -> Option<FlagSuggestion> {
        Some(FlagSuggestion::Here(flag.to_string()))
    }

    #[test]
    fn subcommands_a_letter_swap_or_a_missing_letter_away_come_first() {
        let top = [
            "setup", "login", "status", "logout", "issuer", "secret", "test", "help",
        ];
        assert_eq!(subcommand_suggestions("stup", &top), ["setup"]);
        assert_eq!(subcommand_suggestions("staus", &top), ["status"]);
        assert_eq!(
            subcommand_suggestions("pta", &["pat", "oauth", "help"]),
            ["pat"]
        );
        assert_eq!(subcommand_suggestions("log", &top), ["login", "logout"]);
        assert!(subcommand_suggestions("deploy", &top).is_empty());
    }

    #[test]
    fn a_mistyped_with_token_is_never_the_gitpod_token() {
        let pat = command(&["login", "pat"]);
        for typed in [
            "with-tokne",
            "withtoken",
            "with_token",
            "token",
            "token-stdin",
            "with-token-stdin",
        ] {
            assert_eq!(
                flag_suggestion(typed, &pat),
                here("with-token"),
                "login pat --{typed}"
            );
        }
        let login = command(&["login"]);
        for typed in ["with-token", "token"] {
            assert_eq!(
                flag_suggestion(typed, &login),
                Some(FlagSuggestion::InSubcommand(
                    "ado-scm login pat".into(),
                    "with-token".into()
                )),
                "login --{typed}"
            );
        }
        assert_eq!(flag_suggestion("with-token", &command(&["status"])), None);
    }

    #[test]
    fn global_flags_are_still_suggested_for_their_own_typos() {
        let setup = command(&["setup"]);
        assert_eq!(
            flag_suggestion("gitpod-token", &setup),
            here("gitpod-token-stdin")
        );
        assert_eq!(flag_suggestion("jsn", &setup), here("json"));
        assert_eq!(flag_suggestion("dryrun", &setup), here("dry-run"));
        assert_eq!(
            flag_suggestion("secret-expiry", &setup),
            here("secret-expiry-days")
        );
    }
}
