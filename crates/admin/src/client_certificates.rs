//! `/clientcertificates`: GenerateClientCertificate, GetClientCertificate(s),
//! UpdateClientCertificate and DeleteClientCertificate.
//!
//! A generated certificate is real: a self-signed X.509 certificate for client authentication,
//! valid for 365 days as AWS's are, whose private key the store keeps beside it (never shown).
//! AWS's keys are RSA 2048; Tollgate's are ECDSA P-256, the key type its TLS stack (ring) can
//! generate. Presenting the certificate to HTTP backends (a stage's `clientCertificateId`) is
//! not implemented: Tollgate stores the reference, logs once when it compiles a stage that has
//! one, and calls the backend without a client certificate.

use std::collections::BTreeMap;

use http::{Method as Verb, StatusCode};
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, KeyPair, KeyUsagePurpose,
};
use serde::Deserialize;
use tollgate_model::{ClientCertificate, ids, now_epoch_seconds};
use tollgate_store::{SqliteStore, Store};

use crate::patch::PatchBody;
use crate::quotas::{Quota, Quotas};
use crate::{ApiError, Call, Reply, page};

/// How long a generated certificate is valid (AWS's 365 days).
const VALIDITY_SECONDS: i64 = 365 * 24 * 60 * 60;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GenerateClientCertificate {
    description: Option<String>,
    #[serde(default)]
    tags: BTreeMap<String, String>,
}

/// Routes `/clientcertificates` + `rest`.
pub(crate) async fn route(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
    rest: &[&str],
) -> Option<Result<Reply, ApiError>> {
    let m = call.method;
    Some(match rest {
        [] if m == Verb::POST => generate(store, quotas, call).await,
        [] if m == Verb::GET => list(store, call).await,
        [id] if m == Verb::GET => get(store, id).await,
        [id] if m == Verb::PATCH => update(store, call, id).await,
        [id] if m == Verb::DELETE => delete(store, id).await,
        _ => return None,
    })
}

/// POST `/clientcertificates` → 201 with the new certificate's PEM. Counted against the client
/// certificates quota right before the write, not in its transaction: two concurrent calls at
/// the edge can both pass.
async fn generate(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
) -> Result<Reply, ApiError> {
    let body: GenerateClientCertificate = call.json()?;
    crate::tags::check_new(&body.tags)?;
    quotas.one_more(
        Quota::ClientCertificates,
        store.list_client_certificates().await?.len(),
    )?;
    let id = ids::short_id();
    let created = now_epoch_seconds();
    let expires = created + VALIDITY_SECONDS;
    let (pem, key) = self_signed(&id, created, expires)?;
    let certificate = ClientCertificate {
        client_certificate_id: id,
        description: body.description.filter(|d| !d.is_empty()),
        pem_encoded_certificate: pem,
        created_date: created,
        expiration_date: expires,
        tags: body.tags,
    };
    store.create_client_certificate(&certificate, &key).await?;
    Ok(Reply::json(StatusCode::CREATED, &certificate))
}

/// A self-signed client-authentication certificate valid from `from` to `until` (epoch
/// seconds), and its private key, both PEM.
fn self_signed(id: &str, from: i64, until: i64) -> Result<(String, String), ApiError> {
    let failed = |e: rcgen::Error| ApiError::Internal(format!("generating a certificate: {e}"));
    let time = |t: i64| {
        time::OffsetDateTime::from_unix_timestamp(t)
            .map_err(|e| ApiError::Internal(format!("certificate validity: {e}")))
    };
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, format!("ApiGateway-{id}"));
    name.push(DnType::OrganizationName, "Tollgate");
    params.distinguished_name = name;
    params.not_before = time(from)?;
    params.not_after = time(until)?;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let key = KeyPair::generate().map_err(failed)?;
    let certificate = params.self_signed(&key).map_err(failed)?;
    Ok((certificate.pem(), key.serialize_pem()))
}

fn shown(mut certificate: ClientCertificate) -> ClientCertificate {
    crate::tags::hide_internal(&mut certificate.tags);
    certificate
}

/// GET `/clientcertificates/{id}`.
async fn get(store: &SqliteStore, id: &str) -> Result<Reply, ApiError> {
    let certificate = store.get_client_certificate(id).await?;
    Ok(Reply::json(StatusCode::OK, &shown(certificate)))
}

/// GET `/clientcertificates` (paged, oldest first).
async fn list(store: &SqliteStore, call: &Call<'_>) -> Result<Reply, ApiError> {
    let all: Vec<ClientCertificate> = store
        .list_client_certificates()
        .await?
        .into_iter()
        .map(shown)
        .collect();
    Ok(Reply::json(StatusCode::OK, &page(call, all)))
}

/// PATCH `/clientcertificates/{id}`: replace `/description` (empty clears it).
async fn update(store: &SqliteStore, call: &Call<'_>, id: &str) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateClientCertificateInput")?;
    let mut certificate = store.get_client_certificate(id).await?;
    for op in &body.patch_operations {
        if op.path != "/description" {
            return Err(op.invalid_path());
        }
        op.require("replace")?;
        certificate.description = op.optional_value();
    }
    store.update_client_certificate(&certificate).await?;
    Ok(Reply::json(StatusCode::OK, &shown(certificate)))
}

/// DELETE `/clientcertificates/{id}` → 202.
async fn delete(store: &SqliteStore, id: &str) -> Result<Reply, ApiError> {
    store.delete_client_certificate(id).await?;
    Ok(Reply::accepted())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_certificates_are_pem_with_a_usable_key() {
        let (pem, key) = self_signed("abc123", 1_700_000_000, 1_731_536_000).unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"), "{pem}");
        assert!(
            pem.trim_end().ends_with("-----END CERTIFICATE-----"),
            "{pem}"
        );
        assert!(KeyPair::from_pem(&key).is_ok(), "{key}");
        let (other, _) = self_signed("abc123", 1_700_000_000, 1_731_536_000).unwrap();
        assert_ne!(pem, other, "a fresh key each time");
    }
}
