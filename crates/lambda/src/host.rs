//! [`FunctionHost`]: the registry of functions, their worker pools, queueing and scheduling.
//!
//! Scheduling, per function:
//! - an invocation goes to an idle worker (one blocked in `/runtime/invocation/next`), the most
//!   recently idle first, so that warm workers are reused;
//! - with no idle worker it waits in the function's queue, and a new worker is started when fewer
//!   than `max_concurrency` exist and not enough are already starting for the queue;
//! - a full queue ([`HostOptions::queue_limit`]) answers [`InvokeError::TooManyRequests`];
//! - a worker that dies is removed; if invocations are still queued a replacement starts.
//!
//! Locks: every `Mutex` here is held for a few instructions and never across an `.await`;
//! a pool lock and a worker lock are never held together.

use std::collections::{HashMap, VecDeque};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;
use async_trait::async_trait;
use base64::Engine;
use bytes::Bytes;
use tokio::sync::oneshot;

use crate::bootstrap::{self, Installed};
use crate::logs::{self, Report};
use crate::worker::{self, KillReason, Worker};
use crate::{
    FunctionConfig, FunctionError, Invocation, InvocationType, Invoke, InvokeError, InvokeResult,
    function_arn, function_name, remote,
};

/// Tuning for a [`FunctionHost`].
#[derive(Debug, Clone)]
pub struct HostOptions {
    /// Invocations that may wait for a worker, per function, before callers get
    /// [`InvokeError::TooManyRequests`].
    pub queue_limit: usize,
    /// How long a new worker may take to reach `/runtime/invocation/next` (AWS: 10 s).
    pub init_timeout: Duration,
    /// The Python interpreter for `python3.x` functions.
    pub python: OsString,
    /// The Node.js executable for `nodejs*` functions.
    pub node: OsString,
    /// Retries of asynchronous (`Event`) invocations that end in a function error.
    pub event_retries: EventRetries,
}

/// Lambda's retry policy for asynchronous invocations: after a function error, up to `attempts`
/// more tries, the first after `first_delay` and each later one after twice the previous delay
/// (Lambda: 2 retries, about 1 and 2 minutes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRetries {
    pub attempts: u32,
    pub first_delay: Duration,
}

impl Default for EventRetries {
    fn default() -> Self {
        EventRetries {
            attempts: 2,
            first_delay: Duration::from_secs(60),
        }
    }
}

impl Default for HostOptions {
    fn default() -> Self {
        HostOptions {
            queue_limit: 100,
            init_timeout: Duration::from_secs(10),
            python: "python3".into(),
            node: "node".into(),
            event_retries: EventRetries::default(),
        }
    }
}

/// Counts and timings of one function, from [`FunctionHost::stats`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionStats {
    pub name: String,
    /// Invocations go to a remote endpoint.
    pub remote: bool,
    /// Invocations accepted (all types but `DryRun`).
    pub invocations: u64,
    /// Invocations that ended with a function error (including crashes and timeouts).
    pub function_errors: u64,
    /// Invocations refused because the queue was full.
    pub throttles: u64,
    /// Workers that completed init (cold starts).
    pub cold_starts: u64,
    pub timeouts: u64,
    /// Workers that exited while handling an invocation.
    pub crashes: u64,
    /// Workers that failed init (`/init/error`, exit or init timeout before `/next`).
    pub init_errors: u64,
    /// Worker processes alive or starting.
    pub workers: usize,
    /// Workers waiting in `/next`.
    pub idle_workers: usize,
    /// Invocations waiting for a worker.
    pub queued: usize,
    /// Init duration of the most recent cold start.
    pub last_init_duration: Option<Duration>,
    /// Duration of the most recent completed invocation.
    pub last_duration: Option<Duration>,
    /// Mean duration of completed invocations.
    pub mean_duration: Option<Duration>,
}

/// Hosts functions: runs local ones as worker processes speaking the Lambda Runtime API, and
/// forwards those with a [`crate::RemoteTarget`] to their endpoint with SigV4 signing.
///
/// Cheap to clone; clones share everything. Dropping the last clone kills all workers (use
/// [`FunctionHost::shutdown`] to also wait for them to exit).
#[derive(Clone)]
pub struct FunctionHost {
    inner: Arc<HostInner>,
}

