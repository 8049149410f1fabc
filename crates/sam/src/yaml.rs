//! Template text to a [`Node`] tree: YAML 1.2 (JSON included) through saphyr's event parser,
//! with every node's line and column, CloudFormation's short-form tags turned into their long
//! form (`!Ref X` → `{Ref: X}`, `!Sub s` → `{Fn::Sub: s}`), and limits on size, depth and alias
//! expansion so that no input can exhaust the stack or the memory.
//!
//! The tree is built from the parser's events with an explicit stack (saphyr's own loader
//! recurses, and so does its alias budget check), so nesting is bounded by [`MAX_DEPTH`] and
//! nothing here recurses on the input's shape.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use saphyr::Scalar;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span, Tag};

/// The largest template read: CloudFormation takes 1 MB; SAM templates before transformation
/// and local OpenAPI files get some room beyond that.
pub(crate) const MAX_BYTES: usize = 8 * 1024 * 1024;

/// Deepest nesting of collections (and tags) accepted.
pub(crate) const MAX_DEPTH: usize = 100;

/// Most nodes in one document, aliases expanded (a scalar weighs one node per 64 bytes).
const MAX_NODES: usize = 1_000_000;

/// A place in the template: 1-based line and column; 0 when unknown (built nodes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Pos {
    pub(crate) line: usize,
    pub(crate) column: usize,
}

impl Pos {
    fn of(span: &Span) -> Pos {
        Pos {
            line: span.start.line(),
            column: span.start.col() + 1,
        }
    }

