//! `/tags/{resource_arn}`: GetTags, TagResource (PUT, upsert) and UntagResource
//! (`DELETE ?tagKeys=a&tagKeys=b`), for REST APIs, stages, API keys, usage plans, custom domain
//! names, client certificates and VPC links.

use std::collections::BTreeMap;

use http::{Method as Verb, StatusCode};
use serde::Deserialize;
use serde_json::json;
use tollgate_store::{SqliteStore, Store};

use crate::quotas::MAX_TAGS;
use crate::{ApiError, Call, Reply};

/// Tags Tollgate keeps for itself (`tollgate:source`, the file `serve --api` imported an API
/// from): never shown, set or removed through the management API.
const INTERNAL_PREFIX: &str = "tollgate:";

/// Removes Tollgate's own tags from a resource's tags before they are shown.
pub(crate) fn hide_internal(tags: &mut BTreeMap<String, String>) {
    tags.retain(|k, _| !k.starts_with(INTERNAL_PREFIX));
}

/// Checks the tags a create call gives (the keys TagResource would refuse, at most 50).
pub(crate) fn check_new(tags: &BTreeMap<String, String>) -> Result<(), ApiError> {
    for key in tags.keys() {
        check_key(key)?;
    }
    if tags.len() > MAX_TAGS {
        return Err(too_many());
    }
    Ok(())
}

fn check_key(key: &str) -> Result<(), ApiError> {
    let reserved = key.starts_with("aws:") || key.starts_with(INTERNAL_PREFIX);
    if key.is_empty() || key.len() > 128 || reserved {
        return Err(ApiError::bad(format!("Invalid tag key: {key}")));
    }
    Ok(())
}

/// The wording of the refusal is unconfirmed.
fn too_many() -> ApiError {
    ApiError::bad(format!("A resource can have at most {MAX_TAGS} tags"))
}

/// A taggable resource, from its ARN
/// (`arn:aws:apigateway:{region}::/restapis/{id}[/stages/{stage}]`, `::/apikeys/{id}`,
/// `::/usageplans/{id}`, `::/domainnames/{name}`, `::/clientcertificates/{id}`,
/// `::/vpclinks/{id}`).
#[derive(Debug, PartialEq, Eq)]
enum Taggable {
    RestApi(String),
    Stage(String, String),
    ApiKey(String),
    UsagePlan(String),
    DomainName(String),
    ClientCertificate(String),
    VpcLink(String),
}

fn parse_arn(arn: &str) -> Result<Taggable, ApiError> {
    let invalid = || ApiError::bad(format!("Invalid ARN specified in the request: {arn}"));
    let path = arn
        .strip_prefix("arn:aws:apigateway:")
        .and_then(|rest| rest.split_once(":/"))
        .filter(|(region_and_account, _)| region_and_account.matches(':').count() == 1)
        .map(|(_, path)| path)
        .ok_or_else(invalid)?;
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    Ok(match parts.as_slice() {
        ["restapis", id] => Taggable::RestApi((*id).to_owned()),
        ["restapis", id, "stages", stage] => Taggable::Stage((*id).to_owned(), (*stage).to_owned()),
        ["apikeys", id] => Taggable::ApiKey((*id).to_owned()),
        ["usageplans", id] => Taggable::UsagePlan((*id).to_owned()),
        // A private domain's ARN carries its id after a `+` (and its account before `::`).
        ["domainnames", name] => {
            let name = name.split_once('+').map_or(*name, |(n, _)| n);
            Taggable::DomainName(name.to_ascii_lowercase())
        }
        ["clientcertificates", id] => Taggable::ClientCertificate((*id).to_owned()),
        ["vpclinks", id] => Taggable::VpcLink((*id).to_owned()),
        _ => return Err(invalid()),
    })
}

/// Routes `/tags/{arn}` (the ARN arrives percent-encoded as one segment, or, from clients that do
/// not encode it, as several).
pub(crate) async fn route(
    store: &SqliteStore,
    call: &Call<'_>,
    rest: &[&str],
) -> Option<Result<Reply, ApiError>> {
    if rest.is_empty() {
        return None;
    }
    let arn = rest.join("/");
    let m = call.method;
    let result = match parse_arn(&arn) {
        Err(e) => Err(e),
        Ok(target) if m == Verb::GET => get(store, &target).await,
        Ok(target) if m == Verb::PUT => put(store, call, target).await,
        Ok(target) if m == Verb::DELETE => delete(store, call, target).await,
        Ok(_) => return None,
    };
    Some(result)
}

async fn tags_of(
    store: &SqliteStore,
    target: &Taggable,
) -> Result<BTreeMap<String, String>, ApiError> {
    Ok(match target {
        Taggable::RestApi(id) => store.get_api(id).await?.tags,
        Taggable::Stage(id, stage) => store.get_stage(id, stage).await?.tags,
        Taggable::ApiKey(id) => store.get_api_key(id).await?.tags,
        Taggable::UsagePlan(id) => store.get_usage_plan(id).await?.tags,
        Taggable::DomainName(name) => store.get_domain_name(name).await?.tags,
        Taggable::ClientCertificate(id) => store.get_client_certificate(id).await?.tags,
        Taggable::VpcLink(id) => store.get_vpc_link(id).await?.tags,
    })
}

