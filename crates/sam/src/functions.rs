//! `AWS::Serverless::Function` (with `Globals.Function`) and `AWS::Lambda::Function` into
//! [`FunctionConfig`]s, and their `Api` events into [`ApiEvent`]s for the APIs.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use tollgate_lambda::{FunctionConfig, Runtime};

use crate::loader::{IMPLICIT_API, LAMBDA_FUNCTION, Loader, SERVERLESS_API, SERVERLESS_FUNCTION};
use crate::yaml::{Node, Pos, V};

/// Properties SAM allows in `Globals.Function`.
const GLOBAL_FUNCTION_KEYS: [&str; 31] = [
    "Handler",
    "Runtime",
    "CodeUri",
    "DeadLetterQueue",
    "Description",
    "MemorySize",
    "Timeout",
    "VpcConfig",
    "Environment",
    "Tags",
    "PropagateTags",
    "Tracing",
    "KmsKeyArn",
    "Layers",
    "AutoPublishAlias",
    "AutoPublishAliasAllProperties",
    "DeploymentPreference",
    "PermissionsBoundary",
    "ReservedConcurrentExecutions",
    "ProvisionedConcurrencyConfig",
    "AssumeRolePolicyDocument",
    "EventInvokeConfig",
    "Architectures",
    "EphemeralStorage",
    "SnapStart",
    "FunctionUrlConfig",
    "RuntimeManagementConfig",
    "LoggingConfig",
    "RecursiveLoop",
    "SourceKMSKeyArn",
    "CapacityProviderConfig",
];

/// Properties that change nothing locally: accepted without a word.
const SILENT_KEYS: [&str; 21] = [
    "FunctionName",
    "Description",
    "Tags",
    "PropagateTags",
    "Tracing",
    "KmsKeyArn",
    "AutoPublishAlias",
    "AutoPublishAliasAllProperties",
    "AutoPublishCodeSha256",
    "DeploymentPreference",
    "PermissionsBoundary",
    "Policies",
    "Role",
    "RolePath",
    "AssumeRolePolicyDocument",
    "ProvisionedConcurrencyConfig",
    "VersionDescription",
    "VpcConfig",
    "LoggingConfig",
    "RuntimeManagementConfig",
    "SourceKMSKeyArn",
];

/// An `Api` event of a function: one operation of one API.
#[derive(Debug, Clone)]
pub(crate) struct ApiEvent {
    /// The API's logical id (`ServerlessRestApi` for the implicit API).
    pub(crate) api: String,
    pub(crate) path: String,
    /// The OpenAPI operation key: `get`, ..., `x-amazon-apigateway-any-method`.
    pub(crate) method: String,
    /// The integration URI (the function by name).
    pub(crate) uri: String,
    /// `RequestParameters`: (name, location, required), location as OpenAPI writes it.
    pub(crate) params: Vec<(String, String, bool)>,
    pub(crate) timeout_ms: Option<u64>,
    /// The event's `Auth` (`ApiFunctionAuth`), resolved.
    pub(crate) auth: Option<Value>,
    /// `Resources.{Fn}.Properties.Events.{Event}`
    pub(crate) at: String,
    pub(crate) pos: Pos,
}

/// Maps are merged (the function's values win), lists appended, anything else replaced: SAM's
/// rules for `Globals`.
pub(crate) fn merge(global: &Node, local: &Node) -> Node {
    match (&global.v, &local.v) {
        (V::Map(g), V::Map(l)) if global.intrinsic().is_none() && local.intrinsic().is_none() => {
            let mut out = g.clone();
            for (k, lv) in l {
                match out.iter_mut().find(|(gk, _)| gk == k) {
                    Some(slot) => slot.1 = merge(&slot.1, lv),
                    None => out.push((k.clone(), lv.clone())),
                }
            }
            Node::new(V::Map(out), local.pos)
        }
        (V::Seq(g), V::Seq(l)) => {
            let mut out = g.clone();
            out.extend(l.iter().cloned());
            Node::new(V::Seq(out), local.pos)
        }
        _ => local.clone(),
    }
}

fn empty_map() -> Node {
    Node::new(V::Map(Vec::new()), Pos::default())
}

