//! AWS_PROXY (Lambda proxy, payload format 1.0) and AWS with a Lambda URI (non-proxy).
//!
//! Proxy: the whole request becomes AWS's event document; the function's answer must be an object
//! of `statusCode`, `headers`, `multiValueHeaders`, `body`, `isBase64Encoded` and nothing else, or
//! the client gets 502. Non-proxy: the body goes to the function as it is, and the function's
//! `errorMessage` (empty on success) selects the integration response.

use ::http::header::{ACCEPT, CONTENT_TYPE};
use ::http::{HeaderName, HeaderValue, Response, StatusCode};
use base64::Engine as _;
use bytes::Bytes;
use serde::Serialize;
use serde_json::Value;
use tollgate_model::GatewayResponseType;

use crate::body::{self, Body};
use crate::compile::{CompiledStage, LambdaIntegration, UriPart};
use crate::context::{ACCOUNT_ID, RequestContext};
use crate::gateway_response::GatewayError;
use crate::headers::{APPLICATION_JSON, X_AMZN_TRACE_ID};
use crate::templates::{self, RequestBody};

/// The region Tollgate reports in ARNs and events.
pub const REGION: &str = "us-east-1";

/// What a Lambda integration needs from whatever runs functions: invoke one by name or ARN.
/// Tollgate's function host implements it; tests may too.
#[async_trait::async_trait]
pub trait Functions: Send + Sync + 'static {
    /// Invokes `function` synchronously with `payload`. A function error is an `Ok` output with
    /// `function_error` set; `Err` means the function could not be invoked at all (unknown,
    /// throttled, ...), with a message for the log.
    async fn invoke(
        &self,
        function: &str,
        payload: Bytes,
        trace_id: &str,
    ) -> Result<FunctionOutput, String>;
}

/// A function's answer.
#[derive(Debug, Clone)]
pub struct FunctionOutput {
    /// The result document, or the `{"errorMessage",...}` document on a function error.
    pub payload: Bytes,
    pub function_error: bool,
}
/// The function an integration URI names, with stage variables filled in.
pub fn function_ref(integration: &LambdaIntegration, ctx: &RequestContext) -> String {
    let mut out = String::new();
    for part in &integration.function.parts {
        match part {
            UriPart::Literal(s) => out.push_str(s),
            UriPart::StageVariable(name) => out.push_str(ctx.stage_variable(name).unwrap_or("")),
            // `{name}` has no meaning in a function ARN; keep it as written.
            UriPart::PathVariable(name) => {
                out.push('{');
                out.push_str(name);
                out.push('}');
            }
        }
    }
    out
}

/// Title-Case for header names that arrived lower-cased by HTTP/1 parsing (`content-type` →
/// `Content-Type`), the spelling clients send and AWS passes on. HTTP/2 names stay lower case.
fn event_header_name(name: &str, http2: bool) -> String {
    if http2 {
        return name.to_owned();
    }
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if upper {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        upper = c == '-';
    }
    out
}

pub use crate::binary::is_binary;

/// What the event builder needs from the connection and the request beyond the context.
pub struct EventInput<'a> {
    pub body: &'a [u8],
    /// The request path after the stage (or after a custom domain's base path), raw.
    pub path: &'a str,
    pub http2: bool,
    pub tls: bool,
    pub local_port: u16,
}

/// A map serialised from pairs in order (keys are unique by construction).
struct Pairs<'a, V>(&'a [(String, V)]);

