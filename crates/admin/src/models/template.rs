//! GetModelTemplate's sample mapping template: the `$inputRoot` line, then a sample instance of
//! the model laid out as AWS lays it out (`#set($inputRoot = $input.path('$'))\n{\n  "a" :
//! 3.1415,\n  "op" : "foo"\n}`, `{ }` for an object without properties).
//!
//! Sample values follow AWS's documented example where it has one (numbers `3.1415`, strings
//! `"foo"`); integers are `42`, booleans `true`, an `enum` gives its first value, arrays hold one
//! sample item. References to other models and to local definitions are followed to a bounded
//! depth and the sample has a bounded size, so recursive schemas end in `{ }`.

use std::cell::Cell;

use serde_json::{Map, Value, json};
use tollgate_model::{ApiDefinition, Model};

/// How many references and nested schemas are followed before a sample is cut short.
const MAX_DEPTH: usize = 16;

/// The sample number of AWS's documented example (not an approximation of π).
#[allow(clippy::approx_constant)]
const SAMPLE_NUMBER: f64 = 3.1415;

/// How many values a sample may hold: a schema whose properties refer back to it several times
/// would otherwise grow exponentially with [`MAX_DEPTH`].
const MAX_VALUES: usize = 10_000;

/// The template for `model`.
pub(super) fn generate(d: &ApiDefinition, model: &Model) -> String {
    let schema: Value = model
        .schema
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_else(|| json!({}));
    let sampler = Sampler {
        d,
        budget: Cell::new(MAX_VALUES),
    };
    let sample = sampler.sample(&schema, &schema, 0);
    let mut out = String::from("#set($inputRoot = $input.path('$'))\n");
    write_pretty(&sample, 0, &mut out);
    out
}

struct Sampler<'a> {
    d: &'a ApiDefinition,
    /// Values the sample may still hold.
    budget: Cell<usize>,
}

impl Sampler<'_> {
    /// A sample instance of `schema`, whose local `#/...` references point into `root`.
    fn sample(&self, schema: &Value, root: &Value, depth: usize) -> Value {
        let Value::Object(s) = schema else {
            return json!({});
        };
        if depth > MAX_DEPTH || self.budget.get() == 0 {
            return json!({});
        }
        self.budget.set(self.budget.get() - 1);
        if let Some(reference) = s.get("$ref").and_then(Value::as_str) {
            return self.follow(reference, root, depth);
        }
        if let Some(first) = s
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            return first.clone();
        }
        for combinator in ["allOf", "anyOf", "oneOf"] {
            if let Some(first) = s
                .get(combinator)
                .and_then(Value::as_array)
                .and_then(|c| c.first())
            {
                return self.sample(first, root, depth + 1);
            }
        }
        let kind = match s.get("type") {
            Some(Value::String(t)) => Some(t.as_str()),
            Some(Value::Array(types)) => types
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null"),
            _ => None,
        };
        let kind = kind.unwrap_or(if s.contains_key("items") {
            "array"
        } else {
            "object"
        });
        match kind {
            "string" => json!("foo"),
            "number" => json!(SAMPLE_NUMBER),
            "integer" => json!(42),
            "boolean" => json!(true),
            "null" => Value::Null,
            "array" => match s.get("items") {
                Some(Value::Array(items)) => Value::Array(
                    items
                        .iter()
                        .map(|i| self.sample(i, root, depth + 1))
                        .collect(),
                ),
                Some(item) => Value::Array(vec![self.sample(item, root, depth + 1)]),
                None => Value::Array(Vec::new()),
            },
            _ => {
                let mut fields = Map::new();
                if let Some(Value::Object(properties)) = s.get("properties") {
                    for (name, property) in properties {
                        fields.insert(name.clone(), self.sample(property, root, depth + 1));
                    }
                }
                Value::Object(fields)
            }
        }
    }

    /// The sample of what `reference` names: a JSON pointer into `root`, or another model of
    /// the API by its canonical URL.
    fn follow(&self, reference: &str, root: &Value, depth: usize) -> Value {
        if let Some(pointer) = reference.strip_prefix('#') {
            return match root.pointer(pointer) {
                Some(target) => self.sample(target, root, depth + 1),
                None => json!({}),
            };
        }
        let other = super::referenced_model(reference, &self.d.rest_api.id)
            .and_then(|name| self.d.models.iter().find(|m| m.name == name))
            .and_then(|m| m.schema.as_deref())
            .and_then(|t| serde_json::from_str::<Value>(t).ok());
        match other {
            Some(schema) => self.sample(&schema, &schema, depth + 1),
            None => json!({}),
        }
    }
}

