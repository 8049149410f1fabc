//! Compile once, serve many: a deployment plus a stage becomes an immutable [`CompiledStage`].
//!
//! Everything that can be decided before a request arrives is decided here: the routing tree,
//! integration URIs split into literal and variable parts, selection-pattern regexes, parameter
//! mapping sources, gateway responses. The request path only reads the result.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderName, StatusCode};
use tollgate_model::{
    ApiDefinition, ApiKeySource, AuthorizationType, ContentHandling, HttpMethod, Integration,
    IntegrationType, Method, PassthroughBehavior, Resource, Stage,
};

use crate::gateway_response::GatewayResponses;
use crate::router::{RouteError, Router};
use crate::templates::Templates;

/// Why a deployment could not be compiled for a stage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    #[error("resource {path}: {source}")]
    Route { path: String, source: RouteError },
    #[error("{path} {verb}: invalid selection pattern '{pattern}': {reason}")]
    SelectionPattern {
        path: String,
        verb: HttpMethod,
        pattern: String,
        reason: String,
    },
    #[error("{path} {verb}: {source}")]
    Model {
        path: String,
        verb: HttpMethod,
        source: crate::validation::ModelError,
    },
    #[error("{0}")]
    Authorizer(crate::authorizer::AuthorizerError),
    #[error("resource policy: {0}")]
    Policy(String),
    #[error("{path} {verb}: {reason}")]
    Integration {
        path: String,
        verb: HttpMethod,
        reason: String,
    },
}

/// A stage of a deployment, ready to serve.
#[derive(Debug)]
pub struct CompiledStage {
    pub api_id: String,
    pub api_name: String,
    pub stage_name: String,
    pub deployment_id: String,
    pub variables: Arc<BTreeMap<String, String>>,
    pub router: Router<CompiledMethod>,
    pub gateway_responses: GatewayResponses,
    /// The API's binary media types (`image/png`, `image/*`, `*/*`).
    pub binary_media_types: Vec<String>,
    /// Where API keys come from: the `x-api-key` header, or a Lambda authorizer.
    pub api_key_source: ApiKeySource,
    /// The API's resource policy.
    pub resource_policy: Option<crate::resource_policy::ResourcePolicy>,
}

/// A method with everything its requests need.
#[derive(Debug)]
pub struct CompiledMethod {
    pub resource_id: String,
    pub resource_path: String,
    pub http_method: HttpMethod,
    /// Required parameters and body model, when the method has a request validator.
    pub validation: Option<crate::validation::MethodValidation>,
    /// Requests need an API key of a usage plan covering the stage.
    pub api_key_required: bool,
    /// Who may call: the phase "authorize".
    pub authorization: MethodAuthorization,
    /// `"{resourcePath}/{METHOD}"`, the key of method throttles.
    pub method_key: String,
    pub integration: CompiledIntegration,
}

/// How a method's callers are authorized.
#[derive(Debug, Clone)]
pub enum MethodAuthorization {
    None,
    /// A Lambda authorizer (TOKEN or REQUEST), shared by the stage's methods that use it.
    Lambda(Arc<crate::authorizer::LambdaAuthorizer>),
    /// A user pool (JWT) authorizer and the method's `authorizationScopes`.
    Jwt(Arc<crate::access::JwtAuthorizer>, Vec<String>),
    /// SigV4 with credentials configured in Tollgate.
    Iam,
}

#[derive(Debug)]
pub enum CompiledIntegration {
    Mock(MockIntegration),
    Http(HttpIntegration),
    Lambda(LambdaIntegration),
    /// An integration type this build cannot run yet; requests get a 500.
    Unsupported(IntegrationType),
}

#[derive(Debug)]
pub struct MockIntegration {
    pub passthrough: PassthroughBehavior,
    /// Content type → request template (its `statusCode` picks the integration response).
    pub request_templates: Templates,
    pub responses: IntegrationResponses,
}

