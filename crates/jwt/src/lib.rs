//! JWT validation for API Gateway `COGNITO_USER_POOLS` authorizers,
//! generalised to any OpenID Connect issuer (Cognito, Keycloak, Auth0, ...).
//!
//! Build one [`KeyStore`] per process and one [`Validator`] per authorizer,
//! then call [`Validator::validate`] per request. Keys are cached per issuer
//! (see [`KeyStore`] for the fetch contract); a request whose key is cached
//! does no network I/O.
//!
//! ```text
//! let store = KeyStore::new(KeyStoreOptions::default())?;          // once per process
//! let v = Validator::new(&authorizer_config, store.clone(), ValidationOptions::default())?;
//! match v.validate(header_value, &method.authorization_scopes, SystemTime::now()).await {
//!     Ok(claims) => /* $context.authorizer.claims = claims.to_json(), principal = claims.principal_id() */,
//!     Err(e) => /* 401, {"message": e.message()}, gateway response UNAUTHORIZED */,
//! }
//! ```
//!
//! The gateway's own authorizer-result cache (reference §4.4: key =
//! authorizer, stage, token; TTL `authorizerResultTtlInSeconds`) sits in
//! front of this crate and is not implemented here. Whether AWS re-checks
//! `exp` on a cache hit is undocumented; re-checking it is the safe choice.
//!
//! Signature checks use `ring` directly; each key's verification material
//! (RSA modulus and exponent, EC public point) is decoded once, when the
//! JWKS is parsed. Accepted algorithms: [`ACCEPTED_ALGORITHMS`]. Failures are [`JwtError`]s; the gateway answers
//! 401 with `{"message": err.message()}`.

mod claims;
mod config;
mod error;
mod jwks;
mod keystore;
mod token;
mod validator;

pub use claims::{Claims, TokenKind};
pub use config::{AuthorizerConfig, KeyStoreOptions, Provider, ValidationOptions};
pub use error::{ConfigError, JwtError};
pub use keystore::KeyStore;
pub use token::{ACCEPTED_ALGORITHMS, Algorithm, UnverifiedToken, decode_unverified, strip_bearer};
pub use validator::{Validator, VerifiedToken};
