//! The request pipeline: a fixed sequence of phases in AWS's order, each able to end the request
//! with a gateway response.
//!
//! 1. [`resolve`] — invoke URL → API and stage (unknown → 403 `Forbidden`); payload limit.
//! 2. route — resource and method by AWS's method-aware precedence
//!    (no match → `MISSING_AUTHENTICATION_TOKEN`).
//! 3. [`crate::validation`] — required parameters and the body model of methods with a request
//!    validator (400 `BAD_REQUEST_PARAMETERS` / `BAD_REQUEST_BODY`).
//! 4. integration — MOCK, HTTP, HTTP_PROXY, Lambda (see [`crate::integration`]), integration
//!    response and method response.
//! 5. respond — the headers AWS adds to every response (`x-amzn-RequestId`, `x-amz-apigw-id`).
//!
//! Authorization, API keys, throttling and caching slot in between 2 and 3 as they
//! arrive, each as a module of its own.
//!
//! Test invocations ([`crate::test_invoke`]) resolve and route on their own and run phases 3 and 4
//! ([`Gateway::validate_and_integrate`]); phases write AWS's execution log lines to
//! [`RequestContext::log`], which only a test invocation reads.

pub mod resolve;

use std::sync::Arc;

use ::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST};
use ::http::{HeaderValue, Request, Response};
use tollgate_model::{ApiKeySource, GatewayResponseType, HttpMethod};

use crate::body::{self, Body, BoxError, MAX_PAYLOAD};
use crate::compile::MethodAuthorization;
use crate::compile::{CompiledIntegration, CompiledMethod, CompiledStage};
use crate::context::{ConnectionInfo, RequestContext};
use crate::gateway::Gateway;
use crate::gateway_response::{GatewayError, GatewayResponses};
use crate::headers::{APPLICATION_JSON, X_AMZ_APIGW_ID, X_AMZN_REQUEST_ID};
use crate::integration;
use crate::resource_policy;
use tollgate_limits::{Counters, PlanKey, StageThrottlePolicy};
use tollgate_policy::{AuthKind, AuthOutcome};

/// How a request ended, for the final headers.
enum Outcome {
    Integration(Response<Body>),
    Gateway(GatewayError, Option<Arc<CompiledStage>>),
}

