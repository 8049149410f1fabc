//! Integrations: where a routed request goes and how its answer comes back.

pub mod http;
pub mod lambda;
pub mod mock;

use ::http::HeaderValue;

use crate::compile::Source;
use crate::context::RequestContext;

/// Resolves a request-side mapping source against the method request. Response-side and body
/// sources resolve to `None` here.
pub(crate) fn resolve_request_source(source: &Source, ctx: &RequestContext) -> Option<String> {
    match source {
        Source::Static(s) => Some(s.clone()),
        Source::MethodRequest { location, name } => ctx.request_parameter(location, name),
        Source::StageVariable(name) => ctx.stage_variable(name).map(str::to_owned),
        Source::Context(name) => ctx.context_variable(name),
        Source::ResponseHeader(_) | Source::ResponseMultiHeader(_) | Source::Body(_) => None,
    }
}

/// Resolves a response-side mapping source (`method.response.header.X` ← ...).
pub(crate) fn resolve_response_source(
    source: &Source,
    ctx: &RequestContext,
    backend_headers: Option<&::http::HeaderMap>,
) -> Option<String> {
    match source {
        Source::ResponseHeader(name) => backend_headers?
            .get_all(name)
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        Source::ResponseMultiHeader(name) => {
            let values: Vec<&str> = backend_headers?
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .collect();
            (!values.is_empty()).then(|| values.join(","))
        }
        other => resolve_request_source(other, ctx),
    }
}

pub(crate) fn header_value(s: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(s).ok()
}
