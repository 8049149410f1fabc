//! `/restapis/{id}/stages`: CreateStage, GetStage(s), UpdateStage, DeleteStage,
//! FlushStageCache and FlushStageAuthorizersCache.
//!
//! UpdateStage applies AWS's patch paths (deployment, description, cache, tracing, client
//! certificate, access logs, variables, method settings, canary and its promotion, documentation
//! version) to the stored stage in one store transaction: all of them or none. A running gateway
//! serves the result from its next poll on; a rollback (`replace /deploymentId` with an older
//! deployment) is the same edit `tollgate rollback` makes.

use std::collections::BTreeMap;

use http::{Method as Verb, StatusCode};
use serde::Deserialize;
use tollgate_model::{
    AccessLogSettings, CACHE_CLUSTER_SIZES, CanarySettings, Deployment, MethodSetting, Stage,
    valid_stage_name,
};
use tollgate_store::{SqliteStore, Store};

use crate::deployments::{check_variable, check_variable_count};
use crate::patch::{PatchBody, PatchOperation};
use crate::quotas::{Quota, Quotas};
use crate::{ApiError, Call, Page, Reply};

/// Routes `/restapis/{api_id}/stages` + `rest`.
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
        [name] if m == Verb::GET => get(store, api_id, name).await,
        [name] if m == Verb::PATCH => update(store, call, api_id, name).await,
        [name] if m == Verb::DELETE => delete(store, api_id, name).await,
        [name, "cache", "data"] if m == Verb::DELETE => flush_cache(store, api_id, name).await,
        [name, "cache", "authorizers"] if m == Verb::DELETE => {
            flush_authorizers_cache(store, api_id, name).await
        }
        _ => return None,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateStage {
    stage_name: Option<String>,
    deployment_id: Option<String>,
    description: Option<String>,
    cache_cluster_enabled: Option<bool>,
    cache_cluster_size: Option<String>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    documentation_version: Option<String>,
    canary_settings: Option<CanaryInput>,
    tracing_enabled: Option<bool>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// `canarySettings` of CreateStage and CreateDeployment (the latter without `deploymentId`).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanaryInput {
    percent_traffic: Option<f64>,
    deployment_id: Option<String>,
    #[serde(default)]
    stage_variable_overrides: BTreeMap<String, String>,
    use_stage_cache: Option<bool>,
}

impl CanaryInput {
    /// The checked settings, on `deployment_id` unless the input names one.
    pub(crate) fn settings(self, deployment_id: &str) -> Result<CanarySettings, ApiError> {
        let percent_traffic = self.percent_traffic.unwrap_or(0.0);
        check_percent(percent_traffic)?;
        for (name, value) in &self.stage_variable_overrides {
            check_variable(name, value)?;
        }
        Ok(CanarySettings {
            deployment_id: Some(
                self.deployment_id
                    .unwrap_or_else(|| deployment_id.to_owned()),
            ),
            percent_traffic,
            stage_variable_overrides: self.stage_variable_overrides,
            use_stage_cache: self.use_stage_cache.unwrap_or(false),
        })
    }
}

fn check_percent(percent: f64) -> Result<(), ApiError> {
    if (0.0..=100.0).contains(&percent) {
        Ok(())
    } else {
        Err(ApiError::bad(
            "Canary traffic percentage must be between 0.0 and 100.0",
        ))
    }
}

/// AWS's refusal of a stage name outside `[A-Za-z0-9_-]{1,128}`.
pub(crate) fn check_stage_name(name: &str) -> Result<(), ApiError> {
    if valid_stage_name(name) {
        Ok(())
    } else {
        Err(ApiError::bad("Stage name only allows a-zA-Z0-9_-"))
    }
}

/// A `cacheClusterSize` of the request body: one of AWS's sizes (an enumeration of the API
/// model, so a ValidationException otherwise).
pub(crate) fn check_cache_size(size: &str, at: &str) -> Result<(), ApiError> {
    if CACHE_CLUSTER_SIZES.contains(&size) {
        Ok(())
    } else {
        Err(ApiError::enum_value(size, at, &CACHE_CLUSTER_SIZES))
    }
}

