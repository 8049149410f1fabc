//! Statement shapes, globs, principals and conditions, quoting the reference where it speaks.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use tollgate_policy::{
    Decision, INVOKE_ACTION, ParseOptions, PolicyDocument, PolicyError, Principal, RequestFacts,
    method_arn, parse_date,
};

const ARN: &str = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/pets/42";

fn facts(ip: &str) -> RequestFacts {
    let ip: IpAddr = ip.parse().expect("test ip");
    RequestFacts::new(
        ip,
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
    )
}

fn parse(json: &str) -> PolicyDocument {
    PolicyDocument::parse(json).expect("test policy parses")
}

fn eval(json: &str, arn: &str, f: &RequestFacts) -> Decision {
    parse(json).evaluate(INVOKE_ACTION, arn, f)
}

fn allow_with_condition(cond: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*",
        "Action":"execute-api:Invoke","Resource":"*","Condition":{cond}}}]}}"#
    )
}

#[test]
fn reference_4_3_authorizer_output_policy() {
    // Reference §4.3 example policyDocument.
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Allow",
       "Resource":["arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/*"]}]}"#;
    let f = facts("192.0.2.1");
    assert_eq!(eval(doc, ARN, &f), Decision::Allow);
    let post = method_arn(
        "us-east-1",
        "123456789012",
        "abcdef1234",
        "prod",
        "POST",
        "/pets",
    );
    assert_eq!(eval(doc, &post, &f), Decision::ImplicitDeny);
}

#[test]
fn statement_object_or_array_action_string_or_array() {
    let f = facts("192.0.2.1");
    let single =
        r#"{"Statement":{"Effect":"Allow","Action":["execute-api:Invoke"],"Resource":"*"}}"#;
    assert_eq!(eval(single, ARN, &f), Decision::Allow);
    let many = r#"{"Statement":[{"Effect":"Allow","Action":"execute-api:*","Resource":["x",
       "arn:aws:execute-api:*"]}]}"#;
    assert_eq!(eval(many, ARN, &f), Decision::Allow);
}

#[test]
fn action_wildcards_and_case() {
    // Reference §4.3: Action matches `execute-api:Invoke` (`execute-api:*`, `*`).
    let f = facts("192.0.2.1");
    for action in [
        "execute-api:Invoke",
        "execute-api:*",
        "*",
        "EXECUTE-API:invoke",
        "execute-api:Inv*",
    ] {
        let doc =
            format!(r#"{{"Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#);
        assert_eq!(eval(&doc, ARN, &f), Decision::Allow, "{action}");
    }
    for action in [
        "execute-api:ManageConnections",
        "s3:*",
        "execute-api:Invoke2",
    ] {
        let doc =
            format!(r#"{{"Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#);
        assert_eq!(eval(&doc, ARN, &f), Decision::ImplicitDeny, "{action}");
    }
}

#[test]
fn deny_wins_over_allow_in_any_order() {
    let f = facts("192.0.2.1");
    let doc = r#"{"Statement":[
        {"Effect":"Allow","Action":"*","Resource":"*"},
        {"Effect":"Deny","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:*:*:*/prod/*/pets/*"}]}"#;
    assert_eq!(eval(doc, ARN, &f), Decision::ExplicitDeny);
    let other = method_arn(
        "us-east-1",
        "123456789012",
        "abcdef1234",
        "prod",
        "GET",
        "/",
    );
    assert_eq!(eval(doc, &other, &f), Decision::Allow);
}

