//! Shared helpers for the integration tests.
// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use tollgate_vtl::apigw::{self, Input, Params};
use tollgate_vtl::{Context, RenderError, Template, Value};

pub fn params(path: &[(&str, &str)], query: &[(&str, &str)], header: &[(&str, &str)]) -> Params {
    let own = |v: &[(&str, &str)]| {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    Params {
        path: own(path),
        querystring: own(query),
        header: own(header),
    }
}

/// A context with `$input` for `body`/`params`, `$util`, and the given JSON variables.
pub fn context(body: &str, params: Params, vars: serde_json::Value) -> Context {
    let mut ctx = Context::new();
    if let Some(o) = vars.as_object() {
        for (k, v) in o {
            ctx.insert(k, Value::from_json_java(v));
        }
    }
    ctx.insert("input", Input::new(body, params).into_value());
    ctx.insert("util", apigw::util());
    ctx
}

pub fn try_render(template: &str, ctx: &mut Context) -> Result<String, RenderError> {
    let t = Template::parse(template).expect("template parses");
    t.render(ctx)
}

pub fn render(template: &str, body: &str, params: Params, vars: serde_json::Value) -> String {
    let mut ctx = context(body, params, vars);
    try_render(template, &mut ctx).expect("template renders")
}
