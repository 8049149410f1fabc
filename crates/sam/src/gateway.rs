//! Plain CloudFormation API Gateway resources, as `cdk synth` and hand-written templates declare
//! them, into the same OpenAPI documents as SAM APIs: each `AWS::ApiGateway::RestApi` (its
//! `Body`, inline or a local `BodyS3Location`, else an empty document) with the `Resource`s,
//! `Method`s (with their `Integration`s), `Model`s, `RequestValidator`s, `Authorizer`s and
//! `GatewayResponse`s that name it, served at the stages its `Stage`s and `Deployment`s'
//! `StageName` give; `DomainName`s and `BasePathMapping`s as [`SamDomain`]s.
//!
//! `AWS::Lambda::Permission` is ignored without a word: every API of the template may call
//! every function of the template.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value, json};

use crate::apis::{ANY, INTEGRATION, entry_object, valid_stage};
use crate::auth::{as_bool, as_u64};
use crate::eval::join;
use crate::loader::{Loader, SERVERLESS_API, value_text};
use crate::yaml::{Node, Pos, V};
use crate::{SamApi, SamBasePathMapping, SamDomain, SamStage};

pub(crate) const REST_API: &str = "AWS::ApiGateway::RestApi";
pub(crate) const RESOURCE: &str = "AWS::ApiGateway::Resource";
pub(crate) const METHOD: &str = "AWS::ApiGateway::Method";
pub(crate) const DEPLOYMENT: &str = "AWS::ApiGateway::Deployment";
pub(crate) const STAGE: &str = "AWS::ApiGateway::Stage";
pub(crate) const MODEL: &str = "AWS::ApiGateway::Model";
pub(crate) const REQUEST_VALIDATOR: &str = "AWS::ApiGateway::RequestValidator";
pub(crate) const AUTHORIZER: &str = "AWS::ApiGateway::Authorizer";
pub(crate) const GATEWAY_RESPONSE: &str = "AWS::ApiGateway::GatewayResponse";
pub(crate) const DOMAIN_NAME: &str = "AWS::ApiGateway::DomainName";
pub(crate) const BASE_PATH_MAPPING: &str = "AWS::ApiGateway::BasePathMapping";
pub(crate) const LAMBDA_PERMISSION: &str = "AWS::Lambda::Permission";

/// The resource types read here (the loader's warning about resources it does not run skips
/// them).
pub(crate) const HANDLED: [&str; 12] = [
    REST_API,
    RESOURCE,
    METHOD,
    DEPLOYMENT,
    STAGE,
    MODEL,
    REQUEST_VALIDATOR,
    AUTHORIZER,
    GATEWAY_RESPONSE,
    DOMAIN_NAME,
    BASE_PATH_MAPPING,
    LAMBDA_PERMISSION,
];

/// The types that belong to one API, named by their `RestApiId`.
const CHILDREN: [&str; 8] = [
    RESOURCE,
    METHOD,
    DEPLOYMENT,
    STAGE,
    MODEL,
    REQUEST_VALIDATOR,
    AUTHORIZER,
    GATEWAY_RESPONSE,
];

/// Types whose `Ref` is an id API Gateway generates.
pub(crate) const GENERATED_IDS: [&str; 7] = [
    RESOURCE,
    METHOD,
    DEPLOYMENT,
    REQUEST_VALIDATOR,
    AUTHORIZER,
    GATEWAY_RESPONSE,
    BASE_PATH_MAPPING,
];

/// The security scheme names written for `AWS_IAM` and `ApiKeyRequired`, as API Gateway's
/// export names them.
const SIGV4: &str = "sigv4";
const API_KEY_SCHEME: &str = "api_key";

/// The path part API Gateway gives the root resource.
const ROOT: &str = "/";

/// A child resource of an API.
struct Child<'a> {
    id: String,
    ty: String,
    props: Option<&'a Node>,
    pos: Pos,
}

impl<'a> Loader<'a> {
    /// The logical id that `Ref X` or `Fn::GetAtt [X, Attribute]` names (after `Fn::If`s), and
    /// the attribute.
    ///
    /// A plain string that is the logical id of a resource of the template is read as a `Ref`
    /// to it, with a warning (CloudFormation would take it as a literal id; `sam local` reads
    /// it as a reference).
    fn target(&mut self, n: &'a Node, path: &str) -> Option<(String, Option<String>)> {
        let n = self.pick(n, path)?;
        if let V::Str(s) = &n.v
            && self.resource(s).is_some()
        {
            self.warn(
                path,
                n.pos,
                format!("'{s}' is a logical id written as a string: CloudFormation needs !Ref {s} (it would take the string as an id); read as a reference, as sam local does"),
            );
            return Some((s.clone(), None));
        }
        match n.intrinsic() {
            Some(("Ref", arg)) => arg.as_str().map(|s| (s.to_owned(), None)),
            Some(("Fn::GetAtt", arg)) => match &arg.v {
                V::Str(s) => s
                    .split_once('.')
                    .map(|(r, a)| (r.to_owned(), Some(a.to_owned()))),
                V::Seq(items) if items.len() == 2 => Some((
                    items[0].as_str()?.to_owned(),
                    items[1].as_str().map(str::to_owned),
                )),
                _ => None,
            },
            _ => None,
        }
    }

