//! The resource tree of a compiled stage and API Gateway's method-aware matching.
//!
//! Precedence is literal > `{param}` > `{greedy+}`, left to right, and a candidate only wins if it
//! has the request's verb or `ANY`; otherwise matching falls through to the next candidate (a
//! param sibling, then a greedy ancestor). A trailing slash is ignored for matching, `{greedy+}`
//! needs at least one segment (so `/{proxy+}` never matches `/`), inner empty segments are kept in
//! greedy values, and empty segments never match a literal or a `{param}`.

use std::collections::HashMap;
use std::sync::Arc;

use percent_encoding::percent_decode_str;
use tollgate_model::{HttpMethod, PathPart};

/// Methods of one resource, by verb, with `ANY` as the fallback.
#[derive(Debug)]
struct MethodTable<T> {
    verbs: [Option<Arc<T>>; 7],
    any: Option<Arc<T>>,
}

impl<T> Default for MethodTable<T> {
    fn default() -> Self {
        MethodTable {
            verbs: Default::default(),
            any: None,
        }
    }
}

fn verb_index(verb: HttpMethod) -> Option<usize> {
    HttpMethod::CONCRETE.iter().position(|v| *v == verb)
}

impl<T> MethodTable<T> {
    fn get(&self, verb: HttpMethod) -> Option<&Arc<T>> {
        verb_index(verb)
            .and_then(|i| self.verbs[i].as_ref())
            .or(self.any.as_ref())
    }

    fn insert(&mut self, verb: HttpMethod, value: Arc<T>) {
        match verb_index(verb) {
            Some(i) => self.verbs[i] = Some(value),
            None => self.any = Some(value),
        }
    }
}

#[derive(Debug)]
struct Node<T> {
    literals: HashMap<Box<str>, usize>,
    param: Option<(Box<str>, usize)>,
    greedy: Option<(Box<str>, usize)>,
    methods: MethodTable<T>,
}

impl<T> Default for Node<T> {
    fn default() -> Self {
        Node {
            literals: HashMap::new(),
            param: None,
            greedy: None,
            methods: MethodTable::default(),
        }
    }
}

/// A matched route: the method's compiled value and the raw (still percent-encoded) path
/// parameters, in path order.
#[derive(Debug)]
pub struct Match<'a, T> {
    pub value: &'a Arc<T>,
    pub params: Vec<(&'a str, String)>,
}

/// Why a route could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("two variable path parts at one level: {{{0}}} and {{{1}}}")]
    VariableConflict(String, String),
    #[error("a resource below the greedy path variable {{{0}+}}")]
    BelowGreedy(String),
    #[error("{0}")]
    BadPart(String),
}

/// An immutable-after-build resource tree.
#[derive(Debug)]
pub struct Router<T> {
    nodes: Vec<Node<T>>,
}

impl<T> Default for Router<T> {
    fn default() -> Self {
        Router {
            nodes: vec![Node::default()],
        }
    }
}

