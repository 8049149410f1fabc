//! Time sources: a monotonic clock for token buckets and a UTC wall clock for quota windows and
//! usage days. Both have manual implementations so tests are deterministic without sleeping.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Instant;

use time::OffsetDateTime;

/// A monotonic clock in nanoseconds since an arbitrary origin.
///
/// Contract: successive calls never go backwards. The origin is fixed for the lifetime of the
/// clock, so values from different clocks must not be compared.
pub trait Clock: Send + Sync {
    /// Nanoseconds since this clock's origin.
    fn now_nanos(&self) -> u64;
}

/// The process's monotonic clock ([`Instant`]), with its origin at construction.
#[derive(Debug, Clone, Copy)]
pub struct MonotonicClock {
    origin: Instant,
}

impl MonotonicClock {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        MonotonicClock {
            origin: Instant::now(),
        }
    }
}

impl Default for MonotonicClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for MonotonicClock {
    fn now_nanos(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

/// A clock that only moves when told to (tests, simulations).
#[derive(Debug, Default)]
pub struct ManualClock {
    nanos: AtomicU64,
}

impl ManualClock {
    /// A clock reading `nanos`.
    pub fn new(nanos: u64) -> Self {
        ManualClock {
            nanos: AtomicU64::new(nanos),
        }
    }

    /// Moves the clock forward by `nanos`.
    pub fn advance_nanos(&self, nanos: u64) {
        self.nanos.fetch_add(nanos, Ordering::SeqCst);
    }

    /// Moves the clock forward by `millis` milliseconds.
    pub fn advance_millis(&self, millis: u64) {
        self.advance_nanos(millis.saturating_mul(1_000_000));
    }

    /// Moves the clock forward by `secs` seconds.
    pub fn advance_secs(&self, secs: u64) {
        self.advance_nanos(secs.saturating_mul(1_000_000_000));
    }
}

impl Clock for ManualClock {
    fn now_nanos(&self) -> u64 {
        self.nanos.load(Ordering::SeqCst)
    }
}

/// The current UTC date and time, for quota windows and usage days.
pub trait WallClock: Send + Sync {
    /// Now, in UTC.
    fn now_utc(&self) -> OffsetDateTime;
}

/// The system's real-time clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemWallClock;

impl WallClock for SystemWallClock {
    fn now_utc(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A wall clock that only moves when told to, with second resolution.
#[derive(Debug)]
pub struct ManualWallClock {
    unix_seconds: AtomicI64,
}

impl ManualWallClock {
    /// A clock reading `now` (truncated to whole seconds, converted to UTC).
    pub fn new(now: OffsetDateTime) -> Self {
        ManualWallClock {
            unix_seconds: AtomicI64::new(now.unix_timestamp()),
        }
    }

    /// Sets the clock to `now` (truncated to whole seconds).
    pub fn set(&self, now: OffsetDateTime) {
        self.unix_seconds
            .store(now.unix_timestamp(), Ordering::SeqCst);
    }

    /// Moves the clock by `secs` seconds (negative moves it back).
    pub fn advance_secs(&self, secs: i64) {
        self.unix_seconds.fetch_add(secs, Ordering::SeqCst);
    }
}

impl WallClock for ManualWallClock {
    fn now_utc(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.unix_seconds.load(Ordering::SeqCst))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}
