//! Real backends for HTTP integrations: an echo server (hyper) and a raw TCP server that
//! misbehaves on purpose.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Starts the echo backend. Routes:
/// - `/slow/{ms}`: answers after `ms` milliseconds;
/// - `/status/{code}`: answers `code` with body `status {code}`;
/// - `/big/{bytes}`: answers a body of that many `x`;
/// - `/reply`: answers 200 with the request's body;
/// - anything else: 200 with a JSON echo of method, path, query, headers, body and the number of
///   the backend connection it came on, plus
///   `Server`, `X-Backend` and `Set-Cookie` (twice) response headers.
pub async fn echo() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut connections = 0u64;
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            connections += 1;
            let connection = connections;
            tokio::spawn(async move {
                let service = service_fn(move |req| handle(req, connection));
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

async fn handle(
    req: Request<Incoming>,
    connection: u64,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    if let Some(ms) = path.strip_prefix("/slow/") {
        tokio::time::sleep(Duration::from_millis(ms.parse().unwrap_or(0))).await;
        return Ok(Response::new(Full::new(Bytes::from("slow done"))));
    }
    if let Some(code) = path.strip_prefix("/status/") {
        let mut r = Response::new(Full::new(Bytes::from(format!("status {code}"))));
        *r.status_mut() = StatusCode::from_u16(code.parse().unwrap_or(500))
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        r.headers_mut()
            .insert("x-backend-status", code.parse().unwrap());
        return Ok(r);
    }
    if path == "/reply" {
        // Answers with the request's own body, an `X-Backend-Id` header, the request's
        // `X-Pet` header as `X-Got-Pet`, and `X-Reply-Type` (else the request's Content-Type) as
        // Content-Type.
        let pet = req.headers().get("x-pet").cloned();
        let content_type = req
            .headers()
            .get("x-reply-type")
            .or(req.headers().get("content-type"))
            .cloned();
        let body = req
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let mut r = Response::new(Full::new(body));
        r.headers_mut()
            .insert("x-backend-id", "backend-7".parse().unwrap());
        if let Some(pet) = pet {
            r.headers_mut().insert("x-got-pet", pet);
        }
        if let Some(ct) = content_type {
            r.headers_mut().insert("content-type", ct);
        }
        return Ok(r);
    }
    if let Some(n) = path.strip_prefix("/big/") {
        let n: usize = n.parse().unwrap_or(0);
        return Ok(Response::new(Full::new(Bytes::from(vec![b'x'; n]))));
    }
    let method = req.method().to_string();
    let query = req.uri().query().map(str::to_owned);
    let mut headers = serde_json::Map::new();
    for (k, v) in req.headers() {
        let entry = headers
            .entry(k.as_str().to_owned())
            .or_insert_with(|| serde_json::Value::Array(Vec::new()));
        if let serde_json::Value::Array(a) = entry {
            a.push(serde_json::Value::String(
                v.to_str().unwrap_or("").to_owned(),
            ));
        }
    }
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let echo = serde_json::json!({
        "method": method,
        "path": path,
        "query": query,
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
        "bodyLength": body.len(),
        "connection": connection,
    });
    let mut r = Response::new(Full::new(Bytes::from(echo.to_string())));
    let h = r.headers_mut();
    h.insert("content-type", "application/json".parse().unwrap());
    h.insert("server", "echo-backend".parse().unwrap());
    h.insert("x-backend", "echo".parse().unwrap());
    h.append("set-cookie", "a=1".parse().unwrap());
    h.append("set-cookie", "b=2".parse().unwrap());
    Ok(r)
}

/// A backend that accepts, reads the request head, promises a long body, sends a little of it
/// and closes the connection.
pub async fn resets_mid_body() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let _ = stream.read(&mut buf).await;
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nContent-Type: text/plain\r\n\r\npartial")
                    .await;
                let _ = stream.flush().await;
                drop(stream);
            });
        }
    });
    addr
}

/// A port that refuses connections: a socket bound to it that never listens, kept open for the
/// rest of the test process so no other backend of a test running in parallel can take the port
/// (a bound-then-released port can be handed to the next `bind(0)`).
pub fn refused() -> SocketAddr {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let addr = socket.local_addr().unwrap();
    std::mem::forget(socket);
    addr
}

/// A backend that answers one request per connection (keep-alive advertised), then closes the
/// connection `close_after_ms` later: pooled connections to it go stale.
pub async fn closes_idle_connections(close_after_ms: u64) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut served = 0u64;
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            served += 1;
            let n = served;
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let _ = stream.read(&mut buf).await;
                let body = format!("conn {n}");
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                tokio::time::sleep(Duration::from_millis(close_after_ms)).await;
                drop(stream);
            });
        }
    });
    addr
}

/// A backend that reads the request head, writes `response` (a head and the start of a body) and
/// then holds the connection open without sending anything more.
pub async fn stalls_after(response: &'static str) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let _ = stream.read(&mut buf).await;
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.flush().await;
                tokio::time::sleep(Duration::from_secs(600)).await;
                drop(stream);
            });
        }
    });
    addr
}
