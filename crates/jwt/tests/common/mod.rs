//! Shared test fixtures: signing keys, token minting and a local OIDC/JWKS server.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair as _, RsaKeyPair};
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject as _;
use serde_json::{Value, json};
use tollgate_jwt::{AuthorizerConfig, KeyStore, KeyStoreOptions, ValidationOptions, Validator};

pub const RSA1_PEM: &[u8] = include_bytes!("../fixtures/rsa1.pk8.pem");
pub const RSA2_PEM: &[u8] = include_bytes!("../fixtures/rsa2.pk8.pem");

/// A signing key with its `kid`.
pub enum Signer {
    Rsa(RsaKeyPair),
    Ec {
        pair: EcdsaKeyPair,
        crv: &'static str,
        pkcs8: Vec<u8>,
    },
}

pub struct TestKey {
    pub kid: String,
    pub signer: Signer,
}

impl TestKey {
    pub fn rsa(kid: &str, pem: &[u8]) -> TestKey {
        let der = PrivatePkcs8KeyDer::from_pem_slice(pem).expect("fixture PEM");
        let pair = RsaKeyPair::from_pkcs8(der.secret_pkcs8_der()).expect("fixture RSA key");
        TestKey {
            kid: kid.to_string(),
            signer: Signer::Rsa(pair),
        }
    }

    pub fn ec(kid: &str, crv: &'static str) -> TestKey {
        let alg = match crv {
            "P-256" => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            _ => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        };
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).expect("EC keygen");
        let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).expect("EC key");
        TestKey {
            kid: kid.to_string(),
            signer: Signer::Ec {
                pair,
                crv,
                pkcs8: pkcs8.as_ref().to_vec(),
            },
        }
    }

    /// The public JWK.
    pub fn jwk(&self) -> Value {
        match &self.signer {
            Signer::Rsa(pair) => {
                let c: signature::RsaPublicKeyComponents<Vec<u8>> = pair.public().into();
                json!({"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256",
                       "n": URL_SAFE_NO_PAD.encode(&c.n), "e": URL_SAFE_NO_PAD.encode(&c.e)})
            }
            Signer::Ec { pair, crv, .. } => {
                let point = pair.public_key().as_ref();
                let len = (point.len() - 1) / 2;
                json!({"kty": "EC", "kid": self.kid, "use": "sig", "crv": crv,
                       "x": URL_SAFE_NO_PAD.encode(&point[1..1 + len]),
                       "y": URL_SAFE_NO_PAD.encode(&point[1 + len..])})
            }
        }
    }

    /// The JWK without `alg` (lets one RSA key sign RS384/PS256 tokens).
    pub fn jwk_without_alg(&self) -> Value {
        let mut jwk = self.jwk();
        if let Some(o) = jwk.as_object_mut() {
            o.remove("alg");
        }
        jwk
    }

    /// PKCS#1 DER of the RSA public key.
    pub fn rsa_public_der(&self) -> Vec<u8> {
        match &self.signer {
            Signer::Rsa(pair) => pair.public().as_ref().to_vec(),
            Signer::Ec { pair, .. } => pair.public_key().as_ref().to_vec(),
        }
    }

    /// Signs `claims` with `alg` and this key's `kid`.
    pub fn sign(&self, alg: &str, claims: &Value) -> String {
        self.sign_with_header(&json!({"alg": alg, "kid": self.kid, "typ": "JWT"}), claims)
    }

    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let alg = header["alg"].as_str().unwrap_or("RS256");
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let rng = SystemRandom::new();
        let sig = match &self.signer {
            Signer::Rsa(pair) => {
                let padding: &'static dyn signature::RsaEncoding = match alg {
                    "RS384" => &signature::RSA_PKCS1_SHA384,
                    "RS512" => &signature::RSA_PKCS1_SHA512,
                    "PS256" => &signature::RSA_PSS_SHA256,
                    _ => &signature::RSA_PKCS1_SHA256,
                };
                let mut sig = vec![0; pair.public().modulus_len()];
                pair.sign(padding, &rng, input.as_bytes(), &mut sig)
                    .expect("RSA sign");
                sig
            }
            Signer::Ec { pair, .. } => pair
                .sign(&rng, input.as_bytes())
                .expect("EC sign")
                .as_ref()
                .to_vec(),
        };
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }
}

