//! What the collections of an API's definition beside its resources (models, request
//! validators, authorizers, gateway responses) share: reading and editing the definition with
//! the answer AWS gives each operation for an unknown API, and finding the methods that use a
//! part, so that a part in use is never deleted from under them.

use tollgate_model::{ApiDefinition, HttpMethod, Method, Resource};
use tollgate_store::{SqliteStore, Store, StoreError};

use crate::ApiError;
use crate::error::Carried;

/// The API's current definition; an unknown API is `missing`.
pub(crate) async fn read(
    store: &SqliteStore,
    api_id: &str,
    missing: ApiError,
) -> Result<std::sync::Arc<ApiDefinition>, ApiError> {
    store
        .shared_definition(api_id)
        .await
        .map_err(|e| ApiError::unknown_api_as(e, missing))
}

/// Edits the API's current definition in one transaction (see [`crate::edit`]); an unknown API
/// is `missing`.
pub(crate) async fn edit<T, F>(
    store: &SqliteStore,
    api_id: &str,
    missing: ApiError,
    edit: F,
) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut ApiDefinition) -> Result<T, ApiError> + Send + 'static,
{
    let carried = Carried::default();
    let through = carried.clone();
    store
        .edit_api(api_id, move |d| edit(d).map_err(|e| through.through(e)))
        .await
        .map_err(|e| match e {
            StoreError::ApiNotFound(_) => missing,
            e => carried.or(e),
        })
}

/// Every method of the API with its resource, in resource order.
pub(crate) fn methods(d: &ApiDefinition) -> impl Iterator<Item = (&Resource, HttpMethod, &Method)> {
    d.resources.iter().flat_map(|r| {
        r.resource_methods
            .iter()
            .map(move |(verb, method)| (r, *verb, method))
    })
}
