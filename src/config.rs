//! `config.toml`: the non-secret defaults a user saved (Gitpod URL, runner, host, org, tenant,
//! client id, store).
//!
//! What must never happen here:
//! - **A secret in this file.** No field may ever hold a token, a PAT, a client secret or a
//!   refresh token: those live only in the secret store (`crate::store`). The file is written
//!   with mode 0600 anyway, because a runner id or a tenant is nobody else's business.
//! - **A silent overwrite.** A file we cannot parse is reported (path, line and column) and left
//!   exactly as it is; [`update`] re-reads it under the lock and refuses to write over it.
//! - **A torn or lost write.** [`update`] takes an exclusive lock on a sibling `config.toml.lock`,
//!   re-reads the file under it, and replaces the file atomically (temporary file in the same
//!   directory, mode 0600 before any byte is written, fsync, rename). Two runs at once both land.
//!
//! Unknown keys (written by a newer ado-scm, or a typo) are tolerated: [`load`] logs a warning
//! naming them and [`update`] keeps them as they are. Comments in the file are not kept by
//! [`update`]: it rewrites the file from its values, under a header saying what the file is.

use std::collections::BTreeSet;
use std::fs;
use std::io::ErrorKind as IoErrorKind;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::env::{Env, EnvVars};
use crate::error::{Error, Result};
use crate::files::{self, lock_beside, write_private, Existing};

/// The saved defaults. Every field is optional; a missing file is `Config::default()`.
///
/// No field may hold a secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Gitpod (Ona) management API base URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gitpod_url: Option<String>,
    /// Runner id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runner: Option<String>,
    /// Azure DevOps host as saved on the runner (`dev.azure.com`, `dev.azure.com/ORG`, a Server host).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Azure DevOps organization (or Server collection).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// Entra tenant (GUID or domain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Client id of the Entra app registration (public, not a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Where secrets are kept: `keyring` or `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
}

/// The keys [`Config`] knows; any other key in the file is tolerated and kept.
const KNOWN_KEYS: [&str; 7] = [
    "gitpod_url",
    "runner",
    "host",
    "org",
    "tenant",
    "client_id",
    "store",
];

const HEADER: &str = "# ado-scm configuration: non-secret defaults only.\n\
# Secrets live in the OS keyring (or credentials.toml with --store file), never here.\n\n";

/// `$XDG_CONFIG_HOME/ado-scm/config.toml`, else `$HOME/.config/ado-scm/config.toml` on Unix,
/// else the platform's config directory (`%APPDATA%`, `~/Library/Application Support`).
/// `None` when none of them can be found.
///
/// A relative `XDG_CONFIG_HOME` is ignored, as the XDG Base Directory spec requires; so is a
/// relative `HOME`, here and in the platform's answer (which reads `HOME` too): a relative base
/// would put the config, and `credentials.toml` beside it, under whatever the current directory
/// happens to be.
pub fn default_path(env: &Env) -> Option<PathBuf> {
    let base = env
        .get(EnvVars::XDG_CONFIG_HOME)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            if cfg!(unix) {
                env.get(EnvVars::HOME)
                    .map(PathBuf::from)
                    .filter(|p| p.is_absolute())
                    .map(|home| home.join(".config"))
            } else {
                None
            }
        })
        .or_else(|| {
            directories::BaseDirs::new()
                .map(|dirs| dirs.config_dir().to_path_buf())
                .filter(|p| p.is_absolute())
        })?;
    Some(base.join("ado-scm").join("config.toml"))
}

/// Reads the config. A missing file, or the null device (`--config /dev/null`), is
/// `Config::default()`; a file that cannot be read or parsed is an error naming the path (and
/// the line and column), and is left untouched.
pub fn load(path: &Path) -> Result<Config> {
    Ok(read(path)?.map(|(config, _)| config).unwrap_or_default())
}