#[test]
fn resource_globs_are_case_sensitive_and_question_mark_is_one_char() {
    // Reference §4.3: `*` any run incl. `/`, `?` one char, case-sensitive.
    let f = facts("192.0.2.1");
    let doc = |r: &str| {
        format!(r#"{{"Statement":[{{"Effect":"Allow","Action":"*","Resource":"{r}"}}]}}"#)
    };
    let base = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234";
    assert_eq!(eval(&doc(&format!("{base}/*")), ARN, &f), Decision::Allow);
    assert_eq!(
        eval(&doc(&format!("{base}/prod/GET/pets/??")), ARN, &f),
        Decision::Allow
    );
    assert_eq!(
        eval(&doc(&format!("{base}/prod/GET/pets/?")), ARN, &f),
        Decision::ImplicitDeny
    );
    assert_eq!(
        eval(&doc(&format!("{base}/prod/get/*")), ARN, &f),
        Decision::ImplicitDeny
    );
    assert_eq!(
        eval(&doc(&format!("{base}/*/GET/*")), ARN, &f),
        Decision::Allow
    );
}

#[test]
fn not_action_and_not_resource() {
    let f = facts("192.0.2.1");
    let doc = r#"{"Statement":[{"Effect":"Allow","NotAction":"s3:*","NotResource":"arn:aws:execute-api:*:*:*/admin/*"}]}"#;
    assert_eq!(eval(doc, ARN, &f), Decision::Allow);
    let admin = method_arn("us-east-1", "1", "a", "admin", "GET", "/");
    assert_eq!(eval(doc, &admin, &f), Decision::ImplicitDeny);
}

#[test]
fn shape_errors() {
    assert!(matches!(
        PolicyDocument::parse("nope"),
        Err(PolicyError::Json(_))
    ));
    assert_eq!(
        PolicyDocument::parse("{}"),
        Err(PolicyError::MissingElement("Statement"))
    );
    assert_eq!(
        PolicyDocument::parse(r#"{"Statement":[{"Action":"*","Resource":"*"}]}"#),
        Err(PolicyError::MissingElement("Effect"))
    );
    assert_eq!(
        PolicyDocument::parse(r#"{"Statement":[{"Effect":"Allow","Resource":"*"}]}"#),
        Err(PolicyError::MissingElement("Action"))
    );
    assert_eq!(
        PolicyDocument::parse(r#"{"Statement":[{"Effect":"Allow","Action":"*"}]}"#),
        Err(PolicyError::MissingElement("Resource"))
    );
    assert!(
        PolicyDocument::parse(
            r#"{"Statement":[{"Effect":"Allow","Action":"*","NotAction":"*","Resource":"*"}]}"#
        )
        .is_err()
    );
    assert!(
        PolicyDocument::parse(r#"{"Statement":[{"Effect":"Allow","Action":3,"Resource":"*"}]}"#)
            .is_err()
    );
    assert!(PolicyDocument::parse(r#"{"Version":"2099-01-01","Statement":[]}"#).is_err());
    assert!(PolicyDocument::parse(r#"{"Statement":"x"}"#).is_err());
}

#[test]
fn effect_is_case_sensitive_unless_lenient() {
    // IAM: "The Effect value is case sensitive."
    let doc = r#"{"Statement":[{"Effect":"allow","Action":"*","Resource":"*"}]}"#;
    assert_eq!(
        PolicyDocument::parse(doc),
        Err(PolicyError::InvalidEffect("allow".to_owned()))
    );
    let lenient = PolicyDocument::parse_with(
        doc,
        ParseOptions {
            case_insensitive_effect: true,
        },
    )
    .expect("lenient parse");
    assert_eq!(
        lenient.evaluate(INVOKE_ACTION, ARN, &facts("192.0.2.1")),
        Decision::Allow
    );
}

#[test]
fn unknown_condition_operator_is_named() {
    let doc = allow_with_condition(r#"{"StringSortaEquals":{"aws:UserAgent":"x"}}"#);
    assert_eq!(
        PolicyDocument::parse(&doc),
        Err(PolicyError::UnknownConditionOperator(
            "StringSortaEquals".to_owned()
        ))
    );
    let msg = PolicyDocument::parse(&doc)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(msg.contains("StringSortaEquals"), "{msg}");
}

#[test]
fn empty_statement_list_is_implicit_deny() {
    assert_eq!(
        eval(r#"{"Statement":[]}"#, ARN, &facts("192.0.2.1")),
        Decision::ImplicitDeny
    );
}

// ---- principals (reference §7) ----

fn iam(account: &str, arn: &str) -> Option<Principal> {
    Some(Principal::new(account, arn))
}

#[test]
fn star_principal_matches_anonymous_and_iam() {
    let doc = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"*"}]}"#;
    let mut f = facts("192.0.2.1");
    assert_eq!(eval(doc, ARN, &f), Decision::Allow);
    f.principal = iam("111122223333", "arn:aws:iam::111122223333:user/bob");
    assert_eq!(eval(doc, ARN, &f), Decision::Allow);
    let aws_star =
        r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Resource":"*"}]}"#;
    assert_eq!(eval(aws_star, ARN, &facts("192.0.2.1")), Decision::Allow);
}

#[test]
fn aws_principal_matches_only_signed_callers() {
    // Reference §7: "an AWS principal matches only IAM-signed callers (others are anonymous)".
    let doc = r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["123456789012"]},"Action":"*","Resource":"*"}]}"#;
    let mut f = facts("192.0.2.1");
    assert_eq!(eval(doc, ARN, &f), Decision::ImplicitDeny);
    f.principal = iam("123456789012", "arn:aws:iam::123456789012:user/alice");
    assert_eq!(eval(doc, ARN, &f), Decision::Allow);
    f.principal = iam("999999999999", "arn:aws:iam::999999999999:user/alice");
    assert_eq!(eval(doc, ARN, &f), Decision::ImplicitDeny);
}

#[test]
fn aws_principal_forms() {
    let mk = |p: &str| {
        format!(
            r#"{{"Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{p}"}},"Action":"*","Resource":"*"}}]}}"#
        )
    };
    let mut f = facts("192.0.2.1");
    f.principal = iam("123456789012", "arn:aws:iam::123456789012:user/alice");
    assert_eq!(
        eval(&mk("arn:aws:iam::123456789012:root"), ARN, &f),
        Decision::Allow
    );
    assert_eq!(
        eval(&mk("arn:aws:iam::123456789012:user/alice"), ARN, &f),
        Decision::Allow
    );
    assert_eq!(
        eval(&mk("arn:aws:iam::123456789012:user/bob"), ARN, &f),
        Decision::ImplicitDeny
    );
    assert_eq!(
        eval(&mk("arn:aws:iam::999999999999:root"), ARN, &f),
        Decision::ImplicitDeny
    );
    f.principal = iam(
        "123456789012",
        "arn:aws:sts::123456789012:assumed-role/deployer/s1",
    );
    assert_eq!(
        eval(&mk("arn:aws:iam::123456789012:role/deployer"), ARN, &f),
        Decision::Allow
    );
    assert_eq!(
        eval(&mk("arn:aws:iam::123456789012:role/ops/deployer"), ARN, &f),
        Decision::Allow
    );
    assert_eq!(
        eval(&mk("arn:aws:iam::123456789012:role/other"), ARN, &f),
        Decision::ImplicitDeny
    );
    assert_eq!(
        eval(
            &mk("arn:aws:sts::123456789012:assumed-role/deployer/s1"),
            ARN,
            &f
        ),
        Decision::Allow
    );
}

#[test]
fn not_principal_and_service_principals() {
    let doc = r#"{"Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":"123456789012"},"Action":"*","Resource":"*"},
        {"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;
    let mut f = facts("192.0.2.1");
    assert_eq!(eval(doc, ARN, &f), Decision::ExplicitDeny);
    f.principal = iam("123456789012", "arn:aws:iam::123456789012:user/alice");
    assert_eq!(eval(doc, ARN, &f), Decision::Allow);
    let svc = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"*","Resource":"*"}]}"#;
    assert_eq!(eval(svc, ARN, &f), Decision::ImplicitDeny);
}

#[test]
fn shorthand_is_expanded_for_the_api() {
    let mut doc = parse(
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"execute-api:Invoke","Resource":"execute-api:/prod/GET/*"}]}"#,
    );
    let f = facts("192.0.2.1");
    assert_eq!(doc.evaluate(INVOKE_ACTION, ARN, &f), Decision::ImplicitDeny);
    doc.expand_shorthand("us-east-1", "123456789012", "abcdef1234");
    assert_eq!(doc.evaluate(INVOKE_ACTION, ARN, &f), Decision::Allow);
    doc.expand_shorthand("us-east-1", "123456789012", "otherapi");
    assert_eq!(
        doc.evaluate(INVOKE_ACTION, ARN, &f),
        Decision::Allow,
        "idempotent"
    );
}

