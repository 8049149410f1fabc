//! Requests signed by the official `aws-sigv4` crate (as a client would), then verified.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4::SigningParams;
use http::request::Parts;
use tollgate_iam::{
    Credential, CredentialStore, Identity, Payload, SigV4Error, format_amz_date, parse_amz_date,
    verify,
};

const AK: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TEMP_AK: &str = "ASIATEMPEXAMPLE";
const TEMP_SECRET: &str = "tempSecretExample/abc";
const TOKEN: &str = "FwoGZXIvYXdzEBYaDH+session/token==";
const REGION: &str = "us-east-1";
const HOST: &str = "abcdef1234.execute-api.us-east-1.amazonaws.com";

fn t0() -> SystemTime {
    parse_amz_date("20201027T123008Z").expect("fixed time")
}

fn store() -> CredentialStore {
    let mut s = CredentialStore::new();
    s.insert(Credential {
        access_key_id: AK.into(),
        secret_access_key: SECRET.into(),
        session_token: None,
        expires: None,
        account_id: "123456789012".into(),
        principal_arn: "arn:aws:iam::123456789012:user/alice".into(),
        user_id: "AIDAEXAMPLEALICE".into(),
        policy: None,
    });
    s.insert(Credential {
        access_key_id: TEMP_AK.into(),
        secret_access_key: TEMP_SECRET.into(),
        session_token: Some(TOKEN.into()),
        expires: Some(t0() + Duration::from_secs(3600)),
        account_id: "123456789012".into(),
        principal_arn: "arn:aws:sts::123456789012:assumed-role/deployer/s1".into(),
        user_id: "AROAEXAMPLEROLE:s1".into(),
        policy: None,
    });
    s
}

struct Client {
    access_key: &'static str,
    secret: &'static str,
    token: Option<&'static str>,
    region: &'static str,
    service: &'static str,
    settings: SigningSettings,
}

impl Client {
    fn alice() -> Self {
        Self {
            access_key: AK,
            secret: SECRET,
            token: None,
            region: REGION,
            service: "execute-api",
            settings: SigningSettings::default(),
        }
    }
}

/// Signs `method https://HOST{path_and_query}` with `headers`/`body` at `time`, then returns
/// the request head as a server receives it (origin-form URI plus a `host` header) and the body.
fn signed(
    client: &Client,
    method: &str,
    path_and_query: &str,
    headers: &[(&str, &str)],
    body: SignableBody<'_>,
    time: SystemTime,
) -> Parts {
    let url = format!("https://{HOST}{path_and_query}");
    let creds = Credentials::new(
        client.access_key,
        client.secret,
        client.token.map(str::to_owned),
        None,
        "test",
    );
    let identity = creds.into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region(client.region)
        .name(client.service)
        .time(time)
        .settings(client.settings.clone())
        .build()
        .expect("signing params")
        .into();
    let signable = SignableRequest::new(method, url.as_str(), headers.iter().copied(), body)
        .expect("signable");
    let (instructions, _sig) = sign(signable, &params).expect("sign").into_parts();
    let mut builder = http::Request::builder().method(method).uri(url.as_str());
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let mut req = builder.body(()).expect("request");
    instructions.apply_to_request_http1x(&mut req);
    let (mut parts, ()) = req.into_parts();
    // As received by a server: origin-form target and a Host header.
    let pq = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    parts.uri = pq.parse().expect("origin-form uri");
    parts
        .headers
        .insert(http::header::HOST, http::HeaderValue::from_static(HOST));
    parts
}

fn get(client: &Client, path: &str, time: SystemTime) -> Parts {
    signed(client, "GET", path, &[], SignableBody::Bytes(b""), time)
}

fn ok(parts: &Parts, body: &[u8], now: SystemTime) -> Identity {
    match verify(parts, Payload::Bytes(body), &store(), now, REGION) {
        Ok(id) => id,
        Err(e) => panic!("expected valid signature, got {e}"),
    }
}

