//! `/restapis` and `/restapis/{id}`: CreateRestApi, ImportRestApi (`?mode=import`), GetRestApi(s),
//! UpdateRestApi, PutRestApi (`?mode=overwrite|merge`) and DeleteRestApi.
//!
//! ImportRestApi and PutRestApi are public ([`import_rest_api`], [`put_rest_api`]) so that
//! `tollgate import`, `serve --api` and `serve --sam` store APIs through the same code.
//! Over HTTP they are held to the quotas (`quotas` in their requests); those callers pass none.

use std::collections::BTreeMap;

use http::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use tollgate_model::{
    ApiDefinition, ApiKeySource, EndpointConfiguration, EndpointType, RestApi, ids,
};
use tollgate_openapi::{BasePathMode, ImportOptions, Imported};
use tollgate_store::{SqliteStore, Store};

use crate::patch::PatchBody;
use crate::quotas::{ApiCounts, MAX_POLICY_CHARS, Quota, Quotas};
use crate::{ApiError, Call, Reply, page};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateRestApi {
    name: Option<String>,
    description: Option<String>,
    version: Option<String>,
    clone_from: Option<String>,
    #[serde(default)]
    binary_media_types: Vec<String>,
    minimum_compression_size: Option<i64>,
    api_key_source: Option<String>,
    endpoint_configuration: Option<EndpointInput>,
    policy: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
    #[serde(default)]
    disable_execute_api_endpoint: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EndpointInput {
    #[serde(default)]
    types: Vec<String>,
    ip_address_type: Option<String>,
    #[serde(default)]
    vpc_endpoint_ids: Vec<String>,
}

/// POST `/restapis` → 201 with the API (`?mode=import` imports an OpenAPI document instead).
pub(crate) async fn create(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
) -> Result<Reply, ApiError> {
    if call.param("mode").as_deref() == Some("import") {
        return import(store, quotas, call).await;
    }
    let body: CreateRestApi = call.json()?;
    let name = body.name.filter(|n| !n.trim().is_empty()).ok_or_else(|| {
        ApiError::bad("Invalid REST API name specified: name must be a non-empty string")
    })?;
    let api_key_source = match body.api_key_source.as_deref() {
        None => ApiKeySource::Header,
        Some(s) => api_key_source(s, "createRestApiInput.apiKeySource")?,
    };
    let endpoint_configuration = match body.endpoint_configuration {
        None => EndpointConfiguration::default(),
        Some(e) => endpoint_configuration(e)?,
    };
    if let Some(size) = body.minimum_compression_size {
        check_compression_size(size)?;
    }
    if body.description.as_deref() == Some("") {
        return Err(ApiError::bad("Description cannot be an empty string"));
    }
    crate::tags::check_new(&body.tags)?;
    let mut definition = match &body.clone_from {
        Some(source) => {
            let mut cloned = store.api_definition(source).await?;
            cloned.rest_api.id = ids::long_id();
            cloned
        }
        None => ApiDefinition::empty(RestApi::new("")),
    };
    let api = &mut definition.rest_api;
    api.name = name;
    api.description = body.description;
    api.version = body.version;
    api.created_date = tollgate_model::now_epoch_seconds();
    api.binary_media_types = body.binary_media_types;
    api.minimum_compression_size = body.minimum_compression_size.map(|s| s as u32);
    api.api_key_source = api_key_source;
    api.endpoint_configuration = endpoint_configuration;
    api.tags = body.tags;
    api.disable_execute_api_endpoint = body.disable_execute_api_endpoint;
    api.warnings.clear();
    api.policy = match body.policy.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(text) => Some(expand_policy(text, &api.id)?),
        None => None,
    };
    if body.clone_from.is_some() {
        // A clone brings the source's resources, authorizers and parts into a new API.
        ApiCounts::of(&definition).within(quotas, &ApiCounts::default())?;
    }
    check_api_count(store, quotas, &definition.rest_api).await?;
    store.create_api(&definition).await?;
    Ok(Reply::json(
        StatusCode::CREATED,
        &shown(definition.rest_api),
    ))
}

/// GET `/restapis` (paged).
pub(crate) async fn list(store: &SqliteStore, call: &Call<'_>) -> Result<Reply, ApiError> {
    let apis: Vec<RestApi> = store.list_apis().await?.into_iter().map(shown).collect();
    Ok(Reply::json(StatusCode::OK, &page(call, apis)))
}

