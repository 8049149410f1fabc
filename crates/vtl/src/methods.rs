//! Java methods of the values templates see: String, List, Map, numbers, and map entries.

use std::collections::HashMap;
use std::rc::Rc;

use crate::Limits;
use crate::error::RenderErrorKind;
use crate::eval::velocity_eq;
use crate::jregex;
use crate::value::{HostObject, List, ListFlavour, Value};

pub(crate) enum MethodError {
    /// No such method for these argument types: Velocity evaluates the reference to null.
    NotFound,
    /// The method threw: rendering fails.
    Throw(RenderErrorKind, String),
}

fn throw(msg: impl Into<String>) -> MethodError {
    MethodError::Throw(RenderErrorKind::Template, msg.into())
}

/// Compiled Java regexes, per render.
#[derive(Default)]
pub(crate) struct RegexCache {
    map: HashMap<(String, bool), Rc<fancy_regex::Regex>>,
}

impl RegexCache {
    pub(crate) fn get(
        &mut self,
        pattern: &str,
        whole: bool,
    ) -> Result<Rc<fancy_regex::Regex>, MethodError> {
        let key = (pattern.to_string(), whole);
        if let Some(r) = self.map.get(&key) {
            return Ok(r.clone());
        }
        let r = Rc::new(jregex::compile(pattern, whole).map_err(throw)?);
        if self.map.len() < 256 {
            self.map.insert(key, r.clone());
        }
        Ok(r)
    }
}

/// `Map.Entry` from `entrySet()`.
struct Entry {
    key: String,
    value: Value,
}

impl HostObject for Entry {
    fn property(&self, name: &str) -> Option<Value> {
        match name {
            "key" => Some(Value::String(self.key.as_str().into())),
            "value" => Some(self.value.clone()),
            _ => None,
        }
    }
    fn call(&self, method: &str, args: &[Value]) -> Result<Value, String> {
        Ok(match (method, args) {
            ("getKey", []) => Value::String(self.key.as_str().into()),
            ("getValue", []) => self.value.clone(),
            ("toString", []) => Value::String(self.render().into()),
            _ => Value::Null,
        })
    }
    fn render(&self) -> String {
        format!("{}={}", self.key, self.value.java_string())
    }
}

/// A `java.lang.Character` (from `charAt`): prints as the character, is neither a String nor a
/// number for `+`, and is `==` to a one-character string through `toString()`.
struct JavaChar(u16);

impl HostObject for JavaChar {
    fn property(&self, _name: &str) -> Option<Value> {
        None
    }
    fn call(&self, method: &str, args: &[Value]) -> Result<Value, String> {
        Ok(match (method, args) {
            ("toString", []) => Value::String(self.render().into()),
            ("charValue", []) => Value::Object(Rc::new(JavaChar(self.0))),
            ("equals", [Value::Object(o)]) => Value::Bool(o.render() == self.render()),
            ("equals", [_]) => Value::Bool(false),
            _ => Value::Null,
        })
    }
    fn render(&self) -> String {
        String::from_utf16_lossy(&[self.0])
    }
}

/// `$x.name`: map key, host property, or a Java bean getter.
pub(crate) fn property(v: &Value, name: &str) -> Value {
    match v {
        Value::Map(m) => m.get(name).unwrap_or(Value::Null),
        Value::Object(o) => o.property(name).unwrap_or(Value::Null),
        Value::String(s) if name == "empty" => Value::Bool(s.is_empty()),
        Value::String(s) if name == "bytes" => {
            Value::java_list(s.bytes().map(|b| Value::Int(b as i8 as i64)).collect())
        }
        Value::List(l) if name == "empty" => Value::Bool(l.is_empty()),
        _ => Value::Null,
    }
}

pub(crate) fn call(
    v: &Value,
    name: &str,
    args: &[Value],
    regexes: &mut RegexCache,
    limits: &Limits,
) -> Result<Value, MethodError> {
    match v {
        Value::String(s) => string_method(s, name, args, regexes, limits),
        Value::List(l) => list_method(l, name, args),
        Value::Map(m) => map_method(m, name, args),
        Value::Int(i) => number_method(v, *i as f64, name, args),
        Value::Float(f) => number_method(v, *f, name, args),
        Value::Bool(b) => match (name, args) {
            ("toString", []) => Ok(Value::String(v.java_string().into())),
            ("booleanValue", []) => Ok(Value::Bool(*b)),
            ("equals", [o]) => Ok(Value::Bool(matches!(o, Value::Bool(x) if x == b))),
            _ => Err(MethodError::NotFound),
        },
        Value::Object(o) => match o.call_typed(name, args) {
            Ok(v) => Ok(v),
            Err(e) => Err(MethodError::Throw(e.kind, e.message)),
        },
        Value::Null => Err(MethodError::NotFound),
    }
}

