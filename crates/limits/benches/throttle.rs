//! Nanoseconds per operation on the hot path. Run: `cargo bench -p tollgate-limits`.

use std::hint::black_box;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Instant;

use time::OffsetDateTime;
use tollgate_limits::{
    MonotonicClock, PlanKey, PlanThrottlePolicy, QuotaLimit, QuotaPeriod, Quotas, Scope, ScopeKey,
    StageThrottlePolicy, ThrottleLimit, Throttles, UsageRecorder,
};

const ITERS: u64 = 2_000_000;

/// Never empties at the request rates a benchmark reaches.
const OPEN: ThrottleLimit = ThrottleLimit::new(1e9, 1_000_000);

fn policy() -> StageThrottlePolicy {
    let mut p = StageThrottlePolicy::new("a1b2c3d4e5", "prod");
    p.set_plan(
        "plan01",
        PlanThrottlePolicy {
            throttle: Some(OPEN),
            ..Default::default()
        },
    );
    if p.set_method_setting("*/*", OPEN).is_err() {
        eprintln!("invalid method setting key");
    }
    p
}

fn report(name: &str, threads: u64, elapsed: std::time::Duration, ops_per_thread: u64) {
    let ns = elapsed.as_nanos() as f64 / ops_per_thread as f64;
    println!("{name:<58} {threads} thread(s)  {ns:8.1} ns/op (per thread)");
}

fn run_threads(threads: u64, f: impl Fn(u64) + Send + Sync + 'static) -> std::time::Duration {
    let f = Arc::new(f);
    let barrier = Arc::new(Barrier::new(threads as usize));
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let (f, b) = (f.clone(), barrier.clone());
            thread::spawn(move || {
                b.wait();
                let start = Instant::now();
                f(i);
                start.elapsed()
            })
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().unwrap_or_default())
        .max()
        .unwrap_or_default()
}

fn main() {
    let throttles = Arc::new(Throttles::new(Arc::new(MonotonicClock::new())));
    let policy = Arc::new(policy());

    // Single account-bucket scope: the floor (clock read + one CAS).
    let account = [Scope {
        key: ScopeKey::Account,
        limit: OPEN,
    }];
    for threads in [1, 2] {
        let t = throttles.clone();
        let d = run_threads(threads, move |_| {
            for _ in 0..ITERS {
                black_box(t.try_acquire(black_box(&account)));
            }
        });
        report(
            "try_acquire, account bucket only (same bucket)",
            threads,
            d,
            ITERS,
        );
    }

    // One stage-method bucket from the map: shard read lock + one CAS.
    for threads in [1, 2] {
        let t = throttles.clone();
        let d = run_threads(threads, move |_| {
            let stage = [Scope {
                key: ScopeKey::StageMethod {
                    api_id: "a1b2c3d4e5",
                    stage: "prod",
                    method: "/pets/{id}/GET",
                },
                limit: OPEN,
            }];
            for _ in 0..ITERS {
                black_box(t.try_acquire(black_box(&stage)));
            }
        });
        report(
            "try_acquire, 1 stage-method bucket (same bucket)",
            threads,
            d,
            ITERS,
        );
    }

    // Full request: usage plan + stage method + account, resolved per request.
    for threads in [1, 2] {
        let (t, p) = (throttles.clone(), policy.clone());
        let d = run_threads(threads, move |_| {
            let pk = Some(PlanKey {
                plan_id: "plan01",
                key_id: "key0000001",
            });
            for _ in 0..ITERS {
                let scopes = p.scopes("/pets/{id}/GET", pk, OPEN);
                black_box(t.try_acquire(black_box(&scopes)));
            }
        });
        report(
            "scopes + try_acquire, 3 buckets, same key (all shared)",
            threads,
            d,
            ITERS,
        );
    }

    // Different keys per thread, usage-plan bucket only: no shared state but the shard locks.
    for threads in [1, 2] {
        let t = throttles.clone();
        let d = run_threads(threads, move |i| {
            let key = format!("key{i:07}");
            let scopes = [Scope {
                key: ScopeKey::UsagePlan {
                    plan_id: "plan01",
                    key_id: &key,
                },
                limit: OPEN,
            }];
            for _ in 0..ITERS {
                black_box(t.try_acquire(black_box(&scopes)));
            }
        });
        report(
            "try_acquire, 1 usage-plan bucket, different keys",
            threads,
            d,
            ITERS,
        );
    }

    // Different keys, full 3-bucket request (stage and account shared).
    for threads in [1, 2] {
        let (t, p) = (throttles.clone(), policy.clone());
        let d = run_threads(threads, move |i| {
            let key = format!("key{i:07}");
            let pk = Some(PlanKey {
                plan_id: "plan01",
                key_id: &key,
            });
            for _ in 0..ITERS {
                let scopes = p.scopes("/pets/{id}/GET", pk, OPEN);
                black_box(t.try_acquire(black_box(&scopes)));
            }
        });
        report(
            "scopes + try_acquire, 3 buckets, different keys",
            threads,
            d,
            ITERS,
        );
    }

    // Refusal path (empty bucket, nothing refunded).
    {
        let t = throttles.clone();
        let closed = [Scope {
            key: ScopeKey::StageMethod {
                api_id: "a",
                stage: "s",
                method: "/GET",
            },
            limit: ThrottleLimit::new(0.0, 1),
        }];
        let d = run_threads(1, move |_| {
            for _ in 0..ITERS {
                black_box(t.try_acquire(black_box(&closed)));
            }
        });
        report("try_acquire, throttled (empty bucket)", 1, d, ITERS);
    }

    // Quota check-and-count and usage recording (same key, 1 and 2 threads).
    let quotas = Arc::new(Quotas::new());
    let Ok(quota) = QuotaLimit::new(tollgate_limits::MAX_QUOTA, 0, QuotaPeriod::Month) else {
        return;
    };
    let now = OffsetDateTime::now_utc();
    for threads in [1, 2] {
        let q = quotas.clone();
        let d = run_threads(threads, move |_| {
            for _ in 0..ITERS {
                black_box(q.check_and_count("plan01", "key0000001", &quota, now));
            }
        });
        report("Quotas::check_and_count, same key", threads, d, ITERS);
    }
    let recorder = Arc::new(UsageRecorder::new());
    for threads in [1, 2] {
        let r = recorder.clone();
        let d = run_threads(threads, move |_| {
            for _ in 0..ITERS {
                r.record(black_box("plan01"), black_box("key0000001"));
            }
        });
        report(
            "UsageRecorder::record (wall clock read incl.), same key",
            threads,
            d,
            ITERS,
        );
    }
}
