//! The plain API Gateway resources a SAM template may declare next to its APIs:
//! `AWS::ApiGateway::ApiKey`, `AWS::ApiGateway::UsagePlan` and `AWS::ApiGateway::UsagePlanKey`,
//! their references resolved to logical ids, API ids and stage names.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::auth::{as_bool, as_f64, as_u64};
use crate::eval::join;
use crate::gateway::REST_API;
use crate::loader::{IMPLICIT_API, Loader, SERVERLESS_API};
use crate::yaml::{Node, V};
use crate::{SamApi, SamApiKey, SamPlanResource, SamPlanStage};

pub(crate) const API_KEY: &str = "AWS::ApiGateway::ApiKey";
pub(crate) const USAGE_PLAN: &str = "AWS::ApiGateway::UsagePlan";
pub(crate) const USAGE_PLAN_KEY: &str = "AWS::ApiGateway::UsagePlanKey";

const METHODS: [&str; 8] = [
    "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "*",
];

/// The API keys, usage plans and plan keys of the template.
#[derive(Default)]
pub(crate) struct Gateway {
    pub(crate) api_keys: Vec<SamApiKey>,
    pub(crate) usage_plans: Vec<SamPlanResource>,
    pub(crate) usage_plan_keys: Vec<(String, String)>,
}

impl<'a> Loader<'a> {
    /// The template's API keys, usage plans and usage plan keys; `apis` are the application's
    /// APIs, which plans' `ApiStages` must name.
    pub(crate) fn gateway_resources(&mut self, apis: &[SamApi]) -> Gateway {
        let items: Vec<(String, String, Option<&'a Node>)> = self
            .resources
            .iter()
            .filter(|r| r.enabled && matches!(r.ty.as_str(), API_KEY | USAGE_PLAN | USAGE_PLAN_KEY))
            .map(|r| (r.id.clone(), r.ty.clone(), r.properties()))
            .collect();
        let mut g = Gateway::default();
        let mut key_values: BTreeMap<String, String> = BTreeMap::new();
        for (id, ty, props) in &items {
            if ty == API_KEY
                && let Some(key) = self.api_key(id, *props)
            {
                if let Some(value) = &key.value {
                    if let Some(other) = key_values.get(value) {
                        let path = format!("Resources.{id}.Properties.Value");
                        let pos = props.and_then(|p| p.get("Value")).map(|n| n.pos);
                        self.error(
                            &path,
                            pos.unwrap_or_default(),
                            format!("API key {other} has the same Value; API Gateway refuses two keys with one value"),
                        );
                    } else {
                        key_values.insert(value.clone(), id.clone());
                    }
                }
                g.api_keys.push(key);
            } else if ty == USAGE_PLAN
                && let Some(plan) = self.usage_plan_resource(id, *props, apis)
            {
                g.usage_plans.push(plan);
            }
        }
        for (id, ty, props) in &items {
            if ty == USAGE_PLAN_KEY
                && let Some(pair) = self.usage_plan_key(id, *props, &g)
            {
                g.usage_plan_keys.push(pair);
            }
        }
        g
    }

    fn unsupported(&mut self, id: &str, props: Option<&Node>, key: &str, why: &str) {
        if let Some(n) = props.and_then(|p| p.get(key)) {
            self.warn(
                &format!("Resources.{id}.Properties.{key}"),
                n.pos,
                format!("{why}; ignored"),
            );
        }
    }

    /// Warns about properties outside `known`.
    fn unknown_properties(&mut self, id: &str, props: Option<&Node>, ty: &str, known: &[&str]) {
        for (k, n) in props.map(Node::entries).unwrap_or_default() {
            if !known.contains(&k.as_str()) {
                self.warn(
                    &format!("Resources.{id}.Properties.{k}"),
                    n.pos,
                    format!(
                        "Unknown {ty} property '{k}' (expected {}); ignored",
                        known.join(", ")
                    ),
                );
            }
        }
    }

    /// An optional string property, evaluated (an error when it is not a string).
    fn string_property(&mut self, id: &str, props: Option<&Node>, key: &str) -> Option<String> {
        let n = props?.get(key)?;
        let path = format!("Resources.{id}.Properties.{key}");
        match self.eval_text(n, &path)? {
            Ok(s) => Some(s),
            Err(v) => {
                self.error(&path, n.pos, format!("Expected a string, found {v}"));
                None
            }
        }
    }

    fn api_key(&mut self, id: &str, props: Option<&Node>) -> Option<SamApiKey> {
        self.unknown_properties(
            id,
            props,
            "ApiKey",
            &[
                "CustomerId",
                "Description",
                "Enabled",
                "GenerateDistinctId",
                "Name",
                "StageKeys",
                "Tags",
                "Value",
            ],
        );
        self.unsupported(id, props, "Tags", "Tags are not kept by Tollgate");
        self.unsupported(
            id,
            props,
            "GenerateDistinctId",
            "GenerateDistinctId is deprecated and makes no difference to Tollgate",
        );
        self.unsupported(
            id,
            props,
            "StageKeys",
            "StageKeys (deprecated: keys reach stages through usage plans) is not supported by Tollgate; add the key to a usage plan with an AWS::ApiGateway::UsagePlanKey",
        );
        let errors = self.d.errors.len();
        let name = self.string_property(id, props, "Name");
        let description = self.string_property(id, props, "Description");
        let customer_id = self.string_property(id, props, "CustomerId");
        let value = self.string_property(id, props, "Value");
        if let Some(v) = &value {
            let len = v.chars().count();
            if !(20..=128).contains(&len) {
                let n = props.and_then(|p| p.get("Value"));
                self.error(
                    &format!("Resources.{id}.Properties.Value"),
                    n.map(|n| n.pos).unwrap_or_default(),
                    format!("An API key value must be 20 to 128 characters long, found {len}"),
                );
            }
        }
        let mut enabled = false;
        let enabled_node = props.and_then(|p| p.get("Enabled"));
        if let Some(n) = enabled_node {
            let path = format!("Resources.{id}.Properties.Enabled");
            if let Some(v) = self.eval(n, &path) {
                match as_bool(&v) {
                    Some(b) => enabled = b,
                    None => self.error(&path, n.pos, format!("Expected a boolean, found {v}")),
                }
            }
        }
        if enabled_node.is_none() {
            self.warn(
                &format!("Resources.{id}"),
                props.map(|p| p.pos).unwrap_or_default(),
                "The API key has no Enabled: it is disabled, as in CloudFormation (requests with it are refused); set Enabled: true to use it",
            );
        }
        if self.d.errors.len() > errors {
            return None;
        }
        Some(SamApiKey {
            logical_id: id.to_owned(),
            name: name
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| id.to_owned()),
            value,
            enabled,
            description,
            customer_id,
        })
    }

