//! Phase "authorize", Lambda authorizers (`authorizationType: CUSTOM`): TOKEN and REQUEST.
//!
//! Before the function is called, the identity sources are checked: a missing or empty token,
//! a token that fails `identityValidationExpression` (TOKEN), or a missing identity source
//! (REQUEST with caching) is a 401 without any invocation. The function gets AWS's TOKEN or
//! REQUEST event; its answer (`principalId`, `policyDocument`, `context`, `usageIdentifierKey`)
//! is cached per identity for `authorizerResultTtlInSeconds` (default 300, 0 = off) and the
//! policy is evaluated against each request's method ARN, so a cached answer can allow one method
//! and deny another. Outcomes are AWS's: 401 `Unauthorized` (also when the function fails with
//! exactly `Unauthorized`), 403 ACCESS_DENIED, 500 AUTHORIZER_CONFIGURATION_ERROR for anything
//! else the function gets wrong.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use serde_json::Value;
use tollgate_model::{Authorizer, GatewayResponseType};
use tollgate_policy::{Decision, ParseOptions, PolicyDocument, RequestFacts, messages};

use crate::auth_cache::ResultCache;
use crate::compile::{UriPart, UriTemplate};
use crate::context::{ACCOUNT_ID, AuthorizerOutput, RequestContext};
use crate::gateway_response::GatewayError;
use crate::integration::lambda::{Functions, lambda_function_in_uri};

/// How long the function may take (API Gateway's integration limit).
const INVOKE_TIMEOUT: Duration = Duration::from_secs(29);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Token,
    Request,
}

/// Where an identity value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    Header(String),
    Query(String),
    StageVariable(String),
    Context(String),
}

/// A Lambda authorizer of one deployment, with its result cache.
#[derive(Debug)]
pub struct LambdaAuthorizer {
    id: String,
    kind: Kind,
    function: UriTemplate,
    sources: Vec<Source>,
    /// The identity source expressions as written (`method.request.header.Auth`), for the log.
    source_names: Vec<String>,
    validation: Option<fancy_regex::Regex>,
    cache: ResultCache<Answer>,
}

/// What the function answered, validated.
#[derive(Debug)]
struct Answer {
    principal_id: String,
    policy: PolicyDocument,
    /// The `policyDocument` as the function sent it (JSON text), for TestInvokeAuthorizer.
    policy_text: String,
    context: Vec<(String, String)>,
    usage_identifier_key: Option<String>,
}

/// Why an authorizer cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("authorizer {name}: {reason}")]
pub struct AuthorizerError {
    pub name: String,
    pub reason: String,
}

