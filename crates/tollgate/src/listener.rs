//! Accept loops: HTTP/1.1 and cleartext HTTP/2 on one port, TLS with ALPN on another, and the
//! management listener. Idle connections are closed after the idle timeout; each listener stops
//! accepting when shutdown is signalled, then drains its connections (up to a grace period).

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;
use tollgate_engine::body::Body;
use tollgate_engine::{ConnectionInfo, Gateway};

use crate::connection::{Activity, CLOSE_MAX, Linger, StatusLine, idle};
use crate::memory::{ConnectionChurn, OpenConnection};

/// Something that answers requests from a peer.
pub trait Handler: Clone + Send + Sync + 'static {
    fn call(
        &self,
        request: Request<Incoming>,
        connection: ConnectionInfo,
    ) -> impl Future<Output = Response<Body>> + Send;
}

#[derive(Clone)]
pub struct DataPlane(pub Arc<Gateway>);

impl Handler for DataPlane {
    fn call(
        &self,
        request: Request<Incoming>,
        connection: ConnectionInfo,
    ) -> impl Future<Output = Response<Body>> + Send {
        let gateway = self.0.clone();
        async move { gateway.handle(request, connection).await }
    }
}

/// The management listener: `GET /ping`, the API Gateway management API (API keys, usage plans)
/// and the Lambda Invoke API.
#[derive(Clone)]
pub struct Management {
    pub functions: Arc<tollgate_lambda::FunctionHost>,
    pub api: tollgate_admin::ManagementApi,
    /// The credentials calls must be SigV4-signed with; `None`: no authentication.
    pub auth: Option<Arc<tollgate_iam::CredentialStore>>,
}

/// The largest management request body read (ImportRestApi documents are the big ones).
const MAX_MANAGEMENT_BODY: usize = 10 * 1024 * 1024;

impl Handler for Management {
    async fn call(
        &self,
        request: Request<Incoming>,
        _connection: ConnectionInfo,
    ) -> Response<Body> {
        if matches!(request.method().as_str(), "GET" | "HEAD") && request.uri().path() == "/ping" {
            return json_response(
                http::StatusCode::OK,
                Bytes::from_static(br#"{"status":"ok"}"#),
            );
        }
        use http_body_util::BodyExt;
        let (parts, body) = request.into_parts();
        let body = match http_body_util::Limited::new(body, MAX_MANAGEMENT_BODY)
            .collect()
            .await
        {
            Ok(b) => b.to_bytes(),
            Err(_) => {
                return aws_error(
                    http::StatusCode::PAYLOAD_TOO_LARGE,
                    "BadRequestException",
                    "Request body too large",
                );
            }
        };
        let path = parts.uri.path().to_owned();
        if let Some(credentials) = &self.auth {
            // Lambda clients sign the Invoke API for `lambda`, everything else is `apigateway`.
            let service = if path.starts_with("/2015-03-31/functions/") {
                "lambda"
            } else {
                "apigateway"
            };
            let verified = tollgate_iam::verify_for(
                &parts,
                tollgate_iam::Payload::Bytes(&body),
                credentials,
                std::time::SystemTime::now(),
                None,
                service,
            );
            if let Err(e) = verified {
                tracing::debug!(path, error = %e, "management call refused");
                let status =
                    http::StatusCode::from_u16(e.status()).unwrap_or(http::StatusCode::FORBIDDEN);
                return aws_error(status, e.error_type(), &e.message());
            }
        }
        if tollgate_admin::ManagementApi::serves(&path) {
            return self.management_call(&parts, &body).await;
        }
        let request = Request::from_parts(parts, http_body_util::Full::new(body));
        if let Some(response) = tollgate_lambda::invoke_api(&*self.functions, request).await {
            return response.map(tollgate_engine::body::full);
        }
        tracing::debug!(path, "unknown management operation");
        aws_error(
            http::StatusCode::NOT_FOUND,
            "UnknownOperationException",
            "Unknown operation",
        )
    }
}

impl Management {
    async fn management_call(&self, parts: &http::request::Parts, body: &Bytes) -> Response<Body> {
        let call = tollgate_admin::Call {
            method: &parts.method,
            path: parts.uri.path(),
            query: parts.uri.query(),
            // Several values: the last one is the caller's own (GetExport's `accepts`).
            accept: parts
                .headers
                .get_all(http::header::ACCEPT)
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok()),
            body,
        };
        let Some(reply) = self.api.handle(&call).await else {
            return aws_error(
                http::StatusCode::NOT_FOUND,
                "UnknownOperationException",
                "Unknown operation",
            );
        };
        let mut response = Response::new(tollgate_engine::body::full(Bytes::from(reply.body)));
        *response.status_mut() = reply.status;
        let headers = response.headers_mut();
        let has_body = !matches!(
            reply.status,
            http::StatusCode::NO_CONTENT | http::StatusCode::ACCEPTED
        );
        if has_body {
            headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static(reply.content_type),
            );
        }
        for (name, value) in reply.headers {
            if let Ok(value) = http::HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        if let Some(kind) = reply.error_type {
            headers.insert("x-amzn-errortype", http::HeaderValue::from_static(kind));
        }
        if let Ok(id) = http::HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
            headers.insert("x-amzn-requestid", id);
        }
        response
    }
}

