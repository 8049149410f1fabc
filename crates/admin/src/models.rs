//! `/restapis/{id}/models`: CreateModel, GetModel(s) (`?flatten=true` inlines the other models a
//! schema references), UpdateModel, DeleteModel and GetModelTemplate
//! (`/restapis/{id}/models/{name}/default_template`).
//!
//! A schema is JSON Schema draft 4 text, kept as sent. It is checked as AWS checks it (present,
//! draft 4, `$ref`s to other models in AWS's canonical URL form and naming models of this API),
//! then compiled the way a deployment compiles it, so that a stored model never fails a later
//! deployment. A model a method request, a method response or another model uses cannot be
//! deleted.

mod template;

use http::{Method as Verb, StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};
use tollgate_engine::validation::{MODEL_URL_PREFIX, ModelCache};
use tollgate_model::{ApiDefinition, Model, ids};
use tollgate_store::{SqliteStore, Store};

use crate::patch::PatchBody;
use crate::quotas::MAX_SCHEMA_BYTES;
use crate::{ApiError, Call, Reply, page, parts};

/// AWS's text for a model schema that is missing or empty.
const EMPTY_SCHEMA: &str = "Model schema must have at least 1 property or array items defined";

/// Routes `/restapis/{api_id}/models` + `rest`.
pub(crate) async fn route(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    rest: &[&str],
) -> Option<Result<Reply, ApiError>> {
    let m = call.method;
    Some(match rest {
        [] if m == Verb::POST => create(store, call, api_id).await,
        [] if m == Verb::GET => list(store, call, api_id).await,
        [name] if m == Verb::GET => get(store, call, api_id, name).await,
        [name] if m == Verb::PATCH => update(store, call, api_id, name).await,
        [name] if m == Verb::DELETE => delete(store, api_id, name).await,
        [name, "default_template"] if m == Verb::GET => default_template(store, api_id, name).await,
        _ => return None,
    })
}

/// AWS's 404 for an unknown model, also its answer for any model of an unknown API.
fn no_model(name: &str) -> ApiError {
    ApiError::not_found(format!("Invalid model name specified: {name}"))
}

fn find<'a>(d: &'a ApiDefinition, name: &str) -> Result<&'a Model, ApiError> {
    d.models
        .iter()
        .find(|m| m.name == name)
        .ok_or_else(|| no_model(name))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateModel {
    name: Option<String>,
    description: Option<String>,
    schema: Option<String>,
    content_type: Option<String>,
}

/// POST `/restapis/{id}/models` → 201 with the model.
async fn create(store: &SqliteStore, call: &Call<'_>, api_id: &str) -> Result<Reply, ApiError> {
    let body: CreateModel = call.json()?;
    let model = crate::edit(store, api_id, move |d| {
        let name = body.name.unwrap_or_default();
        check_name(&name)?;
        if d.models.iter().any(|m| m.name == name) {
            return Err(ApiError::Conflict(
                "Model name already exists for this REST API".to_owned(),
            ));
        }
        let content_type = body
            .content_type
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| ApiError::bad("Model content type must be non-empty"))?;
        let model = Model {
            id: ids::short_id(),
            name,
            description: body.description.filter(|s| !s.is_empty()),
            schema: body.schema,
            content_type,
        };
        check_schema(d, &model)?;
        d.models.push(model.clone());
        Ok(model)
    })
    .await?;
    Ok(Reply::json(StatusCode::CREATED, &model))
}

/// A model name as AWS allows it: non-empty, ASCII letters and digits only.
fn check_name(name: &str) -> Result<(), ApiError> {
    if name.is_empty() {
        return Err(ApiError::bad("Model name must be non-empty"));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::bad(format!(
            "Model name must be alphanumeric: {name}"
        )));
    }
    Ok(())
}

/// AWS's 400 for a schema it refuses, listing the reasons.
fn invalid_schema(errors: &[String]) -> ApiError {
    ApiError::bad(format!(
        "Invalid model specified: Validation Result: warnings : [], errors : [{}]",
        errors.join(", ")
    ))
}

