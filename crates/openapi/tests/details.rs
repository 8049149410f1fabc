//! Smaller mapping rules: integration options, `$ref`'d bodies and responses, warnings on what
//! API Gateway ignores.

use std::collections::BTreeMap;

use tollgate_model::{
    ApiDefinition, ConnectionType, ContentHandling, HttpMethod, Method, PassthroughBehavior,
};
use tollgate_openapi::{BasePathMode, Diagnostic, ImportOptions, import};

fn ok(doc: &str) -> (ApiDefinition, Vec<Diagnostic>) {
    match import(doc.as_bytes(), &ImportOptions::default()) {
        Ok(i) => (i.definition, i.warnings),
        Err(e) => panic!("{e}"),
    }
}

fn method<'a>(def: &'a ApiDefinition, path: &str, verb: HttpMethod) -> &'a Method {
    def.resources
        .iter()
        .find(|r| r.path == path)
        .and_then(|r| r.resource_methods.get(&verb))
        .unwrap_or_else(|| panic!("no {verb} {path}"))
}

fn d(path: &str, message: &str) -> Diagnostic {
    Diagnostic {
        path: path.to_owned(),
        message: message.to_owned(),
    }
}

#[test]
fn integration_options() {
    let (def, warnings) = ok(r#"
openapi: 3.0.1
info: {title: t}
paths:
  /files:
    put:
      responses:
        "200": {description: ok}
      x-amazon-apigateway-integration:
        type: HTTP
        httpMethod: put
        uri: https://files.internal/upload
        connectionType: vpc_link
        connectionId: abc123
        passthroughBehavior: NEVER
        contentHandling: convert_to_binary
        timeoutInMillis: "50"
        tlsConfig: {insecureSkipVerification: true}
        requestTemplates:
          application/octet-stream:
        responses:
          default:
            statusCode: "200"
            contentHandling: CONVERT_TO_TEXT
"#);
    let i = method(&def, "/files", HttpMethod::Put)
        .method_integration
        .as_ref()
        .unwrap();
    assert_eq!(i.http_method.as_deref(), Some("PUT"));
    assert_eq!(i.connection_type, ConnectionType::VpcLink);
    assert_eq!(i.connection_id.as_deref(), Some("abc123"));
    assert_eq!(i.passthrough_behavior, PassthroughBehavior::Never);
    assert_eq!(i.content_handling, Some(ContentHandling::ConvertToBinary));
    assert_eq!(i.timeout_in_millis, 50);
    assert!(i.tls_config.as_ref().unwrap().insecure_skip_verification);
    assert_eq!(
        i.request_templates,
        BTreeMap::from([("application/octet-stream".to_owned(), String::new())])
    );
    assert_eq!(
        i.integration_responses["200"].content_handling,
        Some(ContentHandling::ConvertToText)
    );
    assert_eq!(
        warnings,
        [d(
            "$.paths['/files'].put.x-amazon-apigateway-integration.connectionType",
            "An integration with connectionType VPC_LINK is stored but not enforced by this version of Tollgate: such methods cannot be invoked yet"
        )]
    );
}

#[test]
fn referenced_bodies_and_responses() {
    let (def, warnings) = ok(r##"
openapi: 3.0.1
info: {title: t}
paths:
  /pets:
    post:
      requestBody: {$ref: '#/components/requestBodies/NewPet'}
      responses:
        "201": {$ref: '#/components/responses/Created'}
        "2XX": {description: ranges are not status codes}
        default: {description: neither is default}
      x-amazon-apigateway-integration: {type: mock}
components:
  requestBodies:
    NewPet:
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Pet'}
        application/xml:
          schema: {type: object}
  responses:
    Created:
      description: created
      headers:
        Location: {schema: {type: string}}
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Pet'}
  schemas:
    Pet: {type: object}
"##);
    let m = method(&def, "/pets", HttpMethod::Post);
    assert_eq!(
        m.request_models,
        BTreeMap::from([("application/json".to_owned(), "Pet".to_owned())])
    );
    let r = &m.method_responses["201"];
    assert_eq!(
        r.response_parameters,
        BTreeMap::from([("method.response.header.Location".to_owned(), false)])
    );
    assert_eq!(r.response_models["application/json"], "Pet");
    assert_eq!(m.method_responses.len(), 1);
    assert_eq!(
        warnings,
        [
            d(
                "$.components.requestBodies.NewPet.content['application/xml'].schema",
                "Inline schemas are not imported as models: define the schema under components.schemas and reference it with $ref to attach a model"
            ),
            d(
                "$.paths['/pets'].post.responses['2XX']",
                "Response '2XX' is not an HTTP status code; API Gateway ignores it"
            ),
            d(
                "$.paths['/pets'].post.responses.default",
                "Response 'default' is not an HTTP status code; API Gateway ignores it"
            ),
        ]
    );
}

#[test]
fn swagger_body_parameters_use_consumes() {
    let (def, warnings) = ok(r##"{
  "swagger": "2.0",
  "info": {"title": "t"},
  "consumes": ["application/json", "application/vnd.pet+json"],
  "paths": {
    "/pets": {
      "post": {
        "parameters": [
          {"in": "body", "name": "Pet", "schema": {"$ref": "#/definitions/Pet"}},
          {"in": "formData", "name": "f", "type": "string"}
        ],
        "x-amazon-apigateway-integration": {"type": "mock"}
      },
      "put": {
        "consumes": ["text/plain"],
        "parameters": [{"in": "body", "name": "raw", "schema": {"type": "string"}}],
        "x-amazon-apigateway-integration": {"type": "mock"}
      }
    }
  },
  "definitions": {"Pet": {"type": "object"}}
}"##);
    assert_eq!(
        method(&def, "/pets", HttpMethod::Post).request_models,
        BTreeMap::from([
            ("application/json".to_owned(), "Pet".to_owned()),
            ("application/vnd.pet+json".to_owned(), "Pet".to_owned()),
        ])
    );
    assert!(
        method(&def, "/pets", HttpMethod::Put)
            .request_models
            .is_empty()
    );
    assert_eq!(
        warnings,
        [
            d(
                "$.paths['/pets'].post.parameters[1].in",
                "Parameter location 'formData' is not supported by API Gateway; parameter 'f' is ignored"
            ),
            d(
                "$.paths['/pets'].put.parameters[0].schema",
                "Inline schemas are not imported as models: define the schema under definitions and reference it with $ref to attach a model"
            ),
        ]
    );
}

#[test]
fn cookies_and_overrides() {
    let (def, warnings) = ok(r#"
openapi: 3.0.1
info: {title: t}
paths:
  /a:
    parameters:
      - {name: q, in: query, required: true}
      - {name: session, in: cookie}
    get:
      parameters:
        - {name: q, in: query, required: false}
        - {name: Accept, in: header, required: true}
      x-amazon-apigateway-integration: {type: mock}
"#);
    assert_eq!(
        method(&def, "/a", HttpMethod::Get).request_parameters,
        BTreeMap::from([
            ("method.request.header.Accept".to_owned(), true),
            ("method.request.querystring.q".to_owned(), false),
        ])
    );
    assert_eq!(
        warnings,
        [d(
            "$.paths['/a'].parameters[1].in",
            "Parameter location 'cookie' is not supported by API Gateway; parameter 'session' is ignored"
        )]
    );
}

#[test]
fn pseudo_parameters_are_substituted_everywhere() {
    let (def, _) = ok(r#"
openapi: 3.0.1
info: {title: "api-${AWS::Region}", description: "${AWS::Partition}/${AWS::AccountId}"}
paths: {}
"#);
    assert_eq!(def.rest_api.name, "api-us-east-1");
    assert_eq!(
        def.rest_api.description.as_deref(),
        Some("aws/000000000000")
    );
}

#[test]
fn split_with_a_single_segment_base_path() {
    let doc = "swagger: '2.0'\ninfo: {title: t}\nbasePath: /prod\npaths:\n  /a:\n    get:\n      x-amazon-apigateway-integration: {type: mock}\n";
    let options = ImportOptions {
        base_path: BasePathMode::Split,
        fail_on_warnings: false,
        ..Default::default()
    };
    let def = import(doc.as_bytes(), &options).unwrap().definition;
    let paths: Vec<&str> = def.resources.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/", "/a"]);
    // A base path that is not a valid resource path is refused when it is used.
    let bad = doc.replace("/prod", "/a b");
    let options = ImportOptions {
        base_path: BasePathMode::Prepend,
        fail_on_warnings: false,
        ..Default::default()
    };
    let e = import(bad.as_bytes(), &options).unwrap_err();
    assert_eq!(
        e.errors,
        [d(
            "$.basePath",
            "Invalid base path '/a b': invalid path part 'a b': only [A-Za-z0-9._:,-] are allowed in a literal segment"
        )]
    );
    import(bad.as_bytes(), &ImportOptions::default()).unwrap();
}

#[test]
fn gateway_responses_and_validators_details() {
    let (def, warnings) = ok(r#"
openapi: 3.0.1
info: {title: t}
x-amazon-apigateway-gateway-responses:
  REQUEST_TOO_LARGE: {statusCode: "413"}
  THROTTLED:
    statusCode: 503
    responseParameters:
      gatewayresponse.header.Retry-After: "'1'"
      gatewayresponse.header.Bad: 7
paths: {}
"#);
    assert_eq!(def.gateway_responses.len(), 1);
    assert_eq!(def.gateway_responses[0].status_code.as_deref(), Some("503"));
    assert_eq!(def.gateway_responses[0].response_parameters.len(), 1);
    assert_eq!(
        warnings,
        [
            d(
                "$.x-amazon-apigateway-gateway-responses.REQUEST_TOO_LARGE",
                "The gateway response REQUEST_TOO_LARGE cannot be customised; ignored"
            ),
            d(
                "$.x-amazon-apigateway-gateway-responses.THROTTLED.responseParameters['gatewayresponse.header.Bad']",
                "Invalid format for 'responseParameters'. Expected type string for property 'gatewayresponse.header.Bad' of gateway response 'THROTTLED' but got '7'"
            ),
        ]
    );
}

#[test]
fn yaml_depth_message_is_readable() {
    let mut block = String::new();
    for depth in 0..100 {
        block.push_str(&" ".repeat(depth));
        block.push_str("a:\n");
    }
    let e = import(block.as_bytes(), &ImportOptions::default()).unwrap_err();
    assert!(
        e.errors[0]
            .message
            .starts_with("Invalid YAML: nested too deeply (more than 64 levels) at line 65"),
        "{}",
        e.errors[0]
    );
}

#[test]
fn templates_that_do_not_parse_are_kept_with_a_warning() {
    let (def, warnings) = ok(r##"
openapi: 3.0.1
info: {title: t}
paths:
  /x:
    post:
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates:
          application/json: '{"statusCode": 200}'
          text/plain: "#if($input.body == 'a')\nyes"
        responses: {default: {statusCode: "200"}}
"##);
    assert_eq!(
        warnings,
        [d(
            "$.paths['/x'].post.x-amazon-apigateway-integration.requestTemplates['text/plain']",
            "The mapping template does not parse (line 2, column 4: missing #end): requests that select it will fail with 500"
        )]
    );
    let i = method(&def, "/x", HttpMethod::Post)
        .method_integration
        .as_ref()
        .unwrap();
    assert_eq!(
        i.request_templates["text/plain"],
        "#if($input.body == 'a')\nyes"
    );
}
