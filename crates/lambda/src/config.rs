//! Function definitions: runtime, handler, code, environment, limits, and an optional remote
//! target.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// How a function's code runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runtime {
    /// `provided`, `provided.al2`, `provided.al2023`: the `bootstrap` executable in the code
    /// directory implements the Runtime API client itself (e.g. a Rust `lambda_runtime` binary).
    Provided,
    /// `python3.x`: `handler` is `module.function`, run by Tollgate's shipped bootstrap.
    Python(String),
    /// `nodejs*`: `handler` is `module.function`, run by Tollgate's shipped bootstrap.
    Nodejs(String),
}

impl Runtime {
    /// Parses AWS's runtime identifier (`provided.al2023`, `python3.12`, `nodejs20.x`, ...).
    /// Returns `None` for runtimes Tollgate cannot run (Java, .NET, Ruby, Go 1.x, ...).
    pub fn parse(aws_name: &str) -> Option<Runtime> {
        let name = aws_name.trim();
        if name == "provided" || name.starts_with("provided.") {
            Some(Runtime::Provided)
        } else if name.starts_with("python3") {
            Some(Runtime::Python(name.to_string()))
        } else if name.starts_with("nodejs") {
            Some(Runtime::Nodejs(name.to_string()))
        } else {
            None
        }
    }

    /// AWS's identifier for this runtime (`provided.al2023` for [`Runtime::Provided`]).
    pub fn aws_name(&self) -> &str {
        match self {
            Runtime::Provided => "provided.al2023",
            Runtime::Python(v) | Runtime::Nodejs(v) => v,
        }
    }
}

/// A function definition, from the command line, a SAM template or the management API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionConfig {
    pub name: String,
    pub runtime: Runtime,
    /// `module.function` for Python and Node; passed as `_HANDLER` for `provided`.
    pub handler: Option<String>,
    pub code_dir: PathBuf,
    pub environment: BTreeMap<String, String>,
    /// AWS's default is 3 s.
    pub timeout: Duration,
    /// Reported to the function (`AWS_LAMBDA_FUNCTION_MEMORY_SIZE`); AWS's default is 128.
    pub memory_mb: u32,
    /// Most workers running at once; invocations beyond it queue. `0` is treated as `1`.
    pub max_concurrency: usize,
    /// When set, invocations go to this Lambda Invoke endpoint instead of local workers.
    pub remote: Option<RemoteTarget>,
}

impl FunctionConfig {
    /// AWS's default timeout (3 s).
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);
    /// AWS's default memory size (128 MB).
    pub const DEFAULT_MEMORY_MB: u32 = 128;
    /// Tollgate's default concurrency per function.
    pub const DEFAULT_MAX_CONCURRENCY: usize = 10;

    /// A local function with AWS's defaults: no handler, no environment, 3 s timeout, 128 MB,
    /// [`Self::DEFAULT_MAX_CONCURRENCY`] workers.
    pub fn new(name: impl Into<String>, runtime: Runtime, code_dir: impl Into<PathBuf>) -> Self {
        FunctionConfig {
            name: name.into(),
            runtime,
            handler: None,
            code_dir: code_dir.into(),
            environment: BTreeMap::new(),
            timeout: Self::DEFAULT_TIMEOUT,
            memory_mb: Self::DEFAULT_MEMORY_MB,
            max_concurrency: Self::DEFAULT_MAX_CONCURRENCY,
            remote: None,
        }
    }

    /// The function's ARN as Tollgate reports it (`arn:aws:lambda:us-east-1:000000000000:function:{name}`).
    pub fn arn(&self) -> String {
        crate::function_arn(&self.name)
    }
}

/// A Lambda-compatible Invoke endpoint and the credentials to sign for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteTarget {
    /// e.g. `https://lambda.us-east-1.amazonaws.com`
    pub endpoint: String,
    pub region: String,
    /// The function name or ARN at that endpoint.
    pub function: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_names() {
        assert_eq!(Runtime::parse("provided.al2023"), Some(Runtime::Provided));
        assert_eq!(Runtime::parse("provided"), Some(Runtime::Provided));
        assert_eq!(
            Runtime::parse("python3.12"),
            Some(Runtime::Python("python3.12".into()))
        );
        assert_eq!(
            Runtime::parse("nodejs20.x"),
            Some(Runtime::Nodejs("nodejs20.x".into()))
        );
        assert_eq!(Runtime::parse("java21"), None);
    }
}