impl<'a> Loader<'a> {
    pub(crate) fn functions(&mut self) -> (Vec<FunctionConfig>, Vec<ApiEvent>) {
        let root = self.root;
        let globals = root.get("Globals").and_then(|g| g.get("Function"));
        if let Some(g) = globals {
            for (k, n) in g.entries() {
                if !GLOBAL_FUNCTION_KEYS.contains(&k.as_str()) {
                    self.warn(
                        &format!("Globals.Function.{k}"),
                        n.pos,
                        format!("'{k}' is not a property SAM allows in Globals.Function; ignored"),
                    );
                }
            }
        }
        let globals: Option<Node> = globals.map(|g| {
            Node::new(
                V::Map(
                    g.entries()
                        .iter()
                        .filter(|(k, _)| GLOBAL_FUNCTION_KEYS.contains(&k.as_str()))
                        .cloned()
                        .collect(),
                ),
                g.pos,
            )
        });
        let mut functions = Vec::new();
        let mut events = Vec::new();
        let list: Vec<(String, String, &'a Node)> = self
            .resources
            .iter()
            .filter(|r| r.enabled && (r.ty == SERVERLESS_FUNCTION || r.ty == LAMBDA_FUNCTION))
            .map(|r| (r.id.clone(), r.ty.clone(), r.node))
            .collect();
        for (id, ty, node) in list {
            let own = node.get("Properties").cloned().unwrap_or_else(empty_map);
            let own = if matches!(own.v, V::Null) {
                empty_map()
            } else {
                own
            };
            let config = if ty == SERVERLESS_FUNCTION {
                let props = match &globals {
                    Some(g) => merge(g, &own),
                    None => own.clone(),
                };
                self.function(&id, node, &props, false)
            } else {
                self.function(&id, node, &own, true)
            };
            if ty == SERVERLESS_FUNCTION
                && let Some(ev) = own.get("Events")
            {
                let name = config.as_ref().map(|c| c.name.clone());
                self.events(&id, name.as_deref(), ev, &mut events);
            }
            functions.extend(config);
        }
        (functions, events)
    }

    /// Settles the functions' names before anything refers to them. Two functions with one
    /// name are an error only when CloudFormation would really create both under it: both name
    /// it in `FunctionName` (generated names never collide on AWS) and neither depends on
    /// something that cannot exist (a parameter without a value, an undefined name), which
    /// would stop the deployment first. Otherwise, as `sam local` serves such templates, the
    /// later function is served under its logical id, with a warning.
    ///
    /// Names taken by functions of other stacks of the application
    /// ([`Loader::external_names`]) count too, as the first users of their names.
    pub(crate) fn unique_names(&mut self) {
        let list: Vec<(String, &'a Node)> = self
            .resources
            .iter()
            .filter(|r| r.enabled && (r.ty == SERVERLESS_FUNCTION || r.ty == LAMBDA_FUNCTION))
            .map(|r| (r.id.clone(), r.node))
            .collect();
        // name → (who, named by FunctionName, logical id when in this template)
        let mut taken: HashMap<String, (String, bool, Option<String>)> = self
            .external_names
            .iter()
            .map(|(name, (who, explicit))| (name.clone(), (who.clone(), *explicit, None)))
            .collect();
        let explicit = |l: &Self, f: &str| {
            l.resource(f)
                .and_then(|r| r.properties())
                .is_some_and(|p| p.get("FunctionName").is_some())
        };
        for (id, node) in list {
            let name = self.function_name(&id);
            let mine = explicit(self, &id);
            let Some((first, first_explicit, first_local)) = taken.get(&name).cloned() else {
                taken.insert(name, (id.clone(), mine, Some(id.clone())));
                continue;
            };
            let path = format!("Resources.{id}.Properties.FunctionName");
            let pos = node
                .get("Properties")
                .and_then(|p| p.get("FunctionName"))
                .map_or(node.pos, |n| n.pos);
            let blocked = first_local
                .iter()
                .chain(std::iter::once(&id))
                .find_map(|f| {
                    self.deploy_blocker(f)
                        .map(|why| format!("{f} cannot be created ({why})"))
                });
            if first_explicit && mine && blocked.is_none() {
                self.error(
                    &path,
                    pos,
                    format!("Function name '{name}' is used by {first} and {id}: function names are unique in an account and region, and CloudFormation would refuse to create {id}"),
                );
                continue;
            }
            // The logical id, as sam local names functions; else a name like the one
            // CloudFormation generates (`{stack}-{logical id}`).
            let generated: String = format!("{}-{id}", self.stack_name)
                .chars()
                .take(64)
                .collect();
            let Some(served) = [id.clone(), generated]
                .into_iter()
                .find(|n| !taken.contains_key(n))
            else {
                self.error(
                    &path,
                    pos,
                    format!("Function name '{name}' is used by {first} and {id}, and Tollgate cannot find {id} another name: give it a FunctionName of its own"),
                );
                continue;
            };
            let why = blocked.unwrap_or_else(|| {
                "CloudFormation gives functions without a FunctionName unique names".to_owned()
            });
            self.warn(
                &path,
                pos,
                format!("Function name '{name}' is used by {first} and {id} ({why}); as sam local does, Tollgate serves {id} under the name '{served}', and its events and references reach it there"),
            );
            self.fn_names.insert(id.clone(), served.clone());
            taken.insert(served, (id.clone(), mine, Some(id.clone())));
        }
    }

    /// One function; `None` when it cannot run (an error or a warning says why).
    fn function(
        &mut self,
        id: &str,
        node: &Node,
        props: &Node,
        plain: bool,
    ) -> Option<FunctionConfig> {
        let base = format!("Resources.{id}.Properties");
        let at = |k: &str| format!("{base}.{k}");
        let pos_of = |k: &str| props.get(k).map(|n| n.pos).unwrap_or(node.pos);
        let name = self.function_name(id);
        if name.is_empty()
            || name.len() > 64
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            self.error(
                &at("FunctionName"),
                pos_of("FunctionName"),
                format!("Invalid function name '{name}': 1 to 64 letters, digits, '-' or '_'"),
            );
            return None;
        }
        // Properties Tollgate does not use, said once each.
        for (k, n) in props.entries() {
            let k = k.as_str();
            let message = match k {
                "Layers" => Some("Layers are not mounted by Tollgate (/opt stays empty): bundle what the function needs in its code directory".to_owned()),
                "EphemeralStorage" | "SnapStart" | "FunctionUrlConfig" | "EventInvokeConfig"
                | "DeadLetterQueue" | "FileSystemConfigs" | "CodeSigningConfigArn"
                | "RecursiveLoop" | "CapacityProviderConfig" | "DeadLetterConfig"
                | "TracingConfig" => Some(format!("{k} is not supported by Tollgate; ignored")),
                _ => None,
            };
            if let Some(m) = message {
                self.warn(&at(k), n.pos, m);
            }
            let known = SILENT_KEYS.contains(&k)
                || matches!(
                    k,
                    "Runtime"
                        | "Handler"
                        | "CodeUri"
                        | "Code"
                        | "InlineCode"
                        | "Timeout"
                        | "MemorySize"
                        | "Environment"
                        | "ReservedConcurrentExecutions"
                        | "PackageType"
                        | "ImageUri"
                        | "ImageConfig"
                        | "Events"
                        | "Architectures"
                        | "Layers"
                        | "EphemeralStorage"
                        | "SnapStart"
                        | "FunctionUrlConfig"
                        | "EventInvokeConfig"
                        | "DeadLetterQueue"
                        | "FileSystemConfigs"
                        | "CodeSigningConfigArn"
                        | "RecursiveLoop"
                        | "CapacityProviderConfig"
                        | "DeadLetterConfig"
                        | "TracingConfig"
                );
            if !known {
                self.warn(
                    &at(k),
                    n.pos,
                    format!("Unknown function property '{k}'; ignored"),
                );
            }
        }
        // Package type.
        if let Some(n) = props.get("PackageType") {
            match self.eval_text(n, &at("PackageType")) {
                Some(Ok(t)) if t == "Image" => {
                    self.error(
                        &at("PackageType"),
                        n.pos,
                        format!(
                            "Function {id} is a container image (PackageType: Image), which needs Docker; Tollgate runs Zip functions (python3.x, nodejs*, provided*) as local processes"
                        ),
                    );
                    return None;
                }
                Some(Ok(t)) if t == "Zip" => {}
                Some(Ok(t)) => {
                    self.error(
                        &at("PackageType"),
                        n.pos,
                        format!("Invalid PackageType '{t}': expected Zip or Image"),
                    );
                    return None;
                }
                _ => {
                    self.error(&at("PackageType"), n.pos, "Expected Zip or Image");
                    return None;
                }
            }
        }
        // Runtime.
        let runtime_text = match props.get("Runtime") {
            Some(n) => match self.eval_text(n, &at("Runtime")) {
                Some(Ok(t)) => Some((t, n.pos)),
                _ => {
                    self.error(
                        &at("Runtime"),
                        n.pos,
                        format!("Expected a runtime name, found {}", n.kind()),
                    );
                    return None;
                }
            },
            None => None,
        };
        let Some((runtime_text, runtime_pos)) = runtime_text else {
            self.error(
                &at("Runtime"),
                node.pos,
                format!(
                    "Function {id} has no Runtime (set it on the function or in Globals.Function)"
                ),
            );
            return None;
        };
        let runtime = match runtime_of(&runtime_text) {
            Ok(r) => r,
            Err(message) => {
                self.error(&at("Runtime"), runtime_pos, message);
                return None;
            }
        };
        // Handler.
        let handler = match props.get("Handler") {
            Some(n) => match self.eval_text(n, &at("Handler")) {
                Some(Ok(h)) if !h.is_empty() => Some(h),
                _ => {
                    self.error(
                        &at("Handler"),
                        n.pos,
                        format!("Expected a handler string, found {}", n.kind()),
                    );
                    return None;
                }
            },
            None => None,
        };
        if handler.is_none() && runtime != Runtime::Provided {
            self.error(
                &at("Handler"),
                node.pos,
                format!("Function {id} ({runtime_text}) has no Handler: expected 'module.function' (set it on the function or in Globals.Function)"),
            );
            return None;
        }
        if let (Some(h), Runtime::Python(_) | Runtime::Nodejs(_)) = (&handler, &runtime)
            && !h.contains('.')
        {
            self.error(
                &at("Handler"),
                pos_of("Handler"),
                format!("Invalid handler '{h}': expected 'module.function' (for example app.lambda_handler)"),
            );
            return None;
        }
        // Code.
        let code_key = if plain { "Code" } else { "CodeUri" };
        let code_dir = self.code_dir(id, node, props, code_key, &runtime, handler.as_deref())?;
        let code_dir = if runtime == Runtime::Provided {
            self.provided_code_dir(id, node, code_dir)
        } else {
            if !code_dir.is_dir() {
                self.warn(
                    &at(code_key),
                    pos_of(code_key),
                    format!(
                        "The code directory {} does not exist (yet)",
                        code_dir.display()
                    ),
                );
            }
            code_dir
        };
        // Timeout, memory, concurrency.
        let timeout = match self.number(props, "Timeout", &base, 0, 900)? {
            Some(0) => {
                // `sam local` runs such templates; CloudFormation would refuse the value.
                self.warn(
                    &at("Timeout"),
                    pos_of("Timeout"),
                    "Timeout 0 is out of range (1 to 900 seconds): CloudFormation would refuse it; Tollgate uses the default of 3 seconds",
                );
                3
            }
            Some(t) => t,
            None => 3,
        };
        let memory = self
            .number(props, "MemorySize", &base, 128, 10240)?
            .unwrap_or(128);
        let reserved = self.number(props, "ReservedConcurrentExecutions", &base, 0, 1_000_000)?;
        let max_concurrency = match reserved {
            Some(0) => {
                self.warn(
                    &at("ReservedConcurrentExecutions"),
                    pos_of("ReservedConcurrentExecutions"),
                    "ReservedConcurrentExecutions 0 throttles every invocation on AWS; Tollgate runs the function with a concurrency of 1",
                );
                1
            }
            Some(n) => usize::try_from(n).unwrap_or(1),
            None => self.opts.default_max_concurrency.max(1),
        };
        // Environment.
        let environment = self.environment(props, &base);
        // Architectures vs this machine, for native code.
        if runtime == Runtime::Provided
            && let Some(n) = props.get("Architectures")
            && let Some(Value::Array(archs)) = self.eval(n, &at("Architectures"))
        {
            let wanted = match archs.first().and_then(Value::as_str) {
                Some("arm64") => "aarch64",
                _ => "x86_64",
            };
            if wanted != std::env::consts::ARCH {
                self.warn(
                    &at("Architectures"),
                    n.pos,
                    format!(
                        "The function is built for {wanted}, this machine is {}: build its bootstrap for this machine to run it locally",
                        std::env::consts::ARCH
                    ),
                );
            }
        }
        Some(FunctionConfig {
            name,
            runtime,
            handler,
            code_dir,
            environment,
            timeout: Duration::from_secs(timeout),
            memory_mb: u32::try_from(memory).unwrap_or(128),
            max_concurrency,
            remote: None,
        })
    }

    /// Where the `bootstrap` of a `provided` function is: the code directory, `sam build`'s
    /// output, or cargo-lambda's `target/lambda/{binary}/`.
    fn provided_code_dir(&mut self, id: &str, node: &Node, code_dir: PathBuf) -> PathBuf {
        let path = format!("Resources.{id}");
        let metadata = node.get("Metadata");
        let build_method = metadata
            .and_then(|m| m.get("BuildMethod"))
            .and_then(Node::as_str)
            .map(str::to_owned);
        let binary = metadata
            .and_then(|m| m.get("BuildProperties"))
            .and_then(|b| b.get("Binary"))
            .and_then(Node::as_str)
            .map(str::to_owned);
        if code_dir.join("bootstrap").is_file() {
            return code_dir;
        }
        let sam_build = self.local_path(&format!(".aws-sam/build/{id}"));
        if sam_build.join("bootstrap").is_file() {
            self.warn(
                &path,
                node.pos,
                format!(
                    "Running {id} from the sam build output {}",
                    sam_build.display()
                ),
            );
            return sam_build;
        }
        let cargo_lambda = build_method.as_deref() == Some("rust-cargolambda");
        let mut candidates = Vec::new();
        for target in [code_dir.join("target"), self.local_path("target")] {
            let lambda = target.join("lambda");
            match &binary {
                Some(b) => candidates.push(lambda.join(b)),
                None if cargo_lambda => {
                    if let Ok(entries) = std::fs::read_dir(&lambda) {
                        let mut found: Vec<PathBuf> = entries
                            .filter_map(Result::ok)
                            .map(|e| e.path())
                            .filter(|p| p.join("bootstrap").is_file())
                            .collect();
                        found.sort();
                        if found.len() == 1 {
                            candidates.extend(found);
                        } else if found.len() > 1 {
                            self.warn(
                                &path,
                                node.pos,
                                format!(
                                    "{} holds several cargo-lambda binaries; set Metadata.BuildProperties.Binary to choose one",
                                    lambda.display()
                                ),
                            );
                        }
                    }
                }
                None => {}
            }
        }
        if let Some(dir) = candidates.iter().find(|d| d.join("bootstrap").is_file()) {
            return dir.clone();
        }
        let expected = match &binary {
            Some(b) => code_dir.join("target").join("lambda").join(b),
            None if cargo_lambda => code_dir.join("target").join("lambda").join("<binary>"),
            None => code_dir.clone(),
        };
        if cargo_lambda {
            self.warn(
                &path,
                node.pos,
                format!(
                    "Function {id} is built with cargo-lambda (Metadata.BuildMethod: rust-cargolambda) and is not built yet: run `cargo lambda build --release` in {} (or `sam build`); Tollgate expects the executable at {}",
                    code_dir.display(),
                    expected.join("bootstrap").display()
                ),
            );
        } else {
            let how = match build_method.as_deref() {
                Some(m) => format!(" (Metadata.BuildMethod: {m}: run `sam build`)"),
                None => String::new(),
            };
            self.warn(
                &path,
                node.pos,
                format!(
                    "Function {id} uses a custom runtime but {} does not exist yet{how}",
                    code_dir.join("bootstrap").display()
                ),
            );
        }
        if expected.to_string_lossy().contains("<binary>") {
            code_dir
        } else {
            expected
        }
    }

    /// An integer property within bounds; `Err` (as `None`) after an error.
    fn number(
        &mut self,
        props: &Node,
        key: &str,
        base: &str,
        min: u64,
        max: u64,
    ) -> Option<Option<u64>> {
        let Some(n) = props.get(key) else {
            return Some(None);
        };
        let path = format!("{base}.{key}");
        let value = match self.eval(n, &path) {
            None => return Some(None),
            Some(Value::Number(num)) => num.as_u64(),
            Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
            Some(_) => None,
        };
        match value {
            Some(v) if (min..=max).contains(&v) => Some(Some(v)),
            Some(v) => {
                self.error(
                    &path,
                    n.pos,
                    format!("{key} {v} is out of range: expected {min} to {max}"),
                );
                None
            }
            None => {
                self.error(
                    &path,
                    n.pos,
                    format!("Expected an integer, found {}", n.kind()),
                );
                None
            }
        }
    }

    fn environment(&mut self, props: &Node, base: &str) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let Some(env) = props.get("Environment") else {
            return out;
        };
        let path = format!("{base}.Environment.Variables");
        let Some(vars) = env.get("Variables") else {
            return out;
        };
        let Some(Value::Object(map)) = self.eval(vars, &path) else {
            self.warn(
                &path,
                vars.pos,
                format!(
                    "Expected a mapping of variables, found {}; ignored",
                    vars.kind()
                ),
            );
            return out;
        };
        for (k, v) in map {
            let text = match v {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Null => String::new(),
                other => {
                    let pos = vars.get(&k).map(|n| n.pos).unwrap_or(vars.pos);
                    self.warn(
                        &format!("{path}.{k}"),
                        pos,
                        "Environment variable values are strings; this one is set to its JSON text",
                    );
                    other.to_string()
                }
            };
            out.insert(k, text);
        }
        out
    }

