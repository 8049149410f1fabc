//! TestInvokeMethod (POST `/restapis/{id}/resources/{rid}/methods/{m}`) and
//! TestInvokeAuthorizer (POST `/restapis/{id}/authorizers/{authorizer_id}`): the API's current,
//! undeployed definition run through the data plane's own phases and integration runtime (see
//! [`tollgate_engine::test_invoke`] for what runs and what the log says).
//!
//! Both need the gateway ([`crate::ManagementApi::with_gateway`]); a management API without
//! one (offline commands) answers 400 `BadRequestException`. Unknown ids are AWS's 404s: the
//! API's (`Invalid API identifier specified {account}:{id}`), the resource's, the method's (no
//! method for the verb nor `ANY`), and for TestInvokeAuthorizer `Invalid Authorizer identifier
//! specified`, also for an unknown API, as GetAuthorizer answers.
//!
//! Shapes (botocore's `TestInvokeMethodRequest/Response`, `TestInvokeAuthorizerRequest/Response`):
//! `headers` of the answer hold each header's last value, `multiValueHeaders` all of them;
//! `latency` is in milliseconds. `clientCertificateId` is accepted and not used (HTTP
//! integrations present no client certificate in Tollgate); `additionalContext` is accepted and
//! not used (what AWS does with it is unconfirmed). TestInvokeAuthorizer's `authorization` holds
//! a Lambda authorizer's `context` values (unconfirmed).

use std::collections::BTreeMap;

use http::StatusCode;
use serde::{Deserialize, Serialize};
use tollgate_engine::Gateway;
use tollgate_engine::test_invoke::{SimulatedRequest, TestInvokeError};
use tollgate_model::HttpMethod;
use tollgate_store::{SqliteStore, Store};

use crate::{ApiError, Call, Reply};

/// The answer without a gateway to run on.
fn unavailable(operation: &str) -> ApiError {
    ApiError::bad(format!(
        "{operation} needs the gateway's integration runtime: call it on the management listener of `tollgate serve`"
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SimulatedInput {
    path_with_query_string: Option<String>,
    body: Option<String>,
    headers: Option<BTreeMap<String, String>>,
    multi_value_headers: Option<BTreeMap<String, Vec<String>>>,
    stage_variables: Option<BTreeMap<String, String>>,
    /// TestInvokeMethod: accepted, not used.
    #[serde(rename = "clientCertificateId")]
    _client_certificate_id: Option<String>,
    /// TestInvokeAuthorizer: accepted, not used.
    #[serde(rename = "additionalContext")]
    _additional_context: Option<BTreeMap<String, String>>,
}

impl SimulatedInput {
    /// `headers`, then `multiValueHeaders` (which replace a same-named single value).
    fn into_request(self) -> SimulatedRequest {
        let mut headers: Vec<(String, Vec<String>)> = self
            .headers
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, vec![v]))
            .collect();
        for (name, values) in self.multi_value_headers.unwrap_or_default() {
            match headers
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case(&name))
            {
                Some(entry) => entry.1 = values,
                None => headers.push((name, values)),
            }
        }
        SimulatedRequest {
            path_with_query_string: self.path_with_query_string,
            body: self.body,
            headers,
            stage_variables: self.stage_variables.unwrap_or_default(),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MethodOutput {
    status: u16,
    body: String,
    headers: BTreeMap<String, String>,
    multi_value_headers: BTreeMap<String, Vec<String>>,
    log: String,
    latency: u64,
}

/// POST `/restapis/{id}/resources/{rid}/methods/{m}`: TestInvokeMethod.
pub(crate) async fn method(
    store: &SqliteStore,
    gateway: Option<&Gateway>,
    call: &Call<'_>,
    api_id: &str,
    rid: &str,
    verb: &str,
) -> Result<Reply, ApiError> {
    let verb = verb
        .parse::<HttpMethod>()
        .map_err(|e| ApiError::bad(e.to_string()))?;
    let input: SimulatedInput = call.json()?;
    let definition = store.shared_definition(api_id).await?;
    let Some(gateway) = gateway else {
        return Err(unavailable("TestInvokeMethod"));
    };
    let result = gateway
        .test_invoke_method(&definition, rid, verb, &input.into_request())
        .await
        .map_err(not_found)?;
    let output = MethodOutput {
        status: result.status,
        body: String::from_utf8_lossy(&result.body).into_owned(),
        headers: result
            .headers
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.last()?.clone())))
            .collect(),
        multi_value_headers: result.headers.into_iter().collect(),
        log: result.log,
        latency: result.latency_ms,
    };
    Ok(Reply::json(StatusCode::OK, &output))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AuthorizerOutput {
    client_status: u16,
    log: String,
    latency: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    principal_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    authorization: BTreeMap<String, Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    claims: Option<BTreeMap<String, String>>,
}

/// POST `/restapis/{id}/authorizers/{authorizer_id}`: TestInvokeAuthorizer.
pub(crate) async fn authorizer(
    store: &SqliteStore,
    gateway: Option<&Gateway>,
    call: &Call<'_>,
    api_id: &str,
    authorizer_id: &str,
) -> Result<Reply, ApiError> {
    let input: SimulatedInput = call.json()?;
    let definition = crate::parts::read(
        store,
        api_id,
        ApiError::not_found(crate::authorizers::NO_AUTHORIZER),
    )
    .await?;
    let Some(gateway) = gateway else {
        return Err(unavailable("TestInvokeAuthorizer"));
    };
    let result = gateway
        .test_invoke_authorizer(&definition, authorizer_id, &input.into_request())
        .await
        .map_err(not_found)?;
    let output = AuthorizerOutput {
        client_status: result.client_status,
        log: result.log,
        latency: result.latency_ms,
        principal_id: result.principal_id,
        policy: result.policy,
        authorization: result
            .context
            .into_iter()
            .map(|(k, v)| (k, vec![v]))
            .collect(),
        claims: result.claims.map(|c| c.into_iter().collect()),
    };
    Ok(Reply::json(StatusCode::OK, &output))
}

/// AWS's 404 texts for the ids a test names.
fn not_found(e: TestInvokeError) -> ApiError {
    ApiError::not_found(match e {
        TestInvokeError::UnknownResource => crate::resources::NO_RESOURCE,
        TestInvokeError::UnknownMethod => crate::methods::NO_METHOD,
        TestInvokeError::UnknownAuthorizer => crate::authorizers::NO_AUTHORIZER,
    })
}
