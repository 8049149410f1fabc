//! import → export → import gives the same API (ids aside), in both export formats.

use std::collections::BTreeMap;

use serde_json::Value;
use tollgate_model::{ApiDefinition, HttpMethod, Method};
use tollgate_openapi::{ImportOptions, export_oas30, export_swagger2, import};

fn data(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn import_ok(doc: &[u8]) -> ApiDefinition {
    match import(doc, &ImportOptions::default()) {
        Ok(i) => i.definition,
        Err(e) => panic!("{e}"),
    }
}

/// Resource path → verb → method, with ids replaced by the names they stand for.
fn methods(def: &ApiDefinition) -> BTreeMap<String, BTreeMap<HttpMethod, Method>> {
    def.resources
        .iter()
        .map(|r| {
            let methods = r
                .resource_methods
                .iter()
                .map(|(verb, m)| {
                    let mut m = m.clone();
                    m.request_validator_id = m.request_validator_id.map(|id| {
                        def.request_validators
                            .iter()
                            .find(|v| v.id == id)
                            .and_then(|v| v.name.clone())
                            .unwrap_or_default()
                    });
                    m.authorizer_id = m.authorizer_id.map(|id| {
                        def.authorizers
                            .iter()
                            .find(|a| a.id == id)
                            .map(|a| a.name.clone())
                            .unwrap_or_default()
                    });
                    (*verb, m)
                })
                .collect();
            (r.path.clone(), methods)
        })
        .collect()
}

/// Everything but ids, dates and warnings, as JSON with the API id blanked.
fn comparable(def: &ApiDefinition) -> Value {
    let mut authorizers = def.authorizers.clone();
    authorizers.iter_mut().for_each(|a| a.id.clear());
    authorizers.sort_by(|a, b| a.name.cmp(&b.name));
    let mut validators = def.request_validators.clone();
    validators.iter_mut().for_each(|v| v.id.clear());
    let mut models: Vec<(String, Value)> = def
        .models
        .iter()
        .map(|m| {
            let schema: Value =
                serde_json::from_str(m.schema.as_deref().unwrap_or("null")).unwrap();
            let mut schema = schema;
            if let Some(o) = schema.as_object_mut() {
                o.remove("$schema");
            }
            let text = schema.to_string().replace(&def.rest_api.id, "API");
            (m.name.clone(), serde_json::from_str(&text).unwrap())
        })
        .collect();
    models.sort_by(|a, b| a.0.cmp(&b.0));
    let api = &def.rest_api;
    let value = serde_json::json!({
        "name": api.name,
        "description": api.description,
        "version": api.version,
        "binaryMediaTypes": api.binary_media_types,
        "minimumCompressionSize": api.minimum_compression_size,
        "apiKeySource": api.api_key_source,
        "vpcEndpointIds": api.endpoint_configuration.vpc_endpoint_ids,
        "disableExecuteApiEndpoint": api.disable_execute_api_endpoint,
        "policy": api.policy,
        "methods": serde_json::to_value(methods(def)).unwrap(),
        "paths": def.resources.iter().map(|r| r.path.clone()).collect::<Vec<_>>(),
        "authorizers": authorizers,
        "validators": validators,
        "gatewayResponses": def.gateway_responses,
        "models": models,
    });
    serde_json::from_str(&value.to_string().replace(&def.rest_api.id, "API")).unwrap()
}

#[test]
fn round_trips() {
    for name in [
        "petstore-oas3.yaml",
        "petstore-swagger2.json",
        "secured-oas3.yaml",
    ] {
        let first = import_ok(&data(name));
        for (format, exported) in [
            ("oas30", export_oas30(&first, "prod", true)),
            ("swagger", export_swagger2(&first, "prod", true)),
        ] {
            let text = serde_json::to_vec_pretty(&exported).unwrap();
            let second = import_ok(&text);
            let (a, b) = (comparable(&first), comparable(&second));
            for key in a.as_object().unwrap().keys() {
                assert_eq!(
                    serde_json::to_string_pretty(&a[key]).unwrap(),
                    serde_json::to_string_pretty(&b[key]).unwrap(),
                    "{name} via {format}: {key}"
                );
            }
            assert_eq!(
                comparable(&first),
                comparable(&second),
                "{name} via {format}:\n{}",
                String::from_utf8_lossy(&text)
            );
        }
    }
}

#[test]
fn export_has_aws_shape() {
    let def = import_ok(&data("petstore-swagger2.json"));
    let id = &def.rest_api.id;
    let oas = export_oas30(&def, "prod", true);
    assert_eq!(oas["openapi"], "3.0.1");
    assert_eq!(
        oas["servers"],
        serde_json::json!([{
            "url": format!("https://{id}.execute-api.us-east-1.amazonaws.com/{{basePath}}"),
            "variables": {"basePath": {"default": "/prod"}}
        }])
    );
    let any = &oas["paths"]["/store/{proxy+}"]["x-amazon-apigateway-any-method"];
    assert_eq!(any["x-amazon-apigateway-integration"]["type"], "http_proxy");
    assert_eq!(
        any["x-amazon-apigateway-integration"]["passthroughBehavior"],
        "when_no_match"
    );
    assert_eq!(
        oas["paths"]["/pets"]["get"]["responses"]["200"]["description"],
        "200 response"
    );
    assert_eq!(
        oas["components"]["schemas"]["Empty"],
        serde_json::json!({"title": "Empty Schema", "type": "object"})
    );
    assert_eq!(
        oas["components"]["schemas"]["Pets"]["items"]["$ref"],
        "#/components/schemas/Pet"
    );

    let swagger = export_swagger2(&def, "prod", true);
    assert_eq!(swagger["swagger"], "2.0");
    assert_eq!(
        swagger["host"],
        format!("{id}.execute-api.us-east-1.amazonaws.com")
    );
    assert_eq!(swagger["basePath"], "/prod");
    assert_eq!(swagger["schemes"], serde_json::json!(["https"]));
    assert_eq!(
        swagger["definitions"]["Pets"]["items"]["$ref"],
        "#/definitions/Pet"
    );
    let post = &swagger["paths"]["/pets"]["post"];
    assert_eq!(
        post["parameters"][1],
        serde_json::json!({"in": "body", "name": "NewPet", "required": true, "schema": {"$ref": "#/definitions/NewPet"}})
    );

    // Without extensions: no integrations, validators or gateway responses (ANY methods still
    // need x-amazon-apigateway-any-method).
    let plain = export_oas30(&def, "prod", false).to_string();
    assert!(
        !plain.contains("x-amazon-apigateway-integration"),
        "{plain}"
    );
    assert!(
        !plain.contains("x-amazon-apigateway-request-validator"),
        "{plain}"
    );
    assert!(
        !plain.contains("x-amazon-apigateway-gateway-responses"),
        "{plain}"
    );
    assert!(plain.contains("x-amazon-apigateway-any-method"), "{plain}");
}
