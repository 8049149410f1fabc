//! Client connections as clients see them on the wire: early responses to clients still writing,
//! idle timeouts, HTTP/1.0, and memory after waves of connections.

mod common;

use std::time::{Duration, Instant};

use common::{Served, backend, closed_within, mock, raw_exchange, read_raw_reply};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

fn api(echo: std::net::SocketAddr) -> Value {
    json!({
        "openapi": "3.0.1",
        "info": {"title": "connections", "version": "1"},
        "paths": {
            "/hello": {"get": mock(200, "hello"), "post": mock(200, "hello")},
            "/slow": {"get": {
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": {
                    "type": "http_proxy", "httpMethod": "GET",
                    "uri": format!("http://{echo}/slow/2500"), "timeoutInMillis": 10000
                }
            }}
        }
    })
}

async fn start(extra: &[&str]) -> Served {
    let echo = backend::echo().await;
    Served::start_with(
        &api(echo),
        "connections",
        tempfile::tempdir().unwrap(),
        extra,
    )
}

/// The request target of `path` on stage `prod` (the part after the authority).
fn target(f: &Served, path: &str) -> String {
    format!("/_aws/execute-api/{}/prod{path}", f.id)
}

/// Runs Python's http.client: one request whose body is written in full before the response is
/// read. `body` is a Python expression; `chunked` sends it with `Transfer-Encoding: chunked`.
/// Returns the status and body the client read, or what went wrong.
fn python_client(f: &Served, path: &str, body: &str, chunked: bool) -> String {
    let script = format!(
        r#"
import http.client, sys
c = http.client.HTTPConnection("{host}", {port}, timeout=60)
body = {body}
try:
    c.request("POST", "{path}", body=body, headers={{"Content-Type": "application/octet-stream"}},
              encode_chunked={chunked})
    r = c.getresponse()
    sys.stdout.write("%d %s" % (r.status, r.read().decode()))
except Exception as e:
    sys.stdout.write("client error: %r" % e)
"#,
        host = f.server.data.ip(),
        port = f.server.data.port(),
        path = target(f, path),
        chunked = if chunked { "True" } else { "False" },
    );
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn early_responses_reach_clients_that_write_the_whole_body_first() {
    let f = start(&[]).await;
    // 11 MB with a Content-Length: 413 before a byte of it is read.
    let got = python_client(&f, "/hello", "b'x' * (11 * 1024 * 1024)", false);
    assert_eq!(got, r#"413 {"message":"Request Too Long"}"#);
    // 30 MB chunked to a path with no method: 403 before the body is read.
    let got = python_client(&f, "/nowhere", "(b'x' * 65536 for _ in range(480))", true);
    assert_eq!(got, r#"403 {"message":"Missing Authentication Token"}"#);
    // The gateway is still serving.
    let got = python_client(&f, "/hello", "b'small'", false);
    assert_eq!(got, "200 hello");
}

#[tokio::test(flavor = "multi_thread")]
async fn idle_connections_are_closed_after_the_idle_timeout() {
    let f = start(&["--idle-timeout", "1"]).await;
    let hello = format!(
        "GET {} HTTP/1.1\r\nHost: localhost\r\n\r\n",
        target(&f, "/hello")
    );

    // HTTP/1.1 keep-alive after a request: kept for the timeout, then closed.
    let mut kept = TcpStream::connect(f.server.data).await.unwrap();
    kept.write_all(hello.as_bytes()).await.unwrap();
    let r = read_raw_reply(&mut kept).await;
    assert_eq!(
        (r.status_line.as_str(), r.text().as_str()),
        ("HTTP/1.1 200 OK", "hello")
    );
    let t = Instant::now();
    assert!(
        !closed_within(&mut kept, Duration::from_millis(500)).await,
        "closed before the idle timeout"
    );
    kept.write_all(hello.as_bytes()).await.unwrap();
    assert_eq!(
        read_raw_reply(&mut kept).await.status_line,
        "HTTP/1.1 200 OK"
    );
    assert!(
        closed_within(&mut kept, Duration::from_secs(5)).await,
        "still open {:?} after its last request",
        t.elapsed()
    );

    // A connection that never sends a request.
    let mut silent = TcpStream::connect(f.server.data).await.unwrap();
    assert!(closed_within(&mut silent, Duration::from_secs(5)).await);

    // An HTTP/2 connection (prior knowledge) after a request: GOAWAY, then closed.
    let stream = TcpStream::connect(f.server.data).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(stream),
    )
    .await
    .unwrap();
    let conn = tokio::spawn(conn);
    let request = http::Request::get(f.url("/hello"))
        .body(http_body_util::Empty::<bytes::Bytes>::new())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let t = Instant::now();
    let ended = tokio::time::timeout(Duration::from_secs(5), conn).await;
    assert!(matches!(ended, Ok(Ok(Ok(())))), "{ended:?}");
    assert!(
        t.elapsed() >= Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );
    drop(sender);

    // A request that takes longer than the idle timeout is not cut.
    let slow = format!(
        "GET {} HTTP/1.1\r\nHost: localhost\r\n\r\n",
        target(&f, "/slow")
    );
    let r = raw_exchange(f.server.data, slow.as_bytes()).await;
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.text(), "slow done");
}

#[tokio::test(flavor = "multi_thread")]
async fn http10_requests_are_answered_with_http11_status_lines() {
    let f = start(&[]).await;
    let request = format!("GET {} HTTP/1.0\r\n\r\n", target(&f, "/hello"));
    let mut stream = TcpStream::connect(f.server.data).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let r = read_raw_reply(&mut stream).await;
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.text(), "hello");
    assert_eq!(r.header("content-length"), Some("5"));
    assert_eq!(r.header("connection"), Some("close"));
    assert!(r.header("transfer-encoding").is_none());
    assert!(
        closed_within(&mut stream, Duration::from_secs(5)).await,
        "an HTTP/1.0 connection ends with its response"
    );

    // Gateway responses too.
    let request = format!("GET {} HTTP/1.0\r\n\r\n", target(&f, "/nowhere"));
    let r = raw_exchange(f.server.data, request.as_bytes()).await;
    assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden");
    assert_eq!(r.text(), r#"{"message":"Missing Authentication Token"}"#);

    // HTTP/1.1 is unchanged: kept alive, no Connection header.
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: localhost\r\n\r\n",
        target(&f, "/hello")
    );
    let mut stream = TcpStream::connect(f.server.data).await.unwrap();
    for _ in 0..2 {
        stream.write_all(request.as_bytes()).await.unwrap();
        let r = read_raw_reply(&mut stream).await;
        assert_eq!(r.status_line, "HTTP/1.1 200 OK");
        assert!(r.header("connection").is_none());
    }
}

