//! `/apikeys`: CreateApiKey, GetApiKey(s), UpdateApiKey, DeleteApiKey.
//!
//! The operations are public ([`create_api_key`], [`get_api_keys`], [`update_api_key`],
//! [`delete_api_key`]) so that `tollgate keys ...` and `serve --sam` run the same code.

use std::collections::BTreeMap;

use http::StatusCode;
use serde::Deserialize;
use tollgate_model::{ApiKey, ids, now_epoch_seconds};
use tollgate_store::{SqliteStore, Store};

use crate::patch::{PatchBody, PatchOperation};
use crate::quotas::{Quota, Quotas};
use crate::{ApiError, Call, Reply, page};

/// CreateApiKey's body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateApiKey {
    pub name: Option<String>,
    pub description: Option<String>,
    /// False unless given, as in AWS.
    #[serde(default)]
    pub enabled: bool,
    /// 20 to 128 characters; generated when absent.
    pub value: Option<String>,
    pub customer_id: Option<String>,
    #[serde(default)]
    pub stage_keys: Vec<StageKey>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

/// A stage of CreateApiKey's `stageKeys`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StageKey {
    pub rest_api_id: Option<String>,
    pub stage_name: Option<String>,
}

/// A new key with AWS's checks: a given value must be 20 to 128 characters (else one is
/// generated), a name at most 1024. Shared by CreateApiKey and ImportApiKeys.
pub(crate) fn new_key(
    name: String,
    value: Option<String>,
    description: Option<String>,
    customer_id: Option<String>,
    enabled: bool,
) -> Result<ApiKey, ApiError> {
    let value = match value {
        Some(v) if v.chars().count() < 20 => {
            return Err(ApiError::bad(
                "API Key value should be at least 20 characters",
            ));
        }
        Some(v) if v.chars().count() > 128 => {
            return Err(ApiError::bad(
                "API Key value exceeds maximum size of 128 characters",
            ));
        }
        Some(v) if !ApiKey::valid_value(&v) => {
            return Err(ApiError::bad("Invalid API Key value specified"));
        }
        Some(v) => v,
        None => ApiKey::generate_value(),
    };
    check_name(&name)?;
    let now = now_epoch_seconds();
    Ok(ApiKey {
        id: ids::long_id(),
        value,
        name,
        customer_id,
        description,
        enabled,
        created_date: now,
        last_updated_date: now,
        stage_keys: Vec::new(),
        tags: BTreeMap::new(),
    })
}

fn check_name(name: &str) -> Result<(), ApiError> {
    if name.chars().count() > 1024 {
        return Err(ApiError::bad(
            "Invalid API Key name, can be at most 1024 characters.",
        ));
    }
    Ok(())
}

/// CreateApiKey: a new key with AWS's checks (see [`new_key`]), stored. Returns it with its
/// value.
pub async fn create_api_key(store: &SqliteStore, body: CreateApiKey) -> Result<ApiKey, ApiError> {
    let mut key = new_key(
        body.name.unwrap_or_default(),
        body.value,
        body.description,
        body.customer_id,
        body.enabled,
    )?;
    key.stage_keys = body
        .stage_keys
        .into_iter()
        .filter_map(|s| Some(format!("{}/{}", s.rest_api_id?, s.stage_name?)))
        .collect();
    key.tags = body.tags;
    store.create_api_key(&key).await?;
    Ok(key)
}

/// POST `/apikeys` → 201 with the key, value included (`?mode=import`: ImportApiKeys). The keys
/// are counted against the API keys quota right before the write, not in its transaction: two
/// concurrent creates at the edge can both pass.
pub(crate) async fn create(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
) -> Result<Reply, ApiError> {
    if call.param("mode").as_deref() == Some("import") {
        return crate::import::handle(store, quotas, call).await;
    }
    let body: CreateApiKey = call.json()?;
    crate::tags::check_new(&body.tags)?;
    quotas.one_more(Quota::ApiKeys, store.list_api_keys().await?.len())?;
    let key = create_api_key(store, body).await?;
    Ok(Reply::json(StatusCode::CREATED, &key))
}

