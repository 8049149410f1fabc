//! Quota windows and counting, on explicit UTC instants.

use std::sync::Arc;

use time::macros::{date, datetime};
use time::{OffsetDateTime, Weekday};
use tollgate_limits::{
    Counters, LocalCounters, MAX_QUOTA, ManualClock, ManualWallClock, QuotaDecision, QuotaError,
    QuotaLimit, QuotaPeriod, QuotaWindow, Quotas,
};

fn q(limit: u64, offset: u32, period: QuotaPeriod) -> QuotaLimit {
    QuotaLimit::new(limit, offset, period).expect("valid quota")
}

fn w(start: time::Date, end: time::Date) -> QuotaWindow {
    QuotaWindow { start, end }
}

fn take(quotas: &Quotas, quota: &QuotaLimit, now: OffsetDateTime) -> bool {
    quotas
        .check_and_count("plan", "key", quota, now)
        .is_admitted()
}

#[test]
fn day_window_counts_and_resets_at_midnight_utc() {
    let quotas = Quotas::new();
    let day = q(3, 0, QuotaPeriod::Day);
    let t = datetime!(2026-03-10 08:00 UTC);
    assert_eq!(
        quotas.check_and_count("plan", "key", &day, t),
        QuotaDecision::Admitted { remaining: 2 }
    );
    assert!(take(&quotas, &day, t));
    assert!(take(&quotas, &day, t));
    assert_eq!(
        quotas.check_and_count("plan", "key", &day, t),
        QuotaDecision::Exceeded
    );
    // Refused requests are not counted.
    for _ in 0..10 {
        assert!(!take(&quotas, &day, datetime!(2026-03-10 23:59:59 UTC)));
    }
    assert_eq!(quotas.used("plan", "key", &day, t), 3);
    assert_eq!(quotas.remaining("plan", "key", &day, t), 0);
    // Midnight UTC, even when the caller's instant carries another offset.
    let next = datetime!(2026-03-10 20:00 -04:00);
    assert_eq!(quotas.remaining("plan", "key", &day, next), 3);
    assert_eq!(
        quotas.check_and_count("plan", "key", &day, next),
        QuotaDecision::Admitted { remaining: 2 }
    );
    // Other keys and plans have their own counters.
    assert_eq!(quotas.remaining("plan", "other", &day, t), 3);
    assert!(
        quotas
            .check_and_count("plan2", "key", &day, t)
            .is_admitted()
    );
}

#[test]
fn week_starts_on_sunday_plus_offset() {
    assert_eq!(date!(2026 - 11 - 22).weekday(), Weekday::Sunday);
    let wed = date!(2026 - 11 - 25);
    assert_eq!(
        q(1, 0, QuotaPeriod::Week).window(wed),
        w(date!(2026 - 11 - 22), date!(2026 - 11 - 29))
    );
    assert_eq!(
        q(1, 1, QuotaPeriod::Week).window(wed),
        w(date!(2026 - 11 - 23), date!(2026 - 11 - 30))
    );
    assert_eq!(
        q(1, 3, QuotaPeriod::Week).window(wed),
        w(date!(2026 - 11 - 25), date!(2026 - 12 - 02)),
        "window starts on the day itself"
    );
    assert_eq!(
        q(1, 4, QuotaPeriod::Week).window(wed),
        w(date!(2026 - 11 - 19), date!(2026 - 11 - 26))
    );
    assert_eq!(
        q(1, 6, QuotaPeriod::Week).window(date!(2026 - 12 - 31)),
        w(date!(2026 - 12 - 26), date!(2027 - 01 - 02)),
        "across a year end"
    );

    let quotas = Quotas::new();
    let week = q(2, 0, QuotaPeriod::Week);
    assert!(take(&quotas, &week, datetime!(2026-11-22 00:00 UTC)));
    assert!(take(&quotas, &week, datetime!(2026-11-25 12:00 UTC)));
    assert!(!take(&quotas, &week, datetime!(2026-11-28 23:59:59 UTC)));
    assert!(take(&quotas, &week, datetime!(2026-11-29 00:00 UTC)));
    // Monday-start week: Sunday 29 is still in the window that began Monday 23.
    let monday = q(1, 1, QuotaPeriod::Week);
    let quotas = Quotas::new();
    assert!(take(&quotas, &monday, datetime!(2026-11-23 00:00 UTC)));
    assert!(!take(&quotas, &monday, datetime!(2026-11-29 23:59:59 UTC)));
    assert!(take(&quotas, &monday, datetime!(2026-11-30 00:00 UTC)));
}

