//! AWS's quotas on what the management API creates, as the SDK sees them: the one past a quota
//! is refused with 429 `LimitExceededException` and AWS's message (no `Retry-After`, so no
//! `retryAfterSeconds`), nothing of it is created, `serve --quota NAME=N` moves a quota, AWS's
//! default is in force without it, and the fixed limits are 400s.

use std::fmt::Debug;

use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_apigateway::operation::create_resource::CreateResourceError;
use aws_sdk_apigateway::primitives::Blob;
use aws_sdk_apigateway::types::{
    ApiKeysFormat, AuthorizerType, DocumentationPartLocation, DocumentationPartType,
    EndpointConfiguration, EndpointType, IntegrationType, PutMode,
};
use aws_smithy_runtime_api::http::Response;
use serde_json::{Value, json};

use crate::common::{self, Served};
use crate::sdk::client;

const LAMBDA_URI: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations";

/// AWS's message for a quota on `things` (`per`: ` for this API`, or nothing for the account).
fn message(things: &str, per: &str) -> String {
    format!(
        "Maximum number of {things}{per} has been reached.  Please contact AWS if you need additional {things}."
    )
}

/// Asserts AWS's refusal: 429, `LimitExceededException` with `expected`, no `Retry-After`.
#[track_caller]
fn assert_limit<T: Debug, E: ProvideErrorMetadata>(
    result: Result<T, SdkError<E, Response>>,
    expected: &str,
) {
    let err = match result {
        Ok(created) => panic!("created past the quota: {created:?}"),
        Err(e) => e,
    };
    let raw = err.raw_response().expect("an HTTP answer");
    assert_eq!(raw.status().as_u16(), 429);
    assert_eq!(raw.headers().get("retry-after"), None);
    let e = err.as_service_error().expect("a service error");
    assert_eq!(
        (e.code(), e.message()),
        (Some("LimitExceededException"), Some(expected))
    );
}

/// Asserts a 400 `BadRequestException` with `expected`.
#[track_caller]
fn assert_bad<T: Debug, E: ProvideErrorMetadata>(
    result: Result<T, SdkError<E, Response>>,
    expected: &str,
) {
    let err = match result {
        Ok(created) => panic!("created past the limit: {created:?}"),
        Err(e) => e,
    };
    let e = err.as_service_error().expect("a service error");
    assert_eq!(
        (e.code(), e.message()),
        (Some("BadRequestException"), Some(expected))
    );
}

/// An OpenAPI document titled `title` with a mock GET on each of `paths`.
fn document(title: &str, paths: &[&str]) -> Value {
    let paths: serde_json::Map<String, Value> = paths
        .iter()
        .map(|p| ((*p).to_owned(), json!({"get": common::mock(200, "{}")})))
        .collect();
    json!({"openapi": "3.0.1", "info": {"title": title, "version": "1"}, "paths": paths})
}

fn served_with(quotas: &[&str]) -> Served {
    let mut args = Vec::new();
    for q in quotas {
        args.extend(["--quota", q]);
    }
    Served::start_with(
        &document("served", &["/served"]),
        "served",
        tempfile::tempdir().unwrap(),
        &args,
    )
}

