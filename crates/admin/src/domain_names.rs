//! `/domainnames`: CreateDomainName, GetDomainName(s), UpdateDomainName and DeleteDomainName;
//! `/domainnames/{name}/basepathmappings` is [`crate::base_path_mappings`].
//!
//! Tollgate serves every custom domain name on its own data-plane listeners (the `Host` header
//! picks the domain), so what AWS provisions is computed instead (see
//! [`DomainName::refresh_endpoints`]) and what AWS checks against other services is stored as
//! given: certificate ARNs and names are not looked up in ACM and none is required (Tollgate's
//! TLS listener has its own certificate), a mutual TLS truststore and a private domain's policy
//! are stored and shown but not enforced, and only `BASE_PATH_MAPPING_ONLY` routing exists (no
//! routing rules). Domain names are unique: AWS lets a private domain share the name of a public
//! one, Tollgate does not.
//!
//! The operations are public so that `tollgate domains ...` runs the same code.

use std::collections::BTreeMap;

use http::{Method as Verb, StatusCode};
use serde::Deserialize;
use tollgate_model::{
    BASE_PATH_MAPPING_ONLY, DomainName, EndpointConfiguration, EndpointType,
    MutualTlsAuthentication, now_epoch_seconds, valid_domain_name,
};
use tollgate_store::{SqliteStore, Store, StoreError};

use crate::patch::{PatchBody, PatchOperation};
use crate::quotas::{Quota, Quotas};
use crate::restapis::{endpoint_type, ip_address_type};
use crate::{ApiError, Call, Reply, page};

/// AWS's `SecurityPolicy` enumeration.
const SECURITY_POLICIES: [&str; 12] = [
    "TLS_1_0",
    "TLS_1_2",
    "SecurityPolicy_TLS13_1_3_2025_09",
    "SecurityPolicy_TLS13_1_3_FIPS_2025_09",
    "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_FIPS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_FIPS_PFS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_2021_06",
    "SecurityPolicy_TLS13_2025_EDGE",
    "SecurityPolicy_TLS12_PFS_2025_EDGE",
    "SecurityPolicy_TLS12_2018_EDGE",
];

/// AWS's `RoutingMode` enumeration.
const ROUTING_MODES: [&str; 3] = [
    BASE_PATH_MAPPING_ONLY,
    "ROUTING_RULE_ONLY",
    "ROUTING_RULE_THEN_BASE_PATH_MAPPING",
];

/// CreateDomainName's body. Fields AWS takes and Tollgate has no use for (an uploaded
/// certificate's body, key and chain; `endpointAccessMode`) are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateDomainName {
    pub domain_name: Option<String>,
    pub certificate_name: Option<String>,
    pub certificate_arn: Option<String>,
    pub regional_certificate_name: Option<String>,
    pub regional_certificate_arn: Option<String>,
    pub endpoint_configuration: Option<EndpointInput>,
    pub security_policy: Option<String>,
    pub mutual_tls_authentication: Option<MutualTlsInput>,
    pub ownership_verification_certificate_arn: Option<String>,
    pub policy: Option<String>,
    pub routing_mode: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// `endpointConfiguration` as CreateDomainName takes it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointInput {
    #[serde(default)]
    pub types: Vec<String>,
    pub ip_address_type: Option<String>,
    #[serde(default)]
    pub vpc_endpoint_ids: Vec<String>,
}

/// `mutualTlsAuthentication` as CreateDomainName takes it.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MutualTlsInput {
    pub truststore_uri: Option<String>,
    pub truststore_version: Option<String>,
}

