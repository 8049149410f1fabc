//! `/restapis/{id}/documentation`: an API's documentation parts and documentation versions.
//!
//! Parts (`.../documentation/parts`): CreateDocumentationPart (POST → 201), GetDocumentationPart
//! and GetDocumentationParts (GET; filters `type`, `name` (a prefix, as GetApiKeys' `name`),
//! `path`, `locationStatus=DOCUMENTED|UNDOCUMENTED`; paged), UpdateDocumentationPart (PATCH,
//! `replace /properties` only), DeleteDocumentationPart (DELETE → 202) and
//! ImportDocumentationParts (PUT `?mode=merge|overwrite&failonwarnings=` with an OpenAPI document
//! carrying `x-amazon-apigateway-documentation` → 200 `{"ids": [...], "warnings": [...]}`; merge
//! adds new locations and, at an existing location, replaces the properties' top-level
//! attributes the document gives, keeping the part's id; overwrite replaces every part).
//!
//! Versions (`.../documentation/versions`): CreateDocumentationVersion (POST → 201; a snapshot of
//! the current parts; `stageName` associates that stage with it in the same transaction),
//! GetDocumentationVersion(s) (paged), UpdateDocumentationVersion (`replace /description`) and
//! DeleteDocumentationVersion (202). A stage names its version with CreateStage's
//! `documentationVersion` or UpdateStage's `replace /documentationVersion`; GetExport of the stage
//! then carries that version (see `export`).
//!
//! Parts belong to the API's current definition, like its models: every call is one store
//! transaction, ImportRestApi and PutRestApi bring the document's parts along (unless
//! `ignore=documentation`), deleting the API deletes them, and deployments never include them.
//! Restoring an older version is what AWS offers too: export a stage associated with it, then
//! ImportDocumentationParts the export with `mode=overwrite`.
//!
//! Texts recorded from AWS: `Invalid Documentation part identifier specified` (404, also for a
//! part of an unknown API on Get/Update); `Invalid API identifier specified ...` (404, on Create,
//! List and Delete); the `location.type` ValidationException with AWS's enum order; `Invalid patch
//! path  '/x' specified for op 'replace'. Must be one of: [/properties]` and `... for op 'add'.
//! Please choose supported operations`; `Unable to build importer with provided input.`.
//! From AWS's developer guide: `Documentation part already exists for the specified location:
//! type 'API'.` (409; other fields listed after the type in the same style: unconfirmed).
//! Relied on by tools, not recorded: `Invalid Documentation version specified` (404, also for a
//! stage naming an unknown version). Unconfirmed: the texts for a location field the type does
//! not take or a missing `name` (the model's [`tollgate_model::LocationError`]), properties that
//! are not JSON, a duplicate version (409), and the failonwarnings refusal.

