//! Functions the embedded function host runs, as stored (Lambda's own configuration shape).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A function declaration: a local function (runtime, handler, code directory) or a remote one
/// (a Lambda Invoke endpoint). Field names are Lambda's `FunctionConfiguration` ones where Lambda
/// has the field; `CodeUri` is a local directory, as in SAM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionDefinition {
    pub function_name: String,
    /// AWS's runtime identifier (`provided.al2023`, `python3.12`, `nodejs20.x`).
    pub runtime: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// The code directory, absolute.
    pub code_uri: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
    /// Seconds.
    pub timeout: u32,
    /// Megabytes.
    pub memory_size: u32,
    /// Most workers at once (Lambda's reserved concurrency).
    pub reserved_concurrent_executions: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<RemoteFunction>,
    /// Where the declaration came from (`sam:/path/template.yaml`, `cli`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Epoch seconds.
    pub last_modified: i64,
}

/// A function invoked on a Lambda Invoke endpoint instead of locally. Credentials are not stored:
/// they come from the environment of the process that invokes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RemoteFunction {
    /// `https://lambda.us-east-1.amazonaws.com` or any compatible endpoint.
    pub endpoint: String,
    /// The function's name (or ARN) at that endpoint.
    pub function_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// Lambda's function-name rule: 1-64 characters of `[A-Za-z0-9_-]`.
pub fn valid_function_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