/// CreateDomainName: checks the request as AWS does and stores the new domain, with AWS's
/// defaults (edge-optimized, `TLS_1_2`) and computed names. A domain of that name already
/// existing is AWS's 400 `The domain name you provided already exists.`.
pub async fn create(
    store: &SqliteStore,
    request: CreateDomainName,
) -> Result<DomainName, ApiError> {
    let name = request
        .domain_name
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::bad("No Domain Name specified"))?;
    if !valid_domain_name(&name) {
        return Err(ApiError::bad(format!(
            "Invalid domain name specified: {name}"
        )));
    }
    crate::tags::check_new(&request.tags)?;
    let mut domain = DomainName::new(&name);
    if let Some(e) = request.endpoint_configuration {
        domain.endpoint_configuration = endpoint_configuration(e)?;
    }
    if let Some(policy) = request.security_policy {
        domain.security_policy = Some(security_policy(policy, "createDomainNameInput")?);
    }
    if let Some(mode) = request.routing_mode {
        domain.routing_mode = routing_mode(mode, "createDomainNameInput")?;
    }
    let given = |v: Option<String>| v.filter(|v| !v.is_empty());
    domain.certificate_name = given(request.certificate_name);
    domain.certificate_arn = given(request.certificate_arn);
    domain.regional_certificate_name = given(request.regional_certificate_name);
    domain.regional_certificate_arn = given(request.regional_certificate_arn);
    domain.ownership_verification_certificate_arn =
        given(request.ownership_verification_certificate_arn);
    domain.policy = given(request.policy);
    if domain.certificate_arn.is_some() || domain.certificate_name.is_some() {
        domain.certificate_upload_date = Some(now_epoch_seconds());
    }
    domain.mutual_tls_authentication = request
        .mutual_tls_authentication
        .map(|m| MutualTlsAuthentication {
            truststore_uri: given(m.truststore_uri),
            truststore_version: given(m.truststore_version),
            truststore_warnings: Vec::new(),
        })
        .filter(|m| m.truststore_uri.is_some());
    domain.tags = request.tags;
    domain.refresh_endpoints();
    store
        .create_domain_name(&domain)
        .await
        .map_err(|e| match e {
            // AWS answers a duplicate domain name with a 400, not a 409.
            StoreError::Conflict(m) => ApiError::BadRequest(m),
            e => e.into(),
        })?;
    Ok(domain)
}

/// CreateDomainName over HTTP: [`create`], counted against the domain names quota right before
/// the write, not in its transaction (two concurrent creates at the edge can both pass). A name
/// already taken is left to [`create`]'s refusal.
async fn create_within(
    store: &SqliteStore,
    quotas: &Quotas,
    request: CreateDomainName,
) -> Result<DomainName, ApiError> {
    let domains = store.list_domain_names().await?;
    let taken = request.domain_name.as_deref().is_some_and(|name| {
        domains
            .iter()
            .any(|d| d.domain_name.eq_ignore_ascii_case(name))
    });
    if !taken {
        quotas.one_more(Quota::DomainNames, domains.len())?;
    }
    create(store, request).await
}

/// GetDomainName: one domain (by its name, case-insensitively).
pub async fn get(store: &SqliteStore, name: &str) -> Result<DomainName, ApiError> {
    let mut domain = store.get_domain_name(&name.to_ascii_lowercase()).await?;
    // Domains stored before the computed fields existed (`tollgate domains create` of earlier
    // versions) get them on the way out.
    domain.refresh_endpoints();
    crate::tags::hide_internal(&mut domain.tags);
    Ok(domain)
}

/// GetDomainNames: every domain, by name.
pub async fn list(store: &SqliteStore) -> Result<Vec<DomainName>, ApiError> {
    let mut domains = store.list_domain_names().await?;
    for d in &mut domains {
        d.refresh_endpoints();
        crate::tags::hide_internal(&mut d.tags);
    }
    Ok(domains)
}

/// DeleteDomainName: the domain and its base path mappings.
pub async fn delete(store: &SqliteStore, name: &str) -> Result<(), ApiError> {
    Ok(store.delete_domain_name(&name.to_ascii_lowercase()).await?)
}

