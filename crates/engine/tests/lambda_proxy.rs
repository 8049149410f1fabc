//! The Lambda proxy contract, checked through the real pipeline against AWS's own event types
//! (`aws_lambda_events`): a field we shape differently from AWS fails to parse or compare here.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use aws_lambda_events::apigw::ApiGatewayProxyRequest;
use bytes::Bytes;
use http::Request;
use http_body_util::{BodyExt, Full};
use tollgate_engine::{
    ConnectionInfo, FunctionOutput, Functions, Gateway, StageTable, Upstream, compile,
};
use tollgate_model::{
    ApiDefinition, HttpMethod, Integration, IntegrationType, Method, MethodResponse, Resource,
    RestApi, Stage,
};

/// A function stand-in that records the events it gets and answers with a fixed document.
/// (The real function host is exercised end to end in the binary's tests.)
struct Recorder {
    events: Mutex<Vec<serde_json::Value>>,
    answer: Mutex<(Bytes, bool)>,
}

#[async_trait]
impl Functions for Recorder {
    async fn invoke(
        &self,
        function: &str,
        payload: Bytes,
        _trace: &str,
    ) -> Result<FunctionOutput, String> {
        if function.ends_with(":missing") {
            return Err("Function not found".to_owned());
        }
        self.events
            .lock()
            .unwrap()
            .push(serde_json::from_slice(&payload).unwrap_or(serde_json::Value::Null));
        let (payload, function_error) = self.answer.lock().unwrap().clone();
        Ok(FunctionOutput {
            payload,
            function_error,
        })
    }
}

fn lambda_uri(function: &str) -> String {
    format!(
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:{function}/invocations"
    )
}

fn api(binary: Vec<String>) -> ApiDefinition {
    let mut api = RestApi::new("lambdas");
    api.binary_media_types = binary;
    let mut def = ApiDefinition::empty(api);
    let root = def.root().unwrap().clone();
    let pets = Resource::child(&root, "pets");
    let mut pet = Resource::child(&pets, "{id}");
    let mut post = Method::new(HttpMethod::Post);
    let mut integration = Integration::new(IntegrationType::AwsProxy);
    integration.http_method = Some("POST".into());
    integration.uri = Some(lambda_uri("${stageVariables.fn}"));
    post.method_integration = Some(integration);
    pet.resource_methods.insert(HttpMethod::Post, post);
    let mut missing = Resource::child(&root, "missing");
    let mut get = Method::new(HttpMethod::Get);
    let mut integration = Integration::new(IntegrationType::AwsProxy);
    integration.http_method = Some("POST".into());
    integration.uri = Some(lambda_uri("missing"));
    get.method_integration = Some(integration);
    missing.resource_methods.insert(HttpMethod::Get, get);
    let mut plain = Resource::child(&root, "plain");
    let mut get = Method::new(HttpMethod::Get);
    get.method_responses.insert(
        "200".into(),
        MethodResponse {
            status_code: "200".into(),
            response_parameters: BTreeMap::new(),
            response_models: BTreeMap::new(),
        },
    );
    get.method_responses.insert(
        "404".into(),
        MethodResponse {
            status_code: "404".into(),
            response_parameters: BTreeMap::new(),
            response_models: BTreeMap::new(),
        },
    );
    let mut integration = Integration::new(IntegrationType::Aws);
    integration.http_method = Some("POST".into());
    integration.uri = Some(lambda_uri("plain"));
    for (code, pattern) in [("200", None), ("404", Some(".*not found.*"))] {
        integration.integration_responses.insert(
            code.into(),
            tollgate_model::IntegrationResponse {
                status_code: code.into(),
                selection_pattern: pattern.map(str::to_owned),
                response_parameters: BTreeMap::new(),
                response_templates: BTreeMap::new(),
                content_handling: None,
            },
        );
    }
    get.method_integration = Some(integration);
    plain.resource_methods.insert(HttpMethod::Get, get);
    def.resources.extend([pets, pet, missing, plain]);
    def
}

fn gateway(def: &ApiDefinition, recorder: Arc<Recorder>) -> Gateway {
    let mut stage = Stage::new("prod", "dep001");
    stage.variables.insert("fn".into(), "pets".into());
    let compiled = compile(def, &stage).unwrap();
    let gateway = Gateway::new(Upstream::new().unwrap()).with_functions(recorder);
    gateway.publish(StageTable::new([Arc::new(compiled)], []));
    gateway
}

fn recorder(answer: &str, function_error: bool) -> Arc<Recorder> {
    Arc::new(Recorder {
        events: Mutex::new(Vec::new()),
        answer: Mutex::new((Bytes::from(answer.to_owned()), function_error)),
    })
}

