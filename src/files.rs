//! The files ado-scm writes (`config.toml`, `credentials.toml`, their lock files) and the rules
//! every write follows.
//!
//! What must never happen here:
//! - **Replacing something that is not a regular file.** `--config /dev/null` run as root (the
//!   norm in CI containers) must not turn the device into a file: the null device means "no
//!   file" (nothing read, nothing written), and any other device, pipe, socket or directory is
//!   refused before anything is opened ([`existing`]).
//! - **Following a planted symlink.** A lock file is opened with `O_NOFOLLOW`: a link named
//!   `config.toml.lock` (in a directory others can write to) cannot make ado-scm create or lock
//!   a file elsewhere. The temporary file of an atomic write is created exclusively.
//! - **Waiting forever.** A lock held by another ado-scm is waited on for [`LOCK_WAIT`] at most,
//!   saying so, then the error names the lock file.
//! - **A torn or lost write.** [`write_private`] writes a temporary file in the same directory,
//!   mode 0600 before any byte, fsyncs it and renames it over the target.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind as IoErrorKind, Write};
use std::path::Path;
use std::time::Duration;

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};

/// How long a lock held by another ado-scm is waited on.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// How often a held lock is tried again.
const LOCK_RETRY: Duration = Duration::from_millis(100);

/// What is at a path before ado-scm reads or replaces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    Missing,
    Regular,
    /// The null device (`/dev/null`, or a node of the same device): "no file".
    NullDevice,
    /// Anything else: never read (a pipe would block), never replaced.
    Other(&'static str),
}

/// What is at `path` (symlinks followed).
pub fn existing(path: &Path) -> Result<Existing> {
    let meta = match fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == IoErrorKind::NotFound => return Ok(Existing::Missing),
        Err(err) => {
            return Err(Error::local(format!("cannot look at {}", path.display())).caused_by(err))
        }
    };
    let kind = meta.file_type();
    if kind.is_file() {
        return Ok(Existing::Regular);
    }
    if kind.is_dir() {
        return Ok(Existing::Other("a directory"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        if kind.is_char_device() {
            let null = fs::metadata("/dev/null").map(|m| m.rdev()).ok();
            if null == Some(meta.rdev()) {
                return Ok(Existing::NullDevice);
            }
            return Ok(Existing::Other("a character device"));
        }
        if kind.is_block_device() {
            return Ok(Existing::Other("a block device"));
        }
        if kind.is_fifo() {
            return Ok(Existing::Other("a named pipe"));
        }
        if kind.is_socket() {
            return Ok(Existing::Other("a socket"));
        }
    }
    Ok(Existing::Other("not a regular file"))
}

/// The error for a path that is [`Existing::Other`].
pub fn not_a_file(what: &str, path: &Path, kind: &str) -> Error {
    Error::usage(format!(
        "{what} {} is {kind}, not a regular file; ado-scm neither reads nor replaces it",
        path.display()
    ))
    .with_hint("give a path to a file (or /dev/null for none)")
}

/// Held while a file is read, changed and replaced. Dropping it releases the lock.
pub struct FileLock {
    _file: File,
}

/// `<file>.lock` beside `path`.
pub fn lock_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    parent_dir(path).join(name)
}

/// Creates the file's directory (0700) and takes an exclusive lock on `<file>.lock` beside it,
/// waiting [`LOCK_WAIT`] at most for another ado-scm (a notice on stderr says so while it
/// waits). The lock file is never removed: removing it would let two runs lock two different
/// files.
pub fn lock_beside(path: &Path, what: &str) -> Result<FileLock> {
    let clock = SystemClock { fixed_sleep: None };
    lock_beside_within(path, what, &clock, LOCK_WAIT, &mut |notice| {
        // Below the UI layer, and rare: straight to stderr, where a person waiting sees it.
        eprintln!("{notice}");
    })
}

