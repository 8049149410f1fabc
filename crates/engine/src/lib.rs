//! Tollgate's data plane: compiled deployments, the router, the request pipeline, integrations
//! and gateway responses.
//!
//! The flow: [`compile()`] turns a deployment's [`tollgate_model::ApiDefinition`] and a
//! [`tollgate_model::Stage`] into an immutable [`CompiledStage`]; a [`StageTable`] of those is
//! published to the [`Gateway`]; [`Gateway::handle`] serves requests against whatever table is
//! current, running the phases of [`pipeline`].

pub mod access;
pub mod api_keys;
mod auth_cache;
pub mod authorizer;
pub mod binary;
pub mod body;
pub mod compile;
pub mod context;
pub mod gateway;
pub mod gateway_response;
pub mod headers;
pub mod integration;
pub mod path;
pub mod pipeline;
pub mod resource_policy;
pub mod router;
pub mod templates;
pub mod test_invoke;
pub mod upstream;
pub mod validation;

pub use compile::{CompileError, CompiledStage, compile};
pub use context::ConnectionInfo;
pub use gateway::{Gateway, Limits, StageTable};
pub use integration::lambda::{FunctionOutput, Functions};
pub use upstream::Upstream;
