//! `/restapis/{id}/authorizers`: CreateAuthorizer, GetAuthorizer(s), UpdateAuthorizer and
//! DeleteAuthorizer. TestInvokeAuthorizer (POST on an authorizer) is in [`crate::test_invoke`].
//!
//! An authorizer is checked as AWS checks it (its type, a Lambda invocation URI for TOKEN and
//! REQUEST, a header token source for TOKEN and COGNITO_USER_POOLS, request identity sources,
//! user pools, the cache TTL), then compiled as a deployment compiles it, so that a stored
//! authorizer never fails a later deployment. `authType` defaults to `custom` (Lambda) or
//! `cognito_user_pools`. A TTL not given stays unset, as AWS returns it; the data plane then
//! caches for AWS's default 300 seconds. An authorizer a method uses cannot be deleted, nor
//! changed to a type its methods' authorization type cannot use.

use http::{Method as Verb, StatusCode};
use serde::Deserialize;
use tollgate_engine::access::JwtAuthorizer;
use tollgate_engine::authorizer::LambdaAuthorizer;
use tollgate_engine::integration::lambda::lambda_function_in_uri;
use tollgate_model::{ApiDefinition, AuthorizationType, Authorizer, ids};
use tollgate_store::{SqliteStore, Store};

use crate::patch::{PatchBody, PatchOperation};
use crate::quotas::{Quota, Quotas};
use crate::{ApiError, Call, Reply, page, parts};

/// AWS's 404 for an unknown authorizer, also its answer for any authorizer of an unknown API.
pub(crate) const NO_AUTHORIZER: &str = "Invalid Authorizer identifier specified";

/// The authorizer types, as AWS lists them.
const TYPES: [&str; 3] = ["TOKEN", "REQUEST", "COGNITO_USER_POOLS"];

/// The longest cache TTL AWS allows, in seconds.
const MAX_TTL: i64 = 3600;

/// Routes `/restapis/{api_id}/authorizers` + `rest`.
pub(crate) async fn route(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
    api_id: &str,
    rest: &[&str],
) -> Option<Result<Reply, ApiError>> {
    let m = call.method;
    Some(match rest {
        [] if m == Verb::POST => create(store, quotas, call, api_id).await,
        [] if m == Verb::GET => list(store, call, api_id).await,
        [id] if m == Verb::GET => get(store, api_id, id).await,
        [id] if m == Verb::PATCH => update(store, call, api_id, id).await,
        [id] if m == Verb::DELETE => delete(store, api_id, id).await,
        _ => return None,
    })
}

fn find<'a>(d: &'a ApiDefinition, id: &str) -> Result<&'a Authorizer, ApiError> {
    d.authorizers
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| ApiError::not_found(NO_AUTHORIZER))
}

/// Whether a method with `authorization` can use an authorizer of type `kind`: CUSTOM takes a
/// Lambda (TOKEN or REQUEST) authorizer, COGNITO_USER_POOLS a Cognito one.
pub(crate) fn fits(authorization: AuthorizationType, kind: &str) -> bool {
    match authorization {
        AuthorizationType::Custom => kind == "TOKEN" || kind == "REQUEST",
        AuthorizationType::CognitoUserPools => kind == "COGNITO_USER_POOLS",
        AuthorizationType::None | AuthorizationType::AwsIam => true,
    }
}

