//! The function host with real worker processes: Rust functions built with AWS's
//! `lambda_runtime` crate (tollgate-testfns), and hand-written runtimes probing the Runtime API.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use base64::Engine;
use common::*;
use serde_json::json;
use tollgate_lambda::{FunctionConfig, HostOptions, InvocationType, Invoke, InvokeError, Runtime};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn echo_sees_the_event_its_context_and_aws_environment() {
    let host = host();
    let mut config = rust_function("echo", "echo");
    config.memory_mb = 256;
    config.handler = Some("echo.handler".into());
    config
        .environment
        .insert("ECHO_CUSTOM".into(), "custom value".into());
    let code_dir = std::fs::canonicalize(&config.code_dir).unwrap();
    host.register(config);

    let mut invocation = event(&json!({"hello": "world"}));
    invocation.trace_id =
        Some("Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1".into());
    invocation.client_context = Some(
        base64::engine::general_purpose::STANDARD.encode(r#"{"custom":{"k":"v"},"env":{"e":"1"}}"#),
    );
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let result = host.invoke("echo", invocation).await.unwrap();
    assert_eq!(result.function_error, None);
    let v = json(&result);
    assert_eq!(v["event"], json!({"hello": "world"}));
    assert_eq!(v["request_id"], result.request_id.as_str());
    let deadline = v["deadline"].as_u64().unwrap();
    assert!(
        deadline >= before + 9_000 && deadline <= before + 11_000,
        "deadline {deadline} vs now {before}"
    );
    assert_eq!(
        v["invoked_function_arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:echo"
    );
    assert_eq!(
        v["xray_trace_id"],
        "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1"
    );
    assert_eq!(v["client_context"]["custom"], json!({"k": "v"}));
    assert_eq!(v["function_name"], "echo");
    assert_eq!(v["memory"], "256");
    assert_eq!(v["log_group"], "/aws/lambda/echo");
    assert_eq!(v["region"], "us-east-1");
    assert_eq!(v["handler"], "echo.handler");
    assert_eq!(v["tz"], ":UTC");
    assert_eq!(v["custom_env"], "custom value");
    assert_eq!(v["task_root"], code_dir.display().to_string());
    assert_eq!(v["cwd"], code_dir.display().to_string());

    // Invoked by ARN, with a qualifier: the same function.
    let by_arn = host
        .invoke(
            "arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST",
            event(&json!(1)),
        )
        .await
        .unwrap();
    assert_eq!(json(&by_arn)["event"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warm_workers_are_reused() {
    let host = host();
    host.register(rust_function("echo", "echo"));
    let first = json(&invoke(&host, "echo", json!({})).await);
    let second = json(&invoke(&host, "echo", json!({})).await);
    assert_eq!(
        first["pid"], second["pid"],
        "the second invocation must hit the warm worker"
    );
    assert_eq!(first["count"], 1);
    assert_eq!(second["count"], 2);
    let stats = &host.stats()[0];
    assert_eq!(stats.cold_starts, 1);
    assert_eq!(stats.invocations, 2);
    assert_eq!(stats.workers, 1);
    assert!(stats.last_init_duration.is_some());
    assert!(stats.mean_duration.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_grows_to_the_limit_and_queues_beyond() {
    let host = host();
    let mut config = rust_function("sleep", "sleep");
    config.max_concurrency = 2;
    host.register(config);
    let start = Instant::now();
    let calls: Vec<_> = (0..4)
        .map(|_| {
            let host = host.host.clone();
            tokio::spawn(async move { host.invoke("sleep", event(&json!({"ms": 300}))).await })
        })
        .collect();
    let mut pids = HashSet::new();
    for call in calls {
        let result = call.await.unwrap().unwrap();
        assert_eq!(result.function_error, None);
        pids.insert(json(&result)["pid"].as_u64().unwrap());
    }
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(600),
        "4 × 300 ms on 2 workers took only {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_millis(3000),
        "4 × 300 ms on 2 workers took {elapsed:?}"
    );
    assert_eq!(
        pids.len(),
        2,
        "at most (and here exactly) 2 workers: {pids:?}"
    );
    let stats = &host.stats()[0];
    assert_eq!(stats.workers, 2);
    assert_eq!(stats.cold_starts, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_too_many_requests() {
    let host = host_with(HostOptions {
        queue_limit: 1,
        ..HostOptions::default()
    });
    let mut config = rust_function("sleep", "sleep");
    config.max_concurrency = 1;
    host.register(config);
    let calls: Vec<_> = (0..3)
        .map(|_| {
            let host = host.host.clone();
            tokio::spawn(async move { host.invoke("sleep", event(&json!({"ms": 500}))).await })
        })
        .collect();
    let mut ok = 0;
    let mut throttled = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(_) => ok += 1,
            Err(InvokeError::TooManyRequests) => throttled += 1,
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    assert!(ok >= 1 && throttled >= 1, "ok {ok}, throttled {throttled}");
    assert_eq!(host.stats()[0].throttles, throttled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_is_an_unhandled_exit_error_and_the_next_call_gets_a_fresh_worker() {
    let host = host();
    host.register(rust_function("crash", "crash"));
    let before = worker_pid(&host, "crash", json!({"crash": false})).await;

    let crashed = host
        .invoke("crash", tail(event(&json!({"crash": true}))))
        .await
        .unwrap();
    let v = unhandled(&crashed);
    assert_eq!(v["errorType"], "Runtime.ExitError");
    assert_eq!(
        v["errorMessage"],
        format!(
            "RequestId: {} Error: Runtime exited with error: exit status 1",
            crashed.request_id
        )
    );
    let log = crashed.log_tail.unwrap();
    assert!(log.contains("crashing on purpose"), "{log}");
    assert!(log.contains("Runtime.ExitError"), "{log}");
    assert!(
        log.contains(&format!("END RequestId: {}", crashed.request_id)),
        "{log}"
    );
    assert!(!process_alive(before));

    let after = worker_pid(&host, "crash", json!({"crash": false})).await;
    assert_ne!(before, after, "a fresh worker must replace the crashed one");
    let stats = &host.stats()[0];
    assert_eq!(stats.crashes, 1);
    assert_eq!(stats.cold_starts, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_kills_the_worker_and_answers_aws_timeout_error() {
    let host = host();
    let mut config = rust_function("sleep", "sleep");
    config.timeout = Duration::from_secs(1);
    host.register(config);
    let pid = worker_pid(&host, "sleep", json!({"ms": 1})).await;

    let start = Instant::now();
    let result = host
        .invoke("sleep", tail(event(&json!({"ms": 10_000}))))
        .await
        .unwrap();
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_secs(1) && elapsed < Duration::from_secs(4),
        "{elapsed:?}"
    );
    let v = unhandled(&result);
    assert_eq!(v["errorType"], "Sandbox.Timedout");
    assert_eq!(
        v["errorMessage"],
        format!(
            "RequestId: {} Error: Task timed out after 1.00 seconds",
            result.request_id
        )
    );
    let log = result.log_tail.unwrap();
    assert!(
        log.contains(&format!(
            "{} Task timed out after 1.00 seconds",
            result.request_id
        )),
        "{log}"
    );
    assert!(log.contains("Status: timeout"), "{log}");
    assert!(!process_alive(pid), "the hung worker {pid} must be gone");

    let next = worker_pid(&host, "sleep", json!({"ms": 1})).await;
    assert_ne!(next, pid);
    assert_eq!(host.stats()[0].timeouts, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_error_from_lambda_runtime_is_a_function_error() {
    let host = host();
    host.register(rust_function("fail", "fail"));
    let result = invoke(&host, "fail", json!({"message": "nope"})).await;
    assert_eq!(
        unhandled(&result),
        json!({"errorType": "Boom", "errorMessage": "nope"})
    );
    assert_eq!(host.stats()[0].function_errors, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_tail_has_lambdas_lines_and_the_functions_output() {
    let host = host();
    host.register(rust_function("echo", "echo"));
    let first = host
        .invoke("echo", tail(event(&json!({"print": "hello from echo"}))))
        .await
        .unwrap();
    let log = first.log_tail.clone().unwrap();
    let id = &first.request_id;
    let start = log
        .find(&format!("START RequestId: {id} Version: $LATEST"))
        .expect(&log);
    let line = log.find("hello from echo").expect(&log);
    let end = log.find(&format!("END RequestId: {id}")).expect(&log);
    let report = log
        .find(&format!("REPORT RequestId: {id}\tDuration: "))
        .expect(&log);
    assert!(start < line && line < end && end < report, "{log}");
    assert!(
        log.contains("Billed Duration: ") && log.contains("Memory Size: 128 MB\tMax Memory Used: "),
        "{log}"
    );
    assert!(
        log.contains("Init Duration: "),
        "the cold invocation reports its init: {log}"
    );

    let second = host
        .invoke("echo", tail(event(&json!({"print": "again"}))))
        .await
        .unwrap();
    let log = second.log_tail.unwrap();
    assert!(
        log.contains("again") && !log.contains("hello from echo"),
        "{log}"
    );
    assert!(
        !log.contains("Init Duration"),
        "a warm invocation has no init: {log}"
    );

    let quiet = invoke(&host, "echo", json!({})).await;
    assert!(quiet.log_tail.is_none());

    // Only the last 4 KB.
    let long = "x".repeat(3000);
    let big = host
        .invoke(
            "echo",
            tail(event(&json!({"print": format!("{long}\n{long}")}))),
        )
        .await
        .unwrap();
    let log = big.log_tail.unwrap();
    assert!(log.len() <= 4096 && log.len() > 3000, "{}", log.len());
    assert!(log.ends_with('\n') && log.contains("REPORT RequestId: "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_invocations_are_queued_and_answered_at_once() {
    let host = host();
    host.register(rust_function("sleep", "sleep"));
    let start = Instant::now();
    let result = host
        .invoke(
            "sleep",
            with_type(event(&json!({"ms": 300})), InvocationType::Event),
        )
        .await
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_millis(250),
        "{:?}",
        start.elapsed()
    );
    assert!(result.payload.is_empty());
    assert!(!result.request_id.is_empty());
    assert_eq!(result.function_error, None);
    // It does run.
    let deadline = Instant::now() + Duration::from_secs(10);
    while host.stats()[0].last_duration.is_none() {
        assert!(Instant::now() < deadline, "the Event invocation never ran");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(host.stats()[0].last_duration.unwrap() >= Duration::from_millis(300));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_checks_the_function_exists_and_runs_nothing() {
    let host = host();
    host.register(rust_function("echo", "echo"));
    let result = host
        .invoke("echo", with_type(event(&json!({})), InvocationType::DryRun))
        .await
        .unwrap();
    assert!(result.payload.is_empty());
    assert_eq!(host.stats()[0].workers, 0);
    match host
        .invoke(
            "missing",
            with_type(event(&json!({})), InvocationType::DryRun),
        )
        .await
    {
        Err(InvokeError::FunctionNotFound(arn)) => {
            assert_eq!(
                arn,
                "arn:aws:lambda:us-east-1:000000000000:function:missing"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payload_limits() {
    let host = host();
    host.register(rust_function("echo", "echo"));
    let mut big = event(&json!({}));
    big.payload = vec![b' '; 6 * 1024 * 1024 + 1].into();
    assert!(matches!(
        host.invoke("echo", big).await,
        Err(InvokeError::PayloadTooLarge)
    ));
    let mut big_event = with_type(event(&json!({})), InvocationType::Event);
    big_event.payload = vec![b' '; 1024 * 1024 + 1].into();
    assert!(matches!(
        host.invoke("echo", big_event).await,
        Err(InvokeError::PayloadTooLarge)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_bootstrap_is_an_invalid_entrypoint() {
    let host = host();
    let empty = tempfile::tempdir().unwrap();
    host.register(FunctionConfig::new(
        "nothing",
        Runtime::Provided,
        empty.path(),
    ));
    let result = invoke(&host, "nothing", json!({})).await;
    let v = unhandled(&result);
    assert_eq!(v["errorType"], "Runtime.InvalidEntrypoint");
    let message = v["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with(&format!(
            "RequestId: {} Error: Couldn't find valid bootstrap(s): [",
            result.request_id
        )),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runtime_that_exits_during_init_fails_the_invocation() {
    let host = host();
    let dir = tempfile::tempdir().unwrap();
    let bootstrap = dir.path().join("bootstrap");
    std::fs::write(&bootstrap, "#!/bin/sh\necho init is failing >&2\nexit 3\n").unwrap();
    let mut perms = std::fs::metadata(&bootstrap).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&bootstrap, perms).unwrap();
    host.register(FunctionConfig::new(
        "early-exit",
        Runtime::Provided,
        dir.path(),
    ));
    let result = host
        .invoke("early-exit", tail(event(&json!({}))))
        .await
        .unwrap();
    let v = unhandled(&result);
    assert_eq!(v["errorType"], "Runtime.ExitError");
    assert_eq!(
        v["errorMessage"],
        format!(
            "RequestId: {} Error: Runtime exited with error: exit status 3",
            result.request_id
        )
    );
    assert!(result.log_tail.unwrap().contains("init is failing"));
    assert_eq!(host.stats()[0].init_errors, 1);
}

fn protocol_function() -> FunctionConfig {
    let mut config = python_fixture_function("protocol", Runtime::Provided, "protocol");
    config.timeout = Duration::from_secs(20);
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runtime_api_answers_like_aws() {
    let host = host();
    host.register(protocol_function());
    let mut invocation = event(&json!({"probe": "statuses"}));
    invocation.trace_id = Some("Root=1-00000000-000000000000000000000000".into());
    let result = host.invoke("protocol", invocation).await.unwrap();
    assert_no_function_error(&result);
    let v = json(&result);
    let headers = &v["headers"];
    assert_eq!(
        headers["lambda-runtime-aws-request-id"],
        result.request_id.as_str()
    );
    assert_eq!(
        headers["lambda-runtime-invoked-function-arn"],
        "arn:aws:lambda:us-east-1:000000000000:function:protocol"
    );
    assert_eq!(
        headers["lambda-runtime-trace-id"],
        "Root=1-00000000-000000000000000000000000"
    );
    assert!(
        headers["lambda-runtime-deadline-ms"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .is_ok()
    );
    assert_eq!(headers["content-type"], "application/json");
    let names: Vec<&str> = v["raw_header_names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Lambda-Runtime-Aws-Request-Id"),
        "header names as AWS writes them: {names:?}"
    );
    assert_eq!(
        v["wrong_id"],
        json!([400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}])
    );
    assert_eq!(v["init_error_after_init"][0], 403);
    assert_eq!(
        v["init_error_after_init"][1]["errorType"],
        "InvalidStateTransition"
    );
    assert_eq!(v["get_response"], 405);
    assert_eq!(v["unknown_path"], 404);

    // Answering twice is refused.
    let second = json(&invoke(&host, "protocol", json!({"probe": "second-answer"})).await);
    assert_eq!(second[0], 403);
    assert_eq!(second[1]["errorType"], "InvalidStateTransition");

    // The worker is still healthy and warm.
    let again = invoke(&host, "protocol", json!({"plain": true})).await;
    assert_eq!(json(&again), json!({"plain": true}));
    assert_eq!(host.stats()[0].cold_starts, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_responses_and_bodyless_errors() {
    let host = host();
    host.register(protocol_function());
    let result = invoke(&host, "protocol", json!({"probe": "oversize"})).await;
    assert_eq!(
        unhandled(&result),
        json!({
            "errorType": "Function.ResponseSizeTooLarge",
            "errorMessage": "Response payload size (7340032 bytes) exceeded maximum allowed payload size (6291556 bytes).",
        })
    );
    let result = invoke(&host, "protocol", json!({"probe": "error-without-body"})).await;
    assert_eq!(unhandled(&result)["errorType"], "Custom.Type");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_on_the_runtime_api_does_not_hurt_the_host() {
    let host = host();
    host.register(protocol_function());
    let result = invoke(&host, "protocol", json!({"probe": "garbage"})).await;
    assert_no_function_error(&result);
    let answers = json(&result)["answers"].clone();
    for answer in answers.as_array().unwrap() {
        let answer = answer.as_str().unwrap();
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 4"),
            "{answers}"
        );
    }
    let again = invoke(&host, "protocol", json!({"still": "fine"})).await;
    assert_eq!(json(&again), json!({"still": "fine"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_that_never_comes_back_to_next_is_replaced() {
    let host = host();
    let mut config = protocol_function();
    config.timeout = Duration::from_secs(1);
    config.max_concurrency = 1;
    host.register(config);
    let answered = invoke(&host, "protocol", json!({"probe": "answer-then-hang"})).await;
    assert_eq!(json(&answered), json!("answered"));
    let start = Instant::now();
    let next = invoke(&host, "protocol", json!({"after": "hang"})).await;
    assert_eq!(json(&next), json!({"after": "hang"}));
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(host.stats()[0].cold_starts, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_functions_and_shutdown() {
    let host = host();
    match host.invoke("nope", event(&json!({}))).await {
        Err(InvokeError::FunctionNotFound(arn)) => {
            assert_eq!(arn, "arn:aws:lambda:us-east-1:000000000000:function:nope")
        }
        other => panic!("{other:?}"),
    }
    host.register(rust_function("echo", "echo"));
    assert_eq!(host.functions().len(), 1);
    assert!(
        host.get("arn:aws:lambda:us-east-1:000000000000:function:echo")
            .is_some()
    );
    let pid = worker_pid(&host, "echo", json!({})).await;
    assert!(process_alive(pid));
    host.shutdown().await;
    assert!(!process_alive(pid), "shutdown must kill worker {pid}");
    assert!(matches!(
        host.invoke("echo", event(&json!({}))).await,
        Err(InvokeError::Internal(_))
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replacing_a_function_retires_its_workers() {
    let host = host();
    host.register(rust_function("f", "echo"));
    let old_pid = worker_pid(&host, "f", json!({})).await;
    host.register(rust_function("f", "crash"));
    let v = json(&invoke(&host, "f", json!({"crash": false})).await);
    assert!(v.get("count").is_none(), "the new definition runs: {v}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while process_alive(old_pid) {
        assert!(
            Instant::now() < deadline,
            "the replaced function's worker must stop"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(host.unregister("f"));
    assert!(!host.unregister("f"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invocations_racing_a_replacement_are_answered_not_killed() {
    // An invocation handed to a worker just before its function is replaced must run (on that
    // worker or the successor), never die with the retired worker.
    let host = host();
    host.register(rust_function("f", "echo"));
    let run_for = Duration::from_secs(4);
    let invokers: Vec<_> = (0..4)
        .map(|_| {
            let host = host.clone();
            tokio::spawn(async move {
                let mut answered = 0;
                let deadline = Instant::now() + run_for;
                while Instant::now() < deadline {
                    let result = invoke(&host, "f", json!({})).await;
                    assert_no_function_error(&result);
                    answered += 1;
                }
                answered
            })
        })
        .collect();
    let deadline = Instant::now() + run_for;
    let mut replacements = 0;
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
        host.register(rust_function("f", "echo"));
        replacements += 1;
    }
    let mut answered = 0;
    for invoker in invokers {
        answered += invoker.await.expect("no invocation failed");
    }
    assert!(
        answered > replacements,
        "{answered} answers, {replacements} replacements"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_http_test_function_echoes_an_api_gateway_event() {
    let host = host();
    host.register(rust_function("http", "http"));
    let event = json!({
        "resource": "/pets/{id}", "path": "/pets/7", "httpMethod": "POST",
        "headers": {"Content-Type": "application/json", "X-Multi": "2"},
        "multiValueHeaders": {"Content-Type": ["application/json"], "X-Multi": ["1", "2"], "X-Only-Multi": ["a", "b"]},
        "queryStringParameters": {"tag": "y", "status": "201"},
        "multiValueQueryStringParameters": {"tag": ["x", "y"], "status": ["201"]},
        "pathParameters": {"id": "7"}, "stageVariables": {"v": "1"},
        "requestContext": {"accountId": "123456789012", "apiId": "a1b2c3d4e5", "httpMethod": "POST",
            "identity": {"sourceIp": "198.51.100.7", "userAgent": "curl/8.5.0"},
            "path": "/prod/pets/7", "protocol": "HTTP/1.1", "requestId": "req-1",
            "requestTimeEpoch": 1716579905123_i64, "resourceId": "x9y8z7", "resourcePath": "/pets/{id}", "stage": "prod"},
        "body": "{\"n\":1}", "isBase64Encoded": false
    });
    let result = invoke(&host, "http", event).await;
    assert_no_function_error(&result);
    let response = json(&result);
    assert_eq!(response["statusCode"], 201);
    assert_eq!(
        response["multiValueHeaders"]["x-echo-multi"],
        json!(["a", "b"])
    );
    let body: serde_json::Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["method"], "POST");
    assert_eq!(body["query"]["tag"], json!(["x", "y"]));
    assert_eq!(body["path_parameters"]["id"], json!(["7"]));
    assert_eq!(body["stage_variables"]["v"], json!(["1"]));
    // lambda_http lets `headers` override `multiValueHeaders` for the same name.
    assert_eq!(body["headers"]["x-multi"], json!(["2"]));
    assert_eq!(body["headers"]["x-only-multi"], json!(["a", "b"]));
    assert_eq!(body["body"], "{\"n\":1}");
    assert_eq!(body["request_id"], "req-1");
    assert_eq!(body["stage"], "prod");
    assert_eq!(body["resource_path"], "/pets/{id}");
    assert_eq!(body["http_method"], "POST");
    assert_eq!(body["source_ip"], "198.51.100.7");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_workers_are_reaped_and_the_next_call_cold_starts() {
    let host = host();
    host.register(rust_function("echo", "echo"));
    let first = json(&invoke(&host, "echo", json!({})).await);
    let pid = first["pid"].as_u64().unwrap();
    // Not idle long enough yet: nothing stops.
    assert_eq!(host.reap_idle(Duration::from_secs(60)), 0);
    assert!(process_alive(pid));
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(host.reap_idle(Duration::from_millis(20)), 1);
    let deadline = Instant::now() + Duration::from_secs(5);
    // The process exits, then the host notices (it reaps the child) and forgets the worker.
    while process_alive(pid) || host.stats()[0].workers != 0 {
        assert!(Instant::now() < deadline, "the reaped worker must exit");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let stats = &host.stats()[0];
    assert_eq!((stats.workers, stats.idle_workers), (0, 0));
    assert_eq!(stats.crashes, 0, "a reaped worker is not a crash");
    let second = json(&invoke(&host, "echo", json!({})).await);
    assert_ne!(second["pid"], first["pid"]);
    assert_eq!(second["count"], 1, "a fresh worker served the next call");
    assert_eq!(host.stats()[0].cold_starts, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_idle_reaper_runs_by_itself() {
    let host = host();
    host.register(rust_function("echo", "echo"));
    let pid = worker_pid(&host, "echo", json!({})).await;
    let reaper = host.spawn_idle_reaper(Duration::from_millis(200));
    let deadline = Instant::now() + Duration::from_secs(10);
    while process_alive(pid) {
        assert!(
            Instant::now() < deadline,
            "the reaper must stop the idle worker"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    host.shutdown().await;
    tokio::time::timeout(Duration::from_secs(5), reaper)
        .await
        .expect("the reaper ends after shutdown")
        .unwrap();
}