pub(crate) struct HostInner {
    pub(crate) runtime_dir: Installed,
    pub(crate) options: HostOptions,
    functions: ArcSwap<HashMap<String, Arc<Function>>>,
    write_lock: Mutex<()>,
    remote: OnceLock<Result<remote::Client, String>>,
    next_worker_id: AtomicU64,
    shut_down: AtomicBool,
}

impl std::fmt::Debug for FunctionHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionHost")
            .field("work_dir", &self.inner.runtime_dir.dir)
            .field(
                "functions",
                &self.inner.functions.load().keys().collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl FunctionHost {
    /// A host whose work directory is `work_dir` (created if missing), a directory Tollgate owns,
    /// e.g. `{data_dir}/functions`. The shipped Python and Node bootstraps are written there now.
    pub fn new(work_dir: PathBuf) -> std::io::Result<FunctionHost> {
        Self::with_options(work_dir, HostOptions::default())
    }

    /// [`FunctionHost::new`] with explicit [`HostOptions`].
    pub fn with_options(work_dir: PathBuf, options: HostOptions) -> std::io::Result<FunctionHost> {
        let runtime_dir = bootstrap::install(&work_dir)?;
        Ok(FunctionHost {
            inner: Arc::new(HostInner {
                runtime_dir,
                options,
                functions: ArcSwap::from_pointee(HashMap::new()),
                write_lock: Mutex::new(()),
                remote: OnceLock::new(),
                next_worker_id: AtomicU64::new(1),
                shut_down: AtomicBool::new(false),
            }),
        })
    }

    /// The work directory (canonical), which holds the shipped bootstraps.
    pub fn work_dir(&self) -> &Path {
        &self.inner.runtime_dir.dir
    }

    /// Adds a function, or replaces the one with the same name. A replaced function's queued
    /// invocations move to the new definition, its idle workers stop now and its busy workers
    /// stop once they have answered. `max_concurrency` 0 counts as 1.
    pub fn register(&self, mut config: FunctionConfig) {
        config.max_concurrency = config.max_concurrency.max(1);
        let name = config.name.clone();
        let function = Arc::new(Function::new(config, Arc::downgrade(&self.inner)));
        let old = {
            let _guard = lock(&self.inner.write_lock);
            let mut map = HashMap::clone(&self.inner.functions.load());
            let old = map.insert(name, function.clone());
            self.inner.functions.store(Arc::new(map));
            old
        };
        if let Some(old) = old {
            old.retire(Some(&function));
        }
    }

    /// Removes a function; its queued invocations fail with [`InvokeError::FunctionNotFound`] and
    /// its workers stop. Returns whether it existed.
    pub fn unregister(&self, name: &str) -> bool {
        let old = {
            let _guard = lock(&self.inner.write_lock);
            let mut map = HashMap::clone(&self.inner.functions.load());
            let old = map.remove(name);
            self.inner.functions.store(Arc::new(map));
            old
        };
        match old {
            Some(old) => {
                old.retire(None);
                true
            }
            None => false,
        }
    }

    /// The registered functions, by name.
    pub fn functions(&self) -> Vec<FunctionConfig> {
        let mut all: Vec<FunctionConfig> = self
            .inner
            .functions
            .load()
            .values()
            .map(|f| f.config.clone())
            .collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    /// One function's definition, by name or ARN.
    pub fn get(&self, name_or_arn: &str) -> Option<FunctionConfig> {
        self.inner
            .get(function_name(name_or_arn))
            .map(|f| f.config.clone())
    }

    /// Counts and timings per function, by name.
    pub fn stats(&self) -> Vec<FunctionStats> {
        let mut all: Vec<FunctionStats> = self
            .inner
            .functions
            .load()
            .values()
            .map(|f| f.stats())
            .collect();
        all.sort_by(|a, b| a.name.cmp(&b.name));
        all
    }

    /// Stops every worker that has been idle (waiting in `/next`) for at least `idle_for`, as AWS
    /// reclaims idle execution environments; the next invocation cold-starts a new one. Returns
    /// how many were stopped.
    pub fn reap_idle(&self, idle_for: Duration) -> usize {
        let now = Instant::now();
        self.inner
            .functions
            .load()
            .values()
            .map(|f| f.reap_idle(idle_for, now))
            .sum()
    }

    /// Calls [`FunctionHost::reap_idle`] periodically (every quarter of `idle_for`, at least once
    /// a second) until the host is shut down or dropped. Needs a Tokio runtime.
    pub fn spawn_idle_reaper(&self, idle_for: Duration) -> tokio::task::JoinHandle<()> {
        let host = Arc::downgrade(&self.inner);
        let period = (idle_for / 4).max(Duration::from_secs(1));
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(period).await;
                let Some(inner) = host.upgrade() else { return };
                if inner.is_shut_down() {
                    return;
                }
                FunctionHost { inner }.reap_idle(idle_for);
            }
        })
    }

    /// Stops everything: queued invocations fail, workers are killed (whole process groups) and
    /// awaited. Invocations after this fail with [`InvokeError::Internal`].
    pub async fn shutdown(&self) {
        self.inner.shut_down.store(true, Ordering::SeqCst);
        let functions: Vec<Arc<Function>> = self.inner.functions.load().values().cloned().collect();
        let fail_queued = |f: &Function| {
            for pending in f.drain_queue() {
                let _ = pending.reply.send(Err(InvokeError::Internal(
                    "Tollgate is shutting down".into(),
                )));
            }
        };
        let mut workers = Vec::new();
        for f in &functions {
            fail_queued(f);
            workers.extend(f.workers());
        }
        for w in &workers {
            w.kill(KillReason::Shutdown);
        }
        for w in &workers {
            let _ = tokio::time::timeout(Duration::from_secs(5), w.exited()).await;
        }
        // Invocations put back by workers that were stopping.
        for f in &functions {
            fail_queued(f);
        }
    }
}

