//! Returning memory to the operating system after bursts (imports, compiles, waves of client
//! connections).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

/// Hands freed heap pages back to the OS. glibc keeps what a burst of allocations (parsing a
/// large definition, compiling a deployment, thousands of connections' buffers) freed, so without
/// this the idle RSS stays at the burst's peak. A no-op on other allocators.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only inspects and releases the allocator's own free lists; it has no
    // preconditions and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Closed connections since the last trim before another is worth it (each held ~20 KB).
const TRIM_AFTER_CLOSED: usize = 256;
/// How often the trimmer looks at the counts.
const CHECK_EVERY: Duration = Duration::from_secs(2);
/// The least time between two trims: a trim walks the whole heap (a few milliseconds for a
/// 150 MB one).
const MIN_TRIM_INTERVAL: Duration = Duration::from_secs(5);

/// Client connections, counted so that the memory a wave of them freed is given back once the
/// wave is over.
///
/// A wave is over when at least [`TRIM_AFTER_CLOSED`] connections have closed since the last trim
/// and at most half of the peak number since then are still open. Under a steady load (open
/// connections near their peak) nothing is trimmed: freed memory is about to be reused.
#[derive(Default)]
pub struct ConnectionChurn {
    open: AtomicUsize,
    peak: AtomicUsize,
    closed: AtomicUsize,
}

/// One open connection of a [`ConnectionChurn`]; counts as closed when dropped.
pub struct OpenConnection(Arc<ConnectionChurn>);

impl ConnectionChurn {
    pub fn opened(self: &Arc<Self>) -> OpenConnection {
        let open = self.open.fetch_add(1, Ordering::Relaxed) + 1;
        self.peak.fetch_max(open, Ordering::Relaxed);
        OpenConnection(self.clone())
    }

    fn wave_is_over(&self) -> bool {
        let open = self.open.load(Ordering::Relaxed);
        self.closed.load(Ordering::Relaxed) >= TRIM_AFTER_CLOSED
            && open.saturating_mul(2) <= self.peak.load(Ordering::Relaxed)
    }

    fn trimmed(&self) {
        self.closed.store(0, Ordering::Relaxed);
        self.peak
            .store(self.open.load(Ordering::Relaxed), Ordering::Relaxed);
    }

    /// Runs until `shutdown` flips: gives freed memory back after each wave of connections.
    pub async fn trim_after_waves(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let mut last_trim: Option<Instant> = None;
        let mut checks = tokio::time::interval(CHECK_EVERY);
        checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = checks.tick() => {}
                _ = shutdown.changed() => return,
            }
            if !self.wave_is_over() || last_trim.is_some_and(|t| t.elapsed() < MIN_TRIM_INTERVAL) {
                continue;
            }
            self.trimmed();
            last_trim = Some(Instant::now());
            // malloc_trim takes milliseconds on a large heap: keep it off the request workers.
            let started = std::time::Instant::now();
            match tokio::task::spawn_blocking(release_freed).await {
                Ok(()) => tracing::debug!(
                    took_us = started.elapsed().as_micros() as u64,
                    "returned the memory of a wave of connections"
                ),
                Err(e) => tracing::warn!(error = %e, "returning freed memory failed"),
            }
        }
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::Relaxed);
        self.0.closed.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wave_is_over_when_many_closed_and_few_remain() {
        let churn = Arc::new(ConnectionChurn::default());
        let mut open: Vec<_> = (0..1000).map(|_| churn.opened()).collect();
        assert!(!churn.wave_is_over(), "nothing closed yet");
        open.truncate(600);
        assert!(!churn.wave_is_over(), "more than half still open");
        open.truncate(500);
        assert!(churn.wave_is_over());
        churn.trimmed();
        assert!(!churn.wave_is_over(), "counts start again after a trim");
        open.truncate(0);
        assert!(churn.wave_is_over(), "the other 500 closing is a wave too");
    }

    #[test]
    fn steady_churn_near_the_peak_is_not_a_wave() {
        let churn = Arc::new(ConnectionChurn::default());
        let _steady: Vec<_> = (0..100).map(|_| churn.opened()).collect();
        for _ in 0..10_000 {
            drop(churn.opened());
        }
        assert!(!churn.wave_is_over());
    }
}
