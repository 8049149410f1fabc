//! What sits between a client socket and hyper: a lingering close, the HTTP/1.1 status line for
//! HTTP/1.0 clients, and the request counts that the idle timeout reads.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// After the last byte of a close, how long to keep reading and discarding what the client still
/// sends before closing for good (nginx's `lingering_timeout`).
const LINGER_QUIET: Duration = Duration::from_secs(5);
/// The most time a close may linger in all (nginx's `lingering_time`).
const LINGER_MAX: Duration = Duration::from_secs(30);
/// Once a connection's close has started, the most it may take (a lingering close, an HTTP/2
/// client's answer to the closing PING) before it is dropped.
pub const CLOSE_MAX: Duration = Duration::from_secs(35);
/// Reads per poll while lingering, so that a fast sender cannot hold a worker thread.
const LINGER_READS_PER_POLL: usize = 32;

/// A client transport whose shutdown lingers, as nginx's `lingering_close` does.
///
/// When hyper ends a connection it shuts the transport down. Closing a socket that still has
/// unread bytes from the client makes the kernel send a reset, which destroys the response the
/// client has not read yet: a client that writes its whole body before reading (Python's
/// `http.client`, `requests`) gets a broken pipe instead of an early 413 or 403. So shutdown here
/// sends FIN first (the response is complete on the wire), then reads and discards what the client
/// still sends until it closes, nothing arrives for [`LINGER_QUIET`], or [`LINGER_MAX`] has passed.
/// Wrap the TCP stream itself (below TLS), so that TLS's close_notify goes out before the FIN.
pub struct Linger<T> {
    inner: T,
    state: LingerState,
}

enum LingerState {
    Open,
    Draining {
        started: Instant,
        deadline: Pin<Box<Sleep>>,
    },
    Closed,
}

