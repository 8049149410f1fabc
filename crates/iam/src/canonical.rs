//! Canonical request pieces, rebuilt from the request as received (reference §6).

use std::time::SystemTime;

use http::HeaderMap;
use time::{OffsetDateTime, PrimitiveDateTime};

/// Hex SHA-256 of the empty body.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The literal payload hash for unsigned payloads.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(data))
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// RFC 3986 encoding: everything but unreserved characters becomes `%XX` (upper-case hex).
/// With `keep_slash`, `/` is kept as is.
pub fn uri_encode(input: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(input.len());
    for &b in input.as_bytes() {
        if is_unreserved(b) || (keep_slash && b == b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The canonical URI: the path as sent, with empty and `.` segments dropped and `..`
/// segments resolved (as the AWS SDKs normalize), then every byte other than unreserved
/// characters and `/` percent-encoded again — so `%20` in the request becomes `%2520`
/// (non-S3 double encoding). An empty path is `/`; a trailing slash is kept.
pub fn canonical_uri(path: &str) -> String {
    let path = if path.is_empty() { "/" } else { path };
    let mut segments: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut normalized = String::from("/");
    normalized.push_str(&segments.join("/"));
    let trailing = ["/", "/.", "/..", "/./", "/../"]
        .iter()
        .any(|s| path.ends_with(s));
    if trailing && !normalized.ends_with('/') {
        normalized.push('/');
    }
    uri_encode(&normalized, true)
}

/// The canonical query string: parameters decoded (`+` is a space), re-encoded per
/// RFC 3986, sorted by encoded name then value, joined as `k=v` with `&` (`k=` when empty).
/// Parameters named in `exclude` (exact, case-sensitive, e.g. `X-Amz-Signature`) are dropped.
pub fn canonical_query(query: Option<&str>, exclude: &[&str]) -> String {
    let raw = query.unwrap_or("");
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(raw.as_bytes())
        .filter(|(k, _)| !exclude.contains(&k.as_ref()))
        .map(|(k, v)| (uri_encode(&k, false), uri_encode(&v, false)))
        .collect();
    pairs.sort();
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
    out
}

/// Trims spaces at both ends and collapses runs of spaces to one (only U+0020, as the SDKs do).
pub fn trim_all(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut last_space = false;
    for c in value.trim_matches(' ').chars() {
        if c == ' ' {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out
}

/// The canonical headers block (each `name:value\n`) for the signed header names, in the
/// order given. Repeated headers are joined with `,`. A signed `host` that is absent from the
/// header map (HTTP/2) is taken from `authority`. Absent headers yield an empty value.
pub fn canonical_headers(
    headers: &HeaderMap,
    signed: &[String],
    authority: Option<&str>,
) -> String {
    let mut out = String::new();
    for name in signed {
        let values: Vec<String> = headers
            .get_all(name.as_str())
            .iter()
            .map(|v| trim_all(&String::from_utf8_lossy(v.as_bytes())))
            .collect();
        let value = if values.is_empty() && name == "host" {
            authority.map(trim_all).unwrap_or_default()
        } else {
            values.join(",")
        };
        out.push_str(name);
        out.push(':');
        out.push_str(&value);
        out.push('\n');
    }
    out
}

const AMZ_DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
const SCOPE_DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year][month][day]");
const HTTP_DATE: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// Parses `YYYYMMDDTHHMMSSZ`.
pub fn parse_amz_date(value: &str) -> Option<SystemTime> {
    PrimitiveDateTime::parse(value.trim(), AMZ_DATE)
        .ok()
        .map(|dt| dt.assume_utc().into())
}

/// Parses an RFC 7231 `Date` header (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn parse_http_date(value: &str) -> Option<SystemTime> {
    PrimitiveDateTime::parse(value.trim(), HTTP_DATE)
        .ok()
        .map(|dt| dt.assume_utc().into())
}

/// Formats as `YYYYMMDDTHHMMSSZ` (UTC).
pub fn format_amz_date(t: SystemTime) -> String {
    OffsetDateTime::from(t).format(AMZ_DATE).unwrap_or_default()
}

/// Formats as `YYYYMMDD` (UTC).
pub fn format_scope_date(t: SystemTime) -> String {
    OffsetDateTime::from(t)
        .format(SCOPE_DATE)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_double_encodes_and_removes_dot_segments() {
        assert_eq!(canonical_uri("/prod/a%20b"), "/prod/a%2520b");
        assert_eq!(canonical_uri("/prod/./x/../y"), "/prod/y");
        assert_eq!(canonical_uri("/prod/x/.."), "/prod/");
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/../.."), "/");
        assert_eq!(canonical_uri("/prod//pets/"), "/prod/pets/");
        assert_eq!(canonical_uri("/prod/~a-b_c.d"), "/prod/~a-b_c.d");
        assert_eq!(canonical_uri("/prod/%C3%A9"), "/prod/%25C3%25A9");
    }

    #[test]
    fn query_sorted_and_reencoded() {
        assert_eq!(canonical_query(Some("b=2&a=1&a=0"), &[]), "a=0&a=1&b=2");
        assert_eq!(
            canonical_query(Some("q=a+b&e&x=%2F"), &[]),
            "e=&q=a%20b&x=%2F"
        );
        assert_eq!(
            canonical_query(Some("X-Amz-Signature=abc&k=v"), &["X-Amz-Signature"]),
            "k=v"
        );
        assert_eq!(canonical_query(None, &[]), "");
        assert_eq!(canonical_query(Some("k=%E2%9C%93"), &[]), "k=%E2%9C%93");
    }

    #[test]
    fn trim_collapses_spaces_only() {
        assert_eq!(trim_all("  a   b  c "), "a b c");
        assert_eq!(trim_all("a\t\tb"), "a\t\tb");
    }

    #[test]
    fn dates_round_trip() {
        let t = parse_amz_date("20201027T123008Z");
        assert_eq!(t.map(format_amz_date).as_deref(), Some("20201027T123008Z"));
        assert_eq!(t.map(format_scope_date).as_deref(), Some("20201027"));
        assert!(parse_amz_date("2020-10-27T12:30:08Z").is_none());
        let h = parse_http_date("Tue, 27 Oct 2020 12:30:08 GMT");
        assert_eq!(h, t);
    }
}
