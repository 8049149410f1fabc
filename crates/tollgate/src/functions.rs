//! The function host as the data plane sees it: Lambda integrations invoke through this.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use tollgate_engine::{FunctionOutput, Functions};
use tollgate_lambda::{FunctionHost, Invocation, Invoke};

/// Adapts the embedded function host to the engine's [`Functions`].
pub struct HostFunctions(pub Arc<FunctionHost>);

#[async_trait]
impl Functions for HostFunctions {
    async fn invoke(
        &self,
        function: &str,
        payload: Bytes,
        trace_id: &str,
    ) -> Result<FunctionOutput, String> {
        let invocation = Invocation {
            payload,
            trace_id: Some(trace_id.to_owned()),
            ..Invocation::default()
        };
        match self.0.invoke(function, invocation).await {
            Ok(result) => Ok(FunctionOutput {
                payload: result.payload,
                function_error: result.function_error.is_some(),
            }),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// Parses `NAME=ENDPOINT[#REMOTE_FUNCTION]` into a function that the host invokes remotely, with
/// credentials and region from the environment.
pub fn remote_function(spec: &str) -> anyhow::Result<tollgate_lambda::FunctionConfig> {
    use anyhow::{Context, bail};
    let (name, target) = spec
        .split_once('=')
        .with_context(|| format!("--remote-function '{spec}' is not NAME=ENDPOINT[#FUNCTION]"))?;
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        bail!("--remote-function: '{name}' is not a valid function name");
    }
    let (endpoint, function) = match target.split_once('#') {
        Some((e, f)) if !f.is_empty() => (e, f),
        _ => (target, name),
    };
    if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
        bail!("--remote-function {name}: the endpoint must be an http(s) URL, not '{endpoint}'");
    }
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let mut config =
        tollgate_lambda::FunctionConfig::new(name, tollgate_lambda::Runtime::Provided, ".");
    config.remote = Some(tollgate_lambda::RemoteTarget {
        endpoint: endpoint.trim_end_matches('/').to_owned(),
        region: env("AWS_REGION")
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".to_owned()),
        function: function.to_owned(),
        access_key_id: env("AWS_ACCESS_KEY_ID").unwrap_or_else(|| "tollgate".to_owned()),
        secret_access_key: env("AWS_SECRET_ACCESS_KEY").unwrap_or_else(|| "tollgate".to_owned()),
        session_token: env("AWS_SESSION_TOKEN"),
    });
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_function_specs() {
        let f = remote_function("pets=https://lambda.us-east-1.amazonaws.com/#pets-prod").unwrap();
        let r = f.remote.unwrap();
        assert_eq!(
            (f.name.as_str(), r.endpoint.as_str(), r.function.as_str()),
            (
                "pets",
                "https://lambda.us-east-1.amazonaws.com",
                "pets-prod"
            )
        );
        let f = remote_function("pets=http://127.0.0.1:9001").unwrap();
        assert_eq!(f.remote.unwrap().function, "pets");
        assert!(remote_function("pets").is_err());
        assert!(remote_function("pets=ftp://x").is_err());
        assert!(remote_function("a b=http://x").is_err());
    }
}
