//! Invocation of a function on a Lambda-compatible Invoke endpoint (AWS itself or any compatible
//! service): `POST {endpoint}/2015-03-31/functions/{function}/invocations`, signed with SigV4
//! (service `lambda`), and the answer mapped back to an [`InvokeResult`] or [`InvokeError`].

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use base64::Engine;
use bytes::Bytes;
use http::{HeaderMap, Method, Request};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::{FunctionError, Invocation, InvocationType, InvokeError, InvokeResult, RemoteTarget};

/// Characters left as they are in a path segment (RFC 3986 unreserved), as the AWS SDKs do.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Largest response body read from the endpoint (a function's 6 MB response plus slack).
const MAX_RESPONSE: usize = 8 * 1024 * 1024;

/// A pooled HTTP(S) client for Invoke endpoints (rustls with the `ring` provider, webpki roots).
pub(crate) struct Client {
    http: HyperClient<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl Client {
    pub(crate) fn new() -> Result<Client, rustls::Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(Duration::from_secs(10)));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let http = HyperClient::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .build(https);
        Ok(Client { http })
    }
}

/// The Invoke URL for `target`.
pub(crate) fn invoke_url(target: &RemoteTarget) -> String {
    let endpoint = target.endpoint.trim_end_matches('/');
    let function = utf8_percent_encode(&target.function, SEGMENT);
    format!("{endpoint}/2015-03-31/functions/{function}/invocations")
}

/// Builds the signed Invoke request for `invocation` (the signing time is `now`).
pub(crate) fn signed_request(
    target: &RemoteTarget,
    invocation: &Invocation,
    now: SystemTime,
) -> Result<Request<Full<Bytes>>, InvokeError> {
    let url = invoke_url(target);
    let invocation_type = match invocation.invocation_type {
        InvocationType::RequestResponse => "RequestResponse",
        InvocationType::Event => "Event",
        InvocationType::DryRun => "DryRun",
    };
    let mut headers: Vec<(&'static str, String)> = vec![
        ("content-type", "application/json".to_string()),
        ("x-amz-invocation-type", invocation_type.to_string()),
    ];
    if invocation.log_tail {
        headers.push(("x-amz-log-type", "Tail".to_string()));
    }
    if let Some(cc) = &invocation.client_context {
        headers.push(("x-amz-client-context", cc.clone()));
    }
    let mut request = Request::builder().method(Method::POST).uri(&url);
    for (name, value) in &headers {
        request = request.header(*name, value);
    }
    let mut request = request
        .body(Full::new(invocation.payload.clone()))
        .map_err(|e| {
            InvokeError::Internal(format!("invalid remote Invoke request for {url}: {e}"))
        })?;

    let identity: Identity = Credentials::new(
        &target.access_key_id,
        &target.secret_access_key,
        target.session_token.clone(),
        None,
        "tollgate",
    )
    .into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&target.region)
        .name("lambda")
        .time(now)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| InvokeError::Internal(format!("SigV4 signing parameters: {e}")))?
        .into();
    let signable = SignableRequest::new(
        "POST",
        url.as_str(),
        headers.iter().map(|(k, v)| (*k, v.as_str())),
        SignableBody::Bytes(&invocation.payload),
    )
    .map_err(|e| InvokeError::Internal(format!("SigV4 signing: {e}")))?;
    let (instructions, _signature) = sign(signable, &params)
        .map_err(|e| InvokeError::Internal(format!("SigV4 signing: {e}")))?
        .into_parts();
    instructions.apply_to_request_http1x(&mut request);
    Ok(request)
}

