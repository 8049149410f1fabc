//! No over-admission under contention: with the clock frozen, exactly `burst` requests pass.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

use tollgate_limits::{
    ManualClock, PlanKey, PlanThrottlePolicy, ScopeKey, StageThrottlePolicy, ThrottleLimit,
    Throttles, UsageRecorder,
};

const THREADS: usize = 8;

#[test]
fn one_bucket_hammered_admits_exactly_burst() {
    let clock = Arc::new(ManualClock::new(1_000));
    let throttles = Arc::new(Throttles::new(clock));
    let scopes = [tollgate_limits::Scope {
        key: ScopeKey::StageMethod {
            api_id: "api",
            stage: "dev",
            method: "/GET",
        },
        limit: ThrottleLimit::new(1.0, 1_000),
    }];
    let admitted = Arc::new(AtomicUsize::new(0));
    let barrier = Arc::new(std::sync::Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|_| {
            let (t, a, b) = (throttles.clone(), admitted.clone(), barrier.clone());
            thread::spawn(move || {
                b.wait();
                for _ in 0..5_000 {
                    if t.try_acquire(&scopes).is_admitted() {
                        a.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("worker thread");
    }
    assert_eq!(admitted.load(Ordering::Relaxed), 1_000);
}

#[test]
fn refunds_under_contention_keep_every_bucket_exact() {
    let clock = Arc::new(ManualClock::new(0));
    let throttles = Arc::new(Throttles::new(clock));
    let mut policy = StageThrottlePolicy::new("api", "dev");
    policy.set_plan(
        "plan",
        PlanThrottlePolicy {
            throttle: Some(ThrottleLimit::new(1.0, 100)),
            ..Default::default()
        },
    );
    policy
        .set_method_setting("*/*", ThrottleLimit::new(1.0, 500))
        .expect("valid key");
    let policy = Arc::new(policy);
    let barrier = Arc::new(std::sync::Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|i| {
            let (t, p, b) = (throttles.clone(), policy.clone(), barrier.clone());
            thread::spawn(move || {
                let key = format!("key{i}");
                let pk = Some(PlanKey {
                    plan_id: "plan",
                    key_id: &key,
                });
                b.wait();
                let mut mine = 0usize;
                for _ in 0..2_000 {
                    let scopes = p.scopes("/GET", pk, ThrottleLimit::ACCOUNT_DEFAULT);
                    if t.try_acquire(&scopes).is_admitted() {
                        mine += 1;
                    }
                }
                // Every plan token not used by an admitted request was refunded.
                let scopes = p.scopes("/GET", pk, ThrottleLimit::ACCOUNT_DEFAULT);
                let left = t.available(&scopes[0]);
                assert_eq!(left, (100 - mine) as f64, "plan bucket of {key}");
                mine
            })
        })
        .collect();
    let total: usize = handles
        .into_iter()
        .map(|h| h.join().expect("worker thread"))
        .sum();
    assert_eq!(total, 500, "the stage bucket caps the sum");
}

#[test]
fn concurrent_recording_and_draining_loses_nothing() {
    let recorder = Arc::new(UsageRecorder::new());
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let r = recorder.clone();
            thread::spawn(move || {
                for n in 0..20_000 {
                    r.record("plan", if n % 2 == 0 { "a" } else { "b" });
                }
                i
            })
        })
        .collect();
    let mut total = 0u64;
    for _ in 0..50 {
        total += recorder.drain().iter().map(|r| r.count).sum::<u64>();
        thread::yield_now();
    }
    for h in handles {
        h.join().expect("worker thread");
    }
    total += recorder.drain().iter().map(|r| r.count).sum::<u64>();
    assert_eq!(total, 80_000);
}
