//! Realistic SAM applications: functions, the implicit API, an explicit API with an inline
//! definition, AWS::Include and DefinitionUri files; every OpenAPI document goes through
//! `tollgate_openapi::import` and the resulting API is checked resource by resource.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{api, data_dir, imported, lambda_uri, method, options, warned};
use tollgate_model::{ApiDefinition, GatewayResponseType, HttpMethod, IntegrationType};
use tollgate_sam::{FunctionConfig, Runtime, SamApp, SamOptions, load};

fn load_app(dir: &str, file: &str, options: &SamOptions) -> SamApp {
    let dir = data_dir(dir);
    let bytes = std::fs::read(dir.join(file)).expect("template");
    match load(&bytes, &dir, options) {
        Ok(app) => app,
        Err(e) => panic!("{e}\nwarnings: {:#?}", e.warnings),
    }
}

fn function<'a>(app: &'a SamApp, name: &str) -> &'a FunctionConfig {
    app.functions
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no function {name}: {:?}", names(app)))
}

fn names(app: &SamApp) -> Vec<&str> {
    app.functions.iter().map(|f| f.name.as_str()).collect()
}

fn paths(def: &ApiDefinition) -> Vec<&str> {
    let mut p: Vec<&str> = def.resources.iter().map(|r| r.path.as_str()).collect();
    p.sort_unstable();
    p
}

fn verbs(def: &ApiDefinition, path: &str) -> Vec<HttpMethod> {
    def.resources
        .iter()
        .find(|r| r.path == path)
        .unwrap_or_else(|| panic!("no resource {path}"))
        .resource_methods
        .keys()
        .copied()
        .collect()
}

fn assert_proxy(def: &ApiDefinition, path: &str, verb: HttpMethod, function: &str) {
    let m = method(def, path, verb);
    let i = m
        .method_integration
        .as_ref()
        .unwrap_or_else(|| panic!("{verb} {path} has no integration"));
    assert_eq!(i.kind, IntegrationType::AwsProxy, "{verb} {path}");
    assert_eq!(i.http_method.as_deref(), Some("POST"), "{verb} {path}");
    assert_eq!(
        i.uri.as_deref(),
        Some(lambda_uri(function).as_str()),
        "{verb} {path}"
    );
    // What the binary does to find the local function.
    let arn = i
        .uri
        .as_deref()
        .and_then(|u| u.split("/functions/").nth(1))
        .and_then(|u| u.strip_suffix("/invocations"))
        .unwrap();
    assert_eq!(arn.rsplit(':').next(), Some(function));
}

