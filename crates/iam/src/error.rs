//! SigV4 verification failures with AWS's texts (reference §6 table).
//!
//! Every failure is HTTP 403. [`SigV4Error::message`] is the `message` body text,
//! [`SigV4Error::error_type`] the `x-amzn-ErrorType` value, and
//! [`SigV4Error::gateway_response_type`] the gateway response that renders it.

/// The clock skew both ways that header-signed requests may have, in seconds.
pub const MAX_SKEW_SECS: u64 = 300;

/// Longest `X-Amz-Expires` SigV4 allows (7 days).
pub const MAX_PRESIGN_EXPIRES_SECS: u64 = 604_800;

/// Why a request failed SigV4 verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigV4Error {
    /// Neither an `Authorization` header nor presigned query parameters.
    MissingAuthenticationToken,
    /// An `Authorization` header that is not a complete SigV4 header (e.g. `Bearer x`).
    IncompleteSignature {
        /// The missing parts, each one of `Credential`, `Signature`, `SignedHeaders`, `Date`.
        missing: Vec<&'static str>,
        /// The header value as received.
        authorization: String,
    },
    /// Presigned query parameters with some required ones missing.
    IncompleteQuery {
        /// The missing parameter names (`X-Amz-Algorithm`, ...).
        missing: Vec<&'static str>,
    },
    /// The access key id is unknown, or the session token does not belong to it.
    UnrecognizedClient,
    /// The credential's expiration has passed.
    ExpiredToken,
    /// The credential scope names another region.
    WrongRegion {
        /// The region in the scope.
        scope_region: String,
    },
    /// The credential scope names another service than the one verified for.
    WrongService {
        /// The service in the scope.
        scope_service: String,
        /// The service the request was sent to (`execute-api`, `apigateway`).
        expected: String,
    },
    /// The scope does not end in `aws4_request`.
    WrongTerminator {
        /// The terminator found.
        terminator: String,
    },
    /// The scope date differs from the request date.
    ScopeDateMismatch {
        /// `YYYYMMDD` from the scope.
        scope_date: String,
        /// `YYYYMMDD` of the request time.
        request_date: String,
        /// The request time as `YYYYMMDDTHHMMSSZ`.
        request_time: String,
    },
    /// `X-Amz-Date` / `Date` is not parseable.
    MalformedDate {
        /// The value received.
        value: String,
    },
    /// `X-Amz-Expires` is not an integer in `1..=604800`.
    InvalidExpires {
        /// The value received.
        value: String,
    },
    /// `host` is not among the signed headers.
    HostNotSigned,
    /// The request time is more than 5 minutes in the past (header form).
    SignatureExpired {
        /// Request time, `YYYYMMDDTHHMMSSZ`.
        request_time: String,
        /// Server time, `YYYYMMDDTHHMMSSZ`.
        now: String,
        /// Server time minus 5 minutes, `YYYYMMDDTHHMMSSZ`.
        limit: String,
    },
    /// The request time is more than 5 minutes in the future.
    SignatureNotYetCurrent {
        /// Request time, `YYYYMMDDTHHMMSSZ`.
        request_time: String,
        /// Server time, `YYYYMMDDTHHMMSSZ`.
        now: String,
        /// Server time plus 5 minutes, `YYYYMMDDTHHMMSSZ`.
        limit: String,
    },
    /// A presigned URL used after `X-Amz-Date + X-Amz-Expires`.
    PresignExpired {
        /// Request time, `YYYYMMDDTHHMMSSZ`.
        request_time: String,
        /// Server time, `YYYYMMDDTHHMMSSZ`.
        now: String,
        /// Server time minus `X-Amz-Expires`, `YYYYMMDDTHHMMSSZ`.
        limit: String,
        /// `X-Amz-Expires` in seconds.
        expires_secs: u64,
    },
    /// `x-amz-content-sha256` does not match the body.
    ContentSha256Mismatch,
    /// The signature does not match.
    InvalidSignature {
        /// The canonical request the server computed.
        canonical_request: String,
        /// The string to sign the server computed.
        string_to_sign: String,
    },
}

const INVALID_SIGNATURE_LEAD: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

