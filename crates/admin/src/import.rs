//! ImportApiKeys: AWS's API key CSV (shared by `POST /apikeys?mode=import` and `tollgate keys
//! import`).

use std::collections::{BTreeMap, BTreeSet};

use http::StatusCode;
use tollgate_model::{ApiKey, now_epoch_seconds};
use tollgate_store::{SqliteStore, Store};

use crate::quotas::{Quota, Quotas};
use crate::{ApiError, Call, Reply};

/// One row of AWS's API key CSV.
#[derive(Debug, PartialEq)]
pub struct KeyRow {
    pub name: String,
    pub value: String,
    pub description: Option<String>,
    pub enabled: bool,
    pub plans: Vec<String>,
}

/// Parses AWS's API key import CSV: a header row with case-insensitive columns in any order;
/// `Key` and `Name` required, `Description`, `Enabled` (default true) and `UsagePlanIds` (a
/// comma-separated list, quoted) optional. Bad rows are skipped with a warning.
pub fn parse_key_csv(bytes: &[u8]) -> (Vec<KeyRow>, Vec<String>) {
    let mut warnings = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h.iter().map(str::to_ascii_lowercase).collect::<Vec<_>>(),
        Err(e) => return (Vec::new(), vec![format!("unreadable header row: {e}")]),
    };
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(key_col), Some(name_col)) = (col("key"), col("name")) else {
        return (
            Vec::new(),
            vec!["the header row must have Key and Name columns".to_owned()],
        );
    };
    let (desc_col, enabled_col, plans_col) =
        (col("description"), col("enabled"), col("usageplanids"));
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                warnings.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let field = |c: Option<usize>| c.and_then(|c| record.get(c)).filter(|v| !v.is_empty());
        let (Some(value), Some(name)) = (field(Some(key_col)), field(Some(name_col))) else {
            warnings.push(format!("line {line}: Key and Name are required"));
            continue;
        };
        if !ApiKey::valid_value(value) {
            warnings.push(format!("line {line}: the key must be 20 to 128 characters"));
            continue;
        }
        let enabled = match field(enabled_col).map(str::to_ascii_lowercase).as_deref() {
            None | Some("true") => true,
            Some("false") => false,
            Some(other) => {
                warnings.push(format!(
                    "line {line}: Enabled must be true or false, not {other}"
                ));
                continue;
            }
        };
        rows.push(KeyRow {
            name: name.to_owned(),
            value: value.to_owned(),
            description: field(desc_col).map(str::to_owned),
            enabled,
            plans: field(plans_col)
                .map(|p| {
                    p.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    (rows, warnings)
}

/// Stores imported keys: a row whose value already exists overwrites that key (as AWS's import
/// does). Returns the ids.
pub async fn import_keys(store: &SqliteStore, rows: Vec<KeyRow>) -> Result<Vec<String>, ApiError> {
    let existing = store.list_api_keys().await?;
    let mut ids = Vec::new();
    for row in rows {
        let now = now_epoch_seconds();
        let id = match existing.iter().find(|k| k.value == row.value) {
            Some(old) => {
                let key = ApiKey {
                    name: row.name,
                    description: row.description,
                    enabled: row.enabled,
                    last_updated_date: now,
                    ..old.clone()
                };
                store.update_api_key(&key).await?;
                key.id
            }
            None => {
                let key = crate::keys::new_key(
                    row.name,
                    Some(row.value),
                    row.description,
                    None,
                    row.enabled,
                )?;
                store.create_api_key(&key).await?;
                key.id
            }
        };
        for plan in &row.plans {
            match store.add_usage_plan_key(plan, &id).await {
                Ok(()) | Err(tollgate_store::StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
        ids.push(id);
    }
    Ok(ids)
}

/// Refuses a whole import that would take the API keys, or a key's usage plans, past their
/// quotas. Counted right before the writes, not in their transaction.
async fn check_quotas(
    store: &SqliteStore,
    quotas: &Quotas,
    rows: &[KeyRow],
) -> Result<(), ApiError> {
    let existing = store.list_api_keys().await?;
    let members = store.all_usage_plan_keys().await?;
    let mut new_values = BTreeSet::new();
    // A value imported twice is one key, in the plans of both rows.
    let mut plans_of: BTreeMap<&str, (usize, BTreeSet<&str>)> = BTreeMap::new();
    for row in rows {
        let (before, plans) = plans_of.entry(&row.value).or_insert_with(|| {
            match existing.iter().find(|k| k.value == row.value) {
                Some(key) => {
                    let plans: BTreeSet<&str> = members
                        .iter()
                        .filter(|(_, k)| *k == key.id)
                        .map(|(plan, _)| plan.as_str())
                        .collect();
                    (plans.len(), plans)
                }
                None => {
                    new_values.insert(row.value.as_str());
                    (0, BTreeSet::new())
                }
            }
        });
        plans.extend(row.plans.iter().map(String::as_str));
        quotas.allow(Quota::UsagePlansPerApiKey, *before, plans.len())?;
    }
    quotas.allow(
        Quota::ApiKeys,
        existing.len(),
        existing.len() + new_values.len(),
    )
}

/// POST `/apikeys?mode=import&format=csv[&failonwarnings=true]` with the CSV as the body → 201
/// `{"ids": [...], "warnings": [...]}`. With `failonwarnings`, a file with warnings imports
/// nothing; nor does one past the API keys quota or a key's usage plans quota.
pub(crate) async fn handle(
    store: &SqliteStore,
    quotas: &Quotas,
    call: &Call<'_>,
) -> Result<Reply, ApiError> {
    if !call
        .param("format")
        .is_some_and(|f| f.eq_ignore_ascii_case("csv"))
    {
        return Err(ApiError::bad(
            "Invalid format specified. Must be one of: csv",
        ));
    }
    let (rows, warnings) = parse_key_csv(call.body);
    if call.flag("failonwarnings") && !warnings.is_empty() {
        return Err(ApiError::bad(format!(
            "Nothing imported; the file has warnings: {}",
            warnings.join("; ")
        )));
    }
    check_quotas(store, quotas, &rows).await?;
    let ids = import_keys(store, rows).await?;
    Ok(Reply::json(
        StatusCode::CREATED,
        &serde_json::json!({ "ids": ids, "warnings": warnings }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_key_csv() {
        let csv = "name,key,description,Enabled,usageplanIds\n\
                   first,abcdefghij0123456789xyz,desc,TRUE,\"p1, p2\"\n\
                   second,short,,true,\n\
                   third,zzzzzzzzzzzzzzzzzzzzzzzz,,,\n";
        let (rows, warnings) = parse_key_csv(csv.as_bytes());
        assert_eq!(
            rows,
            [
                KeyRow {
                    name: "first".into(),
                    value: "abcdefghij0123456789xyz".into(),
                    description: Some("desc".into()),
                    enabled: true,
                    plans: vec!["p1".into(), "p2".into()],
                },
                KeyRow {
                    name: "third".into(),
                    value: "zzzzzzzzzzzzzzzzzzzzzzzz".into(),
                    description: None,
                    enabled: true,
                    plans: vec![],
                },
            ]
        );
        assert_eq!(warnings, ["line 3: the key must be 20 to 128 characters"]);
        let (rows, warnings) = parse_key_csv(b"Description\nx\n");
        assert!(rows.is_empty());
        assert_eq!(warnings, ["the header row must have Key and Name columns"]);
    }
}
