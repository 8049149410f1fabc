//! `/restapis/{id}/resources/{rid}/methods/{verb}/...`: PutMethod, GetMethod, UpdateMethod,
//! DeleteMethod; method responses; the integration and its responses. TestInvokeMethod (POST on
//! a method) is in [`crate::test_invoke`].

use std::collections::BTreeMap;

use http::{Method as Verb, StatusCode};
use serde::Deserialize;
use serde_json::Value;
use tollgate_model::{
    ApiDefinition, AuthorizationType, ConnectionType, ContentHandling, HttpMethod, Integration,
    IntegrationResponse, IntegrationType, Method, MethodResponse, PassthroughBehavior, TlsConfig,
};
use tollgate_store::{SqliteStore, Store};

use crate::patch::{PatchBody, PatchOperation};
use crate::resources::{find, find_mut};
use crate::{ApiError, Call, Reply};

pub(crate) const NO_METHOD: &str = "Invalid Method identifier specified";
const NO_INTEGRATION: &str = "Invalid Integration identifier specified";
const NO_RESPONSE: &str = "Invalid Response status code specified";

/// Routes `/restapis/{api_id}/resources/{rid}/methods` + `rest`.
pub(crate) async fn route(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    rid: &str,
    rest: &[&str],
) -> Option<Result<Reply, ApiError>> {
    let m = call.method;
    let (verb, rest) = rest.split_first()?;
    let verb = match verb.parse::<HttpMethod>() {
        Ok(v) => v,
        Err(e) => return Some(Err(ApiError::bad(e.to_string()))),
    };
    let at = At {
        api_id: api_id.to_owned(),
        rid: rid.to_owned(),
        verb,
    };
    Some(match rest {
        [] if m == Verb::PUT => put_method(store, call, at).await,
        [] if m == Verb::GET => read(store, at, to_value).await,
        [] if m == Verb::PATCH => update_method(store, call, at).await,
        [] if m == Verb::DELETE => delete_method(store, at).await,
        ["responses", code] if m == Verb::PUT => put_method_response(store, call, at, code).await,
        ["responses", code] if m == Verb::GET => {
            let code = (*code).to_owned();
            read(store, at, move |m| {
                m.method_responses
                    .get(&code)
                    .map(to_value)
                    .ok_or_else(|| ApiError::not_found(NO_RESPONSE))?
            })
            .await
        }
        ["responses", code] if m == Verb::PATCH => {
            update_method_response(store, call, at, code).await
        }
        ["responses", code] if m == Verb::DELETE => {
            let code = (*code).to_owned();
            edit_method(store, at, StatusCode::NO_CONTENT, move |m| {
                m.method_responses
                    .remove(&code)
                    .ok_or_else(|| ApiError::not_found(NO_RESPONSE))?;
                Ok(Value::Null)
            })
            .await
        }
        ["integration"] if m == Verb::PUT => put_integration(store, call, at).await,
        ["integration"] if m == Verb::GET => {
            read(store, at, |m| integration(m).map(to_value)?).await
        }
        ["integration"] if m == Verb::PATCH => update_integration(store, call, at).await,
        ["integration"] if m == Verb::DELETE => {
            edit_method(store, at, StatusCode::NO_CONTENT, |m| {
                m.method_integration
                    .take()
                    .ok_or_else(|| ApiError::not_found(NO_INTEGRATION))?;
                Ok(Value::Null)
            })
            .await
        }
        ["integration", "responses", code] if m == Verb::PUT => {
            put_integration_response(store, call, at, code).await
        }
        ["integration", "responses", code] if m == Verb::GET => {
            let code = (*code).to_owned();
            read(store, at, move |m| {
                integration(m)?
                    .integration_responses
                    .get(&code)
                    .map(to_value)
                    .ok_or_else(|| ApiError::not_found(NO_RESPONSE))?
            })
            .await
        }
        ["integration", "responses", code] if m == Verb::PATCH => {
            update_integration_response(store, call, at, code).await
        }
        ["integration", "responses", code] if m == Verb::DELETE => {
            let code = (*code).to_owned();
            edit_method(store, at, StatusCode::NO_CONTENT, move |m| {
                integration_mut(m)?
                    .integration_responses
                    .remove(&code)
                    .ok_or_else(|| ApiError::not_found(NO_RESPONSE))?;
                Ok(Value::Null)
            })
            .await
        }
        _ => return None,
    })
}