/// POST `/restapis/{id}/stages` → 201 with the stage.
async fn create(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
    api_id: &str,
) -> Result<Reply, ApiError> {
    let body: CreateStage = call.json()?;
    let (Some(stage_name), Some(deployment_id)) = (&body.stage_name, &body.deployment_id) else {
        let missing: Vec<&str> = [
            ("stageName", body.stage_name.is_none()),
            ("deploymentId", body.deployment_id.is_none()),
        ]
        .into_iter()
        .filter_map(|(name, absent)| absent.then_some(name))
        .collect();
        return Err(ApiError::null_members("createStageInput", &missing));
    };
    check_stage_name(stage_name)?;
    if let Some(size) = &body.cache_cluster_size {
        check_cache_size(size, "createStageInput.cacheClusterSize")?;
    }
    for (name, value) in &body.variables {
        check_variable(name, value)?;
    }
    check_variable_count(0, body.variables.len())?;
    crate::tags::check_new(&body.tags)?;
    check_stage_count(store, quotas, api_id, stage_name).await?;
    let mut stage = Stage::new(stage_name.clone(), deployment_id.clone());
    stage.canary_settings = match body.canary_settings {
        Some(canary) => Some(canary.settings(deployment_id)?),
        None => None,
    };
    stage.description = body.description.filter(|d| !d.is_empty());
    stage.cache_cluster_size = body.cache_cluster_size;
    stage.set_cache_cluster_enabled(body.cache_cluster_enabled.unwrap_or(false));
    stage.variables = body.variables;
    stage.documentation_version = body.documentation_version;
    stage.tracing_enabled = body.tracing_enabled.unwrap_or(false);
    stage.tags = body.tags;
    store.create_stage(api_id, &stage).await?;
    Ok(Reply::json(StatusCode::CREATED, &stage))
}

/// Refuses a new stage `name` past the stages quota (a name already taken is left to the store's
/// conflict). Counted right before the write, not in its transaction: two concurrent creates at
/// the edge can both pass.
pub(crate) async fn check_stage_count(
    store: &SqliteStore,
    quotas: &Quotas,
    api_id: &str,
    name: &str,
) -> Result<(), ApiError> {
    let stages = store.list_stages(api_id).await?;
    if stages.iter().any(|s| s.stage_name == name) {
        return Ok(());
    }
    quotas.one_more(Quota::StagesPerApi, stages.len())
}

/// GET `/restapis/{id}/stages` (`deploymentId` filter; not paged, as in AWS).
async fn list(store: &SqliteStore, call: &Call<'_>, api_id: &str) -> Result<Reply, ApiError> {
    store.get_api(api_id).await?;
    let deployment = call.param("deploymentId");
    let item = store
        .list_stages(api_id)
        .await?
        .into_iter()
        .filter(|s| deployment.as_deref().is_none_or(|d| s.deployment_id == d))
        .collect();
    Ok(Reply::json(
        StatusCode::OK,
        &Page {
            item,
            position: None,
        },
    ))
}

/// GET `/restapis/{id}/stages/{stage_name}`.
async fn get(store: &SqliteStore, api_id: &str, name: &str) -> Result<Reply, ApiError> {
    let stage = store.get_stage(api_id, name).await?;
    Ok(Reply::json(StatusCode::OK, &stage))
}

/// PATCH `/restapis/{id}/stages/{stage_name}` → 200 with the stage; the operations apply in
/// order, all or none.
async fn update(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    name: &str,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateStageInput")?;
    let (_, stage) = crate::edit_stage(store, api_id, name, move |stage, deployments| {
        let before = stage.variables.len();
        for op in &body.patch_operations {
            patch_stage(stage, op, deployments)?;
        }
        check_variable_count(before, stage.variables.len())
    })
    .await?;
    Ok(Reply::json(StatusCode::OK, &stage))
}

/// DELETE `/restapis/{id}/stages/{stage_name}` → 202.
async fn delete(store: &SqliteStore, api_id: &str, name: &str) -> Result<Reply, ApiError> {
    store.delete_stage(api_id, name).await?;
    Ok(Reply::accepted())
}

