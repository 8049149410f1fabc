//! SAM's `Auth`, on APIs (`ApiAuth`) and on `Api` events (`ApiFunctionAuth`), into the OpenAPI
//! document the way the SAM translator writes it (`samtranslator/swagger/swagger.py`,
//! `model/api/api_generator.py`, `model/eventsources/push.py`):
//! - each authorizer becomes a security scheme named after it (`type: apiKey`, `in: header`,
//!   `x-amazon-apigateway-authtype: custom | cognito_user_pools`, and an
//!   `x-amazon-apigateway-authorizer`); `AWS_IAM` is the `awsSigv4` scheme `AWS_IAM`; API keys
//!   are the `api_key` scheme (`x-api-key` header);
//! - methods get `security` requirements: the event's `Authorizer` (`NONE` opting out of the
//!   default), then the API's `DefaultAuthorizer` on every method with an integration (the CORS
//!   preflight ones too unless `AddDefaultAuthorizerToCorsPreflight: false`), then `api_key`;
//! - `ResourcePolicy` becomes `x-amazon-apigateway-policy` statements on
//!   `execute-api:/{stage}/{METHOD}/{path}` resources (the importer expands the shorthand);
//! - `UsagePlan` becomes a [`SamUsagePlan`] for the caller to create.

use serde_json::{Map, Value, json};

use crate::apis::{ANY, Flavor, INTEGRATION, OPERATIONS, entry_object};
use crate::eval::join;
use crate::functions::ApiEvent;
use crate::loader::{Loader, value_text};
use crate::yaml::{Node, Pos};
use crate::{SamQuota, SamThrottle, SamUsagePlan};

const AUTH_KEYS: [&str; 8] = [
    "Authorizers",
    "DefaultAuthorizer",
    "InvokeRole",
    "AddDefaultAuthorizerToCorsPreflight",
    "AddApiKeyRequiredToCorsPreflight",
    "ApiKeyRequired",
    "ResourcePolicy",
    "UsagePlan",
];
const AUTHORIZER_KEYS: [&str; 8] = [
    "FunctionArn",
    "FunctionPayloadType",
    "FunctionInvokeRole",
    "Identity",
    "UserPoolArn",
    "AuthorizationScopes",
    "DisableFunctionDefaultPermissions",
    "Description",
];
const IDENTITY_KEYS: [&str; 7] = [
    "Header",
    "ValidationExpression",
    "ReauthorizeEvery",
    "Headers",
    "QueryStrings",
    "StageVariables",
    "Context",
];
const POLICY_KEYS: [&str; 11] = [
    "AwsAccountBlacklist",
    "AwsAccountWhitelist",
    "CustomStatements",
    "IntrinsicVpcBlacklist",
    "IntrinsicVpcWhitelist",
    "IntrinsicVpceBlacklist",
    "IntrinsicVpceWhitelist",
    "IpRangeBlacklist",
    "IpRangeWhitelist",
    "SourceVpcBlacklist",
    "SourceVpcWhitelist",
];
const EVENT_AUTH_KEYS: [&str; 6] = [
    "ApiKeyRequired",
    "AuthorizationScopes",
    "Authorizer",
    "InvokeRole",
    "OverrideApiAuth",
    "ResourcePolicy",
];
const USAGE_PLAN_KEYS: [&str; 6] = [
    "CreateUsagePlan",
    "Description",
    "Quota",
    "Tags",
    "Throttle",
    "UsagePlanName",
];
const POLICY: &str = "x-amazon-apigateway-policy";
const AWS_IAM: &str = "AWS_IAM";
const API_KEY: &str = "api_key";
const API_KEY_FALSE: &str = "api_key_false";
const NONE: &str = "NONE";
/// The integration credentials SAM gives `AWS_IAM` methods (`CALLER_CREDENTIALS`).
const CALLER_CREDENTIALS_ARN: &str = "arn:aws:iam::*:user/*";

/// An API's `Auth`, checked.
pub(crate) struct ApiAuth {
    /// `Authorizers` in template order (after `AWS_IAM` when it is the `DefaultAuthorizer`).
    authorizers: Vec<Authorizer>,
    default: Option<String>,
    default_on_preflight: bool,
    api_key_required: bool,
    api_key_on_preflight: bool,
    /// `InvokeRole`: `Some(None)` when present but null (SAM's `NONE`).
    invoke_role: Option<Option<String>>,
    resource_policy: Option<Map<String, Value>>,
    pub(crate) usage_plan: Option<SamUsagePlan>,
}

struct Authorizer {
    name: String,
    /// The security scheme SAM writes for it.
    scheme: Value,
    /// Its `AuthorizationScopes`, when given.
    scopes: Option<Vec<Value>>,
}

impl ApiAuth {
    /// An API without `Auth`.
    pub(crate) fn none() -> ApiAuth {
        ApiAuth {
            authorizers: Vec::new(),
            default: None,
            default_on_preflight: true,
            api_key_required: false,
            api_key_on_preflight: true,
            invoke_role: None,
            resource_policy: None,
            usage_plan: None,
        }
    }

    fn authorizer(&self, name: &str) -> Option<&Authorizer> {
        self.authorizers.iter().find(|a| a.name == name)
    }

    /// True when the API defines `Authorizers` (SAM's check before naming one on an event).
    fn has_authorizers(&self) -> bool {
        self.authorizers.iter().any(|a| a.name != AWS_IAM)
    }
}

/// The position of `keys` under `n`, as deep as the template goes.
pub(crate) fn pos_at(n: &Node, keys: &[&str]) -> Pos {
    let mut node = n;
    for k in keys {
        match node.get(k) {
            Some(child) => node = child,
            None => break,
        }
    }
    node.pos
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(m) => !m.is_empty(),
        Value::Number(n) => n.as_f64() != Some(0.0),
    }
}

