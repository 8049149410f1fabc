//! End-to-end validation against a local OIDC/JWKS server.

mod common;

use std::time::{Duration, SystemTime};

use common::*;
use serde_json::{Value, json};
use tollgate_jwt::{JwtError, KeyStoreOptions, TokenKind};

const POOL: &str = "us-east-1_TestPool1";
const ARN: &str = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_TestPool1";
const AWS_ISS: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TestPool1";

fn id_claims(iss: &str, now: SystemTime) -> Value {
    let t = unix(now);
    json!({
        "sub": "5f1c-user", "aud": "client-abc", "iss": iss, "token_use": "id",
        "cognito:username": "alice", "cognito:groups": ["admins", "users"],
        "email": "alice@example.com", "email_verified": true,
        "auth_time": t - 10, "iat": t - 10, "exp": t + 3600, "custom:role": "owner"
    })
}

fn access_claims(iss: &str, now: SystemTime, scope: &str) -> Value {
    let t = unix(now);
    json!({
        "sub": "5f1c-user", "client_id": "client-abc", "iss": iss, "token_use": "access",
        "scope": scope, "username": "alice", "iat": t - 10, "exp": t + 3600
    })
}

fn expect_err(r: Result<tollgate_jwt::Claims, JwtError>) -> JwtError {
    match r {
        Ok(c) => panic!("expected a rejection, got claims {:?}", c.to_json()),
        Err(e) => e,
    }
}

async fn oidc_setup(prefix: &str) -> (TestKey, Issuer, String) {
    let key = TestKey::rsa("k1", RSA1_PEM);
    let server = Issuer::start(&[&key]).await;
    let iss = server.url(prefix);
    (key, server, iss)
}

#[tokio::test]
async fn valid_id_token_yields_stringified_claims() {
    let (key, server, iss) = oidc_setup("/realms/test").await;
    let store = store(store_options());
    let v = validator(&store, std::slice::from_ref(&iss), None);
    let now = SystemTime::now();
    let token = key.sign("RS256", &id_claims(&iss, now));
    let claims = v.validate(&token, &[], now).await.expect("valid token");
    assert_eq!(claims.principal_id(), "5f1c-user");
    assert_eq!(claims.token_kind(), TokenKind::Id);
    assert_eq!(claims.issuer(), iss);
    assert_eq!(claims.get("cognito:groups"), Some("admins,users"));
    assert_eq!(claims.get("email_verified"), Some("true"));
    assert_eq!(claims.get("custom:role"), Some("owner"));
    assert_eq!(
        claims.get("auth_time"),
        Some((unix(now) - 10).to_string().as_str())
    );
    let exp = claims.get("exp").expect("exp");
    assert!(exp.contains(" UTC "), "{exp}");
    assert!(
        claims
            .to_json()
            .as_object()
            .expect("object")
            .values()
            .all(Value::is_string)
    );
    assert_eq!(server.discovery_hits(), 1);
    assert_eq!(server.jwks_hits(), 1);

    // Second request: cached, no network.
    v.validate(&token, &[], now).await.expect("valid token");
    assert_eq!(server.jwks_hits(), 1);
}

#[tokio::test]
async fn bearer_prefix_is_stripped() {
    let (key, _server, iss) = oidc_setup("/p").await;
    let store = store(store_options());
    let v = validator(&store, std::slice::from_ref(&iss), None);
    let now = SystemTime::now();
    let token = key.sign("RS256", &id_claims(&iss, now));
    v.validate(&format!("Bearer {token}"), &[], now)
        .await
        .expect("Bearer");
    v.validate(&format!("bearer  {token} "), &[], now)
        .await
        .expect("bearer");
    assert_eq!(
        expect_err(v.validate("Bearer ", &[], now).await),
        JwtError::Missing
    );
    assert_eq!(
        expect_err(v.validate("", &[], now).await),
        JwtError::Missing
    );
}

