//! The seam between the gateway pipeline and the counters' storage.
//!
//! # Why `-> impl Future` and not a synchronous trait or `async_trait`
//!
//! A Redis implementation must do network I/O, so the trait's operations return futures. They are
//! written as `fn ... -> impl Future<Output = ...> + Send` (return-position `impl Trait` in
//! traits) rather than with `async_trait`, which would box a future on every request. The
//! in-process [`LocalCounters`] returns [`std::future::Ready`], which the compiler inlines: awaiting
//! it costs nothing over a direct call. The price is that the trait is not object-safe; the engine
//! holds its counters as a generic parameter or an enum of implementations. Code that wants no
//! `.await` at all can use [`LocalCounters::throttles`] and [`LocalCounters::quotas`] directly.
//!
//! Time is the implementation's business (a Redis implementation would use the server's clock),
//! so the trait's operations take no timestamps; [`LocalCounters`] reads its injected clocks.

use std::future::{Future, ready};
use std::sync::Arc;

use crate::clock::{Clock, MonotonicClock, SystemWallClock, WallClock};
use crate::quota::{QuotaDecision, QuotaLimit, Quotas};
use crate::throttle::{Admission, Scope, Throttles, ThrottlesOptions};

/// A counter backend that could not answer (e.g. Redis unreachable). The caller decides whether
/// to fail open or closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("counters unavailable: {0}")]
pub struct CountersError(pub String);

/// Throttle and quota counters, as the request pipeline and the management API use them.
pub trait Counters: Send + Sync {
    /// Takes one token from every scope in order, or none (see [`Throttles::try_acquire`]).
    fn try_acquire(
        &self,
        scopes: &[Scope<'_>],
    ) -> impl Future<Output = Result<Admission, CountersError>> + Send;

    /// Admits and counts one request against the (plan, key) quota, or refuses without counting.
    fn check_and_count(
        &self,
        plan_id: &str,
        key_id: &str,
        quota: &QuotaLimit,
    ) -> impl Future<Output = Result<QuotaDecision, CountersError>> + Send;

    /// Requests left in the current quota window.
    fn remaining(
        &self,
        plan_id: &str,
        key_id: &str,
        quota: &QuotaLimit,
    ) -> impl Future<Output = Result<u64, CountersError>> + Send;

    /// `UpdateUsage replace /remaining`: sets what is left in the current window.
    fn set_remaining(
        &self,
        plan_id: &str,
        key_id: &str,
        quota: &QuotaLimit,
        remaining: u64,
    ) -> impl Future<Output = Result<(), CountersError>> + Send;
}

/// In-process counters: [`Throttles`] and [`Quotas`] with injected clocks.
pub struct LocalCounters {
    throttles: Throttles,
    quotas: Quotas,
    wall: Arc<dyn WallClock>,
}

impl std::fmt::Debug for LocalCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCounters")
            .field("throttles", &self.throttles)
            .field("quotas", &self.quotas)
            .finish_non_exhaustive()
    }
}

impl Default for LocalCounters {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalCounters {
    /// Counters on the system clocks.
    pub fn new() -> LocalCounters {
        LocalCounters::with_clocks(Arc::new(MonotonicClock::new()), Arc::new(SystemWallClock))
    }

    /// Counters on the given clocks (tests use the manual ones).
    pub fn with_clocks(clock: Arc<dyn Clock>, wall: Arc<dyn WallClock>) -> LocalCounters {
        LocalCounters::with_options(clock, wall, ThrottlesOptions::default())
    }

    /// Counters on the given clocks with explicit throttle options.
    pub fn with_options(
        clock: Arc<dyn Clock>,
        wall: Arc<dyn WallClock>,
        options: ThrottlesOptions,
    ) -> LocalCounters {
        LocalCounters {
            throttles: Throttles::with_options(clock, options),
            quotas: Quotas::new(),
            wall,
        }
    }

    /// The token buckets (synchronous access).
    pub fn throttles(&self) -> &Throttles {
        &self.throttles
    }

    /// The quota counters (synchronous access; pass [`now`](Self::now) as the time).
    pub fn quotas(&self) -> &Quotas {
        &self.quotas
    }

    /// The wall clock's current time.
    pub fn now(&self) -> time::OffsetDateTime {
        self.wall.now_utc()
    }

    /// Drops idle buckets and expired quota counters; returns how many entries were removed.
    /// Call it periodically (e.g. every minute) to bound memory beyond the amortised sweeps.
    pub fn evict(&self) -> usize {
        self.throttles.evict_idle() + self.quotas.evict_expired(self.wall.now_utc())
    }
}

impl Counters for LocalCounters {
    fn try_acquire(
        &self,
        scopes: &[Scope<'_>],
    ) -> impl Future<Output = Result<Admission, CountersError>> + Send {
        ready(Ok(self.throttles.try_acquire(scopes)))
    }

    fn check_and_count(
        &self,
        plan_id: &str,
        key_id: &str,
        quota: &QuotaLimit,
    ) -> impl Future<Output = Result<QuotaDecision, CountersError>> + Send {
        let now = self.wall.now_utc();
        ready(Ok(self.quotas.check_and_count(plan_id, key_id, quota, now)))
    }

    fn remaining(
        &self,
        plan_id: &str,
        key_id: &str,
        quota: &QuotaLimit,
    ) -> impl Future<Output = Result<u64, CountersError>> + Send {
        let now = self.wall.now_utc();
        ready(Ok(self.quotas.remaining(plan_id, key_id, quota, now)))
    }

    fn set_remaining(
        &self,
        plan_id: &str,
        key_id: &str,
        quota: &QuotaLimit,
        remaining: u64,
    ) -> impl Future<Output = Result<(), CountersError>> + Send {
        let now = self.wall.now_utc();
        self.quotas
            .set_remaining(plan_id, key_id, quota, remaining, now);
        ready(Ok(()))
    }
}