fn env(f: &FunctionConfig) -> BTreeMap<&str, &str> {
    f.environment
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[test]
fn pet_store_functions() {
    let app = load_app("app", "template.yaml", &options("pet-store"));
    let dir = data_dir("app");
    assert_eq!(app.stack_name, "pet-store");
    assert_eq!(names(&app), ["PetsFunction", "pet-store-proxy"]);

    let pets = function(&app, "PetsFunction");
    assert_eq!(pets.runtime, Runtime::Python("python3.12".into()));
    assert_eq!(pets.handler.as_deref(), Some("app.handler"));
    assert_eq!(pets.code_dir, dir.join("pets"));
    assert_eq!(pets.timeout, Duration::from_secs(10));
    assert_eq!(pets.memory_mb, 256);
    assert_eq!(pets.max_concurrency, 10);
    assert!(pets.remote.is_none());
    let e = env(pets);
    assert_eq!(e["LOG_LEVEL"], "INFO");
    assert_eq!(e["STAGE"], "dev");
    assert_eq!(e["TABLE"], "PetsTable");
    assert_eq!(e["TABLE_ARN"], "${PetsTable.Arn}");
    assert_eq!(e["WHERE"], "us-east-1/000000000000/pet-store/aws");
    assert_eq!(
        e["TABLE_URL"],
        "https://dynamodb.us-east-1.amazonaws.com/pets"
    );
    assert_eq!(
        e["PROXY_ARN"],
        "arn:aws:lambda:us-east-1:000000000000:function:pet-store-proxy"
    );
    assert_eq!(e["PROXY_NAME"], "pet-store-proxy");
    assert_eq!(e["MODE"], "development");
    assert_eq!(e["FIRST"], "a");
    assert_eq!(e["JOINED"], "dev-pets");
    assert_eq!(e["LITERAL"], "${NotAVariable}");
    assert_eq!(e["RETRIES"], "3");
    assert_eq!(e["VERBOSE"], "true");

    let proxy = function(&app, "pet-store-proxy");
    assert_eq!(proxy.runtime, Runtime::Provided);
    assert_eq!(proxy.handler.as_deref(), Some("bootstrap"));
    assert_eq!(proxy.code_dir, dir.join("rust_app"));
    assert_eq!(proxy.timeout, Duration::from_secs(5));
    assert_eq!(proxy.memory_mb, 256, "MemorySize comes from Globals");
    assert_eq!(proxy.max_concurrency, 4);
    let e = env(proxy);
    assert_eq!(e["LOG_LEVEL"], "debug", "the function's variable wins");
    assert_eq!(e["STAGE"], "dev", "Globals variables are merged");
    assert_eq!(e["PETS_FUNCTION"], "PetsFunction");

    // What could not be resolved or run is said, with where.
    assert!(warned(
        &app,
        &[
            "Resources.PetsFunction.Properties.Environment.Variables.TABLE_ARN",
            "!GetAtt PetsTable.Arn",
            "AWS::Serverless::SimpleTable",
            "placeholder '${PetsTable.Arn}'",
            "line "
        ]
    ));
    assert!(warned(&app, &["Variables.TABLE:", "!Ref PetsTable"]));
    assert!(warned(
        &app,
        &[
            "Resources.PetsFunction.Properties.Events.Nightly",
            "Schedule is not supported"
        ]
    ));
    assert!(warned(
        &app,
        &[
            "Resources.PetsTable",
            "AWS::Serverless::SimpleTable is not run by Tollgate"
        ]
    ));
    assert!(warned(
        &app,
        &[
            "Resources.ProxyFunction",
            "cargo lambda build --release",
            "target/lambda/<binary>/bootstrap"
        ]
    ));
    assert!(
        app.warnings.iter().all(|w| !w.contains("Outputs")),
        "{:#?}",
        app.warnings
    );
}

#[test]
fn pet_store_implicit_api() {
    let app = load_app("app", "template.yaml", &options("pet-store"));
    assert_eq!(app.apis.len(), 1);
    let api = api(&app, "ServerlessRestApi");
    assert_eq!(api.name, "pet-store");
    assert_eq!(api.stage_name, "Prod");
    assert!(api.variables.is_empty());
    assert!(
        api.id.len() == 10
            && api
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    assert_eq!(api.openapi["openapi"], "3.0.1");
    // GET /pets/{id} declares its path parameter.
    assert_eq!(
        api.openapi["paths"]["/pets/{id}"]["get"]["parameters"],
        serde_json::json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}])
    );
    assert_eq!(
        api.openapi["paths"]["/{proxy+}"]["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
            ["uri"],
        lambda_uri("pet-store-proxy")
    );

    let def = imported(api);
    assert_eq!(def.rest_api.name, "pet-store");
    assert_eq!(
        def.rest_api.binary_media_types,
        ["image/png"],
        "Globals.Api applies to the implicit API"
    );
    assert_eq!(paths(&def), ["/", "/pets", "/pets/{id}", "/{proxy+}"]);
    assert_eq!(verbs(&def, "/pets"), [HttpMethod::Get]);
    assert_eq!(verbs(&def, "/pets/{id}"), [HttpMethod::Get]);
    assert_eq!(verbs(&def, "/{proxy+}"), [HttpMethod::Any]);
    assert!(verbs(&def, "/").is_empty());
    assert_proxy(&def, "/pets", HttpMethod::Get, "PetsFunction");
    assert_proxy(&def, "/pets/{id}", HttpMethod::Get, "PetsFunction");
    assert_proxy(&def, "/{proxy+}", HttpMethod::Any, "pet-store-proxy");
    assert_eq!(
        method(&def, "/pets/{id}", HttpMethod::Get).request_parameters,
        BTreeMap::from([("method.request.path.id".to_owned(), true)])
    );
    assert_eq!(
        method(&def, "/{proxy+}", HttpMethod::Any).request_parameters,
        BTreeMap::from([("method.request.path.proxy".to_owned(), true)])
    );
}

