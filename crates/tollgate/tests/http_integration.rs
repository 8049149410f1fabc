//! HTTP and HTTP_PROXY integrations against real backends.

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use common::{Http, Tollgate, backend, tollgate, write_definition};
use http::Method;
use serde_json::{Value, json};

fn proxy(uri: &str) -> Value {
    json!({
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "ANY", "uri": uri}
    })
}

/// The misbehaving backends besides the echo one.
struct Broken {
    /// Dies mid-body.
    reset: SocketAddr,
    /// Refuses connections.
    refused: SocketAddr,
    /// Declares a body of 2 GiB, sends 3 bytes and stalls.
    huge: SocketAddr,
    /// Declares a body of 100 bytes, sends 3 and stalls.
    stalled: SocketAddr,
}

fn api(echo: SocketAddr, broken: &Broken) -> Value {
    let Broken {
        reset,
        refused,
        huge,
        stalled,
    } = *broken;
    let mut pets = proxy(&format!("http://{echo}/pets/{{id}}?fixed=1"));
    pets["parameters"] = json!([
        {"name": "id", "in": "path", "required": true, "schema": {"type": "string"}},
        {"name": "x-in", "in": "header", "schema": {"type": "string"}},
        {"name": "x-not-sent", "in": "header", "schema": {"type": "string"}}
    ]);
    pets["x-amazon-apigateway-integration"]["requestParameters"] = json!({
        "integration.request.path.id": "method.request.path.id",
        "integration.request.querystring.mapped": "'static value'",
        "integration.request.header.x-mapped": "method.request.header.x-in",
        "integration.request.header.x-absent": "method.request.header.x-not-sent"
    });
    let mut greedy = proxy(&format!("http://{echo}/echo/{{proxy}}"));
    greedy["parameters"] =
        json!([{"name": "proxy", "in": "path", "required": true, "schema": {"type": "string"}}]);
    greedy["x-amazon-apigateway-integration"]["requestParameters"] =
        json!({"integration.request.path.proxy": "method.request.path.proxy"});
    let mut slow = proxy(&format!("http://{echo}/slow/3000"));
    slow["x-amazon-apigateway-integration"]["timeoutInMillis"] = json!(300);
    let http_status = json!({
        "parameters": [{"name": "code", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok"}, "400": {"description": "bad", "headers": {"x-backend-status": {"schema": {"type": "string"}}}}},
        "x-amazon-apigateway-integration": {
            "type": "http", "httpMethod": "GET", "uri": format!("http://{echo}/status/{{code}}"),
            "requestParameters": {"integration.request.path.code": "method.request.path.code"},
            "responses": {
                "default": {"statusCode": "200"},
                "4\\d{2}": {"statusCode": "400", "responseParameters": {
                    "method.response.header.x-backend-status": "integration.response.header.x-backend-status"}}
            }
        }
    });
    let http_echo = json!({
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {
            "type": "http", "httpMethod": "POST", "uri": format!("http://{echo}/plain"),
            "responses": {"default": {"statusCode": "200"}}
        }
    });
    let mut stalled_proxy = proxy(&format!("http://{stalled}/"));
    stalled_proxy["x-amazon-apigateway-integration"]["timeoutInMillis"] = json!(300);
    let mut big = proxy(&format!("http://{echo}/big/{{n}}"));
    big["parameters"] =
        json!([{"name": "n", "in": "path", "required": true, "schema": {"type": "string"}}]);
    big["x-amazon-apigateway-integration"]["requestParameters"] =
        json!({"integration.request.path.n": "method.request.path.n"});
    let http_stalled = json!({
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {
            "type": "http", "httpMethod": "GET", "uri": format!("http://{stalled}/"),
            "timeoutInMillis": 300,
            "responses": {"default": {"statusCode": "200"}}
        }
    });
    let http_reset = json!({
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {
            "type": "http", "httpMethod": "GET", "uri": format!("http://{reset}/"),
            "responses": {"default": {"statusCode": "200"}}
        }
    });
    json!({
        "openapi": "3.0.1",
        "info": {"title": "proxying", "version": "1"},
        "paths": {
            "/pets/{id}": {"get": pets},
            "/anything": {"x-amazon-apigateway-any-method": proxy(&format!("http://{echo}/anything"))},
            "/g/{proxy+}": {"x-amazon-apigateway-any-method": greedy},
            "/slow": {"get": slow},
            "/refused": {"get": proxy(&format!("http://{refused}/"))},
            "/reset": {"get": proxy(&format!("http://{reset}/"))},
            "/stagevar": {"get": proxy("http://${stageVariables.backend}/sv")},
            "/http/{code}": {"get": http_status},
            "/http-echo": {"post": http_echo},
            "/http-reset": {"get": http_reset},
            "/huge": {"get": proxy(&format!("http://{huge}/"))},
            "/stalled": {"get": stalled_proxy},
            "/big/{n}": {"get": big},
            "/http-stalled": {"get": http_stalled}
        }
    })
}

struct Fixture {
    _dir: tempfile::TempDir,
    server: Tollgate,
    http: Http,
    id: String,
    echo: SocketAddr,
}

async fn start() -> Fixture {
    let echo = backend::echo().await;
    let broken = Broken {
        reset: backend::resets_mid_body().await,
        refused: backend::refused(),
        huge: backend::stalls_after("HTTP/1.1 200 OK\r\nContent-Length: 2147483648\r\n\r\nabc")
            .await,
        stalled: backend::stalls_after("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc").await,
    };
    let dir = tempfile::tempdir().unwrap();
    let file = write_definition(dir.path(), "proxying.json", &api(echo, &broken));
    let server = Tollgate::start(
        &dir.path().join("data"),
        &["--api", file.to_str().unwrap(), "--stage", "prod"],
    );
    let id = server.api_id("proxying");
    Fixture {
        _dir: dir,
        server,
        http: Http::default(),
        id,
        echo,
    }
}

impl Fixture {
    fn url(&self, path: &str) -> String {
        self.server.url(&self.id, "prod", path)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn http_proxy_forwards_path_query_headers_and_body() {
    let f = start().await;
    let r = f
        .http
        .send(
            Method::GET,
            &f.url("/pets/a%20b?tag=x&tag=y"),
            &[
                ("x-custom", "1"),
                ("x-in", "mapped-in"),
                ("user-agent", "test-agent"),
                ("expect", ""),
            ],
            "",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let echo = r.json();
    assert_eq!(echo["method"], "GET");
    assert_eq!(echo["path"], "/pets/a%20b");
    assert_eq!(echo["query"], "fixed=1&tag=x&tag=y&mapped=static%20value");
    let h = &echo["headers"];
    assert_eq!(h["x-custom"], json!(["1"]));
    assert_eq!(h["x-mapped"], json!(["mapped-in"]));
    assert_eq!(h["user-agent"], json!(["test-agent"]));
    assert_eq!(h["host"], json!([f.echo.to_string()]));
    assert_eq!(h["x-amzn-apigateway-api-id"], json!([f.id]));
    assert!(
        h["x-amzn-trace-id"][0]
            .as_str()
            .unwrap()
            .starts_with("Root=1-")
    );
    assert!(
        h.get("x-absent").is_none(),
        "a mapping whose source is absent is omitted"
    );
    assert!(h.get("expect").is_none());

    // Response side: backend headers pass, Server/Content-Length are remapped.
    assert_eq!(r.header("x-backend"), Some("echo"));
    assert_eq!(r.headers.get_all("set-cookie").iter().count(), 2);
    assert_eq!(r.header("x-amzn-remapped-server"), Some("echo-backend"));
    assert!(r.header("x-amzn-remapped-content-length").is_some());
    assert!(r.header("server").is_none());
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.header("x-amzn-RequestId").is_some());
}

#[tokio::test(flavor = "multi_thread")]
async fn http_proxy_any_method_and_bodies_stream_both_ways() {
    let f = start().await;
    let body: Vec<u8> = (0..1_000_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let r = f
        .http
        .send(
            Method::PUT,
            &f.url("/anything"),
            &[("content-type", "text/plain")],
            body.clone(),
        )
        .await;
    assert_eq!(r.status, 200);
    let echo = r.json();
    assert_eq!(echo["method"], "PUT");
    assert_eq!(echo["bodyLength"], 1_000_000);
    assert_eq!(echo["body"].as_str().unwrap().as_bytes(), &body[..]);
    assert_eq!(echo["headers"]["content-type"], json!(["text/plain"]));

    let r = f
        .http
        .send(Method::DELETE, &f.url("/g/a/b//c?x=1"), &[], "")
        .await;
    let echo = r.json();
    assert_eq!(echo["method"], "DELETE");
    assert_eq!(echo["path"], "/echo/a/b//c");
    assert_eq!(echo["query"], "x=1");
}

#[tokio::test(flavor = "multi_thread")]
async fn integration_timeout_is_504() {
    let f = start().await;
    let t = Instant::now();
    let r = f.http.get(&f.url("/slow")).await;
    assert_eq!(r.status, 504);
    assert_eq!(r.text(), r#"{"message":"Endpoint request timed out"}"#);
    assert!(
        t.elapsed() < Duration::from_millis(2500),
        "timed out late: {:?}",
        t.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_backends_get_5xx_and_the_gateway_survives() {
    let f = start().await;
    let r = f.http.get(&f.url("/refused")).await;
    assert_eq!(r.status, 502);
    assert_eq!(r.text(), r#"{"message":"Internal server error"}"#);
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("InternalServerErrorException")
    );

    // A backend that dies mid-body: the response is read whole before the client gets anything,
    // so the client gets a 502 rather than a truncated 200, with HTTP_PROXY as with HTTP.
    for path in ["/reset", "/http-reset"] {
        let r = f.http.get(&f.url(path)).await;
        assert_eq!(r.status, 502, "{path}");
        assert_eq!(r.text(), r#"{"message":"Internal server error"}"#, "{path}");
        assert_eq!(
            r.header("x-amzn-ErrorType"),
            Some("InternalServerErrorException")
        );
    }
    // And the gateway keeps serving.
    assert_eq!(f.http.get(&f.url("/anything")).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn backend_responses_are_read_whole_within_the_timeout_and_the_payload_limit() {
    let f = start().await;
    // A body stalled mid-way: 504 at timeoutInMillis (the timeout covers the body), for HTTP_PROXY
    // and HTTP alike.
    for path in ["/stalled", "/http-stalled"] {
        let t = Instant::now();
        let r = tokio::time::timeout(Duration::from_secs(10), f.http.get(&f.url(path)))
            .await
            .unwrap_or_else(|_| panic!("{path}: the client still waits after 10 s"));
        assert_eq!(r.status, 504, "{path}: {}", r.text());
        assert_eq!(r.text(), r#"{"message":"Endpoint request timed out"}"#);
        assert!(
            t.elapsed() < Duration::from_millis(2500),
            "{path} timed out late: {:?}",
            t.elapsed()
        );
    }
    // A declared length over 10 MB is refused as soon as the head arrives: 502.
    let t = Instant::now();
    let r = tokio::time::timeout(Duration::from_secs(10), f.http.get(&f.url("/huge")))
        .await
        .expect("/huge: the client still waits after 10 s");
    assert_eq!(r.status, 502, "{}", r.text());
    assert_eq!(r.text(), r#"{"message":"Internal server error"}"#);
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("InternalServerErrorException")
    );
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    // Exactly 10 MB passes, with the gateway's own Content-Length; one byte more is a 502.
    let limit = 10 * 1024 * 1024;
    let r = f.http.get(&f.url(&format!("/big/{limit}"))).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), limit);
    assert!(r.body.iter().all(|b| *b == b'x'));
    assert_eq!(r.header("content-length"), Some(limit.to_string().as_str()));
    let r = f.http.get(&f.url(&format!("/big/{}", limit + 1))).await;
    assert_eq!(r.status, 502);
    assert_eq!(r.text(), r#"{"message":"Internal server error"}"#);
    // And the gateway keeps serving.
    assert_eq!(f.http.get(&f.url("/anything")).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_client_chunked_bodies_get_400_not_502() {
    let f = start().await;
    let url = f.url("/anything");
    let path = url
        .split_once(&f.server.data.to_string())
        .unwrap()
        .1
        .to_owned();
    let long_extension = "e".repeat(20_000);
    let bodies = [
        // Not a hexadecimal chunk size.
        "zz\r\nabc\r\n0\r\n\r\n".to_owned(),
        // A chunk extension far over any sane length.
        format!("3;{long_extension}\r\nabc\r\n0\r\n\r\n"),
        // A good chunk (already on its way to the backend), then a broken one.
        "3\r\nabc\r\nxyz\r\ndef\r\n0\r\n\r\n".to_owned(),
    ];
    for body in &bodies {
        let request = format!(
            "PUT {path} HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n{body}"
        );
        let r = common::raw_exchange(f.server.data, request.as_bytes()).await;
        assert_eq!(r.status_line, "HTTP/1.1 400 Bad Request", "{}", &body[..10]);
        assert_eq!(r.text(), r#"{"message":"Invalid request body"}"#);
        assert_eq!(r.header("x-amzn-ErrorType"), Some("BadRequestException"));
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert!(r.header("x-amzn-RequestId").is_some());
    }
    assert_eq!(f.http.get(&f.url("/anything")).await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn http_integration_selects_responses_by_status() {
    let f = start().await;
    let r = f.http.get(&f.url("/http/200")).await;
    assert_eq!((r.status.as_u16(), r.text().as_str()), (200, "status 200"));
    assert!(
        r.header("x-amzn-trace-id").is_some(),
        "HTTP responses carry the trace id"
    );
    let r = f.http.get(&f.url("/http/404")).await;
    assert_eq!((r.status.as_u16(), r.text().as_str()), (400, "status 404"));
    assert_eq!(r.header("x-backend-status"), Some("404"));
    // A backend 500 with only a default 200 response reaches the client as 200.
    let r = f.http.get(&f.url("/http/500")).await;
    assert_eq!((r.status.as_u16(), r.text().as_str()), (200, "status 500"));
    assert_eq!(r.header("content-type"), Some("application/json"));
}

#[tokio::test(flavor = "multi_thread")]
async fn http_integration_sends_only_mapped_headers() {
    let f = start().await;
    let r = f
        .http
        .send(
            Method::POST,
            &f.url("/http-echo"),
            &[("x-custom", "1"), ("content-type", "text/plain")],
            "payload",
        )
        .await;
    let echo = r.json();
    assert_eq!(echo["body"], "payload");
    let h = &echo["headers"];
    assert!(h.get("x-custom").is_none());
    assert_eq!(
        h["user-agent"],
        json!([format!("AmazonAPIGateway_{}", f.id)])
    );
    assert_eq!(h["accept"], json!(["application/json"]));
    assert_eq!(h["content-type"], json!(["text/plain"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn chunked_bodies_over_the_limit_get_413_even_when_the_client_writes_it_all_first() {
    use tokio::io::AsyncWriteExt;
    let f = start().await;
    // 40 MB without a Content-Length, written in full before anything is read (as Python's
    // http.client and requests do), more than socket buffers absorb: the gateway answers 413 once
    // the limit is crossed, then keeps reading and discarding until the client is done, so that
    // the 413 is not lost to a reset.
    let url = f.url("/anything");
    let path = url
        .split_once(&f.server.data.to_string())
        .unwrap()
        .1
        .to_owned();
    let mut stream = tokio::net::TcpStream::connect(f.server.data).await.unwrap();
    let head =
        format!("PUT {path} HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n");
    let mut request = head.into_bytes();
    let mut chunk = format!("{:x}\r\n", 64 * 1024).into_bytes();
    chunk.extend(std::iter::repeat_n(b'z', 64 * 1024));
    chunk.extend_from_slice(b"\r\n");
    for _ in 0..640 {
        request.extend_from_slice(&chunk);
    }
    request.extend_from_slice(b"0\r\n\r\n");
    tokio::time::timeout(Duration::from_secs(20), stream.write_all(&request))
        .await
        .expect("the gateway keeps reading")
        .expect("no reset while the client writes");
    let r = common::read_raw_reply(&mut stream).await;
    assert_eq!(r.status_line, "HTTP/1.1 413 Payload Too Large");
    assert_eq!(r.text(), r#"{"message":"Request Too Long"}"#);
}

#[tokio::test(flavor = "multi_thread")]
async fn stage_variables_in_uris_and_cross_process_deploys() {
    let f = start().await;
    // Without the variable the URI has no host: AWS's "Invalid endpoint address" → 500.
    let r = f.http.get(&f.url("/stagevar")).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.text(), r#"{"message":"Internal server error"}"#);
    let data_dir = f.server.data_dir.to_str().unwrap().to_owned();
    let backend = format!("backend={}", f.echo);
    let out = tollgate(&[
        "deploy",
        "--data-dir",
        &data_dir,
        "--api",
        &f.id,
        "--stage",
        "prod",
        "--variable",
        &backend,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = f.http.get(&f.url("/stagevar")).await;
        if r.status == 200 {
            assert_eq!(r.json()["path"], "/sv");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "deploy not picked up: {} {}",
            r.status,
            r.text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn stale_pooled_connections_are_not_used() {
    let flaky = backend::closes_idle_connections(30).await;
    let dir = tempfile::tempdir().unwrap();
    let doc = json!({
        "openapi": "3.0.1",
        "info": {"title": "stale", "version": "1"},
        "paths": {"/s": {"get": proxy(&format!("http://{flaky}/"))}}
    });
    let file = write_definition(dir.path(), "stale.json", &doc);
    let server = Tollgate::start(&dir.path().join("data"), &["--api", file.to_str().unwrap()]);
    let id = server.api_id("stale");
    let http = Http::default();
    for i in 1..=5 {
        let r = http.get(&server.url(&id, "dev", "/s")).await;
        assert_eq!(r.status, 200, "request {i}: {}", r.text());
        assert!(r.text().starts_with("conn "), "{}", r.text());
        // Let the backend close the connection the gateway pooled.
        tokio::time::sleep(Duration::from_millis(80)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn keep_alive_connections_are_reused() {
    let f = start().await;
    let mut connections = std::collections::HashSet::new();
    for _ in 0..20 {
        let r = f.http.get(&f.url("/anything")).await;
        assert_eq!(r.status, 200);
        let echo = r.json();
        assert!(
            echo["headers"].get("connection").is_none(),
            "no Connection header forwarded"
        );
        connections.insert(echo["connection"].as_u64().unwrap());
    }
    assert_eq!(
        connections.len(),
        1,
        "sequential requests share one backend connection: {connections:?}"
    );
}
