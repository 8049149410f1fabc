//! `/restapis/{id}/stages`: GetStage(s) and DeleteStage.

use http::{Method as Verb, StatusCode};
use tollgate_store::{SqliteStore, Store};

use crate::{ApiError, Call, Page, Reply};

/// Routes `/restapis/{api_id}/stages` + `rest`.
pub(crate) async fn route(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    rest: &[&str],
) -> Option<Result<Reply, ApiError>> {
    let m = call.method;
    Some(match rest {
        [] if m == Verb::GET => list(store, call, api_id).await,
        [name] if m == Verb::GET => get(store, api_id, name).await,
        [name] if m == Verb::DELETE => delete(store, api_id, name).await,
        _ => return None,
    })
}

/// GET `/restapis/{id}/stages` (`deploymentId` filter; not paged, as in AWS).
async fn list(store: &SqliteStore, call: &Call<'_>, api_id: &str) -> Result<Reply, ApiError> {
    store.get_api(api_id).await?;
    let deployment = call.param("deploymentId");
    let item = store
        .list_stages(api_id)
        .await?
        .into_iter()
        .filter(|s| deployment.as_deref().is_none_or(|d| s.deployment_id == d))
        .collect();
    Ok(Reply::json(
        StatusCode::OK,
        &Page {
            item,
            position: None,
        },
    ))
}

/// GET `/restapis/{id}/stages/{stage_name}`.
async fn get(store: &SqliteStore, api_id: &str, name: &str) -> Result<Reply, ApiError> {
    let stage = store.get_stage(api_id, name).await?;
    Ok(Reply::json(StatusCode::OK, &stage))
}

/// DELETE `/restapis/{id}/stages/{stage_name}` → 202.
async fn delete(store: &SqliteStore, api_id: &str, name: &str) -> Result<Reply, ApiError> {
    store.delete_stage(api_id, name).await?;
    Ok(Reply::accepted())
}
