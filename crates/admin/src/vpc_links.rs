//! `/vpclinks`: CreateVpcLink, GetVpcLink(s), UpdateVpcLink and DeleteVpcLink.
//!
//! VPC links are stored as AWS shows them and not enforced: Tollgate has no VPC to reach into,
//! so an integration with `connectionType: VPC_LINK` is not routed through its link, it calls
//! its `uri` directly like an `INTERNET` one. A link is `AVAILABLE` at once (AWS's are `PENDING`
//! for minutes) and its `statusMessage` says that it is not enforced.

use std::collections::BTreeMap;

use http::{Method as Verb, StatusCode};
use serde::Deserialize;
use serde_json::Value;
use tollgate_model::{VpcLink, ids};
use tollgate_store::{SqliteStore, Store};

use crate::patch::PatchBody;
use crate::quotas::{Quota, Quotas};
use crate::{ApiError, Call, Reply, page};

/// What every link's `statusMessage` says: AWS's words for a ready link, then Tollgate's caveat.
pub const STATUS_MESSAGE: &str = "Your vpc link is ready for use. Tollgate stores VPC links \
     without routing through them: integrations with connectionType VPC_LINK call their uri \
     directly.";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateVpcLink {
    name: Option<String>,
    description: Option<String>,
    #[serde(default)]
    target_arns: Vec<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// Routes `/vpclinks` + `rest`.
pub(crate) async fn route(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
    rest: &[&str],
) -> Option<Result<Reply, ApiError>> {
    let m = call.method;
    Some(match rest {
        [] if m == Verb::POST => create(store, quotas, call).await,
        [] if m == Verb::GET => list(store, call).await,
        [id] if m == Verb::GET => get(store, id).await,
        [id] if m == Verb::PATCH => update(store, call, id).await,
        [id] if m == Verb::DELETE => delete(store, id).await,
        _ => return None,
    })
}

/// POST `/vpclinks` → 202 (AWS's code: links are created asynchronously) with the link. Counted
/// against the VPC links quota right before the write, not in its transaction: two concurrent
/// creates at the edge can both pass.
async fn create(store: &SqliteStore, quotas: &Quotas, call: &Call<'_>) -> Result<Reply, ApiError> {
    let body: CreateVpcLink = call.json()?;
    let name = checked_name(body.name)?;
    for arn in &body.target_arns {
        if !well_formed_arn(arn) {
            return Err(ApiError::bad(format!(
                "Invalid ARN. ARN is not well formed {arn}"
            )));
        }
    }
    if body.target_arns.len() != 1 {
        return Err(ApiError::bad(
            "A VPC link needs exactly one target ARN: a network load balancer",
        ));
    }
    crate::tags::check_new(&body.tags)?;
    quotas.one_more(Quota::VpcLinks, store.list_vpc_links().await?.len())?;
    let link = VpcLink {
        id: ids::short_id(),
        name,
        description: body.description.filter(|d| !d.is_empty()),
        target_arns: body.target_arns,
        status: "AVAILABLE".to_owned(),
        status_message: Some(STATUS_MESSAGE.to_owned()),
        tags: body.tags,
    };
    store.create_vpc_link(&link).await?;
    Ok(Reply::json(StatusCode::ACCEPTED, &link))
}

/// AWS's check of a name: present and not empty.
fn checked_name(name: Option<String>) -> Result<String, ApiError> {
    name.filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::bad("Name cannot be empty"))
}

/// `arn:{partition}:{service}:{region}:{account}:{resource}`, with a partition, a service and a
/// resource.
fn well_formed_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, service, _, _, resource]
        if !partition.is_empty() && !service.is_empty() && !resource.is_empty())
}

/// A link as GetVpcLink and UpdateVpcLink show it: with `tags`, `{}` when it has none (AWS's
/// answers do; its create and list answers leave empty tags out).
fn with_tags(mut link: VpcLink) -> Value {
    crate::tags::hide_internal(&mut link.tags);
    let tags = std::mem::take(&mut link.tags);
    let mut value = serde_json::to_value(&link).unwrap_or_default();
    if let Value::Object(fields) = &mut value {
        fields.insert(
            "tags".to_owned(),
            serde_json::to_value(tags).unwrap_or_default(),
        );
    }
    value
}

/// GET `/vpclinks/{id}`.
async fn get(store: &SqliteStore, id: &str) -> Result<Reply, ApiError> {
    let link = store.get_vpc_link(id).await?;
    Ok(Reply::json(StatusCode::OK, &with_tags(link)))
}

/// GET `/vpclinks` (paged, oldest first).
async fn list(store: &SqliteStore, call: &Call<'_>) -> Result<Reply, ApiError> {
    let mut all = store.list_vpc_links().await?;
    for link in &mut all {
        crate::tags::hide_internal(&mut link.tags);
    }
    Ok(Reply::json(StatusCode::OK, &page(call, all)))
}

/// PATCH `/vpclinks/{id}`: replace `/name` and `/description` (empty clears it).
async fn update(store: &SqliteStore, call: &Call<'_>, id: &str) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateVpcLinkInput")?;
    let mut link = store.get_vpc_link(id).await?;
    for op in &body.patch_operations {
        match op.path.as_str() {
            "/name" => {
                op.require("replace")?;
                link.name = checked_name(op.value.clone())?;
            }
            "/description" => {
                op.require("replace")?;
                link.description = op.optional_value();
            }
            _ => return Err(op.invalid_path()),
        }
    }
    store.update_vpc_link(&link).await?;
    Ok(Reply::json(StatusCode::OK, &with_tags(link)))
}

/// DELETE `/vpclinks/{id}` → 202.
async fn delete(store: &SqliteStore, id: &str) -> Result<Reply, ApiError> {
    store.delete_vpc_link(id).await?;
    Ok(Reply::accepted())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_are_checked_for_form_only() {
        assert!(well_formed_arn(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/lb/50dc6c495c0c9188"
        ));
        for bad in [
            "invalid-arn",
            "arn:aws",
            "arn::elb:r:a:x",
            "arn:aws:elb:r:a:",
        ] {
            assert!(!well_formed_arn(bad), "{bad}");
        }
    }
}
