//! Amazon API Gateway's REST (v1) resource model.
//!
//! Every type here serialises to exactly the JSON shape AWS's management API uses (camelCase field
//! names, upper-case enum values, epoch-second timestamps), so the same values serve the management
//! API, the store and OpenAPI import/export. The crate is pure: no I/O, no clocks except where a
//! caller asks for a new id or timestamp.

mod client_certificate;
mod definition;
mod deployment;
mod documentation;
mod domain;
mod function;
mod gateway_response;
pub mod ids;
mod method;
mod rest_api;
mod usage_plan;
mod vpc_link;

pub use client_certificate::ClientCertificate;
pub use definition::{ApiDefinition, DefinitionError};
pub use deployment::{
    AccessLogSettings, CACHE_CLUSTER_SIZES, CanarySettings, Deployment, MethodSetting, Stage,
    valid_stage_name,
};
pub use documentation::{
    DocumentationPart, DocumentationPartLocation, DocumentationPartType, DocumentationVersion,
    LocationError, valid_location_status_code,
};
pub use domain::{
    BASE_PATH_MAPPING_ONLY, BasePathMapping, DomainName, MutualTlsAuthentication, valid_domain_name,
};
pub use function::{FunctionDefinition, RemoteFunction, valid_function_name};
pub use gateway_response::{GatewayResponse, GatewayResponseType};
pub use method::{
    AuthorizationType, ConnectionType, ContentHandling, HttpMethod, Integration,
    IntegrationResponse, IntegrationType, Method, MethodResponse, PassthroughBehavior, TlsConfig,
};
pub use rest_api::{
    ApiKeySource, Authorizer, EndpointConfiguration, EndpointType, Model, PathPart,
    RequestValidator, Resource, RestApi,
};
pub use usage_plan::{
    AccountSettings, ApiKey, ApiStage, QuotaPeriod, QuotaSettings, ThrottleSettings, UsagePlan,
    UsagePlanKey, UsageRecord,
};
pub use vpc_link::VpcLink;

/// The account id Tollgate reports wherever AWS reports the caller's or owner's account.
pub const ACCOUNT_ID: &str = "000000000000";

/// The region Tollgate reports in ARNs and host names.
pub const REGION: &str = "us-east-1";

/// Current time as AWS puts it in bodies: whole seconds since the Unix epoch.
pub fn now_epoch_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Skip-serialisation helper for `bool` fields AWS omits when false.
pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}
