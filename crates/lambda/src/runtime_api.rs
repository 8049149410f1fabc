//! The Lambda Runtime API (version 2018-06-01), served to one worker on its own listener.
//!
//! - `GET  /2018-06-01/runtime/invocation/next` → 200 with the event and the
//!   `Lambda-Runtime-*` headers (blocks until there is one);
//! - `POST /2018-06-01/runtime/invocation/{id}/response` → 202 `{"status":"OK"}`;
//! - `POST /2018-06-01/runtime/invocation/{id}/error` → 202 (the body is the invocation's error
//!   document; `Lambda-Runtime-Function-Error-Type` names the error when the body is empty);
//! - `POST /2018-06-01/runtime/init/error` → 202.
//!
//! Errors as AWS's Runtime API (the Runtime Interface Emulator) reports them: 400
//! `InvalidRequestID` for an id that is not the current invocation's, 403
//! `InvalidStateTransition` for a call the runtime's state does not allow (a second response, an
//! init error after init), 413 `RequestEntityTooLarge` for a body over 6 MB (the invocation then
//! fails with `Function.ResponseSizeTooLarge`), 404/405 for other paths and methods, 500 when
//! the worker is being stopped. Nothing a runtime sends can panic the host.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;

use crate::errors;
use crate::host::Outcome;
use crate::worker::{ApiError, Worker};

const PREFIX: &str = "/2018-06-01/runtime/";

/// Accepts the worker's connections until aborted (when the worker exits).
pub(crate) async fn serve(listener: TcpListener, worker: Arc<Worker>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::debug!(worker = worker.id, "runtime API accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let worker = worker.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let worker = worker.clone();
                async move { Ok::<_, Infallible>(handle(&worker, request).await) }
            });
            // Title-case header names, as AWS's Runtime API (a Go server) sends them.
            let _ = http1::Builder::new()
                .keep_alive(true)
                .title_case_headers(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn handle(worker: &Arc<Worker>, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_string();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return not_found();
    };
    let method = request.method().clone();
    match rest {
        "invocation/next" if method == Method::GET => next(worker).await,
        "init/error" if method == Method::POST => init_error(worker, request).await,
        "invocation/next" | "init/error" => method_not_allowed(),
        _ => {
            let Some((id, action)) = rest
                .strip_prefix("invocation/")
                .and_then(|r| r.split_once('/'))
            else {
                return not_found();
            };
            if id.is_empty() || !matches!(action, "response" | "error") {
                return not_found();
            }
            if method != Method::POST {
                return method_not_allowed();
            }
            if action == "response" {
                response(worker, id, request).await
            } else {
                error(worker, id, request).await
            }
        }
    }
}

async fn next(worker: &Arc<Worker>) -> Response<Full<Bytes>> {
    let (invocation, deadline_ms) = match worker.next().await {
        Ok(next) => next,
        Err(e) => return api_error(e),
    };
    let mut response = Response::new(Full::new(invocation.payload));
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set("lambda-runtime-aws-request-id", &invocation.request_id);
    set("lambda-runtime-deadline-ms", &deadline_ms);
    set("lambda-runtime-invoked-function-arn", &worker.function.arn);
    set("lambda-runtime-trace-id", &invocation.trace_id);
    if let Some(cc) = &invocation.client_context {
        set("lambda-runtime-client-context", cc);
    }
    set("content-type", "application/json");
    response
}

async fn response(
    worker: &Arc<Worker>,
    id: &str,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    match read_body(request).await {
        Body::Ok(payload) => accepted(worker.complete(id, Outcome::response(payload))),
        Body::TooLarge(size) => too_large(worker, id, size),
        Body::Broken => truncated(),
    }
}

async fn error(
    worker: &Arc<Worker>,
    id: &str,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let error_type = error_type(&request);
    match read_body(request).await {
        Body::Ok(body) => {
            let payload = if body.is_empty() {
                errors::document(&error_type, "")
            } else {
                body
            };
            accepted(worker.complete(id, Outcome::error(payload, Vec::new(), None)))
        }
        Body::TooLarge(size) => too_large(worker, id, size),
        Body::Broken => truncated(),
    }
}

async fn init_error(worker: &Arc<Worker>, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let error_type = error_type(&request);
    let payload = match read_body(request).await {
        Body::Ok(body) if !body.is_empty() => body,
        Body::Ok(_) | Body::TooLarge(_) | Body::Broken => errors::document(&error_type, ""),
    };
    accepted(worker.init_error(payload))
}

fn error_type(request: &Request<Incoming>) -> String {
    request
        .headers()
        .get("lambda-runtime-function-error-type")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .unwrap_or("Runtime.Unknown")
        .to_string()
}

enum Body {
    Ok(Bytes),
    TooLarge(usize),
    Broken,
}

async fn read_body(request: Request<Incoming>) -> Body {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if let Some(len) = declared
        && len > crate::MAX_RESPONSE_PAYLOAD
    {
        return Body::TooLarge(len);
    }
    match Limited::new(request.into_body(), crate::MAX_RESPONSE_PAYLOAD)
        .collect()
        .await
    {
        Ok(collected) => Body::Ok(collected.to_bytes()),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Body::TooLarge(declared.unwrap_or(crate::MAX_RESPONSE_PAYLOAD + 1))
        }
        Err(_) => Body::Broken,
    }
}

/// The response was too large: the runtime gets 413 and the invocation AWS's
/// `Function.ResponseSizeTooLarge` error.
fn too_large(worker: &Arc<Worker>, id: &str, size: usize) -> Response<Full<Bytes>> {
    let outcome = Outcome::error(errors::response_too_large(size), Vec::new(), None);
    if let Err(e) = worker.complete(id, outcome) {
        return api_error(e);
    }
    json_response(
        StatusCode::PAYLOAD_TOO_LARGE,
        &json!({
            "errorMessage": format!("Exceeded maximum allowed payload size ({} bytes).", crate::MAX_RESPONSE_PAYLOAD),
            "errorType": "RequestEntityTooLarge",
        }),
    )
}

fn truncated() -> Response<Full<Bytes>> {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({"errorMessage": "HTTP request detected as truncated", "errorType": "TruncatedHTTPRequest"}),
    )
}

fn accepted(result: Result<(), ApiError>) -> Response<Full<Bytes>> {
    match result {
        Ok(()) => json_response(StatusCode::ACCEPTED, &json!({"status": "OK"})),
        Err(e) => api_error(e),
    }
}

fn api_error(e: ApiError) -> Response<Full<Bytes>> {
    match e {
        ApiError::InvalidRequestId => json_response(
            StatusCode::BAD_REQUEST,
            &json!({"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}),
        ),
        ApiError::StateTransition(from, to) => json_response(
            StatusCode::FORBIDDEN,
            &json!({
                "errorMessage": format!("State transition from {from} to {to} failed for runtime. Error: State transition is not allowed"),
                "errorType": "InvalidStateTransition",
            }),
        ),
        ApiError::Gone => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"errorMessage": "Internal Server Error", "errorType": "InternalServerError"}),
        ),
    }
}

fn not_found() -> Response<Full<Bytes>> {
    json_response(
        StatusCode::NOT_FOUND,
        &json!({"errorMessage": "Not Found", "errorType": "NotFound"}),
    )
}

fn method_not_allowed() -> Response<Full<Bytes>> {
    json_response(
        StatusCode::METHOD_NOT_ALLOWED,
        &json!({"errorMessage": "Method Not Allowed", "errorType": "MethodNotAllowed"}),
    )
}

fn json_response(status: StatusCode, body: &serde_json::Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
