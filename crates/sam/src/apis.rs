//! `AWS::Serverless::Api` resources (with `Globals.Api`) and the implicit `ServerlessRestApi`
//! into OpenAPI documents: the definition body (inline, a local `DefinitionUri`, an
//! `AWS::Include`, or generated), the functions' `Api` events as `aws_proxy` operations, and the
//! API-level properties SAM turns into `x-amazon-apigateway-*` extensions (CORS, binary media
//! types, gateway responses, models, ...).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::auth::ApiAuth;
use crate::eval::join;
use crate::functions::{ApiEvent, merge};
use crate::loader::{IMPLICIT_API, Loader, SERVERLESS_API, value_text};
use crate::yaml::{self, Node, Pos, V};
use crate::{FunctionConfig, SamApi};

/// Properties SAM allows in `Globals.Api`.
const GLOBAL_API_KEYS: [&str; 20] = [
    "Auth",
    "Name",
    "DefinitionUri",
    "CacheClusterEnabled",
    "CacheClusterSize",
    "MergeDefinitions",
    "Variables",
    "EndpointConfiguration",
    "MethodSettings",
    "BinaryMediaTypes",
    "MinimumCompressionSize",
    "Cors",
    "GatewayResponses",
    "AccessLogSetting",
    "CanarySetting",
    "TracingEnabled",
    "OpenApiVersion",
    "Domain",
    "AlwaysDeploy",
    "PropagateTags",
];

pub(crate) const INTEGRATION: &str = "x-amazon-apigateway-integration";
pub(crate) const ANY: &str = "x-amazon-apigateway-any-method";
/// The operation keys of a path item.
pub(crate) const OPERATIONS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", ANY,
];

/// The document's OpenAPI version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    Swagger2,
    Oas3,
}

