//! `tollgate keys ...` and `tollgate plans ...`: API keys and usage plans in the store.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::{Context, bail};
use serde_json::json;
use tollgate_model::{
    ApiStage, QuotaPeriod, QuotaSettings, ThrottleSettings, UsagePlan, ids, now_epoch_seconds,
};
use tollgate_store::Store;

use super::open_store;
use crate::cli::{KeysCommand, Output, PlanCreateArgs, PlansCommand};

pub async fn keys(command: KeysCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeysCommand::Create(args) => {
            let store = open_store(&args.store.data_dir)?;
            if args.name.is_empty() {
                bail!("API key name must not be empty");
            }
            let key = tollgate_admin::keys::new_key(
                args.name,
                args.value,
                args.description,
                args.customer_id,
                !args.disabled,
            )
            .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
            store.create_api_key(&key).await?;
            if let Some(plan) = &args.plan
                && let Err(e) = store.add_usage_plan_key(plan, &key.id).await
            {
                // Nothing half-done: the key goes again.
                let _ = store.delete_api_key(&key.id).await;
                return Err(e.into());
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
            let keys = store.list_api_keys().await?;
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
            store.delete_api_key(&args.id).await?;
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
                .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
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

async fn set_enabled(data_dir: &std::path::Path, id: &str, enabled: bool) -> anyhow::Result<()> {
    let store = open_store(data_dir)?;
    let mut key = store.get_api_key(id).await?;
    key.enabled = enabled;
    key.last_updated_date = now_epoch_seconds();
    store.update_api_key(&key).await?;
    println!(
        "API key {id} {}",
        if enabled { "enabled" } else { "disabled" }
    );
    Ok(())
}

pub async fn plans(command: PlansCommand) -> anyhow::Result<ExitCode> {
    match command {
        PlansCommand::Create(args) => {
            let output = args.output;
            let store = open_store(&args.store.data_dir)?;
            let plan = plan_from_args(args)?;
            store.put_usage_plan(&plan).await?;
            match output {
                Output::Json => println!("{}", serde_json::to_string_pretty(&plan)?),
                Output::Text => println!("usage plan {} ({}) created", plan.id, plan.name),
            }
        }
        PlansCommand::List(args) => {
            let store = open_store(&args.store.data_dir)?;
            let plans = store.list_usage_plans().await?;
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
            store.add_usage_plan_key(&args.plan, &args.key).await?;
            println!("API key {} added to usage plan {}", args.key, args.plan);
        }
        PlansCommand::RemoveKey(args) => {
            let store = open_store(&args.store.data_dir)?;
            store.remove_usage_plan_key(&args.plan, &args.key).await?;
            println!("API key {} removed from usage plan {}", args.key, args.plan);
        }
        PlansCommand::Delete(args) => {
            let store = open_store(&args.store.data_dir)?;
            store.delete_usage_plan(&args.plan).await?;
            println!("usage plan {} deleted", args.plan);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn plan_from_args(args: PlanCreateArgs) -> anyhow::Result<UsagePlan> {
    let mut api_stages: Vec<ApiStage> = Vec::new();
    for s in &args.stages {
        let Some((api_id, stage)) = s
            .split_once(':')
            .filter(|(a, s)| !a.is_empty() && !s.is_empty())
        else {
            bail!("--stage '{s}' is not API_ID:STAGE");
        };
        api_stages.push(ApiStage {
            api_id: api_id.to_owned(),
            stage: stage.to_owned(),
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
            .find(|s| s.api_id == api_id && s.stage == stage)
        else {
            bail!("--method-throttle '{spec}': add --stage {api_id}:{stage} too");
        };
        entry.throttle.insert(method.to_owned(), throttle);
    }
    let throttle = match (args.rate, args.burst) {
        (Some(rate_limit), Some(burst_limit)) if rate_limit >= 0.0 => Some(ThrottleSettings {
            burst_limit,
            rate_limit,
        }),
        (Some(_), Some(_)) => bail!("--rate must not be negative"),
        _ => None,
    };
    let quota = match (args.quota_limit, args.quota_period.as_deref()) {
        (Some(limit), Some(period)) => {
            let period = QuotaPeriod::parse(period)
                .with_context(|| format!("--quota-period '{period}' is not DAY, WEEK or MONTH"))?;
            if period == QuotaPeriod::Day && args.quota_offset != 0 {
                bail!("--quota-offset must be 0 for a DAY quota");
            }
            Some(QuotaSettings {
                limit,
                offset: args.quota_offset,
                period,
            })
        }
        _ => None,
    };
    Ok(UsagePlan {
        id: ids::short_id(),
        name: args.name,
        description: args.description,
        api_stages,
        throttle,
        quota,
        product_code: None,
        tags: BTreeMap::new(),
    })
}

fn parse_throttle(limits: &str) -> Option<ThrottleSettings> {
    let (rate, burst) = limits.split_once(',')?;
    let rate_limit: f64 = rate.trim().parse().ok().filter(|r: &f64| *r >= 0.0)?;
    let burst_limit: u32 = burst.trim().parse().ok()?;
    Some(ThrottleSettings {
        burst_limit,
        rate_limit,
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
    .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    let plan = store.get_usage_plan(&args.plan).await?;
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
        assert_eq!(
            parse_throttle("0.5,1"),
            Some(ThrottleSettings {
                burst_limit: 1,
                rate_limit: 0.5
            })
        );
        assert_eq!(parse_throttle("x,1"), None);
        assert_eq!(parse_throttle("-1,1"), None);
    }
}