impl HostInner {
    pub(crate) fn get(&self, name: &str) -> Option<Arc<Function>> {
        self.functions.load().get(name).cloned()
    }

    pub(crate) fn is_shut_down(&self) -> bool {
        self.shut_down.load(Ordering::Relaxed)
    }

    fn remote_client(&self) -> Result<&remote::Client, InvokeError> {
        self.remote
            .get_or_init(|| remote::Client::new().map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| InvokeError::Internal(format!("cannot build the HTTPS client: {e}")))
    }
}

impl Drop for HostInner {
    fn drop(&mut self) {
        for f in self.functions.load().values() {
            f.retired.store(true, Ordering::SeqCst);
            for w in f.workers() {
                w.kill(KillReason::Shutdown);
            }
        }
    }
}

#[async_trait]
impl Invoke for FunctionHost {
    async fn invoke(
        &self,
        function: &str,
        invocation: Invocation,
    ) -> Result<InvokeResult, InvokeError> {
        let name = function_name(function);
        let Some(f) = self.inner.get(name) else {
            return Err(InvokeError::FunctionNotFound(function_arn(name)));
        };
        if self.inner.is_shut_down() {
            return Err(InvokeError::Internal("Tollgate is shutting down".into()));
        }
        let limit = match invocation.invocation_type {
            InvocationType::Event => crate::MAX_EVENT_PAYLOAD,
            _ => crate::MAX_SYNC_PAYLOAD,
        };
        if invocation.payload.len() > limit {
            return Err(InvokeError::PayloadTooLarge);
        }
        if let Some(target) = &f.config.remote {
            if invocation.invocation_type != InvocationType::DryRun {
                f.counters.invocations.fetch_add(1, Ordering::Relaxed);
            }
            let client = self.inner.remote_client()?;
            let result = remote::invoke(client, target, &invocation, f.config.timeout).await;
            if let Ok(r) = &result
                && r.function_error.is_some()
            {
                f.counters.function_errors.fetch_add(1, Ordering::Relaxed);
            }
            return result;
        }
        if invocation.invocation_type == InvocationType::DryRun {
            return Ok(InvokeResult {
                payload: Bytes::new(),
                function_error: None,
                log_tail: None,
                request_id: new_request_id(),
            });
        }
        f.invoke_local(invocation).await
    }
}

/// What an asynchronous invocation needs to be sent again.
struct Attempt {
    request_id: String,
    payload: Bytes,
    trace_id: String,
    client_context: Option<String>,
}

impl Attempt {
    fn pending(&self, reply: Reply) -> Pending {
        Pending {
            request_id: self.request_id.clone(),
            payload: self.payload.clone(),
            trace_id: self.trace_id.clone(),
            client_context: self.client_context.clone(),
            log_tail: false,
            enqueued: Instant::now(),
            reply,
        }
    }
}

