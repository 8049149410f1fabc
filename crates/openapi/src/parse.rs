//! Bytes to a `serde_json::Value`: JSON or YAML, sniffed, with AWS's size limit and hardened
//! parser settings.

use serde_json::Value;

use crate::Diagnostic;
use crate::jpath::JPath;

/// The largest document API Gateway imports: 6 MB.
pub const MAX_DOCUMENT_BYTES: usize = 6 * 1024 * 1024;

/// Deepest nesting accepted (JSON stops at serde_json's own limit of 128 first; YAML is capped
/// at 64 by serde-saphyr's budget). Checked again on the parsed value, iteratively, because YAML
/// aliases can splice one deep tree into another.
const MAX_DEPTH: usize = 128;

fn at_root(message: String) -> Diagnostic {
    Diagnostic {
        path: JPath::root().as_str().to_owned(),
        message,
    }
}

pub(crate) fn parse(document: &[u8]) -> Result<Value, Diagnostic> {
    if document.len() > MAX_DOCUMENT_BYTES {
        return Err(at_root(format!(
            "The document is {} bytes; API Gateway imports at most 6 MB ({MAX_DOCUMENT_BYTES} bytes)",
            document.len()
        )));
    }
    let bytes = document.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(document);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        at_root(format!(
            "The document is not UTF-8 text (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    let first = text.trim_start().chars().next();
    let value = match first {
        None => return Err(at_root("The document is empty".to_owned())),
        Some('{') => serde_json::from_str::<Value>(text)
            .map_err(|e| at_root(format!("Invalid JSON: {e}")))?,
        Some(_) => parse_yaml(text)?,
    };
    if too_deep(&value) {
        return Err(at_root(format!(
            "The document nests deeper than {MAX_DEPTH} levels"
        )));
    }
    Ok(value)
}

fn parse_yaml(text: &str) -> Result<Value, Diagnostic> {
    let mut options = serde_saphyr::Options::default();
    options.strict_booleans = true;
    options.with_snippet = false;
    options.alias_limits.max_total_replayed_events = 200_000;
    // Sized so that the 6 MB limit decides what is too big: a YAML node takes at least two
    // bytes (`a,`), so no document within the limit has more nodes or events than this.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = MAX_DOCUMENT_BYTES / 2 + 64;
    budget.max_events = MAX_DOCUMENT_BYTES + 128;
    options.budget = Some(budget);
    serde_saphyr::from_str_with_options::<Value>(text, options).map_err(|e| yaml_error(&e))
}

fn yaml_error(e: &serde_saphyr::Error) -> Diagnostic {
    let e = e.without_snippet();
    let at = e
        .location()
        .filter(|l| l.line() > 0)
        .map(|l| format!(" at line {}, column {}", l.line(), l.column()))
        .unwrap_or_default();
    if let serde_saphyr::Error::DuplicateMappingKey { key: Some(key), .. } = e {
        if key.starts_with('/') {
            return Diagnostic {
                path: JPath::root().key("paths").key(key).as_str().to_owned(),
                message: format!("Duplicate path '{key}'{at}: a path may appear only once"),
            };
        }
        return at_root(format!("Invalid YAML: duplicate mapping key '{key}'{at}"));
    }
    let mut message = e.to_string();
    // serde-saphyr sometimes appends advice for Rust callers ("; use from_str_multiple ...").
    if let Some(cut) = message.find("; use ") {
        message.truncate(cut);
    }
    if let Some(start) = message.find("budget breached: Depth {")
        && let Some(len) = message[start..].find('}')
    {
        message.replace_range(
            start..=start + len,
            "nested too deeply (more than 64 levels)",
        );
    }
    if !at.is_empty() && !message.contains("line") {
        message.push_str(&at);
    }
    at_root(format!("Invalid YAML: {message}"))
}

/// Depth of the value, measured without recursion.
fn too_deep(value: &Value) -> bool {
    let mut stack = vec![(value, 1usize)];
    while let Some((v, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return true;
        }
        match v {
            Value::Array(items) => stack.extend(items.iter().map(|i| (i, depth + 1))),
            Value::Object(map) => stack.extend(map.values().map(|i| (i, depth + 1))),
            _ => {}
        }
    }
    false
}