fn aws_error(status: http::StatusCode, kind: &'static str, message: &str) -> Response<Body> {
    let body = serde_json::json!({ "message": message }).to_string();
    let mut r = json_response(status, Bytes::from(body));
    r.headers_mut()
        .insert("x-amzn-errortype", http::HeaderValue::from_static(kind));
    r
}

fn json_response(status: http::StatusCode, body: Bytes) -> Response<Body> {
    let mut r = Response::new(tollgate_engine::body::full(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    r
}

/// How client connections are kept, on every listener.
#[derive(Clone)]
pub struct ConnectionPolicy {
    /// A connection with no request in progress for this long is closed (HTTP/1 and HTTP/2); an
    /// HTTP/1 request head must also arrive in full within it.
    pub idle_timeout: Duration,
    /// On shutdown, how long open connections may take to finish their requests.
    pub grace: Duration,
    /// Counts connections, so that the memory a wave of them used is given back.
    pub churn: Arc<ConnectionChurn>,
}

/// The largest HTTP/1 read buffer per connection. API Gateway caps the request line and headers at
/// 10 240 bytes each, so request heads fit; hyper's default (~400 KB) lets one large upload keep
/// a connection's buffer big while it then sits idle.
const MAX_HTTP1_BUFFER: usize = 64 * 1024;

fn builder(idle_timeout: Duration) -> auto::Builder<TokioExecutor> {
    let mut b = auto::Builder::new(TokioExecutor::new());
    // hyper starts this timer as soon as a connection waits for a request head, so it is also
    // HTTP/1's keep-alive idle timeout.
    b.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(idle_timeout)
        .max_buf_size(MAX_HTTP1_BUFFER)
        .keep_alive(true);
    b.http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(1000);
    b
}

/// Serves `handler` on `listener` (with TLS when `tls` is given) until `shutdown` flips, then
/// waits up to `policy.grace` for open connections to finish their requests.
///
/// Every connection is closed gracefully (the request in progress, if any, completes) once it
/// has been idle for `policy.idle_timeout`, and its close lingers (see [`Linger`]) so that a
/// client still sending a body reads the response instead of a reset.
pub async fn serve<H: Handler>(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    handler: H,
    mut shutdown: watch::Receiver<bool>,
    policy: ConnectionPolicy,
) {
    let builder = Arc::new(builder(policy.idle_timeout));
    // Every connection task holds a sender; once all are dropped, every connection has ended.
    let (open_tx, mut all_closed) = mpsc::channel::<Infallible>(1);
    let is_tls = tls.is_some();
    let Ok(local) = listener.local_addr() else {
        tracing::error!("listener has no local address");
        return;
    };
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let _ = stream.set_nodelay(true);
        let stream = Linger::new(stream);
        let activity = Arc::new(Activity::default());
        let handler = handler.clone();
        let requests = activity.clone();
        let service = service_fn(move |req: Request<Incoming>| {
            let busy = requests.begin();
            let handler = handler.clone();
            let connection = ConnectionInfo {
                peer,
                local,
                tls: is_tls,
                http2: req.version() == http::Version::HTTP_2,
            };
            let http10 = req.version() == http::Version::HTTP_10;
            async move {
                let mut response = handler.call(req, connection).await;
                drop(busy);
                if http10 {
                    // The status line says HTTP/1.1 (see `StatusLine`), so say what HTTP/1.0
                    // implies, as nginx does: this response is the connection's last.
                    response.headers_mut().insert(
                        http::header::CONNECTION,
                        http::HeaderValue::from_static("close"),
                    );
                }
                Ok::<_, Infallible>(response)
            }
        });
        let builder = builder.clone();
        let watch = Watch {
            shutdown: shutdown.clone(),
            activity,
            idle_timeout: policy.idle_timeout,
            _open: (open_tx.clone(), policy.churn.opened()),
        };
        match &tls {
            None => {
                tokio::spawn(async move {
                    let conn = builder
                        .serve_connection(TokioIo::new(StatusLine::new(stream)), service)
                        .into_owned();
                    watch.drive(conn, |c| c.graceful_shutdown(), peer).await;
                });
            }
            Some(acceptor) => {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let tls_stream = match tokio::time::timeout(
                        Duration::from_secs(10),
                        acceptor.accept(stream),
                    )
                    .await
                    {
                        Ok(Ok(s)) => s,
                        Ok(Err(e)) => {
                            tracing::debug!(%peer, error = %e, "TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!(%peer, "TLS handshake timed out");
                            return;
                        }
                    };
                    let conn = builder
                        .serve_connection(TokioIo::new(StatusLine::new(tls_stream)), service)
                        .into_owned();
                    watch.drive(conn, |c| c.graceful_shutdown(), peer).await;
                });
            }
        }
    }
    drop(listener);
    drop(open_tx);
    if tokio::time::timeout(policy.grace, all_closed.recv())
        .await
        .is_err()
    {
        tracing::warn!("grace period over: closing connections that are still busy");
    }
}

