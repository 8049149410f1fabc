//! `tollgate deployments list` and `tollgate rollback`, against the store a running `tollgate
//! serve` uses: a rollback from the command line reaches the data plane.

mod common;

use std::time::{Duration, Instant};

use common::{Tollgate, tollgate, write_definition};
use serde_json::json;

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn api(version: &str) -> serde_json::Value {
    json!({
        "swagger": "2.0",
        "info": {"title": "rolled", "version": "1"},
        "paths": {"/": {"get": common::mock(200, &format!(r#"{{"v": "{version}"}}"#))}}
    })
}

/// GETs `url` until the body contains `text`, returning the last body.
async fn body_until(url: &str, text: &str) -> String {
    let http = common::Http::default();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let body = http.get(url).await.text();
        if body.contains(text) || Instant::now() > deadline {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn deployments_are_listed_and_a_rollback_reaches_a_running_serve() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    let file = write_definition(dir.path(), "api.json", &api("v1"));
    let f = file.to_str().unwrap();
    let mut first = Tollgate::start(&data, &["--api", f, "--stage", "prod"]);
    let id = first.api_id("rolled");
    first.terminate();
    // Serving the changed file again deploys it to the same API and stage.
    write_definition(dir.path(), "api.json", &api("v2"));
    let server = Tollgate::start(&data, &["--api", f, "--stage", "prod"]);
    let url = server.url(&id, "prod", "/");
    assert!(body_until(&url, "v2").await.contains("v2"));

    let out = tollgate(&[
        "deployments",
        "list",
        "--data-dir",
        d,
        "--api",
        &id,
        "--output",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed = listed.as_array().expect("an array").clone();
    assert_eq!(listed.len(), 2, "{listed:?}");
    let (old, new) = (
        listed[0]["id"].as_str().unwrap().to_owned(),
        listed[1]["id"].as_str().unwrap().to_owned(),
    );
    assert_eq!(listed[0]["stages"], json!([]));
    assert_eq!(listed[1]["stages"], json!(["prod"]));
    assert_eq!(listed[1]["canaryStages"], json!([]));
    assert!(listed[0]["createdDate"].as_i64().unwrap() > 0);
    assert!(
        listed[0]["description"]
            .as_str()
            .unwrap()
            .starts_with("tollgate serve --api")
    );
    let out = tollgate(&["deployments", "list", "--data-dir", d, "--api", &id]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with(&old), "{text}");
    assert!(
        lines[0].contains(" UTC  -     tollgate serve --api "),
        "{text}"
    );
    assert!(lines[1].starts_with(&new), "{text}");
    assert!(
        lines[1].contains(" UTC  prod  tollgate serve --api "),
        "{text}"
    );

    // The default rollback: the deployment before the current one.
    let out = tollgate(&["rollback", "--data-dir", d, "--api", &id, "--stage", "prod"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim(),
        format!("stage prod of API {id} now serves deployment {old} (was {new})")
    );
    assert_eq!(body_until(&url, "v1").await, r#"{"v": "v1"}"#);
    let out = tollgate(&["rollback", "--data-dir", d, "--api", &id, "--stage", "prod"]);
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out).trim(),
        format!("error: Stage prod has no deployment older than {old} to roll back to")
    );

    // Forward again, by id.
    let out = tollgate(&[
        "rollback",
        "--data-dir",
        d,
        "--api",
        &id,
        "--stage",
        "prod",
        "--to",
        &new,
        "--output",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["previousDeploymentId"], old.as_str());
    assert_eq!(v["stage"]["deploymentId"], new.as_str());
    assert_eq!(body_until(&url, "v2").await, r#"{"v": "v2"}"#);

    for (args, said) in [
        (
            vec![
                "rollback", "--api", &id, "--stage", "prod", "--to", "nope00",
            ],
            "error: Deployment id does not exist".to_owned(),
        ),
        (
            vec!["rollback", "--api", &id, "--stage", "nope"],
            "error: Invalid Stage identifier specified".to_owned(),
        ),
        (
            vec!["deployments", "list", "--api", "nosuchapi0"],
            "error: Invalid API identifier specified 000000000000:nosuchapi0".to_owned(),
        ),
    ] {
        let mut args = args.clone();
        args.extend(["--data-dir", d]);
        let out = tollgate(&args);
        assert!(!out.status.success(), "{args:?}");
        assert_eq!(stderr(&out).trim(), said, "{args:?}");
    }
    for sub in [
        vec!["deployments", "list", "--help"],
        vec!["rollback", "--help"],
    ] {
        let out = tollgate(&sub);
        assert!(out.status.success(), "{sub:?}");
        assert!(stdout(&out).contains("Usage: tollgate"), "{}", stdout(&out));
    }
}
