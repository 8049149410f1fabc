//! `cargo bench -p tollgate-vtl`: time to render the reference's examples 1 and 2 and a typical
//! 20-line request template (issue 4's target: < 5 µs).

use std::hint::black_box;
use std::time::Instant;

use tollgate_vtl::apigw::{self, Input, Params};
use tollgate_vtl::{Context, Template, Value};

fn bench(name: &str, template: &str, body: &str) {
    let t = Template::parse(template).expect("parses");
    let params = Params {
        path: vec![("id".into(), "7".into())],
        header: vec![("X-Source".into(), "web".into())],
        ..Params::default()
    };
    let stage = Value::java_map([
        ("stage", Value::str("prod")),
        (
            "requestId",
            Value::str("c6af9ac6-7b61-11e6-9a41-93e8deadbeef"),
        ),
        ("requestTime", Value::str("25/Nov/2026:22:15:01 +0000")),
        (
            "identity",
            Value::java_map([("sourceIp", Value::str("203.0.113.7"))]),
        ),
    ]);
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
    bench("typical 20-line request template", TWENTY_LINES, ORDER);
}

/// A DynamoDB PutItem request built from an order, as AWS integration examples write them.
const TWENTY_LINES: &str = r##"#set($body = $input.path('$'))
{
  "TableName": "orders-$context.stage",
  "Item": {
    "orderId": {"S": "$context.requestId"},
    "customer": {"S": "$util.escapeJavaScript($body.customer.name)"},
    "email": {"S": "$util.escapeJavaScript($input.path('$.customer.email'))"},
    "total": {"N": "$input.path('$.total')"},
    "currency": {"S": "#if($body.currency)$body.currency#{else}USD#end"},
    "source": {"S": "$input.params('X-Source')"},
    "items": {"L": [
#foreach($item in $body.items)
      {"M": {"sku": {"S": "$item.sku"}, "qty": {"N": "$item.qty"}}}#if($foreach.hasNext),#end
#end
    ]},
    "createdAt": {"S": "$context.requestTime"},
    "ip": {"S": "$context.identity.sourceIp"}
  }
}
"##;

const ORDER: &str = r#"{"customer":{"name":"Ann \"The\" Buyer","email":"ann@example.com"},"total":42.5,"items":[{"sku":"A-1","qty":2},{"sku":"B-2","qty":1},{"sku":"C-3","qty":5}]}"#;