fn number_method(v: &Value, f: f64, name: &str, args: &[Value]) -> Result<Value, MethodError> {
    Ok(match (name, args) {
        ("toString", []) => Value::String(v.java_string().into()),
        ("intValue", []) | ("longValue", []) => match v {
            Value::Int(i) if name == "intValue" => Value::Int(*i as i32 as i64),
            Value::Int(i) => Value::Int(*i),
            _ => Value::Int(f as i64),
        },
        ("doubleValue", []) | ("floatValue", []) => Value::Float(f),
        ("equals", [o]) => {
            Value::Bool(std::mem::discriminant(v) == std::mem::discriminant(o) && v == o)
        }
        _ => return Err(MethodError::NotFound),
    })
}

fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

fn from_utf16(u: &[u16]) -> Value {
    Value::String(String::from_utf16_lossy(u).into())
}

fn int_arg(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        _ => None,
    }
}

/// A String argument; Java would throw NullPointerException for null.
fn str_arg(v: &Value) -> Result<&str, MethodError> {
    match v {
        Value::String(s) => Ok(s),
        Value::Null => Err(throw("java.lang.NullPointerException")),
        _ => Err(MethodError::NotFound),
    }
}

/// Java's `indexOf(str, from)`: `from` is clamped to the string.
fn find_utf16(hay: &[u16], needle: &[u16], from: usize) -> Option<usize> {
    let from = from.min(hay.len());
    if needle.is_empty() {
        return Some(from);
    }
    if needle.len() > hay.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| hay[i..i + needle.len()] == *needle)
}

fn rfind_utf16(hay: &[u16], needle: &[u16], from: usize) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    let last = (hay.len() - needle.len()).min(from);
    (0..=last)
        .rev()
        .find(|&i| hay[i..i + needle.len()] == *needle)
}

fn check_len(s: &str, limits: &Limits) -> Result<(), MethodError> {
    if s.len() > limits.max_output_bytes {
        return Err(MethodError::Throw(
            RenderErrorKind::Limit,
            "string too long".into(),
        ));
    }
    Ok(())
}

/// Java's `trim()`: strips every char up to U+0020.
fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

