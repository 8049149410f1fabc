//! Where API definitions, deployments and stages live.
//!
//! [`Store`] is the narrow interface the rest of Tollgate uses; [`SqliteStore`] is the embedded
//! implementation (a real SQLite file, WAL mode, versioned migrations). A cluster implementation
//! (PostgreSQL) will sit behind the same trait. The data plane never calls the store per request:
//! it compiles what the store holds and watches [`Store::revision`] for changes.

mod migrations;
mod sqlite;

use std::collections::BTreeMap;

use std::sync::Arc;

use async_trait::async_trait;
use tollgate_model::{
    AccountSettings, ApiDefinition, ApiKey, BasePathMapping, CanarySettings, ClientCertificate,
    Deployment, DocumentationPart, DocumentationVersion, DomainName, FunctionDefinition, RestApi,
    Stage, UsagePlan, UsageRecord, VpcLink,
};

pub use sqlite::SqliteStore;

/// Why a store operation failed. The `Display` texts of the not-found variants are AWS's.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("Invalid API identifier specified {account}:{0}", account = tollgate_model::ACCOUNT_ID)]
    ApiNotFound(String),
    #[error("Invalid Stage identifier specified")]
    StageNotFound { api_id: String, stage: String },
    #[error("Invalid Deployment identifier specified")]
    DeploymentNotFound {
        api_id: String,
        deployment_id: String,
    },
    /// The text of AWS's GetDocumentationVersion as tools match it (the serverless documentation
    /// plugin); not recorded from AWS itself.
    #[error("Invalid Documentation version specified")]
    DocumentationVersionNotFound { api_id: String, version: String },
    #[error("Invalid domain name identifier specified")]
    DomainNotFound(String),
    #[error("Invalid base path mapping identifier specified")]
    BasePathMappingNotFound { domain: String, base_path: String },
    #[error("Invalid API Key identifier specified")]
    ApiKeyNotFound(String),
    #[error("Invalid Usage Plan ID specified")]
    UsagePlanNotFound(String),
    #[error("Invalid Usage Plan Key identifier specified")]
    UsagePlanKeyNotFound { plan_id: String, key_id: String },
    #[error("Invalid Client Certificate identifier specified")]
    ClientCertificateNotFound(String),
    #[error("Invalid Vpc Link identifier specified")]
    VpcLinkNotFound(String),
    /// Lambda's text for an unknown function.
    #[error("Function not found: arn:aws:lambda:us-east-1:{account}:function:{0}", account = tollgate_model::ACCOUNT_ID)]
    FunctionNotFound(String),
    /// Something else that does not exist, with AWS's text (`Invalid Resource identifier
    /// specified`, ...).
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("storage error: {0}")]
    Backend(String),
}

/// UpdateUsage's extension of one key's quota for one quota window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageCredit {
    pub plan_id: String,
    pub key_id: String,
    /// The day (`YYYY-MM-DD`) it was set; it lasts to the end of that day's quota window.
    pub since: String,
    /// Added to `limit - used`; negative when the remaining count was lowered.
    pub credit: i64,
}

/// What `deploy` snapshots and where it points.
#[derive(Debug, Clone, Default)]
pub struct DeployRequest {
    pub stage_name: String,
    pub description: Option<String>,
    pub stage_description: Option<String>,
    /// Variables to set on the stage (merged over the existing ones when the stage exists).
    pub variables: BTreeMap<String, String>,
    /// Makes the new deployment the stage's canary (AWS's canary release deployment) instead of
    /// pointing the stage at it: the stage must exist, and these settings replace its canary's,
    /// with `deployment_id` set to the new deployment (whatever was given).
    pub canary: Option<CanarySettings>,
    /// Cache and tracing settings for the stage, when given.
    pub cache_cluster_enabled: Option<bool>,
    pub cache_cluster_size: Option<String>,
    pub tracing_enabled: Option<bool>,
}