/// Which method a call names.
struct At {
    api_id: String,
    rid: String,
    verb: HttpMethod,
}

fn to_value<T: serde::Serialize>(v: &T) -> Result<Value, ApiError> {
    serde_json::to_value(v).map_err(|e| ApiError::Internal(e.to_string()))
}

fn method<'a>(d: &'a ApiDefinition, at: &At) -> Result<&'a Method, ApiError> {
    find(d, &at.rid)?
        .resource_methods
        .get(&at.verb)
        .ok_or_else(|| ApiError::not_found(NO_METHOD))
}

fn integration(m: &Method) -> Result<&Integration, ApiError> {
    m.method_integration
        .as_ref()
        .ok_or_else(|| ApiError::not_found(NO_INTEGRATION))
}

fn integration_mut(m: &mut Method) -> Result<&mut Integration, ApiError> {
    m.method_integration
        .as_mut()
        .ok_or_else(|| ApiError::not_found(NO_INTEGRATION))
}

/// Answers 200 with what `show` makes of the method.
async fn read<F>(store: &SqliteStore, at: At, show: F) -> Result<Reply, ApiError>
where
    F: FnOnce(&Method) -> Result<Value, ApiError>,
{
    let d = store.shared_definition(&at.api_id).await?;
    let value = show(method(&d, &at)?)?;
    Ok(Reply::json(StatusCode::OK, &value))
}

/// Edits the method in one transaction and answers `status` with what `edit` returned
/// (no body for `Value::Null`).
async fn edit_method<F>(
    store: &SqliteStore,
    at: At,
    status: StatusCode,
    edit: F,
) -> Result<Reply, ApiError>
where
    F: FnOnce(&mut Method) -> Result<Value, ApiError> + Send + 'static,
{
    let value = crate::edit(store, &at.api_id.clone(), move |d| {
        let resource = find_mut(d, &at.rid)?;
        let method = resource
            .resource_methods
            .get_mut(&at.verb)
            .ok_or_else(|| ApiError::not_found(NO_METHOD))?;
        edit(method)
    })
    .await?;
    Ok(reply(status, value))
}

fn reply(status: StatusCode, value: Value) -> Reply {
    if value.is_null() {
        Reply::empty(status)
    } else {
        Reply::json(status, &value)
    }
}

// ----- methods -----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutMethod {
    authorization_type: Option<String>,
    authorizer_id: Option<String>,
    #[serde(default)]
    api_key_required: bool,
    operation_name: Option<String>,
    #[serde(default)]
    request_parameters: BTreeMap<String, bool>,
    #[serde(default)]
    request_models: BTreeMap<String, String>,
    request_validator_id: Option<String>,
    #[serde(default)]
    authorization_scopes: Vec<String>,
}

fn authorization_type(s: &str, at: &str) -> Result<AuthorizationType, ApiError> {
    Ok(match s.to_ascii_uppercase().as_str() {
        "NONE" => AuthorizationType::None,
        "AWS_IAM" => AuthorizationType::AwsIam,
        "CUSTOM" => AuthorizationType::Custom,
        "COGNITO_USER_POOLS" => AuthorizationType::CognitoUserPools,
        _ => {
            return Err(ApiError::enum_value(
                s,
                at,
                &["NONE", "AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"],
            ));
        }
    })
}

/// The references a method makes must resolve: its authorizer (for CUSTOM a Lambda one, for
/// Cognito a Cognito one), its validator and its request models.
fn check_method_refs(d: &ApiDefinition, m: &Method) -> Result<(), ApiError> {
    if matches!(
        m.authorization_type,
        AuthorizationType::Custom | AuthorizationType::CognitoUserPools
    ) && !m.authorizer_id.as_deref().is_some_and(|id| {
        d.authorizers
            .iter()
            .any(|a| a.id == id && crate::authorizers::fits(m.authorization_type, &a.kind))
    }) {
        return Err(ApiError::bad(
            "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.",
        ));
    }
    if let Some(v) = &m.request_validator_id
        && !d.request_validators.iter().any(|r| r.id == *v)
    {
        return Err(ApiError::bad(
            "Invalid Request Validator identifier specified",
        ));
    }
    for model in m.request_models.values() {
        if !d.models.iter().any(|x| x.name == *model) {
            return Err(ApiError::bad(format!(
                "Invalid model identifier specified: {model}"
            )));
        }
    }
    check_parameter_names(m.request_parameters.keys())?;
    Ok(())
}

