//! Intrinsic functions and references, resolved for a local run.
//!
//! Everything evaluates to a `serde_json::Value`; `None` is `AWS::NoValue` (the property or list
//! item disappears). What cannot be known locally (attributes of resources Tollgate does not
//! create, other stacks' exports, ...) becomes a placeholder string and a warning at the property
//! path where it was used; evaluation never fails.

use serde_json::{Map, Number, Value};

use crate::gateway;
use crate::loader::{
    IMPLICIT_API, LAMBDA_FUNCTION, Loader, SERVERLESS_API, SERVERLESS_FUNCTION, value_text,
};
use crate::nested;
use crate::usage::{API_KEY, USAGE_PLAN, USAGE_PLAN_KEY};
use crate::yaml::{Node, Pos, V};

/// Deepest evaluation (template nesting plus reference hops) before giving up.
const MAX_EVAL_DEPTH: usize = 300;

/// What following a reference (to a function's name, a condition, a stage) costs in depth: a
/// hop goes through many more stack frames than one level of nesting.
const HOP: usize = 10;

/// Most bytes of strings evaluation may produce (references and functions can copy one value
/// many times).
const MAX_PRODUCED: usize = 256 * 1024 * 1024;

/// Resource types whose `Ref` is a name set by a property, and that property.
const NAMED_BY: [(&str, &str); 6] = [
    ("AWS::Serverless::SimpleTable", "TableName"),
    ("AWS::DynamoDB::Table", "TableName"),
    ("AWS::S3::Bucket", "BucketName"),
    ("AWS::Logs::LogGroup", "LogGroupName"),
    ("AWS::Events::EventBus", "Name"),
    ("AWS::SSM::Parameter", "Name"),
];

impl<'a> Loader<'a> {
    /// The value of a node, intrinsics resolved.
    pub(crate) fn eval(&mut self, n: &Node, path: &str) -> Option<Value> {
        if self.exhausted {
            return Some(Value::Null);
        }
        if self.depth >= MAX_EVAL_DEPTH {
            self.warn(
                path,
                n.pos,
                "Intrinsic functions and references nest too deeply to resolve; using the placeholder '${TooDeep}'",
            );
            return Some(Value::String("${TooDeep}".to_owned()));
        }
        self.depth += 1;
        let v = self.eval_inner(n, path);
        self.depth -= 1;
        v
    }

    fn eval_inner(&mut self, n: &Node, path: &str) -> Option<Value> {
        match &n.v {
            V::Null => Some(Value::Null),
            V::Bool(b) => Some(Value::Bool(*b)),
            V::Int(i) => Some(Value::Number((*i).into())),
            V::Float(f) => Some(match Number::from_f64(*f) {
                Some(num) => Value::Number(num),
                None => Value::String(f.to_string()),
            }),
            V::Str(s) => {
                self.produce(s.len(), path, n.pos);
                Some(Value::String(s.clone()))
            }
            V::Seq(items) => Some(Value::Array(
                items
                    .iter()
                    .enumerate()
                    .filter_map(|(i, item)| self.eval(item, &format!("{path}[{i}]")))
                    .collect(),
            )),
            V::Map(entries) => {
                if let Some((f, arg)) = n.intrinsic() {
                    let v = self.intrinsic(f, arg, n.pos, path);
                    if let Some(Value::String(s)) = &v {
                        self.produce(s.len(), path, n.pos);
                    }
                    return v;
                }
                let mut map = Map::new();
                for (k, child) in entries {
                    if let Some(v) = self.eval(child, &join(path, k)) {
                        map.insert(k.clone(), v);
                    }
                }
                Some(Value::Object(map))
            }
        }
    }

    /// Counts produced bytes; past the budget, evaluation stops with an error.
    fn produce(&mut self, bytes: usize, path: &str, pos: Pos) {
        self.produced = self.produced.saturating_add(bytes);
        if self.produced > MAX_PRODUCED && !self.exhausted {
            self.exhausted = true;
            self.error(
                path,
                pos,
                format!("The template expands to more than {} MB of text when its intrinsic functions are resolved; refusing to go on", MAX_PRODUCED / (1024 * 1024)),
            );
        }
    }