/// The persistent state of one Tollgate (or of a cluster).
///
/// Every method that changes more than one row does it in one transaction: on error nothing is
/// changed. Every change that can affect what the data plane serves (APIs, deployments, stages)
/// increases [`Store::revision`].
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Stores a new API with its whole definition. Fails with `Conflict` if the id exists.
    async fn create_api(&self, definition: &ApiDefinition) -> Result<(), StoreError>;

    /// Replaces the (undeployed) definition of an existing API. Deployments and stages are kept.
    async fn replace_api(&self, definition: &ApiDefinition) -> Result<(), StoreError>;

    async fn get_api(&self, api_id: &str) -> Result<RestApi, StoreError>;

    /// All APIs, oldest first.
    async fn list_apis(&self) -> Result<Vec<RestApi>, StoreError>;

    /// Deletes an API with its resources, deployments and stages.
    async fn delete_api(&self, api_id: &str) -> Result<(), StoreError>;

    /// The current (undeployed) definition of an API.
    async fn api_definition(&self, api_id: &str) -> Result<ApiDefinition, StoreError>;

    /// Like [`Store::api_definition`], shared instead of copied: reading a large API (a
    /// management call that shows one method of a thousand) need not copy all of it.
    async fn shared_definition(&self, api_id: &str) -> Result<Arc<ApiDefinition>, StoreError>;

    /// Applies `edit` to the API's current definition and stores the result, in one
    /// transaction: when `edit` fails, or the result is not a valid definition (`BadRequest`),
    /// nothing changes. Concurrent edits of one API are serialised, never interleaved. Returns
    /// what `edit` returned.
    async fn edit_api<T, F>(&self, api_id: &str, edit: F) -> Result<T, StoreError>
    where
        Self: Sized,
        T: Send + 'static,
        F: FnOnce(&mut ApiDefinition) -> Result<T, StoreError> + Send + 'static;

    /// Snapshots the current definition as a new deployment and creates the stage, or points the
    /// existing stage at the new deployment. Refuses an API without methods with `BadRequest`
    /// (`The REST API doesn't contain any methods`), or a method without an integration
    /// (`No integration defined for method`). With `request.canary`, the new deployment becomes
    /// the canary of an existing stage instead; without it, a stage that has a canary is refused
    /// (AWS's `Non canary deployment not supported on stage ...`).
    async fn deploy(
        &self,
        api_id: &str,
        request: &DeployRequest,
    ) -> Result<(Deployment, Stage), StoreError>;

    /// Like [`Store::deploy`], with the stage optional: an empty `request.stage_name` makes only
    /// the deployment (CreateDeployment without `stageName`).
    async fn create_deployment(
        &self,
        api_id: &str,
        request: &DeployRequest,
    ) -> Result<(Deployment, Option<Stage>), StoreError>;

    /// Deletes a deployment no stage uses, as its deployment or its canary's (`BadRequest` with
    /// AWS's text when one does).
    async fn delete_deployment(&self, api_id: &str, deployment_id: &str) -> Result<(), StoreError>;

    /// Sets a deployment's description (`None` clears it) and returns the deployment.
    async fn set_deployment_description(
        &self,
        api_id: &str,
        deployment_id: &str,
        description: Option<String>,
    ) -> Result<Deployment, StoreError>;

    /// A deployment and the definition it froze.
    async fn get_deployment(
        &self,
        api_id: &str,
        deployment_id: &str,
    ) -> Result<(Deployment, ApiDefinition), StoreError>;

    /// Deployments of an API, oldest first.
    async fn list_deployments(&self, api_id: &str) -> Result<Vec<Deployment>, StoreError>;

    async fn get_stage(&self, api_id: &str, stage_name: &str) -> Result<Stage, StoreError>;

    /// Stages of an API, by name.
    async fn list_stages(&self, api_id: &str) -> Result<Vec<Stage>, StoreError>;

    /// Creates or replaces a stage. Its deployment must exist (`DeploymentNotFound` otherwise).
    async fn put_stage(&self, api_id: &str, stage: &Stage) -> Result<(), StoreError>;

    /// Creates a stage (CreateStage): `Conflict` (`Stage already exists`) when the name is taken,
    /// `BadRequest` (`Deployment id does not exist`) when its deployment or its canary's does not,
    /// `DocumentationVersionNotFound` when it names a documentation version the API lacks.
    async fn create_stage(&self, api_id: &str, stage: &Stage) -> Result<(), StoreError>;

    /// Applies `edit` to a stored stage and stores the result, in one transaction, and returns
    /// what `edit` returned with the stored stage. `edit` also sees the API's deployments, oldest
    /// first (to choose one, e.g. for a rollback). When `edit` fails, or the result points at a
    /// deployment (its own or its canary's) that does not exist (`BadRequest`: `Deployment id
    /// does not exist`), or a documentation version other than its former one that the API lacks
    /// (`DocumentationVersionNotFound`), nothing changes. The stage keeps its name;
    /// `lastUpdatedDate` is set.
    /// Concurrent edits are serialised, and the data plane sees the whole edit or none of it.
    async fn edit_stage<T, F>(
        &self,
        api_id: &str,
        stage_name: &str,
        edit: F,
    ) -> Result<(T, Stage), StoreError>
    where
        Self: Sized,
        T: Send + 'static,
        F: FnOnce(&mut Stage, &[Deployment]) -> Result<T, StoreError> + Send + 'static;

    async fn delete_stage(&self, api_id: &str, stage_name: &str) -> Result<(), StoreError>;

    /// Every stage of every API, as `(api_id, stage)`: what the data plane serves.
    async fn all_stages(&self) -> Result<Vec<(String, Stage)>, StoreError>;

    /// Creates or replaces a custom domain name.
    async fn put_domain_name(&self, domain: &DomainName) -> Result<(), StoreError>;

    /// Creates a custom domain name. Fails with `Conflict` (AWS's text, `The domain name you
    /// provided already exists.`) when one of that name exists.
    async fn create_domain_name(&self, domain: &DomainName) -> Result<(), StoreError>;

    /// One custom domain name (`DomainNotFound` when there is none).
    async fn get_domain_name(&self, name: &str) -> Result<DomainName, StoreError>;

    /// Replaces an existing custom domain name (`DomainNotFound` when there is none); its base
    /// path mappings stay.
    async fn update_domain_name(&self, domain: &DomainName) -> Result<(), StoreError>;

    /// All custom domain names, by name.
    async fn list_domain_names(&self) -> Result<Vec<DomainName>, StoreError>;

    /// Deletes a domain name with its base path mappings.
    async fn delete_domain_name(&self, name: &str) -> Result<(), StoreError>;

    /// Creates or replaces the mapping of `mapping.base_path` on `domain`. The domain
    /// (`DomainNotFound`) and the API (`ApiNotFound`) must exist.
    async fn put_base_path_mapping(
        &self,
        domain: &str,
        mapping: &BasePathMapping,
    ) -> Result<(), StoreError>;

    /// Creates the mapping of `mapping.base_path` on `domain`, in one transaction with its
    /// checks: the domain (`DomainNotFound`), the API (`ApiNotFound`) and the stage, when one is
    /// named (`StageNotFound`), must exist, and the base path must be free (`Conflict`, AWS's
    /// text: `Base path already exists for this domain name`).
    async fn create_base_path_mapping(
        &self,
        domain: &str,
        mapping: &BasePathMapping,
    ) -> Result<(), StoreError>;

    /// One mapping (`DomainNotFound`, or `BasePathMappingNotFound`).
    async fn get_base_path_mapping(
        &self,
        domain: &str,
        base_path: &str,
    ) -> Result<BasePathMapping, StoreError>;

    /// The mappings of one domain, by base path (`DomainNotFound` when there is no such domain).
    async fn list_base_path_mappings(
        &self,
        domain: &str,
    ) -> Result<Vec<BasePathMapping>, StoreError>;

    /// Replaces the mapping at `base_path` with `mapping`, which may move it to another base path,
    /// with the checks of [`Store::create_base_path_mapping`] (the new base path must be free
    /// unless it is `base_path`) and `BasePathMappingNotFound` when there is nothing to replace.
    async fn update_base_path_mapping(
        &self,
        domain: &str,
        base_path: &str,
        mapping: &BasePathMapping,
    ) -> Result<(), StoreError>;

    /// Deletes one mapping (`DomainNotFound`, or `BasePathMappingNotFound`).
    async fn delete_base_path_mapping(
        &self,
        domain: &str,
        base_path: &str,
    ) -> Result<(), StoreError>;

    /// Every base path mapping of every domain, as `(domain, mapping)`: what the data plane routes.
    async fn all_base_path_mappings(&self) -> Result<Vec<(String, BasePathMapping)>, StoreError>;

    /// Stores a new client certificate with its private key (PEM), which no read of the
    /// certificate returns. Fails with `Conflict` when the id exists. Client certificates do not
    /// change what the data plane serves: no revision change.
    async fn create_client_certificate(
        &self,
        certificate: &ClientCertificate,
        private_key_pem: &str,
    ) -> Result<(), StoreError>;

    /// One client certificate (`ClientCertificateNotFound` when there is none).
    async fn get_client_certificate(&self, id: &str) -> Result<ClientCertificate, StoreError>;

    /// The private key (PEM) of a client certificate, for presenting it to a backend.
    async fn client_certificate_private_key(&self, id: &str) -> Result<String, StoreError>;

    /// All client certificates, oldest first.
    async fn list_client_certificates(&self) -> Result<Vec<ClientCertificate>, StoreError>;

    /// Replaces the shown fields of an existing client certificate (`ClientCertificateNotFound`
    /// otherwise); its private key stays.
    async fn update_client_certificate(
        &self,
        certificate: &ClientCertificate,
    ) -> Result<(), StoreError>;

    async fn delete_client_certificate(&self, id: &str) -> Result<(), StoreError>;

    /// Stores a new VPC link (`Conflict` when the id exists). No revision change: the data plane
    /// does not route through VPC links.
    async fn create_vpc_link(&self, link: &VpcLink) -> Result<(), StoreError>;

    /// One VPC link (`VpcLinkNotFound` when there is none).
    async fn get_vpc_link(&self, id: &str) -> Result<VpcLink, StoreError>;

    /// All VPC links, oldest first.
    async fn list_vpc_links(&self) -> Result<Vec<VpcLink>, StoreError>;

    /// Replaces an existing VPC link (`VpcLinkNotFound` otherwise).
    async fn update_vpc_link(&self, link: &VpcLink) -> Result<(), StoreError>;

    async fn delete_vpc_link(&self, id: &str) -> Result<(), StoreError>;

    /// Creates or replaces a function declaration (by name).
    async fn put_function(&self, function: &FunctionDefinition) -> Result<(), StoreError>;

    /// One function declaration (`FunctionNotFound` when there is none).
    async fn get_function(&self, name: &str) -> Result<FunctionDefinition, StoreError>;

    /// All function declarations, by name.
    async fn list_functions(&self) -> Result<Vec<FunctionDefinition>, StoreError>;

    /// Deletes a function declaration (`FunctionNotFound` when there is none).
    async fn delete_function(&self, name: &str) -> Result<(), StoreError>;

    /// Creates an API key. Its id and value must be new (`Conflict` otherwise).
    async fn create_api_key(&self, key: &ApiKey) -> Result<(), StoreError>;

    /// Replaces an existing API key (`ApiKeyNotFound` otherwise); the value must stay unique.
    async fn update_api_key(&self, key: &ApiKey) -> Result<(), StoreError>;

    async fn get_api_key(&self, id: &str) -> Result<ApiKey, StoreError>;

    /// All API keys, oldest first.
    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError>;

    /// Deletes a key and its plan memberships.
    async fn delete_api_key(&self, id: &str) -> Result<(), StoreError>;

    /// Creates or replaces a usage plan. Every stage it names must exist (`BadRequest`).
    async fn put_usage_plan(&self, plan: &UsagePlan) -> Result<(), StoreError>;

    async fn get_usage_plan(&self, id: &str) -> Result<UsagePlan, StoreError>;

    /// All usage plans, oldest first.
    async fn list_usage_plans(&self) -> Result<Vec<UsagePlan>, StoreError>;

    /// Deletes a plan and its key memberships (its usage records stay).
    async fn delete_usage_plan(&self, id: &str) -> Result<(), StoreError>;

    /// Adds a key to a plan. A key may be in only one plan per stage (`Conflict`).
    async fn add_usage_plan_key(&self, plan_id: &str, key_id: &str) -> Result<(), StoreError>;

    async fn remove_usage_plan_key(&self, plan_id: &str, key_id: &str) -> Result<(), StoreError>;

    /// Every `(plan_id, key_id)` membership.
    async fn all_usage_plan_keys(&self) -> Result<Vec<(String, String)>, StoreError>;

    /// Adds the counts of `records` to the stored per-day usage, in one transaction. Does not
    /// change the revision.
    async fn record_usage(&self, records: &[UsageRecord]) -> Result<(), StoreError>;

    /// Stored usage of a plan (one key, or all) for the days `from..=to` (`YYYY-MM-DD`).
    async fn usage(
        &self,
        plan_id: &str,
        key_id: Option<&str>,
        from: &str,
        to: &str,
    ) -> Result<Vec<UsageRecord>, StoreError>;

    /// Records UpdateUsage's extension of a key's quota from day `since` (`YYYY-MM-DD`) to the
    /// end of that quota window: remaining = limit - used + `credit`. Replaces the key's earlier
    /// credit. Does not change the revision.
    async fn set_usage_credit(&self, credit: &UsageCredit) -> Result<(), StoreError>;

    /// Every stored quota credit (at most one per plan and key).
    async fn usage_credits(&self) -> Result<Vec<UsageCredit>, StoreError>;

    /// The stored account settings (defaults until UpdateAccount stores some).
    async fn get_account(&self) -> Result<AccountSettings, StoreError>;

    async fn put_account(&self, account: &AccountSettings) -> Result<(), StoreError>;

    /// Snapshots the API's current documentation parts as `version` (`Conflict` when the API has
    /// a version of that name). With `stage_name`, that stage (`StageNotFound`) is associated with
    /// the new version in the same transaction. Documentation does not change what the data
    /// plane serves: only the stage association changes the revision.
    async fn create_documentation_version(
        &self,
        api_id: &str,
        version: &DocumentationVersion,
        stage_name: Option<&str>,
    ) -> Result<(), StoreError>;

    /// A documentation version and the parts it froze, in their creation order
    /// (`DocumentationVersionNotFound`).
    async fn get_documentation_version(
        &self,
        api_id: &str,
        version: &str,
    ) -> Result<(DocumentationVersion, Vec<DocumentationPart>), StoreError>;

    /// The API's documentation versions, oldest first.
    async fn list_documentation_versions(
        &self,
        api_id: &str,
    ) -> Result<Vec<DocumentationVersion>, StoreError>;

    /// Sets a documentation version's description (`None` clears it): the only thing about a
    /// version that changes.
    async fn set_documentation_version_description(
        &self,
        api_id: &str,
        version: &str,
        description: Option<String>,
    ) -> Result<DocumentationVersion, StoreError>;

    /// Deletes a documentation version. Stages that name it keep the name (their exports then
    /// carry no documentation), as nothing in AWS's model refuses the delete.
    async fn delete_documentation_version(
        &self,
        api_id: &str,
        version: &str,
    ) -> Result<(), StoreError>;

    /// A number that grows whenever anything the data plane serves changes, whichever process
    /// made the change. Cheap enough to poll a few times a second.
    async fn revision(&self) -> Result<u64, StoreError>;
}
