//! Keeps the data plane in step with the store: compiles every stage and publishes the table,
//! again whenever the store's revision moves (a deploy from this or another process).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tollgate_engine::{CompiledStage, Gateway, StageTable, compile};
use tollgate_store::Store;

pub struct Reloader<S> {
    store: S,
    gateway: Arc<Gateway>,
    revision: Option<u64>,
    /// Compiled stages, reused while the stage record is unchanged.
    compiled: HashMap<(String, String), (String, Arc<CompiledStage>)>,
}

impl<S: Store> Reloader<S> {
    pub fn new(store: S, gateway: Arc<Gateway>) -> Self {
        Reloader {
            store,
            gateway,
            revision: None,
            compiled: HashMap::new(),
        }
    }

    /// Recompiles what changed and publishes a new table. Stages that fail to compile are left
    /// out (and logged); the rest are served.
    pub async fn reload(&mut self) -> anyhow::Result<()> {
        let revision = self.store.revision().await?;
        let stages = self.store.all_stages().await?;
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
        self.gateway.publish(StageTable::new(table, mappings));
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