/// Applies `change` to the resource's tags and stores them.
async fn retag<F>(store: &SqliteStore, target: Taggable, change: F) -> Result<(), ApiError>
where
    F: FnOnce(&mut BTreeMap<String, String>) -> Result<(), ApiError> + Send + 'static,
{
    match target {
        Taggable::RestApi(id) => {
            crate::edit(store, &id, move |d| change(&mut d.rest_api.tags)).await?;
        }
        Taggable::Stage(id, name) => {
            crate::edit_stage(store, &id, &name, move |stage, _| change(&mut stage.tags)).await?;
        }
        Taggable::ApiKey(id) => {
            let mut key = store.get_api_key(&id).await?;
            change(&mut key.tags)?;
            store.update_api_key(&key).await?;
        }
        Taggable::UsagePlan(id) => {
            let mut plan = store.get_usage_plan(&id).await?;
            change(&mut plan.tags)?;
            store.put_usage_plan(&plan).await?;
        }
        Taggable::DomainName(name) => {
            let mut domain = store.get_domain_name(&name).await?;
            change(&mut domain.tags)?;
            store.update_domain_name(&domain).await?;
        }
        Taggable::ClientCertificate(id) => {
            let mut certificate = store.get_client_certificate(&id).await?;
            change(&mut certificate.tags)?;
            store.update_client_certificate(&certificate).await?;
        }
        Taggable::VpcLink(id) => {
            let mut link = store.get_vpc_link(&id).await?;
            change(&mut link.tags)?;
            store.update_vpc_link(&link).await?;
        }
    }
    Ok(())
}

/// GET `/tags/{arn}` → `{"tags": {...}}`.
async fn get(store: &SqliteStore, target: &Taggable) -> Result<Reply, ApiError> {
    let mut tags = tags_of(store, target).await?;
    hide_internal(&mut tags);
    Ok(Reply::json(StatusCode::OK, &json!({ "tags": tags })))
}

#[derive(Deserialize)]
struct TagResource {
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// PUT `/tags/{arn}` `{"tags": {...}}` → 204; existing keys are overwritten.
async fn put(store: &SqliteStore, call: &Call<'_>, target: Taggable) -> Result<Reply, ApiError> {
    let body: TagResource = call.json()?;
    for key in body.tags.keys() {
        check_key(key)?;
    }
    retag(store, target, move |tags| {
        tags.extend(body.tags);
        let visible = tags
            .keys()
            .filter(|k| !k.starts_with(INTERNAL_PREFIX))
            .count();
        if visible > MAX_TAGS {
            return Err(too_many());
        }
        Ok(())
    })
    .await?;
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}

/// DELETE `/tags/{arn}?tagKeys=a&tagKeys=b` → 204.
async fn delete(store: &SqliteStore, call: &Call<'_>, target: Taggable) -> Result<Reply, ApiError> {
    let keys: Vec<String> = form_urlencoded::parse(call.query.unwrap_or("").as_bytes())
        .filter(|(k, _)| k == "tagKeys")
        .map(|(_, v)| v.into_owned())
        .collect();
    retag(store, target, move |tags| {
        for k in keys.iter().filter(|k| !k.starts_with(INTERNAL_PREFIX)) {
            tags.remove(k);
        }
        Ok(())
    })
    .await?;
    Ok(Reply::empty(StatusCode::NO_CONTENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns() {
        assert_eq!(
            parse_arn("arn:aws:apigateway:us-east-1::/restapis/abc").unwrap(),
            Taggable::RestApi("abc".into())
        );
        assert_eq!(
            parse_arn("arn:aws:apigateway:us-east-1::/restapis/abc/stages/prod").unwrap(),
            Taggable::Stage("abc".into(), "prod".into())
        );
        assert_eq!(
            parse_arn("arn:aws:apigateway:eu-west-1::/apikeys/k1").unwrap(),
            Taggable::ApiKey("k1".into())
        );
        assert_eq!(
            parse_arn("arn:aws:apigateway:us-east-1::/usageplans/p1").unwrap(),
            Taggable::UsagePlan("p1".into())
        );
        assert_eq!(
            parse_arn("arn:aws:apigateway:us-east-1::/domainnames/API.example.test").unwrap(),
            Taggable::DomainName("api.example.test".into())
        );
        assert_eq!(
            parse_arn(
                "arn:aws:apigateway:us-east-1:000000000000:/domainnames/p.example.test+abcd1234"
            )
            .unwrap(),
            Taggable::DomainName("p.example.test".into())
        );
        assert_eq!(
            parse_arn("arn:aws:apigateway:us-east-1::/clientcertificates/c1").unwrap(),
            Taggable::ClientCertificate("c1".into())
        );
        assert_eq!(
            parse_arn("arn:aws:apigateway:us-east-1::/vpclinks/v1").unwrap(),
            Taggable::VpcLink("v1".into())
        );
        for bad in [
            "",
            "arn:aws:s3:::bucket",
            "arn:aws:apigateway:us-east-1::/vpclinks/x/y",
            "arn:aws:apigateway:us-east-1:/restapis/abc",
            "arn:aws:apigateway:us-east-1:1:2:/restapis/abc",
        ] {
            assert!(parse_arn(bad).is_err(), "{bad}");
        }
    }
}
