//! Plain CloudFormation: `AWS::ApiGateway::*` resources become the same APIs as an imported
//! OpenAPI document; nested stacks with local templates load with their parameters and
//! outputs; what cannot run is a warning naming the resource, what AWS would refuse an error.

mod common;

use common::{api, data_dir, imported, lambda_uri, method, options, single, warned};
use tollgate_model::{AuthorizationType, GatewayResponseType, HttpMethod, IntegrationType};
use tollgate_sam::{SamApp, load};

fn load_dir(dir: &str, file: &str) -> SamApp {
    let dir = data_dir(dir);
    let bytes = std::fs::read(dir.join(file)).expect("template");
    match load(&bytes, &dir, &options("parent")) {
        Ok(app) => app,
        Err(e) => panic!("{e}\nwarnings: {:#?}", e.warnings),
    }
}

#[test]
fn nested_stacks_take_parameters_and_give_outputs() {
    let app = load_dir("nested", "template.yaml");
    let names: Vec<&str> = app.functions.iter().map(|f| f.name.as_str()).collect();
    // The child's Front would be named like the parent's: it gets CloudFormation's kind of name.
    assert_eq!(names, ["Front", "parent-Child-Front"]);
    let child = &app.functions[1];
    assert_eq!(child.environment["GREETING"], "hello");
    assert_eq!(child.environment["SECOND_TAG"], "b");
    assert_eq!(child.environment["STACK"], "parent-Child");
    assert_eq!(
        child.code_dir,
        std::fs::canonicalize(data_dir("nested/child"))
            .unwrap()
            .join("code")
    );

    // Two implicit APIs, one per stack, with their own ids.
    assert_eq!(app.apis.len(), 2);
    let child_api = app
        .apis
        .iter()
        .find(|a| a.openapi["paths"].get("/hello").is_some())
        .unwrap();
    let parent_api = app
        .apis
        .iter()
        .find(|a| a.openapi["paths"].get("/front").is_some())
        .unwrap();
    assert_ne!(child_api.id, parent_api.id);
    let def = imported(child_api);
    let uri = method(&def, "/hello", HttpMethod::Get)
        .method_integration
        .as_ref()
        .and_then(|i| i.uri.clone());
    assert_eq!(uri, Some(lambda_uri("parent-Child-Front")));

    // Outputs reach the parent.
    let front = &app.functions[0];
    assert_eq!(front.environment["CHILD_FN"], "parent-Child-Front");
    assert_eq!(
        front.environment["CHILD_URL"],
        format!(
            "https://{}.execute-api.us-east-1.amazonaws.com/Prod",
            child_api.id
        )
    );
    assert_eq!(
        front.environment["STACK_ECHO"],
        format!("api {}", child_api.id)
    );
    assert_eq!(front.environment["MISSING"], "${Child.Outputs.Nope}");
    assert!(warned(
        &app,
        &[
            "!GetAtt Child.Outputs.Nope: the nested stack Child was not loaded or has no output Nope"
        ]
    ));
    // The child's own warnings say where they come from.
    assert!(warned(
        &app,
        &[
            "Resources.Child(",
            "child/template.yaml): Resources.Front.Properties.FunctionName: Function name 'Front' is used by Front and Front"
        ]
    ));
    assert!(warned(
        &app,
        &[
            "Resources.Remote.Properties.Location",
            "Serverless Application Repository",
            "skipped"
        ]
    ));
}

#[test]
fn nested_stack_errors_name_the_stack_and_cycles_stop() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("template.yaml"),
        "Resources:\n  Me:\n    Type: AWS::CloudFormation::Stack\n    Properties: {TemplateURL: template.yaml}\n  Bad:\n    Type: AWS::Serverless::Application\n    Properties: {Location: bad.yaml}\n  Gone:\n    Type: AWS::Serverless::Application\n    Properties: {Location: missing.yaml}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {Runtime: java21, Handler: x, CodeUri: .}\n",
    )
    .unwrap();
    let e = tollgate_sam::load_file(&dir.path().join("template.yaml"), &options("s")).unwrap_err();
    let shown: Vec<String> = e.errors.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 3, "{shown:#?}");
    assert!(
        shown.iter().any(|s| s
            .starts_with("Resources.Me.Properties.TemplateURL: The nested template")
            && s.contains("template.yaml includes itself")),
        "{shown:#?}"
    );
    assert!(
        shown
            .iter()
            .any(|s| s
                .contains("bad.yaml).Resources.Fn.Properties.Runtime: unsupported runtime java21")),
        "{shown:#?}"
    );
    assert!(
        shown.iter().any(|s| s
            .starts_with("Resources.Gone.Properties.Location: Cannot read the nested template")),
        "{shown:#?}"
    );
}

