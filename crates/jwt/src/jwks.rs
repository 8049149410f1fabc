//! Parsing a JWK Set into verification keys.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use crate::token::{ACCEPTED_ALGORITHMS, algorithm_name};

/// At most this many keys of one set are kept.
const MAX_KEYS: usize = 64;

/// Key type and, for EC, curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyType {
    Rsa,
    P256,
    P384,
}

/// One usable verification key.
pub(crate) struct VerifyKey {
    pub(crate) key_type: KeyType,
    /// The JWK's own `alg`, when it names one.
    pub(crate) alg: Option<Algorithm>,
    pub(crate) key: DecodingKey,
}

impl VerifyKey {
    /// Whether this key may verify a token signed with `alg`.
    pub(crate) fn fits(&self, alg: Algorithm) -> bool {
        if self.alg.is_some_and(|own| own != alg) {
            return false;
        }
        matches!(
            (alg, self.key_type),
            (
                Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 | Algorithm::PS256,
                KeyType::Rsa
            ) | (Algorithm::ES256, KeyType::P256)
                | (Algorithm::ES384, KeyType::P384)
        )
    }
}

/// The usable signing keys of one JWKS document.
#[derive(Default)]
pub(crate) struct KeySet {
    by_kid: HashMap<String, Vec<Arc<VerifyKey>>>,
    without_kid: Vec<Arc<VerifyKey>>,
    count: usize,
}

impl KeySet {
    /// The key for a token's `kid` and `alg`.
    ///
    /// With a `kid`, only keys carrying that `kid` are candidates. Without
    /// one, the set must hold exactly one key. `Err(true)` means keys with
    /// that `kid` exist but none fits `alg`; `Err(false)` means no such key.
    pub(crate) fn find(&self, kid: Option<&str>, alg: Algorithm) -> Result<Arc<VerifyKey>, bool> {
        let candidates: Vec<&Arc<VerifyKey>> = match kid {
            Some(kid) => self
                .by_kid
                .get(kid)
                .map(|v| v.iter().collect())
                .unwrap_or_default(),
            None if self.count == 1 => self
                .by_kid
                .values()
                .flatten()
                .chain(self.without_kid.iter())
                .collect(),
            None => Vec::new(),
        };
        if candidates.is_empty() {
            return Err(false);
        }
        candidates
            .into_iter()
            .find(|k| k.fits(alg))
            .cloned()
            .ok_or(true)
    }

    /// Number of usable keys.
    pub(crate) fn len(&self) -> usize {
        self.count
    }
}

/// Parses a JWKS document. Keys that are not RSA (≥ 2048 bits) or EC
/// P-256/P-384 signing keys are skipped, as are keys marked `use` other
/// than `sig` or with an `alg` outside the accepted set. Fails only when the
/// document is not `{"keys": [...]}`.
pub(crate) fn parse_jwks(body: &[u8]) -> Result<KeySet, String> {
    let doc: Value = serde_json::from_slice(body).map_err(|e| format!("JWKS is not JSON: {e}"))?;
    let Some(keys) = doc.get("keys").and_then(Value::as_array) else {
        return Err("JWKS has no \"keys\" array".to_string());
    };
    let mut set = KeySet::default();
    for jwk in keys.iter().take(MAX_KEYS) {
        let Some(key) = parse_jwk(jwk) else { continue };
        let key = Arc::new(key);
        match jwk.get("kid").and_then(Value::as_str) {
            Some(kid) => set.by_kid.entry(kid.to_string()).or_default().push(key),
            None => set.without_kid.push(key),
        }
        set.count += 1;
    }
    Ok(set)
}

fn parse_jwk(jwk: &Value) -> Option<VerifyKey> {
    let field = |name: &str| jwk.get(name).and_then(Value::as_str);
    if jwk.get("use").is_some() && field("use") != Some("sig") {
        return None;
    }
    let alg = match jwk.get("alg") {
        None => None,
        Some(Value::String(name)) => Some(
            ACCEPTED_ALGORITHMS
                .iter()
                .copied()
                .find(|a| algorithm_name(*a) == name)?,
        ),
        Some(_) => return None,
    };
    match field("kty")? {
        "RSA" => {
            let n = field("n")?;
            let e = field("e")?;
            let modulus = URL_SAFE_NO_PAD.decode(n).ok()?;
            let exponent = URL_SAFE_NO_PAD.decode(e).ok()?;
            let significant = modulus.iter().skip_while(|b| **b == 0).count();
            if !(256..=512).contains(&significant) || exponent.is_empty() || exponent.len() > 8 {
                return None;
            }
            Some(VerifyKey {
                key_type: KeyType::Rsa,
                alg,
                key: DecodingKey::from_rsa_raw_components(&modulus, &exponent),
            })
        }
        "EC" => {
            let (key_type, len) = match field("crv")? {
                "P-256" => (KeyType::P256, 32),
                "P-384" => (KeyType::P384, 48),
                _ => return None,
            };
            let x = URL_SAFE_NO_PAD.decode(field("x")?).ok()?;
            let y = URL_SAFE_NO_PAD.decode(field("y")?).ok()?;
            if x.len() != len || y.len() != len {
                return None;
            }
            let key = DecodingKey::from_ec_components(field("x")?, field("y")?).ok()?;
            Some(VerifyKey { key_type, alg, key })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_unusable_keys() {
        let n = URL_SAFE_NO_PAD.encode([0xC5u8; 256]);
        let short_n = URL_SAFE_NO_PAD.encode([0xC5u8; 128]);
        let c32 = URL_SAFE_NO_PAD.encode([1u8; 32]);
        let doc = serde_json::json!({"keys": [
            {"kty": "RSA", "kid": "a", "n": n, "e": "AQAB", "alg": "RS256", "use": "sig"},
            {"kty": "RSA", "kid": "enc", "n": n, "e": "AQAB", "use": "enc"},
            {"kty": "RSA", "kid": "short", "n": short_n, "e": "AQAB"},
            {"kty": "RSA", "kid": "hs", "n": n, "e": "AQAB", "alg": "HS256"},
            {"kty": "oct", "kid": "o", "k": "c2VjcmV0"},
            {"kty": "EC", "kid": "e", "crv": "P-256", "x": c32, "y": c32},
            {"kty": "EC", "kid": "bad", "crv": "P-384", "x": c32, "y": c32},
            {"kty": "OKP", "kid": "ed", "crv": "Ed25519", "x": c32},
            "garbage"
        ]});
        let Ok(set) = parse_jwks(doc.to_string().as_bytes()) else {
            panic!("valid document");
        };
        assert_eq!(set.len(), 2);
        assert!(set.find(Some("a"), Algorithm::RS256).is_ok());
        assert_eq!(set.find(Some("a"), Algorithm::RS384).err(), Some(true));
        assert_eq!(set.find(Some("a"), Algorithm::ES256).err(), Some(true));
        assert!(set.find(Some("e"), Algorithm::ES256).is_ok());
        assert_eq!(set.find(Some("hs"), Algorithm::RS256).err(), Some(false));
        assert_eq!(set.find(None, Algorithm::RS256).err(), Some(false));
        assert!(parse_jwks(b"{}").is_err());
        assert!(parse_jwks(b"[").is_err());
    }
}
