//! Throttling scopes, their compiled per-stage policy, and the registry of token buckets.
//!
//! # Scopes (reference §3.3)
//!
//! | Order | Scope | Bucket key | Limits |
//! |---|---|---|---|
//! | 1 | usage plan, per API key | `(plan, key, api, stage, "{resourcePath}/{METHOD}")` when the plan's `apiStages[i].throttle` has an entry for the method, else `(plan, key)` | that entry, else the plan's `throttle` |
//! | 2 | stage method, all clients | `(api, stage, "{resourcePath}/{METHOD}")` | `methodSettings["{resource}/{METHOD}"]`, else `methodSettings["*/*"]` |
//! | 3 | account, all APIs | one bucket | `throttleSettings` of the account (default 10,000 rps, burst 5,000) |
//!
//! Choices where AWS is not explicit:
//! - A method-specific usage-plan throttle *replaces* the plan throttle for that method (the
//!   reference's "else"); the plan throttle is one bucket per key shared by every stage and
//!   method the plan covers ("per key, summed over all stages").
//! - `methodSettings["*/*"]` gives each method of the stage its own bucket with those limits
//!   (methods inherit the stage default), rather than one bucket for the whole stage.
//! - A stage without method settings adds no stage bucket: its limits would be the account's, and
//!   a second bucket with the account's limits can never refuse what the account bucket admits.
//!
//! # Refunds
//!
//! A request is admitted only if every applicable bucket yields a token. Buckets are tried in
//! order; when one refuses, the tokens already taken from the earlier buckets are given back, so a
//! client throttled at the stage or account level does not also lose its usage-plan allowance
//! for a request that never ran.
//!
//! # Memory
//!
//! Buckets are created on first use. A bucket that has been full for the idle period is
//! indistinguishable from a new one, so such buckets are dropped: on inserts, when a shard has
//! doubled in size since its last sweep, and on [`Throttles::evict_idle`].

use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use hashbrown::{Equivalent, HashMap};

use crate::bucket::{ThrottleLimit, TokenBucket};
use crate::clock::Clock;
use crate::shard::{ShardedMap, str_eq};

/// Identifies one token bucket. Borrowed, so building it per request allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeKey<'a> {
    /// A usage plan's throttle for one API key, shared by all methods and stages of the plan.
    UsagePlan {
        /// Usage plan id.
        plan_id: &'a str,
        /// API key id.
        key_id: &'a str,
    },
    /// A usage plan's method-specific throttle for one API key.
    UsagePlanMethod {
        /// Usage plan id.
        plan_id: &'a str,
        /// API key id.
        key_id: &'a str,
        /// REST API id.
        api_id: &'a str,
        /// Stage name.
        stage: &'a str,
        /// `"{resourcePath}/{METHOD}"`, e.g. `/pets/GET` (root: `//GET`).
        method: &'a str,
    },
    /// A stage's method throttle, shared by all clients.
    StageMethod {
        /// REST API id.
        api_id: &'a str,
        /// Stage name.
        stage: &'a str,
        /// `"{resourcePath}/{METHOD}"`, e.g. `/pets/GET` (root: `//GET`).
        method: &'a str,
    },
    /// The account-wide bucket.
    Account,
}

impl ScopeKey<'_> {
    /// The kind of scope, for logs and metrics.
    pub fn kind(&self) -> ScopeKind {
        match self {
            ScopeKey::UsagePlan { .. } => ScopeKind::UsagePlan,
            ScopeKey::UsagePlanMethod { .. } => ScopeKind::UsagePlanMethod,
            ScopeKey::StageMethod { .. } => ScopeKind::StageMethod,
            ScopeKey::Account => ScopeKind::Account,
        }
    }

    fn parts(&self) -> (u8, [&str; 5]) {
        match *self {
            ScopeKey::UsagePlan { plan_id, key_id } => (0, [plan_id, key_id, "", "", ""]),
            ScopeKey::UsagePlanMethod {
                plan_id,
                key_id,
                api_id,
                stage,
                method,
            } => (1, [plan_id, key_id, api_id, stage, method]),
            ScopeKey::StageMethod {
                api_id,
                stage,
                method,
            } => (2, [api_id, stage, method, "", ""]),
            ScopeKey::Account => (3, ["", "", "", "", ""]),
        }
    }
}

