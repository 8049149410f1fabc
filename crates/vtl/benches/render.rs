//! `cargo bench -p tollgate-vtl`: time to render the reference's example 1 (and a loop template).

use std::hint::black_box;
use std::time::Instant;

use tollgate_vtl::apigw::{self, Input, Params};
use tollgate_vtl::{Context, Template, Value};

fn bench(name: &str, template: &str, body: &str) {
    let t = Template::parse(template).expect("parses");
    let params = Params {
        path: vec![("id".into(), "7".into())],
        ..Params::default()
    };
    let stage = Value::java_map([("stage", Value::str("prod"))]);
    let util = apigw::util();
    let run = || {
        let mut ctx = Context::new();
        ctx.insert("input", Input::new(body, params.clone()).into_value());
        ctx.insert("util", util.clone());
        ctx.insert("context", stage.clone());
        black_box(t.render(&mut ctx).expect("renders"))
    };
    for _ in 0..1000 {
        run();
    }
    let n = 20_000;
    let start = Instant::now();
    for _ in 0..n {
        run();
    }
    let per = start.elapsed() / n;
    println!("{name}: {per:?} per render (including body parse)");
}

fn main() {
    bench(
        "reference example 1",
        r#"{"id":"$input.params('id')","name":$input.json('$.name'),"tags":$input.json('$.tags'),"stage":"$context.stage"}"#,
        r#"{"name":"Rex","tags":["a","b"],"age":3}"#,
    );
    bench(
        "reference example 2",
        r#"[#foreach($it in $input.path('$.items')){"sku":"$it.sku","qty":$it.qty}#if($foreach.hasNext),#end#end]"#,
        r#"{"items":[{"sku":"A","qty":2},{"sku":"B","qty":1}]}"#,
    );
}
