//! Which parts of a variable a template can reach, found from its syntax tree. Hosts use this to
//! build only what a template names (`$context` has dozens of entries; most templates read two).

use std::collections::BTreeSet;

use crate::ast::{Block, Expr, Node, Part, RefExpr};

/// How a template reaches one of its variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VariableUse {
    /// Never named.
    Unused,
    /// Only as `$var.name…` (a property access first), with these names.
    Properties(BTreeSet<String>),
    /// Some other way (bare, passed on, a method call or index on it, assigned): the whole value.
    Whole,
}

impl VariableUse {
    /// Whether the template can see property `name` of the variable.
    pub fn reaches(&self, name: &str) -> bool {
        match self {
            VariableUse::Unused => false,
            VariableUse::Properties(names) => names.contains(name),
            VariableUse::Whole => true,
        }
    }

    pub fn is_used(&self) -> bool {
        !matches!(self, VariableUse::Unused)
    }

    fn add(&mut self, r: &RefExpr) {
        let name = match r.parts.first() {
            Some(Part::Prop(name)) => name,
            _ => {
                *self = VariableUse::Whole;
                return;
            }
        };
        match self {
            VariableUse::Whole => {}
            VariableUse::Properties(names) => {
                names.insert(name.clone());
            }
            VariableUse::Unused => *self = VariableUse::Properties(BTreeSet::from([name.clone()])),
        }
    }
}

/// Walks blocks and expressions, recording the uses of variable `root`.
pub(crate) struct Finder<'a> {
    pub root: &'a str,
    pub found: VariableUse,
}

impl Finder<'_> {
    pub fn block(&mut self, block: &Block) {
        for node in block.iter() {
            self.node(node);
        }
    }

    fn node(&mut self, node: &Node) {
        match node {
            Node::Text(_) | Node::Break | Node::Stop => {}
            Node::Ref(r) => self.reference(&r.expr),
            Node::Set { target, value, .. } => {
                if target.root == self.root && target.parts.is_empty() {
                    self.found = VariableUse::Whole;
                }
                self.reference(target);
                self.expr(value);
            }
            Node::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    self.expr(cond);
                    self.block(body);
                }
                if let Some(b) = otherwise {
                    self.block(b);
                }
            }
            Node::Foreach {
                var, iter, body, ..
            } => {
                if var == self.root {
                    self.found = VariableUse::Whole;
                }
                self.expr(iter);
                self.block(body);
            }
            Node::Define { body, .. } => self.block(body),
            Node::MacroCall { args, .. } => {
                for a in args {
                    self.expr(a);
                }
            }
        }
    }

    fn reference(&mut self, r: &RefExpr) {
        if r.root == self.root {
            self.found.add(r);
        }
        for part in &r.parts {
            match part {
                Part::Prop(_) => {}
                Part::Method(_, args) => {
                    for a in args {
                        self.expr(a);
                    }
                }
                Part::Index(e) => self.expr(e),
            }
        }
    }

    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Str(_) | Expr::Int(_) | Expr::Float(_) | Expr::Bool(_) => {}
            Expr::Interp(b) => self.block(b),
            Expr::Ref(r) => self.reference(r),
            Expr::List(items) => {
                for i in items {
                    self.expr(i);
                }
            }
            Expr::Map(pairs) => {
                for (k, v) in pairs {
                    self.expr(k);
                    self.expr(v);
                }
            }
            Expr::Range(a, b, _) => {
                self.expr(a);
                self.expr(b);
            }
            Expr::Not(a) => self.expr(a),
            Expr::Binary(_, a, b, _, _) => {
                self.expr(a);
                self.expr(b);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::VariableUse;
    use crate::Template;

    fn uses(src: &str) -> VariableUse {
        Template::parse(src)
            .expect("parses")
            .variable_use("context")
    }

    fn props(names: &[&str]) -> VariableUse {
        VariableUse::Properties(names.iter().map(|n| n.to_string()).collect())
    }

    #[test]
    fn property_accesses_are_collected_everywhere() {
        assert_eq!(uses(r#"{"a":"$input.body"}"#), VariableUse::Unused);
        assert_eq!(
            uses(r#"{"s":"$context.stage","ip":"$context.identity.sourceIp"}"#),
            props(&["identity", "stage"])
        );
        assert_eq!(
            uses("#if($context.httpMethod == 'GET')$!{context.path}#end"),
            props(&["httpMethod", "path"])
        );
        assert_eq!(
            uses("#set($context.responseOverride.status = 404)#set($x = \"$context.requestId\")"),
            props(&["requestId", "responseOverride"])
        );
        assert_eq!(
            uses("#foreach($k in $context.identity.keySet())$k#end"),
            props(&["identity"])
        );
        assert_eq!(
            uses("#macro(m $x)$context.apiId#end#m($input.body)"),
            props(&["apiId"])
        );
        assert_eq!(
            uses("$util.escapeJavaScript($context.stage)"),
            props(&["stage"])
        );
        assert_eq!(uses("#define($d)$context.stage#end$d"), props(&["stage"]));
    }

    #[test]
    fn anything_else_needs_the_whole_value() {
        for src in [
            "$context",
            "$context.get('stage')",
            "$context['stage']",
            "#set($c = $context)$c.stage",
            "#set($context = {})",
            "#macro(m $x)$x.stage#end#m($context)",
            "#macro(m $context)$context#end",
            "#foreach($e in $context.entrySet())$e#end$context.keySet()",
            "#foreach($context in [1])#end",
        ] {
            assert_eq!(uses(src), VariableUse::Whole, "{src}");
        }
    }
}