fn shown(key: &ApiKey, with_value: bool) -> serde_json::Value {
    if with_value {
        serde_json::to_value(key).unwrap_or_default()
    } else {
        key.without_value()
    }
}

/// GET `/apikeys/{id}` (`includeValue=true` for the value).
pub(crate) async fn get(store: &SqliteStore, call: &Call<'_>, id: &str) -> Result<Reply, ApiError> {
    let key = store.get_api_key(id).await?;
    Ok(Reply::json(
        StatusCode::OK,
        &shown(&key, call.flag("includeValue")),
    ))
}

/// GetApiKeys' filters.
#[derive(Debug, Default)]
pub struct GetApiKeys {
    /// Keys whose name starts with this.
    pub name: Option<String>,
    pub customer_id: Option<String>,
}

/// GetApiKeys: the keys, oldest first, with their values (callers hide them unless asked).
pub async fn get_api_keys(
    store: &SqliteStore,
    filter: &GetApiKeys,
) -> Result<Vec<ApiKey>, ApiError> {
    let mut keys = store.list_api_keys().await?;
    keys.retain(|k| {
        filter.name.as_deref().is_none_or(|n| k.name.starts_with(n))
            && filter
                .customer_id
                .as_deref()
                .is_none_or(|c| k.customer_id.as_deref() == Some(c))
    });
    Ok(keys)
}

/// GET `/apikeys` (`name` prefix, `customerId`, `includeValues`, paging).
pub(crate) async fn list(store: &SqliteStore, call: &Call<'_>) -> Result<Reply, ApiError> {
    let filter = GetApiKeys {
        name: call.param("name"),
        customer_id: call.param("customerId"),
    };
    let with_values = call.flag("includeValues");
    let keys: Vec<serde_json::Value> = get_api_keys(store, &filter)
        .await?
        .iter()
        .map(|k| shown(k, with_values))
        .collect();
    Ok(Reply::json(StatusCode::OK, &page(call, keys)))
}

/// UpdateApiKey: `replace` of `/name`, `/description`, `/enabled`, `/customerId`, applied in
/// order and stored once. Returns the key.
pub async fn update_api_key(
    store: &SqliteStore,
    id: &str,
    operations: &[PatchOperation],
) -> Result<ApiKey, ApiError> {
    let mut key = store.get_api_key(id).await?;
    for op in operations {
        if op.op != "replace" {
            return Err(op.unsupported_op());
        }
        match op.path.as_str() {
            "/name" => {
                let name = op.value()?.to_owned();
                check_name(&name)?;
                key.name = name;
            }
            "/description" => key.description = op.value.clone().filter(|d| !d.is_empty()),
            "/enabled" => key.enabled = op.bool_value()?,
            "/customerId" => key.customer_id = op.value.clone().filter(|c| !c.is_empty()),
            _ => return Err(op.invalid_path()),
        }
    }
    key.last_updated_date = now_epoch_seconds();
    store.update_api_key(&key).await?;
    Ok(key)
}

/// PATCH `/apikeys/{id}` → 200 with the key, without its value.
pub(crate) async fn update(
    store: &SqliteStore,
    call: &Call<'_>,
    id: &str,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    let key = update_api_key(store, id, &body.patch_operations).await?;
    Ok(Reply::json(StatusCode::OK, &key.without_value()))
}

/// DeleteApiKey.
pub async fn delete_api_key(store: &SqliteStore, id: &str) -> Result<(), ApiError> {
    Ok(store.delete_api_key(id).await?)
}

/// DELETE `/apikeys/{id}` → 202.
pub(crate) async fn delete(store: &SqliteStore, id: &str) -> Result<Reply, ApiError> {
    delete_api_key(store, id).await?;
    Ok(Reply::accepted())
}