/// Routes `/domainnames` + `rest`.
pub(crate) async fn route(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
    rest: &[&str],
) -> Option<Result<Reply, ApiError>> {
    let m = call.method;
    Some(match rest {
        [] if m == Verb::POST => match call.json::<CreateDomainName>() {
            Ok(request) => create_within(store, quotas, request)
                .await
                .map(|d| Reply::json(StatusCode::CREATED, &d)),
            Err(e) => Err(e),
        },
        [] if m == Verb::GET => list(store)
            .await
            .map(|all| Reply::json(StatusCode::OK, &page(call, all))),
        [name] if m == Verb::GET => get(store, name)
            .await
            .map(|d| Reply::json(StatusCode::OK, &d)),
        [name] if m == Verb::PATCH => update(store, call, name).await,
        [name] if m == Verb::DELETE => delete(store, name).await.map(|()| Reply::accepted()),
        [name, "basepathmappings", rest @ ..] => {
            crate::base_path_mappings::route(store, call, name, rest).await?
        }
        _ => return None,
    })
}

/// PATCH `/domainnames/{name}`: add/replace/remove the certificate fields and
/// `/ownershipVerificationCertificateArn`; replace `/securityPolicy`, `/policy`,
/// `/routingMode`, `/endpointConfiguration/ipAddressType`,
/// `/mutualTlsAuthentication/truststoreUri` (empty turns mutual TLS off) and
/// `.../truststoreVersion`; remove `/mutualTlsAuthentication`; migrate between edge-optimized
/// and regional with add/remove `/endpointConfiguration/types` (value `EDGE`/`REGIONAL`) or
/// replace `/endpointConfiguration/types/{CURRENT}` (value the new type).
async fn update(store: &SqliteStore, call: &Call<'_>, name: &str) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateDomainNameInput")?;
    let mut domain = store.get_domain_name(&name.to_ascii_lowercase()).await?;
    for op in &body.patch_operations {
        apply(&mut domain, op)?;
    }
    domain.refresh_endpoints();
    store.update_domain_name(&domain).await?;
    crate::tags::hide_internal(&mut domain.tags);
    Ok(Reply::json(StatusCode::OK, &domain))
}

fn apply(domain: &mut DomainName, op: &PatchOperation) -> Result<(), ApiError> {
    const AT: &str = "updateDomainNameInput";
    if let Some(current) = op.key_after("/endpointConfiguration/types/") {
        op.require("replace")?;
        let current = endpoint_type(&current, &format!("{AT}.endpointConfiguration"))?;
        let new = public_type(domain, op)?;
        let types = &mut domain.endpoint_configuration.types;
        if current == EndpointType::Private {
            return Err(public_private_migration());
        }
        match types.iter().position(|t| *t == current) {
            Some(i) => {
                types.remove(i);
                if !types.contains(&new) {
                    types.insert(i, new);
                }
            }
            None => return Err(op.invalid_path()),
        }
        return Ok(());
    }
    let certificate = |field: &mut Option<String>| -> Result<(), ApiError> {
        match op.op.as_str() {
            "add" | "replace" => *field = op.optional_value(),
            "remove" => *field = None,
            _ => return Err(op.unsupported_op()),
        }
        Ok(())
    };
    match op.path.as_str() {
        "/certificateArn" | "/certificateName" => {
            let field = if op.path == "/certificateArn" {
                &mut domain.certificate_arn
            } else {
                &mut domain.certificate_name
            };
            certificate(field)?;
            domain.certificate_upload_date = (domain.certificate_arn.is_some()
                || domain.certificate_name.is_some())
            .then(now_epoch_seconds);
        }
        "/regionalCertificateArn" => certificate(&mut domain.regional_certificate_arn)?,
        "/regionalCertificateName" => certificate(&mut domain.regional_certificate_name)?,
        "/ownershipVerificationCertificateArn" => {
            certificate(&mut domain.ownership_verification_certificate_arn)?
        }
        "/endpointConfiguration/types" => {
            let kind = public_type(domain, op)?;
            let types = &mut domain.endpoint_configuration.types;
            match op.op.as_str() {
                "add" => {
                    if !types.contains(&kind) {
                        types.push(kind);
                    }
                }
                "remove" => {
                    types.retain(|t| *t != kind);
                    if types.is_empty() {
                        return Err(ApiError::bad(
                            "A domain name must keep at least one endpoint type",
                        ));
                    }
                }
                _ => return Err(op.unsupported_op()),
            }
        }
        "/endpointConfiguration/ipAddressType" => {
            op.require("replace")?;
            domain.endpoint_configuration.ip_address_type = ip_address_type(
                op.value()?,
                &format!("{AT}.endpointConfiguration.ipAddressType"),
            )?;
        }
        "/securityPolicy" => {
            op.require("replace")?;
            domain.security_policy = Some(security_policy(op.value()?.to_owned(), AT)?);
        }
        "/routingMode" => {
            op.require("replace")?;
            domain.routing_mode = routing_mode(op.value()?.to_owned(), AT)?;
        }
        "/policy" => {
            op.require("replace")?;
            domain.policy = op.optional_value();
        }
        "/mutualTlsAuthentication/truststoreUri" => {
            op.require("replace")?;
            match op.optional_value() {
                Some(uri) => {
                    domain
                        .mutual_tls_authentication
                        .get_or_insert_with(|| MutualTlsAuthentication {
                            truststore_uri: None,
                            truststore_version: None,
                            truststore_warnings: Vec::new(),
                        })
                        .truststore_uri = Some(uri);
                }
                None => domain.mutual_tls_authentication = None,
            }
        }
        "/mutualTlsAuthentication/truststoreVersion" => {
            op.require("replace")?;
            match &mut domain.mutual_tls_authentication {
                Some(m) => m.truststore_version = op.optional_value(),
                None => return Err(op.invalid_path()),
            }
        }
        "/mutualTlsAuthentication" => {
            op.require("remove")?;
            domain.mutual_tls_authentication = None;
        }
        _ => return Err(op.invalid_path()),
    }
    Ok(())
}

