//! The data plane's view of every deployed stage, swapped atomically on each deploy.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::compile::CompiledStage;
use crate::upstream::Upstream;

/// Every served stage, by API id and stage name. Immutable once published.
#[derive(Debug, Default, Clone)]
pub struct StageTable {
    apis: HashMap<String, HashMap<String, Arc<CompiledStage>>>,
    /// Lower-cased API name → id, for names that belong to exactly one API.
    names: HashMap<String, String>,
}

impl StageTable {
    pub fn new(stages: impl IntoIterator<Item = Arc<CompiledStage>>) -> Self {
        let mut apis: HashMap<String, HashMap<String, Arc<CompiledStage>>> = HashMap::new();
        let mut names: HashMap<String, Option<String>> = HashMap::new();
        for stage in stages {
            let entry = names
                .entry(stage.api_name.to_ascii_lowercase())
                .or_insert(Some(stage.api_id.clone()));
            if entry.as_deref() != Some(stage.api_id.as_str()) {
                *entry = None;
            }
            apis.entry(stage.api_id.clone())
                .or_default()
                .insert(stage.stage_name.clone(), stage);
        }
        StageTable {
            apis,
            names: names
                .into_iter()
                .filter_map(|(n, id)| Some((n, id?)))
                .collect(),
        }
    }

    /// Looks a stage up by API id, or by API name when no API has that id and the name is unique.
    pub fn get(&self, api: &str, stage: &str) -> Option<&Arc<CompiledStage>> {
        let stages = match self.apis.get(api) {
            Some(s) => s,
            None => self.apis.get(self.names.get(&api.to_ascii_lowercase())?)?,
        };
        stages.get(stage)
    }

    pub fn stages(&self) -> impl Iterator<Item = &Arc<CompiledStage>> {
        self.apis.values().flat_map(HashMap::values)
    }
}

/// The data plane: the published stage table plus the shared upstream connection pools.
///
/// Publishing never blocks requests: readers load the current table without locks and keep the
/// stage they started with until they finish, so a deploy drops no request.
pub struct Gateway {
    table: ArcSwap<StageTable>,
    upstream: Upstream,
}

impl Gateway {
    pub fn new(upstream: Upstream) -> Self {
        Gateway {
            table: ArcSwap::from_pointee(StageTable::default()),
            upstream,
        }
    }

    /// Replaces the whole table at once.
    pub fn publish(&self, table: StageTable) {
        self.table.store(Arc::new(table));
    }

    /// The currently published table.
    pub fn table(&self) -> Arc<StageTable> {
        self.table.load_full()
    }

    pub fn stage(&self, api: &str, stage: &str) -> Option<Arc<CompiledStage>> {
        self.table.load().get(api, stage).cloned()
    }

    pub(crate) fn upstream(&self) -> &Upstream {
        &self.upstream
    }
}
