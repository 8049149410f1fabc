//! Custom domain names and their base path mappings.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::rest_api::{EndpointConfiguration, EndpointType};

/// AWS's default (and Tollgate's only) routing mode: requests are routed by base path mappings.
pub const BASE_PATH_MAPPING_ONLY: &str = "BASE_PATH_MAPPING_ONLY";

/// Route 53's hosted zone of every CloudFront distribution (AWS's constant).
const DISTRIBUTION_HOSTED_ZONE_ID: &str = "Z2FDTNDATAQYW2";

/// Route 53's hosted zone of `execute-api` in [`crate::REGION`] (us-east-1).
const REGIONAL_HOSTED_ZONE_ID: &str = "Z1UJRXOUMOOFQ8";

/// A custom domain name requests can arrive on instead of `{apiId}.execute-api.{region}...`.
///
/// The fields AWS computes are computed for a local gateway by [`DomainName::refresh_endpoints`]:
/// Tollgate has no CloudFront and no per-domain regional endpoint, both are the gateway's own data
/// plane listener, so `distributionDomainName` (edge-optimized) and `regionalDomainName`
/// (regional) are the same stable name `d-{hash}.execute-api.localhost` (a loopback name, like
/// Tollgate's invoke URLs), with AWS's hosted zone ids. Requests reach a domain's mappings by
/// their `Host` header, whatever address they were sent to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainName {
    pub domain_name: String,
    /// Private domain names only: the id that tells apart private domains of one name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_name_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_name_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_arn: Option<String>,
    /// Epoch seconds; set when a certificate is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_upload_date: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regional_certificate_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regional_certificate_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution_domain_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution_hosted_zone_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regional_domain_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regional_hosted_zone_id: Option<String>,
    #[serde(default)]
    pub endpoint_configuration: EndpointConfiguration,
    #[serde(default = "DomainName::available")]
    pub domain_name_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_policy: Option<String>,
    /// Stored and shown; Tollgate's TLS listener does not ask clients for certificates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutual_tls_authentication: Option<MutualTlsAuthentication>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ownership_verification_certificate_arn: Option<String>,
    /// A private domain's resource policy, as JSON text (stored, not enforced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default = "DomainName::base_path_mapping_only")]
    pub routing_mode: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// A domain's mutual TLS truststore (`s3://bucket/key` and its object version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MutualTlsAuthentication {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truststore_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truststore_version: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub truststore_warnings: Vec<String>,
}

impl DomainName {
    fn available() -> String {
        "AVAILABLE".to_owned()
    }

    fn base_path_mapping_only() -> String {
        BASE_PATH_MAPPING_ONLY.to_owned()
    }

    /// A new edge-optimized domain with AWS's defaults (`TLS_1_2`, `AVAILABLE`,
    /// `BASE_PATH_MAPPING_ONLY`) and its computed names. The name is lower-cased: DNS names are
    /// case-insensitive and the data plane matches `Host` headers lower-cased.
    pub fn new(domain_name: impl Into<String>) -> Self {
        let mut domain = DomainName {
            domain_name: domain_name.into().to_ascii_lowercase(),
            domain_name_id: None,
            domain_name_arn: None,
            certificate_name: None,
            certificate_arn: None,
            certificate_upload_date: None,
            regional_certificate_name: None,
            regional_certificate_arn: None,
            distribution_domain_name: None,
            distribution_hosted_zone_id: None,
            regional_domain_name: None,
            regional_hosted_zone_id: None,
            endpoint_configuration: EndpointConfiguration::default(),
            domain_name_status: Self::available(),
            security_policy: Some("TLS_1_2".to_owned()),
            mutual_tls_authentication: None,
            ownership_verification_certificate_arn: None,
            policy: None,
            routing_mode: Self::base_path_mapping_only(),
            tags: BTreeMap::new(),
        };
        domain.refresh_endpoints();
        domain
    }

    /// True for a private custom domain name (endpoint type `PRIVATE`).
    pub fn is_private(&self) -> bool {
        self.endpoint_configuration
            .types
            .contains(&EndpointType::Private)
    }