impl Hash for ScopeKey<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let (tag, parts) = self.parts();
        state.write_u8(tag);
        for p in parts {
            p.hash(state);
        }
    }
}

/// The kind of a [`ScopeKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScopeKind {
    /// [`ScopeKey::UsagePlan`].
    UsagePlan,
    /// [`ScopeKey::UsagePlanMethod`].
    UsagePlanMethod,
    /// [`ScopeKey::StageMethod`].
    StageMethod,
    /// [`ScopeKey::Account`].
    Account,
}

/// Owned form of a [`ScopeKey`], stored in the bucket map.
#[derive(Debug)]
pub(crate) struct ScopeKeyBuf {
    tag: u8,
    parts: [Box<str>; 5],
}

impl ScopeKeyBuf {
    fn from_key(key: &ScopeKey<'_>) -> ScopeKeyBuf {
        let (tag, parts) = key.parts();
        ScopeKeyBuf {
            tag,
            parts: parts.map(Box::from),
        }
    }
}

impl Hash for ScopeKeyBuf {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u8(self.tag);
        for p in &self.parts {
            (**p).hash(state);
        }
    }
}

impl PartialEq for ScopeKeyBuf {
    fn eq(&self, other: &Self) -> bool {
        self.tag == other.tag
            && self
                .parts
                .iter()
                .zip(other.parts.iter())
                .all(|(a, b)| str_eq(a, b))
    }
}

impl Eq for ScopeKeyBuf {}

impl Equivalent<ScopeKeyBuf> for ScopeKey<'_> {
    fn equivalent(&self, key: &ScopeKeyBuf) -> bool {
        let (tag, parts) = self.parts();
        tag == key.tag
            && parts
                .iter()
                .zip(key.parts.iter())
                .all(|(a, b)| str_eq(a, b))
    }
}

/// One bucket to take a token from, with the limit currently configured for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scope<'a> {
    /// Which bucket.
    pub key: ScopeKey<'a>,
    /// Its rate and burst now (buckets adopt a changed limit on their next use).
    pub limit: ThrottleLimit,
}

/// The outcome of [`Throttles::try_acquire`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Every bucket yielded a token.
    Admitted,
    /// A bucket was empty (429 `THROTTLED`); tokens taken from earlier buckets were refunded.
    Throttled {
        /// Index of the refusing scope in the slice passed in.
        index: usize,
        /// Its kind.
        kind: ScopeKind,
        /// Nanoseconds until that bucket has a token again (`u64::MAX`: never, burst 0).
        retry_after_nanos: u64,
    },
}

impl Admission {
    /// Whether the request may proceed.
    pub fn is_admitted(&self) -> bool {
        matches!(self, Admission::Admitted)
    }
}

/// Tuning of a [`Throttles`] registry.
#[derive(Debug, Clone, Copy)]
pub struct ThrottlesOptions {
    /// Number of shards of the bucket map (rounded up to a power of two).
    pub shards: usize,
    /// How long a bucket must have been full before it may be dropped.
    pub idle_eviction: Duration,
}

impl Default for ThrottlesOptions {
    fn default() -> Self {
        let cpus = std::thread::available_parallelism().map_or(4, |n| n.get());
        ThrottlesOptions {
            shards: (cpus * 4).max(16),
            idle_eviction: Duration::from_secs(600),
        }
    }
}

/// The registry of token buckets of one gateway process.
///
/// Thread-safe; share it by reference or `Arc`. The hot path takes one shard read lock per
/// non-account scope and performs one compare-and-swap per bucket.
pub struct Throttles {
    clock: Arc<dyn Clock>,
    account: TokenBucket,
    buckets: ShardedMap<ScopeKeyBuf, TokenBucket>,
    idle_nanos: u64,
}

impl std::fmt::Debug for Throttles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttles")
            .field("buckets", &self.buckets.len())
            .field("idle_nanos", &self.idle_nanos)
            .finish_non_exhaustive()
    }
}

