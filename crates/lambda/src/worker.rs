//! Worker processes: one execution environment of a function. A worker is started with AWS's
//! environment, its own Runtime API listener on `127.0.0.1:{port}` (so every call it makes is
//! attributable to it), its output captured line by line, and its own process group (so a
//! timeout or shutdown kills everything it started).
//!
//! Phases: `Starting` (spawned, has not called `/next`) → `Waiting` (in `/next`) → `Busy`
//! (handling one invocation) → `Responded` (answered, not yet back in `/next`) → `Waiting` ...;
//! `Dead` once it exited or was killed.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};
use tokio::sync::{oneshot, watch};
use tokio::task::AbortHandle;

use crate::host::{Function, HostInner, Outcome, Pending, Place, Reply, lock};
use crate::logs::{self, LogBuffer, Report};
use crate::{Runtime, errors};

/// Environment variables passed through from Tollgate's own environment (everything else is
/// cleared, as in Lambda). Enough for interpreters installed per user (pyenv, nvm) to work.
const INHERITED: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "TMPDIR",
    "LD_LIBRARY_PATH",
    "PYENV_ROOT",
    "PYENV_VERSION",
    "PYENV_DIR",
    "VIRTUAL_ENV",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "NODE_EXTRA_CA_CERTS",
    "AWS_PROFILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ENDPOINT_URL",
];

/// Credentials every worker gets unless Tollgate's environment (or a profile) provides them.
const DUMMY_CREDENTIALS: &[(&str, &str)] = &[
    ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
    (
        "AWS_SECRET_ACCESS_KEY",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ),
    ("AWS_SESSION_TOKEN", "tollgate-local-session-token"),
];

/// Why Tollgate killed a worker (as opposed to it exiting on its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KillReason {
    Timeout,
    InitError,
    InitTimeout,
    Shutdown,
    Retired,
    /// Answered but never came back to `/next`.
    Stuck,
    /// Waited in `/next` for longer than the host's idle limit.
    Idle,
}

pub(crate) enum Phase {
    Starting,
    Waiting,
    Busy(Inflight),
    Responded,
    Dead,
}

impl Phase {
    /// The name RAPID uses for the runtime's state, for `InvalidStateTransition` messages.
    fn state_name(&self) -> &'static str {
        match self {
            Phase::Starting => "RuntimeStartedState",
            Phase::Waiting => "RuntimeReadyState",
            Phase::Busy(_) => "RuntimeInvocationState",
            Phase::Responded => "RuntimeResponseSentState",
            Phase::Dead => "RuntimeExitedState",
        }
    }
}

/// The invocation a worker is handling.
pub(crate) struct Inflight {
    pub request_id: String,
    pub reply: Reply,
    pub started: Instant,
    pub log_tail: bool,
    pub timer: Option<AbortHandle>,
    /// Set on the worker's first invocation: its init (cold start) duration.
    pub init_duration: Option<Duration>,
}

pub(crate) struct WorkerState {
    pub phase: Phase,
    /// Init duration, once the worker first called `/next`.
    init_duration: Option<Duration>,
    /// The next invocation is the worker's first.
    cold: bool,
    killed: Option<KillReason>,
    /// What the runtime posted to `/init/error`.
    init_error: Option<Bytes>,
    /// Output of the current invocation, or produced between invocations.
    log: LogBuffer,
    /// The invocation output lines are attributed to (the current or the last one).
    log_request_id: Option<Arc<str>>,
    /// The last invocation this worker answered, to tell a repeated post from an unknown id.
    last_request_id: Option<String>,
}

/// Byte counters of the output readers, to know when captured output has caught up.
#[derive(Default)]
struct OutputProgress {
    read: AtomicU64,
    done: AtomicU64,
}

pub(crate) struct Worker {
    pub id: u64,
    pub function: Arc<Function>,
    pub created: Instant,
    pid: OnceLock<u32>,
    pub state: Mutex<WorkerState>,
    exited_tx: watch::Sender<bool>,
    server: OnceLock<AbortHandle>,
    /// Duplicates of the stdout/stderr pipe ends, to ask the kernel what is still unread.
    pipes: OnceLock<Vec<OwnedFd>>,
    progress: OutputProgress,
}

