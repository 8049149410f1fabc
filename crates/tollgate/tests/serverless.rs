//! Serverless apps end to end: `serve --sam` with real functions — a Rust function built with
//! AWS's `lambda_http` (which parses our events with AWS's own types) and a Python handler
//! through the shipped bootstrap — behind Lambda proxy integrations, and the Invoke API.

mod common;

use common::{Http, Tollgate};
use http::Method;
use serde_json::{Value, json};

const PYTHON_APP: &str = r#"
import json, os

def handler(event, context):
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json", "x-fn": context.function_name},
        "multiValueHeaders": {"x-multi": ["1", "2"]},
        "body": json.dumps({
            "id": (event.get("pathParameters") or {}).get("id"),
            "resource": event["resource"],
            "path": event["path"],
            "stage": event["requestContext"]["stage"],
            "greeting": os.environ.get("GREETING"),
            "query": event["multiValueQueryStringParameters"],
            "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 5000,
        }),
    }

def fail(event, context):
    raise RuntimeError("no pets today")

def direct(event, context):
    return {"echo": event}
"#;

fn template(http_code: &std::path::Path) -> String {
    format!(
        r#"AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 5
    MemorySize: 256
Resources:
  HttpFn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: provided.al2023
      Handler: bootstrap
      CodeUri: {code}
      Events:
        Proxy:
          Type: Api
          Properties: {{Path: "/http/{{proxy+}}", Method: any}}
  PyFn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      CodeUri: ./py
      Environment:
        Variables:
          GREETING: !Sub "hello from ${{AWS::Region}}"
      Events:
        Get:
          Type: Api
          Properties: {{Path: "/py/{{id}}", Method: get}}
  FailFn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.fail
      CodeUri: ./py
      Events:
        Get:
          Type: Api
          Properties: {{Path: /fail, Method: get}}
  DirectFn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: direct
      Runtime: python3.11
      Handler: app.direct
      CodeUri: ./py
"#,
        code = http_code.display()
    )
}

struct App {
    _dir: tempfile::TempDir,
    server: Tollgate,
    id: String,
    http: Http,
}

