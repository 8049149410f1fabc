//! The data plane's view of every deployed stage, swapped atomically on each deploy.

use std::collections::HashMap;
use std::sync::Arc;

use arc_swap::ArcSwap;

use tollgate_model::BasePathMapping;

use crate::api_keys::KeyTable;
use crate::compile::CompiledStage;
use crate::integration::lambda::Functions;
use crate::upstream::Upstream;

/// Every served stage, by API id and stage name. Immutable once published.
#[derive(Debug, Default, Clone)]
pub struct StageTable {
    apis: HashMap<String, HashMap<String, Arc<CompiledStage>>>,
    /// Lower-cased API name → id, for names that belong to exactly one API.
    names: HashMap<String, String>,
    /// Custom domain (lower case) → its base path mappings, `(none)` last.
    domains: HashMap<String, Vec<BasePathMapping>>,
    /// API keys and usage plans (account-wide: they change without a redeploy).
    keys: Arc<KeyTable>,
}

impl StageTable {
    pub fn new(
        stages: impl IntoIterator<Item = Arc<CompiledStage>>,
        mappings: impl IntoIterator<Item = (String, BasePathMapping)>,
    ) -> Self {
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
        let mut domains: HashMap<String, Vec<BasePathMapping>> = HashMap::new();
        for (domain, mapping) in mappings {
            domains
                .entry(domain.to_ascii_lowercase())
                .or_default()
                .push(mapping);
        }
        for list in domains.values_mut() {
            list.sort_by_key(|m| m.base_path == BasePathMapping::NONE);
        }
        StageTable {
            apis,
            names: names
                .into_iter()
                .filter_map(|(n, id)| Some((n, id?)))
                .collect(),
            domains,
            keys: Arc::default(),
        }
    }

    /// The same table with `keys` as its API keys and usage plans.
    pub fn with_keys(mut self, keys: KeyTable) -> Self {
        self.keys = Arc::new(keys);
        self
    }

    pub fn keys(&self) -> &KeyTable {
        &self.keys
    }

    /// The base path mapping a request to `host` (lower case, no port) for `path` uses, and the
    /// path left after the base path. Exact domains win over `*.` wildcards.
    pub fn domain_mapping<'p>(
        &self,
        host: &str,
        path: &'p str,
    ) -> Option<(&BasePathMapping, &'p str)> {
        if self.domains.is_empty() {
            return None;
        }
        let mappings = match self.domains.get(host) {
            Some(m) => m,
            None => {
                let (_, parent) = host.split_once('.')?;
                self.domains
                    .iter()
                    .find(|(d, _)| d.strip_prefix("*.") == Some(parent))
                    .map(|(_, m)| m)?
            }
        };
        let trimmed = path.trim_start_matches('/');
        let (first, rest) = match trimmed.find('/') {
            Some(i) => (&trimmed[..i], &trimmed[i..]),
            None => (trimmed, ""),
        };
        for m in mappings {
            if m.base_path == BasePathMapping::NONE {
                return Some((m, path));
            }
            if m.base_path == first {
                return Some((m, rest));
            }
        }
        None
    }

    /// Looks a stage up by API id, or by API name when no API has that id and the name is unique.
    pub fn get(&self, api: &str, stage: &str) -> Option<&Arc<CompiledStage>> {
        let stages = match self.apis.get(api) {
            Some(s) => s,
            None => self.apis.get(self.names.get(&api.to_ascii_lowercase())?)?,
        };
        stages.get(stage)
    }

    /// Why `get(api, stage)` found nothing, for a log line: the API is unknown (or its name is
    /// ambiguous), or these are the stages it has.
    pub fn miss_hint(&self, api: &str) -> String {
        let stages = self.apis.get(api).or_else(|| {
            self.names
                .get(&api.to_ascii_lowercase())
                .and_then(|id| self.apis.get(id))
        });
        match stages {
            Some(stages) => {
                let mut names: Vec<&str> = stages.keys().map(String::as_str).collect();
                names.sort_unstable();
                format!("the API's deployed stages are: {}", names.join(", "))
            }
            None => "no deployed API has this id or unique name".to_owned(),
        }
    }

    /// Whether the path-form invoke URLs may name API `api_id` by `name` (its unique title).
    pub fn name_resolves_to(&self, name: &str, api_id: &str) -> bool {
        self.names
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
            == Some(api_id)
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
    functions: Option<Arc<dyn Functions>>,
    credentials: Option<Arc<tollgate_iam::CredentialStore>>,
    limits: Limits,
}