/// Checks `model`'s schema as it would stand in `d`: present, a JSON object, its references in
/// canonical form and resolvable, and compiling as draft 4 with the API's other models.
fn check_schema(d: &ApiDefinition, model: &Model) -> Result<(), ApiError> {
    let text = model.schema.as_deref().unwrap_or("");
    if text.trim().is_empty() {
        return Err(ApiError::bad(EMPTY_SCHEMA));
    }
    check_schema_size(text)?;
    let refused = || invalid_schema(&["Invalid model schema specified".to_owned()]);
    let schema: Value = serde_json::from_str(text).map_err(|_| refused())?;
    if !schema.is_object() {
        return Err(refused());
    }
    let mut unknown = Vec::new();
    for reference in references(&schema) {
        if reference.starts_with('#') {
            continue;
        }
        let name = referenced_model(reference, &d.rest_api.id).ok_or_else(|| {
            invalid_schema(&["Model reference must be in canonical form".to_owned()])
        })?;
        let known = name == model.name || d.models.iter().any(|m| m.name == name);
        if !known {
            unknown.push(format!("Invalid model specified: {name}"));
        }
    }
    if !unknown.is_empty() {
        return Err(invalid_schema(&unknown));
    }
    let mut candidate = d.clone();
    candidate.models.retain(|m| m.name != model.name);
    candidate.models.push(model.clone());
    ModelCache::new(&candidate)
        .get(&model.name)
        .map_err(|_| refused())?;
    Ok(())
}

/// AWS's 400 KB limit on a schema (the refusal's wording is unconfirmed).
fn check_schema_size(schema: &str) -> Result<(), ApiError> {
    if schema.len() > MAX_SCHEMA_BYTES {
        return Err(ApiError::bad(format!(
            "Model schema exceeds the maximum size of {MAX_SCHEMA_BYTES} bytes"
        )));
    }
    Ok(())
}

/// [`check_schema_size`] of every model of an imported definition (ImportRestApi and
/// PutRestApi over HTTP).
pub(crate) fn check_schema_sizes(d: &ApiDefinition) -> Result<(), ApiError> {
    d.models
        .iter()
        .filter_map(|m| m.schema.as_deref())
        .try_for_each(check_schema_size)
}

/// Every `$ref` string in a schema.
fn references(schema: &Value) -> Vec<&str> {
    let mut found = Vec::new();
    let mut stack = vec![schema];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(fields) => {
                for (key, value) in fields {
                    match value {
                        Value::String(s) if key == "$ref" => found.push(s.as_str()),
                        other => stack.push(other),
                    }
                }
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    found
}

/// The model a canonical reference names
/// (`https://apigateway.amazonaws.com/restapis/{api_id}/models/{name}`), for this API only.
pub(crate) fn referenced_model<'a>(reference: &'a str, api_id: &str) -> Option<&'a str> {
    let name = reference
        .strip_prefix(MODEL_URL_PREFIX)?
        .strip_prefix(api_id)?
        .strip_prefix("/models/")?;
    let name = name.split('#').next().unwrap_or(name);
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

/// GET `/restapis/{id}/models` (paged), in creation order.
async fn list(store: &SqliteStore, call: &Call<'_>, api_id: &str) -> Result<Reply, ApiError> {
    let d = store.shared_definition(api_id).await?;
    Ok(Reply::json(StatusCode::OK, &page(call, d.models.clone())))
}

/// GET `/restapis/{id}/models/{name}` (`flatten=true`: references to other models inlined).
async fn get(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    name: &str,
) -> Result<Reply, ApiError> {
    let d = parts::read(store, api_id, no_model(name)).await?;
    let mut model = find(&d, name)?.clone();
    if call.flag("flatten")
        && let Some(text) = flattened(&d, &model)
    {
        model.schema = Some(text);
    }
    Ok(Reply::json(StatusCode::OK, &model))
}

/// `model`'s schema with every canonical reference to another model of the API replaced by
/// that model's (flattened) schema; `None` when it references none. A reference back into the
/// chain being inlined, or beyond [`MAX_INLINED`] inlined schemas, is kept as it is; local
/// `#/...` references keep pointing into the document they were written in.
fn flattened(d: &ApiDefinition, model: &Model) -> Option<String> {
    let mut schema: Value = serde_json::from_str(model.schema.as_deref()?).ok()?;
    let mut flattener = Flattener {
        d,
        chain: vec![model.name.clone()],
        inlined: 0,
    };
    flattener.inline(&mut schema);
    if flattener.inlined == 0 {
        return None;
    }
    serde_json::to_string_pretty(&schema).ok()
}

