//! Keeps the data plane in step with the store: compiles every stage and publishes the table,
//! and registers the stored functions with the function host, again whenever the store's
//! revision moves (a deploy or a function change from this or another process).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tollgate_engine::api_keys::KeyTable;
use tollgate_engine::{CompiledStage, Gateway, StageTable, compile};
use tollgate_lambda::FunctionHost;
use tollgate_store::Store;

/// The function host kept in step with the store's function declarations.
pub struct FunctionSync {
    host: Arc<FunctionHost>,
    /// Functions defined on the command line: they win over stored ones of the same name.
    pinned: HashSet<String>,
    /// Functions registered from the store (removed from the host when their declaration goes).
    from_store: HashSet<String>,
}

impl FunctionSync {
    pub fn new(host: Arc<FunctionHost>, pinned: HashSet<String>) -> Self {
        FunctionSync {
            host,
            pinned,
            from_store: HashSet::new(),
        }
    }

    /// Registers new and changed declarations, unregisters removed ones. A declaration that
    /// cannot run here is logged and skipped.
    async fn sync(&mut self, store: &impl Store) -> anyhow::Result<()> {
        let stored = store.list_functions().await?;
        let mut seen = HashSet::with_capacity(stored.len());
        for def in &stored {
            if self.pinned.contains(&def.function_name) {
                continue;
            }
            match crate::functions::to_config(def) {
                Ok(config) => {
                    seen.insert(def.function_name.clone());
                    if self.host.get(&def.function_name).as_ref() != Some(&config) {
                        tracing::info!(function = %def.function_name, runtime = %def.runtime, "function registered");
                        if let Some(warning) = crate::functions::runtime_version_warning(def) {
                            tracing::warn!("{warning}");
                        }
                        self.host.register(config);
                    }
                }
                Err(e) => {
                    tracing::error!(function = %def.function_name, error = %e, "function not registered")
                }
            }
        }
        for gone in self.from_store.difference(&seen) {
            if self.host.unregister(gone) {
                tracing::info!(function = %gone, "function removed");
            }
        }
        self.from_store = seen;
        Ok(())
    }
}

pub struct Reloader<S> {
    store: S,
    gateway: Arc<Gateway>,
    revision: Option<u64>,
    /// Compiled stages, reused while the stage record is unchanged.
    compiled: HashMap<(String, String), (String, Arc<CompiledStage>)>,
    functions: Option<FunctionSync>,
    /// Stages already warned about for having a canary (warned once per process).
    canary_warned: HashSet<(String, String)>,
}

impl<S: Store> Reloader<S> {
    pub fn new(store: S, gateway: Arc<Gateway>) -> Self {
        Reloader {
            store,
            gateway,
            revision: None,
            compiled: HashMap::new(),
            functions: None,
            canary_warned: HashSet::new(),
        }
    }

    /// Also keeps `functions` in step with the store.
    pub fn with_functions(mut self, functions: FunctionSync) -> Self {
        self.functions = Some(functions);
        self
    }

