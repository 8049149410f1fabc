//! HTTP/2 (cleartext and over TLS with ALPN) and TLS with the generated certificate.

mod common;

use std::sync::Arc;

use bytes::Bytes;
use common::{Tollgate, mock, write_definition};
use http::{Request, Version};
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde_json::json;

fn start(extra: &[&str]) -> (tempfile::TempDir, Tollgate, String) {
    let dir = tempfile::tempdir().unwrap();
    let doc = json!({
        "openapi": "3.0.1",
        "info": {"title": "protocols", "version": "1"},
        "paths": {"/hello": {"get": mock(200, "hello")}}
    });
    let file = write_definition(dir.path(), "p.json", &doc);
    let mut args = vec!["--api", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    let server = Tollgate::start(&dir.path().join("data"), &args);
    let id = server.api_id("protocols");
    (dir, server, id)
}

#[tokio::test(flavor = "multi_thread")]
async fn cleartext_http2_prior_knowledge() {
    let (_dir, server, id) = start(&[]);
    let client: Client<HttpConnector, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .http2_only(true)
        .build_http();
    let resp = client
        .request(
            Request::get(server.url(&id, "dev", "/hello"))
                .body(Empty::new())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.version(), Version::HTTP_2);
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.into_body().collect().await.unwrap().to_bytes(),
        "hello"
    );
}

#[derive(Debug)]
struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        assert!(!end_entity.is_empty());
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.0.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn tls_client(http2: bool) -> Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
        .with_no_client_auth();
    let builder = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(config)
        .https_only();
    let connector = if http2 {
        builder.enable_http2().build()
    } else {
        builder.enable_http1().build()
    };
    let mut b = Client::builder(TokioExecutor::new());
    if http2 {
        b.http2_only(true);
    }
    b.build(connector)
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_with_a_generated_certificate_speaks_h2_and_http1() {
    let (_dir, server, id) = start(&["--tls-listen", "127.0.0.1:0"]);
    let tls = server.tls.expect("TLS address printed");
    assert!(server.data_dir.join("tls/localhost.crt").exists());
    let url = format!(
        "https://localhost:{}/_aws/execute-api/{id}/dev/hello",
        tls.port()
    );
    for (http2, version) in [(true, Version::HTTP_2), (false, Version::HTTP_11)] {
        let resp = tls_client(http2)
            .request(Request::get(&url).body(Empty::new()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.version(), version);
        assert_eq!(resp.status(), 200);
        assert_eq!(
            resp.into_body().collect().await.unwrap().to_bytes(),
            "hello"
        );
    }
}
