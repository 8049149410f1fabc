//! Parse and render errors; both name a 1-based line and column in the template.

use std::fmt;

/// A template that Velocity would reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Why rendering failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderErrorKind {
    /// The template itself failed (a method threw, a limit was hit, ...): API Gateway answers 500.
    Template,
    /// `$input.path`/`$input.json` met a body that starts like JSON but does not parse: API Gateway
    /// answers 400.
    InvalidJsonBody,
    /// A guard against runaway templates (loop, output, recursion) tripped.
    Limit,
}

impl fmt::Display for RenderErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RenderErrorKind::Template => "template error",
            RenderErrorKind::InvalidJsonBody => "invalid JSON body",
            RenderErrorKind::Limit => "limit exceeded",
        })
    }
}

/// A failure while rendering.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct RenderError {
    pub kind: RenderErrorKind,
    pub line: usize,
    pub column: usize,
    pub message: String,
}