    /// A scalar's text after evaluation (`None`: absent, or not a scalar — the caller reports).
    pub(crate) fn eval_text(&mut self, n: &Node, path: &str) -> Option<Result<String, Value>> {
        let v = self.eval(n, path)?;
        Some(value_text(&v).ok_or(v))
    }

    fn placeholder(&mut self, path: &str, pos: Pos, text: String, why: String) -> Value {
        self.warn(path, pos, format!("{why}; using the placeholder '{text}'"));
        Value::String(text)
    }

    fn intrinsic(&mut self, f: &str, arg: &Node, pos: Pos, path: &str) -> Option<Value> {
        let short = f.strip_prefix("Fn::").unwrap_or(f);
        match f {
            "Ref" => match &arg.v {
                V::Str(name) => self.reference(name, pos, path),
                _ => Some(self.placeholder(
                    path,
                    pos,
                    "${Ref}".to_owned(),
                    format!("!Ref expects a name, found {}", arg.kind()),
                )),
            },
            "Fn::GetAtt" => Some(self.get_att_node(arg, pos, path)),
            "Fn::Sub" => Some(self.sub(arg, pos, path)),
            "Fn::Join" => Some(self.join_fn(arg, pos, path)),
            "Fn::Select" => self.select(arg, pos, path),
            "Fn::Split" => Some(self.split(arg, pos, path)),
            "Fn::If" => self.if_fn(arg, pos, path),
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" => {
                let wrapped = Node::new(V::Map(vec![(f.to_owned(), arg.clone())]), pos);
                Some(Value::Bool(self.cond_expr(&wrapped, path)))
            }
            "Fn::FindInMap" => Some(self.find_in_map(arg, pos, path)),
            "Fn::Base64" => match self.eval_text(arg, path) {
                Some(Ok(s)) => Some(Value::String(base64(s.as_bytes()))),
                _ => Some(self.placeholder(
                    path,
                    pos,
                    "${Base64}".to_owned(),
                    "!Base64 expects a string".to_owned(),
                )),
            },
            "Fn::GetAZs" => {
                let region = match self.eval_text(arg, path) {
                    Some(Ok(r)) if !r.is_empty() => r,
                    _ => self.opts.region.clone(),
                };
                Some(Value::Array(
                    ["a", "b", "c"]
                        .iter()
                        .map(|z| Value::String(format!("{region}{z}")))
                        .collect(),
                ))
            }
            "Fn::ToJsonString" => {
                let v = self.eval(arg, path).unwrap_or(Value::Null);
                Some(Value::String(v.to_string()))
            }
            "Fn::Length" => match self.eval(arg, path) {
                Some(Value::Array(items)) => Some(Value::Number(items.len().into())),
                _ => Some(self.placeholder(
                    path,
                    pos,
                    "${Length}".to_owned(),
                    "!Length expects a list".to_owned(),
                )),
            },
            "Fn::ImportValue" => {
                let name = match self.eval_text(arg, path) {
                    Some(Ok(s)) => s,
                    _ => "?".to_owned(),
                };
                Some(self.placeholder(
                    path,
                    pos,
                    format!("${{ImportValue:{name}}}"),
                    format!("!ImportValue {name}: values exported by other stacks are not available to a local run"),
                ))
            }
            "Fn::Transform" => Some(self.placeholder(
                path,
                pos,
                "${Transform}".to_owned(),
                "Fn::Transform is only supported as AWS::Include of a local file in an API's DefinitionBody".to_owned(),
            )),
            _ => Some(self.placeholder(
                path,
                pos,
                format!("${{{short}}}"),
                format!("Intrinsic function {f} is not supported by Tollgate"),
            )),
        }
    }

    /// `Ref` of a parameter, pseudo parameter or resource.
    fn reference(&mut self, name: &str, pos: Pos, path: &str) -> Option<Value> {
        let o = self.opts;
        let text = |s: &str| Some(Value::String(s.to_owned()));
        match name {
            "AWS::NoValue" => return None,
            "AWS::Region" => return text(&o.region),
            "AWS::AccountId" => return text(&o.account_id),
            "AWS::Partition" => return text("aws"),
            "AWS::URLSuffix" => return text("amazonaws.com"),
            "AWS::StackName" => return text(&self.stack_name),
            "AWS::StackId" => {
                return Some(Value::String(format!(
                    "arn:aws:cloudformation:{}:{}:stack/{}/00000000-0000-0000-0000-000000000000",
                    o.region, o.account_id, self.stack_name
                )));
            }
            "AWS::NotificationARNs" => return Some(Value::Array(Vec::new())),
            _ => {}
        }
        if let Some(v) = self.params.get(name) {
            return Some(v.clone());
        }
        if name == IMPLICIT_API && self.resource(name).is_none() {
            if self.implicit_api {
                return Some(Value::String(self.api_id(name)));
            }
            return Some(self.placeholder(
                path,
                pos,
                name.to_owned(),
                format!("!Ref {name}: there is no implicit API (no function has an Api event without RestApiId)"),
            ));
        }
        // `!Ref MyApi.Stage`: the stage name (SAM's own shorthand).
        if let Some(api) = name.strip_suffix(".Stage")
            && (api == IMPLICIT_API || self.resource(api).is_some_and(|r| r.ty == SERVERLESS_API))
        {
            return Some(Value::String(self.stage_of(api)));
        }
        let Some(res) = self.resource(name) else {
            if let Some(v) = self.generated_reference(name) {
                return Some(v);
            }
            return Some(self.placeholder(
                path,
                pos,
                name.to_owned(),
                format!("!Ref {name}: '{name}' is not a parameter, a resource or a pseudo parameter of the template"),
            ));
        };
        let (ty, enabled, props) = (res.ty.clone(), res.enabled, res.properties());
        if !enabled {
            return Some(self.placeholder(
                path,
                pos,
                name.to_owned(),
                format!("!Ref {name}: the resource's Condition is false, so it does not exist"),
            ));
        }
        match ty.as_str() {
            SERVERLESS_FUNCTION | LAMBDA_FUNCTION => Some(Value::String(self.function_name(name))),
            SERVERLESS_API | gateway::REST_API => Some(Value::String(self.api_id(name))),
            nested::APPLICATION | nested::STACK => Some(Value::String(format!(
                "arn:aws:cloudformation:{}:{}:stack/{}-{name}/00000000-0000-0000-0000-000000000000",
                self.opts.region, self.opts.account_id, self.stack_name
            ))),
            gateway::STAGE => {
                let node = props.and_then(|p| p.get("StageName"));
                match node.and_then(|n| {
                    self.hop(|l| l.eval_text(n, &format!("Resources.{name}.Properties.StageName")))
                }) {
                    Some(Some(Ok(stage))) => Some(Value::String(stage)),
                    _ => Some(self.placeholder(
                        path,
                        pos,
                        name.to_owned(),
                        format!("!Ref {name}: the stage has no StageName"),
                    )),
                }
            }
            gateway::MODEL => {
                let model = self
                    .hop(|l| l.model_name(name))
                    .unwrap_or_else(|| name.to_owned());
                Some(Value::String(model))
            }
            gateway::DOMAIN_NAME => {
                let pos_of = self.resource(name).map(|r| r.node.pos).unwrap_or_default();
                match self.hop(|l| l.domain_name_of(name, props, pos_of)) {
                    Some(Some(domain)) => Some(Value::String(domain)),
                    _ => Some(Value::String(name.to_owned())),
                }
            }
            _ => {
                if let Some((_, prop)) = NAMED_BY.iter().find(|(t, _)| *t == ty)
                    && let Some(node) = props.and_then(|p| p.get(prop))
                    && let Some(Some(Ok(value))) = self.hop(|l| l.eval_text(node, path))
                {
                    return Some(Value::String(value));
                }
                if matches!(ty.as_str(), API_KEY | USAGE_PLAN | USAGE_PLAN_KEY)
                    || gateway::GENERATED_IDS.contains(&ty.as_str())
                {
                    return Some(self.placeholder(
                        path,
                        pos,
                        name.to_owned(),
                        format!("!Ref {name} ({ty}) has no local value: its id is generated when Tollgate creates it"),
                    ));
                }
                Some(self.placeholder(
                    path,
                    pos,
                    name.to_owned(),
                    format!("!Ref {name} ({ty}) has no local value: Tollgate does not create {ty} resources"),
                ))
            }
        }
    }

    /// References to resources SAM generates from others (`{Api}{Stage}Stage`).
    fn generated_reference(&mut self, name: &str) -> Option<Value> {
        let apis: Vec<String> = self
            .resources
            .iter()
            .filter(|r| r.enabled && r.ty == SERVERLESS_API)
            .map(|r| r.id.clone())
            .chain(self.implicit_api.then(|| IMPLICIT_API.to_owned()))
            .collect();
        for api in apis {
            if let Some(rest) = name.strip_prefix(api.as_str())
                && rest.ends_with("Stage")
                && rest.len() > "Stage".len()
            {
                let stage = self.stage_of(&api);
                let alnum: String = stage.chars().filter(char::is_ascii_alphanumeric).collect();
                if rest == format!("{alnum}Stage") {
                    return Some(Value::String(stage));
                }
            }
        }
        None
    }

    /// The stage name of an API (`Prod` for the implicit one), for references.
    pub(crate) fn stage_of(&mut self, api: &str) -> String {
        if api == IMPLICIT_API && self.resource(api).is_none() {
            return "Prod".to_owned();
        }
        let node = self
            .resource(api)
            .and_then(|r| r.properties())
            .and_then(|p| p.get("StageName"));
        match node {
            Some(n) => match self
                .hop(|l| l.eval_text(n, &format!("Resources.{api}.Properties.StageName")))
            {
                Some(Some(Ok(s))) => s,
                _ => api.to_owned(),
            },
            None => api.to_owned(),
        }
    }

    fn get_att_node(&mut self, arg: &Node, pos: Pos, path: &str) -> Value {
        let (res, attr) = match &arg.v {
            V::Str(s) => match s.split_once('.') {
                Some((r, a)) => (r.to_owned(), a.to_owned()),
                None => {
                    return self.placeholder(
                        path,
                        pos,
                        format!("${{{s}}}"),
                        format!("!GetAtt {s}: expected Resource.Attribute"),
                    );
                }
            },
            V::Seq(items) if items.len() == 2 => {
                let res = items[0].as_str().map(str::to_owned);
                let attr = match self.eval_text(&items[1], path) {
                    Some(Ok(a)) => Some(a),
                    _ => None,
                };
                match (res, attr) {
                    (Some(r), Some(a)) => (r, a),
                    _ => {
                        return self.placeholder(
                            path,
                            pos,
                            "${GetAtt}".to_owned(),
                            "!GetAtt expects [Resource, Attribute] as strings".to_owned(),
                        );
                    }
                }
            }
            _ => {
                return self.placeholder(
                    path,
                    pos,
                    "${GetAtt}".to_owned(),
                    format!(
                        "!GetAtt expects 'Resource.Attribute' or [Resource, Attribute], found {}",
                        arg.kind()
                    ),
                );
            }
        };
        self.get_att(&res, &attr, pos, path)
    }

    fn get_att(&mut self, res: &str, attr: &str, pos: Pos, path: &str) -> Value {
        let shown = format!("${{{res}.{attr}}}");
        // `${MyApi.Stage}`: SAM's reference to the stage it generates.
        if attr == "Stage"
            && ((res == IMPLICIT_API && self.implicit_api)
                || self.resource(res).is_some_and(|r| r.ty == SERVERLESS_API))
        {
            return Value::String(self.stage_of(res));
        }
        let Some(r) = self.resource(res) else {
            if res == IMPLICIT_API && self.implicit_api {
                return self.placeholder(
                    path,
                    pos,
                    shown,
                    format!("!GetAtt {res}.{attr} is not known before the API is created"),
                );
            }
            let why = match res.strip_suffix("Role") {
                Some(f)
                    if self
                        .resource(f)
                        .is_some_and(|r| r.ty == SERVERLESS_FUNCTION) =>
                {
                    format!(
                        "!GetAtt {res}.{attr}: {res} is the execution role SAM generates for {f}; Tollgate runs functions with your local credentials and creates no role"
                    )
                }
                _ => format!("!GetAtt {res}.{attr}: '{res}' is not a resource of the template"),
            };
            return self.placeholder(path, pos, shown, why);
        };
        let (ty, enabled) = (r.ty.clone(), r.enabled);
        if !enabled {
            return self.placeholder(
                path,
                pos,
                shown,
                format!(
                    "!GetAtt {res}.{attr}: the resource's Condition is false, so it does not exist"
                ),
            );
        }
        match (ty.as_str(), attr) {
            (nested::APPLICATION | nested::STACK, _) if attr.starts_with("Outputs.") => {
                let output = attr.trim_start_matches("Outputs.");
                let value = self
                    .nested_stack(res)
                    .and_then(|outputs| outputs.get(output).cloned());
                match value {
                    Some(v) => v,
                    None => self.placeholder(
                        path,
                        pos,
                        shown,
                        format!("!GetAtt {res}.{attr}: the nested stack {res} was not loaded or has no output {output}"),
                    ),
                }
            }
            (SERVERLESS_FUNCTION | LAMBDA_FUNCTION, "Arn") => {
                let name = self.function_name(res);
                Value::String(self.function_arn(&name))
            }
            (SERVERLESS_FUNCTION | LAMBDA_FUNCTION, _) => self.placeholder(
                path,
                pos,
                shown,
                format!("!GetAtt {res}.{attr}: Tollgate resolves only the Arn attribute of functions"),
            ),
            (SERVERLESS_API | gateway::REST_API, _) => self.placeholder(
                path,
                pos,
                shown,
                format!("!GetAtt {res}.{attr} is not known before the API is created"),
            ),
            _ => self.placeholder(
                path,
                pos,
                shown,
                format!("!GetAtt {res}.{attr} cannot be resolved locally: Tollgate does not create {ty} resources"),
            ),
        }
    }

    fn sub(&mut self, arg: &Node, pos: Pos, path: &str) -> Value {
        let (template, vars): (&str, Option<&Node>) = match &arg.v {
            V::Str(s) => (s, None),
            V::Seq(items) if items.len() == 2 && items[0].as_str().is_some() => {
                (items[0].as_str().unwrap_or_default(), Some(&items[1]))
            }
            _ => {
                return self.placeholder(
                    path,
                    pos,
                    "${Sub}".to_owned(),
                    format!(
                        "!Sub expects a string or [string, {{variables}}], found {}",
                        arg.kind()
                    ),
                );
            }
        };
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            rest = &after[end + 1..];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
                continue;
            }
            let name = name.trim();
            let value = self.sub_variable(name, vars, pos, path);
            out.push_str(&value);
        }
        out.push_str(rest);
        Value::String(out)
    }

    fn sub_variable(&mut self, name: &str, vars: Option<&Node>, pos: Pos, path: &str) -> String {
        if let Some(node) = vars.and_then(|v| v.get(name)) {
            return match self.eval(node, path) {
                Some(v) => self.sub_text(v, name, pos, path),
                None => String::new(),
            };
        }
        if name.starts_with("stageVariables.")
            || name.starts_with("context.")
            || name.starts_with("request.")
            || name.starts_with("method.")
        {
            self.warn(
                path,
                pos,
                format!("!Sub: ${{{name}}} is kept as written; CloudFormation reads it as a GetAtt and needs it escaped as ${{!{name}}}"),
            );
            return format!("${{{name}}}");
        }
        let v = match name.split_once('.') {
            Some((res, attr)) if !name.starts_with("AWS::") => {
                Some(self.get_att(res, attr, pos, path))
            }
            _ => self.reference(name, pos, path),
        };
        match v {
            Some(v) => self.sub_text(v, name, pos, path),
            None => String::new(),
        }
    }

    fn sub_text(&mut self, v: Value, name: &str, pos: Pos, path: &str) -> String {
        match v {
            Value::Array(items) => {
                self.warn(
                    path,
                    pos,
                    format!("!Sub: ${{{name}}} is a list; CloudFormation refuses lists in Fn::Sub, its items are joined with ','"),
                );
                items
                    .iter()
                    .filter_map(value_text)
                    .collect::<Vec<_>>()
                    .join(",")
            }
            other => value_text(&other).unwrap_or_else(|| {
                self.warn(
                    path,
                    pos,
                    format!("!Sub: ${{{name}}} is not a string; its JSON text is used"),
                );
                other.to_string()
            }),
        }
    }

    fn list_arg(
        &mut self,
        arg: &Node,
        n: usize,
        f: &str,
        pos: Pos,
        path: &str,
    ) -> Option<Vec<Node>> {
        match &arg.v {
            V::Seq(items) if items.len() == n => Some(items.clone()),
            _ => {
                self.warn(
                    path,
                    pos,
                    format!("!{f} expects a list of {n} items, found {}; using the placeholder '${{{f}}}'", arg.kind()),
                );
                None
            }
        }
    }

    fn join_fn(&mut self, arg: &Node, pos: Pos, path: &str) -> Value {
        let Some(items) = self.list_arg(arg, 2, "Join", pos, path) else {
            return Value::String("${Join}".to_owned());
        };
        let delim = match self.eval_text(&items[0], path) {
            Some(Ok(d)) => d,
            _ => String::new(),
        };
        let list = match self.eval(&items[1], path) {
            Some(Value::Array(list)) => list,
            _ => {
                return self.placeholder(
                    path,
                    pos,
                    "${Join}".to_owned(),
                    "!Join expects [delimiter, list]".to_owned(),
                );
            }
        };
        let mut parts = Vec::with_capacity(list.len());
        for item in list {
            match value_text(&item) {
                Some(t) => parts.push(t),
                None => {
                    self.warn(
                        path,
                        pos,
                        "!Join: a list item is not a string; its JSON text is used",
                    );
                    parts.push(item.to_string());
                }
            }
        }
        Value::String(parts.join(&delim))
    }

    fn select(&mut self, arg: &Node, pos: Pos, path: &str) -> Option<Value> {
        let Some(items) = self.list_arg(arg, 2, "Select", pos, path) else {
            return Some(Value::String("${Select}".to_owned()));
        };
        let index = match self.eval(&items[0], path) {
            Some(Value::Number(n)) => n.as_u64(),
            Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        let list = match self.eval(&items[1], path) {
            Some(Value::Array(list)) => Some(list),
            _ => None,
        };
        match (index, list) {
            (Some(i), Some(list)) => match usize::try_from(i).ok().and_then(|i| list.get(i)) {
                Some(v) => Some(v.clone()),
                None => Some(self.placeholder(
                    path,
                    pos,
                    "${Select}".to_owned(),
                    format!(
                        "!Select: index {i} is out of range for a list of {}",
                        list.len()
                    ),
                )),
            },
            _ => Some(self.placeholder(
                path,
                pos,
                "${Select}".to_owned(),
                "!Select expects [index, list]".to_owned(),
            )),
        }
    }

    fn split(&mut self, arg: &Node, pos: Pos, path: &str) -> Value {
        let Some(items) = self.list_arg(arg, 2, "Split", pos, path) else {
            return Value::String("${Split}".to_owned());
        };
        let delim = self.eval_text(&items[0], path);
        let source = self.eval_text(&items[1], path);
        match (delim, source) {
            (Some(Ok(d)), Some(Ok(s))) if !d.is_empty() => Value::Array(
                s.split(d.as_str())
                    .map(|p| Value::String(p.to_owned()))
                    .collect(),
            ),
            _ => self.placeholder(
                path,
                pos,
                "${Split}".to_owned(),
                "!Split expects [delimiter, string]".to_owned(),
            ),
        }
    }

    fn if_fn(&mut self, arg: &Node, pos: Pos, path: &str) -> Option<Value> {
        let Some(items) = self.list_arg(arg, 3, "If", pos, path) else {
            return Some(Value::String("${If}".to_owned()));
        };
        let Some(name) = items[0].as_str() else {
            return Some(self.placeholder(
                path,
                pos,
                "${If}".to_owned(),
                "!If expects [condition name, value if true, value if false]".to_owned(),
            ));
        };
        let branch = if self.condition(name, path, pos) {
            &items[1]
        } else {
            &items[2]
        };
        self.eval(branch, path)
    }

    fn find_in_map(&mut self, arg: &Node, pos: Pos, path: &str) -> Value {
        let items = match &arg.v {
            V::Seq(items) if items.len() == 3 || items.len() == 4 => items.clone(),
            _ => {
                return self.placeholder(
                    path,
                    pos,
                    "${FindInMap}".to_owned(),
                    "!FindInMap expects [MapName, TopLevelKey, SecondLevelKey]".to_owned(),
                );
            }
        };
        let mut keys = Vec::with_capacity(3);
        for item in &items[..3] {
            match self.eval_text(item, path) {
                Some(Ok(k)) => keys.push(k),
                _ => {
                    return self.placeholder(
                        path,
                        pos,
                        "${FindInMap}".to_owned(),
                        "!FindInMap keys must be strings".to_owned(),
                    );
                }
            }
        }
        let root = self.root;
        let found = root
            .get("Mappings")
            .and_then(|m| m.get(&keys[0]))
            .and_then(|m| m.get(&keys[1]))
            .and_then(|m| m.get(&keys[2]));
        match found {
            Some(node) => self.eval(node, path).unwrap_or(Value::Null),
            None => {
                if let Some(default) = items.get(3).and_then(|d| d.get("DefaultValue")) {
                    return self.eval(default, path).unwrap_or(Value::Null);
                }
                self.placeholder(
                    path,
                    pos,
                    format!("${{{}.{}.{}}}", keys[0], keys[1], keys[2]),
                    format!(
                        "!FindInMap: Mappings has no {}.{}.{}",
                        keys[0], keys[1], keys[2]
                    ),
                )
            }
        }
    }

    /// The value of a named condition (false, with a warning, when unknown or circular).
    pub(crate) fn condition(&mut self, name: &str, path: &str, pos: Pos) -> bool {
        if let Some(v) = self.cond_cache.get(name) {
            return *v;
        }
        let root = self.root;
        let Some(node) = root.get("Conditions").and_then(|c| c.get(name)) else {
            self.warn(
                path,
                pos,
                format!("Condition '{name}' is not defined in Conditions; it is taken as false"),
            );
            return false;
        };
        if !self.cond_busy.insert(name.to_owned()) {
            self.warn(
                &format!("Conditions.{name}"),
                node.pos,
                format!("Condition '{name}' refers to itself; it is taken as false"),
            );
            return false;
        }
        let v = self
            .hop(|l| l.cond_expr(node, &format!("Conditions.{name}")))
            .unwrap_or(false);
        self.cond_busy.remove(name);
        self.cond_cache.insert(name.to_owned(), v);
        v
    }

    fn cond_expr(&mut self, n: &Node, path: &str) -> bool {
        if self.depth >= MAX_EVAL_DEPTH {
            return false;
        }
        if let V::Bool(b) = n.v {
            return b;
        }
        if let V::Str(s) = &n.v {
            return s.eq_ignore_ascii_case("true");
        }
        let entries = n.entries();
        let Some((f, arg)) = (entries.len() == 1).then(|| (&entries[0].0, &entries[0].1)) else {
            self.warn(path, n.pos, "Expected a condition function (Fn::Equals, Fn::And, Fn::Or, Fn::Not or Condition); taken as false");
            return false;
        };
        self.depth += 1;
        let items: Vec<Node> = match &arg.v {
            V::Seq(items) => items.clone(),
            _ => Vec::new(),
        };
        let v = match f.as_str() {
            "Condition" => match arg.as_str() {
                Some(name) => self.condition(name, path, arg.pos),
                None => false,
            },
            "Fn::Equals" if items.len() == 2 => {
                let a = self.eval(&items[0], path);
                let b = self.eval(&items[1], path);
                match (
                    a.as_ref().and_then(value_text),
                    b.as_ref().and_then(value_text),
                ) {
                    (Some(a), Some(b)) => a == b,
                    _ => a == b,
                }
            }
            "Fn::Not" if items.len() == 1 => !self.cond_expr(&items[0], path),
            "Fn::And" if !items.is_empty() => {
                let mut all = true;
                for item in &items {
                    all &= self.cond_expr(item, path);
                }
                all
            }
            "Fn::Or" if !items.is_empty() => {
                let mut any = false;
                for item in &items {
                    any |= self.cond_expr(item, path);
                }
                any
            }
            _ => {
                self.warn(
                    path,
                    n.pos,
                    format!("Condition function {f} with these arguments is not supported; taken as false"),
                );
                false
            }
        };
        self.depth -= 1;
        v
    }

    /// Runs `f` one reference hop deeper; `None` when that is too deep.
    fn hop<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.depth + HOP > MAX_EVAL_DEPTH {
            return None;
        }
        self.depth += HOP;
        let v = f(self);
        self.depth -= HOP;
        Some(v)
    }

    /// A function's name: `FunctionName` (resolved) or the logical id.
    pub(crate) fn function_name(&mut self, id: &str) -> String {
        if let Some(name) = self.fn_names.get(id) {
            return name.clone();
        }
        let node = self
            .resource(id)
            .and_then(|r| r.properties())
            .and_then(|p| p.get("FunctionName"));
        let Some(node) = node else {
            return id.to_owned();
        };
        let path = format!("Resources.{id}.Properties.FunctionName");
        if !self.fn_busy.insert(id.to_owned()) {
            self.warn(
                &path,
                node.pos,
                format!("FunctionName of {id} refers to itself; using the logical id '{id}'"),
            );
            return id.to_owned();
        }
        let name = match self.hop(|l| l.eval_text(node, &path)) {
            None => {
                self.warn(
                    &path,
                    node.pos,
                    format!("FunctionName of {id} goes through too many references; using the logical id '{id}'"),
                );
                id.to_owned()
            }
            Some(Some(Ok(s))) if !s.is_empty() => s,
            Some(_) => {
                self.warn(
                    &path,
                    node.pos,
                    format!("FunctionName is not a string; using the logical id '{id}'"),
                );
                id.to_owned()
            }
        };
        self.fn_busy.remove(id);
        self.fn_names.insert(id.to_owned(), name.clone());
        name
    }

    pub(crate) fn function_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            self.opts.region, self.opts.account_id
        )
    }

    /// The stable id of an API: ten `[a-z0-9]` from a hash of the stack name and logical id.
    pub(crate) fn api_id(&self, logical_id: &str) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self
            .stack_name
            .bytes()
            .chain(std::iter::once(b'/'))
            .chain(logical_id.bytes())
        {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut id = String::with_capacity(10);
        for _ in 0..10 {
            let i = usize::try_from(h % 36).unwrap_or(0);
            id.push(char::from(ALPHABET[i]));
            h /= 36;
        }
        id
    }
}

/// `path.key`
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(T[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_encodes() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"foobar"), "Zm9vYmFy");
    }
}
