//! Export of a definition as OpenAPI 3.0.1 or Swagger 2.0, shaped like AWS's GetExport.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use tollgate_model::{
    ApiDefinition, ApiKeySource, AuthorizationType, Authorizer, ConnectionType, ContentHandling,
    HttpMethod, Integration, Method, PassthroughBehavior,
};

use crate::documentation::ExportedDocumentation;
use crate::import::{Flavor, MODEL_URL_PREFIX};
use crate::{AWS_ACCOUNT_ID, AWS_PARTITION, AWS_REGION};

const OPERATION_ORDER: [(HttpMethod, &str); 8] = [
    (HttpMethod::Get, "get"),
    (HttpMethod::Post, "post"),
    (HttpMethod::Put, "put"),
    (HttpMethod::Delete, "delete"),
    (HttpMethod::Patch, "patch"),
    (HttpMethod::Head, "head"),
    (HttpMethod::Options, "options"),
    (HttpMethod::Any, "x-amazon-apigateway-any-method"),
];

/// Exports `definition` as deployed to `stage` in OpenAPI 3.0.1 (AWS's `oas30`). With
/// `with_extensions`, the `x-amazon-apigateway-*` extensions (integrations, validators,
/// authorizers, gateway responses, ...) are included, as AWS's `extensions=integrations` /
/// `apigateway` do.
pub fn export_oas30(definition: &ApiDefinition, stage: &str, with_extensions: bool) -> Value {
    Exporter::new(definition, Flavor::Oas3, with_extensions).document(stage)
}

/// Exports `definition` as deployed to `stage` in Swagger 2.0 (AWS's `swagger`).
pub fn export_swagger2(definition: &ApiDefinition, stage: &str, with_extensions: bool) -> Value {
    Exporter::new(definition, Flavor::Swagger2, with_extensions).document(stage)
}

/// What an export carries besides the definition.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportOptions<'a> {
    /// The `x-amazon-apigateway-*` extensions of the definition (see [`export_oas30`]).
    pub extensions: bool,
    /// The stage's documentation version: `x-amazon-apigateway-documentation` and the parts'
    /// OpenAPI attributes in the definitions (see the `documentation` module).
    pub documentation: Option<ExportedDocumentation<'a>>,
}

/// [`export_oas30`] with documentation.
pub fn export_oas30_with(
    definition: &ApiDefinition,
    stage: &str,
    options: &ExportOptions<'_>,
) -> Value {
    export_with(definition, Flavor::Oas3, stage, options)
}

/// [`export_swagger2`] with documentation.
pub fn export_swagger2_with(
    definition: &ApiDefinition,
    stage: &str,
    options: &ExportOptions<'_>,
) -> Value {
    export_with(definition, Flavor::Swagger2, stage, options)
}

fn export_with(
    definition: &ApiDefinition,
    flavor: Flavor,
    stage: &str,
    options: &ExportOptions<'_>,
) -> Value {
    let mut doc = Exporter::new(definition, flavor, options.extensions).document(stage);
    if let (Some(documentation), Some(map)) = (options.documentation, doc.as_object_mut()) {
        crate::documentation::export(map, flavor, documentation);
    }
    doc
}

