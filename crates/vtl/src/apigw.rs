//! API Gateway's `$input` and `$util`, and the JSONPath evaluation they share with parameter
//! mappings. JSONPath follows Jayway's dialect as far as jsonpath-rust (RFC 9535) allows: Jayway
//! returns a single value for a definite path and a list for an indefinite one.

use std::cell::OnceCell;
use std::rc::Rc;

use base64::Engine;

use crate::error::RenderErrorKind;
use crate::value::{HostError, HostObject, Value};

/// Request or response parameters, in arrival order. A name given twice keeps its first position and
/// its last value (as a Java map does), both in `$input.params()` and `$input.params(name)`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pub path: Vec<(String, String)>,
    pub querystring: Vec<(String, String)>,
    pub header: Vec<(String, String)>,
}

/// The message of the error `$input.path`/`$input.json` raise for a body that looks like JSON but is
/// not (the text API Gateway puts in its 400 answer).
pub const INVALID_JSON_BODY_MESSAGE: &str = "Could not parse request body into json";

/// `$input` for a request or response body.
pub struct Input {
    body: String,
    params: Params,
    doc: OnceCell<Result<serde_json::Value, String>>,
    params_value: OnceCell<Value>,
}

impl Input {
    pub fn new(body: &str, params: Params) -> Input {
        Input {
            body: body.to_string(),
            params,
            doc: OnceCell::new(),
            params_value: OnceCell::new(),
        }
    }

    pub fn into_value(self) -> Value {
        Value::Object(Rc::new(self))
    }

    fn document(&self) -> Result<&serde_json::Value, HostError> {
        self.doc
            .get_or_init(|| parse_body(&self.body))
            .as_ref()
            .map_err(|m| HostError {
                kind: RenderErrorKind::InvalidJsonBody,
                message: m.clone(),
            })
    }

    /// `$input.path(path)` as a template value (null when a definite path matches nothing).
    fn path(&self, path: &str) -> Result<Value, HostError> {
        let doc = self.document()?;
        Ok(match find(doc, path)? {
            Found::Nothing => Value::Null,
            Found::One(v) => Value::from_json(v),
            Found::Many(vs) => Value::List(crate::value::List::new(
                crate::value::ListFlavour::Json,
                vs.into_iter().map(Value::from_json).collect(),
            )),
        })
    }

    fn all_params(&self) -> Value {
        self.params_value
            .get_or_init(|| {
                let group = |pairs: &[(String, String)]| {
                    Value::java_map(pairs.iter().map(|(k, v)| (k.clone(), Value::str(v))))
                };
                Value::java_map([
                    ("path", group(&self.params.path)),
                    ("querystring", group(&self.params.querystring)),
                    ("header", group(&self.params.header)),
                ])
            })
            .clone()
    }
}

fn one_string(args: &[Value]) -> Option<&str> {
    match args {
        [Value::String(s)] => Some(s),
        _ => None,
    }
}

impl HostObject for Input {
    fn property(&self, name: &str) -> Option<Value> {
        match name {
            "body" => Some(Value::str(if self.body.is_empty() {
                "{}"
            } else {
                &self.body
            })),
            _ => None,
        }
    }

    fn call(&self, method: &str, args: &[Value]) -> Result<Value, String> {
        self.call_typed(method, args).map_err(|e| e.message)
    }

    fn call_typed(&self, method: &str, args: &[Value]) -> Result<Value, HostError> {
        match method {
            "getBody" if args.is_empty() => Ok(self.property("body").unwrap_or(Value::Null)),
            "path" => {
                let Some(p) = one_string(args) else {
                    return Ok(Value::Null);
                };
                self.path(p)
            }
            "json" => {
                let Some(p) = one_string(args) else {
                    return Ok(Value::Null);
                };
                Ok(Value::String(self.path(p)?.to_json_text(false).into()))
            }
            "params" => match args {
                [] => Ok(self.all_params()),
                [Value::String(name)] => {
                    let found = [
                        &self.params.path,
                        &self.params.querystring,
                        &self.params.header,
                    ]
                    .into_iter()
                    .find_map(|g| g.iter().rev().find(|(k, _)| k == &**name).map(|(_, v)| v));
                    Ok(Value::str(found.map_or("", String::as_str)))
                }
                _ => Ok(Value::Null),
            },
            _ => Ok(Value::Null),
        }
    }

    fn render(&self) -> String {
        String::new()
    }
}

/// Parses a body the way `$input.path` sees it: JSON when it starts with `{`, `[` or `"`, an empty
/// body as `{}`, anything else as one string.
fn parse_body(body: &str) -> Result<serde_json::Value, String> {
    let t = body.trim_start();
    if t.is_empty() {
        return Ok(serde_json::Value::Object(serde_json::Map::new()));
    }
    if t.starts_with(['{', '[', '"']) {
        return serde_json::from_str(t).map_err(|e| format!("{INVALID_JSON_BODY_MESSAGE}: {e}"));
    }
    Ok(serde_json::Value::String(body.to_string()))
}

