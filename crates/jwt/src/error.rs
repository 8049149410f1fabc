//! Error values returned by configuration and by token validation.

use std::fmt;

/// Why a token was refused.
///
/// Every variant maps to HTTP 401 (see [`JwtError::status`]); only
/// [`JwtError::Expired`] carries a body message other than `Unauthorized`
/// (see [`JwtError::message`]). The variants exist for logs and metrics: the
/// client must only ever see [`JwtError::message`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwtError {
    /// The header value was absent, empty or only a `Bearer ` prefix.
    Missing,
    /// The token is not a well-formed compact JWS (parts, base64url, JSON,
    /// size, required header fields, non-object claims, ill-typed claims).
    Malformed(&'static str),
    /// The header `alg` is not one of the asymmetric algorithms accepted
    /// (`none` and every `HS*` land here).
    DisallowedAlgorithm(String),
    /// `iss` is missing or not one of the authorizer's issuers.
    WrongIssuer,
    /// No key in the issuer's JWKS has this `kid` (after the rate-limited refetch).
    UnknownKey(Option<String>),
    /// A key was found but is not usable with the header's `alg`
    /// (wrong key type or curve, or the JWK's own `alg` differs).
    KeyMismatch,
    /// The signature does not verify.
    BadSignature,
    /// `exp` is in the past (beyond the configured expiry leeway).
    Expired,
    /// `nbf` or `iat` lies in the future beyond the configured leeway.
    NotYetValid,
    /// The token kind (ID vs access token) does not fit the method: ID token
    /// required when the method has no scopes, access token otherwise.
    WrongTokenUse,
    /// The access token carries none of the method's `authorizationScopes`.
    InsufficientScope,
    /// `identityValidationExpression` did not match the audience / client id.
    AudienceMismatch,
    /// The issuer's keys could not be obtained (network, HTTP status, bad
    /// document) and no usable cached copy exists.
    ///
    /// AWS documents no behaviour for this case (Cognito's endpoint is never
    /// down in their docs). This crate maps it to 401 `Unauthorized`, like
    /// every other failure, because no AWS source says otherwise; a gateway
    /// that prefers to signal a server fault may answer 500 with
    /// `AUTHORIZER_CONFIGURATION_ERROR` instead, based on
    /// [`JwtError::is_keys_unavailable`].
    KeysUnavailable {
        /// The issuer whose keys were wanted.
        issuer: String,
        /// Human-readable cause, for logs only.
        reason: String,
    },
}

impl JwtError {
    /// The `message` of AWS's response body: `The incoming token has expired`
    /// for [`JwtError::Expired`], `Unauthorized` for everything else.
    pub fn message(&self) -> &'static str {
        match self {
            JwtError::Expired => "The incoming token has expired",
            _ => "Unauthorized",
        }
    }

    /// HTTP status the gateway answers with: always 401 (gateway response
    /// type `UNAUTHORIZED`, `x-amzn-ErrorType: UnauthorizedException`).
    pub fn status(&self) -> u16 {
        401
    }

    /// True for [`JwtError::Expired`].
    pub fn is_expired(&self) -> bool {
        matches!(self, JwtError::Expired)
    }

    /// True when the failure came from the issuer being unreachable rather
    /// than from the token (see [`JwtError::KeysUnavailable`]).
    pub fn is_keys_unavailable(&self) -> bool {
        matches!(self, JwtError::KeysUnavailable { .. })
    }
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtError::Missing => f.write_str("no token in the identity source"),
            JwtError::Malformed(why) => write!(f, "malformed token: {why}"),
            JwtError::DisallowedAlgorithm(alg) => write!(f, "algorithm {alg:?} is not accepted"),
            JwtError::WrongIssuer => f.write_str("issuer is not one of the authorizer's providers"),
            JwtError::UnknownKey(kid) => write!(f, "no signing key with kid {kid:?}"),
            JwtError::KeyMismatch => f.write_str("key type does not fit the token's algorithm"),
            JwtError::BadSignature => f.write_str("signature does not verify"),
            JwtError::Expired => f.write_str("token has expired"),
            JwtError::NotYetValid => f.write_str("token is not yet valid (nbf/iat in the future)"),
            JwtError::WrongTokenUse => f.write_str("wrong token kind for this method"),
            JwtError::InsufficientScope => f.write_str("token has none of the method's scopes"),
            JwtError::AudienceMismatch => {
                f.write_str("audience does not match identityValidationExpression")
            }
            JwtError::KeysUnavailable { issuer, reason } => {
                write!(f, "keys of issuer {issuer} unavailable: {reason}")
            }
        }
    }
}

impl std::error::Error for JwtError {}

/// A configuration the validator cannot work with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// An entry of `providerARNs` is neither a Cognito user pool ARN nor an
    /// `https://` (or loopback `http://`) issuer URL.
    #[error("invalid provider {0:?}: {1}")]
    InvalidProvider(String, &'static str),
    /// No providers were given.
    #[error("an authorizer needs at least one provider")]
    NoProviders,
    /// `identityValidationExpression` does not compile.
    #[error("invalid identityValidationExpression: {0}")]
    InvalidExpression(String),
    /// An override URL (Cognito endpoint, JWKS URI) is not usable.
    #[error("invalid URL {0:?}: {1}")]
    InvalidUrl(String, &'static str),
    /// The TLS client configuration could not be built.
    #[error("TLS setup failed: {0}")]
    Tls(String),
}
