//! The subcommands other than `serve`: import, validate, deploy, deployments, rollback, export,
//! apis, domains, functions, keys, plans, usage.
//!
//! What they change, they change through the management API's operations (`tollgate_admin`:
//! ImportRestApi, CreateDeployment, UpdateStage's re-pointing, CreateDomainName, CreateApiKey,
//! CreateUsagePlan, ...), so the checks, defaults, ids and error texts are those of the API; a
//! refusal is printed as `error: {AWS's message}`. Only functions, which have no management
//! operation, are written to the store directly.

mod functions;
pub(crate) mod keys;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::json;
use tollgate_admin::ApiError;
use tollgate_admin::deployments::CreateDeployment;
use tollgate_model::{Deployment, Stage};
use tollgate_openapi::{BasePathMode, Diagnostic, ImportOptions};
use tollgate_store::{SqliteStore, Store};

use crate::cli::{
    ApisArgs, BasePath, Cli, Command, DeployArgs, DeploymentsCommand, DomainsCommand, ExportArgs,
    ExportFormat, ImportArgs, Output, RollbackArgs, ValidateArgs,
};

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => crate::serve::run(*args),
        Command::Import(args) => block_on(import(args)),
        Command::Validate(args) => validate(args),
        Command::Deploy(args) => block_on(deploy(args)),
        Command::Export(args) => block_on(export(args)),
        Command::Deployments(command) => block_on(deployments(command)),
        Command::Rollback(args) => block_on(rollback(args)),
        Command::Apis(args) => block_on(apis(args)),
        Command::Domains(command) => block_on(domains(command)),
        Command::Functions(command) => block_on(functions::run(command)),
        Command::Keys(command) => block_on(keys::keys(command)),
        Command::Plans(command) => block_on(keys::plans(command)),
        Command::Usage(args) => block_on(keys::usage(args)),
    }
}

fn block_on<F: std::future::Future<Output = anyhow::Result<ExitCode>>>(
    f: F,
) -> anyhow::Result<ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?
        .block_on(f)
}

pub fn open_store(data_dir: &Path) -> anyhow::Result<SqliteStore> {
    SqliteStore::open(&data_dir.join("tollgate.db"))
        .with_context(|| format!("opening the store in {}", data_dir.display()))
}

pub fn read_definition(file: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(file).with_context(|| format!("reading {}", file.display()))
}

fn base_path_mode(basepath: BasePath) -> BasePathMode {
    match basepath {
        BasePath::Ignore => BasePathMode::Ignore,
        BasePath::Prepend => BasePathMode::Prepend,
        BasePath::Split => BasePathMode::Split,
    }
}

fn diagnostics_json(d: &[Diagnostic]) -> serde_json::Value {
    d.iter()
        .map(|d| json!({"path": d.path, "message": d.message}))
        .collect()
}

/// Prints diagnostics to stderr, one per line, AWS-style.
pub fn print_diagnostics(file: &Path, errors: &[Diagnostic], warnings: &[Diagnostic]) {
    for e in errors {
        eprintln!("{}: error: {e}", file.display());
    }
    for w in warnings {
        eprintln!("{}: warning: {w}", file.display());
    }
}