/// GET `/restapis/{id}`.
pub(crate) async fn get(store: &SqliteStore, id: &str) -> Result<Reply, ApiError> {
    let api = store.get_api(id).await?;
    Ok(Reply::json(StatusCode::OK, &shown(api)))
}

/// An API as the management API shows it: without Tollgate's own bookkeeping tags.
fn shown(mut api: RestApi) -> RestApi {
    crate::tags::hide_internal(&mut api.tags);
    api
}

/// DELETE `/restapis/{id}` → 202; its resources, deployments and stages go with it.
pub(crate) async fn delete(store: &SqliteStore, id: &str) -> Result<Reply, ApiError> {
    store.delete_api(id).await?;
    Ok(Reply::accepted())
}

/// PATCH `/restapis/{id}`.
pub(crate) async fn update(
    store: &SqliteStore,
    call: &Call<'_>,
    id: &str,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateRestApiInput")?;
    let api = crate::edit(store, id, move |d| {
        let api = &mut d.rest_api;
        for op in &body.patch_operations {
            patch_rest_api(api, op)?;
        }
        Ok(api.clone())
    })
    .await?;
    Ok(Reply::json(StatusCode::OK, &shown(api)))
}

fn patch_rest_api(api: &mut RestApi, op: &crate::patch::PatchOperation) -> Result<(), ApiError> {
    if let Some(kind) = op.key_after("/binaryMediaTypes/") {
        match op.op.as_str() {
            "add" => {
                if !api.binary_media_types.contains(&kind) {
                    api.binary_media_types.push(kind);
                }
            }
            "remove" => api.binary_media_types.retain(|t| *t != kind),
            _ => return Err(op.unsupported_op()),
        }
        return Ok(());
    }
    if let Some(current) = op.key_after("/endpointConfiguration/types/") {
        op.require("replace")?;
        let new = endpoint_type(op.value()?, "updateRestApiInput.endpointConfiguration")?;
        let current = endpoint_type(&current, "updateRestApiInput.endpointConfiguration")?;
        let types = &mut api.endpoint_configuration.types;
        match types.iter_mut().find(|t| **t == current) {
            Some(t) => *t = new,
            None => return Err(op.invalid_path()),
        }
        return Ok(());
    }
    match op.path.as_str() {
        "/name" => {
            op.require("replace")?;
            let name = op.value()?;
            if name.trim().is_empty() {
                return Err(ApiError::bad("Invalid REST API name specified"));
            }
            api.name = name.to_owned();
        }
        "/description" => {
            op.require("replace")?;
            api.description = op.optional_value();
        }
        "/version" => {
            op.require("replace")?;
            api.version = op.optional_value();
        }
        "/apiKeySource" => {
            op.require("replace")?;
            api.api_key_source = api_key_source(op.value()?, "updateRestApiInput.apiKeySource")?;
        }
        "/policy" => {
            op.require("replace")?;
            api.policy = match op.optional_value() {
                Some(text) => Some(expand_policy(&text, &api.id)?),
                None => None,
            };
        }
        "/disableExecuteApiEndpoint" => {
            op.require("replace")?;
            api.disable_execute_api_endpoint = op.bool_value()?;
        }
        "/minimumCompressionSize" => {
            op.require("replace")?;
            api.minimum_compression_size = match op.optional_value() {
                None => None,
                Some(v) => {
                    let size: i64 = v.trim().parse().map_err(|_| {
                        ApiError::bad(
                            "Invalid minimum compression size, must be between 0 and 10485760",
                        )
                    })?;
                    check_compression_size(size)?;
                    Some(size as u32)
                }
            };
        }
        "/endpointConfiguration/ipAddressType" => {
            op.require("replace")?;
            api.endpoint_configuration.ip_address_type = ip_address_type(
                op.value()?,
                "updateRestApiInput.endpointConfiguration.ipAddressType",
            )?;
        }
        "/endpointConfiguration/vpcEndpointIds" => {
            let id = op.value()?.to_owned();
            let ids = &mut api.endpoint_configuration.vpc_endpoint_ids;
            match op.op.as_str() {
                "add" => {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                "remove" => ids.retain(|v| *v != id),
                _ => return Err(op.unsupported_op()),
            }
        }
        _ => return Err(op.invalid_path()),
    }
    Ok(())
}

/// Refuses a new API past the quota of its endpoint type. Counted right before the write, not in
/// its transaction: two concurrent creates at the edge can both pass.
async fn check_api_count(
    store: &SqliteStore,
    quotas: &Quotas,
    api: &RestApi,
) -> Result<(), ApiError> {
    let kind = |a: &RestApi| {
        let types = &a.endpoint_configuration.types;
        types.first().copied().unwrap_or(EndpointType::Edge)
    };
    let same_kind = store
        .list_apis()
        .await?
        .iter()
        .filter(|a| kind(a) == kind(api))
        .count();
    quotas.one_more(Quota::rest_apis(kind(api)), same_kind)
}

/// ImportRestApi's input (`POST /restapis?mode=import`).
#[derive(Debug, Default)]
pub struct ImportRestApi<'a> {
    /// The OpenAPI 3.0 or Swagger 2.0 document, JSON or YAML.
    pub body: &'a [u8],
    /// `basepath`: what becomes of the document's base path.
    pub base_path: BasePathMode,
    /// `failonwarnings`: refuse a document with warnings.
    pub fail_on_warnings: bool,
    /// `endpointConfigurationTypes`: `EDGE`, `REGIONAL` or `PRIVATE`.
    pub endpoint_type: Option<String>,
    /// The new API's id, generated when `None` (always, over HTTP). `serve --sam` imports under
    /// the id the template's `!Ref` values were resolved with.
    pub api_id: Option<String>,
    /// Tags the new API gets besides the document's: Tollgate's own (`tollgate:source`, which
    /// `serve --api` records), not checked as TagResource would. Empty over HTTP, where
    /// ImportRestApi takes no tags.
    pub tags: BTreeMap<String, String>,
    /// `ignore=documentation`: drop the document's `x-amazon-apigateway-documentation` parts.
    pub ignore_documentation: bool,
    /// The quotas the import is held to (over HTTP); `None` for the CLI, `serve --api` and
    /// `serve --sam`, whose files load whatever their size.
    pub quotas: Option<Quotas>,
}

