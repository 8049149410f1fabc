//! API documentation with the SDK: documentation parts (locations as AWS stores them, filters,
//! paging, updates, AWS's errors), ImportDocumentationParts, documentation versions published to
//! stages, GetExport carrying a stage's version, a rollback to an older version, and the parts
//! of `x-amazon-apigateway-documentation` through ImportRestApi, PutRestApi and `serve --api`.

use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::error::ProvideErrorMetadata;
use aws_sdk_apigateway::primitives::Blob;
use aws_sdk_apigateway::types::{
    DocumentationPart, DocumentationPartLocation, DocumentationPartType as T, IntegrationType,
    LocationStatusType, Op, PatchOperation, PutMode,
};
use serde_json::{Value, json};

use crate::common::{self, Served};
use crate::sdk::{client, client_at, replace};

/// Asserts an SDK error's exception type and message.
macro_rules! assert_error {
    ($result:expr, $code:expr, $message:expr) => {{
        let e = $result.expect_err("refused");
        assert_eq!(
            (e.code(), e.message()),
            (Some($code), Some($message)),
            "{e:?}"
        );
    }};
}

fn location(kind: T) -> DocumentationPartLocation {
    DocumentationPartLocation::builder()
        .r#type(kind)
        .build()
        .expect("location")
}

/// A location as `(type, path, method, statusCode, name)`.
type Where = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn where_of(part: &DocumentationPart) -> Where {
    let l = part.location().expect("location");
    let own = |s: Option<&str>| s.map(str::to_owned);
    (
        l.r#type().as_str().to_owned(),
        own(l.path()),
        own(l.method()),
        own(l.status_code()),
        own(l.name()),
    )
}

fn at(
    kind: &str,
    path: Option<&str>,
    method: Option<&str>,
    code: Option<&str>,
    name: Option<&str>,
) -> Where {
    let own = |s: Option<&str>| s.map(str::to_owned);
    (
        kind.to_owned(),
        own(path),
        own(method),
        own(code),
        own(name),
    )
}

/// Creates a part and returns it.
async fn create(
    sdk: &Client,
    api: &str,
    loc: DocumentationPartLocation,
    properties: &str,
) -> DocumentationPart {
    let out = sdk
        .create_documentation_part()
        .rest_api_id(api)
        .location(loc)
        .properties(properties)
        .send()
        .await
        .expect("part created");
    DocumentationPart::builder()
        .set_id(out.id().map(str::to_owned))
        .set_location(out.location().cloned())
        .set_properties(out.properties().map(str::to_owned))
        .build()
}

/// Every part of the API, by location.
async fn parts(sdk: &Client, api: &str) -> Vec<(Where, String)> {
    let out = sdk
        .get_documentation_parts()
        .rest_api_id(api)
        .limit(500)
        .send()
        .await
        .expect("parts listed");
    out.items()
        .iter()
        .map(|p| (where_of(p), p.properties().unwrap_or_default().to_owned()))
        .collect()
}

