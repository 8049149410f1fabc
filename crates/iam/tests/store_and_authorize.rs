//! Credential files, identity-policy authorization, and the IAM denial message.

use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use tollgate_iam::{CredentialStore, Identity, StoreError, access_denied_message, authorize};
use tollgate_policy::{Decision, RequestFacts, method_arn};

const FILE: &str = r#"{"credentials":[
  {"accessKeyId":"AKIAALICE","secretAccessKey":"s1","accountId":"123456789012",
   "arn":"arn:aws:iam::123456789012:user/alice","userId":"AIDAALICE",
   "policy":{"Version":"2012-10-17","Statement":[
     {"Effect":"Allow","Action":"execute-api:Invoke","Resource":"arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/*"},
     {"Effect":"Deny","Action":"execute-api:*","Resource":"arn:aws:execute-api:*:*:*/prod/GET/admin/*"}]}},
  {"accessKeyId":"ASIATEMP","secretAccessKey":"s2","accountId":"123456789012",
   "arn":"arn:aws:sts::123456789012:assumed-role/deployer/s1","userId":"AROADEPLOYER:s1",
   "sessionToken":"tok","expiration":"2030-01-01T00:00:00Z"}
]}"#;

fn identity(store: &CredentialStore, key: &str) -> Identity {
    let c = store.get(key).expect("credential present");
    Identity {
        access_key: c.access_key_id.clone(),
        account_id: c.account_id.clone(),
        caller: c.user_id.clone(),
        user: c.user_id.clone(),
        user_arn: c.principal_arn.clone(),
    }
}

fn facts(id: &Identity) -> RequestFacts {
    let ip: IpAddr = "192.0.2.1".parse().expect("ip");
    let mut f = RequestFacts::new(
        ip,
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
    );
    f.principal = Some(id.principal());
    f
}

#[test]
fn loads_documented_shape() {
    let store = CredentialStore::from_json(FILE).expect("valid file");
    assert_eq!(store.len(), 2);
    let temp = store.get("ASIATEMP").expect("temp credential");
    assert_eq!(temp.session_token.as_deref(), Some("tok"));
    let exp = temp
        .expires
        .and_then(|e| e.duration_since(SystemTime::UNIX_EPOCH).ok());
    assert_eq!(exp.map(|d| d.as_secs()), Some(1_893_456_000));
    assert!(temp.policy.is_none());
    assert!(store.get("AKIAALICE").is_some_and(|c| c.policy.is_some()));
    assert!(store.get("akiaalice").is_none());
}

#[test]
fn rejects_bad_files() {
    assert!(matches!(
        CredentialStore::from_json("{"),
        Err(StoreError::Json(_))
    ));
    assert!(matches!(
        CredentialStore::from_json(r#"{"credentials":[{"accessKeyId":"A"}]}"#),
        Err(StoreError::Json(_))
    ));
    let bad_exp = r#"{"credentials":[{"accessKeyId":"A","secretAccessKey":"s","accountId":"1","arn":"x","userId":"u","expiration":"tomorrow"}]}"#;
    assert!(matches!(
        CredentialStore::from_json(bad_exp),
        Err(StoreError::Expiration { .. })
    ));
    let bad_policy = r#"{"credentials":[{"accessKeyId":"A","secretAccessKey":"s","accountId":"1","arn":"x","userId":"u","policy":{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}}]}"#;
    assert!(matches!(
        CredentialStore::from_json(bad_policy),
        Err(StoreError::Policy { .. })
    ));
    let dup = r#"{"credentials":[
      {"accessKeyId":"A","secretAccessKey":"s","accountId":"1","arn":"x","userId":"u"},
      {"accessKeyId":"A","secretAccessKey":"t","accountId":"1","arn":"x","userId":"u"}]}"#;
    assert!(matches!(CredentialStore::from_json(dup), Err(StoreError::Duplicate(k)) if k == "A"));
    let unknown_field = r#"{"credentials":[{"accessKeyId":"A","secretAccessKey":"s","accountId":"1","arn":"x","userId":"u","colour":"red"}]}"#;
    assert!(CredentialStore::from_json(unknown_field).is_err());
}

#[test]
fn identity_policy_decides() {
    let store = CredentialStore::from_json(FILE).expect("valid file");
    let alice = identity(&store, "AKIAALICE");
    let policy = store.get("AKIAALICE").and_then(|c| c.policy.as_ref());
    let f = facts(&alice);
    let arn = |verb: &str, path: &str| {
        method_arn(
            "us-east-1",
            "123456789012",
            "abcdef1234",
            "prod",
            verb,
            path,
        )
    };
    assert_eq!(
        authorize(&alice, policy, &arn("GET", "/pets"), &f),
        Decision::Allow
    );
    assert_eq!(
        authorize(&alice, policy, &arn("POST", "/pets"), &f),
        Decision::ImplicitDeny
    );
    assert_eq!(
        authorize(&alice, policy, &arn("GET", "/admin/x"), &f),
        Decision::ExplicitDeny
    );
}

#[test]
fn no_policy_allows_own_account_only() {
    let store = CredentialStore::from_json(FILE).expect("valid file");
    let temp = identity(&store, "ASIATEMP");
    let f = facts(&temp);
    let own = method_arn(
        "us-east-1",
        "123456789012",
        "abcdef1234",
        "prod",
        "GET",
        "/",
    );
    let other = method_arn(
        "us-east-1",
        "999999999999",
        "abcdef1234",
        "prod",
        "GET",
        "/",
    );
    assert_eq!(authorize(&temp, None, &own, &f), Decision::Allow);
    assert_eq!(authorize(&temp, None, &other, &f), Decision::ImplicitDeny);
}

#[test]
fn access_denied_messages() {
    let store = CredentialStore::from_json(FILE).expect("valid file");
    let alice = identity(&store, "AKIAALICE");
    let arn = "arn:aws:execute-api:us-east-1:123456789012:abcdef1234/prod/GET/pets";
    // Reference §6, verbatim.
    assert_eq!(
        access_denied_message(&alice, arn, Decision::ImplicitDeny).as_deref(),
        Some(
            "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:abcdef1234/prod/GET/pets"
        )
    );
    assert_eq!(
        access_denied_message(&alice, arn, Decision::ExplicitDeny).as_deref(),
        Some(
            "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:********9012:abcdef1234/prod/GET/pets with an explicit deny"
        )
    );
    assert_eq!(access_denied_message(&alice, arn, Decision::Allow), None);
}

#[test]
fn principal_for_resource_policies() {
    let store = CredentialStore::from_json(FILE).expect("valid file");
    let temp = identity(&store, "ASIATEMP");
    let p = temp.principal();
    assert_eq!(p.account_id, "123456789012");
    assert_eq!(p.principal_arn(), "arn:aws:iam::123456789012:role/deployer");
}
