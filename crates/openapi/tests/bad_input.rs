//! Refused documents: every error names the JSON path and the reason, all errors are reported,
//! and no input makes the importer panic.

use tollgate_openapi::{Diagnostic, ImportError, ImportOptions, MAX_DOCUMENT_BYTES, import};

fn refused(doc: &str) -> ImportError {
    match import(doc.as_bytes(), &ImportOptions::default()) {
        Ok(i) => panic!("imported, expected errors; warnings: {:?}", i.warnings),
        Err(e) => e,
    }
}

fn d(path: &str, message: &str) -> Diagnostic {
    Diagnostic {
        path: path.to_owned(),
        message: message.to_owned(),
    }
}

/// A minimal OAS3 document around one path item (indented YAML).
fn oas3(paths: &str) -> String {
    format!("openapi: 3.0.1\ninfo: {{title: t, version: '1'}}\npaths:\n{paths}")
}

const MOCK: &str = "      x-amazon-apigateway-integration: {type: mock}\n";

#[test]
fn bad_yaml() {
    let e = refused("openapi: 3.0.1\ninfo: [unclosed\n");
    assert_eq!(e.errors.len(), 1);
    assert_eq!(e.errors[0].path, "$");
    assert!(
        e.errors[0].message.starts_with("Invalid YAML: ") && e.errors[0].message.contains("line"),
        "{}",
        e.errors[0]
    );
    let e = refused("openapi: 3.0.1\ninfo:\n  title: a: b\n");
    assert_eq!(
        e.errors,
        [d(
            "$",
            "Invalid YAML: mapping values are not allowed in this context at line 3, column 11"
        )]
    );
}

#[test]
fn bad_json() {
    let e = refused("{\"openapi\": \"3.0.1\",}");
    assert_eq!(
        e.errors,
        [d("$", "Invalid JSON: trailing comma at line 1 column 21")]
    );
}

#[test]
fn unknown_integration_type() {
    let e = refused(&oas3(
        "  /pets/{id}:\n    get:\n      x-amazon-apigateway-integration: {type: lambda, uri: 'x'}\n",
    ));
    assert_eq!(
        e.errors,
        [d(
            "$.paths['/pets/{id}'].get.x-amazon-apigateway-integration.type",
            "Invalid integration type 'lambda': expected one of aws, aws_proxy, http, http_proxy, mock (any case)"
        )]
    );
    let e = refused(&oas3(
        "  /pets:\n    get:\n      x-amazon-apigateway-integration: {uri: 'http://x'}\n",
    ));
    assert_eq!(
        e.errors,
        [d(
            "$.paths['/pets'].get.x-amazon-apigateway-integration.type",
            "Missing integration type: expected one of aws, aws_proxy, http, http_proxy, mock"
        )]
    );
}

#[test]
fn http_integration_requirements() {
    let e = refused(&oas3(
        "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: 'example.com/pets'}\n\
         \x20 /b:\n    get:\n      x-amazon-apigateway-integration: {type: HTTP_PROXY}\n\
         \x20 /c:\n    get:\n      x-amazon-apigateway-integration: {type: http, httpMethod: FETCH, uri: 'https://x', timeoutInMillis: 30000}\n",
    ));
    assert_eq!(
        e.errors,
        [
            d(
                "$.paths['/a'].get.x-amazon-apigateway-integration.uri",
                "Invalid HTTP endpoint specified for URI: 'example.com/pets'"
            ),
            d(
                "$.paths['/b'].get.x-amazon-apigateway-integration.uri",
                "Missing integration uri: required for type HTTP_PROXY"
            ),
            d(
                "$.paths['/b'].get.x-amazon-apigateway-integration.httpMethod",
                "Missing integration httpMethod: required for type HTTP_PROXY"
            ),
            d(
                "$.paths['/c'].get.x-amazon-apigateway-integration.httpMethod",
                "Invalid HttpMethod specified. Valid options are GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY (got 'FETCH')"
            ),
            d(
                "$.paths['/c'].get.x-amazon-apigateway-integration.timeoutInMillis",
                "Timeout should be between 50 ms and 29000 ms (got 30000)"
            ),
        ]
    );
}