pub(crate) fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

pub(crate) fn as_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(crate) fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A list as SAM reads it: a list, or one item standing for a list of one.
fn one_or_many(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    }
}

impl<'a> Loader<'a> {
    /// Checks an API's `Auth` (`n`, at `path`). `functions` are the names of the template's
    /// functions, which Lambda authorizers must name to be callable.
    pub(crate) fn api_auth(
        &mut self,
        api: &str,
        n: &Node,
        path: &str,
        functions: &[String],
    ) -> ApiAuth {
        let mut auth = ApiAuth::none();
        let m = match self.eval(n, path) {
            None | Some(Value::Null) => return auth,
            Some(v) => v,
        };
        let Value::Object(m) = m else {
            self.error(
                path,
                n.pos,
                format!("Invalid value for 'Auth' property: expected a mapping, found {m}"),
            );
            return auth;
        };
        for k in m.keys() {
            if !AUTH_KEYS.contains(&k.as_str()) {
                self.error(
                    &join(path, k),
                    pos_at(n, &[k]),
                    format!(
                        "Invalid value for 'Auth' property: unknown property '{k}' (expected {})",
                        AUTH_KEYS.join(", ")
                    ),
                );
            }
        }
        for (key, slot) in [
            (
                "AddDefaultAuthorizerToCorsPreflight",
                &mut auth.default_on_preflight,
            ),
            (
                "AddApiKeyRequiredToCorsPreflight",
                &mut auth.api_key_on_preflight,
            ),
            ("ApiKeyRequired", &mut auth.api_key_required),
        ] {
            match m.get(key) {
                None | Some(Value::Null) => {}
                Some(v) => match as_bool(v) {
                    Some(b) => *slot = b,
                    None => self.error(
                        &join(path, key),
                        pos_at(n, &[key]),
                        format!("{key} must be a boolean, found {v}"),
                    ),
                },
            }
        }
        // DefaultAuthorizer.
        match m.get("DefaultAuthorizer") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => auth.default = Some(s.clone()),
            Some(other) => self.error(
                &join(path, "DefaultAuthorizer"),
                pos_at(n, &["DefaultAuthorizer"]),
                format!("DefaultAuthorizer is not a string: {other}"),
            ),
        }
        if auth.default.as_deref() == Some(AWS_IAM) {
            auth.authorizers.push(Authorizer {
                name: AWS_IAM.to_owned(),
                scheme: iam_scheme(),
                scopes: None,
            });
        }
        // Authorizers.
        match m.get("Authorizers") {
            None | Some(Value::Null) => {}
            Some(Value::Object(list)) => {
                for (name, a) in list {
                    let ap = join(&join(path, "Authorizers"), name);
                    let an = n.get("Authorizers").and_then(|x| x.get(name)).unwrap_or(n);
                    if let Some(a) = self.authorizer(name, a, &ap, an, functions) {
                        auth.authorizers.retain(|x| x.name != a.name);
                        auth.authorizers.push(a);
                    }
                }
            }
            Some(other) => self.error(
                &join(path, "Authorizers"),
                pos_at(n, &["Authorizers"]),
                format!("Auth.Authorizers must be a mapping of authorizers, found {other}"),
            ),
        }
        if let Some(d) = &auth.default
            && auth.authorizer(d).is_none()
        {
            self.error(
                &join(path, "DefaultAuthorizer"),
                pos_at(n, &["DefaultAuthorizer"]),
                format!(
                    "Unable to set DefaultAuthorizer because '{d}' was not defined in 'Authorizers'"
                ),
            );
            auth.default = None;
        }
        // InvokeRole.
        if let Some(role) = m.get("InvokeRole") {
            auth.invoke_role = Some(value_text(role));
            self.invoke_role_warning(&join(path, "InvokeRole"), pos_at(n, &["InvokeRole"]), role);
        }
        // ResourcePolicy.
        if let Some(p) = m.get("ResourcePolicy").filter(|p| truthy(p)) {
            let pp = join(path, "ResourcePolicy");
            auth.resource_policy = self.resource_policy(p, &pp, pos_at(n, &["ResourcePolicy"]));
        }
        // UsagePlan.
        if let Some(u) = m.get("UsagePlan").filter(|u| !u.is_null()) {
            let up = join(path, "UsagePlan");
            auth.usage_plan = self.usage_plan(api, u, &up, n.get("UsagePlan").unwrap_or(n));
        }
        auth
    }

    fn invoke_role_warning(&mut self, path: &str, pos: Pos, role: &Value) {
        let text = value_text(role).unwrap_or_default();
        if !text.is_empty() && text != NONE && text != "CALLER_CREDENTIALS" {
            self.warn(
                path,
                pos,
                format!("The role {text} is written to the definition but not assumed: Tollgate calls functions with its own credentials"),
            );
        }
    }

    /// One entry of `Authorizers`: its security scheme.
    fn authorizer(
        &mut self,
        name: &str,
        a: &Value,
        path: &str,
        n: &Node,
        functions: &[String],
    ) -> Option<Authorizer> {
        let Value::Object(a) = a else {
            self.error(
                path,
                n.pos,
                format!("Authorizer {name} must be a mapping, found {a}"),
            );
            return None;
        };
        let errors = self.d.errors.len();
        for k in a.keys() {
            if !AUTHORIZER_KEYS.contains(&k.as_str()) {
                self.error(
                    &join(path, k),
                    pos_at(n, &[k]),
                    format!(
                        "Unknown authorizer property '{k}' (expected {})",
                        AUTHORIZER_KEYS.join(", ")
                    ),
                );
            }
        }
        let identity = match a.get("Identity") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(i)) => i.clone(),
            Some(other) => {
                self.error(
                    &join(path, "Identity"),
                    pos_at(n, &["Identity"]),
                    format!("Auth.Authorizers.{name}.Identity must be a mapping (LambdaTokenAuthorizationIdentity, LambdaRequestAuthorizationIdentity or CognitoAuthorizationIdentity), found {other}"),
                );
                return None;
            }
        };
        for k in identity.keys() {
            if !IDENTITY_KEYS.contains(&k.as_str()) {
                self.error(
                    &join(&join(path, "Identity"), k),
                    pos_at(n, &["Identity", k]),
                    format!(
                        "Unknown Identity property '{k}' (expected {})",
                        IDENTITY_KEYS.join(", ")
                    ),
                );
            }
        }
        let scopes = match a.get("AuthorizationScopes") {
            None | Some(Value::Null) => None,
            Some(Value::Array(s)) => Some(s.clone()),
            Some(other) => {
                self.error(
                    &join(path, "AuthorizationScopes"),
                    pos_at(n, &["AuthorizationScopes"]),
                    format!("Authorizers.{name}.AuthorizationScopes must be a list, found {other}"),
                );
                None
            }
        };
        let header = identity
            .get("Header")
            .and_then(value_text)
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "Authorization".to_owned());
        let validation = identity.get("ValidationExpression").filter(|v| truthy(v));
        let user_pool = a.get("UserPoolArn").filter(|v| truthy(v));
        let mut ext = Map::new();
        let scheme = if let Some(pool) = user_pool {
            ext.insert("type".to_owned(), json!("cognito_user_pools"));
            ext.insert("providerARNs".to_owned(), Value::Array(one_or_many(pool)));
            if let Some(v) = validation {
                ext.insert("identityValidationExpression".to_owned(), v.clone());
            }
            json!({
                "type": "apiKey",
                "name": header,
                "in": "header",
                "x-amazon-apigateway-authtype": "cognito_user_pools",
                "x-amazon-apigateway-authorizer": ext,
            })
        } else {
            let payload = match a.get("FunctionPayloadType") {
                None | Some(Value::Null) => "TOKEN".to_owned(),
                Some(Value::String(t)) if t == "TOKEN" || t == "REQUEST" => t.clone(),
                Some(other) => {
                    let shown = value_text(other).unwrap_or_else(|| other.to_string());
                    self.error(
                        &join(path, "FunctionPayloadType"),
                        pos_at(n, &["FunctionPayloadType"]),
                        format!("{name} Authorizer has invalid 'FunctionPayloadType': {shown} (expected TOKEN or REQUEST)"),
                    );
                    return None;
                }
            };
            let request = payload == "REQUEST";
            let sources = self.identity_sources(name, &identity, path, n)?;
            let ttl = match identity.get("ReauthorizeEvery") {
                None | Some(Value::Null) => None,
                Some(v) => match as_u64(v) {
                    Some(t) if t <= 3600 => Some(t),
                    _ => {
                        self.error(
                            &join(path, "Identity.ReauthorizeEvery"),
                            pos_at(n, &["Identity", "ReauthorizeEvery"]),
                            format!(
                                "ReauthorizeEvery must be an integer from 0 to 3600, found {v}"
                            ),
                        );
                        return None;
                    }
                },
            };
            // SAM requires an identity source for REQUEST authorizers unless caching is off.
            if request && sources.is_empty() && ttl.is_none_or(|t| t > 0) {
                self.error(
                    &join(path, "Identity"),
                    pos_at(n, &["Identity"]),
                    format!("{name} Authorizer must specify Identity with at least one of Headers, QueryStrings, StageVariables, or Context (or ReauthorizeEvery: 0 to turn caching off)"),
                );
                return None;
            }
            let Some(arn) = a.get("FunctionArn").filter(|v| truthy(v)) else {
                self.error(
                    &join(path, "FunctionArn"),
                    n.pos,
                    format!("{name} Authorizer needs FunctionArn (a Lambda authorizer) or UserPoolArn (a Cognito authorizer)"),
                );
                return None;
            };
            let Some(arn) = value_text(arn) else {
                self.error(
                    &join(path, "FunctionArn"),
                    pos_at(n, &["FunctionArn"]),
                    format!("FunctionArn must be a function ARN such as !GetAtt AuthFunction.Arn, found {arn}"),
                );
                return None;
            };
            let local = arn
                .split_once(":function:")
                .map(|(_, rest)| rest.split(':').next().unwrap_or(rest))
                .is_some_and(|f| functions.iter().any(|name| name == f));
            if !local {
                self.warn(
                    &join(path, "FunctionArn"),
                    pos_at(n, &["FunctionArn"]),
                    format!("{arn} is not a function of this template: Tollgate cannot call this authorizer, so the methods it protects fail"),
                );
            }
            ext.insert(
                "type".to_owned(),
                json!(if request { "request" } else { "token" }),
            );
            ext.insert(
                "authorizerUri".to_owned(),
                json!(format!(
                    "arn:aws:apigateway:{}:lambda:path/2015-03-31/functions/{arn}/invocations",
                    self.opts.region
                )),
            );
            if let Some(t) = ttl {
                ext.insert("authorizerResultTtlInSeconds".to_owned(), json!(t));
            }
            if let Some(role) = a.get("FunctionInvokeRole") {
                self.invoke_role_warning(
                    &join(path, "FunctionInvokeRole"),
                    pos_at(n, &["FunctionInvokeRole"]),
                    role,
                );
                if truthy(role) && value_text(role).as_deref() != Some(NONE) {
                    ext.insert("authorizerCredentials".to_owned(), role.clone());
                }
            }
            if request && !sources.is_empty() {
                ext.insert("identitySource".to_owned(), json!(sources.join(", ")));
            }
            if !request && let Some(v) = validation {
                ext.insert("identityValidationExpression".to_owned(), v.clone());
            }
            json!({
                "type": "apiKey",
                "name": if request { "Unused".to_owned() } else { header },
                "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": ext,
            })
        };
        if self.d.errors.len() > errors {
            return None;
        }
        Some(Authorizer {
            name: name.to_owned(),
            scheme,
            scopes,
        })
    }

    /// A REQUEST authorizer's identity sources, in SAM's order.
    fn identity_sources(
        &mut self,
        name: &str,
        identity: &Map<String, Value>,
        path: &str,
        n: &Node,
    ) -> Option<Vec<String>> {
        let mut out = Vec::new();
        for (key, prefix) in [
            ("Headers", "method.request.header."),
            ("QueryStrings", "method.request.querystring."),
            ("StageVariables", "stageVariables."),
            ("Context", "context."),
        ] {
            match identity.get(key) {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => {
                    for item in items {
                        match item {
                            Value::String(s) => out.push(format!("{prefix}{s}")),
                            other => {
                                self.error(
                                    &join(path, &format!("Identity.{key}")),
                                    pos_at(n, &["Identity", key]),
                                    format!("Auth.Authorizers.{name}.Identity.{key} must be a list of strings, found {other}"),
                                );
                                return None;
                            }
                        }
                    }
                }
                Some(other) => {
                    self.error(
                        &join(path, &format!("Identity.{key}")),
                        pos_at(n, &["Identity", key]),
                        format!(
                            "Auth.Authorizers.{name}.Identity.{key} must be a list, found {other}"
                        ),
                    );
                    return None;
                }
            }
        }
        Some(out)
    }

    /// `ResourcePolicy` (a `ResourcePolicyStatement`), checked.
    fn resource_policy(&mut self, v: &Value, path: &str, pos: Pos) -> Option<Map<String, Value>> {
        let Value::Object(m) = v else {
            self.error(
                path,
                pos,
                format!("ResourcePolicy must be a map (ResourcePolicyStatement), found {v}"),
            );
            return None;
        };
        let mut ok = true;
        for k in m.keys() {
            if !POLICY_KEYS.contains(&k.as_str()) {
                self.error(
                    &join(path, k),
                    pos,
                    format!(
                        "Unknown ResourcePolicy property '{k}' (expected {})",
                        POLICY_KEYS.join(", ")
                    ),
                );
                ok = false;
            }
        }
        for k in ["SourceVpcBlacklist", "SourceVpcWhitelist"] {
            if let Some(list) = m.get(k)
                && !list
                    .as_array()
                    .is_some_and(|items| items.iter().all(Value::is_string))
            {
                let intrinsic = k.replace("SourceVpc", "IntrinsicVpc");
                self.error(
                    &join(path, k),
                    pos,
                    format!("{k} must be a list of strings. Use {intrinsic} instead for values that use Intrinsic Functions"),
                );
                ok = false;
            }
        }
        for k in ["AwsAccountBlacklist", "AwsAccountWhitelist"] {
            if let Some(list) = m.get(k).filter(|l| truthy(l))
                && !list.is_array()
                && !list.is_object()
                && !list.is_string()
            {
                self.error(
                    &join(path, k),
                    pos,
                    format!("{k} must be a list of account ids or ARNs, found {list}"),
                );
                ok = false;
            }
        }
        ok.then(|| m.clone())
    }

    /// `UsagePlan`, checked; `None` for `CreateUsagePlan: NONE`.
    fn usage_plan(&mut self, api: &str, v: &Value, path: &str, n: &Node) -> Option<SamUsagePlan> {
        let Value::Object(m) = v else {
            self.error(path, n.pos, "'UsagePlan' must be a dictionary");
            return None;
        };
        for k in m.keys() {
            if !USAGE_PLAN_KEYS.contains(&k.as_str()) {
                self.error(
                    &join(path, k),
                    pos_at(n, &[k]),
                    format!(
                        "Invalid property for 'UsagePlan': '{k}' (expected {})",
                        USAGE_PLAN_KEYS.join(", ")
                    ),
                );
                return None;
            }
        }
        let shared = match m.get("CreateUsagePlan").and_then(value_text).as_deref() {
            None => {
                self.error(
                    &join(path, "CreateUsagePlan"),
                    n.pos,
                    "'CreateUsagePlan' is a required field for UsagePlan",
                );
                return None;
            }
            Some("NONE") => return None,
            Some("PER_API") => false,
            Some("SHARED") => true,
            Some(other) => {
                self.error(
                    &join(path, "CreateUsagePlan"),
                    pos_at(n, &["CreateUsagePlan"]),
                    format!(
                        "'CreateUsagePlan' accepts one of SHARED, PER_API, NONE; found {other}"
                    ),
                );
                return None;
            }
        };
        let errors = self.d.errors.len();
        let (throttle, quota) = self.throttle_and_quota(m, path, n);
        if self.d.errors.len() > errors {
            return None;
        }
        let (plan_id, key_id) = if shared {
            (
                "ServerlessUsagePlan".to_owned(),
                "ServerlessApiKey".to_owned(),
            )
        } else {
            (format!("{api}UsagePlan"), format!("{api}ApiKey"))
        };
        Some(SamUsagePlan {
            name: m
                .get("UsagePlanName")
                .and_then(value_text)
                .filter(|s| !s.is_empty())
                .unwrap_or(plan_id),
            description: m.get("Description").and_then(value_text),
            throttle,
            quota,
            shared,
            api_key_name: key_id,
        })
    }

    /// `Throttle` and `Quota` of a usage plan (`m`, the mapping at `path`, `n` its node), with
    /// an error for each malformed value.
    pub(crate) fn throttle_and_quota(
        &mut self,
        m: &Map<String, Value>,
        path: &str,
        n: &Node,
    ) -> (Option<SamThrottle>, Option<SamQuota>) {
        let bad = |l: &mut Self, key: &str, what: &str, found: &Value| {
            l.error(
                &join(path, key),
                pos_at(n, &key.split('.').collect::<Vec<_>>()),
                format!("{key} must be {what}, found {found}"),
            );
        };
        let throttle = match m.get("Throttle") {
            None | Some(Value::Null) => None,
            Some(Value::Object(t)) => {
                let rate_limit = t.get("RateLimit").and_then(|r| {
                    let v = as_f64(r).filter(|f| *f >= 0.0);
                    if v.is_none() {
                        bad(self, "Throttle.RateLimit", "a non-negative number", r);
                    }
                    v
                });
                let burst_limit = t.get("BurstLimit").and_then(|b| {
                    let v = as_u64(b).and_then(|b| u32::try_from(b).ok());
                    if v.is_none() {
                        bad(self, "Throttle.BurstLimit", "a non-negative integer", b);
                    }
                    v
                });
                Some(SamThrottle {
                    rate_limit,
                    burst_limit,
                })
            }
            Some(other) => {
                bad(self, "Throttle", "a mapping {BurstLimit, RateLimit}", other);
                None
            }
        };
        let quota = match m.get("Quota") {
            None | Some(Value::Null) => None,
            Some(Value::Object(q)) => {
                let limit = q.get("Limit").and_then(|l| {
                    let v = as_u64(l);
                    if v.is_none() {
                        bad(self, "Quota.Limit", "a non-negative integer", l);
                    }
                    v
                });
                let offset = q.get("Offset").and_then(|o| {
                    let v = as_u64(o).and_then(|o| u32::try_from(o).ok());
                    if v.is_none() {
                        bad(self, "Quota.Offset", "a non-negative integer", o);
                    }
                    v
                });
                let period = q.get("Period").and_then(|p| {
                    let v =
                        value_text(p).filter(|p| matches!(p.as_str(), "DAY" | "WEEK" | "MONTH"));
                    if v.is_none() {
                        bad(self, "Quota.Period", "DAY, WEEK or MONTH", p);
                    }
                    v
                });
                Some(SamQuota {
                    limit,
                    offset,
                    period,
                })
            }
            Some(other) => {
                bad(self, "Quota", "a mapping {Limit, Offset, Period}", other);
                None
            }
        };
        (throttle, quota)
    }

    /// An `Api` event's `Auth` (and the API's `DefaultAuthorizer: AWS_IAM` integration
    /// credentials) on the operation the event just added to `doc`.
    pub(crate) fn event_auth(
        &mut self,
        doc: &mut Map<String, Value>,
        flavor: Flavor,
        api: &ApiAuth,
        ev: &ApiEvent,
        stage: &str,
    ) {
        let at = format!("{}.Properties.Auth", ev.at);
        let empty = Map::new();
        let auth = match &ev.auth {
            None | Some(Value::Null) => &empty,
            Some(Value::Object(m)) => m,
            Some(other) => {
                self.error(
                    &at,
                    ev.pos,
                    format!("Auth must be a mapping (ApiFunctionAuth), found {other}"),
                );
                return;
            }
        };
        for k in auth.keys() {
            if !EVENT_AUTH_KEYS.contains(&k.as_str()) {
                self.error(
                    &join(&at, k),
                    ev.pos,
                    format!(
                        "Unknown Auth property '{k}' (expected {})",
                        EVENT_AUTH_KEYS.join(", ")
                    ),
                );
            }
        }
        let shown_method = if ev.method == ANY {
            "any"
        } else {
            ev.method.as_str()
        };
        let errors = self.d.errors.len();
        let authorizer = match auth.get("Authorizer") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                self.error(
                    &join(&at, "Authorizer"),
                    ev.pos,
                    format!("Authorizer must be a string (AWS_IAM, NONE or the name of one of the API's Authorizers), found {other}"),
                );
                return;
            }
        };
        if let Some(name) = authorizer.as_deref()
            && name != AWS_IAM
        {
            if name == NONE {
                if api.default.is_none() {
                    self.error(&join(&at, "Authorizer"), ev.pos, format!("Unable to set Authorizer on API method [{shown_method}] for path [{}] because 'NONE' is only a valid value when a DefaultAuthorizer on the API is specified", ev.path));
                }
            } else if !api.has_authorizers() {
                self.error(&join(&at, "Authorizer"), ev.pos, format!("Unable to set Authorizer [{name}] on API method [{shown_method}] for path [{}] because the related API does not define any Authorizers", ev.path));
            } else if api.authorizer(name).is_none() {
                self.error(&join(&at, "Authorizer"), ev.pos, format!("Unable to set Authorizer [{name}] on API method [{shown_method}] for path [{}] because it wasn't defined in the API's Authorizers", ev.path));
            }
        }
        let scopes = match auth.get("AuthorizationScopes") {
            None | Some(Value::Null) => None,
            Some(Value::Array(s)) => Some(s.clone()),
            Some(_) => {
                self.error(&join(&at, "AuthorizationScopes"), ev.pos, format!("Unable to set Authorizer on API method [{shown_method}] for path [{}] because 'AuthorizationScopes' must be a list of strings", ev.path));
                None
            }
        };
        let api_key = match auth.get("ApiKeyRequired") {
            None | Some(Value::Null) => None,
            Some(v) => match as_bool(v) {
                Some(b) => Some(b),
                None => {
                    self.error(
                        &join(&at, "ApiKeyRequired"),
                        ev.pos,
                        format!("ApiKeyRequired must be a boolean, found {v}"),
                    );
                    None
                }
            },
        };
        if api_key == Some(false) && !api.api_key_required {
            self.error(&join(&at, "ApiKeyRequired"), ev.pos, format!("Unable to set ApiKeyRequired [False] on API method [{shown_method}] for path [{}] because the related API does not specify any ApiKeyRequired", ev.path));
        }
        if let Some(role) = auth.get("InvokeRole") {
            self.invoke_role_warning(&join(&at, "InvokeRole"), ev.pos, role);
        }
        let policy = match auth.get("ResourcePolicy").filter(|p| truthy(p)) {
            Some(p) => self.resource_policy(p, &join(&at, "ResourcePolicy"), ev.pos),
            None => None,
        };
        if self.d.errors.len() > errors {
            return;
        }
        // The integration's credentials for AWS_IAM methods.
        let iam = authorizer.as_deref() == Some(AWS_IAM)
            || (api.default.as_deref() == Some(AWS_IAM) && auth.is_empty());
        let mut needs_iam_scheme = false;
        let mut needs_api_key_scheme = false;
        if let Some(op) = doc
            .get_mut("paths")
            .and_then(|p| p.get_mut(&ev.path))
            .and_then(|i| i.get_mut(&ev.method))
            .and_then(Value::as_object_mut)
        {
            if iam {
                let role_of = |r: Option<String>| {
                    r.filter(|t| !t.is_empty())
                        .unwrap_or_else(|| NONE.to_owned())
                };
                let role = auth
                    .get("InvokeRole")
                    .map(|r| role_of(value_text(r)))
                    .or_else(|| api.invoke_role.clone().map(role_of));
                let credentials = match role.as_deref() {
                    None | Some("CALLER_CREDENTIALS") => Some(CALLER_CREDENTIALS_ARN.to_owned()),
                    Some(NONE) => None,
                    Some(r) => Some(r.to_owned()),
                };
                if let (Some(c), Some(Value::Object(i))) = (credentials, op.get_mut(INTEGRATION)) {
                    i.insert("credentials".to_owned(), Value::String(c));
                }
            }
            if let Some(name) = &authorizer {
                let mut requirement = Map::new();
                let mut chosen = Vec::new();
                if name != NONE
                    && name != AWS_IAM
                    && let Some(a) = api.authorizer(name)
                    && let Some(s) = scopes.clone().or_else(|| a.scopes.clone())
                {
                    chosen = s;
                }
                requirement.insert(name.clone(), Value::Array(chosen));
                let mut security = security_list(op);
                security.push(Value::Object(requirement));
                needs_iam_scheme |= first_is_iam(&security);
                op.insert("security".to_owned(), Value::Array(security));
            }
            if let Some(required) = api_key {
                let marker = if required { API_KEY } else { API_KEY_FALSE };
                needs_api_key_scheme |= required;
                let mut security = security_list(op);
                security.push(json!({ marker: [] }));
                op.insert("security".to_owned(), Value::Array(security));
            }
        }
        if needs_iam_scheme {
            add_scheme_if_absent(doc, flavor, AWS_IAM, iam_scheme());
        }
        if needs_api_key_scheme {
            add_scheme_if_absent(doc, flavor, API_KEY, api_key_scheme());
        }
        if let Some(policy) = policy {
            self.add_resource_policy(doc, &policy, &ev.path, stage, &at, ev.pos);
            if let Some(custom) = policy.get("CustomStatements").filter(|c| truthy(c)) {
                add_custom_statements(doc, custom);
            }
        }
    }

    /// The API's `Auth` on the whole document, after the events and CORS.
    pub(crate) fn apply_api_auth(
        &mut self,
        doc: &mut Map<String, Value>,
        flavor: Flavor,
        auth: &ApiAuth,
        stage: &str,
        path: &str,
        pos: Pos,
    ) {
        let paths: Vec<String> = doc
            .get("paths")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        if !auth.authorizers.is_empty() {
            for a in &auth.authorizers {
                schemes(doc, flavor).insert(a.name.clone(), a.scheme.clone());
            }
            if let Some(default) = &auth.default {
                let names: Vec<&str> = std::iter::once(AWS_IAM)
                    .chain(auth.authorizers.iter().map(|a| a.name.as_str()))
                    .collect();
                let scopes = auth
                    .authorizer(default)
                    .and_then(|a| a.scopes.clone())
                    .unwrap_or_default();
                let mut iam = false;
                for p in &paths {
                    if let Some(item) = path_item(doc, p) {
                        iam |= default_authorizer(
                            item,
                            default,
                            &names,
                            &scopes,
                            auth.default_on_preflight,
                        );
                    }
                }
                if iam {
                    add_scheme_if_absent(doc, flavor, AWS_IAM, iam_scheme());
                }
            }
        }
        if auth.api_key_required {
            add_scheme_if_absent(doc, flavor, API_KEY, api_key_scheme());
            for p in &paths {
                if let Some(item) = path_item(doc, p) {
                    default_api_key(item, auth.api_key_on_preflight);
                }
            }
        }
        if let Some(policy) = &auth.resource_policy {
            let at = join(path, "ResourcePolicy");
            for p in &paths {
                self.add_resource_policy(doc, policy, p, stage, &at, pos);
            }
            if let Some(custom) = policy.get("CustomStatements").filter(|c| truthy(c)) {
                add_custom_statements(doc, custom);
            }
        }
        for p in &paths {
            if let Some(item) = path_item(doc, p) {
                drop_markers(item);
            }
        }
    }

    /// SAM's `add_resource_policy` for one path: statements on its methods.
    fn add_resource_policy(
        &mut self,
        doc: &mut Map<String, Value>,
        policy: &Map<String, Value>,
        path: &str,
        stage: &str,
        at: &str,
        pos: Pos,
    ) {
        let resources = method_resources(doc, path, stage);
        if !doc.get(POLICY).is_none_or(Value::is_object) {
            self.error(
                at,
                pos,
                format!("The definition's {POLICY} is not an object, so the ResourcePolicy statements cannot be added to it"),
            );
            return;
        }
        let doc_policy = entry_object(doc, POLICY);
        let get = |k: &str| policy.get(k).filter(|v| truthy(v));
        if let Some(list) = get("AwsAccountWhitelist") {
            iam_statement(doc_policy, list, "Allow", &resources);
        }
        if let Some(list) = get("AwsAccountBlacklist") {
            iam_statement(doc_policy, list, "Deny", &resources);
        }
        if let Some(list) = get("IpRangeWhitelist") {
            allow_deny(
                doc_policy,
                &resources,
                json!({"NotIpAddress": {"aws:SourceIp": one_or_many(list)}}),
            );
        }
        if let Some(list) = get("IpRangeBlacklist") {
            allow_deny(
                doc_policy,
                &resources,
                json!({"IpAddress": {"aws:SourceIp": one_or_many(list)}}),
            );
        }
        for (conditional, plain, vpc, vpce) in [
            (
                "StringEquals",
                "SourceVpcBlacklist",
                "IntrinsicVpcBlacklist",
                "IntrinsicVpceBlacklist",
            ),
            (
                "StringNotEquals",
                "SourceVpcWhitelist",
                "IntrinsicVpcWhitelist",
                "IntrinsicVpceWhitelist",
            ),
        ] {
            let mut condition = Map::new();
            let mut add = |key: &str, items: Vec<Value>| {
                if let Value::Array(list) = condition
                    .entry(key.to_owned())
                    .or_insert_with(|| Value::Array(Vec::new()))
                {
                    list.extend(items);
                }
            };
            if let Some(Value::Array(endpoints)) = policy.get(plain) {
                let starts = |p: &str| -> Vec<Value> {
                    endpoints
                        .iter()
                        .filter(|e| e.as_str().is_some_and(|s| s.starts_with(p)))
                        .cloned()
                        .collect()
                };
                let (vpcs, vpces) = (starts("vpc-"), starts("vpce-"));
                if !vpcs.is_empty() {
                    add("aws:SourceVpc", vpcs);
                }
                if !vpces.is_empty() {
                    add("aws:SourceVpce", vpces);
                }
            }
            if let Some(v) = policy.get(vpc).filter(|v| !v.is_null()) {
                add("aws:SourceVpc", one_or_many(v));
            }
            if let Some(v) = policy.get(vpce).filter(|v| !v.is_null()) {
                add("aws:SourceVpce", one_or_many(v));
            }
            let empty = |k: &str| condition.get(k).is_none_or(|v| !truthy(v));
            if empty("aws:SourceVpc") && empty("aws:SourceVpce") {
                continue;
            }
            allow_deny(
                doc_policy,
                &resources,
                json!({ conditional: Value::Object(condition) }),
            );
        }
    }
}