impl Throttles {
    /// A registry with default options reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Throttles {
        Throttles::with_options(clock, ThrottlesOptions::default())
    }

    /// A registry with explicit options.
    pub fn with_options(clock: Arc<dyn Clock>, options: ThrottlesOptions) -> Throttles {
        Throttles {
            clock,
            account: TokenBucket::new(&ThrottleLimit::ACCOUNT_DEFAULT),
            buckets: ShardedMap::new(options.shards),
            idle_nanos: u64::try_from(options.idle_eviction.as_nanos()).unwrap_or(u64::MAX),
        }
    }

    /// Takes one token from every scope, in order, or none at all.
    pub fn try_acquire(&self, scopes: &[Scope<'_>]) -> Admission {
        self.try_acquire_at(scopes, self.clock.now_nanos())
    }

    /// [`try_acquire`](Self::try_acquire) at an explicit time on this registry's clock.
    pub fn try_acquire_at(&self, scopes: &[Scope<'_>], now: u64) -> Admission {
        for (index, scope) in scopes.iter().enumerate() {
            if let Err(retry_after_nanos) = self.acquire_one(scope, now) {
                for earlier in &scopes[..index] {
                    self.refund_one(earlier, now);
                }
                return Admission::Throttled {
                    index,
                    kind: scope.key.kind(),
                    retry_after_nanos,
                };
            }
        }
        Admission::Admitted
    }

    /// Tokens available now in the bucket of `scope` (its burst if the bucket does not exist).
    pub fn available(&self, scope: &Scope<'_>) -> f64 {
        let now = self.clock.now_nanos();
        match scope.key {
            ScopeKey::Account => self.account.available(&scope.limit, now),
            key => self
                .buckets
                .with(&key, |b| b.available(&scope.limit, now))
                .unwrap_or(scope.limit.burst() as f64),
        }
    }

    /// Drops every bucket that has been full for the idle period; returns how many.
    pub fn evict_idle(&self) -> usize {
        let now = self.clock.now_nanos();
        let idle = self.idle_nanos;
        self.buckets.retain_not(|_, b| b.idle_since(now, idle))
    }

    /// Number of buckets held (excluding the account bucket).
    pub fn bucket_count(&self) -> usize {
        self.buckets.len()
    }

    fn acquire_one(&self, scope: &Scope<'_>, now: u64) -> Result<(), u64> {
        match scope.key {
            ScopeKey::Account => self.account.try_acquire(&scope.limit, now),
            key => {
                let idle = self.idle_nanos;
                self.buckets.with_or_insert(
                    &key,
                    || (ScopeKeyBuf::from_key(&key), TokenBucket::new(&scope.limit)),
                    |b| b.idle_since(now, idle),
                    |b| b.try_acquire(&scope.limit, now),
                )
            }
        }
    }

    fn refund_one(&self, scope: &Scope<'_>, now: u64) {
        match scope.key {
            ScopeKey::Account => self.account.refund(&scope.limit, now),
            key => {
                self.buckets.with(&key, |b| b.refund(&scope.limit, now));
            }
        }
    }
}

/// `"{resourcePath}/{METHOD}"`, the method key of usage-plan throttles (`/pets/GET`, root
/// `//GET`). Compute it once per method when compiling, not per request.
pub fn method_key(resource_path: &str, http_method: &str) -> String {
    format!("{resource_path}/{http_method}")
}

/// A method-settings key that is neither `*/*` nor `{resource}/{METHOD}`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid method setting key {0:?}: expected \"{{resourcePath}}/{{METHOD}}\" or \"*/*\"")]
pub struct InvalidMethodSettingKey(pub String);

/// The usage-plan part of a stage's policy: one plan's throttles for this stage.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanThrottlePolicy {
    /// The plan's `throttle` (per key, all methods), if any.
    pub throttle: Option<ThrottleLimit>,
    /// `apiStages[i].throttle` for this stage, keyed `"{resourcePath}/{METHOD}"` as AWS stores
    /// them (`/pets/GET`).
    pub methods: HashMap<String, ThrottleLimit>,
}

/// A client's usage plan and API key, when the method requires a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanKey<'a> {
    /// Usage plan id.
    pub plan_id: &'a str,
    /// API key id.
    pub key_id: &'a str,
}

/// The compiled throttling configuration of one stage: method settings and the throttles of
/// every usage plan covering the stage. Build it when a deployment is compiled; replace it on
/// redeploy (existing buckets adopt changed limits on their next use).
#[derive(Debug, Clone, PartialEq)]
pub struct StageThrottlePolicy {
    api_id: String,
    stage: String,
    method_settings: HashMap<String, ThrottleLimit>,
    stage_default: Option<ThrottleLimit>,
    plans: HashMap<String, PlanThrottlePolicy>,
}