/// VmRSS of `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .expect("VmRSS")
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_of_a_wave_of_idle_connections_is_given_back() {
    const CONNECTIONS: usize = 2000;
    let f = start(&[]).await;
    let pid = f.server.pid();
    let hello = format!(
        "GET {} HTTP/1.1\r\nHost: localhost\r\n\r\n",
        target(&f, "/hello")
    );
    let before = rss_kib(pid);
    let mut open = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS / 250 {
        let batch: Vec<_> = (0..250)
            .map(|_| {
                let (addr, hello) = (f.server.data, hello.clone());
                tokio::spawn(async move {
                    let mut s = TcpStream::connect(addr).await.unwrap();
                    s.write_all(hello.as_bytes()).await.unwrap();
                    assert_eq!(read_raw_reply(&mut s).await.text(), "hello");
                    s
                })
            })
            .collect();
        for task in batch {
            open.push(task.await.unwrap());
        }
    }
    let peak = rss_kib(pid);
    drop(open);
    // Memory is given back a few seconds after a wave ends; wait for it, within reason.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut after = rss_kib(pid);
    let bound = before + (peak - before) / 2;
    while after > bound && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(250)).await;
        after = rss_kib(pid);
    }
    eprintln!(
        "VmRSS: {before} KiB before, {peak} KiB with {CONNECTIONS} idle connections, {after} KiB after they closed"
    );
    assert!(peak > before, "the connections used memory");
    assert!(
        after <= bound,
        "VmRSS stays at {after} KiB after the connections closed ({before} KiB before, {peak} KiB at the peak)"
    );
}