impl SigV4Error {
    /// The `message` text.
    ///
    /// Confirmed by reference §6: missing token, unknown key, wrong signature, expired /
    /// not-yet-current, expired token; incomplete header wording is marked unconfirmed there.
    /// The scope, date-format, expires, host-not-signed, presign-expired and content-hash texts
    /// are modelled on other AWS services' SigV4 messages (unconfirmed for API Gateway).
    pub fn message(&self) -> String {
        match self {
            Self::MissingAuthenticationToken => "Missing Authentication Token".to_owned(),
            Self::IncompleteSignature {
                missing,
                authorization,
            } => {
                let mut s = String::new();
                for part in missing {
                    let sentence = match *part {
                        "Date" => "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ".to_owned(),
                        other => format!("Authorization header requires '{other}' parameter. "),
                    };
                    s.push_str(&sentence);
                }
                s.push_str("Authorization=");
                s.push_str(authorization);
                s
            }
            Self::IncompleteQuery { missing } => {
                let mut s = String::new();
                for p in missing {
                    s.push_str(&format!("AWS query-string parameters must include '{p}'. "));
                }
                s.push_str("Re-examine the query-string parameters.");
                s
            }
            Self::UnrecognizedClient => {
                "The security token included in the request is invalid.".to_owned()
            }
            Self::ExpiredToken => {
                "The security token included in the request is expired".to_owned()
            }
            Self::WrongRegion { .. } => "Credential should be scoped to a valid region.".to_owned(),
            Self::WrongService { expected, .. } => {
                format!("Credential should be scoped to correct service: '{expected}'. ")
            }
            Self::WrongTerminator { terminator } => format!(
                "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'. "
            ),
            Self::ScopeDateMismatch {
                scope_date,
                request_date,
                request_time,
            } => format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope_date}' != '{request_date}', from '{request_time}'."
            ),
            Self::MalformedDate { value } => format!(
                "Date must be in ISO-8601 'basic format'. Got '{value}'. See http://en.wikipedia.org/wiki/ISO_8601"
            ),
            Self::InvalidExpires { value } => format!(
                "X-Amz-Expires must be a positive integer no larger than 604800 (one week); got '{value}'."
            ),
            Self::HostNotSigned => {
                "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
                    .to_owned()
            }
            Self::SignatureExpired {
                request_time,
                now,
                limit,
            } => format!(
                "Signature expired: {request_time} is now earlier than {limit} ({now} - 5 min.)"
            ),
            Self::SignatureNotYetCurrent {
                request_time,
                now,
                limit,
            } => format!(
                "Signature not yet current: {request_time} is still later than {limit} ({now} + 5 min.)"
            ),
            Self::PresignExpired {
                request_time,
                now,
                limit,
                expires_secs,
            } => format!(
                "Signature expired: {request_time} is now earlier than {limit} ({now} - {expires_secs} sec.)"
            ),
            Self::ContentSha256Mismatch => {
                "The provided 'x-amz-content-sha256' header does not match what was computed."
                    .to_owned()
            }
            Self::InvalidSignature {
                canonical_request,
                string_to_sign,
            } => format!(
                "{INVALID_SIGNATURE_LEAD}\n\nThe Canonical String for this request should have been\n'{canonical_request}'\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n"
            ),
        }
    }

    /// The `x-amzn-ErrorType` value.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            Self::IncompleteSignature { .. } | Self::IncompleteQuery { .. } => {
                "IncompleteSignatureException"
            }
            Self::UnrecognizedClient => "UnrecognizedClientException",
            Self::ExpiredToken => "ExpiredTokenException",
            _ => "InvalidSignatureException",
        }
    }

    /// The gateway response type used to render the error. `UnrecognizedClient` has no
    /// documented type; `INVALID_SIGNATURE` is used (unconfirmed).
    pub fn gateway_response_type(&self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MISSING_AUTHENTICATION_TOKEN",
            Self::ExpiredToken => "EXPIRED_TOKEN",
            _ => "INVALID_SIGNATURE",
        }
    }

    /// The HTTP status: always 403.
    pub fn status(&self) -> u16 {
        403
    }
}

impl std::fmt::Display for SigV4Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error_type(), self.message())
    }
}

impl std::error::Error for SigV4Error {}
