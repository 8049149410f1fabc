//! `/restapis/{id}/gatewayresponses`: PutGatewayResponse, GetGatewayResponse(s),
//! UpdateGatewayResponse and DeleteGatewayResponse.
//!
//! Every one of the 21 types always exists. One the API has not customised reads as AWS's
//! default (`defaultResponse: true`, the default body template and status), or, when the
//! DEFAULT_4XX / DEFAULT_5XX of its class is customised, as that one with its own status where
//! the class default has none: what the data plane answers for it. A PUT replaces the
//! customisation and fills in the type's own defaults for what it leaves out; an update starts
//! from the current customisation or the type's own default; a delete returns the type to its
//! default. REQUEST_TOO_LARGE is accepted like every type of AWS's enumeration, but the data
//! plane does not apply its customisation (see `GatewayResponseType::customizable`).

use std::collections::BTreeMap;

use http::{Method as Verb, StatusCode};
use serde::Deserialize;
use tollgate_model::{ApiDefinition, GatewayResponse, GatewayResponseType};
use tollgate_store::{SqliteStore, Store};

use crate::patch::{PatchBody, PatchOperation};
use crate::{ApiError, Call, Reply, page};

/// The types in the order AWS's ValidationException lists them.
const AWS_ORDER: [&str; 21] = [
    "REQUEST_TOO_LARGE",
    "RESOURCE_NOT_FOUND",
    "AUTHORIZER_CONFIGURATION_ERROR",
    "MISSING_AUTHENTICATION_TOKEN",
    "BAD_REQUEST_BODY",
    "INVALID_SIGNATURE",
    "INVALID_API_KEY",
    "BAD_REQUEST_PARAMETERS",
    "AUTHORIZER_FAILURE",
    "UNAUTHORIZED",
    "INTEGRATION_TIMEOUT",
    "ACCESS_DENIED",
    "DEFAULT_4XX",
    "DEFAULT_5XX",
    "WAF_FILTERED",
    "QUOTA_EXCEEDED",
    "THROTTLED",
    "API_CONFIGURATION_ERROR",
    "UNSUPPORTED_MEDIA_TYPE",
    "INTEGRATION_FAILURE",
    "EXPIRED_TOKEN",
];

/// Routes `/restapis/{api_id}/gatewayresponses` + `rest`.
pub(crate) async fn route(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    rest: &[&str],
) -> Option<Result<Reply, ApiError>> {
    let m = call.method;
    match rest {
        [] if m == Verb::GET => Some(list(store, call, api_id).await),
        [kind] if [Verb::PUT, Verb::GET, Verb::PATCH, Verb::DELETE].contains(m) => {
            let kind = match response_type(kind) {
                Ok(kind) => kind,
                Err(e) => return Some(Err(e)),
            };
            Some(if m == Verb::PUT {
                put(store, call, api_id, kind).await
            } else if m == Verb::GET {
                get(store, api_id, kind).await
            } else if m == Verb::PATCH {
                update(store, call, api_id, kind).await
            } else {
                delete(store, api_id, kind).await
            })
        }
        _ => None,
    }
}

/// A type from the path; AWS's ValidationException for an unknown one.
fn response_type(s: &str) -> Result<GatewayResponseType, ApiError> {
    s.parse()
        .map_err(|_| ApiError::enum_value(s, "responseType", &AWS_ORDER))
}

/// How `kind` reads in `d`: its customisation, else what it inherits from its class's
/// customised DEFAULT_4XX / DEFAULT_5XX, else AWS's default.
pub(crate) fn shown(d: &ApiDefinition, kind: GatewayResponseType) -> GatewayResponse {
    let custom = |k: GatewayResponseType| d.gateway_responses.iter().find(|r| r.response_type == k);
    if let Some(r) = custom(kind) {
        return GatewayResponse {
            default_response: false,
            ..r.clone()
        };
    }
    match kind.class_default().and_then(custom) {
        Some(class) => GatewayResponse {
            response_type: kind,
            status_code: class
                .status_code
                .clone()
                .or_else(|| kind.default_status().map(|s| s.to_string())),
            response_parameters: class.response_parameters.clone(),
            response_templates: class.response_templates.clone(),
            default_response: true,
        },
        None => GatewayResponse::builtin(kind),
    }
}

/// GET `/restapis/{id}/gatewayresponses`: all 21 types (paged), by name.
async fn list(store: &SqliteStore, call: &Call<'_>, api_id: &str) -> Result<Reply, ApiError> {
    let d = store.shared_definition(api_id).await?;
    let mut all: Vec<GatewayResponse> = GatewayResponseType::ALL
        .into_iter()
        .map(|k| shown(&d, k))
        .collect();
    all.sort_by_key(|r| r.response_type.as_str());
    Ok(Reply::json(StatusCode::OK, &page(call, all)))
}

