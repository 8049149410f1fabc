//! The template as a whole: sections, parameters, resources, conditions, and the collection of
//! errors and warnings.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use crate::gateway;
use crate::nested;
use crate::usage::{API_KEY, USAGE_PLAN, USAGE_PLAN_KEY};
use crate::yaml::{self, Node, Pos, V};
use crate::{Diagnostic, SamApp, SamError, SamOptions};

pub(crate) const SERVERLESS_TRANSFORM: &str = "AWS::Serverless-2016-10-31";
pub(crate) const IMPLICIT_API: &str = "ServerlessRestApi";
pub(crate) const SERVERLESS_FUNCTION: &str = "AWS::Serverless::Function";
pub(crate) const LAMBDA_FUNCTION: &str = "AWS::Lambda::Function";
pub(crate) const SERVERLESS_API: &str = "AWS::Serverless::Api";

const SECTIONS: [&str; 11] = [
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Mappings",
    "Conditions",
    "Transform",
    "Globals",
    "Resources",
    "Outputs",
    "Rules",
];

/// A resource of the template.
pub(crate) struct Res<'a> {
    pub(crate) id: String,
    pub(crate) ty: String,
    pub(crate) node: &'a Node,
    /// False when its `Condition` is false: the resource does not exist.
    pub(crate) enabled: bool,
}

impl<'a> Res<'a> {
    pub(crate) fn properties(&self) -> Option<&'a Node> {
        self.node.get("Properties")
    }
}

/// Errors and warnings, in the order found, without repeats.
#[derive(Default)]
pub(crate) struct Diags {
    pub(crate) errors: Vec<Diagnostic>,
    pub(crate) warnings: Vec<String>,
    seen: HashSet<String>,
}

pub(crate) fn diagnostic(path: &str, pos: Pos, message: impl Into<String>) -> Diagnostic {
    let pos = pos.known();
    Diagnostic {
        path: path.to_owned(),
        message: message.into(),
        line: pos.map(|p| p.line),
        column: pos.map(|p| p.column),
    }
}

pub(crate) struct Loader<'a> {
    pub(crate) opts: &'a SamOptions,
    pub(crate) dir: &'a Path,
    pub(crate) stack_name: String,
    pub(crate) root: &'a Node,
    /// Parameter values: strings, or lists for `CommaDelimitedList` / `List<...>`.
    pub(crate) params: BTreeMap<String, Value>,
    /// Parameters with neither a `Default` nor an override (CloudFormation would ask for them).
    pub(crate) unset_params: HashSet<String>,
    pub(crate) resources: Vec<Res<'a>>,
    pub(crate) by_id: HashMap<String, usize>,
    /// True when some function has an `Api` event without `RestApiId`.
    pub(crate) implicit_api: bool,
    pub(crate) cond_cache: HashMap<String, bool>,
    pub(crate) cond_busy: HashSet<String>,
    pub(crate) fn_names: HashMap<String, String>,
    pub(crate) fn_busy: HashSet<String>,
    /// Nesting of intrinsic evaluation (references included).
    pub(crate) depth: usize,
    /// Bytes of strings evaluation has produced, and whether the budget ran out.
    pub(crate) produced: usize,
    pub(crate) exhausted: bool,
    /// Where this template sits among the application's stacks.
    pub(crate) nesting: Nesting,
    /// Function names other stacks of the application use, growing as nested stacks load:
    /// name → (who, whether `FunctionName` sets it).
    pub(crate) external_names: HashMap<String, (String, bool)>,
    /// The nested stacks loaded so far, by logical id: their outputs, `None` when not loaded.
    pub(crate) nested: HashMap<String, Option<BTreeMap<String, Value>>>,
    /// What the nested stacks serve.
    pub(crate) nested_apps: Vec<SamApp>,
    pub(crate) d: Diags,
}

impl<'a> Loader<'a> {
    pub(crate) fn warn(&mut self, path: &str, pos: Pos, message: impl Into<String>) {
        let text = diagnostic(path, pos, message).to_string();
        if self.d.seen.insert(text.clone()) {
            self.d.warnings.push(text);
        }
    }

    /// A warning already written in full (a nested stack's, prefixed with where it is).
    pub(crate) fn warn_raw(&mut self, text: String) {
        if self.d.seen.insert(text.clone()) {
            self.d.warnings.push(text);
        }
    }

