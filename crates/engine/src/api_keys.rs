//! Phase "api key" (after authorization, before throttling): methods with `apiKeyRequired` need
//! a key that exists, is enabled and belongs to a usage plan covering this stage.
//!
//! The key comes from the `x-api-key` header (`apiKeySource: HEADER`) or from the Lambda
//! authorizer's `usageIdentifierKey` (`AUTHORIZER`). Any failure is AWS's 403 `INVALID_API_KEY`
//! `{"message":"Forbidden"}`. Keys, plans and memberships change without a redeploy: the
//! [`KeyTable`] is rebuilt from the store whenever it changes. Key values are looked up by their
//! SHA-256 digest and compared in constant time; they are never logged.

use std::collections::HashMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tollgate_limits::{PlanThrottlePolicy, QuotaLimit, StageThrottlePolicy, ThrottleLimit};
use tollgate_model::{ApiKey, GatewayResponseType, QuotaSettings, Stage, UsagePlan};

/// A plan's quota as the counters take it (`None` for settings the counters refuse, which the
/// management commands do not let through).
pub fn quota_limit(q: &QuotaSettings) -> Option<QuotaLimit> {
    let period = match q.period {
        tollgate_model::QuotaPeriod::Day => tollgate_limits::QuotaPeriod::Day,
        tollgate_model::QuotaPeriod::Week => tollgate_limits::QuotaPeriod::Week,
        tollgate_model::QuotaPeriod::Month => tollgate_limits::QuotaPeriod::Month,
    };
    QuotaLimit::new(q.limit, q.offset, period).ok()
}

use crate::gateway_response::GatewayError;

/// Every API key and usage plan, and each stage's throttles, as the data plane needs them.
#[derive(Debug, Default)]
pub struct KeyTable {
    by_digest: HashMap<[u8; 32], KeyEntry>,
    plans: HashMap<String, Arc<UsagePlan>>,
    /// API id → stage → method settings and the throttles of the plans covering the stage
    /// (nested so that a lookup by `&str` allocates nothing).
    throttles: HashMap<String, HashMap<String, StageThrottlePolicy>>,
}

#[derive(Debug)]
struct KeyEntry {
    id: String,
    value: String,
    enabled: bool,
    /// Plans the key belongs to.
    plans: Vec<Arc<UsagePlan>>,
}

/// A key admitted for a stage, and the plan that governs it there.
#[derive(Debug, Clone)]
pub struct KeyGrant {
    pub key_id: String,
    pub key_value: String,
    pub plan: Arc<UsagePlan>,
    /// The plan's quota, when it has one.
    pub quota: Option<QuotaLimit>,
}

/// The token-bucket limits of a plan or method setting.
fn limit(rate: f64, burst: u32) -> ThrottleLimit {
    ThrottleLimit::new(rate.max(0.0), burst)
}

fn digest(value: &str) -> [u8; 32] {
    Sha256::digest(value.as_bytes()).into()
}

impl KeyTable {
    /// Builds the table from the store's keys, plans and `(plan_id, key_id)` memberships, and the
    /// stages (for their method settings' throttles).
    pub fn new(
        keys: Vec<ApiKey>,
        plans: Vec<UsagePlan>,
        members: &[(String, String)],
        stages: &[(String, Stage)],
    ) -> Self {
        let mut throttles: HashMap<String, HashMap<String, StageThrottlePolicy>> = HashMap::new();
        for (api_id, stage) in stages {
            let mut policy = StageThrottlePolicy::new(api_id.clone(), stage.stage_name.clone());
            for (key, setting) in &stage.method_settings {
                let burst =
                    u32::try_from(setting.throttling_burst_limit.max(0)).unwrap_or(u32::MAX);
                // A malformed key cannot name a method: it throttles nothing.
                let _ = policy.set_method_setting(key, limit(setting.throttling_rate_limit, burst));
            }
            for plan in plans.iter() {
                for s in plan
                    .api_stages
                    .iter()
                    .filter(|s| s.api_id == *api_id && s.stage == stage.stage_name)
                {
                    policy.set_plan(
                        plan.id.clone(),
                        PlanThrottlePolicy {
                            throttle: plan.throttle.map(|t| limit(t.rate_limit, t.burst_limit)),
                            methods: s
                                .throttle
                                .iter()
                                .map(|(m, t)| (m.clone(), limit(t.rate_limit, t.burst_limit)))
                                .collect(),
                        },
                    );
                }
            }
            throttles
                .entry(api_id.clone())
                .or_default()
                .insert(stage.stage_name.clone(), policy);
        }
        let plans: HashMap<String, Arc<UsagePlan>> = plans
            .into_iter()
            .map(|p| (p.id.clone(), Arc::new(p)))
            .collect();
        let by_digest = keys
            .into_iter()
            .map(|k| {
                let key_plans = members
                    .iter()
                    .filter(|(_, key)| *key == k.id)
                    .filter_map(|(plan, _)| plans.get(plan).cloned())
                    .collect();
                let entry = KeyEntry {
                    id: k.id,
                    enabled: k.enabled,
                    plans: key_plans,
                    value: k.value,
                };
                (digest(&entry.value), entry)
            })
            .collect();
        KeyTable {
            by_digest,
            plans,
            throttles,
        }
    }