/// AWS's ValidationException for a required member left out.
fn required(member: &str) -> ApiError {
    ApiError::Validation(format!(
        "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateAuthorizer {
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(rename = "providerARNs", default)]
    provider_arns: Vec<String>,
    auth_type: Option<String>,
    authorizer_uri: Option<String>,
    authorizer_credentials: Option<String>,
    identity_source: Option<String>,
    identity_validation_expression: Option<String>,
    authorizer_result_ttl_in_seconds: Option<i64>,
}

/// POST `/restapis/{id}/authorizers` → 201 with the authorizer. On an unknown API AWS answers
/// 409 `Unable to complete operation due to concurrent modification. Please try again later.`
/// Counted against the authorizers quota in the same transaction.
async fn create(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
    api_id: &str,
) -> Result<Reply, ApiError> {
    let body: CreateAuthorizer = call.json()?;
    let name = body
        .name
        .ok_or_else(|| required("createAuthorizerInput.name"))?;
    let kind = body
        .kind
        .ok_or_else(|| required("createAuthorizerInput.type"))?;
    if !TYPES.contains(&kind.as_str()) {
        return Err(ApiError::enum_value(
            &kind,
            "createAuthorizerInput.type",
            &TYPES,
        ));
    }
    let ttl = body
        .authorizer_result_ttl_in_seconds
        .map(ttl_seconds)
        .transpose()?;
    let nonempty = |s: Option<String>| s.filter(|s| !s.is_empty());
    let authorizer = Authorizer {
        id: ids::short_id(),
        auth_type: nonempty(body.auth_type).or_else(|| Some(default_auth_type(&kind).to_owned())),
        name,
        kind,
        provider_arns: body.provider_arns,
        authorizer_uri: nonempty(body.authorizer_uri),
        authorizer_credentials: nonempty(body.authorizer_credentials),
        identity_source: nonempty(body.identity_source),
        identity_validation_expression: nonempty(body.identity_validation_expression),
        authorizer_result_ttl_in_seconds: ttl,
    };
    let missing = ApiError::Conflict(
        "Unable to complete operation due to concurrent modification. Please try again later."
            .to_owned(),
    );
    let quotas = *quotas;
    let created = parts::edit(store, api_id, missing, move |d| {
        check(&authorizer)?;
        quotas.one_more(Quota::AuthorizersPerApi, d.authorizers.len())?;
        d.authorizers.push(authorizer.clone());
        Ok(authorizer)
    })
    .await?;
    Ok(Reply::json(StatusCode::CREATED, &created))
}

/// The `authType` AWS records when none is given.
fn default_auth_type(kind: &str) -> &'static str {
    if kind == "COGNITO_USER_POOLS" {
        "cognito_user_pools"
    } else {
        "custom"
    }
}

/// A cache TTL within AWS's 0 to 3600 seconds.
fn ttl_seconds(seconds: i64) -> Result<u32, ApiError> {
    if (0..=MAX_TTL).contains(&seconds) {
        Ok(seconds as u32)
    } else {
        Err(ApiError::bad(format!(
            "Invalid authorizer result TTL specified: {seconds}. It must be between 0 and {MAX_TTL} seconds"
        )))
    }
}

/// AWS's checks of an authorizer's configuration, then the data plane's own compilation of it.
fn check(a: &Authorizer) -> Result<(), ApiError> {
    if a.name.trim().is_empty() {
        return Err(ApiError::bad("Authorizer name must be non-empty"));
    }
    let source = a.identity_source.as_deref();
    match a.kind.as_str() {
        "TOKEN" | "REQUEST" => {
            let uri = a.authorizer_uri.as_deref();
            if !uri.is_some_and(is_lambda_invocation) {
                return Err(ApiError::bad(format!(
                    "Invalid Authorizer URI: {}. Authorizer URI should be a valid API Gateway ARN that represents a Lambda function invocation.",
                    uri.unwrap_or("null")
                )));
            }
            if a.kind == "TOKEN" {
                check_token_source(source)?;
            } else {
                check_request_sources(source, a.authorizer_result_ttl_in_seconds)?;
            }
        }
        "COGNITO_USER_POOLS" => {
            if a.provider_arns.is_empty() {
                return Err(ApiError::bad(
                    "Invalid Provider ARNs specified: a COGNITO_USER_POOLS authorizer needs at least one user pool",
                ));
            }
            check_token_source(source)?;
        }
        other => return Err(ApiError::enum_value(other, "type", &TYPES)),
    }
    if let Some(expression) = a.identity_validation_expression.as_deref()
        && fancy_regex::Regex::new(expression).is_err()
    {
        return Err(ApiError::bad(format!(
            "Invalid identity validation expression specified: {expression}"
        )));
    }
    LambdaAuthorizer::compile(a)
        .map_err(|e| ApiError::bad(format!("Invalid authorizer specified: {}", e.reason)))?;
    JwtAuthorizer::compile(a)
        .map_err(|reason| ApiError::bad(format!("Invalid Provider ARNs specified: {reason}")))?;
    Ok(())
}

