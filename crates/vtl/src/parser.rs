//! Hand-written parser reproducing Velocity 1.7's lexer where it shows in the output: which text a
//! directive swallows, when `$` and `#` are literal, and how escapes work.

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::{BinOp, Block, Expr, MacroDef, Node, Part, Pos, RefExpr, RefNode};
use crate::error::ParseError;

/// Deepest nesting of blocks (weight 2) and expressions (weight 1) accepted: keeps the recursive
/// parser and renderer within a 2 MiB thread stack even in debug builds.
const MAX_DEPTH: usize = 200;

pub(crate) struct Parsed {
    pub nodes: Vec<Node>,
    pub macros: HashMap<String, Arc<MacroDef>>,
}

pub(crate) fn parse(src: &str) -> Result<Parsed, ParseError> {
    let mut p = Parser::new(src, Pos { line: 1, col: 1 });
    let (nodes, end) = p.block(false)?;
    debug_assert!(matches!(end, Stop::Eof));
    Ok(Parsed {
        nodes,
        macros: p.macros,
    })
}

/// What stopped a block.
enum Stop {
    Eof,
    End,
    Else,
    ElseIf(Expr),
}

struct Parser {
    s: Vec<char>,
    i: usize,
    line_starts: Vec<usize>,
    base: Pos,
    depth: usize,
    macros: HashMap<String, Arc<MacroDef>>,
    /// Macro names usable as directives so far (defined earlier, or being defined).
    macro_names: Vec<String>,
}

