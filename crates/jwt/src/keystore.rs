//! Fetching and caching issuers' JWKS.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{ACCEPT, USER_AGENT};
use http::{Request, StatusCode};
use http_body_util::{BodyExt as _, Empty, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;

use crate::config::{KeyStoreOptions, Provider, check_url};
use crate::error::{ConfigError, JwtError};
use crate::jwks::{KeySet, VerifyKey, parse_jwks};
use crate::token::Algorithm;

type HttpClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// Process-wide cache of issuers' signing keys, shared by all
/// [`crate::Validator`]s (one cache entry per key source, so two authorizers
/// naming the same pool share one JWKS and one refresh).
///
/// Contract: a validation never waits on the network when the issuer's JWKS
/// is fresh (younger than [`KeyStoreOptions::ttl`]) and holds the token's
/// `kid`. Network is used for the first fetch, for a refresh after the TTL
/// (only one request pays for it; others keep using the previous keys), and
/// for an unknown `kid`, at most once per
/// [`KeyStoreOptions::refetch_min_interval`] per issuer. Concurrent requests
/// needing a fetch share one fetch. A failed fetch is not retried within
/// `refetch_min_interval`; meanwhile the previous keys stay in use for up to
/// `ttl + stale_if_error` after they were fetched.
pub struct KeyStore {
    client: HttpClient,
    options: KeyStoreOptions,
    sources: Mutex<HashMap<String, Arc<IssuerKeys>>>,
    fetches: AtomicU64,
}

impl std::fmt::Debug for KeyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyStore")
            .field("options", &self.options)
            .field("fetches", &self.fetch_count())
            .finish_non_exhaustive()
    }
}

impl KeyStore {
    /// A store whose HTTPS client trusts the Mozilla roots (webpki-roots)
    /// and uses rustls with the ring provider.
    pub fn new(options: KeyStoreOptions) -> Result<Arc<KeyStore>, ConfigError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ConfigError::Tls(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        KeyStore::with_tls_config(options, tls)
    }

    /// A store using the given TLS client configuration (e.g. one trusting a
    /// private CA of a local Keycloak).
    pub fn with_tls_config(
        options: KeyStoreOptions,
        tls: rustls::ClientConfig,
    ) -> Result<Arc<KeyStore>, ConfigError> {
        if let Some(endpoint) = &options.cognito_endpoint {
            check_url(endpoint, options.allow_plain_http)
                .map_err(|why| ConfigError::InvalidUrl(endpoint.clone(), why))?;
        }
        for url in options.jwks_uri_overrides.values() {
            check_url(url, options.allow_plain_http)
                .map_err(|why| ConfigError::InvalidUrl(url.clone(), why))?;
        }
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(options.fetch_timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(2)
            .build(https);
        Ok(Arc::new(KeyStore {
            client,
            options,
            sources: Mutex::new(HashMap::new()),
            fetches: AtomicU64::new(0),
        }))
    }

    /// The options the store was built with.
    pub fn options(&self) -> &KeyStoreOptions {
        &self.options
    }

    /// Number of HTTP requests (discovery and JWKS) made so far.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// The accepted `iss` values and key cache for `provider`.
    pub(crate) fn resolve(&self, provider: &Provider) -> Result<ResolvedIssuer, ConfigError> {
        let issuer = provider.issuer();
        let mut accepted = vec![issuer.clone()];
        let override_url = self.options.jwks_uri_overrides.get(&issuer).cloned();
        let source = match provider {
            Provider::CognitoUserPool { pool_id, .. } => {
                match (&override_url, &self.options.cognito_endpoint) {
                    (Some(url), _) => Source::Jwks(url.clone()),
                    (None, Some(endpoint)) => {
                        let local = format!("{}/{pool_id}", endpoint.trim_end_matches('/'));
                        let url = format!("{local}/.well-known/jwks.json");
                        accepted.push(local);
                        Source::Jwks(url)
                    }
                    (None, None) => Source::Jwks(format!("{issuer}/.well-known/jwks.json")),
                }
            }
            Provider::Issuer(url) => match override_url {
                Some(jwks) => Source::Jwks(jwks),
                None => Source::Discovery(format!(
                    "{}/.well-known/openid-configuration",
                    url.trim_end_matches('/')
                )),
            },
        };
        let cache_key = match &source {
            Source::Jwks(url) => format!("jwks {url}"),
            Source::Discovery(url) => format!("oidc {url}"),
        };
        let mut sources = self.sources.lock().unwrap_or_else(|p| p.into_inner());
        let keys = sources
            .entry(cache_key)
            .or_insert_with(|| {
                Arc::new(IssuerKeys {
                    issuer: issuer.clone(),
                    source,
                    snapshot: RwLock::new(None),
                    fetch: tokio::sync::Mutex::new(FetchState::default()),
                })
            })
            .clone();
        Ok(ResolvedIssuer {
            accepted,
            cognito: matches!(provider, Provider::CognitoUserPool { .. }),
            keys,
        })
    }

    async fn get(&self, url: &str) -> Result<Bytes, String> {
        let uri: http::Uri = url.parse().map_err(|_| format!("invalid URL {url}"))?;
        let request = Request::get(uri)
            .header(ACCEPT, "application/json")
            .header(
                USER_AGENT,
                concat!("tollgate-jwt/", env!("CARGO_PKG_VERSION")),
            )
            .body(Empty::new())
            .map_err(|e| format!("cannot build request for {url}: {e}"))?;
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| format!("GET {url}: {e}"))?;
        if response.status() != StatusCode::OK {
            return Err(format!("GET {url}: HTTP {}", response.status()));
        }
        let body = Limited::new(response.into_body(), self.options.max_body_bytes)
            .collect()
            .await
            .map_err(|e| format!("GET {url}: body: {e}"))?;
        Ok(body.to_bytes())
    }
}

