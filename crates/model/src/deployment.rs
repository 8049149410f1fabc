//! Deployments (immutable snapshots of an API) and stages (named pointers to a deployment).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub created_date: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessLogSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination_arn: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CanarySettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deployment_id: Option<String>,
    #[serde(default)]
    pub percent_traffic: f64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stage_variable_overrides: BTreeMap<String, String>,
    #[serde(default)]
    pub use_stage_cache: bool,
}

impl CanarySettings {
    /// A canary on `deployment_id` with AWS's defaults: no traffic, no overrides, its own cache.
    pub fn on(deployment_id: impl Into<String>) -> Self {
        CanarySettings {
            deployment_id: Some(deployment_id.into()),
            percent_traffic: 0.0,
            stage_variable_overrides: BTreeMap::new(),
            use_stage_cache: false,
        }
    }
}

/// The cache capacities AWS offers, in GB (`Stage.cacheClusterSize`).
pub const CACHE_CLUSTER_SIZES: [&str; 8] =
    ["0.5", "1.6", "6.1", "13.5", "28.4", "58.2", "118", "237"];

/// Per-method stage settings, keyed in [`Stage::method_settings`] by `*/*` or
/// `{resourcePath without leading /}/{VERB}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodSetting {
    pub metrics_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logging_level: Option<String>,
    pub data_trace_enabled: bool,
    pub throttling_burst_limit: i64,
    pub throttling_rate_limit: f64,
    pub caching_enabled: bool,
    pub cache_ttl_in_seconds: i64,
    pub cache_data_encrypted: bool,
    pub require_authorization_for_cache_control: bool,
    pub unauthorized_cache_control_header_strategy: String,
}

impl Default for MethodSetting {
    /// The object AWS creates on the first write to a key.
    fn default() -> Self {
        MethodSetting {
            metrics_enabled: false,
            logging_level: None,
            data_trace_enabled: false,
            throttling_burst_limit: 5000,
            throttling_rate_limit: 10000.0,
            caching_enabled: false,
            cache_ttl_in_seconds: 300,
            cache_data_encrypted: false,
            require_authorization_for_cache_control: true,
            unauthorized_cache_control_header_strategy: "SUCCEED_WITH_RESPONSE_HEADER".to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stage {
    pub stage_name: String,
    pub deployment_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_certificate_id: Option<String>,
    #[serde(default)]
    pub cache_cluster_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_cluster_size: Option<String>,
    #[serde(default = "Stage::not_available")]
    pub cache_cluster_status: String,
    #[serde(default)]
    pub method_settings: BTreeMap<String, MethodSetting>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log_settings: Option<AccessLogSettings>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_settings: Option<CanarySettings>,
    #[serde(default)]
    pub tracing_enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_acl_arn: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    pub created_date: i64,
    pub last_updated_date: i64,
}

impl Stage {
    fn not_available() -> String {
        "NOT_AVAILABLE".to_owned()
    }

    /// Turns the stage's cache cluster on or off. On, the size defaults to AWS's `0.5` and the
    /// status reads `AVAILABLE` at once (AWS passes through `CREATE_IN_PROGRESS`; tools such as
    /// Terraform wait for `AVAILABLE`); off, the status is `NOT_AVAILABLE` and the size is kept.
    pub fn set_cache_cluster_enabled(&mut self, enabled: bool) {
        self.cache_cluster_enabled = enabled;
        if enabled {
            self.cache_cluster_size
                .get_or_insert_with(|| CACHE_CLUSTER_SIZES[0].to_owned());
            self.cache_cluster_status = "AVAILABLE".to_owned();
        } else {
            self.cache_cluster_status = Self::not_available();
        }
    }

    /// A new stage with AWS's CreateStage defaults.
    pub fn new(stage_name: impl Into<String>, deployment_id: impl Into<String>) -> Self {
        let now = crate::now_epoch_seconds();
        Stage {
            stage_name: stage_name.into(),
            deployment_id: deployment_id.into(),
            description: None,
            client_certificate_id: None,
            cache_cluster_enabled: false,
            cache_cluster_size: None,
            cache_cluster_status: Self::not_available(),
            method_settings: BTreeMap::new(),
            variables: BTreeMap::new(),
            documentation_version: None,
            access_log_settings: None,
            canary_settings: None,
            tracing_enabled: false,
            web_acl_arn: None,
            tags: BTreeMap::new(),
            created_date: now,
            last_updated_date: now,
        }
    }
}

/// Stage names are `[A-Za-z0-9_-]`, 1 to 128 characters.
pub fn valid_stage_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_stage_reads_like_aws() {
        let s = Stage::new("dev", "abc123");
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["cacheClusterEnabled"], false);
        assert_eq!(v["cacheClusterStatus"], "NOT_AVAILABLE");
        assert_eq!(v["methodSettings"], serde_json::json!({}));
        assert_eq!(v["tracingEnabled"], false);
        assert!(v.get("variables").is_none());
    }

    #[test]
    fn cache_cluster_switch() {
        let mut s = Stage::new("dev", "abc123");
        s.set_cache_cluster_enabled(true);
        assert_eq!(s.cache_cluster_size.as_deref(), Some("0.5"));
        assert_eq!(s.cache_cluster_status, "AVAILABLE");
        s.cache_cluster_size = Some("6.1".to_owned());
        s.set_cache_cluster_enabled(false);
        assert_eq!(s.cache_cluster_status, "NOT_AVAILABLE");
        assert_eq!(s.cache_cluster_size.as_deref(), Some("6.1"));
    }

    #[test]
    fn a_new_canary_reads_like_aws() {
        let v = serde_json::to_value(CanarySettings::on("d1")).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"deploymentId": "d1", "percentTraffic": 0.0, "useStageCache": false})
        );
    }

    #[test]
    fn stage_names() {
        assert!(valid_stage_name("prod_v-2"));
        assert!(!valid_stage_name(""));
        assert!(!valid_stage_name("a/b"));
        assert!(!valid_stage_name(&"a".repeat(129)));
    }
}