    pub(crate) fn known(self) -> Option<Pos> {
        (self.line > 0).then_some(self)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum V {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Keys in document order; keys are unique.
    Map(Vec<(String, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) v: V,
    pub(crate) pos: Pos,
}

impl Node {
    pub(crate) fn new(v: V, pos: Pos) -> Node {
        Node { v, pos }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.v {
            V::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, n)| n),
            _ => None,
        }
    }

    pub(crate) fn entries(&self) -> &[(String, Node)] {
        match &self.v {
            V::Map(entries) => entries,
            _ => &[],
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.v {
            V::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn is_map(&self) -> bool {
        matches!(self.v, V::Map(_))
    }

    /// `{Ref: ..}` or `{Fn::X: ..}`: the function's name and argument.
    pub(crate) fn intrinsic(&self) -> Option<(&str, &Node)> {
        match &self.v {
            V::Map(entries) if entries.len() == 1 => {
                let (k, arg) = &entries[0];
                (k == "Ref" || k.starts_with("Fn::")).then_some((k.as_str(), arg))
            }
            _ => None,
        }
    }

    /// "a string", "a mapping", ... for messages.
    pub(crate) fn kind(&self) -> &'static str {
        match &self.v {
            V::Null => "null",
            V::Bool(_) => "a boolean",
            V::Int(_) | V::Float(_) => "a number",
            V::Str(_) => "a string",
            V::Seq(_) => "a list",
            V::Map(_) if self.intrinsic().is_some() => "an intrinsic function",
            V::Map(_) => "a mapping",
        }
    }
}

/// Why the text is not a template.
#[derive(Debug, Clone)]
pub(crate) struct YamlError {
    pub(crate) message: String,
    pub(crate) pos: Option<Pos>,
}

impl YamlError {
    fn at(pos: Pos, message: impl Into<String>) -> YamlError {
        YamlError {
            message: message.into(),
            pos: pos.known(),
        }
    }
}

impl From<ScanError> for YamlError {
    fn from(e: ScanError) -> YamlError {
        let m = e.marker();
        YamlError {
            message: format!("Invalid YAML: {}", e.info()),
            pos: Some(Pos {
                line: m.line(),
                column: m.col() + 1,
            }),
        }
    }
}

/// A collection being filled.
enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
        tag: Option<Tag>,
        size: usize,
        height: usize,
    },
    Map {
        entries: Vec<(String, Node)>,
        keys: HashSet<String>,
        key: Option<(String, Pos)>,
        pos: Pos,
        anchor: usize,
        tag: Option<Tag>,
        size: usize,
        height: usize,
    },
}

impl Frame {
    /// How many tree levels this frame adds (a tag wraps one more).
    fn levels(&self) -> usize {
        let tagged = match self {
            Frame::Seq { tag, .. } | Frame::Map { tag, .. } => tag.as_ref().is_some_and(is_local),
        };
        1 + usize::from(tagged)
    }
}

fn is_local(tag: &Tag) -> bool {
    tag.handle == "!"
}

/// The long form of a short-form tag: `!Ref` → `Ref`, `!Condition` → `Condition`, `!Sub` →
/// `Fn::Sub`.
fn long_form(suffix: &str) -> String {
    match suffix {
        "Ref" | "Condition" => suffix.to_owned(),
        other => format!("Fn::{other}"),
    }
}

struct Builder {
    stack: Vec<Frame>,
    /// Tree levels of the frames on the stack.
    depth: usize,
    /// Anchored nodes with their size (nodes) and height (levels).
    anchors: HashMap<usize, (Node, usize, usize)>,
    nodes: usize,
    root: Option<Node>,
    documents: usize,
    warnings: Vec<(Pos, String)>,
    warned_tags: HashSet<String>,
}

/// Parses one YAML (or JSON) document. Returns the tree and warnings about what was dropped
/// (unknown tag handles).
pub(crate) fn parse(text: &str) -> Result<(Node, Vec<(Pos, String)>), YamlError> {
    if text.len() > MAX_BYTES {
        return Err(YamlError {
            message: format!(
                "The template is {} bytes; Tollgate reads at most {MAX_BYTES} bytes",
                text.len()
            ),
            pos: None,
        });
    }
    let mut b = Builder {
        stack: Vec::new(),
        depth: 0,
        anchors: HashMap::new(),
        nodes: 0,
        root: None,
        documents: 0,
        warnings: Vec::new(),
        warned_tags: HashSet::new(),
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(next) = parser.next_event() {
        let (event, span) = next?;
        if matches!(event, Event::StreamEnd) {
            break;
        }
        b.event(event, span)?;
    }
    match b.root {
        Some(root) => Ok((root, b.warnings)),
        None => Err(YamlError {
            message: "The template is empty".to_owned(),
            pos: None,
        }),
    }
}

impl Builder {
    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let pos = Pos::of(&span);
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => Ok(()),
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(YamlError::at(
                        pos,
                        "The template holds more than one YAML document ('---'): a template is one document",
                    ));
                }
                Ok(())
            }
            Event::Alias(id) => {
                let Some((size, height)) = self.anchors.get(&id).map(|(_, s, h)| (*s, *h)) else {
                    return Err(YamlError::at(pos, "Invalid YAML: unknown alias"));
                };
                self.count(size, pos)?;
                if self.depth + height > MAX_DEPTH {
                    return Err(too_deep(pos));
                }
                let Some(mut node) = self.anchors.get(&id).map(|(n, _, _)| n.clone()) else {
                    return Err(YamlError::at(pos, "Invalid YAML: unknown alias"));
                };
                node.pos = pos;
                self.push(node, size, height)
            }
            Event::Scalar(value, style, anchor, tag) => {
                // Long strings weigh more, so that aliases of them are bounded in bytes too.
                let weight = 1 + value.len() / 64;
                self.count(weight, pos)?;
                let node = self.scalar(value, style, tag.as_deref(), pos)?;
                let height = if node.is_map() { 2 } else { 1 };
                let (node, size, height) = self.finish(node, weight, height, anchor, None);
                self.push(node, size, height)
            }
            Event::SequenceStart(anchor, tag) => {
                self.count(1, pos)?;
                let frame = Frame::Seq {
                    items: Vec::new(),
                    pos,
                    anchor,
                    tag: self.collection_tag(tag.as_deref(), pos),
                    size: 1,
                    height: 1,
                };
                self.open(frame, pos)
            }
            Event::MappingStart(anchor, tag) => {
                self.count(1, pos)?;
                let frame = Frame::Map {
                    entries: Vec::new(),
                    keys: HashSet::new(),
                    key: None,
                    pos,
                    anchor,
                    tag: self.collection_tag(tag.as_deref(), pos),
                    size: 1,
                    height: 1,
                };
                self.open(frame, pos)
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return Err(YamlError::at(pos, "Invalid YAML: unbalanced collection"));
                };
                self.depth = self.depth.saturating_sub(frame.levels());
                let (node, size, height, anchor, tag) = match frame {
                    Frame::Seq {
                        items,
                        pos,
                        anchor,
                        tag,
                        size,
                        height,
                    } => (Node::new(V::Seq(items), pos), size, height, anchor, tag),
                    Frame::Map {
                        entries,
                        key,
                        pos,
                        anchor,
                        tag,
                        size,
                        height,
                        ..
                    } => {
                        if let Some((k, kpos)) = key {
                            return Err(YamlError::at(
                                kpos,
                                format!("Invalid YAML: key '{k}' has no value"),
                            ));
                        }
                        (
                            Node::new(V::Map(merge_keys(entries)), pos),
                            size,
                            height,
                            anchor,
                            tag,
                        )
                    }
                };
                let (node, size, height) = self.finish(node, size, height, anchor, tag);
                self.push(node, size, height)
            }
        }
    }

    fn count(&mut self, n: usize, pos: Pos) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(YamlError::at(
                pos,
                format!(
                    "The template has more than {MAX_NODES} nodes (aliases expanded); refusing to read it"
                ),
            ));
        }
        Ok(())
    }

    fn open(&mut self, frame: Frame, pos: Pos) -> Result<(), YamlError> {
        self.depth += frame.levels();
        if self.depth > MAX_DEPTH {
            return Err(too_deep(pos));
        }
        self.stack.push(frame);
        Ok(())
    }

    /// Tags kept on collections: local ones (`!Select [..]`); core-schema ones (`!!map`) are
    /// dropped silently, others with a warning.
    fn collection_tag(&mut self, tag: Option<&Tag>, pos: Pos) -> Option<Tag> {
        let tag = tag?;
        if is_local(tag) {
            return Some(tag.clone());
        }
        if !tag.is_yaml_core_schema() {
            self.unknown_tag(tag, pos);
        }
        None
    }

    fn unknown_tag(&mut self, tag: &Tag, pos: Pos) {
        let text = format!("{}{}", tag.handle, tag.suffix);
        if self.warned_tags.insert(text.clone()) {
            self.warnings.push((
                pos,
                format!("YAML tag '{text}' is not a CloudFormation intrinsic function; the tag is ignored"),
            ));
        }
    }

    fn scalar(
        &mut self,
        value: Cow<'_, str>,
        style: ScalarStyle,
        tag: Option<&Tag>,
        pos: Pos,
    ) -> Result<Node, YamlError> {
        if let Some(tag) = tag {
            if is_local(tag) {
                // `!Ref Name`, `!Sub "..."`, `!GetAZs ''`: the argument is the raw text.
                let inner = Node::new(V::Str(value.into_owned()), pos);
                return Ok(Node::new(
                    V::Map(vec![(long_form(&tag.suffix), inner)]),
                    pos,
                ));
            }
            if !tag.is_yaml_core_schema() {
                self.unknown_tag(tag, pos);
                return Ok(Node::new(resolve(value, style, None), pos));
            }
            let text = value.to_string();
            let owned = Cow::Owned(tag.clone());
            return match Scalar::parse_from_cow_and_metadata(value, style, Some(&owned)) {
                Some(s) => Ok(Node::new(from_scalar(s), pos)),
                None => Err(YamlError::at(
                    pos,
                    format!("Invalid YAML: '{text}' is not a valid !!{}", tag.suffix),
                )),
            };
        }
        Ok(Node::new(resolve(value, style, None), pos))
    }

    /// Wraps a collection in its tag, records its anchor.
    fn finish(
        &mut self,
        node: Node,
        size: usize,
        height: usize,
        anchor: usize,
        tag: Option<Tag>,
    ) -> (Node, usize, usize) {
        let pos = node.pos;
        let (node, height) = match tag {
            Some(tag) => (
                Node::new(V::Map(vec![(long_form(&tag.suffix), node)]), pos),
                height + 1,
            ),
            None => (node, height),
        };
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), size, height));
        }
        (node, size, height)
    }

    fn push(&mut self, node: Node, size: usize, height: usize) -> Result<(), YamlError> {
        let Some(top) = self.stack.last_mut() else {
            if self.root.is_none() {
                self.root = Some(node);
            }
            return Ok(());
        };
        match top {
            Frame::Seq {
                items,
                size: total,
                height: h,
                ..
            } => {
                items.push(node);
                *total = total.saturating_add(size);
                *h = (*h).max(height + 1);
            }
            Frame::Map {
                entries,
                keys,
                key,
                size: total,
                height: h,
                ..
            } => match key.take() {
                None => {
                    let text = match node.v {
                        V::Str(s) => s,
                        V::Int(i) => i.to_string(),
                        V::Float(f) => f.to_string(),
                        V::Bool(b) => b.to_string(),
                        V::Null => "null".to_owned(),
                        V::Seq(_) | V::Map(_) => {
                            return Err(YamlError::at(
                                node.pos,
                                "Invalid template: mapping keys must be plain strings, not lists, mappings or tagged values",
                            ));
                        }
                    };
                    if !keys.insert(text.clone()) {
                        return Err(YamlError::at(
                            node.pos,
                            format!("Invalid YAML: duplicate key '{text}'"),
                        ));
                    }
                    *key = Some((text, node.pos));
                }
                Some((k, _)) => {
                    entries.push((k, node));
                    *total = total.saturating_add(size);
                    *h = (*h).max(height + 1);
                }
            },
        }
        Ok(())
    }
}