#[tokio::test]
async fn access_tokens_need_a_method_scope() {
    let (key, _server, iss) = oidc_setup("/p").await;
    let store = store(store_options());
    let v = validator(&store, std::slice::from_ref(&iss), None);
    let now = SystemTime::now();
    let access = key.sign("RS256", &access_claims(&iss, now, "openid pets/read"));
    let c = v
        .validate(&access, &scopes(&["pets/write", "pets/read"]), now)
        .await
        .expect("scope matches");
    assert_eq!(c.token_kind(), TokenKind::Access);

    let e = expect_err(v.validate(&access, &scopes(&["pets/write"]), now).await);
    assert_eq!(e, JwtError::InsufficientScope);
    assert_eq!(e.message(), "Unauthorized");
    assert_eq!(e.status(), 401);

    // Access token on a method without scopes, ID token on a method with scopes.
    assert_eq!(
        expect_err(v.validate(&access, &[], now).await),
        JwtError::WrongTokenUse
    );
    let id = key.sign("RS256", &id_claims(&iss, now));
    assert_eq!(
        expect_err(v.validate(&id, &scopes(&["pets/read"]), now).await),
        JwtError::WrongTokenUse
    );

    // `scp` arrays (Okta / Entra style) count as scopes.
    let t = unix(now);
    let scp = key.sign(
        "RS256",
        &json!({"sub": "u", "iss": iss, "scp": ["a", "pets/read"], "exp": t + 60, "azp": "c"}),
    );
    v.validate(&scp, &scopes(&["pets/read"]), now)
        .await
        .expect("scp");
}

#[tokio::test]
async fn expired_token_has_its_own_message() {
    let (key, _server, iss) = oidc_setup("/p").await;
    let store = store(store_options());
    let v = validator(&store, std::slice::from_ref(&iss), None);
    let now = SystemTime::now();
    let mut claims = id_claims(&iss, now);
    claims["exp"] = json!(unix(now) - 1);
    let e = expect_err(v.validate(&key.sign("RS256", &claims), &[], now).await);
    assert_eq!(e, JwtError::Expired);
    assert_eq!(e.message(), "The incoming token has expired");
    assert_eq!(e.status(), 401);

    // Exactly at exp counts as expired; a missing exp is refused.
    claims["exp"] = json!(unix(now));
    let at = now
        - Duration::from_nanos(
            now.duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.subsec_nanos() as u64)
                .unwrap_or(0),
        );
    assert!(expect_err(v.validate(&key.sign("RS256", &claims), &[], at).await).is_expired());
    if let Some(o) = claims.as_object_mut() {
        o.remove("exp");
    }
    let e = expect_err(v.validate(&key.sign("RS256", &claims), &[], now).await);
    assert_eq!(e.message(), "Unauthorized");
}

#[tokio::test]
async fn nbf_and_iat_in_the_future_beyond_leeway_are_refused() {
    let (key, _server, iss) = oidc_setup("/p").await;
    let store = store(store_options());
    let v = validator(&store, std::slice::from_ref(&iss), None);
    let now = SystemTime::now();
    let t = unix(now);
    for (name, offset, ok) in [
        ("nbf", 30, true),
        ("nbf", 120, false),
        ("iat", 30, true),
        ("iat", 120, false),
    ] {
        let mut claims = id_claims(&iss, now);
        claims[name] = json!(t + offset);
        let r = v.validate(&key.sign("RS256", &claims), &[], now).await;
        if ok {
            r.expect("within leeway");
        } else {
            let e = expect_err(r);
            assert_eq!(e, JwtError::NotYetValid, "{name} +{offset}");
            assert_eq!(e.message(), "Unauthorized");
        }
    }
}

#[tokio::test]
async fn wrong_issuer_is_refused_without_fetching() {
    let (key, server, iss) = oidc_setup("/p").await;
    let store = store(store_options());
    let v = validator(&store, std::slice::from_ref(&iss), None);
    let now = SystemTime::now();
    for bad_iss in [
        json!(server.url("/other")),
        json!(format!("{iss}/")),
        json!(7),
    ] {
        let mut claims = id_claims(&iss, now);
        claims["iss"] = bad_iss;
        let e = expect_err(v.validate(&key.sign("RS256", &claims), &[], now).await);
        assert_eq!(e, JwtError::WrongIssuer);
    }
    assert_eq!(server.jwks_hits() + server.discovery_hits(), 0);
}

