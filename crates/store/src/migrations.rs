//! Versioned schema migrations for the SQLite store.
//!
//! The schema version is SQLite's `PRAGMA user_version`: the number of scripts of [`MIGRATIONS`]
//! that have been applied. Scripts are only ever appended, never edited once released. Each one
//! runs in its own `BEGIN IMMEDIATE` transaction together with the `user_version` bump, so a
//! failing script leaves the database at the previous version, and two processes opening a fresh
//! file at the same time cannot both apply the same script.

use rusqlite::{Connection, TransactionBehavior};

use crate::StoreError;

/// The schema, as an ordered list of scripts. Script `i` takes the database from version `i` to
/// version `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    r#"
    -- One row: a counter that grows with every change the data plane may have to pick up.
    CREATE TABLE meta (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        revision INTEGER NOT NULL
    );
    INSERT INTO meta (id, revision) VALUES (1, 0);

    -- `seq` keeps creation order (AUTOINCREMENT: never reused, stable across VACUUM).
    CREATE TABLE rest_apis (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        id           TEXT    NOT NULL UNIQUE,
        created_date INTEGER NOT NULL,
        body         TEXT    NOT NULL
    );

    -- Entities of the current (undeployed) definition. `position` keeps the order of the
    -- definition's vectors so that a definition reads back exactly as it was written.
    CREATE TABLE resources (
        api_id    TEXT    NOT NULL REFERENCES rest_apis (id) ON DELETE CASCADE,
        id        TEXT    NOT NULL,
        position  INTEGER NOT NULL,
        parent_id TEXT,
        path      TEXT    NOT NULL,
        body      TEXT    NOT NULL, -- the Resource, methods and integrations embedded
        PRIMARY KEY (api_id, id)
    ) WITHOUT ROWID;

    CREATE TABLE models (
        api_id   TEXT    NOT NULL REFERENCES rest_apis (id) ON DELETE CASCADE,
        id       TEXT    NOT NULL,
        position INTEGER NOT NULL,
        name     TEXT    NOT NULL,
        body     TEXT    NOT NULL,
        PRIMARY KEY (api_id, id),
        UNIQUE (api_id, name)
    ) WITHOUT ROWID;

    CREATE TABLE request_validators (
        api_id   TEXT    NOT NULL REFERENCES rest_apis (id) ON DELETE CASCADE,
        id       TEXT    NOT NULL,
        position INTEGER NOT NULL,
        body     TEXT    NOT NULL,
        PRIMARY KEY (api_id, id)
    ) WITHOUT ROWID;

    CREATE TABLE gateway_responses (
        api_id        TEXT    NOT NULL REFERENCES rest_apis (id) ON DELETE CASCADE,
        response_type TEXT    NOT NULL,
        position      INTEGER NOT NULL,
        body          TEXT    NOT NULL,
        PRIMARY KEY (api_id, response_type)
    ) WITHOUT ROWID;

    CREATE TABLE authorizers (
        api_id   TEXT    NOT NULL REFERENCES rest_apis (id) ON DELETE CASCADE,
        id       TEXT    NOT NULL,
        position INTEGER NOT NULL,
        name     TEXT    NOT NULL,
        body     TEXT    NOT NULL,
        PRIMARY KEY (api_id, id)
    ) WITHOUT ROWID;

    -- Immutable snapshots. `seq` orders the deployments of one API, oldest first.
    CREATE TABLE deployments (
        api_id       TEXT    NOT NULL REFERENCES rest_apis (id) ON DELETE CASCADE,
        id           TEXT    NOT NULL,
        seq          INTEGER NOT NULL,
        created_date INTEGER NOT NULL,
        body         TEXT    NOT NULL, -- the Deployment
        definition   TEXT    NOT NULL, -- the frozen ApiDefinition
        PRIMARY KEY (api_id, id)
    ) WITHOUT ROWID;

    -- A stage cannot point at a deployment that does not exist (nor can a deployment in use be
    -- deleted).
    CREATE TABLE stages (
        api_id        TEXT NOT NULL REFERENCES rest_apis (id) ON DELETE CASCADE,
        stage_name    TEXT NOT NULL,
        deployment_id TEXT NOT NULL,
        body          TEXT NOT NULL, -- the Stage
        PRIMARY KEY (api_id, stage_name),
        FOREIGN KEY (api_id, deployment_id) REFERENCES deployments (api_id, id)
    ) WITHOUT ROWID;
    CREATE INDEX stages_by_deployment ON stages (api_id, deployment_id);
    "#,
    // 2: custom domain names and their base path mappings.
    r#"
    CREATE TABLE domain_names (
        name TEXT NOT NULL PRIMARY KEY,
        body TEXT NOT NULL -- the DomainName
    ) WITHOUT ROWID;

    CREATE TABLE base_path_mappings (
        domain_name TEXT NOT NULL REFERENCES domain_names (name) ON DELETE CASCADE,
        base_path   TEXT NOT NULL,
        api_id      TEXT NOT NULL REFERENCES rest_apis (id) ON DELETE CASCADE,
        body        TEXT NOT NULL, -- the BasePathMapping
        PRIMARY KEY (domain_name, base_path)
    ) WITHOUT ROWID;
    "#,
    // 3: functions of the embedded function host.
    r#"
    CREATE TABLE functions (
        name TEXT NOT NULL PRIMARY KEY,
        body TEXT NOT NULL -- the FunctionDefinition
    ) WITHOUT ROWID;
    "#,
    // 4: API keys, usage plans, their keys, and metered usage.
    r#"
    CREATE TABLE api_keys (
        seq   INTEGER PRIMARY KEY AUTOINCREMENT,
        id    TEXT NOT NULL UNIQUE,
        value TEXT NOT NULL UNIQUE,
        body  TEXT NOT NULL -- the ApiKey
    );

    CREATE TABLE usage_plans (
        seq  INTEGER PRIMARY KEY AUTOINCREMENT,
        id   TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL -- the UsagePlan
    );

    CREATE TABLE usage_plan_keys (
        plan_id TEXT NOT NULL REFERENCES usage_plans (id) ON DELETE CASCADE,
        key_id  TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
        PRIMARY KEY (plan_id, key_id)
    ) WITHOUT ROWID;

    -- Requests per plan, key and UTC day. Not part of the revision: metering does not change
    -- what the data plane serves.
    CREATE TABLE usage (
        plan_id TEXT    NOT NULL,
        key_id  TEXT    NOT NULL,
        day     TEXT    NOT NULL, -- YYYY-MM-DD
        used    INTEGER NOT NULL,
        PRIMARY KEY (plan_id, key_id, day)
    ) WITHOUT ROWID;
    "#,
    // 5: account-wide settings (GetAccount / UpdateAccount).
    r#"
    CREATE TABLE account (
        id   INTEGER PRIMARY KEY CHECK (id = 1),
        body TEXT NOT NULL -- the AccountSettings
    );
    "#,
    // 6: client certificates (with their private keys) and VPC links.
    r#"
    CREATE TABLE client_certificates (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        id          TEXT NOT NULL UNIQUE,
        private_key TEXT NOT NULL, -- PEM; kept out of the body, which the management API shows
        body        TEXT NOT NULL  -- the ClientCertificate
    );

    CREATE TABLE vpc_links (
        seq  INTEGER PRIMARY KEY AUTOINCREMENT,
        id   TEXT NOT NULL UNIQUE,
        body TEXT NOT NULL -- the VpcLink
    );
    "#,
    // 7: UpdateUsage's quota extensions: what a key's remaining count was moved by in one quota
    // window (remaining = limit - used + credit), so a restart keeps the extension.
    r#"
    CREATE TABLE usage_credits (
        plan_id      TEXT    NOT NULL REFERENCES usage_plans (id) ON DELETE CASCADE,
        key_id       TEXT    NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
        since        TEXT    NOT NULL, -- YYYY-MM-DD: the day it was set; it lasts to the end of its window
        credit       INTEGER NOT NULL,
        PRIMARY KEY (plan_id, key_id)
    ) WITHOUT ROWID;
    "#,
];