fn iam_scheme() -> Value {
    json!({
        "x-amazon-apigateway-authtype": "awsSigv4",
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
    })
}

fn api_key_scheme() -> Value {
    json!({"type": "apiKey", "name": "x-api-key", "in": "header"})
}

/// Where the document keeps its security schemes.
fn schemes(doc: &mut Map<String, Value>, flavor: Flavor) -> &mut Map<String, Value> {
    match flavor {
        Flavor::Oas3 => entry_object(entry_object(doc, "components"), "securitySchemes"),
        Flavor::Swagger2 => entry_object(doc, "securityDefinitions"),
    }
}

fn add_scheme_if_absent(doc: &mut Map<String, Value>, flavor: Flavor, name: &str, scheme: Value) {
    schemes(doc, flavor)
        .entry(name.to_owned())
        .or_insert(scheme);
}

fn path_item<'m>(
    doc: &'m mut Map<String, Value>,
    path: &str,
) -> Option<&'m mut Map<String, Value>> {
    doc.get_mut("paths")?.get_mut(path)?.as_object_mut()
}

fn security_list(op: &Map<String, Value>) -> Vec<Value> {
    match op.get("security") {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    }
}

fn first_is_iam(security: &[Value]) -> bool {
    security
        .first()
        .and_then(Value::as_object)
        .is_some_and(|r| r.contains_key(AWS_IAM))
}

