//! The command line: diagnostics for bad definitions, nothing stored on failure, help everywhere.

mod common;

use common::{Tollgate, tollgate, write_definition};
use serde_json::json;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn good() -> serde_json::Value {
    json!({
        "swagger": "2.0",
        "info": {"title": "good", "version": "1"},
        "paths": {"/x": {"get": common::mock(200, "x")}}
    })
}

#[test]
fn help_on_every_subcommand() {
    for sub in ["serve", "import", "validate", "deploy", "export", "apis"] {
        let out = tollgate(&[sub, "--help"]);
        assert!(out.status.success(), "{sub}");
        assert!(
            stdout(&out).contains("Usage: tollgate"),
            "{sub}: {}",
            stdout(&out)
        );
    }
    for sub in ["create", "map", "list", "delete"] {
        let out = tollgate(&["domains", sub, "--help"]);
        assert!(out.status.success(), "domains {sub}");
        assert!(
            stdout(&out).contains("Usage: tollgate domains"),
            "{}",
            stdout(&out)
        );
    }
    assert!(tollgate(&["--help"]).status.success());
}

#[test]
fn validate_reports_and_exits_by_result() {
    let dir = tempfile::tempdir().unwrap();
    let ok = write_definition(dir.path(), "ok.json", &good());
    let out = tollgate(&["validate", ok.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("valid"), "{}", stdout(&out));

    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "openapi: 3.0.1\ninfo: [unclosed\n").unwrap();
    // One error, said in the singular; a syntax error is not prefixed with the root path `$`.
    let out = tollgate(&["validate", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert_eq!(
        stdout(&out).trim(),
        format!("{}: invalid (1 error)", bad.display())
    );
    let said = stderr(&out);
    assert!(
        said.starts_with(&format!("{}: error: Invalid YAML: ", bad.display())),
        "{said}"
    );
    let out = tollgate(&["validate", bad.to_str().unwrap(), "--output", "json"]);
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], false);
    assert!(!v["errors"].as_array().unwrap().is_empty(), "{v}");
}

fn assert_refused(doc: serde_json::Value, expected_path: &str) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = write_definition(dir.path(), "bad.json", &doc);
    let out = tollgate(&[
        "import",
        "--data-dir",
        data.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert!(!out.status.success(), "imported: {}", stdout(&out));
    assert!(
        stderr(&out).contains(expected_path),
        "expected {expected_path} in: {}",
        stderr(&out)
    );
    let listing = tollgate(&[
        "apis",
        "--data-dir",
        data.to_str().unwrap(),
        "--output",
        "json",
    ]);
    assert_eq!(stdout(&listing).trim(), "[]", "something was stored");
}

#[test]
fn broken_definitions_are_refused_with_their_json_path_and_nothing_is_stored() {
    let mut unknown_type = good();
    unknown_type["paths"]["/x"]["get"]["x-amazon-apigateway-integration"]["type"] =
        json!("carrier_pigeon");
    assert_refused(
        unknown_type,
        "$.paths['/x'].get.x-amazon-apigateway-integration.type",
    );

    let mut greedy_not_last = good();
    greedy_not_last["paths"]["/a/{proxy+}/b"] = json!({"get": common::mock(200, "x")});
    assert_refused(greedy_not_last, "/a/{proxy+}/b");

    let mut unknown_ref = good();
    unknown_ref["paths"]["/x"]["get"]["parameters"] =
        json!([{"in": "body", "name": "b", "schema": {"$ref": "#/definitions/Nope"}}]);
    assert_refused(unknown_ref, "#/definitions/Nope");

    let mut two_variables = good();
    two_variables["paths"]["/p/{a}"] = json!({"get": common::mock(200, "x")});
    two_variables["paths"]["/p/{b}/c"] = json!({"get": common::mock(200, "x")});
    assert_refused(two_variables, "$.paths");
}

#[test]
fn duplicate_paths_in_yaml_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = dir.path().join("dup.yaml");
    let method = "    get:\n      responses: {\"200\": {description: ok}}\n      x-amazon-apigateway-integration:\n        type: mock\n        requestTemplates: {application/json: '{\"statusCode\": 200}'}\n        responses: {default: {statusCode: \"200\"}}\n";
    std::fs::write(
        &file,
        format!("openapi: 3.0.1\ninfo: {{title: dup, version: '1'}}\npaths:\n  /a:\n{method}  /a:\n{method}"),
    )
    .unwrap();
    let out = tollgate(&[
        "import",
        "--data-dir",
        data.to_str().unwrap(),
        file.to_str().unwrap(),
    ]);
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(stderr(&out).contains("/a"), "{}", stderr(&out));
}

