//! A Velocity Template Language (VTL) engine as Amazon API Gateway runs it for mapping templates:
//! Apache Velocity 1.7 semantics (whitespace handling included), plus API Gateway's observed
//! differences (null references print as empty text, `null == ""`), and its `$input` / `$util` objects
//! in [`apigw`].
//!
//! Supported: references (`$a`, `${a}`, `$!a`, `$a.b.c()`, `$a[0]`, `$a['k']`, escapes `\$a`),
//! `#set` (also on map keys and list slots), `#if/#elseif/#else/#end`, `#foreach` (lists, maps,
//! ranges; `$foreach.index/count/hasNext/first/last/parent`, `$velocityCount`, `$velocityHasNext`),
//! `#break`, `#stop`, `#define`, `#macro`, comments, `#[[unparsed]]#`, string literals (interpolated
//! in double quotes), integer/float arithmetic, comparisons and logic (symbol and word forms), list,
//! map and range literals, and the Java methods of String, List, Map, Map.Entry, numbers and Boolean
//! that templates use. `tests/corpus` is checked byte for byte against Apache Velocity 1.7; the
//! known differences are in `DIVERGENCES.md`.
//!
//! Runaway templates stop with a [`RenderErrorKind::Limit`] error (see [`Limits`]).
//!
//! ```
//! use tollgate_vtl::{Context, Template, Value, apigw};
//! let t = Template::parse(r#"{"name":$input.json('$.name')}"#).expect("parses");
//! let mut ctx = Context::new();
//! ctx.insert("input", apigw::Input::new(r#"{"name":"Rex"}"#, apigw::Params::default()).into_value());
//! assert_eq!(t.render(&mut ctx).expect("renders"), r#"{"name":"Rex"}"#);
//! ```

use std::collections::HashMap;

/// Variable tables: looked up on every reference, so a fast hasher (names come from the template).
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use std::sync::Arc;

pub mod apigw;
mod ast;
mod error;
mod eval;
mod jregex;
mod methods;
mod parser;
mod uses;
mod value;

pub use error::{ParseError, RenderError, RenderErrorKind};
pub use uses::VariableUse;
pub use value::{HostError, HostObject, List, ListFlavour, Map, MapFlavour, Value, java_double};

/// Guards against runaway templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Iterations of one `#foreach` (Velocity's `directive.foreach.maxloops`; API Gateway's quota is
    /// 1000). Further items are skipped silently, as Velocity does.
    pub max_foreach_iterations: usize,
    /// Iterations of all loops in one render, and the largest range literal; over it is an error.
    pub max_total_iterations: usize,
    /// Output size (and largest string a method may build); over it is an error.
    pub max_output_bytes: usize,
    /// Nested macro calls (Velocity's `velocimacro.max.depth`).
    pub max_macro_depth: usize,
    /// Nested blocks while rendering (`#define` blocks that reference themselves).
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_foreach_iterations: 1000,
            max_total_iterations: 100_000,
            max_output_bytes: 10 * 1024 * 1024,
            max_macro_depth: 20,
            max_depth: 200,
        }
    }
}

/// A parsed template: parse once, render many times. `Send + Sync`.
#[derive(Debug)]
pub struct Template {
    nodes: ast::Block,
    macros: HashMap<String, Arc<ast::MacroDef>>,
    limits: Limits,
}

impl Template {
    pub fn parse(src: &str) -> Result<Template, ParseError> {
        let parsed = parser::parse(src)?;
        Ok(Template {
            nodes: ast::Block::from(parsed.nodes),
            macros: parsed.macros,
            limits: Limits::default(),
        })
    }

    /// Replaces the default [`Limits`].
    pub fn with_limits(mut self, limits: Limits) -> Template {
        self.limits = limits;
        self
    }

    /// How the template (macros included) reaches variable `name`, so that a host can build only
    /// what it names. Conservative: a macro parameter or loop variable of the same name counts as
    /// the variable itself.
    pub fn variable_use(&self, name: &str) -> VariableUse {
        let mut finder = uses::Finder {
            root: name,
            found: VariableUse::Unused,
        };
        finder.block(&self.nodes);
        for def in self.macros.values() {
            if def.params.iter().any(|p| p == name) {
                finder.found = VariableUse::Whole;
            }
            finder.block(&def.body);
        }
        finder.found
    }

    /// Renders with the variables in `ctx`; `#set` may add or modify variables in `ctx` (so the
    /// caller can read e.g. `$context.responseOverride.status` afterwards).
    pub fn render(&self, ctx: &mut Context) -> Result<String, RenderError> {
        let mut out = String::new();
        let mut r = eval::Renderer::new(self, ctx);
        r.run(&mut out)?;
        r.into_parts();
        Ok(out)
    }
}

/// The variables a template sees.
#[derive(Clone, Default)]
pub struct Context {
    vars: FastMap<String, Value>,
}

impl Context {
    pub fn new() -> Self {
        Context::default()
    }

    pub fn insert(&mut self, name: &str, value: Value) {
        self.vars.insert(name.to_string(), value);
    }

    pub fn get(&self, name: &str) -> Option<Value> {
        self.vars.get(name).cloned()
    }

    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.vars.remove(name)
    }

    /// Follows map keys (and host-object properties): `lookup(&["context","responseOverride","status"])`.
    pub fn lookup(&self, path: &[&str]) -> Option<Value> {
        let (first, rest) = path.split_first()?;
        let mut cur = self.get(first)?;
        for key in rest {
            cur = match &cur {
                Value::Map(m) => m.get(key)?,
                Value::Object(o) => o.property(key)?,
                _ => return None,
            };
        }
        Some(cur)
    }
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.vars.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn template_is_send_and_sync() {
        assert_send_sync::<Template>();
    }

    #[test]
    fn set_is_visible_to_the_caller() {
        let t = Template::parse("#set($context.responseOverride.status = 404)").expect("parses");
        let mut ctx = Context::new();
        ctx.insert(
            "context",
            Value::java_map([(
                "responseOverride",
                Value::java_map([("status", Value::Null)]),
            )]),
        );
        t.render(&mut ctx).expect("renders");
        let s = ctx.lookup(&["context", "responseOverride", "status"]);
        assert_eq!(s, Some(Value::Int(404)));
    }
}
