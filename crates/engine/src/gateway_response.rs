//! Gateway responses: every error the gateway itself produces goes through [`GatewayError`] and
//! is rendered by [`GatewayResponses::render`], honouring the API's customisations.
//!
//! Resolution is AWS's: a GatewayResponse for the exact type wins; otherwise DEFAULT_4XX /
//! DEFAULT_5XX of the type's class (whose `statusCode` then applies to every uncustomised type
//! of that class); otherwise the built-in response. Templates are mapping templates (VTL), with
//! `$context.error.*` set.

use std::collections::HashMap;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, StatusCode};
use tollgate_model::{GatewayResponse, GatewayResponseType};

use crate::context::RequestContext;
use crate::templates::{self, Templates, Vars};

/// A request that ends with a gateway response.
#[derive(Debug, Clone)]
pub struct GatewayError {
    pub kind: GatewayResponseType,
    /// `$context.error.message`; `None` renders as JSON `null`.
    pub message: Option<String>,
    /// The status of the underlying failure when it differs from the type's natural one
    /// (an uncustomised INTEGRATION_FAILURE goes out as 502).
    pub status: Option<u16>,
    /// `$context.error.validationErrorString`.
    pub validation_error: Option<String>,
    /// `x-amzn-ErrorType` when it is not the type's usual one (SigV4's
    /// `UnrecognizedClientException`, `InvalidSignatureException`, ...).
    pub error_type: Option<&'static str>,
}

impl GatewayError {
    /// An error of `kind` with AWS's default message.
    pub fn new(kind: GatewayResponseType) -> Self {
        GatewayError {
            kind,
            message: kind.default_message().map(str::to_owned),
            status: None,
            validation_error: None,
            error_type: None,
        }
    }

    pub fn with_error_type(mut self, error_type: &'static str) -> Self {
        self.error_type = Some(error_type);
        self
    }

    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }

    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub fn missing_authentication_token() -> Self {
        Self::new(GatewayResponseType::MissingAuthenticationToken)
    }

    pub fn internal() -> Self {
        Self::new(GatewayResponseType::ApiConfigurationError)
    }

    /// `$context.error.messageString`: the message as a JSON string literal, or `null`.
    pub fn message_string(&self) -> String {
        match &self.message {
            Some(m) => serde_json::Value::String(m.clone()).to_string(),
            None => "null".to_owned(),
        }
    }
}

/// A gateway response ready to send.
#[derive(Debug)]
pub struct RenderedResponse {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
}

#[derive(Debug)]
struct Custom {
    status: Option<u16>,
    parameters: Vec<(HeaderName, String)>,
    templates: Templates,
}

/// The gateway responses of one deployment, resolved at compile time.
#[derive(Debug, Default)]
pub struct GatewayResponses {
    custom: HashMap<GatewayResponseType, Custom>,
}

impl GatewayResponses {
    pub fn compile(responses: &[GatewayResponse]) -> Self {
        let mut custom = HashMap::new();
        for r in responses {
            if !r.response_type.customizable() {
                continue;
            }
            let parameters = r
                .response_parameters
                .iter()
                .filter_map(|(k, v)| {
                    let name = k.strip_prefix("gatewayresponse.header.")?;
                    Some((HeaderName::from_bytes(name.as_bytes()).ok()?, v.clone()))
                })
                .collect();
            custom.insert(
                r.response_type,
                Custom {
                    status: r.status_code.as_deref().and_then(|s| s.parse().ok()),
                    parameters,
                    templates: Templates::compile(&r.response_templates),
                },
            );
        }
        GatewayResponses { custom }
    }

