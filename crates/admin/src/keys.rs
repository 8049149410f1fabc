//! `/apikeys`: CreateApiKey, GetApiKey(s), UpdateApiKey, DeleteApiKey.

use std::collections::BTreeMap;

use http::StatusCode;
use serde::Deserialize;
use tollgate_model::{ApiKey, ids, now_epoch_seconds};
use tollgate_store::{SqliteStore, Store};

use crate::patch::PatchBody;
use crate::{ApiError, Call, Reply, page};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateApiKey {
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    enabled: bool,
    value: Option<String>,
    customer_id: Option<String>,
    #[serde(default)]
    stage_keys: Vec<StageKey>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StageKey {
    rest_api_id: Option<String>,
    stage_name: Option<String>,
}

/// A new key with AWS's checks: a given value must be 20 to 128 characters (else one is
/// generated), a name at most 1024. Shared by CreateApiKey, ImportApiKeys and `tollgate keys create`.
pub fn new_key(
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

/// POST `/apikeys` → 201 with the key, value included. `enabled` defaults to false, as in AWS.
pub(crate) async fn create(store: &SqliteStore, call: &Call<'_>) -> Result<Reply, ApiError> {
    if call.param("mode").as_deref() == Some("import") {
        return crate::import::handle(store, call).await;
    }
    let body: CreateApiKey = call.json()?;
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

/// GET `/apikeys` (`name` prefix, `customerId`, `includeValues`, paging).
pub(crate) async fn list(store: &SqliteStore, call: &Call<'_>) -> Result<Reply, ApiError> {
    let name = call.param("name");
    let customer = call.param("customerId");
    let with_values = call.flag("includeValues");
    let keys: Vec<serde_json::Value> = store
        .list_api_keys()
        .await?
        .iter()
        .filter(|k| name.as_deref().is_none_or(|n| k.name.starts_with(n)))
        .filter(|k| {
            customer
                .as_deref()
                .is_none_or(|c| k.customer_id.as_deref() == Some(c))
        })
        .map(|k| shown(k, with_values))
        .collect();
    Ok(Reply::json(StatusCode::OK, &page(call, keys)))
}

/// PATCH `/apikeys/{id}`: replace `/name`, `/description`, `/enabled`, `/customerId`.
pub(crate) async fn update(
    store: &SqliteStore,
    call: &Call<'_>,
    id: &str,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    let mut key = store.get_api_key(id).await?;
    for op in &body.patch_operations {
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
    Ok(Reply::json(StatusCode::OK, &key.without_value()))
}

/// DELETE `/apikeys/{id}` → 202.
pub(crate) async fn delete(store: &SqliteStore, id: &str) -> Result<Reply, ApiError> {
    store.delete_api_key(id).await?;
    Ok(Reply::accepted())
}
