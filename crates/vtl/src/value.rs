//! Runtime values: what a Velocity reference can hold, with Java's printing rules.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use indexmap::IndexMap;

/// Map storage. foldhash: maps are built per request (`$context`, parsed bodies), and SipHash was
/// most of their cost; its per-process random seed keeps key-collision floods impractical.
type Entries = IndexMap<String, Value, foldhash::fast::RandomState>;

use crate::error::RenderErrorKind;

/// A value a template works with. Lists and maps are shared references (Java semantics): a clone is an
/// alias, and `$l.add(..)` through one alias is seen through all of them.
#[derive(Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(Rc<str>),
    List(List),
    Map(Map),
    Object(Rc<dyn HostObject>),
}

/// How a list prints and behaves: a Java list (`[1, a]`), a json-smart `JSONArray` (`[1,"a"]`), or
/// a Java set or collection view such as `keySet()` (prints like a list, has no index access).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFlavour {
    Java,
    Json,
    Collection,
}

/// How a map prints: a Java map (`{a=1}`, also what JsonPath yields for objects) or a json-smart
/// `JSONObject` (`{"a":1}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapFlavour {
    Java,
    Json,
}

struct ListInner {
    flavour: ListFlavour,
    items: RefCell<Vec<Value>>,
}

struct MapInner {
    flavour: MapFlavour,
    entries: RefCell<Entries>,
}

/// A shared, mutable list.
#[derive(Clone)]
pub struct List(Rc<ListInner>);

/// A shared, mutable, insertion-ordered map with string keys.
#[derive(Clone)]
pub struct Map(Rc<MapInner>);

