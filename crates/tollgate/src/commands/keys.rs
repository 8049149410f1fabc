//! `tollgate keys ...`, `tollgate plans ...` and `tollgate usage`: API keys, usage plans and
//! their usage, through the management API's operations (CreateApiKey, UpdateApiKey,
//! CreateUsagePlan, CreateUsagePlanKey, GetUsage, ...), so checks and texts are the same.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::json;
use tollgate_admin::PatchOperation;
use tollgate_admin::keys::{self, CreateApiKey, GetApiKeys};
use tollgate_admin::plans::{
    self, ApiStageInput, CreateUsagePlan, CreateUsagePlanKey, QuotaInput, ThrottleInput,
};
use tollgate_store::Store;

use super::{open_store, refused};
use crate::cli::{KeysCommand, Output, PlanCreateArgs, PlansCommand};

pub async fn keys(command: KeysCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeysCommand::Create(args) => {
            let store = open_store(&args.store.data_dir)?;
            // CreateApiKey takes a key without a name; the command asks for one.
            if args.name.is_empty() {
                bail!("API key name must not be empty");
            }
            let request = CreateApiKey {
                name: Some(args.name),
                value: args.value,
                description: args.description,
                customer_id: args.customer_id,
                enabled: !args.disabled,
                ..CreateApiKey::default()
            };
            let key = keys::create_api_key(&store, request)
                .await
                .map_err(refused)?;
            if let Some(plan) = &args.plan
                && let Err(e) = add_to_plan(&store, plan, &key.id).await
            {
                // Nothing half-done: the key goes again.
                let _ = keys::delete_api_key(&store, &key.id).await;
                return Err(refused(e));
            }
            match args.output {
                Output::Json => println!("{}", serde_json::to_string_pretty(&key)?),
                Output::Text => {
                    println!("API key {} ({}) created", key.id, key.name);
                    println!("value: {}", key.value);
                    if let Some(plan) = &args.plan {
                        println!("added to usage plan {plan}");
                    }
                }
            }
        }
        KeysCommand::List(args) => {
            let store = open_store(&args.store.data_dir)?;
            let keys = keys::get_api_keys(&store, &GetApiKeys::default())
                .await
                .map_err(refused)?;
            match args.output {
                Output::Json => {
                    let items: Vec<serde_json::Value> = keys
                        .iter()
                        .map(|k| {
                            if args.include_values {
                                serde_json::to_value(k).unwrap_or_default()
                            } else {
                                k.without_value()
                            }
                        })
                        .collect();
                    println!("{}", json!({ "items": items }));
                }
                Output::Text => {
                    if keys.is_empty() {
                        println!(
                            "No API keys. Create one with `tollgate keys create --name NAME`."
                        );
                    }
                    for k in &keys {
                        let state = if k.enabled { "enabled" } else { "disabled" };
                        match args.include_values {
                            true => println!("{}  {}  {state}  {}", k.id, k.name, k.value),
                            false => println!("{}  {}  {state}", k.id, k.name),
                        }
                    }
                }
            }
        }
        KeysCommand::Enable(args) => set_enabled(&args.store.data_dir, &args.id, true).await?,
        KeysCommand::Disable(args) => set_enabled(&args.store.data_dir, &args.id, false).await?,
        KeysCommand::Delete(args) => {
            let store = open_store(&args.store.data_dir)?;
            keys::delete_api_key(&store, &args.id)
                .await
                .map_err(refused)?;
            println!("API key {} deleted", args.id);
        }
        KeysCommand::Import(args) => {
            let store = open_store(&args.store.data_dir)?;
            let text = std::fs::read(&args.file)
                .with_context(|| format!("reading {}", args.file.display()))?;
            let (rows, warnings) = tollgate_admin::import::parse_key_csv(&text);
            if args.fail_on_warnings && !warnings.is_empty() {
                for w in &warnings {
                    eprintln!("{}: {w}", args.file.display());
                }
                bail!("nothing imported: the file has warnings (--fail-on-warnings)");
            }
            let ids = tollgate_admin::import::import_keys(&store, rows)
                .await
                .map_err(refused)?;
            match args.output {
                Output::Json => println!("{}", json!({ "ids": ids, "warnings": warnings })),
                Output::Text => {
                    for w in &warnings {
                        eprintln!("{}: warning: {w}", args.file.display());
                    }
                    println!("{} API keys imported", ids.len());
                    for id in &ids {
                        println!("  {id}");
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// UpdateApiKey's `replace /enabled`.
async fn set_enabled(data_dir: &std::path::Path, id: &str, enabled: bool) -> anyhow::Result<()> {
    let store = open_store(data_dir)?;
    let op = PatchOperation::new("replace", "/enabled", Some(enabled.to_string()));
    keys::update_api_key(&store, id, &[op])
        .await
        .map_err(refused)?;
    println!(
        "API key {id} {}",
        if enabled { "enabled" } else { "disabled" }
    );
    Ok(())
}

/// CreateUsagePlanKey.
pub async fn add_to_plan(
    store: &tollgate_store::SqliteStore,
    plan_id: &str,
    key_id: &str,
) -> Result<tollgate_model::UsagePlanKey, tollgate_admin::ApiError> {
    let request = CreateUsagePlanKey {
        key_id: Some(key_id.to_owned()),
        key_type: Some("API_KEY".to_owned()),
    };
    plans::create_usage_plan_key(store, plan_id, request).await
}

pub async fn plans(command: PlansCommand) -> anyhow::Result<ExitCode> {
    match command {
        PlansCommand::Create(args) => {
            let output = args.output;
            let store = open_store(&args.store.data_dir)?;
            let request = plan_from_args(args)?;
            let plan = plans::create_usage_plan(&store, request)
                .await
                .map_err(refused)?;
            match output {
                Output::Json => println!("{}", serde_json::to_string_pretty(&plan)?),
                Output::Text => println!("usage plan {} ({}) created", plan.id, plan.name),
            }
        }
        PlansCommand::List(args) => {
            let store = open_store(&args.store.data_dir)?;
            let plans = plans::get_usage_plans(&store, None)
                .await
                .map_err(refused)?;
            // Every plan's keys in one read (GetUsagePlanKeys answers per plan).
            let members = store.all_usage_plan_keys().await?;
            match args.output {
                Output::Json => println!("{}", json!({ "items": plans })),
                Output::Text => {
                    if plans.is_empty() {
                        println!("No usage plans. Create one with `tollgate plans create`.");
                    }
                    for p in &plans {
                        println!("{}  {}", p.id, p.name);
                        for s in &p.api_stages {
                            println!("    stage {}:{}", s.api_id, s.stage);
                            for (m, t) in &s.throttle {
                                println!(
                                    "      {m}: {} rps, burst {}",
                                    t.rate_limit, t.burst_limit
                                );
                            }
                        }
                        if let Some(t) = p.throttle {
                            println!("    throttle {} rps, burst {}", t.rate_limit, t.burst_limit);
                        }
                        if let Some(q) = p.quota {
                            println!(
                                "    quota {} per {} (offset {})",
                                q.limit,
                                q.period.as_str(),
                                q.offset
                            );
                        }
                        for (_, key) in members.iter().filter(|(plan, _)| *plan == p.id) {
                            println!("    key {key}");
                        }
                    }
                }
            }
        }
        PlansCommand::AddKey(args) => {
            let store = open_store(&args.store.data_dir)?;
            add_to_plan(&store, &args.plan, &args.key)
                .await
                .map_err(refused)?;
            println!("API key {} added to usage plan {}", args.key, args.plan);
        }
        PlansCommand::RemoveKey(args) => {
            let store = open_store(&args.store.data_dir)?;
            plans::delete_usage_plan_key(&store, &args.plan, &args.key)
                .await
                .map_err(refused)?;
            println!("API key {} removed from usage plan {}", args.key, args.plan);
        }
        PlansCommand::Delete(args) => {
            let store = open_store(&args.store.data_dir)?;
            plans::delete_usage_plan(&store, &args.plan)
                .await
                .map_err(refused)?;
            println!("usage plan {} deleted", args.plan);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// CreateUsagePlan's input from the command's arguments. Only their syntax is checked here; the
/// values are the operation's to check.
fn plan_from_args(args: PlanCreateArgs) -> anyhow::Result<CreateUsagePlan> {
    let mut api_stages: Vec<ApiStageInput> = Vec::new();
    for s in &args.stages {
        let Some((api_id, stage)) = s
            .split_once(':')
            .filter(|(a, s)| !a.is_empty() && !s.is_empty())
        else {
            bail!("--stage '{s}' is not API_ID:STAGE");
        };
        api_stages.push(ApiStageInput {
            api_id: Some(api_id.to_owned()),
            stage: Some(stage.to_owned()),
            throttle: BTreeMap::new(),
        });
    }
    for spec in &args.method_throttles {
        let (target, limits) = spec.split_once('=').with_context(|| {
            format!("--method-throttle '{spec}' is not API_ID:STAGE:/path/METHOD=RATE,BURST")
        })?;
        let mut parts = target.splitn(3, ':');
        let (Some(api_id), Some(stage), Some(method)) = (parts.next(), parts.next(), parts.next())
        else {
            bail!("--method-throttle '{spec}' is not API_ID:STAGE:/path/METHOD=RATE,BURST");
        };
        if !method.starts_with('/') || !method.contains('/') {
            bail!("--method-throttle: '{method}' is not /path/METHOD (the root is //GET)");
        }
        let throttle = parse_throttle(limits)
            .with_context(|| format!("--method-throttle '{spec}': limits are RATE,BURST"))?;
        let Some(entry) = api_stages
            .iter_mut()
            .find(|s| s.api_id.as_deref() == Some(api_id) && s.stage.as_deref() == Some(stage))
        else {
            bail!("--method-throttle '{spec}': add --stage {api_id}:{stage} too");
        };
        entry.throttle.insert(method.to_owned(), throttle);
    }
    let throttle = match (args.rate, args.burst) {
        (Some(rate), Some(burst)) => Some(ThrottleInput {
            burst_limit: Some(burst),
            rate_limit: Some(rate),
        }),
        _ => None,
    };
    let quota = match (args.quota_limit, args.quota_period) {
        (Some(limit), Some(period)) => Some(QuotaInput {
            limit: Some(limit),
            offset: Some(args.quota_offset),
            period: Some(period),
        }),
        _ => None,
    };
    Ok(CreateUsagePlan {
        name: Some(args.name),
        description: args.description,
        api_stages,
        throttle,
        quota,
        ..CreateUsagePlan::default()
    })
}

/// `RATE,BURST`.
fn parse_throttle(limits: &str) -> Option<ThrottleInput> {
    let (rate, burst) = limits.split_once(',')?;
    Some(ThrottleInput {
        burst_limit: Some(burst.trim().parse().ok()?),
        rate_limit: Some(rate.trim().parse().ok()?),
    })
}

/// `tollgate usage`: AWS's GetUsage for a plan, from the stored per-day counts.
pub async fn usage(args: crate::cli::UsageArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(&args.store.data_dir)?;
    let body = tollgate_admin::usage::report(
        &store,
        &args.plan,
        args.key.as_deref(),
        &args.from,
        &args.to,
    )
    .await
    .map_err(refused)?;
    let plan = plans::get_usage_plan(&store, &args.plan)
        .await
        .map_err(refused)?;
    let start =
        tollgate_limits::parse_date(&args.from).map_err(|e| anyhow::anyhow!("--from: {e}"))?;
    match args.output {
        Output::Json => println!("{body}"),
        Output::Text => {
            println!(
                "usage plan {} ({}) from {} to {}",
                plan.id, plan.name, args.from, args.to
            );
            if let Some(values) = body["values"].as_object() {
                for (key, days) in values {
                    println!("key {key}");
                    let mut day = start;
                    for entry in days.as_array().into_iter().flatten() {
                        println!(
                            "  {}  used {:>8}  remaining {:>8}",
                            tollgate_limits::format_date(day),
                            entry[0],
                            entry[1]
                        );
                        day = day.next_day().unwrap_or(day);
                    }
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_specs() {
        let limits = |spec: &str| parse_throttle(spec).map(|t| (t.rate_limit, t.burst_limit));
        assert_eq!(limits("0.5,1"), Some((Some(0.5), Some(1))));
        assert_eq!(limits("x,1"), None);
        // A negative rate is CreateUsagePlan's to refuse, with its text.
        assert_eq!(limits("-1,1"), Some((Some(-1.0), Some(1))));
    }
}