impl<'a> Loader<'a> {
    pub(crate) fn apis(
        &mut self,
        events: &[ApiEvent],
        functions: &[FunctionConfig],
    ) -> Vec<SamApi> {
        let functions: Vec<String> = functions.iter().map(|f| f.name.clone()).collect();
        let root = self.root;
        let globals = root.get("Globals").and_then(|g| g.get("Api"));
        let mut kept = Vec::new();
        if let Some(g) = globals {
            for (k, n) in g.entries() {
                if GLOBAL_API_KEYS.contains(&k.as_str()) {
                    kept.push((k.clone(), n.clone()));
                } else {
                    self.warn(
                        &format!("Globals.Api.{k}"),
                        n.pos,
                        format!("'{k}' is not a property SAM allows in Globals.Api; ignored"),
                    );
                }
            }
        }
        let globals = Node::new(V::Map(kept), globals.map(|g| g.pos).unwrap_or_default());
        let explicit: Vec<(String, &'a Node)> = self
            .resources
            .iter()
            .filter(|r| r.enabled && r.ty == SERVERLESS_API)
            .map(|r| (r.id.clone(), r.node))
            .collect();
        let mut apis = Vec::new();
        for (id, node) in explicit {
            let own = node
                .get("Properties")
                .filter(|p| p.is_map())
                .cloned()
                .unwrap_or_else(|| Node::new(V::Map(Vec::new()), node.pos));
            let props = merge(&globals, &own);
            let mine: Vec<&ApiEvent> = events.iter().filter(|e| e.api == id).collect();
            if let Some(api) = self.api(&id, &props, node.pos, false, &mine, &functions) {
                apis.push(api);
            }
        }
        if self.implicit_api {
            let mine: Vec<&ApiEvent> = events.iter().filter(|e| e.api == IMPLICIT_API).collect();
            if !mine.is_empty()
                && let Some(api) =
                    self.api(IMPLICIT_API, &globals, globals.pos, true, &mine, &functions)
            {
                apis.push(api);
            }
        }
        apis
    }

    fn api(
        &mut self,
        id: &str,
        props: &Node,
        pos: Pos,
        implicit: bool,
        events: &[&ApiEvent],
        functions: &[String],
    ) -> Option<SamApi> {
        let base = if implicit {
            "Globals.Api".to_owned()
        } else {
            format!("Resources.{id}.Properties")
        };
        let at = |k: &str| join(&base, k);
        let errors_before = self.d.errors.len();
        // Properties that are not applied.
        for (k, n) in props.entries() {
            let k = k.as_str();
            match k {
                "StageName"
                | "Name"
                | "DefinitionBody"
                | "DefinitionUri"
                | "Variables"
                | "EndpointConfiguration"
                | "BinaryMediaTypes"
                | "MinimumCompressionSize"
                | "Cors"
                | "GatewayResponses"
                | "Auth"
                | "Models"
                | "Description"
                | "OpenApiVersion"
                | "Tags"
                | "PropagateTags"
                | "AlwaysDeploy"
                | "FailOnWarnings"
                | "MergeDefinitions"
                | "Mode"
                | "DisableExecuteApiEndpoint" => {}
                "MethodSettings"
                | "AccessLogSetting"
                | "CanarySetting"
                | "TracingEnabled"
                | "CacheClusterEnabled"
                | "CacheClusterSize"
                | "Domain"
                | "ApiKeySourceType" => {
                    self.warn(
                        &at(k),
                        n.pos,
                        format!("{k} is not applied by Tollgate from SAM templates yet; ignored"),
                    );
                }
                other => self.warn(
                    &at(other),
                    n.pos,
                    format!("Unknown Api property '{other}'; ignored"),
                ),
            }
        }
        // Stage.
        let stage_name = if implicit {
            "Prod".to_owned()
        } else {
            match props.get("StageName") {
                None => {
                    self.error(
                        &at("StageName"),
                        pos,
                        format!("{id} has no StageName: AWS::Serverless::Api requires one"),
                    );
                    return None;
                }
                Some(n) => match self.eval_text(n, &at("StageName")) {
                    Some(Ok(s)) if valid_stage(&s) => s,
                    Some(Ok(s)) => {
                        self.error(&at("StageName"), n.pos, format!("Invalid stage name '{s}': letters, digits, '-' and '_' only (at most 128)"));
                        return None;
                    }
                    _ => {
                        self.error(
                            &at("StageName"),
                            n.pos,
                            format!("Expected a stage name, found {}", n.kind()),
                        );
                        return None;
                    }
                },
            }
        };
        // The definition.
        let mut doc = self.definition(id, props, &base, pos)?;
        let flavor = match (doc.get("swagger"), doc.get("openapi")) {
            (Some(_), _) => Flavor::Swagger2,
            (None, Some(_)) => Flavor::Oas3,
            (None, None) => {
                self.error(
                    &at("DefinitionBody"),
                    pos,
                    "The definition is not an OpenAPI document: it needs 'openapi: 3.0.1' (or 'swagger: \"2.0\"') at its root",
                );
                return None;
            }
        };
        let obj = doc.as_object_mut()?;
        if !obj.get("paths").is_some_and(Value::is_object) {
            if obj.get("paths").is_some_and(|p| !p.is_null()) {
                self.error(
                    &at("DefinitionBody.paths"),
                    pos,
                    "Expected 'paths' to be a mapping",
                );
                return None;
            }
            obj.insert("paths".to_owned(), Value::Object(Map::new()));
        }
        // Auth, checked before the events name its authorizers.
        let auth = match props.get("Auth") {
            Some(n) => self.api_auth(id, n, &at("Auth"), functions),
            None => ApiAuth::none(),
        };
        // Events add their operations, with their own Auth.
        for ev in events {
            if self.add_event(obj, ev, flavor) {
                self.event_auth(obj, flavor, &auth, ev, &stage_name);
            }
        }
        // Models.
        if let Some(n) = props.get("Models") {
            match self.eval(n, &at("Models")) {
                Some(Value::Object(models)) => {
                    let schemas = match flavor {
                        Flavor::Oas3 => entry_object(entry_object(obj, "components"), "schemas"),
                        Flavor::Swagger2 => entry_object(obj, "definitions"),
                    };
                    for (name, schema) in models {
                        schemas.entry(name).or_insert(schema);
                    }
                }
                _ => self.error(
                    &at("Models"),
                    n.pos,
                    format!("Expected a mapping of model schemas, found {}", n.kind()),
                ),
            }
        }
        // Binary media types (`~1` is SAM's escape for `/`).
        if let Some(n) = props.get("BinaryMediaTypes") {
            match self.eval(n, &at("BinaryMediaTypes")) {
                Some(Value::Array(types)) => {
                    let list = entry_array(obj, "x-amazon-apigateway-binary-media-types");
                    for t in types.iter().filter_map(value_text) {
                        let t = Value::String(t.replace("~1", "/"));
                        if !list.contains(&t) {
                            list.push(t);
                        }
                    }
                }
                _ => self.error(
                    &at("BinaryMediaTypes"),
                    n.pos,
                    format!("Expected a list of media types, found {}", n.kind()),
                ),
            }
        }
        if let Some(n) = props.get("MinimumCompressionSize")
            && let Some(v) = self.eval(n, &at("MinimumCompressionSize"))
        {
            obj.insert("x-amazon-apigateway-minimum-compression-size".to_owned(), v);
        }
        if let Some(n) = props.get("DisableExecuteApiEndpoint")
            && let Some(v) = self.eval(n, &at("DisableExecuteApiEndpoint"))
        {
            entry_object(obj, "x-amazon-apigateway-endpoint-configuration")
                .insert("disableExecuteApiEndpoint".to_owned(), v);
        }
        // Endpoint configuration.
        let mut endpoint_type = None;
        if let Some(n) = props.get("EndpointConfiguration") {
            match self.eval(n, &at("EndpointConfiguration")) {
                Some(Value::String(t)) => endpoint_type = Some(t),
                Some(Value::Object(m)) => {
                    endpoint_type = m.get("Type").and_then(value_text);
                    if let Some(ids) = m.get("VPCEndpointIds") {
                        entry_object(obj, "x-amazon-apigateway-endpoint-configuration")
                            .insert("vpcEndpointIds".to_owned(), ids.clone());
                    }
                }
                _ => self.warn(
                    &at("EndpointConfiguration"),
                    n.pos,
                    "Expected a type or {Type, VPCEndpointIds}; ignored",
                ),
            }
            if let Some(t) = &endpoint_type
                && !matches!(t.as_str(), "EDGE" | "REGIONAL" | "PRIVATE")
            {
                self.error(
                    &at("EndpointConfiguration"),
                    n.pos,
                    format!("Invalid endpoint type '{t}': expected EDGE, REGIONAL or PRIVATE"),
                );
            }
        }
        // Gateway responses.
        if let Some(n) = props.get("GatewayResponses") {
            self.gateway_responses(obj, n, &at("GatewayResponses"));
        }
        // Description.
        if let Some(n) = props.get("Description")
            && let Some(Ok(d)) = self.eval_text(n, &at("Description"))
        {
            entry_object(obj, "info").insert("description".to_owned(), Value::String(d));
        }
        // CORS: an OPTIONS MOCK method on every path.
        if let Some(n) = props.get("Cors") {
            self.cors(obj, n, &at("Cors"), flavor);
        }
        // Auth on the whole API, after CORS as SAM does (the preflight methods get the default
        // authorizer too).
        let auth_pos = props.get("Auth").map_or(pos, |n| n.pos);
        self.apply_api_auth(obj, flavor, &auth, &stage_name, &at("Auth"), auth_pos);
        // Stage variables.
        let mut variables = BTreeMap::new();
        if let Some(n) = props.get("Variables") {
            match self.eval(n, &at("Variables")) {
                Some(Value::Object(m)) => {
                    for (k, v) in m {
                        let valid = !k.is_empty()
                            && k.len() <= 64
                            && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
                        if !valid {
                            self.error(&format!("{}.{k}", at("Variables")), n.pos, format!("Invalid stage variable name '{k}': letters, digits and '_' only"));
                            continue;
                        }
                        let text = value_text(&v).unwrap_or_else(|| v.to_string());
                        variables.insert(k, text);
                    }
                }
                _ => self.error(
                    &at("Variables"),
                    n.pos,
                    format!("Expected a mapping of stage variables, found {}", n.kind()),
                ),
            }
        }
        // Name and info.
        let title = obj
            .get("info")
            .and_then(|i| i.get("title"))
            .and_then(value_text)
            .filter(|t| !t.trim().is_empty());
        let name = match props.get("Name") {
            Some(n) => match self.eval_text(n, &at("Name")) {
                Some(Ok(s)) if !s.is_empty() => s,
                _ => {
                    self.error(
                        &at("Name"),
                        n.pos,
                        format!("Expected a name, found {}", n.kind()),
                    );
                    return None;
                }
            },
            None if implicit => self.stack_name.clone(),
            None => title.unwrap_or_else(|| id.to_owned()),
        };
        let info = entry_object(obj, "info");
        info.insert("title".to_owned(), Value::String(name.clone()));
        if !info.contains_key("version") {
            info.insert("version".to_owned(), Value::String("1.0".to_owned()));
        }
        if obj
            .get("paths")
            .and_then(Value::as_object)
            .is_some_and(Map::is_empty)
        {
            self.warn(&base, pos, format!("API {id} has no methods"));
        }
        if self.d.errors.len() > errors_before {
            return None;
        }
        // The importer must take it.
        self.validate(id, &base, pos, &doc);
        Some(SamApi {
            logical_id: id.to_owned(),
            id: self.api_id(id),
            name,
            stage_name,
            variables,
            more_stages: Vec::new(),
            endpoint_type,
            openapi: doc,
            usage_plan: auth.usage_plan,
        })
    }

    /// The definition: inline (`DefinitionBody`, or an `AWS::Include` in it), a local file
    /// (`DefinitionUri`), or an empty OpenAPI 3.0.1 skeleton.
    fn definition(&mut self, id: &str, props: &Node, base: &str, pos: Pos) -> Option<Value> {
        let skeleton = || {
            json!({
                "openapi": "3.0.1",
                "info": {"title": id, "version": "1.0"},
                "paths": {}
            })
        };
        let body = props.get("DefinitionBody");
        let uri = props.get("DefinitionUri");
        if body.is_some() && uri.is_some() {
            self.error(
                base,
                pos,
                "Specify either DefinitionUri or DefinitionBody, not both",
            );
            return None;
        }
        if let Some(body) = body {
            let path = join(base, "DefinitionBody");
            if let Some(("Fn::Transform", arg)) = body.intrinsic() {
                return self.include(arg, &path, body.pos);
            }
            return match self.eval(body, &path) {
                Some(v @ Value::Object(_)) => Some(v),
                _ => {
                    self.error(
                        &path,
                        body.pos,
                        format!(
                            "Expected an OpenAPI document (a mapping), found {}",
                            body.kind()
                        ),
                    );
                    None
                }
            };
        }
        if let Some(uri) = uri {
            let path = join(base, "DefinitionUri");
            if uri.is_map() && uri.intrinsic().is_none() {
                self.warn(&path, uri.pos, "The definition is in S3, which Tollgate does not download; the API gets only the functions' Api events");
                return Some(skeleton());
            }
            return match self.eval_text(uri, &path) {
                Some(Ok(s)) if s.starts_with("s3://") => {
                    self.warn(&path, uri.pos, format!("The definition is in S3 ({s}), which Tollgate does not download; the API gets only the functions' Api events"));
                    Some(skeleton())
                }
                Some(Ok(s)) => self.read_definition(&s, &path, uri.pos),
                _ => {
                    self.error(
                        &path,
                        uri.pos,
                        format!("Expected a local file path, found {}", uri.kind()),
                    );
                    None
                }
            };
        }
        Some(skeleton())
    }

    /// `Fn::Transform: {Name: AWS::Include, Parameters: {Location: ./api.yaml}}`
    pub(crate) fn include(&mut self, arg: &Node, path: &str, pos: Pos) -> Option<Value> {
        let name = arg.get("Name").and_then(Node::as_str);
        if name != Some("AWS::Include") {
            self.error(
                path,
                pos,
                format!(
                    "Fn::Transform {} is not supported: only AWS::Include of a local file",
                    name.unwrap_or("?")
                ),
            );
            return None;
        }
        let Some(location) = arg.get("Parameters").and_then(|p| p.get("Location")) else {
            self.error(path, pos, "AWS::Include needs Parameters.Location");
            return None;
        };
        match self.eval_text(location, path) {
            Some(Ok(s)) if s.starts_with("s3://") => {
                self.error(
                    path,
                    location.pos,
                    format!(
                        "AWS::Include of {s}: Tollgate does not download from S3; use a local path"
                    ),
                );
                None
            }
            Some(Ok(s)) => self.read_definition(&s, path, location.pos),
            _ => {
                self.error(path, location.pos, "Expected Location to be a path");
                None
            }
        }
    }

    /// Reads a local OpenAPI file (YAML or JSON; intrinsics in it are resolved too).
    pub(crate) fn read_definition(
        &mut self,
        relative: &str,
        path: &str,
        pos: Pos,
    ) -> Option<Value> {
        let file = self.local_path(relative);
        let too_big = std::fs::metadata(&file).is_ok_and(|m| m.len() > yaml::MAX_BYTES as u64);
        if too_big {
            self.error(
                path,
                pos,
                format!(
                    "{} is larger than {} bytes",
                    file.display(),
                    yaml::MAX_BYTES
                ),
            );
            return None;
        }
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) => {
                self.error(
                    path,
                    pos,
                    format!("Cannot read the definition {}: {e}", file.display()),
                );
                return None;
            }
        };
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
        let Ok(text) = std::str::from_utf8(bytes) else {
            self.error(
                path,
                pos,
                format!("The definition {} is not UTF-8 text", file.display()),
            );
            return None;
        };
        let fpath = format!("{path}({})", file.display());
        match yaml::parse(text) {
            Ok((node, warnings)) => {
                for (p, w) in warnings {
                    self.warn(&fpath, p, w);
                }
                match self.eval(&node, &fpath) {
                    Some(v @ Value::Object(_)) => Some(v),
                    _ => {
                        self.error(
                            &fpath,
                            node.pos,
                            format!(
                                "Expected an OpenAPI document (a mapping), found {}",
                                node.kind()
                            ),
                        );
                        None
                    }
                }
            }
            Err(e) => {
                self.error(&fpath, e.pos.unwrap_or_default(), e.message);
                None
            }
        }
    }

    /// Adds an event's operation; false when the definition keeps its own (or cannot take it).
    fn add_event(&mut self, doc: &mut Map<String, Value>, ev: &ApiEvent, flavor: Flavor) -> bool {
        let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
            return false;
        };
        let item = paths
            .entry(ev.path.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        let Some(item) = item.as_object_mut() else {
            self.warn(
                &ev.at,
                ev.pos,
                format!(
                    "The definition's path '{}' is not a mapping; the event is not added",
                    ev.path
                ),
            );
            return false;
        };
        if item.contains_key(&ev.method) {
            let shown = if ev.method == ANY {
                "any"
            } else {
                ev.method.as_str()
            };
            self.warn(
                &ev.at,
                ev.pos,
                format!("{} {} is already defined by the API's definition; the definition's operation is kept", shown.to_uppercase(), ev.path),
            );
            return false;
        }
        let mut params: Vec<(String, String, bool)> = path_params(&ev.path)
            .into_iter()
            .map(|name| (name, "path".to_owned(), true))
            .collect();
        for p in &ev.params {
            if !params.iter().any(|(n, l, _)| n == &p.0 && l == &p.1) {
                params.push(p.clone());
            }
        }
        let mut op = Map::new();
        if !params.is_empty() {
            let list = params
                .into_iter()
                .map(|(name, location, required)| match flavor {
                    Flavor::Oas3 => json!({"name": name, "in": location, "required": required, "schema": {"type": "string"}}),
                    Flavor::Swagger2 => json!({"name": name, "in": location, "required": required, "type": "string"}),
                })
                .collect();
            op.insert("parameters".to_owned(), Value::Array(list));
        }
        op.insert("responses".to_owned(), Value::Object(Map::new()));
        let mut integration = json!({
            "type": "aws_proxy",
            "httpMethod": "POST",
            "uri": ev.uri,
            "passthroughBehavior": "when_no_match",
        });
        if let (Some(t), Some(m)) = (ev.timeout_ms, integration.as_object_mut()) {
            m.insert("timeoutInMillis".to_owned(), Value::Number(t.into()));
        }
        op.insert(INTEGRATION.to_owned(), integration);
        item.insert(ev.method.clone(), Value::Object(op));
        true
    }

    fn gateway_responses(&mut self, doc: &mut Map<String, Value>, n: &Node, path: &str) {
        let Some(Value::Object(responses)) = self.eval(n, path) else {
            self.error(
                path,
                n.pos,
                format!(
                    "Expected a mapping of gateway responses, found {}",
                    n.kind()
                ),
            );
            return;
        };
        let out = entry_object(doc, "x-amazon-apigateway-gateway-responses");
        let mut problems = Vec::new();
        for (ty, response) in responses {
            let Value::Object(response) = response else {
                problems.push(format!("{ty}: expected a mapping"));
                continue;
            };
            let mut gr = Map::new();
            for (k, v) in &response {
                match k.as_str() {
                    "StatusCode" => {
                        if let Some(code) = value_text(v) {
                            gr.insert("statusCode".to_owned(), Value::String(code));
                        }
                    }
                    "ResponseTemplates" => {
                        gr.insert("responseTemplates".to_owned(), v.clone());
                    }
                    "ResponseParameters" => {
                        let mut params = Map::new();
                        for (group, prefix) in [("Headers", "header"), ("Paths", "path"), ("QueryStrings", "querystring")] {
                            if let Some(Value::Object(m)) = v.get(group) {
                                for (name, value) in m {
                                    params.insert(format!("gatewayresponse.{prefix}.{name}"), value.clone());
                                }
                            }
                        }
                        gr.insert("responseParameters".to_owned(), Value::Object(params));
                    }
                    other => problems.push(format!("{ty}: unknown property '{other}' (expected StatusCode, ResponseParameters, ResponseTemplates)")),
                }
            }
            out.insert(ty, Value::Object(gr));
        }
        for p in problems {
            self.error(path, n.pos, p);
        }
    }

    /// SAM's `Cors`: on every path without an OPTIONS operation, an OPTIONS MOCK method whose
    /// integration response sets the `Access-Control-Allow-*` headers, as the console's "Enable
    /// CORS" and SAM build it.
    fn cors(&mut self, doc: &mut Map<String, Value>, n: &Node, path: &str, flavor: Flavor) {
        let Some(v) = self.eval(n, path) else {
            return;
        };
        let (origin, headers, methods, max_age, credentials) = match v {
            Value::String(origin) => (origin, None, None, None, false),
            Value::Object(m) => {
                for k in m.keys() {
                    if !matches!(
                        k.as_str(),
                        "AllowOrigin"
                            | "AllowHeaders"
                            | "AllowMethods"
                            | "MaxAge"
                            | "AllowCredentials"
                    ) {
                        self.error(&join(path, k), n.pos, format!("Unknown Cors property '{k}' (expected AllowOrigin, AllowHeaders, AllowMethods, MaxAge, AllowCredentials)"));
                        return;
                    }
                }
                let origin = m
                    .get("AllowOrigin")
                    .and_then(value_text)
                    .unwrap_or_else(|| "'*'".to_owned());
                let headers = m
                    .get("AllowHeaders")
                    .and_then(value_text)
                    .filter(|s| !s.is_empty());
                let methods = m
                    .get("AllowMethods")
                    .and_then(value_text)
                    .filter(|s| !s.is_empty());
                let max_age = m.get("MaxAge").and_then(|v| match v {
                    Value::Number(n) => Some(format!("'{n}'")),
                    other => value_text(other),
                });
                let credentials = matches!(m.get("AllowCredentials"), Some(Value::Bool(true)))
                    || m.get("AllowCredentials").and_then(Value::as_str) == Some("true");
                (origin, headers, methods, max_age, credentials)
            }
            other => {
                self.error(path, n.pos, format!("Invalid value for Cors: expected a string such as \"'*'\" or a mapping, found {other}"));
                return;
            }
        };
        if credentials && origin == "'*'" {
            self.error(path, n.pos, "Unable to add Cors configuration because 'AllowCredentials' can not be true when 'AllowOrigin' is \"'*'\" or not set");
            return;
        }
        for (label, value) in [
            ("AllowOrigin", Some(&origin)),
            ("AllowHeaders", headers.as_ref()),
            ("AllowMethods", methods.as_ref()),
        ] {
            if let Some(value) = value
                && !(value.len() >= 2 && value.starts_with('\'') && value.ends_with('\''))
            {
                self.warn(
                    &join(path, label),
                    n.pos,
                    format!("{label} {value} is not quoted: API Gateway reads it as a mapping expression, not a literal; write \"'{value}'\""),
                );
            }
        }
        let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
            return;
        };
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            if item.contains_key("options") {
                continue;
            }
            let allow_methods = match &methods {
                Some(m) => m.clone(),
                None => format!("'{}'", allowed_methods(item)),
            };
            let mut params = Map::new();
            let mut headers_decl = Map::new();
            let header = |t: &str| match flavor {
                Flavor::Oas3 => json!({"schema": {"type": t}}),
                Flavor::Swagger2 => json!({"type": t}),
            };
            params.insert(
                "method.response.header.Access-Control-Allow-Origin".to_owned(),
                Value::String(origin.clone()),
            );
            headers_decl.insert("Access-Control-Allow-Origin".to_owned(), header("string"));
            if let Some(h) = &headers {
                params.insert(
                    "method.response.header.Access-Control-Allow-Headers".to_owned(),
                    Value::String(h.clone()),
                );
                headers_decl.insert("Access-Control-Allow-Headers".to_owned(), header("string"));
            }
            params.insert(
                "method.response.header.Access-Control-Allow-Methods".to_owned(),
                Value::String(allow_methods),
            );
            headers_decl.insert("Access-Control-Allow-Methods".to_owned(), header("string"));
            if let Some(age) = &max_age {
                params.insert(
                    "method.response.header.Access-Control-Max-Age".to_owned(),
                    Value::String(age.clone()),
                );
                headers_decl.insert("Access-Control-Max-Age".to_owned(), header("integer"));
            }
            if credentials {
                params.insert(
                    "method.response.header.Access-Control-Allow-Credentials".to_owned(),
                    Value::String("'true'".to_owned()),
                );
                headers_decl.insert(
                    "Access-Control-Allow-Credentials".to_owned(),
                    header("string"),
                );
            }
            let mut op = Map::new();
            op.insert("summary".to_owned(), json!("CORS support"));
            if flavor == Flavor::Swagger2 {
                op.insert("consumes".to_owned(), json!(["application/json"]));
                op.insert("produces".to_owned(), json!(["application/json"]));
            }
            op.insert(
                INTEGRATION.to_owned(),
                json!({
                    "type": "mock",
                    "requestTemplates": {"application/json": "{\n  \"statusCode\" : 200\n}\n"},
                    "responses": {
                        "default": {
                            "statusCode": "200",
                            "responseParameters": params,
                            "responseTemplates": {"application/json": "{}\n"}
                        }
                    }
                }),
            );
            op.insert(
                "responses".to_owned(),
                json!({"200": {"description": "Default response for CORS method", "headers": headers_decl}}),
            );
            item.insert("options".to_owned(), Value::Object(op));
        }
    }

    /// Runs the OpenAPI importer on the document; its errors are the template's.
    pub(crate) fn validate(&mut self, id: &str, base: &str, pos: Pos, doc: &Value) {
        let bytes = match serde_json::to_vec(doc) {
            Ok(b) => b,
            Err(e) => {
                self.error(
                    base,
                    pos,
                    format!("The definition of {id} cannot be written as JSON: {e}"),
                );
                return;
            }
        };
        if let Err(e) =
            tollgate_openapi::import(&bytes, &tollgate_openapi::ImportOptions::default())
        {
            for d in e.errors {
                self.error(
                    base,
                    pos,
                    format!(
                        "The OpenAPI definition of {id} is refused: {}: {}",
                        d.path, d.message
                    ),
                );
            }
        }
    }
}

