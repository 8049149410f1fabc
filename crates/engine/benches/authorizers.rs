//! The per-request cost of authorization decisions that do no I/O: a Lambda authorizer answer
//! from its cache (the policy evaluated against the method ARN) and an RS256 JWT verification
//! with the issuer's keys cached. `cargo bench -p tollgate-engine --bench authorizers`.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http::HeaderValue;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair, RsaPublicKeyComponents};
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject as _;
use serde_json::json;
use tollgate_engine::authorizer::LambdaAuthorizer;
use tollgate_engine::context::RequestContext;
use tollgate_engine::{FunctionOutput, Functions};
use tollgate_model::Authorizer;

const ITERATIONS: u32 = 20_000;

struct AllowAll(AtomicU64);

#[async_trait]
impl Functions for AllowAll {
    async fn invoke(&self, _: &str, _: Bytes, _: &str) -> Result<FunctionOutput, String> {
        self.0.fetch_add(1, Ordering::Relaxed);
        let answer = json!({"principalId": "u", "policyDocument": {"Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow",
                "Resource": "arn:aws:execute-api:us-east-1:000000000000:abcdef1234/prod/GET/*"}]},
            "context": {"tenant": "t1"}});
        Ok(FunctionOutput {
            payload: Bytes::from(answer.to_string()),
            function_error: false,
        })
    }
}

fn context() -> RequestContext {
    let mut ctx = RequestContext::detached();
    ctx.api_id = "abcdef1234".into();
    ctx.stage = "prod".into();
    ctx.request_path = "/pets/42".into();
    ctx.method_arn =
        "arn:aws:execute-api:us-east-1:000000000000:abcdef1234/prod/GET/pets/42".into();
    ctx.headers
        .insert("authorization", HeaderValue::from_static("Bearer token-1"));
    ctx
}

async fn cached_lambda_authorizer() -> Duration {
    let a = Authorizer {
        id: "a1".into(),
        name: "tok".into(),
        kind: "TOKEN".into(),
        provider_arns: vec![],
        auth_type: None,
        authorizer_uri: Some("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations".into()),
        authorizer_credentials: None,
        identity_source: Some("method.request.header.Authorization".into()),
        identity_validation_expression: None,
        authorizer_result_ttl_in_seconds: Some(300),
    };
    let authorizer = LambdaAuthorizer::compile(&a)
        .expect("compiles")
        .expect("lambda");
    let functions = AllowAll(AtomicU64::new(0));
    let mut ctx = context();
    authorizer
        .authorize(Some(&functions), &mut ctx)
        .await
        .expect("allowed");
    let started = Instant::now();
    for _ in 0..ITERATIONS {
        let mut ctx = context();
        authorizer
            .authorize(Some(&functions), &mut ctx)
            .await
            .expect("allowed");
    }
    let per_call = started.elapsed() / ITERATIONS;
    assert_eq!(
        functions.0.load(Ordering::Relaxed),
        1,
        "served from the cache"
    );
    // The context rebuild is part of the loop; measure it alone and subtract it.
    let started = Instant::now();
    for _ in 0..ITERATIONS {
        std::hint::black_box(context());
    }
    per_call.saturating_sub(started.elapsed() / ITERATIONS)
}

async fn jwks_server(jwks: serde_json::Value) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let body = Bytes::from(jwks.to_string());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_req| {
                    let body = body.clone();
                    async move {
                        Ok::<_, Infallible>(http::Response::new(http_body_util::Full::new(body)))
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

async fn jwt_rs256() -> Duration {
    let der =
        PrivatePkcs8KeyDer::from_pem_slice(include_bytes!("../../jwt/tests/fixtures/rsa1.pk8.pem"))
            .expect("fixture");
    let pair = RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()).expect("RSA key");
    let public: RsaPublicKeyComponents<Vec<u8>> = pair.public().into();
    let jwks = json!({"keys": [{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
        "n": URL_SAFE_NO_PAD.encode(&public.n), "e": URL_SAFE_NO_PAD.encode(&public.e)}]});
    let addr = jwks_server(jwks).await;
    let pool = "us-east-1_Bench";
    let options = tollgate_jwt::KeyStoreOptions {
        cognito_endpoint: Some(format!("http://{addr}")),
        allow_plain_http: true,
        ..tollgate_jwt::KeyStoreOptions::default()
    };
    let store = tollgate_jwt::KeyStore::new(options).expect("key store");
    let config = tollgate_jwt::AuthorizerConfig {
        provider_arns: vec![format!(
            "arn:aws:cognito-idp:us-east-1:000000000000:userpool/{pool}"
        )],
        identity_validation_expression: None,
    };
    let validator =
        tollgate_jwt::Validator::new(&config, store, tollgate_jwt::ValidationOptions::default())
            .expect("validator");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let claims = json!({"sub": "u-1", "email": "a@example.com", "token_use": "id", "aud": "c1",
        "iss": format!("https://cognito-idp.us-east-1.amazonaws.com/{pool}"),
        "exp": now + 3600, "iat": now});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(json!({"alg": "RS256", "kid": "k1"}).to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut sig = vec![0; pair.public().modulus_len()];
    pair.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut sig,
    )
    .expect("sign");
    let token = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig));
    validator
        .validate(&token, &[], SystemTime::now())
        .await
        .expect("valid");
    let n = ITERATIONS / 10;
    let started = Instant::now();
    for _ in 0..n {
        std::hint::black_box(
            validator
                .validate(&token, &[], SystemTime::now())
                .await
                .expect("valid"),
        );
    }
    started.elapsed() / n
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut lambda = Vec::new();
    let mut jwt = Vec::new();
    for _ in 0..5 {
        lambda.push(rt.block_on(cached_lambda_authorizer()));
        jwt.push(rt.block_on(jwt_rs256()));
    }
    lambda.sort();
    jwt.sort();
    println!(
        "cached Lambda authorizer decision: median {:.2} µs (runs: {:?})",
        lambda[2].as_secs_f64() * 1e6,
        lambda
            .iter()
            .map(|d| format!("{:.2}", d.as_secs_f64() * 1e6))
            .collect::<Vec<_>>()
    );
    println!(
        "RS256 JWT verification (keys cached): median {:.2} µs (runs: {:?})",
        jwt[2].as_secs_f64() * 1e6,
        jwt.iter()
            .map(|d| format!("{:.2}", d.as_secs_f64() * 1e6))
            .collect::<Vec<_>>()
    );
}
