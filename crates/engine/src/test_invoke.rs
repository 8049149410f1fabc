//! Test invocations: AWS's TestInvokeMethod and TestInvokeAuthorizer, run through the real
//! phases (and the gateway's own upstream pools and function host) against an API's current,
//! undeployed definition, with AWS's execution log.
//!
//! TestInvokeMethod ([`Gateway::test_invoke_method`]) compiles just the tested method, as a stage
//! named `test-invoke-stage` with the test's stage variables, and runs validation and the
//! integration (integration request, the call, integration response, method response) exactly as
//! the data plane does. As AWS, it skips the resource policy, authorizers, API keys, usage plans
//! and throttling. The method is the resource's method for the test's verb, else its `ANY`.
//! `pathWithQueryString` (default: the resource's path) gives the path parameters when it matches
//! the resource's path (none otherwise, as AWS) and the query string. The request context is
//! AWS's recorded one for test invocations: stage `test-invoke-stage`, `$context.path` the
//! resource path, source IP `test-invoke-source-ip`, domain `testPrefix.testDomainName`, API key
//! `test-invoke-api-key` (id `test-invoke-api-key-id`); Lambda proxy events carry only the
//! test's headers. Unlike AWS, the event has `deploymentId: ""` and no caller IAM identity.
//!
//! TestInvokeAuthorizer ([`Gateway::test_invoke_authorizer`]) runs a TOKEN or REQUEST authorizer
//! through [`crate::authorizer::LambdaAuthorizer::trial`] (no result cache) with AWS's test
//! method ARN `arn:aws:execute-api:{region}:{account}:{api}/ESTestInvoke-stage/GET/{path}`, and a
//! COGNITO_USER_POOLS authorizer through the JWT validation of [`crate::access`]. `clientStatus`
//! is 0 when the request would pass, else the status the client would get: 401 (no or refused
//! identity, the function's `Unauthorized`), 403 (the returned policy does not allow the test
//! method ARN; whether AWS evaluates the policy in a test is unconfirmed) or 500 (the function
//! failed or answered nonsense).
//!
//! The log's lines and their order follow AWS's recorded logs (LocalStack's AWS-validated
//! snapshots, AWS console output quoted in public repositories): `Execution log for request
//! {id}`, then `{Sun May 07 05:37:15 UTC 2017} : {message}` lines. Lines whose exact AWS wording
//! is unconfirmed are marked so where they are written. Lambda calls log no `Endpoint request
//! headers` / `Endpoint response headers` lines: no HTTP request to Lambda is made.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use ::http::header::{CONTENT_LENGTH, USER_AGENT};
use ::http::{HeaderMap, HeaderName, HeaderValue, Response};
use bytes::Bytes;
use tollgate_model::{ApiDefinition, HttpMethod};

use crate::body::{self, Body, MAX_PAYLOAD};
use crate::compile::{CompiledStage, compile_method};
use crate::context::{ACCOUNT_ID, ExecutionLog, RequestContext, logged_map, logged_value};
use crate::gateway::Gateway;
use crate::gateway_response::{GatewayError, GatewayResponses};
use crate::headers::{X_AMZN_TRACE_ID, aws_spelling};
use crate::integration::lambda::REGION;
use crate::router::Router;

/// The stage name test invocations run in (`$context.stage`).
pub const STAGE: &str = "test-invoke-stage";
/// The stage of the method ARN a test authorizer invocation is evaluated for.
pub const AUTHORIZER_ARN_STAGE: &str = "ESTestInvoke-stage";

/// A simulated request, as TestInvokeMethod and TestInvokeAuthorizer describe one.
#[derive(Debug, Default, Clone)]
pub struct SimulatedRequest {
    /// `pathWithQueryString` (`/pets/1?x=y`); `None` or empty: the resource's path.
    pub path_with_query_string: Option<String>,
    pub body: Option<String>,
    /// Header names as given, each with its values (`headers`, with `multiValueHeaders` merged
    /// in: a name in both takes the multi-value list).
    pub headers: Vec<(String, Vec<String>)>,
    pub stage_variables: BTreeMap<String, String>,
}

