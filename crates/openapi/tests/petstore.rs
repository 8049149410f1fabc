//! Realistic documents: the petstore in OpenAPI 3 YAML and Swagger 2.0 JSON must give the same
//! API, resource for resource.

use std::collections::BTreeMap;

use tollgate_model::{
    ApiDefinition, GatewayResponseType, HttpMethod, IntegrationType, Method, PassthroughBehavior,
};
use tollgate_openapi::{BasePathMode, ImportOptions, Imported, import};

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ok(name: &str, options: &ImportOptions) -> Imported {
    match import(&data(name), options) {
        Ok(i) => i,
        Err(e) => panic!("{name}: {e}\nwarnings: {:?}", e.warnings),
    }
}

fn paths(def: &ApiDefinition) -> Vec<&str> {
    def.resources.iter().map(|r| r.path.as_str()).collect()
}

fn method<'a>(def: &'a ApiDefinition, path: &str, verb: HttpMethod) -> &'a Method {
    def.resources
        .iter()
        .find(|r| r.path == path)
        .and_then(|r| r.resource_methods.get(&verb))
        .unwrap_or_else(|| panic!("no {verb} {path}"))
}

fn map<V: Clone>(pairs: &[(&str, V)]) -> BTreeMap<String, V> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect()
}

fn validator_id(def: &ApiDefinition, name: &str) -> String {
    def.request_validators
        .iter()
        .find(|v| v.name.as_deref() == Some(name))
        .map(|v| v.id.clone())
        .unwrap_or_else(|| panic!("no validator {name}"))
}