const HAND_WRITTEN: &str = r#"
Parameters:
  Env: {Type: String, Default: test}
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: app.handler, Code: .}
  AuthFn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: app.authorize, Code: .}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: !Sub "orders-${Env}"
      BinaryMediaTypes: [image~1png]
      ApiKeySourceType: HEADER
  Orders:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: orders}
  Order:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !Ref Orders, PathPart: "{id}"}
  OrderModel:
    Type: AWS::ApiGateway::Model
    Properties:
      RestApiId: !Ref Api
      Name: Order
      ContentType: application/json
      Schema: '{"type": "object", "required": ["item"]}'
  Validator:
    Type: AWS::ApiGateway::RequestValidator
    Properties: {RestApiId: !Ref Api, ValidateRequestBody: true, ValidateRequestParameters: true}
  TokenAuth:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      RestApiId: !Ref Api
      Name: token
      Type: TOKEN
      IdentitySource: method.request.header.Authorization
      AuthorizerUri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${AuthFn.Arn}/invocations"
      AuthorizerResultTtlInSeconds: 0
  PostOrders:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Orders
      HttpMethod: POST
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref TokenAuth
      ApiKeyRequired: true
      RequestValidatorId: !Ref Validator
      RequestModels: {application/json: !Ref OrderModel}
      RequestParameters: {method.request.querystring.dry: false, method.request.header.x-trace: true}
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations"
  GetOrder:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Order
      HttpMethod: GET
      AuthorizationType: AWS_IAM
      RequestParameters: {method.request.path.id: true}
      MethodResponses:
        - StatusCode: "200"
          ResponseParameters: {method.response.header.X-Order: true}
          ResponseModels: {application/json: Empty}
      Integration:
        Type: MOCK
        RequestTemplates: {application/json: '{"statusCode": 200}'}
        IntegrationResponses:
          - StatusCode: "200"
            ResponseParameters: {method.response.header.X-Order: method.request.path.id}
            ResponseTemplates: {application/json: '{"id": "$input.params(''id'')"}'}
  Missing:
    Type: AWS::ApiGateway::GatewayResponse
    Properties:
      RestApiId: !Ref Api
      ResponseType: MISSING_AUTHENTICATION_TOKEN
      StatusCode: "404"
      ResponseTemplates: {application/json: '{"error": "no such route"}'}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: [PostOrders, GetOrder]
    Properties:
      RestApiId: !Ref Api
      StageName: v1
      StageDescription: {Variables: {tier: one}, MetricsEnabled: true}
  Beta:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      DeploymentId: !Ref Deployment
      StageName: beta
      Variables: {tier: beta}
      TracingEnabled: true
  Permission:
    Type: AWS::Lambda::Permission
    Properties: {Action: lambda:InvokeFunction, FunctionName: !Ref Fn, Principal: apigateway.amazonaws.com}
  Domain:
    Type: AWS::ApiGateway::DomainName
    Properties: {DomainName: Orders.Example.test, RegionalCertificateArn: arn:aws:acm:x}
  Mapping:
    Type: AWS::ApiGateway::BasePathMapping
    Properties: {DomainName: !Ref Domain, RestApiId: !Ref Api, Stage: !Ref Beta, BasePath: orders}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages: [{ApiId: !Ref Api, Stage: !Ref Beta}]
Outputs:
  Url:
    Value: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/${Beta}"
"#;

