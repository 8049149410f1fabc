//! Request-path normalisation (crates/engine/src/path.rs): never panics, leaves no dot segment,
//! never climbs out, and normalising twice changes nothing.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_engine::path::{arn_path, confine_dot_segments, remove_dot_segments};

fn is_dot_segment(seg: &str) -> bool {
    let decoded = seg.replace("%2e", ".").replace("%2E", ".");
    decoded == "." || decoded == ".."
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let path = format!("/{text}");
    let normalized = remove_dot_segments(&path);
    assert!(normalized.starts_with('/'), "{path:?} -> {normalized:?}");
    assert!(
        !normalized.split('/').any(is_dot_segment),
        "{path:?} -> {normalized:?}"
    );
    assert_eq!(remove_dot_segments(&normalized), normalized, "{path:?}");

    let confined = confine_dot_segments(text);
    assert!(!confined.split('/').any(is_dot_segment), "{text:?} -> {confined:?}");

    let params = vec![("id".to_owned(), text.to_owned())];
    let arn = arn_path("/pets/{id}", &params);
    assert!(arn.starts_with("/pets/"), "{text:?} -> {arn:?}");
});