// ---- conditions ----

#[test]
fn source_ip_cidrs_v4_and_v6() {
    // Reference §7: `IpAddress`/`NotIpAddress` + `aws:SourceIp` (CIDRs).
    let doc = allow_with_condition(
        r#"{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","2001:db8::/32","198.51.100.7"]}}"#,
    );
    for ok in [
        "192.0.2.0",
        "192.0.2.255",
        "2001:db8::1",
        "198.51.100.7",
        "::ffff:192.0.2.4",
    ] {
        assert_eq!(eval(&doc, ARN, &facts(ok)), Decision::Allow, "{ok}");
    }
    for no in ["192.0.3.0", "198.51.100.8", "2001:db9::1", "10.0.0.1"] {
        assert_eq!(eval(&doc, ARN, &facts(no)), Decision::ImplicitDeny, "{no}");
    }
}

#[test]
fn not_ip_address_deny_blocks_outside_range() {
    let doc = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},
       {"Effect":"Deny","Principal":"*","Action":"*","Resource":"*",
        "Condition":{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","fd00::/8"]}}}]}"#;
    assert_eq!(eval(doc, ARN, &facts("10.9.9.9")), Decision::Allow);
    assert_eq!(eval(doc, ARN, &facts("fd12::1")), Decision::Allow);
    assert_eq!(eval(doc, ARN, &facts("11.0.0.1")), Decision::ExplicitDeny);
}

#[test]
fn bad_cidr_is_rejected_at_parse() {
    let doc = allow_with_condition(r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}"#);
    assert!(matches!(
        PolicyDocument::parse(&doc),
        Err(PolicyError::InvalidConditionValue { .. })
    ));
}

#[test]
fn keys_and_values_semantics() {
    // Reference §7: keys in one block AND, values of one key OR.
    let doc = allow_with_condition(
        r#"{"StringEquals":{"aws:SourceVpce":["vpce-1","vpce-2"],"aws:SourceVpc":"vpc-9"}}"#,
    );
    let mut f = facts("192.0.2.1");
    f.source_vpce = Some("vpce-2".into());
    f.source_vpc = Some("vpc-9".into());
    assert_eq!(eval(&doc, ARN, &f), Decision::Allow);
    f.source_vpc = Some("vpc-8".into());
    assert_eq!(eval(&doc, ARN, &f), Decision::ImplicitDeny);
    f.source_vpc = Some("vpc-9".into());
    f.source_vpce = Some("vpce-3".into());
    assert_eq!(eval(&doc, ARN, &f), Decision::ImplicitDeny);
}

#[test]
fn absent_keys_follow_iam() {
    // IAM: absent key -> false for positive operators, true for negated ones; IfExists -> true.
    let f = facts("192.0.2.1"); // no VPC endpoint, no user agent, anonymous
    let cases = [
        (
            r#"{"StringEquals":{"aws:SourceVpce":"vpce-1"}}"#,
            Decision::ImplicitDeny,
        ),
        (
            r#"{"StringNotEquals":{"aws:SourceVpce":"vpce-1"}}"#,
            Decision::Allow,
        ),
        (
            r#"{"StringLike":{"aws:UserAgent":"*"}}"#,
            Decision::ImplicitDeny,
        ),
        (
            r#"{"StringNotLike":{"aws:UserAgent":"curl*"}}"#,
            Decision::Allow,
        ),
        (
            r#"{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}"#,
            Decision::Allow,
        ),
        (
            r#"{"StringEquals":{"aws:PrincipalAccount":"123456789012"}}"#,
            Decision::ImplicitDeny,
        ),
        (r#"{"Null":{"aws:SourceVpce":"true"}}"#, Decision::Allow),
        (
            r#"{"Null":{"aws:SourceVpce":"false"}}"#,
            Decision::ImplicitDeny,
        ),
        (
            r#"{"ForAnyValue:StringEquals":{"aws:SourceVpce":"x"}}"#,
            Decision::ImplicitDeny,
        ),
        (
            r#"{"ForAllValues:StringEquals":{"aws:SourceVpce":"x"}}"#,
            Decision::Allow,
        ),
    ];
    for (cond, want) in cases {
        assert_eq!(eval(&allow_with_condition(cond), ARN, &f), want, "{cond}");
    }
}

#[test]
fn if_exists_still_checks_present_keys() {
    let doc = allow_with_condition(r#"{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1"}}"#);
    let mut f = facts("192.0.2.1");
    f.source_vpce = Some("vpce-2".into());
    assert_eq!(eval(&doc, ARN, &f), Decision::ImplicitDeny);
    f.source_vpce = Some("vpce-1".into());
    assert_eq!(eval(&doc, ARN, &f), Decision::Allow);
}

#[test]
fn string_operators_and_ignore_case() {
    let mut f = facts("192.0.2.1");
    f.user_agent = Some("Mozilla/5.0 (X11)".into());
    f.referer = Some("https://Example.com/page".into());
    let cases = [
        (
            r#"{"StringLike":{"aws:UserAgent":"Mozilla/*"}}"#,
            Decision::Allow,
        ),
        (
            r#"{"StringLike":{"aws:UserAgent":"mozilla/*"}}"#,
            Decision::ImplicitDeny,
        ),
        (
            r#"{"StringNotLike":{"aws:UserAgent":["curl/*","Wget*"]}}"#,
            Decision::Allow,
        ),
        (
            r#"{"StringNotLike":{"aws:UserAgent":["curl/*","Mozilla*"]}}"#,
            Decision::ImplicitDeny,
        ),
        (
            r#"{"StringEquals":{"aws:Referer":"https://example.com/page"}}"#,
            Decision::ImplicitDeny,
        ),
        (
            r#"{"StringEqualsIgnoreCase":{"aws:Referer":"https://example.com/page"}}"#,
            Decision::Allow,
        ),
        (
            r#"{"StringNotEqualsIgnoreCase":{"aws:Referer":"https://EXAMPLE.com/page"}}"#,
            Decision::ImplicitDeny,
        ),
        (
            r#"{"StringNotEquals":{"aws:Referer":"https://example.com/page"}}"#,
            Decision::Allow,
        ),
        (
            r#"{"StringEquals":{"AWS:REFERER":"https://Example.com/page"}}"#,
            Decision::Allow,
        ),
    ];
    for (cond, want) in cases {
        assert_eq!(eval(&allow_with_condition(cond), ARN, &f), want, "{cond}");
    }
}

#[test]
fn principal_keys() {
    let mut f = facts("192.0.2.1");
    f.principal = Some(Principal {
        account_id: "123456789012".into(),
        arn: "arn:aws:sts::123456789012:assumed-role/deployer/s1".into(),
        user_id: Some("AROAEXAMPLE:s1".into()),
        org_id: Some("o-abc123".into()),
    });
    let cases = [
        (
            r#"{"StringEquals":{"aws:PrincipalAccount":"123456789012"}}"#,
            Decision::Allow,
        ),
        (
            r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#,
            Decision::Allow,
        ),
        (
            r#"{"StringEquals":{"aws:PrincipalOrgID":"o-zzz"}}"#,
            Decision::ImplicitDeny,
        ),
        (
            r#"{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/deployer"}}"#,
            Decision::Allow,
        ),
        (
            r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/deploy*"}}"#,
            Decision::Allow,
        ),
        (
            r#"{"StringLike":{"aws:userid":"AROA*:s1"}}"#,
            Decision::Allow,
        ),
    ];
    for (cond, want) in cases {
        assert_eq!(eval(&allow_with_condition(cond), ARN, &f), want, "{cond}");
    }
}

#[test]
fn bool_secure_transport() {
    let doc = r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},
        {"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;
    let mut f = facts("192.0.2.1");
    assert_eq!(eval(doc, ARN, &f), Decision::ExplicitDeny);
    f.secure_transport = true;
    assert_eq!(eval(doc, ARN, &f), Decision::Allow);
    let json_bool = allow_with_condition(r#"{"Bool":{"aws:SecureTransport":true}}"#);
    assert_eq!(eval(&json_bool, ARN, &f), Decision::Allow);
}

#[test]
fn date_conditions_on_current_time() {
    // facts() time: 1_700_000_000 = 2023-11-14T22:13:20Z
    let f = facts("192.0.2.1");
    let cases = [
        (
            r#"{"DateGreaterThan":{"aws:CurrentTime":"2023-11-14T22:13:19Z"}}"#,
            Decision::Allow,
        ),
        (
            r#"{"DateGreaterThan":{"aws:CurrentTime":"2023-11-14T22:13:20Z"}}"#,
            Decision::ImplicitDeny,
        ),
        (
            r#"{"DateLessThan":{"aws:CurrentTime":"2023-11-15"}}"#,
            Decision::Allow,
        ),
        (
            r#"{"DateLessThan":{"aws:CurrentTime":"2023-11-14T23:13:20+02:00"}}"#,
            Decision::ImplicitDeny,
        ),
        (
            r#"{"DateGreaterThan":{"aws:CurrentTime":"2023-01-01T00:00:00Z"},"DateLessThan":{"aws:CurrentTime":"2024-01-01T00:00:00Z"}}"#,
            Decision::Allow,
        ),
        (
            r#"{"DateLessThanEquals":{"aws:CurrentTime":1700000000}}"#,
            Decision::Allow,
        ),
        (
            r#"{"NumericGreaterThan":{"aws:EpochTime":1699999999}}"#,
            Decision::Allow,
        ),
    ];
    for (cond, want) in cases {
        assert_eq!(eval(&allow_with_condition(cond), ARN, &f), want, "{cond}");
    }
    let bad = allow_with_condition(r#"{"DateLessThan":{"aws:CurrentTime":"next tuesday"}}"#);
    assert!(matches!(
        PolicyDocument::parse(&bad),
        Err(PolicyError::InvalidConditionValue { .. })
    ));
}

#[test]
fn date_parsing_forms() {
    let t = |s: &str| {
        parse_date(s)
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map(|d| d.as_secs())
    };
    assert_eq!(t("1970-01-02"), Some(86_400));
    assert_eq!(t("1970-01-01T00:01:00Z"), Some(60));
    assert_eq!(t("1970-01-01T01:00:00+01:00"), Some(0));
    assert_eq!(t("120"), Some(120));
    assert_eq!(t("yesterday"), None);
}

#[test]
fn extra_keys_are_case_insensitive() {
    let mut f = facts("192.0.2.1");
    f.extra.insert("execute-api:Custom".into(), "v".into());
    let doc = allow_with_condition(r#"{"StringEquals":{"EXECUTE-API:custom":"v"}}"#);
    assert_eq!(eval(&doc, ARN, &f), Decision::Allow);
}