#[test]
fn parameter_overrides_and_defaults() {
    let mut o = options("pet-store");
    o.parameter_overrides.insert("Stage".into(), "prod".into());
    o.parameter_overrides
        .insert("LogLevel".into(), "DEBUG".into());
    o.parameter_overrides.insert("Nope".into(), "x".into());
    o.region = "eu-west-1".into();
    o.account_id = "123456789012".into();
    let app = load_app("app", "template.yaml", &o);
    let pets = function(&app, "PetsFunction");
    let e = env(pets);
    assert_eq!(e["STAGE"], "prod");
    assert_eq!(e["LOG_LEVEL"], "DEBUG");
    assert_eq!(
        e["MODE"], "production",
        "!If on a condition over an overridden parameter"
    );
    assert_eq!(e["JOINED"], "prod-pets", "TableName keeps its Default");
    assert_eq!(e["WHERE"], "eu-west-1/123456789012/pet-store/aws");
    assert_eq!(pets.memory_mb, 1024, "!FindInMap with the overridden stage");
    assert!(warned(&app, &["Parameter override 'Nope'"]));
    let def = imported(&app.apis[0]);
    let i = method(&def, "/pets", HttpMethod::Get)
        .method_integration
        .as_ref()
        .unwrap();
    assert_eq!(
        i.uri.as_deref(),
        Some(
            "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:PetsFunction/invocations"
        )
    );
}

#[test]
fn stack_name_defaults_to_the_template_directory() {
    let app = load_app("app", "template.yaml", &SamOptions::default());
    assert_eq!(app.stack_name, "app");
    assert!(app.functions.iter().any(|f| f.name == "app-proxy"));
    assert_eq!(app.apis[0].name, "app");
}

