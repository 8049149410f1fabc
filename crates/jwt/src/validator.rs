//! Per-authorizer token validation.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use crate::claims::{Claims, TokenKind};
use crate::config::{AuthorizerConfig, Provider, ValidationOptions};
use crate::error::{ConfigError, JwtError};
use crate::keystore::{KeyStore, ResolvedIssuer};
use crate::token::{decode_unverified, strip_bearer};

/// A token whose signature checked out against its issuer's keys (see [`Validator::verify`]).
#[derive(Debug, Clone)]
pub struct VerifiedToken {
    claims: Claims,
    kind: Result<TokenKind, JwtError>,
    audience_matches: bool,
}

impl VerifiedToken {
    /// The token's claims. Only meaningful once [`Validator::check`] accepted the token.
    pub fn claims(&self) -> &Claims {
        &self.claims
    }

    /// When the token expires (`exp`, seconds since the epoch), for bounding a cache entry.
    pub fn expires_at(&self) -> Option<f64> {
        self.claims.raw().get("exp").and_then(Value::as_f64)
    }
}

/// Validates tokens for one `COGNITO_USER_POOLS` authorizer. Cheap to share
/// (`Send + Sync`); build one per authorizer and reuse it for every request.
pub struct Validator {
    store: Arc<KeyStore>,
    issuers: Vec<ResolvedIssuer>,
    expression: Option<fancy_regex::Regex>,
    options: ValidationOptions,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validator")
            .field("issuers", &self.issuers().collect::<Vec<_>>())
            .field("expression", &self.expression.as_ref().map(|r| r.as_str()))
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Validator {
    /// Builds a validator from the authorizer's `providerARNs` (pool ARNs or
    /// issuer URLs) and `identityValidationExpression`, which is compiled
    /// with Java `matches()` semantics (`^(?:expr)$`, fancy-regex, with
    /// [`ValidationOptions::regex_backtrack_limit`]). No network access.
    pub fn new(
        config: &AuthorizerConfig,
        store: Arc<KeyStore>,
        options: ValidationOptions,
    ) -> Result<Validator, ConfigError> {
        if config.provider_arns.is_empty() {
            return Err(ConfigError::NoProviders);
        }
        let allow_http = store.options().allow_plain_http;
        let mut issuers = Vec::with_capacity(config.provider_arns.len());
        for text in &config.provider_arns {
            let provider = Provider::parse(text.trim(), allow_http)?;
            issuers.push(store.resolve(&provider)?);
        }
        let expression = match config.identity_validation_expression.as_deref() {
            None | Some("") => None,
            Some(expr) => Some(
                fancy_regex::RegexBuilder::new(&format!("^(?:{expr})$"))
                    .backtrack_limit(options.regex_backtrack_limit)
                    .build()
                    .map_err(|e| ConfigError::InvalidExpression(e.to_string()))?,
            ),
        };
        Ok(Validator {
            store,
            issuers,
            expression,
            options,
        })
    }

    /// The `iss` values this validator accepts.
    pub fn issuers(&self) -> impl Iterator<Item = &str> {
        self.issuers
            .iter()
            .flat_map(|i| i.accepted.iter().map(String::as_str))
    }

    /// Validates the identity-source header value of one request.
    ///
    /// `method_scopes` is the method's `authorizationScopes` (empty: an ID
    /// token is required; otherwise an access token holding at least one of
    /// them). `now` is the request time, used for `exp`/`nbf`/`iat`.
    ///
    /// Checks, in order: token present (optional `Bearer ` prefix stripped),
    /// well-formed, `alg` accepted, `iss` one of the providers, key found by
    /// `kid`, signature, `exp` (→ [`JwtError::Expired`]), `nbf`/`iat`, token
    /// kind, scopes, `identityValidationExpression`. For Cognito pools the
    /// expression is matched against `aud` for both kinds, as AWS does (so
    /// it always fails for access tokens, which have no `aud`); for other
    /// issuers against `aud` (ID tokens, any element of an array) or
    /// `client_id`, else `azp` (access tokens).
    pub async fn validate(
        &self,
        token_header_value: &str,
        method_scopes: &[String],
        now: SystemTime,
    ) -> Result<Claims, JwtError> {
        let verified = self.verify(token_header_value).await?;
        self.check(&verified, method_scopes, now)?;
        Ok(verified.claims)
    }

    /// The request-independent part of [`Validator::validate`]: token present and well-formed,
    /// `alg`, `iss`, key and signature. Its answer depends only on the header value and the
    /// issuer's keys, so a caller may cache it per token (as API Gateway caches authorizer results)
    /// and run [`Validator::check`] on every request.
    pub async fn verify(&self, token_header_value: &str) -> Result<VerifiedToken, JwtError> {
        let token = strip_bearer(token_header_value).ok_or(JwtError::Missing)?;
        let unverified = decode_unverified(token, self.options.max_token_bytes)?;
        let claims = unverified.claims();
        let Some(Value::String(iss)) = claims.get("iss") else {
            return Err(JwtError::WrongIssuer);
        };
        let Some(issuer) = self
            .issuers
            .iter()
            .find(|i| i.accepted.iter().any(|a| a == iss))
        else {
            return Err(JwtError::WrongIssuer);
        };
        let key = issuer
            .keys
            .key(&self.store, unverified.kid(), unverified.alg())
            .await?;
        key.verify(
            unverified.alg(),
            unverified.signing_input().as_bytes(),
            unverified.signature(),
        )?;
        let kind = classify(claims, issuer.cognito);
        let audience_matches = match (&self.expression, &kind) {
            (None, _) | (_, Err(_)) => true,
            (Some(expression), Ok(kind)) => audience_subjects(claims, *kind, issuer.cognito)
                .iter()
                .any(|s| expression.is_match(s).unwrap_or(false)),
        };
        let iss = iss.clone();
        Ok(VerifiedToken {
            claims: Claims::new(
                unverified.into_claims(),
                *kind.as_ref().unwrap_or(&TokenKind::Id),
                iss,
            ),
            kind,
            audience_matches,
        })
    }

    /// The request-dependent part of [`Validator::validate`], in its order: `exp`, `nbf`/`iat`
    /// against `now`, token kind, the method's scopes, `identityValidationExpression`.
    pub fn check(
        &self,
        token: &VerifiedToken,
        method_scopes: &[String],
        now: SystemTime,
    ) -> Result<(), JwtError> {
        let claims = token.claims.raw();
        check_times(claims, now, &self.options)?;
        let kind = token.kind.clone()?;
        if method_scopes.is_empty() {
            if kind != TokenKind::Id {
                return Err(JwtError::WrongTokenUse);
            }
        } else {
            if kind != TokenKind::Access {
                return Err(JwtError::WrongTokenUse);
            }
            if !has_scope(claims, method_scopes) {
                return Err(JwtError::InsufficientScope);
            }
        }
        if !token.audience_matches {
            return Err(JwtError::AudienceMismatch);
        }
        Ok(())
    }

    /// Fetches every issuer's keys now (e.g. at deployment), so that the
    /// first request does not pay for it. Returns the first failure.
    pub async fn prefetch(&self) -> Result<(), JwtError> {
        let mut first_error = None;
        for issuer in &self.issuers {
            if let Err(e) = issuer.keys.warm(&self.store).await
                && first_error.is_none()
            {
                first_error = Some(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

fn number(claims: &Map<String, Value>, name: &'static str) -> Result<Option<f64>, JwtError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .map(Some)
            .ok_or(JwtError::Malformed("time claim out of range")),
        Some(_) => Err(JwtError::Malformed("time claim is not a number")),
    }
}

fn check_times(
    claims: &Map<String, Value>,
    now: SystemTime,
    options: &ValidationOptions,
) -> Result<(), JwtError> {
    let now = match now.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64(),
        Err(e) => -e.duration().as_secs_f64(),
    };
    let Some(exp) = number(claims, "exp")? else {
        return Err(JwtError::Malformed("token has no exp"));
    };
    if now >= exp + options.exp_leeway.as_secs_f64() {
        return Err(JwtError::Expired);
    }
    let leeway = options.leeway.as_secs_f64();
    for name in ["nbf", "iat"] {
        if let Some(t) = number(claims, name)?
            && t > now + leeway
        {
            return Err(JwtError::NotYetValid);
        }
    }
    Ok(())
}

/// ID or access token. `token_use` decides when present; Cognito tokens
/// must carry it; other tokens without it are access tokens when they have
/// `scope` or `scp`.
fn classify(claims: &Map<String, Value>, cognito: bool) -> Result<TokenKind, JwtError> {
    match claims.get("token_use") {
        Some(Value::String(u)) if u == "id" => Ok(TokenKind::Id),
        Some(Value::String(u)) if u == "access" => Ok(TokenKind::Access),
        Some(_) => Err(JwtError::WrongTokenUse),
        None if cognito => Err(JwtError::WrongTokenUse),
        None if claims.contains_key("scope") || claims.contains_key("scp") => Ok(TokenKind::Access),
        None => Ok(TokenKind::Id),
    }
}

/// Whether `scope` (space-separated string or array) or `scp` (array or
/// space-separated string) holds at least one of `wanted`.
fn has_scope(claims: &Map<String, Value>, wanted: &[String]) -> bool {
    ["scope", "scp"].iter().any(|name| match claims.get(*name) {
        Some(Value::String(s)) => s
            .split_ascii_whitespace()
            .any(|t| wanted.iter().any(|w| w == t)),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .any(|t| wanted.iter().any(|w| w == t)),
        _ => false,
    })
}

fn audience_subjects(claims: &Map<String, Value>, kind: TokenKind, cognito: bool) -> Vec<&str> {
    let strings = |name: &str| -> Vec<&str> {
        match claims.get(name) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    };
    if cognito || kind == TokenKind::Id {
        return strings("aud");
    }
    let client = strings("client_id");
    if client.is_empty() {
        strings("azp")
    } else {
        client
    }
}
