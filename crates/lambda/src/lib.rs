//! Functions for Tollgate: an embedded Lambda-compatible function host, the Lambda Invoke API,
//! and invocation of remote Lambda-compatible endpoints.
//!
//! The data plane sees only [`Invoke`]: invoke a function by name or ARN with a payload, get
//! its result or its error. [`FunctionHost`] implements it for local functions (worker
//! processes speaking the Lambda Runtime API) and for functions configured with a remote target.
//!
//! Layout:
//! - [`config`]: function definitions ([`FunctionConfig`], [`Runtime`], [`RemoteTarget`]);
//! - `host`: [`FunctionHost`], worker pools, queueing and scheduling;
//! - `worker`: worker processes (environment, output capture, process-group kill);
//! - `runtime_api`: the Lambda Runtime API each worker talks to;
//! - `bootstrap`: the Python and Node bootstraps Tollgate ships;
//! - [`invoke_api`]: the Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`);
//! - `remote`: SigV4-signed invocation of Lambda-compatible endpoints.

use async_trait::async_trait;
use bytes::Bytes;

mod bootstrap;
pub mod config;
mod errors;
mod host;
pub mod invoke_api;
mod logs;
mod remote;
mod runtime_api;
mod worker;

pub use config::{FunctionConfig, RemoteTarget, Runtime};
pub use host::{EventRetries, FunctionHost, FunctionStats, HostOptions};
pub use invoke_api::invoke_api;

/// The region Tollgate reports to functions and in ARNs.
pub const REGION: &str = "us-east-1";
/// The account id Tollgate reports in ARNs.
pub const ACCOUNT_ID: &str = "000000000000";
/// Largest request payload of a synchronous (`RequestResponse`, `DryRun`) invocation: 6 MB.
pub const MAX_SYNC_PAYLOAD: usize = 6 * 1024 * 1024;
/// Largest request payload of an asynchronous (`Event`) invocation: 1 MB.
pub const MAX_EVENT_PAYLOAD: usize = 1024 * 1024;
/// Largest response a function may post to the Runtime API (6 MB + 100 bytes, as AWS reports).
pub const MAX_RESPONSE_PAYLOAD: usize = 6 * 1024 * 1024 + 100;
/// How much of an invocation's log `LogType: Tail` returns.
pub const LOG_TAIL_BYTES: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InvocationType {
    #[default]
    RequestResponse,
    /// Queued; the caller gets 202 and no result.
    Event,
    /// Validates the call only.
    DryRun,
}

/// One call of a function.
#[derive(Debug, Clone, Default)]
pub struct Invocation {
    pub payload: Bytes,
    pub invocation_type: InvocationType,
    /// `X-Amzn-Trace-Id` to hand to the function (`Lambda-Runtime-Trace-Id`).
    pub trace_id: Option<String>,
    /// Base64 client context (`X-Amz-Client-Context`). Local functions get it decoded, as AWS
    /// hands it to runtimes, in `Lambda-Runtime-Client-Context`.
    pub client_context: Option<String>,
    /// Return the last 4 KB of the invocation's logs (`LogType: Tail`).
    pub log_tail: bool,
}

/// Whether the function reported the error itself (`Handled`) or the runtime did (`Unhandled`:
/// exceptions, crashes, timeouts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionError {
    Handled,
    Unhandled,
}

impl FunctionError {
    /// The `X-Amz-Function-Error` header value.
    pub fn as_str(self) -> &'static str {
        match self {
            FunctionError::Handled => "Handled",
            FunctionError::Unhandled => "Unhandled",
        }
    }
}

/// What an invocation produced. A function error is a result, not an [`InvokeError`]: Lambda
/// answers 200 with `X-Amz-Function-Error` and the error document as payload.
#[derive(Debug, Clone)]
pub struct InvokeResult {
    /// The response document, or `{"errorMessage","errorType",...}` when `function_error` is set.
    /// Empty for `Event` and `DryRun` invocations.
    pub payload: Bytes,
    pub function_error: Option<FunctionError>,
    /// The invocation's log tail (plain text, not yet base64), when asked for.
    pub log_tail: Option<String>,
    /// The request id the function saw.
    pub request_id: String,
}

/// Why an invocation did not run.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    #[error("Function not found: {0}")]
    FunctionNotFound(String),
    #[error("Rate Exceeded.")]
    TooManyRequests,
    #[error("Request payload size exceeded maximum allowed payload size")]
    PayloadTooLarge,
    #[error("{0}")]
    Remote(String),
    #[error("{0}")]
    Internal(String),
}

/// Invokes functions by name or ARN. What the data plane and the Invoke API use.
#[async_trait]
pub trait Invoke: Send + Sync + 'static {
    async fn invoke(
        &self,
        function: &str,
        invocation: Invocation,
    ) -> Result<InvokeResult, InvokeError>;
}

/// The function name in `name`, `arn:aws:lambda:{region}:{account}:function:{name}[:{qualifier}]`
/// or `{account}:{name}` (partial ARN), as the Invoke API accepts.
pub fn function_name(name_or_arn: &str) -> &str {
    if let Some(rest) = name_or_arn.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.split(':').collect();
        // aws:lambda:{region}:{account}:function:{name}[:{qualifier}]
        if let Some(i) = parts.iter().position(|p| *p == "function")
            && let Some(name) = parts.get(i + 1)
        {
            return name;
        }
        return name_or_arn;
    }
    match name_or_arn.split_once(':') {
        Some((account, name))
            if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) =>
        {
            name.split(':').next().unwrap_or(name)
        }
        Some((name, _qualifier)) => name,
        None => name_or_arn,
    }
}

/// The ARN Tollgate gives a local function: `arn:aws:lambda:us-east-1:000000000000:function:{name}`.
pub fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_from_arns() {
        assert_eq!(function_name("pets"), "pets");
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:123456789012:function:pets"),
            "pets"
        );
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:123456789012:function:pets:live"),
            "pets"
        );
        assert_eq!(function_name("123456789012:pets"), "pets");
        assert_eq!(function_name("pets:$LATEST"), "pets");
    }

    #[test]
    fn arns() {
        assert_eq!(
            function_arn("pets"),
            "arn:aws:lambda:us-east-1:000000000000:function:pets"
        );
    }
}