fn string_method(
    s: &str,
    name: &str,
    args: &[Value],
    regexes: &mut RegexCache,
    limits: &Limits,
) -> Result<Value, MethodError> {
    let oob = |what: &str| throw(format!("java.lang.StringIndexOutOfBoundsException: {what}"));
    Ok(match (name, args) {
        ("length", []) => Value::Int(s.encode_utf16().count() as i64),
        ("isEmpty", []) => Value::Bool(s.is_empty()),
        ("toString", []) | ("intern", []) => Value::String(s.into()),
        ("toLowerCase", []) => Value::String(s.to_lowercase().into()),
        ("toUpperCase", []) => Value::String(s.to_uppercase().into()),
        ("trim", []) => Value::String(java_trim(s).into()),
        ("strip", []) => Value::String(s.trim().into()),
        ("isBlank", []) => Value::Bool(s.trim().is_empty()),
        ("hashCode", []) => {
            let h = s
                .encode_utf16()
                .fold(0i32, |h, c| h.wrapping_mul(31).wrapping_add(c as i32));
            Value::Int(h as i64)
        }
        ("substring", [b]) | ("substring", [b, _]) => {
            let u = utf16(s);
            let Some(b) = int_arg(b) else {
                return Err(MethodError::NotFound);
            };
            let e = match args.get(1) {
                Some(e) => int_arg(e).ok_or(MethodError::NotFound)?,
                None => u.len() as i64,
            };
            if b < 0 || e > u.len() as i64 || b > e {
                return Err(oob(&format!("begin {b}, end {e}, length {}", u.len())));
            }
            from_utf16(&u[b as usize..e as usize])
        }
        ("charAt", [i]) => {
            let u = utf16(s);
            let i = int_arg(i).ok_or(MethodError::NotFound)?;
            if i < 0 || i >= u.len() as i64 {
                return Err(oob(&format!("index {i}, length {}", u.len())));
            }
            Value::Object(Rc::new(JavaChar(u[i as usize])))
        }
        ("indexOf", [x]) | ("indexOf", [x, _]) => {
            let u = utf16(s);
            let needle = utf16(str_arg(x)?);
            let from = match args.get(1) {
                Some(f) => int_arg(f).ok_or(MethodError::NotFound)?.max(0) as usize,
                None => 0,
            };
            Value::Int(find_utf16(&u, &needle, from).map_or(-1, |i| i as i64))
        }
        ("lastIndexOf", [x]) | ("lastIndexOf", [x, _]) => {
            let u = utf16(s);
            let needle = utf16(str_arg(x)?);
            let from = match args.get(1) {
                Some(f) => {
                    let f = int_arg(f).ok_or(MethodError::NotFound)?;
                    if f < 0 {
                        return Ok(Value::Int(-1));
                    }
                    f as usize
                }
                None => u.len(),
            };
            Value::Int(rfind_utf16(&u, &needle, from).map_or(-1, |i| i as i64))
        }
        ("contains", [x]) => Value::Bool(s.contains(str_arg(x)?)),
        ("startsWith", [x]) => Value::Bool(s.starts_with(str_arg(x)?)),
        ("startsWith", [x, off]) => {
            let u = utf16(s);
            let p = utf16(str_arg(x)?);
            let off = int_arg(off).ok_or(MethodError::NotFound)?;
            Value::Bool(off >= 0 && (off as usize) <= u.len() && u[off as usize..].starts_with(&p))
        }
        ("endsWith", [x]) => Value::Bool(s.ends_with(str_arg(x)?)),
        ("equals", [x]) => Value::Bool(matches!(x, Value::String(o) if &**o == s)),
        ("equalsIgnoreCase", [x]) => Value::Bool(match x {
            Value::String(o) => {
                let a: Vec<char> = s.chars().collect();
                let b: Vec<char> = o.chars().collect();
                a.len() == b.len()
                    && a.iter().zip(&b).all(|(x, y)| {
                        x == y
                            || x.to_uppercase().eq(y.to_uppercase())
                            || x.to_lowercase().eq(y.to_lowercase())
                    })
            }
            _ => false,
        }),
        ("compareTo", [x]) => {
            let a = utf16(s);
            let b = utf16(str_arg(x)?);
            let r = a
                .iter()
                .zip(&b)
                .find(|(x, y)| x != y)
                .map(|(x, y)| *x as i64 - *y as i64)
                .unwrap_or(a.len() as i64 - b.len() as i64);
            Value::Int(r)
        }
        ("concat", [x]) => {
            let r = format!("{s}{}", str_arg(x)?);
            check_len(&r, limits)?;
            Value::String(r.into())
        }
        ("replace", [a, b]) => {
            let (a, b) = (str_arg(a)?, str_arg(b)?);
            let r = if a.is_empty() {
                // Java inserts the replacement around every char.
                let mut r = String::from(b);
                for c in s.chars() {
                    r.push(c);
                    r.push_str(b);
                    if r.len() > limits.max_output_bytes {
                        break;
                    }
                }
                r
            } else {
                s.replace(a, b)
            };
            check_len(&r, limits)?;
            Value::String(r.into())
        }
        ("replaceAll", [re, rep]) | ("replaceFirst", [re, rep]) => {
            let r = regexes.get(str_arg(re)?, false)?;
            let out = jregex::replace(&r, s, str_arg(rep)?, name == "replaceAll", limits)
                .map_err(throw)?;
            Value::String(out.into())
        }
        ("matches", [re]) => {
            let r = regexes.get(str_arg(re)?, true)?;
            Value::Bool(r.is_match(s).map_err(|e| throw(e.to_string()))?)
        }
        ("split", [re]) | ("split", [re, _]) => {
            let limit = match args.get(1) {
                Some(l) => int_arg(l).ok_or(MethodError::NotFound)?,
                None => 0,
            };
            let r = regexes.get(str_arg(re)?, false)?;
            let parts = jregex::split(&r, s, limit).map_err(throw)?;
            Value::List(List::new(
                ListFlavour::Java,
                parts.into_iter().map(Value::from).collect(),
            ))
        }
        _ => return Err(MethodError::NotFound),
    })
}