/// Method request parameters: `method.request.{querystring|path|header|...}.{name}`, names unique
/// across locations.
fn check_parameter_names<'a>(keys: impl Iterator<Item = &'a String>) -> Result<(), ApiError> {
    let mut seen = std::collections::HashSet::new();
    for key in keys {
        let Some(rest) = key.strip_prefix("method.request.") else {
            return Err(ApiError::bad(format!(
                "Invalid mapping expression specified: {key}"
            )));
        };
        let Some((location, name)) = rest.split_once('.') else {
            return Err(ApiError::bad(format!(
                "Invalid mapping expression specified: {key}"
            )));
        };
        let known = [
            "path",
            "querystring",
            "header",
            "multivaluequerystring",
            "multivalueheader",
        ];
        if !known.contains(&location) || name.is_empty() {
            return Err(ApiError::bad(format!(
                "Invalid mapping expression specified: {key}"
            )));
        }
        if !seen.insert(name.to_ascii_lowercase()) {
            return Err(ApiError::bad(
                "Parameter names must be unique across querystring, header and path",
            ));
        }
    }
    Ok(())
}

/// PUT `.../methods/{verb}` → 201 with the new method.
async fn put_method(store: &SqliteStore, call: &Call<'_>, at: At) -> Result<Reply, ApiError> {
    let body: PutMethod = call.json()?;
    let kind = body
        .authorization_type
        .ok_or_else(|| ApiError::bad("Invalid authorization type specified"))?;
    let mut method = Method::new(at.verb);
    method.authorization_type = authorization_type(&kind, "putMethodInput.authorizationType")?;
    method.authorizer_id = body.authorizer_id.filter(|a| !a.is_empty());
    method.api_key_required = body.api_key_required;
    method.operation_name = body.operation_name;
    method.request_parameters = body.request_parameters;
    method.request_models = body.request_models;
    method.request_validator_id = body.request_validator_id.filter(|v| !v.is_empty());
    method.authorization_scopes = body.authorization_scopes;
    let value = crate::edit(store, &at.api_id.clone(), move |d| {
        check_method_refs(d, &method)?;
        let resource = find_mut(d, &at.rid)?;
        if resource.resource_methods.contains_key(&at.verb) {
            return Err(ApiError::Conflict(
                "Method already exists for this resource".to_owned(),
            ));
        }
        let value = to_value(&method)?;
        resource.resource_methods.insert(at.verb, method);
        Ok(value)
    })
    .await?;
    Ok(Reply::json(StatusCode::CREATED, &value))
}

/// PATCH `.../methods/{verb}`.
async fn update_method(store: &SqliteStore, call: &Call<'_>, at: At) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateMethodInput")?;
    let value = crate::edit(store, &at.api_id.clone(), move |d| {
        let mut method = method(d, &at)?.clone();
        for op in &body.patch_operations {
            patch_method(&mut method, op)?;
        }
        check_method_refs(d, &method)?;
        let value = to_value(&method)?;
        find_mut(d, &at.rid)?
            .resource_methods
            .insert(at.verb, method);
        Ok(value)
    })
    .await?;
    Ok(Reply::json(StatusCode::OK, &value))
}

