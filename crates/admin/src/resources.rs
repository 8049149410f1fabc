//! `/restapis/{id}/resources/...`: CreateResource, GetResource(s), UpdateResource and
//! DeleteResource; methods and everything below them are in [`crate::methods`].

use std::collections::{BTreeMap, HashSet};

use http::{Method as Verb, StatusCode};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tollgate_model::{ApiDefinition, PathPart, Resource};
use tollgate_store::{SqliteStore, Store};

use crate::patch::PatchBody;
use crate::quotas::{Quota, Quotas};
use crate::{ApiError, Call, Reply, page};

/// AWS's text for an unknown resource id.
pub(crate) const NO_RESOURCE: &str = "Invalid Resource identifier specified";

/// Routes `/restapis/{api_id}/resources` + `rest`.
pub(crate) async fn route(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
    api_id: &str,
    rest: &[&str],
) -> Option<Result<Reply, ApiError>> {
    let m = call.method;
    Some(match rest {
        [] if m == Verb::GET => list(store, call, api_id).await,
        [rid] if m == Verb::GET => get(store, call, api_id, rid).await,
        [rid] if m == Verb::POST => create(store, quotas, call, api_id, rid).await,
        [rid] if m == Verb::PATCH => update(store, call, api_id, rid).await,
        [rid] if m == Verb::DELETE => delete(store, api_id, rid).await,
        [rid, "methods", rest @ ..] => {
            return crate::methods::route(store, call, api_id, rid, rest).await;
        }
        _ => return None,
    })
}

/// A resource as AWS shows it: `resourceMethods` maps each verb to `{}` unless the call asked
/// for `embed=methods`, and is absent when the resource has none.
pub(crate) fn shown(resource: &Resource, embed: bool) -> Value {
    let mut v = Map::new();
    v.insert("id".into(), json!(resource.id));
    if let Some(p) = &resource.parent_id {
        v.insert("parentId".into(), json!(p));
    }
    if let Some(p) = &resource.path_part {
        v.insert("pathPart".into(), json!(p));
    }
    v.insert("path".into(), json!(resource.path));
    if !resource.resource_methods.is_empty() {
        let methods: Map<String, Value> = resource
            .resource_methods
            .iter()
            .map(|(verb, method)| {
                let value = if embed {
                    serde_json::to_value(method).unwrap_or_default()
                } else {
                    json!({})
                };
                (verb.as_str().to_owned(), value)
            })
            .collect();
        v.insert("resourceMethods".into(), Value::Object(methods));
    }
    Value::Object(v)
}

fn embeds_methods(call: &Call<'_>) -> bool {
    form_urlencoded::parse(call.query.unwrap_or("").as_bytes())
        .any(|(k, v)| k == "embed" && v.split(',').any(|e| e == "methods"))
}

/// GET `/restapis/{id}/resources` (paged; `embed=methods`).
async fn list(store: &SqliteStore, call: &Call<'_>, api_id: &str) -> Result<Reply, ApiError> {
    let definition = store.shared_definition(api_id).await?;
    let embed = embeds_methods(call);
    let items: Vec<Value> = definition
        .resources
        .iter()
        .map(|r| shown(r, embed))
        .collect();
    Ok(Reply::json(StatusCode::OK, &page(call, items)))
}

/// GET `/restapis/{id}/resources/{rid}` (`embed=methods`).
async fn get(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    rid: &str,
) -> Result<Reply, ApiError> {
    let definition = store.shared_definition(api_id).await?;
    let resource = find(&definition, rid)?;
    Ok(Reply::json(
        StatusCode::OK,
        &shown(resource, embeds_methods(call)),
    ))
}

pub(crate) fn find<'a>(definition: &'a ApiDefinition, rid: &str) -> Result<&'a Resource, ApiError> {
    definition
        .resources
        .iter()
        .find(|r| r.id == rid)
        .ok_or_else(|| ApiError::not_found(NO_RESOURCE))
}

pub(crate) fn find_mut<'a>(
    definition: &'a mut ApiDefinition,
    rid: &str,
) -> Result<&'a mut Resource, ApiError> {
    definition
        .resources
        .iter_mut()
        .find(|r| r.id == rid)
        .ok_or_else(|| ApiError::not_found(NO_RESOURCE))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateResource {
    path_part: Option<String>,
}

/// POST `/restapis/{id}/resources/{parent_id}` `{"pathPart"}` → 201 with the new resource;
/// counted against the resources quota in the same transaction.
async fn create(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
    api_id: &str,
    parent_id: &str,
) -> Result<Reply, ApiError> {
    let body: CreateResource = call.json()?;
    let path_part = body
        .path_part
        .ok_or_else(|| ApiError::bad("Resource path part must not be empty"))?;
    check_path_part(&path_part)?;
    let parent_id = parent_id.to_owned();
    let quotas = *quotas;
    let created = crate::edit(store, api_id, move |d| {
        let parent = find(d, &parent_id)?.clone();
        check_placement(d, &parent, &path_part, None)?;
        quotas.one_more(Quota::ResourcesPerApi, d.resources.len())?;
        let resource = Resource::child(&parent, &path_part);
        d.resources.push(resource.clone());
        Ok(resource)
    })
    .await?;
    Ok(Reply::json(StatusCode::CREATED, &shown(&created, false)))
}