/// DELETE `/restapis/{id}/stages/{stage_name}/cache/data` → 202 for an existing stage. Tollgate
/// has no response cache yet, so there is nothing to flush; the call is answered as AWS answers
/// it so that tools which flush after a deployment keep working.
async fn flush_cache(store: &SqliteStore, api_id: &str, name: &str) -> Result<Reply, ApiError> {
    store.get_stage(api_id, name).await?;
    tracing::info!(api = %api_id, stage = %name, "FlushStageCache: there is no response cache yet, nothing to flush");
    Ok(Reply::accepted())
}

/// DELETE `/restapis/{id}/stages/{stage_name}/cache/authorizers` → 202 for an existing stage.
/// Authorizer results are cached by the serving process, which this call does not reach yet:
/// the 202 acknowledges the request, cached results still expire with their TTL.
async fn flush_authorizers_cache(
    store: &SqliteStore,
    api_id: &str,
    name: &str,
) -> Result<Reply, ApiError> {
    store.get_stage(api_id, name).await?;
    tracing::info!(api = %api_id, stage = %name, "FlushStageAuthorizersCache acknowledged; cached authorizer results expire with their TTL");
    Ok(Reply::accepted())
}

/// AWS's text for a path UpdateStage does not have (its list, verbatim, missing commas
/// included).
fn invalid_setting_path(op: &PatchOperation) -> ApiError {
    ApiError::bad(format!(
        "Invalid method setting path: {}. Must be one of: [/deploymentId, /description, /cacheClusterEnabled, /cacheClusterSize, /clientCertificateId, /accessLogSettings, /accessLogSettings/destinationArn, /accessLogSettings/format, /{{resourcePath}}/{{httpMethod}}/metrics/enabled, /{{resourcePath}}/{{httpMethod}}/logging/dataTrace, /{{resourcePath}}/{{httpMethod}}/logging/loglevel, /{{resourcePath}}/{{httpMethod}}/throttling/burstLimit/{{resourcePath}}/{{httpMethod}}/throttling/rateLimit/{{resourcePath}}/{{httpMethod}}/caching/ttlInSeconds, /{{resourcePath}}/{{httpMethod}}/caching/enabled, /{{resourcePath}}/{{httpMethod}}/caching/dataEncrypted, /{{resourcePath}}/{{httpMethod}}/caching/requireAuthorizationForCacheControl, /{{resourcePath}}/{{httpMethod}}/caching/unauthorizedCacheControlHeaderStrategy, /*/*/metrics/enabled, /*/*/logging/dataTrace, /*/*/logging/loglevel, /*/*/throttling/burstLimit /*/*/throttling/rateLimit /*/*/caching/ttlInSeconds, /*/*/caching/enabled, /*/*/caching/dataEncrypted, /*/*/caching/requireAuthorizationForCacheControl, /*/*/caching/unauthorizedCacheControlHeaderStrategy, /variables/{{variable_name}}, /tracingEnabled]",
        op.path
    ))
}

/// AWS's text for removing something under a path that has no such entry.
fn cannot_remove(what: &str) -> ApiError {
    ApiError::bad(format!(
        "Cannot remove method setting {what} because there is no method setting for this method "
    ))
}

/// A deployment of the API (`Deployment id does not exist` otherwise).
fn require_deployment(deployments: &[Deployment], id: &str) -> Result<(), ApiError> {
    if deployments.iter().any(|d| d.id == id) {
        Ok(())
    } else {
        Err(ApiError::bad("Deployment id does not exist"))
    }
}

/// Points `stage` at `deployment_id`, one of `deployments` (the API's, oldest first), or, when
/// it is `None`, at the deployment made just before the stage's current one: a rollback. The
/// UpdateStage path `/deploymentId` and `tollgate rollback` both go through here, inside
/// [`tollgate_store::Store::edit_stage`].
pub fn point_stage(
    stage: &mut Stage,
    deployments: &[Deployment],
    deployment_id: Option<&str>,
) -> Result<(), ApiError> {
    let target = match deployment_id {
        Some(id) => {
            require_deployment(deployments, id)?;
            id.to_owned()
        }
        None => {
            let current = deployments.iter().position(|d| d.id == stage.deployment_id);
            match current.and_then(|i| i.checked_sub(1)) {
                Some(i) => deployments[i].id.clone(),
                None => {
                    return Err(ApiError::bad(format!(
                        "Stage {} has no deployment older than {} to roll back to",
                        stage.stage_name, stage.deployment_id
                    )));
                }
            }
        }
    };
    stage.deployment_id = target;
    Ok(())
}

