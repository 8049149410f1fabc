//! Mapping templates: which one applies (request: by Content-Type, with the passthrough
//! behaviours; response: by Accept), rendering with the VTL engine and API Gateway's variables
//! (`$input`, `$util`, `$context`, `$stageVariables`), and the overrides a template may set
//! (`$context.requestOverride.*`, `$context.responseOverride.*`).
//!
//! Templates are parsed once, at deploy time. A template without any `$` or `#` is plain text and
//! is never run through the engine.

use std::collections::BTreeMap;

use tollgate_model::{GatewayResponseType, PassthroughBehavior};
use tollgate_vtl::{Context, RenderErrorKind, Template, Value, apigw};

use crate::context::{ACCOUNT_ID, RequestContext};
use crate::gateway_response::GatewayError;

/// Which of API Gateway's variables a template can reach, and which entries of `$context`. What
/// a template cannot reach is not built for it: building all of `$context` was most of the cost
/// of a small render.
#[derive(Debug, Clone, Copy)]
struct Uses {
    input: bool,
    util: bool,
    context: ContextKeys,
    stage_variables: bool,
}

impl Uses {
    fn of(template: &Template) -> Uses {
        Uses {
            input: template.variable_use("input").is_used(),
            util: template.variable_use("util").is_used(),
            context: ContextKeys::of(&template.variable_use("context")),
            stage_variables: template.variable_use("stageVariables").is_used(),
        }
    }
}

/// The entries of `$context`, in the order the map holds them.
const CONTEXT_KEYS: [&str; 22] = [
    "accountId",
    "apiId",
    "authorizer",
    "awsEndpointRequestId",
    "deploymentId",
    "domainName",
    "domainPrefix",
    "error",
    "extendedRequestId",
    "httpMethod",
    "identity",
    "isCanaryRequest",
    "path",
    "protocol",
    "requestId",
    "requestTime",
    "requestTimeEpoch",
    "resourceId",
    "resourcePath",
    "stage",
    "requestOverride",
    "responseOverride",
];

/// A set of `$context` entries, as bits over `CONTEXT_KEYS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ContextKeys(u32);

impl ContextKeys {
    const NONE: ContextKeys = ContextKeys(0);

    fn of(usage: &tollgate_vtl::VariableUse) -> ContextKeys {
        let mut bits = 0;
        for (i, key) in CONTEXT_KEYS.iter().enumerate() {
            if usage.reaches(key) {
                bits |= 1 << i;
            }
        }
        ContextKeys(bits)
    }

    fn any(self) -> bool {
        self != ContextKeys::NONE
    }

    fn has(self, i: usize) -> bool {
        self.0 & (1 << i) != 0
    }
}

/// A mapping template, parsed at deploy time.
#[derive(Debug)]
pub struct MappingTemplate {
    text: String,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Static,
    Vtl(Template, Uses),
    /// Velocity refuses it; requests that select it fail with a 500 (AWS accepts such templates
    /// when they are stored and fails at request time).
    Invalid(String),
}