fn conn() -> ConnectionInfo {
    ConnectionInfo {
        peer: "198.51.100.7:5555".parse().unwrap(),
        local: "127.0.0.1:8080".parse().unwrap(),
        tls: false,
        http2: false,
    }
}

async fn send(gateway: &Gateway, req: Request<Full<Bytes>>) -> (u16, http::HeaderMap, Bytes) {
    let resp = gateway.handle(req, conn()).await;
    let (parts, body) = resp.into_parts();
    (
        parts.status.as_u16(),
        parts.headers,
        body.collect().await.unwrap().to_bytes(),
    )
}

#[tokio::test]
async fn the_event_is_what_aws_sends_and_parses_as_aws_lambda_events() {
    let def = api(vec![]);
    let rec = recorder(
        r#"{"statusCode":201,"headers":{"x-one":"1"},"multiValueHeaders":{"set-cookie":["a=1","b=2"]},"body":"{\"ok\":true}"}"#,
        false,
    );
    let gw = gateway(&def, rec.clone());
    let req = Request::post(format!(
        "/_aws/execute-api/{}/prod/pets/a%2Bb?tag=x&tag=y&q=%2B+1",
        def.rest_api.id
    ))
    .header("host", "127.0.0.1:8080")
    .header("content-type", "application/json")
    .header("x-multi", "one")
    .header("x-multi", "two")
    .header("user-agent", "curl/8.5.0")
    .body(Full::new(Bytes::from_static(b"{\"n\":1}")))
    .unwrap();
    let (status, headers, body) = send(&gw, req).await;
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
    assert_eq!(body, r#"{"ok":true}"#);
    assert_eq!(headers.get("x-one").unwrap(), "1");
    assert_eq!(headers.get_all("set-cookie").iter().count(), 2);
    assert_eq!(headers.get("content-type").unwrap(), "application/json");
    assert!(headers.get("x-amzn-trace-id").is_some());

    let event = rec.events.lock().unwrap()[0].clone();
    // AWS's own type must accept it.
    let parsed: ApiGatewayProxyRequest = serde_json::from_value(event.clone()).unwrap();
    assert_eq!(parsed.resource.as_deref(), Some("/pets/{id}"));
    assert_eq!(parsed.path.as_deref(), Some("/pets/a%2Bb"));
    assert_eq!(parsed.http_method, http::Method::POST);
    assert_eq!(
        parsed.path_parameters.get("id").map(String::as_str),
        Some("a%2Bb"),
        "raw, not decoded"
    );
    assert_eq!(
        parsed.stage_variables.get("fn").map(String::as_str),
        Some("pets")
    );
    assert_eq!(parsed.body.as_deref(), Some("{\"n\":1}"));
    assert!(!parsed.is_base64_encoded);
    assert_eq!(parsed.request_context.stage.as_deref(), Some("prod"));
    assert_eq!(
        parsed.request_context.resource_path.as_deref(),
        Some("/pets/{id}")
    );
    assert_eq!(
        parsed.request_context.identity.source_ip.as_deref(),
        Some("198.51.100.7")
    );
    // The exact JSON AWS documents, for what the typed view hides.
    assert_eq!(
        event["queryStringParameters"],
        serde_json::json!({"tag": "y", "q": "+ 1"})
    );
    assert_eq!(
        event["multiValueQueryStringParameters"],
        serde_json::json!({"tag": ["x", "y"], "q": ["+ 1"]})
    );
    assert_eq!(event["headers"]["X-Multi"], "two");
    assert_eq!(
        event["multiValueHeaders"]["X-Multi"],
        serde_json::json!(["one", "two"])
    );
    assert_eq!(event["headers"]["Content-Type"], "application/json");
    assert_eq!(event["headers"]["X-Forwarded-For"], "198.51.100.7");
    assert_eq!(event["headers"]["X-Forwarded-Proto"], "http");
    assert!(event["headers"].get("Content-Length").is_none());
    assert_eq!(event["requestContext"]["path"], "/prod/pets/a%2Bb");
    assert_eq!(event["requestContext"]["protocol"], "HTTP/1.1");
    assert_eq!(event["requestContext"]["accountId"], "000000000000");
    assert_eq!(
        event["requestContext"]["identity"]["accessKey"],
        serde_json::Value::Null
    );
    assert_eq!(
        event["requestContext"]["identity"]["userAgent"],
        "curl/8.5.0"
    );
    assert!(event["requestContext"]["requestTimeEpoch"].is_i64());
    let keys: Vec<&str> = event
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "resource",
            "path",
            "httpMethod",
            "headers",
            "multiValueHeaders",
            "queryStringParameters",
            "multiValueQueryStringParameters",
            "pathParameters",
            "stageVariables",
            "requestContext",
            "body",
            "isBase64Encoded"
        ]
    );
}

