//! Routing and gateway responses as a client sees them, on a real `tollgate serve`.

mod common;

use common::{Http, Tollgate, mock, write_definition};
use http::Method;
use serde_json::json;

fn routing_api() -> serde_json::Value {
    json!({
        "openapi": "3.0.1",
        "info": {"title": "routing", "version": "1"},
        "paths": {
            "/": {"get": mock(200, "root")},
            "/pets": {"get": mock(200, "pets-get"), "post": mock(201, "pets-post")},
            "/pets/dogs": {"get": mock(200, "dogs")},
            "/pets/{id}": {"get": mock(200, "pet")},
            "/users/me": {"patch": mock(200, "me-patch")},
            "/users/{userId}": {"get": mock(200, "user-get")},
            "/things/real": {"get": mock(200, "real-get")},
            "/things/{proxy+}": {"x-amazon-apigateway-any-method": mock(200, "things-greedy")},
            "/a": {"x-amazon-apigateway-any-method": mock(200, "a-any"), "get": mock(200, "a-get")},
            "/head": {"get": mock(200, "head-get")},
            "/only-options": {"options": mock(200, "options")},
            "/deep/{x}/b/{y}": {"get": mock(200, "deep")}
        },
        "x-amazon-apigateway-gateway-responses": {
            "DEFAULT_4XX": {"responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"}}
        }
    })
}

struct Fixture {
    _dir: tempfile::TempDir,
    server: Tollgate,
    http: Http,
    id: String,
}

fn start() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let file = write_definition(dir.path(), "routing.json", &routing_api());
    let server = Tollgate::start(
        &dir.path().join("data"),
        &["--api", file.to_str().unwrap(), "--stage", "prod"],
    );
    let id = server.api_id("routing");
    Fixture {
        _dir: dir,
        server,
        http: Http::default(),
        id,
    }
}

impl Fixture {
    async fn call(&self, method: Method, path: &str) -> common::Reply {
        self.http
            .send(method, &self.server.url(&self.id, "prod", path), &[], "")
            .await
    }

    async fn body(&self, method: Method, path: &str) -> String {
        let r = self.call(method.clone(), path).await;
        assert!(
            r.status.is_success(),
            "{method} {path}: {} {}",
            r.status,
            r.text()
        );
        r.text()
    }

