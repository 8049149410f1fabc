//! The body type every response and forwarded request uses.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A boxed streaming body: requests and responses are streamed, never collected, unless a
/// phase needs the whole payload.
pub type Body = http_body_util::combinators::UnsyncBoxBody<Bytes, BoxError>;

/// API Gateway's payload limit (10 MB).
pub const MAX_PAYLOAD: usize = 10 * 1024 * 1024;

pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

pub fn empty() -> Body {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

/// Boxes any body whose errors convert into [`BoxError`].
pub fn boxed<B>(body: B) -> Body
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    body.map_err(Into::into).boxed_unsync()
}

/// Why [`collect_limited`] stopped.
#[derive(Debug)]
pub enum CollectError {
    TooLarge,
    Body(BoxError),
}

/// Reads a whole body, refusing more than `limit` bytes.
///
/// Written out rather than with `http_body_util::Limited`: with a boxed-error body inside a
/// future that must be `Send`, `Limited`'s error conversion trips a rustc higher-ranked lifetime
/// limitation.
pub async fn collect_limited(mut body: Body, limit: usize) -> Result<Bytes, CollectError> {
    let mut buf = bytes::BytesMut::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(CollectError::Body)?;
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > limit {
                return Err(CollectError::TooLarge);
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf.freeze())
}