#[test]
fn api_gateway_resources_become_an_api() {
    let app = common::ok(HAND_WRITTEN, &options("shop"));
    assert_eq!(app.apis.len(), 1);
    let a = api(&app, "Api");
    assert_eq!(a.name, "orders-test");
    // Stages first, then the deployments' StageNames.
    assert_eq!(a.stage_name, "beta");
    assert_eq!(a.variables["tier"], "beta");
    assert_eq!(a.more_stages.len(), 1);
    assert_eq!(a.more_stages[0].name, "v1");
    assert_eq!(a.more_stages[0].variables["tier"], "one");
    let def = imported(a);
    assert_eq!(def.rest_api.binary_media_types, ["image/png"]);

    let post = method(&def, "/orders", HttpMethod::Post);
    assert_eq!(post.authorization_type, AuthorizationType::Custom);
    assert!(post.api_key_required);
    let authorizer = def
        .authorizers
        .iter()
        .find(|x| Some(&x.id) == post.authorizer_id.as_ref())
        .unwrap();
    assert_eq!(authorizer.name, "token");
    assert_eq!(authorizer.kind, "TOKEN");
    assert_eq!(
        authorizer.identity_source.as_deref(),
        Some("method.request.header.Authorization")
    );
    assert_eq!(authorizer.authorizer_result_ttl_in_seconds, Some(0));
    assert_eq!(
        authorizer.authorizer_uri.as_deref(),
        Some(lambda_uri("AuthFn").as_str())
    );
    assert_eq!(post.request_models["application/json"], "Order");
    assert!(!post.request_parameters["method.request.querystring.dry"]);
    assert!(post.request_parameters["method.request.header.x-trace"]);
    let validator = def
        .request_validators
        .iter()
        .find(|v| Some(&v.id) == post.request_validator_id.as_ref())
        .unwrap();
    assert_eq!(validator.name.as_deref(), Some("Validator"));
    assert!(validator.validate_request_body && validator.validate_request_parameters);
    let i = post.method_integration.as_ref().unwrap();
    assert_eq!(i.kind, IntegrationType::AwsProxy);
    assert_eq!(i.uri.as_deref(), Some(lambda_uri("Fn").as_str()));

    let get = method(&def, "/orders/{id}", HttpMethod::Get);
    assert_eq!(get.authorization_type, AuthorizationType::AwsIam);
    assert!(get.request_parameters["method.request.path.id"]);
    assert_eq!(
        get.method_responses["200"].response_models["application/json"],
        "Empty"
    );
    let i = get.method_integration.as_ref().unwrap();
    assert_eq!(i.kind, IntegrationType::Mock);
    let r = &i.integration_responses["200"];
    assert_eq!(
        r.response_parameters["method.response.header.X-Order"],
        "method.request.path.id"
    );
    let model = def.models.iter().find(|m| m.name == "Order").unwrap();
    assert_eq!(
        model.schema.as_deref(),
        Some(r#"{"type":"object","required":["item"]}"#)
    );
    let gr = def
        .gateway_responses
        .iter()
        .find(|g| g.response_type == GatewayResponseType::MissingAuthenticationToken)
        .unwrap();
    assert_eq!(gr.status_code.as_deref(), Some("404"));

    // Domains, plans, and what is not applied.
    assert_eq!(app.domains.len(), 1);
    assert_eq!(app.domains[0].name, "orders.example.test");
    let m = &app.domains[0].mappings[0];
    assert_eq!(
        (
            m.base_path.as_deref(),
            m.api_id.as_str(),
            m.stage.as_deref()
        ),
        (Some("orders"), a.id.as_str(), Some("beta"))
    );
    assert_eq!(app.usage_plans[0].api_stages[0].stage, "beta");
    assert!(warned(
        &app,
        &[
            "Resources.Beta.Properties.TracingEnabled: TracingEnabled is not applied by Tollgate from templates yet; ignored"
        ]
    ));
    assert!(warned(
        &app,
        &[
            "Resources.Deployment.Properties.StageDescription.MetricsEnabled: MetricsEnabled is not applied"
        ]
    ));
    assert!(warned(
        &app,
        &["Resources.Domain.Properties.RegionalCertificateArn"]
    ));
    // The permission is ignored quietly.
    assert!(
        !app.warnings.iter().any(|w| w.contains("Permission")),
        "{:#?}",
        app.warnings
    );
}

#[test]
fn bad_api_gateway_resources_are_errors_naming_them() {
    let template = "Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: a}
  Stage:
    Type: AWS::ApiGateway::Stage
    Properties: {RestApiId: !Ref Api, StageName: s}
  Loose:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !Ref Nowhere, PathPart: x}
  A:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: a}
  A2:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: a}
  Get:
    Type: AWS::ApiGateway::Method
    Properties: {RestApiId: !Ref Api, ResourceId: !Ref A, HttpMethod: FETCH, Integration: {Type: MOCK}}
  Custom:
    Type: AWS::ApiGateway::Method
    Properties: {RestApiId: !Ref Api, ResourceId: !Ref A, HttpMethod: GET, AuthorizationType: CUSTOM, Integration: {Type: MOCK}}
  Other:
    Type: AWS::ApiGateway::Method
    Properties: {RestApiId: imported-api-id, ResourceId: abc, HttpMethod: GET}
