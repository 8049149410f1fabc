//! The embedded store: one SQLite file in WAL mode.
//!
//! One row per entity, the entity's AWS JSON shape as its body; a deployment row carries the frozen
//! [`ApiDefinition`] as JSON. All SQLite work runs on tokio's blocking pool, over one connection
//! behind a mutex (SQLite has one writer anyway). Other processes (a `tollgate deploy` while
//! `tollgate serve` runs) open their own connection: WAL lets them read while we write, and the
//! busy timeout makes concurrent writers wait for each other instead of failing.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Transaction, TransactionBehavior, params,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tollgate_model::{
    AccountSettings, ApiDefinition, ApiKey, BasePathMapping, ClientCertificate, Deployment,
    DocumentationPart, DocumentationVersion, DomainName, FunctionDefinition, RestApi, Stage,
    UsagePlan, UsageRecord, VpcLink,
};

use crate::migrations;
use crate::{DeployRequest, Store, StoreError, UsageCredit};

/// How long a write waits for another connection's write to finish before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How many fresh deployment ids `deploy` tries before giving up on collisions.
const ID_ATTEMPTS: usize = 16;

/// The SQLite implementation of [`Store`]. Cheap to clone: clones share one connection.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    conn: Mutex<Connection>,
    /// Parsed current definitions, each with the store revision it was read at. Any write that
    /// changes a definition increases the revision (in every process sharing the file), so an
    /// entry is valid exactly while the revision read in the same transaction equals its own:
    /// a management call on a large API then skips parsing every resource row.
    definitions: Mutex<HashMap<String, (i64, Arc<ApiDefinition>)>>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens the database at `path`, creating it (and its parent directories) if needed, and
    /// brings its schema up to date. Fails if the file was written by a newer Tollgate.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        Self::open_with_migrations(path, migrations::MIGRATIONS)
    }

    pub(crate) fn open_with_migrations(
        path: &Path,
        migrations: &[&str],
    ) -> Result<SqliteStore, StoreError> {
        let shown = path.display();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| {
                StoreError::Backend(format!("creating directory {}: {e}", parent.display()))
            })?;
        }
        let mut conn = Connection::open(path)
            .map_err(|e| StoreError::Backend(format!("opening {shown}: {e}")))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| {
            StoreError::Backend(format!("setting the busy timeout on {shown}: {e}"))
        })?;
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(|e| StoreError::Backend(format!("enabling WAL mode on {shown}: {e}")))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!(
                "{shown}: SQLite refused WAL mode (journal mode is {mode})"
            )));
        }
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| StoreError::Backend(format!("enabling foreign keys on {shown}: {e}")))?;
        migrations::migrate(&mut conn, migrations).map_err(|e| match e {
            StoreError::Backend(m) => StoreError::Backend(format!("{shown}: {m}")),
            other => other,
        })?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                path: path.to_owned(),
                conn: Mutex::new(conn),
                definitions: Mutex::new(HashMap::new()),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The schema version this build creates and understands (`PRAGMA user_version`).
    pub fn schema_version() -> u32 {
        migrations::latest_version()
    }

    /// Runs `f` on the connection, on the blocking pool.
    async fn with_conn<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let mut conn = inner.lock()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| StoreError::Backend(format!("store task failed: {e}")))?
    }

    /// Runs `f` in a write transaction (`BEGIN IMMEDIATE`) and commits it if `f` succeeds.
    async fn write<T, F>(&self, what: &'static str, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        self.with_conn(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(backend(what))?;
            let value = f(&tx)?;
            tx.commit().map_err(backend(what))?;
            Ok(value)
        })
        .await
    }

    /// Runs `f` in a read transaction, so that it sees one consistent state.
    async fn read<T, F>(&self, what: &'static str, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, StoreError> + Send + 'static,
    {
        self.with_conn(move |conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Deferred)
                .map_err(backend(what))?;
            let value = f(&tx)?;
            // Only reads happened; ending the transaction cannot lose anything.
            tx.finish().map_err(backend(what))?;
            Ok(value)
        })
        .await
    }
}

impl Inner {
    /// Locks the connection. A panic while it was held poisons the mutex; the transaction the
    /// panicking code had open was rolled back when it unwound, so the connection is still usable:
    /// recover it rather than failing every later call.
    fn lock(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        match self.conn.lock() {
            Ok(guard) => Ok(guard),
            Err(poisoned) => {
                let guard = poisoned.into_inner();
                if !guard.is_autocommit() {
                    guard.execute_batch("ROLLBACK").map_err(|e| {
                        StoreError::Backend(format!(
                            "recovering the connection after a failed operation: {e}"
                        ))
                    })?;
                }
                self.conn.clear_poison();
                Ok(guard)
            }
        }
    }

    /// The current definition of `api_id` as of `tx`: from the cache when it was read at the
    /// revision `tx` sees, else loaded (and remembered).
    fn definition(
        &self,
        tx: &Transaction<'_>,
        api_id: &str,
    ) -> Result<(i64, Arc<ApiDefinition>), StoreError> {
        let revision = current_revision(tx)?;
        if let Some((at, def)) = self.cached_definitions().get(api_id)
            && *at == revision
        {
            return Ok((revision, Arc::clone(def)));
        }
        let def = Arc::new(load_definition(tx, api_id)?);
        self.remember_definition(revision, Arc::clone(&def));
        Ok((revision, def))
    }

    /// Caches `def` as the definition at `revision`, dropping entries of older revisions (they
    /// can never be valid again).
    fn remember_definition(&self, revision: i64, def: Arc<ApiDefinition>) {
        let mut cache = self.cached_definitions();
        cache.retain(|_, (at, _)| *at >= revision);
        cache.insert(def.rest_api.id.clone(), (revision, def));
    }

    fn cached_definitions(&self) -> MutexGuard<'_, HashMap<String, (i64, Arc<ApiDefinition>)>> {
        // A cache: entries are whole values, so a panic elsewhere cannot leave one half-written.
        self.definitions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn current_revision(conn: &Connection) -> Result<i64, StoreError> {
    conn.prepare_cached("SELECT revision FROM meta WHERE id = 1")
        .and_then(|mut s| s.query_row([], |row| row.get(0)))
        .map_err(backend("reading the revision"))
}

/// Maps a SQLite error to `Backend`, saying what was being done.
fn backend(what: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::Backend(format!("{what}: {e}"))
}

/// Maps a constraint violation (a duplicate id in a definition) to `BadRequest`, anything else to
/// `Backend`.
fn insert_error(kind: &str, key: &str, e: rusqlite::Error) -> StoreError {
    if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) {
        StoreError::BadRequest(format!("{kind} {key} is defined twice"))
    } else {
        StoreError::Backend(format!("storing {kind} {key}: {e}"))
    }
}

fn to_json<T: Serialize>(kind: &str, value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value)
        .map_err(|e| StoreError::Backend(format!("serialising {kind}: {e}")))
}

fn from_json<T: DeserializeOwned>(kind: &str, key: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Backend(format!("corrupt {kind} {key} in the database: {e}")))
}

fn bump_revision(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let changed = tx
        .execute("UPDATE meta SET revision = revision + 1 WHERE id = 1", [])
        .map_err(backend("increasing the revision"))?;
    if changed != 1 {
        return Err(StoreError::Backend(
            "increasing the revision: the meta row is missing".to_owned(),
        ));
    }
    Ok(())
}

fn load_usage_plan(conn: &Connection, id: &str) -> Result<UsagePlan, StoreError> {
    body_by_key(conn, "usage_plans", "id", "usage plan", id, || {
        StoreError::UsagePlanNotFound(id.to_owned())
    })
}

fn domain_exists(conn: &Connection, name: &str) -> Result<bool, StoreError> {
    conn.prepare_cached("SELECT 1 FROM domain_names WHERE name = ?1")
        .and_then(|mut s| s.exists([name]))
        .map_err(backend("reading a domain name"))
}

fn require_domain(conn: &Connection, name: &str) -> Result<(), StoreError> {
    if domain_exists(conn, name)? {
        Ok(())
    } else {
        Err(StoreError::DomainNotFound(name.to_owned()))
    }
}

fn mapping_exists(conn: &Connection, domain: &str, base_path: &str) -> Result<bool, StoreError> {
    conn.prepare_cached(
        "SELECT 1 FROM base_path_mappings WHERE domain_name = ?1 AND base_path = ?2",
    )
    .and_then(|mut s| s.exists([domain, base_path]))
    .map_err(backend("reading a base path mapping"))
}

/// What a new or changed mapping needs: its API, and its stage when it names one.
fn check_mapping_target(conn: &Connection, mapping: &BasePathMapping) -> Result<(), StoreError> {
    require_api(conn, &mapping.rest_api_id)?;
    if let Some(stage) = &mapping.stage {
        let known = conn
            .prepare_cached("SELECT 1 FROM stages WHERE api_id = ?1 AND stage_name = ?2")
            .and_then(|mut s| s.exists([&mapping.rest_api_id, stage]))
            .map_err(backend("reading a stage"))?;
        if !known {
            return Err(StoreError::StageNotFound {
                api_id: mapping.rest_api_id.clone(),
                stage: stage.clone(),
            });
        }
    }
    Ok(())
}

fn insert_mapping(
    tx: &Transaction<'_>,
    domain: &str,
    mapping: &BasePathMapping,
) -> Result<(), StoreError> {
    let body = to_json("base path mapping", mapping)?;
    tx.execute(
        "INSERT INTO base_path_mappings (domain_name, base_path, api_id, body) \
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (domain_name, base_path) \
         DO UPDATE SET api_id = excluded.api_id, body = excluded.body",
        [domain, &mapping.base_path, &mapping.rest_api_id, &body],
    )
    .map_err(backend("storing a base path mapping"))?;
    Ok(())
}

