//! AWS's management-API errors: `{"message": ...}` with the exception name in `x-amzn-ErrorType`.

use http::StatusCode;
use tollgate_store::StoreError;

/// A refused management call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 400 `BadRequestException`: invalid input or a rule violation.
    BadRequest(String),
    /// 404 `NotFoundException`: an unknown id.
    NotFound(String),
    /// 409 `ConflictException`: a duplicate, or a resource in use.
    Conflict(String),
    /// 400 `SerializationException`: a body that is not the JSON the operation takes.
    Serialization(String),
    /// 500: the store failed.
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::Serialization(_) => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The exception name SDKs read from `x-amzn-ErrorType`.
    pub fn error_type(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "BadRequestException",
            ApiError::NotFound(_) => "NotFoundException",
            ApiError::Conflict(_) => "ConflictException",
            ApiError::Serialization(_) => "SerializationException",
            ApiError::Internal(_) => "InternalFailureException",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            ApiError::BadRequest(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::Serialization(m)
            | ApiError::Internal(m) => m,
        }
    }

    pub(crate) fn bad(message: impl Into<String>) -> ApiError {
        ApiError::BadRequest(message.into())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let message = e.to_string();
        match e {
            StoreError::Conflict(_) => ApiError::Conflict(message),
            StoreError::BadRequest(_) => ApiError::BadRequest(message),
            StoreError::Backend(_) => ApiError::Internal(message),
            _ => ApiError::NotFound(message),
        }
    }
}