/// An invocation on its way to a worker.
pub(crate) struct Pending {
    pub request_id: String,
    pub payload: Bytes,
    pub trace_id: String,
    /// Decoded client context JSON for `Lambda-Runtime-Client-Context`.
    pub client_context: Option<String>,
    pub log_tail: bool,
    pub enqueued: Instant,
    pub reply: Reply,
}

pub(crate) type Reply = oneshot::Sender<Result<InvokeResult, InvokeError>>;

/// What an invocation produced, before logs and reporting are added.
pub(crate) struct Outcome {
    pub payload: Bytes,
    pub function_error: Option<FunctionError>,
    /// Lines Lambda itself writes before `END` (crash and timeout notices).
    pub notices: Vec<String>,
    /// `Status:` in the `REPORT` line (`timeout`, `error`).
    pub status: Option<&'static str>,
}

impl Outcome {
    pub(crate) fn response(payload: Bytes) -> Self {
        Outcome {
            payload,
            function_error: None,
            notices: Vec::new(),
            status: None,
        }
    }

    pub(crate) fn error(
        payload: Bytes,
        notices: Vec<String>,
        status: Option<&'static str>,
    ) -> Self {
        Outcome {
            payload,
            function_error: Some(FunctionError::Unhandled),
            notices,
            status,
        }
    }
}

#[derive(Default)]
pub(crate) struct Counters {
    pub invocations: AtomicU64,
    pub function_errors: AtomicU64,
    pub throttles: AtomicU64,
    pub cold_starts: AtomicU64,
    pub timeouts: AtomicU64,
    pub crashes: AtomicU64,
    pub init_errors: AtomicU64,
    pub completed: AtomicU64,
    pub total_duration_us: AtomicU64,
    /// Stored +1 so that 0 means "none yet".
    pub last_duration_us: AtomicU64,
    pub last_init_us: AtomicU64,
}

/// A registered function and its worker pool.
pub(crate) struct Function {
    pub config: FunctionConfig,
    pub arn: String,
    pub counters: Counters,
    pub host: Weak<HostInner>,
    pool: Mutex<Pool>,
    pub retired: AtomicBool,
}

#[derive(Default)]
struct Pool {
    queue: VecDeque<Pending>,
    /// Workers blocked in `/next` (id, wake-up, idle since), most recently idle last.
    idle: Vec<(u64, oneshot::Sender<Pending>, Instant)>,
    workers: HashMap<u64, Arc<Worker>>,
    /// Workers alive or being started.
    slots: usize,
    /// Workers that have not yet reached `/next` for the first time.
    starting: usize,
    /// Workers that answered and are on their way back to `/next`, since when. A runtime calls
    /// `/next` right after answering, so a fresh entry counts as a worker about to be idle.
    returning: HashMap<u64, Instant>,
    /// A delayed capacity check is scheduled (for workers that answered but never came back).
    watchdog: bool,
}

/// How long a worker that answered counts as about to be idle again.
const RETURNING_GRACE: Duration = Duration::from_millis(250);

/// Where [`Function::dispatch`] puts an invocation that finds no idle worker.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// A new invocation: the back of the queue, refused when the queue is full.
    Back,
    /// An invocation that had been handed to a worker that went away: the front, always.
    Front,
}

impl Function {
    fn new(config: FunctionConfig, host: Weak<HostInner>) -> Self {
        Function {
            arn: config.arn(),
            config,
            counters: Counters::default(),
            host,
            pool: Mutex::new(Pool::default()),
            retired: AtomicBool::new(false),
        }
    }

    pub(crate) fn name(&self) -> &str {
        &self.config.name
    }