use http::{Method as Verb, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tollgate_model::{
    ApiDefinition, DocumentationPart, DocumentationPartLocation, DocumentationPartType,
    DocumentationVersion, ids, now_epoch_seconds, valid_location_status_code,
};
use tollgate_store::{SqliteStore, Store};

use crate::patch::PatchBody;
use crate::quotas::{Quota, Quotas};
use crate::{ApiError, Call, Reply, page, parts};

/// Routes `/restapis/{api_id}/documentation` + `rest`.
pub(crate) async fn route(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
    api_id: &str,
    rest: &[&str],
) -> Option<Result<Reply, ApiError>> {
    let m = call.method;
    Some(match rest {
        ["parts"] if m == Verb::POST => create_part(store, quotas, call, api_id).await,
        ["parts"] if m == Verb::GET => list_parts(store, call, api_id).await,
        ["parts"] if m == Verb::PUT => import_parts(store, quotas, call, api_id).await,
        ["parts", id] if m == Verb::GET => get_part(store, api_id, id).await,
        ["parts", id] if m == Verb::PATCH => update_part(store, call, api_id, id).await,
        ["parts", id] if m == Verb::DELETE => delete_part(store, api_id, id).await,
        ["versions"] if m == Verb::POST => create_version(store, call, api_id).await,
        ["versions"] if m == Verb::GET => list_versions(store, call, api_id).await,
        ["versions", v] if m == Verb::GET => get_version(store, api_id, v).await,
        ["versions", v] if m == Verb::PATCH => update_version(store, call, api_id, v).await,
        ["versions", v] if m == Verb::DELETE => delete_version(store, api_id, v).await,
        _ => return None,
    })
}

/// AWS's 404 for an unknown part (recorded; also its answer for a part of an unknown API).
fn no_part() -> ApiError {
    ApiError::not_found("Invalid Documentation part identifier specified")
}

/// `DocumentationPartType` as AWS's ValidationException lists it (recorded order).
const TYPES_IN_AWS_ORDER: [&str; 12] = [
    "RESPONSE_BODY",
    "RESPONSE",
    "METHOD",
    "MODEL",
    "AUTHORIZER",
    "RESPONSE_HEADER",
    "RESOURCE",
    "PATH_PARAMETER",
    "REQUEST_BODY",
    "QUERY_PARAMETER",
    "API",
    "REQUEST_HEADER",
];

fn part_type(value: &str, at: &str) -> Result<DocumentationPartType, ApiError> {
    DocumentationPartType::parse(value)
        .ok_or_else(|| ApiError::enum_value(value, at, &TYPES_IN_AWS_ORDER))
}

/// Properties must be JSON text (Tollgate's wording).
fn check_properties(text: &str) -> Result<(), ApiError> {
    serde_json::from_str::<Value>(text).map(drop).map_err(|e| {
        ApiError::bad(format!(
            "Invalid documentation part properties: not valid JSON ({e})"
        ))
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LocationInput {
    #[serde(rename = "type")]
    kind: Option<String>,
    path: Option<String>,
    method: Option<String>,
    status_code: Option<String>,
    name: Option<String>,
}

#[derive(Deserialize)]
struct CreatePart {
    location: Option<LocationInput>,
    properties: Option<String>,
}

/// The location's shape as the API model checks it (ValidationException): a type from the
/// enumeration and a status code matching the model's pattern.
fn location(input: LocationInput) -> Result<DocumentationPartLocation, ApiError> {
    const INPUT: &str = "createDocumentationPartInput";
    let kind = input
        .kind
        .ok_or_else(|| ApiError::null_members(INPUT, &["location.type"]))?;
    let kind = part_type(&kind, &format!("{INPUT}.location.type"))?;
    if let Some(code) = &input.status_code
        && !valid_location_status_code(code)
    {
        return Err(ApiError::Validation(format!(
            "1 validation error detected: Value '{code}' at '{INPUT}.location.statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([1-5]\\d\\d|\\*|\\s*)$"
        )));
    }
    Ok(DocumentationPartLocation {
        kind,
        path: input.path,
        method: input.method,
        status_code: input.status_code,
        name: input.name,
    })
}

/// AWS's 409 for a second part at a location.
fn taken(location: &DocumentationPartLocation) -> ApiError {
    ApiError::Conflict(format!(
        "Documentation part already exists for the specified location: {}.",
        location.describe()
    ))
}

/// POST `/restapis/{id}/documentation/parts` → 201 with the part; counted against the
/// documentation parts quota in the same transaction.
async fn create_part(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
    api_id: &str,
) -> Result<Reply, ApiError> {
    let body: CreatePart = call.json()?;
    let (Some(input), Some(properties)) = (body.location, body.properties) else {
        return Err(ApiError::null_members(
            "createDocumentationPartInput",
            &["location", "properties"],
        ));
    };
    let location = location(input)?;
    let quotas = *quotas;
    let part = crate::edit(store, api_id, move |d| {
        let location = location
            .normalized()
            .map_err(|e| ApiError::bad(e.to_string()))?;
        check_properties(&properties)?;
        if d.documentation_parts.iter().any(|p| p.location == location) {
            return Err(taken(&location));
        }
        quotas.one_more(Quota::DocumentationPartsPerApi, d.documentation_parts.len())?;
        let part = DocumentationPart {
            id: new_part_id(d),
            location,
            properties,
        };
        d.documentation_parts.push(part.clone());
        Ok(part)
    })
    .await?;
    Ok(Reply::json(StatusCode::CREATED, &part))
}

/// A six-character id no part of the API has.
fn new_part_id(d: &ApiDefinition) -> String {
    loop {
        let id = ids::short_id();
        if d.documentation_parts.iter().all(|p| p.id != id) {
            return id;
        }
    }
}

/// GET `/restapis/{id}/documentation/parts` (paged, in creation order).
async fn list_parts(store: &SqliteStore, call: &Call<'_>, api_id: &str) -> Result<Reply, ApiError> {
    const INPUT: &str = "getDocumentationPartsInput";
    let kind = match call.param("type") {
        Some(t) => Some(part_type(&t, &format!("{INPUT}.type"))?),
        None => None,
    };
    let documented = match call.param("locationStatus").as_deref() {
        None => None,
        Some("DOCUMENTED") => Some(true),
        Some("UNDOCUMENTED") => Some(false),
        Some(other) => {
            return Err(ApiError::enum_value(
                other,
                &format!("{INPUT}.locationStatus"),
                &["DOCUMENTED", "UNDOCUMENTED"],
            ));
        }
    };
    let name = call.param("name");
    let path = call.param("path");
    let d = store.shared_definition(api_id).await?;
    let item: Vec<DocumentationPart> = d
        .documentation_parts
        .iter()
        .filter(|p| kind.is_none_or(|k| p.location.kind == k))
        .filter(|p| {
            name.as_deref().is_none_or(|n| {
                p.location
                    .name
                    .as_deref()
                    .is_some_and(|have| have.starts_with(n))
            })
        })
        .filter(|p| path.is_none() || p.location.path == path)
        .filter(|p| documented.is_none_or(|want| p.is_documented() == want))
        .cloned()
        .collect();
    Ok(Reply::json(StatusCode::OK, &page(call, item)))
}

/// GET `/restapis/{id}/documentation/parts/{part_id}`.
async fn get_part(store: &SqliteStore, api_id: &str, id: &str) -> Result<Reply, ApiError> {
    let d = parts::read(store, api_id, no_part()).await?;
    let part = d
        .documentation_parts
        .iter()
        .find(|p| p.id == id)
        .ok_or_else(no_part)?;
    Ok(Reply::json(StatusCode::OK, &part))
}

/// PATCH `/restapis/{id}/documentation/parts/{part_id}` → 200 with the part: `replace
/// /properties` only (a part's location is what it is).
async fn update_part(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    id: &str,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateDocumentationPartInput")?;
    let id = id.to_owned();
    let part = parts::edit(store, api_id, no_part(), move |d| {
        let part = d
            .documentation_parts
            .iter_mut()
            .find(|p| p.id == id)
            .ok_or_else(no_part)?;
        for op in &body.patch_operations {
            op.require("replace")?;
            if op.path != "/properties" {
                return Err(op.not_one_of(&["/properties"]));
            }
            let value = op.value()?;
            check_properties(value)?;
            part.properties = value.to_owned();
        }
        Ok(part.clone())
    })
    .await?;
    Ok(Reply::json(StatusCode::OK, &part))
}

/// DELETE `/restapis/{id}/documentation/parts/{part_id}` → 202. Versions keep their copies.
async fn delete_part(store: &SqliteStore, api_id: &str, id: &str) -> Result<Reply, ApiError> {
    let id = id.to_owned();
    crate::edit(store, api_id, move |d| {
        let before = d.documentation_parts.len();
        d.documentation_parts.retain(|p| p.id != id);
        if d.documentation_parts.len() == before {
            return Err(no_part());
        }
        Ok(())
    })
    .await?;
    Ok(Reply::accepted())
}

/// ImportDocumentationParts' answer.
#[derive(Serialize)]
struct Imported {
    ids: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

/// PUT `/restapis/{id}/documentation/parts?mode=merge|overwrite&failonwarnings=` with an OpenAPI
/// document → 200 `{"ids": [...]}` (the imported parts' ids, in document order), with the
/// warnings about parts left out. A result with more parts than before and past the quota is
/// refused whole, in the same transaction.
async fn import_parts(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
    api_id: &str,
) -> Result<Reply, ApiError> {
    let overwrite = match call.param("mode").as_deref() {
        None | Some("merge") => false,
        Some("overwrite") => true,
        Some(other) => {
            return Err(ApiError::enum_value(
                other,
                "importDocumentationPartsInput.mode",
                &["merge", "overwrite"],
            ));
        }
    };
    let imported = tollgate_openapi::import_documentation(call.body)
        .map_err(|_| ApiError::bad("Unable to build importer with provided input."))?;
    let warnings: Vec<String> = imported.warnings.iter().map(ToString::to_string).collect();
    if call.flag("failonwarnings") && !warnings.is_empty() {
        return Err(ApiError::bad(format!(
            "Errors found during import:\n\t{}",
            warnings.join("\n\t")
        )));
    }
    let quotas = *quotas;
    let ids = crate::edit(store, api_id, move |d| {
        let before = d.documentation_parts.len();
        let ids = if overwrite {
            let ids = imported.parts.iter().map(|p| p.id.clone()).collect();
            d.documentation_parts = imported.parts;
            ids
        } else {
            merge_parts(&mut d.documentation_parts, imported.parts)
        };
        quotas.allow(
            Quota::DocumentationPartsPerApi,
            before,
            d.documentation_parts.len(),
        )?;
        Ok(ids)
    })
    .await?;
    Ok(Reply::json(StatusCode::OK, &Imported { ids, warnings }))
}

/// Merges imported parts into an API's parts (ImportDocumentationParts' and PutRestApi's `merge`):
/// a part at a new location is added; at an existing location the part keeps its id and the
/// imported properties' top-level attributes replace its own (whole properties when either is
/// not a JSON object). Returns the ids of the imported parts, in their order.
pub(crate) fn merge_parts(
    current: &mut Vec<DocumentationPart>,
    imported: Vec<DocumentationPart>,
) -> Vec<String> {
    let mut ids = Vec::with_capacity(imported.len());
    for part in imported {
        match current.iter_mut().find(|p| p.location == part.location) {
            Some(existing) => {
                existing.properties = merged(&existing.properties, part.properties);
                ids.push(existing.id.clone());
            }
            None => {
                ids.push(part.id.clone());
                current.push(part);
            }
        }
    }
    ids
}

fn merged(existing: &str, imported: String) -> String {
    match (
        serde_json::from_str::<Value>(existing),
        serde_json::from_str::<Value>(&imported),
    ) {
        (Ok(Value::Object(mut old)), Ok(Value::Object(new))) => {
            old.extend(new);
            Value::Object(old).to_string()
        }
        _ => imported,
    }
}

/// Whether ImportRestApi or PutRestApi was asked to leave documentation out
/// (`ignore=documentation`, or `parameters.ignore=documentation` as the CLI sends it).
pub(crate) fn ignored(call: &Call<'_>) -> bool {
    ["ignore", "parameters.ignore"].iter().any(|key| {
        call.param(key)
            .is_some_and(|v| v.split(',').any(|i| i.trim() == "documentation"))
    })
}

/// PutRestApi's `overwrite`: a document that brings no documentation parts (or whose parts are
/// ignored) keeps the API's parts; one that brings some replaces them all.
pub(crate) fn carry_over(current: &mut ApiDefinition, next: &mut ApiDefinition) {
    if next.documentation_parts.is_empty() {
        next.documentation_parts = std::mem::take(&mut current.documentation_parts);
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateVersion {
    documentation_version: Option<String>,
    stage_name: Option<String>,
    description: Option<String>,
}

/// POST `/restapis/{id}/documentation/versions` → 201 with the version.
async fn create_version(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
) -> Result<Reply, ApiError> {
    let body: CreateVersion = call.json()?;
    let Some(version) = body.documentation_version else {
        return Err(ApiError::null_members(
            "createDocumentationVersionInput",
            &["documentationVersion"],
        ));
    };
    if version.trim().is_empty() {
        return Err(ApiError::bad("Documentation version must be non-empty"));
    }
    let version = DocumentationVersion {
        version,
        created_date: now_epoch_seconds(),
        description: body.description.filter(|d| !d.is_empty()),
    };
    let stage = body.stage_name.filter(|s| !s.is_empty());
    store
        .create_documentation_version(api_id, &version, stage.as_deref())
        .await?;
    Ok(Reply::json(StatusCode::CREATED, &version))
}

/// GET `/restapis/{id}/documentation/versions` (paged, oldest first).
async fn list_versions(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
) -> Result<Reply, ApiError> {
    let versions = store.list_documentation_versions(api_id).await?;
    Ok(Reply::json(StatusCode::OK, &page(call, versions)))
}

/// GET `/restapis/{id}/documentation/versions/{doc_version}`.
async fn get_version(store: &SqliteStore, api_id: &str, version: &str) -> Result<Reply, ApiError> {
    let (version, _) = store.get_documentation_version(api_id, version).await?;
    Ok(Reply::json(StatusCode::OK, &version))
}

/// PATCH `/restapis/{id}/documentation/versions/{doc_version}` → 200 with the version: its
/// description is all that changes (`replace`, `add` or `remove /description`).
async fn update_version(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    version: &str,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateDocumentationVersionInput")?;
    let mut description = None;
    for op in &body.patch_operations {
        if op.path != "/description" {
            return Err(op.not_one_of(&["/description"]));
        }
        description = Some(match op.op.as_str() {
            "add" | "replace" => op.optional_value(),
            "remove" => None,
            _ => return Err(op.unsupported_op()),
        });
    }
    let version = match description {
        Some(d) => {
            store
                .set_documentation_version_description(api_id, version, d)
                .await?
        }
        None => store.get_documentation_version(api_id, version).await?.0,
    };
    Ok(Reply::json(StatusCode::OK, &version))
}

/// DELETE `/restapis/{id}/documentation/versions/{doc_version}` → 202.
async fn delete_version(
    store: &SqliteStore,
    api_id: &str,
    version: &str,
) -> Result<Reply, ApiError> {
    store.delete_documentation_version(api_id, version).await?;
    Ok(Reply::accepted())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(id: &str, kind: DocumentationPartType, properties: &str) -> DocumentationPart {
        DocumentationPart {
            id: id.into(),
            location: DocumentationPartLocation::of(kind).normalized().unwrap(),
            properties: properties.into(),
        }
    }

    #[test]
    fn merge_keeps_ids_and_replaces_top_level_attributes() {
        let mut current = vec![
            part(
                "aaaaaa",
                DocumentationPartType::Api,
                r#"{"description":"old","info":{"version":"1"}}"#,
            ),
            part("bbbbbb", DocumentationPartType::Resource, "[1]"),
        ];
        let ids = merge_parts(
            &mut current,
            vec![
                part(
                    "cccccc",
                    DocumentationPartType::Api,
                    r#"{"info":{"title":"t"},"x":1}"#,
                ),
                part("dddddd", DocumentationPartType::Resource, r#"{"a":1}"#),
                part("eeeeee", DocumentationPartType::Method, "{}"),
            ],
        );
        assert_eq!(ids, ["aaaaaa", "bbbbbb", "eeeeee"]);
        assert_eq!(
            current[0].properties,
            r#"{"description":"old","info":{"title":"t"},"x":1}"#
        );
        assert_eq!(current[1].properties, r#"{"a":1}"#);
        assert_eq!(current.len(), 3);
    }
}
