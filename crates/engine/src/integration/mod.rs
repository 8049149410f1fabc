//! Integrations: where a routed request goes and how its answer comes back.

pub mod http;
pub mod lambda;
pub mod mock;

use ::http::header::{ACCEPT, CONTENT_TYPE};
use ::http::{HeaderMap, HeaderName, HeaderValue, Response, StatusCode};
use bytes::Bytes;

use crate::binary::{self, Payload};
use crate::body::{self, Body};
use crate::compile::{CompiledIntegrationResponse, IntegrationResponses, Source};
use crate::context::RequestContext;
use crate::gateway_response::GatewayError;
use crate::headers::APPLICATION_JSON;
use crate::templates;

/// Resolves a request-side mapping source against the method request (`body` is the method
/// request's body, when it was read). Response-side sources resolve to `None` here.
pub(crate) fn resolve_request_source(
    source: &Source,
    ctx: &RequestContext,
    body: Option<&[u8]>,
) -> Option<String> {
    match source {
        Source::Static(s) => Some(s.clone()),
        Source::MethodRequest { location, name } => ctx.request_parameter(location, name),
        Source::StageVariable(name) => ctx.stage_variable(name).map(str::to_owned),
        Source::Context(name) => ctx.context_variable(name),
        Source::Body(path) => body_value(body?, path.as_deref()),
        Source::ResponseHeader(_) | Source::ResponseMultiHeader(_) => None,
    }
}

/// Resolves a response-side mapping source (`method.response.header.X` ← ...): `backend` holds the
/// integration response's headers and body.
pub(crate) fn resolve_response_source(
    source: &Source,
    ctx: &RequestContext,
    backend: Option<(&HeaderMap, &[u8])>,
) -> Option<String> {
    match source {
        Source::ResponseHeader(name) => backend?
            .0
            .get_all(name)
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        Source::ResponseMultiHeader(name) => {
            let values: Vec<&str> = backend?
                .0
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            (!values.is_empty()).then(|| values.join(","))
        }
        Source::Body(path) => body_value(backend?.1, path.as_deref()),
        other => resolve_request_source(other, ctx, None),
    }
}

/// `...body` (the whole body as text) or `...body.a.b` (a JSONPath into a JSON body; only bodies
/// that start like JSON are parsed, and a match that is not a string is its JSON text).
fn body_value(body: &[u8], path: Option<&str>) -> Option<String> {
    let text = String::from_utf8_lossy(body);
    let Some(path) = path else {
        return Some(text.into_owned());
    };
    if !text.trim_start().starts_with(['{', '[', '"', '\'']) {
        return None;
    }
    let path = if path.starts_with('[') {
        format!("${path}")
    } else {
        format!("$.{path}")
    };
    match tollgate_vtl::apigw::json_path(&text, &path).ok()?? {
        serde_json::Value::String(s) => Some(s),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// The integration response `selection` (a status code, or a Lambda error message) picks; it
/// must have a declared method response. AWS's 500 otherwise, with its execution log line
/// (`endpoint_status`: the integration's status, as the line reports it).
pub(crate) fn selected_response<'a>(
    responses: &'a IntegrationResponses,
    selection: &str,
    endpoint_status: &str,
    ctx: &RequestContext,
) -> Result<&'a CompiledIntegrationResponse, GatewayError> {
    let Some(selected) = responses.select(selection) else {
        ctx.log(|| {
            format!(
                "Execution failed due to configuration error: No match for output mapping and no default output mapping configured. Endpoint Response Status Code: {endpoint_status}"
            )
        });
        return Err(GatewayError::internal());
    };
    if !selected.method_response_declared {
        ctx.log(|| {
            format!(
                "Execution failed due to configuration error: Output mapping refers to an invalid method response: {}",
                selected.status.as_u16()
            )
        });
        return Err(GatewayError::internal());
    }
    Ok(selected)
}

pub(crate) fn header_value(s: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(s).ok()
}

/// What came back from a non-proxy integration.
pub(crate) struct IntegrationOutput<'a> {
    pub headers: Option<&'a HeaderMap>,
    pub body: Bytes,
    /// The body's Content-Type is one of the API's binary media types.
    pub binary: bool,
}

/// The method response for a non-proxy integration: the selected integration response's status,
/// the body converted as `contentHandling` says (see [`crate::binary`]) and, when it is text,
/// its template rendered over it; the header mappings, then the template's `responseOverride`s.
pub(crate) fn method_response(
    selected: &CompiledIntegrationResponse,
    ctx: &RequestContext,
    output: IntegrationOutput<'_>,
    binary_media_types: &[String],
) -> Result<Response<Body>, GatewayError> {
    let accept = ctx.headers.get(ACCEPT).and_then(|v| v.to_str().ok());
    let binary_accept = binary::is_binary(binary_media_types, binary::first_accept(accept));
    let backend_headers = output.headers;
    let backend_body = output.body;
    let converted = binary::response(
        backend_body.clone(),
        output.binary,
        binary_accept,
        selected.content_handling,
    )?;
    let text = match converted {
        Payload::Text(text) => text,
        Payload::Binary(bytes) => {
            let mut response = Response::new(body::full(bytes));
            *response.status_mut() = selected.status;
            map_response_headers(selected, ctx, backend_headers, &backend_body, &mut response);
            return Ok(response);
        }
    };
    let (body, overrides) = match templates::select_response(&selected.templates, accept) {
        Some(t) => {
            let rendered = templates::render_with_body(t, ctx, &text)?;
            (Bytes::from(rendered.body), rendered.overrides)
        }
        None => (text, templates::Overrides::default()),
    };
    let mut response = Response::new(body::full(body));
    *response.status_mut() = selected.status;
    map_response_headers(selected, ctx, backend_headers, &backend_body, &mut response);
    let headers = response.headers_mut();
    for (name, value) in &overrides.headers {
        if let (Ok(n), Some(v)) = (HeaderName::from_bytes(name.as_bytes()), header_value(value)) {
            headers.insert(n, v);
        }
    }
    if let Some(status) = overrides.status.and_then(|s| StatusCode::from_u16(s).ok()) {
        *response.status_mut() = status;
    }
    Ok(response)
}

/// `method.response.header.*` mappings, then AWS's default Content-Type.
fn map_response_headers(
    selected: &CompiledIntegrationResponse,
    ctx: &RequestContext,
    backend_headers: Option<&HeaderMap>,
    backend_body: &[u8],
    response: &mut Response<Body>,
) {
    let empty = HeaderMap::new();
    let backend = Some((backend_headers.unwrap_or(&empty), backend_body));
    let headers = response.headers_mut();
    for (name, source) in &selected.response_parameters {
        if let Some(v) = resolve_response_source(source, ctx, backend)
            .as_deref()
            .and_then(header_value)
        {
            headers.insert(name.clone(), v);
        }
    }
    headers.entry(CONTENT_TYPE).or_insert(APPLICATION_JSON);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_sources() {
        let body = br#"{"petstore":{"pets":[{"name":"Rex","age":3}]}}"#;
        assert_eq!(
            body_value(body, Some("petstore.pets[0].name")),
            Some("Rex".into())
        );
        assert_eq!(
            body_value(body, Some("petstore.pets[0]")),
            Some(r#"{"name":"Rex","age":3}"#.into())
        );
        assert_eq!(body_value(body, Some("nope")), None);
        assert_eq!(body_value(b"a=b", Some("a")), None);
        assert_eq!(body_value(b"a=b", None), Some("a=b".into()));
    }
}