#[derive(Debug)]
pub struct HttpIntegration {
    /// HTTP_PROXY (true) or HTTP (false).
    pub proxy: bool,
    pub uri: UriTemplate,
    /// The verb sent to the backend; `None` = the request's own (`ANY`).
    pub method: Option<http::Method>,
    pub timeout: Duration,
    /// `integration.request.*` destinations and where their values come from.
    pub request_parameters: Vec<(Destination, Source)>,
    /// HTTP only: request templates by content type, and what happens without a match.
    pub request_templates: Templates,
    pub passthrough: PassthroughBehavior,
    /// HTTP only: conversion of the request body (see [`crate::binary`]).
    pub content_handling: Option<ContentHandling>,
    pub insecure_tls: bool,
    pub responses: IntegrationResponses,
}

/// AWS_PROXY, or AWS with a Lambda URI.
#[derive(Debug)]
pub struct LambdaIntegration {
    /// AWS_PROXY (true) or AWS (false).
    pub proxy: bool,
    /// The function name or ARN, possibly with `${stageVariables.x}` parts.
    pub function: UriTemplate,
    pub timeout: Duration,
    /// Non-proxy only: request templates by content type, and what happens without a match.
    pub request_templates: Templates,
    pub passthrough: PassthroughBehavior,
    /// Non-proxy only: conversion of the request body (see [`crate::binary`]).
    pub content_handling: Option<ContentHandling>,
    /// Non-proxy only: selected by the function's `errorMessage`.
    pub responses: IntegrationResponses,
}

/// Where an integration request parameter goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Path(String),
    Query(String),
    Header(HeaderName),
}

/// Where a mapped value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Static(String),
    /// `method.request.{location}.{name}`.
    MethodRequest {
        location: String,
        name: String,
    },
    StageVariable(String),
    Context(String),
    /// `integration.response.header.X` (last value).
    ResponseHeader(HeaderName),
    /// `integration.response.multivalueheader.X` (comma-joined).
    ResponseMultiHeader(HeaderName),
    /// `method.request.body[.path]` or `integration.response.body[.path]` (the path is JSONPath
    /// without its leading `$`).
    Body(Option<String>),
}

impl Source {
    /// Parses a mapping expression. `None` for forms AWS does not accept.
    pub fn parse(expr: &str) -> Option<Source> {
        if let Some(s) = expr.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            return Some(Source::Static(s.to_owned()));
        }
        if let Some(rest) = expr.strip_prefix("method.request.") {
            if rest == "body" {
                return Some(Source::Body(None));
            }
            if let Some(path) = rest.strip_prefix("body.") {
                return Some(Source::Body(Some(path.to_owned())));
            }
            let (location, name) = rest.split_once('.')?;
            return matches!(
                location,
                "path" | "querystring" | "header" | "multivaluequerystring" | "multivalueheader"
            )
            .then(|| Source::MethodRequest {
                location: location.to_owned(),
                name: name.to_owned(),
            });
        }
        if let Some(name) = expr.strip_prefix("integration.response.header.") {
            return HeaderName::from_bytes(name.as_bytes())
                .ok()
                .map(Source::ResponseHeader);
        }
        if let Some(name) = expr.strip_prefix("integration.response.multivalueheader.") {
            return HeaderName::from_bytes(name.as_bytes())
                .ok()
                .map(Source::ResponseMultiHeader);
        }
        if expr == "integration.response.body" {
            return Some(Source::Body(None));
        }
        if let Some(path) = expr.strip_prefix("integration.response.body.") {
            return Some(Source::Body(Some(path.to_owned())));
        }
        if let Some(name) = expr.strip_prefix("stageVariables.") {
            return Some(Source::StageVariable(name.to_owned()));
        }
        if let Some(name) = expr.strip_prefix("context.") {
            return Some(Source::Context(name.to_owned()));
        }
        None
    }
}

