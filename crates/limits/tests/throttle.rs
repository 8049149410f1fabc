//! Token bucket semantics and throttle scopes, on a manual clock.

use std::sync::Arc;
use std::time::Duration;

use tollgate_limits::{
    Admission, ManualClock, PlanKey, PlanThrottlePolicy, Scope, ScopeKey, ScopeKind,
    StageThrottlePolicy, ThrottleLimit, Throttles, ThrottlesOptions,
};

const MS: u64 = 1_000_000;
const S: u64 = 1_000_000_000;

fn registry() -> (Arc<ManualClock>, Throttles) {
    let clock = Arc::new(ManualClock::new(0));
    let throttles = Throttles::new(clock.clone());
    (clock, throttles)
}

fn stage_scope(method: &str, limit: ThrottleLimit) -> Scope<'_> {
    Scope {
        key: ScopeKey::StageMethod {
            api_id: "api",
            stage: "dev",
            method,
        },
        limit,
    }
}

fn admitted(t: &Throttles, scopes: &[Scope<'_>]) -> bool {
    t.try_acquire(scopes).is_admitted()
}

#[test]
fn half_rps_serves_burst_then_one_token_every_two_seconds() {
    let (clock, t) = registry();
    let s = [stage_scope("/pets/GET", ThrottleLimit::new(0.5, 2))];
    assert!(admitted(&t, &s));
    assert!(admitted(&t, &s));
    assert_eq!(
        t.try_acquire(&s),
        Admission::Throttled {
            index: 0,
            kind: ScopeKind::StageMethod,
            retry_after_nanos: 2 * S
        }
    );
    clock.advance_nanos(2 * S - 1);
    assert!(!admitted(&t, &s));
    clock.advance_nanos(1);
    assert!(admitted(&t, &s));
    assert!(!admitted(&t, &s));
    // Four idle seconds refill both tokens, no more.
    clock.advance_secs(10);
    assert!(admitted(&t, &s));
    assert!(admitted(&t, &s));
    assert!(!admitted(&t, &s));
}

#[test]
fn one_rps_burst_one() {
    let (clock, t) = registry();
    let s = [stage_scope("/GET", ThrottleLimit::new(1.0, 1))];
    assert!(admitted(&t, &s));
    assert!(!admitted(&t, &s));
    clock.advance_millis(999);
    assert!(!admitted(&t, &s));
    clock.advance_millis(1);
    assert!(admitted(&t, &s));
    assert!(!admitted(&t, &s));
}

#[test]
fn rate_above_burst_refills_fast_but_caps_at_burst() {
    let (clock, t) = registry();
    let s = [stage_scope("/x/GET", ThrottleLimit::new(10.0, 2))];
    assert!(admitted(&t, &s));
    assert!(admitted(&t, &s));
    assert!(!admitted(&t, &s));
    clock.advance_millis(100);
    assert!(admitted(&t, &s));
    assert!(!admitted(&t, &s));
    clock.advance_secs(1);
    assert!(admitted(&t, &s));
    assert!(admitted(&t, &s));
    assert!(!admitted(&t, &s), "capacity is the burst, not the rate");
    // Over 1 s from empty, exactly 10 requests pass when spaced at 100 ms.
    let mut n = 0;
    for _ in 0..10 {
        clock.advance_millis(100);
        n += usize::from(admitted(&t, &s));
    }
    assert_eq!(n, 10);
}

#[test]
fn fractional_rate_over_long_run_is_exact() {
    let (clock, t) = registry();
    let s = [stage_scope("/x/GET", ThrottleLimit::new(0.25, 1))];
    let mut n = 0;
    // 100 s in 10 ms steps: 1 initial token + 25 refills.
    for _ in 0..10_000 {
        n += usize::from(admitted(&t, &s));
        clock.advance_millis(10);
    }
    assert_eq!(n, 25);
}

#[test]
fn burst_zero_refuses_everything() {
    let (clock, t) = registry();
    let s = [stage_scope("/x/GET", ThrottleLimit::new(100.0, 0))];
    assert!(!admitted(&t, &s));
    clock.advance_secs(100);
    assert_eq!(
        t.try_acquire(&s),
        Admission::Throttled {
            index: 0,
            kind: ScopeKind::StageMethod,
            retry_after_nanos: u64::MAX
        }
    );
}

fn policy() -> StageThrottlePolicy {
    let mut p = StageThrottlePolicy::new("api", "dev");
    let mut plan = PlanThrottlePolicy {
        throttle: Some(ThrottleLimit::new(1.0, 3)),
        ..Default::default()
    };
    plan.methods
        .insert("/pets/GET".to_owned(), ThrottleLimit::new(1.0, 1));
    p.set_plan("plan1", plan);
    p
}

#[test]
fn scopes_follow_aws_order_and_precedence() {
    let mut p = policy();
    p.set_method_setting("~1pets/GET", ThrottleLimit::new(5.0, 5))
        .unwrap();
    p.set_method_setting("*/*", ThrottleLimit::new(2.0, 2))
        .unwrap();
    let account = ThrottleLimit::ACCOUNT_DEFAULT;
    let pk = Some(PlanKey {
        plan_id: "plan1",
        key_id: "k1",
    });

    let get = p.scopes("/pets/GET", pk, account);
    let kinds: Vec<_> = get.iter().map(|s| s.key.kind()).collect();
    assert_eq!(
        kinds,
        [
            ScopeKind::UsagePlanMethod,
            ScopeKind::StageMethod,
            ScopeKind::Account
        ]
    );
    assert_eq!(get[0].limit, ThrottleLimit::new(1.0, 1));
    assert_eq!(get[1].limit, ThrottleLimit::new(5.0, 5));

    let post = p.scopes("/pets/POST", pk, account);
    assert_eq!(
        post[0].key,
        ScopeKey::UsagePlan {
            plan_id: "plan1",
            key_id: "k1"
        }
    );
    assert_eq!(post[0].limit, ThrottleLimit::new(1.0, 3));
    assert_eq!(post[1].limit, ThrottleLimit::new(2.0, 2), "*/* default");

    // No API key required: usage plan throttles do not apply.
    let anon = p.scopes("/pets/GET", None, account);
    assert_eq!(anon.len(), 2);
    // A plan that does not cover the stage contributes nothing.
    let other = p.scopes(
        "/pets/GET",
        Some(PlanKey {
            plan_id: "other",
            key_id: "k1",
        }),
        account,
    );
    assert_eq!(other.len(), 2);
    // No method settings at all: only the account bucket.
    let bare = StageThrottlePolicy::new("api", "dev");
    let only = bare.scopes("/pets/GET", None, account);
    assert_eq!(only.len(), 1);
    assert_eq!(only[0].key, ScopeKey::Account);
}

#[test]
fn method_setting_keys_are_normalised() {
    let mut p = StageThrottlePolicy::new("a", "s");
    let l = ThrottleLimit::new(1.0, 1);
    p.set_method_setting("~1pets~1{id}/DELETE", l).unwrap();
    p.set_method_setting("test/GET", l).unwrap();
    p.set_method_setting("~1/GET", l).unwrap();
    for m in ["/pets/{id}/DELETE", "/test/GET", "//GET"] {
        assert_eq!(p.scopes(m, None, l).len(), 2, "{m}");
    }
    assert_eq!(p.scopes("/other/GET", None, l).len(), 1);
    assert!(p.set_method_setting("GET", l).is_err());
    assert!(p.set_method_setting("pets/", l).is_err());
}

#[test]
fn every_bucket_must_have_a_token_and_earlier_tokens_are_refunded() {
    let (_clock, t) = registry();
    let mut p = StageThrottlePolicy::new("api", "dev");
    p.set_plan(
        "plan1",
        PlanThrottlePolicy {
            throttle: Some(ThrottleLimit::new(1.0, 2)),
            ..Default::default()
        },
    );
    p.set_method_setting("*/*", ThrottleLimit::new(1.0, 3))
        .unwrap();
    let account = ThrottleLimit::new(1.0, 4);
    let key = |k| {
        Some(PlanKey {
            plan_id: "plan1",
            key_id: k,
        })
    };

    // Key a: plan bucket (2) is the tightest.
    assert!(admitted(&t, &p.scopes("/GET", key("a"), account)));
    assert!(admitted(&t, &p.scopes("/GET", key("a"), account)));
    let r = t.try_acquire(&p.scopes("/GET", key("a"), account));
    assert!(matches!(
        r,
        Admission::Throttled {
            index: 0,
            kind: ScopeKind::UsagePlan,
            ..
        }
    ));
    // Key b: the stage bucket (3, two already used by a) refuses its second request; b's plan
    // token for that request is refunded.
    assert!(admitted(&t, &p.scopes("/GET", key("b"), account)));
    let r = t.try_acquire(&p.scopes("/GET", key("b"), account));
    assert!(matches!(
        r,
        Admission::Throttled {
            index: 1,
            kind: ScopeKind::StageMethod,
            ..
        }
    ));
    let b_plan = p.scopes("/GET", key("b"), account)[0];
    assert_eq!(t.available(&b_plan), 1.0, "refunded");
    // Another method has its own stage bucket (*/* is per method); the account bucket (4, three
    // used) admits one more, then refuses and the plan and stage tokens are refunded.
    assert!(admitted(&t, &p.scopes("/POST", key("c"), account)));
    let r = t.try_acquire(&p.scopes("/POST", key("c"), account));
    assert!(matches!(
        r,
        Admission::Throttled {
            index: 2,
            kind: ScopeKind::Account,
            ..
        }
    ));
    let c = p.scopes("/POST", key("c"), account);
    assert_eq!(t.available(&c[0]), 1.0);
    assert_eq!(t.available(&c[1]), 2.0);
}

#[test]
fn api_keys_are_isolated() {
    let (clock, t) = registry();
    let p = policy();
    let acc = ThrottleLimit::ACCOUNT_DEFAULT;
    let k1 = Some(PlanKey {
        plan_id: "plan1",
        key_id: "k1",
    });
    let k2 = Some(PlanKey {
        plan_id: "plan1",
        key_id: "k2",
    });
    for _ in 0..3 {
        assert!(admitted(&t, &p.scopes("/pets/POST", k1, acc)));
    }
    assert!(!admitted(&t, &p.scopes("/pets/POST", k1, acc)));
    for _ in 0..3 {
        assert!(admitted(&t, &p.scopes("/pets/POST", k2, acc)));
    }
    assert!(!admitted(&t, &p.scopes("/pets/POST", k2, acc)));
    clock.advance_secs(1);
    assert!(admitted(&t, &p.scopes("/pets/POST", k1, acc)));
    assert!(admitted(&t, &p.scopes("/pets/POST", k2, acc)));
}

#[test]
fn method_throttle_replaces_plan_throttle() {
    let (_clock, t) = registry();
    let p = policy();
    let acc = ThrottleLimit::ACCOUNT_DEFAULT;
    let k = Some(PlanKey {
        plan_id: "plan1",
        key_id: "k1",
    });
    // GET /pets: method entry, burst 1.
    assert!(admitted(&t, &p.scopes("/pets/GET", k, acc)));
    let r = t.try_acquire(&p.scopes("/pets/GET", k, acc));
    assert!(matches!(
        r,
        Admission::Throttled {
            kind: ScopeKind::UsagePlanMethod,
            ..
        }
    ));
    // The plan bucket (burst 3) was untouched by GET /pets and serves the other methods.
    for m in ["/pets/POST", "/GET", "/pets/PUT"] {
        assert!(admitted(&t, &p.scopes(m, k, acc)), "{m}");
    }
    assert!(!admitted(&t, &p.scopes("/pets/DELETE", k, acc)));
}

#[test]
fn account_default_is_10000_rps_burst_5000() {
    let (clock, t) = registry();
    let p = StageThrottlePolicy::new("api", "dev");
    let s = p.scopes("/GET", None, ThrottleLimit::ACCOUNT_DEFAULT);
    let mut n = 0;
    while admitted(&t, &s) {
        n += 1;
        assert!(n <= 5_000);
    }
    assert_eq!(n, 5_000);
    clock.advance_millis(1);
    let mut m = 0;
    while admitted(&t, &s) {
        m += 1;
    }
    assert_eq!(m, 10, "10,000 rps = 10 tokens per ms");
    // The account bucket is shared by every API and stage.
    let other = StageThrottlePolicy::new("api2", "prod");
    assert!(!admitted(
        &t,
        &other.scopes("/GET", None, ThrottleLimit::ACCOUNT_DEFAULT)
    ));
}

#[test]
fn changed_limits_are_picked_up_by_existing_buckets() {
    let (clock, t) = registry();
    let old = ThrottleLimit::new(1.0, 2);
    let new = ThrottleLimit::new(100.0, 5);
    assert!(admitted(&t, &[stage_scope("/GET", old)]));
    assert!(admitted(&t, &[stage_scope("/GET", old)]));
    assert!(!admitted(&t, &[stage_scope("/GET", old)]));
    // Redeploy: empty bucket stays empty (tokens are preserved) but refills at 100 rps.
    assert!(!admitted(&t, &[stage_scope("/GET", new)]));
    clock.advance_millis(10);
    assert!(admitted(&t, &[stage_scope("/GET", new)]));
    assert!(!admitted(&t, &[stage_scope("/GET", new)]));
    clock.advance_secs(1);
    for _ in 0..5 {
        assert!(admitted(&t, &[stage_scope("/GET", new)]));
    }
    assert!(!admitted(&t, &[stage_scope("/GET", new)]));
    // Lowering the burst caps what a full bucket holds.
    clock.advance_secs(1);
    let low = ThrottleLimit::new(1.0, 3);
    for _ in 0..3 {
        assert!(admitted(&t, &[stage_scope("/GET", low)]));
    }
    assert!(!admitted(&t, &[stage_scope("/GET", low)]));
    // A partly used bucket keeps its token count across a change.
    clock.advance_secs(10);
    let ten = ThrottleLimit::new(1.0, 10);
    for _ in 0..8 {
        assert!(admitted(&t, &[stage_scope("/GET", ten)]));
    }
    let four = ThrottleLimit::new(2.0, 4);
    assert_eq!(t.available(&stage_scope("/GET", four)), 2.0);
    assert!(admitted(&t, &[stage_scope("/GET", four)]));
    assert_eq!(t.available(&stage_scope("/GET", four)), 1.0);
    clock.advance_millis(500);
    assert_eq!(
        t.available(&stage_scope("/GET", four)),
        2.0,
        "refills at 2 rps"
    );
}

#[test]
fn idle_full_buckets_are_evicted() {
    let clock = Arc::new(ManualClock::new(0));
    let t = Throttles::with_options(
        clock.clone(),
        ThrottlesOptions {
            shards: 4,
            idle_eviction: Duration::from_secs(60),
        },
    );
    let l = ThrottleLimit::new(1.0, 1);
    let methods: Vec<String> = (0..1000).map(|i| format!("/r{i}/GET")).collect();
    for m in &methods {
        assert!(admitted(&t, &[stage_scope(m, l)]));
    }
    assert_eq!(t.bucket_count(), 1000);
    assert_eq!(t.evict_idle(), 0, "buckets are not full yet");
    clock.advance_secs(30);
    assert!(admitted(
        &t,
        &[stage_scope("/busy/GET", ThrottleLimit::new(0.001, 1))]
    ));
    clock.advance_secs(31);
    assert_eq!(t.evict_idle(), 1000);
    assert_eq!(t.bucket_count(), 1);
    // Inserts sweep too: after another idle period, new keys push the old ones out.
    clock.advance_secs(2000);
    for m in &methods {
        assert!(admitted(&t, &[stage_scope(m, l)]));
        clock.advance_nanos(MS);
    }
    clock.advance_secs(100_000);
    for i in 0..1000 {
        let m = format!("/s{i}/GET");
        assert!(admitted(&t, &[stage_scope(&m, l)]));
    }
    assert!(
        t.bucket_count() < 2000,
        "sweeps bounded the map: {}",
        t.bucket_count()
    );
}
