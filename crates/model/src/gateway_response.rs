//! Gateway responses: the responses API Gateway itself produces when a request cannot reach, or
//! comes back badly from, its integration.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Every gateway response type AWS defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum GatewayResponseType {
    AccessDenied,
    ApiConfigurationError,
    AuthorizerConfigurationError,
    AuthorizerFailure,
    BadRequestParameters,
    BadRequestBody,
    #[serde(rename = "DEFAULT_4XX")]
    Default4xx,
    #[serde(rename = "DEFAULT_5XX")]
    Default5xx,
    ExpiredToken,
    IntegrationFailure,
    IntegrationTimeout,
    InvalidApiKey,
    InvalidSignature,
    MissingAuthenticationToken,
    QuotaExceeded,
    RequestTooLarge,
    ResourceNotFound,
    Throttled,
    Unauthorized,
    UnsupportedMediaType,
    WafFiltered,
}

impl GatewayResponseType {
    pub const ALL: [GatewayResponseType; 21] = [
        GatewayResponseType::AccessDenied,
        GatewayResponseType::ApiConfigurationError,
        GatewayResponseType::AuthorizerConfigurationError,
        GatewayResponseType::AuthorizerFailure,
        GatewayResponseType::BadRequestParameters,
        GatewayResponseType::BadRequestBody,
        GatewayResponseType::Default4xx,
        GatewayResponseType::Default5xx,
        GatewayResponseType::ExpiredToken,
        GatewayResponseType::IntegrationFailure,
        GatewayResponseType::IntegrationTimeout,
        GatewayResponseType::InvalidApiKey,
        GatewayResponseType::InvalidSignature,
        GatewayResponseType::MissingAuthenticationToken,
        GatewayResponseType::QuotaExceeded,
        GatewayResponseType::RequestTooLarge,
        GatewayResponseType::ResourceNotFound,
        GatewayResponseType::Throttled,
        GatewayResponseType::Unauthorized,
        GatewayResponseType::UnsupportedMediaType,
        GatewayResponseType::WafFiltered,
    ];

    /// The built-in response template every type starts with.
    pub const DEFAULT_TEMPLATE: &'static str = "{\"message\":$context.error.messageString}";

