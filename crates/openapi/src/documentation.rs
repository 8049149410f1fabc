//! `x-amazon-apigateway-documentation`: reading an API's documentation parts from a document,
//! and writing a documentation version into an export.
//!
//! On import, a part that cannot be read (not an object, an unknown type, a location its type
//! does not allow, no properties, a second part at one location) is left out with a warning, so
//! `failonwarnings` decides whether it spoils the import. `properties` may be any JSON value; it
//! is stored as compact JSON text. The extension's `version` is not imported: versions are made
//! with CreateDocumentationVersion.
//!
//! On export, the extension lists the version's parts, their locations without default values
//! (`path` `/`, `method` and `statusCode` `*`), and the parts' OpenAPI attributes are written into
//! the definitions they document, as AWS's exports show: `info` fields and root extensions from
//! the API part; extensions on path items; `summary`, `description`, `tags`, `externalDocs`,
//! `deprecated` and extensions on operations; `description` and extensions on parameters,
//! request bodies, responses and response headers; `title`, `description` and extensions on
//! models (`Model.property` names a property); `description` and extensions on authorizers'
//! security schemes. Attributes OpenAPI does not define (`foo`) stay in the extension only. An
//! entity without a part of its own takes the most specific part of an inheritable type whose
//! location pattern covers it ([`DocumentationPartLocation::coverage`]).

use std::collections::HashSet;

use serde_json::{Map, Value};
use tollgate_model::{
    DocumentationPart, DocumentationPartLocation, DocumentationPartType, DocumentationVersion, ids,
};

use crate::diag::Diags;
use crate::import::Flavor;
use crate::jpath::JPath;
use crate::{Diagnostic, ImportError};

/// The extension's name.
pub(crate) const DOCUMENTATION: &str = "x-amazon-apigateway-documentation";

/// The documentation parts read from a document (ImportDocumentationParts).
#[derive(Debug, Clone)]
pub struct ImportedDocumentation {
    /// The parts, in document order, each with a fresh id.
    pub parts: Vec<DocumentationPart>,
    /// Parts left out, and why.
    pub warnings: Vec<Diagnostic>,
}

/// A documentation version as GetExport writes it into a document.
#[derive(Debug, Clone, Copy)]
pub struct ExportedDocumentation<'a> {
    pub version: &'a DocumentationVersion,
    pub parts: &'a [DocumentationPart],
}

/// Reads the `x-amazon-apigateway-documentation` of an OpenAPI 3 or Swagger 2 document (JSON or
/// YAML) for AWS's ImportDocumentationParts: nothing else of the document is imported. A document
/// that cannot be read, is not an object, or declares neither `openapi` nor `swagger` is an
/// error; one without the extension has no parts.
pub fn import_documentation(document: &[u8]) -> Result<ImportedDocumentation, ImportError> {
    let refused = |d: Diagnostic| ImportError {
        errors: vec![d],
        warnings: Vec::new(),
    };
    let doc = crate::parse::parse(document).map_err(refused)?;
    let declared = doc
        .as_object()
        .is_some_and(|root| root.contains_key("openapi") || root.contains_key("swagger"));
    if !declared {
        return Err(refused(Diagnostic {
            path: "$".to_owned(),
            message: "The document is not an OpenAPI 3 or Swagger 2 object".to_owned(),
        }));
    }
    let mut d = Diags::default();
    let parts = match doc.get(DOCUMENTATION) {
        Some(v) => read_parts(v, &JPath::root().key(DOCUMENTATION), &mut d),
        None => Vec::new(),
    };
    Ok(ImportedDocumentation {
        parts,
        warnings: d.warnings,
    })
}

