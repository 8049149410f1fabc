//! Models, request validators, authorizers and gateway responses through the SDK: each read
//! back field by field, patched, refused with AWS's exceptions and texts, and what a deployment
//! makes of validation and customised gateway responses on the data plane.

use aws_sdk_apigateway::error::ProvideErrorMetadata;
use aws_sdk_apigateway::types::{
    AuthorizerType, GatewayResponseType, IntegrationType, Op, PatchOperation,
};

use crate::common;
use crate::sdk::{client_at, get_until, replace};

/// A patch operation with any `op`, and a value only when given.
fn patch(op: Op, path: &str, value: Option<&str>) -> PatchOperation {
    PatchOperation::builder()
        .op(op)
        .path(path)
        .set_value(value.map(str::to_owned))
        .build()
}

/// The exception name and message of a refused call.
fn refusal(e: impl ProvideErrorMetadata) -> (String, String) {
    (
        e.code().unwrap_or_default().to_owned(),
        e.message().unwrap_or_default().to_owned(),
    )
}

fn expect(e: impl ProvideErrorMetadata, code: &str, message: &str) {
    assert_eq!(refusal(e), (code.to_owned(), message.to_owned()));
}

/// A Lambda invocation URI AWS accepts for TOKEN and REQUEST authorizers.
const LAMBDA_URI: &str = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations";

const USER_POOL: &str = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc";