/// Everything both petstore documents must produce.
fn assert_petstore(def: &ApiDefinition) {
    assert_eq!(def.rest_api.name, "PetStore");
    assert_eq!(
        def.rest_api.description.as_deref(),
        Some("Your first API with Amazon API Gateway.")
    );
    assert_eq!(def.rest_api.version.as_deref(), Some("2026-11-25"));
    assert_eq!(def.validate(), Ok(()));
    assert_eq!(
        paths(def),
        [
            "/",
            "/pets",
            "/pets/{petId}",
            "/pets/{petId}/toys",
            "/store",
            "/store/{proxy+}"
        ]
    );
    // Intermediate resources have no methods.
    let store = def.resources.iter().find(|r| r.path == "/store").unwrap();
    assert!(store.resource_methods.is_empty());
    assert_eq!(def.method_count(), 7);
    let verbs = |path: &str| -> Vec<HttpMethod> {
        def.resources
            .iter()
            .find(|r| r.path == path)
            .unwrap()
            .resource_methods
            .keys()
            .copied()
            .collect()
    };
    assert_eq!(
        verbs("/pets"),
        [HttpMethod::Get, HttpMethod::Options, HttpMethod::Post]
    );
    assert_eq!(verbs("/store/{proxy+}"), [HttpMethod::Any]);

    let params_only = validator_id(def, "params-only");
    let all = validator_id(def, "all");
    let v = def.request_validators.iter().find(|v| v.id == all).unwrap();
    assert!(v.validate_request_body && v.validate_request_parameters);

    // GET / : MOCK with a template and a mapped header.
    let home = method(def, "/", HttpMethod::Get);
    assert_eq!(home.operation_name.as_deref(), Some("GetHome"));
    assert_eq!(
        home.request_validator_id.as_deref(),
        Some(params_only.as_str())
    );
    let i = home.method_integration.as_ref().unwrap();
    assert_eq!(i.kind, IntegrationType::Mock);
    assert_eq!(i.uri, None);
    assert_eq!(
        i.request_templates,
        map(&[("application/json", "{\"statusCode\": 200}".to_owned())])
    );
    let r = &i.integration_responses["200"];
    assert_eq!(r.selection_pattern, None);
    assert_eq!(
        r.response_parameters,
        map(&[(
            "method.response.header.Content-Type",
            "'text/html'".to_owned()
        )])
    );
    assert_eq!(
        r.response_templates,
        map(&[("text/html", "<html><body>Welcome</body></html>".to_owned())])
    );
    assert_eq!(
        home.method_responses["200"].response_parameters,
        map(&[("method.response.header.Content-Type", false)])
    );

    // GET /pets : HTTP, query and header parameters, a $ref'd parameter, a response model.
    let list = method(def, "/pets", HttpMethod::Get);
    assert_eq!(list.operation_name.as_deref(), Some("ListPets"));
    assert_eq!(
        list.request_parameters,
        map(&[
            ("method.request.header.X-Trace", false),
            ("method.request.querystring.page", true),
            ("method.request.querystring.type", false),
        ])
    );
    let mr = &list.method_responses["200"];
    assert_eq!(mr.status_code, "200");
    assert_eq!(
        mr.response_parameters,
        map(&[("method.response.header.Access-Control-Allow-Origin", false)])
    );
    assert_eq!(
        mr.response_models,
        map(&[("application/json", "Pets".to_owned())])
    );
    let i = list.method_integration.as_ref().unwrap();
    assert_eq!(i.kind, IntegrationType::Http);
    assert_eq!(i.http_method.as_deref(), Some("GET"));
    assert_eq!(
        i.uri.as_deref(),
        Some("http://petstore.execute-api.us-east-1.amazonaws.com/petstore/pets")
    );
    assert_eq!(
        i.request_parameters,
        map(&[
            (
                "integration.request.querystring.page",
                "method.request.querystring.page".to_owned()
            ),
            (
                "integration.request.querystring.type",
                "method.request.querystring.type".to_owned()
            ),
        ])
    );
    assert_eq!(i.passthrough_behavior, PassthroughBehavior::WhenNoMatch);
    assert_eq!(i.timeout_in_millis, 10_000);
    assert_eq!(i.integration_responses.len(), 1);
    assert_eq!(i.integration_responses["200"].status_code, "200");
    assert!(i.integration_responses["200"].is_default());

    // POST /pets : a request model and its own validator.
    let create = method(def, "/pets", HttpMethod::Post);
    assert_eq!(
        create.request_models,
        map(&[("application/json", "NewPet".to_owned())])
    );
    assert_eq!(create.request_validator_id.as_deref(), Some(all.as_str()));
    assert_eq!(
        create.method_responses["200"].response_models,
        map(&[("application/json", "NewPetResponse".to_owned())])
    );
    // The path item's header parameter applies to every operation.
    assert_eq!(
        create.request_parameters,
        map(&[("method.request.header.X-Trace", false)])
    );

    // OPTIONS /pets : CORS mock.
    let cors = method(def, "/pets", HttpMethod::Options);
    let i = cors.method_integration.as_ref().unwrap();
    assert_eq!(i.kind, IntegrationType::Mock);
    assert_eq!(i.integration_responses["200"].response_parameters.len(), 2);

    // GET /pets/{petId} : a path parameter and a selection pattern.
    let get = method(def, "/pets/{petId}", HttpMethod::Get);
    assert_eq!(
        get.request_parameters,
        map(&[("method.request.path.petId", true)])
    );
    assert_eq!(
        get.method_responses["404"].response_models,
        map(&[("application/json", "Error".to_owned())])
    );
    let i = get.method_integration.as_ref().unwrap();
    assert_eq!(
        i.integration_responses["404"].selection_pattern.as_deref(),
        Some("4\\d{2}")
    );
    assert!(i.integration_responses["200"].is_default());

    // GET /pets/{petId}/toys : HTTP_PROXY with a stage variable in the URI.
    let toys = method(def, "/pets/{petId}/toys", HttpMethod::Get);
    let i = toys.method_integration.as_ref().unwrap();
    assert_eq!(i.kind, IntegrationType::HttpProxy);
    assert_eq!(
        i.uri.as_deref(),
        Some("https://${stageVariables.toyHost}/toys/{petId}")
    );

    // ANY /store/{proxy+}
    let proxy = method(def, "/store/{proxy+}", HttpMethod::Any);
    assert_eq!(proxy.operation_name.as_deref(), Some("StoreProxy"));
    assert_eq!(
        proxy.request_parameters,
        map(&[("method.request.path.proxy", true)])
    );
    let i = proxy.method_integration.as_ref().unwrap();
    assert_eq!(i.kind, IntegrationType::HttpProxy);
    assert_eq!(i.http_method.as_deref(), Some("ANY"));
    assert_eq!(i.cache_key_parameters, ["method.request.path.proxy"]);
    assert_eq!(i.cache_namespace.as_deref(), Some("store"));
    assert_eq!(i.timeout_in_millis, 29_000);

    // Models: the built-in Empty, the document's Error replacing the built-in one, the rest.
    let mut names: Vec<&str> = def.models.iter().map(|m| m.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "Empty",
            "Error",
            "NewPet",
            "NewPetResponse",
            "Pet",
            "PetType",
            "Pets"
        ]
    );
    let pets = def.models.iter().find(|m| m.name == "Pets").unwrap();
    assert_eq!(pets.content_type, "application/json");
    let schema: serde_json::Value = serde_json::from_str(pets.schema.as_deref().unwrap()).unwrap();
    assert_eq!(
        schema["items"]["$ref"],
        format!(
            "https://apigateway.amazonaws.com/restapis/{}/models/Pet",
            def.rest_api.id
        )
    );
    let error = def.models.iter().find(|m| m.name == "Error").unwrap();
    assert!(!error.schema.as_deref().unwrap().contains("Error Schema"));

    // Gateway responses.
    assert_eq!(def.gateway_responses.len(), 2);
    let d4 = &def.gateway_responses[0];
    assert_eq!(d4.response_type, GatewayResponseType::Default4xx);
    assert_eq!(d4.status_code, None);
    assert!(!d4.default_response);
    assert_eq!(
        d4.response_parameters,
        map(&[(
            "gatewayresponse.header.Access-Control-Allow-Origin",
            "'*'".to_owned()
        )])
    );
    let mat = &def.gateway_responses[1];
    assert_eq!(
        mat.response_type,
        GatewayResponseType::MissingAuthenticationToken
    );
    assert_eq!(mat.status_code.as_deref(), Some("404"));
}

