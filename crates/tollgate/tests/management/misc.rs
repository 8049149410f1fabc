//! GetExport, tags, SDK types and the account through the SDK; an unknown operation's error shape.

use aws_sdk_apigateway::error::ProvideErrorMetadata;

use crate::common::{self, Served};
use crate::sdk::client;

fn petstore() -> serde_json::Value {
    serde_json::json!({
        "openapi": "3.0.1",
        "info": {"title": "exported", "version": "2.5"},
        "paths": {"/pets": {"get": common::mock(200, "[]")}}
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn exports_come_back_as_documents_in_json_or_yaml() {
    let served = Served::start(&petstore(), "exported");
    let sdk = client(&served);
    let out = sdk
        .get_export()
        .rest_api_id(&served.id)
        .stage_name("prod")
        .export_type("oas30")
        .parameters("extensions", "integrations")
        .send()
        .await
        .expect("exported");
    assert_eq!(out.content_type(), Some("application/octet-stream"));
    assert_eq!(
        out.content_disposition(),
        Some("attachment; filename=\"oas30_2.5.json\"")
    );
    let doc: serde_json::Value =
        serde_json::from_slice(out.body().map(|b| b.as_ref()).unwrap_or_default()).unwrap();
    assert_eq!(doc["openapi"], "3.0.1");
    assert_eq!(doc["info"]["title"], "exported");
    assert_eq!(
        doc["paths"]["/pets"]["get"]["x-amazon-apigateway-integration"]["type"],
        "mock"
    );

    // The Rust SDK always sends `Accept: application/json` (so AWS answers it JSON too); the
    // AWS CLI sends `--accepts` as the Accept header, as this raw request does.
    let r = served
        .http
        .send(
            http::Method::GET,
            &format!(
                "http://{}/restapis/{}/stages/prod/exports/swagger",
                served.server.admin, served.id
            ),
            &[("accept", "application/yaml")],
            "",
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"swagger_2.5.yaml\"")
    );
    let text = r.text();
    assert!(text.contains("swagger: "), "{text}");
    assert!(text.contains("basePath: /prod"), "{text}");
    assert!(!text.contains("x-amazon-apigateway-integration"), "{text}");

    let e = sdk
        .get_export()
        .rest_api_id(&served.id)
        .stage_name("nope")
        .export_type("oas30")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NotFoundException"));
    assert_eq!(e.message(), Some("Invalid Stage identifier specified"));
}

#[tokio::test(flavor = "multi_thread")]
async fn tags_on_apis_and_stages_and_sdk_types() {
    let served = Served::start(&petstore(), "exported");
    let sdk = client(&served);
    let api_arn = format!("arn:aws:apigateway:us-east-1::/restapis/{}", served.id);
    let stage_arn = format!("{api_arn}/stages/prod");
    sdk.tag_resource()
        .resource_arn(&api_arn)
        .tags("team", "pets")
        .tags("env", "dev")
        .send()
        .await
        .expect("tagged");
    sdk.tag_resource()
        .resource_arn(&stage_arn)
        .tags("tier", "gold")
        .send()
        .await
        .expect("tagged");
    let tags = sdk.get_tags().resource_arn(&api_arn).send().await.unwrap();
    let tags = tags.tags().unwrap();
    assert_eq!(
        (tags.get("team"), tags.get("env"), tags.len()),
        (Some(&"pets".to_owned()), Some(&"dev".to_owned()), 2)
    );
    sdk.untag_resource()
        .resource_arn(&api_arn)
        .tag_keys("env")
        .send()
        .await
        .expect("untagged");
    let api = sdk
        .get_rest_api()
        .rest_api_id(&served.id)
        .send()
        .await
        .unwrap();
    assert_eq!(api.tags().unwrap().len(), 1);
    let stage = sdk
        .get_stage()
        .rest_api_id(&served.id)
        .stage_name("prod")
        .send()
        .await
        .unwrap();
    assert_eq!(
        stage.tags().unwrap().get("tier").map(String::as_str),
        Some("gold")
    );
    let e = sdk
        .get_tags()
        .resource_arn("arn:aws:apigateway:us-east-1::/restapis/nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NotFoundException"));

    let types = sdk.get_sdk_types().send().await.unwrap();
    let ids: Vec<_> = types.items().iter().filter_map(|t| t.id()).collect();
    assert_eq!(
        ids,
        [
            "android",
            "java",
            "javascript",
            "objectivec",
            "ruby",
            "swift"
        ]
    );
    let ruby = sdk.get_sdk_type().id("ruby").send().await.unwrap();
    let required: Vec<_> = ruby
        .configuration_properties()
        .iter()
        .filter(|p| p.required())
        .filter_map(|p| p.name())
        .collect();
    assert_eq!(required, ["service.name"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_operations_get_awss_error_shape() {
    let served = Served::start(&petstore(), "exported");
    let r = served
        .http
        .get(&format!("http://{}/vpclinks-nope", served.server.admin))
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("UnknownOperationException")
    );
    assert_eq!(r.text(), r#"{"message":"Unknown operation"}"#);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_operation_missing_under_a_served_path_gets_the_same_shape() {
    let served = Served::start(&petstore(), "exported");
    let admin = served.server.admin;
    let id = &served.id;
    for (method, path) in [
        (http::Method::PUT, "/apikeys".to_owned()),
        (http::Method::GET, format!("/restapis/{id}/nothing-here")),
        (http::Method::POST, "/usageplans/p/usage".to_owned()),
    ] {
        let r = served
            .http
            .send(method.clone(), &format!("http://{admin}{path}"), &[], "")
            .await;
        assert_eq!(r.status, 404, "{method} {path}");
        assert_eq!(
            r.header("x-amzn-ErrorType"),
            Some("UnknownOperationException"),
            "{method} {path}"
        );
        assert_eq!(r.text(), r#"{"message":"Unknown operation"}"#);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_account_reports_the_gateways_throttle_and_keeps_its_settings() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let args = ["--account-rate", "250", "--account-burst", "40"];
    let mut server = common::Tollgate::start(&data, &args);
    let sdk = crate::sdk::client_at(server.admin);
    let account = sdk.get_account().send().await.expect("account");
    let throttle = account.throttle_settings().expect("throttle");
    assert_eq!((throttle.burst_limit(), throttle.rate_limit()), (40, 250.0));
    assert_eq!(account.features(), ["UsagePlans"]);
    assert_eq!(account.api_key_version(), Some("4"));
    assert_eq!(account.cloudwatch_role_arn(), None);
    let role = "arn:aws:iam::000000000000:role/apigw-logs";
    let updated = sdk
        .update_account()
        .patch_operations(crate::sdk::replace("/cloudwatchRoleArn", role))
        .send()
        .await
        .expect("updated");
    assert_eq!(updated.cloudwatch_role_arn(), Some(role));
    let e = sdk
        .update_account()
        .patch_operations(crate::sdk::replace("/throttleSettings/rateLimit", "1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("BadRequestException"));
    assert_eq!(
        e.message(),
        Some("Invalid patch path /throttleSettings/rateLimit")
    );
    // Stored: a restarted gateway reports it too.
    server.terminate();
    let server = common::Tollgate::start(&data, &args);
    let sdk = crate::sdk::client_at(server.admin);
    let account = sdk.get_account().send().await.expect("account");
    assert_eq!(account.cloudwatch_role_arn(), Some(role));
}

#[tokio::test(flavor = "multi_thread")]
async fn management_calls_can_require_sigv4() {
    let dir = tempfile::tempdir().unwrap();
    let credentials = dir.path().join("admin.json");
    std::fs::write(
        &credentials,
        serde_json::json!({"credentials": [{
            "accessKeyId": "AKIDEXAMPLE", "secretAccessKey": "secret",
            "accountId": "000000000000", "arn": "arn:aws:iam::000000000000:user/admin",
            "userId": "AIDAADMIN"
        }]})
        .to_string(),
    )
    .unwrap();
    let server = common::Tollgate::start(
        &dir.path().join("data"),
        &[
            "--admin-auth",
            "sigv4",
            "--admin-credentials",
            credentials.to_str().unwrap(),
        ],
    );
    let signed = crate::sdk::client_at(server.admin);
    signed
        .create_rest_api()
        .name("guarded")
        .send()
        .await
        .expect("a signed call is served");
    assert_eq!(
        signed.get_rest_apis().send().await.unwrap().items().len(),
        1
    );

    let e = crate::sdk::client_signing_as(server.admin, "AKIDEXAMPLE", "wrong")
        .get_rest_apis()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidSignatureException"));
    assert!(
        e.message()
            .is_some_and(|m| m.starts_with("The request signature we calculated does not match")),
        "{e:?}"
    );
    let e = crate::sdk::client_signing_as(server.admin, "AKIDUNKNOWN", "secret")
        .get_rest_apis()
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("UnrecognizedClientException"));
    assert_eq!(
        e.message(),
        Some("The security token included in the request is invalid.")
    );

    let http = common::Http::default();
    let r = http.get(&format!("http://{}/restapis", server.admin)).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("MissingAuthenticationTokenException")
    );
    assert_eq!(r.text(), r#"{"message":"Missing Authentication Token"}"#);
    let r = http.get(&format!("http://{}/ping", server.admin)).await;
    assert_eq!(r.status, 200);
}

#[test]
fn an_unauthenticated_management_listener_must_be_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = common::tollgate(&[
        "serve",
        "--data-dir",
        data.to_str().unwrap(),
        "--listen",
        "127.0.0.1:0",
        "--admin-listen",
        "0.0.0.0:0",
    ]);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("refusing to serve the management API without authentication on 0.0.0.0:0"),
        "{said}"
    );
    assert!(!data.exists(), "nothing was created");
    let out = common::tollgate(&[
        "serve",
        "--data-dir",
        data.to_str().unwrap(),
        "--admin-auth",
        "sigv4",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("--admin-auth sigv4 needs --admin-credentials FILE"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