#[tokio::test]
async fn identity_validation_expression_checks_audience() {
    let (key, _server, iss) = oidc_setup("/p").await;
    let store = store(store_options());
    let v = validator(&store, std::slice::from_ref(&iss), Some("client-[a-z]+"));
    let now = SystemTime::now();
    v.validate(&key.sign("RS256", &id_claims(&iss, now)), &[], now)
        .await
        .expect("aud matches");

    let mut claims = id_claims(&iss, now);
    claims["aud"] = json!("other-client");
    let e = expect_err(v.validate(&key.sign("RS256", &claims), &[], now).await);
    assert_eq!(e, JwtError::AudienceMismatch);
    // Whole-string semantics: a matching substring is not enough.
    claims["aud"] = json!("client-abc1");
    assert_eq!(
        expect_err(v.validate(&key.sign("RS256", &claims), &[], now).await),
        JwtError::AudienceMismatch
    );
    // Array audiences: any element may match.
    claims["aud"] = json!(["x", "client-abc"]);
    v.validate(&key.sign("RS256", &claims), &[], now)
        .await
        .expect("array aud");

    // Generic issuer access tokens: client_id, else azp.
    let access = key.sign("RS256", &access_claims(&iss, now, "s"));
    v.validate(&access, &scopes(&["s"]), now)
        .await
        .expect("client_id");
    let t = unix(now);
    let azp = key.sign(
        "RS256",
        &json!({"sub": "u", "iss": iss, "scope": "s", "azp": "client-xyz", "aud": "account", "exp": t + 60}),
    );
    v.validate(&azp, &scopes(&["s"]), now).await.expect("azp");
    let bad = key.sign(
        "RS256",
        &json!({"sub": "u", "iss": iss, "scope": "s", "azp": "evil1", "exp": t + 60}),
    );
    assert_eq!(
        expect_err(v.validate(&bad, &scopes(&["s"]), now).await),
        JwtError::AudienceMismatch
    );
}

#[tokio::test]
async fn alg_none_is_refused() {
    let (key, server, iss) = oidc_setup("/p").await;
    let store = store(store_options());
    let v = validator(&store, std::slice::from_ref(&iss), None);
    let now = SystemTime::now();
    let claims = id_claims(&iss, now);
    for (alg, sig) in [
        ("none", &b""[..]),
        ("none", b"x"),
        ("None", b"x"),
        ("NONE", b""),
    ] {
        let token = raw_token(&json!({"alg": alg, "kid": key.kid}), &claims, sig);
        let e = expect_err(v.validate(&token, &[], now).await);
        assert_eq!(e.message(), "Unauthorized");
        assert!(matches!(e, JwtError::DisallowedAlgorithm(_)), "{e:?}");
    }
    // Also with an unsecured token that has no trailing dot.
    let two = raw_token(&json!({"alg": "none"}), &claims, b"");
    let e = expect_err(v.validate(two.trim_end_matches('.'), &[], now).await);
    assert_eq!(e.message(), "Unauthorized");
    assert_eq!(server.jwks_hits(), 0);
}

#[tokio::test]
async fn hs256_signed_with_the_public_key_is_refused() {
    let (key, server, iss) = oidc_setup("/p").await;
    let store = store(store_options());
    let v = validator(&store, std::slice::from_ref(&iss), None);
    let now = SystemTime::now();
    // Prime the cache so the RSA key is known.
    v.validate(&key.sign("RS256", &id_claims(&iss, now)), &[], now)
        .await
        .expect("valid");
    let der = key.rsa_public_der();
    let jwk_n = key.jwk()["n"].as_str().unwrap_or_default().to_string();
    let secrets: Vec<Vec<u8>> = vec![
        der.clone(),
        pem("RSA PUBLIC KEY", &der).into_bytes(),
        jwk_n.into_bytes(),
        key.jwk().to_string().into_bytes(),
    ];
    for secret in secrets {
        for alg_kid in [key.kid.as_str(), "other"] {
            let token = hs256_token(alg_kid, &id_claims(&iss, now), &secret);
            let e = expect_err(v.validate(&token, &[], now).await);
            assert_eq!(e, JwtError::DisallowedAlgorithm("HS256".into()));
            assert_eq!(e.message(), "Unauthorized");
        }
    }
    assert_eq!(server.jwks_hits(), 1);
}

