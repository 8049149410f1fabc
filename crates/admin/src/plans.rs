//! `/usageplans`: usage plan CRUD, and the plan's keys (`/usageplans/{id}/keys`).
//!
//! The operations are public ([`create_usage_plan`], [`update_usage_plan`],
//! [`create_usage_plan_key`], ...) so that `tollgate plans ...`, `tollgate keys create --plan`
//! and `serve --sam` run the same code.

use std::collections::BTreeMap;

use http::StatusCode;
use serde::Deserialize;
use tollgate_model::{
    ApiStage, QuotaPeriod, QuotaSettings, ThrottleSettings, UsagePlan, UsagePlanKey, ids,
};
use tollgate_store::{SqliteStore, Store};

use crate::patch::{PatchBody, PatchOperation, unescape};
use crate::quotas::{Quota, Quotas};
use crate::{ApiError, Call, Reply, page};

/// A throttle as CreateUsagePlan takes it (a missing limit is 0).
#[derive(Debug, Clone, Copy, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleInput {
    pub burst_limit: Option<u32>,
    pub rate_limit: Option<f64>,
}

impl ThrottleInput {
    fn settings(self) -> Result<ThrottleSettings, ApiError> {
        let rate_limit = self.rate_limit.unwrap_or(0.0);
        if !(rate_limit >= 0.0 && rate_limit.is_finite()) {
            return Err(ApiError::bad("Invalid throttle rate limit specified"));
        }
        Ok(ThrottleSettings {
            burst_limit: self.burst_limit.unwrap_or(0),
            rate_limit,
        })
    }
}

/// A quota as CreateUsagePlan takes it (`period`: `DAY`, `WEEK` or `MONTH`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuotaInput {
    pub limit: Option<u64>,
    pub offset: Option<u32>,
    pub period: Option<String>,
}

/// A stage a plan covers, with per-method throttles keyed `/{path}/{METHOD}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiStageInput {
    pub api_id: Option<String>,
    pub stage: Option<String>,
    #[serde(default)]
    pub throttle: BTreeMap<String, ThrottleInput>,
}

/// CreateUsagePlan's body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateUsagePlan {
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default)]
    pub api_stages: Vec<ApiStageInput>,
    pub throttle: Option<ThrottleInput>,
    pub quota: Option<QuotaInput>,
    pub product_code: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

fn quota(q: QuotaInput) -> Result<QuotaSettings, ApiError> {
    let period = q
        .period
        .as_deref()
        .and_then(QuotaPeriod::parse)
        .ok_or_else(|| {
            ApiError::bad("Invalid quota period specified. Must be one of: DAY, WEEK, MONTH")
        })?;
    check_quota(QuotaSettings {
        limit: q.limit.unwrap_or(0),
        offset: q.offset.unwrap_or(0),
        period,
    })
}

fn check_quota(q: QuotaSettings) -> Result<QuotaSettings, ApiError> {
    let max_offset = match q.period {
        QuotaPeriod::Day => 0,
        QuotaPeriod::Week => 6,
        QuotaPeriod::Month => 27,
    };
    if q.offset > max_offset {
        return Err(ApiError::bad(format!(
            "Quota offset must be between 0 and {max_offset} for period {}",
            q.period.as_str()
        )));
    }
    Ok(q)
}

fn api_stage(s: ApiStageInput) -> Result<ApiStage, ApiError> {
    let (Some(api_id), Some(stage)) = (s.api_id, s.stage) else {
        return Err(ApiError::bad("Invalid API Stage specified"));
    };
    let mut throttle = BTreeMap::new();
    for (method, t) in s.throttle {
        throttle.insert(method, t.settings()?);
    }
    Ok(ApiStage {
        api_id,
        stage,
        throttle,
    })
}

/// CreateUsagePlan: a new plan, with AWS's checks; every stage must exist and be in no other
/// plan with keys in common. Returns it.
pub async fn create_usage_plan(
    store: &SqliteStore,
    body: CreateUsagePlan,
) -> Result<UsagePlan, ApiError> {
    let name = body
        .name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::bad("Usage Plan name must be specified"))?;
    let plan = UsagePlan {
        id: ids::short_id(),
        name,
        description: body.description,
        api_stages: body
            .api_stages
            .into_iter()
            .map(api_stage)
            .collect::<Result<_, _>>()?,
        throttle: body.throttle.map(ThrottleInput::settings).transpose()?,
        quota: body.quota.map(quota).transpose()?,
        product_code: body.product_code,
        tags: body.tags,
    };
    store.put_usage_plan(&plan).await?;
    Ok(plan)
}