    pub fn as_str(self) -> &'static str {
        use GatewayResponseType::*;
        match self {
            AccessDenied => "ACCESS_DENIED",
            ApiConfigurationError => "API_CONFIGURATION_ERROR",
            AuthorizerConfigurationError => "AUTHORIZER_CONFIGURATION_ERROR",
            AuthorizerFailure => "AUTHORIZER_FAILURE",
            BadRequestParameters => "BAD_REQUEST_PARAMETERS",
            BadRequestBody => "BAD_REQUEST_BODY",
            Default4xx => "DEFAULT_4XX",
            Default5xx => "DEFAULT_5XX",
            ExpiredToken => "EXPIRED_TOKEN",
            IntegrationFailure => "INTEGRATION_FAILURE",
            IntegrationTimeout => "INTEGRATION_TIMEOUT",
            InvalidApiKey => "INVALID_API_KEY",
            InvalidSignature => "INVALID_SIGNATURE",
            MissingAuthenticationToken => "MISSING_AUTHENTICATION_TOKEN",
            QuotaExceeded => "QUOTA_EXCEEDED",
            RequestTooLarge => "REQUEST_TOO_LARGE",
            ResourceNotFound => "RESOURCE_NOT_FOUND",
            Throttled => "THROTTLED",
            Unauthorized => "UNAUTHORIZED",
            UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            WafFiltered => "WAF_FILTERED",
        }
    }

    /// AWS's default status code; `None` for DEFAULT_4XX/DEFAULT_5XX, which have none of their own.
    pub fn default_status(self) -> Option<u16> {
        use GatewayResponseType::*;
        Some(match self {
            AccessDenied => 403,
            ApiConfigurationError => 500,
            AuthorizerConfigurationError => 500,
            AuthorizerFailure => 500,
            BadRequestParameters => 400,
            BadRequestBody => 400,
            Default4xx | Default5xx => return None,
            ExpiredToken => 403,
            IntegrationFailure => 504,
            IntegrationTimeout => 504,
            InvalidApiKey => 403,
            InvalidSignature => 403,
            MissingAuthenticationToken => 403,
            QuotaExceeded => 429,
            RequestTooLarge => 413,
            ResourceNotFound => 404,
            Throttled => 429,
            Unauthorized => 401,
            UnsupportedMediaType => 415,
            WafFiltered => 403,
        })
    }

    /// The message AWS puts in `$context.error.message` when nothing more specific is known.
    /// `None` renders `{"message":null}`.
    pub fn default_message(self) -> Option<&'static str> {
        use GatewayResponseType::*;
        Some(match self {
            AccessDenied => "User is not authorized to access this resource",
            ApiConfigurationError | IntegrationFailure | AuthorizerFailure | Default5xx => {
                "Internal server error"
            }
            AuthorizerConfigurationError => return None,
            BadRequestParameters => "Missing required request parameters: []",
            BadRequestBody => "Invalid request body",
            ExpiredToken => "The security token included in the request is expired",
            IntegrationTimeout => "Endpoint request timed out",
            InvalidApiKey | WafFiltered | Default4xx => "Forbidden",
            InvalidSignature => {
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
            }
            MissingAuthenticationToken => "Missing Authentication Token",
            QuotaExceeded => "Limit Exceeded",
            RequestTooLarge => "Request Too Long",
            ResourceNotFound => "Resource not found",
            Throttled => "Too Many Requests",
            Unauthorized => "Unauthorized",
            UnsupportedMediaType => "Unsupported Media Type",
        })
    }

    /// The `x-amzn-ErrorType` header value AWS sends with this type, where it sends one.
    pub fn error_type(self) -> Option<&'static str> {
        use GatewayResponseType::*;
        Some(match self {
            AccessDenied => "AccessDeniedException",
            ApiConfigurationError | IntegrationFailure | AuthorizerFailure => {
                "InternalServerErrorException"
            }
            AuthorizerConfigurationError => "AuthorizerConfigurationException",
            BadRequestParameters | BadRequestBody => "BadRequestException",
            ExpiredToken => "ExpiredTokenException",
            IntegrationTimeout => "InternalServerErrorException",
            InvalidApiKey | WafFiltered => "ForbiddenException",
            InvalidSignature => "InvalidSignatureException",
            MissingAuthenticationToken => "MissingAuthenticationTokenException",
            QuotaExceeded => "LimitExceededException",
            RequestTooLarge => "RequestTooLargeException",
            ResourceNotFound => "ResourceNotFoundException",
            Throttled => "TooManyRequestsException",
            Unauthorized => "UnauthorizedException",
            UnsupportedMediaType => "UnsupportedMediaTypeException",
            Default4xx | Default5xx => return None,
        })
    }

    /// Whether the body's key is `Message` (ACCESS_DENIED) rather than `message`.
    pub fn capital_message_key(self) -> bool {
        self == GatewayResponseType::AccessDenied
    }

    /// Which DEFAULT_4XX / DEFAULT_5XX class the type falls back to.
    pub fn class_default(self) -> Option<GatewayResponseType> {
        match self.default_status()? {
            400..=499 => Some(GatewayResponseType::Default4xx),
            _ => Some(GatewayResponseType::Default5xx),
        }
    }

    /// REQUEST_TOO_LARGE cannot be customised.
    pub fn customizable(self) -> bool {
        self != GatewayResponseType::RequestTooLarge
    }
}

impl fmt::Display for GatewayResponseType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown gateway response type '{0}'")]
pub struct UnknownGatewayResponseType(pub String);

impl FromStr for GatewayResponseType {
    type Err = UnknownGatewayResponseType;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GatewayResponseType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownGatewayResponseType(s.to_owned()))
    }
}

/// A customised gateway response of one API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GatewayResponse {
    pub response_type: GatewayResponseType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<String>,
    /// `gatewayresponse.header.NAME` → `'static'`, `method.request.*`, `stageVariables.*`, `context.*`.
    #[serde(default)]
    pub response_parameters: BTreeMap<String, String>,
    #[serde(default)]
    pub response_templates: BTreeMap<String, String>,
    #[serde(default)]
    pub default_response: bool,
}

impl GatewayResponse {
    /// The untouched response of `kind`, as GetGatewayResponses lists it.
    pub fn builtin(kind: GatewayResponseType) -> Self {
        GatewayResponse {
            response_type: kind,
            status_code: kind.default_status().map(|s| s.to_string()),
            response_parameters: BTreeMap::new(),
            response_templates: BTreeMap::from([(
                "application/json".to_owned(),
                GatewayResponseType::DEFAULT_TEMPLATE.to_owned(),
            )]),
            default_response: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in GatewayResponseType::ALL {
            assert_eq!(t.as_str().parse::<GatewayResponseType>(), Ok(t));
            assert_eq!(serde_json::to_value(t).unwrap(), t.as_str());
        }
    }

    #[test]
    fn builtin_reads_like_aws() {
        let v =
            serde_json::to_value(GatewayResponse::builtin(GatewayResponseType::Throttled)).unwrap();
        assert_eq!(
            v.to_string(),
            r#"{"responseType":"THROTTLED","statusCode":"429","responseParameters":{},"responseTemplates":{"application/json":"{\"message\":$context.error.messageString}"},"defaultResponse":true}"#
        );
    }
}
