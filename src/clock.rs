//! Time as a dependency: polling, retry back-off and expiry read this clock, so tests never
//! wait for real.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
    fn sleep(&self, duration: Duration);
}

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
        state.0 += chrono::Duration::from_std(by).expect("duration in range");
    }
}

impl Clock for FakeClock {
    fn now(&self) -> DateTime<Utc> {
        self.state.lock().expect("clock lock").0
    }

    fn sleep(&self, duration: Duration) {
        let mut state = self.state.lock().expect("clock lock");
        state.0 += chrono::Duration::from_std(duration).expect("duration in range");
        state.1.push(duration);
    }
}