pub(crate) fn valid_stage(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `{id}` and `{proxy+}` names of a path.
fn path_params(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| name.trim_end_matches('+').to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}

/// SAM's Access-Control-Allow-Methods for a path: its methods plus OPTIONS, sorted; all of
/// them when the path has ANY.
fn allowed_methods(item: &Map<String, Value>) -> String {
    let mut methods: Vec<String> = if item.contains_key(ANY) {
        ["OPTIONS", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    } else {
        item.keys()
            .filter(|k| OPERATIONS.contains(&k.as_str()))
            .map(|k| k.to_ascii_uppercase())
            .chain(std::iter::once("OPTIONS".to_owned()))
            .collect()
    };
    methods.sort();
    methods.dedup();
    methods.join(",")
}

/// `map[key]` as an object, created (or replaced, when it is not one) as needed.
pub(crate) fn entry_object<'m>(
    map: &'m mut Map<String, Value>,
    key: &str,
) -> &'m mut Map<String, Value> {
    let slot = map
        .entry(key.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    match slot {
        Value::Object(m) => m,
        _ => unreachable!("just made an object"),
    }
}

fn entry_array<'m>(map: &'m mut Map<String, Value>, key: &str) -> &'m mut Vec<Value> {
    let slot = map
        .entry(key.to_owned())
        .or_insert_with(|| Value::Array(Vec::new()));
    if !slot.is_array() {
        *slot = Value::Array(Vec::new());
    }
    match slot {
        Value::Array(a) => a,
        _ => unreachable!("just made an array"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_and_methods() {
        assert_eq!(path_params("/pets/{id}/toys/{proxy+}"), ["id", "proxy"]);
        let item: Map<String, Value> =
            serde_json::from_str(r#"{"get":{},"post":{},"parameters":[]}"#).unwrap();
        assert_eq!(allowed_methods(&item), "GET,OPTIONS,POST");
        let item: Map<String, Value> =
            serde_json::from_str(r#"{"x-amazon-apigateway-any-method":{}}"#).unwrap();
        assert_eq!(
            allowed_methods(&item),
            "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"
        );
    }
}
