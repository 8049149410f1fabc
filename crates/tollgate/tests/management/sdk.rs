//! AWS's SDK client for a Tollgate management listener, over plain HTTP, and helpers the
//! modules share.
#![allow(dead_code)]

use std::time::{Duration, Instant};

use aws_sdk_apigateway::config::retry::RetryConfig;
use aws_sdk_apigateway::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_apigateway::types::{Op, PatchOperation};
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, SharedHttpClient, SharedHttpConnector, http_client_fn,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_types::body::SdkBody;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector as HyperHttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::common::{self, Served};

/// Plain HTTP for the SDK, on hyper (the SDK's default clients bring TLS stacks).
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

pub fn plain_http() -> SharedHttpClient {
    let connector = PlainHttp(HyperClient::builder(TokioExecutor::new()).build_http());
    http_client_fn(move |_, _| SharedHttpConnector::new(connector.clone()))
}

pub fn client(served: &Served) -> aws_sdk_apigateway::Client {
    client_at(served.server.admin)
}

pub fn client_at(admin: std::net::SocketAddr) -> aws_sdk_apigateway::Client {
    client_signing_as(admin, "AKIDEXAMPLE", "secret")
}

/// A client that signs with this access key and secret.
pub fn client_signing_as(
    admin: std::net::SocketAddr,
    access_key: &str,
    secret: &str,
) -> aws_sdk_apigateway::Client {
    let config = aws_sdk_apigateway::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("eu-west-1"))
        .credentials_provider(Credentials::new(access_key, secret, None, None, "test"))
        .endpoint_url(format!("http://{admin}"))
        .http_client(plain_http())
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_apigateway::Client::from_conf(config)
}

/// GETs `url` until the status is `want` and the body contains `text` (the server polls the
/// store for deployments), returning the last reply.
pub async fn get_until(url: &str, want: u16, text: &str) -> common::Reply {
    let http = common::Http::default();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = http.get(url).await;
        if (r.status == want && r.text().contains(text)) || Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A `replace` patch operation.
pub fn replace(path: &str, value: &str) -> PatchOperation {
    PatchOperation::builder()
        .op(Op::Replace)
        .path(path)
        .value(value)
        .build()
}
