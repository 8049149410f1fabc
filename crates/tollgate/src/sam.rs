//! `serve --sam`: an AWS SAM application's functions go to the function host, its APIs to the
//! store, each deployed at the stage the template gives.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use tollgate_openapi::ImportOptions;
use tollgate_sam::SamOptions;
use tollgate_store::{DeployRequest, SqliteStore, Store};

/// Loads the template, stores its functions (replacing those an earlier load of the same template
/// stored, so that functions removed from the template go) and stores and deploys its APIs.
/// Prints the template's warnings and errors; returns false when the template is refused.
pub async fn load_and_deploy(
    store: &SqliteStore,
    template: &Path,
    parameter_overrides: BTreeMap<String, String>,
) -> anyhow::Result<bool> {
    let options = SamOptions {
        parameter_overrides,
        ..SamOptions::default()
    };
    let app = match tollgate_sam::load_file(template, &options) {
        Ok(app) => app,
        Err(e) => {
            for d in &e.errors {
                eprintln!("{}: error: {d}", template.display());
            }
            for w in &e.warnings {
                eprintln!("{}: warning: {w}", template.display());
            }
            eprintln!("{}: not loaded: Invalid SAM template.", template.display());
            return Ok(false);
        }
    };
    for w in &app.warnings {
        eprintln!("{}: warning: {w}", template.display());
    }
    let source = format!(
        "sam:{}",
        std::fs::canonicalize(template)
            .unwrap_or_else(|_| template.to_owned())
            .display()
    );
    let names: Vec<&str> = app.functions.iter().map(|f| f.name.as_str()).collect();
    for old in store.list_functions().await? {
        if old.source.as_deref() == Some(&source) && !names.contains(&old.function_name.as_str()) {
            store.delete_function(&old.function_name).await?;
        }
    }
    for function in &app.functions {
        let mut function = function.clone();
        // Stored paths must not depend on the directory the next `serve` runs in.
        if let Ok(dir) = std::fs::canonicalize(&function.code_dir) {
            function.code_dir = dir;
        }
        println!(
            "function {} ({})",
            function.name,
            function.runtime.aws_name()
        );
        store
            .put_function(&crate::functions::to_definition(&function, &source))
            .await?;
    }
    for api in &app.apis {
        let document = serde_json::to_vec(&api.openapi)?;
        let mut imported = match tollgate_openapi::import(&document, &ImportOptions::default()) {
            Ok(i) => i,
            Err(e) => {
                for d in &e.errors {
                    eprintln!("{}: error: API {}: {d}", template.display(), api.logical_id);
                }
                return Ok(false);
            }
        };
        for w in &imported.warnings {
            eprintln!(
                "{}: warning: API {}: {w}",
                template.display(),
                api.logical_id
            );
        }
        let definition = &mut imported.definition;
        // The template's `!Ref Api` values and the invoke URLs use this id: keep it.
        definition.rest_api.id = api.id.clone();
        match store.get_api(&api.id).await {
            Ok(old) => {
                definition.rest_api.created_date = old.created_date;
                store.replace_api(definition).await?;
            }
            Err(tollgate_store::StoreError::ApiNotFound(_)) => store.create_api(definition).await?,
            Err(e) => return Err(e.into()),
        }
        let request = DeployRequest {
            stage_name: api.stage_name.clone(),
            description: Some(format!("tollgate serve --sam {}", template.display())),
            variables: api.variables.clone(),
            ..Default::default()
        };
        store.deploy(&api.id, &request).await.with_context(|| {
            format!(
                "deploying API {} to stage {}",
                api.logical_id, api.stage_name
            )
        })?;
    }
    Ok(true)
}