/// YAML merge keys (`<<: *defaults`, `<<: [*a, *b]`), as PyYAML and so the SAM CLI apply them:
/// the merged mappings' entries that the mapping does not set itself.
fn merge_keys(entries: Vec<(String, Node)>) -> Vec<(String, Node)> {
    if !entries.iter().any(|(k, _)| k == "<<") {
        return entries;
    }
    let mut own = Vec::with_capacity(entries.len());
    let mut merged = Vec::new();
    for (k, v) in entries {
        if k == "<<" {
            match v.v {
                V::Map(m) if v.intrinsic().is_none() => merged.push(m),
                V::Seq(items) => merged.extend(items.into_iter().filter_map(|i| match i.v {
                    V::Map(m) => Some(m),
                    _ => None,
                })),
                other => own.push((k, Node::new(other, v.pos))),
            }
        } else {
            own.push((k, v));
        }
    }
    for m in merged {
        for (k, v) in m {
            if !own.iter().any(|(ok, _)| *ok == k) {
                own.push((k, v));
            }
        }
    }
    own
}

fn too_deep(pos: Pos) -> YamlError {
    YamlError::at(
        pos,
        format!("The template nests deeper than {MAX_DEPTH} levels"),
    )
}

fn resolve(value: Cow<'_, str>, style: ScalarStyle, tag: Option<&Cow<'_, Tag>>) -> V {
    match Scalar::parse_from_cow_and_metadata(value, style, tag) {
        Some(s) => from_scalar(s),
        None => V::Null,
    }
}