impl MappingTemplate {
    pub fn compile(text: &str) -> MappingTemplate {
        let kind = if !text.contains(['$', '#']) {
            Kind::Static
        } else {
            match Template::parse(text) {
                Ok(t) => {
                    let uses = Uses::of(&t);
                    Kind::Vtl(t, uses)
                }
                Err(e) => Kind::Invalid(e.to_string()),
            }
        };
        MappingTemplate {
            text: text.to_owned(),
            kind,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The parse error, for templates Velocity refuses.
    pub fn error(&self) -> Option<&str> {
        match &self.kind {
            Kind::Invalid(e) => Some(e),
            _ => None,
        }
    }
}

/// The templates of an integration request or response, by content type.
#[derive(Debug, Default)]
pub struct Templates(Vec<(String, MappingTemplate)>);

impl Templates {
    pub fn compile(templates: &BTreeMap<String, String>) -> Templates {
        Templates(
            templates
                .iter()
                .map(|(k, v)| (k.clone(), MappingTemplate::compile(v)))
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The template for a media type (case-insensitive, parameters ignored).
    pub fn get(&self, media_type: &str) -> Option<&MappingTemplate> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(media_type))
            .map(|(_, t)| t)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &MappingTemplate)> {
        self.0.iter().map(|(k, t)| (k.as_str(), t))
    }
}

/// The media type of a Content-Type or Accept value, `application/json` when absent or empty.
pub fn media_type(value: Option<&str>) -> &str {
    value
        .and_then(|c| c.split([';', ',']).next())
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .unwrap_or("application/json")
}

/// What an integration request carries.
pub enum RequestBody<'a> {
    /// The rendered template.
    Template(&'a MappingTemplate),
    /// The method request's body, unchanged.
    Passthrough,
}

/// Picks the request template for the request's Content-Type, or passes the body through, or
/// refuses the request with 415, as `passthroughBehavior` says.
pub fn select_request<'a>(
    templates: &'a Templates,
    passthrough: PassthroughBehavior,
    content_type: Option<&str>,
) -> Result<RequestBody<'a>, GatewayError> {
    if let Some(t) = templates.get(media_type(content_type)) {
        return Ok(RequestBody::Template(t));
    }
    let refuse = match passthrough {
        PassthroughBehavior::WhenNoMatch => false,
        PassthroughBehavior::WhenNoTemplates => !templates.is_empty(),
        PassthroughBehavior::Never => true,
    };
    if refuse {
        return Err(GatewayError::new(GatewayResponseType::UnsupportedMediaType));
    }
    Ok(RequestBody::Passthrough)
}

/// Picks the response template for the request's Accept: its media type, else the
/// `application/json` template, else the first one; `None` passes the body through.
pub fn select_response<'a>(
    templates: &'a Templates,
    accept: Option<&str>,
) -> Option<&'a MappingTemplate> {
    templates
        .get(media_type(accept))
        .or_else(|| templates.get("application/json"))
        .or_else(|| templates.0.first().map(|(_, t)| t))
}

/// What a template sees.
pub struct Vars<'a> {
    pub ctx: &'a RequestContext,
    /// `$input.body`: the method request's body (request templates) or the integration's
    /// response body (response templates).
    pub body: &'a str,
    /// `$context.error.*` (gateway responses).
    pub error: Option<&'a GatewayError>,
}

/// Values a template set with `$context.requestOverride.*` / `$context.responseOverride.*`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `responseOverride.status`, when it is a valid status (100-599).
    pub status: Option<u16>,
    /// `requestOverride.header` / `responseOverride.header`.
    pub headers: Vec<(String, String)>,
    /// `requestOverride.querystring`.
    pub query: Vec<(String, String)>,
    /// `requestOverride.path`.
    pub path: Vec<(String, String)>,
}

/// A rendered template.
#[derive(Debug)]
pub struct Rendered {
    pub body: String,
    pub overrides: Overrides,
}

/// Renders `template` with `body` as `$input.body` (and no `$context.error`).
pub fn render_with_body(
    template: &MappingTemplate,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Rendered, GatewayError> {
    let text = String::from_utf8_lossy(body);
    render(
        template,
        &Vars {
            ctx,
            body: &text,
            error: None,
        },
    )
}

/// Renders `template`. A template error is a 500 (logged); `$input.path`/`$input.json` over a
/// body that is not JSON is AWS's 400.
pub fn render(template: &MappingTemplate, vars: &Vars<'_>) -> Result<Rendered, GatewayError> {
    let parsed = match &template.kind {
        Kind::Static => {
            return Ok(Rendered {
                body: template.text.clone(),
                overrides: Overrides::default(),
            });
        }
        Kind::Invalid(e) => {
            tracing::warn!(request_id = %vars.ctx.request_id, error = %e, "mapping template does not parse");
            return Err(GatewayError::internal());
        }
        Kind::Vtl(t, uses) => (t, *uses),
    };
    let (parsed, uses) = parsed;
    let mut context = variables(vars, uses);
    match parsed.render(&mut context) {
        Ok(body) => Ok(Rendered {
            body,
            overrides: if uses.context.any() {
                overrides(&context)
            } else {
                Overrides::default()
            },
        }),
        Err(e) if e.kind == RenderErrorKind::InvalidJsonBody => {
            // The engine names the failing method first; AWS's message starts at the cause.
            let message = e
                .message
                .find(apigw::INVALID_JSON_BODY_MESSAGE)
                .map_or(e.message.as_str(), |at| &e.message[at..]);
            Err(GatewayError::new(GatewayResponseType::BadRequestBody).with_message(message))
        }
        Err(e) => {
            tracing::warn!(request_id = %vars.ctx.request_id, error = %e, "mapping template failed");
            Err(GatewayError::internal())
        }
    }
}

fn variables(vars: &Vars<'_>, uses: Uses) -> Context {
    let ctx = vars.ctx;
    let mut c = Context::new();
    if uses.input {
        c.insert(
            "input",
            apigw::Input::new(vars.body, params(ctx)).into_value(),
        );
    }
    if uses.util {
        c.insert("util", apigw::util());
    }
    if uses.context.any() {
        c.insert("context", context_value(ctx, vars.error, uses.context));
    }
    if uses.stage_variables {
        c.insert(
            "stageVariables",
            Value::java_map(
                ctx.stage_variables
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::str(v))),
            ),
        );
    }
    c
}

