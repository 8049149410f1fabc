//! Access control and metering as a client sees it, on a real `tollgate serve`: API keys and
//! usage plans created with the CLI while the server runs.

mod common;

use std::time::{Duration, Instant};

use common::{Served, Tollgate};
use serde_json::{Value, json};

fn api() -> Value {
    let mut keyed = common::mock(200, "{\"key\":\"$context.identity.apiKeyId\"}");
    keyed["security"] = json!([{"api_key": []}]);
    json!({
        "openapi": "3.0.1",
        "info": {"title": "keyed", "version": "1"},
        "components": {"securitySchemes": {
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}
        }},
        "paths": {
            "/keyed": {"get": keyed},
            "/open": {"get": common::mock(200, "open")}
        }
    })
}

/// Runs `tollgate ARGS --data-dir DIR` and returns its stdout; panics with stderr on failure.
fn cli(served: &Served, args: &[&str]) -> String {
    let dir = served._dir.path().join("data");
    let mut all = args.to_vec();
    all.extend_from_slice(&["--data-dir", dir.to_str().unwrap()]);
    let out = common::tollgate(&all);
    assert!(
        out.status.success(),
        "tollgate {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// GETs `path` with `key` until the status is `want` (the server picks store changes up within
/// its poll interval), returning the last reply.
async fn until(served: &Served, path: &str, key: Option<&str>, want: u16) -> common::Reply {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let headers: Vec<(&str, &str)> = key.map(|k| vec![("x-api-key", k)]).unwrap_or_default();
        let r = served
            .http
            .send(http::Method::GET, &served.url(path), &headers, "")
            .await;
        if r.status == want || Instant::now() > deadline {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn api_keys_must_exist_be_enabled_and_be_in_a_plan_for_the_stage() {
    let served = Served::start(&api(), "keyed");
    // No key: AWS's 403.
    let r = until(&served, "/keyed", None, 403).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.text(), r#"{"message":"Forbidden"}"#);
    assert_eq!(r.header("x-amzn-ErrorType"), Some("ForbiddenException"));
    // Methods without apiKeyRequired need none.
    let r = until(&served, "/open", None, 200).await;
    assert_eq!(r.text(), "open");

    let key: Value = serde_json::from_str(&cli(
        &served,
        &["keys", "create", "--name", "alice", "--output", "json"],
    ))
    .unwrap();
    let (key_id, value) = (
        key["id"].as_str().unwrap().to_owned(),
        key["value"].as_str().unwrap().to_owned(),
    );
    assert!(key["enabled"].as_bool().unwrap());
    // A key in no plan for this stage is refused.
    let r = until(&served, "/keyed", Some(&value), 403).await;
    assert_eq!(r.text(), r#"{"message":"Forbidden"}"#);

    let stage = format!("{}:prod", served.id);
    let plan: Value = serde_json::from_str(&cli(
        &served,
        &[
            "plans", "create", "--name", "gold", "--stage", &stage, "--output", "json",
        ],
    ))
    .unwrap();
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    cli(&served, &["plans", "add-key", &plan_id, &key_id]);
    let r = until(&served, "/keyed", Some(&value), 200).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"key": key_id}));

    // Disabled: refused again; enabled: back.
    cli(&served, &["keys", "disable", &key_id]);
    let r = until(&served, "/keyed", Some(&value), 403).await;
    assert_eq!(r.status, 403);
    cli(&served, &["keys", "enable", &key_id]);
    assert_eq!(
        until(&served, "/keyed", Some(&value), 200).await.status,
        200
    );
    // A wrong value is refused, whatever its length.
    let r = until(&served, "/keyed", Some("x"), 403).await;
    assert_eq!(r.status, 403);

    // Values are listed only when asked for.
    let listed = cli(&served, &["keys", "list", "--output", "json"]);
    assert!(!listed.contains(&value), "{listed}");
    let listed = cli(
        &served,
        &["keys", "list", "--include-values", "--output", "json"],
    );
    assert!(listed.contains(&value), "{listed}");
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_are_imported_from_awss_csv() {
    let served = Served::start(&api(), "keyed");
    let stage = format!("{}:prod", served.id);
    let plan: Value = serde_json::from_str(&cli(
        &served,
        &[
            "plans", "create", "--name", "csv", "--stage", &stage, "--output", "json",
        ],
    ))
    .unwrap();
    let plan_id = plan["id"].as_str().unwrap();
    let csv = served._dir.path().join("keys.csv");
    std::fs::write(
        &csv,
        format!(
            "Name,Key,Enabled,UsagePlanIds\nimported,imported-key-0123456789,true,\"{plan_id}\"\nbad,short,true,\n"
        ),
    )
    .unwrap();
    let refused = common::tollgate(&[
        "keys",
        "import",
        csv.to_str().unwrap(),
        "--fail-on-warnings",
        "--data-dir",
        served._dir.path().join("data").to_str().unwrap(),
    ]);
    assert!(!refused.status.success());
    let out: Value = serde_json::from_str(&cli(
        &served,
        &["keys", "import", csv.to_str().unwrap(), "--output", "json"],
    ))
    .unwrap();
    assert_eq!(out["ids"].as_array().unwrap().len(), 1);
    assert_eq!(
        out["warnings"],
        json!(["line 3: the key must be 20 to 128 characters"])
    );
    let r = until(&served, "/keyed", Some("imported-key-0123456789"), 200).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

const AUTHORIZER_APP: &str = r#"
import json, os

CALLS = os.path.join(os.path.dirname(__file__), "calls.txt")

def token(event, context):
    with open(CALLS, "a") as f:
        f.write(event["authorizationToken"] + "\n")
    t = event["authorizationToken"]
    if t == "Bearer fail":
        raise Exception("Unauthorized")
    if t == "Bearer broken":
        return {"principalId": "x"}
    arn = event["methodArn"]
    base = arn.split("/")[0]
    effect = "Deny" if t == "Bearer deny" else "Allow"
    resource = base + "/*/GET/open-to-alice" if t == "Bearer narrow" else base + "/*"
    return {
        "principalId": "alice",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}]},
        "context": {"tenant": "t1", "level": 3, "admin": True},
    }

def usage_key(event, context):
    # "Bearer <key value>": the caller's API key comes from the authorizer, not x-api-key.
    return {
        "principalId": "metered",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}]},
        "usageIdentifierKey": event["authorizationToken"].split(" ", 1)[1],
    }