/// PutRestApi's `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PutMode {
    /// Adds the document to the current definition (AWS's default).
    #[default]
    Merge,
    /// Replaces the definition, keeping the API's identity.
    Overwrite,
}

/// PutRestApi's input (`PUT /restapis/{id}`).
#[derive(Debug, Default)]
pub struct PutRestApi<'a> {
    /// The OpenAPI 3.0 or Swagger 2.0 document, JSON or YAML.
    pub body: &'a [u8],
    pub mode: PutMode,
    /// `basepath`: what becomes of the document's base path.
    pub base_path: BasePathMode,
    /// `failonwarnings`: refuse a document with warnings.
    pub fail_on_warnings: bool,
    /// `ignore=documentation`: drop the document's `x-amazon-apigateway-documentation` parts.
    pub ignore_documentation: bool,
    /// The quotas the import is held to (over HTTP); `None` for `serve --api` and `serve --sam`.
    pub quotas: Option<Quotas>,
}

/// Why ImportRestApi or PutRestApi refused.
#[derive(Debug)]
pub enum ImportFailure {
    /// The document is not one Tollgate imports: every error found, with the warnings.
    Document(tollgate_openapi::ImportError),
    /// The call: an unknown API, a bad parameter, a conflict, the store.
    Call(ApiError),
}

impl From<ApiError> for ImportFailure {
    fn from(e: ApiError) -> ImportFailure {
        ImportFailure::Call(e)
    }
}

impl From<tollgate_store::StoreError> for ImportFailure {
    fn from(e: tollgate_store::StoreError) -> ImportFailure {
        ImportFailure::Call(e.into())
    }
}

impl From<ImportFailure> for ApiError {
    /// A refused document is a BadRequest listing its errors, AWS-style.
    fn from(e: ImportFailure) -> ApiError {
        match e {
            ImportFailure::Document(e) => {
                let errors: Vec<String> = e.errors.iter().map(ToString::to_string).collect();
                ApiError::bad(format!(
                    "Errors found during import:\n\t{}",
                    errors.join("\n\t")
                ))
            }
            ImportFailure::Call(e) => e,
        }
    }
}

