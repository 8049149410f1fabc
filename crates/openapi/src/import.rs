//! The mapping from an OpenAPI / Swagger document (already a `serde_json::Value`) to an
//! [`ApiDefinition`], following AWS's import rules.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value};
use tollgate_model::{
    ApiDefinition, ApiKeySource, AuthorizationType, Authorizer, ConnectionType, ContentHandling,
    GatewayResponse, GatewayResponseType, HttpMethod, Integration, IntegrationResponse,
    IntegrationType, Method, MethodResponse, Model, PassthroughBehavior, PathPart,
    RequestValidator, Resource, RestApi, TlsConfig,
};

use crate::diag::{Diags, NotEnforced};
use crate::jpath::JPath;
use crate::{
    AWS_ACCOUNT_ID, AWS_PARTITION, AWS_REGION, BasePathMode, ImportError, ImportOptions, Imported,
};

/// Where the models' `$ref`s point after import.
pub(crate) const MODEL_URL_PREFIX: &str = "https://apigateway.amazonaws.com/restapis/";

/// AWS's limit on one model's schema text.
const MAX_MODEL_SCHEMA_BYTES: usize = 400 * 1024;

/// The operations of a path item, in the order their methods are created.
const OPERATIONS: [(&str, HttpMethod); 8] = [
    ("get", HttpMethod::Get),
    ("put", HttpMethod::Put),
    ("post", HttpMethod::Post),
    ("delete", HttpMethod::Delete),
    ("patch", HttpMethod::Patch),
    ("head", HttpMethod::Head),
    ("options", HttpMethod::Options),
    (ANY_METHOD, HttpMethod::Any),
];

const ANY_METHOD: &str = "x-amazon-apigateway-any-method";
const INTEGRATION: &str = "x-amazon-apigateway-integration";
const VALIDATOR: &str = "x-amazon-apigateway-request-validator";
const VALIDATORS: &str = "x-amazon-apigateway-request-validators";
const AUTHORIZER: &str = "x-amazon-apigateway-authorizer";
const AUTHTYPE: &str = "x-amazon-apigateway-authtype";
const AUTH: &str = "x-amazon-apigateway-auth";
const ENDPOINT_CONFIGURATION: &str = "x-amazon-apigateway-endpoint-configuration";
const EXTENSION_PREFIX: &str = "x-amazon-apigateway-";

const INTEGRATION_TYPES: &str = "aws, aws_proxy, http, http_proxy, mock";

/// Swagger 2.0 or OpenAPI 3.x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Swagger2,
    Oas3,
}

impl Flavor {
    /// The `$ref` prefix of the document's schemas, which become models.
    pub(crate) fn schema_prefix(self) -> &'static str {
        match self {
            Flavor::Swagger2 => "#/definitions/",
            Flavor::Oas3 => "#/components/schemas/",
        }
    }

    fn schemas_location(self) -> &'static str {
        match self {
            Flavor::Swagger2 => "definitions",
            Flavor::Oas3 => "components.schemas",
        }
    }

    fn schemes_location(self) -> &'static str {
        match self {
            Flavor::Swagger2 => "securityDefinitions",
            Flavor::Oas3 => "components.securitySchemes",
        }
    }
}

/// What a security scheme means to API Gateway.
#[derive(Debug, Clone)]
enum Scheme {
    ApiKey,
    Iam,
    Authorizer {
        id: String,
        cognito: bool,
    },
    /// Not expressible in API Gateway (warned where it is defined).
    Ignored,
}

/// "an object", "a string", ... for messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A string, or a number written without quotes (YAML `statusCode: 200`, `version: 1.0`).
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// How a non-string value reads in AWS's "but got '...'" messages.
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn is_status_code(s: &str) -> bool {
    s.len() == 3
        && s.bytes().all(|b| b.is_ascii_digit())
        && matches!(s.as_bytes().first(), Some(b'1'..=b'5'))
}

fn needs_vtl(template: &str) -> bool {
    template.contains(['$', '#'])
}

/// Replaces `${AWS::Region}`, `${AWS::AccountId}` and `${AWS::Partition}` in every string value.
fn substitute_pseudo_parameters(v: &mut Value) {
    match v {
        Value::String(s) if s.contains("${AWS::") => {
            *s = s
                .replace("${AWS::Region}", AWS_REGION)
                .replace("${AWS::AccountId}", AWS_ACCOUNT_ID)
                .replace("${AWS::Partition}", AWS_PARTITION);
        }
        Value::Array(items) => items.iter_mut().for_each(substitute_pseudo_parameters),
        Value::Object(map) => map.values_mut().for_each(substitute_pseudo_parameters),
        _ => {}
    }
}

/// Points the schema's `$ref`s at the API's models, as AWS stores them.
pub(crate) fn rewrite_schema_refs(v: &mut Value, prefix: &str, api_id: &str) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                match child {
                    Value::String(s) if k == "$ref" => {
                        if let Some(rest) = s.strip_prefix(prefix) {
                            let (name, tail) = match rest.split_once('/') {
                                Some((n, t)) => (n, format!("#/{t}")),
                                None => (rest, String::new()),
                            };
                            *s = format!("{MODEL_URL_PREFIX}{api_id}/models/{name}{tail}");
                        }
                    }
                    other => rewrite_schema_refs(other, prefix, api_id),
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|i| rewrite_schema_refs(i, prefix, api_id)),
        _ => {}
    }
}

/// Runs the import on a parsed document.
pub(crate) fn import_value(
    mut doc: Value,
    options: &ImportOptions,
) -> Result<Imported, ImportError> {
    let mut d = Diags::default();
    if !doc.is_object() {
        d.error(
            &JPath::root(),
            format!(
                "The document must be an object (a JSON object or a YAML mapping), found {}",
                kind(&doc)
            ),
        );
        return finish(d, None, options);
    }
    substitute_pseudo_parameters(&mut doc);
    let mut importer = Importer {
        doc: &doc,
        root: doc.as_object().unwrap_or(&EMPTY_MAP),
        flavor: Flavor::Oas3,
        base_mode: options.base_path,
        d,
        definition: ApiDefinition::empty(RestApi::new("")),
        schemes: HashMap::new(),
        validators: HashMap::new(),
        default_validator: None,
        model_names: HashSet::new(),
        variable_child: HashMap::new(),
        by_path: HashMap::new(),
        defined_paths: HashMap::new(),
    };
    let definition = importer.run();
    finish(importer.d, definition, options)
}

static EMPTY_MAP: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

fn finish(
    mut d: Diags,
    definition: Option<ApiDefinition>,
    options: &ImportOptions,
) -> Result<Imported, ImportError> {
    if options.fail_on_warnings && !d.warnings.is_empty() {
        let warnings = std::mem::take(&mut d.warnings);
        d.errors.extend(warnings);
    }
    match definition {
        Some(mut definition) if !d.has_errors() => {
            definition.rest_api.warnings = d.warnings.iter().map(ToString::to_string).collect();
            Ok(Imported {
                definition,
                warnings: d.warnings,
            })
        }
        _ => Err(ImportError {
            errors: d.errors,
            warnings: d.warnings,
        }),
    }
}

struct Importer<'a> {
    doc: &'a Value,
    root: &'a Map<String, Value>,
    flavor: Flavor,
    base_mode: BasePathMode,
    d: Diags,
    definition: ApiDefinition,
    /// Security scheme name → meaning.
    schemes: HashMap<String, Scheme>,
    /// Request validator name → id.
    validators: HashMap<String, String>,
    /// The root `x-amazon-apigateway-request-validator`, as an id.
    default_validator: Option<String>,
    model_names: HashSet<String>,
    /// Resource index → the text of its one variable child (`{id}`, `{proxy+}`).
    variable_child: HashMap<usize, String>,
    /// Resource path → index in `definition.resources`.
    by_path: HashMap<String, usize>,
    /// Resource path → the `paths` key that defined it (for duplicates).
    defined_paths: HashMap<String, String>,
}