/// One configured issuer of a validator.
pub(crate) struct ResolvedIssuer {
    /// `iss` values accepted for it.
    pub(crate) accepted: Vec<String>,
    /// Whether it is a Cognito user pool (strict AWS rules apply).
    pub(crate) cognito: bool,
    pub(crate) keys: Arc<IssuerKeys>,
}

enum Source {
    /// OIDC discovery document URL; `jwks_uri` is read from it.
    Discovery(String),
    /// Direct JWKS URL.
    Jwks(String),
}

struct Snapshot {
    keys: KeySet,
    fetched_at: Instant,
    generation: u64,
}

#[derive(Default)]
struct FetchState {
    generation: u64,
    last_miss_refetch: Option<Instant>,
    last_failure: Option<(Instant, String)>,
    discovered: Option<(String, Instant)>,
}

/// The cached keys of one source, with its single-flight fetch lock.
pub(crate) struct IssuerKeys {
    issuer: String,
    source: Source,
    snapshot: RwLock<Option<Arc<Snapshot>>>,
    fetch: tokio::sync::Mutex<FetchState>,
}

impl IssuerKeys {
    fn current(&self) -> Option<Arc<Snapshot>> {
        self.snapshot
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The key for a token's `kid` and `alg`, fetching as the [`KeyStore`]
    /// contract allows.
    pub(crate) async fn key(
        &self,
        store: &KeyStore,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Arc<VerifyKey>, JwtError> {
        let opts = &store.options;
        let seen = self.current();
        if let Some(snap) = &seen {
            let age = snap.fetched_at.elapsed();
            match snap.keys.find(kid, alg) {
                Ok(key) if age < opts.ttl => return Ok(key),
                Err(true) if age < opts.ttl => return Err(JwtError::KeyMismatch),
                Ok(key) if age < opts.ttl.saturating_add(opts.stale_if_error) => {
                    // Stale but usable: one request refreshes, the others go on.
                    let Ok(mut state) = self.fetch.try_lock() else {
                        return Ok(key);
                    };
                    let current = self.current();
                    if generation(&current) != generation(&seen) || backing_off(&state, opts) {
                        return self.fallback(store, &current, kid, alg, "refresh backing off");
                    }
                    return match self.refresh(store, &mut state).await {
                        Ok(fresh) => lookup(&fresh, kid, alg),
                        Err(reason) => self.fallback(store, &current, kid, alg, &reason),
                    };
                }
                _ => {}
            }
        }
        let mut state = self.fetch.lock().await;
        let current = self.current();
        if generation(&current) != generation(&seen)
            && let Some(cur) = &current
        {
            // Someone fetched while we waited: use their result, do not refetch.
            return lookup(cur, kid, alg);
        }
        if backing_off(&state, opts) {
            let reason = state
                .last_failure
                .as_ref()
                .map(|(_, r)| r.clone())
                .unwrap_or_default();
            return self.fallback(store, &current, kid, alg, &reason);
        }
        if let Some(cur) = &current
            && cur.fetched_at.elapsed() < opts.ttl
        {
            // Fresh set without this kid: refetch, rate-limited.
            if state
                .last_miss_refetch
                .is_some_and(|at| at.elapsed() < opts.refetch_min_interval)
            {
                return lookup(cur, kid, alg);
            }
            state.last_miss_refetch = Some(Instant::now());
        }
        match self.refresh(store, &mut state).await {
            Ok(fresh) => lookup(&fresh, kid, alg),
            Err(reason) => self.fallback(store, &current, kid, alg, &reason),
        }
    }

    /// Fetches the keys unless a fresh copy is cached.
    pub(crate) async fn warm(&self, store: &KeyStore) -> Result<(), JwtError> {
        let ttl = store.options.ttl;
        let fresh =
            |s: &Option<Arc<Snapshot>>| s.as_ref().is_some_and(|s| s.fetched_at.elapsed() < ttl);
        if fresh(&self.current()) {
            return Ok(());
        }
        let mut state = self.fetch.lock().await;
        if fresh(&self.current()) {
            return Ok(());
        }
        self.refresh(store, &mut state)
            .await
            .map(|_| ())
            .map_err(|reason| JwtError::KeysUnavailable {
                issuer: self.issuer.clone(),
                reason,
            })
    }

    /// Uses `current` if it is within the stale-if-error window, else
    /// reports the keys as unavailable.
    fn fallback(
        &self,
        store: &KeyStore,
        current: &Option<Arc<Snapshot>>,
        kid: Option<&str>,
        alg: Algorithm,
        reason: &str,
    ) -> Result<Arc<VerifyKey>, JwtError> {
        let window = store
            .options
            .ttl
            .saturating_add(store.options.stale_if_error);
        match current {
            Some(cur) if cur.fetched_at.elapsed() < window => lookup(cur, kid, alg),
            _ => Err(JwtError::KeysUnavailable {
                issuer: self.issuer.clone(),
                reason: reason.to_string(),
            }),
        }
    }

    /// Fetches the JWKS (under the fetch lock) and publishes it.
    async fn refresh(
        &self,
        store: &KeyStore,
        state: &mut FetchState,
    ) -> Result<Arc<Snapshot>, String> {
        let fetched =
            tokio::time::timeout(store.options.fetch_timeout, self.fetch_keys(store, state))
                .await
                .unwrap_or_else(|_| Err("timed out".to_string()));
        match fetched {
            Ok(keys) => {
                if keys.len() == 0 {
                    tracing::warn!(issuer = %self.issuer, "JWKS holds no usable signing key");
                }
                state.generation += 1;
                state.last_failure = None;
                let snap = Arc::new(Snapshot {
                    keys,
                    fetched_at: Instant::now(),
                    generation: state.generation,
                });
                *self.snapshot.write().unwrap_or_else(|p| p.into_inner()) = Some(snap.clone());
                Ok(snap)
            }
            Err(reason) => {
                tracing::warn!(issuer = %self.issuer, %reason, "fetching signing keys failed");
                state.last_failure = Some((Instant::now(), reason.clone()));
                state.discovered = None;
                Err(reason)
            }
        }
    }

    async fn fetch_keys(&self, store: &KeyStore, state: &mut FetchState) -> Result<KeySet, String> {
        let jwks_url = match &self.source {
            Source::Jwks(url) => url.clone(),
            Source::Discovery(config_url) => match &state.discovered {
                Some((url, at)) if at.elapsed() < store.options.ttl => url.clone(),
                _ => {
                    let body = store.get(config_url).await?;
                    let doc: Value = serde_json::from_slice(&body)
                        .map_err(|e| format!("discovery document is not JSON: {e}"))?;
                    let Some(url) = doc.get("jwks_uri").and_then(Value::as_str) else {
                        return Err("discovery document has no jwks_uri".to_string());
                    };
                    check_url(url, store.options.allow_plain_http)
                        .map_err(|why| format!("jwks_uri {url:?}: {why}"))?;
                    state.discovered = Some((url.to_string(), Instant::now()));
                    url.to_string()
                }
            },
        };
        let body = store.get(&jwks_url).await?;
        parse_jwks(&body)
    }
}

fn generation(snap: &Option<Arc<Snapshot>>) -> Option<u64> {
    snap.as_ref().map(|s| s.generation)
}

fn backing_off(state: &FetchState, opts: &KeyStoreOptions) -> bool {
    state
        .last_failure
        .as_ref()
        .is_some_and(|(at, _)| at.elapsed() < opts.refetch_min_interval)
}

fn lookup(snap: &Snapshot, kid: Option<&str>, alg: Algorithm) -> Result<Arc<VerifyKey>, JwtError> {
    snap.keys.find(kid, alg).map_err(|exists| {
        if exists {
            JwtError::KeyMismatch
        } else {
            JwtError::UnknownKey(kid.map(|k| k.chars().take(64).collect()))
        }
    })
}