impl LambdaAuthorizer {
    /// Compiles a TOKEN or REQUEST authorizer; `None` for other kinds.
    pub fn compile(a: &Authorizer) -> Result<Option<LambdaAuthorizer>, AuthorizerError> {
        let err = |reason: String| AuthorizerError {
            name: a.name.clone(),
            reason,
        };
        let kind = match a.kind.to_ascii_uppercase().as_str() {
            "TOKEN" => Kind::Token,
            "REQUEST" => Kind::Request,
            _ => return Ok(None),
        };
        let function = a
            .authorizer_uri
            .as_deref()
            .and_then(lambda_function_in_uri)
            .ok_or_else(|| err("authorizerUri is not a Lambda function's invocation URI".into()))?;
        let mut sources = Vec::new();
        let mut source_names = Vec::new();
        for s in a
            .identity_source
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let source = if let Some(h) = s.strip_prefix("method.request.header.") {
                Source::Header(h.to_ascii_lowercase())
            } else if let Some(q) = s.strip_prefix("method.request.querystring.") {
                Source::Query(q.to_owned())
            } else if let Some(v) = s.strip_prefix("stageVariables.") {
                Source::StageVariable(v.to_owned())
            } else if let Some(c) = s.strip_prefix("context.") {
                Source::Context(c.to_owned())
            } else {
                return Err(err(format!("invalid identity source '{s}'")));
            };
            sources.push(source);
            source_names.push(s.to_owned());
        }
        if kind == Kind::Token && !matches!(sources.as_slice(), [Source::Header(_)]) {
            return Err(err(
                "a TOKEN authorizer needs one method.request.header.* identity source".into(),
            ));
        }
        let validation = match (kind, a.identity_validation_expression.as_deref()) {
            (Kind::Token, Some(p)) if !p.is_empty() => Some(
                fancy_regex::RegexBuilder::new(&format!("^(?:{p})$"))
                    .backtrack_limit(100_000)
                    .build()
                    .map_err(|e| err(format!("invalid identityValidationExpression: {e}")))?,
            ),
            _ => None,
        };
        Ok(Some(LambdaAuthorizer {
            id: a.id.clone(),
            kind,
            function: UriTemplate::parse(function),
            sources,
            source_names,
            validation,
            cache: ResultCache::for_authorizer(a),
        }))
    }

    /// The phase's entry point: authorizes the request (or answers 401/403/500). On success the
    /// context carries the authorizer's output and its `usageIdentifierKey`.
    pub async fn authorize(
        &self,
        functions: Option<&dyn Functions>,
        ctx: &mut RequestContext,
    ) -> Result<(), GatewayError> {
        let started = Instant::now();
        let (answer, method_arn) = self.answer(functions, ctx, true).await?;
        evaluate(&answer, &method_arn, ctx)?;
        ctx.usage_identifier_key = answer.usage_identifier_key.clone();
        ctx.authorizer = Some(Arc::new(AuthorizerOutput {
            principal_id: Some(answer.principal_id.clone()),
            context: answer.context.clone(),
            claims: None,
            latency_ms: Some(started.elapsed().as_millis() as u64),
        }));
        Ok(())
    }

    /// TestInvokeAuthorizer: runs the authorizer for a simulated request as the phase does, but
    /// without its result cache, and reports what the function answered even when the policy
    /// denies (see [`Trial`]). The execution log is written to `ctx`.
    pub async fn trial(
        &self,
        functions: Option<&dyn Functions>,
        ctx: &mut RequestContext,
    ) -> Trial {
        let (answer, method_arn) = match self.answer(functions, ctx, false).await {
            Ok(a) => a,
            Err(e) => {
                return Trial {
                    outcome: Err(e),
                    principal_id: None,
                    policy: None,
                    context: Vec::new(),
                };
            }
        };
        Trial {
            outcome: evaluate(&answer, &method_arn, ctx),
            principal_id: Some(answer.principal_id.clone()),
            policy: Some(answer.policy_text.clone()),
            context: answer.context.clone(),
        }
    }

    /// The identity checks, then the (cached, when `use_cache`) answer of the function for this
    /// request, and the method ARN it is evaluated against.
    async fn answer(
        &self,
        functions: Option<&dyn Functions>,
        ctx: &RequestContext,
        use_cache: bool,
    ) -> Result<(Arc<Answer>, String), GatewayError> {
        let unauthorized = || {
            ctx.log(|| format!("Unauthorized request: {}", ctx.request_id));
            ctx.log(|| "Unauthorized".to_owned());
            GatewayError::new(GatewayResponseType::Unauthorized).with_message("Unauthorized")
        };
        ctx.log(|| {
            format!(
                "Starting authorizer: {} for request: {}",
                self.id, ctx.request_id
            )
        });
        let values: Vec<Option<String>> = self.sources.iter().map(|s| value(s, ctx)).collect();
        ctx.log(|| format!("Incoming identity: {}", self.logged_identity(&values)));
        let present = |v: &Option<String>| v.as_deref().is_some_and(|v| !v.trim().is_empty());
        match self.kind {
            Kind::Token => {
                let token = values.first().and_then(Option::as_deref).unwrap_or("");
                if token.trim().is_empty() {
                    return Err(unauthorized());
                }
                if let Some(re) = &self.validation
                    && !re.is_match(token).unwrap_or(false)
                {
                    return Err(unauthorized());
                }
            }
            Kind::Request => {
                if self.cache.enabled() && !values.iter().all(present) {
                    return Err(unauthorized());
                }
            }
        }
        let method_arn = ctx.method_arn.clone();
        if method_arn.len() > 1600 {
            return Err(GatewayError::new(GatewayResponseType::RequestTooLarge)
                .with_status(414)
                .with_message("Request-URI Too Long"));
        }
        let cache_key = (use_cache && self.cache.enabled()).then(|| {
            let mut k = ctx.stage.clone();
            for v in &values {
                k.push('\u{0}');
                k.push_str(v.as_deref().unwrap_or(""));
            }
            k
        });
        let cached = cache_key.as_ref().and_then(|k| self.cache.get(k));
        let answer = match cached {
            Some(a) => a,
            None => {
                let answer = Arc::new(self.invoke(functions, ctx, &method_arn, &values).await?);
                if let Some(k) = cache_key {
                    self.cache.insert(k, answer.clone());
                }
                answer
            }
        };
        ctx.log(|| {
            format!(
                "Using valid authorizer policy for principal: {}",
                masked(&answer.principal_id)
            )
        });
        ctx.log(|| "Successfully completed authorizer execution".to_owned());
        Ok((answer, method_arn))
    }

    /// `Incoming identity` as AWS logs it: a TOKEN's token, a REQUEST authorizer's sources as
    /// `{expression=value}`; values masked.
    fn logged_identity(&self, values: &[Option<String>]) -> String {
        match self.kind {
            Kind::Token => masked(values.first().and_then(Option::as_deref).unwrap_or("")),
            Kind::Request => {
                crate::context::logged_map(self.source_names.iter().zip(values).map(|(name, v)| {
                    (
                        name.as_str(),
                        std::borrow::Cow::Owned(masked(v.as_deref().unwrap_or(""))),
                    )
                }))
            }
        }
    }

    async fn invoke(
        &self,
        functions: Option<&dyn Functions>,
        ctx: &RequestContext,
        method_arn: &str,
        values: &[Option<String>],
    ) -> Result<Answer, GatewayError> {
        let config_error = || {
            ctx.log(|| "AuthorizerConfigurationException".to_owned());
            GatewayError::new(GatewayResponseType::AuthorizerConfigurationError)
        };
        let failed = |reason: &str| {
            ctx.log(|| format!("Execution failed due to configuration error: {reason}"));
            config_error()
        };
        let Some(functions) = functions else {
            tracing::warn!(request_id = %ctx.request_id, authorizer = %self.id, "Lambda authorizer but no function host");
            return Err(failed("Authorizer error"));
        };
        let event = match self.kind {
            Kind::Token => serde_json::to_vec(&TokenEvent {
                kind: "TOKEN",
                authorization_token: values.first().and_then(Option::as_deref).unwrap_or(""),
                method_arn,
            }),
            Kind::Request => serde_json::to_vec(&request_event(ctx, method_arn)),
        }
        .map_err(|_| config_error())?;
        let function = self.function_name(ctx);
        crate::integration::lambda::log_invocation(ctx, &function, &event);
        let output = match tokio::time::timeout(
            INVOKE_TIMEOUT,
            functions.invoke(&function, bytes::Bytes::from(event), &ctx.trace_id),
        )
        .await
        {
            Ok(Ok(o)) => o,
            Ok(Err(e)) => {
                tracing::warn!(request_id = %ctx.request_id, authorizer = %self.id, error = %e, "authorizer invocation failed");
                return Err(failed("Authorizer error"));
            }
            Err(_) => {
                tracing::warn!(request_id = %ctx.request_id, authorizer = %self.id, "authorizer timed out");
                return Err(failed("Authorizer error"));
            }
        };
        ctx.log(|| {
            format!(
                "Authorizer result body before parsing: {}",
                crate::context::logged_value(&String::from_utf8_lossy(&output.payload))
            )
        });
        let payload: Value = serde_json::from_slice(&output.payload).unwrap_or(Value::Null);
        if output.function_error {
            if payload.get("errorMessage").and_then(Value::as_str) == Some("Unauthorized") {
                ctx.log(|| format!("Unauthorized request: {}", ctx.request_id));
                ctx.log(|| "Unauthorized".to_owned());
                return Err(GatewayError::new(GatewayResponseType::Unauthorized)
                    .with_message("Unauthorized"));
            }
            tracing::warn!(request_id = %ctx.request_id, authorizer = %self.id, "authorizer function failed");
            return Err(failed("Authorizer error"));
        }
        parse_answer(&payload).map_err(|reason| {
            tracing::warn!(request_id = %ctx.request_id, authorizer = %self.id, %reason, "invalid authorizer answer");
            failed(&format!("Invalid JSON in response: {reason}"))
        })
    }

    fn function_name(&self, ctx: &RequestContext) -> String {
        let mut out = String::new();
        for part in &self.function.parts {
            match part {
                UriPart::Literal(s) => out.push_str(s),
                UriPart::StageVariable(v) => out.push_str(ctx.stage_variable(v).unwrap_or("")),
                UriPart::PathVariable(v) => {
                    out.push('{');
                    out.push_str(v);
                    out.push('}');
                }
            }
        }
        out
    }
}

