//! REST APIs built from scratch with the SDK (resources, methods, integrations, deployments),
//! served by the data plane.

use aws_sdk_apigateway::error::ProvideErrorMetadata;

use crate::common;
use crate::sdk::{client_at, get_until, replace};

#[tokio::test(flavor = "multi_thread")]
async fn an_api_built_with_the_sdk_serves_requests() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Tollgate::start(&dir.path().join("data"), &[]);
    let sdk = client_at(server.admin);
    let echo = common::backend::echo().await;

    let api = sdk
        .create_rest_api()
        .name("built")
        .description("made with the SDK")
        .send()
        .await
        .expect("created");
    let api_id = api.id().expect("id").to_owned();
    assert_eq!(api_id.len(), 10);
    assert_eq!(api.name(), Some("built"));
    assert_eq!(
        api.api_key_source(),
        Some(&aws_sdk_apigateway::types::ApiKeySourceType::Header)
    );
    let root = api.root_resource_id().expect("root").to_owned();
    let resources = sdk
        .get_resources()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    let paths: Vec<_> = resources.items().iter().filter_map(|r| r.path()).collect();
    assert_eq!(paths, ["/"]);

    let pets = sdk
        .create_resource()
        .rest_api_id(&api_id)
        .parent_id(&root)
        .path_part("pets")
        .send()
        .await
        .expect("pets");
    assert_eq!(
        (pets.path(), pets.parent_id()),
        (Some("/pets"), Some(root.as_str()))
    );
    let pets_id = pets.id().unwrap().to_owned();
    let pet = sdk
        .create_resource()
        .rest_api_id(&api_id)
        .parent_id(&pets_id)
        .path_part("{id}")
        .send()
        .await
        .expect("pet");
    let pet_id = pet.id().unwrap().to_owned();
    assert_eq!(pet_id.len(), 6);
    assert_eq!(pet.path(), Some("/pets/{id}"));

    // GET /pets/{id}: MOCK with a request template and a mapped response.
    let method = sdk
        .put_method()
        .rest_api_id(&api_id)
        .resource_id(&pet_id)
        .http_method("GET")
        .authorization_type("NONE")
        .request_parameters("method.request.path.id", true)
        .send()
        .await
        .expect("method");
    assert_eq!(method.http_method(), Some("GET"));
    assert_eq!(method.authorization_type(), Some("NONE"));
    sdk.put_integration()
        .rest_api_id(&api_id)
        .resource_id(&pet_id)
        .http_method("GET")
        .r#type(aws_sdk_apigateway::types::IntegrationType::Mock)
        .request_templates("application/json", r#"{"statusCode": 200}"#)
        .send()
        .await
        .expect("integration");
    sdk.put_method_response()
        .rest_api_id(&api_id)
        .resource_id(&pet_id)
        .http_method("GET")
        .status_code("200")
        .send()
        .await
        .expect("method response");
    let ir = sdk
        .put_integration_response()
        .rest_api_id(&api_id)
        .resource_id(&pet_id)
        .http_method("GET")
        .status_code("200")
        .response_templates("application/json", r#"{"pet": "$input.params('id')"}"#)
        .send()
        .await
        .expect("integration response");
    assert_eq!(ir.status_code(), Some("200"));

    // POST /pets: HTTP_PROXY to a real backend.
    sdk.put_method()
        .rest_api_id(&api_id)
        .resource_id(&pets_id)
        .http_method("POST")
        .authorization_type("NONE")
        .send()
        .await
        .expect("post");
    let integration = sdk
        .put_integration()
        .rest_api_id(&api_id)
        .resource_id(&pets_id)
        .http_method("POST")
        .r#type(aws_sdk_apigateway::types::IntegrationType::HttpProxy)
        .integration_http_method("POST")
        .uri(format!("http://{echo}/backend/pets"))
        .send()
        .await
        .expect("proxy");
    assert_eq!(integration.timeout_in_millis(), 29000);
    assert_eq!(integration.cache_namespace(), Some(pets_id.as_str()));
    assert_eq!(integration.passthrough_behavior(), Some("WHEN_NO_MATCH"));

    let deployment = sdk
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name("live")
        .description("first")
        .send()
        .await
        .expect("deployed");
    let first = deployment.id().unwrap().to_owned();
    assert_eq!(deployment.description(), Some("first"));

    let url = |path: &str| server.url(&api_id, "live", path);
    let r = get_until(&url("/pets/7"), 200, "pet").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text(), r#"{"pet": "7"}"#);
    let r = common::Http::default()
        .send(http::Method::POST, &url("/pets"), &[], "{\"name\":\"rex\"}")
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["path"], "/backend/pets");
    assert_eq!(r.json()["body"], "{\"name\":\"rex\"}");

    // A change reaches the data plane with the next deployment only.
    sdk.update_integration_response()
        .rest_api_id(&api_id)
        .resource_id(&pet_id)
        .http_method("GET")
        .status_code("200")
        .patch_operations(replace(
            "/responseTemplates/application~1json",
            r#"{"pet": "$input.params('id')", "v": 2}"#,
        ))
        .send()
        .await
        .expect("patched");
    let got = sdk
        .get_method()
        .rest_api_id(&api_id)
        .resource_id(&pet_id)
        .http_method("GET")
        .send()
        .await
        .expect("method");
    let templates = got
        .method_integration()
        .and_then(|i| i.integration_responses())
        .and_then(|r| r.get("200"))
        .and_then(|r| r.response_templates())
        .and_then(|t| t.get("application/json"))
        .cloned();
    assert_eq!(
        templates.as_deref(),
        Some(r#"{"pet": "$input.params('id')", "v": 2}"#)
    );
    assert_eq!(
        common::Http::default().get(&url("/pets/7")).await.text(),
        r#"{"pet": "7"}"#
    );
    let second = sdk
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name("live")
        .send()
        .await
        .expect("redeployed");
    let r = get_until(&url("/pets/7"), 200, "\"v\": 2").await;
    assert_eq!(r.text(), r#"{"pet": "7", "v": 2}"#);

    let stage = sdk
        .get_stage()
        .rest_api_id(&api_id)
        .stage_name("live")
        .send()
        .await
        .expect("stage");
    assert_eq!(stage.deployment_id(), second.id());
    let deployments = sdk
        .get_deployments()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = deployments.items().iter().filter_map(|d| d.id()).collect();
    assert_eq!(ids, [first.as_str(), second.id().unwrap()]);
    let embedded = sdk
        .get_resources()
        .rest_api_id(&api_id)
        .embed("methods")
        .send()
        .await
        .unwrap();
    let pet_resource = embedded
        .items()
        .iter()
        .find(|r| r.path() == Some("/pets/{id}"))
        .expect("listed");
    let get = &pet_resource.resource_methods().unwrap()["GET"];
    assert_eq!(
        get.request_parameters()
            .unwrap()
            .get("method.request.path.id"),
        Some(&true)
    );

    // AWS's errors, as the SDK decodes them.
    let e = sdk
        .get_rest_api()
        .rest_api_id("nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NotFoundException"));
    assert_eq!(
        e.message(),
        Some("Invalid API identifier specified 000000000000:nope")
    );
    let e = sdk
        .create_resource()
        .rest_api_id(&api_id)
        .parent_id(&root)
        .path_part("pets")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ConflictException"));
    assert_eq!(
        e.message(),
        Some("Another resource with the same parent already has this name: pets")
    );
    let e = sdk
        .create_resource()
        .rest_api_id(&api_id)
        .parent_id(&pets_id)
        .path_part("{other}")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("BadRequestException"));
    assert_eq!(
        e.message(),
        Some(
            "A sibling ({id}) of this resource already has a variable path part -- only one is allowed"
        )
    );
    let e = sdk
        .update_resource()
        .rest_api_id(&api_id)
        .resource_id(&pets_id)
        .patch_operations(replace("/nope", "x"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("BadRequestException"));
    assert_eq!(e.message(), Some("Invalid patch path /nope"));
    let e = sdk
        .get_method()
        .rest_api_id(&api_id)
        .resource_id(&pets_id)
        .http_method("DELETE")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NotFoundException"));
    assert_eq!(e.message(), Some("Invalid Method identifier specified"));
    let e = sdk
        .delete_deployment()
        .rest_api_id(&api_id)
        .deployment_id(second.id().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("BadRequestException"));
    assert_eq!(
        e.message(),
        Some("Active stages pointing to this deployment must be moved or deleted")
    );
    sdk.delete_deployment()
        .rest_api_id(&api_id)
        .deployment_id(&first)
        .send()
        .await
        .expect("an unused deployment goes");

    // Deleting a resource deletes its subtree; deleting the API deletes everything.
    sdk.delete_resource()
        .rest_api_id(&api_id)
        .resource_id(&pets_id)
        .send()
        .await
        .expect("deleted");
    let left = sdk
        .get_resources()
        .rest_api_id(&api_id)
        .send()
        .await
        .unwrap();
    assert_eq!(left.items().len(), 1);
    sdk.delete_rest_api()
        .rest_api_id(&api_id)
        .send()
        .await
        .expect("deleted");
    let e = sdk.get_rest_apis().send().await.unwrap();
    assert!(e.items().is_empty());
}

/// PutRestApi overwrite keeps the endpoint types; `vpcEndpointIds` and
/// `disableExecuteApiEndpoint` follow the document's endpoint extension when it has one.
#[tokio::test(flavor = "multi_thread")]
async fn overwrite_takes_the_endpoint_extension_only_from_documents_that_have_it() {
    use aws_sdk_apigateway::primitives::Blob;
    use aws_sdk_apigateway::types::{EndpointType, PutMode};

    let dir = tempfile::tempdir().unwrap();
    let server = common::Tollgate::start(&dir.path().join("data"), &[]);
    let sdk = crate::sdk::client_at(server.admin);
    let doc = |extension: Option<serde_json::Value>| {
        let mut doc = serde_json::json!({
            "swagger": "2.0",
            "info": {"title": "endpoints", "version": "1"},
            "paths": {"/": {"get": common::mock(200, "{}")}}
        });
        if let Some(e) = extension {
            doc["x-amazon-apigateway-endpoint-configuration"] = e;
        }
        Blob::new(serde_json::to_vec(&doc).unwrap())
    };
    let api = sdk
        .import_rest_api()
        .parameters("endpointConfigurationTypes", "REGIONAL")
        .body(doc(None))
        .send()
        .await
        .expect("imported");
    let id = api.id().unwrap().to_owned();
    let overwrite = |body| {
        sdk.put_rest_api()
            .rest_api_id(&id)
            .mode(PutMode::Overwrite)
            .body(body)
            .send()
    };
    let state = |api: aws_sdk_apigateway::operation::put_rest_api::PutRestApiOutput| {
        let ec = api.endpoint_configuration().cloned().unwrap();
        (
            ec.types().to_vec(),
            ec.vpc_endpoint_ids().to_vec(),
            api.disable_execute_api_endpoint(),
        )
    };
    let disabled =
        serde_json::json!({"disableExecuteApiEndpoint": true, "vpcEndpointIds": ["vpce-0123"]});
    assert_eq!(
        state(overwrite(doc(Some(disabled))).await.expect("put")),
        (
            vec![EndpointType::Regional],
            vec!["vpce-0123".to_owned()],
            true
        )
    );
    // No extension: what the API has stays.
    assert_eq!(
        state(overwrite(doc(None)).await.expect("put")),
        (
            vec![EndpointType::Regional],
            vec!["vpce-0123".to_owned()],
            true
        )
    );
    let enabled = serde_json::json!({"disableExecuteApiEndpoint": false});
    assert_eq!(
        state(overwrite(doc(Some(enabled))).await.expect("put")),
        (vec![EndpointType::Regional], vec![], false)
    );
}
