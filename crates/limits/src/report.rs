//! GetUsage: per-day `[used, remaining]` for a usage plan's keys, from persisted daily counts.
//!
//! For each UTC day from `startDate` to `endDate` inclusive and each key, `used` is that day's
//! count and `remaining` is what was left of the quota at the end of that day within its quota
//! window: it falls through the window and resets to the limit at the start of the next one. Idle
//! days read `[0, remaining]`. To get the first days right, the daily counts must go back to the
//! start of the window containing `startDate` ([`usage_history_start`]).
//!
//! The current plan quota is applied to the whole range (past quota changes are not known).
//! A plan without a quota reports `remaining = 0` for every day: what AWS returns there is
//! unconfirmed, and a number keeps the `[[long, long]]` shape the SDKs parse.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use time::{Date, Month};

use crate::quota::{QuotaLimit, add_days};

/// Longest range [`get_usage`] accepts, in days (about ten years).
pub const MAX_USAGE_DAYS: i64 = 3_660;

/// Bad GetUsage input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageError {
    /// Not a `YYYY-MM-DD` date.
    #[error("invalid date {0:?}: expected YYYY-MM-DD")]
    InvalidDate(String),
    /// `endDate` before `startDate`.
    #[error("endDate {end} is before startDate {start}")]
    EndBeforeStart {
        /// `startDate`.
        start: String,
        /// `endDate`.
        end: String,
    },
    /// More than [`MAX_USAGE_DAYS`] days.
    #[error("date range of {0} days is too long (maximum {MAX_USAGE_DAYS})")]
    RangeTooLong(i64),
}

/// Persisted usage of one key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyUsage {
    /// Requests per UTC day (days absent = 0).
    pub daily: BTreeMap<Date, u64>,
    /// `UpdateUsage`'s extension of the quota, which daily counts cannot show.
    pub credit: Option<QuotaCredit>,
}

/// `UpdateUsage replace /remaining` as stored: from day `since` to the end of the quota window
/// `since` falls in, remaining = limit - used in the window + `credit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaCredit {
    pub since: Date,
    pub credit: i64,
}

impl QuotaCredit {
    /// The credit that moves a window's remaining count from `limit - used` to `remaining`.
    pub fn to_reach(since: Date, quota: &QuotaLimit, used: u64, remaining: u64) -> QuotaCredit {
        // Used may exceed the limit after an earlier extension: remaining - (limit - used).
        let credit = i128::from(remaining) - i128::from(quota.limit()) + i128::from(used);
        QuotaCredit {
            since,
            credit: i64::try_from(credit).unwrap_or(if credit < 0 { i64::MIN } else { i64::MAX }),
        }
    }

    /// The credit in force on `day` under `quota` (0 outside its window or before `since`).
    pub fn on(credit: Option<QuotaCredit>, quota: &QuotaLimit, day: Date) -> i64 {
        credit
            .filter(|c| c.since <= day && quota.window(day).contains(c.since))
            .map_or(0, |c| c.credit)
    }
}

/// `YYYY-MM-DD`.
pub fn format_date(day: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

/// Parses `YYYY-MM-DD` (four-digit year, two-digit month and day).
pub fn parse_date(s: &str) -> Result<Date, UsageError> {
    let bad = || UsageError::InvalidDate(s.to_owned());
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let digits = |r: std::ops::Range<usize>| -> Result<u32, UsageError> {
        let part = &s[r];
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let year = i32::try_from(digits(0..4)?).map_err(|_| bad())?;
    let month = u8::try_from(digits(5..7)?).map_err(|_| bad())?;
    let day = u8::try_from(digits(8..10)?).map_err(|_| bad())?;
    let month = Month::try_from(month).map_err(|_| bad())?;
    Date::from_calendar_date(year, month, day).map_err(|_| bad())
}

/// The first day whose count [`get_usage`] needs for a range starting at `start`.
pub fn usage_history_start(quota: Option<&QuotaLimit>, start: Date) -> Date {
    quota.map_or(start, |q| q.window(start).start)
}

/// AWS's GetUsage body for `plan_id` over `start..=end`, one entry per key of `keys` (in key
/// order): `{"usagePlanId","startDate","endDate","values":{keyId:[[used,remaining],...]}}`.
pub fn get_usage(
    plan_id: &str,
    quota: Option<&QuotaLimit>,
    start: Date,
    end: Date,
    keys: &BTreeMap<String, KeyUsage>,
) -> Result<Value, UsageError> {
    if end < start {
        return Err(UsageError::EndBeforeStart {
            start: format_date(start),
            end: format_date(end),
        });
    }
    let days = i64::from(end.to_julian_day()) - i64::from(start.to_julian_day()) + 1;
    if days > MAX_USAGE_DAYS {
        return Err(UsageError::RangeTooLong(days));
    }
    let mut values = Map::new();
    for (key_id, usage) in keys {
        let rows: Vec<Value> = key_rows(quota, start, end, usage)
            .into_iter()
            .map(|(used, remaining)| json!([used, remaining]))
            .collect();
        values.insert(key_id.clone(), Value::Array(rows));
    }
    Ok(json!({
        "usagePlanId": plan_id,
        "startDate": format_date(start),
        "endDate": format_date(end),
        "values": values,
    }))
}

/// `[used, remaining]` per day of `start..=end` for one key.
fn key_rows(
    quota: Option<&QuotaLimit>,
    start: Date,
    end: Date,
    usage: &KeyUsage,
) -> Vec<(u64, u64)> {
    let mut rows = Vec::new();
    let mut window = None;
    // Requests used in the current window up to and including the current day.
    let mut used_in_window: u64 = 0;
    let mut day = start;
    loop {
        let used = usage.daily.get(&day).copied().unwrap_or(0);
        let remaining = match quota {
            None => 0,
            Some(q) => {
                let w = q.window(day);
                if window != Some(w) {
                    window = Some(w);
                    used_in_window = usage.daily.range(w.start..day).map(|(_, n)| *n).sum();
                }
                used_in_window = used_in_window.saturating_add(used);
                let limit =
                    i128::from(q.limit()) + i128::from(QuotaCredit::on(usage.credit, q, day));
                let left = (limit - i128::from(used_in_window)).max(0);
                u64::try_from(left).unwrap_or(u64::MAX)
            }
        };
        rows.push((used, remaining));
        if day >= end {
            break;
        }
        day = add_days(day, 1);
    }
    rows
}