#[test]
fn stage_variables_are_allowed_in_http_uris() {
    let doc = oas3(
        "  /a:\n    get:\n      x-amazon-apigateway-integration: {type: http_proxy, httpMethod: ANY, uri: '${stageVariables.url}/a'}\n\
         \x20 /b:\n    get:\n      x-amazon-apigateway-integration: {type: http, httpMethod: GET, uri: 'http://${stageVariables.host}:8080/b'}\n",
    );
    import(doc.as_bytes(), &ImportOptions::default()).unwrap();
}

#[test]
fn duplicate_paths() {
    let e = refused(&oas3(&format!(
        "  /pets:\n    get:\n{MOCK}  /pets/:\n    post:\n{MOCK}"
    )));
    assert_eq!(
        e.errors,
        [d(
            "$.paths['/pets/']",
            "Duplicate path: '/pets/' is the same resource (/pets) as '/pets'"
        )]
    );
    // The same key twice in YAML.
    let e = refused(&oas3(&format!(
        "  /pets:\n    get:\n{MOCK}  /pets:\n    post:\n{MOCK}"
    )));
    assert_eq!(
        e.errors,
        [d(
            "$.paths['/pets']",
            "Duplicate path '/pets' at line 7, column 3: a path may appear only once"
        )]
    );
}

#[test]
fn greedy_variable_must_be_last() {
    let e = refused(&oas3(&format!("  /a/{{proxy+}}/b:\n    get:\n{MOCK}")));
    assert_eq!(
        e.errors,
        [d(
            "$.paths['/a/{proxy+}/b']",
            "Cannot create a child of a resource with a greedy path variable: {proxy+}"
        )]
    );
}

#[test]
fn one_variable_per_level() {
    let e = refused(&oas3(&format!(
        "  /pets/{{id}}:\n    get:\n{MOCK}  /pets/{{petId}}/toys:\n    get:\n{MOCK}  /pets/{{proxy+}}:\n    get:\n{MOCK}"
    )));
    let message =
        "A sibling ({id}) of this resource already has a variable path part -- only one is allowed";
    assert_eq!(
        e.errors,
        [
            d("$.paths['/pets/{petId}/toys']", message),
            d("$.paths['/pets/{proxy+}']", message),
        ]
    );
}

#[test]
fn bad_path_parts() {
    let e = refused(&oas3(&format!(
        "  /a/{{b}}x:\n    get:\n{MOCK}  /c d:\n    get:\n{MOCK}  noslash:\n    get:\n{MOCK}  /e//f:\n    get:\n{MOCK}"
    )));
    assert_eq!(
        e.errors,
        [
            d(
                "$.paths['/a/{b}x']",
                "Invalid path '/a/{b}x': invalid path part '{b}x': a variable must fill the whole segment, as {name} or {name+}"
            ),
            d(
                "$.paths['/c d']",
                "Invalid path '/c d': invalid path part 'c d': only [A-Za-z0-9._:,-] are allowed in a literal segment"
            ),
            d(
                "$.paths.noslash",
                "Invalid path 'noslash': a path must start with '/'"
            ),
            d(
                "$.paths['/e//f']",
                "Invalid path '/e//f': path part is empty"
            ),
        ]
    );
}

#[test]
fn unknown_refs() {
    let e = refused(
        "openapi: 3.0.1\ninfo: {title: t}\npaths:\n  /pets:\n    get:\n      parameters:\n        - $ref: '#/components/parameters/Nope'\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Nope'}\n",
    );
    assert_eq!(
        e.errors,
        [
            d(
                "$.paths['/pets'].get.parameters[0].$ref",
                "unknown $ref '#/components/parameters/Nope'"
            ),
            d(
                "$.paths['/pets'].get.responses['200'].content['application/json'].schema.$ref",
                "unknown $ref '#/components/schemas/Nope'"
            ),
        ]
    );
    let e = refused(
        r##"{"swagger": "2.0", "info": {"title": "t"}, "paths": {},
            "definitions": {"A": {"properties": {"b": {"$ref": "#/definitions/Nope"}}},
                            "B": {"$ref": "other.json#/B"}}}"##,
    );
    assert_eq!(
        e.errors,
        [
            d(
                "$.definitions.A.properties.b.$ref",
                "unknown $ref '#/definitions/Nope'"
            ),
            d(
                "$.definitions.B.$ref",
                "External $ref 'other.json#/B' is not supported: the document must be self-contained"
            ),
        ]
    );
}

