//! What is known about one request as it moves through the pipeline: AWS's `$context` values,
//! the method request's parameters and the stage's variables.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use http::HeaderMap;

pub use tollgate_model::ACCOUNT_ID;

/// Per-request identifiers and the facts `$context` exposes.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// `$context.requestId`: a UUID (the client's, when it sent a valid one in `x-amzn-RequestId`).
    pub request_id: String,
    /// `$context.extendedRequestId`, sent as `x-amz-apigw-id`.
    pub extended_request_id: String,
    /// `Root=1-{epoch hex}-{24 hex}` for `X-Amzn-Trace-Id`.
    pub trace_id: String,
    pub api_id: String,
    pub stage: String,
    pub deployment_id: String,
    pub resource_id: String,
    pub resource_path: String,
    pub http_method: String,
    /// `$context.path`: the request path including the stage, as received.
    pub path: String,
    pub domain_name: String,
    pub source_ip: String,
    pub user_agent: Option<String>,
    pub request_time_epoch_ms: i64,
    /// Raw (percent-encoded) path parameters.
    pub path_params: Vec<(String, String)>,
    /// Decoded query parameters in request order (repeats kept).
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub stage_variables: Arc<BTreeMap<String, String>>,
    /// The path after the stage (or a custom domain's base path), percent-encoding kept, dot
    /// segments resolved: the proxy event's `path`.
    pub request_path: String,
    /// The method ARN access control evaluates (policies, authorizers, IAM), set by routing for
    /// methods with a resource policy or an authorization (empty otherwise): see
    /// [`crate::path::arn_path`].
    pub method_arn: String,
    pub connection: ConnectionInfo,
    /// `$context.identity.*` beyond the source IP and user agent: the API key, the IAM caller.
    pub identity: CallerIdentity,
    /// What the method's authorizer returned (`$context.authorizer.*`).
    pub authorizer: Option<Arc<AuthorizerOutput>>,
    /// A Lambda authorizer's `usageIdentifierKey` (the API key, with `apiKeySource: AUTHORIZER`).
    pub usage_identifier_key: Option<String>,
    /// Set for a simulated request (TestInvokeMethod, TestInvokeAuthorizer; see
    /// [`crate::test_invoke`]): the execution log the phases write to. `None` for requests that
    /// arrived on a connection, which log nothing here and pay one branch per log point.
    pub test_invoke: Option<Arc<ExecutionLog>>,
}

/// AWS's execution log of one simulated request: `{timestamp} : {message}` lines, as
/// TestInvokeMethod and TestInvokeAuthorizer return them in `log`.
#[derive(Debug, Default)]
pub struct ExecutionLog {
    lines: Mutex<Vec<String>>,
}

/// AWS cuts a logged value (headers, bodies) after this many characters and appends
/// ` [TRUNCATED]` (the exact limit is unconfirmed; recorded logs show the marker).
pub const LOGGED_VALUE_LIMIT: usize = 1000;

impl ExecutionLog {
    /// Appends `message`, stamped with the current time in AWS's format
    /// (`Sun May 07 05:37:15 UTC 2017`).
    pub fn push(&self, message: &str) {
        let format = time::macros::format_description!(
            "[weekday repr:short] [month repr:short] [day] [hour]:[minute]:[second] UTC [year]"
        );
        let stamp = time::OffsetDateTime::now_utc()
            .format(format)
            .unwrap_or_default();
        let mut lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        lines.push(format!("{stamp} : {message}"));
    }

    /// The whole log: `Execution log for request {request_id}`, the lines, and a final newline.
    pub fn render(&self, request_id: &str) -> String {
        let lines = self.lines.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = format!("Execution log for request {request_id}\n");
        for line in lines.iter() {
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}

/// `value` as AWS logs it: cut after [`LOGGED_VALUE_LIMIT`] characters with ` [TRUNCATED]`.
pub fn logged_value(value: &str) -> std::borrow::Cow<'_, str> {
    match value.char_indices().nth(LOGGED_VALUE_LIMIT) {
        Some((at, _)) => std::borrow::Cow::Owned(format!("{} [TRUNCATED]", &value[..at])),
        None => std::borrow::Cow::Borrowed(value),
    }
}

/// Pairs as AWS's logs print maps (Java's `Map.toString`): `{a=1, b=2}`.
pub fn logged_map<'a>(
    pairs: impl IntoIterator<Item = (&'a str, std::borrow::Cow<'a, str>)>,
) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in pairs.into_iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(k);
        out.push('=');
        out.push_str(&v);
    }
    out.push('}');
    out
}

