//! The examples of /work/shared/reference/aws-rest-dataplane.md section 9 ("Mapping templates"),
//! byte for byte, and the behaviours its tables state.

mod common;

use common::{params, render, try_render};
use serde_json::json;
use tollgate_vtl::apigw::{self, Params};
use tollgate_vtl::{Context, RenderErrorKind, Template, Value};

#[test]
fn example_1_params_json_and_context() {
    let out = render(
        r#"{"id":"$input.params('id')","name":$input.json('$.name'),"tags":$input.json('$.tags'),"stage":"$context.stage"}"#,
        r#"{"name":"Rex","tags":["a","b"],"age":3}"#,
        params(&[("id", "7")], &[], &[]),
        json!({"context": {"stage": "prod"}}),
    );
    assert_eq!(
        out,
        r#"{"id":"7","name":"Rex","tags":["a","b"],"stage":"prod"}"#
    );
}

#[test]
fn example_2_foreach_has_next() {
    let out = render(
        r#"[#foreach($it in $input.path('$.items')){"sku":"$it.sku","qty":$it.qty}#if($foreach.hasNext),#end#end]"#,
        r#"{"items":[{"sku":"A","qty":2},{"sku":"B","qty":1}]}"#,
        Params::default(),
        json!({}),
    );
    assert_eq!(out, r#"[{"sku":"A","qty":2},{"sku":"B","qty":1}]"#);
}

#[test]
fn example_3_path_rendering() {
    let out = render(
        r#"{"meta":"$input.path('$.meta')","list":$input.path('$.list'),"missing":"$input.path('$.nope')"}"#,
        r#"{"meta":{"a":"1"},"list":[{"x":1}]}"#,
        Params::default(),
        json!({}),
    );
    assert_eq!(out, r#"{"meta":"{a=1}","list":[{"x":1}],"missing":""}"#);
}

#[test]
fn example_4_parse_json_of_lambda_error() {
    let out = render(
        r#"#set($e = $util.parseJson($input.path('$.errorMessage'))){"error":"$e.msg","code":$e.code}"#,
        r#"{"errorMessage":"{\"code\":404,\"msg\":\"no pet\"}","errorType":"NotFound"}"#,
        Params::default(),
        json!({}),
    );
    assert_eq!(out, r#"{"error":"no pet","code":404}"#);
}

#[test]
fn mixed_map_and_array_rendering() {
    let out = render(
        "$input.path('$')",
        r#"{"foo":[{"nested":"bar"}]}"#,
        Params::default(),
        json!({}),
    );
    assert_eq!(out, r#"{foo=[{"nested":"bar"}]}"#);
}

#[test]
fn input_table() {
    let p = || params(&[("id", "7")], &[("q", "x"), ("id", "q")], &[("h", "v")]);
    assert_eq!(render("$input.body", "", p(), json!({})), "{}");
    assert_eq!(render("$input.json('$')", "", p(), json!({})), "{}");
    assert_eq!(
        render("$input.json('$')", "a=b", p(), json!({})),
        r#""a=b""#
    );
    assert_eq!(
        render(
            "$input.json('$.tags')",
            r#"{"tags":["a","b"]}"#,
            p(),
            json!({})
        ),
        r#"["a","b"]"#
    );
    assert_eq!(
        render("$input.params()", "", p(), json!({})),
        "{path={id=7}, querystring={q=x, id=q}, header={h=v}}"
    );
    assert_eq!(
        render(
            "$input.params('id')|$input.params('q')|$input.params('h')|[$input.params('n')]",
            "",
            p(),
            json!({})
        ),
        "7|x|v|[]"
    );
    assert_eq!(
        render(
            "$input.params().header.keySet() $input.params().header.get('h')",
            "",
            p(),
            json!({})
        ),
        "[h] v"
    );
    assert_eq!(
        render(
            "$input.path('$.l').size() $input.path('$.l').get(1) $input.path('$.l')[0]",
            r#"{"l":["a","b"]}"#,
            p(),
            json!({})
        ),
        "2 b a"
    );
}

#[test]
fn invalid_json_body_is_a_distinct_error() {
    for tpl in ["$input.path('$.a')", "$input.json('$')"] {
        let mut ctx = common::context("{\"a\": ", Params::default(), json!({}));
        let e = try_render(tpl, &mut ctx).expect_err("must fail");
        assert_eq!(e.kind, RenderErrorKind::InvalidJsonBody);
        assert!(
            e.message.contains(apigw::INVALID_JSON_BODY_MESSAGE),
            "{}",
            e.message
        );
    }
    // $input.body never parses the body.
    let mut ctx = common::context("{oops", Params::default(), json!({}));
    assert_eq!(
        try_render("$input.body", &mut ctx).expect("renders"),
        "{oops"
    );
}

#[test]
fn util_table() {
    let r = |t: &str| render(t, "", Params::default(), json!({}));
    assert_eq!(
        r(r#"$util.escapeJavaScript("it's ""x""")"#),
        r#"it\'s \"x\""#
    );
    assert_eq!(r(r#"$util.urlEncode('{"a": 1}')"#), "%7B%22a%22%3A+1%7D");
    assert_eq!(r("$util.urlDecode('a+b%21')"), "a b!");
    assert_eq!(r("$util.base64Encode('hi?')"), "aGk/");
    assert_eq!(r("$util.base64Decode('aGk/')"), "hi?");
    assert_eq!(r(r#"$util.parseJson('{"a":[1,{"b":2}]}').a[1].b"#), "2");
}

#[test]
fn null_and_undefined_references_render_empty() {
    let r = |t: &str| render(t, "{}", Params::default(), json!({}));
    assert_eq!(
        r("[$nope][$nope.a.b()][${nope}][$!nope][$input.path('$.x')]"),
        "[][][][][]"
    );
    assert_eq!(r(r#"#if($nope == "")yes#end"#), "yes");
}

#[test]
fn stage_variable_syntaxes() {
    let vars = json!({"stageVariables": {"x": "1"}});
    let out = render(
        "$stageVariables.x $stageVariables['x'] ${stageVariables['x']}",
        "",
        Params::default(),
        vars,
    );
    assert_eq!(out, "1 1 1");
}

#[test]
fn response_override_is_readable_after_render() {
    let t = Template::parse(
        "#set($context.responseOverride.status = 444)#set($context.responseOverride.header.X-A = 'b')",
    )
    .expect("parses");
    let mut ctx = Context::new();
    ctx.insert(
        "context",
        Value::from_json_java(&json!({"responseOverride": {"header": {}}})),
    );
    assert_eq!(t.render(&mut ctx).expect("renders"), "");
    assert_eq!(
        ctx.lookup(&["context", "responseOverride", "status"]),
        Some(Value::Int(444))
    );
    assert_eq!(
        ctx.lookup(&["context", "responseOverride", "header", "X-A"]),
        Some(Value::str("b"))
    );
}

#[test]
fn json_path_for_parameter_mappings() {
    let body = r#"{"petstore":{"pets":[{"name":"Rex"}]}}"#;
    assert_eq!(
        apigw::json_path(body, "$.petstore.pets[0].name"),
        Ok(Some(json!("Rex")))
    );
    assert_eq!(apigw::json_path(body, "$.petstore.nope"), Ok(None));
    assert!(apigw::json_path("{nope", "$.a").is_err());
}

#[test]
fn runaway_templates_hit_limits() {
    let mut ctx = Context::new();
    let t = Template::parse("#define($a)x$a#end$a").expect("parses");
    let e = t.render(&mut ctx).expect_err("recursion");
    assert_eq!(e.kind, RenderErrorKind::Limit);
    assert!(e.line >= 1 && e.column >= 1);

    let t = Template::parse(
        "#set($s = 'xxxxxxxxxxxxxxxx')#foreach($i in [1..30])#set($s = \"$s$s\")#end",
    )
    .expect("parses");
    let e = t.render(&mut Context::new()).expect_err("string growth");
    assert_eq!(e.kind, RenderErrorKind::Limit, "{e}");

    let t = Template::parse("#foreach($a in [1..1000])#foreach($b in [1..1000])#end#end")
        .expect("parses");
    let e = t.render(&mut Context::new()).expect_err("iterations");
    assert_eq!(e.kind, RenderErrorKind::Limit);

    let t = Template::parse("#macro(m)#m()#end#m()").expect("parses");
    let e = t.render(&mut Context::new()).expect_err("macro depth");
    assert_eq!(e.kind, RenderErrorKind::Limit);

    let t = Template::parse("#set($r = [1..200000000])").expect("parses");
    let e = t.render(&mut Context::new()).expect_err("range");
    assert_eq!(e.kind, RenderErrorKind::Limit);

    // Patterns that backtrack catastrophically in Java finish (or fail) quickly.
    let t = Template::parse(
        "#set($s = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!')$s.matches('(a+)+b')",
    )
    .expect("parses");
    assert_eq!(t.render(&mut Context::new()).expect("renders"), "false");
    let t = Template::parse(
        "#set($s = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!')$s.matches('(a+)+(?=b)\\1')",
    )
    .expect("parses");
    let start = std::time::Instant::now();
    let _ = t.render(&mut Context::new());
    assert!(start.elapsed() < std::time::Duration::from_secs(5));

    // A #foreach stops silently after 1000 items, as Velocity's maxloops does.
    let t = Template::parse("#set($n = 0)#foreach($i in [1..5000])#set($n = $n + 1)#end$n")
        .expect("parses");
    assert_eq!(t.render(&mut Context::new()).expect("renders"), "1000");
}

#[test]
fn parse_errors_name_line_and_column() {
    let e = Template::parse("ok\n#if($a)\n  #foreach($x in $l)\n#end\n").expect_err("missing #end");
    assert!(e.line >= 1, "{e}");
    assert_eq!(
        e.to_string(),
        format!("line {}, column {}: {}", e.line, e.column, e.message)
    );
    let e = Template::parse("line one\n  #set($a = )").expect_err("bad #set");
    assert_eq!((e.line, e.column), (2, 13), "{e}");
}

#[test]
fn self_containing_collections_do_not_overflow() {
    let t = Template::parse(
        "#set($a = [])#set($b = [])#set($x = $a.add($a))#set($x = $b.add($b))#if($a == $b)eq#{else}ne#end $a.contains($b) $a",
    )
    .expect("parses");
    let mut ctx = Context::new();
    let out = t.render(&mut ctx).expect("renders");
    assert!(out.starts_with("ne false [[[["), "{out}");
    let a = ctx.get("a").expect("set");
    assert!(a.to_json().is_array());
}

#[test]
fn large_and_deep_templates() {
    // API Gateway accepts templates up to 300 KB.
    let unit =
        "#foreach($i in [1..3])\"k$i\": \"$util.escapeJavaScript($input.params('q'))\",\n#end\n";
    let big = unit.repeat(300 * 1024 / unit.len());
    let t = Template::parse(&big).expect("parses");
    let mut ctx = common::context("", params(&[], &[("q", "v")], &[]), json!({}));
    let out = t.render(&mut ctx).expect("renders");
    assert!(out.len() > 100_000);

    // Nesting close to the parser's limit renders without exhausting the stack.
    let depth = 90;
    let src = format!("{}x{}", "#if(true)".repeat(depth), "#end".repeat(depth));
    let t = Template::parse(&src).expect("parses");
    assert_eq!(t.render(&mut Context::new()).expect("renders"), "x");
    let src = format!("#set($a = {}1{})$a", "(".repeat(depth), ")".repeat(depth));
    let t = Template::parse(&src).expect("parses");
    assert_eq!(t.render(&mut Context::new()).expect("renders"), "1");
    let src = format!(
        "#set($a = \"{}x{}\")$a",
        "#if(true)".repeat(depth - 5),
        "#end".repeat(depth - 5)
    );
    let t = Template::parse(&src).expect("parses");
    assert_eq!(t.render(&mut Context::new()).expect("renders"), "x");
    let src = format!("#set($a = {}true)$a", "!".repeat(2 * depth));
    let t = Template::parse(&src).expect("parses");
    assert_eq!(t.render(&mut Context::new()).expect("renders"), "true");
}