/// The schema version this binary writes.
pub(crate) fn latest_version() -> u32 {
    MIGRATIONS.len() as u32
}

fn schema_version(conn: &Connection) -> Result<u32, StoreError> {
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(|e| StoreError::Backend(format!("reading the schema version: {e}")))?;
    u32::try_from(v).map_err(|_| StoreError::Backend(format!("invalid schema version {v}")))
}

fn too_new(found: u32, known: u32) -> StoreError {
    StoreError::Backend(format!(
        "the database schema version is {found}, but this Tollgate only knows versions up to \
         {known}; it was written by a newer Tollgate, so upgrade Tollgate (or use another data \
         directory)"
    ))
}

/// Brings the database up to the last of `migrations`; returns the resulting version. Refuses a
/// database whose version is higher than `migrations.len()`.
pub(crate) fn migrate(conn: &mut Connection, migrations: &[&str]) -> Result<u32, StoreError> {
    let known = migrations.len() as u32;
    let mut version = schema_version(conn)?;
    if version > known {
        return Err(too_new(version, known));
    }
    while version < known {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| StoreError::Backend(format!("starting a schema migration: {e}")))?;
        // Another process may have migrated while we waited for the write lock.
        let current = schema_version(&tx)?;
        if current > known {
            return Err(too_new(current, known));
        }
        if current != version {
            version = current;
            continue;
        }
        let target = version + 1;
        tx.execute_batch(migrations[version as usize])
            .map_err(|e| StoreError::Backend(format!("applying schema migration {target}: {e}")))?;
        tx.pragma_update(None, "user_version", target)
            .map_err(|e| StoreError::Backend(format!("recording schema version {target}: {e}")))?;
        tx.commit().map_err(|e| {
            StoreError::Backend(format!("committing schema migration {target}: {e}"))
        })?;
        version = target;
    }
    Ok(version)
}