impl<'a> Importer<'a> {
    fn run(&mut self) -> Option<ApiDefinition> {
        let root = self.root;
        let flavor = self.flavor();
        let title = self.info();
        let (Some(flavor), Some(title)) = (flavor, title) else {
            return None;
        };
        self.flavor = flavor;
        self.definition.rest_api.name = title;
        self.check_refs(self.doc, &JPath::root());
        self.models();
        self.root_extensions();
        self.security_schemes();
        if let Some(security) = root.get("security")
            && security.as_array().is_some_and(|a| !a.is_empty())
        {
            self.d.warn(
                &JPath::root().key("security"),
                "Root-level security is ignored by API Gateway: declare security on each operation",
            );
        }
        let base = self.base_path();
        self.paths(&base);
        if let Err(errors) = self.definition.validate() {
            for e in errors {
                self.d.error(&JPath::root().key("paths"), e.to_string());
            }
        }
        if self.d.has_errors() {
            return None;
        }
        Some(std::mem::replace(
            &mut self.definition,
            ApiDefinition::empty(RestApi::new("")),
        ))
    }

    // ----- small typed readers that report what they refuse -----

    fn obj(&mut self, v: &'a Value, p: &JPath) -> Option<&'a Map<String, Value>> {
        match v {
            Value::Object(m) => Some(m),
            Value::Null => None,
            other => {
                self.d
                    .error(p, format!("Expected an object, found {}", kind(other)));
                None
            }
        }
    }

    fn arr(&mut self, v: &'a Value, p: &JPath) -> Option<&'a Vec<Value>> {
        match v {
            Value::Array(a) => Some(a),
            Value::Null => None,
            other => {
                self.d
                    .error(p, format!("Expected an array, found {}", kind(other)));
                None
            }
        }
    }

    fn str_field(&mut self, m: &'a Map<String, Value>, key: &str, p: &JPath) -> Option<&'a str> {
        match m.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => {
                self.d.error(
                    &p.key(key),
                    format!("Expected a string, found {}", kind(other)),
                );
                None
            }
        }
    }

    /// A string field where an unquoted number is fine too (`statusCode: 200`).
    fn text_field(&mut self, m: &'a Map<String, Value>, key: &str, p: &JPath) -> Option<String> {
        match m.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => match scalar_text(v) {
                Some(s) => Some(s),
                None => {
                    self.d
                        .error(&p.key(key), format!("Expected a string, found {}", kind(v)));
                    None
                }
            },
        }
    }

    fn bool_field(&mut self, m: &'a Map<String, Value>, key: &str, p: &JPath) -> Option<bool> {
        match m.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
            Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
            Some(other) => {
                self.d.error(
                    &p.key(key),
                    format!("Expected a boolean, found {}", kind(other)),
                );
                None
            }
        }
    }

    /// An integer (or an integer in a string), `Err(())` when present but not one.
    fn int_field(
        &mut self,
        m: &'a Map<String, Value>,
        key: &str,
        p: &JPath,
    ) -> Result<Option<i64>, ()> {
        let v = match m.get(key) {
            None | Some(Value::Null) => return Ok(None),
            Some(v) => v,
        };
        let n = match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        match n {
            Some(n) => Ok(Some(n)),
            None => {
                self.d.error(
                    &p.key(key),
                    format!("Expected an integer, found {} '{}'", kind(v), value_text(v)),
                );
                Err(())
            }
        }
    }