    /// Recomputes what AWS computes from the endpoint types: the ARN (a private domain's carries
    /// the account and `+{domainNameId}`), `distributionDomainName`/`distributionHostedZoneId`
    /// while the domain is edge-optimized, `regionalDomainName`/`regionalHostedZoneId` while it
    /// is regional (both during a migration between the two). Idempotent.
    pub fn refresh_endpoints(&mut self) {
        let target = format!("d-{}.execute-api.localhost", name_hash(&self.domain_name));
        let types = &self.endpoint_configuration.types;
        let edge = types.contains(&EndpointType::Edge);
        let regional = types.contains(&EndpointType::Regional);
        self.distribution_domain_name = edge.then(|| target.clone());
        self.distribution_hosted_zone_id = edge.then(|| DISTRIBUTION_HOSTED_ZONE_ID.to_owned());
        self.regional_domain_name = regional.then(|| target.clone());
        self.regional_hosted_zone_id = regional.then(|| REGIONAL_HOSTED_ZONE_ID.to_owned());
        if self.is_private() {
            let id = self
                .domain_name_id
                .get_or_insert_with(|| name_hash(&self.domain_name)[..8].to_owned());
            self.domain_name_arn = Some(format!(
                "arn:aws:apigateway:{}:{}:/domainnames/{}+{id}",
                crate::REGION,
                crate::ACCOUNT_ID,
                self.domain_name
            ));
        } else {
            self.domain_name_id = None;
            self.domain_name_arn = Some(format!(
                "arn:aws:apigateway:{}::/domainnames/{}",
                crate::REGION,
                self.domain_name
            ));
        }
    }
}

/// Ten `[a-z0-9]` derived from a domain name (FNV-1a), so that the computed names of a domain
/// stay the same across restarts and re-creations.
fn name_hash(name: &str) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (0..10)
        .map(|_| {
            let c = ALPHABET[(h % 36) as usize] as char;
            h /= 36;
            c
        })
        .collect()
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
    fn computed_names_follow_the_endpoint_types() {
        let mut d = DomainName::new("API.Example.test");
        assert_eq!(d.domain_name, "api.example.test");
        let target = d.distribution_domain_name.clone().expect("edge by default");
        assert!(target.starts_with("d-") && target.ends_with(".execute-api.localhost"));
        assert_eq!(target.len(), "d-.execute-api.localhost".len() + 10);
        assert_eq!(
            d.distribution_hosted_zone_id.as_deref(),
            Some("Z2FDTNDATAQYW2")
        );
        assert_eq!(d.regional_domain_name, None);
        assert_eq!(
            d.domain_name_arn.as_deref(),
            Some("arn:aws:apigateway:us-east-1::/domainnames/api.example.test")
        );
        d.endpoint_configuration.types = vec![EndpointType::Edge, EndpointType::Regional];
        d.refresh_endpoints();
        assert_eq!(d.regional_domain_name.as_deref(), Some(target.as_str()));
        assert_eq!(d.regional_hosted_zone_id.as_deref(), Some("Z1UJRXOUMOOFQ8"));
        d.endpoint_configuration.types = vec![EndpointType::Regional];
        d.refresh_endpoints();
        assert_eq!(d.distribution_domain_name, None);
        assert_eq!(
            DomainName::new("api.example.test").distribution_domain_name,
            Some(target)
        );
        d.endpoint_configuration.types = vec![EndpointType::Private];
        d.refresh_endpoints();
        let id = d
            .domain_name_id
            .clone()
            .expect("private domains have an id");
        assert_eq!(
            d.domain_name_arn,
            Some(format!(
                "arn:aws:apigateway:us-east-1:000000000000:/domainnames/api.example.test+{id}"
            ))
        );
        assert_eq!(
            (d.distribution_domain_name, d.regional_domain_name),
            (None, None)
        );
    }

    #[test]
    fn domains_stored_before_the_computed_fields_still_read() {
        let d: DomainName = serde_json::from_str(
            r#"{"domainName":"old.example.test","endpointConfiguration":{"types":["EDGE"]},"domainNameStatus":"AVAILABLE"}"#,
        )
        .unwrap();
        assert_eq!(d.routing_mode, "BASE_PATH_MAPPING_ONLY");
        assert_eq!(d.distribution_domain_name, None);
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
