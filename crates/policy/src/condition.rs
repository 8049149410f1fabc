//! The `Condition` element: operators, their values, and evaluation.
//!
//! Semantics follow the IAM reference ("IAM JSON policy elements: Condition operators"):
//! - all (operator, key) pairs of one `Condition` block must hold (AND);
//! - the values listed for one key are alternatives (OR); for negated operators
//!   (`StringNotEquals`, `StringNotLike`, `NotIpAddress`, `ArnNotEquals`, `ArnNotLike`,
//!   `NumericNotEquals`, `DateNotEquals`) the pair holds when the request value matches
//!   *none* of them;
//! - a key absent from the request: positive operators are false, negated operators are true;
//!   the `...IfExists` suffix makes any operator true for an absent key; `Null` tests presence;
//!   `ForAnyValue:` is false and `ForAllValues:` true for an absent key.
//! - condition key names are case-insensitive; operator names are case-sensitive.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use serde_json::Value;
use time::OffsetDateTime;

use crate::PolicyError;
use crate::cidr::Cidr;
use crate::facts::{ContextValue, RequestFacts};
use crate::glob::glob_match;

/// Comparison used by numeric and date operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    /// `...Equals` (and `...NotEquals` when negated).
    Equals,
    /// `...LessThan`.
    LessThan,
    /// `...LessThanEquals`.
    LessThanEquals,
    /// `...GreaterThan`.
    GreaterThan,
    /// `...GreaterThanEquals`.
    GreaterThanEquals,
}

/// The operator family, without negation, `IfExists` or set qualifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperatorKind {
    /// `StringEquals` / `StringNotEquals` (and `IgnoreCase` variants).
    StringEquals {
        /// `...IgnoreCase`.
        ignore_case: bool,
    },
    /// `StringLike` / `StringNotLike` (`*` and `?` globs, case-sensitive).
    StringLike,
    /// `Numeric*`.
    Numeric(Comparison),
    /// `Date*`.
    Date(Comparison),
    /// `Bool`.
    Bool,
    /// `IpAddress` / `NotIpAddress`.
    IpAddress,
    /// `ArnEquals` / `ArnNotEquals`.
    ArnEquals,
    /// `ArnLike` / `ArnNotLike`.
    ArnLike,
    /// `Null`.
    Null,
}

/// Set qualifier prefix (`ForAnyValue:` / `ForAllValues:`). Every key Tollgate provides is
/// single-valued, so these only change the absent-key result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    /// `ForAnyValue:`.
    ForAnyValue,
    /// `ForAllValues:`.
    ForAllValues,
}

/// A parsed condition operator such as `StringNotLikeIfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    /// The family.
    pub kind: OperatorKind,
    /// Whether this is the negated form (`...Not...`).
    pub negated: bool,
    /// Whether the `IfExists` suffix was present.
    pub if_exists: bool,
    /// The `ForAnyValue:` / `ForAllValues:` prefix, if any.
    pub set: Option<SetQualifier>,
}

impl Operator {
    /// Parses an operator name. Unknown names yield [`PolicyError::UnknownConditionOperator`].
    pub fn parse(name: &str) -> Result<Self, PolicyError> {
        let unknown = || PolicyError::UnknownConditionOperator(name.to_owned());
        let (set, rest) = if let Some(r) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), r)
        } else if let Some(r) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), r)
        } else {
            (None, name)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(b) => (true, b),
            None => (false, rest),
        };
        use Comparison as C;
        use OperatorKind as K;
        let (kind, negated) = match base {
            "StringEquals" => (K::StringEquals { ignore_case: false }, false),
            "StringNotEquals" => (K::StringEquals { ignore_case: false }, true),
            "StringEqualsIgnoreCase" => (K::StringEquals { ignore_case: true }, false),
            "StringNotEqualsIgnoreCase" => (K::StringEquals { ignore_case: true }, true),
            "StringLike" => (K::StringLike, false),
            "StringNotLike" => (K::StringLike, true),
            "NumericEquals" => (K::Numeric(C::Equals), false),
            "NumericNotEquals" => (K::Numeric(C::Equals), true),
            "NumericLessThan" => (K::Numeric(C::LessThan), false),
            "NumericLessThanEquals" => (K::Numeric(C::LessThanEquals), false),
            "NumericGreaterThan" => (K::Numeric(C::GreaterThan), false),
            "NumericGreaterThanEquals" => (K::Numeric(C::GreaterThanEquals), false),
            "DateEquals" => (K::Date(C::Equals), false),
            "DateNotEquals" => (K::Date(C::Equals), true),
            "DateLessThan" => (K::Date(C::LessThan), false),
            "DateLessThanEquals" => (K::Date(C::LessThanEquals), false),
            "DateGreaterThan" => (K::Date(C::GreaterThan), false),
            "DateGreaterThanEquals" => (K::Date(C::GreaterThanEquals), false),
            "Bool" => (K::Bool, false),
            "IpAddress" => (K::IpAddress, false),
            "NotIpAddress" => (K::IpAddress, true),
            "ArnEquals" => (K::ArnEquals, false),
            "ArnNotEquals" => (K::ArnEquals, true),
            "ArnLike" => (K::ArnLike, false),
            "ArnNotLike" => (K::ArnLike, true),
            "Null" if !if_exists && set.is_none() => (K::Null, false),
            _ => return Err(unknown()),
        };
        Ok(Self {
            kind,
            negated,
            if_exists,
            set,
        })
    }
}