/// JSONPath evaluation used by `$input.json`/`$input.path` and parameter mappings
/// (`integration.response.body.a.b` → `json_path(body, "$.a.b")`). `Ok(None)` when a definite path
/// matches nothing; `Err` when the body looks like JSON but does not parse, or the path is invalid.
pub fn json_path(body: &str, path: &str) -> Result<Option<serde_json::Value>, String> {
    let doc = parse_body(body)?;
    Ok(match find(&doc, path)? {
        Found::Nothing => None,
        Found::One(v) => Some(v.clone()),
        Found::Many(vs) => Some(serde_json::Value::Array(vs.into_iter().cloned().collect())),
    })
}

/// What a JSONPath selects: at most one value for a definite path, a list otherwise (Jayway).
enum Found<'a> {
    Nothing,
    One(&'a serde_json::Value),
    Many(Vec<&'a serde_json::Value>),
}

fn find<'a>(doc: &'a serde_json::Value, path: &str) -> Result<Found<'a>, String> {
    let path = path.trim();
    if let Some(steps) = simple_steps(path) {
        let mut at = doc;
        for step in steps {
            let next = match step {
                Step::Member(name) => at.as_object().and_then(|o| o.get(name)),
                Step::Index(i) => at.as_array().and_then(|a| a.get(i)),
            };
            match next {
                Some(v) => at = v,
                None => return Ok(Found::Nothing),
            }
        }
        return Ok(Found::One(at));
    }
    find_general(doc, path)
}

/// Any JSONPath, through the RFC 9535 evaluator after rewriting Jayway's forms.
fn find_general<'a>(doc: &'a serde_json::Value, path: &str) -> Result<Found<'a>, String> {
    let p = normalize_path(path);
    let found = jsonpath_rust::query::js_path_vals(&p, doc)
        .map_err(|e| format!("invalid JSONPath '{path}': {e}"))?;
    Ok(if is_definite(&p) {
        found.first().map_or(Found::Nothing, |v| Found::One(v))
    } else {
        Found::Many(found)
    })
}

enum Step<'p> {
    Member(&'p str),
    Index(usize),
}

/// The steps of a path made only of member names and non-negative indexes (`$.a.b[0]['c d']`,
/// or Jayway's `a.b` without the `$`), which nearly every template uses: these are walked
/// directly instead of through the JSONPath parser. `None` for anything else (deep scans,
/// wildcards, filters, slices, unions, escapes in quoted names), which the full evaluator takes.
fn simple_steps(path: &str) -> Option<Vec<Step<'_>>> {
    let mut steps = Vec::new();
    let mut rest = match path.strip_prefix('$') {
        Some(r) => r,
        None if path.is_empty() || path.starts_with(['.', '[']) => path,
        None => {
            // Jayway's `a.b` means `$.a.b`.
            let (name, after) = member_name(path)?;
            steps.push(Step::Member(name));
            after
        }
    };
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let (name, after) = member_name(r)?;
            steps.push(Step::Member(name));
            rest = after;
        } else {
            let r = rest.strip_prefix('[')?;
            let end = r.find(']')?;
            steps.push(bracket_step(&r[..end])?);
            rest = &r[end + 1..];
        }
    }
    Some(steps)
}

/// A dotted member name (as `normalize_path` would pass it on) and what follows it.
fn member_name(s: &str) -> Option<(&str, &str)> {
    let end = s.find(['.', '[']).unwrap_or(s.len());
    let name = &s[..end];
    let first = name.chars().next()?;
    let plain = !first.is_ascii_digit() && name.chars().all(|c| is_member_char(c) || c == '-');
    plain.then_some((name, &s[end..]))
}

/// `[3]`, `['name']` or `["name"]` (without escapes), given what is between the brackets.
fn bracket_step(inner: &str) -> Option<Step<'_>> {
    if !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit()) {
        if inner.len() > 1 && inner.starts_with('0') {
            return None;
        }
        return inner.parse().ok().map(Step::Index);
    }
    let quote = inner.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
    let name = inner.strip_prefix(quote)?.strip_suffix(quote)?;
    (!name.contains([quote, '\\'])).then_some(Step::Member(name))
}

