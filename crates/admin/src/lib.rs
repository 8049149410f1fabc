//! Tollgate's management API: Amazon API Gateway's REST-JSON control plane (same paths, shapes and
//! error types), so AWS SDKs and tools work against Tollgate with only the endpoint changed.
//!
//! Served so far: REST APIs (`/restapis`, with ImportRestApi and PutRestApi), their resources,
//! methods, integrations and responses (`/restapis/{id}/resources/...`), models (with
//! GetModelTemplate), request validators, authorizers and gateway responses
//! (`/restapis/{id}/models`, `.../requestvalidators`, `.../authorizers`,
//! `.../gatewayresponses`), deployments and stages with canaries and cache flushes
//! (`/restapis/{id}/deployments`, `.../stages`), documentation parts (with
//! ImportDocumentationParts) and documentation versions (`/restapis/{id}/documentation/parts`,
//! `.../documentation/versions`), GetExport (with the stage's documentation), API keys (`/apikeys`, with
//! ImportApiKeys' CSV), usage plans (`/usageplans`), their keys (`/usageplans/{id}/keys`) and
//! usage (`/usageplans/{id}/usage`, UpdateUsage at `/usageplans/{id}/keys/{keyId}/usage`), custom domain names and their base path mappings
//! (`/domainnames`, `/domainnames/{name}/basepathmappings`), client certificates
//! (`/clientcertificates`), VPC links (`/vpclinks`), tags (`/tags/{arn}`), SDK types
//! (`/sdktypes`) and the account (`/account`). Every operation reads and writes the store; a
//! running gateway picks changes up within its poll interval. TestInvokeMethod and
//! TestInvokeAuthorizer run the current definition on the gateway given with
//! [`ManagementApi::with_gateway`]. AWS's quotas on what these operations create are enforced
//! (AWS's defaults, or [`ManagementApi::with_quotas`]; see [`quotas`]).

mod account;
mod authorizers;
pub mod base_path_mappings;
mod client_certificates;
pub mod deployments;
mod documentation;
pub mod domain_names;
mod error;
mod export;
mod gateway_responses;
pub mod import;
pub mod keys;
mod methods;
mod models;
mod parts;
mod patch;
pub mod plans;
pub mod quotas;
mod resources;
pub mod restapis;
mod sdk_types;
pub mod stages;
mod tags;
mod test_invoke;
pub mod usage;
mod validators;
mod vpc_links;

use std::sync::Arc;

use http::{Method, StatusCode};
use serde::Serialize;
use tollgate_store::SqliteStore;

pub use error::ApiError;
pub use patch::PatchOperation;
pub use quotas::{Quota, QuotaSetting, Quotas};

/// What a management call answers: a status and a JSON body, or an AWS error, or (exports) a
/// document with its own content type and headers.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    /// `x-amzn-ErrorType` for errors.
    pub error_type: Option<&'static str>,
    /// The body's `Content-Type` (JSON unless said otherwise).
    pub content_type: &'static str,
    /// Other headers (an export's `Content-Disposition`).
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    fn json(status: StatusCode, value: &impl Serialize) -> Reply {
        Reply {
            body: serde_json::to_vec(value).unwrap_or_default(),
            ..Reply::empty(status)
        }
    }

    /// AWS's 202 for deletes: no body.
    fn accepted() -> Reply {
        Reply::empty(StatusCode::ACCEPTED)
    }

    /// A status without a body (204 for method deletes).
    fn empty(status: StatusCode) -> Reply {
        Reply {
            status,
            error_type: None,
            content_type: "application/json",
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// AWS's error body, `{"message": ...}`. A `LimitExceededException` also carries
    /// `"retryAfterSeconds": null`, as AWS's does: AWS sends no `Retry-After` for a quota (the
    /// SDKs' `retryAfterSeconds` is read from that header, so it stays unset).
    fn error(e: &ApiError) -> Reply {
        let body = match e {
            ApiError::LimitExceeded(m) => {
                serde_json::json!({ "message": m, "retryAfterSeconds": null })
            }
            e => serde_json::json!({ "message": e.message() }),
        };
        Reply {
            error_type: Some(e.error_type()),
            body: serde_json::to_vec(&body).unwrap_or_default(),
            ..Reply::empty(e.status())
        }
    }
}

/// One management request, as the listener read it.
pub struct Call<'a> {
    pub method: &'a Method,
    /// The raw (percent-encoded) path.
    pub path: &'a str,
    pub query: Option<&'a str>,
    /// The `Accept` header (exports answer YAML for `application/yaml`).
    pub accept: Option<&'a str>,
    pub body: &'a [u8],
}

