//! AWS's rules for headers that cross the gateway: which are dropped, which are regenerated, and
//! which a backend's values are renamed `x-amzn-Remapped-*` for.

use http::{HeaderMap, HeaderName, HeaderValue};

/// Request headers never sent to an HTTP integration (hop-by-hop, or owned by the gateway).
pub fn dropped_towards_backend(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "host"
            | "content-length"
            | "connection"
            | "keep-alive"
            | "content-md5"
            | "expect"
            | "proxy-authenticate"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "upgrade"
            | "transfer-encoding"
            | "max-forwards"
            | "www-authenticate"
            | "server"
            | "via"
    )
}

/// Backend response headers that go out renamed `x-amzn-Remapped-{Name}` (the gateway sends its
/// own value, if any, under the original name).
fn remapped_from_backend(name: &HeaderName) -> Option<&'static str> {
    Some(match name.as_str() {
        "connection" => "x-amzn-Remapped-Connection",
        "content-length" => "x-amzn-Remapped-Content-Length",
        "date" => "x-amzn-Remapped-Date",
        "server" => "x-amzn-Remapped-Server",
        "x-amzn-requestid" => "x-amzn-Remapped-x-amzn-RequestId",
        "authorization" => "x-amzn-Remapped-Authorization",
        "content-md5" => "x-amzn-Remapped-Content-MD5",
        "max-forwards" => "x-amzn-Remapped-Max-Forwards",
        "www-authenticate" => "x-amzn-Remapped-WWW-Authenticate",
        "user-agent" => "x-amzn-Remapped-User-Agent",
        _ => return None,
    })
}

/// Backend response headers that never reach the client.
fn dropped_from_backend(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "transfer-encoding"
            | "keep-alive"
            | "expect"
            | "proxy-authenticate"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "upgrade"
            | "host"
            | "via"
    )
}

/// The client-facing headers for an HTTP_PROXY backend response.
pub fn from_backend(backend: HeaderMap) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(backend.len());
    let mut current: Option<HeaderName> = None;
    for (name, value) in backend {
        if let Some(n) = name {
            current = Some(n);
        }
        let Some(name) = current.as_ref() else {
            continue;
        };
        if dropped_from_backend(name) {
            continue;
        }
        match remapped_from_backend(name) {
            Some(remapped) => {
                out.append(HeaderName::from_static(lowercase_static(remapped)), value);
            }
            None => {
                out.append(name.clone(), value);
            }
        }
    }
    out
}