fn is_member_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Jayway accepts paths without `$` and dotted names RFC 9535 does not (`$.first-name`); rewrite those
/// names in bracket form.
fn normalize_path(path: &str) -> String {
    let body = if let Some(rest) = path.strip_prefix('$') {
        rest.to_string()
    } else if path.starts_with('[') || path.starts_with('.') {
        path.to_string()
    } else if path.is_empty() {
        String::new()
    } else {
        format!(".{path}")
    };
    let chars: Vec<char> = body.chars().collect();
    let mut out = String::from("$");
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '[' => {
                // Copy the bracket verbatim, honouring quotes and nested brackets.
                let mut depth = 0;
                let mut quote: Option<char> = None;
                while i < chars.len() {
                    let c = chars[i];
                    out.push(c);
                    i += 1;
                    match quote {
                        Some(q) if c == q => quote = None,
                        Some(_) if c == '\\' && i < chars.len() => {
                            out.push(chars[i]);
                            i += 1;
                        }
                        Some(_) => {}
                        None => match c {
                            '\'' | '"' => quote = Some(c),
                            '[' => depth += 1,
                            ']' => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        },
                    }
                }
            }
            '.' => {
                let dots = if chars.get(i + 1) == Some(&'.') { 2 } else { 1 };
                i += dots;
                let start = i;
                while i < chars.len() && chars[i] != '.' && chars[i] != '[' {
                    i += 1;
                }
                let name: String = chars[start..i].iter().collect();
                if dots == 2 {
                    out.push_str("..");
                }
                if name == "*" || (!name.is_empty() && name.chars().all(is_member_char)) {
                    if dots == 1 {
                        out.push('.');
                    }
                    out.push_str(&name);
                } else if !name.is_empty() {
                    out.push_str("['");
                    out.push_str(&name.replace('\\', "\\\\").replace('\'', "\\'"));
                    out.push_str("']");
                } else if dots == 1 {
                    out.push('.');
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Jayway's "definite path": no deep scan, wildcard, filter, slice or union.
fn is_definite(path: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut depth = 0;
    let mut prev = '\0';
    for c in path.chars() {
        match quote {
            Some(q) => {
                if c == q && prev != '\\' {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => quote = Some(c),
                '[' => depth += 1,
                ']' => depth -= 1,
                '*' | '?' => return false,
                '.' if prev == '.' => return false,
                ':' | ',' if depth > 0 => return false,
                _ => {}
            },
        }
        prev = c;
    }
    true
}

/// `$util`.
pub fn util() -> Value {
    Value::Object(Rc::new(Util))
}

struct Util;

impl HostObject for Util {
    fn property(&self, _name: &str) -> Option<Value> {
        None
    }

    fn call(&self, method: &str, args: &[Value]) -> Result<Value, String> {
        let s = match args {
            [Value::String(s)] => s,
            // Commons Lang is null-safe; the JDK codecs are not.
            [Value::Null] if method == "escapeJavaScript" => return Ok(Value::Null),
            [Value::Null] => return Err("java.lang.NullPointerException".into()),
            _ => return Ok(Value::Null),
        };
        Ok(match method {
            "escapeJavaScript" => Value::from(escape_javascript(s)),
            "parseJson" => {
                let v: serde_json::Value = serde_json::from_str(s)
                    .map_err(|e| format!("Unable to parse input as JSON: {e}"))?;
                Value::from_json(&v)
            }
            "urlEncode" => {
                Value::from(form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>())
            }
            "urlDecode" => Value::from(url_decode(s)?),
            "base64Encode" => {
                Value::from(base64::engine::general_purpose::STANDARD.encode(s.as_bytes()))
            }
            "base64Decode" => Value::from(base64_decode(s)?),
            _ => Value::Null,
        })
    }

    fn render(&self) -> String {
        String::new()
    }
}

/// Commons Lang 2 `StringEscapeUtils.escapeJavaScript`.
pub fn escape_javascript(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for u in s.encode_utf16() {
        match u {
            0x22 => out.push_str("\\\""),
            0x27 => out.push_str("\\'"),
            0x5c => out.push_str("\\\\"),
            0x2f => out.push_str("\\/"),
            0x08 => out.push_str("\\b"),
            0x0a => out.push_str("\\n"),
            0x09 => out.push_str("\\t"),
            0x0c => out.push_str("\\f"),
            0x0d => out.push_str("\\r"),
            0x20..=0x7e => out.push(u as u8 as char),
            _ => out.push_str(&format!("\\u{u:04X}")),
        }
    }
    out
}

/// `java.net.URLDecoder.decode(s, "UTF-8")`.
pub fn url_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut pending: Vec<u8> = Vec::new();
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = |c: u8| (c as char).to_digit(16);
                match (
                    b.get(i + 1).and_then(|c| hex(*c)),
                    b.get(i + 2).and_then(|c| hex(*c)),
                ) {
                    (Some(h), Some(l)) => {
                        pending.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => {
                        return Err(
                            "java.lang.IllegalArgumentException: URLDecoder: Illegal hex characters in escape (%) pattern"
                                .into(),
                        );
                    }
                }
            }
            c => {
                if !pending.is_empty() {
                    out.push_str(&String::from_utf8_lossy(&pending));
                    pending.clear();
                }
                if c == b'+' {
                    out.push(' ');
                    i += 1;
                } else {
                    let len = utf8_len(c);
                    let end = (i + len).min(b.len());
                    out.push_str(&String::from_utf8_lossy(&b[i..end]));
                    i = end;
                }
            }
        }
    }
    if !pending.is_empty() {
        out.push_str(&String::from_utf8_lossy(&pending));
    }
    Ok(out)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

/// `java.util.Base64.getDecoder()`: standard alphabet, padding optional; decoded as UTF-8.
pub fn base64_decode(s: &str) -> Result<String, String> {
    let cfg = base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent);
    let engine = base64::engine::GeneralPurpose::new(&base64::alphabet::STANDARD, cfg);
    let bytes = engine
        .decode(s)
        .map_err(|e| format!("java.lang.IllegalArgumentException: {e}"))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_for_rfc9535() {
        assert_eq!(normalize_path("$.a.b"), "$.a.b");
        assert_eq!(normalize_path("$.first-name"), "$['first-name']");
        assert_eq!(normalize_path("a.b"), "$.a.b");
        assert_eq!(normalize_path("$..x"), "$..x");
        assert_eq!(normalize_path("$.a[?(@.x < 1)].b"), "$.a[?(@.x < 1)].b");
        assert_eq!(normalize_path("$"), "$");
    }

    #[test]
    fn simple_paths_are_walked_as_the_general_evaluator_would() {
        let doc = serde_json::json!({
            "a": {"b": [1, 2, {"c": "x", "d e": null}], "first-name": "Ann", "n": null},
            "x": "y",
            "名": 1
        });
        let paths = [
            "",
            "$",
            "$.a",
            "$.a.b",
            "$.a.b[0]",
            "$.a.b[2].c",
            "$.a.b[2]['d e']",
            "$.a.b[2][\"c\"]",
            "$.a.b[9]",
            "$.a.b.c",
            "$.a['b'][1]",
            "$.a.first-name",
            "$.a.n",
            "$.nope.deeper",
            "$.x.y",
            "$.x[0]",
            "a.b[1]",
            "$['a']['b']",
            "$.名",
            "$.a.b[1].c",
        ];
        for p in paths {
            assert!(simple_steps(p).is_some(), "{p} should take the direct walk");
            let direct = match find(&doc, p) {
                Ok(Found::One(v)) => Some(v.clone()),
                Ok(Found::Nothing) => None,
                other => panic!("{p}: {}", other.is_ok()),
            };
            let general = match find_general(&doc, p) {
                Ok(Found::One(v)) => Some(v.clone()),
                Ok(Found::Nothing) => None,
                other => panic!("{p}: {}", other.is_ok()),
            };
            assert_eq!(direct, general, "{p}");
        }
        for p in [
            "$..c",
            "$.a.*",
            "$.a.b[*]",
            "$.a.b[0:2]",
            "$.a.b[-1]",
            "$.a.b[01]",
            "$['a','x']",
            "$.a.b[?(@.c)]",
            "$['a\\'b']",
            "$.0",
            "$ .a",
            "$.a.length()",
        ] {
            assert!(simple_steps(p).is_none(), "{p} needs the general evaluator");
        }
    }

    #[test]
    fn definite_paths() {
        assert!(is_definite("$.a['b'][0]"));
        assert!(!is_definite("$..a"));
        assert!(!is_definite("$.a[*]"));
        assert!(!is_definite("$.a[0:2]"));
        assert!(!is_definite("$.a[?(@.x)]"));
        assert!(is_definite("$['a:b']"));
    }

    #[test]
    fn json_path_behaviour() {
        let body = r#"{"a":{"b":[1,2,{"c":"x"}]}}"#;
        assert_eq!(
            json_path(body, "$.a.b[2].c"),
            Ok(Some(serde_json::json!("x")))
        );
        assert_eq!(json_path(body, "$.a.nope"), Ok(None));
        assert_eq!(json_path(body, "$..c"), Ok(Some(serde_json::json!(["x"]))));
        assert_eq!(json_path("a=b", "$"), Ok(Some(serde_json::json!("a=b"))));
        assert!(json_path("{bad", "$").is_err());
        assert_eq!(json_path("", "$"), Ok(Some(serde_json::json!({}))));
    }

    #[test]
    fn escaping_follows_commons_lang() {
        assert_eq!(
            escape_javascript("a\"b'c\\d/e\nf\u{e9}"),
            "a\\\"b\\'c\\\\d\\/e\\nf\\u00E9"
        );
        assert_eq!(escape_javascript("\u{1}"), "\\u0001");
    }
}