/// `$input.params()`: path parameters, query parameters (last value of a repeated one) and
/// headers (last value), each in arrival order.
fn params(ctx: &RequestContext) -> apigw::Params {
    fn last_wins(pairs: impl Iterator<Item = (String, String)>) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for (k, v) in pairs {
            match out.iter_mut().find(|(n, _)| *n == k) {
                Some(slot) => slot.1 = v,
                None => out.push((k, v)),
            }
        }
        out
    }
    apigw::Params {
        path: ctx.path_params.clone(),
        querystring: last_wins(ctx.query.iter().cloned()),
        header: last_wins(
            ctx.headers
                .iter()
                .filter_map(|(k, v)| Some((header_case(k.as_str()), v.to_str().ok()?.to_owned()))),
        ),
    }
}

/// `content-type` → `Content-Type`: HTTP/1.1 clients send canonical case, which is what
/// templates look headers up by; HTTP/2 lower-cases everything on the wire anyway.
fn header_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for ch in name.chars() {
        out.push(if upper { ch.to_ascii_uppercase() } else { ch });
        upper = ch == '-';
    }
    out
}

fn s(v: &str) -> Value {
    Value::str(v)
}

fn opt(v: Option<&str>) -> Value {
    v.map_or(Value::Null, Value::str)
}

/// `$context`, as a Java map (with empty override maps for templates to fill), holding the
/// entries in `keys`.
fn context_value(ctx: &RequestContext, error: Option<&GatewayError>, keys: ContextKeys) -> Value {
    let all = CONTEXT_KEYS.iter().enumerate();
    Value::java_map(
        all.filter(|(i, _)| keys.has(*i))
            .map(|(_, key)| (*key, context_entry(key, ctx, error))),
    )
}

fn context_entry(key: &str, ctx: &RequestContext, error: Option<&GatewayError>) -> Value {
    let empty = || Value::java_map::<&str>([]);
    match key {
        "accountId" => s(ACCOUNT_ID),
        "apiId" => s(&ctx.api_id),
        "authorizer" => authorizer_value(ctx),
        "awsEndpointRequestId" | "requestId" => s(&ctx.request_id),
        "deploymentId" => s(&ctx.deployment_id),
        "domainName" => s(&ctx.domain_name),
        "domainPrefix" => s(ctx.domain_name.split('.').next().unwrap_or("")),
        "error" => error_value(error),
        "extendedRequestId" => s(&ctx.extended_request_id),
        "httpMethod" => s(&ctx.http_method),
        "identity" => identity_value(ctx),
        "isCanaryRequest" => Value::Bool(false),
        "path" => s(&ctx.path),
        "protocol" => s("HTTP/1.1"),
        "requestTime" => Value::from(ctx.request_time()),
        "requestTimeEpoch" => Value::Int(ctx.request_time_epoch_ms),
        "resourceId" => s(&ctx.resource_id),
        "resourcePath" => s(&ctx.resource_path),
        "stage" => s(&ctx.stage),
        "requestOverride" => Value::java_map([
            ("header", empty()),
            ("querystring", empty()),
            ("path", empty()),
        ]),
        "responseOverride" => Value::java_map([("header", empty()), ("status", Value::Null)]),
        _ => Value::Null,
    }
}