/// POST `/usageplans` → 201. Counted against the usage plans quota right before the write, not
/// in its transaction: two concurrent creates at the edge can both pass.
pub(crate) async fn create(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
) -> Result<Reply, ApiError> {
    let body: CreateUsagePlan = call.json()?;
    crate::tags::check_new(&body.tags)?;
    quotas.one_more(Quota::UsagePlans, store.list_usage_plans().await?.len())?;
    let plan = create_usage_plan(store, body).await?;
    Ok(Reply::json(StatusCode::CREATED, &plan))
}

/// GetUsagePlan.
pub async fn get_usage_plan(store: &SqliteStore, id: &str) -> Result<UsagePlan, ApiError> {
    Ok(store.get_usage_plan(id).await?)
}

/// GET `/usageplans/{id}`.
pub(crate) async fn get(store: &SqliteStore, id: &str) -> Result<Reply, ApiError> {
    Ok(Reply::json(
        StatusCode::OK,
        &get_usage_plan(store, id).await?,
    ))
}

/// GetUsagePlans: every plan, oldest first, or (`key_id`) the plans holding that key.
pub async fn get_usage_plans(
    store: &SqliteStore,
    key_id: Option<&str>,
) -> Result<Vec<UsagePlan>, ApiError> {
    let mut plans = store.list_usage_plans().await?;
    if let Some(key) = key_id {
        let members = store.all_usage_plan_keys().await?;
        plans.retain(|p| members.iter().any(|(plan, k)| *plan == p.id && k == key));
    }
    Ok(plans)
}

/// GET `/usageplans` (`keyId`: the plans holding that key; paging).
pub(crate) async fn list(store: &SqliteStore, call: &Call<'_>) -> Result<Reply, ApiError> {
    let plans = get_usage_plans(store, call.param("keyId").as_deref()).await?;
    Ok(Reply::json(StatusCode::OK, &page(call, plans)))
}

/// DeleteUsagePlan.
pub async fn delete_usage_plan(store: &SqliteStore, id: &str) -> Result<(), ApiError> {
    Ok(store.delete_usage_plan(id).await?)
}

/// DELETE `/usageplans/{id}` → 202.
pub(crate) async fn delete(store: &SqliteStore, id: &str) -> Result<Reply, ApiError> {
    delete_usage_plan(store, id).await?;
    Ok(Reply::accepted())
}

/// UpdateUsagePlan: AWS's patch paths (name, description, product code, stages and their
/// method throttles, throttle, quota), applied in order and stored once. Returns the plan.
pub async fn update_usage_plan(
    store: &SqliteStore,
    id: &str,
    operations: &[PatchOperation],
) -> Result<UsagePlan, ApiError> {
    let mut plan = store.get_usage_plan(id).await?;
    for op in operations {
        apply(&mut plan, op)?;
    }
    store.put_usage_plan(&plan).await?;
    Ok(plan)
}

/// PATCH `/usageplans/{id}` → 200 with the plan.
pub(crate) async fn update(
    store: &SqliteStore,
    call: &Call<'_>,
    id: &str,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    let plan = update_usage_plan(store, id, &body.patch_operations).await?;
    Ok(Reply::json(StatusCode::OK, &plan))
}