/// The body of the row of `table` whose `key` column is `value`, or `missing`.
fn body_by_key<T: DeserializeOwned>(
    conn: &Connection,
    table: &'static str,
    key: &'static str,
    kind: &'static str,
    value: &str,
    missing: impl FnOnce() -> StoreError,
) -> Result<T, StoreError> {
    let sql = format!("SELECT {key}, body FROM {table} WHERE {key} = ?1");
    keyed_bodies(conn, "reading by key", kind, &sql, [value])?
        .pop()
        .map(|(_, v)| v)
        .ok_or_else(missing)
}

/// Every body of `table`, oldest first.
fn bodies_by_seq<T: DeserializeOwned>(
    conn: &Connection,
    table: &'static str,
    kind: &'static str,
) -> Result<Vec<T>, StoreError> {
    let sql = format!("SELECT id, body FROM {table} ORDER BY seq");
    Ok(keyed_bodies(conn, "listing", kind, &sql, [])?
        .into_iter()
        .map(|(_, v)| v)
        .collect())
}

/// Replaces the body of the row of `table` with this id; false when there is none.
fn replace_body(
    tx: &Transaction<'_>,
    table: &'static str,
    id: &str,
    body: &str,
) -> Result<bool, StoreError> {
    let sql = format!("UPDATE {table} SET body = ?2 WHERE id = ?1");
    let changed = tx
        .execute(&sql, [id, body])
        .map_err(backend("updating by id"))?;
    Ok(changed > 0)
}

/// Deletes the row of `table` with this id; false when there is none.
fn delete_by_id(tx: &Transaction<'_>, table: &'static str, id: &str) -> Result<bool, StoreError> {
    let sql = format!("DELETE FROM {table} WHERE id = ?1");
    let changed = tx.execute(&sql, [id]).map_err(backend("deleting by id"))?;
    Ok(changed > 0)
}

/// A key may be in only one plan per stage: checks `plan`'s stages against the other plans of
/// `key` (or of each of `plan`'s keys when `key` is `None`).
fn check_one_plan_per_stage(
    conn: &Connection,
    plan: &UsagePlan,
    key: Option<&str>,
) -> Result<(), StoreError> {
    let pairs: Vec<(String, String)> = {
        let mut stmt = conn
            .prepare_cached(
                "SELECT a.key_id, a.plan_id FROM usage_plan_keys a \
                 WHERE a.plan_id <> ?1 AND (?2 IS NULL OR a.key_id = ?2) \
                 AND (?2 IS NOT NULL OR a.key_id IN \
                      (SELECT key_id FROM usage_plan_keys WHERE plan_id = ?1))",
            )
            .map_err(backend("checking usage plan stages"))?;
        let rows = stmt
            .query_map(rusqlite::params![plan.id, key], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .map_err(backend("checking usage plan stages"))?;
        rows.collect::<Result<_, _>>()
            .map_err(backend("checking usage plan stages"))?
    };
    for (key_id, other_id) in pairs {
        let other = load_usage_plan(conn, &other_id)?;
        if let Some(stage) = plan
            .api_stages
            .iter()
            .find(|s| other.covers(&s.api_id, &s.stage))
        {
            return Err(StoreError::Conflict(format!(
                "API Key {key_id} is already associated with usage plan {other_id} for stage {}:{}",
                stage.api_id, stage.stage
            )));
        }
    }
    Ok(())
}

fn api_exists(conn: &Connection, api_id: &str) -> Result<bool, StoreError> {
    conn.prepare_cached("SELECT 1 FROM rest_apis WHERE id = ?1")
        .and_then(|mut s| s.exists([api_id]))
        .map_err(backend("looking up an API"))
}

fn require_api(conn: &Connection, api_id: &str) -> Result<(), StoreError> {
    if api_exists(conn, api_id)? {
        Ok(())
    } else {
        Err(StoreError::ApiNotFound(api_id.to_owned()))
    }
}

fn load_rest_api(conn: &Connection, api_id: &str) -> Result<RestApi, StoreError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM rest_apis WHERE id = ?1")
        .and_then(|mut s| s.query_row([api_id], |row| row.get(0)).optional())
        .map_err(backend("reading an API"))?;
    match body {
        Some(body) => from_json("API", api_id, &body),
        None => Err(StoreError::ApiNotFound(api_id.to_owned())),
    }
}

/// The bodies of one API's rows of `table`, in definition order.
fn load_bodies<T: DeserializeOwned>(
    conn: &Connection,
    table: &str,
    kind: &str,
    api_id: &str,
) -> Result<Vec<T>, StoreError> {
    let sql = format!("SELECT body FROM {table} WHERE api_id = ?1 ORDER BY position");
    let mut stmt = conn
        .prepare_cached(&sql)
        .map_err(|e| StoreError::Backend(format!("reading {table}: {e}")))?;
    let rows = stmt
        .query_map([api_id], |row| row.get::<_, String>(0))
        .map_err(|e| StoreError::Backend(format!("reading {table}: {e}")))?;
    let mut out = Vec::new();
    for row in rows {
        let body = row.map_err(|e| StoreError::Backend(format!("reading {table}: {e}")))?;
        out.push(from_json(kind, api_id, &body)?);
    }
    Ok(out)
}

/// Runs `sql`, whose rows are `(key, body)`, and deserialises each body; the key names the row in
/// error messages and is returned alongside.
fn keyed_bodies<T: DeserializeOwned, P: rusqlite::Params>(
    conn: &Connection,
    what: &'static str,
    kind: &str,
    sql: &str,
    params: P,
) -> Result<Vec<(String, T)>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(backend(what))?;
    let rows = stmt
        .query_map(params, |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(backend(what))?;
    let mut out = Vec::new();
    for row in rows {
        let (key, body) = row.map_err(backend(what))?;
        let value = from_json(kind, &key, &body)?;
        out.push((key, value));
    }
    Ok(out)
}

/// The API's current definition, with its documentation parts.
fn load_definition(conn: &Connection, api_id: &str) -> Result<ApiDefinition, StoreError> {
    let mut definition = load_deployable(conn, api_id)?;
    definition.documentation_parts = load_bodies(
        conn,
        "documentation_parts",
        "documentation part of API",
        api_id,
    )?;
    Ok(definition)
}

/// The API's current definition as a deployment freezes it: without documentation parts, which
/// AWS's deployments do not snapshot.
fn load_deployable(conn: &Connection, api_id: &str) -> Result<ApiDefinition, StoreError> {
    let rest_api = load_rest_api(conn, api_id)?;
    Ok(ApiDefinition {
        rest_api,
        resources: load_bodies(conn, "resources", "resource of API", api_id)?,
        models: load_bodies(conn, "models", "model of API", api_id)?,
        request_validators: load_bodies(
            conn,
            "request_validators",
            "request validator of API",
            api_id,
        )?,
        gateway_responses: load_bodies(
            conn,
            "gateway_responses",
            "gateway response of API",
            api_id,
        )?,
        authorizers: load_bodies(conn, "authorizers", "authorizer of API", api_id)?,
        documentation_parts: Vec::new(),
    })
}

