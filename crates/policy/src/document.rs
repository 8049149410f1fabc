//! Policy documents: parsing and evaluation.

use serde_json::{Map, Value};

use crate::PolicyError;
use crate::arn::expand_shorthand;
use crate::condition::{Condition, parse_block};
use crate::facts::{Principal, RequestFacts, assumed_role_parts};
use crate::glob::{glob_match, glob_match_ignore_case};

/// The action API Gateway evaluates for data-plane requests.
pub const INVOKE_ACTION: &str = "execute-api:Invoke";

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// `Allow`.
    Allow,
    /// `Deny`.
    Deny,
}

/// The result of evaluating a policy document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A matching `Deny` statement.
    ExplicitDeny,
    /// A matching `Allow` statement and no matching `Deny`.
    Allow,
    /// No statement matched.
    ImplicitDeny,
}

/// A list of patterns that is either included (`Action`, `Resource`, `Principal`) or
/// excluded (`NotAction`, `NotResource`, `NotPrincipal`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher<T> {
    /// The element form: matches when any entry matches.
    Include(T),
    /// The `Not...` form: matches when no entry matches.
    Exclude(T),
}

/// The `Principal` / `NotPrincipal` content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalSpec {
    /// `"*"` (also `{"AWS": "*"}`): everyone, anonymous callers included.
    Any,
    /// `{"AWS": [...], "Service": [...], ...}`.
    Ids {
        /// `AWS` entries: account ids, `arn:aws:iam::{acct}:root`, user / role ARNs.
        aws: Vec<String>,
        /// Other principal types (`Service`, `Federated`, `CanonicalUser`) by type name.
        /// Parsed and kept, but no Tollgate caller ever matches them.
        other: Vec<(String, Vec<String>)>,
    },
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// `Sid`, if present.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Action` / `NotAction`.
    pub action: Matcher<Vec<String>>,
    /// `Resource` / `NotResource`.
    pub resource: Matcher<Vec<String>>,
    /// `Principal` / `NotPrincipal`; `None` (identity policies, authorizer policies) matches
    /// every caller.
    pub principal: Option<Matcher<PrincipalSpec>>,
    /// `Condition`, flattened; all entries must hold.
    pub conditions: Vec<Condition>,
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDocument {
    /// `Version`, if present.
    pub version: Option<String>,
    /// `Id`, if present.
    pub id: Option<String>,
    /// The statements, in document order.
    pub statements: Vec<Statement>,
}

/// Parsing options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Accept `Effect` values in any letter case (`allow`, `DENY`). IAM documents the value as
    /// case-sensitive, so this is off by default; some emulators accept any case for
    /// Lambda-authorizer output (unverified against AWS).
    pub case_insensitive_effect: bool,
}

impl PolicyDocument {
    /// Parses a policy document with default (IAM-strict `Effect`) options.
    ///
    /// Accepted: `Version` (`2012-10-17`, `2008-10-17` or absent), `Id`, `Statement` as an
    /// object or array; per statement `Sid`, `Effect`, exactly one of `Action`/`NotAction`,
    /// exactly one of `Resource`/`NotResource`, at most one of `Principal`/`NotPrincipal`,
    /// and `Condition`. Action/Resource values are a string or an array of strings.
    /// Unknown elements are ignored; unknown condition operators are an error naming them.
    pub fn parse(json: &str) -> Result<Self, PolicyError> {
        Self::parse_with(json, ParseOptions::default())
    }

    /// Parses with explicit [`ParseOptions`].
    pub fn parse_with(json: &str, options: ParseOptions) -> Result<Self, PolicyError> {
        let value: Value =
            serde_json::from_str(json).map_err(|e| PolicyError::Json(e.to_string()))?;
        Self::from_value(&value, options)
    }