/// Policy-side values of one condition, pre-parsed for their operator.
#[derive(Debug, Clone, PartialEq)]
pub enum ConditionValues {
    /// String, ARN, bool and `Null` operands (numbers/booleans in JSON are stringified).
    Strings(Vec<String>),
    /// `IpAddress` operands.
    Cidrs(Vec<Cidr>),
    /// `Date*` operands.
    Dates(Vec<SystemTime>),
    /// `Numeric*` operands.
    Numbers(Vec<f64>),
}

/// One (operator, key, values) triple of a `Condition` block.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The operator.
    pub operator: Operator,
    /// The operator name as written in the policy.
    pub operator_name: String,
    /// The condition key as written (compared case-insensitively).
    pub key: String,
    /// The operands.
    pub values: ConditionValues,
}

/// Parses a whole `Condition` element (`{"Op": {"key": value-or-array}}`).
pub(crate) fn parse_block(value: &Value) -> Result<Vec<Condition>, PolicyError> {
    let ops = value
        .as_object()
        .ok_or_else(|| PolicyError::InvalidElement {
            element: "Condition",
            reason: "must be an object".to_owned(),
        })?;
    let mut out = Vec::new();
    for (op_name, keys) in ops {
        let operator = Operator::parse(op_name)?;
        let keys = keys
            .as_object()
            .ok_or_else(|| PolicyError::InvalidElement {
                element: "Condition",
                reason: format!("operator {op_name} must map condition keys to values"),
            })?;
        for (key, raw) in keys {
            let strings = condition_strings(op_name, key, raw)?;
            let values = typed_values(op_name, key, operator.kind, strings)?;
            out.push(Condition {
                operator,
                operator_name: op_name.clone(),
                key: key.clone(),
                values,
            });
        }
    }
    Ok(out)
}

fn condition_strings(op: &str, key: &str, raw: &Value) -> Result<Vec<String>, PolicyError> {
    let scalar = |v: &Value| -> Result<String, PolicyError> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            other => Err(PolicyError::InvalidConditionValue {
                operator: op.to_owned(),
                key: key.to_owned(),
                value: other.to_string(),
                reason: "values must be strings, numbers or booleans".to_owned(),
            }),
        }
    };
    match raw {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => Ok(vec![scalar(other)?]),
    }
}

fn typed_values(
    op: &str,
    key: &str,
    kind: OperatorKind,
    strings: Vec<String>,
) -> Result<ConditionValues, PolicyError> {
    let bad = |value: &str, reason: &str| PolicyError::InvalidConditionValue {
        operator: op.to_owned(),
        key: key.to_owned(),
        value: value.to_owned(),
        reason: reason.to_owned(),
    };
    Ok(match kind {
        OperatorKind::IpAddress => ConditionValues::Cidrs(
            strings
                .iter()
                .map(|s| {
                    s.parse::<Cidr>()
                        .map_err(|_| bad(s, "not an IP address or CIDR block"))
                })
                .collect::<Result<_, _>>()?,
        ),
        OperatorKind::Date(_) => ConditionValues::Dates(
            strings
                .iter()
                .map(|s| parse_date(s).ok_or_else(|| bad(s, "not an ISO 8601 date or epoch time")))
                .collect::<Result<_, _>>()?,
        ),
        OperatorKind::Numeric(_) => ConditionValues::Numbers(
            strings
                .iter()
                .map(|s| s.trim().parse::<f64>().map_err(|_| bad(s, "not a number")))
                .collect::<Result<_, _>>()?,
        ),
        _ => ConditionValues::Strings(strings),
    })
}

