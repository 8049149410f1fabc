//! HTTP and HTTP_PROXY: the request goes to a backend URL over pooled keep-alive connections.
//!
//! HTTP_PROXY streams both bodies, forwards the client's query string and headers (minus the
//! ones AWS drops) and returns the backend's response with AWS's header remapping. HTTP sends only
//! mapped headers and query parameters, and shapes the response through the selected integration
//! response.

use std::error::Error as _;

use ::http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use ::http::uri::PathAndQuery;
use ::http::{HeaderMap, HeaderValue, Request, Response, Uri};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tollgate_model::GatewayResponseType;

use crate::binary;
use crate::body::{self, Body, MAX_PAYLOAD};
use crate::compile::{Destination, HttpIntegration, Source, UriPart};
use crate::context::RequestContext;
use crate::gateway_response::GatewayError;
use crate::headers::{self, APPLICATION_JSON, X_AMZN_APIGATEWAY_API_ID, X_AMZN_TRACE_ID};
use crate::integration::{
    IntegrationOutput, header_value, method_response, resolve_request_source,
};
use crate::templates::{self, RequestBody};
use crate::upstream::Upstream;
use bytes::Bytes;

/// Characters escaped when a static or decoded value is put into a URI path segment.
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~')
    .remove(b'%')
    .remove(b'/');

/// Characters escaped in a query component.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The method request, as an HTTP integration needs it.
pub struct Call<'a> {
    pub verb: ::http::Method,
    pub body: Body,
    pub raw_query: Option<&'a str>,
    pub binary_media_types: &'a [String],
}

pub async fn invoke(
    upstream: &Upstream,
    integration: &HttpIntegration,
    call: Call<'_>,
    ctx: &RequestContext,
) -> Result<Response<Body>, GatewayError> {
    let Call {
        verb,
        body: mut request_body,
        raw_query,
        binary_media_types,
    } = call;
    // HTTP (non-proxy): the body is converted as `contentHandling` says; a text body then goes
    // through the request template, when one applies. Body mapping sources need the method
    // request's body too. Otherwise it streams.
    let mut method_body: Option<Bytes> = None;
    let mut overrides = templates::Overrides::default();
    if !integration.proxy {
        let content_type = ctx.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
        let binary = binary::is_binary(binary_media_types, content_type);
        let selection = templates::select_request(
            &integration.request_templates,
            integration.passthrough,
            content_type,
        )?;
        let needs_body = binary
            || integration.content_handling.is_some()
            || matches!(selection, RequestBody::Template(_))
            || integration
                .request_parameters
                .iter()
                .any(|(_, s)| matches!(s, Source::Body(_)));
        let mut text: Option<Bytes> = None;
        if needs_body {
            let bytes = crate::pipeline::read_body(request_body).await?;
            match binary::request(bytes.clone(), binary, integration.content_handling)? {
                binary::Payload::Binary(b) => request_body = body::full(b),
                binary::Payload::Text(t) => {
                    request_body = body::full(t.clone());
                    text = Some(t);
                }
            }
            method_body = Some(bytes);
        }
        if let (RequestBody::Template(template), Some(bytes)) = (selection, &text) {
            let rendered = templates::render_with_body(template, ctx, bytes)?;
            request_body = body::full(rendered.body);
            overrides = rendered.overrides;
        }
    }

    let mut path_values: Vec<(&str, String)> = Vec::new();
    let mut mapped_query: Vec<(&str, String)> = Vec::new();
    let mut mapped_headers: Vec<(::http::HeaderName, HeaderValue)> = Vec::new();
    for (destination, source) in &integration.request_parameters {
        // A mapping whose source is absent is omitted.
        let Some(value) = resolve_request_source(source, ctx, method_body.as_deref()) else {
            continue;
        };
        match destination {
            Destination::Path(name) => path_values.push((name, value)),
            Destination::Query(name) => mapped_query.push((name, value)),
            Destination::Header(name) => {
                if let Some(v) = header_value(&value) {
                    mapped_headers.push((name.clone(), v));
                }
            }
        }
    }
    // A template's requestOverride values win over the mappings.
    for (name, value) in &overrides.path {
        path_values.retain(|(n, _)| n != name);
        path_values.push((name, value.clone()));
    }
    for (name, value) in &overrides.query {
        mapped_query.retain(|(n, _)| n != name);
        mapped_query.push((name, value.clone()));
    }
    for (name, value) in &overrides.headers {
        if let (Ok(n), Some(v)) = (
            ::http::HeaderName::from_bytes(name.as_bytes()),
            header_value(value),
        ) {
            mapped_headers.push((n, v));
        }
    }

    let uri = build_uri(integration, &path_values, &mapped_query, raw_query, ctx)?;
    let method = integration.method.clone().unwrap_or(verb);

    let mut out_headers = HeaderMap::new();
    if integration.proxy {
        for (name, value) in &ctx.headers {
            if !headers::dropped_towards_backend(name) {
                out_headers.append(name.clone(), value.clone());
            }
        }
    } else {
        out_headers.insert(
            USER_AGENT,
            HeaderValue::from_str(&format!("AmazonAPIGateway_{}", ctx.api_id))
                .unwrap_or(HeaderValue::from_static("AmazonAPIGateway")),
        );
        out_headers.insert(ACCEPT, APPLICATION_JSON);
        if let Some(ct) = ctx.headers.get(CONTENT_TYPE) {
            out_headers.insert(CONTENT_TYPE, ct.clone());
        }
    }
    for (name, value) in mapped_headers {
        out_headers.insert(name, value);
    }
    if let Ok(v) = HeaderValue::from_str(&ctx.trace_id) {
        out_headers.insert(X_AMZN_TRACE_ID, v);
    }
    if let Ok(v) = HeaderValue::from_str(&ctx.api_id) {
        out_headers.insert(X_AMZN_APIGATEWAY_API_ID, v);
    }

    let mut backend_request = Request::new(body::boxed(Limited::new(request_body, MAX_PAYLOAD)));
    *backend_request.method_mut() = method;
    *backend_request.uri_mut() = uri;
    *backend_request.headers_mut() = out_headers;

    let client = upstream.client(integration.insecure_tls);
    let backend_response = match tokio::time::timeout(
        integration.timeout,
        client.request(backend_request),
    )
    .await
    {
        Err(_) => return Err(GatewayError::new(GatewayResponseType::IntegrationTimeout)),
        Ok(Err(e)) => {
            if is_length_limit(&e) {
                return Err(GatewayError::new(GatewayResponseType::RequestTooLarge));
            }
            tracing::warn!(request_id = %ctx.request_id, error = %error_chain(&e), "network error communicating with endpoint");
            return Err(GatewayError::new(GatewayResponseType::IntegrationFailure).with_status(502));
        }
        Ok(Ok(r)) => r,
    };

    if integration.proxy {
        let (parts, body) = backend_response.into_parts();
        let mut response = Response::new(body::boxed(body));
        *response.status_mut() = parts.status;
        *response.headers_mut() = headers::from_backend(parts.headers);
        return Ok(response);
    }

    let (parts, backend_body) = backend_response.into_parts();
    let status_text = parts.status.as_str().to_owned();
    let selected = integration
        .responses
        .select(&status_text)
        .ok_or_else(GatewayError::internal)?;
    if !selected.method_response_declared {
        return Err(GatewayError::internal());
    }
    // Non-proxy responses are bounded by the payload limit and read whole, as templates need.
    let bytes = match Limited::new(backend_body, MAX_PAYLOAD).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            tracing::warn!(request_id = %ctx.request_id, error = %e, "integration response body failed");
            return Err(GatewayError::new(GatewayResponseType::IntegrationFailure).with_status(502));
        }
    };
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let output = IntegrationOutput {
        headers: Some(&parts.headers),
        body: bytes,
        binary: binary::is_binary(binary_media_types, content_type),
    };
    let mut response = method_response(selected, ctx, output, binary_media_types)?;
    if let Ok(v) = HeaderValue::from_str(&ctx.trace_id) {
        response.headers_mut().insert(X_AMZN_TRACE_ID, v);
    }
    Ok(response)
}