    /// The throttles of a stage (`None` for a stage the table was not built with).
    pub fn throttles(&self, api_id: &str, stage: &str) -> Option<&StageThrottlePolicy> {
        self.throttles.get(api_id)?.get(stage)
    }

    pub fn plan(&self, id: &str) -> Option<&Arc<UsagePlan>> {
        self.plans.get(id)
    }

    /// The phase's entry point: admits `presented` for stage `stage` of API `api_id`, or answers
    /// 403 `INVALID_API_KEY`.
    pub fn check(
        &self,
        api_id: &str,
        stage: &str,
        presented: Option<&str>,
    ) -> Result<KeyGrant, GatewayError> {
        let forbidden =
            || GatewayError::new(GatewayResponseType::InvalidApiKey).with_message("Forbidden");
        let presented = presented.filter(|k| !k.is_empty()).ok_or_else(forbidden)?;
        let entry = self
            .by_digest
            .get(&digest(presented))
            .ok_or_else(forbidden)?;
        if !bool::from(entry.value.as_bytes().ct_eq(presented.as_bytes())) || !entry.enabled {
            return Err(forbidden());
        }
        let plan = entry
            .plans
            .iter()
            .find(|p| p.covers(api_id, stage))
            .ok_or_else(forbidden)?;
        Ok(KeyGrant {
            key_id: entry.id.clone(),
            key_value: entry.value.clone(),
            quota: plan.quota.and_then(|q| quota_limit(&q)),
            plan: plan.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_model::ApiStage;

    fn key(id: &str, value: &str, enabled: bool) -> ApiKey {
        ApiKey {
            id: id.into(),
            value: value.into(),
            name: id.into(),
            customer_id: None,
            description: None,
            enabled,
            created_date: 0,
            last_updated_date: 0,
            stage_keys: vec![],
            tags: Default::default(),
        }
    }

    #[test]
    fn keys_must_exist_be_enabled_and_be_in_a_plan_for_the_stage() {
        let plan = UsagePlan {
            id: "p1".into(),
            name: "gold".into(),
            description: None,
            api_stages: vec![ApiStage {
                api_id: "api".into(),
                stage: "prod".into(),
                throttle: Default::default(),
            }],
            throttle: None,
            quota: None,
            product_code: None,
            tags: Default::default(),
        };
        let table = KeyTable::new(
            vec![
                key("k1", "value-one-0123456789", true),
                key("k2", "value-two-0123456789", false),
                key("k3", "value-three-012345678", true),
            ],
            vec![plan],
            &[("p1".into(), "k1".into()), ("p1".into(), "k2".into())],
            &[],
        );
        let grant = table
            .check("api", "prod", Some("value-one-0123456789"))
            .unwrap();
        assert_eq!(
            (grant.key_id.as_str(), grant.plan.id.as_str()),
            ("k1", "p1")
        );
        for (stage, presented) in [
            ("prod", None),
            ("prod", Some("")),
            ("prod", Some("nope")),
            ("prod", Some("value-two-0123456789")),
            ("prod", Some("value-three-012345678")),
            ("dev", Some("value-one-0123456789")),
        ] {
            let e = table.check("api", stage, presented).unwrap_err();
            assert_eq!(e.kind, GatewayResponseType::InvalidApiKey);
            assert_eq!(e.message.as_deref(), Some("Forbidden"));
        }
    }
}