fn start() -> App {
    let dir = tempfile::tempdir().unwrap();
    let app_dir = dir.path().join("petshop");
    std::fs::create_dir_all(app_dir.join("py")).unwrap();
    std::fs::write(app_dir.join("py/app.py"), PYTHON_APP).unwrap();
    let code = tollgate_testfns::bootstrap_dir("http");
    let template_path = app_dir.join("template.yaml");
    std::fs::write(&template_path, template(&code)).unwrap();
    let server = Tollgate::start(
        &dir.path().join("data"),
        &["--sam", template_path.to_str().unwrap()],
    );
    let id = server.api_id_for_stage("Prod");
    App {
        _dir: dir,
        server,
        id,
        http: Http::default(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn lambda_http_parses_our_events_and_its_answers_come_back() {
    let app = start();
    let url = app
        .server
        .url(&app.id, "Prod", "/http/a/b%20c?x=1&x=2&y=%2B");
    let r = app
        .http
        .send(
            Method::POST,
            &url,
            &[("content-type", "text/plain"), ("x-custom", "v1")],
            "hello",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-echo-method"), Some("POST"));
    assert_eq!(
        r.headers.get_all("x-echo-multi").iter().collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert!(r.header("x-amzn-trace-id").is_some());
    let echo: Value = r.json();
    assert_eq!(echo["method"], "POST");
    assert_eq!(echo["path_parameters"]["proxy"], json!(["a/b%20c"]));
    assert_eq!(echo["query"]["x"], json!(["1", "2"]));
    assert_eq!(echo["query"]["y"], json!(["+"]));
    assert_eq!(echo["stage"], "Prod");
    assert_eq!(echo["resource_path"], "/http/{proxy+}");
    assert_eq!(echo["http_method"], "POST");
    assert_eq!(echo["source_ip"], "127.0.0.1");
    assert_eq!(echo["headers"]["x-custom"], json!(["v1"]));
    assert_eq!(echo["body"], "hello");
    assert_eq!(echo["body_is_binary"], false);
    let request_id = echo["request_id"].as_str().unwrap();
    assert_eq!(r.header("x-amzn-RequestId"), Some(request_id));

    // The function's status code reaches the client.
    let r = app
        .http
        .get(&app.server.url(&app.id, "Prod", "/http/x?status=418"))
        .await;
    assert_eq!(r.status, 418);
}

#[tokio::test(flavor = "multi_thread")]
async fn python_handlers_get_aws_events_and_errors_are_502() {
    let app = start();
    let r = app
        .http
        .get(&app.server.url(&app.id, "Prod", "/py/7?tag=a&tag=b"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-fn"), Some("PyFn"));
    assert_eq!(
        r.headers.get_all("x-multi").iter().collect::<Vec<_>>(),
        ["1", "2"]
    );
    assert_eq!(
        r.json(),
        json!({"id": "7", "resource": "/py/{id}", "path": "/py/7", "stage": "Prod",
               "greeting": "hello from us-east-1", "query": {"tag": ["a", "b"]}, "remaining_ok": true})
    );
    let r = app
        .http
        .get(&app.server.url(&app.id, "Prod", "/fail"))
        .await;
    assert_eq!(r.status, 502);
    assert_eq!(r.text(), r#"{"message":"Internal server error"}"#);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_invoke_api_is_on_the_management_listener() {
    let app = start();
    let url = format!(
        "http://{}/2015-03-31/functions/direct/invocations",
        app.server.admin
    );
    let r = app.http.send(Method::POST, &url, &[], r#"{"n":1}"#).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"echo": {"n": 1}}));
    let url = format!(
        "http://{}/2015-03-31/functions/FailFn/invocations",
        app.server.admin
    );
    let r = app.http.send(Method::POST, &url, &[], "{}").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-amz-function-error"), Some("Unhandled"));
    assert_eq!(r.json()["errorMessage"], "no pets today");
    let url = format!(
        "http://{}/2015-03-31/functions/nope/invocations",
        app.server.admin
    );
    let r = app.http.send(Method::POST, &url, &[], "{}").await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("ResourceNotFoundException")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn remote_functions_are_invoked_through_a_lambda_invoke_endpoint() {
    // Tollgate B hosts the functions; Tollgate A calls B's Invoke API as its remote Lambda.
    let b = start();
    let dir = tempfile::tempdir().unwrap();
    let uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:faraway/invocations";
    let doc = json!({
        "openapi": "3.0.1",
        "info": {"title": "front", "version": "1"},
        "paths": {"/far": {"post": {
            "responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-integration": {
                "type": "aws", "httpMethod": "POST", "uri": uri,
                "responses": {"default": {"statusCode": "200"}}
            }
        }}}
    });
    let file = common::write_definition(dir.path(), "front.json", &doc);
    let remote = format!("faraway=http://{}#direct", b.server.admin);
    let a = Tollgate::start(
        &dir.path().join("data"),
        &[
            "--api",
            file.to_str().unwrap(),
            "--remote-function",
            &remote,
        ],
    );
    let id = a.api_id("front");
    let r = Http::default()
        .send(
            Method::POST,
            &a.url(&id, "dev", "/far"),
            &[("content-type", "application/json")],
            r#"{"hop":2}"#,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"echo": {"hop": 2}}));
}

/// Invokes `function` through the Invoke API of `server`.
async fn invoke(http: &Http, server: &Tollgate, function: &str, body: &str) -> common::Reply {
    let url = format!(
        "http://{}/2015-03-31/functions/{function}/invocations",
        server.admin
    );
    http.send(Method::POST, &url, &[], body.to_owned()).await
}

#[tokio::test(flavor = "multi_thread")]
async fn functions_are_stored_and_a_restart_without_the_template_serves_them() {
    let mut app = start();
    let data_dir = app.server.data_dir.clone();
    app.server.terminate();
    // No --sam this time: the APIs and the functions come from the store.
    let server = Tollgate::start(&data_dir, &[]);
    let r = app.http.get(&server.url(&app.id, "Prod", "/py/7")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-fn"), Some("PyFn"));
    let r = invoke(&app.http, &server, "direct", r#"{"n":2}"#).await;
    assert_eq!(r.json(), json!({"echo": {"n": 2}}));

    let listed = common::tollgate(&[
        "functions",
        "list",
        "--data-dir",
        data_dir.to_str().unwrap(),
        "--output",
        "json",
    ]);
    assert!(listed.status.success());
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let names: Vec<&str> = listed["Functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["FunctionName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["FailFn", "HttpFn", "PyFn", "direct"]);
    let py = listed["Functions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["FunctionName"] == "PyFn")
        .unwrap();
    assert_eq!(py["Runtime"], "python3.11");
    assert_eq!(py["Handler"], "app.handler");
    assert_eq!(
        (py["Timeout"].as_u64(), py["MemorySize"].as_u64()),
        (Some(5), Some(256))
    );
    assert_eq!(py["Environment"]["GREETING"], "hello from us-east-1");
    assert!(py["Source"].as_str().unwrap().starts_with("sam:"));
}

#[tokio::test(flavor = "multi_thread")]
async fn functions_declared_on_the_command_line_are_picked_up_while_serving() {
    let app = start();
    let data_dir = app.server.data_dir.to_str().unwrap().to_owned();
    let code = app._dir.path().join("petshop/py");
    let code = code.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["functions"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--data-dir", &data_dir]);
        common::tollgate(&all)
    };
    let created = run(&[
        "create",
        "later",
        "--runtime",
        "python3.11",
        "--handler",
        "app.direct",
        "--code",
        code,
        "--timeout",
        "9",
    ]);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let again = run(&[
        "create",
        "later",
        "--runtime",
        "python3.11",
        "--handler",
        "app.direct",
    ]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("Function already exist: later"));
    let java = run(&["create", "j", "--runtime", "java21", "--handler", "a.b"]);
    assert!(!java.status.success());
    assert!(String::from_utf8_lossy(&java.stderr).contains("java21"));
    let no_handler = run(&["create", "p", "--runtime", "python3.11"]);
    assert!(String::from_utf8_lossy(&no_handler.stderr).contains("--handler"));

    // The running server registers it within a poll interval.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let r = invoke(&app.http, &app.server, "later", r#"{"n":3}"#).await;
        if r.status == 200 {
            assert_eq!(r.json(), json!({"echo": {"n": 3}}));
            break;
        }
        assert_eq!(r.status, 404);
        assert!(std::time::Instant::now() < deadline, "never registered");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let updated = run(&["update", "later", "--handler", "app.fail"]);
    assert!(
        updated.status.success(),
        "{}",
        String::from_utf8_lossy(&updated.stderr)
    );
    let shown = run(&["show", "later"]);
    let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(
        (shown["Handler"].as_str(), shown["Timeout"].as_u64()),
        (Some("app.fail"), Some(9))
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let r = invoke(&app.http, &app.server, "later", "{}").await;
        if r.header("x-amz-function-error") == Some("Unhandled") {
            assert_eq!(r.json()["errorMessage"], "no pets today");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "update never applied");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let deleted = run(&["delete", "later"]);
    assert!(deleted.status.success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while invoke(&app.http, &app.server, "later", "{}").await.status != 404 {
        assert!(std::time::Instant::now() < deadline, "delete never applied");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let gone = run(&["delete", "later"]);
    assert!(String::from_utf8_lossy(&gone.stderr).contains("Function not found"));
}

const NON_PROXY_APP: &str = r#"
import json

def lookup(event, context):
    if event.get("id") == "0":
        raise Exception(json.dumps({"code": 404, "msg": "no pet"}))
    return {"id": event.get("id"), "name": "Rex", "via": event.get("via")}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn lambda_non_proxy_integrations_use_templates_and_error_selection() {
    let dir = tempfile::tempdir().unwrap();
    let code = dir.path().join("code");
    std::fs::create_dir_all(&code).unwrap();
    std::fs::write(code.join("app.py"), NON_PROXY_APP).unwrap();
    let data = dir.path().join("data");
    let created = common::tollgate(&[
        "functions",
        "create",
        "lookup",
        "--runtime",
        "python3.11",
        "--handler",
        "app.lookup",
        "--code",
        code.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    let uri = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:lookup/invocations";
    // The reference's example 4: the error message is JSON, selected by a pattern and parsed
    // by the template.
    let doc = json!({
        "openapi": "3.0.1",
        "info": {"title": "nonproxy", "version": "1"},
        "paths": {"/pets/{id}": {"get": {
            "responses": {"200": {"description": "ok"}, "404": {"description": "missing"}},
            "x-amazon-apigateway-integration": {
                "type": "aws", "httpMethod": "POST", "uri": uri,
                "requestTemplates": {"application/json": "{\"id\": \"$input.params('id')\", \"via\": \"$context.httpMethod\"}"},
                "responses": {
                    "default": {"statusCode": "200"},
                    ".*\"code\":\\s*404.*": {
                        "statusCode": "404",
                        "responseTemplates": {"application/json": "#set($e = $util.parseJson($input.path('$.errorMessage'))){\"error\":\"$e.msg\",\"code\":$e.code}"}
                    }
                }
            }
        }}}
    });
    let file = common::write_definition(dir.path(), "nonproxy.json", &doc);
    let server = Tollgate::start(&data, &["--api", file.to_str().unwrap(), "--stage", "prod"]);
    let id = server.api_id("nonproxy");
    let http = Http::default();
    let r = http.get(&server.url(&id, "prod", "/pets/7")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"id": "7", "name": "Rex", "via": "GET"}));
    let r = http.get(&server.url(&id, "prod", "/pets/0")).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), r#"{"error":"no pet","code":404}"#);
}

const AUTH_APP: &str = r#"
def auth(event, context):
    allow = event["authorizationToken"] == "let-me-in"
    return {"principalId": "sam-user", "policyDocument": {"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": "Allow" if allow else "Deny", "Resource": "*"}]},
        "context": {"who": "sam-user"}}

def hello(event, context):
    return {"statusCode": 200, "body": event["requestContext"]["authorizer"]["who"]}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn sam_auth_lambda_authorizer_and_api_keys() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::write(app.join("src/app.py"), AUTH_APP).unwrap();
    let template = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: live
      Auth:
        DefaultAuthorizer: TokenAuth
        ApiKeyRequired: true
        UsagePlan:
          CreateUsagePlan: PER_API
          Quota: {Limit: 100, Period: DAY}
        Authorizers:
          TokenAuth:
            FunctionArn: !GetAtt AuthFn.Arn
            Identity: {Header: X-Token}
  AuthFn:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.11, Handler: app.auth, CodeUri: ./src}
  HelloFn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.hello
      CodeUri: ./src
      Events:
        Hello:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /hello, Method: get}
"#;
    let path = app.join("template.yaml");
    std::fs::write(&path, template).unwrap();
    let data = dir.path().join("data");
    let server = Tollgate::start(&data, &["--sam", path.to_str().unwrap()]);
    let id = server.api_id_for_stage("live");
    let listed = common::tollgate(&[
        "keys",
        "list",
        "--include-values",
        "--output",
        "json",
        "--data-dir",
        data.to_str().unwrap(),
    ]);
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let key = listed["items"][0]["value"].as_str().unwrap().to_owned();
    assert_eq!(listed["items"][0]["name"], "ApiApiKey");
    let http = Http::default();
    let url = server.url(&id, "live", "/hello");
    let call = |token: &'static str, key: Option<String>| {
        let http = &http;
        let url = url.clone();
        async move {
            let mut headers = vec![("X-Token", token.to_owned())];
            if let Some(k) = key {
                headers.push(("x-api-key", k));
            }
            let refs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            http.send(Method::GET, &url, &refs, "").await
        }
    };
    let r = call("let-me-in", Some(key.clone())).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text(), "sam-user");
    assert_eq!(
        call("let-me-in", None).await.status,
        403,
        "the key is required"
    );
    assert_eq!(
        call("nope", Some(key)).await.status,
        403,
        "the authorizer denies"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sam_templates_declare_api_keys_and_usage_plans_as_resources() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("keyed");
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::write(
        app.join("src/app.py"),
        "def hello(event, context):\n    return {'statusCode': 200, 'body': event['requestContext']['identity']['apiKeyId']}\n",
    )
    .unwrap();
    let template = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth: {ApiKeyRequired: true}
  HelloFn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.hello
      CodeUri: ./src
      Events:
        Hello: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /hello, Method: get}}
  PartnerKey:
    Type: AWS::ApiGateway::ApiKey
    Properties: {Name: partner, Enabled: true, Value: partner-key-0123456789abcdef}
  PartnerPlan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      UsagePlanName: partners
      ApiStages: [{ApiId: !Ref Api, Stage: v1}]
      Quota: {Limit: 2, Period: DAY}
  PartnerPlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {KeyId: !Ref PartnerKey, KeyType: API_KEY, UsagePlanId: !Ref PartnerPlan}
"#;
    let path = app.join("template.yaml");
    std::fs::write(&path, template).unwrap();
    let server = Tollgate::start(&dir.path().join("data"), &["--sam", path.to_str().unwrap()]);
    let id = server.api_id_for_stage("v1");
    let http = Http::default();
    let url = server.url(&id, "v1", "/hello");
    let key = [("x-api-key", "partner-key-0123456789abcdef")];
    let r = http.send(Method::GET, &url, &key, "").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text().len(), 10, "the key's id: {}", r.text());
    assert_eq!(http.send(Method::GET, &url, &key, "").await.status, 200);
    let r = http.send(Method::GET, &url, &key, "").await;
    assert_eq!(
        (r.status.as_u16(), r.text()),
        (429, r#"{"message":"Limit Exceeded"}"#.to_owned())
    );
    assert_eq!(http.get(&url).await.status, 403);
}

/// The CDK fixture: `cdk synth` of a small app (`crates/sam/tests/fixtures/cdk-items`).
fn cdk_template() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sam/tests/fixtures/cdk-items/cdk.out/ItemsStack.template.json")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cdk_synthesized_rest_api_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let template = cdk_template();
    let server = Tollgate::start(
        &dir.path().join("data"),
        &["--sam", template.to_str().unwrap()],
    );
    let id = server.api_id_for_stage("prod");
    let http = Http::default();
    let url = |path: &str| server.url(&id, "prod", path);
    let key = [("x-api-key", "items-key-value-0123456789")];

    // GET /items requires the usage plan's API key.
    let r = http.get(&url("/items")).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.text(), r#"{"message":"Forbidden"}"#);
    let r = http.send(Method::GET, &url("/items"), &key, "").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"resource": "/items", "path": "/items", "method": "GET", "id": null,
               "stage": "prod", "function": "ItemsFunction736859B1"})
    );

    // The {id} resource, through the same Lambda proxy integration.
    let r = http.get(&url("/items/42")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"resource": "/items/{id}", "path": "/items/42", "method": "GET", "id": "42",
               "stage": "prod", "function": "ItemsFunction736859B1"})
    );

    // POST /items: the request validator checks the body against the Item model.
    let json_ct = [("content-type", "application/json")];
    let r = http
        .send(Method::POST, &url("/items"), &json_ct, r#"{"name":"pen"}"#)
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["method"], "POST");
    let r = http
        .send(
            Method::POST,
            &url("/items"),
            &json_ct,
            r#"{"colour":"red"}"#,
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.text(), r#"{"message":"Invalid request body"}"#);

    // The MOCK method.
    let r = http.get(&url("/health")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), r#"{"status": "ok"}"#);

    // No such resource.
    let r = http.get(&url("/nope")).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.text(), r#"{"message":"Missing Authentication Token"}"#);
}

const CFN_TEMPLATE: &str = r#"
AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Inline:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.11
      Handler: index.handler
      Code:
        ZipFile: |
          import json
          def handler(event, context):
              return {"statusCode": 200, "body": json.dumps({
                  "from": "inline", "id": event["pathParameters"]["id"],
                  "principal": event["requestContext"]["authorizer"]["principalId"],
                  "stage": event["requestContext"]["stage"]})}
  Authorizer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: auth.handler
      CodeUri: auth.zip
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: shop}
  Orders:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: orders}
  Order:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !Ref Orders, PathPart: "{id}"}
  Token:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      RestApiId: !Ref Api
      Name: token
      Type: TOKEN
      IdentitySource: method.request.header.Authorization
      AuthorizerResultTtlInSeconds: 0
      AuthorizerUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Authorizer.Arn}/invocations"
  GetOrder:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Order
      HttpMethod: GET
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref Token
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Inline.Arn}/invocations"
  GetOrders:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Orders
      HttpMethod: GET
      MethodResponses:
        - StatusCode: "200"
          ResponseParameters: {method.response.header.X-Stage: true}
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses:
          - StatusCode: "200"
            ResponseParameters: {method.response.header.X-Stage: context.stage}
            ResponseTemplates: {application/json: '{"tier": "$stageVariables.tier"}'}
  NotFound:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: MISSING_AUTHENTICATION_TOKEN
      StatusCode: "404"
      ResponseTemplates: {application/json: '{"error": "no route"}'}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [GetOrder, GetOrders]
    Properties:
      RestApiId: !Ref Api
      StageName: v1
      StageDescription: {Variables: {tier: one}}
  Beta:
    Type: AWS::ApiGateway::Stage
    Properties: {RestApiId: !Ref Api, DeploymentId: !Ref Deployment, StageName: beta, Variables: {tier: beta}}
  Permission:
    Type: AWS::Lambda::Permission
    Properties: {Action: lambda:InvokeFunction, FunctionName: !Ref Inline, Principal: apigateway.amazonaws.com}
  Domain:
    Type: AWS::ApiGateway::DomainName
    Properties: {DomainName: shop.example.test}
  Mapping:
    Type: AWS::ApiGateway::BasePathMapping
    Properties: {DomainName: !Ref Domain, RestApiId: !Ref Api, Stage: !Ref Beta, BasePath: shop}