const INLINE_SCHEMA_WARNING: &str = "$.paths['/'].get.responses['200'].content['text/html'].schema: Inline schemas are not imported as models: define the schema under components.schemas and reference it with $ref to attach a model";

#[test]
fn petstore_oas3_yaml() {
    let imported = ok("petstore-oas3.yaml", &ImportOptions::default());
    let def = &imported.definition;
    assert_petstore(def);
    let warnings: Vec<String> = imported.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings, [INLINE_SCHEMA_WARNING]);
    assert_eq!(def.rest_api.warnings, warnings);
}

#[test]
fn petstore_swagger2_json() {
    let imported = ok("petstore-swagger2.json", &ImportOptions::default());
    assert_petstore(&imported.definition);
    let warnings: Vec<String> = imported.warnings.iter().map(ToString::to_string).collect();
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn both_flavours_give_the_same_tree() {
    let a = ok("petstore-oas3.yaml", &ImportOptions::default()).definition;
    let b = ok("petstore-swagger2.json", &ImportOptions::default()).definition;
    assert_eq!(paths(&a), paths(&b));
    for (ra, rb) in a.resources.iter().zip(&b.resources) {
        let ma: Vec<_> = ra.resource_methods.values().map(strip_ids).collect();
        let mb: Vec<_> = rb.resource_methods.values().map(strip_ids).collect();
        assert_eq!(ma, mb, "{}", ra.path);
    }
}

/// The method with validator ids blanked (they are random per import).
fn strip_ids(m: &Method) -> Method {
    let mut m = m.clone();
    m.request_validator_id = m.request_validator_id.map(|_| String::new());
    // GET / has an inline text/html schema in the OAS3 document only; no model either way.
    m
}

#[test]
fn base_path_modes() {
    for name in ["petstore-oas3.yaml", "petstore-swagger2.json"] {
        let prepend = ImportOptions {
            base_path: BasePathMode::Prepend,
            fail_on_warnings: false,
            ..Default::default()
        };
        let def = ok(name, &prepend).definition;
        assert_eq!(
            paths(&def),
            [
                "/",
                "/v1",
                "/v1/pets-api",
                "/v1/pets-api/pets",
                "/v1/pets-api/pets/{petId}",
                "/v1/pets-api/pets/{petId}/toys",
                "/v1/pets-api/store",
                "/v1/pets-api/store/{proxy+}"
            ],
            "{name}"
        );
        // GET / lands on the base path's resource.
        method(&def, "/v1/pets-api", HttpMethod::Get);
        let split = ImportOptions {
            base_path: BasePathMode::Split,
            fail_on_warnings: false,
            ..Default::default()
        };
        let def = ok(name, &split).definition;
        assert_eq!(
            paths(&def),
            [
                "/",
                "/pets-api",
                "/pets-api/pets",
                "/pets-api/pets/{petId}",
                "/pets-api/pets/{petId}/toys",
                "/pets-api/store",
                "/pets-api/store/{proxy+}"
            ],
            "{name}"
        );
    }
}

#[test]
fn server_url_path_is_the_base_path_without_a_variable() {
    let doc = br#"
openapi: 3.0.0
info: {title: t}
servers:
  - url: https://api.example.com/{stage}/v2
    variables:
      stage: {default: prod}
paths:
  /a:
    get:
      x-amazon-apigateway-integration: {type: mock}
"#;
    let options = ImportOptions {
        base_path: BasePathMode::Prepend,
        fail_on_warnings: false,
        ..Default::default()
    };
    let def = import(doc, &options).unwrap().definition;
    assert_eq!(paths(&def), ["/", "/prod", "/prod/v2", "/prod/v2/a"]);
}

#[test]
fn fail_on_warnings_refuses_the_petstore() {
    let options = ImportOptions {
        base_path: BasePathMode::Ignore,
        fail_on_warnings: true,
        ..Default::default()
    };
    let err = import(&data("petstore-oas3.yaml"), &options).unwrap_err();
    assert_eq!(err.errors.len(), 1);
    assert_eq!(err.errors[0].to_string(), INLINE_SCHEMA_WARNING);
    assert!(err.warnings.is_empty());
    // The Swagger 2.0 flavour has nothing to warn about.
    assert!(import(&data("petstore-swagger2.json"), &options).is_ok());
}

#[test]
fn definitions_serialise_like_aws() {
    let def = ok("petstore-swagger2.json", &ImportOptions::default()).definition;
    let v = serde_json::to_value(&def).unwrap();
    let pets = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"] == "/pets")
        .unwrap();
    assert_eq!(
        pets["resourceMethods"]["GET"]["methodIntegration"]["type"],
        "HTTP"
    );
    assert_eq!(pets["resourceMethods"]["GET"]["authorizationType"], "NONE");
    assert_eq!(
        pets["resourceMethods"]["GET"]["methodIntegration"]["passthroughBehavior"],
        "WHEN_NO_MATCH"
    );
}
