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

    fn path(&self, path: &str) -> Result<Option<serde_json::Value>, HostError> {
        let doc = self.document()?;
        eval_path(doc, path).map_err(HostError::from)
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
                Ok(self.path(p)?.map_or(Value::Null, |v| Value::from_json(&v)))
            }
            "json" => {
                let Some(p) = one_string(args) else {
                    return Ok(Value::Null);
                };
                let v = self.path(p)?.map_or(Value::Null, |v| Value::from_json(&v));
                Ok(Value::String(v.to_json_text(false).into()))
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
    eval_path(&doc, path)
}

pub(crate) fn eval_path(
    doc: &serde_json::Value,
    path: &str,
) -> Result<Option<serde_json::Value>, String> {
    let p = normalize_path(path.trim());
    let found = jsonpath_rust::query::js_path_vals(&p, doc)
        .map_err(|e| format!("invalid JSONPath '{path}': {e}"))?;
    if is_definite(&p) {
        Ok(found.first().map(|v| (*v).clone()))
    } else {
        Ok(Some(serde_json::Value::Array(
            found.into_iter().cloned().collect(),
        )))
    }
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