/// Changes the config under an exclusive lock and writes it atomically, mode 0600, creating the
/// directory (mode 0700) if needed. Returns the config as written.
///
/// The file is re-read under the lock, so a change made by another run in the meantime is kept;
/// a corrupt file is an error and nothing is written.
pub fn update(path: &Path, change: impl FnOnce(&mut Config)) -> Result<Config> {
    let target = resolve_symlink(path);
    match files::existing(&target)? {
        Existing::Missing | Existing::Regular => {}
        Existing::NullDevice => {
            // `--config /dev/null`: no config file, so nothing to save (and never the device
            // replaced by a file, or a lock file created in /dev).
            let mut config = Config::default();
            change(&mut config);
            tracing::info!("the config file is the null device: nothing saved");
            return Ok(config);
        }
        Existing::Other(kind) => return Err(files::not_a_file("config file", &target, kind)),
    }
    let _lock = lock_beside(&target, "config file")?;
    let (mut config, mut table) = read(&target)?.unwrap_or_default();
    change(&mut config);

    // Known keys come from `config`; unknown ones are kept as they were.
    for key in KNOWN_KEYS {
        table.remove(key);
    }
    match toml::Value::try_from(&config) {
        Ok(toml::Value::Table(known)) => table.extend(known),
        Ok(_) => unreachable!("a struct serializes to a table"),
        Err(err) => return Err(Error::local("cannot serialize the config").caused_by(err)),
    }
    let body = toml::to_string(&table)
        .map_err(|err| Error::local("cannot serialize the config").caused_by(err))?;
    write_private(&target, format!("{HEADER}{body}").as_bytes(), "config file")?;
    Ok(config)
}

/// Reads and parses the file: `None` when it does not exist.
fn read(path: &Path) -> Result<Option<(Config, toml::Table)>> {
    match files::existing(path)? {
        Existing::Missing | Existing::NullDevice => return Ok(None),
        Existing::Regular => {}
        Existing::Other(kind) => return Err(files::not_a_file("config file", path, kind)),
    }
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == IoErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(
                Error::local(format!("cannot read config file {}", path.display()))
                    .caused_by(err)
                    .with_hint("check its permissions, or pass --config PATH"),
            )
        }
    };
    let text = String::from_utf8(bytes).map_err(|_| {
        Error::local(format!("config file {} is not valid UTF-8", path.display()))
            .with_hint("fix or remove it")
    })?;
    // Parsed twice: once as `Config` for errors with a position (wrong types included), once as
    // a table to keep and report unknown keys.
    let config: Config =
        toml::from_str(&text).map_err(|err| toml_error("config file", path, &text, &err))?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|err| toml_error("config file", path, &text, &err))?;
    let unknown: BTreeSet<&str> = table
        .keys()
        .map(String::as_str)
        .filter(|k| !KNOWN_KEYS.contains(k))
        .collect();
    if !unknown.is_empty() {
        tracing::warn!(
            "config file {} has unknown keys, ignored: {}",
            path.display(),
            unknown.into_iter().collect::<Vec<_>>().join(", ")
        );
    }
    Ok(Some((config, table)))
}

/// `<what> /x/config.toml is not valid TOML at line 3, column 7: <message>`, hint "fix or remove it".
///
/// Only the parser's message is used, never the offending source line: a file that is not
/// ours to read aloud (credentials.toml) may hold secrets.
pub(crate) fn toml_error(what: &str, path: &Path, text: &str, err: &toml::de::Error) -> Error {
    let message = without_values(err.message().trim_end());
    let position = err.span().map(|span| line_column(text, span.start));
    let message = match position {
        Some((line, column)) => format!(
            "{what} {} is not valid TOML at line {line}, column {column}: {message}",
            path.display()
        ),
        None => format!("{what} {} is not valid TOML: {message}", path.display()),
    };
    Error::local(message).with_hint("fix or remove it")
}

