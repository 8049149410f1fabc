//! GCRA admits exactly what a textbook token bucket admits, on random arrival sequences.

use std::sync::Arc;

use tollgate_limits::{ManualClock, Scope, ScopeKey, ThrottleLimit, Throttles};

/// The token bucket as AWS describes it, in integer "token-nanoseconds" so that it is exact:
/// one token = `interval` units, capacity `burst * interval`, one unit refilled per nanosecond.
struct Reference {
    interval: u64,
    capacity: u64,
    level: u64,
    last: u64,
}

impl Reference {
    fn new(limit: &ThrottleLimit) -> Reference {
        let capacity = u64::from(limit.burst()) * limit.interval_nanos();
        Reference {
            interval: limit.interval_nanos(),
            capacity,
            level: capacity,
            last: 0,
        }
    }

    fn try_take(&mut self, now: u64) -> bool {
        self.level = (self.level + (now - self.last)).min(self.capacity);
        self.last = now;
        if self.level >= self.interval {
            self.level -= self.interval;
            true
        } else {
            false
        }
    }
}

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn gcra_matches_a_token_bucket() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    // Rates whose interval is a whole number of nanoseconds, so both sides are exact.
    let rates = [
        0.25, 0.5, 1.0, 2.0, 3.2, 5.0, 8.0, 10.0, 100.0, 1000.0, 10_000.0,
    ];
    let mut decisions = 0;
    for case in 0..200 {
        let rate = rates[case % rates.len()];
        let burst = (rng.next() % 20) as u32 + 1;
        let limit = ThrottleLimit::new(rate, burst);
        let clock = Arc::new(ManualClock::new(0));
        let throttles = Throttles::new(clock.clone());
        let scope = [Scope {
            key: ScopeKey::Account,
            limit,
        }];
        let mut reference = Reference::new(&limit);
        // Mean gap around one interval, sometimes bursts of simultaneous requests.
        let mut now = 0u64;
        for _ in 0..500 {
            let gap = match rng.next() % 4 {
                0 => 0,
                1 => rng.next() % (limit.interval_nanos() / 2 + 1),
                _ => rng.next() % (limit.interval_nanos() * 2 + 1),
            };
            now += gap;
            clock.advance_nanos(gap);
            let expected = reference.try_take(now);
            let actual = throttles.try_acquire(&scope).is_admitted();
            assert_eq!(actual, expected, "rate {rate} burst {burst} at {now} ns");
            decisions += 1;
        }
    }
    assert_eq!(decisions, 100_000);
}
