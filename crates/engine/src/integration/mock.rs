//! MOCK: the request template's `statusCode` picks the integration response; nothing leaves the
//! gateway.

use ::http::{Response, header::CONTENT_TYPE};
use tollgate_model::{GatewayResponseType, PassthroughBehavior};

use crate::body::{self, Body};
use crate::compile::MockIntegration;
use crate::context::RequestContext;
use crate::gateway_response::GatewayError;
use crate::headers::APPLICATION_JSON;
use crate::integration::{header_value, resolve_response_source};
use crate::templates;

pub fn invoke(
    mock: &MockIntegration,
    ctx: &RequestContext,
) -> Result<Response<Body>, GatewayError> {
    let request_headers = &ctx.headers;
    let content_type = request_headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let status_text = match templates::select(&mock.request_templates, content_type) {
        Some(template) => {
            let rendered = templates::render_static(template).ok_or_else(GatewayError::internal)?;
            let code = templates::mock_status_code(rendered).ok_or_else(GatewayError::internal)?;
            Some(code.to_string())
        }
        None => {
            let refuse = match mock.passthrough {
                PassthroughBehavior::WhenNoMatch => false,
                PassthroughBehavior::WhenNoTemplates => !mock.request_templates.is_empty(),
                PassthroughBehavior::Never => true,
            };
            if refuse {
                return Err(GatewayError::new(GatewayResponseType::UnsupportedMediaType));
            }
            None
        }
    };
    let selected = match &status_text {
        Some(code) => mock.responses.select(code),
        None => mock.responses.default.as_ref(),
    }
    .ok_or_else(GatewayError::internal)?;
    if !selected.method_response_declared {
        return Err(GatewayError::internal());
    }
    let mut response = Response::new(body::empty());
    *response.status_mut() = selected.status;
    let accept = request_headers
        .get(::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let template = templates::select(&selected.templates, accept)
        .or_else(|| {
            selected
                .templates
                .get("application/json")
                .map(String::as_str)
        })
        .or_else(|| selected.templates.values().next().map(String::as_str));
    if let Some(t) = template {
        *response.body_mut() = body::full(templates::render_static(t).unwrap_or("").to_owned());
    }
    let headers = response.headers_mut();
    for (name, source) in &selected.response_parameters {
        if let Some(v) = resolve_response_source(source, ctx, None)
            .as_deref()
            .and_then(header_value)
        {
            headers.insert(name.clone(), v);
        }
    }
    headers.entry(CONTENT_TYPE).or_insert(APPLICATION_JSON);
    Ok(response)
}