/// What TestInvokeMethod answers.
#[derive(Debug)]
pub struct MethodResult {
    pub status: u16,
    pub body: Bytes,
    /// The method response's headers in AWS's spelling, with all their values (no
    /// `Content-Length`, as AWS).
    pub headers: Vec<(String, Vec<String>)>,
    pub log: String,
    pub latency_ms: u64,
}

/// What TestInvokeAuthorizer answers.
#[derive(Debug)]
pub struct AuthorizerResult {
    /// 0 when the request would be authorized, else the status the client would get.
    pub client_status: u16,
    pub log: String,
    pub latency_ms: u64,
    pub principal_id: Option<String>,
    /// The policy document a Lambda authorizer returned, as JSON text.
    pub policy: Option<String>,
    /// A Lambda authorizer's `context` (AWS's `authorization` map; what AWS puts there is
    /// unconfirmed).
    pub context: Vec<(String, String)>,
    /// A user pool authorizer's verified claims.
    pub claims: Option<Vec<(String, String)>>,
}

/// Why a test invocation could not run at all (AWS's 404s).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TestInvokeError {
    #[error("no resource with that id")]
    UnknownResource,
    #[error("no method with that verb (nor ANY) on the resource")]
    UnknownMethod,
    #[error("no authorizer with that id")]
    UnknownAuthorizer,
}

/// The path and raw query of a `pathWithQueryString`, the path defaulting to `default_path`.
fn split_path(request: &SimulatedRequest, default_path: &str) -> (String, Option<String>) {
    let given = request.path_with_query_string.as_deref().unwrap_or("");
    let (path, query) = match given.split_once('?') {
        Some((p, q)) => (p, Some(q.to_owned())),
        None => (given, None),
    };
    let path = if path.is_empty() {
        default_path.to_owned()
    } else if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    (path, query)
}

/// A request context for a simulated request, with AWS's test-invocation values.
fn simulated_context(
    api_id: &str,
    request: &SimulatedRequest,
    raw_query: Option<&str>,
    log: &Arc<ExecutionLog>,
) -> RequestContext {
    let mut ctx = RequestContext::detached();
    ctx.test_invoke = Some(log.clone());
    ctx.api_id = api_id.to_owned();
    ctx.stage = STAGE.to_owned();
    ctx.domain_name = "testPrefix.testDomainName".to_owned();
    ctx.source_ip = "test-invoke-source-ip".to_owned();
    ctx.identity.api_key = Some("test-invoke-api-key".to_owned());
    ctx.identity.api_key_id = Some("test-invoke-api-key-id".to_owned());
    ctx.stage_variables = Arc::new(request.stage_variables.clone());
    let mut headers = HeaderMap::new();
    for (name, values) in &request.headers {
        let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
            continue;
        };
        for v in values {
            if let Ok(v) = HeaderValue::from_str(v) {
                headers.append(name.clone(), v);
            }
        }
    }
    ctx.user_agent = headers
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    ctx.headers = headers;
    ctx.query = raw_query
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    ctx
}

/// The `Method request headers` line's map: the test's names and values as given.
fn logged_request_headers(request: &SimulatedRequest) -> String {
    let text = logged_map(
        request
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), std::borrow::Cow::Owned(v.join(",")))),
    );
    logged_value(&text).into_owned()
}

/// Single-valued query parameters (the last value wins) for the log.
fn logged_query(query: &[(String, String)]) -> String {
    let mut last: Vec<(&str, &str)> = Vec::new();
    for (k, v) in query {
        match last.iter_mut().find(|(lk, _)| *lk == k.as_str()) {
            Some(entry) => entry.1 = v,
            None => last.push((k, v)),
        }
    }
    logged_map(
        last.into_iter()
            .map(|(k, v)| (k, std::borrow::Cow::Borrowed(v))),
    )
}

fn response_headers(headers: &HeaderMap) -> Vec<(String, Vec<String>)> {
    headers
        .keys()
        .filter(|name| **name != CONTENT_LENGTH)
        .map(|name| {
            let values = headers
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            (aws_spelling(name.as_str()), values)
        })
        .collect()
}

