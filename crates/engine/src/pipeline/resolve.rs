//! Phase 1 — resolve: which API and stage an invoke URL names.
//!
//! Three URL forms are always on:
//! `http://{apiId}.execute-api.{anything}/{stage}/{path}` (the Host header decides),
//! `/restapis/{apiId}/{stage}/_user_request_/{path}` and `/_aws/execute-api/{apiId}/{stage}/{path}`
//! (for clients that cannot set Host).

/// The API and stage an invoke URL addresses, and the rest of the raw path.
#[derive(Debug, PartialEq, Eq)]
pub struct Target<'a> {
    /// The API id, or for local convenience the API's name, as written in the URL.
    pub api: &'a str,
    pub stage: &'a str,
    /// The resource path after the stage, raw, with a leading `/` (extra slashes right after the
    /// stage collapsed, as AWS routes them).
    pub path: &'a str,
}

pub(crate) fn split_stage(rest: &str) -> Option<(&str, &str)> {
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    let (stage, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if stage.is_empty() {
        return None;
    }
    let trimmed = path.trim_start_matches('/');
    let path = &path[path.len() - trimmed.len() - 1..];
    Some((stage, path))
}

/// A resource path with the extra slashes after the stage collapsed (`//x` → `/x`, `` → `/`).
pub(crate) fn collapse_leading(path: &str) -> &str {
    let trimmed = path.trim_start_matches('/');
    if trimmed.len() == path.len() {
        // No leading slash at all: only the empty path can get here.
        return if path.is_empty() { "/" } else { path };
    }
    &path[path.len() - trimmed.len() - 1..]
}

/// Resolves the target of a request from its host (without port) and raw path.
pub fn target<'a>(host: Option<&'a str>, path: &'a str) -> Option<Target<'a>> {
    if let Some(host) = host
        && let Some((label, _)) = host.split_once(".execute-api.")
        && !label.is_empty()
        && !label.contains('.')
    {
        let (stage, path) = split_stage(path)?;
        return Some(Target {
            api: label,
            stage,
            path,
        });
    }
    let (prefix_len, user_request) = if path.starts_with("/restapis/") {
        ("/restapis/".len(), true)
    } else if path.starts_with("/_aws/execute-api/") {
        ("/_aws/execute-api/".len(), false)
    } else {
        return None;
    };
    let rest = &path[prefix_len..];
    let (api, rest) = rest.split_once('/')?;
    if api.is_empty() {
        return None;
    }
    if user_request {
        let (stage, rest) = rest.split_once('/')?;
        let after = rest.strip_prefix("_user_request_")?;
        if stage.is_empty() || !(after.is_empty() || after.starts_with('/')) {
            return None;
        }
        let trimmed = after.trim_start_matches('/');
        let path = if after.is_empty() {
            "/"
        } else {
            &after[after.len() - trimmed.len() - 1..]
        };
        return Some(Target { api, stage, path });
    }
    let (stage, path) = split_stage(&path[prefix_len + api.len()..])?;
    Some(Target { api, stage, path })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t<'a>(api: &'a str, stage: &'a str, path: &'a str) -> Option<Target<'a>> {
        Some(Target { api, stage, path })
    }

    #[test]
    fn host_form() {
        assert_eq!(
            target(Some("abc1234567.execute-api.localhost"), "/dev/pets/1"),
            t("abc1234567", "dev", "/pets/1")
        );
        assert_eq!(
            target(Some("abc1234567.execute-api.localhost"), "/dev"),
            t("abc1234567", "dev", "/")
        );
        assert_eq!(
            target(Some("abc1234567.execute-api.localhost"), "/dev/"),
            t("abc1234567", "dev", "/")
        );
        assert_eq!(
            target(Some("abc1234567.execute-api.localhost"), "/dev//x"),
            t("abc1234567", "dev", "/x")
        );
        assert_eq!(target(Some("abc1234567.execute-api.localhost"), "/"), None);
    }

    #[test]
    fn path_forms() {
        assert_eq!(
            target(Some("127.0.0.1"), "/restapis/abc/dev/_user_request_/pets/1"),
            t("abc", "dev", "/pets/1")
        );
        assert_eq!(
            target(None, "/restapis/abc/dev/_user_request_"),
            t("abc", "dev", "/")
        );
        assert_eq!(
            target(None, "/restapis/abc/dev/_user_request_/"),
            t("abc", "dev", "/")
        );
        assert_eq!(target(None, "/restapis/abc/dev/other/x"), None);
        assert_eq!(
            target(None, "/_aws/execute-api/abc/dev/pets"),
            t("abc", "dev", "/pets")
        );
        assert_eq!(
            target(None, "/_aws/execute-api/abc/dev"),
            t("abc", "dev", "/")
        );
        assert_eq!(target(None, "/_aws/execute-api/abc"), None);
        assert_eq!(target(None, "/pets"), None);
    }
}
