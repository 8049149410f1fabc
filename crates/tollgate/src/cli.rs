//! The command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "tollgate",
    version,
    about = "Amazon API Gateway's REST APIs as one self-hostable binary",
    long_about = "Tollgate runs APIs defined the way Amazon API Gateway defines them (OpenAPI/Swagger \
                  with x-amazon-apigateway-* extensions), with AWS's routing, integrations and \
                  gateway responses, from an embedded SQLite store."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve every deployed stage (and import and deploy --api files first)
    Serve(Box<ServeArgs>),
    /// Import an OpenAPI 3.0 / Swagger 2.0 definition as a new API
    Import(ImportArgs),
    /// Check a definition and print AWS-style warnings and errors without storing anything
    Validate(ValidateArgs),
    /// Snapshot an API as a new deployment and point a stage at it
    Deploy(DeployArgs),
    /// Print a deployed stage as OpenAPI 3.0 or Swagger 2.0
    Export(ExportArgs),
    /// An API's deployments: when each was made and which stages serve it
    #[command(subcommand)]
    Deployments(DeploymentsCommand),
    /// Point a stage back at an earlier deployment (by default the one before its current one)
    Rollback(RollbackArgs),
    /// List the stored APIs with their stages and invoke URLs
    Apis(ApisArgs),
    /// Custom domain names and their base path mappings
    #[command(subcommand)]
    Domains(DomainsCommand),
    /// Functions of the embedded function host (a running `serve` picks changes up)
    #[command(subcommand)]
    Functions(FunctionsCommand),
    /// API keys (a running `serve` picks changes up)
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Usage plans: stages, throttles, quotas and their keys
    #[command(subcommand)]
    Plans(PlansCommand),
    /// Requests per API key and day under a usage plan (AWS's GetUsage)
    Usage(UsageArgs),
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create an API key (its value is generated unless --value is given)
    Create(KeyCreateArgs),
    /// List API keys
    List(KeyListArgs),
    /// Enable a key
    Enable(KeyIdArgs),
    /// Disable a key (requests with it get 403)
    Disable(KeyIdArgs),
    /// Delete a key
    Delete(KeyIdArgs),
    /// Import keys from AWS's CSV format (Name, Key, Description, Enabled, UsagePlanIds columns)
    Import(KeyImportArgs),
}

#[derive(Debug, Args)]
pub struct KeyCreateArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long)]
    pub name: String,
    /// The key's value (20-128 characters); generated when absent
    #[arg(long)]
    pub value: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    #[arg(long)]
    pub customer_id: Option<String>,
    /// Create the key disabled
    #[arg(long)]
    pub disabled: bool,
    /// Also add the key to this usage plan
    #[arg(long, value_name = "PLAN_ID")]
    pub plan: Option<String>,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct KeyListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Show the keys' values
    #[arg(long)]
    pub include_values: bool,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct KeyIdArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The key's id
    pub id: String,
}

#[derive(Debug, Args)]
pub struct KeyImportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The CSV file
    pub file: PathBuf,
    /// Import nothing when any row has a problem
    #[arg(long)]
    pub fail_on_warnings: bool,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct UsageArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The usage plan's id
    #[arg(long)]
    pub plan: String,
    /// Only this key's usage
    #[arg(long)]
    pub key: Option<String>,
    /// First day, YYYY-MM-DD (UTC)
    #[arg(long)]
    pub from: String,
    /// Last day, YYYY-MM-DD (UTC)
    #[arg(long)]
    pub to: String,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Subcommand)]
pub enum PlansCommand {
    /// Create a usage plan
    Create(PlanCreateArgs),
    /// List usage plans with their keys
    List(PlanListArgs),
    /// Add an API key to a plan
    AddKey(PlanKeyArgs),
    /// Remove an API key from a plan
    RemoveKey(PlanKeyArgs),
    /// Delete a plan
    Delete(PlanIdArgs),
}

#[derive(Debug, Args)]
pub struct PlanCreateArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long)]
    pub name: String,
    #[arg(long)]
    pub description: Option<String>,
    /// A stage the plan covers: API_ID:STAGE; repeatable
    #[arg(long = "stage", value_name = "API_ID:STAGE")]
    pub stages: Vec<String>,
    /// Requests per second per key (token refill rate)
    #[arg(long, requires = "burst")]
    pub rate: Option<f64>,
    /// Burst per key (token bucket capacity)
    #[arg(long, requires = "rate")]
    pub burst: Option<u32>,
    /// A per-method throttle: API_ID:STAGE:/path/METHOD=RATE,BURST; repeatable
    #[arg(
        long = "method-throttle",
        value_name = "API_ID:STAGE:/path/METHOD=RATE,BURST"
    )]
    pub method_throttles: Vec<String>,
    /// Requests per quota period per key
    #[arg(long, requires = "quota_period")]
    pub quota_limit: Option<u64>,
    /// DAY, WEEK or MONTH
    #[arg(long, requires = "quota_limit")]
    pub quota_period: Option<String>,
    #[arg(long, default_value_t = 0)]
    pub quota_offset: u32,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct PlanListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct PlanKeyArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The plan's id
    pub plan: String,
    /// The key's id
    pub key: String,
}