    async fn invoke_local(
        self: &Arc<Self>,
        invocation: Invocation,
    ) -> Result<InvokeResult, InvokeError> {
        let request_id = new_request_id();
        let (reply, result) = oneshot::channel();
        let trace_id = invocation
            .trace_id
            .filter(|t| !t.is_empty())
            .unwrap_or_else(new_trace_id);
        let client_context = invocation
            .client_context
            .as_deref()
            .and_then(decode_client_context);
        // Kept for the retries of an asynchronous invocation.
        let (pending_payload, pending_trace, pending_context) = (
            invocation.payload.clone(),
            trace_id.clone(),
            client_context.clone(),
        );
        let pending = Pending {
            request_id: request_id.clone(),
            payload: invocation.payload,
            trace_id,
            client_context,
            log_tail: invocation.log_tail,
            enqueued: Instant::now(),
            reply,
        };
        self.counters.invocations.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = self.dispatch(pending, Place::Back) {
            if matches!(e, InvokeError::TooManyRequests) {
                self.counters.throttles.fetch_add(1, Ordering::Relaxed);
            }
            return Err(e);
        }
        if invocation.invocation_type == InvocationType::Event {
            let retry = self.host.upgrade().map(|h| h.options.event_retries.clone());
            let function = self.clone();
            let first = Attempt {
                request_id: request_id.clone(),
                payload: pending_payload,
                trace_id: pending_trace,
                client_context: pending_context,
            };
            tokio::spawn(async move {
                function
                    .finish_event(first, result, retry.unwrap_or_default())
                    .await
            });
            return Ok(InvokeResult {
                payload: Bytes::new(),
                function_error: None,
                log_tail: None,
                request_id,
            });
        }
        result.await.unwrap_or_else(|_| {
            Err(InvokeError::Internal(
                "the invocation was dropped before it completed".into(),
            ))
        })
    }