/// An unsigned token (`alg` as given, signature part as given).
pub fn raw_token(header: &Value, claims: &Value, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// An HS256 token using `secret` as the HMAC key.
pub fn hs256_token(kid: &str, claims: &Value, secret: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(json!({"alg": "HS256", "kid": kid, "typ": "JWT"}).to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret);
    let tag = ring::hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

/// PEM text of DER bytes.
pub fn pem(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or(""));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

pub fn unix(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A local OIDC issuer: serves `{prefix}/.well-known/openid-configuration`,
/// `{prefix}/jwks` and `{prefix}/.well-known/jwks.json` for any prefix.
pub struct Issuer {
    pub addr: SocketAddr,
    pub jwks: Arc<Mutex<Value>>,
    pub jwks_hits: Arc<AtomicU64>,
    pub discovery_hits: Arc<AtomicU64>,
    pub failing: Arc<AtomicBool>,
    pub delay: Arc<Mutex<Duration>>,
}

impl Issuer {
    pub async fn start(keys: &[&TestKey]) -> Issuer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let issuer = Issuer {
            addr,
            jwks: Arc::new(Mutex::new(json!({"keys": []}))),
            jwks_hits: Arc::new(AtomicU64::new(0)),
            discovery_hits: Arc::new(AtomicU64::new(0)),
            failing: Arc::new(AtomicBool::new(false)),
            delay: Arc::new(Mutex::new(Duration::ZERO)),
        };
        issuer.serve_keys(keys);
        let state = (
            issuer.jwks.clone(),
            issuer.jwks_hits.clone(),
            issuer.discovery_hits.clone(),
            issuer.failing.clone(),
            issuer.delay.clone(),
        );
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = state.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                        let state = state.clone();
                        async move { Ok::<_, Infallible>(handle(req, addr, state).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        issuer
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The issuer URL for a path prefix such as `/realms/test`.
    pub fn url(&self, prefix: &str) -> String {
        format!("{}{prefix}", self.base())
    }

    pub fn serve_keys(&self, keys: &[&TestKey]) {
        self.serve_jwks(json!({"keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>()}));
    }

    pub fn serve_jwks(&self, jwks: Value) {
        *self.jwks.lock().expect("lock") = jwks;
    }

    pub fn jwks_hits(&self) -> u64 {
        self.jwks_hits.load(Ordering::SeqCst)
    }

    pub fn discovery_hits(&self) -> u64 {
        self.discovery_hits.load(Ordering::SeqCst)
    }

    pub fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    pub fn set_delay(&self, delay: Duration) {
        *self.delay.lock().expect("lock") = delay;
    }
}

type State = (
    Arc<Mutex<Value>>,
    Arc<AtomicU64>,
    Arc<AtomicU64>,
    Arc<AtomicBool>,
    Arc<Mutex<Duration>>,
);

async fn handle(req: Request<Incoming>, addr: SocketAddr, state: State) -> Response<Full<Bytes>> {
    let (jwks, jwks_hits, discovery_hits, failing, delay) = state;
    let path = req.uri().path().to_string();
    let delay = *delay.lock().expect("lock");
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let body = if let Some(prefix) = path.strip_suffix("/.well-known/openid-configuration") {
        discovery_hits.fetch_add(1, Ordering::SeqCst);
        Some(json!({"issuer": format!("http://{addr}{prefix}"),
                    "jwks_uri": format!("http://{addr}{prefix}/jwks")}))
    } else if path.ends_with("/jwks") || path.ends_with("/.well-known/jwks.json") {
        jwks_hits.fetch_add(1, Ordering::SeqCst);
        Some(jwks.lock().expect("lock").clone())
    } else {
        None
    };
    let (status, body) = match body {
        _ if failing.load(Ordering::SeqCst) => {
            (StatusCode::INTERNAL_SERVER_ERROR, "{}".to_string())
        }
        Some(v) => (StatusCode::OK, v.to_string()),
        None => (StatusCode::NOT_FOUND, "{}".to_string()),
    };
    let mut resp = Response::new(Full::new(Bytes::from(body)));
    *resp.status_mut() = status;
    resp
}

/// Options suited to tests: short intervals.
pub fn store_options() -> KeyStoreOptions {
    KeyStoreOptions {
        refetch_min_interval: Duration::from_secs(60),
        fetch_timeout: Duration::from_secs(5),
        ..KeyStoreOptions::default()
    }
}

pub fn validator(
    store: &Arc<KeyStore>,
    providers: &[String],
    expression: Option<&str>,
) -> Validator {
    Validator::new(
        &AuthorizerConfig {
            provider_arns: providers.to_vec(),
            identity_validation_expression: expression.map(str::to_string),
        },
        store.clone(),
        ValidationOptions::default(),
    )
    .expect("valid config")
}

pub fn store(options: KeyStoreOptions) -> Arc<KeyStore> {
    KeyStore::new(options).expect("store")
}

pub fn scopes(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}
