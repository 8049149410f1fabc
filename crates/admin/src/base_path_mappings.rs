//! `/domainnames/{name}/basepathmappings`: CreateBasePathMapping, GetBasePathMapping(s),
//! UpdateBasePathMapping and DeleteBasePathMapping.
//!
//! A mapping sends `https://{domain}/{basePath}/...` to a stage of an API; the empty base path is
//! spelt `(none)`, also as the path label that addresses it. Every change bumps the store's
//! revision, so the data plane routes by it within its poll interval.
//!
//! The operations are public so that `tollgate domains map|list` runs the same code.

use http::{Method as Verb, StatusCode};
use serde::Deserialize;
use tollgate_model::BasePathMapping;
use tollgate_store::{SqliteStore, Store, StoreError};

use crate::patch::PatchBody;
use crate::{ApiError, Call, Reply, page};

/// CreateBasePathMapping's body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBasePathMapping {
    /// One path segment; absent, empty or `(none)` maps the domain's root.
    pub base_path: Option<String>,
    pub rest_api_id: Option<String>,
    /// Absent: the first path segment after the base path names the stage.
    pub stage: Option<String>,
}

/// A mapping as CreateBasePathMapping asks for it, checked: the base path normalised (`(none)`
/// for the root), an API id present, an empty stage read as none. Shared by
/// CreateBasePathMapping and `tollgate domains map`.
pub fn new_mapping(request: CreateBasePathMapping) -> Result<BasePathMapping, ApiError> {
    Ok(BasePathMapping {
        base_path: base_path(request.base_path.as_deref().unwrap_or(""))?,
        rest_api_id: request
            .rest_api_id
            .filter(|id| !id.is_empty())
            .ok_or_else(unknown_api)?,
        stage: request.stage.filter(|s| !s.is_empty()),
    })
}

/// CreateBasePathMapping: the domain (404), the API and the stage when one is named (400 with
/// AWS's texts) must exist, and the base path must be free (409).
pub async fn create(
    store: &SqliteStore,
    domain: &str,
    request: CreateBasePathMapping,
) -> Result<BasePathMapping, ApiError> {
    let mapping = new_mapping(request)?;
    store
        .create_base_path_mapping(&domain.to_ascii_lowercase(), &mapping)
        .await
        .map_err(refused)?;
    Ok(mapping)
}

/// GetBasePathMapping (`base_path` as the path label has it: `(none)` for the root).
pub async fn get(
    store: &SqliteStore,
    domain: &str,
    base_path: &str,
) -> Result<BasePathMapping, ApiError> {
    let domain = domain.to_ascii_lowercase();
    let base_path = label(&domain, base_path)?;
    Ok(store.get_base_path_mapping(&domain, &base_path).await?)
}

/// GetBasePathMappings: a domain's mappings, by base path.
pub async fn list(store: &SqliteStore, domain: &str) -> Result<Vec<BasePathMapping>, ApiError> {
    Ok(store
        .list_base_path_mappings(&domain.to_ascii_lowercase())
        .await?)
}

/// Replaces the mapping at `base_path` with `mapping` (what UpdateBasePathMapping stores after
/// applying its patch), with the checks of [`create`]; `mapping` may move it to another base path.
pub async fn replace(
    store: &SqliteStore,
    domain: &str,
    base_path: &str,
    mapping: &BasePathMapping,
) -> Result<(), ApiError> {
    let domain = domain.to_ascii_lowercase();
    let base_path = label(&domain, base_path)?;
    store
        .update_base_path_mapping(&domain, &base_path, mapping)
        .await
        .map_err(refused)
}

/// DeleteBasePathMapping.
pub async fn delete(store: &SqliteStore, domain: &str, base_path: &str) -> Result<(), ApiError> {
    let domain = domain.to_ascii_lowercase();
    let base_path = label(&domain, base_path)?;
    Ok(store.delete_base_path_mapping(&domain, &base_path).await?)
}

/// Routes `/domainnames/{domain}/basepathmappings` + `rest`.
pub(crate) async fn route(
    store: &SqliteStore,
    call: &Call<'_>,
    domain: &str,
    rest: &[&str],
) -> Option<Result<Reply, ApiError>> {
    let m = call.method;
    Some(match rest {
        [] if m == Verb::POST => match call.json::<CreateBasePathMapping>() {
            Ok(request) => create(store, domain, request)
                .await
                .map(|b| Reply::json(StatusCode::CREATED, &b)),
            Err(e) => Err(e),
        },
        [] if m == Verb::GET => list(store, domain)
            .await
            .map(|all| Reply::json(StatusCode::OK, &page(call, all))),
        [path] if m == Verb::GET => get(store, domain, path)
            .await
            .map(|b| Reply::json(StatusCode::OK, &b)),
        [path] if m == Verb::PATCH => update(store, call, domain, path).await,
        [path] if m == Verb::DELETE => delete(store, domain, path)
            .await
            .map(|()| Reply::accepted()),
        _ => return None,
    })
}

/// PATCH: replace `/basePath`, `/restapiId` (AWS's spelling) and `/stage` (empty: the path
/// names the stage).
async fn update(
    store: &SqliteStore,
    call: &Call<'_>,
    domain: &str,
    path: &str,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateBasePathMappingInput")?;
    let mut mapping = get(store, domain, path).await?;
    let current = mapping.base_path.clone();
    for op in &body.patch_operations {
        if !matches!(op.path.as_str(), "/basePath" | "/restapiId" | "/stage") {
            return Err(op.invalid_path());
        }
        op.require("replace")?;
        match op.path.as_str() {
            "/basePath" => mapping.base_path = base_path(op.value.as_deref().unwrap_or(""))?,
            "/restapiId" => mapping.rest_api_id = op.optional_value().ok_or_else(unknown_api)?,
            _ => mapping.stage = op.optional_value(),
        }
    }
    replace(store, domain, &current, &mapping).await?;
    Ok(Reply::json(StatusCode::OK, &mapping))
}

/// A base path as given, normalised (`(none)` for the root). AWS's REST domains take one
/// segment.
fn base_path(given: &str) -> Result<String, ApiError> {
    BasePathMapping::normalize_base_path(given).ok_or_else(|| {
        if given.trim_matches('/').contains('/') {
            ApiError::bad(
                "API Gateway V1 doesn't support the slash character (/) in base path mappings. \
                 To create a multi-level base path mapping, use API Gateway V2.",
            )
        } else {
            ApiError::bad(format!("Invalid base path specified: {given}"))
        }
    })
}

/// The base path a path label addresses; a label no mapping can have is an unknown mapping.
fn label(domain: &str, label: &str) -> Result<String, ApiError> {
    BasePathMapping::normalize_base_path(label).ok_or_else(|| {
        StoreError::BasePathMappingNotFound {
            domain: domain.to_owned(),
            base_path: label.to_owned(),
        }
        .into()
    })
}

fn unknown_api() -> ApiError {
    ApiError::bad("Invalid REST API identifier specified")
}

/// AWS refuses a mapping to an unknown API or stage with a 400 (not the 404 of their own
/// operations), in its own words.
fn refused(e: StoreError) -> ApiError {
    match e {
        StoreError::ApiNotFound(_) => unknown_api(),
        StoreError::StageNotFound { .. } => ApiError::bad("Invalid stage identifier specified"),
        e => e.into(),
    }
}
