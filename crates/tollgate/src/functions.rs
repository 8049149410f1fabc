//! Functions: the embedded host as the data plane sees it, and the conversion between stored
//! declarations ([`FunctionDefinition`]) and the host's [`FunctionConfig`].

use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::{Context, bail};
use async_trait::async_trait;
use bytes::Bytes;
use tollgate_engine::{FunctionOutput, Functions};
use tollgate_lambda::{FunctionConfig, FunctionHost, Invocation, Invoke, RemoteTarget, Runtime};
use tollgate_model::{FunctionDefinition, RemoteFunction, valid_function_name};

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

/// A warning when a local function's runtime asks for another version than the interpreter that
/// will run it (`python3.12` on a machine whose `python3` is 3.11): the handler still runs, with
/// the local version. `None` when they agree, for `provided` and remote functions, and when the
/// interpreter's version cannot be read.
pub fn runtime_version_warning(def: &FunctionDefinition) -> Option<String> {
    static PYTHON: OnceLock<Option<String>> = OnceLock::new();
    static NODE: OnceLock<Option<String>> = OnceLock::new();
    if def.remote.is_some() {
        return None;
    }
    let (wanted, local, program) = if let Some(v) = def.runtime.strip_prefix("python") {
        // `Python 3.11.7` → `3.11`.
        let local = PYTHON.get_or_init(|| {
            let out = interpreter_version("python3")?;
            let v = out.trim().strip_prefix("Python ")?;
            let mut parts = v.split('.');
            Some(format!("{}.{}", parts.next()?, parts.next()?))
        });
        (v.to_owned(), local.clone()?, "python3")
    } else if let Some(v) = def.runtime.strip_prefix("nodejs") {
        // `v20.20.2` → `20`; `nodejs20.x` → `20`.
        let local = NODE.get_or_init(|| {
            let out = interpreter_version("node")?;
            Some(out.trim().strip_prefix('v')?.split('.').next()?.to_owned())
        });
        (
            v.strip_suffix(".x").unwrap_or(v).to_owned(),
            local.clone()?,
            "node",
        )
    } else {
        return None;
    };
    (wanted != local).then(|| {
        format!(
            "function {}: runtime {} asks for version {wanted}, but {program} here is {local}; the handler runs with {program} {local}",
            def.function_name, def.runtime
        )
    })
}

fn interpreter_version(program: &str) -> Option<String> {
    let out = std::process::Command::new(program)
        .arg("--version")
        .output()
        .ok()?;
    // Python 2 printed its version on stderr.
    let text = if out.stdout.is_empty() {
        out.stderr
    } else {
        out.stdout
    };
    String::from_utf8(text).ok()
}

/// The host's definition of a stored function. Remote functions take their credentials from
/// this process's environment (they are never stored).
pub fn to_config(def: &FunctionDefinition) -> anyhow::Result<FunctionConfig> {
    let runtime = Runtime::parse(&def.runtime).with_context(|| {
        format!(
            "function {}: runtime '{}' cannot run here (provided*, python3.x and nodejs* can)",
            def.function_name, def.runtime
        )
    })?;
    let mut config = FunctionConfig::new(&def.function_name, runtime, &def.code_uri);
    config.handler = def.handler.clone();
    config.environment = def.environment.clone();
    config.timeout = Duration::from_secs(u64::from(def.timeout.max(1)));
    config.memory_mb = def.memory_size;
    config.max_concurrency = def.reserved_concurrent_executions as usize;
    config.remote = def
        .remote
        .as_ref()
        .map(|r| remote_target(&r.endpoint, &r.function_name, r.region.as_deref()));
    Ok(config)
}

