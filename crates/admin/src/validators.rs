//! `/restapis/{id}/requestvalidators`: CreateRequestValidator, GetRequestValidator(s),
//! UpdateRequestValidator and DeleteRequestValidator. Both checks default to off; a validator a
//! method uses cannot be deleted (AWS refuses it too).

use http::{Method as Verb, StatusCode};
use serde::Deserialize;
use tollgate_model::{ApiDefinition, RequestValidator, ids};
use tollgate_store::{SqliteStore, Store};

use crate::patch::PatchBody;
use crate::{ApiError, Call, Reply, page, parts};

/// AWS's 404 for an unknown validator, also its answer for any validator of an unknown API.
const NO_VALIDATOR: &str = "Invalid Request Validator identifier specified";

/// AWS's text for a blank validator name.
const BLANK_NAME: &str = "Request Validator name cannot be blank";

/// The paths UpdateRequestValidator can replace, in the order AWS lists them.
const PATCH_PATHS: [&str; 3] = [
    "/name",
    "/validateRequestParameters",
    "/validateRequestBody",
];

/// Routes `/restapis/{api_id}/requestvalidators` + `rest`.
pub(crate) async fn route(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    rest: &[&str],
) -> Option<Result<Reply, ApiError>> {
    let m = call.method;
    Some(match rest {
        [] if m == Verb::POST => create(store, call, api_id).await,
        [] if m == Verb::GET => list(store, call, api_id).await,
        [id] if m == Verb::GET => get(store, api_id, id).await,
        [id] if m == Verb::PATCH => update(store, call, api_id, id).await,
        [id] if m == Verb::DELETE => delete(store, api_id, id).await,
        _ => return None,
    })
}

fn find<'a>(d: &'a ApiDefinition, id: &str) -> Result<&'a RequestValidator, ApiError> {
    d.request_validators
        .iter()
        .find(|v| v.id == id)
        .ok_or_else(|| ApiError::not_found(NO_VALIDATOR))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateRequestValidator {
    name: Option<String>,
    validate_request_body: Option<bool>,
    validate_request_parameters: Option<bool>,
}

/// POST `/restapis/{id}/requestvalidators` → 201 with the validator. On an unknown API AWS
/// answers 400 `Invalid REST API identifier specified`.
async fn create(store: &SqliteStore, call: &Call<'_>, api_id: &str) -> Result<Reply, ApiError> {
    let body: CreateRequestValidator = call.json()?;
    if body.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(ApiError::bad(BLANK_NAME));
    }
    let validator = RequestValidator {
        id: ids::short_id(),
        name: body.name,
        validate_request_body: body.validate_request_body.unwrap_or(false),
        validate_request_parameters: body.validate_request_parameters.unwrap_or(false),
    };
    let missing = ApiError::bad("Invalid REST API identifier specified");
    let created = parts::edit(store, api_id, missing, move |d| {
        d.request_validators.push(validator.clone());
        Ok(validator)
    })
    .await?;
    Ok(Reply::json(StatusCode::CREATED, &created))
}

/// GET `/restapis/{id}/requestvalidators` (paged), in creation order.
async fn list(store: &SqliteStore, call: &Call<'_>, api_id: &str) -> Result<Reply, ApiError> {
    let d = store.shared_definition(api_id).await?;
    Ok(Reply::json(
        StatusCode::OK,
        &page(call, d.request_validators.clone()),
    ))
}

/// GET `/restapis/{id}/requestvalidators/{validator_id}`.
async fn get(store: &SqliteStore, api_id: &str, id: &str) -> Result<Reply, ApiError> {
    let d = parts::read(store, api_id, ApiError::not_found(NO_VALIDATOR)).await?;
    Ok(Reply::json(StatusCode::OK, find(&d, id)?))
}

/// PATCH `/restapis/{id}/requestvalidators/{validator_id}`: replace `/name`,
/// `/validateRequestBody` or `/validateRequestParameters` (a flag is on only for `"true"`).
async fn update(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    id: &str,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateRequestValidatorInput")?;
    let id = id.to_owned();
    let missing = ApiError::not_found(NO_VALIDATOR);
    let updated = parts::edit(store, api_id, missing, move |d| {
        let mut validator = find(d, &id)?.clone();
        for op in &body.patch_operations {
            if op.op != "replace" {
                return Err(op.unsupported_op());
            }
            let on = || {
                op.value
                    .as_deref()
                    .is_some_and(|v| v.eq_ignore_ascii_case("true"))
            };
            match op.path.as_str() {
                "/name" => match op.value.as_deref() {
                    Some(name) if !name.trim().is_empty() => {
                        validator.name = Some(name.to_owned());
                    }
                    _ => return Err(ApiError::bad(BLANK_NAME)),
                },
                "/validateRequestBody" => validator.validate_request_body = on(),
                "/validateRequestParameters" => validator.validate_request_parameters = on(),
                _ => return Err(op.not_one_of(&PATCH_PATHS)),
            }
        }
        if let Some(v) = d.request_validators.iter_mut().find(|v| v.id == id) {
            *v = validator.clone();
        }
        Ok(validator)
    })
    .await?;
    Ok(Reply::json(StatusCode::OK, &updated))
}

/// DELETE `/restapis/{id}/requestvalidators/{validator_id}` → 202; 409 while a method uses it.
async fn delete(store: &SqliteStore, api_id: &str, id: &str) -> Result<Reply, ApiError> {
    let id = id.to_owned();
    let missing = ApiError::not_found(NO_VALIDATOR);
    parts::edit(store, api_id, missing, move |d| {
        let validator = find(d, &id)?;
        if let Some((resource, verb, _)) = parts::methods(d)
            .find(|(_, _, m)| m.request_validator_id.as_deref() == Some(id.as_str()))
        {
            let name = validator.name.as_deref().unwrap_or(&validator.id);
            return Err(ApiError::Conflict(format!(
                "Cannot delete Request Validator '{name}', is referenced in method: {}/{}",
                verb.as_str(),
                resource.path
            )));
        }
        d.request_validators.retain(|v| v.id != id);
        Ok(())
    })
    .await?;
    Ok(Reply::accepted())
}