fn list_method(l: &List, name: &str, args: &[Value]) -> Result<Value, MethodError> {
    if l.flavour() == ListFlavour::Collection
        && (!is_collection_method(name) || (name == "remove" && matches!(args, [Value::Int(_)])))
    {
        return Err(MethodError::NotFound);
    }
    let oob = |i: i64, len: usize| {
        throw(format!(
            "java.lang.IndexOutOfBoundsException: Index {i} out of bounds for length {len}"
        ))
    };
    Ok(match (name, args) {
        ("size", []) => Value::Int(l.len() as i64),
        ("isEmpty", []) => Value::Bool(l.is_empty()),
        ("toString", []) => Value::String(Value::List(l.clone()).java_string().into()),
        ("get", [i]) => {
            let i = int_arg(i).ok_or(MethodError::NotFound)?;
            if i < 0 || i as usize >= l.len() {
                return Err(oob(i, l.len()));
            }
            l.get(i as usize).unwrap_or(Value::Null)
        }
        ("add", [x]) => {
            l.push(x.clone());
            Value::Bool(true)
        }
        ("add", [i, x]) => {
            let i = int_arg(i).ok_or(MethodError::NotFound)?;
            if i < 0 || i as usize > l.len() {
                return Err(oob(i, l.len()));
            }
            l.with_mut(|v| v.insert(i as usize, x.clone()));
            Value::Null
        }
        ("addAll", [Value::List(o)]) => {
            let items = o.items();
            let changed = !items.is_empty();
            l.with_mut(|v| v.extend(items));
            Value::Bool(changed)
        }
        ("set", [i, x]) => {
            let i = int_arg(i).ok_or(MethodError::NotFound)?;
            if i < 0 || i as usize >= l.len() {
                return Err(oob(i, l.len()));
            }
            l.with_mut(|v| std::mem::replace(&mut v[i as usize], x.clone()))
        }
        ("remove", [Value::Int(i)]) => {
            let i = *i;
            if i < 0 || i as usize >= l.len() {
                return Err(oob(i, l.len()));
            }
            l.with_mut(|v| v.remove(i as usize))
        }
        ("remove", [x]) => {
            let pos = l.items().iter().position(|y| y == x);
            match pos {
                Some(p) => {
                    l.with_mut(|v| v.remove(p));
                    Value::Bool(true)
                }
                None => Value::Bool(false),
            }
        }
        ("contains", [x]) => Value::Bool(l.items().iter().any(|y| y == x)),
        ("indexOf", [x]) => Value::Int(
            l.items()
                .iter()
                .position(|y| y == x)
                .map_or(-1, |p| p as i64),
        ),
        ("lastIndexOf", [x]) => Value::Int(
            l.items()
                .iter()
                .rposition(|y| y == x)
                .map_or(-1, |p| p as i64),
        ),
        ("clear", []) => {
            l.with_mut(|v| v.clear());
            Value::Null
        }
        ("subList", [a, b]) => {
            let (a, b) = (
                int_arg(a).ok_or(MethodError::NotFound)?,
                int_arg(b).ok_or(MethodError::NotFound)?,
            );
            if a < 0 || b as usize > l.len() || a > b {
                return Err(oob(b, l.len()));
            }
            let items = l.items()[a as usize..b as usize].to_vec();
            Value::List(List::new(l.flavour(), items))
        }
        ("equals", [o]) => Value::Bool(velocity_eq(&Value::List(l.clone()), o)),
        _ => return Err(MethodError::NotFound),
    })
}

fn collection(items: Vec<Value>) -> Value {
    Value::List(List::new(ListFlavour::Collection, items))
}

/// Methods a `Set`/`Collection` has (no positional access).
fn is_collection_method(name: &str) -> bool {
    matches!(
        name,
        "size"
            | "isEmpty"
            | "toString"
            | "contains"
            | "add"
            | "addAll"
            | "remove"
            | "clear"
            | "equals"
    )
}

fn key_of(v: &Value) -> String {
    v.java_string()
}

fn map_method(m: &crate::value::Map, name: &str, args: &[Value]) -> Result<Value, MethodError> {
    Ok(match (name, args) {
        ("get", [k]) => m.get(&key_of(k)).unwrap_or(Value::Null),
        ("getOrDefault", [k, d]) => m.get(&key_of(k)).unwrap_or_else(|| d.clone()),
        ("put", [k, v]) => m.insert(key_of(k), v.clone()).unwrap_or(Value::Null),
        ("putAll", [Value::Map(o)]) => {
            for (k, v) in o.entries() {
                m.insert(k, v);
            }
            Value::Null
        }
        ("remove", [k]) => m.remove(&key_of(k)).unwrap_or(Value::Null),
        ("containsKey", [k]) => Value::Bool(m.contains_key(&key_of(k))),
        ("containsValue", [v]) => Value::Bool(m.values().iter().any(|x| x == v)),
        ("size", []) => Value::Int(m.len() as i64),
        ("isEmpty", []) => Value::Bool(m.is_empty()),
        ("clear", []) => {
            for k in m.keys() {
                m.remove(&k);
            }
            Value::Null
        }
        ("keySet", []) => collection(m.keys().into_iter().map(Value::from).collect()),
        ("values", []) => collection(m.values()),
        ("entrySet", []) => collection(
            m.entries()
                .into_iter()
                .map(|(key, value)| Value::Object(Rc::new(Entry { key, value })))
                .collect(),
        ),
        ("toString", []) => Value::String(Value::Map(m.clone()).java_string().into()),
        ("equals", [o]) => Value::Bool(velocity_eq(&Value::Map(m.clone()), o)),
        _ => return Err(MethodError::NotFound),
    })
}
