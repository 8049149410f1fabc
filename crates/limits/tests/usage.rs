//! Usage metering, batching, and GetUsage numbers.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use time::macros::{date, datetime};
use tollgate_limits::{
    KeyUsage, ManualWallClock, QuotaCredit, QuotaLimit, QuotaPeriod, UsageError, UsageRecord,
    UsageRecorder, UsageSink, get_usage, parse_date, spawn_flusher, usage_history_start,
};

fn rec(plan: &str, key: &str, day: &str, count: u64) -> UsageRecord {
    UsageRecord {
        plan_id: plan.into(),
        key_id: key.into(),
        day: day.into(),
        count,
    }
}

#[test]
fn recorder_counts_per_plan_key_and_utc_day() {
    let wall = Arc::new(ManualWallClock::new(datetime!(2026-09-01 23:59:59 UTC)));
    let r = UsageRecorder::with_wall_clock(wall.clone());
    r.record("p", "k1");
    r.record("p", "k1");
    r.record("p", "k2");
    wall.advance_secs(1);
    r.record("p", "k1");
    r.record("q", "k1");
    assert_eq!(
        r.drain(),
        vec![
            rec("p", "k1", "2026-09-01", 2),
            rec("p", "k1", "2026-09-02", 1),
            rec("p", "k2", "2026-09-01", 1),
            rec("q", "k1", "2026-09-02", 1),
        ]
    );
    assert!(r.drain().is_empty(), "drain empties the recorder");
    assert_eq!(
        serde_json::to_value(rec("p", "k", "2026-09-01", 3)).unwrap(),
        json!({"planId":"p","keyId":"k","day":"2026-09-01","count":3})
    );
}

#[test]
fn restore_merges_and_reports_bad_days() {
    let wall = Arc::new(ManualWallClock::new(datetime!(2026-09-01 10:00 UTC)));
    let r = UsageRecorder::with_wall_clock(wall);
    r.record("p", "k");
    let rejected = r.restore(vec![
        rec("p", "k", "2026-09-01", 4),
        rec("p", "k", "2026-13-01", 1),
    ]);
    assert_eq!(rejected, vec![rec("p", "k", "2026-13-01", 1)]);
    assert_eq!(r.drain(), vec![rec("p", "k", "2026-09-01", 5)]);
}

/// A sink that fails while `fail` is set and keeps what it persisted.
#[derive(Clone, Default)]
struct TestSink {
    fail: Arc<AtomicBool>,
    stored: Arc<Mutex<Vec<UsageRecord>>>,
}

impl UsageSink for TestSink {
    async fn persist(&self, records: Vec<UsageRecord>) -> Result<(), String> {
        if self.fail.load(Ordering::SeqCst) {
            return Err("store unavailable".into());
        }
        self.stored.lock().unwrap().extend(records);
        Ok(())
    }
}

#[tokio::test]
async fn failed_flush_keeps_records_for_the_next_one() {
    let wall = Arc::new(ManualWallClock::new(datetime!(2026-09-01 10:00 UTC)));
    let r = UsageRecorder::with_wall_clock(wall);
    let sink = TestSink::default();
    r.record("p", "k");
    sink.fail.store(true, Ordering::SeqCst);
    assert_eq!(r.flush(&sink).await, Err("store unavailable".into()));
    r.record("p", "k");
    sink.fail.store(false, Ordering::SeqCst);
    assert_eq!(r.flush(&sink).await, Ok(1));
    assert_eq!(
        *sink.stored.lock().unwrap(),
        vec![rec("p", "k", "2026-09-01", 2)]
    );
    assert_eq!(r.flush(&sink).await, Ok(0));
}

#[tokio::test]
async fn flusher_flushes_on_shutdown_and_reports_failure() {
    let wall = Arc::new(ManualWallClock::new(datetime!(2026-09-01 10:00 UTC)));
    let r = Arc::new(UsageRecorder::with_wall_clock(wall));
    let sink = TestSink::default();
    // An interval far longer than the test: only the final flush runs.
    let flusher = spawn_flusher(r.clone(), Duration::from_secs(3600), sink.clone());
    r.record("p", "k");
    r.record("p", "k");
    assert_eq!(flusher.shutdown().await, Ok(()));
    assert_eq!(
        *sink.stored.lock().unwrap(),
        vec![rec("p", "k", "2026-09-01", 2)]
    );

    let failing = TestSink::default();
    failing.fail.store(true, Ordering::SeqCst);
    let flusher = spawn_flusher(r.clone(), Duration::from_secs(3600), failing);
    r.record("p", "k");
    assert_eq!(flusher.shutdown().await, Err("store unavailable".into()));
    assert_eq!(r.drain(), vec![rec("p", "k", "2026-09-01", 1)], "kept");
}