/// `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function}/invocations` with a
/// real-looking region (`us-east-1`, `us-gov-west-1`; not a placeholder such as `region`).
fn is_lambda_invocation(uri: &str) -> bool {
    let region = uri
        .strip_prefix("arn:aws:apigateway:")
        .and_then(|rest| rest.split_once(':'))
        .map_or("", |(region, _)| region);
    let parts: Vec<&str> = region.split('-').collect();
    let region_ok = parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    region_ok && lambda_function_in_uri(uri).is_some()
}

/// A header name as a mapping expression allows it.
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// TOKEN and COGNITO_USER_POOLS authorizers read one request header.
fn check_token_source(source: Option<&str>) -> Result<(), ApiError> {
    let header = source.and_then(|s| s.strip_prefix("method.request.header."));
    if header.is_some_and(is_header_name) {
        return Ok(());
    }
    Err(ApiError::bad(format!(
        "Invalid token source expression: {}. The source must be a method request header, matching 'method.request.header.[a-zA-Z0-9._-]+'.",
        source.unwrap_or("null")
    )))
}

/// REQUEST authorizers read a comma-separated list of headers, query string parameters, stage
/// variables and context variables (no path parameters); the list may be empty only when
/// results are not cached (a TTL of 0; an unset TTL caches for 300 seconds).
fn check_request_sources(source: Option<&str>, ttl: Option<u32>) -> Result<(), ApiError> {
    let sources: Vec<&str> = source
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if sources.is_empty() && ttl != Some(0) {
        return Err(ApiError::bad(
            "Invalid identity source specified: identity sources are required when authorization caching is enabled",
        ));
    }
    for s in sources {
        let name = ["method.request.header.", "method.request.querystring."]
            .iter()
            .chain(&["stageVariables.", "context."])
            .find_map(|prefix| s.strip_prefix(prefix));
        if !name.is_some_and(is_header_name) {
            return Err(ApiError::bad(format!(
                "Invalid identity source specified: {s}. It must be a method.request.header, method.request.querystring, stageVariables or context expression"
            )));
        }
    }
    Ok(())
}

/// A method that uses `a` with an authorization type `a`'s type cannot serve.
fn check_users(d: &ApiDefinition, a: &Authorizer) -> Result<(), ApiError> {
    let misfit = parts::methods(d).any(|(_, _, m)| {
        m.authorizer_id.as_deref() == Some(a.id.as_str()) && !fits(m.authorization_type, &a.kind)
    });
    if misfit {
        return Err(ApiError::bad(
            "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.",
        ));
    }
    Ok(())
}

/// GET `/restapis/{id}/authorizers` (paged), in creation order.
async fn list(store: &SqliteStore, call: &Call<'_>, api_id: &str) -> Result<Reply, ApiError> {
    let d = store.shared_definition(api_id).await?;
    Ok(Reply::json(
        StatusCode::OK,
        &page(call, d.authorizers.clone()),
    ))
}

/// GET `/restapis/{id}/authorizers/{authorizer_id}`.
async fn get(store: &SqliteStore, api_id: &str, id: &str) -> Result<Reply, ApiError> {
    let d = parts::read(store, api_id, ApiError::not_found(NO_AUTHORIZER)).await?;
    Ok(Reply::json(StatusCode::OK, find(&d, id)?))
}

