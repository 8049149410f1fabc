//! Methods, integrations and their responses.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::is_false;

/// A method verb as API Gateway accepts it. `Any` matches every verb in [`HttpMethod::CONCRETE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Delete,
    Get,
    Head,
    Options,
    Patch,
    Post,
    Put,
    Any,
}

impl HttpMethod {
    /// The verbs `ANY` stands for (HEAD is not derived from GET and OPTIONS is not auto-answered).
    pub const CONCRETE: [HttpMethod; 7] = [
        HttpMethod::Delete,
        HttpMethod::Get,
        HttpMethod::Head,
        HttpMethod::Options,
        HttpMethod::Patch,
        HttpMethod::Post,
        HttpMethod::Put,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Delete => "DELETE",
            HttpMethod::Get => "GET",
            HttpMethod::Head => "HEAD",
            HttpMethod::Options => "OPTIONS",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Any => "ANY",
        }
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The verb was not one API Gateway accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY"
)]
pub struct InvalidHttpMethod;

impl FromStr for HttpMethod {
    type Err = InvalidHttpMethod;

    /// Case-insensitive, as PutMethod is.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_uppercase().as_str() {
            "DELETE" => HttpMethod::Delete,
            "GET" => HttpMethod::Get,
            "HEAD" => HttpMethod::Head,
            "OPTIONS" => HttpMethod::Options,
            "PATCH" => HttpMethod::Patch,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "ANY" => HttpMethod::Any,
            _ => return Err(InvalidHttpMethod),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthorizationType {
    #[default]
    None,
    AwsIam,
    Custom,
    CognitoUserPools,
}

/// A method of a resource: the front end of the request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Method {
    pub http_method: HttpMethod,
    #[serde(default)]
    pub authorization_type: AuthorizationType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorizer_id: Option<String>,
    #[serde(default)]
    pub api_key_required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation_name: Option<String>,
    /// `method.request.{path|querystring|header|multivaluequerystring|multivalueheader}.NAME` →
    /// required.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_parameters: BTreeMap<String, bool>,
    /// Content type → model name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_models: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_validator_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authorization_scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub method_responses: BTreeMap<String, MethodResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method_integration: Option<Integration>,
}

