//! AWS SAM and CloudFormation templates for Tollgate: the functions and the REST APIs of an
//! application, ready to be created, imported and deployed by `tollgate serve --sam
//! template.yaml`. SAM templates and plain CloudFormation (what `sam build` and `cdk synth`
//! write) load alike.
//!
//! [`load`] reads a template (YAML or JSON, short-form tags such as `!Ref`, `!Sub` and `!GetAtt`
//! kept by saphyr's parser), resolves the intrinsic functions a local run needs, applies
//! `Globals`, and returns:
//! - one [`FunctionConfig`] per `AWS::Serverless::Function` and `AWS::Lambda::Function` whose
//!   code is local (a directory, a zip archive extracted into [`SamOptions::work_dir`], inline
//!   code written there as `index.py`/`index.js`, or a CDK asset named by
//!   `Metadata.aws:asset:path`), named by `FunctionName` or else the logical id, as `sam local`
//!   does;
//! - one [`SamApi`] per REST API: each `AWS::Serverless::Api` and, when functions have `Api`
//!   events without `RestApiId`, the implicit `ServerlessRestApi` (stage `Prod`). Each carries an
//!   OpenAPI document that `tollgate_openapi::import` accepts (checked by [`load`] itself), with
//!   the functions' `Api` events as `aws_proxy` integrations whose URIs name the local functions,
//!   and `Auth` (API and event level) written as the SAM translator writes it: Lambda and Cognito
//!   authorizers, `AWS_IAM` and API keys as security schemes and method requirements, resource
//!   policies as `x-amazon-apigateway-policy`; usage plans come out as [`SamUsagePlan`]s;
//! - one [`SamApi`] per `AWS::ApiGateway::RestApi`, its `Resource`, `Method`, `Model`,
//!   `RequestValidator`, `Authorizer` and `GatewayResponse` resources written into the same
//!   kind of OpenAPI document (over its `Body` or local `BodyS3Location` when it has one), at
//!   the stages its `Stage`s and `Deployment`s' `StageName` give;
//! - the functions and APIs of nested stacks whose template is a local file
//!   (`AWS::Serverless::Application`, `AWS::CloudFormation::Stack`), with the parameters the
//!   parent passes and their `Outputs` readable by `Fn::GetAtt Stack.Outputs.Name`;
//! - the `AWS::ApiGateway::DomainName`s and `BasePathMapping`s as [`SamDomain`]s;
//! - the plain `AWS::ApiGateway::ApiKey`, `AWS::ApiGateway::UsagePlan` and
//!   `AWS::ApiGateway::UsagePlanKey` resources of the template as [`SamApiKey`]s,
//!   [`SamPlanResource`]s and `(plan, key)` pairs, their `!Ref`s resolved to logical ids, API
//!   ids and stage names, for the caller to create;
//! - warnings for everything that was ignored, approximated or left unresolved.
//!
//! Nothing is ever silently dropped: an intrinsic that cannot be resolved locally (`!GetAtt
//! Table.Arn`, `!ImportValue`) becomes a placeholder string and a warning naming the resource and
//! the property. A template that cannot run (unsupported runtime, container image, missing
//! handler, invalid YAML, ...) gives a [`SamError`] listing every problem with its property path
//! and, when known, its line and column.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use tollgate_lambda::{FunctionConfig, Runtime};

mod apis;
mod auth;
mod code;
mod eval;
mod functions;
mod gateway;
mod loader;
mod nested;
mod usage;
mod yaml;

/// A SAM application, ready to serve.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SamApp {
    /// `AWS::StackName` as resolved (the template directory's name unless overridden).
    pub stack_name: String,
    /// The functions, in template order.
    pub functions: Vec<FunctionConfig>,
    /// The REST APIs, explicit ones in template order, then the implicit API.
    pub apis: Vec<SamApi>,
    /// The `AWS::ApiGateway::ApiKey` resources, in template order.
    pub api_keys: Vec<SamApiKey>,
    /// The `AWS::ApiGateway::UsagePlan` resources, in template order. (The plans SAM generates
    /// for `Auth.UsagePlan` are [`SamApi::usage_plan`], not here.)
    pub usage_plans: Vec<SamPlanResource>,
    /// The `AWS::ApiGateway::UsagePlanKey` resources, in template order, as `(plan, key)`: the
    /// logical ids of an [`SamPlanResource`] and a [`SamApiKey`] of this application.
    pub usage_plan_keys: Vec<(String, String)>,
    /// The `AWS::ApiGateway::DomainName` resources with their `BasePathMapping`s, in template
    /// order.
    pub domains: Vec<SamDomain>,
    /// Everything ignored, approximated or unresolved, as `"{path}: {message}"` (with
    /// `(line L, column C)` when known), in template order.
    pub warnings: Vec<String>,
}