    /// Renders `error` for a request with context `ctx` (absent before a stage is known).
    pub fn render(&self, error: &GatewayError, ctx: Option<&RequestContext>) -> RenderedResponse {
        let kind = error.kind;
        let exact = self.custom.get(&kind);
        let class = kind.class_default().and_then(|c| self.custom.get(&c));
        let natural = error.status.or(kind.default_status()).unwrap_or(500);
        let status = match (exact, class) {
            (Some(c), _) => c.status.or(kind.default_status()).unwrap_or(natural),
            (None, Some(c)) => c.status.unwrap_or(natural),
            (None, None) => natural,
        };
        let chosen = exact.or(class);
        let template = chosen.and_then(|c| {
            c.templates
                .get("application/json")
                .or_else(|| c.templates.iter().next().map(|(_, t)| t))
        });
        let rendered = template.and_then(|t| {
            let fallback;
            let ctx = match ctx {
                Some(c) => c,
                None => {
                    fallback = RequestContext::detached();
                    &fallback
                }
            };
            let vars = Vars {
                ctx,
                body: "",
                error: Some(error),
            };
            templates::render(t, &vars).ok().map(|r| r.body)
        });
        let body = match rendered {
            Some(t) => t,
            None if kind.capital_message_key() => {
                format!("{{\"Message\":{}}}", error.message_string())
            }
            None => format!("{{\"message\":{}}}", error.message_string()),
        };
        let mut headers = Vec::new();
        if let Some(c) = chosen {
            for (name, source) in &c.parameters {
                if let Some(v) = resolve_parameter(source, error, ctx)
                    .and_then(|v| HeaderValue::from_str(&v).ok())
                {
                    headers.push((name.clone(), v));
                }
            }
        }
        if let Some(et) = error.error_type.or(kind.error_type()) {
            headers.push((
                HeaderName::from_static("x-amzn-errortype"),
                HeaderValue::from_static(et),
            ));
        }
        RenderedResponse {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers,
            body: Bytes::from(body),
        }
    }
}

/// Resolves a gateway-response header source: `'static'`, `method.request.{header|querystring|path}.X`,
/// `stageVariables.X` or `context.X`.
fn resolve_parameter(
    source: &str,
    error: &GatewayError,
    ctx: Option<&RequestContext>,
) -> Option<String> {
    if let Some(s) = source.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return Some(s.to_owned());
    }
    lookup(source, error, ctx)
}

