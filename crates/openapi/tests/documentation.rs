//! `x-amazon-apigateway-documentation`: AWS's documentation example imports into parts, and a
//! documentation version exported with the definition imports back into the same parts, in both
//! export formats.

use serde_json::{Value, json};
use tollgate_model::{ApiDefinition, DocumentationPart, DocumentationVersion};
use tollgate_openapi::{
    ExportOptions, ExportedDocumentation, ImportOptions, export_oas30_with, export_swagger2_with,
    import, import_documentation,
};

/// The OpenAPI 3 document of AWS's "Import API documentation" page.
fn aws_example() -> Value {
    json!({
        "openapi": "3.0.0",
        "info": {"description": "description", "version": "1", "title": "doc"},
        "paths": {"/": {"get": {
            "description": "Method description.",
            "responses": {"200": {
                "description": "200 response",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Empty"}}}
            }},
            "x-amazon-apigateway-integration": {"type": "mock"}
        }}},
        "x-amazon-apigateway-documentation": {
            "version": "1.0.3",
            "documentationParts": [
                {"location": {"type": "API"}, "properties": {
                    "description": "API description",
                    "info": {"description": "API info description 4", "version": "API info version 3"}
                }},
                {"location": {"type": "METHOD", "method": "GET"},
                 "properties": {"description": "Method description."}},
                {"location": {"type": "MODEL", "name": "Empty"},
                 "properties": {"title": "Empty Schema"}},
                {"location": {"type": "RESPONSE", "method": "GET", "statusCode": "200"},
                 "properties": {"description": "200 response"}}
            ]
        },
        "servers": [{"url": "/"}],
        "components": {"schemas": {"Empty": {"type": "object", "title": "Empty Schema"}}}
    })
}

fn imported(doc: &Value) -> ApiDefinition {
    match import(doc.to_string().as_bytes(), &ImportOptions::default()) {
        Ok(i) => {
            assert!(i.warnings.is_empty(), "{:?}", i.warnings);
            i.definition
        }
        Err(e) => panic!("{e}"),
    }
}

/// Locations and properties (as JSON), ids aside.
fn comparable(parts: &[DocumentationPart]) -> Vec<Value> {
    parts
        .iter()
        .map(|p| {
            json!({
                "location": p.location,
                "properties": serde_json::from_str::<Value>(&p.properties).unwrap(),
            })
        })
        .collect()
}

#[test]
fn aws_example_imports_with_aws_locations() {
    let def = imported(&aws_example());
    assert_eq!(
        comparable(&def.documentation_parts),
        [
            json!({"location": {"type": "API"}, "properties": {
                "description": "API description",
                "info": {"description": "API info description 4", "version": "API info version 3"}}}),
            json!({"location": {"type": "METHOD", "path": "/", "method": "GET"},
                "properties": {"description": "Method description."}}),
            json!({"location": {"type": "MODEL", "name": "Empty"},
                "properties": {"title": "Empty Schema"}}),
            json!({"location": {"type": "RESPONSE", "path": "/", "method": "GET", "statusCode": "200"},
                "properties": {"description": "200 response"}}),
        ]
    );
    let ids: std::collections::HashSet<&str> = def
        .documentation_parts
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(ids.len(), 4);
    assert!(ids.iter().all(|id| {
        id.len() == 6
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    }));

    // ImportDocumentationParts reads the same parts from the same document.
    let only = import_documentation(aws_example().to_string().as_bytes()).unwrap();
    assert_eq!(
        comparable(&only.parts),
        comparable(&def.documentation_parts)
    );
}

#[test]
fn a_documentation_version_round_trips_through_both_export_formats() {
    let def = imported(&aws_example());
    let version = DocumentationVersion {
        version: "1.0.3".into(),
        created_date: 1_479_854_500,
        description: Some("first".into()),
    };
    let options = ExportOptions {
        extensions: true,
        documentation: Some(ExportedDocumentation {
            version: &version,
            parts: &def.documentation_parts,
        }),
    };
    for (format, exported) in [
        ("oas30", export_oas30_with(&def, "prod", &options)),
        ("swagger", export_swagger2_with(&def, "prod", &options)),
    ] {
        let ext = &exported["x-amazon-apigateway-documentation"];
        assert_eq!(ext["version"], "1.0.3", "{format}");
        assert_eq!(ext["createdDate"], "2016-11-22T22:41:40Z", "{format}");
        // Locations as the document wrote them: defaults left out.
        assert_eq!(
            ext["documentationParts"],
            aws_example()["x-amazon-apigateway-documentation"]["documentationParts"],
            "{format}"
        );
        assert_eq!(
            exported["info"]["description"], "API info description 4",
            "{format}"
        );
        assert_eq!(
            exported["paths"]["/"]["get"]["description"], "Method description.",
            "{format}"
        );
        let again = imported(&exported);
        assert_eq!(
            comparable(&again.documentation_parts),
            comparable(&def.documentation_parts),
            "{format}"
        );
    }

    // Without documentation, an export has none.
    let plain = export_oas30_with(&def, "prod", &ExportOptions::default());
    assert!(plain.get("x-amazon-apigateway-documentation").is_none());
}