/// [`lock_beside`] with its clock, limit and notice given (tests).
pub fn lock_beside_within(
    path: &Path,
    what: &str,
    clock: &dyn Clock,
    limit: Duration,
    notice: &mut dyn FnMut(&str),
) -> Result<FileLock> {
    let dir = parent_dir(path);
    create_private_dir(dir, what)?;
    let lock_path = lock_path(path);
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let file = options.open(&lock_path).map_err(|err| {
        let symlink = fs::symlink_metadata(&lock_path).is_ok_and(|m| m.file_type().is_symlink());
        let error = Error::local(format!("cannot open lock file {}", lock_path.display()));
        if symlink {
            error
                .caused_by("it is a symbolic link, which ado-scm does not follow")
                .with_hint(format!("remove {} and run again", lock_path.display()))
        } else {
            error.caused_by(err)
        }
    })?;
    let deadline = crate::clock::later(clock.now(), limit);
    let mut told = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(FileLock { _file: file }),
            Err(fs::TryLockError::WouldBlock) => {}
            Err(fs::TryLockError::Error(err)) => {
                return Err(
                    Error::local(format!("cannot lock {}", lock_path.display())).caused_by(err)
                )
            }
        }
        if clock.now() >= deadline {
            return Err(Error::local(format!(
                "another ado-scm is still using the {what}: {} stayed locked for {} s",
                lock_path.display(),
                limit.as_secs()
            ))
            .with_hint("let the other ado-scm finish (or end it), then run again"));
        }
        if !told {
            notice(&format!(
                "waiting for another ado-scm to finish with the {what} (lock file {})…",
                lock_path.display()
            ));
            told = true;
        }
        clock.sleep(LOCK_RETRY);
    }
}

pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Creates a directory and its missing parents with mode 0700 (existing ones are left alone).
pub fn create_private_dir(dir: &Path, what: &str) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir).map_err(|err| {
        Error::local(format!(
            "cannot create the directory {} for the {what}",
            dir.display()
        ))
        .caused_by(err)
    })
}

/// Why `dir` is not private to the user running ado-scm: writable by the group or by everyone,
/// or owned by another user (root excepted). `None` when it is private or does not exist.
pub fn unsafe_dir(dir: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        unsafe_dir_for(dir, me)
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

/// [`unsafe_dir`] for the user `me` (tests look through another user's eyes).
#[cfg(unix)]
fn unsafe_dir_for(dir: &Path, me: u32) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let meta = fs::metadata(dir).ok()?;
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Some(format!(
            "{} can be written by other users (mode {:04o})",
            dir.display(),
            mode
        ));
    }
    if meta.uid() != me && meta.uid() != 0 {
        return Some(format!(
            "{} belongs to another user (uid {})",
            dir.display(),
            meta.uid()
        ));
    }
    None
}

/// Replaces `path` atomically with `contents`: a temporary file in the same directory, mode 0600
/// before anything is written, flushed and fsynced, then renamed over `path`. A crash leaves the
/// old file or the new one, never a mix. The caller holds the lock. Something at `path` that is
/// not a regular file is never replaced.
pub fn write_private(path: &Path, contents: &[u8], what: &str) -> Result<()> {
    write_private_with(path, what, &mut |file| file.write_all(contents))
}