/// Errors the Runtime API reports to a runtime.
#[derive(Debug)]
pub(crate) enum ApiError {
    /// 400 `InvalidRequestID`.
    InvalidRequestId,
    /// 403 `InvalidStateTransition`, with the state the runtime was in and the one it asked for.
    StateTransition(&'static str, &'static str),
    /// 500: the worker is gone or being stopped.
    Gone,
}

/// Starts a worker for `function`: binds its Runtime API listener, spawns the process, starts
/// the output readers, the exit monitor and the init timer. The error is a cause for AWS's
/// `Runtime.InvalidEntrypoint` message.
pub(crate) fn spawn(
    function: &Arc<Function>,
    host: &Arc<HostInner>,
    id: u64,
) -> Result<Arc<Worker>, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")
        .map_err(|e| format!("cannot listen on 127.0.0.1: {e}"))?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| e.to_string())?;

    let log_stream = logs::log_stream_name();
    let mut command = command(function, host, port, &log_stream)?;
    let mut child = command
        .spawn()
        .map_err(|e| format!("fork/exec {}: {e}", program_name(function, host)))?;

    let (exited_tx, _) = watch::channel(false);
    let worker = Arc::new(Worker {
        id,
        function: function.clone(),
        created: Instant::now(),
        pid: OnceLock::new(),
        state: Mutex::new(WorkerState {
            phase: Phase::Starting,
            init_duration: None,
            cold: true,
            killed: None,
            init_error: None,
            log: LogBuffer::default(),
            log_request_id: None,
            last_request_id: None,
        }),
        exited_tx,
        server: OnceLock::new(),
        pipes: OnceLock::new(),
        progress: OutputProgress::default(),
    });
    if let Some(pid) = child.id() {
        let _ = worker.pid.set(pid);
    }
    tracing::debug!(function = %function.name(), worker = id, pid = worker.pid(), port, "worker started");

    let server = tokio::spawn(crate::runtime_api::serve(listener, worker.clone()));
    let _ = worker.server.set(server.abort_handle());

    let mut readers = Vec::new();
    let mut pipes = Vec::new();
    if let Some(out) = child.stdout.take() {
        if let Ok(fd) = out.as_fd().try_clone_to_owned() {
            pipes.push(fd);
        }
        readers.push(tokio::spawn(read_output(worker.clone(), out, "stdout")));
    }
    if let Some(err) = child.stderr.take() {
        if let Ok(fd) = err.as_fd().try_clone_to_owned() {
            pipes.push(fd);
        }
        readers.push(tokio::spawn(read_output(worker.clone(), err, "stderr")));
    }
    let _ = worker.pipes.set(pipes);

    tokio::spawn(monitor(worker.clone(), child, readers));

    let init_timeout = host.options.init_timeout;
    let w = worker.clone();
    tokio::spawn(async move {
        tokio::time::sleep(init_timeout).await;
        let starting = matches!(lock(&w.state).phase, Phase::Starting);
        if starting {
            tracing::warn!(function = %w.function.name(), worker = w.id, "worker did not reach /next within {init_timeout:?}; killing it");
            w.kill(KillReason::InitTimeout);
        }
    });
    Ok(worker)
}

fn program_name(function: &Function, host: &HostInner) -> String {
    match function.config.runtime {
        Runtime::Provided => code_dir(&function.config.code_dir)
            .join("bootstrap")
            .display()
            .to_string(),
        Runtime::Python(_) => host.options.python.to_string_lossy().into_owned(),
        Runtime::Nodejs(_) => host.options.node.to_string_lossy().into_owned(),
    }
}

fn code_dir(dir: &Path) -> PathBuf {
    std::fs::canonicalize(dir)
        .or_else(|_| std::path::absolute(dir))
        .unwrap_or_else(|_| dir.to_path_buf())
}