/// PATCH `/restapis/{id}/authorizers/{authorizer_id}`: replace `/name`, `/type`, `/authType`,
/// `/authorizerUri`, `/authorizerCredentials`, `/identitySource`,
/// `/identityValidationExpression`, `/authorizerResultTtlInSeconds` (an empty value unsets the
/// optional ones); add or remove `/providerARNs/{arn}`.
async fn update(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    id: &str,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateAuthorizerInput")?;
    let id = id.to_owned();
    let missing = ApiError::not_found(NO_AUTHORIZER);
    let updated = parts::edit(store, api_id, missing, move |d| {
        let mut a = find(d, &id)?.clone();
        for op in &body.patch_operations {
            patch(&mut a, op)?;
        }
        check(&a)?;
        check_users(d, &a)?;
        if let Some(current) = d.authorizers.iter_mut().find(|c| c.id == id) {
            *current = a.clone();
        }
        Ok(a)
    })
    .await?;
    Ok(Reply::json(StatusCode::OK, &updated))
}

fn patch(a: &mut Authorizer, op: &PatchOperation) -> Result<(), ApiError> {
    if let Some(arn) = op.key_after("/providerARNs/") {
        match op.op.as_str() {
            "add" => {
                if !a.provider_arns.contains(&arn) {
                    a.provider_arns.push(arn);
                }
            }
            "remove" => a.provider_arns.retain(|p| *p != arn),
            _ => return Err(op.unsupported_op()),
        }
        return Ok(());
    }
    match op.path.as_str() {
        "/name"
        | "/type"
        | "/authType"
        | "/authorizerUri"
        | "/authorizerCredentials"
        | "/identitySource"
        | "/identityValidationExpression"
        | "/authorizerResultTtlInSeconds" => op.require("replace")?,
        _ => return Err(op.invalid_path()),
    }
    match op.path.as_str() {
        "/name" => a.name = op.value.clone().unwrap_or_default(),
        "/type" => {
            let kind = op.value.clone().unwrap_or_default();
            if !TYPES.contains(&kind.as_str()) {
                return Err(ApiError::bad(format!(
                    "Invalid authorizer type specified: {kind}. Must be one of: [{}]",
                    TYPES.join(", ")
                )));
            }
            a.kind = kind;
        }
        "/authorizerResultTtlInSeconds" => {
            a.authorizer_result_ttl_in_seconds = match op.optional_value() {
                None => None,
                Some(v) => {
                    let seconds = v.trim().parse::<i64>().map_err(|_| {
                        ApiError::bad(format!("Invalid authorizer result TTL specified: {v}"))
                    })?;
                    Some(ttl_seconds(seconds)?)
                }
            };
        }
        "/authType" => a.auth_type = op.optional_value(),
        "/authorizerUri" => a.authorizer_uri = op.optional_value(),
        "/authorizerCredentials" => a.authorizer_credentials = op.optional_value(),
        "/identitySource" => a.identity_source = op.optional_value(),
        "/identityValidationExpression" => a.identity_validation_expression = op.optional_value(),
        _ => return Err(op.invalid_path()),
    }
    Ok(())
}