/// The operations SAM's default settings apply to: those with an integration.
fn integrated_operations(
    item: &mut Map<String, Value>,
) -> impl Iterator<Item = (String, &mut Map<String, Value>)> {
    item.iter_mut()
        .filter(|(k, _)| !matches!(k.as_str(), "summary" | "description" | "parameters"))
        .filter_map(|(k, op)| {
            let op = op.as_object_mut()?;
            op.get(INTEGRATION)
                .is_some_and(truthy)
                .then(|| (k.to_ascii_lowercase(), op))
        })
}

/// SAM's `set_path_default_authorizer`; true when a method's first requirement is `AWS_IAM`.
fn default_authorizer(
    item: &mut Map<String, Value>,
    default: &str,
    names: &[&str],
    scopes: &[Value],
    preflight: bool,
) -> bool {
    let mut iam = false;
    for (method, op) in integrated_operations(item) {
        if !preflight && method == "options" {
            continue;
        }
        let existing = security_list(op);
        let is_authorizer = |r: &Value| {
            r.as_object()
                .is_some_and(|r| r.keys().any(|k| names.contains(&k.as_str())))
        };
        let (mut others, authorizers): (Vec<Value>, Vec<Value>) =
            existing.into_iter().partition(|r| !is_authorizer(r));
        let none = others
            .iter()
            .position(|r| r.as_object().is_some_and(|r| r.contains_key(NONE)));
        let chosen = match none {
            Some(i) => {
                others.remove(i);
                Vec::new()
            }
            None if !authorizers.is_empty() => authorizers,
            None => vec![json!({ default: scopes })],
        };
        others.extend(chosen);
        if !others.is_empty() {
            iam |= first_is_iam(&others);
            op.insert("security".to_owned(), Value::Array(others));
        }
    }
    iam
}