/// One REST API of the application.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SamApi {
    /// `ServerlessRestApi` for the implicit API.
    pub logical_id: String,
    /// A stable API id (ten `[a-z0-9]`, derived from the stack name and the logical id): what
    /// `!Ref` of this API resolves to in the template. Use it as the REST API id to keep `!Ref`
    /// values and invoke URLs true (and stable across restarts).
    pub id: String,
    /// `Name`, else the definition's `info.title`, else the logical id (the stack name for the
    /// implicit API). Also written to the document's `info.title`.
    pub name: String,
    /// `StageName`; `Prod` for the implicit API.
    pub stage_name: String,
    /// `Variables`: the stage's variables.
    pub variables: BTreeMap<String, String>,
    /// The API's other stages, each deployed like the first (an `AWS::ApiGateway::RestApi` may
    /// have several `AWS::ApiGateway::Stage`s; SAM APIs have one).
    pub more_stages: Vec<SamStage>,
    /// `EndpointConfiguration` type (`EDGE`, `REGIONAL`, `PRIVATE`) when given.
    pub endpoint_type: Option<String>,
    /// The API as an OpenAPI 3.0.1 document (or Swagger 2.0 when the template's
    /// `DefinitionBody` is Swagger), with `x-amazon-apigateway-*` extensions. `Auth` is in it as
    /// the SAM translator writes it: authorizers and API keys as security schemes and method
    /// `security` requirements, `ResourcePolicy` as `x-amazon-apigateway-policy`.
    pub openapi: serde_json::Value,
    /// `Auth.UsagePlan` (unless `CreateUsagePlan: NONE`): the usage plan SAM creates for the
    /// API's stage, with an API key in it. The document does not carry it: the caller creates
    /// the plan (once for all APIs when [`SamUsagePlan::shared`]), attaches this API's stage,
    /// and creates the key and adds it to the plan.
    pub usage_plan: Option<SamUsagePlan>,
}

/// A stage of an API: its name and variables.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SamStage {
    /// `StageName`.
    pub name: String,
    /// `Variables`.
    pub variables: BTreeMap<String, String>,
}

/// An `AWS::ApiGateway::DomainName` and the `AWS::ApiGateway::BasePathMapping`s onto it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SamDomain {
    /// `DomainName`, lower case.
    pub name: String,
    /// The mappings, in template order.
    pub mappings: Vec<SamBasePathMapping>,
}

/// One `AWS::ApiGateway::BasePathMapping`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SamBasePathMapping {
    /// `BasePath`: one path segment; `None` maps the domain's root.
    pub base_path: Option<String>,
    /// `RestApiId`: the id of one of [`SamApp::apis`].
    pub api_id: String,
    /// `Stage`; `None`: the first path segment after the base path names the stage.
    pub stage: Option<String>,
}

/// A usage plan SAM creates (`AWS::ApiGateway::UsagePlan`, with an `AWS::ApiGateway::ApiKey`
/// and the `AWS::ApiGateway::UsagePlanKey` between them).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SamUsagePlan {
    /// `UsagePlanName`, else SAM's logical id for the plan: `{Api}UsagePlan`, or
    /// `ServerlessUsagePlan` when shared.
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// `Throttle`.
    pub throttle: Option<SamThrottle>,
    /// `Quota`.
    pub quota: Option<SamQuota>,
    /// `CreateUsagePlan: SHARED`: one plan (and one key) for every API that says so, each
    /// adding its stage; `PER_API`: a plan of this API's stage alone.
    pub shared: bool,
    /// The enabled API key SAM creates with the plan, by SAM's logical id for it: `{Api}ApiKey`,
    /// or `ServerlessApiKey` when shared. Its value is generated.
    pub api_key_name: String,
}

/// A usage plan's `Throttle`: steady-state requests per second and burst.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct SamThrottle {
    /// `RateLimit`.
    pub rate_limit: Option<f64>,
    /// `BurstLimit`.
    pub burst_limit: Option<u32>,
}

/// A usage plan's `Quota`: requests per period.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SamQuota {
    /// `Limit`.
    pub limit: Option<u64>,
    /// `Offset`.
    pub offset: Option<u32>,
    /// `Period`: `DAY`, `WEEK` or `MONTH`.
    pub period: Option<String>,
}

