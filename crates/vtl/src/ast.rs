//! The parsed form of a template. Owns no `Rc`, so a `Template` is `Send + Sync`.

use std::sync::Arc;

pub(crate) type Block = Arc<[Node]>;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Pos {
    pub line: u32,
    pub col: u32,
}

#[derive(Debug)]
pub(crate) enum Node {
    Text(String),
    Ref(RefNode),
    Set {
        target: RefExpr,
        value: Expr,
        pos: Pos,
    },
    If {
        branches: Vec<(Expr, Block)>,
        otherwise: Option<Block>,
    },
    Foreach {
        var: String,
        iter: Expr,
        body: Block,
        pos: Pos,
    },
    Break,
    Stop,
    Define {
        name: String,
        body: Block,
    },
    MacroCall {
        name: String,
        args: Vec<Expr>,
        pos: Pos,
    },
}

/// A reference written in the template text.
#[derive(Debug)]
pub(crate) struct RefNode {
    pub expr: RefExpr,
    /// Backslashes written before the `$`.
    pub escapes: usize,
    /// The source text from `$` to the end of the reference.
    pub literal: String,
}

#[derive(Debug)]
pub(crate) struct RefExpr {
    pub root: String,
    pub parts: Vec<Part>,
    pub pos: Pos,
    /// The source text, which Velocity prints for a null operand of a string concatenation.
    pub literal: String,
}

#[derive(Debug)]
pub(crate) enum Part {
    Prop(String),
    Method(String, Vec<Expr>),
    Index(Expr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug)]
pub(crate) enum Expr {
    Str(String),
    /// A double-quoted string with `$` or `#` in it: rendered as a template.
    Interp(Block),
    Int(i64),
    Float(f64),
    Bool(bool),
    Ref(RefExpr),
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    Range(Box<Expr>, Box<Expr>, Pos),
    Not(Box<Expr>),
    /// Operator, operands, position, and the source text (see `RefExpr::literal`).
    Binary(BinOp, Box<Expr>, Box<Expr>, Pos, String),
}

#[derive(Debug)]
pub(crate) struct MacroDef {
    pub params: Vec<String>,
    pub body: Block,
}
