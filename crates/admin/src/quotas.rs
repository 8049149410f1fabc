//! AWS's quotas on what the management API creates, and the fixed limits it checks with them.
//!
//! [`Quotas`] holds the adjustable ones (AWS's defaults unless `tollgate serve --quota NAME=N`
//! says otherwise): the operations that create REST APIs, resources, stages, authorizers,
//! documentation parts, API keys, usage plans (and a key's plans), client certificates, custom
//! domain names and VPC links refuse the one past the quota with 429 `LimitExceededException`,
//! body `{"message": ..., "retryAfterSeconds": null}` and no `Retry-After` header, as AWS
//! answers (recorded: a PutRestApi past the resources quota, 2024). Nothing is created by a
//! refused call. A call that leaves a count where it was, or lowers it, is never refused: an API
//! the CLI or `serve --api` stored past a quota (they are not held to quotas: a user's own files
//! load whatever their size) can still be edited, just not grown, over HTTP.
//!
//! Where the count lives in the API's definition (resources, authorizers, documentation parts),
//! it is taken inside the store transaction that writes, so concurrent calls cannot overshoot.
//! Elsewhere (APIs, stages, keys, plans, certificates, domains, links) it is taken right before
//! the write: two concurrent creates at the quota's edge can both pass, as a cheap check
//! allows for a self-hosted gateway.
//!
//! Messages. Recorded from AWS: `Maximum number of Resources for this API has been reached.
//! Please contact AWS if you need additional Resources.` and the same for `Authorizers` (two
//! spaces after `reached.`); `Maximum number of APIs has been reached.  Please contact AWS if
//! you need additional APIs.` (recorded in 2017, when the quota was not yet per endpoint type
//! and the answer was a 400 `BadRequestException`; the 429 follows AWS's quota table).
//! Unconfirmed, in the same pattern: stages (`Stages`), documentation parts (`Documentation
//! Parts`), API keys, usage plans, a key's usage plans, client certificates, domain names and
//! VPC links. Unconfirmed as well: whether the root resource counts as one of an API's
//! resources (here it does, as GetResources lists it).
//!
//! The fixed limits (AWS does not raise them) are 400 `BadRequestException`s: tags per resource
//! ([`MAX_TAGS`], in `tags`), stage variables per stage ([`MAX_STAGE_VARIABLES`]), the resource
//! policy's length ([`MAX_POLICY_CHARS`]) and a model schema's size ([`MAX_SCHEMA_BYTES`]); their
//! texts are unconfirmed. The authorizer TTL (0 to 3600 s, in `authorizers`; text unconfirmed)
//! and the integration timeout (50 to 29,000 ms, in `methods`; AWS's text `Timeout should be
//! between 50 ms and 29000 ms`) are checked where those are set.

use std::fmt;
use std::str::FromStr;

use tollgate_model::{ApiDefinition, EndpointType};

use crate::ApiError;

/// AWS's limit of tags per resource.
pub const MAX_TAGS: usize = 50;

/// AWS's limit of variables per stage.
pub const MAX_STAGE_VARIABLES: usize = 100;

/// AWS's limit on a REST API's resource policy, in characters.
pub const MAX_POLICY_CHARS: usize = 8_192;

/// AWS's limit on a model's schema (400 KB), in bytes.
pub const MAX_SCHEMA_BYTES: usize = 400 * 1024;

/// One adjustable quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quota {
    RestApisRegional,
    RestApisEdge,
    RestApisPrivate,
    ResourcesPerApi,
    StagesPerApi,
    AuthorizersPerApi,
    DocumentationPartsPerApi,
    ApiKeys,
    UsagePlans,
    UsagePlansPerApiKey,
    ClientCertificates,
    DomainNames,
    VpcLinks,
}

impl Quota {
    /// Every quota, in the order `--quota`'s help and errors list them.
    pub const ALL: [Quota; 13] = [
        Quota::RestApisRegional,
        Quota::RestApisEdge,
        Quota::RestApisPrivate,
        Quota::ResourcesPerApi,
        Quota::StagesPerApi,
        Quota::AuthorizersPerApi,
        Quota::DocumentationPartsPerApi,
        Quota::ApiKeys,
        Quota::UsagePlans,
        Quota::UsagePlansPerApiKey,
        Quota::ClientCertificates,
        Quota::DomainNames,
        Quota::VpcLinks,
    ];

