//! Remote Lambda: functions with a `RemoteTarget` are invoked over HTTP with SigV4. The test
//! endpoint is a real server on a real socket that verifies every `Authorization` header by
//! re-signing the request it received (aws-sigv4), then answers as Lambda would.

mod common;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use base64::Engine;
use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tollgate_lambda::{
    FunctionConfig, FunctionError, InvocationType, Invoke, InvokeError, RemoteTarget, Runtime,
};

const ACCESS_KEY: &str = "AKIDREMOTEEXAMPLE";
const SECRET: &str = "remote/secret/key";
const TOKEN: &str = "remote-session-token";

/// What the endpoint saw, for assertions.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    invocation_type: Option<String>,
    log_type: Option<String>,
    body: Bytes,
    signature_ok: bool,
}

/// `20261125T180102Z` → the time it names.
fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let n = |range: std::ops::Range<usize>| value.get(range).and_then(|s| s.parse::<u32>().ok());
    let date = time::Date::from_calendar_date(
        n(0..4)? as i32,
        time::Month::try_from(n(4..6)? as u8).ok()?,
        n(6..8)? as u8,
    )
    .ok()?;
    let t = time::Time::from_hms(n(9..11)? as u8, n(11..13)? as u8, n(13..15)? as u8).ok()?;
    let ts = time::PrimitiveDateTime::new(date, t)
        .assume_utc()
        .unix_timestamp();
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(ts as u64))
}

/// Re-signs the received request with the known credentials and compares signatures.
fn verify(request: &http::request::Parts, body: &[u8], addr: SocketAddr) -> bool {
    let Some(auth) = request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(rest) = auth.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return false;
    };
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(", ") {
        match part.split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed_headers = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {}
        }
    }
    let (Some(credential), Some(signed_headers), Some(signature)) =
        (credential, signed_headers, signature)
    else {
        return false;
    };
    // AKID/20261125/us-east-1/lambda/aws4_request
    let scope: Vec<&str> = credential.split('/').collect();
    if scope.len() != 5
        || scope[0] != ACCESS_KEY
        || scope[3] != "lambda"
        || scope[4] != "aws4_request"
    {
        return false;
    }
    let Some(time) = request
        .headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_amz_date)
    else {
        return false;
    };
    let mut headers = Vec::new();
    for name in signed_headers.split(';') {
        let Some(value) = request.headers.get(name).and_then(|v| v.to_str().ok()) else {
            return false;
        };
        headers.push((name, value));
    }
    let uri = format!(
        "http://{addr}{}",
        request
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/")
    );
    let identity: Identity =
        Credentials::new(ACCESS_KEY, SECRET, Some(TOKEN.into()), None, "server").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(scope[2])
        .name("lambda")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        request.method.as_str(),
        uri,
        headers.into_iter(),
        SignableBody::Bytes(body),
    )
    .unwrap();
    let (_, expected) = sign(signable, &params).unwrap().into_parts();
    expected == signature
}

async fn endpoint() -> (SocketAddr, Arc<Mutex<Vec<Seen>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(
                    move |request: http::Request<hyper::body::Incoming>| {
                        let log = log.clone();
                        async move {
                            let (parts, body) = request.into_parts();
                            let body = body
                                .collect()
                                .await
                                .map(|c| c.to_bytes())
                                .unwrap_or_default();
                            let signature_ok = verify(&parts, &body, addr);
                            let header = |n: &str| {
                                parts
                                    .headers
                                    .get(n)
                                    .and_then(|v| v.to_str().ok())
                                    .map(str::to_string)
                            };
                            let path = percent_encoding::percent_decode_str(parts.uri.path())
                                .decode_utf8_lossy()
                                .into_owned();
                            log.lock().unwrap().push(Seen {
                                path: path.clone(),
                                invocation_type: header("x-amz-invocation-type"),
                                log_type: header("x-amz-log-type"),
                                body: body.clone(),
                                signature_ok,
                            });
                            let response = if !signature_ok {
                                lambda_error(
                                    403,
                                    "InvalidSignatureException",
                                    "The request signature we calculated does not match the signature you provided.",
                                )
                            } else if path.contains(":function:missing/") {
                                lambda_error(
                                    404,
                                    "ResourceNotFoundException",
                                    "Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing",
                                )
                            } else {
                                let failing = path.contains(":function:failing/");
                                let mut b = http::Response::builder()
                                    .header("x-amzn-requestid", "remote-request-id")
                                    .header("x-amz-executed-version", "$LATEST");
                                b = match header("x-amz-invocation-type").as_deref() {
                                    Some("Event") => b.status(202),
                                    Some("DryRun") => b.status(204),
                                    _ => b.status(200),
                                };
                                if failing {
                                    b = b.header("x-amz-function-error", "Unhandled");
                                }
                                if header("x-amz-log-type").as_deref() == Some("Tail") {
                                    b = b.header(
                                        "x-amz-log-result",
                                        base64::engine::general_purpose::STANDARD
                                            .encode("START remote log\n"),
                                    );
                                }
                                let payload = if failing {
                                    Bytes::from_static(
                                        br#"{"errorType":"Error","errorMessage":"remote failure"}"#,
                                    )
                                } else {
                                    Bytes::from(json!({"remote": true, "got": serde_json::from_slice::<serde_json::Value>(&body).ok()}).to_string())
                                };
                                b.body(Full::new(payload)).unwrap()
                            };
                            Ok::<_, Infallible>(response)
                        }
                    },
                );
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, seen)
}

