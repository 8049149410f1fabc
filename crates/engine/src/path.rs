//! Request-path normalisation: what every phase after routing agrees the request names.
//!
//! Three rules, applied once so that routing, access control and integrations cannot disagree:
//! - [`remove_dot_segments`]: `.` and `..` segments (also percent-encoded, `%2e%2E`) are resolved
//!   before routing, as RFC 3986 §5.2.4 says, and never climb above the stage root.
//! - [`arn_path`]: the method ARN names the resource the request was routed to — the resource's
//!   literal segments as defined, the variables' values percent-decoded — so no spelling of a
//!   path (`/%64enied`, `/denied/`) reaches a method under another name than a policy uses.
//! - [`confine_dot_segments`]: a value substituted into an integration URI (a path parameter, a
//!   mapped query value) cannot climb above the place it is put in the URI's path.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

/// Whether a segment is `.` or `..`, spelled with `%2e`/`%2E` or not. Returns the number of dots.
fn dot_segment(seg: &str) -> Option<usize> {
    let mut dots = 0;
    let mut rest = seg.as_bytes();
    while !rest.is_empty() {
        if rest[0] == b'.' {
            rest = &rest[1..];
        } else if rest.len() >= 3
            && rest[0] == b'%'
            && rest[1] == b'2'
            && matches!(rest[2], b'e' | b'E')
        {
            rest = &rest[3..];
        } else {
            return None;
        }
        dots += 1;
    }
    (dots == 1 || dots == 2).then_some(dots)
}

/// Resolves the dot segments of `path` (which starts with `/`). Empty segments are kept (AWS
/// keeps `/a//b` in greedy values); a trailing dot segment leaves a trailing slash, as RFC 3986
/// does (`/a/b/..` → `/a/`). `..` at the root stays at the root.
pub fn remove_dot_segments(path: &str) -> Cow<'_, str> {
    if !path.split('/').any(|s| dot_segment(s).is_some()) {
        return Cow::Borrowed(path);
    }
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.strip_prefix('/').unwrap_or(path).split('/').collect();
    let last = segments.len() - 1;
    for (i, seg) in segments.iter().enumerate() {
        match dot_segment(seg) {
            Some(dots) => {
                if dots == 2 {
                    out.pop();
                }
                if i == last {
                    out.push("");
                }
            }
            None => out.push(seg),
        }
    }
    let mut normalized = String::with_capacity(path.len());
    for seg in &out {
        normalized.push('/');
        normalized.push_str(seg);
    }
    if normalized.is_empty() {
        normalized.push('/');
    }
    Cow::Owned(normalized)
}

/// Resolves the dot segments of a relative value (a path parameter or mapped value about to be
/// put into an integration URI) within the value itself: `a/../../etc` → `etc`, `..` → ``.
pub fn confine_dot_segments(value: &str) -> Cow<'_, str> {
    if !value.split('/').any(|s| dot_segment(s).is_some()) {
        return Cow::Borrowed(value);
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in value.split('/') {
        match dot_segment(seg) {
            Some(2) => {
                out.pop();
            }
            Some(_) => {}
            None => out.push(seg),
        }
    }
    Cow::Owned(out.join("/"))
}

/// The path a method ARN names (with a leading `/`, without a trailing one): `resource_path`
/// (`/pets/{id}`, `/files/{proxy+}`) with each variable replaced by its percent-decoded value
/// from `params` (raw values, as the router returns them).
pub fn arn_path(resource_path: &str, params: &[(String, String)]) -> String {
    let mut path = String::with_capacity(resource_path.len() + 16);
    for seg in resource_path.split('/').filter(|s| !s.is_empty()) {
        path.push('/');
        let name = seg
            .strip_prefix('{')
            .and_then(|s| s.strip_suffix('}'))
            .map(|s| s.strip_suffix('+').unwrap_or(s));
        match name.and_then(|n| params.iter().find(|(k, _)| k == n)) {
            Some((_, raw)) => match percent_decode_str(raw).decode_utf8() {
                Ok(decoded) => path.push_str(&decoded),
                Err(_) => path.push_str(raw),
            },
            None => path.push_str(seg),
        }
    }
    if path.is_empty() {
        path.push('/');
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_are_resolved_and_stay_below_the_root() {
        assert_eq!(remove_dot_segments("/pets/1"), "/pets/1");
        assert_eq!(remove_dot_segments("/a/../b"), "/b");
        assert_eq!(remove_dot_segments("/a/./b"), "/a/b");
        assert_eq!(
            remove_dot_segments("/proxy/a/../../../etc/passwd"),
            "/etc/passwd"
        );
        assert_eq!(remove_dot_segments("/a/%2e%2E/b"), "/b");
        assert_eq!(remove_dot_segments("/a/.%2e/b"), "/b");
        assert_eq!(remove_dot_segments("/a/b/.."), "/a/");
        assert_eq!(remove_dot_segments("/.."), "/");
        assert_eq!(remove_dot_segments("/a//b/../c"), "/a//c");
        assert_eq!(remove_dot_segments("/a/.../b"), "/a/.../b");
        assert_eq!(remove_dot_segments("/a/..b/c"), "/a/..b/c");
        assert_eq!(remove_dot_segments("/"), "/");
    }

    #[test]
    fn values_cannot_climb_out_of_their_place() {
        assert_eq!(confine_dot_segments("a/b"), "a/b");
        assert_eq!(confine_dot_segments("a/../../../etc/passwd"), "etc/passwd");
        assert_eq!(confine_dot_segments(".."), "");
        assert_eq!(confine_dot_segments("%2E%2E/x"), "x");
        assert_eq!(confine_dot_segments("v1.2"), "v1.2");
    }

    #[test]
    fn arn_paths_name_the_routed_resource() {
        let p = |k: &str, v: &str| vec![(k.to_owned(), v.to_owned())];
        assert_eq!(arn_path("/denied", &[]), "/denied");
        assert_eq!(arn_path("/", &[]), "/");
        assert_eq!(arn_path("/pets/{id}", &p("id", "42")), "/pets/42");
        assert_eq!(arn_path("/pets/{id}", &p("id", "%73ecret")), "/pets/secret");
        assert_eq!(arn_path("/f/{proxy+}", &p("proxy", "a/b%2Fc")), "/f/a/b/c");
        assert_eq!(arn_path("/f/{proxy+}", &p("proxy", "a//b")), "/f/a//b");
        assert_eq!(arn_path("/f/{id}", &p("id", "%ff")), "/f/%ff");
    }
}
