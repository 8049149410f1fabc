//! Security schemes, authorizers and the root `x-amazon-apigateway-*` extensions.

use tollgate_model::{
    ApiDefinition, ApiKeySource, AuthorizationType, HttpMethod, IntegrationType, Method,
};
use tollgate_openapi::{ImportOptions, Imported, import};

fn secured() -> Imported {
    let path = format!(
        "{}/tests/data/secured-oas3.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let doc = std::fs::read(path).unwrap();
    match import(&doc, &ImportOptions::default()) {
        Ok(i) => i,
        Err(e) => panic!("{e}\nwarnings: {:?}", e.warnings),
    }
}

fn method<'a>(def: &'a ApiDefinition, path: &str, verb: HttpMethod) -> &'a Method {
    def.resources
        .iter()
        .find(|r| r.path == path)
        .and_then(|r| r.resource_methods.get(&verb))
        .unwrap_or_else(|| panic!("no {verb} {path}"))
}

#[test]
fn authorizers_are_created_once_per_scheme() {
    let def = secured().definition;
    assert_eq!(def.authorizers.len(), 3);
    let token = &def.authorizers[0];
    assert_eq!(token.name, "tokenAuth");
    assert_eq!(token.kind, "TOKEN");
    assert_eq!(token.id.len(), 6);
    assert_eq!(
        token.authorizer_uri.as_deref(),
        Some(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:auth/invocations"
        )
    );
    assert_eq!(
        token.authorizer_credentials.as_deref(),
        Some("arn:aws:iam::000000000000:role/auth")
    );
    assert_eq!(
        token.identity_source.as_deref(),
        Some("method.request.header.Authorization")
    );
    assert_eq!(
        token.identity_validation_expression.as_deref(),
        Some("^Bearer .+$")
    );
    assert_eq!(token.authorizer_result_ttl_in_seconds, Some(60));
    assert_eq!(token.auth_type.as_deref(), Some("custom"));

    let request = &def.authorizers[1];
    assert_eq!(request.kind, "REQUEST");
    assert_eq!(
        request.identity_source.as_deref(),
        Some("method.request.header.Auth, method.request.querystring.token")
    );
    assert_eq!(request.authorizer_result_ttl_in_seconds, Some(300));

    let cognito = &def.authorizers[2];
    assert_eq!(cognito.kind, "COGNITO_USER_POOLS");
    assert_eq!(
        cognito.provider_arns,
        ["arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_abc"]
    );
    assert_eq!(cognito.authorizer_uri, None);
    assert_eq!(cognito.auth_type.as_deref(), Some("cognito_user_pools"));

    let m = method(&def, "/token", HttpMethod::Get);
    assert_eq!(m.authorization_type, AuthorizationType::Custom);
    assert_eq!(m.authorizer_id.as_deref(), Some(token.id.as_str()));
    assert!(!m.api_key_required);

    let m = method(&def, "/request", HttpMethod::Get);
    assert_eq!(m.authorization_type, AuthorizationType::Custom);
    assert_eq!(m.authorizer_id.as_deref(), Some(request.id.as_str()));
    assert!(m.api_key_required);

    let m = method(&def, "/cognito", HttpMethod::Get);
    assert_eq!(m.authorization_type, AuthorizationType::CognitoUserPools);
    assert_eq!(m.authorizer_id.as_deref(), Some(cognito.id.as_str()));
    assert_eq!(m.authorization_scopes, ["email", "openid"]);

    let m = method(&def, "/iam", HttpMethod::Get);
    assert_eq!(m.authorization_type, AuthorizationType::AwsIam);
    assert_eq!(m.authorizer_id, None);

    // Root-level security is ignored, and so is an unsupported scheme.
    let m = method(&def, "/basic", HttpMethod::Get);
    assert_eq!(m.authorization_type, AuthorizationType::None);
    assert!(!m.api_key_required);
}

#[test]
fn root_extensions_are_kept() {
    let def = secured().definition;
    let api = &def.rest_api;
    assert_eq!(api.binary_media_types, ["image/png", "*/*"]);
    assert_eq!(api.api_key_source, ApiKeySource::Authorizer);
    assert_eq!(api.minimum_compression_size, Some(1024));
    assert!(api.disable_execute_api_endpoint);
    assert_eq!(
        api.endpoint_configuration.vpc_endpoint_ids,
        ["vpce-0123456789abcdef0"]
    );
    let policy: serde_json::Value = serde_json::from_str(api.policy.as_deref().unwrap()).unwrap();
    let arn = format!("arn:aws:execute-api:us-east-1:000000000000:{}/", api.id);
    assert_eq!(policy["Statement"][0]["Resource"], format!("{arn}*"));
    assert_eq!(
        policy["Statement"][1]["Resource"],
        serde_json::json!([
            format!("{arn}*/DELETE/*"),
            "arn:aws:execute-api:us-east-1:000000000000:other/*"
        ])
    );
}

#[test]
fn aws_integrations_are_stored() {
    let def = secured().definition;
    let i = method(&def, "/token", HttpMethod::Get)
        .method_integration
        .as_ref()
        .unwrap();
    assert_eq!(i.kind, IntegrationType::AwsProxy);
    assert_eq!(i.http_method.as_deref(), Some("POST"));
    assert_eq!(
        i.uri.as_deref(),
        Some(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:pets/invocations"
        )
    );
    assert_eq!(
        i.credentials.as_deref(),
        Some("arn:aws:iam::000000000000:role/apigw")
    );
    let i = method(&def, "/request", HttpMethod::Get)
        .method_integration
        .as_ref()
        .unwrap();
    assert_eq!(i.kind, IntegrationType::Aws);
    // No integration: imported without one.
    assert!(
        method(&def, "/unwired", HttpMethod::Post)
            .method_integration
            .is_none()
    );
}

#[test]
fn warnings_name_what_is_not_enforced() {
    let imported = secured();
    let warnings: Vec<String> = imported.warnings.iter().map(ToString::to_string).collect();
    let expected = [
        "$.x-amazon-apigateway-minimum-compression-size: x-amazon-apigateway-minimum-compression-size is stored but not enforced by this version of Tollgate: responses are not compressed",
        "$.x-amazon-apigateway-cors: x-amazon-apigateway-cors applies to HTTP APIs only and REST APIs ignore it: answer CORS with OPTIONS methods (for example MOCK integrations) and response headers instead",
        "$.x-amazon-apigateway-shiny-new-thing: Unsupported extension x-amazon-apigateway-shiny-new-thing, ignored",
        "$.components.securitySchemes.basicAuth: Security scheme 'basicAuth' (type http) is not supported by API Gateway and is ignored: only the x-api-key header, x-amazon-apigateway-authtype: awsSigv4 and x-amazon-apigateway-authorizer are",
        "$.security: Root-level security is ignored by API Gateway: declare security on each operation",
        "$.paths['/unwired'].post: No x-amazon-apigateway-integration: the method is imported without an integration, and a deployment needs one for every method",
    ];
    assert_eq!(warnings, expected);
    assert_eq!(imported.definition.rest_api.warnings, expected);
}