#[test]
fn missing_title() {
    let e = refused("openapi: 3.0.1\ninfo: {version: '1'}\npaths: {}\n");
    assert_eq!(
        e.errors,
        [d(
            "$.info.title",
            "Missing required field info.title: it becomes the API's name"
        )]
    );
    let e = refused("{\"swagger\": \"2.0\", \"paths\": {}}");
    assert_eq!(e.errors[0].path, "$.info.title");
    let e = refused("openapi: 3.0.1\ninfo: {title: ''}\n");
    assert_eq!(
        e.errors,
        [d("$.info.title", "info.title must not be empty")]
    );
}

#[test]
fn versions() {
    let e = refused("info: {title: t}\npaths: {}\n");
    assert_eq!(
        e.errors,
        [d(
            "$",
            "Not an OpenAPI document: expected 'openapi: 3.0.x' or 'swagger: \"2.0\"' at the root"
        )]
    );
    let e = refused("swagger: '1.2'\ninfo: {title: t}\n");
    assert_eq!(
        e.errors,
        [d(
            "$.swagger",
            "Unsupported Swagger version '1.2': expected \"2.0\""
        )]
    );
    let e = refused("openapi: 2.5.0\ninfo: {title: t}\n");
    assert_eq!(
        e.errors,
        [d(
            "$.openapi",
            "Unsupported OpenAPI version '2.5.0': expected 3.0.x"
        )]
    );
    // 3.1: a warning, then an import attempt.
    let ok = import(
        b"openapi: 3.1.0\ninfo: {title: t}\npaths: {}\n",
        &ImportOptions::default(),
    )
    .unwrap();
    assert_eq!(
        ok.warnings,
        [d(
            "$.openapi",
            "OpenAPI 3.1.0 is not supported by API Gateway, which reads OpenAPI 3.0.x; importing it as 3.0"
        )]
    );
    // Unquoted YAML 2.0 is a number, still Swagger 2.0.
    import(
        b"swagger: 2.0\ninfo: {title: t}\npaths: {}\n",
        &ImportOptions::default(),
    )
    .unwrap();
}

#[test]
fn non_object_roots() {
    for (doc, found) in [
        ("[1, 2]", "an array"),
        ("hello", "a string"),
        ("42", "a number"),
        ("null", "null"),
        ("- a\n- b\n", "an array"),
    ] {
        let e = refused(doc);
        assert_eq!(
            e.errors,
            [d(
                "$",
                &format!(
                    "The document must be an object (a JSON object or a YAML mapping), found {found}"
                )
            )],
            "{doc}"
        );
    }
    assert_eq!(refused("  \n\t ").errors, [d("$", "The document is empty")]);
}

