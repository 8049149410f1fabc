//! `echo`: a `lambda_runtime` function that returns the event it got, with what its context and
//! environment say: request id, deadline, function ARN, trace id, client context, memory size,
//! its pid and how many invocations this process has handled (to tell warm from cold).
//!
//! `{"print": "text"}` prints `text` to stdout first (for log tests).

use std::sync::atomic::{AtomicU64, Ordering};

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

static COUNT: AtomicU64 = AtomicU64::new(0);

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Error> {
    let count = COUNT.fetch_add(1, Ordering::SeqCst) + 1;
    if let Some(text) = event.payload.get("print").and_then(Value::as_str) {
        println!("{text}");
    }
    let ctx = &event.context;
    Ok(json!({
        "event": event.payload,
        "request_id": ctx.request_id,
        "deadline": ctx.deadline,
        "invoked_function_arn": ctx.invoked_function_arn,
        "xray_trace_id": ctx.xray_trace_id,
        "client_context": ctx.client_context.as_ref().map(|c| json!({"custom": c.custom, "env": c.environment})),
        "function_name": ctx.env_config.function_name,
        "memory": std::env::var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").ok(),
        "log_group": std::env::var("AWS_LAMBDA_LOG_GROUP_NAME").ok(),
        "region": std::env::var("AWS_REGION").ok(),
        "handler": std::env::var("_HANDLER").ok(),
        "task_root": std::env::var("LAMBDA_TASK_ROOT").ok(),
        "cwd": std::env::current_dir().ok().map(|d| d.display().to_string()),
        "tz": std::env::var("TZ").ok(),
        "custom_env": std::env::var("ECHO_CUSTOM").ok(),
        "pid": std::process::id(),
        "count": count,
    }))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