/// The `EDGE` or `REGIONAL` an endpoint-type patch names: a domain cannot move between public
/// and private.
fn public_type(domain: &DomainName, op: &PatchOperation) -> Result<EndpointType, ApiError> {
    let kind = endpoint_type(
        op.value()?,
        "updateDomainNameInput.endpointConfiguration.types",
    )?;
    if kind == EndpointType::Private || domain.is_private() {
        return Err(public_private_migration());
    }
    Ok(kind)
}

fn public_private_migration() -> ApiError {
    ApiError::bad("A public custom domain name cannot be migrated to a private one, or back")
}

/// A domain's endpoint configuration: one type (edge-optimized when none is given); a private
/// domain is dual-stack unless told otherwise.
fn endpoint_configuration(input: EndpointInput) -> Result<EndpointConfiguration, ApiError> {
    const AT: &str = "createDomainNameInput.endpointConfiguration";
    if input.types.len() > 1 {
        return Err(ApiError::bad(
            "Cannot create a domain name with multiple Endpoint Types.",
        ));
    }
    let kind = match input.types.first() {
        Some(t) => endpoint_type(t, &format!("{AT}.types"))?,
        None => EndpointType::Edge,
    };
    let ip_address_type = match input.ip_address_type {
        Some(t) => ip_address_type(&t, &format!("{AT}.ipAddressType"))?,
        None if kind == EndpointType::Private => "dualstack".to_owned(),
        None => "ipv4".to_owned(),
    };
    Ok(EndpointConfiguration {
        types: vec![kind],
        ip_address_type,
        vpc_endpoint_ids: input.vpc_endpoint_ids,
    })
}

fn security_policy(policy: String, input: &str) -> Result<String, ApiError> {
    if SECURITY_POLICIES.contains(&policy.as_str()) {
        Ok(policy)
    } else {
        Err(ApiError::enum_value(
            &policy,
            &format!("{input}.securityPolicy"),
            &SECURITY_POLICIES,
        ))
    }
}

/// A routing mode: AWS's enumeration, of which Tollgate serves only base path mappings.
fn routing_mode(mode: String, input: &str) -> Result<String, ApiError> {
    if !ROUTING_MODES.contains(&mode.as_str()) {
        return Err(ApiError::enum_value(
            &mode,
            &format!("{input}.routingMode"),
            &ROUTING_MODES,
        ));
    }
    if mode != BASE_PATH_MAPPING_ONLY {
        return Err(ApiError::bad(format!(
            "Tollgate does not support routing rules: routingMode must be {BASE_PATH_MAPPING_ONLY}"
        )));
    }
    Ok(mode)
}
