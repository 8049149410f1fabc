//! Persistence, redeploys under load, graceful shutdown and health, on the real binary.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::{Http, Tollgate, backend, mock, tollgate, write_definition};
use serde_json::json;

fn versioned_api(echo: std::net::SocketAddr) -> serde_json::Value {
    let mut version = mock(200, "{\"ok\":true}");
    version["responses"] = json!({"200": {"description": "ok", "headers": {"x-version": {"schema": {"type": "string"}}}}});
    version["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"] =
        json!({"method.response.header.x-version": "stageVariables.version"});
    let mut slow = json!({
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {"type": "http_proxy", "httpMethod": "GET", "uri": format!("http://{echo}/slow/20")}
    });
    slow["x-amazon-apigateway-integration"]["responses"] =
        json!({"default": {"statusCode": "200"}});
    json!({
        "openapi": "3.0.1",
        "info": {"title": "versioned", "version": "1"},
        "paths": {"/version": {"get": version}, "/slow": {"get": slow}}
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn apis_survive_restarts_and_serve_api_keeps_the_id() {
    let echo = backend::echo().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = write_definition(dir.path(), "v.json", &versioned_api(echo));
    let mut first = Tollgate::start(&data, &["--api", file.to_str().unwrap()]);
    let id = first.api_id("versioned");
    assert!(first.terminate().success());

    // No --api: the stored deployment is served.
    let mut second = Tollgate::start(&data, &[]);
    assert_eq!(second.api_id("versioned"), id);
    let r = Http::default()
        .get(&second.url(&id, "dev", "/version"))
        .await;
    assert_eq!(
        (r.status.as_u16(), r.text().as_str()),
        (200, "{\"ok\":true}")
    );
    assert!(second.terminate().success());

    // --api again: the same API is updated, not duplicated.
    let third = Tollgate::start(&data, &["--api", file.to_str().unwrap()]);
    assert_eq!(third.api_id("versioned"), id);
    drop(third);
    let out = tollgate(&[
        "apis",
        "--data-dir",
        data.to_str().unwrap(),
        "--output",
        "json",
    ]);
    let listing: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listing.as_array().unwrap().len(), 1, "{listing}");
}

#[tokio::test(flavor = "multi_thread")]
async fn redeploying_under_load_fails_no_request() {
    let echo = backend::echo().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let file = write_definition(dir.path(), "v.json", &versioned_api(echo));
    // The load may exceed AWS's account throttle (10,000 rps, burst 5,000): that is not what
    // this test is about.
    let server = Tollgate::start(
        &data,
        &[
            "--api",
            file.to_str().unwrap(),
            "--stage",
            "live",
            "--account-rate",
            "1000000",
            "--account-burst",
            "1000000",
        ],
    );
    let id = server.api_id("versioned");
    let data_dir = data.to_str().unwrap().to_owned();
    let deploy = {
        let (data_dir, id) = (data_dir.clone(), id.clone());
        move |v: usize| {
            let out = tollgate(&[
                "deploy",
                "--data-dir",
                &data_dir,
                "--api",
                &id,
                "--stage",
                "live",
                "--variable",
                &format!("version={v}"),
            ]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    };
    deploy(0);
    let http = Http::default();
    // Wait for version 0 to be live.
    let deadline = Instant::now() + Duration::from_secs(10);
    while http
        .get(&server.url(&id, "live", "/version"))
        .await
        .header("x-version")
        != Some("0")
    {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for worker in 0..8 {
        let (http, stop, served) = (http.clone(), stop.clone(), served.clone());
        let path = if worker % 2 == 0 { "/version" } else { "/slow" };
        let url = server.url(&id, "live", path);
        clients.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            let mut versions = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                match http.try_send(http::Method::GET, &url, &[], "").await {
                    Ok(r) if r.status == 200 => {
                        if let Some(v) = r.header("x-version") {
                            versions.push(v.parse::<usize>().unwrap());
                        }
                        served.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok(r) => failures.push(format!("{} {}", r.status, r.text())),
                    Err(e) => failures.push(e),
                }
            }
            (failures, versions)
        }));
    }
    for v in 1..=5 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        tokio::task::spawn_blocking({
            let deploy = deploy.clone();
            move || deploy(v)
        })
        .await
        .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all_versions = Vec::new();
    for c in clients {
        let (failures, versions) = c.await.unwrap();
        assert!(
            failures.is_empty(),
            "failed requests during redeploys: {failures:?}"
        );
        // Each client sees versions in deploy order: old or new, never a step back.
        assert!(versions.windows(2).all(|w| w[0] <= w[1]), "{versions:?}");
        all_versions.extend(versions);
    }
    assert!(
        served.load(Ordering::Relaxed) > 100,
        "too little load: {}",
        served.load(Ordering::Relaxed)
    );
    assert_eq!(
        all_versions.iter().max(),
        Some(&5),
        "the last deployment was never served"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_drains_in_flight_requests_then_exits() {
    let echo = backend::echo().await;
    let dir = tempfile::tempdir().unwrap();
    let mut doc = versioned_api(echo);
    doc["paths"]["/slow"]["get"]["x-amazon-apigateway-integration"]["uri"] =
        json!(format!("http://{echo}/slow/1500"));
    let file = write_definition(dir.path(), "v.json", &doc);
    let mut server = Tollgate::start(&dir.path().join("data"), &["--api", file.to_str().unwrap()]);
    let id = server.api_id("versioned");
    let url = server.url(&id, "dev", "/slow");
    let in_flight = tokio::spawn(async move { Http::default().get(&url).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let addr = server.data;
    let status = tokio::task::spawn_blocking(move || server.terminate())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
    let r = in_flight.await.unwrap();
    assert_eq!((r.status.as_u16(), r.text().as_str()), (200, "slow done"));
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "still accepting after exit"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ping_on_the_management_listener() {
    let dir = tempfile::tempdir().unwrap();
    let server = Tollgate::start(&dir.path().join("data"), &[]);
    let r = Http::default()
        .get(&format!("http://{}/ping", server.admin))
        .await;
    assert_eq!(
        (r.status.as_u16(), r.text().as_str()),
        (200, r#"{"status":"ok"}"#)
    );
    assert!(
        server
            .stdout
            .iter()
            .any(|l| l.contains("No deployed stages yet")),
        "{:?}",
        server.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_logs() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Tollgate::start(&dir.path().join("data"), &["--log-format", "json"]);
    server.terminate();
    let stderr = server.stderr();
    let first = stderr
        .lines()
        .find(|l| !l.trim().is_empty())
        .expect("some log line");
    let v: serde_json::Value =
        serde_json::from_str(first).unwrap_or_else(|e| panic!("{e}: {first}"));
    assert!(
        v.get("level").is_some() && v.get("message").is_some(),
        "{v}"
    );
}