/// What one connection task watches besides its connection.
struct Watch {
    shutdown: watch::Receiver<bool>,
    activity: Arc<Activity>,
    idle_timeout: Duration,
    /// Held for the connection's lifetime: the listener's drain and the memory churn count.
    _open: (mpsc::Sender<Infallible>, OpenConnection),
}

impl Watch {
    /// Serves `conn` to its end; starts its graceful shutdown (`graceful`) when the server shuts
    /// down or the connection has been idle for the idle timeout.
    async fn drive<C, E>(mut self, conn: C, graceful: impl Fn(Pin<&mut C>), peer: SocketAddr)
    where
        C: Future<Output = Result<(), E>>,
        E: std::fmt::Display,
    {
        tokio::pin!(conn);
        let reason = tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(%peer, error = %e, "connection ended with an error");
                }
                return;
            }
            _ = self.shutdown.wait_for(|stop| *stop) => "shutdown",
            _ = idle(&self.activity, self.idle_timeout) => "idle timeout",
        };
        tracing::debug!(%peer, reason, "closing the connection");
        graceful(conn.as_mut());
        // Bounded: an HTTP/2 client that never answers the closing PING must not keep it open.
        match tokio::time::timeout(CLOSE_MAX, conn).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::debug!(%peer, error = %e, "connection ended with an error"),
            Err(_) => tracing::debug!(%peer, "connection dropped: its close took too long"),
        }
    }
}