impl List {
    pub fn new(flavour: ListFlavour, items: Vec<Value>) -> List {
        List(Rc::new(ListInner {
            flavour,
            items: RefCell::new(items),
        }))
    }
    pub fn flavour(&self) -> ListFlavour {
        self.0.flavour
    }
    pub fn len(&self) -> usize {
        self.0.items.borrow().len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn get(&self, i: usize) -> Option<Value> {
        self.0.items.borrow().get(i).cloned()
    }
    pub fn push(&self, v: Value) {
        self.0.items.borrow_mut().push(v);
    }
    /// A snapshot of the items (iteration must not hold the borrow while the body runs).
    pub fn items(&self) -> Vec<Value> {
        self.0.items.borrow().clone()
    }
    pub fn with_mut<R>(&self, f: impl FnOnce(&mut Vec<Value>) -> R) -> R {
        f(&mut self.0.items.borrow_mut())
    }
    pub fn ptr_eq(&self, other: &List) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl Map {
    pub fn new(flavour: MapFlavour) -> Map {
        Map(Rc::new(MapInner {
            flavour,
            entries: RefCell::new(Entries::default()),
        }))
    }
    pub fn with_capacity(flavour: MapFlavour, capacity: usize) -> Map {
        Map(Rc::new(MapInner {
            flavour,
            entries: RefCell::new(Entries::with_capacity_and_hasher(
                capacity,
                Default::default(),
            )),
        }))
    }
    pub fn flavour(&self) -> MapFlavour {
        self.0.flavour
    }
    pub fn len(&self) -> usize {
        self.0.entries.borrow().len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn get(&self, key: &str) -> Option<Value> {
        self.0.entries.borrow().get(key).cloned()
    }
    pub fn contains_key(&self, key: &str) -> bool {
        self.0.entries.borrow().contains_key(key)
    }
    /// Java `put`: returns the previous value.
    pub fn insert(&self, key: impl Into<String>, v: Value) -> Option<Value> {
        self.0.entries.borrow_mut().insert(key.into(), v)
    }
    /// Java `remove` on a LinkedHashMap keeps the order of the others.
    pub fn remove(&self, key: &str) -> Option<Value> {
        self.0.entries.borrow_mut().shift_remove(key)
    }
    pub fn keys(&self) -> Vec<String> {
        self.0.entries.borrow().keys().cloned().collect()
    }
    pub fn values(&self) -> Vec<Value> {
        self.0.entries.borrow().values().cloned().collect()
    }
    pub fn entries(&self) -> Vec<(String, Value)> {
        self.0
            .entries
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
    pub fn ptr_eq(&self, other: &Map) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// An error raised by a host object's method; `kind` lets the host tell template bugs from bad input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError {
    pub kind: RenderErrorKind,
    pub message: String,
}

impl From<String> for HostError {
    fn from(message: String) -> Self {
        HostError {
            kind: RenderErrorKind::Template,
            message,
        }
    }
}

/// Objects the host exposes to templates (`$input`, `$util`, custom ones).
pub trait HostObject {
    /// `$obj.name` (a Java bean getter). `None` renders as null.
    fn property(&self, name: &str) -> Option<Value>;
    /// `$obj.method(args)`. An unknown method should return `Ok(Value::Null)` (Velocity ignores it);
    /// `Err` aborts rendering, as a Java exception would.
    fn call(&self, method: &str, args: &[Value]) -> Result<Value, String>;
    /// What `$obj` prints.
    fn render(&self) -> String;
    /// Like `call`, with a typed error kind. Override to report errors other than template errors.
    fn call_typed(&self, method: &str, args: &[Value]) -> Result<Value, HostError> {
        self.call(method, args).map_err(HostError::from)
    }
    /// Lets the engine recognise its own objects (`#define` blocks, `$foreach`).
    #[doc(hidden)]
    fn as_any(&self) -> Option<&dyn Any> {
        None
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => write!(f, "Null"),
            Value::Bool(b) => write!(f, "Bool({b})"),
            Value::Int(i) => write!(f, "Int({i})"),
            Value::Float(x) => write!(f, "Float({x})"),
            Value::String(s) => write!(f, "String({s:?})"),
            Value::List(_) | Value::Map(_) => write!(f, "{}", self.java_string()),
            Value::Object(o) => write!(f, "Object({})", o.render()),
        }
    }
}

impl PartialEq for Value {
    /// Java `equals` (numbers compare by value across Integer/Double, as Velocity's `==` does).
    fn eq(&self, other: &Value) -> bool {
        self.eq_at(other, 0)
    }
}

impl Value {
    /// Collections may contain themselves: past `MAX_PRINT_DEPTH` levels they compare unequal.
    fn eq_at(&self, other: &Value, depth: usize) -> bool {
        if depth > MAX_PRINT_DEPTH {
            return false;
        }
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => {
                (*a as f64) == *b
            }
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a), Value::List(b)) => {
                if a.ptr_eq(b) {
                    return true;
                }
                let (x, y) = (a.items(), b.items());
                x.len() == y.len() && x.iter().zip(&y).all(|(p, q)| p.eq_at(q, depth + 1))
            }
            (Value::Map(a), Value::Map(b)) => {
                a.ptr_eq(b)
                    || (a.len() == b.len()
                        && a.entries()
                            .iter()
                            .all(|(k, v)| b.get(k).is_some_and(|w| v.eq_at(&w, depth + 1))))
            }
            (Value::Object(a), Value::Object(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s.into())
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Self {
        Value::Int(i)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::String(s.into())
    }

    /// A Java list (prints `[a, b]`).
    pub fn java_list(items: Vec<Value>) -> Value {
        Value::List(List::new(ListFlavour::Java, items))
    }

    /// A Java map (prints `{a=1, b=2}`) from ordered pairs.
    pub fn java_map<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Value)>) -> Value {
        let pairs = pairs.into_iter();
        let m = Map::with_capacity(MapFlavour::Java, pairs.size_hint().0);
        for (k, v) in pairs {
            m.insert(k, v);
        }
        Value::Map(m)
    }

    /// A JSON document as `$util.parseJson` / `$input.path` produce it: objects are Java maps, arrays
    /// are json-smart `JSONArray`s.
    pub fn from_json(v: &serde_json::Value) -> Value {
        Self::from_json_with(v, ListFlavour::Json)
    }

    /// A JSON document made of plain Java collections, as a host builds `$context` or `$stageVariables`.
    pub fn from_json_java(v: &serde_json::Value) -> Value {
        Self::from_json_with(v, ListFlavour::Java)
    }

    fn from_json_with(v: &serde_json::Value, lists: ListFlavour) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Value::Int(i)
                } else if let Some(u) = n.as_u64() {
                    // Beyond Long: json-smart would make a BigInteger; keep the digits.
                    Value::String(u.to_string().into())
                } else {
                    Value::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            serde_json::Value::String(s) => Value::String(s.as_str().into()),
            serde_json::Value::Array(a) => Value::List(List::new(
                lists,
                a.iter().map(|x| Self::from_json_with(x, lists)).collect(),
            )),
            serde_json::Value::Object(o) => {
                let m = Map::with_capacity(MapFlavour::Java, o.len());
                for (k, x) in o {
                    m.insert(k.clone(), Self::from_json_with(x, lists));
                }
                Value::Map(m)
            }
        }
    }

    /// Converts to JSON; host objects become their rendered text, and collections nested deeper than
    /// 64 levels (a list that contains itself) become null.
    pub fn to_json(&self) -> serde_json::Value {
        self.to_json_at(0)
    }

    fn to_json_at(&self, depth: usize) -> serde_json::Value {
        if depth > MAX_PRINT_DEPTH {
            return serde_json::Value::Null;
        }
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Float(x) => serde_json::Number::from_f64(*x)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::List(l) => serde_json::Value::Array(
                l.items().iter().map(|v| v.to_json_at(depth + 1)).collect(),
            ),
            Value::Map(m) => serde_json::Value::Object(
                m.entries()
                    .into_iter()
                    .map(|(k, v)| (k, v.to_json_at(depth + 1)))
                    .collect(),
            ),
            Value::Object(o) => serde_json::Value::String(o.render()),
        }
    }

    /// What `$x` prints in API Gateway: null prints as empty text.
    pub fn render(&self) -> String {
        match self {
            Value::Null => String::new(),
            _ => self.java_string(),
        }
    }

    /// Java `String.valueOf(x)`.
    pub fn java_string(&self) -> String {
        let mut out = String::new();
        self.write_java(&mut out, 0);
        out
    }

    fn write_java(&self, out: &mut String, depth: usize) {
        if depth > MAX_PRINT_DEPTH {
            out.push_str("(this Collection)");
            return;
        }
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Float(x) => out.push_str(&java_double(*x)),
            Value::String(s) => out.push_str(s),
            Value::List(l) if l.flavour() == ListFlavour::Json => {
                write_json(self, out, JsonStyle::SmartToString, depth)
            }
            Value::List(l) => {
                out.push('[');
                for (i, v) in l.items().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write_java(out, depth + 1);
                }
                out.push(']');
            }
            Value::Map(m) if m.flavour() == MapFlavour::Json => {
                write_json(self, out, JsonStyle::SmartToString, depth)
            }
            Value::Map(m) => {
                out.push('{');
                for (i, (k, v)) in m.entries().iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(k);
                    out.push('=');
                    v.write_java(out, depth + 1);
                }
                out.push('}');
            }
            Value::Object(o) => out.push_str(&o.render()),
        }
    }

    /// json-smart serialisation; `web_safe` escapes `/` as `JSONArray.toString()` does.
    pub fn to_json_text(&self, web_safe: bool) -> String {
        let mut out = String::new();
        let style = if web_safe {
            JsonStyle::SmartToString
        } else {
            JsonStyle::Compact
        };
        write_json(self, &mut out, style, 0);
        out
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The Java class name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "Boolean",
            Value::Int(_) => "Integer",
            Value::Float(_) => "Double",
            Value::String(_) => "String",
            Value::List(_) => "List",
            Value::Map(_) => "Map",
            Value::Object(_) => "Object",
        }
    }
}