    fn events(
        &mut self,
        fn_id: &str,
        fn_name: Option<&str>,
        events: &Node,
        out: &mut Vec<ApiEvent>,
    ) {
        let base = format!("Resources.{fn_id}.Properties.Events");
        if !events.is_map() || events.intrinsic().is_some() {
            self.error(
                &base,
                events.pos,
                format!("Expected a mapping of events, found {}", events.kind()),
            );
            return;
        }
        for (eid, ev) in events.entries() {
            let at = format!("{base}.{eid}");
            let ty = match ev.get("Type") {
                Some(t) => match t.as_str() {
                    Some(s) => s.to_owned(),
                    None => {
                        self.error(
                            &format!("{at}.Type"),
                            t.pos,
                            format!("Expected an event type string, found {}", t.kind()),
                        );
                        continue;
                    }
                },
                None => {
                    self.error(&format!("{at}.Type"), ev.pos, "Missing the event Type");
                    continue;
                }
            };
            match ty.as_str() {
                "Api" => {}
                "HttpApi" => {
                    self.warn(
                        &at,
                        ev.pos,
                        "HttpApi events (API Gateway v2 HTTP APIs) are not supported by Tollgate, which implements REST APIs; use Type: Api",
                    );
                    continue;
                }
                other => {
                    self.warn(
                        &at,
                        ev.pos,
                        format!("Event type {other} is not supported by Tollgate; the function can still be called through the Invoke API"),
                    );
                    continue;
                }
            }
            let Some(name) = fn_name else {
                self.warn(
                    &at,
                    ev.pos,
                    format!(
                        "{fn_id} is not run by Tollgate, so this Api event is not added to any API"
                    ),
                );
                continue;
            };
            let uri = format!(
                "arn:aws:apigateway:{}:lambda:path/2015-03-31/functions/{}/invocations",
                self.opts.region,
                self.function_arn(name)
            );
            if let Some(e) = self.api_event(&at, ev, uri) {
                out.push(e);
            }
        }
    }