#[tokio::test]
async fn absent_maps_are_null_and_binary_bodies_are_base64() {
    let def = api(vec!["image/*".into()]);
    let rec = recorder(
        r#"{"statusCode":200,"headers":{"content-type":"image/png"},"body":"iVBORw0K","isBase64Encoded":true}"#,
        false,
    );
    let gw = gateway(&def, rec.clone());
    let req = Request::post(format!("/_aws/execute-api/{}/prod/pets/1", def.rest_api.id))
        .header("content-type", "image/png")
        .header("accept", "image/png")
        .body(Full::new(Bytes::from_static(&[0x89, b'P', b'N', b'G'])))
        .unwrap();
    let (status, _, body) = send(&gw, req).await;
    assert_eq!(status, 200);
    assert_eq!(
        &body[..],
        &[0x89, b'P', b'N', b'G', 0x0d, 0x0a],
        "decoded because Accept is binary"
    );
    let event = rec.events.lock().unwrap()[0].clone();
    assert_eq!(event["queryStringParameters"], serde_json::Value::Null);
    assert_eq!(
        event["multiValueQueryStringParameters"],
        serde_json::Value::Null
    );
    assert_eq!(event["isBase64Encoded"], true);
    assert_eq!(event["body"], "iVBORw==");
}

#[tokio::test]
async fn bad_function_answers_are_502_and_invoke_failures_500() {
    let def = api(vec![]);
    for bad in [
        r#"{"statusCode":"abc"}"#,
        r#"{"statusCode":200,"extra":1}"#,
        "[]",
        "null",
        "nope",
    ] {
        let gw = gateway(&def, recorder(bad, false));
        let req = Request::post(format!("/_aws/execute-api/{}/prod/pets/1", def.rest_api.id))
            .body(Full::default())
            .unwrap();
        let (status, headers, body) = send(&gw, req).await;
        assert_eq!(
            (status, &body[..]),
            (502, &br#"{"message":"Internal server error"}"#[..]),
            "{bad}"
        );
        assert_eq!(
            headers.get("x-amzn-errortype").unwrap(),
            "InternalServerErrorException"
        );
    }
    let gw = gateway(
        &def,
        recorder(r#"{"errorMessage":"boom","errorType":"Error"}"#, true),
    );
    let req = Request::post(format!("/_aws/execute-api/{}/prod/pets/1", def.rest_api.id))
        .body(Full::default())
        .unwrap();
    assert_eq!(send(&gw, req).await.0, 502);
    let req = Request::get(format!(
        "/_aws/execute-api/{}/prod/missing",
        def.rest_api.id
    ))
    .body(Full::default())
    .unwrap();
    let (status, _, body) = send(&gw, req).await;
    assert_eq!(
        (status, &body[..]),
        (500, &br#"{"message":"Internal server error"}"#[..])
    );
}

#[tokio::test]
async fn non_proxy_errors_select_by_error_message_and_unmapped_errors_are_200() {
    let def = api(vec![]);
    let gw = gateway(
        &def,
        recorder(
            r#"{"errorMessage":"pet not found","errorType":"NotFound"}"#,
            true,
        ),
    );
    let req = Request::get(format!("/_aws/execute-api/{}/prod/plain", def.rest_api.id))
        .body(Full::default())
        .unwrap();
    let (status, _, body) = send(&gw, req).await;
    assert_eq!(status, 404);
    assert_eq!(
        body,
        r#"{"errorMessage":"pet not found","errorType":"NotFound"}"#
    );
    let gw = gateway(
        &def,
        recorder(r#"{"errorMessage":"other","errorType":"E"}"#, true),
    );
    let req = Request::get(format!("/_aws/execute-api/{}/prod/plain", def.rest_api.id))
        .body(Full::default())
        .unwrap();
    assert_eq!(
        send(&gw, req).await.0,
        200,
        "an unmapped function error goes out as the default response"
    );
    let gw = gateway(&def, recorder(r#"{"ok":1}"#, false));
    let req = Request::get(format!("/_aws/execute-api/{}/prod/plain", def.rest_api.id))
        .body(Full::default())
        .unwrap();
    let (status, _, body) = send(&gw, req).await;
    assert_eq!((status, &body[..]), (200, &br#"{"ok":1}"#[..]));
}