/// SAM's `set_path_default_apikey_required`.
fn default_api_key(item: &mut Map<String, Value>, preflight: bool) {
    for (method, op) in integrated_operations(item) {
        let existing = security_list(op);
        let is_key = |r: &Value| {
            r.as_object()
                .is_some_and(|r| r.contains_key(API_KEY) || r.contains_key(API_KEY_FALSE))
        };
        let (mut others, keys): (Vec<Value>, Vec<Value>) =
            existing.iter().cloned().partition(|r| !is_key(r));
        let opted_out = keys
            .iter()
            .any(|r| r.as_object().is_some_and(|r| r.contains_key(API_KEY_FALSE)));
        if !opted_out && (preflight || method != "options") {
            others.push(json!({ API_KEY: [] }));
        }
        if others != existing {
            op.insert("security".to_owned(), Value::Array(others));
        }
    }
}

/// Removes the `NONE` and `api_key_false` requirements SAM can leave behind (API Gateway's
/// import ignores them as unknown schemes; Tollgate's refuses unknown schemes), and `security`
/// lists left empty.
fn drop_markers(item: &mut Map<String, Value>) {
    for op in item.values_mut().filter_map(Value::as_object_mut) {
        let Some(Value::Array(security)) = op.get_mut("security") else {
            continue;
        };
        let before = security.len();
        security.retain(|r| {
            !r.as_object()
                .is_some_and(|r| r.contains_key(NONE) || r.contains_key(API_KEY_FALSE))
        });
        if security.is_empty() && before > 0 {
            op.remove("security");
        }
    }
}