/// An integration URI split into literal text, `{name}` (filled by `integration.request.path.name`)
/// and `${stageVariables.name}` parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriTemplate {
    pub parts: Vec<UriPart>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UriPart {
    Literal(String),
    PathVariable(String),
    StageVariable(String),
}

impl UriTemplate {
    pub fn parse(uri: &str) -> UriTemplate {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = uri;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix("${stageVariables.")
                && let Some(end) = after.find('}')
            {
                if !literal.is_empty() {
                    parts.push(UriPart::Literal(std::mem::take(&mut literal)));
                }
                parts.push(UriPart::StageVariable(after[..end].to_owned()));
                rest = &after[end + 1..];
                continue;
            }
            if let Some(after) = rest.strip_prefix('{')
                && let Some(end) = after.find('}')
            {
                let name = &after[..end];
                if !name.is_empty() && !name.contains('{') {
                    if !literal.is_empty() {
                        parts.push(UriPart::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(UriPart::PathVariable(name.to_owned()));
                    rest = &after[end + 1..];
                    continue;
                }
            }
            let ch = rest.chars().next().unwrap_or_default();
            literal.push(ch);
            rest = &rest[ch.len_utf8()..];
        }
        if !literal.is_empty() {
            parts.push(UriPart::Literal(literal));
        }
        UriTemplate { parts }
    }
}

/// The integration responses of a method, in selection order.
#[derive(Debug, Default)]
pub struct IntegrationResponses {
    pub patterned: Vec<CompiledIntegrationResponse>,
    pub default: Option<CompiledIntegrationResponse>,
}

#[derive(Debug)]
pub struct CompiledIntegrationResponse {
    pub status: StatusCode,
    pub pattern: Option<fancy_regex::Regex>,
    pub response_parameters: Vec<(HeaderName, Source)>,
    /// Content type → response template.
    pub templates: Templates,
    /// Conversion of the integration's response body (see [`crate::binary`]).
    pub content_handling: Option<ContentHandling>,
    /// False when the method declares no method response for `status`: AWS then fails the
    /// request ("Output mapping refers to an invalid method response").
    pub method_response_declared: bool,
}

impl IntegrationResponses {
    /// Picks the response whose pattern matches the whole `value` (Java `matches()`), else the
    /// default. A pattern that cannot finish within the backtrack limit does not match.
    pub fn select(&self, value: &str) -> Option<&CompiledIntegrationResponse> {
        self.patterned
            .iter()
            .find(|r| {
                r.pattern
                    .as_ref()
                    .is_some_and(|p| p.is_match(value).unwrap_or(false))
            })
            .or(self.default.as_ref())
    }
}

fn compile_pattern(pattern: &str) -> Result<fancy_regex::Regex, String> {
    fancy_regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .backtrack_limit(100_000)
        .build()
        .map_err(|e| e.to_string())
}

fn compile_responses(
    integration: &Integration,
    declared: &HashSet<&str>,
    path: &str,
    verb: HttpMethod,
) -> Result<IntegrationResponses, CompileError> {
    let mut out = IntegrationResponses::default();
    let mut patterned: Vec<(&String, CompiledIntegrationResponse)> = Vec::new();
    for (code, r) in &integration.integration_responses {
        let status = code
            .parse::<u16>()
            .ok()
            .and_then(|c| StatusCode::from_u16(c).ok())
            .ok_or_else(|| CompileError::Integration {
                path: path.to_owned(),
                verb,
                reason: format!("invalid integration response status code '{code}'"),
            })?;
        let pattern = match r.selection_pattern.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => {
                Some(
                    compile_pattern(p).map_err(|reason| CompileError::SelectionPattern {
                        path: path.to_owned(),
                        verb,
                        pattern: p.to_owned(),
                        reason,
                    })?,
                )
            }
            None => None,
        };
        let response_parameters = r
            .response_parameters
            .iter()
            .filter_map(|(k, v)| {
                let name = k.strip_prefix("method.response.header.")?;
                Some((
                    HeaderName::from_bytes(name.as_bytes()).ok()?,
                    Source::parse(v)?,
                ))
            })
            .collect();
        let compiled = CompiledIntegrationResponse {
            status,
            pattern,
            response_parameters,
            templates: Templates::compile(&r.response_templates),
            content_handling: r.content_handling,
            method_response_declared: declared.contains(code.as_str()),
        };
        if compiled.pattern.is_some() {
            patterned.push((r.selection_pattern.as_ref().unwrap_or(code), compiled));
        } else {
            out.default = Some(compiled);
        }
    }
    // AWS does not document an order between overlapping patterns; keep a stable one (by pattern).
    patterned.sort_by(|a, b| a.0.cmp(b.0));
    out.patterned = patterned.into_iter().map(|(_, r)| r).collect();
    Ok(out)
}

