//! The Invoke API through AWS's own SDK client (`aws-sdk-lambda`), against a real HTTP server
//! wrapping `invoke_api` and a `FunctionHost` running real functions.

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;

use aws_sdk_lambda::config::retry::RetryConfig;
use aws_sdk_lambda::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType, LogType};
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, SharedHttpClient, SharedHttpConnector, http_client_fn,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_types::body::SdkBody;
use base64::Engine;
use bytes::Bytes;
use common::*;
use http_body_util::Full;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector as HyperHttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::json;
use tollgate_lambda::{FunctionHost, HostOptions, invoke_api};

/// Serves `invoke_api` for `host` on 127.0.0.1:{port}; other paths get 404.
async fn serve(host: FunctionHost) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let host = host.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let host = host.clone();
                    async move {
                        let response = invoke_api(&host, request).await.unwrap_or_else(|| {
                            let mut r =
                                http::Response::new(Bytes::from_static(b"not an Invoke API path"));
                            *r.status_mut() = http::StatusCode::NOT_FOUND;
                            r
                        });
                        Ok::<_, Infallible>(response.map(Full::new))
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// A plain-HTTP client for the SDK, on hyper (the SDK's own clients bring TLS stacks).
#[derive(Debug, Clone)]
struct PlainHttp(HyperClient<HyperHttpConnector, SdkBody>);

impl HttpConnector for PlainHttp {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let client = self.0.clone();
        HttpConnectorFuture::new(async move {
            let request = request
                .try_into_http1x()
                .map_err(|e| ConnectorError::user(e.into()))?;
            let response = client
                .request(request)
                .await
                .map_err(|e| ConnectorError::io(e.into()))?;
            HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                .map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}

fn plain_http_client() -> SharedHttpClient {
    let connector = PlainHttp(HyperClient::builder(TokioExecutor::new()).build_http());
    http_client_fn(move |_, _| SharedHttpConnector::new(connector.clone()))
}

fn client(addr: SocketAddr) -> aws_sdk_lambda::Client {
    let config = aws_sdk_lambda::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIDEXAMPLE",
            "secret",
            None,
            None,
            "test",
        ))
        .endpoint_url(format!("http://{addr}"))
        .http_client(plain_http_client())
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_lambda::Client::from_conf(config)
}

async fn setup(options: HostOptions) -> (TestHost, aws_sdk_lambda::Client) {
    let host = host_with(options);
    host.register(rust_function("echo", "echo"));
    host.register(rust_function("fail", "fail"));
    host.register(rust_function("sleep", "sleep"));
    let addr = serve(host.host.clone()).await;
    (host, client(addr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sdk_invokes_functions() {
    let (_host, lambda) = setup(HostOptions::default()).await;
    let out = lambda
        .invoke()
        .function_name("echo")
        .payload(Blob::new(json!({"via": "sdk"}).to_string()))
        .send()
        .await
        .expect("invoke");
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.executed_version(), Some("$LATEST"));
    assert_eq!(out.function_error(), None);
    assert_eq!(out.log_result(), None);
    let v: serde_json::Value = serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    assert_eq!(v["event"], json!({"via": "sdk"}));

    // By full ARN, with a qualifier.
    let out = lambda
        .invoke()
        .function_name("arn:aws:lambda:us-east-1:000000000000:function:echo")
        .qualifier("$LATEST")
        .payload(Blob::new("{}"))
        .send()
        .await
        .expect("invoke by ARN");
    assert_eq!(out.status_code(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn function_errors_and_the_log_tail() {
    let (_host, lambda) = setup(HostOptions::default()).await;
    let out = lambda
        .invoke()
        .function_name("fail")
        .payload(Blob::new(r#"{"message":"sdk sees this"}"#))
        .log_type(LogType::Tail)
        .send()
        .await
        .expect("a function error is not an SDK error");
    assert_eq!(out.status_code(), 200);
    assert_eq!(out.function_error(), Some("Unhandled"));
    let v: serde_json::Value = serde_json::from_slice(out.payload().unwrap().as_ref()).unwrap();
    assert_eq!(
        v,
        json!({"errorType": "Boom", "errorMessage": "sdk sees this"})
    );
    let log = base64::engine::general_purpose::STANDARD
        .decode(out.log_result().unwrap())
        .unwrap();
    let log = String::from_utf8(log).unwrap();
    assert!(
        log.contains("START RequestId: ") && log.contains("failing: sdk sees this"),
        "{log}"
    );
    assert!(log.contains("REPORT RequestId: "), "{log}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_and_dry_run() {
    let (host, lambda) = setup(HostOptions::default()).await;
    let out = lambda
        .invoke()
        .function_name("echo")
        .invocation_type(InvocationType::Event)
        .payload(Blob::new("{}"))
        .send()
        .await
        .expect("Event");
    assert_eq!(out.status_code(), 202);
    assert!(out.payload().map(|p| p.as_ref().is_empty()).unwrap_or(true));

    let out = lambda
        .invoke()
        .function_name("sleep")
        .invocation_type(InvocationType::DryRun)
        .send()
        .await
        .expect("DryRun");
    assert_eq!(out.status_code(), 204);
    let sleep = host
        .stats()
        .into_iter()
        .find(|s| s.name == "sleep")
        .unwrap();
    assert_eq!(sleep.workers, 0, "DryRun runs nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_functions_are_resource_not_found() {
    let (_host, lambda) = setup(HostOptions::default()).await;
    let err = lambda
        .invoke()
        .function_name("nope")
        .send()
        .await
        .expect_err("404");
    let service = err.into_service_error();
    assert!(service.is_resource_not_found_exception(), "{service:?}");
    assert_eq!(
        aws_sdk_lambda::error::ProvideErrorMetadata::message(&service),
        Some("Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope")
    );

    let err = lambda
        .invoke()
        .function_name("nope")
        .invocation_type(InvocationType::DryRun)
        .send()
        .await
        .expect_err("404");
    assert!(err.into_service_error().is_resource_not_found_exception());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_oversized_requests() {
    let (_host, lambda) = setup(HostOptions {
        queue_limit: 0,
        ..HostOptions::default()
    })
    .await;
    let err = lambda
        .invoke()
        .function_name("echo")
        .payload(Blob::new("{}"))
        .send()
        .await
        .expect_err("429");
    let service = err.into_service_error();
    assert!(service.is_too_many_requests_exception(), "{service:?}");
    assert_eq!(
        aws_sdk_lambda::error::ProvideErrorMetadata::message(&service),
        Some("Rate Exceeded.")
    );

    let big = format!("\"{}\"", "x".repeat(6 * 1024 * 1024));
    let err = lambda
        .invoke()
        .function_name("echo")
        .payload(Blob::new(big))
        .send()
        .await
        .expect_err("413");
    let raw = err.raw_response().map(|r| r.status().as_u16());
    assert_eq!(raw, Some(413));
    let service = err.into_service_error();
    assert_eq!(
        aws_sdk_lambda::error::ProvideErrorMetadata::code(&service),
        Some("RequestEntityTooLargeException")
    );
    assert_eq!(
        aws_sdk_lambda::error::ProvideErrorMetadata::message(&service),
        Some("Request must be smaller than 6291456 bytes for the InvokeFunction operation")
    );
}