#[tokio::test]
async fn other_algorithms_and_key_types() {
    let rsa = TestKey::rsa("rsa", RSA1_PEM);
    let p256 = TestKey::ec("p256", "P-256");
    let p384 = TestKey::ec("p384", "P-384");
    let server = Issuer::start(&[]).await;
    server.serve_jwks(json!({"keys": [rsa.jwk_without_alg(), p256.jwk(), p384.jwk()]}));
    let iss = server.url("/multi");
    let store = store(store_options());
    let v = validator(&store, std::slice::from_ref(&iss), None);
    let now = SystemTime::now();
    let claims = id_claims(&iss, now);
    for (k, alg) in [
        (&rsa, "RS256"),
        (&rsa, "RS384"),
        (&rsa, "RS512"),
        (&rsa, "PS256"),
        (&p256, "ES256"),
        (&p384, "ES384"),
    ] {
        v.validate(&k.sign(alg, &claims), &[], now)
            .await
            .unwrap_or_else(|e| panic!("{alg}: {e}"));
    }
    // Header alg that does not fit the key the kid names.
    let token = p256.sign_with_header(&json!({"alg": "ES384", "kid": "p256"}), &claims);
    assert_eq!(
        expect_err(v.validate(&token, &[], now).await),
        JwtError::KeyMismatch
    );
    let token = p256.sign_with_header(&json!({"alg": "RS256", "kid": "p256"}), &claims);
    assert_eq!(
        expect_err(v.validate(&token, &[], now).await),
        JwtError::KeyMismatch
    );
    // Refused algorithms even though they are real JOSE algorithms.
    let token = rsa.sign_with_header(&json!({"alg": "PS512", "kid": "rsa"}), &claims);
    assert!(matches!(
        expect_err(v.validate(&token, &[], now).await),
        JwtError::DisallowedAlgorithm(_)
    ));
}

#[tokio::test]
async fn tampered_or_foreign_signatures_are_refused() {
    let (key, _server, iss) = oidc_setup("/p").await;
    let store = store(store_options());
    let v = validator(&store, std::slice::from_ref(&iss), None);
    let now = SystemTime::now();
    let good = key.sign("RS256", &id_claims(&iss, now));
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    let mut claims = id_claims(&iss, now);
    claims["sub"] = json!("mallory");
    parts[1] = raw_token(&json!({}), &claims, b"")
        .split('.')
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let e = expect_err(v.validate(&parts.join("."), &[], now).await);
    assert_eq!(e, JwtError::BadSignature);

    // Signed by another key claiming the served kid.
    let other = TestKey::rsa("k1", RSA2_PEM);
    let e = expect_err(
        v.validate(&other.sign("RS256", &id_claims(&iss, now)), &[], now)
            .await,
    );
    assert_eq!(e, JwtError::BadSignature);
    assert_eq!(e.message(), "Unauthorized");
}

#[tokio::test]
async fn unknown_kid_refetches_once_and_picks_up_rotation() {
    let k1 = TestKey::rsa("k1", RSA1_PEM);
    let k2 = TestKey::rsa("k2", RSA2_PEM);
    let server = Issuer::start(&[&k1]).await;
    let iss = server.url("/rot");
    let store = store(store_options());
    let v = validator(&store, std::slice::from_ref(&iss), None);
    let now = SystemTime::now();
    v.validate(&k1.sign("RS256", &id_claims(&iss, now)), &[], now)
        .await
        .expect("k1");
    assert_eq!(server.jwks_hits(), 1);

    // Rotation: the issuer now serves k2 (and k1). The first k2 token
    // triggers exactly one refetch.
    server.serve_keys(&[&k1, &k2]);
    v.validate(&k2.sign("RS256", &id_claims(&iss, now)), &[], now)
        .await
        .expect("k2 after refetch");
    assert_eq!(server.jwks_hits(), 2);
    assert_eq!(server.discovery_hits(), 1, "jwks_uri is reused");
    v.validate(&k2.sign("RS256", &id_claims(&iss, now)), &[], now)
        .await
        .expect("k2 cached");
    assert_eq!(server.jwks_hits(), 2);

    // Garbage kids: the refetch budget was used just now, so no more fetches.
    for i in 0..50 {
        let token = k1.sign_with_header(
            &json!({"alg": "RS256", "kid": format!("garbage-{i}")}),
            &id_claims(&iss, now),
        );
        let e = expect_err(v.validate(&token, &[], now).await);
        assert!(matches!(e, JwtError::UnknownKey(_)), "{e:?}");
        assert_eq!(e.message(), "Unauthorized");
    }
    assert_eq!(server.jwks_hits(), 2);
}

