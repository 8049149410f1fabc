//! Authorizer configuration: providers, expression, and tuning options.

use std::collections::HashMap;
use std::time::Duration;

use crate::error::ConfigError;

/// One entry of an authorizer's `providerARNs`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    /// `arn:{partition}:cognito-idp:{region}:{account}:userpool/{pool_id}`.
    CognitoUserPool {
        /// ARN partition (`aws`, `aws-cn`, `aws-us-gov`).
        partition: String,
        /// Region, e.g. `us-east-1`.
        region: String,
        /// Twelve-digit account id.
        account: String,
        /// Pool id, e.g. `us-east-1_AbCdEf123`.
        pool_id: String,
    },
    /// A generic OpenID Connect issuer URL, compared verbatim with `iss`
    /// (trailing slash included: Auth0 issuers end with `/`, Keycloak's do not).
    Issuer(String),
}

impl Provider {
    /// Parses a Cognito user pool ARN or an issuer URL.
    ///
    /// Issuer URLs must be `https://`, or `http://` on a loopback host
    /// (`localhost`, `127.0.0.0/8`, `[::1]`) unless `allow_plain_http` is set.
    pub fn parse(text: &str, allow_plain_http: bool) -> Result<Provider, ConfigError> {
        let bad = |why| ConfigError::InvalidProvider(text.to_string(), why);
        if let Some(rest) = text.strip_prefix("arn:") {
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            let [partition, service, region, account, resource] = parts.as_slice() else {
                return Err(bad("an ARN needs six ':'-separated fields"));
            };
            if *service != "cognito-idp" {
                return Err(bad("only cognito-idp ARNs are supported"));
            }
            if !matches!(*partition, "aws" | "aws-cn" | "aws-us-gov") {
                return Err(bad("unknown ARN partition"));
            }
            let region_ok = !region.is_empty()
                && region
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !region_ok {
                return Err(bad("invalid region"));
            }
            if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("account must be twelve digits"));
            }
            let Some(pool_id) = resource.strip_prefix("userpool/") else {
                return Err(bad("resource must be userpool/{poolId}"));
            };
            let pool_ok = !pool_id.is_empty()
                && pool_id.len() <= 55
                && pool_id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !pool_ok {
                return Err(bad("invalid user pool id"));
            }
            return Ok(Provider::CognitoUserPool {
                partition: (*partition).to_string(),
                region: (*region).to_string(),
                account: (*account).to_string(),
                pool_id: pool_id.to_string(),
            });
        }
        check_url(text, allow_plain_http).map_err(bad)?;
        Ok(Provider::Issuer(text.to_string()))
    }

    /// The `iss` value real tokens of this provider carry: for a pool
    /// `https://cognito-idp.{region}.amazonaws.com/{pool_id}` (`.com.cn` in
    /// `aws-cn`), for an issuer URL the URL itself.
    pub fn issuer(&self) -> String {
        match self {
            Provider::CognitoUserPool {
                partition,
                region,
                pool_id,
                ..
            } => {
                let suffix = if partition == "aws-cn" {
                    "amazonaws.com.cn"
                } else {
                    "amazonaws.com"
                };
                format!("https://cognito-idp.{region}.{suffix}/{pool_id}")
            }
            Provider::Issuer(url) => url.clone(),
        }
    }
}

/// What an API Gateway `Authorizer` resource of type `COGNITO_USER_POOLS`
/// contributes to validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizerConfig {
    /// The authorizer's `providerARNs`: Cognito pool ARNs and/or issuer URLs.
    pub provider_arns: Vec<String>,
    /// The authorizer's `identityValidationExpression`, if any.
    pub identity_validation_expression: Option<String>,
}

/// Token-checking knobs of a [`crate::Validator`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationOptions {
    /// Clock-skew allowance for `nbf` and `iat` (default 60 s).
    pub leeway: Duration,
    /// Allowance after `exp` before a token counts as expired (default 0,
    /// as AWS: a token is expired from its `exp` second on).
    pub exp_leeway: Duration,
    /// Longest accepted token, in bytes after stripping `Bearer `
    /// (default 16 KiB; API Gateway caps a header at 10 KiB anyway).
    pub max_token_bytes: usize,
    /// Backtracking budget of `identityValidationExpression` per match
    /// (default 100 000); exceeding it counts as no match.
    pub regex_backtrack_limit: usize,
}