/// ImportRestApi: imports the document as a new API and stores it. Returns the stored
/// definition and the import's warnings (also in `rest_api.warnings`). Shared by
/// `POST /restapis?mode=import`, `tollgate import`, and the first import of `serve --api` and
/// `serve --sam`.
pub async fn import_rest_api(
    store: &SqliteStore,
    request: ImportRestApi<'_>,
) -> Result<Imported, ImportFailure> {
    let options = ImportOptions {
        base_path: request.base_path,
        fail_on_warnings: request.fail_on_warnings,
        api_id: request.api_id,
    };
    let mut imported =
        tollgate_openapi::import(request.body, &options).map_err(ImportFailure::Document)?;
    if request.ignore_documentation {
        imported.definition.documentation_parts.clear();
    }
    let api = &mut imported.definition.rest_api;
    if let Some(kind) = &request.endpoint_type {
        api.endpoint_configuration.types =
            vec![endpoint_type(kind, "importRestApiInput.parameters")?];
    }
    api.tags.extend(request.tags);
    if let Some(quotas) = &request.quotas {
        ApiCounts::of(&imported.definition).within(quotas, &ApiCounts::default())?;
        crate::models::check_schema_sizes(&imported.definition)?;
        check_api_count(store, quotas, &imported.definition.rest_api).await?;
    }
    store.create_api(&imported.definition).await?;
    Ok(imported)
}

/// POST `/restapis?mode=import` → 201 with the new API and the import's warnings.
async fn import(store: &SqliteStore, quotas: &Quotas, call: &Call<'_>) -> Result<Reply, ApiError> {
    let request = ImportRestApi {
        body: call.body,
        base_path: base_path(call)?,
        fail_on_warnings: call.flag("failonwarnings"),
        endpoint_type: call
            .param("endpointConfigurationTypes")
            .or_else(|| call.param("parameters.endpointConfigurationTypes")),
        ignore_documentation: crate::documentation::ignored(call),
        quotas: Some(*quotas),
        ..ImportRestApi::default()
    };
    let imported = import_rest_api(store, request).await?;
    Ok(Reply::json(
        StatusCode::CREATED,
        &shown(imported.definition.rest_api),
    ))
}

/// PutRestApi: imports the document into the existing API `api_id` (the policy shorthand and
/// model references expand with its id). Returns the stored definition and the import's
/// warnings. Shared by `PUT /restapis/{id}` and the re-imports of `serve --api` and
/// `serve --sam` (overwrite).
///
/// Overwrite replaces the definition and keeps the API's identity (id, creation date, tags,
/// endpoint types), its deployments and stages; `vpcEndpointIds` and `disableExecuteApiEndpoint`
/// come from the document's `x-amazon-apigateway-endpoint-configuration` when it has one (as
/// Terraform, which imports bodies with PutRestApi, documents), else they are kept. Merge adds the document's resources,
/// methods, models, validators, authorizers and gateway responses to the current definition;
/// what the document defines replaces what has the same path and verb, or name.
pub async fn put_rest_api(
    store: &SqliteStore,
    api_id: &str,
    request: PutRestApi<'_>,
) -> Result<Imported, ImportFailure> {
    let current = store.get_api(api_id).await?;
    let options = ImportOptions {
        base_path: request.base_path,
        fail_on_warnings: request.fail_on_warnings,
        api_id: Some(api_id.to_owned()),
    };
    let mut imported =
        tollgate_openapi::import(request.body, &options).map_err(ImportFailure::Document)?;
    if request.ignore_documentation {
        imported.definition.documentation_parts.clear();
    }
    let warnings = imported.warnings;
    let endpoint_configuration = imported.endpoint_configuration;
    let overwrite = request.mode == PutMode::Overwrite;
    let quotas = request.quotas;
    if quotas.is_some() {
        crate::models::check_schema_sizes(&imported.definition)?;
    }
    let definition = crate::edit(store, api_id, move |d| {
        let before = ApiCounts::of(d);
        if overwrite {
            let mut next = imported.definition;
            let api = &mut next.rest_api;
            api.created_date = current.created_date;
            api.tags = current.tags;
            // The endpoint types stay; what the document's endpoint extension says replaces
            // the rest only when the document has one.
            if endpoint_configuration {
                api.endpoint_configuration.types = current.endpoint_configuration.types;
                api.endpoint_configuration.ip_address_type =
                    current.endpoint_configuration.ip_address_type;
            } else {
                api.endpoint_configuration = current.endpoint_configuration;
                api.disable_execute_api_endpoint = current.disable_execute_api_endpoint;
            }
            crate::documentation::carry_over(d, &mut next);
            *d = next;
        } else {
            merge(d, imported.definition);
        }
        if let Some(quotas) = &quotas {
            ApiCounts::of(d).within(quotas, &before)?;
        }
        Ok(d.clone())
    })
    .await?;
    Ok(Imported {
        definition,
        warnings,
        endpoint_configuration,
    })
}