#[test]
fn explicit_api_with_inline_definition() {
    let app = load_app("explicit", "template.yaml", &options("orders"));
    assert_eq!(
        app.apis.len(),
        1,
        "no implicit API: every event names MyApi"
    );
    let api = api(&app, "MyApi");
    assert_eq!(api.name, "orders-api");
    assert_eq!(api.stage_name, "v1");
    assert_eq!(
        api.variables,
        BTreeMap::from([
            ("backend".to_owned(), "orders".to_owned()),
            ("level".to_owned(), "2".to_owned())
        ])
    );
    assert_eq!(api.endpoint_type.as_deref(), Some("REGIONAL"));

    let orders = function(&app, "OrdersFunction");
    assert_eq!(orders.runtime, Runtime::Nodejs("nodejs20.x".into()));
    assert_eq!(orders.code_dir, data_dir("explicit").join("orders"));
    let e = env(orders);
    assert_eq!(e["API_ID"], api.id, "!Ref of an API is its id");
    assert_eq!(e["STAGE"], "v1");
    assert_eq!(e["GREETING"], "hello");

    let def = imported(api);
    assert_eq!(def.rest_api.name, "orders-api");
    assert_eq!(
        paths(&def),
        ["/", "/health", "/orders", "/orders/{orderId}"]
    );
    // The body's GET (with !Sub in its uri), the event's POST, and CORS's OPTIONS.
    assert_eq!(
        verbs(&def, "/orders"),
        [HttpMethod::Get, HttpMethod::Options, HttpMethod::Post]
    );
    assert_proxy(&def, "/orders", HttpMethod::Get, "OrdersFunction");
    assert_proxy(&def, "/orders", HttpMethod::Post, "OrdersFunction");
    assert_proxy(&def, "/orders/{orderId}", HttpMethod::Get, "OrdersFunction");
    assert_eq!(
        verbs(&def, "/health"),
        [HttpMethod::Get, HttpMethod::Options]
    );
    assert_eq!(
        method(&def, "/health", HttpMethod::Get)
            .method_integration
            .as_ref()
            .unwrap()
            .kind,
        IntegrationType::Mock
    );
    // The event's GET /orders is a duplicate of the body's: said, and the body's kept.
    assert!(warned(
        &app,
        &["Events.ListOrders", "GET /orders is already defined"]
    ));
    // Request parameters and timeout from the event.
    let get_order = method(&def, "/orders/{orderId}", HttpMethod::Get);
    assert_eq!(
        get_order.request_parameters,
        BTreeMap::from([
            ("method.request.header.X-Trace".to_owned(), true),
            ("method.request.path.orderId".to_owned(), true),
            ("method.request.querystring.verbose".to_owned(), false),
        ])
    );
    assert_eq!(
        get_order
            .method_integration
            .as_ref()
            .unwrap()
            .timeout_in_millis,
        5000
    );
    // CORS as SAM builds it: OPTIONS, MOCK, statics in the default integration response.
    let options = method(&def, "/orders", HttpMethod::Options);
    let i = options.method_integration.as_ref().unwrap();
    assert_eq!(i.kind, IntegrationType::Mock);
    assert_eq!(
        i.request_templates
            .get("application/json")
            .map(String::as_str),
        Some("{\n  \"statusCode\" : 200\n}\n")
    );
    let response = i.integration_responses.get("200").unwrap();
    assert!(response.is_default());
    let header = |h: &str| {
        response
            .response_parameters
            .get(&format!("method.response.header.{h}"))
            .map(String::as_str)
    };
    assert_eq!(
        header("Access-Control-Allow-Origin"),
        Some("'https://example.com'")
    );
    assert_eq!(
        header("Access-Control-Allow-Headers"),
        Some("'Content-Type,Authorization'")
    );
    assert_eq!(
        header("Access-Control-Allow-Methods"),
        Some("'GET,OPTIONS,POST'")
    );
    assert_eq!(header("Access-Control-Max-Age"), Some("'600'"));
    assert_eq!(header("Access-Control-Allow-Credentials"), None);
    let mr = options.method_responses.get("200").unwrap();
    assert_eq!(
        mr.response_parameters.keys().collect::<Vec<_>>(),
        [
            "method.response.header.Access-Control-Allow-Headers",
            "method.response.header.Access-Control-Allow-Methods",
            "method.response.header.Access-Control-Allow-Origin",
            "method.response.header.Access-Control-Max-Age"
        ]
    );
    let health_options = method(&def, "/health", HttpMethod::Options);
    assert_eq!(
        health_options
            .method_integration
            .as_ref()
            .unwrap()
            .integration_responses["200"]
            .response_parameters["method.response.header.Access-Control-Allow-Methods"],
        "'GET,OPTIONS'"
    );
    // Gateway responses.
    let gr = def
        .gateway_responses
        .iter()
        .find(|g| g.response_type == GatewayResponseType::Default4xx)
        .expect("DEFAULT_4XX");
    assert_eq!(
        gr.response_parameters
            .get("gatewayresponse.header.Access-Control-Allow-Origin")
            .map(String::as_str),
        Some("'https://example.com'")
    );
}