fn lookup(name: &str, error: &GatewayError, ctx: Option<&RequestContext>) -> Option<String> {
    match name {
        "context.error.message" => return error.message.clone(),
        "context.error.messageString" => return Some(error.message_string()),
        "context.error.responseType" => return Some(error.kind.as_str().to_owned()),
        "context.error.validationErrorString" => return error.validation_error.clone(),
        _ => {}
    }
    let ctx = ctx?;
    if let Some(var) = name.strip_prefix("stageVariables.") {
        return ctx.stage_variable(var).map(str::to_owned);
    }
    if let Some(rest) = name.strip_prefix("method.request.") {
        let (loc, key) = rest.split_once('.')?;
        return ctx.request_parameter(loc, key);
    }
    if let Some(var) = name.strip_prefix("context.") {
        return ctx.context_variable(var);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn body(r: &RenderedResponse) -> &str {
        std::str::from_utf8(&r.body).unwrap()
    }

    fn header<'a>(r: &'a RenderedResponse, name: &str) -> Option<&'a str> {
        r.headers
            .iter()
            .find(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.to_str().ok())
    }

    #[test]
    fn builtin_responses_match_aws() {
        let g = GatewayResponses::default();
        let r = g.render(&GatewayError::missing_authentication_token(), None);
        assert_eq!(r.status, 403);
        assert_eq!(body(&r), r#"{"message":"Missing Authentication Token"}"#);
        assert_eq!(
            header(&r, "x-amzn-ErrorType"),
            Some("MissingAuthenticationTokenException")
        );

        let r = g.render(
            &GatewayError::new(GatewayResponseType::AuthorizerConfigurationError),
            None,
        );
        assert_eq!((r.status.as_u16(), body(&r)), (500, r#"{"message":null}"#));

        let r = g.render(
            &GatewayError::new(GatewayResponseType::AccessDenied).with_message(
                "User is not authorized to access this resource with an explicit deny",
            ),
            None,
        );
        assert_eq!(
            body(&r),
            r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#
        );
        let r = g.render(
            &GatewayError::new(GatewayResponseType::IntegrationTimeout),
            None,
        );
        assert_eq!(
            (r.status.as_u16(), body(&r)),
            (504, r#"{"message":"Endpoint request timed out"}"#)
        );
        let r = g.render(
            &GatewayError::new(GatewayResponseType::IntegrationFailure).with_status(502),
            None,
        );
        assert_eq!(
            (r.status.as_u16(), body(&r)),
            (502, r#"{"message":"Internal server error"}"#)
        );
    }

    fn custom(
        kind: GatewayResponseType,
        status: Option<&str>,
        template: Option<&str>,
    ) -> GatewayResponse {
        GatewayResponse {
            response_type: kind,
            status_code: status.map(str::to_owned),
            response_parameters: BTreeMap::from([(
                "gatewayresponse.header.Access-Control-Allow-Origin".to_owned(),
                "'*'".to_owned(),
            )]),
            response_templates: template
                .map(|t| BTreeMap::from([("application/json".to_owned(), t.to_owned())]))
                .unwrap_or_default(),
            default_response: false,
        }
    }

    #[test]
    fn exact_customisation_wins() {
        let g = GatewayResponses::compile(&[custom(
            GatewayResponseType::MissingAuthenticationToken,
            Some("404"),
            Some(r#"{"error":$context.error.messageString,"type":"$context.error.responseType"}"#),
        )]);
        let r = g.render(&GatewayError::missing_authentication_token(), None);
        assert_eq!(r.status, 404);
        assert_eq!(
            body(&r),
            r#"{"error":"Missing Authentication Token","type":"MISSING_AUTHENTICATION_TOKEN"}"#
        );
        assert_eq!(header(&r, "Access-Control-Allow-Origin"), Some("*"));
    }

    #[test]
    fn class_default_applies_to_uncustomised_types() {
        let g = GatewayResponses::compile(&[custom(
            GatewayResponseType::Default4xx,
            Some("418"),
            None,
        )]);
        let r = g.render(&GatewayError::missing_authentication_token(), None);
        assert_eq!(r.status, 418);
        assert_eq!(body(&r), r#"{"message":"Missing Authentication Token"}"#);
        assert_eq!(header(&r, "Access-Control-Allow-Origin"), Some("*"));
        // 5XX types are untouched by DEFAULT_4XX.
        let r = g.render(
            &GatewayError::new(GatewayResponseType::IntegrationTimeout),
            None,
        );
        assert_eq!(r.status, 504);
        assert_eq!(header(&r, "Access-Control-Allow-Origin"), None);
    }

    #[test]
    fn request_too_large_cannot_be_customised() {
        let g = GatewayResponses::compile(&[custom(
            GatewayResponseType::RequestTooLarge,
            Some("400"),
            Some("x"),
        )]);
        let r = g.render(
            &GatewayError::new(GatewayResponseType::RequestTooLarge),
            None,
        );
        assert_eq!(r.status, 413);
    }

    #[test]
    fn templates_are_vtl() {
        let render = |t: &str| {
            let g =
                GatewayResponses::compile(&[custom(GatewayResponseType::Throttled, None, Some(t))]);
            let r = g.render(&GatewayError::new(GatewayResponseType::Throttled), None);
            body(&r).to_owned()
        };
        assert_eq!(render("${context.error.message}!"), "Too Many Requests!");
        assert_eq!(render("[$context.nope]"), "[]");
        assert_eq!(render("cost: $5 é"), "cost: $5 é");
        assert_eq!(render("$"), "$");
        assert_eq!(
            render("#if($context.error.responseType == 'THROTTLED')slow down#end"),
            "slow down"
        );
    }
}
