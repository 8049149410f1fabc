//! Custom domain names, base path mappings, client certificates and VPC links through the SDK:
//! each read back field by field, patched, listed, tagged and deleted, refused with AWS's
//! exceptions and texts; what base path mappings change on the data plane; and
//! `tollgate domains` running the same operations.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_apigateway::error::ProvideErrorMetadata;
use aws_sdk_apigateway::types::{
    DomainNameStatus, EndpointConfiguration, EndpointType, MutualTlsAuthenticationInput, Op,
    PatchOperation, RoutingMode, SecurityPolicy, VpcLinkStatus,
};
use base64::Engine;
use http::Method;

use crate::common;
use crate::sdk::{client, replace};

/// A patch operation with any `op`, and a value only when given.
fn patch(op: Op, path: &str, value: Option<&str>) -> PatchOperation {
    PatchOperation::builder()
        .op(op)
        .path(path)
        .set_value(value.map(str::to_owned))
        .build()
}

fn expect(e: impl ProvideErrorMetadata, code: &str, message: &str) {
    assert_eq!(
        (
            e.code().unwrap_or_default(),
            e.message().unwrap_or_default()
        ),
        (code, message)
    );
}

/// An API whose `GET /pets` answers with the stage it was served from, deployed at `prod`.
fn shop() -> common::Served {
    let doc = serde_json::json!({
        "swagger": "2.0",
        "info": {"title": "shop", "version": "1"},
        "paths": {"/pets": {"get": common::mock(200, r#"{"stage": "$context.stage"}"#)}}
    });
    common::Served::start(&doc, "shop")
}

/// GETs `path` on the data plane with `host` as the Host header until the status is `want`
/// (the gateway polls the store for changes), returning the last reply.
async fn get_as(served: &common::Served, host: &str, path: &str, want: u16) -> common::Reply {
    let url = format!("http://{}{path}", served.server.data);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = served
            .http
            .send(Method::GET, &url, &[("host", host)], "")
            .await;
        if r.status == want || Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn tags(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Tags `arn` through `/tags`, reads them back, and untags one.
async fn tags_round_trip(sdk: &aws_sdk_apigateway::Client, arn: &str, before: &[(&str, &str)]) {
    let read = || async {
        sdk.get_tags()
            .resource_arn(arn)
            .send()
            .await
            .expect("tags")
            .tags()
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(read().await, tags(before), "{arn}");
    sdk.tag_resource()
        .resource_arn(arn)
        .tags("added", "yes")
        .send()
        .await
        .expect("tagged");
    let mut expected = tags(before);
    expected.insert("added".into(), "yes".into());
    assert_eq!(read().await, expected, "{arn}");
    sdk.untag_resource()
        .resource_arn(arn)
        .tag_keys("added")
        .send()
        .await
        .expect("untagged");
    assert_eq!(read().await, tags(before), "{arn}");
}

#[tokio::test(flavor = "multi_thread")]
async fn domain_names() {
    let served = shop();
    let sdk = client(&served);
    let certificate = "arn:aws:acm:us-east-1:000000000000:certificate/edge";
    let regional_certificate = "arn:aws:acm:us-east-1:000000000000:certificate/regional";

    // Edge-optimized by default, with AWS's defaults and Tollgate's computed names.
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        - 1;
    let edge = sdk
        .create_domain_name()
        .domain_name("API.Example.test")
        .certificate_name("edge cert")
        .certificate_arn(certificate)
        .tags("team", "web")
        .send()
        .await
        .expect("created");
    assert_eq!(edge.domain_name(), Some("api.example.test"));
    assert_eq!(edge.certificate_name(), Some("edge cert"));
    assert_eq!(edge.certificate_arn(), Some(certificate));
    assert!(
        edge.certificate_upload_date()
            .is_some_and(|d| d.secs() >= before)
    );
    let target = edge
        .distribution_domain_name()
        .expect("distribution")
        .to_owned();
    assert!(
        target.starts_with("d-") && target.ends_with(".execute-api.localhost"),
        "{target}"
    );
    assert_eq!(edge.distribution_hosted_zone_id(), Some("Z2FDTNDATAQYW2"));
    assert_eq!(edge.regional_domain_name(), None);
    assert_eq!(
        edge.endpoint_configuration().map(|e| e.types().to_vec()),
        Some(vec![EndpointType::Edge])
    );
    assert_eq!(
        edge.domain_name_status(),
        Some(&DomainNameStatus::Available)
    );
    assert_eq!(edge.security_policy(), Some(&SecurityPolicy::Tls12));
    assert_eq!(edge.routing_mode(), Some(&RoutingMode::BasePathMappingOnly));
    let arn = "arn:aws:apigateway:us-east-1::/domainnames/api.example.test";
    assert_eq!(edge.domain_name_arn(), Some(arn));
    assert_eq!(edge.tags(), Some(&tags(&[("team", "web")])));

    let regional = sdk
        .create_domain_name()
        .domain_name("regional.example.test")
        .regional_certificate_arn(regional_certificate)
        .endpoint_configuration(
            EndpointConfiguration::builder()
                .types(EndpointType::Regional)
                .build(),
        )
        .security_policy(SecurityPolicy::Tls10)
        .mutual_tls_authentication(
            MutualTlsAuthenticationInput::builder()
                .truststore_uri("s3://bucket/truststore.pem")
                .truststore_version("v1")
                .build(),
        )
        .send()
        .await
        .expect("regional");
    assert_eq!(
        regional.regional_certificate_arn(),
        Some(regional_certificate)
    );
    assert_eq!(regional.certificate_upload_date(), None);
    assert!(
        regional
            .regional_domain_name()
            .is_some_and(|n| n.ends_with(".execute-api.localhost"))
    );
    assert_eq!(regional.regional_hosted_zone_id(), Some("Z1UJRXOUMOOFQ8"));
    assert_eq!(regional.distribution_domain_name(), None);
    assert_eq!(regional.security_policy(), Some(&SecurityPolicy::Tls10));
    let mtls = regional.mutual_tls_authentication().expect("mtls");
    assert_eq!(
        (mtls.truststore_uri(), mtls.truststore_version()),
        (Some("s3://bucket/truststore.pem"), Some("v1"))
    );

    // Read back field by field.
    let got = sdk
        .get_domain_name()
        .domain_name("api.example.test")
        .send()
        .await
        .expect("read");
    assert_eq!(
        (
            got.domain_name(),
            got.certificate_arn(),
            got.certificate_name(),
            got.certificate_upload_date(),
            got.distribution_domain_name(),
            got.domain_name_arn(),
            got.security_policy(),
            got.tags(),
        ),
        (
            edge.domain_name(),
            edge.certificate_arn(),
            edge.certificate_name(),
            edge.certificate_upload_date(),
            edge.distribution_domain_name(),
            edge.domain_name_arn(),
            edge.security_policy(),
            edge.tags(),
        )
    );

    // Listed by name, paged.
    let all = sdk.get_domain_names().send().await.expect("listed");
    let names: Vec<_> = all.items().iter().filter_map(|d| d.domain_name()).collect();
    assert_eq!(names, ["api.example.test", "regional.example.test"]);
    let first = sdk.get_domain_names().limit(1).send().await.expect("page");
    assert_eq!(first.items().len(), 1);
    let rest = sdk
        .get_domain_names()
        .limit(1)
        .position(first.position().expect("more"))
        .send()
        .await
        .expect("page 2");
    assert_eq!(
        rest.items()
            .iter()
            .filter_map(|d| d.domain_name())
            .collect::<Vec<_>>(),
        ["regional.example.test"]
    );
    assert_eq!(rest.position(), None);

    // AWS's refusals.
    expect(
        sdk.create_domain_name()
            .domain_name("api.example.test")
            .send()
            .await
            .unwrap_err(),
        "BadRequestException",
        "The domain name you provided already exists.",
    );
    expect(
        sdk.get_domain_name()
            .domain_name("nowhere.example.test")
            .send()
            .await
            .unwrap_err(),
        "NotFoundException",
        "Invalid domain name identifier specified",
    );
    expect(
        sdk.create_domain_name()
            .domain_name("bad name.test")
            .send()
            .await
            .unwrap_err(),
        "BadRequestException",
        "Invalid domain name specified: bad name.test",
    );
    expect(
        sdk.create_domain_name()
            .domain_name("rules.example.test")
            .routing_mode(RoutingMode::RoutingRuleOnly)
            .send()
            .await
            .unwrap_err(),
        "BadRequestException",
        "Tollgate does not support routing rules: routingMode must be BASE_PATH_MAPPING_ONLY",
    );

    // Migration from edge-optimized to regional, as AWS's guide does it: add the type and its
    // certificate, then remove the old type.
    let both = sdk
        .update_domain_name()
        .domain_name("api.example.test")
        .patch_operations(patch(
            Op::Add,
            "/endpointConfiguration/types",
            Some("REGIONAL"),
        ))
        .patch_operations(patch(
            Op::Add,
            "/regionalCertificateArn",
            Some(regional_certificate),
        ))
        .patch_operations(replace("/certificateName", "renamed"))
        .send()
        .await
        .expect("migrating");
    assert_eq!(
        both.endpoint_configuration().map(|e| e.types().to_vec()),
        Some(vec![EndpointType::Edge, EndpointType::Regional])
    );
    assert_eq!(both.distribution_domain_name(), Some(target.as_str()));
    assert_eq!(both.regional_domain_name(), Some(target.as_str()));
    assert_eq!(both.regional_certificate_arn(), Some(regional_certificate));
    assert_eq!(both.certificate_name(), Some("renamed"));
    let migrated = sdk
        .update_domain_name()
        .domain_name("api.example.test")
        .patch_operations(patch(
            Op::Remove,
            "/endpointConfiguration/types",
            Some("EDGE"),
        ))
        .patch_operations(patch(Op::Remove, "/certificateArn", None))
        .patch_operations(patch(Op::Remove, "/certificateName", None))
        .patch_operations(replace("/securityPolicy", "TLS_1_0"))
        .send()
        .await
        .expect("migrated");
    assert_eq!(
        migrated
            .endpoint_configuration()
            .map(|e| e.types().to_vec()),
        Some(vec![EndpointType::Regional])
    );
    assert_eq!(migrated.distribution_domain_name(), None);
    assert_eq!(migrated.certificate_arn(), None);
    assert_eq!(migrated.certificate_upload_date(), None);
    assert_eq!(migrated.security_policy(), Some(&SecurityPolicy::Tls10));
    // And back, the way UpdateRestApi changes an API's type.
    let back = sdk
        .update_domain_name()
        .domain_name("api.example.test")
        .patch_operations(replace("/endpointConfiguration/types/REGIONAL", "EDGE"))
        .send()
        .await
        .expect("back to edge");
    assert_eq!(back.distribution_domain_name(), Some(target.as_str()));
    assert_eq!(back.regional_domain_name(), None);
    let no_mtls = sdk
        .update_domain_name()
        .domain_name("regional.example.test")
        .patch_operations(replace("/mutualTlsAuthentication/truststoreVersion", "v2"))
        .send()
        .await
        .expect("truststore version");
    assert_eq!(
        no_mtls
            .mutual_tls_authentication()
            .and_then(|m| m.truststore_version()),
        Some("v2")
    );
    let no_mtls = sdk
        .update_domain_name()
        .domain_name("regional.example.test")
        .patch_operations(patch(Op::Remove, "/mutualTlsAuthentication", None))
        .send()
        .await
        .expect("mutual TLS off");
    assert!(no_mtls.mutual_tls_authentication().is_none());

    let refused = |op: PatchOperation| {
        sdk.update_domain_name()
            .domain_name("api.example.test")
            .patch_operations(op)
            .send()
    };
    expect(
        refused(replace("/domainName", "other.test"))
            .await
            .unwrap_err(),
        "BadRequestException",
        "Invalid patch path /domainName",
    );
    expect(
        refused(patch(Op::Add, "/securityPolicy", Some("TLS_1_2")))
            .await
            .unwrap_err(),
        "BadRequestException",
        "Invalid patch path  '/securityPolicy' specified for op 'add'. Please choose supported operations",
    );
    expect(
        refused(replace("/securityPolicy", "TLS_9"))
            .await
            .unwrap_err(),
        "ValidationException",
        "1 validation error detected: Value 'TLS_9' at 'updateDomainNameInput.securityPolicy' failed to satisfy constraint: Member must satisfy enum value set: [TLS_1_0, TLS_1_2, SecurityPolicy_TLS13_1_3_2025_09, SecurityPolicy_TLS13_1_3_FIPS_2025_09, SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09, SecurityPolicy_TLS13_1_2_FIPS_PQ_2025_09, SecurityPolicy_TLS13_1_2_FIPS_PFS_PQ_2025_09, SecurityPolicy_TLS13_1_2_PQ_2025_09, SecurityPolicy_TLS13_1_2_2021_06, SecurityPolicy_TLS13_2025_EDGE, SecurityPolicy_TLS12_PFS_2025_EDGE, SecurityPolicy_TLS12_2018_EDGE]",
    );
    // All or nothing: a refused operation leaves the earlier ones unapplied.
    let untouched = sdk
        .update_domain_name()
        .domain_name("api.example.test")
        .patch_operations(replace("/certificateName", "half"))
        .patch_operations(replace("/nope", "x"))
        .send()
        .await
        .unwrap_err();
    expect(untouched, "BadRequestException", "Invalid patch path /nope");
    let got = sdk
        .get_domain_name()
        .domain_name("api.example.test")
        .send()
        .await
        .expect("read");
    assert_eq!(got.certificate_name(), None);

    tags_round_trip(&sdk, arn, &[("team", "web")]).await;

    sdk.delete_domain_name()
        .domain_name("regional.example.test")
        .send()
        .await
        .expect("deleted");
    expect(
        sdk.delete_domain_name()
            .domain_name("regional.example.test")
            .send()
            .await
            .unwrap_err(),
        "NotFoundException",
        "Invalid domain name identifier specified",
    );
    let left = sdk.get_domain_names().send().await.expect("listed");
    assert_eq!(left.items().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn base_path_mappings_route_the_data_plane() {
    let served = shop();
    let sdk = client(&served);
    let api = served.id.clone();
    sdk.create_deployment()
        .rest_api_id(&api)
        .stage_name("beta")
        .send()
        .await
        .expect("beta");
    let host = "shop.example.test";
    sdk.create_domain_name()
        .domain_name(host)
        .send()
        .await
        .expect("domain");

    let v1 = sdk
        .create_base_path_mapping()
        .domain_name(host)
        .base_path("v1")
        .rest_api_id(&api)
        .stage("prod")
        .send()
        .await
        .expect("v1");
    assert_eq!(
        (v1.base_path(), v1.rest_api_id(), v1.stage()),
        (Some("v1"), Some(api.as_str()), Some("prod"))
    );
    let r = get_as(&served, host, "/v1/pets", 200).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), serde_json::json!({"stage": "prod"}));

    // The root, without a stage: the first segment names it.
    let root = sdk
        .create_base_path_mapping()
        .domain_name(host)
        .rest_api_id(&api)
        .send()
        .await
        .expect("(none)");
    assert_eq!((root.base_path(), root.stage()), (Some("(none)"), None));
    let r = get_as(&served, host, "/beta/pets", 200).await;
    assert_eq!(r.json(), serde_json::json!({"stage": "beta"}));
    let got = sdk
        .get_base_path_mapping()
        .domain_name(host)
        .base_path("(none)")
        .send()
        .await
        .expect("read (none)");
    assert_eq!(
        (got.base_path(), got.rest_api_id(), got.stage()),
        (Some("(none)"), Some(api.as_str()), None)
    );
    let listed = sdk
        .get_base_path_mappings()
        .domain_name(host)
        .send()
        .await
        .expect("listed");
    let paths: Vec<_> = listed
        .items()
        .iter()
        .filter_map(|m| m.base_path())
        .collect();
    assert_eq!(paths, ["(none)", "v1"]);

    // AWS's refusals.
    let create = |base: &str, api: &str, stage: Option<&str>| {
        sdk.create_base_path_mapping()
            .domain_name(host)
            .base_path(base)
            .rest_api_id(api)
            .set_stage(stage.map(str::to_owned))
            .send()
    };
    expect(
        create("v1", &api, None).await.unwrap_err(),
        "ConflictException",
        "Base path already exists for this domain name",
    );
    expect(
        create("v2", "nosuchapi0", None).await.unwrap_err(),
        "BadRequestException",
        "Invalid REST API identifier specified",
    );
    expect(
        create("v2", &api, Some("gamma")).await.unwrap_err(),
        "BadRequestException",
        "Invalid stage identifier specified",
    );
    expect(
        create("v2/more", &api, None).await.unwrap_err(),
        "BadRequestException",
        "API Gateway V1 doesn't support the slash character (/) in base path mappings. To create a multi-level base path mapping, use API Gateway V2.",
    );
    expect(
        sdk.create_base_path_mapping()
            .domain_name("nowhere.example.test")
            .rest_api_id(&api)
            .send()
            .await
            .unwrap_err(),
        "NotFoundException",
        "Invalid domain name identifier specified",
    );
    expect(
        sdk.get_base_path_mapping()
            .domain_name(host)
            .base_path("v9")
            .send()
            .await
            .unwrap_err(),
        "NotFoundException",
        "Invalid base path mapping identifier specified",
    );

    // Moving v1 to v2 and to the beta stage moves the traffic.
    let moved = sdk
        .update_base_path_mapping()
        .domain_name(host)
        .base_path("v1")
        .patch_operations(replace("/basePath", "v2"))
        .patch_operations(replace("/stage", "beta"))
        .patch_operations(replace("/restapiId", &api))
        .send()
        .await
        .expect("moved");
    assert_eq!(
        (moved.base_path(), moved.rest_api_id(), moved.stage()),
        (Some("v2"), Some(api.as_str()), Some("beta"))
    );
    let r = get_as(&served, host, "/v2/pets", 200).await;
    assert_eq!(r.json(), serde_json::json!({"stage": "beta"}));
    let update = |path: &str, value: &str| {
        sdk.update_base_path_mapping()
            .domain_name(host)
            .base_path("v2")
            .patch_operations(replace(path, value))
            .send()
    };
    expect(
        update("/restApiId", &api).await.unwrap_err(),
        "BadRequestException",
        "Invalid patch path /restApiId",
    );
    expect(
        update("/basePath", "(none)").await.unwrap_err(),
        "ConflictException",
        "Base path already exists for this domain name",
    );
    expect(
        update("/stage", "gamma").await.unwrap_err(),
        "BadRequestException",
        "Invalid stage identifier specified",
    );
    expect(
        update("/restapiId", "nosuchapi0").await.unwrap_err(),
        "BadRequestException",
        "Invalid REST API identifier specified",
    );

    // Deleting a mapping stops its traffic.
    sdk.delete_base_path_mapping()
        .domain_name(host)
        .base_path("(none)")
        .send()
        .await
        .expect("(none) deleted");
    sdk.delete_base_path_mapping()
        .domain_name(host)
        .base_path("v2")
        .send()
        .await
        .expect("v2 deleted");
    let r = get_as(&served, host, "/v2/pets", 403).await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.text(), r#"{"message":"Missing Authentication Token"}"#);
    expect(
        sdk.delete_base_path_mapping()
            .domain_name(host)
            .base_path("v2")
            .send()
            .await
            .unwrap_err(),
        "NotFoundException",
        "Invalid base path mapping identifier specified",
    );
    let listed = sdk
        .get_base_path_mappings()
        .domain_name(host)
        .send()
        .await
        .expect("listed");
    assert!(listed.items().is_empty());

    // Deleting the domain deletes its mappings, and their traffic.
    create("v3", &api, Some("prod")).await.expect("v3");
    let r = get_as(&served, host, "/v3/pets", 200).await;
    assert_eq!(r.json(), serde_json::json!({"stage": "prod"}));
    sdk.delete_domain_name()
        .domain_name(host)
        .send()
        .await
        .expect("domain deleted");
    let r = get_as(&served, host, "/v3/pets", 403).await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.text(), r#"{"message":"Missing Authentication Token"}"#);
    expect(
        sdk.get_base_path_mappings()
            .domain_name(host)
            .send()
            .await
            .unwrap_err(),
        "NotFoundException",
        "Invalid domain name identifier specified",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cli_runs_the_same_operations() {
    let served = shop();
    let sdk = client(&served);
    let data = served.server.data_dir.to_str().unwrap().to_owned();
    let run = |args: &[&str]| {
        let mut all = vec!["domains"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--data-dir", &data]);
        let out = common::tollgate(&all);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, out, _) = run(&["create", "cli.example.test"]);
    assert!(
        ok && out.contains("domain name cli.example.test created"),
        "{out}"
    );
    let (ok, out, _) = run(&["create", "cli.example.test"]);
    assert!(ok && out.contains("already exists"), "{out}");
    let created = sdk
        .get_domain_name()
        .domain_name("cli.example.test")
        .send()
        .await
        .expect("the SDK sees it");
    assert!(created.distribution_domain_name().is_some());
    assert_eq!(created.security_policy(), Some(&SecurityPolicy::Tls12));

    let (ok, _, err) = run(&["create", "not a domain"]);
    assert!(
        !ok && err.contains("Invalid domain name specified: not a domain"),
        "{err}"
    );
    let (ok, _, err) = run(&[
        "map",
        "cli.example.test",
        "--api",
        &served.id,
        "--stage",
        "gamma",
    ]);
    assert!(
        !ok && err.contains("Invalid stage identifier specified"),
        "{err}"
    );

    let (ok, out, err) = run(&[
        "map",
        "cli.example.test",
        "--api",
        &served.id,
        "--stage",
        "prod",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains(&format!("API {} stage prod", served.id)),
        "{out}"
    );
    let r = get_as(&served, "cli.example.test", "/pets", 200).await;
    assert_eq!(r.json(), serde_json::json!({"stage": "prod"}));
    // Mapping a mapped base path again re-points it (UpdateBasePathMapping's operation).
    sdk.create_deployment()
        .rest_api_id(&served.id)
        .stage_name("beta")
        .send()
        .await
        .expect("beta");
    let (ok, _, err) = run(&[
        "map",
        "cli.example.test",
        "--api",
        &served.id,
        "--stage",
        "beta",
    ]);
    assert!(ok, "{err}");
    let mapping = sdk
        .get_base_path_mapping()
        .domain_name("cli.example.test")
        .base_path("(none)")
        .send()
        .await
        .expect("mapping");
    assert_eq!(mapping.stage(), Some("beta"));

    let (ok, out, _) = run(&["list", "--output", "json"]);
    assert!(ok);
    let listed: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(
        listed,
        serde_json::json!([{"domainName": "cli.example.test", "basePathMappings": [
            {"basePath": "(none)", "restApiId": served.id, "stage": "beta"}
        ]}])
    );
    let (ok, _, _) = run(&["delete", "cli.example.test"]);
    assert!(ok);
    let (ok, _, err) = run(&["delete", "cli.example.test"]);
    assert!(
        !ok && err.contains("Invalid domain name identifier specified"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn client_certificates() {
    let served = shop();
    let sdk = client(&served);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let generated = sdk
        .generate_client_certificate()
        .description("for the backend")
        .tags("team", "api")
        .send()
        .await
        .expect("generated");
    let id = generated.client_certificate_id().expect("id").to_owned();
    assert_eq!(id.len(), 6);
    assert_eq!(generated.description(), Some("for the backend"));
    assert_eq!(generated.tags(), Some(&tags(&[("team", "api")])));
    let created = generated.created_date().expect("created").secs();
    let expires = generated.expiration_date().expect("expires").secs();
    assert!((now - 5..=now + 5).contains(&created), "{created} vs {now}");
    assert_eq!(expires - created, 365 * 24 * 3600);
    // A real X.509 certificate: PEM around a DER SEQUENCE.
    let pem = generated.pem_encoded_certificate().expect("pem");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let der = base64::engine::general_purpose::STANDARD
        .decode(body)
        .expect("base64");
    assert_eq!(der.first(), Some(&0x30), "a DER SEQUENCE");
    assert!(!pem.contains("PRIVATE KEY"));

    let got = sdk
        .get_client_certificate()
        .client_certificate_id(&id)
        .send()
        .await
        .expect("read");
    assert_eq!(
        (
            got.client_certificate_id(),
            got.description(),
            got.pem_encoded_certificate(),
            got.created_date(),
            got.expiration_date(),
            got.tags(),
        ),
        (
            Some(id.as_str()),
            Some("for the backend"),
            Some(pem),
            generated.created_date(),
            generated.expiration_date(),
            generated.tags(),
        )
    );
    let second = sdk
        .generate_client_certificate()
        .send()
        .await
        .expect("second");
    assert_ne!(second.pem_encoded_certificate(), Some(pem));
    let listed = sdk.get_client_certificates().send().await.expect("listed");
    let ids: Vec<_> = listed
        .items()
        .iter()
        .filter_map(|c| c.client_certificate_id())
        .collect();
    assert_eq!(ids, [id.as_str(), second.client_certificate_id().unwrap()]);

    let updated = sdk
        .update_client_certificate()
        .client_certificate_id(&id)
        .patch_operations(replace("/description", "renamed"))
        .send()
        .await
        .expect("updated");
    assert_eq!(updated.description(), Some("renamed"));
    assert_eq!(updated.pem_encoded_certificate(), Some(pem));
    expect(
        sdk.update_client_certificate()
            .client_certificate_id(&id)
            .patch_operations(replace("/pemEncodedCertificate", "x"))
            .send()
            .await
            .unwrap_err(),
        "BadRequestException",
        "Invalid patch path /pemEncodedCertificate",
    );
    tags_round_trip(
        &sdk,
        &format!("arn:aws:apigateway:us-east-1::/clientcertificates/{id}"),
        &[("team", "api")],
    )
    .await;

    sdk.delete_client_certificate()
        .client_certificate_id(&id)
        .send()
        .await
        .expect("deleted");
    let unknown = "Invalid Client Certificate identifier specified";
    expect(
        sdk.get_client_certificate()
            .client_certificate_id(&id)
            .send()
            .await
            .unwrap_err(),
        "NotFoundException",
        unknown,
    );
    expect(
        sdk.delete_client_certificate()
            .client_certificate_id(&id)
            .send()
            .await
            .unwrap_err(),
        "NotFoundException",
        unknown,
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn vpc_links() {
    let served = shop();
    let sdk = client(&served);
    let nlb = "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/my-lb/50dc6c495c0c9188";
    let created = sdk
        .create_vpc_link()
        .name("private-backend")
        .description("to the NLB")
        .target_arns(nlb)
        .tags("team", "net")
        .send()
        .await
        .expect("created");
    let id = created.id().expect("id").to_owned();
    assert_eq!(id.len(), 6);
    assert_eq!(created.name(), Some("private-backend"));
    assert_eq!(created.description(), Some("to the NLB"));
    assert_eq!(created.target_arns(), [nlb]);
    assert_eq!(created.status(), Some(&VpcLinkStatus::Available));
    let message = created.status_message().expect("message");
    assert!(
        message.starts_with("Your vpc link is ready for use")
            && message.contains("without routing through them"),
        "{message}"
    );
    assert_eq!(created.tags(), Some(&tags(&[("team", "net")])));

    expect(
        sdk.create_vpc_link()
            .name("bad")
            .target_arns("invalid-arn")
            .send()
            .await
            .unwrap_err(),
        "BadRequestException",
        "Invalid ARN. ARN is not well formed invalid-arn",
    );
    expect(
        sdk.create_vpc_link()
            .name("")
            .set_target_arns(Some(Vec::new()))
            .send()
            .await
            .unwrap_err(),
        "BadRequestException",
        "Name cannot be empty",
    );

    let plain = sdk
        .create_vpc_link()
        .name("plain")
        .target_arns(nlb)
        .send()
        .await
        .expect("plain");
    let plain_id = plain.id().expect("id").to_owned();
    // GetVpcLink shows empty tags as {} (AWS's answer does).
    let got = sdk
        .get_vpc_link()
        .vpc_link_id(&plain_id)
        .send()
        .await
        .expect("read");
    assert_eq!(got.tags(), Some(&HashMap::new()));
    let got = sdk
        .get_vpc_link()
        .vpc_link_id(&id)
        .send()
        .await
        .expect("read");
    assert_eq!(
        (
            got.id(),
            got.name(),
            got.description(),
            got.target_arns(),
            got.status(),
            got.status_message(),
            got.tags(),
        ),
        (
            Some(id.as_str()),
            Some("private-backend"),
            Some("to the NLB"),
            [nlb.to_owned()].as_slice(),
            Some(&VpcLinkStatus::Available),
            Some(message),
            created.tags(),
        )
    );
    let listed = sdk.get_vpc_links().send().await.expect("listed");
    let ids: Vec<_> = listed.items().iter().filter_map(|l| l.id()).collect();
    assert_eq!(ids, [id.as_str(), plain_id.as_str()]);

    let updated = sdk
        .update_vpc_link()
        .vpc_link_id(&id)
        .patch_operations(replace("/name", "renamed"))
        .patch_operations(replace("/description", ""))
        .send()
        .await
        .expect("updated");
    assert_eq!(
        (updated.name(), updated.description()),
        (Some("renamed"), None)
    );
    expect(
        sdk.update_vpc_link()
            .vpc_link_id(&id)
            .patch_operations(replace("/targetArns", nlb))
            .send()
            .await
            .unwrap_err(),
        "BadRequestException",
        "Invalid patch path /targetArns",
    );
    expect(
        sdk.update_vpc_link()
            .vpc_link_id(&id)
            .patch_operations(replace("/name", ""))
            .send()
            .await
            .unwrap_err(),
        "BadRequestException",
        "Name cannot be empty",
    );
    tags_round_trip(
        &sdk,
        &format!("arn:aws:apigateway:us-east-1::/vpclinks/{id}"),
        &[("team", "net")],
    )
    .await;

    sdk.delete_vpc_link()
        .vpc_link_id(&id)
        .send()
        .await
        .expect("deleted");
    let unknown = "Invalid Vpc Link identifier specified";
    expect(
        sdk.get_vpc_link()
            .vpc_link_id(&id)
            .send()
            .await
            .unwrap_err(),
        "NotFoundException",
        unknown,
    );
    expect(
        sdk.update_vpc_link()
            .vpc_link_id(&id)
            .patch_operations(replace("/name", "x"))
            .send()
            .await
            .unwrap_err(),
        "NotFoundException",
        unknown,
    );
    expect(
        sdk.delete_vpc_link()
            .vpc_link_id(&id)
            .send()
            .await
            .unwrap_err(),
        "NotFoundException",
        unknown,
    );
}
