//! Request validation (phase "validate", between routing and the integration): a method with a
//! request validator gets its required parameters and its body checked, as AWS does it.
//!
//! - Parameters (`validateRequestParameters`): every `method.request.*` parameter declared
//!   `true` must be present and not blank; failure → 400 `BAD_REQUEST_PARAMETERS`
//!   `Missing required request parameters: [a, b]` (names in declaration-key order).
//! - Body (`validateRequestBody`): the model of `requestModels` for the request's Content-Type
//!   (`application/json` when absent) is a JSON Schema draft 4, compiled at deploy time with the
//!   API's other models resolvable by their AWS URL; an empty body is validated as `{}`. Failure →
//!   400 `BAD_REQUEST_BODY` `Invalid request body`, with the details in
//!   `$context.error.validationErrorString`, worded as AWS's validator words them.
//!
//! Parameters are checked before the body.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{Retrieve, Uri, ValidationError, Validator};
use serde_json::Value;
use tollgate_model::{ApiDefinition, GatewayResponseType, Method};

use crate::context::RequestContext;
use crate::gateway_response::GatewayError;

/// Where AWS's model `$ref`s point: `{prefix}{api_id}/models/{name}`.
pub const MODEL_URL_PREFIX: &str = "https://apigateway.amazonaws.com/restapis/";

/// What one method validates. Built at deploy time.
#[derive(Debug, Default)]
pub struct MethodValidation {
    /// Required parameters, in AWS's reporting order.
    required: Vec<RequiredParameter>,
    /// Media type (lower case) → compiled model, when the body is validated.
    models: Vec<(String, Arc<Validator>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct RequiredParameter {
    location: Location,
    name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Location {
    Path,
    Query,
    Header,
}

/// Why a method's validation could not be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("model {model}: {reason}")]
pub struct ModelError {
    pub model: String,
    pub reason: String,
}

/// Compiled models of one deployment, shared by its methods.
pub struct ModelCache<'a> {
    definition: &'a ApiDefinition,
    compiled: HashMap<String, Arc<Validator>>,
}

impl<'a> ModelCache<'a> {
    pub fn new(definition: &'a ApiDefinition) -> Self {
        ModelCache {
            definition,
            compiled: HashMap::new(),
        }
    }

    /// The compiled model `name`, its `$ref`s to the API's other models resolved; an error when
    /// the API has no such model or its schema is not a draft-4 schema that compiles.
    pub fn get(&mut self, name: &str) -> Result<Arc<Validator>, ModelError> {
        if let Some(v) = self.compiled.get(name) {
            return Ok(v.clone());
        }
        let err = |reason: String| ModelError {
            model: name.to_owned(),
            reason,
        };
        let schema = model_schema(self.definition, name)
            .ok_or_else(|| err("no such model in the API".to_owned()))?
            .map_err(|e| err(format!("the schema is not JSON: {e}")))?;
        let validator = jsonschema::draft4::options()
            .with_retriever(ModelRetriever::new(self.definition))
            .build(&schema)
            .map_err(|e| err(e.to_string()))?;
        let validator = Arc::new(validator);
        self.compiled.insert(name.to_owned(), validator.clone());
        Ok(validator)
    }
}

fn model_schema(definition: &ApiDefinition, name: &str) -> Option<Result<Value, String>> {
    let model = definition.models.iter().find(|m| m.name == name)?;
    let text = model.schema.as_deref().unwrap_or("{}");
    Some(serde_json::from_str(text).map_err(|e| e.to_string()))
}

/// Resolves `https://apigateway.amazonaws.com/restapis/{api}/models/{name}` to the API's model.
struct ModelRetriever {
    api_id: String,
    schemas: HashMap<String, Value>,
}

impl ModelRetriever {
    fn new(definition: &ApiDefinition) -> Self {
        ModelRetriever {
            api_id: definition.rest_api.id.clone(),
            schemas: definition
                .models
                .iter()
                .filter_map(|m| {
                    let v = serde_json::from_str(m.schema.as_deref().unwrap_or("{}")).ok()?;
                    Some((m.name.clone(), v))
                })
                .collect(),
        }
    }
}

impl Retrieve for ModelRetriever {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        let text = uri.as_str();
        let name = text
            .strip_prefix(MODEL_URL_PREFIX)
            .and_then(|rest| rest.strip_prefix(self.api_id.as_str()))
            .and_then(|rest| rest.strip_prefix("/models/"))
            .map(|n| n.split('#').next().unwrap_or(n));
        match name.and_then(|n| self.schemas.get(n)) {
            Some(schema) => Ok(schema.clone()),
            None => Err(format!("Invalid model specified: {text}").into()),
        }
    }
}

impl MethodValidation {
    /// What `method` validates; `None` when it has no request validator or the validator
    /// checks nothing.
    pub fn compile(
        method: &Method,
        definition: &ApiDefinition,
        models: &mut ModelCache<'_>,
    ) -> Result<Option<MethodValidation>, ModelError> {
        let Some(validator) = method
            .request_validator_id
            .as_deref()
            .and_then(|id| definition.request_validators.iter().find(|v| v.id == id))
        else {
            return Ok(None);
        };
        let mut out = MethodValidation::default();
        if validator.validate_request_parameters {
            // Declaration keys sort as AWS reports them: header, multivalue*, path, querystring.
            for (key, required) in &method.request_parameters {
                if !*required {
                    continue;
                }
                let Some((location, name)) = key
                    .strip_prefix("method.request.")
                    .and_then(|r| r.split_once('.'))
                else {
                    continue;
                };
                let location = match location {
                    "path" => Location::Path,
                    "querystring" | "multivaluequerystring" => Location::Query,
                    "header" | "multivalueheader" => Location::Header,
                    _ => continue,
                };
                out.required.push(RequiredParameter {
                    location,
                    name: name.to_owned(),
                });
            }
        }
        if validator.validate_request_body {
            for (content_type, model) in &method.request_models {
                out.models
                    .push((content_type.to_ascii_lowercase(), models.get(model)?));
            }
        }
        if out.required.is_empty() && out.models.is_empty() {
            return Ok(None);
        }
        Ok(Some(out))
    }