#[tokio::test]
async fn garbage_kids_refetch_at_most_once_per_interval() {
    let k1 = TestKey::rsa("k1", RSA1_PEM);
    let server = Issuer::start(&[&k1]).await;
    let iss = server.url("/rate");
    let store = store(KeyStoreOptions {
        refetch_min_interval: Duration::from_millis(400),
        ..store_options()
    });
    let v = validator(&store, std::slice::from_ref(&iss), None);
    let now = SystemTime::now();
    let garbage = |i: usize| {
        k1.sign_with_header(
            &json!({"alg": "RS256", "kid": format!("g{i}")}),
            &id_claims(&iss, now),
        )
    };
    // First request fetches (initial), second causes the one refetch.
    for i in 0..20 {
        assert!(v.validate(&garbage(i), &[], now).await.is_err());
    }
    assert_eq!(server.jwks_hits(), 2);
    tokio::time::sleep(Duration::from_millis(500)).await;
    for i in 0..20 {
        assert!(v.validate(&garbage(i), &[], now).await.is_err());
    }
    assert_eq!(server.jwks_hits(), 3);
}

#[tokio::test]
async fn concurrent_first_requests_share_one_fetch() {
    let (key, server, iss) = oidc_setup("/herd").await;
    server.set_delay(Duration::from_millis(200));
    let store = store(store_options());
    let v = std::sync::Arc::new(validator(&store, std::slice::from_ref(&iss), None));
    let now = SystemTime::now();
    let token = key.sign("RS256", &id_claims(&iss, now));
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let v = v.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(
            async move { v.validate(&token, &[], now).await },
        ));
    }
    for t in tasks {
        t.await.expect("join").expect("valid");
    }
    assert_eq!(server.discovery_hits(), 1);
    assert_eq!(server.jwks_hits(), 1);
    assert_eq!(store.fetch_count(), 2);
}

#[tokio::test]
async fn cognito_arn_via_endpoint_override() {
    let key = TestKey::rsa("cog1", RSA1_PEM);
    let server = Issuer::start(&[&key]).await;
    let store = store(KeyStoreOptions {
        cognito_endpoint: Some(server.base()),
        ..store_options()
    });
    let v = validator(&store, &[ARN.to_string()], Some("client-abc"));
    let issuers: Vec<&str> = v.issuers().collect();
    assert_eq!(
        issuers,
        [AWS_ISS.to_string(), server.url(&format!("/{POOL}"))]
    );
    let now = SystemTime::now();
    // Both the AWS issuer and the emulator's own issuer are accepted.
    v.validate(&key.sign("RS256", &id_claims(AWS_ISS, now)), &[], now)
        .await
        .expect("AWS iss");
    let local_iss = server.url(&format!("/{POOL}"));
    v.validate(&key.sign("RS256", &id_claims(&local_iss, now)), &[], now)
        .await
        .expect("local iss");
    assert_eq!(server.jwks_hits(), 1);
    assert_eq!(server.discovery_hits(), 0, "Cognito keys need no discovery");

    // Cognito tokens must say what they are.
    let mut claims = id_claims(AWS_ISS, now);
    if let Some(o) = claims.as_object_mut() {
        o.remove("token_use");
    }
    assert_eq!(
        expect_err(v.validate(&key.sign("RS256", &claims), &[], now).await),
        JwtError::WrongTokenUse
    );
    // Access token with scope: fine without an expression...
    let plain = validator(&store, &[ARN.to_string()], None);
    let access = key.sign("RS256", &access_claims(AWS_ISS, now, "pets/read"));
    plain
        .validate(&access, &scopes(&["pets/read"]), now)
        .await
        .expect("access token");
    // ...but AWS matches the expression against `aud`, which Cognito access tokens lack.
    assert_eq!(
        expect_err(v.validate(&access, &scopes(&["pets/read"]), now).await),
        JwtError::AudienceMismatch
    );
    // Validators for the same pool share the cache.
    assert_eq!(server.jwks_hits(), 1);
}

#[tokio::test]
async fn jwks_uri_override_skips_discovery() {
    let key = TestKey::rsa("k1", RSA1_PEM);
    let server = Issuer::start(&[&key]).await;
    let iss = "https://idp.example.com/".to_string();
    let mut options = store_options();
    options
        .jwks_uri_overrides
        .insert(iss.clone(), server.url("/x/jwks"));
    let store = store(options);
    let v = validator(&store, std::slice::from_ref(&iss), None);
    let now = SystemTime::now();
    v.validate(&key.sign("RS256", &id_claims(&iss, now)), &[], now)
        .await
        .expect("valid");
    assert_eq!((server.discovery_hits(), server.jwks_hits()), (0, 1));
}

