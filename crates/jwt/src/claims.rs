//! Verified claims, stringified the way API Gateway exposes them.

use serde_json::{Map, Value};

/// Which kind of token was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An ID token (`token_use: id`, or a generic OIDC token without scopes).
    Id,
    /// An access token (`token_use: access`, or a generic token with `scope`/`scp`).
    Access,
}

/// The claims of a verified token, as `$context.authorizer.claims.{name}` and
/// the proxy event's `requestContext.authorizer.claims` show them.
///
/// Every value is a string, in the token's claim order:
/// - strings as they are; numbers as their JSON text (`auth_time` →
///   `"1680629979"`); booleans as `"true"`/`"false"`;
/// - `exp`, `iat` and `nbf` as Java's `Date.toString()` in UTC
///   (`"Tue Apr 04 18:39:39 UTC 2023"`), as AWS shows them;
/// - arrays as their elements joined with `,` (`cognito:groups: ["a","b"]`
///   → `"a,b"`, as reported for AWS), non-string elements as JSON text;
/// - objects as compact JSON text (AWS behaviour unverified);
/// - `null` claims are left out.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims {
    strings: Map<String, Value>,
    raw: Map<String, Value>,
    kind: TokenKind,
    issuer: String,
}

impl Claims {
    pub(crate) fn new(raw: Map<String, Value>, kind: TokenKind, issuer: String) -> Claims {
        let mut strings = Map::with_capacity(raw.len());
        for (name, value) in &raw {
            if let Some(s) = stringify(name, value) {
                strings.insert(name.clone(), Value::String(s));
            }
        }
        Claims {
            strings,
            raw,
            kind,
            issuer,
        }
    }

    /// The stringified claim `name`, if present and not null.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.strings.get(name).and_then(Value::as_str)
    }

    /// The principal: the `sub` claim (empty when the token has none).
    pub fn principal_id(&self) -> &str {
        self.get("sub").unwrap_or("")
    }

    /// All stringified claims in token order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.strings
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.as_str(), s)))
    }

    /// Number of exposed claims.
    pub fn len(&self) -> usize {
        self.strings.len()
    }

    /// True when no claim is exposed.
    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }

    /// The claims as a JSON object of strings, ready for
    /// `requestContext.authorizer.claims`.
    pub fn to_json(&self) -> Value {
        Value::Object(self.strings.clone())
    }

    /// The verified payload with its original JSON types.
    pub fn raw(&self) -> &Map<String, Value> {
        &self.raw
    }

    /// Whether an ID or an access token was accepted.
    pub fn token_kind(&self) -> TokenKind {
        self.kind
    }

    /// The `iss` the token was accepted under.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }
}

fn stringify(name: &str, value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => {
            if matches!(name, "exp" | "iat" | "nbf")
                && let Some(secs) = n.as_i64().or_else(|| n.as_f64().map(|f| f.floor() as i64))
            {
                return Some(java_date(secs));
            }
            Some(n.to_string())
        }
        Value::Array(items) => Some(
            items
                .iter()
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
        ),
        Value::Object(_) => Some(value.to_string()),
    }
}

/// Formats Unix seconds like Java's `Date.toString()` with the UTC zone:
/// `EEE MMM dd HH:mm:ss zzz yyyy`.
pub(crate) fn java_date(secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (hh, mm, ss) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Civil-from-days (proleptic Gregorian), after H. Hinnant.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let weekday = DAYS[days.rem_euclid(7) as usize];
    let month_name = MONTHS[(month - 1).clamp(0, 11) as usize];
    format!("{weekday} {month_name} {day:02} {hh:02}:{mm:02}:{ss:02} UTC {year}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn java_dates() {
        assert_eq!(java_date(1_680_629_979), "Tue Apr 04 17:39:39 UTC 2023");
        assert_eq!(java_date(0), "Thu Jan 01 00:00:00 UTC 1970");
        assert_eq!(java_date(951_782_400), "Tue Feb 29 00:00:00 UTC 2000");
        assert_eq!(java_date(-1), "Wed Dec 31 23:59:59 UTC 1969");
    }

    #[test]
    fn stringifies_like_aws() {
        let Value::Object(raw) = json!({
            "sub": "u1", "cognito:groups": ["a", "b"], "email_verified": true,
            "auth_time": 1680629979, "exp": 1680633579, "n": null, "o": {"k": 1},
            "mixed": [1, "x", true]
        }) else {
            panic!("object literal");
        };
        let c = Claims::new(raw, TokenKind::Id, "iss".into());
        assert_eq!(c.principal_id(), "u1");
        assert_eq!(c.get("cognito:groups"), Some("a,b"));
        assert_eq!(c.get("email_verified"), Some("true"));
        assert_eq!(c.get("auth_time"), Some("1680629979"));
        assert_eq!(c.get("exp"), Some("Tue Apr 04 18:39:39 UTC 2023"));
        assert_eq!(c.get("n"), None);
        assert_eq!(c.get("o"), Some(r#"{"k":1}"#));
        assert_eq!(c.get("mixed"), Some("1,x,true"));
        assert_eq!(c.len(), 7);
    }
}