/// Applies one UpdateStage operation.
fn patch_stage(
    stage: &mut Stage,
    op: &PatchOperation,
    deployments: &[Deployment],
) -> Result<(), ApiError> {
    let path = op.path.as_str();
    if op.op == "copy" {
        return promote(stage, op);
    }
    if path == "/canarySettings" || path.starts_with("/canarySettings/") {
        return patch_canary(stage, op, deployments);
    }
    if path == "/accessLogSettings" || path.starts_with("/accessLogSettings/") {
        return patch_access_log(stage, op);
    }
    if let Some(name) = op.key_after("/variables/") {
        match op.op.as_str() {
            "add" | "replace" => {
                let value = op.value()?;
                check_variable(&name, value)?;
                stage.variables.insert(name, value.to_owned());
            }
            "remove" => {
                stage.variables.remove(&name);
            }
            _ => return Err(op.unsupported_op()),
        }
        return Ok(());
    }
    match path {
        "/deploymentId" => point_stage(stage, deployments, Some(op.set_value()?))?,
        "/description" | "/clientCertificateId" => {
            let value = match op.op.as_str() {
                "add" | "replace" => op.optional_value(),
                "remove" => None,
                _ => return Err(op.unsupported_op()),
            };
            if path == "/description" {
                stage.description = value;
            } else {
                stage.client_certificate_id = value;
            }
        }
        "/cacheClusterEnabled" => {
            op.set_value()?;
            stage.set_cache_cluster_enabled(op.bool_value()?);
        }
        "/cacheClusterSize" => {
            let size = op.set_value()?;
            if !CACHE_CLUSTER_SIZES.contains(&size) {
                return Err(op.invalid_value());
            }
            stage.cache_cluster_size = Some(size.to_owned());
        }
        "/tracingEnabled" => {
            op.set_value()?;
            stage.tracing_enabled = op.bool_value()?;
        }
        // The developer guide's way of publishing a documentation version (the store checks
        // that the API has it).
        "/documentationVersion" => {
            stage.documentation_version = match op.op.as_str() {
                "add" | "replace" => op.optional_value(),
                "remove" => None,
                _ => return Err(op.unsupported_op()),
            };
        }
        _ => return patch_method_setting(stage, op),
    }
    Ok(())
}

/// `/{resourcePath}/{httpMethod}/{group}/{setting}` (the resource path `~1`-escaped, or `*/*`
/// for every method) and `remove /{resourcePath}/{httpMethod}`. The key is stored as written
/// (`~1pets/GET`, `*/*`). The first write to a key creates it as a copy of `*/*` when that
/// exists, AWS's default object otherwise (as AWS records show).
fn patch_method_setting(stage: &mut Stage, op: &PatchOperation) -> Result<(), ApiError> {
    let segments: Vec<&str> = op.path.trim_start_matches('/').split('/').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(invalid_setting_path(op));
    }
    match segments.as_slice() {
        [resource, method] if op.op == "remove" => {
            let key = format!("{resource}/{method}");
            if stage.method_settings.remove(&key).is_none() {
                return Err(cannot_remove(&key));
            }
            Ok(())
        }
        [resource, method, group, name] => {
            let setter = setting(group, name).ok_or_else(|| invalid_setting_path(op))?;
            let value = op.set_value()?;
            let key = format!("{resource}/{method}");
            let base = stage
                .method_settings
                .get("*/*")
                .cloned()
                .unwrap_or_default();
            let mut setting = stage.method_settings.get(&key).cloned().unwrap_or(base);
            setter(&mut setting, value).map_err(|()| op.invalid_value())?;
            stage.method_settings.insert(key, setting);
            Ok(())
        }
        _ => Err(invalid_setting_path(op)),
    }
}

/// Sets one field of a method setting from a patch value.
type Setter = fn(&mut MethodSetting, &str) -> Result<(), ()>;

