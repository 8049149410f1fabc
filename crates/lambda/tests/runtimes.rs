//! Python and Node.js handlers through Tollgate's shipped bootstraps, and a Python function whose
//! runtime client is AWS's own `awslambdaric` run as a `provided` bootstrap.

mod common;

use std::time::Duration;

use base64::Engine;
use common::*;
use serde_json::{Value, json};
use tollgate_lambda::{FunctionConfig, FunctionHost, Invoke, Runtime};

/// What a handler invoked at once sees of its function's 10 s timeout.
#[track_caller]
fn assert_most_of_10s_left(remaining: &Value) {
    let remaining = remaining.as_u64().unwrap();
    assert!(
        remaining > 8_000 && remaining <= 10_000,
        "remaining {remaining}"
    );
}

/// A second invocation is served by the warm worker that answered `first`, and counted there.
async fn assert_served_warm(host: &FunctionHost, function: &str, first: &Value) {
    let again = json(&invoke(host, function, json!({})).await);
    assert_eq!(again["pid"], first["pid"]);
    assert_eq!(again["count"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_handler_gets_the_event_and_a_context() {
    let host = host();
    host.register(python_function("py", "python", "app.handler"));
    let mut invocation = event(&json!({"n": 1, "s": "é"}));
    invocation.client_context =
        Some(base64::engine::general_purpose::STANDARD.encode(r#"{"custom":{"k":"v"}}"#));
    invocation.log_tail = true;
    let result = host.invoke("py", invocation).await.unwrap();
    assert_no_function_error(&result);
    let v = json(&result);
    assert_eq!(v["event"], json!({"n": 1, "s": "é"}));
    assert_eq!(v["request_id"], result.request_id.as_str());
    assert_eq!(v["function_name"], "py");
    assert_eq!(v["function_version"], "$LATEST");
    assert_eq!(v["memory_limit_in_mb"], "128");
    assert_eq!(
        v["invoked_function_arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:py"
    );
    assert_eq!(v["log_group_name"], "/aws/lambda/py");
    assert!(v["log_stream_name"].as_str().unwrap().contains("[$LATEST]"));
    assert_most_of_10s_left(&v["remaining_ms"]);
    assert_eq!(v["client_context_custom"], json!({"k": "v"}));
    assert_eq!(v["execution_env"], "AWS_Lambda_python3.11");
    assert!(v["trace_id"].as_str().unwrap().starts_with("Root=1-"));
    let log = result.log_tail.unwrap();
    assert!(
        log.contains(r#"python handler got {"n": 1, "s": "\u00e9"}"#),
        "{log}"
    );
    assert!(
        log.contains("[INFO]\t")
            && log.contains(&format!("\t{}\tlogged through logging", result.request_id)),
        "{log}"
    );

    assert_served_warm(&host, "py", &v).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_exceptions_are_function_errors_in_aws_shape() {
    let host = host();
    host.register(python_function("py-fail", "python", "app.fail"));
    let result = invoke(&host, "py-fail", json!({})).await;
    let v = unhandled(&result);
    assert_eq!(v["errorType"], "ValueError");
    assert_eq!(v["errorMessage"], "python says no");
    assert_eq!(v["requestId"], result.request_id.as_str());
    let trace = v["stackTrace"].as_array().unwrap();
    assert!(
        !trace.is_empty() && trace.iter().any(|l| l.as_str().unwrap().contains("app.py")),
        "{v}"
    );
    assert!(
        !trace
            .iter()
            .any(|l| l.as_str().unwrap().contains("bootstrap.py")),
        "{v}"
    );

    host.register(python_function(
        "py-marshal",
        "python",
        "app.unserializable",
    ));
    let v = json(&invoke(&host, "py-marshal", json!({})).await);
    assert_eq!(v["errorType"], "Runtime.MarshalError");
    assert!(
        v["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("Unable to marshal response: "),
        "{v}"
    );

    host.register(python_function("py-missing", "python", "app.nope"));
    let v = json(&invoke(&host, "py-missing", json!({})).await);
    assert_eq!(v["errorType"], "Runtime.HandlerNotFound");
    assert_eq!(v["errorMessage"], "Handler 'nope' missing on module 'app'");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_import_failure_is_an_init_error() {
    let host = host();
    host.register(python_function(
        "py-bad",
        "python_import_error",
        "app.handler",
    ));
    let result = invoke(&host, "py-bad", json!({})).await;
    let v = unhandled(&result);
    assert_eq!(v["errorType"], "Runtime.ImportModuleError");
    assert_eq!(
        v["errorMessage"],
        "Unable to import module 'app': No module named 'tollgate_no_such_module'"
    );
    assert_eq!(host.stats()[0].init_errors, 1);
    // Every invocation retries init, as on AWS.
    let again = invoke(&host, "py-bad", json!({})).await;
    assert_eq!(json(&again)["errorType"], "Runtime.ImportModuleError");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_timeout_kills_the_interpreter() {
    let host = host();
    let mut config = python_function("py-sleep", "python", "app.sleep");
    config.timeout = Duration::from_secs(1);
    host.register(config);
    let pid = worker_pid(&host, "py-sleep", json!({"ms": 1})).await;
    let result = invoke(&host, "py-sleep", json!({"ms": 10_000})).await;
    assert_eq!(json(&result)["errorType"], "Sandbox.Timedout");
    assert!(!process_alive(pid));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_handler_gets_the_event_and_a_context() {
    let host = host();
    host.register(node_function("js", "node", "app.handler"));
    let result = host
        .invoke("js", tail(event(&json!({"n": 2}))))
        .await
        .unwrap();
    assert_no_function_error(&result);
    let v = json(&result);
    assert_eq!(v["event"], json!({"n": 2}));
    assert_eq!(v["awsRequestId"], result.request_id.as_str());
    assert_eq!(v["functionName"], "js");
    assert_eq!(v["functionVersion"], "$LATEST");
    assert_eq!(v["memoryLimitInMB"], "128");
    assert_eq!(
        v["invokedFunctionArn"],
        "arn:aws:lambda:us-east-1:000000000000:function:js"
    );
    assert_eq!(v["logGroupName"], "/aws/lambda/js");
    assert_eq!(v["executionEnv"], "AWS_Lambda_nodejs20.x");
    assert_most_of_10s_left(&v["remainingMs"]);
    let log = result.log_tail.unwrap();
    assert!(
        log.contains(&format!(
            "\t{}\tINFO\tnode handler got {{\"n\":2}}",
            result.request_id
        )),
        "{log}"
    );

    assert_served_warm(&host, "js", &v).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_errors_callbacks_and_modules() {
    let host = host();
    host.register(node_function("js-fail", "node", "app.fail"));
    let result = invoke(&host, "js-fail", json!({})).await;
    let v = unhandled(&result);
    assert_eq!(v["errorType"], "TypeError");
    assert_eq!(v["errorMessage"], "node says no");
    let trace = v["trace"].as_array().unwrap();
    assert_eq!(trace[0], "TypeError: node says no");
    assert!(
        trace.iter().any(|l| l.as_str().unwrap().contains("app.js")),
        "{v}"
    );

    host.register(node_function("js-cb", "node", "app.callback"));
    let v = json(&invoke(&host, "js-cb", json!({})).await);
    assert_eq!(v["style"], "callback");
    assert!(v["remainingMs"].as_u64().unwrap() > 0);

    host.register(node_function("js-cb-err", "node", "app.callbackError"));
    let v = json(&invoke(&host, "js-cb-err", json!({})).await);
    assert_eq!(v["errorType"], "Error");
    assert_eq!(v["errorMessage"], "callback says no");

    host.register(node_function("js-esm", "node_esm", "index.handler"));
    let v = json(&invoke(&host, "js-esm", json!({"a": 1})).await);
    assert_eq!(v["module"], "esm-js", "{v}");
    assert_eq!(v["event"], json!({"a": 1}));

    host.register(node_function("js-mjs", "node_esm", "other.handler"));
    let v = json(&invoke(&host, "js-mjs", json!({"b": 2})).await);
    assert_eq!(v, json!({"module": "mjs", "event": {"b": 2}}));

    host.register(node_function("js-nomodule", "node", "nothere.handler"));
    let v = json(&invoke(&host, "js-nomodule", json!({})).await);
    assert_eq!(v["errorType"], "Runtime.ImportModuleError");
    assert!(
        v["errorMessage"]
            .as_str()
            .unwrap()
            .starts_with("Error: Cannot find module 'nothere'"),
        "{v}"
    );

    host.register(node_function("js-nohandler", "node", "app.nothere"));
    let v = json(&invoke(&host, "js-nohandler", json!({})).await);
    assert_eq!(v["errorType"], "Runtime.HandlerNotFound");
    assert_eq!(
        v["errorMessage"],
        "app.nothere is undefined or not exported"
    );
}

fn ric_function(handler: &str) -> FunctionConfig {
    require_awslambdaric();
    let mut config = python_fixture_function("ric", Runtime::Provided, "python_ric");
    config.handler = Some(handler.to_string());
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awslambdaric_runs_unchanged_as_a_provided_bootstrap() {
    let host = host();
    host.register(ric_function("app.handler"));
    let result = host
        .invoke("ric", tail(event(&json!({"via": "awslambdaric"}))))
        .await
        .unwrap();
    assert_no_function_error(&result);
    let v = json(&result);
    assert_eq!(v["event"], json!({"via": "awslambdaric"}));
    assert_eq!(v["request_id"], result.request_id.as_str());
    assert_eq!(v["function_name"], "ric");
    assert_eq!(v["memory_limit_in_mb"], "128");
    assert_eq!(
        v["invoked_function_arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:ric"
    );
    assert_most_of_10s_left(&v["remaining_ms"]);
    assert!(
        result
            .log_tail
            .unwrap()
            .contains("awslambdaric handler invoked")
    );

    let again = json(&invoke(&host, "ric", json!({})).await);
    assert_eq!(again["pid"], v["pid"], "warm reuse");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn awslambdaric_errors_come_back_as_aws_formats_them() {
    let host = host();
    host.register(ric_function("app.fail"));
    let result = invoke(&host, "ric", json!({})).await;
    let v = unhandled(&result);
    assert_eq!(v["errorType"], "KeyError");
    assert_eq!(v["errorMessage"], "'ric says no'");
    assert_eq!(v["requestId"], result.request_id.as_str());
    assert!(!v["stackTrace"].as_array().unwrap().is_empty());

    host.register(ric_function("missing_module.handler"));
    let v = json(&invoke(&host, "ric", json!({})).await);
    assert_eq!(v["errorType"], "Runtime.ImportModuleError", "{v}");
}

/// Runs an `Event` invocation of the flaky handler and returns the request ids it was called with
/// once `expected` calls were recorded (and no more came within a few retry delays).
async fn event_calls(succeed_on: u32, expected: usize) -> (String, Vec<String>) {
    use tollgate_lambda::{EventRetries, HostOptions, InvocationType};
    let host = host_with(HostOptions {
        event_retries: EventRetries {
            attempts: 2,
            first_delay: Duration::from_millis(100),
        },
        ..HostOptions::default()
    });
    host.register(python_function("flaky", "python", "app.flaky"));
    let dir = tempfile::tempdir().unwrap();
    let calls = dir.path().join("calls.txt");
    let mut invocation = event(&json!({"calls": calls, "succeed_on": succeed_on}));
    invocation.invocation_type = InvocationType::Event;
    let accepted = host.invoke("flaky", invocation).await.unwrap();
    let read = || {
        std::fs::read_to_string(&calls)
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while read().len() < expected {
        assert!(
            std::time::Instant::now() < deadline,
            "only {:?} calls",
            read()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Longer than the next retry delay would be (100 ms, 200 ms, then 400 ms).
    tokio::time::sleep(Duration::from_millis(900)).await;
    (accepted.request_id, read())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_invocations_are_retried_twice_after_function_errors() {
    // Fails on the first two attempts, succeeds on the third: three calls, one request id.
    let (request_id, calls) = event_calls(3, 3).await;
    assert_eq!(calls, vec![request_id.clone(); 3]);
    // Never succeeds: one call and two retries, then it is discarded.
    let (request_id, calls) = event_calls(99, 3).await;
    assert_eq!(calls, vec![request_id; 3]);
    // Succeeds at once: no retry.
    let (request_id, calls) = event_calls(1, 1).await;
    assert_eq!(calls, vec![request_id]);
}
