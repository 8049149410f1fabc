//! IAM-style policy documents as Amazon API Gateway evaluates them for `execute-api:Invoke`.
//!
//! - [`PolicyDocument`] parses Lambda-authorizer policies, resource policies and identity
//!   policies, and [`PolicyDocument::evaluate`]s them into a [`Decision`].
//! - [`method_arn`], [`expand_shorthand`] and [`mask_account`] build and print ARNs.
//! - [`precheck`], [`combine`] and [`denial_message`] implement the resource-policy workflow
//!   and the exact ACCESS_DENIED texts ([`messages`]).
//!
//! The crate is pure: no I/O, no clocks (the time comes in [`RequestFacts`]).

mod access;
mod arn;
mod cidr;
mod condition;
mod document;
mod error;
mod facts;
mod glob;

pub use access::{Access, AuthKind, AuthOutcome, combine, denial_message, messages, precheck};
pub use arn::{SHORTHAND_PREFIX, expand_shorthand, mask_account, method_arn};
pub use cidr::{Cidr, CidrError};
pub use condition::{
    Comparison, Condition, ConditionValues, Operator, OperatorKind, SetQualifier, parse_date,
};
pub use document::{
    Decision, Effect, INVOKE_ACTION, Matcher, ParseOptions, PolicyDocument, PrincipalSpec,
    Statement, action_matches, principal_matches,
};
pub use error::PolicyError;
pub use facts::{Principal, RequestFacts};
pub use glob::{glob_match, glob_match_ignore_case};