/// The setter of `{group}/{name}`, one of AWS's ten.
fn setting(group: &str, name: &str) -> Option<Setter> {
    let setter: Setter = match (group, name) {
        ("metrics", "enabled") => |s, v| flag(v).map(|b| s.metrics_enabled = b),
        ("logging", "dataTrace") => |s, v| flag(v).map(|b| s.data_trace_enabled = b),
        ("logging", "loglevel") => |s, v| {
            let level = v.to_ascii_uppercase();
            if !["OFF", "ERROR", "INFO"].contains(&level.as_str()) {
                return Err(());
            }
            s.logging_level = Some(level);
            Ok(())
        },
        ("throttling", "burstLimit") => |s, v| {
            s.throttling_burst_limit = v.trim().parse().map_err(drop)?;
            Ok(())
        },
        ("throttling", "rateLimit") => |s, v| {
            let rate: f64 = v.trim().parse().map_err(drop)?;
            if !rate.is_finite() {
                return Err(());
            }
            s.throttling_rate_limit = rate;
            Ok(())
        },
        ("caching", "ttlInSeconds") => |s, v| {
            let ttl: i64 = v.trim().parse().map_err(drop)?;
            if !(0..=3600).contains(&ttl) {
                return Err(());
            }
            s.cache_ttl_in_seconds = ttl;
            Ok(())
        },
        ("caching", "enabled") => |s, v| flag(v).map(|b| s.caching_enabled = b),
        ("caching", "dataEncrypted") => |s, v| flag(v).map(|b| s.cache_data_encrypted = b),
        ("caching", "requireAuthorizationForCacheControl") => {
            |s, v| flag(v).map(|b| s.require_authorization_for_cache_control = b)
        }
        ("caching", "unauthorizedCacheControlHeaderStrategy") => |s, v| {
            const STRATEGIES: [&str; 3] = [
                "FAIL_WITH_403",
                "SUCCEED_WITH_RESPONSE_HEADER",
                "SUCCEED_WITHOUT_RESPONSE_HEADER",
            ];
            if !STRATEGIES.contains(&v) {
                return Err(());
            }
            s.unauthorized_cache_control_header_strategy = v.to_owned();
            Ok(())
        },
        _ => return None,
    };
    Some(setter)
}

fn flag(v: &str) -> Result<bool, ()> {
    match v.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(()),
    }
}

/// The canary paths: `remove /canarySettings`; `replace` of `deploymentId`, `percentTraffic`,
/// `useStageCache` and `stageVariableOverrides/{name}` (a replace without a canary creates one
/// on the stage's deployment, at 0 %); `remove /canarySettings/stageVariableOverrides/{name}`.
fn patch_canary(
    stage: &mut Stage,
    op: &PatchOperation,
    deployments: &[Deployment],
) -> Result<(), ApiError> {
    let path = op.path.as_str();
    let rest = path.strip_prefix("/canarySettings").unwrap_or_default();
    let override_name = op.key_after("/canarySettings/stageVariableOverrides/");
    let known = override_name.is_some()
        || matches!(rest, "/deploymentId" | "/percentTraffic" | "/useStageCache");
    match op.op.as_str() {
        "remove" if rest.is_empty() => {
            stage.canary_settings = None;
            return Ok(());
        }
        "remove" if override_name.is_some() => {
            if let (Some(canary), Some(name)) = (&mut stage.canary_settings, &override_name) {
                canary.stage_variable_overrides.remove(name);
            }
            return Ok(());
        }
        "replace" if known => {}
        "replace" => return Err(invalid_setting_path(op)),
        other if known => {
            return Err(ApiError::bad(format!(
                "Invalid {other} operation with path: {path}"
            )));
        }
        other => {
            return Err(ApiError::bad(format!(
                "Cannot {other} method setting {} because there is no method setting for this method ",
                path.trim_start_matches('/')
            )));
        }
    }
    let value = op.value()?;
    let production = stage.deployment_id.clone();
    let canary = stage
        .canary_settings
        .get_or_insert_with(|| CanarySettings::on(production));
    match (rest, override_name) {
        (_, Some(name)) => {
            check_variable(&name, value)?;
            canary
                .stage_variable_overrides
                .insert(name, value.to_owned());
        }
        ("/deploymentId", None) => {
            require_deployment(deployments, value)?;
            canary.deployment_id = Some(value.to_owned());
        }
        ("/percentTraffic", None) => {
            let percent: f64 = op.number()?;
            check_percent(percent)?;
            canary.percent_traffic = percent;
        }
        _ => canary.use_stage_cache = op.bool_value()?,
    }
    Ok(())
}

