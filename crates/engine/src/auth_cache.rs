//! Authorizer results cached per identity for the authorizer's `authorizerResultTtlInSeconds`
//! (AWS: default 300 s, at most 3600, 0 = no caching). Shared by the Lambda and JWT authorizers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tollgate_model::Authorizer;

/// AWS's default result TTL (seconds).
const DEFAULT_TTL_SECONDS: u32 = 300;
/// AWS's largest result TTL (seconds).
const MAX_TTL_SECONDS: u32 = 3600;
/// Cached answers per authorizer before expired ones are swept (and, if still full, all dropped).
const CAPACITY: usize = 10_000;

/// One authorizer's results by identity. Keys are attacker-chosen (tokens), so the map keeps
/// std's randomly keyed SipHash and a bounded size.
pub(crate) struct ResultCache<V> {
    ttl: Duration,
    entries: Mutex<HashMap<String, (Instant, Arc<V>)>>,
}

impl<V> ResultCache<V> {
    /// A cache with the authorizer's TTL.
    pub fn for_authorizer(a: &Authorizer) -> ResultCache<V> {
        let seconds = a
            .authorizer_result_ttl_in_seconds
            .unwrap_or(DEFAULT_TTL_SECONDS)
            .min(MAX_TTL_SECONDS);
        ResultCache {
            ttl: Duration::from_secs(u64::from(seconds)),
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Whether results are cached at all (TTL > 0).
    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    /// The unexpired answer for `key`.
    pub fn get(&self, key: &str) -> Option<Arc<V>> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        match entries.get(key) {
            Some((expires, answer)) if *expires > Instant::now() => Some(answer.clone()),
            _ => None,
        }
    }

    /// Remembers `answer` for the TTL (no-op when caching is off).
    pub fn insert(&self, key: String, answer: Arc<V>) {
        if !self.enabled() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if entries.len() >= CAPACITY {
            entries.retain(|_, (expires, _)| *expires > now);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        entries.insert(key, (now + self.ttl, answer));
    }
}

impl<V> std::fmt::Debug for ResultCache<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultCache")
            .field("ttl", &self.ttl())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn authorizer(ttl: Option<u32>) -> Authorizer {
        Authorizer {
            id: "a1".into(),
            name: "a".into(),
            kind: "COGNITO_USER_POOLS".into(),
            provider_arns: vec![],
            auth_type: None,
            authorizer_uri: None,
            authorizer_credentials: None,
            identity_source: None,
            identity_validation_expression: None,
            authorizer_result_ttl_in_seconds: ttl,
        }
    }

    #[test]
    fn ttl_follows_aws_defaults_and_limits() {
        let ttl = |t| {
            ResultCache::<()>::for_authorizer(&authorizer(t))
                .ttl()
                .as_secs()
        };
        assert_eq!(ttl(None), 300);
        assert_eq!(ttl(Some(7200)), 3600);
        assert_eq!(ttl(Some(0)), 0);
    }

    #[test]
    fn answers_are_kept_only_when_caching_is_on() {
        let on = ResultCache::for_authorizer(&authorizer(None));
        on.insert("token".into(), Arc::new(1));
        assert_eq!(on.get("token").as_deref(), Some(&1));
        assert!(on.get("other").is_none());
        let off = ResultCache::for_authorizer(&authorizer(Some(0)));
        assert!(!off.enabled());
        off.insert("token".into(), Arc::new(1));
        assert!(off.get("token").is_none());
    }
}
