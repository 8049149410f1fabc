//! AWS_IAM (SigV4 signed with AWS's own `aws-sigv4` crate, as SDK clients sign) and
//! COGNITO_USER_POOLS (JWTs verified against a local JWKS server) on a real `tollgate serve`.

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Http, Tollgate};
use http_body_util::Full;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use serde_json::{Value, json};

fn guarded(scheme: &str, body: &str) -> Value {
    let mut m = common::mock(200, body);
    m["security"] = json!([{scheme: []}]);
    m
}

fn iam_api() -> Value {
    json!({
        "openapi": "3.0.1",
        "info": {"title": "iam", "version": "1"},
        "components": {"securitySchemes": {"sigv4": {
            "type": "apiKey", "name": "Authorization", "in": "header",
            "x-amazon-apigateway-authtype": "awsSigv4"
        }}},
        "paths": {
            "/whoami": {"get": guarded("sigv4", "{\"arn\":\"$context.identity.userArn\",\"key\":\"$context.identity.accessKey\"}")},
            "/secret": {"get": guarded("sigv4", "secret")}
        }
    })
}

const CREDENTIALS: &str = r#"{"credentials": [
  {"accessKeyId": "AKIDALICE", "secretAccessKey": "alice-secret", "accountId": "000000000000",
   "arn": "arn:aws:iam::000000000000:user/alice", "userId": "AIDAALICE"},
  {"accessKeyId": "AKIDBOB", "secretAccessKey": "bob-secret", "accountId": "000000000000",
   "arn": "arn:aws:iam::000000000000:user/bob", "userId": "AIDABOB",
   "policy": {"Version": "2012-10-17", "Statement": [
     {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:*/*/GET/*"},
     {"Effect": "Deny", "Action": "execute-api:Invoke", "Resource": "arn:aws:execute-api:*:*:*/*/GET/secret"}]}}
]}"#;

/// Signs a GET of `url` as an SDK would (service `execute-api`, us-east-1).
fn signed_headers(url: &str, key: &str, secret: &str, time: SystemTime) -> Vec<(String, String)> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    use aws_sigv4::sign::v4;
    let identity: aws_smithy_runtime_api::client::identity::Identity =
        aws_credential_types::Credentials::new(key, secret, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("execute-api")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let host = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let headers = [("host", host.as_str())];
    let signable =
        SignableRequest::new("GET", url, headers.into_iter(), SignableBody::Bytes(b"")).unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    instructions
        .headers()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

async fn signed_get(
    http: &Http,
    url: &str,
    key: &str,
    secret: &str,
    time: SystemTime,
) -> common::Reply {
    let headers = signed_headers(url, key, secret, time);
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    http.send(http::Method::GET, url, &refs, "").await
}

#[tokio::test(flavor = "multi_thread")]
async fn aws_iam_methods_verify_sigv4_and_identity_policies() {
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("credentials.json");
    std::fs::write(&creds, CREDENTIALS).unwrap();
    let file = common::write_definition(dir.path(), "iam.json", &iam_api());
    let server = Tollgate::start(
        &dir.path().join("data"),
        &[
            "--api",
            file.to_str().unwrap(),
            "--stage",
            "prod",
            "--credentials",
            creds.to_str().unwrap(),
        ],
    );
    let id = server.api_id("iam");
    let http = Http::default();
    let url = server.url(&id, "prod", "/whoami");

    // Unsigned: AWS's Missing Authentication Token.
    let r = http.get(&url).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.text(), r#"{"message":"Missing Authentication Token"}"#);
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("MissingAuthenticationTokenException")
    );

    let now = SystemTime::now();
    let r = signed_get(&http, &url, "AKIDALICE", "alice-secret", now).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"arn": "arn:aws:iam::000000000000:user/alice", "key": "AKIDALICE"})
    );

    // Wrong secret: InvalidSignatureException with the canonical request AWS would print.
    let r = signed_get(&http, &url, "AKIDALICE", "wrong", now).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("InvalidSignatureException")
    );
    assert!(
        r.json()["message"].as_str().unwrap().starts_with(
            "The request signature we calculated does not match the signature you provided."
        ),
        "{}",
        r.text()
    );
    // Unknown key.
    let r = signed_get(&http, &url, "AKIDNOBODY", "x", now).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json()["message"],
        "The security token included in the request is invalid."
    );
    // Six minutes old: expired.
    let old = now - std::time::Duration::from_secs(360);
    let r = signed_get(&http, &url, "AKIDALICE", "alice-secret", old).await;
    assert_eq!(r.status, 403);
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("Signature expired: "),
        "{}",
        r.text()
    );

    // Bob's identity policy denies /secret explicitly.
    let secret_url = server.url(&id, "prod", "/secret");
    let r = signed_get(&http, &secret_url, "AKIDBOB", "bob-secret", now).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.header("x-amzn-ErrorType"), Some("AccessDeniedException"));
    assert_eq!(
        r.json(),
        json!({"Message": format!("User: arn:aws:iam::000000000000:user/bob is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********0000:{id}/prod/GET/secret with an explicit deny")})
    );
    let r = signed_get(&http, &url, "AKIDBOB", "bob-secret", now).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

