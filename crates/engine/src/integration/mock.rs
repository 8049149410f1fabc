//! MOCK: the request template's `statusCode` picks the integration response; nothing leaves the
//! gateway.

use ::http::Response;
use ::http::header::CONTENT_TYPE;
use bytes::Bytes;

use crate::body::Body;
use crate::compile::MockIntegration;
use crate::context::RequestContext;
use crate::gateway_response::GatewayError;
use crate::integration::{IntegrationOutput, method_response};
use crate::templates::{self, RequestBody};

/// Serves a MOCK method; `body` is the method request's body.
pub fn invoke(
    mock: &MockIntegration,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Response<Body>, GatewayError> {
    let content_type = ctx.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let status_text =
        match templates::select_request(&mock.request_templates, mock.passthrough, content_type)? {
            RequestBody::Template(template) => {
                let rendered = templates::render_with_body(template, ctx, body)?;
                let code = templates::mock_status_code(&rendered.body)
                    .ok_or_else(GatewayError::internal)?;
                Some(code.to_string())
            }
            RequestBody::Passthrough => None,
        };
    let selected = match &status_text {
        Some(code) => crate::integration::selected_response(&mock.responses, code, code, ctx)?,
        None => match mock.responses.default.as_ref() {
            Some(r) if r.method_response_declared => r,
            _ => {
                // Passthrough without a status: only the default response can answer.
                ctx.log(|| {
                    "Execution failed due to configuration error: No match for output mapping and no default output mapping configured".to_owned()
                });
                return Err(GatewayError::internal());
            }
        },
    };
    let output = IntegrationOutput {
        headers: None,
        body: Bytes::new(),
        binary: false,
    };
    method_response(selected, ctx, output, &[])
}
