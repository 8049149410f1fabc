//! SigV4 verification of data-plane requests for `AWS_IAM` methods, against credentials
//! configured in Tollgate, plus identity-policy authorization.
//!
//! Flow for one request: [`verify`] the signature (yielding an [`Identity`] or a
//! [`SigV4Error`] with AWS's exact texts), then [`authorize`] the identity's policy against
//! the method ARN, then combine with the resource policy via `tollgate_policy::combine`.
//!
//! A credential without an identity policy is allowed to invoke every API in its own
//! account and nothing else (see [`authorize`]); attach a policy to restrict it.
//!
//! Pure: no I/O and no clock reads (the time is a parameter).

mod authorize;
mod canonical;
mod credentials;
mod error;
mod verify;

pub use authorize::{access_denied_message, authorize};
pub use canonical::{
    EMPTY_SHA256, UNSIGNED_PAYLOAD, canonical_query, canonical_uri, format_amz_date,
    parse_amz_date, sha256_hex,
};
pub use credentials::{Credential, CredentialStore, StoreError};
pub use error::{MAX_PRESIGN_EXPIRES_SECS, MAX_SKEW_SECS, SigV4Error};
pub use verify::{ALGORITHM, Identity, Payload, SERVICE, has_sigv4_material, verify, verify_for};
