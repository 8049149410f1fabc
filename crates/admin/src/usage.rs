//! GetUsage: a plan's per-day `[used, remaining]` per key, from the stored usage (shared by
//! `GET /usageplans/{id}/usage` and `tollgate usage`).

use std::collections::BTreeMap;

use http::StatusCode;
use tollgate_limits::{KeyUsage, format_date, get_usage, parse_date, usage_history_start};
use tollgate_store::{SqliteStore, Store};

use crate::{ApiError, Call, Reply};

/// AWS's GetUsage body for plan `plan_id` (one key, or all of the plan's) over `start..=end`
/// (`YYYY-MM-DD`).
pub async fn report(
    store: &SqliteStore,
    plan_id: &str,
    key: Option<&str>,
    start: &str,
    end: &str,
) -> Result<serde_json::Value, ApiError> {
    let plan = store.get_usage_plan(plan_id).await?;
    let start = parse_date(start).map_err(|e| ApiError::bad(e.to_string()))?;
    let end = parse_date(end).map_err(|e| ApiError::bad(e.to_string()))?;
    let quota = plan
        .quota
        .as_ref()
        .and_then(tollgate_engine::api_keys::quota_limit);
    // Remaining counts need the whole quota window that `start` falls in.
    let history = usage_history_start(quota.as_ref(), start);
    let records = store
        .usage(&plan.id, key, &format_date(history), &format_date(end))
        .await?;
    let members = store.all_usage_plan_keys().await?;
    let mut keys: BTreeMap<String, KeyUsage> = BTreeMap::new();
    for (_, member) in members.iter().filter(|(p, _)| *p == plan.id) {
        if key.is_none_or(|k| k == member) {
            keys.entry(member.clone()).or_default();
        }
    }
    for r in records {
        let day =
            parse_date(&r.day).map_err(|e| ApiError::Internal(format!("stored usage: {e}")))?;
        *keys
            .entry(r.key_id.clone())
            .or_default()
            .daily
            .entry(day)
            .or_default() += r.used;
    }
    get_usage(&plan.id, quota.as_ref(), start, end, &keys).map_err(|e| ApiError::bad(e.to_string()))
}

/// GET `/usageplans/{id}/usage?startDate=&endDate=[&keyId=]`.
pub(crate) async fn get(store: &SqliteStore, call: &Call<'_>, id: &str) -> Result<Reply, ApiError> {
    let (Some(start), Some(end)) = (call.param("startDate"), call.param("endDate")) else {
        return Err(ApiError::bad("startDate and endDate are required"));
    };
    let key = call.param("keyId");
    let body = report(store, id, key.as_deref(), &start, &end).await?;
    Ok(Reply::json(StatusCode::OK, &body))
}
