//! Cold-start and warm-invoke latency of a Rust (`lambda_runtime`) function and a Python handler,
//! measured through `FunctionHost::invoke`. Ignored by default; run with
//! `cargo test -p tollgate-lambda --test latency -- --ignored --nocapture` (add `--release` for
//! representative numbers).

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;
use tollgate_lambda::{FunctionConfig, Invoke};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn measure(label: &str, config: impl Fn() -> FunctionConfig) {
    let mut cold = Vec::new();
    let mut init = Vec::new();
    for _ in 0..7 {
        let host = host();
        host.register(config());
        let start = Instant::now();
        let r = host
            .invoke("f", event(&json!({"warm": false})))
            .await
            .unwrap();
        cold.push(start.elapsed());
        assert!(
            r.function_error.is_none(),
            "{}",
            String::from_utf8_lossy(&r.payload)
        );
        init.push(host.stats()[0].last_init_duration.unwrap());
        host.shutdown().await;
    }
    let host = host();
    host.register(config());
    host.invoke("f", event(&json!({}))).await.unwrap();
    let mut warm = Vec::new();
    for _ in 0..200 {
        let start = Instant::now();
        host.invoke("f", event(&json!({"warm": true})))
            .await
            .unwrap();
        warm.push(start.elapsed());
    }
    println!(
        "{label}: cold invoke median {:?} (init median {:?}); warm invoke median {:?} (p90 {:?})",
        median(cold),
        median(init),
        median(warm.clone()),
        {
            let mut w = warm;
            w.sort();
            w[w.len() * 9 / 10]
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement, not a check"]
async fn latencies() {
    measure("rust echo (provided, lambda_runtime)", || {
        rust_function("f", "echo")
    })
    .await;
    measure("python handler (shipped bootstrap)", || {
        python_function("f", "python", "app.sleep")
    })
    .await;
    measure("node handler (shipped bootstrap)", || {
        node_function("f", "node", "app.handler")
    })
    .await;
}