fn identity_value(ctx: &RequestContext) -> Value {
    let who = &ctx.identity;
    Value::java_map([
        ("accessKey", opt(who.access_key.as_deref())),
        ("accountId", opt(who.account_id.as_deref())),
        ("apiKey", opt(who.api_key.as_deref())),
        ("apiKeyId", opt(who.api_key_id.as_deref())),
        ("caller", opt(who.caller.as_deref())),
        ("cognitoAuthenticationProvider", Value::Null),
        ("cognitoAuthenticationType", Value::Null),
        ("cognitoIdentityId", Value::Null),
        ("cognitoIdentityPoolId", Value::Null),
        ("principalOrgId", Value::Null),
        ("sourceIp", s(&ctx.source_ip)),
        ("user", opt(who.user.as_deref())),
        ("userAgent", opt(ctx.user_agent.as_deref())),
        ("userArn", opt(who.user_arn.as_deref())),
    ])
}

fn authorizer_value(ctx: &RequestContext) -> Value {
    let Some(a) = &ctx.authorizer else {
        return Value::java_map::<&str>([]);
    };
    let mut entries: Vec<(String, Value)> = Vec::new();
    if let Some(p) = &a.principal_id {
        entries.push(("principalId".to_owned(), s(p)));
    }
    for (k, v) in &a.context {
        entries.push((k.clone(), s(v)));
    }
    if let Some(claims) = &a.claims {
        entries.push((
            "claims".to_owned(),
            Value::java_map(claims.iter().map(|(k, v)| (k.clone(), s(v)))),
        ));
    }
    Value::java_map(entries)
}

fn error_value(error: Option<&GatewayError>) -> Value {
    Value::java_map([
        ("message", opt(error.and_then(|e| e.message.as_deref()))),
        (
            "messageString",
            error.map_or(Value::Null, |e| Value::from(e.message_string())),
        ),
        (
            "responseType",
            error.map_or(Value::Null, |e| s(e.kind.as_str())),
        ),
        (
            "validationErrorString",
            opt(error.and_then(|e| e.validation_error.as_deref())),
        ),
    ])
}

fn overrides(c: &Context) -> Overrides {
    let entries = |path: &[&str]| -> Vec<(String, String)> {
        match c.lookup(path) {
            Some(Value::Map(m)) => m
                .entries()
                .into_iter()
                .filter(|(_, v)| !matches!(v, Value::Null))
                .map(|(k, v)| (k, v.render()))
                .collect(),
            _ => Vec::new(),
        }
    };
    let status = match c.lookup(&["context", "responseOverride", "status"]) {
        Some(Value::Int(n)) => u16::try_from(n).ok(),
        Some(Value::String(t)) => t.trim().parse().ok(),
        _ => None,
    }
    .filter(|n| (100..=599).contains(n));
    let mut headers = entries(&["context", "requestOverride", "header"]);
    headers.extend(entries(&["context", "responseOverride", "header"]));
    Overrides {
        status,
        headers,
        query: entries(&["context", "requestOverride", "querystring"]),
        path: entries(&["context", "requestOverride", "path"]),
    }
}

