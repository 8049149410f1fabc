//! JSON paths for diagnostics: `$.paths['/pets/{id}'].get.x-amazon-apigateway-integration.type`.

use std::fmt;

/// A location in the document, rendered JSONPath-style.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct JPath(String);

impl JPath {
    pub(crate) fn root() -> Self {
        JPath("$".to_owned())
    }

    /// `.key` for identifier-like keys, `['key']` for anything else (paths, status codes, regexes).
    pub(crate) fn key(&self, key: &str) -> Self {
        let mut s = self.0.clone();
        let simple = key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '$'));
        if simple {
            s.push('.');
            s.push_str(key);
        } else {
            s.push_str("['");
            for c in key.chars() {
                if c == '\'' || c == '\\' {
                    s.push('\\');
                }
                s.push(c);
            }
            s.push_str("']");
        }
        JPath(s)
    }

    pub(crate) fn index(&self, i: usize) -> Self {
        JPath(format!("{}[{i}]", self.0))
    }

    /// The path of the target of a local `$ref` such as `#/components/schemas/Pet`.
    pub(crate) fn of_pointer(pointer: &str) -> Self {
        let mut p = JPath::root();
        for token in pointer.split('/').skip(1) {
            let token = token.replace("~1", "/").replace("~0", "~");
            p = p.key(&token);
        }
        p
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_like_jsonpath() {
        let p = JPath::root()
            .key("paths")
            .key("/pets/{id}")
            .key("get")
            .key("x-amazon-apigateway-integration")
            .key("type");
        assert_eq!(
            p.as_str(),
            "$.paths['/pets/{id}'].get.x-amazon-apigateway-integration.type"
        );
        assert_eq!(
            JPath::root().key("responses").key("200").index(0).as_str(),
            "$.responses['200'][0]"
        );
        assert_eq!(JPath::root().key("it's").as_str(), "$['it\\'s']");
        assert_eq!(JPath::root().key("$ref").as_str(), "$.$ref");
        assert_eq!(
            JPath::of_pointer("/paths/~1pets/get").as_str(),
            "$.paths['/pets'].get"
        );
    }
}
