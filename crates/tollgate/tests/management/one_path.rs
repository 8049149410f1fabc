//! One code path: the CLI (`tollgate import`, `deploy`, `keys`, `plans`) and `serve --sam` make
//! what they make through the management API's operations, so the same input gets the same
//! refusal, in the same words, and the same result, whichever way it is given.

use aws_sdk_apigateway::error::ProvideErrorMetadata;
use aws_sdk_apigateway::primitives::Blob;
use aws_sdk_apigateway::types::{QuotaPeriodType, QuotaSettings, ThrottleSettings};
use serde_json::{Value, json};

use crate::common::{self, Tollgate};
use crate::sdk::{client_at, replace};

/// Runs `tollgate ARGS --data-dir DATA`, which must fail, and returns the message it printed
/// (`error: MESSAGE`).
fn refusal(data: &std::path::Path, args: &[&str]) -> String {
    let mut all = args.to_vec();
    all.extend(["--data-dir", data.to_str().unwrap()]);
    let out = common::tollgate(&all);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{args:?} succeeded: {stderr}");
    stderr
        .trim_end()
        .strip_prefix("error: ")
        .unwrap_or_else(|| panic!("{args:?}: {stderr}"))
        .to_owned()
}

/// Runs `tollgate ARGS --data-dir DATA --output json`, which must succeed, and returns its JSON.
fn json_of(data: &std::path::Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--data-dir", data.to_str().unwrap(), "--output", "json"]);
    let out = common::tollgate(&all);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn pets() -> Value {
    let mut post = common::mock(201, "{}");
    post["requestBody"] =
        json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}});
    let mut get_one = common::mock(200, "{\"name\": \"rex\"}");
    get_one["parameters"] =
        json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]);
    json!({
        "openapi": "3.0.1",
        "info": {"title": "one-path", "version": "3", "description": "imported twice"},
        "x-amazon-apigateway-binary-media-types": ["image/png"],
        "x-amazon-apigateway-policy": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
        ]},
        "components": {"schemas": {"Pet": {"type": "object", "properties": {"name": {"type": "string"}}}}},
        "paths": {
            "/pets": {"get": common::mock(200, "[]"), "post": post},
            "/pets/{id}": {"get": get_one}
        }
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_and_the_sdk_refuse_the_same_input_in_the_same_words() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Tollgate::start(&data, &[]);
    let sdk = client_at(server.admin);

    // A key value under 20 characters.
    let cli = refusal(
        &data,
        &["keys", "create", "--name", "short", "--value", "too-short"],
    );
    let e = sdk
        .create_api_key()
        .name("short")
        .value("too-short")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("BadRequestException"));
    assert_eq!(e.message(), Some(cli.as_str()));
    assert_eq!(cli, "API Key value should be at least 20 characters");

    // An unknown plan; the key the command made for it goes again.
    let cli = refusal(
        &data,
        &[
            "keys",
            "create",
            "--name",
            "planless",
            "--plan",
            "nosuchplan",
        ],
    );
    let key = sdk.create_api_key().name("kept").send().await.unwrap();
    let e = sdk
        .create_usage_plan_key()
        .usage_plan_id("nosuchplan")
        .key_id(key.id().unwrap())
        .key_type("API_KEY")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NotFoundException"));
    assert_eq!(e.message(), Some(cli.as_str()));
    assert_eq!(cli, "Invalid Usage Plan ID specified");
    let keys = sdk.get_api_keys().send().await.unwrap();
    let names: Vec<_> = keys.items().iter().filter_map(|k| k.name()).collect();
    assert_eq!(names, ["kept"]);

    // An unknown key to enable.
    let cli = refusal(&data, &["keys", "enable", "nosuchkey"]);
    let e = sdk
        .update_api_key()
        .api_key("nosuchkey")
        .patch_operations(replace("/enabled", "true"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some(cli.as_str()));
    assert_eq!(cli, "Invalid API Key identifier specified");

    // Usage plans: an offset on a DAY quota, a negative rate.
    let cli = refusal(
        &data,
        &[
            "plans",
            "create",
            "--name",
            "daily",
            "--quota-limit",
            "5",
            "--quota-period",
            "DAY",
            "--quota-offset",
            "3",
        ],
    );
    let quota = QuotaSettings::builder()
        .limit(5)
        .offset(3)
        .period(QuotaPeriodType::Day)
        .build();
    let e = sdk
        .create_usage_plan()
        .name("daily")
        .quota(quota)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("BadRequestException"));
    assert_eq!(e.message(), Some(cli.as_str()));
    assert_eq!(cli, "Quota offset must be between 0 and 0 for period DAY");
    let cli = refusal(
        &data,
        &[
            "plans",
            "create",
            "--name",
            "neg",
            "--rate=-1",
            "--burst",
            "1",
        ],
    );
    let throttle = ThrottleSettings::builder()
        .rate_limit(-1.0)
        .burst_limit(1)
        .build();
    let e = sdk
        .create_usage_plan()
        .name("neg")
        .throttle(throttle)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.message(), Some(cli.as_str()));
    assert_eq!(cli, "Invalid throttle rate limit specified");
    let plans = sdk.get_usage_plans().send().await.unwrap();
    assert!(plans.items().is_empty(), "{plans:?}");

    // Deployments: a stage name and a stage variable value AWS refuses, an unknown API.
    let api = sdk
        .import_rest_api()
        .body(Blob::new(serde_json::to_vec(&pets()).unwrap()))
        .send()
        .await
        .unwrap();
    let id = api.id().unwrap();
    for (stage, variable, message) in [
        ("bad/stage", None, "Stage name only allows a-zA-Z0-9_-"),
        (
            "ok",
            Some(("a", "has space")),
            "Stage variable value has space must match the pattern [A-Za-z0-9-._~:/?#&=,]+",
        ),
    ] {
        let mut args = vec!["deploy", "--api", id, "--stage", stage];
        let pair = variable.map(|(k, v)| format!("{k}={v}"));
        if let Some(pair) = &pair {
            args.extend(["--variable", pair.as_str()]);
        }
        let cli = refusal(&data, &args);
        let mut call = sdk.create_deployment().rest_api_id(id).stage_name(stage);
        if let Some((k, v)) = variable {
            call = call.variables(k, v);
        }
        let e = call.send().await.unwrap_err();
        assert_eq!(e.code(), Some("BadRequestException"));
        assert_eq!(e.message(), Some(cli.as_str()));
        assert_eq!(cli, message);
    }
    let cli = refusal(&data, &["deploy", "--api", "nosuchapi0", "--stage", "v1"]);
    let e = sdk
        .create_deployment()
        .rest_api_id("nosuchapi0")
        .stage_name("v1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NotFoundException"));
    assert_eq!(e.message(), Some(cli.as_str()));
    let deployments = sdk.get_deployments().rest_api_id(id).send().await.unwrap();
    assert!(deployments.items().is_empty(), "nothing was deployed");
}

