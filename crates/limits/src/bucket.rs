//! A lock-free token bucket implemented as GCRA (generic cell rate algorithm).
//!
//! # Equivalence with AWS's token bucket
//!
//! AWS describes a bucket of capacity `B = burstLimit` tokens, refilled continuously at
//! `r = rateLimit` tokens per second, starting full; a request takes one token or is refused.
//! GCRA keeps a single number instead of `(tokens, last_refill)`: the *theoretical arrival time*
//! `tat`, the instant at which the bucket would be full again. With `T = 1/r` (the emission
//! interval), the tokens available at time `t` are
//!
//! ```text
//! tokens(t) = B - max(0, tat - t) / T
//! ```
//!
//! so "at least one token" is `tat - t <= (B - 1) * T` (the tolerance `tau`), and taking a token is
//! `tat := max(tat, t) + T`. A `tat` in the past means a full bucket (tokens are capped at `B`).
//! Both forms admit exactly the same request sequences; GCRA's single word is what makes a
//! compare-and-swap implementation possible. `T` is kept in whole nanoseconds (rounded), so a rate
//! such as 3 rps drifts by at most one nanosecond per request.
//!
//! Edge cases: `burstLimit = 0` refuses every request. A rate of 0 (or negative/NaN) never refills
//! within any practical horizon: the full-refill time `B * T` is capped at 2^62 ns (about 146
//! years) so that the arithmetic cannot overflow. Rates above 10^9 rps behave as 10^9 rps.

use std::sync::Mutex;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Largest full-refill time `burst * interval` in nanoseconds (keeps all sums within `u64`).
const MAX_REFILL_NANOS: u64 = 1 << 62;

/// Rate and burst of one token bucket, with the GCRA parameters precomputed.
///
/// Construct once when a configuration is compiled; it is `Copy` and cheap to pass per request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ThrottleLimit {
    rate: f64,
    burst: u32,
    interval_nanos: u64,
    tolerance_nanos: u64,
}

impl ThrottleLimit {
    /// API Gateway's default account-level limit: 10,000 requests per second, burst 5,000.
    pub const ACCOUNT_DEFAULT: ThrottleLimit = ThrottleLimit::new(10_000.0, 5_000);

    /// A bucket of capacity `burst_limit` refilled at `rate_limit` tokens per second.
    ///
    /// Never fails: a negative or NaN rate is treated as 0 (no refill), see the module docs.
    pub const fn new(rate_limit: f64, burst_limit: u32) -> ThrottleLimit {
        let rate = if rate_limit.is_nan() || rate_limit < 0.0 {
            0.0
        } else {
            rate_limit
        };
        let max_interval = MAX_REFILL_NANOS
            / if burst_limit == 0 {
                1
            } else {
                burst_limit as u64
            };
        let interval = if rate == 0.0 {
            max_interval
        } else {
            let ideal = 1e9 / rate;
            // `as` saturates for floats; round half up.
            let rounded = (ideal + 0.5) as u64;
            let at_least_one = if rounded == 0 { 1 } else { rounded };
            if at_least_one > max_interval {
                max_interval
            } else {
                at_least_one
            }
        };
        let tolerance = if burst_limit == 0 {
            0
        } else {
            (burst_limit as u64 - 1) * interval
        };
        ThrottleLimit {
            rate,
            burst: burst_limit,
            interval_nanos: interval,
            tolerance_nanos: tolerance,
        }
    }

    /// Tokens added per second (`rateLimit`), after sanitising.
    pub const fn rate(&self) -> f64 {
        self.rate
    }

    /// Capacity of the bucket (`burstLimit`).
    pub const fn burst(&self) -> u32 {
        self.burst
    }

    /// Nanoseconds to refill one token (the GCRA emission interval).
    pub const fn interval_nanos(&self) -> u64 {
        self.interval_nanos
    }
}

/// One token bucket. All operations are lock-free except the rare switch to a new limit.
///
/// The bucket does not own its limit: every call passes the [`ThrottleLimit`] currently in force
/// (from the compiled configuration), and when it differs from the one the bucket last saw, the
/// bucket converts its state so that the number of tokens it holds is preserved (capped at the new
/// capacity) and then refills at the new rate. A request racing such a switch may be judged with
/// the old parameters; that is the only imprecision.
#[derive(Debug)]
#[repr(align(64))]
pub struct TokenBucket {
    /// Theoretical arrival time in nanoseconds on the owning clock.
    tat: AtomicU64,
    /// Emission interval of the limit last applied.
    interval_nanos: AtomicU64,
    /// Burst of the limit last applied.
    burst: AtomicU32,
    /// Serialises limit switches (never taken on the hot path).
    reconfigure: Mutex<()>,
}

impl TokenBucket {
    /// A full bucket for `limit`.
    pub fn new(limit: &ThrottleLimit) -> TokenBucket {
        TokenBucket {
            tat: AtomicU64::new(0),
            interval_nanos: AtomicU64::new(limit.interval_nanos),
            burst: AtomicU32::new(limit.burst),
            reconfigure: Mutex::new(()),
        }
    }