/// A local stand-in for Cognito's JWKS endpoint: `/{pool}/.well-known/jwks.json`.
async fn jwks_server(jwks: Value) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let body = bytes::Bytes::from(jwks.to_string());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let body = body.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let body = body.clone();
                        async move {
                            let mut r = http::Response::new(Full::new(
                                if req.uri().path().ends_with("/.well-known/jwks.json") {
                                    body
                                } else {
                                    bytes::Bytes::new()
                                },
                            ));
                            if !req.uri().path().ends_with("/.well-known/jwks.json") {
                                *r.status_mut() = http::StatusCode::NOT_FOUND;
                            }
                            Ok::<_, Infallible>(r)
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

struct Signer {
    pair: EcdsaKeyPair,
}

impl Signer {
    fn new() -> Signer {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        Signer { pair }
    }

    fn jwks(&self) -> Value {
        let point = self.pair.public_key().as_ref();
        json!({"keys": [{"kty": "EC", "kid": "k1", "use": "sig", "crv": "P-256", "alg": "ES256",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65])}]})
    }

    fn token(&self, claims: &Value) -> String {
        let header = json!({"alg": "ES256", "kid": "k1", "typ": "JWT"});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let sig = self
            .pair
            .sign(&SystemRandom::new(), input.as_bytes())
            .unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cognito_user_pool_authorizers_verify_jwts() {
    let signer = Signer::new();
    let jwks = jwks_server(signer.jwks()).await;
    let pool = "us-east-1_Tollgate";
    let mut scoped = guarded("pool", "scoped ok");
    scoped["security"] = json!([{"pool": ["pets/read"]}]);
    let doc = json!({
        "openapi": "3.0.1",
        "info": {"title": "pool", "version": "1"},
        "components": {"securitySchemes": {"pool": {
            "type": "apiKey", "name": "Authorization", "in": "header",
            "x-amazon-apigateway-authtype": "cognito_user_pools",
            "x-amazon-apigateway-authorizer": {
                "type": "cognito_user_pools",
                "providerARNs": [format!("arn:aws:cognito-idp:us-east-1:000000000000:userpool/{pool}")]
            }
        }}},
        "paths": {
            "/me": {"get": guarded("pool", "{\"email\":\"$context.authorizer.claims.email\",\"sub\":\"$context.authorizer.claims.sub\"}")},
            "/scoped": {"get": scoped}
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let file = common::write_definition(dir.path(), "pool.json", &doc);
    let endpoint = format!("http://{jwks}");
    let server = Tollgate::start(
        &dir.path().join("data"),
        &[
            "--api",
            file.to_str().unwrap(),
            "--stage",
            "prod",
            "--cognito-endpoint",
            &endpoint,
        ],
    );
    let id = server.api_id("pool");
    let http = Http::default();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let issuer = format!("https://cognito-idp.us-east-1.amazonaws.com/{pool}");
    let id_token = signer.token(
        &json!({"sub": "u-1", "email": "ann@example.com", "iss": issuer,
        "token_use": "id", "aud": "client1", "exp": now + 300, "iat": now}),
    );
    let get = |path: &str, token: Option<String>| {
        let url = server.url(&id, "prod", path);
        let http = &http;
        async move {
            let headers: Vec<(&str, String)> = token
                .map(|t| vec![("Authorization", t)])
                .unwrap_or_default();
            let refs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            http.send(http::Method::GET, &url, &refs, "").await
        }
    };
    let r = get("/me", Some(id_token.clone())).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"email": "ann@example.com", "sub": "u-1"}));
    let r = get("/me", None).await;
    assert_eq!(
        (r.status.as_u16(), r.text()),
        (401, r#"{"message":"Unauthorized"}"#.to_owned())
    );
    let expired = signer.token(&json!({"sub": "u-1", "iss": issuer, "token_use": "id",
        "exp": now - 10, "iat": now - 400}));
    let r = get("/me", Some(expired)).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.text(), r#"{"message":"The incoming token has expired"}"#);
    // Verified tokens are cached, but expiry is checked on every request.
    let short = signer.token(
        &json!({"sub": "u-2", "email": "bo@example.com", "iss": issuer,
        "token_use": "id", "exp": now + 2, "iat": now}),
    );
    let r = get("/me", Some(short.clone())).await;
    assert_eq!(r.json(), json!({"email": "bo@example.com", "sub": "u-2"}));
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    while SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
        < now + 2
    {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let r = get("/me", Some(short)).await;
    assert_eq!(
        (r.status.as_u16(), r.text()),
        (
            401,
            r#"{"message":"The incoming token has expired"}"#.to_owned()
        )
    );
    // Scoped methods take access tokens carrying one of the scopes.
    let access = |scope: &str| {
        signer.token(&json!({"sub": "u-1", "iss": issuer, "token_use": "access",
        "client_id": "client1", "scope": scope, "exp": now + 300, "iat": now}))
    };
    assert_eq!(
        get("/scoped", Some(access("pets/read openid")))
            .await
            .status,
        200
    );
    assert_eq!(get("/scoped", Some(access("pets/write"))).await.status, 401);
    assert_eq!(get("/scoped", Some(id_token)).await.status, 401);
    // A forged signature (a character in the middle of it: the last one carries padding bits).
    let token = access("pets/read");
    let at = token.rfind('.').unwrap() + 10;
    let swapped = if &token[at..=at] == "A" { "B" } else { "A" };
    let forged = format!("{}{swapped}{}", &token[..at], &token[at + 1..]);
    assert_eq!(get("/scoped", Some(forged)).await.status, 401);
}
