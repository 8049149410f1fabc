//! JWKS over HTTPS (rustls, ring provider) from a local self-signed server.

mod common;

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use common::*;
use http_body_util::Full;
use hyper::Response;
use hyper_util::rt::TokioIo;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::json;
use tollgate_jwt::KeyStore;

/// Serves `jwks` at every path over TLS for `localhost`; returns the port
/// and the certificate to trust.
async fn tls_server(jwks: String) -> (u16, CertificateDer<'static>) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()])
        .expect("self-signed certificate");
    let cert = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert.clone()], key)
    .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            let jwks = jwks.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper::service::service_fn(move |_req| {
                    let body = Bytes::from(jwks.clone());
                    async move { Ok::<_, std::convert::Infallible>(Response::new(Full::new(body))) }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (port, cert)
}

#[tokio::test]
async fn fetches_keys_over_https_with_a_trusted_root() {
    let key = TestKey::rsa("tls1", RSA1_PEM);
    let jwks = json!({"keys": [key.jwk()]}).to_string();
    let (port, cert) = tls_server(jwks).await;
    let iss = "https://issuer.example.com".to_string();
    let mut options = store_options();
    options
        .jwks_uri_overrides
        .insert(iss.clone(), format!("https://localhost:{port}/jwks"));

    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).expect("root");
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    let trusting = KeyStore::with_tls_config(options.clone(), tls).expect("store");
    let v = validator(&trusting, std::slice::from_ref(&iss), None);
    let now = SystemTime::now();
    let t = unix(now);
    let token = key.sign(
        "RS256",
        &json!({"sub": "u", "iss": iss, "aud": "c", "exp": t + 60}),
    );
    v.validate(&token, &[], now)
        .await
        .expect("valid over https");

    // The default store (webpki roots) refuses the self-signed certificate.
    let default_store = KeyStore::new(options).expect("store");
    let v = validator(&default_store, std::slice::from_ref(&iss), None);
    let e = v.validate(&token, &[], now).await.expect_err("untrusted");
    assert!(e.is_keys_unavailable(), "{e:?}");
    assert_eq!(e.message(), "Unauthorized");
}