#[derive(Debug, Args)]
pub struct PlanIdArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    pub plan: String,
}

#[derive(Debug, Subcommand)]
pub enum FunctionsCommand {
    /// Declare a function
    Create(FunctionCreateArgs),
    /// Change a function's settings (only the options given)
    Update(FunctionUpdateArgs),
    /// List the functions
    List(FunctionListArgs),
    /// Print one function's declaration (Lambda's configuration shape, JSON)
    Show(FunctionNameArgs),
    /// Delete a function
    Delete(FunctionNameArgs),
}

#[derive(Debug, Args)]
pub struct FunctionSettings {
    /// AWS runtime identifier: provided.al2023 (a `bootstrap` executable), python3.x, nodejs*
    #[arg(long)]
    pub runtime: Option<String>,
    /// `module.function` for Python and Node (passed as _HANDLER to `provided`)
    #[arg(long)]
    pub handler: Option<String>,
    /// The code directory
    #[arg(long, value_name = "DIR")]
    pub code: Option<PathBuf>,
    /// Environment variable NAME=VALUE; repeatable (update: replaces all of them)
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub environment: Vec<String>,
    /// Timeout in seconds (1-900; default 3)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=900))]
    pub timeout: Option<u32>,
    /// Memory size in MB reported to the function (128-10240; default 128)
    #[arg(long, value_parser = clap::value_parser!(u32).range(128..=10240))]
    pub memory: Option<u32>,
    /// Most workers at once; invocations beyond it queue (default 10)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub concurrency: Option<u32>,
    /// Invoke on a Lambda Invoke endpoint instead of locally: ENDPOINT[#REMOTE_FUNCTION]
    /// (credentials from AWS_* environment variables of the serving process)
    #[arg(long, value_name = "ENDPOINT[#FUNCTION]")]
    pub remote: Option<String>,
}

#[derive(Debug, Args)]
pub struct FunctionCreateArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Function name (1-64 characters of [A-Za-z0-9_-])
    pub name: String,
    #[command(flatten)]
    pub settings: FunctionSettings,
}

#[derive(Debug, Args)]
pub struct FunctionUpdateArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    pub name: String,
    #[command(flatten)]
    pub settings: FunctionSettings,
}

#[derive(Debug, Args)]
pub struct FunctionNameArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    pub name: String,
}

#[derive(Debug, Args)]
pub struct FunctionListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Subcommand)]
pub enum DomainsCommand {
    /// Create (or keep) a custom domain name
    Create(DomainArgs),
    /// Map a base path of a domain to a stage of an API (or re-point its mapping)
    Map(MapArgs),
    /// List domain names and their mappings
    List(DomainListArgs),
    /// Delete a domain name and its mappings
    Delete(DomainArgs),
}

#[derive(Debug, Args)]
pub struct DomainArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The domain name, e.g. api.example.test or *.example.test
    pub domain: String,
}

#[derive(Debug, Args)]
pub struct MapArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The domain name
    pub domain: String,
    /// The API id
    #[arg(long)]
    pub api: String,
    /// The stage (when absent, the first path segment after the base path names it)
    #[arg(long)]
    pub stage: Option<String>,
    /// One path segment; empty or (none) maps the domain's root
    #[arg(long, default_value = "(none)")]
    pub base_path: String,
}

