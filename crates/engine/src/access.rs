//! Phase "authorize" for `AWS_IAM` (SigV4, with credentials configured in Tollgate) and
//! `COGNITO_USER_POOLS` (JWTs from any OIDC issuer) methods. Lambda authorizers are in
//! [`crate::authorizer`]; the combination with the resource policy in
//! [`crate::resource_policy`].

use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use bytes::Bytes;
use tollgate_iam::{CredentialStore, Payload, SigV4Error};
use tollgate_jwt::{
    AuthorizerConfig, KeyStore, KeyStoreOptions, ValidationOptions, Validator, VerifiedToken,
};
use tollgate_model::{Authorizer, GatewayResponseType};
use tollgate_policy::{AuthOutcome, Decision, RequestFacts};

use crate::auth_cache::ResultCache;
use crate::context::{AuthorizerOutput, RequestContext};
use crate::gateway_response::GatewayError;
use crate::integration::lambda::REGION;

static KEY_STORE: OnceLock<Arc<KeyStore>> = OnceLock::new();

/// Sets the process's JWKS cache and its options (e.g. a local Cognito endpoint). Only the first
/// call has an effect; later deployments share the store.
pub fn init_jwt_keys(options: KeyStoreOptions) -> Result<(), String> {
    let store = KeyStore::new(options).map_err(|e| e.to_string())?;
    let _ = KEY_STORE.set(store);
    Ok(())
}

fn key_store() -> Result<Arc<KeyStore>, String> {
    if let Some(s) = KEY_STORE.get() {
        return Ok(s.clone());
    }
    let store = KeyStore::new(KeyStoreOptions::default()).map_err(|e| e.to_string())?;
    Ok(KEY_STORE.get_or_init(|| store).clone())
}

/// A COGNITO_USER_POOLS authorizer: where the token is and how it is validated.
pub struct JwtAuthorizer {
    /// The identity source header (lower case), `authorization` by default.
    header: String,
    validator: Validator,
    /// Verified tokens by header value. The signature check (most of the cost) is done once per
    /// token and TTL; expiry, scopes and audience are checked on every request.
    verified: ResultCache<Verified>,
}

/// A verified token and what the integration sees of it.
struct Verified {
    token: VerifiedToken,
    output: Arc<AuthorizerOutput>,
}

impl std::fmt::Debug for JwtAuthorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtAuthorizer")
            .field("header", &self.header)
            .finish_non_exhaustive()
    }
}

impl JwtAuthorizer {
    /// Compiles a COGNITO_USER_POOLS authorizer; `None` for other kinds.
    pub fn compile(a: &Authorizer) -> Result<Option<JwtAuthorizer>, String> {
        if !a.kind.eq_ignore_ascii_case("COGNITO_USER_POOLS") {
            return Ok(None);
        }
        let header = a
            .identity_source
            .as_deref()
            .and_then(|s| s.trim().strip_prefix("method.request.header."))
            .unwrap_or("Authorization")
            .to_ascii_lowercase();
        let config = AuthorizerConfig {
            provider_arns: a.provider_arns.clone(),
            identity_validation_expression: a.identity_validation_expression.clone(),
        };
        let validator = Validator::new(&config, key_store()?, ValidationOptions::default())
            .map_err(|e| format!("authorizer {}: {e}", a.name))?;
        Ok(Some(JwtAuthorizer {
            header,
            validator,
            verified: ResultCache::for_authorizer(a),
        }))
    }

    /// Validates the request's token for a method with `scopes`; on success the claims are the
    /// authorizer's output. Failures are 401 (`Unauthorized`, or `The incoming token has
    /// expired`).
    pub async fn authorize(
        &self,
        ctx: &mut RequestContext,
        scopes: &[String],
    ) -> Result<(), GatewayError> {
        let token = ctx
            .headers
            .get(self.header.as_str())
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let verified = match self.verified.get(token) {
            Some(v) => v,
            None => match self.validator.verify(token).await {
                Ok(token_ok) => {
                    let output = Arc::new(AuthorizerOutput {
                        principal_id: None,
                        context: Vec::new(),
                        claims: Some(
                            token_ok
                                .claims()
                                .iter()
                                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                                .collect(),
                        ),
                        latency_ms: None,
                    });
                    let v = Arc::new(Verified {
                        token: token_ok,
                        output,
                    });
                    self.verified.insert(token.to_owned(), v.clone());
                    v
                }
                Err(e) => return Err(refusal(ctx, e)),
            },
        };
        match self
            .validator
            .check(&verified.token, scopes, SystemTime::now())
        {
            Ok(()) => {
                ctx.authorizer = Some(verified.output.clone());
                Ok(())
            }
            Err(e) => Err(refusal(ctx, e)),
        }
    }
}

/// AWS's 401 for a token the authorizer refuses.
fn refusal(ctx: &RequestContext, e: tollgate_jwt::JwtError) -> GatewayError {
    if e.is_keys_unavailable() {
        tracing::warn!(request_id = %ctx.request_id, error = %e, "the token issuer's keys are unavailable");
    }
    GatewayError::new(GatewayResponseType::Unauthorized).with_message(e.message())
}

fn sigv4_error(e: &SigV4Error) -> GatewayError {
    let kind = e
        .gateway_response_type()
        .parse()
        .unwrap_or(GatewayResponseType::InvalidSignature);
    GatewayError::new(kind)
        .with_message(e.message())
        .with_status(e.status())
        .with_error_type(e.error_type())
}

/// AWS_IAM: verifies the request's SigV4 signature against `credentials`, fills
/// `$context.identity`, and evaluates the caller's identity policy for `ctx.method_arn`. A
/// credential without a policy may invoke everything (its owner configured it in this gateway).
pub fn authorize_iam(
    credentials: Option<&CredentialStore>,
    parts: &http::request::Parts,
    body: &Bytes,
    ctx: &mut RequestContext,
) -> Result<(AuthOutcome, Option<String>), GatewayError> {
    let method_arn = ctx.method_arn.clone();
    let method_arn = method_arn.as_str();
    let empty = CredentialStore::new();
    let store = credentials.unwrap_or(&empty);
    let identity = tollgate_iam::verify(
        parts,
        Payload::Bytes(body),
        store,
        SystemTime::now(),
        REGION,
    )
    .map_err(|e| sigv4_error(&e))?;
    let mut facts = RequestFacts::new(ctx.connection.peer.ip(), SystemTime::now());
    facts.user_agent = ctx.user_agent.clone();
    facts.secure_transport = ctx.connection.tls;
    facts.principal = Some(identity.principal());
    let policy = store
        .get(&identity.access_key)
        .and_then(|c| c.policy.as_ref());
    let decision = match policy {
        Some(p) => tollgate_iam::authorize(&identity, Some(p), method_arn, &facts),
        None => Decision::Allow,
    };
    let denial = tollgate_iam::access_denied_message(&identity, method_arn, decision);
    ctx.identity.access_key = Some(identity.access_key.clone());
    ctx.identity.account_id = Some(identity.account_id.clone());
    ctx.identity.caller = Some(identity.caller.clone());
    ctx.identity.user = Some(identity.user.clone());
    ctx.identity.user_arn = Some(identity.user_arn.clone());
    let outcome = match decision {
        Decision::Allow => AuthOutcome::Allow,
        Decision::ImplicitDeny => AuthOutcome::ImplicitDeny,
        Decision::ExplicitDeny => AuthOutcome::ExplicitDeny,
    };
    Ok((outcome, denial))
}
