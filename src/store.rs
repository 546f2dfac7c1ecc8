//! Where secrets live: the OS keyring (default), a `credentials.toml` file (only when asked for,
//! with `--store file`), or memory (tests).
//!
//! Rules every store follows (cargo's and uv's credential stores work the same way):
//! - "not found" is `Ok(None)` / `Ok(false)`, so a caller can move on to the next source;
//!   any other failure is an error that names the store and stops.
//! - A secret never appears in an error, a log line or a `Debug` output: errors are built from
//!   the store's name, the account and the platform's error text, never from a value.
//! - The OS keyring can hang (a locked keyring waits for an unlock prompt nobody sees): every
//!   keyring call runs on a helper thread and gives up after a timeout (5 s by default).
//! - The file is written like `config.toml`: under a lock, atomically, mode 0600, and a file we
//!   cannot parse is reported and never overwritten.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::ErrorKind as IoErrorKind;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

use crate::config;
use crate::error::{Error, Result};
use crate::files::{self, Existing};
use crate::secret::Secret;

/// A place that keeps secrets.
pub trait SecretStore {
    /// The stored secret; `Ok(None)` when there is none.
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>>;
    /// Stores (or replaces) the secret.
    fn set(&self, key: &SecretKey, value: &Secret) -> Result<()>;
    /// Removes the secret; `true` if there was one.
    fn delete(&self, key: &SecretKey) -> Result<bool>;
    /// The store, for messages: "the OS keyring", "/home/me/.config/ado-scm/credentials.toml".
    fn describe(&self) -> String;
}

/// A store behind a `Box` or an `Arc` is the store itself.
macro_rules! store_through {
    ($($pointer:ident),*) => {$(
        impl<T: SecretStore + ?Sized> SecretStore for $pointer<T> {
            fn get(&self, key: &SecretKey) -> Result<Option<Secret>> {
                (**self).get(key)
            }
            fn set(&self, key: &SecretKey, value: &Secret) -> Result<()> {
                (**self).set(key, value)
            }
            fn delete(&self, key: &SecretKey) -> Result<bool> {
                (**self).delete(key)
            }
            fn describe(&self) -> String {
                (**self).describe()
            }
        }
    )*};
}

store_through!(Box, Arc);

/// What a secret is for; its [`account`](SecretKey::account) is its name in every store.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SecretKey {
    /// The Gitpod (Ona) API token for one management API.
    GitpodToken { gitpod_url: String },
    /// The admin's Microsoft Graph refresh token for one tenant and public client.
    GraphRefreshToken { tenant: String, client_id: String },
}

impl SecretKey {
    /// The account name: `gitpod-token:https://app.gitpod.io/api`,
    /// `graph-refresh:{tenant}:{client_id}`. Trailing slashes of the URL are dropped so that
    /// `…/api` and `…/api/` name the same token. This is the keyring's `username` attribute and
    /// the key in `credentials.toml`: changing it loses every stored secret.
    pub fn account(&self) -> String {
        match self {
            SecretKey::GitpodToken { gitpod_url } => {
                format!("gitpod-token:{}", gitpod_url.trim_end_matches('/'))
            }
            SecretKey::GraphRefreshToken { tenant, client_id } => {
                format!("graph-refresh:{tenant}:{client_id}")
            }
        }
    }

    /// For messages: "the Gitpod API token for https://app.gitpod.io/api".
    pub fn label(&self) -> String {
        match self {
            SecretKey::GitpodToken { gitpod_url } => {
                format!(
                    "the Gitpod API token for {}",
                    gitpod_url.trim_end_matches('/')
                )
            }
            SecretKey::GraphRefreshToken { tenant, .. } => {
                format!("the Microsoft Graph refresh token for tenant {tenant}")
            }
        }
    }
}

/// The keyring's `service` attribute for every ado-scm secret.
pub const KEYRING_SERVICE: &str = "ado-scm";

/// How long a keyring call may take before we give up (a locked keyring may be waiting for an
/// unlock prompt that nobody sees).
pub const DEFAULT_KEYRING_TIMEOUT: Duration = Duration::from_secs(5);

/// `credentials.toml` beside the config file.
pub fn credentials_path(config_path: &Path) -> PathBuf {
    config_path.with_file_name("credentials.toml")
}

// ---------------------------------------------------------------------------------------------
// The OS keyring