fn validate(args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let document = read_definition(&args.file)?;
    // Nothing is stored: the document is only imported to see what ImportRestApi would say.
    let options = ImportOptions {
        fail_on_warnings: args.fail_on_warnings,
        ..ImportOptions::default()
    };
    let result = tollgate_openapi::import(&document, &options);
    let (ok, errors, warnings, summary) = match &result {
        Ok(imported) => (
            true,
            Vec::new(),
            imported.warnings.clone(),
            Some((
                imported.definition.resources.len(),
                imported.definition.method_count(),
            )),
        ),
        Err(e) => (false, e.errors.clone(), e.warnings.clone(), None),
    };
    match args.output {
        Output::Json => println!(
            "{}",
            json!({"valid": ok, "errors": diagnostics_json(&errors), "warnings": diagnostics_json(&warnings)})
        ),
        Output::Text => {
            print_diagnostics(&args.file, &errors, &warnings);
            match summary {
                Some((resources, methods)) => println!(
                    "{}: valid ({resources} resources, {methods} methods, {} warnings)",
                    args.file.display(),
                    warnings.len()
                ),
                None => println!(
                    "{}: invalid ({} error{})",
                    args.file.display(),
                    errors.len(),
                    if errors.len() == 1 { "" } else { "s" }
                ),
            }
        }
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `tollgate import`: ImportRestApi, then (`--stage`) CreateDeployment.
async fn import(args: ImportArgs) -> anyhow::Result<ExitCode> {
    use tollgate_admin::restapis::{ImportFailure, ImportRestApi, import_rest_api};
    let document = read_definition(&args.file)?;
    let store = open_store(&args.store.data_dir)?;
    let request = ImportRestApi {
        body: &document,
        base_path: base_path_mode(args.basepath),
        fail_on_warnings: args.fail_on_warnings,
        ..ImportRestApi::default()
    };
    let imported = match import_rest_api(&store, request).await {
        Ok(i) => i,
        Err(ImportFailure::Document(e)) => {
            match args.output {
                Output::Json => println!(
                    "{}",
                    json!({"errors": diagnostics_json(&e.errors), "warnings": diagnostics_json(&e.warnings)})
                ),
                Output::Text => print_diagnostics(&args.file, &e.errors, &e.warnings),
            }
            eprintln!(
                "{}: not imported: Invalid OpenAPI input.",
                args.file.display()
            );
            return Ok(ExitCode::FAILURE);
        }
        Err(ImportFailure::Call(e)) => return Err(refused(e)),
    };
    let api = &imported.definition.rest_api;
    let deployed = match &args.stage {
        Some(stage) => Some(
            deploy_to_stage(
                &store,
                &api.id,
                CreateDeployment {
                    stage_name: Some(stage.clone()),
                    ..CreateDeployment::default()
                },
            )
            .await?,
        ),
        None => None,
    };
    match args.output {
        Output::Json => {
            let mut v = serde_json::to_value(api)?;
            if let Some((d, s)) = &deployed {
                v["deployment"] = serde_json::to_value(d)?;
                v["stage"] = serde_json::to_value(s)?;
            }
            println!("{v}");
        }
        Output::Text => {
            print_diagnostics(&args.file, &[], &imported.warnings);
            println!(
                "imported {} as API {} ({} resources)",
                api.name,
                api.id,
                imported.definition.resources.len()
            );
            if let Some((d, s)) = &deployed {
                println!("deployed {} to stage {}", d.id, s.stage_name);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A management API refusal as the CLI reports it: AWS's message.
pub fn refused(e: ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}", e.message())
}

/// CreateDeployment to a named stage, for the commands that always deploy to one. An empty
/// name is refused before anything is stored (CreateDeployment would make a deployment without
/// a stage).
pub async fn deploy_to_stage(
    store: &SqliteStore,
    api_id: &str,
    request: CreateDeployment,
) -> anyhow::Result<(Deployment, Stage)> {
    if request.stage_name.as_deref().is_none_or(str::is_empty) {
        bail!("Invalid stage name specified: the name is empty");
    }
    match tollgate_admin::deployments::create_deployment(store, api_id, request).await {
        Ok((deployment, Some(stage))) => Ok((deployment, stage)),
        Ok((_, None)) => bail!("the deployment has no stage"),
        Err(e) => Err(refused(e)),
    }
}

/// Lambda environment variables: `NAME=VALUE`, names of `[A-Za-z_][A-Za-z0-9_]*`.
pub fn parse_env(vars: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for v in vars {
        let Some((k, val)) = v.split_once('=') else {
            bail!("environment variable '{v}' is not NAME=VALUE");
        };
        let valid = k
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid {
            bail!("environment variable name '{k}' must match [a-zA-Z][a-zA-Z0-9_]+");
        }
        out.insert(k.to_owned(), val.to_owned());
    }
    Ok(out)
}

/// `NAME=VALUE` arguments, split at the first `=`; the names and values are the management
/// operation's to check.
fn pairs(vars: &[String], what: &str) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for v in vars {
        let Some((k, val)) = v.split_once('=') else {
            bail!("{what} '{v}' is not NAME=VALUE");
        };
        out.insert(k.to_owned(), val.to_owned());
    }
    Ok(out)
}

/// Template parameter overrides (`serve --parameter-override`): `NAME=VALUE`, names of
/// `[A-Za-z0-9_]`, at most 64 characters, values at most 512.
pub fn parse_variables(vars: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for v in vars {
        let Some((k, val)) = v.split_once('=') else {
            bail!("stage variable '{v}' is not NAME=VALUE");
        };
        if k.is_empty()
            || k.len() > 64
            || !k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            bail!("stage variable name '{k}' must be 1-64 characters of [A-Za-z0-9_]");
        }
        if val.len() > 512 {
            bail!("stage variable '{k}' is longer than 512 characters");
        }
        out.insert(k.to_owned(), val.to_owned());
    }
    Ok(out)
}

/// `tollgate deploy`: CreateDeployment with `stageName`.
async fn deploy(args: DeployArgs) -> anyhow::Result<ExitCode> {
    let variables = pairs(&args.variables, "stage variable")?;
    let store = open_store(&args.store.data_dir)?;
    let request = CreateDeployment {
        stage_name: Some(args.stage.clone()),
        description: args.description.clone(),
        variables,
        ..CreateDeployment::default()
    };
    let (deployment, stage) = deploy_to_stage(&store, &args.api, request).await?;
    match args.output {
        Output::Json => println!("{}", json!({"deployment": deployment, "stage": stage})),
        Output::Text => println!(
            "deployed {} of API {} to stage {}",
            deployment.id, args.api, stage.stage_name
        ),
    }
    Ok(ExitCode::SUCCESS)
}

async fn deployments(command: DeploymentsCommand) -> anyhow::Result<ExitCode> {
    let DeploymentsCommand::List(args) = command;
    let store = open_store(&args.store.data_dir)?;
    let deployments = store.list_deployments(&args.api).await?;
    let stages = store.list_stages(&args.api).await?;
    let using = |id: &str, canary: bool| -> Vec<String> {
        stages
            .iter()
            .filter(|s| match canary {
                false => s.deployment_id == id,
                true => s
                    .canary_settings
                    .as_ref()
                    .is_some_and(|c| c.deployment_id.as_deref() == Some(id)),
            })
            .map(|s| s.stage_name.clone())
            .collect()
    };
    match args.output {
        Output::Json => {
            let items: Vec<serde_json::Value> = deployments
                .iter()
                .map(|d| {
                    json!({
                        "id": d.id,
                        "createdDate": d.created_date,
                        "description": d.description,
                        "stages": using(&d.id, false),
                        "canaryStages": using(&d.id, true),
                    })
                })
                .collect();
            println!("{}", serde_json::Value::Array(items));
        }
        Output::Text => {
            if deployments.is_empty() {
                println!(
                    "API {} has no deployments. Make one with `tollgate deploy --api {} --stage NAME`.",
                    args.api, args.api
                );
            }
            let rows: Vec<(&tollgate_model::Deployment, String)> = deployments
                .iter()
                .map(|d| {
                    let mut serving = using(&d.id, false);
                    serving.extend(
                        using(&d.id, true)
                            .into_iter()
                            .map(|s| format!("{s} (canary)")),
                    );
                    let stages = if serving.is_empty() {
                        "-".to_owned()
                    } else {
                        serving.join(",")
                    };
                    (d, stages)
                })
                .collect();
            let width = rows.iter().map(|(_, s)| s.len()).max().unwrap_or(0);
            for (d, stages) in &rows {
                let line = format!(
                    "{}  {}  {stages:<width$}  {}",
                    d.id,
                    utc(d.created_date),
                    d.description.as_deref().unwrap_or("")
                );
                println!("{}", line.trim_end());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Epoch seconds as `YYYY-MM-DD HH:MM:SS UTC`.
fn utc(epoch_seconds: i64) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    time::OffsetDateTime::from_unix_timestamp(epoch_seconds)
        .ok()
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| epoch_seconds.to_string())
}

/// Points a stage at an earlier deployment, in the store edit UpdateStage's `/deploymentId`
/// makes.
async fn rollback(args: RollbackArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(&args.store.data_dir)?;
    let to = args.to.clone();
    let (previous, stage) = store
        .edit_stage(&args.api, &args.stage, move |stage, deployments| {
            let previous = stage.deployment_id.clone();
            tollgate_admin::stages::point_stage(stage, deployments, to.as_deref())?;
            Ok(previous)
        })
        .await?;
    match args.output {
        Output::Json => println!(
            "{}",
            json!({"previousDeploymentId": previous, "stage": stage})
        ),
        Output::Text => println!(
            "stage {} of API {} now serves deployment {} (was {previous})",
            stage.stage_name, args.api, stage.deployment_id
        ),
    }
    Ok(ExitCode::SUCCESS)
}

async fn export(args: ExportArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(&args.store.data_dir)?;
    let stage = store.get_stage(&args.api, &args.stage).await?;
    let (_, definition) = store
        .get_deployment(&args.api, &stage.deployment_id)
        .await?;
    let document = match args.format {
        ExportFormat::Oas30 => {
            tollgate_openapi::export_oas30(&definition, &args.stage, args.extensions)
        }
        ExportFormat::Swagger => {
            tollgate_openapi::export_swagger2(&definition, &args.stage, args.extensions)
        }
    };
    println!("{}", serde_json::to_string_pretty(&document)?);
    Ok(ExitCode::SUCCESS)
}

/// The invoke URLs of a stage, in every always-on form.
pub fn invoke_urls(listen: SocketAddr, api_id: &str, stage: &str) -> [String; 3] {
    let port = listen.port();
    let base = urls_base(listen);
    [
        format!("http://{api_id}.execute-api.localhost:{port}/{stage}/"),
        format!("{base}/restapis/{api_id}/{stage}/_user_request_/"),
        format!("{base}/_aws/execute-api/{api_id}/{stage}/"),
    ]
}

/// `http://{host}:{port}` of the data plane, with a wildcard address shown as `127.0.0.1`.
pub fn urls_base(listen: SocketAddr) -> String {
    let host = if listen.ip().is_unspecified() {
        "127.0.0.1".to_owned()
    } else {
        listen.ip().to_string()
    };
    format!("http://{host}:{}", listen.port())
}

async fn apis(args: ApisArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(&args.store.data_dir)?;
    let mut listing = Vec::new();
    for api in store.list_apis().await? {
        let stages = store.list_stages(&api.id).await?;
        listing.push((api, stages));
    }
    match args.output {
        Output::Json => {
            let v: Vec<_> = listing
                .iter()
                .map(|(api, stages)| json!({"id": api.id, "name": api.name, "stages": stages}))
                .collect();
            println!("{}", serde_json::Value::Array(v));
        }
        Output::Text => {
            if listing.is_empty() {
                println!("no APIs stored in {}", args.store.data_dir.display());
            }
            for (api, stages) in &listing {
                println!("{}  {}", api.id, api.name);
                for s in stages {
                    println!(
                        "    {}  deployment {}  {}",
                        s.stage_name,
                        s.deployment_id,
                        invoke_urls(args.listen, &api.id, &s.stage_name)[0]
                    );
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// CreateDomainName unless a domain of that name exists (scripts and `serve --sam` run this at
/// every start). Returns whether it was created.
pub async fn ensure_domain(store: &SqliteStore, name: &str) -> anyhow::Result<bool> {
    use tollgate_admin::domain_names::{self, CreateDomainName};
    match domain_names::get(store, name).await {
        Ok(_) => Ok(false),
        Err(ApiError::NotFound(_)) => {
            let request = CreateDomainName {
                domain_name: Some(name.to_owned()),
                ..Default::default()
            };
            domain_names::create(store, request)
                .await
                .map_err(refused)?;
            Ok(true)
        }
        Err(e) => Err(refused(e)),
    }
}

/// CreateBasePathMapping; a base path that is mapped already is re-pointed, as
/// UpdateBasePathMapping would.
pub async fn map_base_path(
    store: &SqliteStore,
    domain: &str,
    request: tollgate_admin::base_path_mappings::CreateBasePathMapping,
) -> anyhow::Result<tollgate_model::BasePathMapping> {
    use tollgate_admin::base_path_mappings as mappings;
    let label = request.base_path.clone().unwrap_or_default();
    match mappings::get(store, domain, &label).await {
        Ok(old) => {
            let mapping = mappings::new_mapping(request).map_err(refused)?;
            mappings::replace(store, domain, &old.base_path, &mapping)
                .await
                .map_err(refused)?;
            Ok(mapping)
        }
        Err(ApiError::NotFound(_)) => mappings::create(store, domain, request)
            .await
            .map_err(refused),
        Err(e) => Err(refused(e)),
    }
}

/// `tollgate domains ...`: the management API's operations (CreateDomainName,
/// CreateBasePathMapping, UpdateBasePathMapping, GetDomainNames, GetBasePathMappings,
/// DeleteDomainName) on the store, with their checks and texts.
async fn domains(command: DomainsCommand) -> anyhow::Result<ExitCode> {
    use tollgate_admin::base_path_mappings::{self as mappings, CreateBasePathMapping};
    use tollgate_admin::domain_names;
    use tollgate_model::BasePathMapping;
    let shown = |base_path: &str| {
        if base_path == BasePathMapping::NONE {
            String::new()
        } else {
            base_path.to_owned()
        }
    };
    match command {
        DomainsCommand::Create(args) => {
            let store = open_store(&args.store.data_dir)?;
            let name = args.domain.to_ascii_lowercase();
            if ensure_domain(&store, &args.domain).await? {
                println!("domain name {name} created");
            } else {
                println!("domain name {name} already exists");
            }
        }
        DomainsCommand::Map(args) => {
            let store = open_store(&args.store.data_dir)?;
            let request = CreateBasePathMapping {
                base_path: Some(args.base_path.clone()),
                rest_api_id: Some(args.api.clone()),
                stage: args.stage.clone(),
            };
            let mapping = map_base_path(&store, &args.domain, request).await?;
            println!(
                "{}/{} -> API {} stage {}",
                args.domain.to_ascii_lowercase(),
                shown(&mapping.base_path),
                mapping.rest_api_id,
                mapping.stage.as_deref().unwrap_or("(from the path)")
            );
        }
        DomainsCommand::List(args) => {
            let store = open_store(&args.store.data_dir)?;
            let mut listed = Vec::new();
            for d in domain_names::list(&store).await.map_err(refused)? {
                let m = mappings::list(&store, &d.domain_name)
                    .await
                    .map_err(refused)?;
                listed.push((d, m));
            }
            match args.output {
                Output::Json => {
                    let v: Vec<_> = listed
                        .iter()
                        .map(|(d, m)| json!({"domainName": d.domain_name, "basePathMappings": m}))
                        .collect();
                    println!("{}", serde_json::Value::Array(v));
                }
                Output::Text => {
                    for (d, mappings) in &listed {
                        println!("{}", d.domain_name);
                        for m in mappings {
                            println!(
                                "    /{}  ->  {} {}",
                                shown(&m.base_path),
                                m.rest_api_id,
                                m.stage.as_deref().unwrap_or("(stage from the path)")
                            );
                        }
                    }
                }
            }
        }
        DomainsCommand::Delete(args) => {
            let store = open_store(&args.store.data_dir)?;
            domain_names::delete(&store, &args.domain)
                .await
                .map_err(refused)?;
            println!("domain name {} deleted", args.domain.to_ascii_lowercase());
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_parse_and_are_checked() {
        assert_eq!(
            parse_variables(&["a=1".into(), "b_2=x=y".into()]).unwrap(),
            BTreeMap::from([("a".into(), "1".into()), ("b_2".into(), "x=y".into())])
        );
        assert!(parse_variables(&["nope".into()]).is_err());
        assert!(parse_variables(&["a-b=1".into()]).is_err());
    }
}
