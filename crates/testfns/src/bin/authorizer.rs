//! `authorizer`: a `lambda_runtime` Lambda authorizer for TOKEN and REQUEST events. The identity
//! is a TOKEN event's `authorizationToken` (a leading `Bearer ` dropped), or a REQUEST event's
//! `token` header, else its `token` query parameter:
//!
//! - `allow-{principal}`: principal `{principal}`, a policy allowing `execute-api:Invoke` on the
//!   event's `methodArn`, and context `{"principal": "{principal}", "tier": "gold", "n": 3}`;
//! - `deny`: principal `denied`, a policy explicitly denying `execute-api:Invoke` on `*`;
//! - `unauthorized`: fails with `Unauthorized` (API Gateway answers 401);
//! - anything else: fails with `unknown token` (API Gateway answers 500).

use lambda_runtime::{Diagnostic, Error, LambdaEvent, service_fn};
use serde_json::{Value, json};

#[derive(Debug)]
struct Refused(&'static str);

impl From<Refused> for Diagnostic {
    fn from(error: Refused) -> Diagnostic {
        Diagnostic {
            error_type: "Refused".into(),
            error_message: error.0.into(),
        }
    }
}

fn identity(event: &Value) -> &str {
    if let Some(token) = event.get("authorizationToken").and_then(Value::as_str) {
        return token.strip_prefix("Bearer ").unwrap_or(token);
    }
    let header = event
        .get("headers")
        .and_then(|h| h.as_object())
        .and_then(|h| {
            h.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("token"))
                .and_then(|(_, v)| v.as_str())
        });
    header
        .or_else(|| {
            event
                .pointer("/queryStringParameters/token")
                .and_then(Value::as_str)
        })
        .unwrap_or("")
}

fn policy(effect: &str, resource: &str) -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}
    ]})
}

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Refused> {
    let payload = &event.payload;
    let method_arn = payload
        .get("methodArn")
        .and_then(Value::as_str)
        .unwrap_or("");
    let token = identity(payload);
    if let Some(principal) = token.strip_prefix("allow-") {
        return Ok(json!({
            "principalId": principal,
            "policyDocument": policy("Allow", method_arn),
            "context": {"principal": principal, "tier": "gold", "n": 3}
        }));
    }
    match token {
        "deny" => Ok(json!({"principalId": "denied", "policyDocument": policy("Deny", "*")})),
        "unauthorized" => Err(Refused("Unauthorized")),
        _ => Err(Refused("unknown token")),
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