#[test]
fn month_windows_with_offsets_end_of_month_and_leap_years() {
    let m0 = q(1, 0, QuotaPeriod::Month);
    assert_eq!(
        m0.window(date!(2024 - 02 - 29)),
        w(date!(2024 - 02 - 01), date!(2024 - 03 - 01))
    );
    assert_eq!(
        m0.window(date!(2026 - 12 - 31)),
        w(date!(2026 - 12 - 01), date!(2027 - 01 - 01))
    );
    let m5 = q(1, 5, QuotaPeriod::Month);
    assert_eq!(
        m5.window(date!(2026 - 01 - 03)),
        w(date!(2025 - 12 - 06), date!(2026 - 01 - 06))
    );
    assert_eq!(
        m5.window(date!(2026 - 01 - 06)),
        w(date!(2026 - 01 - 06), date!(2026 - 02 - 06))
    );
    // Start day 29: Feb 29 in a leap year, Feb 28 otherwise.
    let m28 = q(1, 28, QuotaPeriod::Month);
    assert_eq!(
        m28.window(date!(2024 - 02 - 28)),
        w(date!(2024 - 01 - 29), date!(2024 - 02 - 29))
    );
    assert_eq!(
        m28.window(date!(2024 - 02 - 29)),
        w(date!(2024 - 02 - 29), date!(2024 - 03 - 29))
    );
    assert_eq!(
        m28.window(date!(2023 - 02 - 28)),
        w(date!(2023 - 02 - 28), date!(2023 - 03 - 29))
    );
    // Start day 31 clamps to the last day of shorter months.
    let m30 = q(1, 30, QuotaPeriod::Month);
    assert_eq!(
        m30.window(date!(2026 - 04 - 15)),
        w(date!(2026 - 03 - 31), date!(2026 - 04 - 30))
    );
    assert_eq!(
        m30.window(date!(2026 - 04 - 30)),
        w(date!(2026 - 04 - 30), date!(2026 - 05 - 31))
    );

    let quotas = Quotas::new();
    let month = q(2, 0, QuotaPeriod::Month);
    assert!(take(&quotas, &month, datetime!(2024-01-01 00:00 UTC)));
    assert!(take(&quotas, &month, datetime!(2024-01-15 00:00 UTC)));
    assert!(!take(&quotas, &month, datetime!(2024-01-31 23:59:59 UTC)));
    assert!(take(&quotas, &month, datetime!(2024-02-01 00:00 UTC)));
    assert!(take(&quotas, &month, datetime!(2024-02-29 23:59:59 UTC)));
    assert!(!take(&quotas, &month, datetime!(2024-02-29 23:59:59 UTC)));
    assert_eq!(
        quotas.remaining("plan", "key", &month, datetime!(2024-03-01 00:00 UTC)),
        2
    );
}

#[test]
fn invalid_quotas_are_refused() {
    assert_eq!(
        QuotaLimit::new(10, 1, QuotaPeriod::Day),
        Err(QuotaError::InvalidOffset {
            period: "DAY",
            offset: 1,
            max: 0
        })
    );
    assert!(QuotaLimit::new(10, 7, QuotaPeriod::Week).is_err());
    assert!(QuotaLimit::new(10, 31, QuotaPeriod::Month).is_err());
    assert_eq!(
        QuotaLimit::new(MAX_QUOTA + 1, 0, QuotaPeriod::Day),
        Err(QuotaError::LimitTooLarge(MAX_QUOTA + 1))
    );
    assert!(QuotaLimit::new(MAX_QUOTA, 0, QuotaPeriod::Day).is_ok());
}

#[test]
fn zero_limit_refuses_everything() {
    let quotas = Quotas::new();
    let zero = q(0, 0, QuotaPeriod::Day);
    assert!(!take(&quotas, &zero, datetime!(2026-01-01 00:00 UTC)));
    assert_eq!(
        quotas.remaining("plan", "key", &zero, datetime!(2026-01-01 00:00 UTC)),
        0
    );
}