    /// The template's `AWS::ApiGateway::RestApi`s as APIs to serve.
    pub(crate) fn rest_apis(&mut self) -> Vec<SamApi> {
        let apis: Vec<(String, &'a Node)> = self
            .resources
            .iter()
            .filter(|r| r.enabled && r.ty == REST_API)
            .map(|r| (r.id.clone(), r.node))
            .collect();
        let children: Vec<Child<'a>> = self
            .resources
            .iter()
            .filter(|r| r.enabled && CHILDREN.contains(&r.ty.as_str()))
            .map(|r| Child {
                id: r.id.clone(),
                ty: r.ty.clone(),
                props: r.properties(),
                pos: r.node.pos,
            })
            .collect();
        let mut by_api: HashMap<String, Vec<Child<'a>>> = HashMap::new();
        for child in children {
            let path = format!("Resources.{}.Properties.RestApiId", child.id);
            let Some(n) = child.props.and_then(|p| p.get("RestApiId")) else {
                self.warn(
                    &path,
                    child.pos,
                    format!("{} {} has no RestApiId (the API it belongs to, which CloudFormation requires); it is not added to any API", child.ty, child.id),
                );
                continue;
            };
            let why = match self.target(n, &path) {
                Some((api, None)) => match self.resource(&api).map(|r| (r.ty.clone(), r.enabled)) {
                    Some((ty, true)) if ty == REST_API => {
                        by_api.entry(api).or_default().push(child);
                        continue;
                    }
                    Some((_, false)) => format!("the Condition of {api} is false"),
                    Some((ty, true)) if ty == SERVERLESS_API => format!(
                        "{api} is an AWS::Serverless::Api, whose resources and methods SAM generates from its definition"
                    ),
                    Some((ty, true)) => format!("{api} is an {ty}"),
                    None => format!("'{api}' is not a resource of the template"),
                },
                _ => "it is not a !Ref of an AWS::ApiGateway::RestApi of this template (an API of another stack cannot be changed locally)".to_owned(),
            };
            self.warn(
                &path,
                n.pos,
                format!("{} {} is not added to any API: {why}", child.ty, child.id),
            );
        }
        let mut out = Vec::new();
        for (id, node) in apis {
            let children = by_api.remove(&id).unwrap_or_default();
            if let Some(api) = self.rest_api(&id, node, &children) {
                out.push(api);
            }
        }
        out
    }

    fn rest_api(&mut self, id: &str, node: &'a Node, children: &[Child<'a>]) -> Option<SamApi> {
        let base = format!("Resources.{id}.Properties");
        let at = |k: &str| join(&base, k);
        let props = node.get("Properties").filter(|p| p.is_map());
        let errors_before = self.d.errors.len();
        for (k, n) in props.map(Node::entries).unwrap_or_default() {
            match k.as_str() {
                "Name"
                | "Description"
                | "Body"
                | "BodyS3Location"
                | "BinaryMediaTypes"
                | "ApiKeySourceType"
                | "MinimumCompressionSize"
                | "Policy"
                | "EndpointConfiguration"
                | "DisableExecuteApiEndpoint"
                | "FailOnWarnings"
                | "Tags"
                | "Mode" => {}
                "CloneFrom" | "Parameters" => self.warn(
                    &at(k),
                    n.pos,
                    format!("{k} is not applied by Tollgate; ignored"),
                ),
                other => self.warn(
                    &at(other),
                    n.pos,
                    format!("Unknown RestApi property '{other}'; ignored"),
                ),
            }
        }
        let get = |k: &str| props.and_then(|p| p.get(k));
        let mut doc = self.rest_api_body(id, get("Body"), get("BodyS3Location"), &base)?;
        let Some(obj) = doc.as_object_mut() else {
            self.error(&at("Body"), node.pos, "Expected an OpenAPI document");
            return None;
        };
        let oas3 = obj.contains_key("openapi");
        if !oas3 && !obj.contains_key("swagger") {
            self.error(
                &at("Body"),
                node.pos,
                "The definition is not an OpenAPI document: it needs 'openapi: 3.0.1' (or 'swagger: \"2.0\"') at its root",
            );
            return None;
        }
        if !obj.get("paths").is_some_and(Value::is_object) {
            obj.insert("paths".to_owned(), Value::Object(Map::new()));
        }
        // API-level properties.
        if let Some(n) = get("BinaryMediaTypes") {
            match self.eval(n, &at("BinaryMediaTypes")) {
                Some(Value::Array(types)) => {
                    let types: Vec<Value> = types
                        .iter()
                        .filter_map(value_text)
                        .map(|t| Value::String(t.replace("~1", "/")))
                        .collect();
                    obj.insert(
                        "x-amazon-apigateway-binary-media-types".to_owned(),
                        Value::Array(types),
                    );
                }
                _ => self.error(
                    &at("BinaryMediaTypes"),
                    n.pos,
                    format!("Expected a list of media types, found {}", n.kind()),
                ),
            }
        }
        if let Some(n) = get("ApiKeySourceType")
            && let Some(Ok(source)) = self.eval_text(n, &at("ApiKeySourceType"))
        {
            obj.insert(
                "x-amazon-apigateway-api-key-source".to_owned(),
                Value::String(source),
            );
        }
        if let Some(n) = get("MinimumCompressionSize")
            && let Some(v) = self.eval(n, &at("MinimumCompressionSize"))
        {
            obj.insert("x-amazon-apigateway-minimum-compression-size".to_owned(), v);
        }
        if let Some(n) = get("Policy") {
            match self.eval(n, &at("Policy")) {
                Some(Value::String(text)) => match serde_json::from_str::<Value>(&text) {
                    Ok(policy) => {
                        obj.insert("x-amazon-apigateway-policy".to_owned(), policy);
                    }
                    Err(e) => self.error(
                        &at("Policy"),
                        n.pos,
                        format!("The policy is not a JSON document: {e}"),
                    ),
                },
                Some(policy @ Value::Object(_)) => {
                    obj.insert("x-amazon-apigateway-policy".to_owned(), policy);
                }
                _ => self.error(
                    &at("Policy"),
                    n.pos,
                    format!("Expected a policy document, found {}", n.kind()),
                ),
            }
        }
        let mut endpoint_type = None;
        if let Some(n) = get("EndpointConfiguration") {
            match self.eval(n, &at("EndpointConfiguration")) {
                Some(Value::Object(m)) => {
                    endpoint_type = m
                        .get("Types")
                        .and_then(Value::as_array)
                        .and_then(|t| t.first())
                        .and_then(value_text);
                    if let Some(ids) = m.get("VpcEndpointIds") {
                        entry_object(obj, "x-amazon-apigateway-endpoint-configuration")
                            .insert("vpcEndpointIds".to_owned(), ids.clone());
                    }
                }
                _ => self.warn(
                    &at("EndpointConfiguration"),
                    n.pos,
                    "Expected {Types, VpcEndpointIds}; ignored",
                ),
            }
        }
        if let Some(n) = get("DisableExecuteApiEndpoint")
            && let Some(v) = self.eval(n, &at("DisableExecuteApiEndpoint"))
        {
            entry_object(obj, "x-amazon-apigateway-endpoint-configuration")
                .insert("disableExecuteApiEndpoint".to_owned(), v);
        }
        if let Some(n) = get("Description")
            && let Some(Ok(d)) = self.eval_text(n, &at("Description"))
        {
            entry_object(obj, "info").insert("description".to_owned(), Value::String(d));
        }
        // The API's parts, each in its own section of the document.
        self.models(obj, children, oas3);
        let validators = self.validators(obj, children);
        let authorizers = self.authorizers(obj, children, oas3);
        self.gateway_response_resources(obj, children);
        let paths = self.resource_paths(id, children);
        let names = Names {
            api: id,
            validators: &validators,
            authorizers: &authorizers,
            paths: &paths,
            oas3,
        };
        for child in children.iter().filter(|c| c.ty == METHOD) {
            self.method(obj, child, &names);
        }
        let mut stages = self.stages(id, children);
        // Name and info.
        let title = obj
            .get("info")
            .and_then(|i| i.get("title"))
            .and_then(value_text)
            .filter(|t| !t.trim().is_empty());
        let name = match get("Name").map(|n| (n, self.eval_text(n, &at("Name")))) {
            Some((_, Some(Ok(s)))) if !s.is_empty() => s,
            Some((n, _)) => {
                self.error(
                    &at("Name"),
                    n.pos,
                    format!("Expected a name, found {}", n.kind()),
                );
                return None;
            }
            None => title.unwrap_or_else(|| id.to_owned()),
        };
        let info = entry_object(obj, "info");
        info.insert("title".to_owned(), Value::String(name.clone()));
        if !info.contains_key("version") {
            info.insert("version".to_owned(), Value::String("1.0".to_owned()));
        }
        if self.d.errors.len() > errors_before {
            return None;
        }
        if stages.is_empty() {
            self.warn(
                &format!("Resources.{id}"),
                node.pos,
                format!("API {id} has no stage (no AWS::ApiGateway::Stage, no AWS::ApiGateway::Deployment with a StageName), so it cannot be called; it is not served"),
            );
            return None;
        }
        self.validate(id, &base, node.pos, &doc);
        let first = stages.remove(0);
        Some(SamApi {
            logical_id: id.to_owned(),
            id: self.api_id(id),
            name,
            stage_name: first.name,
            variables: first.variables,
            more_stages: stages,
            endpoint_type,
            openapi: doc,
            usage_plan: None,
        })
    }