/// `HeaderName::from_static` needs lower case; the remapped names above are written in AWS's
/// spelling for readability, and HTTP header names are case-insensitive on the wire.
fn lowercase_static(name: &'static str) -> &'static str {
    match name {
        "x-amzn-Remapped-Connection" => "x-amzn-remapped-connection",
        "x-amzn-Remapped-Content-Length" => "x-amzn-remapped-content-length",
        "x-amzn-Remapped-Date" => "x-amzn-remapped-date",
        "x-amzn-Remapped-Server" => "x-amzn-remapped-server",
        "x-amzn-Remapped-x-amzn-RequestId" => "x-amzn-remapped-x-amzn-requestid",
        "x-amzn-Remapped-Authorization" => "x-amzn-remapped-authorization",
        "x-amzn-Remapped-Content-MD5" => "x-amzn-remapped-content-md5",
        "x-amzn-Remapped-Max-Forwards" => "x-amzn-remapped-max-forwards",
        "x-amzn-Remapped-WWW-Authenticate" => "x-amzn-remapped-www-authenticate",
        _ => "x-amzn-remapped-user-agent",
    }
}

/// A header name as AWS spells it where the spelling shows (TestInvokeMethod's `headers` and
/// execution logs): its own headers as it writes them (`x-amzn-ErrorType`, `x-amzn-RequestId`,
/// `x-amzn-Remapped-Server`, `X-Amzn-Trace-Id`), any other Title-Cased (`Content-Type`).
/// HeaderMaps keep names in lower case, so a backend's or function's own spelling is not known.
pub fn aws_spelling(name: &str) -> String {
    let fixed = match name {
        "x-amzn-errortype" => Some("x-amzn-ErrorType"),
        "x-amzn-requestid" => Some("x-amzn-RequestId"),
        "x-amz-apigw-id" => Some("x-amz-apigw-id"),
        "x-amzn-apigateway-api-id" => Some("x-amzn-apigateway-api-id"),
        "x-amzn-remapped-x-amzn-requestid" => Some("x-amzn-Remapped-x-amzn-RequestId"),
        "x-amzn-remapped-content-md5" => Some("x-amzn-Remapped-Content-MD5"),
        "x-amzn-remapped-www-authenticate" => Some("x-amzn-Remapped-WWW-Authenticate"),
        _ => None,
    };
    if let Some(f) = fixed {
        return f.to_owned();
    }
    if let Some(rest) = name.strip_prefix("x-amzn-remapped-") {
        return format!("x-amzn-Remapped-{}", title_case(rest));
    }
    title_case(name)
}

/// `content-type` → `Content-Type`.
pub fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for c in name.chars() {
        if upper {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        upper = c == '-';
    }
    out
}

/// Headers as AWS's execution log prints them: `{Content-Type=application/json, X-A=1,2}` (names
/// in AWS's spelling, several values comma-joined), cut like any logged value.
pub fn logged(headers: &HeaderMap) -> String {
    let pairs: Vec<(String, String)> = headers
        .keys()
        .map(|name| {
            let values: Vec<String> = headers
                .get_all(name)
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            (aws_spelling(name.as_str()), values.join(","))
        })
        .collect();
    let text = crate::context::logged_map(
        pairs
            .iter()
            .map(|(k, v)| (k.as_str(), std::borrow::Cow::Borrowed(v.as_str()))),
    );
    crate::context::logged_value(&text).into_owned()
}

pub const X_AMZN_REQUEST_ID: HeaderName = HeaderName::from_static("x-amzn-requestid");
pub const X_AMZ_APIGW_ID: HeaderName = HeaderName::from_static("x-amz-apigw-id");
pub const X_AMZN_TRACE_ID: HeaderName = HeaderName::from_static("x-amzn-trace-id");
pub const X_AMZN_APIGATEWAY_API_ID: HeaderName =
    HeaderName::from_static("x-amzn-apigateway-api-id");
pub const APPLICATION_JSON: HeaderValue = HeaderValue::from_static("application/json");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_headers_are_remapped_and_dropped() {
        let mut h = HeaderMap::new();
        h.insert("server", HeaderValue::from_static("nginx"));
        h.insert("content-length", HeaderValue::from_static("5"));
        h.insert("transfer-encoding", HeaderValue::from_static("chunked"));
        h.append("set-cookie", HeaderValue::from_static("a=1"));
        h.append("set-cookie", HeaderValue::from_static("b=2"));
        h.insert("x-custom", HeaderValue::from_static("v"));
        let out = from_backend(h);
        assert_eq!(out.get("x-amzn-remapped-server").unwrap(), "nginx");
        assert_eq!(out.get("x-amzn-remapped-content-length").unwrap(), "5");
        assert!(out.get("server").is_none());
        assert!(out.get("content-length").is_none());
        assert!(out.get("transfer-encoding").is_none());
        assert_eq!(out.get_all("set-cookie").iter().count(), 2);
        assert_eq!(out.get("x-custom").unwrap(), "v");
    }

    #[test]
    fn names_are_spelled_as_aws_shows_them() {
        assert_eq!(aws_spelling("content-type"), "Content-Type");
        assert_eq!(aws_spelling("x-amzn-trace-id"), "X-Amzn-Trace-Id");
        assert_eq!(aws_spelling("x-amzn-errortype"), "x-amzn-ErrorType");
        assert_eq!(
            aws_spelling("x-amzn-remapped-server"),
            "x-amzn-Remapped-Server"
        );
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static("text/plain"));
        h.append("x-multi", HeaderValue::from_static("a"));
        h.append("x-multi", HeaderValue::from_static("b"));
        assert_eq!(logged(&h), "{Content-Type=text/plain, X-Multi=a,b}");
        assert_eq!(logged(&HeaderMap::new()), "{}");
    }
}
