//! Request validation as a client sees it: the developer guide's validator example (models with
//! `$ref`s, required parameters) imported from OpenAPI and served by a real `tollgate serve`.

mod common;

use common::mock;
use http::Method;
use serde_json::json;

/// The developer guide's "request validation" petstore, with MOCK integrations.
fn api() -> serde_json::Value {
    json!({
        "openapi": "3.0.1",
        "info": {"title": "ReqValidation Sample", "version": "1.0.0"},
        "x-amazon-apigateway-request-validators": {
            "all": {"validateRequestBody": true, "validateRequestParameters": true},
            "params-only": {"validateRequestBody": false, "validateRequestParameters": true}
        },
        "x-amazon-apigateway-gateway-responses": {
            "BAD_REQUEST_BODY": {
                "responseTemplates": {"application/json": "{\"message\": \"$context.error.message\", \"detail\": \"$context.error.validationErrorString\"}"}
            }
        },
        "paths": {
            "/validation": {
                "get": {
                    "parameters": [
                        {"name": "q1", "in": "query", "required": true, "schema": {"type": "string"}},
                        {"name": "h1", "in": "header", "required": true, "schema": {"type": "string"}}
                    ],
                    "x-amazon-apigateway-request-validator": "params-only",
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": mock(200, "got")["x-amazon-apigateway-integration"]
                },
                "post": {
                    "parameters": [
                        {"name": "h1", "in": "header", "required": true, "schema": {"type": "string"}}
                    ],
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/RequestBodyModel"}}}},
                    "x-amazon-apigateway-request-validator": "all",
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": mock(200, "posted")["x-amazon-apigateway-integration"]
                }
            },
            "/unvalidated": {
                "post": {
                    "parameters": [{"name": "q1", "in": "query", "required": true, "schema": {"type": "string"}}],
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/RequestBodyModel"}}}},
                    "responses": {"200": {"description": "ok"}},
                    "x-amazon-apigateway-integration": mock(200, "free")["x-amazon-apigateway-integration"]
                }
            }
        },
        "components": {"schemas": {
            "RequestBodyModel": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "type": {"type": "string", "enum": ["dog", "cat", "fish"]},
                    "name": {"type": "string"},
                    "price": {"type": "number", "minimum": 25.0, "maximum": 500.0},
                    "owner": {"$ref": "#/components/schemas/Owner"}
                },
                "required": ["price", "type"]
            },
            "Owner": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
        }}
    })
}

type Fixture = common::Served;

fn start() -> Fixture {
    Fixture::start(&api(), "ReqValidation Sample")
}

trait Call {
    async fn call(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: &'static str,
    ) -> common::Reply;
}

impl Call for Fixture {
    async fn call(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: &'static str,
    ) -> common::Reply {
        self.http.send(method, &self.url(path), headers, body).await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn required_parameters_are_checked_with_awss_400() {
    let f = start();
    let r = f.call(Method::GET, "/validation", &[], "").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.header("x-amzn-ErrorType"), Some("BadRequestException"));
    assert_eq!(
        r.text(),
        r#"{"message":"Missing required request parameters: [h1, q1]"}"#
    );
    // Blank counts as missing.
    let r = f
        .call(Method::GET, "/validation?q1=", &[("h1", "v")], "")
        .await;
    assert_eq!(
        r.text(),
        r#"{"message":"Missing required request parameters: [q1]"}"#
    );
    let r = f
        .call(Method::GET, "/validation?q1=cat", &[("h1", "v")], "")
        .await;
    assert_eq!((r.status.as_u16(), r.text()), (200, "got".to_owned()));
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_are_validated_against_the_model_with_refs() {
    let f = start();
    let json = [("h1", "v"), ("content-type", "application/json")];
    let ok = r#"{"type": "dog", "price": 30, "owner": {"name": "Ann"}}"#;
    let r = f.call(Method::POST, "/validation", &json, ok).await;
    assert_eq!((r.status.as_u16(), r.text()), (200, "posted".to_owned()));

    let r = f
        .call(
            Method::POST,
            "/validation",
            &json,
            r#"{"type": "bird", "price": 10}"#,
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.header("x-amzn-ErrorType"), Some("BadRequestException"));
    // The template inserts the text as it is (AWS does not JSON-escape it either).
    assert_eq!(
        r.text(),
        r#"{"message": "Invalid request body", "detail": "[instance value ("bird") not found in enum (possible values: ["dog","cat","fish"]), numeric instance is lower than the required minimum (minimum: 25.0, found: 10)]"}"#
    );
    // The $ref'd Owner model is enforced too.
    let r = f
        .call(
            Method::POST,
            "/validation",
            &json,
            r#"{"type": "cat", "price": 30, "owner": {}}"#,
        )
        .await;
    assert_eq!(r.status, 400);
    assert!(
        r.text()
            .contains(r#"missing required properties (["name"])"#),
        "{}",
        r.text()
    );
    // An empty body is validated as {}.
    let r = f.call(Method::POST, "/validation", &json, "").await;
    assert_eq!(r.status, 400);
    assert!(r.text().contains(r#"(["price","type"])"#), "{}", r.text());
    // Not JSON at all.
    let r = f.call(Method::POST, "/validation", &json, "{nope").await;
    assert_eq!(r.status, 400);
    // Parameters are checked before the body.
    let r = f
        .call(
            Method::POST,
            "/validation",
            &[("content-type", "application/json")],
            "{}",
        )
        .await;
    assert_eq!(
        r.text(),
        r#"{"message":"Missing required request parameters: [h1]"}"#
    );
    // No model for this content type: nothing to validate.
    let r = f
        .call(
            Method::POST,
            "/validation",
            &[("h1", "v"), ("content-type", "text/plain")],
            "x",
        )
        .await;
    assert_eq!(r.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_validator_nothing_is_enforced() {
    let f = start();
    let r = f
        .call(
            Method::POST,
            "/unvalidated",
            &[("content-type", "application/json")],
            "[1]",
        )
        .await;
    assert_eq!((r.status.as_u16(), r.text()), (200, "free".to_owned()));
}