/// The parts of an `x-amazon-apigateway-documentation` value; what cannot be read is warned
/// about and left out.
pub(crate) fn read_parts(v: &Value, p: &JPath, d: &mut Diags) -> Vec<DocumentationPart> {
    let Some(root) = v.as_object() else {
        d.warn(
            p,
            "x-amazon-apigateway-documentation must be an object with documentationParts; ignored",
        );
        return Vec::new();
    };
    let list_path = p.key("documentationParts");
    let items = match root.get("documentationParts") {
        None | Some(Value::Null) => return Vec::new(),
        Some(Value::Array(items)) => items,
        Some(_) => {
            d.warn(&list_path, "documentationParts must be an array; ignored");
            return Vec::new();
        }
    };
    let mut parts = Vec::new();
    let mut seen = HashSet::new();
    for (i, item) in items.iter().enumerate() {
        let ip = list_path.index(i);
        match read_part(item) {
            Ok(part) => {
                if seen.insert(part.location.clone()) {
                    parts.push(part);
                } else {
                    d.warn(
                        &ip,
                        format!(
                            "An earlier documentation part has the same location ({}); the later part is ignored",
                            part.location.describe()
                        ),
                    );
                }
            }
            Err(reason) => d.warn(&ip, format!("{reason}; the documentation part is ignored")),
        }
    }
    parts
}

fn read_part(item: &Value) -> Result<DocumentationPart, String> {
    let part = item
        .as_object()
        .ok_or("A documentation part must be an object")?;
    let location = part
        .get("location")
        .and_then(Value::as_object)
        .ok_or("A documentation part needs a location object")?;
    let kind = match location.get("type") {
        Some(Value::String(s)) => DocumentationPartType::parse(s).ok_or_else(|| {
            format!(
                "Invalid documentation part type '{s}': expected one of {}",
                DocumentationPartType::ALL.map(|t| t.as_str()).join(", ")
            )
        })?,
        _ => return Err("A documentation part's location needs a type".to_owned()),
    };
    let field = |name: &str| -> Result<Option<String>, String> {
        match location.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(format!("The location's {name} must be a string")),
        }
    };
    let location = DocumentationPartLocation {
        kind,
        path: field("path")?,
        method: field("method")?,
        status_code: field("statusCode")?,
        name: field("name")?,
    }
    .normalized()
    .map_err(|e| e.to_string())?;
    let properties = match part.get("properties") {
        None | Some(Value::Null) => return Err("A documentation part needs properties".to_owned()),
        Some(v) => v.to_string(),
    };
    Ok(DocumentationPart {
        id: ids::short_id(),
        location,
        properties,
    })
}

/// Writes `documentation` into an exported document: the extension, and the parts' OpenAPI
/// attributes in the definitions they document.
pub(crate) fn export(
    doc: &mut Map<String, Value>,
    flavor: Flavor,
    documentation: ExportedDocumentation<'_>,
) {
    let parts = documentation.parts;
    inject(doc, flavor, parts);
    let exported: Vec<Value> = parts
        .iter()
        .map(|p| {
            let mut part = Map::new();
            part.insert(
                "location".into(),
                serde_json::to_value(p.location.without_defaults()).unwrap_or(Value::Null),
            );
            part.insert("properties".into(), properties(p));
            Value::Object(part)
        })
        .collect();
    let mut ext = Map::new();
    ext.insert(
        "version".into(),
        Value::String(documentation.version.version.clone()),
    );
    ext.insert(
        "createdDate".into(),
        Value::String(crate::export::iso8601(documentation.version.created_date)),
    );
    ext.insert("documentationParts".into(), Value::Array(exported));
    doc.insert(DOCUMENTATION.into(), Value::Object(ext));
}

/// A part's properties as JSON (the text as a string when it is not JSON).
fn properties(p: &DocumentationPart) -> Value {
    serde_json::from_str(&p.properties).unwrap_or_else(|_| Value::String(p.properties.clone()))
}

/// Which attributes of a part's properties each kind of definition takes.
const OPERATION_FIELDS: &[&str] = &[
    "summary",
    "description",
    "tags",
    "externalDocs",
    "deprecated",
];
const INFO_FIELDS: &[&str] = &["description", "termsOfService", "contact", "license"];
const ROOT_FIELDS: &[&str] = &["tags", "externalDocs"];
const DESCRIPTION: &[&str] = &["description"];
const SCHEMA_FIELDS: &[&str] = &["title", "description"];

