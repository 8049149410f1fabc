//! Property tests: $util codecs and JSON round trips through templates.

mod common;

use proptest::prelude::*;
use serde_json::json;
use tollgate_vtl::apigw::Params;
use tollgate_vtl::{Context, Template, Value};

fn util_call(method: &str, arg: &str) -> String {
    let mut ctx = common::context("", Params::default(), json!({}));
    ctx.insert("arg", Value::str(arg));
    common::try_render(&format!("$util.{method}($arg)"), &mut ctx).expect("renders")
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        ".*".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            prop::collection::vec((".{0,8}", inner), 0..6)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn base64_round_trips(s in ".*") {
        let enc = util_call("base64Encode", &s);
        prop_assert_eq!(util_call("base64Decode", &enc), s);
    }

    #[test]
    fn url_encoding_round_trips(s in ".*") {
        let enc = util_call("urlEncode", &s);
        prop_assert!(enc.bytes().all(|b| b.is_ascii_alphanumeric() || b"%+*-._".contains(&b)));
        prop_assert_eq!(util_call("urlDecode", &enc), s);
    }

    /// Top-level documents are objects, arrays or strings: other bodies are plain text to API Gateway.
    #[test]
    fn input_json_then_parse_json_round_trips(
        doc in arb_json().prop_filter("container or string", |d| d.is_object() || d.is_array() || d.is_string())
    ) {
        let body = serde_json::to_string(&doc).expect("serialises");
        let mut ctx = common::context(&body, Params::default(), json!({}));
        let out = common::try_render("#set($o = $util.parseJson($input.json('$')))$input.json('$')", &mut ctx)
            .expect("renders");
        let reparsed: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        prop_assert_eq!(&reparsed, &doc);
        prop_assert_eq!(ctx.get("o").map(|v| v.to_json()), Some(doc));
    }

    #[test]
    fn parse_and_render_never_panic(src in "[\\$#\\\\(){}\\[\\]a-z0-9 .,'\"=!<>*/%+\\-\n]{0,80}") {
        if let Ok(t) = Template::parse(&src) {
            let mut ctx = Context::new();
            ctx.insert("a", Value::java_list(vec![Value::Int(1), Value::str("x")]));
            let _ = t.render(&mut ctx);
        }
    }
}
