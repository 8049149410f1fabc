//! API keys, usage plans, plan keys and usage through the SDK, and what the data plane makes of
//! them.

use std::time::{Duration, Instant};

use aws_sdk_apigateway::error::ProvideErrorMetadata;
use aws_sdk_apigateway::types::{
    ApiStage, Op, PatchOperation, QuotaPeriodType, QuotaSettings, ThrottleSettings,
};
use serde_json::json;

use crate::common::{self, Served};
use crate::sdk::client;

fn keyed_api() -> serde_json::Value {
    let mut keyed = common::mock(200, "{\"key\":\"$context.identity.apiKeyId\"}");
    keyed["security"] = json!([{"api_key": []}]);
    json!({
        "openapi": "3.0.1",
        "info": {"title": "managed", "version": "1"},
        "components": {"securitySchemes": {
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}
        }},
        "paths": {"/keyed": {"get": keyed}}
    })
}

/// GETs `/keyed` with `key` until the status is `want` (the server polls the store).
async fn keyed_until(served: &Served, key: &str, want: u16) -> common::Reply {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = served
            .http
            .send(
                http::Method::GET,
                &served.url("/keyed"),
                &[("x-api-key", key)],
                "",
            )
            .await;
        if r.status == want || Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn api_keys_through_the_sdk() {
    let served = Served::start(&keyed_api(), "managed");
    let sdk = client(&served);

    // AWS creates keys disabled unless told otherwise; the value comes back on create only.
    let created = sdk
        .create_api_key()
        .name("partner-a")
        .description("first partner")
        .value("partner-a-key-0123456789")
        .customer_id("cust-1")
        .send()
        .await
        .expect("created");
    let id = created.id().expect("id").to_owned();
    assert_eq!(id.len(), 10);
    assert_eq!(created.value(), Some("partner-a-key-0123456789"));
    assert!(!created.enabled());
    assert_eq!(created.customer_id(), Some("cust-1"));
    assert!(created.created_date().is_some());

    let got = sdk.get_api_key().api_key(&id).send().await.expect("got");
    assert_eq!((got.name(), got.value()), (Some("partner-a"), None));
    let got = sdk
        .get_api_key()
        .api_key(&id)
        .include_value(true)
        .send()
        .await
        .expect("got");
    assert_eq!(got.value(), Some("partner-a-key-0123456789"));

    let other = sdk
        .create_api_key()
        .name("other")
        .enabled(true)
        .send()
        .await
        .expect("created");
    assert_eq!(other.value().map(str::len), Some(40), "a generated value");
    let listed = sdk
        .get_api_keys()
        .name_query("partner")
        .include_values(true)
        .send()
        .await
        .expect("listed");
    let names: Vec<_> = listed.items().iter().filter_map(|k| k.name()).collect();
    assert_eq!(names, ["partner-a"]);
    assert_eq!(listed.items()[0].value(), Some("partner-a-key-0123456789"));
    assert_eq!(sdk.get_api_keys().send().await.unwrap().items().len(), 2);

    let updated = sdk
        .update_api_key()
        .api_key(&id)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/enabled")
                .value("true")
                .build(),
        )
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/name")
                .value("partner-b")
                .build(),
        )
        .send()
        .await
        .expect("updated");
    assert!(updated.enabled());
    assert_eq!(updated.name(), Some("partner-b"));

    // AWS's errors, as the SDK parses them.
    let e = sdk
        .get_api_key()
        .api_key("nope000000")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NotFoundException"));
    assert_eq!(e.message(), Some("Invalid API Key identifier specified"));
    let e = sdk
        .create_api_key()
        .name("short")
        .value("too-short")
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("BadRequestException"));
    assert_eq!(
        e.message(),
        Some("API Key value should be at least 20 characters")
    );
    let e = sdk
        .update_api_key()
        .api_key(&id)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/value")
                .value("x")
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("BadRequestException"));
    assert_eq!(e.message(), Some("Invalid patch path /value"));

    sdk.delete_api_key()
        .api_key(other.id().unwrap())
        .send()
        .await
        .expect("deleted");
    let e = sdk
        .get_api_key()
        .api_key(other.id().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NotFoundException"));
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_plans_keys_and_usage_through_the_sdk() {
    let served = Served::start(&keyed_api(), "managed");
    let sdk = client(&served);
    let key = sdk
        .create_api_key()
        .name("metered")
        .enabled(true)
        .value("metered-key-0123456789")
        .send()
        .await
        .expect("key");
    let key_id = key.id().unwrap().to_owned();

    let e = sdk
        .create_usage_plan()
        .name("ghost")
        .api_stages(
            ApiStage::builder()
                .api_id("nope000000")
                .stage("prod")
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("BadRequestException"), "{e:?}");

    let plan = sdk
        .create_usage_plan()
        .name("gold")
        .description("two a day")
        .api_stages(ApiStage::builder().api_id(&served.id).stage("prod").build())
        .throttle(
            ThrottleSettings::builder()
                .rate_limit(100.0)
                .burst_limit(50)
                .build(),
        )
        .quota(
            QuotaSettings::builder()
                .limit(2)
                .period(QuotaPeriodType::Day)
                .build(),
        )
        .send()
        .await
        .expect("plan");
    let plan_id = plan.id().unwrap().to_owned();
    assert_eq!(plan_id.len(), 6);
    assert_eq!(plan.quota().map(|q| q.limit()), Some(2));
    assert_eq!(plan.throttle().map(|t| t.burst_limit()), Some(50));
    assert_eq!(plan.api_stages()[0].stage(), Some("prod"));

    // Not in a plan yet: AWS's 403.
    let r = keyed_until(&served, "metered-key-0123456789", 403).await;
    assert_eq!(r.text(), r#"{"message":"Forbidden"}"#);

    let member = sdk
        .create_usage_plan_key()
        .usage_plan_id(&plan_id)
        .key_id(&key_id)
        .key_type("API_KEY")
        .send()
        .await
        .expect("plan key");
    assert_eq!(
        (member.id(), member.r#type(), member.name(), member.value()),
        (
            Some(key_id.as_str()),
            Some("API_KEY"),
            Some("metered"),
            Some("metered-key-0123456789")
        )
    );
    let members = sdk
        .get_usage_plan_keys()
        .usage_plan_id(&plan_id)
        .send()
        .await
        .unwrap();
    assert_eq!(members.items().len(), 1);
    let plans = sdk.get_usage_plans().key_id(&key_id).send().await.unwrap();
    assert_eq!(plans.items().len(), 1);
    assert_eq!(plans.items()[0].name(), Some("gold"));

    // The gateway picks the membership up: two requests a day, then "Limit Exceeded".
    assert_eq!(
        keyed_until(&served, "metered-key-0123456789", 200)
            .await
            .status,
        200
    );
    assert_eq!(
        keyed_until(&served, "metered-key-0123456789", 200)
            .await
            .status,
        200
    );
    let r = keyed_until(&served, "metered-key-0123456789", 429).await;
    assert_eq!(r.text(), r#"{"message":"Limit Exceeded"}"#);

    // UpdateUsagePlan: raise the quota; the running gateway follows.
    let updated = sdk
        .update_usage_plan()
        .usage_plan_id(&plan_id)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/quota/limit")
                .value("5")
                .build(),
        )
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/description")
                .value("five a day")
                .build(),
        )
        .send()
        .await
        .expect("updated");
    assert_eq!(updated.quota().map(|q| q.limit()), Some(5));
    assert_eq!(updated.description(), Some("five a day"));
    assert_eq!(
        keyed_until(&served, "metered-key-0123456789", 200)
            .await
            .status,
        200
    );

    // GetUsage, once the metering has been flushed to the store.
    let today = time::OffsetDateTime::now_utc().date();
    let day = format!(
        "{:04}-{:02}-{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    let usage = loop {
        let usage = sdk
            .get_usage()
            .usage_plan_id(&plan_id)
            .start_date(&day)
            .end_date(&day)
            .send()
            .await
            .expect("usage");
        let used = usage
            .items()
            .and_then(|m| m.get(&key_id))
            .and_then(|days| days.first())
            .and_then(|d| d.first().copied());
        if used == Some(3) || Instant::now() > deadline {
            break usage;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(usage.usage_plan_id(), Some(plan_id.as_str()));
    assert_eq!(
        usage.items().and_then(|m| m.get(&key_id)),
        Some(&vec![vec![3, 2]])
    );

    sdk.delete_usage_plan_key()
        .usage_plan_id(&plan_id)
        .key_id(&key_id)
        .send()
        .await
        .expect("removed");
    assert_eq!(
        keyed_until(&served, "metered-key-0123456789", 403)
            .await
            .status,
        403
    );
    let e = sdk
        .get_usage_plan_key()
        .usage_plan_id(&plan_id)
        .key_id(&key_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NotFoundException"));
    sdk.delete_usage_plan()
        .usage_plan_id(&plan_id)
        .send()
        .await
        .expect("deleted");
    let e = sdk
        .get_usage_plan()
        .usage_plan_id(&plan_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (e.code(), e.message()),
        (
            Some("NotFoundException"),
            Some("Invalid Usage Plan ID specified")
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn api_keys_are_imported_from_csv_through_the_sdk() {
    use aws_sdk_apigateway::primitives::Blob;
    use aws_sdk_apigateway::types::ApiKeysFormat;
    let served = Served::start(&keyed_api(), "managed");
    let sdk = client(&served);
    let csv = "Name,Key,Description,Enabled\n\
               imported-1,imported-key-value-000001,first,true\n\
               imported-2,short,,true\n";
    let imported = sdk
        .import_api_keys()
        .body(Blob::new(csv))
        .format(ApiKeysFormat::Csv)
        .send()
        .await
        .expect("imported");
    assert_eq!(imported.ids().len(), 1);
    assert_eq!(
        imported.warnings(),
        ["line 3: the key must be 20 to 128 characters"]
    );
    let key = sdk
        .get_api_key()
        .api_key(&imported.ids()[0])
        .include_value(true)
        .send()
        .await
        .expect("stored");
    assert_eq!(
        (key.name(), key.value(), key.enabled()),
        (Some("imported-1"), Some("imported-key-value-000001"), true)
    );
    // With failOnWarnings nothing is imported.
    let e = sdk
        .import_api_keys()
        .body(Blob::new(csv.replace(
            "imported-1,imported-key-value-000001",
            "again,another-key-value-0000002",
        )))
        .format(ApiKeysFormat::Csv)
        .fail_on_warnings(true)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("BadRequestException"));
    assert_eq!(sdk.get_api_keys().send().await.unwrap().items().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_management_requests_get_awss_errors_and_change_nothing() {
    let served = Served::start(&keyed_api(), "managed");
    let url = |path: &str| format!("http://{}{path}", served.server.admin);
    let post = |path: &str, body: &'static str| {
        let (http, url) = (&served.http, url(path));
        async move {
            http.send(
                http::Method::POST,
                &url,
                &[("content-type", "application/json")],
                body,
            )
            .await
        }
    };
    // Not JSON, and JSON of the wrong type: SerializationException, nothing stored.
    for body in ["{\"name\": ", "{\"name\": 7}", "[1]"] {
        let r = post("/apikeys", body).await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.header("x-amzn-ErrorType"), Some("SerializationException"));
        assert!(r.json()["message"].is_string());
    }
    let r = post(
        "/usageplans",
        "{\"name\": \"p\", \"quota\": {\"limit\": 5, \"period\": \"YEAR\"}}",
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.header("x-amzn-ErrorType"), Some("BadRequestException"));
    let r = post(
        "/usageplans",
        "{\"name\": \"p\", \"quota\": {\"limit\": 5, \"period\": \"DAY\", \"offset\": 2}}",
    )
    .await;
    assert_eq!(r.status, 400);
    let r = post(
        "/usageplans/nope00/keys",
        "{\"keyId\": \"x\", \"keyType\": \"API_KEY\"}",
    )
    .await;
    assert_eq!(
        (r.status.as_u16(), r.json()),
        (404, json!({"message": "Invalid Usage Plan ID specified"}))
    );
    // An operation that does not exist.
    let r = served
        .http
        .send(http::Method::PUT, &url("/apikeys"), &[], "")
        .await;
    assert_eq!(r.status, 404);
    let sdk = client(&served);
    assert!(sdk.get_api_keys().send().await.unwrap().items().is_empty());
    assert!(
        sdk.get_usage_plans()
            .send()
            .await
            .unwrap()
            .items()
            .is_empty()
    );
}

/// One request with the key, no retries (each one counts against the quota).
async fn keyed_once(served: &Served, key: &str) -> u16 {
    served
        .http
        .send(
            http::Method::GET,
            &served.url("/keyed"),
            &[("x-api-key", key)],
            "",
        )
        .await
        .status
        .as_u16()
}

/// One key's `[used, remaining]` rows of a Usage answer (empty when the key is absent).
fn days_of(
    items: Option<&std::collections::HashMap<String, Vec<Vec<i64>>>>,
    key: &str,
) -> Vec<Vec<i64>> {
    items.and_then(|m| m.get(key)).cloned().unwrap_or_default()
}

/// GetUsage of one key on one day.
async fn usage_on(
    sdk: &aws_sdk_apigateway::Client,
    plan: &str,
    key: &str,
    day: &str,
) -> Vec<Vec<i64>> {
    let usage = sdk
        .get_usage()
        .usage_plan_id(plan)
        .start_date(day)
        .end_date(day)
        .send()
        .await
        .expect("usage");
    days_of(usage.items(), key)
}

fn replace_remaining(value: &str) -> PatchOperation {
    PatchOperation::builder()
        .op(Op::Replace)
        .path("/remaining")
        .value(value)
        .build()
}

#[tokio::test(flavor = "multi_thread")]
async fn update_usage_moves_the_remaining_quota_now_and_after_a_restart() {
    let mut served = Served::start(&keyed_api(), "managed");
    let sdk = client(&served);
    let value = "extended-key-0123456789";
    let key_id = sdk
        .create_api_key()
        .name("extended")
        .enabled(true)
        .value(value)
        .send()
        .await
        .expect("key")
        .id()
        .unwrap()
        .to_owned();
    let daily = |limit| {
        QuotaSettings::builder()
            .limit(limit)
            .period(QuotaPeriodType::Day)
            .build()
    };
    let plan_id = sdk
        .create_usage_plan()
        .name("two a day")
        .api_stages(ApiStage::builder().api_id(&served.id).stage("prod").build())
        .quota(daily(2))
        .send()
        .await
        .expect("plan")
        .id()
        .unwrap()
        .to_owned();
    sdk.create_usage_plan_key()
        .usage_plan_id(&plan_id)
        .key_id(&key_id)
        .key_type("API_KEY")
        .send()
        .await
        .expect("plan key");
    assert_eq!(keyed_until(&served, value, 200).await.status, 200);
    assert_eq!(keyed_once(&served, value).await, 200);
    assert_eq!(keyed_until(&served, value, 429).await.status, 429);

    // Three more today: the answer is the key's usage in the current window, and the running
    // gateway admits exactly three more requests at once.
    let today = time::OffsetDateTime::now_utc().date();
    let day = format!(
        "{:04}-{:02}-{:02}",
        today.year(),
        u8::from(today.month()),
        today.day()
    );
    let usage = sdk
        .update_usage()
        .usage_plan_id(&plan_id)
        .key_id(&key_id)
        .patch_operations(replace_remaining("3"))
        .send()
        .await
        .expect("update usage");
    assert_eq!(usage.usage_plan_id(), Some(plan_id.as_str()));
    assert_eq!(
        (usage.start_date(), usage.end_date()),
        (Some(&*day), Some(&*day))
    );
    assert_eq!(
        usage.items().and_then(|m| m.get(&key_id)),
        Some(&vec![vec![2, 3]])
    );
    for n in 1..=3 {
        assert_eq!(keyed_once(&served, value).await, 200, "request {n}");
    }
    assert_eq!(keyed_once(&served, value).await, 429);
    assert_eq!(
        usage_on(&sdk, &plan_id, &key_id, &day).await,
        vec![vec![5, 0]]
    );

    // One more, then a restart: the extension is stored, not only in the live counters.
    let usage = sdk
        .update_usage()
        .usage_plan_id(&plan_id)
        .key_id(&key_id)
        .patch_operations(replace_remaining("1"))
        .send()
        .await
        .expect("update usage");
    assert_eq!(days_of(usage.items(), &key_id), vec![vec![5, 1]]);
    served.server.terminate();
    let api = served._dir.path().join("api.json");
    served.server = common::Tollgate::start(
        &served._dir.path().join("data"),
        &["--api", api.to_str().unwrap(), "--stage", "prod"],
    );
    let sdk = client(&served);
    assert_eq!(keyed_until(&served, value, 200).await.status, 200);
    assert_eq!(keyed_once(&served, value).await, 429);
    assert_eq!(
        usage_on(&sdk, &plan_id, &key_id, &day).await,
        vec![vec![6, 0]]
    );

    // What UpdateUsage refuses.
    let refused = |op: Op, value: &str| {
        sdk.update_usage()
            .usage_plan_id(&plan_id)
            .key_id(&key_id)
            .patch_operations(
                PatchOperation::builder()
                    .op(op)
                    .path("/remaining")
                    .value(value)
                    .build(),
            )
            .send()
    };
    let e = refused(Op::Replace, "lots").await.unwrap_err();
    assert_eq!(
        (e.code(), e.message()),
        (
            Some("BadRequestException"),
            Some("Invalid value 'lots' for patch path /remaining")
        )
    );
    let e = refused(Op::Replace, "-1").await.unwrap_err();
    assert_eq!(e.code(), Some("BadRequestException"), "{e:?}");
    let e = refused(Op::Add, "1").await.unwrap_err();
    assert_eq!(
        (e.code(), e.message()),
        (
            Some("BadRequestException"),
            Some(
                "Invalid patch path  '/remaining' specified for op 'add'. Please choose supported operations"
            )
        )
    );
    // Nothing changed: still none left.
    assert_eq!(keyed_once(&served, value).await, 429);
    let unlimited = sdk
        .create_usage_plan()
        .name("no quota")
        .send()
        .await
        .expect("plan")
        .id()
        .unwrap()
        .to_owned();
    sdk.create_usage_plan_key()
        .usage_plan_id(&unlimited)
        .key_id(&key_id)
        .key_type("API_KEY")
        .send()
        .await
        .expect("plan key");
    let e = sdk
        .update_usage()
        .usage_plan_id(&unlimited)
        .key_id(&key_id)
        .patch_operations(replace_remaining("1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (
            e.code(),
            e.message().map(|m| m.ends_with("does not have a quota"))
        ),
        (Some("BadRequestException"), Some(true)),
        "{e:?}"
    );
    let e = sdk
        .update_usage()
        .usage_plan_id(&plan_id)
        .key_id(&key_id)
        .patch_operations(
            PatchOperation::builder()
                .op(Op::Replace)
                .path("/used")
                .value("1")
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (e.code(), e.message()),
        (
            Some("BadRequestException"),
            Some("Invalid patch path /used")
        )
    );
    let e = sdk
        .update_usage()
        .usage_plan_id(&plan_id)
        .key_id("nokey00000")
        .patch_operations(replace_remaining("1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("NotFoundException"), "{e:?}");
    let e = sdk
        .update_usage()
        .usage_plan_id("noplan")
        .key_id(&key_id)
        .patch_operations(replace_remaining("1"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        (e.code(), e.message()),
        (
            Some("NotFoundException"),
            Some("Invalid Usage Plan ID specified")
        )
    );
}
