//! Any text as a mapping template: parsing must answer with a template or a positioned error,
//! never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_vtl::Template;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(e) = Template::parse(src) {
        assert!(e.line >= 1 && e.column >= 1, "{e}");
        assert!(e.line <= src.lines().count() + 1, "{e}");
    }
});