/// What the management API shows of an API, with its own ids replaced by placeholders (the API
/// id by `API`, each resource id by `<path>`) and its creation date left out, so that two
/// imports of one document compare equal.
async fn shown(http: &common::Http, admin: std::net::SocketAddr, id: &str) -> Value {
    let get = |path: String| {
        let url = format!("http://{admin}/restapis/{id}{path}");
        async move {
            let r = http.get(&url).await;
            assert_eq!(r.status, 200, "{url}: {}", r.text());
            r.json()
        }
    };
    let mut api = get(String::new()).await;
    let mut resources = get("/resources?embed=methods&limit=500".into()).await["item"].take();
    let mut models = get("/models".into()).await["item"].take();
    api.as_object_mut().unwrap().remove("createdDate");
    for m in models.as_array_mut().unwrap() {
        m.as_object_mut().unwrap().remove("id");
    }
    let mut text = json!({"api": api, "resources": resources.take(), "models": models}).to_string();
    text = text.replace(id, "API");
    let listed: Value = get("/resources?limit=500".into()).await;
    for r in listed["item"].as_array().unwrap() {
        let (rid, path) = (r["id"].as_str().unwrap(), r["path"].as_str().unwrap());
        text = text.replace(rid, &format!("<{path}>"));
    }
    let mut all: Value = serde_json::from_str(&text).unwrap();
    resources = all["resources"].take();
    let mut items = resources.as_array().unwrap().clone();
    items.sort_by_key(|r| r["path"].as_str().unwrap_or_default().to_owned());
    all["resources"] = Value::Array(items);
    all
}