/// [`write_private`], the bytes written into the temporary file by `fill`: a test's `fill` sees
/// the temporary file as it is while the secrets go in (its mode above all).
fn write_private_with(
    path: &Path,
    what: &str,
    fill: &mut dyn FnMut(&mut File) -> std::io::Result<()>,
) -> Result<()> {
    match existing(path)? {
        Existing::Missing | Existing::Regular => {}
        Existing::NullDevice => return Err(not_a_file(what, path, "the null device")),
        Existing::Other(kind) => return Err(not_a_file(what, path, kind)),
    }
    let dir = parent_dir(path);
    create_private_dir(dir, what)?;
    let fail = |err: &dyn std::fmt::Display| {
        Error::local(format!("cannot write {what} {}", path.display())).caused_by(err)
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".ado-scm-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o600));
    }
    let mut temp = builder.tempfile_in(dir).map_err(|e| fail(&e))?;
    #[cfg(unix)]
    {
        // Belt and braces: the mode must be 0600 before the first byte, whatever the umask did.
        use std::os::unix::fs::PermissionsExt;
        temp.as_file()
            .set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(|e| fail(&e))?;
    }
    fill(temp.as_file_mut()).map_err(|e| fail(&e))?;
    temp.flush().map_err(|e| fail(&e))?;
    temp.as_file().sync_all().map_err(|e| fail(&e))?;
    temp.persist(path).map_err(|e| fail(&e.error))?;
    #[cfg(unix)]
    {
        // Make the rename itself durable; failing to is not worth an error.
        if let Ok(dir) = File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    Ok(())
}

// `cfg(test)` on its own, which cargo-mutants recognises: test helpers are not mutated.
#[cfg(test)]
#[cfg(unix)]
pub(crate) mod tests {
    use super::*;
    use crate::clock::FakeClock;
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::FileTypeExt;

    fn c_path(path: &Path) -> CString {
        CString::new(path.as_os_str().as_bytes()).unwrap()
    }

    /// A node of the null device in `dir`, as root can make one (CI runs as root). Elsewhere a
    /// loud notice, and `None`; under `CI=true` a failure.
    pub(crate) fn null_device_in(dir: &Path) -> Option<std::path::PathBuf> {
        let path = dir.join("null");
        // SAFETY: a valid C string and plain integers.
        let made = unsafe {
            libc::mknod(
                c_path(&path).as_ptr(),
                libc::S_IFCHR | 0o666,
                libc::makedev(1, 3),
            )
        };
        if made == 0 {
            return Some(path);
        }
        let err = std::io::Error::last_os_error();
        assert!(
            std::env::var(crate::env::EnvVars::CI).as_deref() != Ok("true"),
            "cannot make a device node under CI: {err}"
        );
        eprintln!("NOTICE: cannot make a device node here ({err}; root can): test part skipped");
        None
    }

    pub(crate) fn fifo_in(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("pipe");
        // SAFETY: a valid C string.
        assert_eq!(unsafe { libc::mkfifo(c_path(&path).as_ptr(), 0o600) }, 0);
        path
    }

    fn clock() -> FakeClock {
        FakeClock::new(chrono::DateTime::<chrono::Utc>::from_timestamp(1_700_000_000, 0).unwrap())
    }

    #[test]
    fn what_is_at_a_path() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        assert_eq!(existing(&file).unwrap(), Existing::Missing);
        fs::write(&file, "x").unwrap();
        assert_eq!(existing(&file).unwrap(), Existing::Regular);
        assert_eq!(
            existing(dir.path()).unwrap(),
            Existing::Other("a directory")
        );
        assert_eq!(
            existing(&fifo_in(dir.path())).unwrap(),
            Existing::Other("a named pipe")
        );
        assert_eq!(
            existing(Path::new("/dev/null")).unwrap(),
            Existing::NullDevice
        );
        assert_eq!(
            existing(Path::new("/dev/zero")).unwrap(),
            Existing::Other("a character device")
        );
        // A path that cannot be looked at is an error, not "missing": below a regular file.
        let below = file.join("config.toml");
        let err = existing(&below).unwrap_err();
        assert_eq!(err.message, format!("cannot look at {}", below.display()));
    }

    #[test]
    fn a_bare_file_name_lives_in_the_current_directory() {
        assert_eq!(parent_dir(Path::new("config.toml")), Path::new("."));
        assert_eq!(parent_dir(Path::new("/")), Path::new("."));
        assert_eq!(parent_dir(Path::new("a/config.toml")), Path::new("a"));
        assert_eq!(
            lock_path(Path::new("config.toml")),
            Path::new("./config.toml.lock")
        );
    }

    #[test]
    fn a_device_or_pipe_is_never_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let pipe = fifo_in(dir.path());
        let err = write_private(&pipe, b"x", "config file").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(
            err.message.contains("is a named pipe, not a regular file"),
            "{}",
            err.message
        );
        assert!(fs::symlink_metadata(&pipe).unwrap().file_type().is_fifo());
        if let Some(null) = null_device_in(dir.path()) {
            assert!(write_private(&null, b"x", "config file").is_err());
            assert!(fs::symlink_metadata(&null)
                .unwrap()
                .file_type()
                .is_char_device());
        }
    }

    /// The mode of the file at `path`, read through the path as any other user's program would.
    fn mode_of(path: &Path) -> String {
        use std::os::unix::fs::PermissionsExt;
        format!(
            "{:04o}",
            fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
        )
    }

    /// Every file in `dir` but `skip`.
    fn files_in(dir: &Path, skip: &[&Path]) -> Vec<std::path::PathBuf> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| !skip.contains(&p.as_path()))
            .collect()
    }

    #[test]
    fn the_temporary_file_is_private_before_the_first_byte_goes_in() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("credentials.toml");
        // An older file (mode 0600) is being replaced, as on every save after the first.
        write_private(&target, b"old = 1\n", "credentials file").unwrap();
        assert_eq!(mode_of(&target), "0600");
        let mut seen = Vec::new();
        write_private_with(&target, "credentials file", &mut |file| {
            // The temporary file, found the way another local user would find it: in the
            // directory, beside the file it replaces.
            let temps = files_in(dir.path(), &[&target]);
            assert_eq!(temps.len(), 1, "{temps:?}");
            let temp = &temps[0];
            assert!(temp
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(".ado-scm-"));
            // Its mode before each piece of the secret goes in, and once it is all there.
            for piece in [&b"token = \""[..], b"s3cret", b"\"\n"] {
                seen.push(mode_of(temp));
                file.write_all(piece)?;
                file.flush()?;
            }
            seen.push(mode_of(temp));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, ["0600"; 4], "the temporary file's mode while written");
        assert_eq!(mode_of(&target), "0600");
        assert_eq!(fs::read_to_string(&target).unwrap(), "token = \"s3cret\"\n");
        assert!(
            files_in(dir.path(), &[&target]).is_empty(),
            "no temporary file is left"
        );
    }

    #[test]
    fn a_held_lock_is_waited_on_for_a_bounded_time_then_named() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("config.toml");
        // Another ado-scm holds the lock (a second open file description conflicts even within
        // one process).
        let held = lock_beside(&target, "config file").unwrap();
        let clock = clock();
        let mut notices = Vec::new();
        let err = lock_beside_within(&target, "config file", &clock, LOCK_WAIT, &mut |n| {
            notices.push(n.to_string())
        })
        .err()
        .expect("the lock is held");
        let lock = lock_path(&target);
        assert_eq!(
            err.message,
            format!(
                "another ado-scm is still using the config file: {} stayed locked for 10 s",
                lock.display()
            )
        );
        assert_eq!(
            notices,
            [format!(
                "waiting for another ado-scm to finish with the config file (lock file {})…",
                lock.display()
            )]
        );
        let waited: Duration = clock.sleeps().iter().sum();
        assert_eq!(waited, LOCK_WAIT);
        // Released: taken at once, nothing said.
        drop(held);
        let mut said = false;
        lock_beside_within(&target, "config file", &clock, LOCK_WAIT, &mut |_| {
            said = true
        })
        .unwrap();
        assert!(!said);
    }

    #[test]
    fn a_lock_file_that_is_a_symlink_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("config.toml");
        let elsewhere = dir.path().join("elsewhere");
        std::os::unix::fs::symlink(&elsewhere, lock_path(&target)).unwrap();
        let err = lock_beside(&target, "config file").err().expect("refused");
        assert!(
            err.message.starts_with("cannot open lock file"),
            "{}",
            err.message
        );
        assert_eq!(
            err.causes,
            ["it is a symbolic link, which ado-scm does not follow"]
        );
        assert!(!elsewhere.exists(), "the link was followed");
    }

    #[test]
    fn directories_others_can_write_to_are_named() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(unsafe_dir(dir.path()), None);
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o775)).unwrap();
        assert_eq!(
            unsafe_dir(dir.path()),
            Some(format!(
                "{} can be written by other users (mode 0775)",
                dir.path().display()
            ))
        );
        assert_eq!(
            unsafe_dir(Path::new("/tmp")),
            Some("/tmp can be written by other users (mode 1777)".into())
        );
        assert_eq!(unsafe_dir(&dir.path().join("missing")), None);
    }

    #[test]
    fn directories_of_other_users_are_named_root_excepted() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let dir = tempfile::tempdir().unwrap();
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
        let mut owner = fs::metadata(dir.path()).unwrap().uid();
        if owner == 0 {
            // Root's directories are trusted: as root, give it to an ordinary user.
            std::os::unix::fs::chown(dir.path(), Some(4242), None).unwrap();
            owner = 4242;
        }
        let someone_else = owner + 1;
        // Its owner's own directory; root's (/, mode 0755) for anyone.
        assert_eq!(unsafe_dir_for(dir.path(), owner), None);
        assert_eq!(fs::metadata("/").unwrap().uid(), 0);
        assert_eq!(unsafe_dir_for(Path::new("/"), someone_else), None);
        // Seen by another user, the directory is not theirs.
        assert_eq!(
            unsafe_dir_for(dir.path(), someone_else),
            Some(format!(
                "{} belongs to another user (uid {owner})",
                dir.path().display()
            ))
        );
    }
}