"#;

const AUTHORIZER_APP: &str = r#"
def handler(event, context):
    token = event["authorizationToken"]
    effect = "Allow" if token == "let-me-in" else "Deny"
    return {"principalId": "user-1", "policyDocument": {"Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}]}}
"#;

#[tokio::test(flavor = "multi_thread")]
async fn hand_written_cloudformation_apis_are_served() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let app_dir = dir.path().join("shop");
    std::fs::create_dir_all(&app_dir).unwrap();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    zip.start_file("auth.py", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(AUTHORIZER_APP.as_bytes()).unwrap();
    std::fs::write(app_dir.join("auth.zip"), zip.finish().unwrap().into_inner()).unwrap();
    let template = app_dir.join("template.yaml");
    std::fs::write(&template, CFN_TEMPLATE).unwrap();
    let server = Tollgate::start(
        &dir.path().join("data"),
        &["--sam", template.to_str().unwrap()],
    );
    let id = server.api_id_for_stage("beta");
    let http = Http::default();

    // The TOKEN authorizer (code from a zip) guards the inline function.
    let url = server.url(&id, "beta", "/orders/7");
    let r = http.get(&url).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.text(), r#"{"message":"Unauthorized"}"#);
    let r = http
        .send(Method::GET, &url, &[("authorization", "nope")], "")
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.text(),
        r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#
    );
    let r = http
        .send(Method::GET, &url, &[("authorization", "let-me-in")], "")
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"from": "inline", "id": "7", "principal": "user-1", "stage": "beta"})
    );

    // The MOCK method, on both stages with their variables.
    for (stage, tier) in [("beta", "beta"), ("v1", "one")] {
        let r = http.get(&server.url(&id, stage, "/orders")).await;
        assert_eq!(r.status, 200, "{stage}: {}", r.text());
        assert_eq!(r.header("x-stage"), Some(stage));
        assert_eq!(r.text(), format!(r#"{{"tier": "{tier}"}}"#));
    }

    // The gateway response of the template.
    let r = http.get(&server.url(&id, "beta", "/nope")).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.text(), r#"{"error": "no route"}"#);

    // The custom domain's base path mapping reaches the beta stage.
    let r = http
        .send(
            Method::GET,
            &format!("http://{}/shop/orders", server.data),
            &[("host", "shop.example.test")],
            "",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text(), r#"{"tier": "beta"}"#);
}

#[tokio::test(flavor = "multi_thread")]
async fn nested_stacks_serve_their_functions_and_apis() {
    let dir = tempfile::tempdir().unwrap();
    let template = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sam/tests/data/nested/template.yaml");
    let server = Tollgate::start(
        &dir.path().join("data"),
        &[
            "--sam",
            template.to_str().unwrap(),
            "--parameter-override",
            "Greeting=hi",
        ],
    );
    let http = Http::default();
    let mut answers = Vec::new();
    for line in server
        .stdout
        .iter()
        .filter(|l| l.ends_with(") stage Prod:"))
    {
        let id = line
            .trim_end_matches(") stage Prod:")
            .rsplit_once(" (")
            .unwrap()
            .1;
        for path in ["/front", "/hello"] {
            let r = http.get(&server.url(id, "Prod", path)).await;
            if r.status == 200 {
                answers.push(r.text());
            }
        }
    }
    answers.sort();
    // The child's function, renamed away from the parent's Front, got the parent's parameter.
    assert_eq!(answers, ["front", "hi from nested-Child-Front"]);
}
