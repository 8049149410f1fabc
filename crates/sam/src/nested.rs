//! Nested stacks whose template is a local file: `AWS::Serverless::Application` (`Location`)
//! and `AWS::CloudFormation::Stack` (`TemplateURL`). Each is loaded like the root template,
//! with the `Parameters` the parent passes as its parameter values and its own stack name
//! (`{parent}-{logical id}`); what it serves joins the application, and its `Outputs` are what
//! the parent's `Fn::GetAtt Stack.Outputs.Name` reads.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use crate::Diagnostic;
use crate::eval::join;
use crate::loader::{
    LAMBDA_FUNCTION, Loader, Nesting, SERVERLESS_FUNCTION, load_stack, value_text,
};
use crate::yaml::{self, Node, V};

pub(crate) const APPLICATION: &str = "AWS::Serverless::Application";
pub(crate) const STACK: &str = "AWS::CloudFormation::Stack";

/// Deepest nesting of stacks followed.
const MAX_NESTING: usize = 8;

impl Loader<'_> {
    /// Loads every nested stack of the template, in template order.
    pub(crate) fn nested_stacks(&mut self) {
        let ids: Vec<String> = self
            .resources
            .iter()
            .filter(|r| r.enabled && (r.ty == APPLICATION || r.ty == STACK))
            .map(|r| r.id.clone())
            .collect();
        for id in ids {
            self.nested_stack(&id);
        }
    }

    /// The outputs of the nested stack `id`, loading it the first time; `None` when it is not
    /// loaded (an error or a warning says why).
    pub(crate) fn nested_stack(&mut self, id: &str) -> Option<BTreeMap<String, Value>> {
        if let Some(done) = self.nested.get(id) {
            return done.clone();
        }
        // Marked as not loaded while it loads: a reference back to it is a cycle.
        self.nested.insert(id.to_owned(), None);
        let outputs = self.load_nested(id);
        self.nested.insert(id.to_owned(), outputs.clone());
        outputs
    }

    fn load_nested(&mut self, id: &str) -> Option<BTreeMap<String, Value>> {
        let res = self.resource(id)?;
        let (ty, node, props) = (res.ty.clone(), res.node, res.properties());
        let key = if ty == APPLICATION {
            "Location"
        } else {
            "TemplateURL"
        };
        let base = format!("Resources.{id}.Properties");
        let path = join(&base, key);
        let Some(loc) = props.and_then(|p| p.get(key)) else {
            self.error(
                &path,
                node.pos,
                format!("Missing {key}: the nested template's path"),
            );
            return None;
        };
        if loc.is_map() && loc.intrinsic().is_none() {
            self.warn(
                &path,
                loc.pos,
                format!("{id} is an application of the Serverless Application Repository, which Tollgate does not download: point Location at a local template; the nested stack is skipped"),
            );
            return None;
        }
        let location = match self.eval_text(loc, &path) {
            Some(Ok(s)) if !s.is_empty() => s,
            _ => {
                self.error(
                    &path,
                    loc.pos,
                    format!("Expected a local template path, found {}", loc.kind()),
                );
                return None;
            }
        };
        if ["https://", "http://", "s3://"]
            .iter()
            .any(|p| location.starts_with(p))
        {
            self.warn(
                &path,
                loc.pos,
                format!("The nested template is at {location}, which Tollgate does not download: point {key} at a local template (as before `sam package`); the nested stack is skipped"),
            );
            return None;
        }
        if self.nesting.depth + 1 > MAX_NESTING {
            self.error(
                &path,
                loc.pos,
                format!("Nested stacks go deeper than {MAX_NESTING} levels"),
            );
            return None;
        }
        let file = self.local_path(&location);
        let canonical = match std::fs::canonicalize(&file) {
            Ok(c) => c,
            Err(e) => {
                self.error(
                    &path,
                    loc.pos,
                    format!("Cannot read the nested template {}: {e}", file.display()),
                );
                return None;
            }
        };
        if self.nesting.chain.contains(&canonical) {
            self.error(
                &path,
                loc.pos,
                format!("The nested template {} includes itself", file.display()),
            );
            return None;
        }
        let too_big = std::fs::metadata(&canonical).is_ok_and(|m| m.len() > yaml::MAX_BYTES as u64);
        let bytes = match std::fs::read(&canonical) {
            Ok(_) if too_big => {
                self.error(
                    &path,
                    loc.pos,
                    format!(
                        "{} is larger than {} bytes",
                        file.display(),
                        yaml::MAX_BYTES
                    ),
                );
                return None;
            }
            Ok(b) => b,
            Err(e) => {
                self.error(
                    &path,
                    loc.pos,
                    format!("Cannot read the nested template {}: {e}", file.display()),
                );
                return None;
            }
        };
        // The parameters the parent passes.
        let mut overrides = BTreeMap::new();
        if let Some(p) = props.and_then(|p| p.get("Parameters")) {
            let pp = join(&base, "Parameters");
            match self.eval(p, &pp) {
                Some(Value::Object(m)) => {
                    for (k, v) in m {
                        let text = match &v {
                            Value::Array(items) => items
                                .iter()
                                .filter_map(value_text)
                                .collect::<Vec<_>>()
                                .join(","),
                            other => value_text(other).unwrap_or_else(|| other.to_string()),
                        };
                        overrides.insert(k, text);
                    }
                }
                None | Some(Value::Null) => {}
                Some(_) => self.error(
                    &pp,
                    p.pos,
                    format!("Expected a mapping of parameter values, found {}", p.kind()),
                ),
            }
        }
        let mut names = self.external_names.clone();
        let own: Vec<String> = self
            .resources
            .iter()
            .filter(|r| r.enabled && (r.ty == SERVERLESS_FUNCTION || r.ty == LAMBDA_FUNCTION))
            .map(|r| r.id.clone())
            .collect();
        for f in own {
            let explicit = self
                .resource(&f)
                .and_then(|r| r.properties())
                .is_some_and(|p| p.get("FunctionName").is_some());
            let name = self.function_name(&f);
            names.entry(name).or_insert((f, explicit));
        }
        let mut chain = self.nesting.chain.clone();
        chain.push(canonical.clone());
        let nesting = Nesting {
            depth: self.nesting.depth + 1,
            chain,
            names,
        };
        let stack: String = format!("{}-{id}", self.stack_name)
            .chars()
            .take(128)
            .collect();
        let opts = crate::SamOptions {
            stack_name: Some(stack),
            parameter_overrides: overrides,
            ..self.opts.clone()
        };
        let dir = match canonical.parent() {
            Some(d) => d.to_owned(),
            None => PathBuf::from("."),
        };
        let shown = format!("Resources.{id}({})", file.display());
        match load_stack(&bytes, &dir, &opts, &nesting) {
            Ok((app, outputs)) => {
                for w in &app.warnings {
                    self.warn_raw(format!("{shown}: {w}"));
                }
                for f in &app.functions {
                    // Whether the nested template names it is not known here; counted as named.
                    self.external_names
                        .entry(f.name.clone())
                        .or_insert((format!("{id}/{}", f.name), true));
                }
                self.nested_apps.push(app);
                Some(outputs)
            }
            Err(e) => {
                for w in &e.warnings {
                    self.warn_raw(format!("{shown}: {w}"));
                }
                for d in e.errors {
                    self.d.errors.push(Diagnostic {
                        path: if d.path.is_empty() {
                            shown.clone()
                        } else {
                            format!("{shown}.{}", d.path)
                        },
                        ..d
                    });
                }
                None
            }
        }
    }

    /// The template's `Outputs`, evaluated (those whose `Condition` is false left out).
    pub(crate) fn outputs(&mut self) -> BTreeMap<String, Value> {
        let root = self.root;
        let mut out = BTreeMap::new();
        for (name, node) in root.get("Outputs").map(Node::entries).unwrap_or_default() {
            let path = format!("Outputs.{name}");
            if let Some(cond) = node.get("Condition").and_then(Node::as_str)
                && !self.condition(cond, &path, node.pos)
            {
                continue;
            }
            match node.get("Value") {
                Some(v) => {
                    if let Some(value) = self.eval(v, &join(&path, "Value")) {
                        out.insert(name.clone(), value);
                    }
                }
                None if !matches!(node.v, V::Null) => {
                    self.warn(&path, node.pos, "An output needs a Value; ignored");
                }
                None => {}
            }
        }
        out
    }
}