fn apply(plan: &mut UsagePlan, op: &PatchOperation) -> Result<(), ApiError> {
    let path = op.path.as_str();
    let text = || op.value.clone().filter(|v| !v.is_empty());
    match (op.op.as_str(), path) {
        ("replace", "/name") => {
            plan.name = text().ok_or_else(|| ApiError::bad("Usage Plan name must be specified"))?
        }
        ("replace", "/description") => plan.description = text(),
        ("replace" | "add", "/productCode") => plan.product_code = text(),
        ("remove", "/productCode") => plan.product_code = None,
        ("add", "/apiStages") => {
            let stage = stage_ref(op)?;
            if !plan
                .api_stages
                .iter()
                .any(|s| s.api_id == stage.0 && s.stage == stage.1)
            {
                plan.api_stages.push(ApiStage {
                    api_id: stage.0,
                    stage: stage.1,
                    throttle: BTreeMap::new(),
                });
            }
        }
        ("remove", "/apiStages") => {
            let (api, stage) = stage_ref(op)?;
            let before = plan.api_stages.len();
            plan.api_stages
                .retain(|s| !(s.api_id == api && s.stage == stage));
            if plan.api_stages.len() == before {
                return Err(ApiError::NotFound(format!(
                    "Invalid API Stage {{api: {api}, stage: {stage}}} specified for usageplan {}",
                    plan.id
                )));
            }
        }
        ("replace", "/throttle/rateLimit") => {
            let rate: f64 = op.number()?;
            if !(rate >= 0.0 && rate.is_finite()) {
                return Err(ApiError::bad("Invalid throttle rate limit specified"));
            }
            plan.throttle
                .get_or_insert(ThrottleSettings {
                    burst_limit: 0,
                    rate_limit: 0.0,
                })
                .rate_limit = rate;
        }
        ("replace", "/throttle/burstLimit") => {
            plan.throttle
                .get_or_insert(ThrottleSettings {
                    burst_limit: 0,
                    rate_limit: 0.0,
                })
                .burst_limit = op.number()?;
        }
        ("remove", "/throttle") => plan.throttle = None,
        ("replace", "/quota/limit" | "/quota/offset" | "/quota/period") => {
            let mut q = plan.quota.unwrap_or(QuotaSettings {
                limit: 0,
                offset: 0,
                period: QuotaPeriod::Day,
            });
            match path {
                "/quota/limit" => q.limit = op.number()?,
                "/quota/offset" => q.offset = op.number()?,
                _ => {
                    q.period = QuotaPeriod::parse(op.value()?).ok_or_else(|| {
                        ApiError::bad(
                            "Invalid quota period specified. Must be one of: DAY, WEEK, MONTH",
                        )
                    })?
                }
            }
            plan.quota = Some(check_quota(q)?);
        }
        ("remove", "/quota") => plan.quota = None,
        (_, p) if p.starts_with("/apiStages/") => method_throttle(plan, op)?,
        (
            _,
            "/name"
            | "/description"
            | "/apiStages"
            | "/throttle/rateLimit"
            | "/throttle/burstLimit"
            | "/throttle"
            | "/quota"
            | "/quota/limit"
            | "/quota/offset"
            | "/quota/period",
        ) => return Err(op.unsupported_op()),
        _ => return Err(op.invalid_path()),
    }
    Ok(())
}

/// `"{apiId}:{stage}"`.
fn stage_ref(op: &PatchOperation) -> Result<(String, String), ApiError> {
    op.value
        .as_deref()
        .and_then(|v| v.split_once(':'))
        .filter(|(a, s)| !a.is_empty() && !s.is_empty())
        .map(|(a, s)| (a.to_owned(), s.to_owned()))
        .ok_or_else(|| ApiError::bad("Invalid API Stage specified"))
}

/// `/apiStages/{apiId}:{stage}/throttle[/{escapedPath}/{METHOD}[/rateLimit|/burstLimit]]`.
fn method_throttle(plan: &mut UsagePlan, op: &PatchOperation) -> Result<(), ApiError> {
    let rest = op.path.trim_start_matches("/apiStages/");
    let (stage_ref, after) = rest.split_once('/').ok_or_else(|| op.invalid_path())?;
    let (api, stage) = stage_ref.split_once(':').ok_or_else(|| op.invalid_path())?;
    let plan_id = plan.id.clone();
    let entry = plan
        .api_stages
        .iter_mut()
        .find(|s| s.api_id == api && s.stage == stage)
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "Invalid API Stage {{api: {api}, stage: {stage}}} specified for usageplan {plan_id}"
            ))
        })?;
    let parts: Vec<&str> = after.split('/').collect();
    match (op.op.as_str(), parts.as_slice()) {
        ("remove", ["throttle"]) => entry.throttle.clear(),
        ("replace", ["throttle"]) => {
            let map: BTreeMap<String, ThrottleInput> = serde_json::from_str(op.value()?)
                .map_err(|e| ApiError::bad(format!("Invalid throttle map: {e}")))?;
            entry.throttle = map
                .into_iter()
                .map(|(k, t)| Ok((k, t.settings()?)))
                .collect::<Result<_, ApiError>>()?;
        }
        ("remove", ["throttle", resource, method]) => {
            let key = format!("{}/{method}", unescape(resource));
            entry.throttle.remove(&key);
        }
        (
            "replace",
            [
                "throttle",
                resource,
                method,
                field @ ("rateLimit" | "burstLimit"),
            ],
        ) => {
            let key = format!("{}/{method}", unescape(resource));
            let t = entry.throttle.entry(key).or_insert(ThrottleSettings {
                burst_limit: 0,
                rate_limit: 0.0,
            });
            if *field == "rateLimit" {
                t.rate_limit = op.number()?;
            } else {
                t.burst_limit = op.number()?;
            }
        }
        _ => return Err(op.invalid_path()),
    }
    Ok(())
}

