//! Usage metering: admitted requests per (usage plan, API key, UTC day), counted in memory and
//! persisted in batches by a background task.

use std::future::Future;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hashbrown::Equivalent;
use serde::{Deserialize, Serialize};
use time::Date;

use crate::clock::{SystemWallClock, WallClock};
use crate::quota::utc_date;
use crate::report::{format_date, parse_date};
use crate::shard::{ShardedMap, str_eq};

/// Requests one API key made under one usage plan on one UTC day (a delta to add to what is
/// already persisted for that day).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageRecord {
    /// Usage plan id.
    pub plan_id: String,
    /// API key id.
    pub key_id: String,
    /// UTC day, `YYYY-MM-DD`.
    pub day: String,
    /// Admitted requests.
    pub count: u64,
}

#[derive(Debug)]
struct UsageKeyBuf {
    plan_id: Box<str>,
    key_id: Box<str>,
    day: i32,
}

impl Hash for UsageKeyBuf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        UsageKey(&self.plan_id, &self.key_id, self.day).hash(state);
    }
}

#[derive(Hash)]
struct UsageKey<'a>(&'a str, &'a str, i32);

impl Equivalent<UsageKeyBuf> for UsageKey<'_> {
    fn equivalent(&self, key: &UsageKeyBuf) -> bool {
        self.2 == key.day && str_eq(self.0, &key.plan_id) && str_eq(self.1, &key.key_id)
    }
}

/// In-memory usage counts, sharded; `record` is one shard read lock and one atomic add.
pub struct UsageRecorder {
    counts: ShardedMap<UsageKeyBuf, AtomicU64>,
    wall: Arc<dyn WallClock>,
}

impl std::fmt::Debug for UsageRecorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UsageRecorder")
            .field("entries", &self.counts.len())
            .finish_non_exhaustive()
    }
}

impl Default for UsageRecorder {
    fn default() -> Self {
        Self::new()
    }
}

impl UsageRecorder {
    /// A recorder dating requests by the system clock.
    pub fn new() -> UsageRecorder {
        UsageRecorder::with_wall_clock(Arc::new(SystemWallClock))
    }

    /// A recorder dating requests by `wall`.
    pub fn with_wall_clock(wall: Arc<dyn WallClock>) -> UsageRecorder {
        let cpus = std::thread::available_parallelism().map_or(4, |n| n.get());
        UsageRecorder {
            counts: ShardedMap::new((cpus * 4).max(16)),
            wall,
        }
    }

    /// Counts one admitted request for (plan, key) today (UTC).
    pub fn record(&self, plan_id: &str, key_id: &str) {
        let day = utc_date(self.wall.now_utc());
        self.record_on(plan_id, key_id, day, 1);
    }

    /// Adds `count` requests for (plan, key) on `day`.
    pub fn record_on(&self, plan_id: &str, key_id: &str, day: Date, count: u64) {
        if count == 0 {
            return;
        }
        let jd = day.to_julian_day();
        self.counts.with_or_insert(
            &UsageKey(plan_id, key_id, jd),
            || {
                (
                    UsageKeyBuf {
                        plan_id: plan_id.into(),
                        key_id: key_id.into(),
                        day: jd,
                    },
                    AtomicU64::new(0),
                )
            },
            |_| false,
            |c| c.fetch_add(count, Ordering::Relaxed),
        );
    }

    /// Takes every count out of the recorder (sorted by plan, key, day). Counts recorded
    /// concurrently land either in this batch or in the next: none is lost or counted twice.
    pub fn drain(&self) -> Vec<UsageRecord> {
        let mut out: Vec<UsageRecord> = self
            .counts
            .take_all()
            .into_iter()
            .filter_map(|(k, v)| {
                let count = v.into_inner();
                let day = Date::from_julian_day(k.day).ok()?;
                (count > 0).then(|| UsageRecord {
                    plan_id: k.plan_id.into(),
                    key_id: k.key_id.into(),
                    day: format_date(day),
                    count,
                })
            })
            .collect();
        out.sort_by(|a, b| (&a.plan_id, &a.key_id, &a.day).cmp(&(&b.plan_id, &b.key_id, &b.day)));
        out
    }

    /// Adds records back (after a failed persist). Returns the records whose `day` is not a
    /// valid `YYYY-MM-DD` date, which cannot be re-added.
    pub fn restore(&self, records: Vec<UsageRecord>) -> Vec<UsageRecord> {
        let mut rejected = Vec::new();
        for r in records {
            match parse_date(&r.day) {
                Ok(day) => self.record_on(&r.plan_id, &r.key_id, day, r.count),
                Err(_) => rejected.push(r),
            }
        }
        rejected
    }

    /// Drains the recorder into `sink`; on failure the records are re-added and the error
    /// returned. Returns the number of records persisted.
    pub async fn flush<S: UsageSink + ?Sized>(&self, sink: &S) -> Result<usize, String> {
        let records = self.drain();
        if records.is_empty() {
            return Ok(0);
        }
        let n = records.len();
        match sink.persist(records.clone()).await {
            Ok(()) => Ok(n),
            Err(e) => {
                self.restore(records);
                Err(e)
            }
        }
    }
}

/// Where usage batches go (the store). Records are deltas: add them to what is stored.
pub trait UsageSink: Send + Sync + 'static {
    /// Persists one batch, all or nothing; an `Err` makes the recorder keep the records.
    fn persist(&self, records: Vec<UsageRecord>)
    -> impl Future<Output = Result<(), String>> + Send;
}

/// Handle of the background task started by [`spawn_flusher`].
#[derive(Debug)]
pub struct UsageFlusher {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), String>>,
    failures: Arc<AtomicU64>,
}

impl UsageFlusher {
    /// Stops the task after a final flush, and returns that flush's outcome (on failure the
    /// records are back in the recorder).
    pub async fn shutdown(mut self) -> Result<(), String> {
        if let Some(stop) = self.stop.take() {
            // The task may already be gone; its result is reported below either way.
            let _ = stop.send(());
        }
        match (&mut self.task).await {
            Ok(result) => result,
            Err(e) => Err(format!("usage flusher task failed: {e}")),
        }
    }

    /// Number of periodic flushes that failed so far (their records were kept and retried).
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }
}

/// Starts a task (on the current Tokio runtime) that flushes `recorder` into `sink` every
/// `interval` (at least 1 ms), and once more when stopped through [`UsageFlusher::shutdown`] or
/// when the handle is dropped. Failed batches stay in the recorder and go with the next flush.
pub fn spawn_flusher<S: UsageSink>(
    recorder: Arc<UsageRecorder>,
    interval: Duration,
    sink: S,
) -> UsageFlusher {
    let interval = interval.max(Duration::from_millis(1));
    let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
    let failures = Arc::new(AtomicU64::new(0));
    let task_failures = Arc::clone(&failures);
    let task = tokio::spawn(async move {
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticker.tick() => {
                    if recorder.flush(&sink).await.is_err() {
                        task_failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
                _ = &mut stopped => break,
            }
        }
        recorder.flush(&sink).await.map(|_| ())
    });
    UsageFlusher {
        stop: Some(stop),
        task,
        failures,
    }
}