def request(event, context):
    ok = (event.get("queryStringParameters") or {}).get("pass") == "yes"
    return {
        "principalId": "req",
        "policyDocument": {"Version": "2012-10-17", "Statement": [
            {"Action": "execute-api:Invoke", "Effect": "Allow" if ok else "Deny", "Resource": event["methodArn"]}]},
        "context": {"resource": event["resource"], "type": event["type"]},
    }
"#;

fn authorizer_api(uri_of: impl Fn(&str) -> String) -> Value {
    let mut guarded = common::mock(
        200,
        "{\"principal\":\"$context.authorizer.principalId\",\"tenant\":\"$context.authorizer.tenant\",\"level\":\"$context.authorizer.level\"}",
    );
    guarded["security"] = json!([{"tok": []}]);
    let mut narrow = common::mock(200, "narrow ok");
    narrow["security"] = json!([{"tok": []}]);
    let mut by_request = common::mock(200, "{\"type\":\"$context.authorizer.type\"}");
    by_request["security"] = json!([{"req": []}]);
    json!({
        "openapi": "3.0.1",
        "info": {"title": "guarded", "version": "1"},
        "components": {"securitySchemes": {
            "tok": {"type": "apiKey", "name": "Authorization", "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {
                    "type": "token", "authorizerUri": uri_of("tokenauth"),
                    "identityValidationExpression": "Bearer .+",
                    "authorizerResultTtlInSeconds": 300}},
            "req": {"type": "apiKey", "name": "Unused", "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {
                    "type": "request", "authorizerUri": uri_of("requestauth"),
                    "identitySource": "method.request.querystring.pass",
                    "authorizerResultTtlInSeconds": 0}}
        }},
        "paths": {
            "/guarded": {"get": guarded},
            "/open-to-alice": {"get": narrow},
            "/by-request": {"get": by_request}
        }
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn lambda_authorizers_token_and_request() {
    let dir = tempfile::tempdir().unwrap();
    let code = dir.path().join("code");
    std::fs::create_dir_all(&code).unwrap();
    std::fs::write(code.join("app.py"), AUTHORIZER_APP).unwrap();
    let data = dir.path().join("data");
    for (name, handler) in [("tokenauth", "app.token"), ("requestauth", "app.request")] {
        let out = common::tollgate(&[
            "functions",
            "create",
            name,
            "--runtime",
            "python3.11",
            "--handler",
            handler,
            "--code",
            code.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let uri_of = |f: &str| {
        format!(
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:{f}/invocations"
        )
    };
    let file = common::write_definition(dir.path(), "guarded.json", &authorizer_api(uri_of));
    let server =
        common::Tollgate::start(&data, &["--api", file.to_str().unwrap(), "--stage", "prod"]);
    let id = server.api_id("guarded");
    let http = common::Http::default();
    let get = |path: &str, auth: Option<&'static str>| {
        let url = server.url(&id, "prod", path);
        let http = &http;
        async move {
            let headers: Vec<(&str, &str)> =
                auth.map(|a| vec![("Authorization", a)]).unwrap_or_default();
            http.send(http::Method::GET, &url, &headers, "").await
        }
    };
    let calls = || std::fs::read_to_string(code.join("calls.txt")).unwrap_or_default();

    // No token, or one that fails identityValidationExpression: 401 without calling the function.
    for auth in [None, Some("Basic abc")] {
        let r = get("/guarded", auth).await;
        assert_eq!(r.status, 401);
        assert_eq!(r.text(), r#"{"message":"Unauthorized"}"#);
        assert_eq!(r.header("x-amzn-ErrorType"), Some("UnauthorizedException"));
    }
    assert_eq!(calls(), "");

    let r = get("/guarded", Some("Bearer alice")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"principal": "alice", "tenant": "t1", "level": "3"})
    );
    // Cached: the function is not called again for the same token.
    assert_eq!(get("/guarded", Some("Bearer alice")).await.status, 200);
    assert_eq!(calls(), "Bearer alice\n");

    let r = get("/guarded", Some("Bearer deny")).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.text(),
        r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#
    );
    assert_eq!(r.header("x-amzn-ErrorType"), Some("AccessDeniedException"));
    // A cached policy naming one method denies the others.
    assert_eq!(
        get("/open-to-alice", Some("Bearer narrow")).await.status,
        200
    );
    let r = get("/guarded", Some("Bearer narrow")).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.text(),
        r#"{"Message":"User is not authorized to access this resource"}"#
    );
    let r = get("/guarded", Some("Bearer fail")).await;
    assert_eq!(
        (r.status.as_u16(), r.text()),
        (401, r#"{"message":"Unauthorized"}"#.to_owned())
    );
    let r = get("/guarded", Some("Bearer broken")).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.text(), r#"{"message":null}"#);
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("AuthorizerConfigurationException")
    );

    // REQUEST authorizer (no cache): the event carries the request.
    let r = get("/by-request?pass=yes", None).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"type": "REQUEST"}));
    assert_eq!(get("/by-request?pass=no", None).await.status, 403);
}

