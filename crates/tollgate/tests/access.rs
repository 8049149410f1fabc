//! Access control and metering as a client sees it, on a real `tollgate serve`: API keys and
//! usage plans created with the CLI while the server runs.

mod common;

use std::time::{Duration, Instant};

use common::Served;
use serde_json::{Value, json};

fn api() -> Value {
    let mut keyed = common::mock(200, "{\"key\":\"$context.identity.apiKeyId\"}");
    keyed["security"] = json!([{"api_key": []}]);
    json!({
        "openapi": "3.0.1",
        "info": {"title": "keyed", "version": "1"},
        "components": {"securitySchemes": {
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}
        }},
        "paths": {
            "/keyed": {"get": keyed},
            "/open": {"get": common::mock(200, "open")}
        }
    })
}

/// Runs `tollgate ARGS --data-dir DIR` and returns its stdout; panics with stderr on failure.
fn cli(served: &Served, args: &[&str]) -> String {
    let dir = served._dir.path().join("data");
    let mut all = args.to_vec();
    all.extend_from_slice(&["--data-dir", dir.to_str().unwrap()]);
    let out = common::tollgate(&all);
    assert!(
        out.status.success(),
        "tollgate {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// GETs `path` with `key` until the status is `want` (the server picks store changes up within
/// its poll interval), returning the last reply.
async fn until(served: &Served, path: &str, key: Option<&str>, want: u16) -> common::Reply {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let headers: Vec<(&str, &str)> = key.map(|k| vec![("x-api-key", k)]).unwrap_or_default();
        let r = served
            .http
            .send(http::Method::GET, &served.url(path), &headers, "")
            .await;
        if r.status == want || Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn api_keys_must_exist_be_enabled_and_be_in_a_plan_for_the_stage() {
    let served = Served::start(&api(), "keyed");
    // No key: AWS's 403.
    let r = until(&served, "/keyed", None, 403).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.text(), r#"{"message":"Forbidden"}"#);
    assert_eq!(r.header("x-amzn-ErrorType"), Some("ForbiddenException"));
    // Methods without apiKeyRequired need none.
    let r = until(&served, "/open", None, 200).await;
    assert_eq!(r.text(), "open");

    let key: Value = serde_json::from_str(&cli(
        &served,
        &["keys", "create", "--name", "alice", "--output", "json"],
    ))
    .unwrap();
    let (key_id, value) = (
        key["id"].as_str().unwrap().to_owned(),
        key["value"].as_str().unwrap().to_owned(),
    );
    assert!(key["enabled"].as_bool().unwrap());
    // A key in no plan for this stage is refused.
    let r = until(&served, "/keyed", Some(&value), 403).await;
    assert_eq!(r.text(), r#"{"message":"Forbidden"}"#);

    let stage = format!("{}:prod", served.id);
    let plan: Value = serde_json::from_str(&cli(
        &served,
        &[
            "plans", "create", "--name", "gold", "--stage", &stage, "--output", "json",
        ],
    ))
    .unwrap();
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    cli(&served, &["plans", "add-key", &plan_id, &key_id]);
    let r = until(&served, "/keyed", Some(&value), 200).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"key": key_id}));

    // Disabled: refused again; enabled: back.
    cli(&served, &["keys", "disable", &key_id]);
    let r = until(&served, "/keyed", Some(&value), 403).await;
    assert_eq!(r.status, 403);
    cli(&served, &["keys", "enable", &key_id]);
    assert_eq!(
        until(&served, "/keyed", Some(&value), 200).await.status,
        200
    );
    // A wrong value is refused, whatever its length.
    let r = until(&served, "/keyed", Some("x"), 403).await;
    assert_eq!(r.status, 403);

    // Values are listed only when asked for.
    let listed = cli(&served, &["keys", "list", "--output", "json"]);
    assert!(!listed.contains(&value), "{listed}");
    let listed = cli(
        &served,
        &["keys", "list", "--include-values", "--output", "json"],
    );
    assert!(listed.contains(&value), "{listed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_are_imported_from_awss_csv() {
    let served = Served::start(&api(), "keyed");
    let stage = format!("{}:prod", served.id);
    let plan: Value = serde_json::from_str(&cli(
        &served,
        &[
            "plans", "create", "--name", "csv", "--stage", &stage, "--output", "json",
        ],
    ))
    .unwrap();
    let plan_id = plan["id"].as_str().unwrap();
    let csv = served._dir.path().join("keys.csv");
    std::fs::write(
        &csv,
        format!(
            "Name,Key,Enabled,UsagePlanIds\nimported,imported-key-0123456789,true,\"{plan_id}\"\nbad,short,true,\n"
        ),
    )
    .unwrap();
    let refused = common::tollgate(&[
        "keys",
        "import",
        csv.to_str().unwrap(),
        "--fail-on-warnings",
        "--data-dir",
        served._dir.path().join("data").to_str().unwrap(),
    ]);
    assert!(!refused.status.success());
    let out: Value = serde_json::from_str(&cli(
        &served,
        &["keys", "import", csv.to_str().unwrap(), "--output", "json"],
    ))
    .unwrap();
    assert_eq!(out["ids"].as_array().unwrap().len(), 1);
    assert_eq!(
        out["warnings"],
        json!(["line 3: the key must be 20 to 128 characters"])
    );
    let r = until(&served, "/keyed", Some("imported-key-0123456789"), 200).await;
    assert_eq!(r.status, 200, "{}", r.text());
}
