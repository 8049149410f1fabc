//! SAM `Auth` (the AWS documentation's examples): the OpenAPI the SAM translator would write,
//! fragment by fragment, and what Tollgate's importer makes of it (`load` already refuses any
//! document the importer refuses).

mod common;

use common::{api, imported, lambda_uri, method, single, warned};
use serde_json::{Value, json};
use tollgate_model::{ApiDefinition, AuthorizationType, HttpMethod, Method};
use tollgate_sam::{Diagnostic, SamApi, SamApp, SamQuota, SamThrottle, SamUsagePlan};

fn ok(template: &str) -> SamApp {
    common::ok(template, &common::options("auth"))
}

fn errors(template: &str) -> Vec<Diagnostic> {
    common::errors(template, &common::options("auth"))
}

/// The name of the authorizer a method uses.
fn authorizer_of(def: &ApiDefinition, m: &Method) -> Option<String> {
    let id = m.authorizer_id.as_deref()?;
    def.authorizers
        .iter()
        .find(|a| a.id == id)
        .map(|a| a.name.clone())
}

fn op<'a>(api: &'a SamApi, path: &str, method: &str) -> &'a Value {
    &api.openapi["paths"][path][method]
}

const FUNCTIONS: &str = "
  MyAuthFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: authorizer.handler
      Runtime: nodejs20.x
";

/// The "Lambda authorizer (TOKEN)" example, with `DefaultAuthorizer`, a public method
/// (`Authorizer: NONE`), an `AWS_IAM` one, and CORS preflights.
#[test]
fn lambda_token_authorizer_as_default() {
    let app = ok(&format!(
        "Transform: AWS::Serverless-2016-10-31
Resources:
  MyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Cors: \"'*'\"
      Auth:
        DefaultAuthorizer: MyLambdaTokenAuthorizer
        Authorizers:
          MyLambdaTokenAuthorizer:
            FunctionArn: !GetAtt MyAuthFunction.Arn
            Identity:
              Header: Auth
              ValidationExpression: Bearer.*
              ReauthorizeEvery: 30
  MyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: index.handler
      Runtime: nodejs20.x
      Events:
        GetRoot:
          Type: Api
          Properties: {{RestApiId: !Ref MyApi, Path: /, Method: get}}
        Public:
          Type: Api
          Properties:
            RestApiId: !Ref MyApi
            Path: /public
            Method: get
            Auth:
              Authorizer: NONE
        Signed:
          Type: Api
          Properties:
            RestApiId: !Ref MyApi
            Path: /signed
            Method: post
            Auth:
              Authorizer: AWS_IAM
{FUNCTIONS}"
    ));
    let my_api = api(&app, "MyApi");
    let schemes = &my_api.openapi["components"]["securitySchemes"];
    assert_eq!(
        schemes["MyLambdaTokenAuthorizer"],
        json!({
            "type": "apiKey",
            "name": "Auth",
            "in": "header",
            "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": {
                "type": "token",
                "authorizerUri": lambda_uri("MyAuthFunction"),
                "authorizerResultTtlInSeconds": 30,
                "identityValidationExpression": "Bearer.*"
            }
        })
    );
    assert_eq!(
        schemes["AWS_IAM"],
        json!({
            "x-amazon-apigateway-authtype": "awsSigv4",
            "type": "apiKey",
            "name": "Authorization",
            "in": "header"
        })
    );
    let default = json!([{"MyLambdaTokenAuthorizer": []}]);
    assert_eq!(op(my_api, "/", "get")["security"], default);
    // NONE opts out: no requirement at all.
    assert!(op(my_api, "/public", "get").get("security").is_none());
    // AWS_IAM: its own scheme and SAM's caller-credentials integration role.
    assert_eq!(
        op(my_api, "/signed", "post")["security"],
        json!([{"AWS_IAM": []}])
    );
    assert_eq!(
        op(my_api, "/signed", "post")["x-amazon-apigateway-integration"]["credentials"],
        "arn:aws:iam::*:user/*"
    );
    // The CORS preflights get the default authorizer (AddDefaultAuthorizerToCorsPreflight
    // defaults to true), the public path's too.
    assert_eq!(op(my_api, "/", "options")["security"], default);
    assert_eq!(op(my_api, "/public", "options")["security"], default);
    assert!(!app.warnings.iter().any(|w| w.contains("not enforced")));

    let def = imported(my_api);
    let auth = &def.authorizers[0];
    assert_eq!(def.authorizers.len(), 1);
    assert_eq!(auth.kind, "TOKEN");
    assert_eq!(
        auth.identity_source.as_deref(),
        Some("method.request.header.Auth")
    );
    assert_eq!(auth.authorizer_result_ttl_in_seconds, Some(30));
    assert_eq!(
        auth.authorizer_uri.as_deref(),
        Some(lambda_uri("MyAuthFunction").as_str())
    );
    let root = method(&def, "/", HttpMethod::Get);
    assert_eq!(root.authorization_type, AuthorizationType::Custom);
    assert_eq!(
        authorizer_of(&def, root).as_deref(),
        Some("MyLambdaTokenAuthorizer")
    );
    assert_eq!(
        method(&def, "/public", HttpMethod::Get).authorization_type,
        AuthorizationType::None
    );
    assert_eq!(
        method(&def, "/signed", HttpMethod::Post).authorization_type,
        AuthorizationType::AwsIam
    );
    assert_eq!(
        method(&def, "/public", HttpMethod::Options).authorization_type,
        AuthorizationType::Custom
    );
}

