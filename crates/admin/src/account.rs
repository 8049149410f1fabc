//! GetAccount and UpdateAccount (`/account`): the CloudWatch role, the account's features and
//! the account throttle this gateway enforces (`serve --account-rate/--account-burst`).

use http::{Method as Verb, StatusCode};
use serde_json::json;
use tollgate_model::AccountSettings;
use tollgate_store::{SqliteStore, Store};

use crate::patch::PatchBody;
use crate::{AccountThrottle, ApiError, Call, Reply};

/// Routes `/account`.
pub(crate) async fn route(
    store: &SqliteStore,
    throttle: AccountThrottle,
    call: &Call<'_>,
) -> Option<Result<Reply, ApiError>> {
    let m = call.method;
    Some(if m == Verb::GET {
        get(store, throttle).await
    } else if m == Verb::PATCH {
        update(store, throttle, call).await
    } else {
        return None;
    })
}

fn shown(account: &AccountSettings, throttle: AccountThrottle) -> serde_json::Value {
    // Accounts created since usage plans exist all have the feature.
    let features = if account.features.is_empty() {
        vec!["UsagePlans".to_owned()]
    } else {
        account.features.clone()
    };
    let mut v = json!({
        "throttleSettings": {"burstLimit": throttle.burst, "rateLimit": throttle.rate},
        "features": features,
        "apiKeyVersion": "4",
    });
    if let Some(arn) = &account.cloudwatch_role_arn {
        v["cloudwatchRoleArn"] = json!(arn);
    }
    v
}

async fn get(store: &SqliteStore, throttle: AccountThrottle) -> Result<Reply, ApiError> {
    let account = store.get_account().await?;
    Ok(Reply::json(StatusCode::OK, &shown(&account, throttle)))
}

/// PATCH `/account`: replace `/cloudwatchRoleArn`, add `/features` (`UsagePlans`).
async fn update(
    store: &SqliteStore,
    throttle: AccountThrottle,
    call: &Call<'_>,
) -> Result<Reply, ApiError> {
    let body: PatchBody = call.json()?;
    body.check_ops("updateAccountInput")?;
    let mut account = store.get_account().await?;
    for op in &body.patch_operations {
        match op.path.as_str() {
            "/cloudwatchRoleArn" => {
                op.require("replace")?;
                let arn = op.optional_value();
                if let Some(a) = &arn
                    && !(a.starts_with("arn:aws:iam::") && a.contains(":role/"))
                {
                    return Err(ApiError::bad(format!(
                        "The role ARN is not well formed: {a}"
                    )));
                }
                account.cloudwatch_role_arn = arn;
            }
            "/features" => {
                op.require("add")?;
                let feature = op.value()?;
                if feature != "UsagePlans" {
                    return Err(ApiError::bad(format!(
                        "Invalid feature specified: {feature}"
                    )));
                }
                if !account.features.iter().any(|f| f == feature) {
                    account.features.push(feature.to_owned());
                }
            }
            _ => return Err(op.invalid_path()),
        }
    }
    store.put_account(&account).await?;
    Ok(Reply::json(StatusCode::OK, &shown(&account, throttle)))
}