fn compile_integration(
    integration: &Integration,
    declared: &HashSet<&str>,
    path: &str,
    verb: HttpMethod,
) -> Result<CompiledIntegration, CompileError> {
    let err = |reason: String| CompileError::Integration {
        path: path.to_owned(),
        verb,
        reason,
    };
    Ok(match integration.kind {
        IntegrationType::Mock => CompiledIntegration::Mock(MockIntegration {
            passthrough: integration.passthrough_behavior,
            request_templates: Templates::compile(&integration.request_templates),
            responses: compile_responses(integration, declared, path, verb)?,
        }),
        IntegrationType::Http | IntegrationType::HttpProxy => {
            let uri = integration
                .uri
                .as_deref()
                .ok_or_else(|| err("an HTTP integration needs a uri".to_owned()))?;
            if !(uri.starts_with("http://")
                || uri.starts_with("https://")
                || uri.starts_with("${stageVariables."))
            {
                return Err(err("Invalid HTTP endpoint specified for URI".to_owned()));
            }
            let method = match integration.http_method.as_deref() {
                None | Some("ANY") | Some("any") => None,
                Some(m) => Some(
                    http::Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                        .map_err(|_| err(format!("invalid integration httpMethod '{m}'")))?,
                ),
            };
            let mut request_parameters = Vec::new();
            for (dest, src) in &integration.request_parameters {
                let rest = dest
                    .strip_prefix("integration.request.")
                    .ok_or_else(|| err(format!("invalid mapping destination '{dest}'")))?;
                let destination = match rest.split_once('.') {
                    Some(("path", n)) => Destination::Path(n.to_owned()),
                    Some(("querystring", n)) => Destination::Query(n.to_owned()),
                    Some(("header", n)) => Destination::Header(
                        HeaderName::from_bytes(n.as_bytes())
                            .map_err(|_| err(format!("invalid header name in '{dest}'")))?,
                    ),
                    _ => return Err(err(format!("invalid mapping destination '{dest}'"))),
                };
                let source = Source::parse(src).ok_or_else(|| {
                    err(format!("invalid mapping expression '{src}' for '{dest}'"))
                })?;
                request_parameters.push((destination, source));
            }
            let timeout = integration
                .timeout_in_millis
                .clamp(Integration::MIN_TIMEOUT_MS, Integration::DEFAULT_TIMEOUT_MS);
            CompiledIntegration::Http(HttpIntegration {
                proxy: integration.kind == IntegrationType::HttpProxy,
                uri: UriTemplate::parse(uri),
                method,
                timeout: Duration::from_millis(u64::from(timeout)),
                request_parameters,
                request_templates: Templates::compile(&integration.request_templates),
                passthrough: integration.passthrough_behavior,
                content_handling: integration.content_handling,
                insecure_tls: integration
                    .tls_config
                    .as_ref()
                    .is_some_and(|t| t.insecure_skip_verification),
                responses: compile_responses(integration, declared, path, verb)?,
            })
        }
        IntegrationType::Aws | IntegrationType::AwsProxy => {
            let proxy = integration.kind == IntegrationType::AwsProxy;
            let Some(function) = integration
                .uri
                .as_deref()
                .and_then(crate::integration::lambda::lambda_function_in_uri)
            else {
                // AWS service integrations other than Lambda are not run by this build.
                return Ok(CompiledIntegration::Unsupported(integration.kind));
            };
            if proxy
                && !integration
                    .http_method
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case("POST"))
            {
                // AWS answers 500 at request time; refusing it at compile time would hide the
                // whole stage, so keep it and fail its requests the same way.
                return Ok(CompiledIntegration::Unsupported(integration.kind));
            }
            CompiledIntegration::Lambda(LambdaIntegration {
                proxy,
                function: UriTemplate::parse(function),
                timeout: Duration::from_millis(u64::from(
                    integration
                        .timeout_in_millis
                        .clamp(Integration::MIN_TIMEOUT_MS, Integration::DEFAULT_TIMEOUT_MS),
                )),
                request_templates: Templates::compile(&integration.request_templates),
                passthrough: integration.passthrough_behavior,
                content_handling: integration.content_handling,
                responses: compile_responses(integration, declared, path, verb)?,
            })
        }
    })
}