    /// Whether [`MethodValidation::check_body`] needs the body for a request with this
    /// Content-Type.
    pub fn validates_body(&self, content_type: Option<&str>) -> bool {
        self.model_for(content_type).is_some()
    }

    fn model_for(&self, content_type: Option<&str>) -> Option<&Validator> {
        let wanted = media_type(content_type);
        self.models
            .iter()
            .find(|(ct, _)| *ct == wanted)
            .map(|(_, v)| v.as_ref())
    }

    /// Checks the required parameters.
    pub fn check_parameters(&self, ctx: &RequestContext) -> Result<(), GatewayError> {
        let missing: Vec<&str> = self
            .required
            .iter()
            .filter(|p| !present(p, ctx))
            .map(|p| p.name.as_str())
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(
            GatewayError::new(GatewayResponseType::BadRequestParameters).with_message(format!(
                "Missing required request parameters: [{}]",
                missing.join(", ")
            )),
        )
    }

    /// Checks `body` against the model for the request's Content-Type (if any).
    pub fn check_body(&self, ctx: &RequestContext, body: &[u8]) -> Result<(), GatewayError> {
        let content_type = ctx
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        let Some(validator) = self.model_for(content_type) else {
            return Ok(());
        };
        let problems = if body.iter().all(u8::is_ascii_whitespace) {
            errors(validator, &Value::Object(Default::default()))
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(v) => errors(validator, &v),
                Err(e) => vec![format!(
                    "Unable to parse the request body as JSON: {}",
                    json_error(&e)
                )],
            }
        };
        if problems.is_empty() {
            return Ok(());
        }
        let mut error = GatewayError::new(GatewayResponseType::BadRequestBody)
            .with_message("Invalid request body");
        error.validation_error = Some(format!("[{}]", problems.join(", ")));
        Err(error)
    }
}

