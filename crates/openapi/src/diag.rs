//! Collecting errors and warnings, and the one place that words the "stored but not enforced"
//! warnings.

use std::collections::HashSet;

use crate::Diagnostic;
use crate::jpath::JPath;

/// A feature the document uses that Tollgate keeps in the definition but does not act on yet.
///
/// Every such warning is made by [`Diags::not_enforced`] from this enum, so that a version which
/// implements a feature only has to delete its variant (the compiler then points at every use).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum NotEnforced {
    /// A Lambda or Cognito authorizer, one warning per security scheme.
    /// `AWS_IAM` authorization (SigV4).
    /// `apiKeyRequired` on methods.
    /// `x-amazon-apigateway-request-validators`.
    /// Mapping templates that need the Velocity engine (they contain `$` or `#`).
    /// `x-amazon-apigateway-binary-media-types`.
    /// `x-amazon-apigateway-minimum-compression-size`.
    MinimumCompressionSize,
    /// `x-amazon-apigateway-policy`.
    /// `AWS` and `AWS_PROXY` integrations with an AWS service other than Lambda.
    AwsServiceIntegrations,
    /// `connectionType: VPC_LINK`.
    VpcLink,
}

impl NotEnforced {
    fn message(&self) -> String {
        const TAIL: &str = "is stored but not enforced by this version of Tollgate";
        match self {
            NotEnforced::MinimumCompressionSize => format!(
                "x-amazon-apigateway-minimum-compression-size {TAIL}: responses are not compressed"
            ),
            NotEnforced::AwsServiceIntegrations => format!(
                "An integration of type AWS or AWS_PROXY with an AWS service other than Lambda {TAIL}: such methods cannot be invoked"
            ),
            NotEnforced::VpcLink => format!(
                "An integration with connectionType VPC_LINK {TAIL}: such methods cannot be invoked yet"
            ),
        }
    }
}

/// Errors and warnings found so far, in document order, without repeats.
#[derive(Debug, Default)]
pub(crate) struct Diags {
    pub(crate) errors: Vec<Diagnostic>,
    pub(crate) warnings: Vec<Diagnostic>,
    seen: HashSet<(bool, String, String)>,
    not_enforced: HashSet<NotEnforced>,
}

impl Diags {
    pub(crate) fn error(&mut self, path: &JPath, message: impl Into<String>) {
        self.push(true, path, message.into());
    }

    pub(crate) fn warn(&mut self, path: &JPath, message: impl Into<String>) {
        self.push(false, path, message.into());
    }

    /// One warning per feature (per scheme for authorizers), at its first use.
    pub(crate) fn not_enforced(&mut self, path: &JPath, feature: NotEnforced) {
        if self.not_enforced.insert(feature.clone()) {
            self.warn(path, feature.message());
        }
    }

    pub(crate) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    fn push(&mut self, is_error: bool, path: &JPath, message: String) {
        if self
            .seen
            .insert((is_error, path.as_str().to_owned(), message.clone()))
        {
            let d = Diagnostic {
                path: path.as_str().to_owned(),
                message,
            };
            if is_error {
                self.errors.push(d);
            } else {
                self.warnings.push(d);
            }
        }
    }
}
