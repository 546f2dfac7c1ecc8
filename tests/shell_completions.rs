//! The committed completion scripts (`completions/`) in real shells: each shell starts in a
//! pseudo-terminal with the script loaded the way that shell loads it, a line is typed, Tab is
//! pressed, and the line the shell then runs is read back.
//!
//! `ado-scm` is defined in each shell as a function that prints its arguments, so pressing
//! Enter shows exactly what completion put on the line (shells pick completions by command
//! name, so the function gets the script's completions).
//!
//! A shell that is not installed fails the test under `CI=true`; elsewhere the test says loudly
//! that it skipped and what to install (`scripts/install-real-components` installs them all).
//! PowerShell is not packaged for Debian 12 and has no test here.

use std::path::{Path, PathBuf};
use std::process::Command;

use rexpect::session::{spawn_command, PtySession};
use tempfile::TempDir;

const TIMEOUT_MS: u64 = 15_000;
const PROMPT: &str = "READY> ";

/// The two completions the README promises, as (typed before Tab, the line run afterwards).
const CASES: [(&str, &str); 2] = [
    ("ado-scm login pat --w", "login pat --with-token"),
    ("ado-scm setup --ru", "setup --runner"),
];

fn committed(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("completions")
        .join(file)
}

/// Where `program` is on PATH, or `None` after saying why the test does not run (a failure
/// under `CI=true`, where every shell must be installed).
fn installed(program: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
    });
    if found.is_none() {
        let hint = format!(
            "{program} is not installed: run scripts/install-real-components \
             (or apt-get install -y {program})"
        );
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{hint}");
        }
        eprintln!("************************************************************");
        eprintln!("SKIPPED shell completion test: {hint}");
        eprintln!("************************************************************");
    }
    found
}

/// A shell command with nothing inherited from the developer's environment: a private HOME, a
/// plain terminal type and the system PATH.
fn clean_command(program: &Path, home: &Path) -> Command {
    let mut cmd = Command::new(program);
    cmd.env_clear()
        .env("HOME", home)
        .env("TERM", "xterm")
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .env("INPUTRC", "/dev/null")
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .current_dir(home);
    cmd
}

/// Types each case's line, presses Tab, then Enter, and checks the arguments `ado-scm` got.
fn assert_completes(mut shell: PtySession, name: &str) {
    shell.exp_string(PROMPT).unwrap_or_else(|e| {
        panic!("{name} did not show its prompt: {e}");
    });
    for (typed, want) in CASES {
        shell.send(typed).unwrap();
        shell.send("\t").unwrap();
        shell.flush().unwrap();
        shell.send("\r").unwrap();
        shell.flush().unwrap();
        let (_, line) = shell
            .exp_regex(r"ARGS<[^>]*>")
            .unwrap_or_else(|e| panic!("{name}: `{typed}<Tab>` ran nothing: {e}"));
        assert_eq!(
            line,
            format!("ARGS<{want}>"),
            "{name}: `{typed}<Tab>` did not complete"
        );
        shell.exp_string(PROMPT).unwrap();
    }
    shell.send_control('d').ok();
}

#[test]
fn bash_completes_subcommand_flags_from_the_committed_script() {
    let Some(bash) = installed("bash") else {
        return;
    };
    let home = TempDir::new().unwrap();
    let rc = home.path().join("bashrc");
    std::fs::write(
        &rc,
        format!(
            "PS1='{PROMPT}'\n\
             ado-scm() {{ printf 'ARGS<%s>\\n' \"$*\"; }}\n\
             source '{}'\n",
            committed("ado-scm.bash").display()
        ),
    )
    .unwrap();
    let mut cmd = clean_command(&bash, home.path());
    cmd.args(["--noprofile", "--rcfile"]).arg(&rc).arg("-i");
    assert_completes(spawn_command(cmd, Some(TIMEOUT_MS)).unwrap(), "bash");
}

#[test]
fn zsh_completes_subcommand_flags_from_the_committed_script() {
    let Some(zsh) = installed("zsh") else {
        return;
    };
    let home = TempDir::new().unwrap();
    // zsh finds `_ado-scm` on its fpath, as in /usr/share/zsh/vendor-completions.
    let functions = home.path().join("functions");
    std::fs::create_dir(&functions).unwrap();
    std::fs::copy(committed("_ado-scm"), functions.join("_ado-scm")).unwrap();
    std::fs::write(
        home.path().join(".zshrc"),
        format!(
            "PS1='{PROMPT}'\n\
             fpath=('{}' $fpath)\n\
             autoload -Uz compinit && compinit -u -D\n\
             ado-scm() {{ print -r -- \"ARGS<$*>\" }}\n",
            functions.display()
        ),
    )
    .unwrap();
    let mut cmd = clean_command(&zsh, home.path());
    // -d: no system-wide startup files, only the .zshrc above.
    cmd.env("ZDOTDIR", home.path()).args(["-d", "-i"]);
    assert_completes(spawn_command(cmd, Some(TIMEOUT_MS)).unwrap(), "zsh");
}

#[test]
fn fish_completes_subcommand_flags_from_the_committed_script() {
    let Some(fish) = installed("fish") else {
        return;
    };
    let home = TempDir::new().unwrap();
    let init = format!(
        "function fish_prompt; echo -n '{PROMPT}'; end; \
         function fish_greeting; end; \
         function ado-scm; echo \"ARGS<$argv>\"; end; \
         source '{}'",
        committed("ado-scm.fish").display()
    );
    let mut cmd = clean_command(&fish, home.path());
    cmd.args(["--no-config", "-i", "-C", &init]);
    assert_completes(spawn_command(cmd, Some(TIMEOUT_MS)).unwrap(), "fish");
}

#[test]
fn elvish_completes_subcommand_flags_from_the_committed_script() {
    let Some(elvish) = installed("elvish") else {
        return;
    };
    let home = TempDir::new().unwrap();
    let script = std::fs::read_to_string(committed("ado-scm.elv")).unwrap();
    let rc = home.path().join("rc.elv");
    std::fs::write(
        &rc,
        format!(
            "{script}\n\
             set edit:prompt = {{ put '{PROMPT}' }}\n\
             set edit:rprompt = {{ put '' }}\n\
             fn ado-scm {{|@args| echo 'ARGS<'(str:join ' ' $args)'>' }}\n"
        ),
    )
    .unwrap();
    let mut cmd = clean_command(&elvish, home.path());
    cmd.arg("-rc").arg(&rc);
    assert_completes(spawn_command(cmd, Some(TIMEOUT_MS)).unwrap(), "elvish");
}
