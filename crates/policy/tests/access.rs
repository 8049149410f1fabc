//! The resource-policy + authorizer combination (reference §7) row by row, and the texts.

use tollgate_policy::{
    Access, AuthKind, AuthOutcome, Decision, combine, denial_message, messages, precheck,
};

const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/pets";

#[test]
fn table_row_allow_allow() {
    assert_eq!(
        combine(AuthOutcome::Allow, Some(Decision::Allow), true),
        Access::Allow
    );
    assert_eq!(
        combine(AuthOutcome::Allow, Some(Decision::Allow), false),
        Access::Allow
    );
}

#[test]
fn table_row_allow_silent() {
    assert_eq!(
        combine(AuthOutcome::Allow, Some(Decision::ImplicitDeny), true),
        Access::Allow
    );
    assert_eq!(
        combine(AuthOutcome::Allow, Some(Decision::ImplicitDeny), false),
        Access::ImplicitDeny
    );
}

#[test]
fn table_row_silent_allow() {
    for silent in [AuthOutcome::ImplicitDeny, AuthOutcome::NotEvaluated] {
        assert_eq!(combine(silent, Some(Decision::Allow), true), Access::Allow);
        assert_eq!(
            combine(silent, Some(Decision::Allow), false),
            Access::ImplicitDeny
        );
    }
}

#[test]
fn table_row_silent_silent() {
    for silent in [AuthOutcome::ImplicitDeny, AuthOutcome::NotEvaluated] {
        for same in [true, false] {
            assert_eq!(
                combine(silent, Some(Decision::ImplicitDeny), same),
                Access::ImplicitDeny
            );
        }
    }
}

#[test]
fn table_row_any_deny() {
    let all = [
        AuthOutcome::Allow,
        AuthOutcome::ImplicitDeny,
        AuthOutcome::ExplicitDeny,
        AuthOutcome::NotEvaluated,
    ];
    for auth in all {
        for same in [true, false] {
            assert_eq!(
                combine(auth, Some(Decision::ExplicitDeny), same),
                Access::ExplicitDeny
            );
        }
    }
    // "Deny from authorizer" whatever the resource policy says.
    for rp in [None, Some(Decision::Allow), Some(Decision::ImplicitDeny)] {
        for same in [true, false] {
            assert_eq!(
                combine(AuthOutcome::ExplicitDeny, rp, same),
                Access::ExplicitDeny
            );
        }
    }
}

#[test]
fn no_resource_policy_means_auth_decides() {
    assert_eq!(combine(AuthOutcome::Allow, None, false), Access::Allow);
    assert_eq!(
        combine(AuthOutcome::NotEvaluated, None, true),
        Access::Allow
    );
    assert_eq!(
        combine(AuthOutcome::ImplicitDeny, None, true),
        Access::ImplicitDeny
    );
}

#[test]
fn none_auth_with_policy_needs_explicit_allow() {
    // Reference §7: `authorizationType: NONE` + policy needs an explicit Allow.
    assert_eq!(
        combine(
            AuthOutcome::NotEvaluated,
            Some(Decision::ImplicitDeny),
            true
        ),
        Access::ImplicitDeny
    );
    assert_eq!(
        combine(AuthOutcome::NotEvaluated, Some(Decision::Allow), true),
        Access::Allow
    );
}

#[test]
fn precheck_only_stops_on_explicit_deny() {
    assert_eq!(
        precheck(Some(Decision::ExplicitDeny)),
        Some(Access::ExplicitDeny)
    );
    assert_eq!(precheck(Some(Decision::ImplicitDeny)), None);
    assert_eq!(precheck(Some(Decision::Allow)), None);
    assert_eq!(precheck(None), None);
}

#[test]
fn anonymous_masked_account_message() {
    // Reference §7, verbatim.
    assert_eq!(
        messages::invoke_denied(None, ARN, false),
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:abcdef1234/prod/GET/pets"
    );
    assert_eq!(
        messages::invoke_denied(None, ARN, true),
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:abcdef1234/prod/GET/pets with an explicit deny"
    );
}

#[test]
fn iam_user_message() {
    // Reference §6, verbatim.
    assert_eq!(
        messages::invoke_denied(Some("arn:aws:iam::123456789012:user/alice"), ARN, false),
        "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:abcdef1234/prod/GET/pets"
    );
}

#[test]
fn authorizer_messages() {
    // Reference §4.5, verbatim.
    assert_eq!(
        messages::authorizer_denied(false),
        "User is not authorized to access this resource"
    );
    assert_eq!(
        messages::authorizer_denied(true),
        "User is not authorized to access this resource with an explicit deny"
    );
}

#[test]
fn denial_message_selection() {
    let m = |kind, auth, rp, caller| {
        let access = combine(auth, rp, true);
        denial_message(kind, auth, rp, access, caller, ARN)
    };
    assert_eq!(
        m(AuthKind::LambdaAuthorizer, AuthOutcome::Allow, None, None),
        None
    );
    assert_eq!(
        m(
            AuthKind::LambdaAuthorizer,
            AuthOutcome::ExplicitDeny,
            None,
            None
        )
        .as_deref(),
        Some("User is not authorized to access this resource with an explicit deny")
    );
    assert_eq!(
        m(
            AuthKind::LambdaAuthorizer,
            AuthOutcome::ImplicitDeny,
            None,
            None
        )
        .as_deref(),
        Some("User is not authorized to access this resource")
    );
    assert_eq!(
        m(
            AuthKind::LambdaAuthorizer,
            AuthOutcome::Allow,
            Some(Decision::ExplicitDeny),
            None
        ),
        Some(messages::invoke_denied(None, ARN, true))
    );
    assert_eq!(
        m(
            AuthKind::None,
            AuthOutcome::NotEvaluated,
            Some(Decision::ImplicitDeny),
            None
        ),
        Some(messages::invoke_denied(None, ARN, false))
    );
    let alice = Some("arn:aws:iam::123456789012:user/alice");
    assert_eq!(
        m(AuthKind::Iam, AuthOutcome::ExplicitDeny, None, alice),
        Some(messages::invoke_denied(alice, ARN, true))
    );
}
