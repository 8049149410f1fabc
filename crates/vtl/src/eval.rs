//! The renderer: walks the AST against a `Context`, with Velocity 1.7's evaluation rules.

use std::any::Any;
use std::rc::Rc;

use crate::Context;
use crate::ast::{BinOp, Block, Expr, Node, Part, Pos, RefExpr};
use crate::error::{RenderError, RenderErrorKind};
use crate::methods::{self, MethodError, RegexCache};
use crate::value::{HostObject, List, ListFlavour, Map, MapFlavour, Value};
use crate::{Limits, Template};

pub(crate) enum Flow {
    Normal,
    Break,
    Stop,
}

pub(crate) struct Renderer<'a> {
    tpl: &'a Template,
    ctx: &'a mut Context,
    limits: Limits,
    /// Macro argument frames; only the innermost is visible.
    locals: Vec<crate::FastMap<String, Value>>,
    iterations: usize,
    depth: usize,
    macro_depth: usize,
    pub(crate) regexes: RegexCache,
}

/// `$foreach`: Velocity's `ForeachScope`, which is also a (normally empty) map.
struct ForeachScope {
    index: i64,
    has_next: bool,
    parent: Value,
    storage: Map,
}

impl HostObject for ForeachScope {
    fn property(&self, name: &str) -> Option<Value> {
        Some(match name {
            "index" => Value::Int(self.index),
            "count" => Value::Int(self.index + 1),
            "hasNext" => Value::Bool(self.has_next),
            "first" => Value::Bool(self.index == 0),
            "last" => Value::Bool(!self.has_next),
            "parent" => self.parent.clone(),
            _ => return self.storage.get(name),
        })
    }

    fn call(&self, method: &str, args: &[Value]) -> Result<Value, String> {
        let prop = match (method, args) {
            ("hasNext", []) | ("getHasNext", []) => "hasNext",
            ("getIndex", []) => "index",
            ("getCount", []) => "count",
            ("isFirst", []) | ("getFirst", []) => "first",
            ("isLast", []) | ("getLast", []) => "last",
            ("getParent", []) => "parent",
            _ => {
                let storage = Value::Map(self.storage.clone());
                let mut regexes = RegexCache::default();
                return match methods::call(&storage, method, args, &mut regexes, &Limits::default())
                {
                    Ok(v) => Ok(v),
                    Err(MethodError::NotFound) => Ok(Value::Null),
                    Err(MethodError::Throw(_, m)) => Err(m),
                };
            }
        };
        Ok(self.property(prop).unwrap_or(Value::Null))
    }

    fn render(&self) -> String {
        Value::Map(self.storage.clone()).java_string()
    }
}

/// A `#define` block: renders its body, in the current context, wherever it is referenced.
pub(crate) struct DefineBlock {
    body: Block,
}

impl HostObject for DefineBlock {
    fn property(&self, _name: &str) -> Option<Value> {
        None
    }
    fn call(&self, _method: &str, _args: &[Value]) -> Result<Value, String> {
        Ok(Value::Null)
    }
    fn render(&self) -> String {
        String::new()
    }
    fn as_any(&self) -> Option<&dyn Any> {
        Some(self)
    }
}

/// Errors without a better position (output size, recursion) point at the template's start.
fn err(kind: RenderErrorKind, pos: Pos, message: impl Into<String>) -> RenderError {
    RenderError {
        kind,
        line: (pos.line as usize).max(1),
        column: (pos.col as usize).max(1),
        message: message.into(),
    }
}

