//! What a request looks like to a policy: the caller and the global condition keys.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::SystemTime;

/// An authenticated IAM caller (a SigV4-signed request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The caller's 12-digit account id.
    pub account_id: String,
    /// The caller's ARN: `arn:aws:iam::{acct}:user/{name}` or
    /// `arn:aws:sts::{acct}:assumed-role/{role}/{session}`.
    pub arn: String,
    /// The unique id (`AIDA...` for users, `AROA...:session` for role sessions), if known.
    pub user_id: Option<String>,
    /// The AWS Organizations id of the caller's account (`aws:PrincipalOrgID`), if any.
    pub org_id: Option<String>,
}

impl Principal {
    /// A caller with the given account id and ARN and no user or organization id.
    pub fn new(account_id: impl Into<String>, arn: impl Into<String>) -> Self {
        Self {
            account_id: account_id.into(),
            arn: arn.into(),
            user_id: None,
            org_id: None,
        }
    }

    /// The value of `aws:PrincipalArn`: the caller ARN, except that a role session
    /// (`arn:aws:sts::{acct}:assumed-role/{role}/{session}`) yields the role ARN
    /// `arn:aws:iam::{acct}:role/{role}`, as IAM does. Role paths are not recoverable from a
    /// session ARN and are therefore omitted.
    pub fn principal_arn(&self) -> String {
        match assumed_role_parts(&self.arn) {
            Some((account, role, _session)) => format!("arn:aws:iam::{account}:role/{role}"),
            None => self.arn.clone(),
        }
    }
}

/// Splits `arn:aws:sts::{acct}:assumed-role/{role}/{session}` into its three parts.
pub(crate) fn assumed_role_parts(arn: &str) -> Option<(&str, &str, &str)> {
    let rest = arn.strip_prefix("arn:")?;
    let mut fields = rest.splitn(5, ':');
    let _partition = fields.next()?;
    if fields.next()? != "sts" {
        return None;
    }
    let _region = fields.next()?;
    let account = fields.next()?;
    let resource = fields.next()?;
    let resource = resource.strip_prefix("assumed-role/")?;
    let (role, session) = resource.split_once('/')?;
    Some((account, role, session))
}

/// Request facts that condition keys and principals are evaluated against.
///
/// Keys that are `None` are absent from the request context, which matters for IAM's
/// absent-key rules (see [`crate::Condition`]).
#[derive(Debug, Clone)]
pub struct RequestFacts {
    /// `aws:SourceIp`.
    pub source_ip: IpAddr,
    /// The IAM caller, or `None` for anonymous callers (no SigV4 signature).
    pub principal: Option<Principal>,
    /// `aws:UserAgent`.
    pub user_agent: Option<String>,
    /// `aws:Referer`.
    pub referer: Option<String>,
    /// `aws:SecureTransport`: whether the request arrived over TLS.
    pub secure_transport: bool,
    /// `aws:CurrentTime` and `aws:EpochTime`.
    pub current_time: SystemTime,
    /// `aws:SourceVpce`, for requests through a VPC endpoint.
    pub source_vpce: Option<String>,
    /// `aws:SourceVpc`, for requests through a VPC endpoint.
    pub source_vpc: Option<String>,
    /// Any further condition keys, looked up case-insensitively (store them lower-cased or
    /// not; lookup lower-cases both sides). Built-in keys above take precedence.
    pub extra: BTreeMap<String, String>,
}

impl RequestFacts {
    /// Facts for an anonymous request from `source_ip` at `current_time`, over plain HTTP,
    /// with no optional keys present.
    pub fn new(source_ip: IpAddr, current_time: SystemTime) -> Self {
        Self {
            source_ip,
            principal: None,
            user_agent: None,
            referer: None,
            secure_transport: false,
            current_time,
            source_vpce: None,
            source_vpc: None,
            extra: BTreeMap::new(),
        }
    }

    /// Looks up a condition key (case-insensitive, as IAM condition key names are).
    pub(crate) fn lookup(&self, key: &str) -> Option<ContextValue> {
        let key = key.to_ascii_lowercase();
        let principal = self.principal.as_ref();
        let value = match key.as_str() {
            "aws:sourceip" => ContextValue::Ip(self.source_ip),
            "aws:securetransport" => ContextValue::Bool(self.secure_transport),
            "aws:currenttime" => ContextValue::Time(self.current_time),
            "aws:epochtime" => ContextValue::Str(
                self.current_time
                    .duration_since(SystemTime::UNIX_EPOCH)
                    .map(|d| d.as_secs().to_string())
                    .unwrap_or_else(|_| "0".to_owned()),
            ),
            "aws:useragent" => ContextValue::Str(self.user_agent.clone()?),
            "aws:referer" => ContextValue::Str(self.referer.clone()?),
            "aws:sourcevpce" => ContextValue::Str(self.source_vpce.clone()?),
            "aws:sourcevpc" => ContextValue::Str(self.source_vpc.clone()?),
            "aws:principalaccount" => ContextValue::Str(principal?.account_id.clone()),
            "aws:principalarn" => ContextValue::Str(principal?.principal_arn()),
            "aws:principalorgid" => ContextValue::Str(principal?.org_id.clone()?),
            "aws:userid" => ContextValue::Str(principal?.user_id.clone()?),
            _ => {
                let found = self
                    .extra
                    .iter()
                    .find(|(k, _)| k.to_ascii_lowercase() == key)?;
                ContextValue::Str(found.1.clone())
            }
        };
        Some(value)
    }
}

/// A typed condition-key value from the request context.
#[derive(Debug, Clone)]
pub(crate) enum ContextValue {
    Str(String),
    Ip(IpAddr),
    Bool(bool),
    Time(SystemTime),
}