    /// `Body` (inline or an `AWS::Include`), a local `BodyS3Location`, or an empty OpenAPI
    /// 3.0.1 document.
    fn rest_api_body(
        &mut self,
        id: &str,
        body: Option<&'a Node>,
        location: Option<&'a Node>,
        base: &str,
    ) -> Option<Value> {
        let skeleton =
            || json!({"openapi": "3.0.1", "info": {"title": id, "version": "1.0"}, "paths": {}});
        if let Some(body) = body {
            let path = join(base, "Body");
            if location.is_some() {
                self.warn(
                    &path,
                    body.pos,
                    "Both Body and BodyS3Location are set: Body is used, as CloudFormation does",
                );
            }
            if let Some(("Fn::Transform", arg)) = body.intrinsic() {
                return self.include(arg, &path, body.pos);
            }
            return match self.eval(body, &path) {
                Some(v @ Value::Object(_)) => Some(v),
                Some(Value::String(text)) => match serde_json::from_str::<Value>(&text) {
                    Ok(v @ Value::Object(_)) => Some(v),
                    _ => {
                        self.error(
                            &path,
                            body.pos,
                            "Body is a string but not a JSON OpenAPI document",
                        );
                        None
                    }
                },
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
        let Some(location) = location else {
            return Some(skeleton());
        };
        let path = join(base, "BodyS3Location");
        if location.is_map() && location.intrinsic().is_none() {
            let bucket = location.get("Bucket").and_then(Node::as_str).unwrap_or("?");
            let key = location.get("Key").and_then(Node::as_str).unwrap_or("?");
            self.warn(
                &path,
                location.pos,
                format!("The definition is in S3 (s3://{bucket}/{key}), which Tollgate does not download: point BodyS3Location at a local file (as before `aws cloudformation package`); the API gets only its Resource and Method resources"),
            );
            return Some(skeleton());
        }
        match self.eval_text(location, &path) {
            Some(Ok(s)) if s.starts_with("s3://") => {
                self.warn(
                    &path,
                    location.pos,
                    format!("The definition is in S3 ({s}), which Tollgate does not download: point BodyS3Location at a local file; the API gets only its Resource and Method resources"),
                );
                Some(skeleton())
            }
            Some(Ok(s)) => self.read_definition(&s, &path, location.pos),
            _ => {
                self.error(
                    &path,
                    location.pos,
                    format!("Expected a local file path, found {}", location.kind()),
                );
                None
            }
        }
    }

    /// `AWS::ApiGateway::Model`s into the document's schemas.
    fn models(&mut self, doc: &mut Map<String, Value>, children: &[Child<'a>], oas3: bool) {
        for c in children.iter().filter(|c| c.ty == MODEL) {
            let base = format!("Resources.{}.Properties", c.id);
            self.known_properties(
                c,
                &["Name", "Schema", "ContentType", "Description", "RestApiId"],
            );
            let name = self.model_name(&c.id);
            let schema = match c.props.and_then(|p| p.get("Schema")) {
                None => json!({"type": "object"}),
                Some(n) => match self.eval(n, &join(&base, "Schema")) {
                    Some(v @ Value::Object(_)) => v,
                    Some(Value::String(text)) => match serde_json::from_str::<Value>(&text) {
                        Ok(v @ Value::Object(_)) => v,
                        _ => {
                            self.error(
                                &join(&base, "Schema"),
                                n.pos,
                                "The schema is a string but not a JSON object",
                            );
                            continue;
                        }
                    },
                    _ => {
                        self.error(
                            &join(&base, "Schema"),
                            n.pos,
                            format!("Expected a JSON schema, found {}", n.kind()),
                        );
                        continue;
                    }
                },
            };
            if let Some(n) = c.props.and_then(|p| p.get("ContentType"))
                && let Some(Ok(ct)) = self.eval_text(n, &join(&base, "ContentType"))
                && ct != "application/json"
            {
                self.warn(
                    &join(&base, "ContentType"),
                    n.pos,
                    format!("Model {name} is stored with content type application/json, not {ct}"),
                );
            }
            let schemas = if oas3 {
                entry_object(entry_object(doc, "components"), "schemas")
            } else {
                entry_object(doc, "definitions")
            };
            if schemas.contains_key(&name) {
                self.error(
                    &format!("Resources.{}", c.id),
                    c.pos,
                    format!("The API already has a model named {name}"),
                );
                continue;
            }
            schemas.insert(name, schema);
        }
    }

    /// A model's name: `Name`, else (CloudFormation would generate one) the logical id.
    pub(crate) fn model_name(&mut self, id: &str) -> String {
        let node = self
            .resource(id)
            .and_then(|r| r.properties())
            .and_then(|p| p.get("Name"));
        match node {
            Some(n) => match self.eval_text(n, &format!("Resources.{id}.Properties.Name")) {
                Some(Ok(s)) if !s.is_empty() => s,
                _ => id.to_owned(),
            },
            None => id.to_owned(),
        }
    }

    /// `AWS::ApiGateway::RequestValidator`s; logical id → validator name.
    fn validators(
        &mut self,
        doc: &mut Map<String, Value>,
        children: &[Child<'a>],
    ) -> HashMap<String, String> {
        let mut names = HashMap::new();
        for c in children.iter().filter(|c| c.ty == REQUEST_VALIDATOR) {
            let base = format!("Resources.{}.Properties", c.id);
            self.known_properties(
                c,
                &[
                    "Name",
                    "RestApiId",
                    "ValidateRequestBody",
                    "ValidateRequestParameters",
                ],
            );
            let name = match c.props.and_then(|p| p.get("Name")) {
                Some(n) => match self.eval_text(n, &join(&base, "Name")) {
                    Some(Ok(s)) if !s.is_empty() => s,
                    _ => c.id.clone(),
                },
                None => c.id.clone(),
            };
            let flag = |l: &mut Self, key: &str| -> bool {
                let Some(n) = c.props.and_then(|p| p.get(key)) else {
                    return false;
                };
                match l.eval(n, &join(&base, key)).as_ref().and_then(as_bool) {
                    Some(b) => b,
                    None => {
                        l.error(&join(&base, key), n.pos, "Expected a boolean");
                        false
                    }
                }
            };
            let body = flag(self, "ValidateRequestBody");
            let params = flag(self, "ValidateRequestParameters");
            entry_object(doc, "x-amazon-apigateway-request-validators").insert(
                name.clone(),
                json!({"validateRequestBody": body, "validateRequestParameters": params}),
            );
            names.insert(c.id.clone(), name);
        }
        names
    }

    /// `AWS::ApiGateway::Authorizer`s as security schemes; logical id → scheme name.
    fn authorizers(
        &mut self,
        doc: &mut Map<String, Value>,
        children: &[Child<'a>],
        oas3: bool,
    ) -> HashMap<String, String> {
        let mut names = HashMap::new();
        for c in children.iter().filter(|c| c.ty == AUTHORIZER) {
            let base = format!("Resources.{}.Properties", c.id);
            self.known_properties(
                c,
                &[
                    "Name",
                    "RestApiId",
                    "Type",
                    "AuthorizerUri",
                    "AuthorizerCredentials",
                    "AuthorizerResultTtlInSeconds",
                    "IdentitySource",
                    "IdentityValidationExpression",
                    "ProviderARNs",
                    "AuthType",
                ],
            );
            let Some(Value::Object(p)) = c.props.and_then(|p| self.eval(p, &base)) else {
                continue;
            };
            let text = |k: &str| p.get(k).and_then(value_text);
            let name = text("Name")
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| c.id.clone());
            let ty = text("Type").map(|t| t.to_ascii_uppercase());
            let auth_type = match ty.as_deref() {
                Some("TOKEN" | "REQUEST") => "custom",
                Some("COGNITO_USER_POOLS") => "cognito_user_pools",
                other => {
                    self.error(
                        &join(&base, "Type"),
                        c.pos,
                        format!(
                            "Invalid authorizer Type {}: expected TOKEN, REQUEST or COGNITO_USER_POOLS",
                            other.unwrap_or("(none)")
                        ),
                    );
                    continue;
                }
            };
            let mut authorizer = Map::new();
            authorizer.insert(
                "type".to_owned(),
                Value::String(ty.unwrap_or_default().to_ascii_lowercase()),
            );
            for (from, to) in [
                ("AuthorizerUri", "authorizerUri"),
                ("AuthorizerCredentials", "authorizerCredentials"),
                ("IdentitySource", "identitySource"),
                (
                    "IdentityValidationExpression",
                    "identityValidationExpression",
                ),
            ] {
                if let Some(v) = text(from) {
                    authorizer.insert(to.to_owned(), Value::String(v));
                }
            }
            if let Some(v) = p.get("AuthorizerResultTtlInSeconds") {
                match as_u64(v) {
                    Some(ttl) => {
                        authorizer.insert(
                            "authorizerResultTtlInSeconds".to_owned(),
                            Value::Number(ttl.into()),
                        );
                    }
                    None => self.error(
                        &join(&base, "AuthorizerResultTtlInSeconds"),
                        c.pos,
                        format!("Expected an integer, found {v}"),
                    ),
                }
            }
            if let Some(arns) = p.get("ProviderARNs") {
                authorizer.insert("providerARNs".to_owned(), arns.clone());
            }
            // The header a TOKEN (or Cognito) authorizer reads is the scheme's `name`.
            let header = text("IdentitySource")
                .and_then(|s| s.strip_prefix("method.request.header.").map(str::to_owned))
                .filter(|h| !h.contains(','))
                .unwrap_or_else(|| "Unused".to_owned());
            let scheme = json!({
                "type": "apiKey",
                "name": header,
                "in": "header",
                "x-amazon-apigateway-authtype": auth_type,
                "x-amazon-apigateway-authorizer": authorizer,
            });
            let schemes = if oas3 {
                entry_object(entry_object(doc, "components"), "securitySchemes")
            } else {
                entry_object(doc, "securityDefinitions")
            };
            schemes.insert(name.clone(), scheme);
            names.insert(c.id.clone(), name);
        }
        names
    }

    fn gateway_response_resources(&mut self, doc: &mut Map<String, Value>, children: &[Child<'a>]) {
        for c in children.iter().filter(|c| c.ty == GATEWAY_RESPONSE) {
            let base = format!("Resources.{}.Properties", c.id);
            self.known_properties(
                c,
                &[
                    "ResponseType",
                    "RestApiId",
                    "StatusCode",
                    "ResponseParameters",
                    "ResponseTemplates",
                ],
            );
            let Some(Value::Object(p)) = c.props.and_then(|p| self.eval(p, &base)) else {
                continue;
            };
            let Some(ty) = p.get("ResponseType").and_then(value_text) else {
                self.error(
                    &join(&base, "ResponseType"),
                    c.pos,
                    "Missing ResponseType (DEFAULT_4XX, UNAUTHORIZED, ...)",
                );
                continue;
            };
            let mut gr = Map::new();
            if let Some(code) = p.get("StatusCode").and_then(value_text) {
                gr.insert("statusCode".to_owned(), Value::String(code));
            }
            for (from, to) in [
                ("ResponseParameters", "responseParameters"),
                ("ResponseTemplates", "responseTemplates"),
            ] {
                if let Some(v) = p.get(from) {
                    gr.insert(to.to_owned(), v.clone());
                }
            }
            let responses = entry_object(doc, "x-amazon-apigateway-gateway-responses");
            if responses.contains_key(&ty) {
                self.error(
                    &format!("Resources.{}", c.id),
                    c.pos,
                    format!("The API already has a {ty} gateway response"),
                );
                continue;
            }
            responses.insert(ty, Value::Object(gr));
        }
    }

    /// The path of every `AWS::ApiGateway::Resource` of the API, by logical id.
    fn resource_paths(&mut self, api: &str, children: &[Child<'a>]) -> HashMap<String, String> {
        // logical id → (parent logical id, None for the root; path part)
        let mut tree: HashMap<String, (Option<String>, String, Pos)> = HashMap::new();
        for c in children.iter().filter(|c| c.ty == RESOURCE) {
            let base = format!("Resources.{}.Properties", c.id);
            self.known_properties(c, &["ParentId", "PathPart", "RestApiId"]);
            let parent = match c.props.and_then(|p| p.get("ParentId")) {
                None => {
                    self.error(&join(&base, "ParentId"), c.pos, "Missing ParentId");
                    continue;
                }
                Some(n) => match self.target(n, &join(&base, "ParentId")) {
                    Some((a, Some(attr))) if a == api && attr == "RootResourceId" => None,
                    Some((r, None)) if children.iter().any(|o| o.id == r && o.ty == RESOURCE) => {
                        Some(r)
                    }
                    _ => {
                        self.error(
                            &join(&base, "ParentId"),
                            n.pos,
                            format!("ParentId must be !GetAtt {api}.RootResourceId or !Ref of an AWS::ApiGateway::Resource of {api}"),
                        );
                        continue;
                    }
                },
            };
            let part = match c.props.and_then(|p| p.get("PathPart")) {
                None => {
                    self.error(&join(&base, "PathPart"), c.pos, "Missing PathPart");
                    continue;
                }
                Some(n) => match self.eval_text(n, &join(&base, "PathPart")) {
                    Some(Ok(s)) if !s.is_empty() && !s.contains('/') => s,
                    _ => {
                        self.error(
                            &join(&base, "PathPart"),
                            n.pos,
                            "Expected one path segment (such as items, {id} or {proxy+})",
                        );
                        continue;
                    }
                },
            };
            if let Some((other, _)) = tree
                .iter()
                .find(|(_, (p, s, _))| *p == parent && *s == part)
            {
                self.error(
                    &format!("Resources.{}", c.id),
                    c.pos,
                    format!("Another resource ({other}) with the same parent already has the path part '{part}'"),
                );
                continue;
            }
            tree.insert(c.id.clone(), (parent, part, c.pos));
        }
        let mut paths = HashMap::new();
        let ids: Vec<String> = tree.keys().cloned().collect();
        for id in ids {
            let mut parts = Vec::new();
            let mut current = Some(id.clone());
            let mut seen = HashSet::new();
            let mut broken = false;
            while let Some(c) = current {
                if !seen.insert(c.clone()) {
                    broken = true;
                    break;
                }
                match tree.get(&c) {
                    Some((parent, part, _)) => {
                        parts.push(part.clone());
                        current = parent.clone();
                    }
                    None => {
                        // Its parent had an error, already reported.
                        broken = true;
                        break;
                    }
                }
            }
            if broken {
                if seen.len() > 1 && tree.contains_key(&id) && current_cycle(&tree, &id) {
                    let pos = tree.get(&id).map(|t| t.2).unwrap_or_default();
                    self.error(
                        &format!("Resources.{id}.Properties.ParentId"),
                        pos,
                        "The resource is its own ancestor (a cycle of ParentIds)",
                    );
                }
                continue;
            }
            parts.reverse();
            paths.insert(id, format!("/{}", parts.join("/")));
        }
        paths
    }

    fn method(&mut self, doc: &mut Map<String, Value>, c: &Child<'a>, names: &Names<'_>) {
        let base = format!("Resources.{}.Properties", c.id);
        let at = |k: &str| join(&base, k);
        self.known_properties(
            c,
            &[
                "RestApiId",
                "ResourceId",
                "HttpMethod",
                "AuthorizationType",
                "AuthorizerId",
                "AuthorizationScopes",
                "ApiKeyRequired",
                "OperationName",
                "RequestParameters",
                "RequestModels",
                "RequestValidatorId",
                "MethodResponses",
                "Integration",
            ],
        );
        let Some(props) = c.props else {
            self.error(&base, c.pos, "A method needs ResourceId and HttpMethod");
            return;
        };
        let errors_before = self.d.errors.len();
        // Where.
        let path = match props.get("ResourceId") {
            None => {
                self.error(&at("ResourceId"), c.pos, "Missing ResourceId");
                None
            }
            Some(n) => match self.target(n, &at("ResourceId")) {
                Some((a, Some(attr))) if a == names.api && attr == "RootResourceId" => {
                    Some(ROOT.to_owned())
                }
                Some((r, None)) if names.paths.contains_key(&r) => names.paths.get(&r).cloned(),
                Some((r, None)) if self.resource(&r).is_some_and(|x| x.ty == RESOURCE) => {
                    self.warn(
                        &at("ResourceId"),
                        n.pos,
                        format!("{r} is not a resource of API {} (see its own messages); the method is not added", names.api),
                    );
                    return;
                }
                _ => {
                    self.error(
                        &at("ResourceId"),
                        n.pos,
                        format!("ResourceId must be !GetAtt {}.RootResourceId or !Ref of an AWS::ApiGateway::Resource of {}", names.api, names.api),
                    );
                    None
                }
            },
        };
        let verb = match props.get("HttpMethod") {
            None => {
                self.error(&at("HttpMethod"), c.pos, "Missing HttpMethod");
                None
            }
            Some(n) => match self.eval_text(n, &at("HttpMethod")) {
                Some(Ok(m)) => match m.to_ascii_uppercase().as_str() {
                    "ANY" => Some(ANY.to_owned()),
                    v @ ("GET" | "PUT" | "POST" | "DELETE" | "PATCH" | "HEAD" | "OPTIONS") => {
                        Some(v.to_ascii_lowercase())
                    }
                    _ => {
                        self.error(
                            &at("HttpMethod"),
                            n.pos,
                            format!("Invalid HttpMethod '{m}': expected GET, PUT, POST, DELETE, PATCH, HEAD, OPTIONS or ANY"),
                        );
                        None
                    }
                },
                _ => {
                    self.error(&at("HttpMethod"), n.pos, "Expected an HTTP method");
                    None
                }
            },
        };
        let mut op = Map::new();
        if let Some(n) = props.get("OperationName")
            && let Some(Ok(name)) = self.eval_text(n, &at("OperationName"))
        {
            op.insert("operationId".to_owned(), Value::String(name));
        }
        // Request parameters.
        if let Some(n) = props.get("RequestParameters") {
            let mut list = Vec::new();
            match self.eval(n, &at("RequestParameters")) {
                Some(Value::Object(m)) => {
                    for (key, required) in m {
                        let location = [
                            ("method.request.path.", "path"),
                            ("method.request.querystring.", "query"),
                            ("method.request.header.", "header"),
                        ]
                        .iter()
                        .find_map(|(prefix, loc)| {
                            key.strip_prefix(prefix).map(|name| (name.to_owned(), *loc))
                        });
                        let Some((name, location)) = location.filter(|(n, _)| !n.is_empty()) else {
                            self.error(
                                &join(&at("RequestParameters"), &key),
                                n.pos,
                                format!("Invalid method request parameter '{key}': expected method.request.{{path|querystring|header}}.Name"),
                            );
                            continue;
                        };
                        let required = as_bool(&required).unwrap_or(false) || location == "path";
                        list.push(if names.oas3 {
                            json!({"name": name, "in": location, "required": required, "schema": {"type": "string"}})
                        } else {
                            json!({"name": name, "in": location, "required": required, "type": "string"})
                        });
                    }
                }
                _ => self.error(
                    &at("RequestParameters"),
                    n.pos,
                    format!(
                        "Expected a mapping of method.request.* names to booleans, found {}",
                        n.kind()
                    ),
                ),
            }
            if !list.is_empty() {
                op.insert("parameters".to_owned(), Value::Array(list));
            }
        }
        // Request models.
        if let Some(n) = props.get("RequestModels") {
            match self.eval(n, &at("RequestModels")) {
                Some(Value::Object(m)) => {
                    let mut content = Map::new();
                    for (ct, model) in m {
                        if let Some(schema) =
                            self.model_ref(doc, &model, names, &at("RequestModels"), n.pos)
                        {
                            content.insert(ct, json!({"schema": schema}));
                        }
                    }
                    if names.oas3 {
                        op.insert("requestBody".to_owned(), json!({"content": content}));
                    } else if let Some((ct, media)) = content.into_iter().next() {
                        let mut params = op
                            .remove("parameters")
                            .and_then(|p| match p {
                                Value::Array(a) => Some(a),
                                _ => None,
                            })
                            .unwrap_or_default();
                        params.push(json!({"name": "body", "in": "body", "required": true, "schema": media["schema"]}));
                        op.insert("parameters".to_owned(), Value::Array(params));
                        op.insert("consumes".to_owned(), json!([ct]));
                    }
                }
                _ => self.error(
                    &at("RequestModels"),
                    n.pos,
                    format!(
                        "Expected a mapping of content types to models, found {}",
                        n.kind()
                    ),
                ),
            }
        }
        // Request validator.
        if let Some(n) = props.get("RequestValidatorId") {
            match self.target(n, &at("RequestValidatorId")) {
                Some((v, None)) if names.validators.contains_key(&v) => {
                    if let Some(name) = names.validators.get(&v) {
                        op.insert(
                            "x-amazon-apigateway-request-validator".to_owned(),
                            Value::String(name.clone()),
                        );
                    }
                }
                _ => self.error(
                    &at("RequestValidatorId"),
                    n.pos,
                    format!("RequestValidatorId must be !Ref of an AWS::ApiGateway::RequestValidator of {}", names.api),
                ),
            }
        }
        // Authorization.
        let mut requirement = Map::new();
        let auth_type = match props.get("AuthorizationType") {
            None => "NONE".to_owned(),
            Some(n) => match self.eval_text(n, &at("AuthorizationType")) {
                Some(Ok(t)) => t.to_ascii_uppercase(),
                _ => {
                    self.error(
                        &at("AuthorizationType"),
                        n.pos,
                        "Expected NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS",
                    );
                    "NONE".to_owned()
                }
            },
        };
        let scopes = match props.get("AuthorizationScopes") {
            Some(n) => match self.eval(n, &at("AuthorizationScopes")) {
                Some(Value::Array(s)) => s,
                _ => {
                    self.error(
                        &at("AuthorizationScopes"),
                        n.pos,
                        "Expected a list of scopes",
                    );
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        match auth_type.as_str() {
            "NONE" => {}
            "AWS_IAM" => {
                self.security_scheme(doc, names.oas3, SIGV4, json!({"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"}));
                requirement.insert(SIGV4.to_owned(), json!([]));
            }
            "CUSTOM" | "COGNITO_USER_POOLS" => {
                let authorizer = props.get("AuthorizerId").and_then(|n| {
                    self.target(n, &at("AuthorizerId"))
                        .and_then(|(a, _)| names.authorizers.get(&a).cloned())
                });
                match authorizer {
                    Some(scheme) => {
                        requirement.insert(scheme, Value::Array(scopes));
                    }
                    None => self.error(
                        &at("AuthorizerId"),
                        props.get("AuthorizerId").map_or(c.pos, |n| n.pos),
                        format!("AuthorizationType {auth_type} needs AuthorizerId: !Ref of an AWS::ApiGateway::Authorizer of {}", names.api),
                    ),
                }
            }
            other => self.error(
                &at("AuthorizationType"),
                props.get("AuthorizationType").map_or(c.pos, |n| n.pos),
                format!("Invalid AuthorizationType '{other}': expected NONE, AWS_IAM, CUSTOM or COGNITO_USER_POOLS"),
            ),
        }
        if let Some(n) = props.get("ApiKeyRequired") {
            match self
                .eval(n, &at("ApiKeyRequired"))
                .as_ref()
                .and_then(as_bool)
            {
                Some(true) => {
                    self.security_scheme(
                        doc,
                        names.oas3,
                        API_KEY_SCHEME,
                        json!({"type": "apiKey", "name": "x-api-key", "in": "header"}),
                    );
                    requirement.insert(API_KEY_SCHEME.to_owned(), json!([]));
                }
                Some(false) => {}
                None => self.error(&at("ApiKeyRequired"), n.pos, "Expected a boolean"),
            }
        }
        if !requirement.is_empty() {
            op.insert("security".to_owned(), json!([requirement]));
        }
        // Method responses.
        let mut responses = Map::new();
        if let Some(n) = props.get("MethodResponses") {
            match self.eval(n, &at("MethodResponses")) {
                Some(Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        let ip = format!("{}[{i}]", at("MethodResponses"));
                        let Some(code) = item.get("StatusCode").and_then(value_text) else {
                            self.error(&ip, n.pos, "Missing StatusCode");
                            continue;
                        };
                        let mut response = Map::new();
                        response.insert(
                            "description".to_owned(),
                            Value::String(format!("{code} response")),
                        );
                        if let Some(Value::Object(params)) = item.get("ResponseParameters") {
                            let mut headers = Map::new();
                            for key in params.keys() {
                                match key.strip_prefix("method.response.header.") {
                                    Some(h) if !h.is_empty() => {
                                        headers.insert(h.to_owned(), if names.oas3 { json!({"schema": {"type": "string"}}) } else { json!({"type": "string"}) });
                                    }
                                    _ => self.error(&format!("{ip}.ResponseParameters.{key}"), n.pos, format!("Invalid method response parameter '{key}': expected method.response.header.Name")),
                                }
                            }
                            response.insert("headers".to_owned(), Value::Object(headers));
                        }
                        if let Some(Value::Object(models)) = item.get("ResponseModels") {
                            let mut content = Map::new();
                            for (ct, model) in models {
                                if let Some(schema) = self.model_ref(
                                    doc,
                                    model,
                                    names,
                                    &format!("{ip}.ResponseModels"),
                                    n.pos,
                                ) {
                                    content.insert(ct.clone(), json!({"schema": schema}));
                                }
                            }
                            if names.oas3 {
                                response.insert("content".to_owned(), Value::Object(content));
                            } else if let Some((_, media)) = content.into_iter().next() {
                                response.insert("schema".to_owned(), media["schema"].clone());
                            }
                        }
                        if responses
                            .insert(code.clone(), Value::Object(response))
                            .is_some()
                        {
                            self.error(
                                &ip,
                                n.pos,
                                format!("Method response {code} is defined twice"),
                            );
                        }
                    }
                }
                _ => self.error(
                    &at("MethodResponses"),
                    n.pos,
                    format!("Expected a list of method responses, found {}", n.kind()),
                ),
            }
        }
        op.insert("responses".to_owned(), Value::Object(responses));
        // Integration.
        if let Some(n) = props.get("Integration") {
            match self.eval(n, &at("Integration")) {
                Some(Value::Object(m)) => {
                    if let Some(i) = self.integration(&m, &at("Integration"), n.pos) {
                        op.insert(INTEGRATION.to_owned(), i);
                    }
                }
                _ => self.error(
                    &at("Integration"),
                    n.pos,
                    format!("Expected an integration, found {}", n.kind()),
                ),
            }
        }
        let (Some(path), Some(verb)) = (path, verb) else {
            return;
        };
        if self.d.errors.len() > errors_before {
            return;
        }
        let paths = entry_object(doc, "paths");
        let item = entry_object(paths, &path);
        if item.contains_key(&verb) {
            let shown = if verb == ANY {
                "ANY".to_owned()
            } else {
                verb.to_ascii_uppercase()
            };
            self.error(
                &format!("Resources.{}", c.id),
                c.pos,
                format!("Method {shown} {path} already exists in API {}", names.api),
            );
            return;
        }
        item.insert(verb, Value::Object(op));
    }

    /// A `$ref` to the model a method names (by `!Ref` or by name); the built-in `Empty` and
    /// `Error` models are added to the document when it does not define them.
    fn model_ref(
        &mut self,
        doc: &mut Map<String, Value>,
        model: &Value,
        names: &Names<'_>,
        path: &str,
        pos: Pos,
    ) -> Option<Value> {
        let Some(name) = value_text(model) else {
            self.error(path, pos, format!("Expected a model name, found {model}"));
            return None;
        };
        let prefix = if names.oas3 {
            "#/components/schemas/"
        } else {
            "#/definitions/"
        };
        let schemas = if names.oas3 {
            entry_object(entry_object(doc, "components"), "schemas")
        } else {
            entry_object(doc, "definitions")
        };
        if !schemas.contains_key(&name) {
            let builtin = match name.as_str() {
                "Empty" => {
                    json!({"$schema": "http://json-schema.org/draft-04/schema#", "title": "Empty Schema", "type": "object"})
                }
                "Error" => {
                    json!({"$schema": "http://json-schema.org/draft-04/schema#", "title": "Error Schema", "type": "object", "properties": {"message": {"type": "string"}}})
                }
                _ => {
                    self.error(
                        path,
                        pos,
                        format!("Model {name} is not defined for API {}", names.api),
                    );
                    return None;
                }
            };
            schemas.insert(name.clone(), builtin);
        }
        Some(json!({"$ref": format!("{prefix}{name}")}))
    }

    fn security_scheme(
        &mut self,
        doc: &mut Map<String, Value>,
        oas3: bool,
        name: &str,
        scheme: Value,
    ) {
        let schemes = if oas3 {
            entry_object(entry_object(doc, "components"), "securitySchemes")
        } else {
            entry_object(doc, "securityDefinitions")
        };
        schemes.entry(name.to_owned()).or_insert(scheme);
    }

    /// A method's `Integration` as `x-amazon-apigateway-integration`.
    fn integration(&mut self, m: &Map<String, Value>, path: &str, pos: Pos) -> Option<Value> {
        let mut out = Map::new();
        for (k, v) in m {
            let to = match k.as_str() {
                "Type" => {
                    let t = value_text(v).unwrap_or_default().to_ascii_uppercase();
                    if !matches!(
                        t.as_str(),
                        "AWS" | "AWS_PROXY" | "HTTP" | "HTTP_PROXY" | "MOCK"
                    ) {
                        self.error(&join(path, k), pos, format!("Invalid integration Type '{t}': expected AWS, AWS_PROXY, HTTP, HTTP_PROXY or MOCK"));
                        return None;
                    }
                    out.insert("type".to_owned(), Value::String(t.to_ascii_lowercase()));
                    continue;
                }
                "PassthroughBehavior" => {
                    let t = value_text(v).unwrap_or_default().to_ascii_lowercase();
                    out.insert("passthroughBehavior".to_owned(), Value::String(t));
                    continue;
                }
                "IntegrationResponses" => {
                    let Value::Array(items) = v else {
                        self.error(
                            &join(path, k),
                            pos,
                            "Expected a list of integration responses",
                        );
                        return None;
                    };
                    let mut responses = Map::new();
                    for (i, item) in items.iter().enumerate() {
                        let ip = format!("{}[{i}]", join(path, k));
                        let Some(code) = item.get("StatusCode").and_then(value_text) else {
                            self.error(&ip, pos, "Missing StatusCode");
                            continue;
                        };
                        let key = item
                            .get("SelectionPattern")
                            .and_then(value_text)
                            .filter(|p| !p.is_empty())
                            .unwrap_or_else(|| "default".to_owned());
                        let mut r = Map::new();
                        r.insert("statusCode".to_owned(), Value::String(code));
                        for (from, to) in [
                            ("ResponseParameters", "responseParameters"),
                            ("ResponseTemplates", "responseTemplates"),
                            ("ContentHandling", "contentHandling"),
                        ] {
                            if let Some(v) = item.get(from) {
                                r.insert(to.to_owned(), v.clone());
                            }
                        }
                        if responses.insert(key.clone(), Value::Object(r)).is_some() {
                            self.error(
                                &ip,
                                pos,
                                format!(
                                    "Two integration responses have the selection pattern '{key}'"
                                ),
                            );
                        }
                    }
                    out.insert("responses".to_owned(), Value::Object(responses));
                    continue;
                }
                "Uri" => "uri",
                "IntegrationHttpMethod" => "httpMethod",
                "RequestTemplates" => "requestTemplates",
                "RequestParameters" => "requestParameters",
                "ContentHandling" => "contentHandling",
                "TimeoutInMillis" => "timeoutInMillis",
                "CacheKeyParameters" => "cacheKeyParameters",
                "CacheNamespace" => "cacheNamespace",
                "Credentials" => "credentials",
                "ConnectionType" => "connectionType",
                "ConnectionId" => "connectionId",
                other => {
                    self.warn(
                        &join(path, other),
                        pos,
                        format!(
                            "Integration property '{other}' is not applied by Tollgate; ignored"
                        ),
                    );
                    continue;
                }
            };
            out.insert(to.to_owned(), v.clone());
        }
        Some(Value::Object(out))
    }

    /// The API's stages: `AWS::ApiGateway::Stage`s, then the `StageName`s of its
    /// `AWS::ApiGateway::Deployment`s, in template order.
    fn stages(&mut self, api: &str, children: &[Child<'a>]) -> Vec<SamStage> {
        let mut stages: Vec<SamStage> = Vec::new();
        let ordered = children
            .iter()
            .filter(|c| c.ty == STAGE)
            .chain(children.iter().filter(|c| c.ty == DEPLOYMENT));
        for c in ordered {
            let base = format!("Resources.{}.Properties", c.id);
            let (name_key, vars_at, ignored): (&str, String, &[&str]) = if c.ty == STAGE {
                self.known_properties(
                    c,
                    &[
                        "StageName",
                        "RestApiId",
                        "DeploymentId",
                        "Description",
                        "Variables",
                        "Tags",
                        "MethodSettings",
                        "TracingEnabled",
                        "CacheClusterEnabled",
                        "CacheClusterSize",
                        "AccessLogSetting",
                        "CanarySetting",
                        "ClientCertificateId",
                        "DocumentationVersion",
                    ],
                );
                (
                    "StageName",
                    base.clone(),
                    &[
                        "MethodSettings",
                        "TracingEnabled",
                        "CacheClusterEnabled",
                        "CacheClusterSize",
                        "AccessLogSetting",
                        "CanarySetting",
                        "ClientCertificateId",
                        "DocumentationVersion",
                    ],
                )
            } else {
                self.known_properties(
                    c,
                    &[
                        "StageName",
                        "RestApiId",
                        "Description",
                        "StageDescription",
                        "DeploymentCanarySettings",
                    ],
                );
                (
                    "StageName",
                    join(&base, "StageDescription"),
                    &["DeploymentCanarySettings"],
                )
            };
            for key in ignored {
                if let Some(n) = c.props.and_then(|p| p.get(key)) {
                    self.warn(
                        &join(&base, key),
                        n.pos,
                        format!("{key} is not applied by Tollgate from templates yet; ignored"),
                    );
                }
            }
            let Some(n) = c.props.and_then(|p| p.get(name_key)) else {
                if c.ty == STAGE {
                    self.error(&join(&base, "StageName"), c.pos, "Missing StageName");
                }
                continue;
            };
            let name = match self.eval_text(n, &join(&base, name_key)) {
                Some(Ok(s)) if valid_stage(&s) => s,
                _ => {
                    self.error(
                        &join(&base, name_key),
                        n.pos,
                        "Invalid stage name: letters, digits, '-' and '_' only (at most 128)",
                    );
                    continue;
                }
            };
            let vars_node = if c.ty == STAGE {
                c.props.and_then(|p| p.get("Variables"))
            } else {
                let sd = c.props.and_then(|p| p.get("StageDescription"));
                for (k, v) in sd.map(Node::entries).unwrap_or_default() {
                    if !matches!(k.as_str(), "Variables" | "Description" | "Tags") {
                        self.warn(
                            &join(&vars_at, k),
                            v.pos,
                            format!("{k} is not applied by Tollgate from templates yet; ignored"),
                        );
                    }
                }
                sd.and_then(|s| s.get("Variables"))
            };
            let mut variables = BTreeMap::new();
            if let Some(v) = vars_node {
                match self.eval(v, &join(&vars_at, "Variables")) {
                    Some(Value::Object(m)) => {
                        for (k, val) in m {
                            variables
                                .insert(k, value_text(&val).unwrap_or_else(|| val.to_string()));
                        }
                    }
                    _ => self.error(
                        &join(&vars_at, "Variables"),
                        v.pos,
                        "Expected a mapping of stage variables",
                    ),
                }
            }
            if stages.iter().any(|s| s.name == name) {
                self.error(
                    &join(&base, name_key),
                    n.pos,
                    format!("API {api} already has a stage named {name}"),
                );
                continue;
            }
            stages.push(SamStage { name, variables });
        }
        stages
    }

    /// Warns about properties outside `known`.
    fn known_properties(&mut self, c: &Child<'a>, known: &[&str]) {
        let short = c.ty.rsplit("::").next().unwrap_or(&c.ty);
        for (k, n) in c.props.map(Node::entries).unwrap_or_default() {
            if !known.contains(&k.as_str()) {
                self.warn(
                    &format!("Resources.{}.Properties.{k}", c.id),
                    n.pos,
                    format!("Unknown {short} property '{k}'; ignored"),
                );
            }
        }
    }

    /// The template's `AWS::ApiGateway::DomainName`s and `BasePathMapping`s.
    pub(crate) fn domains(&mut self, apis: &[SamApi]) -> Vec<SamDomain> {
        let items: Vec<(String, String, Option<&'a Node>, Pos)> = self
            .resources
            .iter()
            .filter(|r| r.enabled && (r.ty == DOMAIN_NAME || r.ty == BASE_PATH_MAPPING))
            .map(|r| (r.id.clone(), r.ty.clone(), r.properties(), r.node.pos))
            .collect();
        let mut domains: Vec<SamDomain> = Vec::new();
        for (id, ty, props, pos) in items.iter().filter(|i| i.1 == DOMAIN_NAME) {
            let c = Child {
                id: id.clone(),
                ty: ty.clone(),
                props: *props,
                pos: *pos,
            };
            self.known_properties(
                &c,
                &[
                    "DomainName",
                    "CertificateArn",
                    "RegionalCertificateArn",
                    "EndpointConfiguration",
                    "SecurityPolicy",
                    "MutualTlsAuthentication",
                    "OwnershipVerificationCertificateArn",
                    "Tags",
                ],
            );
            for key in [
                "CertificateArn",
                "RegionalCertificateArn",
                "MutualTlsAuthentication",
            ] {
                if let Some(n) = props.and_then(|p| p.get(key)) {
                    self.warn(&format!("Resources.{id}.Properties.{key}"), n.pos, format!("{key} is not used locally: Tollgate serves custom domains with the certificate of its own TLS listener"));
                }
            }
            if let Some(name) = self.domain_name_of(id, *props, *pos)
                && !domains.iter().any(|d| d.name == name)
            {
                domains.push(SamDomain {
                    name,
                    mappings: Vec::new(),
                });
            }
        }
        for (id, ty, props, pos) in items.iter().filter(|i| i.1 == BASE_PATH_MAPPING) {
            let c = Child {
                id: id.clone(),
                ty: ty.clone(),
                props: *props,
                pos: *pos,
            };
            self.known_properties(&c, &["DomainName", "RestApiId", "Stage", "BasePath", "Id"]);
            let base = format!("Resources.{id}.Properties");
            let errors = self.d.errors.len();
            let domain = match props.and_then(|p| p.get("DomainName")) {
                Some(n) => {
                    match self.eval_text(n, &join(&base, "DomainName")) {
                        Some(Ok(d)) if valid_domain(&d) => Some(d.to_ascii_lowercase()),
                        _ => {
                            self.error(&join(&base, "DomainName"), n.pos, "Expected a domain name (or !Ref of an AWS::ApiGateway::DomainName)");
                            None
                        }
                    }
                }
                None => {
                    self.error(&join(&base, "DomainName"), *pos, "Missing DomainName");
                    None
                }
            };
            let api = match props.and_then(|p| p.get("RestApiId")) {
                Some(n) => {
                    let target = self.target(n, &join(&base, "RestApiId"));
                    match target.and_then(|(t, _)| apis.iter().find(|a| a.logical_id == t)) {
                        Some(a) => Some(a),
                        None => {
                            self.error(&join(&base, "RestApiId"), n.pos, "RestApiId must be !Ref of an API of this template that Tollgate serves");
                            None
                        }
                    }
                }
                None => {
                    self.error(&join(&base, "RestApiId"), *pos, "Missing RestApiId");
                    None
                }
            };
            let stage = match props.and_then(|p| p.get("Stage")) {
                Some(n) => match self.eval_text(n, &join(&base, "Stage")) {
                    Some(Ok(s)) => {
                        if let Some(a) = api
                            && a.stage_name != s
                            && !a.more_stages.iter().any(|m| m.name == s)
                        {
                            self.error(
                                &join(&base, "Stage"),
                                n.pos,
                                format!("API {} has no stage '{s}'", a.logical_id),
                            );
                        }
                        Some(s)
                    }
                    _ => {
                        self.error(&join(&base, "Stage"), n.pos, "Expected a stage name");
                        None
                    }
                },
                None => None,
            };
            let base_path = match props.and_then(|p| p.get("BasePath")) {
                Some(n) => match self.eval_text(n, &join(&base, "BasePath")) {
                    Some(Ok(s)) => {
                        let trimmed = s.trim_matches('/');
                        if trimmed.is_empty() || trimmed == "(none)" {
                            None
                        } else if trimmed.contains('/') {
                            self.error(
                                &join(&base, "BasePath"),
                                n.pos,
                                format!("Base path '{s}' must be a single path segment"),
                            );
                            None
                        } else {
                            Some(trimmed.to_owned())
                        }
                    }
                    _ => {
                        self.error(&join(&base, "BasePath"), n.pos, "Expected a base path");
                        None
                    }
                },
                None => None,
            };
            let (Some(domain), Some(api)) = (domain, api) else {
                continue;
            };
            if self.d.errors.len() > errors {
                continue;
            }
            let mapping = SamBasePathMapping {
                base_path,
                api_id: api.id.clone(),
                stage,
            };
            match domains.iter_mut().find(|d| d.name == domain) {
                Some(d) => {
                    if d.mappings.iter().any(|m| m.base_path == mapping.base_path) {
                        self.error(
                            &format!("Resources.{id}"),
                            *pos,
                            format!(
                                "Domain {domain} already maps base path {}",
                                mapping.base_path.as_deref().unwrap_or("(none)")
                            ),
                        );
                        continue;
                    }
                    d.mappings.push(mapping);
                }
                None => {
                    self.warn(&join(&base, "DomainName"), *pos, format!("{domain} is not an AWS::ApiGateway::DomainName of this template; Tollgate creates it"));
                    domains.push(SamDomain {
                        name: domain,
                        mappings: vec![mapping],
                    });
                }
            }
        }
        domains
    }

    /// An `AWS::ApiGateway::DomainName`'s `DomainName`, checked and lower-cased.
    pub(crate) fn domain_name_of(
        &mut self,
        id: &str,
        props: Option<&'a Node>,
        pos: Pos,
    ) -> Option<String> {
        let path = format!("Resources.{id}.Properties.DomainName");
        let Some(n) = props.and_then(|p| p.get("DomainName")) else {
            self.error(&path, pos, "Missing DomainName");
            return None;
        };
        match self.eval_text(n, &path) {
            Some(Ok(d)) if valid_domain(&d) => Some(d.to_ascii_lowercase()),
            _ => {
                self.error(
                    &path,
                    n.pos,
                    "Expected a domain name such as api.example.com",
                );
                None
            }
        }
    }
}

/// What a method's references resolve to, per API.
struct Names<'n> {
    api: &'n str,
    validators: &'n HashMap<String, String>,
    authorizers: &'n HashMap<String, String>,
    paths: &'n HashMap<String, String>,
    oas3: bool,
}

/// Whether following parents from `id` comes back to `id`.
fn current_cycle(tree: &HashMap<String, (Option<String>, String, Pos)>, id: &str) -> bool {
    let mut current = tree.get(id).and_then(|t| t.0.clone());
    for _ in 0..=tree.len() {
        match current {
            Some(c) if c == id => return true,
            Some(c) => current = tree.get(&c).and_then(|t| t.0.clone()),
            None => return false,
        }
    }
    false
}

/// A host name: labels of letters, digits and '-', optionally starting with `*.`.
fn valid_domain(name: &str) -> bool {
    let name = name.strip_prefix("*.").unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}