/// What [`LambdaAuthorizer::trial`] found: the outcome the request would have had, and what
/// the function answered (when it gave a valid answer).
#[derive(Debug)]
pub struct Trial {
    pub outcome: Result<(), GatewayError>,
    pub principal_id: Option<String>,
    /// The `policyDocument` the function returned, as JSON text.
    pub policy: Option<String>,
    /// The `context` the function returned, values stringified.
    pub context: Vec<(String, String)>,
}

/// Evaluates the answer's policy for `method_arn`: 403 unless it allows.
fn evaluate(answer: &Answer, method_arn: &str, ctx: &RequestContext) -> Result<(), GatewayError> {
    let mut facts = RequestFacts::new(ctx.connection.peer.ip(), SystemTime::now());
    facts.user_agent = ctx.user_agent.clone();
    facts.secure_transport = ctx.connection.tls;
    let explicit = match answer
        .policy
        .evaluate(tollgate_policy::INVOKE_ACTION, method_arn, &facts)
    {
        Decision::Allow => return Ok(()),
        Decision::ExplicitDeny => true,
        Decision::ImplicitDeny => false,
    };
    // Unconfirmed wording for the execution log's line.
    ctx.log(|| "The client is not authorized to perform this operation.".to_owned());
    Err(GatewayError::new(GatewayResponseType::AccessDenied)
        .with_message(messages::authorizer_denied(explicit)))
}