    /// The name `tollgate serve --quota` takes (kebab case).
    pub fn name(self) -> &'static str {
        match self {
            Quota::RestApisRegional => "rest-apis-regional",
            Quota::RestApisEdge => "rest-apis-edge",
            Quota::RestApisPrivate => "rest-apis-private",
            Quota::ResourcesPerApi => "resources-per-api",
            Quota::StagesPerApi => "stages-per-api",
            Quota::AuthorizersPerApi => "authorizers-per-api",
            Quota::DocumentationPartsPerApi => "documentation-parts-per-api",
            Quota::ApiKeys => "api-keys",
            Quota::UsagePlans => "usage-plans",
            Quota::UsagePlansPerApiKey => "usage-plans-per-api-key",
            Quota::ClientCertificates => "client-certificates",
            Quota::DomainNames => "domain-names",
            Quota::VpcLinks => "vpc-links",
        }
    }

    /// The quota called `name` (see [`Quota::name`]).
    pub fn from_name(name: &str) -> Option<Quota> {
        Quota::ALL.into_iter().find(|q| q.name() == name)
    }

    /// The quota on REST APIs of this endpoint type.
    pub fn rest_apis(endpoint: EndpointType) -> Quota {
        match endpoint {
            EndpointType::Regional => Quota::RestApisRegional,
            EndpointType::Edge => Quota::RestApisEdge,
            EndpointType::Private => Quota::RestApisPrivate,
        }
    }

    /// AWS's refusal of one more.
    pub(crate) fn exceeded(self) -> ApiError {
        let (things, per) = match self {
            Quota::RestApisRegional | Quota::RestApisEdge | Quota::RestApisPrivate => ("APIs", ""),
            Quota::ResourcesPerApi => ("Resources", " for this API"),
            Quota::StagesPerApi => ("Stages", " for this API"),
            Quota::AuthorizersPerApi => ("Authorizers", " for this API"),
            Quota::DocumentationPartsPerApi => ("Documentation Parts", " for this API"),
            Quota::ApiKeys => ("API Keys", ""),
            Quota::UsagePlans => ("Usage Plans", ""),
            Quota::UsagePlansPerApiKey => ("Usage Plans", " for this API Key"),
            Quota::ClientCertificates => ("Client Certificates", ""),
            Quota::DomainNames => ("Domain Names", ""),
            Quota::VpcLinks => ("VPC Links", ""),
        };
        ApiError::LimitExceeded(format!(
            "Maximum number of {things}{per} has been reached.  Please contact AWS if you need additional {things}."
        ))
    }
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The quotas the management API enforces over HTTP (see the module documentation); `Default`
/// is AWS's default quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    /// REST APIs with a `REGIONAL` endpoint (AWS: 600).
    pub rest_apis_regional: usize,
    /// REST APIs with an `EDGE` endpoint (AWS: 120).
    pub rest_apis_edge: usize,
    /// REST APIs with a `PRIVATE` endpoint (AWS: 600).
    pub rest_apis_private: usize,
    /// Resources of one API, its root included (AWS: 300).
    pub resources_per_api: usize,
    /// Stages of one API (AWS: 10).
    pub stages_per_api: usize,
    /// Authorizers of one API (AWS: 10).
    pub authorizers_per_api: usize,
    /// Documentation parts of one API (AWS: 2,000).
    pub documentation_parts_per_api: usize,
    /// API keys (AWS: 10,000).
    pub api_keys: usize,
    /// Usage plans (AWS: 300).
    pub usage_plans: usize,
    /// Usage plans one API key is in (AWS: 10).
    pub usage_plans_per_api_key: usize,
    /// Client certificates (AWS: 60).
    pub client_certificates: usize,
    /// Custom domain names (AWS: 120).
    pub domain_names: usize,
    /// VPC links (AWS: 20).
    pub vpc_links: usize,
}

impl Default for Quotas {
    /// AWS's default quotas.
    fn default() -> Quotas {
        Quotas {
            rest_apis_regional: 600,
            rest_apis_edge: 120,
            rest_apis_private: 600,
            resources_per_api: 300,
            stages_per_api: 10,
            authorizers_per_api: 10,
            documentation_parts_per_api: 2_000,
            api_keys: 10_000,
            usage_plans: 300,
            usage_plans_per_api_key: 10,
            client_certificates: 60,
            domain_names: 120,
            vpc_links: 20,
        }
    }
}