type EntryFactory = dyn Fn(&str) -> keyring::Result<keyring::Entry> + Send + Sync;

/// The OS keyring through the `keyring` crate: Secret Service on Linux/BSD, Keychain on macOS,
/// Credential Manager on Windows. Items have `service = ado-scm` and `username = <account>`
/// (plus keyring's own `target = default` and `application = rust-keyring` on Secret Service).
#[derive(Clone)]
pub struct KeyringStore {
    timeout: Duration,
    /// Where `--store file` would keep secrets, for the hint when there is no keyring.
    file_fallback: Option<PathBuf>,
    entry: Arc<EntryFactory>,
}

impl std::fmt::Debug for KeyringStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringStore")
            .field("timeout", &self.timeout)
            .field("file_fallback", &self.file_fallback)
            .finish_non_exhaustive()
    }
}

impl Default for KeyringStore {
    fn default() -> Self {
        KeyringStore::new(DEFAULT_KEYRING_TIMEOUT)
    }
}

impl KeyringStore {
    pub fn new(timeout: Duration) -> Self {
        KeyringStore {
            timeout,
            file_fallback: None,
            entry: Arc::new(|account| keyring::Entry::new(KEYRING_SERVICE, account)),
        }
    }

    /// Names the file `--store file` would use in the hint shown when there is no keyring.
    pub fn with_file_fallback(mut self, credentials_path: PathBuf) -> Self {
        self.file_fallback = Some(credentials_path);
        self
    }

    /// Builds entries some other way (tests: a mock credential).
    #[cfg(test)]
    fn with_entries(
        mut self,
        entry: impl Fn(&str) -> keyring::Result<keyring::Entry> + Send + Sync + 'static,
    ) -> Self {
        self.entry = Arc::new(entry);
        self
    }

    /// Runs `op` on a helper thread and waits at most `timeout`. On a timeout the thread is
    /// left behind (it may be blocked on D-Bus for good); it holds no lock and dies with the
    /// process.
    fn run<T: Send + 'static>(
        &self,
        key: &SecretKey,
        op: impl FnOnce(&keyring::Entry) -> keyring::Result<T> + Send + 'static,
    ) -> Result<keyring::Result<T>> {
        let (tx, rx) = mpsc::channel();
        let factory = self.entry.clone();
        let account = key.account();
        std::thread::Builder::new()
            .name("ado-scm-keyring".into())
            .spawn(move || {
                let result = factory(&account).and_then(|entry| op(&entry));
                let _ = tx.send(result);
            })
            .map_err(|err| {
                Error::local("cannot start a thread for the OS keyring").caused_by(err)
            })?;
        match rx.recv_timeout(self.timeout) {
            Ok(result) => Ok(result),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(Error::local(format!(
                "the OS keyring did not answer within {}",
                human_duration(self.timeout)
            ))
            .with_hint("unlock it, or pass --store file")),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(Error::local(
                "the OS keyring call failed unexpectedly (its thread panicked)",
            )),
        }
    }

    fn file_hint(&self) -> String {
        match &self.file_fallback {
            Some(path) => format!("stores secrets in {} with mode 0600", path.display()),
            None => "stores secrets in credentials.toml beside the config file, mode 0600".into(),
        }
    }

    /// Turns a keyring error into ours. Only `Display` texts of platform errors are used:
    /// `BadEncoding` carries the stored bytes and `Ambiguous` the items, so neither is printed.
    fn error(&self, err: keyring::Error, key: &SecretKey, doing: &str) -> Error {
        let account = key.account();
        match err {
            keyring::Error::PlatformFailure(cause) => {
                Error::local(format!("no OS keyring is available: {cause}")).with_hint(format!(
                    "start a Secret Service (e.g. gnome-keyring) or pass --store file ({})",
                    self.file_hint()
                ))
            }
            keyring::Error::NoStorageAccess(cause) => Error::local(format!(
                "the OS keyring cannot be used (it may be locked): {cause}"
            ))
            .with_hint(format!(
                "unlock it, or pass --store file ({})",
                self.file_hint()
            )),
            keyring::Error::BadEncoding(_) => Error::local(format!(
                "the OS keyring holds something that is not text for {} (service {KEYRING_SERVICE}, account {account})",
                key.label()
            ))
            .with_hint("remove that entry with your keyring tool, then sign in again"),
            keyring::Error::Ambiguous(items) => Error::local(format!(
                "the OS keyring holds {} entries for service {KEYRING_SERVICE}, account {account}",
                items.len()
            ))
            .with_hint(format!(
                "remove the duplicates with your keyring tool (e.g. `secret-tool clear service {KEYRING_SERVICE} username {account}`)"
            )),
            other => Error::local(format!(
                "the OS keyring refused to {doing} {} (account {account}): {other}",
                key.label()
            )),
        }
    }
}

