//! Helpers shared by the integration tests: a host in a temporary directory, function
//! definitions for the fixtures and the test binaries, and invocation shortcuts.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use tollgate_lambda::{
    FunctionConfig, FunctionError, FunctionHost, HostOptions, Invocation, InvocationType, Invoke,
    InvokeResult, Runtime,
};

pub struct TestHost {
    pub host: FunctionHost,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for TestHost {
    type Target = FunctionHost;
    fn deref(&self) -> &FunctionHost {
        &self.host
    }
}

pub fn host() -> TestHost {
    host_with(HostOptions::default())
}

pub fn host_with(options: HostOptions) -> TestHost {
    init_tracing();
    let dir = tempfile::tempdir().expect("temp dir");
    let host = FunctionHost::with_options(dir.path().join("functions"), options).expect("host");
    TestHost { host, _dir: dir }
}

/// Function output and host events, shown for failing tests (`RUST_LOG` overrides the filter).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("function=info,tollgate_lambda=info")
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A `provided` function running one of the tollgate-testfns binaries.
pub fn rust_function(name: &str, binary: &str) -> FunctionConfig {
    let mut config = FunctionConfig::new(
        name,
        Runtime::Provided,
        tollgate_testfns::bootstrap_dir(binary),
    );
    config.timeout = Duration::from_secs(10);
    config
}

/// A function whose code is Python in a fixture directory (writing no `.pyc` files there), with
/// a 10 s timeout.
pub fn python_fixture_function(name: &str, runtime: Runtime, dir: &str) -> FunctionConfig {
    let mut config = FunctionConfig::new(name, runtime, fixture(dir));
    config
        .environment
        .insert("PYTHONDONTWRITEBYTECODE".into(), "1".into());
    config.timeout = Duration::from_secs(10);
    config
}

/// A Python function from a fixture directory, through Tollgate's bootstrap.
pub fn python_function(name: &str, dir: &str, handler: &str) -> FunctionConfig {
    let mut config = python_fixture_function(name, Runtime::Python("python3.11".into()), dir);
    config.handler = Some(handler.to_string());
    config
}

/// A Node.js function from a fixture directory, through Tollgate's bootstrap.
pub fn node_function(name: &str, dir: &str, handler: &str) -> FunctionConfig {
    let mut config = FunctionConfig::new(name, Runtime::Nodejs("nodejs20.x".into()), fixture(dir));
    config.handler = Some(handler.to_string());
    config.timeout = Duration::from_secs(10);
    config
}

pub fn event(payload: &Value) -> Invocation {
    Invocation {
        payload: Bytes::from(payload.to_string()),
        ..Default::default()
    }
}

pub fn with_type(mut invocation: Invocation, invocation_type: InvocationType) -> Invocation {
    invocation.invocation_type = invocation_type;
    invocation
}

pub fn tail(mut invocation: Invocation) -> Invocation {
    invocation.log_tail = true;
    invocation
}

pub async fn invoke(host: &FunctionHost, function: &str, payload: Value) -> InvokeResult {
    host.invoke(function, event(&payload))
        .await
        .expect("invoke")
}

pub fn json(result: &InvokeResult) -> Value {
    serde_json::from_slice(&result.payload).unwrap_or_else(|e| {
        panic!(
            "payload is not JSON ({e}): {}",
            String::from_utf8_lossy(&result.payload)
        )
    })
}

/// The pid of the worker that answers an invocation (the test functions report it).
pub async fn worker_pid(host: &FunctionHost, function: &str, payload: Value) -> u64 {
    json(&invoke(host, function, payload).await)["pid"]
        .as_u64()
        .unwrap()
}

/// Asserts that an invocation succeeded, showing the payload when it did not.
#[track_caller]
pub fn assert_no_function_error(result: &InvokeResult) {
    assert_eq!(
        result.function_error,
        None,
        "{}",
        String::from_utf8_lossy(&result.payload)
    );
}

/// The JSON payload of an invocation that must have failed with an unhandled error.
#[track_caller]
pub fn unhandled(result: &InvokeResult) -> Value {
    assert_eq!(result.function_error, Some(FunctionError::Unhandled));
    json(result)
}

/// Whether a process with this pid exists (zombies count as gone).
pub fn process_alive(pid: u64) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            // pid (comm) STATE ...
            let state = stat
                .rsplit(')')
                .next()
                .and_then(|s| s.split_whitespace().next());
            state != Some("Z") && state != Some("X")
        }
        Err(_) => false,
    }
}

/// Fails with a clear message when AWS's Python runtime client is missing.
pub fn require_awslambdaric() {
    let ok = std::process::Command::new("python3")
        .args(["-c", "import awslambdaric"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "AWS's Python runtime client is not installed for python3. Install it with: \
         python3 -m pip install awslambdaric==4.2.2"
    );
}
