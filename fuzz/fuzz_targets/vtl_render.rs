//! A template and a body (split at the first NUL byte) analysed (`variable_use`) and rendered with
//! `$input`, `$util` and a small `$context`: rendering must finish within the limits with output
//! or an error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_vtl::apigw::{self, Input, Params};
use tollgate_vtl::{Context, Limits, Template, Value};

const LIMITS: Limits = Limits {
    max_foreach_iterations: 1000,
    max_total_iterations: 20_000,
    max_output_bytes: 256 * 1024,
    max_macro_depth: 20,
    max_depth: 200,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (src, body) = text.split_once('\0').unwrap_or((text, r#"{"a":[1,{"b":"c"}],"s":"x y"}"#));
    let Ok(t) = Template::parse(src) else {
        return;
    };
    let t = t.with_limits(LIMITS);
    // The deploy-time analysis of what a template reaches must hold for any template too.
    for name in ["context", "input", "util"] {
        let _ = t.variable_use(name);
    }
    let params = Params {
        path: vec![("id".into(), "7".into())],
        querystring: vec![("q".into(), "a b".into())],
        header: vec![("Accept".into(), "*/*".into())],
    };
    let mut ctx = Context::new();
    ctx.insert("input", Input::new(body, params).into_value());
    ctx.insert("util", apigw::util());
    ctx.insert(
        "context",
        Value::java_map([
            ("stage", Value::str("prod")),
            ("responseOverride", Value::java_map([("header", Value::java_map(Vec::<(String, Value)>::new()))])),
        ]),
    );
    if let Ok(out) = t.render(&mut ctx) {
        assert!(out.len() <= LIMITS.max_output_bytes + 64 * 1024, "output {} bytes", out.len());
    }
});