    fn usage_plan_resource(
        &mut self,
        id: &str,
        props: Option<&'a Node>,
        apis: &[SamApi],
    ) -> Option<SamPlanResource> {
        self.unknown_properties(
            id,
            props,
            "UsagePlan",
            &[
                "ApiStages",
                "Description",
                "Quota",
                "Tags",
                "Throttle",
                "UsagePlanName",
            ],
        );
        self.unsupported(id, props, "Tags", "Tags are not kept by Tollgate");
        let errors = self.d.errors.len();
        let base = format!("Resources.{id}.Properties");
        let name = self.string_property(id, props, "UsagePlanName");
        let description = self.string_property(id, props, "Description");
        let mut m = Map::new();
        for key in ["Throttle", "Quota"] {
            if let Some(n) = props.and_then(|p| p.get(key))
                && let Some(v) = self.eval(n, &join(&base, key))
            {
                m.insert(key.to_owned(), v);
            }
        }
        let (throttle, quota) = match props {
            Some(p) => self.throttle_and_quota(&m, &base, p),
            None => (None, None),
        };
        let mut api_stages: Vec<SamPlanStage> = Vec::new();
        if let Some(n) = props.and_then(|p| p.get("ApiStages")) {
            let path = join(&base, "ApiStages");
            match self.pick(n, &path) {
                None => {}
                Some(Node {
                    v: V::Seq(items), ..
                }) => {
                    for (i, item) in items.iter().enumerate() {
                        let item_path = format!("{path}[{i}]");
                        if let Some(stage) = self.plan_stage(item, &item_path, apis) {
                            if api_stages
                                .iter()
                                .any(|s| s.api_id == stage.api_id && s.stage == stage.stage)
                            {
                                self.error(
                                    &item_path,
                                    item.pos,
                                    format!(
                                        "Stage {} of {} is already in the plan",
                                        stage.stage, stage.api_logical_id
                                    ),
                                );
                            } else {
                                api_stages.push(stage);
                            }
                        }
                    }
                }
                Some(other) => {
                    self.error(
                        &path,
                        other.pos,
                        format!(
                            "Expected a list of {{ApiId, Stage, Throttle}}, found {}",
                            other.kind()
                        ),
                    );
                }
            }
        }
        if self.d.errors.len() > errors {
            return None;
        }
        Some(SamPlanResource {
            logical_id: id.to_owned(),
            name: name
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| id.to_owned()),
            description,
            api_stages,
            throttle,
            quota,
        })
    }

    /// One `ApiStages` item: `ApiId` an API of the application, `Stage` its stage.
    fn plan_stage(&mut self, n: &'a Node, path: &str, apis: &[SamApi]) -> Option<SamPlanStage> {
        let n = self.pick(n, path)?;
        if !n.is_map() || n.intrinsic().is_some() {
            self.error(
                path,
                n.pos,
                format!(
                    "Expected a mapping {{ApiId, Stage, Throttle}}, found {}",
                    n.kind()
                ),
            );
            return None;
        }
        for (k, child) in n.entries() {
            if !matches!(k.as_str(), "ApiId" | "Stage" | "Throttle") {
                self.warn(
                    &join(path, k),
                    child.pos,
                    format!(
                        "Unknown ApiStage property '{k}' (expected ApiId, Stage, Throttle); ignored"
                    ),
                );
            }
        }
        let api_path = join(path, "ApiId");
        let api = match n.get("ApiId") {
            None => {
                self.error(
                    &api_path,
                    n.pos,
                    "Missing ApiId: the API whose stage the plan covers",
                );
                None
            }
            Some(a) => self.api_ref(a, &api_path, apis),
        };
        let stage_path = join(path, "Stage");
        let stage = match n.get("Stage") {
            None => {
                self.error(
                    &stage_path,
                    n.pos,
                    "Missing Stage: the stage the plan covers",
                );
                None
            }
            Some(s) => match self.eval_text(s, &stage_path) {
                Some(Ok(text)) => Some((text, s.pos)),
                Some(Err(v)) => {
                    self.error(
                        &stage_path,
                        s.pos,
                        format!("Expected a stage name, found {v}"),
                    );
                    None
                }
                None => {
                    self.error(
                        &stage_path,
                        s.pos,
                        "Missing Stage: the stage the plan covers",
                    );
                    None
                }
            },
        };
        let throttle = match n.get("Throttle") {
            None => Some(BTreeMap::new()),
            Some(t) => self.method_throttles(t, &join(path, "Throttle")),
        };
        let (api, (stage, stage_pos), throttle) = (api?, stage?, throttle?);
        if stage != api.stage_name && !api.more_stages.iter().any(|s| s.name == stage) {
            let stages: Vec<String> = std::iter::once(&api.stage_name)
                .chain(api.more_stages.iter().map(|s| &s.name))
                .map(|s| format!("'{s}'"))
                .collect();
            let its = if stages.len() == 1 {
                "its stage is"
            } else {
                "its stages are"
            };
            self.error(
                &stage_path,
                stage_pos,
                format!(
                    "API {} has no stage '{stage}': {its} {}",
                    api.logical_id,
                    stages.join(", ")
                ),
            );
            return None;
        }
        Some(SamPlanStage {
            api_id: api.id.clone(),
            api_logical_id: api.logical_id.clone(),
            stage,
            throttle,
        })
    }

    /// `ApiId`: `!Ref` of an `AWS::Serverless::Api` (or the implicit API), or its id.
    fn api_ref<'s>(&mut self, n: &'a Node, path: &str, apis: &'s [SamApi]) -> Option<&'s SamApi> {
        let n = self.pick(n, path)?;
        if let Some(("Ref", arg)) = n.intrinsic() {
            let Some(name) = arg.as_str() else {
                self.error(
                    path,
                    arg.pos,
                    format!("!Ref expects a name, found {}", arg.kind()),
                );
                return None;
            };
            if name == IMPLICIT_API && self.resource(name).is_none() && !self.implicit_api {
                self.error(
                    path,
                    n.pos,
                    format!("!Ref {name}: there is no implicit API (no function has an Api event without RestApiId)"),
                );
                return None;
            }
            if name != IMPLICIT_API || self.resource(name).is_some() {
                let why = match self.resource(name) {
                    None => Some(format!("'{name}' is not a resource of the template")),
                    Some(r) if !r.enabled => Some(format!(
                        "the Condition of {name} is false, so it does not exist"
                    )),
                    Some(r) if r.ty != SERVERLESS_API && r.ty != REST_API => {
                        Some(format!("{name} is an {}, not an API", r.ty))
                    }
                    Some(_) => None,
                };
                if let Some(why) = why {
                    self.error(path, n.pos, format!("!Ref {name}: {why}"));
                    return None;
                }
            }
            let found = apis.iter().find(|a| a.logical_id == name);
            if found.is_none() {
                self.error(path, n.pos, format!("!Ref {name}: the API was not loaded"));
            }
            return found;
        }
        let text = match self.eval_text(n, path) {
            Some(Ok(s)) => s,
            Some(Err(v)) => {
                self.error(path, n.pos, format!("Expected !Ref of an API, found {v}"));
                return None;
            }
            None => {
                self.error(
                    path,
                    n.pos,
                    "Missing ApiId: the API whose stage the plan covers",
                );
                return None;
            }
        };
        let found = apis.iter().find(|a| a.id == text);
        if found.is_none() {
            self.error(
                path,
                n.pos,
                format!("'{text}' is not the id of an API of the template: use !Ref of an AWS::Serverless::Api"),
            );
        }
        found
    }

    /// An `ApiStages` item's `Throttle`: `{"/path/METHOD": {BurstLimit, RateLimit}}`.
    fn method_throttles(
        &mut self,
        n: &'a Node,
        path: &str,
    ) -> Option<BTreeMap<String, (f64, u32)>> {
        let mut out = BTreeMap::new();
        let Some(n) = self.pick(n, path) else {
            return Some(out);
        };
        if !n.is_map() || n.intrinsic().is_some() {
            self.error(
                path,
                n.pos,
                format!(
                    "Expected a mapping of method paths (\"/pets/GET\") to {{BurstLimit, RateLimit}}, found {}",
                    n.kind()
                ),
            );
            return None;
        }
        let mut ok = true;
        for (key, t) in n.entries() {
            let p = format!("{path}.{key}");
            let valid_key = key.rsplit_once('/').is_some_and(|(resource, method)| {
                (resource.is_empty() || resource.starts_with('/'))
                    && key.starts_with('/')
                    && METHODS.contains(&method)
            });
            if !valid_key {
                self.error(
                    &p,
                    t.pos,
                    format!("'{key}' is not a method path: expected /resource/path/METHOD (\"/pets/GET\", \"/pets/{{id}}/*\", \"/*/*\"), METHOD one of {}", METHODS.join(", ")),
                );
                ok = false;
                continue;
            }
            let v = self.eval(t, &p).unwrap_or(Value::Null);
            let Value::Object(m) = &v else {
                self.error(
                    &p,
                    t.pos,
                    format!("Expected {{BurstLimit, RateLimit}}, found {v}"),
                );
                ok = false;
                continue;
            };
            for k in m.keys() {
                if k != "BurstLimit" && k != "RateLimit" {
                    let pos = t.get(k).map(|c| c.pos).unwrap_or(t.pos);
                    self.warn(
                        &join(&p, k),
                        pos,
                        format!("Unknown throttle property '{k}' (expected BurstLimit, RateLimit); ignored"),
                    );
                }
            }
            let rate = m.get("RateLimit");
            let burst = m.get("BurstLimit");
            let rate_v = rate.and_then(as_f64).filter(|f| *f >= 0.0 && f.is_finite());
            let burst_v = burst.and_then(as_u64).and_then(|b| u32::try_from(b).ok());
            for (name, given, good, what) in [
                ("RateLimit", rate, rate_v.is_some(), "a non-negative number"),
                (
                    "BurstLimit",
                    burst,
                    burst_v.is_some(),
                    "a non-negative integer",
                ),
            ] {
                if good {
                    continue;
                }
                ok = false;
                let pos = t.get(name).map(|c| c.pos).unwrap_or(t.pos);
                match given {
                    None => self.error(
                        &join(&p, name),
                        pos,
                        format!("Missing {name}: Tollgate needs both BurstLimit and RateLimit for a method's throttle"),
                    ),
                    Some(g) => self.error(
                        &join(&p, name),
                        pos,
                        format!("{name} must be {what}, found {g}"),
                    ),
                }
            }
            if let (Some(r), Some(b)) = (rate_v, burst_v) {
                out.insert(key.clone(), (r, b));
            }
        }
        ok.then_some(out)
    }

    fn usage_plan_key(
        &mut self,
        id: &str,
        props: Option<&'a Node>,
        g: &Gateway,
    ) -> Option<(String, String)> {
        self.unknown_properties(
            id,
            props,
            "UsagePlanKey",
            &["KeyId", "KeyType", "UsagePlanId"],
        );
        let base = format!("Resources.{id}.Properties");
        let errors = self.d.errors.len();
        let pos = props.map(|p| p.pos).unwrap_or_default();
        match props.and_then(|p| p.get("KeyType")) {
            None => self.error(&join(&base, "KeyType"), pos, "Missing KeyType (API_KEY)"),
            Some(n) => match self.eval_text(n, &join(&base, "KeyType")) {
                Some(Ok(t)) if t == "API_KEY" => {}
                Some(Ok(t)) => self.error(
                    &join(&base, "KeyType"),
                    n.pos,
                    format!("KeyType must be API_KEY, found '{t}'"),
                ),
                Some(Err(v)) => self.error(
                    &join(&base, "KeyType"),
                    n.pos,
                    format!("KeyType must be API_KEY, found {v}"),
                ),
                None => self.error(&join(&base, "KeyType"), n.pos, "Missing KeyType (API_KEY)"),
            },
        }
        let key = self.logical_ref(props, &base, "KeyId", API_KEY, "APIKeyId");
        let plan = self.logical_ref(props, &base, "UsagePlanId", USAGE_PLAN, "Id");
        let (key, plan) = (key?, plan?);
        if self.d.errors.len() > errors {
            return None;
        }
        // Resources with errors are already reported; only pair what was loaded.
        let key_ok = g.api_keys.iter().any(|k| k.logical_id == key);
        let plan_stages = g
            .usage_plans
            .iter()
            .find(|p| p.logical_id == plan)
            .map(|p| &p.api_stages);
        let (true, Some(stages)) = (key_ok, plan_stages) else {
            return None;
        };
        if g.usage_plan_keys
            .iter()
            .any(|(p, k)| *p == plan && *k == key)
        {
            self.error(
                &format!("Resources.{id}"),
                pos,
                format!("API key {key} is already in usage plan {plan}"),
            );
            return None;
        }
        // API Gateway refuses a key in two plans that cover the same stage.
        for (other_plan, _) in g.usage_plan_keys.iter().filter(|(_, k)| *k == key) {
            let other = g.usage_plans.iter().find(|p| p.logical_id == *other_plan);
            if let Some(s) = other.and_then(|o| {
                o.api_stages.iter().find(|s| {
                    stages
                        .iter()
                        .any(|t| t.api_id == s.api_id && t.stage == s.stage)
                })
            }) {
                self.error(
                    &format!("Resources.{id}"),
                    pos,
                    format!(
                        "API key {key} is already in usage plan {other_plan}, which also covers stage {} of {}: API Gateway refuses a key in two plans of one stage",
                        s.stage, s.api_logical_id
                    ),
                );
                return None;
            }
        }
        Some((plan, key))
    }

    /// `KeyId` / `UsagePlanId`: `!Ref` (or `!GetAtt X.{attr}`) of a resource of type `ty`.
    fn logical_ref(
        &mut self,
        props: Option<&'a Node>,
        base: &str,
        key: &str,
        ty: &str,
        attr: &str,
    ) -> Option<String> {
        let path = join(base, key);
        let short = ty.rsplit("::").next().unwrap_or(ty);
        let Some(n) = props.and_then(|p| p.get(key)) else {
            self.error(
                &path,
                props.map(|p| p.pos).unwrap_or_default(),
                format!("Missing {key}: !Ref of an {ty} of the template"),
            );
            return None;
        };
        let n = match self.pick(n, &path) {
            Some(n) => n,
            None => {
                self.error(
                    &path,
                    n.pos,
                    format!("Missing {key}: !Ref of an {ty} of the template"),
                );
                return None;
            }
        };
        let name: Option<String> = match n.intrinsic() {
            Some(("Ref", arg)) => arg.as_str().map(str::to_owned),
            Some(("Fn::GetAtt", arg)) => {
                let (res, a) = match &arg.v {
                    V::Str(s) => match s.split_once('.') {
                        Some((r, a)) => (Some(r.to_owned()), Some(a.to_owned())),
                        None => (None, None),
                    },
                    V::Seq(items) if items.len() == 2 => (
                        items[0].as_str().map(str::to_owned),
                        items[1].as_str().map(str::to_owned),
                    ),
                    _ => (None, None),
                };
                match (res, a) {
                    (Some(r), Some(a)) if a == attr => Some(r),
                    (Some(r), Some(a)) => {
                        self.error(
                            &path,
                            n.pos,
                            format!("!GetAtt {r}.{a}: expected !Ref {r} or !GetAtt {r}.{attr}"),
                        );
                        return None;
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        let Some(name) = name else {
            let found = match &n.v {
                V::Str(s) => format!("'{s}'"),
                _ => n.kind().to_owned(),
            };
            self.error(
                &path,
                n.pos,
                format!("Expected !Ref of an {ty} of the template, found {found} (only the template's own {short}s are known locally)"),
            );
            return None;
        };
        let why = match self.resource(&name) {
            None => {
                let generated = if ty == API_KEY {
                    name.ends_with("ApiKey")
                } else {
                    name.ends_with("UsagePlan")
                };
                if generated {
                    format!(
                        "'{name}' is not a resource of the template (adding keys to the usage plans SAM generates for Auth.UsagePlan, or generated keys to plans, is not supported by Tollgate)"
                    )
                } else {
                    format!("'{name}' is not a resource of the template")
                }
            }
            Some(r) if !r.enabled => {
                format!("the Condition of {name} is false, so it does not exist")
            }
            Some(r) if r.ty != ty => format!("{name} is an {}, not an {ty}", r.ty),
            Some(_) => return Some(name),
        };
        self.error(&path, n.pos, format!("!Ref {name}: {why}"));
        None
    }

    /// The node `n` stands for once `Fn::If`s are decided; `None` for `AWS::NoValue`.
    pub(crate) fn pick(&mut self, n: &'a Node, path: &str) -> Option<&'a Node> {
        let mut n = n;
        for _ in 0..32 {
            match n.intrinsic() {
                Some(("Ref", arg)) if arg.as_str() == Some("AWS::NoValue") => return None,
                Some(("Fn::If", arg)) => match &arg.v {
                    V::Seq(items) if items.len() == 3 => {
                        let Some(cond) = items[0].as_str() else {
                            return Some(n);
                        };
                        n = if self.condition(cond, path, arg.pos) {
                            &items[1]
                        } else {
                            &items[2]
                        };
                    }
                    _ => return Some(n),
                },
                _ => return Some(n),
            }
        }
        Some(n)
    }
}