impl Quotas {
    pub fn get(&self, quota: Quota) -> usize {
        *self.field(quota)
    }

    pub fn set(&mut self, quota: Quota, value: usize) {
        *self.field_mut(quota) = value;
    }

    fn field(&self, quota: Quota) -> &usize {
        match quota {
            Quota::RestApisRegional => &self.rest_apis_regional,
            Quota::RestApisEdge => &self.rest_apis_edge,
            Quota::RestApisPrivate => &self.rest_apis_private,
            Quota::ResourcesPerApi => &self.resources_per_api,
            Quota::StagesPerApi => &self.stages_per_api,
            Quota::AuthorizersPerApi => &self.authorizers_per_api,
            Quota::DocumentationPartsPerApi => &self.documentation_parts_per_api,
            Quota::ApiKeys => &self.api_keys,
            Quota::UsagePlans => &self.usage_plans,
            Quota::UsagePlansPerApiKey => &self.usage_plans_per_api_key,
            Quota::ClientCertificates => &self.client_certificates,
            Quota::DomainNames => &self.domain_names,
            Quota::VpcLinks => &self.vpc_links,
        }
    }

    fn field_mut(&mut self, quota: Quota) -> &mut usize {
        match quota {
            Quota::RestApisRegional => &mut self.rest_apis_regional,
            Quota::RestApisEdge => &mut self.rest_apis_edge,
            Quota::RestApisPrivate => &mut self.rest_apis_private,
            Quota::ResourcesPerApi => &mut self.resources_per_api,
            Quota::StagesPerApi => &mut self.stages_per_api,
            Quota::AuthorizersPerApi => &mut self.authorizers_per_api,
            Quota::DocumentationPartsPerApi => &mut self.documentation_parts_per_api,
            Quota::ApiKeys => &mut self.api_keys,
            Quota::UsagePlans => &mut self.usage_plans,
            Quota::UsagePlansPerApiKey => &mut self.usage_plans_per_api_key,
            Quota::ClientCertificates => &mut self.client_certificates,
            Quota::DomainNames => &mut self.domain_names,
            Quota::VpcLinks => &mut self.vpc_links,
        }
    }

    /// Refuses a change that takes a count from `before` to `after` past `quota`; a change that
    /// does not raise the count always passes.
    pub(crate) fn allow(&self, quota: Quota, before: usize, after: usize) -> Result<(), ApiError> {
        if after > before && after > self.get(quota) {
            Err(quota.exceeded())
        } else {
            Ok(())
        }
    }

    /// Refuses one more when there are `count` already.
    pub(crate) fn one_more(&self, quota: Quota, count: usize) -> Result<(), ApiError> {
        self.allow(quota, count, count + 1)
    }
}

/// What an API's definition holds of the quotas per API.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ApiCounts {
    resources: usize,
    authorizers: usize,
    documentation_parts: usize,
}

impl ApiCounts {
    pub(crate) fn of(d: &ApiDefinition) -> ApiCounts {
        ApiCounts {
            resources: d.resources.len(),
            authorizers: d.authorizers.len(),
            documentation_parts: d.documentation_parts.len(),
        }
    }

    /// Refuses a definition that grew from `before` past a quota per API (imports: resources
    /// first, then authorizers, then documentation parts).
    pub(crate) fn within(&self, quotas: &Quotas, before: &ApiCounts) -> Result<(), ApiError> {
        quotas.allow(Quota::ResourcesPerApi, before.resources, self.resources)?;
        quotas.allow(
            Quota::AuthorizersPerApi,
            before.authorizers,
            self.authorizers,
        )?;
        quotas.allow(
            Quota::DocumentationPartsPerApi,
            before.documentation_parts,
            self.documentation_parts,
        )
    }
}

/// `NAME=N`, one `tollgate serve --quota`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaSetting {
    pub quota: Quota,
    pub value: usize,
}

/// Why a `--quota` was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuotaSettingError {
    /// Not `NAME=N`.
    Shape(String),
    /// A name no quota has.
    UnknownName(String),
    /// `N` is not a whole number.
    NotANumber { name: String, value: String },
}

