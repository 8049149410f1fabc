//! Policy parsing errors.

/// Why a policy document was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// The text is not valid JSON.
    #[error("policy is not valid JSON: {0}")]
    Json(String),
    /// A required element is missing.
    #[error("policy is missing required element {0}")]
    MissingElement(&'static str),
    /// An element has the wrong shape.
    #[error("invalid {element}: {reason}")]
    InvalidElement {
        /// The element name.
        element: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// `Effect` is neither `Allow` nor `Deny`.
    #[error("invalid Effect {0:?}: expected \"Allow\" or \"Deny\"")]
    InvalidEffect(String),
    /// A condition operator that is not an IAM operator (or is not supported).
    #[error("unknown condition operator {0:?}")]
    UnknownConditionOperator(String),
    /// A condition value that does not fit its operator (bad CIDR, date, number, type).
    #[error("invalid value {value} for {operator} on {key}: {reason}")]
    InvalidConditionValue {
        /// The operator as written.
        operator: String,
        /// The condition key as written.
        key: String,
        /// The offending value.
        value: String,
        /// What is wrong.
        reason: String,
    },
}
