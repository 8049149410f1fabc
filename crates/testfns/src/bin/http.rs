//! `http`: a `lambda_http` function (API Gateway REST, payload format 1.0) that reads the request
//! through `lambda_http`'s own types and echoes it back as JSON, so that tests prove the events
//! Tollgate builds parse in AWS's crate.
//!
//! Response: status from the `status` query parameter (default 200); headers `x-echo-method`
//! (the method) and `content-type: application/json`; the multi-value header `x-echo-multi`
//! with the values `a` and `b`; when the query has `binary=1`, the body is sent as binary
//! (base64 in the Lambda response) with `content-type: application/octet-stream`.
//!
//! Body (JSON): `method`, `path` (the URI path), `raw_path`, `query` (all values per name),
//! `path_parameters`, `stage_variables`, `headers` (all values per name), `body`,
//! `body_is_binary`, `request_context` (the whole API Gateway request context as
//! `aws_lambda_events` deserialized it) and its `request_id`, `stage`, `resource_path`,
//! `http_method`, `source_ip`.

use std::collections::BTreeMap;

use lambda_http::request::RequestContext;
use lambda_http::{Body, Error, Request, RequestExt, Response, service_fn};
use serde_json::{Value, json};

fn all_values(
    map: &lambda_http::aws_lambda_events::query_map::QueryMap,
) -> BTreeMap<String, Vec<String>> {
    map.iter()
        .map(|(k, _)| {
            (
                k.to_string(),
                map.all(k)
                    .unwrap_or_default()
                    .into_iter()
                    .map(str::to_string)
                    .collect(),
            )
        })
        .collect()
}

async fn handler(request: Request) -> Result<Response<Body>, Error> {
    let query = request.query_string_parameters();
    let mut headers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in request.headers() {
        headers
            .entry(name.as_str().to_string())
            .or_default()
            .push(String::from_utf8_lossy(value.as_bytes()).into_owned());
    }
    let (body, body_is_binary) = match request.body() {
        Body::Empty => (Value::Null, false),
        Body::Text(text) => (Value::String(text.clone()), false),
        Body::Binary(bytes) => (
            Value::String(String::from_utf8_lossy(bytes).into_owned()),
            true,
        ),
        _ => (Value::Null, false),
    };
    let context = request.request_context();
    let (request_context, request_id, stage, resource_path, http_method, source_ip) = match &context
    {
        RequestContext::ApiGatewayV1(ctx) => (
            serde_json::to_value(ctx)?,
            ctx.request_id.clone(),
            ctx.stage.clone(),
            ctx.resource_path.clone(),
            Some(ctx.http_method.to_string()),
            ctx.identity.source_ip.clone(),
        ),
        #[allow(unreachable_patterns)]
        _ => (Value::Null, None, None, None, None, None),
    };
    let echo = json!({
        "method": request.method().as_str(),
        "path": request.uri().path(),
        "raw_path": request.raw_http_path(),
        "query": all_values(&query),
        "path_parameters": all_values(&request.path_parameters()),
        "stage_variables": all_values(&request.stage_variables()),
        "headers": headers,
        "body": body,
        "body_is_binary": body_is_binary,
        "request_context": request_context,
        "request_id": request_id,
        "stage": stage,
        "resource_path": resource_path,
        "http_method": http_method,
        "source_ip": source_ip,
    });
    let status: u16 = query
        .first("status")
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let binary = query.first("binary") == Some("1");
    let builder = Response::builder()
        .status(status)
        .header("x-echo-method", request.method().as_str())
        .header("x-echo-multi", "a")
        .header("x-echo-multi", "b");
    let response = if binary {
        builder
            .header("content-type", "application/octet-stream")
            .body(Body::Binary(echo.to_string().into_bytes()))?
    } else {
        builder
            .header("content-type", "application/json")
            .body(Body::Text(echo.to_string()))?
    };
    Ok(response)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(handler)).await
}
