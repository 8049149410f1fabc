//! Stages and deployments with the SDK: CreateStage, UpdateStage (every kind of path, read back
//! field by field), canaries from creation to promotion, UpdateDeployment, cache flushes, AWS's
//! errors, and what the data plane makes of stage changes (variables, rollbacks under load).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_apigateway::Client;
use aws_sdk_apigateway::error::ProvideErrorMetadata;
use aws_sdk_apigateway::types::{
    CacheClusterSize, CacheClusterStatus, CanarySettings, DeploymentCanarySettings,
    IntegrationType, Op, PatchOperation, UnauthorizedCacheControlHeaderStrategy,
};

use crate::common;
use crate::sdk::{client_at, get_until, replace};

/// An API whose `GET /` is a MOCK answering `{"v": "{version}", "x": "$stageVariables.x"}`;
/// returns its id and its root resource's.
async fn mock_api(sdk: &Client, version: &str) -> (String, String) {
    let api = sdk
        .create_rest_api()
        .name("staged")
        .send()
        .await
        .expect("api");
    let api_id = api.id().expect("id").to_owned();
    let root = api.root_resource_id().expect("root").to_owned();
    sdk.put_method()
        .rest_api_id(&api_id)
        .resource_id(&root)
        .http_method("GET")
        .authorization_type("NONE")
        .send()
        .await
        .expect("method");
    sdk.put_integration()
        .rest_api_id(&api_id)
        .resource_id(&root)
        .http_method("GET")
        .r#type(IntegrationType::Mock)
        .request_templates("application/json", r#"{"statusCode": 200}"#)
        .send()
        .await
        .expect("integration");
    sdk.put_method_response()
        .rest_api_id(&api_id)
        .resource_id(&root)
        .http_method("GET")
        .status_code("200")
        .send()
        .await
        .expect("method response");
    sdk.put_integration_response()
        .rest_api_id(&api_id)
        .resource_id(&root)
        .http_method("GET")
        .status_code("200")
        .response_templates("application/json", template(version))
        .send()
        .await
        .expect("integration response");
    (api_id, root)
}

fn template(version: &str) -> String {
    format!(r#"{{"v": "{version}", "x": "$stageVariables.x"}}"#)
}

/// Changes the version the (undeployed) API answers with.
async fn set_version(sdk: &Client, api_id: &str, root: &str, version: &str) {
    sdk.update_integration_response()
        .rest_api_id(api_id)
        .resource_id(root)
        .http_method("GET")
        .status_code("200")
        .patch_operations(replace(
            "/responseTemplates/application~1json",
            &template(version),
        ))
        .send()
        .await
        .expect("new version");
}

fn op(op: Op, path: &str, value: Option<&str>) -> PatchOperation {
    PatchOperation::builder()
        .op(op)
        .path(path)
        .set_value(value.map(str::to_owned))
        .build()
}

fn copy(path: &str, from: &str) -> PatchOperation {
    PatchOperation::builder()
        .op(Op::Copy)
        .path(path)
        .from(from)
        .build()
}

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

#[tokio::test(flavor = "multi_thread")]
async fn stages_are_created_and_patched_as_aws_does() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Tollgate::start(&dir.path().join("data"), &[]);
    let sdk = client_at(server.admin);
    let (api_id, _) = mock_api(&sdk, "v1").await;
    let first = sdk
        .create_deployment()
        .rest_api_id(&api_id)
        .description("first")
        .send()
        .await
        .expect("deployment")
        .id()
        .unwrap()
        .to_owned();
    // A stage may only name a documentation version the API has.
    sdk.create_documentation_version()
        .rest_api_id(&api_id)
        .documentation_version("v1")
        .send()
        .await
        .expect("documentation version");

    let stage = sdk
        .create_stage()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .deployment_id(&first)
        .description("dev stage")
        .variables("x", "one")
        .cache_cluster_enabled(true)
        .tracing_enabled(true)
        .documentation_version("v1")
        .tags("team", "gate")
        .send()
        .await
        .expect("stage");
    assert_eq!(stage.stage_name(), Some("dev"));
    assert_eq!(stage.deployment_id(), Some(first.as_str()));
    assert_eq!(stage.description(), Some("dev stage"));
    assert_eq!(stage.variables().unwrap()["x"], "one");
    assert!(stage.cache_cluster_enabled() && stage.tracing_enabled());
    assert_eq!(
        stage.cache_cluster_size(),
        Some(&CacheClusterSize::Size0Point5Gb)
    );
    assert_eq!(
        stage.cache_cluster_status(),
        Some(&CacheClusterStatus::Available)
    );
    assert_eq!(stage.documentation_version(), Some("v1"));
    assert_eq!(stage.tags().unwrap()["team"], "gate");
    assert!(stage.method_settings().unwrap().is_empty());
    assert!(stage.canary_settings().is_none());
    assert!(stage.created_date().is_some() && stage.last_updated_date().is_some());

    // AWS's refusals of CreateStage.
    assert_error!(
        sdk.create_stage()
            .rest_api_id(&api_id)
            .stage_name("dev")
            .deployment_id(&first)
            .send()
            .await,
        "ConflictException",
        "Stage already exists"
    );
    assert_error!(
        sdk.create_stage()
            .rest_api_id(&api_id)
            .stage_name("qa")
            .deployment_id("nope00")
            .send()
            .await,
        "BadRequestException",
        "Deployment id does not exist"
    );
    assert_error!(
        sdk.create_stage()
            .rest_api_id(&api_id)
            .stage_name("qa")
            .deployment_id(&first)
            .canary_settings(CanarySettings::builder().deployment_id("nope00").build())
            .send()
            .await,
        "BadRequestException",
        "Deployment id does not exist"
    );
    assert_error!(
        sdk.create_stage()
            .rest_api_id(&api_id)
            .stage_name("no spaces")
            .deployment_id(&first)
            .send()
            .await,
        "BadRequestException",
        "Stage name only allows a-zA-Z0-9_-"
    );
    assert_error!(
        sdk.create_stage()
            .rest_api_id(&api_id)
            .stage_name("qa")
            .deployment_id(&first)
            .cache_cluster_size(CacheClusterSize::from("2"))
            .send()
            .await,
        "ValidationException",
        "1 validation error detected: Value '2' at 'createStageInput.cacheClusterSize' failed to satisfy constraint: Member must satisfy enum value set: [0.5, 1.6, 6.1, 13.5, 28.4, 58.2, 118, 237]"
    );
    let raw = common::Http::default()
        .send(
            http::Method::POST,
            &format!("http://{}/restapis/{api_id}/stages", server.admin),
            &[("content-type", "application/json")],
            "{}",
        )
        .await;
    assert_eq!(raw.status, 400);
    assert_eq!(raw.header("x-amzn-ErrorType"), Some("ValidationException"));
    assert_eq!(
        raw.json()["message"],
        "2 validation errors detected: Value null at 'createStageInput.stageName' failed to satisfy constraint: Member must not be null; Value null at 'createStageInput.deploymentId' failed to satisfy constraint: Member must not be null"
    );

    // Every kind of path, in one call, read back field by field.
    let updated = sdk
        .update_stage()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .patch_operations(replace("/description", "stage new"))
        .patch_operations(replace("/variables/y", "two"))
        .patch_operations(op(Op::Remove, "/variables/x", None))
        .patch_operations(replace("/*/*/throttling/burstLimit", "123"))
        .patch_operations(replace("/*/*/caching/enabled", "true"))
        .patch_operations(replace("/~1pets/GET/throttling/rateLimit", "7.5"))
        .patch_operations(replace("/~1pets/GET/logging/loglevel", "INFO"))
        .patch_operations(replace("/~1pets/GET/metrics/enabled", "true"))
        .patch_operations(replace("/~1pets/GET/caching/ttlInSeconds", "60"))
        .patch_operations(replace(
            "/~1pets/GET/caching/unauthorizedCacheControlHeaderStrategy",
            "FAIL_WITH_403",
        ))
        .patch_operations(replace("/tracingEnabled", "false"))
        .patch_operations(replace("/cacheClusterSize", "6.1"))
        .patch_operations(replace("/clientCertificateId", "cert01"))
        .patch_operations(op(
            Op::Add,
            "/accessLogSettings/destinationArn",
            Some("arn:aws:logs:us-east-1:000000000000:log-group:access"),
        ))
        .patch_operations(replace(
            "/accessLogSettings/format",
            "$context.requestId $context.identity.sourceIp",
        ))
        .send()
        .await
        .expect("updated");
    let got = sdk
        .get_stage()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .expect("stage");
    for stage in [updated.description(), got.description()] {
        assert_eq!(stage, Some("stage new"));
    }
    assert_eq!(
        got.variables().unwrap().iter().collect::<Vec<_>>(),
        [(&"y".to_owned(), &"two".to_owned())]
    );
    assert!(!got.tracing_enabled());
    assert_eq!(
        got.cache_cluster_size(),
        Some(&CacheClusterSize::Size6Point1Gb)
    );
    assert_eq!(got.client_certificate_id(), Some("cert01"));
    let logs = got.access_log_settings().expect("access logs");
    assert_eq!(
        logs.destination_arn(),
        Some("arn:aws:logs:us-east-1:000000000000:log-group:access")
    );
    assert_eq!(
        logs.format(),
        Some("$context.requestId $context.identity.sourceIp")
    );
    let settings = got.method_settings().expect("method settings");
    let mut keys: Vec<&String> = settings.keys().collect();
    keys.sort();
    assert_eq!(keys, ["*/*", "~1pets/GET"]);
    // `*/*` was created as AWS's default object, then changed.
    let all = &settings["*/*"];
    assert!(!all.metrics_enabled() && !all.data_trace_enabled());
    assert_eq!(all.throttling_burst_limit(), 123);
    assert_eq!(all.throttling_rate_limit(), 10000.0);
    assert!(all.caching_enabled());
    assert_eq!(all.cache_ttl_in_seconds(), 300);
    assert!(!all.cache_data_encrypted());
    assert!(all.require_authorization_for_cache_control());
    assert_eq!(
        all.unauthorized_cache_control_header_strategy(),
        Some(&UnauthorizedCacheControlHeaderStrategy::SucceedWithResponseHeader)
    );
    assert_eq!(all.logging_level(), None);
    // A new key starts from `*/*` as it stands.
    let pets = &settings["~1pets/GET"];
    assert_eq!(pets.throttling_burst_limit(), 123);
    assert!(pets.caching_enabled());
    assert_eq!(pets.throttling_rate_limit(), 7.5);
    assert_eq!(pets.logging_level(), Some("INFO"));
    assert!(pets.metrics_enabled());
    assert_eq!(pets.cache_ttl_in_seconds(), 60);
    assert_eq!(
        pets.unauthorized_cache_control_header_strategy(),
        Some(&UnauthorizedCacheControlHeaderStrategy::FailWith403)
    );

    // AWS's refusals of UpdateStage; a refused patch changes nothing, even its good operations.
    let patch = |ops: Vec<PatchOperation>| {
        sdk.update_stage()
            .rest_api_id(&api_id)
            .stage_name("dev")
            .set_patch_operations(Some(ops))
            .send()
    };
    let e = patch(vec![replace("/tags/tag1", "value1")])
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("BadRequestException"));
    assert!(
        e.message().unwrap_or_default().starts_with(
            "Invalid method setting path: /tags/tag1. Must be one of: [/deploymentId, /description, /cacheClusterEnabled,"
        ),
        "{e:?}"
    );
    assert_error!(
        patch(vec![
            replace("/description", "never stored"),
            op(Op::Remove, "/*/*", None),
            op(Op::Remove, "/*/*", None),
        ])
        .await,
        "BadRequestException",
        "Cannot remove method setting */* because there is no method setting for this method "
    );
    assert_error!(
        patch(vec![replace("/accessLogSettings/randomValue", "x")]).await,
        "BadRequestException",
        "Invalid accessLogSettings path. Must be one of : [/accessLogSettings/destinationArn, /accessLogSettings/format]"
    );
    assert_error!(
        patch(vec![replace("/accessLogSettings/format", "")]).await,
        "BadRequestException",
        "Access Log value must not be empty"
    );
    assert_error!(
        patch(vec![op(
            Op::Remove,
            "/accessLogSettings/destinationArn",
            None
        )])
        .await,
        "BadRequestException",
        "Cannot remove method setting accessLogSettings/destinationArn because there is no method setting for this method "
    );
    assert_error!(
        patch(vec![replace("/deploymentId", "nope00")]).await,
        "BadRequestException",
        "Deployment id does not exist"
    );
    let again = sdk
        .get_stage()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(again.description(), Some("stage new"));
    assert!(again.method_settings().unwrap().contains_key("*/*"));

    let reset = patch(vec![
        op(Op::Remove, "/*/*", None),
        op(Op::Remove, "/~1pets/GET", None),
        op(Op::Remove, "/accessLogSettings", None),
        replace("/cacheClusterEnabled", "false"),
    ])
    .await
    .expect("reset");
    assert!(reset.method_settings().unwrap().is_empty());
    assert!(reset.access_log_settings().is_none());
    assert_eq!(
        reset.cache_cluster_status(),
        Some(&CacheClusterStatus::NotAvailable)
    );
    assert_error!(
        sdk.update_stage()
            .rest_api_id(&api_id)
            .stage_name("nope")
            .patch_operations(replace("/description", "x"))
            .send()
            .await,
        "NotFoundException",
        "Invalid Stage identifier specified"
    );

    // Cache flushes answer 202 for a stage, 404 for anything else.
    sdk.flush_stage_cache()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .expect("flushed");
    sdk.flush_stage_authorizers_cache()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .expect("flushed");
    assert_error!(
        sdk.flush_stage_cache()
            .rest_api_id(&api_id)
            .stage_name("nope")
            .send()
            .await,
        "NotFoundException",
        "Invalid Stage identifier specified"
    );

    // UpdateDeployment.
    let described = sdk
        .update_deployment()
        .rest_api_id(&api_id)
        .deployment_id(&first)
        .patch_operations(replace("/description", "the first one"))
        .send()
        .await
        .expect("described");
    assert_eq!(described.description(), Some("the first one"));
    let d = sdk
        .get_deployment()
        .rest_api_id(&api_id)
        .deployment_id(&first)
        .send()
        .await
        .unwrap();
    assert_eq!(d.description(), Some("the first one"));
    assert_error!(
        sdk.update_deployment()
            .rest_api_id(&api_id)
            .deployment_id(&first)
            .patch_operations(replace("/stageName", "x"))
            .send()
            .await,
        "BadRequestException",
        "Invalid patch path /stageName"
    );
    assert_error!(
        sdk.update_deployment()
            .rest_api_id(&api_id)
            .deployment_id("nope00")
            .patch_operations(replace("/description", "x"))
            .send()
            .await,
        "NotFoundException",
        "Invalid Deployment identifier specified"
    );

    // CreateDeployment's stage fields reach a new stage.
    sdk.create_deployment()
        .rest_api_id(&api_id)
        .stage_name("cached")
        .cache_cluster_enabled(true)
        .cache_cluster_size(CacheClusterSize::Size1Point6Gb)
        .tracing_enabled(true)
        .send()
        .await
        .expect("deployed");
    let cached = sdk
        .get_stage()
        .rest_api_id(&api_id)
        .stage_name("cached")
        .send()
        .await
        .unwrap();
    assert!(cached.cache_cluster_enabled() && cached.tracing_enabled());
    assert_eq!(
        cached.cache_cluster_size(),
        Some(&CacheClusterSize::Size1Point6Gb)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn canaries_are_created_adjusted_promoted_and_removed() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Tollgate::start(&dir.path().join("data"), &[]);
    let sdk = client_at(server.admin);
    let (api_id, root) = mock_api(&sdk, "v1").await;
    let production = sdk
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .variables("x", "one")
        .variables("keep", "k")
        .send()
        .await
        .expect("deployed")
        .id()
        .unwrap()
        .to_owned();
    set_version(&sdk, &api_id, &root, "v2").await;
    let patch = |ops: Vec<PatchOperation>| {
        sdk.update_stage()
            .rest_api_id(&api_id)
            .stage_name("dev")
            .set_patch_operations(Some(ops))
            .send()
    };

    // AWS's refusals of canary deployments.
    let canary_settings = || {
        DeploymentCanarySettings::builder()
            .percent_traffic(25.0)
            .stage_variable_overrides("x", "canary")
            .build()
    };
    assert_error!(
        sdk.create_deployment()
            .rest_api_id(&api_id)
            .canary_settings(canary_settings())
            .send()
            .await,
        "BadRequestException",
        "Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is null"
    );
    assert_error!(
        sdk.create_deployment()
            .rest_api_id(&api_id)
            .stage_name("")
            .canary_settings(canary_settings())
            .send()
            .await,
        "BadRequestException",
        "Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is "
    );
    assert_error!(
        sdk.create_deployment()
            .rest_api_id(&api_id)
            .stage_name("non-existing")
            .canary_settings(canary_settings())
            .send()
            .await,
        "BadRequestException",
        "Invalid deployment content specified.Stage non-existing must already be created before making a canary release deployment"
    );
    assert_error!(
        patch(vec![
            copy("/variables", "/canarySettings/stageVariableOverrides"),
            copy("/deploymentId", "/canarySettings/deploymentId"),
        ])
        .await,
        "BadRequestException",
        "Promotion not available. Canary does not exist."
    );
    assert_error!(
        patch(vec![copy(
            "/canarySettings/stageVariableOverrides",
            "/variables"
        )])
        .await,
        "BadRequestException",
        "Invalid copy operation with path: /canarySettings/stageVariableOverrides and from /variables. Valid copy:path are [/deploymentId, /variables] and valid copy:from are [/canarySettings/deploymentId, /canarySettings/stageVariableOverrides]"
    );

    // A canary release deployment: the stage keeps serving production.
    let candidate = sdk
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .canary_settings(canary_settings())
        .send()
        .await
        .expect("canary deployment")
        .id()
        .unwrap()
        .to_owned();
    let stage = sdk
        .get_stage()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(stage.deployment_id(), Some(production.as_str()));
    let canary = stage.canary_settings().expect("canary");
    assert_eq!(canary.deployment_id(), Some(candidate.as_str()));
    assert_eq!(canary.percent_traffic(), 25.0);
    assert_eq!(canary.stage_variable_overrides().unwrap()["x"], "canary");
    assert!(!canary.use_stage_cache());

    // What a canary protects.
    assert_error!(
        sdk.delete_deployment()
            .rest_api_id(&api_id)
            .deployment_id(&candidate)
            .send()
            .await,
        "BadRequestException",
        "Active stages with canary settings pointing to this deployment must be moved or deleted"
    );
    assert_error!(
        sdk.create_deployment()
            .rest_api_id(&api_id)
            .stage_name("dev")
            .send()
            .await,
        "BadRequestException",
        "Invalid deployment content specified.Non canary deployment not supported on stage dev because Canary is enabled. Provide CanarySettings in deploymentInput."
    );
    let warned = Instant::now() + Duration::from_secs(10);
    while !server
        .stderr()
        .contains("canary routing is not enforced yet")
    {
        assert!(Instant::now() < warned, "no warning: {}", server.stderr());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    // Adjust.
    let adjusted = patch(vec![
        replace("/canarySettings/percentTraffic", "50.5"),
        replace("/canarySettings/useStageCache", "true"),
        replace("/canarySettings/stageVariableOverrides/y", "new"),
        op(Op::Remove, "/canarySettings/stageVariableOverrides/x", None),
        replace("/canarySettings/stageVariableOverrides/x", "canary2"),
    ])
    .await
    .expect("adjusted");
    let canary = adjusted.canary_settings().unwrap();
    assert_eq!(canary.percent_traffic(), 50.5);
    assert!(canary.use_stage_cache());
    let overrides = canary.stage_variable_overrides().unwrap();
    assert_eq!(
        (overrides["x"].as_str(), overrides["y"].as_str()),
        ("canary2", "new")
    );
    assert_error!(
        patch(vec![op(
            Op::Add,
            "/canarySettings/deploymentId",
            Some(&candidate)
        )])
        .await,
        "BadRequestException",
        "Invalid add operation with path: /canarySettings/deploymentId"
    );
    assert_error!(
        patch(vec![replace("/canarySettings/deploymentId", "deploy")]).await,
        "BadRequestException",
        "Deployment id does not exist"
    );
    assert_error!(
        patch(vec![op(Op::Remove, "/canarySettings/badPath", None)]).await,
        "BadRequestException",
        "Cannot remove method setting canarySettings/badPath because there is no method setting for this method "
    );
    let e = patch(vec![replace("/canarySettings", "test")])
        .await
        .unwrap_err();
    assert!(
        e.message()
            .unwrap_or_default()
            .starts_with("Invalid method setting path: /canarySettings. Must be one of: ["),
        "{e:?}"
    );

    // Promote: the stage serves the canary's deployment with the overrides merged in.
    let promoted = patch(vec![
        replace("/canarySettings/percentTraffic", "0.0"),
        copy("/deploymentId", "/canarySettings/deploymentId"),
        copy("/variables", "/canarySettings/stageVariableOverrides"),
    ])
    .await
    .expect("promoted");
    assert_eq!(promoted.deployment_id(), Some(candidate.as_str()));
    let variables = promoted.variables().unwrap();
    assert_eq!(
        (
            variables["x"].as_str(),
            variables["y"].as_str(),
            variables["keep"].as_str()
        ),
        ("canary2", "new", "k")
    );
    let canary = promoted.canary_settings().expect("the canary stays");
    assert_eq!(canary.percent_traffic(), 0.0);
    assert_eq!(canary.deployment_id(), Some(candidate.as_str()));
    let r = get_until(&server.url(&api_id, "dev", "/"), 200, "v2").await;
    assert_eq!(r.json()["x"], "canary2", "{}", r.text());

    // Remove the canary; a canary on an existing deployment, then an implicit one.
    let removed = patch(vec![op(Op::Remove, "/canarySettings", None)])
        .await
        .expect("removed");
    assert!(removed.canary_settings().is_none());
    let on_existing = patch(vec![replace("/canarySettings/deploymentId", &production)])
        .await
        .expect("canary on an existing deployment");
    let canary = on_existing.canary_settings().unwrap();
    assert_eq!(canary.deployment_id(), Some(production.as_str()));
    assert_eq!(canary.percent_traffic(), 0.0);
    assert!(!canary.use_stage_cache());
    assert!(canary.stage_variable_overrides().is_none());
    patch(vec![op(Op::Remove, "/canarySettings", None)])
        .await
        .unwrap();
    let implicit = patch(vec![replace("/canarySettings/percentTraffic", "10")])
        .await
        .expect("implicit canary");
    let canary = implicit.canary_settings().unwrap();
    assert_eq!(canary.deployment_id(), Some(candidate.as_str()));
    assert_eq!(canary.percent_traffic(), 10.0);

    // A stage created with a canary on an existing deployment.
    let qa = sdk
        .create_stage()
        .rest_api_id(&api_id)
        .stage_name("qa")
        .deployment_id(&production)
        .canary_settings(
            CanarySettings::builder()
                .deployment_id(&candidate)
                .percent_traffic(60.0)
                .stage_variable_overrides("x", "canary-qa")
                .build(),
        )
        .send()
        .await
        .expect("qa");
    let canary = qa.canary_settings().unwrap();
    assert_eq!(
        (canary.deployment_id(), canary.percent_traffic()),
        (Some(candidate.as_str()), 60.0)
    );
    assert_eq!(canary.stage_variable_overrides().unwrap()["x"], "canary-qa");
}

#[tokio::test(flavor = "multi_thread")]
async fn stage_changes_reach_the_data_plane_and_rollbacks_drop_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Tollgate::start(&dir.path().join("data"), &[]);
    let sdk = client_at(server.admin);
    let (api_id, root) = mock_api(&sdk, "v1").await;
    let old = sdk
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name("live")
        .variables("x", "one")
        .send()
        .await
        .expect("deployed")
        .id()
        .unwrap()
        .to_owned();
    let url = server.url(&api_id, "live", "/");
    let r = get_until(&url, 200, "one").await;
    assert_eq!(r.json(), serde_json::json!({"v": "v1", "x": "one"}));

    // A stage variable patched is seen by the next requests, without a deployment.
    sdk.update_stage()
        .rest_api_id(&api_id)
        .stage_name("live")
        .patch_operations(replace("/variables/x", "two"))
        .send()
        .await
        .expect("patched");
    let r = get_until(&url, 200, "two").await;
    assert_eq!(r.json(), serde_json::json!({"v": "v1", "x": "two"}));

    set_version(&sdk, &api_id, &root, "v2").await;
    let new = sdk
        .create_deployment()
        .rest_api_id(&api_id)
        .stage_name("live")
        .send()
        .await
        .expect("redeployed")
        .id()
        .unwrap()
        .to_owned();
    let r = get_until(&url, 200, "v2").await;
    assert_eq!(r.json(), serde_json::json!({"v": "v2", "x": "two"}));

    // A rollback serves the old deployment's answer.
    sdk.update_stage()
        .rest_api_id(&api_id)
        .stage_name("live")
        .patch_operations(replace("/deploymentId", &old))
        .send()
        .await
        .expect("rolled back");
    let r = get_until(&url, 200, "v1").await;
    assert_eq!(r.json(), serde_json::json!({"v": "v1", "x": "two"}));

    // Rollbacks and roll-forwards under load: no request fails, every answer is one version.
    let failures = Arc::new(AtomicUsize::new(0));
    let served = Arc::new(AtomicUsize::new(0));
    let stop = Instant::now() + Duration::from_secs(2);
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (url, failures, served) = (url.clone(), failures.clone(), served.clone());
        clients.push(tokio::spawn(async move {
            let http = common::Http::default();
            let mut seen = Vec::new();
            while Instant::now() < stop {
                match http
                    .try_send(http::Method::GET, &url, &[], bytes::Bytes::new())
                    .await
                {
                    Ok(r) if r.status == 200 => {
                        let v = r.json()["v"].as_str().unwrap_or_default().to_owned();
                        if v != "v1" && v != "v2" {
                            failures.fetch_add(1, Ordering::Relaxed);
                        } else if !seen.contains(&v) {
                            seen.push(v);
                        }
                        served.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            seen
        }));
    }
    let mut flips = 0;
    while Instant::now() < stop {
        let to = if flips % 2 == 0 { &new } else { &old };
        sdk.update_stage()
            .rest_api_id(&api_id)
            .stage_name("live")
            .patch_operations(replace("/deploymentId", to))
            .send()
            .await
            .expect("flipped");
        flips += 1;
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    let mut versions = Vec::new();
    for c in clients {
        versions.extend(c.await.unwrap());
    }
    assert_eq!(failures.load(Ordering::Relaxed), 0, "failed requests");
    assert!(served.load(Ordering::Relaxed) > 0);
    assert!(flips >= 4, "{flips} flips");
    assert!(
        versions.iter().any(|v| v == "v1") && versions.iter().any(|v| v == "v2"),
        "{versions:?}"
    );
}

/// Settings Tollgate stores but does not act on yet are accepted as AWS accepts them, and the
/// gateway says in its log which ones a stage has.
#[tokio::test(flavor = "multi_thread")]
async fn settings_not_acted_on_yet_are_named_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Tollgate::start(&dir.path().join("data"), &[]);
    let sdk = client_at(server.admin);
    let (api_id, _) = mock_api(&sdk, "v1").await;
    sdk.create_deployment()
        .rest_api_id(&api_id)
        .stage_name("prod")
        .send()
        .await
        .expect("deployment");
    let stage = sdk
        .update_stage()
        .rest_api_id(&api_id)
        .stage_name("prod")
        .patch_operations(replace("/tracingEnabled", "true"))
        .patch_operations(replace("/cacheClusterEnabled", "true"))
        .patch_operations(replace("/*/*/logging/loglevel", "INFO"))
        .send()
        .await
        .expect("stage");
    assert!(stage.tracing_enabled());
    assert!(stage.cache_cluster_enabled());
    let deadline = Instant::now() + Duration::from_secs(10);
    let line = loop {
        let log = server.stderr();
        if let Some(line) = log.lines().find(|l| l.contains("does not act on yet")) {
            break line.to_owned();
        }
        assert!(Instant::now() < deadline, "no warning in the log:\n{log}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for named in [
        "response cache (cacheClusterEnabled, caching/enabled)",
        "X-Ray tracing (tracingEnabled)",
        "execution logs and metrics",
    ] {
        assert!(line.contains(named), "{named} not in: {line}");
    }
    assert!(!line.contains("access logs"), "{line}");
}