/// Reads the integer `statusCode` of a rendered MOCK request template. Lenient like AWS: the
/// key may be quoted or not (`{statusCode: 200}`, CDK's form).
pub fn mock_status_code(rendered: &str) -> Option<u16> {
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(rendered)
    {
        return map
            .get("statusCode")
            .and_then(serde_json::Value::as_u64)
            .and_then(|n| u16::try_from(n).ok());
    }
    let trimmed = rendered.trim();
    if !trimmed.starts_with('{') {
        return None;
    }
    let at = trimmed.find("statusCode")?;
    let rest = trimmed[at + "statusCode".len()..]
        .trim_start_matches(['"', '\''])
        .trim_start();
    let rest = rest.strip_prefix(':')?.trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let after = rest[digits.len()..].trim_start();
    if digits.is_empty() || !(after.starts_with(',') || after.starts_with('}')) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_text(text: &str, ctx: &RequestContext) -> Rendered {
        let t = MappingTemplate::compile(text);
        render(
            &t,
            &Vars {
                ctx,
                body: "",
                error: None,
            },
        )
        .expect("renders")
    }

    #[test]
    fn context_holds_what_the_template_reaches() {
        let mut ctx = RequestContext::detached();
        ctx.stage = "dev".into();
        ctx.http_method = "GET".into();
        // Only the named entries are built, and they read the same.
        assert_eq!(
            render_text(
                "$context.stage $context.httpMethod $context.path.length()",
                &ctx
            )
            .body,
            "dev GET 0"
        );
        // Used as a whole, every entry is there, in AWS's order.
        let keys = render_text("$context.keySet()", &ctx).body;
        assert_eq!(keys, format!("[{}]", CONTEXT_KEYS.join(", ")));
        let t = "#set($c = $context)$c.stage#set($c.responseOverride.status = 404)";
        let r = render_text(t, &ctx);
        assert_eq!((r.body.as_str(), r.overrides.status), ("dev", Some(404)));
        // Overrides set through the property path come back too.
        let t = "#set($context.requestOverride.header.X = 'y')";
        assert_eq!(
            render_text(t, &ctx).overrides.headers,
            vec![("X".to_owned(), "y".to_owned())]
        );
    }

    #[test]
    fn mock_status_codes() {
        assert_eq!(mock_status_code(r#"{"statusCode": 200}"#), Some(200));
        assert_eq!(mock_status_code("{statusCode: 404}"), Some(404));
        assert_eq!(
            mock_status_code("{ 'statusCode' : 201 , \"x\": 1}"),
            Some(201)
        );
        assert_eq!(mock_status_code(r#"{"statusCode": "200"}"#), None);
        assert_eq!(mock_status_code(r#"{"statusCode": 2.5}"#), None);
        assert_eq!(mock_status_code("statusCode: 200"), None);
        assert_eq!(mock_status_code(""), None);
    }

    fn templates(pairs: &[(&str, &str)]) -> Templates {
        Templates::compile(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn request_selection_and_passthrough_behaviours() {
        use PassthroughBehavior::*;
        let json = templates(&[("application/json", "j")]);
        let none = templates(&[]);
        let pick = |t: &Templates, p, ct| match select_request(t, p, ct) {
            Ok(RequestBody::Template(t)) => Ok(t.text().to_owned()),
            Ok(RequestBody::Passthrough) => Ok("passthrough".to_owned()),
            Err(e) => Err(e.kind),
        };
        assert_eq!(pick(&json, WhenNoMatch, None), Ok("j".into()));
        assert_eq!(
            pick(&json, WhenNoMatch, Some("application/json; charset=utf-8")),
            Ok("j".into())
        );
        // The reference's table.
        let unsupported = Err(GatewayResponseType::UnsupportedMediaType);
        assert_eq!(
            pick(&json, WhenNoMatch, Some("text/plain")),
            Ok("passthrough".into())
        );
        assert_eq!(
            pick(&none, WhenNoMatch, Some("text/plain")),
            Ok("passthrough".into())
        );
        assert_eq!(
            pick(&json, WhenNoTemplates, Some("text/plain")),
            unsupported
        );
        assert_eq!(
            pick(&none, WhenNoTemplates, Some("text/plain")),
            Ok("passthrough".into())
        );
        assert_eq!(pick(&json, Never, Some("text/plain")), unsupported);
        assert_eq!(pick(&none, Never, Some("text/plain")), unsupported);
    }

    #[test]
    fn response_selection_follows_accept() {
        let t = templates(&[("application/xml", "x"), ("text/html", "h")]);
        let pick = |a| select_response(&t, a).map(|t| t.text().to_owned());
        assert_eq!(pick(Some("text/html")), Some("h".into()));
        assert_eq!(pick(Some("text/html, application/xml")), Some("h".into()));
        // No match and no application/json: the first template.
        assert_eq!(pick(Some("image/png")), Some("x".into()));
        let t = templates(&[("application/json", "j"), ("text/html", "h")]);
        assert_eq!(
            select_response(&t, Some("image/png")).map(|t| t.text()),
            Some("j")
        );
        assert!(select_response(&templates(&[]), None).is_none());
    }

    #[test]
    fn header_names_get_canonical_case() {
        assert_eq!(header_case("content-type"), "Content-Type");
        assert_eq!(header_case("x-amz-date"), "X-Amz-Date");
        assert_eq!(header_case("host"), "Host");
    }
}