    /// Registers changed functions, recompiles what changed and publishes a new table. Stages that fail to compile are left
    /// out (and logged); the rest are served.
    pub async fn reload(&mut self) -> anyhow::Result<()> {
        let revision = self.store.revision().await?;
        if let Some(functions) = &mut self.functions {
            functions.sync(&self.store).await?;
        }
        let stages = self.store.all_stages().await?;
        let stage_records = stages.clone();
        let mappings = self.store.all_base_path_mappings().await?;
        let mut table = Vec::with_capacity(stages.len());
        let mut compiled = HashMap::with_capacity(stages.len());
        for (api_id, stage) in stages {
            let key = (api_id.clone(), stage.stage_name.clone());
            let fingerprint = serde_json::to_string(&stage)?;
            if let Some((fp, c)) = self.compiled.get(&key)
                && *fp == fingerprint
            {
                table.push(c.clone());
                compiled.insert(key, (fingerprint, c.clone()));
                continue;
            }
            if stage.canary_settings.is_some() && self.canary_warned.insert(key.clone()) {
                tracing::warn!(api = %api_id, stage = %stage.stage_name, "stage has a canary, but canary routing is not enforced yet: every request is served by the stage's deployment");
            }
            let unenforced = unenforced_settings(&stage);
            if !unenforced.is_empty() {
                // Logged when the stage is compiled, so once per change of the stage.
                tracing::warn!(api = %api_id, stage = %stage.stage_name, settings = %unenforced.join(", "), "the stage has settings Tollgate stores but does not act on yet");
            }
            if let Some(certificate) = &stage.client_certificate_id {
                // Logged when the stage is compiled, so once per change of the stage.
                tracing::info!(api = %api_id, stage = %stage.stage_name, client_certificate = %certificate, "the stage names a client certificate; Tollgate does not present client certificates to backends yet, so its integrations connect without one");
            }
            // Snapshots are read only while compiling: the compiled stage is all that is kept.
            let snapshot = match self
                .store
                .get_deployment(&api_id, &stage.deployment_id)
                .await
            {
                Ok((_, def)) => def,
                Err(e) => {
                    tracing::error!(api = %api_id, stage = %stage.stage_name, error = %e, "stage not served: its deployment cannot be read");
                    continue;
                }
            };
            match compile(&snapshot, &stage) {
                Ok(c) => {
                    let c = Arc::new(c);
                    table.push(c.clone());
                    compiled.insert(key, (fingerprint, c));
                }
                Err(e) => {
                    tracing::error!(api = %api_id, stage = %stage.stage_name, error = %e, "stage not served: deployment does not compile");
                }
            }
        }
        self.compiled = compiled;
        let keys = KeyTable::new(
            self.store.list_api_keys().await?,
            self.store.list_usage_plans().await?,
            &self.store.all_usage_plan_keys().await?,
            &stage_records,
        );
        self.gateway
            .publish(StageTable::new(table, mappings).with_keys(keys));
        self.revision = Some(revision);
        crate::memory::release_freed();
        Ok(())
    }

    /// Polls the store's revision every `interval` until `shutdown` turns true.
    pub async fn watch(mut self, interval: Duration, mut shutdown: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.changed() => return,
            }
            match self.store.revision().await {
                Ok(r) if Some(r) == self.revision => {}
                Ok(_) => {
                    if let Err(e) = self.reload().await {
                        tracing::error!(error = %e, "reloading deployments failed");
                    } else {
                        tracing::info!("deployments reloaded");
                    }
                }
                Err(e) => tracing::error!(error = %e, "reading the store revision failed"),
            }
        }
    }
}

/// The stage settings that are stored and shown as AWS shows them but have no effect yet
/// (response caching, access logs, tracing, execution logs and metrics, WAF).
fn unenforced_settings(stage: &tollgate_model::Stage) -> Vec<&'static str> {
    let settings = stage.method_settings.values();
    let mut unenforced = Vec::new();
    if stage.cache_cluster_enabled || settings.clone().any(|m| m.caching_enabled) {
        unenforced.push("response cache (cacheClusterEnabled, caching/enabled)");
    }
    if stage.access_log_settings.is_some() {
        unenforced.push("access logs (accessLogSettings)");
    }
    if stage.tracing_enabled {
        unenforced.push("X-Ray tracing (tracingEnabled)");
    }
    if settings.clone().any(|m| {
        m.metrics_enabled
            || m.data_trace_enabled
            || m.logging_level.as_deref().is_some_and(|l| l != "OFF")
    }) {
        unenforced.push(
            "execution logs and metrics (logging/loglevel, logging/dataTrace, metrics/enabled)",
        );
    }
    if stage.web_acl_arn.is_some() {
        unenforced.push("WAF (webAclArn)");
    }
    unenforced
}
