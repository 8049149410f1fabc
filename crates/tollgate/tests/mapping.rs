//! Mapping templates and parameter mappings end to end: the reference's examples through HTTP
//! and MOCK integrations on a real `tollgate serve`, outputs compared byte for byte.

mod common;

use http::Method;
use serde_json::{Value, json};

/// An HTTP integration to the backend's `/reply` (which answers with the body it got).
fn reply(backend: &str, request: Option<&str>, response: Option<&str>) -> Value {
    let mut integration = json!({
        "type": "http",
        "httpMethod": "POST",
        "uri": format!("http://{backend}/reply"),
        "responses": {"default": {"statusCode": "200"}}
    });
    if let Some(t) = request {
        integration["requestTemplates"] = json!({"application/json": t});
    }
    if let Some(t) = response {
        integration["responses"]["default"]["responseTemplates"] = json!({"application/json": t});
    }
    json!({
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": integration
    })
}

fn api(backend: &str) -> Value {
    json!({
        "openapi": "3.0.1",
        "info": {"title": "mapping", "version": "1"},
        "paths": {
            // Reference example 1: a request template.
            "/pets/{id}": {"post": reply(backend,
                Some(r#"{"id":"$input.params('id')","name":$input.json('$.name'),"tags":$input.json('$.tags'),"stage":"$context.stage"}"#),
                None)},
            // Reference example 2: #foreach with $foreach.hasNext over the integration response.
            "/items": {"post": reply(backend, None,
                Some(r#"[#foreach($it in $input.path('$.items')){"sku":"$it.sku","qty":$it.qty}#if($foreach.hasNext),#end#end]"#))},
            // Reference example 3: $input.path renders maps Java-style and lists as JSON.
            "/render": {"post": reply(backend, None,
                Some(r#"{"meta":"$input.path('$.meta')","list":$input.path('$.list'),"missing":"$input.path('$.nope')"}"#))},
            "/escape": {"post": reply(backend, None,
                Some(r#"{"text":"$util.escapeJavaScript($input.path('$.text'))","b64":"$util.base64Encode($input.path('$.text'))","url":"$util.urlEncode($input.body)"}"#))},
            "/override": {"post": reply(backend, None,
                Some("#set($context.responseOverride.status = 201)#set($context.responseOverride.header.X-Made = \"by-template\")created"))},
            "/params/{id}": {"get": {
                "responses": {"200": {"description": "ok"}, "404": {"description": "missing"}},
                "x-amazon-apigateway-integration": {
                    "type": "mock",
                    "requestTemplates": {"application/json": "#if($input.params('q') == 'missing')#set($c = 404)#else#set($c = 200)#end{\"statusCode\": $c}"},
                    "responses": {
                        "default": {"statusCode": "200", "responseTemplates": {"application/json": "{\"id\":\"$input.params('id')\",\"q\":\"$input.params('q')\",\"h\":\"$input.params('X-Thing')\",\"all\":\"$input.params().querystring\"}"}},
                        "404": {"statusCode": "404", "selectionPattern": "404", "responseTemplates": {"application/json": "{\"message\":\"no $input.params('id')\"}"}}
                    }
                }
            }},
            "/strict": {"post": {
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": {
                    "type": "http", "httpMethod": "POST", "uri": format!("http://{backend}/reply"),
                    "passthroughBehavior": "when_no_templates",
                    "requestTemplates": {"application/json": "$input.json('$')"},
                    "responses": {"default": {"statusCode": "200"}}
                }
            }},
            "/bin": {"post": reply(backend, None, None)},
            "/bin-text": {"post": {
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": {
                    "type": "http", "httpMethod": "POST", "uri": format!("http://{backend}/reply"),
                    "contentHandling": "CONVERT_TO_TEXT",
                    "requestParameters": {"integration.request.header.x-reply-type": "'application/json'"},
                    "requestTemplates": {"image/png": "{\"data\":\"$input.body\"}"},
                    "responses": {"default": {"statusCode": "200"}}
                }
            }},
            "/to-binary": {"post": {
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": {
                    "type": "http", "httpMethod": "POST", "uri": format!("http://{backend}/reply"),
                    "responses": {"default": {"statusCode": "200", "contentHandling": "CONVERT_TO_BINARY"}}
                }
            }},
            "/headers": {"post": {
                "responses": {"200": {"description": "ok", "headers": {
                    "X-Name": {"schema": {"type": "string"}},
                    "X-Backend": {"schema": {"type": "string"}},
                    "X-Got": {"schema": {"type": "string"}}
                }}},
                "x-amazon-apigateway-integration": {
                    "type": "http", "httpMethod": "POST", "uri": format!("http://{backend}/reply"),
                    "requestParameters": {"integration.request.header.X-Pet": "method.request.body.pet.name"},
                    "requestTemplates": {"application/json": "{\"pet\": \"$input.params('X-Pet')\", \"sent\": $input.json('$.pet')}"},
                    "responses": {"default": {"statusCode": "200", "responseParameters": {
                        "method.response.header.X-Name": "integration.response.body.sent.name",
                        "method.response.header.X-Got": "integration.response.header.x-got-pet",
                        "method.response.header.X-Backend": "integration.response.header.x-backend-id"
                    }}}
                }
            }}
        },
        "x-amazon-apigateway-binary-media-types": ["image/png"],
        "x-amazon-apigateway-gateway-responses": {
            "UNSUPPORTED_MEDIA_TYPE": {"responseTemplates": {"application/json":
                "{\"error\":\"$context.error.responseType\",\"type\":\"$input.params().header.get('Content-Type')\"}"}}
        }
    })
}

type Fixture = common::Served;

async fn start() -> Fixture {
    let backend = common::backend::echo().await;
    Fixture::start(&api(&backend.to_string()), "mapping")
}

trait Post {
    async fn post(&self, path: &str, content_type: &str, body: &'static str) -> common::Reply;
}

impl Post for Fixture {
    async fn post(&self, path: &str, content_type: &str, body: &'static str) -> common::Reply {
        self.http
            .send(
                Method::POST,
                &self.url(path),
                &[("content-type", content_type)],
                body,
            )
            .await
    }
}

const JSON: &str = "application/json";

#[tokio::test(flavor = "multi_thread")]
async fn the_references_examples_render_byte_for_byte() {
    let f = start().await;
    let r = f
        .post(
            "/pets/7",
            JSON,
            r#"{"name":"Rex","tags":["a","b"],"age":3}"#,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.text(),
        r#"{"id":"7","name":"Rex","tags":["a","b"],"stage":"prod"}"#
    );

    let r = f
        .post(
            "/items",
            JSON,
            r#"{"items":[{"sku":"A","qty":2},{"sku":"B","qty":1}]}"#,
        )
        .await;
    assert_eq!(r.text(), r#"[{"sku":"A","qty":2},{"sku":"B","qty":1}]"#);

    let r = f
        .post("/render", JSON, r#"{"meta":{"a":"1"},"list":[{"x":1}]}"#)
        .await;
    assert_eq!(
        r.text(),
        r#"{"meta":"{a=1}","list":[{"x":1}],"missing":""}"#
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn util_functions_and_overrides() {
    let f = start().await;
    let r = f
        .post("/escape", JSON, "{\"text\":\"say \\\"hi\\\"\\nnow\"}")
        .await;
    assert_eq!(
        r.text(),
        r#"{"text":"say \"hi\"\nnow","b64":"c2F5ICJoaSIKbm93","url":"%7B%22text%22%3A%22say+%5C%22hi%5C%22%5Cnnow%22%7D"}"#
    );
    let r = f.post("/override", JSON, "{}").await;
    assert_eq!(r.status, 201);
    assert_eq!(r.header("x-made"), Some("by-template"));
    assert_eq!(r.text(), "created");
}

#[tokio::test(flavor = "multi_thread")]
async fn mock_templates_see_the_method_request() {
    let f = start().await;
    let url = f.server.url(&f.id, "prod", "/params/42?q=cats&q=dogs&z=1");
    let r = f
        .http
        .send(Method::GET, &url, &[("X-Thing", "t1")], "")
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.text(),
        r#"{"id":"42","q":"dogs","h":"t1","all":"{q=dogs, z=1}"}"#
    );
    let url = f.server.url(&f.id, "prod", "/params/9?q=missing");
    let r = f.http.get(&url).await;
    assert_eq!(
        (r.status.as_u16(), r.text()),
        (404, r#"{"message":"no 9"}"#.to_owned())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn passthrough_behaviours_and_415() {
    let f = start().await;
    // WHEN_NO_TEMPLATES with a template for another type: 415, through the gateway response.
    let r = f.post("/strict", "text/plain", "hello").await;
    assert_eq!(r.status, 415);
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("UnsupportedMediaTypeException")
    );
    assert_eq!(
        r.text(),
        r#"{"error":"UNSUPPORTED_MEDIA_TYPE","type":"text/plain"}"#
    );
    let r = f.post("/strict", JSON, r#"{"a": [1, 2]}"#).await;
    assert_eq!(
        (r.status.as_u16(), r.text()),
        (200, r#"{"a":[1,2]}"#.to_owned())
    );
    // WHEN_NO_MATCH (the default): a type without a template passes through unchanged.
    let r = f.post("/pets/7", "text/plain", "raw text").await;
    assert_eq!(r.text(), "raw text");
}

#[tokio::test(flavor = "multi_thread")]
async fn body_mappings_and_invalid_json() {
    let f = start().await;
    let r = f
        .post("/headers", JSON, r#"{"pet": {"name": "Rex", "age": 3}}"#)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text(), r#"{"pet": "", "sent": {"name":"Rex","age":3}}"#);
    // The integration request header came from the method request's body (an integration
    // request header is not a method request parameter, so the template saw none).
    assert_eq!(r.header("x-got"), Some("Rex"));
    assert_eq!(r.header("x-name"), Some("Rex"));
    assert_eq!(r.header("x-backend"), Some("backend-7"));
    // A body that starts like JSON but is not: AWS's 400.
    let r = f.post("/pets/7", JSON, r#"{"name": oops"#).await;
    assert_eq!(r.status, 400);
    assert!(
        r.text()
            .starts_with(r#"{"message":"Could not parse request body into json"#),
        "{}",
        r.text()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn binary_media_types_and_content_handling() {
    let f = start().await;
    let png: &'static [u8] = b"\x89PNG\r\n\x00\x01\x02";
    let url = f.server.url(&f.id, "prod", "/bin");
    // Binary both ways: the bytes come back untouched.
    let r = f
        .http
        .send(
            Method::POST,
            &url,
            &[("content-type", "image/png"), ("accept", "image/png")],
            png,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.as_ref(), png);
    // A binary payload to a client that accepts text: base64.
    let r = f
        .http
        .send(
            Method::POST,
            &url,
            &[
                ("content-type", "image/png"),
                ("accept", "application/json"),
            ],
            png,
        )
        .await;
    assert_eq!(r.text(), "iVBORw0KAAEC");
    // CONVERT_TO_TEXT: the template sees base64.
    let url = f.server.url(&f.id, "prod", "/bin-text");
    let r = f
        .http
        .send(
            Method::POST,
            &url,
            &[("content-type", "image/png")],
            &b"\x00\x01\x02"[..],
        )
        .await;
    assert_eq!(
        (r.status.as_u16(), r.text()),
        (200, r#"{"data":"AAEC"}"#.to_owned())
    );
    // CONVERT_TO_BINARY on the integration response: base64 text becomes bytes.
    let r = f.post("/to-binary", "text/plain", "AAEC").await;
    assert_eq!(r.body.as_ref(), b"\x00\x01\x02");
    let r = f.post("/to-binary", "text/plain", "not base64!").await;
    assert_eq!(r.status, 500);
}
