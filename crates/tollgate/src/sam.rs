//! `serve --sam`: an AWS SAM application's functions go to the function host, its APIs to the
//! store, each deployed at the stage the template gives.
//!
//! APIs, deployments, API keys, usage plans and domain names are made through the management
//! API's operations (ImportRestApi or PutRestApi, CreateDeployment, CreateApiKey,
//! CreateUsagePlan, ...), so a template gets the checks and texts a CloudFormation deployment
//! to API Gateway would. Functions are Tollgate's own (no API Gateway operation), stored as
//! `tollgate functions` stores them.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use tollgate_admin::deployments::CreateDeployment;
use tollgate_admin::keys::{self, CreateApiKey, GetApiKeys};
use tollgate_admin::plans::{self, ApiStageInput, CreateUsagePlan, QuotaInput, ThrottleInput};
use tollgate_admin::restapis::{
    ImportFailure, ImportRestApi, PutMode, PutRestApi, import_rest_api, put_rest_api,
};
use tollgate_admin::{ApiError, PatchOperation};
use tollgate_model::{ApiStage, ThrottleSettings, UsagePlan};
use tollgate_sam::SamOptions;
use tollgate_store::{SqliteStore, Store};

use crate::commands::{deploy_to_stage, ensure_domain, map_base_path, refused};

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
    // Functions have no management operation: they are stored as `tollgate functions` does.
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
        // Imported under the template's id from the start (the `!Ref Api` values and the invoke
        // URLs use it, and the policy shorthand expands with it); a later start overwrites it.
        let imported = match store.get_api(&api.id).await {
            Ok(_) => {
                let request = PutRestApi {
                    body: &document,
                    mode: PutMode::Overwrite,
                    ..PutRestApi::default()
                };
                put_rest_api(store, &api.id, request).await
            }
            Err(tollgate_store::StoreError::ApiNotFound(_)) => {
                let request = ImportRestApi {
                    body: &document,
                    api_id: Some(api.id.clone()),
                    ..ImportRestApi::default()
                };
                import_rest_api(store, request).await
            }
            Err(e) => return Err(e.into()),
        };
        let imported = match imported {
            Ok(i) => i,
            Err(ImportFailure::Document(e)) => {
                for d in &e.errors {
                    eprintln!("{}: error: API {}: {d}", template.display(), api.logical_id);
                }
                return Ok(false);
            }
            Err(ImportFailure::Call(e)) => {
                return Err(refused(e))
                    .with_context(|| format!("importing API {}", api.logical_id));
            }
        };
        for w in &imported.warnings {
            eprintln!(
                "{}: warning: API {}: {w}",
                template.display(),
                api.logical_id
            );
        }
        let request = CreateDeployment {
            stage_name: Some(api.stage_name.clone()),
            description: Some(format!("tollgate serve --sam {}", template.display())),
            variables: api.variables.clone(),
            ..CreateDeployment::default()
        };
        deploy_to_stage(store, &api.id, request)
            .await
            .with_context(|| {
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
    use tollgate_admin::base_path_mappings::CreateBasePathMapping;
    for api in &app.apis {
        for stage in &api.more_stages {
            let request = CreateDeployment {
                stage_name: Some(stage.name.clone()),
                description: Some(format!("tollgate serve --sam {}", template.display())),
                variables: stage.variables.clone(),
                ..CreateDeployment::default()
            };
            deploy_to_stage(store, &api.id, request)
                .await
                .with_context(|| {
                    format!("deploying API {} to stage {}", api.logical_id, stage.name)
                })?;
        }
    }
    for domain in &app.domains {
        ensure_domain(store, &domain.name).await?;
        for m in &domain.mappings {
            let request = CreateBasePathMapping {
                base_path: m.base_path.clone(),
                rest_api_id: Some(m.api_id.clone()),
                stage: m.stage.clone(),
            };
            map_base_path(store, &domain.name, request).await?;
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

/// A usage plan as the template describes it.
struct PlanSpec {
    name: String,
    description: Option<String>,
    stages: Vec<ApiStage>,
    throttle: Option<ThrottleSettings>,
    quota: Option<QuotaInput>,
}

/// The plan-wide throttle of a template: both limits, or none.
fn throttle(t: Option<tollgate_sam::SamThrottle>) -> Option<ThrottleSettings> {
    t.and_then(|t| {
        Some(ThrottleSettings {
            rate_limit: t.rate_limit?,
            burst_limit: t.burst_limit?,
        })
    })
}

/// The quota of a template: a limit and a period (checked by the operation), or none.
fn quota(q: Option<&tollgate_sam::SamQuota>) -> Option<QuotaInput> {
    q.and_then(|q| {
        Some(QuotaInput {
            limit: Some(q.limit?),
            offset: Some(q.offset.unwrap_or(0)),
            period: Some(q.period.clone()?),
        })
    })
}

fn throttle_input(t: &ThrottleSettings) -> ThrottleInput {
    ThrottleInput {
        burst_limit: Some(t.burst_limit),
        rate_limit: Some(t.rate_limit),
    }
}

/// Makes the plan `spec` describes: CreateUsagePlan, or, for a plan an earlier start created,
/// UpdateUsagePlan with the patch operations that bring it to `spec` (so its id and keys stay).
async fn put_plan(
    store: &SqliteStore,
    existing: Option<&UsagePlan>,
    spec: PlanSpec,
) -> anyhow::Result<UsagePlan> {
    let Some(old) = existing else {
        let request = CreateUsagePlan {
            name: Some(spec.name),
            description: spec.description,
            api_stages: spec
                .stages
                .iter()
                .map(|s| ApiStageInput {
                    api_id: Some(s.api_id.clone()),
                    stage: Some(s.stage.clone()),
                    throttle: s
                        .throttle
                        .iter()
                        .map(|(m, t)| (m.clone(), throttle_input(t)))
                        .collect(),
                })
                .collect(),
            throttle: spec.throttle.as_ref().map(throttle_input),
            quota: spec.quota,
            ..CreateUsagePlan::default()
        };
        return plans::create_usage_plan(store, request)
            .await
            .map_err(refused);
    };
    let op = |op: &str, path: &str, value: Option<String>| PatchOperation::new(op, path, value);
    let mut ops = vec![op(
        "replace",
        "/description",
        Some(spec.description.unwrap_or_default()),
    )];
    let covered = |stages: &[ApiStage], s: &ApiStage| {
        stages
            .iter()
            .any(|o| o.api_id == s.api_id && o.stage == s.stage)
    };
    for gone in old.api_stages.iter().filter(|s| !covered(&spec.stages, s)) {
        let value = format!("{}:{}", gone.api_id, gone.stage);
        ops.push(op("remove", "/apiStages", Some(value)));
    }
    for stage in &spec.stages {
        let value = format!("{}:{}", stage.api_id, stage.stage);
        let before = old
            .api_stages
            .iter()
            .find(|o| o.api_id == stage.api_id && o.stage == stage.stage);
        if before.is_none() {
            ops.push(op("add", "/apiStages", Some(value.clone())));
        }
        if before.map_or(!stage.throttle.is_empty(), |b| b.throttle != stage.throttle) {
            let map = serde_json::to_string(&stage.throttle)?;
            ops.push(op(
                "replace",
                &format!("/apiStages/{value}/throttle"),
                Some(map),
            ));
        }
    }
    ops.push(op("remove", "/throttle", None));
    if let Some(t) = spec.throttle {
        ops.push(op(
            "replace",
            "/throttle/rateLimit",
            Some(t.rate_limit.to_string()),
        ));
        ops.push(op(
            "replace",
            "/throttle/burstLimit",
            Some(t.burst_limit.to_string()),
        ));
    }
    // Removed first, so that the period and offset are checked together, not against the old
    // quota's.
    ops.push(op("remove", "/quota", None));
    if let Some(q) = spec.quota {
        let number = |n: Option<u64>| n.map(|n| n.to_string());
        ops.push(op("replace", "/quota/limit", number(q.limit)));
        ops.push(op("replace", "/quota/period", q.period));
        ops.push(op(
            "replace",
            "/quota/offset",
            number(q.offset.map(u64::from)),
        ));
    }
    plans::update_usage_plan(store, &old.id, &ops)
        .await
        .map_err(refused)
}

/// CreateUsagePlanKey; a key already in the plan is left there.
async fn keep_in_plan(store: &SqliteStore, plan_id: &str, key_id: &str) -> anyhow::Result<()> {
    match crate::commands::keys::add_to_plan(store, plan_id, key_id).await {
        Ok(_) | Err(ApiError::Conflict(_)) => Ok(()),
        Err(e) => Err(refused(e)),
    }
}

/// The template's `AWS::ApiGateway::ApiKey`, `UsagePlan` and `UsagePlanKey` resources, matched by
/// name with what earlier starts created (so ids and generated values stay the same).
async fn gateway_resources(store: &SqliteStore, app: &tollgate_sam::SamApp) -> anyhow::Result<()> {
    use std::collections::HashMap;
    let mut key_ids: HashMap<&str, String> = HashMap::new();
    let existing_keys = keys::get_api_keys(store, &GetApiKeys::default())
        .await
        .map_err(refused)?;
    for k in &app.api_keys {
        let key = match existing_keys.iter().find(|e| e.name == k.name) {
            Some(old) => {
                let ops = [
                    PatchOperation::new("replace", "/enabled", Some(k.enabled.to_string())),
                    PatchOperation::new(
                        "replace",
                        "/description",
                        Some(k.description.clone().unwrap_or_default()),
                    ),
                    PatchOperation::new(
                        "replace",
                        "/customerId",
                        Some(k.customer_id.clone().unwrap_or_default()),
                    ),
                ];
                let mut key = keys::update_api_key(store, &old.id, &ops)
                    .await
                    .map_err(refused)?;
                if let Some(value) = k.value.as_ref().filter(|v| **v != key.value) {
                    // No management operation changes a key's value (CloudFormation replaces
                    // the key): the store is written directly, so that the id, and the key's
                    // plans and usage, stay.
                    key.value = value.clone();
                    store.update_api_key(&key).await?;
                }
                key
            }
            None => {
                let request = CreateApiKey {
                    name: Some(k.name.clone()),
                    value: k.value.clone(),
                    description: k.description.clone(),
                    customer_id: k.customer_id.clone(),
                    enabled: k.enabled,
                    ..CreateApiKey::default()
                };
                keys::create_api_key(store, request)
                    .await
                    .map_err(refused)?
            }
        };
        println!("API key {} ({})", key.name, key.id);
        key_ids.insert(k.logical_id.as_str(), key.id);
    }
    let mut plan_ids: HashMap<&str, String> = HashMap::new();
    let existing_plans = plans::get_usage_plans(store, None).await.map_err(refused)?;
    for p in &app.usage_plans {
        let spec = PlanSpec {
            name: p.name.clone(),
            description: p.description.clone(),
            stages: p
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
            throttle: throttle(p.throttle),
            quota: quota(p.quota.as_ref()),
        };
        let existing = existing_plans.iter().find(|e| e.name == p.name);
        let plan = put_plan(store, existing, spec).await?;
        println!("usage plan {} ({})", plan.name, plan.id);
        plan_ids.insert(p.logical_id.as_str(), plan.id);
    }
    for (plan, key) in &app.usage_plan_keys {
        let (Some(plan_id), Some(key_id)) =
            (plan_ids.get(plan.as_str()), key_ids.get(key.as_str()))
        else {
            continue;
        };
        keep_in_plan(store, plan_id, key_id).await?;
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
    let existing = plans::get_usage_plans(store, None)
        .await
        .map_err(refused)?
        .into_iter()
        .find(|p| p.name == sam.name);
    let mut stages = existing
        .as_ref()
        .map(|p| p.api_stages.clone())
        .unwrap_or_default();
    if !stages
        .iter()
        .any(|s| s.api_id == api.id && s.stage == api.stage_name)
    {
        stages.push(ApiStage {
            api_id: api.id.clone(),
            stage: api.stage_name.clone(),
            throttle: BTreeMap::new(),
        });
    }
    let spec = PlanSpec {
        name: sam.name.clone(),
        description: sam.description.clone(),
        stages,
        throttle: throttle(sam.throttle),
        quota: quota(sam.quota.as_ref()),
    };
    let plan = put_plan(store, existing.as_ref(), spec).await?;
    let existing_key = keys::get_api_keys(store, &GetApiKeys::default())
        .await
        .map_err(refused)?
        .into_iter()
        .find(|k| k.name == sam.api_key_name);
    let key = match existing_key {
        Some(k) => k,
        None => {
            let request = CreateApiKey {
                name: Some(sam.api_key_name.clone()),
                enabled: true,
                ..CreateApiKey::default()
            };
            keys::create_api_key(store, request)
                .await
                .map_err(refused)?
        }
    };
    keep_in_plan(store, &plan.id, &key.id).await?;
    // The value stays out of output that may end up in logs.
    println!(
        "usage plan {} ({}): API key {} ({}); its value: tollgate keys list --include-values",
        plan.name, plan.id, key.name, key.id
    );
    Ok(())
}