    /// Waits for an asynchronous invocation's outcome and, as Lambda does, retries it after a
    /// function error (crash and timeout included) with growing delays, keeping its request id.
    async fn finish_event(
        self: Arc<Self>,
        attempt: Attempt,
        mut result: oneshot::Receiver<Result<InvokeResult, InvokeError>>,
        retry: EventRetries,
    ) {
        let name = self.name().to_string();
        let request_id = attempt.request_id.clone();
        let mut delay = retry.first_delay;
        for n in 0..=retry.attempts {
            if n > 0 {
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2);
                if self.retired.load(Ordering::SeqCst) {
                    tracing::warn!(function = %name, request_id = %request_id, "asynchronous invocation dropped: the function was replaced or removed");
                    return;
                }
                let (reply, rx) = oneshot::channel();
                result = rx;
                let pending = attempt.pending(reply);
                self.counters.invocations.fetch_add(1, Ordering::Relaxed);
                if let Err(e) = self.dispatch(pending, Place::Back) {
                    tracing::warn!(function = %name, request_id = %request_id, attempt = n + 1, "asynchronous invocation retry not accepted: {e}");
                    continue;
                }
            }
            match (&mut result).await {
                Ok(Ok(r)) if r.function_error.is_some() => {
                    tracing::warn!(function = %name, request_id = %request_id, attempt = n + 1, "asynchronous invocation failed: {}", String::from_utf8_lossy(&r.payload));
                }
                Ok(Ok(_)) => {
                    tracing::debug!(function = %name, request_id = %request_id, attempt = n + 1, "asynchronous invocation succeeded");
                    return;
                }
                Ok(Err(e)) => {
                    tracing::warn!(function = %name, request_id = %request_id, attempt = n + 1, "asynchronous invocation did not run: {e}");
                }
                Err(_) => {
                    tracing::warn!(function = %name, request_id = %request_id, "asynchronous invocation was dropped");
                    return;
                }
            }
        }
        tracing::error!(function = %name, request_id = %request_id, attempts = retry.attempts + 1, "asynchronous invocation discarded after its retries");
    }

    /// Hands `pending` to an idle worker, or queues it (starting workers as needed).
    pub(crate) fn dispatch(
        self: &Arc<Self>,
        pending: Pending,
        place: Place,
    ) -> Result<(), InvokeError> {
        let mut pending = pending;
        if self.host.upgrade().is_none_or(|h| h.is_shut_down()) {
            let stopped = InvokeError::Internal("Tollgate is shutting down".into());
            return match place {
                Place::Back => Err(stopped),
                Place::Front => {
                    let _ = pending.reply.send(Err(stopped));
                    Ok(())
                }
            };
        }
        {
            let mut pool = lock(&self.pool);
            while let Some((_, idle, _)) = pool.idle.pop() {
                match idle.send(pending) {
                    Ok(()) => return Ok(()),
                    Err(back) => pending = back,
                }
            }
            if self.retired.load(Ordering::SeqCst) {
                drop(pool);
                return self.forward_retired(pending);
            }
            let limit = self
                .host
                .upgrade()
                .map(|h| h.options.queue_limit)
                .unwrap_or(0);
            match place {
                Place::Back if pool.queue.len() >= limit => {
                    return Err(InvokeError::TooManyRequests);
                }
                Place::Back => pool.queue.push_back(pending),
                Place::Front => pool.queue.push_front(pending),
            }
        }
        self.ensure_capacity();
        Ok(())
    }

    /// A retired function's invocation goes to its successor, if any.
    fn forward_retired(&self, pending: Pending) -> Result<(), InvokeError> {
        let successor = self.host.upgrade().and_then(|h| h.get(self.name()));
        match successor {
            Some(s) if !s.retired.load(Ordering::SeqCst) => s.dispatch(pending, Place::Front),
            _ => {
                let _ = pending
                    .reply
                    .send(Err(InvokeError::FunctionNotFound(self.arn.clone())));
                Ok(())
            }
        }
    }

    /// Starts workers while queued invocations outnumber starting workers and the function is
    /// below its concurrency limit.
    pub(crate) fn ensure_capacity(self: &Arc<Self>) {
        let Some(host) = self.host.upgrade() else {
            return;
        };
        if host.is_shut_down() || tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        loop {
            let (n, arm_watchdog, stuck) = {
                let mut pool = lock(&self.pool);
                if self.retired.load(Ordering::SeqCst) {
                    return;
                }
                let now = Instant::now();
                let returning = pool
                    .returning
                    .values()
                    .filter(|since| now.duration_since(**since) < RETURNING_GRACE)
                    .count();
                let unserved = pool.queue.len().saturating_sub(pool.starting);
                let wanted = unserved.saturating_sub(returning);
                let room = self.config.max_concurrency.saturating_sub(pool.slots);
                let n = wanted.min(room);
                pool.slots += n;
                pool.starting += n;
                // A worker that answered but has not come back to `/next` within the function's
                // timeout is stuck (AWS would time out the next invocation it gets): stop it so
                // that queued invocations get a fresh worker.
                let stuck: Vec<Arc<Worker>> = if pool.queue.is_empty() {
                    Vec::new()
                } else {
                    let limit = self.config.timeout.max(RETURNING_GRACE);
                    pool.returning
                        .iter()
                        .filter(|(_, since)| now.duration_since(**since) > limit)
                        .filter_map(|(id, _)| pool.workers.get(id).cloned())
                        .collect()
                };
                let arm = !pool.queue.is_empty() && !pool.returning.is_empty() && !pool.watchdog;
                if arm {
                    pool.watchdog = true;
                }
                (n, arm, stuck)
            };
            for w in stuck {
                tracing::warn!(function = %self.name(), worker = w.id, "worker answered but never came back to /next; stopping it");
                w.kill(KillReason::Stuck);
            }
            if arm_watchdog {
                let function = self.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(RETURNING_GRACE).await;
                    lock(&function.pool).watchdog = false;
                    function.ensure_capacity();
                });
            }
            if n == 0 {
                return;
            }
            let mut failed = false;
            for _ in 0..n {
                let id = host.next_worker_id.fetch_add(1, Ordering::Relaxed);
                match worker::spawn(self, &host, id) {
                    Ok(w) => {
                        let mut pool = lock(&self.pool);
                        pool.workers.insert(id, w);
                    }
                    Err(cause) => {
                        failed = true;
                        self.spawn_failed(&cause);
                    }
                }
            }
            if !failed {
                return;
            }
        }
    }

    /// A worker could not be started: give its slot back and fail the oldest queued invocation
    /// with AWS's `Runtime.InvalidEntrypoint`.
    fn spawn_failed(&self, cause: &str) {
        let pending = {
            let mut pool = lock(&self.pool);
            pool.slots = pool.slots.saturating_sub(1);
            pool.starting = pool.starting.saturating_sub(1);
            pool.queue.pop_front()
        };
        tracing::error!(function = %self.name(), "cannot start a worker: {cause}");
        self.counters.init_errors.fetch_add(1, Ordering::Relaxed);
        if let Some(p) = pending {
            let payload = crate::errors::invalid_entrypoint(&p.request_id, cause);
            self.deliver_unstarted(
                p,
                String::new(),
                Outcome::error(payload, Vec::new(), Some("error")),
                None,
            );
        }
    }

    /// The next queued invocation, or a sender for `worker_id` to be woken with one. Called from
    /// `/next`; `first` marks the worker's first call (it is no longer "starting").
    pub(crate) fn take_or_wait(
        &self,
        worker_id: u64,
        first: bool,
    ) -> Result<Pending, oneshot::Receiver<Pending>> {
        let mut pool = lock(&self.pool);
        if first {
            pool.starting = pool.starting.saturating_sub(1);
        }
        pool.returning.remove(&worker_id);
        if let Some(p) = pool.queue.pop_front() {
            return Ok(p);
        }
        let (tx, rx) = oneshot::channel();
        pool.idle.push((worker_id, tx, Instant::now()));
        Err(rx)
    }

    /// A worker answered its invocation and is about to call `/next` again.
    pub(crate) fn worker_returning(&self, worker_id: u64) {
        lock(&self.pool).returning.insert(worker_id, Instant::now());
    }

    /// The oldest queued invocation, if any (for failing it after an init failure).
    pub(crate) fn pop_queued(&self) -> Option<Pending> {
        lock(&self.pool).queue.pop_front()
    }

    /// A worker exited: forget it, and start a replacement if invocations are still queued.
    pub(crate) fn worker_gone(self: &Arc<Self>, worker_id: u64, was_starting: bool) {
        {
            let mut pool = lock(&self.pool);
            if pool.workers.remove(&worker_id).is_some() {
                pool.slots = pool.slots.saturating_sub(1);
            }
            if was_starting {
                pool.starting = pool.starting.saturating_sub(1);
            }
            pool.idle.retain(|(id, _, _)| *id != worker_id);
            pool.returning.remove(&worker_id);
        }
        self.ensure_capacity();
    }

    pub(crate) fn workers(&self) -> Vec<Arc<Worker>> {
        lock(&self.pool).workers.values().cloned().collect()
    }

    /// Stops the workers that have waited in `/next` for longer than `idle_for`. Their entries
    /// leave the idle list under the pool lock, so no invocation can be handed to them meanwhile.
    fn reap_idle(&self, idle_for: Duration, now: Instant) -> usize {
        let reaped: Vec<Arc<Worker>> = {
            let mut pool = lock(&self.pool);
            let mut reaped_ids = Vec::new();
            pool.idle.retain(|(id, _, since)| {
                let old = now.saturating_duration_since(*since) >= idle_for;
                if old {
                    reaped_ids.push(*id);
                }
                !old
            });
            reaped_ids
                .iter()
                .filter_map(|id| pool.workers.get(id).cloned())
                .collect()
        };
        for w in &reaped {
            tracing::info!(function = %self.name(), worker = w.id, "stopping a worker idle for {idle_for:?}");
            w.kill(KillReason::Idle);
        }
        reaped.len()
    }

    fn drain_queue(&self) -> Vec<Pending> {
        let mut pool = lock(&self.pool);
        pool.queue.drain(..).collect()
    }

    /// Takes this definition out of service (it was replaced or removed).
    fn retire(self: &Arc<Self>, successor: Option<&Arc<Function>>) {
        self.retired.store(true, Ordering::SeqCst);
        // No more invocations for the idle workers that are about to stop.
        lock(&self.pool).idle.clear();
        for pending in self.drain_queue() {
            match successor {
                // `Front` never refuses: the invocation was already accepted.
                Some(s) => {
                    let _ = s.dispatch(pending, Place::Front);
                }
                None => {
                    let _ = pending
                        .reply
                        .send(Err(InvokeError::FunctionNotFound(self.arn.clone())));
                }
            }
        }
        for w in self.workers() {
            w.retire();
        }
    }

    /// Completes an invocation: adds `END` and `REPORT` to its log, records counters and timings,
    /// emits the `tracing` events, and answers the caller.
    pub(crate) fn deliver(
        &self,
        reply: Reply,
        request_id: String,
        log_tail: bool,
        mut log: String,
        outcome: Outcome,
        report: Report,
    ) {
        for notice in &outcome.notices {
            tracing::warn!(target: "function", function = %self.name(), request_id = %request_id, "{notice}");
            log.push_str(notice);
            log.push('\n');
        }
        // Lambda's END and REPORT lines, built only when someone reads them.
        let lines_wanted = log_tail || tracing::enabled!(target: "function", tracing::Level::DEBUG);
        let (end, report_line) = if lines_wanted {
            let end = logs::end_line(&request_id);
            let report_line = report.line(&request_id);
            tracing::debug!(target: "function", function = %self.name(), request_id = %request_id, "{end}");
            tracing::debug!(target: "function", function = %self.name(), request_id = %request_id, "{report_line}");
            (end, report_line)
        } else {
            (String::new(), String::new())
        };
        let duration_us = report.duration.as_micros().min(u64::MAX as u128) as u64;
        self.counters.completed.fetch_add(1, Ordering::Relaxed);
        self.counters
            .total_duration_us
            .fetch_add(duration_us, Ordering::Relaxed);
        self.counters
            .last_duration_us
            .store(duration_us + 1, Ordering::Relaxed);
        if outcome.function_error.is_some() {
            self.counters
                .function_errors
                .fetch_add(1, Ordering::Relaxed);
        }
        tracing::debug!(
            function = %self.name(),
            request_id = %request_id,
            duration_ms = report.duration.as_secs_f64() * 1000.0,
            init_duration_ms = report.init_duration.map(|d| d.as_secs_f64() * 1000.0),
            function_error = outcome.function_error.map(|e| e.as_str()),
            "invocation finished"
        );
        let log_tail = log_tail.then(|| {
            log.push_str(&end);
            log.push('\n');
            log.push_str(&report_line);
            log.push('\n');
            logs::tail(&log)
        });
        let _ = reply.send(Ok(InvokeResult {
            payload: outcome.payload,
            function_error: outcome.function_error,
            log_tail,
            request_id,
        }));
    }

    /// Fails an invocation that never reached a worker (its worker failed init or could not
    /// start). `log` is the failed worker's output.
    pub(crate) fn deliver_unstarted(
        &self,
        pending: Pending,
        log: String,
        outcome: Outcome,
        init: Option<Duration>,
    ) {
        let mut text = log;
        text.push_str(&logs::start_line(&pending.request_id));
        text.push('\n');
        let report = Report {
            duration: pending.enqueued.elapsed(),
            memory_mb: self.config.memory_mb,
            max_memory_used_mb: 0,
            init_duration: init,
            status: outcome.status,
        };
        self.deliver(
            pending.reply,
            pending.request_id,
            pending.log_tail,
            text,
            outcome,
            report,
        );
    }

    fn stats(&self) -> FunctionStats {
        let (workers, idle_workers, queued) = {
            let pool = lock(&self.pool);
            (pool.slots, pool.idle.len(), pool.queue.len())
        };
        let c = &self.counters;
        let us = |v: u64| (v > 0).then(|| Duration::from_micros(v - 1));
        let completed = c.completed.load(Ordering::Relaxed);
        FunctionStats {
            name: self.name().to_string(),
            remote: self.config.remote.is_some(),
            invocations: c.invocations.load(Ordering::Relaxed),
            function_errors: c.function_errors.load(Ordering::Relaxed),
            throttles: c.throttles.load(Ordering::Relaxed),
            cold_starts: c.cold_starts.load(Ordering::Relaxed),
            timeouts: c.timeouts.load(Ordering::Relaxed),
            crashes: c.crashes.load(Ordering::Relaxed),
            init_errors: c.init_errors.load(Ordering::Relaxed),
            workers,
            idle_workers,
            queued,
            last_init_duration: us(c.last_init_us.load(Ordering::Relaxed)),
            last_duration: us(c.last_duration_us.load(Ordering::Relaxed)),
            mean_duration: (completed > 0).then(|| {
                Duration::from_micros(c.total_duration_us.load(Ordering::Relaxed) / completed)
            }),
        }
    }
}

/// Locks `m`, ignoring poisoning: the data behind these locks stays consistent at every
/// statement, and no lock is held across code that can panic.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A random request id in UUID v4 form (no system entropy call per request).
pub(crate) fn new_request_id() -> String {
    uuid::Builder::from_random_bytes(fastrand::u128(..).to_le_bytes())
        .into_uuid()
        .to_string()
}

/// `Root=1-{epoch hex}-{96 random bits};Parent={64 random bits};Sampled=0`, an X-Ray trace header.
fn new_trace_id() -> String {
    let epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    format!(
        "Root=1-{epoch:08x}-{:024x};Parent={:016x};Sampled=0",
        fastrand::u128(..) >> 32,
        fastrand::u64(..)
    )
}

/// The Invoke API's base64 client context, decoded to the JSON text runtimes expect in
/// `Lambda-Runtime-Client-Context`. Anything that does not decode is passed on as given.
fn decode_client_context(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match base64::engine::general_purpose::STANDARD.decode(raw) {
        Ok(bytes) => String::from_utf8(bytes)
            .ok()
            .or_else(|| Some(raw.to_string())),
        Err(_) => Some(raw.to_string()),
    }
}
