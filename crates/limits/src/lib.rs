//! Throttling, usage-plan quotas and usage metering for Tollgate: the counters behind API
//! Gateway's `THROTTLED` (429 "Too Many Requests") and `QUOTA_EXCEEDED` (429 "Limit Exceeded")
//! gateway responses, and the data behind `GetUsage`.
//!
//! # Pieces
//!
//! - [`ThrottleLimit`] / [`TokenBucket`]: AWS's token bucket (capacity `burstLimit`, refill
//!   `rateLimit` tokens per second, starts full, one token per request) as lock-free GCRA on one
//!   `AtomicU64`; see the `bucket` docs on [`TokenBucket`] for the equivalence.
//! - [`StageThrottlePolicy`]: a stage's compiled throttle configuration (method settings and the
//!   usage plans covering it); [`StageThrottlePolicy::scopes`] resolves the buckets a request
//!   must pass, in AWS's order (usage plan, stage method, account).
//! - [`Throttles`]: the registry of buckets, sharded; [`Throttles::try_acquire`] admits a request
//!   only if every bucket yields a token, refunding earlier tokens when a later bucket refuses.
//! - [`QuotaLimit`] / [`Quotas`]: per (plan, key) counters over DAY/WEEK/MONTH UTC windows.
//! - [`Counters`]: the seam for a cluster (Redis) implementation; [`LocalCounters`] is the
//!   in-process one.
//! - [`UsageRecorder`] / [`spawn_flusher`]: usage metering per (plan, key, UTC day), persisted in
//!   batches through a [`UsageSink`].
//! - [`get_usage`]: the GetUsage response body from persisted daily counts.
//!
//! # Use in the request pipeline
//!
//! ```
//! use tollgate_limits::{
//!     Admission, LocalCounters, PlanKey, PlanThrottlePolicy, QuotaDecision, QuotaLimit,
//!     QuotaPeriod, StageThrottlePolicy, ThrottleLimit, UsageRecorder, method_key,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // When a deployment is compiled (per stage; replaced on redeploy):
//! let mut policy = StageThrottlePolicy::new("a1b2c3d4e5", "prod");
//! policy.set_method_setting("*/*", ThrottleLimit::new(100.0, 50))?;
//! policy.set_plan(
//!     "plan01",
//!     PlanThrottlePolicy { throttle: Some(ThrottleLimit::new(10.0, 20)), ..Default::default() },
//! );
//! let quota = QuotaLimit::new(1_000, 0, QuotaPeriod::Month)?;
//! let method = method_key("/pets", "GET"); // "/pets/GET", once per method
//!
//! // Once per process (a background task runs `spawn_flusher` and `LocalCounters::evict`):
//! let counters = LocalCounters::new();
//! let usage = UsageRecorder::new();
//!
//! // Per request, after the API key check (`apiKeyRequired = true`, key in plan01):
//! let client = Some(PlanKey { plan_id: "plan01", key_id: "key01" });
//! let scopes = policy.scopes(&method, client, ThrottleLimit::ACCOUNT_DEFAULT);
//! let Admission::Admitted = counters.throttles().try_acquire(&scopes) else {
//!     return Ok(()); // 429 THROTTLED, {"message":"Too Many Requests"}
//! };
//! let now = counters.now();
//! match counters.quotas().check_and_count("plan01", "key01", &quota, now) {
//!     QuotaDecision::Admitted { .. } => usage.record("plan01", "key01"),
//!     QuotaDecision::Exceeded => {} // 429 QUOTA_EXCEEDED, {"message":"Limit Exceeded"}
//! }
//! assert_eq!(usage.drain()[0].count, 1);
//! # Ok(())
//! # }
//! ```
//!
//! A request without a usage plan (no `apiKeyRequired`) passes `None` as the plan key, skips the
//! quota and records no usage. A plan without a quota still records usage (GetUsage lists it).
//! Tokens taken by the throttle are not given back when the quota then refuses (AWS's order is
//! throttle, then quota; whether AWS refunds is undocumented).
//!
//! # Why not `governor`
//!
//! `governor` implements GCRA too, but its `Quota` is fixed when a limiter is built (no way to
//! retune an existing bucket on redeploy), a keyed limiter applies one quota to every key (usage
//! plans and method settings give different keys different limits), burst must be non-zero
//! (AWS accepts `burstLimit` 0), and there is no refund of a token taken from one bucket when a
//! later bucket refuses. The hand-written bucket is ~100 lines, exact in whole nanoseconds, and
//! supports all of those.
//!
//! # Time
//!
//! Throttling runs on a monotonic [`Clock`] (nanoseconds); quotas and usage days run on a UTC
//! [`WallClock`]. Both have manual implementations ([`ManualClock`], [`ManualWallClock`]) so
//! tests are deterministic.

mod bucket;
mod clock;
mod counters;
mod quota;
mod report;
mod shard;
mod throttle;
mod usage;

pub use bucket::{ThrottleLimit, TokenBucket};
pub use clock::{Clock, ManualClock, ManualWallClock, MonotonicClock, SystemWallClock, WallClock};
pub use counters::{Counters, CountersError, LocalCounters};
pub use quota::{
    MAX_QUOTA, QuotaDecision, QuotaError, QuotaLimit, QuotaPeriod, QuotaWindow, Quotas, utc_date,
};
pub use report::{
    KeyUsage, MAX_USAGE_DAYS, QuotaCredit, UsageError, format_date, get_usage, parse_date,
    usage_history_start,
};
pub use throttle::{
    Admission, InvalidMethodSettingKey, PlanKey, PlanThrottlePolicy, Scope, ScopeKey, ScopeKind,
    Scopes, StageThrottlePolicy, Throttles, ThrottlesOptions, method_key,
};
pub use usage::{UsageFlusher, UsageRecord, UsageRecorder, UsageSink, spawn_flusher};