#[test]
fn garbage_bytes() {
    let e = import(b"\xff\xfe\x00garbage\x80", &ImportOptions::default()).unwrap_err();
    assert_eq!(
        e.errors,
        [d(
            "$",
            "The document is not UTF-8 text (invalid byte at offset 0)"
        )]
    );
    for doc in [
        "%%%@@@!!!",
        "{{{{",
        "}",
        "\u{0}\u{1}\u{2}",
        ": : :",
        "? ? ?",
        "&a [*a]",
        "!!binary AAAA",
        "{\"openapi\": \"3.0.1\", \"info\": {\"title\": 1e999}}",
        "openapi: 3.0.1\ninfo: {title: t}\npaths: {/a: [1, 2]}\n",
        "openapi: 3.0.1\ninfo: {title: t}\npaths: {/a: {get: [1]}}\n",
        "openapi: 3.0.1\ninfo: {title: t}\npaths: {/a: {get: {parameters: {a: 1}, responses: [], security: 3}}}\n",
        "openapi: 3.0.1\ninfo: {title: t}\npaths: 7\ncomponents: 8\n",
        "openapi: 3.0.1\ninfo: {title: t}\ncomponents: {schemas: [1]}\n",
        "openapi: [3]\ninfo: {title: {a: b}}\n",
        "openapi: 3.0.1\ninfo: {title: t}\npaths:\n  /a:\n    $ref: '#/paths/~1a'\n",
        "openapi: 3.0.1\ninfo: {title: t}\npaths:\n  /a:\n    get:\n      x-amazon-apigateway-integration: [1]\n",
        "openapi: 3.0.1\ninfo: {title: t}\npaths:\n  /a:\n    get:\n      x-amazon-apigateway-integration: {type: mock, responses: {default: {statusCode: [1]}}}\n",
        "openapi: 3.0.1\ninfo: {title: t}\npaths:\n  /a:\n    get:\n      x-amazon-apigateway-integration: {type: 7, timeoutInMillis: -1, requestTemplates: 3}\n",
        "openapi: 3.0.1\ninfo: {title: t}\nx-amazon-apigateway-gateway-responses: [1]\nx-amazon-apigateway-policy: 3\nx-amazon-apigateway-minimum-compression-size: -5\n",
        "openapi: 3.0.1\ninfo: {title: t}\ncomponents: {securitySchemes: {a: {x-amazon-apigateway-authorizer: {type: token, authorizerResultTtlInSeconds: 99999999999999999999999}}}}\n",
    ] {
        // Any outcome but a panic; most of these are errors.
        let _ = import(doc.as_bytes(), &ImportOptions::default());
    }
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    let json = "{\"a\":".repeat(100_000);
    let e = import(json.as_bytes(), &ImportOptions::default()).unwrap_err();
    assert_eq!(e.errors[0].path, "$");
    assert!(
        e.errors[0].message.contains("recursion limit"),
        "{}",
        e.errors[0]
    );
    let flow = "[".repeat(100_000);
    import(flow.as_bytes(), &ImportOptions::default()).unwrap_err();
    let mut block = String::new();
    for depth in 0..500 {
        block.push_str(&" ".repeat(depth));
        block.push_str("a:\n");
    }
    import(block.as_bytes(), &ImportOptions::default()).unwrap_err();
    // Aliases that would splice deep trees together or blow up ("billion laughs").
    let mut laughs = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        .iter()
        .zip(["b", "c", "d", "e", "f", "g", "h", "i", "j"])
    {
        laughs.push_str(&format!("{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    import(laughs.as_bytes(), &ImportOptions::default()).unwrap_err();
    let mut deep_alias = String::from("a0: &a0 [x]\n");
    for i in 1..200 {
        deep_alias.push_str(&format!("a{i}: &a{i} [[[[[[[[*a{}]]]]]]]]\n", i - 1));
    }
    import(deep_alias.as_bytes(), &ImportOptions::default()).unwrap_err();
}

#[test]
fn size_limit() {
    let mut doc = b"openapi: 3.0.1\ninfo: {title: t}\n#".to_vec();
    doc.resize(MAX_DOCUMENT_BYTES + 1, b'x');
    let e = import(&doc, &ImportOptions::default()).unwrap_err();
    assert_eq!(
        e.errors,
        [d(
            "$",
            "The document is 6291457 bytes; API Gateway imports at most 6 MB (6291456 bytes)"
        )]
    );
}

#[test]
fn all_errors_are_reported_at_once() {
    let e = refused(
        "openapi: 3.0.1\ninfo: {title: t}\n\
         x-amazon-apigateway-request-validator: nope\n\
         x-amazon-apigateway-gateway-responses:\n  NOT_A_TYPE: {statusCode: '400'}\n\
         components:\n  schemas:\n    Bad-Name: {type: object}\n\
         paths:\n  /a:\n    get:\n      x-amazon-apigateway-integration: {type: soap}\n\
         \x20 /b/{proxy+}/c:\n    get:\n      x-amazon-apigateway-integration: {type: mock}\n",
    );
    assert_eq!(
        e.errors,
        [
            d(
                "$.components.schemas.Bad-Name",
                "Invalid model name 'Bad-Name': model names must be alphanumeric"
            ),
            d(
                "$.x-amazon-apigateway-request-validator",
                "Unknown request validator 'nope': it is not defined in x-amazon-apigateway-request-validators"
            ),
            d(
                "$.x-amazon-apigateway-gateway-responses.NOT_A_TYPE",
                "Invalid gateway response type 'NOT_A_TYPE': expected one of ACCESS_DENIED, API_CONFIGURATION_ERROR, AUTHORIZER_CONFIGURATION_ERROR, AUTHORIZER_FAILURE, BAD_REQUEST_PARAMETERS, BAD_REQUEST_BODY, DEFAULT_4XX, DEFAULT_5XX, EXPIRED_TOKEN, INTEGRATION_FAILURE, INTEGRATION_TIMEOUT, INVALID_API_KEY, INVALID_SIGNATURE, MISSING_AUTHENTICATION_TOKEN, QUOTA_EXCEEDED, REQUEST_TOO_LARGE, RESOURCE_NOT_FOUND, THROTTLED, UNAUTHORIZED, UNSUPPORTED_MEDIA_TYPE, WAF_FILTERED"
            ),
            d(
                "$.paths['/a'].get.x-amazon-apigateway-integration.type",
                "Invalid integration type 'soap': expected one of aws, aws_proxy, http, http_proxy, mock (any case)"
            ),
            d(
                "$.paths['/b/{proxy+}/c']",
                "Cannot create a child of a resource with a greedy path variable: {proxy+}"
            ),
        ]
    );
}

#[test]
fn request_parameter_values_must_be_strings() {
    let doc = "swagger: '2.0'\ninfo: {title: t}\npaths:\n  /test:\n    get:\n      parameters:\n        - {name: h, in: header, type: string}\n      x-amazon-apigateway-integration:\n        type: mock\n        requestParameters:\n          integration.request.header.nothing: true\n          integration.request.header.h: method.request.header.h\n";
    let ok = import(doc.as_bytes(), &ImportOptions::default()).unwrap();
    assert_eq!(
        ok.warnings,
        [d(
            "$.paths['/test'].get.x-amazon-apigateway-integration.requestParameters['integration.request.header.nothing']",
            "Invalid format for 'requestParameters'. Expected type string for property 'integration.request.header.nothing' of resource '/test' and method 'GET' but got 'true'"
        )]
    );
    let m = &ok.definition.resources[1].resource_methods[&tollgate_model::HttpMethod::Get];
    assert_eq!(
        m.method_integration
            .as_ref()
            .unwrap()
            .request_parameters
            .len(),
        1
    );
    // With failonwarnings, the warning refuses the document.
    let options = ImportOptions {
        fail_on_warnings: true,
        ..Default::default()
    };
    let e = import(doc.as_bytes(), &options).unwrap_err();
    assert_eq!(e.errors, ok.warnings);
}

#[test]
fn mapped_parameters_must_be_declared() {
    let e = refused(
        "openapi: 3.0.1\ninfo: {title: t}\npaths:\n  /{proxy+}:\n    x-amazon-apigateway-any-method:\n      responses:\n        '200': {description: ok}\n      x-amazon-apigateway-integration:\n        type: http_proxy\n        httpMethod: ANY\n        uri: https://example.com/{proxy}\n        requestParameters:\n          integration.request.path.proxy: method.request.path.proxy\n        responses:\n          default:\n            statusCode: '200'\n            responseParameters:\n              method.response.header.X-Up: \"'1'\"\n",
    );
    assert_eq!(
        e.errors,
        [
            d(
                "$.paths['/{proxy+}'].x-amazon-apigateway-any-method.x-amazon-apigateway-integration.requestParameters['integration.request.path.proxy']",
                "Unable to put integration on 'ANY' for resource at path '/{proxy+}': Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: method.request.path.proxy]"
            ),
            d(
                "$.paths['/{proxy+}'].x-amazon-apigateway-any-method.x-amazon-apigateway-integration.responses.default.responseParameters['method.response.header.X-Up']",
                "Unable to put integration response on 'ANY' for resource at path '/{proxy+}': Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: method.response.header.X-Up]"
            ),
        ]
    );
}

#[test]
fn security_errors() {
    let e = refused(
        "openapi: 3.0.1\ninfo: {title: t}\ncomponents:\n  securitySchemes:\n    bad:\n      type: apiKey\n      name: Authorization\n      in: header\n      x-amazon-apigateway-authorizer: {type: jwt}\n    nouri:\n      type: apiKey\n      name: Authorization\n      in: header\n      x-amazon-apigateway-authorizer: {type: token}\npaths:\n  /a:\n    get:\n      security: [{ghost: []}]\n      x-amazon-apigateway-integration: {type: mock}\n",
    );
    assert_eq!(
        e.errors,
        [
            d(
                "$.components.securitySchemes.bad.x-amazon-apigateway-authorizer.type",
                "Invalid authorizer type 'jwt': expected one of token, request, cognito_user_pools"
            ),
            d(
                "$.components.securitySchemes.nouri.x-amazon-apigateway-authorizer.authorizerUri",
                "Missing authorizerUri: a TOKEN authorizer needs the Lambda function's invocation URI"
            ),
            d(
                "$.paths['/a'].get.security[0].ghost",
                "Unknown security scheme 'ghost': it is not defined in components.securitySchemes"
            ),
        ]
    );
}

#[test]
fn inline_and_duplicate_integration_responses() {
    let e = refused(
        "openapi: 3.0.1\ninfo: {title: t}\npaths:\n  /a:\n    get:\n      responses: {'200': {description: ok}}\n      x-amazon-apigateway-integration:\n        type: mock\n        responses:\n          default: {statusCode: '200'}\n          '2\\d{2}': {statusCode: 200}\n          '5\\d{2}': {}\n",
    );
    assert_eq!(
        e.errors,
        [
            d(
                "$.paths['/a'].get.x-amazon-apigateway-integration.responses['2\\\\d{2}'].statusCode",
                "Integration responses 'default' and '2\\d{2}' both map to status code 200: a method has one integration response per status code"
            ),
            d(
                "$.paths['/a'].get.x-amazon-apigateway-integration.responses['5\\\\d{2}'].statusCode",
                "Missing statusCode: every integration response needs the method response status it maps to"
            ),
        ]
    );
}

/// Cheap fuzzing: every prefix and many single-byte mutations of the sample documents must give
/// a result, never a panic.
#[test]
fn mutated_samples_never_panic() {
    let dir = format!("{}/tests/data", env!("CARGO_MANIFEST_DIR"));
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let replacements = b"{}[]:,'\"-?&*!|> \n\t#$/\\0x";
    for name in [
        "petstore-oas3.yaml",
        "petstore-swagger2.json",
        "secured-oas3.yaml",
    ] {
        let doc = std::fs::read(format!("{dir}/{name}")).unwrap();
        for cut in (0..doc.len()).step_by(13) {
            let _ = import(&doc[..cut], &ImportOptions::default());
        }
        for _ in 0..400 {
            let mut m = doc.clone();
            for _ in 0..3 {
                let at = (next() as usize) % m.len();
                m[at] = replacements[(next() as usize) % replacements.len()];
            }
            let _ = import(&m, &ImportOptions::default());
        }
    }
}

#[test]
fn resource_policies_the_gateway_cannot_enforce_are_refused() {
    let doc = |policy: &str| {
        format!(
            "openapi: 3.0.1\ninfo: {{title: t, version: '1'}}\nx-amazon-apigateway-policy: {policy}\npaths:\n  /a:\n    get:\n{MOCK}"
        )
    };
    for bad in [
        r#"{Version: '2012-10-17', Statement: [{Effect: Perhaps, Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*'}]}"#,
        r#"{Version: '2012-10-17', Statement: [{Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*'}]}"#,
        r#"{Version: '2012-10-17', Statement: 'everything'}"#,
    ] {
        let e = refused(&doc(bad));
        assert_eq!(e.errors.len(), 1, "{bad}: {:?}", e.errors);
        assert_eq!(e.errors[0].path, "$.x-amazon-apigateway-policy");
        assert!(
            e.errors[0].message.starts_with(
                "Invalid policy document. Please check the policy syntax and ensure that Principals are valid."
            ),
            "{}",
            e.errors[0]
        );
    }
    let ok = r#"{Version: '2012-10-17', Statement: [{Effect: Allow, Principal: '*', Action: 'execute-api:Invoke', Resource: 'execute-api:/*'}]}"#;
    let imported = import(doc(ok).as_bytes(), &ImportOptions::default()).expect("imports");
    assert!(
        imported
            .definition
            .rest_api
            .policy
            .as_deref()
            .is_some_and(|p| p.contains("arn:aws:execute-api:"))
    );
}