struct Exporter<'a> {
    def: &'a ApiDefinition,
    flavor: Flavor,
    ext: bool,
    /// Security schemes used by the exported methods, in first-use order.
    schemes: Map<String, Value>,
}

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn string_map(m: &BTreeMap<String, String>) -> Value {
    Value::Object(
        m.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

fn content_handling(c: ContentHandling) -> &'static str {
    match c {
        ContentHandling::ConvertToBinary => "CONVERT_TO_BINARY",
        ContentHandling::ConvertToText => "CONVERT_TO_TEXT",
    }
}

fn passthrough(p: PassthroughBehavior) -> &'static str {
    match p {
        PassthroughBehavior::WhenNoMatch => "when_no_match",
        PassthroughBehavior::WhenNoTemplates => "when_no_templates",
        PassthroughBehavior::Never => "never",
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` for epoch seconds (AWS exports the creation time as the version when
/// the API has none).
pub(crate) fn iso8601(epoch: i64) -> String {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

impl<'a> Exporter<'a> {
    fn new(def: &'a ApiDefinition, flavor: Flavor, ext: bool) -> Self {
        Exporter {
            def,
            flavor,
            ext,
            schemes: Map::new(),
        }
    }

    fn model_ref(&self, name: &str) -> Value {
        json!({"$ref": format!("{}{name}", self.flavor.schema_prefix())})
    }

    /// Only `application/json` models are exported, so only those can be referenced.
    fn exported_model(&self, name: &str) -> bool {
        self.def
            .models
            .iter()
            .any(|m| m.name == name && m.content_type == "application/json")
    }

    fn document(mut self, stage: &str) -> Value {
        let api = &self.def.rest_api;
        let mut doc = Map::new();
        let mut info = Map::new();
        if let Some(d) = &api.description {
            info.insert("description".into(), Value::String(d.clone()));
        }
        info.insert(
            "version".into(),
            Value::String(
                api.version
                    .clone()
                    .unwrap_or_else(|| iso8601(api.created_date)),
            ),
        );
        info.insert("title".into(), Value::String(api.name.clone()));
        let host = format!("{}.execute-api.{AWS_REGION}.amazonaws.com", api.id);
        match self.flavor {
            Flavor::Oas3 => {
                doc.insert("openapi".into(), json!("3.0.1"));
                doc.insert("info".into(), Value::Object(info));
                let mut server = obj(vec![
                    ("url", json!(format!("https://{host}/{{basePath}}"))),
                    (
                        "variables",
                        json!({"basePath": {"default": format!("/{stage}")}}),
                    ),
                ]);
                if self.ext
                    && let (Some(ec), Some(server)) =
                        (self.endpoint_configuration(), server.as_object_mut())
                {
                    server.insert("x-amazon-apigateway-endpoint-configuration".into(), ec);
                }
                doc.insert("servers".into(), Value::Array(vec![server]));
            }
            Flavor::Swagger2 => {
                doc.insert("swagger".into(), json!("2.0"));
                doc.insert("info".into(), Value::Object(info));
                doc.insert("host".into(), Value::String(host));
                doc.insert("basePath".into(), Value::String(format!("/{stage}")));
                doc.insert("schemes".into(), json!(["https"]));
            }
        }
        let mut paths = Map::new();
        for resource in &self.def.resources {
            if resource.resource_methods.is_empty() {
                continue;
            }
            let mut item = Map::new();
            for (verb, key) in OPERATION_ORDER {
                if let Some(m) = resource.resource_methods.get(&verb) {
                    item.insert(key.to_owned(), self.operation(m));
                }
            }
            paths.insert(resource.path.clone(), Value::Object(item));
        }
        doc.insert("paths".into(), Value::Object(paths));
        let schemas = self.schemas();
        let schemes = std::mem::take(&mut self.schemes);
        match self.flavor {
            Flavor::Oas3 => {
                let mut components = Map::new();
                if !schemas.is_empty() {
                    components.insert("schemas".into(), Value::Object(schemas));
                }
                if !schemes.is_empty() {
                    components.insert("securitySchemes".into(), Value::Object(schemes));
                }
                doc.insert("components".into(), Value::Object(components));
            }
            Flavor::Swagger2 => {
                if !schemes.is_empty() {
                    doc.insert("securityDefinitions".into(), Value::Object(schemes));
                }
                if !schemas.is_empty() {
                    doc.insert("definitions".into(), Value::Object(schemas));
                }
            }
        }
        if self.ext {
            self.root_extensions(&mut doc);
        }
        Value::Object(doc)
    }

    fn endpoint_configuration(&self) -> Option<Value> {
        let api = &self.def.rest_api;
        let ids = &api.endpoint_configuration.vpc_endpoint_ids;
        if !api.disable_execute_api_endpoint && ids.is_empty() {
            return None;
        }
        let mut ec = Map::new();
        if !ids.is_empty() {
            ec.insert("vpcEndpointIds".into(), json!(ids));
        }
        if api.disable_execute_api_endpoint {
            ec.insert("disableExecuteApiEndpoint".into(), json!(true));
        }
        Some(Value::Object(ec))
    }

    fn root_extensions(&self, doc: &mut Map<String, Value>) {
        let api = &self.def.rest_api;
        if !self.def.request_validators.is_empty() {
            let validators: Map<String, Value> = self
                .def
                .request_validators
                .iter()
                .map(|v| {
                    (
                        v.name.clone().unwrap_or_else(|| v.id.clone()),
                        json!({
                            "validateRequestParameters": v.validate_request_parameters,
                            "validateRequestBody": v.validate_request_body,
                        }),
                    )
                })
                .collect();
            doc.insert(
                "x-amazon-apigateway-request-validators".into(),
                Value::Object(validators),
            );
        }
        let custom: Map<String, Value> = self
            .def
            .gateway_responses
            .iter()
            .filter(|g| !g.default_response)
            .map(|g| {
                let mut r = Map::new();
                if let Some(s) = &g.status_code {
                    r.insert("statusCode".into(), Value::String(s.clone()));
                }
                if !g.response_parameters.is_empty() {
                    r.insert(
                        "responseParameters".into(),
                        string_map(&g.response_parameters),
                    );
                }
                if !g.response_templates.is_empty() {
                    r.insert(
                        "responseTemplates".into(),
                        string_map(&g.response_templates),
                    );
                }
                (g.response_type.as_str().to_owned(), Value::Object(r))
            })
            .collect();
        if !custom.is_empty() {
            doc.insert(
                "x-amazon-apigateway-gateway-responses".into(),
                Value::Object(custom),
            );
        }
        if !api.binary_media_types.is_empty() {
            doc.insert(
                "x-amazon-apigateway-binary-media-types".into(),
                json!(api.binary_media_types),
            );
        }
        if api.api_key_source == ApiKeySource::Authorizer {
            doc.insert(
                "x-amazon-apigateway-api-key-source".into(),
                json!("AUTHORIZER"),
            );
        }
        if let Some(size) = api.minimum_compression_size {
            doc.insert(
                "x-amazon-apigateway-minimum-compression-size".into(),
                json!(size),
            );
        }
        if let Some(mut policy) = api
            .policy
            .as_deref()
            .and_then(|p| serde_json::from_str::<Value>(p).ok())
        {
            // The API's own ARN back to the portable `execute-api:/` form the import expands.
            let arn = format!(
                "arn:{AWS_PARTITION}:execute-api:{AWS_REGION}:{AWS_ACCOUNT_ID}:{}/",
                api.id
            );
            shorten_policy_arns(&mut policy, &arn);
            doc.insert("x-amazon-apigateway-policy".into(), policy);
        }
        if self.flavor == Flavor::Swagger2
            && let Some(ec) = self.endpoint_configuration()
        {
            doc.insert("x-amazon-apigateway-endpoint-configuration".into(), ec);
        }
    }

    /// The exported models, `$ref`s pointed back at the document.
    fn schemas(&self) -> Map<String, Value> {
        let prefix = format!("{MODEL_URL_PREFIX}{}/models/", self.def.rest_api.id);
        let mut out = Map::new();
        for model in &self.def.models {
            if model.content_type != "application/json" {
                continue;
            }
            let Some(mut schema) = model
                .schema
                .as_deref()
                .and_then(|s| serde_json::from_str::<Value>(s).ok())
            else {
                continue;
            };
            if let Some(m) = schema.as_object_mut() {
                m.remove("$schema");
            }
            unrewrite_refs(&mut schema, &prefix, self.flavor.schema_prefix());
            out.insert(model.name.clone(), schema);
        }
        out
    }

    fn operation(&mut self, m: &Method) -> Value {
        let mut op = Map::new();
        if let Some(name) = &m.operation_name {
            op.insert("operationId".into(), Value::String(name.clone()));
        }
        let request_models: Vec<(&String, &String)> = m
            .request_models
            .iter()
            .filter(|(_, model)| self.exported_model(model))
            .collect();
        if self.flavor == Flavor::Swagger2 {
            if !request_models.is_empty() {
                let cts: Vec<&String> = request_models.iter().map(|(ct, _)| *ct).collect();
                op.insert("consumes".into(), json!(cts));
            }
            let mut produces: Vec<&String> = m
                .method_responses
                .values()
                .flat_map(|r| r.response_models.keys())
                .collect();
            produces.sort();
            produces.dedup();
            if produces.is_empty() {
                op.insert("produces".into(), json!(["application/json"]));
            } else {
                op.insert("produces".into(), json!(produces));
            }
        }
        let mut parameters = Vec::new();
        for (key, required) in &m.request_parameters {
            let Some(rest) = key.strip_prefix("method.request.") else {
                continue;
            };
            let Some((location, name)) = rest.split_once('.') else {
                continue;
            };
            let location = match location {
                "path" => "path",
                "querystring" | "multivaluequerystring" => "query",
                "header" | "multivalueheader" => "header",
                _ => continue,
            };
            let mut p = Map::new();
            p.insert("name".into(), json!(name));
            p.insert("in".into(), json!(location));
            if *required || location == "path" {
                p.insert("required".into(), json!(true));
            }
            match self.flavor {
                Flavor::Swagger2 => {
                    p.insert("type".into(), json!("string"));
                }
                Flavor::Oas3 => {
                    p.insert("schema".into(), json!({"type": "string"}));
                }
            }
            parameters.push(Value::Object(p));
        }
        // Path parameters first, as AWS lists them.
        parameters.sort_by_key(|p| p.get("in").and_then(Value::as_str) != Some("path"));
        match self.flavor {
            Flavor::Swagger2 => {
                let body = request_models
                    .iter()
                    .find(|(ct, _)| ct.as_str() == "application/json")
                    .or(request_models.first());
                if let Some((_, model)) = body {
                    parameters.push(json!({
                        "in": "body",
                        "name": model,
                        "required": true,
                        "schema": self.model_ref(model),
                    }));
                }
            }
            Flavor::Oas3 => {}
        }
        if !parameters.is_empty() {
            op.insert("parameters".into(), Value::Array(parameters));
        }
        if self.flavor == Flavor::Oas3 && !request_models.is_empty() {
            let content: Map<String, Value> = request_models
                .iter()
                .map(|(ct, model)| ((*ct).clone(), json!({"schema": self.model_ref(model)})))
                .collect();
            op.insert(
                "requestBody".into(),
                json!({"content": content, "required": true}),
            );
        }
        let mut responses = Map::new();
        for (code, r) in &m.method_responses {
            let mut out = Map::new();
            out.insert("description".into(), json!(format!("{code} response")));
            let headers: Map<String, Value> = r
                .response_parameters
                .keys()
                .filter_map(|k| k.strip_prefix("method.response.header."))
                .map(|h| {
                    let schema = match self.flavor {
                        Flavor::Swagger2 => json!({"type": "string"}),
                        Flavor::Oas3 => json!({"schema": {"type": "string"}}),
                    };
                    (h.to_owned(), schema)
                })
                .collect();
            let models: Vec<(&String, &String)> = r
                .response_models
                .iter()
                .filter(|(_, model)| self.exported_model(model))
                .collect();
            match self.flavor {
                Flavor::Swagger2 => {
                    let model = models
                        .iter()
                        .find(|(ct, _)| ct.as_str() == "application/json")
                        .or(models.first());
                    if let Some((_, model)) = model {
                        out.insert("schema".into(), self.model_ref(model));
                    }
                    if !headers.is_empty() {
                        out.insert("headers".into(), Value::Object(headers));
                    }
                }
                Flavor::Oas3 => {
                    if !headers.is_empty() {
                        out.insert("headers".into(), Value::Object(headers));
                    }
                    if !models.is_empty() {
                        let content: Map<String, Value> = models
                            .iter()
                            .map(|(ct, model)| {
                                ((*ct).clone(), json!({"schema": self.model_ref(model)}))
                            })
                            .collect();
                        out.insert("content".into(), Value::Object(content));
                    }
                }
            }
            responses.insert(code.clone(), Value::Object(out));
        }
        op.insert("responses".into(), Value::Object(responses));
        let security = self.security(m);
        if !security.is_empty() {
            op.insert("security".into(), json!([security]));
        }
        if self.ext {
            if let Some(name) = m.request_validator_id.as_ref().and_then(|id| {
                self.def
                    .request_validators
                    .iter()
                    .find(|v| &v.id == id)
                    .and_then(|v| v.name.clone())
            }) {
                op.insert(
                    "x-amazon-apigateway-request-validator".into(),
                    Value::String(name),
                );
            }
            if let Some(i) = &m.method_integration {
                op.insert("x-amazon-apigateway-integration".into(), integration(i));
            }
        }
        Value::Object(op)
    }

    /// One security requirement object for the method; registers the schemes it names.
    fn security(&mut self, m: &Method) -> Map<String, Value> {
        let mut requirement = Map::new();
        match m.authorization_type {
            AuthorizationType::None => {}
            AuthorizationType::AwsIam => {
                let mut scheme = obj(vec![
                    ("type", json!("apiKey")),
                    ("name", json!("Authorization")),
                    ("in", json!("header")),
                ]);
                if self.ext
                    && let Some(s) = scheme.as_object_mut()
                {
                    s.insert("x-amazon-apigateway-authtype".into(), json!("awsSigv4"));
                }
                self.schemes.entry("sigv4").or_insert(scheme);
                requirement.insert("sigv4".into(), json!([]));
            }
            AuthorizationType::Custom | AuthorizationType::CognitoUserPools => {
                if let Some(a) = m
                    .authorizer_id
                    .as_ref()
                    .and_then(|id| self.def.authorizers.iter().find(|a| &a.id == id))
                {
                    let scheme = self.authorizer_scheme(a);
                    self.schemes.entry(a.name.clone()).or_insert(scheme);
                    requirement.insert(a.name.clone(), json!(m.authorization_scopes));
                }
            }
        }
        if m.api_key_required {
            self.schemes
                .entry("api_key")
                .or_insert_with(|| json!({"type": "apiKey", "name": "x-api-key", "in": "header"}));
            requirement.insert("api_key".into(), json!([]));
        }
        requirement
    }

    fn authorizer_scheme(&self, a: &Authorizer) -> Value {
        let header = a
            .identity_source
            .as_deref()
            .and_then(|s| s.strip_prefix("method.request.header."))
            .filter(|h| !h.contains([',', ' ']))
            .unwrap_or("Unused");
        let mut scheme = Map::new();
        scheme.insert("type".into(), json!("apiKey"));
        scheme.insert("name".into(), json!(header));
        scheme.insert("in".into(), json!("header"));
        if self.ext {
            let default_auth_type = if a.kind == "COGNITO_USER_POOLS" {
                "cognito_user_pools"
            } else {
                "custom"
            };
            scheme.insert(
                "x-amazon-apigateway-authtype".into(),
                json!(a.auth_type.as_deref().unwrap_or(default_auth_type)),
            );
            let mut ext = Map::new();
            ext.insert("type".into(), json!(a.kind.to_ascii_lowercase()));
            if let Some(u) = &a.authorizer_uri {
                ext.insert("authorizerUri".into(), json!(u));
            }
            if let Some(c) = &a.authorizer_credentials {
                ext.insert("authorizerCredentials".into(), json!(c));
            }
            if !a.provider_arns.is_empty() {
                ext.insert("providerARNs".into(), json!(a.provider_arns));
            }
            if a.kind != "TOKEN"
                && let Some(s) = &a.identity_source
            {
                ext.insert("identitySource".into(), json!(s));
            }
            if let Some(e) = &a.identity_validation_expression {
                ext.insert("identityValidationExpression".into(), json!(e));
            }
            if let Some(ttl) = a.authorizer_result_ttl_in_seconds {
                ext.insert("authorizerResultTtlInSeconds".into(), json!(ttl));
            }
            scheme.insert("x-amazon-apigateway-authorizer".into(), Value::Object(ext));
        }
        Value::Object(scheme)
    }
}

fn integration(i: &Integration) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), json!(i.kind.as_str().to_ascii_lowercase()));
    if let Some(h) = &i.http_method {
        out.insert("httpMethod".into(), json!(h));
    }
    if let Some(u) = &i.uri {
        out.insert("uri".into(), json!(u));
    }
    if let Some(c) = &i.credentials {
        out.insert("credentials".into(), json!(c));
    }
    if i.connection_type == ConnectionType::VpcLink {
        out.insert("connectionType".into(), json!("VPC_LINK"));
    }
    if let Some(c) = &i.connection_id {
        out.insert("connectionId".into(), json!(c));
    }
    if !i.request_parameters.is_empty() {
        out.insert(
            "requestParameters".into(),
            string_map(&i.request_parameters),
        );
    }
    if !i.request_templates.is_empty() {
        out.insert("requestTemplates".into(), string_map(&i.request_templates));
    }
    out.insert(
        "passthroughBehavior".into(),
        json!(passthrough(i.passthrough_behavior)),
    );
    if let Some(c) = i.content_handling {
        out.insert("contentHandling".into(), json!(content_handling(c)));
    }
    if i.timeout_in_millis != Integration::DEFAULT_TIMEOUT_MS {
        out.insert("timeoutInMillis".into(), json!(i.timeout_in_millis));
    }
    if let Some(n) = &i.cache_namespace {
        out.insert("cacheNamespace".into(), json!(n));
    }
    if !i.cache_key_parameters.is_empty() {
        out.insert("cacheKeyParameters".into(), json!(i.cache_key_parameters));
    }
    if let Some(tls) = &i.tls_config {
        out.insert(
            "tlsConfig".into(),
            json!({"insecureSkipVerification": tls.insecure_skip_verification}),
        );
    }
    if !i.integration_responses.is_empty() {
        let mut responses = Map::new();
        for r in i.integration_responses.values() {
            let mut o = Map::new();
            o.insert("statusCode".into(), json!(r.status_code));
            if !r.response_parameters.is_empty() {
                o.insert(
                    "responseParameters".into(),
                    string_map(&r.response_parameters),
                );
            }
            if !r.response_templates.is_empty() {
                o.insert(
                    "responseTemplates".into(),
                    string_map(&r.response_templates),
                );
            }
            if let Some(c) = r.content_handling {
                o.insert("contentHandling".into(), json!(content_handling(c)));
            }
            let key = match r.selection_pattern.as_deref() {
                Some(p) if !p.is_empty() => p.to_owned(),
                _ => "default".to_owned(),
            };
            responses.insert(key, Value::Object(o));
        }
        out.insert("responses".into(), Value::Object(responses));
    }
    Value::Object(out)
}

fn shorten_policy_arns(v: &mut Value, arn: &str) {
    match v {
        Value::String(s) => {
            if let Some(rest) = s.strip_prefix(arn) {
                *s = format!("execute-api:/{rest}");
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| shorten_policy_arns(i, arn)),
        Value::Object(map) => map.values_mut().for_each(|i| shorten_policy_arns(i, arn)),
        _ => {}
    }
}

/// The inverse of the import's rewrite: model URLs back to document `$ref`s.
fn unrewrite_refs(v: &mut Value, url_prefix: &str, ref_prefix: &str) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                match child {
                    Value::String(s) if k == "$ref" => {
                        if let Some(rest) = s.strip_prefix(url_prefix) {
                            let (name, tail) = match rest.split_once("#/") {
                                Some((n, t)) => (n, format!("/{t}")),
                                None => (rest, String::new()),
                            };
                            *s = format!("{ref_prefix}{name}{tail}");
                        }
                    }
                    other => unrewrite_refs(other, url_prefix, ref_prefix),
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|i| unrewrite_refs(i, url_prefix, ref_prefix)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_format_like_aws() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_473_722_368), "2016-09-12T23:19:28Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
    }
}