impl<T> Router<T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `verb` on the resource at `path` (`/`, `/pets/{id}`, `/{proxy+}`).
    pub fn insert(
        &mut self,
        path: &str,
        verb: HttpMethod,
        value: Arc<T>,
    ) -> Result<(), RouteError> {
        let mut node = 0;
        let mut under_greedy: Option<String> = None;
        for seg in path.split('/').filter(|s| !s.is_empty()) {
            if let Some(g) = under_greedy {
                return Err(RouteError::BelowGreedy(g));
            }
            let part = PathPart::parse(seg).map_err(|e| RouteError::BadPart(e.to_string()))?;
            node = match part {
                PathPart::Literal(lit) => match self.nodes[node].literals.get(lit.as_str()) {
                    Some(&n) => n,
                    None => {
                        let n = self.push_node();
                        self.nodes[node].literals.insert(lit.into_boxed_str(), n);
                        n
                    }
                },
                PathPart::Param(name) => self.variable_child(node, name, false)?,
                PathPart::Greedy(name) => {
                    under_greedy = Some(name.clone());
                    self.variable_child(node, name, true)?
                }
            };
        }
        self.nodes[node].methods.insert(verb, value);
        Ok(())
    }

    fn push_node(&mut self) -> usize {
        self.nodes.push(Node::default());
        self.nodes.len() - 1
    }

    fn variable_child(
        &mut self,
        node: usize,
        name: String,
        greedy: bool,
    ) -> Result<usize, RouteError> {
        let (same, other) = if greedy {
            (&self.nodes[node].greedy, &self.nodes[node].param)
        } else {
            (&self.nodes[node].param, &self.nodes[node].greedy)
        };
        if let Some((other_name, _)) = other {
            return Err(RouteError::VariableConflict(other_name.to_string(), name));
        }
        match same {
            Some((existing, n)) if **existing == *name => Ok(*n),
            Some((existing, _)) => Err(RouteError::VariableConflict(existing.to_string(), name)),
            None => {
                let n = self.push_node();
                let slot = (name.into_boxed_str(), n);
                if greedy {
                    self.nodes[node].greedy = Some(slot);
                } else {
                    self.nodes[node].param = Some(slot);
                }
                Ok(n)
            }
        }
    }

    /// Finds the method for `verb` on `path` (the part after the stage, leading slashes already
    /// collapsed). Returns `None` when no resource with that verb or `ANY` matches.
    pub fn find<'a>(&'a self, path: &str, verb: HttpMethod) -> Option<Match<'a, T>> {
        let trimmed = path.strip_prefix('/').unwrap_or(path);
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        let segments: Vec<&str> = if trimmed.is_empty() {
            Vec::new()
        } else {
            trimmed.split('/').collect()
        };
        let mut params = Vec::new();
        let value = self.walk(0, &segments, trimmed, verb, &mut params)?;
        params.reverse();
        Some(Match { value, params })
    }

    fn walk<'a>(
        &'a self,
        node: usize,
        segments: &[&str],
        rest: &str,
        verb: HttpMethod,
        params: &mut Vec<(&'a str, String)>,
    ) -> Option<&'a Arc<T>> {
        let n = &self.nodes[node];
        let Some((seg, tail)) = segments.split_first() else {
            return n.methods.get(verb);
        };
        let rest_tail = rest.get(seg.len() + 1..).unwrap_or("");
        if !seg.is_empty() {
            let literal = n.literals.get(*seg).copied().or_else(|| {
                if seg.contains('%') {
                    let decoded = percent_decode_str(seg).decode_utf8().ok()?;
                    n.literals.get(decoded.as_ref()).copied()
                } else {
                    None
                }
            });
            if let Some(child) = literal
                && let Some(found) = self.walk(child, tail, rest_tail, verb, params)
            {
                return Some(found);
            }
            if let Some((name, child)) = &n.param
                && let Some(found) = self.walk(*child, tail, rest_tail, verb, params)
            {
                params.push((name, (*seg).to_owned()));
                return Some(found);
            }
        }
        if let Some((name, child)) = &n.greedy
            && let Some(found) = self.nodes[*child].methods.get(verb)
        {
            params.push((name, rest.to_owned()));
            return Some(found);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use HttpMethod::*;

    fn router(routes: &[(&str, HttpMethod)]) -> Router<String> {
        let mut r = Router::new();
        for (p, v) in routes {
            r.insert(p, *v, Arc::new(format!("{v} {p}"))).unwrap();
        }
        r
    }

    fn find(
        r: &Router<String>,
        path: &str,
        verb: HttpMethod,
    ) -> Option<(String, Vec<(String, String)>)> {
        r.find(path, verb).map(|m| {
            (
                m.value.to_string(),
                m.params
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v))
                    .collect(),
            )
        })
    }

    #[test]
    fn literal_beats_param_beats_greedy() {
        let r = router(&[("/pets/dogs", Get), ("/pets/{id}", Get), ("/{proxy+}", Any)]);
        assert_eq!(find(&r, "/pets/dogs", Get).unwrap().0, "GET /pets/dogs");
        assert_eq!(
            find(&r, "/pets/7", Get).unwrap(),
            ("GET /pets/{id}".into(), vec![("id".into(), "7".into())])
        );
        assert_eq!(
            find(&r, "/pets/7/toys", Get).unwrap(),
            (
                "ANY /{proxy+}".into(),
                vec![("proxy".into(), "pets/7/toys".into())]
            )
        );
    }

    #[test]
    fn method_aware_fallback_as_measured_on_aws() {
        let r = router(&[("/users/me", Patch), ("/users/{userId}", Get)]);
        assert_eq!(
            find(&r, "/users/me", Get).unwrap(),
            (
                "GET /users/{userId}".into(),
                vec![("userId".into(), "me".into())]
            )
        );
        assert_eq!(find(&r, "/users/me", Patch).unwrap().0, "PATCH /users/me");
        assert!(find(&r, "/users/me", Post).is_none());

        let r = router(&[("/things/real", Get), ("/things/{proxy+}", Any)]);
        assert_eq!(
            find(&r, "/things/real", Post).unwrap().0,
            "ANY /things/{proxy+}"
        );
        assert_eq!(find(&r, "/things/real", Get).unwrap().0, "GET /things/real");
    }

    #[test]
    fn verb_beats_any_on_one_resource() {
        let r = router(&[("/a", Any), ("/a", Get)]);
        assert_eq!(find(&r, "/a", Get).unwrap().0, "GET /a");
        assert_eq!(find(&r, "/a", Delete).unwrap().0, "ANY /a");
        assert_eq!(find(&r, "/a", Head).unwrap().0, "ANY /a");
    }

    #[test]
    fn head_is_not_derived_from_get() {
        let r = router(&[("/a", Get)]);
        assert!(find(&r, "/a", Head).is_none());
        assert!(find(&r, "/a", Options).is_none());
    }

    #[test]
    fn greedy_never_matches_root_and_needs_a_segment() {
        let r = router(&[("/{proxy+}", Any), ("/pets/{p+}", Any)]);
        assert!(find(&r, "/", Get).is_none());
        assert_eq!(
            find(&r, "/pets", Get).unwrap().1,
            vec![("proxy".into(), "pets".into())]
        );
        assert_eq!(
            find(&r, "/pets/a", Get).unwrap().1,
            vec![("p".into(), "a".into())]
        );
    }

    #[test]
    fn trailing_slash_is_ignored_and_inner_empty_segments_kept() {
        let r = router(&[("/pets", Get), ("/x/{proxy+}", Get)]);
        assert_eq!(find(&r, "/pets/", Get).unwrap().0, "GET /pets");
        assert_eq!(
            find(&r, "/x/a//b", Get).unwrap().1,
            vec![("proxy".into(), "a//b".into())]
        );
        assert!(find(&r, "/pets//", Get).is_none());
    }

    #[test]
    fn method_less_resources_do_not_capture() {
        // /a/b has no methods (an intermediate resource); /a/{x} has GET.
        let r = router(&[("/a/{x}", Get), ("/a/b/c", Get)]);
        assert_eq!(find(&r, "/a/b", Get).unwrap().0, "GET /a/{x}");
    }

    #[test]
    fn params_are_raw_and_empty_segments_do_not_match_params() {
        let r = router(&[("/p/{id}", Get)]);
        assert_eq!(
            find(&r, "/p/a%2Bb", Get).unwrap().1,
            vec![("id".into(), "a%2Bb".into())]
        );
        assert!(find(&r, "/p//", Get).is_none());
    }

    #[test]
    fn encoded_literals_match() {
        let r = router(&[("/a-b", Get)]);
        assert_eq!(find(&r, "/a%2Db", Get).unwrap().0, "GET /a-b");
    }

    #[test]
    fn root_method() {
        let r = router(&[("/", Get)]);
        assert_eq!(find(&r, "/", Get).unwrap().0, "GET /");
        assert_eq!(find(&r, "", Get).unwrap().0, "GET /");
    }

    #[test]
    fn conflicting_variables_are_refused() {
        let mut r: Router<String> = Router::new();
        r.insert("/a/{x}", Get, Arc::new(String::new())).unwrap();
        assert!(matches!(
            r.insert("/a/{y}", Get, Arc::new(String::new())),
            Err(RouteError::VariableConflict(..))
        ));
        assert!(matches!(
            r.insert("/a/{p+}", Get, Arc::new(String::new())),
            Err(RouteError::VariableConflict(..))
        ));
        assert!(matches!(
            r.insert("/g/{p+}/x", Get, Arc::new(String::new())),
            Err(RouteError::BelowGreedy(_))
        ));
    }

    #[test]
    fn deep_params_in_order() {
        let r = router(&[("/a/{x}/b/{y}", Get)]);
        assert_eq!(
            find(&r, "/a/1/b/2", Get).unwrap().1,
            vec![("x".into(), "1".into()), ("y".into(), "2".into())]
        );
    }
}
