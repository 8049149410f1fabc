//! `sleep`: a `lambda_runtime` function that sleeps for the number of milliseconds in the event
//! (`300` or `{"ms": 300}`), then answers `{"pid": ..., "slept_ms": ...}`.

use std::time::Duration;

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let ms = event
        .payload
        .as_u64()
        .or_else(|| event.payload.get("ms").and_then(Value::as_u64))
        .unwrap_or(0);
    tokio::time::sleep(Duration::from_millis(ms)).await;
    Ok(json!({"pid": std::process::id(), "slept_ms": ms}))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