fn err(parts: &Parts, body: &[u8], now: SystemTime) -> SigV4Error {
    match verify(parts, Payload::Bytes(body), &store(), now, REGION) {
        Ok(id) => panic!("expected an error, got {id:?}"),
        Err(e) => e,
    }
}

#[test]
fn get_with_query_needing_encoding() {
    let p = get(
        &Client::alice(),
        "/prod/pets?name=a%20b&tag=%E2%9C%93&empty=&z=1&a=2&a=1&plus=x%2By&slash=%2F",
        t0(),
    );
    let id = ok(&p, b"", t0());
    assert_eq!(id.access_key, AK);
    assert_eq!(id.account_id, "123456789012");
    assert_eq!(id.caller, "AIDAEXAMPLEALICE");
    assert_eq!(id.user, "AIDAEXAMPLEALICE");
    assert_eq!(id.user_arn, "arn:aws:iam::123456789012:user/alice");
}

#[test]
fn post_with_body_and_signed_content_type() {
    let body = br#"{"name":"rex","kind":"dog"}"#;
    let p = signed(
        &Client::alice(),
        "POST",
        "/prod/pets",
        &[
            ("content-type", "application/json"),
            ("x-custom", "  a   b "),
        ],
        SignableBody::Bytes(body),
        t0(),
    );
    ok(&p, body, t0());
    ok(&p, body, t0() + Duration::from_secs(1));
    // Same via a precomputed hash.
    let hash = tollgate_iam::sha256_hex(body);
    assert!(verify(&p, Payload::Sha256Hex(&hash), &store(), t0(), REGION).is_ok());
    // A different body breaks the signature.
    assert!(matches!(
        err(&p, b"{}", t0()),
        SigV4Error::InvalidSignature { .. }
    ));
}

#[test]
fn paths_with_spaces_unicode_and_dot_segments() {
    for path in [
        "/prod/my%20pets/caf%C3%A9",
        "/prod/a/./b/../c",
        "/prod/x/..",
        "/prod/%E2%9C%93/~tilde/",
        "/",
    ] {
        let p = get(&Client::alice(), path, t0());
        ok(&p, b"", t0());
    }
}

