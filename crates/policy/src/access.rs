//! Combining the authorizer / IAM outcome with the resource policy (API Gateway's
//! "resource policies and authorization workflow"), and the denial messages AWS returns.

use crate::Decision;
use crate::arn::mask_account;

/// What the method's own authorization produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthOutcome {
    /// The IAM identity policy or the Lambda authorizer policy allowed the method ARN.
    Allow,
    /// The policy was evaluated and nothing matched (the table's "silent").
    ImplicitDeny,
    /// The policy contained a matching `Deny`.
    ExplicitDeny,
    /// No policy-producing authorization ran (`authorizationType: NONE`, or Cognito, which
    /// Tollgate treats as needing an explicit resource-policy Allow — reference §7, unconfirmed).
    /// Counts as "silent" when a resource policy is attached, as Allow when none is.
    NotEvaluated,
}

/// The final access decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Proceed.
    Allow,
    /// 403 ACCESS_DENIED, message with ` with an explicit deny`.
    ExplicitDeny,
    /// 403 ACCESS_DENIED.
    ImplicitDeny,
}

impl Access {
    /// Whether the request may proceed.
    pub fn is_allowed(self) -> bool {
        self == Access::Allow
    }
}

/// Pipeline step 3: before authentication, only an explicit `Deny` in the resource policy
/// rejects. Returns `Some(Access::ExplicitDeny)` to stop, `None` to continue.
pub fn precheck(resource_policy: Option<Decision>) -> Option<Access> {
    (resource_policy == Some(Decision::ExplicitDeny)).then_some(Access::ExplicitDeny)
}

/// Pipeline step 5: the combination table of reference §7.
///
/// | auth | resource policy | same account | cross account |
/// |---|---|---|---|
/// | Allow | Allow | Allow | Allow |
/// | Allow | silent | Allow | implicit deny |
/// | silent | Allow | Allow | implicit deny |
/// | silent | silent | implicit deny | implicit deny |
/// | any | Deny, or Deny from authorizer | explicit deny | explicit deny |
///
/// `resource_policy` is `None` when the API has no resource policy: then the auth outcome
/// alone decides ([`AuthOutcome::NotEvaluated`] allows). `same_account` is whether the caller
/// is in the API owner's account; pass `true` for anonymous and Lambda-authorizer callers
/// (they are not cross-account IAM principals), `false` only for IAM callers of another
/// account.
pub fn combine(auth: AuthOutcome, resource_policy: Option<Decision>, same_account: bool) -> Access {
    if auth == AuthOutcome::ExplicitDeny || resource_policy == Some(Decision::ExplicitDeny) {
        return Access::ExplicitDeny;
    }
    let Some(rp) = resource_policy else {
        return match auth {
            AuthOutcome::Allow | AuthOutcome::NotEvaluated => Access::Allow,
            AuthOutcome::ImplicitDeny | AuthOutcome::ExplicitDeny => Access::ImplicitDeny,
        };
    };
    let auth_allows = auth == AuthOutcome::Allow;
    let rp_allows = rp == Decision::Allow;
    let allowed = if same_account {
        auth_allows || rp_allows
    } else {
        auth_allows && rp_allows
    };
    if allowed {
        Access::Allow
    } else {
        Access::ImplicitDeny
    }
}

/// The kind of authorization configured on the method, for choosing the denial message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// `NONE`.
    None,
    /// `AWS_IAM`.
    Iam,
    /// `CUSTOM` (Lambda authorizer, TOKEN or REQUEST).
    LambdaAuthorizer,
    /// `COGNITO_USER_POOLS`.
    Cognito,
}

/// The exact denial texts. Every ACCESS_DENIED message Tollgate emits is built here.
pub mod messages {
    use super::mask_account;

    /// Suffix appended when a `Deny` statement matched.
    pub const EXPLICIT_DENY_SUFFIX: &str = " with an explicit deny";

    /// Lambda authorizer policy without a matching Allow.
    pub const AUTHORIZER_DENIED: &str = "User is not authorized to access this resource";

    /// Name printed for callers that did not sign with SigV4.
    pub const ANONYMOUS: &str = "anonymous";

    /// `User is not authorized to access this resource` (+ ` with an explicit deny`).
    pub fn authorizer_denied(explicit: bool) -> String {
        let mut s = AUTHORIZER_DENIED.to_owned();
        if explicit {
            s.push_str(EXPLICIT_DENY_SUFFIX);
        }
        s
    }

    /// `User: {caller ARN or anonymous} is not authorized to perform: execute-api:Invoke on
    /// resource: {ARN with account masked}` (+ ` with an explicit deny`).
    pub fn invoke_denied(caller_arn: Option<&str>, resource_arn: &str, explicit: bool) -> String {
        let who = caller_arn.unwrap_or(ANONYMOUS);
        let mut s = format!(
            "User: {who} is not authorized to perform: execute-api:Invoke on resource: {}",
            mask_account(resource_arn)
        );
        if explicit {
            s.push_str(EXPLICIT_DENY_SUFFIX);
        }
        s
    }
}

/// The ACCESS_DENIED message for a denial produced by [`precheck`] or [`combine`], or `None`
/// when `access` allows.
///
/// Rules: a resource-policy `Deny` reports the caller (`anonymous` unless `caller_arn`) with
/// an explicit deny; otherwise a Lambda authorizer that did not allow reports the authorizer
/// text (explicit iff its policy denied); otherwise the caller text (explicit iff the IAM
/// policy denied).
pub fn denial_message(
    kind: AuthKind,
    auth: AuthOutcome,
    resource_policy: Option<Decision>,
    access: Access,
    caller_arn: Option<&str>,
    resource_arn: &str,
) -> Option<String> {
    if access == Access::Allow {
        return None;
    }
    if resource_policy == Some(Decision::ExplicitDeny) {
        return Some(messages::invoke_denied(caller_arn, resource_arn, true));
    }
    let auth_explicit = auth == AuthOutcome::ExplicitDeny;
    if kind == AuthKind::LambdaAuthorizer && auth != AuthOutcome::Allow {
        return Some(messages::authorizer_denied(auth_explicit));
    }
    Some(messages::invoke_denied(
        caller_arn,
        resource_arn,
        auth_explicit,
    ))
}
