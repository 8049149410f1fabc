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

/// One operation of an Update* call's `patchOperations`.
#[derive(Debug, Clone, Deserialize)]
pub struct PatchOperation {
    pub op: String,
    /// Empty when the operation has none (AWS then answers `Invalid patch path null`).
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub value: Option<String>,
    /// The source path of a `copy` (the only operation that reads it).
    #[serde(default)]
    pub from: Option<String>,
}

impl PatchOperation {
    /// `{op, path, value}` (`op` is `add`, `remove`, `replace`, ...).
    pub fn new(op: &str, path: &str, value: Option<String>) -> PatchOperation {
        PatchOperation {
            op: op.to_owned(),
            path: path.to_owned(),
            value,
            from: None,
        }
    }

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

    /// AWS's error for a path the resource does not have (`null` for a missing path).
    pub fn invalid_path(&self) -> ApiError {
        let path = if self.path.is_empty() {
            "null"
        } else {
            &self.path
        };
        ApiError::bad(format!("Invalid patch path {path}"))
    }

    /// AWS's error for a path outside a resource's short list of replaceable paths (models,
    /// request validators): `Invalid patch path  '/x' specified for op 'replace'. Must be one
    /// of: [/a, /b]`.
    pub fn not_one_of(&self, allowed: &[&str]) -> ApiError {
        ApiError::bad(format!(
            "Invalid patch path  '{}' specified for op '{}'. Must be one of: [{}]",
            self.path,
            self.op,
            allowed.join(", ")
        ))
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

impl PatchOperation {
    /// The unescaped rest of the path after `prefix` (`/requestModels/` →
    /// `application/json` for `/requestModels/application~1json`); `None` when the path does not
    /// start with it or nothing follows.
    pub fn key_after(&self, prefix: &str) -> Option<String> {
        self.path
            .strip_prefix(prefix)
            .filter(|k| !k.is_empty())
            .map(unescape)
    }

    /// Applies an add/replace/remove of `key` to a map of flags (`requestParameters` of a
    /// method: `"true"`/`"false"`).
    pub fn apply_flag(
        &self,
        map: &mut std::collections::BTreeMap<String, bool>,
        key: String,
    ) -> Result<(), ApiError> {
        match self.op.as_str() {
            "add" | "replace" => {
                let value = self.bool_value()?;
                map.insert(key, value);
                Ok(())
            }
            "remove" => {
                map.remove(&key);
                Ok(())
            }
            _ => Err(self.unsupported_op()),
        }
    }

    /// Applies an add/replace/remove of `key` to a map of strings (templates, mappings, models).
    pub fn apply_text(
        &self,
        map: &mut std::collections::BTreeMap<String, String>,
        key: String,
    ) -> Result<(), ApiError> {
        match self.op.as_str() {
            "add" | "replace" => {
                map.insert(key, self.value.clone().unwrap_or_default());
                Ok(())
            }
            "remove" => {
                map.remove(&key);
                Ok(())
            }
            _ => Err(self.unsupported_op()),
        }
    }

    /// A value that sets the path: `add` and `replace` both do (the other operations are
    /// refused with AWS's text).
    pub fn set_value(&self) -> Result<&str, ApiError> {
        match self.op.as_str() {
            "add" | "replace" => self.value(),
            _ => Err(self.unsupported_op()),
        }
    }

    /// AWS's error for a value the path does not take.
    pub fn invalid_value(&self) -> ApiError {
        ApiError::bad(format!(
            "Invalid value '{}' for patch path {}",
            self.value.as_deref().unwrap_or(""),
            self.path
        ))
    }

    /// Only `op` is allowed on this path.
    pub fn require(&self, op: &str) -> Result<(), ApiError> {
        if self.op == op {
            Ok(())
        } else {
            Err(self.unsupported_op())
        }
    }

    /// A string value where an empty one means "unset".
    pub fn optional_value(&self) -> Option<String> {
        self.value.clone().filter(|v| !v.is_empty())
    }
}

impl PatchBody {
    /// Checks every operation's `op` first, as AWS does before applying any: an unknown one is
    /// a ValidationException naming its position (`updateXInput.patchOperations.1.member.op`).
    pub fn check_ops(&self, input: &str) -> Result<(), ApiError> {
        for (i, op) in self.patch_operations.iter().enumerate() {
            const OPS: [&str; 6] = ["add", "remove", "replace", "move", "copy", "test"];
            if !OPS.contains(&op.op.as_str()) {
                return Err(ApiError::enum_value(
                    &op.op,
                    &format!("{input}.patchOperations.{}.member.op", i + 1),
                    &OPS,
                ));
            }
        }
        Ok(())
    }
}
