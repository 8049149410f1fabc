//! Identity-policy authorization of a verified caller for `execute-api:Invoke`.

use tollgate_policy::{Decision, INVOKE_ACTION, PolicyDocument, RequestFacts, messages};

use crate::verify::Identity;

/// Evaluates the caller's identity policy for `execute-api:Invoke` on `method_arn`.
///
/// - With a policy: the policy's decision ([`PolicyDocument::evaluate`]) against `facts`
///   (whose `principal` should be [`Identity::principal`]; conditions such as
///   `aws:SourceIp` read the other facts).
/// - Without a policy (Tollgate's default for a self-hosted credential): [`Decision::Allow`]
///   for methods of APIs in the caller's own account (the account field of `method_arn`
///   equals `identity.account_id`), [`Decision::ImplicitDeny`] otherwise, so cross-account
///   access still needs a resource-policy Allow *and* an attached identity policy.
pub fn authorize(
    identity: &Identity,
    policy: Option<&PolicyDocument>,
    method_arn: &str,
    facts: &RequestFacts,
) -> Decision {
    match policy {
        Some(doc) => doc.evaluate(INVOKE_ACTION, method_arn, facts),
        None => {
            let account = method_arn.split(':').nth(4);
            if account == Some(identity.account_id.as_str()) {
                Decision::Allow
            } else {
                Decision::ImplicitDeny
            }
        }
    }
}

/// The ACCESS_DENIED message for an IAM caller:
/// `User: {userArn} is not authorized to perform: execute-api:Invoke on resource: {masked arn}`
/// (+ ` with an explicit deny`). `None` when `decision` is [`Decision::Allow`].
pub fn access_denied_message(
    identity: &Identity,
    method_arn: &str,
    decision: Decision,
) -> Option<String> {
    match decision {
        Decision::Allow => None,
        Decision::ExplicitDeny => Some(messages::invoke_denied(
            Some(&identity.user_arn),
            method_arn,
            true,
        )),
        Decision::ImplicitDeny => Some(messages::invoke_denied(
            Some(&identity.user_arn),
            method_arn,
            false,
        )),
    }
}