/// How many schemas one flattening inlines at most (references that branch out again and again
/// would otherwise multiply).
const MAX_INLINED: usize = 1_000;

struct Flattener<'a> {
    d: &'a ApiDefinition,
    /// The models being inlined, outermost first.
    chain: Vec<String>,
    inlined: usize,
}

impl<'a> Flattener<'a> {
    fn inline(&mut self, v: &mut Value) {
        if let Some(target) = self.target(v) {
            let Some(mut schema) = target
                .schema
                .as_deref()
                .and_then(|t| serde_json::from_str::<Value>(t).ok())
            else {
                return;
            };
            self.inlined += 1;
            self.chain.push(target.name.clone());
            self.inline(&mut schema);
            self.chain.pop();
            *v = schema;
            return;
        }
        match v {
            Value::Object(fields) => fields.values_mut().for_each(|value| self.inline(value)),
            Value::Array(items) => items.iter_mut().for_each(|value| self.inline(value)),
            _ => {}
        }
    }

    /// The model `v` is a reference to, when it is to be inlined.
    fn target(&self, v: &Value) -> Option<&'a Model> {
        if self.inlined >= MAX_INLINED {
            return None;
        }
        let name = v
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| referenced_model(r, &self.d.rest_api.id))?;
        if self.chain.iter().any(|c| c == name) {
            return None;
        }
        self.d.models.iter().find(|m| m.name == name)
    }
}

/// The paths UpdateModel can replace.
const PATCH_PATHS: [&str; 2] = ["/description", "/schema"];

/// PATCH `/restapis/{id}/models/{name}`: replace `/description` or `/schema`.
async fn update(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    name: &str,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateModelInput")?;
    let name = name.to_owned();
    let model = parts::edit(store, api_id, no_model(&name), move |d| {
        let mut model = find(d, &name)?.clone();
        for op in &body.patch_operations {
            if op.op != "replace" {
                return Err(op.unsupported_op());
            }
            match op.path.as_str() {
                "/description" => model.description = op.optional_value(),
                "/schema" => model.schema = op.value.clone(),
                _ => return Err(op.not_one_of(&PATCH_PATHS)),
            }
        }
        check_schema(d, &model)?;
        let value = model.clone();
        if let Some(m) = d.models.iter_mut().find(|m| m.name == name) {
            *m = model;
        }
        Ok(value)
    })
    .await?;
    Ok(Reply::json(StatusCode::OK, &model))
}

/// DELETE `/restapis/{id}/models/{name}` → 202; 409 while a method or another model uses it.
async fn delete(store: &SqliteStore, api_id: &str, name: &str) -> Result<Reply, ApiError> {
    let name = name.to_owned();
    parts::edit(store, api_id, no_model(&name), move |d| {
        find(d, &name)?;
        if let Some(user) = user_of(d, &name) {
            return Err(ApiError::Conflict(format!(
                "Cannot delete model '{name}', is referenced in {user}"
            )));
        }
        d.models.retain(|m| m.name != name);
        Ok(())
    })
    .await?;
    Ok(Reply::accepted())
}

/// What uses model `name`, as AWS's refusal names it: `method request: /pets/POST`,
/// `method response: /pets/GET`, or `model: Other`.
fn user_of(d: &ApiDefinition, name: &str) -> Option<String> {
    for (resource, verb, method) in parts::methods(d) {
        let at = format!("{}/{}", resource.path, verb.as_str());
        if method.request_models.values().any(|m| m == name) {
            return Some(format!("method request: {at}"));
        }
        let in_responses = method
            .method_responses
            .values()
            .any(|r| r.response_models.values().any(|m| m == name));
        if in_responses {
            return Some(format!("method response: {at}"));
        }
    }
    d.models
        .iter()
        .filter(|m| m.name != name)
        .find(|m| {
            m.schema
                .as_deref()
                .and_then(|t| serde_json::from_str::<Value>(t).ok())
                .is_some_and(|schema| {
                    references(&schema)
                        .iter()
                        .any(|r| referenced_model(r, &d.rest_api.id) == Some(name))
                })
        })
        .map(|m| format!("model: {}", m.name))
}