#[tokio::test]
async fn generic_tokens_without_token_use_are_classified_by_scope() {
    let (key, _server, iss) = oidc_setup("/kc").await;
    let store = store(store_options());
    let v = validator(&store, std::slice::from_ref(&iss), None);
    let now = SystemTime::now();
    let t = unix(now);
    let id = key.sign(
        "RS256",
        &json!({"sub": "u", "iss": iss, "aud": "c", "exp": t + 60, "typ": "ID"}),
    );
    assert_eq!(
        v.validate(&id, &[], now).await.expect("id").token_kind(),
        TokenKind::Id
    );
    let access = key.sign(
        "RS256",
        &json!({"sub": "u", "iss": iss, "scope": "openid read", "exp": t + 60}),
    );
    assert_eq!(
        v.validate(&access, &scopes(&["read"]), now)
            .await
            .expect("access")
            .token_kind(),
        TokenKind::Access
    );
    assert_eq!(
        expect_err(v.validate(&access, &[], now).await),
        JwtError::WrongTokenUse
    );
    let weird = key.sign(
        "RS256",
        &json!({"sub": "u", "iss": iss, "token_use": "refresh", "exp": t + 60}),
    );
    assert_eq!(
        expect_err(v.validate(&weird, &[], now).await),
        JwtError::WrongTokenUse
    );
}