fn patch_method(m: &mut Method, op: &PatchOperation) -> Result<(), ApiError> {
    if let Some(key) = op.key_after("/requestParameters/") {
        return op.apply_flag(&mut m.request_parameters, key);
    }
    if let Some(key) = op.key_after("/requestModels/") {
        return op.apply_text(&mut m.request_models, key);
    }
    match op.path.as_str() {
        "/authorizationType" => {
            op.require("replace")?;
            m.authorization_type =
                authorization_type(op.value()?, "updateMethodInput.authorizationType")?;
            if m.authorization_type == AuthorizationType::None {
                m.authorizer_id = None;
            }
        }
        "/authorizerId" => {
            op.require("replace")?;
            m.authorizer_id = op.optional_value();
        }
        "/apiKeyRequired" => {
            op.require("replace")?;
            m.api_key_required = op.bool_value()?;
        }
        "/operationName" => {
            op.require("replace")?;
            m.operation_name = op.optional_value();
        }
        "/requestValidatorId" => {
            op.require("replace")?;
            m.request_validator_id = op.optional_value();
        }
        "/authorizationScopes" => {
            let scope = op.value()?.to_owned();
            match op.op.as_str() {
                "add" => {
                    if !m.authorization_scopes.contains(&scope) {
                        m.authorization_scopes.push(scope);
                    }
                }
                "remove" => m.authorization_scopes.retain(|s| *s != scope),
                _ => return Err(op.unsupported_op()),
            }
        }
        _ => return Err(op.invalid_path()),
    }
    Ok(())
}

/// DELETE `.../methods/{verb}` → 204.
async fn delete_method(store: &SqliteStore, at: At) -> Result<Reply, ApiError> {
    crate::edit(store, &at.api_id.clone(), move |d| {
        find_mut(d, &at.rid)?
            .resource_methods
            .remove(&at.verb)
            .ok_or_else(|| ApiError::not_found(NO_METHOD))?;
        Ok(())
    })
    .await?;
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}

// ----- method responses -----