    fn string_list(&mut self, v: &'a Value, p: &JPath) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(items) = self.arr(v, p) {
            for (i, item) in items.iter().enumerate() {
                match scalar_text(item) {
                    Some(s) => out.push(s),
                    None => self.d.error(
                        &p.index(i),
                        format!("Expected a string, found {}", kind(item)),
                    ),
                }
            }
        }
        out
    }

    /// Mapping templates: content type → template text (`null` = empty template).
    fn templates(&mut self, v: &'a Value, p: &JPath) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let Some(m) = self.obj(v, p) else {
            return out;
        };
        for (ct, t) in m {
            match t {
                Value::String(s) => {
                    if needs_vtl(s) {
                        self.d
                            .not_enforced(&p.key(ct), NotEnforced::MappingTemplates);
                    }
                    out.insert(ct.clone(), s.clone());
                }
                Value::Null => {
                    out.insert(ct.clone(), String::new());
                }
                other => self.d.error(
                    &p.key(ct),
                    format!(
                        "Expected a mapping template (a string), found {}",
                        kind(other)
                    ),
                ),
            }
        }
        out
    }

    /// Parameter mappings (`requestParameters`, `responseParameters`): values must be strings;
    /// others are dropped with AWS's warning.
    fn mappings(
        &mut self,
        v: &'a Value,
        p: &JPath,
        property: &str,
        owner: &str,
    ) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let Some(m) = self.obj(v, p) else {
            return out;
        };
        for (k, val) in m {
            match val {
                Value::String(s) => {
                    out.insert(k.clone(), s.clone());
                }
                other => self.d.warn(
                    &p.key(k),
                    format!(
                        "Invalid format for '{property}'. Expected type string for property '{k}' of {owner} but got '{}'",
                        value_text(other)
                    ),
                ),
            }
        }
        out
    }

    fn unsupported_extension(&mut self, p: &JPath, key: &str) {
        self.d
            .warn(&p.key(key), format!("Unsupported extension {key}, ignored"));
    }

    // ----- $ref -----

    /// Follows local `$ref`s (up to a few hops) to the object they name. A missing target is an
    /// error at the `$ref`.
    fn resolve(&mut self, v: &'a Value, p: &JPath) -> Option<(&'a Value, JPath)> {
        let mut current = v;
        let mut path = p.clone();
        for _ in 0..16 {
            let Some(r) = current.get("$ref") else {
                return Some((current, path));
            };
            let ref_path = path.key("$ref");
            let Some(r) = r.as_str() else {
                self.d.error(
                    &ref_path,
                    format!("Expected a string $ref, found {}", kind(r)),
                );
                return None;
            };
            match self.lookup(r) {
                Ok(target) => {
                    current = target;
                    path = JPath::of_pointer(r.trim_start_matches('#'));
                }
                Err(message) => {
                    self.d.error(&ref_path, message);
                    return None;
                }
            }
        }
        self.d
            .error(p, "Too many chained $refs (a $ref cycle?)".to_owned());
        None
    }

    fn lookup(&self, r: &str) -> Result<&'a Value, String> {
        let Some(pointer) = r.strip_prefix('#') else {
            return Err(format!(
                "External $ref '{r}' is not supported: the document must be self-contained"
            ));
        };
        if pointer.is_empty() {
            return Ok(self.doc);
        }
        if !pointer.starts_with('/') {
            return Err(format!(
                "Invalid $ref '{r}': expected a JSON pointer such as '#/definitions/Pet'"
            ));
        }
        self.doc
            .pointer(pointer)
            .ok_or_else(|| format!("unknown $ref '{r}'"))
    }

    /// Every `$ref` of the document must resolve (extension values and examples are data, not
    /// schema, and are left alone).
    fn check_refs(&mut self, v: &'a Value, p: &JPath) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    if k == "$ref" {
                        match child.as_str() {
                            Some(r) => {
                                if let Err(message) = self.lookup(r) {
                                    self.d.error(&p.key(k), message);
                                }
                            }
                            None => self.d.error(
                                &p.key(k),
                                format!("Expected a string $ref, found {}", kind(child)),
                            ),
                        }
                    } else if !(k.starts_with("x-") || k == "example" || k == "examples") {
                        self.check_refs(child, &p.key(k));
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.check_refs(item, &p.index(i));
                }
            }
            _ => {}
        }
    }

    // ----- document header -----

    fn flavor(&mut self) -> Option<Flavor> {
        let root = self.root;
        let openapi = root.get("openapi");
        let swagger = root.get("swagger");
        match (openapi, swagger) {
            (Some(_), Some(_)) => {
                self.d.error(
                    &JPath::root(),
                    "The document declares both 'openapi' and 'swagger': use one of them",
                );
                None
            }
            (Some(v), None) => {
                let p = JPath::root().key("openapi");
                let version = scalar_text(v).unwrap_or_default();
                if version == "3.0" || version.starts_with("3.0.") {
                    Some(Flavor::Oas3)
                } else if version.starts_with("3.") {
                    self.d.warn(
                        &p,
                        format!(
                            "OpenAPI {version} is not supported by API Gateway, which reads OpenAPI 3.0.x; importing it as 3.0"
                        ),
                    );
                    Some(Flavor::Oas3)
                } else {
                    self.d.error(
                        &p,
                        format!(
                            "Unsupported OpenAPI version '{}': expected 3.0.x",
                            value_text(v)
                        ),
                    );
                    None
                }
            }
            (None, Some(v)) => {
                let version = scalar_text(v).unwrap_or_default();
                if version == "2.0" || version == "2" {
                    Some(Flavor::Swagger2)
                } else {
                    self.d.error(
                        &JPath::root().key("swagger"),
                        format!(
                            "Unsupported Swagger version '{}': expected \"2.0\"",
                            value_text(v)
                        ),
                    );
                    None
                }
            }
            (None, None) => {
                self.d.error(
                    &JPath::root(),
                    "Not an OpenAPI document: expected 'openapi: 3.0.x' or 'swagger: \"2.0\"' at the root",
                );
                None
            }
        }
    }

    /// `info.title` (required), `description`, `version`; returns the title.
    fn info(&mut self) -> Option<String> {
        let p = JPath::root().key("info");
        let Some(info) = self.root.get("info") else {
            self.d.error(
                &p.key("title"),
                "Missing required field info.title: it becomes the API's name",
            );
            return None;
        };
        let info = self.obj(info, &p)?;
        let title = self.text_field(info, "title", &p);
        let title = match title {
            Some(t) if !t.trim().is_empty() => t,
            Some(_) => {
                self.d
                    .error(&p.key("title"), "info.title must not be empty");
                return None;
            }
            None => {
                if info.get("title").is_none_or(Value::is_null) {
                    self.d.error(
                        &p.key("title"),
                        "Missing required field info.title: it becomes the API's name",
                    );
                }
                return None;
            }
        };
        let description = self.text_field(info, "description", &p);
        let version = self.text_field(info, "version", &p);
        let api = &mut self.definition.rest_api;
        api.description = description;
        api.version = version;
        Some(title)
    }

    // ----- models -----

    fn models(&mut self) {
        let (container, p) = match self.flavor {
            Flavor::Swagger2 => (
                self.root.get("definitions"),
                JPath::root().key("definitions"),
            ),
            Flavor::Oas3 => (
                self.root.get("components").and_then(|c| c.get("schemas")),
                JPath::root().key("components").key("schemas"),
            ),
        };
        let Some(container) = container else {
            return;
        };
        let Some(schemas) = self.obj(container, &p) else {
            return;
        };
        let api_id = self.definition.rest_api.id.clone();
        for (name, schema) in schemas {
            let mp = p.key(name);
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
                self.d.error(
                    &mp,
                    format!("Invalid model name '{name}': model names must be alphanumeric"),
                );
                continue;
            }
            if !schema.is_object() {
                self.d.error(
                    &mp,
                    format!("Expected a schema object, found {}", kind(schema)),
                );
                continue;
            }
            let mut schema = schema.clone();
            rewrite_schema_refs(&mut schema, self.flavor.schema_prefix(), &api_id);
            let text = serde_json::to_string(&schema).unwrap_or_default();
            if text.len() > MAX_MODEL_SCHEMA_BYTES {
                self.d.error(
                    &mp,
                    format!(
                        "The schema of model '{name}' is {} bytes; API Gateway accepts at most 400 KB",
                        text.len()
                    ),
                );
                continue;
            }
            let description = schema
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned);
            // A document's Empty or Error replaces the built-in one.
            self.definition.models.retain(|m| m.name != *name);
            self.definition.models.push(Model {
                id: tollgate_model::ids::short_id(),
                name: name.clone(),
                description,
                schema: Some(text),
                content_type: "application/json".to_owned(),
            });
            self.model_names.insert(name.clone());
        }
    }

    /// The model a schema names through `$ref`; an inline schema is warned about and skipped.
    fn model_of(&mut self, schema: &'a Value, p: &JPath) -> Option<String> {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            if let Some(name) = r.strip_prefix(self.flavor.schema_prefix())
                && !name.contains('/')
            {
                // Unknown or badly named targets were reported already.
                return self.model_names.contains(name).then(|| name.to_owned());
            }
            self.d.warn(
                &p.key("$ref"),
                format!(
                    "$ref '{r}' does not name a schema of {}; no model is attached",
                    self.flavor.schemas_location()
                ),
            );
            return None;
        }
        if schema.as_object().is_some_and(|m| !m.is_empty()) {
            self.d.warn(
                p,
                format!(
                    "Inline schemas are not imported as models: define the schema under {} and reference it with $ref to attach a model",
                    self.flavor.schemas_location()
                ),
            );
        }
        None
    }

    // ----- root extensions -----

    fn root_extensions(&mut self) {
        let root = self.root;
        let rp = JPath::root();
        // Validators first: methods refer to them by name.
        if let Some(v) = root.get(VALIDATORS) {
            self.request_validators(v, &rp.key(VALIDATORS));
        }
        for (key, v) in root {
            let p = rp.key(key);
            match key.as_str() {
                VALIDATORS => {}
                VALIDATOR => {
                    if let Some(name) = self.str_or_err(v, &p) {
                        self.default_validator = self.validator_id(name, &p);
                    }
                }
                "x-amazon-apigateway-binary-media-types" => {
                    let types = self.string_list(v, &p);
                    if !types.is_empty() {
                        self.d.not_enforced(&p, NotEnforced::BinaryMediaTypes);
                    }
                    self.definition.rest_api.binary_media_types = types;
                }
                "x-amazon-apigateway-api-key-source" => {
                    if let Some(s) = self.str_or_err(v, &p) {
                        match s.to_ascii_uppercase().as_str() {
                            "HEADER" => self.definition.rest_api.api_key_source = ApiKeySource::Header,
                            "AUTHORIZER" => {
                                self.definition.rest_api.api_key_source = ApiKeySource::Authorizer
                            }
                            _ => self.d.error(
                                &p,
                                format!("Invalid API key source '{s}': expected HEADER or AUTHORIZER"),
                            ),
                        }
                    }
                }
                "x-amazon-apigateway-minimum-compression-size" => {
                    match v.as_u64().filter(|n| *n <= 10_485_760) {
                        Some(n) => {
                            self.definition.rest_api.minimum_compression_size =
                                u32::try_from(n).ok();
                            self.d.not_enforced(&p, NotEnforced::MinimumCompressionSize);
                        }
                        None => self.d.error(
                            &p,
                            format!(
                                "Invalid minimum compression size '{}': expected an integer between 0 and 10485760",
                                value_text(v)
                            ),
                        ),
                    }
                }
                "x-amazon-apigateway-gateway-responses" => self.gateway_responses(v, &p),
                "x-amazon-apigateway-policy" => self.policy(v, &p),
                ENDPOINT_CONFIGURATION => self.endpoint_configuration(v, &p),
                "x-amazon-apigateway-documentation" => self.d.warn(
                    &p,
                    "x-amazon-apigateway-documentation is not supported by this version of Tollgate (documentation parts are not kept); ignored",
                ),
                "x-amazon-apigateway-cors" => self.d.warn(
                    &p,
                    "x-amazon-apigateway-cors applies to HTTP APIs only and REST APIs ignore it: answer CORS with OPTIONS methods (for example MOCK integrations) and response headers instead",
                ),
                "x-amazon-apigateway-importexport-version" => {}
                k if k.starts_with(EXTENSION_PREFIX) => self.unsupported_extension(&rp, k),
                _ => {}
            }
        }
        if self.flavor == Flavor::Oas3
            && let Some(servers) = root.get("servers").and_then(Value::as_array)
        {
            for (i, server) in servers.iter().enumerate() {
                if let Some(v) = server.get(ENDPOINT_CONFIGURATION) {
                    let p = rp.key("servers").index(i).key(ENDPOINT_CONFIGURATION);
                    self.endpoint_configuration(v, &p);
                }
            }
        }
    }

    fn str_or_err(&mut self, v: &'a Value, p: &JPath) -> Option<&'a str> {
        match v {
            Value::String(s) => Some(s),
            other => {
                self.d
                    .error(p, format!("Expected a string, found {}", kind(other)));
                None
            }
        }
    }

    fn request_validators(&mut self, v: &'a Value, p: &JPath) {
        let Some(m) = self.obj(v, p) else {
            return;
        };
        for (name, spec) in m {
            let vp = p.key(name);
            let Some(spec) = self.obj(spec, &vp) else {
                continue;
            };
            let body = self
                .bool_field(spec, "validateRequestBody", &vp)
                .unwrap_or(false);
            let params = self
                .bool_field(spec, "validateRequestParameters", &vp)
                .unwrap_or(false);
            let id = tollgate_model::ids::short_id();
            self.validators.insert(name.clone(), id.clone());
            self.definition.request_validators.push(RequestValidator {
                id,
                name: Some(name.clone()),
                validate_request_body: body,
                validate_request_parameters: params,
            });
        }
        if !m.is_empty() {
            self.d.not_enforced(p, NotEnforced::RequestValidators);
        }
    }

    fn validator_id(&mut self, name: &str, p: &JPath) -> Option<String> {
        match self.validators.get(name) {
            Some(id) => Some(id.clone()),
            None => {
                self.d.error(
                    p,
                    format!(
                        "Unknown request validator '{name}': it is not defined in {VALIDATORS}"
                    ),
                );
                None
            }
        }
    }

    fn gateway_responses(&mut self, v: &'a Value, p: &JPath) {
        let Some(m) = self.obj(v, p) else {
            return;
        };
        for (type_name, spec) in m {
            let gp = p.key(type_name);
            let Ok(response_type) = type_name.parse::<GatewayResponseType>() else {
                let valid: Vec<&str> = GatewayResponseType::ALL
                    .iter()
                    .map(|t| t.as_str())
                    .collect();
                self.d.error(
                    &gp,
                    format!(
                        "Invalid gateway response type '{type_name}': expected one of {}",
                        valid.join(", ")
                    ),
                );
                continue;
            };
            if !response_type.customizable() {
                self.d.warn(
                    &gp,
                    format!("The gateway response {type_name} cannot be customised; ignored"),
                );
                continue;
            }
            let Some(spec) = self.obj(spec, &gp) else {
                continue;
            };
            let status_code = self.text_field(spec, "statusCode", &gp);
            if let Some(code) = &status_code
                && !is_status_code(code)
            {
                self.d.error(
                    &gp.key("statusCode"),
                    format!(
                        "Invalid status code '{code}': expected an HTTP status code from 100 to 599"
                    ),
                );
            }
            let owner = format!("gateway response '{type_name}'");
            let response_parameters = match spec.get("responseParameters") {
                Some(v) => self.mappings(
                    v,
                    &gp.key("responseParameters"),
                    "responseParameters",
                    &owner,
                ),
                None => BTreeMap::new(),
            };
            // Gateway response templates only substitute $context/$stageVariables/$method
            // references, which the gateway does, so they are not "VTL" here.
            let response_templates = match spec.get("responseTemplates") {
                Some(Value::Object(t)) => {
                    let mut out = BTreeMap::new();
                    for (ct, text) in t {
                        match text {
                            Value::String(s) => {
                                out.insert(ct.clone(), s.clone());
                            }
                            Value::Null => {
                                out.insert(ct.clone(), String::new());
                            }
                            other => self.d.error(
                                &gp.key("responseTemplates").key(ct),
                                format!("Expected a template (a string), found {}", kind(other)),
                            ),
                        }
                    }
                    out
                }
                Some(other) => {
                    self.obj(other, &gp.key("responseTemplates"));
                    BTreeMap::new()
                }
                None => BTreeMap::new(),
            };
            self.definition.gateway_responses.push(GatewayResponse {
                response_type,
                status_code,
                response_parameters,
                response_templates,
                default_response: false,
            });
        }
    }

    fn policy(&mut self, v: &'a Value, p: &JPath) {
        let mut policy = match v {
            Value::Object(_) => v.clone(),
            Value::String(s) => match serde_json::from_str::<Value>(s) {
                Ok(parsed @ Value::Object(_)) => parsed,
                _ => {
                    self.d
                        .error(p, "Invalid policy: expected a policy document (an object)");
                    return;
                }
            },
            other => {
                self.d.error(
                    p,
                    format!(
                        "Invalid policy: expected a policy document (an object), found {}",
                        kind(other)
                    ),
                );
                return;
            }
        };
        // AWS expands `execute-api:/...` to the API's ARN.
        let arn = format!(
            "arn:{AWS_PARTITION}:execute-api:{AWS_REGION}:{AWS_ACCOUNT_ID}:{}/",
            self.definition.rest_api.id
        );
        let expand = |s: &mut String| {
            if let Some(rest) = s.strip_prefix("execute-api:/") {
                *s = format!("{arn}{rest}");
            }
        };
        if let Some(statements) = policy.get_mut("Statement") {
            let statements: Vec<&mut Value> = match statements {
                Value::Array(items) => items.iter_mut().collect(),
                single => vec![single],
            };
            for st in statements {
                for key in ["Resource", "NotResource"] {
                    match st.get_mut(key) {
                        Some(Value::String(s)) => expand(s),
                        Some(Value::Array(items)) => {
                            for item in items {
                                if let Value::String(s) = item {
                                    expand(s);
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        self.definition.rest_api.policy = Some(policy.to_string());
        self.d.not_enforced(p, NotEnforced::ResourcePolicy);
    }

    fn endpoint_configuration(&mut self, v: &'a Value, p: &JPath) {
        let Some(m) = self.obj(v, p) else {
            return;
        };
        if let Some(ids) = m.get("vpcEndpointIds") {
            let ids = self.string_list(ids, &p.key("vpcEndpointIds"));
            self.definition
                .rest_api
                .endpoint_configuration
                .vpc_endpoint_ids = ids;
        }
        if let Some(disable) = self.bool_field(m, "disableExecuteApiEndpoint", p) {
            self.definition.rest_api.disable_execute_api_endpoint = disable;
        }
    }

    // ----- security -----

    fn security_schemes(&mut self) {
        let (container, p) = match self.flavor {
            Flavor::Swagger2 => (
                self.root.get("securityDefinitions"),
                JPath::root().key("securityDefinitions"),
            ),
            Flavor::Oas3 => (
                self.root
                    .get("components")
                    .and_then(|c| c.get("securitySchemes")),
                JPath::root().key("components").key("securitySchemes"),
            ),
        };
        let Some(container) = container else {
            return;
        };
        let Some(m) = self.obj(container, &p) else {
            return;
        };
        for (name, scheme) in m {
            let sp = p.key(name);
            let Some((scheme, sp)) = self.resolve(scheme, &sp) else {
                continue;
            };
            let Some(scheme) = self.obj(scheme, &sp) else {
                continue;
            };
            let meaning = self.scheme(name, scheme, &sp);
            self.schemes.insert(name.clone(), meaning);
        }
    }

    fn scheme(&mut self, name: &str, s: &'a Map<String, Value>, p: &JPath) -> Scheme {
        let scheme_type = self.str_field(s, "type", p).unwrap_or("");
        let auth_type = self.str_field(s, AUTHTYPE, p);
        let header_name = (self.str_field(s, "in", p) == Some("header"))
            .then(|| self.str_field(s, "name", p))
            .flatten();
        if let Some(auth) = s.get(AUTHORIZER) {
            let ap = p.key(AUTHORIZER);
            return match self.authorizer(name, auth, &ap, auth_type, header_name) {
                Some(a) => {
                    let cognito = a.kind == "COGNITO_USER_POOLS";
                    let id = a.id.clone();
                    self.definition.authorizers.push(a);
                    self.d
                        .not_enforced(&ap, NotEnforced::Authorizer(name.to_owned()));
                    Scheme::Authorizer { id, cognito }
                }
                None => Scheme::Ignored,
            };
        }
        if auth_type.is_some_and(|t| t.eq_ignore_ascii_case("awsSigv4")) {
            return Scheme::Iam;
        }
        if scheme_type == "apiKey"
            && header_name.is_some_and(|n| n.eq_ignore_ascii_case("x-api-key"))
        {
            return Scheme::ApiKey;
        }
        let what = if scheme_type == "apiKey" {
            "an API key scheme other than the x-api-key header".to_owned()
        } else if scheme_type.is_empty() {
            "a scheme without a type".to_owned()
        } else {
            format!("type {scheme_type}")
        };
        self.d.warn(
            p,
            format!(
                "Security scheme '{name}' ({what}) is not supported by API Gateway and is ignored: only the x-api-key header, x-amazon-apigateway-authtype: awsSigv4 and x-amazon-apigateway-authorizer are"
            ),
        );
        Scheme::Ignored
    }

    fn authorizer(
        &mut self,
        name: &str,
        v: &'a Value,
        p: &JPath,
        auth_type: Option<&str>,
        header_name: Option<&str>,
    ) -> Option<Authorizer> {
        let a = self.obj(v, p)?;
        let kind = match self.str_field(a, "type", p) {
            Some(t) => match t.to_ascii_uppercase().as_str() {
                k @ ("TOKEN" | "REQUEST" | "COGNITO_USER_POOLS") => k.to_owned(),
                _ => {
                    self.d.error(
                        &p.key("type"),
                        format!(
                            "Invalid authorizer type '{t}': expected one of token, request, cognito_user_pools"
                        ),
                    );
                    return None;
                }
            },
            None => {
                if a.get("type").is_none() {
                    self.d.error(
                        &p.key("type"),
                        "Missing authorizer type: expected one of token, request, cognito_user_pools",
                    );
                }
                return None;
            }
        };
        let cognito = kind == "COGNITO_USER_POOLS";
        let authorizer_uri = self.str_field(a, "authorizerUri", p).map(str::to_owned);
        if !cognito && authorizer_uri.is_none() {
            self.d.error(
                &p.key("authorizerUri"),
                format!("Missing authorizerUri: a {kind} authorizer needs the Lambda function's invocation URI"),
            );
        }
        let provider_arns = match a.get("providerARNs") {
            Some(v) => self.string_list(v, &p.key("providerARNs")),
            None => Vec::new(),
        };
        if cognito && provider_arns.is_empty() {
            self.d.error(
                &p.key("providerARNs"),
                "Missing providerARNs: a COGNITO_USER_POOLS authorizer needs at least one user pool ARN",
            );
        }
        let identity_source = self
            .str_field(a, "identitySource", p)
            .map(str::to_owned)
            .or_else(|| {
                (kind != "REQUEST")
                    .then(|| header_name.map(|h| format!("method.request.header.{h}")))
                    .flatten()
            });
        if kind == "TOKEN" && identity_source.is_none() {
            self.d.error(
                &p.key("identitySource"),
                "Missing identitySource: a TOKEN authorizer needs a header (set the scheme's 'name' with 'in: header', or identitySource)",
            );
        }
        let ttl = match self.int_field(a, "authorizerResultTtlInSeconds", p) {
            Ok(Some(n)) if (0..=3600).contains(&n) => u32::try_from(n).ok(),
            Ok(Some(n)) => {
                self.d.error(
                    &p.key("authorizerResultTtlInSeconds"),
                    format!("Invalid authorizerResultTtlInSeconds {n}: expected 0 to 3600"),
                );
                None
            }
            Ok(None) => (!cognito).then_some(300),
            Err(()) => None,
        };
        Some(Authorizer {
            id: tollgate_model::ids::short_id(),
            name: name.to_owned(),
            kind,
            provider_arns,
            auth_type: auth_type.map(str::to_owned),
            authorizer_uri,
            authorizer_credentials: self
                .str_field(a, "authorizerCredentials", p)
                .map(str::to_owned),
            identity_source,
            identity_validation_expression: self
                .str_field(a, "identityValidationExpression", p)
                .map(str::to_owned),
            authorizer_result_ttl_in_seconds: ttl,
        })
    }

    fn method_security(&mut self, method: &mut Method, v: &'a Value, p: &JPath) {
        let Some(requirements) = self.arr(v, p) else {
            return;
        };
        for (i, requirement) in requirements.iter().enumerate() {
            let rp = p.index(i);
            let Some(requirement) = self.obj(requirement, &rp) else {
                continue;
            };
            for (name, scopes) in requirement {
                let np = rp.key(name);
                let scopes = self.string_list(scopes, &np);
                let Some(scheme) = self.schemes.get(name).cloned() else {
                    self.d.error(
                        &np,
                        format!(
                            "Unknown security scheme '{name}': it is not defined in {}",
                            self.flavor.schemes_location()
                        ),
                    );
                    continue;
                };
                match scheme {
                    Scheme::ApiKey => {
                        method.api_key_required = true;
                        self.d.not_enforced(&np, NotEnforced::ApiKeys);
                    }
                    Scheme::Iam => {
                        if method.authorization_type == AuthorizationType::None {
                            method.authorization_type = AuthorizationType::AwsIam;
                            self.d.not_enforced(&np, NotEnforced::AwsIam);
                        } else if method.authorization_type != AuthorizationType::AwsIam {
                            self.one_authorization(&np, name);
                        }
                    }
                    Scheme::Authorizer { id, cognito } => {
                        if method.authorization_type != AuthorizationType::None {
                            if method.authorizer_id.as_deref() != Some(id.as_str()) {
                                self.one_authorization(&np, name);
                            }
                            continue;
                        }
                        method.authorization_type = if cognito {
                            AuthorizationType::CognitoUserPools
                        } else {
                            AuthorizationType::Custom
                        };
                        method.authorizer_id = Some(id);
                        if cognito {
                            method.authorization_scopes = scopes;
                        } else if !scopes.is_empty() {
                            self.d.warn(
                                &np,
                                "Authorization scopes apply to COGNITO_USER_POOLS authorizers only; ignored",
                            );
                        }
                    }
                    Scheme::Ignored => {}
                }
            }
        }
    }

    fn one_authorization(&mut self, p: &JPath, name: &str) {
        self.d.warn(
            p,
            format!("A method has one authorization type and authorizer; security scheme '{name}' is ignored"),
        );
    }

    // ----- base path and resources -----

    /// The base path's segments (empty when ignored or absent).
    fn base_path(&mut self) -> Vec<String> {
        let root = self.root;
        let (text, p) = match self.flavor {
            Flavor::Swagger2 => match root.get("basePath") {
                Some(v) => (scalar_text(v), JPath::root().key("basePath")),
                None => (None, JPath::root()),
            },
            Flavor::Oas3 => {
                let sp = JPath::root().key("servers").index(0);
                match root.get("servers").and_then(|s| s.get(0)) {
                    Some(server) => (server_base_path(server), sp.key("url")),
                    None => (None, sp),
                }
            }
        };
        let Some(text) = text else {
            return Vec::new();
        };
        let mut segments: Vec<String> = text
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        match self.base_mode {
            BasePathMode::Ignore => return Vec::new(),
            BasePathMode::Prepend => {}
            BasePathMode::Split => {
                if !segments.is_empty() {
                    segments.remove(0);
                }
            }
        }
        for s in &segments {
            if let Err(e) = PathPart::parse(s) {
                self.d.error(&p, format!("Invalid base path '{text}': {e}"));
                return Vec::new();
            }
        }
        segments
    }

    fn paths(&mut self, base: &[String]) {
        let pp = JPath::root().key("paths");
        let Some(paths) = self.root.get("paths") else {
            return;
        };
        let Some(paths) = self.obj(paths, &pp) else {
            return;
        };
        let root_index = self
            .definition
            .resources
            .iter()
            .position(|r| r.parent_id.is_none())
            .unwrap_or(0);
        self.by_path.insert("/".to_owned(), root_index);
        for (key, item) in paths {
            let p = pp.key(key);
            if key.starts_with("x-") {
                if key.starts_with(EXTENSION_PREFIX) {
                    self.unsupported_extension(&pp, key);
                }
                continue;
            }
            let Some(index) = self.resource_for(key, base, &p) else {
                continue;
            };
            let Some((item, ip)) = self.resolve(item, &p) else {
                continue;
            };
            let Some(item) = self.obj(item, &ip) else {
                continue;
            };
            self.path_item(index, item, &ip);
        }
    }

    /// Creates (or finds) the resources of one `paths` key; `None` after an error.
    fn resource_for(&mut self, key: &str, base: &[String], p: &JPath) -> Option<usize> {
        let Some(rest) = key.strip_prefix('/') else {
            self.d.error(
                p,
                format!("Invalid path '{key}': a path must start with '/'"),
            );
            return None;
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let mut parts: Vec<(String, PathPart)> = Vec::new();
        for s in base {
            if let Ok(part) = PathPart::parse(s) {
                parts.push((s.clone(), part));
            }
        }
        if !rest.is_empty() {
            for s in rest.split('/') {
                match PathPart::parse(s) {
                    Ok(part) => parts.push((s.to_owned(), part)),
                    Err(e) => {
                        self.d.error(p, format!("Invalid path '{key}': {e}"));
                        return None;
                    }
                }
            }
        }
        let last = parts.len().saturating_sub(1);
        if let Some((text, _)) = parts
            .iter()
            .take(last)
            .find(|(_, part)| matches!(part, PathPart::Greedy(_)))
        {
            self.d.error(
                p,
                format!("Cannot create a child of a resource with a greedy path variable: {text}"),
            );
            return None;
        }
        let mut current = *self.by_path.get("/")?;
        let mut path = String::new();
        for (text, part) in &parts {
            path.push('/');
            path.push_str(text);
            if let Some(&existing) = self.by_path.get(&path) {
                current = existing;
                continue;
            }
            if part.is_variable() {
                if let Some(sibling) = self.variable_child.get(&current) {
                    self.d.error(
                        p,
                        format!(
                            "A sibling ({sibling}) of this resource already has a variable path part -- only one is allowed"
                        ),
                    );
                    return None;
                }
                self.variable_child.insert(current, text.clone());
            }
            let parent = self.definition.resources.get(current)?;
            let child = Resource::child(parent, text);
            self.definition.resources.push(child);
            current = self.definition.resources.len() - 1;
            self.by_path.insert(path.clone(), current);
        }
        let full = if path.is_empty() {
            "/".to_owned()
        } else {
            path
        };
        if let Some(first) = self.defined_paths.get(&full) {
            self.d.error(
                p,
                format!("Duplicate path: '{key}' is the same resource ({full}) as '{first}'"),
            );
            return None;
        }
        self.defined_paths.insert(full, key.to_owned());
        Some(current)
    }

    fn path_item(&mut self, index: usize, item: &'a Map<String, Value>, p: &JPath) {
        let item_params = item.get("parameters").unwrap_or(&Value::Null);
        let resource_path = self
            .definition
            .resources
            .get(index)
            .map(|r| r.path.clone())
            .unwrap_or_default();
        for (key, op) in item {
            let op_path = p.key(key);
            let verb = OPERATIONS
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, verb)| *verb);
            match (verb, key.as_str()) {
                (Some(verb), _) => {
                    let Some(op) = self.obj(op, &op_path) else {
                        continue;
                    };
                    let method = self.method(
                        verb,
                        op,
                        &op_path,
                        item_params,
                        &p.key("parameters"),
                        &resource_path,
                    );
                    if let Some(resource) = self.definition.resources.get_mut(index) {
                        resource.resource_methods.insert(verb, method);
                    }
                }
                (None, "trace") => self.d.warn(
                    &op_path,
                    "API Gateway has no TRACE method; the operation is ignored",
                ),
                (None, k) if k.starts_with(EXTENSION_PREFIX) => self.unsupported_extension(p, k),
                _ => {}
            }
        }
    }

    // ----- methods -----

    fn method(
        &mut self,
        verb: HttpMethod,
        op: &'a Map<String, Value>,
        p: &JPath,
        item_params: &'a Value,
        item_params_path: &JPath,
        resource_path: &str,
    ) -> Method {
        let mut method = Method::new(verb);
        method.operation_name = self.text_field(op, "operationId", p);
        // Parameters: the path item's, overridden by the operation's (same name and location).
        let mut params: Vec<(String, String, &'a Map<String, Value>, JPath)> = Vec::new();
        for (list, lp) in [
            (item_params, item_params_path.clone()),
            (
                op.get("parameters").unwrap_or(&Value::Null),
                p.key("parameters"),
            ),
        ] {
            let Some(list) = self.arr(list, &lp) else {
                continue;
            };
            for (i, param) in list.iter().enumerate() {
                let Some((param, pp)) = self.resolve(param, &lp.index(i)) else {
                    continue;
                };
                let Some(param) = self.obj(param, &pp) else {
                    continue;
                };
                let name = self.text_field(param, "name", &pp);
                let location = self.str_field(param, "in", &pp);
                let (Some(name), Some(location)) = (name, location) else {
                    self.d.error(&pp, "A parameter needs both 'name' and 'in'");
                    continue;
                };
                params.retain(|(n, l, _, _)| !(n == &name && l == location));
                params.push((name, location.to_owned(), param, pp));
            }
        }
        let mut body_schema: Option<(&'a Value, JPath)> = None;
        for (name, location, param, pp) in &params {
            let required = self.bool_field(param, "required", pp).unwrap_or(false);
            let source = match location.as_str() {
                "path" => Some(("path", true)),
                "query" => Some(("querystring", required)),
                "header" => Some(("header", required)),
                "body" if self.flavor == Flavor::Swagger2 => {
                    if let Some(schema) = param.get("schema") {
                        body_schema = Some((schema, pp.key("schema")));
                    }
                    None
                }
                other => {
                    self.d.warn(
                        &pp.key("in"),
                        format!("Parameter location '{other}' is not supported by API Gateway; parameter '{name}' is ignored"),
                    );
                    None
                }
            };
            if let Some((source, required)) = source {
                method
                    .request_parameters
                    .insert(format!("method.request.{source}.{name}"), required);
            }
        }
        // Request models.
        match self.flavor {
            Flavor::Swagger2 => {
                if let Some((schema, sp)) = body_schema
                    && let Some(model) = self.model_of(schema, &sp)
                {
                    for ct in self.media_types(op, "consumes", p) {
                        method.request_models.insert(ct, model.clone());
                    }
                }
            }
            Flavor::Oas3 => {
                if let Some(body) = op.get("requestBody")
                    && let Some((body, bp)) = self.resolve(body, &p.key("requestBody"))
                    && let Some(body) = self.obj(body, &bp)
                    && let Some(content) = body.get("content")
                    && let Some(content) = self.obj(content, &bp.key("content"))
                {
                    for (ct, media) in content {
                        let cp = bp.key("content").key(ct);
                        if let Some(schema) = media.get("schema")
                            && let Some(model) = self.model_of(schema, &cp.key("schema"))
                        {
                            method.request_models.insert(ct.clone(), model);
                        }
                    }
                }
            }
        }
        // Method responses.
        if let Some(responses) = op.get("responses")
            && let Some(responses) = self.obj(responses, &p.key("responses"))
        {
            for (code, response) in responses {
                let rp = p.key("responses").key(code);
                if code.starts_with("x-") {
                    continue;
                }
                if !is_status_code(code) {
                    self.d.warn(
                        &rp,
                        format!(
                            "Response '{code}' is not an HTTP status code; API Gateway ignores it"
                        ),
                    );
                    continue;
                }
                let Some((response, rp)) = self.resolve(response, &rp) else {
                    continue;
                };
                let Some(response) = self.obj(response, &rp) else {
                    continue;
                };
                let mr = self.method_response(code, response, op, p, &rp);
                method.method_responses.insert(code.clone(), mr);
            }
        }
        // Security.
        if let Some(security) = op.get("security") {
            self.method_security(&mut method, security, &p.key("security"));
        }
        // Request validator.
        method.request_validator_id = match op.get(VALIDATOR) {
            Some(v) => {
                let vp = p.key(VALIDATOR);
                self.str_or_err(v, &vp)
                    .and_then(|name| self.validator_id(name, &vp))
            }
            None => self.default_validator.clone(),
        };
        // x-amazon-apigateway-auth: {type: AWS_IAM | NONE}
        if let Some(auth) = op.get(AUTH) {
            let ap = p.key(AUTH);
            if let Some(auth) = self.obj(auth, &ap)
                && let Some(t) = self.str_field(auth, "type", &ap)
            {
                match t.to_ascii_uppercase().as_str() {
                    "AWS_IAM" => {
                        method.authorization_type = AuthorizationType::AwsIam;
                        method.authorizer_id = None;
                        self.d.not_enforced(&ap, NotEnforced::AwsIam);
                    }
                    "NONE" => {}
                    _ => self.d.error(
                        &ap.key("type"),
                        format!(
                            "Invalid x-amazon-apigateway-auth type '{t}': expected AWS_IAM or NONE"
                        ),
                    ),
                }
            }
        }
        // Integration.
        match op.get(INTEGRATION) {
            Some(v) => {
                let ip = p.key(INTEGRATION);
                if let Some((v, ip)) = self.resolve(v, &ip) {
                    method.method_integration = self.integration(v, &ip, verb, resource_path, &method);
                }
            }
            None => self.d.warn(
                p,
                format!(
                    "No {INTEGRATION}: the method is imported without an integration, and a deployment needs one for every method"
                ),
            ),
        }
        for key in op.keys() {
            if key.starts_with(EXTENSION_PREFIX)
                && ![INTEGRATION, VALIDATOR, AUTH].contains(&key.as_str())
            {
                self.unsupported_extension(p, key);
            }
        }
        method
    }

    /// `consumes`/`produces` of the operation, else of the document, else `application/json`.
    fn media_types(&mut self, op: &'a Map<String, Value>, key: &str, p: &JPath) -> Vec<String> {
        let (v, vp) = match op.get(key) {
            Some(v) => (v, p.key(key)),
            None => match self.root.get(key) {
                Some(v) => (v, JPath::root().key(key)),
                None => return vec!["application/json".to_owned()],
            },
        };
        let list = self.string_list(v, &vp);
        if list.is_empty() {
            vec!["application/json".to_owned()]
        } else {
            list
        }
    }

    fn method_response(
        &mut self,
        code: &str,
        response: &'a Map<String, Value>,
        op: &'a Map<String, Value>,
        op_path: &JPath,
        p: &JPath,
    ) -> MethodResponse {
        let mut mr = MethodResponse {
            status_code: code.to_owned(),
            response_parameters: BTreeMap::new(),
            response_models: BTreeMap::new(),
        };
        if let Some(headers) = response.get("headers")
            && let Some(headers) = self.obj(headers, &p.key("headers"))
        {
            for name in headers.keys() {
                mr.response_parameters
                    .insert(format!("method.response.header.{name}"), false);
            }
        }
        match self.flavor {
            Flavor::Swagger2 => {
                if let Some(schema) = response.get("schema")
                    && let Some(model) = self.model_of(schema, &p.key("schema"))
                {
                    for ct in self.media_types(op, "produces", op_path) {
                        mr.response_models.insert(ct, model.clone());
                    }
                }
            }
            Flavor::Oas3 => {
                if let Some(content) = response.get("content")
                    && let Some(content) = self.obj(content, &p.key("content"))
                {
                    for (ct, media) in content {
                        if let Some(schema) = media.get("schema")
                            && let Some(model) =
                                self.model_of(schema, &p.key("content").key(ct).key("schema"))
                        {
                            mr.response_models.insert(ct.clone(), model);
                        }
                    }
                }
            }
        }
        mr
    }

    // ----- integrations -----

    fn integration(
        &mut self,
        v: &'a Value,
        p: &JPath,
        verb: HttpMethod,
        resource_path: &str,
        method: &Method,
    ) -> Option<Integration> {
        let m = match v {
            Value::Object(m) => m,
            other => {
                self.d.error(
                    p,
                    format!("Expected an integration object, found {}", kind(other)),
                );
                return None;
            }
        };
        let errors_before = self.d.errors.len();
        let tp = p.key("type");
        let kind = match m.get("type") {
            None | Some(Value::Null) => {
                self.d.error(
                    &tp,
                    format!("Missing integration type: expected one of {INTEGRATION_TYPES}"),
                );
                None
            }
            Some(Value::String(t)) => match IntegrationType::parse(t) {
                Some(k) => Some(k),
                None => {
                    self.d.error(
                        &tp,
                        format!(
                            "Invalid integration type '{t}': expected one of {INTEGRATION_TYPES} (any case)"
                        ),
                    );
                    None
                }
            },
            Some(other) => {
                self.d.error(
                    &tp,
                    format!(
                        "Invalid integration type {}: expected one of {INTEGRATION_TYPES}",
                        value_text(other)
                    ),
                );
                None
            }
        };
        let mut integration = Integration::new(kind.unwrap_or(IntegrationType::Mock));
        let is_http = matches!(
            kind,
            Some(IntegrationType::Http | IntegrationType::HttpProxy)
        );
        let is_aws = matches!(kind, Some(IntegrationType::Aws | IntegrationType::AwsProxy));
        if is_aws {
            self.d.not_enforced(&tp, NotEnforced::AwsIntegrations);
        }
        // uri
        let uri = self.str_field(m, "uri", p);
        match uri {
            Some(u) if is_http && !valid_http_uri(u) => self.d.error(
                &p.key("uri"),
                format!("Invalid HTTP endpoint specified for URI: '{u}'"),
            ),
            Some(u) if is_aws && !u.starts_with("arn:") => self.d.error(
                &p.key("uri"),
                format!("Invalid ARN specified in the request: '{u}' (an AWS integration's uri is arn:aws:apigateway:{{region}}:{{service}}:{{path|action}}/...)"),
            ),
            None if kind.is_some_and(|k| k != IntegrationType::Mock) => self.d.error(
                &p.key("uri"),
                format!(
                    "Missing integration uri: required for type {}",
                    kind.map(IntegrationType::as_str).unwrap_or_default()
                ),
            ),
            _ => {}
        }
        integration.uri = uri.map(str::to_owned);
        // httpMethod (the verb sent to the backend)
        match self.str_field(m, "httpMethod", p) {
            Some(h) => match h.parse::<HttpMethod>() {
                Ok(HttpMethod::Any) if is_aws => self.d.error(
                    &p.key("httpMethod"),
                    "Invalid integration httpMethod ANY: an AWS integration needs a concrete verb (POST for Lambda)",
                ),
                Ok(verb) => integration.http_method = Some(verb.as_str().to_owned()),
                Err(e) => self.d.error(&p.key("httpMethod"), format!("{e} (got '{h}')")),
            },
            None if is_http || is_aws => self.d.error(
                &p.key("httpMethod"),
                format!(
                    "Missing integration httpMethod: required for type {}",
                    kind.map(IntegrationType::as_str).unwrap_or_default()
                ),
            ),
            None => {}
        }
        // connection
        if let Some(ct) = self.str_field(m, "connectionType", p) {
            match ct.to_ascii_uppercase().as_str() {
                "INTERNET" => integration.connection_type = ConnectionType::Internet,
                "VPC_LINK" => {
                    integration.connection_type = ConnectionType::VpcLink;
                    self.d
                        .not_enforced(&p.key("connectionType"), NotEnforced::VpcLink);
                }
                _ => self.d.error(
                    &p.key("connectionType"),
                    format!("Invalid connectionType '{ct}': expected INTERNET or VPC_LINK"),
                ),
            }
        }
        integration.connection_id = self.str_field(m, "connectionId", p).map(str::to_owned);
        if integration.connection_type == ConnectionType::VpcLink
            && integration.connection_id.is_none()
        {
            self.d.error(
                &p.key("connectionId"),
                "Missing connectionId: a VPC_LINK integration needs the VPC link's id",
            );
        }
        integration.credentials = self.str_field(m, "credentials", p).map(str::to_owned);
        // request mapping
        let owner = format!("resource '{resource_path}' and method '{verb}'");
        if let Some(rp) = m.get("requestParameters") {
            let pp = p.key("requestParameters");
            integration.request_parameters = self.mappings(rp, &pp, "requestParameters", &owner);
            self.check_request_mappings(
                &integration.request_parameters,
                method,
                &pp,
                verb,
                resource_path,
            );
        }
        if let Some(t) = m.get("requestTemplates") {
            integration.request_templates = self.templates(t, &p.key("requestTemplates"));
        }
        if let Some(pb) = self.str_field(m, "passthroughBehavior", p) {
            match PassthroughBehavior::parse(pb) {
                Some(b) => integration.passthrough_behavior = b,
                None => self.d.error(
                    &p.key("passthroughBehavior"),
                    format!("Invalid passthroughBehavior '{pb}': expected one of when_no_match, when_no_templates, never"),
                ),
            }
        }
        integration.content_handling = self.content_handling(m, p);
        match self.int_field(m, "timeoutInMillis", p) {
            Ok(Some(t))
                if (i64::from(Integration::MIN_TIMEOUT_MS)
                    ..=i64::from(Integration::DEFAULT_TIMEOUT_MS))
                    .contains(&t) =>
            {
                integration.timeout_in_millis =
                    u32::try_from(t).unwrap_or(Integration::DEFAULT_TIMEOUT_MS);
            }
            Ok(Some(t)) => self.d.error(
                &p.key("timeoutInMillis"),
                format!("Timeout should be between 50 ms and 29000 ms (got {t})"),
            ),
            _ => {}
        }
        integration.cache_namespace = self.str_field(m, "cacheNamespace", p).map(str::to_owned);
        if let Some(keys) = m.get("cacheKeyParameters") {
            integration.cache_key_parameters = self.string_list(keys, &p.key("cacheKeyParameters"));
        }
        if let Some(tls) = m.get("tlsConfig") {
            let tp = p.key("tlsConfig");
            if let Some(tls) = self.obj(tls, &tp) {
                integration.tls_config = Some(TlsConfig {
                    insecure_skip_verification: self
                        .bool_field(tls, "insecureSkipVerification", &tp)
                        .unwrap_or(false),
                });
            }
        }
        if let Some(responses) = m.get("responses") {
            integration.integration_responses = self.integration_responses(
                responses,
                &p.key("responses"),
                verb,
                resource_path,
                method,
            );
        }
        for key in m.keys() {
            if !KNOWN_INTEGRATION_KEYS.contains(&key.as_str()) {
                self.d.warn(
                    &p.key(key),
                    format!("Unknown integration property '{key}', ignored"),
                );
            }
        }
        (kind.is_some() && self.d.errors.len() == errors_before).then_some(integration)
    }

    fn content_handling(
        &mut self,
        m: &'a Map<String, Value>,
        p: &JPath,
    ) -> Option<ContentHandling> {
        let ch = self.str_field(m, "contentHandling", p)?;
        let parsed = ContentHandling::parse(ch);
        if parsed.is_none() {
            self.d.error(
                &p.key("contentHandling"),
                format!(
                    "Invalid contentHandling '{ch}': expected CONVERT_TO_BINARY or CONVERT_TO_TEXT"
                ),
            );
        }
        parsed
    }

    /// Every `method.request.*` source an integration maps must be a declared method request
    /// parameter, and every target an `integration.request.*` location (PutIntegration's rule).
    fn check_request_mappings(
        &mut self,
        mappings: &BTreeMap<String, String>,
        method: &Method,
        p: &JPath,
        verb: HttpMethod,
        resource_path: &str,
    ) {
        for (target, source) in mappings {
            let mut bad = Vec::new();
            let target_ok = target
                .strip_prefix("integration.request.")
                .and_then(|rest| rest.split_once('.'))
                .is_some_and(|(loc, name)| {
                    !name.is_empty()
                        && matches!(
                            loc,
                            "path"
                                | "querystring"
                                | "header"
                                | "multivaluequerystring"
                                | "multivalueheader"
                        )
                });
            if !target_ok {
                bad.push(target.clone());
            }
            if let Some(rest) = source.strip_prefix("method.request.") {
                let declared = |loc: &str, name: &str| {
                    let key = format!("method.request.{loc}.{name}");
                    method.request_parameters.keys().any(|k| {
                        if loc == "header" {
                            k.eq_ignore_ascii_case(&key)
                        } else {
                            *k == key
                        }
                    })
                };
                let ok = match rest.split_once('.') {
                    Some(("path", name)) => declared("path", name),
                    Some(("querystring" | "multivaluequerystring", name)) => {
                        declared("querystring", name) || declared("multivaluequerystring", name)
                    }
                    Some(("header" | "multivalueheader", name)) => {
                        declared("header", name) || declared("multivalueheader", name)
                    }
                    Some(("body", _)) => true,
                    None => rest == "body",
                    Some(_) => false,
                };
                if !ok {
                    bad.push(source.clone());
                }
            }
            if !bad.is_empty() {
                self.d.error(
                    &p.key(target),
                    format!(
                        "Unable to put integration on '{verb}' for resource at path '{resource_path}': Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: {}]",
                        bad.join(", ")
                    ),
                );
            }
        }
    }

    fn integration_responses(
        &mut self,
        v: &'a Value,
        p: &JPath,
        verb: HttpMethod,
        resource_path: &str,
        method: &Method,
    ) -> BTreeMap<String, IntegrationResponse> {
        let mut out: BTreeMap<String, IntegrationResponse> = BTreeMap::new();
        let mut pattern_of: HashMap<String, String> = HashMap::new();
        let Some(m) = self.obj(v, p) else {
            return out;
        };
        let owner = format!("resource '{resource_path}' and method '{verb}'");
        for (pattern, spec) in m {
            let rp = p.key(pattern);
            let Some(spec) = self.obj(spec, &rp) else {
                continue;
            };
            let Some(status) = self.text_field(spec, "statusCode", &rp) else {
                if spec.get("statusCode").is_none() {
                    self.d.error(
                        &rp.key("statusCode"),
                        "Missing statusCode: every integration response needs the method response status it maps to",
                    );
                }
                continue;
            };
            if !is_status_code(&status) {
                self.d.error(
                    &rp.key("statusCode"),
                    format!("Invalid status code '{status}': expected an HTTP status code from 100 to 599"),
                );
                continue;
            }
            if let Some(first) = pattern_of.get(&status) {
                self.d.error(
                    &rp.key("statusCode"),
                    format!("Integration responses '{first}' and '{pattern}' both map to status code {status}: a method has one integration response per status code"),
                );
                continue;
            }
            pattern_of.insert(status.clone(), pattern.clone());
            let method_response = method.method_responses.get(&status);
            if method_response.is_none() {
                self.d.warn(
                    &rp.key("statusCode"),
                    format!("No method response declares status code {status} (add it under the operation's responses)"),
                );
            }
            let response_parameters = match spec.get("responseParameters") {
                Some(v) => {
                    let pp = rp.key("responseParameters");
                    let params = self.mappings(v, &pp, "responseParameters", &owner);
                    if let Some(mr) = method_response {
                        for target in params.keys() {
                            let declared = mr
                                .response_parameters
                                .keys()
                                .any(|k| k.eq_ignore_ascii_case(target));
                            if !declared {
                                self.d.error(
                                    &pp.key(target),
                                    format!(
                                        "Unable to put integration response on '{verb}' for resource at path '{resource_path}': Invalid mapping expression specified: Validation Result: warnings : [], errors : [Invalid mapping expression parameter specified: {target}]"
                                    ),
                                );
                            }
                        }
                    }
                    params
                }
                None => BTreeMap::new(),
            };
            let response_templates = match spec.get("responseTemplates") {
                Some(t) => self.templates(t, &rp.key("responseTemplates")),
                None => BTreeMap::new(),
            };
            let content_handling = self.content_handling(spec, &rp);
            out.insert(
                status.clone(),
                IntegrationResponse {
                    status_code: status,
                    selection_pattern: (pattern != "default").then(|| pattern.clone()),
                    response_parameters,
                    response_templates,
                    content_handling,
                },
            );
        }
        out
    }
}

const KNOWN_INTEGRATION_KEYS: [&str; 15] = [
    "type",
    "uri",
    "httpMethod",
    "credentials",
    "connectionType",
    "connectionId",
    "requestParameters",
    "requestTemplates",
    "passthroughBehavior",
    "contentHandling",
    "timeoutInMillis",
    "cacheNamespace",
    "cacheKeyParameters",
    "tlsConfig",
    "responses",
];

/// `http(s)://` and something after it; stage variables may stand anywhere, even for the whole
/// base (`${stageVariables.url}/pets`).
fn valid_http_uri(uri: &str) -> bool {
    let lower = uri.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    match rest {
        Some(rest) => !rest.is_empty() && !rest.starts_with('/'),
        None => uri.starts_with("${stageVariables."),
    }
}

/// The base path of an OpenAPI 3 server: its `basePath` variable's default, else the path of
/// its url (variables replaced by their defaults).
fn server_base_path(server: &Value) -> Option<String> {
    let variables = server.get("variables");
    if let Some(default) = variables
        .and_then(|v| v.get("basePath"))
        .and_then(|b| b.get("default"))
        .and_then(scalar_text)
    {
        return Some(default);
    }
    let url = server.get("url")?.as_str()?;
    let mut expanded = String::new();
    let mut rest = url;
    while let Some(open) = rest.find('{') {
        expanded.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                let value = variables
                    .and_then(|v| v.get(name))
                    .and_then(|v| v.get("default"))
                    .and_then(scalar_text)
                    .unwrap_or_default();
                expanded.push_str(&value);
                rest = &after[close + 1..];
            }
            None => {
                expanded.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    expanded.push_str(rest);
    let path = match expanded.find("://") {
        Some(i) => {
            let after = &expanded[i + 3..];
            after.find('/').map(|j| &after[j..]).unwrap_or("")
        }
        None => expanded.as_str(),
    };
    Some(path.to_owned())
}
