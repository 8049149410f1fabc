//! GetUsage: a plan's per-day `[used, remaining]` per key, from the stored usage (shared by
//! `GET /usageplans/{id}/usage` and `tollgate usage`), and UpdateUsage, which extends (or cuts) a
//! key's remaining quota for the current quota window.
//!
//! Unconfirmed against AWS: UpdateUsage's answer (here: the key's usage from the start of the
//! current window to today), its 404 text for a key outside the plan (here GetUsagePlanKey's) and
//! its 400 text for a plan without a quota.

use std::collections::BTreeMap;

use http::StatusCode;
use tollgate_engine::Gateway;
use tollgate_limits::{
    KeyUsage, QuotaCredit, UsageRecord, UsageSink, format_date, get_usage, parse_date,
    usage_history_start, utc_date,
};
use tollgate_store::{SqliteStore, Store, UsageCredit};

use crate::patch::PatchBody;
use crate::{ApiError, Call, Reply};

/// Persists metering batches with [`Store::record_usage`] (one transaction per batch).
pub struct StoreSink(pub SqliteStore);

impl UsageSink for StoreSink {
    async fn persist(&self, records: Vec<UsageRecord>) -> Result<(), String> {
        let records: Vec<tollgate_model::UsageRecord> = records
            .into_iter()
            .map(|r| tollgate_model::UsageRecord {
                plan_id: r.plan_id,
                key_id: r.key_id,
                day: r.day,
                used: r.count,
            })
            .collect();
        self.0
            .record_usage(&records)
            .await
            .map_err(|e| e.to_string())
    }
}

/// Writes the requests `gateway` has counted but not yet flushed, so that what follows reads
/// every admitted request from the store.
async fn flush(store: &SqliteStore, gateway: Option<&Gateway>) -> Result<(), ApiError> {
    if let Some(gateway) = gateway {
        gateway
            .limits()
            .usage
            .flush(&StoreSink(store.clone()))
            .await
            .map_err(|e| ApiError::Internal(format!("flushing metered usage: {e}")))?;
    }
    Ok(())
}

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
    for credit in store.usage_credits().await? {
        if credit.plan_id != plan.id {
            continue;
        }
        if let Some(usage) = keys.get_mut(&credit.key_id) {
            let since = parse_date(&credit.since)
                .map_err(|e| ApiError::Internal(format!("stored quota extension: {e}")))?;
            usage.credit = Some(QuotaCredit {
                since,
                credit: credit.credit,
            });
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
pub(crate) async fn get(
    store: &SqliteStore,
    gateway: Option<&Gateway>,
    call: &Call<'_>,
    id: &str,
) -> Result<Reply, ApiError> {
    let (Some(start), Some(end)) = (call.param("startDate"), call.param("endDate")) else {
        return Err(ApiError::bad("startDate and endDate are required"));
    };
    flush(store, gateway).await?;
    let key = call.param("keyId");
    let body = report(store, id, key.as_deref(), &start, &end).await?;
    Ok(Reply::json(StatusCode::OK, &body))
}

/// PATCH `/usageplans/{id}/keys/{keyId}/usage` with `replace /remaining`: from now to the end of
/// the current quota window, the key has that many requests left. Stored (so a restart keeps it)
/// and, when the management API runs beside the data plane, applied to its live counters at once.
pub(crate) async fn update(
    store: &SqliteStore,
    gateway: Option<&Gateway>,
    call: &Call<'_>,
    plan_id: &str,
    key_id: &str,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateUsageInput")?;
    let plan = store.get_usage_plan(plan_id).await?;
    let members = store.all_usage_plan_keys().await?;
    if !members.iter().any(|(p, k)| *p == plan.id && k == key_id) {
        return Err(ApiError::NotFound(
            "Invalid Usage Plan Key identifier specified".into(),
        ));
    }
    let Some(quota) = plan
        .quota
        .as_ref()
        .and_then(tollgate_engine::api_keys::quota_limit)
    else {
        return Err(ApiError::bad(format!(
            "Usage plan {} does not have a quota",
            plan.id
        )));
    };
    let mut remaining = None;
    for op in &body.patch_operations {
        match op.path.as_str() {
            "/remaining" => {
                op.require("replace")?;
                remaining = Some(op.number::<u64>()?);
            }
            _ => return Err(op.invalid_path()),
        }
    }
    let now = gateway.map_or_else(time::OffsetDateTime::now_utc, |g| g.limits().counters.now());
    let today = utc_date(now);
    let window = quota.window(today);
    if let Some(remaining) = remaining {
        flush(store, gateway).await?;
        let used: u64 = store
            .usage(
                &plan.id,
                Some(key_id),
                &format_date(window.start),
                &format_date(today),
            )
            .await?
            .iter()
            .map(|r| r.used)
            .sum();
        let credit = QuotaCredit::to_reach(today, &quota, used, remaining);
        store
            .set_usage_credit(&UsageCredit {
                plan_id: plan.id.clone(),
                key_id: key_id.to_owned(),
                since: format_date(today),
                credit: credit.credit,
            })
            .await?;
        if let Some(gateway) = gateway {
            gateway
                .limits()
                .counters
                .quotas()
                .set_remaining(&plan.id, key_id, &quota, remaining, now);
        }
    }
    let body = report(
        store,
        &plan.id,
        Some(key_id),
        &format_date(window.start),
        &format_date(today),
    )
    .await?;
    Ok(Reply::json(StatusCode::OK, &body))
}