#[tokio::test(start_paused = true)]
async fn flusher_flushes_periodically() {
    let r = Arc::new(UsageRecorder::new());
    let sink = TestSink::default();
    let flusher = spawn_flusher(r.clone(), Duration::from_millis(5), sink.clone());
    r.record("p", "k");
    for _ in 0..200 {
        if !sink.stored.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(sink.stored.lock().unwrap().len(), 1);
    assert_eq!(flusher.failures(), 0);
    assert_eq!(flusher.shutdown().await, Ok(()));
}

fn usage(days: &[(&str, u64)]) -> KeyUsage {
    KeyUsage {
        daily: days
            .iter()
            .map(|(d, n)| (parse_date(d).unwrap(), *n))
            .collect(),
        credit: None,
    }
}

#[test]
fn get_usage_reproduces_the_reference_sample() {
    // Reference §2.5 (live AWS capture):
    // {"usagePlanId":"cqdia0","startDate":"2026-09-01","endDate":"2026-09-13",
    //  "values":{"58v93i1885":[[137,999863],[123,999740],[84,999656]]}}
    // (first three days shown; the numbers fit a 1,000,000 MONTH quota).
    let quota = QuotaLimit::new(1_000_000, 0, QuotaPeriod::Month).unwrap();
    let mut keys = BTreeMap::new();
    keys.insert(
        "58v93i1885".to_owned(),
        usage(&[("2026-09-01", 137), ("2026-09-02", 123), ("2026-09-03", 84)]),
    );
    let body = get_usage(
        "cqdia0",
        Some(&quota),
        date!(2026 - 09 - 01),
        date!(2026 - 09 - 03),
        &keys,
    )
    .unwrap();
    assert_eq!(
        body.to_string(),
        r#"{"usagePlanId":"cqdia0","startDate":"2026-09-01","endDate":"2026-09-03","values":{"58v93i1885":[[137,999863],[123,999740],[84,999656]]}}"#
    );
}

#[test]
fn get_usage_resets_at_period_start_and_counts_history() {
    // WEEK from Sunday, limit 100. Fri 2026-11-20 .. Tue 2026-11-24; Sunday 22 starts a window.
    let quota = QuotaLimit::new(100, 0, QuotaPeriod::Week).unwrap();
    let start = date!(2026 - 11 - 20);
    assert_eq!(
        usage_history_start(Some(&quota), start),
        date!(2026 - 11 - 15)
    );
    let mut keys = BTreeMap::new();
    keys.insert(
        "a".to_owned(),
        usage(&[
            ("2026-11-16", 50), // before the range, same window: counts
            ("2026-11-20", 30),
            ("2026-11-21", 40), // exhausted: 120 > 100
            ("2026-11-22", 10),
            ("2026-11-24", 5),
        ]),
    );
    keys.insert("b".to_owned(), KeyUsage::default());
    let body = get_usage("p", Some(&quota), start, date!(2026 - 11 - 24), &keys).unwrap();
    assert_eq!(
        body,
        json!({
            "usagePlanId": "p",
            "startDate": "2026-11-20",
            "endDate": "2026-11-24",
            "values": {
                "a": [[30, 20], [40, 0], [10, 90], [0, 90], [5, 85]],
                "b": [[0, 100], [0, 100], [0, 100], [0, 100], [0, 100]],
            }
        })
    );
}

#[test]
fn get_usage_day_period_and_live_remaining() {
    let quota = QuotaLimit::new(10, 0, QuotaPeriod::Day).unwrap();
    let mut keys = BTreeMap::new();
    keys.insert(
        "k".to_owned(),
        usage(&[("2026-01-01", 3), ("2026-01-02", 12)]),
    );
    let body = get_usage(
        "p",
        Some(&quota),
        date!(2026 - 01 - 01),
        date!(2026 - 01 - 03),
        &keys,
    )
    .unwrap();
    assert_eq!(body["values"]["k"], json!([[3, 7], [12, 0], [0, 10]]));

    // UpdateUsage set remaining to 50 on a MONTH quota on the 2nd; later days fall from there.
    let month = QuotaLimit::new(10, 0, QuotaPeriod::Month).unwrap();
    let mut live = usage(&[("2026-01-01", 3), ("2026-01-02", 2), ("2026-01-03", 4)]);
    // 5 used when it was set: 10 - 5 + 45 = 50.
    live.credit = Some(QuotaCredit::to_reach(date!(2026 - 01 - 02), &month, 5, 50));
    assert_eq!(live.credit.map(|c| c.credit), Some(45));
    // After an extension, used can exceed the limit: 12 used of 10, 1 more → credit 3.
    assert_eq!(
        QuotaCredit::to_reach(date!(2026 - 01 - 02), &month, 12, 1).credit,
        3
    );
    keys.insert("k".to_owned(), live.clone());
    let body = get_usage(
        "p",
        Some(&month),
        date!(2026 - 01 - 01),
        date!(2026 - 01 - 03),
        &keys,
    )
    .unwrap();
    assert_eq!(body["values"]["k"], json!([[3, 7], [2, 50], [4, 46]]));
    // Same when the range starts after the adjustment.
    let body = get_usage(
        "p",
        Some(&month),
        date!(2026 - 01 - 03),
        date!(2026 - 01 - 03),
        &keys,
    )
    .unwrap();
    assert_eq!(body["values"]["k"], json!([[4, 46]]));
}

#[test]
fn get_usage_without_quota_reports_zero_remaining() {
    let mut keys = BTreeMap::new();
    keys.insert("k".to_owned(), usage(&[("2026-01-02", 7)]));
    let body = get_usage(
        "p",
        None,
        date!(2026 - 01 - 01),
        date!(2026 - 01 - 02),
        &keys,
    )
    .unwrap();
    assert_eq!(body["values"]["k"], json!([[0, 0], [7, 0]]));
}

#[test]
fn get_usage_input_errors() {
    let keys = BTreeMap::new();
    assert!(matches!(
        get_usage(
            "p",
            None,
            date!(2026 - 01 - 02),
            date!(2026 - 01 - 01),
            &keys
        ),
        Err(UsageError::EndBeforeStart { .. })
    ));
    assert!(matches!(
        get_usage(
            "p",
            None,
            date!(2000 - 01 - 01),
            date!(2026 - 01 - 01),
            &keys
        ),
        Err(UsageError::RangeTooLong(_))
    ));
    for bad in [
        "2026-1-01",
        "2026-02-30",
        "20260101",
        "2026-01-0x",
        "",
        "２０２６-01-01",
    ] {
        assert!(parse_date(bad).is_err(), "{bad}");
    }
    assert_eq!(parse_date("2024-02-29"), Ok(date!(2024 - 02 - 29)));
}