/// `execute-api:/{stage}/{METHOD}{path}` for each method of a path, `{param}` as `*`.
fn method_resources(doc: &Map<String, Value>, path: &str, stage: &str) -> Vec<Value> {
    let Some(item) = doc
        .get("paths")
        .and_then(|p| p.get(path))
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    let path = wildcard_params(path);
    item.keys()
        .filter(|k| OPERATIONS.contains(&k.to_ascii_lowercase().as_str()))
        .map(|k| {
            let method = if k.eq_ignore_ascii_case(ANY) {
                "*".to_owned()
            } else {
                k.to_ascii_uppercase()
            };
            Value::String(format!("execute-api:/{stage}/{method}{path}"))
        })
        .collect()
}

/// `{id}`, `{proxy+}` → `*`, as SAM's resource ARNs write path parameters.
fn wildcard_params(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let inner = after[..end].strip_suffix('+').unwrap_or(&after[..end]);
                let valid = !inner.is_empty()
                    && inner
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
                if valid {
                    out.push('*');
                } else {
                    out.push_str(&rest[start..start + end + 2]);
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

fn set_version(policy: &mut Map<String, Value>) {
    policy.insert("Version".to_owned(), json!("2012-10-17"));
}

/// Appends statements to the policy's, turned into a list first (SAM's way with a single
/// statement); with `dedupe`, only those not there yet.
fn push_statements(policy: &mut Map<String, Value>, new: Vec<Value>, dedupe: bool) {
    let slot = policy.entry("Statement".to_owned()).or_insert(Value::Null);
    let mut list = match slot.take() {
        Value::Array(items) => items,
        Value::Null => Vec::new(),
        single => vec![single],
    };
    for s in new {
        if !dedupe || !list.contains(&s) {
            list.push(s);
        }
    }
    *slot = Value::Array(list);
}

fn iam_statement(
    policy: &mut Map<String, Value>,
    accounts: &Value,
    effect: &str,
    resources: &[Value],
) {
    set_version(policy);
    let statement = json!({
        "Effect": effect,
        "Action": "execute-api:Invoke",
        "Resource": resources,
        "Principal": {"AWS": one_or_many(accounts)},
    });
    if policy.get("Statement").is_none_or(Value::is_null) {
        policy.insert("Statement".to_owned(), statement);
    } else {
        push_statements(policy, vec![statement], false);
    }
}

fn allow_deny(policy: &mut Map<String, Value>, resources: &[Value], condition: Value) {
    set_version(policy);
    let allow = json!({
        "Effect": "Allow",
        "Action": "execute-api:Invoke",
        "Resource": resources,
        "Principal": "*",
    });
    let deny = json!({
        "Effect": "Deny",
        "Action": "execute-api:Invoke",
        "Resource": resources,
        "Principal": "*",
        "Condition": condition,
    });
    if policy.get("Statement").is_none_or(Value::is_null) {
        policy.insert("Statement".to_owned(), json!([allow, deny]));
        return;
    }
    push_statements(policy, vec![allow, deny], true);
}

fn add_custom_statements(doc: &mut Map<String, Value>, custom: &Value) {
    let policy = entry_object(doc, POLICY);
    set_version(policy);
    if policy.get("Statement").is_none_or(Value::is_null) {
        policy.insert("Statement".to_owned(), custom.clone());
        return;
    }
    push_statements(policy, one_or_many(custom), true);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_become_wildcards() {
        assert_eq!(
            wildcard_params("/pets/{id}/toys/{proxy+}"),
            "/pets/*/toys/*"
        );
        assert_eq!(wildcard_params("/"), "/");
        assert_eq!(wildcard_params("/a/{b c}/{"), "/a/{b c}/{");
    }
}