    pub(crate) fn error(&mut self, path: &str, pos: Pos, message: impl Into<String>) {
        let diag = diagnostic(path, pos, message);
        if self.d.seen.insert(format!("error:{diag}")) {
            self.d.errors.push(diag);
        }
    }

    pub(crate) fn resource(&self, id: &str) -> Option<&Res<'a>> {
        self.by_id.get(id).and_then(|i| self.resources.get(*i))
    }

    /// A path relative to the template directory, without `.` components.
    pub(crate) fn local_path(&self, relative: &str) -> PathBuf {
        let joined = self.dir.join(relative);
        let mut out = PathBuf::new();
        for c in joined.components() {
            if c != Component::CurDir {
                out.push(c);
            }
        }
        if out.as_os_str().is_empty() {
            out.push(".");
        }
        out
    }
}

impl Loader<'_> {
    /// Why CloudFormation could not create the resource `id`, if something it depends on (its
    /// `Ref`s, `Fn::GetAtt`s, `Fn::Sub` variables and `DependsOn`, followed through other
    /// resources) is a parameter without a value or a name the template does not define.
    /// Names SAM generates from a resource's logical id (`{Function}Role`, `{Api}{Stage}Stage`,
    /// `ServerlessRestApi`) count as defined.
    pub(crate) fn deploy_blocker(&self, id: &str) -> Option<String> {
        let mut seen: HashSet<&str> = HashSet::new();
        let mut todo: Vec<&str> = vec![id];
        while let Some(current) = todo.pop() {
            if !seen.insert(current) {
                continue;
            }
            let Some(res) = self.resource(current) else {
                continue;
            };
            let mut names: Vec<String> = Vec::new();
            let mut nodes: Vec<&Node> = vec![res.node];
            while let Some(n) = nodes.pop() {
                match &n.v {
                    V::Seq(items) => nodes.extend(items),
                    V::Map(entries) => {
                        for (k, child) in entries {
                            match (k.as_str(), &child.v) {
                                ("Ref", V::Str(name)) => names.push(name.clone()),
                                ("Fn::GetAtt", V::Str(s)) => {
                                    names.push(s.split('.').next().unwrap_or_default().to_owned());
                                }
                                ("Fn::GetAtt", V::Seq(items)) => {
                                    names.extend(
                                        items.first().and_then(Node::as_str).map(str::to_owned),
                                    );
                                }
                                ("Fn::Sub", _) => {
                                    let (text, vars) = match &child.v {
                                        V::Str(t) => (Some(t.as_str()), None),
                                        V::Seq(items) => {
                                            (items.first().and_then(Node::as_str), items.get(1))
                                        }
                                        _ => (None, None),
                                    };
                                    for var in text.map(sub_variables).unwrap_or_default() {
                                        if vars.and_then(|v| v.get(&var)).is_none() {
                                            names.push(
                                                var.split('.')
                                                    .next()
                                                    .unwrap_or_default()
                                                    .to_owned(),
                                            );
                                        }
                                    }
                                    nodes.push(child);
                                }
                                ("DependsOn", V::Str(name)) => names.push(name.clone()),
                                ("DependsOn", V::Seq(items)) if std::ptr::eq(n, res.node) => {
                                    names.extend(
                                        items.iter().filter_map(Node::as_str).map(str::to_owned),
                                    );
                                }
                                _ => nodes.push(child),
                            }
                        }
                    }
                    _ => {}
                }
            }
            for name in names {
                if name.starts_with("AWS::") {
                    continue;
                }
                if self.unset_params.contains(&name) {
                    return Some(format!("parameter {name} has no value"));
                }
                if self.params.contains_key(&name) {
                    continue;
                }
                if let Some(r) = self.resource(&name) {
                    todo.push(r.id.as_str());
                    continue;
                }
                let generated = name == IMPLICIT_API
                    || name == "ServerlessHttpApi"
                    || self
                        .resources
                        .iter()
                        .any(|r| name.starts_with(r.id.as_str()));
                if !generated {
                    return Some(format!("'{name}' is not defined in the template"));
                }
            }
        }
        None
    }
}

/// The `${Name}` and `${Name.Attr}` variables of a `Fn::Sub` string (`${!Literal}` is text).
fn sub_variables(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            break;
        };
        let name = after[..end].trim();
        if !name.starts_with('!') && !name.is_empty() {
            out.push(name.to_owned());
        }
        rest = &after[end + 1..];
    }
    out
}