impl Default for ValidationOptions {
    fn default() -> Self {
        ValidationOptions {
            leeway: Duration::from_secs(60),
            exp_leeway: Duration::ZERO,
            max_token_bytes: 16 * 1024,
            regex_backtrack_limit: 100_000,
        }
    }
}

/// Key-fetching and caching knobs of a [`crate::KeyStore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyStoreOptions {
    /// How long a fetched JWKS is used before it is refreshed (default 1 h).
    pub ttl: Duration,
    /// How long past `ttl` a JWKS stays usable while refreshes fail
    /// (stale-while-error; default 24 h).
    pub stale_if_error: Duration,
    /// Minimum spacing of refetches caused by unknown `kid`s, and of retries
    /// after a failed fetch, per issuer (default 30 s).
    pub refetch_min_interval: Duration,
    /// Deadline for one refresh (discovery plus JWKS), default 5 s.
    pub fetch_timeout: Duration,
    /// Largest accepted discovery or JWKS body (default 256 KiB).
    pub max_body_bytes: usize,
    /// Replaces `https://cognito-idp.{region}.amazonaws.com` for Cognito
    /// providers (e.g. `http://127.0.0.1:9229` for cognito-local or a test
    /// server). Keys are then fetched from `{endpoint}/{poolId}/.well-known/jwks.json`
    /// and tokens are accepted whose `iss` is either the AWS issuer or
    /// `{endpoint}/{poolId}` (emulators differ in which they write).
    pub cognito_endpoint: Option<String>,
    /// Issuer → JWKS URL, skipping OIDC discovery for that issuer. The key is
    /// the issuer as it appears in `iss` (for Cognito pools the AWS issuer).
    pub jwks_uri_overrides: HashMap<String, String>,
    /// Accept `http://` issuers and JWKS URLs on non-loopback hosts
    /// (default false; loopback `http://` is always accepted).
    pub allow_plain_http: bool,
}

impl Default for KeyStoreOptions {
    fn default() -> Self {
        KeyStoreOptions {
            ttl: Duration::from_secs(3600),
            stale_if_error: Duration::from_secs(24 * 3600),
            refetch_min_interval: Duration::from_secs(30),
            fetch_timeout: Duration::from_secs(5),
            max_body_bytes: 256 * 1024,
            cognito_endpoint: None,
            jwks_uri_overrides: HashMap::new(),
            allow_plain_http: false,
        }
    }
}

/// Checks that `url` is an absolute `https://` URL, or `http://` on a
/// loopback host (any `http://` host when `allow_plain_http`).
pub(crate) fn check_url(url: &str, allow_plain_http: bool) -> Result<(), &'static str> {
    let uri: http::Uri = url.parse().map_err(|_| "not a valid URL")?;
    let host = uri.host().ok_or("URL has no host")?;
    if uri.query().is_some() {
        return Err("URL must not have a query");
    }
    if url.contains('@') {
        return Err("URL must not carry user info");
    }
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") if allow_plain_http || is_loopback(host) => Ok(()),
        Some("http") => Err("plain http is only accepted for loopback hosts"),
        _ => Err("URL must be http(s)"),
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .map(|ip| ip.is_loopback())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pool_arn() {
        let p = Provider::parse(
            "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC123",
            false,
        );
        let Ok(p) = p else {
            panic!("expected a pool: {p:?}");
        };
        assert_eq!(
            p.issuer(),
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123"
        );
    }

    #[test]
    fn rejects_bad_providers() {
        for bad in [
            "arn:aws:lambda:us-east-1:123456789012:function:x",
            "arn:aws:cognito-idp:us-east-1:12345:userpool/p",
            "arn:aws:cognito-idp:us-east-1:123456789012:pool/p",
            "arn:aws:cognito-idp:us-east-1:123456789012:userpool/",
            "http://example.com/realms/x",
            "ftp://example.com",
            "https://user@example.com/",
            "not a url",
        ] {
            assert!(Provider::parse(bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn accepts_issuer_urls() {
        for good in [
            "https://tenant.auth0.com/",
            "http://127.0.0.1:8080/realms/x",
            "http://localhost/realms/x",
            "http://[::1]:9/x",
        ] {
            assert!(Provider::parse(good, false).is_ok(), "{good}");
        }
        assert!(Provider::parse("http://keycloak:8080/realms/x", true).is_ok());
    }
}