/// PUT `/restapis/{id}?mode=overwrite|merge` (merge by default) → 200 with the API.
pub(crate) async fn put(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
    id: &str,
) -> Result<Reply, ApiError> {
    let mode = match call.param("mode").as_deref() {
        None | Some("merge") => PutMode::Merge,
        Some("overwrite") => PutMode::Overwrite,
        Some(other) => {
            return Err(ApiError::enum_value(
                other,
                "putRestApiInput.mode",
                &["merge", "overwrite"],
            ));
        }
    };
    let request = PutRestApi {
        body: call.body,
        mode,
        base_path: base_path(call)?,
        fail_on_warnings: call.flag("failonwarnings"),
        ignore_documentation: crate::documentation::ignored(call),
        quotas: Some(*quotas),
    };
    let imported = put_rest_api(store, id, request).await?;
    Ok(Reply::json(
        StatusCode::OK,
        &shown(imported.definition.rest_api),
    ))
}

/// Merges an imported definition into the current one (PutRestApi's `merge` mode).
fn merge(current: &mut ApiDefinition, imported: ApiDefinition) {
    // Resources by path: an imported resource whose path exists merges its methods into the
    // existing one; a new path is added under the (existing or newly added) parent.
    let mut id_of: BTreeMap<String, String> = current
        .resources
        .iter()
        .map(|r| (r.path.clone(), r.id.clone()))
        .collect();
    let imported_paths: BTreeMap<String, String> = imported
        .resources
        .iter()
        .map(|r| (r.id.clone(), r.path.clone()))
        .collect();
    let mut resources = imported.resources;
    resources.sort_by_key(|r| r.path.matches('/').count() + usize::from(r.path != "/"));
    for mut resource in resources {
        match id_of.get(&resource.path) {
            Some(existing) => {
                if let Some(r) = current.resources.iter_mut().find(|r| r.id == *existing) {
                    r.resource_methods.append(&mut resource.resource_methods);
                }
            }
            None => {
                let parent_path = resource
                    .parent_id
                    .as_ref()
                    .and_then(|p| imported_paths.get(p));
                resource.parent_id = parent_path.and_then(|p| id_of.get(p)).cloned();
                id_of.insert(resource.path.clone(), resource.id.clone());
                current.resources.push(resource);
            }
        }
    }
    for model in imported.models {
        match current.models.iter_mut().find(|m| m.name == model.name) {
            Some(m) => {
                let id = std::mem::take(&mut m.id);
                *m = tollgate_model::Model { id, ..model };
            }
            None => current.models.push(model),
        }
    }
    for v in imported.request_validators {
        match current
            .request_validators
            .iter_mut()
            .find(|c| c.name.is_some() && c.name == v.name)
        {
            Some(c) => {
                let id = std::mem::take(&mut c.id);
                *c = tollgate_model::RequestValidator { id, ..v };
            }
            None => current.request_validators.push(v),
        }
    }
    for a in imported.authorizers {
        match current.authorizers.iter_mut().find(|c| c.name == a.name) {
            Some(c) => {
                let id = std::mem::take(&mut c.id);
                *c = tollgate_model::Authorizer { id, ..a };
            }
            None => current.authorizers.push(a),
        }
    }
    for g in imported.gateway_responses {
        current
            .gateway_responses
            .retain(|c| c.response_type != g.response_type);
        current.gateway_responses.push(g);
    }
    crate::documentation::merge_parts(
        &mut current.documentation_parts,
        imported.documentation_parts,
    );
    let api = &mut current.rest_api;
    let new = imported.rest_api;
    api.name = new.name;
    if new.description.is_some() {
        api.description = new.description;
    }
    if new.version.is_some() {
        api.version = new.version;
    }
    for t in new.binary_media_types {
        if !api.binary_media_types.contains(&t) {
            api.binary_media_types.push(t);
        }
    }
    if new.policy.is_some() {
        api.policy = new.policy;
    }
    api.warnings = new.warnings;
}

/// The `basepath` parameter (also as `parameters.basepath`, as the AWS CLI sends it).
fn base_path(call: &Call<'_>) -> Result<BasePathMode, ApiError> {
    match call
        .param("basepath")
        .or_else(|| call.param("parameters.basepath"))
        .as_deref()
    {
        None | Some("ignore") => Ok(BasePathMode::Ignore),
        Some("prepend") => Ok(BasePathMode::Prepend),
        Some("split") => Ok(BasePathMode::Split),
        Some(other) => Err(ApiError::bad(format!(
            "Invalid basepath parameter value '{other}': must be one of ignore, prepend, split"
        ))),
    }
}