    /// Parses an already-decoded JSON value (e.g. `policyDocument` inside authorizer output).
    pub fn from_value(value: &Value, options: ParseOptions) -> Result<Self, PolicyError> {
        let obj = value.as_object().ok_or(PolicyError::InvalidElement {
            element: "policy",
            reason: "must be a JSON object".to_owned(),
        })?;
        let version = optional_string(obj, "Version")?;
        if let Some(v) = &version
            && v != "2012-10-17"
            && v != "2008-10-17"
        {
            return Err(PolicyError::InvalidElement {
                element: "Version",
                reason: format!("unsupported version {v:?}"),
            });
        }
        let id = optional_string(obj, "Id")?;
        let statements = match obj.get("Statement") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|s| parse_statement(s, options))
                .collect::<Result<Vec<_>, _>>()?,
            Some(single @ Value::Object(_)) => vec![parse_statement(single, options)?],
            Some(_) => {
                return Err(PolicyError::InvalidElement {
                    element: "Statement",
                    reason: "must be an object or an array of objects".to_owned(),
                });
            }
            None => return Err(PolicyError::MissingElement("Statement")),
        };
        Ok(Self {
            version,
            id,
            statements,
        })
    }

    /// Rewrites every `execute-api:/...` shorthand in `Resource`/`NotResource` into a full
    /// ARN for the given API (see [`crate::expand_shorthand`]).
    pub fn expand_shorthand(&mut self, region: &str, account: &str, api_id: &str) {
        for st in &mut self.statements {
            let list = match &mut st.resource {
                Matcher::Include(l) | Matcher::Exclude(l) => l,
            };
            for r in list.iter_mut() {
                *r = expand_shorthand(r, region, account, api_id);
            }
        }
    }

    /// Evaluates the document for `action` on `resource_arn`: any matching `Deny` gives
    /// [`Decision::ExplicitDeny`]; otherwise any matching `Allow` gives [`Decision::Allow`];
    /// otherwise [`Decision::ImplicitDeny`].
    ///
    /// A statement matches when its action, resource, principal and all conditions match.
    pub fn evaluate(&self, action: &str, resource_arn: &str, facts: &RequestFacts) -> Decision {
        let mut allowed = false;
        for st in &self.statements {
            if st.matches(action, resource_arn, facts) {
                match st.effect {
                    Effect::Deny => return Decision::ExplicitDeny,
                    Effect::Allow => allowed = true,
                }
            }
        }
        if allowed {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        }
    }
}

impl Statement {
    /// Whether this statement applies to the request (its effect is not considered).
    pub fn matches(&self, action: &str, resource_arn: &str, facts: &RequestFacts) -> bool {
        let action_ok = match &self.action {
            Matcher::Include(list) => list.iter().any(|p| action_matches(p, action)),
            Matcher::Exclude(list) => !list.iter().any(|p| action_matches(p, action)),
        };
        let resource_ok = match &self.resource {
            Matcher::Include(list) => list.iter().any(|p| glob_match(p, resource_arn)),
            Matcher::Exclude(list) => !list.iter().any(|p| glob_match(p, resource_arn)),
        };
        let principal_ok = match &self.principal {
            None => true,
            Some(Matcher::Include(spec)) => principal_matches(spec, facts.principal.as_ref()),
            Some(Matcher::Exclude(spec)) => !principal_matches(spec, facts.principal.as_ref()),
        };
        action_ok
            && resource_ok
            && principal_ok
            && self.conditions.iter().all(|c| c.evaluate(facts))
    }
}

/// Whether an action pattern (`execute-api:Invoke`, `execute-api:*`, `*`, `execute-api:Inv*`)
/// matches `action`. Action names are case-insensitive in IAM.
pub fn action_matches(pattern: &str, action: &str) -> bool {
    glob_match_ignore_case(pattern, action)
}

/// Whether a principal spec matches the caller (`None` = anonymous).
///
/// `Any` matches everyone. An `AWS` entry matches only IAM callers: `*`, the caller's
/// 12-digit account id, `arn:aws:iam::{acct}:root`, the exact caller ARN, or, for a role
/// session `arn:aws:sts::{acct}:assumed-role/{role}/{session}`, the role's ARN
/// `arn:aws:iam::{acct}:role/[path/]{role}`.
pub fn principal_matches(spec: &PrincipalSpec, caller: Option<&Principal>) -> bool {
    match spec {
        PrincipalSpec::Any => true,
        PrincipalSpec::Ids { aws, .. } => {
            let Some(caller) = caller else {
                return aws.iter().any(|e| e == "*");
            };
            aws.iter().any(|entry| aws_entry_matches(entry, caller))
        }
    }
}

fn aws_entry_matches(entry: &str, caller: &Principal) -> bool {
    if entry == "*" || entry == caller.arn {
        return true;
    }
    if entry.len() == 12 && entry.bytes().all(|b| b.is_ascii_digit()) {
        return entry == caller.account_id;
    }
    if let Some(rest) = entry.strip_prefix("arn:")
        && let Some((_partition, tail)) = rest.split_once(':')
        && let Some(tail) = tail.strip_prefix("iam::")
        && let Some((account, resource)) = tail.split_once(':')
    {
        if resource == "root" {
            return account == caller.account_id;
        }
        if let Some(role_path) = resource.strip_prefix("role/")
            && let Some((s_account, role, _session)) = assumed_role_parts(&caller.arn)
        {
            let role_name = role_path.rsplit('/').next().unwrap_or(role_path);
            return account == s_account && role_name == role;
        }
    }
    false
}

