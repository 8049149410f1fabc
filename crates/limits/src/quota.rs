//! Usage-plan quotas: requests per (usage plan, API key) in UTC windows (reference §3.4).
//!
//! # Windows
//!
//! - `DAY`: from 00:00 UTC to the next 00:00. Only `offset = 0` is accepted.
//! - `WEEK`: from 00:00 UTC on Sunday + `offset` days (0 = Sunday, 1 = Monday, ... 6 = Saturday),
//!   seven days long.
//! - `MONTH`: from 00:00 UTC on day `1 + offset` of the month (`offset` 0..=30) to the same day of
//!   the next month. In a month too short for that day the window starts on its last day (offset
//!   28 starts on Feb 29 in leap years and Feb 28 otherwise).
//!
//! AWS's model documentation once defined `offset` as this start day; its current text describes
//! it as "requests subtracted from the limit in the initial period". Which one AWS enforces is
//! unconfirmed; this crate implements the start-day meaning, as the reference recommends.
//!
//! # Counting
//!
//! [`Quotas::check_and_count`] admits and counts in one atomic step; a refused request is not
//! counted. The state of one counter is a single `AtomicU64` packing the window's start day
//! (24 bits) and the count used in it (40 bits, signed so that `UpdateUsage` may set a remaining
//! count above the limit), updated by compare-and-swap; a counter whose stored window is not the
//! current one reads as unused, which is how windows roll over. A change of period or offset on
//! redeploy therefore starts a fresh count unless the new window starts on the same day.

use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};

use hashbrown::Equivalent;
use std::hash::{Hash, Hasher};
use time::{Date, Month, OffsetDateTime, UtcOffset};

use crate::shard::{ShardedMap, str_eq};

/// Largest quota limit and remaining count this crate represents (2^39 - 1).
pub const MAX_QUOTA: u64 = (1 << 39) - 1;

const USED_BITS: u32 = 40;
const USED_MASK: u64 = (1 << USED_BITS) - 1;
/// Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN: i32 = 2_440_588;

/// The period a quota counts over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QuotaPeriod {
    /// A UTC day.
    Day,
    /// Seven UTC days.
    Week,
    /// A calendar month (UTC).
    Month,
}

impl QuotaPeriod {
    /// AWS's name: `DAY`, `WEEK` or `MONTH`.
    pub fn as_str(self) -> &'static str {
        match self {
            QuotaPeriod::Day => "DAY",
            QuotaPeriod::Week => "WEEK",
            QuotaPeriod::Month => "MONTH",
        }
    }

    /// Largest accepted `offset` for this period.
    pub fn max_offset(self) -> u32 {
        match self {
            QuotaPeriod::Day => 0,
            QuotaPeriod::Week => 6,
            QuotaPeriod::Month => 30,
        }
    }
}

/// An invalid quota configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuotaError {
    /// `offset` out of range for the period.
    #[error("quota offset {offset} is invalid for period {period}: must be between 0 and {max}")]
    InvalidOffset {
        /// The period.
        period: &'static str,
        /// The offset given.
        offset: u32,
        /// The largest accepted offset.
        max: u32,
    },
    /// `limit` above [`MAX_QUOTA`].
    #[error("quota limit {0} is too large (maximum {MAX_QUOTA})")]
    LimitTooLarge(u64),
}

/// A validated `quota{limit, offset, period}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QuotaLimit {
    limit: u64,
    offset: u32,
    period: QuotaPeriod,
}

/// One quota window: `[start, end)` in UTC days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QuotaWindow {
    /// First day of the window (from 00:00 UTC).
    pub start: Date,
    /// First day after the window.
    pub end: Date,
}

impl QuotaWindow {
    /// Whether `day` falls in this window.
    pub fn contains(&self, day: Date) -> bool {
        self.start <= day && day < self.end
    }
}

impl QuotaLimit {
    /// Validates a quota: `limit <= MAX_QUOTA`, `offset <= period.max_offset()`.
    pub fn new(limit: u64, offset: u32, period: QuotaPeriod) -> Result<QuotaLimit, QuotaError> {
        if limit > MAX_QUOTA {
            return Err(QuotaError::LimitTooLarge(limit));
        }
        let max = period.max_offset();
        if offset > max {
            return Err(QuotaError::InvalidOffset {
                period: period.as_str(),
                offset,
                max,
            });
        }
        Ok(QuotaLimit {
            limit,
            offset,
            period,
        })
    }

    /// Requests allowed per window.
    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// The start-day offset.
    pub fn offset(&self) -> u32 {
        self.offset
    }

    /// The period.
    pub fn period(&self) -> QuotaPeriod {
        self.period
    }

