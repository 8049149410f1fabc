//! API keys and usage plans: who may call, how fast and how much (AWS's `ApiKey`, `UsagePlan`,
//! `UsagePlanKey` shapes).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An API key. `value` is secret: AWS returns it only on creation or with `includeValue(s)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    pub id: String,
    pub value: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub enabled: bool,
    pub created_date: i64,
    pub last_updated_date: i64,
    /// Legacy `"{apiId}/{stage}"` associations.
    #[serde(default)]
    pub stage_keys: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

impl ApiKey {
    /// AWS's bounds on a key value: 20 to 128 characters.
    pub fn valid_value(value: &str) -> bool {
        (20..=128).contains(&value.chars().count()) && !value.chars().any(char::is_control)
    }

    /// A new random value: 40 characters of `[A-Za-z0-9]`, as AWS generates them.
    pub fn generate_value() -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        (0..40)
            .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
            .collect()
    }

    /// This key as AWS lists it without `includeValues`: the value left out.
    pub fn without_value(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("value");
        }
        v
    }
}

/// Requests per second and burst of a token bucket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleSettings {
    pub burst_limit: u32,
    pub rate_limit: f64,
}

/// The period a quota counts requests over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum QuotaPeriod {
    Day,
    Week,
    Month,
}

impl QuotaPeriod {
    pub fn parse(s: &str) -> Option<QuotaPeriod> {
        match s.to_ascii_uppercase().as_str() {
            "DAY" => Some(QuotaPeriod::Day),
            "WEEK" => Some(QuotaPeriod::Week),
            "MONTH" => Some(QuotaPeriod::Month),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QuotaPeriod::Day => "DAY",
            QuotaPeriod::Week => "WEEK",
            QuotaPeriod::Month => "MONTH",
        }
    }
}

/// Requests allowed per period, per API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuotaSettings {
    pub limit: u64,
    #[serde(default)]
    pub offset: u32,
    pub period: QuotaPeriod,
}

/// A stage a usage plan covers, with optional per-method throttles keyed `"{resourcePath}/{METHOD}"`
/// (`/pets/GET`; the root is `//GET`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiStage {
    pub api_id: String,
    pub stage: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub throttle: BTreeMap<String, ThrottleSettings>,
}

/// A usage plan: stages, a throttle and a quota applied per API key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsagePlan {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub api_stages: Vec<ApiStage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttle: Option<ThrottleSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<QuotaSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_code: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

impl UsagePlan {
    pub fn covers(&self, api_id: &str, stage: &str) -> bool {
        self.api_stages
            .iter()
            .any(|s| s.api_id == api_id && s.stage == stage)
    }
}

/// A key's membership in a plan, as AWS's `UsagePlanKey` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UsagePlanKey {
    pub id: String,
    #[serde(rename = "type")]
    pub key_type: String,
    pub value: String,
    pub name: String,
}

/// Requests one key made under one plan on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageRecord {
    pub plan_id: String,
    pub key_id: String,
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub used: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_are_awss() {
        let plan: UsagePlan = serde_json::from_str(
            r#"{"id":"cqdia0","name":"gold","apiStages":[{"apiId":"abcdef1234","stage":"prod",
                "throttle":{"/pets/GET":{"burstLimit":1,"rateLimit":0.5}}}],
                "throttle":{"burstLimit":10,"rateLimit":5.0},
                "quota":{"limit":1000,"offset":0,"period":"DAY"}}"#,
        )
        .unwrap();
        assert!(plan.covers("abcdef1234", "prod"));
        assert_eq!(plan.quota.unwrap().period, QuotaPeriod::Day);
        assert_eq!(plan.api_stages[0].throttle["/pets/GET"].rate_limit, 0.5);
        let v = serde_json::to_value(&plan).unwrap();
        assert_eq!(v["throttle"]["burstLimit"], 10);
        assert!(v.get("description").is_none());
        let value = ApiKey::generate_value();
        assert!(ApiKey::valid_value(&value));
        assert!(!ApiKey::valid_value("short"));
    }
}

/// The account's settings the management API stores (GetAccount / UpdateAccount); its throttle
/// is the serving process's, not stored.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloudwatch_role_arn: Option<String>,
    #[serde(default)]
    pub features: Vec<String>,
}
