//! Helpers shared by the integration tests: a host in a temporary directory, function
//! definitions for the fixtures and the test binaries, and invocation shortcuts.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use tollgate_lambda::{
    FunctionConfig, FunctionHost, HostOptions, Invocation, InvocationType, Invoke, InvokeResult,
    Runtime,
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

/// A Python function from a fixture directory, through Tollgate's bootstrap.
pub fn python_function(name: &str, dir: &str, handler: &str) -> FunctionConfig {
    let mut config = FunctionConfig::new(name, Runtime::Python("python3.11".into()), fixture(dir));
    config.handler = Some(handler.to_string());
    config
        .environment
        .insert("PYTHONDONTWRITEBYTECODE".into(), "1".into());
    config.timeout = Duration::from_secs(10);
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