    /// The window containing UTC day `day`.
    pub fn window(&self, day: Date) -> QuotaWindow {
        match self.period {
            QuotaPeriod::Day => QuotaWindow {
                start: day,
                end: add_days(day, 1),
            },
            QuotaPeriod::Week => {
                let weekday = i32::from(day.weekday().number_days_from_sunday());
                let back = (weekday - self.offset as i32).rem_euclid(7);
                let start = add_days(day, -back);
                QuotaWindow {
                    start,
                    end: add_days(start, 7),
                }
            }
            QuotaPeriod::Month => {
                let (year, month) = (day.year(), day.month());
                let this_start = month_start(year, month, self.offset);
                if day >= this_start {
                    let (ny, nm) = next_month(year, month);
                    QuotaWindow {
                        start: this_start,
                        end: month_start(ny, nm, self.offset),
                    }
                } else {
                    let (py, pm) = previous_month(year, month);
                    QuotaWindow {
                        start: month_start(py, pm, self.offset),
                        end: this_start,
                    }
                }
            }
        }
    }

    /// The window containing the instant `now` (taken in UTC).
    pub fn window_at(&self, now: OffsetDateTime) -> QuotaWindow {
        self.window(utc_date(now))
    }
}

/// The UTC calendar day of `now`.
pub fn utc_date(now: OffsetDateTime) -> Date {
    now.to_offset(UtcOffset::UTC).date()
}

/// `day + days`, saturating at the supported date range.
pub(crate) fn add_days(day: Date, days: i32) -> Date {
    let jd = day.to_julian_day().saturating_add(days);
    Date::from_julian_day(jd).unwrap_or(if days < 0 { Date::MIN } else { Date::MAX })
}

fn month_start(year: i32, month: Month, offset: u32) -> Date {
    let last = month.length(year);
    let day = u8::try_from(offset.saturating_add(1))
        .unwrap_or(u8::MAX)
        .min(last);
    Date::from_calendar_date(year, month, day).unwrap_or(Date::MAX)
}

fn next_month(year: i32, month: Month) -> (i32, Month) {
    match month {
        Month::December => (year.saturating_add(1), Month::January),
        m => (year, m.next()),
    }
}

fn previous_month(year: i32, month: Month) -> (i32, Month) {
    match month {
        Month::January => (year.saturating_sub(1), Month::December),
        m => (year, m.previous()),
    }
}

/// 24-bit tag of a window, from its start day (1 = 1970-01-01; earlier days clamp to 1).
fn window_tag(start: Date) -> u64 {
    let index = i64::from(start.to_julian_day()) - i64::from(UNIX_EPOCH_JULIAN) + 1;
    index.clamp(1, (1 << (64 - USED_BITS)) - 1) as u64
}

fn pack(tag: u64, used: i64) -> u64 {
    (tag << USED_BITS) | (used as u64 & USED_MASK)
}

fn unpack(state: u64) -> (u64, i64) {
    let tag = state >> USED_BITS;
    // Sign-extend the low 40 bits.
    let used = ((state << (64 - USED_BITS)) as i64) >> (64 - USED_BITS);
    (tag, used)
}

/// The outcome of [`Quotas::check_and_count`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaDecision {
    /// Counted; `remaining` requests are left in the window.
    Admitted {
        /// Requests left after this one.
        remaining: u64,
    },
    /// The window's quota is used up (429 `QUOTA_EXCEEDED`); nothing was counted.
    Exceeded,
}

impl QuotaDecision {
    /// Whether the request may proceed.
    pub fn is_admitted(&self) -> bool {
        matches!(self, QuotaDecision::Admitted { .. })
    }
}

#[derive(Debug)]
struct QuotaCounter {
    state: AtomicU64,
    /// Julian day after the window last written (for eviction only).
    window_end: AtomicI32,
}

impl QuotaCounter {
    fn new() -> QuotaCounter {
        QuotaCounter {
            state: AtomicU64::new(0),
            window_end: AtomicI32::new(i32::MIN),
        }
    }

    fn used_in(&self, tag: u64) -> i64 {
        let (t, used) = unpack(self.state.load(Ordering::Acquire));
        if t == tag { used } else { 0 }
    }

    fn check_and_count(&self, tag: u64, window: &QuotaWindow, limit: u64) -> QuotaDecision {
        let limit = limit as i64;
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let (t, used) = unpack(state);
            let used = if t == tag { used } else { 0 };
            if used >= limit {
                return QuotaDecision::Exceeded;
            }
            let next = pack(tag, used + 1);
            match self
                .state
                .compare_exchange_weak(state, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    self.note_window(window);
                    return QuotaDecision::Admitted {
                        remaining: (limit - used - 1) as u64,
                    };
                }
                Err(current) => state = current,
            }
        }
    }

    fn update(&self, tag: u64, window: &QuotaWindow, f: impl Fn(i64) -> i64) {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let (t, used) = unpack(state);
            let used = if t == tag { used } else { 0 };
            let next = pack(tag, f(used).clamp(-(MAX_QUOTA as i64), MAX_QUOTA as i64));
            match self
                .state
                .compare_exchange_weak(state, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => break,
                Err(current) => state = current,
            }
        }
        self.note_window(window);
    }

    fn note_window(&self, window: &QuotaWindow) {
        let end = window.end.to_julian_day();
        if self.window_end.load(Ordering::Relaxed) < end {
            self.window_end.fetch_max(end, Ordering::Relaxed);
        }
    }

    fn expired(&self, today: Date) -> bool {
        self.window_end.load(Ordering::Relaxed) <= today.to_julian_day()
    }
}

