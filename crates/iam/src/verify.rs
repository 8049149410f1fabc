//! SigV4 verification of a received request.

use std::time::{Duration, SystemTime};

use aws_sigv4::sign::v4::{calculate_signature, generate_signing_key};
use http::request::Parts;
use subtle::ConstantTimeEq;

use crate::canonical::{
    UNSIGNED_PAYLOAD, canonical_headers, canonical_query, canonical_uri, format_amz_date,
    format_scope_date, parse_amz_date, parse_http_date, sha256_hex,
};
use crate::credentials::{Credential, CredentialStore};
use crate::error::{MAX_PRESIGN_EXPIRES_SECS, MAX_SKEW_SECS, SigV4Error};

/// The only algorithm accepted.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The service name in the credential scope.
pub const SERVICE: &str = "execute-api";

/// The request body as the verifier sees it.
#[derive(Debug, Clone, Copy)]
pub enum Payload<'a> {
    /// The full body bytes.
    Bytes(&'a [u8]),
    /// The hex SHA-256 of the body, computed by the caller (lower-case).
    Sha256Hex(&'a str),
}

impl Payload<'_> {
    fn hash(&self) -> String {
        match self {
            Payload::Bytes(b) => sha256_hex(b),
            Payload::Sha256Hex(h) => h.to_ascii_lowercase(),
        }
    }
}

/// Who signed the request; the values of `$context.identity.*` for `AWS_IAM` methods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// `$context.identity.accessKey`: the access key id.
    pub access_key: String,
    /// `$context.identity.accountId`: the caller's account.
    pub account_id: String,
    /// `$context.identity.caller`: `AIDA...` or `AROA...:session`.
    pub caller: String,
    /// `$context.identity.user`: same forms as `caller`.
    pub user: String,
    /// `$context.identity.userArn`.
    pub user_arn: String,
}

impl Identity {
    fn from_credential(c: &Credential) -> Self {
        Self {
            access_key: c.access_key_id.clone(),
            account_id: c.account_id.clone(),
            caller: c.user_id.clone(),
            user: c.user_id.clone(),
            user_arn: c.principal_arn.clone(),
        }
    }

    /// The caller as a policy principal (for resource-policy and condition evaluation).
    pub fn principal(&self) -> tollgate_policy::Principal {
        tollgate_policy::Principal {
            account_id: self.account_id.clone(),
            arn: self.user_arn.clone(),
            user_id: Some(self.user.clone()),
            org_id: None,
        }
    }
}

/// Whether a request carries SigV4 material at all (an `Authorization` header or any of
/// the `X-Amz-Algorithm` / `X-Amz-Credential` / `X-Amz-Signature` query parameters).
pub fn has_sigv4_material(parts: &Parts) -> bool {
    parts.headers.contains_key(http::header::AUTHORIZATION) || presign_params(parts).is_some()
}

struct Signed {
    access_key: String,
    scope_date: String,
    scope_region: String,
    scope_service: String,
    scope_terminator: String,
    signed_headers: Vec<String>,
    signature: String,
    /// The time string that goes into the string to sign.
    date_raw: String,
    session_token: Option<String>,
    presign_expires: Option<String>,
    presigned: bool,
}

fn presign_params(parts: &Parts) -> Option<Vec<(String, String)>> {
    let q = parts.uri.query()?;
    let pairs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let is_presigned = pairs.iter().any(|(k, _)| {
        matches!(
            k.as_str(),
            "X-Amz-Algorithm" | "X-Amz-Credential" | "X-Amz-Signature"
        )
    });
    is_presigned.then_some(pairs)
}