#[test]
fn set_remaining_adjusts_the_current_window_only() {
    let quotas = Quotas::new();
    let day = q(3, 0, QuotaPeriod::Day);
    let t = datetime!(2026-05-05 10:00 UTC);
    assert!(take(&quotas, &day, t));
    quotas.set_remaining("plan", "key", &day, 5, t);
    assert_eq!(
        quotas.remaining("plan", "key", &day, t),
        5,
        "above the limit"
    );
    for _ in 0..5 {
        assert!(take(&quotas, &day, t));
    }
    assert!(!take(&quotas, &day, t));
    quotas.set_remaining("plan", "key", &day, 1, t);
    assert!(take(&quotas, &day, t));
    assert!(!take(&quotas, &day, t));
    quotas.set_remaining("plan", "key", &day, 0, t);
    assert!(!take(&quotas, &day, t));
    // The next window starts from the limit again.
    let tomorrow = datetime!(2026-05-06 00:00 UTC);
    assert_eq!(quotas.remaining("plan", "key", &day, tomorrow), 3);
    // Setting remaining for a key never seen creates its counter.
    quotas.set_remaining("plan", "new", &day, 1, t);
    assert!(quotas.check_and_count("plan", "new", &day, t).is_admitted());
    assert!(!quotas.check_and_count("plan", "new", &day, t).is_admitted());
    // Seeding from persisted usage.
    quotas.add_used("plan", "seeded", &day, 2, t);
    assert_eq!(quotas.remaining("plan", "seeded", &day, t), 1);
}

#[test]
fn expired_counters_are_evicted() {
    let quotas = Quotas::new();
    let day = q(3, 0, QuotaPeriod::Day);
    for i in 0..100 {
        quotas.check_and_count(
            "plan",
            &format!("k{i}"),
            &day,
            datetime!(2026-05-05 10:00 UTC),
        );
    }
    assert_eq!(quotas.evict_expired(datetime!(2026-05-05 23:59 UTC)), 0);
    assert_eq!(quotas.evict_expired(datetime!(2026-05-06 00:00 UTC)), 100);
    assert_eq!(quotas.counter_count(), 0);
}

#[tokio::test]
async fn local_counters_through_the_trait() {
    let wall = Arc::new(ManualWallClock::new(datetime!(2026-09-30 23:59:58 UTC)));
    let counters = LocalCounters::with_clocks(Arc::new(ManualClock::new(0)), wall.clone());
    let month = q(2, 0, QuotaPeriod::Month);
    assert_eq!(
        counters.check_and_count("p", "k", &month).await,
        Ok(QuotaDecision::Admitted { remaining: 1 })
    );
    assert_eq!(counters.remaining("p", "k", &month).await, Ok(1));
    assert_eq!(counters.set_remaining("p", "k", &month, 0).await, Ok(()));
    assert_eq!(
        counters.check_and_count("p", "k", &month).await,
        Ok(QuotaDecision::Exceeded)
    );
    wall.advance_secs(2);
    assert_eq!(counters.remaining("p", "k", &month).await, Ok(2));
    let scopes = [tollgate_limits::Scope {
        key: tollgate_limits::ScopeKey::Account,
        limit: tollgate_limits::ThrottleLimit::new(1.0, 1),
    }];
    assert!(counters.try_acquire(&scopes).await.map(|a| a.is_admitted()) == Ok(true));
    assert!(counters.try_acquire(&scopes).await.map(|a| a.is_admitted()) == Ok(false));
}

#[test]
fn period_change_keeps_the_count_only_when_the_window_start_coincides() {
    let quotas = Quotas::new();
    let day = q(5, 0, QuotaPeriod::Day);
    let month = q(5, 0, QuotaPeriod::Month);
    let t = datetime!(2026-06-01 10:00 UTC);
    assert!(take(&quotas, &day, t));
    assert!(take(&quotas, &day, t));
    // Redeployed as MONTH: the window still starts on June 1, so the count carries over.
    assert_eq!(quotas.remaining("plan", "key", &month, t), 3);
    assert!(take(&quotas, &month, t));
    // The counter now lives until the end of the month window.
    assert_eq!(quotas.evict_expired(datetime!(2026-06-02 00:00 UTC)), 0);
    assert_eq!(
        quotas.remaining("plan", "key", &month, datetime!(2026-06-15 00:00 UTC)),
        2
    );
    // A WEEK window (from Sunday May 31) is a different window: fresh count.
    let week = q(5, 0, QuotaPeriod::Week);
    assert_eq!(quotas.remaining("plan", "key", &week, t), 5);
}