#[derive(Debug, Args)]
pub struct DomainListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Output {
    /// Readable by people
    #[default]
    Text,
    /// One JSON document, for scripts
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum BasePath {
    /// Drop the definition's base path (AWS's default)
    #[default]
    Ignore,
    /// Put the base path in front of every resource path
    Prepend,
    /// Drop the first base path segment and prepend the rest
    Split,
}

#[derive(Debug, Args)]
pub struct StoreArgs {
    /// Where the embedded store lives
    #[arg(long, env = "TOLLGATE_DATA_DIR", default_value = ".tollgate")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Data-plane address (HTTP/1.1 and cleartext HTTP/2)
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// TLS data-plane address (HTTP/1.1 and HTTP/2 by ALPN); off unless given
    #[arg(long)]
    pub tls_listen: Option<SocketAddr>,
    /// PEM certificate chain for --tls-listen (a self-signed localhost certificate otherwise)
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for --tls-cert
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Management API address: AWS's API Gateway management API (API keys, usage plans and
    /// keys, usage), the Lambda Invoke API (/2015-03-31/functions/{name}/invocations) and /ping
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub admin_listen: SocketAddr,
    /// How management calls are authenticated: `none` (only on a loopback --admin-listen) or
    /// `sigv4` (AWS Signature Version 4, service `apigateway` — `lambda` for the Invoke API —
    /// with a credential from --admin-credentials)
    #[arg(long, value_enum, default_value = "none")]
    pub admin_auth: AdminAuth,
    /// The credentials management calls are signed with, in the --credentials file format
    #[arg(long, value_name = "FILE", env = "TOLLGATE_ADMIN_CREDENTIALS")]
    pub admin_credentials: Option<PathBuf>,
    /// Import (or re-import) this OpenAPI/Swagger file and deploy it at start-up; repeatable
    #[arg(long = "api", value_name = "FILE")]
    pub apis: Vec<PathBuf>,
    /// Stage that --api files are deployed to
    #[arg(long, default_value = "dev")]
    pub stage: String,
    /// Serve an AWS SAM application: its functions, and its APIs at their StageName (`Prod` for
    /// the implicit API)
    #[arg(long, value_name = "TEMPLATE")]
    pub sam: Option<PathBuf>,
    /// A function that runs on a Lambda Invoke endpoint instead of locally:
    /// NAME=ENDPOINT[#REMOTE_FUNCTION] (e.g. `pets=https://lambda.us-east-1.amazonaws.com#pets-prod`);
    /// requests are SigV4-signed with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN
    /// and AWS_REGION (default us-east-1) from the environment; repeatable
    #[arg(long = "remote-function", value_name = "NAME=ENDPOINT[#FUNCTION]")]
    pub remote_functions: Vec<String>,
    /// SAM template parameter NAME=VALUE; repeatable
    #[arg(
        long = "parameter-override",
        value_name = "NAME=VALUE",
        requires = "sam"
    )]
    pub parameter_overrides: Vec<String>,
    /// Log format
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Worker threads for the data plane (default: one per core)
    #[arg(long)]
    pub workers: Option<usize>,
    /// How long to wait for in-flight requests on shutdown, in seconds
    #[arg(long, default_value_t = 30)]
    pub shutdown_grace: u64,
    /// Close a client connection that has had no request in progress for this many seconds
    /// (HTTP/1 keep-alive and HTTP/2); an HTTP/1 request head must also arrive within it. 60 s,
    /// the idle timeout of AWS's load balancers, is a little under nginx's 75 s keepalive_timeout
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub idle_timeout: u64,
    /// AWS_IAM credentials (JSON: {"credentials":[{"accessKeyId","secretAccessKey","accountId",
    /// "arn","userId", optional "sessionToken","expiration","policy"}]}) that SigV4-signed
    /// requests are verified against
    #[arg(long, value_name = "FILE", env = "TOLLGATE_CREDENTIALS")]
    pub credentials: Option<PathBuf>,
    /// Where COGNITO_USER_POOLS authorizers fetch a user pool's keys instead of
    /// cognito-idp.{region}.amazonaws.com (a local Cognito emulator): {URL}/{poolId}/.well-known/jwks.json
    #[arg(long, value_name = "URL")]
    pub cognito_endpoint: Option<String>,
    /// Raise or lower one of AWS's quotas the management API enforces, NAME=N; repeatable.
    /// Names and AWS's defaults: rest-apis-regional 600, rest-apis-edge 120, rest-apis-private
    /// 600, resources-per-api 300 (the root included), stages-per-api 10, authorizers-per-api 10,
    /// documentation-parts-per-api 2000, api-keys 10000, usage-plans 300,
    /// usage-plans-per-api-key 10, client-certificates 60, domain-names 120, vpc-links 20. A
    /// management call past one is refused with AWS's 429 LimitExceededException; --api and
    /// --sam files, and the other tollgate commands, are not held to them
    #[arg(long = "quota", value_name = "NAME=N")]
    pub quotas: Vec<tollgate_admin::QuotaSetting>,
    /// Account-wide throttle: requests per second (AWS's default 10000)
    #[arg(long, default_value_t = 10000.0)]
    pub account_rate: f64,
    /// Account-wide throttle: burst (AWS's default 5000)
    #[arg(long, default_value_t = 5000)]
    pub account_burst: u32,
    /// Stop a function's worker after it has been idle this many seconds (0: never)
    #[arg(long, default_value_t = 600)]
    pub function_idle_timeout: u64,
    /// How often to look for deployments made by other processes, in milliseconds
    #[arg(long, default_value_t = 250)]
    pub poll_interval_ms: u64,
    /// Shift the clock of quota windows and usage days by the number of seconds written in FILE
    /// (re-read on every use): lets tests cross day, week and month boundaries
    #[arg(long, value_name = "FILE", hide = true)]
    pub clock_offset_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The OpenAPI 3.0 or Swagger 2.0 file (JSON or YAML)
    pub file: PathBuf,
    /// Also deploy the new API to this stage
    #[arg(long)]
    pub stage: Option<String>,
    /// What to do with the definition's base path
    #[arg(long, value_enum, default_value_t = BasePath::Ignore)]
    pub basepath: BasePath,
    /// Refuse the import when there is any warning
    #[arg(long)]
    pub fail_on_warnings: bool,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The OpenAPI 3.0 or Swagger 2.0 file (JSON or YAML)
    pub file: PathBuf,
    /// Treat warnings as errors
    #[arg(long)]
    pub fail_on_warnings: bool,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The API id
    #[arg(long)]
    pub api: String,
    /// The stage to create or re-point
    #[arg(long)]
    pub stage: String,
    /// Deployment description
    #[arg(long)]
    pub description: Option<String>,
    /// Stage variable NAME=VALUE; repeatable
    #[arg(long = "variable", value_name = "NAME=VALUE")]
    pub variables: Vec<String>,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Subcommand)]