/// A path part AWS accepts: `[A-Za-z0-9._-]` (`,` and `:` tolerated), or a whole-segment
/// `{name}` / `{name+}`.
fn check_path_part(part: &str) -> Result<(), ApiError> {
    let invalid = || {
        ApiError::bad(format!(
            "Resource's path part only allow a-zA-Z0-9._- and curly braces at the beginning and the end and an optional plus sign before the closing brace. Invalid path part: {part}"
        ))
    };
    let name = part
        .strip_prefix('{')
        .map(|p| p.strip_suffix('}').ok_or_else(invalid))
        .transpose()?;
    let text = match name {
        Some(n) => n.strip_suffix('+').unwrap_or(n),
        None => part,
    };
    let plain = |c: char| c.is_ascii_alphanumeric() || "._-,:".contains(c);
    if text.is_empty() || !text.chars().all(plain) {
        return Err(invalid());
    }
    PathPart::parse(part).map_err(|_| invalid())?;
    Ok(())
}

/// AWS's checks for putting a resource named `path_part` under `parent` (`moving`: the id of the
/// resource being moved or renamed, which does not count as its own sibling).
fn check_placement(
    d: &ApiDefinition,
    parent: &Resource,
    path_part: &str,
    moving: Option<&str>,
) -> Result<(), ApiError> {
    if let Some(part) = parent.path_part.as_deref()
        && part.ends_with("+}")
    {
        return Err(ApiError::bad(format!(
            "Cannot create a child of a resource with a greedy path variable: {part}"
        )));
    }
    let variable = path_part.starts_with('{');
    for sibling in d
        .resources
        .iter()
        .filter(|r| r.parent_id.as_deref() == Some(parent.id.as_str()))
        .filter(|r| Some(r.id.as_str()) != moving)
    {
        let name = sibling.path_part.as_deref().unwrap_or("");
        if name == path_part {
            return Err(ApiError::Conflict(format!(
                "Another resource with the same parent already has this name: {path_part}"
            )));
        }
        if variable && name.starts_with('{') {
            return Err(ApiError::bad(format!(
                "A sibling ({name}) of this resource already has a variable path part -- only one is allowed"
            )));
        }
    }
    Ok(())
}

/// PATCH `/restapis/{id}/resources/{rid}`: replace `/pathPart` or `/parentId`; the paths of the
/// resource's subtree follow.
async fn update(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    rid: &str,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateResourceInput")?;
    let rid = rid.to_owned();
    let updated = crate::edit(store, api_id, move |d| {
        let root = d.rest_api.root_resource_id.clone();
        for op in &body.patch_operations {
            let current = find(d, &rid)?.clone();
            let (part, parent_id) = match op.path.as_str() {
                "/pathPart" => {
                    op.require("replace")?;
                    if rid == root {
                        return Err(ApiError::bad("Root resource cannot update its pathPart."));
                    }
                    let part = op.value()?.to_owned();
                    check_path_part(&part)?;
                    (part, current.parent_id.clone().unwrap_or_default())
                }
                "/parentId" => {
                    op.require("replace")?;
                    if rid == root {
                        return Err(ApiError::bad("Root resource cannot update its parentId."));
                    }
                    let parent = op.value()?.to_owned();
                    if descendants(d, &rid).contains(&parent) || parent == rid {
                        return Err(ApiError::bad("Resources cannot be cyclical."));
                    }
                    (current.path_part.clone().unwrap_or_default(), parent)
                }
                _ => return Err(op.invalid_path()),
            };
            let parent = find(d, &parent_id)?.clone();
            check_placement(d, &parent, &part, Some(&rid))?;
            let resource = find_mut(d, &rid)?;
            resource.path_part = Some(part);
            resource.parent_id = Some(parent_id);
            repath(d);
        }
        Ok(find(d, &rid)?.clone())
    })
    .await?;
    Ok(Reply::json(StatusCode::OK, &shown(&updated, false)))
}

/// Ids of every resource below `rid`.
fn descendants(d: &ApiDefinition, rid: &str) -> HashSet<String> {
    let mut found: HashSet<String> = HashSet::new();
    let mut frontier = vec![rid.to_owned()];
    while let Some(id) = frontier.pop() {
        for child in d
            .resources
            .iter()
            .filter(|r| r.parent_id.as_deref() == Some(id.as_str()))
        {
            if found.insert(child.id.clone()) {
                frontier.push(child.id.clone());
            }
        }
    }
    found
}

/// Recomputes every resource's `path` from its parent chain.
fn repath(d: &mut ApiDefinition) {
    let parts: BTreeMap<String, (Option<String>, Option<String>)> = d
        .resources
        .iter()
        .map(|r| (r.id.clone(), (r.parent_id.clone(), r.path_part.clone())))
        .collect();
    for r in &mut d.resources {
        let mut segments = Vec::new();
        let mut at = Some(r.id.clone());
        let mut hops = 0;
        while let Some(id) = at {
            let Some((parent, part)) = parts.get(&id) else {
                break;
            };
            if let Some(p) = part {
                segments.push(p.clone());
            }
            at = parent.clone();
            hops += 1;
            if hops > parts.len() {
                break;
            }
        }
        segments.reverse();
        r.path = format!("/{}", segments.join("/"));
    }
}

/// DELETE `/restapis/{id}/resources/{rid}` → 202; the whole subtree goes.
async fn delete(store: &SqliteStore, api_id: &str, rid: &str) -> Result<Reply, ApiError> {
    let rid = rid.to_owned();
    crate::edit(store, api_id, move |d| {
        find(d, &rid)?;
        if rid == d.rest_api.root_resource_id {
            return Err(ApiError::bad("Cannot delete the root resource"));
        }
        let mut gone = descendants(d, &rid);
        gone.insert(rid);
        d.resources.retain(|r| !gone.contains(&r.id));
        Ok(())
    })
    .await?;
    Ok(Reply::accepted())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parts() {
        for ok in ["pets", "{id}", "{proxy+}", "v1.2", "a-b_c", "a:b"] {
            assert!(check_path_part(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a/b", "{id", "a{b}", "{}", "{+}", "sp ace", "ü"] {
            assert!(check_path_part(bad).is_err(), "{bad}");
        }
    }
}
