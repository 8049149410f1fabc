//! The Lambda Invoke API: `POST /2015-03-31/functions/{FunctionName}/invocations`, so that AWS
//! SDK Lambda clients (and the CLI) can invoke functions Tollgate hosts.
//!
//! Request: `FunctionName` is a name, a full or partial ARN (URL-encoded); `?Qualifier=` is
//! accepted (local functions only have `$LATEST`); headers `X-Amz-Invocation-Type`
//! (`RequestResponse` | `Event` | `DryRun`), `X-Amz-Log-Type` (`Tail` | `None`),
//! `X-Amz-Client-Context` (base64 JSON), `X-Amzn-Trace-Id`; the body is the JSON payload.
//!
//! Response, as Lambda answers: 200 with the function's payload (`RequestResponse`), 202
//! (`Event`), 204 (`DryRun`); always `x-amzn-RequestId`; `X-Amz-Executed-Version: $LATEST`;
//! `X-Amz-Function-Error: Unhandled|Handled` when the function failed; `X-Amz-Log-Result` (base64
//! of the last 4 KB of the log) when the tail was asked for. Errors carry `x-amzn-ErrorType` and
//! a JSON body `{"Type":"User","message":...}`: `ResourceNotFoundException` 404,
//! `TooManyRequestsException` 429, `RequestEntityTooLargeException` 413,
//! `InvalidRequestContentException` 400, `ValidationException` 400, `ServiceException` 500.

use base64::Engine;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::BodyExt;
use serde_json::json;

use crate::{Invocation, InvocationType, Invoke, InvokeError, function_arn, function_name};

const PREFIX: &str = "/2015-03-31/functions/";
const SUFFIX: &str = "/invocations";

/// Serves one Invoke API request. Returns `None` when `request`'s path is not an Invoke API
/// path, so that the caller can try its other routes; otherwise AWS's response. Never panics,
/// whatever the request holds.
pub async fn invoke_api<H, B>(host: &H, request: Request<B>) -> Option<Response<Bytes>>
where
    H: Invoke + ?Sized,
    B: http_body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let path = request.uri().path();
    let encoded = path.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    if encoded.is_empty() || encoded.contains('/') {
        return None;
    }
    let function = percent_encoding::percent_decode_str(encoded)
        .decode_utf8_lossy()
        .into_owned();
    if request.method() != Method::POST {
        return Some(error(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            "User",
            "Unknown operation",
        ));
    }
    Some(invoke(host, &function, request).await)
}