/// The `LambdaRequestAuthorizer` example (caching off), on the implicit API through
/// `Globals.Api.Auth`, named by the events themselves (no default).
#[test]
fn lambda_request_authorizer() {
    let app = ok(&format!(
        "Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    Auth:
      Authorizers:
        MyLambdaRequestAuth:
          FunctionPayloadType: REQUEST
          FunctionArn: !GetAtt MyAuthFunction.Arn
          Identity:
            Headers:
              - Authorization1
            QueryStrings:
              - Authorization2
            StageVariables:
              - Authorization3
            Context:
              - Authorization4
            ReauthorizeEvery: 0
        Uncached:
          FunctionPayloadType: REQUEST
          FunctionArn: !Sub arn:aws:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:MyAuthFunction
          Identity:
            ReauthorizeEvery: 0
Resources:
  MyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: index.handler
      Runtime: python3.12
      Events:
        Get:
          Type: Api
          Properties:
            Path: /items/{{id}}
            Method: get
            Auth:
              Authorizer: MyLambdaRequestAuth
        Put:
          Type: Api
          Properties:
            Path: /items/{{id}}
            Method: put
            Auth:
              Authorizer: Uncached
        Open:
          Type: Api
          Properties: {{Path: /open, Method: any}}
{FUNCTIONS}"
    ));
    let implicit = api(&app, "ServerlessRestApi");
    let schemes = &implicit.openapi["components"]["securitySchemes"];
    assert_eq!(
        schemes["MyLambdaRequestAuth"],
        json!({
            "type": "apiKey",
            "name": "Unused",
            "in": "header",
            "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": {
                "type": "request",
                "authorizerUri": lambda_uri("MyAuthFunction"),
                "authorizerResultTtlInSeconds": 0,
                "identitySource": "method.request.header.Authorization1, method.request.querystring.Authorization2, stageVariables.Authorization3, context.Authorization4"
            }
        })
    );
    assert_eq!(
        schemes["Uncached"]["x-amazon-apigateway-authorizer"],
        json!({
            "type": "request",
            "authorizerUri": lambda_uri("MyAuthFunction"),
            "authorizerResultTtlInSeconds": 0
        })
    );
    assert_eq!(
        op(implicit, "/items/{id}", "get")["security"],
        json!([{"MyLambdaRequestAuth": []}])
    );
    assert_eq!(
        op(implicit, "/items/{id}", "put")["security"],
        json!([{"Uncached": []}])
    );
    assert!(
        op(implicit, "/open", "x-amazon-apigateway-any-method")
            .get("security")
            .is_none()
    );

    let def = imported(implicit);
    let get = method(&def, "/items/{id}", HttpMethod::Get);
    assert_eq!(get.authorization_type, AuthorizationType::Custom);
    assert_eq!(
        authorizer_of(&def, get).as_deref(),
        Some("MyLambdaRequestAuth")
    );
    let request = def
        .authorizers
        .iter()
        .find(|a| a.name == "MyLambdaRequestAuth")
        .unwrap();
    assert_eq!(request.kind, "REQUEST");
    assert_eq!(request.authorizer_result_ttl_in_seconds, Some(0));
    assert_eq!(
        method(&def, "/open", HttpMethod::Any).authorization_type,
        AuthorizationType::None
    );
}