impl fmt::Display for QuotaSettingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Quota::ALL.iter().map(|q| q.name()).collect();
        match self {
            QuotaSettingError::Shape(given) => {
                write!(
                    f,
                    "expected NAME=N (e.g. resources-per-api=1000), got `{given}`"
                )
            }
            QuotaSettingError::UnknownName(name) => write!(
                f,
                "unknown quota `{name}`; valid names: {}",
                names.join(", ")
            ),
            QuotaSettingError::NotANumber { name, value } => {
                write!(f, "quota {name}: `{value}` is not a whole number")
            }
        }
    }
}

impl std::error::Error for QuotaSettingError {}

impl FromStr for QuotaSetting {
    type Err = QuotaSettingError;

    fn from_str(s: &str) -> Result<QuotaSetting, QuotaSettingError> {
        let (name, value) = s
            .split_once('=')
            .ok_or_else(|| QuotaSettingError::Shape(s.to_owned()))?;
        let (name, value) = (name.trim(), value.trim());
        let quota = Quota::from_name(name)
            .ok_or_else(|| QuotaSettingError::UnknownName(name.to_owned()))?;
        let value = value.parse().map_err(|_| QuotaSettingError::NotANumber {
            name: name.to_owned(),
            value: value.to_owned(),
        })?;
        Ok(QuotaSetting { quota, value })
    }
}

impl Quotas {
    /// AWS's defaults with `settings` applied in order (a later one wins).
    pub fn with_settings(settings: &[QuotaSetting]) -> Quotas {
        let mut quotas = Quotas::default();
        for s in settings {
            quotas.set(s.quota, s.value);
        }
        quotas
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for q in Quota::ALL {
            assert_eq!(Quota::from_name(q.name()), Some(q));
        }
        assert_eq!(Quota::from_name("resources"), None);
    }

    #[test]
    fn settings() {
        let s: QuotaSetting = "resources-per-api=1000".parse().unwrap();
        assert_eq!((s.quota, s.value), (Quota::ResourcesPerApi, 1000));
        let s: QuotaSetting = " rest-apis-edge = 500 ".parse().unwrap();
        assert_eq!((s.quota, s.value), (Quota::RestApisEdge, 500));
        let e = "resources=3".parse::<QuotaSetting>().unwrap_err();
        assert_eq!(e, QuotaSettingError::UnknownName("resources".into()));
        assert!(e.to_string().starts_with(
            "unknown quota `resources`; valid names: rest-apis-regional, rest-apis-edge, rest-apis-private, resources-per-api,"
        ));
        assert!(e.to_string().ends_with("domain-names, vpc-links"));
        assert_eq!(
            "api-keys".parse::<QuotaSetting>().unwrap_err(),
            QuotaSettingError::Shape("api-keys".into())
        );
        assert_eq!(
            "api-keys=-1"
                .parse::<QuotaSetting>()
                .unwrap_err()
                .to_string(),
            "quota api-keys: `-1` is not a whole number"
        );
        let quotas = Quotas::with_settings(&[
            "stages-per-api=1".parse().unwrap(),
            "stages-per-api=2".parse().unwrap(),
        ]);
        assert_eq!(
            quotas,
            Quotas {
                stages_per_api: 2,
                ..Quotas::default()
            }
        );
    }

    #[test]
    fn growth_past_the_quota_is_refused() {
        let quotas = Quotas {
            resources_per_api: 3,
            ..Quotas::default()
        };
        assert!(quotas.one_more(Quota::ResourcesPerApi, 2).is_ok());
        let refused = quotas.one_more(Quota::ResourcesPerApi, 3).unwrap_err();
        assert_eq!(
            refused,
            ApiError::LimitExceeded(
                "Maximum number of Resources for this API has been reached.  Please contact AWS if you need additional Resources."
                    .into()
            )
        );
        // Past the quota already (stored by the CLI): staying or shrinking passes.
        assert!(quotas.allow(Quota::ResourcesPerApi, 10, 10).is_ok());
        assert!(quotas.allow(Quota::ResourcesPerApi, 10, 9).is_ok());
        assert!(quotas.allow(Quota::ResourcesPerApi, 10, 11).is_err());
        assert_eq!(
            Quota::RestApisEdge.exceeded().message(),
            "Maximum number of APIs has been reached.  Please contact AWS if you need additional APIs."
        );
    }
}