impl<V: Serialize> Serialize for Pairs<'_, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// `null` when empty, as AWS sends absent maps.
fn pairs_or_null<V>(pairs: &[(String, V)]) -> Option<Pairs<'_, V>> {
    (!pairs.is_empty()).then_some(Pairs(pairs))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ProxyEvent<'a> {
    resource: &'a str,
    path: &'a str,
    http_method: &'a str,
    headers: Option<Pairs<'a, String>>,
    multi_value_headers: Option<Pairs<'a, Vec<String>>>,
    query_string_parameters: Option<Pairs<'a, &'a str>>,
    multi_value_query_string_parameters: Option<Pairs<'a, Vec<&'a str>>>,
    path_parameters: Option<Pairs<'a, String>>,
    stage_variables: Option<&'a std::collections::BTreeMap<String, String>>,
    request_context: EventContext<'a>,
    body: Option<std::borrow::Cow<'a, str>>,
    is_base64_encoded: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventContext<'a> {
    resource_id: &'a str,
    resource_path: &'a str,
    http_method: &'a str,
    extended_request_id: &'a str,
    request_time: String,
    path: &'a str,
    account_id: &'a str,
    protocol: &'a str,
    stage: &'a str,
    domain_prefix: &'a str,
    request_time_epoch: i64,
    request_id: &'a str,
    identity: EventIdentity<'a>,
    /// Present when an authorizer ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    authorizer: Option<serde_json::Map<String, Value>>,
    domain_name: &'a str,
    deployment_id: &'a str,
    api_id: &'a str,
}

/// Unset identity fields are `null`, not omitted.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventIdentity<'a> {
    cognito_identity_pool_id: Option<&'a str>,
    account_id: Option<&'a str>,
    cognito_identity_id: Option<&'a str>,
    caller: Option<&'a str>,
    source_ip: &'a str,
    principal_org_id: Option<&'a str>,
    access_key: Option<&'a str>,
    cognito_authentication_type: Option<&'a str>,
    cognito_authentication_provider: Option<&'a str>,
    user_arn: Option<&'a str>,
    user_agent: Option<&'a str>,
    user: Option<&'a str>,
    /// Present when the method required an API key.
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    api_key_id: Option<&'a str>,
}

/// Builds the Lambda proxy event, payload format 1.0, exactly as AWS shapes it, as JSON bytes.
/// Serialised straight from borrowed request data: no intermediate JSON tree.
pub fn proxy_event(ctx: &RequestContext, stage: &CompiledStage, input: &EventInput<'_>) -> Vec<u8> {
    let mut headers: Vec<(String, String)> = Vec::with_capacity(ctx.headers.keys_len() + 4);
    let mut multi_headers: Vec<(String, Vec<String>)> =
        Vec::with_capacity(ctx.headers.keys_len() + 4);
    for name in ctx.headers.keys() {
        let n = name.as_str();
        if n == "content-length" || n == "connection" {
            continue;
        }
        let values: Vec<String> = ctx
            .headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect();
        let key = event_header_name(n, input.http2);
        if let Some(last) = values.last() {
            headers.push((key.clone(), last.clone()));
        }
        multi_headers.push((key, values));
    }
    let forwarded = [
        ("x-forwarded-for", ctx.source_ip.clone()),
        ("x-forwarded-port", input.local_port.to_string()),
        (
            "x-forwarded-proto",
            if input.tls { "https" } else { "http" }.to_owned(),
        ),
        ("x-amzn-trace-id", ctx.trace_id.clone()),
    ];
    // A test invocation's event has only the headers the test gave (AWS's recorded events).
    let forwarded = if ctx.simulated() {
        &[][..]
    } else {
        &forwarded[..]
    };
    for (name, value) in forwarded.iter().cloned() {
        let key = event_header_name(name, input.http2);
        let existing = headers.iter().position(|(k, _)| *k == key);
        // A client-sent X-Forwarded-For is extended, as a proxy would.
        let value = match existing {
            Some(i) if name == "x-forwarded-for" => format!("{}, {value}", headers[i].1),
            _ => value,
        };
        match existing {
            Some(i) => headers[i].1 = value.clone(),
            None => headers.push((key.clone(), value.clone())),
        }
        match multi_headers.iter().position(|(k, _)| *k == key) {
            Some(i) => multi_headers[i].1 = vec![value],
            None => multi_headers.push((key, vec![value])),
        }
    }

    let mut query: Vec<(String, &str)> = Vec::new();
    let mut multi_query: Vec<(String, Vec<&str>)> = Vec::new();
    for (k, v) in &ctx.query {
        match query.iter().position(|(qk, _)| qk == k) {
            Some(i) => {
                query[i].1 = v;
                multi_query[i].1.push(v);
            }
            None => {
                query.push((k.clone(), v));
                multi_query.push((k.clone(), vec![v]));
            }
        }
    }
    let content_type = ctx.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let (body, is_base64_encoded) = if input.body.is_empty() {
        (None, false)
    } else if is_binary(&stage.binary_media_types, content_type) {
        (
            Some(std::borrow::Cow::Owned(
                base64::engine::general_purpose::STANDARD.encode(input.body),
            )),
            true,
        )
    } else {
        (Some(String::from_utf8_lossy(input.body)), false)
    };
    let event = ProxyEvent {
        resource: &ctx.resource_path,
        path: input.path,
        http_method: &ctx.http_method,
        headers: pairs_or_null(&headers),
        multi_value_headers: pairs_or_null(&multi_headers),
        query_string_parameters: pairs_or_null(&query),
        multi_value_query_string_parameters: pairs_or_null(&multi_query),
        path_parameters: pairs_or_null(&ctx.path_params),
        stage_variables: (!stage.variables.is_empty()).then_some(&*stage.variables),
        request_context: EventContext {
            resource_id: &ctx.resource_id,
            resource_path: &ctx.resource_path,
            http_method: &ctx.http_method,
            extended_request_id: &ctx.extended_request_id,
            request_time: ctx.request_time(),
            path: &ctx.path,
            account_id: ACCOUNT_ID,
            protocol: "HTTP/1.1",
            stage: &ctx.stage,
            domain_prefix: ctx.domain_name.split('.').next().unwrap_or(""),
            request_time_epoch: ctx.request_time_epoch_ms,
            request_id: &ctx.request_id,
            identity: EventIdentity {
                cognito_identity_pool_id: None,
                account_id: ctx.identity.account_id.as_deref(),
                cognito_identity_id: None,
                caller: ctx.identity.caller.as_deref(),
                source_ip: &ctx.source_ip,
                principal_org_id: None,
                access_key: ctx.identity.access_key.as_deref(),
                cognito_authentication_type: None,
                cognito_authentication_provider: None,
                user_arn: ctx.identity.user_arn.as_deref(),
                user_agent: ctx.user_agent.as_deref(),
                user: ctx.identity.user.as_deref(),
                api_key: ctx.identity.api_key.as_deref(),
                api_key_id: ctx.identity.api_key_id.as_deref(),
            },
            authorizer: ctx.authorizer.as_deref().map(event_authorizer),
            domain_name: &ctx.domain_name,
            deployment_id: &ctx.deployment_id,
            api_id: &ctx.api_id,
        },
        body,
        is_base64_encoded,
    };
    // Serialising borrowed strings and maps cannot fail.
    serde_json::to_vec(&event).unwrap_or_default()
}