/// Promotion: `copy` from `/canarySettings/deploymentId` to `/deploymentId`, and from
/// `/canarySettings/stageVariableOverrides` to `/variables` (merged: an override wins, other
/// variables stay). The canary itself stays as it is.
fn promote(stage: &mut Stage, op: &PatchOperation) -> Result<(), ApiError> {
    let from = op.from.as_deref().unwrap_or_default();
    let to_deployment = match (op.path.as_str(), from) {
        ("/deploymentId", "/canarySettings/deploymentId") => true,
        ("/variables", "/canarySettings/stageVariableOverrides") => false,
        _ => {
            return Err(ApiError::bad(format!(
                "Invalid copy operation with path: {} and from {from}. Valid copy:path are [/deploymentId, /variables] and valid copy:from are [/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]",
                op.path
            )));
        }
    };
    let Some(canary) = &stage.canary_settings else {
        return Err(ApiError::bad(
            "Promotion not available. Canary does not exist.",
        ));
    };
    if to_deployment {
        if let Some(id) = &canary.deployment_id {
            stage.deployment_id = id.clone();
        }
    } else {
        let overrides = canary.stage_variable_overrides.clone();
        stage.variables.extend(overrides);
    }
    Ok(())
}

/// `replace`/`add` of `/accessLogSettings/destinationArn` and `/accessLogSettings/format`,
/// `remove /accessLogSettings`.
fn patch_access_log(stage: &mut Stage, op: &PatchOperation) -> Result<(), ApiError> {
    let path = op.path.as_str();
    match op.op.as_str() {
        "remove" if path == "/accessLogSettings" => {
            stage.access_log_settings = None;
            Ok(())
        }
        "remove" => Err(cannot_remove(path.trim_start_matches('/'))),
        "add" | "replace" => {
            let arn = match path {
                "/accessLogSettings/destinationArn" => true,
                "/accessLogSettings/format" => false,
                _ => {
                    return Err(ApiError::bad(
                        "Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, /accessLogSettings/format]",
                    ));
                }
            };
            let value = op
                .value
                .clone()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| ApiError::bad("Access Log value must not be empty"))?;
            let settings = stage.access_log_settings.get_or_insert(AccessLogSettings {
                format: None,
                destination_arn: None,
            });
            if arn {
                settings.destination_arn = Some(value);
            } else {
                settings.format = Some(value);
            }
            Ok(())
        }
        _ => Err(op.unsupported_op()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(op: &str, path: &str, value: Option<&str>) -> PatchOperation {
        PatchOperation {
            op: op.to_owned(),
            path: path.to_owned(),
            value: value.map(str::to_owned),
            from: None,
        }
    }

    fn copy(path: &str, from: &str) -> PatchOperation {
        PatchOperation {
            from: Some(from.to_owned()),
            ..op("copy", path, None)
        }
    }

    fn deployments() -> Vec<Deployment> {
        ["d1", "d2"]
            .into_iter()
            .map(|id| Deployment {
                id: id.to_owned(),
                description: None,
                created_date: 0,
            })
            .collect()
    }

    fn apply(stage: &mut Stage, ops: &[PatchOperation]) -> Result<(), String> {
        let d = deployments();
        ops.iter()
            .try_for_each(|o| patch_stage(stage, o, &d))
            .map_err(|e| e.message().to_owned())
    }

    #[test]
    fn a_new_method_setting_copies_the_wildcard_one() {
        let mut stage = Stage::new("s1", "d1");
        apply(
            &mut stage,
            &[
                op("replace", "/*/*/throttling/burstLimit", Some("123")),
                op("replace", "/*/*/caching/enabled", Some("true")),
                op("replace", "/test/GET/throttling/burstLimit", Some("124")),
            ],
        )
        .unwrap();
        let test = &stage.method_settings["test/GET"];
        assert_eq!(test.throttling_burst_limit, 124);
        assert!(test.caching_enabled, "inherited from */*");
        apply(
            &mut stage,
            &[op("replace", "/*/*/throttling/burstLimit", Some("100"))],
        )
        .unwrap();
        assert_eq!(stage.method_settings["*/*"].throttling_burst_limit, 100);
        assert_eq!(
            stage.method_settings["test/GET"].throttling_burst_limit,
            124
        );
    }

    #[test]
    fn method_setting_values_and_removal() {
        let mut stage = Stage::new("s1", "d1");
        apply(
            &mut stage,
            &[
                op("replace", "/~1pets/GET/logging/loglevel", Some("INFO")),
                op("replace", "/~1pets/GET/throttling/rateLimit", Some("10.5")),
                op("replace", "/~1pets/GET/caching/ttlInSeconds", Some("60")),
                op(
                    "replace",
                    "/~1pets/GET/caching/unauthorizedCacheControlHeaderStrategy",
                    Some("FAIL_WITH_403"),
                ),
            ],
        )
        .unwrap();
        let s = &stage.method_settings["~1pets/GET"];
        assert_eq!(s.logging_level.as_deref(), Some("INFO"));
        assert_eq!(s.throttling_rate_limit, 10.5);
        assert_eq!(s.cache_ttl_in_seconds, 60);
        assert_eq!(
            s.unauthorized_cache_control_header_strategy,
            "FAIL_WITH_403"
        );
        assert_eq!(
            apply(
                &mut stage,
                &[op(
                    "replace",
                    "/~1pets/GET/caching/ttlInSeconds",
                    Some("4000")
                )]
            )
            .unwrap_err(),
            "Invalid value '4000' for patch path /~1pets/GET/caching/ttlInSeconds"
        );
        apply(&mut stage, &[op("remove", "/~1pets/GET", None)]).unwrap();
        assert!(stage.method_settings.is_empty());
        assert_eq!(
            apply(&mut stage, &[op("remove", "/*/*", None)]).unwrap_err(),
            "Cannot remove method setting */* because there is no method setting for this method "
        );
        let e = apply(&mut stage, &[op("replace", "/tags/tag1", Some("v"))]).unwrap_err();
        assert!(
            e.starts_with(
                "Invalid method setting path: /tags/tag1. Must be one of: [/deploymentId,"
            ),
            "{e}"
        );
    }

    #[test]
    fn canary_create_adjust_promote_remove() {
        let mut stage = Stage::new("dev", "d1");
        stage.variables.insert("a".into(), "1".into());
        assert_eq!(
            apply(
                &mut stage,
                &[
                    copy("/variables", "/canarySettings/stageVariableOverrides"),
                    copy("/deploymentId", "/canarySettings/deploymentId"),
                ]
            )
            .unwrap_err(),
            "Promotion not available. Canary does not exist."
        );
        assert_eq!(
            apply(
                &mut stage,
                &[copy("/canarySettings/stageVariableOverrides", "/variables")]
            )
            .unwrap_err(),
            "Invalid copy operation with path: /canarySettings/stageVariableOverrides and from /variables. Valid copy:path are [/deploymentId, /variables] and valid copy:from are [/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]"
        );
        apply(
            &mut stage,
            &[op("replace", "/canarySettings/percentTraffic", Some("50"))],
        )
        .unwrap();
        let canary = stage.canary_settings.clone().unwrap();
        assert_eq!(
            canary.deployment_id.as_deref(),
            Some("d1"),
            "implicit create"
        );
        assert_eq!(canary.percent_traffic, 50.0);
        apply(
            &mut stage,
            &[
                op("replace", "/canarySettings/deploymentId", Some("d2")),
                op(
                    "replace",
                    "/canarySettings/stageVariableOverrides/a",
                    Some("2"),
                ),
                op(
                    "replace",
                    "/canarySettings/stageVariableOverrides/b",
                    Some("3"),
                ),
                op("remove", "/canarySettings/stageVariableOverrides/b", None),
                op("replace", "/canarySettings/useStageCache", Some("true")),
            ],
        )
        .unwrap();
        apply(
            &mut stage,
            &[
                op("replace", "/canarySettings/percentTraffic", Some("0.0")),
                copy("/deploymentId", "/canarySettings/deploymentId"),
                copy("/variables", "/canarySettings/stageVariableOverrides"),
            ],
        )
        .unwrap();
        assert_eq!(stage.deployment_id, "d2");
        assert_eq!(stage.variables["a"], "2");
        let canary = stage.canary_settings.clone().unwrap();
        assert_eq!(canary.percent_traffic, 0.0);
        assert!(canary.use_stage_cache);
        assert_eq!(
            apply(
                &mut stage,
                &[op("add", "/canarySettings/deploymentId", Some("d1"))]
            )
            .unwrap_err(),
            "Invalid add operation with path: /canarySettings/deploymentId"
        );
        assert_eq!(
            apply(
                &mut stage,
                &[op("replace", "/canarySettings/deploymentId", Some("nope"))]
            )
            .unwrap_err(),
            "Deployment id does not exist"
        );
        assert_eq!(
            apply(&mut stage, &[op("remove", "/canarySettings/badPath", None)]).unwrap_err(),
            "Cannot remove method setting canarySettings/badPath because there is no method setting for this method "
        );
        assert!(
            apply(
                &mut stage,
                &[op("replace", "/canarySettings", Some("test"))]
            )
            .unwrap_err()
            .starts_with("Invalid method setting path: /canarySettings. Must be one of")
        );
        apply(&mut stage, &[op("remove", "/canarySettings", None)]).unwrap();
        assert!(stage.canary_settings.is_none());
    }

    #[test]
    fn access_log_settings() {
        let mut stage = Stage::new("dev", "d1");
        apply(
            &mut stage,
            &[
                op("add", "/accessLogSettings/destinationArn", Some("arn:x")),
                op(
                    "replace",
                    "/accessLogSettings/format",
                    Some("$context.requestId"),
                ),
            ],
        )
        .unwrap();
        let settings = stage.access_log_settings.clone().unwrap();
        assert_eq!(settings.destination_arn.as_deref(), Some("arn:x"));
        assert_eq!(settings.format.as_deref(), Some("$context.requestId"));
        for (o, path, want) in [
            (
                "add",
                "/accessLogSettings/randomValue",
                "Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, /accessLogSettings/format]",
            ),
            (
                "replace",
                "/accessLogSettings",
                "Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, /accessLogSettings/format]",
            ),
            (
                "remove",
                "/accessLogSettings/*",
                "Cannot remove method setting accessLogSettings/* because there is no method setting for this method ",
            ),
            (
                "replace",
                "/accessLogSettings/format",
                "Access Log value must not be empty",
            ),
        ] {
            assert_eq!(
                apply(&mut stage, &[op(o, path, Some(""))]).unwrap_err(),
                want
            );
        }
        apply(&mut stage, &[op("remove", "/accessLogSettings", None)]).unwrap();
        assert!(stage.access_log_settings.is_none());
    }

    #[test]
    fn scalar_paths() {
        let mut stage = Stage::new("dev", "d1");
        apply(
            &mut stage,
            &[
                op("replace", "/deploymentId", Some("d2")),
                op("replace", "/description", Some("new")),
                op("replace", "/cacheClusterEnabled", Some("true")),
                op("replace", "/cacheClusterSize", Some("6.1")),
                op("replace", "/tracingEnabled", Some("true")),
                op("replace", "/clientCertificateId", Some("cert01")),
                op("replace", "/variables/v", Some("x")),
            ],
        )
        .unwrap();
        assert_eq!(stage.deployment_id, "d2");
        assert_eq!(stage.description.as_deref(), Some("new"));
        assert!(stage.cache_cluster_enabled && stage.tracing_enabled);
        assert_eq!(stage.cache_cluster_size.as_deref(), Some("6.1"));
        assert_eq!(stage.client_certificate_id.as_deref(), Some("cert01"));
        assert_eq!(stage.variables["v"], "x");
        assert_eq!(
            apply(&mut stage, &[op("replace", "/deploymentId", Some("zz"))]).unwrap_err(),
            "Deployment id does not exist"
        );
        let d = deployments();
        point_stage(&mut stage, &d, None).unwrap();
        assert_eq!(stage.deployment_id, "d1", "rolled back to the one before");
        assert!(point_stage(&mut stage, &d, None).is_err(), "nothing older");
        assert_eq!(
            apply(&mut stage, &[op("replace", "/cacheClusterSize", Some("2"))]).unwrap_err(),
            "Invalid value '2' for patch path /cacheClusterSize"
        );
        apply(&mut stage, &[op("remove", "/variables/v", None)]).unwrap();
        assert!(stage.variables.is_empty());
    }
}