impl Call<'_> {
    fn param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query.unwrap_or("").as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    fn flag(&self, name: &str) -> bool {
        self.param(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    }

    fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        let body = if self.body.iter().all(u8::is_ascii_whitespace) {
            b"{}".as_slice()
        } else {
            self.body
        };
        serde_json::from_slice(body).map_err(|e| ApiError::Serialization(e.to_string()))
    }
}

/// The account throttle the serving process enforces, as GetAccount reports it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccountThrottle {
    pub rate: f64,
    pub burst: u64,
}

impl Default for AccountThrottle {
    /// AWS's defaults: 10,000 requests per second, burst 5,000.
    fn default() -> Self {
        AccountThrottle {
            rate: 10_000.0,
            burst: 5_000,
        }
    }
}

/// The management API over a store.
#[derive(Clone)]
pub struct ManagementApi {
    store: SqliteStore,
    throttle: AccountThrottle,
    /// The data plane this API runs beside (see [`ManagementApi::with_gateway`]).
    gateway: Option<Arc<tollgate_engine::Gateway>>,
    quotas: Quotas,
}

impl ManagementApi {
    pub fn new(store: SqliteStore) -> ManagementApi {
        ManagementApi {
            store,
            throttle: AccountThrottle::default(),
            gateway: None,
            quotas: Quotas::default(),
        }
    }

    /// Enforces `quotas` instead of AWS's defaults (see [`quotas`]).
    pub fn with_quotas(mut self, quotas: Quotas) -> ManagementApi {
        self.quotas = quotas;
        self
    }

    /// The data plane this API runs beside: UpdateUsage then applies to its live quota counters
    /// at once (without it, only the stored extension changes, which a gateway reads when it
    /// starts), and TestInvokeMethod and TestInvokeAuthorizer run on its own upstream connection
    /// pools and function host, against each API's current (undeployed) definition (without it
    /// they answer 400 `BadRequestException`).
    pub fn with_gateway(mut self, gateway: Arc<tollgate_engine::Gateway>) -> ManagementApi {
        self.gateway = Some(gateway);
        self
    }

    /// Reports `throttle` as the account's throttle settings.
    pub fn with_account_throttle(mut self, throttle: AccountThrottle) -> ManagementApi {
        self.throttle = throttle;
        self
    }

    /// Whether `path` belongs to an operation this API serves (the listener reads the body only
    /// for those).
    pub fn serves(path: &str) -> bool {
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        matches!(
            first,
            "apikeys"
                | "usageplans"
                | "restapis"
                | "tags"
                | "sdktypes"
                | "account"
                | "domainnames"
                | "clientcertificates"
                | "vpclinks"
        )
    }

    /// Answers one call; `None` when no operation has that method and path.
    pub async fn handle(&self, call: &Call<'_>) -> Option<Reply> {
        let segments: Vec<String> = call
            .path
            .trim_start_matches('/')
            .trim_end_matches('/')
            .split('/')
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect();
        let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
        let store = &self.store;
        let quotas = &self.quotas;
        let m = call.method;
        let result = match segments.as_slice() {
            ["apikeys"] if m == Method::POST => keys::create(store, quotas, call).await,
            ["apikeys"] if m == Method::GET => keys::list(store, call).await,
            ["apikeys", id] if m == Method::GET => keys::get(store, call, id).await,
            ["apikeys", id] if m == Method::PATCH => keys::update(store, call, id).await,
            ["apikeys", id] if m == Method::DELETE => keys::delete(store, id).await,
            ["usageplans"] if m == Method::POST => plans::create(store, quotas, call).await,
            ["usageplans"] if m == Method::GET => plans::list(store, call).await,
            ["usageplans", id] if m == Method::GET => plans::get(store, id).await,
            ["usageplans", id] if m == Method::PATCH => plans::update(store, call, id).await,
            ["usageplans", id] if m == Method::DELETE => plans::delete(store, id).await,
            ["usageplans", id, "keys"] if m == Method::POST => {
                plans::add_key(store, quotas, call, id).await
            }
            ["usageplans", id, "keys"] if m == Method::GET => plans::keys(store, call, id).await,
            ["usageplans", id, "keys", key] if m == Method::GET => {
                plans::get_key(store, id, key).await
            }
            ["usageplans", id, "keys", key] if m == Method::DELETE => {
                plans::remove_key(store, id, key).await
            }
            ["usageplans", id, "usage"] if m == Method::GET => {
                usage::get(store, self.gateway.as_deref(), call, id).await
            }
            ["usageplans", id, "keys", key, "usage"] if m == Method::PATCH => {
                usage::update(store, self.gateway.as_deref(), call, id, key).await
            }
            ["restapis", rest @ ..] => self.rest_api_call(call, rest).await?,
            ["domainnames", rest @ ..] => domain_names::route(store, quotas, call, rest).await?,
            ["clientcertificates", rest @ ..] => {
                client_certificates::route(store, quotas, call, rest).await?
            }
            ["vpclinks", rest @ ..] => vpc_links::route(store, quotas, call, rest).await?,
            ["tags", rest @ ..] => tags::route(store, call, rest).await?,
            ["account"] => account::route(store, self.throttle, call).await?,
            ["sdktypes", rest @ ..] => sdk_types::route(call, rest)?,
            _ => return None,
        };
        Some(result.unwrap_or_else(|e| Reply::error(&e)))
    }