impl Method {
    /// A method with AWS's PutMethod defaults.
    pub fn new(http_method: HttpMethod) -> Self {
        Method {
            http_method,
            authorization_type: AuthorizationType::None,
            authorizer_id: None,
            api_key_required: false,
            operation_name: None,
            request_parameters: BTreeMap::new(),
            request_models: BTreeMap::new(),
            request_validator_id: None,
            authorization_scopes: Vec::new(),
            method_responses: BTreeMap::new(),
            method_integration: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MethodResponse {
    pub status_code: String,
    /// `method.response.header.NAME` → required.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_parameters: BTreeMap<String, bool>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_models: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IntegrationType {
    Http,
    HttpProxy,
    Aws,
    AwsProxy,
    Mock,
}

impl IntegrationType {
    pub fn as_str(self) -> &'static str {
        match self {
            IntegrationType::Http => "HTTP",
            IntegrationType::HttpProxy => "HTTP_PROXY",
            IntegrationType::Aws => "AWS",
            IntegrationType::AwsProxy => "AWS_PROXY",
            IntegrationType::Mock => "MOCK",
        }
    }

    /// Parses any case (`http_proxy` in OpenAPI extensions, `HTTP_PROXY` in the API).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_uppercase().as_str() {
            "HTTP" => IntegrationType::Http,
            "HTTP_PROXY" => IntegrationType::HttpProxy,
            "AWS" => IntegrationType::Aws,
            "AWS_PROXY" => IntegrationType::AwsProxy,
            "MOCK" => IntegrationType::Mock,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PassthroughBehavior {
    #[default]
    WhenNoMatch,
    WhenNoTemplates,
    Never,
}

impl PassthroughBehavior {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_uppercase().as_str() {
            "WHEN_NO_MATCH" => PassthroughBehavior::WhenNoMatch,
            "WHEN_NO_TEMPLATES" => PassthroughBehavior::WhenNoTemplates,
            "NEVER" => PassthroughBehavior::Never,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContentHandling {
    ConvertToBinary,
    ConvertToText,
}

impl ContentHandling {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_uppercase().as_str() {
            "CONVERT_TO_BINARY" => ContentHandling::ConvertToBinary,
            "CONVERT_TO_TEXT" => ContentHandling::ConvertToText,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConnectionType {
    #[default]
    Internet,
    VpcLink,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TlsConfig {
    #[serde(default, skip_serializing_if = "is_false")]
    pub insecure_skip_verification: bool,
}

/// The back end of a method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Integration {
    #[serde(rename = "type")]
    pub kind: IntegrationType,
    /// The verb sent to the backend (the SDK's `integrationHttpMethod`); `ANY` = the request's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default)]
    pub connection_type: ConnectionType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials: Option<String>,
    /// `integration.request.{path|querystring|header}.NAME` → source expression.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_parameters: BTreeMap<String, String>,
    /// Content type → VTL template.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_templates: BTreeMap<String, String>,
    #[serde(default)]
    pub passthrough_behavior: PassthroughBehavior,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<ContentHandling>,
    #[serde(default = "Integration::default_timeout")]
    pub timeout_in_millis: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_namespace: Option<String>,
    #[serde(default)]
    pub cache_key_parameters: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_config: Option<TlsConfig>,
    /// Status code → response.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub integration_responses: BTreeMap<String, IntegrationResponse>,
}

impl Integration {
    /// AWS's default and maximum integration timeout.
    pub const DEFAULT_TIMEOUT_MS: u32 = 29_000;
    /// AWS's minimum integration timeout.
    pub const MIN_TIMEOUT_MS: u32 = 50;

    fn default_timeout() -> u32 {
        Self::DEFAULT_TIMEOUT_MS
    }

    /// An integration of `kind` with AWS's PutIntegration defaults.
    pub fn new(kind: IntegrationType) -> Self {
        Integration {
            kind,
            http_method: None,
            uri: None,
            connection_type: ConnectionType::Internet,
            connection_id: None,
            credentials: None,
            request_parameters: BTreeMap::new(),
            request_templates: BTreeMap::new(),
            passthrough_behavior: PassthroughBehavior::WhenNoMatch,
            content_handling: None,
            timeout_in_millis: Self::DEFAULT_TIMEOUT_MS,
            cache_namespace: None,
            cache_key_parameters: Vec::new(),
            tls_config: None,
            integration_responses: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntegrationResponse {
    pub status_code: String,
    /// Java regex matched against the whole status code (HTTP) or `errorMessage` (Lambda);
    /// absent or empty = the default response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_pattern: Option<String>,
    /// `method.response.header.NAME` → source expression.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_parameters: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_templates: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_handling: Option<ContentHandling>,
}

impl IntegrationResponse {
    /// True when this is the default response (no or an empty selection pattern).
    pub fn is_default(&self) -> bool {
        self.selection_pattern.as_deref().is_none_or(str::is_empty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn put_method_echo_matches_aws() {
        let m = Method::new(HttpMethod::Any);
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            json!({"httpMethod":"ANY","authorizationType":"NONE","apiKeyRequired":false})
        );
    }

    #[test]
    fn integration_defaults_match_aws() {
        let i: Integration =
            serde_json::from_value(json!({"type":"HTTP_PROXY","uri":"http://x/"})).unwrap();
        assert_eq!(i.timeout_in_millis, 29_000);
        assert_eq!(i.passthrough_behavior, PassthroughBehavior::WhenNoMatch);
        let v = serde_json::to_value(&i).unwrap();
        assert_eq!(v["connectionType"], "INTERNET");
        assert_eq!(v["passthroughBehavior"], "WHEN_NO_MATCH");
        assert_eq!(v["cacheKeyParameters"], json!([]));
        assert_eq!(v["type"], "HTTP_PROXY");
    }

    #[test]
    fn verbs_parse_case_insensitively() {
        assert_eq!("get".parse::<HttpMethod>(), Ok(HttpMethod::Get));
        assert_eq!("Any".parse::<HttpMethod>(), Ok(HttpMethod::Any));
        assert!("TRACE".parse::<HttpMethod>().is_err());
        assert_eq!(
            IntegrationType::parse("http_proxy"),
            Some(IntegrationType::HttpProxy)
        );
    }
}