/// A secret as AWS's execution logs show it: all but the last 6 characters as `*` (shorter
/// values entirely; how AWS masks those is unconfirmed).
pub fn masked(secret: &str) -> String {
    let n = secret.chars().count();
    if n <= 6 {
        return "*".repeat(n);
    }
    let mut out = "*".repeat(n - 6);
    out.extend(secret.chars().skip(n - 6));
    out
}

fn value(source: &Source, ctx: &RequestContext) -> Option<String> {
    match source {
        Source::Header(h) => ctx
            .headers
            .get_all(h.as_str())
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        Source::Query(q) => ctx.request_parameter("querystring", q),
        Source::StageVariable(v) => ctx.stage_variable(v).map(str::to_owned),
        Source::Context(c) => ctx.context_variable(c),
    }
}

/// Validates an authorizer's answer: `principalId` and `policyDocument` required, `context`
/// values strings, numbers or booleans only (stringified), `usageIdentifierKey` optional.
fn parse_answer(v: &Value) -> Result<Answer, String> {
    let principal_id = match v.get("principalId") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err("principalId is missing".into()),
    };
    let policy = v.get("policyDocument").ok_or("policyDocument is missing")?;
    let policy_text = policy.to_string();
    let policy = PolicyDocument::from_value(policy, ParseOptions::default())
        .map_err(|e| format!("policyDocument: {e}"))?;
    let mut context = Vec::new();
    if let Some(c) = v.get("context").filter(|c| !c.is_null()) {
        let map = c.as_object().ok_or("context is not an object")?;
        for (k, v) in map {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => continue,
                _ => {
                    return Err(format!(
                        "context value '{k}' is not a string, number or boolean"
                    ));
                }
            };
            context.push((k.clone(), text));
        }
    }
    let usage_identifier_key = v
        .get("usageIdentifierKey")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(Answer {
        principal_id,
        policy,
        policy_text,
        context,
        usage_identifier_key,
    })
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    authorization_token: &'a str,
    method_arn: &'a str,
}