fn check_status_code(code: &str) -> Result<(), ApiError> {
    let b = code.as_bytes();
    if b.len() == 3 && (b'1'..=b'5').contains(&b[0]) && b[1..].iter().all(u8::is_ascii_digit) {
        Ok(())
    } else {
        Err(ApiError::bad(format!(
            "Invalid status code specified: {code}. Status code must be a number between 100 and 599"
        )))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutMethodResponse {
    #[serde(default)]
    response_parameters: BTreeMap<String, bool>,
    #[serde(default)]
    response_models: BTreeMap<String, String>,
}

fn check_response_models(d: &ApiDefinition, r: &MethodResponse) -> Result<(), ApiError> {
    for model in r.response_models.values() {
        if !d.models.iter().any(|x| x.name == *model) {
            return Err(ApiError::bad(format!(
                "Invalid model identifier specified: {model}"
            )));
        }
    }
    for key in r.response_parameters.keys() {
        if !key.starts_with("method.response.header.") {
            return Err(ApiError::bad(format!(
                "Invalid mapping expression specified: {key}"
            )));
        }
    }
    Ok(())
}

/// PUT `.../methods/{verb}/responses/{code}` → 201.
async fn put_method_response(
    store: &SqliteStore,
    call: &Call<'_>,
    at: At,
    code: &str,
) -> Result<Reply, ApiError> {
    check_status_code(code)?;
    let body: PutMethodResponse = call.json()?;
    let response = MethodResponse {
        status_code: code.to_owned(),
        response_parameters: body.response_parameters,
        response_models: body.response_models,
    };
    let value = crate::edit(store, &at.api_id.clone(), move |d| {
        check_response_models(d, &response)?;
        let value = to_value(&response)?;
        let resource = find_mut(d, &at.rid)?;
        let m = resource
            .resource_methods
            .get_mut(&at.verb)
            .ok_or_else(|| ApiError::not_found(NO_METHOD))?;
        m.method_responses
            .insert(response.status_code.clone(), response);
        Ok(value)
    })
    .await?;
    Ok(Reply::json(StatusCode::CREATED, &value))
}

/// PATCH `.../methods/{verb}/responses/{code}` → 201 (AWS's code for this update).
async fn update_method_response(
    store: &SqliteStore,
    call: &Call<'_>,
    at: At,
    code: &str,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateMethodResponseInput")?;
    let code = code.to_owned();
    let value = crate::edit(store, &at.api_id.clone(), move |d| {
        let mut response = method(d, &at)?
            .method_responses
            .get(&code)
            .cloned()
            .ok_or_else(|| ApiError::not_found(NO_RESPONSE))?;
        for op in &body.patch_operations {
            if let Some(key) = op.key_after("/responseParameters/") {
                op.apply_flag(&mut response.response_parameters, key)?;
            } else if let Some(key) = op.key_after("/responseModels/") {
                op.apply_text(&mut response.response_models, key)?;
            } else {
                return Err(op.invalid_path());
            }
        }
        check_response_models(d, &response)?;
        let value = to_value(&response)?;
        find_mut(d, &at.rid)?
            .resource_methods
            .get_mut(&at.verb)
            .ok_or_else(|| ApiError::not_found(NO_METHOD))?
            .method_responses
            .insert(code, response);
        Ok(value)
    })
    .await?;
    Ok(Reply::json(StatusCode::CREATED, &value))
}

// ----- integrations -----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutIntegration {
    #[serde(rename = "type")]
    kind: Option<String>,
    http_method: Option<String>,
    uri: Option<String>,
    connection_type: Option<String>,
    connection_id: Option<String>,
    credentials: Option<String>,
    #[serde(default)]
    request_parameters: BTreeMap<String, String>,
    #[serde(default)]
    request_templates: BTreeMap<String, String>,
    passthrough_behavior: Option<String>,
    cache_namespace: Option<String>,
    #[serde(default)]
    cache_key_parameters: Vec<String>,
    content_handling: Option<String>,
    timeout_in_millis: Option<i64>,
    tls_config: Option<TlsConfig>,
}

const INTEGRATION_TYPES: [&str; 5] = ["HTTP", "AWS", "MOCK", "HTTP_PROXY", "AWS_PROXY"];

fn passthrough(s: &str, at: &str) -> Result<PassthroughBehavior, ApiError> {
    PassthroughBehavior::parse(s).ok_or_else(|| {
        ApiError::enum_value(s, at, &["WHEN_NO_MATCH", "WHEN_NO_TEMPLATES", "NEVER"])
    })
}

fn content_handling(s: &str, at: &str) -> Result<ContentHandling, ApiError> {
    ContentHandling::parse(s)
        .ok_or_else(|| ApiError::enum_value(s, at, &["CONVERT_TO_BINARY", "CONVERT_TO_TEXT"]))
}

fn connection_type(s: &str, at: &str) -> Result<ConnectionType, ApiError> {
    match s.to_ascii_uppercase().as_str() {
        "INTERNET" => Ok(ConnectionType::Internet),
        "VPC_LINK" => Ok(ConnectionType::VpcLink),
        _ => Err(ApiError::enum_value(s, at, &["INTERNET", "VPC_LINK"])),
    }
}

fn timeout(ms: i64) -> Result<u32, ApiError> {
    let range = i64::from(Integration::MIN_TIMEOUT_MS)..=i64::from(Integration::DEFAULT_TIMEOUT_MS);
    if range.contains(&ms) {
        Ok(ms as u32)
    } else {
        Err(ApiError::bad(format!(
            "Timeout should be between {} ms and {} ms",
            Integration::MIN_TIMEOUT_MS,
            Integration::DEFAULT_TIMEOUT_MS
        )))
    }
}

/// AWS's checks of an integration's type, verb and URI.
fn check_integration(i: &Integration) -> Result<(), ApiError> {
    let verb_needed = matches!(
        i.kind,
        IntegrationType::Http
            | IntegrationType::HttpProxy
            | IntegrationType::Aws
            | IntegrationType::AwsProxy
    );
    if verb_needed {
        match i.http_method.as_deref() {
            None | Some("") => {
                return Err(ApiError::bad(
                    "Enumeration value for HttpMethod must be non-empty",
                ));
            }
            Some(v) => {
                v.parse::<HttpMethod>()
                    .map_err(|e| ApiError::bad(e.to_string()))?;
            }
        }
    }
    match i.kind {
        IntegrationType::Http | IntegrationType::HttpProxy => {
            let uri = i.uri.as_deref().unwrap_or("");
            let valid = uri.starts_with("http://") || uri.starts_with("https://");
            if !valid || uri.len() <= "http://".len() {
                return Err(ApiError::bad("Invalid HTTP endpoint specified for URI"));
            }
        }
        IntegrationType::Aws | IntegrationType::AwsProxy => {
            let uri = i.uri.as_deref().unwrap_or("");
            if !uri.starts_with("arn:") {
                return Err(ApiError::bad("Invalid ARN specified in the request"));
            }
            let service_part = uri.splitn(6, ':').nth(5).unwrap_or("");
            if !service_part.starts_with("path/") && !service_part.starts_with("action/") {
                return Err(ApiError::bad(
                    "AWS ARN for integration must contain path or action",
                ));
            }
            if i.kind == IntegrationType::AwsProxy
                && !uri.contains(":lambda:path/")
                && !uri.contains(":firehose:")
            {
                return Err(ApiError::bad(
                    "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations.",
                ));
            }
        }
        IntegrationType::Mock => {}
    }
    Ok(())
}

/// PUT `.../methods/{verb}/integration` → 201; an existing integration is replaced (with its
/// responses).
async fn put_integration(store: &SqliteStore, call: &Call<'_>, at: At) -> Result<Reply, ApiError> {
    let body: PutIntegration = call.json()?;
    let kind = body.kind.unwrap_or_default();
    let kind = IntegrationType::parse(&kind).ok_or_else(|| {
        ApiError::enum_value(&kind, "putIntegrationInput.type", &INTEGRATION_TYPES)
    })?;
    let mut i = Integration::new(kind);
    i.http_method = body.http_method.map(|v| v.to_ascii_uppercase());
    i.uri = body.uri;
    if let Some(c) = body.connection_type {
        i.connection_type = connection_type(&c, "putIntegrationInput.connectionType")?;
    }
    i.connection_id = body.connection_id;
    i.credentials = body.credentials;
    i.request_parameters = body.request_parameters;
    i.request_templates = body.request_templates;
    if let Some(p) = body.passthrough_behavior {
        i.passthrough_behavior = passthrough(&p, "putIntegrationInput.passthroughBehavior")?;
    }
    i.cache_key_parameters = body.cache_key_parameters;
    if let Some(c) = body.content_handling {
        i.content_handling = Some(content_handling(&c, "putIntegrationInput.contentHandling")?);
    }
    if let Some(ms) = body.timeout_in_millis {
        i.timeout_in_millis = timeout(ms)?;
    }
    i.tls_config = body.tls_config;
    check_integration(&i)?;
    let namespace = body.cache_namespace;
    let value = crate::edit(store, &at.api_id.clone(), move |d| {
        let resource = find_mut(d, &at.rid)?;
        i.cache_namespace = namespace.or_else(|| Some(resource.id.clone()));
        let m = resource
            .resource_methods
            .get_mut(&at.verb)
            .ok_or_else(|| ApiError::not_found(NO_METHOD))?;
        let value = to_value(&i)?;
        m.method_integration = Some(i);
        Ok(value)
    })
    .await?;
    Ok(Reply::json(StatusCode::CREATED, &value))
}

/// PATCH `.../methods/{verb}/integration`.
async fn update_integration(
    store: &SqliteStore,
    call: &Call<'_>,
    at: At,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateIntegrationInput")?;
    let value = edit_method(store, at, StatusCode::OK, move |m| {
        let i = integration_mut(m)?;
        let mut next = i.clone();
        for op in &body.patch_operations {
            patch_integration(&mut next, op)?;
        }
        check_integration(&next)?;
        *i = next;
        to_value(i)
    })
    .await?;
    Ok(value)
}

fn patch_integration(i: &mut Integration, op: &PatchOperation) -> Result<(), ApiError> {
    if let Some(key) = op.key_after("/requestParameters/") {
        return op.apply_text(&mut i.request_parameters, key);
    }
    if let Some(key) = op.key_after("/requestTemplates/") {
        return op.apply_text(&mut i.request_templates, key);
    }
    if let Some(key) = op.key_after("/cacheKeyParameters/") {
        match op.op.as_str() {
            "add" => {
                if !i.cache_key_parameters.contains(&key) {
                    i.cache_key_parameters.push(key);
                }
            }
            "remove" => i.cache_key_parameters.retain(|k| *k != key),
            _ => return Err(op.unsupported_op()),
        }
        return Ok(());
    }
    let at = "updateIntegrationInput";
    op.require("replace")?;
    match op.path.as_str() {
        "/uri" => i.uri = op.optional_value(),
        "/httpMethod" => i.http_method = op.optional_value().map(|v| v.to_ascii_uppercase()),
        "/credentials" => i.credentials = op.optional_value(),
        "/passthroughBehavior" => i.passthrough_behavior = passthrough(op.value()?, at)?,
        "/contentHandling" => {
            i.content_handling = match op.optional_value() {
                Some(v) => Some(content_handling(&v, at)?),
                None => None,
            }
        }
        "/timeoutInMillis" => i.timeout_in_millis = timeout(op.number()?)?,
        "/connectionType" => i.connection_type = connection_type(op.value()?, at)?,
        "/connectionId" => i.connection_id = op.optional_value(),
        "/cacheNamespace" => i.cache_namespace = op.optional_value(),
        "/tlsConfig/insecureSkipVerification" => {
            i.tls_config = Some(TlsConfig {
                insecure_skip_verification: op.bool_value()?,
            })
        }
        _ => return Err(op.invalid_path()),
    }
    Ok(())
}

// ----- integration responses -----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutIntegrationResponse {
    selection_pattern: Option<String>,
    #[serde(default)]
    response_parameters: BTreeMap<String, String>,
    #[serde(default)]
    response_templates: BTreeMap<String, String>,
    content_handling: Option<String>,
}