fn human_duration(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} ms", duration.as_millis())
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>> {
        // The password becomes a `Secret` on the helper thread, so it is zeroized wherever the
        // result ends up being dropped.
        match self.run(key, |entry| entry.get_password().map(Secret::new))? {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(self.error(err, key, "read")),
        }
    }

    fn set(&self, key: &SecretKey, value: &Secret) -> Result<()> {
        let value = value.clone();
        match self.run(key, move |entry| entry.set_password(value.expose()))? {
            Ok(()) => Ok(()),
            Err(err) => Err(self.error(err, key, "store")),
        }
    }

    fn delete(&self, key: &SecretKey) -> Result<bool> {
        match self.run(key, |entry| entry.delete_credential())? {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(err) => Err(self.error(err, key, "delete")),
        }
    }

    fn describe(&self) -> String {
        "the OS keyring".into()
    }
}

// ---------------------------------------------------------------------------------------------
// credentials.toml

/// `credentials.toml`: a TOML table of account → secret, mode 0600, in a 0700 directory.
/// Chosen explicitly with `--store file`; callers warn that the secrets are in a plain file.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

const CREDENTIALS_HEADER: &str =
    "# ado-scm secrets (--store file). Keep this file private (mode 0600).\n\n";

/// A value read from the file, moved straight into a zeroizing [`Secret`].
struct StoredSecret(Secret);

impl<'de> Deserialize<'de> for StoredSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| StoredSecret(Secret::new(s)))
    }
}

impl FileStore {
    pub fn new(path: PathBuf) -> Self {
        FileStore { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A warning to print when the file can be read by others than its owner (mode wider than
    /// 0600); `None` when it is private or does not exist. Rewriting the file (any `set` or
    /// `delete` that changes it) makes it 0600 again.
    pub fn permission_warning(&self) -> Option<String> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&self.path).ok()?.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                return Some(format!(
                    "{} can be read by other users (mode {mode:04o}); run `chmod 600 {}`",
                    self.path.display(),
                    self.path.display()
                ));
            }
        }
        None
    }

    /// Every stored secret by account; an empty map when the file does not exist.
    fn read(&self) -> Result<BTreeMap<String, Secret>> {
        match files::existing(&self.path)? {
            Existing::Missing | Existing::NullDevice => return Ok(BTreeMap::new()),
            Existing::Regular => {}
            Existing::Other(kind) => {
                return Err(files::not_a_file("credentials file", &self.path, kind))
            }
        }
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => Zeroizing::new(bytes),
            Err(err) if err.kind() == IoErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(err) => {
                return Err(Error::local(format!(
                    "cannot read credentials file {}",
                    self.path.display()
                ))
                .caused_by(err)
                .with_hint("check its permissions"))
            }
        };
        let text = std::str::from_utf8(&bytes).map_err(|_| {
            Error::local(format!(
                "credentials file {} is not valid UTF-8",
                self.path.display()
            ))
            .with_hint("fix or remove it")
        })?;
        let entries: BTreeMap<String, StoredSecret> = toml::from_str(text)
            .map_err(|err| config::toml_error("credentials file", &self.path, text, &err))?;
        Ok(entries.into_iter().map(|(k, v)| (k, v.0)).collect())
    }

    /// Reads, changes and rewrites the file under its lock; writes only if `change` says so.
    fn modify<T>(
        &self,
        change: impl FnOnce(&mut BTreeMap<String, Secret>) -> (T, bool),
    ) -> Result<T> {
        let _lock = files::lock_beside(&self.path, "credentials file")?;
        let mut entries = self.read()?;
        let (result, changed) = change(&mut entries);
        if changed {
            let mut text = Zeroizing::new(String::from(CREDENTIALS_HEADER));
            for (account, secret) in &entries {
                // toml's own quoting for keys and values; the temporaries are zeroized too.
                let key = Zeroizing::new(toml::Value::String(account.clone()).to_string());
                let value =
                    Zeroizing::new(toml::Value::String(secret.expose().to_string()).to_string());
                text.push_str(&key);
                text.push_str(" = ");
                text.push_str(&value);
                text.push('\n');
            }
            files::write_private(&self.path, text.as_bytes(), "credentials file")?;
        }
        Ok(result)
    }
}