/// Writes `v` pretty-printed as AWS prints it: object fields one per line indented two spaces a
/// level, `"name" : value`, `{ }` when empty; arrays on one line, `[ a, b ]`, `[ ]` when empty,
/// without a level of their own.
fn write_pretty(v: &Value, level: usize, out: &mut String) {
    match v {
        Value::Object(fields) if fields.is_empty() => out.push_str("{ }"),
        Value::Object(fields) => {
            out.push('{');
            for (i, (name, value)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('\n');
                out.push_str(&"  ".repeat(level + 1));
                out.push_str(&Value::String(name.clone()).to_string());
                out.push_str(" : ");
                write_pretty(value, level + 1, out);
            }
            out.push('\n');
            out.push_str(&"  ".repeat(level));
            out.push('}');
        }
        Value::Array(items) if items.is_empty() => out.push_str("[ ]"),
        Value::Array(items) => {
            out.push_str("[ ");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_pretty(item, level, out);
            }
            out.push_str(" ]");
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_model::RestApi;

    fn template_of(schema: &str) -> String {
        let d = ApiDefinition::empty(RestApi::new("t"));
        let model = Model {
            id: "abc123".into(),
            name: "M".into(),
            description: None,
            schema: Some(schema.into()),
            content_type: "application/json".into(),
        };
        generate(&d, &model)
    }

    #[test]
    fn aws_documented_examples() {
        // GetModelTemplate's example in the API reference (the CalcOutput model).
        let calc = r#"{"title":"Calc output","type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"},"op":{"description":"operation of +, -, * or /","type":"string"},"c":{"type":"number"}},"required":["a","b","op"]}"#;
        assert_eq!(
            template_of(calc),
            "#set($inputRoot = $input.path('$'))\n{\n  \"a\" : 3.1415,\n  \"b\" : 3.1415,\n  \"op\" : \"foo\",\n  \"c\" : 3.1415\n}"
        );
        // The CLI's example: the built-in Empty model.
        let d = ApiDefinition::empty(RestApi::new("t"));
        let empty = d.models.iter().find(|m| m.name == "Empty");
        assert_eq!(
            empty.map(|m| generate(&d, m)).as_deref(),
            Some("#set($inputRoot = $input.path('$'))\n{ }")
        );
    }

    #[test]
    fn nested_objects_arrays_and_references() {
        let schema = r##"{
            "definitions": {"tag": {"type": "object", "properties": {"k": {"type": "string"}}}},
            "type": "object",
            "properties": {
                "id": {"type": "integer"},
                "ok": {"type": ["boolean", "null"]},
                "kind": {"enum": ["dog", "cat"]},
                "tags": {"type": "array", "items": {"$ref": "#/definitions/tag"}},
                "none": {"type": "array"},
                "self": {"$ref": "#"}
            }
        }"##;
        let t = template_of(schema);
        assert!(
            t.starts_with(
                "#set($inputRoot = $input.path('$'))\n{\n  \"id\" : 42,\n  \"ok\" : true,\n  \"kind\" : \"dog\",\n  \"tags\" : [ {\n    \"k\" : \"foo\"\n  } ],\n  \"none\" : [ ],\n  \"self\" : {\n"
            ),
            "{t}"
        );
        assert!(t.len() < 100_000, "recursion is bounded");
        let wide = r##"{"properties": {"a": {"$ref": "#"}, "b": {"$ref": "#"}, "c": {"$ref": "#"}, "d": {"$ref": "#"}}}"##;
        assert!(template_of(wide).len() < 1_000_000, "and so is the size");
        assert_eq!(
            template_of("not json"),
            "#set($inputRoot = $input.path('$'))\n{ }"
        );
    }
}