";
    let e = common::errors(template, &options("bad"));
    let shown: Vec<String> = e.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "Resources.Loose.Properties.ParentId: ParentId must be !GetAtt Api.RootResourceId or !Ref of an AWS::ApiGateway::Resource of Api (line 10, column 49)",
            "Resources.A2: Another resource (A) with the same parent already has the path part 'a' (line 15, column 5)",
            "Resources.Get.Properties.HttpMethod: Invalid HttpMethod 'FETCH': expected GET, PUT, POST, DELETE, PATCH, HEAD, OPTIONS or ANY (line 19, column 71)",
            "Resources.Custom.Properties.AuthorizerId: AuthorizationType CUSTOM needs AuthorizerId: !Ref of an AWS::ApiGateway::Authorizer of Api (line 21, column 5)",
        ]
    );
    // Without errors: an API without a stage is not served, and a method of another stack's
    // API is not added; both are warnings.
    let app = common::ok(
        "Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
  Other:
    Type: AWS::ApiGateway::Method
    Properties: {RestApiId: imported-api-id, ResourceId: abc, HttpMethod: GET}
",
        &options("w"),
    );
    assert!(app.apis.is_empty());
    assert!(warned(
        &app,
        &["Resources.Api: API Api has no stage", "it is not served"]
    ));
    assert!(warned(
        &app,
        &[
            "Resources.Other.Properties.RestApiId: AWS::ApiGateway::Method Other is not added to any API"
        ]
    ));
}

#[test]
fn body_s3_location_reads_a_local_definition() {
    let template = "Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: from-file
      BodyS3Location: tests/data/include/api.yaml
  Extra:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: extra}
  ExtraGet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Extra
      HttpMethod: GET
      Integration: {Type: MOCK, RequestTemplates: {application/json: '{\"statusCode\": 200}'}}
  Dep:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: live}
  S3:
    Type: AWS::ApiGateway::RestApi
    Properties:
      BodyS3Location: {Bucket: b, Key: api.yaml}
";
    let app = common::ok(template, &options("file"));
    let a = api(&app, "Api");
    assert_eq!(a.name, "from-file");
    assert_eq!(a.stage_name, "live");
    let def = imported(a);
    let file_paths =
        std::fs::read_to_string(common::dir().join("tests/data/include/api.yaml")).unwrap();
    // The file's own paths are there, and the Method resource's beside them.
    assert!(def.resources.iter().any(|r| r.path == "/extra"));
    assert!(def.resources.len() > 2, "{file_paths}");
    assert!(warned(
        &app,
        &["Resources.S3.Properties.BodyS3Location: The definition is in S3 (s3://b/api.yaml)"]
    ));
    let d = single(common::errors(
        "Resources:\n  Api:\n    Type: AWS::ApiGateway::RestApi\n    Properties: {BodyS3Location: nowhere.yaml}\n",
        &options("x"),
    ));
    assert_eq!(d.path, "Resources.Api.Properties.BodyS3Location");
    assert!(d.message.starts_with("Cannot read the definition"), "{d}");
}