#[tokio::test]
async fn malformed_tokens_are_unauthorized() {
    let (key, server, iss) = oidc_setup("/p").await;
    let store = store(store_options());
    let v = validator(&store, std::slice::from_ref(&iss), None);
    let now = SystemTime::now();
    let good = key.sign("RS256", &id_claims(&iss, now));
    let huge_header = raw_token(
        &json!({"alg": "RS256", "kid": "k1", "pad": "x".repeat(100_000)}),
        &id_claims(&iss, now),
        b"sig",
    );
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_token = format!(
        "{}.{}.c2ln",
        base64_url(r#"{"alg":"RS256"}"#),
        base64_url(&deep)
    );
    let cases = vec![
        "abc".to_string(),
        "a.b".to_string(),
        "a.b.c.d".to_string(),
        "...".to_string(),
        "!!!.@@@.###".to_string(),
        good.replacen('.', "..", 1),
        format!("{good}.extra"),
        format!("{good}="),
        good.replacen('.', ".+", 1),
        huge_header,
        deep_token,
        "eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln".to_string(),
        "ü.ö.ä".to_string(),
        format!("{}.{}.c2ln", base64_url("null"), base64_url("{}")),
        format!(
            "{}.{}.c2ln",
            base64_url(r#"{"alg":"RS256"}"#),
            base64_url("\"str\"")
        ),
    ];
    for token in cases {
        let e = expect_err(v.validate(&token, &[], now).await);
        assert_eq!(e.message(), "Unauthorized", "{e:?}");
        assert_eq!(e.status(), 401);
    }
    assert_eq!(server.jwks_hits(), 0);
}

fn base64_url(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[tokio::test]
async fn unreachable_issuer_reports_keys_unavailable_and_backs_off() {
    let (key, server, iss) = oidc_setup("/down").await;
    server.set_failing(true);
    let store = store(store_options());
    let v = validator(&store, std::slice::from_ref(&iss), None);
    let now = SystemTime::now();
    let token = key.sign("RS256", &id_claims(&iss, now));
    let e = expect_err(v.validate(&token, &[], now).await);
    assert!(e.is_keys_unavailable(), "{e:?}");
    assert_eq!(e.message(), "Unauthorized");
    assert_eq!(e.status(), 401);
    let hits = server.discovery_hits();
    for _ in 0..10 {
        assert!(expect_err(v.validate(&token, &[], now).await).is_keys_unavailable());
    }
    assert_eq!(
        server.discovery_hits(),
        hits,
        "no retry within the interval"
    );

    // A closed port (nothing listening) is also reported as unavailable.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let closed_iss = format!("http://{}/x", closed.local_addr().expect("addr"));
    drop(closed);
    let v2 = validator(&store, std::slice::from_ref(&closed_iss), None);
    let t2 = key.sign("RS256", &id_claims(&closed_iss, now));
    assert!(expect_err(v2.validate(&t2, &[], now).await).is_keys_unavailable());
    assert!(v2.prefetch().await.is_err());
}

#[tokio::test]
async fn stale_keys_serve_while_the_issuer_is_down_then_expire() {
    let (key, server, iss) = oidc_setup("/stale").await;
    let store = store(KeyStoreOptions {
        ttl: Duration::from_millis(200),
        stale_if_error: Duration::from_millis(600),
        refetch_min_interval: Duration::from_millis(50),
        ..store_options()
    });
    let v = validator(&store, std::slice::from_ref(&iss), None);
    v.prefetch().await.expect("prefetch");
    assert_eq!(server.jwks_hits(), 1);
    let now = SystemTime::now();
    let token = key.sign("RS256", &id_claims(&iss, now));
    v.validate(&token, &[], now).await.expect("fresh");
    assert_eq!(server.jwks_hits(), 1);

    server.set_failing(true);
    tokio::time::sleep(Duration::from_millis(300)).await;
    v.validate(&token, &[], now)
        .await
        .expect("stale but within stale_if_error");
    tokio::time::sleep(Duration::from_millis(600)).await;
    let e = expect_err(v.validate(&token, &[], now).await);
    assert!(e.is_keys_unavailable(), "{e:?}");

    // Recovery.
    server.set_failing(false);
    tokio::time::sleep(Duration::from_millis(60)).await;
    v.validate(&token, &[], now).await.expect("recovered");
}

#[tokio::test]
async fn ttl_refresh_picks_up_new_keys() {
    let k1 = TestKey::rsa("k1", RSA1_PEM);
    let k2 = TestKey::rsa("k2", RSA2_PEM);
    let server = Issuer::start(&[&k1]).await;
    let iss = server.url("/ttl");
    let store = store(KeyStoreOptions {
        ttl: Duration::from_millis(200),
        ..store_options()
    });
    let v = validator(&store, std::slice::from_ref(&iss), None);
    let now = SystemTime::now();
    v.validate(&k1.sign("RS256", &id_claims(&iss, now)), &[], now)
        .await
        .expect("k1");
    server.serve_keys(&[&k2]);
    tokio::time::sleep(Duration::from_millis(250)).await;
    // The stale set still holds k1: this request refreshes it and k1 is gone.
    let e = expect_err(
        v.validate(&k1.sign("RS256", &id_claims(&iss, now)), &[], now)
            .await,
    );
    assert!(matches!(e, JwtError::UnknownKey(_)), "{e:?}");
    v.validate(&k2.sign("RS256", &id_claims(&iss, now)), &[], now)
        .await
        .expect("k2");
    assert_eq!(server.jwks_hits(), 2);
}

#[tokio::test]
async fn configuration_errors() {
    let store = store(store_options());
    let cfg = |providers: &[&str], expr: Option<&str>| tollgate_jwt::AuthorizerConfig {
        provider_arns: providers.iter().map(|s| s.to_string()).collect(),
        identity_validation_expression: expr.map(str::to_string),
    };
    let new = |c| tollgate_jwt::Validator::new(&c, store.clone(), Default::default());
    assert!(new(cfg(&[], None)).is_err());
    assert!(new(cfg(&["http://idp.example.com/"], None)).is_err());
    assert!(new(cfg(&[ARN], Some("(unclosed"))).is_err());
    assert!(new(cfg(&[ARN, "https://idp.example.com/"], Some("(?<=a)b|c++"))).is_ok());
    assert!(
        tollgate_jwt::KeyStore::new(KeyStoreOptions {
            cognito_endpoint: Some("ftp://x".into()),
            ..store_options()
        })
        .is_err()
    );
}

#[test]
fn validator_is_shareable_and_its_future_is_send() {
    fn send_sync<T: Send + Sync + 'static>() {}
    fn send<F: std::future::Future + Send>(_: &F) {}
    send_sync::<tollgate_jwt::Validator>();
    send_sync::<tollgate_jwt::KeyStore>();
    send_sync::<tollgate_jwt::Claims>();
    send_sync::<JwtError>();
    let store = store(store_options());
    let v = validator(&store, &[ARN.to_string()], None);
    let future = v.validate("x", &[], SystemTime::now());
    send(&future);
}