/// Compiles one method of `definition` (`verb` on `resource`): its integration and responses,
/// its request validation. Its authorization is left `None` for the caller to decide (a deployment
/// resolves the method's authorizer; a test invocation skips authorization).
pub(crate) fn compile_method(
    definition: &ApiDefinition,
    resource: &Resource,
    verb: HttpMethod,
    method: &Method,
    models: &mut crate::validation::ModelCache<'_>,
) -> Result<CompiledMethod, CompileError> {
    let declared: HashSet<&str> = method.method_responses.keys().map(String::as_str).collect();
    let integration = match &method.method_integration {
        Some(i) => compile_integration(i, &declared, &resource.path, verb)?,
        None => {
            return Err(CompileError::Integration {
                path: resource.path.clone(),
                verb,
                reason: "No integration defined for method".to_owned(),
            });
        }
    };
    let validation = crate::validation::MethodValidation::compile(method, definition, models)
        .map_err(|source| CompileError::Model {
            path: resource.path.clone(),
            verb,
            source,
        })?;
    Ok(CompiledMethod {
        resource_id: resource.id.clone(),
        resource_path: resource.path.clone(),
        http_method: verb,
        validation,
        api_key_required: method.api_key_required,
        authorization: MethodAuthorization::None,
        method_key: tollgate_limits::method_key(&resource.path, verb.as_str()),
        integration,
    })
}

