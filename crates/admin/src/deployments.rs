//! `/restapis/{id}/deployments`: CreateDeployment, GetDeployment(s), DeleteDeployment.
//!
//! A deployment freezes the API's current definition; with `stageName` it also creates the stage
//! or points it at the new deployment, in the same transaction, and a running gateway serves it
//! from its next poll on (the same code path as `tollgate deploy`).

use std::collections::BTreeMap;

use http::{Method as Verb, StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tollgate_store::{DeployRequest, SqliteStore, Store};

use crate::{ApiError, Call, Reply, page};

/// Routes `/restapis/{api_id}/deployments` + `rest`.
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
        [id] if m == Verb::GET => get(store, call, api_id, id).await,
        [id] if m == Verb::DELETE => delete(store, api_id, id).await,
        _ => return None,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateDeployment {
    stage_name: Option<String>,
    stage_description: Option<String>,
    description: Option<String>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    canary_settings: Option<Value>,
}

/// POST `/restapis/{id}/deployments` → 201 `{id, createdDate, description?}`.
async fn create(store: &SqliteStore, call: &Call<'_>, api_id: &str) -> Result<Reply, ApiError> {
    let body: CreateDeployment = call.json()?;
    if body.canary_settings.is_some() {
        return Err(ApiError::bad(
            "Canary deployments are not supported by this version of Tollgate yet",
        ));
    }
    for (name, value) in &body.variables {
        check_variable(name, value)?;
    }
    let request = DeployRequest {
        stage_name: body.stage_name.unwrap_or_default(),
        description: body.description,
        stage_description: body.stage_description,
        variables: body.variables,
        ..Default::default()
    };
    let (deployment, _) = store.create_deployment(api_id, &request).await?;
    Ok(Reply::json(StatusCode::CREATED, &deployment))
}

/// A stage variable as AWS allows it: name `[A-Za-z0-9_]+`, value `[A-Za-z0-9-._~:/?#&=,]+`.
pub(crate) fn check_variable(name: &str, value: &str) -> Result<(), ApiError> {
    let name_ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !name_ok {
        return Err(ApiError::bad(format!(
            "Stage variable name {name} must be alphanumeric or underscore"
        )));
    }
    let value_ok = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~:/?#&=,".contains(&b));
    if !value_ok {
        return Err(ApiError::bad(format!(
            "Stage variable value {value} must match the pattern [A-Za-z0-9-._~:/?#&=,]+"
        )));
    }
    Ok(())
}

/// GET `/restapis/{id}/deployments` (paged), oldest first.
async fn list(store: &SqliteStore, call: &Call<'_>, api_id: &str) -> Result<Reply, ApiError> {
    let deployments = store.list_deployments(api_id).await?;
    Ok(Reply::json(StatusCode::OK, &page(call, deployments)))
}

/// GET `/restapis/{id}/deployments/{deployment_id}` (`embed=apisummary` adds what each method
/// requires: `{"/path": {"GET": {"authorizationType", "apiKeyRequired"}}}`).
async fn get(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    id: &str,
) -> Result<Reply, ApiError> {
    let (deployment, definition) = store.get_deployment(api_id, id).await?;
    let mut value =
        serde_json::to_value(&deployment).map_err(|e| ApiError::Internal(e.to_string()))?;
    let embed = form_urlencoded::parse(call.query.unwrap_or("").as_bytes())
        .any(|(k, v)| k == "embed" && v == "apisummary");
    if embed && let Value::Object(fields) = &mut value {
        let mut summary = Map::new();
        for r in &definition.resources {
            if r.resource_methods.is_empty() {
                continue;
            }
            let methods: Map<String, Value> = r
                .resource_methods
                .iter()
                .map(|(verb, m)| {
                    (
                        verb.as_str().to_owned(),
                        json!({
                            "authorizationType": m.authorization_type,
                            "apiKeyRequired": m.api_key_required,
                        }),
                    )
                })
                .collect();
            summary.insert(r.path.clone(), Value::Object(methods));
        }
        fields.insert("apiSummary".into(), Value::Object(summary));
    }
    Ok(Reply::json(StatusCode::OK, &value))
}

/// DELETE `/restapis/{id}/deployments/{deployment_id}` → 202 (400 while a stage uses it).
async fn delete(store: &SqliteStore, api_id: &str, id: &str) -> Result<Reply, ApiError> {
    store.delete_deployment(api_id, id).await?;
    Ok(Reply::accepted())
}