pub enum DeploymentsCommand {
    /// List an API's deployments, oldest first, with the stages (and canaries) that use each
    List(DeploymentListArgs),
}

#[derive(Debug, Args)]
pub struct DeploymentListArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The API id
    #[arg(long)]
    pub api: String,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The API id
    #[arg(long)]
    pub api: String,
    /// The stage to point back
    #[arg(long)]
    pub stage: String,
    /// The deployment to serve (default: the one made before the stage's current deployment)
    #[arg(long, value_name = "DEPLOYMENT")]
    pub to: Option<String>,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ExportFormat {
    /// OpenAPI 3.0.1
    #[default]
    Oas30,
    /// Swagger 2.0
    Swagger,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The API id
    #[arg(long)]
    pub api: String,
    /// The stage whose deployment is exported
    #[arg(long)]
    pub stage: String,
    #[arg(long, value_enum, default_value_t = ExportFormat::Oas30)]
    pub format: ExportFormat,
    /// Include the x-amazon-apigateway-* extensions (integrations, gateway responses, ...)
    #[arg(long)]
    pub extensions: bool,
}

#[derive(Debug, Args)]
pub struct ApisArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Data-plane address used to print invoke URLs
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

/// How the management listener authenticates calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AdminAuth {
    /// No authentication: allowed only on a loopback address.
    None,
    /// AWS Signature Version 4 with a credential from --admin-credentials.
    Sigv4,
}

#[cfg(test)]
mod tests {
    use super::*;
    use tollgate_admin::{Quota, QuotaSetting, Quotas};

    fn serve(args: &[&str]) -> Result<ServeArgs, clap::Error> {
        let argv = ["tollgate", "serve"].iter().chain(args);
        match Cli::try_parse_from(argv)?.command {
            Command::Serve(args) => Ok(*args),
            other => panic!("not serve: {other:?}"),
        }
    }

    #[test]
    fn quotas_are_repeatable_and_apply_in_order() {
        let args = serve(&[
            "--quota",
            "resources-per-api=1000",
            "--quota",
            "rest-apis-edge=500",
            "--quota",
            "resources-per-api=2000",
        ])
        .expect("parsed");
        assert_eq!(
            args.quotas,
            [
                QuotaSetting {
                    quota: Quota::ResourcesPerApi,
                    value: 1000
                },
                QuotaSetting {
                    quota: Quota::RestApisEdge,
                    value: 500
                },
                QuotaSetting {
                    quota: Quota::ResourcesPerApi,
                    value: 2000
                },
            ]
        );
        assert_eq!(
            Quotas::with_settings(&args.quotas),
            Quotas {
                resources_per_api: 2000,
                rest_apis_edge: 500,
                ..Quotas::default()
            }
        );
        assert_eq!(
            Quotas::with_settings(&serve(&[]).expect("parsed").quotas),
            Quotas::default()
        );
    }

    #[test]
    fn unknown_or_malformed_quotas_are_refused() {
        let e = serve(&["--quota", "resources=3"]).expect_err("refused");
        let text = e.to_string();
        assert!(
            text.contains("unknown quota `resources`; valid names: rest-apis-regional, rest-apis-edge, rest-apis-private, resources-per-api, stages-per-api, authorizers-per-api, documentation-parts-per-api, api-keys, usage-plans, usage-plans-per-api-key, client-certificates, domain-names, vpc-links"),
            "{text}"
        );
        assert!(text.contains("--quota <NAME=N>"), "{text}");
        let e = serve(&["--quota", "api-keys"]).expect_err("refused");
        assert!(e.to_string().contains("expected NAME=N"), "{e}");
        let e = serve(&["--quota", "api-keys=many"]).expect_err("refused");
        assert!(
            e.to_string()
                .contains("quota api-keys: `many` is not a whole number"),
            "{e}"
        );
    }
}