/// The media type of a Content-Type value, lower case; `application/json` when absent.
fn media_type(content_type: Option<&str>) -> String {
    content_type
        .map(|c| c.split(';').next().unwrap_or("").trim())
        .filter(|c| !c.is_empty())
        .unwrap_or("application/json")
        .to_ascii_lowercase()
}

fn present(p: &RequiredParameter, ctx: &RequestContext) -> bool {
    let not_blank = |v: &str| !v.trim().is_empty();
    match p.location {
        Location::Path => ctx
            .path_params
            .iter()
            .any(|(k, v)| *k == p.name && not_blank(v)),
        Location::Query => ctx.query.iter().any(|(k, v)| *k == p.name && not_blank(v)),
        Location::Header => ctx
            .headers
            .get_all(p.name.as_str())
            .iter()
            .any(|v| v.to_str().is_ok_and(not_blank)),
    }
}

fn json_error(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Io => "I/O error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "invalid data",
        serde_json::error::Category::Eof => "unexpected end of input",
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

/// The validation errors of `instance`, in the wording of the JSON Schema validator AWS runs
/// (missing required properties of one object are reported together).
fn errors(validator: &Validator, instance: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut missing: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for e in validator.iter_errors(instance) {
        if let ValidationErrorKind::Required { property } = e.kind() {
            let at = e.instance_path().as_str().to_owned();
            if !missing.contains_key(&at) {
                out.push(Message::Missing(at.clone()));
            }
            missing.entry(at).or_default().push(property.clone());
            continue;
        }
        out.push(Message::Text(message(&e)));
    }
    out.into_iter()
        .map(|m| match m {
            Message::Text(t) => t,
            Message::Missing(at) => {
                let mut names = missing.remove(&at).unwrap_or_default();
                names.sort_by_key(|v| v.to_string());
                format!(
                    "object has missing required properties ({})",
                    Value::Array(names)
                )
            }
        })
        .collect()
}

enum Message {
    Text(String),
    Missing(String),
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn message(e: &ValidationError<'_>) -> String {
    let instance: &Value = e.instance();
    match e.kind() {
        ValidationErrorKind::Type { kind } => {
            let allowed: Vec<Value> = match kind {
                TypeKind::Single(t) => vec![Value::String(t.to_string())],
                TypeKind::Multiple(set) => {
                    set.iter().map(|t| Value::String(t.to_string())).collect()
                }
            };
            format!(
                "instance type ({}) does not match any allowed primitive type (allowed: {})",
                type_name(instance),
                Value::Array(allowed)
            )
        }
        ValidationErrorKind::Minimum { limit } => format!(
            "numeric instance is lower than the required minimum (minimum: {limit}, found: {instance})"
        ),
        ValidationErrorKind::Maximum { limit } => format!(
            "numeric instance is greater than the required maximum (maximum: {limit}, found: {instance})"
        ),
        ValidationErrorKind::ExclusiveMinimum { limit } => {
            format!("numeric instance is not strictly greater than the required minimum {limit}")
        }
        ValidationErrorKind::ExclusiveMaximum { limit } => {
            format!("numeric instance is not strictly lower than the required maximum {limit}")
        }
        ValidationErrorKind::MinLength { limit } => format!(
            "string {instance} is too short (length: {}, required minimum: {limit})",
            instance.as_str().map_or(0, |s| s.chars().count())
        ),
        ValidationErrorKind::MaxLength { limit } => format!(
            "string {instance} is too long (length: {}, maximum allowed: {limit})",
            instance.as_str().map_or(0, |s| s.chars().count())
        ),
        ValidationErrorKind::Enum { options } => {
            format!("instance value ({instance}) not found in enum (possible values: {options})")
        }
        ValidationErrorKind::Pattern { pattern } => {
            format!("ECMA 262 regex \"{pattern}\" does not match input string {instance}")
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => format!(
            "object instance has properties which are not allowed by the schema: {}",
            Value::Array(unexpected.iter().cloned().map(Value::String).collect())
        ),
        ValidationErrorKind::MinItems { limit } => format!(
            "array is too short: must have at least {limit} elements but instance has {} elements",
            instance.as_array().map_or(0, Vec::len)
        ),
        ValidationErrorKind::MaxItems { limit } => format!(
            "array is too long: must have at most {limit} elements but instance has {} elements",
            instance.as_array().map_or(0, Vec::len)
        ),
        ValidationErrorKind::UniqueItems => "array must not contain duplicate elements".to_owned(),
        ValidationErrorKind::MinProperties { limit } => format!(
            "object has too few properties (found {} but schema requires at least {limit})",
            instance.as_object().map_or(0, |o| o.len())
        ),
        ValidationErrorKind::MaxProperties { limit } => format!(
            "object has too many properties (found {} but schema requires at most {limit})",
            instance.as_object().map_or(0, |o| o.len())
        ),
        ValidationErrorKind::MultipleOf { multiple_of } => {
            format!("remainder of division is not zero ({instance} / {multiple_of})")
        }
        ValidationErrorKind::Not { .. } => {
            "instance matched a schema which it should not have".to_owned()
        }
        ValidationErrorKind::OneOfNotValid { context } => format!(
            "instance failed to match exactly one schema (matched 0 out of {})",
            context.len()
        ),
        ValidationErrorKind::OneOfMultipleValid { context } => format!(
            "instance failed to match exactly one schema (matched {} out of {})",
            context.iter().filter(|c| c.is_empty()).count(),
            context.len()
        ),
        ValidationErrorKind::AnyOf { context } => format!(
            "instance failed to match at least one required schema among {}",
            context.len()
        ),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn validator(schema: Value) -> Validator {
        jsonschema::draft4::new(&schema).unwrap()
    }

    #[test]
    fn messages_are_worded_like_aws() {
        let v = validator(json!({
            "type": "object",
            "required": ["name", "age", "kind"],
            "properties": {
                "age": {"type": "integer", "minimum": 0},
                "tags": {"type": "array", "maxItems": 1},
                "kind": {"enum": ["cat", "dog"]}
            }
        }));
        assert_eq!(
            errors(&v, &json!({"age": "x", "kind": "fish"})),
            vec![
                r#"object has missing required properties (["name"])"#.to_owned(),
                r#"instance type (string) does not match any allowed primitive type (allowed: ["integer"])"#.to_owned(),
                r#"instance value ("fish") not found in enum (possible values: ["cat","dog"])"#.to_owned(),
            ]
        );
        assert_eq!(
            errors(&v, &json!({})),
            vec![r#"object has missing required properties (["age","kind","name"])"#.to_owned()]
        );
        assert_eq!(
            errors(&v, &json!({"name": "a", "age": -1, "kind": "cat"})),
            vec![
                "numeric instance is lower than the required minimum (minimum: 0, found: -1)"
                    .to_owned()
            ]
        );
        assert!(errors(&v, &json!({"name": "a", "age": 1, "kind": "cat"})).is_empty());
    }

    #[test]
    fn draft4_boolean_exclusive_minimum() {
        let v = validator(json!({
            "$schema": "http://json-schema.org/draft-04/schema#",
            "properties": {"n": {"type": "number", "minimum": 0, "exclusiveMinimum": true}}
        }));
        assert_eq!(errors(&v, &json!({"n": 0})).len(), 1);
        assert!(errors(&v, &json!({"n": 1})).is_empty());
    }

    #[test]
    fn media_types() {
        assert_eq!(media_type(None), "application/json");
        assert_eq!(
            media_type(Some("Application/JSON; charset=utf-8")),
            "application/json"
        );
        assert_eq!(media_type(Some("")), "application/json");
    }
}
