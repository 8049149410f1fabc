//! AWS's management-API errors: `{"message": ...}` with the exception name in `x-amzn-ErrorType`.

use std::sync::{Arc, Mutex};

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
    /// 400 `ValidationException`: a value outside an enumeration or pattern of the API model.
    Validation(String),
    /// 429 `LimitExceededException`: one more would pass a quota (see [`crate::quotas`]).
    LimitExceeded(String),
    /// 500: the store failed.
    Internal(String),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::Serialization(_) | ApiError::Validation(_) => {
                StatusCode::BAD_REQUEST
            }
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::LimitExceeded(_) => StatusCode::TOO_MANY_REQUESTS,
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
            ApiError::Validation(_) => "ValidationException",
            ApiError::LimitExceeded(_) => "LimitExceededException",
            ApiError::Internal(_) => "InternalFailureException",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            ApiError::BadRequest(m)
            | ApiError::NotFound(m)
            | ApiError::Conflict(m)
            | ApiError::Serialization(m)
            | ApiError::Validation(m)
            | ApiError::LimitExceeded(m)
            | ApiError::Internal(m) => m,
        }
    }

    pub(crate) fn bad(message: impl Into<String>) -> ApiError {
        ApiError::BadRequest(message.into())
    }

    pub(crate) fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::NotFound(message.into())
    }

    /// AWS's ValidationException for one value outside an enumeration:
    /// `1 validation error detected: Value 'X' at 'putIntegrationInput.type' failed to satisfy
    /// constraint: Member must satisfy enum value set: [A, B]`.
    pub(crate) fn enum_value(value: &str, at: &str, allowed: &[&str]) -> ApiError {
        ApiError::Validation(format!(
            "1 validation error detected: Value '{value}' at '{at}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            allowed.join(", ")
        ))
    }

    /// AWS's ValidationException for required members left out:
    /// `1 validation error detected: Value null at 'createStageInput.stageName' failed to satisfy
    /// constraint: Member must not be null` (`N validation errors detected: a; b` for several).
    pub(crate) fn null_members(input: &str, members: &[&str]) -> ApiError {
        let each: Vec<String> = members
            .iter()
            .map(|m| {
                format!(
                    "Value null at '{input}.{m}' failed to satisfy constraint: Member must not be null"
                )
            })
            .collect();
        let n = each.len();
        ApiError::Validation(format!(
            "{n} validation error{} detected: {}",
            if n == 1 { "" } else { "s" },
            each.join("; ")
        ))
    }
}

impl ApiError {
    /// A store error as the management API reports it, except that an unknown API reads as
    /// `instead`: AWS answers several operations on an unknown API with the error of the item
    /// they name (`Invalid model name specified: X`, not `Invalid API identifier specified`).
    pub(crate) fn unknown_api_as(e: StoreError, instead: ApiError) -> ApiError {
        match e {
            StoreError::ApiNotFound(_) => instead,
            e => e.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        let message = e.to_string();
        match e {
            StoreError::Conflict(_) => ApiError::Conflict(message),
            StoreError::BadRequest(m) => ApiError::BadRequest(m),
            StoreError::Backend(_) => ApiError::Internal(message),
            _ => ApiError::NotFound(message),
        }
    }
}

impl From<ApiError> for StoreError {
    /// Lets an [`ApiError`] leave a [`tollgate_store::Store::edit_api`] closure. Only the kinds
    /// the store knows survive the trip: check request shapes (serialization, enumerations)
    /// before editing; [`Carried`] brings a `LimitExceeded` back.
    fn from(e: ApiError) -> StoreError {
        match e {
            ApiError::BadRequest(m) | ApiError::LimitExceeded(m) => StoreError::BadRequest(m),
            ApiError::NotFound(m) => StoreError::NotFound(m),
            ApiError::Conflict(m) => StoreError::Conflict(m),
            ApiError::Serialization(m) | ApiError::Validation(m) => StoreError::BadRequest(m),
            ApiError::Internal(m) => StoreError::Backend(m),
        }
    }
}

/// Carries what the store has no kind for (a [`ApiError::LimitExceeded`]) out of an edit
/// closure: the closure's error still aborts the transaction as a store error, and
/// [`Carried::or`] answers with the original.
#[derive(Clone, Default)]
pub(crate) struct Carried(Arc<Mutex<Option<ApiError>>>);

impl Carried {
    /// The closure's error as the store takes it, kept when the store cannot express it.
    pub(crate) fn through(&self, e: ApiError) -> StoreError {
        if matches!(e, ApiError::LimitExceeded(_))
            && let Ok(mut kept) = self.0.lock()
        {
            *kept = Some(e.clone());
        }
        e.into()
    }

    /// The kept error if the closure failed with one, else `e` as the management API says it.
    pub(crate) fn or(&self, e: StoreError) -> ApiError {
        match self.0.lock().ok().and_then(|mut kept| kept.take()) {
            Some(kept) => kept,
            None => e.into(),
        }
    }
}
