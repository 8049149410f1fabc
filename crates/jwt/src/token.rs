//! Offline decoding of a compact JWS: no keys, no network, no clock.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use crate::error::JwtError;

/// A JWS signature algorithm (`alg` header values of RFC 7518). Only
/// [`ACCEPTED_ALGORITHMS`] are ever produced by [`decode_unverified`]; the
/// other variants exist so that callers can name refused algorithms.
#[allow(clippy::upper_case_acronyms)]
#[derive(Debug, PartialEq, Eq, Hash, Copy, Clone)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC using SHA-256 (refused).
    HS256,
    /// HMAC using SHA-384 (refused).
    HS384,
    /// HMAC using SHA-512 (refused).
    HS512,
    /// ECDSA using P-256 and SHA-256.
    ES256,
    /// ECDSA using P-384 and SHA-384.
    ES384,
    /// RSASSA-PKCS1-v1_5 using SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 using SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 using SHA-512.
    RS512,
    /// RSASSA-PSS using SHA-256 and MGF1 with SHA-256.
    PS256,
    /// RSASSA-PSS using SHA-384 (refused).
    PS384,
    /// RSASSA-PSS using SHA-512 (refused).
    PS512,
    /// Edwards-curve signatures (refused).
    EdDSA,
}

impl Algorithm {
    /// The JOSE name (`RS256`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::HS256 => "HS256",
            Algorithm::HS384 => "HS384",
            Algorithm::HS512 => "HS512",
            Algorithm::ES256 => "ES256",
            Algorithm::ES384 => "ES384",
            Algorithm::RS256 => "RS256",
            Algorithm::RS384 => "RS384",
            Algorithm::RS512 => "RS512",
            Algorithm::PS256 => "PS256",
            Algorithm::PS384 => "PS384",
            Algorithm::PS512 => "PS512",
            Algorithm::EdDSA => "EdDSA",
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The algorithms a token may be signed with. Everything else — `none`,
/// every `HS*` (a public key must never double as an HMAC secret), `EdDSA`,
/// `PS384`/`PS512` — is refused before any key is looked up.
pub const ACCEPTED_ALGORITHMS: [Algorithm; 6] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::PS256,
];

/// Removes surrounding whitespace and an optional `Bearer ` prefix (any case,
/// one or more spaces) from an identity-source header value. Returns `None`
/// when nothing is left.
pub fn strip_bearer(header_value: &str) -> Option<&str> {
    let value = header_value.trim_matches(|c: char| c.is_ascii_whitespace());
    let token = match value.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => {
            value[7..].trim_start_matches(' ')
        }
        _ if value.eq_ignore_ascii_case("bearer") => "",
        _ => value,
    };
    (!token.is_empty()).then_some(token)
}

/// A structurally valid token whose signature and claims are not yet checked.
#[derive(Debug, Clone)]
pub struct UnverifiedToken<'a> {
    alg: Algorithm,
    kid: Option<String>,
    claims: Map<String, Value>,
    signing_input: &'a str,
    signature: Vec<u8>,
}

impl<'a> UnverifiedToken<'a> {
    /// The header's `alg`, always one of [`ACCEPTED_ALGORITHMS`].
    pub fn alg(&self) -> Algorithm {
        self.alg
    }

    /// The header's `kid`, if present.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The payload, a JSON object. Not authenticated until the signature is verified.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    pub(crate) fn signing_input(&self) -> &'a str {
        self.signing_input
    }

    pub(crate) fn signature(&self) -> &[u8] {
        &self.signature
    }

    pub(crate) fn into_claims(self) -> Map<String, Value> {
        self.claims
    }
}