/// Selection patterns are Java regexes matched at run time: one that does not compile is refused
/// now rather than failing requests later.
fn check_selection_pattern(pattern: Option<&str>) -> Result<(), ApiError> {
    if let Some(p) = pattern.filter(|p| !p.is_empty())
        && fancy_regex::Regex::new(p).is_err()
    {
        return Err(ApiError::bad(format!(
            "Invalid selection pattern specified: {p}"
        )));
    }
    Ok(())
}

/// PUT `.../integration/responses/{code}` → 201.
async fn put_integration_response(
    store: &SqliteStore,
    call: &Call<'_>,
    at: At,
    code: &str,
) -> Result<Reply, ApiError> {
    check_status_code(code)?;
    let body: PutIntegrationResponse = call.json()?;
    check_selection_pattern(body.selection_pattern.as_deref())?;
    let response = IntegrationResponse {
        status_code: code.to_owned(),
        selection_pattern: body.selection_pattern,
        response_parameters: body.response_parameters,
        response_templates: body.response_templates,
        content_handling: match body.content_handling {
            Some(c) => Some(content_handling(
                &c,
                "putIntegrationResponseInput.contentHandling",
            )?),
            None => None,
        },
    };
    edit_method(store, at, StatusCode::CREATED, move |m| {
        let value = to_value(&response)?;
        integration_mut(m)?
            .integration_responses
            .insert(response.status_code.clone(), response);
        Ok(value)
    })
    .await
}

