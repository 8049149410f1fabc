//! Identifier generation with AWS's observed shapes: REST API, root resource and API key ids are
//! ten characters of `[a-z0-9]`; child resources, deployments, models, validators, authorizers and
//! usage plans use six.

const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

fn random_id(len: usize) -> String {
    (0..len)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect()
}

/// A new REST API (or root resource, or API key) id: ten lowercase alphanumerics.
pub fn long_id() -> String {
    random_id(10)
}

/// A new child resource, deployment, model, validator or authorizer id: six lowercase alphanumerics.
pub fn short_id() -> String {
    random_id(6)
}

/// True when `s` has the shape of a REST API id (ten `[a-z0-9]`).
pub fn is_api_id(s: &str) -> bool {
    s.len() == 10
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_aws_shapes() {
        for _ in 0..100 {
            let id = long_id();
            assert!(is_api_id(&id), "{id}");
            let s = short_id();
            assert_eq!(s.len(), 6);
            assert!(
                s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            );
        }
        assert!(!is_api_id("ABCDEFGHIJ"));
        assert!(!is_api_id("abc"));
    }
}
