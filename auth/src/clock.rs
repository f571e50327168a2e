//! Time as the auth code sees it.
//!
//! Token lifetimes are judged against wall-clock seconds, while the JWKS
//! refetch rate limit needs a monotonic clock so that an NTP step cannot
//! unlock a burst of fetches. Both come from one injectable source so tests
//! can move time forward instead of sleeping.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A source of "now", shared by the validator, the JWKS cache and the local
/// issuer.
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the Unix epoch, the unit of `exp`, `iat` and `nbf`.
    fn unix_now(&self) -> u64;
    /// A monotonic instant, for rate limits.
    fn instant_now(&self) -> Instant;
}

/// The real clocks.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn unix_now(&self) -> u64 {
        // A clock before 1970 is a broken host; treating it as the epoch makes
        // every token look expired, which fails closed.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }

    fn instant_now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that only moves when told to: both readings advance together, so
/// a test can expire a token or open the refetch window without sleeping.
#[derive(Debug)]
pub struct ManualClock {
    unix_base: u64,
    instant_base: Instant,
    offset_millis: AtomicU64,
}

impl ManualClock {
    /// Starts at the real current time, so tokens minted against it are also
    /// plausible to anything that uses the system clock.
    pub fn starting_now() -> Self {
        Self::starting_at(SystemClock.unix_now())
    }

    /// Starts at a chosen Unix time.
    pub fn starting_at(unix_secs: u64) -> Self {
        Self {
            unix_base: unix_secs,
            instant_base: Instant::now(),
            offset_millis: AtomicU64::new(0),
        }
    }

    /// Moves both readings forward.
    pub fn advance(&self, by: Duration) {
        let millis = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.offset_millis.fetch_add(millis, Ordering::SeqCst);
    }

    fn offset(&self) -> Duration {
        Duration::from_millis(self.offset_millis.load(Ordering::SeqCst))
    }
}

impl Clock for ManualClock {
    fn unix_now(&self) -> u64 {
        self.unix_base.saturating_add(self.offset().as_secs())
    }

    fn instant_now(&self) -> Instant {
        self.instant_base + self.offset()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_both_readings_together() {
        let clock = ManualClock::starting_at(1_000);
        let before = clock.instant_now();
        clock.advance(Duration::from_secs(10));
        assert_eq!(clock.unix_now(), 1_010);
        assert_eq!(clock.instant_now() - before, Duration::from_secs(10));
    }
}