/// Inserts the rows of everything in `def` except the `rest_apis` row itself.
fn insert_parts(tx: &Transaction<'_>, def: &ApiDefinition) -> Result<(), StoreError> {
    let api_id = def.rest_api.id.as_str();
    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO resources (api_id, id, position, parent_id, path, body) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .map_err(backend("storing resources"))?;
    for (position, r) in (0_i64..).zip(&def.resources) {
        let body = to_json("resource", r)?;
        stmt.execute(params![api_id, r.id, position, r.parent_id, r.path, body])
            .map_err(|e| insert_error("resource", &r.id, e))?;
    }

    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO models (api_id, id, position, name, body) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(backend("storing models"))?;
    for (position, m) in (0_i64..).zip(&def.models) {
        let body = to_json("model", m)?;
        stmt.execute(params![api_id, m.id, position, m.name, body])
            .map_err(|e| insert_error("model", &format!("{} ({})", m.id, m.name), e))?;
    }

    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO request_validators (api_id, id, position, body) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(backend("storing request validators"))?;
    for (position, v) in (0_i64..).zip(&def.request_validators) {
        let body = to_json("request validator", v)?;
        stmt.execute(params![api_id, v.id, position, body])
            .map_err(|e| insert_error("request validator", &v.id, e))?;
    }

    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO gateway_responses (api_id, response_type, position, body) \
             VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(backend("storing gateway responses"))?;
    for (position, g) in (0_i64..).zip(&def.gateway_responses) {
        let body = to_json("gateway response", g)?;
        let kind = g.response_type.as_str();
        stmt.execute(params![api_id, kind, position, body])
            .map_err(|e| insert_error("gateway response", kind, e))?;
    }

    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO authorizers (api_id, id, position, name, body) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .map_err(backend("storing authorizers"))?;
    for (position, a) in (0_i64..).zip(&def.authorizers) {
        let body = to_json("authorizer", a)?;
        stmt.execute(params![api_id, a.id, position, a.name, body])
            .map_err(|e| insert_error("authorizer", &a.id, e))?;
    }

    let mut stmt = tx
        .prepare_cached(
            "INSERT INTO documentation_parts (api_id, id, position, body) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(backend("storing documentation parts"))?;
    for (position, p) in (0_i64..).zip(&def.documentation_parts) {
        let body = to_json("documentation part", p)?;
        stmt.execute(params![api_id, p.id, position, body])
            .map_err(|e| insert_error("documentation part", &p.id, e))?;
    }
    Ok(())
}

/// Writes what differs between two versions of one API's definition: the API row, and the
/// rows of its parts that were added, changed (content or position) or removed. Unchanged parts
/// are compared, not serialised. Returns whether anything was written.
fn write_changes(
    tx: &Transaction<'_>,
    before: &ApiDefinition,
    after: &ApiDefinition,
) -> Result<bool, StoreError> {
    let api_id = after.rest_api.id.as_str();
    let mut changed = false;
    if before.rest_api != after.rest_api {
        let body = to_json("API", &after.rest_api)?;
        tx.execute(
            "UPDATE rest_apis SET body = ?2 WHERE id = ?1",
            params![api_id, body],
        )
        .map_err(backend("updating an API"))?;
        changed = true;
    }
    changed |= sync_table(
        tx,
        api_id,
        &PartTable::RESOURCES,
        &before.resources,
        &after.resources,
        |r| {
            (
                r.id.as_str(),
                [Some(r.path.as_str()), r.parent_id.as_deref()],
            )
        },
    )?;
    changed |= sync_table(
        tx,
        api_id,
        &PartTable::MODELS,
        &before.models,
        &after.models,
        |m| (m.id.as_str(), [Some(m.name.as_str()), None]),
    )?;
    changed |= sync_table(
        tx,
        api_id,
        &PartTable::REQUEST_VALIDATORS,
        &before.request_validators,
        &after.request_validators,
        |v| (v.id.as_str(), [None, None]),
    )?;
    changed |= sync_table(
        tx,
        api_id,
        &PartTable::GATEWAY_RESPONSES,
        &before.gateway_responses,
        &after.gateway_responses,
        |g| (g.response_type.as_str(), [None, None]),
    )?;
    changed |= sync_table(
        tx,
        api_id,
        &PartTable::AUTHORIZERS,
        &before.authorizers,
        &after.authorizers,
        |a| (a.id.as_str(), [Some(a.name.as_str()), None]),
    )?;
    changed |= sync_table(
        tx,
        api_id,
        &PartTable::DOCUMENTATION_PARTS,
        &before.documentation_parts,
        &after.documentation_parts,
        |p| (p.id.as_str(), [None, None]),
    )?;
    Ok(changed)
}

/// How a part table is written: its key column, up to two extra columns, and what its rows are
/// called in errors.
struct PartTable {
    name: &'static str,
    kind: &'static str,
    key: &'static str,
    extra: [Option<&'static str>; 2],
}

impl PartTable {
    const RESOURCES: PartTable = PartTable {
        name: "resources",
        kind: "resource",
        key: "id",
        extra: [Some("path"), Some("parent_id")],
    };
    const MODELS: PartTable = PartTable {
        name: "models",
        kind: "model",
        key: "id",
        extra: [Some("name"), None],
    };
    const REQUEST_VALIDATORS: PartTable = PartTable {
        name: "request_validators",
        kind: "request validator",
        key: "id",
        extra: [None, None],
    };
    const GATEWAY_RESPONSES: PartTable = PartTable {
        name: "gateway_responses",
        kind: "gateway response",
        key: "response_type",
        extra: [None, None],
    };
    const AUTHORIZERS: PartTable = PartTable {
        name: "authorizers",
        kind: "authorizer",
        key: "id",
        extra: [Some("name"), None],
    };
    const DOCUMENTATION_PARTS: PartTable = PartTable {
        name: "documentation_parts",
        kind: "documentation part",
        key: "id",
        extra: [None, None],
    };
}

/// Brings one part table from `before` to `after`: removed keys deleted, then every row whose
/// position or content changed rewritten. `columns` gives a part's key and extra column values.
/// Deletes go first so that a row re-keyed under a unique column (a renamed model) does not
/// collide with its old self.
fn sync_table<'a, T, F>(
    tx: &Transaction<'_>,
    api_id: &str,
    table: &PartTable,
    before: &'a [T],
    after: &'a [T],
    columns: F,
) -> Result<bool, StoreError>
where
    T: PartialEq + Serialize,
    F: Fn(&'a T) -> (&'a str, [Option<&'a str>; 2]),
{
    let what = |e: rusqlite::Error| StoreError::Backend(format!("writing {}: {e}", table.name));
    let old: std::collections::HashMap<&str, (usize, &T)> = before
        .iter()
        .enumerate()
        .map(|(i, part)| (columns(part).0, (i, part)))
        .collect();
    let kept: std::collections::HashSet<&str> = after.iter().map(|p| columns(p).0).collect();
    let mut changed = false;
    let delete = format!(
        "DELETE FROM {} WHERE api_id = ?1 AND {} = ?2",
        table.name, table.key
    );
    for part in before {
        let key = columns(part).0;
        if !kept.contains(key) {
            tx.execute(&delete, params![api_id, key]).map_err(what)?;
            changed = true;
        }
    }
    let extra: Vec<&str> = table.extra.iter().flatten().copied().collect();
    let mut names = vec!["api_id", table.key, "position", "body"];
    names.extend(&extra);
    let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let updates: Vec<String> = names[2..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    // An upsert on the key only: another unique column (a model's name) still conflicts.
    let upsert = format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (api_id, {}) DO UPDATE SET {}",
        table.name,
        names.join(", "),
        placeholders.join(", "),
        table.key,
        updates.join(", ")
    );
    for (position, part) in after.iter().enumerate() {
        let (key, values) = columns(part);
        let unchanged = old
            .get(key)
            .is_some_and(|(p, old)| *p == position && *old == part);
        if unchanged {
            continue;
        }
        let body = to_json(table.kind, part)?;
        let position = position as i64;
        let mut row: Vec<&dyn rusqlite::ToSql> = vec![&api_id, &key, &position, &body];
        for (column, value) in table.extra.iter().zip(&values) {
            if column.is_some() {
                row.push(value);
            }
        }
        tx.execute(&upsert, row.as_slice()).map_err(|e| {
            if e.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) {
                StoreError::Conflict(format!("{} {key} is defined twice", table.kind))
            } else {
                what(e)
            }
        })?;
        changed = true;
    }
    Ok(changed)
}

/// Deletes the rows of an API's current definition (not the API row, deployments or stages).
fn delete_parts(tx: &Transaction<'_>, api_id: &str) -> Result<(), StoreError> {
    for table in [
        "resources",
        "models",
        "request_validators",
        "gateway_responses",
        "authorizers",
        "documentation_parts",
    ] {
        tx.execute(&format!("DELETE FROM {table} WHERE api_id = ?1"), [api_id])
            .map_err(|e| StoreError::Backend(format!("deleting {table}: {e}")))?;
    }
    Ok(())
}

fn deployment_exists(conn: &Connection, api_id: &str, id: &str) -> Result<bool, StoreError> {
    conn.prepare_cached("SELECT 1 FROM deployments WHERE api_id = ?1 AND id = ?2")
        .and_then(|mut s| s.exists([api_id, id]))
        .map_err(backend("looking up a deployment"))
}

fn load_stage(
    conn: &Connection,
    api_id: &str,
    stage_name: &str,
) -> Result<Option<Stage>, StoreError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM stages WHERE api_id = ?1 AND stage_name = ?2")
        .and_then(|mut s| {
            s.query_row([api_id, stage_name], |row| row.get(0))
                .optional()
        })
        .map_err(backend("reading a stage"))?;
    body.map(|b| from_json("stage", &format!("{api_id}/{stage_name}"), &b))
        .transpose()
}

fn upsert_stage(tx: &Transaction<'_>, api_id: &str, stage: &Stage) -> Result<(), StoreError> {
    let body = to_json("stage", stage)?;
    tx.prepare_cached(
        "INSERT INTO stages (api_id, stage_name, deployment_id, body) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (api_id, stage_name) \
         DO UPDATE SET deployment_id = excluded.deployment_id, body = excluded.body",
    )
    .and_then(|mut s| s.execute(params![api_id, stage.stage_name, stage.deployment_id, body]))
    .map_err(backend("storing a stage"))?;
    Ok(())
}

fn check_stage_name(name: &str) -> Result<(), StoreError> {
    if tollgate_model::valid_stage_name(name) {
        Ok(())
    } else {
        Err(StoreError::BadRequest(format!(
            "Invalid stage name '{name}': a stage name is 1 to 128 characters from [A-Za-z0-9_-]"
        )))
    }
}

/// The checks CreateDeployment makes on the definition it is about to freeze.
fn check_deployable(def: &ApiDefinition) -> Result<(), StoreError> {
    if def.method_count() == 0 {
        return Err(StoreError::BadRequest(
            "The REST API doesn't contain any methods".to_owned(),
        ));
    }
    let lacks_integration = def
        .resources
        .iter()
        .flat_map(|r| r.resource_methods.values())
        .any(|m| m.method_integration.is_none());
    if lacks_integration {
        return Err(StoreError::BadRequest(
            "No integration defined for method".to_owned(),
        ));
    }
    Ok(())
}

fn deploy_tx(
    tx: &Transaction<'_>,
    api_id: &str,
    request: &DeployRequest,
) -> Result<(Deployment, Stage), StoreError> {
    let (deployment, stage) = create_deployment_tx(tx, api_id, request)?;
    let stage = stage.ok_or_else(|| {
        StoreError::BadRequest("Invalid stage name specified: the name is empty".to_owned())
    })?;
    Ok((deployment, stage))
}

fn create_deployment_tx(
    tx: &Transaction<'_>,
    api_id: &str,
    request: &DeployRequest,
) -> Result<(Deployment, Option<Stage>), StoreError> {
    let definition = load_deployable(tx, api_id)?;
    let with_stage = !request.stage_name.is_empty();
    if request.canary.is_some() && !with_stage {
        return Err(StoreError::BadRequest(
            "Invalid deployment content specified.Non null and non empty stageName must be provided for canary deployment. Provided value is "
                .to_owned(),
        ));
    }
    let existing = if with_stage {
        check_stage_name(&request.stage_name)?;
        load_stage(tx, api_id, &request.stage_name)?
    } else {
        None
    };
    match (&request.canary, &existing) {
        (Some(_), None) => {
            return Err(StoreError::BadRequest(format!(
                "Invalid deployment content specified.Stage {} must already be created before making a canary release deployment",
                request.stage_name
            )));
        }
        (None, Some(stage)) if stage.canary_settings.is_some() => {
            return Err(StoreError::BadRequest(format!(
                "Invalid deployment content specified.Non canary deployment not supported on stage {} because Canary is enabled. Provide CanarySettings in deploymentInput.",
                request.stage_name
            )));
        }
        _ => {}
    }
    check_deployable(&definition)?;

    let mut id = tollgate_model::ids::short_id();
    let mut attempts = 1;
    while deployment_exists(tx, api_id, &id)? {
        if attempts >= ID_ATTEMPTS {
            return Err(StoreError::Backend(
                "could not find a free deployment id".to_owned(),
            ));
        }
        id = tollgate_model::ids::short_id();
        attempts += 1;
    }
    let now = tollgate_model::now_epoch_seconds();
    let deployment = Deployment {
        id,
        description: request.description.clone(),
        created_date: now,
    };
    let seq: i64 = tx
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM deployments WHERE api_id = ?1")
        .and_then(|mut s| s.query_row([api_id], |row| row.get(0)))
        .map_err(backend("numbering a deployment"))?;
    tx.prepare_cached(
        "INSERT INTO deployments (api_id, id, seq, created_date, body, definition) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut s| {
        s.execute(params![
            api_id,
            deployment.id,
            seq,
            deployment.created_date,
            to_json_sql(&deployment)?,
            to_json_sql(&definition)?,
        ])
    })
    .map_err(backend("storing a deployment"))?;

    if !with_stage {
        bump_revision(tx)?;
        return Ok((deployment, None));
    }
    let mut stage = match existing {
        Some(mut stage) => {
            match &request.canary {
                Some(canary) => {
                    let mut canary = canary.clone();
                    canary.deployment_id = Some(deployment.id.clone());
                    stage.canary_settings = Some(canary);
                }
                None => stage.deployment_id = deployment.id.clone(),
            }
            stage.variables.extend(
                request
                    .variables
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
            stage.last_updated_date = now;
            stage
        }
        None => {
            let mut stage = Stage::new(request.stage_name.clone(), deployment.id.clone());
            stage.description = request.stage_description.clone();
            stage.variables = request.variables.clone();
            stage.created_date = now;
            stage.last_updated_date = now;
            stage
        }
    };
    if let Some(size) = &request.cache_cluster_size {
        stage.cache_cluster_size = Some(size.clone());
    }
    if let Some(enabled) = request.cache_cluster_enabled {
        stage.set_cache_cluster_enabled(enabled);
    }
    if let Some(tracing) = request.tracing_enabled {
        stage.tracing_enabled = tracing;
    }
    upsert_stage(tx, api_id, &stage)?;
    bump_revision(tx)?;
    Ok((deployment, Some(stage)))
}

/// The API's deployments, oldest first.
fn load_deployments(conn: &Connection, api_id: &str) -> Result<Vec<Deployment>, StoreError> {
    let deployments = keyed_bodies(
        conn,
        "listing deployments",
        "deployment",
        "SELECT id, body FROM deployments WHERE api_id = ?1 ORDER BY seq",
        [api_id],
    )?;
    Ok(deployments.into_iter().map(|(_, d)| d).collect())
}

/// AWS's refusal of a stage whose deployment, or whose canary's, does not exist.
fn check_stage_deployments(
    conn: &Connection,
    api_id: &str,
    stage: &Stage,
) -> Result<(), StoreError> {
    let canary = stage
        .canary_settings
        .as_ref()
        .and_then(|c| c.deployment_id.as_deref());
    for id in std::iter::once(stage.deployment_id.as_str()).chain(canary) {
        if !deployment_exists(conn, api_id, id)? {
            return Err(StoreError::BadRequest(
                "Deployment id does not exist".to_owned(),
            ));
        }
    }
    Ok(())
}

/// A documentation version of the API with the parts it froze (`DocumentationVersionNotFound`,
/// or `ApiNotFound` when the API itself is unknown).
fn load_documentation_version(
    conn: &Connection,
    api_id: &str,
    version: &str,
) -> Result<(DocumentationVersion, Vec<DocumentationPart>), StoreError> {
    let row: Option<(String, String)> = conn
        .prepare_cached(
            "SELECT body, parts FROM documentation_versions WHERE api_id = ?1 AND version = ?2",
        )
        .and_then(|mut s| {
            s.query_row([api_id, version], |row| Ok((row.get(0)?, row.get(1)?)))
                .optional()
        })
        .map_err(backend("reading a documentation version"))?;
    let Some((body, parts)) = row else {
        require_api(conn, api_id)?;
        return Err(StoreError::DocumentationVersionNotFound {
            api_id: api_id.to_owned(),
            version: version.to_owned(),
        });
    };
    let key = format!("{api_id}/{version}");
    Ok((
        from_json("documentation version", &key, &body)?,
        from_json("documentation version parts", &key, &parts)?,
    ))
}

/// A stage may only name a documentation version the API has.
fn check_stage_documentation(
    conn: &Connection,
    api_id: &str,
    stage: &Stage,
) -> Result<(), StoreError> {
    match &stage.documentation_version {
        Some(version) => load_documentation_version(conn, api_id, version).map(drop),
        None => Ok(()),
    }
}

/// `serde_json::to_string` with its error turned into one rusqlite can carry.
fn to_json_sql<T: Serialize>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

#[async_trait]
impl Store for SqliteStore {
    async fn create_api(&self, definition: &ApiDefinition) -> Result<(), StoreError> {
        let def = definition.clone();
        self.write("creating an API", move |tx| {
            let api = &def.rest_api;
            if api_exists(tx, &api.id)? {
                return Err(StoreError::Conflict(format!(
                    "A REST API with id {} already exists",
                    api.id
                )));
            }
            let body = to_json("API", api)?;
            tx.execute(
                "INSERT INTO rest_apis (id, created_date, body) VALUES (?1, ?2, ?3)",
                params![api.id, api.created_date, body],
            )
            .map_err(backend("storing an API"))?;
            insert_parts(tx, &def)?;
            bump_revision(tx)
        })
        .await
    }

    async fn replace_api(&self, definition: &ApiDefinition) -> Result<(), StoreError> {
        let def = definition.clone();
        self.write("replacing an API", move |tx| {
            let api = &def.rest_api;
            let body = to_json("API", api)?;
            let changed = tx
                .execute(
                    "UPDATE rest_apis SET created_date = ?2, body = ?3 WHERE id = ?1",
                    params![api.id, api.created_date, body],
                )
                .map_err(backend("replacing an API"))?;
            if changed == 0 {
                return Err(StoreError::ApiNotFound(api.id.clone()));
            }
            delete_parts(tx, &api.id)?;
            insert_parts(tx, &def)?;
            bump_revision(tx)
        })
        .await
    }

    async fn get_api(&self, api_id: &str) -> Result<RestApi, StoreError> {
        let api_id = api_id.to_owned();
        self.read("reading an API", move |tx| load_rest_api(tx, &api_id))
            .await
    }

    async fn list_apis(&self) -> Result<Vec<RestApi>, StoreError> {
        self.read("listing APIs", |tx| {
            let apis = keyed_bodies(
                tx,
                "listing APIs",
                "API",
                "SELECT id, body FROM rest_apis ORDER BY created_date, seq",
                [],
            )?;
            Ok(apis.into_iter().map(|(_, api)| api).collect())
        })
        .await
    }

    async fn delete_api(&self, api_id: &str) -> Result<(), StoreError> {
        let api_id = api_id.to_owned();
        self.write("deleting an API", move |tx| {
            // Resources, models, ..., deployments and stages go with it (ON DELETE CASCADE).
            let changed = tx
                .execute("DELETE FROM rest_apis WHERE id = ?1", [&api_id])
                .map_err(backend("deleting an API"))?;
            if changed == 0 {
                return Err(StoreError::ApiNotFound(api_id));
            }
            bump_revision(tx)
        })
        .await
    }

    async fn api_definition(&self, api_id: &str) -> Result<ApiDefinition, StoreError> {
        let api_id = api_id.to_owned();
        Ok(Arc::unwrap_or_clone(self.shared_definition(&api_id).await?))
    }

    async fn shared_definition(&self, api_id: &str) -> Result<Arc<ApiDefinition>, StoreError> {
        let api_id = api_id.to_owned();
        let inner = Arc::clone(&self.inner);
        self.read("reading an API definition", move |tx| {
            Ok(inner.definition(tx, &api_id)?.1)
        })
        .await
    }

    async fn edit_api<T, F>(&self, api_id: &str, edit: F) -> Result<T, StoreError>
    where
        Self: Sized,
        T: Send + 'static,
        F: FnOnce(&mut ApiDefinition) -> Result<T, StoreError> + Send + 'static,
    {
        let api_id = api_id.to_owned();
        let inner = Arc::clone(&self.inner);
        let (value, edited) = self
            .write("editing an API", move |tx| {
                let (revision, before) = inner.definition(tx, &api_id)?;
                let mut after = ApiDefinition::clone(&before);
                let value = edit(&mut after)?;
                if after.rest_api.id != api_id {
                    return Err(StoreError::BadRequest(
                        "an API's id cannot change".to_owned(),
                    ));
                }
                if let Err(errors) = after.validate() {
                    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
                    return Err(StoreError::BadRequest(text.join("; ")));
                }
                let edited = if write_changes(tx, &before, &after)? {
                    bump_revision(tx)?;
                    // No other writer can run inside this IMMEDIATE transaction.
                    Some((revision + 1, after))
                } else {
                    None
                };
                Ok((value, edited))
            })
            .await?;
        // Remembered only once committed; a later write by anyone makes the entry stale.
        if let Some((revision, after)) = edited {
            self.inner.remember_definition(revision, Arc::new(after));
        }
        Ok(value)
    }

    async fn deploy(
        &self,
        api_id: &str,
        request: &DeployRequest,
    ) -> Result<(Deployment, Stage), StoreError> {
        let api_id = api_id.to_owned();
        let request = request.clone();
        self.write("deploying an API", move |tx| {
            deploy_tx(tx, &api_id, &request)
        })
        .await
    }

    async fn create_deployment(
        &self,
        api_id: &str,
        request: &DeployRequest,
    ) -> Result<(Deployment, Option<Stage>), StoreError> {
        let api_id = api_id.to_owned();
        let request = request.clone();
        self.write("deploying", move |tx| {
            create_deployment_tx(tx, &api_id, &request)
        })
        .await
    }

    async fn delete_deployment(&self, api_id: &str, deployment_id: &str) -> Result<(), StoreError> {
        let api_id = api_id.to_owned();
        let deployment_id = deployment_id.to_owned();
        self.write("deleting a deployment", move |tx| {
            require_api(tx, &api_id)?;
            if !deployment_exists(tx, &api_id, &deployment_id)? {
                return Err(StoreError::DeploymentNotFound {
                    api_id,
                    deployment_id,
                });
            }
            let in_use = tx
                .prepare_cached("SELECT 1 FROM stages WHERE api_id = ?1 AND deployment_id = ?2")
                .and_then(|mut s| s.exists([&api_id, &deployment_id]))
                .map_err(backend("deleting a deployment"))?;
            if in_use {
                return Err(StoreError::BadRequest(
                    "Active stages pointing to this deployment must be moved or deleted".to_owned(),
                ));
            }
            let canary_in_use = tx
                .prepare_cached(
                    "SELECT 1 FROM stages WHERE api_id = ?1 \
                     AND json_extract(body, '$.canarySettings.deploymentId') = ?2",
                )
                .and_then(|mut s| s.exists([&api_id, &deployment_id]))
                .map_err(backend("deleting a deployment"))?;
            if canary_in_use {
                return Err(StoreError::BadRequest(
                    "Active stages with canary settings pointing to this deployment must be moved or deleted"
                        .to_owned(),
                ));
            }
            tx.execute(
                "DELETE FROM deployments WHERE api_id = ?1 AND id = ?2",
                [&api_id, &deployment_id],
            )
            .map_err(backend("deleting a deployment"))?;
            bump_revision(tx)
        })
        .await
    }

    async fn get_deployment(
        &self,
        api_id: &str,
        deployment_id: &str,
    ) -> Result<(Deployment, ApiDefinition), StoreError> {
        let api_id = api_id.to_owned();
        let deployment_id = deployment_id.to_owned();
        self.read("reading a deployment", move |tx| {
            let row: Option<(String, String)> = tx
                .prepare_cached(
                    "SELECT body, definition FROM deployments WHERE api_id = ?1 AND id = ?2",
                )
                .and_then(|mut s| {
                    s.query_row([&api_id, &deployment_id], |row| {
                        Ok((row.get(0)?, row.get(1)?))
                    })
                    .optional()
                })
                .map_err(backend("reading a deployment"))?;
            let Some((body, definition)) = row else {
                require_api(tx, &api_id)?;
                return Err(StoreError::DeploymentNotFound {
                    api_id,
                    deployment_id,
                });
            };
            let key = format!("{api_id}/{deployment_id}");
            Ok((
                from_json("deployment", &key, &body)?,
                from_json("deployment snapshot", &key, &definition)?,
            ))
        })
        .await
    }

    async fn set_deployment_description(
        &self,
        api_id: &str,
        deployment_id: &str,
        description: Option<String>,
    ) -> Result<Deployment, StoreError> {
        let api_id = api_id.to_owned();
        let deployment_id = deployment_id.to_owned();
        self.write("describing a deployment", move |tx| {
            let body: Option<String> = tx
                .prepare_cached("SELECT body FROM deployments WHERE api_id = ?1 AND id = ?2")
                .and_then(|mut s| {
                    s.query_row([&api_id, &deployment_id], |row| row.get(0))
                        .optional()
                })
                .map_err(backend("reading a deployment"))?;
            let Some(body) = body else {
                require_api(tx, &api_id)?;
                return Err(StoreError::DeploymentNotFound {
                    api_id,
                    deployment_id,
                });
            };
            let mut deployment: Deployment =
                from_json("deployment", &format!("{api_id}/{deployment_id}"), &body)?;
            deployment.description = description;
            tx.prepare_cached("UPDATE deployments SET body = ?3 WHERE api_id = ?1 AND id = ?2")
                .and_then(|mut s| {
                    s.execute(params![api_id, deployment_id, to_json_sql(&deployment)?])
                })
                .map_err(backend("describing a deployment"))?;
            Ok(deployment)
        })
        .await
    }

    async fn list_deployments(&self, api_id: &str) -> Result<Vec<Deployment>, StoreError> {
        let api_id = api_id.to_owned();
        self.read("listing deployments", move |tx| {
            require_api(tx, &api_id)?;
            load_deployments(tx, &api_id)
        })
        .await
    }

    async fn get_stage(&self, api_id: &str, stage_name: &str) -> Result<Stage, StoreError> {
        let api_id = api_id.to_owned();
        let stage_name = stage_name.to_owned();
        self.read("reading a stage", move |tx| {
            match load_stage(tx, &api_id, &stage_name)? {
                Some(stage) => Ok(stage),
                None => {
                    require_api(tx, &api_id)?;
                    Err(StoreError::StageNotFound {
                        api_id,
                        stage: stage_name,
                    })
                }
            }
        })
        .await
    }

    async fn list_stages(&self, api_id: &str) -> Result<Vec<Stage>, StoreError> {
        let api_id = api_id.to_owned();
        self.read("listing stages", move |tx| {
            require_api(tx, &api_id)?;
            let stages = keyed_bodies(
                tx,
                "listing stages",
                "stage",
                "SELECT stage_name, body FROM stages WHERE api_id = ?1 ORDER BY stage_name",
                [&api_id],
            )?;
            Ok(stages.into_iter().map(|(_, stage)| stage).collect())
        })
        .await
    }

    async fn put_stage(&self, api_id: &str, stage: &Stage) -> Result<(), StoreError> {
        let api_id = api_id.to_owned();
        let stage = stage.clone();
        self.write("storing a stage", move |tx| {
            require_api(tx, &api_id)?;
            check_stage_name(&stage.stage_name)?;
            if !deployment_exists(tx, &api_id, &stage.deployment_id)? {
                return Err(StoreError::DeploymentNotFound {
                    api_id,
                    deployment_id: stage.deployment_id,
                });
            }
            let canary = stage
                .canary_settings
                .as_ref()
                .and_then(|c| c.deployment_id.as_deref());
            if let Some(canary) = canary
                && !deployment_exists(tx, &api_id, canary)?
            {
                return Err(StoreError::BadRequest(
                    "Deployment id does not exist".to_owned(),
                ));
            }
            upsert_stage(tx, &api_id, &stage)?;
            bump_revision(tx)
        })
        .await
    }

    async fn create_stage(&self, api_id: &str, stage: &Stage) -> Result<(), StoreError> {
        let api_id = api_id.to_owned();
        let stage = stage.clone();
        self.write("creating a stage", move |tx| {
            require_api(tx, &api_id)?;
            check_stage_name(&stage.stage_name)?;
            if load_stage(tx, &api_id, &stage.stage_name)?.is_some() {
                return Err(StoreError::Conflict("Stage already exists".to_owned()));
            }
            check_stage_deployments(tx, &api_id, &stage)?;
            check_stage_documentation(tx, &api_id, &stage)?;
            upsert_stage(tx, &api_id, &stage)?;
            bump_revision(tx)
        })
        .await
    }

    async fn edit_stage<T, F>(
        &self,
        api_id: &str,
        stage_name: &str,
        edit: F,
    ) -> Result<(T, Stage), StoreError>
    where
        Self: Sized,
        T: Send + 'static,
        F: FnOnce(&mut Stage, &[Deployment]) -> Result<T, StoreError> + Send + 'static,
    {
        let api_id = api_id.to_owned();
        let stage_name = stage_name.to_owned();
        self.write("editing a stage", move |tx| {
            let Some(mut stage) = load_stage(tx, &api_id, &stage_name)? else {
                require_api(tx, &api_id)?;
                return Err(StoreError::StageNotFound {
                    api_id,
                    stage: stage_name,
                });
            };
            let deployments = load_deployments(tx, &api_id)?;
            let documentation_before = stage.documentation_version.clone();
            let value = edit(&mut stage, &deployments)?;
            if stage.stage_name != stage_name {
                return Err(StoreError::BadRequest(
                    "a stage's name cannot change".to_owned(),
                ));
            }
            check_stage_deployments(tx, &api_id, &stage)?;
            // A version deleted since it was associated does not block other edits.
            if stage.documentation_version != documentation_before {
                check_stage_documentation(tx, &api_id, &stage)?;
            }
            stage.last_updated_date = tollgate_model::now_epoch_seconds();
            upsert_stage(tx, &api_id, &stage)?;
            bump_revision(tx)?;
            Ok((value, stage))
        })
        .await
    }

    async fn delete_stage(&self, api_id: &str, stage_name: &str) -> Result<(), StoreError> {
        let api_id = api_id.to_owned();
        let stage_name = stage_name.to_owned();
        self.write("deleting a stage", move |tx| {
            let changed = tx
                .execute(
                    "DELETE FROM stages WHERE api_id = ?1 AND stage_name = ?2",
                    [&api_id, &stage_name],
                )
                .map_err(backend("deleting a stage"))?;
            if changed == 0 {
                require_api(tx, &api_id)?;
                return Err(StoreError::StageNotFound {
                    api_id,
                    stage: stage_name,
                });
            }
            bump_revision(tx)
        })
        .await
    }

    async fn all_stages(&self) -> Result<Vec<(String, Stage)>, StoreError> {
        self.read("listing all stages", |tx| {
            // The key is the API id; the stage's name is in its body.
            keyed_bodies(
                tx,
                "listing all stages",
                "stage",
                "SELECT s.api_id, s.body FROM stages s \
                 JOIN rest_apis a ON a.id = s.api_id \
                 ORDER BY a.created_date, a.seq, s.stage_name",
                [],
            )
        })
        .await
    }

    async fn put_domain_name(&self, domain: &DomainName) -> Result<(), StoreError> {
        let domain = domain.clone();
        self.write("storing a domain name", move |tx| {
            let body = to_json("domain name", &domain)?;
            tx.execute(
                "INSERT INTO domain_names (name, body) VALUES (?1, ?2) \
                 ON CONFLICT (name) DO UPDATE SET body = excluded.body",
                [&domain.domain_name, &body],
            )
            .map_err(backend("storing a domain name"))?;
            bump_revision(tx)
        })
        .await
    }

    async fn create_domain_name(&self, domain: &DomainName) -> Result<(), StoreError> {
        let domain = domain.clone();
        self.write("creating a domain name", move |tx| {
            if domain_exists(tx, &domain.domain_name)? {
                return Err(StoreError::Conflict(
                    "The domain name you provided already exists.".to_owned(),
                ));
            }
            let body = to_json("domain name", &domain)?;
            tx.execute(
                "INSERT INTO domain_names (name, body) VALUES (?1, ?2)",
                [&domain.domain_name, &body],
            )
            .map_err(backend("creating a domain name"))?;
            bump_revision(tx)
        })
        .await
    }

    async fn get_domain_name(&self, name: &str) -> Result<DomainName, StoreError> {
        let name = name.to_owned();
        self.read("reading a domain name", move |tx| {
            body_by_key(tx, "domain_names", "name", "domain name", &name, || {
                StoreError::DomainNotFound(name.clone())
            })
        })
        .await
    }

    async fn update_domain_name(&self, domain: &DomainName) -> Result<(), StoreError> {
        let domain = domain.clone();
        self.write("updating a domain name", move |tx| {
            let body = to_json("domain name", &domain)?;
            let changed = tx
                .execute(
                    "UPDATE domain_names SET body = ?2 WHERE name = ?1",
                    [&domain.domain_name, &body],
                )
                .map_err(backend("updating a domain name"))?;
            if changed == 0 {
                return Err(StoreError::DomainNotFound(domain.domain_name));
            }
            bump_revision(tx)
        })
        .await
    }

    async fn list_domain_names(&self) -> Result<Vec<DomainName>, StoreError> {
        self.read("listing domain names", |tx| {
            let domains = keyed_bodies(
                tx,
                "listing domain names",
                "domain name",
                "SELECT name, body FROM domain_names ORDER BY name",
                [],
            )?;
            Ok(domains.into_iter().map(|(_, d)| d).collect())
        })
        .await
    }

    async fn delete_domain_name(&self, name: &str) -> Result<(), StoreError> {
        let name = name.to_owned();
        self.write("deleting a domain name", move |tx| {
            let changed = tx
                .execute("DELETE FROM domain_names WHERE name = ?1", [&name])
                .map_err(backend("deleting a domain name"))?;
            if changed == 0 {
                return Err(StoreError::DomainNotFound(name));
            }
            bump_revision(tx)
        })
        .await
    }

    async fn put_base_path_mapping(
        &self,
        domain: &str,
        mapping: &BasePathMapping,
    ) -> Result<(), StoreError> {
        let domain = domain.to_owned();
        let mapping = mapping.clone();
        self.write("storing a base path mapping", move |tx| {
            require_domain(tx, &domain)?;
            require_api(tx, &mapping.rest_api_id)?;
            insert_mapping(tx, &domain, &mapping)?;
            bump_revision(tx)
        })
        .await
    }

    async fn create_base_path_mapping(
        &self,
        domain: &str,
        mapping: &BasePathMapping,
    ) -> Result<(), StoreError> {
        let domain = domain.to_owned();
        let mapping = mapping.clone();
        self.write("creating a base path mapping", move |tx| {
            require_domain(tx, &domain)?;
            check_mapping_target(tx, &mapping)?;
            if mapping_exists(tx, &domain, &mapping.base_path)? {
                return Err(StoreError::Conflict(
                    "Base path already exists for this domain name".to_owned(),
                ));
            }
            insert_mapping(tx, &domain, &mapping)?;
            bump_revision(tx)
        })
        .await
    }

    async fn get_base_path_mapping(
        &self,
        domain: &str,
        base_path: &str,
    ) -> Result<BasePathMapping, StoreError> {
        let (domain, base_path) = (domain.to_owned(), base_path.to_owned());
        self.read("reading a base path mapping", move |tx| {
            require_domain(tx, &domain)?;
            keyed_bodies(
                tx,
                "reading a base path mapping",
                "base path mapping",
                "SELECT base_path, body FROM base_path_mappings \
                 WHERE domain_name = ?1 AND base_path = ?2",
                [&domain, &base_path],
            )?
            .pop()
            .map(|(_, m)| m)
            .ok_or(StoreError::BasePathMappingNotFound { domain, base_path })
        })
        .await
    }

    async fn list_base_path_mappings(
        &self,
        domain: &str,
    ) -> Result<Vec<BasePathMapping>, StoreError> {
        let domain = domain.to_owned();
        self.read("listing base path mappings", move |tx| {
            require_domain(tx, &domain)?;
            let mappings = keyed_bodies(
                tx,
                "listing base path mappings",
                "base path mapping",
                "SELECT base_path, body FROM base_path_mappings \
                 WHERE domain_name = ?1 ORDER BY base_path",
                [&domain],
            )?;
            Ok(mappings.into_iter().map(|(_, m)| m).collect())
        })
        .await
    }

    async fn update_base_path_mapping(
        &self,
        domain: &str,
        base_path: &str,
        mapping: &BasePathMapping,
    ) -> Result<(), StoreError> {
        let (domain, base_path) = (domain.to_owned(), base_path.to_owned());
        let mapping = mapping.clone();
        self.write("updating a base path mapping", move |tx| {
            require_domain(tx, &domain)?;
            if !mapping_exists(tx, &domain, &base_path)? {
                return Err(StoreError::BasePathMappingNotFound { domain, base_path });
            }
            check_mapping_target(tx, &mapping)?;
            if mapping.base_path != base_path {
                if mapping_exists(tx, &domain, &mapping.base_path)? {
                    return Err(StoreError::Conflict(
                        "Base path already exists for this domain name".to_owned(),
                    ));
                }
                tx.execute(
                    "DELETE FROM base_path_mappings WHERE domain_name = ?1 AND base_path = ?2",
                    [&domain, &base_path],
                )
                .map_err(backend("updating a base path mapping"))?;
            }
            insert_mapping(tx, &domain, &mapping)?;
            bump_revision(tx)
        })
        .await
    }

    async fn delete_base_path_mapping(
        &self,
        domain: &str,
        base_path: &str,
    ) -> Result<(), StoreError> {
        let (domain, base_path) = (domain.to_owned(), base_path.to_owned());
        self.write("deleting a base path mapping", move |tx| {
            let changed = tx
                .execute(
                    "DELETE FROM base_path_mappings WHERE domain_name = ?1 AND base_path = ?2",
                    [&domain, &base_path],
                )
                .map_err(backend("deleting a base path mapping"))?;
            if changed == 0 {
                require_domain(tx, &domain)?;
                return Err(StoreError::BasePathMappingNotFound { domain, base_path });
            }
            bump_revision(tx)
        })
        .await
    }

    async fn all_base_path_mappings(&self) -> Result<Vec<(String, BasePathMapping)>, StoreError> {
        self.read("listing base path mappings", |tx| {
            keyed_bodies(
                tx,
                "listing base path mappings",
                "base path mapping",
                "SELECT domain_name, body FROM base_path_mappings ORDER BY domain_name, base_path",
                [],
            )
        })
        .await
    }

    async fn create_client_certificate(
        &self,
        certificate: &ClientCertificate,
        private_key_pem: &str,
    ) -> Result<(), StoreError> {
        let certificate = certificate.clone();
        let key = private_key_pem.to_owned();
        self.write("storing a client certificate", move |tx| {
            let body = to_json("client certificate", &certificate)?;
            tx.execute(
                "INSERT INTO client_certificates (id, private_key, body) VALUES (?1, ?2, ?3)",
                [&certificate.client_certificate_id, &key, &body],
            )
            .map_err(|e| match e.sqlite_error_code() {
                Some(ErrorCode::ConstraintViolation) => StoreError::Conflict(format!(
                    "Client certificate {} already exists",
                    certificate.client_certificate_id
                )),
                _ => StoreError::Backend(format!("storing a client certificate: {e}")),
            })?;
            Ok(())
        })
        .await
    }

    async fn get_client_certificate(&self, id: &str) -> Result<ClientCertificate, StoreError> {
        let id = id.to_owned();
        self.read("reading a client certificate", move |tx| {
            body_by_key(
                tx,
                "client_certificates",
                "id",
                "client certificate",
                &id,
                || StoreError::ClientCertificateNotFound(id.clone()),
            )
        })
        .await
    }

    async fn client_certificate_private_key(&self, id: &str) -> Result<String, StoreError> {
        let id = id.to_owned();
        self.read("reading a client certificate's key", move |tx| {
            tx.prepare_cached("SELECT private_key FROM client_certificates WHERE id = ?1")
                .and_then(|mut s| s.query_row([&id], |row| row.get(0)).optional())
                .map_err(backend("reading a client certificate's key"))?
                .ok_or(StoreError::ClientCertificateNotFound(id))
        })
        .await
    }

    async fn list_client_certificates(&self) -> Result<Vec<ClientCertificate>, StoreError> {
        self.read("listing client certificates", |tx| {
            bodies_by_seq(tx, "client_certificates", "client certificate")
        })
        .await
    }

    async fn update_client_certificate(
        &self,
        certificate: &ClientCertificate,
    ) -> Result<(), StoreError> {
        let certificate = certificate.clone();
        self.write("updating a client certificate", move |tx| {
            let body = to_json("client certificate", &certificate)?;
            if !replace_body(
                tx,
                "client_certificates",
                &certificate.client_certificate_id,
                &body,
            )? {
                return Err(StoreError::ClientCertificateNotFound(
                    certificate.client_certificate_id,
                ));
            }
            Ok(())
        })
        .await
    }

    async fn delete_client_certificate(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.write("deleting a client certificate", move |tx| {
            if !delete_by_id(tx, "client_certificates", &id)? {
                return Err(StoreError::ClientCertificateNotFound(id));
            }
            Ok(())
        })
        .await
    }

    async fn create_vpc_link(&self, link: &VpcLink) -> Result<(), StoreError> {
        let link = link.clone();
        self.write("storing a VPC link", move |tx| {
            let body = to_json("VPC link", &link)?;
            tx.execute(
                "INSERT INTO vpc_links (id, body) VALUES (?1, ?2)",
                [&link.id, &body],
            )
            .map_err(|e| match e.sqlite_error_code() {
                Some(ErrorCode::ConstraintViolation) => {
                    StoreError::Conflict(format!("VPC link {} already exists", link.id))
                }
                _ => StoreError::Backend(format!("storing a VPC link: {e}")),
            })?;
            Ok(())
        })
        .await
    }

    async fn get_vpc_link(&self, id: &str) -> Result<VpcLink, StoreError> {
        let id = id.to_owned();
        self.read("reading a VPC link", move |tx| {
            body_by_key(tx, "vpc_links", "id", "VPC link", &id, || {
                StoreError::VpcLinkNotFound(id.clone())
            })
        })
        .await
    }

    async fn list_vpc_links(&self) -> Result<Vec<VpcLink>, StoreError> {
        self.read("listing VPC links", |tx| {
            bodies_by_seq(tx, "vpc_links", "VPC link")
        })
        .await
    }

    async fn update_vpc_link(&self, link: &VpcLink) -> Result<(), StoreError> {
        let link = link.clone();
        self.write("updating a VPC link", move |tx| {
            let body = to_json("VPC link", &link)?;
            if !replace_body(tx, "vpc_links", &link.id, &body)? {
                return Err(StoreError::VpcLinkNotFound(link.id));
            }
            Ok(())
        })
        .await
    }

    async fn delete_vpc_link(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.write("deleting a VPC link", move |tx| {
            if !delete_by_id(tx, "vpc_links", &id)? {
                return Err(StoreError::VpcLinkNotFound(id));
            }
            Ok(())
        })
        .await
    }

    async fn put_function(&self, function: &FunctionDefinition) -> Result<(), StoreError> {
        let function = function.clone();
        self.write("storing a function", move |tx| {
            let body = to_json("function", &function)?;
            tx.execute(
                "INSERT INTO functions (name, body) VALUES (?1, ?2) \
                 ON CONFLICT (name) DO UPDATE SET body = excluded.body",
                [&function.function_name, &body],
            )
            .map_err(backend("storing a function"))?;
            bump_revision(tx)
        })
        .await
    }

    async fn get_function(&self, name: &str) -> Result<FunctionDefinition, StoreError> {
        let name = name.to_owned();
        self.read("reading a function", move |tx| {
            body_by_key(tx, "functions", "name", "function", &name, || {
                StoreError::FunctionNotFound(name.clone())
            })
        })
        .await
    }

    async fn list_functions(&self) -> Result<Vec<FunctionDefinition>, StoreError> {
        self.read("listing functions", |tx| {
            let functions = keyed_bodies(
                tx,
                "listing functions",
                "function",
                "SELECT name, body FROM functions ORDER BY name",
                [],
            )?;
            Ok(functions.into_iter().map(|(_, f)| f).collect())
        })
        .await
    }

    async fn delete_function(&self, name: &str) -> Result<(), StoreError> {
        let name = name.to_owned();
        self.write("deleting a function", move |tx| {
            let changed = tx
                .execute("DELETE FROM functions WHERE name = ?1", [&name])
                .map_err(backend("deleting a function"))?;
            if changed == 0 {
                return Err(StoreError::FunctionNotFound(name));
            }
            bump_revision(tx)
        })
        .await
    }

    async fn create_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let key = key.clone();
        self.write("storing an API key", move |tx| {
            let taken: bool = tx
                .prepare_cached("SELECT 1 FROM api_keys WHERE id = ?1 OR value = ?2")
                .and_then(|mut s| s.exists([&key.id, &key.value]))
                .map_err(backend("storing an API key"))?;
            if taken {
                return Err(StoreError::Conflict("API Key already exists".to_owned()));
            }
            let body = to_json("API key", &key)?;
            tx.execute(
                "INSERT INTO api_keys (id, value, body) VALUES (?1, ?2, ?3)",
                [&key.id, &key.value, &body],
            )
            .map_err(backend("storing an API key"))?;
            bump_revision(tx)
        })
        .await
    }

    async fn update_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        let key = key.clone();
        self.write("updating an API key", move |tx| {
            let taken: bool = tx
                .prepare_cached("SELECT 1 FROM api_keys WHERE value = ?1 AND id <> ?2")
                .and_then(|mut s| s.exists([&key.value, &key.id]))
                .map_err(backend("updating an API key"))?;
            if taken {
                return Err(StoreError::Conflict("API Key already exists".to_owned()));
            }
            let body = to_json("API key", &key)?;
            let changed = tx
                .execute(
                    "UPDATE api_keys SET value = ?2, body = ?3 WHERE id = ?1",
                    [&key.id, &key.value, &body],
                )
                .map_err(backend("updating an API key"))?;
            if changed == 0 {
                return Err(StoreError::ApiKeyNotFound(key.id));
            }
            bump_revision(tx)
        })
        .await
    }

    async fn get_api_key(&self, id: &str) -> Result<ApiKey, StoreError> {
        let id = id.to_owned();
        self.read("reading an API key", move |tx| {
            body_by_key(tx, "api_keys", "id", "API key", &id, || {
                StoreError::ApiKeyNotFound(id.clone())
            })
        })
        .await
    }

    async fn list_api_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        self.read("listing API keys", |tx| {
            let keys = keyed_bodies(
                tx,
                "listing API keys",
                "API key",
                "SELECT id, body FROM api_keys ORDER BY seq",
                [],
            )?;
            Ok(keys.into_iter().map(|(_, k)| k).collect())
        })
        .await
    }

    async fn delete_api_key(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.write("deleting an API key", move |tx| {
            let changed = tx
                .execute("DELETE FROM api_keys WHERE id = ?1", [&id])
                .map_err(backend("deleting an API key"))?;
            if changed == 0 {
                return Err(StoreError::ApiKeyNotFound(id));
            }
            bump_revision(tx)
        })
        .await
    }

    async fn put_usage_plan(&self, plan: &UsagePlan) -> Result<(), StoreError> {
        let plan = plan.clone();
        self.write("storing a usage plan", move |tx| {
            for stage in &plan.api_stages {
                let known: bool = tx
                    .prepare_cached("SELECT 1 FROM stages WHERE api_id = ?1 AND stage_name = ?2")
                    .and_then(|mut s| s.exists([&stage.api_id, &stage.stage]))
                    .map_err(backend("storing a usage plan"))?;
                if !known {
                    return Err(StoreError::BadRequest(format!(
                        "Invalid API Stage {{api: {}, stage: {}}} specified for usageplan {}",
                        stage.api_id, stage.stage, plan.id
                    )));
                }
            }
            check_one_plan_per_stage(tx, &plan, None)?;
            let body = to_json("usage plan", &plan)?;
            tx.execute(
                "INSERT INTO usage_plans (id, body) VALUES (?1, ?2) \
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                [&plan.id, &body],
            )
            .map_err(backend("storing a usage plan"))?;
            bump_revision(tx)
        })
        .await
    }

    async fn get_usage_plan(&self, id: &str) -> Result<UsagePlan, StoreError> {
        let id = id.to_owned();
        self.read("reading a usage plan", move |tx| load_usage_plan(tx, &id))
            .await
    }

    async fn list_usage_plans(&self) -> Result<Vec<UsagePlan>, StoreError> {
        self.read("listing usage plans", |tx| {
            let plans = keyed_bodies(
                tx,
                "listing usage plans",
                "usage plan",
                "SELECT id, body FROM usage_plans ORDER BY seq",
                [],
            )?;
            Ok(plans.into_iter().map(|(_, p)| p).collect())
        })
        .await
    }

    async fn delete_usage_plan(&self, id: &str) -> Result<(), StoreError> {
        let id = id.to_owned();
        self.write("deleting a usage plan", move |tx| {
            let changed = tx
                .execute("DELETE FROM usage_plans WHERE id = ?1", [&id])
                .map_err(backend("deleting a usage plan"))?;
            if changed == 0 {
                return Err(StoreError::UsagePlanNotFound(id));
            }
            bump_revision(tx)
        })
        .await
    }

    async fn add_usage_plan_key(&self, plan_id: &str, key_id: &str) -> Result<(), StoreError> {
        let (plan_id, key_id) = (plan_id.to_owned(), key_id.to_owned());
        self.write("adding a key to a usage plan", move |tx| {
            let plan = load_usage_plan(tx, &plan_id)?;
            let key_known: bool = tx
                .prepare_cached("SELECT 1 FROM api_keys WHERE id = ?1")
                .and_then(|mut s| s.exists([&key_id]))
                .map_err(backend("adding a key to a usage plan"))?;
            if !key_known {
                return Err(StoreError::ApiKeyNotFound(key_id));
            }
            check_one_plan_per_stage(tx, &plan, Some(&key_id))?;
            let changed = tx
                .execute(
                    "INSERT OR IGNORE INTO usage_plan_keys (plan_id, key_id) VALUES (?1, ?2)",
                    [&plan_id, &key_id],
                )
                .map_err(backend("adding a key to a usage plan"))?;
            if changed == 0 {
                return Err(StoreError::Conflict(format!(
                    "Usage Plan {plan_id} cannot be added because API Key {key_id} is already associated with it"
                )));
            }
            bump_revision(tx)
        })
        .await
    }

    async fn remove_usage_plan_key(&self, plan_id: &str, key_id: &str) -> Result<(), StoreError> {
        let (plan_id, key_id) = (plan_id.to_owned(), key_id.to_owned());
        self.write("removing a key from a usage plan", move |tx| {
            let changed = tx
                .execute(
                    "DELETE FROM usage_plan_keys WHERE plan_id = ?1 AND key_id = ?2",
                    [&plan_id, &key_id],
                )
                .map_err(backend("removing a key from a usage plan"))?;
            if changed == 0 {
                return Err(StoreError::UsagePlanKeyNotFound { plan_id, key_id });
            }
            bump_revision(tx)
        })
        .await
    }

    async fn all_usage_plan_keys(&self) -> Result<Vec<(String, String)>, StoreError> {
        self.read("listing usage plan keys", |tx| {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT plan_id, key_id FROM usage_plan_keys ORDER BY plan_id, key_id",
                )
                .map_err(backend("listing usage plan keys"))?;
            let rows = stmt
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                .map_err(backend("listing usage plan keys"))?;
            rows.collect::<Result<Vec<(String, String)>, _>>()
                .map_err(backend("listing usage plan keys"))
        })
        .await
    }

    async fn record_usage(&self, records: &[UsageRecord]) -> Result<(), StoreError> {
        let records = records.to_vec();
        // Metering is not configuration: no revision bump, so no data-plane reload.
        self.write("recording usage", move |tx| {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO usage (plan_id, key_id, day, used) VALUES (?1, ?2, ?3, ?4) \
                     ON CONFLICT (plan_id, key_id, day) DO UPDATE SET used = used + excluded.used",
                )
                .map_err(backend("recording usage"))?;
            for r in &records {
                let used = i64::try_from(r.used).unwrap_or(i64::MAX);
                stmt.execute(rusqlite::params![r.plan_id, r.key_id, r.day, used])
                    .map_err(backend("recording usage"))?;
            }
            Ok(())
        })
        .await
    }

    async fn set_usage_credit(&self, credit: &UsageCredit) -> Result<(), StoreError> {
        let c = credit.clone();
        self.write("storing a quota extension", move |tx| {
            tx.prepare_cached(
                "INSERT INTO usage_credits (plan_id, key_id, since, credit) \
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT (plan_id, key_id) \
                 DO UPDATE SET since = excluded.since, credit = excluded.credit",
            )
            .and_then(|mut s| s.execute(params![c.plan_id, c.key_id, c.since, c.credit]))
            .map_err(backend("storing a quota extension"))?;
            Ok(())
        })
        .await
    }

    async fn usage_credits(&self) -> Result<Vec<UsageCredit>, StoreError> {
        self.read("reading quota extensions", |tx| {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT plan_id, key_id, since, credit FROM usage_credits \
                     ORDER BY plan_id, key_id",
                )
                .map_err(backend("reading quota extensions"))?;
            let rows = stmt
                .query_map([], |row| {
                    Ok(UsageCredit {
                        plan_id: row.get(0)?,
                        key_id: row.get(1)?,
                        since: row.get(2)?,
                        credit: row.get(3)?,
                    })
                })
                .and_then(Iterator::collect)
                .map_err(backend("reading quota extensions"))?;
            Ok(rows)
        })
        .await
    }

    async fn usage(
        &self,
        plan_id: &str,
        key_id: Option<&str>,
        from: &str,
        to: &str,
    ) -> Result<Vec<UsageRecord>, StoreError> {
        let (plan_id, key_id, from, to) = (
            plan_id.to_owned(),
            key_id.map(str::to_owned),
            from.to_owned(),
            to.to_owned(),
        );
        self.read("reading usage", move |tx| {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT key_id, day, used FROM usage WHERE plan_id = ?1 \
                     AND (?2 IS NULL OR key_id = ?2) AND day >= ?3 AND day <= ?4 \
                     ORDER BY key_id, day",
                )
                .map_err(backend("reading usage"))?;
            let rows = stmt
                .query_map(rusqlite::params![plan_id, key_id, from, to], |row| {
                    let used: i64 = row.get(2)?;
                    Ok(UsageRecord {
                        plan_id: plan_id.clone(),
                        key_id: row.get(0)?,
                        day: row.get(1)?,
                        used: u64::try_from(used).unwrap_or(0),
                    })
                })
                .map_err(backend("reading usage"))?;
            rows.collect::<Result<Vec<_>, _>>()
                .map_err(backend("reading usage"))
        })
        .await
    }

    async fn get_account(&self) -> Result<AccountSettings, StoreError> {
        self.read("reading the account", |tx| {
            let body: Option<String> = tx
                .prepare_cached("SELECT body FROM account WHERE id = 1")
                .and_then(|mut s| s.query_row([], |row| row.get(0)).optional())
                .map_err(backend("reading the account"))?;
            match body {
                Some(body) => from_json("account", "settings", &body),
                None => Ok(AccountSettings::default()),
            }
        })
        .await
    }

    async fn put_account(&self, account: &AccountSettings) -> Result<(), StoreError> {
        let body = to_json("account", account)?;
        self.write("storing the account", move |tx| {
            tx.execute(
                "INSERT INTO account (id, body) VALUES (1, ?1) \
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                [&body],
            )
            .map_err(backend("storing the account"))?;
            Ok(())
        })
        .await
    }

    async fn create_documentation_version(
        &self,
        api_id: &str,
        version: &DocumentationVersion,
        stage_name: Option<&str>,
    ) -> Result<(), StoreError> {
        let api_id = api_id.to_owned();
        let version = version.clone();
        let stage_name = stage_name.map(str::to_owned);
        self.write("creating a documentation version", move |tx| {
            require_api(tx, &api_id)?;
            let taken = tx
                .prepare_cached(
                    "SELECT 1 FROM documentation_versions WHERE api_id = ?1 AND version = ?2",
                )
                .and_then(|mut s| s.exists([&api_id, &version.version]))
                .map_err(backend("looking up a documentation version"))?;
            if taken {
                return Err(StoreError::Conflict(format!(
                    "Documentation version {} already exists",
                    version.version
                )));
            }
            let stage = match &stage_name {
                Some(name) => match load_stage(tx, &api_id, name)? {
                    Some(stage) => Some(stage),
                    None => {
                        return Err(StoreError::StageNotFound {
                            api_id,
                            stage: name.clone(),
                        });
                    }
                },
                None => None,
            };
            let parts: Vec<DocumentationPart> = load_bodies(
                tx,
                "documentation_parts",
                "documentation part of API",
                &api_id,
            )?;
            let seq: i64 = tx
                .prepare_cached(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM documentation_versions WHERE api_id = ?1",
                )
                .and_then(|mut s| s.query_row([&api_id], |row| row.get(0)))
                .map_err(backend("numbering a documentation version"))?;
            tx.prepare_cached(
                "INSERT INTO documentation_versions (api_id, version, seq, body, parts) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    api_id,
                    version.version,
                    seq,
                    to_json_sql(&version)?,
                    to_json_sql(&parts)?,
                ])
            })
            .map_err(backend("storing a documentation version"))?;
            if let Some(mut stage) = stage {
                stage.documentation_version = Some(version.version.clone());
                stage.last_updated_date = tollgate_model::now_epoch_seconds();
                upsert_stage(tx, &api_id, &stage)?;
                bump_revision(tx)?;
            }
            Ok(())
        })
        .await
    }

    async fn get_documentation_version(
        &self,
        api_id: &str,
        version: &str,
    ) -> Result<(DocumentationVersion, Vec<DocumentationPart>), StoreError> {
        let api_id = api_id.to_owned();
        let version = version.to_owned();
        self.read("reading a documentation version", move |tx| {
            load_documentation_version(tx, &api_id, &version)
        })
        .await
    }

    async fn list_documentation_versions(
        &self,
        api_id: &str,
    ) -> Result<Vec<DocumentationVersion>, StoreError> {
        let api_id = api_id.to_owned();
        self.read("listing documentation versions", move |tx| {
            require_api(tx, &api_id)?;
            let versions = keyed_bodies(
                tx,
                "listing documentation versions",
                "documentation version",
                "SELECT version, body FROM documentation_versions WHERE api_id = ?1 ORDER BY seq",
                [&api_id],
            )?;
            Ok(versions.into_iter().map(|(_, v)| v).collect())
        })
        .await
    }

    async fn set_documentation_version_description(
        &self,
        api_id: &str,
        version: &str,
        description: Option<String>,
    ) -> Result<DocumentationVersion, StoreError> {
        let api_id = api_id.to_owned();
        let version = version.to_owned();
        self.write("updating a documentation version", move |tx| {
            let (mut stored, _) = load_documentation_version(tx, &api_id, &version)?;
            stored.description = description;
            tx.prepare_cached(
                "UPDATE documentation_versions SET body = ?3 WHERE api_id = ?1 AND version = ?2",
            )
            .and_then(|mut s| s.execute(params![api_id, version, to_json_sql(&stored)?]))
            .map_err(backend("updating a documentation version"))?;
            Ok(stored)
        })
        .await
    }

    async fn delete_documentation_version(
        &self,
        api_id: &str,
        version: &str,
    ) -> Result<(), StoreError> {
        let api_id = api_id.to_owned();
        let version = version.to_owned();
        self.write("deleting a documentation version", move |tx| {
            let changed = tx
                .execute(
                    "DELETE FROM documentation_versions WHERE api_id = ?1 AND version = ?2",
                    [&api_id, &version],
                )
                .map_err(backend("deleting a documentation version"))?;
            if changed == 0 {
                require_api(tx, &api_id)?;
                return Err(StoreError::DocumentationVersionNotFound { api_id, version });
            }
            Ok(())
        })
        .await
    }

    async fn revision(&self) -> Result<u64, StoreError> {
        self.with_conn(|conn| {
            let revision = current_revision(conn)?;
            u64::try_from(revision)
                .map_err(|_| StoreError::Backend(format!("invalid revision {revision}")))
        })
        .await
    }
}

#[cfg(test)]
#[path = "sqlite_tests.rs"]
mod tests;