#[derive(Debug)]
struct QuotaKeyBuf {
    plan_id: Box<str>,
    key_id: Box<str>,
}

impl Hash for QuotaKeyBuf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        QuotaKey(&self.plan_id, &self.key_id).hash(state);
    }
}

#[derive(Hash)]
struct QuotaKey<'a>(&'a str, &'a str);

impl Equivalent<QuotaKeyBuf> for QuotaKey<'_> {
    fn equivalent(&self, key: &QuotaKeyBuf) -> bool {
        str_eq(self.0, &key.plan_id) && str_eq(self.1, &key.key_id)
    }
}

/// Quota counters of one gateway process, per (usage plan id, API key id).
///
/// Every method takes the current instant `now`, so callers (and tests) control the wall clock.
pub struct Quotas {
    counters: ShardedMap<QuotaKeyBuf, QuotaCounter>,
}

impl std::fmt::Debug for Quotas {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Quotas")
            .field("counters", &self.counters.len())
            .finish()
    }
}

impl Default for Quotas {
    fn default() -> Self {
        Self::new()
    }
}

impl Quotas {
    /// Empty counters.
    pub fn new() -> Quotas {
        let cpus = std::thread::available_parallelism().map_or(4, |n| n.get());
        Quotas {
            counters: ShardedMap::new((cpus * 4).max(16)),
        }
    }

    /// Admits and counts one request if the current window has quota left.
    pub fn check_and_count(
        &self,
        plan_id: &str,
        key_id: &str,
        quota: &QuotaLimit,
        now: OffsetDateTime,
    ) -> QuotaDecision {
        let today = utc_date(now);
        let window = quota.window(today);
        let tag = window_tag(window.start);
        self.counters.with_or_insert(
            &QuotaKey(plan_id, key_id),
            || Self::make(plan_id, key_id),
            |c| c.expired(today),
            |c| c.check_and_count(tag, &window, quota.limit),
        )
    }

    /// Requests left in the current window (the full limit for an unknown key).
    pub fn remaining(
        &self,
        plan_id: &str,
        key_id: &str,
        quota: &QuotaLimit,
        now: OffsetDateTime,
    ) -> u64 {
        let used = self.used(plan_id, key_id, quota, now);
        (quota.limit as i64 - used).max(0) as u64
    }

    /// Requests counted in the current window (negative after `set_remaining` above the limit).
    pub fn used(
        &self,
        plan_id: &str,
        key_id: &str,
        quota: &QuotaLimit,
        now: OffsetDateTime,
    ) -> i64 {
        let tag = window_tag(quota.window_at(now).start);
        self.counters
            .with(&QuotaKey(plan_id, key_id), |c| c.used_in(tag))
            .unwrap_or(0)
    }

    /// `UpdateUsage replace /remaining`: sets what is left in the current window
    /// (clamped to [`MAX_QUOTA`]); may exceed the limit.
    pub fn set_remaining(
        &self,
        plan_id: &str,
        key_id: &str,
        quota: &QuotaLimit,
        remaining: u64,
        now: OffsetDateTime,
    ) {
        let used = quota.limit as i64 - remaining.min(MAX_QUOTA) as i64;
        self.update(plan_id, key_id, quota, now, move |_| used);
    }

    /// Adds `count` already-used requests to the current window, e.g. when seeding counters at
    /// start-up from persisted usage.
    pub fn add_used(
        &self,
        plan_id: &str,
        key_id: &str,
        quota: &QuotaLimit,
        count: u64,
        now: OffsetDateTime,
    ) {
        let count = count.min(MAX_QUOTA) as i64;
        self.update(plan_id, key_id, quota, now, move |used| used + count);
    }

    /// Drops counters whose last window has ended (they read as unused anyway); returns how many.
    pub fn evict_expired(&self, now: OffsetDateTime) -> usize {
        let today = utc_date(now);
        self.counters.retain_not(|_, c| c.expired(today))
    }

    /// Number of counters held.
    pub fn counter_count(&self) -> usize {
        self.counters.len()
    }

    fn update(
        &self,
        plan_id: &str,
        key_id: &str,
        quota: &QuotaLimit,
        now: OffsetDateTime,
        f: impl Fn(i64) -> i64,
    ) {
        let today = utc_date(now);
        let window = quota.window(today);
        let tag = window_tag(window.start);
        self.counters.with_or_insert(
            &QuotaKey(plan_id, key_id),
            || Self::make(plan_id, key_id),
            |c| c.expired(today),
            |c| c.update(tag, &window, f),
        );
    }

    fn make(plan_id: &str, key_id: &str) -> (QuotaKeyBuf, QuotaCounter) {
        (
            QuotaKeyBuf {
                plan_id: plan_id.into(),
                key_id: key_id.into(),
            },
            QuotaCounter::new(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_roundtrip() {
        for used in [0i64, 1, -1, MAX_QUOTA as i64, -(MAX_QUOTA as i64)] {
            assert_eq!(unpack(pack(12345, used)), (12345, used));
        }
    }
}