#[test]
fn import_then_deploy_and_deploy_errors() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    let file = write_definition(dir.path(), "ok.json", &good());
    let out = tollgate(&[
        "import",
        "--data-dir",
        d,
        file.to_str().unwrap(),
        "--output",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let api: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = api["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 10);

    let out = tollgate(&[
        "deploy",
        "--data-dir",
        d,
        "--api",
        &id,
        "--stage",
        "v1",
        "--output",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stage"]["stageName"], "v1");
    assert_eq!(v["stage"]["deploymentId"], v["deployment"]["id"]);

    // The deployed stage exports, and the export imports again.
    for format in ["oas30", "swagger"] {
        let out = tollgate(&[
            "export",
            "--data-dir",
            d,
            "--api",
            &id,
            "--stage",
            "v1",
            "--format",
            format,
            "--extensions",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let exported = dir.path().join(format!("exported-{format}.json"));
        std::fs::write(&exported, &out.stdout).unwrap();
        let out = tollgate(&["validate", exported.to_str().unwrap(), "--output", "json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["valid"], true, "{format}: {v}");
    }
    let out = tollgate(&[
        "export",
        "--data-dir",
        d,
        "--api",
        &id,
        "--stage",
        "nostage",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("Invalid Stage identifier specified"),
        "{}",
        stderr(&out)
    );

    let out = tollgate(&[
        "deploy",
        "--data-dir",
        d,
        "--api",
        "nosuchapi0",
        "--stage",
        "v1",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("Invalid API identifier specified"),
        "{}",
        stderr(&out)
    );

    let out = tollgate(&[
        "deploy",
        "--data-dir",
        d,
        "--api",
        &id,
        "--stage",
        "bad/stage",
    ]);
    assert!(!out.status.success());

    // An API whose method has no integration cannot be deployed.
    let mut no_integration = good();
    no_integration["paths"]["/x"]["get"] = json!({"responses": {"200": {"description": "ok"}}});
    let file = write_definition(dir.path(), "noint.json", &no_integration);
    let out = tollgate(&[
        "import",
        "--data-dir",
        d,
        file.to_str().unwrap(),
        "--stage",
        "dev",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("No integration defined for method"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn serve_refuses_a_broken_api_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "{{{{").unwrap();
    let err =
        Tollgate::try_start(&dir.path().join("data"), &["--api", bad.to_str().unwrap()]).err();
    assert!(err.is_some(), "serve started with a broken definition");
}

#[test]
fn serve_with_its_port_taken_fails_before_importing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = write_definition(dir.path(), "api.json", &good());
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let out = tollgate(&[
        "serve",
        "--data-dir",
        data.to_str().unwrap(),
        "--api",
        file.to_str().unwrap(),
        "--listen",
        &address,
        "--admin-listen",
        "127.0.0.1:0",
    ]);
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(
        stderr(&out).contains(&format!("listening on {address}")),
        "{}",
        stderr(&out)
    );
    assert!(
        !data.exists(),
        "the store was created before the bind failed"
    );
}

#[test]
fn serve_prints_the_title_form_url_of_a_uniquely_named_api() {
    let dir = tempfile::tempdir().unwrap();
    let file = write_definition(dir.path(), "api.json", &good());
    let server = Tollgate::start(&dir.path().join("data"), &["--api", file.to_str().unwrap()]);
    let port = server.data.port();
    let title_form = format!("  http://127.0.0.1:{port}/_aws/execute-api/good/dev/");
    assert!(server.stdout.contains(&title_form), "{:?}", server.stdout);
}

#[test]
fn a_runtime_the_local_interpreter_does_not_match_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let local = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .unwrap();
    // `Python 3.11.7` → `3.11`.
    let local = String::from_utf8_lossy(&local.stdout);
    let local: Vec<&str> = local.trim()["Python ".len()..].split('.').collect();
    let local = format!("{}.{}", local[0], local[1]);
    let create = |name: &str, runtime: &str| {
        tollgate(&[
            "functions",
            "create",
            name,
            "--runtime",
            runtime,
            "--handler",
            "app.handler",
            "--code",
            dir.path().to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ])
    };
    let out = create("other", "python3.99");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "warning: function other: runtime python3.99 asks for version 3.99, but python3 here is {local}; the handler runs with python3 {local}"
        )
    );
    let out = create("same", &format!("python{local}"));
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}
