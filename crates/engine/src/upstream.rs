//! Keep-alive connections to HTTP integrations, plain and TLS, driven from the request's own task.
//!
//! hyper's pooled client runs every upstream connection in a task of its own, so each proxied
//! request hops between tasks twice. Here a connection is driven by whoever uses it: the request
//! future while it waits for the response head, then the response body as the client reads it.
//! When the body is done the connection goes back to the idle pool. A request that could not be
//! sent on a reused connection (the backend closed it meanwhile) is retried once on a new one.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderValue, Request, Response, Uri};
use http_body::Body as _;
use hyper::body::{Frame, Incoming};
use hyper::client::conn::http1::{self, Connection, SendRequest};
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::body::{Body, BoxError};

/// A byte stream to a backend, plain or TLS.
trait Stream: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Stream for T {}

type Io = TokioIo<Box<dyn Stream>>;
type SendResult = Result<Response<Incoming>, hyper::client::conn::TrySendError<Request<Body>>>;
type HandshakeResult = hyper::Result<(SendRequest<Body>, Connection<Io, Body>)>;

/// How long an idle connection is kept, and how many per backend.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
const MAX_IDLE_PER_BACKEND: usize = 512;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    https: bool,
    host: String,
    port: u16,
    insecure: bool,
}

struct Pooled {
    sender: SendRequest<Body>,
    conn: Pin<Box<Connection<Io, Body>>>,
    idle_since: Instant,
}

impl Pooled {
    /// Polls the connection once without registering interest, to learn whether it has ended.
    fn ended(&mut self) -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        self.sender.is_closed() || self.conn.as_mut().poll(&mut cx).is_ready()
    }
}

struct Inner {
    verified: TlsConnector,
    insecure: TlsConnector,
    idle: Mutex<HashMap<Key, Vec<Pooled>>>,
}

impl Inner {
    fn checkout(&self, key: &Key) -> Option<Pooled> {
        let mut idle = self.idle.lock().ok()?;
        let list = idle.get_mut(key)?;
        while let Some(mut p) = list.pop() {
            if p.idle_since.elapsed() < IDLE_TIMEOUT && !p.ended() && p.sender.is_ready() {
                return Some(p);
            }
        }
        None
    }

    fn checkin(&self, key: Key, mut pooled: Pooled) {
        if pooled.ended() || !pooled.sender.is_ready() {
            return;
        }
        pooled.idle_since = Instant::now();
        if let Ok(mut idle) = self.idle.lock() {
            let list = idle.entry(key).or_default();
            if list.len() >= MAX_IDLE_PER_BACKEND {
                list.remove(0);
            }
            list.push(pooled);
        }
    }
}

/// Why a backend request failed before a response head arrived.
#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error("invalid endpoint address: {0}")]
    InvalidEndpoint(String),
    #[error("connecting to {0}: {1}")]
    Connect(String, std::io::Error),
    #[error("connecting to {0}: timed out")]
    ConnectTimeout(String),
    #[error("TLS with {0}: {1}")]
    Tls(String, std::io::Error),
    #[error(transparent)]
    Http(#[from] hyper::Error),
}

/// The shared upstream connections. Cloning is cheap; clones share the pool.
#[derive(Clone)]
pub struct Upstream {
    inner: Arc<Inner>,
}

