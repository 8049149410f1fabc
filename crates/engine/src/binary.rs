//! Binary payloads of non-proxy integrations: which payloads count as binary (the API's
//! `binaryMediaTypes`, wildcards allowed) and the `contentHandling` conversions AWS applies on the
//! way to the integration and back.
//!
//! Request (integration `contentHandling`; the payload is binary when its Content-Type matches):
//!
//! | payload | unset | CONVERT_TO_BINARY | CONVERT_TO_TEXT |
//! |---|---|---|---|
//! | text | text | base64-decoded bytes | text |
//! | binary | bytes | bytes | base64 text |
//!
//! Response (integration response `contentHandling`; "binary" on the client side means the first
//! Accept media type matches):
//!
//! | payload | Accept | unset | CONVERT_TO_TEXT | CONVERT_TO_BINARY |
//! |---|---|---|---|---|
//! | text | text | text | text | base64-decoded bytes |
//! | text | binary | base64-decoded bytes | text | base64-decoded bytes |
//! | binary | text | base64 text | base64 text | bytes |
//! | binary | binary | bytes | base64 text | bytes |
//!
//! Mapping templates apply to text only: a payload that stays bytes passes through.

use base64::Engine as _;
use bytes::Bytes;
use tollgate_model::ContentHandling;

use crate::gateway_response::GatewayError;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// True when `content_type` matches one of `types` (`*/*`, `image/*`, or exact; parameters and
/// case ignored).
pub fn is_binary(types: &[String], content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return false };
    let ct = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if ct.is_empty() {
        return false;
    }
    types.iter().any(|t| {
        let t = t.to_ascii_lowercase();
        if t == "*/*" {
            return true;
        }
        match t.strip_suffix("/*") {
            Some(major) => ct.split('/').next() == Some(major),
            None => t == ct,
        }
    })
}

/// The first media type of an Accept header (what AWS matches against binary media types).
pub fn first_accept(accept: Option<&str>) -> Option<&str> {
    accept.and_then(|a| a.split(',').next()).map(str::trim)
}

/// A payload after conversion: text (templates apply) or bytes (passed through as they are).
#[derive(Debug, PartialEq, Eq)]
pub enum Payload {
    Text(Bytes),
    Binary(Bytes),
}

/// Converts a method request's body for the integration.
pub fn request(
    body: Bytes,
    binary: bool,
    handling: Option<ContentHandling>,
) -> Result<Payload, GatewayError> {
    Ok(match (binary, handling) {
        (false, Some(ContentHandling::ConvertToBinary)) => Payload::Binary(decode(&body)?),
        (false, _) => Payload::Text(body),
        (true, Some(ContentHandling::ConvertToText)) => Payload::Text(B64.encode(&body).into()),
        (true, _) => Payload::Binary(body),
    })
}

/// Converts an integration response's body for the client.
pub fn response(
    body: Bytes,
    binary: bool,
    binary_accept: bool,
    handling: Option<ContentHandling>,
) -> Result<Payload, GatewayError> {
    Ok(match (binary, handling) {
        (false, Some(ContentHandling::ConvertToBinary)) => Payload::Binary(decode(&body)?),
        (false, Some(ContentHandling::ConvertToText)) => Payload::Text(body),
        (false, None) if binary_accept => Payload::Binary(decode(&body)?),
        (false, None) => Payload::Text(body),
        (true, Some(ContentHandling::ConvertToText)) => Payload::Text(B64.encode(&body).into()),
        (true, Some(ContentHandling::ConvertToBinary)) => Payload::Binary(body),
        (true, None) if binary_accept => Payload::Binary(body),
        (true, None) => Payload::Text(B64.encode(&body).into()),
    })
}

/// Base64 that does not decode is an internal error, as in AWS.
fn decode(body: &[u8]) -> Result<Bytes, GatewayError> {
    let trimmed = body.trim_ascii();
    B64.decode(trimmed).map(Bytes::from).map_err(|_| {
        tracing::debug!("contentHandling CONVERT_TO_BINARY: the payload is not base64");
        GatewayError::internal()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContentHandling::*;

    fn t(s: &str) -> Payload {
        Payload::Text(Bytes::from(s.to_owned()))
    }

    fn b(s: &[u8]) -> Payload {
        Payload::Binary(Bytes::copy_from_slice(s))
    }

    #[test]
    fn media_type_matching() {
        let types = vec!["image/*".to_owned(), "application/octet-stream".to_owned()];
        assert!(is_binary(&types, Some("image/png")));
        assert!(is_binary(&types, Some("Application/Octet-Stream; x=1")));
        assert!(!is_binary(&types, Some("application/json")));
        assert!(!is_binary(&types, None));
        assert!(is_binary(&["*/*".to_owned()], Some("text/plain")));
        assert_eq!(
            first_accept(Some("image/png, text/html;q=0.9")),
            Some("image/png")
        );
    }

    #[test]
    fn request_table() {
        let body = || Bytes::from_static(b"\x00\x01");
        let text = || Bytes::from_static(b"AAE=");
        assert_eq!(request(text(), false, None).unwrap(), t("AAE="));
        assert_eq!(
            request(text(), false, Some(ConvertToBinary)).unwrap(),
            b(b"\x00\x01")
        );
        assert_eq!(
            request(text(), false, Some(ConvertToText)).unwrap(),
            t("AAE=")
        );
        assert_eq!(request(body(), true, None).unwrap(), b(b"\x00\x01"));
        assert_eq!(
            request(body(), true, Some(ConvertToBinary)).unwrap(),
            b(b"\x00\x01")
        );
        assert_eq!(
            request(body(), true, Some(ConvertToText)).unwrap(),
            t("AAE=")
        );
        assert!(
            request(
                Bytes::from_static(b"not base64!"),
                false,
                Some(ConvertToBinary)
            )
            .is_err()
        );
    }

    #[test]
    fn response_table() {
        let body = || Bytes::from_static(b"\x00\x01");
        let text = || Bytes::from_static(b"AAE=");
        assert_eq!(response(text(), false, false, None).unwrap(), t("AAE="));
        assert_eq!(response(text(), false, true, None).unwrap(), b(b"\x00\x01"));
        assert_eq!(
            response(text(), false, true, Some(ConvertToText)).unwrap(),
            t("AAE=")
        );
        assert_eq!(
            response(text(), false, false, Some(ConvertToBinary)).unwrap(),
            b(b"\x00\x01")
        );
        assert_eq!(response(body(), true, false, None).unwrap(), t("AAE="));
        assert_eq!(response(body(), true, true, None).unwrap(), b(b"\x00\x01"));
        assert_eq!(
            response(body(), true, true, Some(ConvertToText)).unwrap(),
            t("AAE=")
        );
        assert_eq!(
            response(body(), true, false, Some(ConvertToBinary)).unwrap(),
            b(b"\x00\x01")
        );
    }
}
