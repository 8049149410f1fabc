//! Parsing a JWK Set into verification keys.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde_json::Value;

use crate::error::JwtError;
use crate::token::{ACCEPTED_ALGORITHMS, Algorithm};

/// At most this many keys of one set are kept.
const MAX_KEYS: usize = 64;

/// Key type and, for EC, curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyType {
    Rsa,
    P256,
    P384,
}

/// Verification material, decoded once when the JWKS is parsed.
enum Material {
    /// RSA modulus and exponent, big-endian without leading zeros.
    Rsa(RsaPublicKeyComponents<Vec<u8>>),
    /// EC public point `0x04 || x || y` with its curve's fixed-size
    /// (`r || s`) ECDSA algorithm.
    Ec(UnparsedPublicKey<Vec<u8>>),
    /// An RSA key whose components `ring` refuses (even modulus, exponent
    /// out of range, ...): every signature check reports a key mismatch.
    Unusable,
}

/// One usable verification key.
pub(crate) struct VerifyKey {
    pub(crate) key_type: KeyType,
    /// The JWK's own `alg`, when it names one.
    pub(crate) alg: Option<Algorithm>,
    material: Material,
}

impl VerifyKey {
    /// Checks `signature` over `message` for a token signed with `alg`
    /// (which [`VerifyKey::fits`] this key).
    pub(crate) fn verify(
        &self,
        alg: Algorithm,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), JwtError> {
        let verified = match (&self.material, alg) {
            (Material::Rsa(key), Algorithm::RS256) => {
                key.verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, signature)
            }
            (Material::Rsa(key), Algorithm::RS384) => {
                key.verify(&signature::RSA_PKCS1_2048_8192_SHA384, message, signature)
            }
            (Material::Rsa(key), Algorithm::RS512) => {
                key.verify(&signature::RSA_PKCS1_2048_8192_SHA512, message, signature)
            }
            (Material::Rsa(key), Algorithm::PS256) => {
                key.verify(&signature::RSA_PSS_2048_8192_SHA256, message, signature)
            }
            (Material::Ec(key), Algorithm::ES256 | Algorithm::ES384) if self.fits(alg) => {
                key.verify(message, signature)
            }
            _ => return Err(JwtError::KeyMismatch),
        };
        verified.map_err(|_| JwtError::BadSignature)
    }

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
                .find(|a| a.as_str() == name)?,
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
                material: rsa_material(modulus, exponent),
            })
        }
        "EC" => {
            let (key_type, len, algorithm): (_, _, &'static signature::EcdsaVerificationAlgorithm) =
                match field("crv")? {
                    "P-256" => (KeyType::P256, 32, &signature::ECDSA_P256_SHA256_FIXED),
                    "P-384" => (KeyType::P384, 48, &signature::ECDSA_P384_SHA384_FIXED),
                    _ => return None,
                };
            let x = URL_SAFE_NO_PAD.decode(field("x")?).ok()?;
            let y = URL_SAFE_NO_PAD.decode(field("y")?).ok()?;
            if x.len() != len || y.len() != len {
                return None;
            }
            let mut point = Vec::with_capacity(1 + 2 * len);
            point.push(0x04);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            Some(VerifyKey {
                key_type,
                alg,
                material: Material::Ec(UnparsedPublicKey::new(algorithm, point)),
            })
        }
        _ => None,
    }
}

/// The RSA components as `ring` wants them (no leading zero bytes), or
/// [`Material::Unusable`] when `ring` would refuse them: the modulus must be
/// odd, the exponent odd and within 3..=2^33-1.
fn rsa_material(modulus: Vec<u8>, exponent: Vec<u8>) -> Material {
    let strip = |mut v: Vec<u8>| {
        let zeros = v.iter().take_while(|b| **b == 0).count();
        v.drain(..zeros);
        v
    };
    let n = strip(modulus);
    let e = strip(exponent);
    let e_value = e
        .iter()
        .take(8)
        .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    let n_odd = n.last().is_some_and(|b| b & 1 == 1);
    if !n_odd || e.len() > 5 || !(3..=(1u64 << 33) - 1).contains(&e_value) || e_value & 1 == 0 {
        return Material::Unusable;
    }
    Material::Rsa(RsaPublicKeyComponents { n, e })
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

    #[test]
    fn rsa_components_are_checked_once_at_parse_time() {
        let mut n = vec![0u8, 0];
        n.extend([0xC5u8; 256]);
        let Material::Rsa(key) = rsa_material(n, vec![0, 1, 0, 1]) else {
            panic!("usable key");
        };
        assert_eq!(key.n.len(), 256);
        assert_eq!(key.e, [1, 0, 1]);
        let even_n = [0xC4u8; 256].to_vec();
        assert!(matches!(
            rsa_material(even_n, vec![1, 0, 1]),
            Material::Unusable
        ));
        for e in [
            vec![1],
            vec![2],
            vec![1, 0, 0],
            vec![2, 0, 0, 0, 1],
            vec![0],
        ] {
            let usable = matches!(rsa_material(vec![0xC5; 256], e.clone()), Material::Rsa(_));
            assert!(!usable, "{e:?}");
        }
        let Some(key) = parse_jwk(&serde_json::json!({"kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode([0xC4u8; 256]), "e": "AQAB"}))
        else {
            panic!("kept in the set");
        };
        assert_eq!(
            key.verify(Algorithm::RS256, b"m", &[0; 256]),
            Err(JwtError::KeyMismatch)
        );
        let Some(key) = parse_jwk(&serde_json::json!({"kty": "RSA",
            "n": URL_SAFE_NO_PAD.encode([0xC5u8; 256]), "e": "AQAB"}))
        else {
            panic!("kept in the set");
        };
        assert_eq!(
            key.verify(Algorithm::RS256, b"m", &[0; 256]),
            Err(JwtError::BadSignature)
        );
        assert_eq!(
            key.verify(Algorithm::ES256, b"m", &[0; 64]),
            Err(JwtError::KeyMismatch)
        );
    }
}