    fn api_event(&mut self, at: &str, ev: &Node, uri: String) -> Option<ApiEvent> {
        let pp = format!("{at}.Properties");
        let Some(props) = ev
            .get("Properties")
            .filter(|p| p.is_map() && p.intrinsic().is_none())
        else {
            self.error(
                &pp,
                ev.pos,
                "An Api event needs Properties with Path and Method",
            );
            return None;
        };
        let text = |l: &mut Self, key: &str| -> Option<String> {
            let Some(n) = props.get(key) else {
                l.error(
                    &format!("{pp}.{key}"),
                    props.pos,
                    format!("An Api event needs a {key}"),
                );
                return None;
            };
            match l.eval_text(n, &format!("{pp}.{key}")) {
                Some(Ok(s)) => Some(s),
                _ => {
                    l.error(
                        &format!("{pp}.{key}"),
                        n.pos,
                        format!("Expected a string, found {}", n.kind()),
                    );
                    None
                }
            }
        };
        let path = text(self, "Path");
        let method = text(self, "Method");
        let (path, method) = (path?, method?);
        let ppos = props.get("Path").map(|n| n.pos).unwrap_or(props.pos);
        if !path.starts_with('/') {
            self.error(
                &format!("{pp}.Path"),
                ppos,
                format!("Invalid path '{path}': it must start with '/'"),
            );
            return None;
        }
        let lower = method.to_ascii_lowercase();
        let method = match lower.as_str() {
            "get" | "put" | "post" | "delete" | "patch" | "head" | "options" => lower,
            "any" | "x-amazon-apigateway-any-method" => "x-amazon-apigateway-any-method".to_owned(),
            _ => {
                let mpos = props.get("Method").map(|n| n.pos).unwrap_or(props.pos);
                self.error(
                    &format!("{pp}.Method"),
                    mpos,
                    format!("Invalid method '{method}': expected get, put, post, delete, patch, head, options or any"),
                );
                return None;
            }
        };
        // The API: the implicit one, or the explicit one RestApiId names.
        let api = match props.get("RestApiId") {
            None => IMPLICIT_API.to_owned(),
            Some(n) => {
                let target = match (&n.v, n.intrinsic()) {
                    (V::Str(s), _) => Some(s.clone()),
                    (_, Some(("Ref", arg))) => arg.as_str().map(str::to_owned),
                    _ => None,
                };
                let Some(target) = target else {
                    self.error(
                        &format!("{pp}.RestApiId"),
                        n.pos,
                        "RestApiId must be a !Ref to an AWS::Serverless::Api of this template",
                    );
                    return None;
                };
                match self.resource(&target).map(|r| (r.ty.clone(), r.enabled)) {
                    Some((ty, true)) if ty == SERVERLESS_API => target,
                    Some((_, false)) => {
                        self.warn(
                            &format!("{pp}.RestApiId"),
                            n.pos,
                            format!("{target}'s Condition is false; the event is not added"),
                        );
                        return None;
                    }
                    Some((ty, _)) => {
                        self.warn(
                            &format!("{pp}.RestApiId"),
                            n.pos,
                            format!("{target} is a {ty}, not an AWS::Serverless::Api; Tollgate adds Api events only to AWS::Serverless::Api resources, so the event is not added"),
                        );
                        return None;
                    }
                    None => {
                        self.error(
                            &format!("{pp}.RestApiId"),
                            n.pos,
                            format!("RestApiId refers to '{target}', which is not a resource of the template"),
                        );
                        return None;
                    }
                }
            }
        };
        let auth = match props.get("Auth") {
            Some(n) => self.eval(n, &format!("{pp}.Auth")),
            None => None,
        };
        let mut params = Vec::new();
        if let Some(n) = props.get("RequestParameters") {
            params = self.request_parameters(n, &format!("{pp}.RequestParameters"));
        }
        let mut timeout_ms = None;
        if let Some(n) = props.get("TimeoutInMillis") {
            let p = format!("{pp}.TimeoutInMillis");
            match self.eval(n, &p) {
                Some(Value::Number(num))
                    if num.as_u64().is_some_and(|t| (50..=29_000).contains(&t)) =>
                {
                    timeout_ms = num.as_u64();
                }
                _ => self.warn(&p, n.pos, "Expected an integer from 50 to 29000; ignored"),
            }
        }
        for (k, n) in props.entries() {
            match k.as_str() {
                "Path" | "Method" | "RestApiId" | "Auth" | "RequestParameters"
                | "TimeoutInMillis" => {}
                "RequestModel" => self.warn(
                    &format!("{pp}.{k}"),
                    n.pos,
                    "RequestModel is not applied by Tollgate yet: request bodies are not validated",
                ),
                "Stage" | "ResponseTransferMode" => {}
                other => self.warn(
                    &format!("{pp}.{other}"),
                    n.pos,
                    format!("Unknown Api event property '{other}'; ignored"),
                ),
            }
        }
        Some(ApiEvent {
            api,
            path,
            method,
            uri,
            params,
            timeout_ms,
            auth,
            at: at.to_owned(),
            pos: ev.pos,
        })
    }