impl SecretStore for FileStore {
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>> {
        Ok(self.read()?.remove(&key.account()))
    }

    fn set(&self, key: &SecretKey, value: &Secret) -> Result<()> {
        self.modify(|entries| {
            let old = entries.insert(key.account(), value.clone());
            (
                (),
                old.as_ref() != Some(value) || self.permission_warning().is_some(),
            )
        })
    }

    fn delete(&self, key: &SecretKey) -> Result<bool> {
        // Nothing to delete: do not create the directory or the lock file just to say so.
        if !self.path.exists() {
            return Ok(false);
        }
        self.modify(|entries| {
            let removed = entries.remove(&key.account()).is_some();
            (removed, removed)
        })
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Memory (tests)

/// An in-memory store for tests. Clones share the same secrets, so a test can hand one clone to
/// the code under test and look at the other afterwards.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    inner: Arc<Mutex<MemoryInner>>,
}

#[derive(Debug, Default)]
struct MemoryInner {
    secrets: HashMap<String, Secret>,
    fail: Option<Error>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// The store with one secret already in it.
    pub fn with(self, key: SecretKey, secret: Secret) -> Self {
        self.lock().secrets.insert(key.account(), secret);
        self
    }

    /// Every call fails with `err` (to test how callers treat a broken store).
    pub fn failing(self, err: Error) -> Self {
        self.lock().fail = Some(err);
        self
    }

    /// The accounts that hold a secret, sorted.
    pub fn accounts(&self) -> Vec<String> {
        let mut accounts: Vec<String> = self.lock().secrets.keys().cloned().collect();
        accounts.sort();
        accounts
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MemoryInner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn check(&self) -> Result<std::sync::MutexGuard<'_, MemoryInner>> {
        let inner = self.lock();
        match &inner.fail {
            Some(err) => Err(err.clone()),
            None => Ok(inner),
        }
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &SecretKey) -> Result<Option<Secret>> {
        Ok(self.check()?.secrets.get(&key.account()).cloned())
    }

    fn set(&self, key: &SecretKey, value: &Secret) -> Result<()> {
        self.check()?.secrets.insert(key.account(), value.clone());
        Ok(())
    }

    fn delete(&self, key: &SecretKey) -> Result<bool> {
        Ok(self.check()?.secrets.remove(&key.account()).is_some())
    }

