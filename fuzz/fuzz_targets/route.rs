//! Any host and path against a fixed resource tree: resolution and routing must never panic,
//! and a match must come back with parameters that are substrings of the path.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use tollgate_engine::pipeline::resolve;
use tollgate_engine::router::Router;
use tollgate_model::HttpMethod;

fn router() -> &'static Router<&'static str> {
    static ROUTER: OnceLock<Router<&'static str>> = OnceLock::new();
    ROUTER.get_or_init(|| {
        let mut r = Router::new();
        for (path, verb) in [
            ("/", HttpMethod::Get),
            ("/pets", HttpMethod::Any),
            ("/pets/{id}", HttpMethod::Get),
            ("/pets/{id}/toys/{toy}", HttpMethod::Post),
            ("/pets/dogs", HttpMethod::Patch),
            ("/{proxy+}", HttpMethod::Any),
            ("/a/b/c", HttpMethod::Delete),
            ("/a/{x}/c/{rest+}", HttpMethod::Put),
        ] {
            r.insert(path, verb, Arc::new(path)).expect("valid route");
        }
        r
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (host, path) = text.split_once('\n').unwrap_or(("abc1234567.execute-api.localhost", text));
    let path = resolve::target(Some(host), path).map_or(path, |t| t.path);
    for verb in HttpMethod::CONCRETE {
        if let Some(m) = router().find(path, verb) {
            for (_, value) in &m.params {
                assert!(path.contains(value.as_str()));
            }
        }
    }
});