/// The `CognitoAuthorizer` example as `DefaultAuthorizer`: its scopes on every method, an
/// event's own `AuthorizationScopes` overriding them.
#[test]
fn cognito_authorizer_with_scopes() {
    let app = ok("Transform: AWS::Serverless-2016-10-31
Resources:
  MyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        DefaultAuthorizer: MyCognitoAuth
        Authorizers:
          MyCognitoAuth:
            AuthorizationScopes:
              - scope1
              - scope2
            UserPoolArn:
              - arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_aaaaaaaaa
              - arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_bbbbbbbbb
            Identity:
              Header: MyAuthorizationHeader
              ValidationExpression: myauthvalidationexpression
  MyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: index.handler
      Runtime: python3.12
      Events:
        List:
          Type: Api
          Properties: {RestApiId: !Ref MyApi, Path: /orders, Method: get}
        Delete:
          Type: Api
          Properties:
            RestApiId: !Ref MyApi
            Path: /orders/{id}
            Method: delete
            Auth:
              Authorizer: MyCognitoAuth
              AuthorizationScopes: [admin]
");
    let my_api = api(&app, "MyApi");
    assert_eq!(
        my_api.openapi["components"]["securitySchemes"]["MyCognitoAuth"],
        json!({
            "type": "apiKey",
            "name": "MyAuthorizationHeader",
            "in": "header",
            "x-amazon-apigateway-authtype": "cognito_user_pools",
            "x-amazon-apigateway-authorizer": {
                "type": "cognito_user_pools",
                "providerARNs": [
                    "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_aaaaaaaaa",
                    "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_bbbbbbbbb"
                ],
                "identityValidationExpression": "myauthvalidationexpression"
            }
        })
    );
    assert_eq!(
        op(my_api, "/orders", "get")["security"],
        json!([{"MyCognitoAuth": ["scope1", "scope2"]}])
    );
    assert_eq!(
        op(my_api, "/orders/{id}", "delete")["security"],
        json!([{"MyCognitoAuth": ["admin"]}])
    );
    let def = imported(my_api);
    let list = method(&def, "/orders", HttpMethod::Get);
    assert_eq!(list.authorization_type, AuthorizationType::CognitoUserPools);
    assert_eq!(list.authorization_scopes, ["scope1", "scope2"]);
    assert_eq!(
        method(&def, "/orders/{id}", HttpMethod::Delete).authorization_scopes,
        ["admin"]
    );
    assert_eq!(def.authorizers[0].kind, "COGNITO_USER_POOLS");
    assert_eq!(
        def.authorizers[0].identity_source.as_deref(),
        Some("method.request.header.MyAuthorizationHeader")
    );
}

/// `ApiKeyRequired` on the API with an event opting out, no key on the CORS preflights, and
/// the `ApiUsagePlan` example (PER_API), plus a SHARED plan.
#[test]
fn api_keys_and_usage_plans() {
    let app = ok("Transform: AWS::Serverless-2016-10-31
Resources:
  MyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Cors:
        AllowOrigin: \"'https://example.com'\"
      Auth:
        ApiKeyRequired: true
        AddApiKeyRequiredToCorsPreflight: false
        UsagePlan:
          CreateUsagePlan: PER_API
          Description: Usage plan for this API
          Quota:
            Limit: 500
            Period: MONTH
          Throttle:
            BurstLimit: 100
            RateLimit: 50
  OtherApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth:
        UsagePlan:
          CreateUsagePlan: SHARED
          UsagePlanName: everyone
  NoPlanApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: v1
      Auth:
        UsagePlan:
          CreateUsagePlan: NONE
  MyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: index.handler
      Runtime: python3.12
      Events:
        Paid:
          Type: Api
          Properties: {RestApiId: !Ref MyApi, Path: /paid, Method: get}
        Free:
          Type: Api
          Properties:
            RestApiId: !Ref MyApi
            Path: /free
            Method: get
            Auth: {ApiKeyRequired: false}
        Keyed:
          Type: Api
          Properties:
            RestApiId: !Ref OtherApi
            Path: /keyed
            Method: post
            Auth: {ApiKeyRequired: true}
        Plain:
          Type: Api
          Properties: {RestApiId: !Ref NoPlanApi, Path: /plain, Method: get}
");
    let my_api = api(&app, "MyApi");
    assert_eq!(
        my_api.openapi["components"]["securitySchemes"],
        json!({"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}})
    );
    assert_eq!(
        op(my_api, "/paid", "get")["security"],
        json!([{"api_key": []}])
    );
    // SAM leaves an empty list where the event opted out.
    assert_eq!(op(my_api, "/free", "get")["security"], json!([]));
    assert!(op(my_api, "/paid", "options").get("security").is_none());
    assert_eq!(
        my_api.usage_plan.as_ref().map(|p| (
            p.name.as_str(),
            p.description.as_deref(),
            p.shared,
            p.api_key_name.as_str()
        )),
        Some((
            "MyApiUsagePlan",
            Some("Usage plan for this API"),
            false,
            "MyApiApiKey"
        ))
    );
    let plan: &SamUsagePlan = my_api.usage_plan.as_ref().unwrap();
    let throttle: SamThrottle = plan.throttle.unwrap();
    assert_eq!(
        (throttle.rate_limit, throttle.burst_limit),
        (Some(50.0), Some(100))
    );
    let quota: &SamQuota = plan.quota.as_ref().unwrap();
    assert_eq!(
        (quota.limit, quota.offset, quota.period.as_deref()),
        (Some(500), None, Some("MONTH"))
    );
    let def = imported(my_api);
    assert!(method(&def, "/paid", HttpMethod::Get).api_key_required);
    assert!(!method(&def, "/free", HttpMethod::Get).api_key_required);
    assert!(!method(&def, "/paid", HttpMethod::Options).api_key_required);

    let other = api(&app, "OtherApi");
    assert_eq!(
        op(other, "/keyed", "post")["security"],
        json!([{"api_key": []}])
    );
    let shared = other.usage_plan.as_ref().unwrap();
    assert_eq!(
        (
            shared.name.as_str(),
            shared.shared,
            shared.api_key_name.as_str()
        ),
        ("everyone", true, "ServerlessApiKey")
    );
    assert!(imported(other).resources.iter().any(|r| r.path == "/keyed"));
    assert!(api(&app, "NoPlanApi").usage_plan.is_none());
}

/// The `ResourcePolicyStatement` example (CustomStatements and IpRangeBlacklist) on the API,
/// and an event's own AwsAccountWhitelist.
#[test]
fn resource_policies() {
    let app = ok(r#"Transform: AWS::Serverless-2016-10-31
Resources:
  MyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        ResourcePolicy:
          CustomStatements: [{
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "execute-api:Invoke",
                    "Resource": "execute-api:/Prod/PUT/get",
                    "Condition": {
                      "IpAddress": {
                        "aws:SourceIp": "1.2.3.4"
                      }
                    }
                  }]
          IpRangeBlacklist:
            - "10.20.30.40"
  MyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: index.handler
      Runtime: python3.12
      Events:
        Get:
          Type: Api
          Properties:
            RestApiId: !Ref MyApi
            Path: /get
            Method: put
        Items:
          Type: Api
          Properties:
            RestApiId: !Ref MyApi
            Path: /items/{id}
            Method: any
            Auth:
              ResourcePolicy:
                AwsAccountWhitelist: ["111122223333"]
"#);
    let my_api = api(&app, "MyApi");
    let allow = |resources: Value| json!({"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": resources, "Principal": "*"});
    let deny = |resources: Value| {
        json!({
            "Effect": "Deny", "Action": "execute-api:Invoke", "Resource": resources, "Principal": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": ["10.20.30.40"]}}
        })
    };
    assert_eq!(
        my_api.openapi["x-amazon-apigateway-policy"],
        json!({
            "Version": "2012-10-17",
            "Statement": [
                // The event's, first (events come before the API's own Auth).
                {
                    "Effect": "Allow",
                    "Action": "execute-api:Invoke",
                    "Resource": ["execute-api:/Prod/*/items/*"],
                    "Principal": {"AWS": ["111122223333"]}
                },
                // The API's IpRangeBlacklist, path by path.
                allow(json!(["execute-api:/Prod/PUT/get"])),
                deny(json!(["execute-api:/Prod/PUT/get"])),
                allow(json!(["execute-api:/Prod/*/items/*"])),
                deny(json!(["execute-api:/Prod/*/items/*"])),
                {
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "execute-api:Invoke",
                    "Resource": "execute-api:/Prod/PUT/get",
                    "Condition": {"IpAddress": {"aws:SourceIp": "1.2.3.4"}}
                }
            ]
        })
    );
    let def = imported(my_api);
    let policy: Value = serde_json::from_str(def.rest_api.policy.as_deref().unwrap()).unwrap();
    assert_eq!(
        policy["Statement"][1]["Resource"][0],
        format!(
            "arn:aws:execute-api:us-east-1:000000000000:{}/Prod/PUT/get",
            def.rest_api.id
        )
    );
}

/// `AddDefaultAuthorizerToCorsPreflight: false` keeps the preflights open.
#[test]
fn cors_preflight_without_the_default_authorizer() {
    let app = ok(&format!(
        "Transform: AWS::Serverless-2016-10-31
Globals:
  Api:
    Cors:
      AllowMethods: \"'GET,OPTIONS'\"
      AllowOrigin: \"'*'\"
    Auth:
      DefaultAuthorizer: MyLambdaTokenAuthorizer
      AddDefaultAuthorizerToCorsPreflight: false
      Authorizers:
        MyLambdaTokenAuthorizer:
          FunctionArn: !GetAtt MyAuthFunction.Arn
Resources:
  MyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: index.handler
      Runtime: python3.12
      Events:
        Get:
          Type: Api
          Properties: {{Path: /hello, Method: get}}
{FUNCTIONS}"
    ));
    let implicit = api(&app, "ServerlessRestApi");
    assert_eq!(
        implicit.openapi["components"]["securitySchemes"]["MyLambdaTokenAuthorizer"]["name"],
        "Authorization"
    );
    assert_eq!(
        op(implicit, "/hello", "get")["security"],
        json!([{"MyLambdaTokenAuthorizer": []}])
    );
    assert!(op(implicit, "/hello", "options").get("security").is_none());
    let def = imported(implicit);
    assert_eq!(
        method(&def, "/hello", HttpMethod::Options).authorization_type,
        AuthorizationType::None
    );
    assert_eq!(
        method(&def, "/hello", HttpMethod::Get).authorization_type,
        AuthorizationType::Custom
    );
}

/// An explicit `DefinitionBody` keeps its own schemes and requirements; SAM adds its schemes
/// next to them and the default authorizer to every integrated method, keeping a method's own
/// non-authorizer requirements. `DefaultAuthorizer: AWS_IAM` signs every method.
#[test]
fn definition_body_keeps_its_security() {
    let app = ok(r#"Transform: AWS::Serverless-2016-10-31
Resources:
  BodyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: live
      Auth:
        DefaultAuthorizer: AWS_IAM
        InvokeRole: arn:aws:iam::123456789012:role/invoker
      DefinitionBody:
        openapi: 3.0.1
        info: {title: body, version: "1"}
        components:
          securitySchemes:
            my_key: {type: apiKey, name: x-api-key, in: header}
        paths:
          /mock:
            get:
              security: [{my_key: []}]
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: {application/json: '{"statusCode": 200}'}
          /doc:
            get:
              responses: {}
  MyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: index.handler
      Runtime: python3.12
      Events:
        Get:
          Type: Api
          Properties: {RestApiId: !Ref BodyApi, Path: /fn, Method: get}
"#);
    let body = api(&app, "BodyApi");
    let schemes = &body.openapi["components"]["securitySchemes"];
    assert_eq!(
        schemes["my_key"],
        json!({"type": "apiKey", "name": "x-api-key", "in": "header"})
    );
    assert_eq!(
        schemes["AWS_IAM"]["x-amazon-apigateway-authtype"],
        "awsSigv4"
    );
    assert_eq!(
        op(body, "/mock", "get")["security"],
        json!([{"my_key": []}, {"AWS_IAM": []}])
    );
    // Without an integration, SAM leaves a method alone.
    assert!(op(body, "/doc", "get").get("security").is_none());
    assert_eq!(op(body, "/fn", "get")["security"], json!([{"AWS_IAM": []}]));
    // The API's InvokeRole becomes the integration's credentials, with a warning.
    assert_eq!(
        op(body, "/fn", "get")["x-amazon-apigateway-integration"]["credentials"],
        "arn:aws:iam::123456789012:role/invoker"
    );
    assert!(app.warnings.iter().any(
        |w| w.contains("Resources.BodyApi.Properties.Auth.InvokeRole") && w.contains("not assumed")
    ));
    let def = imported(body);
    let mock = method(&def, "/mock", HttpMethod::Get);
    assert!(mock.api_key_required);
    assert_eq!(mock.authorization_type, AuthorizationType::AwsIam);
}

#[test]
fn malformed_auth_is_an_error_with_its_path() {
    let template = |auth: &str, event_auth: &str| {
        format!(
            "Transform: AWS::Serverless-2016-10-31
Resources:
  MyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
{auth}
  MyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: index.handler
      Runtime: python3.12
      Events:
        Get:
          Type: Api
          Properties:
            RestApiId: !Ref MyApi
            Path: /
            Method: get
            Auth: {event_auth}
{FUNCTIONS}"
        )
    };
    let one = |auth: &str, event_auth: &str| -> Diagnostic {
        single(errors(&template(auth, event_auth)))
    };
    let base = "Resources.MyApi.Properties.Auth";
    let cases = [
        (
            "        DefaultAuthorizer: Missing\n        Authorizers:\n          A: {FunctionArn: !GetAtt MyAuthFunction.Arn}",
            "{}",
            format!("{base}.DefaultAuthorizer"),
            "'Missing' was not defined in 'Authorizers'",
        ),
        (
            "        Authorizers:\n          A: {FunctionPayloadType: TOKEN}",
            "{}",
            format!("{base}.Authorizers.A.FunctionArn"),
            "needs FunctionArn",
        ),
        (
            "        Authorizers:\n          A: {FunctionArn: !GetAtt MyAuthFunction.Arn, FunctionPayloadType: COGNITO}",
            "{}",
            format!("{base}.Authorizers.A.FunctionPayloadType"),
            "invalid 'FunctionPayloadType': COGNITO",
        ),
        (
            "        Authorizers:\n          A: {FunctionArn: !GetAtt MyAuthFunction.Arn, FunctionPayloadType: REQUEST}",
            "{}",
            format!("{base}.Authorizers.A.Identity"),
            "must specify Identity",
        ),
        (
            "        Authorizers:\n          A: {FunctionArn: !GetAtt MyAuthFunction.Arn, FunctionPayloadType: REQUEST, Identity: {ReauthorizeEvery: 300}}",
            "{}",
            format!("{base}.Authorizers.A.Identity"),
            "must specify Identity",
        ),
        (
            "        Authorizers:\n          A: {FunctionArn: !GetAtt MyAuthFunction.Arn}",
            "{Authorizer: B}",
            "Resources.MyFunction.Properties.Events.Get.Properties.Auth.Authorizer".to_owned(),
            "Unable to set Authorizer [B] on API method [get] for path [/] because it wasn't defined in the API's Authorizers",
        ),
        (
            "        ApiKeyRequired: false",
            "{Authorizer: NONE}",
            "Resources.MyFunction.Properties.Events.Get.Properties.Auth.Authorizer".to_owned(),
            "'NONE' is only a valid value when a DefaultAuthorizer on the API is specified",
        ),
        (
            "        ApiKeyRequired: false",
            "{ApiKeyRequired: false}",
            "Resources.MyFunction.Properties.Events.Get.Properties.Auth.ApiKeyRequired".to_owned(),
            "because the related API does not specify any ApiKeyRequired",
        ),
        (
            "        UsagePlan: {CreateUsagePlan: ALWAYS}",
            "{}",
            format!("{base}.UsagePlan.CreateUsagePlan"),
            "'CreateUsagePlan' accepts one of SHARED, PER_API, NONE",
        ),
        (
            "        Authorizer: {}",
            "{}",
            format!("{base}.Authorizer"),
            "unknown property 'Authorizer'",
        ),
    ];
    for (auth, event_auth, path, message) in &cases {
        let e = one(auth, event_auth);
        assert_eq!(&e.path, path, "{e}");
        assert!(e.message.contains(message), "{e}");
    }
    // Located in the template.
    let e = one(cases[0].0, "{}");
    assert_eq!(e.line, Some(8), "{e}");
    // A REQUEST authorizer without identity is fine when caching is off.
    ok(&template(
        "        Authorizers:\n          A: {FunctionArn: !GetAtt MyAuthFunction.Arn, FunctionPayloadType: REQUEST, Identity: {ReauthorizeEvery: 0}}",
        "{Authorizer: A}",
    ));
}

/// What Tollgate cannot do is said: invoke roles, and authorizer functions outside the
/// template.
#[test]
fn warnings_for_what_tollgate_cannot_do() {
    let app = ok(&format!(
        "Transform: AWS::Serverless-2016-10-31
Resources:
  MyApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        DefaultAuthorizer: Remote
        Authorizers:
          Remote:
            FunctionArn: arn:aws:lambda:us-east-1:123456789012:function:elsewhere
            FunctionInvokeRole: arn:aws:iam::123456789012:role/auth
  MyFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: index.handler
      Runtime: python3.12
      Events:
        Get:
          Type: Api
          Properties: {{RestApiId: !Ref MyApi, Path: /, Method: get}}
{FUNCTIONS}"
    ));
    let my_api = api(&app, "MyApi");
    assert_eq!(
        my_api.openapi["components"]["securitySchemes"]["Remote"]["x-amazon-apigateway-authorizer"]
            ["authorizerCredentials"],
        "arn:aws:iam::123456789012:role/auth"
    );
    assert!(warned(
        &app,
        &[
            "Resources.MyApi.Properties.Auth.Authorizers.Remote.FunctionArn",
            "not a function of this template"
        ]
    ));
    assert!(warned(
        &app,
        &[
            "Resources.MyApi.Properties.Auth.Authorizers.Remote.FunctionInvokeRole",
            "not assumed"
        ]
    ));
}
