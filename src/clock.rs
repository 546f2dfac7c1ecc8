//! Time as a dependency: polling, retry back-off and expiry read this clock, so tests never
//! wait for real.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    fn sleep(&self, duration: Duration);
    /// Sleeps like [`Clock::sleep`] unless `cancel` is set (Ctrl-C): then returns early, `true`.
    fn sleep_unless(&self, duration: Duration, cancel: &AtomicBool) -> bool;
}

/// `now + wait`, saturating at the latest time chrono can hold: a wait that comes from outside
/// (a server's `expires_in`, a flag) can never overflow the date arithmetic and panic.
pub fn later(now: DateTime<Utc>, wait: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(wait)
        .ok()
        .and_then(|wait| now.checked_add_signed(wait))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The longest lifetime believed from a server's `expires_in` (a token's, a client
/// credential's): a longer one is clamped to it. Real lifetimes are an hour or a few days.
pub const MAX_EXPIRES_IN: Duration = Duration::from_secs(366 * 24 * 3600);

/// When something a server says lives `expires_in` from `now` expires: clamped to
/// [`MAX_EXPIRES_IN`], never an overflow.
pub fn expires_at(now: DateTime<Utc>, expires_in: Duration) -> DateTime<Utc> {
    later(now, expires_in.min(MAX_EXPIRES_IN))
}

/// How often a cancellable sleep looks at its flag: short enough that Ctrl-C feels immediate.
const CANCEL_CHECK: Duration = Duration::from_millis(50);

/// The wall clock. `fixed_sleep` replaces every wait (retry back-off, polling) with a fixed one,
/// set from `ADO_SCM_RETRY_SLEEP_MS` so that the integration tests, which run the real binary,
/// never wait for real either.
pub struct SystemClock {
    pub fixed_sleep: Option<Duration>,
}

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(self.fixed_sleep.unwrap_or(duration));
    }

    fn sleep_unless(&self, duration: Duration, cancel: &AtomicBool) -> bool {
        let end = std::time::Instant::now() + self.fixed_sleep.unwrap_or(duration);
        loop {
            if cancel.load(Ordering::SeqCst) {
                return true;
            }
            let left = end.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return false;
            }
            std::thread::sleep(left.min(CANCEL_CHECK));
        }
    }
}

/// A clock that only moves when someone sleeps on it; records every sleep.
pub struct FakeClock {
    state: Mutex<(DateTime<Utc>, Vec<Duration>)>,
}

impl FakeClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        FakeClock {
            state: Mutex::new((start, Vec::new())),
        }
    }

    pub fn sleeps(&self) -> Vec<Duration> {
        self.state.lock().expect("clock lock").1.clone()
    }

    pub fn advance(&self, by: Duration) {
        let mut state = self.state.lock().expect("clock lock");
        state.0 = later(state.0, by);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        self.state.lock().expect("clock lock").0
    }

    fn sleep(&self, duration: Duration) {
        let mut state = self.state.lock().expect("clock lock");
        state.0 = later(state.0, duration);
        state.1.push(duration);
    }

    /// A cancelled sleep takes no time and is not recorded.
    fn sleep_unless(&self, duration: Duration, cancel: &AtomicBool) -> bool {
        if cancel.load(Ordering::SeqCst) {
            return true;
        }
        self.sleep(duration);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn start() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn later_saturates_instead_of_overflowing() {
        assert_eq!(
            later(start(), Duration::from_secs(60)).to_rfc3339(),
            "2025-01-01T00:01:00+00:00"
        );
        for wait in [
            Duration::from_secs(u64::MAX),
            Duration::from_secs(i64::MAX as u64 / 1000),
            Duration::MAX,
        ] {
            assert_eq!(later(start(), wait), DateTime::<Utc>::MAX_UTC);
        }
        assert_eq!(
            later(DateTime::<Utc>::MAX_UTC, Duration::from_secs(1)),
            DateTime::<Utc>::MAX_UTC
        );
    }

    #[test]
    fn a_server_given_lifetime_is_clamped() {
        assert_eq!(
            expires_at(start(), Duration::from_secs(3599)).to_rfc3339(),
            "2025-01-01T00:59:59+00:00"
        );
        for absurd in [9_000_000_000_000, u64::MAX] {
            assert_eq!(
                expires_at(start(), Duration::from_secs(absurd)),
                later(start(), MAX_EXPIRES_IN)
            );
        }
    }

    #[test]
    fn a_system_sleep_ends_when_the_flag_is_set() {
        // An hour's sleep, cut short by another thread: the test takes at most a few polls.
        let cancel = Arc::new(AtomicBool::new(false));
        let setter = {
            let cancel = cancel.clone();
            std::thread::spawn(move || cancel.store(true, Ordering::SeqCst))
        };
        let started = std::time::Instant::now();
        assert!(SystemClock { fixed_sleep: None }.sleep_unless(Duration::from_secs(3600), &cancel));
        assert!(started.elapsed() < Duration::from_secs(60));
        setter.join().unwrap();
        // Without the flag it sleeps its (here shortened) time in full.
        let calm = AtomicBool::new(false);
        let fixed = SystemClock {
            fixed_sleep: Some(Duration::ZERO),
        };
        assert!(!fixed.sleep_unless(Duration::from_secs(3600), &calm));
    }

    #[test]
    fn a_fake_sleep_that_is_cancelled_takes_no_time() {
        let clock = FakeClock::new(start());
        let cancel = AtomicBool::new(true);
        assert!(clock.sleep_unless(Duration::from_secs(5), &cancel));
        assert_eq!(clock.now(), start());
        assert!(clock.sleeps().is_empty());
        assert!(!clock.sleep_unless(Duration::from_secs(5), &AtomicBool::new(false)));
        assert_eq!(clock.sleeps(), [Duration::from_secs(5)]);
    }
}