/// serde's message without the value it found: "invalid type: integer `12345`, expected a
/// string" becomes "invalid type: integer, expected a string". The kind of value and what was
/// expected (our own types' words) stay; the value, which may be a secret, goes.
fn without_values(message: &str) -> String {
    const QUOTING: [&str; 5] = [
        "invalid type: ",
        "invalid value: ",
        "invalid length ",
        "unknown variant ",
        "unknown field ",
    ];
    if !QUOTING.iter().any(|prefix| message.starts_with(prefix)) {
        return message.to_string();
    }
    let (found, expected) = match message.split_once(", expected ") {
        Some((found, expected)) => (found, Some(expected)),
        None => (message, None),
    };
    let found = found[..found.find(['`', '"', '\'']).unwrap_or(found.len())].trim_end();
    match expected {
        Some(expected) => format!("{found}, expected {expected}"),
        None => found.to_string(),
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// A symlinked config (dotfile managers do that) is written through to its target, so the link
/// survives the rename.
fn resolve_symlink(path: &Path) -> PathBuf {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier};

    fn temp_config() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ado-scm").join("config.toml");
        (dir, path)
    }

    #[test]
    fn default_path_prefers_xdg_config_home_then_home() {
        let env = Env::from_pairs([("XDG_CONFIG_HOME", "/xdg"), ("HOME", "/home/u")]);
        assert_eq!(
            default_path(&env),
            Some(PathBuf::from("/xdg/ado-scm/config.toml"))
        );
        if cfg!(unix) {
            let env = Env::from_pairs([("HOME", "/home/u")]);
            assert_eq!(
                default_path(&env),
                Some(PathBuf::from("/home/u/.config/ado-scm/config.toml"))
            );
            // A relative XDG_CONFIG_HOME is ignored (XDG spec); so is an empty one.
            let env = Env::from_pairs([("XDG_CONFIG_HOME", "rel"), ("HOME", "/home/u")]);
            assert_eq!(
                default_path(&env),
                Some(PathBuf::from("/home/u/.config/ado-scm/config.toml"))
            );
            let env = Env::from_pairs([("XDG_CONFIG_HOME", ""), ("HOME", "/home/u")]);
            assert_eq!(
                default_path(&env),
                Some(PathBuf::from("/home/u/.config/ado-scm/config.toml"))
            );
        }
    }

    #[test]
    fn missing_file_is_the_default_config() {
        let (_dir, path) = temp_config();
        assert_eq!(load(&path).unwrap(), Config::default());
        assert!(!path.exists(), "loading must not create the file");
    }

    #[test]
    fn load_reads_every_field() {
        let (_dir, path) = temp_config();
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(
            &path,
            "gitpod_url = \"https://app.gitpod.io/api\"\nrunner = \"r1\"\nhost = \"dev.azure.com\"\n\
             org = \"contoso\"\ntenant = \"t\"\nclient_id = \"c\"\nstore = \"file\"\n",
        )
        .unwrap();
        let config = load(&path).unwrap();
        assert_eq!(
            config,
            Config {
                gitpod_url: Some("https://app.gitpod.io/api".into()),
                runner: Some("r1".into()),
                host: Some("dev.azure.com".into()),
                org: Some("contoso".into()),
                tenant: Some("t".into()),
                client_id: Some("c".into()),
                store: Some("file".into()),
            }
        );
    }

    #[test]
    fn corrupt_file_names_path_line_and_column_and_is_never_overwritten() {
        let (_dir, path) = temp_config();
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        let corrupt = "runner = \"r1\"\norg = \"contoso\"\nhost = = 3\n";
        fs::write(&path, corrupt).unwrap();

        let err = load(&path).unwrap_err();
        assert_eq!(err.exit_code(), 1);
        let prefix = format!(
            "config file {} is not valid TOML at line 3, column 8: ",
            path.display()
        );
        assert!(
            err.message.starts_with(&prefix),
            "{:?} should start with {prefix:?}",
            err.message
        );
        assert_eq!(err.hint.as_deref(), Some("fix or remove it"));

        let err = update(&path, |c| c.runner = Some("r2".into())).unwrap_err();
        assert!(err.message.starts_with(&prefix), "{}", err.message);
        assert_eq!(fs::read_to_string(&path).unwrap(), corrupt);
    }

    #[test]
    fn a_value_of_the_wrong_type_is_reported_at_its_position() {
        let (_dir, path) = temp_config();
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "runner = \"r1\"\n\norg = 42\n").unwrap();
        let err = load(&path).unwrap_err();
        assert!(
            err.message
                .contains("is not valid TOML at line 3, column 7: "),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_wrong_value_is_described_by_its_kind_never_quoted() {
        let (_dir, path) = temp_config();
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        for (body, kind) in [
            ("runner = 918273645\n", "integer"),
            ("runner = 9182.73645\n", "floating point"),
            ("runner = true\n", "boolean"),
            ("store = [\"918273645\"]\n", "sequence"),
        ] {
            fs::write(&path, body).unwrap();
            let err = load(&path).unwrap_err();
            assert!(
                err.message
                    .ends_with(&format!(": invalid type: {kind}, expected a string")),
                "{}",
                err.message
            );
            assert!(!err.to_string().contains("918273645"), "{err}");
            assert!(!err.to_string().contains("9182.73645"), "{err}");
        }
        assert_eq!(
            without_values("unknown variant `hunter2`, expected `keyring` or `file`"),
            "unknown variant, expected `keyring` or `file`"
        );
        assert_eq!(
            without_values("invalid type: string \"hun`ter2\", expected u64"),
            "invalid type: string, expected u64"
        );
        assert_eq!(without_values("expected `.`, `=`"), "expected `.`, `=`");
    }

    #[test]
    fn non_utf8_file_is_an_error() {
        let (_dir, path) = temp_config();
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, b"runner = \"\xff\"\n").unwrap();
        let err = load(&path).unwrap_err();
        assert_eq!(
            err.message,
            format!("config file {} is not valid UTF-8", path.display())
        );
    }

    #[test]
    fn update_creates_a_private_directory_and_a_0600_file() {
        let (dir, path) = temp_config();
        let written = update(&path, |c| {
            c.runner = Some("r1".into());
            c.org = Some("contoso".into());
        })
        .unwrap();
        assert_eq!(written.runner.as_deref(), Some("r1"));
        assert_eq!(load(&path).unwrap(), written);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# ado-scm configuration"), "{text}");
        assert!(
            !text.contains("host"),
            "unset fields are not written: {text}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&path), 0o600);
            assert_eq!(mode(path.parent().unwrap()), 0o700);
        }
        // Only the config and its lock file: no temporary file left behind.
        let mut names: Vec<_> = fs::read_dir(dir.path().join("ado-scm"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["config.toml", "config.toml.lock"]);
    }

    #[cfg(unix)]
    #[test]
    fn update_replaces_a_world_readable_file_with_a_0600_one() {
        use std::os::unix::fs::PermissionsExt;
        let (_dir, path) = temp_config();
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "org = \"contoso\"\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        update(&path, |c| c.host = Some("dev.azure.com".into())).unwrap();
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn update_is_a_rename_so_readers_see_old_or_new_never_a_mix() {
        // The old file's inode is replaced, not truncated and rewritten: a handle opened before
        // the update still reads the old contents in full.
        let (_dir, path) = temp_config();
        update(&path, |c| c.runner = Some("old".into())).unwrap();
        let before = fs::read_to_string(&path).unwrap();
        let mut old = fs::File::open(&path).unwrap();
        update(&path, |c| c.runner = Some("new".into())).unwrap();
        let mut seen = String::new();
        std::io::Read::read_to_string(&mut old, &mut seen).unwrap();
        assert_eq!(seen, before);
        assert_eq!(load(&path).unwrap().runner.as_deref(), Some("new"));
    }

    #[test]
    fn update_keeps_unknown_keys_and_clears_fields_set_to_none() {
        let (_dir, path) = temp_config();
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(
            &path,
            "future_key = \"kept\"\nrunner = \"r1\"\n[future_table]\nx = 1\n",
        )
        .unwrap();
        let config = update(&path, |c| c.runner = None).unwrap();
        assert_eq!(config, Config::default());
        let table: toml::Table = toml::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(table["future_key"].as_str(), Some("kept"));
        assert_eq!(table["future_table"]["x"].as_integer(), Some(1));
        assert!(!table.contains_key("runner"));
    }

    #[cfg(unix)]
    #[test]
    fn update_writes_through_a_symlink() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("dotfiles").join("config.toml");
        fs::create_dir_all(real.parent().unwrap()).unwrap();
        fs::write(&real, "org = \"contoso\"\n").unwrap();
        let link = dir.path().join("config.toml");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        update(&link, |c| c.runner = Some("r1".into())).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(load(&real).unwrap().runner.as_deref(), Some("r1"));
        assert_eq!(load(&real).unwrap().org.as_deref(), Some("contoso"));
    }

    #[test]
    fn a_corrupt_file_is_named_by_the_path_given_through_a_linked_directory() {
        // Only a link to the file itself is resolved (to write through it); a path through a
        // linked directory is the person's own words, and errors repeat them.
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        fs::create_dir_all(&real).unwrap();
        fs::write(real.join("config.toml"), "host = = 3\n").unwrap();
        let linked = dir.path().join("linked");
        std::os::unix::fs::symlink(&real, &linked).unwrap();
        let path = linked.join("config.toml");
        let err = update(&path, |c| c.runner = Some("r1".into())).unwrap_err();
        assert!(
            err.message
                .starts_with(&format!("config file {} is not valid TOML", path.display())),
            "{}",
            err.message
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_config_file_that_cannot_be_read_is_an_error_naming_it() {
        // A regular file whose read fails whoever reads it (root included, who reads a 0000
        // file): the process's own memory, read from address 0.
        let path = Path::new("/proc/self/mem");
        assert_eq!(files::existing(path).unwrap(), Existing::Regular);
        let err = load(path).unwrap_err();
        assert_eq!(err.message, "cannot read config file /proc/self/mem");
        assert_eq!(
            err.hint.as_deref(),
            Some("check its permissions, or pass --config PATH")
        );
    }

    /// Appends `tag` to the comma-separated list in `runner`: a lost update loses a tag.
    fn append(path: &Path, tag: String) {
        update(path, |c| {
            let mut list = c.runner.take().unwrap_or_default();
            if !list.is_empty() {
                list.push(',');
            }
            list.push_str(&tag);
            c.runner = Some(list);
        })
        .unwrap();
    }

    fn tags(path: &Path) -> BTreeSet<String> {
        load(path)
            .unwrap()
            .runner
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn concurrent_updates_from_threads_lose_nothing() {
        let (_dir, path) = temp_config();
        let (threads, rounds) = (8, 15);
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (path, barrier) = (path.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    for r in 0..rounds {
                        append(&path, format!("t{t}-{r}"));
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(tags(&path).len(), threads * rounds);
    }

    /// How the next test tells its child processes (this test binary, run again) which file to
    /// update and under which name: variables of these tests alone, not of ado-scm.
    const CHILD_CONFIG: &str = "ADO_SCM_TEST_CONFIG_CHILD";
    const CHILD_ID: &str = "ADO_SCM_TEST_CONFIG_CHILD_ID";

    /// Entry point of the child processes of the next test; does nothing in a normal run.
    #[test]
    fn concurrent_update_child() {
        let Ok(path) = std::env::var(CHILD_CONFIG) else {
            return;
        };
        let id = std::env::var(CHILD_ID).unwrap();
        for r in 0..20 {
            append(Path::new(&path), format!("p{id}-{r}"));
        }
    }

    #[test]
    fn concurrent_updates_from_processes_lose_nothing() {
        let (_dir, path) = temp_config();
        let exe = std::env::current_exe().unwrap();
        let children: Vec<_> = (0..4)
            .map(|id| {
                std::process::Command::new(&exe)
                    .args([
                        "--exact",
                        "config::tests::concurrent_update_child",
                        "--test-threads=1",
                        "--quiet",
                    ])
                    .env("ADO_SCM_TEST_CONFIG_CHILD", &path)
                    .env("ADO_SCM_TEST_CONFIG_CHILD_ID", id.to_string())
                    .stdout(std::process::Stdio::null())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for r in 0..20 {
            append(&path, format!("parent-{r}"));
        }
        for mut child in children {
            assert!(child.wait().unwrap().success());
        }
        assert_eq!(tags(&path).len(), 5 * 20);
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncd", 0), (1, 1));
        assert_eq!(line_column("ab\ncd", 4), (2, 2));
        assert_eq!(line_column("é = x", 3), (1, 3));
        // An offset inside a character counts from the character's start.
        assert_eq!(line_column("é = x", 1), (1, 1));
        assert_eq!(line_column("a\n€b", 4), (2, 1));
        assert_eq!(line_column("ab", 99), (1, 3));
    }

    #[cfg(unix)]
    #[test]
    fn the_null_device_is_no_config_and_is_never_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let dir = tempfile::tempdir().unwrap();
        for null in [
            Some(PathBuf::from("/dev/null")),
            crate::files::tests::null_device_in(dir.path()),
        ]
        .into_iter()
        .flatten()
        {
            assert_eq!(load(&null).unwrap(), Config::default());
            if null.starts_with(dir.path()) {
                // Only on our own node: the real /dev/null is never handed to `update` here.
                let saved = update(&null, |c| c.runner = Some("r1".into())).unwrap();
                assert_eq!(saved.runner.as_deref(), Some("r1"));
                assert!(fs::metadata(&null).unwrap().file_type().is_char_device());
                assert!(
                    !crate::files::lock_path(&null).exists(),
                    "no lock file beside it"
                );
            }
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_as_config_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = crate::files::tests::fifo_in(dir.path());
        for err in [load(&pipe).unwrap_err(), update(&pipe, |_| {}).unwrap_err()] {
            assert_eq!(err.exit_code(), 2);
            assert_eq!(
                err.message,
                format!(
                    "config file {} is a named pipe, not a regular file; ado-scm neither reads nor replaces it",
                    pipe.display()
                )
            );
        }
    }
}