async fn invoke<H, B>(host: &H, function: &str, request: Request<B>) -> Response<Bytes>
where
    H: Invoke + ?Sized,
    B: http_body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let invocation_type = match header("x-amz-invocation-type").as_deref() {
        None | Some("RequestResponse") => InvocationType::RequestResponse,
        Some("Event") => InvocationType::Event,
        Some("DryRun") => InvocationType::DryRun,
        Some(other) => {
            return validation(&format!(
                "1 validation error detected: Value '{other}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
            ));
        }
    };
    let log_tail = match header("x-amz-log-type").as_deref() {
        None | Some("None") => false,
        Some("Tail") => true,
        Some(other) => {
            return validation(&format!(
                "1 validation error detected: Value '{other}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [Tail, None]"
            ));
        }
    };
    let client_context = header("x-amz-client-context");
    if let Some(cc) = &client_context {
        let valid = base64::engine::general_purpose::STANDARD
            .decode(cc)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .is_some_and(|v| v.is_object());
        if !valid {
            return error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContentException",
                "User",
                "Client context must be a valid Base64-encoded JSON object.",
            );
        }
    }
    let trace_id = header("x-amzn-trace-id");
    let payload = match read_payload(request.into_body()).await {
        Ok(payload) => payload,
        Err(ReadError::TooLarge(size)) => return too_large(invocation_type, size),
        Err(ReadError::Broken(e)) => {
            return error(
                StatusCode::BAD_REQUEST,
                "InvalidRequestContentException",
                "User",
                &format!("Could not read the request body: {e}"),
            );
        }
    };
    if invocation_type == InvocationType::Event && payload.len() > crate::MAX_EVENT_PAYLOAD {
        return too_large(invocation_type, payload.len());
    }
    if !payload.is_empty()
        && let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&payload)
    {
        return error(
            StatusCode::BAD_REQUEST,
            "InvalidRequestContentException",
            "User",
            &format!(
                "Could not parse request body into json: Could not parse payload into json: {e}"
            ),
        );
    }
    let invocation = Invocation {
        payload,
        invocation_type,
        trace_id,
        client_context,
        log_tail,
    };
    match host.invoke(function, invocation).await {
        Ok(result) => {
            let status = match invocation_type {
                InvocationType::RequestResponse => StatusCode::OK,
                InvocationType::Event => StatusCode::ACCEPTED,
                InvocationType::DryRun => StatusCode::NO_CONTENT,
            };
            let body = if invocation_type == InvocationType::RequestResponse {
                result.payload
            } else {
                Bytes::new()
            };
            let mut response = Response::new(body);
            *response.status_mut() = status;
            let headers = response.headers_mut();
            if status == StatusCode::OK {
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            headers.insert(
                "x-amz-executed-version",
                HeaderValue::from_static("$LATEST"),
            );
            if let Ok(v) = HeaderValue::from_str(&result.request_id) {
                headers.insert("x-amzn-requestid", v);
            }
            if let Some(e) = result.function_error {
                headers.insert("x-amz-function-error", HeaderValue::from_static(e.as_str()));
            }
            if let Some(tail) = result.log_tail.filter(|_| log_tail) {
                let encoded = base64::engine::general_purpose::STANDARD.encode(tail.as_bytes());
                if let Ok(v) = HeaderValue::from_str(&encoded) {
                    headers.insert("x-amz-log-result", v);
                }
            }
            response
        }
        Err(InvokeError::FunctionNotFound(arn)) => {
            let arn = if arn.starts_with("arn:") {
                arn
            } else {
                function_arn(function_name(function))
            };
            error(
                StatusCode::NOT_FOUND,
                "ResourceNotFoundException",
                "User",
                &format!("Function not found: {arn}"),
            )
        }
        Err(InvokeError::TooManyRequests) => too_many_requests(),
        Err(InvokeError::PayloadTooLarge) => {
            too_large(invocation_type, crate::MAX_SYNC_PAYLOAD + 1)
        }
        Err(e @ (InvokeError::Remote(_) | InvokeError::Internal(_))) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceException",
            "Service",
            &e.to_string(),
        ),
    }
}

enum ReadError {
    TooLarge(usize),
    Broken(String),
}

/// Bodies up to this size are read to the end even when refused, so that the client, still
/// sending, gets the 413 instead of a reset connection.
const DRAIN_LIMIT: usize = 64 * 1024 * 1024;

/// Reads the payload; over [`crate::MAX_SYNC_PAYLOAD`] the rest is drained (up to
/// [`DRAIN_LIMIT`]) and its size reported.
async fn read_payload<B>(body: B) -> Result<Bytes, ReadError>
where
    B: http_body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut body = std::pin::pin!(body);
    let mut payload = bytes::BytesMut::new();
    let mut size = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| ReadError::Broken(e.into().to_string()))?;
        let Ok(mut data) = frame.into_data() else {
            continue;
        };
        let len = bytes::Buf::remaining(&data);
        size = size.saturating_add(len);
        if size <= crate::MAX_SYNC_PAYLOAD {
            payload.extend_from_slice(&bytes::Buf::copy_to_bytes(&mut data, len));
        } else if size > DRAIN_LIMIT {
            return Err(ReadError::TooLarge(size));
        }
    }
    if size > crate::MAX_SYNC_PAYLOAD {
        return Err(ReadError::TooLarge(size));
    }
    Ok(payload.freeze())
}

fn too_large(invocation_type: InvocationType, size: usize) -> Response<Bytes> {
    let message = if invocation_type == InvocationType::Event && size <= crate::MAX_SYNC_PAYLOAD {
        format!(
            "{size} byte payload is too large for the Event invocation type (limit {} bytes)",
            crate::MAX_EVENT_PAYLOAD
        )
    } else {
        format!(
            "Request must be smaller than {} bytes for the InvokeFunction operation",
            crate::MAX_SYNC_PAYLOAD
        )
    };
    error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLargeException",
        "User",
        &message,
    )
}

fn too_many_requests() -> Response<Bytes> {
    let body = json!({
        "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
        "Type": "User",
        "message": "Rate Exceeded.",
    });
    with_error_headers(
        StatusCode::TOO_MANY_REQUESTS,
        "TooManyRequestsException",
        body,
    )
}