/// `requestContext.authorizer`: a Lambda authorizer's `principalId`, `integrationLatency` and
/// context values (strings), or a user pool authorizer's `claims`.
fn event_authorizer(a: &crate::context::AuthorizerOutput) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    if let Some(claims) = &a.claims {
        let claims = claims
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        out.insert("claims".to_owned(), Value::Object(claims));
        return out;
    }
    if let Some(p) = &a.principal_id {
        out.insert("principalId".to_owned(), Value::String(p.clone()));
    }
    if let Some(ms) = a.latency_ms {
        out.insert("integrationLatency".to_owned(), Value::from(ms));
    }
    for (k, v) in &a.context {
        out.insert(k.clone(), Value::String(v.clone()));
    }
    out
}

/// A function's answer to a proxy event, validated.
#[derive(Debug, PartialEq)]
pub struct ProxyResponse {
    pub status: StatusCode,
    pub headers: Vec<(String, String)>,
    pub multi_value_headers: Vec<(String, Vec<String>)>,
    pub body: String,
    pub is_base64_encoded: bool,
}

fn scalar_to_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Validates a proxy response document as AWS does. `None` = "Malformed Lambda proxy response".
pub fn parse_proxy_response(payload: &[u8]) -> Option<ProxyResponse> {
    let Value::Object(map) = serde_json::from_slice::<Value>(payload).ok()? else {
        return None;
    };
    const KEYS: [&str; 5] = [
        "statusCode",
        "headers",
        "multiValueHeaders",
        "body",
        "isBase64Encoded",
    ];
    if map.keys().any(|k| !KEYS.contains(&k.as_str())) {
        return None;
    }
    let status = match map.get("statusCode") {
        None | Some(Value::Null) => 200,
        Some(Value::Number(n)) => u16::try_from(n.as_u64()?).ok()?,
        Some(Value::String(s)) => s.trim().parse::<u16>().ok()?,
        Some(_) => return None,
    };
    let status = StatusCode::from_u16(status).ok()?;
    let mut headers = Vec::new();
    match map.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(h)) => {
            for (k, v) in h {
                match v {
                    Value::Null => {}
                    v => headers.push((k.clone(), scalar_to_string(v)?)),
                }
            }
        }
        Some(_) => return None,
    }
    let mut multi_value_headers = Vec::new();
    match map.get("multiValueHeaders") {
        None | Some(Value::Null) => {}
        Some(Value::Object(h)) => {
            for (k, v) in h {
                match v {
                    Value::Null => {}
                    Value::Array(values) => multi_value_headers.push((
                        k.clone(),
                        values
                            .iter()
                            .map(scalar_to_string)
                            .collect::<Option<Vec<_>>>()?,
                    )),
                    _ => return None,
                }
            }
        }
        Some(_) => return None,
    }
    let body = match map.get("body") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return None,
    };
    let is_base64_encoded = match map.get("isBase64Encoded") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return None,
    };
    Some(ProxyResponse {
        status,
        headers,
        multi_value_headers,
        body,
        is_base64_encoded,
    })
}