/// Invokes `target` and maps its answer: 200/202/204 become an [`InvokeResult`]
/// (`X-Amz-Function-Error`, `X-Amz-Log-Result` decoded, `x-amzn-RequestId`); an error answer
/// becomes [`InvokeError::Remote`] with the endpoint's error type and message.
pub(crate) async fn invoke(
    client: &Client,
    target: &RemoteTarget,
    invocation: &Invocation,
    timeout: Duration,
) -> Result<InvokeResult, InvokeError> {
    let request = signed_request(target, invocation, SystemTime::now())?;
    let url = request.uri().to_string();
    let wait = timeout + Duration::from_secs(10);
    let response = match tokio::time::timeout(wait, client.http.request(request)).await {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => return Err(InvokeError::Remote(format!("cannot reach {url}: {e}"))),
        Err(_) => {
            return Err(InvokeError::Remote(format!(
                "{url} did not answer within {wait:?}"
            )));
        }
    };
    let (parts, body) = response.into_parts();
    let body = match tokio::time::timeout(wait, Limited::new(body, MAX_RESPONSE).collect()).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) => {
            return Err(InvokeError::Remote(format!(
                "reading the answer of {url}: {e}"
            )));
        }
        Err(_) => {
            return Err(InvokeError::Remote(format!(
                "{url} did not finish its answer within {wait:?}"
            )));
        }
    };
    let mut result = map_response(parts.status, &parts.headers, body)?;
    if invocation.invocation_type != InvocationType::RequestResponse {
        // Lambda answers 202/204 with no payload; never pass on what an endpoint adds.
        result.payload = Bytes::new();
        result.function_error = None;
    }
    Ok(result)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

pub(crate) fn map_response(
    status: http::StatusCode,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<InvokeResult, InvokeError> {
    let request_id = header(headers, "x-amzn-requestid")
        .unwrap_or_default()
        .to_string();
    if status.is_success() {
        let function_error = match header(headers, "x-amz-function-error") {
            Some("Handled") => Some(FunctionError::Handled),
            Some(_) => Some(FunctionError::Unhandled),
            None => None,
        };
        let log_tail = header(headers, "x-amz-log-result").map(|b64| {
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_default()
        });
        return Ok(InvokeResult {
            payload: body,
            function_error,
            log_tail,
            request_id,
        });
    }
    let document: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
    let field = |names: &[&str]| {
        document
            .as_ref()
            .and_then(|d| {
                names
                    .iter()
                    .find_map(|n| d.get(*n).and_then(|v| v.as_str()))
            })
            .map(str::to_string)
    };
    // `x-amzn-ErrorType` may carry a `:uri` suffix, `__type` a `namespace#` prefix.
    let error_type = header(headers, "x-amzn-errortype")
        .map(str::to_string)
        .or_else(|| field(&["__type", "code", "Code"]))
        .map(|t| {
            let t = t.split(':').next().unwrap_or(&t).to_string();
            t.rsplit('#').next().unwrap_or(&t).to_string()
        });
    let message = field(&["message", "Message", "errorMessage"])
        .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(500).collect());
    Err(InvokeError::Remote(match error_type {
        Some(t) => format!("{t}: {message}"),
        None => format!("HTTP {}: {message}", status.as_u16()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(function: &str) -> RemoteTarget {
        RemoteTarget {
            endpoint: "https://lambda.us-east-1.amazonaws.com/".into(),
            region: "us-east-1".into(),
            function: function.into(),
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "secret".into(),
            session_token: Some("token".into()),
        }
    }

    #[test]
    fn url_encodes_arns() {
        assert_eq!(
            invoke_url(&target(
                "arn:aws:lambda:us-east-1:123456789012:function:pets"
            )),
            "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Apets/invocations"
        );
    }

    #[test]
    fn signs_with_session_token() {
        let invocation = Invocation {
            payload: Bytes::from_static(b"{}"),
            log_tail: true,
            ..Default::default()
        };
        let request = signed_request(&target("pets"), &invocation, SystemTime::now()).unwrap();
        let auth = request.headers()["authorization"].to_str().unwrap();
        assert!(
            auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"),
            "{auth}"
        );
        assert!(auth.contains("/us-east-1/lambda/aws4_request"), "{auth}");
        assert!(auth.contains("x-amz-log-type"), "{auth}");
        assert_eq!(request.headers()["x-amz-security-token"], "token");
    }

    #[test]
    fn maps_errors() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amzn-errortype",
            "ResourceNotFoundException:http://internal".parse().unwrap(),
        );
        let err = map_response(
            http::StatusCode::NOT_FOUND,
            &headers,
            Bytes::from_static(br#"{"Type":"User","message":"Function not found: arn:x"}"#),
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "ResourceNotFoundException: Function not found: arn:x"
        );
        let err = map_response(
            http::StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            Bytes::from_static(b"oops"),
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "HTTP 502: oops");
    }
}
