//! Helpers shared by the SAM integration tests: loading a template, unwrapping the result, and
//! finding APIs and methods in what the loader and the OpenAPI importer make of it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use tollgate_model::{ApiDefinition, HttpMethod, Method};
use tollgate_openapi::{ImportOptions, import};
use tollgate_sam::{Diagnostic, SamApi, SamApp, SamError, SamOptions, load};

/// The crate's directory: where the relative paths of an inline template start.
pub fn dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A directory of `tests/data`.
pub fn data_dir(name: &str) -> PathBuf {
    dir().join("tests/data").join(name)
}

/// The default options with a stack name.
pub fn options(stack: &str) -> SamOptions {
    SamOptions {
        stack_name: Some(stack.to_owned()),
        ..SamOptions::default()
    }
}

/// Loads an inline template, relative to the crate's directory.
pub fn run(template: &str, options: &SamOptions) -> Result<SamApp, SamError> {
    load(template.as_bytes(), dir(), options)
}

/// The application of a template that must load.
pub fn ok(template: &str, options: &SamOptions) -> SamApp {
    match run(template, options) {
        Ok(app) => app,
        Err(e) => panic!("{e}"),
    }
}

/// The errors of a template that must not load.
pub fn errors(template: &str, options: &SamOptions) -> Vec<Diagnostic> {
    match run(template, options) {
        Ok(app) => panic!("expected errors, got {:#?}", app.warnings),
        Err(e) => e.errors,
    }
}

/// The only error of a list that must hold exactly one.
pub fn single(errors: Vec<Diagnostic>) -> Diagnostic {
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors.into_iter().next().unwrap()
}

/// Whether a warning contains every one of `parts`.
pub fn warned(app: &SamApp, parts: &[&str]) -> bool {
    app.warnings
        .iter()
        .any(|w| parts.iter().all(|p| w.contains(p)))
}

pub fn api<'a>(app: &'a SamApp, logical_id: &str) -> &'a SamApi {
    app.apis
        .iter()
        .find(|a| a.logical_id == logical_id)
        .unwrap_or_else(|| panic!("no API {logical_id}"))
}

/// What `tollgate_openapi::import` makes of an API's OpenAPI document (which it must accept).
pub fn imported(api: &SamApi) -> ApiDefinition {
    let bytes = serde_json::to_vec(&api.openapi).unwrap();
    match import(&bytes, &ImportOptions::default()) {
        Ok(i) => i.definition,
        Err(e) => panic!(
            "{e}\n{}",
            serde_json::to_string_pretty(&api.openapi).unwrap()
        ),
    }
}

pub fn method<'a>(def: &'a ApiDefinition, path: &str, verb: HttpMethod) -> &'a Method {
    def.resources
        .iter()
        .find(|r| r.path == path)
        .and_then(|r| r.resource_methods.get(&verb))
        .unwrap_or_else(|| panic!("no {verb} {path}"))
}

/// The integration URI of a Lambda proxy to a function of the template.
pub fn lambda_uri(function: &str) -> String {
    format!(
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:{function}/invocations"
    )
}