/// Loads a root template; `file` (when it is one) lets nested stacks that include it again be
/// refused at once.
pub(crate) fn load(
    template: &[u8],
    dir: &Path,
    opts: &SamOptions,
    file: Option<&Path>,
) -> Result<SamApp, SamError> {
    let nesting = Nesting {
        chain: file
            .and_then(|f| std::fs::canonicalize(f).ok())
            .into_iter()
            .collect(),
        ..Nesting::default()
    };
    load_stack(template, dir, opts, &nesting).map(|(app, _)| app)
}

/// Where a template sits among the application's stacks.
#[derive(Default, Clone)]
pub(crate) struct Nesting {
    /// 0 for the root template.
    pub(crate) depth: usize,
    /// The files of the nested templates being loaded, outermost first (cycles).
    pub(crate) chain: Vec<PathBuf>,
    /// Function names other stacks use: name → (who, whether `FunctionName` sets it).
    pub(crate) names: HashMap<String, (String, bool)>,
}

/// Loads one stack; with its `Outputs` evaluated when it is a nested one.
pub(crate) fn load_stack(
    template: &[u8],
    dir: &Path,
    opts: &SamOptions,
    nesting: &Nesting,
) -> Result<(SamApp, BTreeMap<String, Value>), SamError> {
    let fail = |message: String, pos: Option<Pos>| SamError {
        errors: vec![diagnostic("", pos.unwrap_or_default(), message)],
        warnings: Vec::new(),
    };
    let bytes = template.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(template);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        fail(
            format!(
                "The template is not UTF-8 text (invalid byte at offset {})",
                e.valid_up_to()
            ),
            None,
        )
    })?;
    let (root, yaml_warnings) = yaml::parse(text).map_err(|e| fail(e.message, e.pos))?;
    if !root.is_map() || root.intrinsic().is_some() {
        return Err(fail(
            format!(
                "The template must be a mapping with a Resources section, found {}",
                root.kind()
            ),
            root.pos.known(),
        ));
    }
    let mut l = Loader {
        opts,
        dir,
        stack_name: stack_name(opts, dir),
        root: &root,
        params: BTreeMap::new(),
        unset_params: HashSet::new(),
        resources: Vec::new(),
        by_id: HashMap::new(),
        implicit_api: false,
        cond_cache: HashMap::new(),
        cond_busy: HashSet::new(),
        fn_names: HashMap::new(),
        fn_busy: HashSet::new(),
        depth: 0,
        produced: 0,
        exhausted: false,
        nesting: nesting.clone(),
        external_names: nesting.names.clone(),
        nested: HashMap::new(),
        nested_apps: Vec::new(),
        d: Diags::default(),
    };
    for (pos, message) in yaml_warnings {
        l.warn("", pos, message);
    }
    l.sections();
    l.parameters();
    l.collect_resources();
    if !l.d.errors.is_empty() {
        return Err(l.into_error());
    }
    l.find_implicit_api();
    l.unique_names();
    l.nested_stacks();
    let (mut functions, events) = l.functions();
    let mut apis = l.apis(&events, &functions);
    apis.extend(l.rest_apis());
    let mut api_keys = Vec::new();
    let mut usage_plans = Vec::new();
    let mut usage_plan_keys = Vec::new();
    let mut domains = Vec::new();
    // The nested stacks' parts come first: what this template creates may refer to them.
    for child in std::mem::take(&mut l.nested_apps) {
        functions.extend(child.functions);
        apis.extend(child.apis);
        api_keys.extend(child.api_keys);
        usage_plans.extend(child.usage_plans);
        usage_plan_keys.extend(child.usage_plan_keys);
        domains.extend(child.domains);
    }
    let gateway = l.gateway_resources(&apis);
    api_keys.extend(gateway.api_keys);
    usage_plans.extend(gateway.usage_plans);
    usage_plan_keys.extend(gateway.usage_plan_keys);
    domains.extend(l.domains(&apis));
    l.other_resources();
    let outputs = if nesting.depth > 0 {
        l.outputs()
    } else {
        BTreeMap::new()
    };
    if !l.d.errors.is_empty() {
        return Err(l.into_error());
    }
    let app = SamApp {
        stack_name: l.stack_name.clone(),
        functions,
        apis,
        api_keys,
        usage_plans,
        usage_plan_keys,
        domains,
        warnings: l.d.warnings,
    };
    Ok((app, outputs))
}