    fn describe(&self) -> String {
        "memory".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gitpod() -> SecretKey {
        SecretKey::GitpodToken {
            gitpod_url: "https://app.gitpod.io/api".into(),
        }
    }

    fn graph() -> SecretKey {
        SecretKey::GraphRefreshToken {
            tenant: "contoso.onmicrosoft.com".into(),
            client_id: "14d82eec-204b-4c2f-b7e8-296a70dab67e".into(),
        }
    }

    /// What `-v` and a panic may show of the keyring store: its settings, never its backend.
    #[test]
    fn the_keyring_store_shows_its_settings_only() {
        let store = KeyringStore::new(Duration::from_secs(3));
        assert_eq!(
            format!("{store:?}"),
            "KeyringStore { timeout: 3s, file_fallback: None, .. }"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_credentials_file_that_cannot_be_read_is_an_error_naming_it() {
        // A regular file whose read fails whoever reads it (root included): the process's own
        // memory, read from address 0. Not "no secrets stored".
        let store = FileStore::new(PathBuf::from("/proc/self/mem"));
        let err = store.get(&gitpod()).unwrap_err();
        assert_eq!(err.message, "cannot read credentials file /proc/self/mem");
        assert_eq!(err.hint.as_deref(), Some("check its permissions"));
    }

    #[test]
    fn accounts() {
        assert_eq!(gitpod().account(), "gitpod-token:https://app.gitpod.io/api");
        let slash = SecretKey::GitpodToken {
            gitpod_url: "https://app.gitpod.io/api/".into(),
        };
        assert_eq!(slash.account(), gitpod().account());
        assert_eq!(
            graph().account(),
            "graph-refresh:contoso.onmicrosoft.com:14d82eec-204b-4c2f-b7e8-296a70dab67e"
        );
    }

    #[test]
    fn credentials_file_sits_beside_the_config() {
        assert_eq!(
            credentials_path(Path::new("/x/ado-scm/config.toml")),
            PathBuf::from("/x/ado-scm/credentials.toml")
        );
        assert_eq!(
            credentials_path(Path::new("my.toml")),
            PathBuf::from("credentials.toml")
        );
    }

    /// The behaviour every store shares.
    fn round_trip(store: &dyn SecretStore) {
        assert_eq!(store.get(&gitpod()).unwrap(), None);
        assert!(!store.delete(&gitpod()).unwrap());
        store.set(&gitpod(), &Secret::new("tok-1")).unwrap();
        store.set(&graph(), &Secret::new("refresh-1")).unwrap();
        assert_eq!(store.get(&gitpod()).unwrap(), Some(Secret::new("tok-1")));
        store.set(&gitpod(), &Secret::new("tok-2")).unwrap();
        assert_eq!(store.get(&gitpod()).unwrap(), Some(Secret::new("tok-2")));
        assert!(store.delete(&gitpod()).unwrap());
        assert!(!store.delete(&gitpod()).unwrap());
        assert_eq!(store.get(&gitpod()).unwrap(), None);
        assert_eq!(store.get(&graph()).unwrap(), Some(Secret::new("refresh-1")));
    }

    #[test]
    fn memory_store_round_trip_and_shared_clones() {
        let store = MemoryStore::new();
        round_trip(&store);
        let view = store.clone();
        store.set(&gitpod(), &Secret::new("x")).unwrap();
        assert_eq!(view.accounts().len(), 2);
        let seeded = MemoryStore::new().with(gitpod(), Secret::new("seed"));
        assert_eq!(seeded.get(&gitpod()).unwrap(), Some(Secret::new("seed")));
        let broken = MemoryStore::new().failing(Error::local("boom"));
        assert_eq!(broken.get(&gitpod()).unwrap_err().message, "boom");
        assert_eq!(
            broken
                .set(&gitpod(), &Secret::new("x"))
                .unwrap_err()
                .message,
            "boom"
        );
    }

    // ---- FileStore

    fn file_store() -> (tempfile::TempDir, FileStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().join("ado-scm").join("credentials.toml"));
        (dir, store)
    }

    #[cfg(unix)]
    fn mode(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn file_store_round_trip_mode_0600_in_a_0700_directory() {
        let (_dir, store) = file_store();
        assert!(!store.delete(&gitpod()).unwrap());
        assert!(!store.path().parent().unwrap().exists(), "nothing created");
        round_trip(&store);
        assert_eq!(store.describe(), store.path().display().to_string());
        #[cfg(unix)]
        {
            assert_eq!(mode(store.path()), 0o600);
            assert_eq!(mode(store.path().parent().unwrap()), 0o700);
        }
        assert_eq!(store.permission_warning(), None);
        // A fresh store over the same file reads what was written (nothing is cached).
        let again = FileStore::new(store.path().to_path_buf());
        assert_eq!(again.get(&graph()).unwrap(), Some(Secret::new("refresh-1")));
    }

    #[test]
    fn file_store_quotes_awkward_values() {
        let (_dir, store) = file_store();
        let awkward = Secret::new("a\"b\\c\nd'e = [f]");
        store.set(&gitpod(), &awkward).unwrap();
        assert_eq!(store.get(&gitpod()).unwrap(), Some(awkward));
    }

    #[test]
    fn corrupt_credentials_file_is_reported_with_its_line_and_never_overwritten() {
        let (_dir, store) = file_store();
        store.set(&gitpod(), &Secret::new("tok")).unwrap();
        let corrupt = "\"gitpod-token:x\" = \"hunter2\"\nbroken line\n";
        fs::write(store.path(), corrupt).unwrap();

        for err in [
            store.get(&gitpod()).unwrap_err(),
            store.set(&gitpod(), &Secret::new("new")).unwrap_err(),
            store.delete(&gitpod()).unwrap_err(),
        ] {
            assert_eq!(err.exit_code(), 1);
            let prefix = format!(
                "credentials file {} is not valid TOML at line 2, column ",
                store.path().display()
            );
            assert!(err.message.starts_with(&prefix), "{}", err.message);
            assert_eq!(err.hint.as_deref(), Some("fix or remove it"));
            assert!(!err.to_string().contains("hunter2"), "{err}");
        }
        assert_eq!(fs::read_to_string(store.path()).unwrap(), corrupt);
    }

    #[test]
    fn a_non_string_value_is_an_error_that_does_not_echo_the_file() {
        let (_dir, store) = file_store();
        fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        // A numeric token written without quotes: reported by position and kind, never shown.
        fs::write(store.path(), "\"a\" = 918273645\n").unwrap();
        let err = store.get(&gitpod()).unwrap_err();
        assert!(
            err.message
                .ends_with("at line 1, column 7: invalid type: integer, expected a string"),
            "{}",
            err.message
        );
        assert!(!format!("{err}{err:?}").contains("918273645"));
        fs::write(store.path(), "\"a\" = \"hunter2\"\n\"b\" = 3\n").unwrap();
        let err = store.get(&gitpod()).unwrap_err();
        assert!(
            err.message.contains("at line 2, column 7"),
            "{}",
            err.message
        );
        assert!(!err.to_string().contains("hunter2"));
    }

    #[cfg(unix)]
    #[test]
    fn a_readable_credentials_file_is_warned_about_and_rewritten_0600() {
        use std::os::unix::fs::PermissionsExt;
        let (_dir, store) = file_store();
        store.set(&gitpod(), &Secret::new("tok")).unwrap();
        fs::set_permissions(store.path(), fs::Permissions::from_mode(0o644)).unwrap();
        let warning = store.permission_warning().unwrap();
        assert_eq!(
            warning,
            format!(
                "{} can be read by other users (mode 0644); run `chmod 600 {}`",
                store.path().display(),
                store.path().display()
            )
        );
        // Still readable; storing (even the same value) rewrites it private.
        assert_eq!(store.get(&gitpod()).unwrap(), Some(Secret::new("tok")));
        store.set(&gitpod(), &Secret::new("tok")).unwrap();
        assert_eq!(mode(store.path()), 0o600);
        assert_eq!(store.permission_warning(), None);
    }

    #[test]
    fn concurrent_file_store_writers_lose_nothing() {
        let (_dir, store) = file_store();
        let handles: Vec<_> = (0..6)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for r in 0..10 {
                        let key = SecretKey::GraphRefreshToken {
                            tenant: format!("t{t}"),
                            client_id: format!("c{r}"),
                        };
                        store.set(&key, &Secret::new(format!("v{t}{r}"))).unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(store.read().unwrap().len(), 60);
    }

    // ---- KeyringStore

    /// A keyring credential that persists in a shared map, to exercise `KeyringStore` end to
    /// end without an OS keyring.
    #[derive(Debug)]
    struct MapCredential {
        account: String,
        map: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    }

    impl keyring::credential::CredentialApi for MapCredential {
        fn set_secret(&self, secret: &[u8]) -> keyring::Result<()> {
            let mut map = self.map.lock().unwrap();
            map.insert(self.account.clone(), secret.to_vec());
            Ok(())
        }
        fn get_secret(&self) -> keyring::Result<Vec<u8>> {
            let map = self.map.lock().unwrap();
            map.get(&self.account)
                .cloned()
                .ok_or(keyring::Error::NoEntry)
        }
        fn delete_credential(&self) -> keyring::Result<()> {
            let mut map = self.map.lock().unwrap();
            map.remove(&self.account)
                .map(|_| ())
                .ok_or(keyring::Error::NoEntry)
        }
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
    }

    #[test]
    fn keyring_store_with_the_crates_mock_builder() {
        // keyring's mock keeps nothing between entries: a fresh entry has no password.
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
        let store = KeyringStore::new(Duration::from_secs(5));
        assert_eq!(store.describe(), "the OS keyring");
        assert_eq!(store.get(&gitpod()).unwrap(), None);
        store.set(&gitpod(), &Secret::new("tok")).unwrap();
        assert!(!store.delete(&gitpod()).unwrap());
    }

    #[test]
    fn keyring_store_round_trip() {
        let map = Arc::new(Mutex::new(HashMap::new()));
        let seen = map.clone();
        let store = KeyringStore::new(Duration::from_secs(5)).with_entries(move |account| {
            Ok(keyring::Entry::new_with_credential(Box::new(
                MapCredential {
                    account: account.to_string(),
                    map: map.clone(),
                },
            )))
        });
        round_trip(&store);
        assert_eq!(
            seen.lock().unwrap().keys().cloned().collect::<Vec<_>>(),
            [graph().account()]
        );
    }

    /// A store whose every entry fails with the error `make` builds.
    fn keyring_failing(make: fn() -> keyring::Error) -> KeyringStore {
        KeyringStore::new(Duration::from_secs(5))
            .with_file_fallback(PathBuf::from("/cfg/credentials.toml"))
            .with_entries(move |_| {
                let mock = keyring::mock::MockCredential::default();
                mock.set_error(make());
                Ok(keyring::Entry::new_with_credential(Box::new(mock)))
            })
    }

    #[test]
    fn no_keyring_says_so_and_offers_the_file_store() {
        let store = keyring_failing(|| {
            keyring::Error::PlatformFailure("org.freedesktop.DBus.Error.ServiceUnknown".into())
        });
        let err = store.get(&gitpod()).unwrap_err();
        assert_eq!(err.exit_code(), 1);
        assert_eq!(
            err.message,
            "no OS keyring is available: org.freedesktop.DBus.Error.ServiceUnknown"
        );
        assert_eq!(
            err.hint.as_deref(),
            Some("start a Secret Service (e.g. gnome-keyring) or pass --store file (stores secrets in /cfg/credentials.toml with mode 0600)")
        );
        let err = store.set(&gitpod(), &Secret::new("hunter2")).unwrap_err();
        assert!(err.message.starts_with("no OS keyring is available"));
        assert!(!err.to_string().contains("hunter2"));
    }

    #[test]
    fn a_locked_keyring_suggests_unlocking_it() {
        let store = keyring_failing(|| keyring::Error::NoStorageAccess("locked".into()));
        let err = store.delete(&gitpod()).unwrap_err();
        assert_eq!(
            err.message,
            "the OS keyring cannot be used (it may be locked): locked"
        );
        assert!(err
            .hint
            .unwrap()
            .starts_with("unlock it, or pass --store file"));
    }

    #[test]
    fn other_keyring_errors_stop_and_never_show_the_stored_bytes() {
        let store = keyring_failing(|| keyring::Error::BadEncoding(b"hunter2\xff".to_vec()));
        let err = store.get(&gitpod()).unwrap_err();
        assert_eq!(
            err.message,
            "the OS keyring holds something that is not text for the Gitpod API token for \
             https://app.gitpod.io/api (service ado-scm, account gitpod-token:https://app.gitpod.io/api)"
        );
        assert!(!format!("{err:?}").contains("hunter2"));

        let store = keyring_failing(|| keyring::Error::Ambiguous(Vec::new()));
        let err = store.get(&gitpod()).unwrap_err();
        assert!(
            err.message
                .starts_with("the OS keyring holds 0 entries for service ado-scm"),
            "{}",
            err.message
        );

        let store = keyring_failing(|| keyring::Error::TooLong("username".into(), 10));
        let err = store.set(&graph(), &Secret::new("x")).unwrap_err();
        assert_eq!(
            err.message,
            format!(
                "the OS keyring refused to store the Microsoft Graph refresh token for tenant \
                 contoso.onmicrosoft.com (account {}): Attribute 'username' is longer than \
                 platform limit of 10 chars",
                graph().account()
            )
        );
    }

    #[test]
    fn a_keyring_that_does_not_answer_times_out() {
        // The entry blocks until the test ends (the channel's sender is dropped then); no sleep.
        let (hold, wait) = mpsc::channel::<()>();
        let wait = Arc::new(Mutex::new(wait));
        let store = KeyringStore::new(Duration::from_millis(50)).with_entries(move |_| {
            let _ = wait.lock().unwrap().recv();
            Err(keyring::Error::NoEntry)
        });
        let err = store.get(&gitpod()).unwrap_err();
        assert_eq!(err.exit_code(), 1);
        assert_eq!(err.message, "the OS keyring did not answer within 50 ms");
        assert_eq!(err.hint.as_deref(), Some("unlock it, or pass --store file"));
        drop(hold);
        assert_eq!(human_duration(DEFAULT_KEYRING_TIMEOUT), "5 s");
    }
}