impl<'a> Renderer<'a> {
    pub(crate) fn new(tpl: &'a Template, ctx: &'a mut Context) -> Renderer<'a> {
        Renderer {
            tpl,
            ctx,
            limits: tpl.limits,
            locals: Vec::new(),
            iterations: 0,
            depth: 0,
            macro_depth: 0,
            regexes: RegexCache::default(),
        }
    }

    pub(crate) fn run(&mut self, out: &mut String) -> Result<(), RenderError> {
        let nodes = self.tpl.nodes.clone();
        self.block(&nodes, out)?;
        Ok(())
    }

    fn check_output(&self, out: &str, pos: Pos) -> Result<(), RenderError> {
        if out.len() > self.limits.max_output_bytes {
            return Err(err(
                RenderErrorKind::Limit,
                pos,
                format!("output exceeds {} bytes", self.limits.max_output_bytes),
            ));
        }
        Ok(())
    }

    fn block(&mut self, nodes: &[Node], out: &mut String) -> Result<Flow, RenderError> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            self.depth -= 1;
            return Err(err(
                RenderErrorKind::Limit,
                Pos::default(),
                "template recursion too deep",
            ));
        }
        let r = self.block_inner(nodes, out);
        self.depth -= 1;
        r
    }

    fn block_inner(&mut self, nodes: &[Node], out: &mut String) -> Result<Flow, RenderError> {
        for node in nodes {
            match node {
                Node::Text(t) => {
                    out.push_str(t);
                    self.check_output(out, Pos::default())?;
                }
                Node::Ref(r) => {
                    let v = self.eval_ref(&r.expr)?;
                    let half = r.escapes / 2;
                    out.extend(std::iter::repeat_n('\\', half));
                    if r.escapes % 2 == 1 {
                        if v.is_null() {
                            out.push('\\');
                        }
                        out.push_str(&r.literal);
                    } else {
                        self.write_value(&v, out, r.expr.pos)?;
                    }
                    self.check_output(out, r.expr.pos)?;
                }
                Node::Set { target, value, pos } => {
                    let v = self.eval(value)?;
                    self.assign(target, v, *pos)?;
                }
                Node::If {
                    branches,
                    otherwise,
                } => {
                    let mut chosen = None;
                    for (cond, body) in branches {
                        if self.truthy(cond)? {
                            chosen = Some(body.clone());
                            break;
                        }
                    }
                    if let Some(body) = chosen.or_else(|| otherwise.clone()) {
                        match self.block(&body, out)? {
                            Flow::Normal => {}
                            f => return Ok(f),
                        }
                    }
                }
                Node::Foreach {
                    var,
                    iter,
                    body,
                    pos,
                } => {
                    if let Flow::Stop = self.foreach(var, iter, body, *pos, out)? {
                        return Ok(Flow::Stop);
                    }
                }
                Node::Break => return Ok(Flow::Break),
                Node::Stop => return Ok(Flow::Stop),
                Node::Define { name, body } => {
                    let v = Value::Object(Rc::new(DefineBlock { body: body.clone() }));
                    self.set_var(name, v);
                }
                Node::MacroCall { name, args, pos } => {
                    if let Flow::Stop = self.macro_call(name, args, *pos, out)? {
                        return Ok(Flow::Stop);
                    }
                }
            }
        }
        Ok(Flow::Normal)
    }

    fn write_value(&mut self, v: &Value, out: &mut String, pos: Pos) -> Result<(), RenderError> {
        if let Value::Object(o) = v
            && let Some(d) = o.as_any().and_then(|a| a.downcast_ref::<DefineBlock>())
        {
            let body = d.body.clone();
            if let Flow::Stop = self.block(&body, out)? {
                return Ok(());
            }
            return self.check_output(out, pos);
        }
        out.push_str(&v.render());
        Ok(())
    }

    fn foreach(
        &mut self,
        var: &str,
        iter: &Expr,
        body: &Block,
        pos: Pos,
        out: &mut String,
    ) -> Result<Flow, RenderError> {
        let source = self.eval(iter)?;
        let n = match &source {
            Value::List(l) => l.len(),
            Value::Map(m) => m.len(),
            _ => return Ok(Flow::Normal),
        };
        let saved: Vec<(&str, Option<Value>)> =
            [var, "foreach", "velocityCount", "velocityHasNext"]
                .into_iter()
                .map(|k| (k, self.ctx.get(k)))
                .collect();
        let parent = saved[1].1.clone().unwrap_or(Value::Null);
        let mut flow = Flow::Normal;
        let mut i = 0;
        loop {
            // Java's iterator: hasNext() compares with the current size, next() fails once the
            // collection changed size (ConcurrentModificationException).
            let len = match &source {
                Value::List(l) => l.len(),
                Value::Map(m) => m.len(),
                _ => 0,
            };
            if i >= len || i >= self.limits.max_foreach_iterations {
                break;
            }
            if len != n {
                self.restore(saved);
                return Err(err(
                    RenderErrorKind::Template,
                    pos,
                    "java.util.ConcurrentModificationException: collection modified by #foreach body",
                ));
            }
            let item = match &source {
                Value::List(l) => l.get(i),
                Value::Map(m) => m.values().into_iter().nth(i),
                _ => None,
            }
            .unwrap_or(Value::Null);
            self.iterations += 1;
            if self.iterations > self.limits.max_total_iterations {
                self.restore(saved);
                return Err(err(
                    RenderErrorKind::Limit,
                    pos,
                    format!(
                        "more than {} #foreach iterations",
                        self.limits.max_total_iterations
                    ),
                ));
            }
            if item.is_null() {
                self.ctx.remove(var);
            } else {
                self.ctx.insert(var, item);
            }
            let has_next = i + 1 < n;
            self.ctx.insert(
                "foreach",
                Value::Object(Rc::new(ForeachScope {
                    index: i as i64,
                    has_next,
                    parent: parent.clone(),
                    storage: Map::new(MapFlavour::Java),
                })),
            );
            self.ctx.insert("velocityCount", Value::Int(i as i64 + 1));
            self.ctx.insert("velocityHasNext", Value::Bool(has_next));
            i += 1;
            match self.block(body, out) {
                Ok(Flow::Normal) => {}
                Ok(Flow::Break) => break,
                Ok(Flow::Stop) => {
                    flow = Flow::Stop;
                    break;
                }
                Err(e) => {
                    self.restore(saved);
                    return Err(e);
                }
            }
        }
        self.restore(saved);
        Ok(flow)
    }

    fn restore(&mut self, saved: Vec<(&str, Option<Value>)>) {
        for (k, v) in saved {
            match v {
                Some(v) => self.ctx.insert(k, v),
                None => {
                    self.ctx.remove(k);
                }
            }
        }
    }

    fn macro_call(
        &mut self,
        name: &str,
        args: &[Expr],
        pos: Pos,
        out: &mut String,
    ) -> Result<Flow, RenderError> {
        let Some(def) = self.tpl.macros.get(name).cloned() else {
            return Ok(Flow::Normal);
        };
        if self.macro_depth >= self.limits.max_macro_depth {
            return Err(err(
                RenderErrorKind::Limit,
                pos,
                format!(
                    "macro #{name} nested more than {} deep",
                    self.limits.max_macro_depth
                ),
            ));
        }
        let mut frame = crate::FastMap::default();
        for (i, p) in def.params.iter().enumerate() {
            let v = match args.get(i) {
                Some(e) => self.eval(e)?,
                None => Value::Null,
            };
            frame.insert(p.clone(), v);
        }
        self.locals.push(frame);
        self.macro_depth += 1;
        let r = self.block(&def.body, out);
        self.macro_depth -= 1;
        self.locals.pop();
        Ok(match r? {
            Flow::Stop => Flow::Stop,
            _ => Flow::Normal,
        })
    }

    fn get_var(&self, name: &str) -> Value {
        if let Some(frame) = self.locals.last()
            && let Some(v) = frame.get(name)
        {
            return v.clone();
        }
        self.ctx.get(name).unwrap_or(Value::Null)
    }

    fn set_var(&mut self, name: &str, v: Value) {
        if let Some(frame) = self.locals.last_mut()
            && let Some(slot) = frame.get_mut(name)
        {
            *slot = v;
            return;
        }
        self.ctx.insert(name, v);
    }

    fn assign(&mut self, target: &RefExpr, v: Value, pos: Pos) -> Result<(), RenderError> {
        // Velocity leaves the target unchanged when the value is null (directive.set.null.allowed).
        if v.is_null() {
            return Ok(());
        }
        let Some((last, prefix)) = target.parts.split_last() else {
            self.set_var(&target.root, v);
            return Ok(());
        };
        let mut cur = self.get_var(&target.root);
        for p in prefix {
            if cur.is_null() {
                return Ok(());
            }
            cur = self.apply_part(cur, p, target.pos)?;
        }
        match (last, &cur) {
            (Part::Prop(name), Value::Map(m)) => {
                m.insert(name.clone(), v);
            }
            (Part::Index(e), Value::Map(m)) => {
                let k = self.eval(e)?;
                m.insert(k.java_string(), v);
            }
            (Part::Index(e), Value::List(l)) => {
                let i = self.eval(e)?;
                let len = l.len();
                let idx = match i {
                    Value::Int(i) => normalize_index(i, len),
                    _ => None,
                };
                match idx {
                    Some(idx) => l.with_mut(|items| {
                        if let Some(slot) = items.get_mut(idx) {
                            *slot = v;
                        }
                    }),
                    None => {
                        return Err(err(
                            RenderErrorKind::Template,
                            pos,
                            format!("index {} out of bounds for length {len}", i.java_string()),
                        ));
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    pub(crate) fn eval_ref(&mut self, r: &RefExpr) -> Result<Value, RenderError> {
        let mut cur = self.get_var(&r.root);
        for p in &r.parts {
            if cur.is_null() {
                return Ok(Value::Null);
            }
            cur = self.apply_part(cur, p, r.pos)?;
        }
        Ok(cur)
    }

    fn apply_part(&mut self, cur: Value, part: &Part, pos: Pos) -> Result<Value, RenderError> {
        match part {
            Part::Prop(name) => Ok(methods::property(&cur, name)),
            Part::Method(name, args) => {
                let mut vals = Vec::with_capacity(args.len());
                for a in args {
                    vals.push(self.eval(a)?);
                }
                match methods::call(&cur, name, &vals, &mut self.regexes, &self.limits) {
                    Ok(v) => Ok(v),
                    Err(MethodError::NotFound) => Ok(Value::Null),
                    Err(MethodError::Throw(kind, msg)) => Err(err(
                        kind,
                        pos,
                        format!("invocation of method '{name}' failed: {msg}"),
                    )),
                }
            }
            Part::Index(e) => {
                let i = self.eval(e)?;
                match &cur {
                    Value::List(l) if l.flavour() == ListFlavour::Collection => Ok(Value::Null),
                    Value::List(l) => match i {
                        Value::Int(n) => match normalize_index(n, l.len()) {
                            Some(idx) => Ok(l.get(idx).unwrap_or(Value::Null)),
                            None => Err(err(
                                RenderErrorKind::Template,
                                pos,
                                format!("index {n} out of bounds for length {}", l.len()),
                            )),
                        },
                        _ => Ok(Value::Null),
                    },
                    Value::Map(m) => {
                        if i.is_null() {
                            return Ok(Value::Null);
                        }
                        Ok(m.get(&i.java_string()).unwrap_or(Value::Null))
                    }
                    Value::Object(_) => {
                        match methods::call(&cur, "get", &[i], &mut self.regexes, &self.limits) {
                            Ok(v) => Ok(v),
                            Err(MethodError::NotFound) => Ok(Value::Null),
                            Err(MethodError::Throw(kind, msg)) => Err(err(kind, pos, msg)),
                        }
                    }
                    _ => Ok(Value::Null),
                }
            }
        }
    }

    /// Velocity's `evaluate()`: how a node reads as a condition.
    fn truthy(&mut self, e: &Expr) -> Result<bool, RenderError> {
        Ok(match e {
            Expr::Ref(r) => match self.eval_ref(r)? {
                Value::Null => false,
                Value::Bool(b) => b,
                _ => true,
            },
            Expr::Bool(b) => *b,
            Expr::Not(x) => !self.truthy(x)?,
            Expr::Binary(op, l, r, _, _) => match op {
                BinOp::And => self.truthy(l)? && self.truthy(r)?,
                BinOp::Or => self.truthy(l)? || self.truthy(r)?,
                BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                    matches!(self.eval(e)?, Value::Bool(true))
                }
                // Velocity's math nodes do not implement evaluate(): false, operands unevaluated.
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => false,
            },
            // Literals do not implement evaluate() either.
            Expr::Str(_)
            | Expr::Interp(_)
            | Expr::Int(_)
            | Expr::Float(_)
            | Expr::List(_)
            | Expr::Map(_)
            | Expr::Range(..) => false,
        })
    }

    pub(crate) fn eval(&mut self, e: &Expr) -> Result<Value, RenderError> {
        Ok(match e {
            Expr::Str(s) => Value::String(s.as_str().into()),
            Expr::Interp(body) => {
                let mut s = String::new();
                self.block(body, &mut s)?;
                Value::String(s.into())
            }
            Expr::Int(i) => Value::Int(*i),
            Expr::Float(f) => Value::Float(*f),
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Ref(r) => self.eval_ref(r)?,
            Expr::List(items) => {
                let mut v = Vec::with_capacity(items.len());
                for x in items {
                    v.push(self.eval(x)?);
                }
                Value::List(List::new(ListFlavour::Java, v))
            }
            Expr::Map(entries) => {
                let m = Map::new(MapFlavour::Java);
                for (k, v) in entries {
                    let k = self.eval(k)?;
                    let v = self.eval(v)?;
                    m.insert(k.java_string(), v);
                }
                Value::Map(m)
            }
            Expr::Range(a, b, pos) => {
                let a = self.eval(a)?;
                let b = self.eval(b)?;
                let (Some(a), Some(b)) = (range_bound(&a), range_bound(&b)) else {
                    return Ok(Value::Null);
                };
                let len = (a - b).unsigned_abs().saturating_add(1);
                if len > self.limits.max_total_iterations as u64 {
                    return Err(err(
                        RenderErrorKind::Limit,
                        *pos,
                        format!("range of {len} elements is too large"),
                    ));
                }
                let items: Vec<Value> = if a <= b {
                    (a..=b).map(Value::Int).collect()
                } else {
                    (b..=a).rev().map(Value::Int).collect()
                };
                Value::List(List::new(ListFlavour::Java, items))
            }
            Expr::Not(x) => Value::Bool(!self.truthy(x)?),
            Expr::Binary(op, l, r, pos, _) => match op {
                BinOp::And => Value::Bool(self.truthy(l)? && self.truthy(r)?),
                BinOp::Or => Value::Bool(self.truthy(l)? || self.truthy(r)?),
                _ => {
                    let mut a = self.eval(l)?;
                    let mut b = self.eval(r)?;
                    if *op == BinOp::Add {
                        // Concatenation prints a null operand as its source text.
                        if a.is_null() && matches!(b, Value::String(_)) {
                            a = Value::str(literal_of(l));
                        } else if b.is_null() && matches!(a, Value::String(_)) {
                            b = Value::str(literal_of(r));
                        }
                    }
                    self.binary(*op, a, b, *pos)?
                }
            },
        })
    }

    fn binary(&mut self, op: BinOp, a: Value, b: Value, pos: Pos) -> Result<Value, RenderError> {
        Ok(match op {
            BinOp::Eq => Value::Bool(velocity_eq(&a, &b)),
            BinOp::Ne => Value::Bool(!velocity_eq(&a, &b)),
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let Some(ord) = num_cmp(&a, &b) else {
                    return Ok(Value::Bool(false));
                };
                Value::Bool(match op {
                    BinOp::Lt => ord.is_lt(),
                    BinOp::Le => ord.is_le(),
                    BinOp::Gt => ord.is_gt(),
                    _ => ord.is_ge(),
                })
            }
            BinOp::Add if matches!(a, Value::String(_)) || matches!(b, Value::String(_)) => {
                if a.is_null() || b.is_null() {
                    return Ok(Value::Null);
                }
                let mut s = a.java_string();
                s.push_str(&b.java_string());
                if s.len() > self.limits.max_output_bytes {
                    return Err(err(RenderErrorKind::Limit, pos, "string too long"));
                }
                Value::String(s.into())
            }
            _ => arith(op, &a, &b),
        })
    }

    pub(crate) fn into_parts(self) -> &'a mut Context {
        self.ctx
    }
}

fn literal_of(e: &Expr) -> &str {
    match e {
        Expr::Ref(r) => &r.literal,
        Expr::Binary(_, _, _, _, lit) => lit,
        _ => "",
    }
}

fn normalize_index(i: i64, len: usize) -> Option<usize> {
    let len = len as i64;
    let idx = if i < 0 { i + len } else { i };
    if (0..len).contains(&idx) {
        Some(idx as usize)
    } else {
        None
    }
}

fn range_bound(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Float(f) if f.is_finite() => Some(*f as i64),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

enum Num {
    I(i64),
    F(f64),
}

fn num(v: &Value) -> Option<Num> {
    match v {
        Value::Int(i) => Some(Num::I(*i)),
        Value::Float(f) => Some(Num::F(*f)),
        _ => None,
    }
}

fn num_cmp(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (num(a)?, num(b)?) {
        (Num::I(x), Num::I(y)) => Some(x.cmp(&y)),
        (Num::I(x), Num::F(y)) => (x as f64).partial_cmp(&y),
        (Num::F(x), Num::I(y)) => x.partial_cmp(&(y as f64)),
        (Num::F(x), Num::F(y)) => x.partial_cmp(&y),
    }
}

/// Integer results beyond Long become BigIntegers in Velocity; their digits are all a template can
/// observe, so they are kept as text.
fn int_result(r: i128) -> Value {
    match i64::try_from(r) {
        Ok(i) => Value::Int(i),
        Err(_) => Value::String(r.to_string().into()),
    }
}

fn arith(op: BinOp, a: &Value, b: &Value) -> Value {
    let (Some(x), Some(y)) = (num(a), num(b)) else {
        return Value::Null;
    };
    match (x, y) {
        (Num::I(x), Num::I(y)) => {
            let (x, y) = (x as i128, y as i128);
            match op {
                BinOp::Add => int_result(x + y),
                BinOp::Sub => int_result(x - y),
                BinOp::Mul => int_result(x * y),
                BinOp::Div if y == 0 => Value::Null,
                BinOp::Div => int_result(x / y),
                BinOp::Mod if y == 0 => Value::Null,
                BinOp::Mod => int_result(x % y),
                _ => Value::Null,
            }
        }
        (x, y) => {
            let f = |n: Num| match n {
                Num::I(i) => i as f64,
                Num::F(f) => f,
            };
            let (x, y) = (f(x), f(y));
            match op {
                BinOp::Add => Value::Float(x + y),
                BinOp::Sub => Value::Float(x - y),
                BinOp::Mul => Value::Float(x * y),
                BinOp::Div if y == 0.0 => Value::Null,
                BinOp::Div => Value::Float(x / y),
                BinOp::Mod if y == 0.0 => Value::Null,
                BinOp::Mod => Value::Float(x % y),
                _ => Value::Null,
            }
        }
    }
}

/// Velocity's `==`: numbers by value, same kinds by `equals`, different kinds by their `toString()`.
/// API Gateway also treats null as equal to the empty string.
pub(crate) fn velocity_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, Value::String(s)) | (Value::String(s), Value::Null) => s.is_empty(),
        (Value::Null, _) | (_, Value::Null) => false,
        _ => {
            if let Some(o) = num_cmp(a, b) {
                return o.is_eq();
            }
            let same_kind = std::mem::discriminant(a) == std::mem::discriminant(b);
            // Host objects (characters among them) compare by their text.
            if same_kind && !matches!(a, Value::Object(_)) {
                a == b
            } else {
                a.java_string() == b.java_string()
            }
        }
    }
}
