//! Credentials configured in Tollgate, and the store that looks them up by access key id.

use std::collections::HashMap;
use std::time::SystemTime;

use serde::Deserialize;
use tollgate_policy::{ParseOptions, PolicyDocument, PolicyError};

/// One access key Tollgate accepts for `AWS_IAM` methods.
#[derive(Debug, Clone)]
pub struct Credential {
    /// The access key id (`AKIA...` / `ASIA...`).
    pub access_key_id: String,
    /// The secret access key used to derive signing keys.
    pub secret_access_key: String,
    /// For temporary credentials: the session token the caller must send
    /// (`X-Amz-Security-Token`). `None` for long-term keys, which then must not send one.
    pub session_token: Option<String>,
    /// When the credential stops working (`ExpiredTokenException` from then on).
    pub expires: Option<SystemTime>,
    /// The caller's account id (`$context.identity.accountId`).
    pub account_id: String,
    /// The caller's ARN (`$context.identity.userArn`), e.g. `arn:aws:iam::123456789012:user/alice`
    /// or `arn:aws:sts::123456789012:assumed-role/role/session`.
    pub principal_arn: String,
    /// The unique id (`$context.identity.caller` / `user`): `AIDA...` or `AROA...:session`.
    pub user_id: String,
    /// The identity policy evaluated for `execute-api:Invoke`; see [`crate::authorize`] for
    /// what `None` means.
    pub policy: Option<PolicyDocument>,
}

/// Credentials by access key id.
#[derive(Debug, Clone, Default)]
pub struct CredentialStore {
    by_key: HashMap<String, Credential>,
}

/// Why a credential file was rejected.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Not valid JSON, or not the documented shape.
    #[error("invalid credential file: {0}")]
    Json(#[from] serde_json::Error),
    /// An `expiration` that is not RFC 3339.
    #[error("credential {access_key_id}: invalid expiration {value:?} (expected RFC 3339)")]
    Expiration {
        /// The credential concerned.
        access_key_id: String,
        /// The offending value.
        value: String,
    },
    /// An identity policy that does not parse.
    #[error("credential {access_key_id}: invalid policy: {source}")]
    Policy {
        /// The credential concerned.
        access_key_id: String,
        /// The parse error.
        source: PolicyError,
    },
    /// The same access key id appears twice.
    #[error("duplicate access key id {0}")]
    Duplicate(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileShape {
    credentials: Vec<EntryShape>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EntryShape {
    access_key_id: String,
    secret_access_key: String,
    account_id: String,
    arn: String,
    user_id: String,
    #[serde(default)]
    session_token: Option<String>,
    #[serde(default)]
    expiration: Option<String>,
    #[serde(default)]
    policy: Option<serde_json::Value>,
}

impl CredentialStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces the credential for its access key id; returns the replaced one.
    pub fn insert(&mut self, credential: Credential) -> Option<Credential> {
        self.by_key
            .insert(credential.access_key_id.clone(), credential)
    }

    /// The credential for `access_key_id` (exact, case-sensitive match).
    pub fn get(&self, access_key_id: &str) -> Option<&Credential> {
        self.by_key.get(access_key_id)
    }

    /// Number of credentials.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether the store is empty.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Loads a store from JSON of this shape (`sessionToken`, `expiration`, `policy` optional;
    /// unknown fields are rejected):
    ///
    /// ```json
    /// {"credentials": [{
    ///   "accessKeyId": "AKIAEXAMPLE", "secretAccessKey": "...",
    ///   "accountId": "123456789012", "arn": "arn:aws:iam::123456789012:user/alice",
    ///   "userId": "AIDAEXAMPLE", "sessionToken": "...", "expiration": "2030-01-01T00:00:00Z",
    ///   "policy": {"Version": "2012-10-17", "Statement": [...]}
    /// }]}
    /// ```
    ///
    /// `policy` is an IAM identity policy object parsed with IAM-strict rules.
    pub fn from_json(json: &str) -> Result<Self, StoreError> {
        let file: FileShape = serde_json::from_str(json)?;
        let mut store = Self::new();
        for entry in file.credentials {
            let expires = match &entry.expiration {
                None => None,
                Some(value) => Some(
                    time::OffsetDateTime::parse(
                        value,
                        &time::format_description::well_known::Rfc3339,
                    )
                    .map_err(|_| StoreError::Expiration {
                        access_key_id: entry.access_key_id.clone(),
                        value: value.clone(),
                    })?
                    .into(),
                ),
            };
            let policy = match &entry.policy {
                None | Some(serde_json::Value::Null) => None,
                Some(v) => Some(
                    PolicyDocument::from_value(v, ParseOptions::default()).map_err(|source| {
                        StoreError::Policy {
                            access_key_id: entry.access_key_id.clone(),
                            source,
                        }
                    })?,
                ),
            };
            let key = entry.access_key_id.clone();
            let previous = store.insert(Credential {
                access_key_id: entry.access_key_id,
                secret_access_key: entry.secret_access_key,
                session_token: entry.session_token,
                expires,
                account_id: entry.account_id,
                principal_arn: entry.arn,
                user_id: entry.user_id,
                policy,
            });
            if previous.is_some() {
                return Err(StoreError::Duplicate(key));
            }
        }
        Ok(store)
    }
}