/// A new API and the id of its `/pets` resource.
async fn api_with_pets(sdk: &aws_sdk_apigateway::Client, name: &str) -> (String, String) {
    let api = sdk.create_rest_api().name(name).send().await.expect("api");
    let api_id = api.id().expect("id").to_owned();
    let pets = sdk
        .create_resource()
        .rest_api_id(&api_id)
        .parent_id(api.root_resource_id().expect("root"))
        .path_part("pets")
        .send()
        .await
        .expect("pets");
    (api_id, pets.id().expect("id").to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn models() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Tollgate::start(&dir.path().join("data"), &[]);
    let sdk = client_at(server.admin);
    let (api_id, pets) = api_with_pets(&sdk, "models").await;

    let schema = r#"{"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}, "required": ["name"]}"#;
    let pet = sdk
        .create_model()
        .rest_api_id(&api_id)
        .name("Pet")
        .content_type("application/json")
        .description("a pet")
        .schema(schema)
        .send()
        .await
        .expect("created");
    assert_eq!(pet.id().map(str::len), Some(6));
    assert_eq!(pet.name(), Some("Pet"));
    assert_eq!(pet.description(), Some("a pet"));
    assert_eq!(pet.content_type(), Some("application/json"));
    assert_eq!(pet.schema(), Some(schema), "kept as sent");
    let got = sdk
        .get_model()
        .rest_api_id(&api_id)
        .model_name("Pet")
        .send()
        .await
        .expect("read");
    assert_eq!(
        (got.id(), got.name(), got.description(), got.schema()),
        (pet.id(), Some("Pet"), Some("a pet"), Some(schema))
    );
    let listed = sdk
        .get_models()
        .rest_api_id(&api_id)
        .send()
        .await
        .expect("listed");
    let names: Vec<_> = listed.items().iter().filter_map(|m| m.name()).collect();
    assert_eq!(names, ["Empty", "Error", "Pet"]);

    let template = |name: &'static str| {
        let sdk = sdk.clone();
        let api_id = api_id.clone();
        async move {
            sdk.get_model_template()
                .rest_api_id(&api_id)
                .model_name(name)
                .send()
                .await
                .map(|t| t.value().unwrap_or_default().to_owned())
        }
    };
    assert_eq!(
        template("Pet").await.expect("template"),
        "#set($inputRoot = $input.path('$'))\n{\n  \"name\" : \"foo\",\n  \"age\" : 42\n}"
    );
    assert_eq!(
        template("Empty").await.expect("template"),
        "#set($inputRoot = $input.path('$'))\n{ }"
    );

    // A model referring to another, by AWS's canonical URL; flatten inlines it.
    let owner_schema = format!(
        r#"{{"type": "object", "properties": {{"pet": {{"$ref": "https://apigateway.amazonaws.com/restapis/{api_id}/models/Pet"}}}}}}"#
    );
    sdk.create_model()
        .rest_api_id(&api_id)
        .name("Owner")
        .content_type("application/json")
        .schema(&owner_schema)
        .send()
        .await
        .expect("owner");
    let flat = sdk
        .get_model()
        .rest_api_id(&api_id)
        .model_name("Owner")
        .flatten(true)
        .send()
        .await
        .expect("flattened");
    let flat: serde_json::Value = serde_json::from_str(flat.schema().unwrap_or_default()).unwrap();
    assert_eq!(
        flat["properties"]["pet"]["properties"]["name"]["type"],
        "string"
    );
    assert_eq!(
        template("Owner").await.expect("template"),
        "#set($inputRoot = $input.path('$'))\n{\n  \"pet\" : {\n    \"name\" : \"foo\",\n    \"age\" : 42\n  }\n}"
    );

    let updated = sdk
        .update_model()
        .rest_api_id(&api_id)
        .model_name("Pet")
        .patch_operations(replace("/description", ""))
        .patch_operations(replace("/schema", r#"{"type": "object", "title": "Pet"}"#))
        .send()
        .await
        .expect("updated");
    assert_eq!(updated.description(), None, "an empty description is none");
    assert_eq!(
        updated.schema(),
        Some(r#"{"type": "object", "title": "Pet"}"#)
    );

    // AWS's refusals.
    let create = |name: &str, schema: Option<&str>| {
        sdk.create_model()
            .rest_api_id(&api_id)
            .name(name)
            .content_type("application/json")
            .set_schema(schema.map(str::to_owned))
            .send()
    };
    expect(
        create("Pet", Some(schema)).await.unwrap_err(),
        "ConflictException",
        "Model name already exists for this REST API",
    );
    expect(
        create("", Some(schema)).await.unwrap_err(),
        "BadRequestException",
        "Model name must be non-empty",
    );
    expect(
        create("my-pet", Some(schema)).await.unwrap_err(),
        "BadRequestException",
        "Model name must be alphanumeric: my-pet",
    );
    let empty = "Model schema must have at least 1 property or array items defined";
    expect(
        create("NoSchema", None).await.unwrap_err(),
        "BadRequestException",
        empty,
    );
    expect(
        create("NotJson", Some("{nope")).await.unwrap_err(),
        "BadRequestException",
        "Invalid model specified: Validation Result: warnings : [], errors : [Invalid model schema specified]",
    );
    expect(
        create("Elsewhere", Some(r#"{"$ref": "Pet"}"#))
            .await
            .unwrap_err(),
        "BadRequestException",
        "Invalid model specified: Validation Result: warnings : [], errors : [Model reference must be in canonical form]",
    );
    let update = |op: PatchOperation| {
        sdk.update_model()
            .rest_api_id(&api_id)
            .model_name("Pet")
            .patch_operations(op)
            .send()
    };
    expect(
        update(patch(Op::Add, "/wrong-path", Some("x")))
            .await
            .unwrap_err(),
        "BadRequestException",
        "Invalid patch path  '/wrong-path' specified for op 'add'. Please choose supported operations",
    );
    expect(
        update(replace("/name", "Other")).await.unwrap_err(),
        "BadRequestException",
        "Invalid patch path  '/name' specified for op 'replace'. Must be one of: [/description, /schema]",
    );
    expect(
        update(replace("/schema", "")).await.unwrap_err(),
        "BadRequestException",
        empty,
    );
    expect(
        template("Nope").await.unwrap_err(),
        "NotFoundException",
        "Invalid model name specified: Nope",
    );
    expect(
        sdk.get_model()
            .rest_api_id("nope")
            .model_name("Pet")
            .send()
            .await
            .unwrap_err(),
        "NotFoundException",
        "Invalid model name specified: Pet",
    );
    expect(
        sdk.create_model()
            .rest_api_id("nope")
            .name("Pet")
            .content_type("application/json")
            .schema(schema)
            .send()
            .await
            .unwrap_err(),
        "NotFoundException",
        "Invalid API identifier specified 000000000000:nope",
    );

    // A model in use stays.
    let delete = |name: &'static str| {
        sdk.delete_model()
            .rest_api_id(&api_id)
            .model_name(name)
            .send()
    };
    expect(
        delete("Pet").await.unwrap_err(),
        "ConflictException",
        "Cannot delete model 'Pet', is referenced in model: Owner",
    );
    sdk.put_method()
        .rest_api_id(&api_id)
        .resource_id(&pets)
        .http_method("POST")
        .authorization_type("NONE")
        .request_models("application/json", "Owner")
        .send()
        .await
        .expect("method");
    sdk.put_method_response()
        .rest_api_id(&api_id)
        .resource_id(&pets)
        .http_method("POST")
        .status_code("400")
        .response_models("application/json", "Error")
        .send()
        .await
        .expect("method response");
    expect(
        delete("Owner").await.unwrap_err(),
        "ConflictException",
        "Cannot delete model 'Owner', is referenced in method request: /pets/POST",
    );
    expect(
        delete("Error").await.unwrap_err(),
        "ConflictException",
        "Cannot delete model 'Error', is referenced in method response: /pets/POST",
    );
    sdk.delete_method()
        .rest_api_id(&api_id)
        .resource_id(&pets)
        .http_method("POST")
        .send()
        .await
        .expect("method deleted");
    delete("Owner").await.expect("unused now");
    delete("Pet").await.expect("unused now");
    expect(
        delete("Pet").await.unwrap_err(),
        "NotFoundException",
        "Invalid model name specified: Pet",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn request_validators() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Tollgate::start(&dir.path().join("data"), &[]);
    let sdk = client_at(server.admin);
    let (api_id, pets) = api_with_pets(&sdk, "validators").await;

    expect(
        sdk.create_request_validator()
            .rest_api_id("nope")
            .name("v")
            .send()
            .await
            .unwrap_err(),
        "BadRequestException",
        "Invalid REST API identifier specified",
    );
    let created = sdk
        .create_request_validator()
        .rest_api_id(&api_id)
        .name("body")
        .send()
        .await
        .expect("created");
    let id = created.id().expect("id").to_owned();
    assert_eq!(id.len(), 6);
    assert_eq!(created.name(), Some("body"));
    assert!(!created.validate_request_body() && !created.validate_request_parameters());
    let got = sdk
        .get_request_validator()
        .rest_api_id(&api_id)
        .request_validator_id(&id)
        .send()
        .await
        .expect("read");
    assert_eq!((got.id(), got.name()), (Some(id.as_str()), Some("body")));
    let listed = sdk
        .get_request_validators()
        .rest_api_id(&api_id)
        .send()
        .await
        .expect("listed");
    assert_eq!(listed.items().len(), 1);

    let update = |op: PatchOperation| {
        sdk.update_request_validator()
            .rest_api_id(&api_id)
            .request_validator_id(&id)
            .patch_operations(op)
            .send()
    };
    let on = update(replace("/validateRequestBody", "true"))
        .await
        .expect("on");
    assert!(on.validate_request_body() && !on.validate_request_parameters());
    let off = update(patch(Op::Replace, "/validateRequestBody", None))
        .await
        .expect("off without a value");
    assert!(!off.validate_request_body());
    let renamed = update(replace("/name", "both")).await.expect("renamed");
    assert_eq!(renamed.name(), Some("both"));
    update(replace("/validateRequestParameters", "true"))
        .await
        .expect("params");
    let both = update(replace("/validateRequestBody", "TRUE"))
        .await
        .expect("body");
    assert!(both.validate_request_body() && both.validate_request_parameters());

    expect(
        update(patch(Op::Add, "/validateRequestBody", Some("true")))
            .await
            .unwrap_err(),
        "BadRequestException",
        "Invalid patch path  '/validateRequestBody' specified for op 'add'. Please choose supported operations",
    );
    expect(
        update(replace("/invalidPath", "x")).await.unwrap_err(),
        "BadRequestException",
        "Invalid patch path  '/invalidPath' specified for op 'replace'. Must be one of: [/name, /validateRequestParameters, /validateRequestBody]",
    );
    expect(
        update(replace("/name", "")).await.unwrap_err(),
        "BadRequestException",
        "Request Validator name cannot be blank",
    );
    expect(
        sdk.get_request_validator()
            .rest_api_id(&api_id)
            .request_validator_id("nope00")
            .send()
            .await
            .unwrap_err(),
        "NotFoundException",
        "Invalid Request Validator identifier specified",
    );
    expect(
        sdk.get_request_validators()
            .rest_api_id("nope")
            .send()
            .await
            .unwrap_err(),
        "NotFoundException",
        "Invalid API identifier specified 000000000000:nope",
    );

    // A validator a method uses stays; PutMethod wants one that exists.
    expect(
        sdk.put_method()
            .rest_api_id(&api_id)
            .resource_id(&pets)
            .http_method("POST")
            .authorization_type("NONE")
            .request_validator_id("nope00")
            .send()
            .await
            .unwrap_err(),
        "BadRequestException",
        "Invalid Request Validator identifier specified",
    );
    sdk.put_method()
        .rest_api_id(&api_id)
        .resource_id(&pets)
        .http_method("POST")
        .authorization_type("NONE")
        .request_validator_id(&id)
        .send()
        .await
        .expect("method");
    let delete = || {
        sdk.delete_request_validator()
            .rest_api_id(&api_id)
            .request_validator_id(&id)
            .send()
    };
    expect(
        delete().await.unwrap_err(),
        "ConflictException",
        "Cannot delete Request Validator 'both', is referenced in method: POST//pets",
    );
    sdk.update_method()
        .rest_api_id(&api_id)
        .resource_id(&pets)
        .http_method("POST")
        .patch_operations(replace("/requestValidatorId", ""))
        .send()
        .await
        .expect("method no longer validates");
    delete().await.expect("deleted");
    expect(
        delete().await.unwrap_err(),
        "NotFoundException",
        "Invalid Request Validator identifier specified",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn authorizers() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Tollgate::start(&dir.path().join("data"), &[]);
    let sdk = client_at(server.admin);
    let (api_id, pets) = api_with_pets(&sdk, "authorizers").await;

    expect(
        sdk.create_authorizer()
            .rest_api_id("nope")
            .name("a")
            .r#type(AuthorizerType::Token)
            .authorizer_uri(LAMBDA_URI)
            .identity_source("method.request.header.Authorization")
            .send()
            .await
            .unwrap_err(),
        "ConflictException",
        "Unable to complete operation due to concurrent modification. Please try again later.",
    );
    let token = sdk
        .create_authorizer()
        .rest_api_id(&api_id)
        .name("token")
        .r#type(AuthorizerType::Token)
        .authorizer_uri(LAMBDA_URI)
        .identity_source("method.request.header.Authorization")
        .identity_validation_expression("^Bearer .+$")
        .send()
        .await
        .expect("token authorizer");
    let token_id = token.id().expect("id").to_owned();
    assert_eq!(token_id.len(), 6);
    assert_eq!(token.name(), Some("token"));
    assert_eq!(token.r#type(), Some(&AuthorizerType::Token));
    assert_eq!(token.auth_type(), Some("custom"));
    assert_eq!(token.authorizer_uri(), Some(LAMBDA_URI));
    assert_eq!(
        token.identity_source(),
        Some("method.request.header.Authorization")
    );
    assert_eq!(token.identity_validation_expression(), Some("^Bearer .+$"));
    assert_eq!(
        token.authorizer_result_ttl_in_seconds(),
        None,
        "AWS returns no TTL it was not given"
    );
    let request = sdk
        .create_authorizer()
        .rest_api_id(&api_id)
        .name("request")
        .r#type(AuthorizerType::Request)
        .authorizer_uri(LAMBDA_URI)
        .authorizer_result_ttl_in_seconds(0)
        .send()
        .await
        .expect("a REQUEST authorizer without caching needs no identity source");
    assert_eq!(request.authorizer_result_ttl_in_seconds(), Some(0));
    let cognito = sdk
        .create_authorizer()
        .rest_api_id(&api_id)
        .name("pool")
        .r#type(AuthorizerType::CognitoUserPools)
        .provider_arns(USER_POOL)
        .identity_source("method.request.header.Authorization")
        .send()
        .await
        .expect("cognito authorizer");
    let cognito_id = cognito.id().expect("id").to_owned();
    assert_eq!(cognito.auth_type(), Some("cognito_user_pools"));
    assert_eq!(cognito.provider_arns(), [USER_POOL]);
    let got = sdk
        .get_authorizer()
        .rest_api_id(&api_id)
        .authorizer_id(&token_id)
        .send()
        .await
        .expect("read");
    assert_eq!(
        (got.name(), got.authorizer_uri(), got.identity_source()),
        (
            token.name(),
            token.authorizer_uri(),
            token.identity_source()
        )
    );
    let listed = sdk
        .get_authorizers()
        .rest_api_id(&api_id)
        .send()
        .await
        .expect("listed");
    let names: Vec<_> = listed.items().iter().filter_map(|a| a.name()).collect();
    assert_eq!(names, ["token", "request", "pool"]);

    let patched = sdk
        .update_authorizer()
        .rest_api_id(&api_id)
        .authorizer_id(&token_id)
        .patch_operations(replace("/name", "renamed"))
        .patch_operations(replace("/authorizerResultTtlInSeconds", "60"))
        .patch_operations(replace("/identityValidationExpression", ""))
        .send()
        .await
        .expect("patched");
    assert_eq!(patched.name(), Some("renamed"));
    assert_eq!(patched.authorizer_result_ttl_in_seconds(), Some(60));
    assert_eq!(patched.identity_validation_expression(), None);
    let second_pool = "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_second";
    let pools = sdk
        .update_authorizer()
        .rest_api_id(&api_id)
        .authorizer_id(&cognito_id)
        .patch_operations(patch(
            Op::Add,
            &format!("/providerARNs/{}", second_pool.replace('/', "~1")),
            None,
        ))
        .send()
        .await
        .expect("pool added");
    assert_eq!(pools.provider_arns(), [USER_POOL, second_pool]);

    // AWS's refusals.
    let create = |kind: AuthorizerType, uri: Option<&str>, source: Option<&str>| {
        sdk.create_authorizer()
            .rest_api_id(&api_id)
            .name("bad")
            .r#type(kind)
            .set_authorizer_uri(uri.map(str::to_owned))
            .set_identity_source(source.map(str::to_owned))
            .send()
    };
    let header = Some("method.request.header.Authorization");
    expect(
        create(AuthorizerType::from("BOGUS"), Some(LAMBDA_URI), header)
            .await
            .unwrap_err(),
        "ValidationException",
        "1 validation error detected: Value 'BOGUS' at 'createAuthorizerInput.type' failed to satisfy constraint: Member must satisfy enum value set: [TOKEN, REQUEST, COGNITO_USER_POOLS]",
    );
    expect(
        create(AuthorizerType::Token, None, header)
            .await
            .unwrap_err(),
        "BadRequestException",
        "Invalid Authorizer URI: null. Authorizer URI should be a valid API Gateway ARN that represents a Lambda function invocation.",
    );
    expect(
        create(
            AuthorizerType::Token,
            Some(LAMBDA_URI),
            Some("method.request.querystring.key"),
        )
        .await
        .unwrap_err(),
        "BadRequestException",
        "Invalid token source expression: method.request.querystring.key. The source must be a method request header, matching 'method.request.header.[a-zA-Z0-9._-]+'.",
    );
    expect(
        sdk.update_authorizer()
            .rest_api_id(&api_id)
            .authorizer_id(&token_id)
            .patch_operations(replace("/nope", "x"))
            .send()
            .await
            .unwrap_err(),
        "BadRequestException",
        "Invalid patch path /nope",
    );
    expect(
        sdk.get_authorizer()
            .rest_api_id(&api_id)
            .authorizer_id("nope00")
            .send()
            .await
            .unwrap_err(),
        "NotFoundException",
        "Invalid Authorizer identifier specified",
    );
    expect(
        sdk.get_authorizers()
            .rest_api_id("nope")
            .send()
            .await
            .unwrap_err(),
        "NotFoundException",
        "Invalid API identifier specified 000000000000:nope",
    );

    // Methods and their authorizers stay consistent.
    let invalid = "Invalid authorizer ID specified. Setting the authorization type to CUSTOM or COGNITO_USER_POOLS requires a valid authorizer.";
    expect(
        sdk.put_method()
            .rest_api_id(&api_id)
            .resource_id(&pets)
            .http_method("GET")
            .authorization_type("CUSTOM")
            .authorizer_id(&cognito_id)
            .send()
            .await
            .unwrap_err(),
        "BadRequestException",
        invalid,
    );
    sdk.put_method()
        .rest_api_id(&api_id)
        .resource_id(&pets)
        .http_method("GET")
        .authorization_type("CUSTOM")
        .authorizer_id(&token_id)
        .send()
        .await
        .expect("method");
    expect(
        sdk.update_authorizer()
            .rest_api_id(&api_id)
            .authorizer_id(&token_id)
            .patch_operations(replace("/type", "COGNITO_USER_POOLS"))
            .patch_operations(patch(
                Op::Add,
                &format!("/providerARNs/{}", USER_POOL.replace('/', "~1")),
                None,
            ))
            .send()
            .await
            .unwrap_err(),
        "BadRequestException",
        invalid,
    );
    let delete = |id: String| {
        sdk.delete_authorizer()
            .rest_api_id(&api_id)
            .authorizer_id(id)
            .send()
    };
    expect(
        delete(token_id.clone()).await.unwrap_err(),
        "ConflictException",
        "Cannot delete authorizer 'renamed', is referenced in method: GET//pets",
    );
    sdk.delete_method()
        .rest_api_id(&api_id)
        .resource_id(&pets)
        .http_method("GET")
        .send()
        .await
        .expect("method deleted");
    delete(token_id.clone()).await.expect("deleted");
    expect(
        delete(token_id).await.unwrap_err(),
        "NotFoundException",
        "Invalid Authorizer identifier specified",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn gateway_responses() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Tollgate::start(&dir.path().join("data"), &[]);
    let sdk = client_at(server.admin);
    let (api_id, _) = api_with_pets(&sdk, "responses").await;
    let default_templates = std::collections::HashMap::from([(
        "application/json".to_owned(),
        "{\"message\":$context.error.messageString}".to_owned(),
    )]);

    let get = |kind: GatewayResponseType| {
        sdk.get_gateway_response()
            .rest_api_id(&api_id)
            .response_type(kind)
            .send()
    };
    let untouched = get(GatewayResponseType::MissingAuthenticationToken)
        .await
        .expect("default");
    assert!(untouched.default_response());
    assert_eq!(untouched.status_code(), Some("403"));
    assert_eq!(untouched.response_templates(), Some(&default_templates));
    assert_eq!(
        untouched.response_parameters().map(|p| p.len()),
        Some(0),
        "an empty map, not none"
    );
    let all = sdk
        .get_gateway_responses()
        .rest_api_id(&api_id)
        .send()
        .await
        .expect("listed");
    assert_eq!(all.items().len(), 21);
    assert!(all.items().iter().all(|r| r.default_response()));
    let default_4xx = all
        .items()
        .iter()
        .find(|r| r.response_type() == Some(&GatewayResponseType::Default4Xx))
        .expect("listed");
    assert_eq!(default_4xx.status_code(), None, "DEFAULT_4XX has no status");

    let put = sdk
        .put_gateway_response()
        .rest_api_id(&api_id)
        .response_type(GatewayResponseType::MissingAuthenticationToken)
        .status_code("404")
        .response_parameters(
            "gatewayresponse.header.x-request-path",
            "method.request.path.petId",
        )
        .response_parameters(
            "gatewayresponse.header.Access-Control-Allow-Origin",
            "'a.b.c'",
        )
        .response_templates(
            "application/json",
            "{\"type\": \"$context.error.responseType\"}",
        )
        .send()
        .await
        .expect("put");
    assert!(!put.default_response());
    assert_eq!(put.status_code(), Some("404"));
    assert_eq!(put.response_parameters().map(|p| p.len()), Some(2));
    assert_eq!(
        put.response_templates()
            .and_then(|t| t.get("application/json"))
            .map(String::as_str),
        Some("{\"type\": \"$context.error.responseType\"}")
    );
    // A PUT replaces the whole customisation; what it leaves out takes the type's defaults.
    let status_only = sdk
        .put_gateway_response()
        .rest_api_id(&api_id)
        .response_type(GatewayResponseType::MissingAuthenticationToken)
        .status_code("404")
        .send()
        .await
        .expect("put");
    assert_eq!(status_only.response_parameters().map(|p| p.len()), Some(0));
    assert_eq!(status_only.response_templates(), Some(&default_templates));

    // A customised DEFAULT_5XX shows in every 5XX type not customised itself.
    sdk.put_gateway_response()
        .rest_api_id(&api_id)
        .response_type(GatewayResponseType::Default5Xx)
        .status_code("599")
        .send()
        .await
        .expect("put");
    let inherited = get(GatewayResponseType::IntegrationFailure)
        .await
        .expect("read");
    assert!(inherited.default_response());
    assert_eq!(inherited.status_code(), Some("599"));

    let update = |kind: GatewayResponseType, op: PatchOperation| {
        sdk.update_gateway_response()
            .rest_api_id(&api_id)
            .response_type(kind)
            .patch_operations(op)
            .send()
    };
    let updated = update(
        GatewayResponseType::Default4Xx,
        replace("/statusCode", "444"),
    )
    .await
    .expect("an update customises");
    assert!(!updated.default_response());
    assert_eq!(updated.status_code(), Some("444"));
    assert_eq!(updated.response_templates(), Some(&default_templates));
    let updated = update(
        GatewayResponseType::Default4Xx,
        patch(
            Op::Add,
            "/responseTemplates/application~1xml",
            Some("<message>$context.error.messageString</message>"),
        ),
    )
    .await
    .expect("template added");
    assert_eq!(updated.response_templates().map(|t| t.len()), Some(2));

    expect(
        update(
            GatewayResponseType::Default4Xx,
            patch(Op::Add, "/statusCode", Some("444")),
        )
        .await
        .unwrap_err(),
        "BadRequestException",
        "Invalid patch path /statusCode",
    );
    expect(
        update(
            GatewayResponseType::Default5Xx,
            replace(
                "/responseParameters/gatewayresponse.header.Access-Control-Allow-Origin",
                "'example.com'",
            ),
        )
        .await
        .unwrap_err(),
        "NotFoundException",
        "Invalid parameter name specified",
    );
    expect(
        update(
            GatewayResponseType::Default4Xx,
            patch(Op::Replace, "/responseTemplates/application~1xml", None),
        )
        .await
        .unwrap_err(),
        "BadRequestException",
        "Invalid null or empty value in responseTemplates",
    );
    expect(
        update(
            GatewayResponseType::Default4Xx,
            patch(Op::Add, "/wrongPath", Some("x")),
        )
        .await
        .unwrap_err(),
        "BadRequestException",
        "Invalid patch path /wrongPath",
    );
    expect(
        get(GatewayResponseType::from("FAKE_RESPONSE_TYPE"))
            .await
            .unwrap_err(),
        "ValidationException",
        "1 validation error detected: Value 'FAKE_RESPONSE_TYPE' at 'responseType' failed to satisfy constraint: Member must satisfy enum value set: [REQUEST_TOO_LARGE, RESOURCE_NOT_FOUND, AUTHORIZER_CONFIGURATION_ERROR, MISSING_AUTHENTICATION_TOKEN, BAD_REQUEST_BODY, INVALID_SIGNATURE, INVALID_API_KEY, BAD_REQUEST_PARAMETERS, AUTHORIZER_FAILURE, UNAUTHORIZED, INTEGRATION_TIMEOUT, ACCESS_DENIED, DEFAULT_4XX, DEFAULT_5XX, WAF_FILTERED, QUOTA_EXCEEDED, THROTTLED, API_CONFIGURATION_ERROR, UNSUPPORTED_MEDIA_TYPE, INTEGRATION_FAILURE, EXPIRED_TOKEN]",
    );
    expect(
        sdk.get_gateway_responses()
            .rest_api_id("nope")
            .send()
            .await
            .unwrap_err(),
        "NotFoundException",
        "Invalid API identifier specified 000000000000:nope",
    );

    let delete = |kind: GatewayResponseType| {
        sdk.delete_gateway_response()
            .rest_api_id(&api_id)
            .response_type(kind)
            .send()
    };
    delete(GatewayResponseType::Default4Xx)
        .await
        .expect("deleted");
    assert!(
        get(GatewayResponseType::Default4Xx)
            .await
            .expect("read")
            .default_response()
    );
    expect(
        delete(GatewayResponseType::Default4Xx).await.unwrap_err(),
        "NotFoundException",
        "Gateway response type not defined on api",
    );
}

/// A request validator and a model on a method, and a customised gateway response, as the data
/// plane serves them after a deployment.
#[tokio::test(flavor = "multi_thread")]
async fn validation_and_gateway_responses_reach_the_data_plane() {
    let dir = tempfile::tempdir().unwrap();
    let server = common::Tollgate::start(&dir.path().join("data"), &[]);
    let sdk = client_at(server.admin);
    let (api_id, pets) = api_with_pets(&sdk, "served").await;

    sdk.create_model()
        .rest_api_id(&api_id)
        .name("Pet")
        .content_type("application/json")
        .schema(r#"{"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}"#)
        .send()
        .await
        .expect("model");
    let validator = sdk
        .create_request_validator()
        .rest_api_id(&api_id)
        .name("body")
        .validate_request_body(true)
        .send()
        .await
        .expect("validator");
    sdk.put_method()
        .rest_api_id(&api_id)
        .resource_id(&pets)
        .http_method("POST")
        .authorization_type("NONE")
        .request_validator_id(validator.id().expect("id"))
        .request_models("application/json", "Pet")
        .send()
        .await
        .expect("method");
    sdk.put_integration()
        .rest_api_id(&api_id)
        .resource_id(&pets)
        .http_method("POST")
        .r#type(IntegrationType::Mock)
        .request_templates("application/json", r#"{"statusCode": 200}"#)
        .send()
        .await
        .expect("integration");
    sdk.put_method_response()
        .rest_api_id(&api_id)
        .resource_id(&pets)
        .http_method("POST")
        .status_code("200")
        .send()
        .await
        .expect("method response");
    sdk.put_integration_response()
        .rest_api_id(&api_id)
        .resource_id(&pets)
        .http_method("POST")
        .status_code("200")
        .response_templates("application/json", r#"{"created": true}"#)
        .send()
        .await
        .expect("integration response");
    sdk.put_gateway_response()
        .rest_api_id(&api_id)
        .response_type(GatewayResponseType::MissingAuthenticationToken)
        .status_code("404")
        .response_parameters("gatewayresponse.header.x-tollgate", "'customised'")
        .response_templates(
            "application/json",
            r#"{"error": $context.error.messageString, "type": "$context.error.responseType"}"#,
        )
        .send()
        .await
        .expect("gateway response");
    sdk.create_deployment()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .expect("deployed");

    let url = |path: &str| server.url(&api_id, "dev", path);
    let r = get_until(&url("/nowhere"), 404, "MISSING_AUTHENTICATION_TOKEN").await;
    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(
        r.text(),
        r#"{"error": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN"}"#
    );
    assert_eq!(r.header("x-tollgate"), Some("customised"));

    let http = common::Http::default();
    let json = [("content-type", "application/json")];
    let bad = http
        .send(http::Method::POST, &url("/pets"), &json, r#"{"age": 3}"#)
        .await;
    assert_eq!(bad.status, 400, "{}", bad.text());
    assert_eq!(bad.text(), r#"{"message":"Invalid request body"}"#);
    assert_eq!(bad.header("x-amzn-errortype"), Some("BadRequestException"));
    let good = http
        .send(
            http::Method::POST,
            &url("/pets"),
            &json,
            r#"{"name": "rex"}"#,
        )
        .await;
    assert_eq!(good.status, 200, "{}", good.text());
    assert_eq!(good.text(), r#"{"created": true}"#);

    // Back to AWS's default once the customisation is deleted and the API redeployed.
    sdk.delete_gateway_response()
        .rest_api_id(&api_id)
        .response_type(GatewayResponseType::MissingAuthenticationToken)
        .send()
        .await
        .expect("deleted");
    sdk.create_deployment()
        .rest_api_id(&api_id)
        .stage_name("dev")
        .send()
        .await
        .expect("redeployed");
    let r = get_until(&url("/nowhere"), 403, "Missing Authentication Token").await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.text(), r#"{"message":"Missing Authentication Token"}"#);
    assert_eq!(r.header("x-tollgate"), None);
}