impl StageThrottlePolicy {
    /// An empty policy (only the account bucket applies) for `api_id`/`stage`.
    pub fn new(api_id: impl Into<String>, stage: impl Into<String>) -> StageThrottlePolicy {
        StageThrottlePolicy {
            api_id: api_id.into(),
            stage: stage.into(),
            method_settings: HashMap::new(),
            stage_default: None,
            plans: HashMap::new(),
        }
    }

    /// Sets the throttle of a `methodSettings` entry, keyed as AWS stores it: `*/*`,
    /// `~1pets/GET`, `pets/GET` (`~1` decodes to `/`, `~0` to `~`; a missing leading `/` is added).
    pub fn set_method_setting(
        &mut self,
        key: &str,
        limit: ThrottleLimit,
    ) -> Result<(), InvalidMethodSettingKey> {
        if key == "*/*" {
            self.stage_default = Some(limit);
            return Ok(());
        }
        let Some((resource, method)) = key.rsplit_once('/') else {
            return Err(InvalidMethodSettingKey(key.to_owned()));
        };
        if method.is_empty() || method.contains('~') {
            return Err(InvalidMethodSettingKey(key.to_owned()));
        }
        let decoded = resource.replace("~1", "/").replace("~0", "~");
        let path = if decoded.starts_with('/') {
            decoded
        } else {
            format!("/{decoded}")
        };
        self.method_settings
            .insert(method_key(&path, method), limit);
        Ok(())
    }

    /// Sets the throttles of usage plan `plan_id` for this stage.
    pub fn set_plan(&mut self, plan_id: impl Into<String>, policy: PlanThrottlePolicy) {
        self.plans.insert(plan_id.into(), policy);
    }

    /// The scopes a request to `method` (`"{resourcePath}/{METHOD}"`, see [`method_key`]) must
    /// pass, in AWS's order. `plan_key` is the client's plan and key when the method requires an
    /// API key (usage-plan throttles do not apply otherwise); `account` is the account limit.
    pub fn scopes<'a>(
        &'a self,
        method: &'a str,
        plan_key: Option<PlanKey<'a>>,
        account: ThrottleLimit,
    ) -> Scopes<'a> {
        let mut out = Scopes::default();
        if let Some(pk) = plan_key
            && let Some(plan) = self.plans.get(pk.plan_id)
        {
            if let Some(limit) = plan.methods.get(method) {
                out.push(Scope {
                    key: ScopeKey::UsagePlanMethod {
                        plan_id: pk.plan_id,
                        key_id: pk.key_id,
                        api_id: &self.api_id,
                        stage: &self.stage,
                        method,
                    },
                    limit: *limit,
                });
            } else if let Some(limit) = plan.throttle {
                out.push(Scope {
                    key: ScopeKey::UsagePlan {
                        plan_id: pk.plan_id,
                        key_id: pk.key_id,
                    },
                    limit,
                });
            }
        }
        if let Some(limit) = self
            .method_settings
            .get(method)
            .copied()
            .or(self.stage_default)
        {
            out.push(Scope {
                key: ScopeKey::StageMethod {
                    api_id: &self.api_id,
                    stage: &self.stage,
                    method,
                },
                limit,
            });
        }
        out.push(Scope {
            key: ScopeKey::Account,
            limit: account,
        });
        out
    }
}

/// Up to three scopes, stored inline (no allocation per request).
#[derive(Debug, Clone, Copy)]
pub struct Scopes<'a> {
    items: [Scope<'a>; 3],
    len: usize,
}

impl Default for Scopes<'_> {
    fn default() -> Self {
        let filler = Scope {
            key: ScopeKey::Account,
            limit: ThrottleLimit::ACCOUNT_DEFAULT,
        };
        Scopes {
            items: [filler; 3],
            len: 0,
        }
    }
}

impl<'a> Scopes<'a> {
    fn push(&mut self, scope: Scope<'a>) {
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = scope;
            self.len += 1;
        }
    }

    /// The scopes, in order.
    pub fn as_slice(&self) -> &[Scope<'a>] {
        &self.items[..self.len]
    }
}

impl<'a> std::ops::Deref for Scopes<'a> {
    type Target = [Scope<'a>];
    fn deref(&self) -> &[Scope<'a>] {
        self.as_slice()
    }
}
