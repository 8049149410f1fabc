//! Metering: admitted requests per usage plan, key and day go to the store in batches, and the
//! quota counters start from what is stored (so a restart does not reset quotas).

use tollgate_engine::Gateway;
use tollgate_engine::api_keys::quota_limit;
use tollgate_limits::{UsageRecord, UsageSink, format_date, utc_date};
use tollgate_store::{SqliteStore, Store};

/// Persists usage batches with [`Store::record_usage`] (one transaction per batch).
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

/// Adds the stored usage of each key's current quota window to the quota counters.
pub async fn seed_quotas(store: &SqliteStore, gateway: &Gateway) -> anyhow::Result<()> {
    let limits = gateway.limits();
    let now = limits.counters.now();
    let members = store.all_usage_plan_keys().await?;
    for plan in store.list_usage_plans().await? {
        let Some(quota) = plan.quota.as_ref().and_then(quota_limit) else {
            continue;
        };
        let window = quota.window_at(now);
        let (from, to) = (format_date(window.start), format_date(utc_date(now)));
        for (_, key) in members.iter().filter(|(p, _)| *p == plan.id) {
            let used: u64 = store
                .usage(&plan.id, Some(key), &from, &to)
                .await?
                .iter()
                .map(|r| r.used)
                .sum();
            if used > 0 {
                limits
                    .counters
                    .quotas()
                    .add_used(&plan.id, key, &quota, used, now);
            }
        }
    }
    Ok(())
}
