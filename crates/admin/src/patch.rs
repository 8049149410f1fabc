//! AWS's PATCH bodies: `{"patchOperations": [{"op", "path", "value", "from"}]}`, applied in order
//! and all or nothing (callers apply them to a copy and store it once).

use serde::Deserialize;

use crate::ApiError;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PatchBody {
    #[serde(default)]
    pub patch_operations: Vec<PatchOperation>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PatchOperation {
    pub op: String,
    pub path: String,
    #[serde(default)]
    pub value: Option<String>,
}

impl PatchOperation {
    /// The value, required for this operation.
    pub fn value(&self) -> Result<&str, ApiError> {
        self.value.as_deref().ok_or_else(|| {
            ApiError::bad(format!(
                "Invalid null or empty value for patch path {}",
                self.path
            ))
        })
    }

    /// A boolean value (`"true"` / `"false"`).
    pub fn bool_value(&self) -> Result<bool, ApiError> {
        match self.value()?.to_ascii_lowercase().as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(ApiError::bad(format!(
                "Invalid value '{other}' for patch path {}",
                self.path
            ))),
        }
    }

    /// A number value.
    pub fn number<T: std::str::FromStr>(&self) -> Result<T, ApiError> {
        let v = self.value()?;
        v.trim()
            .parse()
            .map_err(|_| ApiError::bad(format!("Invalid value '{v}' for patch path {}", self.path)))
    }

    /// AWS's error for a path the resource does not have.
    pub fn invalid_path(&self) -> ApiError {
        ApiError::bad(format!("Invalid patch path {}", self.path))
    }

    /// AWS's error for an operation a path does not take.
    pub fn unsupported_op(&self) -> ApiError {
        ApiError::bad(format!(
            "Invalid patch path  '{}' specified for op '{}'. Please choose supported operations",
            self.path, self.op
        ))
    }
}

/// Decodes a JSON-pointer segment (`~1` is `/`, `~0` is `~`).
pub(crate) fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}
