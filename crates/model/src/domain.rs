//! Custom domain names and their base path mappings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::rest_api::EndpointConfiguration;

/// A custom domain name requests can arrive on instead of `{apiId}.execute-api.{region}...`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainName {
    pub domain_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regional_certificate_arn: Option<String>,
    #[serde(default)]
    pub endpoint_configuration: EndpointConfiguration,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_policy: Option<String>,
    #[serde(default = "DomainName::available")]
    pub domain_name_status: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

impl DomainName {
    fn available() -> String {
        "AVAILABLE".to_owned()
    }

    pub fn new(domain_name: impl Into<String>) -> Self {
        DomainName {
            domain_name: domain_name.into().to_ascii_lowercase(),
            certificate_arn: None,
            regional_certificate_arn: None,
            endpoint_configuration: EndpointConfiguration::default(),
            security_policy: None,
            domain_name_status: Self::available(),
            tags: BTreeMap::new(),
        }
    }
}

/// A domain name is a DNS name: labels of `[a-z0-9-]` (a `*.` wildcard prefix allowed), 1 to 253
/// characters.
pub fn valid_domain_name(name: &str) -> bool {
    let name = name.strip_prefix("*.").unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// Maps `https://{domain}/{basePath}/...` to a stage of an API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BasePathMapping {
    /// One path segment, or `(none)` for the domain's root.
    pub base_path: String,
    pub rest_api_id: String,
    /// The stage; when absent the first path segment after the base path names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
}

impl BasePathMapping {
    /// AWS's spelling of the empty base path.
    pub const NONE: &'static str = "(none)";

    /// Normalises a base path as given by a user (`""`, `/`, `(none)` → `(none)`; leading and
    /// trailing slashes dropped). `None` when it is not a single valid segment.
    pub fn normalize_base_path(given: &str) -> Option<String> {
        let trimmed = given.trim_matches('/');
        if trimmed.is_empty() || trimmed == Self::NONE {
            return Some(Self::NONE.to_owned());
        }
        trimmed
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
            .then(|| trimmed.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_names() {
        assert!(valid_domain_name("api.example.com"));
        assert!(valid_domain_name("*.example.com"));
        assert!(!valid_domain_name("exa mple.com"));
        assert!(!valid_domain_name("-a.com"));
        assert!(!valid_domain_name(""));
    }

    #[test]
    fn base_paths() {
        assert_eq!(
            BasePathMapping::normalize_base_path("").as_deref(),
            Some("(none)")
        );
        assert_eq!(
            BasePathMapping::normalize_base_path("/v1/").as_deref(),
            Some("v1")
        );
        assert_eq!(BasePathMapping::normalize_base_path("a/b"), None);
        let m = BasePathMapping {
            base_path: "v1".into(),
            rest_api_id: "abc".into(),
            stage: Some("prod".into()),
        };
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"basePath":"v1","restApiId":"abc","stage":"prod"}"#
        );
    }
}