impl<T> Linger<T> {
    pub fn new(inner: T) -> Self {
        Linger {
            inner,
            state: LingerState::Open,
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for Linger<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for Linger<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        loop {
            match &mut this.state {
                LingerState::Open => {
                    if let Err(e) = std::task::ready!(Pin::new(&mut this.inner).poll_shutdown(cx)) {
                        this.state = LingerState::Closed;
                        return Poll::Ready(Err(e));
                    }
                    let started = Instant::now();
                    this.state = LingerState::Draining {
                        started,
                        deadline: Box::pin(tokio::time::sleep_until(started + LINGER_QUIET)),
                    };
                }
                LingerState::Draining { started, deadline } => {
                    let mut scratch = [0u8; 8192];
                    for _ in 0..LINGER_READS_PER_POLL {
                        let mut buf = ReadBuf::new(&mut scratch);
                        match Pin::new(&mut this.inner).poll_read(cx, &mut buf) {
                            // The client closed too, or reset: nothing is left to protect.
                            Poll::Ready(Ok(())) if buf.filled().is_empty() => {
                                this.state = LingerState::Closed;
                                return Poll::Ready(Ok(()));
                            }
                            Poll::Ready(Err(_)) => {
                                this.state = LingerState::Closed;
                                return Poll::Ready(Ok(()));
                            }
                            Poll::Ready(Ok(())) => {
                                let quiet_until = Instant::now() + LINGER_QUIET;
                                deadline
                                    .as_mut()
                                    .reset(quiet_until.min(*started + LINGER_MAX));
                            }
                            Poll::Pending => {
                                if deadline.as_mut().poll(cx).is_ready() {
                                    this.state = LingerState::Closed;
                                    return Poll::Ready(Ok(()));
                                }
                                return Poll::Pending;
                            }
                        }
                    }
                    if deadline.as_mut().poll(cx).is_ready() {
                        this.state = LingerState::Closed;
                        return Poll::Ready(Ok(()));
                    }
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                LingerState::Closed => return Poll::Ready(Ok(())),
            }
        }
    }
}

/// The status-line version bytes hyper writes when the client spoke HTTP/1.0.
const HTTP_10: &[u8] = b"HTTP/1.0 ";
/// Where the minor version digit sits in a status line.
const MINOR_VERSION_AT: usize = 7;
/// The most bytes copied to patch a status line (the rest of the write goes out unchanged).
const PATCH_COPY: usize = 1024;

/// A client transport that answers HTTP/1.0 requests with an `HTTP/1.1` status line.
///
/// hyper answers an HTTP/1.0 request with `HTTP/1.0`; API Gateway (behind CloudFront) answers
/// `HTTP/1.1`, as RFC 9110 section 6.2 recommends (a server sends the highest minor version it
/// supports). Only the version digit changes: hyper still frames the response for an HTTP/1.0
/// client (no chunked encoding, the connection closes after it). hyper never keeps an HTTP/1.0
/// connection alive (none of our responses carry `Connection: keep-alive`), so the response to be
/// patched is the first thing written on the connection; an HTTP/1.0 request that follows HTTP/1.1
/// ones on the same connection keeps hyper's `HTTP/1.0` line.
pub struct StatusLine<T> {
    inner: T,
    patch: Patch,
}

#[derive(Clone, Copy)]
enum Patch {
    /// Nothing written yet.
    Undecided,
    /// The minor version digit is this many bytes ahead.
    At(usize),
    Done,
}

impl<T> StatusLine<T> {
    pub fn new(inner: T) -> Self {
        StatusLine {
            inner,
            patch: Patch::Undecided,
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncRead for StatusLine<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> AsyncWrite for StatusLine<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if buf.is_empty() {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        }
        if let Patch::Undecided = this.patch {
            this.patch = if buf.starts_with(HTTP_10) {
                Patch::At(MINOR_VERSION_AT)
            } else {
                Patch::Done
            };
        }
        let Patch::At(at) = this.patch else {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        };
        let written = if at < buf.len() {
            let n = buf.len().min(PATCH_COPY).max(at + 1);
            let mut copy = [0u8; PATCH_COPY];
            copy[..n].copy_from_slice(&buf[..n]);
            copy[at] = b'1';
            std::task::ready!(Pin::new(&mut this.inner).poll_write(cx, &copy[..n]))?
        } else {
            std::task::ready!(Pin::new(&mut this.inner).poll_write(cx, buf))?
        };
        this.patch = match at.checked_sub(written) {
            Some(left) => Patch::At(left),
            None => Patch::Done,
        };
        Poll::Ready(Ok(written))
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if let Patch::Done = self.patch {
            return Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        }
        // Until the status line is out, one slice at a time (a short write is allowed).
        match bufs.iter().find(|b| !b.is_empty()) {
            Some(first) => self.poll_write(cx, first),
            None => Poll::Ready(Ok(0)),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Requests of one client connection, for its idle timeout: how many are being handled and how
/// many have started or finished so far.
#[derive(Default)]
pub struct Activity {
    in_flight: AtomicU32,
    events: AtomicU32,
}

/// Marks one request as being handled until dropped.
pub struct Busy(Arc<Activity>);

impl Activity {
    pub fn begin(self: &Arc<Self>) -> Busy {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.events.fetch_add(1, Ordering::Relaxed);
        Busy(self.clone())
    }

    /// A value that changes whenever a request starts or ends, and whether one is being handled.
    fn snapshot(&self) -> (u32, bool) {
        (
            self.events.load(Ordering::Relaxed),
            self.in_flight.load(Ordering::Relaxed) > 0,
        )
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.0.events.fetch_add(1, Ordering::Relaxed);
    }
}

/// Checks per idle timeout: a connection is closed between one and 1 + 1/IDLE_CHECKS idle
/// timeouts after its last request ended.
const IDLE_CHECKS: u32 = 4;

/// Watches a connection's [`Activity`] and resolves once no request has been in progress, started
/// or finished for `timeout`.
pub async fn idle(activity: &Activity, timeout: Duration) {
    let period = (timeout / IDLE_CHECKS).max(Duration::from_millis(10));
    let mut ticks = tokio::time::interval_at(Instant::now() + period, period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut seen = activity.snapshot().0;
    let mut quiet = 0;
    loop {
        ticks.tick().await;
        let (events, busy) = activity.snapshot();
        if busy || events != seen {
            seen = events;
            quiet = 0;
        } else {
            quiet += 1;
            if quiet >= IDLE_CHECKS {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn http10_status_lines_become_http11_and_nothing_else_changes() {
        let (client, server) = tokio::io::duplex(64);
        let mut server = StatusLine::new(server);
        let mut client = client;
        let writer = tokio::spawn(async move {
            server
                .write_all(b"HTTP/1.0 200 OK\r\ncontent-length: 8\r\n\r\nHTTP/1.0")
                .await
                .expect("write");
            server.shutdown().await.expect("shutdown");
        });
        let mut got = Vec::new();
        client.read_to_end(&mut got).await.expect("read");
        writer.await.expect("writer");
        assert_eq!(
            String::from_utf8_lossy(&got),
            "HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\nHTTP/1.0"
        );
    }

    #[tokio::test]
    async fn a_short_first_write_still_gets_the_digit_patched() {
        let (mut client, server) = tokio::io::duplex(3);
        let mut server = StatusLine::new(server);
        let writer = tokio::spawn(async move {
            server
                .write_all(b"HTTP/1.0 404 Not Found\r\n\r\n")
                .await
                .expect("write");
            server.shutdown().await.expect("shutdown");
        });
        let mut got = Vec::new();
        client.read_to_end(&mut got).await.expect("read");
        writer.await.expect("writer");
        assert_eq!(
            String::from_utf8_lossy(&got),
            "HTTP/1.1 404 Not Found\r\n\r\n"
        );
    }

    #[tokio::test]
    async fn other_first_writes_pass_untouched() {
        for first in [
            &b"HTTP/1.1 200 OK\r\n\r\n"[..],
            b"\x00\x00\x12\x04HTTP/1.0 ",
        ] {
            let (mut client, server) = tokio::io::duplex(64);
            let mut server = StatusLine::new(server);
            let owned = first.to_vec();
            let writer = tokio::spawn(async move {
                server.write_all(&owned).await.expect("write");
                server.write_all(b"HTTP/1.0 x").await.expect("write");
                server.shutdown().await.expect("shutdown");
            });
            let mut got = Vec::new();
            client.read_to_end(&mut got).await.expect("read");
            writer.await.expect("writer");
            let mut want = first.to_vec();
            want.extend_from_slice(b"HTTP/1.0 x");
            assert_eq!(got, want);
        }
    }

    #[tokio::test]
    async fn idle_resolves_only_after_a_quiet_timeout() {
        let activity = Arc::new(Activity::default());
        let timeout = Duration::from_millis(200);
        let busy = activity.begin();
        let watch = {
            let activity = activity.clone();
            tokio::spawn(async move { idle(&activity, timeout).await })
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert!(!watch.is_finished(), "a request in progress is not idle");
        drop(busy);
        let ended = Instant::now();
        watch.await.expect("idle");
        let waited = ended.elapsed();
        // The timer wheel's millisecond ticks may fire a little early; the upper bound allows a
        // busy machine.
        assert!(waited + Duration::from_millis(5) >= timeout, "{waited:?}");
        assert!(waited < timeout * 5, "{waited:?}");
    }
}