/// How much of the pending text survives a `#set`: Velocity's `#set` token swallows the blanks before
/// it when they start a new token (not when they end a run of ordinary text). A literal `#` and the
/// non-blank characters after it form a token of their own.
fn set_prefix_keep(text: &str) -> usize {
    let blanks_start = text.trim_end_matches([' ', '\t']).len();
    if blanks_start == text.len() {
        return text.len();
    }
    let before = &text[..blanks_start];
    let chunk_start = before.rfind(|c: char| c.is_whitespace()).map_or(0, |p| {
        p + before[p..].chars().next().map_or(1, char::len_utf8)
    });
    let chunk = &before[chunk_start..];
    if blanks_start == 0
        || before.ends_with(['\\', '$'])
        || (chunk.contains('#') && !chunk.contains(['(', ')']))
    {
        // A lone `$` or `#` token before the blanks goes with them.
        if before.ends_with(['$', '#']) {
            blanks_start - 1
        } else {
            blanks_start
        }
    } else {
        text.len()
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Parser {
    fn new(src: &str, base: Pos) -> Parser {
        let s: Vec<char> = src.chars().collect();
        let mut line_starts = vec![0];
        for (i, c) in s.iter().enumerate() {
            if *c == '\n' {
                line_starts.push(i + 1);
            }
        }
        Parser {
            s,
            i: 0,
            line_starts,
            base,
            depth: 0,
            macros: HashMap::new(),
            macro_names: Vec::new(),
        }
    }

    fn pos_at(&self, i: usize) -> Pos {
        let line = self.line_starts.partition_point(|&st| st <= i).max(1) - 1;
        let col = i - self.line_starts[line];
        if line == 0 {
            Pos {
                line: self.base.line,
                col: self.base.col + col as u32,
            }
        } else {
            Pos {
                line: self.base.line + line as u32,
                col: col as u32 + 1,
            }
        }
    }

    fn err_at<T>(&self, i: usize, msg: impl Into<String>) -> Result<T, ParseError> {
        let p = self.pos_at(i);
        Err(ParseError {
            line: p.line as usize,
            column: p.col as usize,
            message: msg.into(),
        })
    }

    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn at(&self, i: usize) -> Option<char> {
        self.s.get(i).copied()
    }

    fn starts_with(&self, i: usize, lit: &str) -> bool {
        lit.chars()
            .enumerate()
            .all(|(k, c)| self.at(i + k) == Some(c))
    }

    /// Blocks weigh 2: their parser and renderer frames are about twice an expression's.
    fn enter(&mut self, weight: usize) -> Result<(), ParseError> {
        self.depth += weight;
        if self.depth > MAX_DEPTH {
            self.depth -= weight;
            return self.err_at(self.i, "template nested too deeply");
        }
        Ok(())
    }

    fn leave(&mut self, weight: usize) {
        self.depth -= weight;
    }

    /// Velocity's directive tokens swallow trailing blanks when a newline follows them.
    fn eat_newline(&mut self) {
        let mut j = self.i;
        while matches!(self.at(j), Some(' ' | '\t')) {
            j += 1;
        }
        match self.at(j) {
            Some('\n') => self.i = j + 1,
            Some('\r') => {
                self.i = if self.at(j + 1) == Some('\n') {
                    j + 2
                } else {
                    j + 1
                }
            }
            _ => {}
        }
    }

    fn block(&mut self, inside: bool) -> Result<(Vec<Node>, Stop), ParseError> {
        self.enter(2)?;
        let r = self.block_inner(inside);
        self.leave(2);
        r
    }

    fn block_inner(&mut self, inside: bool) -> Result<(Vec<Node>, Stop), ParseError> {
        let mut nodes: Vec<Node> = Vec::new();
        let mut text = String::new();
        let flush = |nodes: &mut Vec<Node>, text: &mut String| {
            if !text.is_empty() {
                if let Some(Node::Text(t)) = nodes.last_mut() {
                    t.push_str(text);
                } else {
                    nodes.push(Node::Text(std::mem::take(text)));
                }
                text.clear();
            }
        };
        loop {
            let Some(c) = self.peek() else {
                if inside {
                    return self.err_at(self.i, "missing #end");
                }
                flush(&mut nodes, &mut text);
                return Ok((nodes, Stop::Eof));
            };
            match c {
                '$' => {
                    if let Some(r) = self.text_reference(self.i, 0)? {
                        flush(&mut nodes, &mut text);
                        self.after_reference(&r, &mut text);
                        nodes.push(Node::Ref(r));
                    } else if self.dollar_before_directive(self.i) {
                        // Velocity's lexer swallows a `$` or `$!` that runs into `#if`, `#set`, ...
                        // or a block comment; the text before it stays.
                        flush(&mut nodes, &mut text);
                        self.i += if self.at(self.i + 1) == Some('!') {
                            2
                        } else {
                            1
                        };
                    } else if let Some(end) = self.dollar_before_word(self.i) {
                        // `$#foreach`, `$#break`, `$#mymacro`: Velocity keeps all of it as text.
                        text.extend(&self.s[self.i..end]);
                        self.i = end;
                    } else if self.at(self.i + 1) == Some('!')
                        && !matches!(self.at(self.i + 2), Some('{' | '!'))
                    {
                        // Velocity's lexer drops the '!' of a lone `$!`.
                        text.push('$');
                        self.i += 2;
                    } else {
                        self.i += 1;
                        let mut j = self.i;
                        while self.at(j) == Some('\\') {
                            j += 1;
                        }
                        // `$\#if` is an escaped directive after a `$` the lexer drops; before
                        // anything else the backslashes escape nothing.
                        if j == self.i || self.at(j) != Some('#') {
                            text.push('$');
                            self.plain_backslashes(&mut text);
                        }
                    }
                }
                '\\' => {
                    let start = self.i;
                    let mut j = start;
                    while self.at(j) == Some('\\') {
                        j += 1;
                    }
                    let n = j - start;
                    if self.at(j) == Some('$') {
                        if let Some(r) = self.text_reference(j, n)? {
                            flush(&mut nodes, &mut text);
                            self.after_reference(&r, &mut text);
                            nodes.push(Node::Ref(r));
                            continue;
                        }
                    } else if self.at(j) == Some('#') && self.escapable_directive(j) {
                        text.extend(std::iter::repeat_n('\\', n / 2));
                        if n % 2 == 1 {
                            text.push('#');
                            self.i = j + 1;
                        } else {
                            self.i = j;
                        }
                        continue;
                    }
                    text.extend(std::iter::repeat_n('\\', n));
                    self.i = j;
                }
                '#' => {
                    let i = self.i;
                    if self.starts_with(i, "##") {
                        flush(&mut nodes, &mut text);
                        while let Some(c) = self.peek() {
                            self.i += 1;
                            if c == '\n' {
                                break;
                            }
                        }
                    } else if self.starts_with(i, "#*") {
                        flush(&mut nodes, &mut text);
                        let mut j = i + 2;
                        // Velocity lets an unterminated block comment run to the end.
                        while j < self.s.len() && !self.starts_with(j, "*#") {
                            j += 1;
                        }
                        self.i = (j + 2).min(self.s.len());
                    } else if self.starts_with(i, "#[[") {
                        flush(&mut nodes, &mut text);
                        let mut j = i + 3;
                        loop {
                            if j >= self.s.len() {
                                return self.err_at(i, "unterminated #[[ block");
                            }
                            if self.starts_with(j, "]]#") {
                                break;
                            }
                            j += 1;
                        }
                        nodes.push(Node::Text(self.s[i + 3..j].iter().collect()));
                        self.i = j + 3;
                    } else if let Some((name, after)) = self.directive_name(i) {
                        match name.as_str() {
                            "set" => {
                                text.truncate(set_prefix_keep(&text));
                                flush(&mut nodes, &mut text);
                                self.i = after;
                                nodes.push(self.set_directive(i)?);
                            }
                            "if" => {
                                flush(&mut nodes, &mut text);
                                self.i = after;
                                nodes.push(self.if_directive(i)?);
                            }
                            "elseif" | "else" | "end" if !inside => {
                                return self.err_at(i, format!("#{name} without a matching #if"));
                            }
                            "elseif" => {
                                flush(&mut nodes, &mut text);
                                self.i = after;
                                let cond = self.paren_expr("#elseif")?;
                                self.eat_newline();
                                return Ok((nodes, Stop::ElseIf(cond)));
                            }
                            "else" => {
                                flush(&mut nodes, &mut text);
                                self.i = after;
                                self.eat_newline();
                                return Ok((nodes, Stop::Else));
                            }
                            "end" => {
                                flush(&mut nodes, &mut text);
                                self.i = after;
                                self.eat_newline();
                                return Ok((nodes, Stop::End));
                            }
                            "foreach" => {
                                flush(&mut nodes, &mut text);
                                self.i = after;
                                nodes.push(self.foreach_directive(i)?);
                            }
                            "break" | "stop" => {
                                flush(&mut nodes, &mut text);
                                self.i = after;
                                // `#break()` / `#stop()` also parse in Velocity.
                                let mut j = self.i;
                                while matches!(self.at(j), Some(' ' | '\t')) {
                                    j += 1;
                                }
                                if self.at(j) == Some('(') {
                                    let mut k = j + 1;
                                    while matches!(self.at(k), Some(' ' | '\t')) {
                                        k += 1;
                                    }
                                    if self.at(k) == Some(')') {
                                        self.i = k + 1;
                                    }
                                }
                                self.eat_newline();
                                nodes.push(if name == "break" {
                                    Node::Break
                                } else {
                                    Node::Stop
                                });
                            }
                            "define" => {
                                flush(&mut nodes, &mut text);
                                self.i = after;
                                nodes.push(self.define_directive(i)?);
                            }
                            "macro" => {
                                flush(&mut nodes, &mut text);
                                self.i = after;
                                self.macro_directive(i)?;
                            }
                            "include" | "parse" | "evaluate" => {
                                return self.err_at(i, format!("#{name} is not supported"));
                            }
                            _ if self.macro_names.contains(&name) && self.paren_follows(after) => {
                                flush(&mut nodes, &mut text);
                                self.i = after;
                                nodes.push(self.macro_call(i, name)?);
                            }
                            _ => {
                                text.push('#');
                                self.i += 1;
                                self.plain_backslashes(&mut text);
                            }
                        }
                    } else {
                        text.push('#');
                        self.i += 1;
                        self.plain_backslashes(&mut text);
                    }
                }
                _ => {
                    text.push(c);
                    self.i += 1;
                }
            }
        }
    }

    /// Right after a `.property` reference Velocity reads `##` as a literal `#` and a new token.
    fn after_reference(&mut self, r: &RefNode, text: &mut String) {
        if !r.literal.ends_with('}')
            && matches!(r.expr.parts.last(), Some(Part::Prop(_)))
            && self.starts_with(self.i, "##")
        {
            text.push('#');
            self.i += 1;
        }
    }

    /// Backslashes right after a literal `$` or `#` are plain text: they escape nothing.
    fn plain_backslashes(&mut self, text: &mut String) {
        while self.peek() == Some('\\') {
            text.push('\\');
            self.i += 1;
        }
    }

    /// `$` or `$!` at `i` directly followed by one of the directives Velocity's lexer knows itself
    /// (not `#foreach` and the other pluggable ones) or by `#*`.
    fn dollar_before_directive(&self, i: usize) -> bool {
        let j = if self.at(i + 1) == Some('!') {
            i + 2
        } else {
            i + 1
        };
        if self.at(j) != Some('#') {
            return false;
        }
        self.at(j + 1) == Some('*')
            || self.directive_name(j).is_some_and(|(name, _)| {
                matches!(name.as_str(), "set" | "if" | "elseif" | "else" | "end")
            })
    }

    /// `$` or `$!` at `i` followed by a directive Velocity resolves by name (`#foreach`, `#break`, a
    /// macro, ...): the index after the directive's name.
    fn dollar_before_word(&self, i: usize) -> Option<usize> {
        let j = if self.at(i + 1) == Some('!') {
            i + 2
        } else {
            i + 1
        };
        if self.at(j) != Some('#') || !self.escapable_directive(j) {
            return None;
        }
        self.directive_name(j).map(|(_, end)| end)
    }

    /// `#name` or `#{name}` at `i`: the name and the index after it.
    fn directive_name(&self, i: usize) -> Option<(String, usize)> {
        let mut j = i + 1;
        let braced = self.at(j) == Some('{');
        if braced {
            j += 1;
        }
        let start = j;
        if !self.at(j).is_some_and(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        while self.at(j).is_some_and(is_word_char) {
            j += 1;
        }
        let name: String = self.s[start..j].iter().collect();
        if braced {
            if self.at(j) != Some('}') {
                return None;
            }
            j += 1;
        }
        Some((name, j))
    }

    fn escapable_directive(&self, i: usize) -> bool {
        match self.directive_name(i) {
            Some((name, _)) => {
                matches!(
                    name.as_str(),
                    "set"
                        | "if"
                        | "elseif"
                        | "else"
                        | "end"
                        | "foreach"
                        | "break"
                        | "stop"
                        | "define"
                        | "macro"
                        | "include"
                        | "parse"
                        | "evaluate"
                ) || self.macro_names.contains(&name)
            }
            None => false,
        }
    }

    fn paren_follows(&self, mut j: usize) -> bool {
        while matches!(self.at(j), Some(' ' | '\t')) {
            j += 1;
        }
        self.at(j) == Some('(')
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.i += 1;
        }
    }

    fn expect(&mut self, c: char, what: &str) -> Result<(), ParseError> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            self.err_at(self.i, format!("expected '{c}' {what}"))
        }
    }

    fn open_paren(&mut self, directive: &str) -> Result<(), ParseError> {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.i += 1;
        }
        if self.peek() == Some('(') {
            self.i += 1;
            Ok(())
        } else {
            self.err_at(self.i, format!("expected '(' after {directive}"))
        }
    }

    fn paren_expr(&mut self, directive: &str) -> Result<Expr, ParseError> {
        self.open_paren(directive)?;
        let e = self.expr()?;
        self.expect(')', &format!("to close {directive}"))?;
        Ok(e)
    }

    fn set_directive(&mut self, start: usize) -> Result<Node, ParseError> {
        self.open_paren("#set")?;
        self.skip_ws();
        if self.peek() != Some('$') {
            return self.err_at(self.i, "#set needs a reference on the left");
        }
        let target = self.expr_reference()?;
        self.expect('=', "in #set")?;
        let value = self.expr()?;
        self.expect(')', "to close #set")?;
        self.eat_newline();
        Ok(Node::Set {
            target,
            value,
            pos: self.pos_at(start),
        })
    }

    fn if_directive(&mut self, start: usize) -> Result<Node, ParseError> {
        let mut cond = self.paren_expr("#if")?;
        self.eat_newline();
        let mut branches = Vec::new();
        loop {
            let (body, end) = self.block(true)?;
            branches.push((cond, Block::from(body)));
            match end {
                Stop::ElseIf(c) => cond = c,
                Stop::Else => {
                    let (body, end) = self.block(true)?;
                    if !matches!(end, Stop::End) {
                        return self.err_at(start, "#else must be followed by #end");
                    }
                    return Ok(Node::If {
                        branches,
                        otherwise: Some(Block::from(body)),
                    });
                }
                Stop::End => {
                    return Ok(Node::If {
                        branches,
                        otherwise: None,
                    });
                }
                Stop::Eof => return self.err_at(start, "missing #end"),
            }
        }
    }

    fn body_until_end(&mut self, start: usize, what: &str) -> Result<Block, ParseError> {
        let (body, end) = self.block(true)?;
        if !matches!(end, Stop::End) {
            return self.err_at(start, format!("{what} has #else/#elseif without #if"));
        }
        Ok(Block::from(body))
    }

    fn foreach_directive(&mut self, start: usize) -> Result<Node, ParseError> {
        self.open_paren("#foreach")?;
        self.skip_ws();
        let var = self.loop_variable()?;
        self.skip_ws();
        if !self.starts_with(self.i, "in") || self.at(self.i + 2).is_some_and(is_word_char) {
            return self.err_at(self.i, "expected 'in' in #foreach");
        }
        self.i += 2;
        let iter = self.expr()?;
        self.expect(')', "to close #foreach")?;
        self.eat_newline();
        let body = self.body_until_end(start, "#foreach")?;
        Ok(Node::Foreach {
            var,
            iter,
            body,
            pos: self.pos_at(start),
        })
    }

    /// `$name` or `${name}` as a #foreach / #define / #macro parameter.
    fn loop_variable(&mut self) -> Result<String, ParseError> {
        if self.peek() != Some('$') {
            return self.err_at(self.i, "expected a $variable");
        }
        self.i += 1;
        let braced = self.peek() == Some('{');
        if braced {
            self.i += 1;
        }
        let name = self.ident()?;
        if braced {
            if self.peek() != Some('}') {
                return self.err_at(self.i, "expected '}'");
            }
            self.i += 1;
        }
        Ok(name)
    }

    fn ident(&mut self) -> Result<String, ParseError> {
        let start = self.i;
        if !self.peek().is_some_and(is_ident_start) {
            return self.err_at(self.i, "expected an identifier");
        }
        while self.peek().is_some_and(is_ident_char) {
            self.i += 1;
        }
        Ok(self.s[start..self.i].iter().collect())
    }

    fn define_directive(&mut self, start: usize) -> Result<Node, ParseError> {
        self.open_paren("#define")?;
        self.skip_ws();
        let name = self.loop_variable()?;
        self.expect(')', "to close #define")?;
        self.eat_newline();
        let body = self.body_until_end(start, "#define")?;
        Ok(Node::Define { name, body })
    }

    fn macro_directive(&mut self, start: usize) -> Result<(), ParseError> {
        self.open_paren("#macro")?;
        self.skip_ws();
        let nstart = self.i;
        if !self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            return self.err_at(self.i, "expected a macro name");
        }
        while self.peek().is_some_and(is_word_char) {
            self.i += 1;
        }
        let name: String = self.s[nstart..self.i].iter().collect();
        let mut params = Vec::new();
        loop {
            while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r' | ',')) {
                self.i += 1;
            }
            match self.peek() {
                Some(')') => {
                    self.i += 1;
                    break;
                }
                Some('$') => params.push(self.loop_variable()?),
                _ => return self.err_at(self.i, "expected a $parameter or ')' in #macro"),
            }
        }
        self.eat_newline();
        if !self.macro_names.contains(&name) {
            self.macro_names.push(name.clone());
        }
        let body = self.body_until_end(start, "#macro")?;
        self.macros
            .insert(name, Arc::new(MacroDef { params, body }));
        Ok(())
    }

    fn macro_call(&mut self, start: usize, name: String) -> Result<Node, ParseError> {
        self.open_paren("a macro call")?;
        let mut args = Vec::new();
        loop {
            while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r' | ',')) {
                self.i += 1;
            }
            match self.peek() {
                Some(')') => {
                    self.i += 1;
                    break;
                }
                None => return self.err_at(start, "unterminated macro call"),
                _ => args.push(self.unary()?),
            }
        }
        self.eat_newline();
        Ok(Node::MacroCall {
            name,
            args,
            pos: self.pos_at(start),
        })
    }

    /// A reference in template text at `i` (which holds `$`); `None` when the `$` is literal text.
    fn text_reference(&mut self, i: usize, escapes: usize) -> Result<Option<RefNode>, ParseError> {
        let mut j = i + 1;
        // `$!x` differs from `$x` only for null, and API Gateway prints null as empty text either way.
        if self.at(j) == Some('!') {
            j += 1;
        }
        let braced = self.at(j) == Some('{');
        if braced {
            j += 1;
        }
        if !self.at(j).is_some_and(is_ident_start) {
            return Ok(None);
        }
        self.i = j;
        let expr = self.reference_body(i, braced)?;
        let literal: String = self.s[i..self.i].iter().collect();
        Ok(Some(RefNode {
            expr,
            escapes,
            literal,
        }))
    }

    /// A reference inside a directive or expression.
    fn expr_reference(&mut self) -> Result<RefExpr, ParseError> {
        let start = self.i;
        self.i += 1;
        if self.peek() == Some('!') {
            self.i += 1;
        }
        let braced = self.peek() == Some('{');
        if braced {
            self.i += 1;
        }
        if !self.peek().is_some_and(is_ident_start) {
            return self.err_at(self.i, "expected an identifier after '$'");
        }
        self.reference_body(start, braced)
    }

    fn reference_body(&mut self, start: usize, braced: bool) -> Result<RefExpr, ParseError> {
        let root = self.ident()?;
        let mut parts = Vec::new();
        loop {
            match self.peek() {
                Some('.') if self.at(self.i + 1).is_some_and(is_ident_start) => {
                    self.i += 1;
                    let name = self.ident()?;
                    if self.peek() == Some('(') {
                        self.i += 1;
                        let args = self.args(')')?;
                        parts.push(Part::Method(name, args));
                    } else {
                        parts.push(Part::Prop(name));
                    }
                }
                Some('[') => {
                    self.i += 1;
                    let e = self.expr()?;
                    self.expect(']', "to close an index")?;
                    parts.push(Part::Index(e));
                }
                _ => break,
            }
        }
        if braced {
            if self.peek() != Some('}') {
                return self.err_at(self.i, "expected '}' to close ${");
            }
            self.i += 1;
        }
        Ok(RefExpr {
            root,
            parts,
            pos: self.pos_at(start),
            literal: self.s[start..self.i].iter().collect(),
        })
    }

    /// Comma-separated expressions up to `close`.
    fn args(&mut self, close: char) -> Result<Vec<Expr>, ParseError> {
        let mut out = Vec::new();
        self.skip_ws();
        if self.peek() == Some(close) {
            self.i += 1;
            return Ok(out);
        }
        loop {
            out.push(self.expr()?);
            self.skip_ws();
            match self.peek() {
                Some(',') => self.i += 1,
                Some(c) if c == close => {
                    self.i += 1;
                    return Ok(out);
                }
                _ => return self.err_at(self.i, format!("expected ',' or '{close}'")),
            }
        }
    }

    fn expr(&mut self) -> Result<Expr, ParseError> {
        self.enter(1)?;
        let r = self.or_expr();
        self.leave(1);
        r
    }

    /// An operator at the cursor (after blanks): symbol or word form.
    fn operator(&mut self, ops: &[(&str, BinOp)]) -> Option<(BinOp, usize)> {
        self.skip_ws();
        for (lit, op) in ops {
            if self.starts_with(self.i, lit) {
                let end = self.i + lit.chars().count();
                let wordy = lit.chars().all(|c| c.is_ascii_alphabetic());
                if wordy && self.at(end).is_some_and(is_word_char) {
                    continue;
                }
                // `==` must not be read as `=`-something else, `<=` before `<`: ops are ordered.
                return Some((*op, end));
            }
        }
        None
    }

    fn binary_level(
        &mut self,
        ops: &[(&str, BinOp)],
        next: fn(&mut Parser) -> Result<Expr, ParseError>,
    ) -> Result<Expr, ParseError> {
        let mut left = next(self)?;
        while let Some((op, end)) = self.operator(ops) {
            let pos = self.pos_at(self.i);
            self.i = end;
            let right = next(self)?;
            // Velocity's `literal()` of an operator node: from after the operator through the
            // right operand and the blanks after it.
            let mut lit_end = self.i;
            while matches!(self.at(lit_end), Some(' ' | '\t' | '\n' | '\r')) {
                lit_end += 1;
            }
            let literal = self.s[end..lit_end].iter().collect();
            left = Expr::Binary(op, Box::new(left), Box::new(right), pos, literal);
        }
        Ok(left)
    }

    fn or_expr(&mut self) -> Result<Expr, ParseError> {
        self.binary_level(&[("||", BinOp::Or), ("or", BinOp::Or)], Parser::and_expr)
    }

    fn and_expr(&mut self) -> Result<Expr, ParseError> {
        self.binary_level(&[("&&", BinOp::And), ("and", BinOp::And)], Parser::eq_expr)
    }

    fn eq_expr(&mut self) -> Result<Expr, ParseError> {
        self.binary_level(
            &[
                ("==", BinOp::Eq),
                ("!=", BinOp::Ne),
                ("eq", BinOp::Eq),
                ("ne", BinOp::Ne),
            ],
            Parser::rel_expr,
        )
    }

    fn rel_expr(&mut self) -> Result<Expr, ParseError> {
        self.binary_level(
            &[
                ("<=", BinOp::Le),
                (">=", BinOp::Ge),
                ("<", BinOp::Lt),
                (">", BinOp::Gt),
                ("le", BinOp::Le),
                ("ge", BinOp::Ge),
                ("lt", BinOp::Lt),
                ("gt", BinOp::Gt),
            ],
            Parser::add_expr,
        )
    }

    fn add_expr(&mut self) -> Result<Expr, ParseError> {
        self.binary_level(&[("+", BinOp::Add), ("-", BinOp::Sub)], Parser::mul_expr)
    }

    fn mul_expr(&mut self) -> Result<Expr, ParseError> {
        self.binary_level(
            &[("*", BinOp::Mul), ("/", BinOp::Div), ("%", BinOp::Mod)],
            Parser::unary,
        )
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        self.enter(1)?;
        let r = self.unary_inner();
        self.leave(1);
        r
    }

    fn unary_inner(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        if self.peek() == Some('!') && self.at(self.i + 1) != Some('=') {
            self.i += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        if self.starts_with(self.i, "not") && !self.at(self.i + 3).is_some_and(is_word_char) {
            self.i += 3;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        let start = self.i;
        let Some(c) = self.peek() else {
            return self.err_at(self.i, "expected an expression");
        };
        match c {
            '$' => Ok(Expr::Ref(self.expr_reference()?)),
            '"' | '\'' => self.string_literal(),
            '0'..='9' => self.number(),
            '-' if self.at(self.i + 1).is_some_and(|c| c.is_ascii_digit()) => self.number(),
            '(' => {
                self.i += 1;
                self.skip_ws();
                let inner_start = self.i;
                let mut e = self.expr()?;
                let inner_end = self.i;
                self.expect(')', "to close '('")?;
                // A parenthesised operation's literal is the text between the parentheses.
                if let Expr::Binary(_, _, _, _, lit) = &mut e {
                    *lit = self.s[inner_start..inner_end].iter().collect();
                }
                Ok(e)
            }
            '[' => {
                self.i += 1;
                self.skip_ws();
                if self.peek() == Some(']') {
                    self.i += 1;
                    return Ok(Expr::List(Vec::new()));
                }
                let first = self.expr()?;
                self.skip_ws();
                if self.starts_with(self.i, "..") {
                    self.i += 2;
                    let second = self.expr()?;
                    self.expect(']', "to close a range")?;
                    return Ok(Expr::Range(
                        Box::new(first),
                        Box::new(second),
                        self.pos_at(start),
                    ));
                }
                let mut items = vec![first];
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(',') => {
                            self.i += 1;
                            items.push(self.expr()?);
                        }
                        Some(']') => {
                            self.i += 1;
                            return Ok(Expr::List(items));
                        }
                        _ => return self.err_at(self.i, "expected ',' or ']' in a list"),
                    }
                }
            }
            '{' => {
                self.i += 1;
                let mut entries = Vec::new();
                self.skip_ws();
                if self.peek() == Some('}') {
                    self.i += 1;
                    return Ok(Expr::Map(entries));
                }
                loop {
                    let k = self.expr()?;
                    self.expect(':', "in a map literal")?;
                    let v = self.expr()?;
                    entries.push((k, v));
                    self.skip_ws();
                    match self.peek() {
                        Some(',') => self.i += 1,
                        Some('}') => {
                            self.i += 1;
                            return Ok(Expr::Map(entries));
                        }
                        _ => return self.err_at(self.i, "expected ',' or '}' in a map"),
                    }
                }
            }
            c if c.is_ascii_alphabetic() => {
                while self.peek().is_some_and(is_word_char) {
                    self.i += 1;
                }
                let w: String = self.s[start..self.i].iter().collect();
                match w.as_str() {
                    "true" => Ok(Expr::Bool(true)),
                    "false" => Ok(Expr::Bool(false)),
                    _ => self.err_at(start, format!("unexpected word '{w}'")),
                }
            }
            _ => self.err_at(self.i, format!("unexpected '{c}'")),
        }
    }

    fn number(&mut self) -> Result<Expr, ParseError> {
        let start = self.i;
        if self.peek() == Some('-') {
            self.i += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let mut float = false;
        if self.peek() == Some('.') && self.at(self.i + 1).is_some_and(|c| c.is_ascii_digit()) {
            float = true;
            self.i += 1;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let mut j = self.i + 1;
            if matches!(self.at(j), Some('+' | '-')) {
                j += 1;
            }
            if self.at(j).is_some_and(|c| c.is_ascii_digit()) {
                float = true;
                self.i = j;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.i += 1;
                }
            }
        }
        let text: String = self.s[start..self.i].iter().collect();
        if !float && let Ok(i) = text.parse::<i64>() {
            return Ok(Expr::Int(i));
        }
        match text.parse::<f64>() {
            Ok(f) => Ok(Expr::Float(f)),
            Err(_) => self.err_at(start, format!("bad number '{text}'")),
        }
    }

    fn string_literal(&mut self) -> Result<Expr, ParseError> {
        let start = self.i;
        let Some(q) = self.peek() else {
            return self.err_at(self.i, "expected a string");
        };
        self.i += 1;
        let mut content = String::new();
        loop {
            match self.peek() {
                None => return self.err_at(start, "unterminated string literal"),
                Some(c) if c == q => {
                    if self.at(self.i + 1) == Some(q) {
                        content.push(q);
                        self.i += 2;
                    } else {
                        self.i += 1;
                        break;
                    }
                }
                Some(c) => {
                    content.push(c);
                    self.i += 1;
                }
            }
        }
        if q == '"' && (content.contains('$') || content.contains('#')) {
            let base = self.pos_at(start + 1);
            let mut sub = Parser::new(&content, base);
            sub.depth = self.depth;
            sub.macro_names = std::mem::take(&mut self.macro_names);
            sub.macros = std::mem::take(&mut self.macros);
            let r = sub.block(false);
            self.macro_names = sub.macro_names;
            self.macros = sub.macros;
            let (nodes, _) = r?;
            return Ok(Expr::Interp(Block::from(nodes)));
        }
        Ok(Expr::Str(content))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_line_and_column() {
        let e = parse("ab\n  #if($a").err().expect("error");
        assert_eq!((e.line, e.column), (2, 9));
        let e = parse("#end").err().expect("error");
        assert_eq!((e.line, e.column), (1, 1));
    }

    #[test]
    fn deep_blocks_are_an_error_not_a_crash() {
        let src = "#if(true)".repeat(500);
        assert!(parse(&src).is_err());
    }

    #[test]
    fn deep_expressions_are_an_error_not_a_crash() {
        let src = format!("$x.a({}1{})", "(".repeat(5000), ")".repeat(5000));
        assert!(parse(&src).is_err());
    }
}
