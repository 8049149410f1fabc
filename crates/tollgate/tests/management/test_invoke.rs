//! TestInvokeMethod and TestInvokeAuthorizer through the SDK against a real `tollgate serve`: the
//! undeployed definition run on the data plane's own runtime (a MOCK with mapping templates, an
//! HTTP_PROXY to a real backend, a Lambda proxy to a real `lambda_http` function, a real Lambda
//! authorizer), authorizers and API keys skipped, AWS's execution log line by line, and AWS's
//! 404s.

use std::collections::HashMap;

use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::error::ProvideErrorMetadata;
use aws_sdk_apigateway::primitives::Blob;
use serde_json::{Value, json};

use crate::common;
use crate::sdk::{client_at, get_until, replace};

/// Imports `doc` (OpenAPI 3 with AWS's extensions) as a new API; returns its id.
async fn import(sdk: &Client, doc: &Value) -> String {
    let api = sdk
        .import_rest_api()
        .body(Blob::new(doc.to_string()))
        .send()
        .await
        .expect("imported");
    api.id().expect("id").to_owned()
}

/// The id of the resource at `path`.
async fn resource(sdk: &Client, api_id: &str, path: &str) -> String {
    let all = sdk
        .get_resources()
        .rest_api_id(api_id)
        .limit(500)
        .send()
        .await
        .expect("resources");
    all.items()
        .iter()
        .find(|r| r.path() == Some(path))
        .and_then(|r| r.id())
        .unwrap_or_else(|| panic!("no resource {path}"))
        .to_owned()
}

/// The request id and the messages of an execution log, every line checked for AWS's form:
/// `Execution log for request {id}`, then `{Sun May 07 05:37:15 UTC 2017} : {message}` lines,
/// and a final newline. Integration latencies read `<n>`.
fn messages(log: &str) -> (String, Vec<String>) {
    assert!(log.ends_with('\n'), "{log}");
    let mut lines = log.lines();
    let first = lines.next().expect("a first line");
    let id = first
        .strip_prefix("Execution log for request ")
        .unwrap_or_else(|| panic!("first line: {first}"))
        .to_owned();
    let messages = lines
        .map(|line| {
            let (stamp, message) = line
                .split_once(" : ")
                .unwrap_or_else(|| panic!("no timestamp: {line}"));
            let parts: Vec<&str> = stamp.split(' ').collect();
            let shaped = parts.len() == 6
                && parts[0].len() == 3
                && parts[1].len() == 3
                && parts[2].len() == 2
                && parts[3].len() == 8
                && parts[3].as_bytes()[2] == b':'
                && parts[4] == "UTC"
                && parts[5].len() == 4
                && parts[5].bytes().all(|b| b.is_ascii_digit());
            assert!(shaped, "timestamp not in AWS's format: {line}");
            latency_elided(message)
        })
        .collect();
    (id, messages)
}

fn latency_elided(message: &str) -> String {
    match message.split_once("Integration latency: ") {
        Some((head, tail)) => {
            let ms = tail.strip_suffix(" ms").expect("latency in ms");
            assert!(ms.bytes().all(|b| b.is_ascii_digit()), "{message}");
            format!("{head}Integration latency: <n> ms")
        }
        None => message.to_owned(),
    }
}

fn expect_error(e: impl ProvideErrorMetadata, code: &str, message: &str) {
    assert_eq!(
        (
            e.code().unwrap_or_default(),
            e.message().unwrap_or_default()
        ),
        (code, message)
    );
}

fn headers(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn multi(pairs: &[(&str, &[&str])]) -> HashMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
        .collect()
}

/// A Lambda integration or authorizer URI for the function `name`.
fn lambda_uri(name: &str) -> String {
    format!(
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:{name}/invocations"
    )
}

