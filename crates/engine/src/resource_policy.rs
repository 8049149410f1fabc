//! Phases "resource policy pre-check" (before authorization: an explicit Deny stops the request
//! before any authorizer runs) and "resource policy" (after authorization: AWS's combination of
//! the authorizer's or IAM's outcome with the API's policy).
//!
//! The policy is the API's `policy` (from `x-amazon-apigateway-policy`), parsed at deploy time
//! with the `execute-api:/...` shorthand expanded for this API. Denials are 403 ACCESS_DENIED with
//! AWS's texts (`User: anonymous is not authorized to perform: execute-api:Invoke on resource:
//! arn:aws:execute-api:us-east-1:********0000:...`, ` with an explicit deny` when a Deny matched).

use std::time::SystemTime;

use tollgate_model::GatewayResponseType;
use tollgate_policy::{
    Access, AuthKind, AuthOutcome, Decision, ParseOptions, PolicyDocument, RequestFacts, combine,
    denial_message, precheck,
};

use crate::context::{ACCOUNT_ID, RequestContext};
use crate::gateway_response::GatewayError;
use crate::integration::lambda::REGION;

/// An API's resource policy, ready to evaluate.
#[derive(Debug)]
pub struct ResourcePolicy {
    document: PolicyDocument,
}

impl ResourcePolicy {
    /// Parses the API's policy text; the shorthand resources are expanded for `api_id`.
    pub fn compile(text: &str, api_id: &str) -> Result<ResourcePolicy, String> {
        let mut document =
            PolicyDocument::parse_with(text, ParseOptions::default()).map_err(|e| e.to_string())?;
        document.expand_shorthand(REGION, ACCOUNT_ID, api_id);
        Ok(ResourcePolicy { document })
    }

    fn decide(&self, ctx: &RequestContext, method_arn: &str) -> Decision {
        let mut facts = RequestFacts::new(ctx.connection.peer.ip(), SystemTime::now());
        facts.user_agent = ctx.user_agent.clone();
        facts.referer = ctx
            .headers
            .get(http::header::REFERER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        facts.secure_transport = ctx.connection.tls;
        if let (Some(account), Some(arn)) = (&ctx.identity.account_id, &ctx.identity.user_arn) {
            let mut p = tollgate_policy::Principal::new(account.clone(), arn.clone());
            p.user_id = ctx.identity.caller.clone();
            facts.principal = Some(p);
        }
        self.document
            .evaluate(tollgate_policy::INVOKE_ACTION, method_arn, &facts)
    }
}

fn denied(message: String) -> GatewayError {
    GatewayError::new(GatewayResponseType::AccessDenied).with_message(message)
}

/// Pre-check: only an explicit Deny rejects, before any authorizer runs.
pub fn precheck_phase(
    policy: Option<&ResourcePolicy>,
    ctx: &RequestContext,
) -> Result<(), GatewayError> {
    let Some(policy) = policy else { return Ok(()) };
    let arn = &ctx.method_arn;
    match precheck(Some(policy.decide(ctx, arn))) {
        Some(_) => Err(denied(tollgate_policy::messages::invoke_denied(
            ctx.identity.user_arn.as_deref(),
            arn,
            true,
        ))),
        None => Ok(()),
    }
}

/// After authorization: combines `auth` (what the method's authorization concluded) with the
/// resource policy, as AWS's table says.
pub fn final_phase(
    policy: Option<&ResourcePolicy>,
    ctx: &RequestContext,
    kind: AuthKind,
    auth: AuthOutcome,
) -> Result<(), GatewayError> {
    let Some(policy) = policy else { return Ok(()) };
    let arn = &ctx.method_arn;
    let decision = policy.decide(ctx, arn);
    let same_account = ctx
        .identity
        .account_id
        .as_deref()
        .is_none_or(|a| a == ACCOUNT_ID);
    let access = combine(auth, Some(decision), same_account);
    if access == Access::Allow {
        return Ok(());
    }
    let message = denial_message(
        kind,
        auth,
        Some(decision),
        access,
        ctx.identity.user_arn.as_deref(),
        arn,
    )
    .unwrap_or_default();
    Err(denied(message))
}