/// Who is calling, as far as keys and signatures tell (`$context.identity.*`; unset is null).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallerIdentity {
    pub api_key: Option<String>,
    pub api_key_id: Option<String>,
    /// IAM: the access key id, the caller's account, user id and ARN.
    pub access_key: Option<String>,
    pub account_id: Option<String>,
    pub caller: Option<String>,
    pub user: Option<String>,
    pub user_arn: Option<String>,
}

/// An authorizer's result as the integration sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizerOutput {
    /// Lambda authorizers' `principalId`.
    pub principal_id: Option<String>,
    /// Lambda authorizers' `context`, values stringified (`3` → `"3"`, `true` → `"true"`).
    pub context: Vec<(String, String)>,
    /// JWT (Cognito user pool) authorizers' claims, as strings.
    pub claims: Option<Vec<(String, String)>>,
    /// How long the authorizer function took, in milliseconds (Lambda authorizers).
    pub latency_ms: Option<u64>,
}

/// The client connection a request arrived on.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionInfo {
    pub peer: SocketAddr,
    pub local: SocketAddr,
    pub tls: bool,
    pub http2: bool,
}

impl RequestContext {
    /// Fresh identifiers for a request that arrived with `headers` from `peer`.
    pub fn new(headers: &HeaderMap, connection: ConnectionInfo) -> Self {
        let peer = connection.peer;
        let request_id = headers
            .get("x-amzn-requestid")
            .and_then(|v| v.to_str().ok())
            .and_then(|s| uuid::Uuid::parse_str(s).ok())
            // fastrand, not the OS: a getrandom syscall per request is measurable.
            .unwrap_or_else(|| {
                uuid::Builder::from_random_bytes(std::array::from_fn(|_| fastrand::u8(..)))
                    .into_uuid()
            })
            .hyphenated()
            .to_string();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let ext: [u8; 11] = std::array::from_fn(|_| fastrand::u8(..));
        let trace_id = headers
            .get("x-amzn-trace-id")
            .and_then(|v| v.to_str().ok())
            .filter(|s| s.starts_with("Root=1-") && s.len() < 256)
            .map(str::to_owned)
            .unwrap_or_else(|| {
                format!(
                    "Root=1-{:08x}-{:012x}{:012x}",
                    now.as_secs(),
                    fastrand::u64(..1 << 48),
                    fastrand::u64(..1 << 48)
                )
            });
        RequestContext {
            request_id,
            extended_request_id: base64::engine::general_purpose::STANDARD.encode(ext),
            trace_id,
            api_id: String::new(),
            stage: String::new(),
            deployment_id: String::new(),
            resource_id: String::new(),
            resource_path: String::new(),
            http_method: String::new(),
            path: String::new(),
            domain_name: String::new(),
            source_ip: peer.ip().to_string(),
            user_agent: headers
                .get(http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            request_time_epoch_ms: now.as_millis() as i64,
            path_params: Vec::new(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            stage_variables: Arc::default(),
            request_path: String::new(),
            method_arn: String::new(),
            connection,
            identity: CallerIdentity::default(),
            authorizer: None,
            usage_identifier_key: None,
            test_invoke: None,
        }
    }

    /// Writes `message()` to the execution log of a simulated request; does nothing (and does
    /// not build the message) for a real one.
    pub fn log(&self, message: impl FnOnce() -> String) {
        if let Some(log) = &self.test_invoke {
            log.push(&message());
        }
    }

    /// Whether anything reads the execution log (build costly messages only then).
    pub fn logging(&self) -> bool {
        self.test_invoke.is_some()
    }

    /// Whether the request is simulated (a test invocation) rather than one that arrived on a
    /// connection: no client address, no `X-Forwarded-*` headers.
    pub fn simulated(&self) -> bool {
        self.test_invoke.is_some()
    }

    /// A context for rendering outside any request (gateway responses before a stage is known).
    pub fn detached() -> Self {
        let unspecified = SocketAddr::from(([0, 0, 0, 0], 0));
        RequestContext::new(
            &HeaderMap::new(),
            ConnectionInfo {
                peer: unspecified,
                local: unspecified,
                tls: false,
                http2: false,
            },
        )
    }

    pub fn stage_variable(&self, name: &str) -> Option<&str> {
        self.stage_variables.get(name).map(String::as_str)
    }

    /// A method request parameter: `path`, `querystring` (last value), `header` (last value),
    /// `multivaluequerystring` / `multivalueheader` (comma-joined).
    pub fn request_parameter(&self, location: &str, name: &str) -> Option<String> {
        match location {
            "path" => self
                .path_params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone()),
            "querystring" => self
                .query
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone()),
            "multivaluequerystring" => {
                let values: Vec<&str> = self
                    .query
                    .iter()
                    .filter(|(k, _)| k == name)
                    .map(|(_, v)| v.as_str())
                    .collect();
                (!values.is_empty()).then(|| values.join(","))
            }
            "header" => self
                .headers
                .get_all(name)
                .iter()
                .next_back()
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            "multivalueheader" => {
                let values: Vec<&str> = self
                    .headers
                    .get_all(name)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                (!values.is_empty()).then(|| values.join(","))
            }
            _ => None,
        }
    }