async fn new_api(sdk: &Client, name: &str) -> (String, String) {
    let api = sdk.create_rest_api().name(name).send().await.expect("api");
    (
        api.id().expect("id").to_owned(),
        api.root_resource_id().expect("root").to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn documentation_parts_are_created_read_listed_updated_and_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Tollgate::start(&dir.path().join("data"), &[]);
    let sdk = client_at(server.admin);
    let (api, _) = new_api(&sdk, "documented").await;

    // AWS's example: properties come back as sent, the location as AWS stores it.
    let text = "{\n\t\"info\": {\n\t\t\"description\" : \"Your first API with Amazon API Gateway.\"\n\t}\n}";
    let api_part = create(&sdk, &api, location(T::Api), text).await;
    let id = api_part.id().expect("id").to_owned();
    assert_eq!(id.len(), 6);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    assert_eq!(where_of(&api_part), at("API", None, None, None, None));
    assert_eq!(api_part.properties(), Some(text));
    let got = sdk
        .get_documentation_part()
        .rest_api_id(&api)
        .documentation_part_id(&id)
        .send()
        .await
        .expect("part");
    assert_eq!(
        (got.id(), got.properties()),
        (Some(id.as_str()), Some(text))
    );

    // Defaults as AWS fills them: path `/`, method and statusCode `*`, where the type takes them.
    let loc = |kind: T| DocumentationPartLocation::builder().r#type(kind);
    create(
        &sdk,
        &api,
        location(T::Resource),
        r#"{"description":"root"}"#,
    )
    .await;
    create(
        &sdk,
        &api,
        loc(T::Method).path("/pets").method("GET").build().unwrap(),
        r#"{"summary":"List all pets."}"#,
    )
    .await;
    create(
        &sdk,
        &api,
        loc(T::Response).status_code("200").build().unwrap(),
        r#"{"description":"Successful operation."}"#,
    )
    .await;
    create(
        &sdk,
        &api,
        loc(T::PathParameter)
            .path("/pets/{petId}")
            .name("petId")
            .build()
            .unwrap(),
        r#"{"description":"The id"}"#,
    )
    .await;
    create(
        &sdk,
        &api,
        loc(T::QueryParameter)
            .path("/pets")
            .method("GET")
            .name("page")
            .build()
            .unwrap(),
        "{}",
    )
    .await;
    create(
        &sdk,
        &api,
        loc(T::Model).name("Pet").build().unwrap(),
        r#"{"description":"A pet"}"#,
    )
    .await;
    let listed = parts(&sdk, &api).await;
    let wheres: Vec<Where> = listed.iter().map(|(w, _)| w.clone()).collect();
    assert_eq!(
        wheres,
        [
            at("API", None, None, None, None),
            at("RESOURCE", Some("/"), None, None, None),
            at("METHOD", Some("/pets"), Some("GET"), None, None),
            at("RESPONSE", Some("/"), Some("*"), Some("200"), None),
            at(
                "PATH_PARAMETER",
                Some("/pets/{petId}"),
                Some("*"),
                None,
                Some("petId")
            ),
            at(
                "QUERY_PARAMETER",
                Some("/pets"),
                Some("GET"),
                None,
                Some("page")
            ),
            at("MODEL", None, None, None, Some("Pet")),
        ]
    );

    // Filters: type, name (a prefix), path, and whether a part has content.
    let filtered = |kind: Option<T>,
                    name: Option<&str>,
                    path: Option<&str>,
                    status: Option<LocationStatusType>| {
        let sdk = sdk.clone();
        let api = api.clone();
        let (name, path) = (name.map(str::to_owned), path.map(str::to_owned));
        async move {
            let out = sdk
                .get_documentation_parts()
                .rest_api_id(&api)
                .set_type(kind)
                .set_name_query(name)
                .set_path(path)
                .set_location_status(status)
                .send()
                .await
                .expect("filtered");
            out.items()
                .iter()
                .map(|p| where_of(p).0)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        filtered(Some(T::Method), None, None, None).await,
        ["METHOD"]
    );
    assert_eq!(
        filtered(None, Some("pa"), None, None).await,
        ["QUERY_PARAMETER"]
    );
    assert_eq!(
        filtered(None, None, Some("/pets"), None).await,
        ["METHOD", "QUERY_PARAMETER"]
    );
    assert_eq!(
        filtered(None, None, None, Some(LocationStatusType::Undocumented)).await,
        ["QUERY_PARAMETER"]
    );
    assert_eq!(
        filtered(None, None, None, Some(LocationStatusType::Documented))
            .await
            .len(),
        6
    );

    // Pages of `limit`, with `position` until the last one.
    let first = sdk
        .get_documentation_parts()
        .rest_api_id(&api)
        .limit(4)
        .send()
        .await
        .unwrap();
    assert_eq!(first.items().len(), 4);
    let position = first.position().expect("more to come").to_owned();
    let second = sdk
        .get_documentation_parts()
        .rest_api_id(&api)
        .limit(4)
        .position(position)
        .send()
        .await
        .unwrap();
    assert_eq!(second.items().len(), 3);
    assert_eq!(second.position(), None);

    // Only the properties change.
    let updated = sdk
        .update_documentation_part()
        .rest_api_id(&api)
        .documentation_part_id(&id)
        .patch_operations(replace("/properties", r#"{ "description": "Updated" }"#))
        .send()
        .await
        .expect("updated");
    assert_eq!(
        updated.properties(),
        Some(r#"{ "description": "Updated" }"#)
    );
    assert_eq!(
        listed[0].0,
        where_of(
            &DocumentationPart::builder()
                .set_location(updated.location().cloned())
                .build()
        )
    );
    let got = sdk
        .get_documentation_part()
        .rest_api_id(&api)
        .documentation_part_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(got.properties(), Some(r#"{ "description": "Updated" }"#));

    let deleted = sdk
        .delete_documentation_part()
        .rest_api_id(&api)
        .documentation_part_id(&id)
        .send()
        .await;
    assert!(deleted.is_ok(), "{deleted:?}");
    assert_error!(
        sdk.get_documentation_part()
            .rest_api_id(&api)
            .documentation_part_id(&id)
            .send()
            .await,
        "NotFoundException",
        "Invalid Documentation part identifier specified"
    );
    assert_error!(
        sdk.delete_documentation_part()
            .rest_api_id(&api)
            .documentation_part_id(&id)
            .send()
            .await,
        "NotFoundException",
        "Invalid Documentation part identifier specified"
    );
    assert_eq!(parts(&sdk, &api).await.len(), 6);

    // Deleting the API deletes its documentation.
    sdk.delete_rest_api()
        .rest_api_id(&api)
        .send()
        .await
        .expect("api deleted");
    assert_error!(
        sdk.get_documentation_parts().rest_api_id(&api).send().await,
        "NotFoundException",
        format!("Invalid API identifier specified 000000000000:{api}").as_str()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn documentation_part_errors_are_awss() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Tollgate::start(&dir.path().join("data"), &[]);
    let sdk = client_at(server.admin);
    let (api, _) = new_api(&sdk, "strict").await;
    let part = create(
        &sdk,
        &api,
        location(T::Api),
        r#"{ "description": "Sample API description" }"#,
    )
    .await;
    let id = part.id().unwrap().to_owned();

    // An unknown API: AWS names the API on create, list and delete, the part on get and update.
    let unknown_api = "Invalid API identifier specified 000000000000:api_id";
    assert_error!(
        sdk.create_documentation_part()
            .rest_api_id("api_id")
            .location(location(T::Api))
            .properties("{}")
            .send()
            .await,
        "NotFoundException",
        unknown_api
    );
    assert_error!(
        sdk.get_documentation_parts()
            .rest_api_id("api_id")
            .send()
            .await,
        "NotFoundException",
        unknown_api
    );
    assert_error!(
        sdk.delete_documentation_part()
            .rest_api_id("api_id")
            .documentation_part_id(&id)
            .send()
            .await,
        "NotFoundException",
        unknown_api
    );
    assert_error!(
        sdk.get_documentation_part()
            .rest_api_id("api_id")
            .documentation_part_id(&id)
            .send()
            .await,
        "NotFoundException",
        "Invalid Documentation part identifier specified"
    );
    assert_error!(
        sdk.update_documentation_part()
            .rest_api_id("api_id")
            .documentation_part_id(&id)
            .patch_operations(replace("/properties", "{}"))
            .send()
            .await,
        "NotFoundException",
        "Invalid Documentation part identifier specified"
    );
    assert_error!(
        sdk.get_documentation_part()
            .rest_api_id(&api)
            .documentation_part_id("documentation_part_id")
            .send()
            .await,
        "NotFoundException",
        "Invalid Documentation part identifier specified"
    );

    // The location type outside the enumeration, in AWS's order.
    assert_error!(
        sdk.create_documentation_part()
            .rest_api_id(&api)
            .location(location(T::from("INVALID")))
            .properties("{}")
            .send()
            .await,
        "ValidationException",
        "1 validation error detected: Value 'INVALID' at 'createDocumentationPartInput.location.type' failed to satisfy constraint: Member must satisfy enum value set: [RESPONSE_BODY, RESPONSE, METHOD, MODEL, AUTHORIZER, RESPONSE_HEADER, RESOURCE, PATH_PARAMETER, REQUEST_BODY, QUERY_PARAMETER, API, REQUEST_HEADER]"
    );
    // A second part at one location (an omitted field is its default).
    assert_error!(
        sdk.create_documentation_part()
            .rest_api_id(&api)
            .location(location(T::Api))
            .properties("{}")
            .send()
            .await,
        "ConflictException",
        "Documentation part already exists for the specified location: type 'API'."
    );
    create(&sdk, &api, location(T::Resource), "{}").await;
    assert_error!(
        sdk.create_documentation_part()
            .rest_api_id(&api)
            .location(
                DocumentationPartLocation::builder()
                    .r#type(T::Resource)
                    .path("/")
                    .build()
                    .unwrap()
            )
            .properties("{}")
            .send()
            .await,
        "ConflictException",
        "Documentation part already exists for the specified location: type 'RESOURCE', path '/'."
    );
    // Fields the type does not take, a missing name, properties that are not JSON.
    assert_error!(
        sdk.create_documentation_part()
            .rest_api_id(&api)
            .location(
                DocumentationPartLocation::builder()
                    .r#type(T::Method)
                    .status_code("200")
                    .build()
                    .unwrap()
            )
            .properties("{}")
            .send()
            .await,
        "BadRequestException",
        "Invalid location: 'statusCode' is not a valid location field for type METHOD"
    );
    assert_error!(
        sdk.create_documentation_part()
            .rest_api_id(&api)
            .location(location(T::QueryParameter))
            .properties("{}")
            .send()
            .await,
        "BadRequestException",
        "Invalid location: 'name' is required for type QUERY_PARAMETER"
    );
    assert_error!(
        sdk.create_documentation_part()
            .rest_api_id(&api)
            .location(location(T::Authorizer))
            .properties("{}")
            .send()
            .await,
        "BadRequestException",
        "Invalid location: 'name' is required for type AUTHORIZER"
    );
    let e = sdk
        .create_documentation_part()
        .rest_api_id(&api)
        .location(location(T::Method))
        .properties("{not json")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("BadRequestException"), "{e:?}");
    assert!(
        e.message()
            .unwrap_or_default()
            .starts_with("Invalid documentation part properties: not valid JSON"),
        "{e:?}"
    );

    // UpdateDocumentationPart takes `replace /properties` only (AWS's texts).
    let op = |op: Op, path: &str| {
        PatchOperation::builder()
            .op(op)
            .path(path)
            .value("{}")
            .build()
    };
    assert_error!(
        sdk.update_documentation_part()
            .rest_api_id(&api)
            .documentation_part_id(&id)
            .patch_operations(op(Op::Add, "/properties"))
            .send()
            .await,
        "BadRequestException",
        "Invalid patch path  '/properties' specified for op 'add'. Please choose supported operations"
    );
    assert_error!(
        sdk.update_documentation_part()
            .rest_api_id(&api)
            .documentation_part_id(&id)
            .patch_operations(op(Op::Replace, "/invalidPath"))
            .send()
            .await,
        "BadRequestException",
        "Invalid patch path  '/invalidPath' specified for op 'replace'. Must be one of: [/properties]"
    );
    // Nothing refused changed anything.
    assert_eq!(parts(&sdk, &api).await.len(), 2);
    let got = sdk
        .get_documentation_part()
        .rest_api_id(&api)
        .documentation_part_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.properties(),
        Some(r#"{ "description": "Sample API description" }"#)
    );
}

/// AWS's "Import API documentation" example (OpenAPI 3), with a MOCK integration so that it
/// deploys.
fn documented_api() -> Value {
    json!({
        "openapi": "3.0.0",
        "info": {"description": "description", "version": "1", "title": "doc"},
        "paths": {"/": {"get": {
            "description": "Method description.",
            "responses": {"200": {
                "description": "200 response",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Empty"}}}
            }},
            "x-amazon-apigateway-integration": {
                "type": "mock",
                "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                "responses": {"default": {"statusCode": "200"}}
            }
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

/// The four parts of [`documented_api`], as AWS lists them after an import.
fn documented_parts() -> Vec<(Where, Value)> {
    vec![
        (
            at("API", None, None, None, None),
            json!({"description": "API description", "info": {"description": "API info description 4", "version": "API info version 3"}}),
        ),
        (
            at("METHOD", Some("/"), Some("GET"), None, None),
            json!({"description": "Method description."}),
        ),
        (
            at("MODEL", None, None, None, Some("Empty")),
            json!({"title": "Empty Schema"}),
        ),
        (
            at("RESPONSE", Some("/"), Some("GET"), Some("200"), None),
            json!({"description": "200 response"}),
        ),
    ]
}

/// The parts with their properties parsed.
async fn parsed_parts(sdk: &Client, api: &str) -> Vec<(Where, Value)> {
    parts(sdk, api)
        .await
        .into_iter()
        .map(|(w, p)| {
            (
                w,
                serde_json::from_str(&p).expect("properties are JSON text"),
            )
        })
        .collect()
}

async fn export(
    sdk: &Client,
    api: &str,
    stage: &str,
    kind: &str,
    extensions: Option<&str>,
) -> Value {
    let out = sdk
        .get_export()
        .rest_api_id(api)
        .stage_name(stage)
        .export_type(kind)
        .set_parameters(extensions.map(|e| [("extensions".to_owned(), e.to_owned())].into()))
        .send()
        .await
        .expect("exported");
    serde_json::from_slice(out.body().map(|b| b.as_ref()).unwrap_or_default()).expect("JSON")
}

#[tokio::test(flavor = "multi_thread")]
async fn imports_keep_documentation_parts() {
    let served = Served::start(&documented_api(), "doc");
    let sdk = client(&served);
    // `serve --api` (the CLI's import) keeps the document's parts.
    assert_eq!(parsed_parts(&sdk, &served.id).await, documented_parts());

    // ImportRestApi keeps them too, unless told to ignore them.
    let body = serde_json::to_vec(&documented_api()).unwrap();
    let imported = sdk
        .import_rest_api()
        .body(Blob::new(body.clone()))
        .fail_on_warnings(true)
        .send()
        .await
        .expect("imported");
    let imported_id = imported.id().unwrap().to_owned();
    assert_eq!(parsed_parts(&sdk, &imported_id).await, documented_parts());
    let ignoring = sdk
        .import_rest_api()
        .body(Blob::new(body.clone()))
        .parameters("ignore", "documentation")
        .send()
        .await
        .expect("imported");
    assert!(parts(&sdk, ignoring.id().unwrap()).await.is_empty());

    // PutRestApi: merge adds the document's parts to the API's own; overwrite with a document
    // without any keeps them; overwrite with parts replaces them.
    let bare = ignoring.id().unwrap().to_owned();
    create(
        &sdk,
        &bare,
        location(T::Resource),
        r#"{"description":"mine"}"#,
    )
    .await;
    sdk.put_rest_api()
        .rest_api_id(&bare)
        .mode(PutMode::Merge)
        .body(Blob::new(body.clone()))
        .send()
        .await
        .expect("merged");
    let merged = parsed_parts(&sdk, &bare).await;
    assert_eq!(merged.len(), 5);
    assert_eq!(
        merged[0],
        (
            at("RESOURCE", Some("/"), None, None, None),
            json!({"description": "mine"})
        )
    );
    let mut plain = documented_api();
    plain
        .as_object_mut()
        .unwrap()
        .remove("x-amazon-apigateway-documentation");
    sdk.put_rest_api()
        .rest_api_id(&bare)
        .mode(PutMode::Overwrite)
        .body(Blob::new(serde_json::to_vec(&plain).unwrap()))
        .send()
        .await
        .expect("overwritten");
    assert_eq!(parsed_parts(&sdk, &bare).await, merged);
    sdk.put_rest_api()
        .rest_api_id(&bare)
        .mode(PutMode::Overwrite)
        .body(Blob::new(body.clone()))
        .send()
        .await
        .expect("overwritten");
    assert_eq!(parsed_parts(&sdk, &bare).await, documented_parts());

    // ImportDocumentationParts: overwrite replaces every part (new ids), merge keeps ids.
    let before = sdk
        .get_documentation_parts()
        .rest_api_id(&imported_id)
        .send()
        .await
        .unwrap();
    let before_ids: Vec<String> = before
        .items()
        .iter()
        .map(|p| p.id().unwrap().to_owned())
        .collect();
    let merged = sdk
        .import_documentation_parts()
        .rest_api_id(&imported_id)
        .mode(PutMode::Merge)
        .body(Blob::new(body.clone()))
        .send()
        .await
        .expect("merged");
    assert_eq!(merged.ids(), before_ids);
    assert!(merged.warnings().is_empty());
    let overwritten = sdk
        .import_documentation_parts()
        .rest_api_id(&imported_id)
        .mode(PutMode::Overwrite)
        .body(Blob::new(body.clone()))
        .send()
        .await
        .expect("overwritten");
    assert_eq!(overwritten.ids().len(), 4);
    assert!(overwritten.ids().iter().all(|id| !before_ids.contains(id)));
    assert_eq!(parsed_parts(&sdk, &imported_id).await, documented_parts());

    // Parts that cannot be read are warnings (refusals with failonwarnings); unreadable
    // documents are AWS's BadRequest.
    let mut odd = documented_api();
    odd["x-amazon-apigateway-documentation"]["documentationParts"]
        .as_array_mut()
        .unwrap()
        .push(json!({"location": {"type": "METHOD", "statusCode": "200"}, "properties": {}}));
    let odd = serde_json::to_vec(&odd).unwrap();
    let warned = sdk
        .import_documentation_parts()
        .rest_api_id(&imported_id)
        .body(Blob::new(odd.clone()))
        .send()
        .await
        .expect("imported with a warning");
    assert_eq!(warned.ids().len(), 4);
    assert_eq!(
        warned.warnings(),
        [
            "$.x-amazon-apigateway-documentation.documentationParts[4]: Invalid location: 'statusCode' is not a valid location field for type METHOD; the documentation part is ignored"
        ]
    );
    let e = sdk
        .import_documentation_parts()
        .rest_api_id(&imported_id)
        .fail_on_warnings(true)
        .body(Blob::new(odd))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("BadRequestException"), "{e:?}");
    for bad in [
        "{'key:value}",
        "test:\n    value:\n        - \"value ... \\\"escaped\\\": $var, \\\"dt\\\": $(var +\"%a\")}\\\"\n",
    ] {
        assert_error!(
            sdk.import_documentation_parts()
                .rest_api_id(&imported_id)
                .mode(PutMode::Overwrite)
                .body(Blob::new(bad))
                .send()
                .await,
            "BadRequestException",
            "Unable to build importer with provided input."
        );
    }
    assert_eq!(parsed_parts(&sdk, &imported_id).await, documented_parts());

    // A stage without a documentation version exports no documentation.
    let doc = export(&sdk, &served.id, "prod", "oas30", None).await;
    assert!(
        doc.get("x-amazon-apigateway-documentation").is_none(),
        "{doc}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tollgate_import_keeps_documentation_parts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = common::write_definition(dir.path(), "doc.json", &documented_api());
    let out = common::tollgate(&[
        "import",
        "--data-dir",
        data.to_str().unwrap(),
        file.to_str().unwrap(),
        "--output",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let api: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let id = api["id"].as_str().expect("id").to_owned();
    let server = common::Tollgate::start(&data, &[]);
    let sdk = client_at(server.admin);
    assert_eq!(parsed_parts(&sdk, &id).await, documented_parts());
}

/// An API whose `GET /` is a MOCK, deployed to `prod`; returns its id.
async fn deployed_api(sdk: &Client) -> String {
    let (api, root) = new_api(sdk, "versioned").await;
    sdk.put_method()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .expect("method");
    sdk.put_integration()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .r#type(IntegrationType::Mock)
        .request_templates("application/json", r#"{"statusCode": 200}"#)
        .send()
        .await
        .expect("integration");
    sdk.put_method_response()
        .rest_api_id(&api)
        .resource_id(&root)
        .http_method("GET")
        .status_code("200")
        .send()
        .await
        .expect("method response");
    sdk.create_deployment()
        .rest_api_id(&api)
        .stage_name("prod")
        .send()
        .await
        .expect("deployed");
    api
}

#[tokio::test(flavor = "multi_thread")]
async fn versions_snapshot_parts_publish_to_stages_and_roll_back() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Tollgate::start(&dir.path().join("data"), &[]);
    let sdk = client_at(server.admin);
    let api = deployed_api(&sdk).await;
    let method = DocumentationPartLocation::builder()
        .r#type(T::Method)
        .method("GET")
        .build()
        .unwrap();
    let get = create(
        &sdk,
        &api,
        method,
        r#"{"summary":"First summary","description":"First."}"#,
    )
    .await;
    create(
        &sdk,
        &api,
        location(T::Api),
        r#"{"info":{"description":"Documented API"},"x-owner":"team"}"#,
    )
    .await;

    // A version with a stage publishes it there at once.
    let v1 = sdk
        .create_documentation_version()
        .rest_api_id(&api)
        .documentation_version("1.0.0")
        .stage_name("prod")
        .description("My API Documentation v1.0.0")
        .send()
        .await
        .expect("version");
    assert_eq!(v1.version(), Some("1.0.0"));
    assert_eq!(v1.description(), Some("My API Documentation v1.0.0"));
    assert!(v1.created_date().is_some());
    let stage = sdk
        .get_stage()
        .rest_api_id(&api)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.documentation_version(), Some("1.0.0"));
    assert_error!(
        sdk.create_documentation_version()
            .rest_api_id(&api)
            .documentation_version("1.0.0")
            .send()
            .await,
        "ConflictException",
        "Documentation version 1.0.0 already exists"
    );
    assert_error!(
        sdk.create_documentation_version()
            .rest_api_id(&api)
            .documentation_version("9")
            .stage_name("nope")
            .send()
            .await,
        "NotFoundException",
        "Invalid Stage identifier specified"
    );

    // The export carries the stage's version, and its OpenAPI attributes in the definitions.
    let doc = export(&sdk, &api, "prod", "oas30", None).await;
    let ext = &doc["x-amazon-apigateway-documentation"];
    assert_eq!(ext["version"], "1.0.0");
    assert_eq!(
        ext["documentationParts"],
        json!([
            {"location": {"type": "METHOD", "method": "GET"}, "properties": {"summary": "First summary", "description": "First."}},
            {"location": {"type": "API"}, "properties": {"info": {"description": "Documented API"}, "x-owner": "team"}}
        ])
    );
    assert_eq!(doc["paths"]["/"]["get"]["summary"], "First summary");
    assert_eq!(doc["paths"]["/"]["get"]["description"], "First.");
    assert_eq!(doc["info"]["description"], "Documented API");
    assert_eq!(doc["x-owner"], "team");
    let swagger = export(
        &sdk,
        &api,
        "prod",
        "swagger",
        Some("integrations,documentation"),
    )
    .await;
    assert_eq!(swagger["paths"]["/"]["get"]["summary"], "First summary");
    assert_eq!(
        swagger["paths"]["/"]["get"]["x-amazon-apigateway-integration"]["type"],
        "mock"
    );
    assert_eq!(
        swagger["x-amazon-apigateway-documentation"]["version"],
        "1.0.0"
    );
    let without = export(&sdk, &api, "prod", "oas30", Some("integrations")).await;
    assert!(without.get("x-amazon-apigateway-documentation").is_none());
    assert!(without["paths"]["/"]["get"].get("summary").is_none());

    // The version is a snapshot: later edits are not in it, until a new version is published.
    sdk.update_documentation_part()
        .rest_api_id(&api)
        .documentation_part_id(get.id().unwrap())
        .patch_operations(replace("/properties", r#"{"summary":"Second summary"}"#))
        .send()
        .await
        .expect("edited");
    let doc = export(&sdk, &api, "prod", "oas30", None).await;
    assert_eq!(doc["paths"]["/"]["get"]["summary"], "First summary");
    sdk.create_documentation_version()
        .rest_api_id(&api)
        .documentation_version("2.0.0")
        .send()
        .await
        .expect("v2");
    let stage = sdk
        .update_stage()
        .rest_api_id(&api)
        .stage_name("prod")
        .patch_operations(replace("/documentationVersion", "2.0.0"))
        .send()
        .await
        .expect("published");
    assert_eq!(stage.documentation_version(), Some("2.0.0"));
    let doc = export(&sdk, &api, "prod", "oas30", None).await;
    assert_eq!(doc["paths"]["/"]["get"]["summary"], "Second summary");
    assert_eq!(doc["x-amazon-apigateway-documentation"]["version"], "2.0.0");

    // Versions: listed oldest first, described, and refused when unknown.
    let versions = sdk
        .get_documentation_versions()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = versions
        .items()
        .iter()
        .filter_map(|v| v.version())
        .collect();
    assert_eq!(names, ["1.0.0", "2.0.0"]);
    let page = sdk
        .get_documentation_versions()
        .rest_api_id(&api)
        .limit(1)
        .send()
        .await
        .unwrap();
    assert_eq!((page.items().len(), page.position()), (1, Some("1")));
    let described = sdk
        .update_documentation_version()
        .rest_api_id(&api)
        .documentation_version("2.0.0")
        .patch_operations(replace("/description", "doc version new"))
        .send()
        .await
        .expect("described");
    assert_eq!(described.description(), Some("doc version new"));
    let got = sdk
        .get_documentation_version()
        .rest_api_id(&api)
        .documentation_version("2.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(
        (got.version(), got.description()),
        (Some("2.0.0"), Some("doc version new"))
    );
    assert_error!(
        sdk.update_documentation_version()
            .rest_api_id(&api)
            .documentation_version("2.0.0")
            .patch_operations(replace("/version", "3"))
            .send()
            .await,
        "BadRequestException",
        "Invalid patch path  '/version' specified for op 'replace'. Must be one of: [/description]"
    );
    let unknown = "Invalid Documentation version specified";
    assert_error!(
        sdk.get_documentation_version()
            .rest_api_id(&api)
            .documentation_version("7")
            .send()
            .await,
        "NotFoundException",
        unknown
    );
    assert_error!(
        sdk.update_stage()
            .rest_api_id(&api)
            .stage_name("prod")
            .patch_operations(replace("/documentationVersion", "7"))
            .send()
            .await,
        "NotFoundException",
        unknown
    );
    let deployment = stage.deployment_id().unwrap().to_owned();
    assert_error!(
        sdk.create_stage()
            .rest_api_id(&api)
            .stage_name("qa")
            .deployment_id(&deployment)
            .documentation_version("7")
            .send()
            .await,
        "NotFoundException",
        unknown
    );
    // AWS's UpdateStage refuses the snake-case path (recorded).
    let e = sdk
        .update_stage()
        .rest_api_id(&api)
        .stage_name("prod")
        .patch_operations(replace("/documentation_version", "1.0.0"))
        .send()
        .await
        .unwrap_err();
    assert!(
        e.message()
            .unwrap_or_default()
            .starts_with("Invalid method setting path: /documentation_version. Must be one of: ["),
        "{e:?}"
    );

    // Rolling back: publish 1.0.0 on the stage again, export it, and import that export over
    // the current parts.
    sdk.update_stage()
        .rest_api_id(&api)
        .stage_name("prod")
        .patch_operations(replace("/documentationVersion", "1.0.0"))
        .send()
        .await
        .expect("republished");
    let old = export(&sdk, &api, "prod", "oas30", None).await;
    sdk.import_documentation_parts()
        .rest_api_id(&api)
        .mode(PutMode::Overwrite)
        .body(Blob::new(serde_json::to_vec(&old).unwrap()))
        .send()
        .await
        .expect("restored");
    let restored = parsed_parts(&sdk, &api).await;
    assert_eq!(
        restored,
        [
            (
                at("METHOD", Some("/"), Some("GET"), None, None),
                json!({"summary": "First summary", "description": "First."})
            ),
            (
                at("API", None, None, None, None),
                json!({"info": {"description": "Documented API"}, "x-owner": "team"})
            ),
        ]
    );

    // Deleting a version leaves stages naming it without documentation in their exports.
    sdk.delete_documentation_version()
        .rest_api_id(&api)
        .documentation_version("1.0.0")
        .send()
        .await
        .expect("deleted");
    assert_error!(
        sdk.delete_documentation_version()
            .rest_api_id(&api)
            .documentation_version("1.0.0")
            .send()
            .await,
        "NotFoundException",
        unknown
    );
    let doc = export(&sdk, &api, "prod", "oas30", None).await;
    assert!(
        doc.get("x-amazon-apigateway-documentation").is_none(),
        "{doc}"
    );

    // Deployments do not carry documentation: a new deployment changes nothing about it.
    sdk.create_deployment()
        .rest_api_id(&api)
        .stage_name("prod")
        .send()
        .await
        .expect("redeployed");
    assert_eq!(parsed_parts(&sdk, &api).await, restored);
}
