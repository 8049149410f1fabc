//! Export round trip through the management API: import an AWS-exported definition, deploy it,
//! export it (OpenAPI 3.0 and Swagger 2.0, JSON and YAML), import the export — the two APIs read
//! back identical, field for field, ids aside. Every exported document is checked by an OpenAPI
//! validator (Python's `openapi-spec-validator`, installed by scripts/install-test-deps.sh).

use std::collections::BTreeMap;
use std::path::Path;

use aws_sdk_apigateway::primitives::Blob;
use http::Method;
use serde_json::Value;

use crate::common::{self, Tollgate};
use crate::sdk::client_at;

/// AWS exports: the PetStore sample with validators and gateway responses (OpenAPI 3 and Swagger
/// 2), and an API with authorizers, a policy, binary types, endpoint settings and integrations of
/// every kind.
const FIXTURES: [&str; 3] = [
    "../openapi/tests/data/petstore-oas3.yaml",
    "../openapi/tests/data/petstore-swagger2.json",
    "tests/management/data/secured-export.yaml",
];

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// GETs a management path and parses the JSON answer.
async fn read(server: &Tollgate, path: &str) -> Value {
    let r = common::Http::default()
        .send(
            Method::GET,
            &format!("http://{}{path}", server.admin),
            &[("accept", "application/json")],
            "",
        )
        .await;
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    r.json()
}

/// Everything the management API says about an API, with every generated id replaced by what it
/// names (`resource:/pets/{id}`, `authorizer:tokens`, ...) and dates left out.
async fn snapshot(server: &Tollgate, api: &str) -> Value {
    let base = format!("/restapis/{api}");
    let mut rest_api = read(server, &base).await;
    let mut resources = read(server, &format!("{base}/resources?embed=methods&limit=500")).await;
    let mut models = read(server, &format!("{base}/models?limit=500")).await;
    let mut validators = read(server, &format!("{base}/requestvalidators?limit=500")).await;
    let mut authorizers = read(server, &format!("{base}/authorizers?limit=500")).await;
    let mut responses = read(server, &format!("{base}/gatewayresponses?limit=500")).await;

    let mut names = BTreeMap::from([(api.to_owned(), "API".to_owned())]);
    let mut name_all = |list: &Value, kind: &str, field: &str| {
        for item in list["item"].as_array().into_iter().flatten() {
            if let (Some(id), Some(name)) = (item["id"].as_str(), item[field].as_str()) {
                names.insert(id.to_owned(), format!("{kind}:{name}"));
            }
        }
    };
    name_all(&resources, "resource", "path");
    name_all(&models, "model", "name");
    name_all(&validators, "validator", "name");
    name_all(&authorizers, "authorizer", "name");

    for v in [
        &mut rest_api,
        &mut resources,
        &mut models,
        &mut validators,
        &mut authorizers,
        &mut responses,
    ] {
        rename(v, &names);
    }
    rest_api.as_object_mut().unwrap().remove("createdDate");
    rest_api.as_object_mut().unwrap().remove("warnings");
    for list in [
        &mut resources,
        &mut models,
        &mut validators,
        &mut authorizers,
        &mut responses,
    ] {
        let items = list["item"].as_array_mut().unwrap();
        items.sort_by_key(|i| i.to_string());
    }
    serde_json::json!({
        "restApi": rest_api,
        "resources": resources["item"],
        "models": models["item"],
        "requestValidators": validators["item"],
        "authorizers": authorizers["item"],
        "gatewayResponses": responses["item"],
    })
}

/// Replaces ids (whole strings, or inside ARNs and model URLs) by their names.
fn rename(v: &mut Value, names: &BTreeMap<String, String>) {
    match v {
        Value::String(s) => {
            if let Some(name) = names.get(s.as_str()) {
                *s = name.clone();
            } else {
                for (id, name) in names {
                    if s.contains(id.as_str()) {
                        *s = s.replace(id.as_str(), name);
                    }
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| rename(i, names)),
        Value::Object(map) => map.values_mut().for_each(|i| rename(i, names)),
        _ => {}
    }
}

/// Runs `openapi-spec-validator` on `doc`; panics with its report when the document is invalid.
fn assert_valid_openapi(doc: &[u8], what: &str, dir: &Path) {
    let file = dir.join(what.replace(['/', ' ', '.'], "_"));
    std::fs::write(&file, doc).unwrap();
    let out = std::process::Command::new("python3")
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .expect("python3 runs (scripts/install-test-deps.sh installs openapi-spec-validator)");
    assert!(
        out.status.success(),
        "{what} is not a valid OpenAPI document:\n{}{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(doc)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn import_export_import_gives_the_same_api() {
    let dir = tempfile::tempdir().unwrap();
    let server = Tollgate::start(&dir.path().join("data"), &[]);
    let sdk = client_at(server.admin);
    for name in FIXTURES {
        let first = sdk
            .import_rest_api()
            .body(Blob::new(fixture(name)))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let first_id = first.id().unwrap().to_owned();
        sdk.create_deployment()
            .rest_api_id(&first_id)
            .stage_name("prod")
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let expected = snapshot(&server, &first_id).await;

        for (export_type, accept) in [
            ("oas30", "application/json"),
            ("oas30", "application/yaml"),
            ("swagger", "application/json"),
            ("swagger", "application/yaml"),
        ] {
            let what = format!("{name} as {export_type} {accept}");
            let exported = sdk
                .get_export()
                .rest_api_id(&first_id)
                .stage_name("prod")
                .export_type(export_type)
                .parameters("extensions", "apigateway")
                .accepts(accept)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{what}: {e:?}"));
            let doc = exported
                .body()
                .map(|b| b.as_ref().to_vec())
                .unwrap_or_default();
            assert_valid_openapi(&doc, &what, dir.path());

            let second = sdk
                .import_rest_api()
                .body(Blob::new(doc.clone()))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{what}: {e:?}"));
            let second_id = second.id().unwrap().to_owned();
            let got = snapshot(&server, &second_id).await;
            assert!(
                got == expected,
                "{what}: the re-imported API differs\nexport:\n{}\nfirst:\n{}\nsecond:\n{}",
                String::from_utf8_lossy(&doc),
                serde_json::to_string_pretty(&expected).unwrap(),
                serde_json::to_string_pretty(&got).unwrap()
            );
            sdk.delete_rest_api()
                .rest_api_id(&second_id)
                .send()
                .await
                .unwrap();
        }
    }
}
