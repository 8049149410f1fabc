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
/// A body whose size hint (its declared Content-Length) is over `limit` is refused before any of
/// it is read. A body that arrives in one frame is returned without a copy; otherwise the buffer
/// starts at the declared length, never beyond `limit`, so a length a peer merely claims costs no
/// more than the cap.
///
/// Written out rather than with `http_body_util::Limited`: with a boxed-error body inside a
/// future that must be `Send`, `Limited`'s error conversion trips a rustc higher-ranked lifetime
/// limitation.
pub async fn collect_limited<B>(mut body: B, limit: usize) -> Result<Bytes, CollectError>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    let hint = body.size_hint();
    if hint.lower() > limit as u64 {
        return Err(CollectError::TooLarge);
    }
    let declared = hint.exact().and_then(|n| usize::try_from(n).ok());
    let mut first: Option<Bytes> = None;
    let mut rest: Option<bytes::BytesMut> = None;
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| CollectError::Body(e.into()))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if data.is_empty() {
            continue;
        }
        total = total.saturating_add(data.len());
        if total > limit {
            return Err(CollectError::TooLarge);
        }
        if let Some(buf) = rest.as_mut() {
            buf.extend_from_slice(&data);
        } else if let Some(head) = first.take() {
            let capacity = declared.unwrap_or(0).clamp(total, limit);
            let mut buf = bytes::BytesMut::with_capacity(capacity);
            buf.extend_from_slice(&head);
            buf.extend_from_slice(&data);
            rest = Some(buf);
        } else {
            first = Some(data);
        }
    }
    Ok(match (rest, first) {
        (Some(buf), _) => buf.freeze(),
        (None, Some(one)) => one,
        (None, None) => Bytes::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A body that yields the given frames one poll at a time, with no size hint.
    struct Frames(std::collections::VecDeque<&'static str>);

    impl http_body::Body for Frames {
        type Data = Bytes;
        type Error = BoxError;
        fn poll_frame(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, BoxError>>> {
            let next = self.0.pop_front();
            std::task::Poll::Ready(next.map(|s| Ok(http_body::Frame::data(Bytes::from(s)))))
        }
    }

    fn chunks(parts: &[&'static str]) -> Body {
        Frames(parts.iter().copied().collect()).boxed_unsync()
    }

    fn run<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
            .block_on(f)
    }

    #[test]
    fn joins_frames_and_keeps_a_single_frame_as_is() {
        let one = Bytes::from_static(b"whole");
        let got = run(collect_limited(full(one.clone()), 10)).expect("collected");
        assert_eq!(got.as_ptr(), one.as_ptr(), "one frame is not copied");
        let got = run(collect_limited(chunks(&["ab", "", "cd", "e"]), 10)).expect("collected");
        assert_eq!(got, "abcde");
        assert_eq!(run(collect_limited(empty(), 0)).expect("collected"), "");
    }

    #[test]
    fn refuses_more_than_the_limit_declared_or_sent() {
        assert!(matches!(
            run(collect_limited(chunks(&["abc", "def"]), 5)),
            Err(CollectError::TooLarge)
        ));
        assert!(matches!(
            run(collect_limited(full("abcdef"), 5)),
            Err(CollectError::TooLarge)
        ));
        assert_eq!(
            run(collect_limited(chunks(&["abc", "de"]), 5)).expect("collected"),
            "abcde"
        );
    }
}