/// Parses IAM date operands: RFC 3339 (`2020-01-01T00:00:00Z`, offsets, fractions),
/// a bare date (`2020-01-01`, midnight UTC), or integer epoch seconds.
pub fn parse_date(s: &str) -> Option<SystemTime> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let secs: u64 = s.parse().ok()?;
        return SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(secs));
    }
    if let Ok(dt) = OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339) {
        return Some(dt.into());
    }
    let date_only = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(s, &date_only).ok()?;
    Some(date.midnight().assume_utc().into())
}

impl Condition {
    /// Evaluates this triple against the request.
    pub fn evaluate(&self, facts: &RequestFacts) -> bool {
        let op = self.operator;
        let present = facts.lookup(&self.key);
        if op.kind == OperatorKind::Null {
            let absent = present.is_none();
            return match &self.values {
                ConditionValues::Strings(v) => {
                    v.iter().any(|s| s.eq_ignore_ascii_case("true") == absent)
                }
                _ => false,
            };
        }
        let Some(value) = present else {
            if op.if_exists {
                return true;
            }
            return match op.set {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => op.negated,
            };
        };
        let any = self.any_value_matches(&value);
        if op.negated { !any } else { any }
    }

    fn any_value_matches(&self, value: &ContextValue) -> bool {
        match (&self.operator.kind, &self.values) {
            (OperatorKind::StringEquals { ignore_case }, ConditionValues::Strings(vs)) => {
                let actual = value_as_string(value);
                vs.iter().any(|v| {
                    if *ignore_case {
                        v.to_lowercase() == actual.to_lowercase()
                    } else {
                        *v == actual
                    }
                })
            }
            (OperatorKind::StringLike, ConditionValues::Strings(vs))
            | (OperatorKind::ArnLike, ConditionValues::Strings(vs)) => {
                let actual = value_as_string(value);
                vs.iter().any(|v| glob_match(v, &actual))
            }
            (OperatorKind::ArnEquals, ConditionValues::Strings(vs)) => {
                let actual = value_as_string(value);
                vs.contains(&actual)
            }
            (OperatorKind::Bool, ConditionValues::Strings(vs)) => {
                let actual = match value {
                    ContextValue::Bool(b) => Some(*b),
                    ContextValue::Str(s) => parse_bool(s),
                    _ => None,
                };
                actual.is_some_and(|a| vs.iter().any(|v| parse_bool(v) == Some(a)))
            }
            (OperatorKind::IpAddress, ConditionValues::Cidrs(cidrs)) => {
                let ip = match value {
                    ContextValue::Ip(ip) => Some(*ip),
                    ContextValue::Str(s) => s.trim().parse::<IpAddr>().ok(),
                    _ => None,
                };
                ip.is_some_and(|ip| cidrs.iter().any(|c| c.contains(ip)))
            }
            (OperatorKind::Date(cmp), ConditionValues::Dates(dates)) => {
                let actual = match value {
                    ContextValue::Time(t) => Some(*t),
                    ContextValue::Str(s) => parse_date(s),
                    _ => None,
                };
                actual.is_some_and(|a| dates.iter().any(|d| compare(*cmp, &a, d)))
            }
            (OperatorKind::Numeric(cmp), ConditionValues::Numbers(nums)) => {
                let actual = value_as_string(value).trim().parse::<f64>().ok();
                actual.is_some_and(|a| nums.iter().any(|n| compare(*cmp, &a, n)))
            }
            _ => false,
        }
    }
}

fn compare<T: PartialOrd>(cmp: Comparison, actual: &T, policy: &T) -> bool {
    match cmp {
        Comparison::Equals => actual == policy,
        Comparison::LessThan => actual < policy,
        Comparison::LessThanEquals => actual <= policy,
        Comparison::GreaterThan => actual > policy,
        Comparison::GreaterThanEquals => actual >= policy,
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn value_as_string(value: &ContextValue) -> String {
    match value {
        ContextValue::Str(s) => s.clone(),
        ContextValue::Ip(ip) => ip.to_string(),
        ContextValue::Bool(b) => b.to_string(),
        ContextValue::Time(t) => OffsetDateTime::from(*t)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
    }
}