/// Fills the URI template: `${stageVariables.x}` from the stage, `{name}` from
/// `integration.request.path.name` (left as `%7Bname%7D` when unmapped, as AWS sends it; dot
/// segments in a value cannot climb out of its place), then
/// appends the client's query string (HTTP_PROXY) and mapped query parameters after the URI's own.
fn build_uri(
    integration: &HttpIntegration,
    path_values: &[(&str, String)],
    mapped_query: &[(&str, String)],
    raw_query: Option<&str>,
    ctx: &RequestContext,
) -> Result<Uri, GatewayError> {
    let mut text = String::with_capacity(128);
    for part in &integration.uri.parts {
        match part {
            UriPart::Literal(s) => text.push_str(s),
            UriPart::StageVariable(name) => text.push_str(ctx.stage_variable(name).unwrap_or("")),
            UriPart::PathVariable(name) => match path_values.iter().find(|(n, _)| n == name) {
                Some((_, v)) => {
                    let v = crate::path::confine_dot_segments(v);
                    text.extend(utf8_percent_encode(&v, PATH_SEGMENT));
                }
                None => {
                    text.push_str("%7B");
                    text.push_str(name);
                    text.push_str("%7D");
                }
            },
        }
    }
    let mut query = String::new();
    if let Some(q) = text.find('?') {
        query.push_str(&text[q + 1..]);
        text.truncate(q);
    }
    if integration.proxy
        && let Some(raw) = raw_query.filter(|q| !q.is_empty())
    {
        if !query.is_empty() {
            query.push('&');
        }
        query.push_str(raw);
    }
    for (name, value) in mapped_query {
        if !query.is_empty() {
            query.push('&');
        }
        query.extend(utf8_percent_encode(name, QUERY));
        query.push('=');
        query.extend(utf8_percent_encode(value, QUERY));
    }
    let uri: Uri = text.parse().map_err(|_| invalid_endpoint(ctx, &text))?;
    let (Some(scheme), Some(authority)) = (uri.scheme().cloned(), uri.authority().cloned()) else {
        return Err(invalid_endpoint(ctx, &text));
    };
    let path = uri.path();
    let path_and_query = if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    };
    let pq: PathAndQuery = path_and_query
        .parse()
        .map_err(|_| invalid_endpoint(ctx, &text))?;
    Uri::builder()
        .scheme(scheme)
        .authority(authority)
        .path_and_query(pq)
        .build()
        .map_err(|_| invalid_endpoint(ctx, &text))
}

fn invalid_endpoint(ctx: &RequestContext, uri: &str) -> GatewayError {
    tracing::warn!(request_id = %ctx.request_id, uri, "Invalid endpoint address");
    GatewayError::internal()
}

fn is_length_limit(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = current {
        if err.is::<LengthLimitError>() {
            return true;
        }
        current = err.source();
    }
    false
}

fn error_chain(e: &hyper_util::client::legacy::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}
