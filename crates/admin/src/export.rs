//! GetExport: `GET /restapis/{id}/stages/{stage}/exports/{oas30|swagger}` — the stage's deployed
//! definition as OpenAPI 3.0 or Swagger 2.0, JSON or YAML by `Accept`.

use http::StatusCode;
use tollgate_store::{SqliteStore, Store};

use crate::{ApiError, Call, Reply};

/// Which `x-amazon-apigateway-*` extensions an export carries (`?extensions=`).
fn with_extensions(call: &Call<'_>) -> Result<bool, ApiError> {
    match call.param("extensions").as_deref() {
        None | Some("") => Ok(false),
        // Integrations and the other API Gateway extensions travel together here; `authorizers`
        // alone and `postman` are exports without them (their extra fields are not produced).
        Some("integrations" | "apigateway") => Ok(true),
        Some("authorizers" | "postman") => Ok(false),
        Some(other) => Err(ApiError::bad(format!(
            "Invalid extensions specified: {other}. Valid values are integrations, apigateway, authorizers, postman"
        ))),
    }
}

/// Answers the export with AWS's headers: `Content-Type: application/octet-stream` and
/// `Content-Disposition: attachment; filename="{type}_{info.version}.{json|yaml}"`.
pub(crate) async fn get(
    store: &SqliteStore,
    call: &Call<'_>,
    api_id: &str,
    stage: &str,
    kind: &str,
) -> Result<Reply, ApiError> {
    let extensions = with_extensions(call)?;
    if kind != "oas30" && kind != "swagger" {
        return Err(ApiError::bad(format!(
            "Invalid export type specified: {kind}. Valid values are oas30, swagger"
        )));
    }
    let stage_row = store.get_stage(api_id, stage).await?;
    let (_, definition) = store
        .get_deployment(api_id, &stage_row.deployment_id)
        .await?;
    let document = if kind == "oas30" {
        tollgate_openapi::export_oas30(&definition, stage, extensions)
    } else {
        tollgate_openapi::export_swagger2(&definition, stage, extensions)
    };
    let yaml = call
        .accept
        .is_some_and(|a| a.contains("yaml") || a.contains("yml"));
    let body = if yaml {
        serde_saphyr::to_string(&document).map_err(|e| ApiError::Internal(e.to_string()))?
    } else {
        serde_json::to_string_pretty(&document).map_err(|e| ApiError::Internal(e.to_string()))?
    };
    let version = document
        .get("info")
        .and_then(|i| i.get("version"))
        .and_then(|v| v.as_str())
        .unwrap_or("1.0");
    let file = format!("{kind}_{version}.{}", if yaml { "yaml" } else { "json" });
    Ok(Reply {
        content_type: "application/octet-stream",
        headers: vec![(
            "content-disposition",
            format!("attachment; filename=\"{file}\""),
        )],
        body: body.into_bytes(),
        ..Reply::empty(StatusCode::OK)
    })
}