/// Declares the test function `binary` as the function `name` in `data`.
fn create_function(data: &std::path::Path, name: &str, binary: &str) {
    let code = tollgate_testfns::bootstrap_dir(binary);
    let out = common::tollgate(&[
        "functions",
        "create",
        name,
        "--runtime",
        "provided.al2023",
        "--code",
        code.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `GET /pets/{petId}`: a MOCK whose templates show the parameters, stage variables and
/// context; it needs an API key and a Lambda authorizer (of a function that does not exist).
fn pets_api() -> Value {
    json!({
        "openapi": "3.0.1",
        "info": {"title": "pets", "version": "1"},
        "components": {"securitySchemes": {
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
            "gate": {"type": "apiKey", "name": "Authorization", "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {"type": "token",
                    "authorizerUri": lambda_uri("no-such-function")}}
        }},
        "paths": {"/pets/{petId}": {"get": {
            "parameters": [{"name": "petId", "in": "path", "required": true, "schema": {"type": "string"}}],
            "security": [{"api_key": []}, {"gate": []}],
            "responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-integration": {
                "type": "mock",
                "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                "responses": {"default": {"statusCode": "200", "responseTemplates": {
                    "application/json": "{\"v\": \"1\", \"petId\": \"$input.params('petId')\", \"q\": \"$input.params('q')\", \"stage\": \"$context.stage\", \"color\": \"$stageVariables.color\", \"ip\": \"$context.identity.sourceIp\"}"
                }}}
            }
        }}}
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn mock_methods_run_undeployed_with_aws_log_and_without_authorizers_or_keys() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Tollgate::start(&dir.path().join("data"), &[]);
    let sdk = client_at(server.admin);
    let api_id = import(&sdk, &pets_api()).await;
    let pet = resource(&sdk, &api_id, "/pets/{petId}").await;

    // Neither an API key nor a token: test invocations skip both, as AWS's do.
    let r = sdk
        .test_invoke_method()
        .rest_api_id(&api_id)
        .resource_id(&pet)
        .http_method("GET")
        .path_with_query_string("/pets/42?q=x&q=y")
        .headers("X-Test", "1")
        .stage_variables("color", "blue")
        .send()
        .await
        .expect("test invoke");
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.body(),
        Some(
            r#"{"v": "1", "petId": "42", "q": "y", "stage": "test-invoke-stage", "color": "blue", "ip": "test-invoke-source-ip"}"#
        )
    );
    assert_eq!(
        r.headers(),
        Some(&headers(&[("Content-Type", "application/json")]))
    );
    assert_eq!(
        r.multi_value_headers(),
        Some(&multi(&[("Content-Type", &["application/json"])]))
    );
    assert!(r.latency() >= 0);
    let (id, lines) = messages(r.log().expect("log"));
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_eq!(
        lines,
        [
            format!("Starting execution for request: {id}"),
            "HTTP Method: GET, Resource Path: /pets/42".to_owned(),
            "Method request path: {petId=42}".to_owned(),
            "Method request query string: {q=y}".to_owned(),
            "Method request headers: {X-Test=1}".to_owned(),
            "Method request body before transformations: ".to_owned(),
            r#"Method response body after transformations: {"v": "1", "petId": "42", "q": "y", "stage": "test-invoke-stage", "color": "blue", "ip": "test-invoke-source-ip"}"#.to_owned(),
            "Method response headers: {Content-Type=application/json}".to_owned(),
            "Successfully completed execution".to_owned(),
            "Method completed with status: 200".to_owned(),
        ]
    );

    // Without a path, AWS uses the resource's own path: `{petId}` is the parameter's value.
    let r = sdk
        .test_invoke_method()
        .rest_api_id(&api_id)
        .resource_id(&pet)
        .http_method("GET")
        .send()
        .await
        .expect("test invoke");
    let body: Value = serde_json::from_str(r.body().unwrap()).unwrap();
    assert_eq!(
        (body["petId"].clone(), body["q"].clone()),
        (json!("{petId}"), json!(""))
    );
    let (_, lines) = messages(r.log().unwrap());
    assert_eq!(lines[1], "HTTP Method: GET, Resource Path: /pets/{petId}");
    assert_eq!(lines[2], "Method request path: {petId={petId}}");
    // A path that does not fit the resource: no path parameters, and the method still runs.
    let r = sdk
        .test_invoke_method()
        .rest_api_id(&api_id)
        .resource_id(&pet)
        .http_method("GET")
        .path_with_query_string("/random/test")
        .send()
        .await
        .expect("test invoke");
    assert_eq!(r.status(), 200);
    let body: Value = serde_json::from_str(r.body().unwrap()).unwrap();
    assert_eq!(body["petId"], "");
    let (_, lines) = messages(r.log().unwrap());
    assert_eq!(lines[1], "HTTP Method: GET, Resource Path: /random/test");
    assert_eq!(lines[2], "Method request path: {}");

    // Deployed, then changed: the stage keeps serving the deployment, tests run the change.
    sdk.update_method()
        .rest_api_id(&api_id)
        .resource_id(&pet)
        .http_method("GET")
        .patch_operations(replace("/apiKeyRequired", "false"))
        .patch_operations(replace("/authorizationType", "NONE"))
        .send()
        .await
        .expect("opened");
    sdk.create_deployment()
        .rest_api_id(&api_id)
        .stage_name("prod")
        .send()
        .await
        .expect("deployed");
    let url = server.url(&api_id, "prod", "/pets/7");
    let v1 =
        r#"{"v": "1", "petId": "7", "q": "", "stage": "prod", "color": "", "ip": "127.0.0.1"}"#;
    let served = get_until(&url, 200, "\"v\": \"1\"").await;
    assert_eq!(served.text(), v1);
    sdk.update_integration_response()
        .rest_api_id(&api_id)
        .resource_id(&pet)
        .http_method("GET")
        .status_code("200")
        .patch_operations(replace(
            "/responseTemplates/application~1json",
            r#"{"v": "2", "petId": "$input.params('petId')"}"#,
        ))
        .send()
        .await
        .expect("changed");
    let r = sdk
        .test_invoke_method()
        .rest_api_id(&api_id)
        .resource_id(&pet)
        .http_method("GET")
        .path_with_query_string("/pets/7")
        .send()
        .await
        .expect("test invoke");
    assert_eq!(r.body(), Some(r#"{"v": "2", "petId": "7"}"#));
    let served = common::Http::default().get(&url).await;
    assert_eq!(served.text(), v1, "the stage still serves the deployment");

    // AWS's 404s: an unknown method (no ANY to fall back on), resource, API.
    let e = sdk
        .test_invoke_method()
        .rest_api_id(&api_id)
        .resource_id(&pet)
        .http_method("HEAD")
        .send()
        .await
        .expect_err("no HEAD");
    expect_error(
        e.into_service_error(),
        "NotFoundException",
        "Invalid Method identifier specified",
    );
    let e = sdk
        .test_invoke_method()
        .rest_api_id(&api_id)
        .resource_id("nothere")
        .http_method("GET")
        .send()
        .await
        .expect_err("no resource");
    expect_error(
        e.into_service_error(),
        "NotFoundException",
        "Invalid Resource identifier specified",
    );
    let e = sdk
        .test_invoke_method()
        .rest_api_id("nosuchapi0")
        .resource_id(&pet)
        .http_method("GET")
        .send()
        .await
        .expect_err("no API");
    expect_error(
        e.into_service_error(),
        "NotFoundException",
        "Invalid API identifier specified 000000000000:nosuchapi0",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn http_proxy_methods_call_the_real_backend_and_log_both_sides() {
    let backend = common::backend::echo().await;
    let dir = tempfile::tempdir().unwrap();
    let server = common::Tollgate::start(&dir.path().join("data"), &[]);
    let sdk = client_at(server.admin);
    let doc = json!({
        "openapi": "3.0.1",
        "info": {"title": "proxied", "version": "1"},
        "paths": {
            "/items/{id}": {"post": {
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": {
                    "type": "http_proxy", "httpMethod": "POST",
                    "uri": format!("http://{backend}/items/{{id}}"),
                    "requestParameters": {"integration.request.path.id": "method.request.path.id"}
                }
            }},
            "/broken": {"get": {
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": {
                    "type": "http_proxy", "httpMethod": "GET",
                    "uri": "http://${stageVariables.host}/x"
                }
            }}
        }
    });
    let api_id = import(&sdk, &doc).await;
    let items = resource(&sdk, &api_id, "/items/{id}").await;
    let r = sdk
        .test_invoke_method()
        .rest_api_id(&api_id)
        .resource_id(&items)
        .http_method("POST")
        .path_with_query_string("/items/7?a=1")
        .headers("Content-Type", "text/plain")
        .headers("X-Test", "1")
        .body("hello")
        .send()
        .await
        .expect("test invoke");
    assert_eq!(r.status(), 200, "{:?}", r.log());
    let echo: Value = serde_json::from_str(r.body().expect("body")).expect("the echo");
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["path"], "/items/7");
    assert_eq!(echo["query"], "a=1");
    assert_eq!(echo["body"], "hello");
    assert_eq!(echo["headers"]["x-test"], json!(["1"]));
    assert_eq!(echo["headers"]["content-type"], json!(["text/plain"]));
    assert_eq!(echo["headers"]["x-amzn-apigateway-api-id"], json!([api_id]));
    let h = r.headers().expect("headers");
    assert_eq!(
        h.get("Content-Type").map(String::as_str),
        Some("application/json")
    );
    assert_eq!(h.get("X-Backend").map(String::as_str), Some("echo"));
    assert_eq!(
        h.get("x-amzn-Remapped-Server").map(String::as_str),
        Some("echo-backend")
    );
    assert_eq!(h.get("Set-Cookie").map(String::as_str), Some("b=2"));
    assert!(!h.contains_key("Content-Length"));
    assert_eq!(
        r.multi_value_headers().expect("multi").get("Set-Cookie"),
        Some(&vec!["a=1".to_owned(), "b=2".to_owned()])
    );
    let (id, lines) = messages(r.log().unwrap());
    let endpoint = format!("http://{backend}/items/7?a=1");
    let echo_text = r.body().unwrap();
    assert_eq!(lines.len(), 17, "{lines:#?}");
    assert_eq!(
        lines[..7],
        [
            format!("Starting execution for request: {id}"),
            "HTTP Method: POST, Resource Path: /items/7".to_owned(),
            "Method request path: {id=7}".to_owned(),
            "Method request query string: {a=1}".to_owned(),
            "Method request headers: {Content-Type=text/plain, X-Test=1}".to_owned(),
            "Method request body before transformations: hello".to_owned(),
            format!("Endpoint request URI: {endpoint}"),
        ]
    );
    assert!(
        lines[7].starts_with("Endpoint request headers: {Content-Type=text/plain, X-Test=1, ")
            && lines[7].contains(&format!("x-amzn-apigateway-api-id={api_id}"))
            && lines[7].contains("X-Amzn-Trace-Id=Root=1-"),
        "{}",
        lines[7]
    );
    assert_eq!(
        lines[8..11],
        [
            "Endpoint request body after transformations: hello".to_owned(),
            format!("Sending request to {endpoint}"),
            "Received response. Status: 200, Integration latency: <n> ms".to_owned(),
        ]
    );
    assert!(
        lines[11].starts_with("Endpoint response headers: {Content-Type=application/json, ")
            && lines[11].contains("Server=echo-backend")
            && lines[11].contains("Set-Cookie=a=1,b=2"),
        "{}",
        lines[11]
    );
    assert_eq!(
        lines[12..14],
        [
            format!("Endpoint response body before transformations: {echo_text}"),
            format!("Method response body after transformations: {echo_text}"),
        ]
    );
    assert!(
        lines[14].starts_with("Method response headers: {Content-Type=application/json, ")
            && lines[14].contains("x-amzn-Remapped-Server=echo-backend"),
        "{}",
        lines[14]
    );
    assert_eq!(
        lines[15..],
        [
            "Successfully completed execution".to_owned(),
            "Method completed with status: 200".to_owned(),
        ]
    );

    // An endpoint address built from a stage variable the test does not give.
    let broken = resource(&sdk, &api_id, "/broken").await;
    let r = sdk
        .test_invoke_method()
        .rest_api_id(&api_id)
        .resource_id(&broken)
        .http_method("GET")
        .send()
        .await
        .expect("test invoke");
    assert_eq!(r.status(), 500);
    assert_eq!(r.body(), Some(r#"{"message":"Internal server error"}"#));
    assert_eq!(
        r.headers(),
        Some(&headers(&[(
            "x-amzn-ErrorType",
            "InternalServerErrorException"
        )]))
    );
    let (id, lines) = messages(r.log().unwrap());
    assert_eq!(
        lines,
        [
            format!("Starting execution for request: {id}"),
            "HTTP Method: GET, Resource Path: /broken".to_owned(),
            "Method request path: {}".to_owned(),
            "Method request query string: {}".to_owned(),
            "Method request headers: {}".to_owned(),
            "Method request body before transformations: ".to_owned(),
            "Execution failed due to configuration error: Invalid endpoint address".to_owned(),
            "Method completed with status: 500".to_owned(),
        ]
    );
    // With the variable, the same method reaches the backend.
    let r = sdk
        .test_invoke_method()
        .rest_api_id(&api_id)
        .resource_id(&broken)
        .http_method("GET")
        .stage_variables("host", backend.to_string())
        .send()
        .await
        .expect("test invoke");
    assert_eq!(r.status(), 200);
    let echo: Value = serde_json::from_str(r.body().unwrap()).unwrap();
    assert_eq!(echo["path"], "/x");
}

#[tokio::test(flavor = "multi_thread")]
async fn lambda_proxy_methods_invoke_the_real_function_with_a_test_event() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    create_function(&data, "echo-http", "http");
    let server = common::Tollgate::start(&data, &[]);
    let sdk = client_at(server.admin);
    let doc = json!({
        "openapi": "3.0.1",
        "info": {"title": "functions", "version": "1"},
        "paths": {"/http/{proxy+}": {"x-amazon-apigateway-any-method": {
            "parameters": [{"name": "proxy", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": {},
            "x-amazon-apigateway-integration": {
                "type": "aws_proxy", "httpMethod": "POST", "uri": lambda_uri("echo-http")
            }
        }}}
    });
    let api_id = import(&sdk, &doc).await;
    let proxy = resource(&sdk, &api_id, "/http/{proxy+}").await;
    let r = sdk
        .test_invoke_method()
        .rest_api_id(&api_id)
        .resource_id(&proxy)
        .http_method("POST")
        .path_with_query_string("/http/a/b?x=1&x=2")
        .headers("content-type", "text/plain")
        .multi_value_headers("x-custom", vec!["v1".to_owned(), "v2".to_owned()])
        .body("hello")
        .send()
        .await
        .expect("test invoke");
    assert_eq!(r.status(), 200, "{:?}", r.log());
    let echo: Value = serde_json::from_str(r.body().expect("body")).expect("the echo");
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["raw_path"], "/http/a/b");
    // `lambda_http` puts the stage in front, as it does on AWS.
    assert_eq!(echo["path"], "/test-invoke-stage/http/a/b");
    assert_eq!(echo["query"], json!({"x": ["1", "2"]}));
    assert_eq!(echo["path_parameters"], json!({"proxy": ["a/b"]}));
    // Only the test's headers (and the trace id `lambda_http` adds from the invocation): no
    // X-Forwarded-* for a request that came on no connection.
    let mut got = echo["headers"].as_object().expect("headers").clone();
    assert!(
        got.remove("x-amzn-trace-id")
            .is_some_and(|t| t[0].as_str().is_some_and(|t| t.starts_with("Root=1-")))
    );
    // `lambda_http` lets the single-value `headers` win over `multiValueHeaders`.
    assert_eq!(
        Value::Object(got),
        json!({"content-type": ["text/plain"], "x-custom": ["v2"]})
    );
    assert_eq!(echo["body"], "hello");
    assert_eq!(echo["stage"], "test-invoke-stage");
    assert_eq!(echo["resource_path"], "/http/{proxy+}");
    assert_eq!(echo["source_ip"], "test-invoke-source-ip");
    let context = &echo["request_context"];
    assert_eq!(context["path"], "/http/{proxy+}");
    assert_eq!(context["domainName"], "testPrefix.testDomainName");
    assert_eq!(context["domainPrefix"], "testPrefix");
    assert_eq!(context["identity"]["apiKey"], "test-invoke-api-key");
    assert_eq!(context["identity"]["apiKeyId"], "test-invoke-api-key-id");
    let h = r.headers().expect("headers");
    assert_eq!(h.get("X-Echo-Method").map(String::as_str), Some("POST"));
    assert_eq!(
        h.get("Content-Type").map(String::as_str),
        Some("application/json")
    );
    assert!(
        h.get("X-Amzn-Trace-Id")
            .is_some_and(|t| t.starts_with("Root=1-"))
    );
    assert_eq!(
        r.multi_value_headers().expect("multi").get("X-Echo-Multi"),
        Some(&vec!["a".to_owned(), "b".to_owned()])
    );

    let (id, lines) = messages(r.log().unwrap());
    let invoke = "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:echo-http/invocations";
    assert_eq!(lines.len(), 15, "{lines:#?}");
    assert_eq!(
        lines[..7],
        [
            format!("Starting execution for request: {id}"),
            "HTTP Method: POST, Resource Path: /http/a/b".to_owned(),
            "Method request path: {proxy=a/b}".to_owned(),
            "Method request query string: {x=2}".to_owned(),
            "Method request headers: {content-type=text/plain, x-custom=v1,v2}".to_owned(),
            "Method request body before transformations: hello".to_owned(),
            format!("Endpoint request URI: {invoke}"),
        ]
    );
    assert!(
        lines[7].starts_with(
            r#"Endpoint request body after transformations: {"resource":"/http/{proxy+}","path":"/http/a/b","httpMethod":"POST","headers":{"Content-Type":"text/plain","X-Custom":"v2"},"multiValueHeaders":{"Content-Type":["text/plain"],"X-Custom":["v1","v2"]},"queryStringParameters":{"x":"2"}"#
        ),
        "{}",
        lines[7]
    );
    assert_eq!(
        lines[8..10],
        [
            format!("Sending request to {invoke}"),
            "Received response. Status: 200, Integration latency: <n> ms".to_owned(),
        ]
    );
    assert!(
        lines[10]
            .starts_with(r#"Endpoint response body before transformations: {"statusCode":200"#),
        "{}",
        lines[10]
    );
    // Logged values are cut after 1,000 characters, as AWS marks them.
    let body = r.body().unwrap();
    assert!(body.len() > 1000 && body.is_ascii());
    assert_eq!(
        lines[11],
        format!(
            "Method response body after transformations: {} [TRUNCATED]",
            &body[..1000]
        )
    );
    assert!(
        lines[12].starts_with("Method response headers: {")
            && lines[12].contains("X-Echo-Multi=a,b"),
        "{}",
        lines[12]
    );
    assert_eq!(
        lines[13..],
        [
            "Successfully completed execution".to_owned(),
            "Method completed with status: 200".to_owned(),
        ]
    );
}

/// An API with a TOKEN and a REQUEST authorizer of the function `auth`, and `GET /guarded`, a
/// MOCK that needs the TOKEN authorizer and an API key.
fn guarded_api() -> Value {
    json!({
        "openapi": "3.0.1",
        "info": {"title": "guarded", "version": "1"},
        "components": {"securitySchemes": {
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
            "tok": {"type": "apiKey", "name": "Authorization", "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {"type": "token", "authorizerUri": lambda_uri("auth")}},
            "req": {"type": "apiKey", "name": "token", "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {"type": "request", "authorizerUri": lambda_uri("auth"),
                    "identitySource": "method.request.header.token",
                    "authorizerResultTtlInSeconds": 0}}
        }},
        "paths": {"/guarded": {"get": {
            "security": [{"api_key": []}, {"tok": []}],
            "responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-integration": {
                "type": "mock",
                "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                "responses": {"default": {"statusCode": "200",
                    "responseTemplates": {"application/json": "{\"open\": true}"}}}
            }
        }}}
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn lambda_authorizers_are_tested_with_the_real_function() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    create_function(&data, "auth", "authorizer");
    let server = common::Tollgate::start(&data, &[]);
    let sdk = client_at(server.admin);
    let api_id = import(&sdk, &guarded_api()).await;
    let authorizers = sdk
        .get_authorizers()
        .rest_api_id(&api_id)
        .send()
        .await
        .expect("authorizers");
    let id_of = |name: &str| {
        authorizers
            .items()
            .iter()
            .find(|a| a.name() == Some(name))
            .and_then(|a| a.id())
            .unwrap_or_else(|| panic!("no authorizer {name}"))
            .to_owned()
    };
    let (tok, req) = (id_of("tok"), id_of("req"));
    let invoke = "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations";
    let method_arn =
        format!("arn:aws:execute-api:us-east-1:000000000000:{api_id}/ESTestInvoke-stage/GET/");
    let policy = |effect: &str, resource: &str| {
        json!({"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]})
    };

    // Allowed: the function's principal, policy and context; AWS's log.
    let r = sdk
        .test_invoke_authorizer()
        .rest_api_id(&api_id)
        .authorizer_id(&tok)
        .headers("Authorization", "Bearer allow-alice")
        .send()
        .await
        .expect("test invoke");
    assert_eq!(r.client_status(), 0, "{:?}", r.log());
    assert_eq!(r.principal_id(), Some("alice"));
    let got: Value = serde_json::from_str(r.policy().expect("policy")).unwrap();
    assert_eq!(got, policy("Allow", &method_arn));
    assert_eq!(
        r.authorization(),
        Some(&multi(&[
            ("principal", &["alice"]),
            ("tier", &["gold"]),
            ("n", &["3"])
        ]))
    );
    assert_eq!(r.claims(), None);
    let (id, lines) = messages(r.log().unwrap());
    assert_eq!(lines.len(), 8, "{lines:#?}");
    assert_eq!(
        lines[..5],
        [
            format!("Starting authorizer: {tok} for request: {id}"),
            "Incoming identity: ************-alice".to_owned(),
            format!("Endpoint request URI: {invoke}"),
            format!(
                r#"Endpoint request body after transformations: {{"type":"TOKEN","authorizationToken":"Bearer allow-alice","methodArn":"{method_arn}"}}"#
            ),
            format!("Sending request to {invoke}"),
        ]
    );
    assert!(
        lines[5].starts_with(
            r#"Authorizer result body before parsing: {"principalId":"alice","policyDocument":"#
        ),
        "{}",
        lines[5]
    );
    assert_eq!(
        lines[6..],
        [
            "Using valid authorizer policy for principal: *****".to_owned(),
            "Successfully completed authorizer execution".to_owned(),
        ]
    );

    // Denied by the returned policy: 403, with what the function said.
    let r = sdk
        .test_invoke_authorizer()
        .rest_api_id(&api_id)
        .authorizer_id(&tok)
        .headers("Authorization", "Bearer deny")
        .send()
        .await
        .expect("test invoke");
    assert_eq!(r.client_status(), 403);
    assert_eq!(r.principal_id(), Some("denied"));
    let got: Value = serde_json::from_str(r.policy().expect("policy")).unwrap();
    assert_eq!(got, policy("Deny", "*"));
    assert_eq!(r.authorization(), None);
    let (_, lines) = messages(r.log().unwrap());
    assert_eq!(
        lines[lines.len() - 3..],
        [
            "Using valid authorizer policy for principal: ******".to_owned(),
            "Successfully completed authorizer execution".to_owned(),
            "The client is not authorized to perform this operation.".to_owned(),
        ]
    );

    // The function's `Unauthorized`: 401, no principal.
    let r = sdk
        .test_invoke_authorizer()
        .rest_api_id(&api_id)
        .authorizer_id(&tok)
        .headers("Authorization", "Bearer unauthorized")
        .send()
        .await
        .expect("test invoke");
    assert_eq!(r.client_status(), 401);
    assert_eq!((r.principal_id(), r.policy()), (None, None));
    let (id, lines) = messages(r.log().unwrap());
    assert!(
        lines[5].starts_with("Authorizer result body before parsing: {")
            && lines[5].contains(r#""errorMessage":"Unauthorized""#),
        "{}",
        lines[5]
    );
    assert_eq!(
        lines[6..],
        [
            format!("Unauthorized request: {id}"),
            "Unauthorized".to_owned()
        ]
    );

    // No token: 401 without calling the function.
    let r = sdk
        .test_invoke_authorizer()
        .rest_api_id(&api_id)
        .authorizer_id(&tok)
        .send()
        .await
        .expect("test invoke");
    assert_eq!(r.client_status(), 401);
    let (id, lines) = messages(r.log().unwrap());
    assert_eq!(
        lines,
        [
            format!("Starting authorizer: {tok} for request: {id}"),
            "Incoming identity: ".to_owned(),
            format!("Unauthorized request: {id}"),
            "Unauthorized".to_owned(),
        ]
    );

    // Any other failure of the function: 500, AWS's configuration error.
    let r = sdk
        .test_invoke_authorizer()
        .rest_api_id(&api_id)
        .authorizer_id(&tok)
        .headers("Authorization", "Bearer who-knows")
        .send()
        .await
        .expect("test invoke");
    assert_eq!(r.client_status(), 500);
    let (_, lines) = messages(r.log().unwrap());
    assert_eq!(
        lines[lines.len() - 2..],
        [
            "Execution failed due to configuration error: Authorizer error".to_owned(),
            "AuthorizerConfigurationException".to_owned(),
        ]
    );

    // A REQUEST authorizer gets the test's header and path in its event.
    let r = sdk
        .test_invoke_authorizer()
        .rest_api_id(&api_id)
        .authorizer_id(&req)
        .headers("token", "allow-bob")
        .path_with_query_string("/pets/1?x=1")
        .send()
        .await
        .expect("test invoke");
    assert_eq!(r.client_status(), 0, "{:?}", r.log());
    assert_eq!(r.principal_id(), Some("bob"));
    let request_arn = format!("{method_arn}pets/1");
    let got: Value = serde_json::from_str(r.policy().unwrap()).unwrap();
    assert_eq!(got, policy("Allow", &request_arn));
    let (_, lines) = messages(r.log().unwrap());
    assert_eq!(
        lines[1],
        "Incoming identity: {method.request.header.token=***ow-bob}"
    );
    assert!(
        lines[3].starts_with(&format!(
            r#"Endpoint request body after transformations: {{"type":"REQUEST","methodArn":"{request_arn}","resource":"/pets/1","path":"/pets/1","httpMethod":"GET","headers":{{"token":"allow-bob"}}"#
        )),
        "{}",
        lines[3]
    );

    // The method behind the authorizer and the API key runs without either.
    let guarded = resource(&sdk, &api_id, "/guarded").await;
    let r = sdk
        .test_invoke_method()
        .rest_api_id(&api_id)
        .resource_id(&guarded)
        .http_method("GET")
        .send()
        .await
        .expect("test invoke");
    assert_eq!((r.status(), r.body()), (200, Some(r#"{"open": true}"#)));

    // AWS's 404s, the same for an unknown API.
    for api in [api_id.as_str(), "nosuchapi0"] {
        let e = sdk
            .test_invoke_authorizer()
            .rest_api_id(api)
            .authorizer_id("nope00")
            .send()
            .await
            .expect_err("unknown");
        expect_error(
            e.into_service_error(),
            "NotFoundException",
            "Invalid Authorizer identifier specified",
        );
    }
}

/// A local stand-in for Cognito's JWKS endpoint (`/{pool}/.well-known/jwks.json`) serving the
/// public key of `pair`.
async fn jwks_server(pair: &ring::signature::EcdsaKeyPair) -> std::net::SocketAddr {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use ring::signature::KeyPair as _;
    let point = pair.public_key().as_ref();
    let jwks = json!({"keys": [{"kty": "EC", "kid": "k1", "use": "sig", "crv": "P-256",
        "alg": "ES256", "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
        "y": URL_SAFE_NO_PAD.encode(&point[33..65])}]});
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let body = bytes::Bytes::from(jwks.to_string());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let body = body.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let found = req.uri().path().ends_with("/.well-known/jwks.json");
                        let mut r = http::Response::new(http_body_util::Full::new(if found {
                            body.clone()
                        } else {
                            bytes::Bytes::new()
                        }));
                        if !found {
                            *r.status_mut() = http::StatusCode::NOT_FOUND;
                        }
                        async move { Ok::<_, std::convert::Infallible>(r) }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// A JWT with `claims`, signed ES256 by `pair` (key id `k1`).
fn jwt(pair: &ring::signature::EcdsaKeyPair, claims: &Value) -> String {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = json!({"alg": "ES256", "kid": "k1", "typ": "JWT"});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let sig = pair
        .sign(&ring::rand::SystemRandom::new(), input.as_bytes())
        .unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
}

#[tokio::test(flavor = "multi_thread")]
async fn user_pool_authorizers_are_tested_with_the_tokens_claims() {
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
    let rng = ring::rand::SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
    let pair =
        EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let jwks = jwks_server(&pair).await;
    let pool = "us-east-1_Tollgate";
    let dir = tempfile::tempdir().unwrap();
    let endpoint = format!("http://{jwks}");
    let server =
        common::Tollgate::start(&dir.path().join("data"), &["--cognito-endpoint", &endpoint]);
    let sdk = client_at(server.admin);
    let api = sdk
        .create_rest_api()
        .name("pool")
        .send()
        .await
        .expect("api");
    let api_id = api.id().unwrap().to_owned();
    let authorizer = sdk
        .create_authorizer()
        .rest_api_id(&api_id)
        .name("pool")
        .r#type(aws_sdk_apigateway::types::AuthorizerType::CognitoUserPools)
        .provider_arns(format!(
            "arn:aws:cognito-idp:us-east-1:000000000000:userpool/{pool}"
        ))
        .identity_source("method.request.header.Authorization")
        .send()
        .await
        .expect("authorizer");
    let authorizer_id = authorizer.id().unwrap().to_owned();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let issuer = format!("https://cognito-idp.us-east-1.amazonaws.com/{pool}");
    let token = jwt(
        &pair,
        &json!({"sub": "u-1", "email": "ann@example.com", "iss": issuer, "token_use": "id",
            "aud": "client1", "exp": now + 300, "iat": now}),
    );
    let r = sdk
        .test_invoke_authorizer()
        .rest_api_id(&api_id)
        .authorizer_id(&authorizer_id)
        .headers("Authorization", &token)
        .send()
        .await
        .expect("test invoke");
    assert_eq!(r.client_status(), 0, "{:?}", r.log());
    let claims = r.claims().expect("claims");
    assert_eq!(claims.get("sub").map(String::as_str), Some("u-1"));
    assert_eq!(
        claims.get("email").map(String::as_str),
        Some("ann@example.com")
    );
    assert_eq!(claims.get("token_use").map(String::as_str), Some("id"));
    assert_eq!((r.principal_id(), r.policy()), (None, None));
    let (id, lines) = messages(r.log().unwrap());
    let masked = format!(
        "{}{}",
        "*".repeat(token.len() - 6),
        &token[token.len() - 6..]
    );
    assert_eq!(
        lines,
        [
            format!("Starting authorizer: {authorizer_id} for request: {id}"),
            format!("Incoming identity: {masked}"),
            "Successfully completed authorizer execution".to_owned(),
        ]
    );

    let expired = jwt(
        &pair,
        &json!({"sub": "u-1", "iss": issuer, "token_use": "id", "exp": now - 10, "iat": now - 400}),
    );
    let r = sdk
        .test_invoke_authorizer()
        .rest_api_id(&api_id)
        .authorizer_id(&authorizer_id)
        .headers("Authorization", &expired)
        .send()
        .await
        .expect("test invoke");
    assert_eq!(r.client_status(), 401);
    assert_eq!(r.claims(), None);
    let (id, lines) = messages(r.log().unwrap());
    assert_eq!(
        lines[2..],
        [
            format!("Unauthorized request: {id}"),
            "The incoming token has expired".to_owned(),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn http_methods_validate_and_map_both_ways() {
    let backend = common::backend::echo().await;
    let dir = tempfile::tempdir().unwrap();
    let server = common::Tollgate::start(&dir.path().join("data"), &[]);
    let sdk = client_at(server.admin);
    let doc = json!({
        "openapi": "3.0.1",
        "info": {"title": "typed", "version": "1"},
        "x-amazon-apigateway-request-validators": {
            "body": {"validateRequestBody": true, "validateRequestParameters": false}
        },
        "paths": {"/pets": {"post": {
            "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
            "x-amazon-apigateway-request-validator": "body",
            "responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-integration": {
                "type": "http", "httpMethod": "POST", "uri": format!("http://{backend}/reply"),
                "passthroughBehavior": "never",
                "requestTemplates": {"application/json": "{\"wrapped\": $input.json('$'), \"by\": \"$context.stage\"}"},
                "responses": {"default": {"statusCode": "200",
                    "responseTemplates": {"application/json": "{\"name\": $input.json('$.wrapped.name'), \"by\": $input.json('$.by')}"}}}
            }
        }}},
        "components": {"schemas": {"Pet": {"type": "object", "required": ["name"],
            "properties": {"name": {"type": "string"}}}}}
    });
    let api_id = import(&sdk, &doc).await;
    let pets = resource(&sdk, &api_id, "/pets").await;
    let invoke = |body: &'static str| {
        sdk.test_invoke_method()
            .rest_api_id(&api_id)
            .resource_id(&pets)
            .http_method("POST")
            .headers("Content-Type", "application/json")
            .body(body)
            .send()
    };

    let r = invoke(r#"{"name": "Rex"}"#).await.expect("test invoke");
    assert_eq!(r.status(), 200, "{:?}", r.log());
    assert_eq!(
        r.body(),
        Some(r#"{"name": "Rex", "by": "test-invoke-stage"}"#)
    );
    let (_, lines) = messages(r.log().unwrap());
    let endpoint = format!("http://{backend}/reply");
    assert_eq!(lines[6], format!("Endpoint request URI: {endpoint}"));
    assert!(
        lines[7].starts_with(&format!(
            "Endpoint request headers: {{User-Agent=AmazonAPIGateway_{api_id}, Accept=application/json, Content-Type=application/json, "
        )),
        "{}",
        lines[7]
    );
    let transformed = r#"{"wrapped": {"name":"Rex"}, "by": "test-invoke-stage"}"#;
    assert_eq!(
        lines[8..11],
        [
            format!("Endpoint request body after transformations: {transformed}"),
            format!("Sending request to {endpoint}"),
            "Received response. Status: 200, Integration latency: <n> ms".to_owned(),
        ]
    );
    assert_eq!(
        lines[12..],
        [
            format!("Endpoint response body before transformations: {transformed}"),
            r#"Method response body after transformations: {"name": "Rex", "by": "test-invoke-stage"}"#
                .to_owned(),
            format!(
                "Method response headers: {{X-Amzn-Trace-Id={}, Content-Type=application/json}}",
                r.headers().unwrap()["X-Amzn-Trace-Id"]
            ),
            "Successfully completed execution".to_owned(),
            "Method completed with status: 200".to_owned(),
        ]
    );

    // The model refuses the body: 400 before the backend is called.
    let r = invoke(r#"{"age": 3}"#).await.expect("test invoke");
    assert_eq!(r.status(), 400);
    assert_eq!(r.body(), Some(r#"{"message":"Invalid request body"}"#));
    assert_eq!(
        r.headers(),
        Some(&headers(&[("x-amzn-ErrorType", "BadRequestException")]))
    );
    let (_, lines) = messages(r.log().unwrap());
    assert_eq!(lines.len(), 8, "{lines:#?}");
    assert!(
        lines[6].starts_with(
            "Request body does not match model schema for content type application/json: ["
        ),
        "{}",
        lines[6]
    );
    assert_eq!(lines[7], "Method completed with status: 400");
}