/// Throttle and quota counters, usage metering, and the account-wide throttle.
pub struct Limits {
    pub counters: tollgate_limits::LocalCounters,
    pub usage: Arc<tollgate_limits::UsageRecorder>,
    /// AWS's default: 10,000 requests per second, burst 5,000.
    pub account: tollgate_limits::ThrottleLimit,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            counters: tollgate_limits::LocalCounters::new(),
            usage: Arc::new(tollgate_limits::UsageRecorder::new()),
            account: tollgate_limits::ThrottleLimit::ACCOUNT_DEFAULT,
        }
    }
}

impl Gateway {
    pub fn new(upstream: Upstream) -> Self {
        Gateway {
            table: ArcSwap::from_pointee(StageTable::default()),
            upstream,
            functions: None,
            credentials: None,
            limits: Limits::default(),
        }
    }

    /// Replaces the account-wide throttle (AWS's default is 10,000 rps, burst 5,000).
    pub fn with_account_throttle(mut self, rate: f64, burst: u32) -> Self {
        self.limits.account = tollgate_limits::ThrottleLimit::new(rate, burst);
        self
    }

    /// Reads quota windows and usage days from `wall` instead of the system clock (tests).
    pub fn with_wall_clock(mut self, wall: Arc<dyn tollgate_limits::WallClock>) -> Self {
        self.limits.counters = tollgate_limits::LocalCounters::with_clocks(
            Arc::new(tollgate_limits::MonotonicClock::new()),
            wall.clone(),
        );
        self.limits.usage = Arc::new(tollgate_limits::UsageRecorder::with_wall_clock(wall));
        self
    }

    /// The counters and the usage recorder.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// AWS_IAM methods verify signatures against `credentials`; without them every signed request
    /// is from an unknown access key.
    pub fn with_credentials(mut self, credentials: Arc<tollgate_iam::CredentialStore>) -> Self {
        self.credentials = Some(credentials);
        self
    }

    pub(crate) fn credentials(&self) -> Option<&tollgate_iam::CredentialStore> {
        self.credentials.as_deref()
    }

    /// Lambda integrations invoke functions through `functions`; without it they answer 500.
    pub fn with_functions(mut self, functions: Arc<dyn Functions>) -> Self {
        self.functions = Some(functions);
        self
    }

    pub(crate) fn functions(&self) -> Option<&dyn Functions> {
        self.functions.as_deref()
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

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(base: &str, stage: Option<&str>) -> BasePathMapping {
        BasePathMapping {
            base_path: base.to_owned(),
            rest_api_id: format!("api-{base}"),
            stage: stage.map(str::to_owned),
        }
    }

    #[test]
    fn domain_mappings_prefer_base_paths_then_none_then_wildcards() {
        let table = StageTable::new(
            [],
            [
                (
                    "api.example.test".to_owned(),
                    mapping("(none)", Some("prod")),
                ),
                ("API.example.test".to_owned(), mapping("v1", Some("prod"))),
                ("*.wild.test".to_owned(), mapping("v2", None)),
            ],
        );
        let (m, rest) = table
            .domain_mapping("api.example.test", "/v1/pets")
            .unwrap();
        assert_eq!((m.rest_api_id.as_str(), rest), ("api-v1", "/pets"));
        let (m, rest) = table.domain_mapping("api.example.test", "/pets").unwrap();
        assert_eq!((m.rest_api_id.as_str(), rest), ("api-(none)", "/pets"));
        let (m, rest) = table.domain_mapping("x.wild.test", "/v2/dev/a").unwrap();
        assert_eq!((m.rest_api_id.as_str(), rest), ("api-v2", "/dev/a"));
        assert!(table.domain_mapping("x.wild.test", "/v3/dev/a").is_none());
        assert!(table.domain_mapping("other.test", "/v1").is_none());
    }
}
