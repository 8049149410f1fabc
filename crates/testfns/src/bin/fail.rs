//! `fail`: a `lambda_runtime` function whose handler returns an error (a function error with
//! `errorType` `Boom` and the event's `message`, default `it failed`).

use lambda_runtime::{Diagnostic, Error, LambdaEvent, service_fn};
use serde_json::Value;

#[derive(Debug)]
struct Boom(String);

impl From<Boom> for Diagnostic {
    fn from(error: Boom) -> Diagnostic {
        Diagnostic {
            error_type: "Boom".into(),
            error_message: error.0,
        }
    }
}

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Boom> {
    let message = event
        .payload
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("it failed");
    eprintln!("failing: {message}");
    Err(Boom(message.to_string()))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