impl Gateway {
    /// TestInvokeMethod: runs `request` against `verb` on resource `resource_id` of
    /// `definition` (see the module documentation). A method that cannot be compiled answers
    /// 500 with the reason in the log, as a deployment of it would fail.
    pub async fn test_invoke_method(
        &self,
        definition: &ApiDefinition,
        resource_id: &str,
        verb: HttpMethod,
        request: &SimulatedRequest,
    ) -> Result<MethodResult, TestInvokeError> {
        let resource = definition
            .resources
            .iter()
            .find(|r| r.id == resource_id)
            .ok_or(TestInvokeError::UnknownResource)?;
        let (method_verb, method) = match resource.resource_methods.get(&verb) {
            Some(m) => (verb, m),
            None => (
                HttpMethod::Any,
                resource
                    .resource_methods
                    .get(&HttpMethod::Any)
                    .ok_or(TestInvokeError::UnknownMethod)?,
            ),
        };
        let started = Instant::now();
        let log = Arc::new(ExecutionLog::default());
        let (path, raw_query) = split_path(request, &resource.path);
        let mut ctx =
            simulated_context(&definition.rest_api.id, request, raw_query.as_deref(), &log);
        ctx.resource_id = resource.id.clone();
        ctx.resource_path = resource.path.clone();
        ctx.http_method = verb.as_str().to_owned();
        // AWS's recorded test events: `requestContext.path` is the resource path.
        ctx.path = resource.path.clone();
        ctx.request_path = path.clone();

        // AWS takes the path parameters from `pathWithQueryString` when it matches the
        // resource's path, and has none otherwise. (Routed apart from the compiled method, which
        // may not compile: the log shows the method request first either way.)
        let mut params_router = Router::new();
        let routable = params_router.insert(&resource.path, method_verb, Arc::new(()));
        ctx.path_params = match routable {
            Ok(()) => params_router
                .find(&path, verb)
                .map(|m| {
                    m.params
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect()
                })
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        let body = request.body.clone().unwrap_or_default();
        ctx.log(|| format!("Starting execution for request: {}", ctx.request_id));
        ctx.log(|| format!("HTTP Method: {}, Resource Path: {path}", verb.as_str()));
        ctx.log(|| {
            let params = ctx
                .path_params
                .iter()
                .map(|(k, v)| (k.as_str(), std::borrow::Cow::Borrowed(v.as_str())));
            format!("Method request path: {}", logged_map(params))
        });
        ctx.log(|| format!("Method request query string: {}", logged_query(&ctx.query)));
        ctx.log(|| {
            format!(
                "Method request headers: {}",
                logged_request_headers(request)
            )
        });
        ctx.log(|| {
            format!(
                "Method request body before transformations: {}",
                logged_value(&body)
            )
        });

        let gateway_responses = GatewayResponses::compile(&definition.gateway_responses);
        let mut router = Router::new();
        let compiled = compile_method(
            definition,
            resource,
            method_verb,
            method,
            &mut crate::validation::ModelCache::new(definition),
        )
        .map(Arc::new)
        .and_then(|c| {
            router
                .insert(&resource.path, method_verb, c.clone())
                .map(|()| c)
                .map_err(|source| crate::compile::CompileError::Route {
                    path: resource.path.clone(),
                    source,
                })
        });
        let compiled = match compiled {
            Ok(c) => c,
            Err(e) => {
                // Wording unconfirmed: what AWS logs for a method a deployment would refuse.
                ctx.log(|| format!("Execution failed due to configuration error: {e}"));
                return Ok(finish_with_error(
                    &gateway_responses,
                    &GatewayError::internal(),
                    &ctx,
                    &log,
                    started,
                ));
            }
        };
        let stage = CompiledStage {
            api_id: definition.rest_api.id.clone(),
            api_name: definition.rest_api.name.clone(),
            stage_name: STAGE.to_owned(),
            deployment_id: String::new(),
            variables: ctx.stage_variables.clone(),
            router,
            gateway_responses,
            binary_media_types: definition.rest_api.binary_media_types.clone(),
            api_key_source: definition.rest_api.api_key_source,
            resource_policy: None,
        };
        let http_verb =
            ::http::Method::from_bytes(verb.as_str().as_bytes()).unwrap_or(::http::Method::GET);
        let result = self
            .validate_and_integrate(
                &compiled,
                &stage,
                http_verb,
                body::full(Bytes::from(body)),
                raw_query.as_deref(),
                &ctx,
            )
            .await;
        Ok(match result {
            Ok(response) => finish(response, &ctx, &log, started).await,
            Err(e) => finish_with_error(&stage.gateway_responses, &e, &ctx, &log, started),
        })
    }

    /// TestInvokeAuthorizer: runs authorizer `authorizer_id` of `definition` for `request`
    /// (see the module documentation).
    pub async fn test_invoke_authorizer(
        &self,
        definition: &ApiDefinition,
        authorizer_id: &str,
        request: &SimulatedRequest,
    ) -> Result<AuthorizerResult, TestInvokeError> {
        let authorizer = definition
            .authorizers
            .iter()
            .find(|a| a.id == authorizer_id)
            .ok_or(TestInvokeError::UnknownAuthorizer)?;
        let started = Instant::now();
        let log = Arc::new(ExecutionLog::default());
        let (path, raw_query) = split_path(request, "/");
        let mut ctx =
            simulated_context(&definition.rest_api.id, request, raw_query.as_deref(), &log);
        ctx.resource_id = "test-invoke-resource-id".to_owned();
        ctx.resource_path = path.clone();
        ctx.http_method = "GET".to_owned();
        ctx.path = path.clone();
        ctx.request_path = path.clone();
        ctx.method_arn = tollgate_policy::method_arn(
            REGION,
            ACCOUNT_ID,
            &definition.rest_api.id,
            AUTHORIZER_ARN_STAGE,
            "GET",
            &path,
        );
        let mut result = AuthorizerResult {
            client_status: 0,
            log: String::new(),
            latency_ms: 0,
            principal_id: None,
            policy: None,
            context: Vec::new(),
            claims: None,
        };
        let outcome = match crate::authorizer::LambdaAuthorizer::compile(authorizer) {
            Ok(Some(lambda)) => {
                let trial = lambda.trial(self.functions(), &mut ctx).await;
                result.principal_id = trial.principal_id;
                result.policy = trial.policy;
                result.context = trial.context;
                trial.outcome
            }
            Ok(None) => {
                self.test_jwt_authorizer(authorizer, &mut ctx, &mut result)
                    .await
            }
            Err(e) => {
                ctx.log(|| format!("Execution failed due to configuration error: {}", e.reason));
                ctx.log(|| "AuthorizerConfigurationException".to_owned());
                Err(GatewayError::new(
                    tollgate_model::GatewayResponseType::AuthorizerConfigurationError,
                ))
            }
        };
        if let Err(e) = outcome {
            let rendered = GatewayResponses::default().render(&e, Some(&ctx));
            result.client_status = rendered.status.as_u16();
        }
        result.latency_ms = started.elapsed().as_millis() as u64;
        result.log = log.render(&ctx.request_id);
        Ok(result)
    }

    /// A COGNITO_USER_POOLS authorizer's test: the token's claims when it is valid (no scopes
    /// are required: there is no method).
    async fn test_jwt_authorizer(
        &self,
        authorizer: &tollgate_model::Authorizer,
        ctx: &mut RequestContext,
        result: &mut AuthorizerResult,
    ) -> Result<(), GatewayError> {
        ctx.log(|| {
            format!(
                "Starting authorizer: {} for request: {}",
                authorizer.id, ctx.request_id
            )
        });
        // The token's header, as the authorizer reads it (`Authorization` by default).
        let header = authorizer
            .identity_source
            .as_deref()
            .and_then(|s| s.trim().strip_prefix("method.request.header."))
            .unwrap_or("Authorization")
            .to_ascii_lowercase();
        ctx.log(|| {
            let token = ctx
                .headers
                .get(header.as_str())
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            format!("Incoming identity: {}", crate::authorizer::masked(token))
        });
        let jwt = match crate::access::JwtAuthorizer::compile(authorizer) {
            Ok(Some(j)) => j,
            Ok(None) | Err(_) => {
                ctx.log(|| {
                    "Execution failed due to configuration error: Authorizer error".to_owned()
                });
                ctx.log(|| "AuthorizerConfigurationException".to_owned());
                return Err(GatewayError::new(
                    tollgate_model::GatewayResponseType::AuthorizerConfigurationError,
                ));
            }
        };
        match jwt.authorize(ctx, &[]).await {
            Ok(()) => {
                result.claims = ctx.authorizer.as_ref().and_then(|a| a.claims.clone());
                ctx.log(|| "Successfully completed authorizer execution".to_owned());
                Ok(())
            }
            Err(e) => {
                ctx.log(|| format!("Unauthorized request: {}", ctx.request_id));
                ctx.log(|| {
                    e.message
                        .clone()
                        .unwrap_or_else(|| "Unauthorized".to_owned())
                });
                Err(e)
            }
        }
    }
}

/// The successful end: the method response, its log lines.
async fn finish(
    response: Response<Body>,
    ctx: &RequestContext,
    log: &ExecutionLog,
    started: Instant,
) -> MethodResult {
    let (parts, body) = response.into_parts();
    let bytes = body::collect_limited(body, MAX_PAYLOAD)
        .await
        .unwrap_or_default();
    ctx.log(|| {
        format!(
            "Method response body after transformations: {}",
            logged_value(&String::from_utf8_lossy(&bytes))
        )
    });
    // AWS lists the trace id first (its recorded logs), and shows no Content-Length.
    let mut rest = parts.headers;
    rest.remove(CONTENT_LENGTH);
    let mut shown = HeaderMap::with_capacity(rest.len());
    for value in rest.get_all(X_AMZN_TRACE_ID) {
        shown.append(X_AMZN_TRACE_ID, value.clone());
    }
    rest.remove(X_AMZN_TRACE_ID);
    let mut current = None;
    for (name, value) in rest {
        if let Some(n) = name {
            current = Some(n);
        }
        if let Some(n) = &current {
            shown.append(n.clone(), value);
        }
    }
    ctx.log(|| {
        format!(
            "Method response headers: {}",
            crate::headers::logged(&shown)
        )
    });
    ctx.log(|| "Successfully completed execution".to_owned());
    ctx.log(|| format!("Method completed with status: {}", parts.status.as_u16()));
    MethodResult {
        status: parts.status.as_u16(),
        body: bytes,
        headers: response_headers(&shown),
        log: log.render(&ctx.request_id),
        latency_ms: started.elapsed().as_millis() as u64,
    }
}

/// The end of a failed test: the gateway response the client would get.
fn finish_with_error(
    responses: &GatewayResponses,
    error: &GatewayError,
    ctx: &RequestContext,
    log: &ExecutionLog,
    started: Instant,
) -> MethodResult {
    let rendered = responses.render(error, Some(ctx));
    ctx.log(|| format!("Method completed with status: {}", rendered.status.as_u16()));
    let mut headers = HeaderMap::new();
    for (name, value) in rendered.headers {
        headers.append(name, value);
    }
    MethodResult {
        status: rendered.status.as_u16(),
        body: rendered.body,
        headers: response_headers(&headers),
        log: log.render(&ctx.request_id),
        latency_ms: started.elapsed().as_millis() as u64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_queries_split() {
        let r = |p: Option<&str>| SimulatedRequest {
            path_with_query_string: p.map(str::to_owned),
            ..Default::default()
        };
        assert_eq!(
            split_path(&r(None), "/pets/{id}"),
            ("/pets/{id}".into(), None)
        );
        assert_eq!(
            split_path(&r(Some("/pets/1?a=b&a=c")), "/"),
            ("/pets/1".into(), Some("a=b&a=c".into()))
        );
        assert_eq!(split_path(&r(Some("pets")), "/"), ("/pets".into(), None));
        assert_eq!(
            split_path(&r(Some("?x=1")), "/r"),
            ("/r".into(), Some("x=1".into()))
        );
    }

    #[test]
    fn logged_maps_look_like_java_maps() {
        let q = vec![
            ("a".to_owned(), "1".to_owned()),
            ("b".to_owned(), "2".to_owned()),
            ("a".to_owned(), "3".to_owned()),
        ];
        assert_eq!(logged_query(&q), "{a=3, b=2}");
        assert_eq!(logged_query(&[]), "{}");
    }
}