impl Gateway {
    /// Serves one data-plane request that arrived on `connection`. Never fails: every error
    /// response.
    pub async fn handle<B>(&self, request: Request<B>, connection: ConnectionInfo) -> Response<Body>
    where
        B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        let mut ctx = RequestContext::new(request.headers(), connection);
        let outcome = self.run(request.map(body::boxed), &mut ctx).await;
        let mut response = match outcome {
            Outcome::Integration(r) => r,
            Outcome::Gateway(error, stage) => {
                let responses = stage.as_ref().map(|s| &s.gateway_responses);
                let rendered = match responses {
                    Some(g) => g.render(&error, Some(&ctx)),
                    None => GatewayResponses::default().render(&error, None),
                };
                let mut r = Response::new(body::full(rendered.body));
                *r.status_mut() = rendered.status;
                let h = r.headers_mut();
                for (name, value) in rendered.headers {
                    h.append(name, value);
                }
                h.entry(CONTENT_TYPE).or_insert(APPLICATION_JSON);
                r
            }
        };
        respond(&mut response, &ctx);
        response
    }

    async fn run(&self, request: Request<Body>, ctx: &mut RequestContext) -> Outcome {
        // Phase 1: resolve.
        let host = request
            .uri()
            .host()
            .or_else(|| request.headers().get(HOST).and_then(|h| h.to_str().ok()))
            .map(|h| {
                h.rsplit_once(':')
                    .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
                    .map_or(h, |(h, _)| h)
            })
            .map(str::to_ascii_lowercase);
        let raw_path = request.uri().path().to_owned();
        let table = self.table();
        let domain = host
            .as_deref()
            .and_then(|h| table.domain_mapping(h, &raw_path))
            .and_then(|(mapping, rest)| match &mapping.stage {
                Some(stage) => Some(resolve::Target {
                    api: &mapping.rest_api_id,
                    stage,
                    path: resolve::collapse_leading(rest),
                }),
                None => {
                    let (stage, path) = resolve::split_stage(rest)?;
                    Some(resolve::Target {
                        api: &mapping.rest_api_id,
                        stage,
                        path,
                    })
                }
            });
        let Some(target) = domain.or_else(|| resolve::target(host.as_deref(), &raw_path)) else {
            return Outcome::Gateway(GatewayError::missing_authentication_token(), None);
        };
        let Some(stage) = table.get(target.api, target.stage).cloned() else {
            tracing::debug!(
                request_id = %ctx.request_id,
                api = target.api,
                stage = target.stage,
                hint = %table.miss_hint(target.api),
                "no such API or stage: 403 Forbidden"
            );
            return Outcome::Gateway(
                GatewayError::new(GatewayResponseType::InvalidApiKey).with_message("Forbidden"),
                None,
            );
        };
        ctx.api_id = stage.api_id.clone();
        ctx.stage = stage.stage_name.clone();
        ctx.deployment_id = stage.deployment_id.clone();
        ctx.stage_variables = stage.variables.clone();
        // Dot segments are resolved once, here: routing, access control and integrations all
        // see the same path.
        let request_path = crate::path::remove_dot_segments(target.path);
        ctx.path = format!("/{}{}", target.stage, request_path);
        ctx.request_path = request_path.into_owned();
        ctx.domain_name = host.clone().unwrap_or_default();
        let declared_length = request
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared_length.is_some_and(|n| n > MAX_PAYLOAD as u64) {
            return Outcome::Gateway(
                GatewayError::new(GatewayResponseType::RequestTooLarge),
                Some(stage),
            );
        }

        // Phase 2: route.
        let method = match routed_method(&request) {
            Some(m) => m,
            None => {
                return Outcome::Gateway(GatewayError::missing_authentication_token(), Some(stage));
            }
        };
        let found = stage.router.find(&ctx.request_path, method).map(|m| {
            (
                m.value.clone(),
                m.params
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect::<Vec<_>>(),
            )
        });
        let Some((compiled, params)) = found else {
            return Outcome::Gateway(GatewayError::missing_authentication_token(), Some(stage));
        };
        ctx.resource_id = compiled.resource_id.clone();
        ctx.resource_path = compiled.resource_path.clone();
        ctx.http_method = method.as_str().to_owned();
        ctx.path_params = params;
        // The one method ARN every access phase evaluates: the routed verb (after
        // `X-HTTP-Method-Override`, the real verb for `ANY`) on the routed resource. Built only
        // for methods something evaluates it for.
        let evaluated = stage.resource_policy.is_some()
            || !matches!(compiled.authorization, MethodAuthorization::None);
        if evaluated {
            ctx.method_arn = tollgate_policy::method_arn(
                crate::integration::lambda::REGION,
                crate::context::ACCOUNT_ID,
                &ctx.api_id,
                &ctx.stage,
                &ctx.http_method,
                &crate::path::arn_path(&compiled.resource_path, &ctx.path_params),
            );
        }
        let raw_query = request.uri().query().map(str::to_owned);
        ctx.query = raw_query
            .as_deref()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let (parts, mut body) = request.into_parts();
        ctx.headers = parts.headers;

        // Phases: resource policy pre-check, authorize, resource policy.
        let policy = stage.resource_policy.as_ref();
        if let Err(e) = resource_policy::precheck_phase(policy, ctx) {
            return Outcome::Gateway(e, Some(stage));
        }
        let (kind, auth) = match &compiled.authorization {
            MethodAuthorization::Lambda(authorizer) => {
                if let Err(e) = authorizer.authorize(self.functions(), ctx).await {
                    return Outcome::Gateway(e, Some(stage));
                }
                (AuthKind::LambdaAuthorizer, AuthOutcome::Allow)
            }
            MethodAuthorization::Jwt(authorizer, scopes) => {
                if let Err(e) = authorizer.authorize(ctx, scopes).await {
                    return Outcome::Gateway(e, Some(stage));
                }
                (AuthKind::Cognito, AuthOutcome::NotEvaluated)
            }
            MethodAuthorization::Iam => {
                let bytes = match read_body(body).await {
                    Ok(b) => b,
                    Err(e) => return Outcome::Gateway(e, Some(stage)),
                };
                body = body::full(bytes.clone());
                let mut signed = Request::new(());
                *signed.method_mut() = parts.method.clone();
                *signed.uri_mut() = parts.uri.clone();
                *signed.headers_mut() = ctx.headers.clone();
                let (signed, ()) = signed.into_parts();
                match crate::access::authorize_iam(self.credentials(), &signed, &bytes, ctx) {
                    Ok((outcome, denial)) => {
                        if policy.is_none()
                            && outcome != AuthOutcome::Allow
                            && let Some(message) = denial
                        {
                            return Outcome::Gateway(
                                GatewayError::new(GatewayResponseType::AccessDenied)
                                    .with_message(message),
                                Some(stage),
                            );
                        }
                        (AuthKind::Iam, outcome)
                    }
                    Err(e) => return Outcome::Gateway(e, Some(stage)),
                }
            }
            MethodAuthorization::None => (AuthKind::None, AuthOutcome::NotEvaluated),
        };
        if let Err(e) = resource_policy::final_phase(policy, ctx, kind, auth) {
            return Outcome::Gateway(e, Some(stage));
        }

        // Phase: API key (methods with apiKeyRequired).
        let grant = if compiled.api_key_required {
            let presented = match stage.api_key_source {
                ApiKeySource::Header => ctx
                    .headers
                    .get("x-api-key")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned),
                ApiKeySource::Authorizer => ctx.usage_identifier_key.clone(),
            };
            match table
                .keys()
                .check(&stage.api_id, &stage.stage_name, presented.as_deref())
            {
                Ok(grant) => {
                    ctx.identity.api_key = Some(grant.key_value.clone());
                    ctx.identity.api_key_id = Some(grant.key_id.clone());
                    Some(grant)
                }
                Err(e) => return Outcome::Gateway(e, Some(stage)),
            }
        } else {
            None
        };

        // Phases: throttle (usage plan, stage method, account), then quota.
        let limits = self.limits();
        let no_policy;
        let throttles = match table.keys().throttles(&stage.api_id, &stage.stage_name) {
            Some(p) => p,
            None => {
                no_policy =
                    StageThrottlePolicy::new(stage.api_id.clone(), stage.stage_name.clone());
                &no_policy
            }
        };
        let plan_key = grant.as_ref().map(|g| PlanKey {
            plan_id: &g.plan.id,
            key_id: &g.key_id,
        });
        let scopes = throttles.scopes(&compiled.method_key, plan_key, limits.account);
        // Through the `Counters` seam (in-process now; a cluster implementation keeps them in
        // Redis). Counters that cannot answer fail open: an outage must not stop the API.
        match Counters::try_acquire(&limits.counters, scopes.as_slice()).await {
            Ok(admission) if !admission.is_admitted() => {
                return Outcome::Gateway(
                    GatewayError::new(GatewayResponseType::Throttled),
                    Some(stage),
                );
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(request_id = %ctx.request_id, error = %e, "throttle counters unavailable")
            }
        }
        if let Some(g) = &grant {
            if let Some(quota) = &g.quota {
                match Counters::check_and_count(&limits.counters, &g.plan.id, &g.key_id, quota)
                    .await
                {
                    Ok(decision) if !decision.is_admitted() => {
                        return Outcome::Gateway(
                            GatewayError::new(GatewayResponseType::QuotaExceeded),
                            Some(stage),
                        );
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(request_id = %ctx.request_id, error = %e, "quota counters unavailable")
                    }
                }
            }
            limits.usage.record(&g.plan.id, &g.key_id);
        }

        // Phases 3 and 4: validate, integrate.
        match self
            .validate_and_integrate(
                &compiled,
                &stage,
                parts.method,
                body,
                raw_query.as_deref(),
                ctx,
            )
            .await
        {
            Ok(r) => Outcome::Integration(r),
            Err(e) => Outcome::Gateway(e, Some(stage)),
        }
    }

    /// Phases 3 (validate, for methods with a request validator) and 4 (integration, integration
    /// response, method response) for a routed, admitted request. Shared by the data plane and
    /// test invocations ([`crate::test_invoke`]), which skip everything before it but routing.
    pub(crate) async fn validate_and_integrate(
        &self,
        compiled: &CompiledMethod,
        stage: &CompiledStage,
        verb: ::http::Method,
        mut body: Body,
        raw_query: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<Response<Body>, GatewayError> {
        if let Some(validation) = &compiled.validation {
            if let Err(e) = validation.check_parameters(ctx) {
                // Unconfirmed wording: the response's message as the execution log's line.
                ctx.log(|| e.message.clone().unwrap_or_default());
                return Err(e);
            }
            let content_type = ctx.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
            if validation.validates_body(content_type) {
                let bytes = read_body(body).await?;
                if let Err(e) = validation.check_body(ctx, &bytes) {
                    // Unconfirmed wording: AWS's execution log line for a body its model refuses.
                    ctx.log(|| {
                        format!(
                            "Request body does not match model schema for content type {}: {}",
                            content_type.unwrap_or("application/json"),
                            e.validation_error.as_deref().unwrap_or("[]")
                        )
                    });
                    return Err(e);
                }
                body = body::full(bytes);
            }
        }
        self.integrate(compiled, stage, verb, body, raw_query, ctx)
            .await
    }

    async fn integrate(
        &self,
        method: &CompiledMethod,
        stage: &CompiledStage,
        verb: ::http::Method,
        body: Body,
        raw_query: Option<&str>,
        ctx: &RequestContext,
    ) -> Result<Response<Body>, GatewayError> {
        match &method.integration {
            CompiledIntegration::Mock(mock) => {
                let payload = read_body(body).await?;
                integration::mock::invoke(mock, ctx, &payload)
            }
            CompiledIntegration::Http(http) => {
                let call = integration::http::Call {
                    verb,
                    body,
                    raw_query,
                    binary_media_types: &stage.binary_media_types,
                };
                integration::http::invoke(self.upstream(), http, call, ctx).await
            }
            CompiledIntegration::Lambda(lambda) => {
                let Some(functions) = self.functions() else {
                    tracing::warn!(request_id = %ctx.request_id, "Lambda integration but no function host");
                    ctx.log(|| {
                        "Execution failed due to configuration error: no function host runs Lambda functions in this process".to_owned()
                    });
                    return Err(GatewayError::internal());
                };
                let payload = read_body(body).await?;
                if lambda.proxy {
                    let event = integration::lambda::proxy_event(
                        ctx,
                        stage,
                        &integration::lambda::EventInput {
                            body: &payload,
                            path: &ctx.request_path,
                            http2: ctx.connection.http2,
                            tls: ctx.connection.tls,
                            local_port: ctx.connection.local.port(),
                        },
                    );
                    let event = bytes::Bytes::from(event);
                    let result = integration::lambda::call(functions, lambda, event, ctx).await?;
                    integration::lambda::proxy_response(&result, stage, ctx)
                } else {
                    let types = &stage.binary_media_types;
                    let payload =
                        integration::lambda::non_proxy_payload(lambda, ctx, payload, types)?;
                    let result = integration::lambda::call(functions, lambda, payload, ctx).await?;
                    integration::lambda::non_proxy_response(result, lambda, ctx, types)
                }
            }
            CompiledIntegration::Unsupported(kind) => {
                tracing::warn!(request_id = %ctx.request_id, integration = kind.as_str(), "integration type not supported by this build");
                ctx.log(|| {
                    format!(
                        "Execution failed due to configuration error: {} integrations are not supported by Tollgate",
                        kind.as_str()
                    )
                });
                Err(GatewayError::internal())
            }
        }
    }
}