fn from_scalar(s: Scalar<'_>) -> V {
    match s {
        Scalar::Null => V::Null,
        Scalar::Boolean(b) => V::Bool(b),
        Scalar::Integer(i) => V::Int(i),
        Scalar::FloatingPoint(f) => V::Float(f.into_inner()),
        Scalar::String(s) => V::Str(s.into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Node {
        match parse(text) {
            Ok((n, _)) => n,
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn short_forms_become_long_forms() {
        let n = p(
            "a: !Ref X\nb: !GetAtt F.Arn\nc: !Select [0, !Split [',', 'a,b']]\nd: !Sub\n  - '${x}'\n  - x: 1\n",
        );
        assert_eq!(n.get("a").unwrap().intrinsic().unwrap().0, "Ref");
        let (f, arg) = n.get("b").unwrap().intrinsic().unwrap();
        assert_eq!((f, arg.as_str()), ("Fn::GetAtt", Some("F.Arn")));
        let (f, arg) = n.get("c").unwrap().intrinsic().unwrap();
        assert_eq!(f, "Fn::Select");
        let V::Seq(items) = &arg.v else { panic!() };
        assert_eq!(items[0].v, V::Int(0));
        assert_eq!(items[1].intrinsic().unwrap().0, "Fn::Split");
        assert_eq!(n.get("d").unwrap().intrinsic().unwrap().0, "Fn::Sub");
        assert_eq!(n.get("b").unwrap().pos, Pos { line: 2, column: 4 });
    }

    #[test]
    fn scalars_follow_yaml_1_2() {
        let n = p("a: 1\nb: '1'\nc: true\nd: yes\ne: ~\nf: 1.5\ng: !!str 12\n");
        assert_eq!(n.get("a").unwrap().v, V::Int(1));
        assert_eq!(n.get("b").unwrap().v, V::Str("1".into()));
        assert_eq!(n.get("c").unwrap().v, V::Bool(true));
        assert_eq!(n.get("d").unwrap().v, V::Str("yes".into()));
        assert_eq!(n.get("e").unwrap().v, V::Null);
        assert_eq!(n.get("f").unwrap().v, V::Float(1.5));
        assert_eq!(n.get("g").unwrap().v, V::Str("12".into()));
    }

    #[test]
    fn merge_keys_apply() {
        let n =
            p("base: &base {Runtime: python3.12, Timeout: 3}\nfn:\n  <<: *base\n  Timeout: 9\n");
        let f = n.get("fn").unwrap();
        assert_eq!(f.get("Runtime").unwrap().v, V::Str("python3.12".into()));
        assert_eq!(f.get("Timeout").unwrap().v, V::Int(9));
        assert!(f.get("<<").is_none());
    }

    #[test]
    fn json_is_yaml() {
        let n = p(
            r#"{"Resources": {"F": {"Type": "AWS::Serverless::Function", "Properties": {"Timeout": 5}}}}"#,
        );
        let t = n
            .get("Resources")
            .unwrap()
            .get("F")
            .unwrap()
            .get("Properties")
            .unwrap();
        assert_eq!(t.get("Timeout").unwrap().v, V::Int(5));
    }

    #[test]
    fn limits() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(parse(&deep).is_err());
        let deep = "[".repeat(150) + &"]".repeat(150);
        let e = parse(&deep).unwrap_err();
        assert!(e.message.contains("deeper"), "{e:?}");
        let tags = "a: ".to_owned() + &"!Ref [".repeat(60) + &"]".repeat(60);
        assert!(parse(&tags).unwrap_err().message.contains("deeper"));
        let mut laughs = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..9u8 {
            let prev = (b'a' + i) as char;
            let next = (b'a' + i + 1) as char;
            laughs.push_str(&format!(
                "{next}: &{next} !Join [{}]\n",
                vec![format!("*{prev}"); 10].join(", ")
            ));
        }
        assert!(parse(&laughs).unwrap_err().message.contains("nodes"));
        let dup = parse("a: 1\na: 2\n").unwrap_err();
        assert_eq!(dup.pos, Some(Pos { line: 2, column: 1 }));
        assert!(parse("").is_err());
        assert!(parse("a: 1\n---\nb: 2\n").is_err());
        assert!(parse("? [a]\n: 1\n").is_err());
    }
}