/// `AWS::StackName`: the option, else the template directory's name (characters CloudFormation
/// refuses in stack names replaced by `-`), else `tollgate`.
fn stack_name(opts: &SamOptions, dir: &Path) -> String {
    if let Some(name) = &opts.stack_name {
        return name.clone();
    }
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .or_else(|| {
            std::fs::canonicalize(dir)
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .unwrap_or_default();
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let cleaned = cleaned.trim_matches('-');
    if cleaned.is_empty() || !cleaned.starts_with(|c: char| c.is_ascii_alphabetic()) {
        "tollgate".to_owned()
    } else {
        cleaned.chars().take(128).collect()
    }
}

impl<'a> Loader<'a> {
    fn into_error(self) -> SamError {
        SamError {
            errors: self.d.errors,
            warnings: self.d.warnings,
        }
    }

    fn sections(&mut self) {
        let root = self.root;
        let serverless = root.get("Globals").is_some()
            || root.get("Resources").is_some_and(|r| {
                r.entries().iter().any(|(_, res)| {
                    res.get("Type")
                        .and_then(Node::as_str)
                        .is_some_and(|t| t.starts_with("AWS::Serverless::"))
                })
            });
        match root.get("Transform") {
            // A plain CloudFormation template, as `cdk synth` writes, needs none.
            None if !serverless => {}
            None => self.warn(
                "Transform",
                Pos::default(),
                format!(
                    "The template uses SAM (Globals, AWS::Serverless::* resources) but has no 'Transform: {SERVERLESS_TRANSFORM}', without which CloudFormation would refuse it; reading it as a SAM template anyway"
                ),
            ),
            Some(t) => {
                let names: Vec<&str> = match &t.v {
                    V::Str(s) => vec![s.as_str()],
                    V::Seq(items) => items.iter().filter_map(Node::as_str).collect(),
                    _ => Vec::new(),
                };
                if !names.contains(&SERVERLESS_TRANSFORM) {
                    self.warn(
                        "Transform",
                        t.pos,
                        format!(
                            "The template's Transform does not include {SERVERLESS_TRANSFORM}; reading it as a SAM template anyway"
                        ),
                    );
                }
                for name in names {
                    if name != SERVERLESS_TRANSFORM {
                        self.warn(
                            "Transform",
                            t.pos,
                            format!("Transform {name} is not applied by Tollgate; the template is read as written"),
                        );
                    }
                }
            }
        }
        for (key, node) in root.entries() {
            if !SECTIONS.contains(&key.as_str()) {
                self.warn(
                    key,
                    node.pos,
                    format!("Unknown top-level section '{key}'; ignored"),
                );
            }
        }
        if root.get("Rules").is_some() {
            self.warn(
                "Rules",
                root.get("Rules").map(|n| n.pos).unwrap_or_default(),
                "Rules are not checked by Tollgate",
            );
        }
        if let Some(globals) = root.get("Globals") {
            if !globals.is_map() || globals.intrinsic().is_some() {
                self.error(
                    "Globals",
                    globals.pos,
                    format!("Expected a mapping, found {}", globals.kind()),
                );
            } else {
                for (key, node) in globals.entries() {
                    match key.as_str() {
                        "Function" | "Api" => {
                            if !node.is_map() || node.intrinsic().is_some() {
                                self.error(
                                    &format!("Globals.{key}"),
                                    node.pos,
                                    format!("Expected a mapping, found {}", node.kind()),
                                );
                            }
                        }
                        "HttpApi" | "SimpleTable" | "StateMachine" | "LayerVersion"
                        | "CapacityProvider" => self.warn(
                            &format!("Globals.{key}"),
                            node.pos,
                            format!("Globals.{key} applies to resources Tollgate does not run; ignored"),
                        ),
                        other => self.error(
                            &format!("Globals.{other}"),
                            node.pos,
                            format!(
                                "'{other}' is not a section SAM allows in Globals (Function, Api, HttpApi, SimpleTable, StateMachine, LayerVersion)"
                            ),
                        ),
                    }
                }
            }
        }
    }

    /// Parameter values: override, else `Default`; lists for list types.
    fn parameters(&mut self) {
        let root = self.root;
        let declared: Vec<(String, &Node)> = match root.get("Parameters") {
            None => Vec::new(),
            Some(p) if p.is_map() && p.intrinsic().is_none() => {
                p.entries().iter().map(|(k, n)| (k.clone(), n)).collect()
            }
            Some(p) => {
                self.error(
                    "Parameters",
                    p.pos,
                    format!("Expected a mapping, found {}", p.kind()),
                );
                Vec::new()
            }
        };
        for name in self.opts.parameter_overrides.keys() {
            if !declared.iter().any(|(k, _)| k == name) {
                self.warn(
                    "Parameters",
                    Pos::default(),
                    format!(
                        "Parameter override '{name}' names no parameter of the template; ignored"
                    ),
                );
            }
        }
        for (name, node) in declared {
            let path = format!("Parameters.{name}");
            let ty = node
                .get("Type")
                .and_then(Node::as_str)
                .unwrap_or("String")
                .to_owned();
            let value: Option<String> = match self.opts.parameter_overrides.get(&name) {
                Some(v) => Some(v.clone()),
                None => match node.get("Default") {
                    None | Some(Node { v: V::Null, .. }) => None,
                    Some(d) => match scalar_text(d) {
                        Some(s) => Some(s),
                        None => match &d.v {
                            V::Seq(items) => Some(
                                items
                                    .iter()
                                    .filter_map(scalar_text)
                                    .collect::<Vec<_>>()
                                    .join(","),
                            ),
                            _ => {
                                self.error(
                                    &format!("{path}.Default"),
                                    d.pos,
                                    format!("Expected a string, found {}", d.kind()),
                                );
                                None
                            }
                        },
                    },
                },
            };
            let Some(value) = value else {
                self.warn(
                    &path,
                    node.pos,
                    format!(
                        "Parameter {name} has no Default and no override; references to it resolve to the placeholder '{name}' (pass a value with the parameter overrides)"
                    ),
                );
                self.unset_params.insert(name.clone());
                self.params.insert(name.clone(), Value::String(name));
                continue;
            };
            if let Some(allowed) = node.get("AllowedValues")
                && let V::Seq(items) = &allowed.v
            {
                let allowed: Vec<String> = items.iter().filter_map(scalar_text).collect();
                if !allowed.is_empty() && !allowed.contains(&value) {
                    self.warn(
                        &path,
                        node.pos,
                        format!(
                            "Value '{value}' is not one of the parameter's AllowedValues ({}); CloudFormation would refuse it",
                            allowed.join(", ")
                        ),
                    );
                }
            }
            if ty.starts_with("AWS::SSM::Parameter::Value") {
                self.warn(
                    &path,
                    node.pos,
                    format!(
                        "Parameter {name} is read from SSM Parameter Store by CloudFormation; Tollgate does not read SSM and uses '{value}' itself (override the parameter to set the value)"
                    ),
                );
            }
            let is_list = ty == "CommaDelimitedList"
                || ty.starts_with("List<")
                || ty.starts_with("AWS::SSM::Parameter::Value<List<")
                || ty.starts_with("AWS::SSM::Parameter::Value<CommaDelimitedList");
            let v = if is_list {
                Value::Array(
                    value
                        .split(',')
                        .map(|s| Value::String(s.trim().to_owned()))
                        .collect(),
                )
            } else {
                Value::String(value)
            };
            self.params.insert(name, v);
        }
    }

    fn collect_resources(&mut self) {
        let root = self.root;
        let Some(resources) = root.get("Resources") else {
            self.error(
                "Resources",
                Pos::default(),
                "The template has no Resources section",
            );
            return;
        };
        if !resources.is_map() || resources.intrinsic().is_some() {
            self.error(
                "Resources",
                resources.pos,
                format!("Expected a mapping, found {}", resources.kind()),
            );
            return;
        }
        if resources.entries().is_empty() {
            self.error("Resources", resources.pos, "The template has no resources");
            return;
        }
        for (id, node) in resources.entries() {
            let path = format!("Resources.{id}");
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                self.error(
                    &path,
                    node.pos,
                    format!("Invalid logical id '{id}': logical ids are alphanumeric"),
                );
                continue;
            }
            if !node.is_map() || node.intrinsic().is_some() {
                self.error(
                    &path,
                    node.pos,
                    format!(
                        "Expected a resource (a mapping with Type), found {}",
                        node.kind()
                    ),
                );
                continue;
            }
            let ty = match node.get("Type") {
                Some(Node { v: V::Str(t), .. }) => t.clone(),
                Some(t) => {
                    self.error(
                        &format!("{path}.Type"),
                        t.pos,
                        format!("Expected a resource type string, found {}", t.kind()),
                    );
                    continue;
                }
                None => {
                    self.error(
                        &format!("{path}.Type"),
                        node.pos,
                        "Missing the resource Type",
                    );
                    continue;
                }
            };
            if let Some(p) = node.get("Properties")
                && (!p.is_map() || p.intrinsic().is_some())
                && !matches!(p.v, V::Null)
            {
                self.error(
                    &format!("{path}.Properties"),
                    p.pos,
                    format!("Expected a mapping, found {}", p.kind()),
                );
                continue;
            }
            self.by_id.insert(id.clone(), self.resources.len());
            self.resources.push(Res {
                id: id.clone(),
                ty,
                node,
                enabled: true,
            });
        }
        // Conditions decide which resources exist.
        for i in 0..self.resources.len() {
            let Some(res) = self.resources.get(i) else {
                continue;
            };
            let (id, node) = (res.id.clone(), res.node);
            let Some(cond) = node.get("Condition") else {
                continue;
            };
            let path = format!("Resources.{id}.Condition");
            let enabled = match cond.as_str() {
                Some(name) => self.condition(name, &path, cond.pos),
                None => {
                    self.warn(
                        &path,
                        cond.pos,
                        format!(
                            "Expected a condition name, found {}; the resource is kept",
                            cond.kind()
                        ),
                    );
                    true
                }
            };
            if !enabled {
                self.warn(
                    &format!("Resources.{id}"),
                    node.pos,
                    format!(
                        "Condition {} is false: the resource is not created",
                        cond.as_str().unwrap_or_default()
                    ),
                );
            }
            if let Some(res) = self.resources.get_mut(i) {
                res.enabled = enabled;
            }
        }
    }

    /// Does any function have an `Api` event without `RestApiId`?
    fn find_implicit_api(&mut self) {
        self.implicit_api = self.resources.iter().any(|r| {
            r.enabled
                && r.ty == SERVERLESS_FUNCTION
                && r.properties()
                    .and_then(|p| p.get("Events"))
                    .is_some_and(|events| {
                        events.entries().iter().any(|(_, e)| {
                            e.get("Type").and_then(Node::as_str) == Some("Api")
                                && e.get("Properties")
                                    .is_none_or(|p| p.get("RestApiId").is_none())
                        })
                    })
        });
    }

    /// Resources Tollgate does not run: one warning each.
    fn other_resources(&mut self) {
        let items: Vec<(String, String, Pos)> = self
            .resources
            .iter()
            .filter(|r| r.enabled)
            .map(|r| (r.id.clone(), r.ty.clone(), r.node.pos))
            .collect();
        for (id, ty, pos) in items {
            let path = format!("Resources.{id}");
            match ty.as_str() {
                SERVERLESS_FUNCTION | LAMBDA_FUNCTION | SERVERLESS_API | API_KEY | USAGE_PLAN
                | USAGE_PLAN_KEY | nested::APPLICATION | nested::STACK => {}
                // The CDK's version report changes nothing.
                t if gateway::HANDLED.contains(&t) || t == "AWS::CDK::Metadata" => {}
                "AWS::Serverless::HttpApi" => self.warn(
                    &path,
                    pos,
                    "AWS::Serverless::HttpApi (an API Gateway v2 HTTP API) is not supported by Tollgate, which implements REST APIs; use AWS::Serverless::Api",
                ),
                _ => self.warn(
                    &path,
                    pos,
                    format!("Resource type {ty} is not run by Tollgate; ignored"),
                ),
            }
        }
    }
}

/// The text of a scalar: strings as they are, numbers and booleans as CloudFormation writes them.
pub(crate) fn scalar_text(n: &Node) -> Option<String> {
    match &n.v {
        V::Str(s) => Some(s.clone()),
        V::Int(i) => Some(i.to_string()),
        V::Float(f) => Some(f.to_string()),
        V::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The text of an evaluated scalar value.
pub(crate) fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