/// The stored form of a host definition (credentials of a remote target are dropped).
pub fn to_definition(config: &FunctionConfig, source: &str) -> FunctionDefinition {
    FunctionDefinition {
        function_name: config.name.clone(),
        runtime: config.runtime.aws_name().to_owned(),
        handler: config.handler.clone(),
        code_uri: config.code_dir.display().to_string(),
        environment: config.environment.clone(),
        timeout: u32::try_from(config.timeout.as_secs()).unwrap_or(u32::MAX),
        memory_size: config.memory_mb,
        reserved_concurrent_executions: u32::try_from(config.max_concurrency).unwrap_or(u32::MAX),
        remote: config.remote.as_ref().map(|r| RemoteFunction {
            endpoint: r.endpoint.clone(),
            function_name: r.function.clone(),
            region: Some(r.region.clone()),
        }),
        source: Some(source.to_owned()),
        last_modified: tollgate_model::now_epoch_seconds(),
    }
}

/// A remote target with credentials and (unless given) region from the environment.
fn remote_target(endpoint: &str, function: &str, region: Option<&str>) -> RemoteTarget {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    RemoteTarget {
        endpoint: endpoint.trim_end_matches('/').to_owned(),
        region: region
            .map(str::to_owned)
            .or_else(|| env("AWS_REGION"))
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .unwrap_or_else(|| "us-east-1".to_owned()),
        function: function.to_owned(),
        access_key_id: env("AWS_ACCESS_KEY_ID").unwrap_or_else(|| "tollgate".to_owned()),
        secret_access_key: env("AWS_SECRET_ACCESS_KEY").unwrap_or_else(|| "tollgate".to_owned()),
        session_token: env("AWS_SESSION_TOKEN"),
    }
}

/// Splits `ENDPOINT[#REMOTE_FUNCTION]` (the remote name defaults to `name`).
pub fn parse_remote(name: &str, target: &str) -> anyhow::Result<RemoteFunction> {
    let (endpoint, function) = match target.split_once('#') {
        Some((e, f)) if !f.is_empty() => (e, f),
        _ => (target, name),
    };
    if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
        bail!("function {name}: the endpoint must be an http(s) URL, not '{endpoint}'");
    }
    Ok(RemoteFunction {
        endpoint: endpoint.trim_end_matches('/').to_owned(),
        function_name: function.to_owned(),
        region: None,
    })
}

/// Parses `NAME=ENDPOINT[#REMOTE_FUNCTION]` into a function that the host invokes remotely, with
/// credentials and region from the environment.
pub fn remote_function(spec: &str) -> anyhow::Result<FunctionConfig> {
    let (name, target) = spec
        .split_once('=')
        .with_context(|| format!("--remote-function '{spec}' is not NAME=ENDPOINT[#FUNCTION]"))?;
    if !valid_function_name(name) {
        bail!("--remote-function: '{name}' is not a valid function name");
    }
    let remote = parse_remote(name, target)?;
    let mut config = FunctionConfig::new(name, Runtime::Provided, ".");
    config.remote = Some(remote_target(&remote.endpoint, &remote.function_name, None));
    Ok(config)
}

/// An absolute form of a code directory given on the command line.
pub fn absolute_code_dir(dir: &Path) -> anyhow::Result<String> {
    let dir =
        std::fs::canonicalize(dir).with_context(|| format!("code directory {}", dir.display()))?;
    if !dir.is_dir() {
        bail!("code directory {} is not a directory", dir.display());
    }
    Ok(dir.display().to_string())
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

    #[test]
    fn definitions_round_trip_through_the_host_config() {
        let mut config =
            FunctionConfig::new("pets", Runtime::Python("python3.11".into()), "/srv/pets");
        config.handler = Some("app.handler".into());
        config.environment.insert("A".into(), "1".into());
        config.timeout = Duration::from_secs(7);
        config.memory_mb = 256;
        config.max_concurrency = 4;
        let def = to_definition(&config, "cli");
        assert_eq!(def.runtime, "python3.11");
        assert_eq!(to_config(&def).unwrap(), config);
        let bad = FunctionDefinition {
            runtime: "java21".into(),
            ..def
        };
        assert!(to_config(&bad).unwrap_err().to_string().contains("java21"));
    }
}
