//! Metering: admitted requests per usage plan, key and day go to the store in batches, and the
//! quota counters start from what is stored (so a restart does not reset quotas).

use tollgate_engine::Gateway;
use tollgate_engine::api_keys::quota_limit;
use tollgate_limits::{QuotaCredit, format_date, parse_date, utc_date};
use tollgate_store::{SqliteStore, Store};

/// Adds the stored usage of each key's current quota window to the quota counters, and applies
/// the UpdateUsage extensions made in that window.
pub async fn seed_quotas(store: &SqliteStore, gateway: &Gateway) -> anyhow::Result<()> {
    let limits = gateway.limits();
    let now = limits.counters.now();
    let today = utc_date(now);
    let members = store.all_usage_plan_keys().await?;
    let credits = store.usage_credits().await?;
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
            let credit = credits
                .iter()
                .find(|c| c.plan_id == plan.id && c.key_id == *key)
                .and_then(|c| {
                    Some(QuotaCredit {
                        since: parse_date(&c.since).ok()?,
                        credit: c.credit,
                    })
                });
            let credit = QuotaCredit::on(credit, &quota, today);
            if credit != 0 {
                let left = i128::from(quota.limit()) - i128::from(used) + i128::from(credit);
                let left = u64::try_from(left.max(0)).unwrap_or(u64::MAX);
                limits
                    .counters
                    .quotas()
                    .set_remaining(&plan.id, key, &quota, left, now);
            } else if used > 0 {
                limits
                    .counters
                    .quotas()
                    .add_used(&plan.id, key, &quota, used, now);
            }
        }
    }
    Ok(())
}
