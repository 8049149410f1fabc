//! Client certificates: what API Gateway presents to HTTP backends that ask for one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A generated client certificate, as AWS shows it. The private key is not part of it: the store
/// keeps it beside the certificate and the management API never returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientCertificate {
    pub client_certificate_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub pem_encoded_certificate: String,
    /// Epoch seconds.
    pub created_date: i64,
    /// Epoch seconds; AWS's certificates are valid for 365 days.
    pub expiration_date: i64,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}