    /// `/restapis/...`: the API itself, then each of its collections in its own module.
    async fn rest_api_call(
        &self,
        call: &Call<'_>,
        rest: &[&str],
    ) -> Option<Result<Reply, ApiError>> {
        let store = &self.store;
        let quotas = &self.quotas;
        let m = call.method;
        Some(match rest {
            [] if m == Method::POST => restapis::create(store, quotas, call).await,
            [] if m == Method::GET => restapis::list(store, call).await,
            [id] if m == Method::GET => restapis::get(store, id).await,
            [id] if m == Method::PATCH => restapis::update(store, call, id).await,
            [id] if m == Method::PUT => restapis::put(store, quotas, call, id).await,
            [id] if m == Method::DELETE => restapis::delete(store, id).await,
            [id, "resources", rid, "methods", verb] if m == Method::POST => {
                test_invoke::method(store, self.gateway.as_deref(), call, id, rid, verb).await
            }
            [id, "authorizers", authorizer] if m == Method::POST => {
                test_invoke::authorizer(store, self.gateway.as_deref(), call, id, authorizer).await
            }
            [id, "resources", rest @ ..] => resources::route(store, quotas, call, id, rest).await?,
            [id, "deployments", rest @ ..] => {
                deployments::route(store, quotas, call, id, rest).await?
            }
            [id, "stages", stage, "exports", kind] if m == Method::GET => {
                export::get(store, call, id, stage, kind).await
            }
            [id, "stages", rest @ ..] => stages::route(store, quotas, call, id, rest).await?,
            [id, "models", rest @ ..] => models::route(store, call, id, rest).await?,
            [id, "requestvalidators", rest @ ..] => {
                validators::route(store, call, id, rest).await?
            }
            [id, "authorizers", rest @ ..] => {
                authorizers::route(store, quotas, call, id, rest).await?
            }
            [id, "gatewayresponses", rest @ ..] => {
                gateway_responses::route(store, call, id, rest).await?
            }
            [id, "documentation", rest @ ..] => {
                documentation::route(store, quotas, call, id, rest).await?
            }
            _ => return None,
        })
    }
}

/// Edits an API's current definition in one transaction (see
/// [`tollgate_store::Store::edit_api`]), with the management API's errors.
async fn edit<T, F>(store: &SqliteStore, api_id: &str, edit: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut tollgate_model::ApiDefinition) -> Result<T, ApiError> + Send + 'static,
{
    use tollgate_store::Store;
    let carried = error::Carried::default();
    let through = carried.clone();
    store
        .edit_api(api_id, move |d| edit(d).map_err(|e| through.through(e)))
        .await
        .map_err(|e| carried.or(e))
}

/// Edits a stored stage in one transaction (see [`tollgate_store::Store::edit_stage`]), with the
/// management API's errors.
async fn edit_stage<T, F>(
    store: &SqliteStore,
    api_id: &str,
    stage_name: &str,
    edit: F,
) -> Result<(T, tollgate_model::Stage), ApiError>
where
    T: Send + 'static,
    F: FnOnce(&mut tollgate_model::Stage, &[tollgate_model::Deployment]) -> Result<T, ApiError>
        + Send
        + 'static,
{
    use tollgate_store::Store;
    let carried = error::Carried::default();
    let through = carried.clone();
    store
        .edit_stage(api_id, stage_name, move |s, d| {
            edit(s, d).map_err(|e| through.through(e))
        })
        .await
        .map_err(|e| carried.or(e))
}

/// A page of a list, as AWS returns it (`item`, and `position` unless it is the last page).
#[derive(Serialize)]
struct Page<T: Serialize> {
    item: Vec<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    position: Option<String>,
}

/// Pages `all` with the call's `limit` (default 25, at most 500) and opaque `position`.
fn page<T: Serialize>(call: &Call<'_>, all: Vec<T>) -> Page<T> {
    let limit = call
        .param("limit")
        .and_then(|l| l.parse::<i64>().ok())
        .filter(|l| *l > 0)
        .map_or(25, |l| l.min(500)) as usize;
    let start = call
        .param("position")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(0);
    let total = all.len();
    let item: Vec<T> = all.into_iter().skip(start).take(limit).collect();
    let end = start + item.len();
    Page {
        item,
        position: (end < total).then(|| end.to_string()),
    }
}
