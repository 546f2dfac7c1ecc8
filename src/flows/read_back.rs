//! Reading a write back. The Gitpod API's reads can lag its writes (read replicas): a read
//! right after a write that does not show it yet proves nothing. The Terraform provider of the
//! same API reads up to four times with back-off before it concludes; so does ado-scm.

use std::time::Duration;

use crate::clock::Clock;
use crate::error::Result;

/// Reads after a write, at most.
pub const ATTEMPTS: u32 = 4;
/// The first wait between reads (doubled each time: 1, 2, 4 s).
const FIRST_WAIT: Duration = Duration::from_secs(1);

/// Calls `read` until it finds what it looks for (`Some`), at most [`ATTEMPTS`] times with
/// growing waits on `clock`; `None` when it never did.
pub fn until_found<T>(
    clock: &dyn Clock,
    mut read: impl FnMut() -> Result<Option<T>>,
) -> Result<Option<T>> {
    let mut wait = FIRST_WAIT;
    for attempt in 1..=ATTEMPTS {
        if let Some(found) = read()? {
            return Ok(Some(found));
        }
        if attempt < ATTEMPTS {
            tracing::info!("the write does not show yet; reading again in {wait:?}");
            clock.sleep(wait);
            wait *= 2;
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FakeClock;

    fn clock() -> FakeClock {
        FakeClock::new(chrono::Utc::now())
    }

    #[test]
    fn stops_at_the_first_read_that_shows_the_write() {
        let clock = clock();
        let mut reads = 0;
        let found = until_found(&clock, || {
            reads += 1;
            Ok((reads == 3).then_some("it"))
        })
        .unwrap();
        assert_eq!(found, Some("it"));
        assert_eq!(
            clock.sleeps(),
            [Duration::from_secs(1), Duration::from_secs(2)]
        );
    }

    #[test]
    fn gives_up_after_four_reads() {
        let clock = clock();
        let mut reads = 0;
        let found: Option<()> = until_found(&clock, || {
            reads += 1;
            Ok(None)
        })
        .unwrap();
        assert_eq!((found, reads), (None, 4));
        assert_eq!(clock.sleeps().len(), 3);
    }
}