    /// `$context.requestTime`: `dd/MMM/yyyy:HH:mm:ss +0000`.
    pub fn request_time(&self) -> String {
        let format = time::macros::format_description!(
            "[day]/[month repr:short]/[year]:[hour]:[minute]:[second] +0000"
        );
        time::OffsetDateTime::from_unix_timestamp(self.request_time_epoch_ms / 1000)
            .ok()
            .and_then(|t| t.format(format).ok())
            .unwrap_or_default()
    }

    /// A `$context.X` variable by name (without the `context.` prefix).
    pub fn context_variable(&self, name: &str) -> Option<String> {
        Some(match name {
            "accountId" => ACCOUNT_ID.to_owned(),
            "apiId" => self.api_id.clone(),
            "deploymentId" => self.deployment_id.clone(),
            "domainName" => self.domain_name.clone(),
            "domainPrefix" => self.domain_name.split('.').next().unwrap_or("").to_owned(),
            "extendedRequestId" => self.extended_request_id.clone(),
            "httpMethod" => self.http_method.clone(),
            "identity.sourceIp" => self.source_ip.clone(),
            "identity.userAgent" => self.user_agent.clone()?,
            "identity.apiKey" => self.identity.api_key.clone()?,
            "identity.apiKeyId" => self.identity.api_key_id.clone()?,
            "identity.accessKey" => self.identity.access_key.clone()?,
            "identity.accountId" => self.identity.account_id.clone()?,
            "identity.caller" => self.identity.caller.clone()?,
            "identity.user" => self.identity.user.clone()?,
            "identity.userArn" => self.identity.user_arn.clone()?,
            "authorizer.principalId" => self.authorizer.as_ref()?.principal_id.clone()?,
            "path" => self.path.clone(),
            "protocol" => "HTTP/1.1".to_owned(),
            "requestId" | "awsEndpointRequestId" => self.request_id.clone(),
            "requestTime" => self.request_time(),
            "requestTimeEpoch" => self.request_time_epoch_ms.to_string(),
            "resourceId" => self.resource_id.clone(),
            "resourcePath" => self.resource_path.clone(),
            "stage" => self.stage.clone(),
            "isCanaryRequest" => "false".to_owned(),
            other => {
                let authorizer = self.authorizer.as_ref()?;
                let key = other.strip_prefix("authorizer.")?;
                if let Some(claim) = key.strip_prefix("claims.") {
                    let claims = authorizer.claims.as_ref()?;
                    return claims
                        .iter()
                        .find(|(k, _)| k == claim)
                        .map(|(_, v)| v.clone());
                }
                return authorizer
                    .context
                    .iter()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.clone());
            }
        })
    }
}