fn header_str(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

fn split_credential(credential: &str) -> Option<[String; 5]> {
    let fields: Vec<&str> = credential.split('/').collect();
    match fields.as_slice() {
        [a, d, r, s, t] if !a.is_empty() => Some([a, d, r, s, t].map(|x| (*x).to_owned())),
        _ => None,
    }
}

fn parse_header_form(parts: &Parts, authorization: &str) -> Result<Signed, SigV4Error> {
    let date_header = header_str(parts, "x-amz-date").or_else(|| header_str(parts, "date"));
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    let rest = authorization
        .strip_prefix(ALGORITHM)
        .filter(|r| r.starts_with(' '));
    if let Some(rest) = rest {
        for item in rest.split(',') {
            if let Some((k, v)) = item.trim().split_once('=') {
                match k.trim() {
                    "Credential" => credential = Some(v.trim().to_owned()),
                    "SignedHeaders" => signed_headers = Some(v.trim().to_owned()),
                    "Signature" => signature = Some(v.trim().to_owned()),
                    _ => {}
                }
            }
        }
    }
    let scope = credential.as_deref().and_then(split_credential);
    let mut missing = Vec::new();
    if scope.is_none() {
        missing.push("Credential");
    }
    if signature.as_deref().is_none_or(str::is_empty) {
        missing.push("Signature");
    }
    if signed_headers.as_deref().is_none_or(str::is_empty) {
        missing.push("SignedHeaders");
    }
    if date_header.is_none() {
        missing.push("Date");
    }
    match (scope, signed_headers, signature, date_header) {
        (Some([ak, d, r, s, t]), Some(sh), Some(sig), Some(date)) if missing.is_empty() => {
            Ok(Signed {
                access_key: ak,
                scope_date: d,
                scope_region: r,
                scope_service: s,
                scope_terminator: t,
                signed_headers: sh.split(';').map(str::to_owned).collect(),
                signature: sig,
                date_raw: date,
                session_token: header_str(parts, "x-amz-security-token"),
                presign_expires: None,
                presigned: false,
            })
        }
        _ => Err(SigV4Error::IncompleteSignature {
            missing,
            authorization: authorization.to_owned(),
        }),
    }
}

fn parse_query_form(pairs: &[(String, String)]) -> Result<Signed, SigV4Error> {
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let required = [
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Signature",
        "X-Amz-SignedHeaders",
        "X-Amz-Date",
        "X-Amz-Expires",
    ];
    let missing: Vec<&'static str> = required
        .into_iter()
        .filter(|n| get(n).is_none_or(|v| v.is_empty()))
        .collect();
    if !missing.is_empty() {
        return Err(SigV4Error::IncompleteQuery { missing });
    }
    let (Some(alg), Some(cred), Some(sig), Some(sh), Some(date), Some(expires)) = (
        get("X-Amz-Algorithm"),
        get("X-Amz-Credential"),
        get("X-Amz-Signature"),
        get("X-Amz-SignedHeaders"),
        get("X-Amz-Date"),
        get("X-Amz-Expires"),
    ) else {
        return Err(SigV4Error::IncompleteQuery {
            missing: required.to_vec(),
        });
    };
    if alg != ALGORITHM {
        return Err(SigV4Error::IncompleteQuery {
            missing: vec!["X-Amz-Algorithm"],
        });
    }
    let Some([ak, d, r, s, t]) = split_credential(&cred) else {
        return Err(SigV4Error::IncompleteQuery {
            missing: vec!["X-Amz-Credential"],
        });
    };
    Ok(Signed {
        access_key: ak,
        scope_date: d,
        scope_region: r,
        scope_service: s,
        scope_terminator: t,
        signed_headers: sh.split(';').map(str::to_owned).collect(),
        signature: sig,
        date_raw: date,
        session_token: get("X-Amz-Security-Token"),
        presign_expires: Some(expires),
        presigned: true,
    })
}

fn ct_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Verifies the SigV4 signature of a received `execute-api` request.
///
/// - `parts`: the request head as received; the path and query are used exactly as sent
///   (`parts.uri.path()` / `.query()`), the `Host` header (or the URI authority for HTTP/2)
///   for `host`.
/// - `payload`: the body or its SHA-256. A signed `x-amz-content-sha256` header, when
///   present, is used as the payload hash (`UNSIGNED-PAYLOAD` included); a hex value must
///   equal the body's hash. Presigned requests also accept `UNSIGNED-PAYLOAD`.
/// - `now`: the server clock. Header-signed requests may be 5 minutes off either way;
///   presigned ones are valid from 5 minutes before `X-Amz-Date` to `X-Amz-Date + X-Amz-Expires`.
/// - `region`: the only region accepted in the credential scope; the service must be
///   `execute-api`.
///
/// Checks in order: SigV4 material present; header/query complete; access key known;
/// session token matches the credential; credential not expired; scope region, service,
/// terminator, date; request time; `host` signed; payload hash; signature (constant time).
pub fn verify(
    parts: &Parts,
    payload: Payload<'_>,
    store: &CredentialStore,
    now: SystemTime,
    region: &str,
) -> Result<Identity, SigV4Error> {
    verify_for(parts, payload, store, now, Some(region), SERVICE)
}

/// [`verify`] for requests to another service (`apigateway` for the management API), with the
/// same checks and texts. `region`: the only region accepted in the scope, or `None` to accept
/// the one the client signed for (a local gateway answers for every region).
pub fn verify_for(
    parts: &Parts,
    payload: Payload<'_>,
    store: &CredentialStore,
    now: SystemTime,
    region: Option<&str>,
    service: &str,
) -> Result<Identity, SigV4Error> {
    let signed = if let Some(auth) = parts.headers.get(http::header::AUTHORIZATION) {
        parse_header_form(parts, &String::from_utf8_lossy(auth.as_bytes()))?
    } else if let Some(pairs) = presign_params(parts) {
        parse_query_form(&pairs)?
    } else {
        return Err(SigV4Error::MissingAuthenticationToken);
    };

    let credential = store
        .get(&signed.access_key)
        .ok_or(SigV4Error::UnrecognizedClient)?;
    match (&credential.session_token, &signed.session_token) {
        (None, None) => {}
        (Some(expected), Some(got)) if ct_eq(expected, got) => {}
        _ => return Err(SigV4Error::UnrecognizedClient),
    }
    if credential.expires.is_some_and(|e| now >= e) {
        return Err(SigV4Error::ExpiredToken);
    }

    if region.is_some_and(|r| signed.scope_region != r) {
        return Err(SigV4Error::WrongRegion {
            scope_region: signed.scope_region,
        });
    }
    let region = signed.scope_region.clone();
    let region = region.as_str();
    if signed.scope_service != service {
        return Err(SigV4Error::WrongService {
            scope_service: signed.scope_service,
            expected: service.to_owned(),
        });
    }
    if signed.scope_terminator != "aws4_request" {
        return Err(SigV4Error::WrongTerminator {
            terminator: signed.scope_terminator,
        });
    }

    let request_time = parse_amz_date(&signed.date_raw)
        .or_else(|| {
            (!signed.presigned && header_str(parts, "x-amz-date").is_none())
                .then(|| parse_http_date(&signed.date_raw))
                .flatten()
        })
        .ok_or_else(|| SigV4Error::MalformedDate {
            value: signed.date_raw.clone(),
        })?;
    let amz_date = format_amz_date(request_time);
    let request_day = format_scope_date(request_time);
    if signed.scope_date != request_day {
        return Err(SigV4Error::ScopeDateMismatch {
            scope_date: signed.scope_date,
            request_date: request_day,
            request_time: amz_date,
        });
    }
    check_time(&signed, request_time, now, &amz_date)?;

    if !signed.signed_headers.iter().any(|h| h == "host") {
        return Err(SigV4Error::HostNotSigned);
    }

    let body_hash = payload.hash();
    let declared = if signed.presigned {
        presign_params(parts).and_then(|pairs| {
            pairs
                .into_iter()
                .find(|(k, _)| k == "X-Amz-Content-Sha256")
                .map(|(_, v)| v)
        })
    } else {
        header_str(parts, "x-amz-content-sha256")
    };
    let mut payload_hashes = Vec::with_capacity(2);
    match declared {
        Some(d) if d == UNSIGNED_PAYLOAD => payload_hashes.push(d),
        Some(d) if d.len() == 64 && d.bytes().all(|b| b.is_ascii_hexdigit()) => {
            if !d.eq_ignore_ascii_case(&body_hash) {
                return Err(SigV4Error::ContentSha256Mismatch);
            }
            payload_hashes.push(d);
        }
        // Any other declared value (e.g. STREAMING-*) is signed as given.
        Some(d) => payload_hashes.push(d),
        None => {
            payload_hashes.push(body_hash);
            if signed.presigned {
                payload_hashes.push(UNSIGNED_PAYLOAD.to_owned());
            }
        }
    }

    let exclude: &[&str] = if signed.presigned {
        &["X-Amz-Signature"]
    } else {
        &[]
    };
    let prefix = format!(
        "{}\n{}\n{}\n{}\n{}\n",
        parts.method.as_str(),
        canonical_uri(parts.uri.path()),
        canonical_query(parts.uri.query(), exclude),
        canonical_headers(
            &parts.headers,
            &signed.signed_headers,
            parts.uri.authority().map(|a| a.as_str())
        ),
        signed.signed_headers.join(";"),
    );
    let scope = format!("{}/{}/{}/aws4_request", signed.scope_date, region, service);
    let signing_key =
        generate_signing_key(&credential.secret_access_key, request_time, region, service);
    let provided = signed.signature.to_ascii_lowercase();

    let mut first: Option<(String, String)> = None;
    for hash in payload_hashes {
        let canonical_request = format!("{prefix}{hash}");
        let string_to_sign = format!(
            "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
            sha256_hex(canonical_request.as_bytes())
        );
        let expected = calculate_signature(signing_key.as_ref(), string_to_sign.as_bytes());
        if ct_eq(&expected, &provided) {
            return Ok(Identity::from_credential(credential));
        }
        if first.is_none() {
            first = Some((canonical_request, string_to_sign));
        }
    }
    let (canonical_request, string_to_sign) = first.unwrap_or_default();
    Err(SigV4Error::InvalidSignature {
        canonical_request,
        string_to_sign,
    })
}

fn check_time(
    signed: &Signed,
    request_time: SystemTime,
    now: SystemTime,
    amz_date: &str,
) -> Result<(), SigV4Error> {
    let skew = Duration::from_secs(MAX_SKEW_SECS);
    let now_s = format_amz_date(now);
    let late_limit = now.checked_add(skew).unwrap_or(now);
    if request_time > late_limit {
        return Err(SigV4Error::SignatureNotYetCurrent {
            request_time: amz_date.to_owned(),
            now: now_s,
            limit: format_amz_date(late_limit),
        });
    }
    match &signed.presign_expires {
        None => {
            let early_limit = now.checked_sub(skew).unwrap_or(SystemTime::UNIX_EPOCH);
            if request_time < early_limit {
                return Err(SigV4Error::SignatureExpired {
                    request_time: amz_date.to_owned(),
                    now: now_s,
                    limit: format_amz_date(early_limit),
                });
            }
        }
        Some(raw) => {
            let expires_secs = raw
                .parse::<u64>()
                .ok()
                .filter(|s| (1..=MAX_PRESIGN_EXPIRES_SECS).contains(s))
                .ok_or_else(|| SigV4Error::InvalidExpires { value: raw.clone() })?;
            let window = Duration::from_secs(expires_secs);
            let early_limit = now.checked_sub(window).unwrap_or(SystemTime::UNIX_EPOCH);
            if request_time < early_limit {
                return Err(SigV4Error::PresignExpired {
                    request_time: amz_date.to_owned(),
                    now: now_s,
                    limit: format_amz_date(early_limit),
                    expires_secs,
                });
            }
        }
    }
    Ok(())
}