/// An `AWS::ApiGateway::ApiKey` of the template.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SamApiKey {
    /// The resource's logical id (what `UsagePlanKey`s name it by).
    pub logical_id: String,
    /// `Name`, else the logical id (CloudFormation would generate a unique name).
    pub name: String,
    /// `Value`, exactly as written (20 to 128 characters); `None`: generate one.
    pub value: Option<String>,
    /// `Enabled`; false when absent, as in CloudFormation.
    pub enabled: bool,
    /// `Description`.
    pub description: Option<String>,
    /// `CustomerId`.
    pub customer_id: Option<String>,
}

/// An `AWS::ApiGateway::UsagePlan` of the template.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SamPlanResource {
    /// The resource's logical id (what `UsagePlanKey`s name it by).
    pub logical_id: String,
    /// `UsagePlanName`, else the logical id (CloudFormation would generate a unique name).
    pub name: String,
    /// `Description`.
    pub description: Option<String>,
    /// `ApiStages`: the stages of the application's APIs the plan covers.
    pub api_stages: Vec<SamPlanStage>,
    /// `Throttle`: the plan's default throttling.
    pub throttle: Option<SamThrottle>,
    /// `Quota`.
    pub quota: Option<SamQuota>,
}

/// One of a usage plan's `ApiStages`, resolved to an API of the application.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SamPlanStage {
    /// `ApiId`: the id of one of [`SamApp::apis`] ([`SamApi::id`]).
    pub api_id: String,
    /// The logical id of that API ([`SamApi::logical_id`]).
    pub api_logical_id: String,
    /// `Stage`: that API's stage name ([`SamApi::stage_name`]).
    pub stage: String,
    /// `Throttle`: per-method throttling, by method path as API Gateway writes it
    /// (`/pets/GET`, `/pets/{id}/*`, `/*/*`), as `(RateLimit, BurstLimit)`.
    pub throttle: BTreeMap<String, (f64, u32)>,
}

/// What the template cannot know by itself.
#[derive(Debug, Clone)]
pub struct SamOptions {
    /// `AWS::Region`.
    pub region: String,
    /// `AWS::AccountId`.
    pub account_id: String,
    /// `AWS::StackName`; `None` = the template directory's name, else `tollgate`.
    pub stack_name: Option<String>,
    /// Template parameter values (`--parameter-overrides`), over the parameters' `Default`s.
    pub parameter_overrides: BTreeMap<String, String>,
    /// A function's maximum concurrency when it sets no `ReservedConcurrentExecutions`.
    pub default_max_concurrency: usize,
    /// A directory the loader may write to (the data directory's `sam/`): zip archives named by
    /// `CodeUri`/`Code` are extracted into `code/`, inline code is written into `inline/`, each
    /// in a directory named by a hash of its content. `None`: such functions are skipped with a
    /// warning.
    pub work_dir: Option<PathBuf>,
}

impl Default for SamOptions {
    fn default() -> Self {
        SamOptions {
            region: "us-east-1".to_owned(),
            account_id: "000000000000".to_owned(),
            stack_name: None,
            parameter_overrides: BTreeMap::new(),
            default_max_concurrency: 10,
            work_dir: None,
        }
    }
}

/// One problem with the template, located by a property path such as
/// `Resources.GetPet.Properties.Runtime` and, when known, a line and column (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: String,
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)?;
        } else {
            write!(f, "{}: {}", self.path, self.message)?;
        }
        if let (Some(line), Some(column)) = (self.line, self.column) {
            write!(f, " (line {line}, column {column})")?;
        }
        Ok(())
    }
}

/// A template Tollgate cannot run: every error found, plus the warnings so far.
#[derive(Debug, Clone, thiserror::Error)]
#[error("Invalid SAM template: {}", .errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct SamError {
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<String>,
}

/// Reads a SAM template. `template_dir` is the directory relative paths (`CodeUri`,
/// `DefinitionUri`, `AWS::Include` locations) start from. Never panics, whatever the bytes.
pub fn load(
    template: &[u8],
    template_dir: &Path,
    options: &SamOptions,
) -> Result<SamApp, SamError> {
    loader::load(template, template_dir, options, None)
}

/// Reads the template file at `path` (its directory is the template directory).
pub fn load_file(path: &Path, options: &SamOptions) -> Result<SamApp, SamError> {
    let bytes = std::fs::read(path).map_err(|e| SamError {
        errors: vec![Diagnostic {
            path: String::new(),
            message: format!("Cannot read the template {}: {e}", path.display()),
            line: None,
            column: None,
        }],
        warnings: Vec::new(),
    })?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    loader::load(&bytes, dir, options, Some(path))
}