#[test]
fn presigned_url() {
    let mut client = Client::alice();
    client.settings.signature_location = SignatureLocation::QueryParams;
    client.settings.expires_in = Some(Duration::from_secs(600));
    let p = get(&client, "/prod/pets?q=a%20b", t0());
    assert!(p.headers.get(http::header::AUTHORIZATION).is_none());
    assert!(
        p.uri
            .query()
            .is_some_and(|q| q.contains("X-Amz-Signature="))
    );
    ok(&p, b"", t0());
    ok(&p, b"", t0() + Duration::from_secs(600));
    let e = err(&p, b"", t0() + Duration::from_secs(601));
    assert!(
        matches!(
            e,
            SigV4Error::PresignExpired {
                expires_secs: 600,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.message(),
        "Signature expired: 20201027T123008Z is now earlier than 20201027T123009Z (20201027T124009Z - 600 sec.)"
    );
}

#[test]
fn presigned_with_session_token() {
    let client = Client {
        access_key: TEMP_AK,
        secret: TEMP_SECRET,
        token: Some(TOKEN),
        region: REGION,
        service: "execute-api",
        settings: SigningSettings::default(),
    };
    let mut client = client;
    client.settings.signature_location = SignatureLocation::QueryParams;
    client.settings.expires_in = Some(Duration::from_secs(60));
    let p = get(&client, "/prod/pets", t0());
    assert!(
        p.uri
            .query()
            .is_some_and(|q| q.contains("X-Amz-Security-Token="))
    );
    ok(&p, b"", t0());
}

#[test]
fn tampered_presigned_query_fails() {
    let mut client = Client::alice();
    client.settings.signature_location = SignatureLocation::QueryParams;
    client.settings.expires_in = Some(Duration::from_secs(600));
    let mut p = get(&client, "/prod/pets?limit=1", t0());
    let q = p
        .uri
        .query()
        .unwrap_or_default()
        .replace("limit=1", "limit=1000");
    p.uri = format!("/prod/pets?{q}").parse().expect("uri");
    assert!(matches!(
        err(&p, b"", t0()),
        SigV4Error::InvalidSignature { .. }
    ));
}

#[test]
fn session_token_header_form() {
    let client = Client {
        access_key: TEMP_AK,
        secret: TEMP_SECRET,
        token: Some(TOKEN),
        region: REGION,
        service: "execute-api",
        settings: SigningSettings::default(),
    };
    let p = get(&client, "/prod/pets", t0());
    let id = ok(&p, b"", t0());
    assert_eq!(id.caller, "AROAEXAMPLEROLE:s1");
    assert_eq!(
        id.user_arn,
        "arn:aws:sts::123456789012:assumed-role/deployer/s1"
    );

    // Wrong token.
    let mut wrong = p.clone();
    wrong.headers.insert(
        "x-amz-security-token",
        http::HeaderValue::from_static("other"),
    );
    assert_eq!(err(&wrong, b"", t0()), SigV4Error::UnrecognizedClient);

    // No token at all for a temporary credential.
    let mut none = p.clone();
    none.headers.remove("x-amz-security-token");
    assert_eq!(err(&none, b"", t0()), SigV4Error::UnrecognizedClient);

    // Expired credential (expires one hour after t0).
    let later = t0() + Duration::from_secs(3600);
    let p_late = get(&client, "/prod/pets", later);
    let e = err(&p_late, b"", later);
    assert_eq!(e, SigV4Error::ExpiredToken);
    assert_eq!(
        e.message(),
        "The security token included in the request is expired"
    );
    assert_eq!(e.error_type(), "ExpiredTokenException");
    assert_eq!(e.gateway_response_type(), "EXPIRED_TOKEN");
}

#[test]
fn token_sent_for_long_term_key_is_rejected() {
    let client = Client {
        token: Some("unexpected"),
        ..Client::alice()
    };
    let p = get(&client, "/prod/pets", t0());
    assert_eq!(err(&p, b"", t0()), SigV4Error::UnrecognizedClient);
}

#[test]
fn wrong_secret_reports_canonical_and_string_to_sign() {
    let client = Client {
        secret: "not-the-secret",
        ..Client::alice()
    };
    let p = get(&client, "/prod/my%20pets?b=2&a=1", t0());
    let e = err(&p, b"", t0());
    assert_eq!(e.error_type(), "InvalidSignatureException");
    assert_eq!(e.gateway_response_type(), "INVALID_SIGNATURE");
    assert_eq!(e.status(), 403);
    let SigV4Error::InvalidSignature {
        canonical_request,
        string_to_sign,
    } = &e
    else {
        panic!("expected InvalidSignature, got {e:?}");
    };
    let expected_canonical = format!(
        "GET\n/prod/my%2520pets\na=1&b=2\nhost:{HOST}\nx-amz-date:20201027T123008Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(canonical_request, &expected_canonical);
    assert!(string_to_sign.starts_with(
        "AWS4-HMAC-SHA256\n20201027T123008Z\n20201027/us-east-1/execute-api/aws4_request\n"
    ));
    assert_eq!(
        e.message(),
        format!(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'{expected_canonical}'\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n"
        )
    );
}

#[test]
fn skew_limits_both_ways() {
    let p = get(&Client::alice(), "/prod/pets", t0());
    ok(&p, b"", t0() + Duration::from_secs(300));
    ok(&p, b"", t0() - Duration::from_secs(300));

    // Reference §6: request 20201027T123008Z at server time 20201027T130007Z.
    let now = parse_amz_date("20201027T130007Z").expect("time");
    let e = err(&p, b"", now);
    assert_eq!(
        e.message(),
        "Signature expired: 20201027T123008Z is now earlier than 20201027T125507Z (20201027T130007Z - 5 min.)"
    );
    assert_eq!(e.error_type(), "InvalidSignatureException");
    let e = err(&p, b"", t0() + Duration::from_secs(301));
    assert!(matches!(e, SigV4Error::SignatureExpired { .. }));

    // Reference §6: request 20230804T000000Z at server time 20230803T171733Z.
    let future = parse_amz_date("20230804T000000Z").expect("time");
    let p = get(&Client::alice(), "/prod/pets", future);
    let now = parse_amz_date("20230803T171733Z").expect("time");
    let e = err(&p, b"", now);
    assert_eq!(
        e.message(),
        "Signature not yet current: 20230804T000000Z is still later than 20230803T172233Z (20230803T171733Z + 5 min.)"
    );
    assert_eq!(e.error_type(), "InvalidSignatureException");
    let e = err(&p, b"", future - Duration::from_secs(301));
    assert!(matches!(e, SigV4Error::SignatureNotYetCurrent { .. }));
}

#[test]
fn tampered_signed_header_fails_unsigned_header_is_fine() {
    let p = signed(
        &Client::alice(),
        "GET",
        "/prod/pets",
        &[("x-tenant", "t1")],
        SignableBody::Bytes(b""),
        t0(),
    );
    ok(&p, b"", t0());
    let mut tampered = p.clone();
    tampered
        .headers
        .insert("x-tenant", http::HeaderValue::from_static("t2"));
    assert!(matches!(
        err(&tampered, b"", t0()),
        SigV4Error::InvalidSignature { .. }
    ));

    let mut extra = p.clone();
    extra
        .headers
        .insert("x-forwarded-for", http::HeaderValue::from_static("1.2.3.4"));
    extra
        .headers
        .insert("user-agent", http::HeaderValue::from_static("curl/8"));
    ok(&extra, b"", t0());
}

#[test]
fn tampered_path_or_method_fails() {
    let p = get(&Client::alice(), "/prod/pets/1", t0());
    let mut other = p.clone();
    other.uri = "/prod/pets/2".parse().expect("uri");
    assert!(matches!(
        err(&other, b"", t0()),
        SigV4Error::InvalidSignature { .. }
    ));
    let mut del = p.clone();
    del.method = http::Method::DELETE;
    assert!(matches!(
        err(&del, b"", t0()),
        SigV4Error::InvalidSignature { .. }
    ));
}

#[test]
fn x_amz_content_sha256_is_honoured() {
    let mut client = Client::alice();
    client.settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    let body = b"hello";
    let p = signed(
        &client,
        "PUT",
        "/prod/blob",
        &[],
        SignableBody::Bytes(body),
        t0(),
    );
    assert!(p.headers.contains_key("x-amz-content-sha256"));
    ok(&p, body, t0());
    let e = err(&p, b"tampered", t0());
    assert_eq!(e, SigV4Error::ContentSha256Mismatch);

    let p = signed(
        &client,
        "PUT",
        "/prod/blob",
        &[],
        SignableBody::UnsignedPayload,
        t0(),
    );
    assert_eq!(
        p.headers.get("x-amz-content-sha256").map(|v| v.as_bytes()),
        Some(&b"UNSIGNED-PAYLOAD"[..])
    );
    ok(&p, b"any body at all", t0());
}

#[test]
fn http2_request_without_host_header_uses_authority() {
    let mut p = get(&Client::alice(), "/prod/pets?x=1", t0());
    p.headers.remove(http::header::HOST);
    p.uri = format!("https://{HOST}/prod/pets?x=1")
        .parse()
        .expect("uri");
    ok(&p, b"", t0());
}

#[test]
fn unknown_access_key() {
    let client = Client {
        access_key: "AKIDUNKNOWN",
        ..Client::alice()
    };
    let p = get(&client, "/prod/pets", t0());
    let e = err(&p, b"", t0());
    assert_eq!(e, SigV4Error::UnrecognizedClient);
    assert_eq!(
        e.message(),
        "The security token included in the request is invalid."
    );
    assert_eq!(e.error_type(), "UnrecognizedClientException");
}

#[test]
fn wrong_region_and_service() {
    let client = Client {
        region: "eu-west-1",
        ..Client::alice()
    };
    let e = err(&get(&client, "/prod/pets", t0()), b"", t0());
    assert!(matches!(e, SigV4Error::WrongRegion { .. }));
    assert_eq!(
        e.message(),
        "Credential should be scoped to a valid region."
    );

    let client = Client {
        service: "lambda",
        ..Client::alice()
    };
    let e = err(&get(&client, "/prod/pets", t0()), b"", t0());
    assert!(matches!(e, SigV4Error::WrongService { .. }));
    assert_eq!(e.error_type(), "InvalidSignatureException");
}

#[test]
fn missing_authentication_token() {
    let (parts, ()) = http::Request::builder()
        .uri("/prod/pets?x=1")
        .header("host", HOST)
        .body(())
        .expect("request")
        .into_parts();
    let e = err(&parts, b"", t0());
    assert_eq!(e, SigV4Error::MissingAuthenticationToken);
    assert_eq!(e.message(), "Missing Authentication Token");
    assert_eq!(e.error_type(), "MissingAuthenticationTokenException");
    assert_eq!(e.gateway_response_type(), "MISSING_AUTHENTICATION_TOKEN");
    assert!(!tollgate_iam::has_sigv4_material(&parts));
}

#[test]
fn bearer_header_is_incomplete_signature() {
    let (parts, ()) = http::Request::builder()
        .uri("/prod/pets")
        .header("host", HOST)
        .header("authorization", "Bearer x")
        .body(())
        .expect("request")
        .into_parts();
    let e = err(&parts, b"", t0());
    assert_eq!(
        e.message(),
        "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=Bearer x"
    );
    assert_eq!(e.error_type(), "IncompleteSignatureException");
    assert_eq!(e.gateway_response_type(), "INVALID_SIGNATURE");
}

#[test]
fn partial_header_lists_only_missing_parts() {
    let auth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20201027/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date";
    let (parts, ()) = http::Request::builder()
        .uri("/prod/pets")
        .header("host", HOST)
        .header("x-amz-date", format_amz_date(t0()))
        .header("authorization", auth)
        .body(())
        .expect("request")
        .into_parts();
    assert_eq!(
        err(&parts, b"", t0()).message(),
        format!("Authorization header requires 'Signature' parameter. Authorization={auth}")
    );
}

#[test]
fn incomplete_presign_query() {
    let (parts, ()) = http::Request::builder()
        .uri("/prod/pets?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20201027%2Fus-east-1%2Fexecute-api%2Faws4_request")
        .header("host", HOST)
        .body(())
        .expect("request")
        .into_parts();
    let e = err(&parts, b"", t0());
    assert_eq!(
        e,
        SigV4Error::IncompleteQuery {
            missing: vec![
                "X-Amz-Signature",
                "X-Amz-SignedHeaders",
                "X-Amz-Date",
                "X-Amz-Expires"
            ]
        }
    );
    assert_eq!(e.error_type(), "IncompleteSignatureException");
}

#[test]
fn host_must_be_signed_and_scope_date_must_match() {
    let date = format_amz_date(t0());
    let auth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20201027/us-east-1/execute-api/aws4_request, SignedHeaders=x-amz-date, Signature=00";
    let (parts, ()) = http::Request::builder()
        .uri("/prod/pets")
        .header("host", HOST)
        .header("x-amz-date", &date)
        .header("authorization", auth)
        .body(())
        .expect("request")
        .into_parts();
    assert_eq!(err(&parts, b"", t0()), SigV4Error::HostNotSigned);

    let auth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20201028/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=00";
    let (parts, ()) = http::Request::builder()
        .uri("/prod/pets")
        .header("host", HOST)
        .header("x-amz-date", &date)
        .header("authorization", auth)
        .body(())
        .expect("request")
        .into_parts();
    let e = err(&parts, b"", t0());
    assert_eq!(
        e.message(),
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20201028' != '20201027', from '20201027T123008Z'."
    );
}

#[test]
fn malformed_date() {
    let auth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20201027/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=00";
    let (parts, ()) = http::Request::builder()
        .uri("/prod/pets")
        .header("host", HOST)
        .header("x-amz-date", "2020-10-27")
        .header("authorization", auth)
        .body(())
        .expect("request")
        .into_parts();
    assert_eq!(
        err(&parts, b"", t0()),
        SigV4Error::MalformedDate {
            value: "2020-10-27".into()
        }
    );
}

/// A request signed by hand with the `Date` header instead of `X-Amz-Date`, using the
/// aws-sigv4 key-derivation functions directly.
#[test]
fn date_header_instead_of_x_amz_date() {
    use aws_sigv4::sign::v4::{calculate_signature, generate_signing_key};
    let date = "Tue, 27 Oct 2020 12:30:08 GMT";
    let canonical = format!(
        "GET\n/prod/pets\n\ndate:{date}\nhost:{HOST}\n\ndate;host\n{}",
        tollgate_iam::EMPTY_SHA256
    );
    let sts = format!(
        "AWS4-HMAC-SHA256\n20201027T123008Z\n20201027/us-east-1/execute-api/aws4_request\n{}",
        tollgate_iam::sha256_hex(canonical.as_bytes())
    );
    let key = generate_signing_key(SECRET, t0(), REGION, "execute-api");
    let sig = calculate_signature(key.as_ref(), sts.as_bytes());
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential={AK}/20201027/us-east-1/execute-api/aws4_request, SignedHeaders=date;host, Signature={sig}"
    );
    let (parts, ()) = http::Request::builder()
        .uri("/prod/pets")
        .header("host", HOST)
        .header("date", date)
        .header("authorization", auth)
        .body(())
        .expect("request")
        .into_parts();
    ok(&parts, b"", t0());
}

#[test]
fn hostile_header_values_do_not_panic() {
    for signed_headers in [
        "host;;x-amz-date",
        "host;bad name;x-amz-date",
        "host;é",
        ";",
        "host;HOST",
    ] {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential={AK}/20201027/us-east-1/execute-api/aws4_request, SignedHeaders={signed_headers}, Signature=zz"
        );
        let (parts, ()) = http::Request::builder()
            .uri("/prod/%ZZ/../%?a=%&b==&&=c")
            .header("host", HOST)
            .header("x-amz-date", format_amz_date(t0()))
            .header("authorization", auth)
            .body(())
            .expect("request")
            .into_parts();
        let e = err(&parts, b"", t0());
        let expected_host_error = !signed_headers.split(';').any(|h| h == "host");
        if expected_host_error {
            assert_eq!(e, SigV4Error::HostNotSigned);
        } else {
            assert!(matches!(e, SigV4Error::InvalidSignature { .. }), "{e:?}");
        }
    }
    for auth in [
        "",
        "AWS4-HMAC-SHA256",
        "AWS4-HMAC-SHA256 ,,,===",
        "AWS4-HMAC-SHA256 Credential=/////",
    ] {
        let (parts, ()) = http::Request::builder()
            .uri("/")
            .header("authorization", auth)
            .body(())
            .expect("request")
            .into_parts();
        let e = err(&parts, b"", t0());
        assert!(
            matches!(e, SigV4Error::IncompleteSignature { .. }),
            "{auth:?}: {e:?}"
        );
    }
}