/// GET `/restapis/{id}/gatewayresponses/{type}`.
async fn get(
    store: &SqliteStore,
    api_id: &str,
    kind: GatewayResponseType,
) -> Result<Reply, ApiError> {
    let d = store.shared_definition(api_id).await?;
    Ok(Reply::json(StatusCode::OK, &shown(&d, kind)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PutGatewayResponse {
    status_code: Option<String>,
    #[serde(default)]
    response_parameters: BTreeMap<String, String>,
    #[serde(default)]
    response_templates: BTreeMap<String, String>,
}

/// PUT `/restapis/{id}/gatewayresponses/{type}` → 201 with the customised response; left-out
/// parts take the type's own defaults.
async fn put(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    kind: GatewayResponseType,
) -> Result<Reply, ApiError> {
    let body: PutGatewayResponse = call.json()?;
    if let Some(code) = body.status_code.as_deref() {
        check_status_code(code)?;
    }
    for (name, source) in &body.response_parameters {
        check_parameter(name, source)?;
    }
    let mut response = GatewayResponse::builtin(kind);
    response.default_response = false;
    if body.status_code.is_some() {
        response.status_code = body.status_code;
    }
    response.response_parameters = body.response_parameters;
    if !body.response_templates.is_empty() {
        response.response_templates = body.response_templates;
    }
    let stored = crate::edit(store, api_id, move |d| {
        d.gateway_responses.retain(|r| r.response_type != kind);
        d.gateway_responses.push(response.clone());
        Ok(response)
    })
    .await?;
    Ok(Reply::json(StatusCode::CREATED, &stored))
}

/// A status code as AWS's model allows it (`[1-5]\d\d`).
fn check_status_code(code: &str) -> Result<(), ApiError> {
    let b = code.as_bytes();
    if b.len() == 3 && (b'1'..=b'5').contains(&b[0]) && b[1..].iter().all(u8::is_ascii_digit) {
        return Ok(());
    }
    Err(ApiError::Validation(format!(
        "1 validation error detected: Value '{code}' at 'statusCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [1-5]\\d\\d"
    )))
}

/// A response parameter: `gatewayresponse.header.{name}` ← a `'static'` value or a
/// `method.request.*`, `stageVariables.*` or `context.*` expression.
fn check_parameter(name: &str, source: &str) -> Result<(), ApiError> {
    let header = name.strip_prefix("gatewayresponse.header.").unwrap_or("");
    let header_ok = !header.is_empty() && http::HeaderName::from_bytes(header.as_bytes()).is_ok();
    if !header_ok {
        return Err(ApiError::bad(format!(
            "Invalid mapping expression specified: {name}"
        )));
    }
    let request = [
        "method.request.header.",
        "method.request.querystring.",
        "method.request.path.",
        "method.request.multivalueheader.",
        "method.request.multivaluequerystring.",
        "stageVariables.",
        "context.",
    ];
    let is_static = source.len() >= 2 && source.starts_with('\'') && source.ends_with('\'');
    let is_expression = request
        .iter()
        .any(|p| source.strip_prefix(p).is_some_and(|rest| !rest.is_empty()));
    if !is_static && !is_expression {
        return Err(ApiError::bad(format!(
            "Invalid mapping expression specified: {source}"
        )));
    }
    Ok(())
}

/// PATCH `/restapis/{id}/gatewayresponses/{type}`: replace `/statusCode`; add, replace or remove
/// `/responseParameters/{name}` and `/responseTemplates/{content type}`. The result is a
/// customisation.
async fn update(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    kind: GatewayResponseType,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateGatewayResponseInput")?;
    // Checked before the edit so that a bad code stays a ValidationException.
    for op in &body.patch_operations {
        if op.path == "/statusCode" && op.op == "replace" {
            check_status_code(op.value.as_deref().unwrap_or(""))?;
        }
    }
    let stored = crate::edit(store, api_id, move |d| {
        let mut response = d
            .gateway_responses
            .iter()
            .find(|r| r.response_type == kind)
            .cloned()
            .unwrap_or_else(|| GatewayResponse::builtin(kind));
        response.default_response = false;
        for op in &body.patch_operations {
            patch(&mut response, op)?;
        }
        d.gateway_responses.retain(|r| r.response_type != kind);
        d.gateway_responses.push(response.clone());
        Ok(response)
    })
    .await?;
    Ok(Reply::json(StatusCode::OK, &stored))
}

fn patch(r: &mut GatewayResponse, op: &PatchOperation) -> Result<(), ApiError> {
    if let Some(name) = op.key_after("/responseParameters/") {
        let value = op.value.as_deref().unwrap_or("");
        match op.op.as_str() {
            "add" | "replace" if value.is_empty() => Err(ApiError::bad(
                "Invalid null or empty value in responseParameters",
            )),
            "replace" if !r.response_parameters.contains_key(&name) => {
                Err(ApiError::not_found("Invalid parameter name specified"))
            }
            "add" | "replace" => {
                check_parameter(&name, value)?;
                r.response_parameters.insert(name, value.to_owned());
                Ok(())
            }
            "remove" => {
                r.response_parameters.remove(&name);
                Ok(())
            }
            _ => Err(op.unsupported_op()),
        }
    } else if let Some(content_type) = op.key_after("/responseTemplates/") {
        match op.op.as_str() {
            "add" | "replace" if op.value.as_deref().unwrap_or("").is_empty() => Err(
                ApiError::bad("Invalid null or empty value in responseTemplates"),
            ),
            "add" | "replace" | "remove" => op.apply_text(&mut r.response_templates, content_type),
            _ => Err(op.unsupported_op()),
        }
    } else if op.path == "/statusCode" && op.op == "replace" {
        let code = op.value.as_deref().unwrap_or("");
        check_status_code(code)?;
        r.status_code = Some(code.to_owned());
        Ok(())
    } else {
        // Including add or remove of /statusCode, which AWS answers the same way.
        Err(op.invalid_path())
    }
}

/// DELETE `/restapis/{id}/gatewayresponses/{type}` → 202; the type reads as its default again.
async fn delete(
    store: &SqliteStore,
    api_id: &str,
    kind: GatewayResponseType,
) -> Result<Reply, ApiError> {
    crate::edit(store, api_id, move |d| {
        let before = d.gateway_responses.len();
        d.gateway_responses.retain(|r| r.response_type != kind);
        if d.gateway_responses.len() == before {
            return Err(ApiError::not_found(
                "Gateway response type not defined on api",
            ));
        }
        Ok(())
    })
    .await?;
    Ok(Reply::accepted())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_model::RestApi;

    #[test]
    fn aws_order_names_every_type() {
        for kind in GatewayResponseType::ALL {
            assert!(AWS_ORDER.contains(&kind.as_str()), "{kind}");
        }
        assert_eq!(
            response_type("FAKE").err().map(|e| e.error_type()),
            Some("ValidationException")
        );
    }

    #[test]
    fn class_defaults_are_inherited() {
        let mut d = ApiDefinition::empty(RestApi::new("t"));
        let mut class = GatewayResponse::builtin(GatewayResponseType::Default5xx);
        class.default_response = false;
        class.status_code = Some("599".into());
        class
            .response_parameters
            .insert("gatewayresponse.header.x".into(), "'y'".into());
        d.gateway_responses.push(class);
        let inherited = shown(&d, GatewayResponseType::IntegrationFailure);
        assert!(inherited.default_response);
        assert_eq!(inherited.status_code.as_deref(), Some("599"));
        assert_eq!(inherited.response_parameters.len(), 1);
        let untouched = shown(&d, GatewayResponseType::Throttled);
        assert_eq!(
            untouched,
            GatewayResponse::builtin(GatewayResponseType::Throttled)
        );
        let own = shown(&d, GatewayResponseType::Default5xx);
        assert!(!own.default_response);
    }

    #[test]
    fn status_codes_and_parameters() {
        assert!(check_status_code("404").is_ok());
        assert!(check_status_code("600").is_err());
        assert!(check_status_code("40").is_err());
        assert!(check_parameter("gatewayresponse.header.x-a", "'v'").is_ok());
        assert!(
            check_parameter("gatewayresponse.header.x-a", "method.request.header.Accept").is_ok()
        );
        assert!(check_parameter("gatewayresponse.header.x-a", "context.requestId").is_ok());
        assert!(check_parameter("gatewayresponse.header.", "'v'").is_err());
        assert!(check_parameter("method.response.header.x", "'v'").is_err());
        assert!(check_parameter("gatewayresponse.header.x", "v").is_err());
    }

    #[test]
    fn patches() {
        let mut r = GatewayResponse::builtin(GatewayResponseType::Default4xx);
        let op = |op: &str, path: &str, value: Option<&str>| PatchOperation {
            op: op.into(),
            path: path.into(),
            value: value.map(Into::into),
            from: None,
        };
        let text = |e: Result<(), ApiError>| e.err().map(|e| e.message().to_owned());
        assert_eq!(
            text(patch(&mut r, &op("add", "/statusCode", Some("444")))).as_deref(),
            Some("Invalid patch path /statusCode")
        );
        assert_eq!(
            text(patch(&mut r, &op("add", "", Some("x")))).as_deref(),
            Some("Invalid patch path null")
        );
        assert!(patch(&mut r, &op("replace", "/statusCode", Some("444"))).is_ok());
        assert_eq!(r.status_code.as_deref(), Some("444"));
        assert_eq!(
            text(patch(
                &mut r,
                &op(
                    "replace",
                    "/responseParameters/gatewayresponse.header.a",
                    Some("'b'")
                )
            ))
            .as_deref(),
            Some("Invalid parameter name specified")
        );
        assert_eq!(
            text(patch(
                &mut r,
                &op("replace", "/responseTemplates/application~1json", None)
            ))
            .as_deref(),
            Some("Invalid null or empty value in responseTemplates")
        );
        assert!(
            patch(
                &mut r,
                &op("add", "/responseTemplates/application~1xml", Some("<m/>"))
            )
            .is_ok()
        );
        assert_eq!(r.response_templates["application/xml"], "<m/>");
    }
}