/// DELETE `/restapis/{id}/authorizers/{authorizer_id}` → 202; 409 while a method uses it.
async fn delete(store: &SqliteStore, api_id: &str, id: &str) -> Result<Reply, ApiError> {
    let id = id.to_owned();
    let missing = ApiError::not_found(NO_AUTHORIZER);
    parts::edit(store, api_id, missing, move |d| {
        let a = find(d, &id)?;
        if let Some((resource, verb, _)) =
            parts::methods(d).find(|(_, _, m)| m.authorizer_id.as_deref() == Some(id.as_str()))
        {
            return Err(ApiError::Conflict(format!(
                "Cannot delete authorizer '{}', is referenced in method: {}/{}",
                a.name,
                verb.as_str(),
                resource.path
            )));
        }
        d.authorizers.retain(|a| a.id != id);
        Ok(())
    })
    .await?;
    Ok(Reply::accepted())
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations";

    fn token() -> Authorizer {
        Authorizer {
            id: "abc123".into(),
            name: "auth".into(),
            kind: "TOKEN".into(),
            provider_arns: Vec::new(),
            auth_type: Some("custom".into()),
            authorizer_uri: Some(URI.into()),
            authorizer_credentials: None,
            identity_source: Some("method.request.header.Authorization".into()),
            identity_validation_expression: None,
            authorizer_result_ttl_in_seconds: None,
        }
    }

    fn message(a: &Authorizer) -> String {
        check(a)
            .err()
            .map(|e| e.message().to_owned())
            .unwrap_or_default()
    }

    #[test]
    fn lambda_uris() {
        assert!(is_lambda_invocation(URI));
        assert!(is_lambda_invocation(
            "arn:aws:apigateway:us-gov-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-gov-west-1:1:function:${stageVariables.fn}/invocations"
        ));
        for bad in [
            "arn:aws:apigateway:region:lambda:path/2015-03-31/functions/f/invocations",
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions//invocations",
            "arn:aws:lambda:us-east-1:123456789012:function:auth",
            "",
        ] {
            assert!(!is_lambda_invocation(bad), "{bad}");
        }
    }

    #[test]
    fn token_authorizers() {
        assert_eq!(check(&token()), Ok(()));
        let mut a = token();
        a.authorizer_uri = None;
        assert_eq!(
            message(&a),
            "Invalid Authorizer URI: null. Authorizer URI should be a valid API Gateway ARN that represents a Lambda function invocation."
        );
        let mut a = token();
        a.identity_source = Some("method.request.querystring.key".into());
        assert_eq!(
            message(&a),
            "Invalid token source expression: method.request.querystring.key. The source must be a method request header, matching 'method.request.header.[a-zA-Z0-9._-]+'."
        );
        let mut a = token();
        a.identity_validation_expression = Some("(".into());
        assert_eq!(
            message(&a),
            "Invalid identity validation expression specified: ("
        );
    }

    #[test]
    fn request_authorizers() {
        let mut a = token();
        a.kind = "REQUEST".into();
        a.identity_source = Some(
            "method.request.header.Auth, method.request.querystring.q,stageVariables.s,context.accountId"
                .into(),
        );
        assert_eq!(check(&a), Ok(()));
        a.identity_source = Some("method.request.path.id".into());
        assert!(
            message(&a).starts_with("Invalid identity source specified: method.request.path.id")
        );
        a.identity_source = None;
        assert!(check(&a).is_err(), "caching needs identity sources");
        a.authorizer_result_ttl_in_seconds = Some(0);
        assert_eq!(check(&a), Ok(()), "without caching none are needed");
    }

    #[test]
    fn cognito_authorizers() {
        let mut a = token();
        a.kind = "COGNITO_USER_POOLS".into();
        a.authorizer_uri = None;
        assert!(message(&a).starts_with("Invalid Provider ARNs specified"));
        a.provider_arns =
            vec!["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc".into()];
        assert_eq!(check(&a), Ok(()));
        a.provider_arns = vec!["arn:aws:s3:::bucket".into()];
        assert!(message(&a).starts_with("Invalid Provider ARNs specified"));
    }

    #[test]
    fn ttls() {
        assert_eq!(ttl_seconds(0), Ok(0));
        assert_eq!(ttl_seconds(3600), Ok(3600));
        assert!(ttl_seconds(3601).is_err());
        assert!(ttl_seconds(-1).is_err());
    }

    #[test]
    fn authorization_types_fit_authorizer_types() {
        assert!(fits(AuthorizationType::Custom, "TOKEN"));
        assert!(fits(AuthorizationType::Custom, "REQUEST"));
        assert!(!fits(AuthorizationType::Custom, "COGNITO_USER_POOLS"));
        assert!(fits(
            AuthorizationType::CognitoUserPools,
            "COGNITO_USER_POOLS"
        ));
        assert!(!fits(AuthorizationType::CognitoUserPools, "TOKEN"));
    }
}