    /// Takes one token at time `now` (nanoseconds on the caller's clock).
    ///
    /// Returns `Err(wait)` when the bucket is empty, where `wait` is the number of nanoseconds
    /// until a token will be available (`u64::MAX` when never, i.e. burst 0).
    pub fn try_acquire(&self, limit: &ThrottleLimit, now: u64) -> Result<(), u64> {
        if limit.burst == 0 {
            return Err(u64::MAX);
        }
        self.apply_limit(limit, now);
        // A single atomic word is the whole state: the total order of read-modify-write
        // operations on it is all the synchronisation needed, so Relaxed is sufficient.
        let mut tat = self.tat.load(Ordering::Relaxed);
        loop {
            let base = tat.max(now);
            let ahead = base - now;
            if ahead > limit.tolerance_nanos {
                return Err(ahead - limit.tolerance_nanos);
            }
            let next = base.saturating_add(limit.interval_nanos);
            match self
                .tat
                .compare_exchange_weak(tat, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return Ok(()),
                Err(current) => tat = current,
            }
        }
    }

    /// Gives back one token taken by [`try_acquire`](Self::try_acquire) (never beyond capacity).
    pub fn refund(&self, limit: &ThrottleLimit, now: u64) {
        let mut tat = self.tat.load(Ordering::Relaxed);
        loop {
            if tat <= now {
                return;
            }
            let next = tat.saturating_sub(limit.interval_nanos).max(now);
            match self
                .tat
                .compare_exchange_weak(tat, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return,
                Err(current) => tat = current,
            }
        }
    }

    /// Tokens available at `now` (fractional), judged with `limit`.
    pub fn available(&self, limit: &ThrottleLimit, now: u64) -> f64 {
        self.apply_limit(limit, now);
        let ahead = self.tat.load(Ordering::Relaxed).saturating_sub(now);
        (limit.burst as f64 - ahead as f64 / limit.interval_nanos as f64).max(0.0)
    }

    /// Whether the bucket has been full since at least `now - idle_nanos`: dropping it and later
    /// creating a fresh (full) one is then indistinguishable from keeping it.
    pub fn idle_since(&self, now: u64, idle_nanos: u64) -> bool {
        self.tat.load(Ordering::Relaxed).saturating_add(idle_nanos) <= now
    }

    /// Switches the bucket to `limit` if it was last used with another one.
    fn apply_limit(&self, limit: &ThrottleLimit, now: u64) {
        if self.interval_nanos.load(Ordering::Acquire) == limit.interval_nanos
            && self.burst.load(Ordering::Acquire) == limit.burst
        {
            return;
        }
        let _guard = self
            .reconfigure
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let old_interval = self.interval_nanos.load(Ordering::Acquire);
        let old_burst = self.burst.load(Ordering::Acquire);
        if old_interval == limit.interval_nanos && old_burst == limit.burst {
            return;
        }
        let mut tat = self.tat.load(Ordering::Relaxed);
        loop {
            let ahead = tat.saturating_sub(now);
            let next = if ahead == 0 {
                // Full buckets stay "full as of the past"; capping happens naturally.
                tat
            } else {
                let tokens = (old_burst as f64 - ahead as f64 / old_interval.max(1) as f64)
                    .clamp(0.0, limit.burst as f64);
                let debt = (limit.burst as f64 - tokens) * limit.interval_nanos as f64;
                now.saturating_add(debt.round() as u64)
            };
            match self
                .tat
                .compare_exchange_weak(tat, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(current) => tat = current,
            }
        }
        self.burst.store(limit.burst, Ordering::Release);
        self.interval_nanos
            .store(limit.interval_nanos, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000_000;

    #[test]
    fn limit_parameters() {
        let l = ThrottleLimit::new(0.5, 3);
        assert_eq!(l.interval_nanos(), 2 * S);
        assert_eq!(l.tolerance_nanos, 4 * S);
        let z = ThrottleLimit::new(0.0, 4);
        assert_eq!(z.interval_nanos(), MAX_REFILL_NANOS / 4);
        let n = ThrottleLimit::new(f64::NAN, 1);
        assert_eq!(n.rate(), 0.0);
        let huge = ThrottleLimit::new(1e12, 10);
        assert_eq!(huge.interval_nanos(), 1);
    }

    #[test]
    fn zero_rate_serves_burst_then_never_refills() {
        let l = ThrottleLimit::new(0.0, 3);
        let b = TokenBucket::new(&l);
        for _ in 0..3 {
            assert!(b.try_acquire(&l, 0).is_ok());
        }
        assert!(b.try_acquire(&l, 0).is_err());
        assert!(b.try_acquire(&l, 1_000_000 * S).is_err());
    }

    #[test]
    fn refund_is_capped_at_capacity() {
        let l = ThrottleLimit::new(1.0, 2);
        let b = TokenBucket::new(&l);
        b.refund(&l, 0);
        b.refund(&l, 0);
        assert_eq!(b.available(&l, 0), 2.0);
        assert!(b.try_acquire(&l, 0).is_ok());
        assert!(b.try_acquire(&l, 0).is_ok());
        assert!(b.try_acquire(&l, 0).is_err());
        b.refund(&l, 0);
        assert!(b.try_acquire(&l, 0).is_ok());
    }
}
