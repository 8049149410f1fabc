//! `crash`: a `lambda_runtime` function that exits the process (status 1) in the middle of an
//! invocation when the event is `{"crash": true}`, and otherwise answers `{"pid": ...}`.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    if event.payload.get("crash").and_then(Value::as_bool) == Some(true) {
        eprintln!("crashing on purpose");
        std::process::exit(1);
    }
    Ok(json!({"pid": std::process::id()}))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