    async fn assert_missing_token(&self, method: Method, path: &str) {
        let r = self.call(method.clone(), path).await;
        assert_eq!(r.status, 403, "{method} {path}: {}", r.text());
        assert_eq!(
            r.header("x-amzn-ErrorType"),
            Some("MissingAuthenticationTokenException")
        );
        let expected = if method == Method::HEAD {
            ""
        } else {
            r#"{"message":"Missing Authentication Token"}"#
        };
        assert_eq!(r.text(), expected, "{method} {path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn precedence_and_method_aware_fallback() {
    let f = start();
    assert_eq!(f.body(Method::GET, "/").await, "root");
    assert_eq!(f.body(Method::GET, "/pets").await, "pets-get");
    assert_eq!(f.body(Method::GET, "/pets/").await, "pets-get");
    let r = f.call(Method::POST, "/pets").await;
    assert_eq!((r.status.as_u16(), r.text().as_str()), (201, "pets-post"));
    assert_eq!(f.body(Method::GET, "/pets/dogs").await, "dogs");
    assert_eq!(f.body(Method::GET, "/pets/7").await, "pet");
    // Measured on AWS: /users/me (PATCH) + /users/{userId} (GET).
    assert_eq!(f.body(Method::GET, "/users/me").await, "user-get");
    assert_eq!(f.body(Method::PATCH, "/users/me").await, "me-patch");
    f.assert_missing_token(Method::POST, "/users/me").await;
    // Measured on AWS: /things/real (GET) + /things/{proxy+} (ANY).
    assert_eq!(f.body(Method::POST, "/things/real").await, "things-greedy");
    assert_eq!(f.body(Method::GET, "/things/real").await, "real-get");
    assert_eq!(f.body(Method::GET, "/things/a/b/c").await, "things-greedy");
    // Explicit verb over ANY on one resource.
    assert_eq!(f.body(Method::GET, "/a").await, "a-get");
    assert_eq!(f.body(Method::DELETE, "/a").await, "a-any");
    assert_eq!(f.body(Method::GET, "/deep/1/b/2").await, "deep");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_paths_and_verbs_answer_missing_authentication_token() {
    let f = start();
    f.assert_missing_token(Method::GET, "/nope").await;
    f.assert_missing_token(Method::DELETE, "/pets").await;
    // HEAD is not derived from GET and OPTIONS is not auto-answered.
    f.assert_missing_token(Method::HEAD, "/head").await;
    f.assert_missing_token(Method::OPTIONS, "/pets").await;
    // An OPTIONS-only resource captures no other verb; /{proxy+} needs a segment.
    f.assert_missing_token(Method::GET, "/only-options").await;
    f.assert_missing_token(Method::GET, "/things").await;
    // DEFAULT_4XX's header customisation applies to the uncustomised type.
    let r = f.call(Method::GET, "/nope").await;
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert!(r.header("x-amzn-RequestId").is_some());
    assert!(r.header("x-amzn-trace-id").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn head_and_options_route_to_any() {
    let f = start();
    let r = f.call(Method::HEAD, "/a").await;
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    assert_eq!(f.body(Method::OPTIONS, "/a").await, "a-any");
    assert_eq!(f.body(Method::OPTIONS, "/only-options").await, "options");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_stage_and_api_are_forbidden() {
    let f = start();
    for url in [
        f.server.url(&f.id, "nostage", "/pets"),
        f.server.url("zzzzzzzzzz", "prod", "/pets"),
    ] {
        let r = f.http.get(&url).await;
        assert_eq!(r.status, 403, "{url}");
        assert_eq!(r.text(), r#"{"message":"Forbidden"}"#);
        assert_eq!(r.header("x-amzn-ErrorType"), Some("ForbiddenException"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_invoke_url_form_reaches_the_api() {
    let f = start();
    let host = format!("{}.execute-api.localhost", f.id);
    let r = f
        .http
        .send(
            Method::GET,
            &format!("http://{}/prod/pets/dogs", f.server.data),
            &[("host", &host)],
            "",
        )
        .await;
    assert_eq!(r.text(), "dogs");
    let r = f
        .http
        .get(&format!(
            "http://{}/restapis/{}/prod/_user_request_/pets/dogs",
            f.server.data, f.id
        ))
        .await;
    assert_eq!(r.text(), "dogs");
    let r = f.http.get(&f.server.url(&f.id, "prod", "/pets/dogs")).await;
    assert_eq!(r.text(), "dogs");
    // By unique API name (local convenience).
    let r = f
        .http
        .get(&f.server.url("routing", "prod", "/pets/dogs"))
        .await;
    assert_eq!(r.text(), "dogs");
    // Extra slashes right after the stage are collapsed for routing.
    let r = f
        .http
        .get(&f.server.url(&f.id, "prod", "//pets/dogs"))
        .await;
    assert_eq!(r.text(), "dogs");
    // A host that names no API and a path in no invoke form.
    let r = f.http.get(&format!("http://{}/pets", f.server.data)).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.text(), r#"{"message":"Missing Authentication Token"}"#);
}

#[tokio::test(flavor = "multi_thread")]
async fn method_override_header_changes_the_routed_verb() {
    let f = start();
    let r = f
        .http
        .send(
            Method::POST,
            &f.server.url(&f.id, "prod", "/users/me"),
            &[("x-http-method-override", "PATCH")],
            "",
        )
        .await;
    assert_eq!(r.text(), "me-patch");
}

#[tokio::test(flavor = "multi_thread")]
async fn mock_responses_carry_aws_headers() {
    let f = start();
    let r = f.call(Method::GET, "/pets").await;
    assert_eq!(r.header("content-type"), Some("application/json"));
    let id = r.header("x-amzn-RequestId").unwrap();
    assert_eq!(id.len(), 36, "{id}");
    assert!(r.header("x-amz-apigw-id").is_some());
    assert!(
        r.header("x-amzn-trace-id").is_none(),
        "MOCK responses carry no trace id"
    );
    // A client UUID is reused, anything else replaced.
    let mine = "4b2f1c3e-8f7a-4d2b-9c1e-0a1b2c3d4e5f";
    let r = f
        .http
        .send(
            Method::GET,
            &f.server.url(&f.id, "prod", "/pets"),
            &[("x-amzn-RequestId", mine)],
            "",
        )
        .await;
    assert_eq!(r.header("x-amzn-RequestId"), Some(mine));
    let r = f
        .http
        .send(
            Method::GET,
            &f.server.url(&f.id, "prod", "/pets"),
            &[("x-amzn-RequestId", "not-a-uuid")],
            "",
        )
        .await;
    assert_ne!(r.header("x-amzn-RequestId"), Some("not-a-uuid"));
}

#[tokio::test(flavor = "multi_thread")]
async fn customised_gateway_responses() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc = routing_api();
    doc["x-amazon-apigateway-gateway-responses"] = json!({
        "MISSING_AUTHENTICATION_TOKEN": {
            "statusCode": "404",
            "responseParameters": {"gatewayresponse.header.x-stage": "context.stage"},
            "responseTemplates": {"application/json": "{\"error\":$context.error.messageString,\"type\":\"$context.error.responseType\",\"path\":\"$context.path\"}"}
        }
    });
    let file = write_definition(dir.path(), "gr.json", &doc);
    let server = Tollgate::start(
        &dir.path().join("data"),
        &["--api", file.to_str().unwrap(), "--stage", "prod"],
    );
    let id = server.api_id("routing");
    let r = Http::default().get(&server.url(&id, "prod", "/nope")).await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.text(),
        r#"{"error":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN","path":"/prod/nope"}"#
    );
    assert_eq!(r.header("x-stage"), Some("prod"));
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("MissingAuthenticationTokenException")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn oversize_requests_get_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let f = start();
    // The client announces 10 MB + 1 and starts sending; the gateway answers before reading it.
    let mut stream = tokio::net::TcpStream::connect(f.server.data).await.unwrap();
    let head = format!(
        "POST /_aws/execute-api/{}/prod/pets HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\n\r\n",
        f.id,
        10 * 1024 * 1024 + 1
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let _ = stream.write_all(&[b'a'; 4096]).await;
    let mut response = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        stream.read_to_end(&mut response),
    )
    .await;
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 413 "), "{text}");
    assert!(
        text.ends_with(r#"{"message":"Request Too Long"}"#),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn custom_domain_names_with_base_path_mappings() {
    let f = start();
    let data = f.server.data_dir.to_str().unwrap().to_owned();
    let run = |args: &[&str]| {
        let out = common::tollgate(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["domains", "create", "--data-dir", &data, "api.example.test"]);
    run(&[
        "domains",
        "map",
        "--data-dir",
        &data,
        "api.example.test",
        "--api",
        &f.id,
        "--stage",
        "prod",
        "--base-path",
        "v1",
    ]);
    run(&["domains", "create", "--data-dir", &data, "*.apps.test"]);
    run(&[
        "domains",
        "map",
        "--data-dir",
        &data,
        "*.apps.test",
        "--api",
        &f.id,
    ]);
    let base = format!("http://{}", f.server.data);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let r = f
            .http
            .send(
                Method::GET,
                &format!("{base}/v1/pets/dogs"),
                &[("host", "api.example.test")],
                "",
            )
            .await;
        if r.status == 200 {
            assert_eq!(r.text(), "dogs");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "mapping not picked up: {}",
            r.text()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Base path (none) without a stage: the first segment names the stage; wildcard domain.
    // (The mappings were stored one by one: wait until the last one is live too.)
    let mut r = f
        .http
        .send(
            Method::GET,
            &format!("{base}/prod/pets/7"),
            &[("host", "x.apps.test:8080")],
            "",
        )
        .await;
    while r.status != 200 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        r = f
            .http
            .send(
                Method::GET,
                &format!("{base}/prod/pets/7"),
                &[("host", "x.apps.test:8080")],
                "",
            )
            .await;
    }
    assert_eq!(r.text(), "pet");
    // A base path that is not mapped on a known domain.
    let r = f
        .http
        .send(
            Method::GET,
            &format!("{base}/v2/pets"),
            &[("host", "api.example.test")],
            "",
        )
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_requests_are_refused_and_the_gateway_keeps_serving() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let f = start();
    let long_path = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(100_000));
    let huge_header = format!(
        "GET / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "b".repeat(1_000_000)
    );
    for garbage in [
        "GARBAGE\r\n\r\n".to_owned(),
        "GET /\u{0}\u{1} HTTP/1.1\r\n\r\n".to_owned(),
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n".to_owned(),
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n".to_owned(),
        long_path,
        huge_header,
    ] {
        let mut stream = tokio::net::TcpStream::connect(f.server.data).await.unwrap();
        let _ = stream.write_all(garbage.as_bytes()).await;
        let mut response = Vec::new();
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            stream.read_to_end(&mut response),
        )
        .await;
        let text = String::from_utf8_lossy(&response);
        assert!(
            text.is_empty() || text.starts_with("HTTP/1.1 4"),
            "{:?}: {text}",
            &garbage[..garbage.len().min(40)]
        );
    }
    // Non-ASCII and percent-encoded oddities in a well-formed request get gateway responses.
    let r = f.call(Method::GET, "/pets/%FF%FE").await;
    assert_eq!(r.text(), "pet");
    let r = f.call(Method::GET, "/%00/x").await;
    assert_eq!(r.status, 403);
    assert_eq!(f.body(Method::GET, "/pets").await, "pets-get");
}