/// Splits and decodes `token` (already stripped of `Bearer `).
///
/// Contract: never panics; accepts exactly three `.`-separated base64url
/// (unpadded) parts, a JSON-object header with a string `alg` from
/// [`ACCEPTED_ALGORITHMS`], an optional string `kid`, no `crit`, a
/// JSON-object payload and a non-empty signature. Header parameters that
/// point at keys (`jku`, `jwk`, `x5u`, `x5c`) are ignored: keys only ever
/// come from the configured issuer. Tokens longer than `max_bytes` are
/// refused before decoding.
pub fn decode_unverified(token: &str, max_bytes: usize) -> Result<UnverifiedToken<'_>, JwtError> {
    if token.len() > max_bytes {
        return Err(JwtError::Malformed("token too long"));
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed("a JWT has three parts"));
    };
    let header = decode_object(header_b64, "header")?;
    let alg = match header.get("alg") {
        Some(Value::String(alg)) => parse_alg(alg)?,
        _ => return Err(JwtError::Malformed("header has no string alg")),
    };
    if header.contains_key("crit") {
        return Err(JwtError::Malformed(
            "critical header extensions are not supported",
        ));
    }
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err(JwtError::Malformed("kid is not a string")),
    };
    let claims = decode_object(payload_b64, "payload")?;
    if signature_b64.is_empty() {
        return Err(JwtError::Malformed("empty signature"));
    }
    let signature = URL_SAFE_NO_PAD
        .decode(signature_b64)
        .map_err(|_| JwtError::Malformed("signature is not base64url"))?;
    let signing_input = &token[..header_b64.len() + 1 + payload_b64.len()];
    Ok(UnverifiedToken {
        alg,
        kid,
        claims,
        signing_input,
        signature,
    })
}

fn parse_alg(alg: &str) -> Result<Algorithm, JwtError> {
    ACCEPTED_ALGORITHMS
        .iter()
        .copied()
        .find(|a| a.as_str() == alg)
        .ok_or_else(|| JwtError::DisallowedAlgorithm(alg.chars().take(32).collect()))
}

fn decode_object(part: &str, what: &'static str) -> Result<Map<String, Value>, JwtError> {
    if part.is_empty() {
        return Err(JwtError::Malformed(match what {
            "header" => "empty header",
            _ => "empty payload",
        }));
    }
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| {
        JwtError::Malformed(match what {
            "header" => "header is not base64url",
            _ => "payload is not base64url",
        })
    })?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(JwtError::Malformed(match what {
            "header" => "header is not a JSON object",
            _ => "payload is not a JSON object",
        })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn strips_bearer() {
        assert_eq!(strip_bearer("Bearer abc"), Some("abc"));
        assert_eq!(strip_bearer("bearer   abc "), Some("abc"));
        assert_eq!(strip_bearer("abc"), Some("abc"));
        assert_eq!(strip_bearer("Bearer "), None);
        assert_eq!(strip_bearer("   "), None);
        assert_eq!(strip_bearer("Bearé"), Some("Bearé"));
    }

    #[test]
    fn decodes_parts() {
        let t = format!(
            "{}.{}.{}",
            b64(r#"{"alg":"RS256","kid":"k1"}"#),
            b64(r#"{"sub":"u"}"#),
            b64("sig")
        );
        let Ok(d) = decode_unverified(&t, 10_000) else {
            panic!("should decode");
        };
        assert_eq!(d.alg(), Algorithm::RS256);
        assert_eq!(d.kid(), Some("k1"));
        assert_eq!(d.signature(), b"sig");
        assert!(t.starts_with(d.signing_input()));
    }

    #[test]
    fn rejects_bad_shapes() {
        let h = b64(r#"{"alg":"RS256"}"#);
        let p = b64("{}");
        for t in [
            String::new(),
            "a.b".to_string(),
            format!("{h}.{p}.c.d"),
            format!("{h}.{p}."),
            format!("{h}.{p}.c="),
            format!("{h}.{}.c", b64("[]")),
            format!("{}.{p}.c", b64(r#"{"alg":"none"}"#)),
            format!("{}.{p}.c", b64(r#"{"alg":"HS256"}"#)),
            format!("{}.{p}.c", b64(r#"{"alg":"RS256","crit":["b64"]}"#)),
            format!("{}.{p}.c", b64(r#"{"alg":"RS256","kid":7}"#)),
        ] {
            assert!(decode_unverified(&t, 10_000).is_err(), "{t}");
        }
    }
}