fn api_key_source(s: &str, at: &str) -> Result<ApiKeySource, ApiError> {
    match s {
        "HEADER" => Ok(ApiKeySource::Header),
        "AUTHORIZER" => Ok(ApiKeySource::Authorizer),
        other => Err(ApiError::enum_value(other, at, &["HEADER", "AUTHORIZER"])),
    }
}

/// An endpoint type (`EDGE`, `REGIONAL`, `PRIVATE`); anything else is AWS's ValidationException
/// at `at`.
pub(crate) fn endpoint_type(s: &str, at: &str) -> Result<EndpointType, ApiError> {
    match s {
        "EDGE" => Ok(EndpointType::Edge),
        "REGIONAL" => Ok(EndpointType::Regional),
        "PRIVATE" => Ok(EndpointType::Private),
        other => Err(ApiError::enum_value(
            other,
            at,
            &["REGIONAL", "EDGE", "PRIVATE"],
        )),
    }
}

/// An IP address type (`ipv4`, `dualstack`); anything else is AWS's ValidationException at `at`.
pub(crate) fn ip_address_type(s: &str, at: &str) -> Result<String, ApiError> {
    match s {
        "ipv4" | "dualstack" => Ok(s.to_owned()),
        other => Err(ApiError::enum_value(other, at, &["ipv4", "dualstack"])),
    }
}

fn endpoint_configuration(input: EndpointInput) -> Result<EndpointConfiguration, ApiError> {
    if input.types.len() > 1 {
        return Err(ApiError::bad(
            "Cannot create an api with multiple Endpoint Types.",
        ));
    }
    let types = match input.types.first() {
        Some(t) => vec![endpoint_type(
            t,
            "createRestApiInput.endpointConfiguration.types",
        )?],
        None => vec![EndpointType::Edge],
    };
    let private = types == [EndpointType::Private];
    let ip_address_type = match input.ip_address_type {
        Some(t) => ip_address_type(&t, "updateRestApiInput.endpointConfiguration.ipAddressType")?,
        None if private => "dualstack".to_owned(),
        None => "ipv4".to_owned(),
    };
    Ok(EndpointConfiguration {
        types,
        ip_address_type,
        vpc_endpoint_ids: input.vpc_endpoint_ids,
    })
}

fn check_compression_size(size: i64) -> Result<(), ApiError> {
    if !(0..=10_485_760).contains(&size) {
        return Err(ApiError::bad(
            "Invalid minimum compression size, must be between 0 and 10485760",
        ));
    }
    Ok(())
}

/// A resource policy as stored: the `execute-api:/...` shorthand expanded for the API, checked
/// to be a policy the gateway can enforce, kept as JSON text. AWS's 8,192 characters apply to
/// the text as sent (the refusal's wording is unconfirmed).
fn expand_policy(text: &str, api_id: &str) -> Result<String, ApiError> {
    if text.chars().count() > MAX_POLICY_CHARS {
        return Err(ApiError::bad(format!(
            "Policy document length exceeds the maximum of {MAX_POLICY_CHARS} characters"
        )));
    }
    let invalid = || {
        ApiError::bad(
            "Invalid policy document. Please check the policy syntax and ensure that Principals are valid.",
        )
    };
    let mut policy: Value = serde_json::from_str(text).map_err(|_| invalid())?;
    if !policy.is_object() {
        return Err(invalid());
    }
    let expand = |s: &mut String| {
        *s = tollgate_policy::expand_shorthand(
            s,
            tollgate_model::REGION,
            tollgate_model::ACCOUNT_ID,
            api_id,
        );
    };
    if let Some(statements) = policy.get_mut("Statement") {
        let statements: Vec<&mut Value> = match statements {
            Value::Array(items) => items.iter_mut().collect(),
            single => vec![single],
        };
        for st in statements {
            for key in ["Resource", "NotResource"] {
                match st.get_mut(key) {
                    Some(Value::String(s)) => expand(s),
                    Some(Value::Array(items)) => items.iter_mut().for_each(|i| {
                        if let Value::String(s) = i {
                            expand(s)
                        }
                    }),
                    _ => {}
                }
            }
        }
    }
    tollgate_policy::PolicyDocument::from_value(&policy, Default::default())
        .map_err(|_| invalid())?;
    Ok(policy.to_string())
}