/// Copies the `fields` and `x-` extensions of `from` into `to` (a definition object).
fn copy(from: &Value, to: &mut Value, fields: &[&str]) {
    let (Some(from), Some(to)) = (from.as_object(), to.as_object_mut()) else {
        return;
    };
    for (k, v) in from {
        if fields.contains(&k.as_str()) || k.starts_with("x-") {
            to.insert(k.clone(), v.clone());
        }
    }
}

struct Finder<'a> {
    parts: &'a [DocumentationPart],
}

impl<'a> Finder<'a> {
    /// The properties of the part that documents `entity`: its own, or the most specific one it
    /// inherits.
    fn find(&self, entity: &DocumentationPartLocation) -> Option<Value> {
        self.parts
            .iter()
            .filter_map(|p| p.location.coverage(entity).map(|rank| (rank, p)))
            .max_by_key(|(rank, _)| *rank)
            .map(|(_, p)| properties(p))
    }

    fn entity(
        kind: DocumentationPartType,
        path: &str,
        method: Option<&str>,
        status_code: Option<&str>,
        name: Option<&str>,
    ) -> DocumentationPartLocation {
        DocumentationPartLocation {
            kind,
            path: Some(path.to_owned()),
            method: method.map(str::to_owned),
            status_code: status_code.map(str::to_owned),
            name: name.map(str::to_owned),
        }
    }
}

/// The verb an exported operation key stands for.
fn verb(key: &str) -> Option<&'static str> {
    Some(match key {
        "get" => "GET",
        "put" => "PUT",
        "post" => "POST",
        "delete" => "DELETE",
        "patch" => "PATCH",
        "head" => "HEAD",
        "options" => "OPTIONS",
        "x-amazon-apigateway-any-method" => "*",
        _ => return None,
    })
}

fn inject(doc: &mut Map<String, Value>, flavor: Flavor, parts: &[DocumentationPart]) {
    use DocumentationPartType as T;
    let finder = Finder { parts };
    if let Some(api) = finder.find(&DocumentationPartLocation::of(T::Api)) {
        if let (Some(info), Some(doc_info)) = (api.get("info"), doc.get_mut("info")) {
            copy(info, doc_info, INFO_FIELDS);
        }
        let mut root = Value::Object(std::mem::take(doc));
        copy(&api, &mut root, ROOT_FIELDS);
        if let Value::Object(m) = root {
            *doc = m;
        }
    }
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            inject_path(&finder, flavor, path, item);
        }
    }
    let schemas = match flavor {
        Flavor::Oas3 => doc.get_mut("components").and_then(|c| c.get_mut("schemas")),
        Flavor::Swagger2 => doc.get_mut("definitions"),
    };
    if let Some(Value::Object(schemas)) = schemas {
        for (name, schema) in schemas.iter_mut() {
            let model = |n: String| DocumentationPartLocation {
                name: Some(n),
                ..DocumentationPartLocation::of(T::Model)
            };
            if let Some(props) = finder.find(&model(name.clone())) {
                copy(&props, schema, SCHEMA_FIELDS);
            }
            if let Some(Value::Object(fields)) = schema.get_mut("properties") {
                for (field, field_schema) in fields.iter_mut() {
                    if let Some(props) = finder.find(&model(format!("{name}.{field}"))) {
                        copy(&props, field_schema, SCHEMA_FIELDS);
                    }
                }
            }
        }
    }
    let schemes = match flavor {
        Flavor::Oas3 => doc
            .get_mut("components")
            .and_then(|c| c.get_mut("securitySchemes")),
        Flavor::Swagger2 => doc.get_mut("securityDefinitions"),
    };
    if let Some(Value::Object(schemes)) = schemes {
        for (name, scheme) in schemes.iter_mut() {
            let authorizer = DocumentationPartLocation {
                name: Some(name.clone()),
                ..DocumentationPartLocation::of(T::Authorizer)
            };
            if let Some(props) = finder.find(&authorizer) {
                copy(&props, scheme, DESCRIPTION);
            }
        }
    }
}

