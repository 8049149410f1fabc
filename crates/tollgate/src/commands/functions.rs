//! `tollgate functions ...`: function declarations in the store.
//!
//! The management API has no operation for these (functions are Tollgate's stand-in for Lambda;
//! its listener serves only Lambda's Invoke), so the command writes the store itself.

use std::process::ExitCode;

use anyhow::bail;
use serde_json::json;
use tollgate_model::{FunctionDefinition, valid_function_name};
use tollgate_store::{Store, StoreError};

use super::{open_store, parse_env};
use crate::cli::{FunctionSettings, FunctionsCommand, Output};
use crate::functions::{absolute_code_dir, parse_remote, to_config};

pub async fn run(command: FunctionsCommand) -> anyhow::Result<ExitCode> {
    match command {
        FunctionsCommand::Create(args) => {
            if !valid_function_name(&args.name) {
                bail!(
                    "'{}' is not a valid function name (1-64 characters of [A-Za-z0-9_-])",
                    args.name
                );
            }
            let store = open_store(&args.store.data_dir)?;
            match store.get_function(&args.name).await {
                Ok(_) => bail!("Function already exist: {}", args.name),
                Err(StoreError::FunctionNotFound(_)) => {}
                Err(e) => return Err(e.into()),
            }
            if args.settings.runtime.is_none() && args.settings.remote.is_none() {
                bail!("--runtime is required (or --remote for a remote function)");
            }
            let mut def = FunctionDefinition {
                function_name: args.name.clone(),
                runtime: "provided.al2023".to_owned(),
                handler: None,
                code_uri: absolute_code_dir(std::path::Path::new("."))?,
                environment: Default::default(),
                timeout: 3,
                memory_size: 128,
                reserved_concurrent_executions: 10,
                remote: None,
                source: Some("cli".to_owned()),
                last_modified: 0,
            };
            apply(&mut def, args.settings)?;
            store.put_function(&def).await?;
            println!(
                "function {} created ({})",
                def.function_name,
                describe(&def)
            );
        }
        FunctionsCommand::Update(args) => {
            let store = open_store(&args.store.data_dir)?;
            let mut def = store.get_function(&args.name).await?;
            apply(&mut def, args.settings)?;
            def.source = Some("cli".to_owned());
            store.put_function(&def).await?;
            println!(
                "function {} updated ({})",
                def.function_name,
                describe(&def)
            );
        }
        FunctionsCommand::List(args) => {
            let store = open_store(&args.store.data_dir)?;
            let all = store.list_functions().await?;
            match args.output {
                Output::Json => println!("{}", json!({ "Functions": all })),
                Output::Text => {
                    if all.is_empty() {
                        println!("No functions. Declare one with `tollgate functions create`.");
                    }
                    for f in &all {
                        println!("{}  {}", f.function_name, describe(f));
                    }
                }
            }
        }
        FunctionsCommand::Show(args) => {
            let store = open_store(&args.store.data_dir)?;
            let def = store.get_function(&args.name).await?;
            println!("{}", serde_json::to_string_pretty(&def)?);
        }
        FunctionsCommand::Delete(args) => {
            let store = open_store(&args.store.data_dir)?;
            store.delete_function(&args.name).await?;
            println!("function {} deleted", args.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Applies the options given; checks that the result can run here.
fn apply(def: &mut FunctionDefinition, s: FunctionSettings) -> anyhow::Result<()> {
    if let Some(runtime) = s.runtime {
        def.runtime = runtime;
    }
    if let Some(handler) = s.handler {
        def.handler = Some(handler);
    }
    if let Some(code) = s.code {
        def.code_uri = absolute_code_dir(&code)?;
    }
    if !s.environment.is_empty() {
        def.environment = parse_env(&s.environment)?;
    }
    if let Some(t) = s.timeout {
        def.timeout = t;
    }
    if let Some(m) = s.memory {
        def.memory_size = m;
    }
    if let Some(c) = s.concurrency {
        def.reserved_concurrent_executions = c;
    }
    if let Some(remote) = s.remote {
        def.remote = Some(parse_remote(&def.function_name, &remote)?);
    }
    def.last_modified = tollgate_model::now_epoch_seconds();
    to_config(def).map(|_| ())?;
    if let Some(warning) = crate::functions::runtime_version_warning(def) {
        eprintln!("warning: {warning}");
    }
    let needs_handler = def.remote.is_none()
        && (def.runtime.starts_with("python") || def.runtime.starts_with("nodejs"));
    if needs_handler && def.handler.as_deref().is_none_or(|h| !h.contains('.')) {
        bail!(
            "function {}: runtime {} needs --handler module.function",
            def.function_name,
            def.runtime
        );
    }
    Ok(())
}

fn describe(f: &FunctionDefinition) -> String {
    match &f.remote {
        Some(r) => format!("remote {}#{}", r.endpoint, r.function_name),
        None => format!(
            "{}{}, {}, timeout {} s, {} MB, concurrency {}",
            f.runtime,
            f.handler
                .as_deref()
                .map(|h| format!(" {h}"))
                .unwrap_or_default(),
            f.code_uri,
            f.timeout,
            f.memory_size,
            f.reserved_concurrent_executions
        ),
    }
}