const MAX_PRINT_DEPTH: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq)]
enum JsonStyle {
    /// `JSONValue.toJSONString(x, JSONStyle.LT_COMPRESS)`.
    Compact,
    /// `JSONArray.toString()`: json-smart's default style, which also escapes `/`.
    SmartToString,
}

fn write_json(v: &Value, out: &mut String, style: JsonStyle, depth: usize) {
    if depth > MAX_PRINT_DEPTH {
        out.push_str("null");
        return;
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(x) if x.is_finite() => out.push_str(&java_double(*x)),
        Value::Float(_) => out.push_str("null"),
        Value::String(s) => json_smart_quote(s, style == JsonStyle::SmartToString, out),
        Value::List(l) => {
            out.push('[');
            for (i, x) in l.items().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(x, out, style, depth + 1);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push('{');
            for (i, (k, x)) in m.entries().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_smart_quote(k, style == JsonStyle::SmartToString, out);
                out.push(':');
                write_json(x, out, style, depth + 1);
            }
            out.push('}');
        }
        Value::Object(o) => json_smart_quote(&o.render(), style == JsonStyle::SmartToString, out),
    }
}

/// json-smart's string escaping (`JStylerObj.ESCAPE4Web` / `ESCAPE_LT`).
fn json_smart_quote(s: &str, escape_slash: bool, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '/' if escape_slash => out.push_str("\\/"),
            '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{2000}'..='\u{20ff}' => {
                out.push_str(&format!("\\u{:04X}", c as u32));
            }
            _ => out.push(c),
        }
    }
    out.push('"');
}

/// Java's `Double.toString`.
pub fn java_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let a = d.abs();
    if (1e-3..1e7).contains(&a) {
        let s = format!("{d}");
        if s.contains('.') { s } else { s + ".0" }
    } else {
        let s = format!("{d:e}");
        match s.split_once('e') {
            Some((m, e)) if m.contains('.') => format!("{m}E{e}"),
            Some((m, e)) => format!("{m}.0E{e}"),
            None => s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_print_like_java() {
        assert_eq!(java_double(3.5), "3.5");
        assert_eq!(java_double(3.0), "3.0");
        assert_eq!(java_double(1e7), "1.0E7");
        assert_eq!(java_double(1.5e-5), "1.5E-5");
        assert_eq!(java_double(0.001), "0.001");
        assert_eq!(java_double(-2.5e10), "-2.5E10");
        assert_eq!(java_double(0.30000000000000004), "0.30000000000000004");
    }

    #[test]
    fn collections_print_java_and_json() {
        let v = Value::from_json(&serde_json::json!({"a":"1","b":[{"c":"x/y"}],"n":null}));
        assert_eq!(v.render(), r#"{a=1, b=[{"c":"x\/y"}], n=null}"#);
        let l = Value::java_list(vec![Value::Int(1), Value::str("a"), Value::Null]);
        assert_eq!(l.render(), "[1, a, null]");
    }
}