    /// `RequestParameters`: `method.request.{querystring|header|path}.Name` strings or
    /// `{name: {Required, Caching}}` mappings.
    fn request_parameters(&mut self, n: &Node, path: &str) -> Vec<(String, String, bool)> {
        let mut out = Vec::new();
        let V::Seq(items) = &n.v else {
            self.warn(
                path,
                n.pos,
                format!("Expected a list, found {}; ignored", n.kind()),
            );
            return out;
        };
        for (i, item) in items.iter().enumerate() {
            let ip = format!("{path}[{i}]");
            let (key, required) = match &item.v {
                V::Str(s) => (s.clone(), false),
                V::Map(entries) if entries.len() == 1 => {
                    let (k, opts) = &entries[0];
                    let required =
                        matches!(opts.get("Required").map(|r| &r.v), Some(V::Bool(true)));
                    (k.clone(), required)
                }
                _ => {
                    self.warn(
                        &ip,
                        item.pos,
                        "Expected 'method.request.{querystring|header|path}.Name'; ignored",
                    );
                    continue;
                }
            };
            let location = [
                ("method.request.querystring.", "query"),
                ("method.request.header.", "header"),
                ("method.request.path.", "path"),
            ]
            .iter()
            .find_map(|(prefix, loc)| key.strip_prefix(prefix).map(|name| (name, *loc)));
            match location {
                Some((name, loc)) if !name.is_empty() => out.push((name.to_owned(), loc.to_owned(), required || loc == "path")),
                _ => self.warn(
                    &ip,
                    item.pos,
                    format!("Invalid request parameter '{key}': expected method.request.querystring.Name, method.request.header.Name or method.request.path.Name; ignored"),
                ),
            }
        }
        out
    }
}

