//! `/restapis/{id}/deployments`: CreateDeployment, GetDeployment(s), UpdateDeployment,
//! DeleteDeployment.
//!
//! A deployment freezes the API's current definition; with `stageName` it also creates the stage
//! or points it at the new deployment (or, with `canarySettings`, makes it the existing stage's
//! canary), in the same transaction, and a running gateway serves it from its next poll on (the
//! same code path as `tollgate deploy`).
//!
//! CreateDeployment is public ([`create_deployment`]) for `tollgate deploy`, `tollgate import
//! --stage`, `serve --api` and `serve --sam`.

use std::collections::{BTreeMap, BTreeSet};

use http::{Method as Verb, StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tollgate_model::{Deployment, Stage};
use tollgate_store::{DeployRequest, SqliteStore, Store, StoreError};

use crate::patch::PatchBody;
use crate::quotas::{MAX_STAGE_VARIABLES, Quotas};
use crate::stages::{CanaryInput, check_cache_size, check_stage_name};
use crate::{ApiError, Call, Reply, page};

/// Routes `/restapis/{api_id}/deployments` + `rest`.
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
        [id] if m == Verb::GET => get(store, call, api_id, id).await,
        [id] if m == Verb::PATCH => update(store, call, api_id, id).await,
        [id] if m == Verb::DELETE => delete(store, api_id, id).await,
        _ => return None,
    })
}

/// CreateDeployment's body.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDeployment {
    /// The stage to create or point at the new deployment; none: only the deployment.
    pub stage_name: Option<String>,
    pub stage_description: Option<String>,
    pub description: Option<String>,
    pub cache_cluster_enabled: Option<bool>,
    pub cache_cluster_size: Option<String>,
    /// Set on the stage (merged over an existing stage's).
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    /// Makes the deployment the canary of the existing stage `stage_name`.
    pub canary_settings: Option<CanaryInput>,
    pub tracing_enabled: Option<bool>,
}

/// CreateDeployment: snapshots the API's current definition, and creates or re-points the stage
/// when `stage_name` is given (or makes the deployment its canary). Returns the deployment and
/// the stage.
pub async fn create_deployment(
    store: &SqliteStore,
    api_id: &str,
    body: CreateDeployment,
) -> Result<(Deployment, Option<Stage>), ApiError> {
    let canary = match body.canary_settings {
        Some(canary) => {
            let stage = body.stage_name.as_deref().unwrap_or("null");
            if stage.is_empty() || body.stage_name.is_none() {
                return Err(ApiError::bad(format!(
                    "Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is {stage}"
                )));
            }
            // The store puts the new deployment's id in.
            Some(canary.settings("")?)
        }
        None => None,
    };
    if let Some(stage) = body.stage_name.as_deref().filter(|s| !s.is_empty()) {
        check_stage_name(stage)?;
    }
    if let Some(size) = &body.cache_cluster_size {
        check_cache_size(size, "createDeploymentInput.cacheClusterSize")?;
    }
    for (name, value) in &body.variables {
        check_variable(name, value)?;
    }
    if let Some(stage) = body.stage_name.as_deref().filter(|s| !s.is_empty())
        && !body.variables.is_empty()
    {
        // The variables merge over the existing stage's.
        let existing = match store.get_stage(api_id, stage).await {
            Ok(s) => s.variables,
            Err(StoreError::StageNotFound { .. } | StoreError::ApiNotFound(_)) => BTreeMap::new(),
            Err(e) => return Err(e.into()),
        };
        let merged = existing
            .keys()
            .chain(body.variables.keys())
            .collect::<BTreeSet<_>>()
            .len();
        check_variable_count(existing.len(), merged)?;
    }
    let request = DeployRequest {
        stage_name: body.stage_name.unwrap_or_default(),
        description: body.description,
        stage_description: body.stage_description,
        variables: body.variables,
        canary,
        cache_cluster_enabled: body.cache_cluster_enabled,
        cache_cluster_size: body.cache_cluster_size,
        tracing_enabled: body.tracing_enabled,
    };
    Ok(store.create_deployment(api_id, &request).await?)
}

/// POST `/restapis/{id}/deployments` → 201 `{id, createdDate, description?}`; a new `stageName`
/// counts against the stages quota.
async fn create(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
    api_id: &str,
) -> Result<Reply, ApiError> {
    let body: CreateDeployment = call.json()?;
    if let Some(stage) = body.stage_name.as_deref().filter(|s| !s.is_empty()) {
        check_stage_name(stage)?;
        crate::stages::check_stage_count(store, quotas, api_id, stage).await?;
    }
    let (deployment, _) = create_deployment(store, api_id, body).await?;
    Ok(Reply::json(StatusCode::CREATED, &deployment))
}

/// PATCH `/restapis/{id}/deployments/{deployment_id}` → 200 with the deployment; the only path
/// is `replace /description` (an empty value clears it).
async fn update(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    id: &str,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateDeploymentInput")?;
    let (current, _) = store.get_deployment(api_id, id).await?;
    let mut description = current.description;
    for op in &body.patch_operations {
        if op.path != "/description" {
            return Err(op.invalid_path());
        }
        op.require("replace")?;
        description = op.optional_value();
    }
    let deployment = store
        .set_deployment_description(api_id, id, description)
        .await?;
    Ok(Reply::json(StatusCode::OK, &deployment))
}

/// Refuses a stage whose variables grew from `before` past AWS's 100 (the wording is
/// unconfirmed).
pub(crate) fn check_variable_count(before: usize, after: usize) -> Result<(), ApiError> {
    if after > before && after > MAX_STAGE_VARIABLES {
        return Err(ApiError::bad(format!(
            "A stage can have at most {MAX_STAGE_VARIABLES} stage variables"
        )));
    }
    Ok(())
}

/// A stage variable as AWS allows it: name `[A-Za-z0-9_]+` of at most 64 characters, value
/// `[A-Za-z0-9-._~:/?#&=,]+` of at most 512 (the texts of the length refusals are unconfirmed).
pub(crate) fn check_variable(name: &str, value: &str) -> Result<(), ApiError> {
    let name_ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !name_ok {
        return Err(ApiError::bad(format!(
            "Stage variable name {name} must be alphanumeric or underscore"
        )));
    }
    if name.len() > 64 {
        return Err(ApiError::bad(format!(
            "Stage variable name {name} must be at most 64 characters"
        )));
    }
    if value.len() > 512 {
        return Err(ApiError::bad(format!(
            "Stage variable value of {name} must be at most 512 characters"
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

/// DELETE `/restapis/{id}/deployments/{deployment_id}` → 202 (400 while a stage uses it, as
/// its deployment or its canary's).
async fn delete(store: &SqliteStore, api_id: &str, id: &str) -> Result<Reply, ApiError> {
    store.delete_deployment(api_id, id).await?;
    Ok(Reply::accepted())
}