fn inject_path(finder: &Finder<'_>, flavor: Flavor, path: &str, item: &mut Value) {
    use DocumentationPartType as T;
    if let Some(props) = finder.find(&Finder::entity(T::Resource, path, None, None, None)) {
        copy(&props, item, &[]);
    }
    let Some(item) = item.as_object_mut() else {
        return;
    };
    for (key, op) in item.iter_mut() {
        let Some(method) = verb(key) else {
            continue;
        };
        let at = |kind, code: Option<&str>, name: Option<&str>| {
            Finder::entity(kind, path, Some(method), code, name)
        };
        if let Some(props) = finder.find(&at(T::Method, None, None)) {
            copy(&props, op, OPERATION_FIELDS);
        }
        if let Some(Value::Array(params)) = op.get_mut("parameters") {
            for param in params.iter_mut() {
                let name = param.get("name").and_then(Value::as_str).map(str::to_owned);
                let kind = match param.get("in").and_then(Value::as_str) {
                    Some("path") => T::PathParameter,
                    Some("query") => T::QueryParameter,
                    Some("header") => T::RequestHeader,
                    Some("body") => T::RequestBody,
                    _ => continue,
                };
                let name = if kind == T::RequestBody { None } else { name };
                if let Some(props) = finder.find(&at(kind, None, name.as_deref())) {
                    copy(&props, param, DESCRIPTION);
                }
            }
        }
        if flavor == Flavor::Oas3
            && let Some(body) = op.get_mut("requestBody")
            && let Some(props) = finder.find(&at(T::RequestBody, None, None))
        {
            copy(&props, body, DESCRIPTION);
        }
        let Some(Value::Object(responses)) = op.get_mut("responses") else {
            continue;
        };
        for (code, response) in responses.iter_mut() {
            if let Some(props) = finder.find(&at(T::Response, Some(code), None)) {
                copy(&props, response, DESCRIPTION);
            }
            if let Some(Value::Object(headers)) = response.get_mut("headers") {
                for (name, header) in headers.iter_mut() {
                    let entity = at(T::ResponseHeader, Some(code), Some(name));
                    if let Some(props) = finder.find(&entity) {
                        copy(&props, header, DESCRIPTION);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(location: Value, properties: &str) -> DocumentationPart {
        let location: DocumentationPartLocation = serde_json::from_value(location).unwrap();
        DocumentationPart {
            id: ids::short_id(),
            location: location.normalized().unwrap(),
            properties: properties.to_owned(),
        }
    }

    #[test]
    fn unreadable_parts_are_left_out_with_a_warning() {
        let doc = serde_json::json!({
            "openapi": "3.0.1",
            "x-amazon-apigateway-documentation": {
                "version": "1",
                "documentationParts": [
                    {"location": {"type": "API"}, "properties": {"description": "x"}},
                    {"location": {"type": "API"}, "properties": {"description": "again"}},
                    {"location": {"type": "NOPE"}, "properties": {}},
                    {"location": {"type": "METHOD", "statusCode": "200"}, "properties": {}},
                    {"location": {"type": "MODEL", "name": "Pet"}},
                    {"location": {"type": "RESPONSE", "statusCode": 404}, "properties": "text"},
                    7
                ]
            }
        });
        let imported = import_documentation(doc.to_string().as_bytes()).unwrap();
        let warnings: Vec<String> = imported.warnings.iter().map(ToString::to_string).collect();
        let at = "$.x-amazon-apigateway-documentation.documentationParts";
        assert_eq!(
            warnings,
            [
                format!(
                    "{at}[1]: An earlier documentation part has the same location (type 'API'); the later part is ignored"
                ),
                format!(
                    "{at}[2]: Invalid documentation part type 'NOPE': expected one of API, AUTHORIZER, MODEL, RESOURCE, METHOD, PATH_PARAMETER, QUERY_PARAMETER, REQUEST_HEADER, REQUEST_BODY, RESPONSE, RESPONSE_HEADER, RESPONSE_BODY; the documentation part is ignored"
                ),
                format!(
                    "{at}[3]: Invalid location: 'statusCode' is not a valid location field for type METHOD; the documentation part is ignored"
                ),
                format!(
                    "{at}[4]: A documentation part needs properties; the documentation part is ignored"
                ),
                format!(
                    "{at}[6]: A documentation part must be an object; the documentation part is ignored"
                ),
            ]
        );
        assert_eq!(imported.parts.len(), 2);
        assert_eq!(imported.parts[0].properties, r#"{"description":"x"}"#);
        assert_eq!(
            serde_json::to_value(&imported.parts[1].location).unwrap(),
            serde_json::json!({"type": "RESPONSE", "path": "/", "method": "*", "statusCode": "404"})
        );
        assert_eq!(imported.parts[1].properties, r#""text""#);

        assert!(import_documentation(b"{'key:value}").is_err());
        assert!(import_documentation(br#"{"paths": {}}"#).is_err());
        let none = import_documentation(br#"{"swagger": "2.0"}"#).unwrap();
        assert!(none.parts.is_empty() && none.warnings.is_empty());
    }

    #[test]
    fn export_writes_the_extension_and_openapi_attributes() {
        let parts = vec![
            part(
                serde_json::json!({"type": "API"}),
                r#"{"description": "API description", "foo": "no", "x-bar": "API x-bar",
                    "info": {"description": "API info description", "version": "kept", "x-bar": "info x-bar"}}"#,
            ),
            part(
                serde_json::json!({"type": "METHOD", "method": "GET"}),
                r#"{"summary": "List", "description": "Method description.", "x-example": "x", "foo": "no"}"#,
            ),
            part(
                serde_json::json!({"type": "RESOURCE"}),
                r#"{"x-bar": "resource x-bar", "description": "no"}"#,
            ),
            part(
                serde_json::json!({"type": "RESPONSE", "statusCode": "200"}),
                r#"{"description": "general 200"}"#,
            ),
            part(
                serde_json::json!({"type": "QUERY_PARAMETER", "path": "/", "method": "GET", "name": "page"}),
                r#"{"description": "Page"}"#,
            ),
            part(
                serde_json::json!({"type": "MODEL", "name": "Empty"}),
                r#"{"title": "Nothing"}"#,
            ),
        ];
        let version = DocumentationVersion {
            version: "1.0.0".into(),
            created_date: 1_479_854_500,
            description: None,
        };
        let mut doc = serde_json::json!({
            "openapi": "3.0.1",
            "info": {"title": "doc", "version": "v"},
            "paths": {"/": {"get": {
                "parameters": [{"name": "page", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "200 response"}, "404": {"description": "404 response"}}
            }}},
            "components": {"schemas": {"Empty": {"type": "object", "title": "Empty Schema"}}}
        });
        export(
            doc.as_object_mut().unwrap(),
            Flavor::Oas3,
            ExportedDocumentation {
                version: &version,
                parts: &parts,
            },
        );
        assert_eq!(
            doc["info"],
            serde_json::json!({"title": "doc", "version": "v", "description": "API info description", "x-bar": "info x-bar"})
        );
        assert_eq!(doc["x-bar"], "API x-bar");
        assert!(doc.get("foo").is_none() && doc.get("description").is_none());
        let get = &doc["paths"]["/"]["get"];
        assert_eq!(get["summary"], "List");
        assert_eq!(get["description"], "Method description.");
        assert_eq!(get["x-example"], "x");
        assert!(get.get("foo").is_none());
        assert_eq!(get["parameters"][0]["description"], "Page");
        assert_eq!(get["responses"]["200"]["description"], "general 200");
        assert_eq!(get["responses"]["404"]["description"], "404 response");
        assert_eq!(doc["paths"]["/"]["x-bar"], "resource x-bar");
        assert!(doc["paths"]["/"].get("description").is_none());
        assert_eq!(doc["components"]["schemas"]["Empty"]["title"], "Nothing");
        let ext = &doc["x-amazon-apigateway-documentation"];
        assert_eq!(ext["version"], "1.0.0");
        assert_eq!(ext["createdDate"], "2016-11-22T22:41:40Z");
        assert_eq!(
            ext["documentationParts"][1],
            serde_json::json!({"location": {"type": "METHOD", "method": "GET"},
                "properties": {"summary": "List", "description": "Method description.", "x-example": "x", "foo": "no"}})
        );
        assert_eq!(
            ext["documentationParts"][2]["location"],
            serde_json::json!({"type": "RESOURCE"})
        );
    }
}
