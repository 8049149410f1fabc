//! Any bytes as an OpenAPI/Swagger document: the importer must answer with a definition or
//! diagnostics, never panic; whatever it accepts must be a valid resource tree that compiles.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tollgate_openapi::{ImportOptions, import};

fuzz_target!(|data: &[u8]| {
    if let Ok(imported) = import(data, &ImportOptions::default()) {
        assert!(imported.definition.validate().is_ok());
        let stage = tollgate_model::Stage::new("fuzz", "d00000");
        // Methods without integrations are legal in a definition but refused at compile time.
        let _ = tollgate_engine::compile(&imported.definition, &stage);
    }
});
