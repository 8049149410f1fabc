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
/// `work_dir` is where zip archives of code are extracted and inline code is written.
pub async fn load_and_deploy(
    store: &SqliteStore,
    template: &Path,
    parameter_overrides: BTreeMap<String, String>,
    work_dir: &Path,
) -> anyhow::Result<bool> {
    let options = SamOptions {
        parameter_overrides,
        work_dir: Some(work_dir.to_owned()),
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
        // Imported under the template's id from the start: the `!Ref Api` values and the invoke
        // URLs use it, and the policy shorthand expands with it.
        let options = ImportOptions {
            api_id: Some(api.id.clone()),
            ..ImportOptions::default()
        };
        let mut imported = match tollgate_openapi::import(&document, &options) {
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
        if let Some(plan) = &api.usage_plan {
            usage_plan(store, api, plan)
                .await
                .with_context(|| format!("creating the usage plan of API {}", api.logical_id))?;
        }
    }
    gateway_resources(store, &app)
        .await
        .context("creating the template's API keys and usage plans")?;
    stages_and_domains(store, template, &app)
        .await
        .context("deploying the template's other stages and its domain names")?;
    Ok(true)
}

/// The APIs' stages beyond the first (an `AWS::ApiGateway::RestApi` may have several), and
/// the template's custom domain names with their base path mappings.
async fn stages_and_domains(
    store: &SqliteStore,
    template: &Path,
    app: &tollgate_sam::SamApp,
) -> anyhow::Result<()> {
    use tollgate_model::{BasePathMapping, DomainName};
    for api in &app.apis {
        for stage in &api.more_stages {
            let request = DeployRequest {
                stage_name: stage.name.clone(),
                description: Some(format!("tollgate serve --sam {}", template.display())),
                variables: stage.variables.clone(),
                ..Default::default()
            };
            store.deploy(&api.id, &request).await.with_context(|| {
                format!("deploying API {} to stage {}", api.logical_id, stage.name)
            })?;
        }
    }
    for domain in &app.domains {
        store
            .put_domain_name(&DomainName::new(&domain.name))
            .await?;
        for m in &domain.mappings {
            let mapping = BasePathMapping {
                base_path: m
                    .base_path
                    .clone()
                    .unwrap_or_else(|| BasePathMapping::NONE.to_owned()),
                rest_api_id: m.api_id.clone(),
                stage: m.stage.clone(),
            };
            store.put_base_path_mapping(&domain.name, &mapping).await?;
            println!(
                "domain {}/{} -> API {} stage {}",
                domain.name,
                m.base_path.as_deref().unwrap_or(""),
                m.api_id,
                m.stage.as_deref().unwrap_or("(from the path)")
            );
        }
    }
    Ok(())
}

/// The template's `AWS::ApiGateway::ApiKey`, `UsagePlan` and `UsagePlanKey` resources, matched by
/// name with what earlier starts created (so ids and generated values stay the same).
async fn gateway_resources(store: &SqliteStore, app: &tollgate_sam::SamApp) -> anyhow::Result<()> {
    use std::collections::HashMap;
    use tollgate_model::{
        ApiKey, ApiStage, QuotaPeriod, QuotaSettings, ThrottleSettings, UsagePlan, ids,
        now_epoch_seconds,
    };
    let mut key_ids: HashMap<&str, String> = HashMap::new();
    let existing_keys = store.list_api_keys().await?;
    for k in &app.api_keys {
        let now = now_epoch_seconds();
        let key = match existing_keys.iter().find(|e| e.name == k.name) {
            Some(old) => {
                let key = ApiKey {
                    value: k.value.clone().unwrap_or_else(|| old.value.clone()),
                    enabled: k.enabled,
                    description: k.description.clone(),
                    customer_id: k.customer_id.clone(),
                    last_updated_date: now,
                    ..old.clone()
                };
                store.update_api_key(&key).await?;
                key
            }
            None => {
                let key = ApiKey {
                    id: ids::long_id(),
                    value: k.value.clone().unwrap_or_else(ApiKey::generate_value),
                    name: k.name.clone(),
                    customer_id: k.customer_id.clone(),
                    description: k.description.clone(),
                    enabled: k.enabled,
                    created_date: now,
                    last_updated_date: now,
                    stage_keys: Vec::new(),
                    tags: BTreeMap::new(),
                };
                store.create_api_key(&key).await?;
                key
            }
        };
        println!("API key {} ({})", key.name, key.id);
        key_ids.insert(k.logical_id.as_str(), key.id);
    }
    let mut plan_ids: HashMap<&str, String> = HashMap::new();
    let existing_plans = store.list_usage_plans().await?;
    for p in &app.usage_plans {
        let id = existing_plans
            .iter()
            .find(|e| e.name == p.name)
            .map_or_else(ids::short_id, |e| e.id.clone());
        let plan = UsagePlan {
            id,
            name: p.name.clone(),
            description: p.description.clone(),
            api_stages: p
                .api_stages
                .iter()
                .map(|s| ApiStage {
                    api_id: s.api_id.clone(),
                    stage: s.stage.clone(),
                    throttle: s
                        .throttle
                        .iter()
                        .map(|(m, (rate, burst))| {
                            (
                                m.clone(),
                                ThrottleSettings {
                                    rate_limit: *rate,
                                    burst_limit: *burst,
                                },
                            )
                        })
                        .collect(),
                })
                .collect(),
            throttle: p.throttle.and_then(|t| {
                Some(ThrottleSettings {
                    rate_limit: t.rate_limit?,
                    burst_limit: t.burst_limit?,
                })
            }),
            quota: p.quota.as_ref().and_then(|q| {
                Some(QuotaSettings {
                    limit: q.limit?,
                    offset: q.offset.unwrap_or(0),
                    period: QuotaPeriod::parse(q.period.as_deref()?)?,
                })
            }),
            product_code: None,
            tags: BTreeMap::new(),
        };
        store.put_usage_plan(&plan).await?;
        println!("usage plan {} ({})", plan.name, plan.id);
        plan_ids.insert(p.logical_id.as_str(), plan.id);
    }
    for (plan, key) in &app.usage_plan_keys {
        let (Some(plan_id), Some(key_id)) =
            (plan_ids.get(plan.as_str()), key_ids.get(key.as_str()))
        else {
            continue;
        };
        match store.add_usage_plan_key(plan_id, key_id).await {
            Ok(()) | Err(tollgate_store::StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// The `UsagePlan` of a SAM API: the plan (found again by name on later starts) covering the
/// API's stage, and its enabled API key, whose value is printed.
async fn usage_plan(
    store: &SqliteStore,
    api: &tollgate_sam::SamApi,
    sam: &tollgate_sam::SamUsagePlan,
) -> anyhow::Result<()> {
    use tollgate_model::{
        ApiKey, ApiStage, QuotaPeriod, QuotaSettings, ThrottleSettings, UsagePlan, ids,
        now_epoch_seconds,
    };
    let stage = ApiStage {
        api_id: api.id.clone(),
        stage: api.stage_name.clone(),
        throttle: BTreeMap::new(),
    };
    let throttle = sam.throttle.and_then(|t| {
        Some(ThrottleSettings {
            rate_limit: t.rate_limit?,
            burst_limit: t.burst_limit?,
        })
    });
    let quota = sam.quota.as_ref().and_then(|q| {
        Some(QuotaSettings {
            limit: q.limit?,
            offset: q.offset.unwrap_or(0),
            period: QuotaPeriod::parse(q.period.as_deref()?)?,
        })
    });
    let existing = store
        .list_usage_plans()
        .await?
        .into_iter()
        .find(|p| p.name == sam.name);
    let mut plan = existing.unwrap_or_else(|| UsagePlan {
        id: ids::short_id(),
        name: sam.name.clone(),
        description: None,
        api_stages: Vec::new(),
        throttle: None,
        quota: None,
        product_code: None,
        tags: BTreeMap::new(),
    });
    plan.description = sam.description.clone();
    plan.throttle = throttle;
    plan.quota = quota;
    if !plan.covers(&stage.api_id, &stage.stage) {
        plan.api_stages.push(stage);
    }
    store.put_usage_plan(&plan).await?;
    let keys = store.list_api_keys().await?;
    let key = match keys.into_iter().find(|k| k.name == sam.api_key_name) {
        Some(k) => k,
        None => {
            let now = now_epoch_seconds();
            let key = ApiKey {
                id: ids::long_id(),
                value: ApiKey::generate_value(),
                name: sam.api_key_name.clone(),
                customer_id: None,
                description: None,
                enabled: true,
                created_date: now,
                last_updated_date: now,
                stage_keys: Vec::new(),
                tags: BTreeMap::new(),
            };
            store.create_api_key(&key).await?;
            key
        }
    };
    match store.add_usage_plan_key(&plan.id, &key.id).await {
        Ok(()) | Err(tollgate_store::StoreError::Conflict(_)) => {}
        Err(e) => return Err(e.into()),
    }
    // The value stays out of output that may end up in logs.
    println!(
        "usage plan {} ({}): API key {} ({}); its value: tollgate keys list --include-values",
        plan.name, plan.id, key.name, key.id
    );
    Ok(())
}