fn invoke_failure(function: &str, error: &str, ctx: &RequestContext) -> GatewayError {
    tracing::warn!(request_id = %ctx.request_id, function, error = %error, "Lambda invocation failed");
    GatewayError::internal()
}

fn integration_failure() -> GatewayError {
    GatewayError::new(GatewayResponseType::IntegrationFailure).with_status(502)
}

/// Turns a validated proxy response into the client's response.
pub fn proxy_response(
    result: &FunctionOutput,
    stage: &CompiledStage,
    ctx: &RequestContext,
) -> Result<Response<Body>, GatewayError> {
    if result.function_error {
        tracing::warn!(request_id = %ctx.request_id, "Lambda execution failed with status 200 due to customer function error");
        ctx.log(|| {
            let message = serde_json::from_slice::<Value>(&result.payload)
                .ok()
                .and_then(|v| {
                    v.get("errorMessage")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            format!(
                "Lambda execution failed with status 200 due to customer function error: {message}"
            )
        });
        return Err(integration_failure());
    }
    let Some(parsed) = parse_proxy_response(&result.payload) else {
        tracing::warn!(request_id = %ctx.request_id, "Execution failed due to configuration error: Malformed Lambda proxy response");
        ctx.log(|| {
            "Execution failed due to configuration error: Malformed Lambda proxy response"
                .to_owned()
        });
        return Err(integration_failure());
    };
    let mut response = Response::new(body::empty());
    *response.status_mut() = parsed.status;
    let headers = response.headers_mut();
    // `headers` first, then `multiValueHeaders`: a name in both keeps the multi-value spelling's
    // values, and identical name/value pairs are sent once.
    let multi_names: Vec<String> = parsed
        .multi_value_headers
        .iter()
        .map(|(k, _)| k.to_ascii_lowercase())
        .collect();
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    for (k, v) in &parsed.headers {
        let shadowed = multi_names.contains(&k.to_ascii_lowercase())
            && parsed
                .multi_value_headers
                .iter()
                .any(|(mk, mv)| mk.eq_ignore_ascii_case(k) && mv.iter().any(|x| x == v));
        if !shadowed {
            pairs.push((k, v));
        }
    }
    for (k, values) in &parsed.multi_value_headers {
        for v in values {
            pairs.push((k, v));
        }
    }
    for (k, v) in pairs {
        match (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            (Ok(name), Ok(value)) => {
                headers.append(name, value);
            }
            _ => {
                tracing::debug!(request_id = %ctx.request_id, header = k, "invalid header from the function dropped");
            }
        }
    }
    headers.entry(CONTENT_TYPE).or_insert(APPLICATION_JSON);
    if let Ok(v) = HeaderValue::from_str(&ctx.trace_id) {
        headers.insert(X_AMZN_TRACE_ID, v);
    }
    let body =
        if parsed.is_base64_encoded && binary_response_allowed(stage, ctx, response.headers()) {
            match base64::engine::general_purpose::STANDARD.decode(parsed.body.as_bytes()) {
                Ok(bytes) => Bytes::from(bytes),
                Err(_) => return Err(GatewayError::internal()),
            }
        } else {
            Bytes::from(parsed.body)
        };
    *response.body_mut() = body::full(body);
    Ok(response)
}

/// A base64 proxy body is decoded when the request's first `Accept` type, or the response's
/// `Content-Type`, is a binary media type of the API.
fn binary_response_allowed(
    stage: &CompiledStage,
    ctx: &RequestContext,
    response_headers: &::http::HeaderMap,
) -> bool {
    let first_accept = ctx
        .headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.split(',').next());
    let content_type = response_headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    is_binary(&stage.binary_media_types, first_accept)
        || is_binary(&stage.binary_media_types, content_type)
}

/// Invokes the function of a Lambda integration with `payload`, bounded by the integration timeout.
pub async fn call(
    functions: &dyn Functions,
    integration: &LambdaIntegration,
    payload: Bytes,
    ctx: &RequestContext,
) -> Result<FunctionOutput, GatewayError> {
    let function = function_ref(integration, ctx);
    log_invocation(ctx, &function, &payload);
    let started = std::time::Instant::now();
    match tokio::time::timeout(
        integration.timeout,
        functions.invoke(&function, payload, &ctx.trace_id),
    )
    .await
    {
        Err(_) => {
            ctx.log(|| "Execution failed due to a timeout error".to_owned());
            Err(GatewayError::new(GatewayResponseType::IntegrationTimeout))
        }
        Ok(Err(e)) => {
            ctx.log(|| format!("Execution failed due to configuration error: {e}"));
            Err(invoke_failure(&function, &e, ctx))
        }
        Ok(Ok(result)) => {
            log_result(ctx, &result, started);
            Ok(result)
        }
    }
}

/// Lambda's Invoke URL for `function` (a name or an ARN), as AWS's execution log shows the
/// endpoint: in the function ARN's region, else Tollgate's.
pub fn invoke_url(function: &str) -> String {
    let region = function
        .strip_prefix("arn:aws:lambda:")
        .and_then(|rest| rest.split(':').next())
        .filter(|r| !r.is_empty())
        .unwrap_or(REGION);
    format!("https://lambda.{region}.amazonaws.com/2015-03-31/functions/{function}/invocations")
}

/// The execution log's lines before a function is invoked (no `Endpoint request headers`: no
/// HTTP request to Lambda is made, so there are none to show).
pub(crate) fn log_invocation(ctx: &RequestContext, function: &str, payload: &[u8]) {
    if !ctx.logging() {
        return;
    }
    let url = invoke_url(function);
    ctx.log(|| format!("Endpoint request URI: {url}"));
    ctx.log(|| {
        format!(
            "Endpoint request body after transformations: {}",
            crate::context::logged_value(&String::from_utf8_lossy(payload))
        )
    });
    ctx.log(|| format!("Sending request to {url}"));
}

/// The execution log's lines for a function's answer.
fn log_result(ctx: &RequestContext, result: &FunctionOutput, started: std::time::Instant) {
    ctx.log(|| {
        format!(
            "Received response. Status: 200, Integration latency: {} ms",
            started.elapsed().as_millis()
        )
    });
    ctx.log(|| {
        format!(
            "Endpoint response body before transformations: {}",
            crate::context::logged_value(&String::from_utf8_lossy(&result.payload))
        )
    });
}

/// Non-proxy: select the integration response by the function's `errorMessage` (empty on success).
/// The payload of a non-proxy invocation: the body converted as `contentHandling` says, then the
/// request template rendered over it, or the body itself (passthrough), or AWS's 415.
pub fn non_proxy_payload(
    integration: &LambdaIntegration,
    ctx: &RequestContext,
    body: Bytes,
    binary_media_types: &[String],
) -> Result<Bytes, GatewayError> {
    let content_type = ctx
        .headers
        .get(::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let binary = is_binary(binary_media_types, content_type);
    let body = match crate::binary::request(body, binary, integration.content_handling)? {
        crate::binary::Payload::Binary(bytes) => return Ok(bytes),
        crate::binary::Payload::Text(text) => text,
    };
    match templates::select_request(
        &integration.request_templates,
        integration.passthrough,
        content_type,
    )? {
        RequestBody::Passthrough => Ok(body),
        RequestBody::Template(template) => {
            let rendered = templates::render_with_body(template, ctx, &body)?;
            Ok(Bytes::from(rendered.body))
        }
    }
}

pub fn non_proxy_response(
    result: FunctionOutput,
    integration: &LambdaIntegration,
    ctx: &RequestContext,
    binary_media_types: &[String],
) -> Result<Response<Body>, GatewayError> {
    let selection = if result.function_error {
        serde_json::from_slice::<Value>(&result.payload)
            .ok()
            .and_then(|v| {
                v.get("errorMessage")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_default()
    } else {
        String::new()
    };
    let selected =
        crate::integration::selected_response(&integration.responses, &selection, "200", ctx)?;
    let output = crate::integration::IntegrationOutput {
        headers: None,
        body: result.payload,
        binary: false,
    };
    let mut response =
        crate::integration::method_response(selected, ctx, output, binary_media_types)?;
    if let Ok(v) = HeaderValue::from_str(&ctx.trace_id) {
        response.headers_mut().insert(X_AMZN_TRACE_ID, v);
    }
    Ok(response)
}

/// The function ARN part of `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{fn}/invocations`.
pub fn lambda_function_in_uri(uri: &str) -> Option<&str> {
    let rest = uri.strip_prefix("arn:aws:apigateway:")?;
    let (_, rest) = rest.split_once(":lambda:path/")?;
    let rest = rest.strip_prefix("2015-03-31/functions/")?;
    let function = rest.strip_suffix("/invocations")?;
    (!function.is_empty()).then_some(function)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_name_functions() {
        assert_eq!(
            lambda_function_in_uri(
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pets/invocations"
            ),
            Some("arn:aws:lambda:us-east-1:123456789012:function:pets")
        );
        assert_eq!(
            lambda_function_in_uri(
                "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:1:function:${stageVariables.fn}/invocations"
            ),
            Some("arn:aws:lambda:eu-west-1:1:function:${stageVariables.fn}")
        );
        assert_eq!(
            lambda_function_in_uri("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem"),
            None
        );
    }

    #[test]
    fn proxy_responses_are_validated_like_aws() {
        let ok = |s: &str| parse_proxy_response(s.as_bytes());
        assert_eq!(ok(r#"{"statusCode":200}"#).unwrap().status, 200);
        assert_eq!(ok(r#"{}"#).unwrap().status, 200);
        assert_eq!(ok(r#"{"statusCode":"201"}"#).unwrap().status, 201);
        assert!(ok(r#"{"statusCode":"abc"}"#).is_none());
        assert!(ok(r#"{"statusCode":200,"extra":1}"#).is_none());
        assert!(ok(r#"[]"#).is_none());
        assert!(ok("null").is_none());
        assert!(ok("not json").is_none());
        assert!(ok(r#"{"multiValueHeaders":{"a":"b"}}"#).is_none());
        let r = ok(r#"{"headers":{"a":true,"b":1,"c":"x"},"body":"hi"}"#).unwrap();
        assert_eq!(
            r.headers,
            vec![
                ("a".into(), "true".into()),
                ("b".into(), "1".into()),
                ("c".into(), "x".into())
            ]
        );
        assert_eq!(r.body, "hi");
        assert!(ok(r#"{"headers":null}"#).is_some());
        assert!(ok(r#"{"body":{"a":1}}"#).is_none());
    }

    #[test]
    fn header_names_are_title_cased_for_http1() {
        assert_eq!(event_header_name("content-type", false), "Content-Type");
        assert_eq!(
            event_header_name("x-amzn-trace-id", false),
            "X-Amzn-Trace-Id"
        );
        assert_eq!(event_header_name("content-type", true), "content-type");
    }
}