/// GET `/restapis/{id}/models/{name}/default_template` → `{"value": "<VTL>"}`.
async fn default_template(
    store: &SqliteStore,
    api_id: &str,
    name: &str,
) -> Result<Reply, ApiError> {
    let d = parts::read(store, api_id, no_model(name)).await?;
    let model = find(&d, name)?;
    Ok(Reply::json(
        StatusCode::OK,
        &json!({ "value": template::generate(&d, model) }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_model::RestApi;

    fn api() -> ApiDefinition {
        ApiDefinition::empty(RestApi::new("t"))
    }

    fn model(name: &str, schema: &str) -> Model {
        Model {
            id: ids::short_id(),
            name: name.to_owned(),
            description: None,
            schema: Some(schema.to_owned()),
            content_type: "application/json".to_owned(),
        }
    }

    fn message(r: Result<(), ApiError>) -> String {
        r.err().map(|e| e.message().to_owned()).unwrap_or_default()
    }

    #[test]
    fn names_are_alphanumeric() {
        assert!(check_name("Pet2").is_ok());
        assert_eq!(
            message(check_name("")),
            "Model name must be non-empty".to_owned()
        );
        assert_eq!(
            message(check_name("my_pet")),
            "Model name must be alphanumeric: my_pet"
        );
    }

    #[test]
    fn schemas_are_checked_as_aws_checks_them() {
        let d = api();
        let id = d.rest_api.id.clone();
        assert!(check_schema(&d, &model("A", r#"{"type":"object"}"#)).is_ok());
        assert_eq!(message(check_schema(&d, &model("A", "  "))), EMPTY_SCHEMA);
        let refused = "Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified]";
        assert_eq!(message(check_schema(&d, &model("A", "{nope"))), refused);
        assert_eq!(message(check_schema(&d, &model("A", "[]"))), refused);
        assert_eq!(
            message(check_schema(&d, &model("A", r#"{"required":[]}"#))),
            refused,
            "draft 4 wants at least one required name"
        );
        assert_eq!(
            message(check_schema(
                &d,
                &model("A", r##"{"$ref":"#/definitions/x"}"##)
            )),
            refused,
            "a local reference must resolve"
        );
        assert_eq!(
            message(check_schema(&d, &model("A", r#"{"$ref":"Error"}"#))),
            "Invalid model specified: Validation Result: warnings : [], errors : [Model reference must be in canonical form]"
        );
        let to = |n: &str| format!(r#"{{"$ref":"{MODEL_URL_PREFIX}{id}/models/{n}"}}"#);
        assert!(check_schema(&d, &model("A", &to("Error"))).is_ok());
        assert!(check_schema(&d, &model("A", &to("A"))).is_ok(), "itself");
        assert_eq!(
            message(check_schema(&d, &model("A", &to("Nope")))),
            "Invalid model specified: Validation Result: warnings : [], errors : [Invalid model specified: Nope]"
        );
    }

    #[test]
    fn users_are_named_as_aws_names_them() {
        let mut d = api();
        let id = d.rest_api.id.clone();
        assert_eq!(user_of(&d, "Error"), None);
        d.models.push(model(
            "Wrapper",
            &format!(
                r#"{{"properties":{{"e":{{"$ref":"{MODEL_URL_PREFIX}{id}/models/Error"}}}}}}"#
            ),
        ));
        assert_eq!(user_of(&d, "Error").as_deref(), Some("model: Wrapper"));
        let mut method = tollgate_model::Method::new(tollgate_model::HttpMethod::Any);
        method
            .request_models
            .insert("application/json".into(), "Error".into());
        d.resources[0]
            .resource_methods
            .insert(tollgate_model::HttpMethod::Any, method);
        assert_eq!(
            user_of(&d, "Error").as_deref(),
            Some("method request: //ANY"),
            "the root's path is /"
        );
    }

    #[test]
    fn flatten_inlines_other_models() {
        let mut d = api();
        let id = d.rest_api.id.clone();
        let wrapper = model(
            "Wrapper",
            &format!(
                r#"{{"properties":{{"e":{{"$ref":"{MODEL_URL_PREFIX}{id}/models/Error"}}}}}}"#
            ),
        );
        d.models.push(wrapper.clone());
        let flat: Value =
            serde_json::from_str(&flattened(&d, &wrapper).unwrap_or_default()).unwrap_or_default();
        assert_eq!(flat["properties"]["e"]["title"], "Error Schema");
        assert_eq!(flattened(&d, &d.models[0]), None);
    }
}