#[tokio::test(flavor = "multi_thread")]
async fn an_api_imported_by_the_cli_reads_back_as_one_imported_by_the_sdk() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Tollgate::start(&data, &[]);
    let sdk = client_at(server.admin);
    let file = common::write_definition(dir.path(), "pets.json", &pets());

    let by_cli = json_of(&data, &["import", file.to_str().unwrap()]);
    let cli_id = by_cli["id"].as_str().unwrap().to_owned();
    let by_sdk = sdk
        .import_rest_api()
        .body(Blob::new(serde_json::to_vec(&pets()).unwrap()))
        .send()
        .await
        .unwrap();
    let sdk_id = by_sdk.id().unwrap().to_owned();
    assert_ne!(cli_id, sdk_id);

    // GetRestApi through the SDK: the same fields, the policy naming each its own API.
    let cli_api = sdk
        .get_rest_api()
        .rest_api_id(&cli_id)
        .send()
        .await
        .unwrap();
    let sdk_api = sdk
        .get_rest_api()
        .rest_api_id(&sdk_id)
        .send()
        .await
        .unwrap();
    let fields = |a: &aws_sdk_apigateway::operation::get_rest_api::GetRestApiOutput, id: &str| {
        (
            a.name().map(str::to_owned),
            a.description().map(str::to_owned),
            a.version().map(str::to_owned),
            a.binary_media_types().to_vec(),
            a.api_key_source().cloned(),
            a.endpoint_configuration().cloned(),
            a.disable_execute_api_endpoint(),
            a.warnings().to_vec(),
            a.tags().cloned().unwrap_or_default(),
            a.policy().map(|p| p.replace(id, "API")),
        )
    };
    assert_eq!(fields(&cli_api, &cli_id), fields(&sdk_api, &sdk_id));
    assert_eq!(cli_api.name(), Some("one-path"));
    assert!(
        cli_api.policy().unwrap().contains(&cli_id),
        "{:?}",
        cli_api.policy()
    );
    // GetResources through the SDK: the same paths and methods.
    let methods = |id: String| {
        let sdk = &sdk;
        async move {
            let resources = sdk
                .get_resources()
                .rest_api_id(id)
                .embed("methods")
                .send()
                .await
                .unwrap();
            let mut listed: Vec<(String, Vec<String>)> = resources
                .items()
                .iter()
                .map(|r| {
                    let mut verbs: Vec<String> = r
                        .resource_methods()
                        .map(|m| m.keys().cloned().collect())
                        .unwrap_or_default();
                    verbs.sort();
                    (r.path().unwrap_or_default().to_owned(), verbs)
                })
                .collect();
            listed.sort();
            listed
        }
    };
    let cli_methods = methods(cli_id.clone()).await;
    assert_eq!(cli_methods, methods(sdk_id.clone()).await);
    assert_eq!(
        cli_methods,
        [
            ("/".to_owned(), vec![]),
            (
                "/pets".to_owned(),
                vec!["GET".to_owned(), "POST".to_owned()]
            ),
            ("/pets/{id}".to_owned(), vec!["GET".to_owned()]),
        ]
    );
    // And everything else the management API shows, down to the integrations and models.
    let http = common::Http::default();
    assert_eq!(
        shown(&http, server.admin, &cli_id).await,
        shown(&http, server.admin, &sdk_id).await
    );
}