/// Reads a whole request body, bounded by the payload limit (413 beyond it).
pub(crate) async fn read_body(body: Body) -> Result<bytes::Bytes, GatewayError> {
    match body::collect_limited(body, MAX_PAYLOAD).await {
        Ok(bytes) => Ok(bytes),
        Err(body::CollectError::TooLarge) => {
            Err(GatewayError::new(GatewayResponseType::RequestTooLarge))
        }
        Err(body::CollectError::Body(_)) => {
            Err(GatewayError::new(GatewayResponseType::BadRequestBody))
        }
    }
}

/// The verb that routes the request: `X-HTTP-Method-Override` when present and valid.
fn routed_method<B>(request: &Request<B>) -> Option<HttpMethod> {
    let overridden = request
        .headers()
        .get("x-http-method-override")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<HttpMethod>().ok())
        .filter(|m| *m != HttpMethod::Any);
    if let Some(m) = overridden {
        return Some(m);
    }
    request
        .method()
        .as_str()
        .parse::<HttpMethod>()
        .ok()
        .filter(|m| *m != HttpMethod::Any)
}

/// Phase 5: the identifiers AWS puts on every response.
fn respond(response: &mut Response<Body>, ctx: &RequestContext) {
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&ctx.request_id) {
        h.insert(X_AMZN_REQUEST_ID, v);
    }
    if let Ok(v) = HeaderValue::from_str(&ctx.extended_request_id) {
        h.insert(X_AMZ_APIGW_ID, v);
    }
}