/// What the console's "Enable CORS" generates (reference section 12), as an import.
fn cors_api() -> Value {
    json!({
        "openapi": "3.0.1",
        "info": {"title": "cors", "version": "1"},
        "paths": {"/pets": {
            "get": common::mock(200, "[]"),
            "options": {
                "responses": {"200": {"description": "200 response", "headers": {
                    "Access-Control-Allow-Origin": {"schema": {"type": "string"}},
                    "Access-Control-Allow-Methods": {"schema": {"type": "string"}},
                    "Access-Control-Allow-Headers": {"schema": {"type": "string"}}
                }}},
                "x-amazon-apigateway-integration": {
                    "type": "mock",
                    "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                    "passthroughBehavior": "when_no_match",
                    "responses": {"default": {
                        "statusCode": "200",
                        "responseParameters": {
                            "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'",
                            "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token'",
                            "method.response.header.Access-Control-Allow-Origin": "'*'"
                        },
                        "responseTemplates": {"application/json": ""}
                    }}
                }
            }
        }},
        "x-amazon-apigateway-gateway-responses": {
            "DEFAULT_4XX": {"responseParameters": {
                "gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
                "gatewayresponse.header.Access-Control-Allow-Headers": "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token'"
            }}
        }
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn cors_preflight_and_cors_headers_on_errors() {
    let served = Served::start(&cors_api(), "cors");
    let r = served
        .http
        .send(
            http::Method::OPTIONS,
            &served.url("/pets"),
            &[
                ("Origin", "https://app.example"),
                ("Access-Control-Request-Method", "GET"),
            ],
            "",
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        r.header("access-control-allow-methods"),
        Some("GET,OPTIONS")
    );
    assert_eq!(
        r.header("access-control-allow-headers"),
        Some("Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token")
    );
    assert_eq!(r.text(), "");
    // Errors carry the CORS headers too, so browsers can read them.
    let r = served
        .http
        .send(http::Method::DELETE, &served.url("/pets"), &[], "")
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(r.text(), r#"{"message":"Missing Authentication Token"}"#);
}

#[tokio::test(flavor = "multi_thread")]
async fn resource_policies_allow_and_deny_by_source_ip() {
    let mut doc = json!({
        "openapi": "3.0.1",
        "info": {"title": "policed", "version": "1"},
        "paths": {
            "/open": {"get": common::mock(200, "open")},
            "/blocked": {"get": common::mock(200, "blocked")},
            "/unlisted": {"post": common::mock(200, "unlisted")}
        }
    });
    doc["x-amazon-apigateway-policy"] = json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
             "Resource": "execute-api:/*/GET/*"},
            {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
             "Resource": "execute-api:/*/GET/blocked",
             "Condition": {"IpAddress": {"aws:SourceIp": ["127.0.0.0/8"]}}}
        ]
    });
    let served = Served::start(&doc, "policed");
    let r = until(&served, "/open", None, 200).await;
    assert_eq!(r.text(), "open");
    let r = until(&served, "/blocked", None, 403).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.header("x-amzn-ErrorType"), Some("AccessDeniedException"));
    assert_eq!(
        r.json(),
        json!({"Message": format!(
            "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********0000:{}/prod/GET/blocked with an explicit deny",
            served.id
        )})
    );
    // No statement allows POST: an implicit deny.
    let r = served
        .http
        .send(http::Method::POST, &served.url("/unlisted"), &[], "")
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        json!({"Message": format!(
            "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********0000:{}/prod/POST/unlisted",
            served.id
        )})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_plan_throttles_quotas_and_metering() {
    let mut served = Served::start(&api(), "keyed");
    let stage = format!("{}:prod", served.id);
    let plan: Value = serde_json::from_str(&cli(
        &served,
        &[
            "plans",
            "create",
            "--name",
            "metered",
            "--stage",
            &stage,
            "--quota-limit",
            "3",
            "--quota-period",
            "DAY",
            "--output",
            "json",
        ],
    ))
    .unwrap();
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    let throttled: Value = serde_json::from_str(&cli(
        &served,
        &[
            "plans", "create", "--name", "slow", "--stage", &stage, "--rate", "0.001", "--burst",
            "1", "--output", "json",
        ],
    ))
    .unwrap();
    let slow_id = throttled["id"].as_str().unwrap().to_owned();
    let key = |name: &str, plan: &str| -> (String, String) {
        let k: Value = serde_json::from_str(&cli(
            &served,
            &[
                "keys", "create", "--name", name, "--plan", plan, "--output", "json",
            ],
        ))
        .unwrap();
        (
            k["id"].as_str().unwrap().to_owned(),
            k["value"].as_str().unwrap().to_owned(),
        )
    };
    let (metered_id, metered) = key("metered", &plan_id);
    let (_, slow) = key("slow", &slow_id);

    // Throttle: burst 1, then AWS's 429.
    assert_eq!(until(&served, "/keyed", Some(&slow), 200).await.status, 200);
    let r = until(&served, "/keyed", Some(&slow), 429).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.text(), r#"{"message":"Too Many Requests"}"#);
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("TooManyRequestsException")
    );

    // Quota: three a day, then "Limit Exceeded" (which does not count).
    for _ in 0..3 {
        assert_eq!(
            until(&served, "/keyed", Some(&metered), 200).await.status,
            200
        );
    }
    for _ in 0..2 {
        let r = until(&served, "/keyed", Some(&metered), 429).await;
        assert_eq!(r.text(), r#"{"message":"Limit Exceeded"}"#);
        assert_eq!(r.header("x-amzn-ErrorType"), Some("LimitExceededException"));
    }

    // Usage is stored (at the latest when the server stops) and survives restarts.
    served.server.terminate();
    let today = cli(
        &served,
        &[
            "usage",
            "--plan",
            &plan_id,
            "--from",
            "2000-01-01",
            "--to",
            "2000-01-01",
        ],
    );
    assert!(today.contains("usage plan"), "{today}");
    let day = time::OffsetDateTime::now_utc().date();
    let day = format!(
        "{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    );
    let usage: Value = serde_json::from_str(&cli(
        &served,
        &[
            "usage", "--plan", &plan_id, "--from", &day, "--to", &day, "--output", "json",
        ],
    ))
    .unwrap();
    assert_eq!(
        usage,
        json!({"usagePlanId": plan_id, "startDate": day, "endDate": day,
               "values": {metered_id.clone(): [[3, 0]]}})
    );
    let restarted = Tollgate::start(&served._dir.path().join("data"), &[]);
    let url = restarted.url(&served.id, "prod", "/keyed");
    let r = served
        .http
        .send(
            http::Method::GET,
            &url,
            &[("x-api-key", metered.as_str())],
            "",
        )
        .await;
    assert_eq!(r.status, 429, "the quota is still used up after a restart");
}

/// Seconds from `now` to the next start of a UTC day for which `starts` holds.
fn seconds_to_next(now: time::OffsetDateTime, starts: impl Fn(time::Date) -> bool) -> i64 {
    let mut day = now.date();
    loop {
        day = day.next_day().unwrap();
        if starts(day) {
            return (day.midnight().assume_utc() - now).whole_seconds();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn quota_windows_roll_over_at_utc_day_week_and_month_starts() {
    let dir = tempfile::tempdir().unwrap();
    let clock = dir.path().join("clock-offset");
    std::fs::write(&clock, "0").unwrap();
    let served = Served::start_with(
        &api(),
        "keyed",
        dir,
        &["--clock-offset-file", clock.to_str().unwrap()],
    );
    let stage = format!("{}:prod", served.id);
    let mut keys = std::collections::BTreeMap::new();
    for period in ["DAY", "WEEK", "MONTH"] {
        let plan: Value = serde_json::from_str(&cli(
            &served,
            &[
                "plans",
                "create",
                "--name",
                period,
                "--stage",
                &stage,
                "--quota-limit",
                "2",
                "--quota-period",
                period,
                "--output",
                "json",
            ],
        ))
        .unwrap();
        let key: Value = serde_json::from_str(&cli(
            &served,
            &[
                "keys",
                "create",
                "--name",
                period,
                "--plan",
                plan["id"].as_str().unwrap(),
                "--output",
                "json",
            ],
        ))
        .unwrap();
        keys.insert(period, key["value"].as_str().unwrap().to_owned());
    }
    let get = |key: &str| {
        let headers = [("x-api-key", key.to_owned())];
        let url = served.url("/keyed");
        let http = &served.http;
        async move {
            let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            http.send(http::Method::GET, &url, &h, "")
                .await
                .status
                .as_u16()
        }
    };
    for key in keys.values() {
        assert_eq!(until(&served, "/keyed", Some(key), 200).await.status, 200);
        assert_eq!(get(key).await, 200);
        assert_eq!(get(key).await, 429, "two a period");
    }
    // Each boundary in time order: ten seconds before it the key is still refused, ten seconds
    // after it the new window lets it through.
    let now = time::OffsetDateTime::now_utc();
    let mut boundaries = vec![
        ("DAY", seconds_to_next(now, |_| true)),
        (
            "WEEK",
            seconds_to_next(now, |d| d.weekday() == time::Weekday::Sunday),
        ),
        ("MONTH", seconds_to_next(now, |d| d.day() == 1)),
    ];
    boundaries.sort_by_key(|(_, at)| *at);
    let mut latest = 0;
    for (period, at) in boundaries {
        let key = &keys[period];
        if at - 10 > latest {
            std::fs::write(&clock, (at - 10).to_string()).unwrap();
            assert_eq!(get(key).await, 429, "{period}: before the window ends");
        }
        std::fs::write(&clock, (at + 10).to_string()).unwrap();
        latest = at + 10;
        assert_eq!(get(key).await, 200, "{period}: a new window");
        assert_eq!(get(key).await, 200, "{period}: a new window");
        assert_eq!(get(key).await, 429, "{period}: two in the new window");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_clients_on_one_key_get_the_plan_rate() {
    const RATE: f64 = 50.0;
    const BURST: u64 = 10;
    let served = Served::start(&api(), "keyed");
    let stage = format!("{}:prod", served.id);
    let rate = RATE.to_string();
    let burst = BURST.to_string();
    let plan: Value = serde_json::from_str(&cli(
        &served,
        &[
            "plans", "create", "--name", "r", "--stage", &stage, "--rate", &rate, "--burst",
            &burst, "--output", "json",
        ],
    ))
    .unwrap();
    let k: Value = serde_json::from_str(&cli(
        &served,
        &[
            "keys",
            "create",
            "--name",
            "hammer",
            "--plan",
            plan["id"].as_str().unwrap(),
            "--output",
            "json",
        ],
    ))
    .unwrap();
    let value = k["value"].as_str().unwrap().to_owned();
    // Wait until the key is served, then let the bucket refill completely.
    assert_eq!(
        until(&served, "/keyed", Some(&value), 200).await.status,
        200
    );
    tokio::time::sleep(Duration::from_secs_f64(BURST as f64 / RATE + 0.1)).await;

    let url = served.url("/keyed");
    let started = Instant::now();
    let run_for = Duration::from_secs(2);
    let mut clients = Vec::new();
    for _ in 0..8 {
        let (url, value) = (url.clone(), value.clone());
        clients.push(tokio::spawn(async move {
            let http = common::Http::default();
            let (mut ok, mut throttled) = (0u64, 0u64);
            while started.elapsed() < run_for {
                let r = http
                    .send(
                        http::Method::GET,
                        &url,
                        &[("x-api-key", value.as_str())],
                        "",
                    )
                    .await;
                match r.status.as_u16() {
                    200 => ok += 1,
                    429 => throttled += 1,
                    other => panic!("unexpected {other}: {}", r.text()),
                }
            }
            (ok, throttled)
        }));
    }
    let (mut ok, mut throttled) = (0, 0);
    for c in clients {
        let (o, t) = c.await.unwrap();
        ok += o;
        throttled += t;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let ceiling = BURST as f64 + RATE * elapsed;
    assert!(throttled > 0, "the clients must outrun the plan");
    assert!(
        ok as f64 <= ceiling + 1.0,
        "{ok} admitted in {elapsed:.2} s: more than burst + rate·t = {ceiling:.0}"
    );
    let rate_seen = (ok as f64 - BURST as f64) / elapsed;
    assert!(
        (rate_seen - RATE).abs() <= RATE * 0.1,
        "{ok} admitted in {elapsed:.2} s: {rate_seen:.1}/s after the burst, not {RATE}/s ±10%"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_method_throttle_beats_the_plan_throttle() {
    let served = Served::start(&api(), "keyed");
    let stage = format!("{}:prod", served.id);
    let method = format!("{stage}:/keyed/GET=0.001,2");
    let plan: Value = serde_json::from_str(&cli(
        &served,
        &[
            "plans",
            "create",
            "--name",
            "m",
            "--stage",
            &stage,
            "--rate",
            "1000",
            "--burst",
            "1000",
            "--method-throttle",
            &method,
            "--output",
            "json",
        ],
    ))
    .unwrap();
    assert_eq!(
        plan["apiStages"][0]["throttle"]["/keyed/GET"]["burstLimit"],
        2
    );
    let k: Value = serde_json::from_str(&cli(
        &served,
        &[
            "keys",
            "create",
            "--name",
            "m",
            "--plan",
            plan["id"].as_str().unwrap(),
            "--output",
            "json",
        ],
    ))
    .unwrap();
    let value = k["value"].as_str().unwrap().to_owned();
    assert_eq!(
        until(&served, "/keyed", Some(&value), 200).await.status,
        200
    );
    assert_eq!(
        until(&served, "/keyed", Some(&value), 200).await.status,
        200
    );
    let r = until(&served, "/keyed", Some(&value), 429).await;
    assert_eq!(
        r.status, 429,
        "the method's burst of 2 is spent, whatever the plan allows"
    );
    assert_eq!(r.text(), r#"{"message":"Too Many Requests"}"#);
}

#[tokio::test(flavor = "multi_thread")]
async fn api_keys_can_come_from_the_authorizer() {
    let dir = tempfile::tempdir().unwrap();
    let code = dir.path().join("code");
    std::fs::create_dir_all(&code).unwrap();
    std::fs::write(code.join("app.py"), AUTHORIZER_APP).unwrap();
    let data = dir.path().join("data");
    let data_dir = data.to_str().unwrap();
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend_from_slice(&["--data-dir", data_dir]);
        let out = common::tollgate(&all);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    run(&[
        "functions",
        "create",
        "keyauth",
        "--runtime",
        "python3.11",
        "--handler",
        "app.usage_key",
        "--code",
        code.to_str().unwrap(),
    ]);
    let mut metered = common::mock(200, "{\"key\":\"$context.identity.apiKeyId\"}");
    metered["security"] = json!([{"tok": [], "api_key": []}]);
    let doc = json!({
        "openapi": "3.0.1",
        "info": {"title": "by-authorizer", "version": "1"},
        "x-amazon-apigateway-api-key-source": "AUTHORIZER",
        "components": {"securitySchemes": {
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"},
            "tok": {"type": "apiKey", "name": "Authorization", "in": "header",
                "x-amazon-apigateway-authtype": "custom",
                "x-amazon-apigateway-authorizer": {
                    "type": "token",
                    "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:000000000000:function:keyauth/invocations",
                    "authorizerResultTtlInSeconds": 0}}
        }},
        "paths": {"/metered": {"get": metered}}
    });
    let file = common::write_definition(dir.path(), "api.json", &doc);
    let server =
        common::Tollgate::start(&data, &["--api", file.to_str().unwrap(), "--stage", "prod"]);
    let id = server.api_id("by-authorizer");
    let plan: Value = serde_json::from_str(&run(&[
        "plans",
        "create",
        "--name",
        "p",
        "--stage",
        &format!("{id}:prod"),
        "--output",
        "json",
    ]))
    .unwrap();
    let key: Value = serde_json::from_str(&run(&[
        "keys",
        "create",
        "--name",
        "k",
        "--value",
        "authorizer-given-key-0001",
        "--plan",
        plan["id"].as_str().unwrap(),
        "--output",
        "json",
    ]))
    .unwrap();
    let http = common::Http::default();
    let url = server.url(&id, "prod", "/metered");
    let get = |headers: Vec<(&'static str, &'static str)>| {
        let (http, url) = (&http, url.clone());
        async move { http.send(http::Method::GET, &url, &headers, "").await }
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let r = loop {
        let r = get(vec![("Authorization", "Bearer authorizer-given-key-0001")]).await;
        if r.status == 200 || Instant::now() > deadline {
            break r;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"key": key["id"]}));
    // The authorizer names an unknown key: AWS's 403, even with a valid x-api-key header.
    let r = get(vec![
        ("Authorization", "Bearer no-such-key-000000000"),
        ("x-api-key", "authorizer-given-key-0001"),
    ])
    .await;
    assert_eq!(
        (r.status.as_u16(), r.text()),
        (403, r#"{"message":"Forbidden"}"#.to_owned())
    );
}

/// A Deny on `GET /denied` and `GET /pets/secret`, everything else allowed.
fn denying_api() -> Value {
    let mut doc = json!({
        "openapi": "3.0.1",
        "info": {"title": "denying", "version": "1"},
        "paths": {
            "/denied": {"get": common::mock(200, "denied reached")},
            "/open": {"get": common::mock(200, "open")},
            "/pets/{id}": {"get": common::mock(200, "pet")}
        }
    });
    doc["x-amazon-apigateway-policy"] = json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
             "Resource": "execute-api:/*"},
            {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
             "Resource": ["execute-api:/*/GET/denied", "execute-api:/*/GET/pets/secret"]}
        ]
    });
    doc
}

fn explicit_deny(id: &str, resource: &str) -> Value {
    json!({"Message": format!(
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********0000:{id}/prod/{resource} with an explicit deny"
    )})
}

#[tokio::test(flavor = "multi_thread")]
async fn resource_policies_judge_the_routed_method_and_resource() {
    let served = Served::start(&denying_api(), "denying");
    assert_eq!(until(&served, "/open", None, 200).await.text(), "open");
    let denied = explicit_deny(&served.id, "GET/denied");
    // Every spelling that routes to GET /denied is judged as GET /denied.
    for path in [
        "/denied",
        "/denied/",
        "/%64enied",
        "/open/../denied",
        "/open/%2e%2E/denied",
        "/./denied",
    ] {
        let r = served.http.get(&served.url(path)).await;
        assert_eq!(r.status, 403, "GET {path}: {}", r.text());
        assert_eq!(r.json(), denied, "GET {path}");
    }
    // The method override routes POST to GET, and the policy sees GET.
    let r = served
        .http
        .send(
            http::Method::POST,
            &served.url("/denied"),
            &[("x-http-method-override", "GET")],
            "",
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json(), denied);
    // Path parameter values are judged decoded.
    for path in ["/pets/secret", "/pets/%73ecret", "/pets/secret/"] {
        let r = served.http.get(&served.url(path)).await;
        assert_eq!(r.status, 403, "GET {path}: {}", r.text());
        assert_eq!(
            r.json(),
            explicit_deny(&served.id, "GET/pets/secret"),
            "GET {path}"
        );
    }
    let r = served.http.get(&served.url("/pets/public")).await;
    assert_eq!((r.status.as_u16(), r.text()), (200, "pet".to_owned()));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reimported_policy_names_the_api_it_is_imported_into() {
    let dir = tempfile::tempdir().unwrap();
    let file = common::write_definition(dir.path(), "api.json", &denying_api());
    let data = dir.path().join("data");
    let args = ["--api", file.to_str().unwrap(), "--stage", "prod"];
    for round in 0..2 {
        let mut server = Tollgate::start(&data, &args);
        let id = server.api_id("denying");
        let http = common::Http::default();
        let r = http.get(&server.url(&id, "prod", "/open")).await;
        assert_eq!(
            (r.status.as_u16(), r.text()),
            (200, "open".into()),
            "round {round}"
        );
        let r = http.get(&server.url(&id, "prod", "/denied")).await;
        assert_eq!(r.status, 403, "round {round}");
        assert_eq!(r.json(), explicit_deny(&id, "GET/denied"), "round {round}");
        server.terminate();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn dot_segments_never_climb_above_the_integration_base_path() {
    let echo = common::backend::echo().await;
    let greedy = json!({
        "parameters": [{"name": "proxy", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {
            "type": "http_proxy", "httpMethod": "ANY", "uri": format!("http://{echo}/base/{{proxy}}"),
            "requestParameters": {"integration.request.path.proxy": "method.request.path.proxy"}
        }
    });
    let mapped = json!({
        "parameters": [{"name": "file", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {
            "type": "http_proxy", "httpMethod": "GET", "uri": format!("http://{echo}/files/{{file}}"),
            "requestParameters": {"integration.request.path.file": "method.request.querystring.file"}
        }
    });
    let doc = json!({
        "openapi": "3.0.1",
        "info": {"title": "dots", "version": "1"},
        "paths": {"/proxy/{proxy+}": {"x-amazon-apigateway-any-method": greedy}, "/download": {"get": mapped}}
    });
    let served = Served::start(&doc, "dots");
    let backend_path = |r: common::Reply| r.json()["path"].as_str().unwrap_or_default().to_owned();
    let r = served.http.get(&served.url("/proxy/a/b/../c")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(backend_path(r), "/base/a/c");
    let r = served
        .http
        .get(&served.url("/proxy/a/b/%2e%2e/%2E%2E/x/y"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(backend_path(r), "/base/x/y");
    // Climbing out of the API's own resources reaches no method at all.
    let r = served
        .http
        .get(&served.url("/proxy/a/../../../etc/passwd"))
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.text(), r#"{"message":"Missing Authentication Token"}"#);
    // A decoded query value mapped into the path stays below its place.
    let r = served
        .http
        .get(&served.url("/download?file=..%2F..%2Fetc%2Fpasswd"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(backend_path(r), "/files/etc/passwd");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sam_ip_blacklist_denies_explicitly() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    std::fs::create_dir_all(app.join("src")).unwrap();
    std::fs::write(
        app.join("src/app.py"),
        "def hello(event, context):\n    return {'statusCode': 200, 'body': 'hello'}\n",
    )
    .unwrap();
    let template = r#"Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: live
      Auth:
        ResourcePolicy:
          IpRangeBlacklist: ["127.0.0.1"]
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.hello
      CodeUri: ./src
      Events:
        Hello:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /hello, Method: get}
"#;
    let path = app.join("template.yaml");
    std::fs::write(&path, template).unwrap();
    let server = Tollgate::start(&dir.path().join("data"), &["--sam", path.to_str().unwrap()]);
    let id = server.api_id_for_stage("live");
    let r = common::Http::default()
        .get(&server.url(&id, "live", "/hello"))
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"Message": format!(
            "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********0000:{id}/live/GET/hello with an explicit deny"
        )})
    );
}
