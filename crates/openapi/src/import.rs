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
mod extensions;
mod integration;
mod paths;
mod security;

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

/// How a value reads in messages ("but got '...'"), cut to a readable length.
fn value_text(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    const MAX: usize = 200;
    if text.chars().count() <= MAX {
        text
    } else {
        let mut cut: String = text.chars().take(MAX).collect();
        cut.push_str("...");
        cut
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
    substitute_pseudo_parameters(&mut doc);
    let Value::Object(root) = &doc else {
        d.error(
            &JPath::root(),
            format!(
                "The document must be an object (a JSON object or a YAML mapping), found {}",
                kind(&doc)
            ),
        );
        return finish(d, None, options);
    };
    let mut importer = Importer {
        doc: &doc,
        root,
        flavor: Flavor::Oas3,
        base_mode: options.base_path,
        d,
        definition: ApiDefinition::empty(new_rest_api(options)),
        schemes: HashMap::new(),
        validators: HashMap::new(),
        default_validator: None,
        model_names: HashSet::new(),
        variable_child: HashMap::new(),
        by_path: HashMap::new(),
        defined_paths: HashMap::new(),
    };
    let definition = importer.run();
    let servers = root.get("servers").and_then(Value::as_array);
    let endpoint_configuration = root.contains_key(ENDPOINT_CONFIGURATION)
        || servers
            .into_iter()
            .flatten()
            .any(|s| s.get(ENDPOINT_CONFIGURATION).is_some());
    finish(importer.d, definition, options).map(|mut imported| {
        imported.endpoint_configuration = endpoint_configuration;
        imported
    })
}

/// The API being imported: under `options.api_id` when the caller imports into an existing API.
fn new_rest_api(options: &ImportOptions) -> RestApi {
    let mut api = RestApi::new("");
    if let Some(id) = &options.api_id {
        api.id.clone_from(id);
    }
    api
}

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
                endpoint_configuration: false,
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
                    if needs_vtl(s)
                        && let Err(e) = tollgate_vtl::Template::parse(s)
                    {
                        self.d.warn(
                            &p.key(ct),
                            format!(
                                "The mapping template does not parse ({e}): requests that select it will fail with 500"
                            ),
                        );
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
        let info = match self.root.get("info") {
            Some(Value::Object(info)) => info,
            None | Some(Value::Null) => {
                self.d.error(
                    &p.key("title"),
                    "Missing required field info.title: it becomes the API's name",
                );
                return None;
            }
            Some(other) => {
                self.d
                    .error(&p, format!("Expected an object, found {}", kind(other)));
                return None;
            }
        };
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
            // A document's Empty or Error replaces the built-in one, unless it is the built-in
            // as an export writes it (then the built-in stays, description and text included, so
            // that importing an export gives back the same models).
            if self
                .definition
                .models
                .iter()
                .any(|m| m.name == *name && same_schema(m.schema.as_deref(), &schema))
            {
                self.model_names.insert(name.clone());
                continue;
            }
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
}

/// Whether stored schema text and a document's schema are the same schema, `$schema` aside.
fn same_schema(stored: Option<&str>, schema: &Value) -> bool {
    let Some(Ok(mut stored)) = stored.map(serde_json::from_str::<Value>) else {
        return false;
    };
    let mut schema = schema.clone();
    for v in [&mut stored, &mut schema] {
        if let Some(map) = v.as_object_mut() {
            map.remove("$schema");
        }
    }
    stored == schema
}
