//! OpenAPI 3.0 and Swagger 2.0 (JSON or YAML) into API Gateway's model, with AWS's
//! `x-amazon-apigateway-*` extensions.
//!
//! [`import`] is all-or-nothing: a document with errors yields no definition, only
//! [`Diagnostic`]s that name the JSON path and the reason. Warnings (extensions kept but not yet
//! enforced, ignored attributes) come with a successful import, as AWS returns them.
//!
//! Choices worth knowing:
//! - The format is sniffed: a document whose first non-blank character is `{` is JSON, anything
//!   else YAML (1.2 booleans; duplicate keys are errors; aliases and nesting are bounded).
//! - Only schemas that are `$ref`s to `definitions` / `components.schemas` become request and
//!   response models; an inline schema gets a warning and no model.
//! - A method without `x-amazon-apigateway-integration` is imported without an integration, with
//!   a warning (AWS imports it too; deploying it fails later).
//! - Features Tollgate keeps but does not act on yet (authorizers, AWS_IAM, API keys, request
//!   validators, VTL mapping templates, binary media types, compression, resource policies,
//!   AWS/AWS_PROXY integrations, VPC links) each produce one "is stored but not enforced by this
//!   version of Tollgate" warning.
//! - `x-amazon-apigateway-documentation` becomes the definition's documentation parts (parts that
//!   cannot be read are warnings); [`import_documentation`] reads only that extension
//!   (ImportDocumentationParts).
//! - `RestApi.warnings` holds each warning as `"{path}: {message}"`.
//! - `${AWS::Region}`, `${AWS::AccountId}` and `${AWS::Partition}` in string values become
//!   [`AWS_REGION`], [`AWS_ACCOUNT_ID`] and [`AWS_PARTITION`].
//!
//! [`export_oas30`] and [`export_swagger2`] write a definition back out in AWS's GetExport shape;
//! [`export_oas30_with`] and [`export_swagger2_with`] add a documentation version.

use tollgate_model::ApiDefinition;

/// How the document's base path becomes part of the resource paths (AWS's `basepath` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BasePathMode {
    /// The base path is dropped: `/a/b/c` + `/e` gives `/e`.
    #[default]
    Ignore,
    /// The base path's segments become resources: `/a/b/c` + `/e` gives `/a/b/c/e`.
    Prepend,
    /// The first segment is dropped (it names a stage), the rest prepended: `/b/c/e`.
    Split,
}

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub base_path: BasePathMode,
    /// Turn every warning into an error (AWS's `failonwarnings=true`).
    pub fail_on_warnings: bool,
    /// The id of the API the document is imported into (a re-import, `PUT /restapis/{id}`):
    /// what the policy's `execute-api:/` shorthand and model references expand with. A fresh
    /// id when `None`.
    pub api_id: Option<String>,
}

/// One finding about the document, located by a JSON path such as
/// `$.paths['/pets/{id}'].get.x-amazon-apigateway-integration.type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: String,
    pub message: String,
}

/// `{path}: {message}`; findings about the whole document (a YAML syntax error, path `$`) are
/// just the message.
impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path == "$" {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// A successful import.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The API, with fresh ids; `rest_api.warnings` holds the warnings' texts too.
    pub definition: ApiDefinition,
    pub warnings: Vec<Diagnostic>,
    /// Whether the document has `x-amazon-apigateway-endpoint-configuration` (at its root or on a
    /// server): PutRestApi's overwrite takes `vpcEndpointIds` and `disableExecuteApiEndpoint`
    /// from the document only then.
    pub endpoint_configuration: bool,
}

/// A refused document: every error found (not only the first), plus the warnings. With
/// [`ImportOptions::fail_on_warnings`], the warnings are moved into `errors`.
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

pub use documentation::{ExportedDocumentation, ImportedDocumentation, import_documentation};
pub use export::{
    ExportOptions, export_oas30, export_oas30_with, export_swagger2, export_swagger2_with,
};
pub use parse::MAX_DOCUMENT_BYTES;

/// Reads an OpenAPI 3.0.x or Swagger 2.0 document (JSON or YAML, sniffed) into a new API with
/// fresh ids (`RestApi::new`, `ApiDefinition::empty`, so the root resource and the built-in
/// `Empty`/`Error` models are there; a document model of the same name replaces a built-in).
/// Never panics, whatever the bytes; documents over [`MAX_DOCUMENT_BYTES`] are refused.
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
mod documentation;
mod export;
mod import;
mod jpath;
mod parse;