/// The runtime of a runtime identifier.
fn runtime_of(text: &str) -> Result<Runtime, String> {
    if text.starts_with("python3") {
        return Ok(Runtime::Python(text.to_owned()));
    }
    if text.starts_with("nodejs") {
        return Ok(Runtime::Nodejs(text.to_owned()));
    }
    if text.starts_with("provided") {
        return Ok(Runtime::Provided);
    }
    let hint = if text.starts_with("go") {
        " (build Go functions for provided.al2023, with the executable named bootstrap)"
    } else if text.starts_with("java") || text.starts_with("dotnet") || text.starts_with("ruby") {
        " (package the function with a custom runtime, provided.al2023, and a bootstrap executable, to run it locally)"
    } else {
        ""
    };
    Err(format!(
        "unsupported runtime {text}: Tollgate runs python3.x, nodejs* and provided* (custom runtime with a bootstrap executable){hint}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes() {
        assert_eq!(
            runtime_of("python3.12"),
            Ok(Runtime::Python("python3.12".into()))
        );
        assert_eq!(
            runtime_of("nodejs20.x"),
            Ok(Runtime::Nodejs("nodejs20.x".into()))
        );
        assert_eq!(runtime_of("provided.al2023"), Ok(Runtime::Provided));
        assert!(
            runtime_of("java21")
                .unwrap_err()
                .starts_with("unsupported runtime java21")
        );
        assert!(runtime_of("python2.7").is_err());
    }
}
