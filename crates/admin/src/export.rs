//! GetExport: `GET /restapis/{id}/stages/{stage}/exports/{oas30|swagger}` — the stage's deployed
//! definition as OpenAPI 3.0 or Swagger 2.0, JSON or YAML by `Accept`, with the documentation
//! version the stage names (`x-amazon-apigateway-documentation` and the parts' OpenAPI attributes
//! in the definitions) unless `extensions` lists others without `documentation`, as AWS's
//! developer guide describes.

use http::StatusCode;
use tollgate_openapi::{ExportOptions, ExportedDocumentation};
use tollgate_store::{SqliteStore, Store};

use crate::{ApiError, Call, Reply};

/// What `?extensions=` asks for (a comma-separated list).
struct Extensions {
    /// The definition's `x-amazon-apigateway-*` extensions.
    apigateway: bool,
    documentation: bool,
}

fn extensions(call: &Call<'_>) -> Result<Extensions, ApiError> {
    let Some(list) = call.param("extensions").filter(|l| !l.trim().is_empty()) else {
        // AWS's default export is suited to distributing documentation: it carries it.
        return Ok(Extensions {
            apigateway: false,
            documentation: true,
        });
    };
    let mut wanted = Extensions {
        apigateway: false,
        documentation: false,
    };
    for item in list.split(',').map(str::trim) {
        match item {
            // Integrations and the other API Gateway extensions travel together here;
            // `authorizers` alone and `postman` are exports without them (their extra fields are
            // not produced).
            "integrations" => wanted.apigateway = true,
            "apigateway" => {
                wanted.apigateway = true;
                wanted.documentation = true;
            }
            "documentation" => wanted.documentation = true,
            "authorizers" | "postman" => {}
            other => {
                return Err(ApiError::bad(format!(
                    "Invalid extensions specified: {other}. Valid values are integrations, apigateway, authorizers, documentation, postman"
                )));
            }
        }
    }
    Ok(wanted)
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
    let extensions = extensions(call)?;
    if kind != "oas30" && kind != "swagger" {
        return Err(ApiError::bad(format!(
            "Invalid export type specified: {kind}. Valid values are oas30, swagger"
        )));
    }
    let stage_row = store.get_stage(api_id, stage).await?;
    let (_, definition) = store
        .get_deployment(api_id, &stage_row.deployment_id)
        .await?;
    // A version deleted since the stage named it exports as no documentation.
    let documentation = match (&stage_row.documentation_version, extensions.documentation) {
        (Some(version), true) => match store.get_documentation_version(api_id, version).await {
            Ok(found) => Some(found),
            Err(tollgate_store::StoreError::DocumentationVersionNotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        },
        _ => None,
    };
    let options = ExportOptions {
        extensions: extensions.apigateway,
        documentation: documentation
            .as_ref()
            .map(|(version, parts)| ExportedDocumentation { version, parts }),
    };
    let document = if kind == "oas30" {
        tollgate_openapi::export_oas30_with(&definition, stage, &options)
    } else {
        tollgate_openapi::export_swagger2_with(&definition, stage, &options)
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