/// CreateUsagePlanKey's body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateUsagePlanKey {
    pub key_id: Option<String>,
    /// `API_KEY`, the only type.
    pub key_type: Option<String>,
}

fn plan_key(key: &tollgate_model::ApiKey) -> UsagePlanKey {
    UsagePlanKey {
        id: key.id.clone(),
        key_type: "API_KEY".into(),
        value: key.value.clone(),
        name: key.name.clone(),
    }
}

/// CreateUsagePlanKey: adds an existing key to an existing plan (a key already in it is a
/// Conflict). Returns the plan's view of the key.
pub async fn create_usage_plan_key(
    store: &SqliteStore,
    plan_id: &str,
    body: CreateUsagePlanKey,
) -> Result<UsagePlanKey, ApiError> {
    let key_id = body
        .key_id
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::bad("Invalid API Key identifier specified"))?;
    if body.key_type.as_deref() != Some("API_KEY") {
        return Err(ApiError::bad(
            "Invalid key type specified. Must be one of: API_KEY",
        ));
    }
    store.get_usage_plan(plan_id).await?;
    let key = store.get_api_key(&key_id).await?;
    store.add_usage_plan_key(plan_id, &key_id).await?;
    Ok(plan_key(&key))
}

/// POST `/usageplans/{id}/keys` `{keyId, keyType: API_KEY}` → 201. The key's plans are counted
/// against the usage plans per key quota right before the write, not in its transaction.
pub(crate) async fn add_key(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
    plan_id: &str,
) -> Result<Reply, ApiError> {
    let body: CreateUsagePlanKey = call.json()?;
    if let Some(key) = body.key_id.as_deref().filter(|k| !k.is_empty()) {
        // An unknown plan or key is AWS's 404 before any count.
        store.get_usage_plan(plan_id).await?;
        store.get_api_key(key).await?;
        let plans: Vec<String> = store
            .all_usage_plan_keys()
            .await?
            .into_iter()
            .filter(|(_, k)| k == key)
            .map(|(plan, _)| plan)
            .collect();
        // Already in this plan: the store's conflict answers.
        if !plans.iter().any(|p| p == plan_id) {
            quotas.one_more(Quota::UsagePlansPerApiKey, plans.len())?;
        }
    }
    let key = create_usage_plan_key(store, plan_id, body).await?;
    Ok(Reply::json(StatusCode::CREATED, &key))
}

/// GET `/usageplans/{id}/keys` (`name` prefix; an unknown plan has no keys, as in AWS).
pub(crate) async fn keys(
    store: &SqliteStore,
    call: &Call<'_>,
    plan_id: &str,
) -> Result<Reply, ApiError> {
    let name = call.param("name");
    let members = store.all_usage_plan_keys().await?;
    let keys: Vec<UsagePlanKey> = store
        .list_api_keys()
        .await?
        .iter()
        .filter(|k| members.iter().any(|(p, id)| p == plan_id && *id == k.id))
        .filter(|k| name.as_deref().is_none_or(|n| k.name.starts_with(n)))
        .map(plan_key)
        .collect();
    Ok(Reply::json(StatusCode::OK, &page(call, keys)))
}

/// GET `/usageplans/{id}/keys/{keyId}`.
pub(crate) async fn get_key(
    store: &SqliteStore,
    plan_id: &str,
    key_id: &str,
) -> Result<Reply, ApiError> {
    let members = store.all_usage_plan_keys().await?;
    if !members.iter().any(|(p, k)| p == plan_id && k == key_id) {
        return Err(ApiError::NotFound(
            "Invalid Usage Plan Key identifier specified".into(),
        ));
    }
    let key = store.get_api_key(key_id).await?;
    Ok(Reply::json(StatusCode::OK, &plan_key(&key)))
}

/// DeleteUsagePlanKey.
pub async fn delete_usage_plan_key(
    store: &SqliteStore,
    plan_id: &str,
    key_id: &str,
) -> Result<(), ApiError> {
    Ok(store.remove_usage_plan_key(plan_id, key_id).await?)
}

/// DELETE `/usageplans/{id}/keys/{keyId}` → 202.
pub(crate) async fn remove_key(
    store: &SqliteStore,
    plan_id: &str,
    key_id: &str,
) -> Result<Reply, ApiError> {
    delete_usage_plan_key(store, plan_id, key_id).await?;
    Ok(Reply::accepted())
}