/// The REQUEST event: the proxy event's request fields (empty maps are `null`).
fn request_event(ctx: &RequestContext, method_arn: &str) -> Value {
    use serde_json::{Map, json};
    let mut headers = Map::new();
    let mut multi_headers: Map<String, Value> = Map::new();
    for name in ctx.headers.keys() {
        let values: Vec<Value> = ctx
            .headers
            .get_all(name)
            .iter()
            .map(|v| Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        let key = name.as_str().to_owned();
        if let Some(last) = values.last() {
            headers.insert(key.clone(), last.clone());
        }
        multi_headers.insert(key, Value::Array(values));
    }
    let mut query = Map::new();
    let mut multi_query: Map<String, Value> = Map::new();
    for (k, v) in &ctx.query {
        query.insert(k.clone(), Value::String(v.clone()));
        if let Value::Array(a) = multi_query
            .entry(k.clone())
            .or_insert_with(|| Value::Array(Vec::new()))
        {
            a.push(Value::String(v.clone()));
        }
    }
    let or_null = |m: Map<String, Value>| {
        if m.is_empty() {
            Value::Null
        } else {
            Value::Object(m)
        }
    };
    let path_params: Map<String, Value> = ctx
        .path_params
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let stage_vars: Map<String, Value> = ctx
        .stage_variables
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    json!({
        "type": "REQUEST",
        "methodArn": method_arn,
        "resource": ctx.resource_path,
        "path": ctx.request_path,
        "httpMethod": ctx.http_method,
        "headers": or_null(headers),
        "multiValueHeaders": or_null(multi_headers),
        "queryStringParameters": or_null(query),
        "multiValueQueryStringParameters": or_null(multi_query),
        "pathParameters": or_null(path_params),
        "stageVariables": or_null(stage_vars),
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": ctx.api_id,
            "stage": ctx.stage,
            "resourceId": ctx.resource_id,
            "resourcePath": ctx.resource_path,
            "httpMethod": ctx.http_method,
            "path": ctx.path,
            "requestId": ctx.request_id,
            "extendedRequestId": ctx.extended_request_id,
            "requestTime": ctx.request_time(),
            "requestTimeEpoch": ctx.request_time_epoch_ms,
            "protocol": "HTTP/1.1",
            "domainName": ctx.domain_name,
            "identity": {
                "sourceIp": ctx.source_ip,
                "userAgent": ctx.user_agent,
                "apiKey": ctx.identity.api_key,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn answers_are_validated_like_aws() {
        let policy = json!({"Version": "2012-10-17", "Statement": [{"Action": "execute-api:Invoke",
            "Effect": "Allow", "Resource": "arn:aws:execute-api:us-east-1:000000000000:abc/prod/GET/*"}]});
        let ok = parse_answer(&json!({"principalId": "u1", "policyDocument": policy,
            "context": {"tenant": "t1", "level": 3, "admin": true}, "usageIdentifierKey": "k"}))
        .unwrap();
        assert_eq!(ok.principal_id, "u1");
        assert_eq!(
            ok.context,
            [
                ("tenant".to_owned(), "t1".to_owned()),
                ("level".to_owned(), "3".to_owned()),
                ("admin".to_owned(), "true".to_owned())
            ]
        );
        assert_eq!(ok.usage_identifier_key.as_deref(), Some("k"));
        assert!(parse_answer(&json!({"policyDocument": policy})).is_err());
        assert!(parse_answer(&json!({"principalId": "u"})).is_err());
        assert!(
            parse_answer(&json!({"principalId": "u", "policyDocument": policy,
            "context": {"nested": {"a": 1}}}))
            .is_err()
        );
    }

    #[test]
    fn identity_sources_compile() {
        let a = Authorizer {
            id: "a1".into(),
            name: "tok".into(),
            kind: "TOKEN".into(),
            provider_arns: vec![],
            auth_type: None,
            authorizer_uri: Some("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations".into()),
            authorizer_credentials: None,
            identity_source: Some("method.request.header.Authorization".into()),
            identity_validation_expression: Some("Bearer .+".into()),
            authorizer_result_ttl_in_seconds: None,
        };
        let c = LambdaAuthorizer::compile(&a).unwrap().unwrap();
        assert_eq!(c.sources, [Source::Header("authorization".into())]);
        assert_eq!(c.cache.ttl(), Duration::from_secs(300));
        let bad = Authorizer {
            identity_source: Some("method.request.path.id".into()),
            ..a.clone()
        };
        assert!(LambdaAuthorizer::compile(&bad).is_err());
        let cognito = Authorizer {
            kind: "COGNITO_USER_POOLS".into(),
            ..a
        };
        assert!(LambdaAuthorizer::compile(&cognito).unwrap().is_none());
    }
}