/// PATCH `.../integration/responses/{code}`.
async fn update_integration_response(
    store: &SqliteStore,
    call: &Call<'_>,
    at: At,
    code: &str,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateIntegrationResponseInput")?;
    let code = code.to_owned();
    edit_method(store, at, StatusCode::OK, move |m| {
        let responses = &mut integration_mut(m)?.integration_responses;
        let mut r = responses
            .get(&code)
            .cloned()
            .ok_or_else(|| ApiError::not_found(NO_RESPONSE))?;
        for op in &body.patch_operations {
            if let Some(key) = op.key_after("/responseParameters/") {
                op.apply_text(&mut r.response_parameters, key)?;
            } else if let Some(key) = op.key_after("/responseTemplates/") {
                op.apply_text(&mut r.response_templates, key)?;
            } else {
                op.require("replace")?;
                match op.path.as_str() {
                    "/selectionPattern" => r.selection_pattern = op.value.clone(),
                    "/contentHandling" => {
                        r.content_handling = match op.optional_value() {
                            Some(v) => Some(content_handling(
                                &v,
                                "updateIntegrationResponseInput.contentHandling",
                            )?),
                            None => None,
                        }
                    }
                    _ => return Err(op.invalid_path()),
                }
            }
        }
        check_selection_pattern(r.selection_pattern.as_deref())?;
        let value = to_value(&r)?;
        responses.insert(code, r);
        Ok(value)
    })
    .await
}