fn lambda_error(status: u16, error_type: &str, message: &str) -> http::Response<Full<Bytes>> {
    http::Response::builder()
        .status(status)
        .header("x-amzn-errortype", error_type)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(
            json!({"Type": "User", "message": message}).to_string(),
        )))
        .unwrap()
}

fn remote(name: &str, addr: SocketAddr, function: &str, secret: &str) -> FunctionConfig {
    let mut config = FunctionConfig::new(name, Runtime::Provided, ".");
    config.remote = Some(RemoteTarget {
        endpoint: format!("http://{addr}"),
        region: "eu-west-1".into(),
        function: format!("arn:aws:lambda:us-east-1:123456789012:function:{function}"),
        access_key_id: ACCESS_KEY.into(),
        secret_access_key: secret.into(),
        session_token: Some(TOKEN.into()),
    });
    config
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_functions_are_invoked_with_sigv4() {
    let (addr, seen) = endpoint().await;
    let host = host();
    host.register(remote("pets", addr, "pets", SECRET));
    let result = host
        .invoke("pets", tail(event(&json!({"id": 7}))))
        .await
        .unwrap();
    assert_eq!(result.function_error, None);
    assert_eq!(json(&result), json!({"remote": true, "got": {"id": 7}}));
    assert_eq!(result.request_id, "remote-request-id");
    assert_eq!(result.log_tail.as_deref(), Some("START remote log\n"));

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert!(
        seen[0].signature_ok,
        "the endpoint must accept the signature"
    );
    assert_eq!(
        seen[0].path,
        "/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pets/invocations"
    );
    assert_eq!(seen[0].invocation_type.as_deref(), Some("RequestResponse"));
    assert_eq!(seen[0].log_type.as_deref(), Some("Tail"));
    assert_eq!(seen[0].body.as_ref(), br#"{"id":7}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_function_errors_event_and_dry_run() {
    let (addr, seen) = endpoint().await;
    let host = host();
    host.register(remote("failing", addr, "failing", SECRET));
    let result = invoke(&host, "failing", json!({})).await;
    assert_eq!(result.function_error, Some(FunctionError::Unhandled));
    assert_eq!(json(&result)["errorMessage"], "remote failure");
    assert!(result.log_tail.is_none());

    let queued = host
        .invoke(
            "failing",
            with_type(event(&json!({})), InvocationType::Event),
        )
        .await
        .unwrap();
    assert!(queued.payload.is_empty());
    let dry = host
        .invoke(
            "failing",
            with_type(event(&json!({})), InvocationType::DryRun),
        )
        .await
        .unwrap();
    assert!(dry.payload.is_empty());
    let types: Vec<Option<String>> = seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.invocation_type.clone())
        .collect();
    assert_eq!(
        types,
        vec![
            Some("RequestResponse".into()),
            Some("Event".into()),
            Some("DryRun".into())
        ]
    );
    assert!(seen.lock().unwrap().iter().all(|s| s.signature_ok));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_errors_become_remote_invoke_errors() {
    let (addr, _seen) = endpoint().await;
    let host = host();
    host.register(remote("missing", addr, "missing", SECRET));
    match host.invoke("missing", event(&json!({}))).await {
        Err(InvokeError::Remote(message)) => assert_eq!(
            message,
            "ResourceNotFoundException: Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing"
        ),
        other => panic!("{other:?}"),
    }
    host.register(remote("badsig", addr, "pets", "not the secret"));
    match host.invoke("badsig", event(&json!({}))).await {
        Err(InvokeError::Remote(message)) => assert!(
            message.starts_with("InvalidSignatureException: "),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
    // An endpoint that does not answer.
    let mut config = remote("down", addr, "pets", SECRET);
    if let Some(target) = config.remote.as_mut() {
        target.endpoint = "http://127.0.0.1:9".into();
    }
    host.register(config);
    match host.invoke("down", event(&json!({}))).await {
        Err(InvokeError::Remote(message)) => assert!(
            message.starts_with("cannot reach http://127.0.0.1:9/"),
            "{message}"
        ),
        other => panic!("{other:?}"),
    }
}