fn optional_string(
    obj: &Map<String, Value>,
    key: &'static str,
) -> Result<Option<String>, PolicyError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(PolicyError::InvalidElement {
            element: key,
            reason: "must be a string".to_owned(),
        }),
    }
}

fn string_list(value: &Value, element: &'static str) -> Result<Vec<String>, PolicyError> {
    let bad = || PolicyError::InvalidElement {
        element,
        reason: "must be a string or an array of strings".to_owned(),
    };
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned).ok_or_else(bad))
            .collect(),
        _ => Err(bad()),
    }
}

fn pick_matcher(
    obj: &Map<String, Value>,
    include: &'static str,
    exclude: &'static str,
) -> Result<Option<Matcher<Vec<String>>>, PolicyError> {
    match (obj.get(include), obj.get(exclude)) {
        (Some(_), Some(_)) => Err(PolicyError::InvalidElement {
            element: include,
            reason: format!("{include} and {exclude} are mutually exclusive"),
        }),
        (Some(v), None) => Ok(Some(Matcher::Include(string_list(v, include)?))),
        (None, Some(v)) => Ok(Some(Matcher::Exclude(string_list(v, exclude)?))),
        (None, None) => Ok(None),
    }
}

fn parse_principal(value: &Value, element: &'static str) -> Result<PrincipalSpec, PolicyError> {
    match value {
        Value::String(s) if s == "*" => Ok(PrincipalSpec::Any),
        Value::Object(map) => {
            let mut aws = Vec::new();
            let mut other = Vec::new();
            for (kind, ids) in map {
                let ids = string_list(ids, element)?;
                if kind == "AWS" {
                    aws.extend(ids);
                } else {
                    other.push((kind.clone(), ids));
                }
            }
            if other.is_empty() && aws.len() == 1 && aws[0] == "*" {
                return Ok(PrincipalSpec::Any);
            }
            Ok(PrincipalSpec::Ids { aws, other })
        }
        _ => Err(PolicyError::InvalidElement {
            element,
            reason: "must be \"*\" or an object such as {\"AWS\": [...]}".to_owned(),
        }),
    }
}

fn parse_statement(value: &Value, options: ParseOptions) -> Result<Statement, PolicyError> {
    let obj = value.as_object().ok_or(PolicyError::InvalidElement {
        element: "Statement",
        reason: "each statement must be an object".to_owned(),
    })?;
    let sid = optional_string(obj, "Sid")?;
    let effect_raw =
        optional_string(obj, "Effect")?.ok_or(PolicyError::MissingElement("Effect"))?;
    let effect = match effect_raw.as_str() {
        "Allow" => Effect::Allow,
        "Deny" => Effect::Deny,
        other if options.case_insensitive_effect && other.eq_ignore_ascii_case("allow") => {
            Effect::Allow
        }
        other if options.case_insensitive_effect && other.eq_ignore_ascii_case("deny") => {
            Effect::Deny
        }
        other => return Err(PolicyError::InvalidEffect(other.to_owned())),
    };
    let action =
        pick_matcher(obj, "Action", "NotAction")?.ok_or(PolicyError::MissingElement("Action"))?;
    let resource = pick_matcher(obj, "Resource", "NotResource")?
        .ok_or(PolicyError::MissingElement("Resource"))?;
    let principal = match (obj.get("Principal"), obj.get("NotPrincipal")) {
        (Some(_), Some(_)) => {
            return Err(PolicyError::InvalidElement {
                element: "Principal",
                reason: "Principal and NotPrincipal are mutually exclusive".to_owned(),
            });
        }
        (Some(v), None) => Some(Matcher::Include(parse_principal(v, "Principal")?)),
        (None, Some(v)) => Some(Matcher::Exclude(parse_principal(v, "NotPrincipal")?)),
        (None, None) => None,
    };
    let conditions = match obj.get("Condition") {
        None | Some(Value::Null) => Vec::new(),
        Some(v) => parse_block(v)?,
    };
    Ok(Statement {
        sid,
        effect,
        action,
        resource,
        principal,
        conditions,
    })
}