/// A new API with a mock GET on its root (deployable), and its root resource's id.
async fn deployable_api(sdk: &Client, name: &str) -> (String, String) {
    let api = sdk
        .create_rest_api()
        .name(name)
        .send()
        .await
        .expect("created");
    let (id, root) = (
        api.id().unwrap().to_owned(),
        api.root_resource_id().unwrap().to_owned(),
    );
    sdk.put_method()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .expect("method");
    sdk.put_integration()
        .rest_api_id(&id)
        .resource_id(&root)
        .http_method("GET")
        .r#type(IntegrationType::Mock)
        .request_templates("application/json", r#"{"statusCode": 200}"#)
        .send()
        .await
        .expect("integration");
    (id, root)
}

async fn resource_paths(sdk: &Client, api: &str) -> Vec<String> {
    let mut paths: Vec<String> = sdk
        .get_resources()
        .rest_api_id(api)
        .limit(500)
        .send()
        .await
        .expect("resources")
        .items()
        .iter()
        .map(|r| r.path().unwrap().to_owned())
        .collect();
    paths.sort();
    paths
}

async fn stage_names(sdk: &Client, api: &str) -> Vec<String> {
    sdk.get_stages()
        .rest_api_id(api)
        .send()
        .await
        .expect("stages")
        .item()
        .iter()
        .map(|s| s.stage_name().unwrap().to_owned())
        .collect()
}

fn part_at(kind: DocumentationPartType, path: Option<&str>) -> DocumentationPartLocation {
    DocumentationPartLocation::builder()
        .r#type(kind)
        .set_path(path.map(str::to_owned))
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn quotas_per_api_refuse_the_one_past_them() {
    let served = served_with(&[
        "resources-per-api=3",
        "stages-per-api=1",
        "authorizers-per-api=1",
        "documentation-parts-per-api=2",
    ]);
    let sdk = client(&served);
    let (api, root) = deployable_api(&sdk, "limited").await;

    // Resources: the root counts, so two children fill a quota of 3.
    for part in ["a", "b"] {
        sdk.create_resource()
            .rest_api_id(&api)
            .parent_id(&root)
            .path_part(part)
            .send()
            .await
            .expect("within the quota");
    }
    let refused = sdk
        .create_resource()
        .rest_api_id(&api)
        .parent_id(&root)
        .path_part("c")
        .send()
        .await;
    let resources = message("Resources", " for this API");
    match refused {
        Err(e) => match e.into_service_error() {
            CreateResourceError::LimitExceededException(e) => {
                assert_eq!(e.message(), Some(resources.as_str()));
                assert_eq!(e.retry_after_seconds(), None);
            }
            other => panic!("not LimitExceededException: {other:?}"),
        },
        Ok(r) => panic!("created past the quota: {r:?}"),
    }
    assert_eq!(resource_paths(&sdk, &api).await, ["/", "/a", "/b"]);

    // On the wire: AWS's body, with its null retryAfterSeconds, and no Retry-After header.
    let raw = served
        .http
        .send(
            http::Method::POST,
            &format!(
                "http://{}/restapis/{api}/resources/{root}",
                served.server.admin
            ),
            &[("content-type", "application/json")],
            r#"{"pathPart":"d"}"#,
        )
        .await;
    assert_eq!(raw.status, 429);
    assert_eq!(
        raw.header("x-amzn-errortype"),
        Some("LimitExceededException")
    );
    assert_eq!(raw.header("retry-after"), None);
    assert_eq!(
        raw.json(),
        json!({"message": resources, "retryAfterSeconds": null})
    );

    // PutRestApi may not grow the API past the quota (merge adds /d), but may keep or shrink it.
    let merge = sdk
        .put_rest_api()
        .rest_api_id(&api)
        .mode(PutMode::Merge)
        .body(Blob::new(
            serde_json::to_vec(&document("limited", &["/d"])).unwrap(),
        ))
        .send()
        .await;
    assert_limit(merge, &resources);
    assert_eq!(resource_paths(&sdk, &api).await, ["/", "/a", "/b"]);
    // ImportRestApi of a document with more resources than the quota creates no API.
    let apis_before = sdk.get_rest_apis().send().await.unwrap().items().len();
    let import = sdk
        .import_rest_api()
        .body(Blob::new(
            serde_json::to_vec(&document("big", &["/x", "/y", "/z"])).unwrap(),
        ))
        .send()
        .await;
    assert_limit(import, &resources);
    let apis = sdk.get_rest_apis().send().await.unwrap();
    assert_eq!(apis.items().len(), apis_before);
    assert!(apis.items().iter().all(|a| a.name() != Some("big")));

    // Stages: a deployment to a new stage past the quota creates neither deployment nor stage;
    // re-deploying the existing stage is no new stage.
    sdk.create_deployment()
        .rest_api_id(&api)
        .stage_name("one")
        .send()
        .await
        .expect("first stage");
    let stages = message("Stages", " for this API");
    let deployment = sdk
        .create_deployment()
        .rest_api_id(&api)
        .stage_name("two")
        .send()
        .await;
    assert_limit(deployment, &stages);
    let deployments = sdk
        .get_deployments()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    assert_eq!(deployments.items().len(), 1);
    let first = deployments.items()[0].id().unwrap().to_owned();
    let stage = sdk
        .create_stage()
        .rest_api_id(&api)
        .stage_name("two")
        .deployment_id(&first)
        .send()
        .await;
    assert_limit(stage, &stages);
    assert_eq!(stage_names(&sdk, &api).await, ["one"]);
    sdk.create_deployment()
        .rest_api_id(&api)
        .stage_name("one")
        .send()
        .await
        .expect("the same stage again");

    // Authorizers.
    let authorizer = |name: &'static str| {
        sdk.create_authorizer()
            .rest_api_id(&api)
            .name(name)
            .r#type(AuthorizerType::Token)
            .authorizer_uri(LAMBDA_URI)
            .identity_source("method.request.header.Authorization")
            .send()
    };
    authorizer("first").await.expect("within the quota");
    assert_limit(
        authorizer("second").await,
        &message("Authorizers", " for this API"),
    );
    let authorizers = sdk
        .get_authorizers()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    assert_eq!(authorizers.items().len(), 1);

    // Documentation parts, created one by one or imported.
    let parts = message("Documentation Parts", " for this API");
    for location in [
        part_at(DocumentationPartType::Api, None),
        part_at(DocumentationPartType::Resource, Some("/a")),
    ] {
        sdk.create_documentation_part()
            .rest_api_id(&api)
            .location(location)
            .properties(r#"{"description":"d"}"#)
            .send()
            .await
            .expect("within the quota");
    }
    let third = sdk
        .create_documentation_part()
        .rest_api_id(&api)
        .location(part_at(DocumentationPartType::Resource, Some("/b")))
        .properties(r#"{"description":"d"}"#)
        .send()
        .await;
    assert_limit(third, &parts);
    let mut documented = document("limited", &[]);
    documented["x-amazon-apigateway-documentation"] = json!({
        "version": "1",
        "documentationParts": [
            {"location": {"type": "RESOURCE", "path": "/b"}, "properties": {"description": "b"}}
        ]
    });
    let import = sdk
        .import_documentation_parts()
        .rest_api_id(&api)
        .mode(PutMode::Merge)
        .body(Blob::new(serde_json::to_vec(&documented).unwrap()))
        .send()
        .await;
    assert_limit(import, &parts);
    let stored = sdk
        .get_documentation_parts()
        .rest_api_id(&api)
        .send()
        .await
        .unwrap();
    let paths: Vec<Option<&str>> = stored
        .items()
        .iter()
        .map(|p| p.location().and_then(|l| l.path()))
        .collect();
    assert_eq!(paths, [None, Some("/a")]);
}

#[tokio::test(flavor = "multi_thread")]
async fn account_quotas_refuse_the_one_past_them() {
    let served = served_with(&[
        "rest-apis-regional=1",
        "rest-apis-edge=2",
        "api-keys=2",
        "usage-plans=2",
        "usage-plans-per-api-key=1",
        "client-certificates=1",
        "domain-names=1",
        "vpc-links=1",
    ]);
    let sdk = client(&served);

    // REST APIs, per endpoint type: the served (edge) API counts.
    let regional = || {
        EndpointConfiguration::builder()
            .types(EndpointType::Regional)
            .build()
    };
    let apis = message("APIs", "");
    sdk.create_rest_api()
        .name("r1")
        .endpoint_configuration(regional())
        .send()
        .await
        .expect("first regional");
    let second = sdk
        .create_rest_api()
        .name("r2")
        .endpoint_configuration(regional())
        .send()
        .await;
    assert_limit(second, &apis);
    let import = sdk
        .import_rest_api()
        .parameters("endpointConfigurationTypes", "REGIONAL")
        .body(Blob::new(
            serde_json::to_vec(&document("r3", &["/r"])).unwrap(),
        ))
        .send()
        .await;
    assert_limit(import, &apis);
    sdk.create_rest_api()
        .name("e1")
        .send()
        .await
        .expect("second edge");
    assert_limit(sdk.create_rest_api().name("e2").send().await, &apis);
    let mut names: Vec<String> = sdk
        .get_rest_apis()
        .send()
        .await
        .unwrap()
        .items()
        .iter()
        .map(|a| a.name().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["e1", "r1", "served"]);

    // API keys, created or imported.
    let mut keys = Vec::new();
    for name in ["k1", "k2"] {
        let key = sdk
            .create_api_key()
            .name(name)
            .send()
            .await
            .expect("within the quota");
        keys.push(key.id().unwrap().to_owned());
    }
    let api_keys = message("API Keys", "");
    assert_limit(sdk.create_api_key().name("k3").send().await, &api_keys);
    let import = sdk
        .import_api_keys()
        .format(ApiKeysFormat::Csv)
        .body(Blob::new("Name,Key\nk4,imported-key-value-000004\n"))
        .send()
        .await;
    assert_limit(import, &api_keys);
    let stored = sdk.get_api_keys().send().await.unwrap();
    assert_eq!(stored.items().len(), 2);

    // Usage plans, and the plans of one key.
    let mut plans = Vec::new();
    for name in ["p1", "p2"] {
        let plan = sdk
            .create_usage_plan()
            .name(name)
            .send()
            .await
            .expect("within the quota");
        plans.push(plan.id().unwrap().to_owned());
    }
    assert_limit(
        sdk.create_usage_plan().name("p3").send().await,
        &message("Usage Plans", ""),
    );
    assert_eq!(sdk.get_usage_plans().send().await.unwrap().items().len(), 2);
    let add = |plan: &str| {
        sdk.create_usage_plan_key()
            .usage_plan_id(plan)
            .key_id(&keys[0])
            .key_type("API_KEY")
            .send()
    };
    add(&plans[0]).await.expect("first plan of the key");
    assert_limit(
        add(&plans[1]).await,
        &message("Usage Plans", " for this API Key"),
    );
    let in_second = sdk
        .get_usage_plan_keys()
        .usage_plan_id(&plans[1])
        .send()
        .await
        .unwrap();
    assert!(in_second.items().is_empty());
    // An import naming a second plan for an existing key is refused whole as well.
    let value = sdk
        .get_api_key()
        .api_key(&keys[0])
        .include_value(true)
        .send()
        .await
        .unwrap()
        .value()
        .unwrap()
        .to_owned();
    let import = sdk
        .import_api_keys()
        .format(ApiKeysFormat::Csv)
        .body(Blob::new(format!(
            "Name,Key,UsagePlanIds\nk1,{value},{}\n",
            plans[1]
        )))
        .send()
        .await;
    assert_limit(import, &message("Usage Plans", " for this API Key"));

    // Client certificates, custom domain names, VPC links.
    sdk.generate_client_certificate()
        .send()
        .await
        .expect("within the quota");
    assert_limit(
        sdk.generate_client_certificate().send().await,
        &message("Client Certificates", ""),
    );
    let certificates = sdk.get_client_certificates().send().await.unwrap();
    assert_eq!(certificates.items().len(), 1);

    sdk.create_domain_name()
        .domain_name("one.example.test")
        .send()
        .await
        .expect("within the quota");
    assert_limit(
        sdk.create_domain_name()
            .domain_name("two.example.test")
            .send()
            .await,
        &message("Domain Names", ""),
    );
    assert_eq!(
        sdk.get_domain_names().send().await.unwrap().items().len(),
        1
    );

    let nlb = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/my-lb/50dc6c495c0c9188";
    sdk.create_vpc_link()
        .name("one")
        .target_arns(nlb)
        .send()
        .await
        .expect("within the quota");
    assert_limit(
        sdk.create_vpc_link()
            .name("two")
            .target_arns(nlb)
            .send()
            .await,
        &message("VPC Links", ""),
    );
    assert_eq!(sdk.get_vpc_links().send().await.unwrap().items().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn aws_defaults_and_fixed_limits_without_the_flag() {
    let served = served_with(&[]);
    let sdk = client(&served);
    let (api, _) = deployable_api(&sdk, "defaults").await;

    // AWS's 10 authorizers per API.
    for i in 0..10 {
        sdk.create_authorizer()
            .rest_api_id(&api)
            .name(format!("a{i}"))
            .r#type(AuthorizerType::Token)
            .authorizer_uri(LAMBDA_URI)
            .identity_source("method.request.header.Authorization")
            .send()
            .await
            .expect("within AWS's quota");
    }
    let eleventh = sdk
        .create_authorizer()
        .rest_api_id(&api)
        .name("a10")
        .r#type(AuthorizerType::Token)
        .authorizer_uri(LAMBDA_URI)
        .identity_source("method.request.header.Authorization")
        .send()
        .await;
    assert_limit(eleventh, &message("Authorizers", " for this API"));

    // Fixed limits: 400s.
    let statement = json!({"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
        "Resource": "execute-api:/*"});
    let policy = json!({"Version": "2012-10-17", "Statement": vec![statement; 120]}).to_string();
    assert!(policy.len() > 8_192, "{}", policy.len());
    assert_bad(
        sdk.create_rest_api().name("p").policy(policy).send().await,
        "Policy document length exceeds the maximum of 8192 characters",
    );
    let mut tagged = sdk.create_rest_api().name("t");
    for i in 0..51 {
        tagged = tagged.tags(format!("k{i}"), "v");
    }
    assert_bad(tagged.send().await, "A resource can have at most 50 tags");
    let deployment = sdk
        .create_deployment()
        .rest_api_id(&api)
        .send()
        .await
        .expect("deployment");
    let mut stage = sdk
        .create_stage()
        .rest_api_id(&api)
        .stage_name("vars")
        .deployment_id(deployment.id().unwrap());
    for i in 0..101 {
        stage = stage.variables(format!("v{i}"), "x");
    }
    let too_many = "A stage can have at most 100 stage variables";
    assert_bad(stage.send().await, too_many);
    // 100 fit; UpdateStage and CreateDeployment (its variables merge over the stage's) may not
    // add a 101st.
    let mut stage = sdk
        .create_stage()
        .rest_api_id(&api)
        .stage_name("vars")
        .deployment_id(deployment.id().unwrap());
    for i in 0..100 {
        stage = stage.variables(format!("v{i}"), "x");
    }
    stage.send().await.expect("100 variables");
    assert_bad(
        sdk.update_stage()
            .rest_api_id(&api)
            .stage_name("vars")
            .patch_operations(crate::sdk::replace("/variables/extra", "x"))
            .send()
            .await,
        too_many,
    );
    assert_bad(
        sdk.create_deployment()
            .rest_api_id(&api)
            .stage_name("vars")
            .variables("extra", "x")
            .send()
            .await,
        too_many,
    );
    let stored = sdk
        .get_stage()
        .rest_api_id(&api)
        .stage_name("vars")
        .send()
        .await
        .unwrap();
    assert_eq!(stored.variables().map(|v| v.len()), Some(100));
    assert_eq!(stored.deployment_id(), deployment.id());
    let big = json!({"type": "object", "description": "x".repeat(410 * 1024)}).to_string();
    assert_bad(
        sdk.create_model()
            .rest_api_id(&api)
            .name("Big")
            .content_type("application/json")
            .schema(big)
            .send()
            .await,
        "Model schema exceeds the maximum size of 409600 bytes",
    );
    let mut names: Vec<String> = sdk
        .get_rest_apis()
        .send()
        .await
        .unwrap()
        .items()
        .iter()
        .map(|a| a.name().unwrap().to_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["defaults", "served"]);
    assert_eq!(stage_names(&sdk, &api).await, ["vars"]);
}

#[test]
fn serve_refuses_an_unknown_quota() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = common::tollgate(&[
        "serve",
        "--data-dir",
        data.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
        "--admin-listen",
        "127.0.0.1:0",
        "--quota",
        "resources=3",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "invalid value 'resources=3' for '--quota <NAME=N>': unknown quota `resources`; valid names: rest-apis-regional, rest-apis-edge, rest-apis-private, resources-per-api, stages-per-api, authorizers-per-api, documentation-parts-per-api, api-keys, usage-plans, usage-plans-per-api-key, client-certificates, domain-names, vpc-links"
        ),
        "{stderr}"
    );
    assert!(!data.exists(), "nothing was stored");
}