/// The worker's command line and environment, as Lambda sets it up.
fn command(
    function: &Function,
    host: &HostInner,
    port: u16,
    log_stream: &str,
) -> Result<Command, String> {
    let config = &function.config;
    let task_root = code_dir(&config.code_dir);
    if !task_root.is_dir() {
        return Err(format!(
            "code directory {} does not exist",
            task_root.display()
        ));
    }
    let runtime_dir = &host.runtime_dir;
    let mut cmd = match &config.runtime {
        Runtime::Provided => {
            let bootstrap = task_root.join("bootstrap");
            if !bootstrap.is_file() {
                return Err(format!(
                    "Couldn't find valid bootstrap(s): [{}]",
                    bootstrap.display()
                ));
            }
            Command::new(bootstrap)
        }
        Runtime::Python(_) => {
            let mut c = Command::new(&host.options.python);
            c.arg(&runtime_dir.python);
            c
        }
        Runtime::Nodejs(_) => {
            let mut c = Command::new(&host.options.node);
            c.arg(&runtime_dir.node);
            c
        }
    };
    cmd.env_clear();
    for key in INHERITED {
        if let Some(value) = std::env::var_os(key) {
            cmd.env(key, value);
        }
    }
    if std::env::var_os("PATH").is_none() {
        cmd.env("PATH", "/usr/local/bin:/usr/bin:/bin");
    }
    cmd.env("LANG", "en_US.UTF-8").env("TZ", ":UTC");
    cmd.env("AWS_REGION", crate::REGION)
        .env("AWS_DEFAULT_REGION", crate::REGION);
    let profile = std::env::var_os("AWS_PROFILE").is_some();
    for (key, dummy) in DUMMY_CREDENTIALS {
        match std::env::var_os(key) {
            Some(value) => {
                cmd.env(key, value);
            }
            None if !profile => {
                cmd.env(key, dummy);
            }
            None => {}
        }
    }
    match &config.runtime {
        Runtime::Provided => {}
        Runtime::Python(v) => {
            cmd.env("AWS_EXECUTION_ENV", format!("AWS_Lambda_{v}"));
            cmd.env("PYTHONUNBUFFERED", "1");
        }
        Runtime::Nodejs(v) => {
            cmd.env("AWS_EXECUTION_ENV", format!("AWS_Lambda_{v}"));
            cmd.env("NODE_PATH", task_root.join("node_modules"));
        }
    }
    cmd.envs(&config.environment);
    cmd.env("AWS_LAMBDA_FUNCTION_NAME", &config.name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env(
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            config.memory_mb.to_string(),
        )
        .env(
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{}", config.name),
        )
        .env("AWS_LAMBDA_LOG_STREAM_NAME", log_stream)
        .env("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand")
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}"))
        .env("LAMBDA_TASK_ROOT", &task_root)
        .env("LAMBDA_RUNTIME_DIR", &runtime_dir.dir);
    if let Some(handler) = &config.handler {
        cmd.env("_HANDLER", handler);
    }
    cmd.current_dir(&task_root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    Ok(cmd)
}

/// Reads one output stream line by line: each line goes to `tracing` (target `function`, fields
/// `function` and `request_id`) and to the log of the invocation the worker is handling.
async fn read_output(worker: Arc<Worker>, mut pipe: impl AsyncRead + Unpin, stream: &'static str) {
    const MAX_LINE: usize = 64 * 1024;
    let mut buf = vec![0u8; 8192];
    let mut partial: Vec<u8> = Vec::new();
    loop {
        let n = match pipe.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        worker.progress.read.fetch_add(n as u64, Ordering::SeqCst);
        partial.extend_from_slice(&buf[..n]);
        let mut start = 0;
        while let Some(pos) = partial[start..].iter().position(|b| *b == b'\n') {
            worker.output_line(stream, &partial[start..start + pos]);
            start += pos + 1;
        }
        partial.drain(..start);
        if partial.len() > MAX_LINE {
            worker.output_line(stream, &partial);
            partial.clear();
        }
        worker.progress.done.fetch_add(n as u64, Ordering::SeqCst);
    }
    if !partial.is_empty() {
        worker.output_line(stream, &partial);
    }
}

/// Waits for the process to exit, then settles what it was doing: an invocation in flight gets
/// AWS's `Runtime.ExitError`; a worker that never reached `/next` fails the oldest queued
/// invocation with its init error.
async fn monitor(worker: Arc<Worker>, mut child: Child, readers: Vec<tokio::task::JoinHandle<()>>) {
    let status = child.wait().await.ok();
    // Kill what is left of the process group (a bootstrap's children) at once, before its id
    // can be reused, and so that pipes they hold close.
    worker.signal_group();
    // Let the readers drain so that a crash's last words land in its invocation's log. A
    // grandchild holding the pipes open must not stall this.
    let _ = tokio::time::timeout(Duration::from_millis(500), async {
        for r in readers {
            let _ = r.await;
        }
    })
    .await;
    if let Some(server) = worker.server.get() {
        server.abort();
    }
    let (phase, killed, init_error, log, init_duration) = {
        let mut st = lock(&worker.state);
        let phase = std::mem::replace(&mut st.phase, Phase::Dead);
        (
            phase,
            st.killed,
            st.init_error.take(),
            st.log.take(),
            st.init_duration,
        )
    };
    worker.exited_tx.send_replace(true);
    let function = &worker.function;
    let name = function.name();
    match (&phase, status) {
        (_, Some(s)) if killed.is_none() => {
            tracing::debug!(function = %name, worker = worker.id, "worker exited: {}", errors::exit_cause(Some(s)))
        }
        _ => tracing::debug!(function = %name, worker = worker.id, ?killed, "worker stopped"),
    }
    let was_starting = matches!(phase, Phase::Starting);
    match phase {
        Phase::Busy(inflight) => {
            function.counters.crashes.fetch_add(1, Ordering::Relaxed);
            let (message, payload) = errors::exit_error(&inflight.request_id, status);
            let outcome = Outcome::error(
                payload,
                vec![message, "Runtime.ExitError".to_string()],
                Some("error"),
            );
            worker.finish(inflight, log, outcome);
        }
        Phase::Starting
            if !matches!(
                killed,
                Some(KillReason::Shutdown | KillReason::Retired | KillReason::Idle)
            ) =>
        {
            function
                .counters
                .init_errors
                .fetch_add(1, Ordering::Relaxed);
            tracing::warn!(function = %name, worker = worker.id, "worker failed init: {}", log.trim_end());
            if let Some(pending) = function.pop_queued() {
                let (notices, payload) = match (killed, init_error) {
                    (_, Some(posted)) => (Vec::new(), posted),
                    (Some(KillReason::InitTimeout), None) => {
                        let timeout = function
                            .host
                            .upgrade()
                            .map(|h| h.options.init_timeout)
                            .unwrap_or_default();
                        (
                            vec![errors::timeout_log_line(&pending.request_id, timeout)],
                            errors::timeout_error(&pending.request_id, timeout),
                        )
                    }
                    _ => {
                        let (message, payload) = errors::exit_error(&pending.request_id, status);
                        (vec![message, "Runtime.ExitError".to_string()], payload)
                    }
                };
                function.deliver_unstarted(
                    pending,
                    log,
                    Outcome::error(payload, notices, Some("error")),
                    init_duration,
                );
            }
        }
        _ => {}
    }
    function.worker_gone(worker.id, was_starting);
}

impl Worker {
    pub(crate) fn pid(&self) -> u32 {
        self.pid.get().copied().unwrap_or(0)
    }

    /// Resolves once the worker's process has exited and been reaped.
    pub(crate) async fn exited(&self) {
        let mut rx = self.exited_tx.subscribe();
        let _ = rx.wait_for(|exited| *exited).await;
    }

    fn has_exited(&self) -> bool {
        *self.exited_tx.borrow()
    }

    /// SIGKILL to the worker's process group (it leads its own group).
    fn signal_group(&self) {
        let pid = self.pid();
        if pid > 1 {
            // SAFETY: kill(2) takes plain integers and touches no memory of ours; a negative pid
            // addresses the process group the worker leads.
            unsafe {
                libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
            }
        }
    }

    /// Kills the worker's whole process group. What it was doing is settled by the exit monitor,
    /// according to `reason`.
    pub(crate) fn kill(&self, reason: KillReason) {
        {
            let mut st = lock(&self.state);
            if st.killed.is_none() {
                st.killed = Some(reason);
            }
        }
        self.signal_unless_exited();
    }

    fn signal_unless_exited(&self) {
        if !self.has_exited() {
            self.signal_group();
        }
    }

    /// The function was replaced or removed: stop now unless busy (a busy worker is stopped
    /// when it next calls `/next`). The phase check and the kill mark are one step under the
    /// state lock, so an invocation cannot start on a worker that is being stopped (`begin`
    /// hands such an invocation back).
    pub(crate) fn retire(&self) {
        {
            let mut st = lock(&self.state);
            if matches!(st.phase, Phase::Busy(_) | Phase::Responded) {
                return;
            }
            if st.killed.is_none() {
                st.killed = Some(KillReason::Retired);
            }
        }
        self.signal_unless_exited();
    }

    fn output_line(&self, stream: &'static str, raw: &[u8]) {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = String::from_utf8_lossy(raw);
        let request_id = {
            let mut st = lock(&self.state);
            st.log.push_line(&line);
            st.log_request_id.clone()
        };
        tracing::info!(
            target: "function",
            function = %self.function.name(),
            request_id = request_id.as_deref().unwrap_or(""),
            stream,
            "{line}"
        );
    }

    /// Whether all output the process wrote so far has been read and attributed.
    fn output_settled(&self) -> bool {
        let unread: usize = self
            .pipes
            .get()
            .map(|p| p.iter().map(unread_bytes).sum())
            .unwrap_or(0);
        unread == 0
            && self.progress.read.load(Ordering::SeqCst)
                == self.progress.done.load(Ordering::SeqCst)
    }

    /// Waits (briefly, bounded) until output written before now has been captured: a runtime
    /// prints, then posts its response, and the two travel on different channels.
    async fn settle_output(&self) {
        let deadline = Instant::now() + Duration::from_millis(100);
        loop {
            if self.output_settled() {
                tokio::task::yield_now().await;
                if self.output_settled() {
                    return;
                }
            }
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }

    /// `GET /runtime/invocation/next`: waits for an invocation and starts it on this worker.
    pub(crate) async fn next(self: &Arc<Self>) -> Result<(PendingData, String), ApiError> {
        let first = {
            let mut st = lock(&self.state);
            if st.killed.is_some() {
                return Err(ApiError::Gone);
            }
            if self.function.retired.load(Ordering::SeqCst) {
                drop(st);
                self.kill(KillReason::Retired);
                return Err(ApiError::Gone);
            }
            let first = match st.phase {
                Phase::Dead => return Err(ApiError::Gone),
                Phase::Busy(_) | Phase::Waiting => {
                    return Err(ApiError::StateTransition(
                        st.phase.state_name(),
                        "RuntimeReadyState",
                    ));
                }
                Phase::Starting => true,
                Phase::Responded => false,
            };
            if first {
                st.init_duration = Some(self.created.elapsed());
            }
            st.phase = Phase::Waiting;
            first
        };
        if first {
            let init = self.created.elapsed();
            let counters = &self.function.counters;
            counters.cold_starts.fetch_add(1, Ordering::Relaxed);
            counters
                .last_init_us
                .store(init.as_micros() as u64 + 1, Ordering::Relaxed);
            tracing::info!(
                function = %self.function.name(),
                worker = self.id,
                pid = self.pid(),
                init_duration_ms = init.as_secs_f64() * 1000.0,
                "worker ready (cold start)"
            );
        }
        let pending = match self.function.take_or_wait(self.id, first) {
            Ok(p) => p,
            Err(rx) => {
                let mut wait = IdleWait {
                    rx: Some(rx),
                    function: self.function.clone(),
                };
                match wait.wait(self).await {
                    Some(p) => p,
                    None => return Err(ApiError::Gone),
                }
            }
        };
        self.begin(pending)
    }

    /// Makes `pending` this worker's invocation; returns it with its deadline (epoch ms).
    fn begin(self: &Arc<Self>, pending: Pending) -> Result<(PendingData, String), ApiError> {
        let timeout = self.function.config.timeout;
        let deadline_ms = SystemTime::now()
            .checked_add(timeout)
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map(|d| d.as_millis())
            .unwrap_or(0)
            .to_string();
        let worker = self.clone();
        let request_id = pending.request_id.clone();
        let timer = tokio::spawn(async move {
            tokio::time::sleep(timeout).await;
            worker.on_timeout(&request_id).await;
        });
        let (reply, rest) = pending.split_reply();
        let started = {
            let mut st = lock(&self.state);
            if matches!(st.phase, Phase::Waiting) && st.killed.is_none() {
                let init_duration = if st.cold {
                    st.cold = false;
                    st.init_duration
                } else {
                    None
                };
                st.log.push_line(&logs::start_line(&rest.request_id));
                st.log_request_id = Some(Arc::from(rest.request_id.as_str()));
                st.phase = Phase::Busy(Inflight {
                    request_id: rest.request_id.clone(),
                    reply,
                    started: Instant::now(),
                    log_tail: rest.log_tail,
                    timer: Some(timer.abort_handle()),
                    init_duration,
                });
                Ok(())
            } else {
                Err(reply)
            }
        };
        match started {
            Ok(()) => {
                tracing::debug!(target: "function", function = %self.function.name(), request_id = %rest.request_id, "{}", logs::start_line(&rest.request_id));
                Ok((rest, deadline_ms))
            }
            Err(reply) => {
                // The worker died or is being stopped (its function was replaced, idle reaping)
                // between taking the invocation and starting it: put it back, which for a
                // retired function forwards it to its successor.
                timer.abort();
                let _ = self.function.dispatch(rest.with_reply(reply), Place::Front);
                Err(ApiError::Gone)
            }
        }
    }

    /// `POST /runtime/invocation/{id}/response` or `/error`: completes the invocation.
    pub(crate) fn complete(
        self: &Arc<Self>,
        request_id: &str,
        outcome: Outcome,
    ) -> Result<(), ApiError> {
        let (inflight, log) = {
            let mut st = lock(&self.state);
            match &st.phase {
                Phase::Busy(inflight) if inflight.request_id == request_id => {}
                Phase::Busy(_) => return Err(ApiError::InvalidRequestId),
                Phase::Responded if st.last_request_id.as_deref() == Some(request_id) => {
                    return Err(ApiError::StateTransition(
                        "RuntimeResponseSentState",
                        "RuntimeInvocationResponseState",
                    ));
                }
                Phase::Dead => return Err(ApiError::Gone),
                _ => return Err(ApiError::InvalidRequestId),
            }
            let Phase::Busy(inflight) = std::mem::replace(&mut st.phase, Phase::Responded) else {
                return Err(ApiError::Gone);
            };
            st.last_request_id = Some(inflight.request_id.clone());
            (inflight, st.log.take())
        };
        // Before the caller hears back (and perhaps invokes again at once).
        self.function.worker_returning(self.id);
        self.finish(inflight, log, outcome);
        Ok(())
    }

    /// `POST /runtime/init/error`: only before the runtime's first `/next` (later, 403 as in
    /// AWS). Remembered for the invocation the failed init was for; the worker is stopped.
    pub(crate) fn init_error(self: &Arc<Self>, payload: Bytes) -> Result<(), ApiError> {
        {
            let mut st = lock(&self.state);
            match st.phase {
                Phase::Starting => {
                    st.init_error = Some(payload);
                    st.killed = Some(KillReason::InitError);
                }
                ref other => {
                    return Err(ApiError::StateTransition(
                        other.state_name(),
                        "RuntimeInitErrorState",
                    ));
                }
            }
        }
        // A runtime exits after reporting; stop it if it does not.
        let worker = self.clone();
        tokio::spawn(async move {
            if tokio::time::timeout(Duration::from_millis(200), worker.exited())
                .await
                .is_err()
            {
                worker.signal_group();
            }
        });
        Ok(())
    }

    /// The invocation's timer fired: kill the worker (process group), wait until it is gone,
    /// then answer with AWS's timeout error.
    async fn on_timeout(self: &Arc<Self>, request_id: &str) {
        let taken = {
            let mut st = lock(&self.state);
            match &st.phase {
                Phase::Busy(inflight) if inflight.request_id == request_id => {
                    let Phase::Busy(inflight) = std::mem::replace(&mut st.phase, Phase::Dead)
                    else {
                        return;
                    };
                    st.killed = Some(KillReason::Timeout);
                    Some((inflight, st.log.take()))
                }
                _ => None,
            }
        };
        let Some((mut inflight, log)) = taken else {
            return;
        };
        // This runs on the timer task itself: it must not be aborted from here on.
        inflight.timer = None;
        self.signal_group();
        let _ = tokio::time::timeout(Duration::from_secs(2), self.exited()).await;
        let timeout = self.function.config.timeout;
        self.function
            .counters
            .timeouts
            .fetch_add(1, Ordering::Relaxed);
        let outcome = Outcome::error(
            errors::timeout_error(request_id, timeout),
            vec![errors::timeout_log_line(request_id, timeout)],
            Some("timeout"),
        );
        self.finish_now(inflight, log, outcome);
    }

    /// Completes `inflight`; when its caller asked for the log tail, first lets the output the
    /// runtime wrote before answering catch up.
    pub(crate) fn finish(self: &Arc<Self>, inflight: Inflight, log: String, outcome: Outcome) {
        if let Some(timer) = &inflight.timer {
            timer.abort();
        }
        if inflight.log_tail && !self.has_exited() {
            let worker = self.clone();
            tokio::spawn(async move {
                worker.settle_output().await;
                let late = {
                    let mut st = lock(&worker.state);
                    let same = st.log_request_id.as_deref() == Some(inflight.request_id.as_str());
                    if same && !matches!(st.phase, Phase::Busy(_)) {
                        st.log.take()
                    } else {
                        String::new()
                    }
                };
                worker.finish_now(inflight, log + &late, outcome);
            });
        } else {
            self.finish_now(inflight, log, outcome);
        }
    }

    fn finish_now(&self, inflight: Inflight, log: String, outcome: Outcome) {
        let function = &self.function;
        let duration = inflight.started.elapsed();
        let measure = inflight.log_tail || tracing::enabled!(tracing::Level::DEBUG);
        let report = Report {
            duration,
            memory_mb: function.config.memory_mb,
            max_memory_used_mb: if measure {
                logs::max_memory_used_mb(self.pid())
            } else {
                0
            },
            init_duration: inflight.init_duration,
            status: outcome.status,
        };
        function.deliver(
            inflight.reply,
            inflight.request_id,
            inflight.log_tail,
            log,
            outcome,
            report,
        );
    }
}

/// A worker's wait in `/next`. If the wait ends without the invocation being taken (the worker
/// died, its connection dropped), an invocation already sent to it is put back in the queue.
struct IdleWait {
    rx: Option<oneshot::Receiver<Pending>>,
    function: Arc<Function>,
}

impl IdleWait {
    async fn wait(&mut self, worker: &Worker) -> Option<Pending> {
        let rx = self.rx.as_mut()?;
        tokio::select! {
            received = rx => {
                self.rx = None;
                received.ok()
            }
            _ = worker.exited() => None,
        }
    }
}

impl Drop for IdleWait {
    fn drop(&mut self) {
        if let Some(mut rx) = self.rx.take() {
            rx.close();
            if let Ok(pending) = rx.try_recv() {
                let _ = self.function.dispatch(pending, Place::Front);
            }
        }
    }
}

/// Bytes waiting in a pipe (FIONREAD); 0 when unknown.
fn unread_bytes(fd: &OwnedFd) -> usize {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one c_int through the pointer, which points at `n`; the fd is
    // owned by us and open for the duration of the call.
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::FIONREAD, &mut n) };
    if rc == 0 { n.max(0) as usize } else { 0 }
}

impl Pending {
    /// Separates the reply channel from the invocation data.
    fn split_reply(self) -> (Reply, PendingData) {
        (
            self.reply,
            PendingData {
                request_id: self.request_id,
                payload: self.payload,
                trace_id: self.trace_id,
                client_context: self.client_context,
                log_tail: self.log_tail,
                enqueued: self.enqueued,
            },
        )
    }
}

/// An invocation's data, without its reply channel (which moved into the worker's state).
pub(crate) struct PendingData {
    pub request_id: String,
    pub payload: Bytes,
    pub trace_id: String,
    pub client_context: Option<String>,
    pub log_tail: bool,
    enqueued: Instant,
}

impl PendingData {
    fn with_reply(self, reply: Reply) -> Pending {
        Pending {
            request_id: self.request_id,
            payload: self.payload,
            trace_id: self.trace_id,
            client_context: self.client_context,
            log_tail: self.log_tail,
            enqueued: self.enqueued,
            reply,
        }
    }
}