#[test]
fn include_definition_uri_and_json_template() {
    let app = load_app("include", "template.json", &options("inc"));
    assert_eq!(names(&app), ["inc-hello"]);
    let hello = function(&app, "inc-hello");
    assert_eq!(hello.runtime, Runtime::Python("python3.11".into()));
    assert_eq!(hello.code_dir, data_dir("include").join("fn"));
    let included = api(&app, "IncludedApi");
    let swagger = api(&app, "SwaggerApi");
    let e = env(hello);
    assert_eq!(
        e["SELF"],
        "arn:aws:lambda:us-east-1:000000000000:function:inc-hello"
    );
    assert_eq!(
        e["API"],
        format!(
            "https://{}.execute-api.us-east-1.amazonaws.com/live",
            included.id
        )
    );

    // AWS::Include: the local file, intrinsics resolved.
    assert_eq!(included.name, "included");
    assert_eq!(included.stage_name, "live");
    let def = imported(included);
    assert_eq!(paths(&def), ["/", "/hello"]);
    assert_proxy(&def, "/hello", HttpMethod::Get, "inc-hello");

    // DefinitionUri: a Swagger 2.0 file; the event's PUT is added in Swagger's shape; Cors as a
    // string sets only the origin.
    assert_eq!(swagger.stage_name, "legacy");
    assert_eq!(swagger.openapi["swagger"], "2.0");
    assert_eq!(
        swagger.openapi["paths"]["/items/{itemId}"]["put"]["parameters"],
        serde_json::json!([{"name": "itemId", "in": "path", "required": true, "type": "string"}])
    );
    let def = imported(swagger);
    assert_eq!(def.rest_api.name, "legacy");
    assert_eq!(paths(&def), ["/", "/items", "/items/{itemId}"]);
    assert_eq!(
        verbs(&def, "/items"),
        [HttpMethod::Get, HttpMethod::Options]
    );
    assert_eq!(
        verbs(&def, "/items/{itemId}"),
        [HttpMethod::Options, HttpMethod::Put]
    );
    assert_proxy(&def, "/items/{itemId}", HttpMethod::Put, "inc-hello");
    let cors = &method(&def, "/items/{itemId}", HttpMethod::Options)
        .method_integration
        .as_ref()
        .unwrap()
        .integration_responses["200"]
        .response_parameters;
    assert_eq!(
        cors,
        &BTreeMap::from([
            (
                "method.response.header.Access-Control-Allow-Methods".to_owned(),
                "'OPTIONS,PUT'".to_owned()
            ),
            (
                "method.response.header.Access-Control-Allow-Origin".to_owned(),
                "'*'".to_owned()
            ),
        ])
    );
    // Auth.ApiKeyRequired: every method with an integration needs a key, the CORS preflight
    // ones too (AddApiKeyRequiredToCorsPreflight defaults to true).
    assert_eq!(
        swagger.openapi["securityDefinitions"]["api_key"],
        serde_json::json!({"type": "apiKey", "name": "x-api-key", "in": "header"})
    );
    for (path, verb) in [
        ("/items", HttpMethod::Get),
        ("/items", HttpMethod::Options),
        ("/items/{itemId}", HttpMethod::Put),
        ("/items/{itemId}", HttpMethod::Options),
    ] {
        assert!(method(&def, path, verb).api_key_required, "{verb} {path}");
    }
    assert!(!warned(&app, &["not enforced"]));
}

#[test]
fn cargo_lambda_bootstrap_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("rust/target/lambda/proxy");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("bootstrap"), b"#!/bin/sh\n").unwrap();
    let built = dir.path().join(".aws-sam/build/Built");
    std::fs::create_dir_all(&built).unwrap();
    std::fs::write(built.join("bootstrap"), b"#!/bin/sh\n").unwrap();
    let template = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Proxy:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: rust-cargolambda
    Properties:
      Runtime: provided.al2023
      Handler: bootstrap
      CodeUri: ./rust
  Named:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: rust-cargolambda
      BuildProperties:
        Binary: other
    Properties:
      Runtime: provided.al2
      CodeUri: ./rust
  Built:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: makefile
    Properties:
      Runtime: provided
      CodeUri: ./src
"#;
    let app = load(template.as_bytes(), dir.path(), &SamOptions::default()).unwrap();
    let proxy = function(&app, "Proxy");
    assert_eq!(proxy.code_dir, bin);
    assert!(proxy.handler.is_some());
    let named = function(&app, "Named");
    assert_eq!(named.code_dir, dir.path().join("rust/target/lambda/other"));
    assert!(named.handler.is_none());
    assert!(warned(
        &app,
        &[
            "Resources.Named",
            "cargo lambda build --release",
            "target/lambda/other/bootstrap"
        ]
    ));
    let built_fn = function(&app, "Built");
    assert_eq!(built_fn.code_dir, built);
    assert!(warned(&app, &["Resources.Built", "sam build output"]));
}