/// Compiles `definition` (a deployment's snapshot) as served by `stage`.
pub fn compile(definition: &ApiDefinition, stage: &Stage) -> Result<CompiledStage, CompileError> {
    let mut router = Router::new();
    let mut models = crate::validation::ModelCache::new(definition);
    let resource_policy = match definition.rest_api.policy.as_deref() {
        Some(text) if !text.trim().is_empty() => Some(
            crate::resource_policy::ResourcePolicy::compile(text, &definition.rest_api.id)
                .map_err(CompileError::Policy)?,
        ),
        _ => None,
    };
    let mut lambda_authorizers = HashMap::new();
    let mut jwt_authorizers = HashMap::new();
    for a in &definition.authorizers {
        let compiled =
            crate::authorizer::LambdaAuthorizer::compile(a).map_err(CompileError::Authorizer)?;
        if let Some(c) = compiled {
            lambda_authorizers.insert(a.id.clone(), Arc::new(c));
        }
        let jwt = crate::access::JwtAuthorizer::compile(a).map_err(|reason| {
            CompileError::Authorizer(crate::authorizer::AuthorizerError {
                name: a.name.clone(),
                reason,
            })
        })?;
        if let Some(j) = jwt {
            jwt_authorizers.insert(a.id.clone(), Arc::new(j));
        }
    }
    for resource in &definition.resources {
        for (verb, method) in &resource.resource_methods {
            let mut compiled = compile_method(definition, resource, *verb, method, &mut models)?;
            compiled.authorization = match method.authorization_type {
                AuthorizationType::None => MethodAuthorization::None,
                AuthorizationType::Custom => {
                    let found = method
                        .authorizer_id
                        .as_deref()
                        .and_then(|id| lambda_authorizers.get(id));
                    match found {
                        Some(a) => MethodAuthorization::Lambda(a.clone()),
                        None => {
                            return Err(CompileError::Integration {
                                path: resource.path.clone(),
                                verb: *verb,
                                reason: "Invalid authorizer ID specified for CUSTOM authorization"
                                    .to_owned(),
                            });
                        }
                    }
                }
                AuthorizationType::CognitoUserPools => {
                    let found = method
                        .authorizer_id
                        .as_deref()
                        .and_then(|id| jwt_authorizers.get(id));
                    match found {
                        Some(a) => {
                            MethodAuthorization::Jwt(a.clone(), method.authorization_scopes.clone())
                        }
                        None => {
                            return Err(CompileError::Integration {
                                path: resource.path.clone(),
                                verb: *verb,
                                reason:
                                    "Invalid authorizer ID specified for COGNITO_USER_POOLS authorization"
                                        .to_owned(),
                            });
                        }
                    }
                }
                AuthorizationType::AwsIam => MethodAuthorization::Iam,
            };
            router
                .insert(&resource.path, *verb, Arc::new(compiled))
                .map_err(|source| CompileError::Route {
                    path: resource.path.clone(),
                    source,
                })?;
        }
    }
    Ok(CompiledStage {
        api_id: definition.rest_api.id.clone(),
        api_name: definition.rest_api.name.clone(),
        stage_name: stage.stage_name.clone(),
        deployment_id: stage.deployment_id.clone(),
        variables: Arc::new(stage.variables.clone()),
        router,
        gateway_responses: GatewayResponses::compile(&definition.gateway_responses),
        binary_media_types: definition.rest_api.binary_media_types.clone(),
        api_key_source: definition.rest_api.api_key_source,
        resource_policy,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_templates_split() {
        assert_eq!(
            UriTemplate::parse("http://${stageVariables.host}:8080/pets/{id}?x={q}").parts,
            vec![
                UriPart::Literal("http://".into()),
                UriPart::StageVariable("host".into()),
                UriPart::Literal(":8080/pets/".into()),
                UriPart::PathVariable("id".into()),
                UriPart::Literal("?x=".into()),
                UriPart::PathVariable("q".into()),
            ]
        );
        assert_eq!(
            UriTemplate::parse("http://a/{").parts,
            vec![UriPart::Literal("http://a/{".into())]
        );
    }

    #[test]
    fn sources_parse() {
        assert_eq!(Source::parse("'x'"), Some(Source::Static("x".into())));
        assert_eq!(
            Source::parse("method.request.path.proxy"),
            Some(Source::MethodRequest {
                location: "path".into(),
                name: "proxy".into()
            })
        );
        assert_eq!(
            Source::parse("stageVariables.v"),
            Some(Source::StageVariable("v".into()))
        );
        assert_eq!(Source::parse("method.request.cookie.x"), None);
        assert_eq!(Source::parse("nonsense"), None);
    }

    #[test]
    fn selection_is_whole_string_java_style() {
        let p = compile_pattern("4\\d{2}").unwrap();
        assert!(p.is_match("404").unwrap());
        assert!(!p.is_match("4040").unwrap());
        let p = compile_pattern("a++a").unwrap();
        assert!(!p.is_match("aaa").unwrap());
        let p = compile_pattern("Malformed.*").unwrap();
        assert!(!p.is_match("Malformed\nx").unwrap());
        assert!(compile_pattern("(").is_err());
    }
}