const SAM_TEMPLATE: &str = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      DefinitionBody:
        openapi: 3.0.1
        info: {title: sam-plans, version: '1'}
        components:
          securitySchemes:
            api_key: {type: apiKey, name: x-api-key, in: header}
        paths:
          /hello:
            get:
              security: [{api_key: []}]
              responses: {'200': {description: ok}}
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: {application/json: '{"statusCode": 200}'}
                responses: {default: {statusCode: '200', responseTemplates: {application/json: hello}}}
  PartnerKey:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Name: partner, Enabled: true, Value: partner-key-0123456789abcdef, Description: DESCRIPTION}
  PartnerPlan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      UsagePlanName: partners
      ApiStages: [{ApiId: !Ref Api, Stage: v1}]
      QUOTA
  PartnerPlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref PartnerKey, KeyType: API_KEY, UsagePlanId: !Ref PartnerPlan}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn serve_sam_restarts_update_the_same_api_key_and_plan() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let template = dir.path().join("template.yaml");
    let http = common::Http::default();
    let key_header = [("x-api-key", "partner-key-0123456789abcdef")];
    let mut seen: Option<(String, String, String)> = None;
    let rounds = [
        ("first", "Quota: {Limit: 2, Period: DAY}"),
        (
            "second",
            "Quota: {Limit: 5, Period: WEEK, Offset: 1}\n      Throttle: {RateLimit: 100, BurstLimit: 50}",
        ),
    ];
    for (description, quota) in rounds {
        let text = SAM_TEMPLATE
            .replace("DESCRIPTION", description)
            .replace("QUOTA", quota);
        std::fs::write(&template, text).unwrap();
        let mut server = Tollgate::start(&data, &["--sam", template.to_str().unwrap()]);
        let sdk = client_at(server.admin);
        let api_id = server.api_id_for_stage("v1");
        let keys = sdk.get_api_keys().send().await.unwrap();
        let [key] = keys.items() else {
            panic!("{keys:?}")
        };
        assert_eq!(key.description(), Some(description));
        let plans = sdk.get_usage_plans().send().await.unwrap();
        let [plan] = plans.items() else {
            panic!("{plans:?}")
        };
        let ids = (
            api_id.clone(),
            key.id().unwrap().to_owned(),
            plan.id().unwrap().to_owned(),
        );
        let members = sdk
            .get_usage_plan_keys()
            .usage_plan_id(&ids.2)
            .send()
            .await
            .unwrap();
        let member_ids: Vec<_> = members.items().iter().filter_map(|k| k.id()).collect();
        assert_eq!(member_ids, [ids.1.as_str()]);
        let quota = plan.quota().unwrap();
        let stages: Vec<_> = plan.api_stages().iter().filter_map(|s| s.stage()).collect();
        assert_eq!(stages, ["v1"]);
        match &seen {
            None => {
                assert_eq!(
                    (quota.limit(), quota.period(), quota.offset()),
                    (2, Some(&QuotaPeriodType::Day), 0)
                );
                assert!(plan.throttle().is_none());
            }
            Some(first) => {
                assert_eq!(first, &ids, "the same API, key and plan");
                assert_eq!(
                    (quota.limit(), quota.period(), quota.offset()),
                    (5, Some(&QuotaPeriodType::Week), 1)
                );
                let t = plan.throttle().unwrap();
                assert_eq!((t.rate_limit(), t.burst_limit()), (100.0, 50));
            }
        }
        let url = server.url(&api_id, "v1", "/hello");
        let r = http.send(http::Method::GET, &url, &key_header, "").await;
        assert_eq!((r.status.as_u16(), r.text()), (200, "hello".to_owned()));
        seen.get_or_insert(ids);
        server.terminate();
    }
}
