//! OpenAPI 3.0 and Swagger 2.0 (JSON or YAML) into API Gateway's model, with AWS's
//! `x-amazon-apigateway-*` extensions.
//!
//! [`import`] is all-or-nothing: a document with errors yields no definition, only
//! [`Diagnostic`]s that name the JSON path and the reason. Warnings (extensions kept but not yet
//! enforced, ignored attributes) come with a successful import, as AWS returns them.

use tollgate_model::ApiDefinition;

/// How the document's base path becomes part of the resource paths (AWS's `basepath` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BasePathMode {
    #[default]
    Ignore,
    Prepend,
    Split,
}

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub base_path: BasePathMode,
    /// Turn every warning into an error (AWS's `failonwarnings=true`).
    pub fail_on_warnings: bool,
}

/// One finding about the document, located by a JSON path such as
/// `$.paths['/pets/{id}'].get.x-amazon-apigateway-integration.type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A successful import.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The API, with fresh ids; `rest_api.warnings` holds the warnings' texts too.
    pub definition: ApiDefinition,
    pub warnings: Vec<Diagnostic>,
}

/// A refused document: every error found (not only the first), plus the warnings.
#[derive(Debug, Clone, thiserror::Error)]
#[error("Invalid OpenAPI input: {}", .errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct ImportError {
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

/// What `${AWS::Region}` becomes in the document's strings.
pub const AWS_REGION: &str = "us-east-1";
/// What `${AWS::AccountId}` becomes in the document's strings.
pub const AWS_ACCOUNT_ID: &str = "000000000000";
/// What `${AWS::Partition}` becomes in the document's strings.
pub const AWS_PARTITION: &str = "aws";

pub use parse::MAX_DOCUMENT_BYTES;

/// Reads an OpenAPI 3.0.x or Swagger 2.0 document (JSON or YAML, sniffed) into a new API.
pub fn import(document: &[u8], options: &ImportOptions) -> Result<Imported, ImportError> {
    match parse::parse(document) {
        Ok(value) => import::import_value(value, options),
        Err(diagnostic) => Err(ImportError {
            errors: vec![diagnostic],
            warnings: Vec::new(),
        }),
    }
}

mod diag;
mod import;
mod jpath;
mod parse;