fn validation(message: &str) -> Response<Bytes> {
    error(
        StatusCode::BAD_REQUEST,
        "ValidationException",
        "User",
        message,
    )
}

fn error(
    status: StatusCode,
    error_type: &'static str,
    kind: &str,
    message: &str,
) -> Response<Bytes> {
    with_error_headers(
        status,
        error_type,
        json!({ "Type": kind, "message": message }),
    )
}

fn with_error_headers(
    status: StatusCode,
    error_type: &'static str,
    body: serde_json::Value,
) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body.to_string()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert("x-amzn-errortype", HeaderValue::from_static(error_type));
    if let Ok(v) = HeaderValue::from_str(&crate::host::new_request_id()) {
        headers.insert("x-amzn-requestid", v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InvokeResult;
    use async_trait::async_trait;
    use http_body_util::Full;

    struct Fixed;

    #[async_trait]
    impl Invoke for Fixed {
        async fn invoke(
            &self,
            function: &str,
            invocation: Invocation,
        ) -> Result<InvokeResult, InvokeError> {
            match function_name(function) {
                "busy" => Err(InvokeError::TooManyRequests),
                "echo" => Ok(InvokeResult {
                    payload: invocation.payload,
                    function_error: None,
                    log_tail: Some("a log".into()),
                    request_id: "rid".into(),
                }),
                other => Err(InvokeError::FunctionNotFound(function_arn(other))),
            }
        }
    }

    fn post(path: &str, body: &'static str) -> Request<Full<Bytes>> {
        Request::post(path)
            .body(Full::new(Bytes::from_static(body.as_bytes())))
            .unwrap()
    }

    #[tokio::test]
    async fn routes_only_invoke_paths() {
        assert!(invoke_api(&Fixed, post("/restapis", "")).await.is_none());
        assert!(
            invoke_api(&Fixed, post("/2015-03-31/functions/a/b/invocations", ""))
                .await
                .is_none()
        );
        let r = invoke_api(
            &Fixed,
            post("/2015-03-31/functions/echo/invocations", "{\"a\":1}"),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.body().as_ref(), b"{\"a\":1}");
        assert_eq!(r.headers()["x-amzn-requestid"], "rid");
        assert_eq!(r.headers()["x-amz-executed-version"], "$LATEST");
        assert!(r.headers().get("x-amz-log-result").is_none());
    }

    #[tokio::test]
    async fn errors_in_aws_shapes() {
        let r = invoke_api(&Fixed, post("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A000000000000%3Afunction%3Anope/invocations", "{}")).await.unwrap();
        assert_eq!(r.status(), 404);
        assert_eq!(r.headers()["x-amzn-errortype"], "ResourceNotFoundException");
        let v: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
        assert_eq!(
            v,
            json!({"Type": "User", "message": "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope"})
        );
        let r = invoke_api(&Fixed, post("/2015-03-31/functions/busy/invocations", "{}"))
            .await
            .unwrap();
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["x-amzn-errortype"], "TooManyRequestsException");
        let r = invoke_api(
            &Fixed,
            post("/2015-03-31/functions/echo/invocations", "not json"),
        )
        .await
        .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(
            r.headers()["x-amzn-errortype"],
            "InvalidRequestContentException"
        );
        let mut req = post("/2015-03-31/functions/echo/invocations", "{}");
        req.headers_mut().insert(
            "x-amz-invocation-type",
            HeaderValue::from_static("Sometimes"),
        );
        let r = invoke_api(&Fixed, req).await.unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(r.headers()["x-amzn-errortype"], "ValidationException");
    }

    #[tokio::test]
    async fn refuses_large_payloads() {
        let big = Bytes::from(vec![b' '; crate::MAX_SYNC_PAYLOAD + 1]);
        let req = Request::post("/2015-03-31/functions/echo/invocations")
            .body(Full::new(big))
            .unwrap();
        let r = invoke_api(&Fixed, req).await.unwrap();
        assert_eq!(r.status(), 413);
        assert_eq!(
            r.headers()["x-amzn-errortype"],
            "RequestEntityTooLargeException"
        );
        let v: serde_json::Value = serde_json::from_slice(r.body()).unwrap();
        assert_eq!(
            v["message"],
            "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
        );
    }
}