impl Upstream {
    pub fn new() -> Result<Self, rustls::Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let mut verified = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        verified.alpn_protocols = vec![b"http/1.1".to_vec()];
        let mut insecure = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(provider)))
            .with_no_client_auth();
        insecure.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Upstream {
            inner: Arc::new(Inner {
                verified: TlsConnector::from(Arc::new(verified)),
                insecure: TlsConnector::from(Arc::new(insecure)),
                idle: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// Sends `request` (absolute `http`/`https` URI) to its backend. The response body keeps the
    /// connection going while it is read, and returns it to the pool when finished.
    pub async fn send(
        &self,
        mut request: Request<Body>,
        insecure_tls: bool,
    ) -> Result<Response<Body>, UpstreamError> {
        let uri = request.uri().clone();
        let key = key_of(&uri, insecure_tls)?;
        let authority = uri
            .authority()
            .map(|a| a.as_str().to_owned())
            .unwrap_or_default();
        if let Ok(host) = HeaderValue::from_str(&authority) {
            request.headers_mut().insert(http::header::HOST, host);
        }
        *request.uri_mut() = uri
            .path_and_query()
            .map(|pq| Uri::from(pq.clone()))
            .unwrap_or_else(|| Uri::from_static("/"));

        let mut request = Some(request);
        loop {
            let (mut pooled, reused) = match self.inner.checkout(&key) {
                Some(p) => (p, true),
                None => (self.connect(&key).await?, false),
            };
            let Some(req) = request.take() else {
                return Err(UpstreamError::InvalidEndpoint(authority));
            };
            // Boxed as a `Send` future here, where the types are concrete: left generic, rustc
            // cannot prove the caller's future `Send` (a higher-ranked lifetime limitation).
            let sent: Pin<Box<dyn Future<Output = SendResult> + Send>> =
                Box::pin(pooled.sender.try_send_request(req));
            match drive_until(&mut pooled, sent).await {
                Ok((response, conn_done)) => {
                    let (parts, incoming) = response.into_parts();
                    let body = DrivenBody {
                        inner: incoming,
                        pooled: (!conn_done).then_some(pooled),
                        key: Some(key),
                        pool: self.inner.clone(),
                    };
                    return Ok(Response::from_parts(
                        parts,
                        http_body_util::BodyExt::boxed_unsync(body),
                    ));
                }
                Err(mut e) => match e.take_message() {
                    // Never written: the reused connection had been closed. Retry once, fresh.
                    Some(req) if reused => request = Some(req),
                    _ => return Err(UpstreamError::Http(e.into_error())),
                },
            }
        }
    }

    async fn connect(&self, key: &Key) -> Result<Pooled, UpstreamError> {
        let target = format!("{}:{}", key.host, key.port);
        let tcp = tokio::time::timeout(CONNECT_TIMEOUT, connect_tcp(&key.host, key.port))
            .await
            .map_err(|_| UpstreamError::ConnectTimeout(target.clone()))?
            .map_err(|e| UpstreamError::Connect(target.clone(), e))?;
        let _ = tcp.set_nodelay(true);
        let stream: Box<dyn Stream> = if key.https {
            let name = ServerName::try_from(key.host.clone())
                .map_err(|_| UpstreamError::InvalidEndpoint(key.host.clone()))?;
            let connector = if key.insecure {
                &self.inner.insecure
            } else {
                &self.inner.verified
            };
            let tls = tokio::time::timeout(CONNECT_TIMEOUT, connector.connect(name, tcp))
                .await
                .map_err(|_| UpstreamError::ConnectTimeout(target.clone()))?
                .map_err(|e| UpstreamError::Tls(target.clone(), e))?;
            Box::new(tls)
        } else {
            Box::new(tcp)
        };
        let handshake: Pin<Box<dyn Future<Output = HandshakeResult> + Send>> = Box::pin(
            http1::Builder::new()
                .writev(true)
                .handshake(TokioIo::new(stream)),
        );
        let (sender, conn) = handshake.await?;
        Ok(Pooled {
            sender,
            conn: Box::pin(conn),
            idle_since: Instant::now(),
        })
    }
}

async fn connect_tcp(host: &str, port: u16) -> std::io::Result<TcpStream> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let mut last = None;
    for addr in tokio::net::lookup_host((host, port)).await? {
        match TcpStream::connect(addr).await {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no address")))
}

fn key_of(uri: &Uri, insecure: bool) -> Result<Key, UpstreamError> {
    let https = match uri.scheme_str() {
        Some("https") => true,
        Some("http") => false,
        _ => return Err(UpstreamError::InvalidEndpoint(uri.to_string())),
    };
    let host = uri
        .host()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| UpstreamError::InvalidEndpoint(uri.to_string()))?;
    Ok(Key {
        https,
        host: host.to_ascii_lowercase(),
        port: uri.port_u16().unwrap_or(if https { 443 } else { 80 }),
        insecure: https && insecure,
    })
}

/// Polls `fut` while driving the connection, until the response head (or an error) arrives.
/// Also reports whether the connection ended meanwhile.
async fn drive_until<F, T>(
    pooled: &mut Pooled,
    fut: F,
) -> Result<(T, bool), hyper::client::conn::TrySendError<Request<Body>>>
where
    F: Future<Output = Result<T, hyper::client::conn::TrySendError<Request<Body>>>>,
{
    let mut fut = std::pin::pin!(fut);
    let mut conn_done = false;
    std::future::poll_fn(|cx| {
        loop {
            if let Poll::Ready(r) = fut.as_mut().poll(cx) {
                return Poll::Ready(r.map(|t| (t, conn_done)));
            }
            if conn_done {
                return Poll::Pending;
            }
            match pooled.conn.as_mut().poll(cx) {
                // The connection finished: the request future resolves on the next poll.
                Poll::Ready(_) => conn_done = true,
                Poll::Pending => return Poll::Pending,
            }
        }
    })
    .await
}

/// A backend response body that drives its connection and returns it to the pool when done.
struct DrivenBody {
    inner: Incoming,
    pooled: Option<Pooled>,
    key: Option<Key>,
    pool: Arc<Inner>,
}

impl DrivenBody {
    fn release(&mut self) {
        if let (Some(pooled), Some(key)) = (self.pooled.take(), self.key.take()) {
            self.pool.checkin(key, pooled);
        }
    }
}

impl http_body::Body for DrivenBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        loop {
            match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Ready(None) => {
                    this.release();
                    return Poll::Ready(None);
                }
                Poll::Ready(Some(Err(e))) => {
                    this.pooled = None;
                    return Poll::Ready(Some(Err(Box::new(e))));
                }
                Poll::Ready(Some(Ok(frame))) => {
                    if this.inner.is_end_stream() {
                        this.release();
                    }
                    return Poll::Ready(Some(Ok(frame)));
                }
                Poll::Pending => {}
            }
            let Some(pooled) = this.pooled.as_mut() else {
                return Poll::Pending;
            };
            match pooled.conn.as_mut().poll(cx) {
                Poll::Pending => return Poll::Pending,
                // The connection ended: whatever the body still has is in its channel.
                Poll::Ready(_) => this.pooled = None,
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for DrivenBody {
    fn drop(&mut self) {
        // A reader that stops at the announced length never polls for the end: still reusable.
        if self.inner.is_end_stream() {
            self.release();
        }
    }
}

#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
