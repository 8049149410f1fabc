//! Property tests: the offline decoder never panics, whatever the input.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use proptest::prelude::*;
use tollgate_jwt::{ACCEPTED_ALGORITHMS, decode_unverified, strip_bearer};

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        // Random bytes, base64url-encoded.
        proptest::collection::vec(any::<u8>(), 0..200).prop_map(|b| URL_SAFE_NO_PAD.encode(b)),
        // Random JSON-ish text, base64url-encoded.
        r#"[{}\[\]":,a-z0-9 .\-]{0,80}"#.prop_map(|s| URL_SAFE_NO_PAD.encode(s)),
        // Plausible headers with random alg/kid values.
        (r"[A-Za-z0-9]{0,8}", proptest::option::of(r"[ -~]{0,20}")).prop_map(|(alg, kid)| {
            let header = match kid {
                Some(kid) => serde_json::json!({"alg": alg, "kid": kid}),
                None => serde_json::json!({"alg": alg}),
            };
            URL_SAFE_NO_PAD.encode(header.to_string())
        }),
        // Raw junk characters.
        r"[ -~]{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_strings_do_not_panic(s in any::<String>()) {
        if let Some(t) = strip_bearer(&s) {
            let _ = decode_unverified(t, 16 * 1024);
        }
        let _ = decode_unverified(&s, 64);
    }

    #[test]
    fn arbitrary_token_shapes_do_not_panic(
        parts in proptest::collection::vec(segment(), 0..5),
        bearer in any::<bool>(),
    ) {
        let token = parts.join(".");
        let value = if bearer { format!("Bearer {token}") } else { token };
        if let Some(t) = strip_bearer(&value)
            && let Ok(decoded) = decode_unverified(t, 16 * 1024)
        {
            prop_assert!(ACCEPTED_ALGORITHMS.contains(&decoded.alg()));
            prop_assert!(t.split('.').count() == 3);
        }
    }
}
