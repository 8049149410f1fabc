//! HTTP and HTTP_PROXY: the request goes to a backend URL over pooled keep-alive connections.
//!
//! HTTP_PROXY streams the request body to the backend, forwards the client's query string and
//! headers (minus the ones AWS drops) and returns the backend's response with AWS's header
//! remapping. HTTP sends only mapped headers and query parameters, and shapes the response through
//! the selected integration response.
//!
//! Both read the backend's whole response before answering, as AWS does: `timeoutInMillis` covers
//! the response body too (504 past it), a response over the 10 MB payload limit or one that breaks
//! off mid-body is a 502, and the client never sees a truncated 200.

use std::error::Error as _;

use ::http::header::{ACCEPT, CONTENT_TYPE, USER_AGENT};
use ::http::uri::PathAndQuery;
use ::http::{HeaderMap, HeaderValue, Request, Response, Uri};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use tollgate_model::GatewayResponseType;

use crate::binary;
use crate::body::{self, Body, BoxError, MAX_PAYLOAD};
use crate::compile::{Destination, HttpIntegration, Source, UriPart};
use crate::context::{RequestContext, logged_value};
use crate::gateway_response::GatewayError;
use crate::headers::{self, APPLICATION_JSON, X_AMZN_APIGATEWAY_API_ID, X_AMZN_TRACE_ID};
use crate::integration::{
    IntegrationOutput, header_value, method_response, resolve_request_source,
};
use crate::templates::{self, RequestBody};
use crate::upstream::{HttpsClient, Upstream};
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

    if ctx.logging() {
        // A simulated request's body is in memory already: read it for the log.
        let bytes = crate::pipeline::read_body(request_body).await?;
        ctx.log(|| format!("Endpoint request URI: {uri}"));
        ctx.log(|| {
            format!(
                "Endpoint request headers: {}",
                headers::logged(&out_headers)
            )
        });
        ctx.log(|| {
            format!(
                "Endpoint request body after transformations: {}",
                logged_value(&String::from_utf8_lossy(&bytes))
            )
        });
        ctx.log(|| format!("Sending request to {uri}"));
        request_body = body::full(bytes);
    }

    // Client body errors are marked so that they are not taken for the backend's failures.
    let request_body = request_body.map_err(|e| -> BoxError { Box::new(ClientBodyError(e)) });
    let mut backend_request = Request::new(body::boxed(Limited::new(request_body, MAX_PAYLOAD)));
    *backend_request.method_mut() = method;
    *backend_request.uri_mut() = uri;
    *backend_request.headers_mut() = out_headers;

    let client = upstream.client(integration.insecure_tls);
    let started = std::time::Instant::now();
    let (parts, bytes) = match exchange(client, backend_request, integration.timeout).await {
        Ok(r) => r,
        Err(e) => {
            ctx.log(|| e.logged());
            return Err(e.into_gateway_error(ctx));
        }
    };
    ctx.log(|| {
        format!(
            "Received response. Status: {}, Integration latency: {} ms",
            parts.status.as_u16(),
            started.elapsed().as_millis()
        )
    });
    ctx.log(|| {
        format!(
            "Endpoint response headers: {}",
            headers::logged(&parts.headers)
        )
    });
    ctx.log(|| {
        format!(
            "Endpoint response body before transformations: {}",
            logged_value(&String::from_utf8_lossy(&bytes))
        )
    });

    if integration.proxy {
        let mut response = Response::new(body::full(bytes));
        *response.status_mut() = parts.status;
        *response.headers_mut() = headers::from_backend(parts.headers);
        return Ok(response);
    }

    let status_text = parts.status.as_str().to_owned();
    let selected = crate::integration::selected_response(
        &integration.responses,
        &status_text,
        &status_text,
        ctx,
    )?;
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
    ctx.log(|| "Execution failed due to configuration error: Invalid endpoint address".to_owned());
    GatewayError::internal()
}

/// A failure of the client's request body while it streams to the backend (malformed chunked
/// framing, a client gone mid-body): the client's fault, not the backend's.
#[derive(Debug)]
struct ClientBodyError(BoxError);

impl std::fmt::Display for ClientBodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "client request body: {}", self.0)
    }
}

impl std::error::Error for ClientBodyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}

/// Why a call to the backend produced no usable response.
#[derive(Debug, thiserror::Error)]
enum ExchangeError {
    #[error("no complete response within the integration timeout")]
    Timeout,
    #[error("request body over the payload limit")]
    RequestTooLarge,
    #[error("{0}")]
    ClientBody(String),
    #[error("network error communicating with endpoint: {0}")]
    Network(String),
    #[error("integration response over the payload limit")]
    ResponseTooLarge,
    #[error("integration response body failed: {0}")]
    ResponseBody(BoxError),
}

impl ExchangeError {
    /// The execution log's line for the failure (wording unconfirmed except for the timeout).
    fn logged(&self) -> String {
        match self {
            ExchangeError::Timeout => "Execution failed due to a timeout error".to_owned(),
            ExchangeError::RequestTooLarge | ExchangeError::ClientBody(_) => {
                format!("Execution failed: {self}")
            }
            _ => format!("Execution failed due to configuration error: {self}"),
        }
    }

    /// AWS's answer: 504 past the timeout, 413 / 400 for the client's own body, 502 for the rest.
    fn into_gateway_error(self, ctx: &RequestContext) -> GatewayError {
        match self {
            ExchangeError::Timeout => GatewayError::new(GatewayResponseType::IntegrationTimeout),
            ExchangeError::RequestTooLarge => {
                GatewayError::new(GatewayResponseType::RequestTooLarge)
            }
            ExchangeError::ClientBody(reason) => {
                tracing::debug!(request_id = %ctx.request_id, reason, "bad client request body");
                GatewayError::new(GatewayResponseType::BadRequestBody)
            }
            e @ (ExchangeError::Network(_)
            | ExchangeError::ResponseTooLarge
            | ExchangeError::ResponseBody(_)) => {
                tracing::warn!(request_id = %ctx.request_id, error = %e, "integration failed");
                GatewayError::new(GatewayResponseType::IntegrationFailure).with_status(502)
            }
        }
    }
}

/// Sends `request` and reads the whole response, all within `timeout`.
async fn exchange(
    client: &HttpsClient,
    request: Request<Body>,
    timeout: std::time::Duration,
) -> Result<(::http::response::Parts, Bytes), ExchangeError> {
    let call = async {
        let response = client.request(request).await.map_err(send_error)?;
        let (parts, backend_body) = response.into_parts();
        match body::collect_limited(backend_body, MAX_PAYLOAD).await {
            Ok(bytes) => Ok((parts, bytes)),
            Err(body::CollectError::TooLarge) => Err(ExchangeError::ResponseTooLarge),
            Err(body::CollectError::Body(e)) => Err(ExchangeError::ResponseBody(e)),
        }
    };
    tokio::time::timeout(timeout, call)
        .await
        .unwrap_or(Err(ExchangeError::Timeout))
}

/// Sorts a failed send: the client's body over the limit or broken, else the network.
fn send_error(e: hyper_util::client::legacy::Error) -> ExchangeError {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = current {
        if err.is::<LengthLimitError>() {
            return ExchangeError::RequestTooLarge;
        }
        if let Some(client) = err.downcast_ref::<ClientBodyError>() {
            return ExchangeError::ClientBody(client.to_string());
        }
        current = err.source();
    }
    ExchangeError::Network(error_chain(&e))
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
